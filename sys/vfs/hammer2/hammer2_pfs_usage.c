/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_pfs_usage.c - space accounting of a PFS (hammer2 info -v), and
 * the small set of uint64 values the PFS tools share.
 *
 * Model: the committed tree of the PFS root is scanned through the read
 * side: the inode index (every inode of the PFS, format §10.1), each
 * inode's own tree (DATA, INDIRECT, DIRENT), the root directory's
 * entries.  Physical bytes are the block sizes in data_off.  Compression
 * saving of a compressed DATA block = the block an uncompressed write of
 * the same bytes would take (the power of two >= its logical bytes, at
 * least 1 KiB, §7.4) minus its physical size.  Dedup saving = the
 * physical bytes of every DATA bref whose block another DATA bref of the
 * same PFS already named (blocks shared with other PFSs, e.g. with a
 * snapshot, are not counted: that sharing is the snapshot's).
 *
 * Invariants: read only; bounded by the read side's scan budgets.
 *
 * Locking: none: the caller serialises use of the dev.
 *
 * More: hammer2_pfs.h, hammer2(8).
 */

#include <errno.h>
#include <string.h>

#include "hammer2_pfs.h"

/* clang-format off */
#define HAMMER2_PFS_SET_INITIAL	64		/* first capacity */
#define HAMMER2_PFS_SET_MULT	0x9E3779B97F4A7C15ULL /* Fibonacci hash */
#define HAMMER2_PFS_MIN_BLOCK	1024		/* smallest block */
/* clang-format on */

static size_t
hammer2_pfs_set_slot(uint64_t key, size_t cap)
{
	return ((size_t)((key * HAMMER2_PFS_SET_MULT) >> 32) & (cap - 1));
}

static void
hammer2_pfs_set_put(uint64_t *keys, size_t cap, uint64_t key)
{
	size_t j;

	for (j = hammer2_pfs_set_slot(key, cap); keys[j] != 0;
	    j = (j + 1) & (cap - 1))
		;
	keys[j] = key;
}

static int
hammer2_pfs_set_grow(struct hammer2_pfs_set *set)
{
	size_t cap = set->ps_cap ? set->ps_cap * 2 : HAMMER2_PFS_SET_INITIAL;
	uint64_t *keys;
	size_t i;

	keys = hammer2_alloc(set->ps_dev, cap * sizeof(*keys));
	if (keys == NULL)
		return (ENOMEM);
	memset(keys, 0, cap * sizeof(*keys));
	for (i = 0; i < set->ps_cap; i++)
		if (set->ps_keys[i] != 0)
			hammer2_pfs_set_put(keys, cap, set->ps_keys[i]);
	hammer2_pfs_set_fini(set);
	set->ps_keys = keys;
	set->ps_cap = cap;
	return (0);
}

/*
 * hammer2_pfs_set_add - add key (non-zero) to set; *newp says whether it
 * was absent.  Returns 0 or ENOMEM.
 */
int
hammer2_pfs_set_add(struct hammer2_pfs_set *set, uint64_t key, bool *newp)
{
	size_t j;
	int error;

	if (2 * (set->ps_count + 1) > set->ps_cap) {
		error = hammer2_pfs_set_grow(set);
		if (error != 0)
			return (error);
	}
	for (j = hammer2_pfs_set_slot(key, set->ps_cap); set->ps_keys[j] != 0;
	    j = (j + 1) & (set->ps_cap - 1)) {
		if (set->ps_keys[j] == key) {
			*newp = false;
			return (0);
		}
	}
	set->ps_keys[j] = key;
	set->ps_count++;
	*newp = true;
	return (0);
}

void
hammer2_pfs_set_fini(struct hammer2_pfs_set *set)
{
	if (set->ps_keys != NULL)
		hammer2_free(set->ps_dev, set->ps_keys,
		    set->ps_cap * sizeof(*set->ps_keys));
	set->ps_keys = NULL;
	set->ps_cap = 0;
	set->ps_count = 0;
}

struct hammer2_usage_walk {
	struct hammer2_dev	*uw_dev;
	struct hammer2_pfs_usage *uw_u;
	struct hammer2_pfs_set	 uw_blocks;	/* data_off of DATA seen */
	struct hammer2_inode	 uw_ip;		/* inode being scanned */
};

/* Bytes an uncompressed write of this DATA block's contents takes. */
static uint64_t
hammer2_usage_raw_bytes(const struct hammer2_blockref *bref, uint64_t size)
{
	uint64_t logical = 1ULL << bref->keybits, raw = HAMMER2_PFS_MIN_BLOCK;

	if (bref->keybits >= HAMMER2_RADIX_MAX)
		logical = HAMMER2_PBUFSIZE;
	if (size <= bref->key)
		return (0);
	if (size - bref->key < logical)
		logical = size - bref->key;
	while (raw < logical)
		raw <<= 1;
	return (raw);
}

static int
hammer2_usage_data(struct hammer2_usage_walk *uw,
    const struct hammer2_blockref *bref)
{
	struct hammer2_pfs_usage *u = uw->uw_u;
	uint64_t phys = hammer2_bref_bytes(bref), raw;
	bool fresh;
	int error;

	if (phys == 0)
		return (0);
	u->pu_data_blocks++;
	u->pu_data_bytes += phys;
	error = hammer2_pfs_set_add(&uw->uw_blocks,
	    hammer2_bref_offset(bref), &fresh);
	if (error != 0)
		return (error);
	if (!fresh)
		u->pu_dedup_saved += phys;
	if (HAMMER2_DEC_COMP(bref->methods) != HAMMER2_COMP_NONE) {
		raw = hammer2_usage_raw_bytes(bref, uw->uw_ip.ino_data.meta.size);
		if (raw > phys)
			u->pu_comp_saved += raw - phys;
	}
	return (0);
}

/* Leaves of one inode's own tree (and the PFS root's dirents). */
static int
hammer2_usage_leaf(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct hammer2_usage_walk *uw = arg;

	(void)error;
	switch (bref->type) {
	case HAMMER2_BREF_TYPE_DATA:
		return (hammer2_usage_data(uw, bref));
	case HAMMER2_BREF_TYPE_INDIRECT:
	case HAMMER2_BREF_TYPE_DIRENT:
		uw->uw_u->pu_meta_bytes += hammer2_bref_bytes(bref);
		return (0);
	default:
		return (0);
	}
}

/* Leaves of the PFS root's tree: inodes of the index, root dirents. */
static int
hammer2_usage_index(void *arg, const struct hammer2_blockref *bref,
    int error)
{
	struct hammer2_usage_walk *uw = arg;
	struct hammer2_inode *ip = &uw->uw_ip;

	if (bref->type != HAMMER2_BREF_TYPE_INODE)
		return (hammer2_usage_leaf(arg, bref, error));
	uw->uw_u->pu_inodes++;
	uw->uw_u->pu_meta_bytes += hammer2_bref_bytes(bref);
	error = hammer2_inode_load(uw->uw_dev, bref, ip);
	if (error != 0 || !hammer2_inode_has_blockset(ip))
		return (error);
	return (hammer2_tree_scan(uw->uw_dev, ip->ino_data.u.blockset.blockref,
	    HAMMER2_SET_COUNT, 0, HAMMER2_KEY_MAX, HAMMER2_SCAN_INDIRECT,
	    hammer2_usage_leaf, uw));
}

/*
 * hammer2_pfs_usage - see hammer2_pfs.h.  Returns 0, EIO or ENOMEM.
 *
 * Context: any; reads the committed state only.
 * Locking: the caller serialises use of the dev; may block in reads.
 */
int
hammer2_pfs_usage(struct hammer2_dev *dev, const struct hammer2_inode *iroot,
    struct hammer2_pfs_usage *usage)
{
	struct hammer2_usage_walk *uw;
	int error;

	memset(usage, 0, sizeof(*usage));
	if (!hammer2_inode_has_blockset(iroot))
		return (EIO);
	uw = hammer2_alloc(dev, sizeof(*uw));
	if (uw == NULL)
		return (ENOMEM);
	memset(uw, 0, sizeof(*uw));
	uw->uw_dev = dev;
	uw->uw_u = usage;
	uw->uw_blocks.ps_dev = dev;
	uw->uw_ip = *iroot;
	usage->pu_meta_bytes = hammer2_bref_bytes(&iroot->ino_bref);
	error = hammer2_tree_scan(dev, iroot->ino_data.u.blockset.blockref,
	    HAMMER2_SET_COUNT, 0, HAMMER2_KEY_MAX, HAMMER2_SCAN_INDIRECT,
	    hammer2_usage_index, uw);
	hammer2_pfs_set_fini(&uw->uw_blocks);
	hammer2_free(dev, uw, sizeof(*uw));
	return (error);
}
