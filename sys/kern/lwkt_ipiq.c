/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * lwkt_ipiq.c - inter-processor messages (IPI queues) and cpusync.
 *
 * Model.  Cpu S sends work to cpu T by writing (function, arg1, arg2) into
 * the FIFO S->gd_ipiq[T], setting bit S in T->gd_ipimask and RQF_IPIQ in
 * T->gd_reqflags, and, unless one is already in flight (T->gd_npoll),
 * raising a hardware IPI (cpu_send_ipiq).  T runs the entries in order
 * from its IPI interrupt, or at its next crit_exit or idle-loop pass if
 * the interrupt arrived inside a critical section.  Messages are
 * asynchronous; lwkt_wait_ipiq() waits for one to have run.
 *
 * Invariants.
 *  - Each FIFO has one writer (cpu S, which alone advances ip_windex) and
 *    one reader (cpu T, which alone advances ip_rindex/ip_xindex), so it
 *    needs no lock: the entry is written before the release-store of
 *    ip_windex, and read after the acquire-load of it.
 *  - A FIFO never holds more than its size: a sender that finds it more
 *    than half full drains its *own* incoming FIFOs while it waits, so
 *    two cpus flooding each other always make progress.  Inside an IPI
 *    handler the limit is raised to nearly full, so handlers may send.
 *  - T clears RQF_IPIQ and its mask bits before reading the FIFOs and a
 *    sender sets them after writing, so no entry is ever left unseen.
 *
 * Locking: none; critical sections only.  Handlers run in a hard
 * critical section (gd_intr_nesting_level > 0): they must not block.
 *
 * Machine-dependent hook: cpu_send_ipiq().  More: docs/design/lwkt.md.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/malloc.h>
#include <sys/cpu_md.h>
#include <cpu/atomic.h>
#include <cpu/cpufunc.h>

MALLOC_DEFINE(M_IPIQ, "ipiq", "IPI message FIFOs");

#define IPIQ_ENTRIES_SMALL	256	/* per FIFO, up to 16 cpus */
#define IPIQ_ENTRIES_MEDIUM	64	/* up to 64 cpus */
#define IPIQ_ENTRIES_LARGE	32	/* beyond: ncpus^2 FIFOs add up */
#define IPIQ_MAX_DRAIN_DEPTH	4	/* nested draining while full */
#define IPIQ_WAIT_WARN_NS	1000000000ULL	/* 1 s */

static u_int
ipiq_entries(void)
{
	if (ncpus <= 16)
		return (IPIQ_ENTRIES_SMALL);
	if (ncpus <= 64)
		return (IPIQ_ENTRIES_MEDIUM);
	return (IPIQ_ENTRIES_LARGE);
}

/*
 * lwkt_ipiq_init - allocate every (source, target) FIFO.  Context: boot,
 * after kmalloc_init and before the other cpus start.
 */
void
lwkt_ipiq_init(void)
{
	u_int entries = ipiq_entries();

	for (int s = 0; s < ncpus; s++) {
		struct globaldata *gd = globaldata_find(s);

		gd->gd_ipiq = kmalloc(sizeof(struct lwkt_ipiq) * ncpus, M_IPIQ,
		    M_WAITOK | M_ZERO);
		for (int t = 0; t < ncpus; t++) {
			struct lwkt_ipiq *ip = &gd->gd_ipiq[t];

			ip->ip_mask = entries - 1;
			ip->ip_info = kmalloc(sizeof(*ip->ip_info) * entries,
			    M_IPIQ, M_WAITOK | M_ZERO);
		}
	}
}

/*
 * Run the entries of one FIFO; returns true if more arrived meanwhile.
 * Re-entrant: a handler that waits for room in a full FIFO drains its own
 * incoming FIFOs, possibly this one, so the read index is re-read from
 * ip_rindex (written only by this cpu) for every entry, never cached.
 */
