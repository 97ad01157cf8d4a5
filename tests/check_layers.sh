#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check_layers.sh NM LIBRARY.a - the library's modules call only downward.
#
# Reads which module defines and which uses each symbol from `nm` of the archive's
# objects, and fails if a module calls one in a higher layer, or if calls between modules of
# one layer form a cycle. The layers (docs/architecture.md draws them):
#   0 utilities       rbtree weight errors trace explain version (mem: the freestanding copy's)
#   1 policy leaves   eevdf rr rt edf refill admit
#   2 mechanism       budget core_tree rq account migrate place progress timeout
#   3 features        auth sc sc_admit core_cookie core_pick core_protect balance push proxy wake
#                     thread
#   4 entry points    pick block mutex sys check ring island
#   5 services        policy (the policy service's queue, task graphs)
# A new module must be added here (an unknown module fails the test).
set -eu
NM=$1
LIB=$2
LAYERS='
rbtree 0
explain 0
weight 0
errors 0
trace 0
version 0
mem 0
eevdf 1
rr 1
rt 1
edf 1
refill 1
admit 1
budget 2
core_tree 2
rq 2
account 2
migrate 2
place 2
progress 2
timeout 2
auth 3
sc 3
sc_admit 3
core_cookie 3
core_pick 3
core_protect 3
balance 3
push 3
proxy 3
wake 3
thread 3
lease 3
pick 4
block 4
mutex 4
sys 4
check 4
ring 4
island 4
policy 5
'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# "object: type symbol" for every object of the archive; module = object name without
# any build prefix and the .c.o suffix.
"$NM" -A "$LIB" | sed -n 's/^[^:]*:\([^:]*\):[0-9a-f ]* \([A-Za-z]\) \(.*\)$/\1 \2 \3/p' |
	sed 's|^[^ ]*/||; s/^[^ ]*libsched_//; s/^\([a-z_]*\)\.c\.o /\1 /' >"$tmp/syms"
awk '$2 ~ /[TDRB]/ { print $3, $1 }' "$tmp/syms" | sort -u >"$tmp/defs"
awk '$2 == "U" { print $3, $1 }' "$tmp/syms" | sort -u >"$tmp/uses"
printf '%s\n' "$LAYERS" | awk 'NF == 2' >"$tmp/layers"
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 { print $2, $3, $1 }' | sort -u >"$tmp/calls"
awk -v layers="$tmp/layers" '
BEGIN { while ((getline l < layers) > 0) { split(l, f, " "); layer[f[1]] = f[2] } }
{
	if (!($1 in layer)) { print "module not in the layer table: " $1; bad = 1; next }
	if (!($2 in layer)) { print "module not in the layer table: " $2; bad = 1; next }
	if (layer[$2] > layer[$1]) {
		print "upward call: " $1 " (layer " layer[$1] ") -> " $2 " (layer " layer[$2] "): " $3
		bad = 1
	}
	if (layer[$2] == layer[$1]) { edge[$1 " " $2] = 1 }
	n++
}
END {
	# a cycle among same-layer calls: repeatedly remove modules without outgoing edges
	do {
		changed = 0
		for (e in edge) { split(e, m, " "); out[m[1]]++ }
		for (e in edge) { split(e, m, " "); if (!(m[2] in out)) { delete edge[e]; changed = 1 } }
		delete out
	} while (changed)
	for (e in edge) { print "cycle through: " e; bad = 1 }
	if (n == 0) { print "no calls found: is this the library archive?"; bad = 1 }
	if (!bad) print n " calls between modules, all downward"
	exit bad
}' "$tmp/calls"
