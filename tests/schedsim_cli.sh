#!/bin/sh
# schedsim_cli.sh SCHEDSIM WORKLOAD_DIR - the command line as a user meets it.
set -eu
sim=$1 dir=$2 tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }

# Two runs with the same file and seed print identical JSON, byte for byte.
"$sim" --cpus 2 --seed 5 --json "$dir/sleepers.json" > "$tmp/a"
"$sim" --cpus 2 --seed 5 --json "$dir/sleepers.json" > "$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || fail "same seed, different JSON"
grep -q '"threads":\[{"name":"hog0"' "$tmp/a" || fail "JSON lacks the threads array"
echo "ok - identical JSON for identical runs"

# --duration overrides the file's duration.
"$sim" --duration 0.5 --json "$dir/hogs_nice.json" | grep -q '"duration_ns":500000000' ||
	fail "--duration not applied"
echo "ok - --duration overrides the file"

# Bad flags: usage on stderr, exit status 2.
set +e
"$sim" --cpus 0 "$dir/hogs_nice.json" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q usage "$tmp/err" || fail "bad flag gave status $rc"
echo "ok - bad flags exit 2 with usage"

# A bad workload names file, line and key.
printf '{\n  "tasks": {\n    "t": { "run": 10, "colour": 1 }\n  }\n}\n' > "$tmp/bad.json"
set +e
"$sim" "$tmp/bad.json" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ] && grep -q "bad.json:3: key 'colour'" "$tmp/err" || fail "bad workload: $(cat "$tmp/err")"
echo "ok - bad workload rejected with file, line and key"

# The checker option runs the invariant checker after every event without complaint.
"$sim" --cpus 4 --smt 2 --check --duration 1 "$dir/sleepers.json" > /dev/null || fail "--check"
echo "ok - --check passes on a mixed workload"
echo "5 passed, 0 failed"
