/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * lwkt_token.c - serializing tokens.
 *
 * A token is a lock that its holder keeps only while it runs.  Taking one
 * pushes a tokref on the thread's token stack (td_toks_array) and tries
 * one atomic operation on t_count.  If that fails the thread calls
 * lwkt_switch(): the ref stays on the stack, all of the thread's tokens
 * are released, and the scheduler will not run the thread again until
 * lwkt_getalltokens() has acquired every token on its stack at once.
 * Because nobody ever waits for a token while holding another, tokens
 * cannot deadlock; there is no wait queue and release never wakes anyone.
 *
 * t_count: TOK_EXCLUSIVE (held exclusively; t_ref names the holder's ref),
 * TOK_EXCLREQ (an exclusive request failed; new first-token shared
 * requests give way), and the shared count in units of TOK_INCR.  A thread
 * that holds a token exclusively may take it again, exclusively or shared:
 * only the first exclusive ref is t_ref, the others count as shared.
 * Taking a token exclusively while holding it only shared would wait for
 * ourselves forever; it panics instead.
 *
 * Invariants: td_toks_array <= td_toks_have <= td_toks_stop; refs below
 * td_toks_have are acquired; while a thread runs outside lwkt_switch,
 * td_toks_have == td_toks_stop.  Refs are released in stack order
 * (asserted).
 *
 * Locking: t_count and t_ref are changed only with atomic operations; the
 * token stack belongs to its thread (and to the scheduler of its cpu while
 * the thread is switched out).
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <cpu/atomic.h>
#include <cpu/cpufunc.h>

#define TOKEN_SPIN_TRIES	64	/* attempts before blocking */
#define POOL_HASH_PRIME1	66555444443333333ULL
#define POOL_HASH_PRIME2	989042931ULL

struct pool_token {
	struct lwkt_token	pt_token;
} __cachealign;

static struct pool_token pool_tokens[LWKT_POOL_TOKENS];

void
lwkt_token_init(struct lwkt_token *tok, const char *desc)
{
	tok->t_count = 0;
	tok->t_ref = NULL;
	tok->t_collisions = 0;
	tok->t_desc = desc;
}

void
lwkt_token_pool_init(void)
{
	for (int i = 0; i < LWKT_POOL_TOKENS; i++)
		lwkt_token_init(&pool_tokens[i].pt_token, "pool");
}

/* Is ref one of td's own tokrefs? */
static inline bool
tokref_is_mine(struct thread *td, struct lwkt_tokref *ref)
{
	return (ref >= td->td_toks_array && ref < td->td_toks_stop);
}

static __always_inline bool
token_try_exclusive(struct lwkt_tokref *ref, struct thread *td, bool mark)
{
	struct lwkt_token *tok = ref->tr_tok;
	long count = atomic_load_relaxed(&tok->t_count);

	for (;;) {
		if ((count & ~TOK_EXCLREQ) == 0) {
			if (atomic_fcmpset_long((volatile u_long *)&tok->t_count,
			    (u_long *)&count,
			    (count & ~TOK_EXCLREQ) | TOK_EXCLUSIVE)) {
				atomic_store_relaxed(&tok->t_ref, ref);
				return (true);
			}
			continue;
		}
		if ((count & TOK_EXCLUSIVE) &&
		    tokref_is_mine(td, atomic_load_relaxed(&tok->t_ref))) {
			/* Recursion: count it as a shared reference. */
			atomic_add_long((volatile u_long *)&tok->t_count,
			    TOK_INCR);
			return (true);
		}
		if (mark && (count & TOK_EXCLREQ) == 0)
			atomic_set_long((volatile u_long *)&tok->t_count,
			    TOK_EXCLREQ);
		return (false);
	}
}

static __always_inline bool
token_try_shared(struct lwkt_tokref *ref, struct thread *td)
{
	struct lwkt_token *tok = ref->tr_tok;
	long count;

	count = (long)atomic_fetchadd_long((volatile u_long *)&tok->t_count,
	    TOK_INCR);
	if ((count & TOK_EXCLUSIVE) == 0) {
		/* A first token gives way to a waiting exclusive request. */
		if ((count & TOK_EXCLREQ) == 0 || ref != td->td_toks_array)
			return (true);
	} else if (tokref_is_mine(td, atomic_load_relaxed(&tok->t_ref))) {
		return (true);
	}
	atomic_subtract_long((volatile u_long *)&tok->t_count, TOK_INCR);
	return (false);
}

static __always_inline bool
token_try(struct lwkt_tokref *ref, struct thread *td, bool mark)
{
	if (ref->tr_count & TOK_EXCLUSIVE)
		return (token_try_exclusive(ref, td, mark));
	return (token_try_shared(ref, td));
}

static __always_inline void
token_release(struct lwkt_tokref *ref)
{
	struct lwkt_token *tok = ref->tr_tok;

	if (atomic_load_relaxed(&tok->t_ref) == ref) {
		atomic_store_relaxed(&tok->t_ref, NULL);
		atomic_clear_long((volatile u_long *)&tok->t_count,
		    TOK_EXCLUSIVE);
	} else {
		atomic_subtract_long((volatile u_long *)&tok->t_count,
		    TOK_INCR);
	}
}

/*
 * lwkt_getalltokens - acquire every token on td's stack, or none.
 * Called by the scheduler for the thread it is about to run (td is not
 * necessarily curthread).  Context: td's cpu, critical section.
 */
bool
lwkt_getalltokens(struct thread *td, bool spinning __unused)
{
	struct lwkt_tokref *ref;

	for (ref = td->td_toks_array; ref < td->td_toks_stop; ref++) {
		if (!token_try(ref, td, true)) {
			while (--ref >= td->td_toks_array)
				token_release(ref);
			td->td_toks_have = td->td_toks_array;
			return (false);
		}
	}
	td->td_toks_have = td->td_toks_stop;
	return (true);
}

/* Release every acquired token, newest first (the thread is blocking). */
void
lwkt_relalltokens(struct thread *td)
{
	struct lwkt_tokref *ref;

	for (ref = td->td_toks_have; ref-- > td->td_toks_array;)
		token_release(ref);
	td->td_toks_have = td->td_toks_array;
}

static __always_inline struct lwkt_tokref *
tokref_push(struct thread *td, struct lwkt_token *tok, long mode)
{
	struct lwkt_tokref *ref = td->td_toks_stop;

	KASSERT(ref < &td->td_toks_array[LWKT_MAXTOKENS],
	    ("lwkt_gettoken: %s holds too many tokens (%s)", td->td_comm,
	    tok->t_desc));
	KASSERT(mycpu->gd_intr_nesting_level == 0 ||
	    lwkt_cnttoken(tok, td) > 0,
	    ("lwkt_gettoken: new token %s in a hard context", tok->t_desc));
	ref->tr_tok = tok;
	ref->tr_count = mode;
	ref->tr_owner = td;
	td->td_toks_stop = ref + 1;
	return (ref);
}

/* Spin briefly, then let the scheduler acquire the token for us. */
static void
token_wait(struct lwkt_tokref *ref, struct thread *td)
{
	struct lwkt_token *tok = ref->tr_tok;

	for (int i = 0; i < TOKEN_SPIN_TRIES; i++) {
		cpu_pause();
		if (token_try(ref, td, true)) {
			td->td_toks_have = td->td_toks_stop;
			return;
		}
	}
	atomic_add_long((volatile u_long *)&tok->t_collisions, 1);
	td->td_gd->gd_cnt.v_token_colls++;
	td->td_wmesg = tok->t_desc;
	atomic_set_int(&td->td_mpflags, TDF_MP_DIDYIELD);
	lwkt_switch();		/* returns with every token acquired */
	td->td_wmesg = NULL;
	KKASSERT(td->td_toks_have == td->td_toks_stop);
}

void
lwkt_gettoken(struct lwkt_token *tok)
{
	struct thread *td = curthread;
	struct lwkt_tokref *ref;

	for (ref = td->td_toks_array; ref < td->td_toks_stop; ref++) {
		KASSERT(ref->tr_tok != tok || (ref->tr_count & TOK_EXCLUSIVE),
		    ("lwkt_gettoken: %s takes token %s exclusively while "
		    "holding it shared", td->td_comm, tok->t_desc));
	}
	ref = tokref_push(td, tok, TOK_EXCLUSIVE | TOK_EXCLREQ);
	if (token_try(ref, td, true))
		td->td_toks_have = td->td_toks_stop;
	else
		token_wait(ref, td);
}

void
lwkt_gettoken_shared(struct lwkt_token *tok)
{
	struct thread *td = curthread;
	struct lwkt_tokref *ref;

	ref = tokref_push(td, tok, TOK_EXCLREQ);
	if (token_try(ref, td, false))
		td->td_toks_have = td->td_toks_stop;
	else
		token_wait(ref, td);
}

/* One non-blocking exclusive attempt; the ref is popped on failure. */
bool
lwkt_trytoken(struct lwkt_token *tok)
{
	struct thread *td = curthread;
	struct lwkt_tokref *ref;

	ref = tokref_push(td, tok, TOK_EXCLUSIVE | TOK_EXCLREQ);
	if (token_try(ref, td, false)) {
		td->td_toks_have = td->td_toks_stop;
		return (true);
	}
	td->td_toks_stop = ref;
	return (false);
}

void
lwkt_reltoken(struct lwkt_token *tok)
{
	struct thread *td = curthread;
	struct lwkt_tokref *ref = td->td_toks_stop - 1;

	KASSERT(ref >= td->td_toks_array && ref->tr_tok == tok,
	    ("lwkt_reltoken: %s releases token %s out of order", td->td_comm,
	    tok->t_desc));
	token_release(ref);
	td->td_toks_stop = ref;
	td->td_toks_have = ref;
}

/* Number of refs td has on tok (held, since td runs). */
int
lwkt_cnttoken(struct lwkt_token *tok, struct thread *td)
{
	struct lwkt_tokref *ref;
	int n = 0;

	for (ref = td->td_toks_array; ref < td->td_toks_stop; ref++) {
		if (ref->tr_tok == tok)
			n++;
	}
	return (n);
}

bool
lwkt_token_is_held(struct lwkt_token *tok)
{
	return (lwkt_cnttoken(tok, curthread) > 0);
}

bool
lwkt_token_is_held_excl(struct lwkt_token *tok)
{
	struct thread *td = curthread;

	return ((atomic_load_relaxed(&tok->t_count) & TOK_EXCLUSIVE) &&
	    tokref_is_mine(td, atomic_load_relaxed(&tok->t_ref)));
}

/*
 * Pool tokens: a fixed array of tokens, each on its own cache line,
 * chosen by hashing an address.  Unrelated objects may share a pool
 * token, so pool tokens are only ever taken exclusively.
 */
struct lwkt_token *
lwkt_token_pool_lookup(const void *ptr)
{
	uint64_t h = (uintptr_t)ptr;

	h = (h ^ (h >> 17)) * POOL_HASH_PRIME1;
	h ^= (h >> 29) * POOL_HASH_PRIME2;
	return (&pool_tokens[h % LWKT_POOL_TOKENS].pt_token);
}

struct lwkt_token *
lwkt_getpooltoken(const void *ptr)
{
	struct lwkt_token *tok = lwkt_token_pool_lookup(ptr);

	lwkt_gettoken(tok);
	return (tok);
}

void
lwkt_relpooltoken(const void *ptr)
{
	lwkt_reltoken(lwkt_token_pool_lookup(ptr));
}
