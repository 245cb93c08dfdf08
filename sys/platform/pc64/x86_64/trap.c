/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * trap.c - what happens when a vector fires.
 *
 * trap_dispatch() gets every vector from exception.S.  Interrupts (clock,
 * IPI, device IRQs) go to their handlers.  An exception in the kernel is
 * always fatal (there is no user mode, and the kernel takes no page
 * faults on purpose): trap_fatal() prints the trap's name, the cpu, the
 * thread, every register, CR2 for a page fault and a symbolized
 * backtrace, stops the other cpus and enters the polled kernel monitor.
 * A fault on a thread's guard page, or a double fault whose stack pointer
 * lies in one, is reported as a kernel stack overflow; the double fault
 * runs on its own IST stack (gdt.c) so it can always print.
 *
 * Locking: trap_fatal() sets panicstr first, which makes kprintf skip its
 * console lock (the faulting code may hold it).  Only the first cpu to
 * fault reports; later ones stop.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/cpu_md.h>
#include <sys/globaldata.h>
#include <sys/thread.h>
#include <sys/kmonitor.h>
#include <cpu/atomic.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

CTASSERT(__offsetof(struct trapframe, tf_trapno) == TF_REGS_BYTES);
CTASSERT(sizeof(struct trapframe) == TF_REGS_BYTES + 7 * 8);

static const char *const trap_names[T_NEXCEPTIONS] = {
	[T_DIVIDE] = "divide error",
	[T_DEBUG] = "debug exception",
	[T_NMI] = "non-maskable interrupt",
	[T_BPTFLT] = "breakpoint",
	[T_OFLOW] = "overflow",
	[T_BOUND] = "bound range exceeded",
	[T_INVOP] = "invalid opcode",
	[T_DNA] = "device not available",
	[T_DOUBLEFLT] = "double fault",
	[T_TSSFLT] = "invalid TSS",
	[T_SEGNPFLT] = "segment not present",
	[T_STKFLT] = "stack-segment fault",
	[T_PROTFLT] = "general protection fault",
	[T_PAGEFLT] = "page fault",
	[T_FPERR] = "x87 floating-point error",
	[T_ALIGNFLT] = "alignment check",
	[T_MCHK] = "machine check",
	[T_XMMFLT] = "SIMD floating-point exception",
};

static volatile u_int trap_fatal_cpus;

static const char *
trap_name(uint64_t vec)
{
	if (vec < T_NEXCEPTIONS && trap_names[vec] != NULL)
		return (trap_names[vec]);
	return ("reserved exception");
}

static void
trap_print_regs(const struct trapframe *tf)
{
	kprintf("rip %016jx  cs  %04jx  rflags %016jx\n", (uintmax_t)tf->tf_rip,
	    (uintmax_t)tf->tf_cs, (uintmax_t)tf->tf_rflags);
	kprintf("rsp %016jx  ss  %04jx  err    %016jx\n", (uintmax_t)tf->tf_rsp,
	    (uintmax_t)tf->tf_ss, (uintmax_t)tf->tf_err);
	kprintf("rax %016jx  rbx %016jx  rcx %016jx\n", (uintmax_t)tf->tf_rax,
	    (uintmax_t)tf->tf_rbx, (uintmax_t)tf->tf_rcx);
	kprintf("rdx %016jx  rsi %016jx  rdi %016jx\n", (uintmax_t)tf->tf_rdx,
	    (uintmax_t)tf->tf_rsi, (uintmax_t)tf->tf_rdi);
	kprintf("rbp %016jx  r8  %016jx  r9  %016jx\n", (uintmax_t)tf->tf_rbp,
	    (uintmax_t)tf->tf_r8, (uintmax_t)tf->tf_r9);
	kprintf("r10 %016jx  r11 %016jx  r12 %016jx\n", (uintmax_t)tf->tf_r10,
	    (uintmax_t)tf->tf_r11, (uintmax_t)tf->tf_r12);
	kprintf("r13 %016jx  r14 %016jx  r15 %016jx\n", (uintmax_t)tf->tf_r13,
	    (uintmax_t)tf->tf_r14, (uintmax_t)tf->tf_r15);
	kprintf("cr0 %016jx  cr2 %016jx  cr3 %016jx  cr4 %016jx\n",
	    (uintmax_t)rcr0(), (uintmax_t)rcr2(), (uintmax_t)rcr3(),
	    (uintmax_t)rcr4());
}

