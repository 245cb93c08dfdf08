/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * msgport.h - LWKT messages and message ports.
 *
 * A message (struct lwkt_msg) is a request sent to a target port; the
 * reply comes back on the message's reply port.  The same interface does
 * synchronous and asynchronous work: lwkt_domsg() sends and waits (and a
 * port may run the request in the caller's context and return its result
 * at once), lwkt_sendmsg() queues and returns, lwkt_replymsg() completes,
 * lwkt_waitmsg() waits for a reply, lwkt_abortmsg() asks for early
 * completion.  A port's backend decides how waiting and queueing work:
 *
 *   thread port	owned by one thread; queued and dequeued only on its
 *			cpu (remote puts travel by IPI); no lock
 *   spin port		a spinlock protects the queue; any cpu may wait
 *   serializer port	queued under the port's serializer, which every
 *			user holds; waits release it while they sleep
 *   reply-only ports	replies mark the message done and wake the waiter
 *
 * Invariants: a message is on at most one queue (MSGF_QUEUED says so);
 * MSGF_DONE is set exactly once per send, by the replier; EASYNC from a
 * put means "queued: the reply comes later".
 */
#ifndef _SYS_MSGPORT_H_
#define _SYS_MSGPORT_H_

#include <sys/types.h>
#include <sys/queue.h>

struct lwkt_msg;
struct lwkt_port;
struct thread;
struct lwkt_serialize;

/* ms_flags */
#define MSGF_DONE	0x0001	/* reply received, message complete */
#define MSGF_REPLY	0x0002	/* the message is a reply */
#define MSGF_QUEUED	0x0004	/* on some port's queue */
#define MSGF_SYNC	0x0008	/* the sender waits synchronously */
#define MSGF_INTRANSIT	0x0010	/* travelling between cpus by IPI */
#define MSGF_WAITING	0x0020	/* someone sleeps on it */
#define MSGF_DROPABLE	0x0040	/* may be dropped */
#define MSGF_ABORTABLE	0x0080	/* may be aborted */
#define MSGF_PRIORITY	0x0100	/* queue at the front */
#define MSGF_ABORTED	0x0200	/* abort was requested */

/* clang-format off */
struct lwkt_msg {
	TAILQ_ENTRY(lwkt_msg)	 ms_node;	/* port queue linkage */
	struct lwkt_port	*ms_target_port; /* where it was sent */
	struct lwkt_port	*ms_reply_port;	/* where the reply goes */
	void			(*ms_abortfn)(struct lwkt_msg *);
	int			 ms_cmd;	/* request code */
	volatile int		 ms_flags;	/* MSGF_* */
	int			 ms_error;	/* result errno */
	union {
		void		*ms_resultp;
		int		 ms_result;
		long		 ms_lresult;
		uint64_t	 ms_result64;
	} u;
};

TAILQ_HEAD(lwkt_msg_queue, lwkt_msg);

struct lwkt_port {
	struct lwkt_msg_queue	 mp_msgq;	/* pending messages */
	struct lwkt_msg_queue	 mp_msgq_prio;	/* MSGF_PRIORITY ones */
	int			 mp_flags;	/* MSGPORTF_* */
	int			 mp_cpuid;	/* owning cpu (thread ports) */
	union {
		volatile u_int		 spin;	/* spin port lock */
		struct lwkt_serialize	*serialize;
		void			*data;
	} mp_u;
	struct thread		*mpu_td;	/* owner / waiter */
	int	(*mp_putport)(struct lwkt_port *, struct lwkt_msg *);
	int	(*mp_waitmsg)(struct lwkt_msg *, int flags);
	void	*(*mp_waitport)(struct lwkt_port *, int flags);
	void	(*mp_replyport)(struct lwkt_port *, struct lwkt_msg *);
	int	(*mp_dropmsg)(struct lwkt_port *, struct lwkt_msg *);
};
/* clang-format on */

#define MSGPORTF_WAITING	0x0001	/* owner sleeps on the port */

#ifdef _KERNEL
void	lwkt_initport_thread(struct lwkt_port *port, struct thread *td);
void	lwkt_initport_spin(struct lwkt_port *port, struct thread *td,
	    bool fixed_cpu);
void	lwkt_initport_serialize(struct lwkt_port *port,
	    struct lwkt_serialize *slz);
void	lwkt_initport_replyonly(struct lwkt_port *port,
	    void (*replyfn)(struct lwkt_port *, struct lwkt_msg *));
void	lwkt_initport_replyonly_null(struct lwkt_port *port);
void	lwkt_initmsg(struct lwkt_msg *msg, struct lwkt_port *rport,
	    int flags);
void	lwkt_initmsg_abortable(struct lwkt_msg *msg, struct lwkt_port *rport,
	    int flags, void (*abortfn)(struct lwkt_msg *));
int	lwkt_domsg(struct lwkt_port *port, struct lwkt_msg *msg, int flags);
int	lwkt_forwardmsg(struct lwkt_port *port, struct lwkt_msg *msg);
void	lwkt_sendmsg(struct lwkt_port *port, struct lwkt_msg *msg);
void	lwkt_replymsg(struct lwkt_msg *msg, int error);
int	lwkt_waitmsg(struct lwkt_msg *msg, int flags);
void	*lwkt_getport(struct lwkt_port *port);
void	*lwkt_waitport(struct lwkt_port *port, int flags);
void	lwkt_abortmsg(struct lwkt_msg *msg);
bool	lwkt_checkmsg(struct lwkt_msg *msg);
#endif

#endif /* !_SYS_MSGPORT_H_ */
