/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * cpu_switch.c - vkernel64 thread switching (kernel side).
 *
 * cpu_lwkt_switch() is the whole machine-dependent switch: update
 * gd_curthread, tell the sanitizers which stack we go to (no-ops in plain
 * builds), and swap stacks in switch.S.  A signal that lands between the
 * curthread update and the stack swap is harmless: every thread being
 * switched to is inside a critical section (new threads start in one,
 * switched-out threads left from within lwkt_switch), so the interrupt is
 * only recorded.
 *
 * The lowest page of every kernel stack is a guard page (no access), so
 * an overflow faults at once and vk_kernel_trap() names it.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/globaldata.h>
#include <sys/cpu_md.h>
#include <vm/vm_page.h>

#include "vk_host.h"

/* switch.S */
struct thread *vk_switch_stacks(uintptr_t *save_sp, uintptr_t new_sp,
    struct thread *prev);
void vk_thread_trampoline(void);
void vk_thread_entry(struct thread *otd) __dead2;

#define VK_INITIAL_REGS		6	/* rbp rbx r12 r13 r14 r15 */

void
cpu_thread_init(struct thread *td)
{
	uintptr_t *sp;

	sp = (uintptr_t *)((char *)td->td_kstack + td->td_kstack_size);
	*--sp = 0;				/* end of the frame chain */
	*--sp = (uintptr_t)vk_thread_trampoline;
	for (int i = 0; i < VK_INITIAL_REGS; i++)
		*--sp = 0;
	td->td_sp = (uintptr_t)sp;
	vk_host_guard(td->td_kstack, PAGE_SIZE, 1);
	td->td_md.md_tsan_fiber = vk_host_fiber_create();
	td->td_md.md_stack_bottom = td->td_kstack;
	td->td_md.md_stack_size = td->td_kstack_size;
}

void
cpu_thread_free(struct thread *td)
{
	if (td->td_md.md_tsan_fiber != NULL)
		vk_host_fiber_destroy(td->td_md.md_tsan_fiber);
	td->td_md.md_tsan_fiber = NULL;
	vk_host_guard(td->td_kstack, PAGE_SIZE, 0);
}

/* The idle thread runs on the vcpu's own pthread stack. */
void vk_adopt_idle_thread(struct globaldata *gd);

void
vk_adopt_idle_thread(struct globaldata *gd)
{
	struct thread *td = &gd->gd_idlethread;
	const void *bottom;
	unsigned long size;

	vk_host_current_stack(&bottom, &size);
	td->td_md.md_tsan_fiber = vk_host_fiber_current();
	td->td_md.md_stack_bottom = bottom;
	td->td_md.md_stack_size = size;
}

struct thread *
cpu_lwkt_switch(struct thread *ntd)
{
	struct globaldata *gd = mycpu;
	struct thread *td = gd->gd_curthread;
	struct thread *otd;

	gd->gd_curthread = ntd;
	vk_host_switch_begin(ntd->td_md.md_tsan_fiber,
	    (td->td_flags & TDF_EXITING) ? NULL : &td->td_md.md_asan_fake_stack,
	    ntd->td_md.md_stack_bottom, ntd->td_md.md_stack_size);
	otd = vk_switch_stacks(&td->td_sp, ntd->td_sp, td);
	vk_host_switch_end(td->td_md.md_asan_fake_stack);
	return (otd);
}

void
vk_thread_entry(struct thread *otd)
{
	vk_host_switch_end(NULL);
	lwkt_thread_start(otd);
}
