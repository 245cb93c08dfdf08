/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * cpu_md.h - the contract between the machine-independent kernel and a
 * platform (sys/platform/pc64, sys/platform/vkernel64).
 *
 * The MI kernel never asks which machine it runs on: it calls these
 * hooks, and every platform implements all of them (a missing one is a
 * link error).  The platform in turn calls the MI entry points listed at
 * the end.
 *
 * Boot, as both platforms do it:
 *   1. platform: early console; RAM handed to vm_page_startup(); cpu 0's
 *      globaldata allocated, %gs pointed at it, lwkt_gdinit(gd, 0): the
 *      boot context becomes cpu 0's idle thread; ncpus set.
 *   2. platform calls mi_startup(): kmalloc, tokens, IPI queues, callouts,
 *      then cpu_start_aps() (each AP: its globaldata, %gs, lwkt_gdinit(),
 *      then mi_ap_startup(), which never returns); then the first kernel
 *      thread (kernel_main) is created and cpu 0 enters its idle loop.
 *   3. Interrupts: the platform's clock calls lwkt_timer_post(gd) for
 *      every cpu at hz (from any context: it only uses atomics), and an
 *      interrupt on a cpu (clock vector, IPI vector, host signal) calls
 *      lwkt_intr_poll(frame) there, which runs the posted work now or, in
 *      a critical section, leaves it for the outermost crit_exit.  IPI
 *      senders set the target's RQF_IPIQ themselves, so a lost or late
 *      hardware IPI only delays, never loses, a message.
 */
#ifndef _SYS_CPU_MD_H_
#define _SYS_CPU_MD_H_

#include <sys/types.h>

struct thread;
struct globaldata;
struct intrframe;

/*
 * Threads and switching.
 */
/* Prepare td's stack so that the first switch to it calls
 * lwkt_thread_start(otd), which runs td->td_func(td->td_arg). */
void	cpu_thread_init(struct thread *td);
/* Switch from curthread to ntd (gd_curthread is set to ntd); returns,
 * in the resumed thread, the thread that switched to it. */
struct thread *cpu_lwkt_switch(struct thread *ntd);
/* Release machine-dependent resources of an exited thread. */
void	cpu_thread_free(struct thread *td);
/* Wait for an interrupt or IPI; may return early.  Called by the idle
 * thread outside any critical section with gd_reqflags showing no work. */
void	cpu_idle_halt(struct globaldata *gd);
/* Kick target so it processes its IPI queues (hardware IPI / signal). */
void	cpu_send_ipiq(int cpuid);
/* Start the other cpus; each calls mi_ap_startup(). */
void	cpu_start_aps(void);
/* Disable/restore interrupt delivery on this cpu (hard, short). */
u_long	cpu_intr_disable(void);
void	cpu_intr_restore(u_long state);

/*
 * Console, clock and power.
 */
void	platform_console_write(const char *buf, size_t len);
int	platform_console_getc(void);	/* -1 none ready, -2 end of input */
uint64_t platform_uptime_ns(void);	/* monotonic since boot */
void	platform_halt(int status) __dead2; /* power off / exit(status) */
const char *platform_name(void);	/* "pc64", "vkernel64" */
/* Boot variable ("ktest", ...) or NULL. */
const char *platform_getenv(const char *name);
/* Print a backtrace of the calling context (best effort). */
void	platform_backtrace(void);
/* Run device interrupts that were deferred with RQF_INTPEND. */
void	platform_intr_pending(void);

/*
 * MI entry points the platform calls.
 */
void	mi_startup(void) __dead2;
void	mi_ap_startup(struct globaldata *gd) __dead2;
void	lwkt_timer_post(struct globaldata *gd);
void	lwkt_intr_poll(struct intrframe *frame);

#endif /* !_SYS_CPU_MD_H_ */
