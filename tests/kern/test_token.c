/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * test_token.c - kernel tests of serializing tokens: exclusion between
 * cpus, shared/exclusive invariants checked while stress threads run,
 * release while blocked and re-acquisition before running, recursion,
 * trytoken, pool tokens and the token stack.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/ktest.h>
#include <cpu/atomic.h>
#include <cpu/cpufunc.h>

#define TOKEN_STRESS_ROUNDS	20000
#define TOKEN_THREADS_PER_CPU	2
#define TOKEN_BLOCK_EVERY	64

KTEST(token_basic_and_recursion)
{
	struct lwkt_token tok;

	lwkt_token_init(&tok, "kt_basic");
	KT_EXPECT(!lwkt_token_is_held(&tok));
	lwkt_gettoken(&tok);
	KT_EXPECT(lwkt_token_is_held_excl(&tok));
	lwkt_gettoken(&tok);			/* recursion */
	lwkt_gettoken_shared(&tok);		/* shared after exclusive */
	KT_EXPECT(lwkt_cnttoken(&tok, curthread) == 3);
	lwkt_reltoken(&tok);
	lwkt_reltoken(&tok);
	KT_EXPECT(lwkt_token_is_held_excl(&tok));
	lwkt_reltoken(&tok);
	KT_EXPECT(!lwkt_token_is_held(&tok));
	KT_EXPECT(tok.t_count == 0 && tok.t_ref == NULL);

	lwkt_gettoken_shared(&tok);
	lwkt_gettoken_shared(&tok);
	KT_EXPECT(tok.t_count == 2 * TOK_INCR);
	KT_EXPECT(!lwkt_token_is_held_excl(&tok));
	lwkt_reltoken(&tok);
	lwkt_reltoken(&tok);
	KT_EXPECT(tok.t_count == 0);
	KT_EXPECT(curthread->td_toks_stop == curthread->td_toks_array);
}

/* trytoken fails while another thread holds the token, and pops its ref. */
struct try_arg {
	struct lwkt_token	*ta_tok;
	volatile u_int		 ta_held;
	volatile u_int		 ta_release;
	struct ktest_join	*ta_join;
};

static void
try_holder(void *arg)
{
	struct try_arg *ta = arg;

	lwkt_gettoken(ta->ta_tok);
	atomic_store_rel_int(&ta->ta_held, 1);
	while (atomic_load_acq_int(&ta->ta_release) == 0)
		tsleep(ta, 0, "kthold", 1);	/* token released meanwhile */
	lwkt_reltoken(ta->ta_tok);
	ktest_join_done(ta->ta_join);
}

KTEST(token_released_while_blocked)
{
	struct lwkt_token tok;
	struct try_arg ta = { &tok, 0, 0, NULL };
	struct ktest_join join;
	bool got = false;

	lwkt_token_init(&tok, "kt_block");
	ta.ta_join = &join;
	ktest_join_init(&join, 1);
	lwkt_create(try_holder, &ta, NULL, 0, ncpus - 1, "kt_holder");
	while (atomic_load_acq_int(&ta.ta_held) == 0)
		tsleep(&ta, 0, "ktwait", 1);
	/*
	 * The holder sleeps with the token on its stack: it is released
	 * while it sleeps, so we can take it, and the holder cannot run
	 * (it would need the token back) until we let go.
	 */
	for (int i = 0; i < 20; i++) {
		lwkt_gettoken(&tok);
		KT_EXPECT(lwkt_token_is_held_excl(&tok));
		tsleep(&i, 0, "ktnap", 1);	/* we block too: released */
		KT_EXPECT(lwkt_token_is_held_excl(&tok)); /* and back */
		lwkt_reltoken(&tok);
	}
	/*
	 * The holder wakes every tick and holds the token while it runs, so
	 * a single try may fail; it sleeps nearly all the time, so some
	 * try must succeed.  Release only what was taken.
	 */
	for (int i = 0; i < 100 && !got; i++) {
		if (lwkt_trytoken(&tok)) {
			got = true;
			lwkt_reltoken(&tok);
		} else {
			tsleep(&got, 0, "kttry", 1);
		}
	}
	KT_EXPECT(got);
	atomic_store_rel_int(&ta.ta_release, 1);
	ktest_join_wait(&join);
	KT_EXPECT(tok.t_count == 0 || tok.t_count == TOK_EXCLREQ);
}

KTEST(token_trytoken_contended)
{
	struct lwkt_token tok;
	struct try_arg ta = { &tok, 0, 0, NULL };
	struct ktest_join join;
	struct lwkt_tokref *stop = curthread->td_toks_stop;

	lwkt_token_init(&tok, "kt_try");
	ta.ta_join = &join;
	ktest_join_init(&join, 1);
	lwkt_create(try_holder, &ta, NULL, 0, ncpus - 1, "kt_holder");
	while (atomic_load_acq_int(&ta.ta_held) == 0)
		tsleep(&ta, 0, "ktwait", 1);
	/* The holder runs (spinning in tsleep loops) or sleeps: either way
	 * a trytoken from us may only succeed while it sleeps. */
	crit_enter();
	if (lwkt_trytoken(&tok)) {
		KT_EXPECT(lwkt_token_is_held_excl(&tok));
		lwkt_reltoken(&tok);
	} else {
		KT_EXPECT(curthread->td_toks_stop == stop);
	}
	crit_exit();
	atomic_store_rel_int(&ta.ta_release, 1);
	ktest_join_wait(&join);
}

/*
 * Stress: threads on every cpu take a token exclusively or shared and
 * check the invariants inside: never two exclusive holders, never a
 * shared holder beside an exclusive one.  Some block while holding it.
 */
