/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * switch.S - the vkernel's LWKT context switch.
 *
 * struct thread *vk_switch_stacks(uintptr_t *save_sp, uintptr_t new_sp,
 *     struct thread *prev);
 *
 * Saves the callee-saved registers on the current stack, stores the stack
 * pointer in *save_sp, loads new_sp and pops that thread's registers.  It
 * returns, in the resumed thread, the prev argument its switcher passed:
 * the thread that switched to it.  A new thread's stack is laid out by
 * cpu_thread_init() so that the "return" lands in vk_thread_trampoline.
 */
	.text
	.globl	vk_switch_stacks
	.type	vk_switch_stacks, @function
vk_switch_stacks:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	movq	%rdx, %rax
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	vk_switch_stacks, . - vk_switch_stacks

/* First code of a new thread: vk_thread_entry(previous thread). */
	.globl	vk_thread_trampoline
	.type	vk_thread_trampoline, @function
vk_thread_trampoline:
	movq	%rax, %rdi
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	call	vk_thread_entry
	ud2
	.size	vk_thread_trampoline, . - vk_thread_trampoline

	.section .note.GNU-stack,"",@progbits
