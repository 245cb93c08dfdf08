/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * kern_ktest.c - the in-kernel test runner.
 *
 * Tests are KTEST() descriptors in the linker set ktest_set (see
 * sys/sys/ktest.h).  ktest_run() runs each one whose name matches the
 * pattern ("all", an exact name, or a prefix ending in '*'; several
 * patterns may be separated by ',') in a fresh kernel thread on cpu 0,
 * waits for it, and prints one line per test and a summary.  Failures
 * are counted in ktest_nfail, which KT_ASSERT/KT_EXPECT bump from any
 * thread on any cpu.
 *
 * Locking: one test runs at a time (ktest_running); the counters are
 * atomic.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/ktest.h>
#include <cpu/atomic.h>

#define NS_PER_MS	1000000ULL

SET_DECLARE(ktest_set, struct ktest);

static volatile u_int ktest_nfail;
static volatile u_int ktest_done;
static const char *ktest_name;

void
ktest_fail(const char *file, int line, const char *expr)
{
	atomic_add_int(&ktest_nfail, 1);
	kprintf("ktest:   %s: failed at %s:%d: %s\n",
	    ktest_name != NULL ? ktest_name : "?", file, line, expr);
}

int
ktest_failures(void)
{
	return ((int)atomic_load_acq_int(&ktest_nfail));
}

/*
 * kbench_report - print "bench: NAME N.NN ns/op", the median of n samples
 * given in hundredths of a nanosecond per operation (sorts samples).
 */
void
kbench_report(const char *name, uint64_t *ns_x100, int n)
{
	uint64_t m;

	for (int i = 1; i < n; i++) {
		for (int j = i; j > 0 && ns_x100[j - 1] > ns_x100[j]; j--) {
			uint64_t t = ns_x100[j];

			ns_x100[j] = ns_x100[j - 1];
			ns_x100[j - 1] = t;
		}
	}
	m = ns_x100[n / 2];
	kprintf("bench: %s %ju.%02ju ns/op\n", name, (uintmax_t)(m / 100),
	    (uintmax_t)(m % 100));
}

void
ktest_join_init(struct ktest_join *kj, int nthreads)
{
	atomic_store_rel_int(&kj->kj_count, (u_int)nthreads);
}

void
ktest_join_done(struct ktest_join *kj)
{
	if (atomic_fetchadd_int(&kj->kj_count, (u_int)-1) == 1)
		wakeup(kj);
}

void
ktest_join_wait(struct ktest_join *kj)
{
	while (atomic_load_acq_int(&kj->kj_count) != 0)
		tsleep(kj, 0, "ktjoin", 1);
}

static bool
ktest_match_one(const char *name, const char *pat, size_t len)
{
	if (len == 3 && strncmp(pat, "all", 3) == 0)
		return (true);
	if (len > 0 && pat[len - 1] == '*')
		return (strncmp(name, pat, len - 1) == 0);
	return (strlen(name) == len && strncmp(name, pat, len) == 0);
}

static bool
ktest_match(const char *name, const char *pattern)
{
	const char *p = pattern;

	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (ktest_match_one(name, p, len))
			return (true);
		if (end == NULL)
			break;
		p = end + 1;
	}
	return (false);
}

static void
ktest_thread(void *arg)
{
	struct ktest *kt = arg;

	kt->kt_func();
	atomic_store_rel_int(&ktest_done, 1);
	wakeup(&ktest_done);
}

/* Run one test to completion; returns its number of failures. */
static int
ktest_run_one(struct ktest *kt)
{
	uint64_t start = nanouptime_ns();
	int nfail;

	atomic_store_rel_int(&ktest_nfail, 0);
	atomic_store_rel_int(&ktest_done, 0);
	ktest_name = kt->kt_name;
	lwkt_create(ktest_thread, kt, NULL, 0, 0, "ktest");
	while (atomic_load_acq_int(&ktest_done) == 0)
		tsleep(&ktest_done, 0, "ktest", hz / 10 + 1);
	nfail = ktest_failures();
	kprintf("ktest: %s %s (%ju ms)\n", nfail == 0 ? "PASS" : "FAIL",
	    kt->kt_name, (uintmax_t)((nanouptime_ns() - start) / NS_PER_MS));
	ktest_name = NULL;
	return (nfail);
}

/*
 * ktest_run - run the tests matching pattern; returns how many failed.
 * Context: thread on any cpu.
 */
int
ktest_run(const char *pattern, bool verbose)
{
	struct ktest **ktp;
	int passed = 0, failed = 0, skipped = 0;

	kprintf("ktest: running \"%s\" on %d cpu%s\n", pattern, ncpus,
	    ncpus == 1 ? "" : "s");
	SET_FOREACH(ktp, ktest_set) {
		struct ktest *kt = *ktp;

		if (!ktest_match(kt->kt_name, pattern))
			continue;
		if (ncpus < kt->kt_min_cpus) {
			if (verbose)
				kprintf("ktest: SKIP %s (needs %d cpus)\n",
				    kt->kt_name, kt->kt_min_cpus);
			skipped++;
			continue;
		}
		if (ktest_run_one(kt) == 0)
			passed++;
		else
			failed++;
	}
	kprintf("ktest: %d passed, %d failed, %d skipped\n", passed, failed,
	    skipped);
	return (failed);
}
