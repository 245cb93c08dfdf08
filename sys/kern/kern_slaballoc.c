/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * kern_slaballoc.c - the kernel memory allocator: kmalloc/kfree over
 * per-cpu slab zones.
 *
 * Model.  A zone is a block of slab_zone_bytes (32-128 KiB, a power of
 * two, naturally aligned, from kmem_alloc) owned by one cpu and cut into
 * chunks of one size class (72 classes: 8-byte steps up to 128 bytes,
 * then 8 classes per power of two up to 16 KiB; see slab_zoneindex).  It
 * starts with a header: owner, class, counts, the local free list, the
 * remote free list and one 16-bit tag per chunk.  A zone is on exactly
 * one of its owner's lists: sl_zones[class] (has free chunks),
 * sl_fullzones[class] (none) or sl_freezones (wholly free, cached for
 * reuse by any class).  Requests of slab_zone_limit bytes or more go
 * straight to kmem_alloc ("large" blocks).  The page allocator's owner
 * tags say which blocks are zones (SLAB_TAG_ZONE) and which are large
 * allocations (SLAB_TAG_LARGE, with the malloc type as owner), so kfree
 * classifies any pointer without a lock and without a size.
 *
 * Chunk tags.  z_tags[i] is 0 while chunk i is free and the malloc type's
 * id (ks_id, 1..) while allocated.  kfree swaps the tag to 0 atomically:
 * seeing 0 means a double free, another id means the wrong type; a
 * pointer that is not a chunk boundary of a zone, nor the start of a
 * large block, is not ours.  Each of these panics naming the pointer and
 * the type.  Power-of-two chunk sizes are naturally aligned up to
 * PAGE_SIZE (the first chunk is placed so).
 *
 * Remote frees.  A chunk freed on a cpu that does not own its zone is
 * pushed onto the zone's z_rchunks list with a compare-and-swap; the
 * freeing cpu touches nothing of the zone after that push.  The owner
 * takes the whole list with one atomic swap when a zone runs out of
 * local free chunks, when a size class runs dry (it then scans that
 * class's full zones before taking a new one, if a remote freer flagged
 * the class in the owner's sl_rpending bitmask when it made some zone's
 * remote list non-empty) and in slab_reclaim().  No IPI is
 * needed: a remote free costs one tag swap and one CAS, and because a
 * zone is only released when every chunk is back on its owner's lists,
 * a remote freer can never touch a released zone.  (DragonFly adds a
 * passive IPI so that a zone the owner took off its lists comes back
 * sooner; our owner finds such zones when it next needs a zone.)
 *
 * Statistics.  Each malloc type has per-cpu counters (ks_stats[cpu]),
 * written only by that cpu in a critical section with relaxed atomic
 * stores, so readers sum them lock-free; a cpu that frees another cpu's
 * chunk charges its own slot (only the sum means anything).  For the
 * limit check each cpu folds its memuse changes into the type's shared
 * ks_loosememuse in steps of SLAB_LOOSE_BATCH_BYTES; the exact sum is
 * computed only when the rough one comes near the limit.
 *
 * Invariants: a zone is on the class list iff z_nfree > 0 (or it is on
 * sl_freezones); z_nfree counts chunks on z_lchunks plus never-used ones,
 * not those on z_rchunks; a zone with z_nfree == z_nmax has nothing on
 * z_rchunks and no remote free in flight.
 *
 * Under AddressSanitizer a free chunk is poisoned except for its free
 * list link (its first word), so a use after free is reported.
 *
 * Locking: the owning cpu's critical section for everything in struct
 * slab_globaldata and the zone's [c] fields; atomics for z_rchunks,
 * z_tags and the statistics; the page allocator's spinlock inside
 * kmem_alloc/kmem_free.  Nothing here blocks, so kmalloc works in any
 * context (M_WAITOK never waits: with no memory it panics).
 *
 * More: docs/design/slab.md, docs/performance/slab.md.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/queue.h>
#include <sys/malloc.h>
#include <sys/slaballoc.h>
#include <sys/spinlock.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <vm/vm_page.h>
#include <cpu/atomic.h>

#define SLAB_ZONE_MIN_BYTES	(32 * 1024)
#define SLAB_ZONE_MAX_BYTES	(128 * 1024)
#define SLAB_ZONE_RAM_SHIFT	10	/* zone = RAM / 1024, clamped */
#define SLAB_ZONE_LIMIT_MAX	(16 * 1024)
#define SLAB_SMALL_MAX_BYTES	128	/* end of the 8-byte classes */
#define SLAB_SMALL_SHIFT	3
#define SLAB_SMALL_CLASSES	16
#define SLAB_CLASSES_PER_POW2	8
#define SLAB_CLASS_STEP_SHIFT	3	/* step = 2^k / 8 */
#define SLAB_FREEZONE_CACHE	2	/* wholly free zones kept per cpu */
#define SLAB_MAXTYPES		4095	/* ids fit the 16-bit chunk tags */
#define SLAB_LOOSE_BATCH_BYTES	(32 * 1024)
#define SLAB_DEFAULT_LIMIT_SHIFT 1	/* default limit: half of RAM */
#define SLAB_RECIP_SHIFT	32	/* chunk index by multiplication */

#define SLAB_ZONE_MAGIC		0x5a4f4e45u	/* "ZONE" */
#define SLAB_TAG_ZONE		0x736c7a31u	/* vm owner tag of zones */
#define SLAB_TAG_LARGE		0x736c6c31u	/* ... of large blocks */