static bool
ipiq_process_fifo(struct lwkt_ipiq *ip, struct intrframe *frame)
{
	struct globaldata *gd = mycpu;
	u_int wi = atomic_load_acq_int(&ip->ip_windex);
	struct lwkt_ipiq_entry e;
	u_int ri;

	for (;;) {
		ri = atomic_load_relaxed(&ip->ip_rindex);
		if (ri == wi)
			break;
		e = ip->ip_info[ri & ip->ip_mask];
		atomic_store_rel_int(&ip->ip_rindex, ri + 1);
		gd->gd_cnt.v_ipi_recv++;
		e.ie_func(e.ie_arg1, e.ie_arg2, frame);
		if ((int)(ri + 1 - atomic_load_relaxed(&ip->ip_xindex)) > 0)
			atomic_store_rel_int(&ip->ip_xindex, ri + 1);
	}
	return (atomic_load_relaxed(&ip->ip_rindex) !=
	    atomic_load_acq_int(&ip->ip_windex));
}

static void
ipiq_process(struct intrframe *frame)
{
	struct globaldata *gd = mycpu;
	uint64_t bits;
	int src;

	++gd->gd_processing_ipiq;
	atomic_swap_int((volatile u_int *)&gd->gd_npoll, 0);
	atomic_clear_int(&gd->gd_reqflags, RQF_IPIQ);
	for (int w = 0; w < CPUMASK_WORDS; w++) {
		bits = atomic_swap_64(&gd->gd_ipimask.cm_word[w], 0);
		while (bits != 0) {
			src = w * CPUMASK_WORD_BITS + __builtin_ctzll(bits);
			bits &= bits - 1;
			if (ipiq_process_fifo(
			    &globaldata_find(src)->gd_ipiq[gd->gd_cpuid],
			    frame)) {
				ATOMIC_CPUMASK_ORBIT(gd->gd_ipimask, src);
				atomic_set_int(&gd->gd_reqflags, RQF_IPIQ);
			}
		}
	}
	--gd->gd_processing_ipiq;
}

/*
 * lwkt_process_ipiq - run every message queued for this cpu.
 * Context: any; runs the handlers in a hard critical section.
 */
void
lwkt_process_ipiq(void)
{
	crit_enter_hard();
	ipiq_process(NULL);
	crit_exit_hard();
}

/* Wait for room in a full FIFO, draining our own incoming FIFOs. */
static void
ipiq_wait_for_room(struct globaldata *gd, struct globaldata *target,
    struct lwkt_ipiq *ip)
{
	u_int entries = ip->ip_mask + 1;
	u_int high, low;

	if (gd->gd_processing_ipiq == 0) {
		high = entries / 2;
		low = entries / 4;
	} else {
		high = entries - 2;
		low = entries - 4;
	}
	if (ip->ip_windex - atomic_load_acq_int(&ip->ip_rindex) <= high)
		return;
	gd->gd_cnt.v_ipi_fifofull++;
	while (ip->ip_windex - atomic_load_acq_int(&ip->ip_rindex) > low) {
		atomic_set_int(&target->gd_reqflags, RQF_IPIQ);
		cpu_send_ipiq(target->gd_cpuid);
		if ((atomic_load_relaxed(&gd->gd_reqflags) & RQF_IPIQ) &&
		    gd->gd_processing_ipiq < IPIQ_MAX_DRAIN_DEPTH)
			ipiq_process(NULL);
		cpu_pause();
	}
}

/*
 * lwkt_send_ipiq3 - run func(arg1, arg2, frame) on target, asynchronously.
 * On our own cpu it is called at once.  Returns a sequence number for
 * lwkt_wait_ipiq().  Context: any; never blocks (may spin on a full FIFO).
 */
