#!/bin/sh
# bench_core_count.sh [BENCH_CORE]
#
# Instructions per event for the rows of bench_core (SMT core scheduling: the pick with core
# scheduling off, on with nothing tagged, a core-wide pick, a reused one, ...), from one
# callgrind run of `bench_core count`: collection is on only around the measured part of
# each event (`pick`: sched_pick + sched_finish_switch; `event`: the whole timer or IPI
# interrupt, sched_timer/sched_ipi and the pick) and every row ends with a stats dump, so
# each dump holds exactly that row's events. The cost of toggling collection (the `toggle`
# dump: the same toggles around nothing) is subtracted. vs_off: against the `off` row
# (core scheduling off) of the same machine. ipis: IPIs sent per event.
# Unlike host timings these do not move with machine load.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build/bench/bench_core}

[ -x "$bin" ] || { echo "bench_core not built: run 'make' first" >&2; exit 1; }
# one line per dump, in row order: "ROW CPUS PART OPS IPIS TOTALS" (bench/callgrind_dumps.sh)
"$top/bench/callgrind_dumps.sh" "$bin" count | awk '
	BEGIN { printf "bench_core count: instructions per event (callgrind)\n" }
	$1 == "toggle" { toggle = $6 / $4; next }
	{ key = $1 " " $2; n = $6 / $4 - toggle
	  if (!(key in seen)) { seen[key] = 1; order[++nr] = key }
	  v[key, $3] = n; ipis[key] = $5 / $4
	  if ($1 == "off") off[$2, $3] = n }
	END {
		printf "%-9s %4s %8s %8s %8s %8s %5s\n", "row", "cpus", "pick", "vs_off", "event", "vs_off", "ipis"
		printf "%-9s %4s %8.1f %8s %8.1f %8s %5s\n", "toggle", "-", toggle, "-", toggle, "-", "-"
		for (i = 1; i <= nr; i++) {
			split(order[i], k, " ")
			printf "%-9s %4s %8.1f %+8.1f %8.1f %+8.1f %5.2f\n", k[1], k[2],
				v[order[i], "pick"], v[order[i], "pick"] - off[k[2], "pick"],
				v[order[i], "event"], v[order[i], "event"] - off[k[2], "event"], ipis[order[i]]
		}
	}'
