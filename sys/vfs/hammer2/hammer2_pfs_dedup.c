/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_pfs_dedup.c - the offline dedup pass: make the DATA brefs of a
 * PFS that name identical blocks name one of them.
 *
 * Model: the inode numbers of the PFS's files are collected from the
 * committed inode index (read side); then each file's DATA leaves are
 * visited through the chain layer in key order.  Every block is read
 * and verified, and hashed (XXH64 of its physical bytes, whatever check
 * method the bref has).  A table keyed by that hash remembers the first
 * bref met with each content; a later bref with the same hash, methods
 * and physical size whose block compares equal byte for byte is
 * repointed at the remembered block (hammer2_chain_share()), keeping its
 * own key and key range.  Blocks already shared are left alone.  One
 * commit at the end; the blocks no longer referenced are freed by the
 * next bulkfree (hammer2 cleanup runs both).  Run over every PFS (label
 * NULL, what cleanup does), one table serves them all, so identical
 * blocks of different PFSs are merged too; blocks a snapshot shares with
 * its source are one block already and stay as they are.
 *
 * Invariants: only byte-identical physical blocks with identical methods
 * are merged, so every file reads exactly as before; only DATA brefs
 * change (and, by copy-on-write, their ancestors).
 *
 * Locking: none: the caller serialises use of the dev.
 *
 * More: hammer2_pfs.h, hammer2(8).
 */

#include <errno.h>
#include <string.h>

#include "hammer2_chain.h"
#include "hammer2_pfs.h"

/* clang-format off */
#define HAMMER2_DEDUP_INITIAL	256		/* first table capacity */
#define HAMMER2_DEDUP_MULT	0x9E3779B97F4A7C15ULL
/* clang-format on */

struct hammer2_dedup_slot {
	uint64_t		 ds_hash;	/* 0: empty */
	struct hammer2_blockref	 ds_bref;	/* first block with it */
};

struct hammer2_dedup {
	struct hammer2_dev	*dd_dev;
	struct hammer2_pfs_dedup_stats *dd_stats;
	struct hammer2_dedup_slot *dd_tab;
	size_t			 dd_cap, dd_count;
	hammer2_tid_t		*dd_inums;	/* files to visit */
	size_t			 dd_ninums, dd_inumcap;
	hammer2_tid_t		 dd_tid;
	struct hammer2_inode	 dd_ip;		/* scratch */
};

static int
hammer2_dedup_grow(struct hammer2_dedup *dd)
{
	size_t cap = dd->dd_cap ? dd->dd_cap * 2 : HAMMER2_DEDUP_INITIAL;
	struct hammer2_dedup_slot *tab, *o = dd->dd_tab;
	size_t i, j;

	tab = hammer2_alloc(dd->dd_dev, cap * sizeof(*tab));
	if (tab == NULL)
		return (ENOMEM);
	memset(tab, 0, cap * sizeof(*tab));
	for (i = 0; i < dd->dd_cap; i++) {
		if (o[i].ds_hash == 0)
			continue;
		for (j = (size_t)((o[i].ds_hash * HAMMER2_DEDUP_MULT) >> 32) &
		    (cap - 1); tab[j].ds_hash != 0; j = (j + 1) & (cap - 1))
			;
		tab[j] = o[i];
	}
	if (o != NULL)
		hammer2_free(dd->dd_dev, o, dd->dd_cap * sizeof(*o));
	dd->dd_tab = tab;
	dd->dd_cap = cap;
	return (0);
}

/* The slot for hash with these methods and size: a match or a free one. */
static struct hammer2_dedup_slot *
hammer2_dedup_slot(struct hammer2_dedup *dd, uint64_t hash,
    const struct hammer2_blockref *bref)
{
	struct hammer2_dedup_slot *s;
	size_t j;

	for (j = (size_t)((hash * HAMMER2_DEDUP_MULT) >> 32) & (dd->dd_cap - 1);
	    ; j = (j + 1) & (dd->dd_cap - 1)) {
		s = &dd->dd_tab[j];
		if (s->ds_hash == 0 || (s->ds_hash == hash &&
		    s->ds_bref.methods == bref->methods &&
		    (s->ds_bref.data_off & HAMMER2_OFF_MASK_RADIX) ==
		    (bref->data_off & HAMMER2_OFF_MASK_RADIX)))
			return (s);
	}
}

/* XXH64 of a block's physical bytes (never 0: 0 marks a free slot). */
static uint64_t
hammer2_dedup_hash(const void *data, size_t len)
{
	struct hammer2_blockref tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.methods = HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64);
	hammer2_bref_set_check(&tmp, data, len);
	return (tmp.check.xxhash64 != 0 ? tmp.check.xxhash64 : 1);
}