int
lwkt_send_ipiq3(struct globaldata *target, ipifunc3_t func, void *arg1,
    int arg2)
{
	struct globaldata *gd = mycpu;
	struct lwkt_ipiq *ip;
	u_int wi;

	if (target == gd) {
		crit_enter_hard();
		func(arg1, arg2, NULL);
		crit_exit_hard();
		return (0);
	}
	crit_enter_hard();
	ip = &gd->gd_ipiq[target->gd_cpuid];
	ipiq_wait_for_room(gd, target, ip);
	wi = ip->ip_windex;
	ip->ip_info[wi & ip->ip_mask] =
	    (struct lwkt_ipiq_entry){ func, arg1, arg2 };
	atomic_store_rel_int(&ip->ip_windex, wi + 1);
	ATOMIC_CPUMASK_ORBIT(target->gd_ipimask, gd->gd_cpuid);
	atomic_set_int(&target->gd_reqflags, RQF_IPIQ);
	gd->gd_cnt.v_ipi_sent++;
	if (atomic_swap_int((volatile u_int *)&target->gd_npoll, 1) == 0) {
		gd->gd_cnt.v_ipi_hw++;
		cpu_send_ipiq(target->gd_cpuid);
	} else {
		gd->gd_cnt.v_ipi_avoided++;
	}
	crit_exit_hard();
	return ((int)(wi + 1));
}

/*
 * lwkt_send_ipiq3_passive - queue without signalling: the target runs
 * the message at its next IPI or clock tick.  Signals anyway when the FIFO
 * is a quarter full.
 */
int
lwkt_send_ipiq3_passive(struct globaldata *target, ipifunc3_t func,
    void *arg1, int arg2)
{
	struct globaldata *gd = mycpu;
	struct lwkt_ipiq *ip;
	u_int wi;

	if (target == gd)
		return (lwkt_send_ipiq3(target, func, arg1, arg2));
	ip = &gd->gd_ipiq[target->gd_cpuid];
	if (ip->ip_windex - atomic_load_acq_int(&ip->ip_rindex) >
	    (ip->ip_mask + 1) / 4)
		return (lwkt_send_ipiq3(target, func, arg1, arg2));
	crit_enter_hard();
	wi = ip->ip_windex;
	ip->ip_info[wi & ip->ip_mask] =
	    (struct lwkt_ipiq_entry){ func, arg1, arg2 };
	atomic_store_rel_int(&ip->ip_windex, wi + 1);
	ATOMIC_CPUMASK_ORBIT(target->gd_ipimask, gd->gd_cpuid);
	gd->gd_cnt.v_ipi_sent++;
	crit_exit_hard();
	return ((int)(wi + 1));
}

/* Send to every cpu in mask (ourselves included, if set); returns count. */
int
lwkt_send_ipiq3_mask(cpumask_t mask, ipifunc3_t func, void *arg1, int arg2)
{
	int me = mycpuid, n = 0;

	for (int i = 0; i < ncpus; i++) {
		int cpu = (me + i) % ncpus;

		if (CPUMASK_TESTBIT(mask, cpu)) {
			lwkt_send_ipiq3(globaldata_find(cpu), func, arg1, arg2);
			n++;
		}
	}
	return (n);
}

/*
 * lwkt_wait_ipiq - wait until message seq sent to target has run.  Spins,
 * running our own incoming messages meanwhile.  Context: thread or
 * critical section; not in an IPI handler.
 */
void
lwkt_wait_ipiq(struct globaldata *target, int seq)
{
	struct globaldata *gd = mycpu;
	struct lwkt_ipiq *ip;
	uint64_t start = 0;
	bool warned = false;

	if (target == gd || seq == 0)
		return;
	ip = &gd->gd_ipiq[target->gd_cpuid];
	while ((int)(atomic_load_acq_int(&ip->ip_xindex) - (u_int)seq) < 0) {
		if (atomic_load_relaxed(&gd->gd_reqflags) & RQF_IPIQ)
			lwkt_process_ipiq();
		cpu_pause();
		if (start == 0) {
			start = nanouptime_ns();
		} else if (!warned &&
		    nanouptime_ns() - start > IPIQ_WAIT_WARN_NS) {
			kprintf("ipiq: cpu %d waits >1s for cpu %d (seq %d)\n",
			    gd->gd_cpuid, target->gd_cpuid, seq);
			warned = true;
		}
	}
}

