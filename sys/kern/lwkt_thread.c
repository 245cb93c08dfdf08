/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * lwkt_thread.c - LWKT threads and the per-cpu scheduler.
 *
 * Model.  Each cpu runs its own scheduler over its own run queue
 * (gd_tdrunq), sorted by td_pri, highest first; equal priorities are
 * served round-robin.  The running thread stays on the run queue while it
 * runs; a thread blocks by taking itself off (lwkt_deschedule_self) and
 * calling lwkt_switch().  When the queue is empty the cpu runs its idle
 * thread, which is never on the queue.  A thread's life:
 *
 *	lwkt_create -> [runnable <-> running <-> blocked]* -> lwkt_exit
 *	    -> parked in gd_freetd -> freed by the next thread on that cpu
 *
 * Invariants.
 *  - td->td_gd changes only through lwkt_migratecpu(), carried out by an
 *    IPI message to the target cpu after the thread has switched out.
 *  - Only the owning cpu touches a thread's queue linkage and td_flags,
 *    always inside a critical section; other cpus send IPI messages
 *    (lwkt_schedule of a remote thread is an IPI).
 *  - A switch releases every token of the outgoing thread; the incoming
 *    thread gets all of its tokens back before it runs, or does not run
 *    (lwkt_getalltokens is all-or-nothing).
 *  - Only interrupt threads (td_preemptable set) preempt, and only a
 *    thread that is outside any critical section of its own; a preempted
 *    thread keeps its tokens and resumes as soon as the preemptor blocks.
 *
 * Locking: per-cpu data is protected by critical sections; nothing here
 * takes a lock.  lwkt_switch() may be called with a critical section held.
 *
 * Machine-dependent hooks: cpu_thread_init, cpu_lwkt_switch,
 * cpu_thread_free, cpu_idle_halt (sys/sys/cpu_md.h).
 * More: docs/design/lwkt.md.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/malloc.h>
#include <sys/cpu_md.h>
#include <vm/vm_page.h>

MALLOC_DEFINE(M_LWKT, "lwkt", "LWKT thread structures");

struct globaldata *globaldata_array[MAXCPU];
cpumask_t smp_active_mask;
int ncpus = 1;

static void lwkt_free_thread(struct thread *td);

/*
 * Run-queue primitives.  Context: the owning cpu, critical section.
 */
static void
lwkt_enqueue(struct thread *td)
{
	struct globaldata *gd = td->td_gd;
	struct thread *xtd;

	if (td->td_flags & (TDF_RUNQ | TDF_MIGRATING | TDF_IDLETHREAD))
		return;
	td->td_flags |= TDF_RUNQ;
	xtd = TAILQ_FIRST(&gd->gd_tdrunq);
	if (xtd == NULL) {
		TAILQ_INSERT_HEAD(&gd->gd_tdrunq, td, td_threadq);
		atomic_set_int(&gd->gd_reqflags, RQF_RUNNING);
	} else if (td->td_pri > xtd->td_pri) {
		TAILQ_INSERT_HEAD(&gd->gd_tdrunq, td, td_threadq);
		atomic_set_int(&gd->gd_reqflags, RQF_AST_LWKT_RESCHED);
	} else {
		/* Scan from the tail: equal priorities go after, round-robin. */
		xtd = TAILQ_LAST(&gd->gd_tdrunq, lwkt_queue);
		while (xtd != NULL && xtd->td_pri < td->td_pri)
			xtd = TAILQ_PREV(xtd, lwkt_queue, td_threadq);
		if (xtd == NULL)
			TAILQ_INSERT_HEAD(&gd->gd_tdrunq, td, td_threadq);
		else
			TAILQ_INSERT_AFTER(&gd->gd_tdrunq, xtd, td, td_threadq);
	}
	gd->gd_tdrunqcount++;
}

static void
lwkt_dequeue(struct thread *td)
{
	struct globaldata *gd = td->td_gd;

	if ((td->td_flags & TDF_RUNQ) == 0)
		return;
	td->td_flags &= ~TDF_RUNQ;
	TAILQ_REMOVE(&gd->gd_tdrunq, td, td_threadq);
	if (--gd->gd_tdrunqcount == 0)
		atomic_clear_int(&gd->gd_reqflags, RQF_RUNNING);
}

