/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * unit.c - API and corner-case tests of nmalloc.
 *
 * Usage: unit list | unit NAME.  Each test runs in its own process (the
 * suite starts one per name), exits 0 on success and prints the failed
 * check otherwise.  The plain build runs under LD_PRELOAD=libnmalloc.so
 * (the test preload_active proves the preload took); the -DNMALLOC_PREFIX
 * build links nmalloc in under ASan+UBSan.
 */

#define _GNU_SOURCE
#include <sys/wait.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "nmt.h"

#define PAGE_BYTES	4096UL
#define ZONE_LIMIT	16384UL
#define BIG_MAX		(8UL << 20)
#define MANY_OBJECTS	200000
#define FORK_ROUNDS	20
#define EXIT_ROUNDS	200
#define RETURN_BYTES	(96UL << 20)
#define RETURN_OBJ	1000
#define ERRNO_MARK	4321
#define LINE_BYTES	64
#define LINE_TURNS	32
#define LINE_STEP	64
#define LINE_SIZE	112	/* a class whose chunks straddle lines */
#define SCRATCH_SIZE	40

static unsigned long rng_state = 88172645463325252UL;

static unsigned long
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (rng_state);
}

static void
fill(unsigned char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7);
}

static bool
check_fill(const unsigned char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed * 31 + i * 7))
			return (false);
	return (true);
}

/* Hide a size from the compiler, which rejects calls it knows must fail. */
static size_t
opaque(size_t v)
{
	__asm__ volatile("" : "+r"(v));
	return (v);
}

static bool
is_pow2(size_t v)
{
	return (v != 0 && (v & (v - 1)) == 0);
}

#ifndef NMALLOC_PREFIX
static void
test_preload_active(void)
{
	Dl_info info;

	NMT_CHECK(dladdr((void *)(uintptr_t)&malloc, &info) != 0);
	NMT_CHECK(info.dli_fname != NULL);
	NMT_CHECK(strstr(info.dli_fname, "libnmalloc.so") != NULL);
}
#endif

/* Every size up to the zone limit: aligned, usable, no overlap. */
static void
test_class_alignment(void)
{
	enum { KEEP = 4 };
	unsigned char *keep[KEEP];
	size_t n, u;
	int i;

	for (n = 1; n <= ZONE_LIMIT + 1; n++) {
		for (i = 0; i < KEEP; i++) {
			keep[i] = T(malloc)(n);
			NMT_CHECK(keep[i] != NULL);
			NMT_CHECK(((uintptr_t)keep[i] & 15) == 0);
			u = T(malloc_usable_size)(keep[i]);
			NMT_CHECK(u >= n);
			if (is_pow2(n) && n <= ZONE_LIMIT)
				NMT_CHECK(((uintptr_t)keep[i] & (n - 1)) == 0);
			fill(keep[i], u, (unsigned)(n + i));
		}
		for (i = 0; i < KEEP; i++) {
			u = T(malloc_usable_size)(keep[i]);
			NMT_CHECK(check_fill(keep[i], u, (unsigned)(n + i)));
			T(free)(keep[i]);
		}
	}
}

/*
 * Run bad(p, arg) in a child, which must die of SIGABRT (nmalloc's
 * report of bad use); its message goes to /dev/null.
 */
