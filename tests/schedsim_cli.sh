#!/bin/sh
# schedsim_cli.sh SCHEDSIM WORKLOAD_DIR - the command line as a user meets it.
set -eu
sim=$1 dir=$2 tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }

# Two runs with the same file and seed print identical JSON, byte for byte.
"$sim" --cpus 2 --seed 5 --json "$dir/sleepers.json" > "$tmp/a"
"$sim" --cpus 2 --seed 5 --json "$dir/sleepers.json" > "$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || fail "same seed, different JSON"
grep -q '"threads":\[{"name":"hog0"' "$tmp/a" || fail "JSON lacks the threads array"
echo "ok - identical JSON for identical runs"

# --duration overrides the file's duration.
"$sim" --duration 0.5 --json "$dir/hogs_nice.json" | grep -q '"duration_ns":500000000' ||
	fail "--duration not applied"
echo "ok - --duration overrides the file"

# Bad flags: usage on stderr, exit status 2.
set +e
"$sim" --cpus 0 "$dir/hogs_nice.json" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q usage "$tmp/err" || fail "bad flag gave status $rc"
echo "ok - bad flags exit 2 with usage"

# A bad workload names file, line and key.
printf '{\n  "tasks": {\n    "t": { "run": 10, "colour": 1 }\n  }\n}\n' > "$tmp/bad.json"
set +e
"$sim" "$tmp/bad.json" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ] && grep -q "bad.json:3: key 'colour'" "$tmp/err" || fail "bad workload: $(cat "$tmp/err")"
echo "ok - bad workload rejected with file, line and key"

