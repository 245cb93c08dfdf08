/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * test_lwkt.c - kernel tests of LWKT threads: creation and exit on every
 * cpu, priority order, round-robin yield, critical sections deferring
 * IPIs, tsleep/wakeup (local, remote, timeouts), migration under load and
 * preemption by interrupt threads.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/ktest.h>
#include <cpu/atomic.h>
#include <cpu/cpufunc.h>

#define MIGRATE_ROUNDS		2000
#define MIGRATE_THREADS_PER_CPU	3
#define SLEEP_ROUNDS		2000
#define YIELD_ROUNDS		200
#define TIMEOUT_TICKS		5

/*
 * Threads start, run on the cpu they were created for, and exit.
 */
struct create_arg {
	struct ktest_join	*ca_join;
	int			 ca_cpu;
	volatile u_int		*ca_ran;
};

static void
create_thread(void *arg)
{
	struct create_arg *ca = arg;

	KT_EXPECT(mycpuid == ca->ca_cpu);
	KT_EXPECT(curthread->td_gd == mycpu);
	KT_EXPECT(curthread->td_critcount == 0);
	atomic_add_int(ca->ca_ran, 1);
	ktest_join_done(ca->ca_join);
}

KTEST(lwkt_create_exit_every_cpu)
{
	static struct create_arg args[MAXCPU];
	struct ktest_join join;
	volatile u_int ran = 0;
	const int rounds = 20;

	for (int r = 0; r < rounds; r++) {
		ktest_join_init(&join, ncpus);
		for (int i = 0; i < ncpus; i++) {
			args[i] = (struct create_arg){ &join, i, &ran };
			lwkt_create(create_thread, &args[i], NULL, 0, i,
			    "kt_create_%d", i);
		}
		ktest_join_wait(&join);
	}
	KT_EXPECT(ran == (u_int)(rounds * ncpus));
}

/*
 * Higher priority runs first; equal priorities in the order scheduled.
 */
struct prio_arg {
	volatile u_int	*pa_seq;
	u_int		 pa_order;
	struct ktest_join *pa_join;
};

static void
prio_thread(void *arg)
{
	struct prio_arg *pa = arg;

	pa->pa_order = atomic_fetchadd_int(pa->pa_seq, 1);
	ktest_join_done(pa->pa_join);
}

KTEST(lwkt_priority_order)
{
	static const int pri[] = { TDPRI_KERN_DAEMON, TDPRI_SOFT_NORM,
		TDPRI_KERN_DAEMON, TDPRI_INT_SUPPORT, TDPRI_KERN_USER };
	static const u_int expect[] = { 2, 1, 3, 0, 4 };
	struct prio_arg pa[nitems(pri)];
	struct thread *td[nitems(pri)];
	struct ktest_join join;
	volatile u_int seq = 0;

	ktest_join_init(&join, nitems(pri));
	crit_enter();
	for (u_int i = 0; i < nitems(pri); i++) {
		pa[i] = (struct prio_arg){ &seq, 0, &join };
		lwkt_create(prio_thread, &pa[i], &td[i], TDF_NOSTART, mycpuid,
		    "kt_prio_%u", i);
		td[i]->td_pri = pri[i];
	}
	/* Our own priority is lower than all of them. */
	lwkt_setpri_self(TDPRI_USER_NORM);
	for (u_int i = 0; i < nitems(pri); i++)
		lwkt_schedule(td[i]);
	crit_exit();
	ktest_join_wait(&join);
	lwkt_setpri_self(TDPRI_KERN_DAEMON);
	for (u_int i = 0; i < nitems(pri); i++)
		KT_EXPECT(pa[i].pa_order == expect[i]);
}

/*
 * Two threads of equal priority on one cpu alternate when they yield.
 */
struct yield_arg {
	volatile u_int	*ya_ready;
	volatile u_int	*ya_last;
	volatile u_int	 ya_alternations;
	u_int		 ya_id;
	struct ktest_join *ya_join;
};

static void
yield_thread(void *arg)
{
	struct yield_arg *ya = arg;

	/* Both must be on the cpu before the counting starts. */
	atomic_add_int(ya->ya_ready, 1);
	while (atomic_load_acq_int(ya->ya_ready) < 2) {
		need_lwkt_resched();
		lwkt_yield();
	}
	for (int i = 0; i < YIELD_ROUNDS; i++) {
		if (*ya->ya_last != ya->ya_id)
			ya->ya_alternations++;
		*ya->ya_last = ya->ya_id;
		need_lwkt_resched();
		lwkt_yield();
	}
	ktest_join_done(ya->ya_join);
}

