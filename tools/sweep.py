#!/usr/bin/env python3
"""Run a matrix of schedsim experiments and collect one result row per run.

A sweep file (JSON) names workloads (rt-app files, or taskgen.py task sets
over a range of utilisations), policies (named lists of schedsim flags),
parameters (lists of values substituted into flags and generator arguments)
and seeds. Every combination is one run, numbered from 0 in a fixed order:
workload, utilisation, seed, parameter values, policy. Each run calls
`schedsim --json` and keeps figures of its report.

    sweep.py run SWEEP.json -o OUT [--jobs N] [--shard K/N]
        writes OUT.csv and OUT.jsonl, rows in run order whatever --jobs;
        --shard K/N keeps only the runs whose index % N == K - 1
    sweep.py merge -o OUT A.csv B.csv ... A.jsonl B.jsonl ...
        joins shards: the union is byte for byte the unsharded output
    sweep.py list SWEEP.json
        prints the runs (index, coordinates, command) without running them

Rows hold no host times, so the same sweep always writes the same bytes.
See docs/experiments.md for the sweep file's format.
"""

import argparse
import concurrent.futures
import csv
import hashlib
import io
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading

# no __pycache__ left in the source tree by the import of the sibling file
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import taskgen  # noqa: E402  (a sibling file, not an installed module)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SCHEDSIM = os.environ.get("SCHEDSIM", os.path.join(ROOT, "build/arch/sim/schedsim"))

# CSV columns after the coordinates; the JSONL rows have the same keys,
# plus "threads", one object per thread of the report.
FIGURES = ["status", "error", "nthreads", "dl_threads", "admitted", "refused",
           "rt_jobs", "rt_misses", "missed_threads", "sc_jobs", "sc_misses",
           "lateness_max_ns", "resp_p50_max_ns", "resp_p99_max_ns", "resp_max_ns",
           "lat_p99_max_ns", "lat_max_ns", "events", "migrations", "busy_ns", "wall_ns",
           "schedulable", "shares", "logs"]
COORDS = ["run", "workload", "util", "seed", "policy", "params"]


class SweepError(Exception):
    """The sweep file is unusable; the message names the key."""


# ---------------------------------------------------------------- sweep file

def expand_util(spec, where):
    """A utilisation list from a number, a list or {"from", "to", "step"}."""
    if spec is None:
        return [None]
    if isinstance(spec, (int, float)):
        return [spec]
    if isinstance(spec, list) and spec and all(isinstance(v, (int, float)) for v in spec):
        return spec
    if isinstance(spec, dict) and set(spec) == {"from", "to", "step"}:
        lo, hi, step = spec["from"], spec["to"], spec["step"]
        if step <= 0 or hi < lo:
            raise SweepError("%s: needs step > 0 and to >= from" % where)
        count = int(round((hi - lo) / step)) + 1
        # rounded so that 0.1 + 2 x 0.1 prints as 0.3 in every row
        return [round(lo + i * step, 10) for i in range(count)]
    raise SweepError("%s: a number, a list of numbers or {\"from\", \"to\", \"step\"}" % where)


def expand_seeds(spec):
    if isinstance(spec, list) and spec and all(isinstance(s, int) and s >= 0 for s in spec):
        return spec
    if isinstance(spec, dict) and set(spec) == {"from", "count"}:
        return list(range(spec["from"], spec["from"] + spec["count"]))
    raise SweepError("seeds: a list of integers >= 0 or {\"from\", \"count\"}")


