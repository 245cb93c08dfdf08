/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * cpu.c - the thread and cpu hooks of sys/sys/cpu_md.h on bare metal.
 *
 * A thread's machine context is its stack (swtch.S); cpu_thread_init()
 * builds the first frame and turns the lowest page of the stack into a
 * guard page (pmap.c), so KSTACK_BYTES - PAGE_SIZE bytes are usable and an
 * overflow faults instead of corrupting memory.  Idle waits with sti;hlt
 * (atomic: an interrupt between the two still wakes the hlt).  IPIs are
 * LAPIC fixed interrupts on VEC_IPIQ.
 *
 * Locking: each hook runs on the cpu it concerns (cpu_thread_init on the
 * creator, before the thread is visible).
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/globaldata.h>
#include <sys/cpu_md.h>
#include <cpu/atomic.h>
#include <vm/vm_page.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

#define INITIAL_SAVED_REGS	6	/* rbp rbx r12 r13 r14 r15 */
#define INITIAL_RFLAGS		(PSL_I | 0x2UL)	/* bit 1 is always set */

struct thread *pc64_switch(uintptr_t *save_sp, uintptr_t new_sp,
    struct thread *otd, struct thread **curthreadp, struct thread *ntd);
void	pc64_thread_entry(void);

void
pc64_cpu_setgs(struct pc64_cpu *pc)
{
	pc->pc_gd.gd_prvspace = &pc->pc_gd;
	wrmsr(MSR_GSBASE, (uint64_t)&pc->pc_gd);
}

void
cpu_thread_init(struct thread *td)
{
	uintptr_t *sp;
	vm_offset_t bottom = (vm_offset_t)td->td_kstack;

	sp = (uintptr_t *)((char *)td->td_kstack + td->td_kstack_size);
	*--sp = 0;				/* end of the frame chain */
	*--sp = (uintptr_t)pc64_thread_entry;
	for (int i = 0; i < INITIAL_SAVED_REGS; i++)
		*--sp = 0;
	*--sp = INITIAL_RFLAGS;
	td->td_sp = (uintptr_t)sp;
	td->td_md.md_guard = NULL;
	if (td->td_kstack_size > PAGE_SIZE &&
	    pmap_set_guard(bottom, true) == 0)
		td->td_md.md_guard = td->td_kstack;
}

void
cpu_thread_free(struct thread *td)
{
	if (td->td_md.md_guard != NULL)
		pmap_set_guard((vm_offset_t)td->td_md.md_guard, false);
	td->td_md.md_guard = NULL;
}

struct thread *
cpu_lwkt_switch(struct thread *ntd)
{
	struct globaldata *gd = mycpu;
	struct thread *otd = gd->gd_curthread;

	return (pc64_switch(&otd->td_sp, ntd->td_sp, otd, &gd->gd_curthread,
	    ntd));
}

void
cpu_idle_halt(struct globaldata *gd)
{
	cpu_disable_intr();
	atomic_store_rel_int((volatile u_int *)&gd->gd_idle, 1);
	if ((atomic_load_acq_int(&gd->gd_reqflags) &
	    (RQF_IDLECHECK_WK_MASK | RQF_RUNNING)) == 0) {
		/* sti;hlt: an interrupt after sti still ends the hlt. */
		__asm__ __volatile__("sti; hlt" ::: "memory");
	}
	cpu_enable_intr();
	atomic_store_rel_int((volatile u_int *)&gd->gd_idle, 0);
}

void
cpu_send_ipiq(int cpuid)
{
	struct pc64_cpu *pc = (struct pc64_cpu *)globaldata_find(cpuid);

	lapic_ipi(pc->pc_apicid, VEC_IPIQ);
}

u_long
cpu_intr_disable(void)
{
	u_long rflags = read_rflags();

	cpu_disable_intr();
	return (rflags & PSL_I);
}

void
cpu_intr_restore(u_long state)
{
	if (state & PSL_I)
		cpu_enable_intr();
}