KTEST(lwkt_yield_round_robin)
{
	struct yield_arg ya[2];
	struct ktest_join join;
	volatile u_int last = ~0u, ready = 0;
	int cpu = ncpus - 1;

	ktest_join_init(&join, 2);
	crit_enter();
	for (u_int i = 0; i < 2; i++) {
		ya[i] = (struct yield_arg){ &ready, &last, 0, i, &join };
		lwkt_create(yield_thread, &ya[i], NULL, 0, cpu, "kt_yield_%u",
		    i);
	}
	crit_exit();
	ktest_join_wait(&join);
	/* Each yield hands the cpu to the other thread. */
	KT_EXPECT(ya[0].ya_alternations + ya[1].ya_alternations >=
	    2 * YIELD_ROUNDS - 2);
}

/*
 * A critical section defers an IPI until crit_exit.
 */
static void
crit_ipi_func(void *arg, int unused __unused, struct intrframe *f __unused)
{
	atomic_add_int(arg, 1);
}

struct crit_arg {
	u_int		 cr_hits;	/* atomic */
	volatile u_int	 cr_seen_inside;
	volatile u_int	 cr_seen_after;
	volatile u_int	 cr_ready;
	volatile u_int	 cr_sent;
	struct ktest_join *cr_join;
};

static void
crit_target_thread(void *arg)
{
	struct crit_arg *cr = arg;
	uint64_t end;

	crit_enter();
	atomic_store_rel_int(&cr->cr_ready, 1);
	while (atomic_load_acq_int(&cr->cr_sent) == 0)
		cpu_pause();
	/* Spin a while inside: the IPI must not run here. */
	end = nanouptime_ns() + 20000000ULL;
	while (nanouptime_ns() < end)
		cpu_pause();
	cr->cr_seen_inside = atomic_load_acq_int(&cr->cr_hits);
	crit_exit();
	cr->cr_seen_after = atomic_load_acq_int(&cr->cr_hits);
	ktest_join_done(cr->cr_join);
}

KTEST_CPUS(lwkt_crit_defers_ipi, 2)
{
	struct crit_arg cr = { 0 };
	struct ktest_join join;

	cr.cr_join = &join;
	ktest_join_init(&join, 1);
	lwkt_create(crit_target_thread, &cr, NULL, 0, 1, "kt_crit");
	while (atomic_load_acq_int(&cr.cr_ready) == 0)
		tsleep(&cr, 0, "ktwait", 1);
	lwkt_send_ipiq3(globaldata_find(1), crit_ipi_func,
	    &cr.cr_hits, 0);
	atomic_store_rel_int(&cr.cr_sent, 1);
	ktest_join_wait(&join);
	KT_EXPECT(cr.cr_seen_inside == 0);
	KT_EXPECT(cr.cr_seen_after == 1);
}

/*
 * tsleep/wakeup ping-pong between two threads on (maybe) different cpus.
 */
struct pingpong {
	volatile u_int	pp_turn;	/* 0: ping's turn, 1: pong's */
	volatile u_int	pp_rounds;
	struct ktest_join *pp_join;
};

static void
pingpong_thread(void *arg, u_int me)
{
	struct pingpong *pp = arg;

	for (int i = 0; i < SLEEP_ROUNDS; i++) {
		tsleep_interlock(pp, 0);
		while (atomic_load_acq_int(&pp->pp_turn) != me) {
			tsleep(pp, PINTERLOCKED, "ktpp", 0);
			tsleep_interlock(pp, 0);
		}
		atomic_add_int(&pp->pp_rounds, 1);
		atomic_store_rel_int(&pp->pp_turn, 1 - me);
		wakeup(pp);
	}
	ktest_join_done(pp->pp_join);
}

static void
ping_thread(void *arg)
{
	pingpong_thread(arg, 0);
}

static void
pong_thread(void *arg)
{
	pingpong_thread(arg, 1);
}

static void
pingpong_run(int cpu_a, int cpu_b)
{
	struct pingpong pp = { 0 };
	struct ktest_join join;

	pp.pp_join = &join;
	ktest_join_init(&join, 2);
	lwkt_create(ping_thread, &pp, NULL, 0, cpu_a, "kt_ping");
	lwkt_create(pong_thread, &pp, NULL, 0, cpu_b, "kt_pong");
	ktest_join_wait(&join);
	KT_EXPECT(pp.pp_rounds == 2 * SLEEP_ROUNDS);
}

KTEST(tsleep_wakeup_same_cpu)
{
	pingpong_run(0, 0);
}

KTEST_CPUS(tsleep_wakeup_cross_cpu, 2)
{
	pingpong_run(0, ncpus - 1);
}

