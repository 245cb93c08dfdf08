#!/bin/sh
# tests/suites/vkernel.sh - boot the real vkernel and read what it prints.
#
#  - the kernel tests (KTEST) on 1, 2, 4 and 8 vcpus, in the plain build,
#    the AddressSanitizer+UBSan build and the ThreadSanitizer build; every
#    "ktest: PASS/FAIL name" line becomes a test case here, and a run with
#    a sanitizer report, a bad exit status or no summary line fails;
#  - the monitor: commands fed on stdin, their output checked;
#  - the panic path and bad command-line options.
. tests/lib.sh

KT_TIMEOUT=${KT_TIMEOUT:-600}
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:report_signal_unsafe=0"
logdir=$O/test-logs/vkernel
mkdir -p "$logdir"

# run_ktests BUILD NCPUS: one boot running every kernel test.
run_ktests()
{
	build=$1 n=$2
	vk=$O/$build/vkernel
	log=$logdir/$build-n$n.log
	timeout -k 5 "$KT_TIMEOUT" "$vk" -n "$n" -m 512M -e ktest=all \
	    </dev/null >"$log" 2>&1
	rc=$?
	label=$(echo "$build" | sed 's/64//')/n$n
	sed -n "s|^ktest: PASS \([^ ]*\).*|PASS: $label/\1|p;
	    s|^ktest: FAIL \([^ ]*\).*|FAIL: $label/\1|p" "$log"
	problem=
	if grep -qE 'ERROR: AddressSanitizer|runtime error|WARNING: ThreadSanitizer|^panic:' "$log"; then
		problem="sanitizer report or panic"
	elif ! grep -q '^ktest: [0-9]* passed, 0 failed' "$log"; then
		problem="no clean summary line"
	elif [ "$rc" -ne 0 ]; then
		problem="exit status $rc"
	fi
	if [ -n "$problem" ]; then
		fail "$label boot" "$problem"
		tail -n 80 "$log"
	else
		pass "$label boot"
	fi
}

for build in vkernel64 vkernel64-asan vkernel64-tsan; do
	for n in 1 2 4 8; do
		run_ktests $build $n
	done
done

vk=$O/vkernel64/vkernel

# The monitor: feed commands, check what comes back.
mon=$logdir/monitor.log
printf 'help\ncpus\nps\nuptime\nselftest token_basic*\nnosuchcmd\nhalt 7\n' |
    timeout 60 "$vk" -n 3 >"$mon" 2>&1
rc=$?
check_out()
{
	if grep -qE "$2" "$mon"; then pass "monitor: $1"; else
		fail "monitor: $1" "no match for /$2/"; cat "$mon"; fi
}
check_out banner 'Anax [0-9.]+ \(vkernel64\): 3 cpus, [0-9]+ MiB memory'
check_out help-lists-ps '^  ps +list all threads'
check_out cpus-table '^2 +[0-9]+ +[0-9]+ '
check_out ps-shows-idle '^2 +0x[0-9a-f]+ +0 +(IDLE|RUN) .*idle_2$'
check_out ps-shows-softclock 'softclock_1$'
check_out selftest-runs '^ktest: PASS token_basic_and_recursion'
check_out unknown-command 'nosuchcmd: unknown command'
if [ "$rc" -eq 7 ]; then pass "monitor: halt status"; else
	fail "monitor: halt status" "got $rc, want 7"; fi

# End of console input halts cleanly.
echo | timeout 30 "$vk" -n 1 >"$logdir/eof.log" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q 'end of console input' "$logdir/eof.log"; then
	pass "monitor: end of input"
else
	fail "monitor: end of input" "rc $rc"; cat "$logdir/eof.log"
fi

# A panic prints the message and a backtrace, then the polled monitor
# halts at end of input with status 3.
printf 'panic oops\n' | timeout 30 "$vk" -n 2 >"$logdir/panic.log" 2>&1
rc=$?
if [ "$rc" -eq 3 ] && grep -q '^panic: kmonitor: oops' "$logdir/panic.log" &&
    grep -q 'kmonitor_exec' "$logdir/panic.log"; then
	pass "panic: message, backtrace, status 3"
else
	fail "panic: message, backtrace, status 3" "rc $rc"
	cat "$logdir/panic.log"
fi

# Kernel faults (the monitor's "fault" command) become trap reports:
# what, where, cpu, thread, and a backtrace whose frames, symbolized with
# addr2line, name the faulting function (a call into data is recognised
# by its pc being the faulting address); a stack overflow hits the guard
# page below the thread's stack.  Then the polled monitor, status 3.
while read -r kind want func; do
	flog=$logdir/fault-$kind.log
	printf 'fault %s\n' "$kind" | timeout 30 "$vk" -n 2 >"$flog" 2>&1
	rc=$?
	frames=$(sed -n "s|^$vk(+\(0x[0-9a-f]*\)).*|\1|p" "$flog" |
	    xargs -r addr2line -f -e "$vk" 2>/dev/null | sed -n 'p;n')
	# An execute fault's pc is the data address: no frame to symbolize.
	if [ "$rc" -eq 3 ] && grep -q "^panic: trap: $want" "$flog" &&
	    { [ "$func" = - ] || printf '%s\n' "$frames" | grep -qx "$func"; }
	then
		pass "fault: $kind reported, backtrace names $func"
	else
		fail "fault: $kind reported, backtrace names $func" "rc $rc"
		cat "$flog"
		echo "symbolized frames: $frames"
	fi
done <<'FAULTS'
null page.fault.at.address.0x0 fault_null
write page.fault fault_write_text
stack kernel.stack.overflow fault_recurse
exec page.fault.at.address.\(0x[0-9a-f]*\),.pc.\1, -
ud invalid.instruction fault_invalid_opcode
div divide.error fault_divide
FAULTS

# Bad options: usage on stderr, status 2, and the kernel never boots.
for args in "-n 0" "-n 65" "-n x" "-n" "-m 1K" "-m 100000G" "-m 12Q" \
    "-e novalue" "-e =x" "-x" "extra"; do
	# shellcheck disable=SC2086
	out=$(timeout 10 "$vk" $args 2>&1 </dev/null)
	rc=$?
	if [ "$rc" -eq 2 ] && printf '%s' "$out" | grep -q '^usage: vkernel' &&
	    ! printf '%s' "$out" | grep -q '^Anax'; then
		pass "options: rejects '$args'"
	else
		fail "options: rejects '$args'" "rc $rc"; printf '%s\n' "$out"
	fi
done
