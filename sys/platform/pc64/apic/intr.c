/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * intr.c - device interrupts (IOAPIC vectors) and their deferral.
 *
 * Two device IRQs exist: COM1 (IRQ 4) and the PS/2 keyboard (IRQ 1),
 * both routed to the boot cpu.  A device vector acknowledges the LAPIC
 * and then, as DragonFly does, looks at the interrupted context: inside a
 * critical section (or a nested interrupt) it only records the IRQ in
 * this cpu's pending mask and sets RQF_INTPEND, and the outermost
 * crit_exit calls platform_intr_pending() to run it; otherwise it runs the
 * handler at once.  The IRQs are edge-triggered and the devices keep
 * their request asserted until serviced, so a deferred IRQ loses nothing.
 *
 * Locking: intr_pending[cpu] is set with atomics from the vector and
 * cleared by the same cpu; handlers take the console input lock.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/cpu_md.h>
#include <sys/globaldata.h>
#include <sys/thread.h>
#include <cpu/atomic.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

#define NISA_IRQS	16

static void (*const intr_handlers[NISA_IRQS])(void) = {
	[IRQ_KBD] = cons_kbd_intr,
	[IRQ_COM1] = cons_serial_intr,
};
static volatile u_int intr_pending[MAXCPU];

void
intr_init(void)
{
	ioapic_route(IRQ_KBD, IRQ_VECTOR_BASE + IRQ_KBD);
	ioapic_route(IRQ_COM1, IRQ_VECTOR_BASE + IRQ_COM1);
}

static void
intr_run(struct globaldata *gd, int irq)
{
	++gd->gd_intr_nesting_level;
	intr_handlers[irq]();
	--gd->gd_intr_nesting_level;
}

/* A device vector fired on this cpu (interrupts off). */
void
intr_dispatch(int vec, struct intrframe *frame __unused)
{
	struct globaldata *gd = mycpu;
	int irq = vec - IRQ_VECTOR_BASE;

	lapic_eoi();
	if (irq < 0 || irq >= NISA_IRQS || intr_handlers[irq] == NULL) {
		kprintf("intr: stray vector %d on cpu %d\n", vec, gd->gd_cpuid);
		return;
	}
	gd->gd_cnt.v_intr++;
	if (gd->gd_curthread->td_critcount != 0 ||
	    gd->gd_intr_nesting_level != 0) {
		atomic_set_int(&intr_pending[gd->gd_cpuid], 1U << irq);
		atomic_set_int(&gd->gd_reqflags, RQF_INTPEND);
		return;
	}
	intr_run(gd, irq);
}

/* Run this cpu's deferred IRQs.  Context: lwkt_splz, critical section. */
void
platform_intr_pending(void)
{
	struct globaldata *gd = mycpu;
	u_int pend = atomic_swap_int(&intr_pending[gd->gd_cpuid], 0);

	for (int irq = 0; pend != 0; irq++, pend >>= 1) {
		if (pend & 1)
			intr_run(gd, irq);
	}
}
