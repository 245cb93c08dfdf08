/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_pfs.h - PFS administration on a read-write dev: create, delete
 * and snapshot PFS roots in the super-root, set the compression or check
 * method of inodes, deduplicate identical data blocks, and count a PFS's
 * space (what hammer2(8) pfs-create, pfs-delete, snapshot, setcomp,
 * setcheck, dedup and info do offline on an image).
 *
 * Model: a PFS is a PFS root INODE leaf of the super-root, keyed by the
 * directory hash of its label plus a collision index (format §9, §12.3).
 * A snapshot is one more such leaf whose 1 KiB inode is a copy of the
 * source root's: its blockset names the very same blocks, so taking it
 * writes one inode and the path to the header whatever the PFS's size;
 * copy-on-write then keeps the two apart, and since committed blocks are
 * only ever freed by bulkfree, which scans every PFS, shared blocks stay.
 *
 * Every action commits (hammer2_flush) before it returns, so on success
 * the change is on the media; on failure the last commit is intact.
 * On a dev with a mounted PFS (hammer2_vnops.h), sync the mount first
 * (hammer2_vfs_sync): the vnops layer may hold data not yet in chains,
 * which a snapshot would otherwise miss.
 *
 * Random identifiers (pfs_clid, pfs_fsid) come from the caller: the core
 * has no entropy source of its own.
 *
 * Locking: none: one thread uses a dev at a time (hammer2_chain.h).
 *
 * More: docs/design/hammer2-tools.md, hammer2(8), reference
 * hammer2-format.md §9.
 */

#ifndef _VFS_HAMMER2_HAMMER2_PFS_H_
#define _VFS_HAMMER2_HAMMER2_PFS_H_

#include "hammer2.h"

/* clang-format off */
#define HAMMER2_PFS_METHOD_COMP		1	/* hammer2_pfs_setmethod() */
#define HAMMER2_PFS_METHOD_CHECK	2
#define HAMMER2_PFS_COMP_LEVEL_MAX	9	/* zlib levels 1..9 */
/* clang-format on */

struct hammer2_pfs_ids {
	struct hammer2_uuid	pi_clid;	/* cluster id */
	struct hammer2_uuid	pi_fsid;	/* this PFS instance */
};

/* Space accounting of one PFS (read side, committed state). */
struct hammer2_pfs_usage {
	uint64_t	pu_inodes;	/* inodes in the inode index */
	uint64_t	pu_data_blocks;	/* DATA brefs */
	uint64_t	pu_data_bytes;	/* their physical bytes */
	uint64_t	pu_meta_bytes;	/* INODE, INDIRECT, dirent names */
	uint64_t	pu_comp_saved;	/* logical - physical, compressed */
	uint64_t	pu_dedup_saved;	/* bytes of brefs sharing a block */
};

struct hammer2_pfs_dedup_stats {
	uint64_t	dd_scanned;	/* DATA brefs examined */
	uint64_t	dd_repointed;	/* brefs now sharing a block */
	uint64_t	dd_saved;	/* physical bytes no longer referenced */
};

/*
 * hammer2_pfs_create: a new, empty PFS root labelled label (pfs_type
 * MASTER unless told otherwise).  EEXIST if the label exists, EINVAL for
 * a bad label or type, ENOSPC if the label's hash window is full.
 *
 * hammer2_pfs_delete: remove the PFS labelled label; its blocks become
 * free at the next bulkfree.  ENOENT if absent; EBUSY if it is the last
 * PFS of the volume (an image without any PFS cannot be mounted).
 *
 * hammer2_pfs_snapshot: O(1) snapshot of PFS src named snap (subtype
 * SNAPSHOT, pfs_lsnap_tid set in both).  ENOENT, EEXIST, EINVAL.
 *
 * hammer2_pfs_setmethod: set comp_algo (what = HAMMER2_PFS_METHOD_COMP,
 * algo = level << 4 | HAMMER2_COMP_*) or check_algo (METHOD_CHECK,
 * HAMMER2_CHECK_*) of path in PFS label and, for a directory, of
 * everything below it.  Existing blocks keep their methods; new writes
 * use the new ones.  *countp: inodes changed.
 *
 * hammer2_pfs_dedup: repoint every DATA bref of PFS label whose block
 * has the same methods, size, check code and contents as one met
 * earlier in the PFS to that earlier block.  The duplicates become free
 * at the next bulkfree.  label NULL: every PFS, with one table (blocks
 * of different PFSs are merged too).
 *
 * hammer2_pfs_usage: space accounting of the committed PFS root ip.
 *
 * hammer2_pfs_exists: 0 or ENOENT (through the chain layer: only the
 * label's hash window of the super-root is read).
 */
int hammer2_pfs_create(struct hammer2_dev *dev, const char *label,
    int pfs_type, const struct hammer2_pfs_ids *ids);
int hammer2_pfs_delete(struct hammer2_dev *dev, const char *label);
int hammer2_pfs_snapshot(struct hammer2_dev *dev, const char *src,
    const char *snap, const struct hammer2_pfs_ids *ids);
int hammer2_pfs_setmethod(struct hammer2_dev *dev, const char *label,
    const char *path, int what, uint8_t algo, uint64_t *countp);
int hammer2_pfs_dedup(struct hammer2_dev *dev, const char *label,
    struct hammer2_pfs_dedup_stats *stats);
int hammer2_pfs_usage(struct hammer2_dev *dev,
    const struct hammer2_inode *iroot, struct hammer2_pfs_usage *usage);
bool hammer2_pfs_label_is_valid(const char *label);
int hammer2_pfs_exists(struct hammer2_dev *dev, const char *label);

/* Shared by hammer2_pfs*.c only. */
struct hammer2_chain;

/* A set of non-zero uint64 values (open addressing, linear probing). */
struct hammer2_pfs_set {
	struct hammer2_dev	*ps_dev;
	uint64_t		*ps_keys;	/* 0: empty slot */
	size_t			 ps_cap;	/* power of two, or 0 */
	size_t			 ps_count;
};

int hammer2_pfs_set_add(struct hammer2_pfs_set *set, uint64_t key,
    bool *newp);
void hammer2_pfs_set_fini(struct hammer2_pfs_set *set);
hammer2_tid_t hammer2_pfs_tid(struct hammer2_dev *dev,
    const struct hammer2_chain *chain);
int hammer2_pfs_sroot(struct hammer2_dev *dev, struct hammer2_chain **srootp);
int hammer2_pfs_find(struct hammer2_chain *sroot, const char *label,
    struct hammer2_chain **chainp);
int hammer2_pfs_commit_pending(struct hammer2_dev *dev);
int hammer2_pfs_view(struct hammer2_dev *dev, struct hammer2_chain *chain,
    struct hammer2_pfs *pmp);

#endif /* !_VFS_HAMMER2_HAMMER2_PFS_H_ */
