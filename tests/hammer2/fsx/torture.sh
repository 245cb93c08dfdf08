#!/bin/sh
# Copyright (c) 2026 The Anax Project
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/hammer2/fsx/torture.sh - make torture: fsx with random seeds and
# random shapes for TORTURE_SECONDS (default 600), not part of make test.
#
# Each round draws a seed from /dev/urandom and runs, in turn: h2_fsx on
# tmpfs (or $O when /dev/shm is not tmpfs), h2_fsx_core (when built) on a
# fresh HAMMER2 image with random commit/remount intervals, a random
# compression and check method, bulkfree every 1 or 4 commits and a
# random maximum file size, followed by
# fsck_hammer2.  The first failure stops the run: the seed, the exact
# command and the kept image (under $O/hammer2/torture) are printed, and
# the exit status is 1.
set -u
O=${O:-obj}
B=$O/hammer2/bin
W=$O/hammer2/torture
TORTURE_SECONDS=${TORTURE_SECONDS:-600}
TORTURE_OPS=${TORTURE_OPS:-2000000}
mkdir -p "$W"
SCRATCH=$W
[ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && SCRATCH=/dev/shm

rand()
{
	od -An -N4 -tu4 /dev/urandom | tr -d ' '
}

pick()
{
	shift $(($(rand) % $# ))
	echo "$1"
}

failed()
{
	echo "torture: FAILED: $*"
	echo "torture: rerun exactly that command to reproduce (image kept in $W)"
	exit 1
}

end=$(($(date +%s) + TORTURE_SECONDS))
rounds=0
while [ "$(date +%s)" -lt "$end" ]; do
	seed=$(rand)
	maxlen=$(pick 256k 1m 4m 16m 64m)
	maxop=$(pick 4k 64k 256k)
	cmd="$B/h2_fsx -q -N $TORTURE_OPS -S $seed -l $maxlen -o $maxop -r $(pick 1000 10000 100000) $SCRATCH/torture.file"
	echo "torture: $cmd"
	$cmd || failed "$cmd"
	rm -f "$SCRATCH/torture.file"
	if [ -x "$B/h2_fsx_core" ]; then
		img=$W/core.img
		"$B/newfs_hammer2" -s "$(pick 1g 4g)" "$img" >/dev/null ||
		    failed "newfs_hammer2"
		cmd="$B/h2_fsx_core -q -N $TORTURE_OPS -S $seed -l $maxlen -o $maxop -c $(pick 100 1000 10000) -r $(pick 5000 50000 500000) -O comp=$(pick none autozero lz4 zlib) -O check=$(pick none iscsi32 xxhash64 sha192) -O bulkfree=$(pick 1 4) $img"
		echo "torture: $cmd"
		$cmd || failed "$cmd"
		"$B/fsck_hammer2" "$img" >"$W/fsck.out" 2>&1 ||
		    { cat "$W/fsck.out"; failed "$B/fsck_hammer2 $img after: $cmd"; }
	fi
	rounds=$((rounds + 1))
done
echo "torture: $rounds rounds, no failure"
