#!/bin/sh
# compare.sh [--help] A B
#
# Before/after figures for a change between two commits A and B: each commit is built in a
# temporary git worktree (removed on exit, whatever happens), then measured the same way, and
# one line per figure prints A, B and B/A. See --help for what is measured.
#
# The figures come from each commit's own benchmarks and simulator, so an older commit that
# lacks a benchmark, a workload or a row simply has "-" in that column.
set -eu

usage() {
	cat <<'EOF'
usage: bench/compare.sh [--help] A B
       make bench-compare A=<rev> B=<rev>

Builds commits A and B (any git revisions) and prints, one line per figure, the figure at
A, at B and the ratio B/A ("-" where one commit lacks the benchmark, row or workload; "="
where both are 0). A and B are commits: changes not committed are not measured.

Instruction counts (valgrind --tool=callgrind; exact, they do not move with machine load):
  class_cycle   bench_class_cycle: one enqueue+pick+dequeue of the fair class (eevdf) or
                rr with 10,000 threads queued; only the class's functions are counted
                (--toggle-collect='eevdf_*' or 'rr_*'), the set-up is left out
  lib/switch    schedsim under --toggle-collect='sched_*': instructions inside the library
                (wake, block, pick and switch, timer, balance) per context switch, on the
                workloads below
  sc            bench/bench_sc_count.sh rows (timer charge and pick-and-switch, fair and SC)
  core          bench/bench_core_count.sh rows at 2 CPUs (pick; event: the whole timer or
                IPI interrupt), core scheduling off and on
  balance       bench/bench_balance_count.sh rows (one sched__balance call)
Simulator figures (schedsim --json, deterministic; same file, flags and seed in both):
  switches, migrations, misses (deadline), wake_p99 (the worst thread's p99 wake latency,
  ns), min_share (within each task of several instances, the least runtime over the most;
  the smallest over all such tasks), on fixed workloads from examples/ and tests/workloads.
  host_s: the host seconds of the same run. It is host timing, noisy on a loaded machine,
  and printed apart from the exact figures.

Builds: meson, the default buildtype (debugoptimized, as docs/performance.md), debug checks
off where the commit has the option (-Dasserts=false, what a kernel ships), the kernel,
tests and sanitizer builds off where the commit has those options, and only the targets the
figures need. Each commit's build is kept in $LIBSCHED_COMPARE_DIR/<sha> (default
/tmp/libsched-compare/<sha>): a second comparison involving the same commit does not build
again (remove that directory to force a rebuild).

Exit status: 0 after printing the table; 1 for a bad revision, a failed build or a
measurement that failed to run; 2 for bad arguments.
Needs: git, meson, ninja, valgrind, python3.
EOF
}

die() { echo "compare.sh: $*" >&2; exit 1; }