#define SLZ_PARTIAL		1	/* on sl_zones[class] */
#define SLZ_FULL		2	/* on sl_fullzones[class] */
#define SLZ_FREE		3	/* on sl_freezones */

struct slab_chunk {
	struct slab_chunk	*c_next;
};

/*
 * Zone header, at the start of the zone.  Locking legend: [I] set when
 * the zone is (re)initialized, while all its chunks are free; [c] owning
 * cpu in a critical section; [a] atomic ops from any cpu.
 */
/* clang-format off */
struct slab_zone {
	uint32_t		 z_magic;	/* [I] SLAB_ZONE_MAGIC */
	int			 z_cpuid;	/* [I] owner */
	struct globaldata	*z_gd;		/* [I] owner */
	TAILQ_ENTRY(slab_zone)	 z_entry;	/* [c] on one owner list */
	u_int			 z_list;	/* [c] SLZ_* */
	u_int			 z_zoneindex;	/* [I] size class */
	u_int			 z_chunksize;	/* [I] bytes */
	u_int			 z_nmax;	/* [I] chunks */
	uint64_t		 z_recip;	/* [I] 2^32 / chunksize + 1 */
	char			*z_base;	/* [I] first chunk */
	u_int			 z_nfree;	/* [c] lchunks + never used */
	u_int			 z_uindex;	/* [c] next never-used chunk */
	struct slab_chunk	*z_lchunks;	/* [c] local free list */
	struct slab_chunk *volatile z_rchunks __cachealign; /* [a] remote */
	uint16_t		 z_tags[] __cachealign; /* [a] type ids */
};
/* clang-format on */

/* Geometry of one size class, [I] after kmalloc_init. */
struct slab_class {
	u_int		sc_chunksize;
	u_int		sc_nmax;
	u_int		sc_baseoff;	/* first chunk, from the zone start */
};

size_t slab_zone_bytes;			/* [I] */
size_t slab_zone_limit;			/* [I] */
static struct slab_class slab_classes[SLAB_NZONES];	/* [I] */
static int slab_nclasses;		/* [I] classes below the limit */
static int64_t slab_default_limit;	/* [I] for ks_limit == 0 */
static bool slab_ready;			/* [I] kmalloc_init done */

/* Registered malloc types, by id; [a] appended under slab_type_spin. */
static struct malloc_type *slab_types[SLAB_MAXTYPES + 1];
static volatile u_int slab_ntypes;
static struct spinlock slab_type_spin = SPINLOCK_INITIALIZER(slab_type_spin);

SET_DECLARE(kmalloc_types, struct malloc_type);

MALLOC_DEFINE(M_TEMP, "temp", "short-lived scratch memory");
MALLOC_DEFINE(M_DEVBUF, "devbuf", "device driver memory");

/*
 * Size classes.
 */

/* The class of a request of size bytes, 0 < size < 16 KiB. */
static __always_inline u_int
slab_zoneindex(size_t size)
{
	u_int k;

	if (size <= SLAB_SMALL_MAX_BYTES)
		return ((u_int)((size + 7) >> SLAB_SMALL_SHIFT) - 1);
	k = (u_int)(63 - __builtin_clzl(size - 1));	/* 2^k < size <= 2^k+1 */
	return (SLAB_SMALL_CLASSES - 1 + (k - 7) * SLAB_CLASSES_PER_POW2 +
	    (u_int)((size - (1UL << k) + (1UL << (k - SLAB_CLASS_STEP_SHIFT)) -
	    1) >> (k - SLAB_CLASS_STEP_SHIFT)));
}

static u_int
slab_class_chunksize(u_int zi)
{
	u_int k, j;

	if (zi < SLAB_SMALL_CLASSES)
		return ((zi + 1) << SLAB_SMALL_SHIFT);
	k = 7 + (zi - SLAB_SMALL_CLASSES) / SLAB_CLASSES_PER_POW2;
	j = (zi - SLAB_SMALL_CLASSES) % SLAB_CLASSES_PER_POW2 + 1;
	return ((1u << k) + (j << (k - SLAB_CLASS_STEP_SHIFT)));
}

static void
slab_classes_init(void)
{
	size_t hdr = __offsetof(struct slab_zone, z_tags);

	slab_nclasses = (int)slab_zoneindex(slab_zone_limit - 1) + 1;
	for (int zi = 0; zi < slab_nclasses; zi++) {
		struct slab_class *sc = &slab_classes[zi];
		u_int cs = slab_class_chunksize((u_int)zi);
		size_t align = MIN((size_t)(cs & -cs), PAGE_SIZE);
		size_t n0, base, n;

		KKASSERT(slab_zoneindex(cs) == (u_int)zi);
		n0 = (slab_zone_bytes - hdr) / (cs + sizeof(uint16_t));
		base = roundup2(hdr + n0 * sizeof(uint16_t), align);
		n = (slab_zone_bytes - base) / cs;
		sc->sc_chunksize = cs;
		sc->sc_nmax = (u_int)MIN(n, n0);
		sc->sc_baseoff = (u_int)base;
		KKASSERT(sc->sc_nmax > 0);
	}
}

/*
 * Malloc types.
 */

static const char *
slab_type_name(struct malloc_type *type)
{
	return (type->ks_shortdesc != NULL ? type->ks_shortdesc : "?");
}

