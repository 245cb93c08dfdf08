/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * test_slab.c - kernel tests of kmalloc (sys/kern/kern_slaballoc.c).
 *
 * Every size class (chunk size, alignment, M_ZERO, usable size), large
 * blocks, krealloc growing and shrinking, kstrdup, type limits with
 * M_NULLOK/M_NOWAIT, statistics returning to zero, frees on another cpu,
 * and a stress test in which every cpu allocates random sizes and hands
 * half of them to the next cpu to check and free.  Each test ends with
 * its malloc type's statistics at zero and, after slab_reclaim(), the
 * page allocator's free count where it started.  The panics (double
 * free, foreign pointer, wrong type, zero size) are tested from the host
 * by tests/suites/slab-panics.sh through the monitor's "kmalloc fault".
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/slaballoc.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/ktest.h>
#include <vm/vm_page.h>
#include <cpu/atomic.h>
#include <cpu/cpufunc.h>

#define ST_FILL			0x5a
#define ST_LIMIT_BYTES		(64 * 1024)
#define ST_LIMIT_CHUNK		1024
#define ST_POW2_COUNT		64
#define ST_REMOTE_COUNT		4096
#define ST_SETTLE_TRIES		100
#define ST_STRESS_TOTAL_OPS	1000000
#define ST_STRESS_SLOTS		64
#define ST_RING_SLOTS		1024	/* power of 2 */
#define ST_DRAIN_EVERY_OPS	16	/* power of 2 */
#define ST_MIN_HANDED		1000
#define ST_PATTERN_BYTES	64
#define ST_LARGE_MAX_BYTES	(64 * 1024)
#define ST_MEDIUM_MAX_BYTES	4096
#define ST_SMALL_MAX_BYTES	256

MALLOC_DEFINE(M_KTEST_SLAB, "ktest_slab", "kmalloc tests");

MALLOC_DEFINE_LIMIT(M_KTEST_LIMIT, "ktest_limit", "kmalloc limit test",
    ST_LIMIT_BYTES);

static bool
st_stats_zero(struct malloc_type *type)
{
	return (kmalloc_type_memuse(type) == 0 &&
	    kmalloc_type_inuse(type) == 0);
}

/*
 * Zones back to kmem and the free count back to (at least) start: exited
 * threads are freed lazily, and memory that other code allocated before
 * the test may be freed during it, but a leak of ours leaves it below.
 */
static bool
st_settled(vm_size_t start)
{
	for (int i = 0; i < ST_SETTLE_TRIES; i++) {
		slab_reclaim();
		if (vm_page_free_bytes() >= start)
			return (true);
		tsleep(&start, 0, "stset", 1);
	}
	kprintf("ktest:   free bytes %ju, expected %ju\n",
	    (uintmax_t)vm_page_free_bytes(), (uintmax_t)start);
	return (false);
}

static vm_size_t
st_start(void)
{
	static int ident;

	slab_reclaim();
	tsleep(&ident, 0, "ststart", 1);
	slab_reclaim();
	return (vm_page_free_bytes());
}

static bool
st_all_bytes(const void *p, int c, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != (unsigned char)c)
			return (false);
	}
	return (true);
}

/* Largest power of two dividing n, capped at PAGE_SIZE. */
static size_t
st_natural_align(size_t n)
{
	return (MIN(n & -n, PAGE_SIZE));
}

/*
 * Every request size below the zone limit: the usable size is the class
 * chunk (at least the request, less than a step more), the pointer is
 * aligned to the chunk's power-of-two factor, M_ZERO zeroes a chunk that
 * was just dirtied, and the statistics count the chunk.
 */
KTEST(slab_every_size_class)
{
	vm_size_t start = st_start();
	uint64_t calls = kmalloc_type_calls(M_KTEST_SLAB);
	size_t size, n = 0;

	for (size = 1; size < slab_zone_limit; size++) {
		unsigned char *p = kmalloc(size, M_KTEST_SLAB, M_WAITOK);
		size_t us = kmalloc_usable_size(p), step;

		KT_ASSERT(p != NULL);
		step = size <= 128 ? 8 : (size_t)1 << (63 -
		    __builtin_clzl(size - 1) - 3);
		KT_EXPECT(us >= size && us < size + step);
		KT_EXPECT(((uintptr_t)p & (st_natural_align(us) - 1)) == 0);
		KT_EXPECT(kmalloc_type_memuse(M_KTEST_SLAB) == (int64_t)us);
		KT_EXPECT(kmalloc_type_inuse(M_KTEST_SLAB) == 1);
		memset(p, ST_FILL, us);
		kfree(p, M_KTEST_SLAB);
		/* Full zero check on a sample: it is slow under TSan. */
		if (size <= 512 || size % 61 == 0 || powerof2(size)) {
			p = kmalloc(size, M_KTEST_SLAB, M_WAITOK | M_ZERO);
			KT_EXPECT(st_all_bytes(p, 0, us));
			kfree(p, M_KTEST_SLAB);
			n++;
		}
		n++;
	}
	KT_EXPECT(kmalloc_type_calls(M_KTEST_SLAB) == calls + n);
	KT_EXPECT(st_stats_zero(M_KTEST_SLAB));
	KT_EXPECT(st_settled(start));
}

