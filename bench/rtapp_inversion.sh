#!/bin/sh
# rtapp_inversion.sh [WORKLOAD [TASK]]
#
# Priority inversion, measured on this machine's Linux with real rt-app (Debian's) and in
# schedsim, with and without priority inheritance. Default workload: bench/inversion.json,
# three SCHED_FIFO tasks on CPU 0, all periodic (100 ms), for 3 s:
#   low     priority 10, at each tick: lock "m", run 20 ms, unlock "m";
#   high    priority 30, 2 ms after low's tick: lock "m", run 1 ms, unlock "m";
#   medium  priority 20, 4 ms after low's tick: run 50 ms, no lock.
# high blocks on "m" held by low; medium then arrives. Without priority inheritance medium
# preempts low and high waits for medium's whole run: ideally high is done 2 + 2 + 50 +
# 16 + 1 = 71 ms after low's tick (low's 2 ms before high, 2 before medium, medium's 50,
# low's other 16, high's own 1), a response of 69 ms. With it low runs at high's priority
# until it unlocks, medium waits, and high is done 19 ms after its tick (low's other 18 ms,
# its own 1 ms).
#
# The file is run twice, with its global "pi_enabled" set to true and to false (the two
# variants are written to a temporary directory, everything else unchanged), and for
# each variant the script prints the worst and the median response time of TASK
# (default high) over its jobs:
#   linux     rt-app, the whole process pinned to CPU 0 (taskset -c 0; the file should give
#             every task "cpus": [0] too). rt-app measures real time on a real machine: the
#             figures include wake-up latencies, interrupts, the machine's speed of the
#             moment and rt-app's calibration error (its calibration is a whole number of
#             ns per loop of its busy loop, so a "run" of 1 ms can take 0.85 or 1.15 ms:
#             the script prints what TASK's runs took), and vary from run to run, more so
#             on a busy machine or a virtual one. This is a bench that prints figures, not
#             a test. Both runs use the calibration rt-app measured in the first one, or
#             RTAPP_CALIB (ns per loop) when set;
#   schedsim  the same two files on one simulated CPU ($BUILD/arch/sim/schedsim, BUILD
#             defaulting to build/, or $SCHEDSIM), if that schedsim runs lock events;
#             otherwise "schedsim: lock events not supported yet" (or why it refused the file).
# The Linux part is skipped, with the reason, when rt-app is missing or cannot use
# SCHED_FIFO here: `chrt -f 10 true` fails (not root and no CAP_SYS_NICE or RLIMIT_RTPRIO,
# as in many containers), kernel.sched_rt_runtime_us is 0, CPU 0 is not ours, or rt-app
# itself fails to set its threads' policy.
#
# The workload must be strict JSON (no comments), with a positive global "duration", and
# TASK's loop must start with its "timer" (see the response time below). The variants also
# get their own "logdir" and "log_basename". Two traps of Debian's rt-app (1.0) for such
# files: a timer "ref" names one timer shared by every task that uses it (schedsim gives
# each task its own), so each task needs a ref of its own; and its "log_size" parsing is
# inverted, any string but "disable" (such as "file") turning the logs off, so leave it out.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;; esac
wl=${1:-$top/bench/inversion.json}
task=${2:-high}
build=${BUILD:-$top/build}
sim=${SCHEDSIM:-$build/arch/sim/schedsim}
[ -r "$wl" ] || { echo "$0: cannot read $wl" >&2; exit 2; }
command -v python3 >/dev/null || { echo "$0: needs python3" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM

# variant PI [CALIBRATION]: writes tmp/pi.json (PI true) or tmp/nopi.json (false), the
# workload with "pi_enabled" set, its own "logdir" and "log_basename", and rt-app's
# "calibration" (ns per loop) when given; keys keep their order and repeated keys (rt-app's
# "run", "run" ...) are kept. Prints the file's global duration.
cat > "$tmp/variant.py" <<'EOF'
import json, sys
src, tmp, pi = sys.argv[1], sys.argv[2], sys.argv[3] == "true"
class Obj(list):
    pass
def dump(v, ind=""):
    if isinstance(v, Obj):
        i = ind + "\t"
        return "{\n" + ",\n".join(i + json.dumps(k) + ": " + dump(x, i) for k, x in v) + \
            "\n" + ind + "}"
    if isinstance(v, list):
        return "[" + ", ".join(dump(x, ind) for x in v) + "]"
    return json.dumps(v)
def put(o, key, val):
    for i, (k, _) in enumerate(o):
        if k == key:
            o[i] = (key, val)
            return
    o.append((key, val))
try:
    with open(src) as f:
        w = json.load(f, object_pairs_hook=Obj)
except ValueError as e:
    sys.exit("%s: not strict JSON: %s" % (src, e))
g = [x for k, x in w if k == "global"]
if not g:
    g = [Obj()]
    w.insert(0, ("global", g[0]))
g = g[0]
dur = [x for k, x in g if k == "duration"]
if not dur or not isinstance(dur[-1], (int, float)) or dur[-1] <= 0:
    sys.exit("%s: needs a positive global \"duration\"" % src)
name = "pi" if pi else "nopi"
put(g, "pi_enabled", pi)
put(g, "logdir", "%s/linux-%s" % (tmp, name))
put(g, "log_basename", "inv")
if len(sys.argv) > 4:
    put(g, "calibration", int(sys.argv[4]))
with open("%s/%s.json" % (tmp, name), "w") as f:
    f.write(dump(w) + "\n")
print(dur[-1])
EOF
variant() { python3 "$tmp/variant.py" "$wl" "$tmp" "$@"; }
case "${RTAPP_CALIB:-}" in
*[!0-9]* | 0*) echo "$0: RTAPP_CALIB: expected ns per loop (an integer > 0)" >&2; exit 2 ;;
esac
dur=$(variant true ${RTAPP_CALIB:+"$RTAPP_CALIB"})
variant false ${RTAPP_CALIB:+"$RTAPP_CALIB"} > /dev/null