/*
 * lwkt_init_thread - fill in a new thread.  It starts inside a critical
 * section (td_critcount 1), which lwkt_thread_start() leaves.
 */
static void
lwkt_init_thread(struct thread *td, void *stack, size_t stksize,
    struct globaldata *gd)
{
	td->td_gd = gd;
	td->td_kstack = stack;
	td->td_kstack_size = stksize;
	td->td_pri = TDPRI_KERN_DAEMON;
	td->td_critcount = 1;
	td->td_toks_have = td->td_toks_array;
	td->td_toks_stop = td->td_toks_array;
	lwkt_initport_thread(&td->td_msgport, td);
}

/*
 * lwkt_gdinit - initialize a cpu's globaldata and its idle thread.
 *
 * Context: boot, before the cpu schedules anything.  The platform calls it
 * for every cpu on the boot cpu; the context that later runs on the cpu
 * (its boot stack) becomes the idle thread.
 */
void
lwkt_gdinit(struct globaldata *gd, int cpuid)
{
	struct thread *td = &gd->gd_idlethread;

	gd->gd_prvspace = gd;
	gd->gd_cpuid = cpuid;
	CPUMASK_ASSZERO(gd->gd_cpumask);
	CPUMASK_ORBIT(gd->gd_cpumask, cpuid);
	TAILQ_INIT(&gd->gd_tdrunq);
	TAILQ_INIT(&gd->gd_tdallq);
	globaldata_array[cpuid] = gd;

	lwkt_init_thread(td, NULL, 0, gd);
	td->td_pri = TDPRI_IDLE_THREAD;
	td->td_flags = TDF_IDLETHREAD | TDF_RUNNING | TDF_SYSTHREAD;
	td->td_critcount = 0;
	ksnprintf(td->td_comm, sizeof(td->td_comm), "idle_%d", cpuid);
	TAILQ_INSERT_TAIL(&gd->gd_tdallq, td, td_allq);
	gd->gd_tdallcount++;
	gd->gd_curthread = td;
}

static void
lwkt_link_allq_remote(void *arg, int unused __unused,
    struct intrframe *frame __unused)
{
	struct thread *td = arg;
	struct globaldata *gd = mycpu;

	TAILQ_INSERT_TAIL(&gd->gd_tdallq, td, td_allq);
	gd->gd_tdallcount++;
	if ((td->td_flags & TDF_NOSTART) == 0)
		lwkt_enqueue(td);
	td->td_flags &= ~TDF_NOSTART;
}

/*
 * lwkt_create - create a kernel thread running func(arg) on cpu.
 *
 * cpu is a cpu id or LWKT_CREATE_CPU_ANY (round-robin).  The thread is
 * scheduled unless tdflags has TDF_NOSTART.  *tdp, if not NULL, receives
 * the thread; the caller must lwkt_hold() it before the thread can exit
 * if it means to use the pointer afterwards.
 *
 * Returns 0, or ENOMEM (never with the default M_WAITOK allocation; kept
 * for callers that may later ask for M_NOWAIT).
 * Context: thread; may block for memory.
 */
int
lwkt_create(void (*func)(void *), void *arg, struct thread **tdp,
    u_int tdflags, int cpu, const char *fmt, ...)
{
	static volatile u_int next_cpu;
	struct globaldata *gd;
	struct thread *td;
	void *stack;
	va_list ap;

	if (cpu == LWKT_CREATE_CPU_ANY)
		cpu = (int)(atomic_fetchadd_int(&next_cpu, 1) % (u_int)ncpus);
	KASSERT(cpu >= 0 && cpu < ncpus, ("lwkt_create: bad cpu %d", cpu));
	gd = globaldata_find(cpu);

	td = kmalloc(sizeof(*td), M_LWKT, M_WAITOK | M_ZERO);
	stack = kmem_alloc(KSTACK_BYTES, M_WAITOK);
	lwkt_init_thread(td, stack, KSTACK_BYTES, gd);
	td->td_func = func;
	td->td_arg = arg;
	td->td_flags = tdflags & (TDF_NOSTART | TDF_INTTHREAD | TDF_SYSTHREAD |
	    TDF_FIXEDCPU);
	if (td->td_flags & TDF_INTTHREAD)
		td->td_preemptable = lwkt_preempt;
	va_start(ap, fmt);
	kvsnprintf(td->td_comm, sizeof(td->td_comm), fmt, ap);
	va_end(ap);
	cpu_thread_init(td);
	if (tdp != NULL)
		*tdp = td;

	crit_enter();
	if (gd == mycpu) {
		lwkt_link_allq_remote(td, 0, NULL);
	} else {
		lwkt_send_ipiq3(gd, lwkt_link_allq_remote, td, 0);
	}
	crit_exit();
	return (0);
}

