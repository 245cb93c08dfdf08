/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * vm_page.c - the page allocator: kernel memory in power-of-two blocks.
 *
 * The platform hands each RAM range to vm_page_startup() as kernel-virtual
 * addresses.  Each range becomes a segment; the first pages of the range
 * hold one struct vm_page per remaining page.  kmem_alloc() is a binary
 * buddy allocator over page frame numbers (address >> PAGE_SHIFT): a
 * block of order k is 2^k pages whose first frame number is a multiple of
 * 2^k, so every block is naturally aligned in the kernel's address space
 * whatever the alignment of the range it came from.  A block's buddy is
 * the frame number with bit k flipped; freeing merges a block with its
 * buddy while the buddy is a free block of the same order inside the
 * same segment.
 *
 * Page states: the first page of a block (its head) is VM_PAGE_FREE (and
 * on vm_freelist[order]) or VM_PAGE_ALLOC; every other page is
 * VM_PAGE_INNER.  kmem_free() therefore recognises exactly the pointers
 * kmem_alloc() returned, with their size: a double free, a wrong size, a
 * pointer into the middle of a block or outside RAM panics naming the
 * pointer.  Free lists link the struct vm_pages, never the free memory,
 * so a stray write into freed memory cannot corrupt the allocator.
 *
 * Owner tags: an allocated head also carries pg_tag and pg_owner, set by
 * whoever owns the block (the slab allocator marks its zones and its
 * large allocations, so that kfree() can classify any pointer without a
 * lock).  kmem_free() refuses a block whose tag is not VM_KMEM_TAG_NONE.
 *
 * Invariants: free bytes = sum of free blocks; no two free buddies of the
 * same order coexist (they are merged); segments never change after boot.
 *
 * Locking: one spinlock (vm_page_spin) protects the free lists and every
 * pg_state/pg_order; the fields are written with relaxed atomic stores so
 * that the lock-free readers (vm_page_kmem_tag) see whole values.  The
 * allocator never blocks, so it works before threads run (the platform
 * sets up cpu 0's globaldata, which spin_lock needs, before calling
 * vm_page_startup), in critical sections and in IPI handlers.  pg_tag is
 * changed only by compare-and-swap.
 *
 * Under AddressSanitizer a freed block is poisoned (slab_poison, in
 * sys/sys/slaballoc.h) and unpoisoned when it is handed out again.
 *
 * More: docs/design/slab.md (the page allocator is its lower half).
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/queue.h>
#include <sys/malloc.h>
#include <sys/spinlock.h>
#include <sys/slaballoc.h>
#include <vm/vm_page.h>
#include <cpu/atomic.h>

#define VM_MAXSEGS	16		/* RAM ranges the platform may pass */
#define VM_NORDERS	40		/* orders 0 .. 39: up to 2 PiB */

#define VM_PAGE_INNER	0		/* not the head of a block */
#define VM_PAGE_FREE	1		/* head of a free block */
#define VM_PAGE_ALLOC	2		/* head of an allocated block */

/*
 * One per page of RAM.  Locking legend: [s] vm_page_spin (written with
 * relaxed atomic stores), [a] compare-and-swap / atomic loads.
 */
/* clang-format off */
struct vm_page {
	TAILQ_ENTRY(vm_page)	 pg_list;	/* [s] vm_freelist[pg_order] */
	void			*pg_owner;	/* [a] the tag owner's pointer */
	volatile u_int		 pg_tag;	/* [a] VM_KMEM_TAG_* of owner */
	uint8_t			 pg_state;	/* [s] VM_PAGE_* */
	uint8_t			 pg_order;	/* [s] block order (heads) */
};

struct vm_segment {
	vm_offset_t		 seg_start;	/* [I] first usable byte */
	vm_offset_t		 seg_end;	/* [I] one past the last */
	uint64_t		 seg_spfn;	/* [I] seg_start >> PAGE_SHIFT */
	struct vm_page		*seg_pages;	/* [I] one per page */
};
/* clang-format on */

TAILQ_HEAD(vm_pagelist, vm_page);

static struct spinlock vm_page_spin = SPINLOCK_INITIALIZER(vm_page_spin);
static struct vm_pagelist vm_freelist[VM_NORDERS];	/* [s] */
static struct vm_segment vm_segs[VM_MAXSEGS];		/* [I] */
static int vm_nsegs;					/* [I] */
static vm_size_t vm_free_bytes;				/* [s] */
static vm_size_t vm_total_bytes;			/* [I] */

