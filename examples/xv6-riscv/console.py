#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drive an xv6 shell on QEMU's stdio, like a tiny expect.

console.py --log FILE [--boot-timeout S] --step 'CMD;;OK_RE;;FAIL_RE;;TIMEOUT' ... -- QEMU ARGS

Starts QEMU, waits for the shell prompt, then for each step types CMD and waits until
OK_RE (the step passes) or FAIL_RE (it fails) shows in the output, or TIMEOUT seconds
pass (it fails). Prints how long each step took. Exits 0 only if every step passed;
QEMU is killed at the end either way. All console output goes to FILE and stdout.
"""
import argparse
import os
import re
import select
import signal
import subprocess
import sys
import time


class Console:
    def __init__(self, argv, log):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.log = log
        self.buf = ""

    def expect(self, patterns, timeout):
        """Index of the first pattern seen after the last match, or -1 on timeout/EOF."""
        end = time.monotonic() + timeout
        while True:
            for i, pat in enumerate(patterns):
                m = pat and re.search(pat, self.buf)
                if m:
                    self.buf = self.buf[m.end():]
                    return i
            left = end - time.monotonic()
            if left <= 0:
                return -1
            ready, _, _ = select.select([self.proc.stdout], [], [], min(left, 1.0))
            if ready:
                data = os.read(self.proc.stdout.fileno(), 4096)
                if not data:
                    return -1
                text = data.decode("utf-8", "replace")
                self.log.write(text)
                self.log.flush()
                sys.stdout.write(text)
                sys.stdout.flush()
                self.buf += text

    def send(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--boot-timeout", type=float, default=120)
    ap.add_argument("--step", action="append", default=[])
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    qemu = args.qemu[1:] if args.qemu[:1] == ["--"] else args.qemu

    # A test runner's timeout sends SIGTERM: still take QEMU down with us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))
    ok = True
    with open(args.log, "w") as log:
        con = Console(qemu, log)
        try:
            t0 = time.monotonic()
            # "panic" can only be the kernel's: stop at once rather than time out.
            if con.expect([r"\$ ", r"panic"], args.boot_timeout) != 0:
                print("\n[console] no shell prompt: boot failed")
                return 1
            print("\n[console] booted in %.1f s" % (time.monotonic() - t0))
            for step in args.step:
                cmd, ok_re, fail_re, timeout = step.split(";;")
                t0 = time.monotonic()
                con.send(cmd)
                r = con.expect([ok_re, fail_re or None, r"panic: "], float(timeout))
                took = time.monotonic() - t0
                verdict = {0: "passed", 1: "FAILED", 2: "FAILED (kernel panic)"}.get(
                    r, "FAILED (timeout or QEMU exit)")
                print("\n[console] '%s' %s after %.1f s" % (cmd, verdict, took))
                if r != 0:
                    ok = False
                    if r == 2:
                        con.expect([r"\n\n"], 5)     # the rest of the panic message
                    elif r == -1 and con.proc.poll() is None:
                        print("\n[console] process list (^P):")
                        con.send("\x10")
                        con.expect([r"\$ "], 5)
                    break
                con.expect([r"\$ "], 30)
        finally:
            con.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
