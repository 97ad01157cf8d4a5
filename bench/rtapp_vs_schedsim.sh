#!/bin/sh
# rtapp_vs_schedsim.sh [--cpus N] [WORKLOAD] [SECONDS]
#                      --examples [DIR] [SECONDS]
#
# Runs one rt-app workload twice and prints each task's share of the CPU side by side
# (without --cpus, or with --cpus 1):
#   linux     real rt-app (Debian's) on this machine's Linux, every thread pinned to CPU 0;
#             shares from /proc/PID/task/*/schedstat between two samples taken in steady
#             state (after rt-app's calibration and a one-second warm-up);
#   schedsim  the same file on one simulated CPU, for SECONDS.
# Default: tests/workloads/hogs_nice.json for 6 s. The file's own "duration" must exceed
# SECONDS + 1 so that rt-app is still running at the second sample.
#
# --cpus N (N >= 2): unpinned mode, across N CPUs. rt-app as a whole is restricted to CPUs
# 0 .. N-1 (taskset), its threads are not pinned, and Linux balances them; schedsim runs
# the file with --cpus N. Prints per task its time as a % of one CPU and its migrations
# per second: Linux's from schedstat and se.nr_migrations (/proc/PID/task/TID/sched) between
# the two samples, schedsim's from its JSON (runtime_ns / wall_ns, migrations_per_s).
# Default workload: tests/workloads/hogs3.json (3 CPU hogs at equal nice: 100 * N / 3 % of
# a CPU each is the fair share). Without rt-app, or on a machine with fewer than N CPUs,
# Linux's side is skipped (nothing is installed in this mode) and schedsim's is printed.
#
# --examples [DIR] [SECONDS]: every rt-app example of DIR (default Debian's,
# /usr/share/doc/rt-app/examples; merge/ holds fragments, not workloads, and is skipped)
# for SECONDS (default 3) each, under real rt-app (unpinned, after workgen's rewriting,
# with "duration" set to SECONDS and ftrace off) and schedsim (--cpus = this machine's CPUs).
# See bench/rtapp_examples.sh.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --examples ]; then
	. "$top/bench/rtapp_examples.sh"
	examples_mode "${2:-/usr/share/doc/rt-app/examples}" "${3:-3}"
	exit $?
fi
cpus=1
if [ "${1:-}" = --cpus ]; then
	case "${2:-}" in
	'' | *[!0-9]* | 0*) echo "usage: $0 [--cpus N] [WORKLOAD] [SECONDS]" >&2; exit 2 ;;
	esac
	cpus=$2
	shift 2
fi
[ "$cpus" = 1 ] && def=hogs_nice.json || def=hogs3.json
wl=$(cd "$(dirname "${1:-$top/tests/workloads/$def}")" && pwd)/$(basename "${1:-$def}")
secs=${2:-6}
sim=${SCHEDSIM:-$top/build/arch/sim/schedsim}

[ -x "$sim" ] || { echo "schedsim not built: run 'make' first" >&2; exit 1; }
linux=yes
if [ "$cpus" = 1 ]; then
	if ! command -v rt-app >/dev/null; then
		echo "installing rt-app (apt-get)" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rt-app >/dev/null
	fi
elif ! command -v rt-app >/dev/null; then
	linux="skipped: rt-app is not installed (apt-get install rt-app)"
elif [ "$(nproc)" -lt "$cpus" ]; then
	linux="skipped: this machine has $(nproc) CPUs, not $cpus"
fi

tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp"

# One line per rt-app thread: name, ns of CPU used, migrations (se.nr_migrations, - when
# the kernel has no /proc/PID/task/TID/sched). rt-app gives every instance of a task the
# task's name: in thread-id (creation) order, instance N > 0 is called name-N here.
sample() {
	for tid in $(ls /proc/"$pid"/task | sort -n); do
		t=/proc/$pid/task/$tid
		c=$(cat "$t/comm" 2>/dev/null) || continue
		[ "$c" = rt-app ] && continue
		m=$(awk '$1 == "se.nr_migrations" { print $3 }' "$t/sched" 2>/dev/null) || m=
		echo "$c $(cut -d' ' -f1 "$t/schedstat") ${m:--}"
	done | awk '{ n = seen[$1]++ ? $1 "-" seen[$1] - 1 : $1; $1 = n; print }' | sort
}

