/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * serialize.h - LWKT serializers: small exclusive locks that may be held
 * across blocking.
 *
 * A serializer is one atomic word (SLZ_LOCKED, SLZ_WANTED) plus the
 * holder, kept for assertions.  It is not recursive and, unlike a token,
 * it is kept while its holder sleeps, so two serializers taken in
 * opposite orders deadlock.  Waiters sleep with tsleep() on the
 * serializer's address.  Serializer message ports (msgport.h) queue
 * under one.  Implementation: sys/kern/lwkt_serialize.c.
 */
#ifndef _SYS_SERIALIZE_H_
#define _SYS_SERIALIZE_H_

#include <sys/types.h>

struct thread;

#define SLZ_LOCKED	0x00000001	/* slz_lock: held */
#define SLZ_WANTED	0x00000002	/* slz_lock: someone sleeps on it */

/* clang-format off */
struct lwkt_serialize {
	volatile u_int		 slz_lock;	/* [a] SLZ_* */
	struct thread		*slz_owner;	/* [a] holder, assertions only */
};
/* clang-format on */

#define LWKT_SERIALIZE_INITIALIZER	{ 0, NULL }

#ifdef _KERNEL
void	lwkt_serialize_init(struct lwkt_serialize *slz);
void	lwkt_serialize_enter(struct lwkt_serialize *slz);
bool	lwkt_serialize_try(struct lwkt_serialize *slz);
void	lwkt_serialize_exit(struct lwkt_serialize *slz);
bool	lwkt_serialize_is_held(struct lwkt_serialize *slz);
void	lwkt_serialize_sleep(const volatile void *ident,
	    struct lwkt_serialize *slz, const char *wmesg);
#endif

#endif /* !_SYS_SERIALIZE_H_ */
