#!/bin/sh
# bench_lease_count.sh [BENCH_LEASE]
#
# Instructions per library call for the rows of bench_lease (sched_lease_grant, the leased
# CPU's switch that completes the activation, sched_lease_revoke, the CPU's switch that
# takes work back; 10 and 1000 threads to move off the leased CPU), from one callgrind run
# of `bench_lease count`: every rep builds a fresh machine, collection is on only around
# each call and a stats dump follows it, so each dump holds exactly one call's instructions
# (as bench/callgrind_dumps.sh runs it); the dumps of a row are averaged over the reps (they
# agree: every rep measures the same calls on the same state). The cost of a collection
# toggle pair (the `toggle` dump: the same toggles around nothing) is subtracted. Columns:
#   instr      per call, everything the call executed
#   hooks      of which in the simulator's arch hooks (sched_arch_* of arch/sim/sim.c and
#              what they call: a timer re-arm or an IPI pushes an event on its heap) and in
#              bench_lease.c's port hook, from callgrind_annotate's inclusive costs
#   lib        instr - hooks: the library's own instructions
#   lib/thread grant only: lib / N, the threads moved off the leased CPU
# Then the activation record's step counts that bench_lease printed.
# Unlike host timings these do not move with machine load. Needs valgrind
# (callgrind_annotate comes with it).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build/bench/bench_lease}

[ -x "$bin" ] || { echo "bench_lease not built: run 'make' first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$tmp/cg" \
	"$bin" count > "$tmp/log" 2>&1; then
	cat "$tmp/log" >&2
	exit 1
fi
# one line per dump, in dump order: "N CALL CALLS TOTALS HOOKS"
ls "$tmp" | sed -n 's/^cg\.\([0-9]*\)$/\1/p' | sort -n | while read -r i; do
	f="$tmp/cg.$i"
	hooks=$(callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$f" |
		awk '$0 ~ /sim\.c:sched_arch_[a-z_]* / || $0 ~ /bench_lease\.c:lease_port_hook / {
			gsub(",", "", $1); n += $1 } END { print n + 0 }')
	echo "$(sed -n 's/^desc: Trigger: Client Request: //p' "$f") $(sed -n 's/^totals: //p' "$f") $hooks"
done | awk '
	BEGIN { printf "bench_lease count: instructions per library call (callgrind)\n"
		printf "%-6s %-9s %10s %8s %10s %11s\n", "N", "call", "instr", "hooks", "lib", "lib/thread" }
	$1 == "toggle" { toggle = $4 / $3
		printf "%-6s %-9s %10.1f %8s %10s %11s\n", "toggle", "-", toggle, "-", "-", "-"; next }
	{ key = $1 " " $2
	  if (!(key in reps)) order[nr++] = key
	  reps[key] += $3; tot[key] += $4; hk[key] += $5 }
	END { for (i = 0; i < nr; i++) {
		key = order[i]; split(key, f, " ")
		n = tot[key] / reps[key] - toggle; h = hk[key] / reps[key]
		per = f[2] == "grant" ? sprintf("%11.1f", (n - h) / f[1]) : sprintf("%11s", "-")
		printf "%-6s %-9s %10.1f %8.1f %10.1f %s\n", f[1], f[2], n, h, n - h, per } }'
echo "activation record (step counts):"
grep -v '^==' "$tmp/log" || true