# The checker option runs the invariant checker after every event without complaint.
"$sim" --cpus 4 --smt 2 --check --duration 1 "$dir/sleepers.json" > /dev/null || fail "--check"
echo "ok - --check passes on a mixed workload"
# The line of thread TASK, instance INST, in schedsim's JSON output FILE.
thread_line() {
	sed 's/{"name":/\
"name":/g; s/],"core_sched"/\
/' "$1" | grep "^\"name\":\"$2\",\"instance\":$3,"
}
# The number FIELD of thread TASK, instance INST, in schedsim's JSON output FILE (outside
# its "rt" object, which repeats some names).
val() {
	thread_line "$1" "$2" "$3" | sed 's/,"rt":{.*//' |
		sed -n "s/.*\"$4\":\([0-9]*\).*/\1/p"
}
# The number FIELD (jobs, misses, p50, p99, max, lateness_max_ns; may be negative) of the
# "rt" object of thread TASK, instance INST; empty when the thread has none.
rtval() {
	thread_line "$1" "$2" "$3" | sed -n 's/.*,"rt":{\(.*\)/\1/p' |
		sed -n "s/.*\"$4\":\(-\{0,1\}[0-9]*\).*/\1/p"
}
# expect WHAT ACTUAL EXPECTED
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', expected $3"; }
# within WHAT ACTUAL LOW HIGH
within() { [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || fail "$1: got '$2', expected $3 .. $4"; }

# SCHED_DEADLINE: a CBS reservation of 2 ms every 10 ms on one CPU, next to two fair hogs.
# The reservation's thread never sleeps: each refill (every 10 ms from t = 0, the timer is
# programmed at the refill instant) puts it in the EDF class above the fair hogs, it runs
# its 2 ms, and its SC throttles it for 8 ms. So over 1 s: 100 budgets, 200 ms exactly,
# 800 ms throttled, one job (its start: it never blocks), and that job a miss (it has not
# ended 10 ms after its start, nor ever: counted once, at the first refill after its
# deadline); the hogs share the other 800 ms, half each within a fair-class slice.
ex="$dir/../../examples/deadline.json"
"$sim" --cpus 1 --json "$ex" > "$tmp/dl"
expect "dl_hog runtime_ns" "$(val "$tmp/dl" dl_hog 0 runtime_ns)" 200000000
expect "dl_hog throttled_ns" "$(val "$tmp/dl" dl_hog 0 throttled_ns)" 800000000
expect "dl_hog jobs" "$(val "$tmp/dl" dl_hog 0 jobs)" 1
expect "dl_hog deadline_misses" "$(val "$tmp/dl" dl_hog 0 deadline_misses)" 1
h0=$(val "$tmp/dl" hog 0 runtime_ns) h1=$(val "$tmp/dl" hog 1 runtime_ns)
expect "fair hogs' total" "$((h0 + h1))" 800000000
within "hog 0 runtime_ns" "$h0" 399000000 401000000
expect "fair hog throttled_ns (no SC)" "$(val "$tmp/dl" hog 0 throttled_ns)" 0
grep -q '"busy_ns":1000000000,' "$tmp/dl" || fail "the CPU was not busy all the time"
echo "ok - a 2 ms / 10 ms reservation gets exactly 20% of a CPU shared with fair hogs"

# The same thread when its SC blocks it and notifies (notify_block): schedsim's handler
# releases it at once, so it waits for the refill as before; each release is a new job.
sed 's/"throttle"/"notify_block"/' "$ex" > "$tmp/nb.json"
"$sim" --cpus 1 --json "$tmp/nb.json" > "$tmp/nb"
expect "notify_block runtime_ns" "$(val "$tmp/nb" dl_hog 0 runtime_ns)" 200000000
expect "notify_block jobs" "$(val "$tmp/nb" dl_hog 0 jobs)" 101
# demote: beyond its budget it competes as a fair thread, a third of the other 80% or so
sed 's/"throttle"/"demote"/' "$ex" > "$tmp/dm.json"
"$sim" --cpus 1 --json "$tmp/dm.json" > "$tmp/dm"
within "demote runtime_ns" "$(val "$tmp/dm" dl_hog 0 runtime_ns)" 460000000 475000000
echo "ok - notify_block and demote: released at once, or fair beyond the budget"

# A periodic SCHED_DEADLINE task (1 ms of work every 10 ms, budget 2 ms) next to two fair
# hogs: as in rt-app its timer ticks every 10 ms from the thread's start, so it wakes at
# 10, 20, .., 1000 ms: 101 SC activations with its start (the one at 1000 ms starts a 101st
# loop the run's end cuts), 100 loops done, each within budget and before its deadline,
# 100 ms of CPU, never throttled, and no wake latency (EDF preempts the hogs).
"$sim" --cpus 1 --json "$dir/deadline_periodic.json" > "$tmp/per"
expect "periodic jobs" "$(val "$tmp/per" dl_periodic 0 jobs)" 101
expect "periodic loops" "$(val "$tmp/per" dl_periodic 0 loops)" 100
expect "periodic deadline_misses" "$(val "$tmp/per" dl_periodic 0 deadline_misses)" 0
expect "periodic throttled_ns" "$(val "$tmp/per" dl_periodic 0 throttled_ns)" 0
expect "periodic runtime_ns" "$(val "$tmp/per" dl_periodic 0 runtime_ns)" 100000000
expect "periodic max latency" "$(val "$tmp/per" dl_periodic 0 max)" 0
"$sim" --cpus 4 --check "$dir/deadline_periodic.json" > "$tmp/per4" || fail "--check with SCs"
echo "ok - a periodic deadline task meets every deadline: one job per period"

# Job-level deadline accounting: the "rt" object of periodic threads (a timer in the loop).
# The same task: its start job ends at 1 ms, then ticks at 10, 20, .., 990 ms release the
# others (the one at 1000 ms is due after the end); each responds in exactly its 1 ms of run (EDF preempts the hogs at once, and
# nothing models an overhead by default), 9 ms before its deadline. Hogs have no "rt".
expect "periodic rt jobs" "$(rtval "$tmp/per" dl_periodic 0 jobs)" 100
expect "periodic rt misses" "$(rtval "$tmp/per" dl_periodic 0 misses)" 0
expect "periodic rt p50" "$(rtval "$tmp/per" dl_periodic 0 p50)" 1000000
expect "periodic rt p99" "$(rtval "$tmp/per" dl_periodic 0 p99)" 1000000
expect "periodic rt max" "$(rtval "$tmp/per" dl_periodic 0 max)" 1000000
expect "periodic rt lateness" "$(rtval "$tmp/per" dl_periodic 0 lateness_max_ns)" -9000000
expect "hog rt object" "$(rtval "$tmp/per" hog 0 jobs)" ""
grep -q '"jitter_ns":0,"rt":{"jobs":100,"misses":0,"response_ns":{"p50":1000000,"p99":1000000,"max":1000000},"lateness_max_ns":-9000000}}' \
	"$tmp/per" || fail "rt object not in its place or form"
# The same alone as a fair task.
"$sim" --cpus 1 --json "$dir/periodic_light.json" > "$tmp/light"
expect "light rt jobs" "$(rtval "$tmp/light" light 0 jobs)" 100
expect "light rt misses" "$(rtval "$tmp/light" light 0 misses)" 0
expect "light rt max" "$(rtval "$tmp/light" light 0 max)" 1000000
echo "ok - a light periodic task: one job per period, each responding in its run time"

# Two 6 ms / 10 ms SCHED_DEADLINE tasks with absolute timers on one CPU: 120% of it
# (admission off: it would refuse the second). Each
# has its start job and a tick every 10 ms from its start (as rt-app): 100 jobs due by
# 1 s. At most 166 jobs of 6 ms fit in 1 s between them,
# so most jobs end late or not at all, however the CPU is shared.
"$sim" --cpus 1 --json --admission off "$dir/deadline_overload.json" > "$tmp/ovl"
for t in dl_a dl_b; do
	within "$t rt jobs" "$(rtval "$tmp/ovl" $t 0 jobs)" 100 100
	within "$t rt misses" "$(rtval "$tmp/ovl" $t 0 misses)" 90 100
	within "$t rt max response" "$(rtval "$tmp/ovl" $t 0 max)" 10000001 1000000000
done
# 15 ms of work every 10 ms, relative timer: late from the first job on (66 jobs end by
# 1 s, each late: 15, then 20 ms after its release, and a 67th is due unfinished, see
# test_workload.c).
printf '{"global":{"duration":1},"tasks":{"t":{"run":15000,"timer":{"ref":"t","period":10000}}}}\n' > "$tmp/long.json"
"$sim" --cpus 1 --json "$tmp/long.json" > "$tmp/long"
expect "long rt jobs" "$(rtval "$tmp/long" t 0 jobs)" 67
expect "long rt misses" "$(rtval "$tmp/long" t 0 misses)" 67
expect "long rt p50" "$(rtval "$tmp/long" t 0 p50)" 20000000
# a job that never ends is still a miss once its deadline passed; no response time then
printf '{"global":{"duration":1},"tasks":{"t":{"run":2000000,"timer":{"ref":"t","period":10000}}}}\n' > "$tmp/never.json"
"$sim" --cpus 1 --json "$tmp/never.json" |
	grep -q '"rt":{"jobs":1,"misses":1,"response_ns":{"p50":null,"p99":null,"max":null},"lateness_max_ns":null}' ||
	fail "a job unfinished past its deadline is not a miss"
"$sim" --cpus 1 --admission off "$dir/deadline_overload.json" | grep -q '^periodic_thread ' || fail "no periodic table"
if "$sim" --cpus 1 "$dir/hogs_nice.json" | grep -q '^periodic_thread '; then
	fail "periodic table without periodic tasks"
fi
echo "ok - late and unfinished jobs count as misses, in JSON and the tables"

# --rtapp-logs DIR: DIR is created; one log per thread, named as rt-app names them
# (log_basename-task-index.log), rt-app's header, then one line per completed job; the
# report is the same as without logs.
"$sim" --cpus 1 --json --rtapp-logs "$tmp/logs/per" "$dir/deadline_periodic.json" > "$tmp/perl"
cmp -s "$tmp/per" "$tmp/perl" || fail "--rtapp-logs changed the report"
expect "log files" "$(cd "$tmp/logs/per" && echo *)" "rt-app-dl_periodic-0.log rt-app-hog-1.log rt-app-hog-2.log"
hdr='#idx     perf      run   period           start             end          rel_st      slack c_duration   c_period     wu_lat'
for f in "$tmp"/logs/per/*.log; do
	expect "header of $f" "$(head -n 1 "$f")" "$hdr"
done
expect "hog log lines" "$(wc -l < "$tmp/logs/per/rt-app-hog-1.log")" 1
log="$tmp/logs/per/rt-app-dl_periodic-0.log"
expect "job lines" "$(($(wc -l < "$log") - 1))" "$(rtval "$tmp/per" dl_periodic 0 jobs)"
# Parsed back: every job ran 1 ms at once (run, perf, c_duration), its line spans from its
# timer call to its end (period = end - start, rel_st = start), line 1 is the start job
# (0 to 1 ms, no timer); then the line starts where the previous ended, waits 9 ms for its
# tick (slack: ticks at 10, 20, .. ms from the thread's start, as rt-app), c_period 10000,
# no wake latency.
bad=$(awk 'NR == 1 { next }
	{ k = NR - 1; ok = $1 == 0 && $2 == 1000 && $3 == 1000 && $9 == 1000 &&
	  $4 == $6 - $5 && $7 == $5 && $11 == 0 }
	k == 1 { ok = ok && $5 == 0 && $6 == 1000 && $8 == 0 && $10 == 0 }
	k > 1 { ok = ok && $5 == prev && $6 == (10 * (k - 1) + 1) * 1000 && $10 == 10000 &&
	  $8 == 9000 }
	{ prev = $6; if (!ok) print "line " NR ": " $0 }' "$log")
[ -z "$bad" ] || fail "log lines: $bad"
# log_basename from the file names the logs, as in rt-app; instances are threads 0 and 1
# (a "unique" timer each: one named "t" would be shared, each loop then taking 20 ms)
printf '{"global":{"duration":0.1,"log_basename":"mine"},"tasks":{"t":{"instance":2,"run":1000,"timer":{"ref":"unique","period":10000}}}}\n' > "$tmp/base.json"
"$sim" --cpus 2 --rtapp-logs "$tmp/logs/base" "$tmp/base.json" > /dev/null
expect "log_basename files" "$(cd "$tmp/logs/base" && echo *)" "mine-t-0.log mine-t-1.log"
expect "instance 1 lines" "$(grep -c '^   1 ' "$tmp/logs/base/mine-t-1.log")" 10
echo "ok - --rtapp-logs writes rt-app's logs, one line per job"

# A DIR that cannot be made, or a log that cannot be written: status 1, a message, no report.
: > "$tmp/afile"
set +e
"$sim" --rtapp-logs "$tmp/afile/sub" "$dir/periodic_light.json" > "$tmp/out" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ] && [ ! -s "$tmp/out" ] &&
	grep -q "^schedsim: --rtapp-logs: cannot create directory $tmp/afile/sub: Not a directory$" \
	"$tmp/err" || fail "--rtapp-logs under a file: status $rc, $(cat "$tmp/err")"
mkdir -p "$tmp/logs/busy/rt-app-light-0.log"
set +e
"$sim" --rtapp-logs "$tmp/logs/busy" "$dir/periodic_light.json" > "$tmp/out" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ] && [ ! -s "$tmp/out" ] &&
	grep -q "^schedsim: --rtapp-logs: cannot write $tmp/logs/busy/rt-app-light-0.log: Is a directory$" \
	"$tmp/err" || fail "--rtapp-logs unwritable: status $rc, $(cat "$tmp/err")"
echo "ok - --rtapp-logs fails with status 1 when it cannot write"

# The tables show the deadline table only when a SCHED_DEADLINE thread exists.
"$sim" --cpus 1 "$ex" | grep -q '^deadline_thread ' || fail "no deadline table"
if "$sim" --cpus 1 "$dir/hogs_nice.json" | grep -q '^deadline_thread '; then
	fail "deadline table without SCHED_DEADLINE tasks"
fi
echo "ok - the deadline table appears only for SCHED_DEADLINE threads"

# Linux's rule runtime <= deadline <= period, checked at load.
printf '{ "tasks": { "t": { "policy": "SCHED_DEADLINE",\n  "dl-runtime": 20000, "dl-period": 10000,\n  "run": 10 } } }\n' > "$tmp/dlbad.json"
set +e
"$sim" "$tmp/dlbad.json" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ] && grep -q "dlbad.json:2: key 'dl-period': must be >= dl-runtime (20000 us), got 10000" \
	"$tmp/err" || fail "runtime > period: $(cat "$tmp/err")"
echo "ok - dl-runtime above dl-period rejected with file, line and key"

# rr: a thread woken while the current one's quantum had already run out (nobody else was
# waiting then) must still get the CPU (it used to re-arm a past timer forever).
printf '{"global":{"duration":1},"tasks":{"hog":{"loop":-1,"run":1000000},"late":{"delay":4000,"loop":-1,"run":1000000}}}\n' > "$tmp/rr.json"
timeout 20 "$sim" --cpus 1 --policy rr --check --json "$tmp/rr.json" > "$tmp/rr" ||
	fail "rr: late arrival hung or failed"
grep -q '"name":"late","instance":0,"group":"rt-app","runtime_ns":498000000' "$tmp/rr" ||
	fail "rr: the late thread did not get its share"
echo "ok - rr: a late arrival behind an expired quantum runs"

# CBS with a constrained deadline (D < P): a job waking after its deadline but before its
# next period waits for that period, so the task stays within dl-runtime per dl-period.
printf '{"global":{"duration":1},"tasks":{"dl":{"policy":"SCHED_DEADLINE","dl-runtime":2000,"dl-deadline":5000,"dl-period":10000,"loop":-1,"run":1900,"sleep":3500},"hog":{"loop":-1,"run":1000000}}}\n' > "$tmp/cbs.json"
"$sim" --cpus 1 --check --json "$tmp/cbs.json" | grep -q '"name":"dl","instance":0,"group":"rt-app","runtime_ns":190000000' ||
	fail "cbs: a constrained-deadline task got more than its reservation"
echo "ok - cbs: constrained deadline keeps dl-runtime per dl-period"

# Core scheduling. The example (three cookies and untagged host work on 2 cores x 2 SMT
# threads) runs under the invariant checker, and the JSON carries the new fields.
cs="$dir/../../examples/coresched.json"
"$sim" --cpus 4 --smt 2 --check --json "$cs" > "$tmp/cs" || fail "coresched example under --check"
grep -q '"core_sched":true,' "$tmp/cs" || fail "core scheduling not on for a workload with cookies"
grep -q '{"id":0,"busy_ns":[0-9]*,"idle_ns":[0-9]*,"forced_idle_ns":[0-9]*,"balance_moves":[0-9]*,"rotations":[0-9]*,"rt_pushes":[0-9]*,"rt_pulls":[0-9]*,' "$tmp/cs" ||
	fail "no per-CPU forced_idle_ns, balance_moves, rotations, rt_pushes, rt_pulls"
grep -q '"cookie":"vm-a","forced_idle_ns":[0-9]*,' "$tmp/cs" || fail "no per-thread cookie"
grep -q '"cookies":\[{"cookie":"vm-a","threads":2,"runtime_ns":[0-9]*,"forced_idle_ns":[0-9]*}' \
	"$tmp/cs" || fail "no cookies array"
"$sim" --cpus 4 --smt 2 --check "$cs" | grep -q '^cpu .* forced_ms$' || fail "no forced_ms column"
"$sim" --cpus 4 --smt 2 --check --core-protect "$cs" > "$tmp/csp" || fail "--core-protect --check"
grep -q '^cpu .* forced_ms  kstalls  kstall_ms$' "$tmp/csp" || fail "no kernel stall columns"
echo "ok - the core-scheduling example runs under --check and reports forced idle"

# --no-core-sched: the same file without core scheduling. Cookies are only labels then.
"$sim" --cpus 4 --smt 2 --no-core-sched --json "$cs" > "$tmp/csn"
grep -q '"core_sched":false,' "$tmp/csn" || fail "--no-core-sched left it on"
if grep -o '"forced_idle_ns":[0-9]*' "$tmp/csn" | grep -qv ':0$'; then
	fail "forced idle without core scheduling"
fi
grep -q '"cookie":"vm-a","forced_idle_ns":0,' "$tmp/csn" || fail "cookie label lost"
if "$sim" --cpus 4 --smt 2 --no-core-sched "$cs" | grep -q 'forced_ms'; then
	fail "forced_ms column without core scheduling"
fi
echo "ok - --no-core-sched: no forced idle, tables as before"

# Two cookies, one CPU-bound thread each, pinned to the two siblings of one core, 2 s:
# the core alternates between them. Measured (seeds 1..10): each cookie exactly 1000 ms
# (50.00% of the busy time) and each CPU forced idle exactly 1000 ms, in turns of 8 ms.
# Asserted: each cookie 48% .. 52% of the busy time (the turn length would allow far
# less drift; a biased core pick gives ~100/0), each CPU forced idle >= 950 ms, and
# busy + forced idle = the 2 s on each CPU. Without core scheduling both run all along.
# The runtime_ns of cookie C in schedsim's JSON output F.
cookie_rt() {
	sed 's/.*"cookies":\[//; s/},{/}\
{/g' "$1" | sed -n "s/^{\"cookie\":\"$2\",\"threads\":[0-9]*,\"runtime_ns\":\([0-9]*\),.*/\1/p"
}
printf '{"global":{"duration":2},"tasks":{
 "a":{"cpus":0,"loop":-1,"run":100000,"libsched":{"cookie":"a"}},
 "b":{"cpus":1,"loop":-1,"run":100000,"libsched":{"cookie":"b"}}}}\n' > "$tmp/two.json"
