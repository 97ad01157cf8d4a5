#!/bin/sh
# callgrind_dumps.sh BIN ARGS...
#
# Runs BIN ARGS under callgrind with collection off at start (the program toggles it around
# what it measures and dumps stats at the end of each row), then prints one line per dump in
# dump order: "DESC TOTALS", where DESC is the dump's client-request label and TOTALS its
# instruction count. The *_count.sh scripts turn these lines into their tables.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$tmp/cg" \
	"$@" > "$tmp/log" 2>&1; then
	cat "$tmp/log" >&2
	exit 1
fi
ls "$tmp" | sed -n 's/^cg\.\([0-9]*\)$/\1/p' | sort -n | while read -r i; do
	f="$tmp/cg.$i"
	echo "$(sed -n 's/^desc: Trigger: Client Request: //p' "$f") $(sed -n 's/^totals: //p' "$f")"
done
