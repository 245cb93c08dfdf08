/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * machine/frame.h for pc64: the register frame an exception or interrupt
 * entry stub (x86_64/exception.S) builds on the stack.
 *
 * The stub pushes the general registers below what the cpu pushed
 * (error code or a zero, rip, cs, rflags, rsp, ss), so one layout serves
 * every vector.  exception.S hard-codes these offsets; the CTASSERTs in
 * trap.c keep the two in step.
 */
#ifndef _MACHINE_FRAME_H_
#define _MACHINE_FRAME_H_

#include <sys/types.h>

/* clang-format off */
struct trapframe {
	uint64_t	tf_rdi;
	uint64_t	tf_rsi;
	uint64_t	tf_rdx;
	uint64_t	tf_rcx;
	uint64_t	tf_r8;
	uint64_t	tf_r9;
	uint64_t	tf_rax;
	uint64_t	tf_rbx;
	uint64_t	tf_rbp;
	uint64_t	tf_r10;
	uint64_t	tf_r11;
	uint64_t	tf_r12;
	uint64_t	tf_r13;
	uint64_t	tf_r14;
	uint64_t	tf_r15;
	uint64_t	tf_trapno;	/* vector */
	uint64_t	tf_err;		/* error code, or 0 */
	uint64_t	tf_rip;		/* pushed by the cpu from here on */
	uint64_t	tf_cs;
	uint64_t	tf_rflags;
	uint64_t	tf_rsp;
	uint64_t	tf_ss;
};
/* clang-format on */

#define TF_REGS_BYTES	(15 * 8)	/* general registers */

/* Exception vectors (Intel SDM vol. 3, table 6-1). */
#define T_DIVIDE	0
#define T_DEBUG		1
#define T_NMI		2
#define T_BPTFLT	3
#define T_OFLOW		4
#define T_BOUND		5
#define T_INVOP		6
#define T_DNA		7
#define T_DOUBLEFLT	8
#define T_TSSFLT	10
#define T_SEGNPFLT	11
#define T_STKFLT	12
#define T_PROTFLT	13
#define T_PAGEFLT	14
#define T_FPERR		16
#define T_ALIGNFLT	17
#define T_MCHK		18
#define T_XMMFLT	19
#define T_NEXCEPTIONS	32

/* Page-fault error code bits. */
#define PGEX_P		0x01	/* protection, not a missing page */
#define PGEX_W		0x02	/* write */
#define PGEX_I		0x10	/* instruction fetch */

/* What cpu_md.h calls struct intrframe: the same frame. */
struct intrframe {
	struct trapframe if_tf;
};

#endif /* !_MACHINE_FRAME_H_ */
