#!/bin/sh
# schedsim_island.sh SCHEDSIM WORKLOAD_DIR - realtime islands in schedsim (docs/schedsim.md,
# "Realtime islands"): examples/control_loop.json and examples/audio_pipeline.json admitted
# beside CPU hogs, short sleepers and an IRQ storm, with zero misses and zero violations
# over 100,000 jobs each; refusals named and changing nothing; runtime admission, misses
# and a violation counted and traced; the keys checked at load.
set -eu
sim=$1 dir=$2 tmp=$(mktemp -d)
ex="$dir/../../examples"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }
passed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }

# island FILE NAME: the object of island NAME ("islands" is followed by "mem_pools").
island() {
	sed 's/.*"islands":\[//; s/\],"mem_pools":.*//; s/{"name":/\
{"name":/g' "$1" | grep "^{\"name\":\"$2\","
}
# member OBJECT THREAD: the object of member THREAD of an island object.
member() { printf '%s\n' "$1" | sed 's/{"thread":/\
{"thread":/g' | grep "^{\"thread\":\"$2\","; }
# irq FILE NAME: the object of IRQ source NAME.
irq() {
	sed 's/.*"irqs":\[//; s/\],"irq_routes":.*//; s/{"name":/\
{"name":/g' "$1" | grep "^{\"name\":\"$2\","
}
# tail_of FILE KEY: the object KEY at the end of the report ("trace", "lease_port", ...).
tail_of() { sed -n "s/.*\"$1\":{\([^}]*\)}.*/\1/p" "$2"; }
# num OBJECT KEY: the value of KEY (a number, null, true, false or a string).
num() {
	printf '%s\n' "$1" |
		sed -n "s/.*\"$2\":\(-\{0,1\}[0-9][0-9]*\|null\|true\|false\|\"[^\"]*\"\).*/\1/p"
}
inner() { printf '%s\n' "$1" | sed -n "s/.*\"$2\":{\([^}]*\)}.*/\1/p"; }
list() { printf '%s\n' "$1" | sed -n "s/.*\"$2\":\[\([^]]*\)\].*/\1/p" | tr ',' ' '; }
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', expected $3"; }
within() { [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || fail "$1: got '$2', expected $3 .. $4"; }
atleast() { [ "$2" -ge "$3" ] || fail "$1: got '$2', expected at least $3"; }

# An admitted island with no miss and no violation over at least 100,000 jobs: in
# libsched's figures (the island's and its member's SC) and in schedsim's job accounting.
# admitted_clean FILE ISLAND MEMBER
admitted_clean() {
	i=$(island "$1" "$2")
	[ -n "$i" ] || fail "$2: no island in the report"
	expect "$2 state" "$(num "$i" state)" '"admitted"'
	expect "$2 verdict" "$(num "$i" verdict)" '"admitted"'
	expect "$2 misses" "$(num "$i" misses)" 0
	expect "$2 overruns" "$(num "$i" overruns)" 0
	expect "$2 max_lateness_ns" "$(num "$i" max_lateness_ns)" 0
	expect "$2 violations" "$(inner "$i" violations)" \
		'"alloc":0,"fault":0,"log":0,"block":0,"call":0'
	atleast "$2 jobs" "$(num "$i" jobs)" 100000
	m=$(member "$i" "$3")
	atleast "$3 jobs (SC)" "$(num "$m" jobs)" 100000
	atleast "$3 rt_jobs" "$(num "$m" rt_jobs)" 100000
	expect "$3 misses (SC)" "$(num "$m" misses)" 0
	expect "$3 rt_misses" "$(num "$m" rt_misses)" 0
	t=$(tail_of trace "$1")
	expect "$2 trace miss events" "$(num "$t" miss)" 0
	expect "$2 trace violation events" "$(num "$t" island_violation)" 0
	expect "$2 lease_port calls with a lock held" "$(num "$(tail_of lease_port "$1")" locked)" 0
	echo "# $2: $(num "$i" jobs) jobs, $(num "$m" rt_jobs) completed by schedsim's count"
}

# timed OUT ARGS...: a run, its host time printed.
timed() {
	out=$1
	shift
	t0=$(date +%s)
	"$sim" "$@" > "$out" || fail "schedsim $*"
	echo "# schedsim $*: $(($(date +%s) - t0)) s of host time"
}

# 1. The control loop: 1 kHz, 200 us a job, 100 s simulated (100,000 jobs).
timed "$tmp/cl" --cpus 4 --duration 100 --json "$ex/control_loop.json"
admitted_clean "$tmp/cl" control ctrl
m=$(member "$(island "$tmp/cl" control)" ctrl)
expect "ctrl's CPU" "$(num "$m" cpu)" 3
# the sensor is the island's: reserved, on CPU 3, every millisecond; the NIC left CPU 3 at
# the lease; the storm stayed on CPU 0
s=$(irq "$tmp/cl" sensor)
expect "sensor reserved" "$(num "$s" reserved)" true
expect "sensor route" "$(num "$s" route)" 3
set -- $(list "$s" fired_on)
within "sensor firings on CPU 3" "$4" 99999 100000
expect "sensor firings elsewhere" "$1 $2 $3" "0 0 0"
set -- $(list "$(irq "$tmp/cl" nic)" fired_on)
expect "nic firings on CPU 3 (leased from the start)" "$4" 0
set -- $(list "$(irq "$tmp/cl" storm)" fired_on)
expect "storm firings on CPU 0" "$1" 1000001
# the sensor fires 100 us into each job: its 10 us are taken from the loop (each job ends
# 210 us after its release) but not charged to its SC, which pays 200 us a job
jobs=$(num "$m" rt_jobs)
within "ctrl's SC consumed (200 us a job)" "$(num "$m" consumed_ns)" \
	$((jobs * 200000)) $(((jobs + 1) * 200000))
c3=$(sed 's/.*"cpus":\[{"id"/{"id"/; s/\],"threads":.*//; s/{"id":/\
{"id":/g' "$tmp/cl" | grep '^{"id":3,')
expect "CPU 3's handler time taken from ctrl" \
	$(($(num "$c3" irq_ns) - $(num "$c3" irq_idle_ns))) $((jobs * 10000))
rt=$(sed 's/{"name":/\
{"name":/g' "$tmp/cl" | grep '^{"name":"ctrl",' | sed -n 's/.*,"rt":{\(.*\)/\1/p')
expect "ctrl's response time, p50 and max" "$(num "$rt" p50) $(num "$(inner "$rt" response_ns)" max)" \
	"210000 210000"
ok "control_loop.json: admitted, $(num "$(island "$tmp/cl" control)" jobs) jobs, no miss, no violation"

# 2. The audio pipeline: 2.667 ms buffers, three stages chained by calls to passive
# servers, 267 s simulated (100,000 jobs).
timed "$tmp/au" --cpus 4 --duration 267 --json "$ex/audio_pipeline.json"
admitted_clean "$tmp/au" audio mixer
m=$(member "$(island "$tmp/au" audio)" mixer)
# each job's chain runs on the mixer's SC: 400 + 350 + 300 us of its budget
jobs=$(num "$m" rt_jobs)
within "mixer's SC consumed (1.05 ms a job)" "$(num "$m" consumed_ns)" \
	$((jobs * 1050000)) $(((jobs + 1) * 1050000))
ok "audio_pipeline.json: admitted, $(num "$(island "$tmp/au" audio)" jobs) jobs, no miss, no violation"

# Both under the checker for a second, the same bytes twice.
for f in control_loop audio_pipeline; do
	"$sim" --cpus 4 --check --json "$ex/$f.json" > "$tmp/c1" || fail "$f.json under --check"
	"$sim" --cpus 4 --check --json "$ex/$f.json" > "$tmp/c2"
	cmp -s "$tmp/c1" "$tmp/c2" || fail "$f.json: same seed, different JSON"
done
"$sim" --cpus 4 "$ex/control_loop.json" > "$tmp/t"
grep -q '^control  *admitted leased 3  *1 .* admitted$' "$tmp/t" || fail "island table"
grep -q '^ctrl  *control  *3  *250.0  *1000.0  *1000.0 ' "$tmp/t" || fail "island_member table"
grep -q '^trace: 0 miss events (0 of island members), island events: 1 admit,' "$tmp/t" ||
	fail "trace line"
ok "both examples under --check, deterministic; the island tables"

# 3. A refused island changes nothing: control_loop.json with a second island asking 99% of
# CPU 1 for a thread ("greedy") that runs there anyway, against the same file without it.
# Everything but the islands array is the same, byte for byte.
greedy='"greedy": { "loop": -1, "run": 500, "timer": { "ref": "g", "period": 1000 }, "libsched": { "group": "g2" } },'
sed "s/\"tasks\": {/\"tasks\": { $greedy/; s/\"ctl\": { \"kind\": \"process\" }/&, \"g2\": {}/" \
	"$ex/control_loop.json" > "$tmp/without.json"
sed 's/"islands": \[/& { "name": "greedy", "group": "g2", "cpus": [1], "members": [ { "thread": "greedy", "budget_us": 990, "period_us": 1000 } ] },/' \
	"$tmp/without.json" > "$tmp/with.json"
grep -q '"name": "greedy", "group"' "$tmp/with.json" || fail "could not make with.json"
"$sim" --cpus 4 --json --check "$tmp/with.json" > "$tmp/w1" || fail "with.json"
"$sim" --cpus 4 --json --check "$tmp/without.json" > "$tmp/w0" || fail "without.json"
g=$(island "$tmp/w1" greedy)
expect "greedy state" "$(num "$g" state)" '"refused"'
expect "greedy verdict" "$(num "$g" verdict)" '"CPU 1: utilisation 990 per mille over the cap 950 per mille"'
expect "greedy test" "$(num "$g" resource) $(num "$g" test)" '"cpu" "demand"'
expect "greedy error" "$(num "$g" error)" '"a deadline could be missed"'
strip() { sed 's/"islands":\[.*\],"mem_pools"/"islands":[...],"mem_pools"/; s/"file":"[^"]*"//' "$1"; }
strip "$tmp/w1" > "$tmp/s1"
strip "$tmp/w0" > "$tmp/s0"
cmp -s "$tmp/s1" "$tmp/s0" || fail "a refused island changed the run: $(diff "$tmp/s1" "$tmp/s0" | head -c 600)"
expect "control is admitted either way" "$(num "$(island "$tmp/w1" control)" state)" '"admitted"'
"$sim" --cpus 4 "$tmp/with.json" > "$tmp/wt"
grep -q '^greedy  *refused  leased 1  *1 .*  CPU 1: utilisation 990 per mille over the cap 950 per mille$' "$tmp/wt" ||
	fail "no refusal line in the island table"
ok "a refused island is reported with its reason and changes nothing else"

# 4. Admission at run time, misses, a violation, pools and refusals by other tests:
#  v     (at 0): "caller" calls passive "vsrv", a server of v on no path: refused
#        (-SCHED_EPATH), counted, notified, traced; the caller then waits for ever
#  late  (at 100 ms): "slow" runs 300 us per 2 ms on a 250 us / 1 ms SC: throttled, every
#        job ends after its SC deadline (a miss, traced)
#  s1    (shared): books 6 of pool dma's 8 pages; s2 asks 4 more: refused, 2 pages short
#  np    a path to a server that is not passive: refused
cat > "$tmp/misc.json" <<'EOF'
{
  "global": { "duration": 1 },
  "libsched": {
    "groups": { "vg": {}, "lg": {}, "sg": {} },
    "mem_pools": [ { "name": "dma", "pages": 8 } ],
    "islands": [
      { "name": "v", "group": "vg", "cpus": [1],
        "members": [ { "thread": "caller", "budget_us": 200, "period_us": 1000 } ],
        "servers": [ "vsrv" ] },
      { "name": "late", "group": "lg", "cpus": [2], "at_us": 100000,
        "members": [ { "thread": "slow", "budget_us": 250, "period_us": 1000 } ] },
      { "name": "s1", "group": "sg", "cpus": [3], "mode": "shared",
        "members": [ { "thread": "sm", "budget_us": 100, "period_us": 1000 } ],
        "mem": [ { "pool": "dma", "pages": 6 } ] },
      { "name": "s2", "group": "sg", "cpus": [3], "mode": "shared",
        "members": [ { "thread": "sm2", "budget_us": 100, "period_us": 1000 } ],
        "mem": [ { "pool": "dma", "pages": 4 } ] },
      { "name": "np", "group": "sg", "cpus": [3], "mode": "shared",
        "members": [ { "thread": "sm3", "budget_us": 100, "period_us": 1000 } ],
        "servers": [ "active" ],
        "paths": [ { "from": "sm3", "to": "active", "cost_us": 10 } ] }
    ]
  },
  "tasks": {
    "caller": { "loop": -1, "run": 100, "resume": "vsrv", "suspend": "caller",
                "timer": { "ref": "c", "period": 1000 },
                "libsched": { "group": "vg", "ipc": true } },
    "vsrv": { "cpus": [1], "loop": -1, "suspend": "vsrv", "run": 10, "resume": "caller",
              "libsched": { "group": "vg", "ipc": true, "passive": true } },
    "slow": { "loop": -1, "run": 300, "timer": { "ref": "unique", "period": 2000 },
              "libsched": { "group": "lg" } },
    "sm": { "loop": -1, "run": 50, "timer": { "ref": "unique", "period": 1000 },
            "libsched": { "group": "sg" } },
    "sm2": { "loop": -1, "run": 50, "timer": { "ref": "unique", "period": 1000 },
             "libsched": { "group": "sg" } },
    "sm3": { "loop": -1, "run": 50, "timer": { "ref": "unique", "period": 1000 },
             "libsched": { "group": "sg", "ipc": true } },
    "active": { "cpus": [3], "loop": -1, "suspend": "active", "run": 10, "resume": "sm3",
                "libsched": { "group": "sg", "ipc": true } },
    "hog": { "instance": 4, "loop": -1, "run": 100000 }
  }
}
EOF
"$sim" --cpus 4 --json "$tmp/misc.json" > "$tmp/m" || fail "misc.json"
v=$(island "$tmp/m" v)
expect "v state" "$(num "$v" state)" '"admitted"'
expect "v violations" "$(inner "$v" violations)" '"alloc":0,"fault":0,"log":0,"block":0,"call":1'
expect "v notified" "$(inner "$v" notified)" '"depleted":0,"timeout":0,"violation":1'
expect "vsrv never ran" "$(sed 's/{"name":/\
{"name":/g' "$tmp/m" | grep '^{"name":"vsrv",' | sed -n 's/.*"runtime_ns":\([0-9]*\),.*/\1/p')" 0
l=$(island "$tmp/m" late)
expect "late state" "$(num "$l" state)" '"admitted"'
expect "late at_ns" "$(num "$l" at_ns)" 100000000
within "late misses (every job after admission)" "$(num "$l" misses)" 440 450
expect "late max_lateness_ns" "$(num "$l" max_lateness_ns)" 50000
expect "slow's CPU" "$(num "$(member "$l" slow)" cpu)" 2
t=$(tail_of trace "$tmp/m")
expect "trace miss events" "$(num "$t" miss) $(num "$t" miss_island)" "450 450"
expect "trace island events" "$(num "$t" island_admit) $(num "$t" island_violation)" "3 1"
expect "s1" "$(num "$(island "$tmp/m" s1)" state)" '"admitted"'
s2=$(island "$tmp/m" s2)
expect "s2 verdict" "$(num "$s2" state) $(num "$s2" verdict)" '"refused" "pool dma: 2 pages short"'
expect "s2 shortfall" "$(num "$s2" demand) $(num "$s2" supply)" "4 2"
expect "pool dma" "$(sed -n 's/.*"mem_pools":\[\([^]]*\)\].*/\1/p' "$tmp/m")" \
	'{"pool":"dma","pages":8,"booked":6}'
np=$(island "$tmp/m" np)
expect "np refused" "$(num "$np" state) $(num "$np" test)" '"refused" "not_passive"'
case $(num "$np" verdict) in
*active*) ;;
*) fail "np verdict does not name the server: $(num "$np" verdict)" ;;
esac
ok "runtime admission, misses and a violation counted and traced; refusals named"

