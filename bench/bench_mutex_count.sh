#!/bin/sh
# bench_mutex_count.sh [BENCH_MUTEX]
#
# Instructions per library call for the rows of bench_mutex (uncontended lock and unlock;
# a lock that blocks and an unlock that hands over, bare / plain / proxy, for three owner
# and waiter pairs; a chain of 4 owners), from one callgrind run of `bench_mutex count`:
# for each row and call, collection is on only around that call, over a fixed number of
# cycles, and a stats dump follows, so each dump holds exactly that call's instructions
# (as bench/callgrind_dumps.sh runs it). The cost of a collection toggle pair (the `toggle`
# dump: the same toggles around nothing) is subtracted. Columns:
#   instr     per call, everything the call executed
#   hooks     of which in the simulator's arch hooks (sched_arch_* of arch/sim/sim.c and
#             what they call: a timer re-arm to a new instant pushes an event on its heap),
#             from callgrind_annotate's inclusive costs
#   lib       instr - hooks: the library's own instructions
#   vs_bare   lib against the same call with no mutex (sched_block, sched_wake): what the
#             mutex's own bookkeeping adds to the switch
#   vs_plain  lib of a SCHED_MUTEX_PROXY mutex against a SCHED_MUTEX_PLAIN one: the lending
# chain4 `unlocks`: the four unlocks of the unwind together.
# Unlike host timings these do not move with machine load. Needs valgrind
# (callgrind_annotate comes with it).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build/bench/bench_mutex}

[ -x "$bin" ] || { echo "bench_mutex not built: run 'make' first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$tmp/cg" \
	"$bin" count > "$tmp/log" 2>&1; then
	cat "$tmp/log" >&2
	exit 1
fi
# one line per dump, in dump order: "CASE OWNER WAITER MUTEX CALL CYCLES TOTALS HOOKS"
ls "$tmp" | sed -n 's/^cg\.\([0-9]*\)$/\1/p' | sort -n | while read -r i; do
	f="$tmp/cg.$i"
	hooks=$(callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$f" |
		awk '$0 ~ /sim\.c:sched_arch_[a-z_]* / { gsub(",", "", $1); n += $1 } END { print n + 0 }')
	echo "$(sed -n 's/^desc: Trigger: Client Request: //p' "$f") $(sed -n 's/^totals: //p' "$f") $hooks"
done | awk '
	function line(c, o, w, m, call, n, h, key, pos,   b, p) {
		l = n - h
		b = (m != "bare" && (key, "bare", pos) in v) ? sprintf("%+9.1f", l - v[key, "bare", pos]) : sprintf("%9s", "-")
		p = (m == "proxy" && (key, "plain", pos) in v) ? sprintf("%+9.1f", l - v[key, "plain", pos]) : sprintf("%9s", "-")
		printf "%-9s %-6s %-7s %-6s %-10s %8.1f %7.1f %8.1f %s %s\n", c, o, w, m, call, n, h, l, b, p
	}
	BEGIN { printf "bench_mutex count: instructions per library call (callgrind)\n"
		printf "%-9s %-6s %-7s %-6s %-10s %8s %7s %8s %9s %9s\n", "case", "owner", "waiter", "mutex", "call", "instr", "hooks", "lib", "vs_bare", "vs_plain" }
	$1 == "toggle" { toggle = $7 / $6
		printf "%-9s %-6s %-7s %-6s %-10s %8.1f %7s %8s %9s %9s\n", "toggle", "-", "-", "-", "-", toggle, "-", "-", "-", "-"; next }
	{ key = $1 SUBSEP $2 SUBSEP $3; row = key SUBSEP $4
	  pos[row]++; n = $7 / $6 - toggle; h = $8 / $6; v[key, $4, pos[row]] = n - h
	  line($1, $2, $3, $4, $5, n, h, key, pos[row])
	  if ($1 == "chain4" && pos[row] > 1) {
		sum[row] += n; hsum[row] += h
		if (pos[row] == 5) { v[key, $4, 6] = sum[row] - hsum[row]
			line($1, $2, $3, $4, "unlocks", sum[row], hsum[row], key, 6) }
	  } }'