/* Powers of two up to PAGE_SIZE are aligned to their size, many at once. */
KTEST(slab_pow2_natural_alignment)
{
	vm_size_t start = st_start();
	void **ptrs = kmalloc(ST_POW2_COUNT * sizeof(void *), M_KTEST_SLAB,
	    M_WAITOK | M_ZERO);

	for (size_t size = 8; size <= PAGE_SIZE; size <<= 1) {
		for (int i = 0; i < ST_POW2_COUNT; i++) {
			ptrs[i] = kmalloc(size, M_KTEST_SLAB, M_WAITOK);
			KT_EXPECT(((uintptr_t)ptrs[i] & (size - 1)) == 0);
			KT_EXPECT(kmalloc_usable_size(ptrs[i]) == size);
		}
		/* Distinct and not overlapping. */
		for (int i = 0; i < ST_POW2_COUNT; i++)
			memset(ptrs[i], i, size);
		for (int i = 0; i < ST_POW2_COUNT; i++) {
			KT_EXPECT(st_all_bytes(ptrs[i], i, size));
			kfree(ptrs[i], M_KTEST_SLAB);
		}
	}
	kfree(ptrs, M_KTEST_SLAB);
	KT_EXPECT(st_stats_zero(M_KTEST_SLAB));
	KT_EXPECT(st_settled(start));
}

/* Requests at and above the zone limit come from whole kmem blocks. */
KTEST(slab_large_blocks)
{
	vm_size_t start = st_start();
	size_t sizes[] = { slab_zone_limit, slab_zone_limit + 1,
	    100 * 1024, 1024 * 1024, 4 * 1024 * 1024 + 1 };

	for (size_t i = 0; i < nitems(sizes); i++) {
		size_t block = PAGE_SIZE;
		unsigned char *p;

		while (block < sizes[i])
			block <<= 1;
		p = kmalloc(sizes[i], M_KTEST_SLAB, M_WAITOK | M_ZERO);
		KT_ASSERT(p != NULL);
		KT_EXPECT(((uintptr_t)p & (block - 1)) == 0);
		KT_EXPECT(kmalloc_usable_size(p) == block);
		KT_EXPECT(kmalloc_type_memuse(M_KTEST_SLAB) ==
		    (int64_t)block);
		KT_EXPECT(p[0] == 0 && p[sizes[i] - 1] == 0 &&
		    p[block / 2] == 0);
		memset(p, ST_FILL, block);
		kfree(p, M_KTEST_SLAB);
	}
	KT_EXPECT(st_stats_zero(M_KTEST_SLAB));
	KT_EXPECT(st_settled(start));
}

/* krealloc keeps the contents while growing to a large block and back. */
KTEST(slab_krealloc_grow_and_shrink)
{
	vm_size_t start = st_start();
	size_t size = 1, prev = 1;
	unsigned char *p, *q;

	p = krealloc(NULL, 1, M_KTEST_SLAB, M_WAITOK);
	KT_ASSERT(p != NULL);
	p[0] = 0;
	while (size < 3 * slab_zone_limit) {
		prev = size;
		size = size * 3 / 2 + 1;
		q = krealloc(p, size, M_KTEST_SLAB, M_WAITOK);
		KT_ASSERT(q != NULL);
		for (size_t i = 0; i < prev; i++) {
			if (q[i] != (unsigned char)i) {
				KT_EXPECT(q[i] == (unsigned char)i);
				break;
			}
		}
		for (size_t i = prev; i < size; i++)
			q[i] = (unsigned char)i;
		p = q;
	}
	/* Same chunk size: the same pointer comes back. */
	q = krealloc(p, kmalloc_usable_size(p), M_KTEST_SLAB, M_WAITOK);
	KT_EXPECT(q == p);
	while (size > 1) {
		size /= 3;
		size++;
		q = krealloc(p, size, M_KTEST_SLAB, M_WAITOK);
		KT_ASSERT(q != NULL);
		KT_EXPECT(kmalloc_usable_size(q) >= size);
		for (size_t i = 0; i < size; i++) {
			if (q[i] != (unsigned char)i) {
				KT_EXPECT(q[i] == (unsigned char)i);
				break;
			}
		}
		p = q;
		if (size == 2)
			break;
	}
	q = kmalloc(8, M_KTEST_SLAB, M_WAITOK);
	KT_EXPECT(krealloc(q, 4, M_KTEST_SLAB, M_WAITOK) == q);
	KT_EXPECT(krealloc(q, 0, M_KTEST_SLAB, M_WAITOK) == NULL);
	kfree(p, M_KTEST_SLAB);
	KT_EXPECT(st_stats_zero(M_KTEST_SLAB));
	KT_EXPECT(st_settled(start));
}