static void
expect_abort(void (*bad)(unsigned char *, size_t), unsigned char *p,
    size_t arg)
{
	int status, fd;
	pid_t pid;

	pid = fork();
	NMT_CHECK(pid >= 0);
	if (pid == 0) {
		alarm(10);
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			(void)dup2(fd, 2);
		bad(p, arg);
		_exit(0);
	}
	NMT_CHECK(waitpid(pid, &status, 0) == pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
		fprintf(stderr, "bad use of %p (+%zu) not caught: status %d\n",
		    (void *)p, arg, status);
	NMT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

static void
free_at(unsigned char *p, size_t off)
{
	T(free)(p + opaque(off));
}

static void
free_twice(unsigned char *p, size_t unused)
{
	unsigned char *again = p;

	(void)unused;
	/* Hide the second free from the compiler's use-after-free check. */
	__asm__ volatile("" : "+r"(again));
	T(free)(p);
	T(free)(again);
}

/*
 * Every size class: free() of a pointer 8 or 16 bytes into a chunk, or
 * 16 bytes short of its end, and a double free, abort; every chunk of a
 * zone's worth is accepted.  free's chunk-boundary test is a multiply by
 * a class-specific constant, so each class is checked on its own.
 */
static void
test_bad_free_every_class(void)
{
	enum { NPTR = 64 };
	unsigned char *p, *v[NPTR];
	size_t n, u, last = 0;
	int i;

	for (n = 1; n <= ZONE_LIMIT; n++) {
		p = T(malloc)(n);
		NMT_CHECK(p != NULL);
		u = T(malloc_usable_size)(p);
		if (u == last) {
			T(free)(p);
			continue;
		}
		last = u;
		expect_abort(free_at, p, 8);
		if (u > 16) {
			expect_abort(free_at, p, 16);
			expect_abort(free_at, p, u - 16);
		}
		expect_abort(free_twice, p, 0);
		T(free)(p);
		for (i = 0; i < NPTR; i++) {
			v[i] = T(malloc)(n);
			NMT_CHECK(v[i] != NULL);
		}
		for (i = 0; i < NPTR; i++)
			T(free)(v[i]);
	}
	NMT_CHECK(last == ZONE_LIMIT);
}

static void
test_zero_sizes(void)
{
	void *a, *b, *c;

	a = T(malloc)(0);
	b = T(malloc)(0);
	NMT_CHECK(a != NULL && b != NULL && a != b);
	NMT_CHECK(T(malloc_usable_size)(a) >= 1);
	c = T(calloc)(0, 10);
	NMT_CHECK(c != NULL);
	T(free)(c);
	c = T(calloc)(10, 0);
	NMT_CHECK(c != NULL);
	T(free)(c);
	c = T(realloc)(NULL, 0);
	NMT_CHECK(c != NULL);
	/* realloc(p, 0) frees p and returns NULL, as glibc does. */
	NMT_CHECK(T(realloc)(c, 0) == NULL);
	T(free)(a);
	T(free)(b);
	T(free)(NULL);
	NMT_CHECK(T(malloc_usable_size)(NULL) == 0);
}

static void
test_calloc_zeroes(void)
{
	static const size_t sizes[] = { 1, 24, 100, 1000, 5000, ZONE_LIMIT,
		ZONE_LIMIT + 1, 100000, 1UL << 20 };
	unsigned char *p;
	size_t i, j, k;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			p = T(malloc)(sizes[i]);
			NMT_CHECK(p != NULL);
			memset(p, 0xa5, sizes[i]);
			T(free)(p);
			p = T(calloc)(1, sizes[i]);
			NMT_CHECK(p != NULL);
			for (j = 0; j < sizes[i]; j++)
				NMT_CHECK(p[j] == 0);
			T(free)(p);
		}
	}
}

static void
test_overflow_enomem(void)
{
	void *p;

	errno = 0;
	NMT_CHECK(T(malloc)(opaque(SIZE_MAX)) == NULL && errno == ENOMEM);
	errno = 0;
	NMT_CHECK(T(malloc)(opaque(SIZE_MAX - PAGE_BYTES)) == NULL &&
	    errno == ENOMEM);
	errno = 0;
	NMT_CHECK(T(malloc)(opaque(SIZE_MAX / 2)) == NULL && errno == ENOMEM);
	errno = 0;
	NMT_CHECK(T(calloc)(opaque(SIZE_MAX / 2), 3) == NULL &&
	    errno == ENOMEM);
	errno = 0;
	NMT_CHECK(T(calloc)(opaque(1UL << 33), 1UL << 33) == NULL &&
	    errno == ENOMEM);
	p = T(malloc)(10);
	NMT_CHECK(p != NULL);
	errno = 0;
	NMT_CHECK(T(reallocarray)(p, opaque(SIZE_MAX / 2), 3) == NULL &&
	    errno == ENOMEM);
	errno = 0;
	NMT_CHECK(T(realloc)(p, opaque(SIZE_MAX)) == NULL && errno == ENOMEM);
	/* The failed calls left p alone. */
	NMT_CHECK(T(malloc_usable_size)(p) >= 10);
	p = T(reallocarray)(p, 100, 4);
	NMT_CHECK(p != NULL && T(malloc_usable_size)(p) >= 400);
	T(free)(p);
	errno = 0;
	NMT_CHECK(T(pvalloc)(opaque(SIZE_MAX)) == NULL && errno == ENOMEM);
}

