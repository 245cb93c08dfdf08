/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * lwkt_msgport.c - LWKT messages and message ports.
 *
 * A message (struct lwkt_msg) is sent to a target port and comes back,
 * replied, on its reply port.  Between the send and the reply the target
 * owns it; before and after, the originator does.  A port's backend
 * (the mp_* vectors) decides how a message is queued and how a thread
 * waits for one:
 *
 *   thread port	owned by one thread.  Its queues and mp_flags are
 *			touched only on the owner's cpu, in a critical
 *			section.  A put or reply from another cpu travels
 *			there by IPI message (MSGF_INTRANSIT meanwhile) and
 *			follows the owner if it migrated.  The owner waits
 *			with lwkt_sleep(); a waker reschedules it.
 *   spin port		a spinlock (mp_u.spin) protects the queues; any
 *			thread on any cpu may wait, with tsleep() on the
 *			port (waitport) or on the message (waitmsg).
 *   serializer port	like a spin port, but the caller holds the port's
 *			serializer for every operation, and waits release
 *			it while sleeping (lwkt_serialize_sleep).
 *   put-only port	putport is a function of the user's that runs the
 *			request in the sender's context and returns its
 *			result, or EASYNC if it took the message.
 *   reply-only ports	a custom reply function, or (null) one that marks
 *			the message done and wakes a waiter sleeping on it.
 *   panic port		every operation panics.
 *
 * Message life: lwkt_initmsg (DONE) -> lwkt_sendmsg/lwkt_domsg (DONE
 * cleared, SYNC for domsg) -> queued on the target (QUEUED), or run at
 * once by a put-only port -> dequeued by the target -> lwkt_replymsg: a
 * SYNC message gets DONE|REPLY and its waiter is woken; an asynchronous
 * one is queued on the reply port with DONE|REPLY|QUEUED and is retrieved
 * with lwkt_getport/lwkt_waitport/lwkt_waitmsg.
 *
 * Invariants: a message is on at most one queue, and MSGF_QUEUED is set
 * exactly while it is; MSGF_DONE is set exactly once per send, by the
 * reply (lwkt_replymsg asserts it was clear); once DONE is visible to the
 * originator, no other cpu touches the message again; ms_flags is
 * changed only with atomic operations, because the originator may read it
 * from another cpu at any time.
 *
 * Locking: thread ports - owner's cpu, critical section, no lock; spin
 * ports - mp_u.spin, a spinlock (a critical section, no blocking inside);
 * serializer ports - the serializer, held by the caller.  Only the wait
 * functions block.  lwkt_abortmsg calls ms_abortfn in the target's
 * context: for a thread port on the owner's cpu (by IPI message, waiting
 * for it to run), in a critical section.
 *
 * Machine-dependent hooks: none (IPIs through lwkt_send_ipiq3).
 * More: docs/design/msgport.md, docs/design/dragonfly-design.md section 5.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/msgport.h>
#include <sys/msgport2.h>
#include <sys/serialize.h>
#include <cpu/atomic.h>
#include <cpu/cpufunc.h>

/* ms_flags bits a send or a domsg clears. */
#define MSGF_SEND_CLEAR	(MSGF_DONE | MSGF_REPLY | MSGF_SYNC | MSGF_ABORTED | \
			    MSGF_WAITING | MSGF_INTRANSIT)

/*
 * Atomic access to ms_flags.
 */
static inline u_int
msg_flags(struct lwkt_msg *msg)
{
	return (atomic_load_acq_int((volatile u_int *)&msg->ms_flags));
}

static inline void
msg_setf(struct lwkt_msg *msg, u_int flags)
{
	atomic_set_int((volatile u_int *)&msg->ms_flags, flags);
}

static inline void
msg_clrf(struct lwkt_msg *msg, u_int flags)
{
	atomic_clear_int((volatile u_int *)&msg->ms_flags, flags);
}

/* Set flags and return the previous value. */
static inline u_int
msg_fetch_setf(struct lwkt_msg *msg, u_int flags)
{
	return (__atomic_fetch_or((volatile u_int *)&msg->ms_flags, flags,
	    __ATOMIC_SEQ_CST));
}

/*
 * Queue primitives.  Context: whatever protects the port (owner's cpu in
 * a critical section, or the port's spinlock or serializer).
 */
static inline struct lwkt_msg_queue *
port_queue(struct lwkt_port *port, struct lwkt_msg *msg)
{
	if (msg_flags(msg) & MSGF_PRIORITY)
		return (&port->mp_msgq_prio);
	return (&port->mp_msgq);
}

