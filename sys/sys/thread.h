/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * thread.h - LWKT: lightweight kernel threads, serializing tokens and the
 * inter-processor message queues.
 *
 * Threads.  Every thread is owned by exactly one cpu (td_gd).  Only that
 * cpu schedules it, deschedules it or touches its run-queue linkage, and
 * it does so inside a critical section (a per-thread counter, no lock).
 * Any other cpu that wants to act on the thread sends that cpu an IPI
 * message.  A thread changes cpu only by migrating itself
 * (lwkt_migratecpu), which is carried out by an IPI message to the target.
 * A thread stays on its cpu's run queue while it runs; to block it takes
 * itself off (lwkt_deschedule_self) and calls lwkt_switch().  Only
 * interrupt threads (TDF_INTTHREAD) preempt; ordinary threads switch only
 * when they block or yield.
 *
 * Tokens.  A serializing token is held only while its holder runs: every
 * token a thread holds is released when it blocks (lwkt_switch) and all of
 * them are re-acquired by the scheduler before it runs again.  A thread
 * never waits for one token while holding another, so tokens cannot
 * deadlock.  Code between two blocking points runs atomically with respect
 * to every other holder of the token; anything read under a token must be
 * re-checked after a call that may block.  Tokens are kept on a per-thread
 * stack and released in reverse order (asserted).
 *
 * IPI queues.  Each (source, target) cpu pair has one single-producer,
 * single-consumer FIFO of (function, arg1, arg2).  Only the source writes
 * ip_windex and only the target writes ip_rindex/ip_xindex, so the FIFO
 * needs no lock.  A sender facing a full FIFO drains its own incoming
 * FIFOs while it waits, which is why two cpus filling each other's FIFOs
 * cannot deadlock.
 *
 * Locking legend for the fields below:
 *   [I] immutable after creation	[c] owning cpu, critical section
 *   [a] atomic ops from any cpu	[t] the thread itself
 *
 * More: docs/design/lwkt.md, docs/ARCHITECTURE.md.
 */
#ifndef _SYS_THREAD_H_
#define _SYS_THREAD_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/cpumask.h>
#include <sys/msgport.h>
#include <machine/thread.h>	/* struct md_thread, KSTACK_BYTES */

struct globaldata;
struct thread;
struct intrframe;

/* Serializing tokens. */
#define TOK_EXCLUSIVE	0x00000001L	/* t_count: held exclusively */
#define TOK_EXCLREQ	0x00000002L	/* t_count: exclusive request waiting */
#define TOK_INCR	0x00000004L	/* t_count: one shared holder */
#define LWKT_MAXTOKENS	32		/* depth of a thread's token stack */
#define LWKT_POOL_TOKENS 1024		/* pool tokens hashed by address */

/* clang-format off */
struct lwkt_token {
	volatile long		 t_count;	/* [a] TOK_* and shared count */
	struct lwkt_tokref *volatile t_ref;	/* [a] exclusive holder's ref */
	volatile long		 t_collisions;	/* [a] statistics */
	const char		*t_desc;	/* [I] name, also the wmesg */
};

struct lwkt_tokref {
	struct lwkt_token	*tr_tok;	/* [t] the token */
	long			 tr_count;	/* [t] mode requested */
	struct thread		*tr_owner;	/* [t] owning thread */
};
/* clang-format on */

#define LWKT_TOKEN_INITIALIZER(name)	{ 0, NULL, 0, #name }

/* IPI messages. */
typedef void (*ipifunc3_t)(void *arg1, int arg2, struct intrframe *frame);

/* clang-format off */
struct lwkt_ipiq_entry {
	ipifunc3_t	 ie_func;
	void		*ie_arg1;
	int		 ie_arg2;
};

struct lwkt_ipiq {
	volatile u_int	 ip_windex __cachealign; /* source: next to write */
	volatile u_int	 ip_drain;	/* source: level it is draining to */
	volatile u_int	 ip_rindex __cachealign; /* target: next to read */
	volatile u_int	 ip_xindex;	/* target: last completed */
	u_int		 ip_mask;	/* [I] entries - 1 */
	struct lwkt_ipiq_entry *ip_info; /* [I] the ring */
};
/* clang-format on */