# Response times of one thread from its rt-app log (rt-app's or schedsim's: same columns),
# one line: jobs, worst, median (nearest rank), medians of the "run" and "c_duration"
# columns, all in us.
# rt-app writes a line per loop: "start" is read when the loop begins, just before its
# first event, the timer, is called; "end" when the loop's last event returns (here the
# unlock after the job's work); "period" = end - start; "slack" = the tick the timer
# waits for minus the instant of the timer call. So the tick is start + slack and the
# job's response time, release (tick) to completion, is end - (start + slack) =
# period - slack, to a microsecond or two (the time between reading "start" and calling
# the timer; rounding). This also holds for a job whose tick had passed (negative slack).
# rt-app's own figures do not give it: "run" is only the wall time of the "run" events
# (it leaves out the wait for the lock), "wu_lat" only the lateness of the wake-up. We use
# "run" as a calibration check instead: the job's "run" events took that long.
resp() {
	f=$(ls "$1/inv-$task-"*.log 2>/dev/null | head -1)
	[ -n "$f" ] || { echo "0 - - - -"; return; }
	awk '!/^#/ && NF >= 11 { print $4 - $8 }' "$f" | sort -n > "$f.r"
	awk '!/^#/ && NF >= 11 { print $3 }' "$f" | sort -n > "$f.run"
	awk '!/^#/ && NF >= 11 { print $9 }' "$f" | sort -n > "$f.c"
	n=$(wc -l < "$f.r")
	[ "$n" -gt 0 ] || { echo "0 - - - -"; return; }
	k=$(( (n + 1) / 2 ))
	echo "$n $(tail -1 "$f.r") $(sed -n "${k}p" "$f.r") $(sed -n "${k}p" "$f.run")" \
		"$(sed -n "${k}p" "$f.c")"
}

# ---- Linux ----
linux=yes
if ! command -v rt-app >/dev/null; then
	linux="skipped: rt-app is not installed (apt-get install rt-app)"
