#!/bin/sh
# schedsim_policy.sh SCHEDSIM WORKLOAD_DIR - the policy service in schedsim
# (docs/schedsim.md, "The policy service", "Task graphs", "Decision records"):
#  1. examples/policy_service.json: the service stalls, dies holding a request and is
#     restarted; nothing admitted misses, the fair spinners keep their shares, requests
#     made during the outages get their defaults at their deadline with a record saying so,
#     the request the dead service held is answered by the restarted one, and requests after
#     the restart are served by it (seeds 1 .. 3, under the checker, deterministic);
#  2. examples/graph.json: a three-stage graph mapped onto its budgets, meeting its
#     end-to-end deadline in every instance; a coordinator without the budgets refused with a
#     deny/graph record, and nothing changed;
#  3. --explain on examples/demo.json: a migration record with its cause per migration;
#  4. an island asked for through the service; the loader's messages.
# Simulated time only: the figures do not depend on the host's load.
set -eu
sim=$1 dir=$2 tmp=$(mktemp -d)
ex="$dir/../../examples"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }
ok() { echo "ok - $*"; }

# The report is one line of JSON. Its policy part ends it: "policy", "requests", "graphs",
# "decisions_made", "decisions" (each record one flat object).
# req FILE TASK INDEX: request INDEX of task TASK.
req() {
	sed 's/.*"requests":\[//; s/\],"graphs":.*//; s/{"task":/\
{"task":/g' "$1" | grep "^{\"task\":\"$2\",.*\"index\":$3,"
}
# requests FILE: every request, one a line.
requests() {
	sed 's/.*"requests":\[//; s/\],"graphs":.*//; s/{"task":/\
{"task":/g' "$1" | grep '^{"task":'
}
# graph FILE NAME: the object of graph NAME (its nodes inside).
graph() {
	sed 's/.*"graphs":\[//; s/\],"decisions_made":.*//; s/{"name":/\
{"name":/g' "$1" | grep "^{\"name\":\"$2\",\"coordinator\""
}
# node OBJECT TASK: the node of task TASK of a graph object.
node() { printf '%s\n' "$1" | sed 's/{"task":/\
{"task":/g' | grep "^{\"task\":\"$2\","; }
# record FILE SEQ: decision record SEQ.
record() {
	sed 's/.*"decisions":\[//; s/\]}$//; s/{"seq":/\
{"seq":/g' "$1" | grep "^{\"seq\":$2,"
}
records() {
	sed 's/.*"decisions":\[//; s/\]}$//; s/{"seq":/\
{"seq":/g' "$1" | grep '^{"seq":'
}
# thread FILE NAME INSTANCE: a thread's object (its "rt" object inside).
thread() {
	sed 's/{"name":/\
{"name":/g' "$1" | grep "^{\"name\":\"$2\",\"instance\":$3,\"group\""
}
# policy FILE: the "policy" object; stats FILE: its "stats".
policy() { sed -n 's/.*"policy":{\(.*\)},"requests":.*/\1/p' "$1"; }
stats() { policy "$1" | sed -n 's/.*"stats":{\([^}]*\)}.*/\1/p'; }
# num OBJECT KEY: the value of KEY's last occurrence (a number, null, true, false, string).
num() {
	printf '%s\n' "$1" |
		sed -n "s/.*\"$2\":\(-\{0,1\}[0-9][0-9]*\|null\|true\|false\|\"[^\"]*\"\).*/\1/p"
}
# first OBJECT KEY: the value of KEY's first occurrence.
first() { printf '%s\n' "$1" | grep -o "\"$2\":[^,}]*" | head -n 1 | cut -d: -f2-; }
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', expected $3"; }
within() { [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || fail "$1: got '$2', expected $3 .. $4"; }
atleast() { [ "$2" -ge "$3" ] || fail "$1: got '$2', expected at least $3"; }
abs() { [ "$1" -lt 0 ] && echo $((-$1)) || echo "$1"; }

MS=1000000
# The fault schedule of examples/policy_service.json, and the service's request timeout.
STALL_AT=$((300 * MS)) STALL_END=$((500 * MS)) DIE_AT=$((600 * MS)) RESTART_AT=$((900 * MS))
TIMEOUT=$((20 * MS))
# The fair class's bound on a thread's lag behind its CPU queue's average (docs/fair.md, "the
# EEVDF paper's bound"): the largest slice r plus the tick k, 1.5 ms + 1 ms on 2 CPUs. Every
# thread of examples/policy_service.json runs on CPU 0, so a spinner is within r + k of the
# fluid share, whatever the service does.
LAG=2500000

# --- 1. the service's faults -------------------------------------------------------------

# check_faults FILE SEED: the properties of a run of examples/policy_service.json.
check_faults() {
	f=$1 seed=$2
	p=$(policy "$f") st=$(stats "$f")
	expect "seed $seed: attaches (the first service and the restarted one)" \
		"$(num "$st" attaches)" 2
	expect "seed $seed: requeued (the request the dead service held)" "$(num "$st" requeued)" 1
	expect "seed $seed: queue full" "$(num "$st" full)" 0
	died=$(printf '%s\n' "$p" | sed -n 's/.*"kind":"die","stall_ns":0,"done":true,"thread":\([0-9]*\)}.*/\1/p')
	restarted=$(printf '%s\n' "$p" | sed -n 's/.*"kind":"restart","stall_ns":0,"done":true,"thread":\([0-9]*\)}.*/\1/p')
	[ -n "$died" ] && [ -n "$restarted" ] && [ "$died" != "$restarted" ] ||
		fail "seed $seed: faults: '$died' '$restarted'"

	# nothing admitted misses: the reservation made at load, and the one the mixer asked for
	c=$(thread "$f" control 0)
	expect "seed $seed: control's SC misses" "$(first "$c" deadline_misses)" 0
	expect "seed $seed: control's jobs missed" "$(num "$c" misses)" 0
	expect "seed $seed: control throttled" "$(first "$c" throttled_ns)" 0
	expect "seed $seed: mixer's jobs missed" "$(num "$(thread "$f" mixer 0)" misses)" 0
	expect "seed $seed: mixer's SC misses" "$(first "$(thread "$f" mixer 0)" deadline_misses)" 0

	# the spinners get the fluid share of what CPU 0 has left: everything but the other
	# threads' time, halved, each within the lag bound
	others=0
	for t in control player mixer mixer_ctl indexer; do
		others=$((others + $(first "$(thread "$f" $t 0)" runtime_ns)))
	done
	for i in 0 1; do
		t=$(thread "$f" policyd $i)
		others=$((others + $(first "$t" runtime_ns)))
	done
	wall=$(sed -n 's/.*"wall_ns":\([0-9]*\),.*/\1/p' "$f")
	share=$(((wall - others) / 2))
	for i in 0 1; do
		got=$(first "$(thread "$f" spinner $i)" runtime_ns)
		[ "$(abs $((got - share)))" -le "$LAG" ] ||
			fail "seed $seed: spinner $i got $got ns, its share is $share ns (+-$LAG)"
		eval "spin$i=\$got"
	done

	# every request: when it was made says who answers it
	requests "$f" > "$tmp/reqs"
	[ -s "$tmp/reqs" ] || fail "seed $seed: no requests"
	outage=0 before=0 after=0
	while IFS= read -r r; do
		sub=$(num "$r" submitted_ns) dl=$(num "$r" deadline_ns) by=$(num "$r" by)
		ans=$(num "$r" answered_ns) col=$(num "$r" collected_ns)
		task=$(num "$r" task) kind=$(num "$r" kind) tid=$(num "$r" tid)
		what="seed $seed: $task's $kind at $sub"
		expect "$what: state" "$(num "$r" state)" '"answered"'
		if { [ "$sub" -ge "$STALL_AT" ] && [ "$dl" -le "$STALL_END" ]; } ||
		   { [ "$sub" -ge "$DIE_AT" ] && [ "$dl" -le "$RESTART_AT" ]; }; then
			# made during an outage: the default, at the deadline exactly (the port's
			# sweep), and a record that says so
			outage=$((outage + 1))
			expect "$what: by" "$by" '"default"'
			expect "$what: round trip" "$(num "$r" round_trip_ns)" "$TIMEOUT"
			expect "$what: answered at its deadline" "$ans" "$dl"
			w=$(record "$f" "$(num "$r" why)")
			[ -n "$w" ] || fail "$what: no record $(num "$r" why)"
			expect "$what: record kind" "$(num "$w" kind)" '"default"'
			expect "$what: record thread" "$(num "$w" tid)" "$tid"
			expect "$what: record time" "$(num "$w" time_ns)" "$ans"
			if [ "$kind" = '"profile"' ]; then
				expect "$what: record cause" "$(num "$w" cause)" '"profile"'
				expect "$what: err" "$(num "$r" err)" 0
			else
				expect "$what: record cause" "$(num "$w" cause)" '"deny"'
				expect "$what: error" "$(num "$r" error)" '"the wait timed out"'
			fi
			# its requester read it once it ran again: within its own wake latency
			lat=$(thread "$f" "$(echo $task | tr -d '"')" 0 | sed -n 's/.*"wake_latency_ns":{"p50":[0-9]*,"p99":[0-9]*,"max":\([0-9]*\)}.*/\1/p')
			within "$what: read" "$col" "$ans" $((ans + lat))
		elif [ "$sub" -ge "$RESTART_AT" ] || [ "$sub" -lt "$DIE_AT" -a "$dl" -gt "$RESTART_AT" ]; then
			# after the restart, or held by the dead service: the restarted one answers
			after=$((after + 1))
			expect "$what: by" "$by" '"service"'
			expect "$what: served by the restarted service" "$(num "$r" served_by)" "$restarted"
		elif [ "$sub" -lt "$STALL_AT" ]; then
			before=$((before + 1))
			expect "$what: by" "$by" '"service"'
			expect "$what: served by the first service" "$(num "$r" served_by)" "$died"
			within "$what: round trip" "$(num "$r" round_trip_ns)" 200000 $((5 * MS))
		else
			fail "$what: made at an instant the test does not expect"
		fi
	done < "$tmp/reqs"
	expect "seed $seed: requests made during the outages" "$outage" 4
	atleast "seed $seed: requests answered by the first service" "$before" 3
	atleast "seed $seed: requests answered by the restarted service" "$after" 4
	h=$(req "$f" indexer 0)
	expect "seed $seed: the held request, answered after the restart" "$(num "$h" by)" '"service"'
	atleast "seed $seed: ... at" "$(num "$h" answered_ns)" "$RESTART_AT"
	echo "# seed $seed: spinners $spin0 and $spin1 ns (share $share), $outage defaults, $before + $after served"
}

for seed in 1 2 3; do
	"$sim" --cpus 2 --check --seed $seed --json "$ex/policy_service.json" > "$tmp/p$seed" ||
		fail "policy_service.json under --check, seed $seed"
	check_faults "$tmp/p$seed" $seed
done
"$sim" --cpus 2 --check --seed 1 --json "$ex/policy_service.json" > "$tmp/p1b"
cmp -s "$tmp/p1" "$tmp/p1b" || fail "same seed, different JSON"
ok "policy_service.json: nothing admitted misses, the spinners keep their shares, outage requests get their defaults with records, the restarted service answers"

# The same file without its faults: the spinners get what they get with them, within the
# lag bound on each side (the service's own few hundred us aside: counted in the shares).
sed '/"faults": \[/,/\] }$/d; s/"timeout_ms": 20,$/"timeout_ms": 20 }/' "$ex/policy_service.json" > "$tmp/nofault.json"
cp "$ex/policy.manifest" "$tmp/"
grep -q '"faults"' "$tmp/nofault.json" && fail "could not make nofault.json"
"$sim" --cpus 2 --check --json "$tmp/nofault.json" > "$tmp/nf" || fail "nofault.json"
expect "without faults: attaches" "$(num "$(stats "$tmp/nf")" attaches)" 1
expect "without faults: defaulted" "$(num "$(stats "$tmp/nf")" defaulted)" 0
for i in 0 1; do
	a=$(first "$(thread "$tmp/p1" spinner $i)" runtime_ns)
	b=$(first "$(thread "$tmp/nf" spinner $i)" runtime_ns)
	[ "$(abs $((a - b)))" -le $((2 * LAG)) ] ||
		fail "spinner $i: $a ns with the faults, $b ns without (+-$((2 * LAG)))"
done
ok "the spinners get the same with and without the service's faults"

# The text report: the fault table and the request table's defaults.
"$sim" --cpus 2 --explain "$ex/policy_service.json" > "$tmp/pt"
grep -q '^die  *600.000  *-  *[0-9]' "$tmp/pt" || fail "fault table"
grep -q '^player  *0  *1 profile  *350.000 .* default  *-$' "$tmp/pt" || fail "request table"
grep -q 'got the default at 0.37[0-9] s: request [0-9]* unanswered after 20.000 ms: default profile applied' "$tmp/pt" ||
	fail "--explain: no default record"
ok "the policy tables and --explain's default records"

# --- 2. task graphs --------------------------------------------------------------------------

"$sim" --cpus 4 --check --json "$ex/graph.json" > "$tmp/g" || fail "graph.json under --check"
g=$(graph "$tmp/g" pipeline)
expect "pipeline state" "$(num "$g" state)" '"mapped"'
expect "pipeline changed its budgets" "$(first "$g" changed)" true
atleast "pipeline instances after the mapping" "$(first "$g" mapped_instances)" 90
expect "pipeline misses after the mapping" "$(first "$g" mapped_misses)" 0
expect "pipeline misses (all instances)" "$(first "$g" misses)" 0
within "pipeline latency after the mapping" "$(first "$g" mapped_max_ns)" 1 $((8 * MS))
# instances still in flight at the end: at most the one released last
within "pipeline: released and not done" $(($(first "$g" released) - $(first "$g" instances))) 0 1
# each stage's SC: its cost every 10 ms, due at its share of the 8 ms (8 x c / 7)
for s in "capture 2000000 2285714" "process 3000000 3428571" "encode 2000000 2285714"; do
	set -- $s
	n=$(node "$g" $1)
	expect "$1: budget before" "$(num "$n" before_budget_ns)" 4000000
	expect "$1: budget after" "$(num "$n" after_budget_ns)" "$2"
	expect "$1: deadline after" "$(num "$n" after_deadline_ns)" "$3"
	expect "$1: period after" "$(num "$n" after_period_ns)" 10000000
done
r=$(graph "$tmp/g" rogue)
expect "rogue state" "$(num "$r" state)" '"refused"'
expect "rogue error" "$(first "$r" error)" '"authority does not allow this"'
expect "rogue changed nothing" "$(first "$r" changed)" false
n=$(node "$r" viewer)
expect "rogue's budget (capture's SC) unchanged" \
	"$(num "$n" before_budget_ns) $(num "$n" before_deadline_ns)" \
	"$(num "$n" after_budget_ns) $(num "$n" after_deadline_ns)"
ctl=$(num "$(req "$tmp/g" viewer_ctl 0)" tid)
records "$tmp/g" | grep -q "\"kind\":\"deny\",\"cause\":\"graph\",\"tid\":$ctl," ||
	fail "no deny/graph record for the rogue coordinator (t$ctl)"
expect "rogue request's error" "$(num "$(req "$tmp/g" viewer_ctl 0)" error)" '"authority does not allow this"'
# Nothing changed: with the rogue request replaced by one that asks nothing of the budgets
# (an explanation, at the same instant), the pipeline is the same, byte for byte.
sed 's/{ "at_ms": 80, "kind": "graph", "graph": "rogue" }/{ "at_ms": 80, "kind": "explain" }/' \
	"$ex/graph.json" > "$tmp/norogue.json"
cp "$ex/policy.manifest" "$tmp/"
grep -q '"rogue" }' "$tmp/norogue.json" && fail "could not make norogue.json"
"$sim" --cpus 4 --check --json "$tmp/norogue.json" > "$tmp/g0" || fail "norogue.json"
expect "the pipeline without the rogue request" "$(graph "$tmp/g0" pipeline)" "$g"
ok "graph.json: mapped onto its budgets, $(first "$g" mapped_instances) instances within 8 ms; the rogue coordinator refused with a deny/graph record, nothing changed"

# --- 3. --explain on the demo: migrations with their causes -----------------------------------

"$sim" --cpus 4 --smt 2 --explain "$ex/demo.json" > "$tmp/d"
migr=$(sed -n 's/^migrations: \([0-9]*\) in all.*/\1/p' "$tmp/d")
lines=$(grep -c '^t[0-9]* migrated at [0-9.]* s: CPU [0-9]* -> CPU [0-9]* (\(wake\|balance\|steal\|rotate\|push\|lease\|hotplug\|affinity\))$' "$tmp/d")
atleast "demo migrations" "$migr" 1
expect "demo: a migration record per migration" "$lines" "$migr"
"$sim" --cpus 4 --smt 2 "$ex/demo.json" > "$tmp/d0"
sed '/^decisions: /,$d' "$tmp/d" | sed '$d' > "$tmp/d1"
cmp -s "$tmp/d0" "$tmp/d1" || fail "--explain changed the demo's report"
ok "--explain on demo.json: $lines migration records with their causes, the report unchanged"

# --- 4. an island through the service; the loader's messages -----------------------------------

cat > "$tmp/isl.json" <<'EOF2'
{
	"global": { "duration": 0.3 },
	"policy": {
		"manifest": [ "profile rt nice=0 island=yes", "profile plain nice=0",
			      "rule process=audio profile=rt", "default profile=plain" ],
		"service": { "cpu": 0 }
	},
	"libsched": { "islands": [
		{ "name": "audio", "group": "audio", "cpus": [1], "mode": "shared",
		  "members": [ { "thread": "loop", "budget_us": 1000, "period_us": 10000 } ] },
		{ "name": "other", "group": "other", "cpus": [2], "mode": "shared",
		  "members": [ { "thread": "loop2", "budget_us": 1000, "period_us": 10000 } ] } ] },
	"tasks": {
		"loop": { "loop": -1, "run": 500, "timer": { "ref": "unique", "period": 10000 },
			  "libsched": { "group": "audio" } },
		"loop2": { "loop": -1, "run": 500, "timer": { "ref": "unique", "period": 10000 },
			   "libsched": { "group": "other" } },
		"ctl": { "libsched": { "process": "audio", "requests": [
			{ "at_ms": 5, "kind": "island", "island": "audio" } ] } },
		"ctl2": { "libsched": { "process": "viewer", "requests": [
			{ "at_ms": 5, "kind": "island", "island": "other" } ] } },
		"hog": { "instance": 3, "loop": -1, "run": 100000 }
	}
}
EOF2
"$sim" --cpus 3 --check --json "$tmp/isl.json" > "$tmp/i" || fail "isl.json"
isl() { sed 's/.*"islands":\[//; s/\],"mem_pools":.*//; s/{"name":/\
{"name":/g' "$1" | grep "^{\"name\":\"$2\","; }
expect "island asked by its process" "$(num "$(isl "$tmp/i" audio)" state)" '"admitted"'
expect "island asked by another" "$(num "$(isl "$tmp/i" other)" state)" '"refused"'
expect "its member's jobs missed" "$(num "$(thread "$tmp/i" loop 0)" misses)" 0
expect "the refusal" "$(num "$(req "$tmp/i" ctl2 0)" error)" '"authority does not allow this"'
ok "an island asked for through the service: admitted for its process, refused for another"

# load_error NAME JSON MESSAGE: the workload is refused (status 1) with MESSAGE on stderr.
load_error() {
	printf '%s\n' "$2" > "$tmp/$1.json"
	set +e
	"$sim" "$tmp/$1.json" > /dev/null 2> "$tmp/err"
	st=$?
	set -e
	expect "$1: status" "$st" 1
	grep -qF -- "$3" "$tmp/err" || fail "$1: got '$(cat "$tmp/err")', expected '$3'"
}
svc='"policy": { "manifest": [ "profile p nice=0", "default profile=p" ] }'
load_error kind "{ $svc, \"tasks\": { \"a\": { \"libsched\": { \"requests\": [ { \"kind\": \"nap\" } ] } } } }" \
	"key 'kind': expected \"profile\", \"admit_sc\""
load_error nopolicy '{ "tasks": { "a": { "libsched": { "requests": [ { "kind": "profile" } ] } } } }' \
	"task 'a' makes requests: the workload needs a \"policy\" section"
load_error extra "{ $svc, \"tasks\": { \"a\": { \"libsched\": { \"requests\": [ { \"kind\": \"profile\", \"cpus\": [1] } ] } } } }" \
	"key 'cpus': not a key of a \"profile\" request"
load_error coord "{ \"policy\": { \"manifest\": [ \"profile p nice=0\", \"default profile=p\" ], \"graphs\": [ { \"name\": \"g\", \"coordinator\": \"a\", \"period_ms\": 10, \"nodes\": [ { \"task\": \"s\", \"cost_ms\": 1 } ] } ] }, \"tasks\": { \"a\": { \"run\": 1 }, \"b\": { \"libsched\": { \"requests\": [ { \"kind\": \"graph\", \"graph\": \"g\" } ] } }, \"s\": {} } }" \
	"graph 'g' is coordinated by 'a': only its coordinator asks for it"
load_error manifest '{ "policy": { "manifest": [ "profile p wieght=1", "default profile=p" ] }, "tasks": { "a": { "run": 1 } } }' \
	'manifest:1:11: unknown key'
ok "the loader refuses bad requests, graphs and manifests with file, line and key"