/* Give type an id.  Context: any.  Locking: takes slab_type_spin. */
static void
slab_type_register(struct malloc_type *type)
{
	u_int id;

	spin_lock(&slab_type_spin);
	if (atomic_load_relaxed(&type->ks_id) != 0) {
		spin_unlock(&slab_type_spin);
		return;
	}
	id = slab_ntypes + 1;
	if (id > SLAB_MAXTYPES) {
		spin_unlock(&slab_type_spin);
		panic("kmalloc: more than %d malloc types, cannot add %s",
		    SLAB_MAXTYPES, slab_type_name(type));
	}
	type->ks_next = id > 1 ? slab_types[id - 1] : NULL;
	atomic_store_relaxed(&slab_types[id], type);
	atomic_store_rel_int(&slab_ntypes, id);
	atomic_store_rel_int(&type->ks_id, id);
	spin_unlock(&slab_type_spin);
}

/* Check the type's magic; register it on first use.  Returns its id. */
static __always_inline u_int
slab_type_id(struct malloc_type *type, const char *who, const void *ptr)
{
	u_int id;

	if (__predict_false(type == NULL || type->ks_magic != M_MAGIC))
		panic("%s: %p: bad malloc type %p", who, ptr, type);
	id = atomic_load_relaxed(&type->ks_id);
	if (__predict_false(id == 0)) {
		slab_type_register(type);
		id = atomic_load_relaxed(&type->ks_id);
	}
	return (id);
}

static const char *
slab_id_name(u_int id)
{
	struct malloc_type *type;

	if (id == 0 || id > atomic_load_acq_int(&slab_ntypes))
		return ("(unknown)");
	type = atomic_load_relaxed(&slab_types[id]);
	return (type != NULL ? slab_type_name(type) : "(unknown)");
}

int64_t
kmalloc_type_limit(struct malloc_type *type)
{
	return (type->ks_limit > 0 ? type->ks_limit : slab_default_limit);
}

/* Charge (or credit, bytes < 0) one allocation to type on this cpu. */
static __always_inline void
slab_type_charge(struct malloc_type *type, struct globaldata *gd,
    int64_t bytes, int64_t count)
{
	struct kmalloc_typestats *st = &type->ks_stats[gd->gd_cpuid];
	int64_t loose = st->ks_loosememuse + bytes;

	atomic_store_relaxed(&st->ks_memuse, st->ks_memuse + bytes);
	atomic_store_relaxed(&st->ks_inuse, st->ks_inuse + count);
	if (count > 0)
		atomic_store_relaxed(&st->ks_calls, st->ks_calls + 1);
	if (__predict_false(loose >= SLAB_LOOSE_BATCH_BYTES ||
	    loose <= -SLAB_LOOSE_BATCH_BYTES)) {
		atomic_add_64((volatile uint64_t *)&type->ks_loosememuse,
		    (uint64_t)loose);
		loose = 0;
	}
	atomic_store_relaxed(&st->ks_loosememuse, loose);
}

/*
 * Would bytes more take type over its limit?  Cheap unless the rough
 * count is within ncpus batches of the limit.
 */
static __always_inline bool
slab_type_over_limit(struct malloc_type *type, size_t bytes)
{
	int64_t limit = kmalloc_type_limit(type);
	int64_t loose = atomic_load_relaxed(&type->ks_loosememuse);

	if (__predict_true(loose + (int64_t)bytes +
	    (int64_t)ncpus * SLAB_LOOSE_BATCH_BYTES <= limit))
		return (false);
	return (kmalloc_type_memuse(type) + (int64_t)bytes > limit);
}

int64_t
kmalloc_type_memuse(struct malloc_type *type)
{
	int64_t sum = 0;

	for (int i = 0; i < ncpus; i++)
		sum += atomic_load_relaxed(&type->ks_stats[i].ks_memuse);
	return (sum);
}

int64_t
kmalloc_type_inuse(struct malloc_type *type)
{
	int64_t sum = 0;

	for (int i = 0; i < ncpus; i++)
		sum += atomic_load_relaxed(&type->ks_stats[i].ks_inuse);
	return (sum);
}

uint64_t
kmalloc_type_calls(struct malloc_type *type)
{
	uint64_t sum = 0;

	for (int i = 0; i < ncpus; i++)
		sum += atomic_load_relaxed(&type->ks_stats[i].ks_calls);
	return (sum);
}

/*
 * Zones.  Everything below runs on the zone's owner in a critical
 * section unless it says otherwise.
 */

static void
slab_gd_init(struct globaldata *gd)
{
	struct slab_globaldata *sl = &gd->gd_slab;

	for (int i = 0; i < SLAB_NZONES; i++) {
		TAILQ_INIT(&sl->sl_zones[i]);
		TAILQ_INIT(&sl->sl_fullzones[i]);
	}
	TAILQ_INIT(&sl->sl_freezones);
	sl->sl_nfreezones = 0;
	sl->sl_ready = 1;
}

static struct slab_zone_list *
slab_zone_listhead(struct slab_globaldata *sl, struct slab_zone *z)
{
	switch (z->z_list) {
	case SLZ_PARTIAL:
		return (&sl->sl_zones[z->z_zoneindex]);
	case SLZ_FULL:
		return (&sl->sl_fullzones[z->z_zoneindex]);
	default:
		return (&sl->sl_freezones);
	}
}

/* Move z to list (at its head). */
static void
slab_zone_move(struct slab_globaldata *sl, struct slab_zone *z, u_int list)
{
	TAILQ_REMOVE(slab_zone_listhead(sl, z), z, z_entry);
	z->z_list = list;
	TAILQ_INSERT_HEAD(slab_zone_listhead(sl, z), z, z_entry);
}

