#!/bin/sh
# SPDX-License-Identifier: MIT
#
# consumer.sh SOURCE_ROOT BUILD_ROOT - tests/consumer/ (a tiny meson project) built against
# libsched the two ways another project would use it:
#   subproject  a copy of the consumer whose subprojects/libsched is a symlink to this
#               source tree (only the two libraries get built: the tests, the simulator and
#               the kernel are off in a subproject, and nasm, cmocka and QEMU are not needed);
#   installed   this build tree installed with `meson install --destdir` into a scratch
#               directory, found through its pkg-config files (PKG_CONFIG_PATH, and
#               PKG_CONFIG_SYSROOT_DIR for the destdir).
# Each way runs host_demo (the host library), kernel_stub (the freestanding one, on
# x86_64 Linux) and cpp_check (the headers from C++, when there is a C++ compiler).
# Exit 77 (skipped) without meson, ninja or pkg-config. CC, when set, is the compiler.
set -eu
src=$1
build=$2
for tool in meson ninja pkg-config; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "consumer.sh: $tool not found: skipped"
		exit 77
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # DIR: the consumer's programs
	"$1/host_demo"
	case "$(uname -m)-$(uname -s)" in
	x86_64-Linux) "$1/kernel_stub" && echo "kernel_stub: exit 0" ;;
	esac
	if [ -x "$1/cpp_check" ]; then "$1/cpp_check"; fi
}

echo "== as a subproject"
cp -R "$src/tests/consumer" "$tmp/sub"
mkdir "$tmp/sub/subprojects"
ln -s "$src" "$tmp/sub/subprojects/libsched"
meson setup "$tmp/sub-build" "$tmp/sub" --force-fallback-for=libsched,libsched-kernel \
	>"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; exit 1; }
sed -n '/^  Parts/,/^$/p' "$tmp/setup.log"
ninja -C "$tmp/sub-build" -j 2 >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
run "$tmp/sub-build"

echo "== installed, through pkg-config"
meson install -C "$build" --no-rebuild --destdir "$tmp/dest" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; exit 1; }
pc=$(find "$tmp/dest" -name libsched.pc | head -n 1)
if [ -z "$pc" ] || [ ! -f "$(dirname "$pc")/libsched-kernel.pc" ]; then
	echo "no libsched.pc and libsched-kernel.pc under the install"
	find "$tmp/dest"
	exit 1
fi
cp -R "$src/tests/consumer" "$tmp/pkg"
PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$tmp/dest \
	meson setup "$tmp/pkg-build" "$tmp/pkg" --wrap-mode=nofallback \
	>"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; exit 1; }
grep 'dependency libsched' "$tmp/setup.log" || true
schedsim=$(find "$tmp/dest" -name schedsim -type f | head -n 1)
if [ -n "$schedsim" ]; then "$schedsim" --version; fi
ninja -C "$tmp/pkg-build" -j 2 >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
run "$tmp/pkg-build"
