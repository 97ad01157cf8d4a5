#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ftrace_replay.py TRACE END_NS - replay a Linux ftrace text trace (schedsim --trace, or
/sys/kernel/tracing/trace with the sched events on) and print each pid's runtime.

Per CPU, the time between consecutive sched_switch lines belongs to the thread the first
of them switched in (next_pid); the last one's thread runs until END_NS, the end of the
run in nanoseconds (schedsim's report: sim.wall_ns). The idle threads (pid 0) are left
out. Timestamps are seconds with up to 9 decimals (Linux prints 6: microseconds; schedsim
--trace-ns prints 9). Output: one line "PID RUNTIME_NS INTERVALS" per thread that ran, by
pid; INTERVALS is how many spans were summed, so with microsecond timestamps the runtime
is within INTERVALS microseconds of the nanosecond figure.

Every line must be a comment (#...) or an event line in the kernel's format; a line that is
not, a timestamp that goes back, or a sched_switch whose prev_pid is not the thread the
CPU's previous switch put there is an error (status 1, what and where on stderr).
Standard library only.
"""
import re
import sys

LINE = re.compile(r'^\s*(?P<comm>.{1,16})-(?P<pid>\d+)\s+(?:\(\s*[\d-]+\)\s+)?'
                  r'\[(?P<cpu>\d{3})\]\s+(?P<flags>[a-zA-Z0-9.]{4,5})\s+'
                  r'(?P<sec>\d+)\.(?P<frac>\d{1,9}):\s+(?P<event>[a-z_0-9]+):\s*(?P<args>.*)$')
FIELD = re.compile(r'(\w+)=(\S+)')


def fields(args):
    """The key=value pairs of an event ("==>" between prev_* and next_* ignored)."""
    return dict(FIELD.findall(args))


def replay(path, end_ns):
    runtime = {}
    spans = {}
    curr = {}      # cpu -> (pid, since_ns)
    last_ns = 0
    with open(path, encoding='utf-8') as f:
        first = f.readline()
        if first.rstrip('\n') != '# tracer: nop':
            raise ValueError(f'{path}:1: not an ftrace text trace: {first.rstrip()!r}')
        for no, line in enumerate(f, 2):
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            m = LINE.match(line)
            if not m:
                raise ValueError(f'{path}:{no}: unparsable line: {line!r}')
            ns = int(m['sec']) * 1000000000 + int(m['frac'].ljust(9, '0'))
            if ns < last_ns:
                raise ValueError(f'{path}:{no}: time goes back')
            last_ns = ns
            if ns > end_ns:
                raise ValueError(f'{path}:{no}: event after the end ({end_ns} ns)')
            if m['event'] != 'sched_switch':
                continue
            fl = fields(m['args'])
            try:
                prev, nxt = int(fl['prev_pid']), int(fl['next_pid'])
            except (KeyError, ValueError):
                raise ValueError(f'{path}:{no}: sched_switch without prev_pid/next_pid')
            cpu = int(m['cpu'])
            if cpu in curr:
                pid, since = curr[cpu]
                if pid != prev:
                    raise ValueError(f'{path}:{no}: CPU {cpu} switches out pid {prev}, '
                                     f'but pid {pid} was switched in')
                if pid:
                    runtime[pid] = runtime.get(pid, 0) + ns - since
                    spans[pid] = spans.get(pid, 0) + 1
            elif prev:
                raise ValueError(f'{path}:{no}: CPU {cpu}: first switch is from pid {prev}, '
                                 'not from idle (the trace does not start at the run start)')
            curr[cpu] = (nxt, ns)
    for pid, since in curr.values():
        if pid:
            runtime[pid] = runtime.get(pid, 0) + end_ns - since
            spans[pid] = spans.get(pid, 0) + 1
    return runtime, spans


def main(argv):
    if len(argv) != 3 or not argv[2].isdigit():
        print('usage: ftrace_replay.py TRACE END_NS', file=sys.stderr)
        return 2
    try:
        runtime, spans = replay(argv[1], int(argv[2]))
    except (OSError, ValueError) as e:
        print(f'ftrace_replay.py: {e}', file=sys.stderr)
        return 1
    for pid in sorted(runtime):
        print(pid, runtime[pid], spans[pid])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
