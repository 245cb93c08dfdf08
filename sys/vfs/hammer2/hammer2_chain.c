/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_chain.c - the in-memory chain tree of the write side: lookup,
 * modify, write_data, share, delete, ref/drop and the chain cache
 * (creation and indirect blocks: hammer2_chain_create.c).
 *
 * Model: chains are instantiated lazily, one array slot at a time, below
 * the volume root pseudo chain (whose array is a copy of the header's
 * sroot_blockset).  A lookup descends into every INDIRECT whose range
 * meets the wanted keys and returns leaves only; in each array it finds
 * the first candidate by binary search over the node's index of live
 * slots (cp_live, see hammer2_chain_priv.h), so a lookup costs
 * O(depth * log(array size)) instead of scanning every array.  Creation follows
 * format §14.2: the new bref goes into the first array on its lookup
 * path that covers its key and has room; a full array gets a new
 * INDIRECT block (4 KiB below directory inodes, 16 KiB below file inodes
 * and indirect blocks) that takes over part of its entries: for file
 * data the range of the smallest entry widened by the block's fan-out,
 * for directories and the inode index the fullest of 2^s equal
 * sub-ranges of an indirect node, else the fuller half of the range
 * covering all entries (hammer2_chain_create.c).  DATA/DIRENT-name blocks are written at once to
 * a fresh block; INODE and INDIRECT contents stay in memory until the
 * flush (hammer2_flush.c) gives them new blocks.
 *
 * Invariants: see hammer2_chain_priv.h (kids table, dirty ancestors,
 * fresh blocks, the chain cache) and hammer2_chain.h (sorted arrays,
 * copy-on-write).  A chain nobody references that is clean and has no
 * child in memory is freed at once if it is a DATA/DIRENT leaf, and kept
 * as cache if it is an INODE or INDIRECT until the cache is trimmed, so
 * memory holds referenced and dirty chains, their ancestors and a
 * bounded cache.  Arrays read from the media are checked (order,
 * overlap, types) before anything descends into them.
 *
 * Locking: none; one thread uses a dev at a time.
 *
 * More: docs/design/hammer2-write.md, reference hammer2-format.md §5.4,
 * §14, §16.
 */

#include <errno.h>
#include <string.h>

#include "hammer2_chain_priv.h"
#include "hammer2_freemap.h"

struct hammer2_chain_mem {
	struct hammer2_chain		cm_chain;
	struct hammer2_chain_priv	cm_priv;
};


hammer2_key_t
hammer2_keymask(int keybits)
{
	return (keybits >= 64 ? HAMMER2_KEY_MAX :
	    ((hammer2_key_t)1 << keybits) - 1);
}

/* Account delta bytes of chain memory. */
void
hammer2_chain_account(struct hammer2_dev *dev, int64_t delta)
{
	struct hammer2_rw *rw = dev->d_rw;

	if (rw != NULL)
		rw->rw_mem_bytes += (uint64_t)delta;
}

/*
 * hammer2_rw_state - the dev's write-side state, created read-only on
 * first use.  NULL on allocation failure.
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
struct hammer2_rw *
hammer2_rw_state(struct hammer2_dev *dev)
{
	struct hammer2_rw *rw = dev->d_rw;

	if (rw != NULL)
		return (rw);
	rw = hammer2_alloc(dev, sizeof(*rw));
	if (rw == NULL)
		return (NULL);
	memset(rw, 0, sizeof(*rw));
	rw->rw_fini = hammer2_chain_free_all;
	rw->rw_cache_bytes = HAMMER2_CHAIN_CACHE_BYTES;
	rw->rw_trim_at = HAMMER2_CHAIN_CACHE_BYTES;
	dev->d_rw = rw;
	return (rw);
}

struct hammer2_chain *
hammer2_chain_alloc(struct hammer2_dev *dev,
    const struct hammer2_blockref *bref)
{
	struct hammer2_chain_mem *cm;

	cm = hammer2_alloc(dev, sizeof(*cm));
	if (cm == NULL)
		return (NULL);
	memset(cm, 0, sizeof(*cm));
	cm->cm_chain.ch_bref = *bref;
	cm->cm_chain.ch_dev = dev;
	cm->cm_chain.ch_priv = &cm->cm_priv;
	hammer2_chain_account(dev, (int64_t)sizeof(*cm));
	return (&cm->cm_chain);
}

/*
 * hammer2_chain_vroot - the volume root pseudo chain, with a reference
 * (dropping the last one never frees it; hammer2_rw_unmount does).
 * NULL on allocation failure.
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
struct hammer2_chain *
hammer2_chain_vroot(struct hammer2_dev *dev)
{
	struct hammer2_blockref bref;
	struct hammer2_chain *vroot;
	struct hammer2_rw *rw;

	rw = hammer2_rw_state(dev);
	if (rw == NULL)
		return (NULL);
	if (rw->rw_vroot == NULL) {
		memset(&bref, 0, sizeof(bref));
		bref.type = HAMMER2_CHAIN_VOLUME;
		bref.keybits = 64;
		bref.methods = HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64);
		bref.mirror_tid = dev->d_voldata.mirror_tid;
		vroot = hammer2_chain_alloc(dev, &bref);
		if (vroot == NULL)
			return (NULL);
		vroot->ch_bytes = sizeof(struct hammer2_blockset);
		vroot->ch_data = hammer2_alloc(dev, vroot->ch_bytes);
		if (vroot->ch_data == NULL) {
			hammer2_free(dev, vroot,
			    sizeof(struct hammer2_chain_mem));
			return (NULL);
		}
		memcpy(vroot->ch_data, &dev->d_voldata.sroot_blockset,
		    vroot->ch_bytes);
		hammer2_chain_account(dev, (int64_t)vroot->ch_bytes);
		vroot->ch_flags = HAMMER2_CHF_VROOT;
		rw->rw_vroot = vroot;
	}
	rw->rw_vroot->ch_refs++;
	return (rw->rw_vroot);
}

void
hammer2_chain_ref(struct hammer2_chain *chain)
{
	chain->ch_refs++;
}

static bool
hammer2_chain_is_idle(const struct hammer2_chain *chain)
{
	return (chain->ch_refs == 0 &&
	    (chain->ch_flags & (HAMMER2_CHF_DIRTY | HAMMER2_CHF_VROOT)) == 0 &&
	    chain->ch_priv->cp_nkids == 0);
}

/*
 * An idle chain worth keeping: an INODE or INDIRECT still in the tree
 * (a later lookup passes through it again).  DATA and DIRENT leaves and
 * deleted chains go at once.
 */