case ${1:-} in
-h | --help) usage; exit 0 ;;
-*) echo "compare.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac
[ $# -eq 2 ] || { echo "compare.sh: two revisions expected, got $#" >&2; usage >&2; exit 2; }

top=$(cd "$(dirname "$0")/.." && pwd)
git -C "$top" rev-parse --git-dir >/dev/null 2>&1 || die "$top is not a git checkout"
for tool in meson ninja valgrind python3; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
sha_a=$(git -C "$top" rev-parse --verify -q "$1^{commit}") || die "bad revision '$1'"
sha_b=$(git -C "$top" rev-parse --verify -q "$2^{commit}") || die "bad revision '$2'"

cache=${LIBSCHED_COMPARE_DIR:-/tmp/libsched-compare}
mkdir -p "$cache"
tmp=$(mktemp -d)
worktrees=""
cleanup() {
	for w in $worktrees; do
		[ -d "$w" ] || continue
		git -C "$top" worktree remove --force "$w" >/dev/null 2>&1 ||
			{ rm -rf "$w"; git -C "$top" worktree prune >/dev/null 2>&1 || true; }
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# The targets the figures need; a commit builds those it has.
TARGETS="arch/sim/schedsim bench/bench_class_cycle bench/bench_sc bench/bench_core
bench/bench_balance"

# build SHA: $cache/SHA/build holds the targets, $cache/SHA/src the scripts and workloads
# (the worktree itself goes once the build is done).
build() {
	dir=$cache/$1
	[ -f "$dir/built" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir/src"
	wt=$cache/worktree-$1
	rm -rf "$wt"
	worktrees="$worktrees $wt"
	git -C "$top" worktree add --detach "$wt" "$1" >"$dir/log" 2>&1 ||
		die "git worktree add for $1 failed (log: $dir/log)"
	opts=""
	if [ -f "$wt/meson_options.txt" ]; then
		for o in kernel tests sanitizers; do
			grep -q "option('$o'" "$wt/meson_options.txt" && opts="$opts -D$o=disabled"
		done
		grep -q "option('asserts'" "$wt/meson_options.txt" && opts="$opts -Dasserts=false"
	fi
	echo "building $(git -C "$top" log -1 --format='%h %s' "$1" | cut -c1-60)..." >&2
	# shellcheck disable=SC2086 # opts is a list of words
	meson setup $opts "$dir/build" "$wt" >>"$dir/log" 2>&1 ||
		die "meson setup failed for $1 (log: $dir/log)"
	have=$(ninja -C "$dir/build" -t targets all 2>/dev/null | sed 's/:.*//')
	want=""
	for t in $TARGETS; do
		echo "$have" | grep -qx "$t" && want="$want $t"
	done
	# (none at all: not a libsched commit this script can measure, rather than a whole build)
	# shellcheck disable=SC2086 # one word per target in the message
	[ -n "$want" ] || die "$1 has none of the programs the figures need:" $TARGETS
	# shellcheck disable=SC2086
	ninja -C "$dir/build" $want >>"$dir/log" 2>&1 || die "build failed for $1 (log: $dir/log)"
	# what the measurements read from the source tree, kept beside the build
	(cd "$wt" && tar -cf - bench examples tests/workloads 2>/dev/null) | tar -xf - -C "$dir/src"
	git -C "$top" worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"
	touch "$dir/built"
}

# Workloads: NAME FILE FLAGS. Two seconds each, fixed flags: a commit that cannot run one
# (file or flag missing) gets "-".
WORKLOADS="demo examples/demo.json --cpus 4 --smt 2
sleepers tests/workloads/sleepers.json --cpus 2
hogs_nice tests/workloads/hogs_nice.json --cpus 2
deadline tests/workloads/deadline_periodic.json --cpus 2"

# sim_figures SCHEDSIM FILE FLAGS...: the figures of one schedsim run, "NAME VALUE" lines,
# host_s among them; fails if this schedsim cannot run it (a flag or a key it lacks).
sim_figures() {
	python3 - "$@" <<'EOF'
import json, subprocess, sys, time
cmd = [sys.argv[1]] + sys.argv[3:] + ["--duration", "2", "--json", sys.argv[2]]
t0 = time.monotonic()
p = subprocess.run(cmd, capture_output=True, text=True)
host = time.monotonic() - t0
if p.returncode != 0:
    sys.stderr.write(p.stderr)
    sys.exit(1)
th = json.loads(p.stdout)["threads"]
tasks = {}
for t in th:
    tasks.setdefault(t["name"], []).append(t["runtime_ns"])
shares = [min(v) / max(v) for v in tasks.values() if len(v) > 1 and max(v) > 0]
print("switches", sum(t["switches"] for t in th))
print("migrations", sum(t["migrations"] for t in th))
print("misses", sum(t.get("deadline_misses", 0) for t in th))
print("wake_p99_ns", max(t["wake_latency_ns"]["p99"] for t in th))
if shares:
    print("min_share", "%.3f" % min(shares))
print("host_s", "%.3f" % host)
EOF
}

# exact SHA OUT: one "KEY<TAB>VALUE" line per exact figure into OUT, in print order.
exact() {
	dir=$cache/$1 out=$2
	b=$dir/build src=$dir/src
	: >"$out"
	for pol in eevdf rr; do
		[ -x "$b/bench/bench_class_cycle" ] || break
		cg=$tmp/cc.$1.$pol
		# the loop's part is the last one, after the set-up's final sched_finish_switch
		valgrind --tool=callgrind --toggle-collect="${pol}_*" \
			--dump-after=sched_finish_switch --callgrind-out-file="$cg" \
			"$b/bench/bench_class_cycle" "$pol" >"$tmp/log" 2>&1 ||
			die "bench_class_cycle $pol failed at $1: $(tail -3 "$tmp/log")"
		printf 'class_cycle %s instr/cycle\t%s\n' "$pol" \
			"$(sed -n 's/^totals: //p' "$cg" | awk '{ printf "%.1f", $1 / 200000 }')" >>"$out"
	done
	if [ -x "$b/bench/bench_sc" ] && [ -f "$src/bench/bench_sc_count.sh" ]; then
		sh "$src/bench/bench_sc_count.sh" "$b/bench/bench_sc" >"$tmp/sc" 2>"$tmp/log" ||
			die "bench_sc_count.sh failed at $1: $(tail -3 "$tmp/log")"
		# path thread refills instr vs_fair (the toggle row is the measurement's own cost)
		awk 'NR > 2 && $1 != "toggle" && $4 ~ /^[0-9.]+$/ {
			printf "sc %s %s refills=%s instr\t%s\n", $1, $2, $3, $4 }' "$tmp/sc" >>"$out"
	fi
	if [ -x "$b/bench/bench_core" ] && [ -f "$src/bench/bench_core_count.sh" ]; then
		sh "$src/bench/bench_core_count.sh" "$b/bench/bench_core" >"$tmp/core" 2>"$tmp/log" ||
			die "bench_core_count.sh failed at $1: $(tail -3 "$tmp/log")"
		# row cpus pick vs_off event vs_off ipis
		awk '$2 == 2 && $3 ~ /^[0-9.]+$/ {
			printf "core %s pick instr\t%s\ncore %s event instr\t%s\n", $1, $3, $1, $5 }' \
			"$tmp/core" >>"$out"
	fi
	if [ -x "$b/bench/bench_balance" ] && [ -f "$src/bench/bench_balance_count.sh" ]; then
		sh "$src/bench/bench_balance_count.sh" "$b/bench/bench_balance" >"$tmp/bal" \
			2>"$tmp/log" || die "bench_balance_count.sh failed at $1: $(tail -3 "$tmp/log")"
		# part cpus threads calls instr/call moves/call
		awk '$2 ~ /^[0-9]+$/ && $5 ~ /^[0-9.]+$/ {
			printf "balance %s cpus=%s threads=%s instr/call\t%s\n", $1, $2, $3, $5 }' \
			"$tmp/bal" >>"$out"
	fi
	[ -x "$b/arch/sim/schedsim" ] || return 0
	echo "$WORKLOADS" | while read -r name file flags; do
		[ -f "$src/$file" ] || continue
		# shellcheck disable=SC2086 # flags is a list of words
		sim_figures "$b/arch/sim/schedsim" "$src/$file" $flags >"$tmp/wl" 2>/dev/null ||
			continue
		awk -v n="$name" '$1 != "host_s" { printf "sim %s %s\t%s\n", n, $1, $2 }' \
			"$tmp/wl" >>"$out"
		switches=$(awk '$1 == "switches" { print $2 }' "$tmp/wl")
		# shellcheck disable=SC2086
		valgrind --tool=callgrind --toggle-collect='sched_*' --callgrind-out-file="$tmp/lib" \
			"$b/arch/sim/schedsim" $flags --duration 2 "$src/$file" >/dev/null 2>"$tmp/log" ||
			die "schedsim under callgrind failed at $1 on $file: $(tail -3 "$tmp/log")"
		sed -n 's/^totals: //p' "$tmp/lib" | awk -v n="$name" -v s="$switches" \
			's > 0 { printf "lib/switch %s instr\t%.1f\n", n, $1 / s }' >>"$out"
	done
}