KTEST(slab_kstrdup)
{
	const char *s = "the slab allocator";
	char *d = kstrdup(s, M_KTEST_SLAB);

	KT_ASSERT(d != NULL && d != s);
	KT_EXPECT(strcmp(d, s) == 0);
	KT_EXPECT(kmalloc_usable_size(d) >= strlen(s) + 1);
	kfree(d, M_KTEST_SLAB);
	d = kstrdup("", M_KTEST_SLAB);
	KT_EXPECT(d[0] == '\0');
	kfree(d, M_KTEST_SLAB);
	kfree(NULL, M_KTEST_SLAB);	/* does nothing */
	KT_EXPECT(kmalloc_usable_size(NULL) == 0);
	KT_EXPECT(st_stats_zero(M_KTEST_SLAB));
}

/*
 * A type with a 64 KiB limit: M_NULLOK and M_NOWAIT requests past the
 * limit return NULL, small and large, and succeed again after frees.
 */
KTEST(slab_type_limit)
{
	vm_size_t start = st_start();
	void **ptrs;
	int n = 0, max = ST_LIMIT_BYTES / ST_LIMIT_CHUNK + 1;

	ptrs = kmalloc((size_t)max * sizeof(void *), M_KTEST_SLAB,
	    M_WAITOK | M_ZERO);
	while (n < max && (ptrs[n] = kmalloc(ST_LIMIT_CHUNK, M_KTEST_LIMIT,
	    M_WAITOK | M_NULLOK)) != NULL)
		n++;
	KT_EXPECT(n == ST_LIMIT_BYTES / ST_LIMIT_CHUNK);
	KT_EXPECT(kmalloc_type_memuse(M_KTEST_LIMIT) <= ST_LIMIT_BYTES);
	KT_EXPECT(kmalloc(ST_LIMIT_CHUNK, M_KTEST_LIMIT, M_NOWAIT) == NULL);
	KT_EXPECT(kmalloc(8, M_KTEST_LIMIT, M_NULLOK) == NULL);
	KT_ASSERT(n > 0);
	kfree(ptrs[--n], M_KTEST_LIMIT);
	/* Room for one chunk, not for two. */
	KT_EXPECT(kmalloc(2 * ST_LIMIT_CHUNK, M_KTEST_LIMIT, M_NULLOK) ==
	    NULL);
	ptrs[n] = kmalloc(ST_LIMIT_CHUNK, M_KTEST_LIMIT, M_NOWAIT);
	KT_EXPECT(ptrs[n] != NULL);
	if (ptrs[n] != NULL)
		n++;
	while (n > 0)
		kfree(ptrs[--n], M_KTEST_LIMIT);
	KT_EXPECT(kmalloc(ST_LIMIT_BYTES + PAGE_SIZE, M_KTEST_LIMIT,
	    M_NULLOK) == NULL);
	ptrs[0] = kmalloc(ST_LIMIT_BYTES, M_KTEST_LIMIT, M_WAITOK);
	KT_EXPECT(ptrs[0] != NULL);
	kfree(ptrs[0], M_KTEST_LIMIT);
	kfree(ptrs, M_KTEST_SLAB);
	KT_EXPECT(st_stats_zero(M_KTEST_LIMIT));
	KT_EXPECT(st_stats_zero(M_KTEST_SLAB));
	KT_EXPECT(st_settled(start));
}

/*
 * A type that is not in the kmalloc_types linker set (made at run time)
 * is registered on first use and counted like any other.
 */
