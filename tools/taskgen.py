#!/usr/bin/env python3
"""Generate random periodic task sets as rt-app JSON workloads for schedsim.

Utilisations come from UUniFast-discard (Davis and Burns 2009) or from
RandFixedSum (Stafford's algorithm, as Emberson, Stafford and Davis 2010 use
it): n values, each at most --cap (1 by default), that sum to the total
utilisation U. Periods are log-uniform in [Pmin, Pmax], optionally rounded
down to a granularity; deadlines are implicit (D = T) or constrained
(D uniform in [C + alpha (T - C), T]). Each task is an endless loop of
`run C` then an absolute `timer` of period T, emitted as SCHED_DEADLINE
(dl-runtime C, dl-period T, dl-deadline D) or as SCHED_FIFO with
rate-monotonic or deadline-monotonic priorities.

All times in the output are whole microseconds. The same arguments and
--seed print the same bytes (the generator is random.Random(seed)).

Example:
    tools/taskgen.py -n 8 --util 2.4 --cpus 4 --seed 7 --duration 1 -o set.json
    build/arch/sim/schedsim --cpus 4 --json set.json
"""

import argparse
import json
import math
import random
import sys

# schedsim refuses a dl-runtime below 10 us; a FIFO run of 0 would be a
# zero-time loop. Sets with a task below these are resampled (see below).
MIN_RUNTIME_US = {"deadline": 10, "fifo": 1}
MAX_TRIES = 100000


class GenError(Exception):
    """A task set cannot be generated with the arguments given."""


def uunifast(rng, n, total):
    """n utilisations summing to total, uniform over the simplex (UUniFast)."""
    utils = []
    left = total
    for i in range(1, n):
        # the sum of the remaining n - i values is left * r^(1/(n-i))
        rest = left * rng.random() ** (1.0 / (n - i))
        utils.append(left - rest)
        left = rest
    utils.append(left)
    return utils


def uunifast_discard(rng, n, total, cap):
    """UUniFast, drawing again while a value exceeds cap."""
    for _ in range(MAX_TRIES):
        utils = uunifast(rng, n, total)
        if max(utils) <= cap:
            return utils
    raise GenError("UUniFast-discard found no set with every utilisation <= %g "
                   "in %d tries: use --method randfixedsum" % (cap, MAX_TRIES))


def _slice_tables(n, s):
    """The tables of Stafford's algorithm for the unit cube and sum s.

    The polytope {x in [0,1]^n : sum x = s} is cut by the integer sums of
    the leading coordinates into simplices. vol[i][j] is proportional to the
    volume of the i+1 dimensional piece whose sum lies in the unit slab j, and
    pick[i][j] is the probability that the next coordinate, drawn in that
    piece, moves the walk down one slab (the "e = 1" branch).
    """
    k = min(max(int(math.floor(s)), 0), n - 1)
    # distances of s to the slab borders below and above, per dimension
    below = [s - (k - i) for i in range(n)]
    above = [(k + n - i) - s for i in range(n)]
    vol = [[0.0] * (n + 1) for _ in range(n)]
    # any large start value works: only ratios of volumes are used, and
    # the volumes shrink by a factor i at each step
    vol[0][1] = sys.float_info.max
    pick = [[0.0] * n for _ in range(n - 1)]
    tiny = 2.0 ** -1074
    for i in range(2, n + 1):
        for j in range(i):
            from_below = vol[i - 2][j + 1] * below[j] / i
            from_above = vol[i - 2][j] * above[n - i + j] / i
            vol[i - 1][j + 1] = from_below + from_above
            total = vol[i - 1][j + 1] + tiny
            # choose the side whose share is computed with less cancellation
            if above[n - i + j] > below[j]:
                pick[i - 2][j] = from_above / total
            else:
                pick[i - 2][j] = 1.0 - from_below / total
    return k, pick


