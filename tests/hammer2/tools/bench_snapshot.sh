#!/bin/sh
# tests/hammer2/tools/bench_snapshot.sh - what a HAMMER2 snapshot costs at
# different amounts of data in the PFS: device writes, bytes written and
# wall time of "hammer2 -v snapshot" (median of 5), side by side with the
# naive alternative, a sparse copy of the whole image (cp --sparse).
#
#   H2_SNAP_SIZES   data sizes in MiB (default "1 64 1024")
#   O               build output directory (default obj)
# Results: docs/performance/h2-tools.md.  Nothing is asserted.

O=${O:-obj}
B=$O/hammer2/bin
T=$O/hammer2/bench-snap.$$
SIZES=${H2_SNAP_SIZES:-"1 64 1024"}
CHUNK_MIB=64
REPEATS=5
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT

median()
{
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

printf '%-10s %-8s %-12s %-14s %-14s\n' "data MiB" writes "bytes" \
    "snapshot ms" "image cp ms"
for mib in $SIZES; do
	img=$T/img
	rm -f "$img"
	"$B/newfs_hammer2" -s "$((mib + mib / 4 + 256))m" "$img" >/dev/null || exit 1
	"$B/hammer2" setcomp "$img@DATA" none / || exit 1
	left=$mib
	i=0
	while [ "$left" -gt 0 ]; do
		n=$CHUNK_MIB
		[ "$left" -lt "$n" ] && n=$left
		"$B/h2_tools_helper" put "$img@DATA" "f$i" $((n << 20)) "$((i + 1))" ||
		    exit 1
		left=$((left - n))
		i=$((i + 1))
	done
	: >"$T/ms"
	for r in $(seq 1 $REPEATS); do
		"$B/hammer2" -v snapshot "$img@DATA" "S$r" >"$T/out" || exit 1
		awk '/^snapshot:/ { print $7 }' "$T/out" >>"$T/ms"
	done
	writes=$(awk '/^snapshot:/ { print $2 }' "$T/out")
	bytes=$(awk '/^snapshot:/ { print $4 }' "$T/out")
	ms=$(median <"$T/ms")
	: >"$T/cp"
	for r in 1 2 3; do
		t0=$(date +%s%N)
		cp --sparse=always "$img" "$T/copy" && sync "$T/copy"
		t1=$(date +%s%N)
		rm -f "$T/copy"
		echo $(((t1 - t0) / 1000000)) >>"$T/cp"
	done
	printf '%-10s %-8s %-12s %-14s %-14s\n' "$mib" "$writes" "$bytes" "$ms" \
	    "$(median <"$T/cp")"
	"$B/fsck_hammer2" "$img" >/dev/null || echo "fsck failed at $mib MiB"
done
