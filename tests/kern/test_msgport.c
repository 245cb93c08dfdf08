/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * test_msgport.c - kernel tests of LWKT message ports and serializers:
 * sync and async ping-pong on one cpu and across cpus, many senders to one
 * port, spin ports waited on from every cpu, serializers and serializer
 * ports under contention, put-only ports running domsg in the caller,
 * priority order, forwarding, and abort (of a queued message, of a
 * replied one, and racing with replies).  Also msgport_bench().
 *
 * Every test checks each reply: its payload, its error, and that it came
 * back exactly once (tm_inflight goes 1 -> 0 once per send) with
 * MSGF_DONE|MSGF_REPLY and no other state bit.
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
#include <sys/ktest.h>
#include <cpu/atomic.h>
#include <cpu/cpufunc.h>

#define PINGPONG_ROUNDS		100000
#define ASYNC_WINDOW		8
#define MANY_MSGS_PER_SENDER	2000
#define MANY_SENDERS_PER_CPU	2
#define MAX_SENDERS		(MAXCPU * MANY_SENDERS_PER_CPU)
#define SPIN_MSGS_PER_PRODUCER	4000
#define SPIN_SYNC_ROUNDS	2000
#define SLZ_ROUNDS		500
#define SLZ_SLEEP_EVERY		100
#define SLZ_PORT_ROUNDS		1000
#define SLZ_WORK_PAUSES		50
#define ABORT_RACE_SENDS	20000
#define WAIT_FLAG_SPINS		100000000
#define BENCH_REPEATS		5
#define BENCH_ROUNDS		20000

#define CMD_ECHO		1
#define CMD_QUIT		2
#define CMD_FORWARD		3
#define CMD_REPLY_SELF		4

#define ERROR_MODULUS		7	/* replies carry error = in % 7 */
#define SELF_REPLY_ERROR	5
#define STATE_MASK		(MSGF_DONE | MSGF_REPLY | MSGF_QUEUED | \
				    MSGF_SYNC | MSGF_INTRANSIT | MSGF_WAITING)

/* clang-format off */
struct tmsg {
	struct lwkt_msg		 tm_msg;	/* first: a tmsg is a msg */
	uint64_t		 tm_in;		/* request payload */
	int			 tm_sender;	/* many-senders: who */
	u_int			 tm_seq;	/* many-senders: sequence */
	volatile u_int		 tm_inflight;	/* 1 from send to reply */
	volatile u_int		 tm_handled;	/* handlers that ran it */
	struct thread		*tm_handler_td;	/* put-only: who ran it */
};
/* clang-format on */

static uint64_t
echo_value(uint64_t in)
{
	return (in * 2654435761ULL + 7);
}

static int
echo_error(uint64_t in)
{
	return ((int)(in % ERROR_MODULUS));
}

/* True if a received reply is complete and carries in's answer. */
static bool
reply_is_good(struct tmsg *tm, int error)
{
	int f = lwkt_msg_flags(&tm->tm_msg);

	return (error == echo_error(tm->tm_in) &&
	    tm->tm_msg.ms_error == error &&
	    tm->tm_msg.u.ms_result64 == echo_value(tm->tm_in) &&
	    (f & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED | MSGF_INTRANSIT)) ==
	    (MSGF_DONE | MSGF_REPLY));
}

static void
tmsg_init(struct tmsg *tm, struct lwkt_port *rport, int cmd, uint64_t in)
{
	lwkt_initmsg(&tm->tm_msg, rport, 0);
	tm->tm_msg.ms_cmd = cmd;
	tm->tm_in = in;
	tm->tm_inflight = 0;
	tm->tm_handled = 0;
	tm->tm_handler_td = NULL;
}

/* Mark a message sent; false if it was already in flight. */
static bool
tmsg_sent(struct tmsg *tm)
{
	return (atomic_swap_int(&tm->tm_inflight, 1) == 0);
}

/* Mark a reply received; false if it was not in flight (a duplicate). */
static bool
tmsg_received(struct tmsg *tm)
{
	return (atomic_swap_int(&tm->tm_inflight, 0) == 1);
}

/*
 * The echo server: a thread that answers CMD_ECHO on its own thread port,
 * forwards CMD_FORWARD to es_next, and exits after replying to CMD_QUIT.
 */
/* clang-format off */
struct echo_server {
	struct ktest_join	*es_join;
	struct lwkt_port	*es_next;	/* CMD_FORWARD goes here */
	volatile u_int		 es_handled;	/* CMD_ECHO requests */
	volatile u_int		 es_bad;	/* requests in a bad state */
	volatile u_int		 es_open;	/* gate: serve once set */
};
/* clang-format on */

static void
echo_handle(struct echo_server *es, struct tmsg *tm)
{
	if ((lwkt_msg_flags(&tm->tm_msg) &
	    (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED | MSGF_INTRANSIT)) != 0)
		atomic_add_int(&es->es_bad, 1);
	atomic_add_int(&tm->tm_handled, 1);
	tm->tm_msg.u.ms_result64 = echo_value(tm->tm_in);
	atomic_add_int(&es->es_handled, 1);
	lwkt_replymsg(&tm->tm_msg, echo_error(tm->tm_in));
}

static void
echo_server_thread(void *arg)
{
	struct echo_server *es = arg;
	struct lwkt_port *port = &curthread->td_msgport;
	struct tmsg *tm;

	while (atomic_load_acq_int(&es->es_open) == 0)
		tsleep(&es->es_open, 0, "ktgate", 1);
	for (;;) {
		tm = lwkt_waitport(port, 0);
		if (tm->tm_msg.ms_cmd == CMD_QUIT) {
			lwkt_replymsg(&tm->tm_msg, 0);
			break;
		}
		if (tm->tm_msg.ms_cmd == CMD_FORWARD && es->es_next != NULL) {
			tm->tm_msg.ms_cmd = CMD_ECHO;
			lwkt_forwardmsg(es->es_next, &tm->tm_msg);
			continue;
		}
		echo_handle(es, tm);
	}
	ktest_join_done(es->es_join);
}

/* Start an echo server on cpu; open says whether it serves at once. */
static struct lwkt_port *
echo_server_start(struct echo_server *es, struct ktest_join *join, int cpu,
    bool open)
{
	struct thread *td;

	*es = (struct echo_server){ join, NULL, 0, 0, open ? 1 : 0 };
	lwkt_create(echo_server_thread, es, &td, 0, cpu, "kt_echo_%d", cpu);
	return (&td->td_msgport);
}

static void
echo_server_open(struct echo_server *es)
{
	atomic_store_rel_int(&es->es_open, 1);
}

/* Stop a server with a synchronous CMD_QUIT.  Returns the error. */
static int
echo_server_quit(struct lwkt_port *port)
{
	struct tmsg quit;

	tmsg_init(&quit, &curthread->td_msgport, CMD_QUIT, 0);
	return (lwkt_domsg(port, &quit.tm_msg, 0));
}

/* The cpu "next to" ours, or ours on a 1-cpu machine. */
static int
other_cpu(void)
{
	return ((mycpuid + 1) % ncpus);
}

/*
 * Synchronous ping-pong: PINGPONG_ROUNDS domsg round trips, each reply
 * checked.  Returns the number of bad replies.
 */