static bool
hammer2_chain_is_cacheable(const struct hammer2_chain *chain)
{
	return (chain->ch_parent != NULL && chain->ch_data != NULL &&
	    (chain->ch_bref.type == HAMMER2_BREF_TYPE_INODE ||
		chain->ch_bref.type == HAMMER2_BREF_TYPE_INDIRECT));
}

/*
 * hammer2_chain_release - free chain if it is idle and not worth
 * caching, then its ancestors that thereby become so.  Never trims.
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
void
hammer2_chain_release(struct hammer2_chain *chain)
{
	struct hammer2_chain *parent;

	while (chain != NULL && hammer2_chain_is_idle(chain) &&
	    !hammer2_chain_is_cacheable(chain)) {
		parent = chain->ch_parent;
		hammer2_chain_detach(chain);
		hammer2_chain_free(chain);
		chain = parent;
	}
}

/* Free chain alone if it is idle and not cached (ancestors stay). */
static void
hammer2_chain_release_one(struct hammer2_chain *chain)
{
	if (hammer2_chain_is_idle(chain) &&
	    !hammer2_chain_is_cacheable(chain)) {
		hammer2_chain_detach(chain);
		hammer2_chain_free(chain);
	}
}

/*
 * hammer2_chain_trim - when the chains in memory pass rw_trim_at (or,
 * after a commit made the dirty ones clean, rw_cache_bytes), free every
 * idle one; the next trim waits for rw_cache_bytes more, so a large
 * transaction does not walk the tree on every drop.  Only where no
 * chain layer code is walking the tree (public entry points, the end of
 * a commit).
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
void
hammer2_chain_trim(struct hammer2_dev *dev, bool commit)
{
	struct hammer2_rw *rw = dev->d_rw;

	if (rw == NULL || rw->rw_vroot == NULL)
		return;
	if (rw->rw_mem_bytes > rw->rw_trim_at ||
	    (commit && rw->rw_mem_bytes > rw->rw_cache_bytes)) {
		hammer2_chain_sweep(rw->rw_vroot);
		rw->rw_trim_at = rw->rw_mem_bytes + rw->rw_cache_bytes;
	}
}

/*
 * hammer2_chain_drop - release a reference; an unreferenced clean leaf
 * leaves memory at once, inodes and indirect blocks stay cached until
 * the cache is full.
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
void
hammer2_chain_drop(struct hammer2_chain *chain)
{
	struct hammer2_dev *dev;

	if (chain == NULL || chain->ch_refs == 0)
		return;
	dev = chain->ch_dev;
	if (--chain->ch_refs == 0)
		hammer2_chain_release(chain);
	hammer2_chain_trim(dev, false);
}

void
hammer2_chain_free(struct hammer2_chain *chain)
{
	struct hammer2_chain_priv *cp = chain->ch_priv;
	struct hammer2_dev *dev = chain->ch_dev;

	hammer2_chain_account(dev, -(int64_t)sizeof(struct hammer2_chain_mem));
	if (chain->ch_data != NULL) {
		hammer2_chain_account(dev, -(int64_t)chain->ch_bytes);
		hammer2_free(dev, chain->ch_data, chain->ch_bytes);
	}
	if (cp->cp_kids != NULL)
		hammer2_free(dev, cp->cp_kids,
		    sizeof(*cp->cp_kids) * (size_t)cp->cp_nslots);
	if (cp->cp_live != NULL)
		hammer2_free(dev, cp->cp_live,
		    sizeof(*cp->cp_live) * (size_t)cp->cp_nslots);
	if (cp->cp_live_end != NULL)
		hammer2_free(dev, cp->cp_live_end,
		    sizeof(*cp->cp_live_end) * (size_t)cp->cp_nslots);
	hammer2_free(dev, chain, sizeof(struct hammer2_chain_mem));
}

/*
 * hammer2_chain_detach - unlink chain from its parent's kids table (not
 * from the parent's array).
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
void
hammer2_chain_detach(struct hammer2_chain *chain)
{
	struct hammer2_chain *parent = chain->ch_parent;
	struct hammer2_chain_priv *pp;

	if (parent == NULL)
		return;
	pp = parent->ch_priv;
	if (pp->cp_kids != NULL && pp->cp_kids[chain->ch_priv->cp_slot] ==
	    chain) {
		pp->cp_kids[chain->ch_priv->cp_slot] = NULL;
		pp->cp_nkids--;
	}
	chain->ch_parent = NULL;
}

/*
 * hammer2_chain_bref_is_fresh - bref names a block allocated by the
 * transaction not committed yet (nothing on the media refers to it).
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
bool
hammer2_chain_bref_is_fresh(struct hammer2_dev *dev,
    const struct hammer2_blockref *bref)
{
	return ((bref->data_off & HAMMER2_OFF_MASK_RADIX) != 0 &&
	    bref->mirror_tid > dev->d_voldata.mirror_tid);
}

/*
 * hammer2_chain_bcache_forget - drop any cached copy of the block at
 * off: it is about to hold something else.
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
void
hammer2_chain_bcache_forget(struct hammer2_dev *dev, hammer2_off_t off)
{
	struct hammer2_bcache_ent *bc;
	int i;

	if (dev->d_bcache == NULL)
		return;
	off &= HAMMER2_OFF_MASK;
	for (i = 0; i < HAMMER2_BCACHE_SLOTS; i++) {
		bc = &dev->d_bcache[i];
		if (bc->bc_data != NULL &&
		    (bc->bc_data_off & HAMMER2_OFF_MASK) == off) {
			hammer2_free(dev, bc->bc_data, bc->bc_len);
			memset(bc, 0, sizeof(*bc));
		}
	}
}

/*
 * hammer2_chain_load - bring an INODE's or INDIRECT's contents into
 * ch_data.  Returns 0, EIO or ENOMEM.
 *
 * Locking: the caller serialises use of the dev; may block in
 * device I/O.
 */
