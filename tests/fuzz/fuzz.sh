#!/bin/bash
# fuzz.sh NAME SECONDS [CORPUS_DIR] - runs the libFuzzer target tests/fuzz/fuzz_NAME.c.
#
# Builds it with clang -fsanitize=fuzzer,address,undefined (with libsched, its SCHED_ASSERT
# checks on (-DSCHED_DEBUG=1, as in every test build), and the simulator,
# from the source tree) into $FUZZ_BUILD_DIR (default: build-fuzz/ at the top of the tree),
# then fuzzes for SECONDS seconds of wall time and prints the number of executions.
#   - Without CORPUS_DIR it starts from a scratch copy of tests/fuzz/corpus/NAME/: the
#     tree is never modified (this is what `meson test --suite fuzz` runs).
#   - With CORPUS_DIR it grows that directory in place; to fuzz for two hours and keep what
#     was found in the tree:  tests/fuzz/fuzz.sh workload 7200 tests/fuzz/corpus/workload
# Extra libFuzzer flags come from $FUZZ_ARGS (say FUZZ_ARGS="-fork=4" to use 4 cores).
# tests/fuzz/fuzz_NAME.dict, if present, is the fuzzer's dictionary.
#
# Exit status: 0 if nothing was found; 1 on a crash, leak, hang (30 s) or out-of-memory (the
# reproducer's path and the command to replay it are printed); 77 (skip) if clang cannot
# build a libFuzzer program here; 2 on bad arguments.
set -u

usage() { echo "usage: $0 NAME SECONDS [CORPUS_DIR]" >&2; exit 2; }

# All in one function, read whole before it runs: editing this file during a long run does
# not change the run.
main() {
if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
name=$1 secs=$2 corpus=${3:-}
case $secs in ''|*[!0-9]*) usage ;; esac

src=$(cd "$(dirname "$0")/../.." && pwd)
target=$src/tests/fuzz/fuzz_$name.c
[ -f "$target" ] || { echo "fuzz.sh: no target $target" >&2; exit 2; }
if [ -n "$corpus" ]; then
	mkdir -p "$corpus" || exit 2
	corpus=$(cd "$corpus" && pwd)
fi
out=${FUZZ_BUILD_DIR:-$src/build-fuzz}
mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)

# A clang that links libFuzzer programs, else skip.
cc=
for c in ${CLANG:-} clang clang-18 clang-17 clang-16 clang-15 clang-14; do
	command -v "$c" > /dev/null 2>&1 && { cc=$c; break; }
done
probe=$out/probe_$name
if [ -z "$cc" ] || ! printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' |
	"$cc" -x c - -fsanitize=fuzzer,address,undefined -o "$probe" > /dev/null 2>&1; then
	echo "1..0 # SKIP clang with -fsanitize=fuzzer is not available (set CLANG=...)"
	exit 77
fi
rm -f "$probe"

# Build when the binary is missing or older than any source it is made of.
bin=$out/fuzz_$name
sources=("$src"/libsched/*.c)
for f in "$src"/arch/sim/*.c; do
	[ "${f##*/}" = schedsim.c ] || sources+=("$f") # schedsim.c has main
done
if [ ! -x "$bin" ] || [ -n "$(find "$src/libsched" "$src/include" "$src/arch/sim" \
	"$target" "$0" -newer "$bin" -type f 2> /dev/null | head -n 1)" ]; then
	echo "fuzz.sh: building $bin with $cc"
	if ! "$cc" -std=c11 -O1 -g -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -DSCHED_DEBUG=1 \
		-I"$src/include" -I"$src/arch/sim" \
		"${sources[@]}" "$target" -o "$bin.tmp"; then
		echo "fuzz.sh: build failed"
		exit 1
	fi
	mv "$bin.tmp" "$bin"
fi

# The corpus: the given directory, or a scratch copy of the in-tree one.
seeds=$src/tests/fuzz/corpus/$name
scratch=
if [ -z "$corpus" ]; then
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_$name.XXXXXX") || exit 1
	trap 'rm -rf "$scratch"' EXIT
	corpus=$scratch/corpus
	mkdir -p "$corpus"
	[ -d "$seeds" ] && cp -R "$seeds/." "$corpus/"
fi

# Reproducers go to the build directory, which outlives the scratch copy.
artifacts=$out/artifacts_$name
mkdir -p "$artifacts"
dict=
[ -f "$src/tests/fuzz/fuzz_$name.dict" ] && dict=-dict=$src/tests/fuzz/fuzz_$name.dict
log=$out/fuzz_$name.log

count() { find "$1" -type f | wc -l; }
echo "fuzz.sh: $name for $secs s on $corpus ($(count "$corpus") inputs), log $log"
# -timeout: one input taking 30 s is a hang (the slowest inputs take a few hundred ms, on a
# loaded machine several times that); exit codes other than 77, which meson reads as a skip.
# A leak, timeout or out-of-memory stops the run like a crash. Flags in $FUZZ_ARGS come last
# and override these.
# shellcheck disable=SC2086 # $dict and $FUZZ_ARGS are word lists
"$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=30 -rss_limit_mb=2048 \
	-error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$artifacts/" \
	$dict ${FUZZ_ARGS:-} "$corpus" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
echo "fuzz.sh: $name: ${execs:-?} executions in $secs s, corpus $(count "$corpus") inputs"
if [ "$rc" -ne 0 ]; then
	repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	echo "fuzz.sh: FAILED: libFuzzer exited with $rc"
	if [ -n "$repro" ]; then
		echo "fuzz.sh: reproducer: $repro"
		echo "fuzz.sh: replay it:  $bin $repro"
		echo "fuzz.sh:   or with gcc: <builddir>/tests/fuzz/fuzz_${name}_replay $repro"
		echo "fuzz.sh: once fixed, keep it: cp $repro $seeds/$(basename "$repro" |
			sed 's/-.*//')-<what-it-found>"
	fi
	exit 1
fi
exit 0
}

main "$@"
