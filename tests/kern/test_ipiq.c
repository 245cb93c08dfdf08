/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * test_ipiq.c - kernel tests of IPI messages: an all-pairs storm that
 * fills the FIFOs (every message runs exactly once, in order per pair),
 * lwkt_wait_ipiq, passive sends, handlers that send, and cpusync.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/ktest.h>
#include <cpu/atomic.h>
#include <cpu/cpufunc.h>

#define STORM_TOTAL	160000	/* messages, spread over all pairs */
#define STORM_PAIR_MIN	2000	/* enough to fill a FIFO many times */
#define STORM_PAIR_MAX	20000

struct storm {
	/* [target][source]: next sequence number expected */
	volatile u_int		st_next[MAXCPU][MAXCPU];
	volatile u_int		st_received[MAXCPU];
	volatile u_int		st_disorder;
	volatile u_int		st_wrong_cpu;
	volatile u_int		st_go;
	struct ktest_join	st_join;
};

static struct storm storm;

static u_int
storm_messages(void)
{
	u_int n = STORM_TOTAL / (u_int)(ncpus * ncpus);

	return (n < STORM_PAIR_MIN ? STORM_PAIR_MIN :
	    n > STORM_PAIR_MAX ? STORM_PAIR_MAX : n);
}

static void
storm_func(void *arg, int packed, struct intrframe *frame __unused)
{
	struct storm *st = arg;
	int me = mycpuid;
	int src = packed & 0xff;
	u_int seq = (u_int)packed >> 8;

	if (!crit_is_held() || mycpu->gd_intr_nesting_level == 0)
		atomic_add_int(&st->st_wrong_cpu, 1);
	if (st->st_next[me][src] != seq)
		atomic_add_int(&st->st_disorder, 1);
	st->st_next[me][src] = seq + 1;
	atomic_add_int(&st->st_received[me], 1);
}

static void
storm_sender(void *arg)
{
	struct storm *st = arg;
	int me = mycpuid;

	while (atomic_load_acq_int(&st->st_go) == 0)
		tsleep(st, 0, "ktgo", 1);
	for (u_int seq = 0; seq < storm_messages(); seq++) {
		for (int t = 0; t < ncpus; t++) {
			if (t == me)
				continue;
			lwkt_send_ipiq3(globaldata_find(t), storm_func, st,
			    (int)(seq << 8 | (u_int)me));
		}
	}
	/* Messages are asynchronous: wait until ours have all run. */
	lwkt_synchronize_ipiqs("ktstorm");
	ktest_join_done(&st->st_join);
}

KTEST_CPUS(ipiq_storm_all_pairs, 2)
{
	struct storm *st = &storm;
	uint64_t full_before = 0, full_after = 0;

	memset(st, 0, sizeof(*st));
	for (int i = 0; i < ncpus; i++)
		full_before += globaldata_find(i)->gd_cnt.v_ipi_fifofull;
	ktest_join_init(&st->st_join, ncpus);
	for (int i = 0; i < ncpus; i++)
		lwkt_create(storm_sender, st, NULL, 0, i, "kt_storm_%d", i);
	atomic_store_rel_int(&st->st_go, 1);
	ktest_join_wait(&st->st_join);
	lwkt_synchronize_ipiqs("ktsync");
	for (int i = 0; i < ncpus; i++) {
		KT_EXPECT(atomic_load_acq_int(&st->st_received[i]) ==
		    (u_int)(ncpus - 1) * storm_messages());
		full_after += globaldata_find(i)->gd_cnt.v_ipi_fifofull;
	}
	KT_EXPECT(st->st_disorder == 0);
	KT_EXPECT(st->st_wrong_cpu == 0);
	/* The storm is meant to fill FIFOs; report that it did. */
	kprintf("ktest:   fifo-full waits during storm: %ju\n",
	    (uintmax_t)(full_after - full_before));
}

static void
count_func(void *arg, int cpu, struct intrframe *frame __unused)
{
	u_int *counts = arg;

	if (mycpuid == cpu)
		atomic_add_int(&counts[cpu], 1);
}

