/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * ktest.h - in-kernel tests, run on the real kernel (vkernel or pc64).
 *
 * KTEST(name) { ... } defines a test; the descriptor goes into the linker
 * set "ktest_set".  The monitor's "selftest [pattern]" command, or the boot
 * option that runs them, calls each test in a fresh kernel thread on cpu
 * 0 and prints one line per test:
 *
 *	ktest: PASS name (12 ms)
 *	ktest: FAIL name: file.c:42: expression
 *
 * and at the end "ktest: N passed, N failed".  KT_ASSERT records a failure
 * and returns from the calling (void) function; KT_EXPECT records and goes
 * on.  Both may be used from helper threads the test creates: failures are
 * charged to the test that is running.  A test must leave no thread, no
 * memory and no callout behind.
 */
#ifndef _SYS_KTEST_H_
#define _SYS_KTEST_H_

#include <sys/types.h>
#include <sys/linker_set.h>

struct ktest {
	const char	*kt_name;
	void		(*kt_func)(void);
	int		kt_min_cpus;	/* skipped on fewer cpus */
};

void	ktest_fail(const char *file, int line, const char *expr);

/* Waiting for the helper threads a test starts. */
struct ktest_join {
	volatile u_int	kj_count;	/* threads still running */
};
void	ktest_join_init(struct ktest_join *kj, int nthreads);
void	ktest_join_done(struct ktest_join *kj);	/* last call of a thread */
void	ktest_join_wait(struct ktest_join *kj);
int	ktest_run(const char *pattern, bool verbose);
int	ktest_failures(void);	/* failures so far in the running test */

#define KTEST_CPUS(name, mincpus)					\
	static void ktest_func_##name(void);				\
	static struct ktest ktest_desc_##name = {			\
		#name, ktest_func_##name, mincpus			\
	};								\
	DATA_SET(ktest_set, ktest_desc_##name);				\
	static void ktest_func_##name(void)

#define KTEST(name)	KTEST_CPUS(name, 1)

/*
 * KBENCH(name) { ... } defines a benchmark run by the monitor's "bench"
 * command (and "make bench"); it prints its own "bench: ..." lines.
 */
struct kbench {
	const char	*kb_name;
	void		(*kb_func)(void);
};

#define KBENCH(name)							\
	static void kbench_func_##name(void);				\
	static struct kbench kbench_desc_##name = {			\
		#name, kbench_func_##name				\
	};								\
	DATA_SET(kbench_set, kbench_desc_##name);			\
	static void kbench_func_##name(void)

int	kbench_run(const char *pattern);
/* Print the median of n samples (ns/op x 100) as "bench: NAME N ns/op". */
void	kbench_report(const char *name, uint64_t *ns_x100, int n);

#define KT_EXPECT(e)	do {						\
	if (__predict_false(!(e)))					\
		ktest_fail(__FILE__, __LINE__, #e);			\
} while (0)

#define KT_ASSERT(e)	do {						\
	if (__predict_false(!(e))) {					\
		ktest_fail(__FILE__, __LINE__, #e);			\
		return;							\
	}								\
} while (0)

#endif /* !_SYS_KTEST_H_ */