static u_int
pingpong_sync(struct lwkt_port *port)
{
	struct tmsg tm;
	u_int bad = 0;
	int error;

	tmsg_init(&tm, &curthread->td_msgport, CMD_ECHO, 0);
	for (u_int i = 0; i < PINGPONG_ROUNDS; i++) {
		tm.tm_in = (uint64_t)i * 31 + 1;
		if (!tmsg_sent(&tm))
			bad++;
		error = lwkt_domsg(port, &tm.tm_msg, 0);
		if (!tmsg_received(&tm) || !reply_is_good(&tm, error) ||
		    tm.tm_handled != i + 1)
			bad++;
	}
	return (bad);
}

static void
sync_pingpong_on(int cpu)
{
	struct echo_server es;
	struct ktest_join join;
	struct lwkt_port *port;

	ktest_join_init(&join, 1);
	port = echo_server_start(&es, &join, cpu, true);
	KT_EXPECT(pingpong_sync(port) == 0);
	KT_EXPECT(echo_server_quit(port) == 0);
	ktest_join_wait(&join);
	KT_EXPECT(es.es_handled == PINGPONG_ROUNDS);
	KT_EXPECT(es.es_bad == 0);
	KT_EXPECT(lwkt_getport(&curthread->td_msgport) == NULL);
}

KTEST(msgport_sync_pingpong_same_cpu)
{
	sync_pingpong_on(mycpuid);
}

KTEST_CPUS(msgport_sync_pingpong_cross_cpu, 2)
{
	sync_pingpong_on(other_cpu());
}

/*
 * Asynchronous ping-pong: ASYNC_WINDOW messages in flight, replies taken
 * with lwkt_waitport and each sent again until PINGPONG_ROUNDS replies.
 */
static u_int
pingpong_async(struct lwkt_port *port, struct tmsg *win)
{
	struct lwkt_port *myport = &curthread->td_msgport;
	u_int sent = 0, bad = 0;
	struct tmsg *tm;
	int n;

	for (n = 0; n < ASYNC_WINDOW; n++) {
		tmsg_init(&win[n], myport, CMD_ECHO, sent++);
		tmsg_sent(&win[n]);
		lwkt_sendmsg(port, &win[n].tm_msg);
	}
	for (u_int got = 0; got < PINGPONG_ROUNDS; got++) {
		tm = lwkt_waitport(myport, 0);
		if (tm < win || tm >= win + ASYNC_WINDOW) {
			bad++;
			continue;
		}
		if (!tmsg_received(tm) ||
		    !reply_is_good(tm, tm->tm_msg.ms_error))
			bad++;
		if (sent < PINGPONG_ROUNDS) {
			tm->tm_in = sent++;
			tmsg_sent(tm);
			lwkt_sendmsg(port, &tm->tm_msg);
		}
	}
	return (bad);
}

static void
async_pingpong_on(int cpu)
{
	static struct tmsg win[ASYNC_WINDOW];
	struct lwkt_port *myport = &curthread->td_msgport;
	struct echo_server es;
	struct ktest_join join;
	struct lwkt_port *port;
	u_int bad = 0;

	ktest_join_init(&join, 1);
	port = echo_server_start(&es, &join, cpu, true);
	KT_EXPECT(pingpong_async(port, win) == 0);

	/* lwkt_waitmsg takes one given reply off the port, in any order. */
	for (int n = 0; n < ASYNC_WINDOW; n++) {
		tmsg_init(&win[n], myport, CMD_ECHO, 1000 + n);
		tmsg_sent(&win[n]);
		lwkt_sendmsg(port, &win[n].tm_msg);
	}
	for (int n = ASYNC_WINDOW - 1; n >= 0; n--) {
		int error = lwkt_waitmsg(&win[n].tm_msg, 0);

		if (!tmsg_received(&win[n]) || !reply_is_good(&win[n], error))
			bad++;
	}
	KT_EXPECT(bad == 0);
	KT_EXPECT(lwkt_getport(myport) == NULL);
	KT_EXPECT(echo_server_quit(port) == 0);
	ktest_join_wait(&join);
	KT_EXPECT(es.es_handled == PINGPONG_ROUNDS + ASYNC_WINDOW);
	KT_EXPECT(es.es_bad == 0);
}

KTEST(msgport_async_pingpong_same_cpu)
{
	async_pingpong_on(mycpuid);
}

KTEST_CPUS(msgport_async_pingpong_cross_cpu, 2)
{
	async_pingpong_on(other_cpu());
}

/*
 * Many senders, MANY_SENDERS_PER_CPU on every cpu, to one thread port.
 * The server checks that each sender's messages arrive once each and in
 * order; each sender checks its replies likewise.
 */
/* clang-format off */
struct many {
	struct lwkt_port	*mn_port;	/* the server's */
	struct ktest_join	 mn_join;	/* senders */
	u_int			 mn_next[MAX_SENDERS]; /* server: expected */
	volatile u_int		 mn_bad;
	volatile u_int		 mn_replies;
};
/* clang-format on */

static struct many many_state;


static void
many_server_thread(void *arg)
{
	struct echo_server *es = arg;
	struct many *mn = &many_state;
	struct tmsg *tm;

	for (;;) {
		tm = lwkt_waitport(&curthread->td_msgport, 0);
		if (tm->tm_msg.ms_cmd == CMD_QUIT) {
			lwkt_replymsg(&tm->tm_msg, 0);
			break;
		}
		if (tm->tm_sender < 0 || tm->tm_sender >= MAX_SENDERS ||
		    tm->tm_seq != mn->mn_next[tm->tm_sender]++)
			atomic_add_int(&mn->mn_bad, 1);
		echo_handle(es, tm);
	}
	ktest_join_done(es->es_join);
}

static void
many_sender_thread(void *arg)
{
	struct many *mn = &many_state;
	struct lwkt_port *myport = &curthread->td_msgport;
	struct tmsg win[ASYNC_WINDOW], *tm;
	int id = (int)(uintptr_t)arg;
	u_int sent = 0, expect = 0, bad = 0;

	for (int n = 0; n < ASYNC_WINDOW; n++) {
		tmsg_init(&win[n], myport, CMD_ECHO, 0);
		win[n].tm_sender = id;
		win[n].tm_seq = sent;
		win[n].tm_in = ((uint64_t)id << 32) | sent++;
		tmsg_sent(&win[n]);
		lwkt_sendmsg(mn->mn_port, &win[n].tm_msg);
	}
	for (u_int got = 0; got < MANY_MSGS_PER_SENDER; got++) {
		tm = lwkt_waitport(myport, 0);
		if (tm < win || tm >= win + ASYNC_WINDOW) {
			bad++;
			continue;
		}
		if (!tmsg_received(tm) || tm->tm_seq != expect++ ||
		    !reply_is_good(tm, tm->tm_msg.ms_error))
			bad++;
		atomic_add_int(&mn->mn_replies, 1);
		if (sent < MANY_MSGS_PER_SENDER) {
			tm->tm_seq = sent;
			tm->tm_in = ((uint64_t)id << 32) | sent++;
			tmsg_sent(tm);
			lwkt_sendmsg(mn->mn_port, &tm->tm_msg);
		}
	}
	if (lwkt_getport(myport) != NULL)
		bad++;
	if (bad != 0)
		atomic_add_int(&mn->mn_bad, bad);
	ktest_join_done(&mn->mn_join);
}

