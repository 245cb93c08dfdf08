/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_bulkfree.c - free the blocks nothing refers to any more, and
 * the topology walk that finds the ones something does refer to.
 *
 * Model (DragonFly's bulkfree, format §15.2, §15.6): copy-on-write never
 * frees a committed block when it is replaced, because an older volume
 * header copy or a snapshot may still refer to it.  Bulkfree instead
 * walks everything reachable from every valid volume header copy (all
 * four rotate; the newest is the mounted one), i.e. every PFS and
 * snapshot below each super-root, into an in-memory bitmap with one bit
 * per 16 KiB granule.  Then each granule of each allocatable segment
 * moves one step: allocated and unreferenced 11 -> 10 (staged),
 * staged and still unreferenced 10 -> 00 (free), referenced -> 11.  A
 * block is therefore freed by the second pass that finds it unreferenced;
 * the allocator never takes 10 granules, so a block deduplicated against
 * in between simply goes back to 11.
 *
 * Invariants: a granule that contains any byte of a referenced block is
 * never moved towards free; if any part of any walk fails (read error,
 * check code, corrupt array) bulkfree changes nothing and returns the
 * error.  Nothing may be uncommitted when the pass runs (EBUSY).
 *
 * Locking: none; the caller serialises use of the dev.
 *
 * More: docs/design/hammer2-write.md (Freemap), hammer2-format.md §15.
 */

#include <errno.h>
#include <string.h>

#include "hammer2_freemap.h"

#define HAMMER2_WALK_MAX_NEST	8	/* inodes below inodes */

struct hammer2_fmwalk {
	struct hammer2_dev	*w_dev;
	hammer2_tid_t		 w_min_tid;
	struct hammer2_u64set	*w_seen;
	hammer2_fmwalk_fn	*w_fn;
	void			*w_arg;
	int			 w_nest;
};

static int hammer2_walk_cb(void *arg, const struct hammer2_blockref *bref,
    int error);

static int
hammer2_walk_inode(struct hammer2_fmwalk *w,
    const struct hammer2_blockref *bref)
{
	struct hammer2_inode *ip;
	int error;

	if (w->w_nest >= HAMMER2_WALK_MAX_NEST) {
		hammer2_log(w->w_dev, "hammer2: walk: inode 0x%016jx nested too deep",
		    (uintmax_t)bref->data_off);
		return (EIO);
	}
	ip = hammer2_alloc(w->w_dev, sizeof(*ip));
	if (ip == NULL)
		return (ENOMEM);
	error = hammer2_inode_load(w->w_dev, bref, ip);
	if (error == 0 && hammer2_inode_has_blockset(ip)) {
		w->w_nest++;
		error = hammer2_tree_scan(w->w_dev,
		    ip->ino_data.u.blockset.blockref, HAMMER2_SET_COUNT, 0,
		    HAMMER2_KEY_MAX, HAMMER2_SCAN_INDIRECT, hammer2_walk_cb, w);
		w->w_nest--;
	}
	hammer2_free(w->w_dev, ip, sizeof(*ip));
	return (error);
}

static int
hammer2_walk_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct hammer2_fmwalk *w = arg;
	bool indirect = bref->type == HAMMER2_BREF_TYPE_INDIRECT;

	if (error != 0)
		return (error);
	if (hammer2_bref_bytes(bref) == 0)
		return (0);		/* embedded dirent name */
	if (w->w_min_tid != 0 && bref->mirror_tid <= w->w_min_tid)
		return (indirect ? HAMMER2_SCAN_SKIP : 0);
	if (w->w_seen != NULL && (indirect ||
	    bref->type == HAMMER2_BREF_TYPE_INODE)) {
		if (hammer2_u64set_has(w->w_seen, bref->data_off))
			return (indirect ? HAMMER2_SCAN_SKIP : 0);
		error = hammer2_u64set_add(w->w_dev, w->w_seen, bref->data_off);
		if (error != 0)
			return (error);
	}
	error = w->w_fn(w->w_arg, bref);
	if (error != 0)
		return (error);
	if (bref->type == HAMMER2_BREF_TYPE_INODE)
		return (hammer2_walk_inode(w, bref));
	return (0);
}

/*
 * hammer2_freemap_walk - see hammer2_freemap.h.  Returns 0 or the first
 * errno (EIO for corrupt media, ENOMEM, or fn's error).
 *
 * Locking: the caller serialises use of the dev; blocks in reads.
 */
int
hammer2_freemap_walk(struct hammer2_dev *dev,
    const struct hammer2_blockset *set, hammer2_tid_t min_tid,
    struct hammer2_u64set *seen, hammer2_fmwalk_fn *fn, void *arg)
{
	struct hammer2_fmwalk w;

	memset(&w, 0, sizeof(w));
	w.w_dev = dev;
	w.w_min_tid = min_tid;
	w.w_seen = seen;
	w.w_fn = fn;
	w.w_arg = arg;
	return (hammer2_tree_scan(dev, set->blockref, HAMMER2_SET_COUNT, 0,
	    HAMMER2_KEY_MAX, HAMMER2_SCAN_INDIRECT, hammer2_walk_cb, &w));
}