for seed in 1 2 3; do
	"$sim" --cpus 2 --smt 2 --seed $seed --check --json "$tmp/two.json" > "$tmp/two"
	a=$(cookie_rt "$tmp/two" a) b=$(cookie_rt "$tmp/two" b)
	within "cookie a share (per mille), seed $seed" "$((a * 1000 / (a + b)))" 480 520
	within "cookie b share (per mille), seed $seed" "$((b * 1000 / (a + b)))" 480 520
	for c in 0 1; do
		cpu=$(sed -n "s/.*{\"id\":$c,\"busy_ns\":\([0-9]*\),\"idle_ns\":[0-9]*,\"forced_idle_ns\":\([0-9]*\),.*/\1 \2/p" "$tmp/two")
		set -- $cpu
		within "cpu $c forced_idle_ns, seed $seed" "$2" 950000000 1000000000
		expect "cpu $c busy + forced idle, seed $seed" "$(($1 + $2))" 2000000000
	done
done
"$sim" --cpus 2 --smt 2 --no-core-sched --json "$tmp/two.json" > "$tmp/twon"
expect "cookie a without core scheduling" "$(cookie_rt "$tmp/twon" a)" 2000000000
echo "ok - two cookies on one core: 50% each, the sibling forced idle meanwhile"

# Same seed, same bytes, with core scheduling and kernel protection too.
"$sim" --cpus 4 --smt 2 --core-protect --seed 9 --json "$cs" > "$tmp/p1"
"$sim" --cpus 4 --smt 2 --core-protect --seed 9 --json "$cs" > "$tmp/p2"
cmp -s "$tmp/p1" "$tmp/p2" || fail "core scheduling run not deterministic"
grep -q '"kernel_stalls":[0-9]*,"kernel_stalled_ns":[0-9]*}' "$tmp/p1" || fail "no kernel stall figures"
echo "ok - core scheduling runs are deterministic"

