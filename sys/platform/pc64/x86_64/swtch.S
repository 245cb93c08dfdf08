/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * swtch.S - switching kernel stacks.
 *
 * pc64_switch(save_sp, new_sp, otd, curthreadp, ntd) pushes the
 * callee-saved registers and RFLAGS on the current stack, then with
 * interrupts off stores %rsp in *save_sp, sets *curthreadp = ntd (so an
 * interrupt never sees gd_curthread disagree with the stack it runs on),
 * loads new_sp, and pops the same set saved by the other thread; the
 * popped RFLAGS restores that thread's interrupt flag.  It returns otd in
 * the resumed thread.
 *
 * A new thread's stack (cpu.c) holds RFLAGS, six zero registers, the
 * address of pc64_thread_entry and a zero return address, so its first
 * "return" lands in pc64_thread_entry, which tail-calls
 * lwkt_thread_start(otd) as though called from address 0 (the end of
 * every backtrace).
 */
	.text
	.globl	pc64_switch
	.type	pc64_switch, @function
pc64_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushfq
	cli
	movq	%rsp, (%rdi)
	movq	%r8, (%rcx)
	movq	%rsi, %rsp
	movq	%rdx, %rax
	popfq
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	pc64_switch, . - pc64_switch

	.globl	pc64_thread_entry
	.type	pc64_thread_entry, @function
pc64_thread_entry:
	movq	%rax, %rdi
	xorl	%ebp, %ebp
	jmp	lwkt_thread_start
	.size	pc64_thread_entry, . - pc64_thread_entry

	.section .note.GNU-stack, "", @progbits
