/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * machine/thread.h for vkernel64: per-thread machine-dependent state.
 *
 * Kernel stacks are larger than on pc64 because host signal handlers run
 * on them and the sanitizer runtimes need room.  The sanitizer fields let
 * AddressSanitizer and ThreadSanitizer follow our stack switches (their
 * "fiber" interfaces); they are unused in plain builds.
 */
#ifndef _MACHINE_THREAD_H_
#define _MACHINE_THREAD_H_

#define KSTACK_BYTES	(128 * 1024)

struct md_thread {
	void	*md_tsan_fiber;		/* ThreadSanitizer fiber */
	void	*md_asan_fake_stack;	/* AddressSanitizer fake stack */
	const void *md_stack_bottom;	/* for the ASan switch annotation */
	size_t	md_stack_size;
};

#endif /* !_MACHINE_THREAD_H_ */