KTEST(ipiq_wait_and_mask)
{
	static u_int counts[MAXCPU];
	cpumask_t mask;

	memset(counts, 0, sizeof(counts));
	for (int i = 0; i < ncpus; i++) {
		struct globaldata *gd = globaldata_find(i);

		lwkt_wait_ipiq(gd, lwkt_send_ipiq3(gd, count_func,
		    counts, i));
		KT_EXPECT(atomic_load_acq_int(&counts[i]) == 1);
	}
	CPUMASK_ASSZERO(mask);
	for (int i = 0; i < ncpus; i++)
		CPUMASK_ORBIT(mask, i);
	for (int i = 0; i < ncpus; i++)
		lwkt_send_ipiq3(globaldata_find(i), count_func, counts,
		    i);
	lwkt_synchronize_ipiqs("ktsync");
	for (int i = 0; i < ncpus; i++)
		KT_EXPECT(atomic_load_acq_int(&counts[i]) == 2);
	KT_EXPECT(lwkt_send_ipiq3_mask(mask, count_func, counts,
	    0) == ncpus);
	lwkt_synchronize_ipiqs("ktsync");
	KT_EXPECT(atomic_load_acq_int(&counts[0]) == 3);
}

KTEST_CPUS(ipiq_passive, 2)
{
	static u_int counts[MAXCPU];
	struct globaldata *gd = globaldata_find(1);
	int start = ticks;

	memset(counts, 0, sizeof(counts));
	lwkt_send_ipiq3_passive(gd, count_func, counts, 1);
	/* Delivered at the target's next interrupt or IPI at the latest. */
	while (atomic_load_acq_int(&counts[1]) == 0 && ticks - start < hz * 5)
		tsleep(&start, 0, "ktpass", 1);
	KT_EXPECT(atomic_load_acq_int(&counts[1]) == 1);
}

/*
 * A handler that sends another IPI onward, round the ring of cpus.  (On
 * one cpu a send to ourselves is a direct call: the relay would recurse.)
 */
struct relay {
	volatile u_int	rl_hops;
	u_int		rl_limit;
};

static void
relay_func(void *arg, int unused __unused, struct intrframe *frame __unused)
{
	struct relay *rl = arg;
	u_int hops = atomic_fetchadd_int(&rl->rl_hops, 1) + 1;

	if (hops < rl->rl_limit)
		lwkt_send_ipiq3(globaldata_find((mycpuid + 1) % ncpus),
		    relay_func, rl, 0);
}

KTEST_CPUS(ipiq_handler_sends, 2)
{
	struct relay rl = { 0, 1000 };
	int start = ticks;

	lwkt_send_ipiq3(globaldata_find((mycpuid + 1) % ncpus), relay_func,
	    &rl, 0);
	while (atomic_load_acq_int(&rl.rl_hops) < rl.rl_limit &&
	    ticks - start < hz * 20)
		tsleep(&rl, 0, "ktrelay", 1);
	KT_EXPECT(rl.rl_hops == rl.rl_limit);
}

static u_int cpusync_ran[MAXCPU];

static void
cpusync_func(void *arg __unused)
{
	atomic_add_int(&cpusync_ran[mycpuid], 1);
}

KTEST(ipiq_cpusync)
{
	cpumask_t mask;
	struct lwkt_cpusync cs;

	memset(cpusync_ran, 0, sizeof(cpusync_ran));
	CPUMASK_ASSZERO(mask);
	for (int i = 0; i < ncpus; i++)
		CPUMASK_ORBIT(mask, i);
	lwkt_cpusync_simple(mask, cpusync_func, NULL);
	for (int i = 0; i < ncpus; i++)
		KT_EXPECT(atomic_load_acq_int(&cpusync_ran[i]) == 1);

	/* Between interlock and deinterlock the targets run nothing. */
	lwkt_cpusync_init(&cs, mask, cpusync_func, NULL);
	lwkt_cpusync_interlock(&cs);
	for (int i = 0; i < ncpus; i++)
		KT_EXPECT(atomic_load_acq_int(&cpusync_ran[i]) == 1);
	lwkt_cpusync_deinterlock(&cs);
	for (int i = 0; i < ncpus; i++)
		KT_EXPECT(atomic_load_acq_int(&cpusync_ran[i]) == 2);
}
