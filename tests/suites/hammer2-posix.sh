#!/bin/sh
# Copyright (c) 2026 The Anax Project
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/suites/hammer2-posix.sh - POSIX file-system semantics
# (tests/hammer2/posix/h2_posix) on tmpfs and ext4 (the references: every
# case must pass there) and on a read-write HAMMER2 FUSE mount: newfs an
# image, mount it with mount_hammer2, run the suite, leave a few files,
# unmount (the daemon commits and exits 0), fsck_hammer2 the image,
# remount and check the files survived, change them, and check again
# through a read-only mount.
. tests/lib.sh

B=$O/hammer2/bin
# The sanitized build when there is one (mk/h2-posix.mk), else the tool.
MOUNT_H2=$O/h2-posix/mount_hammer2.asan
[ -x "$MOUNT_H2" ] || MOUNT_H2=$B/mount_hammer2
MOUNT_H2=${H2_MOUNT:-$MOUNT_H2}
echo "mount_hammer2: $MOUNT_H2"
RUN=tests/hammer2/posix/run.sh

sh "$RUN" tmpfs
sh "$RUN" ext4

T=$(mktemp -d /tmp/h2posix.XXXXXX) || exit 1
MNT=$T/mnt
IMG=$T/h2.img
MPID=
cleanup()
{
	chattr -i "$T/err.img" 2>/dev/null
	if [ -n "$MPID" ]; then
		fusermount3 -u "$MNT" 2>/dev/null
		kill "$MPID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$MNT"

skip_h2()
{
	for _c in suite no_inode_leak persist_make core_quiet clean_unmount fsck_after_suite \
	    remount_persist remount_change second_unmount fsck_after_remount \
	    ro_mount ro_unmount fsck_after_ro fsck_after_kill \
	    fsync_and_syncer_survive_kill unmount_after_kill \
	    daemon_alive_before_kill write_after_kill unmount_after_kill_write fsck_after_kill_write \
	    data_after_kill_write last_unmount rw_refuses_readonly_device \
	    mount_errors write_error_fsync_eio; do
		skip "hammer2_$_c" "$1"
	done
	exit 0
}

# h2_mount -o rw|ro: start mount_hammer2 in the foreground (in the
# background of this shell) and wait until the mount is there.
h2_mount()
{
	"$MOUNT_H2" -f -o allow_other "$@" "$IMG" "$MNT" 2>>"$T/mount.log" &
	MPID=$!
	_i=0
	while [ $_i -lt 100 ]; do
		mountpoint -q "$MNT" && return 0
		kill -0 "$MPID" 2>/dev/null || break
		sleep 0.2
		_i=$((_i + 1))
	done
	echo "mount_hammer2 did not mount:"
	cat "$T/mount.log"
	kill "$MPID" 2>/dev/null
	MPID=
	return 1
}

# h2_unmount NAME: fusermount3 -u, then wait for the daemon's commit and
# exit (a watchdog kills it after 120 s); PASS NAME if it exited 0.  Runs
# in this shell (not through check): only this shell can wait for it.
h2_unmount()
{
	if ! fusermount3 -u "$MNT" 2>"$T/umount.err"; then
		fail "$1" "fusermount3 -u failed"
		cat "$T/umount.err"
		return 1
	fi
	(sleep 120; kill -9 "$MPID" 2>/dev/null) >/dev/null 2>&1 &
	_dog=$!
	wait "$MPID"
	_rc=$?
	kill "$_dog" 2>/dev/null
	MPID=
	if [ $_rc -eq 0 ]; then
		pass "$1"
	else
		fail "$1" "mount_hammer2 exited $_rc"
		cat "$T/mount.log"
	fi
	return $_rc
}

if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null 2>&1; then
	skip_h2 "no /dev/fuse or fusermount3"
fi
if ! "$B/newfs_hammer2" -s 1g "$IMG" >"$T/newfs.log" 2>&1; then
	fail hammer2_newfs
	cat "$T/newfs.log"
	exit 1
fi
if ! h2_mount -o rw; then
	# Only libfuse's own complaints (no FUSE in this container) skip.
	grep -q '^fuse' "$T/mount.log" && skip_h2 "FUSE unusable here"
	fail hammer2_mount
	exit 1
fi
# The mount must be read-write and writable (a read-only mount or a
# failing first mkdir fails the suite).
ro=
if ! awk -v m="$MNT" '$2 == m { split($4, o, ","); exit o[1] != "rw" }' \
    /proc/mounts; then
	ro="mounts read-only"
elif ! mkdir "$MNT/probe" 2>"$T/probe.err"; then
	ro="cannot write: $(cat "$T/probe.err")"
fi
if [ -n "$ro" ]; then
	fusermount3 -u "$MNT"
	wait "$MPID"
	MPID=
	fail hammer2_mount_rw "mount_hammer2 -o rw $ro"
	exit 1
fi
rmdir "$MNT/probe" 2>/dev/null

# Directory link counts: 2 + subdirectories (BSD; hammer2_vnops.h says
# so) or always 1 (what DragonFly stores, format spec 11.3).  A fresh
# directory says which; h2_posix then checks that convention throughout.
mkdir "$MNT/probe" && links=$(stat -c %h "$MNT/probe") && rmdir "$MNT/probe"
case ${links:-} in
1) conv=one ;;
2) conv=unix ;;
*) conv=unix; echo "a new directory has ${links:-no} links" ;;
esac
echo "hammer2 directory link counts: $conv"
iused()
{
	df --output=iused "$MNT" | tail -n 1 | tr -d ' '
}
before=$(iused)
if sh "$RUN" dir "$MNT" hammer2 "$conv"; then
	pass hammer2_suite
