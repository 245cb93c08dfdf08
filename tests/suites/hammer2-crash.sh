#!/bin/sh
# tests/suites/hammer2-crash.sh - HAMMER2 crash-safety harness (issue 6):
# the write recorder, the replayer that cuts the recorded writes into
# crash images (every prefix, plus subsets and reorderings of the writes
# in flight since the last sync) and checks each with fsck_hammer2, a
# read-only open and the workload's fsync markers; sampled images are
# also written torn (only some 512-byte sectors of one write land; every
# volume header write is torn at every commit) and mounted read-write
# for mount-time recovery (docs/design/hammer2-write.md, "Crash
# harness").  The harness is tested
# on its own with a synthetic copy-on-write writer: its correct mode must
# give zero failures, each deliberately broken mode must be caught.
# Everything runs under ASan (the replayer, the writers and fsck).
. tests/lib.sh

B=$O/hammer2/bin
T=$O/hammer2/crash-test.$$
TMO=300
TORN=
CUTS="-n 300 -r 3"
FAKE_SIZE=64m
rm -rf "$T"
mkdir -p "$T/keep"
trap 'fusermount3 -u "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT

# newfs a base image, then record the synthetic writer in MODE on a copy.
record_fake()
{
	_mode=$1
	_seed=$2
	_commits=$3
	rm -f "$T/base.img" "$T/$_mode.img" "$T/$_mode.log"
	"$B/newfs_hammer2" -s "$FAKE_SIZE" "$T/base.img" >/dev/null ||
	    return 1
	cp "$T/base.img" "$T/$_mode.img" || return 1
	H2_WLOG="$T/$_mode.log" timeout "$TMO" "$B/h2_fakewriter.asan" \
	    -m "$_mode" -s "$_seed" -c "$_commits" "$T/$_mode.img"
}

# Replay $MODE's log with the fsck_hammer2 named first (the plain one
# where many images make the sanitized one too slow).
replay_fsck()
{
	_fsck=$1
	shift
	timeout "$TMO" "$B/h2_crashreplay.asan" -F "$B/$_fsck" \
	    "$@" "$T/base.img" "$T/$MODE.log" "$T/work.img" >"$T/out" 2>&1
	echo $? >"$T/rc"
	cat "$T/out"
}
replay()
{
	replay_fsck fsck_hammer2.asan "$@"
}

wlog_unit()
{
	"$B/newfs_hammer2" -s 32m "$T/unit.img" >/dev/null &&
	    timeout "$TMO" "$B/h2_wlog_test.asan" "$T/unit.img" "$T/unit.log"
}
check hammer2_crash_wlog_unit wlog_unit

# Replaying every write of the log onto the base gives the very image the
# writer left: the recorder missed nothing.
record_complete()
{
	record_fake good 7 30 || return 1
	"$B/h2_crashreplay.asan" -f "$T/base.img" "$T/good.log" \
	    "$T/final.img" || return 1
	cmp "$T/final.img" "$T/good.img" && "$B/fsck_hammer2" -q "$T/good.img"
}
check hammer2_crash_record_complete record_complete

# The correct writer: every cut, image and marker check passes, and the
# run really checked images and markers (not a vacuous pass).
fake_good()
{
	MODE=good
	for seed in 3; do
		record_fake good "$seed" 30 || return 1
		replay -s "$seed" || return 1
		[ "$(cat "$T/rc")" = 0 ] || return 1
		grep -Eq ' [1-9][0-9]* images, [1-9][0-9]* marker checks, 0 failures$' \
		    "$T/out" || return 1
	done
}
check hammer2_crash_fake_good fake_good

# Each broken writer must be caught: exit 1 and the expected check named
# (-x: stop after the first failing cut).
caught()
{
	MODE=$1
	_want=$2
	record_fake "$MODE" 5 20 || return 1
	replay -x -k "$T/keep" | head -n 8
	[ "$(cat "$T/rc")" = 1 ] && grep -q "$_want" "$T/out"
}
check hammer2_crash_catches_header_before_sync caught nosync \
    'variant last (1 of them applied): fsck_hammer2 exit 1'
check hammer2_crash_catches_inplace_overwrite caught inplace \
    'variant all.*fsck_hammer2 exit 1'
check hammer2_crash_catches_fsync_before_durable caught earlymark \
    'variant nolast.*marker FILE /f[01]: '
check hammer2_crash_catches_wrong_marker_type caught wrongtype \
    'variant all.*marker DIR /f[01]: wrong file type'