static void
port_enqueue(struct lwkt_port *port, struct lwkt_msg *msg)
{
	KASSERT((msg_flags(msg) & MSGF_QUEUED) == 0,
	    ("msgport: message %p queued twice", msg));
	TAILQ_INSERT_TAIL(port_queue(port, msg), msg, ms_node);
	msg_setf(msg, MSGF_QUEUED);
}

static void
port_remove(struct lwkt_port *port, struct lwkt_msg *msg)
{
	KASSERT(msg_flags(msg) & MSGF_QUEUED,
	    ("msgport: removing unqueued message %p", msg));
	TAILQ_REMOVE(port_queue(port, msg), msg, ms_node);
	msg_clrf(msg, MSGF_QUEUED);
}

/* Dequeue the first message, priority queue first; NULL if empty. */
static struct lwkt_msg *
port_dequeue(struct lwkt_port *port)
{
	struct lwkt_msg *msg;

	if ((msg = TAILQ_FIRST(&port->mp_msgq_prio)) == NULL &&
	    (msg = TAILQ_FIRST(&port->mp_msgq)) == NULL)
		return (NULL);
	port_remove(port, msg);
	return (msg);
}

/*
 * The reply half shared by the locked backends (spin, serializer): mark
 * the message done, queue it unless SYNC, and say whom to wake.
 * Returns the message's flags from before the reply.
 */
static u_int
port_reply_locked(struct lwkt_port *port, struct lwkt_msg *msg)
{
	u_int f = msg_flags(msg);

	msg_setf(msg, MSGF_REPLY);	/* first: see port_dequeuemsg_locked */
	if ((f & MSGF_SYNC) == 0)
		port_enqueue(port, msg);
	msg_setf(msg, MSGF_DONE);
	return (f);
}

/*
 * Remove msg if it sits, unreplied, on port's queue.  0 or ENOENT.
 *
 * NOTE: a reply sets MSGF_REPLY before it queues the message on the reply
 * port (possibly on another cpu or under another lock), so QUEUED without
 * REPLY always means "on the target port", which we do hold.
 */
static int
port_dequeuemsg_locked(struct lwkt_port *port, struct lwkt_msg *msg)
{
	u_int f = msg_flags(msg);

	if ((f & (MSGF_QUEUED | MSGF_REPLY | MSGF_DONE)) != MSGF_QUEUED ||
	    msg->ms_target_port != port)
		return (ENOENT);
	port_remove(port, msg);
	return (0);
}

/*
 * ----------------------------------------------------------------------
 * Thread ports.
 * ----------------------------------------------------------------------
 */

/*
 * thread_port_gd - where the owner td's port may be touched.  Returns
 * NULL if that is here (gd), else the cpu to send the work to.
 *
 * NOTE: a thread that migrated away from gd keeps td_gd == gd until its
 * new cpu has run lwkt_setcpu_remote(), which it does on its own, so we
 * wait for that here (the IPI is already queued).  From thread context
 * we run our own incoming IPIs meanwhile, in case the new cpu is itself
 * waiting here for a thread migrating the other way; not from an IPI
 * handler, because ipiq_process_fifo() is not re-entrant (a nested drain
 * would make the outer loop run entries twice).
 *
 * Context: critical section on gd.
 */
static struct globaldata *
thread_port_gd(struct thread *td, struct globaldata *gd)
{
	struct globaldata *tgd;
	u_int flags;

	for (;;) {
		tgd = __atomic_load_n(&td->td_gd, __ATOMIC_ACQUIRE);
		if (tgd != gd)
			return (tgd);
		/*
		 * lwkt_setcpu_remote() stores td_gd before it clears
		 * TDF_MIGRATING, so if the flags read here say "not
		 * migrating", td_gd read after them is current.
		 */
		flags = __atomic_load_n(&td->td_flags, __ATOMIC_ACQUIRE);
		tgd = __atomic_load_n(&td->td_gd, __ATOMIC_ACQUIRE);
		if (tgd != gd)
			return (tgd);
		if ((flags & TDF_MIGRATING) == 0)
			return (NULL);	/* here, and staying */
		if ((atomic_load_relaxed(&gd->gd_reqflags) & RQF_IPIQ) &&
		    gd->gd_processing_ipiq == 0)
			lwkt_process_ipiq();
		cpu_pause();
	}
}

/* Wake the owner if it sleeps on its port.  Context: owner's cpu, crit. */
static void
thread_port_wake(struct lwkt_port *port)
{
	if (port->mp_flags & MSGPORTF_WAITING) {
		port->mp_flags &= ~MSGPORTF_WAITING;
		lwkt_schedule(port->mpu_td);
	}
}