else
	fail hammer2_suite "see the hammer2_ cases above"
fi
# Every inode the suite made is gone, open-unlinked ones included (the
# PFS's inode count, df -i, is live).
after=$(iused)
if [ -n "$before" ] && [ "$before" = "$after" ]; then
	pass hammer2_no_inode_leak
else
	fail hammer2_no_inode_leak "inodes in use: $before before the suite, $after after"
fi

# What must survive the unmount.
P=$MNT/persist
head -c 1048576 /dev/urandom >"$T/ref"
persist_make()
{
	mkdir -p "$P/a/b/c" &&
	    cp "$T/ref" "$P/data" &&
	    ln "$P/data" "$P/data2" &&
	    ln -s ../data "$P/a/sym" &&
	    dd if="$T/ref" of="$P/sparse" bs=4096 count=1 seek=1310720 \
		conv=notrunc 2>/dev/null &&
	    printf 'old\n' >"$P/old" && mv "$P/old" "$P/new" &&
	    printf 'gone\n' >"$P/gone" && rm "$P/gone" &&
	    chmod 0700 "$P/a" && chown 1234:5678 "$P/a/b" &&
	    touch -d @1500000000 "$P/data" &&
	    truncate -s 12345 "$P/new"
}
persist_check()
{
	cmp "$T/ref" "$P/data" || return 1
	[ "$(stat -c '%h %i' "$P/data")" = "2 $(stat -c %i "$P/data2")" ] ||
	    { echo "hard link lost: $(stat -c '%h %i' "$P/data" "$P/data2")"; return 1; }
	[ "$(readlink "$P/a/sym")" = ../data ] || { echo "symlink"; return 1; }
	[ "$(stat -c %s "$P/sparse")" -eq $((1310721 * 4096)) ] ||
	    { echo "sparse size $(stat -c %s "$P/sparse")"; return 1; }
	dd if="$P/sparse" bs=4096 skip=1310720 count=1 2>/dev/null |
	    cmp - "$T/ref" -n 4096 || { echo "sparse data"; return 1; }
	[ ! -e "$P/old" ] && [ ! -e "$P/gone" ] || { echo "removed names"; return 1; }
	[ "$(stat -c %s "$P/new")" -eq 12345 ] || { echo "truncate"; return 1; }
	[ "$(stat -c %a "$P/a")" = 700 ] || { echo "mode"; return 1; }
	[ "$(stat -c %u:%g "$P/a/b")" = 1234:5678 ] || { echo "owner"; return 1; }
	[ "$(stat -c %Y "$P/data")" -eq 1500000000 ] || { echo "mtime"; return 1; }
	[ -d "$P/a/b/c" ] || { echo "directory"; return 1; }
	if ls -d "$MNT"/h2px.* >/dev/null 2>&1; then
		echo "suite leftovers:"; ls "$MNT"; return 1
	fi
	return 0
}
check hammer2_persist_make persist_make
# The core logs only trouble (check code mismatches, I/O errors).
if grep -q 'hammer2' "$T/mount.log"; then
	fail hammer2_core_quiet "mount_hammer2 logged:"
	head -20 "$T/mount.log"