/* Order of the smallest block holding bytes (bytes > 0). */
static u_int
vm_bytes_to_order(vm_size_t bytes)
{
	vm_size_t pages = howmany(bytes, PAGE_SIZE);
	u_int order = 0;

	while (((vm_size_t)1 << order) < pages)
		order++;
	return (order);
}

static vm_size_t
vm_order_bytes(u_int order)
{
	return ((vm_size_t)PAGE_SIZE << order);
}

/* The segment holding address va, or NULL. */
static struct vm_segment *
vm_seg_lookup(vm_offset_t va)
{
	for (int i = 0; i < vm_nsegs; i++) {
		struct vm_segment *seg = &vm_segs[i];

		if (va >= seg->seg_start && va < seg->seg_end)
			return (seg);
	}
	return (NULL);
}

/* The segment whose page array holds pg. */
static struct vm_segment *
vm_seg_of_page(struct vm_page *pg)
{
	for (int i = 0; i < vm_nsegs; i++) {
		struct vm_segment *seg = &vm_segs[i];
		size_t npages = (seg->seg_end - seg->seg_start) >> PAGE_SHIFT;

		if (pg >= seg->seg_pages && pg < seg->seg_pages + npages)
			return (seg);
	}
	panic("vm: page structure %p outside every segment", pg);
}

static vm_offset_t
vm_page_to_va(struct vm_segment *seg, struct vm_page *pg)
{
	return (seg->seg_start + ((vm_offset_t)(pg - seg->seg_pages) <<
	    PAGE_SHIFT));
}

static struct vm_page *
vm_va_to_page(struct vm_segment *seg, vm_offset_t va)
{
	return (&seg->seg_pages[(va - seg->seg_start) >> PAGE_SHIFT]);
}

static void
vm_page_set_state(struct vm_page *pg, u_int state, u_int order)
{
	atomic_store_relaxed(&pg->pg_state, (uint8_t)state);
	atomic_store_relaxed(&pg->pg_order, (uint8_t)order);
}

/* Put a free block on its list.  Locking: vm_page_spin held. */
static void
vm_block_insert_free(struct vm_page *pg, u_int order)
{
	vm_page_set_state(pg, VM_PAGE_FREE, order);
	TAILQ_INSERT_HEAD(&vm_freelist[order], pg, pg_list);
}

static void
vm_block_remove_free(struct vm_page *pg)
{
	TAILQ_REMOVE(&vm_freelist[pg->pg_order], pg, pg_list);
	vm_page_set_state(pg, VM_PAGE_INNER, 0);
}

/*
 * vm_page_startup - add the RAM range [base, base + bytes) to the
 * allocator.  The range's first pages become its page structures.
 * Context: boot, cpu 0, before any other cpu runs.
 */
void
vm_page_startup(vm_offset_t base, vm_size_t bytes)
{
	vm_offset_t start = roundup2(base, PAGE_SIZE);
	vm_offset_t end = rounddown2(base + bytes, PAGE_SIZE);
	struct vm_segment *seg;
	size_t npages, meta_pages;
	uint64_t pfn, epfn;

	if (end <= start || (end - start) >> PAGE_SHIFT < 2)
		return;
	if (vm_nsegs == VM_MAXSEGS) {
		kprintf("vm: more than %d RAM ranges, ignoring %#jx..%#jx\n",
		    VM_MAXSEGS, (uintmax_t)start, (uintmax_t)end);
		return;
	}
	if (vm_nsegs == 0) {
		for (int i = 0; i < VM_NORDERS; i++)
			TAILQ_INIT(&vm_freelist[i]);
	}
	npages = (end - start) >> PAGE_SHIFT;
	meta_pages = howmany(npages * sizeof(struct vm_page),
	    PAGE_SIZE + sizeof(struct vm_page));
	seg = &vm_segs[vm_nsegs];
	seg->seg_pages = (struct vm_page *)start;
	seg->seg_start = start + (meta_pages << PAGE_SHIFT);
	seg->seg_end = end;
	seg->seg_spfn = seg->seg_start >> PAGE_SHIFT;
	npages -= meta_pages;
	memset(seg->seg_pages, 0, npages * sizeof(struct vm_page));
	vm_nsegs++;

	spin_lock(&vm_page_spin);
	pfn = seg->seg_spfn;
	epfn = pfn + npages;
	while (pfn < epfn) {
		u_int order = 0;

		while (order + 1 < VM_NORDERS &&
		    (pfn & ((1ULL << (order + 1)) - 1)) == 0 &&
		    pfn + (1ULL << (order + 1)) <= epfn)
			order++;
		vm_block_insert_free(&seg->seg_pages[pfn - seg->seg_spfn],
		    order);
		pfn += 1ULL << order;
	}
	vm_total_bytes += npages << PAGE_SHIFT;
	atomic_store_relaxed(&vm_free_bytes,
	    vm_free_bytes + (npages << PAGE_SHIFT));
	spin_unlock(&vm_page_spin);
}

