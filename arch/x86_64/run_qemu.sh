#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run_qemu.sh ELF SMP TIMEOUT_SECONDS [extra qemu args...]
#
# Boots ELF (a PVH kernel) with -smp SMP, 256 MiB and the serial port on stdout, under TCG
# by default, or KVM when QEMU_KVM=1: then KVM must be usable (/dev/kvm readable and
# writable, and the CPU has VT-x/AMD-V), else this prints a TAP skip line and exits 77,
# which meson counts as skipped. QEMU_KVM=force skips the VT-x/AMD-V check.
# The kernel leaves through isa-debug-exit: qemu_exit(0) makes QEMU exit with status 1,
# the only status treated as success here. QEMU is killed after TIMEOUT_SECONDS (SIGTERM,
# then SIGKILL 5 s later) and the run fails: a guest that hangs never hangs the caller.
# Keep TIMEOUT_SECONDS under the caller's own limit (meson's timeout) so that this report,
# with the guest's output so far, is what the log shows.
# Environment: QEMU (binary, default qemu-system-x86_64), QEMU_KVM=1 or force.
set -u

if [ $# -lt 3 ]; then
	echo "usage: $0 ELF SMP TIMEOUT_SECONDS [extra qemu args...]" >&2
	exit 2
fi
elf=$1
smp=$2
timeout_s=$3
shift 3
qemu=${QEMU:-qemu-system-x86_64}

if [ ! -f "$elf" ]; then
	echo "run_qemu.sh: no such kernel image: $elf" >&2
	exit 2
fi
# QEMU is needed only to run the kernels, not to build them: without it the QEMU tests are
# skipped (77), as the KVM ones are without KVM.
if ! command -v "$qemu" >/dev/null 2>&1; then
	echo "1..0 # SKIP $qemu not found (apt-get install qemu-system-x86)"
	echo "run_qemu.sh: $qemu not found (apt-get install qemu-system-x86)" >&2
	exit 77
fi

# TCG offers neither TSC-deadline nor invariant-TSC CPUID bits (QEMU 7.2 drops them with a
# warning, on every -cpu model), so the timer runs in LAPIC one-shot mode there. -cpu max
# gives NX and the extended topology leaf 0xB; the Intel vendor adds the cache leaf 4 (the
# LLC) and avoids QEMU's "AMD CPU doesn't support hyperthreading" warning for threads=2
# (TCG has no topoext).
accel="-accel tcg -cpu max,vendor=GenuineIntel"
case ${QEMU_KVM:-0} in
1 | force)
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "1..0 # SKIP no KVM (/dev/kvm missing or not accessible)"
		exit 77
	fi
	# KVM without VT-x/AMD-V (kvm_pvm, a paging-based software hypervisor) does not deliver
	# a ring-3 int 0x80 through the guest IDT (the guest gets #UD): not a faithful x86.
	if [ "$QEMU_KVM" = 1 ] && ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
		echo "1..0 # SKIP /dev/kvm without VT-x/AMD-V (software KVM such as kvm_pvm);" \
			"QEMU_KVM=force runs it anyway"
		exit 77
	fi
	accel="-accel kvm -cpu host" ;;
esac

echo "# $qemu $accel -smp $smp ($(basename "$elf"), timeout ${timeout_s}s)"
start=$(date +%s)
# shellcheck disable=SC2086 # $accel is a list of words
timeout -k 5 "$timeout_s" "$qemu" $accel \
	-kernel "$elf" -smp "$smp" -m 256M \
	-display none -no-reboot -monitor none -serial stdio \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	"$@" </dev/null
status=$?
elapsed=$(( $(date +%s) - start ))

case $status in
1)
	echo "# qemu: kernel exited with qemu_exit(0) after ${elapsed}s: PASS"
	exit 0 ;;
124 | 137)
	echo "# qemu: no exit within ${timeout_s}s (a hang, or a host far too busy), killed: FAIL"
	exit 1 ;;
0)
	echo "# qemu: exited with status 0 (triple fault with -no-reboot, or powered off): FAIL"
	exit 1 ;;
*)
	if [ $((status & 1)) = 1 ] && [ "$status" -lt 256 ]; then
		echo "# qemu: kernel exited with qemu_exit($(( (status - 1) / 2 ))) (status $status): FAIL"
	else
		echo "# qemu: status $status: FAIL"
	fi
	exit 1 ;;
esac
