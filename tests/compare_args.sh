#!/bin/sh
# compare_args.sh SOURCE_ROOT
#
# bench/compare.sh without building anything: --help, its refusals of bad arguments (exit 2)
# and of a bad revision (exit 1, before any worktree or build), and that every workload and
# count script it names exists in this tree (a renamed one would otherwise turn its figures
# into "-" on both sides without a word).
set -eu
src=$1
cmp=$src/bench/compare.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LIBSCHED_COMPARE_DIR="$tmp/cache"
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect STATUS TEXT ARGS...: compare.sh ARGS exits with STATUS and prints TEXT (either stream)
expect() {
	want=$1 text=$2
	shift 2
	rc=0
	"$cmp" "$@" >"$tmp/out" 2>&1 || rc=$?
	[ "$rc" = "$want" ] || fail "compare.sh $*: exit $rc, expected $want: $(cat "$tmp/out")"
	grep -q -- "$text" "$tmp/out" || fail "compare.sh $*: no '$text' in: $(cat "$tmp/out")"
}

expect 0 'usage: bench/compare.sh' --help
expect 0 '/tmp/libsched-compare/<sha>' -h
expect 2 'two revisions expected, got 0'
expect 2 'two revisions expected, got 3' a b c
expect 2 "unknown option '--bogus'" --bogus HEAD
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1 && command -v valgrind >/dev/null &&
	command -v python3 >/dev/null && command -v meson >/dev/null && command -v ninja >/dev/null
then
	expect 1 "bad revision 'no-such-rev-0000'" HEAD no-such-rev-0000
	[ ! -e "$tmp/cache" ] || [ -z "$(ls "$tmp/cache")" ] ||
		fail "a bad revision left something in the build cache: $(ls "$tmp/cache")"
else
	echo "(not a git checkout, or valgrind/python3/meson/ninja missing: revision check skipped)"
fi

# What the script measures must exist here.
sed -n 's/^[a-z_]* \(examples\/[^ ]*\|tests\/workloads\/[^ ]*\) .*/\1/p;
	s/^WORKLOADS="[a-z_]* \([^ ]*\) .*/\1/p' "$cmp" >"$tmp/files"
grep -o 'bench/bench_[a-z_]*_count\.sh' "$cmp" | sort -u >>"$tmp/files"
[ "$(wc -l <"$tmp/files")" -ge 4 ] || fail "could not read the workload list of compare.sh"
while read -r f; do
	[ -f "$src/$f" ] || fail "compare.sh names $f, which is not in the tree"
done <"$tmp/files"
echo "compare.sh: help, argument errors and $(wc -l <"$tmp/files") named files checked"