static struct malloc_type st_late_type[1] = { {
	.ks_shortdesc = "ktest_late",
	.ks_longdesc = "registered on first use",
	.ks_magic = M_MAGIC,
} };

KTEST(slab_type_registered_on_first_use)
{
	void *p = kmalloc(100, st_late_type, M_WAITOK);
	u_int id = st_late_type->ks_id;

	KT_EXPECT(id != 0);
	KT_EXPECT(kmalloc_type_byid(id) == st_late_type);
	KT_EXPECT(kmalloc_type_inuse(st_late_type) == 1);
	KT_EXPECT(kmalloc_type_limit(st_late_type) > 0);
	kfree(p, st_late_type);
	KT_EXPECT(st_late_type->ks_id == id);
	KT_EXPECT(st_stats_zero(st_late_type));
	KT_EXPECT(kmalloc_type_calls(st_late_type) >= 1);
}

/* More than there is memory: NULL with M_NULLOK or M_NOWAIT. */
KTEST(slab_larger_than_memory)
{
	vm_size_t start = st_start();
	size_t huge = (size_t)vm_page_total_bytes() * 2;

	KT_EXPECT(kmalloc(huge, M_KTEST_SLAB, M_WAITOK | M_NULLOK) == NULL);
	KT_EXPECT(kmalloc(huge, M_KTEST_SLAB, M_NOWAIT) == NULL);
	KT_EXPECT(kmalloc((size_t)-1, M_KTEST_SLAB, M_NOWAIT) == NULL);
	KT_EXPECT(krealloc(NULL, huge, M_KTEST_SLAB, M_NULLOK) == NULL);
	KT_EXPECT(st_stats_zero(M_KTEST_SLAB));
	KT_EXPECT(st_settled(start));
}

/*
 * Chunks allocated on this cpu are freed by a thread on another cpu:
 * the statistics add up to zero and the zones come back.
 */
struct st_remote {
	struct ktest_join	*sr_join;
	void			**sr_ptrs;
	int			 sr_count;
};

static void
st_remote_free_thread(void *arg)
{
	struct st_remote *sr = arg;

	for (int i = 0; i < sr->sr_count; i++) {
		size_t size = kmalloc_usable_size(sr->sr_ptrs[i]);

		KT_EXPECT(st_all_bytes(sr->sr_ptrs[i], i & 0xff, size));
		kfree(sr->sr_ptrs[i], M_KTEST_SLAB);
	}
	ktest_join_done(sr->sr_join);
}

KTEST_CPUS(slab_free_on_other_cpu, 2)
{
	vm_size_t start = st_start();
	struct ktest_join join;
	struct st_remote sr;
	void **ptrs;

	ptrs = kmalloc(ST_REMOTE_COUNT * sizeof(void *), M_KTEST_SLAB,
	    M_WAITOK);
	for (int i = 0; i < ST_REMOTE_COUNT; i++) {
		size_t size = (size_t)(i % 300) + 1;

		if (i % 512 == 0)
			size = slab_zone_limit + (size_t)i; /* large */
		ptrs[i] = kmalloc(size, M_KTEST_SLAB, M_WAITOK);
		memset(ptrs[i], i & 0xff, kmalloc_usable_size(ptrs[i]));
	}
	sr = (struct st_remote){ &join, ptrs, ST_REMOTE_COUNT };
	ktest_join_init(&join, 1);
	lwkt_create(st_remote_free_thread, &sr, NULL, 0,
	    (mycpuid + 1) % ncpus, "st_remote");
	ktest_join_wait(&join);
	kfree(ptrs, M_KTEST_SLAB);
	KT_EXPECT(st_stats_zero(M_KTEST_SLAB));
	KT_EXPECT(st_settled(start));
}

/*
 * Zones whose chunks all came back through remote frees are found again
 * by their owner: allocating the same amount once more takes no new zone
 * from kmem.
 */