/*
 * Take a free block of exactly this order, splitting a larger one if
 * needed.  Returns its head, or NULL.  Locking: vm_page_spin held.
 */
static struct vm_page *
vm_block_alloc(u_int order)
{
	struct vm_page *pg;
	u_int o;

	for (o = order; o < VM_NORDERS; o++) {
		if (!TAILQ_EMPTY(&vm_freelist[o]))
			break;
	}
	if (o == VM_NORDERS)
		return (NULL);
	pg = TAILQ_FIRST(&vm_freelist[o]);
	vm_block_remove_free(pg);
	while (o > order) {
		o--;
		/* The upper half of the block becomes a free buddy. */
		vm_block_insert_free(pg + ((size_t)1 << o), o);
	}
	vm_page_set_state(pg, VM_PAGE_ALLOC, order);
	return (pg);
}

/*
 * kmem_alloc - allocate bytes of kernel memory, rounded up to a
 * power-of-two number of pages and aligned to that size.
 *
 * M_ZERO zeroes the block.  With no block free: M_NOWAIT or M_NULLOK
 * returns NULL, otherwise (M_WAITOK) the kernel panics: there is no
 * pageout to wait for.
 * Context: any, including critical sections and IPI handlers; never
 * blocks.  Locking: takes vm_page_spin.
 */
void *
kmem_alloc(vm_size_t bytes, int flags)
{
	struct vm_page *pg = NULL;
	vm_offset_t va;
	u_int order = 0;

	if (bytes == 0)
		panic("vm: kmem_alloc of zero bytes");
	if (bytes <= vm_total_bytes) {
		order = vm_bytes_to_order(bytes);
		spin_lock(&vm_page_spin);
		pg = vm_block_alloc(order);
		if (pg != NULL) {
			atomic_store_relaxed(&vm_free_bytes,
			    vm_free_bytes - vm_order_bytes(order));
		}
		spin_unlock(&vm_page_spin);
	}
	if (pg == NULL) {
		if (flags & (M_NOWAIT | M_NULLOK))
			return (NULL);
		panic("vm: out of memory allocating %ju bytes",
		    (uintmax_t)bytes);
	}
	atomic_store_relaxed(&pg->pg_owner, NULL);
	atomic_store_rel_int(&pg->pg_tag, VM_KMEM_TAG_NONE);
	va = vm_page_to_va(vm_seg_of_page(pg), pg);
	slab_unpoison((void *)va, vm_order_bytes(order));
	if (flags & M_ZERO)
		memset((void *)va, 0, vm_order_bytes(order));
	return ((void *)va);
}

/*
 * The head page of the allocated block that starts at va, or NULL if va
 * is not the start of an allocated block.  Lock-free.
 */
static struct vm_page *
vm_alloc_head(vm_offset_t va, struct vm_segment **segp)
{
	struct vm_segment *seg;
	struct vm_page *pg;

	if ((va & PAGE_MASK) != 0 || (seg = vm_seg_lookup(va)) == NULL)
		return (NULL);
	pg = vm_va_to_page(seg, va);
	if (atomic_load_relaxed(&pg->pg_state) != VM_PAGE_ALLOC)
		return (NULL);
	*segp = seg;
	return (pg);
}

/*
 * kmem_free - give back a block from kmem_alloc; bytes must be the size
 * that was asked for (any size that rounds to the same block).
 * Panics, naming the pointer, if ptr/bytes is not an allocated block.
 * Context: any; never blocks.  Locking: takes vm_page_spin.
 */
