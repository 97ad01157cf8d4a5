#!/usr/bin/env python3
"""Plot sweep results (sweep.py's CSV or JSON Lines) as PNG files.

    plot.py acceptance OUT.csv -o acceptance.png [--cpus M]
        per policy: the fraction of task sets with every reservation admitted,
        and the fraction with no deadline miss, against utilisation
    plot.py cdf OUT.jsonl --logs LOGS -o cdf.png [--per-period] [--xlog]
        CDF of per-job response times, read from the rt-app logs that
        `sweep.py run --logs LOGS` wrote (schedsim's report has only p50,
        p99 and max per thread), one curve per policy
    plot.py shares OUT.jsonl -o shares.png --select seed=3 ...
        each thread's share of a CPU (runtime / simulated time), bars grouped
        by thread, one colour per policy
    plot.py scatter OUT.csv -o scatter.png --x gedf --y pedf --figure resp_p99_max_ns
        a figure of the same task set under two policies, one point per set

--select KEY=VALUE (repeatable) keeps the rows whose coordinate or parameter
KEY equals VALUE, e.g. --select admission=off --select workload=dl8.
Series are named by policy and the parameters that vary among the rows kept.
Needs matplotlib (Debian: python3-matplotlib); the Agg backend, no display.
"""

import argparse
import csv
import json
import os
import sys

COORDS = ["run", "workload", "util", "seed", "policy", "params"]


class PlotError(Exception):
    pass


# ---------------------------------------------------------------- rows

def number(text):
    """A CSV cell as int, float or None (empty); other text stays text."""
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def load_rows(path):
    """The rows of a sweep CSV or JSONL, as dicts with "params" a dict."""
    rows = []
    with open(path) as f:
        if path.endswith(".jsonl"):
            rows = [json.loads(line) for line in f if line.strip()]
        else:
            for row in csv.DictReader(f):
                row = {k: (v if k in ("workload", "policy", "params", "shares", "error")
                           else number(v)) for k, v in row.items()}
                row["params"] = json.loads(row["params"])
                rows.append(row)
    if not rows:
        raise PlotError("%s: no rows" % path)
    return rows


def value_of(row, key):
    if key in row:
        return row[key]
    return row["params"].get(key)


def select(rows, selections):
    """Rows matching every KEY=VALUE (compared as text)."""
    for sel in selections:
        key, _, want = sel.partition("=")
        rows = [r for r in rows if str(value_of(r, key)) == want]
    if not rows:
        raise PlotError("no row matches %s" % " ".join(selections))
    return rows


def labeller(rows):
    """A function naming a row's series: policy and the varying params."""
    varying = sorted(k for k in {k for r in rows for k in r["params"]}
                     if len({json.dumps(r["params"].get(k)) for r in rows}) > 1)

    def label(row):
        extra = " ".join("%s=%s" % (k, row["params"].get(k)) for k in varying)
        return (row["policy"] + " " + extra).strip()
    return label