/* The bitmap of referenced granules. */
struct hammer2_bfref {
	struct hammer2_freemap	*bf_fm;
	uint64_t		*bf_bits;
	size_t			 bf_words;
	uint64_t		 bf_scanned;
};

static int
hammer2_bulkfree_ref_cb(void *arg, const struct hammer2_blockref *bref)
{
	struct hammer2_bfref *bf = arg;
	struct hammer2_freemap *fm = bf->bf_fm;
	hammer2_off_t off = bref->data_off & HAMMER2_OFF_MASK;
	uint64_t bytes = hammer2_bref_bytes(bref), g, glast;
	int error;

	bf->bf_scanned++;
	if (off < fm->fm_dev->d_voldata.allocator_beg)
		return (0);
	if (off + bytes > fm->fm_total) {
		hammer2_log(fm->fm_dev, "hammer2: bulkfree: %s block 0x%016jx beyond the volume",
		    hammer2_bref_type_name(bref->type),
		    (uintmax_t)bref->data_off);
		return (EIO);
	}
	/* A block in an area without a leaf: give it one (repaired below). */
	if (hammer2_freemap_leaf(fm, (size_t)(off >>
	    HAMMER2_FREEMAP_LEVEL1_RADIX), &error) == NULL)
		return (error);
	glast = (off + bytes - 1) >> HAMMER2_FREEMAP_BLOCK_RADIX;
	for (g = off >> HAMMER2_FREEMAP_BLOCK_RADIX; g <= glast; g++)
		bf->bf_bits[g / 64] |= 1ULL << (g % 64);
	return (0);
}

static bool
hammer2_bulkfree_is_ref(const struct hammer2_bfref *bf, uint64_t g)
{
	return ((bf->bf_bits[g / 64] >> (g % 64)) & 1);
}

/* Walk one header copy (fsid must match ours). */
static int
hammer2_bulkfree_scan_copy(struct hammer2_dev *dev, int i,
    struct hammer2_volume_data *vd, struct hammer2_u64set *seen,
    struct hammer2_bfref *bf)
{
	uint64_t off = (uint64_t)i * HAMMER2_ZONE_BYTES64;
	const char *why;
	int error;

	error = dev->d_ops->dop_read(dev->d_arg, vd, sizeof(*vd), off);
	if (error != 0)
		return (0);	/* unreadable: mount could not use it either */
	if (hammer2_volume_check(vd, dev->d_devsize, &why) != 0 ||
	    memcmp(&vd->fsid, &dev->d_voldata.fsid, sizeof(vd->fsid)) != 0)
		return (0);
	return (hammer2_freemap_walk(dev, &vd->sroot_blockset, 0, seen,
	    hammer2_bulkfree_ref_cb, bf));
}

/* Move every granule of one segment a step; returns whether it changed. */
static bool
hammer2_bulkfree_segment(struct hammer2_bfref *bf,
    struct hammer2_bmap_data *bm, uint64_t g0,
    struct hammer2_bulkfree_stats *stats)
{
	bool changed = false, ref;
	unsigned g;
	int st;
	uint32_t lin;

	for (g = 0; g < HAMMER2_FM_GRANULES; g++) {
		ref = hammer2_bulkfree_is_ref(bf, g0 + g);
		st = hammer2_freemap_gstate(bm, g);
		if (st == HAMMER2_FREEMAP_ALLOCATED && !ref) {
			hammer2_freemap_gset(bm, g, HAMMER2_FREEMAP_STAGED);
			stats->bf_staged += HAMMER2_FREEMAP_BLOCK_SIZE;
		} else if (st == HAMMER2_FREEMAP_STAGED && !ref) {
			hammer2_freemap_gset(bm, g, HAMMER2_FREEMAP_FREE);
			bm->avail += HAMMER2_FREEMAP_BLOCK_SIZE;
			stats->bf_freed += HAMMER2_FREEMAP_BLOCK_SIZE;
		} else if (st == HAMMER2_FREEMAP_STAGED ||
		    (st == HAMMER2_FREEMAP_FREE && ref)) {
			if (st == HAMMER2_FREEMAP_FREE) {
				hammer2_log(bf->bf_fm->fm_dev, "hammer2: bulkfree: referenced granule 0x%016jx was free; marked allocated",
				    (uintmax_t)((g0 + g) <<
				    HAMMER2_FREEMAP_BLOCK_RADIX));
				bm->avail -= HAMMER2_FREEMAP_BLOCK_SIZE;
			}
			hammer2_freemap_gset(bm, g, HAMMER2_FREEMAP_ALLOCATED);
		} else {
			continue;
		}
		changed = true;
	}
	/* A partial granule that is no longer allocated is closed. */
	lin = (uint32_t)bm->linear;
	if (changed && (lin & (HAMMER2_FREEMAP_BLOCK_SIZE - 1)) != 0 &&
	    lin < HAMMER2_SEGSIZE &&
	    hammer2_freemap_gstate(bm, lin >> HAMMER2_FREEMAP_BLOCK_RADIX) !=
	    HAMMER2_FREEMAP_ALLOCATED)
		bm->linear = (int32_t)((lin + HAMMER2_FREEMAP_BLOCK_SIZE - 1) &
		    ~(HAMMER2_FREEMAP_BLOCK_SIZE - 1));
	if (bm->avail == HAMMER2_SEGSIZE) {
		bm->class = 0;
		bm->linear = 0;
	}
	return (changed);
}

