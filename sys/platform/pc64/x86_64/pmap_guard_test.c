/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * pmap_guard_test.c - tests of the cross-cpu TLB shootdown that
 * pmap_set_guard() does (pmap.c).
 *
 *   pmap guard-remote [noshootdown]   (monitor command)
 *	A thread on another cpu reads a page, so that cpu caches its
 *	translation; this cpu then makes the page a guard; the thread reads
 *	it again.  With the shootdown the second read must fault: the trap
 *	report names the other cpu, the guard page hit and
 *	pmap_guard_remote_thread, and the kernel sits in the polled monitor.
 *	"noshootdown" turns the shootdown off for that one pmap_set_guard()
 *	call: on a machine whose cpus keep their TLBs (QEMU's TCG keeps a
 *	software TLB per vcpu) the read then goes through the stale
 *	translation and the command says so, which shows that the first
 *	form can fail.
 *
 *   KTEST pmap_guard_shootdown
 *	Setting a guard runs the remote flush once on every other running
 *	cpu (pmap_shootdowns_done); clearing one runs none.
 *
 * The monitor's thread waits for the other cpu by sleeping a tick at a
 * time, at most PGT_WAIT_SECONDS, so a cpu that never answers is an error
 * message, not a hang.  The other cpu spins outside any critical section
 * between its reads, so the cpusync IPI reaches it at once.
 *
 * Locking: one test at a time (the monitor runs one command at a time);
 * the stage word is the only thing the two cpus share, through atomics.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/globaldata.h>
#include <sys/thread.h>
#include <sys/kmonitor.h>
#include <sys/ktest.h>
#include <sys/malloc.h>
#include <vm/vm_page.h>
#include <cpu/atomic.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

#define PGT_WAIT_SECONDS	5
#define PGT_MARK		0x5a

enum pgt_stage {
	PGT_START,	/* thread created */
	PGT_CACHED,	/* thread has read the page once */
	PGT_GUARDED,	/* the page is a guard now: read it again */
	PGT_DONE,	/* the second read did not fault */
};

/* clang-format off */
static struct pgt_state {
	volatile u_int	 ps_stage;	/* [a] enum pgt_stage */
	volatile uint8_t *ps_page;	/* [I] the page under test */
	uint8_t		 ps_seen;	/* thread: what the second read gave */
} pgt_state;
/* clang-format on */

static __noinline void
pmap_guard_remote_thread(void *arg)
{
	struct pgt_state *ps = arg;

	if (*ps->ps_page != PGT_MARK)	/* caches the translation */
		kprintf("pmap: guard-remote: page lost its mark\n");
	atomic_store_rel_int(&ps->ps_stage, PGT_CACHED);
	while (atomic_load_acq_int(&ps->ps_stage) != PGT_GUARDED)
		cpu_pause();
	ps->ps_seen = *ps->ps_page;	/* must fault */
	atomic_store_rel_int(&ps->ps_stage, PGT_DONE);
}

/* Sleep a tick at a time until the stage is reached; false on timeout. */
static bool
pgt_wait(struct pgt_state *ps, u_int stage)
{
	for (int t = 0; t < PGT_WAIT_SECONDS * hz; t++) {
		if (atomic_load_acq_int(&ps->ps_stage) == stage)
			return (true);
		tsleep(ps, 0, "pgtwait", 1);
	}
	return (atomic_load_acq_int(&ps->ps_stage) == stage);
}

static int
pgt_guard_remote(bool shootdown)
{
	struct pgt_state *ps = &pgt_state;
	int other = (mycpuid + 1) % ncpus, error = 0;
	uint8_t *page;

	if (ncpus < 2) {
		kprintf("pmap: guard-remote needs at least 2 cpus\n");
		return (EINVAL);
	}
	page = kmem_alloc(PAGE_SIZE, M_WAITOK);
	page[0] = PGT_MARK;
	ps->ps_page = page;
	ps->ps_seen = 0;
	atomic_store_rel_int(&ps->ps_stage, PGT_START);
	kprintf("pmap: guard-remote: page %p, reader on cpu %d, %s\n",
	    (void *)page, other, shootdown ? "shootdown" : "no shootdown");
	lwkt_create(pmap_guard_remote_thread, ps, NULL, 0, other,
	    "guardremote");
	if (!pgt_wait(ps, PGT_CACHED)) {
		kprintf("pmap: guard-remote: cpu %d did not read the page\n",
		    other);
		return (EIO);	/* the thread may still use the page */
	}
	pmap_shootdown_enabled = shootdown;
	error = pmap_set_guard((vm_offset_t)page, true);
	pmap_shootdown_enabled = true;
	if (error != 0) {
		kprintf("pmap: guard-remote: pmap_set_guard: error %d\n",
		    error);
		atomic_store_rel_int(&ps->ps_stage, PGT_GUARDED);
		return (error);
	}
	atomic_store_rel_int(&ps->ps_stage, PGT_GUARDED);
	if (!pgt_wait(ps, PGT_DONE)) {
		kprintf("pmap: guard-remote: cpu %d did not come back\n",
		    other);
		return (EIO);
	}
	kprintf("pmap: guard-remote: cpu %d read the guard page (%#x) "
	    "through a stale translation\n", other, ps->ps_seen);
	pmap_set_guard((vm_offset_t)page, false);
	kmem_free(page, PAGE_SIZE);
	return (EFAULT);
}

static int
cmd_pmap(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "guard-remote") == 0)
		return (pgt_guard_remote(true));
	if (argc == 3 && strcmp(argv[1], "guard-remote") == 0 &&
	    strcmp(argv[2], "noshootdown") == 0)
		return (pgt_guard_remote(false));
	kprintf("usage: pmap guard-remote [noshootdown]\n");
	return (EINVAL);
}
KMONITOR_COMMAND(pmap,
    "test the guard page TLB shootdown (pmap guard-remote [noshootdown])",
    cmd_pmap);

KTEST(pmap_guard_shootdown)
{
	char *p = kmem_alloc(2 * PAGE_SIZE, M_WAITOK);
	u_long *before = (u_long *)(p + PAGE_SIZE);	/* MAXCPU fit */
	vm_offset_t va = (vm_offset_t)p;

	KT_ASSERT(p != NULL);
	if (ncpus > pmap_shootdown_max_cpus) {	/* local flush only */
		kmem_free(p, 2 * PAGE_SIZE);
		return;
	}
	for (int i = 0; i < ncpus; i++)
		before[i] = atomic_load_acq_long(&pmap_shootdowns_done[i]);
	KT_ASSERT(pmap_set_guard(va, true) == 0);
	/* Other tests may flush too: at least one more on each other cpu. */
	for (int i = 0; i < ncpus; i++) {
		if (i != mycpuid && ATOMIC_CPUMASK_TESTBIT(smp_active_mask, i))
			KT_EXPECT(atomic_load_acq_long(
			    &pmap_shootdowns_done[i]) > before[i]);
	}
	KT_ASSERT(pmap_set_guard(va, false) == 0);
	p[0] = 1;
	kmem_free(p, 2 * PAGE_SIZE);
}
