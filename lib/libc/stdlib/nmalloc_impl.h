/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * nmalloc_impl.h - private structures of the nmalloc allocator, shared by
 * nmalloc.c (API, magazines, slab zones) and nmalloc_big.c (page-granular
 * allocations and the lock-free page map).  Not installed.  The model and
 * the invariants are described at the top of nmalloc.c.
 */

#ifndef _LIBC_STDLIB_NMALLOC_IMPL_H_
#define _LIBC_STDLIB_NMALLOC_IMPL_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nmalloc_os.h"

#define NM_CTASSERT(e)		_Static_assert(e, #e)
#define nm_likely(e)		__builtin_expect(!!(e), 1)
#define nm_unlikely(e)		__builtin_expect(!!(e), 0)
#define NM_HIDDEN		__attribute__((__visibility__("hidden")))
#define NM_NORETURN		__attribute__((__noreturn__))

#define NM_PAGE_BYTES		4096UL
#define NM_PAGE_SHIFT		12
#define NM_CACHELINE_BYTES	64
/* Every chunk is aligned to this (the x86_64 ABI's max_align_t). */
#define NM_QUANTUM_BYTES	16UL
#define NM_QUANTUM_SHIFT	4
/* Requests above this go to nmalloc_big.c (DragonFly's ZoneLimit). */
#define NM_ZONE_LIMIT_BYTES	16384UL
/* No alignment above this is possible (and 2^40 is already absurd). */
#define NM_ALIGN_MAX_BYTES	(1UL << 40)

/* A contended spinlock yields the cpu after this many spins. */
#define NM_SPIN_TRIES		64

struct nm_spin {
	int		s_word;		/* 0 free, 1 held */
};

static inline void
nm_spin_lock(struct nm_spin *s)
{
	int spins = 0;

	while (__atomic_exchange_n(&s->s_word, 1, __ATOMIC_ACQUIRE) != 0) {
		while (__atomic_load_n(&s->s_word, __ATOMIC_RELAXED) != 0) {
			if (++spins < NM_SPIN_TRIES) {
				__builtin_ia32_pause();
			} else {
				nm_os_yield();
				spins = 0;
			}
		}
	}
}

static inline void
nm_spin_unlock(struct nm_spin *s)
{
	__atomic_store_n(&s->s_word, 0, __ATOMIC_RELEASE);
}

/* nmalloc.c */
void	nm_bad(const char *op, const void *ptr, const char *what)
	    NM_HIDDEN NM_NORETURN;

/* nmalloc_big.c */
void	*nm_big_alloc(size_t size, size_t align, bool *zeroedp) NM_HIDDEN;
void	*nm_big_alloc_grown(size_t size) NM_HIDDEN;
void	 nm_big_free(void *ptr, const char *op) NM_HIDDEN;
size_t	 nm_big_usable(const void *ptr, const char *op) NM_HIDDEN;
void	*nm_big_realloc(void *ptr, size_t size) NM_HIDDEN;
void	 nm_big_fork_lock(void) NM_HIDDEN;
void	 nm_big_fork_unlock(void) NM_HIDDEN;

/* nmalloc.c, used by nmalloc_big.c to move a shrunk block into a zone */
void	*nm_alloc(size_t size) NM_HIDDEN;

#endif /* !_LIBC_STDLIB_NMALLOC_IMPL_H_ */
