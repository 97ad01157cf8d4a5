#!/bin/sh
# schedsim_scale.sh SCHEDSIM - schedsim at scale (docs/schedsim.md, "Limits"): a machine of
# 1,024 CPUs with 20,000 threads for 20 ms, then the invariant checker after every event
# (--check) on 256 CPUs with 2,000 threads for 10 ms (their 8 ms sleeps end in it). A few
# seconds on a busy 2-core host.
set -eu
sim=$1 tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }

# workload THREADS SLEEP_US: 90 % sleepers (100 us run), 10 % periodic (200 us / 10 ms).
workload() {
	p=$(($1 / 10))
	cat <<JSON
{ "global": { "duration": 1, "default_policy": "SCHED_OTHER" },
  "tasks": {
    "sleeper": { "instance": $(($1 - p)), "loop": -1, "run": 100, "sleep": $2 },
    "periodic": { "instance": $p, "loop": -1, "run": 200,
      "timer": { "ref": "tick", "period": 10000, "mode": "absolute" } } } }
JSON
}

max=$("$sim" --help 2>&1 | sed -n 's/.*--cpus N .*1\.\.\([0-9]*\).*/\1/p')
if [ "${max:-0}" -lt 1024 ]; then
	echo "ok - skipped: this schedsim is built for $max CPUs (meson option sim_max_cpus)"
	exit 77
fi

workload 20000 8000 > "$tmp/big.json"
"$sim" --cpus 1024 --duration 0.02 "$tmp/big.json" > "$tmp/big" || fail "1024 CPUs: status $?"
line='^schedsim: 1024 CPUs (smt 1), .*0\.020 s simulated, [1-9][0-9]* events$'
head -n 1 "$tmp/big" | grep -q "$line" || fail "1024 CPUs: $(head -n 1 "$tmp/big")"
[ "$(grep -c '^sleeper ' "$tmp/big")" = 18000 ] || fail "1024 CPUs: not 18000 sleepers"
echo "ok - 1024 CPUs, 20000 threads, 20 ms"

workload 2000 8000 > "$tmp/check.json"
"$sim" --cpus 256 --duration 0.01 --check "$tmp/check.json" > "$tmp/check" 2> "$tmp/err" ||
	fail "--check on 256 CPUs: status $?, $(head -n 3 "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "--check on 256 CPUs: $(head -n 3 "$tmp/err")"
echo "ok - --check: 256 CPUs, 2000 threads, 10 ms"
