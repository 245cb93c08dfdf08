/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * kern_timeout.c - callouts on a per-cpu timing wheel.
 *
 * Model.  Each cpu has a wheel of CALLWHEEL_SIZE buckets.  A callout due
 * at tick t (in the cpu's own tick count, cw_hardticks) sits in bucket
 * t & CALLWHEEL_MASK; a callout more than one revolution away simply stays
 * in its bucket until its tick comes round.  The clock advances
 * cw_hardticks; the cpu's softclock thread (an interrupt thread at
 * TDPRI_SOFT_TIMER) walks every tick from cw_softticks up to cw_hardticks
 * and calls the callouts whose c_time is that tick, in the order armed.
 *
 * Invariants: a callout is on a bucket iff CALLOUT_PENDING; only c_gd's
 * cpu touches it while pending; a callout runs on the cpu that armed it.
 * Stopping or re-arming a callout pending on another cpu is done there by
 * IPI message, and the caller waits for it.
 *
 * Locking: the wheel is per-cpu, protected by critical sections.  Callout
 * functions run in the softclock thread inside a critical section; they
 * must not block.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/callout.h>
#include <cpu/atomic.h>

void
callout_init(struct callout *c)
{
	c->c_flags = 0;
	c->c_func = NULL;
	c->c_arg = NULL;
	c->c_gd = NULL;
	c->c_time = 0;
}

/* Context: c's cpu, critical section. */
static bool
callout_stop_local(struct callout *c)
{
	struct callout_wheel *cw = &c->c_gd->gd_callwheel;

	if ((c->c_flags & CALLOUT_PENDING) == 0)
		return (false);
	TAILQ_REMOVE(&cw->cw_bucket[c->c_time & CALLWHEEL_MASK], c, c_link);
	c->c_flags &= ~CALLOUT_PENDING;
	return (true);
}

static void
callout_stop_remote(void *arg, int unused __unused,
    struct intrframe *frame __unused)
{
	callout_stop_local(arg);
}

/* Stop c wherever it is pending; wait for the remote cpu if needed. */
static bool
callout_stop_anywhere(struct callout *c)
{
	struct globaldata *cgd = atomic_load_relaxed(&c->c_gd);
	bool pending;

	if (cgd == NULL)
		return (false);
	if (cgd == mycpu)
		return (callout_stop_local(c));
	pending = (atomic_load_relaxed(&c->c_flags) & CALLOUT_PENDING) != 0;
	lwkt_wait_ipiq(cgd, lwkt_send_ipiq3(cgd, callout_stop_remote, c, 0));
	return (pending);
}

/*
 * callout_reset - (re)arm c to call func(arg) after nticks (at least 1)
 * clock ticks, on the current cpu.  Context: thread or critical section.
 */
void
callout_reset(struct callout *c, int nticks, void (*func)(void *), void *arg)
{
	struct globaldata *gd;
	struct callout_wheel *cw;

	crit_enter();
	callout_stop_anywhere(c);
	gd = mycpu;
	cw = &gd->gd_callwheel;
	if (nticks < 1)
		nticks = 1;
	c->c_func = func;
	c->c_arg = arg;
	atomic_store_relaxed(&c->c_gd, gd);
	c->c_time = cw->cw_hardticks + nticks;
	atomic_store_relaxed(&c->c_flags, c->c_flags | CALLOUT_PENDING);
	TAILQ_INSERT_TAIL(&cw->cw_bucket[c->c_time & CALLWHEEL_MASK], c,
	    c_link);
	crit_exit();
}

/* Cancel c; returns true if it was pending (and so will not run). */
bool
callout_stop(struct callout *c)
{
	bool pending;

	crit_enter();
	pending = callout_stop_anywhere(c);
	crit_exit();
	return (pending);
}

bool
callout_pending(struct callout *c)
{
	return ((atomic_load_relaxed(&c->c_flags) & CALLOUT_PENDING) != 0);
}

/*
 * callout_hardclock - one clock tick on gd's wheel; returns true if the
 * softclock thread has work.  Context: gd's cpu, hard critical section.
 */
bool
callout_hardclock(struct globaldata *gd)
{
	struct callout_wheel *cw = &gd->gd_callwheel;

	cw->cw_hardticks++;
	return (!TAILQ_EMPTY(&cw->cw_bucket[cw->cw_hardticks & CALLWHEEL_MASK]) ||
	    (int)(cw->cw_softticks - cw->cw_hardticks) < 0);
}

/* Run the callouts due at tick now; context: critical section. */
static void
softclock_run_bucket(struct callout_wheel *cw, int now)
{
	struct callout_list *bucket = &cw->cw_bucket[now & CALLWHEEL_MASK];
	struct callout *c;
	bool found;

	do {
		found = false;
		TAILQ_FOREACH(c, bucket, c_link) {
			if (c->c_time != now)
				continue;
			TAILQ_REMOVE(bucket, c, c_link);
			atomic_store_relaxed(&c->c_flags,
			    (c->c_flags & ~CALLOUT_PENDING) | CALLOUT_RUNNING);
			cw->cw_running = c;
			cw->cw_fired++;
			c->c_func(c->c_arg);
			if (cw->cw_running == c)
				c->c_flags &= ~CALLOUT_RUNNING;
			cw->cw_running = NULL;
			found = true;
			break;	/* the function may have changed the bucket */
		}
	} while (found);
}

static void
softclock_thread(void *arg)
{
	struct globaldata *gd = arg;
	struct callout_wheel *cw = &gd->gd_callwheel;
	struct thread *td = curthread;

	crit_enter();
	for (;;) {
		while ((int)(cw->cw_softticks - cw->cw_hardticks) <= 0) {
			softclock_run_bucket(cw, cw->cw_softticks);
			cw->cw_softticks++;
		}
		lwkt_deschedule_self(td);
		lwkt_switch();
	}
}

/*
 * callout_wheel_init - set up gd's wheel and start its softclock thread.
 * Context: on gd's own cpu, during its startup.
 */
void
callout_wheel_init(struct globaldata *gd)
{
	struct callout_wheel *cw = &gd->gd_callwheel;
	struct thread *td;

	KKASSERT(gd == mycpu);
	for (int i = 0; i < CALLWHEEL_SIZE; i++)
		TAILQ_INIT(&cw->cw_bucket[i]);
	cw->cw_softticks = cw->cw_hardticks + 1;
	lwkt_create(softclock_thread, gd, &td, TDF_NOSTART | TDF_INTTHREAD |
	    TDF_FIXEDCPU | TDF_SYSTHREAD, gd->gd_cpuid, "softclock_%d",
	    gd->gd_cpuid);
	td->td_pri = TDPRI_SOFT_TIMER;
	cw->cw_thread = td;
}
