#!/bin/sh
# tests/hammer2/bench.sh - make bench-hammer2: read throughput of the
# medium fixture through mount_hammer2 (FUSE) against the same tree on
# ext4 through fuse2fs, and fsck_hammer2 against e2fsck -fn, in one run.
#
# GNU tar skips reading file data when its output is /dev/null itself,
# so the archive goes through a pipe.
# "cold" = first `tar c` after a fresh mount (empty FUSE page and
# attribute caches; the image files themselves stay in the host page
# cache, for both file systems alike: we do not drop the caches of a
# shared machine).  "warm" = the same tar again on the same mount.
# Each figure is the median of RUNS runs.
. tests/lib.sh
. tests/hammer2/fixtures.sh

RUNS=${RUNS:-5}
B=$O/hammer2/bin
W=$O/hammer2/bench
MNT=$W/mnt

[ -n "$SHARED" ] || { echo "bench-hammer2: ../shared absent"; exit 1; }
mkdir -p "$W" "$MNT"
IMG=$(h2_fixture medium) || exit 1
trap 'fusermount3 -u "$MNT" 2>/dev/null' EXIT

now() { date +%s.%N; }
median()
{
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Extract the tree once and build the ext4 image from it.
if [ ! -f "$W/ext4.img" ]; then
	rm -rf "$W/tree"
	mkdir -p "$W/tree"
	"$B/mount_hammer2" "$IMG" "$MNT" || exit 1
	(cd "$MNT" && tar cf - .) | (cd "$W/tree" && tar xf -) || exit 1
	fusermount3 -u "$MNT"
	mkfs.ext4 -q -F -d "$W/tree" "$W/ext4.img" 256M || exit 1
fi
BYTES=$(du -sb "$W/tree" | cut -f1)

# time_tar MOUNTCMD -> "cold warm" seconds for one fresh mount
time_tar()
{
	"$@" || exit 1
	t0=$(now)
	(cd "$MNT" && tar cf - .) | cat >/dev/null
	t1=$(now)
	(cd "$MNT" && tar cf - .) | cat >/dev/null
	t2=$(now)
	fusermount3 -u "$MNT"
	echo "$t0 $t1 $t2" | awk '{ printf "%.3f %.3f\n", $2 - $1, $3 - $2 }'
}

: >"$W/h2.times"
: >"$W/ext4.times"
i=0
while [ $i -lt "$RUNS" ]; do
	time_tar "$B/mount_hammer2" "$IMG" "$MNT" >>"$W/h2.times"
	time_tar fuse2fs -o ro,fakeroot "$W/ext4.img" "$MNT" >>"$W/ext4.times"
	i=$((i + 1))
done

fsck_times()
{
	i=0
	while [ $i -lt "$RUNS" ]; do
		t0=$(now)
		"$@" >/dev/null 2>&1
		t1=$(now)
		echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }'
		i=$((i + 1))
	done | median
}
h2_fsck=$(fsck_times "$B/fsck_hammer2" "$IMG")
e2_fsck=$(fsck_times e2fsck -fn "$W/ext4.img")

h2c=$(cut -d' ' -f1 "$W/h2.times" | median)
h2w=$(cut -d' ' -f2 "$W/h2.times" | median)
e4c=$(cut -d' ' -f1 "$W/ext4.times" | median)
e4w=$(cut -d' ' -f2 "$W/ext4.times" | median)
mib() { echo "$BYTES $1" | awk '{ printf "%.1f", $1 / 1048576 / $2 }'; }

echo "machine: $(nproc) cpus, $(lscpu | grep 'Model name' | sed 's/.*: *//')"
echo "tree: $BYTES bytes, $(find "$W/tree" | wc -l) objects; $RUNS runs, medians"
printf '%-28s %10s %10s %8s\n' "" "hammer2" "ext4" "ratio"
printf '%-28s %9ss %9ss %8s\n' "tar c, cold mount" "$h2c" "$e4c" \
    "$(echo "$h2c $e4c" | awk '{ printf "%.2f", $1 / $2 }')"
printf '%-28s %10s %10s\n' "  MiB/s" "$(mib "$h2c")" "$(mib "$e4c")"
printf '%-28s %9ss %9ss %8s\n' "tar c, warm" "$h2w" "$e4w" \
    "$(echo "$h2w $e4w" | awk '{ printf "%.2f", $1 / $2 }')"
printf '%-28s %10s %10s\n' "  MiB/s" "$(mib "$h2w")" "$(mib "$e4w")"
printf '%-28s %9ss %9ss %8s\n' "fsck (hammer2 / e2fsck -fn)" "$h2_fsck" \
    "$e2_fsck" "$(echo "$h2_fsck $e2_fsck" | awk '{ printf "%.2f", $1 / $2 }')"
