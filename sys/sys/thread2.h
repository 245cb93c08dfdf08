/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * thread2.h - critical sections and other inline LWKT helpers.
 *
 * A critical section is a per-thread counter (td_critcount).  It does not
 * disable interrupts: an interrupt or IPI that arrives inside one is
 * recorded in gd_reqflags and run at the outermost crit_exit (lwkt_splz).
 * It blocks preemption but not blocking: a thread may switch inside one,
 * and the count travels with the thread.  It synchronizes nothing with
 * other cpus.
 */
#ifndef _SYS_THREAD2_H_
#define _SYS_THREAD2_H_

#include <sys/systm.h>
#include <sys/globaldata.h>

static __always_inline void
crit_enter_quick(struct thread *td)
{
	++td->td_critcount;
	cpu_ccfence();
}

static __always_inline void
crit_enter(void)
{
	crit_enter_quick(curthread);
}

static __always_inline void
crit_enter_gd(struct globaldata *gd)
{
	crit_enter_quick(gd->gd_curthread);
}

/* A hard critical section also forbids blocking and new tokens. */
static __always_inline void
crit_enter_hard(void)
{
	struct globaldata *gd = mycpu;

	crit_enter_quick(gd->gd_curthread);
	++gd->gd_intr_nesting_level;
}

/* Leave without running pending work; the caller will. */
static __always_inline void
crit_exit_noyield(struct thread *td)
{
	cpu_ccfence();
	if (__predict_false(--td->td_critcount < 0))
		crit_panic();
}

static __always_inline void
crit_exit_quick(struct thread *td)
{
	cpu_ccfence();
	if (__predict_false(--td->td_critcount < 0))
		crit_panic();
	cpu_ccfence();
	if (__predict_false(atomic_load_relaxed(&td->td_gd->gd_reqflags) &
	    RQF_IDLECHECK_MASK))
		lwkt_maybe_splz(td);
}

static __always_inline void
crit_exit(void)
{
	crit_exit_quick(curthread);
}

static __always_inline void
crit_exit_gd(struct globaldata *gd)
{
	crit_exit_quick(gd->gd_curthread);
}

static __always_inline void
crit_exit_hard(void)
{
	struct globaldata *gd = mycpu;

	--gd->gd_intr_nesting_level;
	crit_exit_quick(gd->gd_curthread);
}

/* Leave a hard section without running pending work (interrupt exit). */
static __always_inline void
crit_exit_hard_noyield(void)
{
	struct globaldata *gd = mycpu;

	--gd->gd_intr_nesting_level;
	crit_exit_noyield(gd->gd_curthread);
}

static __always_inline bool
crit_is_held(void)
{
	return (curthread->td_critcount > 0);
}

/* Ask this cpu's scheduler to look at its run queue again. */
static __always_inline void
need_lwkt_resched(void)
{
	atomic_set_int(&mycpu->gd_reqflags, RQF_AST_LWKT_RESCHED);
}

#endif /* !_SYS_THREAD2_H_ */
