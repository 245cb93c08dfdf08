/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * machine/pc64.h - private interfaces of the pc64 platform.
 *
 * Memory layout (virtual):
 *   KERNBASE (-2 GiB)	the kernel image, linked at KERNBASE + its physical
 *			load address (KERN_LOAD_PHYS); 4 KiB pages, text
 *			read-only, everything else no-execute.
 *   DMAP_BASE		every byte of physical RAM (and the low 4 GiB,
 *			for MMIO), so physical address pa is at
 *			PHYS_TO_DMAP(pa).  vm_page_startup() gets its
 *			ranges here, so kmem_alloc() returns DMAP addresses.
 *
 * Per cpu: struct pc64_cpu embeds the MI struct globaldata first, so
 * %gs:0 (mycpu) is also the pc64_cpu.  It holds the cpu's GDT, TSS, its
 * double-fault IST stack and its local APIC id.
 *
 * Interrupt vectors: 0-31 exceptions, IRQ_VECTOR_BASE + n for ISA IRQ n
 * through the IOAPIC, then the local vectors at the top.
 */
#ifndef _MACHINE_PC64_H_
#define _MACHINE_PC64_H_

#include <sys/types.h>
#include <sys/globaldata.h>
#include <machine/frame.h>

#define KERNBASE		0xffffffff80000000UL
#define KERN_LOAD_PHYS		0x200000UL
#define DMAP_BASE		0xffff800000000000UL
#define PHYS_TO_DMAP(pa)	((vm_offset_t)(pa) + DMAP_BASE)
#define DMAP_TO_PHYS(va)	((vm_paddr_t)((vm_offset_t)(va) - DMAP_BASE))
#define LOW_MEMORY_BYTES	0x100000UL	/* kept from the allocator */
#define KVA_TO_PHYS(va)		((vm_paddr_t)((vm_offset_t)(va) - KERNBASE))

#define IRQ_VECTOR_BASE		32
#define IRQ_COM1		4
#define IRQ_KBD			1
#define VEC_TIMER		0xf0
#define VEC_IPIQ		0xf1
#define VEC_SPURIOUS		0xff
#define NIDT			256

#define GSEL_KCODE		0x08
#define GSEL_KDATA		0x10
#define GSEL_TSS		0x18
#define NGDT			5	/* null, code, data, TSS (2 slots) */

#define DBLFAULT_STACK_BYTES	8192
#define IST_DBLFAULT		1
#define IST_NMI			2

/* The 64-bit TSS (the cpu reads it; layout fixed by the architecture). */
/* clang-format off */
struct pc64_tss {
	uint32_t	tss_rsvd0;
	uint64_t	tss_rsp[3];
	uint64_t	tss_rsvd1;
	uint64_t	tss_ist[7];
	uint64_t	tss_rsvd2;
	uint16_t	tss_rsvd3;
	uint16_t	tss_iobase;
} __packed;

struct pc64_cpu {
	struct globaldata pc_gd;		/* first: %gs:0 */
	uint32_t	pc_apicid;		/* [I] local APIC id */
	volatile int	pc_started;		/* [a] AP reached C */
	uint64_t	pc_gdt[NGDT] __aligned(16);
	struct pc64_tss	pc_tss __aligned(16);
	char		pc_dfstack[DBLFAULT_STACK_BYTES] __aligned(16);
	char		pc_nmistack[DBLFAULT_STACK_BYTES] __aligned(16);
};
/* clang-format on */

static __always_inline struct pc64_cpu *
pc64_mycpu(void)
{
	return ((struct pc64_cpu *)mycpu);
}

/* boot/locore.S, x86_64/swtch.S */
extern char boot_stack_guard[], boot_stack[], boot_stack_top[];
extern char __text_start[], __text_end[], __rodata_end[], _end[];
void	pc64_init(uint32_t mbi_phys) __dead2;

