#!/bin/sh
# tests/suites/hammer2.sh - HAMMER2 read side and tools against the
# DragonFly-written fixture images (../shared/fixtures/hammer2).
#
# Per fixture: fsck_hammer2 finds no problem; every MANIFEST entry is
# found with the right type, mode, size, content, target, mtime and
# hardlink identity through the core (ASan/UBSan build) and through a
# FUSE mount; hammer2 pfs-list shows the expected PFSs.  Plus the
# directory-hash vectors of the format spec and error paths of the tools.
. tests/lib.sh
. tests/hammer2/fixtures.sh

B=$O/hammer2/bin
T=$O/hammer2/test.$$
mkdir -p "$T"
MNT=$T/mnt
FIX=$SHARED/fixtures/hammer2

LOOPDEV=
cleanup()
{
	fusermount3 -u "$MNT" 2>/dev/null
	[ -n "$LOOPDEV" ] && losetup -d "$LOOPDEV" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# Directory hash vectors (format §12.1, verified against DragonFly).
hash_vectors()
{
	out=$("$B/hammer2" hash a abc DATA LOCAL SUPROOT a.txt hello.txt x.y y.x) || return 1
	want="c1d0433082e08000 a
b64b3fb709fc8000 abc
c78fff92381d8000 DATA
de25e1c43fe18000 LOCAL
b6d948347eed8000 SUPROOT
fe47183a3da38000 a.txt
d6e8905688708000 hello.txt
84943c23e97d8000 x.y
84943c23af2a8000 y.x"
	[ "$out" = "$want" ] || { printf '%s\n' "$out"; return 1; }
}
check hammer2_dirhash_vectors hash_vectors
check hammer2_unit "$B/h2_unit.asan"

# Errors are reported, never a crash: no such file, not HAMMER2, usage.
expect_fail()
{
	_want=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && printf '%s' "$out" | grep -q -- "$_want"
}
check hammer2_fsck_missing_file expect_fail "No such file" "$B/fsck_hammer2" "$T/nonexistent.img"
head -c 1048576 /dev/zero >"$T/zero.img"
check hammer2_fsck_not_hammer2 expect_fail "no valid volume header" "$B/fsck_hammer2" "$T/zero.img"
check hammer2_show_not_hammer2 expect_fail "bad magic" "$B/hammer2" show "$T/zero.img"
check hammer2_usage expect_fail "usage: hammer2" "$B/hammer2" frobnicate

# usage() matches the man page SYNOPSIS (whitespace-normalised); the man
# pages pass mandoc -Tlint.
norm()
{
	tr -s ' \t\n' '   ' | sed 's/^ *//; s/ *$//'
}
usage_matches_man()
{
	_c=$1
	mandoc -Tlint -Wwarning "sbin/$_c/$_c.8" || return 1
	syn=$(mandoc -Tascii "sbin/$_c/$_c.8" | col -b |
	    awk '/^SYNOPSIS/ { f = 1; next } /^[A-Z]/ { f = 0 } f' | norm)
	use=$("$B/$_c" -Z 2>&1 | grep -v 'invalid option' |
	    awk 'NR == 1 || /^          /' | sed 's/^usage: //' | norm)
	if [ "$_c" = hammer2 ]; then
		use=$(printf '%s\n' "$use" | sed 's/ show .*//')
	fi
	echo "man:   $syn"
	echo "usage: $use"
	[ "$syn" = "$use" ]
}
for c in fsck_hammer2 hammer2 newfs_hammer2 mount_hammer2; do
	if command -v mandoc >/dev/null 2>&1; then
		check "hammer2_${c}_usage_matches_man" usage_matches_man "$c"
	else
		skip "hammer2_${c}_usage_matches_man" "mandoc not installed"
	fi
done

have_fuse=yes
if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null 2>&1; then
	have_fuse=
fi

mount_manifest()
{
	_img=$1 _manifest=$2
	mkdir -p "$MNT"
	timeout 20 "$B/mount_hammer2" "$_img" "$MNT" || return 1
	timeout 300 "$B/h2_manifest" -d "$MNT" "$_manifest"
	_rc=$?
	fusermount3 -u "$MNT" || return 1
	return $_rc
}

if [ -z "$SHARED" ]; then
	skip hammer2_fixtures "../shared absent"
	exit 0
fi

# FUSE may exist but be unusable (a container without CAP_SYS_ADMIN):
# probe with one mount; only libfuse's/fusermount's own complaints make
# the FUSE cases SKIP, any other failure is mount_hammer2's and fails.
if [ -n "$have_fuse" ]; then
	mkdir -p "$MNT"
	if timeout 20 "$B/mount_hammer2" "$(h2_fixture tiny)" "$MNT" 2>"$T/probe.err"; then
		fusermount3 -u "$MNT"
	elif grep -q '^fuse' "$T/probe.err"; then
		cat "$T/probe.err"
		have_fuse=
	fi
fi

# Every image has at least the PFSs LOCAL and DATA (both MASTER).
pfs_list_has()
{
	_img=$1
	shift
	out=$("$B/hammer2" pfs-list "$_img") || return 1
	for _p in "$@"; do
		printf '%s\n' "$out" | awk 'NR > 1 { print $1 ":" $3 }' |
		    grep -qx "$_p" || { printf '%s\n' "$out"; return 1; }
	done
}

for f in $H2_FIXTURES; do
	img=$(h2_fixture "$f")
	if [ -z "$img" ]; then
		fail "hammer2_${f}_decompress"
		continue
	fi
	check "hammer2_${f}_fsck" timeout 300 "$B/fsck_hammer2.asan" -v "$img"
	check "hammer2_${f}_manifest_core" timeout 300 \
	    "$B/h2_manifest.asan" -i "$img" "$FIX/$f.MANIFEST.txt"
	check "hammer2_${f}_pfs_list" pfs_list_has "$img" MASTER:DATA MASTER:LOCAL
	if [ -n "$have_fuse" ]; then
		check "hammer2_${f}_manifest_fuse" mount_manifest "$img@DATA" \
		    "$FIX/$f.MANIFEST.txt"
	else
		skip "hammer2_${f}_manifest_fuse" "no /dev/fuse or fusermount3"
	fi
done

# PFSs: every image has LOCAL and DATA; the snapshot image also the
# snapshot DATA.snap1 (subtype SNAPSHOT) and the empty PFS EXTRA.
pfs_list()
{
	_img=$1
	shift
	out=$("$B/hammer2" pfs-list "$_img") || return 1
	printf '%s\n' "$out"
	got=$(printf '%s\n' "$out" | awk 'NR > 1 { print $1 ":" $3 }' | sort | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	[ "$got" = "$want" ]
}
check hammer2_tiny_pfs_list pfs_list "$H2_FIXDIR/tiny.img" MASTER:DATA MASTER:LOCAL
check hammer2_snapshot_pfs_list pfs_list "$H2_FIXDIR/pfs-snapshot-8g.img" \
    MASTER:DATA MASTER:LOCAL SNAPSHOT:DATA.snap1 MASTER:EXTRA
check hammer2_snapshot_manifest_core_snap1 "$B/h2_manifest.asan" \
    -i "$H2_FIXDIR/pfs-snapshot-8g.img@DATA.snap1" "$FIX/pfs-snapshot-8g.MANIFEST.txt"

empty_pfs()
{
	mkdir -p "$MNT"
	timeout 20 "$B/mount_hammer2" "$1" "$MNT" || return 1
	n=$(ls -A "$MNT" | wc -l)
	fusermount3 -u "$MNT"
	[ "$n" -eq 0 ]
}
no_such_pfs()
{
	mkdir -p "$MNT"
	expect_fail "no such PFS" timeout 20 "$B/mount_hammer2" "$1" "$MNT"
}
if [ -n "$have_fuse" ]; then
	check hammer2_snapshot_manifest_fuse_snap1 mount_manifest \
	    "$H2_FIXDIR/pfs-snapshot-8g.img@DATA.snap1" "$FIX/pfs-snapshot-8g.MANIFEST.txt"
	check hammer2_fuse_empty_pfs_extra empty_pfs "$H2_FIXDIR/pfs-snapshot-8g.img@EXTRA"
	check hammer2_fuse_no_such_pfs no_such_pfs "$H2_FIXDIR/tiny.img@NOPE"
else
	skip hammer2_snapshot_manifest_fuse_snap1 "no /dev/fuse"
fi

# A block device, not just an image file: tiny.img on a read-only loop
# device (skipped where loop devices are unavailable).
if [ -n "$have_fuse" ] && LOOPDEV=$(losetup -f --show -r "$H2_FIXDIR/tiny.img" 2>/dev/null) &&
    [ -b "$LOOPDEV" ]; then
	check hammer2_blockdev_fsck "$B/fsck_hammer2" "$LOOPDEV"
	check hammer2_blockdev_manifest_fuse mount_manifest "$LOOPDEV@DATA" \
	    "$FIX/tiny.MANIFEST.txt"
	losetup -d "$LOOPDEV"
	LOOPDEV=
else
	LOOPDEV=
	skip hammer2_blockdev_manifest_fuse "no loop device or FUSE"
fi

# fsck -v names every PFS, the snapshot included, with its inode count.
fsck_lists_pfs()
{
	out=$("$B/fsck_hammer2" -v "$H2_FIXDIR/pfs-snapshot-8g.img") || return 1
	printf '%s\n' "$out"
	printf '%s\n' "$out" | grep -q '^PFS "DATA.snap1": MASTER (snapshot), 26 inodes' &&
	    printf '%s\n' "$out" | grep -q '^PFS "DATA": MASTER, 26 inodes' &&
	    printf '%s\n' "$out" | grep -q '^PFS "EXTRA": MASTER, 0 inodes'
}
check hammer2_fsck_verbose_lists_pfs fsck_lists_pfs

# Inode numbers and link counts through FUSE are HAMMER2's own, as
# hammer2 stat reads them from the image.
fuse_inums()
{
	timeout 20 "$B/mount_hammer2" "$H2_FIXDIR/tiny.img" "$MNT" || return 1
	_rc=0
	for _p in hello.txt hardlink-to-hello a/b/c/d/deep.txt link-700 emptydir fifo; do
		_want=$("$B/hammer2" stat "$H2_FIXDIR/tiny.img" "$_p" |
		    awk 'NR == 2 { printf "%d %d", $1, $5 }')
		_got=$(stat -c '%i %h' "$MNT/$_p")
		echo "$_p: fuse $_got, image $_want"
		[ -n "$_want" ] && [ "$_got" = "$_want" ] || _rc=1
	done
	[ "$(stat -c %i "$MNT")" = 1 ] || _rc=1
	fusermount3 -u "$MNT" || _rc=1
	return $_rc
}
if [ -n "$have_fuse" ]; then
	check hammer2_fuse_inode_numbers fuse_inums
fi

# freemap, info and dhash on tiny.img: the values the format spec's
# worked example (§19.7) reads from the same image.
freemap_tiny()
{
	out=$("$B/hammer2" freemap "$H2_FIXDIR/tiny.img") || return 1
	printf '%s\n' "$out" | grep -q 'freemap_leaf.0   000000000001000f 0000000000000000/30' &&
	    printf '%s\n' "$out" | grep -q '0000000001800000 0006.0110 linear=072400 avail=37c000 \[ 03ffffffffffffff 00000000000000ff 0' &&
	    printf '%s\n' "$out" | grep -q '0000000001c00000 0007.0210 linear=001000 avail=3fc000 \[ 0000000000000003 0'
}
check hammer2_freemap_tiny freemap_tiny
info_tiny()
{
	out=$("$B/hammer2" info "$H2_FIXDIR/tiny.img") || return 1
	printf '%s\n' "$out"
	[ "$(printf '%s\n' "$out" | sed 1d | tr -d ' ' | sort | tr '\n' ' ')" = "DATA LOCAL " ]
}
check hammer2_info_tiny info_tiny
dhash_window()
{
	"$B/hammer2" dhash hello.txt | grep -qx 'd6e8905688708000 hello.txt (collision window d6e8905688708000-d6e890568870ffff)'
}
check hammer2_dhash_window dhash_window

# Header selection: copy 0 of the 8 GiB image is the empty newfs state.
volhdr_copy3()
{
	"$B/hammer2" volhdr "$H2_FIXDIR/pfs-snapshot-8g.img" | tee "$T/volhdr.out" |
	    grep -q '^volume header copy 3 (valid copies mask 0xf)' &&
	    grep -q '^mirror_tid     0x0000000000000013' "$T/volhdr.out"
}
check hammer2_volhdr_picks_newest_copy volhdr_copy3

# show walks the whole tree (every inode of medium appears once per PFS).
show_medium()
{
	n=$("$B/hammer2" show "$H2_FIXDIR/medium.img" | grep -c '^ *inum  ')
	echo "inodes shown: $n"
	[ "$n" -eq 2227 ]
}
check hammer2_show_medium show_medium

# hammer2 show against DragonFly's own show output (.show.txt.xz): the
# same blockrefs in the same order (type.slot, data_off, key/keybits) and
# the same inode and directory-entry fields (times, UUIDs, check values
# and statistics lines are left out: they are formatted differently or
# random per build).
show_fields()
{
	grep -E '^ *([a-z_]+\.[0-9]+ +[0-9a-f]{16}|filename|type |mode |inum |size |nlinks |iparent|name_key|name_len|pfs_type|pfs_inum|compalg|checkalg|opflgs|version |uflags|pfs_st|nlen|\} \()' |
	    sed 's/^ *//; s/ *$//; s/  */ /g; s/ {$//'
}
show_like_dragonfly()
{
	xz -dc "$FIX/$1.show.txt.xz" | show_fields >"$T/show.df" || return 1
	"$B/hammer2" show "$H2_FIXDIR/$1.img" | show_fields >"$T/show.us"
	echo "$(wc -l <"$T/show.df") DragonFly lines compared"
	diff "$T/show.df" "$T/show.us" | head -20
	[ "$(wc -l <"$T/show.df")" -gt 50 ] && cmp -s "$T/show.df" "$T/show.us"
}
for f in $H2_FIXTURES; do
	check "hammer2_${f}_show_like_dragonfly" show_like_dragonfly "$f"
done

# Corruption (ASan/UBSan core): a flipped byte in every reachable block,
# header flips, crafted re-signed blockrefs and inodes, truncation.
for f in tiny comp-zlib check-sha192 check-iscsi32 pfs-snapshot-8g; do
	check "hammer2_${f}_corruption" timeout 300 \
	    "$B/h2_corrupt.asan" "$H2_FIXDIR/$f.img"
done

# fsck reports damage precisely and exits non-zero.
fsck_reports()
{
	_img=$1 _want=$2
	out=$(timeout 60 "$B/fsck_hammer2.asan" "$_img" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && printf '%s\n' "$out" | grep -q "^PROBLEM: $_want"
}
cp "$H2_FIXDIR/tiny.img" "$T/bad-data.img"
# text-4000.txt's LZ4 block (format §19.6): one flipped byte.
printf '\377' | dd of="$T/bad-data.img" bs=1 seek=$((0x1807010)) conv=notrunc 2>/dev/null
check hammer2_fsck_reports_bad_data fsck_reports "$T/bad-data.img" \
    "data block 0x000000000180700b key 0x0000000000000000/16: Input/output error"
cp "$H2_FIXDIR/tiny.img" "$T/bad-hdr.img"
printf '\377' | dd of="$T/bad-hdr.img" bs=1 seek=$((0x78)) conv=notrunc 2>/dev/null
check hammer2_fsck_reports_bad_header fsck_reports "$T/bad-hdr.img" \
    ".*cannot open a HAMMER2 volume"
cp "$H2_FIXDIR/tiny.img" "$T/bad-leaf.img"
printf '\377' | dd of="$T/bad-leaf.img" bs=1 seek=$((0x10000 + 200 * 128 + 0x1c)) conv=notrunc 2>/dev/null
check hammer2_fsck_reports_bad_freemap_leaf fsck_reports "$T/bad-leaf.img" \
    "freemap_leaf block 0x000000000001000f"
"$B/h2_corrupt.asan" -F "$H2_FIXDIR/tiny.img" "$T/freemap-hole.img" >/dev/null
check hammer2_fsck_reports_freemap_hole fsck_reports "$T/freemap-hole.img" \
    "inode block 0x[0-9a-f]* is marked free in the freemap"
# Through FUSE: the damaged file gives EIO, its neighbours still read,
# and the daemon keeps serving.
fuse_eio()
{
	timeout 20 "$B/mount_hammer2" "$T/bad-data.img" "$MNT" || return 1
	_rc=0
	if timeout 20 cat "$MNT/text-4000.txt" >/dev/null 2>"$T/cat.err"; then
		echo "damaged file read without error"
		_rc=1
	fi
	grep -q "Input/output error" "$T/cat.err" || _rc=1
	cat "$T/cat.err"
	timeout 20 cmp -s "$MNT/hello.txt" - <<HELLO || _rc=1
Hello, HAMMER2!
HELLO
	timeout 20 ls "$MNT/a/b" >/dev/null || _rc=1
	fusermount3 -u "$MNT" || _rc=1
	return $_rc
}
if [ -n "$have_fuse" ]; then
	check hammer2_fuse_damaged_block_eio fuse_eio
else
	skip hammer2_fuse_damaged_block_eio "no /dev/fuse"
fi
"$B/h2_corrupt.asan" -L "$H2_FIXDIR/tiny.img" "$T/bad-nlinks.img" >/dev/null
check hammer2_fsck_reports_bad_nlinks fsck_reports "$T/bad-nlinks.img" \
    "PFS DATA: inode 0x0000000000000500 has nlinks 3 but 1 directory entries"
truncate -s 20M "$T/bad-data.img"
check hammer2_fsck_reports_truncation fsck_reports "$T/bad-data.img" \
    ".*cannot open a HAMMER2 volume"
rm -f "$T"/bad-*.img "$T/freemap-hole.img"

# Bounded fuzz run (libFuzzer, ASan/UBSan) over mutated tiny.img.
H2_FUZZ_SECONDS=${H2_FUZZ_SECONDS:-60}
mkdir -p "$T/fuzz-corpus"
check hammer2_fuzz_images env H2_FUZZ_IMAGE="$H2_FIXDIR/tiny.img" \
    timeout $((H2_FUZZ_SECONDS + 60)) "$B/h2_fuzz" \
    -max_total_time="$H2_FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$T/fuzz-corpus"
exit 0