def load_sweep(path):
    """The sweep file, checked, with utilisations and seeds expanded."""
    try:
        with open(path) as f:
            sweep = json.load(f)
    except (OSError, ValueError) as err:
        raise SweepError(str(err))
    if not isinstance(sweep, dict):
        raise SweepError("the top level must be an object")
    known = {"workloads", "policies", "params", "flags", "seeds"}
    for key in sweep:
        if key not in known:
            raise SweepError("unknown key '%s' (known: %s)" % (key, ", ".join(sorted(known))))
    base = os.path.dirname(os.path.abspath(path))
    workloads = []
    for i, w in enumerate(sweep.get("workloads") or []):
        where = "workloads[%d]" % i
        if not isinstance(w, dict) or not isinstance(w.get("name"), str) or not w["name"]:
            raise SweepError("%s: needs a non-empty \"name\"" % where)
        if ("file" in w) == ("generate" in w):
            raise SweepError("%s: needs one of \"file\" and \"generate\"" % where)
        extra = set(w) - {"name", "file", "generate", "util"}
        if extra:
            raise SweepError("%s: unknown key '%s'" % (where, sorted(extra)[0]))
        if "file" in w:
            if "util" in w:
                raise SweepError("%s: \"util\" is for \"generate\" workloads" % where)
            workloads.append({"name": w["name"], "file": os.path.join(base, w["file"]),
                              "utils": [None]})
        else:
            if not isinstance(w["generate"], dict):
                raise SweepError("%s.generate: must be an object of taskgen arguments" % where)
            if "util" not in w:
                raise SweepError("%s: a generated workload needs \"util\"" % where)
            workloads.append({"name": w["name"], "generate": w["generate"],
                              "utils": expand_util(w["util"], where + ".util")})
    if not workloads:
        raise SweepError("workloads: at least one is needed")
    policies = sweep.get("policies") or {"default": []}
    if not isinstance(policies, dict) or not all(
            isinstance(v, list) and all(isinstance(f, str) for f in v) for v in policies.values()):
        raise SweepError("policies: an object of name: [flag, ...] (strings)")
    params = sweep.get("params") or {}
    if not isinstance(params, dict) or not all(
            isinstance(v, list) and v for v in params.values()):
        raise SweepError("params: an object of name: [value, ...] (non-empty lists)")
    flags = sweep.get("flags") or []
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise SweepError("flags: a list of strings")
    seeds = expand_seeds(sweep.get("seeds", [1]))
    return {"workloads": workloads, "policies": policies, "params": params,
            "flags": flags, "seeds": seeds}


def substitute(value, values):
    """value with {name} replaced by values[name]: strings, lists, dicts.

    A string that is exactly "{name}" takes the value itself (a number stays
    a number, for generator arguments)."""
    if isinstance(value, str):
        for name, v in values.items():
            if value == "{%s}" % name:
                return v
        try:
            return value.format(**values)
        except (KeyError, IndexError, ValueError) as err:
            raise SweepError("cannot substitute into '%s': %s" % (value, err))
    if isinstance(value, list):
        return [substitute(v, values) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, values) for k, v in value.items()}
    return value


def plan(sweep):
    """Every run of the sweep, as dicts, in run-index order."""
    names = list(sweep["params"])
    combos = [dict(zip(names, c)) for c in itertools.product(*sweep["params"].values())]
    runs = []
    for w in sweep["workloads"]:
        for util in w["utils"]:
            for seed in sweep["seeds"]:
                for values in combos:
                    for policy, pflags in sweep["policies"].items():
                        env = dict(values, seed=seed, util=util, policy=policy)
                        run = {"run": len(runs), "workload": w["name"], "util": util,
                               "seed": seed, "policy": policy, "params": values,
                               "flags": substitute(sweep["flags"] + pflags, env)}
                        if "file" in w:
                            run["file"] = w["file"]
                        else:
                            gen = substitute(w["generate"], env)
                            gen.update(util=util, seed=seed)
                            run["generate"] = gen
                        runs.append(run)
    return runs


# ---------------------------------------------------------------- task sets

# taskgen's defaults, read once from its parser
GEN_DEFAULTS = vars(taskgen.build_parser().parse_args(["-n", "1", "--util", "1"]))


def gen_namespace(spec):
    """taskgen's arguments for a generator spec, defaults filled in."""
    args = argparse.Namespace(**GEN_DEFAULTS)
    for key, value in spec.items():
        if key not in GEN_DEFAULTS or key == "output":
            raise SweepError("generate: unknown taskgen argument '%s'" % key)
        setattr(args, key, value)
    try:
        problem = taskgen.problem(args)
    except TypeError:
        problem = "a value has the wrong type"
    if problem:
        raise SweepError("generate %s: %s" % (json.dumps(spec, sort_keys=True), problem))
    return args