# Bad cookie values name file, line and key; --no-core-sched with --core-protect is refused.
printf '{ "tasks": { "t": { "run": 10,\n  "libsched": { "cookie": -1 } } } }\n' > "$tmp/ck.json"
set +e
"$sim" "$tmp/ck.json" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ] && grep -q "ck.json:2: key 'cookie': expected an integer >= 0 or a string, got -1" \
	"$tmp/err" || fail "negative cookie: $(cat "$tmp/err")"
printf '{ "tasks": { "t": { "run": 10,\n  "libsched": { "cookie": "" } } } }\n' > "$tmp/ck.json"
set +e
"$sim" "$tmp/ck.json" 2> "$tmp/err"; rc=$?
"$sim" --no-core-sched --core-protect "$cs" 2> /dev/null; rc2=$?
set -e
[ "$rc" = 1 ] && grep -q "ck.json:2: key 'cookie': must not be empty" "$tmp/err" ||
	fail "empty cookie: $(cat "$tmp/err")"
[ "$rc2" = 2 ] || fail "--no-core-sched --core-protect gave status $rc2"
echo "ok - bad cookies and contradictory core flags rejected"

# Limits against hostile input (docs/schedsim.md, "Limits").
# A workload is read up to 16 MiB: a larger file is refused by its size, and a device that
# never ends (it used to be read without limit, 1.7 GB in 10 s) after the limit.
head -c 16777217 /dev/zero | tr '\0' ' ' > "$tmp/big.json"
for f in /dev/zero "$tmp/big.json"; do
	set +e
	timeout 10 "$sim" "$f" > /dev/null 2> "$tmp/err"; rc=$?
	set -e
	[ "$rc" = 1 ] && grep -q "^schedsim: $f: larger than 16 MiB (16777216 bytes), the limit for a workload$" \
		"$tmp/err" || fail "$f: status $rc, $(cat "$tmp/err")"
