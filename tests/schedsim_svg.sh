#!/bin/sh
# schedsim_svg.sh SCHEDSIM WORKLOAD_DIR - schedsim --svg (docs/schedsim.md, "SVG timeline"):
# the timeline of examples/timeline64.json (64 threads, 8 CPUs) is well-formed SVG with a
# lane per CPU, every slice within its lane and the window, and every thread's drawn width
# its runtime in the report (svg_check.py); the report does not change; two runs write the
# same bytes; a 1 s window of a longer run, the class and cookie colourings and --trace
# beside it; bad --svg-window, --svg-color and an unwritable FILE are refused.
set -eu
sim=$1 dir=$2 tmp=$(mktemp -d)
ex="$dir/../../examples"
check="$dir/../svg_check.py"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }
ok() { echo "ok - $*"; }

"$sim" --cpus 8 --duration 1 --json "$ex/timeline64.json" > "$tmp/plain.json"
"$sim" --cpus 8 --duration 1 --json --svg "$tmp/t.svg" "$ex/timeline64.json" > "$tmp/t.json"
cmp -s "$tmp/plain.json" "$tmp/t.json" || fail "--svg changed the report"
python3 "$check" "$tmp/t.svg" "$tmp/t.json" || fail "svg check of the whole run"
grep -q 'class="miss"' "$tmp/t.svg" || fail "no deadline miss drawn"
grep -q 'class="rel"' "$tmp/t.svg" && grep -q 'class="dl"' "$tmp/t.svg" ||
	fail "no release or deadline drawn"
"$sim" --cpus 8 --duration 1 --svg "$tmp/t2.svg" "$ex/timeline64.json" > /dev/null
cmp -s "$tmp/t.svg" "$tmp/t2.svg" || fail "two runs, two timelines"
ok "timeline64: the report unchanged, runtimes drawn, deterministic"

# A 1 s window of a 2 s run: laid out within the window, size bounded; the Chrome trace
# written beside it is the one written alone.
"$sim" --cpus 8 --json --svg "$tmp/w.svg" --svg-window 0.5:1.5 --trace "$tmp/w.trace.json" \
	"$ex/timeline64.json" > "$tmp/w.json"
python3 "$check" "$tmp/w.svg" "$tmp/w.json" > /dev/null || fail "svg check of a window"
size=$(wc -c < "$tmp/w.svg")
[ "$size" -lt 2000000 ] || fail "1 s window: $size bytes"
"$sim" --cpus 8 --trace "$tmp/alone.json" "$ex/timeline64.json" > /dev/null
cmp -s "$tmp/w.trace.json" "$tmp/alone.json" || fail "--svg changed the Chrome trace"
ok "a 1 s window: $size bytes; --trace beside it unchanged"

for c in class cookie; do
	"$sim" --duration 0.5 --smt 2 --json --svg "$tmp/$c.svg" --svg-color "$c" \
		"$ex/coresched.json" > "$tmp/$c.json"
	python3 "$check" "$tmp/$c.svg" "$tmp/$c.json" > /dev/null || fail "--svg-color $c"
done
grep -q '>SCHED_OTHER<' "$tmp/class.svg" || fail "class legend"
grep -q '>cookie ' "$tmp/cookie.svg" || fail "cookie legend"
ok "colour by class and by cookie"

# Usage errors: status 2 naming the argument; an unwritable file: status 1, no report.
set +e
for w in 1.5:0.5 1:1 abc 1: :1 -1:2 0.5-1.5 1:2:3 nan:1; do
	"$sim" --svg "$tmp/u.svg" --svg-window "$w" "$ex/demo.json" > /dev/null 2> "$tmp/err"
	rc=$?
	[ "$rc" = 2 ] && grep -q -- "--svg-window: expected START:END seconds with START < END, got '$w'" "$tmp/err" ||
		{ set -e; fail "--svg-window $w: status $rc"; }
done
"$sim" --svg "$tmp/u.svg" --svg-color rainbow "$ex/demo.json" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] && grep -q "svg-color: expected thread, class or cookie, got 'rainbow'" "$tmp/err" ||
	{ set -e; fail "--svg-color rainbow: status $rc"; }
"$sim" --svg-window 0:1 "$ex/demo.json" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 2 ] || { set -e; fail "--svg-window without --svg: status $rc"; }
"$sim" --svg "$tmp/no/such/dir/t.svg" "$ex/demo.json" > "$tmp/out" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ] && grep -q "svg: cannot create" "$tmp/err" && [ ! -s "$tmp/out" ] ||
	fail "unwritable svg: status $rc"
ok "usage errors"
