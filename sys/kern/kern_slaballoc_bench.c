/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * kern_slaballoc_bench.c - kmalloc benchmarks, run by the monitor's
 * "bench kmalloc" (and "make bench", through the boot variable bench=).
 *
 * Same cpu: kmalloc+kfree pairs of 64 bytes and 4 KiB in a loop, the
 * fast path of both (a chunk off the zone's local list and back).
 * Cross cpu: a producer on this cpu kmallocs and hands the pointers
 * through a single-producer ring to a consumer thread on the next cpu,
 * which kfrees them (the remote-free CAS path; the owner later pulls the
 * chunks back in one swap).  The time is the producer's wall clock per
 * object (it needs both vcpus running at once; on a loaded host it
 * mostly measures the host's scheduler).  The batch figures time a remote
 * kfree and the kmalloc that takes the chunk back separately.  Each prints "bench: NAME NS ns/op", the median of
 * SB_REPEATS runs, in the names tools/bench/lwkt.sh pairs with glibc's
 * malloc/free measured by tools/bench/hostbench.c in the same run.
 *
 * Locking: the ring's indices are atomics (one writer each).
 * More: docs/performance/slab.md.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/slaballoc.h>
#include <sys/thread.h>
#include <sys/globaldata.h>
#include <sys/ktest.h>
#include <cpu/atomic.h>
#include <cpu/cpufunc.h>

#define SB_REPEATS		5
#define SB_SAMECPU_OPS		2000000
#define SB_XCPU_OPS		1000000
#define SB_RING_SLOTS		1024	/* power of 2 */
#define SB_SMALL_BYTES		64
#define SB_PAGE_BYTES		4096
#define SB_X100			100	/* ns/op kept with 2 decimals */
#define SB_BATCH		100000	/* chunks per remote-free batch */
#define SB_BEST_BATCHES		200	/* short timed batches ... */
#define SB_BEST_OPS		10000	/* ... of this many pairs */

MALLOC_DEFINE(M_SLAB_BENCH, "slab_bench", "kmalloc benchmark");

struct sb_ring {
	void *volatile	sb_slot[SB_RING_SLOTS];
	volatile u_int	sb_w __cachealign;	/* producer */
	volatile u_int	sb_r __cachealign;	/* consumer */
	volatile u_int	sb_done;		/* consumer finished */
	u_int		sb_ops;
};

static void
sb_samecpu(size_t size, const char *name)
{
	uint64_t res[SB_REPEATS], t0;
	void *volatile p;

	for (int r = 0; r < SB_REPEATS; r++) {
		t0 = nanouptime_ns();
		for (int i = 0; i < SB_SAMECPU_OPS; i++) {
			p = kmalloc(size, M_SLAB_BENCH, M_WAITOK);
			kfree(p, M_SLAB_BENCH);
		}
		res[r] = (nanouptime_ns() - t0) * SB_X100 / SB_SAMECPU_OPS;
	}
	kbench_report(name, res, SB_REPEATS);
}

/*
 * The fastest of many short batches: on a shared, loaded host a batch of
 * 10000 pairs (a fraction of a host time slice) usually runs without
 * being descheduled, so the minimum is the allocator's own cost.  Paired
 * with the same figure for glibc by tools/bench/slab_host.c.
 */
static void
sb_samecpu_best(size_t size, const char *name)
{
	uint64_t best = UINT64_MAX, t0, t;
	void *volatile p;

	for (int b = 0; b < SB_BEST_BATCHES; b++) {
		t0 = nanouptime_ns();
		for (int i = 0; i < SB_BEST_OPS; i++) {
			p = kmalloc(size, M_SLAB_BENCH, M_WAITOK);
			kfree(p, M_SLAB_BENCH);
		}
		t = nanouptime_ns() - t0;
		best = MIN(best, t);
	}
	best = best * SB_X100 / SB_BEST_OPS;
	kprintf("bench: %s %ju.%02ju ns/op\n", name,
	    (uintmax_t)(best / SB_X100), (uintmax_t)(best % SB_X100));
}

static void
sb_consumer(void *arg)
{
	struct sb_ring *ring = arg;

	for (u_int i = 0; i < ring->sb_ops; i++) {
		while (atomic_load_acq_int(&ring->sb_w) == i)
			cpu_pause();
		kfree(atomic_load_relaxed(&ring->sb_slot[i &
		    (SB_RING_SLOTS - 1)]), M_SLAB_BENCH);
		atomic_store_rel_int(&ring->sb_r, i + 1);
	}
	atomic_store_rel_int(&ring->sb_done, 1);
	wakeup(ring);
}

static void
sb_xcpu(size_t size, const char *name)
{
	uint64_t res[SB_REPEATS], t0;
	struct sb_ring *ring;

	ring = kmalloc(sizeof(*ring), M_SLAB_BENCH, M_WAITOK | M_ZERO);
	ring->sb_ops = SB_XCPU_OPS;
	for (int r = 0; r < SB_REPEATS; r++) {
		atomic_store_rel_int(&ring->sb_w, 0);
		atomic_store_rel_int(&ring->sb_r, 0);
		atomic_store_rel_int(&ring->sb_done, 0);
		lwkt_create(sb_consumer, ring, NULL, 0, (mycpuid + 1) % ncpus,
		    "sb_consumer");
		t0 = nanouptime_ns();
		for (u_int i = 0; i < SB_XCPU_OPS; i++) {
			while (i - atomic_load_acq_int(&ring->sb_r) >=
			    SB_RING_SLOTS)
				cpu_pause();
			atomic_store_relaxed(&ring->sb_slot[i &
			    (SB_RING_SLOTS - 1)],
			    kmalloc(size, M_SLAB_BENCH, M_WAITOK));
			atomic_store_rel_int(&ring->sb_w, i + 1);
		}
		while (atomic_load_acq_int(&ring->sb_done) == 0)
			tsleep(ring, 0, "sbdone", 1);
		res[r] = (nanouptime_ns() - t0) * SB_X100 / SB_XCPU_OPS;
	}
	kfree(ring, M_SLAB_BENCH);
	kbench_report(name, res, SB_REPEATS);
}

/*
 * Batch remote frees: this cpu allocates SB_BATCH chunks (untimed), a
 * thread on the next cpu frees them all (timed there: the remote-free
 * path alone, no ring, no waiting for the other cpu), then this cpu
 * allocates SB_BATCH again (timed: taking the chunks back from the
 * zones' remote lists).  Only one cpu works at a time, so unlike the
 * ring figure this does not depend on both vcpus being scheduled.
 */
struct sb_batch {
	void		**bt_ptrs;
	uint64_t	 bt_ns;		/* out: time of the frees */
	volatile u_int	 bt_done;
};

static void
sb_batch_freer(void *arg)
{
	struct sb_batch *bt = arg;
	uint64_t t0 = nanouptime_ns();

	for (int i = 0; i < SB_BATCH; i++)
		kfree(bt->bt_ptrs[i], M_SLAB_BENCH);
	bt->bt_ns = nanouptime_ns() - t0;
	atomic_store_rel_int(&bt->bt_done, 1);
	wakeup(bt);
}

static void
sb_remote_batch(size_t size, const char *freename, const char *allocname)
{
	uint64_t fres[SB_REPEATS], ares[SB_REPEATS], t0;
	struct sb_batch bt;

	bt.bt_ptrs = kmalloc(SB_BATCH * sizeof(void *), M_SLAB_BENCH,
	    M_WAITOK);
	for (int i = 0; i < SB_BATCH; i++)
		bt.bt_ptrs[i] = kmalloc(size, M_SLAB_BENCH, M_WAITOK);
	for (int r = 0; r < SB_REPEATS; r++) {
		atomic_store_rel_int(&bt.bt_done, 0);
		lwkt_create(sb_batch_freer, &bt, NULL, 0, (mycpuid + 1) % ncpus,
		    "sb_freer");
		while (atomic_load_acq_int(&bt.bt_done) == 0)
			tsleep(&bt, 0, "sbfree", 1);
		fres[r] = bt.bt_ns * SB_X100 / SB_BATCH;
		t0 = nanouptime_ns();
		for (int i = 0; i < SB_BATCH; i++)
			bt.bt_ptrs[i] = kmalloc(size, M_SLAB_BENCH, M_WAITOK);
		ares[r] = (nanouptime_ns() - t0) * SB_X100 / SB_BATCH;
	}
	for (int i = 0; i < SB_BATCH; i++)
		kfree(bt.bt_ptrs[i], M_SLAB_BENCH);
	kfree(bt.bt_ptrs, M_SLAB_BENCH);
	kbench_report(freename, fres, SB_REPEATS);
	kbench_report(allocname, ares, SB_REPEATS);
}

/*
 * slab_bench - print the kmalloc figures.  Context: thread; on one cpu
 * the cross-cpu figures are skipped.
 */
void
slab_bench(void)
{
	sb_samecpu(SB_SMALL_BYTES, "kmalloc_64_samecpu");
	sb_samecpu(SB_PAGE_BYTES, "kmalloc_4096_samecpu");
	sb_samecpu_best(SB_SMALL_BYTES, "kmalloc_64_samecpu_best");
	sb_samecpu_best(SB_PAGE_BYTES, "kmalloc_4096_samecpu_best");
	if (ncpus < 2) {
		kprintf("kmalloc: cross-cpu benchmarks need 2 cpus\n");
		return;
	}
	sb_xcpu(SB_SMALL_BYTES, "kmalloc_64_xcpu");
	sb_xcpu(SB_PAGE_BYTES, "kmalloc_4096_xcpu");
	sb_remote_batch(SB_SMALL_BYTES, "kmalloc_64_remote_kfree",
	    "kmalloc_64_after_remote");
	slab_reclaim();
}

KBENCH(kmalloc)
{
	slab_bench();
}
