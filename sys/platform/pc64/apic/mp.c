/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * mp.c - starting the application processors, and stopping all cpus.
 *
 * cpu_start_aps() (called by mi_startup once the IPI queues exist) copies
 * the real-mode trampoline (boot/mpboot.S) below 1 MiB, identity-maps low
 * memory for the trampoline's jump into long mode, sends every AP an INIT
 * (one broadcast, then the 10 ms the architecture asks for), and then
 * starts the APs one at a time: a SIPI, a second one if the AP has not
 * answered within MP_SIPI_RETRY_US, and a wait of at most MP_START_US for
 * it to reach C.  Each AP gets its own idle stack with a guard page.  In C
 * (mp_ap_entry) an AP loads %gs, its GDT/TSS and the IDT, switches its
 * local APIC on (x2APIC if the boot cpu chose it), starts its clock and
 * calls mi_ap_startup(), which never returns.  Its globaldata was set up
 * with lwkt_gdinit() by the boot cpu (machdep.c).
 *
 * An AP that never answers is a boot failure (the MI startup waits for
 * every cpu it was told about), reported by panic.
 *
 * trap_stop_others() sends an NMI to every other running cpu, used by
 * fatal traps and platform_halt().
 *
 * Locking: boot cpu only; the trampoline parameters are used by one AP at
 * a time (the boot cpu waits for pc_started before the next SIPI).
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/cpu_md.h>
#include <sys/globaldata.h>
#include <sys/thread.h>
#include <sys/malloc.h>
#include <vm/vm_page.h>
#include <cpu/atomic.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

#define MP_TRAMPOLINE_PHYS	0x8000UL
#define ICR_INIT		0x00000500U
#define ICR_STARTUP		0x00000600U
#define ICR_NMI			0x00000400U
#define ICR_LEVEL_ASSERT	0x00004000U
#define ICR_ALL_BUT_SELF	0x000c0000U
#define MP_INIT_DELAY_US	10000
#define MP_SIPI_RETRY_US	2000
#define MP_START_US		2000000
#define MP_POLL_US		10
#define PG_V_RW_PS		0x83ULL	/* present, writable, 2 MiB */
#define PG_V_RW			0x03ULL
#define MP_NPTE			512

/* clang-format off */
struct mpboot_params {
	uint64_t	mp_cr3;
	uint64_t	mp_efer;
	uint64_t	mp_stack;
	uint64_t	mp_arg;
	uint64_t	mp_entry;
};
/* clang-format on */

extern char mpboot_start[], mpboot_end[], mpboot_params[];
void	mp_ap_entry(struct pc64_cpu *pc) __dead2;

static bool mp_aps_running;
volatile u_int pc64_stop_requested;

/* Identity-map the first 2 MiB while APs go through the trampoline. */
static uint64_t mp_low_pdpt[MP_NPTE] __aligned(PAGE_SIZE);
static uint64_t mp_low_pd[MP_NPTE] __aligned(PAGE_SIZE);

static void
mp_identity_map(bool on)
{
	uint64_t *pml4 = (uint64_t *)PHYS_TO_DMAP(pmap_kernel_cr3());

	if (on) {
		mp_low_pd[0] = 0 | PG_V_RW_PS;
		mp_low_pdpt[0] = KVA_TO_PHYS(mp_low_pd) | PG_V_RW;
		pml4[0] = KVA_TO_PHYS(mp_low_pdpt) | PG_V_RW;
	} else {
		pml4[0] = 0;
	}
	lcr3(rcr3());
}

static bool
mp_wait_started(struct pc64_cpu *pc, uint64_t us)
{
	for (uint64_t t = 0; t < us; t += MP_POLL_US) {
		if (atomic_load_acq_int((volatile u_int *)&pc->pc_started))
			return (true);
		clock_delay_us(MP_POLL_US);
	}
	return (false);
}

static void
mp_start_one(struct pc64_cpu *pc, struct mpboot_params *params)
{
	char *stack = kmem_alloc(KSTACK_BYTES, M_WAITOK);
	uint32_t sipi = ICR_STARTUP | (uint32_t)(MP_TRAMPOLINE_PHYS >>
	    PAGE_SHIFT);

	pmap_set_guard((vm_offset_t)stack, true);
	params->mp_stack = (uint64_t)(stack + KSTACK_BYTES);
	params->mp_arg = (uint64_t)pc;
	cpu_sfence();
	lapic_ipi(pc->pc_apicid, sipi);
	if (!mp_wait_started(pc, MP_SIPI_RETRY_US)) {
		lapic_ipi(pc->pc_apicid, sipi);
		if (!mp_wait_started(pc, MP_START_US))
			panic("pc64: cpu %d (apic id %u) did not start",
			    pc->pc_gd.gd_cpuid, pc->pc_apicid);
	}
}

void
cpu_start_aps(void)
{
	struct mpboot_params *params;
	char *tramp = (char *)PHYS_TO_DMAP(MP_TRAMPOLINE_PHYS);

	if (ncpus > 1) {
		memcpy(tramp, mpboot_start,
		    (size_t)(mpboot_end - mpboot_start));
		params = (struct mpboot_params *)(tramp +
		    (mpboot_params - mpboot_start));
		params->mp_cr3 = pmap_kernel_cr3();
		params->mp_efer = rdmsr(MSR_EFER);
		params->mp_entry = (uint64_t)mp_ap_entry;
		mp_identity_map(true);
		lapic_ipi(0, ICR_INIT | ICR_LEVEL_ASSERT | ICR_ALL_BUT_SELF);
		clock_delay_us(MP_INIT_DELAY_US);
		for (int i = 1; i < ncpus; i++)
			mp_start_one((struct pc64_cpu *)globaldata_find(i),
			    params);
		mp_identity_map(false);
		kprintf("pc64: started %d application processors (%s)\n",
		    ncpus - 1, lapic_x2apic() ? "x2APIC" : "xAPIC");
	}
	mp_aps_running = true;
	clock_start_cpu();
}

/* First C code of an AP, on its idle stack, interrupts off. */
void
mp_ap_entry(struct pc64_cpu *pc)
{
	pc64_cpu_setgs(pc);
	gdt_init_cpu(pc);
	idt_load();
	lapic_init_ap();
	clock_start_cpu();
	atomic_store_rel_int((volatile u_int *)&pc->pc_started, 1);
	mi_ap_startup(&pc->pc_gd);
}

/*
 * Stop every other cpu (fatal trap, halt) with an NMI, which arrives even
 * where interrupts are off; trap.c halts a cpu that gets one once
 * pc64_stop_requested is set.  Context: any.
 */
void
trap_stop_others(void)
{
	if (!mp_aps_running || ncpus == 1)
		return;
	atomic_store_rel_int(&pc64_stop_requested, 1);
	lapic_ipi(0, ICR_NMI | ICR_LEVEL_ASSERT | ICR_ALL_BUT_SELF);
}