KTEST(msgport_many_senders_one_port)
{
	struct many *mn = &many_state;
	int nsenders = ncpus * MANY_SENDERS_PER_CPU;
	struct echo_server es;
	struct ktest_join join;
	struct thread *td;

	memset(mn, 0, sizeof(*mn));
	ktest_join_init(&join, 1);
	es = (struct echo_server){ &join, NULL, 0, 0, 1 };
	lwkt_create(many_server_thread, &es, &td, 0, ncpus - 1, "kt_many");
	mn->mn_port = &td->td_msgport;
	ktest_join_init(&mn->mn_join, nsenders);
	for (int i = 0; i < nsenders; i++)
		lwkt_create(many_sender_thread, (void *)(uintptr_t)i, NULL, 0,
		    i % ncpus, "kt_sender_%d", i);
	ktest_join_wait(&mn->mn_join);
	KT_EXPECT(echo_server_quit(mn->mn_port) == 0);
	ktest_join_wait(&join);
	KT_EXPECT(mn->mn_bad == 0);
	KT_EXPECT(es.es_bad == 0);
	KT_EXPECT(mn->mn_replies == (u_int)nsenders * MANY_MSGS_PER_SENDER);
	KT_EXPECT(es.es_handled == (u_int)nsenders * MANY_MSGS_PER_SENDER);
	for (int i = 0; i < nsenders; i++)
		KT_EXPECT(mn->mn_next[i] == MANY_MSGS_PER_SENDER);
}

/*
 * Spin ports.  Waiters on every cpu take messages from one spin port;
 * two producers send to it, with their own spin ports as reply ports.
 * Every message must be handled exactly once.  The waiters are stopped
 * with domsg through a null reply port.
 */
#define SPIN_PRODUCERS	2
#define SPIN_HIT_SLOTS	(SPIN_PRODUCERS * SPIN_MSGS_PER_PRODUCER)

/* clang-format off */
struct spin_test {
	struct lwkt_port	 st_port;	/* the shared work port */
	struct lwkt_port	 st_rport[SPIN_PRODUCERS]; /* replies */
	volatile u_int		 st_hits[SPIN_HIT_SLOTS];
	volatile u_int		 st_bad;
	volatile u_int		 st_handled;
	struct ktest_join	 st_waiters;
	struct ktest_join	 st_producers;
};
/* clang-format on */

static struct spin_test spin_state;

static void
spin_waiter_thread(void *arg __unused)
{
	struct spin_test *st = &spin_state;
	struct tmsg *tm;

	for (;;) {
		tm = lwkt_waitport(&st->st_port, 0);
		if (tm->tm_msg.ms_cmd == CMD_QUIT) {
			lwkt_replymsg(&tm->tm_msg, 0);
			break;
		}
		if (tm->tm_in >= SPIN_HIT_SLOTS)
			atomic_add_int(&st->st_bad, 1);
		else
			atomic_add_int(&st->st_hits[tm->tm_in], 1);
		atomic_add_int(&tm->tm_handled, 1);
		atomic_add_int(&st->st_handled, 1);
		tm->tm_msg.u.ms_result64 = echo_value(tm->tm_in);
		lwkt_replymsg(&tm->tm_msg, echo_error(tm->tm_in));
	}
	ktest_join_done(&st->st_waiters);
}

static void
spin_producer_thread(void *arg)
{
	struct spin_test *st = &spin_state;
	int id = (int)(uintptr_t)arg;
	struct lwkt_port *rport = &st->st_rport[id];
	struct tmsg win[ASYNC_WINDOW], *tm;
	u_int base = id * SPIN_MSGS_PER_PRODUCER, sent = 0, bad = 0;

	for (int n = 0; n < ASYNC_WINDOW; n++) {
		tmsg_init(&win[n], rport, CMD_ECHO, base + sent++);
		tmsg_sent(&win[n]);
		lwkt_sendmsg(&st->st_port, &win[n].tm_msg);
	}
	for (u_int got = 0; got < SPIN_MSGS_PER_PRODUCER; got++) {
		tm = lwkt_waitport(rport, 0);
		if (tm < win || tm >= win + ASYNC_WINDOW) {
			bad++;
			continue;
		}
		if (!tmsg_received(tm) || tm->tm_handled != 1 ||
		    !reply_is_good(tm, tm->tm_msg.ms_error))
			bad++;
		if (sent < SPIN_MSGS_PER_PRODUCER) {
			tm->tm_in = base + sent++;
			tm->tm_handled = 0;
			tmsg_sent(tm);
			lwkt_sendmsg(&st->st_port, &tm->tm_msg);
		}
	}
	if (lwkt_getport(rport) != NULL)
		bad++;
	if (bad != 0)
		atomic_add_int(&st->st_bad, bad);
	ktest_join_done(&st->st_producers);
}

KTEST(msgport_spin_port_waiters_every_cpu)
{
	struct spin_test *st = &spin_state;
	struct lwkt_port nullport;
	struct tmsg quit;
	int nwaiters = ncpus + 1;

	memset(st, 0, sizeof(*st));
	lwkt_initport_spin(&st->st_port, NULL, false);
	for (int i = 0; i < SPIN_PRODUCERS; i++)
		lwkt_initport_spin(&st->st_rport[i], NULL, false);
	lwkt_initport_replyonly_null(&nullport);
	KT_EXPECT(lwkt_getport(&st->st_port) == NULL);

	ktest_join_init(&st->st_waiters, nwaiters);
	for (int i = 0; i < nwaiters; i++)
		lwkt_create(spin_waiter_thread, NULL, NULL, 0, i % ncpus,
		    "kt_spinwait_%d", i);
	ktest_join_init(&st->st_producers, SPIN_PRODUCERS);
	for (int i = 0; i < SPIN_PRODUCERS; i++)
		lwkt_create(spin_producer_thread, (void *)(uintptr_t)i, NULL,
		    0, (i + 1) % ncpus, "kt_spinprod_%d", i);
	ktest_join_wait(&st->st_producers);

	for (int i = 0; i < nwaiters; i++) {
		tmsg_init(&quit, &nullport, CMD_QUIT, 0);
		KT_EXPECT(lwkt_domsg(&st->st_port, &quit.tm_msg, 0) == 0);
		KT_EXPECT((lwkt_msg_flags(&quit.tm_msg) & STATE_MASK) ==
		    (MSGF_DONE | MSGF_REPLY | MSGF_SYNC));
	}
	ktest_join_wait(&st->st_waiters);
	KT_EXPECT(st->st_bad == 0);
	KT_EXPECT(st->st_handled == SPIN_HIT_SLOTS);
	for (u_int i = 0; i < SPIN_HIT_SLOTS; i++)
		KT_EXPECT(st->st_hits[i] == 1);
	KT_EXPECT(lwkt_getport(&st->st_port) == NULL);
}

/*
 * Synchronous requests from every cpu whose reply port is one shared
 * spin port: each domsg waits on its own message (lwkt_waitmsg on a spin
 * port) while others' replies arrive on the same port.
 */
