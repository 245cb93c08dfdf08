#!/bin/sh
# tests/suites/pc64.sh - boot the pc64 kernel from its live ISO in QEMU.
#
# Software emulation (TCG), no KVM.  Each boot has a timeout and prints
# its serial log when it fails.  Cases:
#  - the kernel tests (ktest=...) on 1, 2, 4 and 8 cpus (all of them), on
#    64 cpus (a quick cross-cpu subset) and on 255 cpus (the most QEMU 7.2's
#    TCG accepts: APIC ids above 254 need KVM's x2APIC); every
#    "ktest: PASS/FAIL name" line becomes a case, and each boot must end
#    with a clean summary and the isa-debug-exit status of success;
#  - 256 cpus in x2APIC mode on a private QEMU 10 from Debian's
#    bookworm-backports (tools/fetch-qemu10.sh, cached under obj/qemu10;
#    SKIP when the mirror cannot be reached): 256 cpus need an APIC id
#    above 254, which only x2APIC can address;
#  - UEFI (OVMF) as well as BIOS, and the same ISO as a USB stick on
#    xHCI (the hybrid MBR path);
#  - the monitor over the interrupt-driven serial console and the PS/2
#    keyboard (keys sent with QEMU's sendkey): commands, bad input, and
#    forced faults (NULL dereference, stack overflow into the
#    guard page) whose register dumps and backtraces are checked.
. tests/lib.sh

PC64=$O/pc64
ELF=$PC64/anax-boot.elf
tdir=$O/test-logs/pc64
mkdir -p "$tdir"
QEMU=qemu-system-x86_64
OVMF_CODE=/usr/share/OVMF/OVMF_CODE.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS.fd
# isa-debug-exit: QEMU exits with status * 2 + 1.
EXIT_OK=1
EXIT_HALT5=11

if ! command -v "$QEMU" >/dev/null 2>&1 || [ ! -f "$ELF" ]; then
	skip pc64 "qemu-system-x86_64 or $ELF missing"
	exit 0
fi

# iso NAME CMDLINE: a test ISO booting with CMDLINE.
iso()
{
	if ! sh sys/platform/pc64/tools/mkiso.sh "$ELF" "$tdir/$1.iso" "$2" \
	    >"$tdir/$1.mkiso.log" 2>&1; then
		fail "iso/$1" "mkiso failed"
		cat "$tdir/$1.mkiso.log"
		return 1
	fi
}

# boot LOG TIMEOUT QEMU-ARGS...: one QEMU run, serial console to LOG.
# Returns QEMU's status, 124 on timeout, or 125 when the kernel entered
# its post-panic monitor (nobody will type at it: stop at once).
boot()
{
	_log=$1 _t=$2
	shift 2
	: >"$_log"
	"$QEMU" -machine q35 -display none -no-reboot \
	    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	    -serial "file:$_log" "$@" </dev/null >"$_log.qemu" 2>&1 &
	_pid=$!
	_end=$(($(date +%s) + _t))
	while kill -0 "$_pid" 2>/dev/null; do
		_why=
		if grep -q "entered after panic" "$_log"; then
			_why=125
		elif [ "$(date +%s)" -ge "$_end" ]; then
			_why=124
		fi
		if [ -n "$_why" ]; then
			sleep 1
			kill "$_pid" 2>/dev/null
			wait "$_pid"
			return "$_why"
		fi
		sleep 0.5
	done
	wait "$_pid"
}