done
echo "ok - a workload above 16 MiB, or one that never ends, is refused"

# Every numeric flag has a range; values outside it, with trailing text, a sign, blanks
# or beyond 64 bits are refused with a message naming the flag (status 2, then the usage).
# rejected FLAG VALUE MESSAGE
rejected() {
	set +e
	"$sim" "$1" "$2" "$dir/hogs_nice.json" > /dev/null 2> "$tmp/err"; rc=$?
	set -e
	[ "$rc" = 2 ] && [ "$(head -n 1 "$tmp/err")" = "schedsim: $1: $3, got '$2'" ] &&
		grep -q usage "$tmp/err" || fail "$1 $2: status $rc, $(head -n 1 "$tmp/err")"
}
cost="expected an integer 0 .. 1000000000 (ns)"
rejected --switch-cost 9223372036854775808 "$cost"
rejected --ipi-latency 18446744073709551615 "$cost"
rejected --timer-cost 1000000001 "$cost"
rejected --timer-cost 1000x "$cost"
# the CPU limit is the build's SCHED_MAX_CPUS (meson option sim_max_cpus), as --help says
max_cpus=$("$sim" --help 2>&1 | sed -n 's/.*--cpus N .*1\.\.\([0-9]*\).*/\1/p')
[ -n "$max_cpus" ] || fail "--help gives no --cpus limit"
rejected --cpus 4x "expected an integer 1 .. $max_cpus"
rejected --cpus " 4" "expected an integer 1 .. $max_cpus"
rejected --cpus +4 "expected an integer 1 .. $max_cpus"
rejected --cpus $((max_cpus + 1)) "expected an integer 1 .. $max_cpus"
rejected --smt 0x2 "expected an integer 1 .. $max_cpus"
rejected --seed 18446744073709551616 "expected an integer 0 .. 18446744073709551615"
rejected --seed -1 "expected an integer 0 .. 18446744073709551615"
rejected --duration 1000000.5 "expected seconds > 0 and <= 1000000"
rejected --duration inf "expected seconds > 0 and <= 1000000"
rejected --duration 0x1p3 "expected seconds > 0 and <= 1000000"
rejected --duration 1s "expected seconds > 0 and <= 1000000"
rejected --max-events 0 "expected an integer 1 .. 1000000000000"
rejected --max-wall 0 "expected seconds > 0 and <= 604800"
rejected --max-wall 604801 "expected seconds > 0 and <= 604800"
"$sim" --switch-cost 1000000000 --ipi-latency 1000000000 --timer-cost 1000000000 \
	--seed 18446744073709551615 --duration 1 --max-events 1000000000000 --max-wall 604800 \
	"$dir/hogs_nice.json" > /dev/null || fail "the largest legal values were refused"
set +e # the longest duration is legal, and the event budget then stops the run
"$sim" --duration 1000000 --max-events 1000 "$dir/hogs_nice.json" > /dev/null 2>&1; rc=$?
set -e
[ "$rc" = 3 ] || fail "--duration 1000000: status $rc"
echo "ok - numeric flags are refused outside their range, with trailing text or overflow"

# Invalid UTF-8 in a name is refused with its byte offset.
printf '{"tasks":{"t\377":{"run":1}}}\n' > "$tmp/utf8.json"
set +e
"$sim" "$tmp/utf8.json" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ] && grep -q "utf8.json:1: invalid UTF-8 at byte offset 12 (0xff)$" "$tmp/err" ||
	fail "invalid UTF-8: status $rc, $(cat "$tmp/err")"
echo "ok - invalid UTF-8 in a task name is refused with its offset"

# A loop of zero-time events costs 1 us of CPU per pass: a lone yield for 1 s of simulated
# time is 10^6 passes (it used to be 10^9, 32 s of host time for this run).
printf '{"tasks":{"t":{"yield":0}}}\n' > "$tmp/yield.json"
timeout 20 "$sim" --cpus 1 --duration 1 --json "$tmp/yield.json" > "$tmp/y" ||
	fail "a yield loop for 1 s did not finish in 20 s"
expect "yield loop loops" "$(val "$tmp/y" t 0 loops)" 1000000
echo "ok - a zero-time loop runs one pass per simulated microsecond"

# Instances of one task resuming each other: each pass pays its 1 us (they made thousands of
# passes per simulated us), and the timer re-armed back and forth at one instant is one
# event, not one per re-arm (a million stale timer events read as a livelock, rr, 3 CPUs).
printf '%s\n' '{"global":{"duration":0.005},"tasks":{"a":{"loop":2,"run":10,"sleep":1,"yield":1},' \
	'"b":{"instance":8,"resume":"b","suspend":"b"}}}' > "$tmp/ring.json"
timeout 20 "$sim" --cpus 3 --policy rr --json "$tmp/ring.json" > "$tmp/r" ||
	fail "instances resuming each other did not finish 5 ms in 20 s"
loops=$(val "$tmp/r" b 0 loops)
[ "$loops" -le 15000 ] || fail "instances resuming each other: $loops loops in 15 CPU-ms"
echo "ok - instances resuming each other pay 1 us per pass, and timer re-arms are one event"

# Budgets: a run that needs more events than --max-events, or more host time than
# --max-wall, stops with a message naming the budget, status 3 and no report. One that
# needs exactly --max-events completes.
"$sim" --cpus 1 --duration 0.05 --json "$dir/hogs_nice.json" > "$tmp/full"
n=$(sed -n 's/.*"events":\([0-9]*\).*/\1/p' "$tmp/full")
"$sim" --cpus 1 --duration 0.05 --json --max-events "$n" "$dir/hogs_nice.json" > "$tmp/exact" ||
	fail "--max-events $n stopped a run of $n events"
cmp -s "$tmp/full" "$tmp/exact" || fail "--max-events changed the report"
set +e
"$sim" --cpus 1 --duration 0.05 --max-events $((n - 1)) "$dir/hogs_nice.json" > "$tmp/out" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 3 ] && [ ! -s "$tmp/out" ] &&
	grep -q "^schedsim: stopped at t=[0-9.]* s simulated: the event budget of $((n - 1)) events (--max-events) is spent$" \
	"$tmp/err" || fail "--max-events $((n - 1)): status $rc, $(cat "$tmp/err")"