/*
 * lwkt_thread_start - first code a new thread runs, called by the
 * platform's trampoline with the thread that switched to it.
 */
void
lwkt_thread_start(struct thread *otd)
{
	struct thread *td = curthread;

	lwkt_switch_return(otd);
	crit_exit_quick(td);
	td->td_func(td->td_arg);
	lwkt_exit();
}

/*
 * lwkt_exit - end the current thread.  Waits until nobody holds it
 * (td_refs), leaves the scheduler and switches away for the last time;
 * the next thread to run on this cpu frees it.
 */
void
lwkt_exit(void)
{
	struct thread *td = curthread;
	struct globaldata *gd;

	KASSERT(td->td_toks_stop == td->td_toks_array,
	    ("lwkt_exit: %s exits holding tokens", td->td_comm));
	while (atomic_load_acq_int((volatile u_int *)&td->td_refs) != 0)
		tsleep(td, 0, "tdrefs", 1);
	crit_enter_quick(td);
	gd = td->td_gd;
	td->td_flags |= TDF_EXITING;
	lwkt_dequeue(td);
	TAILQ_REMOVE(&gd->gd_tdallq, td, td_allq);
	gd->gd_tdallcount--;
	lwkt_switch();
	panic("lwkt_exit: thread %s resumed after exit", td->td_comm);
}

static void
lwkt_free_thread(struct thread *td)
{
	cpu_thread_free(td);
	kmem_free(td->td_kstack, td->td_kstack_size);
	kfree(td, M_LWKT);
}

void
lwkt_hold(struct thread *td)
{
	atomic_add_int((volatile u_int *)&td->td_refs, 1);
}

void
lwkt_rele(struct thread *td)
{
	KASSERT(td->td_refs > 0, ("lwkt_rele: %s not held", td->td_comm));
	atomic_subtract_int((volatile u_int *)&td->td_refs, 1);
}

static void
lwkt_setcpu_remote(void *arg, int unused __unused,
    struct intrframe *frame __unused)
{
	struct thread *td = arg;
	struct globaldata *gd = mycpu;

	/*
	 * Other cpus may look at a migrating thread (a message port follows
	 * its owner): publish the new owner before the end of the migration.
	 */
	atomic_store_rel_ptr((volatile uintptr_t *)&td->td_gd, (uintptr_t)gd);
	TAILQ_INSERT_TAIL(&gd->gd_tdallq, td, td_allq);
	gd->gd_tdallcount++;
	atomic_clear_int(&td->td_flags, TDF_MIGRATING);
	lwkt_enqueue(td);
}

/*
 * lwkt_switch_return - finish a switch, in the context of the thread that
 * now runs: the previous thread is no longer using its stack, so it may
 * now migrate to its new cpu or be freed.
 */
void
lwkt_switch_return(struct thread *otd)
{
	struct globaldata *tgd;

	if (otd->td_flags & TDF_EXITING) {
		lwkt_free_thread(otd);
		return;
	}
	otd->td_flags &= ~TDF_RUNNING;
	if ((tgd = otd->td_migrate_gd) != NULL &&
	    (otd->td_flags & TDF_PREEMPT_LOCK) == 0) {
		otd->td_migrate_gd = NULL;
		lwkt_send_ipiq3(tgd, lwkt_setcpu_remote, otd, 0);
	}
}

/*
 * lwkt_pick_thread - choose the next thread to run, with all of its
 * tokens acquired.  Threads whose tokens are busy are skipped; if nobody
 * can run, the idle thread runs and a reschedule stays requested so the
 * idle thread does not halt while contention lasts.
 */
