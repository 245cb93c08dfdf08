/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_chain_priv.h - what hammer2_chain.c and hammer2_flush.c share
 * and nobody else should touch.
 *
 * Model: a chain that has an array (the volume root, an INODE with a
 * blockset, an INDIRECT block) keeps its array in ch_data and a parallel
 * table cp_kids of the children that are in memory, indexed by array
 * slot.  The array is the truth for the children that are not in memory;
 * for a child in memory the child's ch_bref is the truth and is copied
 * into the array slot whenever it changes (write_data) or at the latest
 * by the flush (modified INODE/INDIRECT children get their new location
 * there).
 *
 * Beside it, cp_live lists the array's live (non-EMPTY) slots in
 * ascending slot order, which is key order (arrays are sorted and
 * non-overlapping), and cp_live_end the last key of each, so lookups
 * binary-search one contiguous array of keys instead of scanning the
 * array (and the kids it points to).  It is rebuilt lazily from the
 * array (cp_live_ok false) after every change to the set of live slots
 * or to a live slot's key range (insert, indirect split, unlink,
 * collapse).  A slot it lists may become EMPTY behind its back (the
 * flush drops never-written DATA leaves): the search stays correct (the
 * keys it lists keep their order) and callers skip EMPTY slots; a slot
 * that becomes live or changes keys must invalidate it.
 *
 * Invariants: kids[i] != NULL implies kids[i]->ch_parent == this chain
 * and kids[i]->ch_priv->cp_slot == i; cp_nkids counts the non-NULL
 * entries; when cp_live_ok, every live slot is in cp_live[0..cp_nlive)
 * in ascending order with its last key in cp_live_end (it may also list
 * slots emptied since); a chain with MODIFIED or UPDATE set has UPDATE set on every
 * ancestor; a block is "fresh" (allocated by the open transaction, freed
 * at once when replaced) iff its bref's mirror_tid is above the header's.
 * Clean unreferenced INODE and INDIRECT chains stay cached in the tree
 * until rw_mem_bytes passes rw_trim_at (rw_cache_bytes above what the
 * last trim left, dirty chains included); then every idle chain is freed
 * (hammer2_chain_trim, at API boundaries and after commits only).
 *
 * Locking: none; see hammer2_chain.h.
 *
 * More: docs/design/hammer2-write.md.
 */

#ifndef _VFS_HAMMER2_HAMMER2_CHAIN_PRIV_H_
#define _VFS_HAMMER2_HAMMER2_CHAIN_PRIV_H_

#include "hammer2_chain.h"

/* clang-format off */
#define HAMMER2_CHAIN_MAXDEPTH	64	/* chain nesting (loop guard) */
#define HAMMER2_CHAIN_VOLUME	255	/* ch_bref.type of the volume root */
#define HAMMER2_CHAIN_MAXBUCKETS 128	/* directory split: sub-ranges */
#define HAMMER2_CHF_DIRTY	(HAMMER2_CHF_MODIFIED | HAMMER2_CHF_UPDATE)
#define HAMMER2_CHAIN_CACHE_BYTES (16ULL << 20) /* idle chains kept */
#define HAMMER2_DATA_RESERVE_MIN (1ULL << 20)	/* kept for commits */
#define HAMMER2_DATA_RESERVE_MAX (64ULL << 20)

struct hammer2_chain_priv {
	struct hammer2_chain	**cp_kids;	/* per array slot, or NULL */
	int			 cp_nslots;	/* entries of cp_kids */
	int			 cp_nkids;	/* non-NULL entries */
	int			 cp_slot;	/* index in the parent's array */
	int			 cp_depth;	/* 0: volume root */
	uint16_t		*cp_live;	/* live slots, key order */
	hammer2_key_t		*cp_live_end;	/* their last keys */
	int			 cp_nlive;	/* entries of cp_live */
	bool			 cp_live_ok;	/* cp_live matches the array */
};
/* clang-format on */

/* hammer2_chain.c, shared with hammer2_chain_create.c */
hammer2_key_t hammer2_keymask(int keybits);
void hammer2_chain_account(struct hammer2_dev *dev, int64_t delta);
struct hammer2_chain *hammer2_chain_alloc(struct hammer2_dev *dev,
    const struct hammer2_blockref *bref);
void hammer2_chain_free(struct hammer2_chain *chain);
struct hammer2_blockref *hammer2_chain_slot_bref(struct hammer2_chain *node,
    struct hammer2_blockref *base, int i);
int hammer2_chain_kids_init(struct hammer2_chain *node,
    struct hammer2_blockref *base, int count);
int hammer2_chain_get_kid(struct hammer2_chain *node,
    struct hammer2_blockref *base, int count, int i,
    struct hammer2_chain **kidp);
int hammer2_chain_index(struct hammer2_chain *node,
    struct hammer2_blockref *base, int count);
int hammer2_chain_search(struct hammer2_chain *node,
    struct hammer2_blockref *base, int count, hammer2_key_t beg, int *posp);
int hammer2_chain_find(struct hammer2_chain *node, hammer2_key_t beg,
    hammer2_key_t end, int flags, struct hammer2_chain **chainp);
int hammer2_chain_writable(struct hammer2_dev *dev);
void hammer2_chain_mark_update(struct hammer2_chain *chain);
struct hammer2_rw *hammer2_rw_state(struct hammer2_dev *dev);
int hammer2_chain_array(struct hammer2_chain *chain,
    struct hammer2_blockref **basep, int *countp);
int hammer2_chain_load(struct hammer2_chain *chain);
bool hammer2_chain_bref_is_fresh(struct hammer2_dev *dev,
    const struct hammer2_blockref *bref);
void hammer2_chain_bcache_forget(struct hammer2_dev *dev, hammer2_off_t off);
void hammer2_chain_detach(struct hammer2_chain *chain);
void hammer2_chain_release(struct hammer2_chain *chain);
void hammer2_chain_trim(struct hammer2_dev *dev, bool commit);
void hammer2_chain_sweep(struct hammer2_chain *chain);
void hammer2_chain_free_all(struct hammer2_dev *dev);

/* The set of node's live slots changed: rebuild cp_live before use. */
static inline void
hammer2_chain_index_stale(struct hammer2_chain *node)
{
	node->ch_priv->cp_live_ok = false;
}

#endif /* !_VFS_HAMMER2_HAMMER2_CHAIN_PRIV_H_ */
