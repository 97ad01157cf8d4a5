#!/bin/sh
# parity.sh PARITY_SIM KERNEL RUN_QEMU SCENARIO... - the parity check (docs/parity.md):
# each scenario runs on the simulator (PARITY_SIM FILE) and in the x86_64 kernel (KERNEL
# booted by RUN_QEMU with "only=scenario", the file passed through fw_cfg, on two cores of
# two SMT siblings with core scheduling on, as parity_sim's machine), and the decision
# lines both print ("scn: ..." on the simulator, "# scn: ..." in the kernel's TAP) must be
# the same, line for line. Any difference, a side that prints none, or a side that fails,
# fails the check; the difference is printed.
# Environment: QEMU_KVM as run_qemu.sh takes it.
set -u
if [ $# -lt 4 ]; then
	echo "usage: $0 PARITY_SIM KERNEL RUN_QEMU SCENARIO..." >&2
	exit 2
fi
sim=$1 kernel=$2 run_qemu=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
smp=4,sockets=1,cores=2,threads=2
n=0 failed=0

echo "1..$#"
for scn in "$@"; do
	n=$((n + 1))
	name=$(basename "$scn" .scn)
	"$sim" "$scn" >"$tmp/sim.out" 2>&1
	sim_status=$?
	sed -n 's/^scn: //p' "$tmp/sim.out" >"$tmp/sim"
	"$run_qemu" "$kernel" "$smp" 90 -append "core=on only=scenario" \
		-fw_cfg "name=opt/libsched/scenario,file=$scn" >"$tmp/kernel.out" 2>&1
	kernel_status=$?
	tr -d '\r' <"$tmp/kernel.out" | sed -n 's/^# scn: //p' >"$tmp/kernel"
	lines=$(wc -l <"$tmp/sim")
	why=""
	if [ "$sim_status" != 0 ]; then
		why="the simulator failed ($sim_status)"
	elif [ "$kernel_status" = 77 ]; then
		echo "ok $n - $name # SKIP $(head -n 1 "$tmp/kernel.out")"
		continue
	elif [ "$kernel_status" != 0 ]; then
		why="the kernel boot failed ($kernel_status)"
	elif [ "$lines" = 0 ]; then
		why="no decision line"
	elif ! diff -u "$tmp/sim" "$tmp/kernel" >"$tmp/diff"; then
		why="the decisions differ (- simulator, + kernel)"
	fi
	if [ -z "$why" ]; then
		echo "ok $n - $name: the simulator and the kernel decide the same, $lines lines"
		continue
	fi
	failed=$((failed + 1))
	echo "not ok $n - $name: $why"
	[ -s "$tmp/diff" ] && sed 's/^/# /' "$tmp/diff"
	if [ "$sim_status" != 0 ] || [ "$kernel_status" != 0 ]; then
		echo "# simulator:"
		sed 's/^/#   /' "$tmp/sim.out" | tail -n 20
		echo "# kernel:"
		sed 's/^/#   /' "$tmp/kernel.out" | tail -n 40
	fi
	rm -f "$tmp/diff"
done
[ "$failed" = 0 ]
