/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * fault.c - the monitor's "fault" command: provoke a kernel fault on
 * purpose, to check that trap reporting works on this machine.
 *
 *   fault null     read through a NULL pointer (page fault, CR2 = 0)
 *   fault write    write to the kernel's read-only text (protection fault)
 *   fault stack    recurse until the stack hits its guard page (double
 *                  fault on the IST stack, reported as a stack overflow)
 *   fault exec     call into a data page (no-execute: fetch fault)
 *   fault ud       execute an invalid opcode
 *   fault div      divide by zero
 *
 * Each provoking function is noinline so that it shows up by name in the
 * backtrace the trap prints.  After the report the kernel sits in the
 * polled monitor ("halt" powers off).  Bad arguments get a usage message.
 *
 * Machine-independent: each platform turns the fault into its trap report
 * (pc64: the IDT handlers; vkernel64: the host's SIGSEGV, SIGILL and
 * SIGFPE, with a guard page below every kernel stack).
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/kmonitor.h>

#define FAULT_STACK_FRAME_BYTES	512

static __noinline void
fault_null(void)
{
	volatile int *p = NULL;

	kprintf("fault: reading address 0\n");
	(void)*p;
}

static __noinline void
fault_write_text(void)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)fault_null;

	kprintf("fault: writing kernel text at %p\n",
	    (void *)(uintptr_t)fault_null);
	*p = 0;
}

/* Far deeper than any stack: only the guard page stops the recursion. */
static volatile int fault_depth_limit = 1 << 30;

static __noinline int
fault_recurse(int depth)
{
	volatile char frame[FAULT_STACK_FRAME_BYTES];

	if (depth >= fault_depth_limit)
		return (0);
	frame[0] = (char)depth;
	return (fault_recurse(depth + 1) + frame[0]);
}

static __noinline void
fault_stack(void)
{
	kprintf("fault: recursing into the stack guard page\n");
	(void)fault_recurse(0);
}

/* A "ret" instruction in writable, no-execute data. */
static uint8_t fault_data_code[] = { 0xc3 };

static __noinline void
fault_exec_data(void)
{
	void (*fn)(void) = (void (*)(void))(uintptr_t)fault_data_code;

	kprintf("fault: calling data at %p\n", (void *)fault_data_code);
	fn();
	kprintf("fault: returned from data\n");	/* no tail call */
}

static __noinline void
fault_invalid_opcode(void)
{
	kprintf("fault: executing ud2\n");
	__asm__ __volatile__("ud2");
}

static __noinline void
fault_divide(void)
{
	/* Both volatile: gcc computes 1 / x without dividing. */
	volatile int one = 1, zero = 0;

	kprintf("fault: dividing by zero\n");
	kprintf("fault: %d\n", one / zero);
}

static int
cmd_fault(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*func)(void);
	} kinds[] = {
		{ "null", fault_null },
		{ "write", fault_write_text },
		{ "stack", fault_stack },
		{ "exec", fault_exec_data },
		{ "ud", fault_invalid_opcode },
		{ "div", fault_divide },
	};

	if (argc == 2) {
		for (u_int i = 0; i < nitems(kinds); i++) {
			if (strcmp(argv[1], kinds[i].name) == 0) {
				kinds[i].func();
				kprintf("fault: %s did not fault\n", argv[1]);
				return (EFAULT);
			}
		}
	}
	kprintf("usage: fault null|write|stack|exec|ud|div\n");
	return (EINVAL);
}
KMONITOR_COMMAND(fault,
    "provoke a kernel fault (fault null|write|stack|exec|ud|div)", cmd_fault);