# measure SHA OUT: the exact figures, then the host time of each workload, measured every
# time. The exact figures do not change from run to run: they are kept per commit, under a
# checksum of the text from "# Workloads:" to this function (what measures them), so a
# change to the measurements measures again and no other change does.
measure() {
	kept=$cache/$1/exact.$(awk '/^# measure SHA OUT:/ { exit } /^# Workloads:/, 0' \
		"$top/bench/compare.sh" | cksum | cut -d' ' -f1)
	if [ ! -f "$kept" ]; then
		echo "counting instructions at $(git -C "$top" rev-parse --short "$1")" \
			"(minutes; kept for the next run)..." >&2
		exact "$1" "$tmp/exact"
		mv "$tmp/exact" "$kept"
	fi
	cp "$kept" "$2"
	echo "$WORKLOADS" | while read -r name file flags; do
		[ -f "$cache/$1/src/$file" ] || continue
		# shellcheck disable=SC2086
		sim_figures "$cache/$1/build/arch/sim/schedsim" "$cache/$1/src/$file" $flags \
			2>/dev/null | awk -v n="$name" '$1 == "host_s" {
			printf "sim %s host_s\t%s\n", n, $2 }' >>"$2" || true
	done
}

build "$sha_a"
build "$sha_b"
measure "$sha_a" "$tmp/a"
measure "$sha_b" "$tmp/b"

# Side by side: A's figures in A's order, then those only B has; host time last, apart.
short_a=$(git -C "$top" rev-parse --short "$sha_a")
short_b=$(git -C "$top" rev-parse --short "$sha_b")
awk -F '\t' -v a="$short_a" -v b="$short_b" '
	{ f = FILENAME == ARGV[1] ? 1 : 2
	  if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } v[f, $1] = $2 }
	# B/A; "=" for 0 and 0, "inf" for 0 then more
	function row(k,   x, y, r) {
		x = ((1, k) in v) ? v[1, k] : "-"; y = ((2, k) in v) ? v[2, k] : "-"
		r = x == "-" || y == "-" ? "-" : x + 0 != 0 ? sprintf("%.3f", y / x) : \
			y + 0 == 0 ? "=" : "inf"
		printf "%-48s %10s %10s %7s\n", k, x, y, r
	}
	END {
		printf "%-48s %10s %10s %7s\n", "figure", a, b, "B/A"
		for (i = 1; i <= n; i++) if (order[i] !~ /host_s$/) row(order[i])
		printf "host time (seconds of one schedsim run: noisy, not a cost figure)\n"
		for (i = 1; i <= n; i++) if (order[i] ~ /host_s$/) row(order[i])
	}' "$tmp/a" "$tmp/b"
