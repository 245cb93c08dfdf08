#!/bin/sh
# Copyright (c) 2026 The Anax Project
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/hammer2/posix/run.sh - run the POSIX semantics suite (h2_posix)
# on a scratch file system and print its lines with the case names
# prefixed by the file system's name.
#
#   run.sh tmpfs                 a fresh tmpfs (needs root)
#   run.sh ext4                  a fresh ext4 on a loop image (needs root)
#   run.sh dir DIR NAME [LINKS]  an existing directory DIR, cases named
#                                NAME_case; LINKS is h2_posix's -d
#                                (unix, the default, or one)
#
# A file system that cannot be set up gives one "SKIP: NAME_setup (why)"
# line; h2_posix crashing or timing out gives "FAIL: NAME_h2_posix".
# Exit status 0 if nothing failed, else 1.  H2_POSIX names the binary
# (default $O/h2-posix/h2_posix, O defaulting to obj).
set -u
O=${O:-obj}
PX=${H2_POSIX:-$O/h2-posix/h2_posix}
PX_TIMEOUT=${PX_TIMEOUT:-900}

# run_on DIR NAME LINKS: the suite proper, lines prefixed with NAME_.
run_on()
{
	_out=$(mktemp) || return 1
	timeout -k 10 "$PX_TIMEOUT" "$PX" -d "$3" "$1" >"$_out" 2>&1
	_rc=$?
	sed -e "s/^PASS: /PASS: $2_/" -e "s/^FAIL: /FAIL: $2_/" \
	    -e "s/^SKIP: /SKIP: $2_/" "$_out"
	rm -f "$_out"
	case $_rc in
	0) return 0 ;;
	1) return 1 ;;
	124 | 137) echo "FAIL: $2_h2_posix (timed out after ${PX_TIMEOUT}s)" ;;
	*) echo "FAIL: $2_h2_posix (exit $_rc)" ;;
	esac
	return 1
}

if [ ! -x "$PX" ]; then
	echo "FAIL: h2_posix_built ($PX missing: make $PX)"
	exit 1
fi
T=$(mktemp -d /tmp/h2px-run.XXXXXX) || exit 1
MNT=$T/mnt
LOOPMNT=
cleanup()
{
	[ -n "$LOOPMNT" ] && umount "$MNT" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$MNT"

case ${1:-} in
tmpfs)
	if ! mount -t tmpfs -o size=1g,mode=0755 h2px "$MNT" 2>"$T/err"; then
		echo "SKIP: tmpfs_setup (cannot mount tmpfs: $(head -1 "$T/err"))"
		exit 0
	fi
	LOOPMNT=yes
	run_on "$MNT" tmpfs unix
	;;
ext4)
	# 4 KiB blocks (symlinks up to 4095 bytes), 256-byte inodes
	# (nanosecond times).
	truncate -s 512m "$T/ext4.img" &&
	    mkfs.ext4 -q -F -b 4096 -I 256 "$T/ext4.img" >"$T/err" 2>&1
	if [ $? -ne 0 ] ||
	    ! mount -o loop "$T/ext4.img" "$MNT" 2>>"$T/err"; then
		echo "SKIP: ext4_setup (cannot make or mount ext4: $(head -1 "$T/err"))"
		exit 0
	fi
	LOOPMNT=yes
	run_on "$MNT" ext4 unix
	;;
dir)
	[ $# -ge 3 ] || { echo "usage: run.sh dir DIR NAME [unix|one]" >&2; exit 2; }
	run_on "$2" "$3" "${4:-unix}"
	;;
*)
	echo "usage: run.sh tmpfs | ext4 | dir DIR NAME [unix|one]" >&2
	exit 2
	;;
esac