# 5. Keys are checked at load: file, line and key.
rejected() {
	printf '%b\n' "$1" > "$tmp/bad.json"
	set +e
	"$sim" --cpus 4 ${3:-} "$tmp/bad.json" > /dev/null 2> "$tmp/err"; rc=$?
	set -e
	[ "$rc" = 1 ] && [ "$(cat "$tmp/err")" = "schedsim: $2" ] ||
		fail "status $rc, $(cat "$tmp/err"), expected: $2"
}
t='"tasks":{"t":{"run":10,"libsched":{"group":"g"}},"u":{"run":10},"p":{"suspend":"p","run":1,"libsched":{"group":"g","ipc":true,"passive":true}}}'
isl='"name":"i","group":"g","cpus":[1]'
rejected "{\"libsched\":{\"islands\":[\n{\"name\":\"i\",\"group\":\"g\",\"cpus\":[1]}]},$t}" \
	"$tmp/bad.json:2: key 'islands': an island needs \"name\", \"group\", \"cpus\" and \"members\" (at least one)"
rejected "{\"libsched\":{\"islands\":[{$isl,\"members\":[\n{\"thread\":\"x\",\"budget_us\":1,\"period_us\":2}]}]},$t}" \
	"$tmp/bad.json:2: key 'thread': no task named 'x'"
