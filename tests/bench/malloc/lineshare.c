/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * lineshare.c - count how often a malloc hands two threads memory in the
 * same 64-byte cache line, under whatever malloc is preloaded.
 *
 * What: false sharing measured by addresses, not by time, so the shared
 * machine's load cannot disturb it.  Usage: lineshare.  Prints one line
 * per scenario: "SCENARIO SHARED_LINES LINES", the cache lines that hold
 * bytes of blocks live in two or more threads at once, and all lines
 * that hold any of the scenario's blocks.  Scenarios (threads take turns
 * in a fixed order through a barrier, so every run hands out the same
 * addresses to the same threads):
 *   cscratch  mbench's cscratch: the main thread allocates one 8-byte
 *             block per thread, each thread frees its own and allocates
 *             an 8-byte block (2 and 4 threads);
 *   cthrash   each thread allocates one 8-byte block, the first of
 *             mbench's cthrash loop (2 and 4 threads);
 *   fresh-S   two threads take turns allocating 64 blocks of S bytes at a
 *             time until each holds 2,048: blocks from fills that the
 *             two threads make one after the other;
 *   remote-S  larson's hand-over: thread 0 allocates 2,048 blocks of S
 *             bytes, thread 1 frees them; then both take turns allocating
 *             64 at a time as in fresh-S.
 * Model: a block occupies [p, p + requested size); a line counts as
 * shared when blocks of two threads overlap it while both are live.
 * Measures only; nothing passes or fails.
 */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LS_LINE		64
#define LS_BLOCKS	2048
#define LS_STEP		64
#define LS_THREADS_MAX	4

struct ls_run {
	int		 r_threads;
	size_t		 r_size;
	int		 r_remote;	/* thread 1 first frees thread 0's */
	void		*r_blocks[LS_THREADS_MAX][LS_BLOCKS];
	int		 r_count[LS_THREADS_MAX];
	pthread_barrier_t r_barrier;
	int		 r_turns;	/* blocks per thread */
	int		 r_step;	/* blocks per turn */
	void		*r_scratch[LS_THREADS_MAX];	/* cscratch */
};

struct ls_arg {
	struct ls_run	*a_run;
	int		 a_id;
};

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL) {
		fprintf(stderr, "lineshare: out of memory\n");
		exit(1);
	}
	memset(p, 1, n);
	return (p);
}

/* Each thread in turn allocates r_step blocks; r_turns in all. */
static void *
ls_thread(void *arg)
{
	struct ls_arg *a = arg;
	struct ls_run *r = a->a_run;
	int id = a->a_id, done, k, i;

	if (r->r_scratch[id] != NULL)
		free(r->r_scratch[id]);
	if (r->r_remote && id == 0) {
		for (i = 0; i < LS_BLOCKS; i++)
			r->r_blocks[0][i] = xmalloc(r->r_size);
	}
	pthread_barrier_wait(&r->r_barrier);
	if (r->r_remote && id == 1) {
		for (i = 0; i < LS_BLOCKS; i++)
			free(r->r_blocks[0][i]);
	}
	pthread_barrier_wait(&r->r_barrier);
	for (done = 0; done < r->r_turns; done += r->r_step) {
		for (k = 0; k < r->r_threads; k++) {
			if (k == id) {
				for (i = 0; i < r->r_step; i++)
					r->r_blocks[id][done + i] =
					    xmalloc(r->r_size);
			}
			pthread_barrier_wait(&r->r_barrier);
		}
	}
	r->r_count[id] = r->r_turns;
	return (NULL);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Lines (index << 3 | thread) of every block, sorted; count sharing. */
static void
ls_count(struct ls_run *r, long *shared, long *lines)
{
	uint64_t *v, first, last, l;
	size_t n = 0, i, j;
	int t, b;

	v = malloc((size_t)LS_THREADS_MAX * LS_BLOCKS * 8 *
	    (r->r_size / LS_LINE + 2) * sizeof(*v));
	if (v == NULL) {
		fprintf(stderr, "lineshare: out of memory\n");
		exit(1);
	}
	for (t = 0; t < r->r_threads; t++) {
		for (b = 0; b < r->r_count[t]; b++) {
			first = (uintptr_t)r->r_blocks[t][b] / LS_LINE;
			last = ((uintptr_t)r->r_blocks[t][b] + r->r_size - 1) /
			    LS_LINE;
			for (l = first; l <= last; l++)
				v[n++] = l << 3 | (uint64_t)t;
		}
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	*shared = *lines = 0;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j] >> 3 == v[i] >> 3; j++)
			;
		(*lines)++;
		if ((v[i] & 7) != (v[j - 1] & 7))
			(*shared)++;
	}
	free(v);
}

static void
ls_scenario(const char *name, int threads, size_t size, int remote,
    int turns, int step, int scratch)
{
	static struct ls_run r;
	struct ls_arg args[LS_THREADS_MAX];
	pthread_t th[LS_THREADS_MAX];
	long shared, lines;
	int t, b;

	memset(&r, 0, sizeof(r));
	r.r_threads = threads;
	r.r_size = size;
	r.r_remote = remote;
	r.r_turns = turns;
	r.r_step = step;
	for (t = 0; scratch && t < threads; t++)
		r.r_scratch[t] = xmalloc(size);
	pthread_barrier_init(&r.r_barrier, NULL, (unsigned)threads);
	for (t = 0; t < threads; t++) {
		args[t].a_run = &r;
		args[t].a_id = t;
		if (pthread_create(&th[t], NULL, ls_thread, &args[t]) != 0) {
			fprintf(stderr, "lineshare: pthread_create\n");
			exit(1);
		}
	}
	for (t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	ls_count(&r, &shared, &lines);
	printf("%s %ld %ld\n", name, shared, lines);
	for (t = 0; t < threads; t++)
		for (b = 0; b < r.r_count[t]; b++)
			free(r.r_blocks[t][b]);
	pthread_barrier_destroy(&r.r_barrier);
}

int
main(void)
{
	static const size_t sizes[] = { 16, 48, 80, 112, 200, 500 };
	char name[32];
	size_t i;

	ls_scenario("cscratch-2", 2, 8, 0, 1, 1, 1);
	ls_scenario("cscratch-4", 4, 8, 0, 1, 1, 1);
	ls_scenario("cthrash-2", 2, 8, 0, 1, 1, 0);
	ls_scenario("cthrash-4", 4, 8, 0, 1, 1, 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "fresh-%zu", sizes[i]);
		ls_scenario(name, 2, sizes[i], 0, LS_BLOCKS, LS_STEP, 0);
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "remote-%zu", sizes[i]);
		ls_scenario(name, 2, sizes[i], 1, LS_BLOCKS, LS_STEP, 0);
	}
	return (0);
}