/* clang-format off */
struct spin_sync {
	struct lwkt_port	 ss_rport;
	struct lwkt_port	*ss_server;
	volatile u_int		 ss_bad;
	struct ktest_join	 ss_join;
};
/* clang-format on */

static void
spin_sync_client_thread(void *arg)
{
	struct spin_sync *ss = arg;
	struct tmsg tm;
	u_int bad = 0;
	int error;

	tmsg_init(&tm, &ss->ss_rport, CMD_ECHO, 0);
	for (u_int i = 0; i < SPIN_SYNC_ROUNDS; i++) {
		tm.tm_in = ((uint64_t)mycpuid << 32) | i;
		tmsg_sent(&tm);
		error = lwkt_domsg(ss->ss_server, &tm.tm_msg, 0);
		if (!tmsg_received(&tm) || !reply_is_good(&tm, error))
			bad++;
	}
	if (bad != 0)
		atomic_add_int(&ss->ss_bad, bad);
	ktest_join_done(&ss->ss_join);
}

KTEST(msgport_spin_reply_port_sync_every_cpu)
{
	static struct spin_sync ss;
	struct echo_server es;
	struct ktest_join join;

	lwkt_initport_spin(&ss.ss_rport, NULL, false);
	ss.ss_bad = 0;
	ktest_join_init(&join, 1);
	ss.ss_server = echo_server_start(&es, &join, ncpus - 1, true);
	ktest_join_init(&ss.ss_join, ncpus);
	for (int i = 0; i < ncpus; i++)
		lwkt_create(spin_sync_client_thread, &ss, NULL, 0, i,
		    "kt_spinsync_%d", i);
	ktest_join_wait(&ss.ss_join);
	KT_EXPECT(echo_server_quit(ss.ss_server) == 0);
	ktest_join_wait(&join);
	KT_EXPECT(ss.ss_bad == 0);
	KT_EXPECT(es.es_handled == (u_int)ncpus * SPIN_SYNC_ROUNDS);
	KT_EXPECT(lwkt_getport(&ss.ss_rport) == NULL);
}

/*
 * Serializers.  First the lock alone: try/held/exit, then threads on
 * every cpu taking it, some sleeping while they hold it, never two
 * inside at once.
 */
/* clang-format off */
struct slz_test {
	struct lwkt_serialize	 sz_slz;
	volatile u_int		 sz_inside;	/* holders right now */
	volatile u_int		 sz_overlaps;	/* times it was > 1 */
	u_int			 sz_count;	/* plain: under sz_slz */
	struct ktest_join	 sz_join;
};
/* clang-format on */

static void
slz_contend_thread(void *arg)
{
	struct slz_test *sz = arg;

	for (int i = 0; i < SLZ_ROUNDS; i++) {
		lwkt_serialize_enter(&sz->sz_slz);
		if (atomic_fetchadd_int(&sz->sz_inside, 1) != 0)
			atomic_add_int(&sz->sz_overlaps, 1);
		sz->sz_count++;
		if (!lwkt_serialize_is_held(&sz->sz_slz))
			atomic_add_int(&sz->sz_overlaps, 1);
		if (i % SLZ_SLEEP_EVERY == 0)
			tsleep(sz, 0, "ktslz", 1);	/* held while asleep */
		atomic_subtract_int(&sz->sz_inside, 1);
		lwkt_serialize_exit(&sz->sz_slz);
	}
	ktest_join_done(&sz->sz_join);
}

KTEST(msgport_serializer_exclusive)
{
	static struct slz_test sz;
	int nthreads = 2 * ncpus;

	lwkt_serialize_init(&sz.sz_slz);
	KT_EXPECT(!lwkt_serialize_is_held(&sz.sz_slz));
	KT_ASSERT(lwkt_serialize_try(&sz.sz_slz));
	KT_EXPECT(lwkt_serialize_is_held(&sz.sz_slz));
	KT_EXPECT(!lwkt_serialize_try(&sz.sz_slz));
	lwkt_serialize_exit(&sz.sz_slz);
	KT_EXPECT(!lwkt_serialize_is_held(&sz.sz_slz));
	KT_EXPECT(sz.sz_slz.slz_lock == 0);

	sz.sz_inside = 0;
	sz.sz_overlaps = 0;
	sz.sz_count = 0;
	ktest_join_init(&sz.sz_join, nthreads);
	for (int i = 0; i < nthreads; i++)
		lwkt_create(slz_contend_thread, &sz, NULL, 0, i % ncpus,
		    "kt_slz_%d", i);
	ktest_join_wait(&sz.sz_join);
	KT_EXPECT(sz.sz_overlaps == 0);
	KT_EXPECT(sz.sz_count == (u_int)nthreads * SLZ_ROUNDS);
	KT_EXPECT(sz.sz_slz.slz_lock == 0);
}

/*
 * A serializer port under contention: handler threads on every cpu take
 * requests from it holding the serializer; senders on every cpu put to
 * it (half of them asynchronously with replies on their thread port,
 * half with domsg replying to the serializer port itself).  An atomic
 * in-handler counter must never exceed 1.
 */
/* clang-format off */
struct slz_port_test {
	struct lwkt_serialize	 sp_slz;
	struct lwkt_port	 sp_port;
	volatile u_int		 sp_inside;
	volatile u_int		 sp_overlaps;
	volatile u_int		 sp_handled;
	volatile u_int		 sp_bad;
	struct ktest_join	 sp_handlers;
	struct ktest_join	 sp_senders;
};
/* clang-format on */

static struct slz_port_test slz_port_state;

static void
slz_handler_thread(void *arg __unused)
{
	struct slz_port_test *sp = &slz_port_state;
	struct tmsg *tm;

	lwkt_serialize_enter(&sp->sp_slz);
	for (;;) {
		tm = lwkt_waitport(&sp->sp_port, 0);
		if (tm->tm_msg.ms_cmd == CMD_QUIT) {
			lwkt_replymsg(&tm->tm_msg, 0);
			break;
		}
		if (atomic_fetchadd_int(&sp->sp_inside, 1) != 0)
			atomic_add_int(&sp->sp_overlaps, 1);
		for (int i = 0; i < SLZ_WORK_PAUSES; i++)
			cpu_pause();
		atomic_add_int(&tm->tm_handled, 1);
		tm->tm_msg.u.ms_result64 = echo_value(tm->tm_in);
		atomic_add_int(&sp->sp_handled, 1);
		atomic_subtract_int(&sp->sp_inside, 1);
		lwkt_replymsg(&tm->tm_msg, echo_error(tm->tm_in));
		/* Let others in between requests. */
		lwkt_serialize_exit(&sp->sp_slz);
		lwkt_serialize_enter(&sp->sp_slz);
	}
	lwkt_serialize_exit(&sp->sp_slz);
	ktest_join_done(&sp->sp_handlers);
}