def pyplot():
    """matplotlib.pyplot with the Agg backend, or a clear error."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotError("matplotlib is missing (Debian: apt-get install python3-matplotlib; "
                        "then run plot.py with the python3 that has it, %s is not)"
                        % sys.executable)
    return plt


def save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print("plot.py: wrote %s" % path, file=sys.stderr)


# ---------------------------------------------------------------- plots

def acceptance(args):
    rows = select(load_rows(args.results), args.select)
    rows = [r for r in rows if r["util"] is not None]
    if not rows:
        raise PlotError("no generated task sets (rows with a utilisation)")
    label = labeller(rows)
    # per series and utilisation: [sets, all admitted, no miss, both]
    table = {}
    for r in rows:
        cell = table.setdefault(label(r), {}).setdefault(r["util"], [0, 0, 0, 0])
        ok_run = r["status"] == 0
        admitted = ok_run and r["refused"] == 0
        no_miss = ok_run and r["rt_misses"] == 0
        cell[0] += 1
        cell[1] += admitted
        cell[2] += no_miss
        cell[3] += admitted and no_miss
    plt = pyplot()
    panels = [(1, "every reservation admitted"), (2, "no deadline miss (admitted tasks)"),
              (3, "schedulable: all admitted, no miss")]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), sharey=True)
    scale = args.cpus or 1
    for ax, (col, title) in zip(axes, panels):
        for i, name in enumerate(sorted(table)):
            utils = sorted(table[name])
            # line styles as well as colours: series that coincide stay visible
            ax.plot([u / scale for u in utils],
                    [table[name][u][col] / table[name][u][0] for u in utils],
                    marker="os^dv<>"[i % 7], markersize=4, label=name,
                    linestyle=["-", "--", "-.", ":"][i % 4])
        ax.set_title(title)
        ax.set_xlabel("total utilisation / m (m = %d CPUs)" % scale if args.cpus
                      else "total utilisation (CPUs)")
        ax.grid(True, alpha=0.3)
        ax.set_ylim(-0.03, 1.03)
    axes[0].set_ylabel("fraction of task sets")
    axes[0].legend(fontsize=8, loc="lower left")
    sets = sum(v[0] for t in table.values() for v in t.values())
    fig.suptitle(args.title or "Acceptance ratio (%d runs)" % sets)
    save(fig, args.output)


def read_log_responses(path, per_period):
    """Per-job response times of one rt-app log (us, or / period)."""
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.split()
            start, end, slack, c_period = int(cols[4]), int(cols[5]), int(cols[7]), int(cols[9])
            # the job was released at the tick: its timer call (start) plus
            # the slack, which is negative when the thread came late
            response = end - start - slack
            if per_period:
                if c_period <= 0:
                    continue        # the start job has no timer period
                out.append(response / c_period)
            else:
                out.append(response / 1000.0)
    return out


def cdf(args):
    rows = select(load_rows(args.results), args.select)
    label = labeller(rows)
    series = {}
    for r in rows:
        if not r.get("logs"):
            raise PlotError("run %d has no logs: run the sweep with --logs" % r["run"])
        d = os.path.join(args.logs, r["logs"])
        if not os.path.isdir(d):
            raise PlotError("%s: no such directory (--logs)" % d)
        values = series.setdefault(label(r), [])
        for name in sorted(os.listdir(d)):
            values.extend(read_log_responses(os.path.join(d, name), args.per_period))
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.6))
    for name in sorted(series):
        v = sorted(series[name])
        if not v:
            continue
        ax.step(v, [(i + 1) / len(v) for i in range(len(v))], where="post",
                label="%s (%d jobs)" % (name, len(v)))
    if args.per_period:
        ax.axvline(1.0, color="grey", linestyle="--", linewidth=1,
                   label="one period (implicit deadline)")
    if args.xlog:
        ax.set_xscale("log")
    ax.set_xlabel("response time / period" if args.per_period else "response time (ms)")
    ax.set_ylabel("fraction of jobs")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(args.title or "Response-time CDF (per job, from rt-app logs)")
    save(fig, args.output)


def shares(args):
    rows = select(load_rows(args.results), args.select)
    if not all(isinstance(r.get("threads"), list) for r in rows):
        raise PlotError("shares needs the .jsonl output (per-thread data)")
    label = labeller(rows)
    series = {}
    for r in rows:
        if label(r) in series:
            raise PlotError("two rows for %s: --select one task set" % label(r))
        series[label(r)] = {"%s/%d" % (t["name"], t["instance"]): t["share"]
                            for t in r["threads"]}
    threads = []
    for s in series.values():
        threads += [t for t in s if t not in threads]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(threads) * max(1, len(series) / 2)), 4.6))
    width = 0.8 / len(series)
    for i, name in enumerate(sorted(series)):
        xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(threads))]
        ax.bar(xs, [series[name].get(t, 0) for t in threads], width, label=name)
    ax.set_xticks(range(len(threads)))
    ax.set_xticklabels(threads, rotation=45 if len(threads) > 10 else 0)
    ax.set_xlabel("thread (task/instance)")
    ax.set_ylabel("share of a CPU (runtime / simulated time)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(args.title or "CPU share per thread")
    save(fig, args.output)


def scatter(args):
    rows = select(load_rows(args.results), args.select)
    if args.figure not in rows[0]:
        raise PlotError("argument --figure: no column '%s'" % args.figure)
    points = {}
    for r in rows:
        if r["policy"] not in (args.x, args.y) or r["status"] != 0:
            continue
        key = (r["workload"], r["util"], r["seed"], json.dumps(r["params"], sort_keys=True))
        points.setdefault(key, {})[r["policy"]] = r[args.figure]
    pairs = [(k, p[args.x], p[args.y]) for k, p in sorted(points.items(), key=str)
             if args.x in p and args.y in p and p[args.x] is not None and p[args.y] is not None]
    if not pairs:
        raise PlotError("no task set ran under both %s and %s" % (args.x, args.y))
    ns = args.figure.endswith("_ns")
    conv = (lambda v: v / 1e6) if ns else (lambda v: v)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 5.4))
    utils = [k[1] if k[1] is not None else 0 for k, _, _ in pairs]
    sc = ax.scatter([conv(x) for _, x, _ in pairs], [conv(y) for _, _, y in pairs],
                    c=utils, cmap="viridis", s=12, alpha=0.8)
    fig.colorbar(sc, ax=ax, label="total utilisation")
    lo = min(min(conv(x), conv(y)) for _, x, y in pairs)
    hi = max(max(conv(x), conv(y)) for _, x, y in pairs)
    ax.plot([lo, hi], [lo, hi], color="grey", linestyle="--", linewidth=1, label="x = y")
    unit = " (ms)" if ns else ""
    name = args.figure[:-3] if ns else args.figure
    ax.set_xlabel("%s under %s%s" % (name, args.x, unit))
    ax.set_ylabel("%s under %s%s" % (name, args.y, unit))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(args.title or "%s vs %s, %d task sets" % (args.x, args.y, len(pairs)))
    save(fig, args.output)


# ---------------------------------------------------------------- command line

def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="{acceptance,cdf,shares,scatter}")
    sub.required = True

    def common(sp):
        sp.add_argument("results", help="sweep.py output (.csv or .jsonl)")
        sp.add_argument("-o", "--output", required=True, help="the PNG file to write")
        sp.add_argument("--select", action="append", default=[], metavar="KEY=VALUE",
                        help="keep rows whose KEY (coordinate or parameter) is VALUE")
        sp.add_argument("--title", help="the plot's title")

    a = sub.add_parser("acceptance", help="acceptance ratio against utilisation")
    common(a)
    a.add_argument("--cpus", type=int, help="divide utilisations by this m")
    a.set_defaults(func=acceptance)
    c = sub.add_parser("cdf", help="CDF of per-job response times (rt-app logs)")
    common(c)
    c.add_argument("--logs", required=True, help="the --logs directory of the sweep")
    c.add_argument("--per-period", action="store_true",
                   help="response time divided by the task's period")
    c.add_argument("--xlog", action="store_true",
                   help="logarithmic x axis (for long tails of late jobs)")
    c.set_defaults(func=cdf)
    s = sub.add_parser("shares", help="CPU share per thread, bars per policy")
    common(s)
    s.set_defaults(func=shares)
    sc = sub.add_parser("scatter", help="one figure under two policies, per task set")
    common(sc)
    sc.add_argument("--x", required=True, help="the policy on the x axis")
    sc.add_argument("--y", required=True, help="the policy on the y axis")
    sc.add_argument("--figure", default="resp_p99_max_ns",
                    help="the column compared (default resp_p99_max_ns)")
    sc.set_defaults(func=scatter)
    return p


def main(argv=None):
    p = build_parser()
    args = p.parse_args(argv)
    if getattr(args, "cpus", None) is not None and args.cpus < 1:
        p.error("argument --cpus: must be >= 1, got %d" % args.cpus)
    for sel in args.select:
        if "=" not in sel:
            p.error("argument --select: expected KEY=VALUE, got '%s'" % sel)
    if not os.path.isfile(args.results):
        p.error("argument results: no such file: %s" % args.results)
    try:
        args.func(args)
    except PlotError as err:
        print("plot.py: %s" % err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
