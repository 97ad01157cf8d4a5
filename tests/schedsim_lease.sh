#!/bin/sh
# schedsim_lease.sh SCHEDSIM WORKLOAD_DIR - leases and polling rings in schedsim: the
# examples under the checker, and what their JSON reports say (docs/schedsim.md, "Leases
# and rings").
set -eu
sim=$1 dir=$2 tmp=$(mktemp -d)
ex="$dir/../../examples"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }
passed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }

# The report is one line of JSON; its last arrays are "nohz", "leases" and "rings", in that
# order, so each is cut out between its key and the next one.
# lease FILE NAME: the object of lease NAME.
lease() {
	sed 's/.*"leases":\[//; s/\],"rings":\[.*//; s/{"name":/\
{"name":/g' "$1" | grep "^{\"name\":\"$2\","
}
# ring FILE NAME: the object of ring NAME.
ring() {
	sed 's/.*"rings":\[//; s/\]}$//; s/{"name":/\
{"name":/g' "$1" | grep "^{\"name\":\"$2\","
}
# cpu FILE N: the "nohz" object of CPU N.
cpu() {
	sed 's/.*"nohz":\[//; s/\],"lease_port":.*//; s/{"cpu":/\
{"cpu":/g' "$1" | grep "^{\"cpu\":$2,"
}
# inner OBJECT KEY: the object KEY inside OBJECT (none of them nests another).
inner() { printf '%s\n' "$1" | sed -n "s/.*\"$2\":{\([^}]*\)}.*/\1/p"; }
# num OBJECT KEY: the value of KEY (a number, null, true, false or a string).
num() {
	printf '%s\n' "$1" |
		sed -n "s/.*\"$2\":\(-\{0,1\}[0-9][0-9]*\|null\|true\|false\|\"[^\"]*\"\).*/\1/p"
}
# step OBJECT NAME: "AT COUNT" of activation step NAME of a lease object.
step() {
	printf '%s\n' "$1" |
		sed -n "s/.*{\"step\":\"$2\",\"at_ns\":\([0-9]*\|null\),\"count\":\([0-9]*\)}.*/\1 \2/p"
}
# A thread's runtime_ns.
runtime() {
	sed 's/{"name":/\
{"name":/g' "$1" | sed -n "s/^{\"name\":\"$2\",\"instance\":0,.*\"runtime_ns\":\([0-9]*\),.*/\1/p"
}
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', expected $3"; }
within() { [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || fail "$1: got '$2', expected $3 .. $4"; }

# examples/lease.json: CPU 1 leased to "spinner" from 200 ms to 700 ms, six batch threads
# and a periodic daemon everywhere. With a 2 us IPI latency, so that the revocation
# reaches CPU 1 after it is made (it is counted at that CPU's next switch).
run_lease() {
	"$sim" --cpus 4 --check --ipi-latency 2000 --seed "$1" --json "$ex/lease.json" > "$2" ||
		fail "lease.json under --check, seed $1"
}
run_lease 1 "$tmp/l1"
run_lease 1 "$tmp/l1b"
cmp -s "$tmp/l1" "$tmp/l1b" || fail "same seed, different JSON"
ok "examples/lease.json runs under --check, the same bytes twice"

l=$(lease "$tmp/l1" iso)
expect "state" "$(num "$l" state)" '"revoked"'
expect "cause" "$(num "$l" cause)" '"revoke"'
expect "error" "$(num "$l" error)" null
expect "holder" "$(num "$l" holder)" '"spinner"'
expect "granted_at_ns" "$(num "$l" granted_at_ns)" 200000000
expect "revoked_at_ns" "$(num "$l" revoked_at_ns)" 700000000
act=$(num "$l" active_at_ns)
within "active_at_ns (the IPI asks CPU 1 to switch)" "$act" 200000000 200002000
# the activation record: every step done, in order, the last one when it became active
for s in close accounting queued refills timeouts port_timers port_work port_irqs switched; do
	set -- $(step "$l" $s)
	[ "$#" = 2 ] && [ "$1" != null ] || fail "step $s: '$*'"
	within "step $s at" "$1" 200000000 "$act"
done
expect "switched at" "$(step "$l" switched | cut -d' ' -f1)" "$act"
for s in port_timers port_work port_irqs accounting; do
	expect "step $s count" "$(step "$l" $s | cut -d' ' -f2)" 1
done
ok "the lease's record: granted at 200 ms, every step done, active when CPU 1 switched"

# While active, CPU 1 ran the spinner only (it never sleeps, so never idle), with the tick
# stopped for the lease. libsched may leave one tick armed from before (a slice end that
# falls just after the grant), so: no timer interrupt, or the tick stopped for the lease and
# never restarted.
for seed in 1 2 3 4; do
	run_lease $seed "$tmp/ls"
	l=$(lease "$tmp/ls" iso)
	w=$(inner "$l" window) span=$(inner "$l" span)
	win=$(($(num "$l" revoked_at_ns) - $(num "$l" active_at_ns)))
	expect "other_ns, seed $seed" "$(num "$w" other_ns)" 0
	expect "idle_ns, seed $seed" "$(num "$w" idle_ns)" 0
	expect "holder_ns, seed $seed" "$(num "$w" holder_ns)" "$win"
	expect "foreign, seed $seed" "$(num "$l" foreign)" 0
	timer=$(num "$w" timer_irqs) stops=$(num "$span" nohz_stop_lease)
	restarts=$(num "$w" nohz_restarts)
	[ "$timer" = 0 ] || { [ "$stops" -ge 1 ] && [ "$restarts" = 0 ]; } ||
		fail "seed $seed: $timer timer interrupts, $stops lease stops, $restarts restarts"
	expect "window restarts, seed $seed" "$restarts" 0
	within "lease stops from the grant, seed $seed" "$stops" 1 1
	within "window without tick, seed $seed" "$(num "$w" nohz_ns)" $((win - win / 100)) "$win"
	echo "# seed $seed: $timer timer interrupts in the window, $stops lease stop, $restarts restarts"
done
ok "while active, CPU 1 runs only the holder, its tick stopped for the lease"

# The revocation: CPU 1 is back in general use at its next switch, 2 us later (the IPI);
# the per-CPU counters say the same, and the spinner shared CPU 1 outside the lease.
l=$(lease "$tmp/l1" iso)
c1=$(cpu "$tmp/l1" 1)
lat=$(num "$l" return_latency_ns)
within "return latency" "$lat" 1 2000
expect "returned_at_ns" "$(num "$l" returned_at_ns)" $((700000000 + lat))
expect "cpu 1 lease_grants" "$(num "$c1" lease_grants)" 1
expect "cpu 1 lease_returns" "$(num "$c1" lease_returns)" 1
expect "cpu 1 lease_return_ns" "$(num "$c1" lease_return_ns)" "$lat"
expect "cpu 1 lease_return_max_ns" "$(num "$c1" lease_return_max_ns)" "$lat"
within "spinner runtime (alone 500 ms, shared 500 ms)" "$(runtime "$tmp/l1" spinner)" 600000000 900000000
ok "the lease returns $lat ns after its revocation"

# The port hook: one call per kind on CPU 1 at the grant and one at the revocation, none
# elsewhere, none breaking its contract.
for k in timers work irqs; do
	expect "cpu 1 port $k" "$(inner "$c1" "$k")" '"leased":1,"back":1'
	for c in 0 2 3; do
		expect "cpu $c port $k" "$(inner "$(cpu "$tmp/l1" $c)" "$k")" '"leased":0,"back":0'
	done
done
grep -q '"lease_port":{"locked":0,"malformed":0}' "$tmp/l1" || fail "lease_port contract"
ok "lease_port: called for each kind on the leased CPU, at the grant and the revocation"

# The text report has the lease tables; a workload without leases or rings has none, and
# its JSON has empty arrays.
"$sim" --cpus 4 --ipi-latency 2000 "$ex/lease.json" > "$tmp/lt"
grep -q '^iso  *spinner  *1  *revoked  *200.000 ' "$tmp/lt" || fail "no lease line"
grep -q '^lease_window ' "$tmp/lt" && grep -q '^iso  *switched ' "$tmp/lt" &&
	grep -q '^cpu  *stop_idle stop_single stop_lease ' "$tmp/lt" || fail "lease tables"
"$sim" --cpus 2 --duration 0.1 "$dir/hogs_nice.json" > "$tmp/plain"
if grep -q '^lease\|^ring\|stop_idle' "$tmp/plain"; then
	fail "lease tables without leases"
fi
"$sim" --cpus 2 --duration 0.1 --json "$dir/hogs_nice.json" | grep -q '"leases":\[\],"rings":\[\]}$' ||
	fail "JSON of a workload without leases"
ok "lease tables in text only with leases or rings; JSON always has the arrays"

# examples/sqpoll.json: "sqpoll" spins on leased CPU 1 over ring sq_poll; "waker" parks
# as soon as sq_wake is empty. One producer submits to both every 250 us.
"$sim" --cpus 4 --check --json "$ex/sqpoll.json" > "$tmp/sq" || fail "sqpoll.json under --check"
p=$(ring "$tmp/sq" sq_poll) w=$(ring "$tmp/sq" sq_wake)
for r in "$p" "$w"; do
	n=$(num "$r" published)
	[ "$n" -gt 3000 ] || fail "published: $n"
	expect "consumed + pending" $(($(num "$r" consumed) + $(num "$r" pending))) "$n"
	expect "submits" "$(num "$r" submits)" $(($(num "$r" submit_calls) - $(num "$r" refused)))
	expect "wakeups are the submits that unparked" "$(num "$r" wakeups)" "$(num "$r" unparked)"
	expect "dropped" "$(num "$r" dropped)" 0
done
expect "both rings got the same entries" "$(num "$p" published)" "$(num "$w" published)"
expect "poller consumer" "$(num "$p" consumer)" '"sqpoll"'
# the poller never idles 100 ms: it spins, never parks, nobody wakes it
for k in parks parked wakeups; do
	expect "sq_poll $k" "$(num "$p" $k)" 0
done
expect "sq_poll consumer_parked" "$(num "$p" consumer_parked)" false
# an entry waits at most the pass of the loop in progress (0.5 us)
within "sq_poll latency max" "$(num "$(inner "$p" latency_ns)" max)" 0 500
within "poller runtime (spins)" "$(runtime "$tmp/sq" sqpoll)" 990000000 1000000000
ok "the poller spins on its leased CPU: no park, no wake-up, an entry seen within one pass"

# The wake-based consumer parks after each batch; every park that blocked it was ended by a
# wake-up from a submission, except one it may still be in; a wake-up that came before its
# park leaves a permit, which a later park takes without blocking.
parks=$(num "$w" parks) parked=$(num "$w" parked) wakeups=$(num "$w" wakeups)
still=0
[ "$(num "$w" consumer_parked)" = true ] && still=1
[ "$parked" -gt 1000 ] || fail "sq_wake parked only $parked times"
within "sq_wake parks that blocked" "$parked" 0 "$parks"
within "sq_wake wake-ups" "$wakeups" $((parked - still)) "$(num "$w" submits)"
wp99=$(num "$(inner "$w" latency_ns)" p99)
[ "$wp99" -gt 500 ] || fail "sq_wake p99 latency $wp99 not above the poller's"
within "waker runtime (a few us per entry)" "$(runtime "$tmp/sq" waker)" 1 50000000
l=$(lease "$tmp/sq" poll_cpu)
expect "poll_cpu state" "$(num "$l" state)" '"active"'
expect "poll_cpu other_ns" "$(num "$(inner "$l" window)" other_ns)" 0
expect "poll_cpu idle_ns" "$(num "$(inner "$l" window)" idle_ns)" 0
echo "# sq_wake: $parks parks ($parked blocked), $wakeups wake-ups, p99 $wp99 ns"
ok "the wake-based consumer: parks and wake-ups agree, latency above the poller's"

# tests/workloads/lease_groups.json: a group holder's leases ended by a service
# replacement and a session close, a thread holder's by its exit; each cause as libsched
# records it, each return within the 1 us IPI latency.
"$sim" --cpus 4 --check --ipi-latency 1000 --json "$dir/lease_groups.json" > "$tmp/g" ||
	fail "lease_groups.json under --check"
for x in "app_cpus service 200000000" "app_again session 400000000" \
	"solo_cpu holder_exit 300000000"; do
	set -- $x
	l=$(lease "$tmp/g" "$1")
	expect "$1 cause" "$(num "$l" cause)" "\"$2\""
	expect "$1 revoked_at_ns" "$(num "$l" revoked_at_ns)" "$3"
	within "$1 return latency" "$(num "$l" return_latency_ns)" 1 1000
	expect "$1 other_ns" "$(num "$(inner "$l" window)" other_ns)" 0
	expect "$1 error" "$(num "$l" error)" null
done
expect "app_cpus holder_kind" "$(num "$(lease "$tmp/g" app_cpus)" holder_kind)" '"group"'
expect "cpu 2 lease_grants" "$(num "$(cpu "$tmp/g" 2)" lease_grants)" 2
expect "cpu 2 lease_returns" "$(num "$(cpu "$tmp/g" 2)" lease_returns)" 2
# the device's source goes on after solo's exit: those submissions find no consumer
r=$(ring "$tmp/g" dev)
refused=$(num "$r" refused)
[ "$refused" -ge 1900 ] || fail "dev refused: $refused"
expect "dev submits" "$(num "$r" submits)" $(($(num "$r" submit_calls) - refused))
expect "dev consumed + pending" $(($(num "$r" consumed) + $(num "$r" pending))) "$(num "$r" published)"
ok "service, session and holder_exit revocations, as libsched records them"

# A grant libsched refuses is reported, not an error.
printf '{"global":{"duration":0.1},"libsched":{"leases":{"all":{"holder":"t","cpus":[0,1],"grant_us":1000}}},"tasks":{"t":{"run":1000}}}\n' > "$tmp/all.json"
"$sim" --cpus 2 --json "$tmp/all.json" > "$tmp/all" || fail "a refused grant failed the run"
l=$(lease "$tmp/all" all)
expect "refused state" "$(num "$l" state)" '"refused"'
expect "refused error" "$(num "$l" error)" '"sched_lease_grant: no general-purpose CPU would be left"'
ok "a grant libsched refuses is reported with its error"

# Keys are checked at load: file, line and key.
# rejected TEXT MESSAGE [FLAGS]
rejected() {
	printf '%b\n' "$1" > "$tmp/bad.json"
	set +e
	"$sim" --cpus 2 ${3:-} "$tmp/bad.json" > /dev/null 2> "$tmp/err"; rc=$?
	set -e
	[ "$rc" = 1 ] && [ "$(cat "$tmp/err")" = "schedsim: $2" ] ||
		fail "status $rc, $(cat "$tmp/err"), expected: $2"
}
t='"tasks":{"t":{"run":10},"u":{"instance":2,"run":10}}'
rejected "{\"libsched\":{\"leases\":{\n\"l\":{\"holder\":\"x\",\"cpus\":1,\"grant_us\":1}}},$t}" \
	"$tmp/bad.json:2: key 'holder': no task or group named 'x'"
rejected "{\"libsched\":{\"leases\":{\n\"l\":{\"holder\":\"u\",\"cpus\":1,\"grant_us\":1}}},$t}" \
	"$tmp/bad.json:2: key 'holder': task 'u' has 2 instances: a lease holds one thread (put them in a group and lease to it)"
rejected "{\"libsched\":{\"leases\":{\"l\":{\"holder\":\"t\",\"cpus\":1,\"grant_us\":1,\n\"cause\":\"revoke\"}}},$t}" \
	"$tmp/bad.json:2: key 'cause': a cause needs \"revoke_us\""
rejected "{\"libsched\":{\"leases\":{\"l\":{\"holder\":\"t\",\"cpus\":1,\"grant_us\":1,\"revoke_us\":2,\n\"cause\":\"service\"}}},$t}" \
	"$tmp/bad.json:2: key 'cause': task 't' has no group: name the service group that holds it (\"owner\")"
rejected "{\"libsched\":{\"rings\":{\"r\":{}}},\"tasks\":{\"p\":{\"libsched\":{\"poll\":\"r\"},\n\"run\":10}}}" \
	"$tmp/bad.json:2: key 'run': task 'p' polls ring 'r' (line 1): its program is the poll loop, without events, phases or loop"
rejected "{\"tasks\":{\"t\":{\"run\":10,\n\"submit\":\"r\"}}}" \
	"$tmp/bad.json:2: key 'submit': no ring 'r' in the top-level \"libsched\" \"rings\""
rejected "{\"libsched\":{\"leases\":{\n\"l\":{\"holder\":\"t\",\"cpus\":3,\"grant_us\":1}}},$t}" \
	"lease 'l' (line 2): \"cpus\" names CPU 3, not one of the 2 simulated"
ok "lease and ring keys are checked with file, line and key"

echo "$passed passed, 0 failed"