static struct thread *
lwkt_pick_thread(struct globaldata *gd)
{
	struct thread *ntd;

	TAILQ_FOREACH(ntd, &gd->gd_tdrunq, td_threadq) {
		if (ntd->td_toks_stop == ntd->td_toks_array ||
		    lwkt_getalltokens(ntd, false)) {
			ntd->td_contended = 0;
			return (ntd);
		}
		ntd->td_contended++;
		gd->gd_cnt.v_token_colls++;
	}
	if (!TAILQ_EMPTY(&gd->gd_tdrunq))
		atomic_set_int(&gd->gd_reqflags, RQF_AST_LWKT_RESCHED);
	return (&gd->gd_idlethread);
}

/*
 * lwkt_switch - give up the cpu to the best runnable thread (possibly
 * ourselves).  The caller either blocks (it descheduled itself first) or
 * yields.  Releases all of our tokens; we get them back before we run.
 *
 * Context: thread, never a hard critical section (an interrupt or IPI
 * handler).  A soft critical section may be held.
 */
void
lwkt_switch(void)
{
	struct globaldata *gd = mycpu;
	struct thread *td = gd->gd_curthread;
	struct thread *ntd, *otd;

	KASSERT(gd->gd_intr_nesting_level == 0 || panicstr != NULL,
	    ("lwkt_switch: switch in a hard context (level %d)",
	    gd->gd_intr_nesting_level));
	KASSERT(gd->gd_processing_ipiq == 0, ("lwkt_switch: in IPI handler"));

	crit_enter_quick(td);
	if (td->td_toks_have > td->td_toks_array)
		lwkt_relalltokens(td);
	KASSERT(gd->gd_spinlocks == 0,
	    ("lwkt_switch: %s holds %d spinlocks", td->td_comm,
	    gd->gd_spinlocks));

	if ((ntd = td->td_preempted) != NULL) {
		/* We preempted ntd: it resumes now, with its tokens intact. */
		KKASSERT(ntd->td_flags & TDF_PREEMPT_LOCK);
		ntd->td_flags |= TDF_PREEMPT_DONE;
		td->td_preempted = NULL;
		if (TAILQ_FIRST(&gd->gd_tdrunq) != ntd)
			atomic_set_int(&gd->gd_reqflags, RQF_AST_LWKT_RESCHED);
	} else {
		atomic_clear_int(&gd->gd_reqflags, RQF_AST_LWKT_RESCHED);
		ntd = lwkt_pick_thread(gd);
	}

	if (ntd != td) {
		gd->gd_cnt.v_swtch++;
		ntd->td_switches++;
		ntd->td_flags |= TDF_RUNNING;
		otd = cpu_lwkt_switch(ntd);
		/* We run again, perhaps on another cpu if we migrated. */
		lwkt_switch_return(otd);
	}
	crit_exit_quick(td);
}

/*
 * lwkt_preempt - let interrupt thread ntd, just scheduled on this cpu, run
 * at once if the current thread may be preempted (see the file comment).
 * critcount is the critical-section depth the caller itself added.
 *
 * Context: owning cpu, critical section.
 */
void
lwkt_preempt(struct thread *ntd, int critcount)
{
	struct globaldata *gd = mycpu;
	struct thread *td = gd->gd_curthread;
	struct thread *otd;
	int savelevel;

	if (ntd->td_pri <= td->td_pri || ntd->td_gd != gd)
		return;
	if (td->td_critcount > critcount || td->td_nest_count >= 2 ||
	    td->td_cscount != 0 || gd->gd_spinlocks != 0 ||
	    gd->gd_intr_nesting_level != 0 ||
	    ntd->td_toks_stop != ntd->td_toks_array ||
	    (td->td_flags & (TDF_PREEMPT_LOCK | TDF_IDLETHREAD)) != 0 ||
	    ntd->td_preempted != NULL || (ntd->td_flags & TDF_RUNNING)) {
		atomic_set_int(&gd->gd_reqflags, RQF_AST_LWKT_RESCHED);
		return;
	}
	gd->gd_cnt.v_preempt++;
	gd->gd_cnt.v_swtch++;
	ntd->td_switches++;
	ntd->td_preempted = td;
	td->td_flags |= TDF_PREEMPT_LOCK;
	savelevel = gd->gd_intr_nesting_level;
	gd->gd_intr_nesting_level = 0;
	ntd->td_flags |= TDF_RUNNING;
	otd = cpu_lwkt_switch(ntd);
	KKASSERT(otd == ntd);
	lwkt_switch_return(otd);
	gd->gd_intr_nesting_level = savelevel;
	td->td_flags &= ~(TDF_PREEMPT_LOCK | TDF_PREEMPT_DONE);
}

