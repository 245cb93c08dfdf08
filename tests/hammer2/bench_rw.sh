#!/bin/sh
# Copyright (c) 2026 The Anax Project
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/hammer2/bench_rw.sh - make bench-hammer2-rw: HAMMER2 read-write
# through FUSE (mount_hammer2) against ext4 through FUSE (Debian's
# fuse2fs), in the same run, on sparse images of the same size.
#
# Workloads (each on a fresh image, BENCH_REPS times, median printed):
#   tree      untar a source tree (BENCH_TREE, /usr/include), unmount
#             (the daemon has flushed when it exits), remount, re-tar it
#             to /dev/null from a cold cache
#   files     create, stat, delete BENCH_FILES small files (100 per dir)
#   seq       write BENCH_SEQ_MB MiB of random data with fsync, remount,
#             read it back
#   rand      BENCH_RAND_N random 4 KiB pwrite+fsync into a 64 MiB file
#   space     the tree copied twice: space used (df) against its size
#             (compression and dedup on HAMMER2, neither on ext4)
#   snapshot  HAMMER2 only: hammer2 snapshot on the unmounted image with
#             1 GiB and BENCH_SNAP_BIG_GB GiB of file data (written
#             offline through the vnops layer by h2_fsx_fill)
# Every timing is wall-clock including the FUSE daemon's flush at
# unmount where stated.  Results are printed, never asserted; copy them
# into docs/performance/hammer2-rw.md.  BENCH_ONLY=ext4 or =hammer2 runs
# one side (a side that cannot mount read-write is reported and skipped);
# BENCH_WORKLOADS picks workloads (default "tree files seq rand space
# snapshot").
set -u
O=${O:-obj}
B=$O/hammer2/bin
W=${BENCH_DIR:-$O/hammer2/bench-rw}
IMG_SIZE=${BENCH_IMG_SIZE:-16g}
TREE=${BENCH_TREE:-/usr/include}
FILES=${BENCH_FILES:-20000}
SEQ_MB=${BENCH_SEQ_MB:-1024}
RAND_N=${BENCH_RAND_N:-2000}
REPS=${BENCH_REPS:-3}
SNAP_BIG_GB=${BENCH_SNAP_BIG_GB:-10}
ONLY=${BENCH_ONLY:-}
WORKLOADS=${BENCH_WORKLOADS:-tree files seq rand space snapshot}
MNT=$W/mnt
IMG=$W/fs.img
DAEMON=

mkdir -p "$MNT"
W=$(cd "$W" && pwd)
MNT=$W/mnt
IMG=$W/fs.img

now()
{
	date +%s.%N
}

elapsed()
{
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'
}

median()
{
	tr ' ' '\n' | sed '/^$/d' | sort -g |
	    awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ---- the two file systems ----

fs_mkfs()
{
	rm -f "$IMG"
	truncate -s "$IMG_SIZE" "$IMG" || return 1
	case $1 in
	ext4)	mkfs.ext4 -F -q -E lazy_itable_init=0,lazy_journal_init=0 "$IMG" ;;
	hammer2) "$B/newfs_hammer2" -s "$IMG_SIZE" "$IMG" >/dev/null ;;
	esac
}

fs_mount()
{
	case $1 in
	ext4)	fuse2fs "$IMG" "$MNT" -f >"$W/daemon.log" 2>&1 & ;;
	hammer2) "$B/mount_hammer2" -f ${H2_MOUNT_OPTS:--o rw} "$IMG" "$MNT" \
		    >"$W/daemon.log" 2>&1 & ;;
	esac
	DAEMON=$!
	_i=0
	while ! mountpoint -q "$MNT"; do
		_i=$((_i + 1))
		if [ "$_i" -gt 200 ] || ! kill -0 "$DAEMON" 2>/dev/null; then
			cat "$W/daemon.log"
			return 1
		fi
		sleep 0.1
	done
}

# Unmount and wait for the daemon to finish flushing and exit.
fs_umount()
{
	fusermount3 -u "$MNT" 2>/dev/null || fusermount -u "$MNT" || return 1
	wait "$DAEMON"
	DAEMON=
}

