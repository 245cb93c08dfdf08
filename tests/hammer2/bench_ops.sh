#!/bin/sh
# tests/hammer2/bench_ops.sh - make bench-hammer2-ops: the HAMMER2 vnops
# layer against the host file system of obj/ (tests/hammer2/bench_ops.c).
# Prints a Markdown table for docs/performance/hammer2-ops.md.
O=${O:-obj}
B=$O/hammer2/bin
T=$O/hammer2/bench-ops.$$
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/host" || exit 1
"$B/newfs_hammer2" -L DATA -s 2g "$T/h2.img" >/dev/null || exit 1
echo "machine: $(nproc) cpus, $(lscpu | sed -n 's/^Model name: *//p')," \
    "host fs $(stat -f -c %T "$T/host"), $(date -u '+%Y-%m-%d %H:%M UTC')"
timeout 900 "$B/bench_ops" "$T/h2.img" "$T/host"
