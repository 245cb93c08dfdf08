#!/bin/sh
# Copyright (c) 2026 The Anax Project
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/bench/malloc/run.sh - compare nmalloc with glibc, jemalloc, mimalloc
# and tcmalloc on the mbench workloads, in one run.
#
# Usage: run.sh MBENCH LIBNMALLOC OUTDIR
# Every workload runs at 1, 2 and 4 threads (4 > the 2 cores here) under
# each allocator (LD_PRELOAD; glibc is the plain run), REPS times,
# interleaved so that machine noise hits every allocator alike.  Prints
# and writes OUTDIR/table.md (median wall time, CPU time and peak RSS, each
# with its ratio to the best), OUTDIR/raw.txt, and draws
# docs/performance/nmalloc.png.
# Measures only: nothing here passes or fails on speed.
set -eu
MB=$1
SO=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
OUT=$3
REPS=${REPS:-3}
WORKLOADS=${WORKLOADS:-"larson xmalloc cscratch cthrash mstress churn realloc"}
THREADS=${THREADS:-"1 2 4"}
LIBDIR=/usr/lib/x86_64-linux-gnu
PNG=docs/performance/nmalloc.png
mkdir -p "$OUT"
RAW=$OUT/raw.txt
: >"$RAW"

allocs="glibc"
for a in jemalloc:libjemalloc.so.2 mimalloc:libmimalloc.so.2 \
    tcmalloc:libtcmalloc_minimal.so.4; do
	if [ -e "$LIBDIR/${a#*:}" ]; then
		allocs="$allocs $a"
	else
		echo "run.sh: $LIBDIR/${a#*:} missing; ${a%%:*} left out" >&2
	fi
done
allocs="$allocs nmalloc:$SO"

for w in $WORKLOADS; do
	for t in $THREADS; do
		r=1
		while [ "$r" -le "$REPS" ]; do
			for a in $allocs; do
				name=${a%%:*}
				case $a in
				glibc) pre= ;;
				nmalloc:*) pre=$SO ;;
				*) pre=$LIBDIR/${a#*:} ;;
				esac
				line=$(LD_PRELOAD=$pre timeout 120 "$MB" "$w" "$t")
				echo "$name $line" >>"$RAW"
			done
			r=$((r + 1))
		done
		echo "run.sh: $w at $t threads done" >&2
	done
done

# Medians per (allocator, workload, threads), then ratios to the best.
names=$(for a in $allocs; do printf '%s ' "${a%%:*}"; done)
sort -k2,2 -k3,3n -k1,1 -k4,4g "$RAW" | awk -v names="$names" -v reps="$REPS" '
{
	key = $2 " " $3; a = $1
	n[key, a]++; tm[key, a, n[key, a]] = $4; rs[key, a, n[key, a]] = $5
	cp[key, a, n[key, a]] = $6
	if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
}
function median_cpu(key, a,   i, j, k, v, tmp) {
	k = n[key, a]
	for (i = 1; i <= k; i++) v[i] = cp[key, a, i]
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
		if (v[j] < v[i]) { tmp = v[i]; v[i] = v[j]; v[j] = tmp }
	return v[int((k + 1) / 2)]
}
function median_rss(key, a,   i, j, k, v, tmp) {
	k = n[key, a]
	for (i = 1; i <= k; i++) v[i] = rs[key, a, i]
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
		if (v[j] < v[i]) { tmp = v[i]; v[i] = v[j]; v[j] = tmp }
	return v[int((k + 1) / 2)]
}
END {
	na = split(names, an, " ")
	hdr = "| workload | threads |"; sep = "|---|---|"
	for (i = 1; i <= na; i++) { hdr = hdr " " an[i] " |"; sep = sep "---|" }
	print "### Time (median of " reps " runs, seconds; ratio to the fastest)"
	print ""; print hdr; print sep
	for (q = 1; q <= nk; q++) {
		key = keys[q]; best = 0
		for (i = 1; i <= na; i++) {
			k = n[key, an[i]]
			mt[i] = tm[key, an[i], int((k + 1) / 2)]
			mr[i] = median_rss(key, an[i])
			mc[i] = median_cpu(key, an[i])
			if (best == 0 || mt[i] < best) best = mt[i]
		}
		split(key, kk, " "); row = "| " kk[1] " | " kk[2] " |"
		dat = kk[1] "/" kk[2]
		for (i = 1; i <= na; i++) {
			row = row sprintf(" %.3f (%.2f) |", mt[i], mt[i] / best)
			dat = dat sprintf(" %.3f", mt[i] / best)
		}
		print row; print dat > "'"$OUT"'/time.dat"
		lean = 0
		for (i = 1; i <= na; i++) if (lean == 0 || mr[i] < lean) lean = mr[i]
		rrow[q] = "| " kk[1] " | " kk[2] " |"; rdat = kk[1] "/" kk[2]
		for (i = 1; i <= na; i++) {
			rrow[q] = rrow[q] sprintf(" %.1f (%.2f) |", mr[i] / 1024, mr[i] / lean)
			rdat = rdat sprintf(" %.3f", mr[i] / lean)
		}
		print rdat > "'"$OUT"'/rss.dat"
		bc = 0
		for (i = 1; i <= na; i++) if (bc == 0 || mc[i] < bc) bc = mc[i]
		crow[q] = "| " kk[1] " | " kk[2] " |"; cdat = kk[1] "/" kk[2]
		for (i = 1; i <= na; i++) {
			crow[q] = crow[q] sprintf(" %.3f (%.2f) |", mc[i], mc[i] / bc)
			cdat = cdat sprintf(" %.3f", mc[i] / bc)
		}
		print cdat > "'"$OUT"'/cpu.dat"
	}
	print ""
	print "### CPU time, user + system (median, seconds; ratio to the least)"
	print ""; print hdr; print sep
	for (q = 1; q <= nk; q++) print crow[q]
	print ""
	print "### Peak RSS (median, MiB; ratio to the leanest)"
	print ""; print hdr; print sep
	for (q = 1; q <= nk; q++) print rrow[q]
}' >"$OUT/table.md"
cat "$OUT/table.md"

if command -v gnuplot >/dev/null 2>&1; then
	na=$(echo "$names" | wc -w)
	cols=""
	i=2
	for a in $names; do
		cols="$cols${cols:+, }'DAT' using $i:xtic(1) title '$a'"
		i=$((i + 1))
	done
	mkdir -p "$(dirname "$PNG")"
	gnuplot <<EOF
set terminal pngcairo size 1400,1300 font ",9" noenhanced
set output '$PNG'
set multiplot layout 3,1 title "nmalloc vs glibc, jemalloc, mimalloc, tcmalloc ($(nproc) cpus; workload/threads)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -45 scale 0
set key top left horizontal
set grid ytics
set logscale y 2
set ylabel "time / fastest (lower is better)"
$(echo "plot $cols" | sed "s|DAT|$OUT/time.dat|g")
set ylabel "CPU time / least (lower is better)"
$(echo "plot $cols" | sed "s|DAT|$OUT/cpu.dat|g")
set ylabel "peak RSS / leanest (lower is better)"
$(echo "plot $cols" | sed "s|DAT|$OUT/rss.dat|g")
unset multiplot
EOF
	echo "run.sh: chart in $PNG ($na allocators)" >&2
else
	echo "run.sh: gnuplot missing; no chart" >&2
fi
