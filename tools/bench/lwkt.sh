#!/bin/sh
# tools/bench/lwkt.sh - LWKT primitives vs their Linux counterparts, in one
# run on this machine.  Usage: lwkt.sh VKERNEL HOSTBENCH [NCPUS]
# Prints both raw outputs, then a table: name, Anax ns/op, Linux ns/op,
# ratio (Linux / Anax: above 1 means Anax is faster).
set -eu
vk=$1 host=$2 ncpus=${3:-2}
out=$(mktemp) ; trap 'rm -f "$out"' EXIT

"$vk" -n "$ncpus" -e bench=all >"$out"
"$host" >>"$out"
cat "$out"

printf '\n%-28s %12s %12s %8s\n' "benchmark (Anax vs Linux)" "Anax ns/op" \
    "Linux ns/op" "ratio"
while read -r anax linux; do
	a=$(awk -v n="$anax" '$1 == "bench:" && $2 == n {print $3}' "$out")
	l=$(awk -v n="$linux" '$1 == "host:" && $2 == n {print $3}' "$out")
	[ -n "$a" ] && [ -n "$l" ] || continue
	r=$(awk -v a="$a" -v l="$l" 'BEGIN {printf "%.2f", l / a}')
	printf '%-28s %12s %12s %8s\n' "$anax/$linux" "$a" "$l" "$r"
done <<'PAIRS'
token_get_rel mutex_lock_unlock
ipi_roundtrip futex_roundtrip
thread_switch thread_switch
kmalloc_64_samecpu malloc_free_64
kmalloc_4096_samecpu malloc_free_4096
kmalloc_64_xcpu malloc_free_64_xthread
msgport_sync_remote futex_roundtrip
PAIRS
