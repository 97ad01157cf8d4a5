#!/bin/sh
# schedsim_sweep.sh SCHEDSIM TESTS_DIR - the experiment tools of tools/ (docs/experiments.md):
# a 24-run sweep (tests/sweep_small.json) gives the same bytes unsharded, with one or two
# jobs, and as 3 shards merged (CSV and JSON Lines); taskgen.py's task sets have the
# utilisations asked for (sum within rounding, each <= the cap), the same seed gives the
# same bytes and another seed others, and schedsim runs them; argument errors exit 2.
# plot.py is tried only where matplotlib is installed. Needs python3 (else skipped, 77).
set -eu
sim=$1 dir=$2
tools="$dir/../tools"
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: skipped"; exit 77; }
# the interpreter itself, once: a version manager's python3 wrapper can take a second a call
py=$(python3 -c 'import sys; print(sys.executable)')
# the checks import tools/*.py: leave no __pycache__ in the source tree
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }
ok() { echo "ok - $*"; }
sweep() { "$py" "$tools/sweep.py" "$@"; }

# The sweep, unsharded (two jobs, then one), and as 3 shards merged in another order.
sweep run "$dir/sweep_small.json" -o "$tmp/all" -j 2 -q --schedsim "$sim"
sweep run "$dir/sweep_small.json" -o "$tmp/one" -j 1 -q --schedsim "$sim"
for k in 1 2 3; do
	sweep run "$dir/sweep_small.json" -o "$tmp/s$k" --shard "$k/3" -q --schedsim "$sim"
done
sweep merge -o "$tmp/merged" "$tmp/s3.csv" "$tmp/s1.csv" "$tmp/s2.csv" \
	"$tmp/s2.jsonl" "$tmp/s3.jsonl" "$tmp/s1.jsonl"
rows=$(tail -n +2 "$tmp/all.csv" | wc -l)
[ "$rows" = 24 ] || fail "the sweep has $rows rows, not 24"
[ "$(wc -l < "$tmp/all.jsonl")" = 24 ] || fail "the JSON Lines have not 24 rows"
for ext in csv jsonl; do
	cmp -s "$tmp/all.$ext" "$tmp/one.$ext" || fail "$ext: -j 1 and -j 2 differ"
	cmp -s "$tmp/all.$ext" "$tmp/merged.$ext" || fail "$ext: 3 shards merged differ"
done
ok "24 runs: -j 1, -j 2 and 3 shards merged give the same bytes (CSV and JSONL)"

# Every run completed, rows in run order, and the figures add up.
"$py" - "$tmp/all.jsonl" <<'PY' || fail "rows"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["run"] for r in rows] == list(range(24)), "run order"
for r in rows:
    assert r["status"] == 0, r
    assert r["admitted"] + r["refused"] == r["dl_threads"] == r["nthreads"] == 5, r
    if r["params"]["admission"] == "off":
        assert r["refused"] == 0, r
    assert r["schedulable"] == int(r["refused"] == 0 and r["rt_misses"] == 0), r
    assert len(r["threads"]) == 5 and r["wall_ns"] == 300000000, r
# the same task set under both policies: same threads, same coordinates otherwise
pairs = {}
for r in rows:
    key = (r["util"], r["seed"], r["params"]["admission"])
    pairs.setdefault(key, set()).add(r["policy"])
assert all(v == {"gedf", "pedf"} for v in pairs.values()), pairs
PY
ok "rows in run order, every run completed, figures consistent"

# A shard's rows are exactly those with index % N == K - 1.
idx=$(tail -n +2 "$tmp/s2.csv" | cut -d, -f1 | tr '\n' ' ')
[ "$idx" = "1 4 7 10 13 16 19 22 " ] || fail "shard 2/3 holds runs $idx"
ok "shard 2/3 holds runs 1, 4, .., 22"

# taskgen: utilisations, caps, deadlines, determinism, and schedsim loads the sets. One
# python3 for all of it (through taskgen's main(), as on the command line): a python3
# start costs a good part of a second on a busy machine.
"$py" - "$tools" "$sim" "$tmp" <<'PY' || fail "taskgen"
import json, subprocess, sys
tools, sim, tmp = sys.argv[1:4]
sys.path.insert(0, tools)
import taskgen
configs = ["-n 8 --util 2.4 --cpus 4", "-n 8 --util 2.4 --method randfixedsum",
           "-n 12 --util 3 --cap 0.5 --method randfixedsum", "-n 6 --util 3.9 --cpus 4",
           "-n 10 --util 1.5 --deadlines constrained --alpha 0.3 --granularity 1000",
           "-n 6 --util 1.2 --policy fifo --deadlines constrained --priorities dm"]
