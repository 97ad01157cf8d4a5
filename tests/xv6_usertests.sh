#!/bin/sh
# xv6_usertests.sh SOURCE_ROOT BUILD_DIR [XV6_TREE] - libsched as xv6-riscv's scheduler:
# examples/xv6-riscv/run.sh (usertests -q on 3 harts, weighted shares). The tree comes from
# the meson option xv6_tree, else $XV6_TREE, else ../shared/third_party/xv6-riscv beside
# the source tree; without one, or without the riscv64 cross
# compiler and qemu-system-riscv64, the test is skipped (77) and says why.
set -eu
root=$1 build=$2 tree=${3:-${XV6_TREE:-}}
# the tree kept beside the project as test data (../shared/third_party/README.md)
if [ -z "$tree" ] && [ -d "$root/../shared/third_party/xv6-riscv/kernel" ]; then
	tree=$root/../shared/third_party/xv6-riscv
fi
if [ -z "$tree" ]; then
	echo "SKIP: no xv6-riscv tree: meson configure -Dxv6_tree=DIR, set XV6_TREE, or keep one in ../shared/third_party/xv6-riscv"
	exit 77
fi
exec "$root/examples/xv6-riscv/run.sh" "$tree" "$build/xv6-riscv"