elif ! command -v taskset >/dev/null || ! command -v chrt >/dev/null; then
	linux="skipped: taskset and chrt are needed (util-linux)"
elif ! err=$(chrt -f 10 true 2>&1); then
	linux="skipped: this process may not use SCHED_FIFO (chrt -f 10 true: ${err:-failed});"
	linux="$linux not root, no CAP_SYS_NICE (a container?) and RLIMIT_RTPRIO 0?"
elif [ "$(cat /proc/sys/kernel/sched_rt_runtime_us 2>/dev/null || echo -1)" = 0 ]; then
	linux="skipped: kernel.sched_rt_runtime_us is 0, realtime tasks would never run"
elif ! taskset -c 0 true 2>/dev/null; then
	linux="skipped: CPU 0 is not available to this process (taskset -c 0 failed)"
fi
rt_rt=$(cat /proc/sys/kernel/sched_rt_runtime_us 2>/dev/null || echo '?')
rt_p=$(cat /proc/sys/kernel/sched_rt_period_us 2>/dev/null || echo '?')

for v in pi nopi; do
	[ "$linux" = yes ] || break
	mkdir -p "$tmp/linux-$v"
	echo "linux: rt-app $v.json (pi_enabled $([ $v = pi ] && echo true || echo false))," \
		"${dur} s plus calibration ..." >&2
	rc=0
	timeout --foreground $((${dur%.*} + 300)) taskset -c 0 rt-app "$tmp/$v.json" > "$tmp/linux-$v.out" 2>&1 ||
		rc=$?
	f=$(ls "$tmp/linux-$v/inv-$task-"*.log 2>/dev/null | head -1)
	if [ $rc != 0 ] || grep -q 'pthread_setschedparam\|sched_setattr' "$tmp/linux-$v.out" ||
		[ -z "$f" ] || ! grep -q '^# Policy : SCHED_FIFO' "$f"; then
		linux="skipped: rt-app failed (status $rc) with SCHED_FIFO threads here; its last lines:
$(grep -v '^$' "$tmp/linux-$v.out" | tail -5 | sed 's/^/    /')"
		break
	fi
	resp "$tmp/linux-$v" > "$tmp/linux-$v.resp"
	# rt-app's calibration ("pLoad = N ns" per loop of its busy loop) is a whole number of
	# ns, picked as the fastest of its samples: from one run to the next it moves by a
	# step (say 14 or 15 ns, 7 %), and every "run" with it. The second run gets the
	# first one's figure, so that both do the same work.
	pload=$(sed -n 's/.*pLoad = \([0-9]*\)ns.*/\1/p' "$tmp/linux-$v.out" | head -1)
	if [ -z "${RTAPP_CALIB:-}" ] && [ -n "$pload" ]; then
		variant false "$pload" > /dev/null
	fi
done

# ---- schedsim ----
simstate=yes
if [ ! -x "$sim" ]; then
	simstate="schedsim: not built ($sim): run 'make', or set BUILD or SCHEDSIM"
else
	for v in pi nopi; do
		rc=0
		logs=
		"$sim" --help 2>/dev/null | grep -q -- --rtapp-logs && logs="--rtapp-logs $tmp/sim-$v"
		# shellcheck disable=SC2086 # $logs is empty or two words
		"$sim" --cpus 1 --json $logs "$tmp/$v.json" \
			> "$tmp/sim-$v.json" 2> "$tmp/sim-$v.err" || rc=$?
		if [ $rc != 0 ]; then
			msg=$(head -1 "$tmp/sim-$v.err")
			if grep -q "key '\(lock\|unlock\)[^']*': event not supported" "$tmp/sim-$v.err"; then
				simstate="schedsim: lock events not supported yet ($msg)"
			else
				simstate="schedsim: could not run the workload (status $rc): $msg"
			fi
			break
		fi
		# schedsim's own job accounting (rt.response_ns, exact ns) for the first instance
		python3 - "$tmp/sim-$v.json" "$task" > "$tmp/sim-$v.resp" <<-'EOF'
		import json, sys
		r = json.load(open(sys.argv[1]))
		t = [t for t in r["threads"] if t["name"] == sys.argv[2] and t["instance"] == 0]
		rt = t[0].get("rt") if t else None
		if not rt or rt["response_ns"]["max"] is None:
		    print("0 - -")
		else:
		    x = rt["response_ns"]
		    print(rt["jobs"], x["max"] / 1000, x["p50"] / 1000)
		EOF
		# and the same figures read from its rt-app logs as Linux's are: a check
		if [ -n "$logs" ]; then
			resp "$tmp/sim-$v" > "$tmp/sim-$v.logresp"
		else
			cp "$tmp/sim-$v.resp" "$tmp/sim-$v.logresp"
		fi
	done