N='[1-9][0-9]*'
TORN_COUNTS=" $N torn-write images \\($N with a torn volume header, $N of"
TORN_COUNTS="$TORN_COUNTS them refusals checked\\), $N read-write recoveries\$"
# Torn writes and mount-time recovery on the correct writer: one torn
# variant per cut, every header write torn five ways (one copy: each
# mixed header must be refused with EIO by fsck and both opens), a
# read-write recovery on every 6th image; none may fail, and each kind
# of image really was checked.
fake_torn()
{
	MODE=good
	record_fake good 3 14 || return 1
	replay_fsck fsck_hammer2 -s 3 -t 1 -T -M 6 || return 1
	[ "$(cat "$T/rc")" = 0 ] &&
	    grep -Eq "$TORN_COUNTS" "$T/out" &&
	    grep -Eq ' [1-9][0-9]* marker checks, 0 failures$' "$T/out"
}
check hammer2_crash_fake_torn_and_recovery fake_torn
# Two header copies (4 GiB, sparse): a torn header must fall back to the
# other copy, with every marker intact; fsck may name only the torn copy.
fake_torn_two_copies()
{
	MODE=good
	FAKE_SIZE=4g
	record_fake good 3 5 || return 1
	FAKE_SIZE=64m
	replay_fsck fsck_hammer2 -s 3 -t 1 -T -M 10 || return 1
	[ "$(cat "$T/rc")" = 0 ] &&
	    grep -Eq '\([1-9][0-9]* with a torn volume header, 0 of them refusals' \
	    "$T/out" &&
	    grep -Eq ' [1-9][0-9]* marker checks, 0 failures$' "$T/out"
}
check hammer2_crash_fake_torn_two_copies fake_torn_two_copies
# norotate (headers never rotate) passes every untorn cut; only a torn
# header shows that the copy it falls back to is stale.
norotate()
{
	MODE=norotate
	FAKE_SIZE=4g
	record_fake norotate 5 10 || return 1
	FAKE_SIZE=64m
	replay_fsck fsck_hammer2 -s 5 || return 1
	[ "$(cat "$T/rc")" = 0 ] || { echo "untorn cuts caught it"; return 1; }
	replay_fsck fsck_hammer2 -s 5 -T -x | head -n 8
	[ "$(cat "$T/rc")" = 1 ] &&
	    grep -q 'variant hdr-.*marker FILE /f[01]: lookup failed' "$T/out"
}
check hammer2_crash_catches_header_without_rotation norotate
# staletid (header mirror_tid never advanced): fsck_hammer2 names blocks
# newer than the volume header (format §16).  Without that rule (emulated
# by a wrapper that drops those lines) it passes fsck and the read-only
# markers, and only the read-write mount's check (-M) catches it: the
# mount skips the freemap recovery and its new blocks overwrite live ones.
staletid()
{
	MODE=staletid
	record_fake staletid 5 20 || return 1
	replay_fsck fsck_hammer2 -s 5 | head -n 4
	[ "$(cat "$T/rc")" = 1 ] &&
	    grep -q 'newer than the volume header' "$T/out" || return 1
	cat >"$T/fsck_nomtid" <<EOF
#!/bin/sh
"$B/fsck_hammer2" "\$@" >"$T/nomtid.out"
rc=\$?
grep -v 'newer than the volume header' "$T/nomtid.out"
[ \$rc = 0 ] && exit 0
grep 'PROBLEM' "$T/nomtid.out" | grep -qv 'newer than the volume header' &&
    exit 1
exit 0
EOF
	chmod +x "$T/fsck_nomtid"
	timeout "$TMO" "$B/h2_crashreplay.asan" -F "$T/fsck_nomtid" -s 5 \
	    "$T/base.img" "$T/$MODE.log" "$T/work.img" >"$T/out" 2>&1 ||
	    { echo "read-only checks without the rule caught it"; return 1; }
	timeout "$TMO" "$B/h2_crashreplay.asan" -F "$T/fsck_nomtid" -s 5 \
	    -M 3 -x "$T/base.img" "$T/$MODE.log" "$T/work.img" >"$T/out" 2>&1
	_rc=$?
	head -n 8 "$T/out"
	[ "$_rc" = 1 ] && grep -q 'recovery: fsck_hammer2 exit 1' "$T/out"
}
check hammer2_crash_catches_recovery_skipped staletid

# Without reordering inside the epoch the header-before-sync bug hides:
# this is what the subsets/reorderings add.
prefix_misses_nosync()
{
	MODE=nosync
	record_fake nosync 5 20 || return 1
	replay -P
	[ "$(cat "$T/rc")" = 0 ]
}
check hammer2_crash_prefix_only_misses_reorder_bug prefix_misses_nosync

