#!/bin/sh
# tests/run.sh - run every test suite and print the verdict.
#
# A suite is an executable shell script tests/suites/NAME.sh.  It prints one
# line per test case: "PASS: name", "FAIL: name" or "SKIP: name (why)", and
# on failure whatever log explains it.  A suite that exits non-zero without
# printing a FAIL line counts as one failure; one that overruns its time
# limit (SUITE_TIMEOUT seconds, default 1200) is killed and counts as one
# failure.  The last line is "N passed, N failed, N skipped".
#
# Usage: tests/run.sh [suite ...]    (default: every suite)
set -u
cd "$(dirname "$0")/.."
O=${O:-obj}
logdir=$O/test-logs
mkdir -p "$logdir"
timeout_s=${SUITE_TIMEOUT:-1200}

if [ $# -gt 0 ]; then
	suites="$*"
else
	suites=$(ls tests/suites/*.sh 2>/dev/null | sed 's,.*/,,; s,\.sh$,,')
fi

pass=0 fail=0 skip=0
for s in $suites; do
	log=$logdir/$s.log
	start=$(date +%s)
	timeout -k 10 "$timeout_s" sh "tests/suites/$s.sh" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	k=$(grep -c '^SKIP: ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			echo "FAIL: $s (suite timed out after ${timeout_s}s)" >>"$log"
		else
			echo "FAIL: $s (suite exited $rc)" >>"$log"
		fi
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
	echo "== $s: $p passed, $f failed, $k skipped ($(( $(date +%s) - start ))s)"
	grep -E '^(FAIL|SKIP): ' "$log" | sed 's/^/   /'
	if [ "$f" -ne 0 ]; then
		echo "---- log of $s (last 150 lines; whole log in $log) ----"
		tail -n 150 "$log"
		echo "---- end of log of $s ----"
	fi
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
