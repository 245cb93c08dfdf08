/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * pmap.c - the kernel's page tables.
 *
 * One set of page tables, shared by every cpu (there are no user address
 * spaces yet).  pmap_bootstrap() replaces locore's throw-away tables with:
 *   - the direct map at DMAP_BASE: all of RAM and the low 4 GiB (for the
 *     local APIC, IOAPIC and HPET), in 2 MiB pages, no-execute, with
 *     the non-RAM 2 MiB chunks below 4 GiB uncached;
 *   - the kernel image at KERNBASE in 4 KiB pages: text read-only and
 *     executable, read-only data read-only, data and bss writable, all
 *     but text no-execute; the page under the boot stack is left out (the
 *     boot cpu's stack guard).
 * Nothing maps page 0, so a NULL dereference faults.
 *
 * Page-table pages for the bootstrap come from a bump allocator just past
 * the kernel image; pmap_release_ram() then hands every other usable RAM
 * range (through the direct map) to vm_page_startup().  Page-table pages
 * for splitting a 2 MiB direct-map page (to place a stack guard) come from
 * a pool stolen at boot, one page per 2 MiB of RAM up to
 * PMAP_PTPOOL_MAX_PAGES, so creating threads does not change what the page
 * allocator has free; past the pool they come from kmem_alloc() and stay
 * page tables for good.
 *
 * Guard pages: pmap_set_guard() clears the present bit of one 4 KiB
 * direct-map page and marks it PG_GUARD (a bit the cpu ignores in a
 * non-present entry), so trap.c can tell a stack overflow from any other
 * fault.
 *
 * Cross-cpu invalidation (shootdown): each cpu's TLB may hold the old
 * translation of a page that has just become a guard, either as a 4 KiB
 * entry or as the whole 2 MiB page it was split from, and would then run
 * a thread over the guard without a fault.  So after editing the entry,
 * pmap_set_guard() flushes va here and then, by an IPI message to every
 * other cpu in smp_active_mask (lwkt_send_ipiq3), on all of them, and
 * returns only when each has run it (lwkt_wait_ipiq).  A one-way message, not a
 * cpusync: the targets flush and go on instead of being held spinning
 * until the master releases them, which on an emulated 64-cpu machine
 * creating threads in a loop made the difference between seconds and
 * minutes.  invlpg(va) drops every TLB entry that covers va, a 2 MiB one
 * included, and the paging-structure caches; the rest of a split page
 * keeps its frames, so 4 KiB pieces of the old large page that a cpu
 * may still hold stay right.  Early boot (only the boot cpu in
 * smp_active_mask, or none yet, no IPI queues), a single cpu and a panic
 * (the other cpus are stopped and would never answer) need no IPI: the
 * local flush is all there is to do.  XXX: so do machines with more than
 * pmap_shootdown_max_cpus (64) cpus, for now: a shootdown per new thread
 * to 255 emulated cpus made the 256-cpu TCG boot's thread-creation test
 * take minutes instead of seconds (one IPI message per target, or one
 * broadcast, alike), so there the old local-only flush remains until
 * guarded stacks are cached instead of re-guarded for every thread.
 * A waiter that has waited a second says so on the console, once
 * (lwkt_wait_ipiq).  A cpu that is still
 * starting (not yet in smp_active_mask) is skipped.  XXX: such a cpu may
 * already have cached translations (its stack and globaldata), and a
 * guard set elsewhere over such a page stays overrunnable on it until
 * the entry is evicted.  That matters only if a thread whose stack has
 * that guard later runs there; today the only guards set in that window
 * belong to the starting cpus' own threads (idle stack, softclock), each
 * pinned to its cpu.  A full TLB flush on each AP right after it joins
 * smp_active_mask (kern_main.c/mp.c) would close the window for good.
 *
 * Clearing a guard needs no shootdown: the cpu never caches a
 * non-present entry, so no cpu can hold a translation of a guard page,
 * and making it present again only adds one.  cpu.c clears a thread's
 * guard in cpu_thread_free(), called from lwkt_free_thread() by the next
 * thread on the dead thread's own cpu, after that thread has switched
 * away for good; the stack then goes back to kmem_free().  No other cpu
 * runs on that stack, and whoever reuses the page as a guard later sets
 * it with a shootdown again, so a stack freed and reused is never
 * reached through a stale translation.
 *
 * Locking: bootstrap runs on the boot cpu alone.  pmap_set_guard() takes
 * pmap_spin (interrupts off) only to split and edit entries and for the
 * local invlpg; it drops the spinlock and restores interrupts *before*
 * the shootdown.  Waiting for other cpus with pmap_spin held and interrupts
 * off could deadlock: a target spinning for pmap_spin with its own
 * interrupts off would never take the IPI.  Order: pmap_spin (never held
 * across a wait) -> IPI and wait for each to run.  While waiting, the master
 * runs its own incoming IPIs, so two cpus setting guards at once both
 * finish, and so does a cpusync (lwkt_ipiq.c) that holds this cpu or a
 * target: its handler runs incoming IPIs while it spins.
 * The edit is visible to every cpu before the IPI is sent (the spinlock
 * release and the FIFO's release-store order it), so a target either
 * reloads the new entry after its invlpg or already faults.  Because of
 * the wait, setting a guard must come from thread context (a critical
 * section is fine), never from an interrupt or IPI handler or with a
 * spinlock held; clearing one waits for no other cpu (but, like setting,
 * may allocate a page-table page).
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/errno.h>
#include <sys/cpu_md.h>
#include <sys/cpumask.h>
#include <sys/globaldata.h>
#include <sys/thread.h>
#include <vm/vm_page.h>
#include <cpu/atomic.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

#define PG_V		0x001ULL
#define PG_RW		0x002ULL
#define PG_PWT		0x008ULL
#define PG_PCD		0x010ULL
#define PG_PS		0x080ULL
#define PG_G		0x100ULL
#define PG_GUARD	0x200ULL	/* software: a stack guard page */
#define PG_NX		0x8000000000000000ULL
#define PG_FRAME	0x000ffffffffff000ULL
#define NPTE		512
#define PML4_SHIFT	39
#define PDPT_SHIFT	30
#define PD_SHIFT	21
#define PT_SHIFT	12
#define PTE_INDEX_MASK	(NPTE - 1)
#define LARGE_PAGE_BYTES (1ULL << PD_SHIFT)
#define GIB		(1ULL << PDPT_SHIFT)
#define LOW_MMIO_TOP	(4 * GIB)
#define CPUID_EXT_FEATURES	0x80000001U
#define CPUID_EXT_NX	(1U << 20)
#define PMAP_PTPOOL_MAX_PAGES	1024	/* guards in up to 2 GiB of RAM */
#define PMAP_SHOOTDOWN_MAX_CPUS	64	/* XXX: see the top of the file */

static uint64_t *kernel_pml4;
static vm_paddr_t pmap_steal_next, pmap_steal_start;
static uint64_t pmap_nx;
static volatile u_int pmap_spin;
static vm_paddr_t pmap_ptpool_next, pmap_ptpool_end;	/* [pmap_spin] */
/*
 * Test hooks (pmap_guard_test.c): the "pmap guard-remote noshootdown"
 * command sets pmap_shootdown_enabled false around one pmap_set_guard();
 * a guard set elsewhere meanwhile skips its shootdown too.
 */
volatile bool pmap_shootdown_enabled = true;
/* Above this many cpus, no shootdown (XXX: see the top of the file). */
const int pmap_shootdown_max_cpus = PMAP_SHOOTDOWN_MAX_CPUS;
/* Per cpu: remote flushes it has run for pmap_set_guard(). [a] */
volatile u_long pmap_shootdowns_done[MAXCPU];

static int
pmap_index(vm_offset_t va, int shift)
{
	return ((int)((va >> shift) & PTE_INDEX_MASK));
}

/* A zeroed page for the bootstrap tables, from just past the kernel. */
static uint64_t *
pmap_steal_page(vm_paddr_t *pap)
{
	vm_paddr_t pa = pmap_steal_next;
	uint64_t *va = (uint64_t *)(KERNBASE + pa);

	/* locore's tables map the first GiB at KERNBASE. */
	if (pa + PAGE_SIZE > GIB)
		panic("pmap: bootstrap page tables past the first GiB");
	pmap_steal_next += PAGE_SIZE;
	memset(va, 0, PAGE_SIZE);
	*pap = pa;
	return (va);
}

/* Find or make the next-level table under entry *e (bootstrap only). */
static uint64_t *
pmap_boot_next(uint64_t *e)
{
	vm_paddr_t pa;

	if (*e & PG_V)
		return ((uint64_t *)(KERNBASE + (*e & PG_FRAME)));
	pmap_steal_page(&pa);
	*e = pa | PG_V | PG_RW;
	return ((uint64_t *)(KERNBASE + pa));
}

static bool
pmap_phys_is_ram(vm_paddr_t start, vm_paddr_t end)
{
	const struct mb_range *r;
	int n = mb_ram_ranges(&r);

	for (int i = 0; i < n; i++) {
		if (start < r[i].mr_end && end > r[i].mr_start)
			return (true);
	}
	return (false);
}

static void
pmap_build_dmap(vm_paddr_t top)
{
	for (vm_paddr_t pa = 0; pa < top; pa += LARGE_PAGE_BYTES) {
		vm_offset_t va = PHYS_TO_DMAP(pa);
		uint64_t *pdpt, *pd, flags = PG_V | PG_RW | PG_PS | PG_G;

		pdpt = pmap_boot_next(&kernel_pml4[pmap_index(va, PML4_SHIFT)]);
		pd = pmap_boot_next(&pdpt[pmap_index(va, PDPT_SHIFT)]);
		if (!pmap_phys_is_ram(pa, pa + LARGE_PAGE_BYTES))
			flags |= PG_PCD | PG_PWT;
		pd[pmap_index(va, PD_SHIFT)] = pa | flags | pmap_nx;
	}
}

/* Map the kernel image [KERN_LOAD_PHYS, _end) with 4 KiB pages. */
static void
pmap_build_kernel(void)
{
	vm_offset_t va;

	for (va = KERNBASE + KERN_LOAD_PHYS; va < (vm_offset_t)_end;
	    va += PAGE_SIZE) {
		uint64_t *pdpt, *pd, *pt, flags = PG_V | PG_G;

		pdpt = pmap_boot_next(&kernel_pml4[pmap_index(va, PML4_SHIFT)]);
		pd = pmap_boot_next(&pdpt[pmap_index(va, PDPT_SHIFT)]);
		pt = pmap_boot_next(&pd[pmap_index(va, PD_SHIFT)]);
		if (va >= (vm_offset_t)__text_end)
			flags |= pmap_nx;
		if (va >= (vm_offset_t)__rodata_end)
			flags |= PG_RW;
		if (va == (vm_offset_t)boot_stack_guard)
			flags = PG_GUARD;
		pt[pmap_index(va, PT_SHIFT)] = KVA_TO_PHYS(va) | flags;
	}
}

/*
 * pmap_bootstrap - build and load the kernel page tables.
 * Context: boot cpu, after mb_parse(), before anything is allocated.
 */
void
pmap_bootstrap(void)
{
	const struct mb_range *r;
	int n = mb_ram_ranges(&r);
	vm_paddr_t top = LOW_MMIO_TOP, pa;
	uint32_t regs[4];

	if (n == 0)
		panic("pc64: no usable memory map");
	if (r[n - 1].mr_end > top)
		top = roundup2(r[n - 1].mr_end, LARGE_PAGE_BYTES);
	cpuid_count(CPUID_EXT_FEATURES, 0, regs);
	if (regs[3] & CPUID_EXT_NX) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		pmap_nx = PG_NX;
	}
	pmap_steal_start = pmap_steal_next = KVA_TO_PHYS(_end);
	kernel_pml4 = pmap_steal_page(&pa);
	pmap_build_dmap(top);
	pmap_build_kernel();
	pmap_ptpool_next = pmap_steal_next;
	for (int i = 0; i < n; i++)
		pmap_steal_next += (r[i].mr_end - r[i].mr_start) /
		    LARGE_PAGE_BYTES * PAGE_SIZE;
	pmap_steal_next = MIN(pmap_steal_next + PAGE_SIZE,
	    pmap_ptpool_next + PMAP_PTPOOL_MAX_PAGES * PAGE_SIZE);
	pmap_ptpool_end = pmap_steal_next;
	lcr4(rcr4() | CR4_PGE);
	lcr0(rcr0() | CR0_WP);
	lcr3(pa);
	kernel_pml4 = (uint64_t *)PHYS_TO_DMAP(pa);
}

vm_paddr_t
pmap_kernel_cr3(void)
{
	return (DMAP_TO_PHYS(kernel_pml4));
}

/*
 * pmap_release_ram - give the page allocator every usable page except
 * low memory (BIOS data, the AP trampoline) and the kernel image with its
 * bootstrap page tables.
 */
void
pmap_release_ram(void)
{
	const struct mb_range *r;
	int n = mb_ram_ranges(&r);

	for (int i = 0; i < n; i++) {
		vm_paddr_t start = MAX(r[i].mr_start, LOW_MEMORY_BYTES);
		vm_paddr_t end = r[i].mr_end;

		if (start < pmap_steal_next && end > KERN_LOAD_PHYS) {
			/* Split around the kernel and its page tables. */
			if (start < KERN_LOAD_PHYS)
				vm_page_startup(PHYS_TO_DMAP(start),
				    KERN_LOAD_PHYS - start);
			start = pmap_steal_next;
		}
		if (end > start)
			vm_page_startup(PHYS_TO_DMAP(start), end - start);
	}
}

/* The entry mapping va at the lowest level, and that level's shift. */
static uint64_t *
pmap_walk(vm_offset_t va, int *shiftp)
{
	static const int shifts[] = { PML4_SHIFT, PDPT_SHIFT, PD_SHIFT,
		PT_SHIFT };
	uint64_t *table = kernel_pml4, *e = NULL;

	for (u_int l = 0; l < nitems(shifts); l++) {
		e = &table[pmap_index(va, shifts[l])];
		*shiftp = shifts[l];
		if (!(*e & PG_V) || (*e & PG_PS) || shifts[l] == PT_SHIFT)
			return (e);
		table = (uint64_t *)PHYS_TO_DMAP(*e & PG_FRAME);
	}
	return (e);
}

bool
pmap_is_mapped(vm_offset_t va)
{
	int shift;

	return ((*pmap_walk(va, &shift) & PG_V) != 0);
}

bool
pmap_is_guard(vm_offset_t va)
{
	int shift;
	uint64_t e = *pmap_walk(va, &shift);

	return (shift == PT_SHIFT && !(e & PG_V) && (e & PG_GUARD));
}

vm_offset_t
pmap_mapdev(vm_paddr_t pa, vm_size_t bytes)
{
	vm_offset_t va = PHYS_TO_DMAP(pa);

	if (!pmap_is_mapped(va) || !pmap_is_mapped(va + bytes - 1))
		panic("pmap: device memory %jx not in the direct map",
		    (uintmax_t)pa);
	return (va);
}

/* Replace the 2 MiB page under *pde with a table of 4 KiB pages. */
static void
pmap_split_large(uint64_t *pde, uint64_t *pt)
{
	uint64_t base = *pde & ~PG_PS;

	for (int i = 0; i < NPTE; i++)
		pt[i] = base + ((uint64_t)i << PT_SHIFT);
	*pde = DMAP_TO_PHYS(pt) | PG_V | PG_RW;
}

/* IPI handler: drop this cpu's translations of one page. */
static void
pmap_shootdown_remote(void *arg, int unused __unused,
    struct intrframe *frame __unused)
{
	invlpg((vm_offset_t)arg);
	atomic_add_long(&pmap_shootdowns_done[mycpuid], 1);
}

/*
 * Flush va on every other running cpu and wait until all have done it:
 * one IPI message each, then lwkt_wait_ipiq() on each, which runs our own
 * incoming IPIs meanwhile (two cpus shooting at each other both make
 * progress) and warns once after a second.
 * Context: thread, no spinlock held, not in an interrupt handler.
 */
static void
pmap_shootdown(vm_offset_t va)
{
	int seq[PMAP_SHOOTDOWN_MAX_CPUS];
	int me = mycpuid;

	/* After a panic the other cpus are stopped and run nothing. */
	if (panicstr != NULL || ncpus > PMAP_SHOOTDOWN_MAX_CPUS)
		return;
	for (int i = 0; i < ncpus; i++) {
		seq[i] = 0;
		if (i != me && ATOMIC_CPUMASK_TESTBIT(smp_active_mask, i))
			seq[i] = lwkt_send_ipiq3(globaldata_find(i),
			    pmap_shootdown_remote, (void *)va, 0);
	}
	for (int i = 0; i < ncpus; i++)
		lwkt_wait_ipiq(globaldata_find(i), seq[i]);
}

/*
 * pmap_set_guard - make the direct-map page at va a guard page (guard
 * true) or an ordinary one again.  Returns 0, EINVAL if va is not a
 * page-aligned direct-map address, or ENOMEM.
 * When a guard is set, no cpu can reach va through an old translation
 * once this returns (shootdown: see the top of the file).
 * Context: thread, no spinlock held (may allocate a page-table page;
 * waits for the other cpus when setting a guard).
 */
int
pmap_set_guard(vm_offset_t va, bool guard)
{
	uint64_t *e, *pt = NULL;
	u_long s;
	int shift;

	if (va < DMAP_BASE || va >= KERNBASE || (va & PAGE_MASK) != 0)
		return (EINVAL);
	if (atomic_load_relaxed(&pmap_ptpool_next) >= pmap_ptpool_end &&
	    (pt = kmem_alloc(PAGE_SIZE, M_WAITOK)) == NULL)
		return (ENOMEM);
	s = cpu_intr_disable();
	while (!atomic_cmpset_int(&pmap_spin, 0, 1))
		cpu_pause();
	e = pmap_walk(va, &shift);
	if (shift == PD_SHIFT && (*e & PG_PS)) {
		if (pmap_ptpool_next < pmap_ptpool_end) {
			pmap_split_large(e,
			    (uint64_t *)PHYS_TO_DMAP(pmap_ptpool_next));
			pmap_ptpool_next += PAGE_SIZE;
		} else if (pt != NULL) {
			pmap_split_large(e, pt);
			pt = NULL;
		} else {
			/* The pool ran dry since we looked: try again. */
			atomic_store_rel_int(&pmap_spin, 0);
			cpu_intr_restore(s);
			return (pmap_set_guard(va, guard));
		}
		e = pmap_walk(va, &shift);
	}
	if (guard)
		*e = (*e & ~PG_V) | PG_GUARD;
	else
		*e = (*e & ~PG_GUARD) | PG_V;
	invlpg(va);
	atomic_store_rel_int(&pmap_spin, 0);
	cpu_intr_restore(s);
	/* Not under pmap_spin: see Locking above. */
	if (guard && pmap_shootdown_enabled)
		pmap_shootdown(va);
	if (pt != NULL)
		kmem_free(pt, PAGE_SIZE);
	return (0);
}