else
	pass hammer2_core_quiet
fi
h2_unmount hammer2_clean_unmount
check hammer2_fsck_after_suite "$B/fsck_hammer2" "$IMG"

if ! h2_mount -o rw; then
	fail hammer2_remount_persist "remount failed"
	exit 1
fi
check hammer2_remount_persist persist_check
remount_change()
{
	rm "$P/data2" && printf 'more' >>"$P/new" && mkdir "$P/later" &&
	    [ "$(stat -c %h "$P/data")" -eq 1 ]
}
check hammer2_remount_change remount_change
h2_unmount hammer2_second_unmount
check hammer2_fsck_after_remount "$B/fsck_hammer2" "$IMG"

ro_check()
{
	[ -d "$P/later" ] && [ ! -e "$P/data2" ] &&
	    [ "$(stat -c %s "$P/new")" -eq 12349 ] && cmp "$T/ref" "$P/data" ||
	    { echo "changes of the second mount lost"; return 1; }
	if touch "$P/x" 2>"$T/ro.err" || ! grep -q 'Read-only' "$T/ro.err"; then
		echo "a write to a -o ro mount did not fail with EROFS"
		return 1
	fi
	return 0
}
if h2_mount -o ro; then
	check hammer2_ro_mount ro_check
	h2_unmount hammer2_ro_unmount
	check hammer2_fsck_after_ro "$B/fsck_hammer2" "$IMG"
else
	fail hammer2_ro_mount "mount -o ro failed"
fi

# A crash (kill -9 of the daemon): what fsync returned for, and what the
# syncer committed (changes are committed within 5 s), must be there; the
# image must be clean.
crash_check()
{
	[ "$(cat "$P/synced")" = synced ] ||
	    { echo "fsync'd file lost: $(cat "$P/synced")"; return 1; }
	[ "$(cat "$P/bysyncer")" = later ] ||
	    { echo "file the syncer should have committed lost"; return 1; }
	[ ! -e "$P/later" ] || { echo "rmdir before the crash lost"; return 1; }
	cmp "$T/ref" "$P/data"
}
if h2_mount -o rw; then
	printf synced | dd of="$P/synced" conv=fsync 2>/dev/null
	rmdir "$P/later"
	printf later >"$P/bysyncer"
	sleep 9	# the syncer commits changes 5-6 s old
	printf maybe >"$P/unsynced"
	head -c 16777216 /dev/urandom >"$P/lostdata"	# blocks, no commit
	if kill -0 "$MPID" 2>/dev/null && ls "$P" >/dev/null 2>&1; then
		pass hammer2_daemon_alive_before_kill
	else
		fail hammer2_daemon_alive_before_kill "mount_hammer2 died:"
		cat "$T/mount.log"
	fi
	kill -9 "$MPID" 2>/dev/null
	wait "$MPID" 2>/dev/null
	MPID=
	fusermount3 -u "$MNT" 2>/dev/null
	check hammer2_fsck_after_kill "$B/fsck_hammer2" "$IMG"
	if h2_mount -o ro; then
		check hammer2_fsync_and_syncer_survive_kill crash_check
		h2_unmount hammer2_unmount_after_kill
	else
		fail hammer2_fsync_and_syncer_survive_kill "remount failed"
	fi
else
	fail hammer2_fsck_after_kill "mount failed"
fi

# Writing on after the crash: the blocks the killed daemon allocated but
# never committed are free again; new data and files land, the image
# stays clean, and the data reads back after a remount.
head -c 33554432 /dev/urandom >"$T/ref2"
after_kill_write()
{
	cp "$T/ref2" "$P/after" && mkdir "$P/many" &&
	    for _i in $(seq 1 300); do : >"$P/many/f$_i" || return 1; done
}
after_kill_check()
{
	cmp "$T/ref2" "$P/after" && cmp "$T/ref" "$P/data" &&
	    [ "$(ls "$P/many" | wc -l)" -eq 300 ]
}
if h2_mount -o rw; then
	check hammer2_write_after_kill after_kill_write
	h2_unmount hammer2_unmount_after_kill_write
	check hammer2_fsck_after_kill_write "$B/fsck_hammer2" "$IMG"
	if h2_mount -o ro; then
		check hammer2_data_after_kill_write after_kill_check
		h2_unmount hammer2_last_unmount
	else
		fail hammer2_data_after_kill_write "remount failed"
	fi
