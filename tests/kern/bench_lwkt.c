/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * bench_lwkt.c - benchmarks of the LWKT primitives, run by the monitor's
 * "bench" command or the boot variable bench=PATTERN.  Each prints
 * "bench: NAME NS ns/op" (the median of BENCH_REPEATS runs); the host
 * script tools/bench/lwkt.sh puts them beside their Linux counterparts.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/ktest.h>
#include <cpu/atomic.h>
#include <cpu/cpufunc.h>

#define BENCH_REPEATS		5
#define TOKEN_OPS		2000000
#define IPI_ROUNDTRIPS		20000
#define SWITCH_ROUNDS		200000

KBENCH(token)
{
	struct lwkt_token tok;
	uint64_t res[BENCH_REPEATS], t0;

	lwkt_token_init(&tok, "bench");
	for (int r = 0; r < BENCH_REPEATS; r++) {
		t0 = nanouptime_ns();
		for (int i = 0; i < TOKEN_OPS; i++) {
			lwkt_gettoken(&tok);
			lwkt_reltoken(&tok);
		}
		res[r] = (nanouptime_ns() - t0) * 100 / TOKEN_OPS;
	}
	kbench_report("token_get_rel", res, BENCH_REPEATS);
}

static void
bench_ipi_func(void *arg __unused, int unused __unused,
    struct intrframe *frame __unused)
{
}

KBENCH(ipi)
{
	uint64_t res[BENCH_REPEATS], t0;
	struct globaldata *gd;

	if (ncpus < 2) {
		kprintf("bench: ipi_roundtrip skipped (1 cpu)\n");
		return;
	}
	lwkt_migratecpu(0);
	gd = globaldata_find(1);
	for (int r = 0; r < BENCH_REPEATS; r++) {
		t0 = nanouptime_ns();
		for (int i = 0; i < IPI_ROUNDTRIPS; i++)
			lwkt_wait_ipiq(gd, lwkt_send_ipiq3(gd, bench_ipi_func,
			    NULL, 0));
		res[r] = (nanouptime_ns() - t0) * 100 / IPI_ROUNDTRIPS;
	}
	kbench_report("ipi_roundtrip", res, BENCH_REPEATS);
}

/* Two threads of equal priority on one cpu hand it back and forth. */
struct switch_bench {
	volatile u_int		sb_ready;
	volatile u_int		sb_finished;
	uint64_t		sb_start;	/* set by the second to arrive */
	uint64_t		sb_end;		/* set by the last to finish */
	struct ktest_join	sb_join;
};

static void
switch_thread(void *arg)
{
	struct switch_bench *sb = arg;

	if (atomic_fetchadd_int(&sb->sb_ready, 1) == 1)
		sb->sb_start = nanouptime_ns();
	while (atomic_load_acq_int(&sb->sb_ready) < 2) {
		need_lwkt_resched();
		lwkt_yield();
	}
	for (int i = 0; i < SWITCH_ROUNDS; i++) {
		need_lwkt_resched();
		lwkt_yield();
	}
	if (atomic_fetchadd_int(&sb->sb_finished, 1) == 1)
		sb->sb_end = nanouptime_ns();
	ktest_join_done(&sb->sb_join);
}

KBENCH(switch)
{
	struct switch_bench sb;
	uint64_t res[BENCH_REPEATS];
	int cpu = ncpus - 1;

	for (int r = 0; r < BENCH_REPEATS; r++) {
		sb.sb_ready = 0;
		sb.sb_finished = 0;
		ktest_join_init(&sb.sb_join, 2);
		lwkt_create(switch_thread, &sb, NULL, 0, cpu, "bench_sw0");
		lwkt_create(switch_thread, &sb, NULL, 0, cpu, "bench_sw1");
		ktest_join_wait(&sb.sb_join);
		/* 2 threads x SWITCH_ROUNDS yields, one switch each */
		res[r] = (sb.sb_end - sb.sb_start) * 100 / (2 * SWITCH_ROUNDS);
	}
	kbench_report("thread_switch", res, BENCH_REPEATS);
}
