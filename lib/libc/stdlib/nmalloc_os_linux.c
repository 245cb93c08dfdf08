/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * nmalloc_os_linux.c - nmalloc's OS interface on Linux (glibc).
 *
 * What: the functions of nmalloc_os.h over mmap(2), mprotect(2),
 * madvise(2), mremap(2), write(2), abort(3), pthread keys and
 * pthread_atfork(3).  This is what libnmalloc.so and the hosted tests use;
 * Anax's libc will supply its own file with the same functions.
 *
 * Model: stateless wrappers, except the one pthread key whose destructor
 * runs nmalloc's per-thread drain when a thread exits.
 *
 * Invariants: nothing here calls malloc, except pthread_setspecific() for
 * high key numbers and pthread_atfork(), which nmalloc tolerates (see
 * nmalloc_os.h).  errno is preserved across the memory calls, so that a
 * successful malloc() never changes errno.
 *
 * Locking: none; the key is created once, under nmalloc's init lock.
 *
 * Read more: docs/design/nmalloc.md.
 */

#define _GNU_SOURCE
#include <sys/auxv.h>
#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nmalloc_os.h"

static pthread_key_t nm_os_key;
static bool nm_os_key_ok;

void *
nm_os_reserve(size_t bytes)
{
	int saved = errno;
	void *p;

	p = mmap(NULL, bytes, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	errno = saved;
	return (p == MAP_FAILED ? NULL : p);
}

bool
nm_os_commit(void *addr, size_t bytes)
{
	int saved = errno;
	int rc;

	rc = mprotect(addr, bytes, PROT_READ | PROT_WRITE);
	errno = saved;
	return (rc == 0);
}

void *
nm_os_map(size_t bytes)
{
	int saved = errno;
	void *p;

	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	errno = saved;
	return (p == MAP_FAILED ? NULL : p);
}

void
nm_os_unmap(void *addr, size_t bytes)
{
	int saved = errno;

	(void)munmap(addr, bytes);
	errno = saved;
}

void *
nm_os_remap(void *addr, size_t oldbytes, size_t newbytes)
{
	int saved = errno;
	void *p;

	p = mremap(addr, oldbytes, newbytes, MREMAP_MAYMOVE);
	errno = saved;
	return (p == MAP_FAILED ? NULL : p);
}

void *
nm_os_remap_onto(void *addr, size_t bytes, void *dest)
{
	int saved = errno;
	void *p;

	p = mremap(addr, bytes, bytes, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
	errno = saved;
	return (p == MAP_FAILED ? NULL : p);
}

void
nm_os_release(void *addr, size_t bytes)
{
	int saved = errno;

	(void)madvise(addr, bytes, MADV_DONTNEED);
	errno = saved;
}

void
nm_os_yield(void)
{
	(void)sched_yield();
}

uint64_t
nm_os_random64(void)
{
	const unsigned char *r;
	uint64_t v = 0;

	r = (const unsigned char *)getauxval(AT_RANDOM);
	if (r != NULL)
		memcpy(&v, r + sizeof(v), sizeof(v));
	/* Mix in an address so that the value is never a fixed constant. */
	return (v ^ (uint64_t)(uintptr_t)&v ^ 0x9e3779b97f4a7c15ULL);
}

void
nm_os_write_stderr(const char *msg, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDERR_FILENO, msg, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		msg += n;
		len -= (size_t)n;
	}
}

void
nm_os_abort(void)
{
	abort();
}

bool
nm_os_thread_hook_init(void (*fn)(void *))
{
	if (!nm_os_key_ok && pthread_key_create(&nm_os_key, fn) == 0)
		nm_os_key_ok = true;
	return (nm_os_key_ok);
}

bool
nm_os_thread_register(void (*fn)(void *), void *arg)
{
	(void)fn;	/* the destructor was set by nm_os_thread_hook_init */
	if (!nm_os_key_ok)
		return (false);
	return (pthread_setspecific(nm_os_key, arg) == 0);
}

void
nm_os_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
	(void)pthread_atfork(prepare, parent, child);
}
