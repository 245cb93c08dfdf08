/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * host_cpu.c - virtual cpus, interrupts and time on the Linux host.
 *
 * Each virtual cpu is a pthread whose %gs base points at its globaldata
 * (arch_prctl).  SIGUSR1 is the interrupt line: it is blocked until the
 * thread's %gs is set, and its handler calls vk_kernel_interrupt().  An
 * idle cpu sleeps on a futex (its gd_reqflags word).  The clock is one
 * extra host thread, with every signal blocked and no %gs, that calls the
 * kernel's tick function hz times a second.
 */

#define _GNU_SOURCE
#include <asm/prctl.h>
#include <errno.h>
#include <execinfo.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <time.h>
#include <unistd.h>

#include "../vk_host.h"

#define VK_INTR_SIGNAL		SIGUSR1
#define NS_PER_SEC		1000000000LL
#define BACKTRACE_DEPTH		32
#define ALTSTACK_BYTES		(256 * 1024)	/* trap reports run here */

void vk_host_console_restore(void);	/* host_console.c */

static pthread_t cpu_threads[VK_MAXCPU];
static void (*cpu_entries[VK_MAXCPU])(int);
static struct timespec boot_time;
static int clock_hz;
static void (*clock_tick)(void);

static void
intr_handler(int sig)
{
	int saved_errno = errno;

	(void)sig;
	vk_kernel_interrupt();
	errno = saved_errno;
}

/* A fault in kernel code: report it as a trap (on the alternate stack). */
static void
trap_handler(int sig, siginfo_t *si, void *uctx)
{
	ucontext_t *uc = uctx;
	int kind = sig == SIGILL ? VK_TRAP_ILLEGAL :
	    sig == SIGFPE ? VK_TRAP_ARITH : VK_TRAP_PAGE;

	vk_kernel_trap(kind, si->si_addr, (void *)uc->uc_mcontext.gregs[REG_RIP]);
}

/* Each cpu thread gets its own stack for trap reports. */
static void
altstack_setup(void)
{
	stack_t ss;

	ss.ss_sp = malloc(ALTSTACK_BYTES);
	ss.ss_size = ALTSTACK_BYTES;
	ss.ss_flags = 0;
	if (ss.ss_sp == NULL || sigaltstack(&ss, NULL) != 0)
		perror("vkernel: sigaltstack");
}

void
vk_host_guard(void *addr, unsigned long len, int guard)
{
	if (mprotect(addr, len, guard ? PROT_NONE : PROT_READ | PROT_WRITE)) {
		perror("vkernel: mprotect of a stack guard page");
		exit(1);
	}
}

/* Block the interrupt signal in the calling thread. */
static void
signals_block(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, VK_INTR_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void
vk_host_signals_unblock(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, VK_INTR_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* Runs before main: install the handler, keep it blocked, note the time. */
__attribute__((constructor)) static void
host_cpu_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = intr_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(VK_INTR_SIGNAL, &sa, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	altstack_setup();
	signals_block();
	clock_gettime(CLOCK_MONOTONIC, &boot_time);
	cpu_threads[0] = pthread_self();
}

void
vk_host_set_cpu_pointer(void *gd)
{
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)gd) != 0) {
		perror("vkernel: arch_prctl(ARCH_SET_GS)");
		exit(1);
	}
}

static void *
cpu_thread_main(void *arg)
{
	int cpu = (int)(long)arg;

	altstack_setup();
	cpu_entries[cpu](cpu);
	return (NULL);
}

int
vk_host_start_cpu(int cpu, void (*entry)(int))
{
	pthread_attr_t attr;
	int error;

	cpu_entries[cpu] = entry;
	pthread_attr_init(&attr);
	error = pthread_create(&cpu_threads[cpu], &attr, cpu_thread_main,
	    (void *)(long)cpu);
	pthread_attr_destroy(&attr);
	return (error);
}

void
vk_host_kick_cpu(int cpu)
{
	pthread_kill(cpu_threads[cpu], VK_INTR_SIGNAL);
}

void
vk_host_wait(volatile unsigned *addr, unsigned val, long long ns)
{
	struct timespec ts = { ns / NS_PER_SEC, ns % NS_PER_SEC };

	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0);
}

void
vk_host_wake(volatile unsigned *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void *
clock_thread_main(void *arg)
{
	struct timespec next;
	long long period = NS_PER_SEC / clock_hz;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		next.tv_nsec += period;
		if (next.tv_nsec >= NS_PER_SEC) {
			next.tv_nsec -= NS_PER_SEC;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
		    NULL) == EINTR)
			;
		clock_tick();
	}
	return (NULL);
}

void
vk_host_clock_start(int hz, void (*tick)(void))
{
	pthread_t tid;

	clock_hz = hz;
	clock_tick = tick;
	if (pthread_create(&tid, NULL, clock_thread_main, NULL) != 0) {
		fprintf(stderr, "vkernel: cannot start the clock thread\n");
		exit(1);
	}
}

unsigned long long
vk_host_uptime_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((unsigned long long)((now.tv_sec - boot_time.tv_sec) *
	    NS_PER_SEC + (now.tv_nsec - boot_time.tv_nsec)));
}

void
vk_host_exit(int status)
{
	vk_host_console_restore();
	_exit(status);
}

void
vk_host_backtrace(void)
{
	void *frames[BACKTRACE_DEPTH];
	int n = backtrace(frames, BACKTRACE_DEPTH);

	backtrace_symbols_fd(frames, n, STDOUT_FILENO);
}
