#!/bin/sh
# compare.sh [compare.py options]
#
# schedsim and SimSo side by side on random zero-overhead global and partitioned EDF task
# sets (docs/simso.md). Finds what compare.py needs and runs it:
#   SimSo     $SIMSO_DIR, a checkout of github.com/MaximeCheramy/simso; when it holds none,
#             it is cloned there (default ${XDG_CACHE_HOME:-$HOME/.cache}/simso). SimSo is
#             not part of this project and is never copied into it. On a machine that
#             cannot reach GitHub, point SIMSO_DIR at an existing checkout.
#   SimPy 2   SimSo's simulation engine: a python3 that can import SimPy.Simulation
#             ($PYTHON, python3, /usr/bin/python3); as root, Debian's python3-simpy is
#             installed if none can.
#   schedsim  $SCHEDSIM, else the newest build*/arch/sim/schedsim of this tree; without
#             one only SimSo (and compare.py's own reference) run.
# Everything else is compare.py's: --sets, --cpus, --util, --seed, --duration,
# --constrained, --break-ties, --budget-slack, --strict, --self-test, ... (--help).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/bench/simso

SIMSO_DIR=${SIMSO_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/simso}
SIMSO_URL=${SIMSO_URL:-https://github.com/MaximeCheramy/simso}
tested=ddfc1b5 # the SimSo commit docs/simso.md's results were measured with
if [ ! -f "$SIMSO_DIR/simso/__init__.py" ]; then
	echo "compare.sh: no SimSo in $SIMSO_DIR: cloning $SIMSO_URL" >&2
	mkdir -p "$(dirname "$SIMSO_DIR")"
	if ! git clone -q --depth 1 "$SIMSO_URL" "$SIMSO_DIR"; then
		echo "compare.sh: could not clone SimSo; set SIMSO_DIR to a checkout of" \
			"$SIMSO_URL (the directory that holds simso/__init__.py)" >&2
		exit 1
	fi
fi
rev=$(git -C "$SIMSO_DIR" rev-parse --short=7 HEAD 2>/dev/null || echo unknown)
if [ "$rev" != "$tested" ]; then
	echo "compare.sh: SimSo at $rev, docs/simso.md's results are from $tested" >&2
fi
export SIMSO_DIR

py=
for c in ${PYTHON:-} python3 /usr/bin/python3; do
	if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import SimPy.Simulation' 2>/dev/null; then
		py=$c
		break
	fi
done
if [ -z "$py" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "compare.sh: installing python3-simpy (SimPy 2, apt-get)" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-simpy >/dev/null
		py=/usr/bin/python3
	else
		echo "compare.sh: SimSo needs SimPy 2: apt-get install python3-simpy" \
			"(or PYTHON=a python3 that can import SimPy.Simulation)" >&2
		exit 1
	fi
fi

sim=${SCHEDSIM:-}
if [ -n "$sim" ] && [ ! -x "$sim" ]; then
	echo "compare.sh: SCHEDSIM=$sim is not an executable" >&2
	exit 1
fi
if [ -z "$sim" ]; then
	# shellcheck disable=SC2012 # build directory names have no blanks
	sim=$(ls -t "$top"/build*/arch/sim/schedsim 2>/dev/null | head -n 1 || true)
fi
unset SCHEDSIM
if [ -n "$sim" ]; then
	set -- --schedsim "$sim" "$@"
else
	echo "compare.sh: no schedsim built (meson setup build && ninja -C build, or" \
		"SCHEDSIM=path): SimSo only" >&2
fi
exec "$py" "$here/compare.py" "$@"