/* Grow one byte at a time through every class and into big, then shrink. */
static void
test_realloc_growth_shrink(void)
{
	unsigned char *p, *q;
	size_t n, step;

	p = T(malloc)(1);
	NMT_CHECK(p != NULL);
	p[0] = 0x5a;
	for (n = 2; n <= BIG_MAX; n += step) {
		step = n < 2 * ZONE_LIMIT ? 1 + n / 64 : n / 3;
		q = T(realloc)(p, n);
		NMT_CHECK(q != NULL);
		NMT_CHECK(q[0] == 0x5a);
		NMT_CHECK(T(malloc_usable_size)(q) >= n);
		q[n - 1] = (unsigned char)n;
		p = q;
	}
	fill(p, 1000, 7);
	for (n = BIG_MAX; n >= 1; n = n * 2 / 3) {
		q = T(realloc)(p, n);
		NMT_CHECK(q != NULL);
		NMT_CHECK(check_fill(q, n < 1000 ? n : 1000, 7));
		NMT_CHECK(T(malloc_usable_size)(q) >= n);
		p = q;
		if (n == 1)
			break;
	}
	T(free)(p);
}

/*
 * A big block that realloc grows takes over a cached freed block of up to
 * four times its new length (its pages move onto that block's start, so
 * the growth needs no new pages): the data survives, the block keeps its
 * extra length through a moderate shrink and gives it back below a
 * quarter.  Each test runs in a fresh process, so the freed block is the
 * only one cached.
 */
static void
test_realloc_reuses_cached(void)
{
	enum { OLD = 1 << 20, SMALL = 300 << 10, GROWN = 400 << 10,
		SHRUNK = 100 << 10 };
	unsigned char *x, *p, *q;

	x = T(malloc)(OLD);
	NMT_CHECK(x != NULL);
	memset(x, 0xee, OLD);
	T(free)(x);
	p = T(malloc)(SMALL);
	NMT_CHECK(p != NULL && p != x);
	fill(p, SMALL, 3);
	q = T(realloc)(p, GROWN);
	NMT_CHECK(q == x);
	NMT_CHECK(check_fill(q, SMALL, 3));
	NMT_CHECK(T(malloc_usable_size)(q) == OLD);
	memset(q + SMALL, 0x11, GROWN - SMALL);
	q = T(realloc)(q, SMALL);
	NMT_CHECK(q == x && T(malloc_usable_size)(q) == OLD);
	q = T(realloc)(q, SHRUNK);
	NMT_CHECK(q == x && T(malloc_usable_size)(q) == SHRUNK);
	NMT_CHECK(check_fill(q, SHRUNK, 3));
	T(free)(q);
}

/*
 * A slab chunk that realloc grows into a big block takes over a cached
 * freed block of up to 2 MiB (NM_STEAL_SPAN_BYTES) at once, so that it
 * grows on pages that are resident already: the data survives, the block
 * does not move while it grows into it, and once it is a quarter of that
 * length it is an ordinary roomy block that a deep shrink trims.
 */
static void
test_realloc_chunk_takes_cached(void)
{
	enum { OLD = 1 << 20, CHUNK = 10000, FIRST = 20000, LATER = 900000,
		SHRUNK = 30000 };
	unsigned char *x, *p, *q;
	size_t n;

	x = T(malloc)(OLD);
	NMT_CHECK(x != NULL);
	memset(x, 0xee, OLD);
	T(free)(x);
	p = T(malloc)(CHUNK);
	NMT_CHECK(p != NULL);
	fill(p, CHUNK, 5);
	q = T(realloc)(p, FIRST);
	NMT_CHECK(q == x);
	NMT_CHECK(check_fill(q, CHUNK, 5));
	NMT_CHECK(T(malloc_usable_size)(q) == OLD);
	for (n = FIRST; n <= LATER; n += n / 8) {
		q = T(realloc)(q, n);
		NMT_CHECK(q == x && T(malloc_usable_size)(q) == OLD);
		q[n - 1] = 0x42;
	}
	NMT_CHECK(check_fill(q, CHUNK, 5));
	q = T(realloc)(q, SHRUNK);
	NMT_CHECK(q == x);
	NMT_CHECK(T(malloc_usable_size)(q) == (SHRUNK + PAGE_BYTES - 1) /
	    PAGE_BYTES * PAGE_BYTES);
	NMT_CHECK(check_fill(q, CHUNK, 5));
	T(free)(q);
}

