/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * lapic.c - the local APIC: EOI, IPIs and the per-cpu timer.
 *
 * Two access modes.  xAPIC: registers are 32-bit words in a 4 KiB MMIO
 * page (at the MADT's address, through the direct map); APIC ids have 8
 * bits.  x2APIC (when CPUID says so): every cpu switches its own APIC to
 * x2APIC mode and reaches register r at MSR 0x800 + r/16; ids have 32 bits
 * and the ICR is one 64-bit MSR write, so more than 255 cpus can be
 * addressed.  lapic_x2apic() is decided once on the boot cpu; every AP
 * uses the same mode.
 *
 * The timer runs periodic at hz with divide-by-16; clock.c computes the
 * initial count.  LINT0/LINT1 are masked: external interrupts come through
 * the IOAPIC only.
 *
 * Locking: every register belongs to the cpu that accesses it; the xAPIC
 * ICR is written as two words with interrupts off.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <vm/vm_page.h>
#include <sys/cpu_md.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

#define LAPIC_ID		0x020
#define LAPIC_TPR		0x080
#define LAPIC_EOI		0x0b0
#define LAPIC_SVR		0x0f0
#define LAPIC_ICR_LO		0x300
#define LAPIC_ICR_HI		0x310
#define LAPIC_LVT_TIMER		0x320
#define LAPIC_LVT_LINT0		0x350
#define LAPIC_LVT_LINT1		0x360
#define LAPIC_LVT_ERROR		0x370
#define LAPIC_TIMER_INIT	0x380
#define LAPIC_TIMER_CUR		0x390
#define LAPIC_TIMER_DIV		0x3e0
#define LAPIC_SVR_ENABLE	0x100
#define LAPIC_LVT_MASKED	0x10000
#define LAPIC_TIMER_PERIODIC	0x20000
#define LAPIC_DIV_16		0x3
#define LAPIC_ICR_BUSY		0x1000
#define LAPIC_XAPIC_ID_SHIFT	24
#define X2APIC_MSR_BASE		0x800
#define APICBASE_ENABLE		0x800
#define APICBASE_X2APIC		0x400
#define CPUID_FEATURES		1
#define CPUID_ECX_X2APIC	(1U << 21)
#define ICR_SPIN_LIMIT		1000000

static volatile uint32_t *lapic_mmio;
static bool lapic_use_x2apic;

static uint32_t
lapic_read(u_int reg)
{
	if (lapic_use_x2apic)
		return ((uint32_t)rdmsr(X2APIC_MSR_BASE + reg / 16));
	return (lapic_mmio[reg / 4]);
}

static void
lapic_write(u_int reg, uint32_t val)
{
	if (lapic_use_x2apic)
		wrmsr(X2APIC_MSR_BASE + reg / 16, val);
	else
		lapic_mmio[reg / 4] = val;
}

bool
lapic_x2apic(void)
{
	return (lapic_use_x2apic);
}

/* Switch this cpu's APIC on, in the chosen mode, and quiet its LVTs. */
static void
lapic_enable_cpu(void)
{
	uint64_t base = rdmsr(MSR_APICBASE) | APICBASE_ENABLE;

	if (lapic_use_x2apic)
		base |= APICBASE_X2APIC;
	wrmsr(MSR_APICBASE, base);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
}

void
lapic_init(void)
{
	uint32_t regs[4];

	cpuid_count(CPUID_FEATURES, 0, regs);
	lapic_use_x2apic = (regs[2] & CPUID_ECX_X2APIC) != 0;
	lapic_mmio = (volatile uint32_t *)pmap_mapdev(acpi_lapic_phys(),
	    PAGE_SIZE);
	lapic_enable_cpu();
	kprintf("lapic: %s mode, boot cpu apic id %u\n",
	    lapic_use_x2apic ? "x2APIC" : "xAPIC", lapic_id());
}

void
lapic_init_ap(void)
{
	lapic_enable_cpu();
}

uint32_t
lapic_id(void)
{
	if (lapic_use_x2apic)
		return (lapic_read(LAPIC_ID));
	return (lapic_read(LAPIC_ID) >> LAPIC_XAPIC_ID_SHIFT);
}

void
lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* Wait until an xAPIC accepted the last IPI (x2APIC needs no wait). */
void
lapic_ipi_wait(void)
{
	if (lapic_use_x2apic)
		return;
	for (int i = 0; i < ICR_SPIN_LIMIT; i++) {
		if (!(lapic_read(LAPIC_ICR_LO) & LAPIC_ICR_BUSY))
			return;
		cpu_pause();
	}
	kprintf("lapic: IPI not accepted\n");
}

/* Send the interrupt command icr_lo (vector, mode, shorthand) to apicid. */
void
lapic_ipi(uint32_t apicid, uint32_t icr_lo)
{
	u_long s = cpu_intr_disable();

	if (lapic_use_x2apic) {
		wrmsr(X2APIC_MSR_BASE + LAPIC_ICR_LO / 16,
		    (uint64_t)apicid << 32 | icr_lo);
	} else {
		lapic_ipi_wait();
		lapic_write(LAPIC_ICR_HI, apicid << LAPIC_XAPIC_ID_SHIFT);
		lapic_write(LAPIC_ICR_LO, icr_lo);
	}
	cpu_intr_restore(s);
}

/* Periodic timer on VEC_TIMER, count ticks of the bus clock / 16. */
void
lapic_timer_start(uint32_t count)
{
	lapic_write(LAPIC_TIMER_DIV, LAPIC_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, count);
}

/* One-shot, masked, from the maximum count: for calibration. */
void
lapic_timer_oneshot_max(void)
{
	lapic_write(LAPIC_TIMER_DIV, LAPIC_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, UINT32_MAX);
}

uint32_t
lapic_timer_current(void)
{
	return (lapic_read(LAPIC_TIMER_CUR));
}
