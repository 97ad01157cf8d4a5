#!/bin/sh
# rtapp_examples.sh SCHEDSIM - every JSON example of Debian's rt-app package: the
# workloads load and run 0.2 s under the checker; the fragments of merge/ (for rt-app's
# merge.py, in rt-app's grammar before 1.0) are refused with a message that says so.
# Exit 77 (skipped) where rt-app's examples are not installed.
set -eu
sim=$1
dir=${RTAPP_EXAMPLES:-/usr/share/doc/rt-app/examples}
if [ ! -d "$dir" ]; then
	echo "ok - # SKIP rt-app's examples: $dir not found (install rt-app)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }
n=0
for f in $(cd "$dir" && find . -name '*.json' ! -path './merge/*' | sort); do
	timeout 120 "$sim" --check --duration 0.2 "$dir/$f" > "$tmp/out" 2> "$tmp/err" ||
		fail "$f: $(cat "$tmp/err")"
	grep -q '^schedsim: .* 0\.[0-2][0-9]* s simulated' "$tmp/out" || fail "$f: no report"
	n=$((n + 1))
done
[ "$n" -ge 18 ] || fail "only $n examples found in $dir"
echo "ok - $n rt-app examples load and run 0.2 s under the checker"
m=0
for f in "$dir"/merge/*.json; do
	[ -e "$f" ] || continue
	set +e
	"$sim" --duration 0.2 "$f" > /dev/null 2> "$tmp/err"
	rc=$?
	set -e
	[ "$rc" = 1 ] || fail "merge/${f##*/}: status $rc"
	grep -q "merge.py\|grammar before 1.0" "$tmp/err" || fail "merge/${f##*/}: $(cat "$tmp/err")"
	m=$((m + 1))
done
echo "ok - $m merge/ fragments refused as fragments"
