/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * locore.S - the multiboot2 header and the boot cpu's way into long mode.
 *
 * GRUB loads the kernel's segments at their physical addresses (from
 * KERN_LOAD_PHYS up) and enters start32 in 32-bit protected mode, paging
 * off, with the multiboot2 magic in %eax and the physical address of its
 * information structure in %ebx.  start32 runs at physical addresses, so
 * every symbol it touches is written V2P(sym).  It clears .bss, builds
 * throw-away page tables (the first 4 GiB identity-mapped, the first
 * GiB also at KERNBASE, with 2 MiB pages), turns on PAE, long mode and
 * paging, and jumps to the 64-bit code at its linked (higher-half)
 * address, which calls pc64_init(mbi) on the boot stack.  pmap_bootstrap() replaces these
 * tables with the real ones.
 *
 * Invariant: nothing before pc64_init() uses the stack beyond its own
 * frame; the boot stack becomes cpu 0's idle thread stack, with the
 * unmapped boot_stack_guard page below it.
 */
#define KERNBASE	0xffffffff80000000
#define V2P(x)		((x) - KERNBASE)
#define MB2_MAGIC	0xe85250d6
#define MB2_BOOT_MAGIC	0x36d76289
#define MB2_ARCH_I386	0
#define MB2_TAG_END	0
#define MB2_TAG_ENTRY	3
#define PG_V_W		0x003		/* present, writable */
#define PG_PS_V_W	0x083		/* 2 MiB, present, writable */
#define LARGE_PAGE	0x200000
#define CR4_PAE		0x20
#define EFER_LME	0x100
#define MSR_EFER	0xc0000080
#define CR0_PG_WP_PE	0x80010001
#define SEL_KCODE	0x08
#define SEL_KDATA	0x10

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long	MB2_MAGIC
	.long	MB2_ARCH_I386
	.long	mb2_header_end - mb2_header
	.long	0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + \
		    (mb2_header_end - mb2_header))
	.balign 8
	.word	MB2_TAG_ENTRY, 0
	.long	12
	.long	V2P(start32)
	.balign 8
	.word	MB2_TAG_END, 0
	.long	8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.globl	start32
start32:
	cli
	cld
	movl	$V2P(boot_stack_top), %esp
	cmpl	$MB2_BOOT_MAGIC, %eax
	jne	not_multiboot2
	movl	%ebx, %esi

	/* Clear .bss (the page tables and the boot stack live there). */
	movl	$V2P(__bss_start), %edi
	movl	$V2P(__bss_end), %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb

	/*
	 * PML4[0] -> PDPT -> four PDs identity-mapping the first 4 GiB (the
	 * loader's information may lie anywhere below 4 GiB); PML4[511] ->
	 * PDPT -> the first of those PDs at KERNBASE.
	 */
	movl	$V2P(boot_pdpt_lo), %eax
	orl	$PG_V_W, %eax
	movl	%eax, V2P(boot_pml4)
	movl	$V2P(boot_pdpt_hi), %eax
	orl	$PG_V_W, %eax
	movl	%eax, V2P(boot_pml4) + 511 * 8
	movl	$V2P(boot_pd), %eax
	orl	$PG_V_W, %eax
	movl	%eax, V2P(boot_pdpt_hi) + 510 * 8
	movl	$V2P(boot_pdpt_lo), %edi
	movl	$4, %ecx
1:	movl	%eax, (%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	1b
	movl	$V2P(boot_pd), %edi
	movl	$PG_PS_V_W, %eax
	movl	$4 * 512, %ecx
2:	movl	%eax, (%edi)
	addl	$LARGE_PAGE, %eax
	addl	$8, %edi
	loop	2b

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$V2P(boot_pml4), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$CR0_PG_WP_PE, %eax
	movl	%eax, %cr0
	lgdt	V2P(boot_gdt_desc)
	ljmp	$SEL_KCODE, $V2P(start64_low)

not_multiboot2:
	/* No console yet: leave a mark on the text screen and stop. */
	movl	$0x4f214f4d, 0xb8000	/* "M!" white on red */
3:	hlt
	jmp	3b

	.code64
start64_low:
	movabsq	$start64, %rax
	jmp	*%rax

	.text
start64:
	movw	$SEL_KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorl	%eax, %eax
	movw	%ax, %fs
	movw	%ax, %gs
	movabsq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp
	movl	%esi, %edi
	call	pc64_init
4:	hlt
	jmp	4b

	.section .rodata
	.balign 16
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 64-bit kernel code */
	.quad	0x00cf92000000ffff	/* kernel data */
boot_gdt_end:
	.balign 8
boot_gdt_desc:
	.word	boot_gdt_end - boot_gdt - 1
	.long	V2P(boot_gdt)

	.bss
	.balign 4096
	.globl	boot_pml4
boot_pml4:
	.skip	4096
boot_pdpt_lo:
	.skip	4096
boot_pdpt_hi:
	.skip	4096
boot_pd:
	.skip	4 * 4096
	.globl	boot_stack_guard, boot_stack, boot_stack_top
boot_stack_guard:
	.skip	4096
boot_stack:
	.skip	16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