/*
 * Small blocks holding cached blocks more than four times their length
 * may pin 32 MiB in all (NM_STEAL_SPAN_BUDGET), less the 2 MiB margin a
 * take needs: with 32 freed 1 MiB blocks cached (the cache holds 32 MiB),
 * 31 chunks grown to 20,000 bytes take one each, the 32nd gets a block of
 * its own size.  When one of the 31 has grown to a quarter of its block
 * it no longer counts, and the 32nd, grown again, takes the last one.
 */
static void
test_realloc_span_budget(void)
{
	enum { NBLK = 32, OLD = 1 << 20, CHUNK = 10000, FIRST = 20000,
		AGAIN = 24000, QUARTER = 300000 };
	unsigned char *blk[NBLK], *buf[NBLK];
	int i;

	for (i = 0; i < NBLK; i++) {
		blk[i] = T(malloc)(OLD);
		NMT_CHECK(blk[i] != NULL);
		blk[i][OLD - 1] = 1;
	}
	for (i = 0; i < NBLK; i++)
		T(free)(blk[i]);
	for (i = 0; i < NBLK; i++) {
		buf[i] = T(malloc)(CHUNK);
		NMT_CHECK(buf[i] != NULL);
		fill(buf[i], CHUNK, (unsigned)i);
		buf[i] = T(realloc)(buf[i], FIRST);
		NMT_CHECK(buf[i] != NULL);
		NMT_CHECK(check_fill(buf[i], CHUNK, (unsigned)i));
		NMT_CHECK(T(malloc_usable_size)(buf[i]) == (i < NBLK - 1 ?
		    (size_t)OLD : (FIRST + PAGE_BYTES - 1) / PAGE_BYTES *
		    PAGE_BYTES));
	}
	buf[0] = T(realloc)(buf[0], QUARTER);
	NMT_CHECK(buf[0] != NULL && T(malloc_usable_size)(buf[0]) == OLD);
	buf[NBLK - 1] = T(realloc)(buf[NBLK - 1], AGAIN);
	NMT_CHECK(buf[NBLK - 1] != NULL);
	NMT_CHECK(T(malloc_usable_size)(buf[NBLK - 1]) == OLD);
	NMT_CHECK(check_fill(buf[NBLK - 1], CHUNK, NBLK - 1));
	for (i = 0; i < NBLK; i++)
		T(free)(buf[i]);
}

/*
 * Freed big blocks are cached and reused by requests of up to one and a
 * half times less, whatever power of two they are in: a 64 KiB block
 * serves a 60 KiB malloc, a 124 KiB one does not serve a 64 KiB malloc;
 * 32 freed blocks of one length all come back to 32 requests of it.
 */
static void
test_bigcache_fit(void)
{
	enum { NBLK = 32, LEN = 64 << 10, FITS = 64 << 10, ASK = 60 << 10,
		TOO_BIG = 124 << 10, ASK2 = 64 << 10 };
	unsigned char *blk[NBLK], *x, *y, *p, *q;
	int i, j, found;

	x = T(malloc)(FITS);
	y = T(malloc)(TOO_BIG);
	NMT_CHECK(x != NULL && y != NULL);
	T(free)(x);
	T(free)(y);
	p = T(malloc)(ASK);
	NMT_CHECK(p == x && T(malloc_usable_size)(p) == FITS);
	q = T(malloc)(ASK2);
	NMT_CHECK(q != NULL && q != y && T(malloc_usable_size)(q) == ASK2);
	T(free)(p);
	T(free)(q);
	for (i = 0; i < NBLK; i++) {
		blk[i] = T(malloc)(LEN);
		NMT_CHECK(blk[i] != NULL);
		blk[i][0] = 1;
	}
	for (i = 0; i < NBLK; i++)
		T(free)(blk[i]);
	for (i = 0; i < NBLK; i++) {
		p = T(malloc)(LEN);
		for (found = 0, j = 0; j < NBLK; j++)
			found += p == blk[j];
		NMT_CHECK(found == 1);
	}
}