/*
 * hammer2_bulkfree_pass - see hammer2_freemap.h.  Returns 0, EINVAL (no
 * freemap), EBUSY (uncommitted allocations), EIO or ENOMEM.  On error
 * no granule has changed: every walk completes before the first one
 * moves (an area holding a referenced block may have gained a leaf).
 *
 * Locking: the caller serialises use of the dev; blocks in reads.
 */
int
hammer2_bulkfree_pass(struct hammer2_dev *dev,
    struct hammer2_bulkfree_stats *stats)
{
	struct hammer2_freemap *fm = hammer2_freemap_get(dev);
	struct hammer2_volume_data *vd = NULL;
	struct hammer2_u64set seen;
	struct hammer2_bfref bf;
	struct hammer2_fmleaf *leaf;
	hammer2_off_t seg;
	size_t a;
	int i, s, error;

	memset(stats, 0, sizeof(*stats));
	if (fm == NULL)
		return (EINVAL);
	if (fm->fm_uncommitted.us_count != 0)
		return (EBUSY);
	memset(&seen, 0, sizeof(seen));
	memset(&bf, 0, sizeof(bf));
	bf.bf_fm = fm;
	bf.bf_words = (size_t)((fm->fm_total >> HAMMER2_FREEMAP_BLOCK_RADIX) +
	    63) / 64;
	bf.bf_bits = hammer2_alloc(dev, bf.bf_words * sizeof(uint64_t));
	vd = hammer2_alloc(dev, sizeof(*vd));
	if (bf.bf_bits == NULL || vd == NULL) {
		error = ENOMEM;
		goto out;
	}
	memset(bf.bf_bits, 0, bf.bf_words * sizeof(uint64_t));
	/* The mounted header (in memory, maybe newer than on disk)... */
	error = hammer2_freemap_walk(dev, &dev->d_voldata.sroot_blockset, 0,
	    &seen, hammer2_bulkfree_ref_cb, &bf);
	/* ...and every valid copy on the device. */
	for (i = 0; error == 0 && i < HAMMER2_NUM_VOLHDRS; i++) {
		if ((uint64_t)i * HAMMER2_ZONE_BYTES64 + HAMMER2_VOLUME_BYTES >
		    dev->d_devsize)
			break;
		error = hammer2_bulkfree_scan_copy(dev, i, vd, &seen, &bf);
	}
	if (error != 0) {
		hammer2_log(dev, "hammer2: bulkfree: topology walk failed (error %d); nothing freed",
		    error);
		goto out;
	}
	stats->bf_scanned = bf.bf_scanned;
	for (a = 0; a < fm->fm_nareas; a++) {
		leaf = fm->fm_leaves[a];
		if (leaf == NULL)
			continue;
		for (s = 0; s < HAMMER2_FM_SEGS_PER_LEAF; s++) {
			seg = leaf->fl_key + (hammer2_off_t)s * HAMMER2_SEGSIZE;
			if (!hammer2_freemap_seg_usable(fm, seg))
				continue;
			if (!hammer2_bulkfree_segment(&bf, &leaf->fl_bmap[s],
			    seg >> HAMMER2_FREEMAP_BLOCK_RADIX, stats))
				continue;
			leaf->fl_dirty = true;
			leaf->fl_bigmask = HAMMER2_FM_BIGMASK_ALL;
			fm->fm_dirty = true;
		}
	}
	dev->d_voldata.bulkfree_tid = dev->d_voldata.mirror_tid;
	fm->fm_dirty = true;
	stats->bf_free_after = hammer2_freemap_free_bytes(dev);
out:
	hammer2_free(dev, vd, sizeof(*vd));
	hammer2_free(dev, bf.bf_bits, bf.bf_words * sizeof(uint64_t));
	hammer2_u64set_free(dev, &seen);
	return (error);
}

/*
 * hammer2_bulkfree - see hammer2_chain.h: commit, one bulkfree pass,
 * commit.  Returns 0 or the errno of the first step that failed.
 *
 * Locking: the caller serialises use of the dev; blocks.
 */
int
hammer2_bulkfree(struct hammer2_dev *dev, struct hammer2_bulkfree_stats *stats)
{
	int error;

	memset(stats, 0, sizeof(*stats));
	error = hammer2_flush(dev);
	if (error == 0)
		error = hammer2_bulkfree_pass(dev, stats);
	if (error == 0)
		error = hammer2_flush(dev);
	if (error == 0)
		stats->bf_free_after = hammer2_freemap_free_bytes(dev);
	return (error);
}