/* A cpusync: run a function on a set of cpus, synchronously. */
struct lwkt_cpusync {
	cpumask_t	cs_mask;	/* cpus that must run cs_func */
	cpumask_t	cs_mack;	/* [a] acknowledgements */
	void		(*cs_func)(void *arg);
	void		*cs_data;
};

/* LWKT priorities: higher runs first (DragonFly's values). */
#define TDPRI_IDLE_THREAD	0
#define TDPRI_IDLE_WORK		1
#define TDPRI_USER_NORM		6
#define TDPRI_KERN_LPSCHED	9
#define TDPRI_KERN_USER		10
#define TDPRI_KERN_DAEMON	12	/* default for new threads */
#define TDPRI_SOFT_NORM		14
#define TDPRI_SOFT_TIMER	16
#define TDPRI_INT_SUPPORT	20
#define TDPRI_INT_LOW		27
#define TDPRI_INT_MED		28
#define TDPRI_INT_HIGH		29
#define TDPRI_MAX		31

/* td_flags: changed only by the owning cpu in a critical section. */
#define TDF_RUNNING		0x00000001 /* context live on a cpu */
#define TDF_RUNQ		0x00000002 /* on gd_tdrunq */
#define TDF_PREEMPT_LOCK	0x00000004 /* preempted: pinned */
#define TDF_PREEMPT_DONE	0x00000008 /* preemption unwound */
#define TDF_NOSTART		0x00000010 /* lwkt_create: don't schedule */
#define TDF_MIGRATING		0x00000020 /* migration in flight */
#define TDF_SINTR		0x00000040 /* interruptible sleep */
#define TDF_TSLEEPQ		0x00000080 /* on a tsleep queue */
#define TDF_SYSTHREAD		0x00000100
#define TDF_IDLETHREAD		0x00000200 /* the cpu's idle thread */
#define TDF_TIMEOUT_RUNNING	0x00004000 /* tsleep timeout running */
#define TDF_TIMEOUT		0x00008000 /* tsleep timed out */
#define TDF_INTTHREAD		0x00010000 /* interrupt thread: preempts */
#define TDF_TSLEEP_DESCHEDULED	0x00020000 /* descheduled by tsleep */
#define TDF_BLOCKED		0x00040000 /* blocked in lwkt_sleep */
#define TDF_EXITING		0x00400000
#define TDF_FIXEDCPU		0x04000000 /* never migrates */

/* td_mpflags: atomic ops from any cpu. */
#define TDF_MP_EXITED		0x00000001 /* switched away for the last time */
#define TDF_MP_DIDYIELD		0x00000002

#define MAXCOMLEN		19

/* clang-format off */
struct thread {
	TAILQ_ENTRY(thread)	 td_threadq;	/* [c] run queue */
	TAILQ_ENTRY(thread)	 td_allq;	/* [c] gd_tdallq */
	TAILQ_ENTRY(thread)	 td_sleepq;	/* [c] tsleep bucket */
	struct lwkt_port	 td_msgport;	/* thread's own port */
	struct globaldata	*td_gd;		/* [c] owning cpu */
	void			*td_kstack;	/* [I] stack base */
	size_t			 td_kstack_size; /* [I] */
	uintptr_t		 td_sp;		/* [c] saved stack pointer */
	const volatile void	*td_wchan;	/* [c] tsleep ident */
	const char		*td_wmesg;	/* [c] why it waits */
	int			 td_pri;	/* [c] TDPRI_* */
	int			 td_critcount;	/* [t] critical sections */
	int			 td_nest_count;	/* [t] splz nesting guard */
	u_int			 td_flags;	/* [c] TDF_* */
	volatile u_int		 td_mpflags;	/* [a] TDF_MP_* */
	volatile int		 td_refs;	/* [a] holds */
	int			 td_cscount;	/* [t] cpusync master */
	int			 td_contended;	/* [c] failed token tries */
	struct thread		*td_preempted;	/* [c] whom we preempted */
	struct globaldata	*td_migrate_gd;	/* [c] migration target */
	void			(*td_preemptable)(struct thread *td,
				    int critcount); /* [I] lwkt_preempt */
	struct lwkt_tokref	*td_toks_have;	/* [t] acquired up to here */
	struct lwkt_tokref	*td_toks_stop;	/* [t] one past the top */
	struct lwkt_tokref	 td_toks_array[LWKT_MAXTOKENS];
	uint64_t		 td_switches;	/* [c] times switched in */
	void			(*td_func)(void *); /* [I] entry point */
	void			*td_arg;	/* [I] its argument */
	int			 td_sleep_timo;	/* [c] tsleep timeout ticks */
	char			 td_comm[MAXCOMLEN + 1]; /* [I] name */
	struct md_thread	 td_md;		/* machine-dependent */
};
/* clang-format on */