static void
thread_putport_remote(void *arg, int unused __unused,
    struct intrframe *frame __unused)
{
	struct lwkt_msg *msg = arg;
	struct lwkt_port *port = msg->ms_target_port;
	struct globaldata *tgd;

	if ((tgd = thread_port_gd(port->mpu_td, mycpu)) != NULL) {
		lwkt_send_ipiq3(tgd, thread_putport_remote, msg, 0);
		return;
	}
	msg_clrf(msg, MSGF_INTRANSIT);
	port_enqueue(port, msg);
	thread_port_wake(port);
}

static int
thread_putport(struct lwkt_port *port, struct lwkt_msg *msg)
{
	struct globaldata *gd = mycpu;
	struct globaldata *tgd;

	msg->ms_target_port = port;
	crit_enter_gd(gd);
	if ((tgd = thread_port_gd(port->mpu_td, gd)) == NULL) {
		port_enqueue(port, msg);
		thread_port_wake(port);
	} else {
		msg_setf(msg, MSGF_INTRANSIT);
		lwkt_send_ipiq3(tgd, thread_putport_remote, msg, 0);
	}
	crit_exit_gd(gd);
	return (EASYNC);
}

/*
 * Complete msg on its reply port, on the owner's cpu.  Once DONE is set
 * the owner may reuse the message, but it cannot run before we leave
 * this critical section, so mpu_td is still safe to use.
 */
static void
thread_reply_local(struct lwkt_port *port, struct lwkt_msg *msg)
{
	u_int f = msg_flags(msg);

	if (f & MSGF_INTRANSIT)
		msg_clrf(msg, MSGF_INTRANSIT);
	if (f & MSGF_SYNC) {
		msg_setf(msg, MSGF_DONE | MSGF_REPLY);
	} else {
		msg_setf(msg, MSGF_REPLY); /* first: port_dequeuemsg_locked */
		port_enqueue(port, msg);
		msg_setf(msg, MSGF_DONE);
	}
	thread_port_wake(port);
}

static void
thread_replyport_remote(void *arg, int unused __unused,
    struct intrframe *frame __unused)
{
	struct lwkt_msg *msg = arg;
	struct lwkt_port *port = msg->ms_reply_port;
	struct globaldata *tgd;

	if ((tgd = thread_port_gd(port->mpu_td, mycpu)) != NULL) {
		lwkt_send_ipiq3(tgd, thread_replyport_remote, msg, 0);
		return;
	}
	thread_reply_local(port, msg);
}

static void
thread_replyport(struct lwkt_port *port, struct lwkt_msg *msg)
{
	struct globaldata *gd = mycpu;
	struct globaldata *tgd;

	crit_enter_gd(gd);
	if ((tgd = thread_port_gd(port->mpu_td, gd)) == NULL) {
		thread_reply_local(port, msg);
	} else {
		msg_setf(msg, MSGF_INTRANSIT);
		lwkt_send_ipiq3(tgd, thread_replyport_remote, msg, 0);
	}
	crit_exit_gd(gd);
}

static struct lwkt_msg *
thread_getport(struct lwkt_port *port)
{
	struct thread *td = curthread;
	struct lwkt_msg *msg;

	KASSERT(port->mpu_td == td, ("msgport: %s reads %s's port",
	    td->td_comm, port->mpu_td->td_comm));
	crit_enter_quick(td);
	msg = port_dequeue(port);
	crit_exit_quick(td);
	return (msg);
}

static void *
thread_waitport(struct lwkt_port *port, int flags __unused)
{
	struct thread *td = curthread;
	struct lwkt_msg *msg;

	KASSERT(port->mpu_td == td, ("msgport: %s waits on %s's port",
	    td->td_comm, port->mpu_td->td_comm));
	crit_enter_quick(td);
	while ((msg = port_dequeue(port)) == NULL) {
		port->mp_flags |= MSGPORTF_WAITING;
		lwkt_sleep("waitport", 0);
	}
	port->mp_flags &= ~MSGPORTF_WAITING;
	crit_exit_quick(td);
	return (msg);
}

static int
thread_waitmsg(struct lwkt_msg *msg, int flags __unused)
{
	struct lwkt_port *port = msg->ms_reply_port;
	struct thread *td = curthread;

	KASSERT(port->mpu_td == td, ("msgport: %s waits on %s's port",
	    td->td_comm, port->mpu_td->td_comm));
	crit_enter_quick(td);
	while ((msg_flags(msg) & MSGF_DONE) == 0) {
		port->mp_flags |= MSGPORTF_WAITING;
		lwkt_sleep("waitmsg", 0);
	}
	port->mp_flags &= ~MSGPORTF_WAITING;
	if (msg_flags(msg) & MSGF_QUEUED)
		port_remove(port, msg);
	crit_exit_quick(td);
	return (msg->ms_error);
}

