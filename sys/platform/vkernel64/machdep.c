/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * machdep.c - vkernel64 platform hooks (kernel side).
 *
 * Implements sys/sys/cpu_md.h for the Linux-hosted kernel on top of the
 * host side (vk_host.h):
 *  - boot: cpu 0's globaldata is static so that %gs, critical sections
 *    and spinlocks work before any memory exists; RAM (a memfd) goes to
 *    vm_page_startup(); the other globaldatas come from kmem.
 *  - cpus: one host thread each, started by cpu_start_aps().
 *  - interrupts: the host's clock thread posts ticks to every cpu and
 *    kicks it; a kick is SIGUSR1 for a busy cpu and a futex wake for an
 *    idle one, and the signal handler calls lwkt_intr_poll().  IPI
 *    senders mark the target's gd_reqflags themselves, so a signal that
 *    arrives late (as under ThreadSanitizer) only delays work.
 *  - idle: wait on the cpu's gd_reqflags word with a futex.
 *
 * Hard interrupt disabling does not exist here: signal handlers honour
 * critical sections, which is all the MI code relies on.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/malloc.h>
#include <sys/cpu_md.h>
#include <vm/vm_page.h>
#include <cpu/atomic.h>

#include "vk_host.h"

#define VK_IDLE_WAIT_NS		10000000LL	/* 10 ms */

void vk_adopt_idle_thread(struct globaldata *gd);	/* cpu_switch.c */

static struct globaldata vk_gd0 __cachealign;
static int vk_nenv;
static char **vk_env;

const char *
platform_name(void)
{
	return ("vkernel64");
}

void
platform_console_write(const char *buf, size_t len)
{
	vk_host_console_write(buf, len);
}

int
platform_console_getc(void)
{
	return (vk_host_console_getc());
}

uint64_t
platform_uptime_ns(void)
{
	return (vk_host_uptime_ns());
}

void
platform_halt(int status)
{
	vk_host_exit(status);
}

void
platform_backtrace(void)
{
	vk_host_backtrace();
}

void
platform_intr_pending(void)
{
	/* No deferred device interrupts: the console is polled. */
}

const char *
platform_getenv(const char *name)
{
	size_t len = strlen(name);

	for (int i = 0; i < vk_nenv; i++) {
		if (strncmp(vk_env[i], name, len) == 0 && vk_env[i][len] == '=')
			return (vk_env[i] + len + 1);
	}
	return (NULL);
}

u_long
cpu_intr_disable(void)
{
	return (0);
}

void
cpu_intr_restore(u_long state __unused)
{
}

/* Make cpu look at its gd_reqflags soon. */
static void
vk_cpu_kick(struct globaldata *gd)
{
	if (atomic_load_acq_int((volatile u_int *)&gd->gd_idle))
		vk_host_wake(&gd->gd_reqflags);
	else
		vk_host_kick_cpu(gd->gd_cpuid);
}

void
cpu_send_ipiq(int cpuid)
{
	vk_cpu_kick(globaldata_find(cpuid));
}

void
cpu_idle_halt(struct globaldata *gd)
{
	u_int flags;

	atomic_store_rel_int((volatile u_int *)&gd->gd_idle, 1);
	flags = atomic_load_acq_int(&gd->gd_reqflags);
	if ((flags & (RQF_IDLECHECK_WK_MASK | RQF_RUNNING)) == 0)
		vk_host_wait(&gd->gd_reqflags, flags, VK_IDLE_WAIT_NS);
	atomic_store_rel_int((volatile u_int *)&gd->gd_idle, 0);
}

/* Host clock thread: one tick for every cpu.  No %gs here. */
static void
vk_clock_tick(void)
{
	for (int i = 0; i < ncpus; i++) {
		struct globaldata *gd = globaldata_find(i);

		lwkt_timer_post(gd);
		vk_cpu_kick(gd);
	}
}

/*
 * A fault in kernel code, reported like a trap on real hardware: what,
 * where, which cpu and thread, and a backtrace (panic), then the polled
 * monitor.  A fault in the lowest page of the thread's stack is an
 * overflow into its guard page.
 */
void
vk_kernel_trap(int kind, void *addr, void *pc)
{
	static const char *const names[] = {
		[VK_TRAP_PAGE] = "page fault",
		[VK_TRAP_ILLEGAL] = "invalid instruction",
		[VK_TRAP_ARITH] = "divide error",
	};
	struct thread *td = curthread;
	uintptr_t a = (uintptr_t)addr, base = (uintptr_t)td->td_kstack;

	if (kind == VK_TRAP_PAGE && td->td_kstack != NULL && a >= base &&
	    a < base + PAGE_SIZE)
		panic("trap: kernel stack overflow in thread %s (guard page "
		    "%p), pc %p, cpu %d", td->td_comm, addr, pc, mycpuid);
	panic("trap: %s at address %p, pc %p, cpu %d, thread %s",
	    names[kind], addr, pc, mycpuid, td->td_comm);
}

/* Signal handler body, on the interrupted vcpu. */
void
vk_kernel_interrupt(void)
{
	lwkt_intr_poll(NULL);
}

static void
vk_ap_entry(int cpu)
{
	struct globaldata *gd = globaldata_find(cpu);

	vk_host_set_cpu_pointer(gd);
	vk_adopt_idle_thread(gd);
	vk_host_signals_unblock();
	mi_ap_startup(gd);
}

void
cpu_start_aps(void)
{
	for (int i = 1; i < ncpus; i++) {
		if (vk_host_start_cpu(i, vk_ap_entry) != 0)
			panic("vkernel64: cannot start cpu %d", i);
	}
	vk_host_clock_start(hz, vk_clock_tick);
}

void
vk_kernel_boot(int ncpu, void *ram, unsigned long ram_bytes, int nenv,
    char **env)
{
	vk_nenv = nenv;
	vk_env = env;
	ncpus = ncpu;
	vk_gd0.gd_prvspace = &vk_gd0;
	vk_host_set_cpu_pointer(&vk_gd0);
	lwkt_gdinit(&vk_gd0, 0);
	vk_adopt_idle_thread(&vk_gd0);
	vm_page_startup((vm_offset_t)ram, ram_bytes);
	for (int i = 1; i < ncpus; i++) {
		struct globaldata *gd;

		gd = kmem_alloc(roundup2(sizeof(*gd), PAGE_SIZE),
		    M_WAITOK | M_ZERO);
		lwkt_gdinit(gd, i);
	}
	vk_host_signals_unblock();
	mi_startup();
}