static void
slab_zone_init(struct slab_zone *z, struct globaldata *gd, u_int zi)
{
	struct slab_class *sc = &slab_classes[zi];

	z->z_magic = SLAB_ZONE_MAGIC;
	z->z_cpuid = gd->gd_cpuid;
	z->z_gd = gd;
	z->z_zoneindex = zi;
	z->z_chunksize = sc->sc_chunksize;
	z->z_nmax = sc->sc_nmax;
	z->z_recip = ((uint64_t)1 << SLAB_RECIP_SHIFT) / sc->sc_chunksize + 1;
	z->z_base = (char *)z + sc->sc_baseoff;
	z->z_nfree = sc->sc_nmax;
	z->z_uindex = 0;
	z->z_lchunks = NULL;
	atomic_store_relaxed(&z->z_rchunks, NULL);
	memset(z->z_tags, 0, sc->sc_nmax * sizeof(z->z_tags[0]));
}

/*
 * Take the chunks other cpus freed into z (one atomic swap) onto its
 * local list.  Returns how many.
 */
static u_int
slab_zone_pull_remote(struct slab_zone *z)
{
	struct slab_chunk *head, *tail;
	u_int n = 1;

	/* seq_cst, to pair with slab_rpending_set(); a plain load on x86. */
	if (__atomic_load_n(&z->z_rchunks, __ATOMIC_SEQ_CST) == NULL)
		return (0);
	head = __atomic_exchange_n(&z->z_rchunks, NULL, __ATOMIC_ACQUIRE);
	if (head == NULL)
		return (0);
	for (tail = head; tail->c_next != NULL; tail = tail->c_next)
		n++;
	tail->c_next = z->z_lchunks;
	z->z_lchunks = head;
	z->z_nfree += n;
	KASSERT(z->z_nfree <= z->z_nmax, ("slab: zone %p has %u free of %u "
	    "chunks", z, z->z_nfree, z->z_nmax));
	return (n);
}

/*
 * Tell a zone's owner that one of its zones of class zi got its first
 * remote free: slab_zone_get() scans the class's full zones only then.
 * Context: any cpu.  Locking: atomic OR on the owner's [a] bitmask, after
 * the push (whose CAS the owner sees once it has cleared the bit).
 */
static __always_inline void
slab_rpending_set(struct globaldata *ogd, u_int zi)
{
	volatile uint64_t *word = &ogd->gd_slab.sl_rpending[zi / 64];
	uint64_t bit = (uint64_t)1 << (zi % 64);

	if ((__atomic_load_n(word, __ATOMIC_SEQ_CST) & bit) == 0)
		atomic_set_64(word, bit);
}

/* Owner side: was any class-zi zone remote-freed into since last time? */
static __always_inline bool
slab_rpending_take(struct slab_globaldata *sl, u_int zi)
{
	volatile uint64_t *word = &sl->sl_rpending[zi / 64];
	uint64_t bit = (uint64_t)1 << (zi % 64);

	if ((atomic_load_relaxed(word) & bit) == 0)
		return (false);
	atomic_clear_64(word, bit);
	return (true);
}

/* Give a wholly free zone back to kmem. */
static void
slab_zone_destroy(struct globaldata *gd, struct slab_zone *z)
{
	struct slab_globaldata *sl = &gd->gd_slab;

	if (sl->sl_lastzone == z)
		sl->sl_lastzone = NULL;
	z->z_magic = 0;
	if (!vm_page_kmem_settag(z, SLAB_TAG_ZONE, VM_KMEM_TAG_NONE, NULL))
		panic("slab: zone %p lost its page tag", z);
	kmem_free(z, slab_zone_bytes);
	atomic_store_relaxed(&sl->sl_nzones, sl->sl_nzones - 1);
	atomic_store_relaxed(&sl->sl_zone_frees, sl->sl_zone_frees + 1);
}

/* z is wholly free and off every list: cache it or destroy it. */
static void
slab_zone_retire(struct globaldata *gd, struct slab_zone *z)
{
	struct slab_globaldata *sl = &gd->gd_slab;

	if (sl->sl_nfreezones < SLAB_FREEZONE_CACHE) {
		z->z_list = SLZ_FREE;
		TAILQ_INSERT_HEAD(&sl->sl_freezones, z, z_entry);
		sl->sl_nfreezones++;
		return;
	}
	slab_zone_destroy(gd, z);
}

/*
 * A zone of class zi with a free chunk: reclaim remote frees from the
 * class's full zones, else reuse a cached free zone, else take a new one
 * from kmem.  Returns NULL when memory is exhausted.
 */
static struct slab_zone *
slab_zone_get(struct globaldata *gd, u_int zi)
{
	struct slab_globaldata *sl = &gd->gd_slab;
	struct slab_zone *z, *next;

	if (__predict_false(!sl->sl_ready))
		slab_gd_init(gd);
	if (slab_rpending_take(sl, zi)) {
		TAILQ_FOREACH_MUTABLE(z, &sl->sl_fullzones[zi], z_entry,
		    next) {
			if (slab_zone_pull_remote(z) != 0)
				slab_zone_move(sl, z, SLZ_PARTIAL);
		}
	}
	if ((z = TAILQ_FIRST(&sl->sl_zones[zi])) != NULL)
		return (z);
	if ((z = TAILQ_FIRST(&sl->sl_freezones)) != NULL) {
		TAILQ_REMOVE(&sl->sl_freezones, z, z_entry);
		sl->sl_nfreezones--;
		slab_unpoison(z, slab_zone_bytes);	/* new geometry */
	} else {
		z = kmem_alloc(slab_zone_bytes, M_NULLOK);
		if (z == NULL)
			return (NULL);
		if (!vm_page_kmem_settag(z, VM_KMEM_TAG_NONE, SLAB_TAG_ZONE,
		    NULL))
			panic("slab: new zone %p already tagged", z);
		atomic_store_relaxed(&sl->sl_nzones, sl->sl_nzones + 1);
		atomic_store_relaxed(&sl->sl_zone_allocs,
		    sl->sl_zone_allocs + 1);
	}
	slab_zone_init(z, gd, zi);
	z->z_list = SLZ_PARTIAL;
	TAILQ_INSERT_HEAD(&sl->sl_zones[zi], z, z_entry);
	return (z);
}

