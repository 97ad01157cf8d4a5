#!/bin/sh
# schedsim_trace.sh SCHEDSIM WORKLOAD_DIR - schedsim --trace (docs/schedsim.md, "Trace
# output"): the ftrace text trace of examples/demo.json starts with the ftrace header,
# every line parses, and replayed by ftrace_replay.py it gives every thread of the report
# its runtime: to the nanosecond with --trace-ns, within a microsecond per span with the
# kernel's microsecond timestamps. Also: the report does not change, two runs write the
# same trace, the priorities, and the usage errors. The Chrome trace-event JSON (FILE.json
# or --trace-format chrome) parses, and chrome_trace_check.py finds every thread's runtime
# in its slices, to the nanosecond, wake flows that pair up, and the SC depletion,
# admission and forced idle events where the workload makes them.
set -eu
sim=$1 dir=$2 tmp=$(mktemp -d)
ex="$dir/../../examples"
replay="$dir/../ftrace_replay.py"
check="$dir/../chrome_trace_check.py"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }
ok() { echo "ok - $*"; }

# The report's end of run (sim.wall_ns) and "PID RUNTIME_NS" per thread (pid: the thread's
# 1-based place in the report's threads array, its simulated thread id).
report_end() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sim"]["wall_ns"])' "$1"; }
report_runtimes() {
	python3 -c 'import json,sys
for i, t in enumerate(json.load(open(sys.argv[1]))["threads"]):
    print(i + 1, t["runtime_ns"])' "$1"
}

"$sim" --duration 1 --json "$ex/demo.json" > "$tmp/plain.json"
"$sim" --duration 1 --json --trace "$tmp/us.txt" "$ex/demo.json" > "$tmp/us.json"
"$sim" --duration 1 --json --trace "$tmp/ns.txt" --trace-ns "$ex/demo.json" > "$tmp/ns.json"
cmp -s "$tmp/plain.json" "$tmp/us.json" && cmp -s "$tmp/plain.json" "$tmp/ns.json" ||
	fail "--trace changed the report"
ok "--trace leaves the report unchanged"

# The header, as the kernel prints it for the nop tracer.
for f in us ns; do
	printf '%s\n' '# tracer: nop' '#' \
		'#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION' \
		'#              | |         |   |||||     |         |' > "$tmp/head"
	head -n 4 "$tmp/$f.txt" | cmp -s - "$tmp/head" || fail "$f: no ftrace header"
done
ok "the trace starts with the ftrace header"