static void
lwkt_schedule_remote(void *arg, int unused __unused,
    struct intrframe *frame __unused)
{
	lwkt_schedule(arg);
}

/*
 * lwkt_schedule - make td runnable.  On its own cpu this is a queue
 * insert (and perhaps a preemption, for an interrupt thread); on another
 * cpu it is an asynchronous IPI message to the owner.
 */
void
lwkt_schedule(struct thread *td)
{
	struct globaldata *gd = mycpu;

	KASSERT((td->td_flags & TDF_IDLETHREAD) == 0,
	    ("lwkt_schedule: idle thread"));
	crit_enter_gd(gd);
	if (td->td_gd == gd) {
		lwkt_enqueue(td);
		if (td->td_preemptable != NULL && td != gd->gd_curthread)
			td->td_preemptable(td, 1);
		else if (td->td_pri > gd->gd_curthread->td_pri)
			atomic_set_int(&gd->gd_reqflags, RQF_AST_LWKT_RESCHED);
	} else {
		lwkt_send_ipiq3(td->td_gd, lwkt_schedule_remote, td, 0);
	}
	crit_exit_gd(gd);
}

void
lwkt_schedule_self(struct thread *td)
{
	KKASSERT(td == curthread);
	crit_enter_quick(td);
	lwkt_enqueue(td);
	crit_exit_quick(td);
}

static void
lwkt_deschedule_remote(void *arg, int unused __unused,
    struct intrframe *frame __unused)
{
	lwkt_deschedule(arg);
}

void
lwkt_deschedule(struct thread *td)
{
	struct globaldata *gd = mycpu;

	crit_enter_gd(gd);
	if (td->td_gd == gd)
		lwkt_dequeue(td);
	else
		lwkt_send_ipiq3(td->td_gd, lwkt_deschedule_remote, td, 0);
	crit_exit_gd(gd);
}

void
lwkt_deschedule_self(struct thread *td)
{
	KKASSERT(td == curthread);
	crit_enter_quick(td);
	lwkt_dequeue(td);
	crit_exit_quick(td);
}

/* Change a thread's priority; context: the owning cpu. */
void
lwkt_setpri(struct thread *td, int pri)
{
	KASSERT(pri >= 0 && pri <= TDPRI_MAX, ("lwkt_setpri: %d", pri));
	KASSERT(td->td_gd == mycpu, ("lwkt_setpri: remote thread"));
	crit_enter();
	if (td->td_flags & TDF_RUNQ) {
		lwkt_dequeue(td);
		td->td_pri = pri;
		lwkt_enqueue(td);
	} else {
		td->td_pri = pri;
	}
	crit_exit();
}

void
lwkt_setpri_self(int pri)
{
	lwkt_setpri(curthread, pri);
}

bool
lwkt_resched_wanted(void)
{
	return ((atomic_load_relaxed(&mycpu->gd_reqflags) & RQF_AST_LWKT_RESCHED) != 0);
}

/*
 * lwkt_yield - let pending interrupts, IPIs and other threads of equal or
 * higher priority run.  Cheap enough for tight loops: it switches only
 * when a reschedule was requested (a new head of the run queue, or the
 * clock's round-robin tick).
 */
