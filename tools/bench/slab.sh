#!/bin/sh
# tools/bench/slab.sh - kmalloc+kfree in the vkernel against glibc's
# malloc+free on the host, in one run.  Usage: slab.sh VKERNEL SLAB_HOST
# Prints both raw outputs, then a table: name, Anax ns/op, glibc ns/op,
# ratio (glibc / Anax: above 1 means kmalloc is faster).
set -eu
vk=$1 host=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "machine: $(nproc) cpus, $(lscpu | sed -n 's/^Model name: *//p')," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
"$vk" -n 2 -m 512M -e bench=kmalloc </dev/null >"$out"
"$host" >>"$out"
cat "$out"

printf '\n%-44s %10s %10s %7s\n' "benchmark (kmalloc vs glibc)" \
    "Anax ns" "glibc ns" "ratio"
while read -r anax linux; do
	a=$(awk -v n="$anax" '$1 == "bench:" && $2 == n {print $3}' "$out")
	l=$(awk -v n="$linux" '$1 == "host:" && $2 == n {print $3}' "$out")
	[ -n "$a" ] && [ -n "$l" ] || continue
	r=$(awk -v a="$a" -v l="$l" 'BEGIN {printf "%.2f", l / a}')
	printf '%-44s %10s %10s %7s\n' "$anax/$linux" "$a" "$l" "$r"
done <<'PAIRS'
kmalloc_64_samecpu malloc_free_64
kmalloc_4096_samecpu malloc_free_4096
kmalloc_64_samecpu_best malloc_free_64_best
kmalloc_4096_samecpu_best malloc_free_4096_best
PAIRS
