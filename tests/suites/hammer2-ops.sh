#!/bin/sh
# tests/suites/hammer2-ops.sh - the HAMMER2 vnops layer
# (sys/vfs/hammer2/hammer2_vnops.h) on fresh images.
#
# Each case of h2_ops_test.asan (ASan/UBSan) runs on its own image made
# by newfs_hammer2: it works through the layer, commits, remounts and
# verifies; then fsck_hammer2 must find the image clean.
#
# Per DragonFly-made fixture (../shared/fixtures/hammer2, SKIP if
# absent): part 1's MANIFEST checker (h2_manifest -o/-w) reads every
# entry through the vnops layer mounted read-only, then mounted
# read-write on a copy, which must still pass fsck_hammer2 after the
# unmount's commit.
. tests/lib.sh
. tests/hammer2/fixtures.sh

B=$O/hammer2/bin
T=$O/hammer2/ops.$$
TEST=$B/h2_ops_test.asan
CASES="basic errors rename unlink_open bigdir collide sparse methods model
    dedup enospc enospc_reclaims embed tree corrupt writebehind"
TIMEOUT=600

cleanup()
{
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T"

ops_case()
{
	_img=$T/$1.img
	_size=1g
	case $1 in enospc*) _size=64m ;; esac
	rm -f "$_img"
	"$B/newfs_hammer2" -L DATA -s "$_size" "$_img" >/dev/null || return 1
	timeout "$TIMEOUT" "$TEST" "$_img" "$1" || return 1
	if [ "$1" = corrupt ]; then
		# The case damaged an inode on purpose: fsck must say so.
		_out=$("$B/fsck_hammer2" "$_img" 2>&1)
		_rc=$?
		printf '%s\n' "$_out"
		[ "$_rc" -eq 1 ] && printf '%s' "$_out" | grep -q 'check code mismatch'
		return
	fi
	"$B/fsck_hammer2" "$_img"
}

for c in $CASES; do
	check "hammer2_ops_$c" ops_case "$c"
done

FIX=$SHARED/fixtures/hammer2
manifest_rw()
{
	cp --sparse=always "$1" "$T/rw.img" || return 1
	timeout "$TIMEOUT" "$B/h2_manifest.asan" -w "$T/rw.img$3" "$2" || return 1
	"$B/fsck_hammer2" "$T/rw.img"
}
for f in $H2_FIXTURES; do
	if [ -z "$SHARED" ] || [ ! -f "$FIX/$f.img.xz" ]; then
		skip "hammer2_ops_fixture_$f" "../shared/fixtures/hammer2 absent"
		continue
	fi
	img=$(h2_fixture "$f") || { fail "hammer2_ops_fixture_$f" "xz"; continue; }
	check "hammer2_ops_fixture_ro_$f" timeout "$TIMEOUT" \
	    "$B/h2_manifest.asan" -o "$img" "$FIX/$f.MANIFEST.txt"
	check "hammer2_ops_fixture_rw_$f" manifest_rw "$img" \
	    "$FIX/$f.MANIFEST.txt" ""
done
if [ -n "$SHARED" ] && [ -x "$TEST" ] &&
    [ -f "$FIX/pfs-snapshot-8g.img.xz" ]; then
	img=$(h2_fixture pfs-snapshot-8g)
	check hammer2_ops_fixture_ro_snapshot timeout "$TIMEOUT" \
	    "$B/h2_manifest.asan" -o "$img@DATA.snap1" \
	    "$FIX/pfs-snapshot-8g.MANIFEST.txt"
	check hammer2_ops_fixture_rw_snapshot manifest_rw "$img" \
	    "$FIX/pfs-snapshot-8g.MANIFEST.txt" "@DATA.snap1"
fi