rejected "{\"libsched\":{\"islands\":[{$isl,\"members\":[\n{\"thread\":\"u\",\"budget_us\":1,\"period_us\":2}]}]},$t}" \
	"$tmp/bad.json:2: key 'thread': task 'u' is not in island 'i''s group 'g' (its libsched \"group\": none)"
rejected "{\"libsched\":{\"islands\":[{$isl,\"members\":[\n{\"thread\":\"p\",\"budget_us\":1,\"period_us\":2}]}]},$t}" \
	"$tmp/bad.json:2: key 'thread': task 'p' is passive: a member's thread runs on the island's SC"
rejected "{\"libsched\":{\"islands\":[{$isl,\"members\":[{\"thread\":\"t\",\"budget_us\":1,\"period_us\":2}],\"paths\":[\n{\"from\":\"t\",\"to\":\"p\",\"cost_us\":1}]}]},$t}" \
	"$tmp/bad.json:2: key 'to': 'p' is no server of island 'i'"
rejected "{\"libsched\":{\"islands\":[{$isl,\"members\":[{\"thread\":\"t\",\"budget_us\":1,\"period_us\":2}],\"irqs\":[\n\"x\"]}]},$t}" \
	"$tmp/bad.json:2: key 'irqs': no IRQ source named 'x' in the top-level \"libsched\" \"irqs\""