set +e
timeout 20 "$sim" --cpus 1 --duration 100000 --max-wall 0.2 "$tmp/yield.json" > "$tmp/out" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 3 ] && [ ! -s "$tmp/out" ] &&
	grep -q "^schedsim: stopped at t=[0-9.]* s simulated, after [0-9]* events: the wall-clock budget of 0.2 s (--max-wall) is spent$" \
	"$tmp/err" || fail "--max-wall 0.2: status $rc, $(cat "$tmp/err")"
echo "ok - the event and wall-clock budgets stop a run with status 3"

# The "admission" entry of task TASK, instance INST, in schedsim's JSON output FILE.
adm() {
	sed 's/.*"admission":\[//; s/\],"nohz":.*//; s/},{/}\
{/g' "$1" | grep "^{\"task\":\"$2\",\"instance\":$3,"
}

# Admission: three 5 ms / 10 ms SCHED_DEADLINE tasks on CPU 0, whose realtime share is
# 95%: the first is accepted, the other two refused by the utilisation test (1.0 > 0.95)
# and never run; the text report lists them with the reason.
"$sim" --cpus 2 --json "$dir/deadline_admit_one_cpu.json" > "$tmp/adm"
expect "dl_a admission" "$(adm "$tmp/adm" dl_a 0)" \
	'{"task":"dl_a","instance":0,"accepted":true,"cpu":0,"test":"edf_util","reason":"demand 0.500 <= supply 0.950 (utilisation)"}'
for t in dl_b dl_c; do
	expect "$t admission" "$(adm "$tmp/adm" $t 0)" \
		"{\"task\":\"$t\",\"instance\":0,\"accepted\":false,\"cpu\":null,\"test\":\"edf_util\",\"reason\":\"demand 1.000 > supply 0.950 (utilisation)\"}"
	expect "$t runtime" "$(val "$tmp/adm" $t 0 runtime_ns)" 0
done
expect "dl_a rt misses" "$(rtval "$tmp/adm" dl_a 0 misses)" 0
"$sim" --cpus 2 "$dir/deadline_admit_one_cpu.json" > "$tmp/admt"
grep -q '^dl_b  *0 REFUSED  *- edf_util  demand 1.000 > supply 0.950 (utilisation)$' "$tmp/admt" ||
	fail "no refusal in the admission table: $(grep -A4 '^admission on' "$tmp/admt")"
# --admission off: all three run, overloading the CPU, and jobs miss.
"$sim" --cpus 2 --json --admission off "$dir/deadline_admit_one_cpu.json" > "$tmp/admoff"
for t in dl_a dl_b dl_c; do
	within "$t rt misses, admission off" "$(rtval "$tmp/admoff" $t 0 misses)" 1 1000
	expect "$t admission off" "$(adm "$tmp/admoff" $t 0 | sed 's/.*"accepted":\([a-z]*\),.*/\1/')" true
done
echo "ok - admission refuses SCHED_DEADLINE tasks beyond a CPU's share; --admission off runs them"

# --dl-mode partitioned: the same three tasks on CPUs 0 and 1 get a CPU each by first fit,
# 0 then 1; the third fits neither and is refused. The accepted ones meet every deadline.
"$sim" --cpus 2 --json --dl-mode partitioned "$dir/deadline_admit_two_cpus.json" > "$tmp/part"
expect "dl_a cpu" "$(adm "$tmp/part" dl_a 0 | sed -n 's/.*"accepted":true,"cpu":\([0-9]*\),.*/\1/p')" 0
expect "dl_b cpu" "$(adm "$tmp/part" dl_b 0 | sed -n 's/.*"accepted":true,"cpu":\([0-9]*\),.*/\1/p')" 1
adm "$tmp/part" dl_c 0 | grep -q '"accepted":false,"cpu":null,"test":"edf_util"' ||
	fail "dl_c not refused: $(adm "$tmp/part" dl_c 0)"
for t in dl_a dl_b; do
	expect "$t partitioned rt misses" "$(rtval "$tmp/part" $t 0 misses)" 0
	expect "$t partitioned migrations" "$(val "$tmp/part" $t 0 migrations)" 0
	within "$t partitioned runtime" "$(val "$tmp/part" $t 0 runtime_ns)" 490000000 500000000
done
expect "dl_c partitioned runtime" "$(val "$tmp/part" dl_c 0 runtime_ns)" 0
set +e
"$sim" --dl-mode local "$dir/deadline_admit_two_cpus.json" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "^schedsim: --dl-mode: expected global or partitioned, got 'local'" "$tmp/err" ||
	fail "--dl-mode local: status $rc"
echo "ok - --dl-mode partitioned places SCHED_DEADLINE tasks on one CPU each"

# SCHED_FIFO: a priority-50 hog on CPU 0 leaves nothing to a priority-10 periodic task
# (throttling keeps the 5% for fair threads only); two SCHED_RR hogs of one priority take
# 100 ms turns and share the CPU half and half.
"$sim" --cpus 1 --json "$dir/fifo_priorities.json" > "$tmp/fifo"
expect "fifo hog runtime" "$(val "$tmp/fifo" hog 0 runtime_ns)" 1000000000
expect "fifo low runtime" "$(val "$tmp/fifo" low 0 runtime_ns)" 0
"$sim" --cpus 1 --json "$dir/rr_pair.json" > "$tmp/rr"
for t in rr_a rr_b; do
	within "$t runtime" "$(val "$tmp/rr" $t 0 runtime_ns)" 450000000 550000000
done
# A realtime priority out of 1..99 is refused with file, line and key.
for p in 0 100; do
	printf '{\n"tasks": {\n"t": { "policy": "SCHED_FIFO",\n"priority": %s, "run": 10 } } }\n' $p > "$tmp/prio.json"
	set +e
	"$sim" "$tmp/prio.json" 2> "$tmp/err"; rc=$?
	set -e
	[ "$rc" = 1 ] && grep -q "prio.json:4: key 'priority': must be between 1 and 99, got $p" "$tmp/err" ||
		fail "priority $p: status $rc, $(cat "$tmp/err")"
done
echo "ok - SCHED_FIFO and SCHED_RR priorities, and their range"