# Every other line is an event line of the kernel's layout: comm right-aligned in 16
# columns, -pid, [cpu], five flag characters, the timestamp (6 or 9 decimals), the event.
for f in us:6 ns:9; do
	n=${f#*:} f=${f%:*}
	bad=$(tail -n +5 "$tmp/$f.txt" | grep -Evc "^ *[^ ]{1,16}-[0-9]+ +\[[0-9]{3}\] [a-zA-Z0-9.]{5} +[0-9]+\.[0-9]{$n}: (sched_switch: prev_comm=[^ ]+ prev_pid=[0-9]+ prev_prio=-?[0-9]+ prev_state=[RSX] ==> next_comm=[^ ]+ next_pid=[0-9]+ next_prio=-?[0-9]+|sched_wakeup: comm=[^ ]+ pid=[0-9]+ prio=-?[0-9]+ target_cpu=[0-9]{3}|sched_migrate_task: comm=[^ ]+ pid=[0-9]+ prio=-?[0-9]+ orig_cpu=[0-9]+ dest_cpu=[0-9]+|sched_process_exit: comm=[^ ]+ pid=[0-9]+ prio=-?[0-9]+)$" || true)
	[ "$bad" = 0 ] || fail "$f: $bad lines not in the ftrace layout"
	for e in sched_switch sched_wakeup sched_migrate_task; do
		grep -q ": $e: " "$tmp/$f.txt" || fail "$f: no $e line"
	done
done
ok "every line parses: $(($(wc -l < "$tmp/us.txt") - 4)) events"

# Replayed runtime against the report: exact to the nanosecond with --trace-ns.
end=$(report_end "$tmp/ns.json")
python3 "$replay" "$tmp/ns.txt" "$end" > "$tmp/ns.replay" || fail "replay of the ns trace"
report_runtimes "$tmp/ns.json" > "$tmp/report"
threads=$(wc -l < "$tmp/report")
[ "$threads" -ge 9 ] || fail "demo.json: $threads threads in the report"
while read -r pid rt; do
	got=$(awk -v p="$pid" '$1 == p { print $2 }' "$tmp/ns.replay")
	[ "${got:-0}" = "$rt" ] || fail "pid $pid: replayed ${got:-0} ns, report $rt ns"
done < "$tmp/report"
[ "$(wc -l < "$tmp/ns.replay")" -le "$threads" ] || fail "replay has pids the report lacks"
ok "replayed runtime = report runtime, to the ns, for all $threads threads"

# With microsecond timestamps: each span is cut to the microsecond at both ends.
python3 "$replay" "$tmp/us.txt" "$end" > "$tmp/us.replay" || fail "replay of the us trace"
while read -r pid rt; do
	line=$(awk -v p="$pid" '$1 == p { print $2, $3 }' "$tmp/us.replay")
	got=${line% *} spans=${line#* }
	d=$((got - rt)); [ "$d" -ge 0 ] || d=$((-d))
	[ "$d" -lt $((spans * 1000)) ] || [ "$d" = 0 ] ||
		fail "pid $pid: replayed $got ns over $spans spans, report $rt ns"
done < "$tmp/report"
ok "microsecond trace: within 1 us per span of the report"

# The same run writes the same trace.
"$sim" --duration 1 --json --trace "$tmp/ns2.txt" --trace-ns "$ex/demo.json" > /dev/null
cmp -s "$tmp/ns.txt" "$tmp/ns2.txt" || fail "two runs, two traces"
ok "deterministic trace"

# Priorities as Linux prints them: 120 + nice, 99 - realtime priority, -1 for deadline.
grep -q "comm=audio pid=4 prio=110 " "$tmp/us.txt" || fail "nice -10 is not prio 110"
grep -q "comm=compile_nice pid=3 prio=130 " "$tmp/us.txt" || fail "nice 10 is not prio 130"
"$sim" --duration 0.1 --trace "$tmp/fifo.txt" "$dir/fifo_priorities.json" > /dev/null
grep -q "next_comm=hog next_pid=1 next_prio=49$" "$tmp/fifo.txt" ||
	fail "SCHED_FIFO 50 is not prio 49"
"$sim" --duration 0.1 --trace "$tmp/dl.txt" "$dir/deadline_periodic.json" > /dev/null
grep -q "next_pid=1 next_prio=-1$" "$tmp/dl.txt" || fail "SCHED_DEADLINE is not prio -1"
ok "prio: 120 + nice, 99 - rtprio, -1 for deadline"

# Chrome trace-event JSON: chosen by the .json suffix or --trace-format; the report is the
# same, the file parses, every event is on a CPU track, the slices sum to the runtimes.
"$sim" --duration 1 --json --trace "$tmp/c.json" "$ex/demo.json" > "$tmp/c.report"
cmp -s "$tmp/plain.json" "$tmp/c.report" || fail "chrome --trace changed the report"
head -c 1 "$tmp/c.json" | grep -q '\[' || fail "chrome: no ["
python3 "$check" "$tmp/c.json" "$tmp/c.report" || fail "chrome trace check"
"$sim" --duration 1 --trace "$tmp/c2.txt" --trace-format chrome "$ex/demo.json" > /dev/null
cmp -s "$tmp/c.json" "$tmp/c2.txt" || fail "--trace-format chrome: another trace"
"$sim" --duration 1 --trace "$tmp/f.json" --trace-format ftrace "$ex/demo.json" > /dev/null
cmp -s "$tmp/us.txt" "$tmp/f.json" || fail "--trace-format ftrace: not the ftrace trace"
ok "chrome trace: by suffix or --trace-format, deterministic, ftrace on request"
"$sim" --duration 0.5 --admission off --json --trace "$tmp/dl.json" \
	"$dir/deadline_admit_one_cpu.json" > "$tmp/dl.report"
python3 "$check" "$tmp/dl.json" "$tmp/dl.report" > /dev/null || fail "deadline chrome trace"
grep -q '"ph":"i",[^}]*"name":"deadline miss"' "$tmp/dl.json" || fail "no deadline miss"
"$sim" --duration 0.2 --json --trace "$tmp/lease.json" "$dir/lease_groups.json" > "$tmp/l.report"
python3 "$check" "$tmp/lease.json" "$tmp/l.report" > /dev/null || fail "lease chrome trace"
for e in "lease grant" "lease revoke" "lease return"; do
	grep -q "\"name\":\"$e\"" "$tmp/lease.json" || fail "no $e"
done
ok "chrome trace: deadline misses and lease events as instants"

# The events libsched's trace lacks: wake flows (every "s" with its "f", checked by
# chrome_trace_check.py), SC depletions and refills, admission verdicts, forced idle.
"$sim" --duration 0.5 --cpus 1 --json --trace "$tmp/dep.json" "$ex/deadline.json" > "$tmp/dep.report"
python3 "$check" "$tmp/dep.json" "$tmp/dep.report" wake "sc depleted" "sc refill" \
	"admission accepted" > /dev/null || fail "depletions chrome trace"
python3 "$check" "$tmp/dl.json" "$tmp/dl.report" "admission accepted" > /dev/null ||
	fail "admission off: accepted"
"$sim" --duration 0.5 --json --trace "$tmp/adm.json" "$dir/deadline_admit_one_cpu.json" \
	> "$tmp/adm.report"
python3 "$check" "$tmp/adm.json" "$tmp/adm.report" "admission accepted" \
	"admission refused" > /dev/null || fail "admission chrome trace"
"$sim" --duration 1 --smt 2 --json --trace "$tmp/core.json" "$ex/coresched.json" > "$tmp/core.report"
python3 "$check" "$tmp/core.json" "$tmp/core.report" "forced idle" > /dev/null ||
	fail "forced idle chrome trace"
"$sim" --duration 1 --smt 2 --json "$ex/coresched.json" > "$tmp/core.plain"
cmp -s "$tmp/core.report" "$tmp/core.plain" || fail "chrome --trace changed a core report"
grep -q '"ph":"s",[^}]*"bp":"e"' "$tmp/core.json" || fail "no wake flow"
ok "chrome trace: wake flows paired, SC depletions and refills, admissions, forced idle"

# Usage: --trace-ns alone is a usage error; an unwritable FILE fails before the run.
set +e
"$sim" --trace-ns "$ex/demo.json" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] && grep -q usage "$tmp/err" || { set -e; fail "--trace-ns alone: status $rc"; }
for args in "--trace-format chrome" "--trace $tmp/u.json --trace-ns" \
	"--trace $tmp/u.txt --trace-format perfetto" "--trace $tmp/u.txt --trace-format chrome --trace-ns"; do
	# shellcheck disable=SC2086
	"$sim" $args "$ex/demo.json" > /dev/null 2> "$tmp/err"; rc=$?
	[ "$rc" = 2 ] && grep -q usage "$tmp/err" || { set -e; fail "$args: status $rc"; }
done
"$sim" --trace "$tmp/no/such/dir/t.json" "$ex/demo.json" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ "$rc" = 1 ] && grep -q "cannot create" "$tmp/err" && [ ! -s "$tmp/out" ] ||
	{ set -e; fail "unwritable chrome trace: status $rc"; }
"$sim" --trace "$tmp/no/such/dir/t.txt" "$ex/demo.json" > "$tmp/out" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ] && grep -q "cannot create" "$tmp/err" && [ ! -s "$tmp/out" ] ||
	fail "unwritable trace: status $rc"
ok "usage errors"
