/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * slab_host.c - glibc's malloc+free measured the way the kernel's
 * "bench kmalloc" measures kmalloc+kfree (sys/kern/kern_slaballoc_bench.c),
 * so that tools/bench/slab.sh can put them side by side in one run.
 *
 *	host: malloc_free_64 NS ns/op		median of 5 runs of 2M pairs
 *	host: malloc_free_64_best NS ns/op	fastest of 200 batches of 10000
 *
 * and the same for 4096 bytes.  The "best" figure filters out the time
 * the process spends descheduled on a loaded machine.
 */

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define REPEATS		5
#define OPS		2000000
#define BEST_BATCHES	200
#define BEST_OPS	10000
#define X100		100
#define NS_PER_SEC	1000000000ULL

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

static void
report(const char *name, size_t size, const char *suffix, uint64_t x100)
{
	printf("host: %s_%zu%s %ju.%02ju ns/op\n", name, size, suffix,
	    (uintmax_t)(x100 / X100), (uintmax_t)(x100 % X100));
}

static void
bench(size_t size)
{
	uint64_t res[REPEATS], best = UINT64_MAX, t0, t;
	void *volatile p;

	for (int r = 0; r < REPEATS; r++) {
		t0 = now_ns();
		for (int i = 0; i < OPS; i++) {
			p = malloc(size);
			free(p);
		}
		res[r] = (now_ns() - t0) * X100 / OPS;
	}
	qsort(res, REPEATS, sizeof(res[0]), cmp_u64);
	report("malloc_free", size, "", res[REPEATS / 2]);
	for (int b = 0; b < BEST_BATCHES; b++) {
		t0 = now_ns();
		for (int i = 0; i < BEST_OPS; i++) {
			p = malloc(size);
			free(p);
		}
		t = now_ns() - t0;
		if (t < best)
			best = t;
	}
	report("malloc_free", size, "_best", best * X100 / BEST_OPS);
}

int
main(void)
{
	bench(64);
	bench(4096);
	return (0);
}