static __always_inline u_int
slab_chunk_index(struct slab_zone *z, const void *chunk)
{
	uint64_t off = (uint64_t)((const char *)chunk - z->z_base);

	return ((u_int)((off * z->z_recip) >> SLAB_RECIP_SHIFT));
}

/* Take a chunk from z (z_nfree > 0) and tag it with id. */
static __always_inline void *
slab_zone_take(struct slab_globaldata *sl, struct slab_zone *z, u_int id)
{
	struct slab_chunk *c = z->z_lchunks;
	u_int idx;

	if (c != NULL) {
		idx = slab_chunk_index(z, c);
		if (__predict_false((char *)c < z->z_base ||
		    idx >= z->z_nmax ||
		    (char *)c != z->z_base + (size_t)idx * z->z_chunksize ||
		    atomic_load_relaxed(&z->z_tags[idx]) != 0))
			panic("slab: free list of zone %p corrupted at %p "
			    "(write after free?)", z, c);
		z->z_lchunks = c->c_next;
	} else {
		KKASSERT(z->z_uindex < z->z_nmax);
		idx = z->z_uindex++;
		c = (struct slab_chunk *)(z->z_base +
		    (size_t)idx * z->z_chunksize);
	}
	atomic_store_relaxed(&z->z_tags[idx], (uint16_t)id);
	slab_unpoison(c, z->z_chunksize);
	if (--z->z_nfree == 0 && slab_zone_pull_remote(z) == 0)
		slab_zone_move(sl, z, SLZ_FULL);
	return (c);
}

/* Allocation failed: NULL if the caller allows it, else panic. */
static void *
slab_fail(size_t size, struct malloc_type *type, int flags, bool limit)
{
	if (flags & (M_NOWAIT | M_NULLOK))
		return (NULL);
	if (limit)
		panic("kmalloc: type %s over its limit of %jd bytes (%jd in "
		    "use, %zu requested)", slab_type_name(type),
		    (intmax_t)kmalloc_type_limit(type),
		    (intmax_t)kmalloc_type_memuse(type), size);
	panic("kmalloc: out of memory allocating %zu bytes, type %s", size,
	    slab_type_name(type));
}

/* Requests of slab_zone_limit bytes or more: whole kmem blocks. */
static void *
slab_large_alloc(size_t size, struct malloc_type *type, int flags)
{
	struct globaldata *gd;
	vm_size_t bytes;
	void *p;

	if (size > vm_page_total_bytes())
		return (slab_fail(size, type, flags, false));
	bytes = PAGE_SIZE;
	while (bytes < size)
		bytes <<= 1;
	if (slab_type_over_limit(type, bytes))
		return (slab_fail(size, type, flags, true));
	p = kmem_alloc(size, M_NULLOK | (flags & M_ZERO));
	if (p == NULL)
		return (slab_fail(size, type, flags, false));
	if (!vm_page_kmem_settag(p, VM_KMEM_TAG_NONE, SLAB_TAG_LARGE, type))
		panic("slab: new block %p already tagged", p);
	gd = mycpu;
	crit_enter_gd(gd);
	slab_type_charge(type, gd, (int64_t)bytes, 1);
	crit_exit_gd(gd);
	return (p);
}

/*
 * kmalloc - allocate size bytes charged to type.
 *
 * Returns memory aligned to its size class (power-of-two sizes up to
 * PAGE_SIZE are aligned to their size; large blocks to theirs).  Never
 * returns NULL unless flags has M_NOWAIT or M_NULLOK and the type is over
 * its limit or memory is exhausted; otherwise those panic.  A zero-size
 * request panics.
 * Context: any; never blocks.  Locking: this cpu's critical section.
 */
void *
kmalloc(size_t size, struct malloc_type *type, int flags)
{
	struct globaldata *gd;
	struct slab_globaldata *sl;
	struct slab_zone *z;
	u_int zi, id;
	size_t cs;
	void *p;

	id = slab_type_id(type, "kmalloc", NULL);
	if (__predict_false(size == 0))
		panic("kmalloc: zero-size request, type %s",
		    slab_type_name(type));
	KASSERT(slab_ready, ("kmalloc: called before kmalloc_init"));
	if (__predict_false(size >= slab_zone_limit))
		return (slab_large_alloc(size, type, flags));
	zi = slab_zoneindex(size);
	cs = slab_classes[zi].sc_chunksize;
	if (__predict_false(slab_type_over_limit(type, cs)))
		return (slab_fail(size, type, flags, true));

	gd = mycpu;
	sl = &gd->gd_slab;
	crit_enter_gd(gd);
	z = TAILQ_FIRST(&sl->sl_zones[zi]);
	if (__predict_false(z == NULL)) {
		z = slab_zone_get(gd, zi);
		if (z == NULL) {
			crit_exit_gd(gd);
			return (slab_fail(size, type, flags, false));
		}
	}
	p = slab_zone_take(sl, z, id);
	sl->sl_lastzone = z;
	slab_type_charge(type, gd, (int64_t)cs, 1);
	crit_exit_gd(gd);
	if (flags & M_ZERO)
		memset(p, 0, cs);
	return (p);
}

