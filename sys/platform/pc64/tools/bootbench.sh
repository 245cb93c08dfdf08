#!/bin/sh
# Copyright (c) 2026 The Anax Project
# SPDX-License-Identifier: BSD-2-Clause
#
# bootbench.sh ANAX_ELF OUTDIR - boot cost from power-on to a prompt,
# Anax (to the monitor prompt) against Debian's Linux kernel with a
# busybox initramfs (to user space, just before the shell), both from a
# GRUB ISO, under QEMU TCG with -icount shift=0,sleep=off: the TSC is
# then the virtual clock, one nanosecond per guest instruction (plus the
# jumps over idle time), so the figures are deterministic instruction
# budgets.  Anax reports the TSC of its first console read (monitor
# command "boottime"); Linux runs a static "tsc" program as the first
# thing in /init.  Wall-clock seconds to the same point are printed too.
set -eu
elf=$1
out=$2
here=$(dirname "$0")
QEMU=qemu-system-x86_64
TIMEOUT=${BOOTBENCH_TIMEOUT:-600}
mkdir -p "$out"

sh "$here/mkiso.sh" "$elf" "$out/anax.iso" ""

vmlinuz=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
busybox=$(command -v busybox || true)
if [ -z "$vmlinuz" ] || [ -z "$busybox" ]; then
	echo "bootbench: need linux-image-amd64 and busybox-static" >&2
	exit 1
fi
rd=$out/initramfs
rm -rf "$rd" "$out/linux-iso"
mkdir -p "$rd/bin" "$out/linux-iso/boot/grub"
cp "$busybox" "$rd/bin/busybox"
ln -s busybox "$rd/bin/sh"
${HOSTCC:-gcc} -static -O2 -o "$rd/bin/tsc" "$here/tsc.c"
printf '#!/bin/sh\n/bin/tsc\nexec /bin/sh\n' >"$rd/init"
chmod +x "$rd/init"
(cd "$rd" && find . | cpio -o -H newc --quiet) | gzip -1 \
    >"$out/linux-iso/boot/initrd.gz"
cp "$vmlinuz" "$out/linux-iso/boot/vmlinuz"
cat >"$out/linux-iso/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "Linux" {
	linux /boot/vmlinuz console=ttyS0 quiet
	initrd /boot/initrd.gz
	boot
}
CFG
grub-mkrescue -o "$out/linux.iso" "$out/linux-iso" >"$out/linux-iso.log" 2>&1

# run NAME ISO NCPUS READY-PATTERN TSC-PATTERN [COMMAND]: boot, wait for
# READY-PATTERN, optionally type COMMAND, wait for TSC-PATTERN (a sed
# pattern whose \1 is the TSC), print "NAME tsc wall-seconds".
run()
{
	name=$1 iso=$2 n=$3 ready=$4 tscpat=$5 cmd=${6:-}
	log=$out/$name.log
	fifo=$out/$name.serial
	rm -f "$fifo.in" "$fifo.out"
	mkfifo "$fifo.in" "$fifo.out"
	start=$(date +%s.%N)
	timeout -k 5 "$TIMEOUT" "$QEMU" -machine q35 -display none -no-reboot \
	    -icount shift=0,sleep=off -smp "$n" -m 256M -cdrom "$iso" \
	    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	    -serial "pipe:$fifo" >"$log.qemu" 2>&1 &
	qpid=$!
	cat "$fifo.out" >"$log" &
	exec 3>"$fifo.in"
	while ! grep -q -- "$ready" "$log"; do
		if ! kill -0 "$qpid" 2>/dev/null; then
			echo "bootbench: $name: qemu ended early" >&2
			tail -n 20 "$log" >&2
			return 1
		fi
		sleep 0.05
	done
	wall=$(awk -v a="$start" -v b="$(date +%s.%N)" \
	    'BEGIN { printf "%.1f", b - a }')
	[ -z "$cmd" ] || printf '%s\r' "$cmd" >&3
	tsc=
	while [ -z "$tsc" ] && kill -0 "$qpid" 2>/dev/null; do
		tsc=$(sed -n "s/$tscpat/\\1/p" "$log" | head -n 1)
		sleep 0.05
	done
	entry=$(sed -n 's/.*kernel entered at tsc \([0-9][0-9]*\).*/\1/p' \
	    "$log" | head -n 1)
	kill "$qpid" 2>/dev/null || true
	exec 3>&-
	wait "$qpid" 2>/dev/null || true
	rm -f "$fifo.in" "$fifo.out"
	echo "$name prompt-tsc $tsc kernel-entry-tsc ${entry:-?} wall-s $wall"
}

# Linux on 4 cpus under -icount (one host thread for every vcpu) takes
# more than 10 minutes here, so the side-by-side figure is 1 cpu.
run anax-n1 "$out/anax.iso" 1 "anax> " \
    '.*first console read at tsc \([0-9][0-9]*\).*' boottime
run linux-n1 "$out/linux.iso" 1 "^tsc: [0-9]" '^tsc: \([0-9][0-9]*\).*'
run anax-n4 "$out/anax.iso" 4 "anax> " \
    '.*first console read at tsc \([0-9][0-9]*\).*' boottime