/* realloc between every pair of class boundary sizes keeps the data. */
static void
test_realloc_across_classes(void)
{
	static const size_t sizes[] = { 1, 16, 17, 48, 128, 129, 144, 256,
		257, 1000, 1024, 1025, 4095, 4096, 4097, 16383, ZONE_LIMIT,
		ZONE_LIMIT + 1, 65536, 300000 };
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	unsigned char *p, *q;
	size_t i, j, keep;

	for (i = 0; i < N; i++) {
		for (j = 0; j < N; j++) {
			p = T(malloc)(sizes[i]);
			NMT_CHECK(p != NULL);
			fill(p, sizes[i], (unsigned)(i * N + j));
			q = T(realloc)(p, sizes[j]);
			NMT_CHECK(q != NULL);
			keep = sizes[i] < sizes[j] ? sizes[i] : sizes[j];
			NMT_CHECK(check_fill(q, keep, (unsigned)(i * N + j)));
			NMT_CHECK(T(malloc_usable_size)(q) >= sizes[j]);
			memset(q, 0x11, sizes[j]);
			T(free)(q);
		}
	}
}

static void
test_posix_memalign(void)
{
	static const size_t sizes[] = { 1, 100, 4000, 20000, 300000 };
	size_t align, i, n;
	void *p;

	for (align = sizeof(void *); align <= (4UL << 20); align <<= 1) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]) + 3; i++) {
			n = i < 5 ? sizes[i] : align + i - 6;
			if (n == 0)
				n = 1;
			p = NULL;
			NMT_CHECK(T(posix_memalign)(&p, align, n) == 0);
			NMT_CHECK(p != NULL);
			NMT_CHECK(((uintptr_t)p & (align - 1)) == 0);
			NMT_CHECK(T(malloc_usable_size)(p) >= n);
			memset(p, 0x33, n);
			T(free)(p);
		}
	}
	p = (void *)1;
	NMT_CHECK(T(posix_memalign)(&p, 0, 8) == EINVAL);
	NMT_CHECK(T(posix_memalign)(&p, 24, 8) == EINVAL);
	NMT_CHECK(T(posix_memalign)(&p, 4, 8) == EINVAL);
	NMT_CHECK(T(posix_memalign)(&p, 1UL << 62, 8) == ENOMEM);
	NMT_CHECK(T(posix_memalign)(&p, 64, opaque(SIZE_MAX)) == ENOMEM);
	NMT_CHECK(p == (void *)1);
}

static void
test_aligned_alloc_memalign(void)
{
	size_t align;
	void *p;

	for (align = 1; align <= (1UL << 20); align <<= 1) {
		p = T(aligned_alloc)(align, align * 3);
		NMT_CHECK(p != NULL && ((uintptr_t)p & (align - 1)) == 0);
		T(free)(p);
		p = T(memalign)(align, 5);
		NMT_CHECK(p != NULL && ((uintptr_t)p & (align - 1)) == 0);
		T(free)(p);
	}
	errno = 0;
	NMT_CHECK(T(aligned_alloc)(opaque(48), 96) == NULL && errno == EINVAL);
	errno = 0;
	NMT_CHECK(T(memalign)(opaque(0), 16) == NULL && errno == EINVAL);
	errno = 0;
	NMT_CHECK(T(memalign)(opaque(1UL << 62), 16) == NULL &&
	    errno == ENOMEM);
}

static void
test_valloc_pvalloc(void)
{
	void *p;

	p = T(valloc)(10);
	NMT_CHECK(p != NULL && ((uintptr_t)p & (PAGE_BYTES - 1)) == 0);
	T(free)(p);
	p = T(pvalloc)(PAGE_BYTES + 1);
	NMT_CHECK(p != NULL && ((uintptr_t)p & (PAGE_BYTES - 1)) == 0);
	NMT_CHECK(T(malloc_usable_size)(p) >= 2 * PAGE_BYTES);
	memset(p, 1, 2 * PAGE_BYTES);
	T(free)(p);
	p = T(pvalloc)(0);
	NMT_CHECK(p != NULL && T(malloc_usable_size)(p) >= PAGE_BYTES);
	T(free)(p);
}