else
	fail hammer2_write_after_kill "mount failed"
fi

# -o rw on a read-only device fails, saying why, and mounts nothing.
rw_refused()
{
	_out=$(timeout 20 "$MOUNT_H2" -o rw "$1" "$MNT" 2>&1)
	_rc=$?
	echo "exit $_rc: $_out"
	if mountpoint -q "$MNT"; then
		fusermount3 -u "$MNT"
		return 1
	fi
	[ $_rc -ne 0 ] && printf '%s\n' "$_out" |
	    grep -q -e 'Read-only file system' -e 'Permission denied'
}
LOOPDEV=
if LOOPDEV=$(losetup -f --show -r "$IMG" 2>/dev/null) && [ -b "$LOOPDEV" ]; then
	check hammer2_rw_refuses_readonly_device rw_refused "$LOOPDEV"
	losetup -d "$LOOPDEV"
else
	skip hammer2_rw_refuses_readonly_device "no read-only loop device"
fi

# Bad arguments: a clear message, a failure, nothing mounted.
mount_errors()
{
	head -c 4194304 /dev/zero >"$T/zero.img"
	for _args in "-o rw $T/missing.img" "-o rw $T/zero.img" \
	    "-o rw $IMG@NOPE" "-o rw,ro $IMG@NOPE"; do
		# shellcheck disable=SC2086
		_out=$(timeout 20 "$MOUNT_H2" $_args "$MNT" 2>&1)
		_rc=$?
		echo "mount_hammer2 $_args: exit $_rc: $_out"
		if mountpoint -q "$MNT"; then
			fusermount3 -u "$MNT"
			return 1
		fi
		[ $_rc -ne 0 ] && [ -n "$_out" ] || return 1
	done
	timeout 20 "$MOUNT_H2" -o rw "$IMG@NOPE" "$MNT" 2>&1 |
	    grep -q 'no such PFS' || return 1
	timeout 20 "$MOUNT_H2" "$IMG" 2>&1 | grep -q '^usage: mount_hammer2'
}
check hammer2_mount_errors mount_errors

# The device refuses writes (the image made immutable under the daemon):
# fsync fails with EIO, the daemon keeps serving reads, exits 1 at the
# unmount, and the image still holds its last commit, clean.
EIMG=$T/err.img
write_error()
{
	echo x >"$MNT/f1" || return 1
	_out=$(dd if=/dev/zero of="$MNT/f1" bs=4096 count=1 conv=fsync 2>&1)
	echo "dd: $_out"
	printf '%s\n' "$_out" | grep -q 'Input/output error' || return 1
	[ "$(cat "$MNT/kept")" = kept ]
}
"$B/newfs_hammer2" -s 256m "$EIMG" >/dev/null
IMG_SAVED=$IMG
IMG=$EIMG
if h2_mount -o rw; then
	echo kept >"$MNT/kept" && sync "$MNT/kept"
	if chattr +i "$EIMG" 2>/dev/null; then
		check hammer2_write_error_fsync_eio write_error
		fusermount3 -u "$MNT"
		wait "$MPID"
		_rc=$?
		MPID=
		chattr -i "$EIMG"
		if [ $_rc -eq 1 ]; then pass hammer2_write_error_exit_status
		else fail hammer2_write_error_exit_status "exit $_rc, not 1"; fi
		check hammer2_write_error_fsck "$B/fsck_hammer2" "$EIMG"
		if h2_mount -o ro; then
			check hammer2_write_error_last_commit_kept \
			    test "$(cat "$MNT/kept")" = kept
			h2_unmount hammer2_write_error_unmount
		else
			fail hammer2_write_error_last_commit_kept "mount failed"
		fi
	else
		h2_unmount hammer2_write_error_unmount
		skip hammer2_write_error_fsync_eio "chattr +i unsupported here"
	fi
else
	fail hammer2_write_error_fsync_eio "mount failed"
fi
IMG=$IMG_SAVED
