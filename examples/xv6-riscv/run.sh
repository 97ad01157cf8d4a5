#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh XV6_TREE BUILD_DIR: libsched as xv6-riscv's scheduler, tested with xv6's own tests.
#
# Copies the pristine xv6-riscv tree XV6_TREE to BUILD_DIR/xv6, applies xv6.patch, builds
# it with Debian's riscv64-linux-gnu- cross compiler (libsched's sources from this tree),
# then boots it twice in qemu-system-riscv64 (TCG; never KVM):
#   1. 3 harts: `usertests -q` must print ALL TESTS PASSED; then `shares 3` (three
#      children at each of nice 0, 5, 10 over all harts) must come out in weight order;
#   2. 1 hart, a fresh disk: `shares 1` (one child at each nice level on one hart).
# Exits 0 when all of that passed, 77 (skip) when a tool or the tree is missing, 1
# otherwise. Console logs: BUILD_DIR/xv6/console-*.log. Times are printed, never checked.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -eq 2 ] || { echo "usage: $0 XV6_TREE BUILD_DIR" >&2; exit 2; }
tree=$1
build=$2

skip() { echo "SKIP: $*"; exit 77; }
[ -f "$tree/kernel/proc.c" ] || skip "no xv6-riscv tree at $tree"
for tool in riscv64-linux-gnu-gcc qemu-system-riscv64 python3 patch make perl; do
	command -v $tool >/dev/null 2>&1 ||
		skip "$tool not found (apt-get install gcc-riscv64-linux-gnu qemu-system-misc)"
done

mkdir -p "$build"
src=$(cd "$build" && pwd)/xv6
rm -rf "$src"
cp -R "$tree" "$src"
chmod -R u+w "$src"
(cd "$src" && patch -p1 -s < "$here/xv6.patch")

echo "== building xv6-riscv with libsched (riscv64-linux-gnu-gcc) =="
t0=$(date +%s)
make -C "$src" -s -j2 TOOLPREFIX=riscv64-linux-gnu- LIBSCHED="$root" kernel/kernel fs.img \
	> "$src/build.log" 2>&1 || { tail -30 "$src/build.log"; echo "FAIL: build"; exit 1; }
echo "built in $(( $(date +%s) - t0 )) s"
cp "$src/fs.img" "$src/fs-clean.img"

# qemu ARGS for a boot with $1 harts on disk image $2 (xv6's own QEMUOPTS).
qemu_cmd() {
	echo qemu-system-riscv64 -machine virt -bios none -kernel "$src/kernel/kernel" \
		-m 128M -smp "$1" -nographic -global virtio-mmio.force-legacy=false \
		-drive file="$2",if=none,format=raw,id=x0 \
		-device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0
}

status=0
echo "== boot 1: 3 harts: usertests -q, then shares over all harts =="
python3 "$here/console.py" --log "$src/console-3harts.log" \
	--step 'usertests -q;;ALL TESTS PASSED;;SOME TESTS FAILED;;780' \
	--step 'shares 3 30;;shares: ok;;shares: BAD;;120' \
	-- $(qemu_cmd 3 "$src/fs.img") || status=1

echo "== boot 2: 1 hart: shares =="
cp "$src/fs-clean.img" "$src/fs-1hart.img"
python3 "$here/console.py" --log "$src/console-1hart.log" \
	--step 'shares 1 30;;shares: ok;;shares: BAD;;120' \
	-- $(qemu_cmd 1 "$src/fs-1hart.img") || status=1

[ $status -eq 0 ] && echo "PASS: usertests -q and shares" || echo "FAIL: see above"
exit $status
