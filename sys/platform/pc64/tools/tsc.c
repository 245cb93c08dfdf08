/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * tsc.c - print the time-stamp counter, for the boot benchmark
 * (bootbench.sh): built static and run as the first command of the Linux
 * initramfs, it tells at which TSC value Linux reached user space.  Under
 * QEMU -icount shift=0 the TSC is the virtual clock (1 ns per
 * instruction since power-on).
 */
#include <stdint.h>
#include <stdio.h>

int
main(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	printf("tsc: %llu\n", (unsigned long long)(((uint64_t)hi << 32) | lo));
	return (0);
}
