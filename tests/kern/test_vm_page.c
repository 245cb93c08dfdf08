/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * test_vm_page.c - kernel tests of the page allocator (sys/vm/vm_page.c):
 * power-of-two rounding and natural alignment, M_ZERO, M_NULLOK/M_NOWAIT
 * failures, owner tags, exhausting memory and merging it back into the
 * big blocks it came from, and every cpu allocating and freeing at once.
 * Each test checks that vm_page_free_bytes() ends where it started.
 * The panics of kmem_free (double free, wrong size) are tested from the
 * host by tests/suites/slab-panics.sh.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/slaballoc.h>
#include <sys/ktest.h>
#include <vm/vm_page.h>
#include <cpu/atomic.h>

#define VMT_MAX_PAGES		64
#define VMT_FILL		0xa5
#define VMT_EXHAUST_ORDER	4	/* 64 KiB blocks */
#define VMT_STRESS_OPS		20000
#define VMT_STRESS_SLOTS	32
#define VMT_STRESS_MAX_PAGES	16
#define VMT_TAG			0x7465u
#define VMT_SETTLE_TRIES	100

/*
 * Wait until the free count is back to (at least) start: threads are
 * freed lazily, and other code may free what it had before the test.
 */
static bool
vmt_settled(vm_size_t start)
{
	for (int i = 0; i < VMT_SETTLE_TRIES; i++) {
		slab_reclaim();
		if (vm_page_free_bytes() >= start)
			return (true);
		tsleep(&start, 0, "vmtset", 1);
	}
	return (false);
}

/* Let exited threads be freed and zones go back, before a measurement. */
static void
vmt_quiesce(void)
{
	static int ident;

	slab_reclaim();
	tsleep(&ident, 0, "vmtq", 2);
	slab_reclaim();
}

static vm_size_t
vmt_block_bytes(vm_size_t bytes)
{
	vm_size_t b = PAGE_SIZE;

	while (b < bytes)
		b <<= 1;
	return (b);
}

KTEST(vm_page_sizes_are_rounded_and_aligned)
{
	vm_size_t start = vm_page_free_bytes();
	vm_size_t sizes[] = { 1, PAGE_SIZE - 1, PAGE_SIZE, PAGE_SIZE + 1,
	    3 * PAGE_SIZE, 5 * PAGE_SIZE + 17, 16 * PAGE_SIZE,
	    VMT_MAX_PAGES * PAGE_SIZE - 1 };

	for (size_t i = 0; i < nitems(sizes); i++) {
		vm_size_t block = vmt_block_bytes(sizes[i]), bytes;
		char *p = kmem_alloc(sizes[i], M_WAITOK);

		KT_ASSERT(p != NULL);
		KT_EXPECT(((uintptr_t)p & (block - 1)) == 0);
		KT_EXPECT(vm_page_free_bytes() <= start - block);
		KT_EXPECT(vm_page_kmem_tag(p, &bytes, NULL) ==
		    VM_KMEM_TAG_NONE);
		KT_EXPECT(bytes == block);
		/* Interior pages are not blocks. */
		if (block > PAGE_SIZE)
			KT_EXPECT(vm_page_kmem_tag(p + PAGE_SIZE, NULL,
			    NULL) == VM_KMEM_NOT_A_BLOCK);
		memset(p, VMT_FILL, block);	/* all of it is ours */
		kmem_free(p, sizes[i]);
		KT_EXPECT(vm_page_kmem_tag(p, NULL, NULL) ==
		    VM_KMEM_NOT_A_BLOCK);
	}
	KT_EXPECT(vmt_settled(start));
	KT_EXPECT(vm_page_total_bytes() >= start);
}

KTEST(vm_page_zero_flag)
{
	const vm_size_t bytes = 8 * PAGE_SIZE;
	unsigned char *p;
	bool zero = true;

	/* Dirty a block, free it, and ask for zeroed blocks until we get
	 * it back (the buddy allocator hands the same block out again). */
	p = kmem_alloc(bytes, M_WAITOK);
	memset(p, VMT_FILL, bytes);
	kmem_free(p, bytes);
	p = kmem_alloc(bytes, M_WAITOK | M_ZERO);
	for (vm_size_t i = 0; i < bytes; i++) {
		if (p[i] != 0)
			zero = false;
	}
	KT_EXPECT(zero);
	kmem_free(p, bytes);
}

KTEST(vm_page_failures_return_null)
{
	vm_size_t start = vm_page_free_bytes();
	vm_size_t total = vm_page_total_bytes();

	KT_EXPECT(kmem_alloc(total + PAGE_SIZE, M_NULLOK) == NULL);
	KT_EXPECT(kmem_alloc(total + PAGE_SIZE, M_NOWAIT) == NULL);
	KT_EXPECT(kmem_alloc(total, M_NOWAIT) == NULL); /* metadata */
	KT_EXPECT(kmem_alloc((vm_size_t)-1, M_NULLOK) == NULL);
	KT_EXPECT(vmt_settled(start));
}

