#!/bin/sh
# Copyright (c) 2026 The Anax Project
# SPDX-License-Identifier: BSD-2-Clause
#
# mkiso.sh KERNEL OUT.iso [CMDLINE] - a hybrid live ISO (CD and USB,
# BIOS and UEFI) with GRUB booting KERNEL by multiboot2 with CMDLINE,
# immediately (timeout 0).  Needs grub-mkrescue (grub-common), the
# grub-pc-bin and grub-efi-amd64-bin modules, xorriso and mtools.
set -eu
kernel=$1
out=$2
cmdline=${3:-}
case $cmdline in
*[\"\;\$\`\\]*) echo "mkiso: bad character in command line: $cmdline" >&2; exit 1 ;;
esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/anax-iso.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/iso/boot/grub"
cp "$kernel" "$tmp/iso/boot/anax.elf"
cat >"$tmp/iso/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "Anax" {
	multiboot2 /boot/anax.elf $cmdline
	boot
}
CFG
if ! grub-mkrescue -o "$out.tmp" "$tmp/iso" >"$tmp/log" 2>&1; then
	cat "$tmp/log" >&2
	echo "mkiso: grub-mkrescue failed" >&2
	exit 1
fi
mv "$out.tmp" "$out"
