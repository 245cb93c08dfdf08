#!/bin/sh
# Copyright (c) 2026 The Anax Project
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/hammer2/fsx/fuse_rt.sh - fixture round trip through a read-write
# FUSE mount (mount_hammer2 -o rw), the shell's counterpart of
# h2_fsx_rt.c.
#
# Usage: fuse_rt.sh image manifest workdir  (image is changed in place)
#
# Mounts image@DATA read-write and, with ordinary commands, appends to
# one plain MANIFEST file, removes one, renames one into a new
# directory (after checking each one's content against its sha256), and
# creates that directory with a 100,000-byte file and a symlink; sets
# the mtime of everything it writes to a fixed time.  Unmounts, waits for
# the daemon's final commit, runs fsck_hammer2 and checks the image with
# part 1's read-only reader (h2_manifest -i) against the MANIFEST it
# derived: untouched entries byte for byte, changed ones rewritten.
# Exit 0 only if every step passed.
set -u
img=$1 manifest=$2 W=$3
O=${O:-obj}
B=$O/hammer2/bin
MNT=$W/rt-mnt
STAMP=1800000000
DAEMON=

mkdir -p "$MNT" || exit 1

die()
{
	echo "fuse_rt: $*"
	[ -n "$DAEMON" ] && fusermount3 -u "$MNT" 2>/dev/null && wait "$DAEMON"
	exit 1
}

"$B/mount_hammer2" -f -o rw "$img@DATA" "$MNT" >"$W/rt-daemon.log" 2>&1 &
DAEMON=$!
i=0
while ! mountpoint -q "$MNT"; do
	i=$((i + 1))
	if [ "$i" -gt 200 ] || ! kill -0 "$DAEMON" 2>/dev/null; then
		cat "$W/rt-daemon.log"
		DAEMON=
		die "mount failed"
	fi
	sleep 0.1
done

# The first three plain files: no hardlink, no escaped name, not empty.
awk -F '\t' 'NF == 8 && $2 == "file" && $8 == "-" && $4 > 0 &&
    index($1, "\\") == 0 { print $1 }' "$manifest" | head -3 >"$W/rt-victims"
[ "$(wc -l <"$W/rt-victims")" -eq 3 ] || die "fewer than 3 plain files"
append=$(sed -n 1p "$W/rt-victims")
remove=$(sed -n 2p "$W/rt-victims")
rename=$(sed -n 3p "$W/rt-victims")

# Each victim reads back as its MANIFEST says before it is changed.
for v in "$append" "$remove" "$rename"; do
	want=$(awk -F '\t' -v p="$v" '$1 == p { print $5 }' "$manifest")
	got=$(sha256sum <"$MNT/$v" | cut -d' ' -f1)
	[ "$got" = "$want" ] || die "$v reads back as $got, MANIFEST says $want"
done

cp "$MNT/$append" "$W/rt-append" && printf 'fsx-rt!' >>"$W/rt-append" &&
    printf 'fsx-rt!' >>"$MNT/$append" && touch -d "@$STAMP" "$MNT/$append" ||
    die "append to $append"
rm "$MNT/$remove" || die "rm $remove"
mkdir "$MNT/fsx-rt-dir" && chmod 0755 "$MNT/fsx-rt-dir" || die "mkdir"
mv "$MNT/$rename" "$MNT/fsx-rt-dir/renamed" || die "mv $rename"
head -c 100000 /dev/urandom >"$W/rt-new" && cp "$W/rt-new" "$MNT/fsx-rt-dir/new" &&
    chmod 0644 "$MNT/fsx-rt-dir/new" && touch -d "@$STAMP" "$MNT/fsx-rt-dir/new" ||
    die "create fsx-rt-dir/new"
ln -s new "$MNT/fsx-rt-dir/link" && touch -h -d "@$STAMP" "$MNT/fsx-rt-dir/link" ||
    die "symlink"

fusermount3 -u "$MNT" || die "unmount"
# The final commit happens after the unmount: wait (at most 120 s).
i=0
while kill -0 "$DAEMON" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 1200 ]; then
		kill -9 "$DAEMON"
		DAEMON=
		die "mount_hammer2 did not exit 120 s after the unmount"
	fi
	sleep 0.1
done
wait "$DAEMON" || { cat "$W/rt-daemon.log"; DAEMON=; die "final commit failed"; }
DAEMON=

# The MANIFEST the image must now match.
asha=$(sha256sum <"$W/rt-append" | cut -d' ' -f1)
nsha=$(sha256sum <"$W/rt-new" | cut -d' ' -f1)
awk -F '\t' -v OFS='\t' -v a="$append" -v r="$remove" -v m="$rename" \
    -v asz="$(stat -c %s "$W/rt-append")" -v asha="$asha" -v t="$STAMP" '
	NF == 8 && $1 == a { $4 = asz; $5 = asha; $7 = t }
	NF == 8 && $1 == r { next }
	NF == 8 && $1 == m { $1 = "fsx-rt-dir/renamed" }
	{ print }' "$manifest" >"$W/rt-fuse.MANIFEST"
printf 'fsx-rt-dir\tdir\t0755\t0\t-\t-\t%s\t-\n' "$STAMP" >>"$W/rt-fuse.MANIFEST"
printf 'fsx-rt-dir/new\tfile\t0644\t100000\t%s\t-\t%s\t-\n' "$nsha" "$STAMP" \
    >>"$W/rt-fuse.MANIFEST"
printf 'fsx-rt-dir/link\tsymlink\t0777\t3\t-\tnew\t%s\t-\n' "$STAMP" \
    >>"$W/rt-fuse.MANIFEST"

timeout 300 "$B/fsck_hammer2" "$img" || die "fsck_hammer2 failed"
# The changes reached the media: the original MANIFEST no longer fits.
if timeout 300 "$B/h2_manifest" -i "$img@DATA" "$manifest" >"$W/rt-orig" 2>&1; then
	die "the image still matches the original MANIFEST"
fi
[ "$(grep -c '^MISMATCH' "$W/rt-orig")" -ge 6 ] ||
    { cat "$W/rt-orig"; die "too few differences from the original MANIFEST"; }
timeout 300 "$B/h2_manifest" -i "$img@DATA" "$W/rt-fuse.MANIFEST" ||
    die "the image does not match the derived MANIFEST"