class TaskSets:
    """Writes each distinct generated task set once, in workdir."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.lock = threading.Lock()
        self.paths = {}

    def path(self, run):
        key = json.dumps(run["generate"], sort_keys=True)
        with self.lock:
            if key not in self.paths:
                digest = hashlib.sha1(key.encode()).hexdigest()[:12]
                path = os.path.join(self.workdir, "%s-%s.json" % (run["workload"], digest))
                # written aside, then renamed: shards sharing a --workdir may write the
                # same set while another's schedsim reads it
                text = taskgen.generate(gen_namespace(run["generate"]))
                tmp = "%s.%d.tmp" % (path, os.getpid())
                with open(tmp, "w") as f:
                    f.write(text)
                os.replace(tmp, path)
                self.paths[key] = path
            return self.paths[key]


# ---------------------------------------------------------------- one run

def command(run, schedsim, path, logs):
    cmd = [schedsim, "--json", "--seed", str(run["seed"])] + run["flags"]
    if logs:
        cmd += ["--rtapp-logs", os.path.join(logs, "run-%06d" % run["run"])]
    return cmd + [path]


def pmax(values):
    """The largest of values that are not None, or None."""
    values = [v for v in values if v is not None]
    return max(values) if values else None


def figures(report):
    """The row's figures from a schedsim --json report."""
    threads = report["threads"]
    adm = {(a["task"], a["instance"]): a["accepted"] for a in report["admission"]}
    wall = report["sim"]["wall_ns"]
    rts = [t["rt"] for t in threads if "rt" in t]
    out = {
        "nthreads": len(threads),
        "dl_threads": len(adm),
        "admitted": sum(1 for a in adm.values() if a),
        "refused": sum(1 for a in adm.values() if not a),
        "rt_jobs": sum(r["jobs"] for r in rts),
        "rt_misses": sum(r["misses"] for r in rts),
        "missed_threads": sum(1 for r in rts if r["misses"]),
        "sc_jobs": sum(t["jobs"] for t in threads),
        "sc_misses": sum(t["deadline_misses"] for t in threads),
        "lateness_max_ns": pmax(r["lateness_max_ns"] for r in rts),
        "resp_p50_max_ns": pmax(r["response_ns"]["p50"] for r in rts),
        "resp_p99_max_ns": pmax(r["response_ns"]["p99"] for r in rts),
        "resp_max_ns": pmax(r["response_ns"]["max"] for r in rts),
        "lat_p99_max_ns": pmax(t["wake_latency_ns"]["p99"] for t in threads),
        "lat_max_ns": pmax(t["wake_latency_ns"]["max"] for t in threads),
        "events": report["sim"]["events"],
        "migrations": report["sim"]["migrations"],
        "busy_ns": sum(c["busy_ns"] for c in report["cpus"]),
        "wall_ns": wall,
    }
    # a task set is schedulable when every reservation was admitted and no
    # job missed its deadline
    out["schedulable"] = int(out["refused"] == 0 and out["rt_misses"] == 0)
    per_thread = []
    for t in threads:
        rt = t.get("rt") or {}
        resp = rt.get("response_ns") or {}
        per_thread.append({
            "name": t["name"], "instance": t["instance"], "runtime_ns": t["runtime_ns"],
            "share": round(t["runtime_ns"] / wall, 6) if wall else 0.0,
            "admitted": adm.get((t["name"], t["instance"])),
            "rt_jobs": rt.get("jobs"), "rt_misses": rt.get("misses"),
            "resp_p50_ns": resp.get("p50"), "resp_p99_ns": resp.get("p99"),
            "resp_max_ns": resp.get("max"),
            "lat_p99_ns": t["wake_latency_ns"]["p99"]})
    out["shares"] = ";".join("%s/%d:%s" % (t["name"], t["instance"], t["share"])
                             for t in per_thread)
    return out, per_thread