/* Are the blocks of a and b byte-identical?  Reads b. */
static int
hammer2_dedup_same(struct hammer2_dedup *dd, const void *adata, size_t alen,
    const struct hammer2_blockref *b, bool *samep)
{
	const void *bdata;
	size_t blen;
	int error;

	error = hammer2_bref_read(dd->dd_dev, b, &bdata, &blen);
	if (error != 0)
		return (error);
	*samep = alen == blen && memcmp(adata, bdata, alen) == 0;
	hammer2_bref_release(dd->dd_dev, bdata, blen);
	return (0);
}

/* One DATA leaf: remember its content, or share an identical block. */
static int
hammer2_dedup_leaf(struct hammer2_dedup *dd, struct hammer2_chain *chain)
{
	struct hammer2_dedup_slot *s;
	const void *data;
	size_t len;
	uint64_t hash;
	bool same = false;
	int error;

	if (hammer2_bref_bytes(&chain->ch_bref) == 0 ||
	    chain->ch_bref.mirror_tid > dd->dd_dev->d_voldata.mirror_tid)
		return (0);	/* a hole, or written since the last commit */
	dd->dd_stats->dd_scanned++;
	if (2 * (dd->dd_count + 1) > dd->dd_cap &&
	    (error = hammer2_dedup_grow(dd)) != 0)
		return (error);
	error = hammer2_bref_read(dd->dd_dev, &chain->ch_bref, &data, &len);
	if (error != 0)
		return (error);
	hash = hammer2_dedup_hash(data, len);
	s = hammer2_dedup_slot(dd, hash, &chain->ch_bref);
	if (s->ds_hash == 0) {
		s->ds_hash = hash;
		s->ds_bref = chain->ch_bref;
		dd->dd_count++;
	} else if (hammer2_bref_offset(&s->ds_bref) !=
	    hammer2_bref_offset(&chain->ch_bref)) {
		error = hammer2_dedup_same(dd, data, len, &s->ds_bref, &same);
	}
	hammer2_bref_release(dd->dd_dev, data, len);
	if (error != 0 || !same)
		return (error);
	error = hammer2_chain_share(chain, &s->ds_bref, dd->dd_tid);
	if (error == 0) {
		dd->dd_stats->dd_repointed++;
		dd->dd_stats->dd_saved += len;
	}
	return (error);
}

/* Every DATA leaf of file inum, in key order. */
static int
hammer2_dedup_file(struct hammer2_dedup *dd, struct hammer2_chain *pchain,
    hammer2_tid_t inum)
{
	struct hammer2_chain *ichain, *chain;
	int error;

	error = hammer2_chain_lookup(pchain, inum, inum, 0, &ichain);
	if (error != 0)
		return (error == ENOENT ? EIO : error);
	if (ichain->ch_bref.type != HAMMER2_BREF_TYPE_INODE) {
		hammer2_chain_drop(ichain);
		return (EIO);
	}
	error = hammer2_chain_lookup(ichain, 0, HAMMER2_KEY_MAX,
	    HAMMER2_LOOKUP_NODATA, &chain);
	while (error == 0) {
		if (chain->ch_bref.type == HAMMER2_BREF_TYPE_DATA)
			error = hammer2_dedup_leaf(dd, chain);
		if (error != 0) {
			hammer2_chain_drop(chain);
			break;
		}
		error = hammer2_chain_next(ichain, chain, HAMMER2_KEY_MAX,
		    HAMMER2_LOOKUP_NODATA, &chain);
	}
	hammer2_chain_drop(ichain);
	return (error == ENOENT ? 0 : error);
}

/* Collect the regular files (with blocks) of the committed index. */
static int
hammer2_dedup_collect(void *arg, const struct hammer2_blockref *bref,
    int error)
{
	struct hammer2_dedup *dd = arg;
	const struct hammer2_inode_meta *m = &dd->dd_ip.ino_data.meta;
	size_t cap = dd->dd_inumcap ? dd->dd_inumcap * 2 : HAMMER2_DEDUP_INITIAL;
	hammer2_tid_t *n;

	if (bref->type != HAMMER2_BREF_TYPE_INODE)
		return (0);
	error = hammer2_inode_load(dd->dd_dev, bref, &dd->dd_ip);
	if (error != 0)
		return (error);
	if (m->type != HAMMER2_OBJTYPE_REGFILE ||
	    !hammer2_inode_has_blockset(&dd->dd_ip))
		return (0);
	if (dd->dd_ninums == dd->dd_inumcap) {
		n = hammer2_alloc(dd->dd_dev, cap * sizeof(*n));
		if (n == NULL)
			return (ENOMEM);
		if (dd->dd_inums != NULL) {
			memcpy(n, dd->dd_inums, dd->dd_ninums * sizeof(*n));
			hammer2_free(dd->dd_dev, dd->dd_inums,
			    dd->dd_inumcap * sizeof(*n));
		}
		dd->dd_inums = n;
		dd->dd_inumcap = cap;
	}
	dd->dd_inums[dd->dd_ninums++] = m->inum;
	return (0);
}

