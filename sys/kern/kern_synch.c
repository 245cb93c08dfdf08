/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * kern_synch.c - tsleep and wakeup on top of LWKT.
 *
 * Model.  A thread sleeps on an ident (any address).  It queues itself on
 * a bucket of its *own* cpu's sleep hash (gd_tsleep_hash) and sets its
 * cpu's bit in the global slpque_cpumasks[] slot of the ident, then
 * deschedules itself and switches.  wakeup(ident) scans its own cpu's
 * bucket, then sends one IPI message per other cpu whose bit is set in the
 * slot; that cpu scans its own bucket.  Threads are therefore only ever
 * touched by their own cpu, and remote wakeups carry the ident, never a
 * thread pointer, so they are safe against threads that have gone.
 *
 * No lost wakeups: tsleep_interlock() queues the thread (without
 * descheduling it) before the caller re-checks its condition; a wakeup in
 * between dequeues it and tsleep(..., PINTERLOCKED) then returns at once.
 * The waker's full fence before reading the cpumask pairs with the
 * sleeper's atomic set of its bit.
 *
 * Timeouts are callouts armed on the sleeper's cpu; since the callout runs
 * on that cpu, the critical section is interlock enough.
 *
 * Locking: buckets are per-cpu, under critical sections; slpque_cpumasks
 * bits are set and cleared atomically, each only by its own cpu.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/callout.h>
#include <sys/malloc.h>
#include <cpu/atomic.h>

MALLOC_DEFINE(M_TSLEEP, "tsleep", "sleep queue buckets");

#define TSLEEP_HASH_SLOTS	1024	/* power of 2 */
#define TSLEEP_HASH_MULT	0x9e3779b97f4a7c15ULL
#define TSLEEP_HASH_SHIFT	54	/* 64 - log2(slots) */

struct tsleep_bucket {
	struct lwkt_queue	tb_threads;	/* [c] via td_sleepq */
};

static cpumask_t slpque_cpumasks[TSLEEP_HASH_SLOTS];
volatile u_long cpu_fence_word;	/* cpu_mfence() under ThreadSanitizer */

static inline u_int
tsleep_hash(const volatile void *ident)
{
	return ((u_int)(((uintptr_t)ident * TSLEEP_HASH_MULT) >>
	    TSLEEP_HASH_SHIFT));
}

static inline struct tsleep_bucket *
tsleep_bucket(struct globaldata *gd, u_int slot)
{
	return (&((struct tsleep_bucket *)gd->gd_tsleep_hash)[slot]);
}

/* Context: on gd's cpu, before it sleeps anything. */
void
tsleep_init(struct globaldata *gd)
{
	struct tsleep_bucket *b;

	b = kmalloc(sizeof(*b) * TSLEEP_HASH_SLOTS, M_TSLEEP,
	    M_WAITOK | M_ZERO);
	for (int i = 0; i < TSLEEP_HASH_SLOTS; i++)
		TAILQ_INIT(&b[i].tb_threads);
	gd->gd_tsleep_hash = b;
}

/* Take td off its sleep queue.  Context: td's cpu, critical section. */
static void
tsleep_remove(struct thread *td)
{
	struct globaldata *gd = td->td_gd;
	u_int slot;
	struct tsleep_bucket *b;

	if ((td->td_flags & TDF_TSLEEPQ) == 0)
		return;
	slot = tsleep_hash(td->td_wchan);
	b = tsleep_bucket(gd, slot);
	TAILQ_REMOVE(&b->tb_threads, td, td_sleepq);
	td->td_flags &= ~TDF_TSLEEPQ;
	td->td_wchan = NULL;
	if (TAILQ_EMPTY(&b->tb_threads))
		ATOMIC_CPUMASK_NANDBIT(slpque_cpumasks[slot], gd->gd_cpuid);
}

/*
 * tsleep_interlock - queue the current thread on ident without sleeping
 * yet; the caller re-checks its condition and then calls
 * tsleep(ident, PINTERLOCKED, ...).
 */
void
tsleep_interlock(const volatile void *ident, int flags __unused)
{
	struct thread *td = curthread;
	struct globaldata *gd = td->td_gd;
	u_int slot = tsleep_hash(ident);

	crit_enter_quick(td);
	if (td->td_flags & TDF_TSLEEPQ) {
		if (td->td_wchan == ident) {
			crit_exit_quick(td);
			return;
		}
		tsleep_remove(td);
	}
	TAILQ_INSERT_TAIL(&tsleep_bucket(gd, slot)->tb_threads, td, td_sleepq);
	td->td_wchan = ident;
	td->td_flags |= TDF_TSLEEPQ;
	ATOMIC_CPUMASK_ORBIT(slpque_cpumasks[slot], gd->gd_cpuid);
	crit_exit_quick(td);
}