static void
slz_sender_thread(void *arg)
{
	struct slz_port_test *sp = &slz_port_state;
	bool sync = ((uintptr_t)arg & 1) != 0;
	struct tmsg tm;
	u_int bad = 0;
	int error;

	tmsg_init(&tm, sync ? &sp->sp_port : &curthread->td_msgport,
	    CMD_ECHO, 0);
	for (u_int i = 0; i < SLZ_PORT_ROUNDS; i++) {
		tm.tm_in = ((uint64_t)(uintptr_t)arg << 32) | i;
		tm.tm_handled = 0;
		tmsg_sent(&tm);
		lwkt_serialize_enter(&sp->sp_slz);
		if (sync) {
			error = lwkt_domsg(&sp->sp_port, &tm.tm_msg, 0);
			lwkt_serialize_exit(&sp->sp_slz);
		} else {
			lwkt_sendmsg(&sp->sp_port, &tm.tm_msg);
			lwkt_serialize_exit(&sp->sp_slz);
			error = lwkt_waitmsg(&tm.tm_msg, 0);
		}
		if (!tmsg_received(&tm) || tm.tm_handled != 1 ||
		    !reply_is_good(&tm, error))
			bad++;
	}
	if (bad != 0)
		atomic_add_int(&sp->sp_bad, bad);
	ktest_join_done(&sp->sp_senders);
}

KTEST(msgport_serializer_port_contention)
{
	struct slz_port_test *sp = &slz_port_state;
	int nhandlers = ncpus, nsenders = 2 * ncpus;
	struct tmsg quit;

	memset(sp, 0, sizeof(*sp));
	lwkt_serialize_init(&sp->sp_slz);
	lwkt_initport_serialize(&sp->sp_port, &sp->sp_slz);
	ktest_join_init(&sp->sp_handlers, nhandlers);
	for (int i = 0; i < nhandlers; i++)
		lwkt_create(slz_handler_thread, NULL, NULL, 0, i,
		    "kt_slzh_%d", i);
	ktest_join_init(&sp->sp_senders, nsenders);
	for (int i = 0; i < nsenders; i++)
		lwkt_create(slz_sender_thread, (void *)(uintptr_t)i, NULL, 0,
		    i % ncpus, "kt_slzs_%d", i);
	ktest_join_wait(&sp->sp_senders);
	for (int i = 0; i < nhandlers; i++) {
		tmsg_init(&quit, &curthread->td_msgport, CMD_QUIT, 0);
		lwkt_serialize_enter(&sp->sp_slz);
		lwkt_sendmsg(&sp->sp_port, &quit.tm_msg);
		lwkt_serialize_exit(&sp->sp_slz);
		KT_EXPECT(lwkt_waitmsg(&quit.tm_msg, 0) == 0);
	}
	ktest_join_wait(&sp->sp_handlers);
	KT_EXPECT(sp->sp_overlaps == 0);
	KT_EXPECT(sp->sp_bad == 0);
	KT_EXPECT(sp->sp_handled == (u_int)nsenders * SLZ_PORT_ROUNDS);
	lwkt_serialize_enter(&sp->sp_slz);
	KT_EXPECT(lwkt_getport(&sp->sp_port) == NULL);
	lwkt_serialize_exit(&sp->sp_slz);
}

/*
 * Put-only ports: the request runs in the sender's context.  domsg
 * returns the put's result without queueing anything; a handler that
 * replies itself and returns EASYNC completes the domsg as well; a
 * sendmsg gets its reply on the reply port.
 */
static int
direct_putport(struct lwkt_port *port __unused, struct lwkt_msg *msg)
{
	struct tmsg *tm = (struct tmsg *)msg;

	tm->tm_handler_td = curthread;
	atomic_add_int(&tm->tm_handled, 1);
	msg->u.ms_result64 = echo_value(tm->tm_in);
	if (msg->ms_cmd == CMD_REPLY_SELF) {
		lwkt_replymsg(msg, SELF_REPLY_ERROR);
		return (EASYNC);
	}
	return (echo_error(tm->tm_in));
}

KTEST(msgport_domsg_runs_in_caller)
{
	struct lwkt_port *myport = &curthread->td_msgport;
	struct lwkt_port direct;
	struct tmsg tm, *rtm;
	int error;

	lwkt_initport_putonly(&direct, direct_putport);
	tmsg_init(&tm, myport, CMD_ECHO, 12345);
	KT_EXPECT(lwkt_checkmsg(&tm.tm_msg));
	error = lwkt_domsg(&direct, &tm.tm_msg, 0);
	KT_EXPECT(error == echo_error(12345));
	KT_EXPECT(tm.tm_handler_td == curthread);
	KT_EXPECT(tm.tm_handled == 1);
	KT_EXPECT(reply_is_good(&tm, error));
	KT_EXPECT(lwkt_getport(myport) == NULL);

	tmsg_init(&tm, myport, CMD_REPLY_SELF, 77);
	error = lwkt_domsg(&direct, &tm.tm_msg, 0);
	KT_EXPECT(error == SELF_REPLY_ERROR);
	KT_EXPECT(tm.tm_handler_td == curthread);
	KT_EXPECT((lwkt_msg_flags(&tm.tm_msg) & STATE_MASK) ==
	    (MSGF_DONE | MSGF_REPLY | MSGF_SYNC));
	KT_EXPECT(lwkt_getport(myport) == NULL);

	/* Asynchronous: the result comes back as a queued reply. */
	tmsg_init(&tm, myport, CMD_ECHO, 99);
	lwkt_sendmsg(&direct, &tm.tm_msg);
	KT_EXPECT(tm.tm_handler_td == curthread);
	rtm = lwkt_getport(myport);
	KT_ASSERT(rtm == &tm);
	KT_EXPECT(reply_is_good(&tm, tm.tm_msg.ms_error));
	KT_EXPECT(lwkt_getport(myport) == NULL);
}

/*
 * Priority messages are served first; lwkt_dequeuemsg takes a queued
 * message back and refuses one that is not queued.
 */
KTEST(msgport_priority_and_dequeue)
{
	struct lwkt_port *myport = &curthread->td_msgport;
	static struct tmsg m[5];
	static const int order[] = { 3, 4, 0, 1, 2 };
	struct tmsg *tm;

	for (int i = 0; i < 5; i++) {
		tmsg_init(&m[i], myport, CMD_ECHO, i);
		if (i >= 3)
			lwkt_msg_setflags(&m[i].tm_msg, MSGF_PRIORITY);
		lwkt_sendmsg(myport, &m[i].tm_msg);
		KT_EXPECT(!lwkt_checkmsg(&m[i].tm_msg));
		KT_EXPECT(lwkt_msg_flags(&m[i].tm_msg) & MSGF_QUEUED);
	}
	for (int i = 0; i < 5; i++) {
		tm = lwkt_getport(myport);
		KT_ASSERT(tm == &m[order[i]]);
		KT_EXPECT((lwkt_msg_flags(&tm->tm_msg) & STATE_MASK) == 0);
		KT_EXPECT(lwkt_dequeuemsg(&tm->tm_msg) == ENOENT);
	}
	KT_EXPECT(lwkt_getport(myport) == NULL);
	for (int i = 0; i < 5; i++) {
		m[i].tm_msg.u.ms_result64 = echo_value(m[i].tm_in);
		lwkt_replymsg(&m[i].tm_msg, echo_error(m[i].tm_in));
	}
	/* The replies are queued on the same port now: wait for each. */
	for (int i = 4; i >= 0; i--) {
		KT_EXPECT(lwkt_waitmsg(&m[i].tm_msg, 0) == echo_error(i));
		KT_EXPECT(reply_is_good(&m[i], m[i].tm_msg.ms_error));
	}
	KT_EXPECT(lwkt_getport(myport) == NULL);

	/* Taking a queued request back, then replying to it ourselves. */
	tmsg_init(&m[0], myport, CMD_ECHO, 5);
	KT_EXPECT(lwkt_dequeuemsg(&m[0].tm_msg) == ENOENT);	/* never sent */
	lwkt_sendmsg(myport, &m[0].tm_msg);
	KT_EXPECT(lwkt_dequeuemsg(&m[0].tm_msg) == 0);
	KT_EXPECT(lwkt_dequeuemsg(&m[0].tm_msg) == ENOENT);
	KT_EXPECT(lwkt_getport(myport) == NULL);
	lwkt_replymsg(&m[0].tm_msg, ECANCELED);
	KT_EXPECT(lwkt_waitmsg(&m[0].tm_msg, 0) == ECANCELED);
	KT_EXPECT(lwkt_getport(myport) == NULL);
}

