/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * slaballoc.h - per-cpu state of the kernel slab allocator.
 *
 * Each cpu owns its zones: a zone is a naturally aligned block of
 * slab_zone_bytes (32-128 KiB, from kmem_alloc) cut into chunks of one
 * size class.  struct slab_globaldata, embedded in struct globaldata as
 * gd_slab, lists the cpu's zones by size class.  Only the owning cpu
 * touches it, inside a critical section; other cpus free chunks into a
 * zone through the zone's atomic remote-free list and never touch this
 * structure, except to flag in sl_rpending that a zone of some class got
 * chunks back.  The allocator itself is sys/kern/kern_slaballoc.c; the
 * design is in docs/design/slab.md.
 *
 * The platform must hand the MI kernel zeroed globaldata structures; the
 * allocator initializes gd_slab the first time the cpu needs a zone.
 */
#ifndef _SYS_SLABALLOC_H_
#define _SYS_SLABALLOC_H_

#include <sys/types.h>
#include <sys/queue.h>

/* Size classes: 8-byte steps to 128, then 8 classes per power of two. */
#define SLAB_NZONES		72

struct slab_zone;
TAILQ_HEAD(slab_zone_list, slab_zone);

/*
 * Locking legend: [c] owning cpu in a critical section, [a] atomic loads
 * by any cpu (statistics).
 */
/* clang-format off */
struct slab_globaldata {
	struct slab_zone_list	 sl_zones[SLAB_NZONES]; /* [c] free chunks */
	struct slab_zone_list	 sl_fullzones[SLAB_NZONES]; /* [c] none */
	struct slab_zone_list	 sl_freezones;	/* [c] wholly free, cached */
	int			 sl_nfreezones;	/* [c] on sl_freezones */
	struct slab_zone	*sl_lastzone;	/* [c] last zone used: kfree
						    skips the page lookup */
	int			 sl_ready;	/* [c] lists initialized */
	volatile uint64_t	 sl_rpending[(SLAB_NZONES + 63) / 64];
					/* [a] classes with new remote frees */
	uint64_t		 sl_nzones;	/* [a] zones owned now */
	uint64_t		 sl_zone_allocs; /* [a] zones taken from kmem */
	uint64_t		 sl_zone_frees;	/* [a] zones given back */
	uint64_t		 sl_remote_frees; /* [a] chunks we freed for
						    other cpus */
};
/* clang-format on */

#ifdef _KERNEL
/*
 * Poisoning free memory.  In a kernel built with AddressSanitizer (the
 * sanitizer build of the hosted kernel) the page and slab allocators mark
 * free blocks and free chunks unaddressable, so that a use after free is
 * reported where it happens; elsewhere these compile to nothing.
 */
/* clang-format off */
#if defined(__SANITIZE_ADDRESS__)
void	__asan_poison_memory_region(void const volatile *addr, size_t size);
void	__asan_unpoison_memory_region(void const volatile *addr, size_t size);

static inline void
slab_poison(const volatile void *addr, size_t bytes)
{
	__asan_poison_memory_region(addr, bytes);
}

static inline void
slab_unpoison(const volatile void *addr, size_t bytes)
{
	__asan_unpoison_memory_region(addr, bytes);
}
#else
static inline void
slab_poison(const volatile void *addr __unused, size_t bytes __unused)
{
}

static inline void
slab_unpoison(const volatile void *addr __unused, size_t bytes __unused)
{
}
#endif /* __SANITIZE_ADDRESS__ */
/* clang-format on */

/*
 * Give every cpu's wholly free zones (and the remote frees waiting in its
 * zones) back to the page allocator.  Context: thread; sends an IPI to
 * every other cpu and waits for it.
 */
void	slab_reclaim(void);

/* Zone size and the largest request served from zones (bytes). */
extern size_t slab_zone_bytes;
extern size_t slab_zone_limit;

/* The registered malloc types, for the monitor: ids 1 .. kmalloc_ntypes(). */
struct malloc_type;
u_int	kmalloc_ntypes(void);
struct malloc_type *kmalloc_type_byid(u_int id);
/* The limit in force: ks_limit, or the default (half of RAM) if it is 0. */
int64_t	kmalloc_type_limit(struct malloc_type *type);

/* The benchmark run by "bench kmalloc" (kern_slaballoc_bench.c). */
void	slab_bench(void);
#endif

#endif /* !_SYS_SLABALLOC_H_ */
