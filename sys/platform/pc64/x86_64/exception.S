/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * exception.S - the entry stubs of all 256 vectors.
 *
 * Stub n is at trap_stubs + 16 * n (gdt.c relies on it).  It pushes a
 * zero where the cpu pushes no error code, then the vector number, and
 * joins trap_common, which saves the general registers in the order of
 * struct trapframe (machine/frame.h), calls trap_dispatch(frame) on a
 * 16-byte-aligned stack and restores everything with iretq.  There is no
 * user mode, so no swapgs: %gs always holds this cpu's globaldata.  The
 * interrupted %rbp is left in place, so a frame-pointer walk from the
 * handler continues into the interrupted code.
 */
#define TF_REGS_BYTES	(15 * 8)

	.text
	.balign 16
	.globl	trap_stubs
trap_stubs:
	.set	vec, 0
	.rept	256
	.balign 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || \
	    (vec == 21) || (vec == 29) || (vec == 30)
	pushq	$vec
	.else
	pushq	$0
	pushq	$vec
	.endif
	jmp	trap_common
	.set	vec, vec + 1
	.endr

	.balign 16
trap_common:
	pushq	%r15
	pushq	%r14
	pushq	%r13
	pushq	%r12
	pushq	%r11
	pushq	%r10
	pushq	%rbp
	pushq	%rbx
	pushq	%rax
	pushq	%r9
	pushq	%r8
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	cld
	movq	%rsp, %rdi
	movq	%rsp, %rbx
	andq	$-16, %rsp
	call	trap_dispatch
	movq	%rbx, %rsp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%r8
	popq	%r9
	popq	%rax
	popq	%rbx
	popq	%rbp
	popq	%r10
	popq	%r11
	popq	%r12
	popq	%r13
	popq	%r14
	popq	%r15
	addq	$16, %rsp		/* vector and error code */
	iretq

	.section .note.GNU-stack, "", @progbits
