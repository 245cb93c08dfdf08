/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * globaldata.h - the per-cpu structure.
 *
 * Each cpu has one struct globaldata, reached through mycpu (on x86_64
 * both platforms keep its address at %gs:0).  Everything per-cpu lives
 * here: the LWKT run queue, the IPI FIFOs this cpu sends on, the callout
 * wheel, the slab allocator's zones and the statistics.  A cpu does not
 * lock its own globaldata: a critical section is enough, because no other
 * cpu touches the [c] fields; other cpus reach it only by IPI message or
 * through the [a] fields with atomic operations.
 *
 * Locking legend: [I] immutable after boot, [c] owning cpu in a critical
 * section, [a] atomic ops from any cpu.
 *
 * The platform allocates each cpu's structure (it may embed it at the
 * start of a larger machine-dependent one), fills globaldata_array[] and
 * calls lwkt_gdinit().
 */
#ifndef _SYS_GLOBALDATA_H_
#define _SYS_GLOBALDATA_H_

#include <sys/types.h>
#include <sys/cpumask.h>
#include <sys/queue.h>
#include <sys/thread.h>
#include <sys/callout.h>
#include <sys/slaballoc.h>

/* gd_reqflags: work pending on this cpu. */
#define RQB_IPIQ		0
#define RQB_INTPEND		1
#define RQB_AST_LWKT_RESCHED	5
#define RQB_TIMER		7
#define RQB_RUNNING		8
#define RQF_IPIQ		(1 << RQB_IPIQ)
#define RQF_INTPEND		(1 << RQB_INTPEND)
#define RQF_AST_LWKT_RESCHED	(1 << RQB_AST_LWKT_RESCHED)
#define RQF_TIMER		(1 << RQB_TIMER)
#define RQF_RUNNING		(1 << RQB_RUNNING)
#define RQF_IDLECHECK_MASK	(RQF_IPIQ | RQF_INTPEND | RQF_TIMER)
#define RQF_IDLECHECK_WK_MASK	(RQF_IDLECHECK_MASK | RQF_AST_LWKT_RESCHED)

/* Per-cpu event counters, summed on demand. */
struct gd_counters {
	uint64_t	v_swtch;	/* thread switches */
	uint64_t	v_ipi_sent;	/* IPI messages queued */
	uint64_t	v_ipi_recv;	/* IPI messages run */
	uint64_t	v_ipi_hw;	/* hardware IPIs (or host signals) */
	uint64_t	v_ipi_avoided;	/* hardware IPIs saved by gd_npoll */
	uint64_t	v_ipi_fifofull;	/* sends that found a full FIFO */
	uint64_t	v_token_colls;	/* token collisions */
	uint64_t	v_preempt;	/* preemptions */
	uint64_t	v_intr;		/* clock and other interrupts */
};

/* clang-format off */
struct globaldata {
	struct globaldata	*gd_prvspace;	/* [I] self, at %gs:0 */
	struct thread		*gd_curthread;	/* [c] running thread */
	int			 gd_cpuid;	/* [I] */
	volatile u_int		 gd_reqflags;	/* [a] RQF_* */
	int			 gd_intr_nesting_level; /* [c] hard contexts */
	int			 gd_spinlocks;	/* [c] spinlocks held */
	int			 gd_processing_ipiq; /* [c] */
	volatile int		 gd_npoll;	/* [a] hw IPI latch */
	volatile int		 gd_idle;	/* [a] halted in idle */
	volatile u_int		 gd_timer_pending; /* [a] clock ticks posted */
	int			 gd_softclock_due; /* [c] wheel has work */
	cpumask_t		 gd_cpumask;	/* [I] just this cpu */
	cpumask_t		 gd_ipimask;	/* [a] sources with entries */
	struct lwkt_ipiq	*gd_ipiq;	/* [I] [ncpus] FIFOs we send on */
	struct lwkt_queue	 gd_tdallq;	/* [c] threads owned */
	struct lwkt_queue	 gd_tdrunq;	/* [c] run queue, by td_pri */
	int			 gd_tdrunqcount; /* [c] */
	int			 gd_tdallcount;	/* [c] */
	struct thread		*gd_freetd;	/* [c] exited, to free */
	struct thread		 gd_idlethread;	/* [c] */
	struct callout_wheel	 gd_callwheel;	/* [c] callouts of this cpu */
	struct slab_globaldata	 gd_slab;	/* [c] kmalloc zones */
	struct gd_counters	 gd_cnt;	/* [c] */
	void			*gd_tsleep_hash; /* [c] sleep queue buckets */
};
/* clang-format on */

extern struct globaldata *globaldata_array[MAXCPU];
extern cpumask_t smp_active_mask;	/* [a] cpus that run the scheduler */

static inline struct globaldata *
globaldata_find(int cpuid)
{
	return (globaldata_array[cpuid]);
}

#include <machine/globaldata.h>	/* mycpu, mycpuid, curthread */

#endif /* !_SYS_GLOBALDATA_H_ */