# Priority inversion (examples/priority_inversion.json, one CPU, every 100 ms): low locks m
# and works 10 ms, high wakes 2 ms later and waits for m, medium wakes 1 ms after that and
# works 50 ms. Plain mutexes (the file's "pi_enabled": false, or --pi off): high waits for
# medium's whole run, 59 ms. --pi on: low runs with high's priority, high responds in 9 ms
# (low's remaining 8 ms in m and its own 1 ms). Computed by hand: see test_workload.c.
pi="$dir/../../examples/priority_inversion.json"
"$sim" --cpus 1 --check --json "$pi" > "$tmp/pi0"
"$sim" --cpus 1 --check --json --pi off "$pi" > "$tmp/pi-off"
"$sim" --cpus 1 --check --json --pi on "$pi" > "$tmp/pi-on"
cmp -s "$tmp/pi0" "$tmp/pi-off" || fail "--pi off differs from the file's pi_enabled false"
expect "high's worst response, plain" "$(rtval "$tmp/pi-off" high 0 max)" 59000000
expect "high's worst response, --pi on" "$(rtval "$tmp/pi-on" high 0 max)" 9000000
expect "high's jobs, --pi on" "$(rtval "$tmp/pi-on" high 0 jobs)" 10
expect "medium's worst response, --pi on" "$(rtval "$tmp/pi-on" medium 0 max)" 58000000
set +e
"$sim" --pi maybe "$pi" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "^schedsim: --pi: expected on or off, got 'maybe'" "$tmp/err" ||
	fail "--pi maybe: status $rc"
echo "ok - priority inversion: 59 ms with plain mutexes, 9 ms with --pi on"

# A workload that goes where rt-app would hang (a cycle of mutex owners) stops there:
# status 1, one message saying when, who and why, no report.
printf '{"tasks":{\n"a":{"lock":"m1","run":1000,"lock1":"m2","unlock":"m2","unlock1":"m1"},\n"b":{"lock":"m2","run":1000,"lock1":"m1","unlock":"m1","unlock1":"m2"}}}\n' > "$tmp/dl.json"
set +e
"$sim" --cpus 2 "$tmp/dl.json" > "$tmp/out" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ] && [ ! -s "$tmp/out" ] &&
	grep -q "^schedsim: $tmp/dl.json: t=0.001000 s: task '[ab]' instance 0: lock '\(m1\|m2\)' (line [23]): waiting would deadlock (a cycle of mutex owners: rt-app would hang here for ever)$" \
	"$tmp/err" || fail "deadlock: status $rc, $(cat "$tmp/err")"
# misuse within one task is refused at load time, with file, line and key
printf '{"tasks":{"t":{"loop":1,"run":1,\n"unlock":"m"}}}\n' > "$tmp/ul.json"
set +e
"$sim" "$tmp/ul.json" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ] && grep -q "ul.json:2: key 'unlock': task 't' would unlock mutex 'm' that it does not hold" \
	"$tmp/err" || fail "unlock of a mutex not held: status $rc, $(cat "$tmp/err")"
echo "ok - a cycle of mutex owners stops the run with status 1; misuse is refused at load"

# --version prints the project's version; the report's "meta" says what the run was.
"$sim" --version > "$tmp/ver" || fail "--version status"
grep -Eq '^schedsim [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/ver" || fail "--version: $(cat "$tmp/ver")"
"$sim" --cpus 2 --seed 7 --switch-cost 500 --dl-mode partitioned --pi on --json \
	"$dir/deadline_periodic.json" > "$tmp/meta"
grep -q "^{\"meta\":{\"program\":\"schedsim\",\"version\":\"$(cut -d' ' -f2 "$tmp/ver")\",\"schema\":1,\"file\":\"$dir/deadline_periodic.json\",\"policy\":\"eevdf\",\"dl_mode\":\"partitioned\",\"admission\":true,\"pi\":true,\"seed\":7,\"cpus\":2,\"smt\":1,\"core_sched\":false,\"core_sched_flag\":\"auto\",\"core_protect\":false,\"ipi_latency_ns\":0,\"switch_cost_ns\":500,\"timer_cost_ns\":0,\"fair_spread_ns\":0,\"duration_ns\":1000000000,\"run_dist\":null},\"sim\":" \
	"$tmp/meta" || fail "meta: $(head -c 600 "$tmp/meta")"
thread_line "$tmp/meta" dl_periodic 0 | grep -q '"policy":"SCHED_DEADLINE","nice":0,"rt_priority":0,"sc":{"budget_ns":2000000,"period_ns":10000000,"deadline_ns":10000000,"dispatch":"partitioned","cpu":[01],"depletions":0,"throttled_ns":0},"run_dist":"fixed"' ||
	fail "dl_periodic's policy and SC: $(thread_line "$tmp/meta" dl_periodic 0)"
thread_line "$tmp/meta" hog 0 | grep -q '"policy":"SCHED_OTHER","nice":0,"rt_priority":0,"sc":null,' ||
	fail "hog's policy"
"$sim" --cpus 1 --duration 0.1 --json "$dir/fifo_priorities.json" > "$tmp/fifo"
grep -q '"policy":"SCHED_FIFO","nice":0,"rt_priority":[1-9][0-9]*,"sc":null' "$tmp/fifo" ||
	fail "no SCHED_FIFO thread with its priority"
grep -q '"switches":[0-9]*,"pick_current":[0-9]*,"pick_other":[0-9]*,"pick_idle":[0-9]*,"ipi_sent":[0-9]*,"ipi_coalesced":[0-9]*,"timer_irqs":[0-9]*,"migrations_in":[0-9]*,"steals":[0-9]*' \
	"$tmp/meta" || fail "per-CPU counters of the table missing from the JSON"
"$sim" --cpus 1 --duration 0.1 "$dir/fifo_priorities.json" > "$tmp/fifo.txt"
grep -q ' policy   nice rtprio$' "$tmp/fifo.txt" || fail "no policy columns"
grep -q '^legend' "$tmp/fifo.txt" && grep -q '^    rtprio  ' "$tmp/fifo.txt" &&
	grep -q '^    steals  ' "$tmp/fifo.txt" || fail "no legend under the tables"
echo "ok - --version, the report's meta, policies, SCs, per-CPU counters and the legend"

