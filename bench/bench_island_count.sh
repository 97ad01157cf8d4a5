#!/bin/sh
# bench_island_count.sh [BENCH_ISLAND]
#
# Instructions per call for the rows of bench_island (sched_island_admit of 50 SCs with 10
# paths and 4 IRQs, sched_island_add_sc of one more, sched_island_revoke), from one
# callgrind run of `bench_island count`: collection is on only around each call and a
# stats dump follows it, so each dump holds one call; a row is averaged over the reps
# (they agree: each rep measures the same calls on a fresh machine in the same state). The
# `toggle` dump (a collection toggle pair around nothing) is subtracted. Everything the
# call executed is counted, the simulator's arch hooks included.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build/bench/bench_island}

[ -x "$bin" ] || { echo "bench_island not built: run 'make' first" >&2; exit 1; }
# one line per dump, in dump order: "CALL TOTALS" (bench/callgrind_dumps.sh)
"$top/bench/callgrind_dumps.sh" "$bin" count | awk '
	$1 == "toggle" { toggle = $2; next }
	{ sum[$1] += $2; n[$1]++; if (!($1 in seen)) { seen[$1] = 1; order[++rows] = $1 } }
	END { printf "bench_island count: instructions per call (callgrind)\n"
	      for (i = 1; i <= rows; i++) printf "%-8s %10.0f\n", order[i], sum[order[i]] / n[order[i]] - toggle }'