def randfixedsum_unit(rng, n, s):
    """n values in [0, 1], sum s, uniform on that slice of the cube."""
    if n == 1:
        return [s]
    k, pick = _slice_tables(n, s)
    slab = k + 1          # 1-based column of the current slab in pick
    left = s              # what the coordinates still to draw must sum to
    base = 0.0            # accumulated simplex coordinates
    scale = 1.0
    x = []
    for i in range(n - 1, 0, -1):
        down = 1 if rng.random() <= pick[i - 1][slab - 1] else 0
        # radial coordinate of a uniform point in an i-simplex
        shrink = rng.random() ** (1.0 / i)
        base += (1.0 - shrink) * scale * left / (i + 1)
        scale *= shrink
        x.append(base + scale * down)
        left -= down
        slab -= down
    x.append(base + scale * left)
    # the walk fills the coordinates in a fixed order: shuffle them
    rng.shuffle(x)
    return x


def randfixedsum(rng, n, total, cap):
    """n utilisations in [0, cap] summing to total (Stafford's RandFixedSum)."""
    unit = randfixedsum_unit(rng, n, total / cap)
    # rounding can leave a value a hair outside [0, 1]
    return [min(max(v, 0.0), 1.0) * cap for v in unit]


def log_uniform_period(rng, pmin, pmax, gran):
    """A period log-uniform in [pmin, pmax], rounded down to gran if > 0."""
    if gran <= 0:
        return int(round(math.exp(rng.uniform(math.log(pmin), math.log(pmax)))))
    # draw up to pmax + gran so that rounding down reaches pmax as often as
    # the other multiples (Emberson et al.'s choice)
    top = math.log(pmax + gran)
    while True:
        t = math.exp(rng.uniform(math.log(pmin), top))
        t = int(t // gran) * int(gran)
        if pmin <= t <= pmax:
            return t


def make_tasks(rng, args):
    """Draw one task set: a list of dicts with C, T, D (us) and u."""
    minimum = MIN_RUNTIME_US[args.policy]
    draw = uunifast_discard if args.method == "uunifast" else randfixedsum
    for _ in range(MAX_TRIES):
        utils = draw(rng, args.n, args.util, args.cap)
        tasks = []
        for u in utils:
            t = log_uniform_period(rng, args.pmin, args.pmax, args.granularity)
            c = round(u * t)
            if args.deadlines == "implicit":
                d = t
            else:
                d = round(rng.uniform(c + args.alpha * (t - c), t))
            tasks.append({"C": c, "T": t, "D": max(d, c), "u": u})
        # a task too small to express is part of an unusable set: draw
        # again, as UUniFast-discard does with a task above the cap
        if min(task["C"] for task in tasks) >= minimum:
            return tasks
    raise GenError("no set with every runtime >= %d us in %d tries: raise --util "
                   "or --pmin, or lower -n" % (minimum, MAX_TRIES))


def fifo_priorities(tasks, key):
    """Rate- or deadline-monotonic priorities 99, 98, ...: equal keys share one."""
    distinct = sorted(set(task[key] for task in tasks))
    if len(distinct) > 99:
        raise GenError("more than 99 distinct %s values: SCHED_FIFO has 99 priorities"
                       % ("periods" if key == "T" else "deadlines"))
    return [99 - distinct.index(task[key]) for task in tasks]


def to_rtapp(tasks, args):
    """The rt-app workload (a dict) for the task set."""
    out = {}
    prios = None
    if args.policy == "fifo":
        prios = fifo_priorities(tasks, "T" if args.priorities == "rm" else "D")
    for i, task in enumerate(tasks):
        name = "t%d" % i
        if args.policy == "deadline":
            entry = {"policy": "SCHED_DEADLINE", "dl-runtime": task["C"],
                     "dl-period": task["T"], "dl-deadline": task["D"]}
        else:
            entry = {"policy": "SCHED_FIFO", "priority": prios[i]}
        # run first, then an absolute timer: every task releases its first
        # job at 0 (the synchronous critical instant) and then every T
        entry["loop"] = -1
        entry["run"] = task["C"]
        entry["timer"] = {"ref": name, "period": task["T"], "mode": "absolute"}
        out[name] = entry
    # 1 and 1.0 print alike, whether the duration came from the command line or a sweep
    duration = float(args.duration)
    duration = int(duration) if duration.is_integer() else duration
    return {"global": {"duration": duration}, "tasks": out}


def generate(args):
    """The workload text for args (a parsed or built namespace)."""
    rng = random.Random(args.seed)
    tasks = make_tasks(rng, args)
    return json.dumps(to_rtapp(tasks, args), indent=1) + "\n"


def positive(text):
    value = float(text)
    if not value > 0 or math.isinf(value):
        raise ValueError(text)
    return value


def positive_int(text):
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def build_parser():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="The output is an rt-app JSON file for schedsim; see docs/experiments.md.")
    p.add_argument("-n", "--tasks", dest="n", type=int, required=True,
                   help="number of tasks (>= 1)")
    p.add_argument("--util", type=positive, required=True,
                   help="total utilisation U, e.g. 2.4 (in CPUs)")
    p.add_argument("--cpus", type=int, default=None,
                   help="m: refuse U > m (the set could never fit); optional")
    p.add_argument("--cap", type=positive, default=1.0,
                   help="largest utilisation of one task, <= 1 (default 1)")
    p.add_argument("--method", choices=["uunifast", "randfixedsum"], default="uunifast",
                   help="UUniFast-discard or RandFixedSum (default uunifast)")
    p.add_argument("--pmin", type=positive_int, default=10000,
                   help="shortest period, us (default 10000)")
    p.add_argument("--pmax", type=positive_int, default=100000,
                   help="longest period, us (default 100000)")
    p.add_argument("--granularity", type=int, default=0,
                   help="round periods down to a multiple of this, us (default 0: to 1 us)")
    p.add_argument("--deadlines", choices=["implicit", "constrained"], default="implicit",
                   help="D = T, or D uniform in [C + alpha (T - C), T]")
    p.add_argument("--alpha", type=float, default=0.0,
                   help="alpha in [0, 1] for constrained deadlines (default 0)")
    p.add_argument("--policy", choices=["deadline", "fifo"], default="deadline",
                   help="SCHED_DEADLINE or SCHED_FIFO (default deadline)")
    p.add_argument("--priorities", choices=["rm", "dm"], default="rm",
                   help="SCHED_FIFO priorities: rate- or deadline-monotonic (default rm)")
    p.add_argument("--duration", type=positive, default=1,
                   help="global.duration, simulated seconds (default 1)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("-o", "--output", default="-", help="output file (default stdout)")
    return p


def problem(args):
    """What is wrong with args (naming the argument), or None."""
    if args.n < 1:
        return "argument -n/--tasks: must be >= 1, got %d" % args.n
    if args.cap > 1:
        return "argument --cap: must be <= 1, got %g" % args.cap
    if args.util > args.n * args.cap:
        return "argument --util: %g is more than n x cap = %g" % (args.util, args.n * args.cap)
    if args.cpus is not None and not 1 <= args.cpus <= 64:
        return "argument --cpus: must be 1 .. 64, got %d" % args.cpus
    if args.cpus is not None and args.util > args.cpus:
        return "argument --util: %g is more than --cpus %d" % (args.util, args.cpus)
    for name in ("pmin", "pmax", "granularity"):
        if not isinstance(getattr(args, name), int):
            return "argument --%s: must be a whole number of us" % name
    if args.pmax < args.pmin:
        return "argument --pmax: must be >= --pmin"
    if args.granularity < 0 or args.granularity > args.pmax:
        return "argument --granularity: must be 0 .. pmax, got %g" % args.granularity
    if args.granularity > 0 and \
            math.ceil(args.pmin / args.granularity) * args.granularity > args.pmax:
        return "argument --granularity: no multiple of it lies in [pmin, pmax]"
    if not 0 <= args.alpha <= 1:
        return "argument --alpha: must be 0 .. 1, got %g" % args.alpha
    return None


def main(argv=None):
    p = build_parser()
    args = p.parse_args(argv)
    if problem(args):
        p.error(problem(args))
    try:
        text = generate(args)
    except GenError as err:
        print("taskgen.py: %s" % err, file=sys.stderr)
        return 1
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    try:
        with open(args.output, "w") as f:
            f.write(text)
    except OSError as err:
        p.error("argument -o/--output: %s" % err)
    return 0


if __name__ == "__main__":
    sys.exit(main())
