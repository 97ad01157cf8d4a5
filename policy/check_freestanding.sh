#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check_freestanding.sh CC SRCDIR - the policy service builds with no libc at all: every
# policy/*.c compiled as the x86_64 kernel compiles (-ffreestanding -nostdlib -fno-builtin,
# no red zone, general registers only: any floating point fails to compile) and with
# -nostdinc, seeing only the compiler's own stdint/stddef/stdbool, libsched's headers,
# <uthash.h> (alone, from its installed place) and the empty stand-ins in policy/nolibc;
# then, at -O0, -O2 and -Os, the objects linked together may need nothing but sched_*
# (no memcpy, memset, malloc, ...).
set -eu
cc=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

uthash=$(printf '#include <uthash.h>\n' | "$cc" -M -x c - 2>/dev/null |
	tr ' \\' '\n\n' | grep '/uthash\.h$' | head -n 1)
if [ -z "$uthash" ]; then
	echo "uthash.h not found (apt-get install uthash-dev)"
	exit 1
fi
mkdir "$tmp/inc"
ln -s "$uthash" "$tmp/inc/uthash.h"
gcc_inc=$("$cc" -print-file-name=include)
# gcc turns copy loops into memcpy calls unless told not to (clang has no such flag)
nodist=
if "$cc" -fno-tree-loop-distribute-patterns -x c -c /dev/null -o "$tmp/probe.o" 2>/dev/null; then
	nodist=-fno-tree-loop-distribute-patterns
fi

for opt in -O0 -O2 -Os; do
	for f in "$src"/policy/*.c; do
		"$cc" -std=c11 $opt -Wall -Wextra -Werror -ffreestanding -nostdlib -fno-builtin \
			-nostdinc -isystem "$gcc_inc" -I"$src/policy/nolibc" -I"$tmp/inc" \
			-I"$src/include" -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
			-fno-stack-protector $nodist \
			-c "$f" -o "$tmp/$(basename "$f" .c)$opt.o"
	done
	ld -r "$tmp"/*"$opt".o -o "$tmp/all$opt.o"
	extra=$(nm -u "$tmp/all$opt.o" | awk '{print $2}' | grep -v '^sched_' || true)
	if [ -n "$extra" ]; then
		echo "$opt: the policy service needs more than libsched:"
		echo "$extra"
		exit 1
	fi
	echo "$opt: needs only $(nm -u "$tmp/all$opt.o" | wc -l) sched_* symbols"
done
