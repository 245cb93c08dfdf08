#!/bin/sh
# tests/suites/hammer2_newfs.sh - newfs_hammer2: images pass fsck_hammer2,
# mount through FUSE, match what DragonFly's newfs writes byte for byte
# (outside UUIDs, times and the check codes covering them), and bad
# arguments are refused with a clear message.
. tests/lib.sh
. tests/hammer2/fixtures.sh

B=$O/hammer2/bin
T=$O/hammer2/newfs-test.$$
MNT=$T/mnt
rm -rf "$T"
mkdir -p "$T" "$MNT"

cleanup()
{
	fusermount3 -u "$MNT" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

newfs_fsck()
{
	_img=$1
	shift
	rm -f "$_img"
	"$B/newfs_hammer2" "$@" "$_img" || return 1
	"$B/fsck_hammer2" -v "$_img"
}
check hammer2_newfs_32m_fsck newfs_fsck "$T/a.img" -s 32m
check hammer2_newfs_8g_fsck newfs_fsck "$T/b.img" -s 8g
check hammer2_newfs_labels_fsck newfs_fsck "$T/c.img" -s 64m -L A -L B -L C
check hammer2_newfs_v1_fsck newfs_fsck "$T/d.img" -s 40m -V 1
check hammer2_newfs_areas_fsck newfs_fsck "$T/e.img" -s 1g -b 16m -r 24m

pfs_labels()
{
	_img=$1
	shift
	got=$("$B/hammer2" pfs-list "$_img" | awk 'NR > 1 { print $1 ":" $3 }' | sort | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	echo "got: $got"
	[ "$got" = "$want" ]
}
check hammer2_newfs_default_pfs pfs_labels "$T/a.img" MASTER:DATA MASTER:LOCAL
check hammer2_newfs_label_pfs pfs_labels "$T/c.img" MASTER:A MASTER:B MASTER:C MASTER:LOCAL

volhdr_has()
{
	"$B/hammer2" volhdr "$1" | grep -q "$2"
}
check hammer2_newfs_8g_four_copies volhdr_has "$T/b.img" "valid copies mask 0xf"
check hammer2_newfs_area_sizes volhdr_has "$T/e.img" "aux_end        0x0000000002c00000 (24 MiB)"

expect_refusal()
{
	_want=$1
	shift
	out=$("$B/newfs_hammer2" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	[ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q -- "$_want"
}
check hammer2_newfs_refuses_16m expect_refusal "too small" -s 16m "$T/f.img"
check hammer2_newfs_refuses_5_labels expect_refusal "at most 3 labels" \
    -s 64m -L A -L B -L C -L D "$T/g.img"
check hammer2_newfs_refuses_version_3 expect_refusal "version must be" -V 3 -s 64m "$T/g.img"
check hammer2_newfs_refuses_bad_size expect_refusal "bad size" -s 12q "$T/g.img"
check hammer2_newfs_refuses_huge_areas expect_refusal "not enough free space" \
    -s 64m -b 32m -r 32m "$T/g.img"
check hammer2_newfs_refuses_missing_device expect_refusal "No such file" "$T/none/x.img"
check hammer2_newfs_usage expect_refusal "usage: newfs_hammer2" -Q "$T/g.img"

mount_empty()
{
	timeout 20 "$B/mount_hammer2" "$1" "$MNT" || return 1
	n=$(ls -A "$MNT" | wc -l)
	mode=$(stat -c %a "$MNT")
	fusermount3 -u "$MNT"
	echo "entries $n mode $mode"
	[ "$n" -eq 0 ] && [ "$mode" = 755 ]
}
fuse_usable()
{
	[ -c /dev/fuse ] && command -v fusermount3 >/dev/null 2>&1 || return 1
	timeout 20 "$B/mount_hammer2" "$T/a.img" "$MNT" 2>"$T/probe.err" &&
	    { fusermount3 -u "$MNT"; return 0; }
	! grep -q '^fuse' "$T/probe.err"	# only libfuse refusing skips
}
if fuse_usable; then
	check hammer2_newfs_mount_data mount_empty "$T/a.img"
	check hammer2_newfs_mount_label mount_empty "$T/c.img@B"
else
	skip hammer2_newfs_mount_data "no /dev/fuse"
fi

# Copy 0 of pfs-snapshot-8g is DragonFly's own newfs output for an 8 GiB
# volume (mirror_tid 0x10).  Compare everything that is not a UUID, a
# time or a check code over them.
same_bytes()
{
	_off=$1 _len=$2
	dd if="$T/b.img" bs=1 skip=$((_off)) count=$((_len)) 2>/dev/null >"$T/ours"
	dd if="$FIXIMG" bs=1 skip=$((_off)) count=$((_len)) 2>/dev/null >"$T/theirs"
	cmp "$T/ours" "$T/theirs" || { echo "differ at $_off+$_len"; return 1; }
}
compare_dragonfly()
{
	same_bytes 0x0 0x40 && same_bytes 0x60 0x180 &&
	    same_bytes 0x200 0x40 && same_bytes 0x400 0xc00 &&
	    same_bytes 0x1000 0xeffc || return 1
	for ino in 0x14400000 0x14400400 0x14400800; do
		same_bytes $ino 0x10 && same_bytes $((ino + 0x30)) 0x60 &&
		    same_bytes $((ino + 0xb0)) 0x150 || return 1
	done
	for br in 0 1; do
		same_bytes $((0x14400200 + br * 128)) 0x40 || return 1
	done
}
if [ -n "$SHARED" ]; then
	FIXIMG=$(h2_fixture pfs-snapshot-8g)
	check hammer2_newfs_matches_dragonfly compare_dragonfly
else
	skip hammer2_newfs_matches_dragonfly "../shared absent"
fi
exit 0
