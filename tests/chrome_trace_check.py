#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""chrome_trace_check.py TRACE REPORT [NAME...] - check a Chrome trace-event JSON trace
(schedsim --trace FILE.json) against the run's report (schedsim --json).
The trace must parse as a JSON array of objects, each with "ph", "ts", "pid" and "tid";
the CPU tracks are process 0 ("CPUs"), thread N the CPU N (named by metadata events); a
complete event ("X") has a "dur" >= 0 and args {pid, tid}; the slices of one CPU do not
overlap and end by the report's sim.wall_ns. "ts" and "dur" are read as decimals, so the
"dur" of each thread's slices must sum to its runtime_ns exactly (schedsim prints them in
microseconds with 3 decimals: exact nanoseconds). A "forced idle" slice (cat
"forced_idle") belongs to no thread: it must not overlap the CPU's thread slices either.
Wake flows ("ph" "s" and "f", "bp" "e") must pair up: one "s" and one "f" per id, the "f"
not before its "s". Each NAME given must be the name of some event (say "forced idle",
"sc depleted", "admission refused").
Prints "ok ..." lines; any failure: a message on stderr, status 1. Standard library only.
"""
import json
import sys
from decimal import Decimal


def fail(msg):
    print(f'chrome_trace_check: {msg}', file=sys.stderr)
    sys.exit(1)


def ns(v):
    """A ts or dur (microseconds, a Decimal) as integer nanoseconds."""
    n = v * 1000
    if n != n.to_integral_value():
        fail(f'{v} us is not a whole number of ns')
    return int(n)


def main():
    if len(sys.argv) < 3:
        fail('usage: chrome_trace_check.py TRACE REPORT [NAME...]')
    with open(sys.argv[1], encoding='utf-8') as f:
        events = json.load(f, parse_float=Decimal)
    with open(sys.argv[2], encoding='utf-8') as f:
        report = json.load(f)
    if not isinstance(events, list) or not events:
        fail('not a non-empty JSON array')
    cpus = report['sim']['cpus']
    end = report['sim']['wall_ns']
    runtime = {}
    slices = {}
    kinds = {}
    names = {}
    seen = set()
    flows = {}
    for i, e in enumerate(events):
        if not isinstance(e, dict):
            fail(f'event {i} is not an object')
        for k in ('ph', 'ts', 'pid', 'tid'):
            if k not in e:
                fail(f'event {i} has no "{k}": {e}')
        if e['pid'] != 0 or not 0 <= e['tid'] < cpus:
            fail(f'event {i} not on a CPU track: {e}')
        kinds[e['ph']] = kinds.get(e['ph'], 0) + 1
        if 'name' in e:
            seen.add(e['name'])
        if e['ph'] == 'M':
            names[(e['name'], e['tid'])] = e['args']['name'] if 'name' in e['args'] else None
        elif e['ph'] == 'X':
            t, d = ns(e['ts']), ns(e['dur'])
            if d < 0 or t + d > end:
                fail(f'event {i}: slice [{t}, {t + d}) ns outside the run (0, {end})')
            slices.setdefault(e['tid'], []).append((t, t + d))
            if e.get('cat') == 'forced_idle':
                continue
            a = e['args']
            if a.get('pid') != a.get('tid') or not isinstance(a.get('tid'), int):
                fail(f'event {i}: args without the thread pid/tid: {e}')
            runtime[a['tid']] = runtime.get(a['tid'], 0) + d
        elif e['ph'] in ('s', 'f'):
            if e.get('bp') != 'e' or not isinstance(e.get('id'), int):
                fail(f'event {i}: a flow without "bp":"e" or an integer id: {e}')
            ends = flows.setdefault(e['id'], {})
            if e['ph'] in ends:
                fail(f'event {i}: a second "{e["ph"]}" for flow {e["id"]}')
            ends[e['ph']] = ns(e['ts'])
        elif e['ph'] == 'i':
            ns(e['ts'])
            if 'name' not in e:
                fail(f'event {i}: instant without a name')
        else:
            fail(f'event {i}: unexpected ph {e["ph"]!r}')
    if names.get(('process_name', 0)) != 'CPUs':
        fail('no process_name "CPUs" for pid 0')
    for c in range(cpus):
        if names.get(('thread_name', c)) != f'CPU {c}':
            fail(f'no thread_name for CPU {c}')
    for cpu, s in slices.items():
        s.sort()
        for (a0, a1), (b0, _) in zip(s, s[1:]):
            if b0 < a1:
                fail(f'CPU {cpu}: slices [{a0}, {a1}) and [{b0}, ...) overlap')
    for fid, ends in flows.items():
        if set(ends) != {'s', 'f'}:
            fail(f'flow {fid}: only {sorted(ends)}')
        if ends['f'] < ends['s']:
            fail(f'flow {fid}: ends at {ends["f"]} ns before its start {ends["s"]} ns')
    missing = [n for n in sys.argv[3:] if n not in seen]
    if missing:
        fail(f'no event named {missing}')
    print(f'ok - {len(events)} events parse, each with ph/ts/pid/tid: '
          + ', '.join(f'{k} {v}' for k, v in sorted(kinds.items())))
    threads = report['threads']
    for i, t in enumerate(threads):
        got = runtime.pop(i + 1, 0)
        if got != t['runtime_ns']:
            fail(f'thread {i + 1}: slices sum to {got} ns, report {t["runtime_ns"]} ns')
    if runtime:
        fail(f'slices of threads the report lacks: {sorted(runtime)}')
    print(f'ok - slice durations = report runtime, to the ns, for all {len(threads)} threads')


if __name__ == '__main__':
    main()