# CLI errors name the flag and the value given.
# refused STATUS MESSAGE ARGS...: the first line of stderr is MESSAGE
refused() {
	want=$1 msg=$2
	shift 2
	set +e
	"$sim" "$@" > /dev/null 2> "$tmp/err"; rc=$?
	set -e
	[ "$rc" = "$want" ] && [ "$(head -n 1 "$tmp/err")" = "$msg" ] ||
		fail "$*: status $rc, $(head -n 1 "$tmp/err")"
}
refused 2 "schedsim: --run-dist: min_pct must be <= max_pct, got 'uniform:120:80'" \
	--run-dist uniform:120:80 "$dir/hogs_nice.json"
refused 2 "schedsim: --run-dist: expected fixed, uniform:MIN:MAX, normal:SD or normal:SD:MIN:MAX (integers, percent), got 'gauss'" \
	--run-dist gauss "$dir/hogs_nice.json"
refused 2 "schedsim: --dl-mode: expected global or partitioned, got 'edf'" \
	--dl-mode edf "$dir/hogs_nice.json"
refused 1 "schedsim: --policy: unknown policy 'cfs'" --policy cfs "$dir/hogs_nice.json"
refused 1 "schedsim: --cpus 3 --smt 2: --cpus must be 1..$max_cpus and a multiple of --smt" \
	--cpus 3 --smt 2 "$dir/hogs_nice.json"
refused 1 "schedsim: --smt 16: core scheduling supports up to 8 hardware threads per core" \
	--cpus 16 --smt 16 --core-sched "$dir/hogs_nice.json"
refused 2 "schedsim: unknown option '--sed'" --sed 3 "$dir/hogs_nice.json"
refused 2 "schedsim: --seed needs a value" "$dir/hogs_nice.json" --seed
echo "ok - command-line errors name the flag and the value"

# Variation: with run lengths drawn from a distribution, release offsets and jitter
# (tests/workloads/variation.json), 20 seeds give 20 different runs; the same seed gives
# the same bytes; --run-dist fixed takes the variation of the runs away.
v="$dir/variation.json"
for s in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	"$sim" --cpus 1 --seed "$s" --json "$v" > "$tmp/var$s"
	echo "$(rtval "$tmp/var$s" ctl 0 p99) $(val "$tmp/var$s" video 0 runtime_ns)"
done > "$tmp/var.all"
within "distinct ctl p99 over 20 seeds" "$(cut -d' ' -f1 "$tmp/var.all" | sort -u | wc -l)" 18 20
within "distinct video runtimes over 20 seeds" "$(cut -d' ' -f2 "$tmp/var.all" | sort -u | wc -l)" 18 20
"$sim" --cpus 1 --seed 7 --json "$v" | cmp -s - "$tmp/var7" || fail "seed 7 twice, different bytes"
"$sim" --cpus 1 --seed 7 "$v" > "$tmp/vt1"
"$sim" --cpus 1 --seed 7 "$v" > "$tmp/vt2"
cmp -s "$tmp/vt1" "$tmp/vt2" || fail "seed 7 twice, different tables"
# without variation the seed orders simultaneous events only: the runtimes of the video
# thread (alone in its work, 9 ms per 33.3 ms frame) are then the same for every seed
for s in 1 2 3; do
	"$sim" --cpus 1 --seed "$s" --run-dist fixed --json "$v" > "$tmp/fx$s"
done
expect "video runtime, fixed, seeds 1 and 2" "$(val "$tmp/fx1" video 0 runtime_ns)" "$(val "$tmp/fx2" video 0 runtime_ns)"
grep -q '"run_dist":"fixed"' "$tmp/fx1" && grep -q '"run_dist":"fixed","release_offset_ns":[0-9]*,"jitter_ns":300000' "$tmp/fx1" ||
	fail "--run-dist fixed not in the report"
echo "ok - 20 seeds of a workload with variation give 20 runs; one seed, one output"

# The runs' mean is their nominal value: one thread alone on its CPU, 20000 loops of a
# 1000 us run drawn uniformly in 50 .. 150 %, or from a normal of 20 %, uses 20 s of CPU
# within 1 % (five deviations of the mean; counted in the report, not timed).
printf '{"tasks":{"w":{"loop":20000,"run":1000,"sleep":100}}}\n' > "$tmp/mean.json"
for d in uniform:50:150 normal:20; do
	"$sim" --cpus 1 --run-dist "$d" --json "$tmp/mean.json" > "$tmp/mean"
	expect "$d loops" "$(val "$tmp/mean" w 0 loops)" 20000
	within "$d runtime_ns" "$(val "$tmp/mean" w 0 runtime_ns)" 19800000000 20200000000
done
echo "ok - drawn runs average their nominal length"

# rt-app's own examples, where Debian's rt-app (a build dependency) installs them: each
# loads and runs 1 s under the checker, plain and --pi on. Not copied into the tree (GPL).
ex_dir=/usr/share/doc/rt-app/examples
if [ -r "$ex_dir/mp3-short.json" ]; then
	for f in mp3-short mp3-long video-short video-long browser-short browser-long \
		spreading-tasks template; do
		[ -r "$ex_dir/$f.json" ] || fail "rt-app example $f.json missing from $ex_dir"
		for p in off on; do
			timeout 120 "$sim" --cpus 4 --check --duration 1 --pi $p --json \
				"$ex_dir/$f.json" > "$tmp/rtex" 2> "$tmp/err" ||
				fail "rt-app's $f.json (--pi $p): $(cat "$tmp/err")"
		done
	done
	# mp3: the decoder and OMXCall take turns through condition "queue" (a 6 ms tick
	# drives the chain; AudioTick's two timer events share the timer "tick", as in
	# rt-app, so its loop of five ticks takes 30 ms: 66 loops in 2 s)
	"$sim" --cpus 2 --duration 2 --json "$ex_dir/mp3-short.json" > "$tmp/mp3"
	expect "mp3 decoder loops" "$(val "$tmp/mp3" mp3.decoder 0 loops)" "$(val "$tmp/mp3" OMXCall 0 loops)"
	within "mp3 decoder loops" "$(val "$tmp/mp3" mp3.decoder 0 loops)" 64 68
	expect "mp3 tick loops" "$(val "$tmp/mp3" AudioTick 0 loops)" 66
	echo "ok - rt-app's 8 shipped examples run (mp3, video, browser, spreading-tasks, template)"
else
	echo "ok - # SKIP rt-app's examples: $ex_dir/mp3-short.json not found (install rt-app)"
fi

echo "38 passed, 0 failed"
