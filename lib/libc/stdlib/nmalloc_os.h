/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * nmalloc_os.h - the operating-system interface of the nmalloc allocator.
 *
 * nmalloc.c never calls the system directly.  Everything it needs from the
 * OS is one of the small functions below, so that the same allocator source
 * builds two ways:
 *
 *   - for Linux, as libnmalloc.so (LD_PRELOAD) or linked into a test, with
 *     nmalloc_os_linux.c providing these over mmap(2), pthreads and write(2);
 *   - for Anax's libc, which will add nmalloc_os_anax.c providing the same
 *     functions over its own syscall stubs (mmap/munmap/madvise/mprotect),
 *     its thread-exit hook list and its fork hooks.  No other file changes.
 *
 * Contract: none of these functions may call malloc() or anything that
 * might (no stdio, no dlsym).  nm_os_thread_register() and nm_os_atfork()
 * are the exceptions: they may allocate, because nmalloc calls them only
 * after its global state is ready and it tolerates re-entry from them.
 */

#ifndef _LIBC_STDLIB_NMALLOC_OS_H_
#define _LIBC_STDLIB_NMALLOC_OS_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reserve address space, inaccessible; NULL on failure. */
void	*nm_os_reserve(size_t bytes);
/* Make part of a reservation readable and writable; false on failure. */
bool	 nm_os_commit(void *addr, size_t bytes);
/* Map fresh zero-filled read/write memory; NULL on failure. */
void	*nm_os_map(size_t bytes);
/* Unmap memory obtained from nm_os_map() (or part of it). */
void	 nm_os_unmap(void *addr, size_t bytes);
/* Grow or move a mapping; NULL if the OS cannot (caller copies instead). */
void	*nm_os_remap(void *addr, size_t oldbytes, size_t newbytes);
/*
 * Move the pages of [addr, addr + bytes) to dest, in place of what the
 * caller's own mapping at dest held there; addr's range is then unmapped.
 * NULL on failure: addr's range is intact, dest's may have lost its first
 * bytes (the caller unmaps it).
 */
void	*nm_os_remap_onto(void *addr, size_t bytes, void *dest);
/* Give the pages back to the OS; they read as zero afterwards. */
void	 nm_os_release(void *addr, size_t bytes);
/* Let another thread run (used by contended spinlocks). */
void	 nm_os_yield(void);
/* 64 random bits fixed for the life of the process. */
uint64_t nm_os_random64(void);
/* Write a message to the standard error descriptor, no buffering. */
void	 nm_os_write_stderr(const char *msg, size_t len);
/* Abort the process with SIGABRT. */
void	 nm_os_abort(void) __attribute__((__noreturn__));
/*
 * Call fn(arg) when the calling thread exits.  Returns false if threads
 * cannot be hooked (yet); nmalloc then keeps the thread off its magazines.
 */
bool	 nm_os_thread_register(void (*fn)(void *), void *arg);
/* Set up the per-thread exit hook machinery once; false if unavailable. */
bool	 nm_os_thread_hook_init(void (*fn)(void *));
/* Run prepare before fork(2), parent/child after it in each process. */
void	 nm_os_atfork(void (*prepare)(void), void (*parent)(void),
	    void (*child)(void));

#endif /* !_LIBC_STDLIB_NMALLOC_OS_H_ */
