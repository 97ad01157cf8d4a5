#!/bin/sh
# bench_measure_count.sh [BENCH_MEASURE [BASE_BENCH_EXPLAIN]]
#
# Instructions for one simulated second of bench_measure's fair workload with the
# measurement counters off and on (callgrind), three ways:
#   run      the whole run, simulator included (collection on around the run alone);
#   library  of that, the instructions in functions whose source is in libsched/ or
#            include/sched/ (self cost by file: the simulator's work, the same event for
#            event in every mode, left out);
#   sched_*  `valgrind --tool=callgrind --toggle-collect='sched_*' BIN off|on`: setup
#            included, and a sched_* function called inside another one toggles
#            collection off for its own duration (callgrind toggles at each entry and
#            exit), so this counts only part of the library.
# BASE_BENCH_EXPLAIN is bench_explain built from a commit before the switch existed: its
# off run makes the same library calls on the same workload (its `count` mode's `off`
# dump). The last lines give the differences per event and per measurement site passed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build/bench/bench_measure}
base=${2:-}

[ -x "$bin" ] || { echo "bench_measure not built: run 'make' first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# dumps NAME BIN: "LABEL RUN LIBRARY" per dump of `BIN count`, into $tmp/NAME
dumps() {
	mkdir "$tmp/$1"
	valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$tmp/$1/cg" \
		"$2" count >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
	for f in "$tmp/$1"/cg.*; do
		label=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
		run=$(sed -n 's/^totals: //p' "$f")
		lib=$(callgrind_annotate --threshold=100 --auto=no "$f" |
			awk '/\/libsched\/|\/include\/sched\// { gsub(",", "", $1); n += $1 }
			     END { print n + 0 }')
		echo "$label $run $lib"
	done >"$tmp/$1/rows"
}
# toggled NAME BIN MODE: the --toggle-collect='sched_*' count
toggled() {
	valgrind --tool=callgrind --toggle-collect='sched_*' --callgrind-out-file="$tmp/tg" \
		"$2" "$3" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
	echo "$1 $(sed -n 's/^totals: //p' "$tmp/tg")" >>"$tmp/toggled"
}
: >"$tmp/toggled"
if [ -n "$base" ]; then
	dumps base "$base"
	grep '^off ' "$tmp/base/rows" | sed 's/^off/base/' >"$tmp/rows"
	toggled base "$base" off
fi
dumps new "$bin"
cat "$tmp/new/rows" >>"$tmp/rows"
toggled off "$bin" off
toggled on "$bin" on
"$bin" >"$tmp/table"
awk -v rows="$tmp/rows" -v tog="$tmp/toggled" 'NR > 2 { ev[$1] = $2; sites = $3 }
	END { while ((getline l < rows) > 0) { split(l, f, " "); run[f[1]] = f[2]; lib[f[1]] = f[3] }
	      while ((getline l < tog) > 0) { split(l, f, " "); tg[f[1]] = f[2] }
	      n = ev["off"]
	      printf "bench_measure count: instructions, %d events, %d measurement sites\n", n, sites
	      printf "%-5s %12s %12s %12s %10s\n", "mode", "run", "library", "sched_*", "lib/event"
	      split("base off on", m, " ")
	      for (i = 1; i <= 3; i++)
		      if (m[i] in run)
			      printf "%-5s %12d %12d %12d %10.2f\n", m[i], run[m[i]], lib[m[i]],
				     tg[m[i]], lib[m[i]] / n
	      for (i = 1; i <= 3; i++)
		      for (j = i + 1; j <= 3; j++)
			      if ((m[i] in run) && (m[j] in run))
				      printf "%s - %s: library %+d (%+.3f%%), %+.2f per event, %+.2f per site\n",
					     m[j], m[i], lib[m[j]] - lib[m[i]],
					     100 * (lib[m[j]] - lib[m[i]]) / lib[m[i]],
					     (lib[m[j]] - lib[m[i]]) / n, (lib[m[j]] - lib[m[i]]) / sites }' "$tmp/table"