/* Random sizes, random free order, contents checked: no overlap. */
static void
test_many_objects(void)
{
	unsigned char **v;
	size_t *sz;
	size_t i, j, tmp;
	unsigned char *t;

	v = T(malloc)(MANY_OBJECTS * sizeof(*v));
	sz = T(malloc)(MANY_OBJECTS * sizeof(*sz));
	NMT_CHECK(v != NULL && sz != NULL);
	for (i = 0; i < MANY_OBJECTS; i++) {
		sz[i] = rng() % 8 == 0 ? 1 + rng() % 40000 : 1 + rng() % 300;
		v[i] = T(malloc)(sz[i]);
		NMT_CHECK(v[i] != NULL);
		fill(v[i], sz[i] < 64 ? sz[i] : 64, (unsigned)i);
		v[i][sz[i] - 1] = (unsigned char)i;
	}
	for (i = MANY_OBJECTS - 1; i > 0; i--) {
		j = rng() % (i + 1);
		t = v[i], v[i] = v[j], v[j] = t;
		tmp = sz[i], sz[i] = sz[j], sz[j] = tmp;
	}
	for (i = 0; i < MANY_OBJECTS; i++) {
		NMT_CHECK(T(malloc_usable_size)(v[i]) >= sz[i]);
		T(free)(v[i]);
	}
	T(free)(v);
	T(free)(sz);
}

static void
test_errno_preserved(void)
{
	void *p, *q;

	errno = ERRNO_MARK;
	p = T(malloc)(100);
	q = T(malloc)(1UL << 20);
	q = T(realloc)(q, 3UL << 20);
	T(free)(p);
	T(free)(q);
	NMT_CHECK(errno == ERRNO_MARK);
}

static volatile int churn_stop;

static void *
churn(void *arg)
{
	void *p;

	(void)arg;
	while (!churn_stop) {
		p = T(malloc)(rng() % 3000 + 1);
		T(free)(p);
		p = T(malloc)(50000);
		T(free)(p);
	}
	return (NULL);
}

