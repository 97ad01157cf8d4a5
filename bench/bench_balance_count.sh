#!/bin/sh
# bench_balance_count.sh [BENCH_BALANCE [CALLS]]
#
# Instructions per periodic balance call (sched__balance, bench_balance.c) from one
# callgrind run of `bench_balance count [CALLS]`: collection is on only around each measured
# call, and every configuration ends its steady calls and its moving spread calls with a
# stats dump. The cost of a collection toggle pair (the `toggle` dump: the same toggles
# around nothing) is subtracted. steady: loads as even as they get (`*`: no CPU has a queued
# thread, calls on the busy CPUs); spread: the calls that moved threads from an all-on-CPU-0
# start. moves/call: threads moved per call. Unlike host timings these do not move with
# machine load.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build/bench/bench_balance}

[ -x "$bin" ] || { echo "bench_balance not built: run 'make' first" >&2; exit 1; }
shift $(( $# > 0 ? 1 : 0 ))
# one line per dump: "PART CPUS THREADS CALLS MOVES TOGGLE_PAIRS TOTALS" (callgrind_dumps.sh)
"$top/bench/callgrind_dumps.sh" "$bin" count "$@" | awk '
	BEGIN { printf "bench_balance count: instructions per sched__balance() call (callgrind)\n"
		printf "%-8s %4s %7s %7s %10s %10s\n", "part", "cpus", "threads", "calls", "instr/call", "moves/call" }
	$1 == "toggle" { toggle = $7 / $6; printf "%-8s %4s %7s %7d %10.1f %10s\n", "toggle", "-", "-", $6, toggle, "-"; next }
	{ printf "%-8s %4d %7d %7d %10.1f %10.3f\n", $1, $2, $3, $4,
		$4 ? ($7 - $6 * toggle) / $4 : 0, $4 ? $5 / $4 : 0 }'