def execute(run, schedsim, sets, logs):
    """Run one experiment; returns its row (a dict, JSONL key order)."""
    row = {k: run[k] for k in COORDS}
    row.update({k: None for k in FIGURES})
    per_thread = []
    try:
        path = run["file"] if "file" in run else sets.path(run)
    except (SweepError, taskgen.GenError, OSError) as err:
        row.update(status=-1, error="taskgen: %s" % err)
        row["threads"] = []
        return row
    proc = subprocess.run(command(run, schedsim, path, logs), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True)
    row["status"] = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
    if proc.returncode == 0:
        try:
            figs, per_thread = figures(json.loads(proc.stdout))
            row.update(figs)
        except (ValueError, KeyError) as err:
            row.update(status=-1, error="bad report: %s" % err)
    else:
        # the message names the task set's path: keep only its base name,
        # so that rows do not depend on where the sweep ran
        lines = proc.stderr.strip().splitlines() or [""]
        row["error"] = lines[0].replace(os.path.dirname(path) + os.sep, "")
    if logs:
        row["logs"] = "run-%06d" % run["run"]
    row["threads"] = per_thread
    return row


# ---------------------------------------------------------------- output

def csv_line(row):
    """One CSV line (with its newline) for a row: per-thread data left out."""
    buf = io.StringIO()
    cells = []
    for key in COORDS + FIGURES:
        value = row[key]
        if key == "params":
            value = json.dumps(value, sort_keys=True, separators=(",", ":"))
        cells.append("" if value is None else value)
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def jsonl_line(row):
    return json.dumps(row, separators=(",", ":")) + "\n"


CSV_HEADER = ",".join(COORDS + FIGURES) + "\n"