/* fork while other threads allocate: the child's allocator must work. */
static void
test_fork_child(void)
{
	pthread_t th[2];
	int i, status;
	pid_t pid;
	void *p;

	for (i = 0; i < 2; i++)
		NMT_CHECK(pthread_create(&th[i], NULL, churn, NULL) == 0);
	for (i = 0; i < FORK_ROUNDS; i++) {
		pid = fork();
		NMT_CHECK(pid >= 0);
		if (pid == 0) {
			alarm(10);
			p = T(malloc)(77);
			T(free)(p);
			p = T(malloc)(200000);
			T(free)(p);
			_exit(p != NULL ? 0 : 1);
		}
		NMT_CHECK(waitpid(pid, &status, 0) == pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fprintf(stderr, "child: exit %d, signal %d\n",
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		NMT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	churn_stop = 1;
	for (i = 0; i < 2; i++)
		NMT_CHECK(pthread_join(th[i], NULL) == 0);
}

static void *
short_life(void *arg)
{
	void *v[64];
	int i;

	for (i = 0; i < 64; i++)
		v[i] = T(malloc)((size_t)(i * 37 + 1));
	for (i = 0; i < 64; i++)
		T(free)(v[i]);
	return (arg);
}

/* Threads that exit hand their magazines back. */
static void
test_thread_exit(void)
{
	pthread_t th;
	int i;

	for (i = 0; i < EXIT_ROUNDS; i++) {
		NMT_CHECK(pthread_create(&th, NULL, short_life, NULL) == 0);
		NMT_CHECK(pthread_join(th, NULL) == 0);
	}
}

static long
rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f;

	f = fopen("/proc/self/statm", "r");
	NMT_CHECK(f != NULL);
	NMT_CHECK(fscanf(f, "%ld %ld", &pages, &resident) == 2);
	fclose(f);
	return (resident * (long)(PAGE_BYTES / 1024));
}

/* Emptied zones go back to the OS. */
static void
test_zone_return(void)
{
	enum { N = RETURN_BYTES / RETURN_OBJ };
	long before, full, after;
	void **v;
	size_t i;

	v = T(malloc)(N * sizeof(*v));
	NMT_CHECK(v != NULL);
	before = rss_kib();
	for (i = 0; i < N; i++) {
		v[i] = T(malloc)(RETURN_OBJ);
		NMT_CHECK(v[i] != NULL);
		memset(v[i], 1, RETURN_OBJ);
	}
	full = rss_kib();
	for (i = 0; i < N; i++)
		T(free)(v[i]);
	after = rss_kib();
	fprintf(stderr, "rss KiB: before %ld, full %ld, after %ld\n", before,
	    full, after);
	NMT_CHECK(full - before > (long)(RETURN_BYTES / 1024) * 9 / 10);
	NMT_CHECK(after - before < (full - before) / 4);
	T(free)(v);
}

/*
 * Big blocks grown by realloc on several threads while others map and
 * unmap: a block moved by mremap frees its old address, which another
 * thread may map at once; its page-map entry must survive.
 */
static void *
grow_buffers(void *arg)
{
	enum { BUFS = 8, ROUNDS = 12 };
	unsigned char *buf[BUFS], *q;
	size_t len[BUFS], grow;
	void *spare;
	int r, i;
	bool busy;

	(void)arg;
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < BUFS; i++) {
			len[i] = ZONE_LIMIT + 1;
			buf[i] = T(malloc)(len[i]);
			NMT_CHECK(buf[i] != NULL);
			memset(buf[i], i, len[i]);
		}
		do {
			busy = false;
			for (i = 0; i < BUFS; i++) {
				if (len[i] >= (1UL << 20))
					continue;
				busy = true;
				spare = T(malloc)(ZONE_LIMIT * 4);
				grow = len[i] / 8 + 1;
				q = T(realloc)(buf[i], len[i] + grow);
				NMT_CHECK(q != NULL);
				NMT_CHECK(q[len[i] - 1] == (unsigned char)i);
				memset(q + len[i], i, grow);
				buf[i] = q;
				len[i] += grow;
				T(free)(spare);
			}
		} while (busy);
		for (i = 0; i < BUFS; i++)
			T(free)(buf[i]);
	}
	return (NULL);
}

static void
test_big_realloc_threads(void)
{
	enum { THREADS = 4 };
	pthread_t th[THREADS];
	int i;

	for (i = 0; i < THREADS; i++)
		NMT_CHECK(pthread_create(&th[i], NULL, grow_buffers, NULL) ==
		    0);
	for (i = 0; i < THREADS; i++)
		NMT_CHECK(pthread_join(th[i], NULL) == 0);
}

/*
 * Two threads taking turns to allocate (fresh chunks, so each fill is a
 * new stretch of a zone) must never be handed blocks in one cache line;
 * nor two threads that each free a block the main thread allocated next
 * to the other's and then allocate one (cache-scratch).
 */
struct line_run {
	pthread_barrier_t lr_barrier;
	uintptr_t	lr_blocks[2][LINE_TURNS * LINE_STEP];
	void		*lr_scratch[2];
	uintptr_t	lr_new[2];
};

struct line_arg {
	struct line_run	*la_run;
	int		 la_id;
};

static void *
line_turns(void *arg)
{
	struct line_arg *a = arg;
	struct line_run *r = a->la_run;
	void *p;
	int turn, k, i;

	T(free)(r->lr_scratch[a->la_id]);
	p = T(malloc)(SCRATCH_SIZE);
	NMT_CHECK(p != NULL);
	memset(p, 1, SCRATCH_SIZE);
	r->lr_new[a->la_id] = (uintptr_t)p;
	for (turn = 0; turn < LINE_TURNS; turn++) {
		for (k = 0; k < 2; k++) {
			for (i = 0; k == a->la_id && i < LINE_STEP; i++) {
				p = T(malloc)(LINE_SIZE);
				NMT_CHECK(p != NULL);
				memset(p, 1, LINE_SIZE);
				r->lr_blocks[k][turn * LINE_STEP + i] =
				    (uintptr_t)p;
			}
			pthread_barrier_wait(&r->lr_barrier);
		}
	}
	return (NULL);
}

static bool
lines_meet(uintptr_t a, size_t an, uintptr_t b, size_t bn)
{
	return (a / LINE_BYTES <= (b + bn - 1) / LINE_BYTES &&
	    b / LINE_BYTES <= (a + an - 1) / LINE_BYTES);
}

