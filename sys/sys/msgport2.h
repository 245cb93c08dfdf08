/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * msgport2.h - kernel-only message port helpers beyond msgport.h: the
 * put-only and panic port kinds, taking a queued message back, and the
 * inline flag accessors that need <cpu/atomic.h>.
 *
 * ms_flags is shared between the originator and the target's cpu, so it
 * is read and changed only with atomic operations (lwkt_msg_flags()).
 */
#ifndef _SYS_MSGPORT2_H_
#define _SYS_MSGPORT2_H_

#include <sys/types.h>
#include <sys/msgport.h>
#include <cpu/atomic.h>

#ifdef _KERNEL

/* lwkt_msgport.c */
void	lwkt_initport_putonly(struct lwkt_port *port,
	    int (*putfn)(struct lwkt_port *, struct lwkt_msg *));
void	lwkt_initport_panic(struct lwkt_port *port);
int	lwkt_dequeuemsg(struct lwkt_msg *msg);

/* The message's flags, read with acquire order. */
static __always_inline int
lwkt_msg_flags(struct lwkt_msg *msg)
{
	return ((int)atomic_load_acq_int((volatile u_int *)&msg->ms_flags));
}

/* Set user-owned or MSGF_PRIORITY bits on a message the caller owns. */
static __always_inline void
lwkt_msg_setflags(struct lwkt_msg *msg, int flags)
{
	atomic_set_int((volatile u_int *)&msg->ms_flags, (u_int)flags);
}

static __always_inline void
lwkt_msg_clearflags(struct lwkt_msg *msg, int flags)
{
	atomic_clear_int((volatile u_int *)&msg->ms_flags, (u_int)flags);
}

#endif /* _KERNEL */

#endif /* !_SYS_MSGPORT2_H_ */