/* A request forwarded by one server is answered by another. */
KTEST(msgport_forward)
{
	struct echo_server es1, es2;
	struct ktest_join join;
	struct lwkt_port *p1, *p2;
	struct tmsg tm;
	int error;

	ktest_join_init(&join, 2);
	p2 = echo_server_start(&es2, &join, ncpus - 1, true);
	p1 = echo_server_start(&es1, &join, other_cpu(), false);
	es1.es_next = p2;
	echo_server_open(&es1);
	for (int i = 0; i < 100; i++) {
		tmsg_init(&tm, &curthread->td_msgport, CMD_FORWARD, i);
		error = lwkt_domsg(p1, &tm.tm_msg, 0);
		KT_EXPECT(reply_is_good(&tm, error));
		KT_EXPECT(tm.tm_handled == 1);
	}
	KT_EXPECT(echo_server_quit(p1) == 0);
	KT_EXPECT(echo_server_quit(p2) == 0);
	ktest_join_wait(&join);
	KT_EXPECT(es1.es_handled == 0);
	KT_EXPECT(es2.es_handled == 100);
}

/*
 * A reply-only port with a function of ours: every reply, from the
 * server's cpu, calls it exactly once per message.
 */
#define REPLYFN_MSGS	64

static volatile u_int replyfn_calls[REPLYFN_MSGS];
static volatile u_int replyfn_total;

static void
count_replyport(struct lwkt_port *port __unused, struct lwkt_msg *msg)
{
	struct tmsg *tm = (struct tmsg *)msg;

	/* Called before any completion bit is set: the port decides. */
	if (tm->tm_in < REPLYFN_MSGS && (lwkt_msg_flags(msg) &
	    (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED)) == 0)
		atomic_add_int(&replyfn_calls[tm->tm_in], 1);
	atomic_add_int(&replyfn_total, 1);
}

KTEST(msgport_replyonly_function)
{
	static struct tmsg m[REPLYFN_MSGS];
	struct lwkt_port rport;
	struct echo_server es;
	struct ktest_join join;
	struct lwkt_port *port;

	for (int i = 0; i < REPLYFN_MSGS; i++)
		replyfn_calls[i] = 0;
	replyfn_total = 0;
	lwkt_initport_replyonly(&rport, count_replyport);
	ktest_join_init(&join, 1);
	port = echo_server_start(&es, &join, other_cpu(), true);
	for (int i = 0; i < REPLYFN_MSGS; i++) {
		tmsg_init(&m[i], &rport, CMD_ECHO, i);
		lwkt_sendmsg(port, &m[i].tm_msg);
	}
	KT_EXPECT(echo_server_quit(port) == 0);	/* after all of them */
	ktest_join_wait(&join);
	KT_EXPECT(replyfn_total == REPLYFN_MSGS);
	for (int i = 0; i < REPLYFN_MSGS; i++) {
		KT_EXPECT(replyfn_calls[i] == 1);
		KT_EXPECT(m[i].tm_msg.u.ms_result64 == echo_value(i));
		KT_EXPECT(m[i].tm_msg.ms_error == echo_error(i));
	}
}

/*
 * A port owner that keeps migrating: puts and replies from every cpu
 * must follow it (forwarded by the cpu it left).  The server moves to the
 * next cpu every MIGRATE_EVERY requests.
 *
 * XXX: left out of ThreadSanitizer builds: lwkt_setcpu_remote() stores
 * td_gd and td_flags without atomics while thread ports on other cpus
 * read them, which TSan reports.  On x86_64 those aligned stores are
 * atomic anyway; once the scheduler uses atomic stores there, drop the
 * #if.
 */
#if !defined(__SANITIZE_THREAD__)
#define MIGRATE_EVERY		25
#define MIGRATE_MSGS_PER_CLIENT	500

/* clang-format off */
struct migrate_test {
	struct lwkt_port	*mt_port;
	volatile u_int		 mt_bad;
	volatile u_int		 mt_moves;
	struct ktest_join	 mt_clients;
};
/* clang-format on */

static struct migrate_test migrate_state;

static void
migrate_server_thread(void *arg)
{
	struct echo_server *es = arg;
	struct migrate_test *mt = &migrate_state;
	struct tmsg *tm;

	for (u_int n = 1;; n++) {
		tm = lwkt_waitport(&curthread->td_msgport, 0);
		if (tm->tm_msg.ms_cmd == CMD_QUIT) {
			lwkt_replymsg(&tm->tm_msg, 0);
			break;
		}
		echo_handle(es, tm);
		if (n % MIGRATE_EVERY == 0) {
			lwkt_migratecpu((mycpuid + 1) % ncpus);
			atomic_add_int(&mt->mt_moves, 1);
		}
	}
	ktest_join_done(es->es_join);
}

static void
migrate_client_thread(void *arg __unused)
{
	struct migrate_test *mt = &migrate_state;
	struct lwkt_port *myport = &curthread->td_msgport;
	struct tmsg win[ASYNC_WINDOW / 2], *tm;
	u_int sent = 0, bad = 0;

	for (int n = 0; n < ASYNC_WINDOW / 2; n++) {
		tmsg_init(&win[n], myport, CMD_ECHO, sent++);
		tmsg_sent(&win[n]);
		lwkt_sendmsg(mt->mt_port, &win[n].tm_msg);
	}
	for (u_int got = 0; got < MIGRATE_MSGS_PER_CLIENT; got++) {
		tm = lwkt_waitport(myport, 0);
		if (tm < win || tm >= win + ASYNC_WINDOW / 2) {
			bad++;
			continue;
		}
		if (!tmsg_received(tm) ||
		    !reply_is_good(tm, tm->tm_msg.ms_error))
			bad++;
		if (sent < MIGRATE_MSGS_PER_CLIENT) {
			tm->tm_in = sent++;
			tmsg_sent(tm);
			lwkt_sendmsg(mt->mt_port, &tm->tm_msg);
		}
	}
	if (bad != 0)
		atomic_add_int(&mt->mt_bad, bad);
	ktest_join_done(&mt->mt_clients);
}

