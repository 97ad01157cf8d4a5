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
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$tmp/cg" \
	"$bin" count > "$tmp/log" 2>&1; then
	cat "$tmp/log" >&2
	exit 1
fi

# dumps cg.1, cg.2, ... in row order; each: "desc: Trigger: Client Request: PATH THREAD REFILLS OPS"
ls "$tmp" | sed -n 's/^cg\.\([0-9]*\)$/\1/p' | sort -n | while read -r i; do
	f="$tmp/cg.$i"
	echo "$(sed -n 's/^desc: Trigger: Client Request: //p' "$f") $(sed -n 's/^totals: //p' "$f")"
done | awk '
	BEGIN { printf "bench_sc count: instructions per operation (callgrind)\n" }
	$1 == "clock" { toggle = $5 / $4
		printf "%-10s %-6s %7s %8s %8s\n", "path", "thread", "refills", "instr", "vs_fair"
		printf "%-10s %-6s %7s %8.1f %8s\n", "toggle", "-", "-", toggle, "-"; next }
	{ n = $5 / $4 - toggle }
	$2 == "fair" { fair[$1] = n; printf "%-10s %-6s %7s %8.1f %8s\n", $1, $2, "-", n, "-"; next }
	{ printf "%-10s %-6s %7s %8.1f %+8.1f\n", $1, $2, $3, n, n - fair[$1 == "charge" ? "charge" : "switch"] }'