static int
thread_dequeuemsg(struct lwkt_port *port, struct lwkt_msg *msg)
{
	struct globaldata *gd = mycpu;
	int error;

	KASSERT(port->mpu_td->td_gd == gd,
	    ("msgport: dequeue from a thread port on another cpu"));
	crit_enter_gd(gd);
	error = port_dequeuemsg_locked(port, msg);
	crit_exit_gd(gd);
	return (error);
}

/*
 * lwkt_initport_thread - make port the thread port of td.  Called by
 * lwkt_create() for every thread's td_msgport, before it runs; only
 * fills in fields.
 *
 * Locking: none (the port is not shared yet).  Does not block.
 */
void
lwkt_initport_thread(struct lwkt_port *port, struct thread *td)
{
	TAILQ_INIT(&port->mp_msgq);
	TAILQ_INIT(&port->mp_msgq_prio);
	port->mp_flags = 0;
	port->mp_cpuid = td->td_gd != NULL ? td->td_gd->gd_cpuid : -1;
	port->mp_u.data = NULL;
	port->mpu_td = td;
	port->mp_putport = thread_putport;
	port->mp_waitmsg = thread_waitmsg;
	port->mp_waitport = thread_waitport;
	port->mp_replyport = thread_replyport;
	port->mp_dropmsg = thread_dequeuemsg;
}

/*
 * ----------------------------------------------------------------------
 * Spin ports.
 * ----------------------------------------------------------------------
 */

static void
port_spin_lock(struct lwkt_port *port)
{
	struct globaldata *gd = mycpu;

	crit_enter_gd(gd);
	++gd->gd_spinlocks;
	while (!atomic_cmpset_int(&port->mp_u.spin, 0, 1)) {
		while (atomic_load_relaxed(&port->mp_u.spin) != 0)
			cpu_pause();
	}
}

static void
port_spin_unlock(struct lwkt_port *port)
{
	struct globaldata *gd = mycpu;

	KASSERT(atomic_load_relaxed(&port->mp_u.spin) == 1,
	    ("msgport: spin port %p not locked", port));
	atomic_store_rel_int(&port->mp_u.spin, 0);
	--gd->gd_spinlocks;
	crit_exit_gd(gd);
}

static int
spin_putport(struct lwkt_port *port, struct lwkt_msg *msg)
{
	bool wake;

	msg->ms_target_port = port;
	port_spin_lock(port);
	port_enqueue(port, msg);
	wake = (port->mp_flags & MSGPORTF_WAITING) != 0;
	port->mp_flags &= ~MSGPORTF_WAITING;
	port_spin_unlock(port);
	if (wake)
		wakeup(port);
	return (EASYNC);
}

static void
spin_replyport(struct lwkt_port *port, struct lwkt_msg *msg)
{
	bool wake_port;
	u_int f;

	port_spin_lock(port);
	f = port_reply_locked(port, msg);
	wake_port = (f & MSGF_SYNC) == 0 &&
	    (port->mp_flags & MSGPORTF_WAITING) != 0;
	if (wake_port)
		port->mp_flags &= ~MSGPORTF_WAITING;
	port_spin_unlock(port);
	/* Only the addresses are used from here: msg may be gone. */
	if (f & MSGF_WAITING)
		wakeup(msg);
	if (wake_port)
		wakeup(port);
}

static struct lwkt_msg *
spin_getport(struct lwkt_port *port)
{
	struct lwkt_msg *msg;

	port_spin_lock(port);
	msg = port_dequeue(port);
	port_spin_unlock(port);
	return (msg);
}

static void *
spin_waitport(struct lwkt_port *port, int flags __unused)
{
	struct lwkt_msg *msg;

	port_spin_lock(port);
	while ((msg = port_dequeue(port)) == NULL) {
		port->mp_flags |= MSGPORTF_WAITING;
		tsleep_interlock(port, 0);
		port_spin_unlock(port);
		tsleep(port, PINTERLOCKED, "waitport", 0);
		port_spin_lock(port);
	}
	port_spin_unlock(port);
	return (msg);
}

static int
spin_waitmsg(struct lwkt_msg *msg, int flags __unused)
{
	struct lwkt_port *port = msg->ms_reply_port;

	port_spin_lock(port);
	while ((msg_flags(msg) & MSGF_DONE) == 0) {
		msg_setf(msg, MSGF_WAITING);
		tsleep_interlock(msg, 0);
		port_spin_unlock(port);
		tsleep(msg, PINTERLOCKED, "waitmsg", 0);
		port_spin_lock(port);
	}
	msg_clrf(msg, MSGF_WAITING);
	if (msg_flags(msg) & MSGF_QUEUED)
		port_remove(port, msg);
	port_spin_unlock(port);
	return (msg->ms_error);
}

