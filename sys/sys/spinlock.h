/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * spinlock.h - short exclusive spinlocks.
 *
 * A spinlock is held only for a few instructions and never across a
 * blocking call.  Taking one enters a critical section and counts
 * gd_spinlocks, which lwkt_switch() asserts is zero.  Used where a token
 * cannot be (the page allocator, interrupt-level data); lock order is
 * token -> spinlock, never the reverse.
 */
#ifndef _SYS_SPINLOCK_H_
#define _SYS_SPINLOCK_H_

#include <sys/thread2.h>
#include <cpu/atomic.h>
#include <cpu/cpufunc.h>

struct spinlock {
	volatile u_int	spin_lock;	/* 0 free, 1 held */
	const char	*spin_desc;
};

#define SPINLOCK_INITIALIZER(name)	{ 0, #name }

static inline void
spin_init(struct spinlock *spin, const char *desc)
{
	spin->spin_lock = 0;
	spin->spin_desc = desc;
}

static inline void
spin_lock(struct spinlock *spin)
{
	struct globaldata *gd = mycpu;

	crit_enter_gd(gd);
	++gd->gd_spinlocks;
	while (!atomic_cmpset_int(&spin->spin_lock, 0, 1)) {
		while (atomic_load_relaxed(&spin->spin_lock) != 0)
			cpu_pause();
	}
}

static inline bool
spin_trylock(struct spinlock *spin)
{
	struct globaldata *gd = mycpu;

	crit_enter_gd(gd);
	++gd->gd_spinlocks;
	if (atomic_cmpset_int(&spin->spin_lock, 0, 1))
		return (true);
	--gd->gd_spinlocks;
	crit_exit_gd(gd);
	return (false);
}

static inline void
spin_unlock(struct spinlock *spin)
{
	struct globaldata *gd = mycpu;

	KASSERT(atomic_load_relaxed(&spin->spin_lock) == 1, ("spin_unlock: %s not held",
	    spin->spin_desc));
	atomic_store_rel_int(&spin->spin_lock, 0);
	--gd->gd_spinlocks;
	crit_exit_gd(gd);
}

#endif /* !_SYS_SPINLOCK_H_ */
