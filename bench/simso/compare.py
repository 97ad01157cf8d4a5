#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
compare.py - schedsim and SimSo side by side on random zero-overhead EDF task sets.

For N random periodic task sets (UUniFast-discard utilisations, periods log-uniform in
10..100 ms rounded to whole ms, WCET = round(u * T) us, synchronous release) it runs:

  global       SimSo's global EDF (simso.schedulers.EDF) on m CPUs, and schedsim with
               every task a SCHED_DEADLINE thread free to run on every CPU;
  partitioned  the same tasks placed by first-fit decreasing utilisation (computed here),
               SimSo's partitioned EDF (EDF_mono per CPU) given that exact placement,
               and schedsim with each task's "cpus": [k].

It also runs a small exact EDF simulation of its own ("ref") to check SimSo, and SimSo a
second time with the task order reversed, to tell the sets whose outcome depends on how
equal deadlines are ordered (tie-sensitive sets) from those whose schedule is unique.

Per task it compares jobs, deadline misses and response times, from the best source
schedsim offers: its per-job rt-app logs (--rtapp-logs), its "rt" JSON object, or, before
those exist, its older SCHED_DEADLINE counters (jobs, deadline_misses, throttled_ns).

Standard library and SimSo only. SimSo is found through $SIMSO_DIR (compare.sh clones it
there); SimPy 2 (Debian: python3-simpy) must be importable.
See docs/simso.md.
"""

import argparse
import contextlib
import glob
import importlib
import io
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
from fractions import Fraction

MODES = ("global", "partitioned")


# ---------------------------------------------------------------------------------------
# Task sets
# ---------------------------------------------------------------------------------------

class Task:
    __slots__ = ("idx", "name", "C", "T", "D", "u")

    def __init__(self, idx, C, T, D):
        self.idx = idx
        self.name = "t%d" % idx
        self.C, self.T, self.D = C, T, D  # microseconds, integers
        self.u = Fraction(C, T)

    def __repr__(self):
        return "%s(C=%d,T=%d,D=%d)" % (self.name, self.C, self.T, self.D)


def uunifast_discard(rng, n, total, tries=100000):
    """UUniFast (Bini and Buttazzo), redrawn while any utilisation exceeds 1."""
    for _ in range(tries):
        us, left = [], total
        for i in range(1, n):
            nxt = left * rng.random() ** (1.0 / (n - i))
            us.append(left - nxt)
            left = nxt
        us.append(left)
        if all(u <= 1.0 for u in us):
            return us
    raise SystemExit("compare.py: UUniFast-discard found no set of %d tasks of total "
                     "utilisation %.3f in %d tries" % (n, total, tries))


def make_set(set_seed, a):
    """One task set; everything comes from Random(set_seed), so a set is reproduced by
    its seed and the same flags."""
    rng = random.Random(set_seed)
    total = rng.uniform(a.util_lo, a.util_hi)
    us = uunifast_discard(rng, a.tasks, total)
    tasks = []
    lo, hi = math.log(a.period_min), math.log(a.period_max)
    for i, u in enumerate(us):
        T = 1000 * int(round(math.exp(rng.uniform(lo, hi))))
        C = int(round(u * T))
        C = max(C, 10)  # schedsim: dl-runtime >= 10 us
        C = min(C, T)
        if a.constrained:
            # a whole number of ms in [C, T]
            D = 1000 * rng.randint(-(-C // 1000), T // 1000)
        else:
            D = T
        if a.break_ties:
            # shave i us off task i's deadline: two tasks' absolute deadlines then differ
            # by (a multiple of 1000) + (i - j) us, never 0, so EDF has no equal deadlines
            D -= i
        D = max(D, C)
        tasks.append(Task(i, C, T, D))
    return total, tasks


def first_fit_decreasing(tasks, m):
    """First fit by decreasing utilisation (ties: task order), exact fractions. A task
    that fits nowhere goes to the least loaded CPU (that CPU is then overloaded)."""
    load = [Fraction(0)] * m
    assign = [None] * len(tasks)
    overloaded = False
    for t in sorted(tasks, key=lambda t: (-t.u, t.idx)):
        for k in range(m):
            if load[k] + t.u <= 1:
                break
        else:
            k = min(range(m), key=lambda k: (load[k], k))
            overloaded = True
        assign[t.idx] = k
        load[k] += t.u
    return assign, overloaded


# ---------------------------------------------------------------------------------------
# Per-job records and the statistics compared
# ---------------------------------------------------------------------------------------
# A job is (release, deadline, end) in us from the synchronous release, end None when it
# had not finished at the horizon H. Counted jobs: release <= H (both simulators handle
# the events at the horizon instant itself).

def pct(sorted_vals, p):
    """Nearest rank, as schedsim's percentiles: rank ceil(n * p / 100), at least 1."""
    if not sorted_vals:
        return None
    r = max(1, -(-len(sorted_vals) * p // 100))
    return sorted_vals[r - 1]


def job_stats(jobs, H):
    jobs = [j for j in jobs if j[0] <= H]
    resp = [e - r for r, d, e in jobs if e is not None and e <= H]
    late_done = sum(1 for r, d, e in jobs if e is not None and e <= H and e > d)
    late_open = sum(1 for r, d, e in jobs if (e is None or e > H) and d <= H)
    lateness = [e - d for r, d, e in jobs if e is not None and e <= H]
    s = sorted(resp)
    return {
        "jobs": len(jobs),
        "completed": len(resp),
        "misses": late_done + late_open,
        "misses_done": late_done,
        "misses_open": late_open,
        "resp": resp,
        "p50": pct(s, 50),
        "p99": pct(s, 99),
        "max": s[-1] if s else None,
        "lateness_max": max(lateness) if lateness else None,
    }


def per_task_stats(jobs_by_task, H):
    return [job_stats(j, H) for j in jobs_by_task]


def same_schedule(a, b):
    return all(x["resp"] == y["resp"] and x["misses"] == y["misses"] and
               x["jobs"] == y["jobs"] for x, y in zip(a, b))


# ---------------------------------------------------------------------------------------
# Reference: a small exact EDF simulation (integer us), global or partitioned
# ---------------------------------------------------------------------------------------

def ref_edf(tasks, m, H, assign=None, reverse=False):
    """Jobs of a task run one after the other (a job starts once the previous one is
    done, as in SimSo and in a periodic rt-app thread). Global: the m active jobs with
    the earliest deadlines run; a running job keeps its CPU against an equal deadline;
    other ties go to the lower task index (the higher with reverse). Partitioned
    (assign given): one such EDF per CPU over its own tasks."""
    n = len(tasks)
    queues = [[] for _ in range(n)]   # pending jobs: [release, deadline, left]
    out = [[] for _ in range(n)]
    nxt = [0] * n                     # next release
    running = set()
    clusters = ([list(range(n))] if assign is None else
                [[i for i in range(n) if assign[i] == k] for k in range(m)])
    width = m if assign is None else 1
    t = 0
    while True:
        for i in range(n):
            while nxt[i] <= t and nxt[i] <= H:
                queues[i].append([nxt[i], nxt[i] + tasks[i].D, tasks[i].C])
                nxt[i] += tasks[i].T
        new_running = set()
        for cl in clusters:
            act = [i for i in cl if queues[i]]
            act.sort(key=lambda i: (queues[i][0][1], 0 if i in running else 1,
                                    -i if reverse else i))
            new_running.update(act[:width])
        running = new_running
        cands = [nxt[i] for i in range(n) if nxt[i] <= H]
        cands += [t + queues[i][0][2] for i in running]
        if not cands:
            break
        t2 = min(cands)
        if t2 > H:
            break
        for i in running:
            queues[i][0][2] -= t2 - t
        t = t2
        for i in list(running):
            if queues[i][0][2] == 0:
                r, d, _ = queues[i].pop(0)
                out[i].append((r, d, t))
                running.discard(i)
    for i in range(n):
        for r, d, _ in queues[i]:
            out[i].append((r, d, None))
    return out


# ---------------------------------------------------------------------------------------
# SimSo
# ---------------------------------------------------------------------------------------

_simso = None


def simso_import():
    """Import SimSo from $SIMSO_DIR. The only adaptation needed on Python 3 is done at
    run time here, SimSo's files are not touched:
      - SimSo's global EDF prints one line per scheduling decision on stdout (a debug
        print left in simso/schedulers/EDF.py): every SimSo run has its stdout captured.
    """
    global _simso
    if _simso:
        return _simso
    d = os.environ.get("SIMSO_DIR")
    if d:
        sys.path.insert(0, d)
    try:
        importlib.import_module("SimPy.Simulation")  # SimPy 2, which SimSo is written for
    except ImportError:
        raise SystemExit("compare.py: SimPy 2 is not importable by %s (Debian: apt-get "
                         "install python3-simpy; run with /usr/bin/python3)" % sys.executable)
    try:
        from simso.core import Model
        from simso.configuration import Configuration
        from simso.core.Scheduler import SchedulerInfo
        from simso.utils.PartitionedScheduler import PartitionedScheduler
        import simso
    except ImportError as e:
        raise SystemExit("compare.py: cannot import SimSo (%s); set SIMSO_DIR to a "
                         "checkout of github.com/MaximeCheramy/simso" % e)

    class FixedPartitionEDF(PartitionedScheduler):
        """SimSo's partitioned EDF (simso.schedulers.P_EDF: one EDF_mono per CPU), with
        the placement given by the task's data["cpu"] instead of SimSo's own
        decreasing first fit, so that both simulators use the same partition."""

        def init(self):
            def packer(sched):
                procs = {p.identifier: p for p in sched.processors}
                for task in sched.task_list:
                    sched.affect_task_to_processor(task, procs[task.data["cpu"]])
                return True
            PartitionedScheduler.init(self, SchedulerInfo("simso.schedulers.EDF_mono"),
                                      packer)

    _simso = {"Model": Model, "Configuration": Configuration,
              "P_EDF": FixedPartitionEDF, "version": getattr(simso, "__version__", "?"),
              "path": os.path.dirname(os.path.dirname(os.path.abspath(simso.__file__)))}
    return _simso


def simso_run(tasks, m, H, assign=None, reverse=False):
    """One SimSo run; returns per task (in task order) its jobs (release, deadline, end).
    Units: cycles_per_ms = 1, so SimSo's "ms" and its cycle are both 1 us here and every
    date is an exact integer."""
    s = simso_import()
    cfg = s["Configuration"]()
    cfg.etm = "wcet"          # every job runs exactly its WCET
    cfg.cycles_per_ms = 1
    cfg.duration = H
    order = list(reversed(tasks)) if reverse else list(tasks)
    for t in order:
        cfg.add_task(name=t.name, identifier=t.idx + 1, task_type="Periodic",
                     period=t.T, activation_date=0, wcet=t.C, deadline=t.D,
                     abort_on_miss=False,  # a late job runs to its end, as in schedsim
                     data={"cpu": assign[t.idx] if assign else 0})
    for k in range(m):
        # context save / load and migration overheads 0 (the defaults, said explicitly)
        cfg.add_processor(name="CPU%d" % k, identifier=k, cs_overhead=0, cl_overhead=0,
                          migration_overhead=0)
    if assign is None:
        cfg.scheduler_info.clas = "simso.schedulers.EDF"
    else:
        cfg.scheduler_info.clas = s["P_EDF"]
    # scheduling-decision, activation and termination overheads 0
    cfg.scheduler_info.overhead = 0
    cfg.scheduler_info.overhead_activate = 0
    cfg.scheduler_info.overhead_terminate = 0
    cfg.check_all()
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        model = s["Model"](cfg)
        model.run_model()
    for line in captured.getvalue().splitlines():
        if "Can't schedule" in line or "oops" in line or "Error" in line:
            sys.stderr.write("simso: %s\n" % line)
    by_id = {t.identifier: t for t in model.task_list}
    out = []
    for t in tasks:
        st = by_id[t.idx + 1]
        jobs = []
        for j in st.jobs:
            r = int(round(j.activation_date))
            d = int(round(j.absolute_deadline))
            e = j.end_date
            jobs.append((r, d, None if e is None else int(e)))
        out.append(jobs)
    return out


# ---------------------------------------------------------------------------------------
# schedsim
# ---------------------------------------------------------------------------------------

class Schedsim:
    def __init__(self, path, a):
        self.path = path
        self.a = a
        try:
            h = subprocess.run([path, "--help"], capture_output=True, text=True,
                               timeout=30).stdout
        except OSError as e:
            raise SystemExit("compare.py: cannot run schedsim %s: %s" % (path, e))
        self.has_dl_mode = "--dl-mode" in h
        self.has_admission = "--admission" in h
        self.has_logs = "--rtapp-logs" in h

    def describe(self):
        f = []
        f.append("--dl-mode global" if self.has_dl_mode else
                 "no --dl-mode (deadline threads placed at wake, not pushed or pulled)")
        f.append("--admission off" if self.has_admission else "no --admission flag")
        f.append("--rtapp-logs" if self.has_logs else "no --rtapp-logs")
        return ", ".join(f)

    def workload(self, tasks, assign, lead):
        """rt-app JSON. Each task: a loop of a timer then a run of C, started at
        lead - T, so that its first tick, and its first job, is at `lead` for every task:
        a synchronous release at `lead` (the simulation's 0 is SimSo's -lead). rt-app and
        schedsim both start a timer's schedule at the thread's start; with the timer first,
        no job runs at the start itself.
        lead = 2 max(T): every start is at or after the end of the first server period
        (schedsim opens it at load time, at 0); a start between dl-deadline and dl-period
        would be throttled until the period's end (the constrained-deadline wake-up
        rule). That wait is harmless (the thread only goes to sleep until `lead`) but
        it would show in throttled_ns."""
        out = {}
        for t in tasks:
            d = {
                "policy": "SCHED_DEADLINE",
                "dl-runtime": min(t.C + self.a.budget_slack, t.D),
                "dl-period": t.T,
                "dl-deadline": t.D,
                "loop": -1,
                "delay": lead - t.T,
            }
            if assign is not None:
                d["cpus"] = [assign[t.idx]]
            d["timer"] = {"ref": "tick_" + t.name, "period": t.T, "mode": "absolute"}
            d["run"] = t.C
            out[t.name] = d
        return {"global": {"duration": (lead + self.a.horizon) / 1e6,
                           "log_basename": "rt-app"}, "tasks": out}

    def run(self, tasks, m, mode, assign, workdir, tag):
        lead = 2 * max(t.T for t in tasks)
        wl = self.workload(tasks, assign, lead)
        wpath = os.path.join(workdir, tag + ".json")
        with open(wpath, "w") as f:
            json.dump(wl, f, indent=1)
        total = lead + self.a.horizon
        cmd = [self.path, "--cpus", str(m), "--json", "--seed", str(self.a.schedsim_seed),
               "--duration", "%d.%06d" % divmod(total, 1000000)]
        if self.has_dl_mode and mode == "global":
            cmd += ["--dl-mode", "global"]
        if self.has_admission:
            cmd += ["--admission", "off"]
        logdir = None
        if self.has_logs:
            logdir = os.path.join(workdir, tag + ".logs")
            os.makedirs(logdir, exist_ok=True)
            cmd += ["--rtapp-logs", logdir]
        cmd += self.a.schedsim_arg
        cmd.append(wpath)
        p = subprocess.run(cmd, capture_output=True, text=True)
        with open(os.path.join(workdir, tag + ".out"), "w") as f:
            f.write(p.stdout)
        if p.returncode != 0:
            return {"error": "status %d: %s" % (p.returncode, p.stderr.strip()[:300]),
                    "cmd": cmd}
        try:
            js = json.loads(p.stdout)
        except ValueError as e:
            return {"error": "bad JSON: %s" % e, "cmd": cmd}
        dur_ns = js.get("sim", {}).get("duration_ns")
        if dur_ns is not None and dur_ns != total * 1000:
            return {"error": "duration %s ns, expected %d" % (dur_ns, total * 1000),
                    "cmd": cmd}
        threads = {th["name"]: th for th in js.get("threads", [])}
        res = {"cmd": cmd, "lead": lead, "threads": threads, "logs": None}
        if logdir:
            res["logs"] = read_rtapp_logs(logdir, tasks, lead, self.a.horizon)
        return res


def read_rtapp_logs(logdir, tasks, lead, H):
    """Per task, its jobs from an rt-app log (columns idx perf run period start end rel_st
    slack c_duration c_period wu_lat, us). One line per loop = one job here (the loop is
    timer then run): it ends at rel_st + period (its end relative to the run's start;
    rt-app's start/end are absolute clock values) and was released at the k-th tick,
    lead + k T. Returns None when a task has no log."""
    out = []
    for t in tasks:
        files = (glob.glob(os.path.join(logdir, "*-%s.log" % t.name)) +
                 glob.glob(os.path.join(logdir, "*-%s-*.log" % t.name)) +
                 glob.glob(os.path.join(logdir, "%s.log" % t.name)))
        if not files:
            return None
        jobs = []
        with open(sorted(files)[0]) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                c = line.split()
                if len(c) < 7:
                    continue
                period, rel_st = float(c[3]), float(c[6])
                end = int(round(rel_st + period)) - lead
                k = len(jobs)
                r = k * t.T
                jobs.append((r, r + t.D, end))
        # jobs released by the horizon but not logged (not finished) are open
        k = len(jobs)
        while k * t.T <= H:
            jobs.append((k * t.T, k * t.T + t.D, None))
            k += 1
        out.append(jobs)
    return out


def legacy_expect(jobs, H):
    """What schedsim's SCHED_DEADLINE counters should say for a task whose jobs are
    `jobs` (the exact schedule): jobs = activations = its start (at lead - T, where it
    only blocks on its timer) plus every release that finds it blocked, i.e. the
    previous job ended strictly before it (a thread that reaches its timer at the tick
    or after goes on without blocking); throttled_ns = 0 when no job is late (a job never
    uses more than its budget)."""
    acts = 1
    prev_end = None
    for k, (r, d, e) in enumerate(jobs):
        if r > H:
            break
        if k == 0 or (prev_end is not None and prev_end < r):
            acts += 1
        prev_end = e
    return acts


# ---------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------

def compare_task(name, ref, sch, src):
    """Differences (field, simso, schedsim) between SimSo's stats `ref` and schedsim's."""
    diffs = []

    def chk(field, x, y):
        if x != y:
            diffs.append((field, x, y))

    if src == "logs":
        chk("jobs", ref["jobs"], sch["jobs"])
        chk("misses", ref["misses"], sch["misses"])
        chk("max_us", ref["max"], sch["max"])
        chk("p50_us", ref["p50"], sch["p50"])
        if ref["resp"] != sch["resp"]:
            k = next((i for i, (x, y) in enumerate(zip(ref["resp"], sch["resp"]))
                      if x != y), min(len(ref["resp"]), len(sch["resp"])))
            diffs.append(("response_us[job %d]" % k,
                          ref["resp"][k] if k < len(ref["resp"]) else None,
                          sch["resp"][k] if k < len(sch["resp"]) else None))
    elif src == "rt":
        rt = sch
        ns = lambda v: None if v is None else v * 1000
        chk("jobs", ref["jobs"], rt.get("jobs"))
        chk("misses", ref["misses"], rt.get("misses"))
        rn = rt.get("response_ns") or {}
        chk("max_ns", ns(ref["max"]), rn.get("max"))
        chk("p50_ns", ns(ref["p50"]), rn.get("p50"))
        chk("p99_ns", ns(ref["p99"]), rn.get("p99"))
        if "lateness_max_ns" in rt:
            chk("lateness_max_ns", ns(ref["lateness_max"]), rt.get("lateness_max_ns"))
    return diffs


def run_mode(mode, tasks, m, a, sim, workdir, set_seed):
    """One set in one mode. Returns a dict of what was found."""
    H = a.horizon
    assign, overloaded = (None, False)
    if mode == "partitioned":
        assign, overloaded = first_fit_decreasing(tasks, m)
    res = {"overloaded": overloaded, "assign": assign}
    fwd = simso_run(tasks, m, H, assign)
    rev = simso_run(tasks, m, H, assign, reverse=True)
    s_fwd = per_task_stats(fwd, H)
    s_rev = per_task_stats(rev, H)
    ref = per_task_stats(ref_edf(tasks, m, H, assign), H)
    ref_rev = per_task_stats(ref_edf(tasks, m, H, assign, reverse=True), H)
    tie = not same_schedule(s_fwd, s_rev) or not same_schedule(ref, ref_rev)
    res["tie"] = tie
    res["simso"] = s_fwd
    res["simso_misses"] = sum(x["misses"] for x in s_fwd)
    # SimSo against the reference: must agree where no tie decides anything
    res["ref_ok"] = same_schedule(s_fwd, ref) or same_schedule(s_rev, ref_rev)
    res["ref_diff"] = None
    if not res["ref_ok"] and not tie:
        for t, x, y in zip(tasks, s_fwd, ref):
            if x["resp"] != y["resp"] or x["misses"] != y["misses"]:
                res["ref_diff"] = (t.name, x["misses"], y["misses"], x["max"], y["max"])
                break
    res["diffs"] = []
    res["src"] = None
    res["compared"] = sim is not None
    if sim is None:
        return res
    tag = "set%d-%s" % (set_seed, mode)
    out = sim.run(tasks, m, mode, assign, workdir, tag)
    res["cmd"] = out.get("cmd")
    if "error" in out:
        res["src"] = "error"
        res["error"] = out["error"]
        return res
    th = out["threads"]
    if out["logs"] is not None:
        res["src"] = "logs"
        sch = per_task_stats(out["logs"], H)
        res["sch_misses"] = sum(x["misses"] for x in sch)
        for t, x, y in zip(tasks, s_fwd, sch):
            for d in compare_task(t.name, x, y, "logs"):
                res["diffs"].append((t.name,) + d)
        res["same_max"] = sum(1 for x, y in zip(s_fwd, sch) if x["max"] == y["max"])
        res["same_p50"] = sum(1 for x, y in zip(s_fwd, sch) if x["p50"] == y["p50"])
    elif all("rt" in th.get(t.name, {}) for t in tasks):
        res["src"] = "rt"
        res["sch_misses"] = sum(th[t.name]["rt"].get("misses", 0) for t in tasks)
        for t, x in zip(tasks, s_fwd):
            for d in compare_task(t.name, x, th[t.name]["rt"], "rt"):
                res["diffs"].append((t.name,) + d)
        rn = lambda t: th[t.name]["rt"].get("response_ns") or {}
        res["same_max"] = sum(1 for t, x in zip(tasks, s_fwd)
                              if rn(t).get("max") == (None if x["max"] is None
                                                      else x["max"] * 1000))
        res["same_p50"] = sum(1 for t, x in zip(tasks, s_fwd)
                              if rn(t).get("p50") == (None if x["p50"] is None
                                                      else x["p50"] * 1000))
    else:
        # schedsim's SCHED_DEADLINE counters: activations (wakes from a block), misses of
        # activations that ended after their SC deadline, throttled time. They say what
        # each job did only while no job is late: a late job runs straight into the next
        # one without blocking, the two are one activation, and the CBS postpones the
        # deadline, so the counter may not see the miss. Sets where the exact schedule
        # (SimSo) has a late job are therefore not compared.
        res["src"] = "legacy"
        res["sch_misses"] = sum(th.get(t.name, {}).get("deadline_misses", 0)
                                for t in tasks)
        if res["simso_misses"] > 0:
            res["compared"] = False
            return res
        for t, x, jobs in zip(tasks, s_fwd, fwd):
            y = th.get(t.name)
            if y is None:
                res["diffs"].append((t.name, "thread", "present", "absent"))
                continue
            exp = legacy_expect(jobs, H)
            if y.get("jobs") != exp:
                res["diffs"].append((t.name, "activations", exp, y.get("jobs")))
            if y.get("deadline_misses") != 0:
                res["diffs"].append((t.name, "misses", 0, y.get("deadline_misses")))
            if y.get("throttled_ns") != 0:
                res["diffs"].append((t.name, "throttled_ns", 0, y.get("throttled_ns")))
    return res


# ---------------------------------------------------------------------------------------
# Self test: sets worked out by hand
# ---------------------------------------------------------------------------------------

def self_test(a):
    """Checks SimSo and the reference against schedules worked out by hand (docs/simso.md,
    "Checked by hand"). Returns 0 when both agree with the hand results."""
    ok = True
    ms = 1000
    H = 30 * ms

    def check(label, got, want):
        nonlocal ok
        g = [(x["jobs"], x["completed"], x["misses"], x["resp"]) for x in got]
        if g != want:
            ok = False
            print("FAIL %s:\n  got  %s\n  want %s" % (label, g, want))
        else:
            print("ok   %s: %s" % (label, g))

    # 1. Global EDF, 2 CPUs, three tasks C = 6 ms, T = D = 10 ms, 30 ms.
    # t=0: three deadlines 10; t0, t1 run 0-6; t2 runs 6-12: ends 2 ms late.
    # t=10: t0 runs 10-16 (CPU 0 idle since 6); t1 waits for t2 (deadline 10) to end at 12,
    # runs 12-18; t2's 2nd job (released 10, queued behind its 1st) starts on CPU 0 at 16,
    # ends 22 > 20. t=20: t0 20-26, t1 waits for t2 (deadline 20) until 22, 22-28; t2's
    # 3rd job 26-32: its deadline 30 passes unfinished at the horizon.
    # Jobs released at 0, 10, 20, 30 (the horizon counts): 4 per task.
    # Misses: t2's three jobs, 0 for the others.
    tasks = [Task(i, 6 * ms, 10 * ms, 10 * ms) for i in range(3)]
    want = [(4, 3, 0, [6 * ms, 6 * ms, 6 * ms]),
            (4, 3, 0, [6 * ms, 8 * ms, 8 * ms]),
            (4, 2, 3, [12 * ms, 12 * ms])]
    check("SimSo global EDF 3 x (6, 10) on 2 CPUs",
          per_task_stats(simso_run(tasks, 2, H), H), want)
    check("reference global EDF 3 x (6, 10) on 2 CPUs",
          per_task_stats(ref_edf(tasks, 2, H), H), want)
    # The same with the order of the (all equal) deadlines reversed: t0 is the late one.
    want_rev = [want[2], want[1], want[0]]
    check("SimSo global EDF, reversed order",
          per_task_stats(simso_run(tasks, 2, H, reverse=True), H), want_rev)

    # 2. Partitioned EDF, 2 CPUs: t0 (6, 10), t1 (5, 10), t2 (3, 15).
    # First fit decreasing: t0 (0.6) -> CPU 0, t1 (0.5) -> CPU 1 (0.6 + 0.5 > 1),
    # t2 (0.2) -> CPU 0. CPU 0: t0 0-6, t2 6-9 (deadline 15 > 10); t0 10-16; t2's 2nd job
    # (released 15, deadline 30) waits for t0 (deadline 20): 16-19, response 4; t0 20-26.
    # CPU 1: t1 0-5, 10-15, 20-25. No misses; the jobs released at 30 are open.
    tasks = [Task(0, 6 * ms, 10 * ms, 10 * ms), Task(1, 5 * ms, 10 * ms, 10 * ms),
             Task(2, 3 * ms, 15 * ms, 15 * ms)]
    assign, over = first_fit_decreasing(tasks, 2)
    if assign != [0, 1, 0] or over:
        ok = False
        print("FAIL first fit decreasing: %s" % assign)
    else:
        print("ok   first fit decreasing: %s" % assign)
    want = [(4, 3, 0, [6 * ms] * 3), (4, 3, 0, [5 * ms] * 3), (3, 2, 0, [9 * ms, 4 * ms])]
    check("SimSo partitioned EDF", per_task_stats(simso_run(tasks, 2, H, assign), H), want)
    check("reference partitioned EDF",
          per_task_stats(ref_edf(tasks, 2, H, assign), H), want)

    # 3. The rt-app log reader, on a log written from the hand schedule of set 2.
    with tempfile.TemporaryDirectory() as d:
        lead = 15 * ms
        sched = ref_edf(tasks, 2, H, assign)
        for t, jobs in zip(tasks, sched):
            with open(os.path.join(d, "rt-app-%s-%d.log" % (t.name, t.idx)), "w") as f:
                f.write("#idx perf run period start end rel_st slack c_duration "
                        "c_period wu_lat\n")
                prev = lead - t.T
                for r, dl, e in jobs:
                    if e is None:
                        break
                    st, en = prev, e + lead
                    f.write("%d 0 %d %d %d %d %d %d %d %d 0\n" % (
                        t.idx, t.C, en - st, 5000000 + st, 5000000 + en, st,
                        r + lead - st, t.C, t.T))
                    prev = en
        got = read_rtapp_logs(d, tasks, lead, H)
        check("rt-app log reader", per_task_stats(got, H), want)
    # 4. schedsim on the two hand sets, for information (it does not decide the result).
    if a.schedsim:
        sim = Schedsim(a.schedsim, a)
        a.horizon = H
        g = [Task(i, 6 * ms, 10 * ms, 10 * ms) for i in range(3)]
        with tempfile.TemporaryDirectory() as d:
            for label, ts, mode in (("set 1", g, "global"), ("set 2", tasks, "partitioned")):
                r = run_mode(mode, ts, 2, a, sim, d, 0)
                if "error" in r:
                    what = r["error"]
                elif not r["compared"]:
                    what = "not compared (a job is late; the counters cannot say which)"
                else:
                    what = ("; ".join("%s %s simso %s schedsim %s" % x for x in r["diffs"])
                            or "agrees")
                print("schedsim %s %s (%s): %s" % (label, mode, r["src"], what))
    print("self test: %s" % ("passed" if ok else "FAILED"))
    return 0 if ok else 1


# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Compare schedsim with SimSo on random zero-overhead global and "
                    "partitioned EDF task sets (docs/simso.md).")
    p.add_argument("--sets", type=int, default=50, help="task sets (default 50)")
    p.add_argument("--cpus", type=int, default=2, help="CPUs m (default 2)")
    p.add_argument("--tasks", type=int, default=None, help="tasks per set (default 3 m)")
    p.add_argument("--util", default=None,
                   help="total utilisation U, or LO:HI to draw it per set uniformly "
                        "(default 0.5m:0.95m)")
    p.add_argument("--seed", type=int, default=1,
                   help="set i is drawn from seed + i (default 1)")
    p.add_argument("--duration", type=float, default=1.0,
                   help="simulated seconds from the synchronous release (default 1)")
    p.add_argument("--constrained", action="store_true",
                   help="constrained deadlines: D a whole number of ms in [C, T]")
    p.add_argument("--break-ties", action="store_true",
                   help="D of task i reduced by i us: no two jobs of different tasks "
                        "ever have the same absolute deadline")
    p.add_argument("--modes", default="global,partitioned",
                   help="comma-separated: global, partitioned (default both)")
    p.add_argument("--period-min", type=int, default=10, help="ms (default 10)")
    p.add_argument("--period-max", type=int, default=100, help="ms (default 100)")
    p.add_argument("--schedsim", default=os.environ.get("SCHEDSIM"),
                   help="schedsim binary (default $SCHEDSIM); without it SimSo only")
    p.add_argument("--schedsim-seed", type=int, default=1, help="schedsim --seed")
    p.add_argument("--schedsim-arg", action="append", default=[],
                   help="extra schedsim argument (repeatable)")
    p.add_argument("--budget-slack", type=int, default=0,
                   help="dl-runtime = C + this many us (default 0: dl-runtime = C)")
    p.add_argument("--keep", metavar="DIR",
                   help="keep schedsim's workloads and outputs in DIR")
    p.add_argument("--show", type=int, default=20, help="mismatches listed (default 20)")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 on a difference outside tie-sensitive sets (in sets "
                        "with a late job: only in jobs or misses)")
    p.add_argument("--self-test", action="store_true",
                   help="check SimSo and the reference on sets worked out by hand")
    a = p.parse_args(argv)
    m = a.cpus
    if m < 1 or m > 64:
        p.error("--cpus: 1 .. 64")
    if a.tasks is None:
        a.tasks = 3 * m
    if a.util is None:
        a.util_lo, a.util_hi = 0.5 * m, 0.95 * m
    else:
        lo, _, hi = a.util.partition(":")
        a.util_lo = float(lo)
        a.util_hi = float(hi) if hi else a.util_lo
    if not 0 < a.util_lo <= a.util_hi <= a.tasks:
        p.error("--util: 0 < LO <= HI <= tasks")
    a.horizon = int(round(a.duration * 1e6))
    if a.horizon <= 0:
        p.error("--duration must be > 0")
    a.modes = [x for x in a.modes.split(",") if x]
    for x in a.modes:
        if x not in MODES:
            p.error("--modes: unknown mode %r" % x)
    return a


def main(argv):
    a = parse_args(argv)
    s = simso_import()
    if a.self_test:
        return self_test(a)
    sim = Schedsim(a.schedsim, a) if a.schedsim else None
    workdir = a.keep or tempfile.mkdtemp(prefix="simso-cmp.")
    os.makedirs(workdir, exist_ok=True)

    print("SimSo %s (%s), Python %s" % (s["version"], s["path"], sys.version.split()[0]))
    print("schedsim: %s" % (("%s; %s" % (a.schedsim, sim.describe())) if sim else
                            "not run (no --schedsim / $SCHEDSIM)"))
    print("%d sets, %d CPUs, %d tasks, U in [%.2f, %.2f], periods %d..%d ms, %s deadlines%s, "
          "%.3f s, seed %d, dl-runtime = C%s" % (
              a.sets, a.cpus, a.tasks, a.util_lo, a.util_hi, a.period_min, a.period_max,
              "constrained" if a.constrained else "implicit",
              " (ties broken)" if a.break_ties else "", a.horizon / 1e6, a.seed,
              " + %d us" % a.budget_slack if a.budget_slack else ""))

    results = {mode: [] for mode in a.modes}
    for i in range(a.sets):
        set_seed = a.seed + i
        total, tasks = make_set(set_seed, a)
        for mode in a.modes:
            r = run_mode(mode, tasks, a.cpus, a, sim, workdir, set_seed)
            r["seed"] = set_seed
            r["U"] = total
            r["tasks"] = tasks
            results[mode].append(r)

    # Table
    print()
    hdr = ("mode", "sets", "tie", "simso=ref", "miss_sets", "source", "compared",
           "same_miss", "tasks", "same_max", "same_p50", "mism_sets", "mism_tie",
           "mism_late")
    fmt = "%-12s %5s %5s %9s %9s %8s %8s %9s %6s %8s %8s %9s %8s %9s"
    print(fmt % hdr)
    problems = []
    for mode in a.modes:
        rs = results[mode]
        tie = sum(1 for r in rs if r["tie"])
        refok = sum(1 for r in rs if r["ref_ok"] and not r["tie"])
        miss_sets = sum(1 for r in rs if r["simso_misses"])
        srcs = sorted(set(r["src"] for r in rs if r["src"]))
        row = [mode, len(rs), tie, refok, miss_sets, "/".join(srcs) or "-"]
        cmp_ = [r for r in rs if r["compared"] and r["src"] != "error"]
        ntasks = sum(len(r["tasks"]) for r in cmp_)
        if sim:
            same_miss = sum(1 for r in cmp_
                            if not any(d[1].startswith("misses") for d in r["diffs"]))
            mism = [r for r in rs if r["diffs"] or r["src"] == "error"]
            if any(r["src"] in ("logs", "rt") for r in rs):
                smax = sum(r.get("same_max", 0) for r in cmp_)
                sp50 = sum(r.get("same_p50", 0) for r in cmp_)
            else:
                smax = sp50 = "n/a"
            row += [len(cmp_), same_miss, ntasks, smax, sp50, len(mism),
                    sum(1 for r in mism if r["tie"]),
                    sum(1 for r in mism if r["simso_misses"])]
        else:
            row += ["-"] * 8
        print(fmt % tuple(row))
        for r in rs:
            if not r["ref_ok"] and not r["tie"]:
                problems.append((mode, r, "simso-vs-ref", r["ref_diff"]))
            if r["src"] == "error":
                problems.append((mode, r, "schedsim-error", r["error"]))
            for d in r["diffs"]:
                problems.append((mode, r, "schedsim", d))
    print()
    print("tie: sets whose outcome changes when equal deadlines are ordered the other way "
          "(in SimSo or the reference). simso=ref: of the other sets, those where SimSo "
          "and the reference simulation agree job for job. miss_sets: sets where SimSo "
          "misses a deadline. source: what schedsim reported (logs: per-job rt-app logs; "
          "rt: its rt JSON; legacy: its SCHED_DEADLINE counters, compared only on sets "
          "without a miss). compared: sets compared with schedsim (tasks: their tasks). "
          "same_miss: compared sets whose misses match. same_max, same_p50: tasks whose "
          "response max / median match. mism_sets: sets with any difference; mism_tie: "
          "of which tie-sensitive; mism_late: of which SimSo has a late job (after a "
          "late job schedsim's CBS server differs from plain EDF).")
    strict_fail = False
    if problems:
        print()
        print("mismatches (mode, set seed, U, tie-sensitive / has a late job, task, field, "
              "simso, schedsim):")
        for k, (mode, r, kind, d) in enumerate(problems):
            # --strict: a difference outside tie-sensitive sets; in a set with a late
            # job, only one in jobs or misses (response times after a late job follow
            # the CBS server's rules in schedsim, not plain EDF)
            if not r["tie"] and (kind != "schedsim" or not r["simso_misses"] or
                                 d[1].split("[")[0] in ("jobs", "misses", "thread")):
                strict_fail = True
            if k >= a.show:
                continue
            flags = ",".join(f for f, on in (("tie", r["tie"]),
                                             ("late", r["simso_misses"])) if on) or "-"
            if kind == "schedsim":
                print("  %-11s seed %-6d U %.3f %-8s %-4s %-22s simso %-10s schedsim %s" % (
                    mode, r["seed"], r["U"], flags, d[0], d[1], d[2], d[3]))
            else:
                print("  %-11s seed %-6d U %.3f %-8s %s: %s" % (
                    mode, r["seed"], r["U"], flags, kind, d))
        if len(problems) > a.show:
            print("  ... %d more (--show N)" % (len(problems) - a.show))
        first = problems[0][1]
        print()
        print("reproduce the first: same flags with --seed %d --sets 1 --keep DIR "
              "(set: %s)" % (first["seed"], ", ".join(map(repr, first["tasks"]))))
    if not a.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print("schedsim workloads and outputs kept in %s" % workdir)
    if a.strict and strict_fail:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