pmin = 5000
def check(path, target, cap):
    tasks = list(json.load(open(path))["tasks"].values())
    total = 0.0
    for t in tasks:
        c, period = t["run"], t["timer"]["period"]
        if t["policy"] == "SCHED_DEADLINE":
            assert t["dl-runtime"] == c and t["dl-period"] == period, t
            assert c <= t["dl-deadline"] <= period, t
        # C is rounded to the microsecond: half a microsecond per period at most
        assert c / period <= cap + 0.5 / period, (path, c, period, cap)
        total += c / period
    tol = len(tasks) * 0.5 / pmin
    assert abs(total - target) <= tol, (path, total, target, tol)
for i, conf in enumerate(configs):
    argv = conf.split() + ["--pmin", str(pmin), "--pmax", "200000", "--duration", "0.2"]
    target = float(argv[argv.index("--util") + 1])
    cap = float(argv[argv.index("--cap") + 1]) if "--cap" in argv else 1.0
    texts = {}
    for seed in (1, 2, 3, 1):
        path = "%s/g%d-%d.json" % (tmp, i, seed)
        assert taskgen.main(argv + ["--seed", str(seed), "-o", path]) == 0, conf
        text = open(path).read()
        assert texts.setdefault(seed, text) == text, "%s: seed %d twice differs" % (conf, seed)
        check(path, target, cap)
        subprocess.run([sim, "--cpus", "4", "--json", path], stdout=subprocess.DEVNULL,
                       check=True)
    assert len(set(texts.values())) == 3, "%s: two seeds gave one set" % conf
PY
ok "taskgen: utilisations sum to the target, each <= the cap, seeds repeat, schedsim runs them"

# Argument errors name the argument and exit 2.
expect2() { # WHAT-TO-FIND COMMAND...
	want=$1; shift
	set +e; "$@" > /dev/null 2> "$tmp/err"; rc=$?; set -e
	[ "$rc" = 2 ] || fail "$* exited $rc, not 2"
	grep -q -- "$want" "$tmp/err" || fail "$*: the message does not name $want"
}
expect2 "--util" "$py" "$tools/taskgen.py" -n 2 --util 3
expect2 "--cap" "$py" "$tools/taskgen.py" -n 2 --util 1 --cap 2
expect2 "--shard" "$py" "$tools/sweep.py" run "$dir/sweep_small.json" -o "$tmp/x" --shard 4/3
expect2 "--jobs" "$py" "$tools/sweep.py" run "$dir/sweep_small.json" -o "$tmp/x" --jobs 0
ok "argument errors exit 2 and name the argument"

# The plots, where matplotlib is installed (it is optional): this python3 first, then the
# system's, which is where Debian's python3-matplotlib lands when python3 is another one.
# One interpreter for the three plots: importing matplotlib takes seconds.
plotpy=
for p in "$py" /usr/bin/python3; do
	if "$p" -c 'import matplotlib' 2>/dev/null; then plotpy=$p; break; fi
done
if [ -n "$plotpy" ]; then
	"$plotpy" - "$tools" "$tmp" <<'PY' 2>/dev/null || fail "plot.py"
import sys
tools, tmp = sys.argv[1:3]
sys.path.insert(0, tools)
import plot
assert plot.main(["acceptance", tmp + "/all.csv", "-o", tmp + "/acc.png", "--cpus", "2"]) == 0
assert plot.main(["scatter", tmp + "/all.csv", "-o", tmp + "/sc.png", "--x", "gedf",
                  "--y", "pedf", "--select", "admission=off"]) == 0
assert plot.main(["shares", tmp + "/all.jsonl", "-o", tmp + "/sh.png", "--select", "util=1.8",
                  "--select", "seed=1", "--select", "admission=off"]) == 0
for name in ("acc", "sc", "sh"):
    assert open("%s/%s.png" % (tmp, name), "rb").read(8) == b"\x89PNG\r\n\x1a\n", name
PY
	ok "plot.py writes PNGs"
else
	ok "# skip plot.py: matplotlib is not installed"
fi
