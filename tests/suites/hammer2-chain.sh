#!/bin/sh
# tests/suites/hammer2-chain.sh - the HAMMER2 chain layer and commit
# (sys/vfs/hammer2/hammer2_chain.c, hammer2_flush.c): h2_chain_test
# (ASan/UBSan) runs each scenario on a fresh newfs_hammer2 image and runs
# fsck_hammer2 after every commit; see tests/hammer2/h2_chain_test.c.
. tests/lib.sh

B=$O/hammer2/bin
T=$O/hammer2/chain-test.$$
rm -rf "$T"
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT

# scenario image-size
chain_case()
{
	_img=$T/$1.img
	rm -f "$_img"
	"$B/newfs_hammer2" -s "$2" "$_img" > /dev/null || return 1
	timeout 600 "$B/h2_chain_test.asan" "$1" "$_img" "$B/fsck_hammer2"
	_rc=$?
	rm -f "$_img" "$_img.base"
	return "$_rc"
}

check hammer2_chain_tree chain_case tree 256m
check hammer2_chain_uncommitted chain_case uncommitted 256m
check hammer2_chain_torn_commit chain_case torn 2056m
check hammer2_chain_erofs chain_case erofs 64m
check hammer2_chain_einval chain_case einval 64m
check hammer2_chain_enospc chain_case enospc 64m
check hammer2_chain_eio chain_case eio 256m
check hammer2_chain_loop chain_case loop 256m
check hammer2_chain_random chain_case random 256m
check hammer2_chain_share chain_case share 64m
check hammer2_chain_freemap_recovery chain_case recover 256m
check hammer2_chain_io_errors chain_case ioerr 64m
check hammer2_chain_delete_while_iterating chain_case iterdel 256m
check hammer2_chain_header_slots_3 chain_case slots 4104m
check hammer2_chain_header_slots_4 chain_case slots 8g

# DragonFly-made fixtures, changed and committed by us.
fixture_case()
{
	_src=$(h2_fixture "$1") || return 1
	_img=$T/fix-$1.img
	cp --sparse=always "$_src" "$_img" || return 1
	timeout 600 "$B/h2_chain_test.asan" fixture "$_img" "$B/fsck_hammer2"
	_rc=$?
	rm -f "$_img"
	return "$_rc"
}

if [ -z "$SHARED" ]; then
	for f in tiny check-sha192 pfs-snapshot-8g; do
		skip "hammer2_chain_fixture_$f" "no ../shared fixtures"
	done
else
	. tests/hammer2/fixtures.sh
	for f in tiny check-sha192 pfs-snapshot-8g; do
		check "hammer2_chain_fixture_$f" fixture_case "$f"
	done
fi

# The binary-searched live-slot index and the directory split policy
# against a model (tests/hammer2/h2_chain_index_test.c).
index_case()
{
	_img=$T/index-$1.img
	rm -f "$_img"
	"$B/newfs_hammer2" -s 256m "$_img" > /dev/null || return 1
	timeout 600 "$B/h2_chain_index_test.asan" "$1" "$_img" \
	    "$B/fsck_hammer2"
	_rc=$?
	rm -f "$_img"
	return "$_rc"
}

check hammer2_chain_index_model index_case model
check hammer2_chain_index_holes index_case holes
