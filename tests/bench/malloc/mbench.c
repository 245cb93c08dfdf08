/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * mbench.c - allocator workloads, run under whatever malloc is preloaded.
 *
 * Usage: mbench WORKLOAD THREADS.  Runs a fixed amount of work on THREADS
 * threads and prints "WORKLOAD THREADS SECONDS PEAK_RSS_KIB CPU_SECONDS"
 * (wall time of the work; peak RSS and user+system CPU time of the whole
 * process, which the machine's other load disturbs less).  Workloads
 * (our own versions of well-known allocator benchmarks):
 *   larson   Larson & Krishnan's server simulation: each thread replaces
 *            random blocks of a slot array, and the arrays change hands
 *            between threads every round (frees of other threads' blocks);
 *   xmalloc  producer/consumer: each thread allocates batches that the
 *            next thread frees;
 *   cscratch cache-scratch (passive false sharing): each thread frees a
 *            small block the main thread allocated, allocates its own and
 *            writes it hard;
 *   cthrash  cache-thrash (active false sharing): each thread allocates a
 *            small block, writes it hard, frees it;
 *   mstress  mixed-size churn after mstress: bursts of mostly small and
 *            some large blocks, with a share moved to other threads;
 *   churn    small-object churn with a fixed live set, no sharing;
 *   realloc  growth of many buffers by realloc from 16 bytes to 1 MiB.
 * The program checks nothing about speed; tests/bench/malloc/run.sh
 * compares allocators.
 */

#define _GNU_SOURCE
#include <sys/resource.h>

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LARSON_SLOTS		2000
#define LARSON_ROUNDS		100
#define LARSON_OPS		40000
#define LARSON_MIN_BYTES	10
#define LARSON_MAX_BYTES	500
#define XM_BATCH		256
#define XM_BATCHES		8000
#define XM_QUEUE		64
#define XM_MAX_BYTES		120
#define CS_ROUNDS		4000
#define CS_WRITES		20000
#define CS_OBJ_BYTES		8
#define CT_ROUNDS		2000000
#define CT_WRITES		50
#define MS_SLOTS		4000
#define MS_ROUNDS		600
#define MS_SHARE		64
#define MS_BIG_ONE_IN		100
#define MS_BIG_MAX_BYTES	(128 * 1024)
#define MS_SMALL_MAX_BYTES	1024
#define CH_LIVE			1000
#define CH_OPS			10000000
#define CH_MAX_BYTES		128
#define RA_BUFFERS		16
#define RA_ROUNDS		6
#define RA_MAX_BYTES		(1 << 20)
#define RA_GROW_DIVISOR		8

struct shared {
	int		 s_threads;
	pthread_barrier_t s_barrier;
	void	      ***s_arrays;	/* larson: one slot array per thread */
	void	       **s_scratch;	/* cscratch: one block per thread */
	pthread_mutex_t	*s_qlock;	/* xmalloc/mstress: per-thread queue */
	pthread_cond_t	*s_qcond;
	void	     ***s_queue;	/* queue of batches */
	int		*s_qhead, *s_qtail;
	int		 s_producing;	/* threads still handing batches on */
};

/*
 * One per thread, written on every operation (t_rng, t_sink): each is
 * given a cache line of its own, else the threads' arguments would share
 * lines and every multi-thread run would measure that false sharing
 * rather than the allocator's.
 */
#define MB_LINE_BYTES		64
struct targ {
	struct shared	*t_sh;
	int		 t_id;
	uint64_t	 t_rng;
	uint64_t	 t_sink;
} __attribute__((__aligned__(MB_LINE_BYTES)));

static uint64_t
rnd(struct targ *t)
{
	t->t_rng ^= t->t_rng << 13;
	t->t_rng ^= t->t_rng >> 7;
	t->t_rng ^= t->t_rng << 17;
	return (t->t_rng);
}

static void *
xmalloc_or_die(size_t n)
{
	void *p = malloc(n);

	if (p == NULL) {
		fprintf(stderr, "mbench: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return (p);
}

static void
touch(void *p, size_t n)
{
	((volatile char *)p)[0] = 1;
	((volatile char *)p)[n - 1] = 2;
}

static void *
larson(void *arg)
{
	struct targ *t = arg;
	struct shared *sh = t->t_sh;
	void **slots;
	size_t n;
	int r, k, i;

	slots = sh->s_arrays[t->t_id];
	for (i = 0; i < LARSON_SLOTS; i++) {
		n = LARSON_MIN_BYTES + rnd(t) % LARSON_MAX_BYTES;
		slots[i] = xmalloc_or_die(n);
		touch(slots[i], n);
	}
	for (r = 0; r < LARSON_ROUNDS; r++) {
		slots = sh->s_arrays[(t->t_id + r) % sh->s_threads];
		for (k = 0; k < LARSON_OPS; k++) {
			i = (int)(rnd(t) % LARSON_SLOTS);
			free(slots[i]);
			n = LARSON_MIN_BYTES + rnd(t) % LARSON_MAX_BYTES;
			slots[i] = xmalloc_or_die(n);
			touch(slots[i], n);
		}
		pthread_barrier_wait(&sh->s_barrier);
	}
	return (NULL);
}

static void
queue_put(struct shared *sh, int q, void **batch)
{
	pthread_mutex_lock(&sh->s_qlock[q]);
	while (sh->s_qtail[q] - sh->s_qhead[q] == XM_QUEUE)
		pthread_cond_wait(&sh->s_qcond[q], &sh->s_qlock[q]);
	sh->s_queue[q][sh->s_qtail[q] % XM_QUEUE] = batch;
	sh->s_qtail[q]++;
	pthread_cond_broadcast(&sh->s_qcond[q]);
	pthread_mutex_unlock(&sh->s_qlock[q]);
}

/* Take a batch from queue q without blocking; NULL if it is empty. */
static void **
queue_try_get(struct shared *sh, int q)
{
	void **b = NULL;

	pthread_mutex_lock(&sh->s_qlock[q]);
	if (sh->s_qtail[q] != sh->s_qhead[q]) {
		b = sh->s_queue[q][sh->s_qhead[q] % XM_QUEUE];
		sh->s_qhead[q]++;
		pthread_cond_broadcast(&sh->s_qcond[q]);
	}
	pthread_mutex_unlock(&sh->s_qlock[q]);
	return (b);
}

static void
free_batch(void **b, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(b[i]);
	free(b);
}

/*
 * After its last hand-off a thread keeps freeing what reaches its queue
 * until every thread has stopped producing, so that no producer waits
 * forever on a full queue.
 */
static void
drain_until_done(struct shared *sh, int q, int n)
{
	void **b;

	__atomic_sub_fetch(&sh->s_producing, 1, __ATOMIC_ACQ_REL);
	for (;;) {
		if ((b = queue_try_get(sh, q)) != NULL) {
			free_batch(b, n);
			continue;
		}
		if (__atomic_load_n(&sh->s_producing, __ATOMIC_ACQUIRE) == 0)
			break;
		sched_yield();
	}
	pthread_barrier_wait(&sh->s_barrier);
	while ((b = queue_try_get(sh, q)) != NULL)
		free_batch(b, n);
}

static void *
xmalloc_bench(void *arg)
{
	struct targ *t = arg;
	struct shared *sh = t->t_sh;
	int next = (t->t_id + 1) % sh->s_threads;
	void **b, **old;
	size_t n;
	int k, i;

	for (k = 0; k < XM_BATCHES; k++) {
		b = xmalloc_or_die(XM_BATCH * sizeof(*b));
		for (i = 0; i < XM_BATCH; i++) {
			n = 1 + rnd(t) % XM_MAX_BYTES;
			b[i] = xmalloc_or_die(n);
			touch(b[i], n);
		}
		/* Free what the previous thread produced, then hand ours on. */
		while (sh->s_qtail[t->t_id] - sh->s_qhead[t->t_id] >=
		    XM_QUEUE / 2 &&
		    (old = queue_try_get(sh, t->t_id)) != NULL)
			free_batch(old, XM_BATCH);
		queue_put(sh, next, b);
	}
	drain_until_done(sh, t->t_id, XM_BATCH);
	return (NULL);
}

static void *
cscratch(void *arg)
{
	struct targ *t = arg;
	volatile char *p;
	int r, w;

	free(t->t_sh->s_scratch[t->t_id]);
	for (r = 0; r < CS_ROUNDS; r++) {
		p = xmalloc_or_die(CS_OBJ_BYTES);
		for (w = 0; w < CS_WRITES; w++) {
			p[w % CS_OBJ_BYTES] = (char)w;
			t->t_sink += (uint64_t)p[0];
		}
		free((void *)(uintptr_t)p);
	}
	return (NULL);
}

static void *
cthrash(void *arg)
{
	struct targ *t = arg;
	volatile char *p;
	int r, w;

	for (r = 0; r < CT_ROUNDS; r++) {
		p = xmalloc_or_die(CS_OBJ_BYTES);
		for (w = 0; w < CT_WRITES; w++) {
			p[w % CS_OBJ_BYTES] = (char)w;
			t->t_sink += (uint64_t)p[0];
		}
		free((void *)(uintptr_t)p);
	}
	return (NULL);
}

static size_t
ms_size(struct targ *t)
{
	if (rnd(t) % MS_BIG_ONE_IN == 0)
		return (1 + rnd(t) % MS_BIG_MAX_BYTES);
	return (1 + rnd(t) % (rnd(t) % 2 ? MS_SMALL_MAX_BYTES : 64));
}

static void *
mstress(void *arg)
{
	struct targ *t = arg;
	struct shared *sh = t->t_sh;
	int next = (t->t_id + 1) % sh->s_threads;
	void **slots, **share, **b;
	size_t n;
	int r, i, k;

	slots = calloc(MS_SLOTS, sizeof(*slots));
	for (r = 0; r < MS_ROUNDS; r++) {
		/* A burst: replace a random run of slots. */
		k = (int)(rnd(t) % MS_SLOTS);
		for (i = 0; i < MS_SLOTS / 2; i++) {
			free(slots[(k + i) % MS_SLOTS]);
			n = ms_size(t);
			slots[(k + i) % MS_SLOTS] = xmalloc_or_die(n);
			touch(slots[(k + i) % MS_SLOTS], n);
		}
		/* Move some blocks to the next thread, which frees them. */
		share = xmalloc_or_die(MS_SHARE * sizeof(*share));
		for (i = 0; i < MS_SHARE; i++) {
			k = (int)(rnd(t) % MS_SLOTS);
			share[i] = slots[k];
			slots[k] = NULL;
		}
		while (sh->s_qtail[t->t_id] - sh->s_qhead[t->t_id] >=
		    XM_QUEUE / 2 && (b = queue_try_get(sh, t->t_id)) != NULL)
			free_batch(b, MS_SHARE);
		queue_put(sh, next, share);
	}
	drain_until_done(sh, t->t_id, MS_SHARE);
	for (i = 0; i < MS_SLOTS; i++)
		free(slots[i]);
	free(slots);
	return (NULL);
}

static void *
churn(void *arg)
{
	struct targ *t = arg;
	void *live[CH_LIVE];
	size_t n;
	int i, k;

	memset(live, 0, sizeof(live));
	for (k = 0; k < CH_OPS; k++) {
		i = (int)(rnd(t) % CH_LIVE);
		free(live[i]);
		n = 1 + rnd(t) % CH_MAX_BYTES;
		live[i] = xmalloc_or_die(n);
		((volatile char *)live[i])[0] = 1;
	}
	for (i = 0; i < CH_LIVE; i++)
		free(live[i]);
	return (NULL);
}

static void *
realloc_bench(void *arg)
{
	struct targ *t = arg;
	char *buf[RA_BUFFERS];
	size_t len[RA_BUFFERS];
	size_t grow;
	char *p;
	int r, i;
	bool busy;

	for (r = 0; r < RA_ROUNDS; r++) {
		for (i = 0; i < RA_BUFFERS; i++) {
			len[i] = 16;
			buf[i] = xmalloc_or_die(len[i]);
			memset(buf[i], 'a', len[i]);
		}
		do {
			busy = false;
			for (i = 0; i < RA_BUFFERS; i++) {
				if (len[i] >= RA_MAX_BYTES)
					continue;
				busy = true;
				grow = 1 + len[i] / RA_GROW_DIVISOR +
				    rnd(t) % 64;
				p = realloc(buf[i], len[i] + grow);
				if (p == NULL) {
					fprintf(stderr, "mbench: realloc\n");
					exit(1);
				}
				memset(p + len[i], 'b', grow);
				buf[i] = p;
				len[i] += grow;
			}
		} while (busy);
		for (i = 0; i < RA_BUFFERS; i++) {
			t->t_sink += (uint64_t)buf[i][len[i] / 2];
			free(buf[i]);
		}
	}
	return (NULL);
}

static void
shared_init(struct shared *sh, int threads)
{
	int i;

	sh->s_threads = threads;
	pthread_barrier_init(&sh->s_barrier, NULL, (unsigned)threads);
	sh->s_arrays = xmalloc_or_die((size_t)threads * sizeof(void **));
	sh->s_scratch = xmalloc_or_die((size_t)threads * sizeof(void *));
	sh->s_qlock = xmalloc_or_die((size_t)threads * sizeof(*sh->s_qlock));
	sh->s_qcond = xmalloc_or_die((size_t)threads * sizeof(*sh->s_qcond));
	sh->s_queue = xmalloc_or_die((size_t)threads * sizeof(void **));
	sh->s_qhead = calloc((size_t)threads, sizeof(int));
	sh->s_qtail = calloc((size_t)threads, sizeof(int));
	sh->s_producing = threads;
	for (i = 0; i < threads; i++) {
		sh->s_arrays[i] = xmalloc_or_die(LARSON_SLOTS * sizeof(void *));
		/* Allocated together by one thread: neighbours in memory. */
		sh->s_scratch[i] = xmalloc_or_die(CS_OBJ_BYTES);
		pthread_mutex_init(&sh->s_qlock[i], NULL);
		pthread_cond_init(&sh->s_qcond[i], NULL);
		sh->s_queue[i] = xmalloc_or_die(XM_QUEUE * sizeof(void **));
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void *(*fn)(void *);
	} works[] = {
		{ "larson", larson }, { "xmalloc", xmalloc_bench },
		{ "cscratch", cscratch }, { "cthrash", cthrash },
		{ "mstress", mstress }, { "churn", churn },
		{ "realloc", realloc_bench },
	};
	void *(*fn)(void *) = NULL;
	struct shared sh;
	struct targ *ts;
	pthread_t *th;
	struct rusage ru;
	double t0, t1;
	int threads, i;
	size_t w;

	if (argc != 3 || (threads = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: mbench WORKLOAD THREADS\n");
		return (2);
	}
	for (w = 0; w < sizeof(works) / sizeof(works[0]); w++)
		if (strcmp(argv[1], works[w].name) == 0)
			fn = works[w].fn;
	if (fn == NULL) {
		fprintf(stderr, "mbench: no workload %s\n", argv[1]);
		return (2);
	}
	shared_init(&sh, threads);
	if (posix_memalign((void **)&ts, MB_LINE_BYTES,
	    (size_t)threads * sizeof(*ts)) != 0) {
		fprintf(stderr, "mbench: out of memory\n");
		return (1);
	}
	memset(ts, 0, (size_t)threads * sizeof(*ts));
	th = calloc((size_t)threads, sizeof(*th));
	t0 = now();
	for (i = 0; i < threads; i++) {
		ts[i].t_sh = &sh;
		ts[i].t_id = i;
		ts[i].t_rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		if (pthread_create(&th[i], NULL, fn, &ts[i]) != 0) {
			fprintf(stderr, "mbench: pthread_create\n");
			return (1);
		}
	}
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	t1 = now();
	getrusage(RUSAGE_SELF, &ru);
	printf("%s %d %.4f %ld %.4f\n", argv[1], threads, t1 - t0,
	    ru.ru_maxrss, (double)ru.ru_utime.tv_sec +
	    (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	    (double)ru.ru_stime.tv_usec / 1e6);
	return (0);
}
