/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_mount.h - private state of the vnops layer (hammer2_vnops.h):
 * one mounted PFS, the inode handles its operations pass around, and the
 * prototypes the hammer2_vfsops.c / hammer2_vnops*.c files share.
 *
 * Model: a read-only mount reads through part 1's verified read path
 * (hammer2_inode_lookup(), hammer2_dir_lookup(), hammer2_file_read());
 * a read-write mount goes through the chain layer (hammer2_chain.h): the
 * PFS root INODE chain is held for the whole mount and every inode is
 * found below it by inode number.  An operation takes inode handles
 * (struct hammer2_ino) with hammer2_ino_get() and gives them back with
 * hammer2_ino_put(); in_data always points at the current 1 KiB inode.
 *
 * Write-behind: the last block a hammer2_vop_write() left partly written
 * is held in mnt_wbuf instead of being stored (a following small write to
 * the same block only patches memory); every operation that could see or
 * change that block's file other than such a write calls
 * hammer2_wb_flush() first, before taking inode handles.
 *
 * Reclaim: blocks of removed files and replaced data stay allocated until
 * bulkfree (format §15.6).  When a write runs out of space and at least
 * HAMMER2_RECLAIM_CHURN bytes were written (or a file removed or
 * truncated) since the last time, hammer2_mnt_reclaim() commits, runs
 * bulkfree twice and the write is retried once, so a long-lived mount
 * gets its space back without an offline `hammer2 bulkfree`.
 *
 * Invariants: on a read-write mount in_data is the chain's ch_data, which
 * is only written after hammer2_ino_modify(); never look up children of
 * an inode with HAMMER2_OPFLAG_DIRECTDATA (its blockset area is data).
 * mnt_next_inum is above every inode number of the PFS and above the PFS
 * root's pfs_inum (format §10.3).
 *
 * Locking: none: one thread per mount (hammer2_vnops.h).
 *
 * More: docs/design/hammer2-vnops.md.
 */

#ifndef _VFS_HAMMER2_HAMMER2_MOUNT_H_
#define _VFS_HAMMER2_HAMMER2_MOUNT_H_

#include "hammer2.h"
#include "hammer2_chain.h"
#include "hammer2_vnops.h"

/* clang-format off */
#define HAMMER2_RO_SLOTS	3	/* read-only inode copies per mount */
#define HAMMER2_DEDUP_SLOTS	4096	/* remembered blocks (power of 2) */
#define HAMMER2_RECLAIM_CHURN	(64ULL << 20) /* written between reclaims */
#define HAMMER2_INUM_NAME_BYTES	18	/* "0x%016jx" */
#define HAMMER2_UUID_ID_OFF	12	/* plain uid/gid in a UUID */
#define HAMMER2_MAX_RENAME_DEPTH 4096	/* ".." hops checked by rename */
#define HAMMER2_OBJTYPE_UNASSIGNED 3	/* no such object type (§8.3) */

struct hammer2_ino {
	hammer2_tid_t		 in_inum;
	struct hammer2_chain	*in_chain;	/* read-write: referenced */
	struct hammer2_inode	*in_ro;		/* read-only: a mount slot */
	struct hammer2_inode_data *in_data;	/* current contents */
};

struct hammer2_openent {
	hammer2_tid_t		 oe_inum;
	uint32_t		 oe_count;
};

/* A data block written in this mount that later writes may share. */
struct hammer2_dedup_ent {
	uint64_t		 dd_key;	/* content hash ^ methods/size */
	hammer2_tid_t		 dd_inum;	/* the file it was written for */
	hammer2_key_t		 dd_fkey;	/* at this file offset */
	struct hammer2_blockref	 dd_bref;	/* data_off 0: empty */
};

