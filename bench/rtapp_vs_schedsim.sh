#!/bin/sh
# rtapp_vs_schedsim.sh [WORKLOAD] [SECONDS]
#
# Runs one rt-app workload twice and prints each task's share of the CPU side by side:
#   linux     real rt-app (Debian's) on this machine's Linux, every thread pinned to CPU 0;
#             shares from /proc/PID/task/*/schedstat between two samples taken in steady
#             state (after rt-app's calibration and a one-second warm-up);
#   schedsim  the same file on one simulated CPU, for SECONDS.
# Default: tests/workloads/hogs_nice.json for 6 s. The file's own "duration" must exceed
# SECONDS + 1 so that rt-app is still running at the second sample.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
wl=$(cd "$(dirname "${1:-$top/tests/workloads/hogs_nice.json}")" && pwd)/$(basename "${1:-hogs_nice.json}")
secs=${2:-6}
sim=${SCHEDSIM:-$top/build/arch/sim/schedsim}

[ -x "$sim" ] || { echo "schedsim not built: run 'make' first" >&2; exit 1; }
if ! command -v rt-app >/dev/null; then
	echo "installing rt-app (apt-get)" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rt-app >/dev/null
fi

tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp"
taskset -c 0 rt-app "$wl" > rtapp.log 2>&1 &
pid=$!

sample() {
	for t in /proc/"$pid"/task/*; do
		c=$(cat "$t/comm" 2>/dev/null) || continue
		[ "$c" = rt-app ] && continue
		echo "$c $(cut -d' ' -f1 "$t/schedstat")"
	done | sort
}

# rt-app calibrates before it starts its threads: wait for them (at most a minute)
i=0
while [ "$(ls /proc/"$pid"/task 2>/dev/null | wc -l)" -lt 2 ]; do
	i=$((i + 1))
	[ $i -gt 600 ] && { echo "rt-app started no thread; its log:" >&2; cat rtapp.log >&2; exit 1; }
	sleep 0.1
done
sleep 1
sample > a
sleep "$secs"
sample > b
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pid=

# linux: name -> ns used between the samples
join a b | awk '{ d = $3 - $2; print $1, d }' > linux
"$sim" --cpus 1 --duration "$secs" "$wl" |
	awk '/^thread/ { go = 1; next } go && NF == 0 { exit } go { print substr($1, 1, 15), $4 * 1e6 }' \
	> sim

echo "workload: $wl"
echo "linux: $(uname -r), rt-app pinned to CPU 0, ${secs} s   schedsim: 1 CPU, ${secs} s, $("$sim" --help | grep -o 'eevdf (default)' | cut -d' ' -f1)"
printf '%-16s %9s %11s %8s\n' task linux% schedsim% diff
awk 'NR == FNR { l[$1] = $2; lt += $2; next }
     { s[$1] = $2; st += $2 }
     END { for (k in l) if (k in s) {
             a = 100 * l[k] / lt; b = 100 * s[k] / st
             printf "%-16s %9.2f %11.2f %8.2f\n", k, a, b, b - a } }' linux sim | sort
