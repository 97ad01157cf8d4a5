#!/bin/sh
# run_tsan.sh PROGRAM - runs a ThreadSanitizer build; a runtime that cannot start on this
# kernel's address layout ("unexpected memory mapping", high mmap randomisation) is a skip
# (77 for meson), not a failure. Any race report fails (halt_on_error, exit code 66).
# history_size=4: the rounds run for seconds, and a report is only useful with the stack
# of the earlier access too. TSAN_OPTIONS from the environment come last and win
# (TSAN_OPTIONS=halt_on_error=0 lists every report of a run instead of the first).
out=$(mktemp)
trap 'rm -f "$out"' EXIT
TSAN_OPTIONS="halt_on_error=1 exitcode=66 history_size=4 ${TSAN_OPTIONS:-}" "$1" > "$out" 2>&1
rc=$?
cat "$out"
if [ $rc -ne 0 ] && grep -q "unexpected memory mapping\|ThreadSanitizer: failed to" "$out"; then
	echo "1..0 # SKIP ThreadSanitizer cannot run on this kernel's memory layout"
	exit 77
fi
if grep -q "^SUMMARY: ThreadSanitizer" "$out"; then
	echo "ThreadSanitizer reports:"
	grep "^SUMMARY: ThreadSanitizer" "$out" | sort | uniq -c
fi
exit $rc
