#!/bin/sh
# schedsim_irq.sh SCHEDSIM WORKLOAD_DIR - IRQ sources in schedsim (docs/schedsim.md, "IRQ
# sources"): they fire at their rate on the CPU they are routed to, their handlers take
# their cost of that CPU's time (not charged to the thread they interrupt, nor to its SC's
# budget), and they move off a leased CPU and back.
set -eu
sim=$1 tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }
passed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }

# irq FILE NAME: the object of IRQ source NAME ("irqs" is followed by "irq_routes").
irq() {
	sed 's/.*"irqs":\[//; s/\],"irq_routes":.*//; s/{"name":/\
{"name":/g' "$1" | grep "^{\"name\":\"$2\","
}
# routes FILE: the routing changes, one object a line.
routes() {
	sed 's/.*"irq_routes":\[//; s/\],"island_irq":.*//; s/},{/}\
{/g' "$1" | grep '^{"at_ns"' || true
}
# cpu FILE N: the "cpus" object of CPU N.
cpu() {
	sed 's/.*"cpus":\[{"id"/{"id"/; s/\],"threads":.*//; s/{"id":/\
{"id":/g' "$1" | grep "^{\"id\":$2,"
}
# thread FILE NAME: the object of thread NAME (instance 0), without its "rt" object.
thread() {
	sed 's/{"name":/\
{"name":/g; s/],"core_sched"/\
/' "$1" | grep "^{\"name\":\"$2\",\"instance\":0," | sed 's/,"rt":{.*//'
}
# rt FILE NAME: the "rt" object of thread NAME.
rt() {
	sed 's/{"name":/\
{"name":/g; s/],"core_sched"/\
/' "$1" | grep "^{\"name\":\"$2\",\"instance\":0," | sed -n 's/.*,"rt":{\(.*\)/\1/p'
}
# num OBJECT KEY: the value of KEY (a number, null, true, false or a string).
num() {
	printf '%s\n' "$1" |
		sed -n "s/.*\"$2\":\(-\{0,1\}[0-9][0-9]*\|null\|true\|false\|\"[^\"]*\"\).*/\1/p"
}
# list OBJECT KEY: the array KEY, its elements separated by blanks.
list() { printf '%s\n' "$1" | sed -n "s/.*\"$2\":\[\([^]]*\)\].*/\1/p" | tr ',' ' '; }
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', expected $3"; }
within() { [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || fail "$1: got '$2', expected $3 .. $4"; }

# 1. A source every 100 us costing 20 us on CPU 1, where a hog runs; a source on CPU 0 with
# a least gap of 1 ms and 0.5 ms of jitter, where a thread sleeps. One second.
cat > "$tmp/rate.json" <<'EOF'
{
  "global": { "duration": 1 },
  "libsched": {
    "irqs": [
      { "name": "nic", "line": 10, "cpu": 1, "period_us": 100, "cost_us": 20 },
      { "name": "disk", "line": 11, "cpu": 0, "min_gap_us": 1000, "jitter_us": 500,
        "cost_us": 50, "start_us": 7 },
      { "name": "once", "line": 12, "cpu": 0, "period_us": 10, "cost_us": 5, "count": 3 }
    ]
  },
  "tasks": {
    "hog": { "cpus": [1], "run": 100000, "loop": -1 },
    "sleeper": { "cpus": [0], "run": 10, "sleep": 990 }
  }
}
EOF
"$sim" --cpus 2 --check --json "$tmp/rate.json" > "$tmp/r1" || fail "rate.json under --check"
"$sim" --cpus 2 --check --json "$tmp/rate.json" > "$tmp/r1b"
cmp -s "$tmp/r1" "$tmp/r1b" || fail "same seed, different JSON"
q=$(irq "$tmp/r1" nic)
# at 0, 100 us, ..., 1 s: 10001 firings, all on CPU 1, each 20 us, none delayed
expect "nic fired" "$(num "$q" fired)" 10001
expect "nic handler_ns" "$(num "$q" handler_ns)" 200020000
expect "nic fired_on" "$(list "$q" fired_on)" "0 10001"
expect "nic max_delay_ns" "$(num "$q" max_delay_ns)" 0
expect "nic route" "$(num "$q" route)" 1
c1=$(cpu "$tmp/r1" 1)
expect "cpu 1 irqs" "$(num "$c1" irqs)" 10001
expect "cpu 1 irq_ns" "$(num "$c1" irq_ns)" 200020000
# the hog ran everything but the handlers (after the 20 us its first IPI waited for the
# handler at t = 0): its runtime excludes the 200 ms they took
h=$(thread "$tmp/r1" hog)
expect "hog runtime_ns" "$(num "$h" runtime_ns)" 800000000
expect "cpu 1 handler time taken from the hog" \
	$(($(num "$c1" irq_ns) - $(num "$c1" irq_idle_ns))) 200000000
expect "cpu 1 busy + idle + handler time taken back" \
	$(($(num "$c1" busy_ns) + $(num "$c1" idle_ns) + $(num "$c1" irq_unbilled_ns))) 1000000000
expect "cpu 1 handler time taken back (the one at 1 s is still running)" \
	"$(num "$c1" irq_unbilled_ns)" 200000000
ok "a source fires at its rate on its CPU; its handlers' time is taken from the thread there"

# The jittered source: each gap in [1 ms, 1.5 ms], so between 667 and 1000 firings in the
# 1 s after its start; the same whatever the seed (its jitter is its own).
d=$(irq "$tmp/r1" disk)
n=$(num "$d" fired)
within "disk fired" "$n" 667 1000
expect "disk handler_ns" "$(num "$d" handler_ns)" $((n * 50000))
for seed in 2 3; do
	"$sim" --cpus 2 --seed $seed --json "$tmp/rate.json" > "$tmp/rs"
	expect "disk fired, seed $seed" "$(num "$(irq "$tmp/rs" disk)" fired)" "$n"
done
# "count": 3 firings 10 us apart, at 0, 10 and 20 us; the last two come while disk's first
# handler (7 .. 57 us) runs: they wait for its end, one after the other (57 and 62 us)
o=$(irq "$tmp/r1" once)
expect "once fired" "$(num "$o" fired)" 3
expect "once max_delay_ns (from 10 us to 57 us)" "$(num "$o" max_delay_ns)" 47000
c0=$(cpu "$tmp/r1" 0)
expect "cpu 0 irqs" "$(num "$c0" irqs)" $((n + 3))
expect "cpu 0 irq_ns" "$(num "$c0" irq_ns)" $((n * 50000 + 15000))
ok "jitter keeps the least gap and does not depend on the seed; a handler waits for another"

# 2. A SCHED_DEADLINE thread (1.9 ms every 10 ms) beside a source taking 20% of its CPU:
# the handlers are not charged to its budget, so it never runs out and misses nothing;
# its runtime is its work alone, its response its work plus the handlers in between.
cat > "$tmp/dl.json" <<'EOF'
{"global":{"duration":1},
 "libsched":{"irqs":[{"name":"nic","line":10,"cpu":0,"period_us":100,"cost_us":20}]},
 "tasks":{"dl":{"policy":"SCHED_DEADLINE","dl-runtime":2000,"dl-period":10000,"loop":-1,
                "run":1900,"timer":{"ref":"t","period":10000}},
          "hog":{"loop":-1,"run":1000000}}}
EOF
"$sim" --cpus 1 --check --json "$tmp/dl.json" > "$tmp/dl" || fail "dl.json under --check"
t=$(thread "$tmp/dl" dl) r=$(rt "$tmp/dl" dl)
expect "dl throttled_ns" "$(num "$t" throttled_ns)" 0
expect "dl runtime_ns (its work only)" "$(num "$t" runtime_ns)" 190000000
expect "dl misses" "$(num "$r" misses)" 0
expect "dl jobs" "$(num "$r" jobs)" 100
within "dl response max (1.9 ms and the handlers)" "$(num "$r" max)" 2280000 2400000
"$sim" --cpus 1 "$tmp/dl.json" | grep -q '^dl  *0 cbs  *throttle  *2000.0  *10000.0  *10000.0  *100  *0  *0.000  *0 cpu 0$' ||
	fail "deadline table: the SC was depleted or throttled"
ok "handlers are interference: not charged to a thread's SC budget"

# 3. A lease of CPU 1 from 200 ms to 700 ms: nic moves to housekeeping CPU 0 at the grant
# and comes back at the revocation; disk (on CPU 2) stays.
cat > "$tmp/lease.json" <<'EOF'
{
  "global": { "duration": 1 },
  "libsched": {
    "irqs": [
      { "name": "nic", "line": 10, "cpu": 1, "period_us": 100, "cost_us": 20 },
      { "name": "disk", "line": 11, "cpu": 2, "period_us": 1000, "cost_us": 50 }
    ],
    "leases": { "iso": { "holder": "spinner", "cpus": [1], "grant_us": 200000,
                         "revoke_us": 700000 } }
  },
  "tasks": {
    "spinner": { "cpus": [1], "run": 100000, "loop": -1 },
    "b": { "instance": 3, "run": 1000, "sleep": 1000, "loop": -1 }
  }
}
EOF
"$sim" --cpus 3 --check --json "$tmp/lease.json" > "$tmp/l" || fail "lease.json under --check"
q=$(irq "$tmp/l" nic)
expect "nic fired" "$(num "$q" fired)" 10001
set -- $(list "$q" fired_on)
# 0 .. 200 ms and 700 ms .. 1 s on CPU 1; the 5000 in between on CPU 0
within "nic on CPU 0 while leased" "$1" 4999 5001
expect "nic on CPUs 0 and 1" $(($1 + $2)) 10001
expect "nic on CPU 2" "$3" 0
expect "nic moves" "$(num "$q" moves)" 2
expect "disk moves" "$(num "$(irq "$tmp/l" disk)" moves)" 0
expect "disk fired_on" "$(list "$(irq "$tmp/l" disk)" fired_on)" "0 0 1001"
routes "$tmp/l" > "$tmp/routes"
expect "routing changes" "$(wc -l < "$tmp/routes")" 2
m1=$(sed -n 1p "$tmp/routes") m2=$(sed -n 2p "$tmp/routes")
expect "first move" "$(num "$m1" irq) $(num "$m1" from) $(num "$m1" to) $(num "$m1" why)" \
	'"nic" 1 0 "leased"'
within "first move at (the grant)" "$(num "$m1" at_ns)" 200000000 200020000
expect "second move" "$(num "$m2" irq) $(num "$m2" from) $(num "$m2" to) $(num "$m2" why)" \
	'"nic" 0 1 "back"'
within "second move at (the revocation)" "$(num "$m2" at_ns)" 700000000 700020000
expect "cpu 1 irqs" "$(num "$(cpu "$tmp/l" 1)" irqs)" "$2"
"$sim" --cpus 3 "$tmp/lease.json" > "$tmp/lt"
grep -q '^nic  *10  *1  *1  *no  *100.0  *100.0  *0.0  *20.0  *10001 ' "$tmp/lt" || fail "irq table"
grep -q '^nic  *200.0[0-9]*  *1  *0 leased' "$tmp/lt" || fail "irq_route table"
ok "a leased CPU's IRQ sources go to housekeeping and come back at the revocation"

# A workload without IRQ sources prints no IRQ figures.
printf '{"global":{"duration":0.01},"tasks":{"t":{"run":1000}}}\n' > "$tmp/plain.json"
"$sim" --cpus 1 --json "$tmp/plain.json" | grep -q '"irq_ns"\|"irqs":\[\|"irq_routes"' && fail "IRQ fields without sources"
"$sim" --cpus 1 "$tmp/plain.json" | grep -q '^irq' && fail "IRQ tables without sources"
ok "no IRQ figures without IRQ sources"

# Keys are checked at load: file, line and key.
rejected() {
	printf '%b\n' "$1" > "$tmp/bad.json"
	set +e
	"$sim" --cpus 2 "$tmp/bad.json" > /dev/null 2> "$tmp/err"; rc=$?
	set -e
	[ "$rc" = 1 ] && [ "$(cat "$tmp/err")" = "schedsim: $2" ] ||
		fail "status $rc, $(cat "$tmp/err"), expected: $2"
}
t='"tasks":{"t":{"run":10}}'
rejected "{\"libsched\":{\"irqs\":[{\"name\":\"a\",\"line\":1,\"period_us\":10,\n\"cost_us\":11}]},$t}" \
	"$tmp/bad.json:2: key 'cost_us': must be <= the least gap (10 us): a longer handler would never end, got 11"
rejected "{\"libsched\":{\"irqs\":[\n{\"name\":\"a\",\"period_us\":10,\"cost_us\":1}]},$t}" \
	"$tmp/bad.json:2: key 'irqs': an IRQ source needs \"name\" and \"line\""
rejected "{\"libsched\":{\"irqs\":[\n{\"name\":\"a\",\"line\":1,\"cost_us\":1}]},$t}" \
	"$tmp/bad.json:2: key 'irqs': IRQ source 'a' needs \"period_us\" or \"min_gap_us\""
rejected "{\"libsched\":{\"irqs\":[{\"name\":\"a\",\"line\":1,\"period_us\":10,\n\"min_gap_us\":20,\"cost_us\":1}]},$t}" \
	"$tmp/bad.json:2: key 'min_gap_us': must be <= period_us (10 us), got 20"
rejected "{\"libsched\":{\"irqs\":[{\"name\":\"a\",\"line\":1,\"period_us\":10,\"cost_us\":1},\n{\"name\":\"b\",\"line\":1,\"period_us\":10,\"cost_us\":1}]},$t}" \
	"$tmp/bad.json:2: key 'irqs': IRQ line 1 of 'b' repeated ('a', line 1)"
rejected "{\"libsched\":{\"irqs\":[{\"name\":\"a\",\"line\":1,\"period_us\":10,\n\"cost\":1}]},$t}" \
	"$tmp/bad.json:2: key 'cost': unknown key in an IRQ source (expected \"name\", \"line\", \"cpu\", \"period_us\", \"min_gap_us\", \"jitter_us\", \"cost_us\", \"start_us\" and \"count\")"
rejected "{\"libsched\":{\"irqs\":[\n{\"name\":\"a\",\"line\":1,\"cpu\":2,\"period_us\":10,\"cost_us\":1}]},$t}" \
	"IRQ source 'a' (line 2): \"cpu\" 2 is not one of the 2 simulated"
ok "IRQ source keys are checked with file, line and key"

echo "$passed passed, 0 failed"