def parse_shard(text):
    try:
        k, n = (int(v) for v in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError("expected K/N, got '%s'" % text)
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError("expected 1 <= K <= N, got '%s'" % text)
    return k, n


def cmd_run(args):
    if not os.path.isfile(args.sweep):
        print("sweep.py: argument sweep: no such file: %s" % args.sweep, file=sys.stderr)
        return 2
    try:
        sweep = load_sweep(args.sweep)
        runs = plan(sweep)
        for run in runs:
            if "generate" in run:
                gen_namespace(run["generate"])
    except SweepError as err:
        print("sweep.py: %s: %s" % (args.sweep, err), file=sys.stderr)
        return 1
    k, n = args.shard
    runs = [r for r in runs if r["run"] % n == k - 1]
    if not (os.path.isfile(args.schedsim) and os.access(args.schedsim, os.X_OK)):
        print("sweep.py: --schedsim: not an executable file: %s" % args.schedsim,
              file=sys.stderr)
        return 2
    workdir = args.workdir or tempfile.mkdtemp(prefix="sweep-")
    os.makedirs(workdir, exist_ok=True)
    sets = TaskSets(workdir)
    try:
        write_rows(args, runs, sets)
    finally:
        if not args.workdir:
            for name in os.listdir(workdir):
                os.unlink(os.path.join(workdir, name))
            os.rmdir(workdir)
    return 0


def write_rows(args, runs, sets):
    """Run everything on args.jobs threads; rows go out in run order."""
    logs = os.path.abspath(args.logs) if args.logs else None
    with open(args.output + ".csv", "w") as fcsv, open(args.output + ".jsonl", "w") as fjs, \
            concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        fcsv.write(CSV_HEADER)
        # bounded submission: a 100,000-run sweep does not queue 100,000 futures
        window = 4 * args.jobs
        pending = {}
        it = iter(runs)
        done = 0
        for run in itertools.islice(it, window):
            pending[run["run"]] = pool.submit(execute, run, args.schedsim, sets, logs)
        order = [r["run"] for r in runs]
        for index in order:
            row = pending.pop(index).result()
            fcsv.write(csv_line(row))
            fjs.write(jsonl_line(row))
            done += 1
            nxt = next(it, None)
            if nxt is not None:
                pending[nxt["run"]] = pool.submit(execute, nxt, args.schedsim, sets, logs)
            if not args.quiet and (done % 500 == 0 or done == len(order)):
                print("sweep.py: %d/%d runs" % (done, len(order)), file=sys.stderr)


def cmd_list(args):
    try:
        runs = plan(load_sweep(args.sweep))
    except SweepError as err:
        print("sweep.py: %s: %s" % (args.sweep, err), file=sys.stderr)
        return 1
    for run in runs:
        what = run.get("file") or "taskgen " + json.dumps(run["generate"], sort_keys=True)
        print(run["run"], run["workload"], run["util"], run["seed"], run["policy"],
              json.dumps(run["params"], sort_keys=True), " ".join(run["flags"]), what)
    return 0


def merge_lines(paths, header, index_of):
    """The data lines of every file, sorted by run index; header checked."""
    rows = {}
    for path in paths:
        with open(path) as f:
            lines = f.readlines()
        if header is not None:
            if not lines or lines[0] != header:
                raise SweepError("%s: not a sweep CSV (its header differs)" % path)
            lines = lines[1:]
        for line in lines:
            index = index_of(line)
            if index in rows:
                raise SweepError("%s: run %d is in two inputs" % (path, index))
            rows[index] = line
    missing = sorted(set(range(max(rows) + 1)) - set(rows)) if rows else []
    if missing:
        print("sweep.py: merge: %d runs missing (first: %d)" % (len(missing), missing[0]),
              file=sys.stderr)
    return [rows[i] for i in sorted(rows)]


def cmd_merge(args):
    csvs = [p for p in args.inputs if p.endswith(".csv")]
    jsonls = [p for p in args.inputs if p.endswith(".jsonl")]
    other = [p for p in args.inputs if p not in csvs and p not in jsonls]
    if other:
        print("sweep.py: merge: argument inputs: not .csv or .jsonl: %s" % other[0],
              file=sys.stderr)
        return 2
    missing = [p for p in args.inputs if not os.path.isfile(p)]
    if missing:
        print("sweep.py: merge: argument inputs: no such file: %s" % missing[0],
              file=sys.stderr)
        return 2
    try:
        if csvs:
            lines = merge_lines(csvs, CSV_HEADER, lambda l: int(l.split(",", 1)[0]))
            with open(args.output + ".csv", "w") as f:
                f.write(CSV_HEADER)
                f.writelines(lines)
        if jsonls:
            lines = merge_lines(jsonls, None, lambda l: json.loads(l)["run"])
            with open(args.output + ".jsonl", "w") as f:
                f.writelines(lines)
    except (SweepError, OSError, ValueError) as err:
        print("sweep.py: merge: %s" % err, file=sys.stderr)
        return 1
    return 0


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected an integer >= 1, got '%s'" % text)
    if value < 1:
        raise argparse.ArgumentTypeError("expected an integer >= 1, got '%s'" % text)
    return value


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="{run,merge,list}")
    sub.required = True
    r = sub.add_parser("run", help="run a sweep (or one shard of it)")
    r.add_argument("sweep", help="the sweep file (JSON)")
    r.add_argument("-o", "--output", required=True,
                   help="output prefix: writes PREFIX.csv and PREFIX.jsonl")
    r.add_argument("--jobs", "-j", type=positive_int, default=os.cpu_count() or 1,
                   help="runs at once (default: os.cpu_count(), %(default)s here)")
    r.add_argument("--shard", type=parse_shard, default=(1, 1),
                   help="K/N: only the runs with index %% N == K - 1 (default 1/1)")
    r.add_argument("--schedsim", default=DEFAULT_SCHEDSIM,
                   help="the schedsim binary (default $SCHEDSIM or build/arch/sim/schedsim)")
    r.add_argument("--workdir", help="keep generated task sets here (default: a temporary "
                   "directory, removed at the end)")
    r.add_argument("--logs", help="write each run's rt-app logs in LOGS/run-NNNNNN "
                   "(per-job response times, for plot.py cdf)")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    r.set_defaults(func=cmd_run)
    m = sub.add_parser("merge", help="join shards' outputs")
    m.add_argument("-o", "--output", required=True,
                   help="output prefix: writes PREFIX.csv and/or PREFIX.jsonl")
    m.add_argument("inputs", nargs="+", help="shard outputs, .csv and .jsonl")
    m.set_defaults(func=cmd_merge)
    ls = sub.add_parser("list", help="print the runs without running them")
    ls.add_argument("sweep", help="the sweep file (JSON)")
    ls.set_defaults(func=cmd_list)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
