/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * cpumask.h - sets of cpus, up to MAXCPU (256) of them.
 *
 * A cpumask_t is a fixed array of 64-bit words.  The plain macros are for
 * masks owned by one thread; the ATOMIC_ ones may race with other cpus.
 */
#ifndef _SYS_CPUMASK_H_
#define _SYS_CPUMASK_H_

#include <sys/types.h>
#include <cpu/atomic.h>

#define MAXCPU			256
#define CPUMASK_WORD_BITS	64
#define CPUMASK_WORDS		(MAXCPU / CPUMASK_WORD_BITS)

typedef struct {
	uint64_t	cm_word[CPUMASK_WORDS];
} cpumask_t;

#define CPUMASK_WORD(cpu)	((cpu) / CPUMASK_WORD_BITS)
#define CPUMASK_BIT(cpu)	((uint64_t)1 << ((cpu) % CPUMASK_WORD_BITS))

#define CPUMASK_ASSZERO(m)	do {					\
	for (int _w = 0; _w < CPUMASK_WORDS; _w++)			\
		(m).cm_word[_w] = 0;					\
} while (0)
#define CPUMASK_TESTBIT(m, cpu)						\
	(((m).cm_word[CPUMASK_WORD(cpu)] & CPUMASK_BIT(cpu)) != 0)
#define CPUMASK_ORBIT(m, cpu)						\
	((m).cm_word[CPUMASK_WORD(cpu)] |= CPUMASK_BIT(cpu))
#define CPUMASK_NANDBIT(m, cpu)						\
	((m).cm_word[CPUMASK_WORD(cpu)] &= ~CPUMASK_BIT(cpu))
#define ATOMIC_CPUMASK_ORBIT(m, cpu)					\
	atomic_set_64(&(m).cm_word[CPUMASK_WORD(cpu)], CPUMASK_BIT(cpu))
#define ATOMIC_CPUMASK_NANDBIT(m, cpu)					\
	atomic_clear_64(&(m).cm_word[CPUMASK_WORD(cpu)], CPUMASK_BIT(cpu))
#define ATOMIC_CPUMASK_TESTBIT(m, cpu)					\
	((atomic_load_acq_64(&(m).cm_word[CPUMASK_WORD(cpu)]) &	\
	    CPUMASK_BIT(cpu)) != 0)

#endif /* !_SYS_CPUMASK_H_ */