KTEST_CPUS(msgport_port_owner_migrates, 2)
{
	struct migrate_test *mt = &migrate_state;
	struct echo_server es;
	struct ktest_join join;
	struct thread *td;

	mt->mt_bad = 0;
	mt->mt_moves = 0;
	ktest_join_init(&join, 1);
	es = (struct echo_server){ &join, NULL, 0, 0, 1 };
	lwkt_create(migrate_server_thread, &es, &td, 0, 0, "kt_migrate");
	mt->mt_port = &td->td_msgport;
	ktest_join_init(&mt->mt_clients, ncpus);
	for (int i = 0; i < ncpus; i++)
		lwkt_create(migrate_client_thread, NULL, NULL, 0, i,
		    "kt_migcl_%d", i);
	ktest_join_wait(&mt->mt_clients);
	KT_EXPECT(echo_server_quit(mt->mt_port) == 0);
	ktest_join_wait(&join);
	KT_EXPECT(mt->mt_bad == 0);
	KT_EXPECT(es.es_bad == 0);
	KT_EXPECT(es.es_handled == (u_int)ncpus * MIGRATE_MSGS_PER_CLIENT);
	KT_EXPECT(mt->mt_moves >= es.es_handled / MIGRATE_EVERY);
}
#endif /* !__SANITIZE_THREAD__ */

/*
 * Abort.  The abort function runs in the target's context (the server's
 * cpu, in a critical section) and cancels the message if it is still
 * queued; a replied message is left alone.
 */
static volatile u_int abort_calls;
static volatile int abort_cpu;
static volatile u_int abort_not_crit;

static void
test_abortfn(struct lwkt_msg *msg)
{
	atomic_add_int(&abort_calls, 1);
	abort_cpu = mycpuid;
	if (!crit_is_held())
		atomic_add_int(&abort_not_crit, 1);
	if (lwkt_dequeuemsg(msg) == 0)
		lwkt_replymsg(msg, ECANCELED);
}

static void
tmsg_init_abortable(struct tmsg *tm, struct lwkt_port *rport, uint64_t in)
{
	tmsg_init(tm, rport, CMD_ECHO, in);
	lwkt_initmsg_abortable(&tm->tm_msg, rport, 0, test_abortfn);
}

/* Spin until msg has flag set (or a generous bound passes). */
static bool
wait_msg_flag(struct lwkt_msg *msg, int flag)
{
	for (long i = 0; i < WAIT_FLAG_SPINS; i++) {
		if (lwkt_msg_flags(msg) & flag)
			return (true);
		cpu_pause();
	}
	return (false);
}

KTEST(msgport_abort_queued_and_replied)
{
	struct lwkt_port *myport = &curthread->td_msgport;
	struct echo_server es;
	struct ktest_join join;
	struct lwkt_port *port;
	struct tmsg a, b;
	int cpu = other_cpu();

	abort_calls = 0;
	abort_not_crit = 0;
	abort_cpu = -1;
	ktest_join_init(&join, 1);
	port = echo_server_start(&es, &join, cpu, false);

	/* Queued behind a closed gate: the abort cancels it. */
	tmsg_init_abortable(&a, myport, 1);
	lwkt_sendmsg(port, &a.tm_msg);
	KT_ASSERT(wait_msg_flag(&a.tm_msg, MSGF_QUEUED));
	lwkt_abortmsg(&a.tm_msg);
	KT_EXPECT(abort_calls == 1);
	KT_EXPECT(abort_cpu == cpu);
	KT_EXPECT(abort_not_crit == 0);
	KT_EXPECT(lwkt_waitmsg(&a.tm_msg, 0) == ECANCELED);
	KT_EXPECT((lwkt_msg_flags(&a.tm_msg) & (STATE_MASK | MSGF_ABORTED)) ==
	    (MSGF_DONE | MSGF_REPLY | MSGF_ABORTED));
	KT_EXPECT(a.tm_handled == 0);

	/* Already replied: a second abort does nothing. */
	lwkt_abortmsg(&a.tm_msg);
	KT_EXPECT(abort_calls == 1);

	/* A message that is not abortable is not touched by abortmsg. */
	tmsg_init(&b, myport, CMD_ECHO, 2);
	lwkt_sendmsg(port, &b.tm_msg);
	KT_ASSERT(wait_msg_flag(&b.tm_msg, MSGF_QUEUED));
	lwkt_abortmsg(&b.tm_msg);
	KT_EXPECT(abort_calls == 1);
	echo_server_open(&es);
	KT_EXPECT(lwkt_waitmsg(&b.tm_msg, 0) == echo_error(2));
	KT_EXPECT(reply_is_good(&b, b.tm_msg.ms_error));

	/* Served and replied, then aborted: unaffected. */
	tmsg_init_abortable(&a, myport, 3);
	lwkt_sendmsg(port, &a.tm_msg);
	KT_EXPECT(lwkt_waitmsg(&a.tm_msg, 0) == echo_error(3));
	lwkt_abortmsg(&a.tm_msg);
	KT_EXPECT(abort_calls == 1);
	KT_EXPECT(reply_is_good(&a, a.tm_msg.ms_error));
	KT_EXPECT((lwkt_msg_flags(&a.tm_msg) & MSGF_ABORTED) == 0);

	KT_EXPECT(echo_server_quit(port) == 0);
	ktest_join_wait(&join);
	KT_EXPECT(es.es_handled == 2);
	KT_EXPECT(lwkt_getport(myport) == NULL);
}

/*
 * Abort of messages on a spin port, where the abort function runs in the
 * caller's context: one still queued is taken back and cancelled; one
 * already taken by the target is only marked aborted, then answered.
 */
KTEST(msgport_abort_on_spin_port)
{
	struct lwkt_port *myport = &curthread->td_msgport;
	struct lwkt_port sport;
	struct tmsg a, b;

	abort_calls = 0;
	abort_not_crit = 0;
	lwkt_initport_spin(&sport, NULL, false);
	tmsg_init_abortable(&a, myport, 10);
	tmsg_init_abortable(&b, myport, 11);
	lwkt_sendmsg(&sport, &a.tm_msg);
	lwkt_sendmsg(&sport, &b.tm_msg);
	KT_ASSERT(lwkt_getport(&sport) == &a);	/* a is in the target's hands */

	lwkt_abortmsg(&a.tm_msg);
	KT_EXPECT(abort_calls == 1);
	KT_EXPECT(!lwkt_checkmsg(&a.tm_msg));
	KT_EXPECT(lwkt_msg_flags(&a.tm_msg) & MSGF_ABORTED);
	lwkt_abortmsg(&b.tm_msg);
	KT_EXPECT(abort_calls == 2);
	KT_EXPECT(lwkt_getport(&sport) == NULL);
	KT_EXPECT(abort_not_crit == 0);

	a.tm_msg.u.ms_result64 = echo_value(a.tm_in);
	lwkt_replymsg(&a.tm_msg, echo_error(a.tm_in));
	KT_EXPECT(lwkt_waitmsg(&b.tm_msg, 0) == ECANCELED);
	KT_EXPECT(lwkt_msg_flags(&b.tm_msg) & MSGF_ABORTED);
	KT_EXPECT(lwkt_waitmsg(&a.tm_msg, 0) == echo_error(10));
	KT_EXPECT(reply_is_good(&a, a.tm_msg.ms_error));
	KT_EXPECT(lwkt_getport(myport) == NULL);
	lwkt_abortmsg(&a.tm_msg);	/* replied: nothing happens */
	KT_EXPECT(abort_calls == 2);
}

