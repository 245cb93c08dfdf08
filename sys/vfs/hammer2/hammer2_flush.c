/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_flush.c - commit the chain tree (format §17.1) and the
 * read-write mount around it.
 *
 * Model: hammer2_flush() runs one transaction id, tid = header
 * mirror_tid + 1.  It walks the dirty chains depth-first and, children
 * before parents, gives every modified or updated INODE and INDIRECT a
 * new block (never the old one: a valid header may still point at it),
 * recomputes its statistics (§5.5), modify_tid (max of its own and its
 * children's) and check code, writes it and stores the new bref in the
 * parent's array, up to the volume root whose array becomes the new
 * sroot_blockset.  Then the freemap is flushed, the device synced, the
 * header written to the next copy slot (§4.3) with mirror_tid = tid and
 * the device synced again.  A crash before the header write leaves the
 * previous header and everything it names untouched; a torn header
 * fails its CRC and the mount picks the previous copy.
 *
 * Invariants: nothing reachable from a committed header is overwritten;
 * every bref written or updated by the commit carries mirror_tid = tid;
 * after any failure rw_error is set, d_voldata is restored and the dev
 * refuses further changes (the media keep the last good commit).
 *
 * Locking: none; one thread uses a dev at a time.
 *
 * More: docs/design/hammer2-write.md, reference hammer2-format.md §4.3,
 * §16, §17.
 */

#include <errno.h>
#include <string.h>

#include "hammer2_chain_priv.h"
#include "hammer2_freemap.h"

/* Next header copy slot after i, skipping copies beyond the volume. */
static int
hammer2_flush_next_slot(struct hammer2_dev *dev, int i)
{
	int j = (i + 1) % HAMMER2_NUM_VOLHDRS;

	if ((uint64_t)j * HAMMER2_ZONE_BYTES64 >= dev->d_voldata.volu_size)
		j = 0;
	return (j);
}

static uint64_t
hammer2_sat_add(uint64_t a, uint64_t b)
{
	return (a + b < a ? UINT64_MAX : a + b);
}

/*
 * Recompute the statistics, leaf count and modify_tid of a node's bref
 * from its array (format §5.5, §16).
 */
static void
hammer2_flush_stats(struct hammer2_chain *chain, struct hammer2_blockref *base,
    int count)
{
	struct hammer2_blockref *b, *self = &chain->ch_bref;
	uint64_t data = 0, inodes = 0, leaves = 0;
	int i;

	for (i = 0; i < count; i++) {
		b = &base[i];
		if (b->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		data = hammer2_sat_add(data, hammer2_bref_bytes(b));
		if (b->type == HAMMER2_BREF_TYPE_INODE ||
		    b->type == HAMMER2_BREF_TYPE_INDIRECT) {
			data = hammer2_sat_add(data, b->embed.stats.data_count);
			inodes = hammer2_sat_add(inodes,
			    b->embed.stats.inode_count);
		}
		if (b->type == HAMMER2_BREF_TYPE_INODE)
			inodes = hammer2_sat_add(inodes, 1);
		leaves += b->type == HAMMER2_BREF_TYPE_INDIRECT ?
		    b->leaf_count : 1;
		if (b->modify_tid > self->modify_tid)
			self->modify_tid = b->modify_tid;
	}
	self->embed.stats.data_count = data;
	self->embed.stats.inode_count = inodes;
	self->leaf_count = (uint16_t)(leaves > 65535 ? 65535 : leaves);
}

/* Allocate, check-code and write a node's new block. */
static int
hammer2_flush_write_node(struct hammer2_chain *chain, hammer2_tid_t tid)
{
	struct hammer2_dev *dev = chain->ch_dev;
	struct hammer2_rw *rw = dev->d_rw;
	struct hammer2_blockref bref = chain->ch_bref;
	hammer2_off_t off;
	int error;

	error = hammer2_freemap_alloc(dev, bref.type, chain->ch_bytes, &off);
	if (error != 0)
		return (error);
	bref.data_off = off;
	bref.mirror_tid = tid;
	hammer2_bref_set_check(&bref, chain->ch_data, chain->ch_bytes);
	hammer2_chain_bcache_forget(dev, off);
	error = dev->d_ops->dop_write(dev->d_arg, chain->ch_data,
	    chain->ch_bytes, hammer2_bref_offset(&bref));
	if (error != 0) {
		hammer2_log(dev, "hammer2: flush: %s block at 0x%016jx: device write error %d",
		    hammer2_bref_type_name(bref.type), (uintmax_t)off, error);
		return (EIO);
	}
	rw->rw_nwrites++;
	rw->rw_nbytes += chain->ch_bytes;
	chain->ch_bref = bref;
	return (0);
}

/*
 * Flush chain and its dirty descendants, children first.  On return the
 * chain is clean and its ch_bref is what its parent must hold.
 */
static int
hammer2_flush_chain(struct hammer2_chain *chain, hammer2_tid_t tid)
{
	struct hammer2_chain_priv *cp = chain->ch_priv;
	struct hammer2_blockref *base;
	struct hammer2_chain *kid;
	int count, error, i;

	error = hammer2_chain_array(chain, &base, &count);
	if (error != 0)
		return (error);
	for (i = 0; cp->cp_kids != NULL && i < cp->cp_nslots && i < count;
	    i++) {
		kid = cp->cp_kids[i];
		if (kid == NULL || (kid->ch_flags & HAMMER2_CHF_DIRTY) == 0)
			continue;
		if (kid->ch_bref.type == HAMMER2_BREF_TYPE_DATA &&
		    (kid->ch_bref.data_off & HAMMER2_OFF_MASK_RADIX) == 0) {
			/* Created but never written: a hole. */
			memset(&base[i], 0, sizeof(base[i]));
			kid->ch_flags &= ~HAMMER2_CHF_DIRTY;
			hammer2_chain_detach(kid);
			kid->ch_flags |= HAMMER2_CHF_DELETED;
			hammer2_chain_release(kid);
			continue;
		}
		error = hammer2_flush_chain(kid, tid);
		if (error != 0)
			return (error);
		base[i] = kid->ch_bref;
	}
	if (chain->ch_flags & HAMMER2_CHF_VROOT) {
		chain->ch_flags &= ~HAMMER2_CHF_DIRTY;
		chain->ch_bref.mirror_tid = tid;
		return (0);
	}
	switch (chain->ch_bref.type) {
	case HAMMER2_BREF_TYPE_INODE:
	case HAMMER2_BREF_TYPE_INDIRECT:
		error = hammer2_chain_load(chain);
		if (error != 0)
			return (error);
		if (count > 0)
			hammer2_flush_stats(chain, base, count);
		else if (chain->ch_bref.type == HAMMER2_BREF_TYPE_INODE)
			memset(&chain->ch_bref.embed, 0,
			    sizeof(chain->ch_bref.embed));
		error = hammer2_flush_write_node(chain, tid);
		if (error != 0)
			return (error);
		break;
	default:
		/* DATA/DIRENT whose bref changed: only the tid moves. */
		chain->ch_bref.mirror_tid = tid;
		break;
	}
	chain->ch_flags &= ~HAMMER2_CHF_DIRTY;
	return (0);
}

/* Write the volume header to slot and sync. */
static int
hammer2_flush_header(struct hammer2_dev *dev, int slot)
{
	int error;

	hammer2_volume_set_crcs(&dev->d_voldata);
	error = dev->d_ops->dop_write(dev->d_arg, &dev->d_voldata,
	    sizeof(dev->d_voldata), (uint64_t)slot * HAMMER2_ZONE_BYTES64);
	if (error == 0)
		error = dev->d_ops->dop_sync(dev->d_arg);
	if (error != 0) {
		hammer2_log(dev, "hammer2: flush: volume header %d: write error %d",
		    slot, error);
		return (EIO);
	}
	return (0);
}

/*
 * Is there anything to commit: a dirty topology or a dirty freemap (data
 * blocks written since the last commit, growfs and bulkfree all dirty the
 * freemap)?
 */
static bool
hammer2_flush_needed(struct hammer2_dev *dev)
{
	struct hammer2_rw *rw = dev->d_rw;
	struct hammer2_freemap *fm = hammer2_freemap_get(dev);

	if (rw->rw_vroot != NULL && (rw->rw_vroot->ch_flags & HAMMER2_CHF_DIRTY))
		return (true);
	return (fm != NULL && fm->fm_dirty);
}

/*
 * hammer2_flush - commit (see hammer2_chain.h).  Returns 0, EROFS,
 * ENOSPC, EIO or ENOMEM; any failure is sticky (rw_error).
 *
 * Locking: the caller serialises use of the dev; may block in
 * device I/O.
 */
int
hammer2_flush(struct hammer2_dev *dev)
{
	struct hammer2_rw *rw = dev->d_rw;
	struct hammer2_volume_data *saved;
	struct hammer2_chain *vroot;
	hammer2_tid_t tid;
	int error, slot = 0;

	if (rw == NULL || !rw->rw_writable)
		return (EROFS);
	if (rw->rw_error != 0)
		return (rw->rw_error);
	if (!hammer2_flush_needed(dev)) {
		/* A clean mount writes nothing, not even a header. */
		hammer2_chain_trim(dev, true);
		return (0);
	}
	saved = hammer2_alloc(dev, sizeof(*saved));
	if (saved == NULL)
		return (ENOMEM);
	memcpy(saved, &dev->d_voldata, sizeof(*saved));
	tid = dev->d_voldata.mirror_tid + 1;
	rw->rw_flush_tid = tid;
	vroot = rw->rw_vroot;
	error = 0;
	if (vroot != NULL && (vroot->ch_flags & HAMMER2_CHF_DIRTY)) {
		error = hammer2_flush_chain(vroot, tid);
		if (error == 0)
			memcpy(&dev->d_voldata.sroot_blockset, vroot->ch_data,
			    sizeof(dev->d_voldata.sroot_blockset));
	}
	if (error == 0)
		error = hammer2_freemap_flush(dev, tid);
	if (error == 0 && dev->d_ops->dop_sync(dev->d_arg) != 0)
		error = EIO;
	if (error == 0) {
		if (dev->d_voldata.mirror_tid < tid)
			dev->d_voldata.mirror_tid = tid;
		slot = rw->rw_next_hdr;
		error = hammer2_flush_header(dev, slot);
	}
	if (error != 0) {
		memcpy(&dev->d_voldata, saved, sizeof(*saved));
		hammer2_free(dev, saved, sizeof(*saved));
		rw->rw_error = error;
		hammer2_log(dev, "hammer2: flush of transaction %ju failed (%d); the last commit stays",
		    (uintmax_t)tid, error);
		return (error);
	}
	hammer2_free(dev, saved, sizeof(*saved));
	dev->d_volhdr_index = slot;
	dev->d_volhdr_valid |= 1 << slot;
	rw->rw_next_hdr = hammer2_flush_next_slot(dev, slot);
	rw->rw_nwrites++;
	rw->rw_nbytes += sizeof(dev->d_voldata);
	rw->rw_ncommits++;
	rw->rw_dirty_bytes = 0;
	hammer2_chain_trim(dev, true);
	return (0);
}

/*
 * hammer2_rw_mount - see hammer2_chain.h.  Returns 0, EROFS (read-only
 * dev), EBUSY (already mounted read-write), EIO or ENOMEM.
 *
 * Locking: the caller serialises use of the dev; may block in
 * device I/O.
 */
int
hammer2_rw_mount(struct hammer2_dev *dev)
{
	struct hammer2_rw *rw;
	int error;

	if (!dev->d_rdwr || dev->d_ops->dop_write == NULL ||
	    dev->d_ops->dop_sync == NULL)
		return (EROFS);
	rw = hammer2_rw_state(dev);
	if (rw == NULL)
		return (ENOMEM);
	if (rw->rw_writable)
		return (EBUSY);
	/* Loads the freemap and recovers it if it lags (format §17.2). */
	error = hammer2_freemap_init(dev);
	if (error != 0)
		return (error);
	rw->rw_writable = 1;
	rw->rw_next_hdr = hammer2_flush_next_slot(dev, dev->d_volhdr_index);
	return (0);
}

/*
 * hammer2_rw_unmount - commit if dirty, then free every chain and the
 * write-side state (also on a read-only dev).  Returns the commit's
 * error.
 *
 * Locking: the caller serialises use of the dev; may block in
 * device I/O.
 */
int
hammer2_rw_unmount(struct hammer2_dev *dev)
{
	struct hammer2_rw *rw = dev->d_rw;
	int error = 0;

	if (rw == NULL)
		return (0);
	if (rw->rw_writable && rw->rw_error == 0 &&
	    ((rw->rw_vroot != NULL &&
		 (rw->rw_vroot->ch_flags & HAMMER2_CHF_DIRTY)) ||
		rw->rw_dirty_bytes != 0))
		error = hammer2_flush(dev);
	else if (rw->rw_writable)
		error = rw->rw_error;
	hammer2_chain_free_all(dev);
	return (error);
}
