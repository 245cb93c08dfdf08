/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * ioapic.c - the I/O APIC: routes the ISA interrupts to the boot cpu.
 *
 * The IOAPIC is programmed through an index/data register pair.  Each
 * redirection entry (two 32-bit registers per GSI) holds the vector, the
 * trigger mode and polarity (ISA default edge/active-high unless the MADT
 * overrides it) and the destination APIC id (8 bits in xAPIC mode; with
 * x2APIC and no interrupt remapping only ids below 256 are reachable,
 * which the boot cpu always is on QEMU).  Every entry starts masked;
 * ioapic_route() unmasks one.  The legacy 8259 PICs are masked so they
 * never deliver anything (pic_disable).
 *
 * Locking: boot cpu only, before interrupts are enabled.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <vm/vm_page.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

#define IOAPIC_INDEX		0x00
#define IOAPIC_DATA		0x10
#define IOAPIC_VER		0x01
#define IOAPIC_REDTBL		0x10
#define IOAPIC_MAXREDIR_SHIFT	16
#define IOAPIC_MAXREDIR_MASK	0xff
#define REDIR_MASKED		0x10000U
#define REDIR_LEVEL		0x08000U
#define REDIR_ACTIVE_LOW	0x02000U
#define REDIR_DEST_SHIFT	24
#define MPS_POLARITY_MASK	0x3
#define MPS_POLARITY_LOW	0x3
#define MPS_TRIGGER_SHIFT	2
#define MPS_TRIGGER_LEVEL	0x3
#define PIC1_CMD		0x20
#define PIC1_DATA		0x21
#define PIC2_CMD		0xa0
#define PIC2_DATA		0xa1
#define PIC_ICW1_INIT_ICW4	0x11
#define PIC_ICW3_MASTER		0x04	/* slave on IRQ 2 */
#define PIC_ICW3_SLAVE		0x02
#define PIC_ICW4_8086		0x01
#define PIC_MASK_ALL		0xff
#define PIC_SLAVE_VECTORS	8

static volatile uint32_t *ioapic_regs;
static u_int ioapic_npins;

static uint32_t
ioapic_read(u_int reg)
{
	ioapic_regs[IOAPIC_INDEX / 4] = reg;
	return (ioapic_regs[IOAPIC_DATA / 4]);
}

static void
ioapic_write(u_int reg, uint32_t val)
{
	ioapic_regs[IOAPIC_INDEX / 4] = reg;
	ioapic_regs[IOAPIC_DATA / 4] = val;
}

/*
 * pic_disable - move the 8259s' vectors off the exceptions (the BIOS
 * leaves IRQ 0 on vector 8, the double fault) and mask every line.
 * NOTE: this must run while LINT0 still accepts the PIC (before
 * lapic_init): QEMU withdraws a PIC interrupt already requested from the
 * cpu only when the PIC line drops while LINT0 is in ExtINT mode.
 */
void
pic_disable(void)
{
	outb(PIC1_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC2_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC1_DATA, IRQ_VECTOR_BASE);
	outb(PIC2_DATA, IRQ_VECTOR_BASE + PIC_SLAVE_VECTORS);
	outb(PIC1_DATA, PIC_ICW3_MASTER);
	outb(PIC2_DATA, PIC_ICW3_SLAVE);
	outb(PIC1_DATA, PIC_ICW4_8086);
	outb(PIC2_DATA, PIC_ICW4_8086);
	outb(PIC1_DATA, PIC_MASK_ALL);
	outb(PIC2_DATA, PIC_MASK_ALL);
}

void
ioapic_init(void)
{
	ioapic_regs = (volatile uint32_t *)pmap_mapdev(acpi_ioapic_phys(),
	    PAGE_SIZE);
	ioapic_npins = ((ioapic_read(IOAPIC_VER) >> IOAPIC_MAXREDIR_SHIFT) &
	    IOAPIC_MAXREDIR_MASK) + 1;
	for (u_int pin = 0; pin < ioapic_npins; pin++) {
		ioapic_write(IOAPIC_REDTBL + 2 * pin, REDIR_MASKED);
		ioapic_write(IOAPIC_REDTBL + 2 * pin + 1, 0);
	}
}

/* Deliver ISA irq as vector to the boot cpu. */
void
ioapic_route(int irq, int vector)
{
	uint16_t flags;
	uint32_t gsi = acpi_isa_irq_gsi(irq, &flags);
	uint32_t pin = gsi - acpi_ioapic_gsibase();
	uint32_t lo = (uint32_t)vector;

	if (pin >= ioapic_npins) {
		kprintf("ioapic: irq %d (gsi %u) not on this ioapic\n", irq,
		    gsi);
		return;
	}
	if ((flags & MPS_POLARITY_MASK) == MPS_POLARITY_LOW)
		lo |= REDIR_ACTIVE_LOW;
	if (((flags >> MPS_TRIGGER_SHIFT) & MPS_POLARITY_MASK) ==
	    MPS_TRIGGER_LEVEL)
		lo |= REDIR_LEVEL;
	ioapic_write(IOAPIC_REDTBL + 2 * pin + 1,
	    pc64_bsp.pc_apicid << REDIR_DEST_SHIFT);
	ioapic_write(IOAPIC_REDTBL + 2 * pin, lo);
}
