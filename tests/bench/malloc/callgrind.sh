#!/bin/sh
# Copyright (c) 2026 The Anax Project
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/bench/malloc/callgrind.sh - instruction counts of the single-thread
# mbench workloads under each allocator, by valgrind's callgrind.
#
# Usage: callgrind.sh MBENCH LIBNMALLOC OUTDIR
# ALLOCATORS="mimalloc nmalloc" narrows the allocators, WORKLOADS="churn"
# the workloads; PARSE_ONLY=1 re-reads the OUTDIR/cg.*.out of a run.
# Instruction counts do not depend on the machine's load, unlike the wall
# and CPU times of run.sh, so they show what a fast-path change saves.
# For each workload and allocator prints one line:
#   workload allocator ops total_Ir total_per_op alloc_Ir alloc_per_op
# where ops is the number of malloc+free pairs (realloc: realloc calls),
# total_Ir counts the whole process, and alloc_Ir the instructions spent
# in the allocator: everything outside the mbench program and the dynamic
# linker, less memset (the workloads fill blocks with it; the allocators'
# own copies in realloc, memcpy, count).  For glibc alloc_Ir thus also
# holds the little non-malloc libc work (it is the plain run); for the
# others, what they call in libc.  Appends to OUTDIR/cg.txt.  Measures
# only: nothing here passes or fails.
set -eu
MB=$1
SO=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
OUT=$3
WORKLOADS=${WORKLOADS:-"churn larson mstress realloc"}
ALLOCATORS=${ALLOCATORS:-"glibc jemalloc mimalloc tcmalloc nmalloc"}
PARSE_ONLY=${PARSE_ONLY:-0}
LIBDIR=/usr/lib/x86_64-linux-gnu
mkdir -p "$OUT"

if [ "$PARSE_ONLY" = 0 ] && ! command -v valgrind >/dev/null 2>&1; then
	echo "callgrind.sh: valgrind missing" >&2
	exit 1
fi

# malloc+free pairs of each workload at one thread (see mbench.c).
ops()
{
	case $1 in
	churn) echo 10000000 ;;		# CH_OPS
	larson) echo 4002000 ;;		# 100 * 40000 + 2000 slots
	mstress) echo 1200601 ;;	# 600 * 2000 + 600 share arrays + 1
	realloc) echo 6778 ;;		# realloc calls (fixed random seed)
	esac
}

allocs="glibc"
for a in jemalloc:libjemalloc.so.2 mimalloc:libmimalloc.so.2 \
    tcmalloc:libtcmalloc_minimal.so.4; do
	if [ -e "$LIBDIR/${a#*:}" ]; then
		allocs="$allocs $a"
	else
		echo "callgrind.sh: $LIBDIR/${a#*:} missing" >&2
	fi
done
allocs="$allocs nmalloc:$SO"

for w in $WORKLOADS; do
	for a in $allocs; do
		name=${a%%:*}
		case " $ALLOCATORS " in
		*" $name "*) ;;
		*) continue ;;
		esac
		case $a in
		glibc) pre= ;;
		nmalloc:*) pre=$SO ;;
		*) pre=$LIBDIR/${a#*:} ;;
		esac
		cg=$OUT/cg.$w.$name.out
		if [ "$PARSE_ONLY" = 0 ]; then
			LD_PRELOAD=$pre timeout 600 valgrind \
			    --tool=callgrind --compress-strings=no \
			    --compress-pos=no --callgrind-out-file="$cg" \
			    "$MB" "$w" 1 >/dev/null 2>"$OUT/cg.$w.$name.log"
		fi
		# Self cost per object and function; a "calls=" line is
		# followed by the callee's inclusive cost, which is skipped.
		awk -v w="$w" -v name="$name" -v ops="$(ops "$w")" \
		    -v mb="$(basename "$MB")" '
		/^ob=/ { ob = substr($0, 4); next }
		/^fn=/ { fn = substr($0, 4); next }
		/^calls=/ { skip = 1; next }
		/^[0-9+-]/ {
			if (skip) { skip = 0; next }
			total += $2
			if (ob ~ /ld-linux/ || ob ~ ("/" mb "$") ||
			    fn ~ /memset/)
				next
			alloc += $2
		}
		END {
			printf "%s %s %d %d %.1f %d %.1f\n", w, name, ops,
			    total, total / ops, alloc, alloc / ops
		}' "$cg" | tee -a "$OUT/cg.txt"
	done
done
