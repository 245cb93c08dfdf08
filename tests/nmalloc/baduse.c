/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * baduse.c - misuse nmalloc on purpose; it must abort with a message.
 *
 * Usage: baduse CASE.  Prints the pointer it is about to misuse on stdout
 * (as 0x%lx), then misuses it.  The suite checks that the process died of
 * SIGABRT and that stderr holds "nmalloc: OP(0xPTR): WHAT".  Reaching the
 * end of a case is a failure (exit 3).  Runs under LD_PRELOAD.
 */

#include <stdint.h>
#include <string.h>

#include "nmt.h"

#define ZONE_MASK	((uintptr_t)65536 - 1)
#define ZONE_SHIFT	16
#define ZONE_COLORS	16
#define ZONE_HDR_BYTES	128
#define BIG_BYTES	100000
#define PAGE_BYTES	4096

/* Hide the pointer's origin from the compiler's misuse warnings. */
static void *
launder(void *p)
{
	__asm__ volatile("" : "+r"(p));
	return (p);
}

static void
announce(const void *p)
{
	printf("0x%lx\n", (unsigned long)(uintptr_t)p);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	char *p, *q, *again;
	uintptr_t zone;
	int local = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: baduse CASE\n");
		return (2);
	}
	p = launder(malloc(32));
	q = launder(malloc(BIG_BYTES));
	NMT_CHECK(p != NULL && q != NULL);
	if (strcmp(argv[1], "double_free") == 0) {
		announce(p);
		again = launder(p);
		free(p);
		free(again);
	} else if (strcmp(argv[1], "double_free_big") == 0) {
		announce(q);
		again = launder(q);
		free(q);
		free(again);
	} else if (strcmp(argv[1], "interior_pointer") == 0) {
		announce(p + 8);
		free(launder(p + 8));
	} else if (strcmp(argv[1], "interior_big") == 0) {
		announce(q + PAGE_BYTES);
		free(launder(q + PAGE_BYTES));
	} else if (strcmp(argv[1], "stack_pointer") == 0) {
		announce(&local);
		free(launder(&local));
	} else if (strcmp(argv[1], "damaged_header") == 0) {
		announce(p);
		/* The header's place, as nm_zone_of() computes it. */
		zone = (uintptr_t)p & ~ZONE_MASK;
		zone += ((zone >> ZONE_SHIFT) & (ZONE_COLORS - 1)) *
		    ZONE_HDR_BYTES;
		memset((void *)zone, 0x41, 8);
		free(launder(p));
	} else if (strcmp(argv[1], "realloc_freed") == 0) {
		announce(p);
		again = launder(p);
		free(p);
		p = realloc(again, 64);
	} else if (strcmp(argv[1], "usable_size_bad") == 0) {
		announce(q + 16);
		printf("%zu\n", malloc_usable_size(q + 16));
	} else {
		fprintf(stderr, "baduse: no case %s\n", argv[1]);
		return (2);
	}
	fprintf(stderr, "baduse: survived case %s\n", argv[1]);
	return (3);
}