static int
spin_dequeuemsg(struct lwkt_port *port, struct lwkt_msg *msg)
{
	int error;

	port_spin_lock(port);
	error = port_dequeuemsg_locked(port, msg);
	port_spin_unlock(port);
	return (error);
}

/*
 * lwkt_initport_spin - a port any thread may wait on.  td is recorded as
 * the port's usual reader (may be NULL); fixed_cpu records the current
 * cpu in mp_cpuid (informational: any cpu may use the port).
 *
 * Locking: none (the port is not shared yet).  Does not block.
 */
void
lwkt_initport_spin(struct lwkt_port *port, struct thread *td, bool fixed_cpu)
{
	TAILQ_INIT(&port->mp_msgq);
	TAILQ_INIT(&port->mp_msgq_prio);
	port->mp_flags = 0;
	port->mp_cpuid = fixed_cpu ? mycpuid : -1;
	port->mp_u.spin = 0;
	port->mpu_td = td;
	port->mp_putport = spin_putport;
	port->mp_waitmsg = spin_waitmsg;
	port->mp_waitport = spin_waitport;
	port->mp_replyport = spin_replyport;
	port->mp_dropmsg = spin_dequeuemsg;
}

/*
 * ----------------------------------------------------------------------
 * Serializer ports: every operation is made holding mp_u.serialize.
 * ----------------------------------------------------------------------
 */

#define ASSERT_PORT_SERIALIZED(port)					\
	KASSERT(lwkt_serialize_is_held((port)->mp_u.serialize),		\
	    ("msgport: serializer port %p used without its serializer",	\
	    (port)))

static int
slz_putport(struct lwkt_port *port, struct lwkt_msg *msg)
{
	ASSERT_PORT_SERIALIZED(port);
	msg->ms_target_port = port;
	port_enqueue(port, msg);
	if (port->mp_flags & MSGPORTF_WAITING) {
		port->mp_flags &= ~MSGPORTF_WAITING;
		wakeup(port);
	}
	return (EASYNC);
}

static void
slz_replyport(struct lwkt_port *port, struct lwkt_msg *msg)
{
	bool wake_port;
	u_int f;

	ASSERT_PORT_SERIALIZED(port);
	f = port_reply_locked(port, msg);
	wake_port = (f & MSGF_SYNC) == 0 &&
	    (port->mp_flags & MSGPORTF_WAITING) != 0;
	if (wake_port)
		port->mp_flags &= ~MSGPORTF_WAITING;
	if (f & MSGF_WAITING)
		wakeup(msg);
	if (wake_port)
		wakeup(port);
}

static struct lwkt_msg *
slz_getport(struct lwkt_port *port)
{
	ASSERT_PORT_SERIALIZED(port);
	return (port_dequeue(port));
}

static void *
slz_waitport(struct lwkt_port *port, int flags __unused)
{
	struct lwkt_msg *msg;

	ASSERT_PORT_SERIALIZED(port);
	while ((msg = port_dequeue(port)) == NULL) {
		port->mp_flags |= MSGPORTF_WAITING;
		tsleep_interlock(port, 0);
		lwkt_serialize_sleep(port, port->mp_u.serialize, "waitport");
	}
	return (msg);
}

static int
slz_waitmsg(struct lwkt_msg *msg, int flags __unused)
{
	struct lwkt_port *port = msg->ms_reply_port;

	ASSERT_PORT_SERIALIZED(port);
	while ((msg_flags(msg) & MSGF_DONE) == 0) {
		msg_setf(msg, MSGF_WAITING);
		tsleep_interlock(msg, 0);
		lwkt_serialize_sleep(msg, port->mp_u.serialize, "waitmsg");
	}
	msg_clrf(msg, MSGF_WAITING);
	if (msg_flags(msg) & MSGF_QUEUED)
		port_remove(port, msg);
	return (msg->ms_error);
}

static int
slz_dequeuemsg(struct lwkt_port *port, struct lwkt_msg *msg)
{
	ASSERT_PORT_SERIALIZED(port);
	return (port_dequeuemsg_locked(port, msg));
}

/*
 * lwkt_initport_serialize - a port whose queues are protected by slz.
 * Every put, get, wait and reply on it is made holding slz; waits
 * release it while they sleep.
 *
 * Locking: none (the port is not shared yet).  Does not block.
 */
