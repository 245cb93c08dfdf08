/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * nmalloc.c - Anax's malloc: DragonFly's slab allocator design in userland.
 *
 * What: the C allocator (malloc, free, calloc, realloc, reallocarray,
 * posix_memalign, aligned_alloc, memalign, valloc, pvalloc,
 * malloc_usable_size).  It is libc's malloc on Anax, and on Linux it builds
 * as libnmalloc.so for LD_PRELOAD.  Requests above NM_ZONE_LIMIT_BYTES go
 * to nmalloc_big.c.
 *
 * Model (after DragonFly's nmalloc, see dragonfly-design.md §6.1, §6.4):
 *   - Slab zones.  Small requests are rounded up to one of NM_NZONES size
 *     classes and served from 64 KiB zones aligned to their size, so a
 *     chunk's zone is ptr & ~NM_ZONE_MASK.  Each zone has an in-band
 *     header (struct nm_zone) in its first page, at an offset coloured
 *     by the zone's number so that headers spread over the cache sets;
 *     the magic encodes the class.  Its chunks come first from a free
 *     list of returned chunks, then from a rotor over never-used chunks.
 *     Classes step by 16 bytes up to 128 bytes (DragonFly steps by 8; the
 *     x86_64 ABI wants 16-byte alignment from malloc), then 8 classes per
 *     power of two up to 16 KiB.  Power-of-two sizes are aligned to their
 *     size.
 *   - Per-thread magazines (Bonwick & Adams, as DragonFly's nmalloc): each
 *     thread has a loaded and a previous magazine per class.  malloc pops
 *     and free pushes with no lock and no atomic; an empty or full
 *     magazine is traded with the class's depot under its lock, and the
 *     depot falls back to the zones.  A thread's magazines are flushed back
 *     to the zones when it exits.
 *   - The arena.  All zones are carved from one address-space reservation,
 *     so "is this a slab chunk?" is a single range compare, and a zone
 *     header is only read once the pointer is known to be inside.  Fully
 *     free zones go to a pool; past NM_ZONE_CACHE_MAX of them their pages
 *     are given back to the OS (all but the first page, which keeps the
 *     pool link).
 *   - Bad use: a freed chunk carries a tag (a per-process secret xor its
 *     address) in its second word, so freeing it again is caught; a zone
 *     header carries a magic that encodes its class, and a chunk
 *     pointer must fall on a chunk boundary.  Each failure aborts with
 *     "nmalloc: free(0x...): what", written with write(2).
 *
 * Invariants: a zone with free chunks is on its class's c_partial list
 * exactly when z_nfree > 0; a zone with z_nfree == z_nmax is released to
 * the pool unless it is the class's last partial zone; a chunk is in at
 * most one of {a magazine, a zone free list, the caller's hands}; a
 * magazine is reachable from one thread's tc_loaded/tc_prev or one depot
 * list or the magazine pool, never two.
 *
 * Locking: per class, c_lock protects the class's zones and their [C]
 * header fields, and d_lock its depot.  nm_pool_lock protects the arena
 * top and the free-zone pool, nm_magpool_lock the spare magazines.  Order:
 * c_lock -> nm_pool_lock; nm_magpool_lock -> nm_pool_lock; d_lock is never
 * held with another.  Thread-local magazines need no lock.  Nothing blocks
 * except a contended spinlock, which yields.  fork(2) takes every lock
 * (nm_fork_prepare) so the child starts consistent.
 *
 * OS hooks: nmalloc_os.h.  Anax's libc builds this file unchanged with its
 * own nmalloc_os_anax.c (mmap/mprotect/madvise/mremap syscall stubs, its
 * thread-exit hook, fork hooks, write(2) and abort); Linux uses
 * nmalloc_os_linux.c.  No stdio and no dlsym here; thread state is an
 * initial-exec TLS variable, so early startup never recurses into malloc.
 *
 * Read more: docs/design/nmalloc.md.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "nmalloc.h"
#include "nmalloc_impl.h"

#define NM_ZONE_BYTES		65536UL
#define NM_ZONE_MASK		(NM_ZONE_BYTES - 1)
#define NM_ZONE_SHIFT		16
#define NM_ZONE_HDR_BYTES	128U
/*
 * Zone headers are coloured: zone n keeps its header at offset
 * (n % NM_ZONE_COLORS) * NM_ZONE_HDR_BYTES, so that the headers of
 * neighbouring zones do not all fall into the same cache set (64 KiB
 * aligned addresses share one).  All colours fit in the first page.
 */
#define NM_ZONE_COLORS		16
#define NM_ZONE_MAGIC		0x6e6da5c3U
#define NM_NZONES		64
#define NM_SMALL_MAX_BYTES	128UL	/* 16-byte steps up to here */
#define NM_SMALL_CLASSES	8
#define NM_CLASSES_PER_POW2	8
#define NM_CLASS_STEP_SHIFT	3	/* log2(NM_CLASSES_PER_POW2) */
#define NM_FIRST_POW2_SHIFT	7	/* log2(NM_SMALL_MAX_BYTES) */
/* Sizes up to this take their class from nm_size_tcoff[] (malloc's path). */
#define NM_TABLE_MAX_BYTES	1024UL
#define NM_TABLE_ENTRIES	(NM_TABLE_MAX_BYTES + 1)

/*
 * The arena reservation: try NM_ARENA_MAX_BYTES, then smaller by
 * NM_ARENA_SHRINK_SHIFT steps down to NM_ARENA_MIN_BYTES.  Sanitizer test
 * builds pass a smaller -DNM_ARENA_MAX_BYTES.
 */
#ifndef NM_ARENA_MAX_BYTES
#define NM_ARENA_MAX_BYTES	(256UL << 30)
#endif
#define NM_ARENA_MIN_BYTES	(1UL << 30)
#define NM_ARENA_SHRINK_SHIFT	2
#define NM_ARENA_MAX_ZONES	(NM_ARENA_MAX_BYTES / NM_ZONE_BYTES)
#define NM_CARVE_BYTES		(1UL << 20)	/* committed per step */
#define NM_ZONE_CACHE_MAX	64	/* free zones kept resident */

/* Magazines: NM_MAG_BYTES each, rounds scaled to NM_MAG_TARGET_BYTES. */
#define NM_MAG_BYTES		2048
#define NM_MAG_ROUNDS_MAX	254
#define NM_MAG_ROUNDS_MIN	8
#ifndef NM_MAG_TARGET_BYTES
#define NM_MAG_TARGET_BYTES	32768
#endif
/* A magazine fill takes at most this many bytes of never-used chunks. */
#ifndef NM_FILL_FRESH_BYTES
#define NM_FILL_FRESH_BYTES	4096
#endif
#define NM_DEPOT_FULL_MAX	8
#define NM_DEPOT_EMPTY_MAX	8

/* nm_zone_state[] values (read on error paths to name the problem). */
#define NM_ZS_NONE		0
#define NM_ZS_ACTIVE		1
#define NM_ZS_FREE		2
#define NM_ZS_MAGS		3

/* Thread states (t_state). */
#define NM_T_NEW		0	/* not yet hooked */
#define NM_T_INIT		1	/* hooking: re-entry uses the zones */
#define NM_T_READY		2	/* uses magazines */
#define NM_T_NOHOOK		3	/* cannot be drained: no magazines */
#define NM_T_DEAD		4	/* exited: no magazines */

/* Global init states. */
#define NM_INIT_NONE		0
#define NM_INIT_BUSY		1
#define NM_INIT_DONE		2
#define NM_INIT_FAILED		3
#define NM_INIT_HOOKS		4	/* arena ready, hooks being installed */

#define NM_HEX_DIGITS		16
#define NM_MSG_BYTES		160

/*
 * Slab zone header, in-band in the first page of every zone.  Legend:
 *   [I] set when the zone is given to a class, then read without locks
 *   [C] the class's c_lock        [P] nm_pool_lock (zone in the pool)
 */
/* clang-format off */
struct nm_zone {
	uint32_t	 z_magic;	/* [I] see nm_zone_tcoff() */
	uint32_t	 z_first_off;	/* [I] chunk 0's offset from the base */
	uint64_t	 z_mul;		/* [I] see nm_chunk_ok() */
	uint64_t	 z_lim;		/* [I] see nm_chunk_ok() */
	uint32_t	 z_nmax;	/* [I] chunks in the zone */
	uint32_t	 z_chunk_bytes;	/* [I] chunk size */
	uint32_t	 z_class;	/* [I] size class index */
	char		 z_pad[NM_CACHELINE_BYTES - 36];
	struct nm_zone	*z_next;	/* [C] c_partial link; [P] pool link */
	struct nm_zone	*z_prev;	/* [C] c_partial link */
	void		*z_free;	/* [C] returned chunks */
	uint32_t	 z_nfree;	/* [C] free chunks, fresh included */
	uint32_t	 z_uindex;	/* [C] next never-used chunk */
};

/* A magazine of free chunks of one class. */
struct nm_mag {
	struct nm_mag	*mg_next;	/* depot or pool link */
	uint32_t	 mg_rounds;	/* chunks held */
	uint32_t	 mg_capacity;	/* for its class */
	void		*mg_objs[NM_MAG_ROUNDS_MAX];
};

/* A size class: [C] c_lock, [D] d_lock. */
struct nm_class {
	struct nm_spin	 c_lock;
	uint32_t	 c_npartial;	/* [C] zones on c_partial */
	struct nm_zone	*c_partial;	/* [C] zones with free chunks */
	struct nm_spin	 d_lock
	    __attribute__((__aligned__(NM_CACHELINE_BYTES)));
	uint32_t	 d_nfull;	/* [D] */
	uint32_t	 d_nempty;	/* [D] */
	struct nm_mag	*d_full;	/* [D] full magazines */
	struct nm_mag	*d_empty;	/* [D] empty magazines */
} __attribute__((__aligned__(NM_CACHELINE_BYTES)));

/*
 * Per-thread state, in initial-exec TLS: touched only by its thread.  The
 * loaded magazine's fill level lives here as a pointer to its next free
 * slot (its mg_rounds is stale while it is loaded), so that malloc is
 * "tc_top != tc_base: pop" and free "tc_top != tc_end: push", touching
 * only this and the slot itself.  No magazine loaded: all three are NULL.
 */
struct nm_tclass {
	void		**tc_top;	/* next free slot of the loaded mag */
	void		**tc_base;	/* its mg_objs */
	void		**tc_end;	/* its mg_objs + mg_capacity */
	struct nm_mag	*tc_prev;	/* its mg_rounds is current */
};

struct nm_thread {
	struct nm_tclass t_class[NM_NZONES];
	int		 t_state;
};
/* clang-format on */

NM_CTASSERT(sizeof(struct nm_zone) <= NM_ZONE_HDR_BYTES);
NM_CTASSERT(sizeof(struct nm_mag) == NM_MAG_BYTES);
NM_CTASSERT((NM_ZONE_BYTES % NM_MAG_BYTES) == 0);
NM_CTASSERT((NM_ZONE_BYTES & NM_ZONE_MASK) == 0);
NM_CTASSERT((NM_CARVE_BYTES % NM_ZONE_BYTES) == 0);
NM_CTASSERT((1UL << NM_ZONE_SHIFT) == NM_ZONE_BYTES);
NM_CTASSERT(NM_ZONE_COLORS * NM_ZONE_HDR_BYTES <= NM_PAGE_BYTES);
/* Chunk 0 of every zone starts a cache line (see nm_slab_fill()). */
NM_CTASSERT(NM_ZONE_HDR_BYTES % NM_CACHELINE_BYTES == 0);

static struct nm_class nm_classes[NM_NZONES];

/* Class tables, [I] after nm_init(). */
static uint32_t nm_class_bytes[NM_NZONES];
static uint32_t nm_class_align[NM_NZONES];	/* chunk alignment */
static uint64_t nm_class_mul[NM_NZONES];	/* see nm_chunk_ok() */
static uint32_t nm_class_rounds[NM_NZONES];	/* magazine capacity */
static uint32_t nm_class_fresh[NM_NZONES];	/* never-used chunks per fill */
static uint32_t nm_class_lgroup[NM_NZONES];	/* chunks per line group */

static int nm_init_state;		/* [a] NM_INIT_* */
static int nm_hooks_ready;		/* [a] thread hook usable */
static uint64_t nm_secret;		/* [I] freed-chunk tag key */
static uintptr_t nm_arena_base;		/* [I] */
static size_t nm_arena_bytes;		/* [I] reserved */
static size_t nm_arena_top;		/* [a] bytes handed out as zones */
static size_t nm_arena_committed;	/* [P] bytes made read/write */
static uint8_t nm_zone_state[NM_ARENA_MAX_ZONES];	/* [a] NM_ZS_* */

static struct nm_spin nm_pool_lock;
static struct nm_zone *nm_pool_dirty;	/* [P] free zones, resident */
static struct nm_zone *nm_pool_clean;	/* [P] free zones, released */
static unsigned nm_pool_ndirty;		/* [P] */

static struct nm_spin nm_magpool_lock;
static struct nm_mag *nm_magpool;	/* [M] spare magazines */
static char *nm_mag_carve;		/* [M] next uncarved magazine */
static char *nm_mag_carve_end;		/* [M] end of its zone */

static __thread struct nm_thread nm_self
    __attribute__((__tls_model__("initial-exec")));

/*
 * The fast paths name a class by its slot's byte offset in t_class[]
 * (its "tcoff", class << NM_TC_SHIFT): malloc's size table and the zone
 * magic hold that, so neither path scales the class.
 */
#define NM_TC_SHIFT		5
#define NM_TC_MASK		((uint32_t)(NM_NZONES - 1) << NM_TC_SHIFT)
NM_CTASSERT(sizeof(struct nm_tclass) == (1U << NM_TC_SHIFT));
NM_CTASSERT(offsetof(struct nm_thread, t_class) == 0);

/*
 * nm_tc_at(tcoff) - this thread's slot of a class, for the fast paths.  A
 * shared object reaches initial-exec TLS as %fs:0 + an offset from the
 * GOT; gcc computes that sum (two adds) before every use.  Read through
 * gcc's __seg_fs address space, the slot is %fs:(tcoff + offset), the
 * offset added straight from the GOT entry the linker makes for
 * nm_self@gottpoff: one instruction less in malloc and in free.
 * Sanitizer builds do not instrument __seg_fs accesses, so they use the
 * plain form.  NM_TLS qualifies the pointers to such a slot.
 */
#if defined(__x86_64__) && defined(__SEG_FS) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define NM_TLS	__seg_fs

static inline struct nm_tclass NM_TLS *
nm_tc_at(uint32_t tcoff)
{
	uintptr_t off = tcoff;

	__asm__("addq nm_self@gottpoff(%%rip), %0" : "+r"(off));
	return ((struct nm_tclass NM_TLS *)off);
}
#else
#define NM_TLS

static inline struct nm_tclass *
nm_tc_at(uint32_t tcoff)
{
	return ((struct nm_tclass *)(void *)((char *)nm_self.t_class +
	    tcoff));
}
#endif
#define NM_TC(zi)	nm_tc_at((uint32_t)(zi) << NM_TC_SHIFT)

/* Set on the thread running nm_init() while it installs the hooks. */
static __thread bool nm_initializer
    __attribute__((__tls_model__("initial-exec")));

/*
 * nm_bad - report bad use of the allocator and abort.  The message is
 * "nmalloc: op(0xADDR): what", written straight to file descriptor 2.
 */
void
nm_bad(const char *op, const void *ptr, const char *what)
{
	static const char hex[] = "0123456789abcdef";
	char buf[NM_MSG_BYTES];
	uintptr_t v = (uintptr_t)ptr;
	size_t n = 0;
	int i;

#define NM_APPEND(s)							\
	do {								\
		const char *s_ = (s);					\
		while (*s_ != '\0' && n < sizeof(buf) - 1)		\
			buf[n++] = *s_++;				\
	} while (0)
	NM_APPEND("nmalloc: ");
	NM_APPEND(op);
	NM_APPEND("(0x");
	for (i = NM_HEX_DIGITS - 1; i >= 0; i--) {
		if ((v >> (i * 4)) == 0 && i != 0)
			continue;
		buf[n++] = hex[(v >> (i * 4)) & 0xf];
	}
	NM_APPEND("): ");
	NM_APPEND(what);
#undef NM_APPEND
	buf[n++] = '\n';
	nm_os_write_stderr(buf, n);
	nm_os_abort();
}

/*
 * The class of a request of 0..NM_TABLE_MAX_BYTES bytes as a tcoff,
 * indexed by the size itself (2 KiB, of which a workload's sizes touch a
 * few lines): what nm_zoneindex() computes, 0 taken as 1, kept as a
 * constant so that malloc's fast path is one load with no arithmetic on
 * the size (and valid before nm_init(), which checks it).
 */
#define NM_X16(t)	t, t, t, t, t, t, t, t, t, t, t, t, t, t, t, t
#define NM_C(zi)	NM_X16((zi) << NM_TC_SHIFT)
static const uint16_t nm_size_tcoff[NM_TABLE_ENTRIES] = {
	0,					/* malloc(0) */
	NM_C(0), NM_C(1), NM_C(2), NM_C(3),	/* 1-256, by 16 */
	NM_C(4), NM_C(5), NM_C(6), NM_C(7),
	NM_C(8), NM_C(9), NM_C(10), NM_C(11),
	NM_C(12), NM_C(13), NM_C(14), NM_C(15),
	NM_C(16), NM_C(16), NM_C(17), NM_C(17), /* 257-512, by 32 */
	NM_C(18), NM_C(18), NM_C(19), NM_C(19),
	NM_C(20), NM_C(20), NM_C(21), NM_C(21),
	NM_C(22), NM_C(22), NM_C(23), NM_C(23),
	NM_C(24), NM_C(24), NM_C(24), NM_C(24), /* 513-1024, by 64 */
	NM_C(25), NM_C(25), NM_C(25), NM_C(25),
	NM_C(26), NM_C(26), NM_C(26), NM_C(26),
	NM_C(27), NM_C(27), NM_C(27), NM_C(27),
	NM_C(28), NM_C(28), NM_C(28), NM_C(28),
	NM_C(29), NM_C(29), NM_C(29), NM_C(29),
	NM_C(30), NM_C(30), NM_C(30), NM_C(30),
	NM_C(31), NM_C(31), NM_C(31), NM_C(31),
};
#undef NM_C
#undef NM_X16

static inline unsigned
nm_zoneindex(size_t n)
{
	unsigned k;

	if (n <= NM_SMALL_MAX_BYTES)
		return ((unsigned)((n - 1) >> NM_QUANTUM_SHIFT));
	k = 63 - (unsigned)__builtin_clzl(n - 1);
	return (NM_SMALL_CLASSES + (k - NM_FIRST_POW2_SHIFT) *
	    NM_CLASSES_PER_POW2 +
	    (unsigned)((n - 1 - (1UL << k)) >> (k - NM_CLASS_STEP_SHIFT)));
}

static void
nm_tables_init(void)
{
	uint32_t bytes, align, group, step;
	unsigned zi, i;

	for (i = 0; i < NM_TABLE_ENTRIES; i++) {
		if (nm_size_tcoff[i] != nm_zoneindex(i > 0 ? i : 1) <<
		    NM_TC_SHIFT)
			nm_bad("malloc", NULL, "size class table is wrong");
	}
	for (zi = 0; zi < NM_NZONES; zi++) {
		if (zi < NM_SMALL_CLASSES) {
			bytes = (zi + 1) * NM_QUANTUM_BYTES;
		} else {
			group = (zi - NM_SMALL_CLASSES) / NM_CLASSES_PER_POW2;
			step = (uint32_t)(NM_SMALL_MAX_BYTES << group) /
			    NM_CLASSES_PER_POW2;
			bytes = (uint32_t)(NM_SMALL_MAX_BYTES << group) +
			    ((zi - NM_SMALL_CLASSES) % NM_CLASSES_PER_POW2 +
				1) * step;
		}
		align = bytes & -bytes;
		nm_class_bytes[zi] = bytes;
		nm_class_align[zi] = align;
		nm_class_mul[zi] = (uint64_t)(((unsigned __int128)1 << 64) /
		    bytes) + 1;
		bytes = NM_MAG_TARGET_BYTES / bytes;
		if (bytes > NM_MAG_ROUNDS_MAX)
			bytes = NM_MAG_ROUNDS_MAX;
		if (bytes < NM_MAG_ROUNDS_MIN)
			bytes = NM_MAG_ROUNDS_MIN;
		nm_class_rounds[zi] = bytes;
		/*
		 * Chunk i of a zone starts a cache line exactly when
		 * lgroup divides i (chunk 0 is line-aligned), so fills
		 * take never-used chunks in whole groups of lgroup.
		 */
		group = NM_CACHELINE_BYTES / (align < NM_CACHELINE_BYTES ?
		    align : NM_CACHELINE_BYTES);
		nm_class_lgroup[zi] = group;
		bytes = NM_FILL_FRESH_BYTES / nm_class_bytes[zi];
		bytes = (bytes + group - 1) / group * group;
		nm_class_fresh[zi] = bytes > 0 ? bytes : group;
	}
}

static void nm_thread_exit(void *arg);
static void nm_fork_prepare(void);
static void nm_fork_release(void);

/*
 * nm_init - set up the class tables and reserve the arena, once.  Returns
 * false if no arena could be reserved (every malloc then fails).
 *
 * Locking: the first caller does the work; others spin until it is done.
 * The fork and thread hooks are installed before NM_INIT_DONE, so that no
 * fork(2) can copy a lock taken after init; installing them may allocate,
 * and that re-entry (same thread, NM_INIT_HOOKS) is let through.
 */
static bool
nm_init(void)
{
	int s = NM_INIT_NONE;
	size_t bytes;
	void *p = NULL;

	while (!__atomic_compare_exchange_n(&nm_init_state, &s, NM_INIT_BUSY,
	    false, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
		if (s == NM_INIT_DONE)
			return (true);
		if (s == NM_INIT_FAILED)
			return (false);
		if (s == NM_INIT_HOOKS && nm_initializer)
			return (true);
		nm_os_yield();
		s = NM_INIT_NONE;
	}
	nm_tables_init();
	nm_secret = nm_os_random64();
	for (bytes = NM_ARENA_MAX_BYTES; bytes >= NM_ARENA_MIN_BYTES;
	    bytes >>= NM_ARENA_SHRINK_SHIFT) {
		p = nm_os_reserve(bytes + NM_ZONE_BYTES);
		if (p != NULL)
			break;
	}
	if (p == NULL) {
		__atomic_store_n(&nm_init_state, NM_INIT_FAILED,
		    __ATOMIC_RELEASE);
		return (false);
	}
	nm_arena_base = ((uintptr_t)p + NM_ZONE_MASK) & ~NM_ZONE_MASK;
	nm_arena_bytes = bytes;
	nm_initializer = true;
	__atomic_store_n(&nm_init_state, NM_INIT_HOOKS, __ATOMIC_RELEASE);
	nm_os_atfork(nm_fork_prepare, nm_fork_release, nm_fork_release);
	if (nm_os_thread_hook_init(nm_thread_exit))
		__atomic_store_n(&nm_hooks_ready, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&nm_init_state, NM_INIT_DONE, __ATOMIC_RELEASE);
	nm_initializer = false;
	return (true);
}

static inline bool
nm_ready(void)
{
	return (nm_likely(__atomic_load_n(&nm_init_state, __ATOMIC_ACQUIRE) ==
	    NM_INIT_DONE) || nm_init());
}

/*
 * nm_startup - initialise at load time, while the process has one thread,
 * so that no fork(2) can catch another thread inside nm_init() (a child
 * would wait for it forever).  A malloc before this (the dynamic linker,
 * an earlier constructor) initialises lazily instead.
 */
static void __attribute__((__constructor__))
nm_startup(void)
{
	(void)nm_ready();
}

/* The (coloured) header of the zone holding ptr. */
static inline struct nm_zone *
nm_zone_of(const void *ptr)
{
	uintptr_t base = (uintptr_t)ptr & ~NM_ZONE_MASK;

	return ((struct nm_zone *)(base + ((base >> NM_ZONE_SHIFT) &
	    (NM_ZONE_COLORS - 1)) * NM_ZONE_HDR_BYTES));
}

/*
 * The zone's class as a tcoff, taken from its magic (NM_ZONE_MAGIC ^ the
 * tcoff); if the magic is wrong, a value with bits
 * outside NM_TC_MASK (all but 64 of the 2^32 values have them).
 */
static inline uint32_t
nm_zone_tcoff(const struct nm_zone *z)
{
	return (__atomic_load_n(&z->z_magic, __ATOMIC_RELAXED) ^
	    NM_ZONE_MAGIC);
}

static inline uintptr_t
nm_zone_base(const struct nm_zone *z)
{
	return ((uintptr_t)z & ~NM_ZONE_MASK);
}

static inline void
nm_zone_set_state(const struct nm_zone *z, uint8_t state)
{
	__atomic_store_n(&nm_zone_state[(nm_zone_base(z) - nm_arena_base) /
	    NM_ZONE_BYTES], state, __ATOMIC_RELAXED);
}

/*
 * nm_zone_get - a free 64 KiB zone: from the pool, else carved from the
 * arena.  NULL when the arena is exhausted.
 *
 * Locking: takes nm_pool_lock (may be called under a c_lock or
 * nm_magpool_lock).  May commit memory with the OS.
 */
static struct nm_zone *
nm_zone_get(uint8_t state)
{
	struct nm_zone *z;
	size_t top;

	nm_spin_lock(&nm_pool_lock);
	if ((z = nm_pool_dirty) != NULL) {
		nm_pool_dirty = z->z_next;
		nm_pool_ndirty--;
	} else if ((z = nm_pool_clean) != NULL) {
		nm_pool_clean = z->z_next;
	} else {
		top = nm_arena_top;
		if (top + NM_ZONE_BYTES > nm_arena_committed) {
			if (nm_arena_committed + NM_CARVE_BYTES >
			    nm_arena_bytes ||
			    !nm_os_commit((void *)(nm_arena_base +
				nm_arena_committed), NM_CARVE_BYTES)) {
				nm_spin_unlock(&nm_pool_lock);
				return (NULL);
			}
			nm_arena_committed += NM_CARVE_BYTES;
		}
		z = nm_zone_of((void *)(nm_arena_base + top));
		__atomic_store_n(&nm_arena_top, top + NM_ZONE_BYTES,
		    __ATOMIC_RELEASE);
	}
	nm_spin_unlock(&nm_pool_lock);
	nm_zone_set_state(z, state);
	return (z);
}

/*
 * nm_zone_put - give a wholly free zone back to the pool; beyond
 * NM_ZONE_CACHE_MAX resident free zones, its pages (but the header page)
 * go back to the OS.
 *
 * Locking: takes nm_pool_lock; call without a c_lock (may madvise).
 */
static void
nm_zone_put(struct nm_zone *z)
{
	bool release;

	__atomic_store_n(&z->z_magic, 0, __ATOMIC_RELAXED);
	nm_zone_set_state(z, NM_ZS_FREE);
	nm_spin_lock(&nm_pool_lock);
	release = nm_pool_ndirty >= NM_ZONE_CACHE_MAX;
	if (!release) {
		z->z_next = nm_pool_dirty;
		nm_pool_dirty = z;
		nm_pool_ndirty++;
	}
	nm_spin_unlock(&nm_pool_lock);
	if (!release)
		return;
	nm_os_release((void *)(nm_zone_base(z) + NM_PAGE_BYTES),
	    NM_ZONE_BYTES - NM_PAGE_BYTES);
	nm_spin_lock(&nm_pool_lock);
	z->z_next = nm_pool_clean;
	nm_pool_clean = z;
	nm_spin_unlock(&nm_pool_lock);
}

static void
nm_partial_link(struct nm_class *c, struct nm_zone *z)
{
	z->z_prev = NULL;
	z->z_next = c->c_partial;
	if (c->c_partial != NULL)
		c->c_partial->z_prev = z;
	c->c_partial = z;
	c->c_npartial++;
}

static void
nm_partial_unlink(struct nm_class *c, struct nm_zone *z)
{
	if (z->z_prev != NULL)
		z->z_prev->z_next = z->z_next;
	else
		c->c_partial = z->z_next;
	if (z->z_next != NULL)
		z->z_next->z_prev = z->z_prev;
	c->c_npartial--;
}

/*
 * nm_zone_new - give a zone to class zi and put it on c_partial.
 *
 * Locking: caller holds the class's c_lock.
 */
static struct nm_zone *
nm_zone_new(unsigned zi)
{
	uint32_t align = nm_class_align[zi];
	struct nm_zone *z;

	z = nm_zone_get(NM_ZS_ACTIVE);
	if (z == NULL)
		return (NULL);
	z->z_class = zi;
	z->z_chunk_bytes = nm_class_bytes[zi];
	z->z_mul = nm_class_mul[zi];
	z->z_first_off = ((uint32_t)((uintptr_t)z - nm_zone_base(z)) +
	    NM_ZONE_HDR_BYTES + align - 1) & ~(align - 1);
	z->z_nmax = (uint32_t)((NM_ZONE_BYTES - z->z_first_off) /
	    z->z_chunk_bytes);
	/* z_mul * chunk size is 2^64 + e, 1 <= e <= chunk size. */
	z->z_lim = (uint64_t)z->z_nmax * (z->z_mul * z->z_chunk_bytes);
	z->z_free = NULL;
	z->z_nfree = z->z_nmax;
	z->z_uindex = 0;
	__atomic_store_n(&z->z_magic, NM_ZONE_MAGIC ^ (zi << NM_TC_SHIFT),
	    __ATOMIC_RELAXED);
	nm_partial_link(&nm_classes[zi], z);
	return (z);
}

/*
 * nm_slab_fill - take up to n chunks of class zi from its zones into objs:
 * returned chunks first, then at most nm_class_fresh[zi] never-used ones,
 * so that a magazine is not filled with a whole magazine's worth of
 * untouched memory that the thread may never need (every chunk handed out
 * is written, so each one counts in the resident set).  Never-used chunks
 * go in whole cache-line groups (nm_class_lgroup[zi] chunks): a fill
 * neither starts nor stops inside a line, so two threads' fills never
 * share a line of fresh chunks (active false sharing; counted by
 * tests/bench/malloc/lineshare.c).  Only a fill of fewer chunks than a
 * group (nm_alloc_direct) can break that; the next fill completes the
 * group.  With line_first (a thread's first fill of the class), objs
 * starts with one group of never-used chunks when the first partial zone
 * has one, so that the first chunks the thread pops (the magazine is
 * reversed) are in a line no other thread was handed.  Returns how many;
 * 0 only when memory is exhausted.
 *
 * Locking: takes the class's c_lock, and nm_pool_lock for new zones.
 */
static unsigned
nm_slab_fill(unsigned zi, void **objs, unsigned n, bool line_first)
{
	struct nm_class *c = &nm_classes[zi];
	struct nm_zone *z;
	unsigned got = 0, fresh = nm_class_fresh[zi];
	uint32_t gmask = nm_class_lgroup[zi] - 1;
	void *p;

	nm_spin_lock(&c->c_lock);
	z = c->c_partial;
	if (line_first && z != NULL && n > gmask &&
	    (z->z_uindex & gmask) == 0 && z->z_nmax - z->z_uindex > gmask) {
		do {
			objs[got++] = (char *)nm_zone_base(z) +
			    z->z_first_off +
			    (size_t)z->z_uindex * z->z_chunk_bytes;
			z->z_uindex++;
			z->z_nfree--;
		} while ((z->z_uindex & gmask) != 0);
		fresh = fresh > got ? fresh - got : 0;
		if (z->z_nfree == 0)
			nm_partial_unlink(c, z);
	}
	while (got < n) {
		z = c->c_partial;
		if (z == NULL && (fresh == 0 || (z = nm_zone_new(zi)) == NULL))
			break;
		while (got < n && z->z_nfree > 0) {
			p = z->z_free;
			if (p != NULL) {
				z->z_free = *(void **)p;
			} else if ((z->z_uindex & gmask) != 0 ||
			    (fresh > 0 && (n - got > gmask || got == 0))) {
				p = (char *)nm_zone_base(z) + z->z_first_off +
				    (size_t)z->z_uindex * z->z_chunk_bytes;
				z->z_uindex++;
				if (fresh > 0)
					fresh--;
			} else {
				break;
			}
			z->z_nfree--;
			objs[got++] = p;
		}
		if (z->z_nfree == 0)
			nm_partial_unlink(c, z);
		else if (z->z_free == NULL)
			break;
	}
	nm_spin_unlock(&c->c_lock);
	return (got);
}

/*
 * nm_slab_put - return n chunks of class zi to their zones; zones that
 * become wholly free (and are not the class's last) go back to the pool.
 *
 * Locking: takes the class's c_lock; releases zones after dropping it.
 */
static void
nm_slab_put(unsigned zi, void *const *objs, unsigned n)
{
	struct nm_class *c = &nm_classes[zi];
	struct nm_zone *z, *empty = NULL;
	unsigned i;

	nm_spin_lock(&c->c_lock);
	for (i = 0; i < n; i++) {
		z = nm_zone_of(objs[i]);
		*(void **)objs[i] = z->z_free;
		z->z_free = objs[i];
		if (z->z_nfree++ == 0)
			nm_partial_link(c, z);
		if (z->z_nfree == z->z_nmax && c->c_npartial > 1) {
			nm_partial_unlink(c, z);
			z->z_next = empty;
			empty = z;
		}
	}
	nm_spin_unlock(&c->c_lock);
	while ((z = empty) != NULL) {
		empty = z->z_next;
		nm_zone_put(z);
	}
}

/*
 * nm_mag_new - an empty magazine sized for class zi, NULL if out of
 * memory.  Magazines are carved one at a time from zones of their own
 * (so that a zone's pages are touched only as its magazines are needed)
 * and never unmapped; freed ones go to nm_magpool.
 *
 * Locking: takes nm_magpool_lock, then nm_pool_lock for a new zone.
 */
static struct nm_mag *
nm_mag_new(unsigned zi)
{
	struct nm_mag *m;
	struct nm_zone *z;

	nm_spin_lock(&nm_magpool_lock);
	if ((m = nm_magpool) != NULL) {
		nm_magpool = m->mg_next;
	} else {
		if (nm_mag_carve == nm_mag_carve_end &&
		    (z = nm_zone_get(NM_ZS_MAGS)) != NULL) {
			nm_mag_carve = (char *)nm_zone_base(z);
			nm_mag_carve_end = nm_mag_carve + NM_ZONE_BYTES;
		}
		if (nm_mag_carve != nm_mag_carve_end) {
			m = (struct nm_mag *)(void *)nm_mag_carve;
			nm_mag_carve += NM_MAG_BYTES;
		}
	}
	nm_spin_unlock(&nm_magpool_lock);
	if (m != NULL) {
		m->mg_rounds = 0;
		m->mg_capacity = nm_class_rounds[zi];
	}
	return (m);
}

static void
nm_mag_free(struct nm_mag *m)
{
	nm_spin_lock(&nm_magpool_lock);
	m->mg_next = nm_magpool;
	nm_magpool = m;
	nm_spin_unlock(&nm_magpool_lock);
}

/* Empty a magazine into the zones. */
static void
nm_mag_flush(unsigned zi, struct nm_mag *m)
{
	if (m->mg_rounds != 0)
		nm_slab_put(zi, (void *const *)m->mg_objs, m->mg_rounds);
	m->mg_rounds = 0;
}

/* Make m (NULL: none) the loaded magazine of tc. */
static inline void
nm_tc_load(struct nm_tclass *tc, struct nm_mag *m)
{
	if (m == NULL) {
		tc->tc_top = tc->tc_base = tc->tc_end = NULL;
		return;
	}
	tc->tc_base = m->mg_objs;
	tc->tc_top = m->mg_objs + m->mg_rounds;
	tc->tc_end = m->mg_objs + m->mg_capacity;
}

/* Take the loaded magazine out of tc, its count written back. */
static inline struct nm_mag *
nm_tc_unload(struct nm_tclass *tc)
{
	struct nm_mag *m;

	if (tc->tc_base == NULL)
		return (NULL);
	m = (struct nm_mag *)(void *)((char *)tc->tc_base -
	    offsetof(struct nm_mag, mg_objs));
	m->mg_rounds = (uint32_t)(tc->tc_top - tc->tc_base);
	nm_tc_load(tc, NULL);
	return (m);
}

/*
 * nm_thread_start - hook the calling thread so that its magazines are
 * drained when it exits; only then may it use magazines.
 *
 * Context: the thread's first slow-path malloc or free.  Re-entry from the
 * hook's own allocation sees NM_T_INIT and goes straight to the zones.
 */
static void
nm_thread_start(struct nm_thread *t)
{
	if (!__atomic_load_n(&nm_hooks_ready, __ATOMIC_ACQUIRE))
		return;
	t->t_state = NM_T_INIT;
	if (nm_os_thread_register(nm_thread_exit, t))
		t->t_state = NM_T_READY;
	else
		t->t_state = NM_T_NOHOOK;
}

/*
 * nm_thread_exit - flush an exiting thread's magazines into the zones.
 *
 * Context: the OS thread-exit hook, on the exiting thread.  Later
 * allocations by this thread (other exit hooks) bypass the magazines.
 */
static void
nm_thread_exit(void *arg)
{
	struct nm_thread *t = arg;
	struct nm_tclass *tc;
	struct nm_mag *m;
	unsigned zi;

	t->t_state = NM_T_DEAD;
	for (zi = 0; zi < NM_NZONES; zi++) {
		tc = &t->t_class[zi];
		if ((m = nm_tc_unload(tc)) != NULL) {
			nm_mag_flush(zi, m);
			nm_mag_free(m);
		}
		if ((m = tc->tc_prev) != NULL) {
			nm_mag_flush(zi, m);
			nm_mag_free(m);
			tc->tc_prev = NULL;
		}
	}
}

/* Can this thread use magazines?  Hooks it on first use. */
static inline bool
nm_thread_ready(struct nm_thread *t)
{
	if (nm_likely(t->t_state == NM_T_READY))
		return (true);
	if (t->t_state == NM_T_NEW)
		nm_thread_start(t);
	return (t->t_state == NM_T_READY);
}

static void *
nm_alloc_direct(unsigned zi)
{
	void *p;

	if (nm_slab_fill(zi, &p, 1, false) == 0) {
		errno = ENOMEM;
		return (NULL);
	}
	((uintptr_t *)p)[1] = 0;
	return (p);
}

/*
 * nm_depot_get_full - trade the empty magazine m (may be NULL) for a full
 * one from class zi's depot.  NULL if the depot has none (m is kept then).
 *
 * Locking: takes d_lock.
 */
static struct nm_mag *
nm_depot_get_full(unsigned zi, struct nm_mag *m)
{
	struct nm_class *c = &nm_classes[zi];
	struct nm_mag *full, *spare = NULL;

	if (__atomic_load_n(&c->d_nfull, __ATOMIC_RELAXED) == 0)
		return (NULL);
	nm_spin_lock(&c->d_lock);
	full = c->d_full;
	if (full != NULL) {
		c->d_full = full->mg_next;
		__atomic_store_n(&c->d_nfull, c->d_nfull - 1,
		    __ATOMIC_RELAXED);
		if (m != NULL && c->d_nempty < NM_DEPOT_EMPTY_MAX) {
			m->mg_next = c->d_empty;
			c->d_empty = m;
			c->d_nempty++;
		} else {
			spare = m;
		}
	}
	nm_spin_unlock(&c->d_lock);
	if (spare != NULL)
		nm_mag_free(spare);
	return (full);
}

/* Reverse a freshly filled magazine so that pops go up in memory. */
static void
nm_mag_reverse(struct nm_mag *m)
{
	uint32_t i, j;
	void *tmp;

	if (m->mg_rounds == 0)
		return;
	for (i = 0, j = m->mg_rounds - 1; i < j; i++, j--) {
		tmp = m->mg_objs[i];
		m->mg_objs[i] = m->mg_objs[j];
		m->mg_objs[j] = tmp;
	}
}

/*
 * nm_alloc_slow - malloc of class zi when the loaded magazine is empty:
 * swap in the previous magazine, else a full one from the depot, else
 * fill the magazine from the zones.
 */
static void *__attribute__((__noinline__))
nm_alloc_slow(unsigned zi)
{
	struct nm_thread *t = &nm_self;
	struct nm_tclass *tc = &t->t_class[zi];
	struct nm_mag *m, *full;
	bool first;
	void *p;

	if (!nm_ready()) {
		errno = ENOMEM;
		return (NULL);
	}
	if (!nm_thread_ready(t))
		return (nm_alloc_direct(zi));
	if (tc->tc_top == tc->tc_base) {
		/*
		 * No loaded magazine: the thread's first malloc of this
		 * class.  It fills from the zones, taking a cache line of
		 * never-used chunks first, rather than a depot magazine of
		 * chunks other threads freed (passive false sharing).
		 */
		m = nm_tc_unload(tc);
		first = m == NULL;
		if (tc->tc_prev != NULL && tc->tc_prev->mg_rounds != 0) {
			nm_tc_load(tc, tc->tc_prev);
			tc->tc_prev = m;
		} else if (!first &&
		    (full = nm_depot_get_full(zi, m)) != NULL) {
			nm_tc_load(tc, full);
		} else {
			if (m == NULL && (m = nm_mag_new(zi)) == NULL)
				return (nm_alloc_direct(zi));
			m->mg_rounds = nm_slab_fill(zi, m->mg_objs,
			    m->mg_capacity, first);
			nm_mag_reverse(m);
			nm_tc_load(tc, m);
			if (m->mg_rounds == 0) {
				errno = ENOMEM;
				return (NULL);
			}
		}
	}
	p = *--tc->tc_top;
	((uintptr_t *)p)[1] = 0;
	return (p);
}

/*
 * Allocate a chunk of class zi: the lock-free fast path, a pop from the
 * loaded magazine whose count is in TLS.  Clearing the chunk's second
 * word removes a stale free tag (see nm_chunk_class()).
 */
static inline __attribute__((__always_inline__)) void *
nm_alloc_class(unsigned zi)
{
	struct nm_tclass NM_TLS *tc = NM_TC(zi);
	void *p;

	if (nm_likely(tc->tc_top != tc->tc_base)) {
		p = *--tc->tc_top;
		((uintptr_t *)p)[1] = 0;
		return (p);
	}
	return (nm_alloc_slow(zi));
}

/* malloc of 0..NM_TABLE_MAX_BYTES bytes when the magazine is empty. */
static void *__attribute__((__noinline__))
nm_alloc_slow_sized(size_t size)
{
	return (nm_alloc_slow(nm_size_tcoff[size] >> NM_TC_SHIFT));
}

/* malloc of more than NM_TABLE_MAX_BYTES bytes. */
static void *__attribute__((__noinline__))
nm_alloc_other(size_t size)
{
	bool zeroed;

	if (size <= NM_ZONE_LIMIT_BYTES)
		return (nm_alloc_class(nm_zoneindex(size)));
	if (!nm_ready()) {
		errno = ENOMEM;
		return (NULL);
	}
	return (nm_big_alloc(size, NM_PAGE_BYTES, &zeroed));
}

/*
 * malloc's body: the class of a small request is one table load, and the
 * rest is nm_alloc_class(); no function call on the fast path.
 */
static inline __attribute__((__always_inline__)) void *
nm_alloc_inline(size_t size)
{
	struct nm_tclass NM_TLS *tc;
	void *p;

	if (nm_unlikely(size > NM_TABLE_MAX_BYTES))
		return (nm_alloc_other(size));
	tc = nm_tc_at(nm_size_tcoff[size]);
	if (nm_likely(tc->tc_top != tc->tc_base)) {
		p = *--tc->tc_top;
		((uintptr_t *)p)[1] = 0;
		return (p);
	}
	/* size is still in the argument register: no class to pass. */
	return (nm_alloc_slow_sized(size));
}

void *
nm_alloc(size_t size)
{
	return (nm_alloc_inline(size));
}

/*
 * nm_depot_put_full - trade the full magazine m for an empty one from
 * class zi's depot.  If the depot already holds NM_DEPOT_FULL_MAX full
 * magazines, m is flushed into the zones instead and returned for reuse.
 * NULL if no empty magazine is at hand (m went to the depot).
 *
 * Locking: takes d_lock; the flush takes c_lock after dropping it.
 */
static struct nm_mag *
nm_depot_put_full(unsigned zi, struct nm_mag *m)
{
	struct nm_class *c = &nm_classes[zi];
	struct nm_mag *empty = NULL;
	bool taken = false;

	nm_spin_lock(&c->d_lock);
	if (c->d_nfull < NM_DEPOT_FULL_MAX) {
		m->mg_next = c->d_full;
		c->d_full = m;
		__atomic_store_n(&c->d_nfull, c->d_nfull + 1,
		    __ATOMIC_RELAXED);
		taken = true;
		if ((empty = c->d_empty) != NULL) {
			c->d_empty = empty->mg_next;
			c->d_nempty--;
		}
	}
	nm_spin_unlock(&c->d_lock);
	if (!taken) {
		nm_mag_flush(zi, m);
		return (m);
	}
	return (empty);
}

static void
nm_free_direct(void *ptr, unsigned zi)
{
	nm_slab_put(zi, &ptr, 1);
}

/*
 * nm_free_slow - free of a checked chunk when its class's loaded magazine
 * is full or missing: swap in an empty previous magazine, else trade the
 * full one at the depot.  The class is read again from the zone header,
 * so that the fast path keeps nothing for this call but ptr.
 *
 * A thread with no magazine at all for the class has never allocated
 * from it, so ptr was another thread's: it goes back to its zone, not
 * into a magazine from which this thread's next malloc would pop it and
 * write a line that the other thread's neighbouring chunks are in
 * (passive false sharing, mbench's cscratch).  The thread gets an empty
 * previous magazine, so only its first free of the class goes this way.
 */
static void __attribute__((__noinline__))
nm_free_slow(void *ptr)
{
	unsigned zi = nm_zone_tcoff(nm_zone_of(ptr)) >> NM_TC_SHIFT;
	struct nm_thread *t = &nm_self;
	struct nm_tclass *tc = &t->t_class[zi];
	struct nm_mag *m, *e;

	if (!nm_thread_ready(t)) {
		nm_free_direct(ptr, zi);
		return;
	}
	if (tc->tc_top == tc->tc_end) {
		if (tc->tc_base == NULL && tc->tc_prev == NULL) {
			tc->tc_prev = nm_mag_new(zi);
			nm_free_direct(ptr, zi);
			return;
		}
		m = nm_tc_unload(tc);
		e = tc->tc_prev;
		if (e != NULL && e->mg_rounds == 0) {
			tc->tc_prev = m;
		} else if (e == NULL && m != NULL) {
			tc->tc_prev = m;
			e = nm_mag_new(zi);
		} else {
			e = m != NULL ? nm_depot_put_full(zi, m) : NULL;
			if (e == NULL)
				e = nm_mag_new(zi);
		}
		if (e == NULL) {
			nm_free_direct(ptr, zi);
			return;
		}
		e->mg_capacity = nm_class_rounds[zi];
		nm_tc_load(tc, e);
	}
	*tc->tc_top++ = ptr;
}

static inline bool
nm_in_arena(const void *ptr)
{
	return ((uintptr_t)ptr - nm_arena_base <
	    __atomic_load_n(&nm_arena_top, __ATOMIC_ACQUIRE));
}

static inline uint64_t
nm_free_tag(const void *ptr)
{
	return (nm_secret ^ (uintptr_t)ptr);
}

/*
 * nm_chunk_ok - is ptr the start of one of zone z's chunks?  With the
 * chunk size b, m = z_mul = floor(2^64 / b) + 1, so m * b = 2^64 + e with
 * 1 <= e <= b, and off = ptr's offset from chunk 0 taken mod 2^32 (a
 * pointer below chunk 0 wraps near 2^32): off = k * b + r, 0 <= r < b.
 * Then off * m mod 2^64 = k * e + r * m, without wrapping, as k * e <
 * 2^32 * 2^14 and r * m < 2^64 - m + e.  If r = 0 that is k * e, below
 * z_lim = z_nmax * e exactly when k < z_nmax; if r > 0 it is at least m
 * >= 2^64 / 2^14, far above z_lim (at most 2^16).  So one multiply and
 * one compare test both "on a chunk boundary" and "inside the zone"
 * (after Lemire, Kaser and Kurz, "Faster remainder by direct
 * computation", 2019).
 */
static inline bool
nm_chunk_ok(const struct nm_zone *z, const void *ptr)
{
	uint32_t off;

	off = (uint32_t)((uintptr_t)ptr & NM_ZONE_MASK) - z->z_first_off;
	return ((uint64_t)off * z->z_mul < z->z_lim);
}

/*
 * nm_reject - abort with the reason ptr failed the checks of
 * nm_chunk_class(): a damaged header in a zone in use, a pointer no zone
 * handed out or not on a chunk boundary, or a chunk already freed.  Not
 * declared noreturn so that the fast paths can reach it by a tail jump
 * and need no stack frame; it never returns.
 */
static void __attribute__((__noinline__, __cold__))
nm_reject(const char *op, const void *ptr)
{
	const struct nm_zone *z = nm_zone_of(ptr);
	uintptr_t base = (uintptr_t)ptr & ~NM_ZONE_MASK;
	uint8_t st;

	if ((nm_zone_tcoff(z) & ~NM_TC_MASK) != 0) {
		st = __atomic_load_n(&nm_zone_state[(base - nm_arena_base) /
		    NM_ZONE_BYTES], __ATOMIC_RELAXED);
		nm_bad(op, ptr, st == NM_ZS_ACTIVE ? "damaged zone header" :
		    "invalid pointer");
	}
	if (!nm_chunk_ok(z, ptr))
		nm_bad(op, ptr, "invalid pointer");
	nm_bad(op, ptr, op[0] == 'f' ? "double free" : "use after free");
}

/*
 * nm_chunk_class - the size class of a chunk pointer inside the arena,
 * after checking its zone header (whose magic encodes the class), that
 * ptr is a chunk boundary and that it is not already freed (a freed chunk
 * holds its tag in its second word).  NM_NZONES if any check fails: the
 * caller then calls nm_reject().
 */
static inline __attribute__((__always_inline__)) uint32_t
nm_chunk_tcoff(const void *ptr)
{
	const struct nm_zone *z = nm_zone_of(ptr);
	uint32_t tcoff;

	tcoff = nm_zone_tcoff(z);
	if (nm_unlikely((tcoff & ~NM_TC_MASK) != 0))
		return (UINT32_MAX);
	if (nm_unlikely(!nm_chunk_ok(z, ptr)))
		return (UINT32_MAX);
	if (nm_unlikely(((const uint64_t *)ptr)[1] == nm_free_tag(ptr)))
		return (UINT32_MAX);
	return (tcoff);
}

/* The same as a class index; NM_NZONES if a check fails. */
static inline unsigned
nm_chunk_class(const void *ptr)
{
	uint32_t tcoff = nm_chunk_tcoff(ptr);

	if (tcoff == UINT32_MAX)
		return (NM_NZONES);
	return (tcoff >> NM_TC_SHIFT);
}

/* Free a checked chunk (class as a tcoff): the lock-free fast path. */
static inline __attribute__((__always_inline__)) void
nm_free_chunk(void *ptr, uint32_t tcoff)
{
	struct nm_tclass NM_TLS *tc = nm_tc_at(tcoff);

	((uint64_t *)ptr)[1] = nm_free_tag(ptr);
	if (nm_likely(tc->tc_top != tc->tc_end)) {
		*tc->tc_top++ = ptr;
		return;
	}
	nm_free_slow(ptr);
}

/* free of NULL or of a pointer outside the slab arena. */
static void __attribute__((__noinline__))
nm_free_other(void *ptr)
{
	if (ptr != NULL)
		nm_big_free(ptr, "free");
}

/*
 * free: NULL and big blocks fail the arena compare and leave the fast
 * path there; every exit is a tail jump, so there is no stack frame.
 */
NM_EXPORT void
NM_PUBLIC(free)(void *ptr)
{
	uint32_t tcoff;

	if (nm_likely(nm_in_arena(ptr))) {
		tcoff = nm_chunk_tcoff(ptr);
		if (nm_unlikely(tcoff == UINT32_MAX)) {
			nm_reject("free", ptr);
			return;
		}
		nm_free_chunk(ptr, tcoff);
		return;
	}
	nm_free_other(ptr);
}

NM_EXPORT void *
NM_PUBLIC(malloc)(size_t size)
{
	return (nm_alloc_inline(size));
}

NM_EXPORT void *
NM_PUBLIC(calloc)(size_t nmemb, size_t size)
{
	size_t total;
	bool zeroed = false;
	void *p;

	if (__builtin_mul_overflow(nmemb, size, &total)) {
		errno = ENOMEM;
		return (NULL);
	}
	if (total - 1 < NM_ZONE_LIMIT_BYTES || total == 0) {
		p = nm_alloc(total);
	} else {
		if (!nm_ready()) {
			errno = ENOMEM;
			return (NULL);
		}
		p = nm_big_alloc(total, NM_PAGE_BYTES, &zeroed);
	}
	if (p != NULL && !zeroed)
		memset(p, 0, total);
	return (p);
}

NM_EXPORT void *
NM_PUBLIC(realloc)(void *ptr, size_t size)
{
	unsigned zi;
	size_t have;
	void *q;

	if (ptr == NULL)
		return (nm_alloc(size));
	if (size == 0) {
		NM_PUBLIC(free)(ptr);
		return (NULL);
	}
	if (!nm_in_arena(ptr))
		return (nm_big_realloc(ptr, size));
	zi = nm_chunk_class(ptr);
	if (zi >= NM_NZONES) {
		nm_reject("realloc", ptr);
		__builtin_unreachable();
	}
	have = nm_class_bytes[zi];
	if (size <= have && (size > have / 2 || have == NM_QUANTUM_BYTES))
		return (ptr);
	/* A chunk growing into a big block may take over a cached one. */
	q = size > NM_ZONE_LIMIT_BYTES ? nm_big_alloc_grown(size) :
	    nm_alloc(size);
	if (q == NULL)
		return (NULL);
	memcpy(q, ptr, size < have ? size : have);
	nm_free_chunk(ptr, zi << NM_TC_SHIFT);
	return (q);
}

NM_EXPORT void *
NM_PUBLIC(reallocarray)(void *ptr, size_t nmemb, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(nmemb, size, &total)) {
		errno = ENOMEM;
		return (NULL);
	}
	return (NM_PUBLIC(realloc)(ptr, total));
}

/*
 * nm_aligned - size bytes aligned to align (a power of two): the smallest
 * size class whose chunks are that aligned, else a big block.
 */
static void *
nm_aligned(size_t align, size_t size)
{
	unsigned zi;
	bool zeroed;

	if (align <= NM_QUANTUM_BYTES)
		return (nm_alloc(size));
	if (size == 0)
		size = 1;
	if (align <= NM_ZONE_LIMIT_BYTES && size <= NM_ZONE_LIMIT_BYTES) {
		for (zi = nm_zoneindex(size); zi < NM_NZONES; zi++) {
			if (nm_class_align[zi] >= align)
				return (nm_alloc_class(zi));
		}
	}
	if (!nm_ready()) {
		errno = ENOMEM;
		return (NULL);
	}
	return (nm_big_alloc(size, align < NM_PAGE_BYTES ? NM_PAGE_BYTES :
	    align, &zeroed));
}

static inline bool
nm_is_pow2(size_t v)
{
	return (v != 0 && (v & (v - 1)) == 0);
}

NM_EXPORT int
NM_PUBLIC(posix_memalign)(void **memptr, size_t alignment, size_t size)
{
	int saved = errno;
	void *p;

	if (!nm_is_pow2(alignment) || alignment < sizeof(void *))
		return (EINVAL);
	/* Tables must exist before nm_aligned() reads nm_class_align. */
	if (!nm_ready())
		return (ENOMEM);
	p = nm_aligned(alignment, size);
	if (p == NULL) {
		errno = saved;
		return (ENOMEM);
	}
	*memptr = p;
	return (0);
}

NM_EXPORT void *
NM_PUBLIC(memalign)(size_t alignment, size_t size)
{
	if (!nm_is_pow2(alignment)) {
		errno = EINVAL;
		return (NULL);
	}
	if (!nm_ready()) {
		errno = ENOMEM;
		return (NULL);
	}
	return (nm_aligned(alignment, size));
}

NM_EXPORT void *
NM_PUBLIC(aligned_alloc)(size_t alignment, size_t size)
{
	return (NM_PUBLIC(memalign)(alignment, size));
}

NM_EXPORT void *
NM_PUBLIC(valloc)(size_t size)
{
	return (NM_PUBLIC(memalign)(NM_PAGE_BYTES, size));
}

NM_EXPORT void *
NM_PUBLIC(pvalloc)(size_t size)
{
	if (size > SIZE_MAX - NM_PAGE_BYTES) {
		errno = ENOMEM;
		return (NULL);
	}
	size = (size + NM_PAGE_BYTES - 1) & ~(NM_PAGE_BYTES - 1);
	return (NM_PUBLIC(memalign)(NM_PAGE_BYTES,
	    size == 0 ? NM_PAGE_BYTES : size));
}

NM_EXPORT size_t
NM_PUBLIC(malloc_usable_size)(void *ptr)
{
	unsigned zi;

	if (ptr == NULL)
		return (0);
	if (nm_in_arena(ptr)) {
		zi = nm_chunk_class(ptr);
		if (zi >= NM_NZONES) {
			nm_reject("malloc_usable_size", ptr);
			__builtin_unreachable();
		}
		return (nm_class_bytes[zi]);
	}
	return (nm_big_usable(ptr, "malloc_usable_size"));
}

/*
 * Fork: take every lock before fork(2) so that no other thread holds one
 * at the moment of the copy, and drop them in both processes after.  The
 * order is the documented lock order.
 */
static void
nm_fork_prepare(void)
{
	unsigned zi;

	for (zi = 0; zi < NM_NZONES; zi++)
		nm_spin_lock(&nm_classes[zi].c_lock);
	for (zi = 0; zi < NM_NZONES; zi++)
		nm_spin_lock(&nm_classes[zi].d_lock);
	nm_spin_lock(&nm_magpool_lock);
	nm_spin_lock(&nm_pool_lock);
	nm_big_fork_lock();
}

static void
nm_fork_release(void)
{
	unsigned zi;

	nm_big_fork_unlock();
	nm_spin_unlock(&nm_pool_lock);
	nm_spin_unlock(&nm_magpool_lock);
	for (zi = 0; zi < NM_NZONES; zi++)
		nm_spin_unlock(&nm_classes[zi].d_lock);
	for (zi = 0; zi < NM_NZONES; zi++)
		nm_spin_unlock(&nm_classes[zi].c_lock);
}
