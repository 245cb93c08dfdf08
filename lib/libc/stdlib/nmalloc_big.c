/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * nmalloc_big.c - nmalloc's page-granular ("big") allocations.
 *
 * What: requests larger than a slab chunk (NM_ZONE_LIMIT_BYTES), and
 * alignments no size class can give, are mapped directly from the OS, as
 * in DragonFly's nmalloc.  A big block has no header: free() finds its
 * length through a page map, and a small cache of freed blocks
 * (DragonFly's BIGCACHE) keeps repeated big allocations from costing an
 * mmap/munmap pair each time.
 *
 * Model: the page map is a three-level radix tree over the 47-bit user
 * address space, indexed by page number.  A block's first page has one
 * entry: its mapped length | NM_BIG_LIVE while allocated, NM_BIG_FREED once
 * freed (so a second free is reported as a double free), 0 if the page was
 * never the start of a block.  Interior nodes are created on demand and
 * never freed.  DragonFly uses a hash of bigalloc records under 64
 * spinlocks; the radix map makes lookups lock-free instead.
 *
 * Invariants: a block's user pointer is the start of its mapping (aligned
 * requests trim the head of an over-sized mapping), so the length is all
 * free() needs.  An entry changes LIVE -> FREED only by compare-and-swap,
 * so of two racing frees exactly one wins and the other aborts.  A cached
 * block is FREED in the map; reusing it sets it LIVE again.  A block is
 * unmapped only after its entry left LIVE.  nm_span_bytes is the sum of
 * the lengths of the LIVE entries with NM_BIG_SPAN: every path that
 * replaces or clears such an entry calls nm_span_release() once.
 *
 * Locking: lookups and entry updates are lock-free (acquire/release).
 * nm_radix_lock serializes only the creation of interior nodes; each
 * cache bin has its own bb_lock ([b]).  None is held across another lock
 * or while calling into nmalloc.c.
 *
 * OS hooks: nm_os_map, nm_os_unmap, nm_os_remap (nmalloc_os.h).
 *
 * Read more: docs/design/nmalloc.md.
 */

#include <errno.h>
#include <string.h>

#include "nmalloc_impl.h"

#define NM_PAGE_MASK		(NM_PAGE_BYTES - 1)
#define NM_VA_BITS		47
#define NM_RADIX_LEAF_BITS	11
#define NM_RADIX_MID_BITS	11
#define NM_RADIX_TOP_BITS	\
	(NM_VA_BITS - NM_PAGE_SHIFT - NM_RADIX_MID_BITS - NM_RADIX_LEAF_BITS)
#define NM_RADIX_LEAF_ENTRIES	(1UL << NM_RADIX_LEAF_BITS)
#define NM_RADIX_MID_ENTRIES	(1UL << NM_RADIX_MID_BITS)
#define NM_RADIX_TOP_ENTRIES	(1UL << NM_RADIX_TOP_BITS)

/*
 * Page-map entry values: a LIVE entry is length | NM_BIG_LIVE, plus
 * NM_BIG_ROOMY for a block that took over a longer cached block and
 * NM_BIG_SPAN while it holds more than NM_STEAL_MAX_FACTOR times what it
 * was asked for (see NM_STEAL_SPAN_BYTES); lengths are whole pages, so the
 * flags fit below.
 */
#define NM_BIG_LIVE		1UL
#define NM_BIG_FREED		2UL
#define NM_BIG_ROOMY		4UL
#define NM_BIG_SPAN		8UL
#define NM_BIG_FLAGS		((uintptr_t)NM_PAGE_MASK)

/*
 * The cache of freed big blocks: NM_BIGCACHE_SUBBINS bins per power of two
 * of the length in pages (1 page .. NM_BIGCACHE_BLOCK_MAX), each with its
 * own lock and NM_BIGCACHE_BIN_SLOTS blocks; NM_BIGCACHE_TOTAL_MAX bytes in
 * all.  A request takes a cached block of 1 to 1 + 1/NM_BIGCACHE_SLACK_DIV
 * times its length, from its own bin or the next ones: its pages are
 * resident already, so a slightly longer block costs no memory that
 * mapping a new one would not, and saves the mmap, the page faults and
 * later the munmap (whose TLB shootdown stalls every thread).
 */