KTEST_CPUS(slab_remote_frees_are_reused, 2)
{
	vm_size_t start = st_start();
	struct slab_globaldata *sl;
	struct ktest_join join;
	struct st_remote sr;
	uint64_t zones;
	void **ptrs;
	int n, cpu;

	crit_enter();	/* stay on this cpu while reading its counters */
	cpu = mycpuid;
	crit_exit();
	sl = &globaldata_find(cpu)->gd_slab;
	n = (int)(3 * slab_zone_bytes / ST_PATTERN_BYTES);
	ptrs = kmalloc((size_t)n * sizeof(void *), M_KTEST_SLAB, M_WAITOK);
	for (int i = 0; i < n; i++) {
		ptrs[i] = kmalloc(ST_PATTERN_BYTES, M_KTEST_SLAB, M_WAITOK);
		memset(ptrs[i], i & 0xff, ST_PATTERN_BYTES);
	}
	sr = (struct st_remote){ &join, ptrs, n };
	ktest_join_init(&join, 1);
	lwkt_create(st_remote_free_thread, &sr, NULL, 0, (cpu + 1) % ncpus,
	    "st_remote");
	ktest_join_wait(&join);
	KT_EXPECT(mycpuid == cpu);
	zones = atomic_load_relaxed(&sl->sl_zone_allocs);
	for (int i = 0; i < n; i++)
		ptrs[i] = kmalloc(ST_PATTERN_BYTES, M_KTEST_SLAB, M_WAITOK);
	KT_EXPECT(atomic_load_relaxed(&sl->sl_zone_allocs) == zones);
	for (int i = 0; i < n; i++)
		kfree(ptrs[i], M_KTEST_SLAB);
	kfree(ptrs, M_KTEST_SLAB);
	KT_EXPECT(st_stats_zero(M_KTEST_SLAB));
	KT_EXPECT(st_settled(start));
}

/*
 * Stress: a thread on every cpu makes ~1M/ncpus allocations of random
 * sizes (mostly small, some page-sized, a few large), stamps each with a
 * pattern derived from its address and size, keeps up to 64 alive, and
 * frees them itself or hands them, through a single-producer ring, to
 * the thread on the next cpu, which checks the pattern and frees them.
 */
struct st_ring {
	void *volatile	sr_slot[ST_RING_SLOTS];
	volatile u_int	sr_head __cachealign;	/* producer */
	volatile u_int	sr_tail __cachealign;	/* consumer */
};

struct st_stress {
	struct ktest_join	*ss_join;
	struct st_ring		*ss_in;		/* from the previous cpu */
	struct st_ring		*ss_out;	/* to the next cpu */
	volatile u_int		*ss_done;	/* producers finished */
	volatile u_int		*ss_ready;	/* threads started */
	int			 ss_cpu;
	int			 ss_ops;
	uint64_t		 ss_allocs;	/* out: kmallocs made */
	uint64_t		 ss_handed;	/* out: given to next cpu */
};

static uint64_t
st_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return (x);
}

static size_t
st_rand_size(uint64_t *state)
{
	uint64_t r = st_rand(state);
	u_int pick = (u_int)(r % 100);

	r >>= 8;
	if (pick < 75)
		return (1 + r % ST_SMALL_MAX_BYTES);
	if (pick < 98)
		return (1 + r % ST_MEDIUM_MAX_BYTES);
	return (1 + r % ST_LARGE_MAX_BYTES);
}

/* The pattern: a header word, bytes up to 64, and the last byte. */
static void
st_stamp(void *p, size_t size)
{
	unsigned char *b = p;
	unsigned char v = (unsigned char)(((uintptr_t)p >> 4) ^ size);
	size_t n = MIN(size - 1, ST_PATTERN_BYTES);

	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(v + i);
	b[size - 1] = v;
}

static bool
st_check(void *p, size_t size)
{
	unsigned char *b = p;
	unsigned char v = (unsigned char)(((uintptr_t)p >> 4) ^ size);
	size_t n = MIN(size - 1, ST_PATTERN_BYTES);

	for (size_t i = 0; i < n; i++) {
		if (b[i] != (unsigned char)(v + i))
			return (false);
	}
	return (b[size - 1] == v);
}

/* Sizes travel with the pointer: the low bits of a chunk are free. */
struct st_item {
	void	*si_ptr;
	size_t	 si_size;
};

static bool
st_ring_put(struct st_ring *r, void *p)
{
	u_int head = r->sr_head;

	if (head - atomic_load_acq_int(&r->sr_tail) == ST_RING_SLOTS)
		return (false);
	atomic_store_relaxed(&r->sr_slot[head & (ST_RING_SLOTS - 1)], p);
	atomic_store_rel_int(&r->sr_head, head + 1);
	return (true);
}

static void *
st_ring_get(struct st_ring *r)
{
	u_int tail = r->sr_tail;
	void *p;

	if (tail == atomic_load_acq_int(&r->sr_head))
		return (NULL);
	p = atomic_load_relaxed(&r->sr_slot[tail & (ST_RING_SLOTS - 1)]);
	atomic_store_rel_int(&r->sr_tail, tail + 1);
	return (p);
}