fs_writable()
{
	touch "$MNT/.probe" 2>/dev/null && rm -f "$MNT/.probe"
}

# ---- workloads; each prints "name seconds" lines ----

w_tree()
{
	fs_mkfs "$1" && fs_mount "$1" || return 1
	t=$(now)
	tar -C "$MNT" -xf "$W/tree.tar" || return 1
	fs_umount || return 1
	echo "untar $(elapsed "$t")"
	fs_mount "$1" || return 1
	t=$(now)
	tar -C "$MNT" -cf - . >/dev/null || return 1
	echo "retar $(elapsed "$t")"
	fs_umount
}

w_files()
{
	fs_mkfs "$1" && fs_mount "$1" || return 1
	python3 - "$MNT/files" "$FILES" <<'EOF' || return 1
import os, sys, time
root, n = sys.argv[1], int(sys.argv[2])
names = [os.path.join(root, "d%03d" % (i // 100), "f%05d" % i) for i in range(n)]
data = b"x" * 100
t = time.monotonic()
os.mkdir(root)
for i in range(0, n, 100):
    os.mkdir(os.path.dirname(names[i]))
for p in names:
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.write(fd, data)
    os.close(fd)
print("create %.3f" % (time.monotonic() - t))
t = time.monotonic()
for p in names:
    os.stat(p)
print("stat %.3f" % (time.monotonic() - t))
t = time.monotonic()
for p in names:
    os.unlink(p)
for i in range(0, n, 100):
    os.rmdir(os.path.dirname(names[i]))
print("delete %.3f" % (time.monotonic() - t))
EOF
	fs_umount
}

w_seq()
{
	fs_mkfs "$1" && fs_mount "$1" || return 1
	t=$(now)
	dd if="$W/rand.bin" of="$MNT/seq" bs=1M count="$SEQ_MB" conv=fsync \
	    status=none || return 1
	echo "seqwrite $(elapsed "$t")"
	fs_umount && fs_mount "$1" || return 1
	t=$(now)
	dd if="$MNT/seq" of=/dev/null bs=1M status=none || return 1
	echo "seqread $(elapsed "$t")"
	fs_umount
}

w_rand()
{
	fs_mkfs "$1" && fs_mount "$1" || return 1
	dd if="$W/rand.bin" of="$MNT/rand" bs=1M count=64 conv=fsync \
	    status=none || return 1
	python3 - "$MNT/rand" "$RAND_N" <<'EOF' || return 1
import os, random, sys, time
path, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
fd = os.open(path, os.O_WRONLY)
blocks = (64 << 20) // 4096
t = time.monotonic()
for _ in range(n):
    os.pwrite(fd, rng.randbytes(4096), rng.randrange(blocks) * 4096)
    os.fsync(fd)
print("rand4k %.3f" % (time.monotonic() - t))
os.close(fd)
EOF
	fs_umount
}

w_space()
{
	fs_mkfs "$1" && fs_mount "$1" || return 1
	u0=$(df -k --output=used "$MNT" | tail -1)
	tar -C "$MNT" -xf "$W/tree.tar" && mkdir "$MNT/copy" &&
	    tar -C "$MNT/copy" -xf "$W/tree.tar" || return 1
	fs_umount && fs_mount "$1" || return 1
	u1=$(df -k --output=used "$MNT" | tail -1)
	echo "space_kib $((u1 - u0))"
	fs_umount
}

# Snapshot time on HAMMER2 with 1 GiB and SNAP_BIG_GB GiB of data; the
# data is written offline through the vnops layer (h2_fsx_fill), which
# needs no read-write FUSE mount and no minutes of FUSE round trips.
w_snapshot()
{
	fs_mkfs hammer2 || return 1
	have=0
	for gb in 1 "$SNAP_BIG_GB"; do
		while [ "$have" -lt "$gb" ]; do
			"$B/h2_fsx_fill" "$IMG" "data.$have" 1024 || return 1
			have=$((have + 1))
		done
		# REPS snapshots of the same data: the median is the row.
		r=0
		while [ "$r" -lt "$REPS" ]; do
			t=$(now)
			"$B/hammer2" snapshot "$IMG@DATA" "snap.$gb.$r" \
			    >"$W/snap.log" 2>&1 || { cat "$W/snap.log"; return 1; }
			echo "snapshot_${gb}g $(elapsed "$t")"
			r=$((r + 1))
		done
	done
	"$B/fsck_hammer2" "$IMG" >"$W/fsck.log" 2>&1 ||
	    { cat "$W/fsck.log"; return 1; }
}

# ---- driver ----

run_side()
{
	fs=$1
	if ! fs_mkfs "$fs" || ! fs_mount "$fs"; then
		echo "bench-hammer2-rw: $fs: cannot make or mount an image; skipped"
		return 0
	fi
	if ! fs_writable; then
		fs_umount
		echo "bench-hammer2-rw: $fs: the FUSE mount is not writable; skipped"
		return 0
	fi
	fs_umount
	: >"$W/$fs.raw"
	for w in $WORKLOADS; do
		[ "$w" = snapshot ] && continue
		r=0
		while [ "$r" -lt "$REPS" ]; do
			w_$w "$fs" >>"$W/$fs.raw" ||
			    echo "bench-hammer2-rw: $fs: workload $w failed" >&2
			[ -n "$DAEMON" ] && fs_umount
			r=$((r + 1))
			[ "$w" = space ] && break
		done
	done
	rm -f "$IMG"
}

# Snapshots are offline (hammer2 snapshot on the image): measured even
# while the FUSE mount is read-only.
run_snapshot()
{
	[ -x "$B/h2_fsx_fill" ] || {
		echo "bench-hammer2-rw: h2_fsx_fill not built; snapshot skipped"
		return 0
	}
	w_snapshot >>"$W/hammer2.raw" ||
	    echo "bench-hammer2-rw: hammer2 snapshot failed" >&2
	rm -f "$IMG"
}

report()
{
	tree_kib=$(du -sk --apparent-size "$TREE" | cut -f1)
	printf '%-22s %12s %12s %8s\n' metric ext4-fuse2fs hammer2 "h2/ext4"
	for m in untar retar create stat delete seqwrite seqread rand4k space_kib snapshot_1g "snapshot_${SNAP_BIG_GB}g"; do
		e=$(awk -v m="$m" '$1 == m { printf "%s ", $2 }' "$W/ext4.raw" 2>/dev/null | median)
		h=$(awk -v m="$m" '$1 == m { printf "%s ", $2 }' "$W/hammer2.raw" 2>/dev/null | median)
		ratio=$(awk -v e="$e" -v h="$h" 'BEGIN { if (e + 0 > 0 && h + 0 > 0) printf "%.2f", h / e; else print "-" }')
		printf '%-22s %12s %12s %8s\n' "$m" "$e" "$h" "$ratio"
	done
	echo "(seconds, median of $REPS; space_kib: KiB used for the tree twice, logical $((2 * tree_kib)) KiB)"
	echo "(files: $FILES small files; seq: $SEQ_MB MiB; rand4k: $RAND_N writes+fsync)"
}

echo "bench-hammer2-rw: $(nproc) cpus, $(lscpu | sed -n 's/^Model name: *//p'), image $IMG_SIZE"
tar -C "$(dirname "$TREE")" -cf "$W/tree.tar" "$(basename "$TREE")" 2>/dev/null
big=$SEQ_MB
[ "$big" -lt 1024 ] && big=1024
if [ ! -f "$W/rand.bin" ] || [ "$(stat -c %s "$W/rand.bin")" -lt $((big << 20)) ]; then
	head -c $((big << 20)) /dev/urandom >"$W/rand.bin"
fi
rm -f "$W/ext4.raw" "$W/hammer2.raw"
[ "$ONLY" != hammer2 ] && run_side ext4
[ "$ONLY" != ext4 ] && run_side hammer2
case " $WORKLOADS " in
*" snapshot "*) [ "$ONLY" != ext4 ] && run_snapshot ;;
esac
report
