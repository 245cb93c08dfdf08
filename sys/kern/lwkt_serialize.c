/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * lwkt_serialize.c - LWKT serializers: exclusive, non-recursive locks that
 * may be held while their holder blocks.
 *
 * Model.  slz_lock holds two bits.  SLZ_LOCKED is set by the one thread
 * that owns the serializer.  SLZ_WANTED is set by a thread that found it
 * locked and is about to sleep on the serializer's address.  Releasing
 * swaps the word to 0 and, if SLZ_WANTED was set, wakes every sleeper;
 * each retries, and the losers set SLZ_WANTED again before sleeping.
 *
 * Invariants: SLZ_LOCKED is set exactly while slz_owner is a thread (the
 * owner is written after the lock is taken and cleared before it is
 * dropped); a sleeper is on the tsleep queue (tsleep_interlock) before it
 * sets SLZ_WANTED, so the releaser's wakeup cannot be lost.
 *
 * Locking: the word is changed only by atomic operations.  enter() may
 * block; exit() and try() do not.  Serializers are not tokens: a holder
 * that blocks keeps the serializer, and two serializers taken in
 * different orders deadlock.
 *
 * More: docs/design/msgport.md (serializer ports).
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/globaldata.h>
#include <sys/serialize.h>
#include <cpu/atomic.h>
#include <cpu/cpufunc.h>

#define SLZ_SPIN_TRIES	64	/* polls before sleeping */

static inline void
slz_set_owner(struct lwkt_serialize *slz, struct thread *td)
{
	__atomic_store_n(&slz->slz_owner, td, __ATOMIC_RELAXED);
}

void
lwkt_serialize_init(struct lwkt_serialize *slz)
{
	slz->slz_lock = 0;
	slz->slz_owner = NULL;
}

/*
 * lwkt_serialize_try - take the serializer if it is free.
 * Returns true if taken.  Context: thread or interrupt.  Does not block.
 */
bool
lwkt_serialize_try(struct lwkt_serialize *slz)
{
	u_int v = atomic_load_relaxed(&slz->slz_lock);

	while ((v & SLZ_LOCKED) == 0) {
		if (atomic_fcmpset_int(&slz->slz_lock, &v, v | SLZ_LOCKED)) {
			slz_set_owner(slz, curthread);
			return (true);
		}
	}
	return (false);
}

/*
 * lwkt_serialize_enter - take the serializer, sleeping while another
 * thread holds it.  Context: thread, not a critical section the caller
 * relies on (may block).  Not recursive (asserted).
 */
void
lwkt_serialize_enter(struct lwkt_serialize *slz)
{
	u_int v;

	KASSERT(__atomic_load_n(&slz->slz_owner, __ATOMIC_RELAXED) !=
	    curthread, ("lwkt_serialize_enter: recursion by %s",
	    curthread->td_comm));
	for (int i = 0; i < SLZ_SPIN_TRIES; i++) {
		if (lwkt_serialize_try(slz))
			return;
		cpu_pause();
	}
	for (;;) {
		tsleep_interlock(slz, 0);
		v = atomic_load_relaxed(&slz->slz_lock);
		if ((v & SLZ_LOCKED) == 0) {
			if (lwkt_serialize_try(slz))
				break;
			continue;
		}
		if (atomic_cmpset_int(&slz->slz_lock, v, v | SLZ_WANTED))
			tsleep(slz, PINTERLOCKED, "slzwait", 0);
	}
	/*
	 * NOTE: we got it while queued by tsleep_interlock(); a local wakeup
	 * takes us off the sleep queue (other sleepers here just retry).
	 */
	wakeup_mycpu(slz);
}

/*
 * lwkt_serialize_exit - release the serializer and wake its sleepers.
 * Context: the holder.  Does not block.
 */
void
lwkt_serialize_exit(struct lwkt_serialize *slz)
{
	u_int v;

	KASSERT(lwkt_serialize_is_held(slz),
	    ("lwkt_serialize_exit: not held by %s", curthread->td_comm));
	slz_set_owner(slz, NULL);
	v = atomic_swap_int(&slz->slz_lock, 0);
	if (v & SLZ_WANTED)
		wakeup(slz);
}

/* True if the current thread holds slz. */
bool
lwkt_serialize_is_held(struct lwkt_serialize *slz)
{
	return ((atomic_load_relaxed(&slz->slz_lock) & SLZ_LOCKED) != 0 &&
	    __atomic_load_n(&slz->slz_owner, __ATOMIC_RELAXED) == curthread);
}

/*
 * lwkt_serialize_sleep - release slz, sleep on ident, re-take slz.  The
 * caller has called tsleep_interlock(ident) before checking its condition
 * under slz, so a wakeup(ident) after that check is not lost.
 * Context: thread holding slz.  Blocks.
 */
void
lwkt_serialize_sleep(const volatile void *ident, struct lwkt_serialize *slz,
    const char *wmesg)
{
	lwkt_serialize_exit(slz);
	tsleep(ident, PINTERLOCKED, wmesg, 0);
	lwkt_serialize_enter(slz);
}