rejected "{\"libsched\":{\"islands\":[{$isl,\"members\":[{\"thread\":\"t\",\"budget_us\":1,\"period_us\":2}],\"mem\":[\n{\"pool\":\"x\",\"pages\":1}]}]},$t}" \
	"$tmp/bad.json:2: key 'pool': no memory pool named 'x' in the top-level \"libsched\" \"mem_pools\""
rejected "{\"tasks\":{\"p\":{\"suspend\":\"p\",\"run\":1,\"libsched\":{\n\"passive\":true}}}}" \
	"$tmp/bad.json:2: key 'passive': a passive task takes calls: it needs \"ipc\": true"
rejected "{\"tasks\":{\"p\":{\"run\":1,\"suspend\":\"p\",\"libsched\":{\"ipc\":true,\n\"passive\":true}}}}" \
	"$tmp/bad.json:2: key 'passive': a passive task waits for its first call: its first event must be a suspend"
rejected "{\"libsched\":{\"islands\":[{$isl,\"members\":[{\"thread\":\"t\",\"budget_us\":1,\"period_us\":2}]}]},$t}" \
	"realtime islands need SC admission (--admission on)" "--admission off"
rejected "{\"libsched\":{\"islands\":[{\"name\":\"i\",\"group\":\"g\",\"cpus\":[7],\"members\":[{\"thread\":\"t\",\"budget_us\":1,\"period_us\":2}]}]},$t}" \
	"island 'i' (line 1): its \"cpus\" or its members' name a CPU that is not one of the 4 simulated"
ok "island keys are checked with file, line and key"

echo "$passed passed, 0 failed"