if [ "$linux" = yes ]; then
	taskset -c 0-$((cpus - 1)) rt-app "$wl" > rtapp.log 2>&1 &
	pid=$!
	# rt-app calibrates before it starts its threads: wait for them (at most a minute)
	i=0
	while [ "$(ls /proc/"$pid"/task 2>/dev/null | wc -l)" -lt 2 ]; do
		i=$((i + 1))
		[ $i -gt 600 ] && { echo "rt-app started no thread; its log:" >&2; cat rtapp.log >&2; exit 1; }
		sleep 0.1
	done
	sleep 1
	t0=$(date +%s%N)
	sample > a
	sleep "$secs"
	t1=$(date +%s%N)
	sample > b
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
	# linux: name, ns used and migrations between the samples, ns between the samples
	join a b | awk -v dt=$((t1 - t0)) '{ m = $3 == "-" || $5 == "-" ? "-" : $5 - $3
		print $1, $4 - $2, m, dt }' > linux
else
	: > linux
fi

policy=$("$sim" --help | grep -o 'eevdf (default)' | cut -d' ' -f1)
echo "workload: $wl"
if [ "$cpus" = 1 ]; then
	"$sim" --cpus 1 --duration "$secs" "$wl" |
		awk '/^thread +inst / { go = 1; next } go && NF == 0 { exit }
		     go { n = substr($1, 1, 15); if ($2 > 0) n = n "-" $2; print n, $4 * 1e6 }' > sim
	echo "linux: $(uname -r), rt-app pinned to CPU 0, ${secs} s   schedsim: 1 CPU, ${secs} s, $policy"
	printf '%-16s %9s %11s %8s\n' task linux% schedsim% diff
	awk 'NR == FNR { l[$1] = $2; lt += $2; next }
	     { s[$1] = $2; st += $2 }
	     END { for (k in l) if (k in s) {
	             a = 100 * l[k] / lt; b = 100 * s[k] / st
	             printf "%-16s %9.2f %11.2f %8.2f\n", k, a, b, b - a } }' linux sim | sort
	exit 0
fi

# schedsim: name (instance N > 0 as name-N, as above), % of one CPU, migrations/s, from its JSON
"$sim" --cpus "$cpus" --duration "$secs" --json "$wl" > sim.json
wall=$(sed -n 's/.*"wall_ns":\([0-9]*\).*/\1/p' sim.json)
sim_migr=$(sed -n 's/.*"sim":{[^}]*"migrations_per_s":\([0-9.]*\)}.*/\1/p' sim.json)
sed 's/{"name":/\
{"name":/g; s/],"core_sched".*//' sim.json |
	sed -n 's/^{"name":"\([^"]*\)","instance":\([0-9]*\),.*"runtime_ns":\([0-9]*\),.*/\1 \2 \3 &/
		s/^\([^ ]* [0-9]* [0-9]*\) .*"migrations_per_s":\([0-9.]*\),.*/\1 \2/p' |
	awk -v wall="$wall" '{ n = substr($1, 1, 15); if ($2 > 0) n = n "-" $2
		printf "%s %.6f %s\n", n, 100 * $3 / wall, $4 }' > sim

if [ "$linux" = yes ]; then
	echo "linux: $(uname -r), rt-app on CPUs 0-$((cpus - 1)), threads unpinned," \
		"$(awk '{ printf "%.2f", $4 / 1e9; exit }' linux) s sampled"
else
	echo "linux: $linux"
fi
echo "schedsim: $cpus CPUs, ${secs} s, $policy"
printf '%-16s %-28s   %s\n' '' '------ % of one CPU ------' '--- migrations/s --'
printf '%-16s %9s %9s %8s   %9s %9s\n' task linux schedsim diff linux schedsim
awk -v n="$(wc -l < sim)" -v cpus="$cpus" -v sm="$sim_migr" '
	FILENAME == "linux" { l[$1] = 100 * $2 / $4; lm[$1] = $3 == "-" ? "-" : $3 * 1e9 / $4; next }
	{ k = $1; st += $2
	  if (k in l) {
		lt += l[k]; if (lm[k] == "-") nolm = 1; else ltm += lm[k]
		printf "%-16s %9.2f %9.2f %8.2f   %9s %9.2f\n", k, l[k], $2, $2 - l[k],
			lm[k] == "-" ? "-" : sprintf("%.2f", lm[k]), $3
	  } else {
		nol = 1
		printf "%-16s %9s %9.2f %8s   %9s %9.2f\n", k, "-", $2, "-", "-", $3
	  } }
	END {
	  printf "%-16s %9s %9.2f %8s   %9s %9.2f\n", "total", nol ? "-" : sprintf("%.2f", lt),
		st, nol ? "-" : sprintf("%.2f", st - lt),
		nol || nolm ? "-" : sprintf("%.2f", ltm), sm
	  printf "equal shares (equal nice, all CPU-bound): %.2f %% of one CPU each\n",
		100 * (n < cpus ? 1 : cpus / n)
	  if (!nol && lt < 0.95 * 100 * (n < cpus ? n : cpus))
		printf "note: Linux gave the tasks %.0f %% of %d CPUs: if they are CPU-bound, " \
			"other load on this machine took the rest\n", lt, cpus }' linux sim