static int
cmp_uptr(const void *x, const void *y)
{
	uintptr_t a = *(const uintptr_t *)x, b = *(const uintptr_t *)y;

	return (a < b ? -1 : a > b);
}

static void
test_lines_per_thread(void)
{
	static struct line_run r;
	static uintptr_t all[2 * LINE_TURNS * LINE_STEP];
	struct line_arg args[2];
	pthread_t th[2];
	size_t n = LINE_TURNS * LINE_STEP, i, j;
	int k;

	NMT_CHECK(pthread_barrier_init(&r.lr_barrier, NULL, 2) == 0);
	for (k = 0; k < 2; k++)
		NMT_CHECK((r.lr_scratch[k] = T(malloc)(SCRATCH_SIZE)) != NULL);
	for (k = 0; k < 2; k++) {
		args[k].la_run = &r;
		args[k].la_id = k;
		NMT_CHECK(pthread_create(&th[k], NULL, line_turns,
		    &args[k]) == 0);
	}
	for (k = 0; k < 2; k++)
		NMT_CHECK(pthread_join(th[k], NULL) == 0);
	NMT_CHECK(!lines_meet(r.lr_new[0], SCRATCH_SIZE, r.lr_new[1],
	    SCRATCH_SIZE));
	/* Sorted with the thread in bit 0: neighbours of two threads. */
	for (k = 0; k < 2; k++)
		for (i = 0; i < n; i++)
			all[k * n + i] = r.lr_blocks[k][i] | (uintptr_t)k;
	qsort(all, 2 * n, sizeof(all[0]), cmp_uptr);
	for (i = 0; i + 1 < 2 * n; i++) {
		j = i + 1;
		if ((all[i] & 1) != (all[j] & 1))
			NMT_CHECK(!lines_meet(all[i] & ~(uintptr_t)1,
			    LINE_SIZE, all[j] & ~(uintptr_t)1, LINE_SIZE));
	}
	for (k = 0; k < 2; k++) {
		for (i = 0; i < n; i++)
			T(free)((void *)r.lr_blocks[k][i]);
		T(free)((void *)r.lr_new[k]);
	}
}

struct unit_test {
	const char *ut_name;
	void (*ut_fn)(void);
};

static const struct unit_test tests[] = {
#ifndef NMALLOC_PREFIX
	{ "preload_active", test_preload_active },
#endif
	{ "class_alignment", test_class_alignment },
	{ "bad_free_every_class", test_bad_free_every_class },
	{ "zero_sizes", test_zero_sizes },
	{ "calloc_zeroes", test_calloc_zeroes },
	{ "overflow_enomem", test_overflow_enomem },
	{ "realloc_growth_shrink", test_realloc_growth_shrink },
	{ "realloc_across_classes", test_realloc_across_classes },
	{ "realloc_reuses_cached", test_realloc_reuses_cached },
	{ "realloc_chunk_takes_cached", test_realloc_chunk_takes_cached },
	{ "realloc_span_budget", test_realloc_span_budget },
	{ "bigcache_fit", test_bigcache_fit },
	{ "posix_memalign", test_posix_memalign },
	{ "aligned_alloc_memalign", test_aligned_alloc_memalign },
	{ "valloc_pvalloc", test_valloc_pvalloc },
	{ "many_objects", test_many_objects },
	{ "errno_preserved", test_errno_preserved },
	{ "fork_child", test_fork_child },
	{ "thread_exit", test_thread_exit },
	{ "big_realloc_threads", test_big_realloc_threads },
	{ "zone_return", test_zone_return },
	{ "lines_per_thread", test_lines_per_thread },
};

int
main(int argc, char **argv)
{
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: unit list | unit NAME\n");
		return (2);
	}
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (strcmp(argv[1], "list") == 0)
			printf("%s\n", tests[i].ut_name);
		else if (strcmp(argv[1], tests[i].ut_name) == 0) {
			tests[i].ut_fn();
			return (0);
		}
	}
	if (strcmp(argv[1], "list") == 0)
		return (0);
	fprintf(stderr, "unit: no test %s\n", argv[1]);
	return (2);
}
