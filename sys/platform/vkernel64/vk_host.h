/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * vk_host.h - the boundary between the vkernel's kernel side and its host
 * side.
 *
 * vkernel64 is the Anax kernel built as a Linux process.  Its files come
 * in two kinds that must never include each other's headers: kernel-side
 * files (machdep.c, cpu_switch.c, switch.S) are compiled like the rest of
 * the kernel, freestanding, against sys/; host-side files (those in host/) are
 * ordinary Linux C against glibc.  They meet only through the functions
 * below, which use nothing but plain C types.
 *
 * Host side: one pthread per virtual cpu, the cpu pointer in the %gs base
 * (arch_prctl), RAM in a memfd, a host timer thread for the clock, SIGUSR1
 * as the interrupt line, futexes for idle cpus, the terminal as console.
 */
#ifndef _VKERNEL64_VK_HOST_H_
#define _VKERNEL64_VK_HOST_H_

#define VK_MAXCPU		64
#define VK_MAXENV		32

/* Implemented on the host side, called by the kernel side. */
void	vk_host_console_write(const char *buf, unsigned long len);
int	vk_host_console_getc(void);	/* -1 none, -2 end of input */
unsigned long long vk_host_uptime_ns(void);
void	vk_host_exit(int status) __attribute__((__noreturn__));
void	vk_host_backtrace(void);
void	vk_host_set_cpu_pointer(void *gd);
int	vk_host_start_cpu(int cpu, void (*entry)(int cpu));
void	vk_host_signals_unblock(void);
void	vk_host_wait(volatile unsigned *addr, unsigned val, long long ns);
void	vk_host_wake(volatile unsigned *addr);
void	vk_host_kick_cpu(int cpu);
void	vk_host_clock_start(int hz, void (*tick)(void));
void	*vk_host_fiber_create(void);
void	*vk_host_fiber_current(void);
void	vk_host_fiber_destroy(void *fiber);
void	vk_host_switch_begin(void *to_fiber, void **fake_stack_save,
	    const void *to_stack_bottom, unsigned long to_stack_size);
void	vk_host_switch_end(void *fake_stack_save);
void	vk_host_current_stack(const void **bottomp, unsigned long *sizep);
/* Make [addr, addr+len) inaccessible (guard) or read-write again. */
void	vk_host_guard(void *addr, unsigned long len, int guard);

/* Implemented on the kernel side, called by the host side. */
void	vk_kernel_boot(int ncpus, void *ram, unsigned long ram_bytes,
	    int nenv, char **env) __attribute__((__noreturn__));
void	vk_kernel_interrupt(void);
/* A synchronous fault in kernel code (host SIGSEGV/SIGBUS, SIGILL,
 * SIGFPE), on the cpu's alternate signal stack; does not return. */
#define VK_TRAP_PAGE		1	/* bad address or protection */
#define VK_TRAP_ILLEGAL		2	/* invalid instruction */
#define VK_TRAP_ARITH		3	/* divide error */
void	vk_kernel_trap(int kind, void *addr, void *pc)
	    __attribute__((__noreturn__));

#endif /* !_VKERNEL64_VK_HOST_H_ */
