/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * hostbench.c - the Linux counterparts of the LWKT benchmarks, measured
 * on the same machine in the same run by tools/bench/lwkt.sh:
 *
 *	mutex_lock_unlock	pthread mutex, uncontended   (vs token_get_rel)
 *	futex_roundtrip		two threads on two cpus       (vs ipi_roundtrip)
 *	thread_switch		two threads, one cpu, yield   (vs thread_switch)
 *	malloc_free_64/4096	glibc, same thread            (vs kmalloc)
 *	malloc_free_64_xthread	glibc, freed by another thread
 *
 * Prints "host: NAME NS ns/op", the median of REPEATS runs.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define REPEATS		5
#define MUTEX_OPS	2000000
#define PINGPONG_ROUNDS	20000
#define SWITCH_ROUNDS	200000
#define MALLOC_OPS	2000000
#define XFREE_OPS	1000000
#define RING_SLOTS	1024

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

static void
report(const char *name, uint64_t *x100)
{
	qsort(x100, REPEATS, sizeof(*x100), cmp_u64);
	printf("host: %s %ju.%02ju ns/op\n", name,
	    (uintmax_t)(x100[REPEATS / 2] / 100),
	    (uintmax_t)(x100[REPEATS / 2] % 100));
	fflush(stdout);
}

static void
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % CPU_SETSIZE, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void
bench_mutex(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	uint64_t res[REPEATS], t0;

	for (int r = 0; r < REPEATS; r++) {
		t0 = now_ns();
		for (int i = 0; i < MUTEX_OPS; i++) {
			pthread_mutex_lock(&m);
			pthread_mutex_unlock(&m);
		}
		res[r] = (now_ns() - t0) * 100 / MUTEX_OPS;
	}
	report("mutex_lock_unlock", res);
}

/* Futex ping-pong: turn says whose move it is. */
static atomic_uint turn;

static void
futex_wait_for(unsigned want)
{
	unsigned v;

	while ((v = atomic_load(&turn)) != want)
		syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void
futex_give(unsigned to)
{
	atomic_store(&turn, to);
	syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static int pong_cpu;

static void *
pong_main(void *arg)
{
	int rounds = *(int *)arg;

	pin(pong_cpu);
	for (int i = 0; i < rounds; i++) {
		futex_wait_for(1);
		futex_give(0);
	}
	return (NULL);
}

static uint64_t
pingpong_once(int rounds)
{
	pthread_t tid;
	uint64_t t0, t1;

	atomic_store(&turn, 0);
	pthread_create(&tid, NULL, pong_main, &rounds);
	t0 = now_ns();
	for (int i = 0; i < rounds; i++) {
		futex_give(1);
		futex_wait_for(0);
	}
	t1 = now_ns();
	pthread_join(tid, NULL);
	return (t1 - t0);
}

static void
bench_futex_roundtrip(void)
{
	uint64_t res[REPEATS];

	pin(0);
	pong_cpu = 1;
	for (int r = 0; r < REPEATS; r++)
		res[r] = pingpong_once(PINGPONG_ROUNDS) * 100 / PINGPONG_ROUNDS;
	report("futex_roundtrip", res);
}

static void *
yield_main(void *arg)
{
	(void)arg;
	pin(0);
	for (int i = 0; i < SWITCH_ROUNDS; i++)
		sched_yield();
	return (NULL);
}

static void
bench_thread_switch(void)
{
	uint64_t res[REPEATS], t0;
	pthread_t a, b;

	for (int r = 0; r < REPEATS; r++) {
		t0 = now_ns();
		pthread_create(&a, NULL, yield_main, NULL);
		pthread_create(&b, NULL, yield_main, NULL);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		res[r] = (now_ns() - t0) * 100 / (2 * SWITCH_ROUNDS);
	}
	report("thread_switch", res);
}

static void
bench_malloc(size_t size, const char *name)
{
	uint64_t res[REPEATS], t0;
	void *volatile p;

	for (int r = 0; r < REPEATS; r++) {
		t0 = now_ns();
		for (int i = 0; i < MALLOC_OPS; i++) {
			p = malloc(size);
			free(p);
		}
		res[r] = (now_ns() - t0) * 100 / MALLOC_OPS;
	}
	report(name, res);
}

/* Producer mallocs, consumer frees, through a single-producer ring. */
static void *ring[RING_SLOTS];
static atomic_uint ring_w, ring_r;

static void *
xfree_consumer(void *arg)
{
	(void)arg;
	pin(1);
	for (unsigned i = 0; i < XFREE_OPS; i++) {
		while (atomic_load(&ring_w) == i)
			;
		free(ring[i % RING_SLOTS]);
		atomic_store(&ring_r, i + 1);
	}
	return (NULL);
}

static void
bench_xfree(void)
{
	uint64_t res[REPEATS], t0;
	pthread_t tid;

	pin(0);
	for (int r = 0; r < REPEATS; r++) {
		atomic_store(&ring_w, 0);
		atomic_store(&ring_r, 0);
		pthread_create(&tid, NULL, xfree_consumer, NULL);
		t0 = now_ns();
		for (unsigned i = 0; i < XFREE_OPS; i++) {
			while (i - atomic_load(&ring_r) >= RING_SLOTS)
				;
			ring[i % RING_SLOTS] = malloc(64);
			atomic_store(&ring_w, i + 1);
		}
		pthread_join(tid, NULL);
		res[r] = (now_ns() - t0) * 100 / XFREE_OPS;
	}
	report("malloc_free_64_xthread", res);
}

static void *
idle_thread_main(void *arg)
{
	(void)arg;
	pause();
	return (NULL);
}

int
main(void)
{
	pthread_t idle;

	/*
	 * glibc drops the atomic instructions from mutexes while a process
	 * has a single thread; a kernel never has that luxury, so measure
	 * the multi-threaded case.
	 */
	pthread_create(&idle, NULL, idle_thread_main, NULL);
	bench_mutex();
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		bench_futex_roundtrip();
	bench_thread_switch();
	bench_malloc(64, "malloc_free_64");
	bench_malloc(4096, "malloc_free_4096");
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		bench_xfree();
	return (0);
}
