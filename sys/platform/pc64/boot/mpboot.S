/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * mpboot.S - the real-mode trampoline application processors start in.
 *
 * mp.c copies mpboot_start..mpboot_end to MP_TRAMPOLINE_PHYS (below 1 MiB,
 * page-aligned) and fills the parameter block at its end, then sends the
 * AP a SIPI whose vector is that page number.  The AP starts here in real
 * mode with %cs = page << 8, %ip = 0.  It loads the trampoline's GDT,
 * turns on PAE, the boot cpu's EFER bits (long mode, no-execute) and the
 * kernel's CR3 (which identity-maps low memory while APs start) and enables
 * protection and paging in one step, which enters long mode directly.  A
 * far jump reaches the 64-bit code, which takes its stack and argument
 * from the block and jumps to mp_ap_entry(pc) in the higher half.
 *
 * Only one AP runs the trampoline at a time (mp.c waits for each), so the
 * parameter block needs no locking.
 */
#define MP_TRAMPOLINE_PHYS	0x8000
#define TRAMP(x)		(MP_TRAMPOLINE_PHYS + ((x) - mpboot_start))
#define CR4_PAE			0x20
#define CR0_PG_WP_PE		0x80010001
#define MSR_EFER		0xc0000080
#define SEL_KCODE		0x08
#define SEL_KDATA		0x10

	.section .rodata
	.balign 16
	.globl	mpboot_start, mpboot_end, mpboot_params
	.code16
mpboot_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	(mpboot_gdt_desc - mpboot_start)
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	(mpboot_cr3 - mpboot_start), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	movl	(mpboot_efer - mpboot_start), %eax
	xorl	%edx, %edx
	wrmsr
	movl	%cr0, %eax
	orl	$CR0_PG_WP_PE, %eax
	movl	%eax, %cr0
	/* ljmpl $SEL_KCODE, $TRAMP(mpboot_64) */
	.byte	0x66, 0xea
	.long	TRAMP(mpboot_64)
	.word	SEL_KCODE

	.code64
mpboot_64:
	movw	$SEL_KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	TRAMP(mpboot_stack), %rsp
	movq	TRAMP(mpboot_arg), %rdi
	movq	TRAMP(mpboot_entry), %rax
	xorl	%ebp, %ebp
	pushq	$0			/* end of the frame chain */
	jmp	*%rax

	.balign 16
mpboot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 64-bit kernel code */
	.quad	0x00cf92000000ffff	/* kernel data */
mpboot_gdt_end:
mpboot_gdt_desc:
	.word	mpboot_gdt_end - mpboot_gdt - 1
	.long	TRAMP(mpboot_gdt)

	.balign 8
mpboot_params:			/* struct mpboot_params in mp.c */
mpboot_cr3:
	.quad	0
mpboot_efer:
	.quad	0
mpboot_stack:
	.quad	0
mpboot_arg:
	.quad	0
mpboot_entry:
	.quad	0
mpboot_end:

	.section .note.GNU-stack, "", @progbits
