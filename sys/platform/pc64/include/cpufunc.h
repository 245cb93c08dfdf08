/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * machine/cpufunc.h for pc64: privileged x86_64 instructions.
 *
 * Port I/O, MSRs, control registers, interrupt flag and TLB control.  Only
 * pc64 code includes this header: the vkernel cannot execute any of it
 * (the unprivileged ones live in <cpu/cpufunc.h>).
 */
#ifndef _MACHINE_CPUFUNC_H_
#define _MACHINE_CPUFUNC_H_

#include <sys/types.h>
#include <cpu/cpufunc.h>

#define PSL_I		0x00000200UL	/* RFLAGS.IF */

#define MSR_EFER	0xc0000080U
#define MSR_FSBASE	0xc0000100U
#define MSR_GSBASE	0xc0000101U
#define MSR_KGSBASE	0xc0000102U
#define MSR_APICBASE	0x0000001bU
#define EFER_NXE	0x00000800UL

#define CR0_WP		0x00010000UL
#define CR4_PGE		0x00000080UL

static __always_inline void
outb(uint16_t port, uint8_t val)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(val), "Nd"(port));
}

static __always_inline uint8_t
inb(uint16_t port)
{
	uint8_t val;

	__asm__ __volatile__("inb %1, %0" : "=a"(val) : "Nd"(port));
	return (val);
}

static __always_inline void
outw(uint16_t port, uint16_t val)
{
	__asm__ __volatile__("outw %0, %1" : : "a"(val), "Nd"(port));
}

static __always_inline void
outl(uint16_t port, uint32_t val)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(val), "Nd"(port));
}

static __always_inline uint64_t
rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (((uint64_t)hi << 32) | lo);
}

static __always_inline void
wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ __volatile__("wrmsr"
	    : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
	    : "memory");
}

static __always_inline void
cpuid_count(uint32_t leaf, uint32_t sub, uint32_t regs[4])
{
	__asm__ __volatile__("cpuid"
	    : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3])
	    : "a"(leaf), "c"(sub));
}

static __always_inline u_long
rcr0(void)
{
	u_long v;

	__asm__ __volatile__("movq %%cr0, %0" : "=r"(v));
	return (v);
}

static __always_inline void
lcr0(u_long v)
{
	__asm__ __volatile__("movq %0, %%cr0" : : "r"(v) : "memory");
}

static __always_inline u_long
rcr2(void)
{
	u_long v;

	__asm__ __volatile__("movq %%cr2, %0" : "=r"(v));
	return (v);
}

static __always_inline u_long
rcr3(void)
{
	u_long v;

	__asm__ __volatile__("movq %%cr3, %0" : "=r"(v));
	return (v);
}

static __always_inline void
lcr3(u_long v)
{
	__asm__ __volatile__("movq %0, %%cr3" : : "r"(v) : "memory");
}

static __always_inline u_long
rcr4(void)
{
	u_long v;

	__asm__ __volatile__("movq %%cr4, %0" : "=r"(v));
	return (v);
}

static __always_inline void
lcr4(u_long v)
{
	__asm__ __volatile__("movq %0, %%cr4" : : "r"(v) : "memory");
}

static __always_inline void
invlpg(u_long va)
{
	__asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}

static __always_inline u_long
read_rflags(void)
{
	u_long v;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(v));
	return (v);
}

static __always_inline void
cpu_disable_intr(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

static __always_inline void
cpu_enable_intr(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

static __always_inline void
halt(void)
{
	__asm__ __volatile__("hlt" ::: "memory");
}

#endif /* !_MACHINE_CPUFUNC_H_ */
