/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * lineshim.c - an LD_PRELOAD shim that counts, for any program and any
 * malloc after it in the preload list, how many blocks are handed out in
 * a cache line that holds a live block another thread allocated.
 *
 * What: false-sharing exposure of a real workload, from addresses only
 * (the machine's load does not change it).  Usage:
 *   LD_PRELOAD="lineshim.so libother.so" mbench larson 2
 * At exit it writes to stderr "lineshim: N mallocs, S shared (P%)": S
 * counts the malloc, calloc and realloc results whose bytes [p, p + size)
 * overlap a line in which a block allocated by another thread is live.
 * Model: every call is passed to the next malloc (dlsym RTLD_NEXT) and
 * recorded under one mutex in two open-addressing tables in mmap'ed
 * memory: block -> (size, allocating thread) and line -> live blocks per
 * thread (threads numbered in order of their first call, 8 slots, the
 * ninth shares slot 0).  Entries are never removed (a freed block's size
 * becomes 0), so the tables only fill with distinct addresses; when one
 * is full the shim says so at exit and stops counting.  It serialises the
 * program, so it measures nothing about time.  Bench tool only.
 */

#define _GNU_SOURCE
#include <sys/mman.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LS_LINE_SHIFT	6
#define LS_SLOTS	8
#define LS_PTR_BITS	22
#define LS_LINE_BITS	22

struct ls_ptr {
	uintptr_t	p_key;
	uint32_t	p_size;
	uint32_t	p_tid;
};

struct ls_line {
	uintptr_t	l_key;
	uint16_t	l_live[LS_SLOTS];
};

static void *(*next_malloc)(size_t);
static void (*next_free)(void *);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static pthread_mutex_t ls_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ls_ptr *ls_ptrs;
static struct ls_line *ls_lines;
static unsigned long ls_mallocs, ls_shared;
static int ls_full, ls_nthreads;
static __thread int ls_tid = -1;
static char ls_boot[4096];	/* dlsym's own allocations */
static size_t ls_boot_used;
static int ls_booting;

static uint64_t
ls_hash(uintptr_t k)
{
	return ((k * 0x9e3779b97f4a7c15ULL) >> 20);
}

static struct ls_ptr *
ls_ptr_find(uintptr_t k)
{
	uint64_t m = (1UL << LS_PTR_BITS) - 1, i, n;

	for (i = ls_hash(k) & m, n = 0; n <= m; i = (i + 1) & m, n++)
		if (ls_ptrs[i].p_key == k || ls_ptrs[i].p_key == 0)
			return (&ls_ptrs[i]);
	ls_full = 1;
	return (NULL);
}

static struct ls_line *
ls_line_find(uintptr_t k)
{
	uint64_t m = (1UL << LS_LINE_BITS) - 1, i, n;

	for (i = ls_hash(k) & m, n = 0; n <= m; i = (i + 1) & m, n++)
		if (ls_lines[i].l_key == k || ls_lines[i].l_key == 0)
			return (&ls_lines[i]);
	ls_full = 1;
	return (NULL);
}

static void
ls_report(void)
{
	fprintf(stderr, "lineshim: %lu mallocs, %lu shared (%.3f%%)%s\n",
	    ls_mallocs, ls_shared, ls_mallocs ? 100.0 * (double)ls_shared /
	    (double)ls_mallocs : 0.0, ls_full ? " (tables full: partial)" :
	    "");
}

static void
ls_init(void)
{
	ls_booting = 1;
	next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT,
	    "realloc");
	ls_booting = 0;
	ls_ptrs = mmap(NULL, sizeof(*ls_ptrs) << LS_PTR_BITS,
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ls_lines = mmap(NULL, sizeof(*ls_lines) << LS_LINE_BITS,
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (next_malloc == NULL || next_free == NULL || next_calloc == NULL ||
	    next_realloc == NULL || ls_ptrs == MAP_FAILED ||
	    ls_lines == MAP_FAILED) {
		fprintf(stderr, "lineshim: cannot start\n");
		_exit(1);
	}
	atexit(ls_report);
}

/* Record block p of n bytes as allocated by this thread. */
static void
ls_add(void *p, size_t n)
{
	struct ls_ptr *e;
	struct ls_line *l;
	uintptr_t a, first, last;
	int shared = 0, s;

	if (p == NULL)
		return;
	if (n == 0)
		n = 1;
	pthread_mutex_lock(&ls_lock);
	if (ls_tid < 0)
		ls_tid = ls_nthreads++ % LS_SLOTS;
	if (ls_full || (e = ls_ptr_find((uintptr_t)p)) == NULL)
		goto out;
	e->p_key = (uintptr_t)p;
	e->p_size = (uint32_t)n;
	e->p_tid = (uint32_t)ls_tid;
	first = (uintptr_t)p >> LS_LINE_SHIFT;
	last = ((uintptr_t)p + n - 1) >> LS_LINE_SHIFT;
	if (last - first > 4)	/* big blocks: count their ends only */
		last = first + 4;
	for (a = first; a <= last; a++) {
		if ((l = ls_line_find(a)) == NULL)
			goto out;
		l->l_key = a;
		for (s = 0; s < LS_SLOTS; s++)
			if (s != ls_tid && l->l_live[s] != 0)
				shared = 1;
		l->l_live[ls_tid]++;
	}
	ls_mallocs++;
	ls_shared += (unsigned long)shared;
out:
	pthread_mutex_unlock(&ls_lock);
}

static void
ls_del(void *p)
{
	struct ls_ptr *e;
	struct ls_line *l;
	uintptr_t a, first, last;

	if (p == NULL)
		return;
	pthread_mutex_lock(&ls_lock);
	if (!ls_full && (e = ls_ptr_find((uintptr_t)p)) != NULL &&
	    e->p_key == (uintptr_t)p && e->p_size != 0) {
		first = (uintptr_t)p >> LS_LINE_SHIFT;
		last = ((uintptr_t)p + e->p_size - 1) >> LS_LINE_SHIFT;
		if (last - first > 4)
			last = first + 4;
		for (a = first; a <= last; a++)
			if ((l = ls_line_find(a)) != NULL && l->l_key == a &&
			    l->l_live[e->p_tid] != 0)
				l->l_live[e->p_tid]--;
		e->p_size = 0;
	}
	pthread_mutex_unlock(&ls_lock);
}

void *
malloc(size_t n)
{
	void *p;

	if (next_malloc == NULL) {
		if (ls_booting) {
			n = (n + 15) & ~(size_t)15;
			if (ls_boot_used + n > sizeof(ls_boot))
				return (NULL);
			p = ls_boot + ls_boot_used;
			ls_boot_used += n;
			return (p);
		}
		ls_init();
	}
	p = next_malloc(n);
	ls_add(p, n);
	return (p);
}

void *
calloc(size_t k, size_t n)
{
	void *p;

	if (next_calloc == NULL) {
		if (ls_booting)
			return (malloc(k * n));	/* ls_boot is zeroed */
		ls_init();
	}
	p = next_calloc(k, n);
	ls_add(p, k * n);
	return (p);
}

void
free(void *p)
{
	if ((char *)p >= ls_boot && (char *)p < ls_boot + sizeof(ls_boot))
		return;
	if (next_free == NULL)
		ls_init();
	ls_del(p);
	next_free(p);
}

void *
realloc(void *p, size_t n)
{
	void *q;

	if (next_realloc == NULL)
		ls_init();
	ls_del(p);
	q = next_realloc(p, n);
	if (q == NULL && n != 0)
		ls_add(p, 1);	/* failed: p is still live */
	else
		ls_add(q, n);
	return (q);
}
