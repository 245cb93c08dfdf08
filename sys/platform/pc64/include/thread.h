/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * machine/thread.h for pc64: the machine-dependent part of a thread.
 *
 * A kernel thread's context is its stack: cpu_lwkt_switch() pushes the
 * callee-saved registers there and keeps the stack pointer in td_sp (an
 * MI field), so md_thread only records the guard page that
 * cpu_thread_init() unmapped below the stack (cpu_thread_free() maps it
 * back).  The lowest page of every KSTACK_BYTES stack is the guard: an
 * overflow faults there and the double-fault handler, running on its own
 * IST stack, reports it.
 */
#ifndef _MACHINE_THREAD_H_
#define _MACHINE_THREAD_H_

#define KSTACK_BYTES	(16 * 1024)

struct md_thread {
	void	*md_guard;	/* unmapped guard page, or NULL */
};

#endif /* !_MACHINE_THREAD_H_ */