/* Dedup the files of the PFS whose root chain is pchain. */
static int
hammer2_dedup_pfs(struct hammer2_dedup *dd, struct hammer2_chain *pchain)
{
	struct hammer2_pfs *pmp;
	size_t i;
	int error;

	dd->dd_ninums = 0;
	pmp = hammer2_alloc(dd->dd_dev, sizeof(*pmp));
	error = pmp == NULL ? ENOMEM : hammer2_pfs_view(dd->dd_dev, pchain, pmp);
	if (error == 0)
		error = hammer2_tree_scan(dd->dd_dev,
		    pmp->pmp_iroot.ino_data.u.blockset.blockref,
		    HAMMER2_SET_COUNT, 0, HAMMER2_DIRHASH_VISIBLE - 1, 0,
		    hammer2_dedup_collect, dd);
	if (pmp != NULL)
		hammer2_free(dd->dd_dev, pmp, sizeof(*pmp));
	dd->dd_tid = hammer2_pfs_tid(dd->dd_dev, pchain);
	for (i = 0; error == 0 && i < dd->dd_ninums; i++)
		error = hammer2_dedup_file(dd, pchain, dd->dd_inums[i]);
	return (error);
}

/* One PFS by label, or (label NULL) every PFS root in key order. */
static int
hammer2_dedup_run(struct hammer2_dedup *dd, const char *label)
{
	struct hammer2_chain *sroot, *pchain;
	int error;

	error = hammer2_pfs_sroot(dd->dd_dev, &sroot);
	if (error != 0)
		return (error);
	if (label != NULL) {
		error = hammer2_pfs_find(sroot, label, &pchain);
		if (error == 0) {
			error = hammer2_dedup_pfs(dd, pchain);
			hammer2_chain_drop(pchain);
		}
		hammer2_chain_drop(sroot);
		return (error);
	}
	error = hammer2_chain_lookup(sroot, 0, HAMMER2_KEY_MAX, 0, &pchain);
	while (error == 0) {
		if (pchain->ch_bref.type == HAMMER2_BREF_TYPE_INODE)
			error = hammer2_dedup_pfs(dd, pchain);
		if (error != 0) {
			hammer2_chain_drop(pchain);
			break;
		}
		error = hammer2_chain_next(sroot, pchain, HAMMER2_KEY_MAX, 0,
		    &pchain);
	}
	hammer2_chain_drop(sroot);
	return (error == ENOENT ? 0 : error);
}

/*
 * hammer2_pfs_dedup - see hammer2_pfs.h.  Returns 0, EINVAL, ENOENT (no
 * such PFS), EROFS, EIO, ENOMEM or the commit's error.
 *
 * Context: offline tools.  Commits.
 * Locking: the caller serialises use of the dev.
 */
int
hammer2_pfs_dedup(struct hammer2_dev *dev, const char *label,
    struct hammer2_pfs_dedup_stats *stats)
{
	struct hammer2_dedup *dd;
	int error;

	memset(stats, 0, sizeof(*stats));
	if (label != NULL && !hammer2_pfs_label_is_valid(label))
		return (EINVAL);
	if (dev->d_rw == NULL)
		return (EROFS);
	dd = hammer2_alloc(dev, sizeof(*dd));
	if (dd == NULL)
		return (ENOMEM);
	memset(dd, 0, sizeof(*dd));
	dd->dd_dev = dev;
	dd->dd_stats = stats;
	error = hammer2_dedup_run(dd, label);
	if (dd->dd_tab != NULL)
		hammer2_free(dev, dd->dd_tab, dd->dd_cap * sizeof(*dd->dd_tab));
	if (dd->dd_inums != NULL)
		hammer2_free(dev, dd->dd_inums,
		    dd->dd_inumcap * sizeof(*dd->dd_inums));
	hammer2_free(dev, dd, sizeof(*dd));
	if (error != 0)
		return (error);
	return (hammer2_flush(dev));
}
