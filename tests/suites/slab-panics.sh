#!/bin/sh
# tests/suites/slab-panics.sh - the misuses kmalloc must catch, and the
# kmalloc monitor command, checked on the booted vkernel.
#
# A panic cannot be tested inside a running kernel, so each case boots
# the vkernel on 2 cpus, feeds "kmalloc fault KIND" to the monitor on
# stdin and checks that the kernel panicked (exit status 3) with a
# message naming the pointer (as announced by the fault line) and the
# malloc type.  Then the statistics commands are fed and their output
# checked.  Every boot has a timeout.
. tests/lib.sh

VK=${VK:-$O/vkernel64/vkernel}
TMO=${SLAB_PANIC_TIMEOUT:-60}
PANIC_STATUS=3
logdir=$O/test-logs/slab-panics
mkdir -p "$logdir"

if [ ! -x "$VK" ]; then
	fail "slab-panics: vkernel" "$VK not built"
	exit 0
fi

# fault KIND REGEX: REGEX may use @PTR@ for the announced pointer.
fault()
{
	kind=$1 want=$2
	log=$logdir/$kind.log
	printf 'kmalloc fault %s\n' "$kind" |
	    timeout -k 5 "$TMO" "$VK" -n 2 -m 64M >"$log" 2>&1
	rc=$?
	ptr=$(sed -n 's/^kmalloc fault: [^0]*\(0x[0-9a-f]*\).*/\1/p' "$log" |
	    head -n 1)
	re=$(printf '%s' "$want" | sed "s/@PTR@/$ptr/g")
	if [ "$rc" -ne "$PANIC_STATUS" ]; then
		fail "panic: $kind" "exit status $rc, want $PANIC_STATUS"
		tail -n 30 "$log"
	elif case "$want" in *@PTR@*) [ -z "$ptr" ];; *) false;; esac; then
		fail "panic: $kind" "no pointer announced"
		tail -n 30 "$log"
	elif ! grep -aqE "^panic: $re" "$log"; then
		fail "panic: $kind" "no panic line matching /$re/"
		tail -n 30 "$log"
	else
		pass "panic: $kind"
	fi
}

fault double-free \
    'kfree: double free of @PTR@, type kmalloc_fault$'
fault double-free-remote \
    'kfree: double free of @PTR@, type kmalloc_fault$'
fault double-free-large \
    'kfree: @PTR@ was not allocated by kmalloc \(or was freed\), type kmalloc_fault$'
fault bad-pointer \
    'kfree: @PTR@ is not a chunk kmalloc returned \(zone 0x[0-9a-f]+, 64-byte chunks\), type kmalloc_fault$'
fault foreign-pointer \
    'kfree: @PTR@ was not allocated by kmalloc \(or was freed\), type kmalloc_fault$'
fault wrong-type \
    'kfree: @PTR@ allocated with type kmalloc_fault, freed with type temp$'
fault bad-type \
    'kfree: @PTR@: bad malloc type 0x[0-9a-f]+$'
fault zero \
    'kmalloc: zero-size request, type kmalloc_fault$'
fault limit \
    'kmalloc: type kmalloc_flimit over its limit of 4096 bytes \(0 in use, 8192 requested\)$'
fault kmem-double-free \
    'vm: kmem_free\(@PTR@, 4096\): not an allocated block'

# An unknown fault is refused, not obeyed.
log=$logdir/unknown.log
printf 'kmalloc fault nonesuch\n' |
    timeout -k 5 "$TMO" "$VK" -n 1 -m 64M >"$log" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q 'unknown fault "nonesuch"' "$log" &&
    ! grep -q '^panic:' "$log"; then
	pass "fault: unknown kind refused"
else
	fail "fault: unknown kind refused" "exit $rc"
	tail -n 20 "$log"
fi

# The statistics commands, after the slab tests have run on 2 cpus.
mon=$logdir/monitor.log
printf 'selftest slab_free_on_other_cpu\nkmalloc\nkmalloc zones\nkmalloc reclaim\nkmalloc bogus\n' |
    timeout -k 5 "$TMO" "$VK" -n 2 -m 64M >"$mon" 2>&1
rc=$?
mon_check()
{
	if grep -aqE "$2" "$mon"; then pass "kmalloc monitor: $1"; else
		fail "kmalloc monitor: $1" "no match for /$2/"
		tail -n 40 "$mon"
	fi
}
mon_check header '^type +inuse-bytes +inuse +calls +limit$'
mon_check test-type-back-to-zero '^ktest_slab +0 +0 +[1-9][0-9]* +[0-9]+$'
mon_check limit-shown '^ktest_limit +0 +0 +[0-9]+ +65536$'
mon_check lwkt-in-use '^lwkt +[1-9][0-9]* +[1-9][0-9]* +[1-9][0-9]* +[0-9]+$'
mon_check zones-header '^zone size (32|64|128) KiB, chunks below [0-9]+ bytes'
mon_check zones-cpu1 '^ +1 +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$'
mon_check remote-frees-counted '^ +1 +[0-9]+ +[0-9]+ +[0-9]+ +[1-9][0-9]*$'
mon_check reclaim '^kmalloc: [0-9]+ KiB free before, [0-9]+ KiB after$'
mon_check usage '^usage: kmalloc \[zones'
if [ "$rc" -eq 0 ]; then pass "kmalloc monitor: clean exit"; else
	fail "kmalloc monitor: clean exit" "exit $rc"; tail -n 40 "$mon"; fi

# Free chunks are poisoned in the AddressSanitizer build: a write into a
# freed chunk is reported there (and is harmless, unseen, elsewhere).
VK_ASAN=${VK_ASAN:-$O/vkernel64-asan/vkernel}
if [ -x "$VK_ASAN" ]; then
	log=$logdir/use-after-free-asan.log
	printf 'kmalloc fault use-after-free\n' |
	    ASAN_OPTIONS=detect_leaks=0 timeout -k 5 "$TMO" "$VK_ASAN" -n 2 \
	    -m 64M >"$log" 2>&1
	ptr=$(sed -n 's/^kmalloc fault: [^0]*\(0x[0-9a-f]*\).*/\1/p' "$log")
	if [ -n "$ptr" ] && grep -aq \
	    "ERROR: AddressSanitizer: use-after-poison on address" "$log" &&
	    grep -aq "SUMMARY: AddressSanitizer: use-after-poison" "$log"; then
		pass "asan: use after free reported"
	else
		fail "asan: use after free reported"
		tail -n 30 "$log"
	fi
else
	skip "asan: use after free reported" "$VK_ASAN not built"
fi
log=$logdir/use-after-free.log
printf 'kmalloc fault use-after-free\n' |
    timeout -k 5 "$TMO" "$VK" -n 2 -m 64M >"$log" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q '^panic:' "$log"; then
	pass "use after free unseen without asan"
else
	fail "use after free unseen without asan" "exit $rc"
	tail -n 20 "$log"
fi