/* Check and free what the previous cpu handed us; returns how many. */
static int
st_drain(struct st_ring *r)
{
	struct st_item *it;
	int n = 0;

	while ((it = st_ring_get(r)) != NULL) {
		KT_EXPECT(st_check(it->si_ptr, it->si_size));
		kfree(it->si_ptr, M_KTEST_SLAB);
		kfree(it, M_KTEST_SLAB);
		n++;
	}
	return (n);
}

static void
st_release(struct st_stress *ss, struct st_item *it, uint64_t r)
{
	if ((r & 1) && st_ring_put(ss->ss_out, it)) {
		ss->ss_handed++;
		return;
	}
	KT_EXPECT(st_check(it->si_ptr, it->si_size));
	kfree(it->si_ptr, M_KTEST_SLAB);
	kfree(it, M_KTEST_SLAB);
}

static void
st_stress_thread(void *arg)
{
	struct st_stress *ss = arg;
	struct st_item *slot[ST_STRESS_SLOTS] = { NULL };
	uint64_t rnd = 0x2545f4914f6cdd1dULL * (uint64_t)(ss->ss_cpu + 1);

	/* Start together, so that every ring has a live consumer. */
	atomic_add_int(ss->ss_ready, 1);
	while (atomic_load_acq_int(ss->ss_ready) != (u_int)ncpus)
		cpu_pause();
	for (int op = 0; op < ss->ss_ops; op++) {
		uint64_t r = st_rand(&rnd);
		int j = (int)(r % ST_STRESS_SLOTS);
		struct st_item *it;

		if (slot[j] != NULL)
			st_release(ss, slot[j], r >> 32);
		it = kmalloc(sizeof(*it), M_KTEST_SLAB, M_WAITOK);
		it->si_size = st_rand_size(&rnd);
		it->si_ptr = kmalloc(it->si_size, M_KTEST_SLAB, M_WAITOK);
		st_stamp(it->si_ptr, it->si_size);
		slot[j] = it;
		ss->ss_allocs += 2;
		if ((op & (ST_DRAIN_EVERY_OPS - 1)) == 0)
			st_drain(ss->ss_in);
	}
	for (int j = 0; j < ST_STRESS_SLOTS; j++) {
		if (slot[j] != NULL)
			st_release(ss, slot[j], 0);
	}
	atomic_add_int(ss->ss_done, 1);
	/* Free what the previous cpu sends until every producer is done. */
	for (;;) {
		bool all = atomic_load_acq_int(ss->ss_done) == (u_int)ncpus;

		if (st_drain(ss->ss_in) == 0 && all)
			break;
		if (!all)
			tsleep(ss, 0, "stdrain", 1);
	}
	ktest_join_done(ss->ss_join);
}

KTEST(slab_stress_cross_cpu)
{
	static struct st_stress args[MAXCPU];
	struct st_ring *rings;
	struct ktest_join join;
	volatile u_int done = 0, ready = 0;
	uint64_t allocs = 0, handed = 0, calls;
	vm_size_t start = st_start();

	rings = kmalloc(sizeof(*rings) * (size_t)ncpus, M_TEMP,
	    M_WAITOK | M_ZERO);
	calls = kmalloc_type_calls(M_KTEST_SLAB);
	ktest_join_init(&join, ncpus);
	for (int i = 0; i < ncpus; i++) {
		args[i] = (struct st_stress){
			.ss_join = &join,
			.ss_in = &rings[i],
			.ss_out = &rings[(i + 1) % ncpus],
			.ss_done = &done,
			.ss_ready = &ready,
			.ss_cpu = i,
			.ss_ops = ST_STRESS_TOTAL_OPS / 2 / ncpus,
		};
	}
	for (int i = 0; i < ncpus; i++)
		lwkt_create(st_stress_thread, &args[i], NULL, 0, i,
		    "st_stress_%d", i);
	ktest_join_wait(&join);
	for (int i = 0; i < ncpus; i++) {
		allocs += args[i].ss_allocs;
		handed += args[i].ss_handed;
	}
	kprintf("ktest:   %ju allocations, %ju freed on the next cpu\n",
	    (uintmax_t)allocs, (uintmax_t)handed);
	KT_EXPECT(ncpus == 1 || handed >= ST_MIN_HANDED);
	KT_EXPECT(kmalloc_type_calls(M_KTEST_SLAB) == calls + allocs);
	KT_EXPECT(st_stats_zero(M_KTEST_SLAB));
	kfree(rings, M_TEMP);
	KT_EXPECT(st_settled(start));
}