TAILQ_HEAD(lwkt_queue, thread);

#define LWKT_CREATE_CPU_ANY	(-1)

#ifdef _KERNEL

/* lwkt_thread.c */
int	lwkt_create(void (*func)(void *), void *arg, struct thread **tdp,
	    u_int tdflags, int cpu, const char *fmt, ...) __printflike(6, 7);
void	lwkt_exit(void) __dead2;
void	lwkt_switch(void);
void	lwkt_yield(void);
void	lwkt_schedule(struct thread *td);
void	lwkt_schedule_self(struct thread *td);
void	lwkt_deschedule(struct thread *td);
void	lwkt_deschedule_self(struct thread *td);
void	lwkt_setpri(struct thread *td, int pri);
void	lwkt_setpri_self(int pri);
void	lwkt_migratecpu(int cpuid);
void	lwkt_preempt(struct thread *ntd, int critcount);
void	lwkt_hold(struct thread *td);
void	lwkt_rele(struct thread *td);
void	lwkt_sleep(const char *wmesg, int flags);
bool	lwkt_resched_wanted(void);
void	lwkt_schedulerclock(struct thread *td);
void	lwkt_idle_loop(void) __dead2;
void	lwkt_switch_return(struct thread *otd);
void	lwkt_thread_start(struct thread *otd) __dead2;
void	lwkt_gdinit(struct globaldata *gd, int cpuid);
void	lwkt_splz(void);
void	lwkt_maybe_splz(struct thread *td);
void	crit_panic(void) __dead2;

/* lwkt_token.c */
void	lwkt_gettoken(struct lwkt_token *tok);
void	lwkt_gettoken_shared(struct lwkt_token *tok);
bool	lwkt_trytoken(struct lwkt_token *tok);
void	lwkt_reltoken(struct lwkt_token *tok);
void	lwkt_token_init(struct lwkt_token *tok, const char *desc);
struct lwkt_token *lwkt_token_pool_lookup(const void *ptr);
struct lwkt_token *lwkt_getpooltoken(const void *ptr);
void	lwkt_relpooltoken(const void *ptr);
bool	lwkt_getalltokens(struct thread *td, bool spinning);
void	lwkt_relalltokens(struct thread *td);
bool	lwkt_token_is_held(struct lwkt_token *tok);
bool	lwkt_token_is_held_excl(struct lwkt_token *tok);
int	lwkt_cnttoken(struct lwkt_token *tok, struct thread *td);
void	lwkt_token_pool_init(void);

#define ASSERT_LWKT_TOKEN_HELD(tok)					\
	KASSERT(lwkt_token_is_held(tok), ("token %s not held", (tok)->t_desc))
#define ASSERT_LWKT_TOKEN_HELD_EXCL(tok)				\
	KASSERT(lwkt_token_is_held_excl(tok),				\
	    ("token %s not held exclusively", (tok)->t_desc))

/* lwkt_ipiq.c */
void	lwkt_ipiq_init(void);
int	lwkt_send_ipiq3(struct globaldata *target, ipifunc3_t func,
	    void *arg1, int arg2);
int	lwkt_send_ipiq3_passive(struct globaldata *target, ipifunc3_t func,
	    void *arg1, int arg2);
int	lwkt_send_ipiq3_mask(cpumask_t mask, ipifunc3_t func, void *arg1,
	    int arg2);
void	lwkt_wait_ipiq(struct globaldata *target, int seq);
void	lwkt_process_ipiq(void);
void	lwkt_synchronize_ipiqs(const char *wmesg);
void	lwkt_cpusync_init(struct lwkt_cpusync *cs, cpumask_t mask,
	    void (*func)(void *), void *data);
void	lwkt_cpusync_interlock(struct lwkt_cpusync *cs);
void	lwkt_cpusync_deinterlock(struct lwkt_cpusync *cs);
void	lwkt_cpusync_simple(cpumask_t mask, void (*func)(void *), void *arg);

#endif /* _KERNEL */
#endif /* !_SYS_THREAD_H_ */
