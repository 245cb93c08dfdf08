#!/bin/sh
# Copyright (c) 2026 The Anax Project
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/bench/malloc/lineshare.sh - run lineshare under glibc, jemalloc,
# mimalloc, tcmalloc and nmalloc and print its counts side by side.
#
# Usage: lineshare.sh LINESHARE LIBNMALLOC
# Each cell is "shared lines/lines" (see lineshare.c).  The counts come
# from addresses only, so the machine's load does not change them.
# Measures only: nothing here passes or fails.
set -eu
LS=$1
SO=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
LIBDIR=/usr/lib/x86_64-linux-gnu
TMP=${TMPDIR:-/tmp}/lineshare.$$
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT

names=glibc
LD_PRELOAD= timeout 60 "$LS" >"$TMP/glibc"
for a in jemalloc:libjemalloc.so.2 mimalloc:libmimalloc.so.2 \
    tcmalloc:libtcmalloc_minimal.so.4 nmalloc:; do
	name=${a%%:*}
	case $name in
	nmalloc) pre=$SO ;;
	*) pre=$LIBDIR/${a#*:} ;;
	esac
	if [ ! -e "$pre" ]; then
		echo "lineshare.sh: $pre missing; $name left out" >&2
		continue
	fi
	LD_PRELOAD=$pre timeout 60 "$LS" >"$TMP/$name"
	names="$names $name"
done

printf '| scenario |'
for n in $names; do printf ' %s |' "$n"; done
printf '\n|---|'
for n in $names; do printf -- '---|'; done
printf '\n'
for s in $(cut -d' ' -f1 "$TMP/glibc"); do
	printf '| %s |' "$s"
	for n in $names; do
		awk -v s="$s" '$1 == s { printf " %s/%s |", $2, $3 }' "$TMP/$n"
	done
	printf '\n'
done
