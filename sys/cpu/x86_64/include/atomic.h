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

/*
 * Full, load and store fences.  ThreadSanitizer does not model fences,
 * so its builds use a locked no-op instead of mfence (equally a full
 * barrier on x86_64) and compiler barriers for the acquire and release
 * fences (x86_64 orders those in hardware); the code that needs the
 * ordering also uses acquire/release atomics, which TSan does follow.
 */
#if defined(__SANITIZE_THREAD__)
extern volatile u_long cpu_fence_word;
#define cpu_mfence()	((void)__atomic_fetch_add(&cpu_fence_word, 0,	\
			    __ATOMIC_SEQ_CST))
#define cpu_lfence()	__asm__ __volatile__("" ::: "memory")
#define cpu_sfence()	__asm__ __volatile__("" ::: "memory")
#else
#define cpu_mfence()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define cpu_lfence()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define cpu_sfence()	__atomic_thread_fence(__ATOMIC_RELEASE)
#endif

#endif /* !_CPU_ATOMIC_H_ */