# ktests LABEL NCPUS MEM TIMEOUT QEMU-ARGS...: a boot that runs KTESTs.
ktests()
{
	label=$1 n=$2 mem=$3 t=$4
	shift 4
	log=$tdir/$label.log
	boot "$log" "$t" -smp "$n" -m "$mem" "$@"
	rc=$?
	sed -n "s|^ktest: PASS \([^ ]*\).*|PASS: pc64/$label/\1|p;
	    s|^ktest: FAIL \([^ ]*\).*|FAIL: pc64/$label/\1|p" "$log"
	problem=
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		problem="timed out after ${t}s"
	elif grep -qE '^panic:|^trap:' "$log"; then
		problem="panic or trap"
	elif ! grep -q "Anax .*(pc64): $n cpus*," "$log"; then
		problem="did not bring up $n cpus"
	elif ! grep -q '^ktest: [1-9][0-9]* passed, 0 failed' "$log"; then
		problem="no clean summary line"
	elif [ "$rc" -ne "$EXIT_OK" ]; then
		problem="qemu exit status $rc"
	fi
	if [ -n "$problem" ]; then
		fail "pc64/$label boot" "$problem"
		tail -n 60 "$log"
		cat "$log.qemu"
	else
		pass "pc64/$label boot"
	fi
}

# 256 cpus need x2APIC, which QEMU 7.2's TCG lacks: boot the cross-cpu
# subset on QEMU 10 (fetched once), and check the kernel chose x2APIC
# and started every AP in that mode.
x2apic_n256()
{
	if ! q10=$(sh sys/platform/pc64/tools/fetch-qemu10.sh "$O/qemu10" \
	    2>"$tdir/fetch-qemu10.log"); then
		skip pc64/x2apic-n256 "no QEMU 10 from bookworm-backports:\
 $(tail -n 1 "$tdir/fetch-qemu10.log")"
		return
	fi
	_q=$QEMU
	QEMU=$q10
	ktests x2apic-n256 256 1G 300 -cpu max -accel tcg,thread=single \
	    -cdrom "$tdir/many.iso"
	QEMU=$_q
	if grep -q '^lapic: x2APIC mode, boot cpu apic id 0' "$log" &&
	    grep -q '^pc64: started 255 application processors (x2APIC)' \
	    "$log"; then
		pass pc64/x2apic-n256/x2apic-mode
	else
		fail pc64/x2apic-n256/x2apic-mode "no x2APIC lines in the log"
		head -n 20 "$log"
	fi
}

# Interactive session: QEMU's serial on a pair of FIFOs; send() waits
# for a string in the output, then types a line.
# mon_start NAME [QEMU-ARGS...]
mon_start()
{
	mlog=$tdir/$1.log
	fifo=$tdir/$1.serial
	shift
	rm -f "$fifo.in" "$fifo.out" "$mlog"
	mkfifo "$fifo.in" "$fifo.out"
	timeout -k 5 120 "$QEMU" -machine q35 -display none -no-reboot \
	    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -smp 2 -m 128M \
	    -cdrom "$tdir/monitor.iso" -serial "pipe:$fifo" "$@" \
	    >"$mlog.qemu" 2>&1 &
	qpid=$!
	cat "$fifo.out" >"$mlog" &
	exec 3>"$fifo.in"
}