#define NM_BIGCACHE_POW2_MAX	10	/* log2(pages) of the longest */
#define NM_BIGCACHE_SUBBINS	4
#define NM_BIGCACHE_SUB_SHIFT	2	/* log2(NM_BIGCACHE_SUBBINS) */
#define NM_BIGCACHE_BINS	(NM_BIGCACHE_POW2_MAX * NM_BIGCACHE_SUBBINS + 1)
#define NM_BIGCACHE_BIN_SLOTS	32
#define NM_BIGCACHE_BLOCK_MAX	(NM_PAGE_BYTES << NM_BIGCACHE_POW2_MAX)
#define NM_BIGCACHE_TOTAL_MAX	(32UL << 20)
#define NM_BIGCACHE_SLACK_DIV	2

/*
 * A big block grown by realloc gets 1/NM_GROW_HEADROOM_DIV more than asked
 * for, so that a growing buffer is remapped a logarithmic number of times.
 * The extra pages are never touched by nmalloc: they cost address space,
 * not memory.
 */
#define NM_GROW_HEADROOM_DIV	4

/*
 * A block that realloc grows past a slab chunk takes over a cached block
 * of newlen..NM_STEAL_MAX_FACTOR * newlen bytes if there is one, whose
 * pages are resident already, so that the growth faults in no new pages
 * and needs no system call until it outgrows that block.  Its contents
 * are copied there if it holds at most NM_STEAL_COPY_MAX_BYTES (a copy
 * costs far less than the page faults and the TLB shootdown of a remap),
 * else its pages are moved onto the start of the cached block.  Such a
 * block is NM_BIG_ROOMY: realloc shrinks it only below
 * 1/NM_STEAL_MAX_FACTOR of its length.
 *
 * A growing block may also take over a longer cached block, of up to
 * NM_STEAL_SPAN_BYTES, as long as such NM_BIG_SPAN blocks hold at most
 * NM_STEAL_SPAN_BUDGET bytes in all (nm_span_bytes): a buffer growing from
 * 16 KiB then reuses a freed megabyte buffer at once.  A block stops being
 * SPAN when it has grown to a quarter of its length, is trimmed or freed.
 * The budget bounds the memory that small live blocks can pin this way
 * to what the cache itself may hold.
 */
#define NM_STEAL_MAX_FACTOR	4
#define NM_STEAL_SPAN_BYTES	(2UL << 20)
#define NM_STEAL_SPAN_BUDGET	NM_BIGCACHE_TOTAL_MAX
#define NM_STEAL_COPY_MAX_BYTES	(256UL << 10)

/* Sizes above this cannot be rounded to pages plus any alignment. */
#define NM_BIG_SIZE_MAX		(SIZE_MAX / 2 - NM_ALIGN_MAX_BYTES)

struct nm_radix_leaf {
	uintptr_t	 rl_entry[NM_RADIX_LEAF_ENTRIES];	/* [a] */
};

struct nm_radix_mid {
	struct nm_radix_leaf *rm_leaf[NM_RADIX_MID_ENTRIES];	/* [a] */
};

struct nm_bigcache_slot {
	void		*bs_ptr;	/* NULL if the slot is empty */
	size_t		 bs_bytes;
};

struct nm_bigcache_bin {
	struct nm_spin	 bb_lock;
	unsigned	 bb_count;	/* [b] slots in use */
	struct nm_bigcache_slot bb_slot[NM_BIGCACHE_BIN_SLOTS];	/* [b] */
} __attribute__((__aligned__(NM_CACHELINE_BYTES)));

static struct nm_radix_mid *nm_radix_top[NM_RADIX_TOP_ENTRIES];	/* [a] */
static struct nm_spin nm_radix_lock;	/* creation of radix nodes */

