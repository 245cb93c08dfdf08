/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * nmalloc.h - the public names of the nmalloc allocator.
 *
 * Normally nmalloc defines the standard names (malloc, free, ...), declared
 * by the system headers.  Built with -DNMALLOC_PREFIX it defines nm_malloc,
 * nm_free, ... instead, so that it can be linked into a program that keeps
 * another malloc (the ASan and TSan test builds, whose runtimes own malloc).
 * NM_PUBLIC(name) gives the name nmalloc.c defines.
 */

#ifndef _LIBC_STDLIB_NMALLOC_H_
#define _LIBC_STDLIB_NMALLOC_H_

#include <stddef.h>

/* Definitions of the public names stay visible in -fvisibility=hidden. */
#define NM_EXPORT	__attribute__((__visibility__("default")))

#ifdef NMALLOC_PREFIX
#define NM_PUBLIC(name)	nm_##name

void	*nm_malloc(size_t size);
void	 nm_free(void *ptr);
void	*nm_calloc(size_t nmemb, size_t size);
void	*nm_realloc(void *ptr, size_t size);
void	*nm_reallocarray(void *ptr, size_t nmemb, size_t size);
int	 nm_posix_memalign(void **memptr, size_t alignment, size_t size);
void	*nm_aligned_alloc(size_t alignment, size_t size);
void	*nm_memalign(size_t alignment, size_t size);
void	*nm_valloc(size_t size);
void	*nm_pvalloc(size_t size);
size_t	 nm_malloc_usable_size(void *ptr);
#else
#define NM_PUBLIC(name)	name

#include <malloc.h>
#include <stdlib.h>
#endif /* NMALLOC_PREFIX */

#endif /* !_LIBC_STDLIB_NMALLOC_H_ */
