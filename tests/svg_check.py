#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""svg_check.py SVG REPORT - check an SVG timeline (schedsim --svg FILE) against the run's
report (schedsim --json).

The file must be well-formed XML with an <svg> root carrying data-plot-x, data-plot-w,
data-start-ns and data-end-ns (the window); one lane (<rect class="lane">) per CPU of the
report; every slice (a <rect> with data-t) and every mixed run (<rect class="mix">) lies
within its CPU's lane (data-cpu) and within the window's pixels; the rects of one lane do
not overlap; a slice is at least data-min-px wide.

When the window holds the whole run (start 0, end at or after sim.wall_ns), each thread's
drawn width must be its runtime_ns times plot-w / window: x and width are printed with 2
decimals (both ends rounded, so rects that meet in time meet exactly), so within 0.01 px
per rect, and a thread may have lost to the mixed runs (slices narrower than min-px, drawn
for no thread) at most their total width. Otherwise only the layout is checked.
Prints "ok ..." lines; any failure: a message on stderr, status 1. Standard library only.
"""
import json
import sys
import xml.etree.ElementTree as ET

NS = '{http://www.w3.org/2000/svg}'
ROUND = 0.01   # px: a rect's two ends, 2 decimals each
EPS = 1e-6


def fail(msg):
    print(f'svg_check: {msg}', file=sys.stderr)
    sys.exit(1)


def num(e, k):
    try:
        return float(e.get(k))
    except (TypeError, ValueError):
        fail(f'<{e.tag}> without a number in "{k}": {e.attrib}')


def lanes_of(rects, cpus):
    lanes = {}
    for r in rects:
        if r.get('class') == 'lane':
            c = int(r.get('data-cpu'))
            if c in lanes:
                fail(f'two lanes for CPU {c}')
            lanes[c] = (num(r, 'y'), num(r, 'height'))
    if sorted(lanes) != list(range(cpus)):
        fail(f'lanes for CPUs {sorted(lanes)}, the report has {cpus} CPUs')
    return lanes


def check_rect(r, lanes, x0, x1):
    c = int(r.get('data-cpu', -1))
    if c not in lanes:
        fail(f'a rect on no lane: {r.attrib}')
    y, h = lanes[c]
    x, w = num(r, 'x'), num(r, 'width')
    if num(r, 'y') < y or num(r, 'y') + num(r, 'height') > y + h + EPS:
        fail(f'rect outside lane {c} (y {y}, height {h}): {r.attrib}')
    if x < x0 - ROUND or x + w > x1 + ROUND or w < 0:
        fail(f'rect outside the window [{x0}, {x1}] px: {r.attrib}')
    return c, x, w


def main():
    if len(sys.argv) != 3:
        fail('usage: svg_check.py SVG REPORT')
    try:
        root = ET.parse(sys.argv[1]).getroot()
    except ET.ParseError as e:
        fail(f'not well-formed: {e}')
    with open(sys.argv[2], encoding='utf-8') as f:
        report = json.load(f)
    if root.tag != NS + 'svg':
        fail(f'root is {root.tag}, not an SVG <svg>')
    x0, w_px = num(root, 'data-plot-x'), num(root, 'data-plot-w')
    start, end = int(root.get('data-start-ns')), int(root.get('data-end-ns'))
    min_px = num(root, 'data-min-px')
    if not start < end:
        fail(f'window [{start}, {end}) ns')
    rects = list(root.iter(NS + 'rect'))
    lanes = lanes_of(rects, report['sim']['cpus'])
    print(f'ok - well-formed, {len(lanes)} lanes, one per CPU')

    drawn, count, mixed = {}, {}, 0.0
    per_lane = {c: [] for c in lanes}
    for r in rects:
        if r.get('data-t') is None and r.get('class') != 'mix':
            continue
        c, x, w = check_rect(r, lanes, x0, x0 + w_px)
        per_lane[c].append((x, w))
        if r.get('class') == 'mix':
            mixed += w
            continue
        if w < min_px - ROUND:
            fail(f'a slice narrower than {min_px} px: {r.attrib}')
        t = int(r.get('data-t'))
        drawn[t] = drawn.get(t, 0.0) + w
        count[t] = count.get(t, 0) + 1
    for c, spans in per_lane.items():
        spans.sort()
        for (xa, wa), (xb, _) in zip(spans, spans[1:]):
            if xa + wa > xb + EPS:
                fail(f'lane {c}: rects overlap at x {xb}')
    n = sum(count.values())
    print(f'ok - {n} slices and {mixed:.2f} px of mixed runs, all within their lanes')

    if start > 0 or end < report['sim']['wall_ns']:
        print('ok - (a part of the run: runtimes not compared)')
        return
    scale = w_px / (end - start)
    threads = report['threads']
    for i, th in enumerate(threads):
        t = i + 1
        want = th['runtime_ns'] * scale
        got = drawn.get(t, 0.0)
        tol = ROUND * count.get(t, 0) + EPS
        if got > want + tol or got < want - tol - mixed:
            fail(f'thread {t} ({th.get("name")}): {got:.3f} px drawn, runtime '
                 f'{th["runtime_ns"]} ns is {want:.3f} px (within {tol:.3f}, '
                 f'{mixed:.2f} mixed)')
    if set(drawn) - set(range(1, len(threads) + 1)):
        fail(f'slices of threads the report lacks: {sorted(set(drawn))}')
    print(f'ok - every thread\'s drawn width is its runtime, for all {len(threads)} threads')


if __name__ == '__main__':
    main()
