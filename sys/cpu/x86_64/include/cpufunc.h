/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * cpufunc.h - unprivileged x86_64 instructions usable on both platforms.
 *
 * Privileged ones (cli/sti, port I/O, control registers) live in
 * sys/platform/pc64; the vkernel cannot execute them.
 */
#ifndef _CPU_CPUFUNC_H_
#define _CPU_CPUFUNC_H_

#include <sys/types.h>

/* Spin-wait hint: lets the sibling hyperthread run. */
static __always_inline void
cpu_pause(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

static __always_inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (((uint64_t)hi << 32) | lo);
}

#endif /* !_CPU_CPUFUNC_H_ */