/* Is this trap a kernel stack overflow into a guard page? */
static bool
trap_is_stack_overflow(const struct trapframe *tf, uint64_t cr2)
{
	if (tf->tf_trapno == T_PAGEFLT)
		return (pmap_is_guard(cr2));
	if (tf->tf_trapno == T_DOUBLEFLT)
		return (pmap_is_guard(tf->tf_rsp) ||
		    pmap_is_guard(tf->tf_rsp - sizeof(uint64_t)));
	return (false);
}

static const char *
trap_pf_access(uint64_t err)
{
	if (err & PGEX_I)
		return ("instruction fetch");
	return ((err & PGEX_W) ? "write" : "read");
}

/*
 * When rip is not kernel text the fault came from calling a bad address:
 * the caller's return address is still on top of the stack.
 */
static uint64_t
trap_call_return(const struct trapframe *tf)
{
	uint64_t off, ret;

	if (ksym_lookup(tf->tf_rip, &off) != NULL ||
	    !pmap_is_mapped(tf->tf_rsp) ||
	    !pmap_is_mapped(tf->tf_rsp + sizeof(uint64_t) - 1))
		return (0);
	ret = *(const uint64_t *)tf->tf_rsp;
	return (ksym_lookup(ret, &off) != NULL ? ret : 0);
}

static void __dead2
trap_fatal(struct trapframe *tf)
{
	struct globaldata *gd = mycpu;
	struct thread *td = gd->gd_curthread;
	uint64_t cr2 = rcr2();

	if (atomic_swap_int(&trap_fatal_cpus, 1) != 0) {
		/* Another cpu is reporting already: just stop. */
		for (;;)
			halt();
	}
	if (panicstr == NULL)
		panicstr = trap_name(tf->tf_trapno);
	kprintf("\ntrap: %s (vector %ju) on cpu %d, thread %s\n",
	    trap_name(tf->tf_trapno), (uintmax_t)tf->tf_trapno, gd->gd_cpuid,
	    td != NULL ? td->td_comm : "?");
	if (tf->tf_trapno == T_PAGEFLT)
		kprintf("trap: fault address (cr2) %016jx, %s %s\n",
		    (uintmax_t)cr2, trap_pf_access(tf->tf_err),
		    (tf->tf_err & PGEX_P) ? "protection violation" :
		    "page not present");
	if (trap_is_stack_overflow(tf, cr2))
		kprintf("trap: kernel stack overflow (guard page hit)\n");
	trap_print_regs(tf);
	backtrace_from_call(tf->tf_rip, trap_call_return(tf), tf->tf_rbp);
	trap_stop_others();
	kmonitor_panic();
}

/*
 * trap_dispatch - every vector lands here, interrupts disabled.
 * Context: any; on the interrupted thread's stack (IST for #DF and NMI).
 */
void trap_dispatch(struct trapframe *tf);
void
trap_dispatch(struct trapframe *tf)
{
	struct intrframe *frame = (struct intrframe *)tf;
	uint64_t vec = tf->tf_trapno;

	if (vec < T_NEXCEPTIONS) {
		if (vec == T_NMI && pc64_stop_requested != 0) {
			for (;;)
				halt();
		}
		trap_fatal(tf);
	}
	switch (vec) {
	case VEC_TIMER:
		lapic_eoi();
		clock_intr(frame);
		break;
	case VEC_IPIQ:
		lapic_eoi();
		mycpu->gd_cnt.v_ipi_hw++;
		lwkt_intr_poll(frame);
		break;
	case VEC_SPURIOUS:
		break;
	default:
		intr_dispatch((int)vec, frame);
		break;
	}
}
