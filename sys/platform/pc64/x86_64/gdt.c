/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * gdt.c - segments, the TSS and the interrupt descriptor table.
 *
 * Long mode ignores segment bases and limits except for the TSS, so each
 * cpu's GDT is tiny: null, one kernel code and one kernel data segment,
 * and that cpu's TSS.  The TSS exists for its interrupt stack table: the
 * double fault (IST 1) and the NMI (IST 2) run on per-cpu stacks of their
 * own, so a kernel stack overflow, which faults with a useless %rsp, is
 * still reported instead of escalating to a triple fault.  There is no
 * user mode yet, so rsp0 is unused.
 *
 * The IDT is shared by all cpus: 256 interrupt gates (interrupts stay off
 * in every handler until it enables them), each pointing at its 16-byte
 * stub in exception.S.
 *
 * Locking: gdt_init_cpu() runs on the cpu it initializes, before that cpu
 * takes interrupts; the IDT is filled on the boot cpu before any AP runs.
 */

#include <sys/types.h>
#include <sys/systm.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

#define SEG_KCODE64	0x00af9a000000ffffULL	/* P, DPL 0, code, L */
#define SEG_KDATA	0x00cf92000000ffffULL	/* P, DPL 0, data, RW */
#define TSS_TYPE_AVAIL	0x9ULL
#define SEG_PRESENT	(1ULL << 47)
#define GATE_INTR	0x8e		/* P, DPL 0, 64-bit interrupt gate */
#define TRAP_STUB_BYTES	16

/* clang-format off */
struct idt_gate {
	uint16_t	ig_off_lo;
	uint16_t	ig_sel;
	uint8_t		ig_ist;
	uint8_t		ig_type;
	uint16_t	ig_off_mid;
	uint32_t	ig_off_hi;
	uint32_t	ig_rsvd;
} __packed;

struct desc_ptr {
	uint16_t	dp_limit;
	uint64_t	dp_base;
} __packed;
/* clang-format on */

CTASSERT(sizeof(struct idt_gate) == 16);
CTASSERT(sizeof(struct pc64_tss) == 104);

extern char trap_stubs[];	/* exception.S: NIDT stubs, 16 bytes each */

static struct idt_gate idt[NIDT] __aligned(16);

void
gdt_init_cpu(struct pc64_cpu *pc)
{
	uint64_t base = (uint64_t)&pc->pc_tss;
	uint64_t limit = sizeof(pc->pc_tss) - 1;
	struct desc_ptr dp;

	pc->pc_gdt[0] = 0;
	pc->pc_gdt[GSEL_KCODE / 8] = SEG_KCODE64;
	pc->pc_gdt[GSEL_KDATA / 8] = SEG_KDATA;
	pc->pc_gdt[GSEL_TSS / 8] = (limit & 0xffff) |
	    ((base & 0xffffff) << 16) | (TSS_TYPE_AVAIL << 40) | SEG_PRESENT |
	    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	pc->pc_gdt[GSEL_TSS / 8 + 1] = base >> 32;

	memset(&pc->pc_tss, 0, sizeof(pc->pc_tss));
	pc->pc_tss.tss_ist[IST_DBLFAULT - 1] =
	    (uint64_t)(pc->pc_dfstack + sizeof(pc->pc_dfstack));
	pc->pc_tss.tss_ist[IST_NMI - 1] =
	    (uint64_t)(pc->pc_nmistack + sizeof(pc->pc_nmistack));
	pc->pc_tss.tss_iobase = sizeof(pc->pc_tss);

	dp.dp_limit = sizeof(pc->pc_gdt) - 1;
	dp.dp_base = (uint64_t)pc->pc_gdt;
	__asm__ __volatile__(
	    "lgdt %0\n\t"
	    "pushq %1\n\t"
	    "leaq 1f(%%rip), %%rax\n\t"
	    "pushq %%rax\n\t"
	    "lretq\n"
	    "1:\n\t"
	    "movw %w2, %%ax\n\t"
	    "movw %%ax, %%ds\n\t"
	    "movw %%ax, %%es\n\t"
	    "movw %%ax, %%ss\n\t"
	    "ltr %w3"
	    : : "m"(dp), "i"(GSEL_KCODE), "r"(GSEL_KDATA), "r"(GSEL_TSS)
	    : "rax", "memory");
}

void
idt_set_handler(int vec, void (*handler)(void), int ist)
{
	uint64_t off = (uint64_t)handler;
	struct idt_gate *g = &idt[vec];

	g->ig_off_lo = (uint16_t)off;
	g->ig_sel = GSEL_KCODE;
	g->ig_ist = (uint8_t)ist;
	g->ig_type = GATE_INTR;
	g->ig_off_mid = (uint16_t)(off >> 16);
	g->ig_off_hi = (uint32_t)(off >> 32);
	g->ig_rsvd = 0;
}

/* Point every vector at its stub; faults that need a sane stack get one. */
void
idt_init(void)
{
	for (int vec = 0; vec < NIDT; vec++) {
		void (*stub)(void) = (void (*)(void))(uintptr_t)
		    (trap_stubs + vec * TRAP_STUB_BYTES);
		int ist = 0;

		if (vec == T_DOUBLEFLT)
			ist = IST_DBLFAULT;
		else if (vec == T_NMI)
			ist = IST_NMI;
		idt_set_handler(vec, stub, ist);
	}
}

void
idt_load(void)
{
	struct desc_ptr dp;

	dp.dp_limit = sizeof(idt) - 1;
	dp.dp_base = (uint64_t)idt;
	__asm__ __volatile__("lidt %0" : : "m"(dp));
}