void
lwkt_initport_serialize(struct lwkt_port *port, struct lwkt_serialize *slz)
{
	TAILQ_INIT(&port->mp_msgq);
	TAILQ_INIT(&port->mp_msgq_prio);
	port->mp_flags = 0;
	port->mp_cpuid = -1;
	port->mp_u.serialize = slz;
	port->mpu_td = NULL;
	port->mp_putport = slz_putport;
	port->mp_waitmsg = slz_waitmsg;
	port->mp_waitport = slz_waitport;
	port->mp_replyport = slz_replyport;
	port->mp_dropmsg = slz_dequeuemsg;
}

/*
 * ----------------------------------------------------------------------
 * Reply-only, put-only and panic ports.
 * ----------------------------------------------------------------------
 */

static int
panic_putport(struct lwkt_port *port, struct lwkt_msg *msg)
{
	panic("msgport: put of message %p to reply-only port %p", msg, port);
}

static int
panic_waitmsg(struct lwkt_msg *msg, int flags __unused)
{
	panic("msgport: wait for message %p on port %p that cannot wait",
	    msg, msg->ms_reply_port);
}

static void *
panic_waitport(struct lwkt_port *port, int flags __unused)
{
	panic("msgport: wait on port %p that cannot be read", port);
}

static void
panic_replyport(struct lwkt_port *port, struct lwkt_msg *msg)
{
	panic("msgport: reply of message %p to port %p that takes none",
	    msg, port);
}

static int
panic_dropmsg(struct lwkt_port *port, struct lwkt_msg *msg)
{
	panic("msgport: dequeue of message %p from port %p with no queue",
	    msg, port);
}

static void
port_init_panic(struct lwkt_port *port)
{
	TAILQ_INIT(&port->mp_msgq);
	TAILQ_INIT(&port->mp_msgq_prio);
	port->mp_flags = 0;
	port->mp_cpuid = -1;
	port->mp_u.data = NULL;
	port->mpu_td = NULL;
	port->mp_putport = panic_putport;
	port->mp_waitmsg = panic_waitmsg;
	port->mp_waitport = panic_waitport;
	port->mp_replyport = panic_replyport;
	port->mp_dropmsg = panic_dropmsg;
}

/* A port every operation on which panics: for messages never replied. */
void
lwkt_initport_panic(struct lwkt_port *port)
{
	port_init_panic(port);
}

/* Replies call replyfn; everything else panics. */
void
lwkt_initport_replyonly(struct lwkt_port *port,
    void (*replyfn)(struct lwkt_port *, struct lwkt_msg *))
{
	port_init_panic(port);
	port->mp_replyport = replyfn;
}

/*
 * Null reply port: a reply marks the message DONE|REPLY and wakes the
 * thread, on any cpu, that waits for it in lwkt_waitmsg().
 */
static void
null_replyport(struct lwkt_port *port __unused, struct lwkt_msg *msg)
{
	u_int f;

	f = msg_fetch_setf(msg, MSGF_DONE | MSGF_REPLY);
	if (f & MSGF_WAITING)
		wakeup(msg);	/* the address only: msg may be gone */
}

static int
null_waitmsg(struct lwkt_msg *msg, int flags __unused)
{
	u_int f;

	while ((msg_flags(msg) & MSGF_DONE) == 0) {
		tsleep_interlock(msg, 0);
		f = msg_fetch_setf(msg, MSGF_WAITING);
		if (f & MSGF_DONE) {
			wakeup_mycpu(msg);	/* leave the sleep queue */
			break;
		}
		tsleep(msg, PINTERLOCKED, "waitmsg", 0);
	}
	msg_clrf(msg, MSGF_WAITING);
	return (msg->ms_error);
}

void
lwkt_initport_replyonly_null(struct lwkt_port *port)
{
	port_init_panic(port);
	port->mp_replyport = null_replyport;
	port->mp_waitmsg = null_waitmsg;
}

/*
 * lwkt_initport_putonly - a port whose put is putfn.  putfn runs in the
 * sender's context: it returns the request's result (lwkt_domsg returns
 * it, lwkt_sendmsg replies with it), or EASYNC if it kept the message
 * and will reply (or has replied) to it.
 */
void
lwkt_initport_putonly(struct lwkt_port *port,
    int (*putfn)(struct lwkt_port *, struct lwkt_msg *))
{
	port_init_panic(port);
	port->mp_putport = putfn;
}

/*
 * ----------------------------------------------------------------------
 * The message API.
 * ----------------------------------------------------------------------
 */