static void __dead2 __noinline
slab_chunk_panic(struct slab_zone *z, const void *ptr, const char *who,
    const char *tname)
{
	panic("%s: %p is not a chunk kmalloc returned (zone %p, %u-byte "
	    "chunks), type %s", who, ptr, z, z->z_chunksize, tname);
}

/* The index of the chunk at ptr in z; panics if ptr is not a chunk. */
static __always_inline u_int
slab_chunk_check(struct slab_zone *z, const void *ptr, const char *who,
    const char *tname)
{
	u_int idx = slab_chunk_index(z, ptr);

	if (__predict_false(z->z_magic != SLAB_ZONE_MAGIC ||
	    (const char *)ptr < z->z_base || idx >= z->z_nmax ||
	    (const char *)ptr != z->z_base + (size_t)idx * z->z_chunksize))
		slab_chunk_panic(z, ptr, who, tname);
	return (idx);
}

/*
 * What kfree and friends learn about a pointer.  Exactly one of pi_zone
 * (a chunk) or pi_large (a large block) is set.
 */
struct slab_ptrinfo {
	struct slab_zone	*pi_zone;
	u_int			 pi_index;	/* chunk index in pi_zone */
	bool			 pi_large;
	struct malloc_type	*pi_type;	/* large: owner type */
	size_t			 pi_bytes;	/* usable size */
};

/*
 * Classify ptr or panic, naming it and the type, if kmalloc did not
 * return it.  Does not look at chunk tags (the caller does).
 */
static void
slab_ptr_lookup(const void *ptr, const char *who, const char *tname,
    struct slab_ptrinfo *pi)
{
	uintptr_t zaddr = (uintptr_t)ptr & ~(uintptr_t)(slab_zone_bytes - 1);
	struct slab_zone *z = (struct slab_zone *)zaddr;
	vm_size_t bytes;
	void *owner;

	if (vm_page_kmem_tag(z, NULL, NULL) == SLAB_TAG_ZONE) {
		pi->pi_zone = z;
		pi->pi_index = slab_chunk_check(z, ptr, who, tname);
		pi->pi_large = false;
		pi->pi_type = NULL;
		pi->pi_bytes = z->z_chunksize;
		return;
	}
	if (vm_page_kmem_tag(ptr, &bytes, &owner) == SLAB_TAG_LARGE) {
		pi->pi_zone = NULL;
		pi->pi_large = true;
		pi->pi_type = owner;
		pi->pi_bytes = bytes;
		return;
	}
	panic("%s: %p was not allocated by kmalloc (or was freed), type %s",
	    who, ptr, tname);
}

static void
slab_large_free(void *ptr, struct slab_ptrinfo *pi, struct malloc_type *type)
{
	struct globaldata *gd;

	if (pi->pi_type != type)
		panic("kfree: %p allocated with type %s, freed with type %s",
		    ptr, slab_type_name(pi->pi_type), slab_type_name(type));
	if (!vm_page_kmem_settag(ptr, SLAB_TAG_LARGE, VM_KMEM_TAG_NONE, NULL))
		panic("kfree: double free of %p, type %s", ptr,
		    slab_type_name(type));
	gd = mycpu;
	crit_enter_gd(gd);
	slab_type_charge(type, gd, -(int64_t)pi->pi_bytes, -1);
	crit_exit_gd(gd);
	kmem_free(ptr, pi->pi_bytes);
}

static void __dead2
slab_untag_panic(void *ptr, u_int otag, struct malloc_type *type)
{
	if (otag == 0)
		panic("kfree: double free of %p, type %s", ptr,
		    slab_type_name(type));
	panic("kfree: %p allocated with type %s, freed with type %s", ptr,
	    slab_id_name(otag), slab_type_name(type));
}

/*
 * Mark chunk idx of z free; panics on a double free or the wrong type.
 * Another cpu's chunk is untagged with an atomic swap, so that two cpus
 * freeing it at once cannot both succeed.  Our own chunk is untagged
 * with a plain load and store in our critical section (a locked swap is
 * a third of the cost of a free): only a double free racing with a
 * remote free of the same chunk could slip past, and then the second
 * copy on a free list is caught when it is allocated again (its tag is
 * no longer 0).
 */
static __always_inline void
slab_chunk_untag(struct slab_zone *z, u_int idx, void *ptr, u_int id,
    struct malloc_type *type, bool local)
{
	uint16_t otag;

	if (local) {
		otag = atomic_load_relaxed(&z->z_tags[idx]);
		if (__predict_true(otag == id))
			atomic_store_relaxed(&z->z_tags[idx], 0);
	} else {
		otag = __atomic_exchange_n(&z->z_tags[idx], 0,
		    __ATOMIC_ACQ_REL);
	}
	if (__predict_false(otag != id))
		slab_untag_panic(ptr, otag, type);
	/* Ours now; poison it before a free list makes it anyone's. */
	slab_poison((char *)ptr + sizeof(struct slab_chunk),
	    z->z_chunksize - sizeof(struct slab_chunk));
}

/*
 * Push a chunk onto another cpu's zone.  The zone must not be touched
 * after the push (its owner may release it at once); the owner's
 * globaldata may, it lives forever.
 */