struct hammer2_mount {
	struct hammer2_dev	*mnt_dev;
	int			 mnt_flags;	/* HAMMER2_MNT_* */
	bool			 mnt_rw_owner;	/* we ran hammer2_rw_mount() */
	struct hammer2_pfs	 mnt_pfs;	/* read-only path */
	struct hammer2_inode	 mnt_ro[HAMMER2_RO_SLOTS];
	struct hammer2_chain	*mnt_pchain;	/* PFS root INODE chain */
	hammer2_tid_t		 mnt_next_inum;
	hammer2_tid_t		 mnt_mtid;	/* next PFS modify_tid */
	uint64_t		 mnt_ninodes;	/* statfs files */
	uint64_t		 mnt_dedup_bytes;
	uint64_t		 mnt_churn;	/* bytes written, removes */
	uint64_t		 mnt_reclaim_churn; /* mnt_churn at last reclaim */
	uint64_t		 mnt_nreclaims;	/* statistics */
	struct hammer2_openent	*mnt_open;	/* open inodes */
	size_t			 mnt_nopen, mnt_maxopen;
	struct hammer2_dedup_ent *mnt_dedup;	/* HAMMER2_DEDUP_SLOTS */
	bool			 mnt_wb_valid;	/* a deferred block is held */
	hammer2_tid_t		 mnt_wb_inum;	/* its file */
	hammer2_key_t		 mnt_wb_key;	/* its key */
	int			 mnt_wb_error;	/* its store failed (sticky) */
	uint8_t			*mnt_wbuf;	/* its contents */
	uint8_t			*mnt_lbuf;	/* logical block */
	uint8_t			*mnt_pbuf;	/* physical block */
	uint8_t			*mnt_cbuf;	/* compressed block */
	void			*mnt_work;	/* codec work area */
};
/* clang-format on */

static inline bool
hammer2_mnt_is_rdonly(const struct hammer2_mount *mp)
{
	return ((mp->mnt_flags & HAMMER2_MNT_RDONLY) != 0);
}

/* hammer2_vfsops.c */
uint64_t hammer2_mnt_now(struct hammer2_mount *mp);
int hammer2_mnt_reclaim(struct hammer2_mount *mp);
hammer2_tid_t hammer2_mnt_mtid(struct hammer2_mount *mp);
int hammer2_ino_get(struct hammer2_mount *mp, hammer2_tid_t inum, int slot,
    struct hammer2_ino *inop);
void hammer2_ino_put(struct hammer2_mount *mp, struct hammer2_ino *ino);
int hammer2_ino_modify(struct hammer2_mount *mp, struct hammer2_ino *ino,
    hammer2_tid_t mtid);
int hammer2_ino_alloc(struct hammer2_mount *mp, hammer2_tid_t mtid,
    hammer2_tid_t *inump);
int hammer2_ino_destroy(struct hammer2_mount *mp, struct hammer2_ino *ino,
    hammer2_tid_t mtid);
bool hammer2_ino_is_open(struct hammer2_mount *mp, hammer2_tid_t inum);
void hammer2_uuid_set_id(struct hammer2_uuid *u, uint32_t id);
uint32_t hammer2_uuid_get_id(const struct hammer2_uuid *u);

/* hammer2_vnops.c */
void hammer2_ino_vattr(struct hammer2_mount *mp, const struct hammer2_ino *ino,
    struct hammer2_vattr *vap);

/* hammer2_vnops_dir.c */
int hammer2_name_check(const char *name, size_t len);
int hammer2_name_is_dot(const char *name, size_t len);
int hammer2_dirent_find(struct hammer2_mount *mp, struct hammer2_ino *dino,
    const char *name, size_t len, struct hammer2_dirent *de,
    struct hammer2_chain **chainp);
int hammer2_dirent_probe(struct hammer2_mount *mp, struct hammer2_ino *dino,
    const char *name, size_t len, hammer2_key_t *keyp);
int hammer2_dirent_insert(struct hammer2_mount *mp, struct hammer2_ino *dino,
    const char *name, size_t len, const hammer2_key_t *keyp,
    hammer2_tid_t inum, uint8_t type, hammer2_tid_t mtid);
bool hammer2_dir_is_empty_rw(struct hammer2_ino *dino);
int hammer2_dir_touch(struct hammer2_mount *mp, struct hammer2_ino *dino,
    hammer2_tid_t mtid);

/* hammer2_vnops_name.c */
int hammer2_ino_unlink(struct hammer2_mount *mp, struct hammer2_ino *ino,
    hammer2_tid_t mtid);

/* hammer2_vnops_file.c */
int hammer2_file_resize(struct hammer2_mount *mp, struct hammer2_ino *ino,
    uint64_t nsize, hammer2_tid_t mtid);
int hammer2_file_write(struct hammer2_mount *mp, struct hammer2_ino *ino,
    uint64_t off, const void *buf, size_t len, hammer2_tid_t mtid);
int hammer2_wb_flush(struct hammer2_mount *mp);
int hammer2_wb_sync_error(struct hammer2_mount *mp);

#endif /* !_VFS_HAMMER2_HAMMER2_MOUNT_H_ */