void
lwkt_initmsg(struct lwkt_msg *msg, struct lwkt_port *rport, int flags)
{
	msg->ms_target_port = NULL;
	msg->ms_reply_port = rport;
	msg->ms_abortfn = NULL;
	msg->ms_error = 0;
	msg->u.ms_result64 = 0;
	atomic_store_rel_int((volatile u_int *)&msg->ms_flags,
	    (u_int)(MSGF_DONE | flags));
}

void
lwkt_initmsg_abortable(struct lwkt_msg *msg, struct lwkt_port *rport,
    int flags, void (*abortfn)(struct lwkt_msg *))
{
	lwkt_initmsg(msg, rport, flags | MSGF_ABORTABLE);
	msg->ms_abortfn = abortfn;
}

/* Prepare an idle message for a send; sync adds MSGF_SYNC. */
static void
msg_prepare_send(struct lwkt_msg *msg, u_int sync)
{
	u_int f = msg_flags(msg);

	KASSERT((f & (MSGF_DONE | MSGF_QUEUED)) == MSGF_DONE,
	    ("msgport: send of message %p in flight (flags %#x)", msg, f));
	atomic_store_rel_int((volatile u_int *)&msg->ms_flags,
	    (f & ~(u_int)MSGF_SEND_CLEAR) | sync);
}

/*
 * lwkt_sendmsg - send msg to port asynchronously.  The reply arrives on
 * msg->ms_reply_port, even if the port ran the request at once.
 *
 * Context: thread or critical section.  Locking: for a serializer port
 * the caller holds its serializer; nothing else.  Does not block.
 */
void
lwkt_sendmsg(struct lwkt_port *port, struct lwkt_msg *msg)
{
	int error;

	msg_prepare_send(msg, 0);
	if ((error = port->mp_putport(port, msg)) != EASYNC)
		lwkt_replymsg(msg, error);
}

/*
 * lwkt_domsg - send msg to port and wait for the reply; returns its
 * error.  If the port runs the request in the caller's context (its put
 * returns a result, not EASYNC) nothing is queued and that result is
 * returned.
 *
 * Context: thread; for a thread reply port, its owner.  Locking: for a
 * serializer port (target or reply) the caller holds the serializer,
 * which the wait releases while it sleeps.  May block: tokens are lost.
 */
int
lwkt_domsg(struct lwkt_port *port, struct lwkt_msg *msg, int flags)
{
	int error;

	msg_prepare_send(msg, MSGF_SYNC);
	if ((error = port->mp_putport(port, msg)) == EASYNC)
		return (lwkt_waitmsg(msg, flags));
	msg->ms_error = error;
	msg_setf(msg, MSGF_DONE | MSGF_REPLY);
	return (error);
}

/*
 * lwkt_forwardmsg - pass a message the caller received (and has not
 * replied to) on to another port; the originator's flags are kept.
 * Returns the put's result (EASYNC if queued).
 *
 * Context: the message's current target.  Locking: as lwkt_sendmsg.
 * Does not block.
 */
int
lwkt_forwardmsg(struct lwkt_port *port, struct lwkt_msg *msg)
{
	int error;

	KASSERT((msg_flags(msg) & (MSGF_QUEUED | MSGF_DONE | MSGF_REPLY)) ==
	    0, ("msgport: forward of message %p not in hand", msg));
	if ((error = port->mp_putport(port, msg)) != EASYNC)
		lwkt_replymsg(msg, error);
	return (error);
}

/*
 * lwkt_replymsg - complete msg with error and return it to its reply
 * port.  Called once per send by the target (a second reply panics).
 *
 * Context: thread, critical section or IPI handler.  Locking: for a
 * serializer reply port the caller holds its serializer.  Does not block.
 */
void
lwkt_replymsg(struct lwkt_msg *msg, int error)
{
	struct lwkt_port *port = msg->ms_reply_port;

	KASSERT((msg_flags(msg) & (MSGF_DONE | MSGF_QUEUED | MSGF_REPLY)) == 0,
	    ("msgport: reply of message %p not in flight (flags %#x)", msg,
	    msg_flags(msg)));
	msg->ms_error = error;
	port->mp_replyport(port, msg);
}

/*
 * lwkt_waitmsg - wait for msg's reply (take it off the reply port if it
 * was queued there) and return its error.
 *
 * Context: thread; for a thread reply port, its owner.  Locking: for a
 * serializer reply port the caller holds the serializer (released while
 * asleep).  May block: tokens are lost.
 */
int
lwkt_waitmsg(struct lwkt_msg *msg, int flags)
{
	struct lwkt_port *port = msg->ms_reply_port;

	return (port->mp_waitmsg(msg, flags));
}