struct token_stress {
	struct lwkt_token	 ts_tok;
	volatile u_int		 ts_excl_inside;
	volatile u_int		 ts_shared_inside;
	volatile u_int		 ts_violations;
	uint64_t		 ts_counter;	/* protected by ts_tok */
	volatile u_int		 ts_excl_ops;
	struct ktest_join	 ts_join;
};

static void
token_stress_excl(struct token_stress *ts, int i)
{
	lwkt_gettoken(&ts->ts_tok);
	if (atomic_fetchadd_int(&ts->ts_excl_inside, 1) != 0 ||
	    atomic_load_acq_int(&ts->ts_shared_inside) != 0)
		atomic_add_int(&ts->ts_violations, 1);
	ts->ts_counter++;
	atomic_subtract_int(&ts->ts_excl_inside, 1);
	if (i % TOKEN_BLOCK_EVERY == 0) {
		tsleep(ts, 0, "ktblk", 1);	/* token lost, then back */
		if (atomic_fetchadd_int(&ts->ts_excl_inside, 1) != 0 ||
		    atomic_load_acq_int(&ts->ts_shared_inside) != 0)
			atomic_add_int(&ts->ts_violations, 1);
		atomic_subtract_int(&ts->ts_excl_inside, 1);
	}
	atomic_add_int(&ts->ts_excl_ops, 1);
	lwkt_reltoken(&ts->ts_tok);
}

static void
token_stress_shared(struct token_stress *ts)
{
	lwkt_gettoken_shared(&ts->ts_tok);
	atomic_add_int(&ts->ts_shared_inside, 1);
	if (atomic_load_acq_int(&ts->ts_excl_inside) != 0)
		atomic_add_int(&ts->ts_violations, 1);
	atomic_subtract_int(&ts->ts_shared_inside, 1);
	lwkt_reltoken(&ts->ts_tok);
}

static void
token_stress_thread(void *arg)
{
	struct token_stress *ts = arg;

	for (int i = 0; i < TOKEN_STRESS_ROUNDS; i++) {
		if (i & 1)
			token_stress_excl(ts, i);
		else
			token_stress_shared(ts);
		if ((i & 31) == 0)
			lwkt_yield();
	}
	ktest_join_done(&ts->ts_join);
}

KTEST(token_stress_invariants)
{
	static struct token_stress ts;
	int n = ncpus * TOKEN_THREADS_PER_CPU;

	memset(&ts, 0, sizeof(ts));
	lwkt_token_init(&ts.ts_tok, "kt_stress");
	ktest_join_init(&ts.ts_join, n);
	for (int i = 0; i < n; i++)
		lwkt_create(token_stress_thread, &ts, NULL, 0, i % ncpus,
		    "kt_tok_%d", i);
	ktest_join_wait(&ts.ts_join);
	KT_EXPECT(ts.ts_violations == 0);
	KT_EXPECT(ts.ts_counter == ts.ts_excl_ops);
	KT_EXPECT(ts.ts_counter == (uint64_t)n * TOKEN_STRESS_ROUNDS / 2);
	KT_EXPECT((ts.ts_tok.t_count & ~TOK_EXCLREQ) == 0);
}

/*
 * Two tokens taken in opposite orders by threads on different cpus:
 * with mutexes this deadlocks; with tokens it must finish.
 */
struct abba {
	struct lwkt_token	ab_a;
	struct lwkt_token	ab_b;
	uint64_t		ab_count;	/* protected by both */
	struct ktest_join	ab_join;
};

static void
abba_thread(void *arg, bool reverse)
{
	struct abba *ab = arg;
	struct lwkt_token *first = reverse ? &ab->ab_b : &ab->ab_a;
	struct lwkt_token *second = reverse ? &ab->ab_a : &ab->ab_b;

	for (int i = 0; i < TOKEN_STRESS_ROUNDS / 4; i++) {
		lwkt_gettoken(first);
		lwkt_gettoken(second);
		ab->ab_count++;
		lwkt_reltoken(second);
		lwkt_reltoken(first);
	}
	ktest_join_done(&ab->ab_join);
}

static void
abba_forward(void *arg)
{
	abba_thread(arg, false);
}

static void
abba_reverse(void *arg)
{
	abba_thread(arg, true);
}

KTEST(token_no_deadlock_abba)
{
	static struct abba ab;
	int n = ncpus < 2 ? 2 : ncpus;

	memset(&ab, 0, sizeof(ab));
	lwkt_token_init(&ab.ab_a, "kt_a");
	lwkt_token_init(&ab.ab_b, "kt_b");
	ktest_join_init(&ab.ab_join, n);
	for (int i = 0; i < n; i++)
		lwkt_create(i & 1 ? abba_reverse : abba_forward, &ab, NULL, 0,
		    i % ncpus, "kt_abba_%d", i);
	ktest_join_wait(&ab.ab_join);
	KT_EXPECT(ab.ab_count == (uint64_t)n * (TOKEN_STRESS_ROUNDS / 4));
}

KTEST(token_pool)
{
	int objs[8];
	struct lwkt_token *tok;

	for (u_int i = 0; i < nitems(objs); i++) {
		tok = lwkt_getpooltoken(&objs[i]);
		KT_EXPECT(tok == lwkt_token_pool_lookup(&objs[i]));
		KT_EXPECT(lwkt_token_is_held_excl(tok));
		lwkt_relpooltoken(&objs[i]);
	}
	KT_EXPECT(curthread->td_toks_stop == curthread->td_toks_array);
}