/* multiboot.c: what the boot loader told us, copied before use. */
#define MB_MAX_RANGES		64
struct mb_range {
	vm_paddr_t	mr_start;
	vm_paddr_t	mr_end;		/* exclusive */
};
void	mb_parse(uint32_t mbi_phys);
#define MB_CMDLINE_BYTES	512
const char *mb_cmdline(void);
const char *mb_env(void);
int	mb_ram_ranges(const struct mb_range **rangesp);
const void *mb_rsdp(void);		/* the loader's copy, or NULL */
bool	mb_vga_text(void);		/* loader left us a text screen */

/* console: serial.c, vga.c, console.c */
void	serial_init(void);
void	serial_putc(int c);
int	serial_getc_poll(void);		/* -1 if nothing */
void	serial_intr_enable(void);
void	serial_intr(void);
void	vga_init(vm_offset_t base);
void	vga_putc(int c);
void	kbd_intr(void);
void	vga_rebase(vm_offset_t base);
void	cons_input_push(int c);
void	cons_early_init(void);
void	cons_vga_enable(vm_offset_t base);
void	cons_irq_enable(void);
void	cons_serial_intr(void);
void	cons_kbd_intr(void);

/* pmap.c */
void	pmap_bootstrap(void);
void	pmap_release_ram(void);
vm_offset_t pmap_mapdev(vm_paddr_t pa, vm_size_t bytes);
int	pmap_set_guard(vm_offset_t va, bool guard);
vm_paddr_t pmap_kernel_cr3(void);
bool	pmap_is_guard(vm_offset_t va);
bool	pmap_is_mapped(vm_offset_t va);
extern volatile bool pmap_shootdown_enabled;	/* tests only */
extern volatile u_long pmap_shootdowns_done[MAXCPU];
extern const int pmap_shootdown_max_cpus;

/* gdt.c, trap.c, backtrace.c */
void	gdt_init_cpu(struct pc64_cpu *pc);
void	idt_init(void);
void	idt_load(void);
void	idt_set_handler(int vec, void (*handler)(void), int ist);
void	backtrace_from(uint64_t rip, uint64_t rbp);
void	backtrace_from_call(uint64_t rip, uint64_t ret, uint64_t rbp);
const char *ksym_lookup(uint64_t addr, uint64_t *offp);
void	trap_stop_others(void);
void	intr_dispatch(int vec, struct intrframe *frame);

/* cpu.c */
void	pc64_cpu_setgs(struct pc64_cpu *pc);
extern struct pc64_cpu pc64_bsp;

/* acpi.c */
#define ACPI_MAX_CPUS		MAXCPU
void	acpi_init(const void *rsdp);
int	acpi_ncpus(void);
uint32_t acpi_cpu_apicid(int idx);
vm_paddr_t acpi_lapic_phys(void);
vm_paddr_t acpi_ioapic_phys(void);
uint32_t acpi_ioapic_gsibase(void);
uint32_t acpi_isa_irq_gsi(int irq, uint16_t *flagsp);
vm_paddr_t acpi_hpet_phys(void);

/* lapic.c, ioapic.c, clock.c */
void	lapic_init(void);
void	lapic_init_ap(void);
uint32_t lapic_id(void);
void	lapic_eoi(void);
void	lapic_ipi(uint32_t apicid, uint32_t icr_lo);
void	lapic_ipi_wait(void);
void	lapic_timer_start(uint32_t count);
bool	lapic_x2apic(void);
void	pic_disable(void);
void	ioapic_init(void);
void	ioapic_route(int irq, int vector);
void	lapic_timer_oneshot_max(void);
uint32_t lapic_timer_current(void);
void	clock_init(void);
void	clock_start_cpu(void);
void	clock_delay_us(uint64_t us);
void	clock_intr(struct intrframe *frame);
uint64_t clock_uptime_ns(void);

/* mp.c */
extern uint64_t pc64_boot_tsc;
extern volatile u_int pc64_stop_requested;

/* intr.c */
void	intr_init(void);

#endif /* !_MACHINE_PC64_H_ */
