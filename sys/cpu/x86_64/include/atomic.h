/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * atomic.h - atomic operations and fences for x86_64.
 *
 * All are built on the compiler's __atomic builtins, which compile to the
 * locked instructions x86_64 needs and which ThreadSanitizer understands,
 * so the hosted (vkernel) build can be race-checked.  The fetch/set/clear
 * names follow BSD: atomic_set_int ORs bits in, atomic_clear_int clears
 * them, atomic_fetchadd_* returns the old value, atomic_cmpset_* returns
 * true on success.
 */
#ifndef _CPU_ATOMIC_H_
#define _CPU_ATOMIC_H_

#include <sys/types.h>

#define ATOMIC_OPS(name, type)						\
static __always_inline void						\
atomic_add_##name(volatile type *p, type v)				\
{									\
	__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);			\
}									\
static __always_inline void						\
atomic_subtract_##name(volatile type *p, type v)			\
{									\
	__atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST);			\
}									\
static __always_inline type						\
atomic_fetchadd_##name(volatile type *p, type v)			\
{									\
	return (__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST));		\
}									\
static __always_inline void						\
atomic_set_##name(volatile type *p, type v)				\
{									\
	__atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);			\
}									\
static __always_inline void						\
atomic_clear_##name(volatile type *p, type v)				\
{									\
	__atomic_fetch_and(p, ~v, __ATOMIC_SEQ_CST);			\
}									\
static __always_inline type						\
atomic_swap_##name(volatile type *p, type v)				\
{									\
	return (__atomic_exchange_n(p, v, __ATOMIC_SEQ_CST));		\
}									\
static __always_inline bool						\
atomic_cmpset_##name(volatile type *p, type expect, type v)		\
{									\
	return (__atomic_compare_exchange_n(p, &expect, v, false,	\
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));			\
}									\
/* Like cmpset, but on failure *expectp receives the current value. */	\
static __always_inline bool						\
atomic_fcmpset_##name(volatile type *p, type *expectp, type v)		\
{									\
	return (__atomic_compare_exchange_n(p, expectp, v, false,	\
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));			\
}									\
static __always_inline type						\
atomic_load_acq_##name(volatile type *p)				\
{									\
	return (__atomic_load_n(p, __ATOMIC_ACQUIRE));			\
}									\
static __always_inline void						\
atomic_store_rel_##name(volatile type *p, type v)			\
{									\
	__atomic_store_n(p, v, __ATOMIC_RELEASE);			\
}

ATOMIC_OPS(int, u_int)
ATOMIC_OPS(long, u_long)
ATOMIC_OPS(64, uint64_t)
ATOMIC_OPS(ptr, uintptr_t)

#undef ATOMIC_OPS

/* Relaxed loads and stores: a plain access the compiler may not tear. */
#define atomic_load_relaxed(p)	 __atomic_load_n((p), __ATOMIC_RELAXED)
#define atomic_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

/* Full, load and store fences. */
#define cpu_mfence()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define cpu_lfence()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define cpu_sfence()	__atomic_thread_fence(__ATOMIC_RELEASE)

#endif /* !_CPU_ATOMIC_H_ */
