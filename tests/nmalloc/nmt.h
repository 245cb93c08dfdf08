/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * nmt.h - shared helpers of the nmalloc test programs.
 *
 * T(malloc) names the allocator under test: the plain malloc (the programs
 * run with LD_PRELOAD=libnmalloc.so) or, built with -DNMALLOC_PREFIX for
 * the sanitizer runs, nm_malloc linked in from lib/libc/stdlib.
 * NMT_CHECK(e) prints the failed expression and line, and fails the test.
 */

#ifndef _TESTS_NMALLOC_NMT_H_
#define _TESTS_NMALLOC_NMT_H_

#include <stdio.h>
#include <stdlib.h>

#ifdef NMALLOC_PREFIX
#include "nmalloc.h"
#define T(name)		nm_##name
#else
#include <malloc.h>
#define T(name)		name
#endif

#define NMT_CHECK(e)	do {						\
	if (!(e)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #e);				\
		exit(1);						\
	}								\
} while (0)

#endif /* !_TESTS_NMALLOC_NMT_H_ */