static void
tsleep_timeout(void *arg)
{
	struct thread *td = arg;

	if (td->td_flags & TDF_TSLEEPQ) {
		tsleep_remove(td);
		td->td_flags |= TDF_TIMEOUT;
	}
	if (td->td_flags & TDF_TSLEEP_DESCHEDULED) {
		td->td_flags &= ~TDF_TSLEEP_DESCHEDULED;
		lwkt_schedule(td);
	}
}

/*
 * tsleep - sleep on ident until a wakeup, or for at most timo ticks
 * (0: no limit).  Returns 0 when woken, EWOULDBLOCK on timeout.  The
 * thread's tokens are released while it sleeps and re-acquired before
 * tsleep returns.  Context: thread, not a hard critical section.
 */
int
tsleep(const volatile void *ident, int flags, const char *wmesg, int timo)
{
	struct thread *td = curthread;
	struct callout timeout;
	int error = 0;

	KASSERT(mycpu->gd_intr_nesting_level == 0,
	    ("tsleep: %s sleeps in a hard context", td->td_comm));
	crit_enter_quick(td);
	if ((flags & PINTERLOCKED) == 0)
		tsleep_interlock(ident, flags);
	if ((td->td_flags & TDF_TSLEEPQ) == 0 || td->td_wchan != ident)
		goto out;	/* woken between interlock and now */

	td->td_wmesg = wmesg;
	td->td_flags |= TDF_TSLEEP_DESCHEDULED;
	td->td_flags &= ~TDF_TIMEOUT;
	if (timo > 0) {
		callout_init(&timeout);
		callout_reset(&timeout, timo, tsleep_timeout, td);
	}
	lwkt_deschedule_self(td);
	lwkt_switch();

	td->td_flags &= ~TDF_TSLEEP_DESCHEDULED;
	if (td->td_flags & TDF_TIMEOUT) {
		td->td_flags &= ~TDF_TIMEOUT;
		error = EWOULDBLOCK;
	} else if (timo > 0) {
		callout_stop(&timeout);
	}
	td->td_wmesg = NULL;
out:
	tsleep_remove(td);	/* a stale wakeup may have run us early */
	crit_exit_quick(td);
	return (error);
}

/* Wake sleepers on ident on this cpu; returns how many were woken. */
static int
wakeup_local(const volatile void *ident, int flags)
{
	struct globaldata *gd = mycpu;
	struct tsleep_bucket *b = tsleep_bucket(gd, tsleep_hash(ident));
	struct thread *td;
	int woken = 0;

restart:
	TAILQ_FOREACH(td, &b->tb_threads, td_sleepq) {
		if (td->td_wchan != ident)
			continue;
		tsleep_remove(td);
		woken++;
		if (td->td_flags & TDF_TSLEEP_DESCHEDULED) {
			td->td_flags &= ~TDF_TSLEEP_DESCHEDULED;
			lwkt_schedule(td);
		}
		if (flags & PWAKEUP_ONE)
			return (woken);
		goto restart;
	}
	return (woken);
}

static void
wakeup_remote(void *ident, int flags, struct intrframe *frame __unused)
{
	wakeup_local(ident, flags);
}

static void
wakeup_common(const volatile void *ident, int flags)
{
	struct globaldata *gd = mycpu;
	u_int slot = tsleep_hash(ident);
	int woken;

	crit_enter_gd(gd);
	woken = wakeup_local(ident, flags);
	if ((flags & PWAKEUP_MYCPU) == 0 &&
	    (woken == 0 || (flags & PWAKEUP_ONE) == 0)) {
		cpu_mfence();
		for (int i = 0; i < ncpus; i++) {
			if (i == gd->gd_cpuid ||
			    !ATOMIC_CPUMASK_TESTBIT(slpque_cpumasks[slot], i))
				continue;
			lwkt_send_ipiq3(globaldata_find(i), wakeup_remote,
			    (void *)(uintptr_t)ident, flags | PWAKEUP_MYCPU);
		}
	}
	crit_exit_gd(gd);
}

void
wakeup(const volatile void *ident)
{
	wakeup_common(ident, 0);
}

/* Wake one sleeper here, or else one on each cpu that may have some. */
void
wakeup_one(const volatile void *ident)
{
	wakeup_common(ident, PWAKEUP_ONE);
}

void
wakeup_mycpu(const volatile void *ident)
{
	wakeup_common(ident, PWAKEUP_MYCPU);
}
