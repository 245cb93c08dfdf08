#!/bin/sh
# Copyright (c) 2026 The Anax Project
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/suites/nmalloc.sh - nmalloc: API, threads, sanitizers, bad use and
# real programs under LD_PRELOAD=libnmalloc.so.
#
# Needs `make build-test` (obj/lib/libnmalloc.so and obj/nmalloc/*).  Every
# program runs under a timeout; core dumps are off for the abort cases.
. tests/lib.sh

case $O in
/*) SO=$O/lib/libnmalloc.so ;;
*) SO=$(pwd)/$O/lib/libnmalloc.so ;;
esac
B=$O/nmalloc
if [ ! -f "$SO" ] || [ ! -x "$B/unit" ]; then
	fail nmalloc_built "run make build-all build-test first: $SO"
	exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
ulimit -c 0
TO=120

# unit tests: one process per test, under LD_PRELOAD and under ASan+UBSan.
for t in $("$B/unit" list); do
	check "unit_$t" env LD_PRELOAD="$SO" timeout $TO "$B/unit" "$t"
done
for t in $("$B/unit-asan" list); do
	check "asan_unit_$t" timeout $TO "$B/unit-asan" "$t"
done

# Threads: more threads than cores, frees on other threads.
check stress_preload_4threads env LD_PRELOAD="$SO" \
    timeout $TO "$B/stress" 4 1000000
check stress_preload_16threads env LD_PRELOAD="$SO" \
    timeout $TO "$B/stress" 16 100000
check stress_asan_ubsan env ASAN_OPTIONS=abort_on_error=0 \
    timeout $TO "$B/stress-asan" 4 300000
check stress_tsan env TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
    timeout $TO "$B/stress-tsan" 4 100000

# Bad use: SIGABRT (status 134 from the shell) and the exact message.
baduse()
{
	_case=$1 _op=$2 _what=$3
	LD_PRELOAD="$SO" timeout $TO "$B/baduse" "$_case" \
	    >"$TMP/out" 2>"$TMP/err"
	_rc=$?
	_ptr=$(head -n 1 "$TMP/out")
	_want="nmalloc: $_op($_ptr): $_what"
	if [ "$_rc" -eq 134 ] && [ -n "$_ptr" ] &&
	    grep -qxF "$_want" "$TMP/err"; then
		pass "baduse_$_case"
	else
		fail "baduse_$_case" "exit $_rc, wanted SIGABRT and: $_want"
		cat "$TMP/out" "$TMP/err"
	fi
}
baduse double_free free "double free"
baduse double_free_big free "double free"
baduse interior_pointer free "invalid pointer"
baduse interior_big free "invalid pointer"
baduse stack_pointer free "invalid pointer"
baduse damaged_header free "damaged zone header"
baduse realloc_freed realloc "use after free"
baduse usable_size_bad malloc_usable_size "invalid pointer"

# Real programs: same output with and without nmalloc.
same_output()
{
	_name=$1
	shift
	timeout $TO "$@" >"$TMP/ref" 2>&1
	_rc1=$?
	LD_PRELOAD="$SO" timeout $TO "$@" >"$TMP/got" 2>&1
	_rc2=$?
	if [ "$_rc1" -eq "$_rc2" ] && cmp -s "$TMP/ref" "$TMP/got" &&
	    [ -s "$TMP/ref" ]; then
		pass "$_name"
	else
		fail "$_name" "exit $_rc1 vs $_rc2 or output differs"
		diff "$TMP/ref" "$TMP/got" | head -n 20
	fi
}

if LD_PRELOAD="$SO" cat /proc/self/maps | grep -q 'libnmalloc\.so'; then
	pass preload_maps
else
	fail preload_maps "libnmalloc.so not mapped under LD_PRELOAD"
fi

PY=/usr/bin/python3
if [ -x "$PY" ]; then
	cat >"$TMP/work.py" <<'EOF'
import collections, hashlib, json, re, threading
d = {str(i): [j * 3 for j in range(i % 40)] for i in range(60000)}
s = json.dumps(d, sort_keys=True)
back = json.loads(s)
words = re.findall(r"\d+", s)
c = collections.Counter(words)
parts = []
def worker(n):
    parts.append(sum(len(str(x)) for x in range(n, n + 200000)))
ts = [threading.Thread(target=worker, args=(k * 1000,)) for k in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(len(s), len(back), c.most_common(3), sorted(parts))
print(hashlib.sha256(s.encode()).hexdigest())
EOF
	same_output python3_workload "$PY" "$TMP/work.py"
else
	skip python3_workload "no /usr/bin/python3"
fi

awk 'BEGIN { srand(42); for (i = 0; i < 400000; i++)
    printf "%d %s\n", int(rand() * 1000000), substr("qwertyuiopasdfgh", 1 + i % 9, 6) }' \
    >"$TMP/big.txt"
same_output sort_large_file sort -k2,2 -k1,1n "$TMP/big.txt"

cat >"$TMP/prog.c" <<'EOF'
#include <stdio.h>
struct pt { int x, y; };
static int sq(struct pt p) { return p.x * p.x + p.y * p.y; }
int main(void) { struct pt p = { 3, 4 }; printf("%d\n", sq(p)); return 0; }
EOF
same_output gcc_compile gcc -O2 -S -o - "$TMP/prog.c"

if command -v git >/dev/null 2>&1; then
	cat >"$TMP/git.sh" <<'EOF'
set -e
r=$1/repo.$$
rm -rf "$r"
git init -q "$r"
cd "$r"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z'
export GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
for i in 1 2 3; do
	seq 1 $((i * 2000)) >"f$i.txt"
	git add "f$i.txt"
	git -c commit.gpgsign=false commit -q -m "commit $i"
done
git log --stat --format='%H %s'
cd ..
rm -rf "$r"
EOF
	same_output git_init_add_commit_log sh "$TMP/git.sh" "$TMP"
else
	skip git_init_add_commit_log "git not installed"
fi