void
kmem_free(void *ptr, vm_size_t bytes)
{
	vm_offset_t va = (vm_offset_t)ptr;
	struct vm_segment *seg;
	struct vm_page *pg, *buddy;
	uint64_t pfn, bpfn;
	u_int order;

	if (bytes == 0 || bytes > vm_total_bytes)
		panic("vm: kmem_free(%p, %ju): bad size", ptr,
		    (uintmax_t)bytes);
	order = vm_bytes_to_order(bytes);
	spin_lock(&vm_page_spin);
	pg = vm_alloc_head(va, &seg);
	if (pg == NULL || pg->pg_order != order ||
	    atomic_load_relaxed(&pg->pg_tag) != VM_KMEM_TAG_NONE) {
		spin_unlock(&vm_page_spin);
		panic("vm: kmem_free(%p, %ju): not an allocated block of "
		    "that size (double free, wrong size or bad pointer)",
		    ptr, (uintmax_t)bytes);
	}
	atomic_store_relaxed(&vm_free_bytes,
	    vm_free_bytes + vm_order_bytes(order));
	slab_poison(ptr, vm_order_bytes(order));  /* before anyone reuses it */
	pfn = va >> PAGE_SHIFT;
	while (order + 1 < VM_NORDERS) {
		bpfn = pfn ^ (1ULL << order);
		if (bpfn < seg->seg_spfn ||
		    (bpfn << PAGE_SHIFT) >= seg->seg_end)
			break;
		buddy = &seg->seg_pages[bpfn - seg->seg_spfn];
		if (buddy->pg_state != VM_PAGE_FREE ||
		    buddy->pg_order != order)
			break;
		vm_block_remove_free(buddy);
		if (bpfn < pfn) {
			vm_page_set_state(pg, VM_PAGE_INNER, 0);
			pg = buddy;
			pfn = bpfn;
		}
		order++;
	}
	vm_block_insert_free(pg, order);
	spin_unlock(&vm_page_spin);
}

/*
 * vm_page_kmem_tag - the owner tag of the allocated block starting at
 * ptr, or VM_KMEM_NOT_A_BLOCK.  Also returns the block's size and its
 * owner pointer when bytesp/ownerp are not NULL.
 * Context: any.  Locking: none (the caller owns the block, or is checking
 * a pointer it was handed and accepts a stale answer for a bad one).
 */
u_int
vm_page_kmem_tag(const void *ptr, vm_size_t *bytesp, void **ownerp)
{
	struct vm_segment *seg;
	struct vm_page *pg;
	u_int tag;

	pg = vm_alloc_head((vm_offset_t)ptr, &seg);
	if (pg == NULL)
		return (VM_KMEM_NOT_A_BLOCK);
	tag = atomic_load_acq_int(&pg->pg_tag);
	if (bytesp != NULL)
		*bytesp = vm_order_bytes(atomic_load_relaxed(&pg->pg_order));
	if (ownerp != NULL)
		*ownerp = atomic_load_relaxed(&pg->pg_owner);
	return (tag);
}

/*
 * vm_page_kmem_settag - change the owner tag of the allocated block at
 * ptr from otag to ntag and set its owner pointer.  Returns false if ptr
 * is not an allocated block or its tag was not otag (someone else got
 * there first: a racing double free).
 * Context: any.  Locking: compare-and-swap on pg_tag.
 */
bool
vm_page_kmem_settag(void *ptr, u_int otag, u_int ntag, void *owner)
{
	struct vm_segment *seg;
	struct vm_page *pg;

	pg = vm_alloc_head((vm_offset_t)ptr, &seg);
	if (pg == NULL)
		return (false);
	if (ntag == VM_KMEM_TAG_NONE) {
		/* Clearing: claim the block first, then drop the owner. */
		if (!atomic_cmpset_int(&pg->pg_tag, otag, ntag))
			return (false);
		atomic_store_relaxed(&pg->pg_owner, owner);
		return (true);
	}
	if (atomic_load_relaxed(&pg->pg_tag) != otag)
		return (false);
	atomic_store_relaxed(&pg->pg_owner, owner);
	return (atomic_cmpset_int(&pg->pg_tag, otag, ntag));
}

vm_size_t
vm_page_free_bytes(void)
{
	return (atomic_load_relaxed(&vm_free_bytes));
}

vm_size_t
vm_page_total_bytes(void)
{
	return (vm_total_bytes);
}
