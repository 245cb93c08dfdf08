/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * kern_main.c - machine-independent startup.
 *
 * The platform brings up memory, the per-cpu structures and the console,
 * then calls mi_startup() on cpu 0 (see sys/sys/cpu_md.h for the whole
 * sequence).  mi_startup() starts the allocators, the IPI queues, cpu 0's
 * callouts and sleep queues, the other cpus (each runs mi_ap_startup()),
 * then the first kernel thread, kernel_main, and becomes cpu 0's idle
 * thread.  kernel_main runs the selftests when the boot variable "ktest"
 * asks for them and powers off with the verdict; otherwise it starts the
 * kernel monitor.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/callout.h>
#include <sys/malloc.h>
#include <sys/ktest.h>
#include <sys/kmonitor.h>
#include <sys/cpu_md.h>
#include <vm/vm_page.h>
#include <cpu/atomic.h>
#include <cpu/cpufunc.h>

#define ANAX_VERSION	"0.1"
#define MIB		(1024 * 1024)

static volatile u_int cpus_started;

/* Per-cpu services every cpu starts on itself. */
static void
mi_cpu_services(struct globaldata *gd)
{
	tsleep_init(gd);
	callout_wheel_init(gd);
	ATOMIC_CPUMASK_ORBIT(smp_active_mask, gd->gd_cpuid);
	atomic_add_int(&cpus_started, 1);
}

static void
kernel_main(void *arg __unused)
{
	const char *tests = platform_getenv("ktest");
	const char *benches = platform_getenv("bench");
	int failed = 0;

	if (tests != NULL)
		failed = ktest_run(tests, false);
	if (benches != NULL)
		kbench_run(benches);
	if (tests != NULL || benches != NULL)
		platform_halt(failed == 0 ? 0 : 1);
	kmonitor_run();
}

void
mi_startup(void)
{
	struct globaldata *gd = mycpu;

	crit_enter();	/* left when cpu 0 becomes its idle thread */
	kprintf("Anax %s (%s): %d cpu%s, %ju MiB memory\n", ANAX_VERSION,
	    platform_name(), ncpus, ncpus == 1 ? "" : "s",
	    (uintmax_t)(vm_page_total_bytes() / MIB));
	kmalloc_init();
	lwkt_token_pool_init();
	lwkt_ipiq_init();
	mi_cpu_services(gd);
	cpu_start_aps();
	while (atomic_load_acq_int(&cpus_started) < (u_int)ncpus) {
		if (atomic_load_relaxed(&gd->gd_reqflags) & RQF_IPIQ)
			lwkt_process_ipiq();
		cpu_pause();
	}
	lwkt_create(kernel_main, NULL, NULL, 0, 0, "kernel_main");
	crit_exit();
	lwkt_idle_loop();
}

/* An application processor's startup; gd is already its mycpu. */
void
mi_ap_startup(struct globaldata *gd)
{
	KKASSERT(gd == mycpu);
	crit_enter();
	mi_cpu_services(gd);
	crit_exit();
	lwkt_idle_loop();
}