int
hammer2_chain_load(struct hammer2_chain *chain)
{
	struct hammer2_dev *dev = chain->ch_dev;
	const void *data;
	size_t len;
	int error;

	if (chain->ch_data != NULL)
		return (0);
	if (chain->ch_bref.type != HAMMER2_BREF_TYPE_INODE &&
	    chain->ch_bref.type != HAMMER2_BREF_TYPE_INDIRECT)
		return (0);
	error = hammer2_bref_read(dev, &chain->ch_bref, &data, &len);
	if (error != 0)
		return (error);
	if (chain->ch_bref.type == HAMMER2_BREF_TYPE_INODE &&
	    len != HAMMER2_INODE_BYTES) {
		hammer2_bref_release(dev, data, len);
		return (EIO);
	}
	chain->ch_data = (void *)(uintptr_t)data;
	chain->ch_bytes = len;
	hammer2_chain_account(dev, (int64_t)len);
	return (0);
}

/*
 * hammer2_chain_array - the blockref array chain holds (count 0 for a
 * leaf or an inode with embedded data).  Loads INODE/INDIRECT contents.
 *
 * Locking: the caller serialises use of the dev; may block in
 * device I/O.
 */
int
hammer2_chain_array(struct hammer2_chain *chain,
    struct hammer2_blockref **basep, int *countp)
{
	struct hammer2_inode_data *ipdata;
	int error;

	*basep = NULL;
	*countp = 0;
	if (chain->ch_flags & HAMMER2_CHF_VROOT) {
		*basep = chain->ch_data;
		*countp = HAMMER2_SET_COUNT;
		return (0);
	}
	switch (chain->ch_bref.type) {
	case HAMMER2_BREF_TYPE_INODE:
		error = hammer2_chain_load(chain);
		if (error != 0)
			return (error);
		ipdata = chain->ch_data;
		if (ipdata->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA)
			return (0);
		*basep = ipdata->u.blockset.blockref;
		*countp = HAMMER2_SET_COUNT;
		return (0);
	case HAMMER2_BREF_TYPE_INDIRECT:
		error = hammer2_chain_load(chain);
		if (error != 0)
			return (error);
		*basep = chain->ch_data;
		*countp = (int)(chain->ch_bytes / HAMMER2_BLOCKREF_BYTES);
		return (0);
	default:
		return (0);
	}
}

/* Current bref of slot i: the child's own if it is in memory. */
struct hammer2_blockref *
hammer2_chain_slot_bref(struct hammer2_chain *node,
    struct hammer2_blockref *base, int i)
{
	struct hammer2_chain_priv *cp = node->ch_priv;

	if (cp->cp_kids != NULL && cp->cp_kids[i] != NULL)
		return (&cp->cp_kids[i]->ch_bref);
	return (&base[i]);
}