static void
ipiq_noop(void *arg __unused, int arg2 __unused,
    struct intrframe *frame __unused)
{
}

/* Make sure every message sent to any cpu before this call has run. */
void
lwkt_synchronize_ipiqs(const char *wmesg __unused)
{
	for (int i = 0; i < ncpus; i++) {
		struct globaldata *tgd = globaldata_find(i);

		lwkt_wait_ipiq(tgd, lwkt_send_ipiq3(tgd, ipiq_noop, NULL, 0));
	}
}

/*
 * lwkt_intr_poll - an interrupt arrived on this cpu (clock, IPI, host
 * signal): run what has been posted, unless this cpu is in a critical
 * section, in which case crit_exit will (the posters set gd_reqflags).
 * Preemption is never done from here: an interrupt thread scheduled now
 * runs at the interrupted thread's next switch or yield.
 */
void
lwkt_intr_poll(struct intrframe *frame)
{
	struct globaldata *gd = mycpu;
	struct thread *td = gd->gd_curthread;

	gd->gd_cnt.v_intr++;
	if (td->td_critcount != 0 || td->td_nest_count != 0 ||
	    gd->gd_intr_nesting_level != 0)
		return;
	crit_enter_hard();
	while (atomic_load_relaxed(&gd->gd_reqflags) & (RQF_IPIQ | RQF_TIMER)) {
		if (atomic_load_relaxed(&gd->gd_reqflags) & RQF_IPIQ)
			ipiq_process(frame);
		if (atomic_load_relaxed(&gd->gd_reqflags) & RQF_TIMER)
			hardclock_process(gd);
	}
	crit_exit_hard_noyield();
}

/*
 * lwkt_splz - run deferred interrupts and IPIs now.  Context: thread,
 * leaving its outermost critical section (crit_exit) or in the idle loop.
 */
void
lwkt_splz(void)
{
	struct globaldata *gd = mycpu;
	struct thread *td = gd->gd_curthread;

	if (td->td_nest_count >= 2 || gd->gd_intr_nesting_level != 0)
		return;
	++td->td_nest_count;
	while (atomic_load_relaxed(&gd->gd_reqflags) & RQF_IDLECHECK_MASK) {
		crit_enter_hard();
		if (atomic_load_relaxed(&gd->gd_reqflags) & RQF_IPIQ)
			ipiq_process(NULL);
		if (atomic_load_relaxed(&gd->gd_reqflags) & RQF_TIMER)
			hardclock_process(gd);
		if (atomic_load_relaxed(&gd->gd_reqflags) & RQF_INTPEND) {
			atomic_clear_int(&gd->gd_reqflags, RQF_INTPEND);
			platform_intr_pending();
		}
		crit_exit_hard_noyield();
	}
	--td->td_nest_count;
}

void
lwkt_maybe_splz(struct thread *td)
{
	if (td->td_critcount == 0 && td->td_nest_count < 2 &&
	    td->td_gd->gd_intr_nesting_level == 0)
		lwkt_splz();
}

/*
 * cpusync: run a function on a set of cpus and wait until all have.
 *
 * lwkt_cpusync_interlock() sends every target a message whose handler
 * acknowledges and then holds the target (spinning, still running its own
 * incoming messages) until lwkt_cpusync_deinterlock() releases it; the
 * function runs on each target after the release and on the master
 * itself.  Between the two calls every target is quiesced.  Only one
 * cpusync is in progress at a time (cpusync_busy), which rules out two
 * masters holding each other.
 */
static volatile u_int cpusync_busy;