static struct nm_bigcache_bin nm_bigcache[NM_BIGCACHE_BINS];
static size_t nm_bigcache_bytes;		/* [a] bytes held, all bins */
static size_t nm_span_bytes;			/* [a] bytes in SPAN blocks */

/*
 * nm_radix_child - return *childp, creating a zeroed node of the given
 * size there if it is NULL and create is set.  NULL if absent or out of
 * memory.
 *
 * Locking: lock-free when the child exists; takes nm_radix_lock to create.
 */
static void *
nm_radix_child(void **childp, size_t bytes, bool create)
{
	void *child;

	child = __atomic_load_n(childp, __ATOMIC_ACQUIRE);
	if (nm_likely(child != NULL) || !create)
		return (child);
	nm_spin_lock(&nm_radix_lock);
	child = __atomic_load_n(childp, __ATOMIC_ACQUIRE);
	if (child == NULL) {
		child = nm_os_map(bytes);
		if (child != NULL)
			__atomic_store_n(childp, child, __ATOMIC_RELEASE);
	}
	nm_spin_unlock(&nm_radix_lock);
	return (child);
}

/*
 * nm_radix_slot - the page-map entry of the page holding ptr, or NULL if
 * the map has no node there (and create is false, or memory ran out).
 *
 * Locking: lock-free lookup; see nm_radix_child() for creation.
 */
static uintptr_t *
nm_radix_slot(const void *ptr, bool create)
{
	uintptr_t pn = (uintptr_t)ptr >> NM_PAGE_SHIFT;
	struct nm_radix_mid *mid;
	struct nm_radix_leaf *leaf;

	if (((uintptr_t)ptr >> NM_VA_BITS) != 0)
		return (NULL);
	mid = nm_radix_child(
	    (void **)&nm_radix_top[pn >> (NM_RADIX_MID_BITS +
		NM_RADIX_LEAF_BITS)],
	    sizeof(*mid), create);
	if (mid == NULL)
		return (NULL);
	leaf = nm_radix_child(
	    (void **)&mid->rm_leaf[(pn >> NM_RADIX_LEAF_BITS) &
		(NM_RADIX_MID_ENTRIES - 1)],
	    sizeof(*leaf), create);
	if (leaf == NULL)
		return (NULL);
	return (&leaf->rl_entry[pn & (NM_RADIX_LEAF_ENTRIES - 1)]);
}

/*
 * nm_big_map - map len bytes aligned to align (a power of two, at least a
 * page) so that the block starts at the mapping's start.
 */
static void *
nm_big_map(size_t len, size_t align)
{
	uintptr_t raw, p;
	size_t total, head, tail;

	if (align <= NM_PAGE_BYTES)
		return (nm_os_map(len));
	total = len + align - NM_PAGE_BYTES;
	raw = (uintptr_t)nm_os_map(total);
	if (raw == 0)
		return (NULL);
	p = (raw + align - 1) & ~(align - 1);
	head = p - raw;
	tail = total - head - len;
	if (head != 0)
		nm_os_unmap((void *)raw, head);
	if (tail != 0)
		nm_os_unmap((void *)(p + len), tail);
	return ((void *)p);
}

/*
 * The bin of a block length: floor(log2(pages)) * NM_BIGCACHE_SUBBINS plus
 * the two bits of the page count below its leading one.
 */
static inline unsigned
nm_bigcache_bin_of(size_t len)
{
	size_t pages = len >> NM_PAGE_SHIFT;
	unsigned k = 63 - (unsigned)__builtin_clzl(pages);

	return (k * NM_BIGCACHE_SUBBINS + (unsigned)(((pages <<
	    NM_BIGCACHE_SUB_SHIFT) >> k) & (NM_BIGCACHE_SUBBINS - 1)));
}

/*
 * nm_bigcache_bin_take - take a block of minlen..maxlen bytes from bin bb;
 * its length goes to *lenp.  NULL if none fits.
 *
 * Locking: takes the bin's lock.
 */
