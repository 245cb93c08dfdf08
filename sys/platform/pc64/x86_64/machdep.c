/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * machdep.c - pc64's boot sequence and the platform_* hooks.
 *
 * pc64_init() is the first C code on the boot cpu (from locore.S, on the
 * boot stack, boot page tables, interrupts off).  In order:
 *   1. %gs -> cpu 0's pc64_cpu (kprintf's lock needs mycpu), serial
 *      console, copy the multiboot2 information, VGA console;
 *   2. this cpu's GDT/TSS and the shared IDT, so faults are reported;
 *   3. the real page tables (pmap_bootstrap), ACPI tables, local APIC,
 *      IOAPIC, clock calibration;
 *   4. RAM to the page allocator; one pc64_cpu per MADT cpu, each
 *      lwkt_gdinit()ed here (cpu 0's boot context becomes its idle thread);
 *   5. mi_startup(), which calls cpu_start_aps() (mp.c) and never returns.
 *
 * The kernel command line holds space-separated name=value words;
 * platform_getenv() looks them up.  platform_halt() writes the status to
 * QEMU's isa-debug-exit port (QEMU exits with status * 2 + 1), then tries
 * ACPI soft-off the QEMU way, then stops the cpu.
 *
 * Locking: boot is single-threaded; the platform_* hooks touch only
 * immutable boot data or device registers.
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

#define VGA_TEXT_PHYS		0xb8000UL
#define DEBUG_EXIT_PORT		0xf4
#define QEMU_ACPI_PM1A_CNT	0x604
#define ACPI_SLP_EN_S5		0x2000
#define NS_PER_SEC		1000000000ULL

struct pc64_cpu pc64_bsp __aligned(PAGE_SIZE);
uint64_t pc64_boot_tsc;		/* TSC when the kernel got control */

static void
pc64_early_cpu(struct pc64_cpu *pc)
{
	/* Enough of a thread for crit_enter() before lwkt_gdinit(). */
	pc->pc_gd.gd_curthread = &pc->pc_gd.gd_idlethread;
	pc->pc_gd.gd_idlethread.td_gd = &pc->pc_gd;
	pc64_cpu_setgs(pc);
}

/* One pc64_cpu per application processor the MADT listed. */
static void
pc64_alloc_cpus(void)
{
	int n = acpi_ncpus();

	if (n > MAXCPU) {
		kprintf("pc64: %d cpus found, using %d\n", n, MAXCPU);
		n = MAXCPU;
	}
	pc64_bsp.pc_apicid = lapic_id();
	lwkt_gdinit(&pc64_bsp.pc_gd, 0);
	ncpus = 1;
	for (int i = 0; i < n; i++) {
		uint32_t apicid = acpi_cpu_apicid(i);
		struct pc64_cpu *pc;

		if (apicid == pc64_bsp.pc_apicid)
			continue;
		pc = kmem_alloc(roundup2(sizeof(*pc), PAGE_SIZE),
		    M_WAITOK | M_ZERO);
		pc->pc_apicid = apicid;
		lwkt_gdinit(&pc->pc_gd, ncpus);
		ncpus++;
	}
}

void
pc64_init(uint32_t mbi_phys)
{
	pc64_boot_tsc = rdtsc();
	pc64_early_cpu(&pc64_bsp);
	cons_early_init();
	mb_parse(mbi_phys);
	if (mb_vga_text())
		cons_vga_enable(KERNBASE + VGA_TEXT_PHYS);
	kprintf("pc64: booting, command line \"%s\"\n", mb_cmdline());
	gdt_init_cpu(&pc64_bsp);
	idt_init();
	idt_load();
	pmap_bootstrap();
	pic_disable();
	vga_rebase(PHYS_TO_DMAP(VGA_TEXT_PHYS));
	acpi_init(mb_rsdp());
	lapic_init();
	ioapic_init();
	clock_init();
	pmap_release_ram();
	pc64_alloc_cpus();
	intr_init();
	cons_irq_enable();
	mi_startup();
}

const char *
platform_name(void)
{
	return ("pc64");
}

/*
 * The value of name in the "name=value name2=value2" command line, or
 * NULL.  Values are returned from a copy of the line with every blank
 * turned into a NUL, made once at boot (mb_parse).
 */
const char *
platform_getenv(const char *name)
{
	const char *p = mb_env(), *end = p + MB_CMDLINE_BYTES;
	size_t nlen = strlen(name);

	while (p < end) {
		if (*p == '\0') {
			p++;
			continue;
		}
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=')
			return (p + nlen + 1);
		p += strlen(p);
	}
	return (NULL);
}

void
platform_halt(int status)
{
	trap_stop_others();
	outb(DEBUG_EXIT_PORT, (uint8_t)status);
	outw(QEMU_ACPI_PM1A_CNT, ACPI_SLP_EN_S5);
	for (;;) {
		cpu_disable_intr();
		halt();
	}
}

uint64_t
platform_uptime_ns(void)
{
	return (clock_uptime_ns());
}