KTEST(tsleep_timeout)
{
	int dummy = 0, error;
	int start = ticks;

	error = tsleep(&dummy, 0, "kttimo", TIMEOUT_TICKS);
	KT_EXPECT(error == EWOULDBLOCK);
	KT_EXPECT(ticks - start >= TIMEOUT_TICKS - 1);
	KT_EXPECT((curthread->td_flags & TDF_TSLEEPQ) == 0);
}

/* A wakeup before the timeout: returns 0 and the callout is cancelled. */
static void
early_waker(void *arg)
{
	wakeup(arg);
}

KTEST(tsleep_wakeup_before_timeout)
{
	int chan, error;

	for (int i = 0; i < 50; i++) {
		tsleep_interlock(&chan, 0);
		lwkt_create(early_waker, &chan, NULL, 0, i % ncpus, "kt_wake");
		error = tsleep(&chan, PINTERLOCKED, "ktearly", hz * 10);
		KT_EXPECT(error == 0);
	}
}

/*
 * Migration under load: threads hop between cpus and always find
 * themselves where they asked to go.
 */
struct migrate_arg {
	struct ktest_join	*ma_join;
	volatile u_int		*ma_errors;
	u_int			 ma_seed;
};

static void
migrate_thread(void *arg)
{
	struct migrate_arg *ma = arg;
	u_int seed = ma->ma_seed;

	for (int i = 0; i < MIGRATE_ROUNDS; i++) {
		int target;

		seed = seed * 1103515245u + 12345u;
		target = (int)((seed >> 16) % (u_int)ncpus);
		lwkt_migratecpu(target);
		if (mycpuid != target || curthread->td_gd != mycpu)
			atomic_add_int(ma->ma_errors, 1);
		if ((i & 15) == 0)
			lwkt_yield();
	}
	ktest_join_done(ma->ma_join);
}

KTEST(lwkt_migration_under_load)
{
	static struct migrate_arg args[MAXCPU * MIGRATE_THREADS_PER_CPU];
	int n = ncpus * MIGRATE_THREADS_PER_CPU;
	struct ktest_join join;
	volatile u_int errors = 0;

	ktest_join_init(&join, n);
	for (int i = 0; i < n; i++) {
		args[i] = (struct migrate_arg){ &join, &errors, (u_int)i + 1 };
		lwkt_create(migrate_thread, &args[i], NULL, 0, i % ncpus,
		    "kt_migr_%d", i);
	}
	ktest_join_wait(&join);
	KT_EXPECT(errors == 0);
}

/*
 * An interrupt thread scheduled from thread context preempts at once; an
 * ordinary thread of higher priority does not.
 */
struct preempt_arg {
	volatile u_int	 pr_exit;
	volatile u_int	 pr_ran;
	struct thread	*pr_victim;
	volatile u_int	 pr_victim_ok;
};

static void
preempt_ithread(void *arg)
{
	struct preempt_arg *pr = arg;

	crit_enter();
	while (!pr->pr_exit) {
		atomic_add_int(&pr->pr_ran, 1);
		if (curthread->td_preempted == pr->pr_victim)
			pr->pr_victim_ok = 1;
		lwkt_deschedule_self(curthread);
		lwkt_switch();
	}
	crit_exit();
}

KTEST(lwkt_preempt_by_ithread)
{
	struct preempt_arg pr = { 0 };
	struct thread *itd, *ntd;
	u_int before;

	pr.pr_victim = curthread;
	lwkt_create(preempt_ithread, &pr, &itd, TDF_NOSTART | TDF_INTTHREAD,
	    mycpuid, "kt_ithread");
	itd->td_pri = TDPRI_INT_MED;
	/* Not in a critical section: the ithread runs before we go on. */
	before = pr.pr_ran;
	lwkt_schedule(itd);
	KT_EXPECT(pr.pr_ran == before + 1);
	KT_EXPECT(pr.pr_victim_ok == 1);

	/* Inside one, it waits for our crit_exit and next yield. */
	crit_enter();
	before = pr.pr_ran;
	lwkt_schedule(itd);
	KT_EXPECT(pr.pr_ran == before);
	crit_exit();
	lwkt_yield();
	KT_EXPECT(pr.pr_ran == before + 1);

	/* An ordinary thread of higher priority never preempts. */
	lwkt_create(early_waker, &pr, &ntd, TDF_NOSTART, mycpuid, "kt_norm");
	ntd->td_pri = TDPRI_INT_HIGH;
	before = ntd->td_switches;
	lwkt_schedule(ntd);
	KT_EXPECT(ntd->td_switches == before);
	lwkt_yield();	/* it runs and exits now */

	pr.pr_exit = 1;
	lwkt_schedule(itd);	/* preempts us once more, and exits */
}
