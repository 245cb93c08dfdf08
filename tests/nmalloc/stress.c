/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * stress.c - multi-threaded stress test of nmalloc.
 *
 * Usage: stress THREADS OPS.  Each thread runs OPS random operations on its
 * own slots: malloc of a random size (mostly small, some big), free,
 * realloc, and hand-off of a block through a shared ring to whichever
 * thread takes it next, which checks and frees it (frees on other
 * threads).  Every block carries its size and a pattern seeded by its
 * address, checked before each free or realloc: a chunk handed out twice,
 * or data moved wrong, fails the run.  Built three ways: plain under
 * LD_PRELOAD, and with nmalloc linked in under ASan+UBSan and under TSan.
 */

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "nmt.h"

#define SLOTS		256
#define RING_SLOTS	1024
#define BIG_ONE_IN	64
#define BIG_MAX_BYTES	200000
#define SMALL_MAX_BYTES	600
#define PATTERN_BYTES	64

struct block_hdr {
	size_t	bh_size;
	uintptr_t bh_check;
};

struct worker {
	pthread_t	w_thread;
	unsigned long	w_rng;
	long		w_ops;
};

static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static void *ring[RING_SLOTS];
static unsigned ring_count;

static unsigned long
next_rng(struct worker *w)
{
	w->w_rng ^= w->w_rng << 13;
	w->w_rng ^= w->w_rng >> 7;
	w->w_rng ^= w->w_rng << 17;
	return (w->w_rng);
}

static void
stamp(void *p, size_t size)
{
	struct block_hdr *h = p;
	unsigned char *b = p;
	size_t i, n;

	h->bh_size = size;
	h->bh_check = (uintptr_t)p ^ size;
	n = size - 1 < PATTERN_BYTES ? size - 1 : PATTERN_BYTES;
	for (i = sizeof(*h); i < n; i++)
		b[i] = (unsigned char)(size + i);
	b[size - 1] = (unsigned char)(size * 3);
}

static size_t
verify(const void *p)
{
	const struct block_hdr *h = p;
	const unsigned char *b = p;
	size_t i, n, size = h->bh_size;

	NMT_CHECK(h->bh_check == ((uintptr_t)p ^ size));
	n = size - 1 < PATTERN_BYTES ? size - 1 : PATTERN_BYTES;
	for (i = sizeof(*h); i < n; i++)
		NMT_CHECK(b[i] == (unsigned char)(size + i));
	NMT_CHECK(b[size - 1] == (unsigned char)(size * 3));
	return (size);
}

static size_t
pick_size(struct worker *w)
{
	if (next_rng(w) % BIG_ONE_IN == 0)
		return (sizeof(struct block_hdr) + 1 +
		    next_rng(w) % BIG_MAX_BYTES);
	return (sizeof(struct block_hdr) + 1 + next_rng(w) % SMALL_MAX_BYTES);
}

/* Swap p into the ring; returns what was there (NULL if nothing). */
static void *
ring_swap(void *p, unsigned long r)
{
	void *out;
	unsigned i = (unsigned)(r % RING_SLOTS);

	pthread_mutex_lock(&ring_lock);
	out = ring[i];
	ring[i] = p;
	if (out == NULL)
		ring_count++;
	pthread_mutex_unlock(&ring_lock);
	return (out);
}

static void
one_op(struct worker *w, void **slots)
{
	unsigned long r = next_rng(w);
	unsigned i = (unsigned)(r % SLOTS);
	size_t size, old;
	void *p;

	switch ((r >> 16) % 4) {
	case 0:
	case 1:
		if (slots[i] != NULL) {
			verify(slots[i]);
			T(free)(slots[i]);
		}
		size = pick_size(w);
		slots[i] = T(malloc)(size);
		NMT_CHECK(slots[i] != NULL);
		stamp(slots[i], size);
		break;
	case 2:
		if (slots[i] == NULL)
			break;
		old = verify(slots[i]);
		size = pick_size(w);
		p = T(realloc)(slots[i], size);
		NMT_CHECK(p != NULL);
		/* The header moved along: its check names the old place. */
		NMT_CHECK(((struct block_hdr *)p)->bh_size == old);
		stamp(p, size);
		slots[i] = p;
		break;
	default:
		if (slots[i] == NULL)
			break;
		verify(slots[i]);
		p = ring_swap(slots[i], r >> 24);
		slots[i] = NULL;
		if (p != NULL) {
			verify(p);
			T(free)(p);
		}
		break;
	}
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	void *slots[SLOTS];
	long k;
	int i;

	memset(slots, 0, sizeof(slots));
	for (k = 0; k < w->w_ops; k++)
		one_op(w, slots);
	for (i = 0; i < SLOTS; i++) {
		if (slots[i] != NULL) {
			verify(slots[i]);
			T(free)(slots[i]);
		}
	}
	return (NULL);
}

int
main(int argc, char **argv)
{
	struct worker *ws;
	int i, nthreads;
	long ops;

	if (argc != 3 || (nthreads = atoi(argv[1])) <= 0 ||
	    (ops = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: stress THREADS OPS\n");
		return (2);
	}
	ws = calloc((size_t)nthreads, sizeof(*ws));
	NMT_CHECK(ws != NULL);
	for (i = 0; i < nthreads; i++) {
		ws[i].w_rng = 0x9e3779b97f4a7c15UL * (unsigned long)(i + 1);
		ws[i].w_ops = ops;
		NMT_CHECK(pthread_create(&ws[i].w_thread, NULL, work,
		    &ws[i]) == 0);
	}
	for (i = 0; i < nthreads; i++)
		NMT_CHECK(pthread_join(ws[i].w_thread, NULL) == 0);
	for (i = 0; i < RING_SLOTS; i++) {
		if (ring[i] != NULL) {
			verify(ring[i]);
			T(free)(ring[i]);
		}
	}
	printf("stress: %d threads x %ld ops, %u ring hand-offs started\n",
	    nthreads, ops, ring_count);
	free(ws);
	return (0);
}