static __always_inline void
slab_chunk_free_remote(struct slab_zone *z, struct slab_chunk *c)
{
	struct globaldata *ogd = z->z_gd;
	u_int zi = z->z_zoneindex;
	struct slab_chunk *head = atomic_load_relaxed(&z->z_rchunks);

	do {
		c->c_next = head;
	} while (!__atomic_compare_exchange_n(&z->z_rchunks, &head, c, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	if (head == NULL)
		slab_rpending_set(ogd, zi);
}

/* Put a chunk back on its own cpu's zone.  Context: critical section. */
static __always_inline void
slab_chunk_free_local(struct slab_globaldata *sl, struct slab_zone *z,
    struct slab_chunk *c)
{
	c->c_next = z->z_lchunks;
	z->z_lchunks = c;
	if (++z->z_nfree == 1)
		slab_zone_move(sl, z, SLZ_PARTIAL);
	if (__predict_false(z->z_nfree == z->z_nmax)) {
		/* Keep a class's last zone; retire any other. */
		if (TAILQ_FIRST(&sl->sl_zones[z->z_zoneindex]) == z &&
		    TAILQ_NEXT(z, z_entry) == NULL)
			return;
		TAILQ_REMOVE(&sl->sl_zones[z->z_zoneindex], z, z_entry);
		slab_zone_retire(z->z_gd, z);
	}
}

/* Free chunk idx of our own zone z.  Context: critical section on gd. */
static __always_inline void
slab_kfree_local(struct globaldata *gd, struct slab_zone *z, u_int idx,
    void *ptr, u_int id, struct malloc_type *type)
{
	slab_chunk_untag(z, idx, ptr, id, type, true);
	slab_type_charge(type, gd, -(int64_t)z->z_chunksize, -1);
	slab_chunk_free_local(&gd->gd_slab, z, ptr);
}

/*
 * kfree - free memory from kmalloc.  type must be the type it was
 * allocated with.  kfree(NULL, type) does nothing.  Panics, naming the
 * pointer and the type, on a double free, a pointer kmalloc did not
 * return or the wrong type.
 * Context: any; never blocks.  Locking: this cpu's critical section; a
 * chunk owned by another cpu goes on its zone's remote list (CAS).
 */
void
kfree(void *ptr, struct malloc_type *type)
{
	struct slab_ptrinfo pi;
	struct globaldata *gd;
	struct slab_zone *z;
	u_int id;

	if (ptr == NULL)
		return;
	id = slab_type_id(type, "kfree", ptr);
	/* Fast path: a chunk of the zone this cpu used last. */
	z = (struct slab_zone *)((uintptr_t)ptr &
	    ~(uintptr_t)(slab_zone_bytes - 1));
	gd = mycpu;
	crit_enter_gd(gd);
	if (z == gd->gd_slab.sl_lastzone) {
		slab_kfree_local(gd, z, slab_chunk_check(z, ptr, "kfree",
		    slab_type_name(type)), ptr, id, type);
		crit_exit_gd(gd);
		return;
	}
	crit_exit_gd(gd);

	slab_ptr_lookup(ptr, "kfree", slab_type_name(type), &pi);
	if (pi.pi_large) {
		slab_large_free(ptr, &pi, type);
		return;
	}
	z = pi.pi_zone;
	if (z->z_gd == gd) {
		crit_enter_gd(gd);
		gd->gd_slab.sl_lastzone = z;
		slab_kfree_local(gd, z, pi.pi_index, ptr, id, type);
		crit_exit_gd(gd);
		return;
	}
	slab_chunk_untag(z, pi.pi_index, ptr, id, type, false);
	crit_enter_gd(gd);
	slab_type_charge(type, gd, -(int64_t)pi.pi_bytes, -1);
	atomic_store_relaxed(&gd->gd_slab.sl_remote_frees,
	    gd->gd_slab.sl_remote_frees + 1);
	crit_exit_gd(gd);
	slab_chunk_free_remote(z, ptr);
}

/*
 * kmalloc_usable_size - how many bytes the allocation at ptr really has
 * (its chunk or block size); 0 for NULL.  Panics if ptr is not a live
 * kmalloc allocation.  Context: any.
 */
size_t
kmalloc_usable_size(const void *ptr)
{
	struct slab_ptrinfo pi;

	if (ptr == NULL)
		return (0);
	slab_ptr_lookup(ptr, "kmalloc_usable_size", "(any)", &pi);
	if (pi.pi_zone != NULL &&
	    atomic_load_relaxed(&pi.pi_zone->z_tags[pi.pi_index]) == 0)
		panic("kmalloc_usable_size: %p is free", ptr);
	return (pi.pi_bytes);
}

/*
 * krealloc - resize an allocation.  Returns ptr itself when the new size
 * fits the same chunk size (or block size), else a new allocation with
 * the old contents (the old one is freed).  krealloc(NULL, ...) is
 * kmalloc; a size of 0 frees ptr and returns NULL.  On failure (only with
 * M_NOWAIT/M_NULLOK) returns NULL and leaves ptr alone.  M_ZERO is not
 * supported.  Context: any; never blocks.
 */
void *
krealloc(void *ptr, size_t size, struct malloc_type *type, int flags)
{
	struct slab_ptrinfo pi;
	size_t newbytes;
	void *nptr;
	u_int id;

	KASSERT((flags & M_ZERO) == 0, ("krealloc: M_ZERO not supported"));
	if (ptr == NULL)
		return (kmalloc(size, type, flags));
	if (size == 0) {
		kfree(ptr, type);
		return (NULL);
	}
	id = slab_type_id(type, "krealloc", ptr);
	slab_ptr_lookup(ptr, "krealloc", slab_type_name(type), &pi);
	if (pi.pi_large) {
		if (pi.pi_type != type)
			panic("krealloc: %p allocated with type %s, given "
			    "type %s", ptr, slab_type_name(pi.pi_type),
			    slab_type_name(type));
		newbytes = PAGE_SIZE;
		while (newbytes < size)
			newbytes <<= 1;
		if (size >= slab_zone_limit && newbytes == pi.pi_bytes)
			return (ptr);
	} else {
		u_int otag = atomic_load_relaxed(
		    &pi.pi_zone->z_tags[pi.pi_index]);

		if (otag != id)
			panic("krealloc: %p is %s, given type %s", ptr,
			    otag == 0 ? "free" : slab_id_name(otag),
			    slab_type_name(type));
		if (size < slab_zone_limit &&
		    slab_classes[slab_zoneindex(size)].sc_chunksize ==
		    pi.pi_bytes)
			return (ptr);
	}
	nptr = kmalloc(size, type, flags);
	if (nptr == NULL)
		return (NULL);
	memcpy(nptr, ptr, MIN(size, pi.pi_bytes));
	kfree(ptr, type);
	return (nptr);
}

/* kstrdup - a kmalloc'ed copy of s.  Context: any. */
char *
kstrdup(const char *s, struct malloc_type *type)
{
	size_t len = strlen(s) + 1;
	char *p = kmalloc(len, type, M_WAITOK);

	memcpy(p, s, len);
	return (p);
}

/*
 * Release what this cpu holds but does not use: pull in remote frees,
 * give every wholly free zone (cached ones and each class's last one)
 * back to kmem.  Context: on gd, in a critical section.
 */
static void
slab_reclaim_cpu(struct globaldata *gd)
{
	struct slab_globaldata *sl = &gd->gd_slab;
	struct slab_zone *z, *next;

	if (!sl->sl_ready)
		return;
	for (int zi = 0; zi < slab_nclasses; zi++) {
		(void)slab_rpending_take(sl, (u_int)zi);
		TAILQ_FOREACH_MUTABLE(z, &sl->sl_fullzones[zi], z_entry,
		    next) {
			if (slab_zone_pull_remote(z) != 0)
				slab_zone_move(sl, z, SLZ_PARTIAL);
		}
		TAILQ_FOREACH_MUTABLE(z, &sl->sl_zones[zi], z_entry, next) {
			slab_zone_pull_remote(z);
			if (z->z_nfree == z->z_nmax) {
				TAILQ_REMOVE(&sl->sl_zones[zi], z, z_entry);
				slab_zone_destroy(gd, z);
			}
		}
	}
	while ((z = TAILQ_FIRST(&sl->sl_freezones)) != NULL) {
		TAILQ_REMOVE(&sl->sl_freezones, z, z_entry);
		sl->sl_nfreezones--;
		slab_zone_destroy(gd, z);
	}
}

static void
slab_reclaim_ipi(void *arg __unused, int arg2 __unused,
    struct intrframe *frame __unused)
{
	slab_reclaim_cpu(mycpu);
}

void
slab_reclaim(void)
{
	struct globaldata *gd = mycpu;

	crit_enter_gd(gd);
	for (int i = 0; i < ncpus; i++) {
		struct globaldata *tgd = globaldata_find(i);

		if (tgd == gd)
			slab_reclaim_cpu(gd);
		else
			lwkt_wait_ipiq(tgd, lwkt_send_ipiq3(tgd,
			    slab_reclaim_ipi, NULL, 0));
	}
	crit_exit_gd(gd);
}

/*
 * kmalloc_init - size the zones from the amount of RAM, build the size
 * classes and register every MALLOC_DEFINE'd type.
 * Context: boot, cpu 0, after the platform's vm_page_startup().
 */
void
kmalloc_init(void)
{
	vm_size_t ram = vm_page_total_bytes();
	struct malloc_type **tp;
	size_t zbytes;

	zbytes = SLAB_ZONE_MIN_BYTES;
	while (zbytes < SLAB_ZONE_MAX_BYTES &&
	    (zbytes << 1) <= (ram >> SLAB_ZONE_RAM_SHIFT))
		zbytes <<= 1;
	slab_zone_bytes = zbytes;
	slab_zone_limit = MIN(zbytes / 4, SLAB_ZONE_LIMIT_MAX);
	slab_default_limit = (int64_t)(ram >> SLAB_DEFAULT_LIMIT_SHIFT);
	slab_classes_init();
	for (int i = 0; i < ncpus; i++) {
		struct globaldata *gd = globaldata_find(i);

		if (gd != NULL && !gd->gd_slab.sl_ready)
			slab_gd_init(gd);
	}
	SET_FOREACH(tp, kmalloc_types) {
		if ((*tp)->ks_magic != M_MAGIC)
			panic("kmalloc_init: bad malloc type %p", *tp);
		slab_type_register(*tp);
	}
	slab_ready = true;
}

u_int
kmalloc_ntypes(void)
{
	return (atomic_load_acq_int(&slab_ntypes));
}

struct malloc_type *
kmalloc_type_byid(u_int id)
{
	if (id == 0 || id > kmalloc_ntypes())
		return (NULL);
	return (atomic_load_relaxed(&slab_types[id]));
}