void
lwkt_yield(void)
{
	struct globaldata *gd = mycpu;
	struct thread *td = gd->gd_curthread;

	if ((atomic_load_relaxed(&gd->gd_reqflags) & RQF_IDLECHECK_MASK) && td->td_critcount == 0)
		lwkt_splz();
	if ((atomic_load_relaxed(&gd->gd_reqflags) & RQF_AST_LWKT_RESCHED) == 0)
		return;
	crit_enter_quick(td);
	if (td->td_flags & TDF_RUNQ) {
		/* Go behind the threads of our own priority. */
		lwkt_dequeue(td);
		lwkt_enqueue(td);
	}
	atomic_set_int(&td->td_mpflags, TDF_MP_DIDYIELD);
	lwkt_switch();
	crit_exit_quick(td);
}

/*
 * lwkt_schedulerclock - the clock's round-robin hook, every tick.
 * Context: hard critical section on the thread's cpu.
 */
void
lwkt_schedulerclock(struct thread *td)
{
	struct globaldata *gd = td->td_gd;
	struct thread *xtd = TAILQ_FIRST(&gd->gd_tdrunq);

	if (xtd == NULL)
		return;
	if (xtd != td) {
		atomic_set_int(&gd->gd_reqflags, RQF_AST_LWKT_RESCHED);
		return;
	}
	xtd = TAILQ_NEXT(td, td_threadq);
	if (xtd != NULL && xtd->td_pri == td->td_pri)
		atomic_set_int(&gd->gd_reqflags, RQF_AST_LWKT_RESCHED);
}

/*
 * lwkt_migratecpu - move the current thread to cpu cpuid.  The thread
 * takes itself off this cpu and switches away; lwkt_switch_return, run by
 * the next thread here, sends it to the target, which queues it.
 */
void
lwkt_migratecpu(int cpuid)
{
	struct thread *td = curthread;
	struct globaldata *gd = td->td_gd;
	struct globaldata *tgd;

	KASSERT(cpuid >= 0 && cpuid < ncpus, ("lwkt_migratecpu: %d", cpuid));
	KASSERT((td->td_flags & TDF_FIXEDCPU) == 0,
	    ("lwkt_migratecpu: %s is fixed to its cpu", td->td_comm));
	tgd = globaldata_find(cpuid);
	if (tgd == gd)
		return;
	crit_enter_quick(td);
	td->td_flags |= TDF_MIGRATING;
	lwkt_dequeue(td);
	TAILQ_REMOVE(&gd->gd_tdallq, td, td_allq);
	gd->gd_tdallcount--;
	td->td_migrate_gd = tgd;
	lwkt_switch();
	KASSERT(td->td_gd == tgd && mycpu == tgd,
	    ("lwkt_migratecpu: %s did not arrive on cpu %d", td->td_comm,
	    cpuid));
	crit_exit_quick(td);
}

/*
 * lwkt_sleep - block until someone calls lwkt_schedule() on us.  The raw
 * LWKT block, used by message ports.  Context: critical section held by
 * the caller, which makes "check, then sleep" atomic against local wakers.
 */
void
lwkt_sleep(const char *wmesg, int flags __unused)
{
	struct thread *td = curthread;

	KASSERT(td->td_critcount > 0, ("lwkt_sleep: not in a critical section"));
	td->td_wmesg = wmesg;
	td->td_flags |= TDF_BLOCKED;
	lwkt_deschedule_self(td);
	lwkt_switch();
	td->td_flags &= ~TDF_BLOCKED;
	td->td_wmesg = NULL;
}

void
crit_panic(void)
{
	panic("crit_exit: critical section count went negative (thread %s)",
	    curthread->td_comm);
}

/*
 * lwkt_idle_loop - the idle thread of each cpu.  Runs outside any
 * critical section: pending interrupts and IPIs are run, runnable threads
 * are switched to, and otherwise the cpu halts until something arrives.
 */
void
lwkt_idle_loop(void)
{
	struct globaldata *gd = mycpu;
	struct thread *td = gd->gd_curthread;

	KKASSERT(td == &gd->gd_idlethread);
	for (;;) {
		if (atomic_load_relaxed(&gd->gd_reqflags) & RQF_IDLECHECK_MASK)
			lwkt_splz();
		if (atomic_load_relaxed(&gd->gd_reqflags) & (RQF_RUNNING | RQF_AST_LWKT_RESCHED)) {
			lwkt_switch();
			continue;
		}
		cpu_idle_halt(gd);
	}
}