fi

# ---- report ----
ms() { awk -v x="$1" 'BEGIN { if (x == "-") print "-"; else printf "%.3f\n", x / 1000 }'; }
echo "workload: $wl, response time of '$task' (release at its timer's tick to its job's end)"
if [ "$linux" = yes ]; then
	echo "linux: $(uname -r), $(nproc) CPUs, rt-app pinned to CPU 0, ${dur} s per run," \
		"sched_rt_runtime_us $rt_rt / sched_rt_period_us $rt_p, load average" \
		"$(cut -d' ' -f1-3 /proc/loadavg)"
else
	echo "linux: $linux"
fi
[ "$simstate" = yes ] && echo "schedsim: $sim, 1 CPU, ${dur} s" || echo "$simstate"
echo
printf '%-17s | %-30s | %-30s\n' '' '--- linux rt-app (ms) -------' '--- schedsim (ms) -----------'
printf '%-17s | %5s %11s %12s | %5s %11s %12s\n' scenario jobs worst median jobs worst median
for v in pi nopi; do
	[ $v = pi ] && name='pi_enabled true' || name='pi_enabled false'
	set -- - - - -
	[ "$linux" = yes ] && set -- $(cat "$tmp/linux-$v.resp")
	l_n=$1 l_w=$(ms "$2") l_m=$(ms "$3")
	set -- - - -
	[ "$simstate" = yes ] && set -- $(cat "$tmp/sim-$v.resp")
	printf '%-17s | %5s %11s %12s | %5s %11s %12s\n' "$name" "$l_n" "$l_w" "$l_m" \
		"$1" "$(ms "$2")" "$(ms "$3")"
done

if [ "$linux" = yes ]; then
	[ -n "${RTAPP_CALIB:-}" ] && how="RTAPP_CALIB" || how="measured by the first run"
	echo "linux: rt-app's calibration ${pload:-?} ns per loop ($how), for both runs"
	for v in pi nopi; do
		set -- $(cat "$tmp/linux-$v.resp")
		echo "linux $v: $task's run events took $4 us per job for $5 us configured" \
			"(medians of rt-app's \"run\" and \"c_duration\" columns)"
	done
fi
if [ "$simstate" = yes ]; then
	for v in pi nopi; do
		a=$(cut -d' ' -f1,2 "$tmp/sim-$v.resp")
		b=$(cut -d' ' -f1,2 "$tmp/sim-$v.logresp")
		awk -v a="$a" -v b="$b" -v v="$v" 'BEGIN { split(a, x, " "); split(b, y, " ")
			if (x[1] != y[1] || (x[2] != "-" && (x[2] - y[2] > 1 || y[2] - x[2] > 1)))
				printf "note: schedsim %s: its rt-app logs say %s jobs, worst %s us;" \
					" its JSON %s jobs, worst %s us\n", v, y[1], y[2], x[1], x[2] }'
	done
	if cmp -s "$tmp/sim-pi.resp" "$tmp/sim-nopi.resp"; then
		echo "note: schedsim gives the same figures with and without pi_enabled:" \
			"does it model priority inheritance yet?"
	fi
fi
