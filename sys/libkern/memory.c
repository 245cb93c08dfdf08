/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * memory.c - memcpy, memmove, memset and memcmp.
 *
 * Freestanding: only pc64 links sys/libkern (the vkernel uses the host
 * libc's).  Semantics are the C standard's, so MI code behaves the same on
 * both platforms.  Byte-at-a-time loops are enough for a kernel that copies
 * little; the compiler may turn them into wider moves.  No locking: these
 * touch only their arguments.
 */

#include <sys/types.h>
#include <sys/systm.h>

/*
 * NOTE: gcc may recognise these loops and emit a call to the very
 * function being defined; kernel.mk compiles this directory with
 * -fno-tree-loop-distribute-patterns to prevent that.
 */
void *
memcpy(void *dst, const void *src, size_t len)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (len-- > 0)
		*d++ = *s++;
	return (dst);
}

void *
memmove(void *dst, const void *src, size_t len)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || len == 0)
		return (dst);
	if (d < s || d >= s + len) {
		while (len-- > 0)
			*d++ = *s++;
	} else {
		d += len;
		s += len;
		while (len-- > 0)
			*--d = *--s;
	}
	return (dst);
}

void *
memset(void *dst, int c, size_t len)
{
	unsigned char *d = dst;

	while (len-- > 0)
		*d++ = (unsigned char)c;
	return (dst);
}

int
memcmp(const void *a, const void *b, size_t len)
{
	const unsigned char *p = a, *q = b;

	for (; len > 0; len--, p++, q++) {
		if (*p != *q)
			return (*p < *q ? -1 : 1);
	}
	return (0);
}