/* Check order, overlap and types of an array before using it. */
static int
hammer2_chain_check_array(struct hammer2_chain *node,
    const struct hammer2_blockref *base, int count)
{
	const struct hammer2_blockref *prev = NULL, *b;
	int i;

	for (i = 0; i < count; i++) {
		b = &base[i];
		if (b->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		if (b->type != HAMMER2_BREF_TYPE_INODE &&
		    b->type != HAMMER2_BREF_TYPE_INDIRECT &&
		    b->type != HAMMER2_BREF_TYPE_DATA &&
		    b->type != HAMMER2_BREF_TYPE_DIRENT)
			goto bad;
		if (b->keybits > 64)
			goto bad;
		if (prev != NULL && hammer2_bref_key_end(prev) >= b->key)
			goto bad;
		prev = b;
	}
	return (0);
bad:
	hammer2_log(node->ch_dev, "hammer2: blockref array of %s 0x%016jx/%u: entry %d (type %u, key 0x%016jx/%u) bad or out of order",
	    hammer2_bref_type_name(node->ch_bref.type),
	    (uintmax_t)node->ch_bref.key, node->ch_bref.keybits, i, b->type,
	    (uintmax_t)b->key, b->keybits);
	return (EIO);
}

/*
 * Allocate node's kids table and live-slot index (checking its array the
 * first time).
 */
int
hammer2_chain_kids_init(struct hammer2_chain *node,
    struct hammer2_blockref *base, int count)
{
	struct hammer2_chain_priv *cp = node->ch_priv;
	size_t sz = sizeof(*cp->cp_kids) * (size_t)count;
	int error;

	if (cp->cp_kids != NULL)
		return (0);
	if (count > (int)UINT16_MAX)
		return (EIO);
	error = hammer2_chain_check_array(node, base, count);
	if (error != 0)
		return (error);
	cp->cp_kids = hammer2_alloc(node->ch_dev, sz);
	cp->cp_live = hammer2_alloc(node->ch_dev,
	    sizeof(*cp->cp_live) * (size_t)count);
	cp->cp_live_end = hammer2_alloc(node->ch_dev,
	    sizeof(*cp->cp_live_end) * (size_t)count);
	if (cp->cp_kids == NULL || cp->cp_live == NULL ||
	    cp->cp_live_end == NULL) {
		if (cp->cp_kids != NULL)
			hammer2_free(node->ch_dev, cp->cp_kids, sz);
		if (cp->cp_live != NULL)
			hammer2_free(node->ch_dev, cp->cp_live,
			    sizeof(*cp->cp_live) * (size_t)count);
		if (cp->cp_live_end != NULL)
			hammer2_free(node->ch_dev, cp->cp_live_end,
			    sizeof(*cp->cp_live_end) * (size_t)count);
		cp->cp_kids = NULL;
		cp->cp_live = NULL;
		cp->cp_live_end = NULL;
		return (ENOMEM);
	}
	memset(cp->cp_kids, 0, sz);
	cp->cp_nslots = count;
	cp->cp_nlive = 0;
	cp->cp_live_ok = false;
	return (0);
}

/*
 * hammer2_chain_index - make node's kids table and live-slot index
 * (cp_live) valid, rebuilding the index from the array if it is stale.
 * Returns 0, EIO (bad array) or ENOMEM.
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
int
hammer2_chain_index(struct hammer2_chain *node, struct hammer2_blockref *base,
    int count)
{
	struct hammer2_chain_priv *cp = node->ch_priv;
	struct hammer2_blockref *b;
	int error, i, n = 0;

	error = hammer2_chain_kids_init(node, base, count);
	if (error != 0)
		return (error);
	if (cp->cp_live_ok)
		return (0);
	for (i = 0; i < count && i < cp->cp_nslots; i++) {
		b = hammer2_chain_slot_bref(node, base, i);
		if (b->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		cp->cp_live[n] = (uint16_t)i;
		cp->cp_live_end[n++] = hammer2_bref_key_end(b);
	}
	cp->cp_nlive = n;
	cp->cp_live_ok = true;
	return (0);
}

/*
 * hammer2_chain_search - *posp: the first position p of node's live-slot
 * index whose entry's key range ends at or after beg (cp_nlive if none),
 * by binary search over cp_live_end: live entries are sorted and do not
 * overlap, so their range ends increase with their slots.  Entries of
 * the index at or after p may have become EMPTY since (callers skip
 * those).  Returns 0, EIO or ENOMEM.
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
int
hammer2_chain_search(struct hammer2_chain *node, struct hammer2_blockref *base,
    int count, hammer2_key_t beg, int *posp)
{
	struct hammer2_chain_priv *cp = node->ch_priv;
	const hammer2_key_t *ends;
	int error, lo, hi, mid;

	error = hammer2_chain_index(node, base, count);
	if (error != 0)
		return (error);
	ends = cp->cp_live_end;
	lo = 0;
	hi = cp->cp_nlive;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ends[mid] < beg)
			lo = mid + 1;
		else
			hi = mid;
	}
	*posp = lo;
	return (0);
}

/* The child chain of slot i, instantiated if needed (no reference). */
int
hammer2_chain_get_kid(struct hammer2_chain *node,
    struct hammer2_blockref *base, int count, int i,
    struct hammer2_chain **kidp)
{
	struct hammer2_chain_priv *cp = node->ch_priv;
	struct hammer2_chain *kid;
	int error;

	*kidp = NULL;
	error = hammer2_chain_kids_init(node, base, count);
	if (error != 0)
		return (error);
	if (cp->cp_kids[i] != NULL) {
		*kidp = cp->cp_kids[i];
		return (0);
	}
	if (cp->cp_depth + 1 >= HAMMER2_CHAIN_MAXDEPTH) {
		hammer2_log(node->ch_dev, "hammer2: %s block at 0x%016jx: tree deeper than %d levels (loop?)",
		    hammer2_bref_type_name(base[i].type),
		    (uintmax_t)base[i].data_off, HAMMER2_CHAIN_MAXDEPTH);
		return (EIO);
	}
	kid = hammer2_chain_alloc(node->ch_dev, &base[i]);
	if (kid == NULL)
		return (ENOMEM);
	kid->ch_parent = node;
	kid->ch_priv->cp_slot = i;
	kid->ch_priv->cp_depth = cp->cp_depth + 1;
	cp->cp_kids[i] = kid;
	cp->cp_nkids++;
	*kidp = kid;
	return (0);
}

/*
 * First leaf below node meeting [beg, end]; referenced on success.
 * Returns 0, ENOENT, EIO or ENOMEM.
 */
int
hammer2_chain_find(struct hammer2_chain *node, hammer2_key_t beg,
    hammer2_key_t end, int flags, struct hammer2_chain **chainp)
{
	struct hammer2_chain_priv *cp = node->ch_priv;
	struct hammer2_blockref *base, *b;
	struct hammer2_chain *kid;
	hammer2_key_t bend;
	int count, error, i, pos;

	error = hammer2_chain_array(node, &base, &count);
	if (error != 0 || count == 0)
		return (error != 0 ? error : ENOENT);
	error = hammer2_chain_search(node, base, count, beg, &pos);
	if (error != 0)
		return (error);
	for (; pos < cp->cp_nlive; pos++) {
		i = cp->cp_live[pos];
		b = hammer2_chain_slot_bref(node, base, i);
		if (b->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		if (b->key > end)
			break;
		bend = hammer2_bref_key_end(b);
		error = hammer2_chain_get_kid(node, base, count, i, &kid);
		if (error != 0)
			return (error);
		if (kid->ch_bref.type == HAMMER2_BREF_TYPE_INDIRECT) {
			error = hammer2_chain_find(kid,
			    kid->ch_bref.key > beg ? kid->ch_bref.key : beg,
			    bend < end ? bend : end, flags, chainp);
			if (error != ENOENT) {
				if (error != 0)
					hammer2_chain_release_one(kid);
				return (error);
			}
			hammer2_chain_release_one(kid);
			continue;
		}
		if (kid->ch_bref.type == HAMMER2_BREF_TYPE_INODE &&
		    (flags & HAMMER2_LOOKUP_NODATA) == 0) {
			error = hammer2_chain_load(kid);
			if (error != 0) {
				hammer2_chain_release_one(kid);
				return (error);
			}
		}
		kid->ch_refs++;
		*chainp = kid;
		return (0);
	}
	return (ENOENT);
}

/*
 * hammer2_chain_lookup - see hammer2_chain.h.  Works on read-only devs.
 *
 * Locking: the caller serialises use of the dev; may block in
 * device I/O.
 */
int
hammer2_chain_lookup(struct hammer2_chain *parent, hammer2_key_t key_beg,
    hammer2_key_t key_end, int flags, struct hammer2_chain **chainp)
{
	*chainp = NULL;
	if (parent->ch_flags & HAMMER2_CHF_DELETED)
		return (ENOENT);
	if (key_beg > key_end)
		return (ENOENT);
	return (hammer2_chain_find(parent, key_beg, key_end, flags, chainp));
}

/*
 * hammer2_chain_next - the leaf after chain (dropped) within key_end.
 *
 * Locking: the caller serialises use of the dev; may block in
 * device I/O.
 */
int
hammer2_chain_next(struct hammer2_chain *parent, struct hammer2_chain *chain,
    hammer2_key_t key_end, int flags, struct hammer2_chain **nextp)
{
	hammer2_key_t last = hammer2_bref_key_end(&chain->ch_bref);

	*nextp = NULL;
	hammer2_chain_drop(chain);
	if (last == HAMMER2_KEY_MAX || last >= key_end)
		return (ENOENT);
	return (hammer2_chain_lookup(parent, last + 1, key_end, flags, nextp));
}

/* EROFS unless the dev is mounted read-write; the sticky error. */
int
hammer2_chain_writable(struct hammer2_dev *dev)
{
	struct hammer2_rw *rw = dev->d_rw;

	if (rw == NULL || !rw->rw_writable)
		return (EROFS);
	return (rw->rw_error);
}

/* Set UPDATE on chain and its ancestors. */
void
hammer2_chain_mark_update(struct hammer2_chain *chain)
{
	for (; chain != NULL; chain = chain->ch_parent) {
		if (chain->ch_flags & HAMMER2_CHF_UPDATE)
			break;
		chain->ch_flags |= HAMMER2_CHF_UPDATE;
	}
}

/*
 * hammer2_chain_modify - see hammer2_chain.h.  Returns 0, EROFS, ENOENT
 * (deleted chain), EIO or ENOMEM.
 *
 * Locking: the caller serialises use of the dev; may block in
 * device I/O.
 */
int
hammer2_chain_modify(struct hammer2_chain *chain, hammer2_tid_t mtid)
{
	struct hammer2_dev *dev = chain->ch_dev;
	int error;

	error = hammer2_chain_writable(dev);
	if (error != 0)
		return (error);
	if (chain->ch_flags & HAMMER2_CHF_DELETED)
		return (ENOENT);
	if (chain->ch_flags & HAMMER2_CHF_VROOT)
		return (EINVAL);
	error = hammer2_chain_load(chain);
	if (error != 0)
		return (error);
	if ((chain->ch_flags & HAMMER2_CHF_MODIFIED) == 0)
		((struct hammer2_rw *)dev->d_rw)->rw_dirty_bytes +=
		    chain->ch_bytes;
	chain->ch_flags |= HAMMER2_CHF_MODIFIED;
	if (mtid > chain->ch_bref.modify_tid)
		chain->ch_bref.modify_tid = mtid;
	hammer2_chain_mark_update(chain->ch_parent);
	return (0);
}

/* Power-of-two physical size (>= 1 KiB) for len bytes. */
static size_t
hammer2_chain_block_bytes(size_t len)
{
	size_t bytes = (size_t)1 << HAMMER2_RADIX_MIN;

	while (bytes < len)
		bytes <<= 1;
	return (bytes);
}

/* Copy chain's bref into its parent's array slot. */
static void
hammer2_chain_sync_bref(struct hammer2_chain *chain)
{
	struct hammer2_chain *parent = chain->ch_parent;
	struct hammer2_blockref *base;
	int count;

	if (parent == NULL ||
	    hammer2_chain_array(parent, &base, &count) != 0 ||
	    chain->ch_priv->cp_slot >= count)
		return;
	base[chain->ch_priv->cp_slot] = chain->ch_bref;
}

/*
 * hammer2_chain_data_reserve - bytes of free space file data may not
 * take: 1/64 of the allocator's space, at least 1 MiB and at most
 * 64 MiB, left for the metadata of the next commit (format §17.1 writes
 * every modified inode and indirect block to a new block).
 *
 * Locking: none needed; reads the volume header copy.
 */
uint64_t
hammer2_chain_data_reserve(struct hammer2_dev *dev)
{
	uint64_t r = dev->d_voldata.allocator_size / 64;

	if (r < HAMMER2_DATA_RESERVE_MIN)
		r = HAMMER2_DATA_RESERVE_MIN;
	if (r > HAMMER2_DATA_RESERVE_MAX)
		r = HAMMER2_DATA_RESERVE_MAX;
	return (r);
}

/*
 * hammer2_chain_write_data - see hammer2_chain.h.  Returns 0, EINVAL,
 * EROFS, ENOSPC, EIO (device write; nothing changed) or ENOMEM.
 *
 * Locking: the caller serialises use of the dev; may block in
 * device I/O.
 */
int
hammer2_chain_write_data(struct hammer2_chain *chain, const void *buf,
    size_t len, uint8_t methods, hammer2_tid_t mtid)
{
	struct hammer2_dev *dev = chain->ch_dev;
	struct hammer2_rw *rw = dev->d_rw;
	struct hammer2_blockref bref;
	hammer2_off_t off;
	size_t bytes;
	void *block;
	int error;

	error = hammer2_chain_writable(dev);
	if (error != 0)
		return (error);
	if (chain->ch_flags & HAMMER2_CHF_DELETED)
		return (ENOENT);
	if ((chain->ch_bref.type != HAMMER2_BREF_TYPE_DATA &&
		chain->ch_bref.type != HAMMER2_BREF_TYPE_DIRENT) ||
	    len == 0 || len > HAMMER2_PBUFSIZE)
		return (EINVAL);
	bytes = hammer2_chain_block_bytes(len);
	if (chain->ch_bref.type == HAMMER2_BREF_TYPE_DATA &&
	    hammer2_freemap_free_bytes(dev) <
	    bytes + hammer2_chain_data_reserve(dev))
		return (ENOSPC);	/* the rest is the commit's */
	block = hammer2_alloc(dev, bytes);
	if (block == NULL)
		return (ENOMEM);
	memcpy(block, buf, len);
	memset((char *)block + len, 0, bytes - len);
	error = hammer2_freemap_alloc(dev, chain->ch_bref.type, bytes, &off);
	if (error != 0)
		goto out;
	bref = chain->ch_bref;
	bref.methods = methods;
	bref.data_off = off;
	bref.mirror_tid = dev->d_voldata.mirror_tid + 1;
	if (mtid > bref.modify_tid)
		bref.modify_tid = mtid;
	hammer2_bref_set_check(&bref, block, bytes);
	hammer2_chain_bcache_forget(dev, off);
	error = dev->d_ops->dop_write(dev->d_arg, block, bytes,
	    hammer2_bref_offset(&bref));
	if (error != 0) {
		hammer2_log(dev, "hammer2: %s block at 0x%016jx: device write error %d",
		    hammer2_bref_type_name(bref.type), (uintmax_t)off, error);
		hammer2_freemap_free_uncommitted(dev, off);
		error = EIO;
		goto out;
	}
	rw->rw_nwrites++;
	rw->rw_nbytes += bytes;
	rw->rw_dirty_bytes += bytes;
	if (hammer2_chain_bref_is_fresh(dev, &chain->ch_bref))
		hammer2_freemap_free_uncommitted(dev, chain->ch_bref.data_off);
	chain->ch_bref = bref;
	hammer2_chain_sync_bref(chain);
	if (chain->ch_parent != NULL &&
	    bref.modify_tid > chain->ch_parent->ch_bref.modify_tid)
		chain->ch_parent->ch_bref.modify_tid = bref.modify_tid;
	hammer2_chain_mark_update(chain->ch_parent);
out:
	hammer2_free(dev, block, bytes);
	return (error);
}

/*
 * Is every 16 KiB granule of the block at data_off allocated in the
 * in-memory freemap?  A block freed since it was recorded somewhere (a
 * dedup table) fails this; a block under 16 KiB is judged by its
 * granule only.
 */
static bool
hammer2_chain_block_is_allocated(struct hammer2_dev *dev,
    hammer2_off_t data_off)
{
	struct hammer2_freemap *fm = hammer2_freemap_get(dev);
	hammer2_off_t off = data_off & HAMMER2_OFF_MASK, end, g;
	struct hammer2_fmleaf *leaf;
	size_t area;

	end = off + ((hammer2_off_t)1 << (data_off & HAMMER2_OFF_MASK_RADIX));
	if (fm == NULL)
		return (false);
	for (g = off & ~(hammer2_off_t)(HAMMER2_FREEMAP_BLOCK_SIZE - 1);
	    g < end; g += HAMMER2_FREEMAP_BLOCK_SIZE) {
		area = (size_t)(g >> HAMMER2_FREEMAP_LEVEL1_RADIX);
		if (area >= fm->fm_nareas || fm->fm_leaves[area] == NULL)
			return (false);
		leaf = fm->fm_leaves[area];
		if (hammer2_freemap_gstate(&leaf->fl_bmap[(g >>
			HAMMER2_FREEMAP_LEVEL0_RADIX) %
			HAMMER2_FM_SEGS_PER_LEAF],
			(unsigned)((g >> HAMMER2_FREEMAP_BLOCK_RADIX) %
			HAMMER2_FM_GRANULES)) != HAMMER2_FREEMAP_ALLOCATED)
			return (false);
	}
	return (true);
}

/*
 * hammer2_chain_share - make the DATA (or DIRENT-name) leaf chain name
 * the committed block src names (dedup: the bref is repeated, the block
 * shared).  src must be a committed block of the same type: a block of
 * the open transaction could be freed under the sharer, and a block the
 * freemap no longer holds allocated (freed while it was fresh, after
 * src was recorded) could be handed out again (EINVAL for both).  The
 * chain's own fresh block, if any, is freed.  Returns 0, EINVAL, EROFS
 * or ENOENT (deleted chain).
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
int
hammer2_chain_share(struct hammer2_chain *chain,
    const struct hammer2_blockref *src, hammer2_tid_t mtid)
{
	struct hammer2_dev *dev = chain->ch_dev;
	int error;

	error = hammer2_chain_writable(dev);
	if (error != 0)
		return (error);
	if (chain->ch_flags & HAMMER2_CHF_DELETED)
		return (ENOENT);
	if ((chain->ch_bref.type != HAMMER2_BREF_TYPE_DATA &&
		chain->ch_bref.type != HAMMER2_BREF_TYPE_DIRENT) ||
	    src->type != chain->ch_bref.type ||
	    (src->data_off & HAMMER2_OFF_MASK_RADIX) < HAMMER2_RADIX_MIN ||
	    (src->data_off & HAMMER2_OFF_MASK_RADIX) > HAMMER2_RADIX_MAX ||
	    hammer2_chain_bref_is_fresh(dev, src) ||
	    !hammer2_chain_block_is_allocated(dev, src->data_off))
		return (EINVAL);
	if (hammer2_chain_bref_is_fresh(dev, &chain->ch_bref))
		hammer2_freemap_free_uncommitted(dev, chain->ch_bref.data_off);
	chain->ch_bref.data_off = src->data_off;
	chain->ch_bref.methods = src->methods;
	chain->ch_bref.check = src->check;
	chain->ch_bref.mirror_tid = src->mirror_tid;
	if (mtid > chain->ch_bref.modify_tid)
		chain->ch_bref.modify_tid = mtid;
	chain->ch_flags |= HAMMER2_CHF_MODIFIED;
	hammer2_chain_sync_bref(chain);
	hammer2_chain_mark_update(chain->ch_parent);
	return (0);
}

/*
 * Give back the fresh blocks below a chain that is being deleted: its
 * own (DATA/DIRENT) and those in the arrays of its dirty descendants
 * (clean arrays cannot hold fresh brefs).
 */
static void
hammer2_chain_free_fresh(struct hammer2_chain *chain)
{
	struct hammer2_dev *dev = chain->ch_dev;
	struct hammer2_chain_priv *cp = chain->ch_priv;
	struct hammer2_blockref *base, *b;
	int count, i;

	if (hammer2_chain_bref_is_fresh(dev, &chain->ch_bref))
		hammer2_freemap_free_uncommitted(dev, chain->ch_bref.data_off);
	if ((chain->ch_flags & HAMMER2_CHF_DIRTY) == 0 ||
	    chain->ch_data == NULL ||
	    hammer2_chain_array(chain, &base, &count) != 0)
		return;
	for (i = 0; i < count; i++) {
		if (cp->cp_kids != NULL && i < cp->cp_nslots &&
		    cp->cp_kids[i] != NULL) {
			hammer2_chain_free_fresh(cp->cp_kids[i]);
			continue;
		}
		b = &base[i];
		if (b->type != HAMMER2_BREF_TYPE_EMPTY &&
		    hammer2_chain_bref_is_fresh(dev, b))
			hammer2_freemap_free_uncommitted(dev, b->data_off);
	}
}

/*
 * Mark chain and everything below it in memory deleted and cut them
 * loose; unreferenced ones are freed.
 */
static void
hammer2_chain_kill_tree(struct hammer2_chain *chain)
{
	struct hammer2_chain_priv *cp = chain->ch_priv;
	struct hammer2_chain *kid;
	int i;

	chain->ch_flags &= ~HAMMER2_CHF_DIRTY;
	chain->ch_flags |= HAMMER2_CHF_DELETED;
	for (i = 0; cp->cp_kids != NULL && i < cp->cp_nslots; i++) {
		kid = cp->cp_kids[i];
		if (kid == NULL)
			continue;
		hammer2_chain_detach(kid);
		hammer2_chain_kill_tree(kid);
		if (kid->ch_refs == 0)
			hammer2_chain_free(kid);
	}
}

/* Remove chain from its parent's array and the kids table. */
static void
hammer2_chain_unlink(struct hammer2_chain *chain, hammer2_tid_t mtid)
{
	struct hammer2_chain *parent = chain->ch_parent;
	struct hammer2_blockref *base;
	int count;

	if (parent == NULL)
		return;
	if (hammer2_chain_array(parent, &base, &count) == 0 &&
	    chain->ch_priv->cp_slot < count)
		memset(&base[chain->ch_priv->cp_slot], 0, sizeof(*base));
	hammer2_chain_index_stale(parent);
	hammer2_chain_detach(chain);
	if (mtid > parent->ch_bref.modify_tid)
		parent->ch_bref.modify_tid = mtid;
	hammer2_chain_mark_update(parent);
}

static bool
hammer2_chain_array_is_empty(struct hammer2_chain *node)
{
	struct hammer2_blockref *base;
	int count, i;

	if (hammer2_chain_array(node, &base, &count) != 0)
		return (false);
	for (i = 0; i < count; i++) {
		if (hammer2_chain_slot_bref(node, base, i)->type !=
		    HAMMER2_BREF_TYPE_EMPTY)
			return (false);
	}
	return (true);
}

/*
 * An unreferenced indirect block left with a single entry hands that
 * entry to its parent and goes away (when the entry lies inside the
 * block's range, so the parent's order cannot break).
 */
static void
hammer2_chain_collapse(struct hammer2_chain *ind, hammer2_tid_t mtid)
{
	struct hammer2_chain *gp = ind->ch_parent, *kid;
	struct hammer2_chain_priv *ip = ind->ch_priv, *gpp;
	struct hammer2_blockref *base, *gbase, *b = NULL;
	int count, gcount, i, one = -1, slot;

	if (gp == NULL || ind->ch_refs != 0 ||
	    ind->ch_bref.type != HAMMER2_BREF_TYPE_INDIRECT ||
	    (ind->ch_flags & HAMMER2_CHF_VROOT) ||
	    hammer2_chain_array(ind, &base, &count) != 0 ||
	    hammer2_chain_array(gp, &gbase, &gcount) != 0)
		return;
	for (i = 0; i < count; i++) {
		if (hammer2_chain_slot_bref(ind, base, i)->type ==
		    HAMMER2_BREF_TYPE_EMPTY)
			continue;
		if (one >= 0)
			return;
		one = i;
	}
	if (one < 0)
		return;
	b = hammer2_chain_slot_bref(ind, base, one);
	if (b->key < ind->ch_bref.key ||
	    hammer2_bref_key_end(b) > hammer2_bref_key_end(&ind->ch_bref))
		return;
	gpp = gp->ch_priv;
	slot = ip->cp_slot;
	if (slot >= gcount || gpp->cp_kids == NULL || gpp->cp_kids[slot] != ind)
		return;
	kid = ip->cp_kids != NULL ? ip->cp_kids[one] : NULL;
	gbase[slot] = *b;
	hammer2_chain_index_stale(gp);
	if (kid != NULL) {
		ip->cp_kids[one] = NULL;
		ip->cp_nkids--;
		kid->ch_parent = gp;
		kid->ch_priv->cp_slot = slot;
		kid->ch_priv->cp_depth = gpp->cp_depth + 1;
		gpp->cp_kids[slot] = kid;
	} else {
		gpp->cp_kids[slot] = NULL;
		gpp->cp_nkids--;
	}
	ind->ch_parent = NULL;
	hammer2_chain_kill_tree(ind);
	hammer2_chain_free(ind);
	if (mtid > gp->ch_bref.modify_tid)
		gp->ch_bref.modify_tid = mtid;
	hammer2_chain_mark_update(gp);
}

/*
 * hammer2_chain_delete - see hammer2_chain.h.  Indirect blocks left
 * empty are removed too, those left with one entry are folded into their
 * parent.  Returns 0, EROFS, EINVAL or ENOENT.
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
int
hammer2_chain_delete(struct hammer2_chain *chain, hammer2_tid_t mtid)
{
	struct hammer2_dev *dev = chain->ch_dev;
	struct hammer2_chain *parent;
	int error;

	error = hammer2_chain_writable(dev);
	if (error != 0)
		return (error);
	if (chain->ch_flags & HAMMER2_CHF_DELETED)
		return (ENOENT);
	if ((chain->ch_flags & HAMMER2_CHF_VROOT) ||
	    chain->ch_bref.type == HAMMER2_BREF_TYPE_INDIRECT ||
	    chain->ch_parent == NULL)
		return (EINVAL);
	hammer2_chain_free_fresh(chain);
	parent = chain->ch_parent;
	hammer2_chain_unlink(chain, mtid);
	hammer2_chain_kill_tree(chain);
	while (parent->ch_bref.type == HAMMER2_BREF_TYPE_INDIRECT &&
	    (parent->ch_flags & HAMMER2_CHF_VROOT) == 0 &&
	    parent->ch_refs == 0 && parent->ch_parent != NULL &&
	    hammer2_chain_array_is_empty(parent)) {
		chain = parent;
		parent = chain->ch_parent;
		hammer2_chain_unlink(chain, mtid);
		hammer2_chain_kill_tree(chain);
		hammer2_chain_free(chain);
	}
	hammer2_chain_collapse(parent, mtid);
	return (0);
}

/*
 * hammer2_chain_sweep - free every idle chain at or below chain (after
 * a flush made them clean).
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
void
hammer2_chain_sweep(struct hammer2_chain *chain)
{
	struct hammer2_chain_priv *cp = chain->ch_priv;
	struct hammer2_chain *kid;
	int i;

	for (i = 0; cp->cp_kids != NULL && i < cp->cp_nslots; i++) {
		kid = cp->cp_kids[i];
		if (kid == NULL)
			continue;
		hammer2_chain_sweep(kid);
		if (hammer2_chain_is_idle(kid)) {
			hammer2_chain_detach(kid);
			hammer2_chain_free(kid);
		}
	}
}

/* Free chain and every descendant in memory, referenced or not. */
static void
hammer2_chain_free_tree(struct hammer2_chain *chain)
{
	struct hammer2_chain_priv *cp = chain->ch_priv;
	struct hammer2_chain *kid;
	int i;

	for (i = 0; cp->cp_kids != NULL && i < cp->cp_nslots; i++) {
		kid = cp->cp_kids[i];
		if (kid == NULL)
			continue;
		hammer2_chain_detach(kid);
		hammer2_chain_free_tree(kid);
	}
	hammer2_chain_free(chain);
}

/*
 * hammer2_chain_free_all - free every chain and the write-side state
 * without committing (also rw_fini, called by hammer2_dev_unmount).
 * Chains still referenced by callers are freed too: the dev is going
 * away.
 *
 * Locking: the caller serialises use of the dev; does not block.
 */
void
hammer2_chain_free_all(struct hammer2_dev *dev)
{
	struct hammer2_rw *rw = dev->d_rw;

	if (rw == NULL)
		return;
	if (rw->rw_writable)
		hammer2_freemap_fini(dev);
	if (rw->rw_vroot != NULL)
		hammer2_chain_free_tree(rw->rw_vroot);
	dev->d_rw = NULL;
	hammer2_free(dev, rw, sizeof(*rw));
}