# wait_for STRING SECONDS: until the log holds STRING after mark.
wait_for()
{
	_i=0
	while [ "$_i" -lt $(($2 * 10)) ]; do
		if tail -c +"$mark" "$mlog" | grep -qF -- "$1"; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

send()
{
	mark=$(($(wc -c <"$mlog") + 1))
	printf '%s\r' "$1" >&3
}

mon_finish()
{
	exec 3>&-
	wait "$qpid"
	mrc=$?
	rm -f "$fifo.in" "$fifo.out"
}

# expect NAME STRING...: every STRING in the output since the last send.
expect()
{
	_name=$1
	shift
	for s in "$@"; do
		if ! tail -c +"$mark" "$mlog" | grep -qF -- "$s"; then
			fail "$_name" "missing: $s"
			tail -n 40 "$mlog"
			return 1
		fi
	done
	pass "$_name"
}

monitor_session()
{
	mark=1
	mon_start monitor
	if ! wait_for "anax> " 60; then
		fail pc64/monitor/prompt "no prompt"
		tail -n 40 "$mlog"
		kill "$qpid" 2>/dev/null
		mon_finish
		return
	fi
	pass pc64/monitor/prompt
	send "help"
	wait_for "anax> " 20
	expect pc64/monitor/help "fault" "selftest" "halt"
	send "fault bogus"
	wait_for "anax> " 20
	expect pc64/monitor/fault-bad-argument "usage: fault null|write|stack|exec"
	send "fault"
	wait_for "anax> " 20
	expect pc64/monitor/fault-no-argument "usage: fault null"
	send "cpus"
	wait_for "anax> " 20
	expect pc64/monitor/cpus "1"
	send "selftest pc64_*,libkern_*"
	wait_for "anax> " 60
	expect pc64/monitor/selftest "ktest: PASS pc64_getenv" \
	    "ktest: PASS libkern_strtoul" "ktest: 8 passed, 0 failed"
	send "fault null"
	wait_for "anax> " 30
	expect pc64/fault/null "trap: page fault (vector 14) on cpu" \
	    "fault address (cr2) 0000000000000000, read page not present" \
	    "rip ffffffff" "rsp ffff" "cr3 " " fault_null+0x" " cmd_fault+0x" \
	    " kmonitor_exec+0x" "kmonitor: entered after panic"
	send "halt 5"
	wait_for "halting" 20
	mon_finish
	if [ "$mrc" -eq "$EXIT_HALT5" ]; then
		pass pc64/monitor/halt-status
	else
		fail pc64/monitor/halt-status "qemu exit $mrc, want $EXIT_HALT5"
		tail -n 20 "$mlog"
	fi
}

# fault_session KIND EXPECTED...: one boot, "fault KIND", check the dump.
fault_session()
{
	kind=$1
	shift
	mark=1
	mon_start "fault-$kind"
	if ! wait_for "anax> " 60; then
		fail "pc64/fault/$kind" "no prompt"
		tail -n 40 "$mlog"
		kill "$qpid" 2>/dev/null
		mon_finish
		return
	fi
	send "fault $kind"
	wait_for "anax> " 30
	expect "pc64/fault/$kind" "$@" " cmd_fault+0x" " kernel_main+0x" \
	    "kmonitor: entered after panic"
	send "halt"
	wait_for "halting" 20
	mon_finish
}

stack_overflow_session()
{
	fault_session stack "trap: double fault (vector 8)" \
	    "trap: kernel stack overflow (guard page hit)" " fault_recurse" \
	    "more frames of the above"
	# Kernel text is mapped read-only.
	fault_session write "trap: page fault (vector 14)" \
	    "write protection violation" " fault_write_text+0x"
	# Data is mapped no-execute.
	fault_session exec "trap: page fault (vector 14)" \
	    "instruction fetch protection violation" " fault_exec_data+0x"
	fault_session ud "trap: invalid opcode (vector 6)" \
	    " fault_invalid_opcode+0x"
}

# Guard-page TLB shootdown on 2 cpus: cpu 1 caches a page's translation,
# cpu 0 makes the page a guard, cpu 1 reads it again (pmap_guard_test.c).
# With the shootdown the read must fault on cpu 1 as a guard page hit.
# Without it (one boot with "noshootdown") TCG's per-vcpu TLB still maps
# the page, which shows the first case can fail; if a machine flushed
# anyway that boot faults instead and the check is a SKIP.
guard_shootdown_session()
{
	mark=1
	mon_start guard-remote
	if ! wait_for "anax> " 60; then
		fail pc64/guard-remote/shootdown "no prompt"
		tail -n 40 "$mlog"
		kill "$qpid" 2>/dev/null
		mon_finish
		return
	fi
	send "pmap guard-remote bogus"
	wait_for "anax> " 20
	expect pc64/guard-remote/bad-argument \
	    "usage: pmap guard-remote [noshootdown]"
	send "pmap guard-remote"
	wait_for "anax> " 30
	expect pc64/guard-remote/shootdown \
	    "trap: page fault (vector 14) on cpu 1, thread guardremote" \
	    "read page not present" \
	    "trap: kernel stack overflow (guard page hit)" \
	    " pmap_guard_remote_thread+0x" "kmonitor: entered after panic"
	send "halt"
	wait_for "halting" 20
	mon_finish
	mark=1
	mon_start guard-remote-noshootdown
	if ! wait_for "anax> " 60; then
		fail pc64/guard-remote/stale-without-shootdown "no prompt"
		tail -n 40 "$mlog"
		kill "$qpid" 2>/dev/null
		mon_finish
		return
	fi
	send "pmap guard-remote noshootdown"
	wait_for "anax> " 30
	if tail -c +"$mark" "$mlog" | grep -qF "entered after panic"; then
		skip pc64/guard-remote/stale-without-shootdown \
		    "this machine flushed the other cpu's TLB unasked"
	else
		expect pc64/guard-remote/stale-without-shootdown \
		    "cpu 1 read the guard page (0x5a) through a stale translation"
	fi
	send "halt"
	wait_for "halting" 20
	mon_finish
}

# The PS/2 keyboard: keys typed through QEMU's own monitor (HMP sendkey)
# reach the kernel monitor through IRQ 1.
keyboard_session()
{
	mark=1
	hmp=$tdir/keyboard.hmp
	rm -f "$hmp.in" "$hmp.out"
	mkfifo "$hmp.in" "$hmp.out"
	mon_start keyboard -monitor "pipe:$hmp"
	cat "$hmp.out" >"$tdir/keyboard.hmp.log" &
	exec 4>"$hmp.in"
	if ! wait_for "anax> " 60; then
		fail pc64/keyboard "no prompt"
		tail -n 40 "$mlog"
	else
		mark=$(($(wc -c <"$mlog") + 1))
		for k in u p t i m e ret; do
			printf 'sendkey %s\n' "$k" >&4
		done
		wait_for "ticks at" 20
		expect pc64/keyboard "uptime" "ticks at 100 hz"
	fi
	printf 'quit\n' >&4
	exec 4>&-
	mon_finish
	rm -f "$hmp.in" "$hmp.out"
}

iso all "ktest=all" || exit 0
# A quick cross-cpu subset for the big, slow (emulated) machines.
iso lwkt "ktest=lwkt_create_exit_every_cpu,lwkt_crit_defers_ipi,lwkt_yield_round_robin,ipiq_cpusync,ipiq_handler_sends,ipiq_passive,callout_every_cpu,token_basic_and_recursion,token_pool"
iso many "ktest=lwkt_create_exit_every_cpu,ipiq_cpusync"
iso monitor ""

for n in 1 2 4 8; do
	ktests "bios-n$n" "$n" 512M 300 -cdrom "$tdir/all.iso"
done
ktests bios-n64 64 1G 400 -cdrom "$tdir/lwkt.iso"
# One host thread for all 255 vcpus: robust on a loaded 2-core machine.
ktests bios-n255 255 1G 400 -cpu max -accel tcg,thread=single \
    -cdrom "$tdir/many.iso"
x2apic_n256
if [ -f "$OVMF_CODE" ] && [ -f "$OVMF_VARS" ]; then
	cp "$OVMF_VARS" "$tdir/ovmf-vars.fd"
	ktests uefi-n2 2 512M 300 -cdrom "$tdir/lwkt.iso" \
	    -drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
	    -drive "if=pflash,format=raw,file=$tdir/ovmf-vars.fd"
else
	skip pc64/uefi-n2 "OVMF not installed"
fi
# The same ISO written to a USB stick (the hybrid MBR path), on xHCI.
cp "$tdir/lwkt.iso" "$tdir/stick.img"
ktests usb-n4 4 512M 300 \
    -drive "file=$tdir/stick.img,if=none,id=stick,format=raw" \
    -device qemu-xhci -device usb-storage,drive=stick
monitor_session
stack_overflow_session
guard_shootdown_session
keyboard_session
exit 0
