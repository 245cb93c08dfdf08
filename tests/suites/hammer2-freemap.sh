#!/bin/sh
# tests/suites/hammer2-freemap.sh - the HAMMER2 freemap: allocator,
# rotating flush, recovery, bulkfree and growfs (h2_freemap_test.asan
# prints one PASS/FAIL/SKIP line per case).
#
# Newfs'd images of 32 MiB, 256 MiB and a sparse 5 GiB one are made in a
# scratch directory; with ../shared the fixtures tiny, medium and
# pfs-snapshot-8g (copies) are used too.  fsck_hammer2 checks every
# committed image.
. tests/lib.sh
. tests/hammer2/fixtures.sh

B=$O/hammer2/bin
T=$O/hammer2/freemap.$$
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT

FIXIMGS=
if [ -n "$SHARED" ]; then
	for f in tiny medium pfs-snapshot-8g; do
		img=$(h2_fixture "$f") || { fail "freemap_fixture_$f" "xz failed"; continue; }
		FIXIMGS="$FIXIMGS $img"
	done
else
	skip freemap_fixture_cases "../shared absent"
fi

# shellcheck disable=SC2086
out=$(timeout 600 "$B/h2_freemap_test.asan" "$B/newfs_hammer2" \
    "$B/fsck_hammer2" "$T" $FIXIMGS 2>&1)
rc=$?
printf '%s\n' "$out" | grep -E '^(PASS|FAIL|SKIP): '
if [ "$rc" -ne 0 ]; then
	printf '%s\n' "$out" | grep -q '^FAIL: ' || fail freemap_test "exit $rc"
	printf '%s\n' "$out" | grep -vE '^(PASS|SKIP): ' | tail -n 60
fi
exit 0