static void *
nm_bigcache_bin_take(struct nm_bigcache_bin *bb, size_t minlen,
    size_t maxlen, size_t *lenp)
{
	struct nm_bigcache_slot *bs;
	void *p = NULL;
	unsigned i;

	if (__atomic_load_n(&bb->bb_count, __ATOMIC_RELAXED) == 0)
		return (NULL);
	nm_spin_lock(&bb->bb_lock);
	for (i = 0; i < NM_BIGCACHE_BIN_SLOTS; i++) {
		bs = &bb->bb_slot[i];
		if (bs->bs_ptr == NULL || bs->bs_bytes < minlen ||
		    bs->bs_bytes > maxlen)
			continue;
		p = bs->bs_ptr;
		*lenp = bs->bs_bytes;
		bs->bs_ptr = NULL;
		__atomic_store_n(&bb->bb_count, bb->bb_count - 1,
		    __ATOMIC_RELAXED);
		break;
	}
	nm_spin_unlock(&bb->bb_lock);
	if (p != NULL)
		__atomic_sub_fetch(&nm_bigcache_bytes, *lenp, __ATOMIC_RELAXED);
	return (p);
}

/*
 * nm_bigcache_take_range - take a cached block of minlen..maxlen bytes,
 * searching the bins from minlen's up; its length goes to *lenp.  NULL if
 * there is none.
 *
 * Locking: takes each searched bin's lock in turn.
 */
static void *
nm_bigcache_take_range(size_t minlen, size_t maxlen, size_t *lenp)
{
	unsigned b, blast;
	void *p = NULL;

	if (minlen > NM_BIGCACHE_BLOCK_MAX)
		return (NULL);
	if (maxlen > NM_BIGCACHE_BLOCK_MAX)
		maxlen = NM_BIGCACHE_BLOCK_MAX;
	blast = nm_bigcache_bin_of(maxlen);
	for (b = nm_bigcache_bin_of(minlen); b <= blast && p == NULL; b++)
		p = nm_bigcache_bin_take(&nm_bigcache[b], minlen, maxlen,
		    lenp);
	return (p);
}

/*
 * nm_bigcache_take - take a cached block of len to len + len /
 * NM_BIGCACHE_SLACK_DIV bytes; its length goes to *lenp.  NULL if none
 * fits.
 *
 * Locking: see nm_bigcache_take_range().
 */
static void *
nm_bigcache_take(size_t len, size_t *lenp)
{
	return (nm_bigcache_take_range(len, len + len / NM_BIGCACHE_SLACK_DIV,
	    lenp));
}

/*
 * nm_bigcache_put - keep a freed block for reuse.  False if its bin is
 * full, the cache holds enough, or the block is too large; the caller
 * unmaps it then.
 *
 * Locking: takes the bin's lock.
 */
static bool
nm_bigcache_put(void *p, size_t len)
{
	struct nm_bigcache_bin *bb;
	unsigned i;

	if (len > NM_BIGCACHE_BLOCK_MAX ||
	    __atomic_add_fetch(&nm_bigcache_bytes, len, __ATOMIC_RELAXED) >
	    NM_BIGCACHE_TOTAL_MAX)
		goto fail_uncount;
	bb = &nm_bigcache[nm_bigcache_bin_of(len)];
	nm_spin_lock(&bb->bb_lock);
	for (i = 0; i < NM_BIGCACHE_BIN_SLOTS; i++) {
		if (bb->bb_slot[i].bs_ptr != NULL)
			continue;
		bb->bb_slot[i].bs_ptr = p;
		bb->bb_slot[i].bs_bytes = len;
		__atomic_store_n(&bb->bb_count, bb->bb_count + 1,
		    __ATOMIC_RELAXED);
		nm_spin_unlock(&bb->bb_lock);
		return (true);
	}
	nm_spin_unlock(&bb->bb_lock);
fail_uncount:
	if (len <= NM_BIGCACHE_BLOCK_MAX)
		__atomic_sub_fetch(&nm_bigcache_bytes, len, __ATOMIC_RELAXED);
	return (false);
}

