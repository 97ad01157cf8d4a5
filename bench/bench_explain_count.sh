#!/bin/sh
# bench_explain_count.sh [BENCH_EXPLAIN]
#
# Instructions for one simulated second of the fair workload of bench_explain, decision
# records off and on, from one callgrind run of `bench_explain count` (collection on around
# each run alone). The difference per record is what recording costs; the `off` row is the
# library with its decision points compiled in (one load and one branch each).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build/bench/bench_explain}

[ -x "$bin" ] || { echo "bench_explain not built: run 'make' first" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$top/bench/callgrind_dumps.sh" "$bin" count >"$out"
"$bin" | awk 'NR > 2 { rec[$1] = $3 }
	END { while ((getline l < "'"$out"'") > 0) { split(l, f, " "); ins[f[1]] = f[2] }
	      printf "bench_explain count: instructions for the run (callgrind)\n"
	      printf "%-4s %14s %10s\n", "log", "instructions", "records"
	      printf "%-4s %14d %10d\n", "off", ins["off"], rec["off"]
	      printf "%-4s %14d %10d\n", "on", ins["on"], rec["on"]
	      printf "on - off: %+d instructions (%+.3f%%), %.1f per record\n", ins["on"] - ins["off"],
		     100 * (ins["on"] - ins["off"]) / ins["off"], (ins["on"] - ins["off"]) / rec["on"] }'
