/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * kern_clock.c - the clock interrupt, per cpu.
 *
 * The platform's timer posts a tick to each cpu with lwkt_timer_post()
 * (atomics only, so it may run anywhere: a LAPIC timer vector on pc64, a
 * host timer thread on vkernel64).  The cpu consumes posted ticks in
 * hardclock_process(), from its interrupt if it was not in a critical
 * section, otherwise at the outermost crit_exit: cpu 0 advances the
 * global tick count, every cpu advances its callout wheel (waking its
 * softclock thread when a callout is due) and runs the LWKT round-robin.
 *
 * Locking: gd_timer_pending is atomic; everything else is per-cpu and
 * runs in a hard critical section.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/callout.h>
#include <sys/cpu_md.h>
#include <cpu/atomic.h>

#define HZ_DEFAULT	100

int hz = HZ_DEFAULT;
volatile int ticks;

uint64_t
nanouptime_ns(void)
{
	return (platform_uptime_ns());
}

/* Post one clock tick to gd.  Context: any, even a non-kernel thread. */
void
lwkt_timer_post(struct globaldata *gd)
{
	atomic_add_int(&gd->gd_timer_pending, 1);
	atomic_set_int(&gd->gd_reqflags, RQF_TIMER);
}

/*
 * hardclock_process - consume the ticks posted to this cpu.
 * Context: this cpu, hard critical section.
 */
void
hardclock_process(struct globaldata *gd)
{
	u_int n;

	atomic_clear_int(&gd->gd_reqflags, RQF_TIMER);
	n = atomic_swap_int(&gd->gd_timer_pending, 0);
	while (n-- > 0) {
		if (gd->gd_cpuid == 0)
			atomic_add_int((volatile u_int *)&ticks, 1);
		if (callout_hardclock(gd))
			gd->gd_softclock_due = 1;
		lwkt_schedulerclock(gd->gd_curthread);
	}
	/* Pick up messages queued passively (without an interrupt). */
	for (int w = 0; w < CPUMASK_WORDS; w++) {
		if (atomic_load_relaxed(&gd->gd_ipimask.cm_word[w]) != 0)
			atomic_set_int(&gd->gd_reqflags, RQF_IPIQ);
	}
	if (gd->gd_softclock_due && gd->gd_callwheel.cw_thread != NULL) {
		gd->gd_softclock_due = 0;
		lwkt_schedule(gd->gd_callwheel.cw_thread);
	}
}
