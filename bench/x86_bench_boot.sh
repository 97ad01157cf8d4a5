#!/bin/sh
# SPDX-License-Identifier: MIT
#
# x86_bench_boot.sh [BUILD_DIR [SMP [TIMEOUT_SECONDS [extra qemu args...]]]]
#
# The x86_64 benchmark boot, as `make bench` runs it: boots BUILD_DIR's kernel-bench.elf
# (default build, 2 CPUs, 600 s: a boot took 200 to 250 s under TCG on a 2-CPU host
# loaded to 18-20 runnable threads) with arch/x86_64/run_qemu.sh, prints its serial output
# without the logging A/B's per-switch lines and the sampler's "# pc:" lines (it counts
# them), then the PC samples by function (bench/pc_hist.py with the same ELF). Set
# BENCH_LOG=FILE to keep the whole serial output there. Exit status: run_qemu.sh's, or 1 if
# the histogram cannot be made from a boot that passed.
# Extra arguments go to QEMU: `-append sample=off` boots without the sampler.
set -u
here=$(dirname "$0")
build=${1:-build}
smp=${2:-2}
timeout_s=${3:-600}
if [ $# -gt 3 ]; then shift 3; else shift $#; fi
elf=$build/arch/x86_64/kernel/kernel-bench.elf
log=${BENCH_LOG:-$(mktemp)}
switch_line='^\[cpu[0-9]*\] switch -> '

"$here/../arch/x86_64/run_qemu.sh" "$elf" "$smp" "$timeout_s" "$@" >"$log"
status=$?
grep -v -e "$switch_line" -e '^# pc: ' "$log"
echo "# ($(grep -c "$switch_line" "$log") per-switch log lines and" \
	"$(grep -c '^# pc: ' "$log") '# pc:' lines not shown)"
if [ "$status" = 0 ] && grep -q '^# pc: ' "$log"; then
	python3 "$here/pc_hist.py" "$log" "$elf" || status=1
fi
[ -n "${BENCH_LOG:-}" ] || rm -f "$log"
exit "$status"