# A failing image is kept and really is broken.
kept_image()
{
	MODE=inplace
	record_fake inplace 5 20 || return 1
	rm -f "$T/keep"/*.img
	replay -x -k "$T/keep" >/dev/null
	set -- "$T/keep"/*.img
	[ -f "$1" ] || return 1
	! "$B/fsck_hammer2" -q "$1"
}
check hammer2_crash_failing_image_kept kept_image

# Bad input: a clear message and exit 2, never a crash.
expect2()
{
	_want=$1
	shift
	out=$("$B/h2_crashreplay.asan" "$@" 2>&1)
	rc=$?
	echo "exit $rc: $out"
	[ "$rc" = 2 ] && printf '%s\n' "$out" | grep -q "$_want"
}
bad_inputs()
{
	F="-F $B/fsck_hammer2"
	record_fake good 1 3 || return 1
	printf 'not a log at all' >"$T/junk.log"
	head -c 100 "$T/good.log" >"$T/trunc.log"
	head -c 16 "$T/good.log" >"$T/head.log"
	head -c 16 /dev/zero >>"$T/head.log"
	"$B/newfs_hammer2" -s 32m "$T/small.img" >/dev/null || return 1
	# shellcheck disable=SC2086
	expect2 'bad magic' $F "$T/base.img" "$T/junk.log" "$T/w.img" &&
	    expect2 'truncated record at byte 41' $F "$T/base.img" \
	    "$T/trunc.log" "$T/w.img" &&
	    expect2 'bad record at byte 16' $F "$T/base.img" \
	    "$T/head.log" "$T/w.img" &&
	    expect2 'the log recorded a device of 67108864 bytes' $F \
	    "$T/small.img" "$T/good.log" "$T/w.img" &&
	    expect2 'No such file' $F "$T/none.img" "$T/good.log" \
	    "$T/w.img" &&
	    expect2 'usage' "$T/base.img" "$T/good.log" "$T/w.img" &&
	    expect2 'bad number' $F -n x "$T/base.img" "$T/good.log" "$T/w.img"
}
check hammer2_crash_bad_inputs bad_inputs

# The real write path: the workload driver over the core's ops layer.
# Its replay uses the plain fsck_hammer2 for speed (thousands of images);
# the replayer, the driver and the in-process checks run under ASan.
record_load()
{
	rm -f "$T/base.img" "$T/load.img" "$T/load.log"
	"$B/newfs_hammer2" -s "${3:-64m}" "$T/base.img" >/dev/null || return 1
	cp --sparse=always "$T/base.img" "$T/load.img" || return 1
	# shellcheck disable=SC2086
	H2_WLOG="$T/load.log" timeout "$TMO" \
	    "$B/h2_crashload.asan" $4 -n "$2" -s "$1" "$T/load.img"
	echo $? >"$T/load.rc"
}
crash_workload()
{
	MODE=load
	[ "$(cat "$T/load.rc")" = 0 ] || return 1
	"$B/fsck_hammer2" -q "$T/load.img" || return 1
	# shellcheck disable=SC2086
	timeout "$TMO" "$B/h2_crashreplay.asan" -F "$B/fsck_hammer2" \
	    $CUTS $TORN -k "$T/keep" "$T/base.img" "$T/load.log" \
	    "$T/work.img" >"$T/out" 2>&1
	rc=$?
	tail -n 60 "$T/out"
	[ "$rc" = 0 ] && grep -Eq ' [1-9][0-9]* marker checks, 0 failures$' \
	    "$T/out"
}
# The same log with its barriers ignored must fail: the harness sees the
# real write path's volume headers land before their blocks.
workload_without_barriers()
{
	MODE=load
	replay -S -x
	[ "$(cat "$T/rc")" = 1 ]
}
# Seed 0 also with every header write torn five ways and a read-write
# recovery on every 30th image (torn data writes: make h2-crash-torture).
record_load 0 300 >"$T/load.out" 2>&1
cat "$T/load.out"
TORN="-T -M 30"
check hammer2_crash_workload crash_workload
TORN=
check hammer2_crash_workload_without_barriers_caught workload_without_barriers
# Seed 1 caught a commit whose file kept a block the freemap had freed
# (dedup shared it; fails before 2cfa08c).
record_load 1 300 >"$T/load.out" 2>&1
cat "$T/load.out"
check hammer2_crash_workload_seed1 crash_workload
# 4 GiB (sparse): two volume header copies, so commits rotate between
# them and the mount picks the newest.
# Snapshots (their FILE snapN:/path markers hold at every later cut),
# bulkfree and open-unlinked files (h2_crashload -x), every header torn:
# bulkfree's freemap-only commits leave header mixes that pass every CRC
# (new sector 0 over an old freemap blockset); those must check like any
# image and each gets the read-write recovery.
workload_extended()
{
	crash_workload || return 1
	grep -Eq ' [1-9][0-9]* mixed headers passed every CRC$' "$T/out" &&
	    grep -q 'snap0:/' "$T/load.log"
}
record_load 0 200 64m -x >"$T/load.out" 2>&1
cat "$T/load.out"
TORN="-T -M 30"
CUTS="-n 150 -r 1"
check hammer2_crash_workload_snapshots_bulkfree_unlinked workload_extended
CUTS="-n 300 -r 3"
TORN=
# Every header write torn: the mount must fall back to the other copy.
record_load 0 200 4g >"$T/load.out" 2>&1
cat "$T/load.out"
TORN="-T -M 100"
check hammer2_crash_workload_two_header_copies crash_workload
TORN=

# The FUSE mount recorded the same way ($H2_WLOG): files written by the
# shell with fsync (dd conv=fsync) get their FILE marker from
# h2_wlog_mark once dd returned; renames, overwrites and unlinks are
# marked DIRTY first; the names left are marked after the unmount.
fuse_mount()
{
	MODE=fuse
	M=$T/mnt
	S=$T/src
	rm -rf "$M" "$S" "$T/fuse.log"
	mkdir -p "$M" "$S" "$M"
	"$B/newfs_hammer2" -s 64m "$T/base.img" >/dev/null || return 1
	cp "$T/base.img" "$T/fuse.img" || return 1
	H2_WLOG="$T/fuse.log" "$B/mount_hammer2" -f -o rw "$T/fuse.img" "$M" \
	    2>"$T/mount.log" &
	mpid=$!
	i=0
	while ! mountpoint -q "$M"; do
		i=$((i + 1))
		if [ $i -gt 50 ] || ! kill -0 "$mpid" 2>/dev/null; then
			echo "mount_hammer2 -o rw did not mount:"
			cat "$T/mount.log"
			kill "$mpid" 2>/dev/null
			return 1
		fi
		sleep 0.2
	done
	mkdir "$M/d"
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		head -c $((i * i * 3001 % 300000 + 1)) /dev/urandom >"$S/f$i"
		timeout 60 dd if="$S/f$i" of="$M/f$i" bs=64k conv=fsync \
		    status=none || break
		"$B/h2_wlog_mark" -F "$S/f$i" "$T/fuse.log" "/f$i"
		if [ $((i % 3)) = 0 ]; then	# overwrite a middle part
			k=$((i - 1))
			"$B/h2_wlog_mark" "$T/fuse.log" "DIRTY /f$k"
			head -c 70000 /dev/urandom | dd of="$S/f$k" bs=1000 \
			    seek=3 conv=notrunc status=none
			timeout 60 dd if="$S/f$k" of="$M/f$k" bs=64k \
			    conv=fsync status=none || break
			"$B/h2_wlog_mark" -F "$S/f$k" "$T/fuse.log" "/f$k"
		fi
		if [ $((i % 4)) = 0 ]; then	# rename into d, unlink one
			"$B/h2_wlog_mark" "$T/fuse.log" "DIRTY /f$i"
			mv "$M/f$i" "$M/d/g$i"
			mv "$S/f$i" "$S/g$i"
			"$B/h2_wlog_mark" "$T/fuse.log" "DIRTY /f$((i - 3))"
			rm "$M/f$((i - 3))" "$S/f$((i - 3))"
		fi
	done
	fusermount3 -u "$M" || return 1
	(sleep 120; kill -9 "$mpid" 2>/dev/null) >/dev/null 2>&1 &
	dog=$!
	wait "$mpid"
	rc=$?
	kill "$dog" 2>/dev/null
	[ "$rc" = 0 ] || { echo "mount_hammer2 exited $rc"; return 1; }
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		if [ -f "$S/f$i" ]; then
			"$B/h2_wlog_mark" -F "$S/f$i" "$T/fuse.log" "/f$i"
		else
			"$B/h2_wlog_mark" "$T/fuse.log" "GONE /f$i"
		fi
		[ -f "$S/g$i" ] && "$B/h2_wlog_mark" -F "$S/g$i" "$T/fuse.log" \
		    "/d/g$i"
	done
	"$B/h2_wlog_mark" "$T/fuse.log" "DIR /d"
	"$B/fsck_hammer2" -q "$T/fuse.img" || return 1
	timeout "$TMO" "$B/h2_crashreplay.asan" -F "$B/fsck_hammer2.asan" \
	    -r 3 -k "$T/keep" "$T/base.img" "$T/fuse.log" "$T/work.img" \
	    >"$T/out" 2>&1
	rc=$?
	tail -n 40 "$T/out"
	[ "$rc" = 0 ] && grep -Eq ' [1-9][0-9]* marker checks, 0 failures$' \
	    "$T/out"
}
if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null 2>&1; then
	skip hammer2_crash_fuse_mount "no /dev/fuse or fusermount3"
else
	check hammer2_crash_fuse_mount fuse_mount
	fusermount3 -u "$T/mnt" 2>/dev/null
fi
rm -f "$T"/*.img