KTEST(vm_page_owner_tags)
{
	int owner;
	void *got;
	vm_size_t bytes;
	char *p = kmem_alloc(2 * PAGE_SIZE, M_WAITOK);

	KT_EXPECT(vm_page_kmem_settag(p, VM_KMEM_TAG_NONE, VMT_TAG, &owner));
	KT_EXPECT(vm_page_kmem_tag(p, &bytes, &got) == VMT_TAG);
	KT_EXPECT(got == &owner && bytes == 2 * PAGE_SIZE);
	/* Wrong expected tag, interior page, non-block: refused. */
	KT_EXPECT(!vm_page_kmem_settag(p, VM_KMEM_TAG_NONE, 1, NULL));
	KT_EXPECT(!vm_page_kmem_settag(p + PAGE_SIZE, VM_KMEM_TAG_NONE, 1,
	    NULL));
	KT_EXPECT(vm_page_kmem_tag(p + 1, NULL, NULL) == VM_KMEM_NOT_A_BLOCK);
	KT_EXPECT(vm_page_kmem_tag(&owner, NULL, NULL) ==
	    VM_KMEM_NOT_A_BLOCK);
	/* Clearing claims the block exactly once. */
	KT_EXPECT(vm_page_kmem_settag(p, VMT_TAG, VM_KMEM_TAG_NONE, NULL));
	KT_EXPECT(!vm_page_kmem_settag(p, VMT_TAG, VM_KMEM_TAG_NONE, NULL));
	kmem_free(p, 2 * PAGE_SIZE);
}

/* Largest block that can be allocated right now (order). */
static int
vmt_largest_order(void)
{
	for (int order = 40; order >= 0; order--) {
		void *p;

		if (((vm_size_t)PAGE_SIZE << order) > vm_page_total_bytes())
			continue;
		p = kmem_alloc((vm_size_t)PAGE_SIZE << order, M_NOWAIT);
		if (p != NULL) {
			kmem_free(p, (vm_size_t)PAGE_SIZE << order);
			return (order);
		}
	}
	return (-1);
}

/*
 * Take every 64 KiB block there is (chained through their first word),
 * then every page, then give all back: the free count and the largest
 * block must come back, which they only do if freed buddies merge.
 */
KTEST(vm_page_exhaust_and_merge)
{
	const vm_size_t big = PAGE_SIZE << VMT_EXHAUST_ORDER;
	vm_size_t start, taken, nbig = 0, nsmall = 0;
	void **head = NULL, **p;
	int order;

	vmt_quiesce();
	start = vm_page_free_bytes();
	order = vmt_largest_order();
	KT_ASSERT(order >= VMT_EXHAUST_ORDER);
	while ((p = kmem_alloc(big, M_NOWAIT)) != NULL) {
		*p = head;
		head = p;
		nbig++;
	}
	while ((p = kmem_alloc(PAGE_SIZE, M_NOWAIT)) != NULL) {
		*p = head;
		head = p;
		nsmall++;
	}
	taken = nbig * big + nsmall * PAGE_SIZE;
	/* Nothing else allocates now; an exiting thread may free. */
	KT_EXPECT(vm_page_free_bytes() == 0);
	KT_EXPECT(taken >= start);
	KT_EXPECT(kmem_alloc(PAGE_SIZE, M_NULLOK) == NULL);
	while (head != NULL) {
		p = head;
		head = *p;
		kmem_free(p, nsmall > 0 ? PAGE_SIZE : big);
		if (nsmall > 0)
			nsmall--;
	}
	KT_EXPECT(vm_page_free_bytes() >= taken);
	KT_EXPECT(vmt_largest_order() >= order);
}

/*
 * Every cpu allocates and frees blocks of 1..16 pages in random order,
 * each block stamped with its address and checked before it is freed.
 */
struct vmt_stress {
	struct ktest_join	*vs_join;
	int			 vs_cpu;
};

static void
vmt_stress_thread(void *arg)
{
	struct vmt_stress *vs = arg;
	void *slot[VMT_STRESS_SLOTS] = { NULL };
	vm_size_t size[VMT_STRESS_SLOTS] = { 0 };
	uint64_t rnd = 0x9e3779b97f4a7c15ULL * (uint64_t)(vs->vs_cpu + 1);

	for (int op = 0; op < VMT_STRESS_OPS; op++) {
		int j;

		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		j = (int)(rnd % VMT_STRESS_SLOTS);
		if (slot[j] != NULL) {
			uintptr_t *w = slot[j];

			KT_EXPECT(w[0] == (uintptr_t)slot[j]);
			KT_EXPECT(w[size[j] / sizeof(*w) - 1] ==
			    ~(uintptr_t)slot[j]);
			kmem_free(slot[j], size[j]);
			slot[j] = NULL;
		} else {
			uintptr_t *w;

			size[j] = PAGE_SIZE * (1 + (rnd >> 32) %
			    VMT_STRESS_MAX_PAGES);
			w = slot[j] = kmem_alloc(size[j], M_WAITOK);
			w[0] = (uintptr_t)w;
			w[size[j] / sizeof(*w) - 1] = ~(uintptr_t)w;
		}
	}
	for (int j = 0; j < VMT_STRESS_SLOTS; j++) {
		if (slot[j] != NULL)
			kmem_free(slot[j], size[j]);
	}
	ktest_join_done(vs->vs_join);
}

KTEST(vm_page_every_cpu_at_once)
{
	static struct vmt_stress args[MAXCPU];
	struct ktest_join join;
	vm_size_t start;

	slab_reclaim();
	start = vm_page_free_bytes();
	ktest_join_init(&join, ncpus);
	for (int i = 0; i < ncpus; i++) {
		args[i] = (struct vmt_stress){ &join, i };
		lwkt_create(vmt_stress_thread, &args[i], NULL, 0, i,
		    "vmt_stress_%d", i);
	}
	ktest_join_wait(&join);
	KT_EXPECT(vmt_settled(start));
}
