/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * cpu/globaldata.h - reaching the current cpu's globaldata on x86_64.
 *
 * Both platforms point the %gs base at the cpu's struct globaldata, whose
 * first field (gd_prvspace) points to itself, so mycpu is one load from
 * %gs:0.  pc64 loads the GS base MSR; vkernel64 asks Linux with
 * arch_prctl(ARCH_SET_GS) for each virtual-cpu thread.  The asm is not
 * volatile but takes a dummy memory input, so the compiler may not cache
 * the value across a call that could migrate the thread.
 */
#ifndef _CPU_GLOBALDATA_H_
#define _CPU_GLOBALDATA_H_

struct globaldata;

static __always_inline struct globaldata *
cpu_mycpu(void)
{
	struct globaldata *gd;

	__asm__("movq %%gs:0, %0" : "=r"(gd) : "m"(*(char *)0));
	return (gd);
}

#define mycpu		(cpu_mycpu())
#define mycpuid		(mycpu->gd_cpuid)
#define curthread	(mycpu->gd_curthread)

#endif /* !_CPU_GLOBALDATA_H_ */
