/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_freemap.h - private interface between hammer2_freemap.c,
 * hammer2_bulkfree.c, hammer2_growfs.c and their unit test.  Everybody
 * else uses the hammer2_freemap_* functions of hammer2_chain.h.
 *
 * Model: the whole freemap of the volume lives in memory: one 32 KiB
 * leaf (256 bmap_data, format §15.2) per 1 GiB area that has a leaf,
 * created lazily with the §15.5 initialisation.  FREEMAP_NODE levels are
 * not kept in memory: hammer2_freemap_flush() rebuilds them from the
 * leaves; only their last on-disk location is remembered, to rotate it
 * (§15.4).  Blocks allocated since the last flush are remembered in a
 * set so that they can be given back at once.
 *
 * Invariants: fl_bmap[n].avail == 16 KiB x (number of 00 granules) for
 * every segment; a segment that is not allocatable (below fm_floor, the
 * reserved first segment of each 1 GiB, beyond fm_total) is never handed
 * out, whatever its bitmap says; fm_uncommitted holds exactly the blocks
 * handed out since the last flush and not given back.
 *
 * Locking: none; the caller serialises use of the dev.
 *
 * More: docs/design/hammer2-write.md (Freemap), hammer2-format.md §15.
 */

#ifndef _VFS_HAMMER2_HAMMER2_FREEMAP_H_
#define _VFS_HAMMER2_HAMMER2_FREEMAP_H_

#include "hammer2_chain.h"

/* clang-format off */
#define HAMMER2_FM_TYPES	8		/* allocation hints, per bref type */
#define HAMMER2_FM_SEGS_PER_LEAF 256
#define HAMMER2_FM_GRANULES	256		/* 16 KiB granules per segment */
#define HAMMER2_FM_SLOT_BYTES	65536		/* one slot of a reserved seg */
#define HAMMER2_FM_BIGMASK_ALL	0xFFFFFFFFU
/* clang-format on */

/* Open-addressing set of non-zero uint64 keys (linear probing). */
struct hammer2_u64set {
	uint64_t	*us_keys;	/* 0: empty slot */
	size_t		 us_cap;	/* power of two, or 0 */
	size_t		 us_count;
};

/* One in-memory freemap leaf: a 1 GiB area. */
/* clang-format off */
struct hammer2_fmleaf {
	hammer2_key_t		 fl_key;	/* 1 GiB-aligned address */
	struct hammer2_blockref	 fl_bref;	/* on disk; data_off 0: never */
	uint32_t		 fl_bigmask;	/* radixes that may succeed */
	bool			 fl_dirty;	/* changed since last flush */
	struct hammer2_bmap_data fl_bmap[HAMMER2_FM_SEGS_PER_LEAF];
};

/* Last on-disk location of one FREEMAP_NODE (level 2..5). */
struct hammer2_fmnode {
	int			 fn_level;
	hammer2_key_t		 fn_key;
	struct hammer2_blockref	 fn_bref;
};

struct hammer2_freemap {
	struct hammer2_dev	*fm_dev;
	uint64_t		 fm_total;	/* bytes of the volume set */
	hammer2_off_t		 fm_floor;	/* roundup(allocator_beg, 4M) */
	size_t			 fm_nareas;	/* 1 GiB areas, ceil(total) */
	struct hammer2_fmleaf	**fm_leaves;	/* [fm_nareas], NULL: none */
	struct hammer2_fmnode	*fm_nodes;
	size_t			 fm_nnodes;
	size_t			 fm_nodecap;
	struct hammer2_u64set	 fm_uncommitted; /* data_off since flush */
	hammer2_off_t		 fm_heur[HAMMER2_FM_TYPES]; /* next try */
	bool			 fm_dirty;	/* leaves/header need a flush */
	uint64_t		 fm_nallocs;	/* statistics */
	uint64_t		 fm_nsegscans;	/* segments examined */
	uint64_t		 fm_nflushes;
	uint64_t		 fm_nwrites;	/* freemap blocks written */
};
/* clang-format on */

/* hammer2_freemap.c */
struct hammer2_freemap *hammer2_freemap_get(struct hammer2_dev *dev);
uint64_t hammer2_freemap_total(const struct hammer2_volume_data *vd);
struct hammer2_fmleaf *hammer2_freemap_leaf(struct hammer2_freemap *fm,
    size_t area, int *errorp);
bool hammer2_freemap_seg_usable(const struct hammer2_freemap *fm,
    hammer2_off_t seg_base);
int hammer2_freemap_gstate(const struct hammer2_bmap_data *bm, unsigned g);
void hammer2_freemap_gset(struct hammer2_bmap_data *bm, unsigned g,
    int state);
int hammer2_freemap_resize(struct hammer2_freemap *fm, uint64_t new_total);
int hammer2_u64set_add(struct hammer2_dev *dev, struct hammer2_u64set *s,
    uint64_t key);
bool hammer2_u64set_has(const struct hammer2_u64set *s, uint64_t key);
bool hammer2_u64set_del(struct hammer2_u64set *s, uint64_t key);
void hammer2_u64set_free(struct hammer2_dev *dev, struct hammer2_u64set *s);

/*
 * hammer2_bulkfree.c: walk the topology below a blockset (INODE,
 * INDIRECT, DATA, DIRENT-name blocks), calling fn for every bref that
 * names a block.  Subtrees whose mirror_tid is <= min_tid are skipped
 * (recovery); INODE/INDIRECT blocks whose data_off is already in *seen
 * are not walked again (seen may be NULL).  Any read or check failure
 * ends the walk with its errno.
 */
typedef int hammer2_fmwalk_fn(void *arg, const struct hammer2_blockref *bref);
int hammer2_freemap_walk(struct hammer2_dev *dev,
    const struct hammer2_blockset *set, hammer2_tid_t min_tid,
    struct hammer2_u64set *seen, hammer2_fmwalk_fn *fn, void *arg);

/*
 * hammer2_bulkfree_pass: the bulkfree work without the two commits
 * (nothing may be uncommitted); hammer2_growfs_apply: growfs without the
 * commit.  hammer2_bulkfree()/hammer2_growfs() wrap them in
 * hammer2_flush().
 */
int hammer2_bulkfree_pass(struct hammer2_dev *dev,
    struct hammer2_bulkfree_stats *stats);
int hammer2_growfs_apply(struct hammer2_dev *dev, uint64_t new_size);

#endif /* !_VFS_HAMMER2_HAMMER2_FREEMAP_H_ */
