/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * test_callout.c - kernel tests of callouts: ordering by due tick,
 * cancellation, re-arming, callouts beyond one turn of the wheel, and
 * callouts on every cpu.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/callout.h>
#include <sys/ktest.h>
#include <cpu/atomic.h>

#define ORDER_CALLOUTS	8

struct order_rec {
	volatile u_int	*or_seq;	/* firing order */
	volatile u_int	*or_done;	/* released after the record */
	u_int		 or_got;
	int		 or_cpu;
	volatile u_int	 or_fired;
};

static void
order_func(void *arg)
{
	struct order_rec *orr = arg;

	orr->or_got = atomic_fetchadd_int(orr->or_seq, 1);
	orr->or_cpu = mycpuid;
	orr->or_fired++;
	atomic_add_int(orr->or_done, 1);
	wakeup(orr->or_done);
}

static void
wait_seq(volatile u_int *seq, u_int n, int limit_ticks)
{
	int start = ticks;

	while (atomic_load_acq_int(seq) < n && ticks - start < limit_ticks)
		tsleep(seq, 0, "ktco", 1);
}

KTEST(callout_order_and_cancel)
{
	static const int due[ORDER_CALLOUTS] = { 7, 2, 5, 1, 9, 3, 260, 4 };
	static const u_int expect[ORDER_CALLOUTS] = { 5, 1, 4, 0, 6, 2, 7,
		3 };
	struct callout c[ORDER_CALLOUTS], cancelled;
	struct order_rec rec[ORDER_CALLOUTS], crec;
	volatile u_int seq = 0, done = 0;

	crit_enter();
	for (int i = 0; i < ORDER_CALLOUTS; i++) {
		rec[i] = (struct order_rec){ &seq, &done, ~0u, -1, 0 };
		callout_init(&c[i]);
		callout_reset(&c[i], due[i], order_func, &rec[i]);
		KT_EXPECT(callout_pending(&c[i]));
	}
	crec = (struct order_rec){ &seq, &done, ~0u, -1, 0 };
	callout_init(&cancelled);
	callout_reset(&cancelled, 3, order_func, &crec);
	KT_EXPECT(callout_stop(&cancelled));
	KT_EXPECT(!callout_stop(&cancelled));
	/* Re-arming moves it: c[1] due at 2 -> 8 (between 7 and 9). */
	callout_reset(&c[1], 8, order_func, &rec[1]);
	crit_exit();

	wait_seq(&done, ORDER_CALLOUTS, hz * 10);
	KT_EXPECT(done == ORDER_CALLOUTS);
	for (int i = 0; i < ORDER_CALLOUTS; i++) {
		u_int want = expect[i];

		/* c[1] now runs 6th: everything after index 5 shifts. */
		if (i == 1)
			want = 5;
		else if (expect[i] >= 1 && expect[i] <= 5)
			want = expect[i] - 1;
		KT_EXPECT(rec[i].or_got == want);
		KT_EXPECT(rec[i].or_fired == 1);
		KT_EXPECT(rec[i].or_cpu == mycpuid);
		KT_EXPECT(!callout_pending(&c[i]));
	}
	KT_EXPECT(crec.or_fired == 0);
}

/* A callout armed on each cpu runs there. */
struct percpu_arg {
	struct callout		pa_c;
	struct order_rec	pa_rec;
	struct ktest_join	*pa_join;
	volatile u_int		*pa_seq;
	volatile u_int		*pa_done;
};

static void
percpu_thread(void *arg)
{
	struct percpu_arg *pa = arg;

	pa->pa_rec = (struct order_rec){ pa->pa_seq, pa->pa_done, ~0u, -1, 0 };
	callout_init(&pa->pa_c);
	callout_reset(&pa->pa_c, 2, order_func, &pa->pa_rec);
	ktest_join_done(pa->pa_join);
}

KTEST(callout_every_cpu)
{
	static struct percpu_arg pa[MAXCPU];
	struct ktest_join join;
	volatile u_int seq = 0, done = 0;

	ktest_join_init(&join, ncpus);
	for (int i = 0; i < ncpus; i++) {
		pa[i].pa_join = &join;
		pa[i].pa_seq = &seq;
		pa[i].pa_done = &done;
		lwkt_create(percpu_thread, &pa[i], NULL, 0, i, "kt_co_%d", i);
	}
	ktest_join_wait(&join);
	wait_seq(&done, (u_int)ncpus, hz * 10);
	for (int i = 0; i < ncpus; i++) {
		KT_EXPECT(pa[i].pa_rec.or_fired == 1);
		KT_EXPECT(pa[i].pa_rec.or_cpu == i);
	}
}

/* Stopping a callout pending on another cpu works from here. */
KTEST_CPUS(callout_stop_remote, 2)
{
	static struct percpu_arg pa;
	struct ktest_join join;
	volatile u_int seq = 0, done = 0;

	ktest_join_init(&join, 1);
	pa.pa_join = &join;
	pa.pa_seq = &seq;
	pa.pa_done = &done;
	lwkt_create(percpu_thread, &pa, NULL, 0, ncpus - 1, "kt_co_r");
	ktest_join_wait(&join);
	KT_EXPECT(callout_stop(&pa.pa_c));
	tsleep(&pa, 0, "ktnap", 5);
	KT_EXPECT(pa.pa_rec.or_fired == 0);
}
