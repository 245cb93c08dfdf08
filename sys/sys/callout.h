/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * callout.h - per-cpu timer wheel.
 *
 * A callout runs its function once, on the cpu that armed it, from that
 * cpu's softclock thread, after a number of clock ticks.  Each cpu has its
 * own wheel (a hashed timing wheel, Varghese & Lauck), touched only by
 * that cpu in a critical section; stopping a callout armed on another cpu
 * goes there by IPI message.  tsleep() timeouts are callouts.
 */
#ifndef _SYS_CALLOUT_H_
#define _SYS_CALLOUT_H_

#include <sys/types.h>
#include <sys/queue.h>

struct globaldata;
struct thread;

#define CALLWHEEL_SIZE		256	/* buckets, power of 2 */
#define CALLWHEEL_MASK		(CALLWHEEL_SIZE - 1)

#define CALLOUT_PENDING		0x0001	/* on a wheel */
#define CALLOUT_RUNNING		0x0002	/* function being called */

/* clang-format off */
struct callout {
	TAILQ_ENTRY(callout)	 c_link;	/* [c] wheel bucket */
	int			 c_time;	/* [c] tick it fires at */
	u_int			 c_flags;	/* [c] CALLOUT_* */
	void			(*c_func)(void *); /* [c] */
	void			*c_arg;		/* [c] */
	struct globaldata	*c_gd;		/* [c] cpu armed on */
};

TAILQ_HEAD(callout_list, callout);

struct callout_wheel {
	struct callout_list	 cw_bucket[CALLWHEEL_SIZE]; /* [c] */
	int			 cw_softticks;	/* [c] next tick to process */
	int			 cw_hardticks;	/* [c] ticks seen by hardclock */
	struct callout		*cw_running;	/* [c] being called now */
	struct thread		*cw_thread;	/* [I] softclock thread */
	uint64_t		 cw_fired;	/* [c] statistics */
};
/* clang-format on */

#ifdef _KERNEL
void	callout_init(struct callout *c);
void	callout_reset(struct callout *c, int ticks, void (*func)(void *),
	    void *arg);
bool	callout_stop(struct callout *c);
bool	callout_pending(struct callout *c);
void	callout_wheel_init(struct globaldata *gd);
bool	callout_hardclock(struct globaldata *gd);
void	hardclock_process(struct globaldata *gd);
#endif

#endif /* !_SYS_CALLOUT_H_ */
