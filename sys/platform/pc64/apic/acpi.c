/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * acpi.c - the few ACPI tables pc64 reads: RSDP -> XSDT (or RSDT) ->
 * MADT and HPET.
 *
 * The RSDP comes from the multiboot2 tag (GRUB found it, under BIOS or
 * UEFI).  The MADT gives the local APIC address, every processor's APIC
 * id (xAPIC and x2APIC entries, enabled or online-capable), the IOAPIC
 * and the ISA interrupt overrides (IRQ -> GSI, polarity, trigger); the
 * HPET table gives the HPET's address.  Tables are read through the
 * direct map and every checksum is verified; a table that fails is
 * ignored with a message.  Without an MADT the machine runs on cpu 0 with
 * the architectural default addresses.
 *
 * Locking: acpi_init() runs once on the boot cpu; the results are
 * immutable afterwards.
 */

#include <sys/types.h>
#include <sys/systm.h>

#include <machine/pc64.h>

#define SDT_HEADER_BYTES	36
#define RSDP_V1_BYTES		20
#define RSDP_REV_XSDT		2
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_OVERRIDE		2
#define MADT_LAPIC_ADDR		5
#define MADT_X2APIC		9
#define MADT_CPU_ENABLED	0x1
#define MADT_CPU_ONLINE_CAPABLE	0x2
#define DEFAULT_LAPIC_PHYS	0xfee00000UL
#define DEFAULT_IOAPIC_PHYS	0xfec00000UL
#define NISA_IRQS		16
#define HPET_ADDR_OFFSET	44

/* clang-format off */
struct acpi_rsdp {
	char		rsdp_sig[8];
	uint8_t		rsdp_sum;
	char		rsdp_oem[6];
	uint8_t		rsdp_rev;
	uint32_t	rsdp_rsdt;
	uint32_t	rsdp_len;
	uint64_t	rsdp_xsdt;
	uint8_t		rsdp_xsum;
	uint8_t		rsdp_rsvd[3];
} __packed;

struct acpi_sdt {
	char		sdt_sig[4];
	uint32_t	sdt_len;
	uint8_t		sdt_rev;
	uint8_t		sdt_sum;
	char		sdt_oem[6];
	char		sdt_oemtable[8];
	uint32_t	sdt_oemrev;
	uint32_t	sdt_creator;
	uint32_t	sdt_creatorrev;
} __packed;
/* clang-format on */

CTASSERT(sizeof(struct acpi_sdt) == SDT_HEADER_BYTES);

static uint32_t acpi_apicids[ACPI_MAX_CPUS];
static int acpi_ncpu;
static vm_paddr_t acpi_lapic = DEFAULT_LAPIC_PHYS;
static vm_paddr_t acpi_ioapic = DEFAULT_IOAPIC_PHYS;
static uint32_t acpi_ioapic_gsi;
static vm_paddr_t acpi_hpet;
static uint32_t acpi_irq_gsi[NISA_IRQS];
static uint16_t acpi_irq_flags[NISA_IRQS];
static bool acpi_have_madt, acpi_have_ioapic;

static bool
acpi_sum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return (sum == 0);
}

/* The table at pa if it is mapped and its checksum holds, else NULL. */
static const struct acpi_sdt *
acpi_map_sdt(vm_paddr_t pa)
{
	const struct acpi_sdt *sdt = (const struct acpi_sdt *)PHYS_TO_DMAP(pa);

	if (pa == 0 || !pmap_is_mapped((vm_offset_t)sdt) ||
	    !pmap_is_mapped((vm_offset_t)sdt + SDT_HEADER_BYTES - 1))
		return (NULL);
	if (sdt->sdt_len < SDT_HEADER_BYTES ||
	    !pmap_is_mapped((vm_offset_t)sdt + sdt->sdt_len - 1))
		return (NULL);
	if (!acpi_sum_ok(sdt, sdt->sdt_len)) {
		kprintf("acpi: bad checksum in %.4s table\n", sdt->sdt_sig);
		return (NULL);
	}
	return (sdt);
}

static void
acpi_add_cpu(uint32_t apicid, uint32_t flags)
{
	if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)))
		return;
	for (int i = 0; i < acpi_ncpu; i++) {
		if (acpi_apicids[i] == apicid)
			return;
	}
	if (acpi_ncpu < ACPI_MAX_CPUS)
		acpi_apicids[acpi_ncpu++] = apicid;
}

static uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static void
acpi_parse_madt(const struct acpi_sdt *madt)
{
	const uint8_t *p = (const uint8_t *)madt + SDT_HEADER_BYTES + 8;
	const uint8_t *end = (const uint8_t *)madt + madt->sdt_len;

	acpi_lapic = rd32((const uint8_t *)madt + SDT_HEADER_BYTES);
	for (; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		switch (p[0]) {
		case MADT_LAPIC:
			acpi_add_cpu(p[3], rd32(p + 4));
			break;
		case MADT_X2APIC:
			acpi_add_cpu(rd32(p + 4), rd32(p + 8));
			break;
		case MADT_IOAPIC:
			/* One IOAPIC (the one with the ISA IRQs) is enough. */
			if (!acpi_have_ioapic || rd32(p + 8) == 0) {
				acpi_have_ioapic = true;
				acpi_ioapic = rd32(p + 4);
				acpi_ioapic_gsi = rd32(p + 8);
			}
			break;
		case MADT_OVERRIDE:
			if (p[3] < NISA_IRQS) {
				acpi_irq_gsi[p[3]] = rd32(p + 4);
				acpi_irq_flags[p[3]] = (uint16_t)(p[8] |
				    p[9] << 8);
			}
			break;
		case MADT_LAPIC_ADDR:
			acpi_lapic = (vm_paddr_t)rd32(p + 4) |
			    (vm_paddr_t)rd32(p + 8) << 32;
			break;
		default:
			break;
		}
	}
	acpi_have_madt = true;
}

static void
acpi_table(const struct acpi_sdt *sdt)
{
	if (memcmp(sdt->sdt_sig, "APIC", 4) == 0)
		acpi_parse_madt(sdt);
	else if (memcmp(sdt->sdt_sig, "HPET", 4) == 0 &&
	    sdt->sdt_len >= HPET_ADDR_OFFSET + 8)
		memcpy(&acpi_hpet, (const char *)sdt + HPET_ADDR_OFFSET, 8);
}

/* Walk the XSDT (8-byte entries) or the RSDT (4-byte entries). */
static void
acpi_walk_root(const struct acpi_sdt *root, size_t entry_bytes)
{
	const uint8_t *p = (const uint8_t *)root + SDT_HEADER_BYTES;
	const uint8_t *end = (const uint8_t *)root + root->sdt_len;
	const struct acpi_sdt *sdt;

	for (; p + entry_bytes <= end; p += entry_bytes) {
		vm_paddr_t pa = rd32(p);

		if (entry_bytes == 8)
			pa |= (vm_paddr_t)rd32(p + 4) << 32;
		sdt = acpi_map_sdt(pa);
		if (sdt != NULL)
			acpi_table(sdt);
	}
}

void
acpi_init(const void *rsdpv)
{
	const struct acpi_rsdp *rsdp = rsdpv;
	const struct acpi_sdt *root = NULL;

	for (int i = 0; i < NISA_IRQS; i++)
		acpi_irq_gsi[i] = (uint32_t)i;
	if (rsdp == NULL || memcmp(rsdp->rsdp_sig, "RSD PTR ", 8) != 0 ||
	    !acpi_sum_ok(rsdp, RSDP_V1_BYTES)) {
		kprintf("acpi: no valid RSDP from the loader\n");
	} else if (rsdp->rsdp_rev >= RSDP_REV_XSDT && rsdp->rsdp_xsdt != 0 &&
	    (root = acpi_map_sdt(rsdp->rsdp_xsdt)) != NULL) {
		acpi_walk_root(root, 8);
	} else if ((root = acpi_map_sdt(rsdp->rsdp_rsdt)) != NULL) {
		acpi_walk_root(root, 4);
	}
	if (!acpi_have_madt)
		kprintf("acpi: no MADT, running on the boot cpu only\n");
	kprintf("acpi: %d cpus, lapic %jx, ioapic %jx, hpet %jx\n", acpi_ncpu,
	    (uintmax_t)acpi_lapic, (uintmax_t)acpi_ioapic,
	    (uintmax_t)acpi_hpet);
}

int
acpi_ncpus(void)
{
	return (acpi_ncpu);
}

uint32_t
acpi_cpu_apicid(int idx)
{
	return (acpi_apicids[idx]);
}

vm_paddr_t
acpi_lapic_phys(void)
{
	return (acpi_lapic);
}

vm_paddr_t
acpi_ioapic_phys(void)
{
	return (acpi_ioapic);
}

uint32_t
acpi_ioapic_gsibase(void)
{
	return (acpi_ioapic_gsi);
}

uint32_t
acpi_isa_irq_gsi(int irq, uint16_t *flagsp)
{
	*flagsp = acpi_irq_flags[irq];
	return (acpi_irq_gsi[irq]);
}

vm_paddr_t
acpi_hpet_phys(void)
{
	return (acpi_hpet);
}