/*
 * nm_big_alloc - allocate a big block of size bytes aligned to align (a
 * power of two).  *zeroedp says whether it is known to be zero.  NULL with
 * errno ENOMEM on failure.
 *
 * Locking: see nm_bigcache_take() and nm_radix_slot().
 */
void *
nm_big_alloc(size_t size, size_t align, bool *zeroedp)
{
	uintptr_t *slot;
	size_t len;
	void *p;

	if (size > NM_BIG_SIZE_MAX || align > NM_ALIGN_MAX_BYTES) {
		errno = ENOMEM;
		return (NULL);
	}
	len = (size + NM_PAGE_MASK) & ~NM_PAGE_MASK;
	p = NULL;
	if (align <= NM_PAGE_BYTES)
		p = nm_bigcache_take(len, &len);
	*zeroedp = (p == NULL);
	if (p == NULL)
		p = nm_big_map(len, align);
	if (p == NULL) {
		errno = ENOMEM;
		return (NULL);
	}
	slot = nm_radix_slot(p, true);
	if (slot == NULL) {
		nm_os_unmap(p, len);
		errno = ENOMEM;
		return (NULL);
	}
	__atomic_store_n(slot, len | NM_BIG_LIVE, __ATOMIC_RELEASE);
	return (p);
}

/* An entry e is being replaced: give back its SPAN budget, if any. */
static inline void
nm_span_release(uintptr_t e)
{
	if ((e & NM_BIG_SPAN) != 0)
		__atomic_sub_fetch(&nm_span_bytes, e & ~NM_BIG_FLAGS,
		    __ATOMIC_RELAXED);
}

static const char *
nm_freed_what(const char *op)
{
	return (strcmp(op, "free") == 0 ? "double free" : "use after free");
}

/*
 * nm_big_lookup - the live page-map entry of ptr; aborts with a message
 * if ptr is not a live big block.
 */
static uintptr_t *
nm_big_lookup(const void *ptr, const char *op, uintptr_t *entryp)
{
	uintptr_t *slot = NULL;
	uintptr_t e;

	if (((uintptr_t)ptr & NM_PAGE_MASK) == 0)
		slot = nm_radix_slot(ptr, false);
	if (slot == NULL)
		nm_bad(op, ptr, "invalid pointer");
	e = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (e == NM_BIG_FREED)
		nm_bad(op, ptr, nm_freed_what(op));
	if ((e & NM_BIG_LIVE) == 0)
		nm_bad(op, ptr, "invalid pointer");
	*entryp = e;
	return (slot);
}

/*
 * nm_big_free - free a big block: cache it or unmap it.  Aborts on a
 * pointer that is not a live big block (op names the caller's API).
 *
 * Locking: lock-free, then nm_bigcache_lock.
 */
