#!/bin/sh
# tests/hammer2/crash/torture.sh - longer crash-harness runs than the
# test suite affords: several seeds of the workload, more cuts and more
# reorderings each, two torn writes per cut, every volume header write
# torn and a read-write recovery on every 10th image; odd seeds run the
# workload with snapshots, bulkfree and open-unlinked files (-x).  Run
# by "make h2-crash-torture" (not by make test); SEEDS, STEPS, CUTS and
# SIZE override the defaults.  Failing images are kept in
# $O/hammer2/crash-torture/keep.<seed>.  Exit 1 if any run failed.
O=${O:-obj}
B=$O/hammer2/bin
T=$O/hammer2/crash-torture
SEEDS=${SEEDS:-"1 2 3 4 5 6"}
STEPS=${STEPS:-600}
CUTS=${CUTS:-2000}
SIZE=${SIZE:-64m}
rc=0
mkdir -p "$T"
for seed in $SEEDS; do
	rm -rf "$T/keep.$seed" "$T"/*.img "$T/log"
	mkdir -p "$T/keep.$seed"
	"$B/newfs_hammer2" -s "$SIZE" "$T/base.img" >/dev/null || exit 1
	cp --sparse=always "$T/base.img" "$T/load.img"
	x=
	[ $((seed % 2)) = 1 ] && x=-x
	# shellcheck disable=SC2086
	if ! H2_WLOG="$T/log" "$B/h2_crashload.asan" $x -n "$STEPS" -s "$seed" \
	    "$T/load.img" >"$T/load.$seed.out" 2>&1; then
		echo "seed $seed: workload failed: $(tail -n 1 "$T/load.$seed.out")"
		rc=1
		continue
	fi
	"$B/h2_crashreplay.asan" -F "$B/fsck_hammer2" -n "$CUTS" -r 4 \
	    -t 2 -T -M 10 \
	    -s "$seed" -k "$T/keep.$seed" "$T/base.img" "$T/log" \
	    "$T/work.img" >"$T/replay.$seed.out" 2>&1 || rc=1
	echo "seed $seed: $(tail -n 1 "$T/replay.$seed.out")"
	grep -A2 '^crash image failed' "$T/replay.$seed.out" | head -n 6
done
rm -f "$T"/*.img
exit $rc