/*
 * lwkt_getport - dequeue the next message of port; NULL if none.
 * Context: thread; for a thread port, its owner.  Locking: for a
 * serializer port the caller holds the serializer.  Does not block.
 */
void *
lwkt_getport(struct lwkt_port *port)
{
	if (port->mp_waitport == thread_waitport)
		return (thread_getport(port));
	if (port->mp_waitport == spin_waitport)
		return (spin_getport(port));
	if (port->mp_waitport == slz_waitport)
		return (slz_getport(port));
	panic("msgport: getport on port %p that cannot be read", port);
}

/*
 * lwkt_waitport - dequeue the next message of port, blocking until there
 * is one.  Context and locking as lwkt_getport.  May block: tokens are
 * lost (and a serializer port's serializer is released while asleep).
 */
void *
lwkt_waitport(struct lwkt_port *port, int flags)
{
	return (port->mp_waitport(port, flags));
}

/* True once msg is complete (or was never sent). */
bool
lwkt_checkmsg(struct lwkt_msg *msg)
{
	return ((msg_flags(msg) & MSGF_DONE) != 0);
}

/*
 * lwkt_dequeuemsg - take msg back off its target port if it is still
 * queued there, unreplied.  Returns 0 (the caller now holds it as the
 * target would, and must reply to it) or ENOENT.  Context: the target's
 * context - for a thread port its owner's cpu, e.g. an abort function.
 *
 * Locking: thread port - the owner's cpu (critical section taken here);
 * spin port - takes its spinlock; serializer port - the caller holds the
 * serializer.  Does not block.
 */
int
lwkt_dequeuemsg(struct lwkt_msg *msg)
{
	struct lwkt_port *port = msg->ms_target_port;

	if (port == NULL)
		return (ENOENT);
	return (port->mp_dropmsg(port, msg));
}

/*
 * Abort.  The abort function runs in the target's context, in a critical
 * section, and only if the message is neither done nor replied by then.
 */
#define ABORT_PENDING	0
#define ABORT_FINISHED	1
#define ABORT_RETRY	2	/* the owner moved: try its new cpu */

struct abort_req {
	struct lwkt_msg	*ar_msg;
	volatile u_int	 ar_state;
};

static void
abort_local(struct lwkt_msg *msg)
{
	if (msg_flags(msg) & (MSGF_DONE | MSGF_REPLY))
		return;
	msg_setf(msg, MSGF_ABORTED);
	msg->ms_abortfn(msg);
}

static void
thread_abort_remote(void *arg, int unused __unused,
    struct intrframe *frame __unused)
{
	struct abort_req *ar = arg;
	struct lwkt_port *port = ar->ar_msg->ms_target_port;

	if (thread_port_gd(port->mpu_td, mycpu) != NULL) {
		atomic_store_rel_int(&ar->ar_state, ABORT_RETRY);
		return;
	}
	abort_local(ar->ar_msg);
	atomic_store_rel_int(&ar->ar_state, ABORT_FINISHED);
}

/*
 * lwkt_abortmsg - ask for early completion of an ABORTABLE message the
 * caller sent.  Nothing happens if it is already done or replied.  The
 * caller must not free msg before its reply arrives.
 *
 * Context: thread, the message's originator.  Locking: the abort
 * function runs in a critical section: on a thread port's owner cpu, or
 * here for other ports (a serializer port's abort function that calls
 * lwkt_dequeuemsg needs the caller to hold the serializer).  Does not
 * block, but waits for the target's cpu to run the abort.
 */
void
lwkt_abortmsg(struct lwkt_msg *msg)
{
	struct globaldata *gd = mycpu;
	struct globaldata *tgd;
	struct lwkt_port *port;
	struct abort_req ar;
	int seq;

	if ((msg_flags(msg) & (MSGF_ABORTABLE | MSGF_DONE | MSGF_REPLY)) !=
	    MSGF_ABORTABLE)
		return;
	port = msg->ms_target_port;
	if (port == NULL || port->mp_putport != thread_putport) {
		crit_enter_gd(gd);
		abort_local(msg);
		crit_exit_gd(gd);
		return;
	}
	ar.ar_msg = msg;
	crit_enter_gd(gd);
	do {
		if ((tgd = thread_port_gd(port->mpu_td, gd)) == NULL) {
			abort_local(msg);
			break;
		}
		ar.ar_state = ABORT_PENDING;
		seq = lwkt_send_ipiq3(tgd, thread_abort_remote, &ar, 0);
		lwkt_wait_ipiq(tgd, seq);
	} while (atomic_load_acq_int(&ar.ar_state) == ABORT_RETRY);
	crit_exit_gd(gd);
}
