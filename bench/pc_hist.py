#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pc_hist.py LOG ELF [--top N] [--source nmi|pit|timer|all]

The x86_64 benchmark boot's PC samples by function. LOG is the boot's serial output, whose
"# pc: SOURCE ADDRESS CLASS COUNT" lines the kernel's sampler prints at the end
(arch/x86_64/kernel/ksample.c); ELF is the kernel image that ran (kernel-bench.elf), whose
`nm -n` gives the function each kernel address falls in: the last text symbol at or below
it. Ring-3 addresses belong to the programs, not to the kernel image: they are counted as
one row, "[ring 3]". The class is the kernel's (library: libsched's text range in the
linker script; arch: the rest of the kernel; idle: the idle loop's halt; user: CPL 3).

Prints, per source, the samples per class and the top N functions (default 20) with their
counts and per mille of that source's samples, grouped by class. The sources: nmi (CPUs
1.., an NMI at each PIT tick: neither chosen by the scheduler nor held off by masked
interrupts), pit (CPU 0, the PIT tick itself, maskable: a tick due while interrupts are
off lands where they come back on) and timer (libsched's own timer interrupts, maskable).
Environment: NM (default nm).
"""
import argparse
import bisect
import os
import subprocess
import sys

CLASSES = ("library", "arch", "idle", "user")
SOURCES = ("nmi", "pit", "timer")


def read_samples(log_path):
    """{source: {(address, class): count}} from the "# pc:" lines."""
    samples = {s: {} for s in SOURCES}
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.startswith("# pc: "):
                continue
            fields = line.split()
            if len(fields) != 6 or fields[2] not in SOURCES or fields[4] not in CLASSES:
                sys.exit(f"pc_hist: malformed line: {line.rstrip()}")
            key = (int(fields[3], 16), fields[4])
            bucket = samples[fields[2]]
            bucket[key] = bucket.get(key, 0) + int(fields[5])
    return samples


def read_symbols(elf_path):
    """Sorted text symbols of the kernel: ([address], [name])."""
    nm = os.environ.get("NM", "nm")
    out = subprocess.run([nm, "-n", elf_path], check=True, capture_output=True,
                         text=True).stdout
    addrs, names = [], []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) != 3 or fields[1] not in "tTwW":
            continue
        addrs.append(int(fields[0], 16))
        names.append(fields[2])
    return addrs, names


def function_of(addr, cls, symbols):
    if cls == "user":
        return "[ring 3]"
    addrs, names = symbols
    i = bisect.bisect_right(addrs, addr) - 1
    return names[i] if i >= 0 else f"[unknown {addr:x}]"


def report(source, counts, symbols, top, elf_name):
    total = sum(counts.values())
    print(f"pc_hist: {source} samples: {total} ({elf_name})")
    if not total:
        return
    per_class = {c: 0 for c in CLASSES}
    per_func = {}
    for (addr, cls), n in counts.items():
        per_class[cls] += n
        key = (cls, function_of(addr, cls, symbols))
        per_func[key] = per_func.get(key, 0) + n
    print("  " + "  ".join(f"{c} {per_class[c]} ({per_class[c] * 1000 // total} permille)"
                           for c in CLASSES))
    best = sorted(per_func.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    print(f"  top {len(best)} functions, by class:")
    print(f"  {'class':<8} {'function':<36} {'samples':>8} {'permille':>8}")
    for cls in CLASSES:
        for (c, func), n in best:
            if c == cls:
                print(f"  {cls:<8} {func:<36} {n:>8} {n * 1000 // total:>8}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("elf")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--source", choices=SOURCES + ("all",), default="all")
    args = ap.parse_args()
    samples = read_samples(args.log)
    if not any(samples.values()):
        sys.exit("pc_hist: no '# pc:' lines in the log (a boot with sample=off, or cut short?)")
    symbols = read_symbols(args.elf)
    for source in SOURCES:
        if args.source in (source, "all"):
            report(source, samples[source], symbols, args.top, os.path.basename(args.elf))


if __name__ == "__main__":
    main()