void
lwkt_cpusync_init(struct lwkt_cpusync *cs, cpumask_t mask,
    void (*func)(void *), void *data)
{
	cs->cs_mask = mask;
	CPUMASK_ASSZERO(cs->cs_mack);
	cs->cs_func = func;
	cs->cs_data = data;
}

static void
cpusync_remote(void *arg, int unused __unused,
    struct intrframe *frame __unused)
{
	struct lwkt_cpusync *cs = arg;
	struct globaldata *gd = mycpu;
	int me = gd->gd_cpuid;

	ATOMIC_CPUMASK_ORBIT(cs->cs_mack, me);
	while (ATOMIC_CPUMASK_TESTBIT(cs->cs_mack, me)) {
		if (atomic_load_relaxed(&gd->gd_reqflags) & RQF_IPIQ)
			ipiq_process(NULL);
		cpu_pause();
	}
	if (cs->cs_func != NULL)
		cs->cs_func(cs->cs_data);
	ATOMIC_CPUMASK_ORBIT(cs->cs_mack, me);
}

/* Wait until cs_mack has the bits of mask, running our own IPIs. */
static void
cpusync_wait_acks(struct lwkt_cpusync *cs, cpumask_t *mask)
{
	struct globaldata *gd = mycpu;

	for (int w = 0; w < CPUMASK_WORDS; w++) {
		while ((atomic_load_acq_64(&cs->cs_mack.cm_word[w]) &
		    mask->cm_word[w]) != mask->cm_word[w]) {
			if (atomic_load_relaxed(&gd->gd_reqflags) & RQF_IPIQ)
				lwkt_process_ipiq();
			cpu_pause();
		}
	}
}

static cpumask_t
cpusync_targets(struct lwkt_cpusync *cs)
{
	cpumask_t mask;

	CPUMASK_ASSZERO(mask);
	for (int i = 0; i < ncpus; i++) {
		if (i != mycpuid && CPUMASK_TESTBIT(cs->cs_mask, i) &&
		    ATOMIC_CPUMASK_TESTBIT(smp_active_mask, i))
			CPUMASK_ORBIT(mask, i);
	}
	return (mask);
}

void
lwkt_cpusync_interlock(struct lwkt_cpusync *cs)
{
	struct thread *td = curthread;
	cpumask_t mask;

	crit_enter_quick(td);
	while (!atomic_cmpset_int(&cpusync_busy, 0, 1)) {
		if (atomic_load_relaxed(&mycpu->gd_reqflags) & RQF_IPIQ)
			lwkt_process_ipiq();
		cpu_pause();
	}
	td->td_cscount++;
	mask = cpusync_targets(cs);
	for (int w = 0; w < CPUMASK_WORDS; w++)
		atomic_store_rel_64(&cs->cs_mack.cm_word[w], 0);
	lwkt_send_ipiq3_mask(mask, cpusync_remote, cs, 0);
	cpusync_wait_acks(cs, &mask);
}

void
lwkt_cpusync_deinterlock(struct lwkt_cpusync *cs)
{
	struct thread *td = curthread;
	cpumask_t mask = cpusync_targets(cs);

	for (int w = 0; w < CPUMASK_WORDS; w++)
		atomic_store_rel_64(&cs->cs_mack.cm_word[w], 0);
	if (cs->cs_func != NULL && CPUMASK_TESTBIT(cs->cs_mask, mycpuid))
		cs->cs_func(cs->cs_data);
	cpusync_wait_acks(cs, &mask);
	td->td_cscount--;
	atomic_store_rel_int(&cpusync_busy, 0);
	crit_exit_quick(td);
}

void
lwkt_cpusync_simple(cpumask_t mask, void (*func)(void *), void *arg)
{
	struct lwkt_cpusync cs;

	lwkt_cpusync_init(&cs, mask, func, arg);
	lwkt_cpusync_interlock(&cs);
	lwkt_cpusync_deinterlock(&cs);
}