void
nm_big_free(void *ptr, const char *op)
{
	uintptr_t *slot;
	uintptr_t e;

	slot = nm_big_lookup(ptr, op, &e);
	while (!__atomic_compare_exchange_n(slot, &e, NM_BIG_FREED, false,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (e == NM_BIG_FREED)
			nm_bad(op, ptr, nm_freed_what(op));
		if ((e & NM_BIG_LIVE) == 0)
			nm_bad(op, ptr, "invalid pointer");
	}
	nm_span_release(e);
	e &= ~NM_BIG_FLAGS;
	if (!nm_bigcache_put(ptr, e))
		nm_os_unmap(ptr, e);
}

size_t
nm_big_usable(const void *ptr, const char *op)
{
	uintptr_t e;

	(void)nm_big_lookup(ptr, op, &e);
	return (e & ~NM_BIG_FLAGS);
}

/*
 * nm_steal_take - take a cached block that a block growing to newlen bytes
 * may take over (see NM_STEAL_SPAN_BYTES); *ep gets its live page-map
 * entry (length and flags) and *bslotp the entry's slot, which the caller
 * sets to *ep.  NULL if there is none.
 *
 * Locking: see nm_bigcache_take_range(); nm_span_bytes is atomic (a race
 * may overshoot the budget by one block per thread).
 */
static void *
nm_steal_take(size_t newlen, uintptr_t *ep, uintptr_t **bslotp)
{
	size_t blen, maxlen = newlen * NM_STEAL_MAX_FACTOR;
	void *b;

	if (newlen > NM_BIGCACHE_BLOCK_MAX)
		return (NULL);
	if (maxlen < NM_STEAL_SPAN_BYTES &&
	    __atomic_load_n(&nm_span_bytes, __ATOMIC_RELAXED) +
	    NM_STEAL_SPAN_BYTES <= NM_STEAL_SPAN_BUDGET)
		maxlen = NM_STEAL_SPAN_BYTES;
	b = nm_bigcache_take_range(newlen, maxlen, &blen);
	if (b == NULL)
		return (NULL);
	*bslotp = nm_radix_slot(b, true);
	if (*bslotp == NULL) {
		nm_os_unmap(b, blen);
		return (NULL);
	}
	*ep = blen | NM_BIG_ROOMY | NM_BIG_LIVE;
	if (blen > newlen * NM_STEAL_MAX_FACTOR) {
		__atomic_add_fetch(&nm_span_bytes, blen, __ATOMIC_RELAXED);
		*ep |= NM_BIG_SPAN;
	}
	return (b);
}

/*
 * nm_big_alloc_grown - a big block of size bytes for a slab chunk that
 * realloc grows: a cached block to take over if there is one (marked
 * NM_BIG_ROOMY), else a new one.  NULL with errno ENOMEM on failure.
 */
void *
nm_big_alloc_grown(size_t size)
{
	uintptr_t *bslot;
	uintptr_t be;
	bool zeroed;
	void *b;

	if (size <= NM_BIG_SIZE_MAX) {
		b = nm_steal_take((size + NM_PAGE_MASK) & ~NM_PAGE_MASK, &be,
		    &bslot);
		if (b != NULL) {
			__atomic_store_n(bslot, be, __ATOMIC_RELEASE);
			return (b);
		}
	}
	return (nm_big_alloc(size, NM_PAGE_BYTES, &zeroed));
}

/*
 * nm_big_steal - grow the live big block ptr (len bytes, page-map entry
 * *slot) to at least newlen bytes by taking over a cached block: ptr's
 * contents are copied there and ptr is freed, or (above
 * NM_STEAL_COPY_MAX_BYTES) its pages are moved onto the cached block's
 * start.  Returns that block, now live and NM_BIG_ROOMY, or NULL with ptr
 * untouched if no cached block fits or the move fails.
 *
 * Locking: see nm_bigcache_take_range(); page-map entries as in
 * nm_big_realloc().
 */
static void *
nm_big_steal(void *ptr, uintptr_t *slot, uintptr_t e, size_t newlen)
{
	size_t len = e & ~NM_BIG_FLAGS;
	uintptr_t *bslot;
	uintptr_t be;
	void *b;

	b = nm_steal_take(newlen, &be, &bslot);
	if (b == NULL)
		return (NULL);
	if (len <= NM_STEAL_COPY_MAX_BYTES) {
		memcpy(b, ptr, len);
		__atomic_store_n(bslot, be, __ATOMIC_RELEASE);
		nm_big_free(ptr, "realloc");
		return (b);
	}
	/* As in nm_big_realloc(): retire ptr's entry before it moves. */
	__atomic_store_n(slot, NM_BIG_FREED, __ATOMIC_RELEASE);
	if (nm_os_remap_onto(ptr, len, b) == NULL) {
		__atomic_store_n(slot, e, __ATOMIC_RELEASE);
		nm_span_release(be);
		nm_os_unmap(b, be & ~NM_BIG_FLAGS);
		return (NULL);
	}
	nm_span_release(e);
	__atomic_store_n(bslot, be, __ATOMIC_RELEASE);
	return (b);
}

/*
 * nm_big_realloc - resize a big block: shrink in place, grow with the OS's
 * remap (no copy), move into a slab zone when it becomes small, else copy.
 * NULL with errno ENOMEM, leaving ptr intact, on failure.
 */
void *
nm_big_realloc(void *ptr, size_t size)
{
	uintptr_t *slot, *qslot;
	size_t len, newlen;
	uintptr_t e;
	bool zeroed;
	void *q;

	slot = nm_big_lookup(ptr, "realloc", &e);
	len = e & ~NM_BIG_FLAGS;
	if (size <= NM_ZONE_LIMIT_BYTES) {
		q = nm_alloc(size);
		if (q == NULL)
			return (NULL);
		memcpy(q, ptr, size);
		nm_big_free(ptr, "realloc");
		return (q);
	}
	if (size > NM_BIG_SIZE_MAX) {
		errno = ENOMEM;
		return (NULL);
	}
	newlen = (size + NM_PAGE_MASK) & ~NM_PAGE_MASK;
	if (newlen <= len) {
		/* Keep the headroom a growing buffer was given. */
		if ((e & NM_BIG_SPAN) != 0 &&
		    newlen * NM_STEAL_MAX_FACTOR >= len) {
			/* Grown into its block: no longer pins it. */
			__atomic_store_n(slot, e & ~NM_BIG_SPAN,
			    __ATOMIC_RELEASE);
			nm_span_release(e);
			return (ptr);
		}
		if (newlen + newlen / NM_GROW_HEADROOM_DIV >= len ||
		    (e & NM_BIG_SPAN) != 0 || ((e & NM_BIG_ROOMY) != 0 &&
		    newlen * NM_STEAL_MAX_FACTOR >= len))
			return (ptr);
		if (newlen < len) {
			__atomic_store_n(slot, newlen | NM_BIG_LIVE,
			    __ATOMIC_RELEASE);
			nm_span_release(e);
			nm_os_unmap((char *)ptr + newlen, len - newlen);
		}
		return (ptr);
	}
	newlen += (newlen / NM_GROW_HEADROOM_DIV + NM_PAGE_MASK) &
	    ~NM_PAGE_MASK;
	if ((q = nm_big_steal(ptr, slot, e, newlen)) != NULL)
		return (q);
	/*
	 * WARNING!  Retire the old entry before the remap: once the block
	 * has moved, another thread may map the old address and set its own
	 * entry there, which a later store here would destroy.
	 */
	__atomic_store_n(slot, NM_BIG_FREED, __ATOMIC_RELEASE);
	q = nm_os_remap(ptr, len, newlen);
	if (q != NULL) {
		qslot = q == ptr ? slot : nm_radix_slot(q, true);
		if (qslot == NULL)
			nm_bad("realloc", ptr, "out of memory for the page map");
		__atomic_store_n(qslot, newlen | NM_BIG_LIVE, __ATOMIC_RELEASE);
		nm_span_release(e);
		return (q);
	}
	__atomic_store_n(slot, e, __ATOMIC_RELEASE);
	q = nm_big_alloc(size, NM_PAGE_BYTES, &zeroed);
	if (q == NULL)
		return (NULL);
	memcpy(q, ptr, len);
	nm_big_free(ptr, "realloc");
	return (q);
}

/* Fork: hold every lock of this file across fork(2) (nmalloc.c's order). */
void
nm_big_fork_lock(void)
{
	unsigned i;

	for (i = 0; i < NM_BIGCACHE_BINS; i++)
		nm_spin_lock(&nm_bigcache[i].bb_lock);
	nm_spin_lock(&nm_radix_lock);
}

void
nm_big_fork_unlock(void)
{
	unsigned i;

	nm_spin_unlock(&nm_radix_lock);
	for (i = 0; i < NM_BIGCACHE_BINS; i++)
		nm_spin_unlock(&nm_bigcache[i].bb_lock);
}
