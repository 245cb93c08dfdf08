/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_chain_create.c - inserting a new leaf into the chain tree, and
 * the indirect blocks that makes necessary (format §14.2).
 *
 * Model: the new bref goes into the first array on its lookup path that
 * covers its key and has room.  A full array gets a new INDIRECT block
 * (4 KiB below directory and PFS-root inodes, 16 KiB below file inodes
 * and indirect blocks, never wider than its parent's range) that takes
 * over part of the entries: for file data the range of the smallest
 * entry widened by the block's fan-out; for directories and the inode
 * index, below an indirect node, the fullest of 2^s equal sub-ranges of
 * the node's range (s = log2(its slots) - 3, so spread hash keys give
 * each level many children instead of two), else the fuller half of the
 * range covering all entries (narrowed or widened until it frees a slot
 * and stays inside the parent).  Finding the place uses the node's
 * binary-searched live-slot index (hammer2_chain_search).  The new
 * indirect block and the leaf are MODIFIED chains: nothing is written
 * until the flush.
 *
 * Invariants: arrays stay sorted and non-overlapping (§5.4); an indirect
 * block's range contains exactly the entries moved into it.
 *
 * Locking: none; one thread uses a dev at a time.
 *
 * More: hammer2_chain.c (lookup, the kids table), docs/design/
 * hammer2-write.md, reference hammer2-format.md §5.4, §14.
 */

#include <errno.h>
#include <string.h>

#include "hammer2_chain_priv.h"

/* The nearest INODE at or above node (NULL: the volume root). */
static struct hammer2_inode_data *
hammer2_chain_owner(struct hammer2_chain *node)
{
	for (; node != NULL; node = node->ch_parent) {
		if (node->ch_flags & HAMMER2_CHF_VROOT)
			return (NULL);
		if (node->ch_bref.type == HAMMER2_BREF_TYPE_INODE)
			return (node->ch_data);
	}
	return (NULL);
}

/* Size of a new indirect block below node (format §14.2). */
static size_t
hammer2_chain_indirect_bytes(struct hammer2_chain *node, int count)
{
	struct hammer2_inode_data *owner = hammer2_chain_owner(node);
	size_t bytes = 16384;

	if (node->ch_bref.type != HAMMER2_BREF_TYPE_INDIRECT &&
	    (owner == NULL ||
		owner->meta.type == HAMMER2_OBJTYPE_DIRECTORY))
		bytes = 4096;
	while (bytes < (size_t)count * HAMMER2_BLOCKREF_BYTES)
		bytes <<= 1;
	return (bytes);
}

