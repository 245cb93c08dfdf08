/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * malloc.h - the kernel memory allocator interface (kmalloc).
 *
 * Every allocation is charged to a malloc type, declared once with
 * MALLOC_DEFINE and shared with MALLOC_DECLARE.  A type keeps per-cpu
 * statistics (no shared counter is written on the fast path) and a limit.
 * The allocator itself is the per-cpu slab allocator in
 * sys/kern/kern_slaballoc.c; see sys/sys/slaballoc.h for its design.
 *
 * Flags: M_WAITOK may block and never returns NULL; M_NOWAIT never blocks
 * and may return NULL; M_NULLOK lets an M_WAITOK request that can never be
 * satisfied (over the type's limit, or larger than memory) return NULL
 * instead of panicking; M_ZERO zeroes the memory.
 */
#ifndef _SYS_MALLOC_H_
#define _SYS_MALLOC_H_

#include <sys/types.h>
#include <sys/cpumask.h>
#include <sys/linker_set.h>

#define M_NOWAIT	0x0001
#define M_WAITOK	0x0002
#define M_ZERO		0x0100
#define M_NULLOK	0x0400

/* Per-cpu statistics of one malloc type; summed on demand. */
struct kmalloc_typestats {
	int64_t		ks_memuse;	/* bytes in use (may go negative) */
	int64_t		ks_inuse;	/* allocations in use */
	uint64_t	ks_calls;	/* total allocations */
	int64_t		ks_loosememuse;	/* memuse change not yet added to
					   the type's ks_loosememuse */
} __cachealign;

/* clang-format off */
struct malloc_type {
	const char		*ks_shortdesc;	/* [I] name shown by kmalloc */
	const char		*ks_longdesc;	/* [I] */
	int64_t			 ks_limit;	/* [I] bytes; 0 = default */
	uint32_t		 ks_magic;	/* [I] M_MAGIC */
	struct malloc_type	*ks_next;	/* [I] registered types */
	u_int			 ks_id;		/* [I] once registered: 1.. */
	volatile int64_t	 ks_loosememuse; /* [a] memuse, roughly */
	struct kmalloc_typestats ks_stats[MAXCPU]; /* [c] per cpu */
};
/* clang-format on */

#define M_MAGIC		0x4d544b41u	/* "AKTM" */

#define MALLOC_DEFINE(type, shortdesc, longdesc)			\
	struct malloc_type type[1] = {					\
		{ .ks_shortdesc = shortdesc, .ks_longdesc = longdesc,	\
		  .ks_magic = M_MAGIC }					\
	};								\
	DATA_SET(kmalloc_types, type)

/* A malloc type with a limit in bytes (see kmalloc's M_NULLOK). */
#define MALLOC_DEFINE_LIMIT(type, shortdesc, longdesc, limit)		\
	struct malloc_type type[1] = {					\
		{ .ks_shortdesc = shortdesc, .ks_longdesc = longdesc,	\
		  .ks_limit = limit, .ks_magic = M_MAGIC }		\
	};								\
	DATA_SET(kmalloc_types, type)

#define MALLOC_DECLARE(type)	extern struct malloc_type type[1]

MALLOC_DECLARE(M_TEMP);
MALLOC_DECLARE(M_DEVBUF);

#ifdef _KERNEL
void	*kmalloc(size_t size, struct malloc_type *type, int flags);
void	kfree(void *ptr, struct malloc_type *type);
void	*krealloc(void *ptr, size_t size, struct malloc_type *type,
	    int flags);
char	*kstrdup(const char *s, struct malloc_type *type);
size_t	kmalloc_usable_size(const void *ptr);
void	kmalloc_init(void);

/* Sums over all cpus, for the monitor and the tests. */
int64_t	kmalloc_type_memuse(struct malloc_type *type);
int64_t	kmalloc_type_inuse(struct malloc_type *type);
uint64_t kmalloc_type_calls(struct malloc_type *type);
#endif

#endif /* !_SYS_MALLOC_H_ */