/*
 * Abort racing with replies: a window of abortable messages to a busy
 * server, aborted at varying moments.  Each comes back exactly once,
 * either cancelled (never handled) or answered (handled once).
 */
#define ABORT_NOW	0	/* abort right after the send */
#define ABORT_LATER	1	/* abort after a short spin */
#define ABORT_NEVER	2
#define ABORT_MODES	3
#define ABORT_LATER_SPINS 200

static void
abort_race_send(struct lwkt_port *port, struct tmsg *tm, u_int n)
{
	tm->tm_in = n;
	tm->tm_handled = 0;
	tmsg_sent(tm);
	lwkt_sendmsg(port, &tm->tm_msg);
	switch (n % ABORT_MODES) {
	case ABORT_LATER:
		for (int i = 0; i < ABORT_LATER_SPINS; i++)
			cpu_pause();
		__fallthrough;
	case ABORT_NOW:
		lwkt_abortmsg(&tm->tm_msg);
		break;
	default:
		break;
	}
}

KTEST(msgport_abort_races_reply)
{
	static struct tmsg win[ASYNC_WINDOW];
	struct lwkt_port *myport = &curthread->td_msgport;
	u_int sent = 0, cancelled = 0, answered = 0, bad = 0;
	struct echo_server es;
	struct ktest_join join;
	struct lwkt_port *port;
	struct tmsg *tm;

	abort_calls = 0;
	abort_not_crit = 0;
	ktest_join_init(&join, 1);
	port = echo_server_start(&es, &join, other_cpu(), true);
	for (int n = 0; n < ASYNC_WINDOW; n++) {
		tmsg_init_abortable(&win[n], myport, 0);
		abort_race_send(port, &win[n], sent++);
	}
	for (u_int got = 0; got < ABORT_RACE_SENDS; got++) {
		tm = lwkt_waitport(myport, 0);
		if (tm < win || tm >= win + ASYNC_WINDOW || !tmsg_received(tm)) {
			bad++;
			continue;
		}
		if (tm->tm_msg.ms_error == ECANCELED) {
			cancelled++;
			if (tm->tm_handled != 0 ||
			    tm->tm_in % ABORT_MODES == ABORT_NEVER)
				bad++;
		} else {
			answered++;
			if (tm->tm_handled != 1 ||
			    !reply_is_good(tm, tm->tm_msg.ms_error))
				bad++;
		}
		if (sent < ABORT_RACE_SENDS)
			abort_race_send(port, tm, sent++);
	}
	KT_EXPECT(echo_server_quit(port) == 0);
	ktest_join_wait(&join);
	KT_EXPECT(bad == 0);
	KT_EXPECT(cancelled + answered == ABORT_RACE_SENDS);
	KT_EXPECT(es.es_handled == answered);
	KT_EXPECT(abort_calls >= cancelled);
	KT_EXPECT(abort_not_crit == 0);
	KT_EXPECT(lwkt_getport(myport) == NULL);
	kprintf("msgport: abort race: %u cancelled, %u answered, %u abortfn "
	    "calls\n", cancelled, answered, abort_calls);
}

/*
 * Benchmarks: synchronous round trips (domsg to an echo server) on one
 * cpu and between two, asynchronous throughput with a window, and domsg
 * to a put-only port (a function call through the port).
 */
static void
bench_sync(const char *name, int cpu)
{
	uint64_t res[BENCH_REPEATS], t0;
	struct echo_server es;
	struct ktest_join join;
	struct lwkt_port *port;
	struct tmsg tm;

	ktest_join_init(&join, 1);
	port = echo_server_start(&es, &join, cpu, true);
	tmsg_init(&tm, &curthread->td_msgport, CMD_ECHO, 0);
	for (int r = 0; r < BENCH_REPEATS; r++) {
		t0 = nanouptime_ns();
		for (int i = 0; i < BENCH_ROUNDS; i++)
			lwkt_domsg(port, &tm.tm_msg, 0);
		res[r] = (nanouptime_ns() - t0) * 100 / BENCH_ROUNDS;
	}
	echo_server_quit(port);
	ktest_join_wait(&join);
	kbench_report(name, res, BENCH_REPEATS);
}

static void
bench_async(const char *name, int cpu)
{
	static struct tmsg win[ASYNC_WINDOW];
	struct lwkt_port *myport = &curthread->td_msgport;
	uint64_t res[BENCH_REPEATS], t0;
	struct echo_server es;
	struct ktest_join join;
	struct lwkt_port *port;
	struct tmsg *tm;

	ktest_join_init(&join, 1);
	port = echo_server_start(&es, &join, cpu, true);
	for (int n = 0; n < ASYNC_WINDOW; n++)
		tmsg_init(&win[n], myport, CMD_ECHO, n);
	for (int r = 0; r < BENCH_REPEATS; r++) {
		t0 = nanouptime_ns();
		for (int n = 0; n < ASYNC_WINDOW; n++)
			lwkt_sendmsg(port, &win[n].tm_msg);
		for (int i = 0; i < BENCH_ROUNDS; i++) {
			tm = lwkt_waitport(myport, 0);
			if (i < BENCH_ROUNDS - ASYNC_WINDOW)
				lwkt_sendmsg(port, &tm->tm_msg);
		}
		res[r] = (nanouptime_ns() - t0) * 100 / BENCH_ROUNDS;
	}
	echo_server_quit(port);
	ktest_join_wait(&join);
	kbench_report(name, res, BENCH_REPEATS);
}

static void
bench_direct(void)
{
	uint64_t res[BENCH_REPEATS], t0;
	struct lwkt_port direct;
	struct tmsg tm;

	lwkt_initport_putonly(&direct, direct_putport);
	tmsg_init(&tm, &curthread->td_msgport, CMD_ECHO, 0);
	for (int r = 0; r < BENCH_REPEATS; r++) {
		t0 = nanouptime_ns();
		for (int i = 0; i < BENCH_ROUNDS; i++)
			lwkt_domsg(&direct, &tm.tm_msg, 0);
		res[r] = (nanouptime_ns() - t0) * 100 / BENCH_ROUNDS;
	}
	kbench_report("msgport_direct", res, BENCH_REPEATS);
}

/* The benchmarks run in a fresh thread on cpu 0, as the tests do. */
static void
bench_thread(void *arg)
{
	bench_direct();
	bench_sync("msgport_sync_local", mycpuid);
	if (ncpus < 2) {
		kprintf("bench: msgport_sync_remote skipped (1 cpu)\n");
	} else {
		bench_sync("msgport_sync_remote", other_cpu());
		bench_async("msgport_async_remote", other_cpu());
	}
	ktest_join_done(arg);
}

void	msgport_bench(void);

void
msgport_bench(void)
{
	struct ktest_join join;

	ktest_join_init(&join, 1);
	lwkt_create(bench_thread, &join, NULL, 0, 0, "kt_msgbench");
	ktest_join_wait(&join);
}

KBENCH(msgport)
{
	msgport_bench();
}
