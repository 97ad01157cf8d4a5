#!/bin/sh
# bench_sc_count.sh [BENCH_SC]
#
# Instructions per operation for the rows of bench_sc, from one callgrind run of
# `bench_sc count`: collection is on only around each operation and every row ends with a
# stats dump, so each dump holds exactly that row's operations. The cost of toggling
# collection (the `clock` row: the same toggles around nothing) is subtracted.
# Unlike the host timings these do not move with machine load.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build/bench/bench_sc}

[ -x "$bin" ] || { echo "bench_sc not built: run 'make' first" >&2; exit 1; }
# one line per dump, in row order: "PATH THREAD REFILLS OPS TOTALS" (bench/callgrind_dumps.sh)
"$top/bench/callgrind_dumps.sh" "$bin" count | awk '
	BEGIN { printf "bench_sc count: instructions per operation (callgrind)\n" }
	$1 == "clock" { toggle = $5 / $4
		printf "%-10s %-6s %7s %8s %8s\n", "path", "thread", "refills", "instr", "vs_fair"
		printf "%-10s %-6s %7s %8.1f %8s\n", "toggle", "-", "-", toggle, "-"; next }
	{ n = $5 / $4 - toggle }
	$2 == "fair" { fair[$1] = n; printf "%-10s %-6s %7s %8.1f %8s\n", $1, $2, "-", n, "-"; next }
	{ printf "%-10s %-6s %7s %8.1f %+8.1f\n", $1, $2, $3, n, n - fair[$1 == "charge" ? "charge" : "switch"] }'