/* Live entries of node's array inside [key, key + 2^keybits). */
static int
hammer2_chain_count_in(struct hammer2_chain *node,
    struct hammer2_blockref *base, int count, hammer2_key_t key, int keybits,
    bool *straddlep)
{
	hammer2_key_t end = key + hammer2_keymask(keybits);
	struct hammer2_blockref *b;
	int i, n = 0;

	*straddlep = false;
	for (i = 0; i < count; i++) {
		b = hammer2_chain_slot_bref(node, base, i);
		if (b->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		if (b->key >= key && hammer2_bref_key_end(b) <= end)
			n++;
		else if (b->key <= end && hammer2_bref_key_end(b) >= key)
			*straddlep = true;
	}
	return (n);
}

/*
 * A usable range for a new indirect block: no entry straddles it, it
 * takes at least two entries, and not all of them unless the new block
 * is bigger than node's array (else nothing would be gained).
 */
static bool
hammer2_chain_range_ok(struct hammer2_chain *node,
    struct hammer2_blockref *base, int count, hammer2_key_t key, int keybits,
    int nlive, int nentries)
{
	bool straddle;
	int n;

	n = hammer2_chain_count_in(node, base, count, key, keybits, &straddle);
	return (!straddle && n >= 2 && (n < nlive || nentries > count));
}

/*
 * Narrow a directory split range to its fuller half for as long as that
 * keeps three quarters of its entries: a dense group among sparse keys
 * (inode numbers among hashes) then moves as one tight block instead of
 * one level of indirect blocks per halving.  Only for indirect nodes:
 * below an inode's 4-entry blockset a wide range (DragonFly's 0/63) keeps
 * later keys out of the small array.
 */
static void
hammer2_chain_narrow(struct hammer2_chain *node, struct hammer2_blockref *base,
    int count, hammer2_key_t *keyp, int *keybitsp)
{
	hammer2_key_t key = *keyp, hkey;
	int keybits = *keybitsp, n, nl, nh;
	bool sl, sh, st;

	n = hammer2_chain_count_in(node, base, count, key, keybits, &st);
	while (keybits > 1) {
		hkey = key + ((hammer2_key_t)1 << (keybits - 1));
		nl = hammer2_chain_count_in(node, base, count, key,
		    keybits - 1, &sl);
		nh = hammer2_chain_count_in(node, base, count, hkey,
		    keybits - 1, &sh);
		if (nh >= nl && !sh && nh * 4 >= n * 3) {
			key = hkey;
			n = nh;
		} else if (nl > nh && !sl && nl * 4 >= n * 3) {
			n = nl;
		} else {
			break;
		}
		keybits--;
	}
	*keyp = key;
	*keybitsp = keybits;
}

/*
 * Directory / inode-index split of a full INDIRECT node: the fullest of
 * 2^s aligned sub-ranges of the node's own range, s = log2(its slots) - 3
 * (4 sub-ranges of a 32-entry block, 16 of a 128-entry one).  Halving
 * instead (the policy below) leaves a node of uniformly hashed names
 * with two half-range children once both halves filled, so a directory
 * grew one level per doubling (11 indirect levels at 200,000 names);
 * sub-ranges of 1/2^s give each level up to 2^s children.  A new child
 * starts with about 1/2^s of a full block (finer sub-ranges, tried with
 * 32 of 128, left directories of 100,000+ names with blocks 15% full on
 * average; 16 keep them at 25-80%, docs/performance/hammer2-ops.md).
 * Not used
 * where a sub-range would be narrower than a new block's entry count
 * (dense keys: inode numbers), which the halving policy packs better.
 * False if no sub-range takes at least two entries but not all of them
 * without an entry straddling it.
 */
static bool
hammer2_chain_bucket_range(struct hammer2_chain *node,
    struct hammer2_blockref *base, int count, int nlive, int nentries,
    hammer2_key_t *keyp, int *keybitsp)
{
	uint16_t n[HAMMER2_CHAIN_MAXBUCKETS];
	bool straddle[HAMMER2_CHAIN_MAXBUCKETS];
	hammer2_key_t nkey = node->ch_bref.key, lo, hi;
	struct hammer2_blockref *b;
	int i, j, s = 0, lg = 0, sub, best = -1;

	while ((1 << lg) < count)
		lg++;
	while ((1 << s) < nentries)
		s++;
	sub = s;			/* narrowest sub-range: nentries keys */
	s = lg - 3;
	if (node->ch_bref.keybits - s < sub)
		s = node->ch_bref.keybits - sub;
	if (s < 2 || (1 << s) > HAMMER2_CHAIN_MAXBUCKETS)
		return (false);
	sub = node->ch_bref.keybits - s;
	memset(n, 0, sizeof(n));
	memset(straddle, 0, sizeof(straddle));
	for (i = 0; i < count; i++) {
		b = hammer2_chain_slot_bref(node, base, i);
		if (b->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		if (b->key < nkey || hammer2_bref_key_end(b) >
		    nkey + hammer2_keymask(node->ch_bref.keybits))
			return (false);
		lo = (b->key - nkey) >> sub;
		hi = (hammer2_bref_key_end(b) - nkey) >> sub;
		if (lo == hi) {
			n[lo]++;
			continue;
		}
		for (j = (int)lo; j <= (int)hi; j++)
			straddle[j] = true;
	}
	for (j = 0; j < (1 << s); j++) {
		if (!straddle[j] && n[j] >= 2 && n[j] < nlive &&
		    (best < 0 || n[j] > n[best]))
			best = j;
	}
	if (best < 0)
		return (false);
	*keyp = nkey + ((hammer2_key_t)best << sub);
	*keybitsp = sub;
	return (true);
}

/*
 * Choose the key range of a new indirect block below a full node:
 * DragonFly's two policies (format §14.2; directory ranges narrowed, see
 * hammer2_chain_narrow); if that range is not usable
 * (see above), wider ranges in steps of the fan-out, then the widest
 * usable range around the policy's key.
 */
static int
hammer2_chain_indirect_range(struct hammer2_chain *node,
    struct hammer2_blockref *base, int count, int nentries,
    hammer2_key_t *keyp, int *keybitsp)
{
	struct hammer2_inode_data *owner = hammer2_chain_owner(node);
	struct hammer2_blockref *b, *small = NULL;
	hammer2_key_t lo = HAMMER2_KEY_MAX, hi = 0, key, half, anchor;
	int i, keybits, nlow = 0, nhigh = 0, fan = 0, nlive = 0, maxbits = 63;
	bool data;

	/* Never wider than an indirect node's own range. */
	if (node->ch_bref.type == HAMMER2_BREF_TYPE_INDIRECT &&
	    (node->ch_flags & HAMMER2_CHF_VROOT) == 0 &&
	    node->ch_bref.keybits < maxbits)
		maxbits = node->ch_bref.keybits;
	while ((1 << fan) < nentries)
		fan++;
	for (i = 0; i < count; i++) {
		b = hammer2_chain_slot_bref(node, base, i);
		if (b->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		nlive++;
		if (b->key < lo)
			lo = b->key;
		if (hammer2_bref_key_end(b) > hi)
			hi = hammer2_bref_key_end(b);
		if (small == NULL || b->keybits < small->keybits)
			small = b;
	}
	if (small == NULL || nlive < 2)
		return (EIO);
	data = owner != NULL && owner->meta.type != HAMMER2_OBJTYPE_DIRECTORY;
	if (data) {
		/* File data: the smallest entry widened by the fan-out. */
		keybits = small->keybits + fan;
		if (keybits > maxbits)
			keybits = maxbits;
		key = small->key & ~hammer2_keymask(keybits);
	} else {
		/* Directory / inode index: a sub-range of an indirect node, */
		if (node->ch_bref.type == HAMMER2_BREF_TYPE_INDIRECT &&
		    (node->ch_flags & HAMMER2_CHF_VROOT) == 0 &&
		    hammer2_chain_bucket_range(node, base, count, nlive,
			nentries, &key, &keybits) &&
		    hammer2_chain_range_ok(node, base, count, key, keybits,
			nlive, nentries))
			goto found;
		/* else the fuller half of the cover. */
		for (keybits = 0; keybits < 64; keybits++) {
			if ((lo >> keybits) == (hi >> keybits))
				break;
		}
		if (keybits == 0)
			keybits = 1;
		key = lo & ~hammer2_keymask(keybits);
		keybits--;
		half = key + ((hammer2_key_t)1 << keybits);
		for (i = 0; i < count; i++) {
			b = hammer2_chain_slot_bref(node, base, i);
			if (b->type == HAMMER2_BREF_TYPE_EMPTY)
				continue;
			if (b->key < half)
				nlow++;
			else
				nhigh++;
		}
		if (nhigh >= nlow)
			key = half;
		if (!hammer2_chain_range_ok(node, base, count, key, keybits,
			nlive, nentries))
			goto fallback;
		if (node->ch_bref.type == HAMMER2_BREF_TYPE_INDIRECT &&
		    (node->ch_flags & HAMMER2_CHF_VROOT) == 0)
			hammer2_chain_narrow(node, base, count, &key,
			    &keybits);
		while (keybits < maxbits && keybits < fan)
			keybits++;
		key &= ~hammer2_keymask(keybits);
	}
	if (hammer2_chain_range_ok(node, base, count, key, keybits, nlive,
		nentries))
		goto found;
	for (; data && keybits + fan <= maxbits;) {
		keybits += fan;
		key = small->key & ~hammer2_keymask(keybits);
		if (hammer2_chain_range_ok(node, base, count, key, keybits,
			nlive, nentries))
			goto found;
	}
fallback:
	anchor = key;
	for (keybits = maxbits; keybits > 0; keybits--) {
		key = anchor & ~hammer2_keymask(keybits);
		if (hammer2_chain_range_ok(node, base, count, key, keybits,
			nlive, nentries))
			goto found;
	}
	return (EIO);
found:
	*keyp = key;
	*keybitsp = keybits;
	return (0);
}

/*
 * Make room in a full node: move part of its entries into a new
 * INDIRECT block that takes their place.
 */
static int
hammer2_chain_create_indirect(struct hammer2_chain *node,
    struct hammer2_blockref *base, int count)
{
	struct hammer2_dev *dev = node->ch_dev;
	struct hammer2_chain_priv *np = node->ch_priv, *ip;
	struct hammer2_blockref bref, *b, *ibase;
	struct hammer2_chain *ind, *kid;
	hammer2_key_t key, end;
	size_t bytes;
	int error, i, j, first = -1, keybits, nentries;

	bytes = hammer2_chain_indirect_bytes(node, count);
	nentries = (int)(bytes / HAMMER2_BLOCKREF_BYTES);
	error = hammer2_chain_indirect_range(node, base, count, nentries, &key,
	    &keybits);
	if (error != 0) {
		hammer2_log(dev, "hammer2: cannot split the full array of %s 0x%016jx",
		    hammer2_bref_type_name(node->ch_bref.type),
		    (uintmax_t)node->ch_bref.key);
		return (error);
	}
	end = key + hammer2_keymask(keybits);
	memset(&bref, 0, sizeof(bref));
	bref.type = HAMMER2_BREF_TYPE_INDIRECT;
	bref.key = key;
	bref.keybits = (uint8_t)keybits;
	bref.methods = HAMMER2_ENC_CHECK(HAMMER2_DEC_CHECK(
	    node->ch_bref.methods));
	ind = hammer2_chain_alloc(dev, &bref);
	if (ind == NULL)
		return (ENOMEM);
	ip = ind->ch_priv;
	ind->ch_data = hammer2_alloc(dev, bytes);
	ip->cp_kids = hammer2_alloc(dev, sizeof(*ip->cp_kids) *
	    (size_t)nentries);
	if (ind->ch_data == NULL || ip->cp_kids == NULL) {
		hammer2_chain_free(ind);
		return (ENOMEM);
	}
	ind->ch_bytes = bytes;
	hammer2_chain_account(dev, (int64_t)bytes);
	memset(ind->ch_data, 0, bytes);
	memset(ip->cp_kids, 0, sizeof(*ip->cp_kids) * (size_t)nentries);
	ip->cp_nslots = nentries;
	ip->cp_depth = np->cp_depth + 1;
	ip->cp_live = hammer2_alloc(dev, sizeof(*ip->cp_live) *
	    (size_t)nentries);
	ip->cp_live_end = hammer2_alloc(dev, sizeof(*ip->cp_live_end) *
	    (size_t)nentries);
	if (ip->cp_live == NULL || ip->cp_live_end == NULL) {
		hammer2_chain_free(ind);
		return (ENOMEM);
	}
	ibase = ind->ch_data;
	for (i = 0, j = 0; i < count; i++) {
		b = hammer2_chain_slot_bref(node, base, i);
		if (b->type == HAMMER2_BREF_TYPE_EMPTY || b->key < key ||
		    hammer2_bref_key_end(b) > end)
			continue;
		if (first < 0)
			first = i;
		ibase[j] = *b;
		if (b->modify_tid > ind->ch_bref.modify_tid)
			ind->ch_bref.modify_tid = b->modify_tid;
		kid = np->cp_kids[i];
		if (kid != NULL) {
			np->cp_kids[i] = NULL;
			np->cp_nkids--;
			kid->ch_parent = ind;
			kid->ch_priv->cp_slot = j;
			kid->ch_priv->cp_depth = ip->cp_depth + 1;
			ip->cp_kids[j] = kid;
			ip->cp_nkids++;
			if (kid->ch_flags & HAMMER2_CHF_DIRTY)
				ind->ch_flags |= HAMMER2_CHF_UPDATE;
		}
		memset(&base[i], 0, sizeof(base[i]));
		j++;
	}
	base[first] = ind->ch_bref;
	hammer2_chain_index_stale(node);
	np->cp_kids[first] = ind;
	np->cp_nkids++;
	ind->ch_parent = node;
	ip->cp_slot = first;
	ind->ch_flags |= HAMMER2_CHF_MODIFIED;
	hammer2_chain_mark_update(node);
	((struct hammer2_rw *)dev->d_rw)->rw_dirty_bytes += bytes;
	return (0);
}

/*
 * Put a new child chain into node's array at the sorted position: pos is
 * the slot of the first live entry above its key (count if none), empty
 * the free slot to shift towards.
 */
static void
hammer2_chain_insert(struct hammer2_chain *node, struct hammer2_blockref *base,
    int pos, int empty, struct hammer2_chain *chain)
{
	struct hammer2_chain_priv *np = node->ch_priv;
	int i;

	hammer2_chain_index_stale(node);
	if (empty >= pos) {
		/* Shift [pos, empty) one up. */
		for (i = empty; i > pos; i--) {
			base[i] = base[i - 1];
			np->cp_kids[i] = np->cp_kids[i - 1];
			if (np->cp_kids[i] != NULL)
				np->cp_kids[i]->ch_priv->cp_slot = i;
		}
	} else {
		/* Shift (empty, pos) one down. */
		pos--;
		for (i = empty; i < pos; i++) {
			base[i] = base[i + 1];
			np->cp_kids[i] = np->cp_kids[i + 1];
			if (np->cp_kids[i] != NULL)
				np->cp_kids[i]->ch_priv->cp_slot = i;
		}
	}
	base[pos] = chain->ch_bref;
	np->cp_kids[pos] = chain;
	np->cp_nkids++;
	chain->ch_parent = node;
	chain->ch_priv->cp_slot = pos;
	chain->ch_priv->cp_depth = np->cp_depth + 1;
}

/*
 * The EMPTY slot of node nearest to slot pos (the lower one of two at
 * the same distance), or -1 when the array is full.
 */
static int
hammer2_chain_find_empty(struct hammer2_chain *node,
    struct hammer2_blockref *base, int count, int pos)
{
	int d;

	if (node->ch_priv->cp_live_ok && node->ch_priv->cp_nlive >= count)
		return (-1);
	for (d = 0; d <= count; d++) {
		if (pos - d >= 0 && pos - d < count &&
		    hammer2_chain_slot_bref(node, base, pos - d)->type ==
		    HAMMER2_BREF_TYPE_EMPTY)
			return (pos - d);
		if (d > 0 && pos + d < count &&
		    hammer2_chain_slot_bref(node, base, pos + d)->type ==
		    HAMMER2_BREF_TYPE_EMPTY)
			return (pos + d);
	}
	return (-1);
}

/*
 * hammer2_chain_create - see hammer2_chain.h.  Returns 0, EEXIST,
 * EINVAL (bad type/key, or parent without an array), EROFS, EIO, ENOMEM.
 *
 * Locking: the caller serialises use of the dev; may block in
 * device I/O.
 */
int
hammer2_chain_create(struct hammer2_chain *parent, hammer2_key_t key,
    int keybits, int type, size_t bytes, hammer2_tid_t mtid,
    struct hammer2_chain **chainp)
{
	struct hammer2_dev *dev = parent->ch_dev;
	struct hammer2_blockref bref, *base, *b = NULL;
	struct hammer2_chain *node, *chain, *found;
	hammer2_key_t kend;
	int count, error, i = 0, empty, pos = 0;

	*chainp = NULL;
	error = hammer2_chain_writable(dev);
	if (error != 0)
		return (error);
	if (parent->ch_flags & HAMMER2_CHF_DELETED)
		return (ENOENT);
	if ((type != HAMMER2_BREF_TYPE_INODE &&
		type != HAMMER2_BREF_TYPE_DATA &&
		type != HAMMER2_BREF_TYPE_DIRENT) ||
	    keybits < 0 || keybits > 63 ||
	    (key & hammer2_keymask(keybits)) != 0)
		return (EINVAL);
	if (type == HAMMER2_BREF_TYPE_INODE && bytes != HAMMER2_INODE_BYTES)
		return (EINVAL);
	kend = key + hammer2_keymask(keybits);
	error = hammer2_chain_find(parent, key, kend, HAMMER2_LOOKUP_NODATA,
	    &found);
	if (error == 0) {
		found->ch_refs--;
		hammer2_chain_release(found);
		return (EEXIST);
	}
	if (error != ENOENT)
		return (error);

	memset(&bref, 0, sizeof(bref));
	bref.type = (uint8_t)type;
	bref.key = key;
	bref.keybits = (uint8_t)keybits;
	bref.modify_tid = mtid;
	if (type == HAMMER2_BREF_TYPE_INODE)
		bref.methods = HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64);
	chain = hammer2_chain_alloc(dev, &bref);
	if (chain == NULL)
		return (ENOMEM);
	if (type == HAMMER2_BREF_TYPE_INODE) {
		chain->ch_data = hammer2_alloc(dev, bytes);
		if (chain->ch_data == NULL) {
			hammer2_chain_free(chain);
			return (ENOMEM);
		}
		memset(chain->ch_data, 0, bytes);
		chain->ch_bytes = bytes;
		hammer2_chain_account(dev, (int64_t)bytes);
	}

	node = parent;
again:
	error = hammer2_chain_array(node, &base, &count);
	if (error == 0 && count == 0)
		error = EINVAL;
	if (error == 0)
		error = hammer2_chain_search(node, base, count, key, &pos);
	if (error != 0)
		goto fail;
	/* The first live entry ending at or after key, if any. */
	for (; pos < node->ch_priv->cp_nlive; pos++) {
		i = node->ch_priv->cp_live[pos];
		b = hammer2_chain_slot_bref(node, base, i);
		if (b->type != HAMMER2_BREF_TYPE_EMPTY)
			break;
	}
	if (pos < node->ch_priv->cp_nlive && b->key <= kend) {
		/* It overlaps: only an indirect block covering it all. */
		if (b->type != HAMMER2_BREF_TYPE_INDIRECT || b->key > key ||
		    hammer2_bref_key_end(b) < kend) {
			error = EINVAL;
			goto fail;
		}
		error = hammer2_chain_get_kid(node, base, count, i, &node);
		if (error != 0)
			goto fail;
		goto again;
	}
	/* i: slot of the first live entry above key (count if none). */
	if (pos >= node->ch_priv->cp_nlive)
		i = count;
	empty = hammer2_chain_find_empty(node, base, count, i);
	if (empty < 0) {
		error = hammer2_chain_create_indirect(node, base, count);
		if (error != 0)
			goto fail;
		goto again;
	}
	hammer2_chain_insert(node, base, i, empty, chain);
	chain->ch_flags |= HAMMER2_CHF_MODIFIED;
	if (mtid > node->ch_bref.modify_tid)
		node->ch_bref.modify_tid = mtid;
	hammer2_chain_mark_update(node);
	((struct hammer2_rw *)dev->d_rw)->rw_dirty_bytes += chain->ch_bytes;
	chain->ch_refs = 1;
	*chainp = chain;
	return (0);

fail:
	hammer2_chain_free(chain);
	hammer2_chain_release(node);
	return (error);
}
