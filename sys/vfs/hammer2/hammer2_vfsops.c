/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_vfsops.c - mount, unmount, sync and statfs of one PFS, and the
 * inode handles, inode numbers, transaction ids and open counts every
 * other vnops file uses.
 *
 * Model: hammer2_vfs_mount() finds the PFS by label.  Read-only, through
 * part 1's hammer2_pfs_open(); read-write, through the chain layer: the
 * super-root chain below the volume root, then the PFS root INODE chain
 * in its [dirhash(label), dirhash(label)|0x7FFF] window (format §9.1).
 * New inode numbers come from mnt_next_inum, which starts above the PFS
 * root's pfs_inum and above every inode number present (§10.3); each
 * allocation stores the new high-water mark in pfs_inum.  Every change
 * takes a new PFS modify_tid (§16), starting at the PFS root bref's
 * modify_tid + 1.  An inode whose last link goes away while it is open
 * (mnt_open) stays in the inode index with nlinks 0 until the last
 * hammer2_vop_release() or the unmount.
 *
 * Invariants: a read-write mount holds one reference on mnt_pchain from
 * mount to unmount; an inode handle holds one reference on its chain
 * between hammer2_ino_get() and hammer2_ino_put().
 *
 * Locking: none: one thread per mount and per dev (hammer2_vnops.h).
 *
 * More: docs/design/hammer2-vnops.md, reference hammer2-format.md §9, §10.
 */

#include <errno.h>
#include <string.h>

#include "hammer2_codec.h"
#include "hammer2_mount.h"

#define HAMMER2_OPEN_GROW	16	/* open-table entries added at once */

/* Now in microseconds since the epoch, 0 if the dev has no clock. */
uint64_t
hammer2_mnt_now(struct hammer2_mount *mp)
{
	const struct hammer2_devops *ops = mp->mnt_dev->d_ops;

	return (ops->dop_time != NULL ? ops->dop_time(mp->mnt_dev->d_arg) : 0);
}

/* The next PFS modify_tid: one per changing operation. */
hammer2_tid_t
hammer2_mnt_mtid(struct hammer2_mount *mp)
{
	return (mp->mnt_mtid++);
}

void
hammer2_uuid_set_id(struct hammer2_uuid *u, uint32_t id)
{
	memset(u, 0, sizeof(*u));
	memcpy(u->bytes + HAMMER2_UUID_ID_OFF, &id, sizeof(id));
}

uint32_t
hammer2_uuid_get_id(const struct hammer2_uuid *u)
{
	uint32_t id;

	memcpy(&id, u->bytes + HAMMER2_UUID_ID_OFF, sizeof(id));
	return (id);
}

static struct hammer2_inode_data *
hammer2_chain_inode(struct hammer2_chain *chain)
{
	if (chain->ch_bref.type != HAMMER2_BREF_TYPE_INODE ||
	    chain->ch_data == NULL || chain->ch_bytes < HAMMER2_INODE_BYTES)
		return (NULL);
	return (chain->ch_data);
}

/*
 * Why inode ipd (the chain layer's copy, not checked by it) cannot be
 * inode inum, or NULL: the checks part 1's hammer2_inode_load() makes,
 * which the rest of this layer relies on (embedded size, name length).
 */
static const char *
hammer2_ino_insane(const struct hammer2_inode_data *ipd, hammer2_tid_t inum)
{
	const struct hammer2_inode_meta *m;

	if (ipd == NULL)
		return ("not an inode");
	m = &ipd->meta;
	if (m->inum != inum)
		return ("the inode index entry holds another inode number");
	if (m->name_len > HAMMER2_INODE_MAXNAME)
		return ("name_len too large");
	if (m->type > HAMMER2_OBJTYPE_WHITEOUT ||
	    m->type == HAMMER2_OBJTYPE_UNASSIGNED)
		return ("unknown object type");
	if ((m->op_flags & HAMMER2_OPFLAG_DIRECTDATA) &&
	    (m->type == HAMMER2_OBJTYPE_DIRECTORY ||
		m->size > HAMMER2_EMBEDDED_BYTES))
		return ("embedded data flag with impossible size or type");
	if (m->type == HAMMER2_OBJTYPE_SOFTLINK &&
	    m->size > HAMMER2_SYMLINK_MAXBYTES)
		return ("absurd symlink size");
	return (NULL);
}

/*
 * hammer2_ino_get - a handle on inode inum of the mounted PFS.  slot
 * (0..HAMMER2_RO_SLOTS-1) names the copy a read-only mount uses; two live
 * handles of one operation must use different slots.  Returns 0, ENOENT
 * or EIO.
 *
 * Locking: none (one thread per mount); may block in a device read.
 */
int
hammer2_ino_get(struct hammer2_mount *mp, hammer2_tid_t inum, int slot,
    struct hammer2_ino *inop)
{
	struct hammer2_chain *chain;
	const char *why;
	int error;

	memset(inop, 0, sizeof(*inop));
	inop->in_inum = inum;
	if (inum == HAMMER2_SROOT_INUM || inum >= HAMMER2_DIRHASH_VISIBLE)
		return (ENOENT);
	if (hammer2_mnt_is_rdonly(mp)) {
		inop->in_ro = &mp->mnt_ro[slot];
		error = hammer2_inode_lookup(&mp->mnt_pfs, inum, inop->in_ro);
		if (error == 0)
			inop->in_data = &inop->in_ro->ino_data;
		return (error);
	}
	if (inum == HAMMER2_PFSROOT_INUM) {
		chain = mp->mnt_pchain;
		hammer2_chain_ref(chain);
	} else {
		error = hammer2_chain_lookup(mp->mnt_pchain, inum, inum, 0,
		    &chain);
		if (error != 0)
			return (error);
	}
	inop->in_chain = chain;
	inop->in_data = hammer2_chain_inode(chain);
	why = hammer2_ino_insane(inop->in_data, inum);
	if (why != NULL) {
		hammer2_log(mp->mnt_dev, "hammer2: inode 0x%016jx (block 0x%016jx): %s",
		    (uintmax_t)inum, (uintmax_t)chain->ch_bref.data_off, why);
		hammer2_ino_put(mp, inop);
		return (EIO);
	}
	return (0);
}

void
hammer2_ino_put(struct hammer2_mount *mp, struct hammer2_ino *ino)
{
	(void)mp;
	if (ino->in_chain != NULL)
		hammer2_chain_drop(ino->in_chain);
	ino->in_chain = NULL;
	ino->in_data = NULL;
}

/*
 * hammer2_ino_modify - make ino's inode writable for transaction mtid.
 * Returns 0, EROFS, ENOSPC or EIO.
 */
int
hammer2_ino_modify(struct hammer2_mount *mp, struct hammer2_ino *ino,
    hammer2_tid_t mtid)
{
	int error;

	if (ino->in_chain == NULL)
		return (EROFS);
	error = hammer2_chain_modify(ino->in_chain, mtid);
	if (error != 0)
		return (error);
	ino->in_data = hammer2_chain_inode(ino->in_chain);
	if (ino->in_data == NULL) {
		hammer2_log(mp->mnt_dev, "hammer2: inode 0x%016jx lost its contents",
		    (uintmax_t)ino->in_inum);
		return (EIO);
	}
	return (0);
}

/*
 * hammer2_ino_alloc - a new inode number, recorded as the PFS root's
 * pfs_inum high-water mark.  Returns 0, ENOSPC or EIO.
 */
int
hammer2_ino_alloc(struct hammer2_mount *mp, hammer2_tid_t mtid,
    hammer2_tid_t *inump)
{
	struct hammer2_inode_data *ipd;
	int error;

	if (mp->mnt_next_inum >= HAMMER2_DIRHASH_VISIBLE)
		return (ENOSPC);
	error = hammer2_chain_modify(mp->mnt_pchain, mtid);
	if (error != 0)
		return (error);
	ipd = hammer2_chain_inode(mp->mnt_pchain);
	if (ipd == NULL)
		return (EIO);
	*inump = mp->mnt_next_inum++;
	ipd->meta.pfs_inum = *inump;
	return (0);
}

/* Remove inode ino (and all its blocks) from the PFS. */
int
hammer2_ino_destroy(struct hammer2_mount *mp, struct hammer2_ino *ino,
    hammer2_tid_t mtid)
{
	int error;

	if (ino->in_chain == NULL || ino->in_chain == mp->mnt_pchain)
		return (EINVAL);
	error = hammer2_chain_delete(ino->in_chain, mtid);
	if (error == 0 && mp->mnt_ninodes > 0)
		mp->mnt_ninodes--;
	return (error);
}

static struct hammer2_openent *
hammer2_open_find(struct hammer2_mount *mp, hammer2_tid_t inum)
{
	size_t i;

	for (i = 0; i < mp->mnt_nopen; i++)
		if (mp->mnt_open[i].oe_inum == inum)
			return (&mp->mnt_open[i]);
	return (NULL);
}

bool
hammer2_ino_is_open(struct hammer2_mount *mp, hammer2_tid_t inum)
{
	return (hammer2_open_find(mp, inum) != NULL);
}

static int
hammer2_open_add(struct hammer2_mount *mp, hammer2_tid_t inum)
{
	struct hammer2_openent *oe = hammer2_open_find(mp, inum), *n;
	size_t nmax;

	if (oe != NULL) {
		oe->oe_count++;
		return (0);
	}
	if (mp->mnt_nopen == mp->mnt_maxopen) {
		nmax = mp->mnt_maxopen + HAMMER2_OPEN_GROW;
		n = hammer2_alloc(mp->mnt_dev, nmax * sizeof(*n));
		if (n == NULL)
			return (ENOMEM);
		if (mp->mnt_nopen > 0)
			memcpy(n, mp->mnt_open, mp->mnt_nopen * sizeof(*n));
		hammer2_free(mp->mnt_dev, mp->mnt_open,
		    mp->mnt_maxopen * sizeof(*n));
		mp->mnt_open = n;
		mp->mnt_maxopen = nmax;
	}
	oe = &mp->mnt_open[mp->mnt_nopen++];
	oe->oe_inum = inum;
	oe->oe_count = 1;
	return (0);
}

/* Destroy inode inum if nothing links to it any more. */
static int
hammer2_ino_reap(struct hammer2_mount *mp, hammer2_tid_t inum)
{
	struct hammer2_ino ino;
	int error;

	error = hammer2_ino_get(mp, inum, 0, &ino);
	if (error != 0)
		return (error == ENOENT ? 0 : error);
	if (ino.in_data->meta.nlinks == 0 && inum != HAMMER2_PFSROOT_INUM)
		error = hammer2_ino_destroy(mp, &ino, hammer2_mnt_mtid(mp));
	hammer2_ino_put(mp, &ino);
	return (error);
}

/*
 * hammer2_vop_open - count an open of inode inum, so that an unlink
 * keeps it until hammer2_vop_release().  Returns 0, ENOENT or ENOMEM.
 */
int
hammer2_vop_open(struct hammer2_mount *mp, hammer2_tid_t inum)
{
	struct hammer2_ino ino;
	int error;

	error = hammer2_ino_get(mp, inum, 0, &ino);
	if (error != 0)
		return (error);
	hammer2_ino_put(mp, &ino);
	if (hammer2_mnt_is_rdonly(mp))
		return (0);
	return (hammer2_open_add(mp, inum));
}

/*
 * hammer2_vop_release - undo one hammer2_vop_open(); the last release of
 * an unlinked inode destroys it.  Returns 0, EINVAL (not open) or EIO.
 */
int
hammer2_vop_release(struct hammer2_mount *mp, hammer2_tid_t inum)
{
	struct hammer2_openent *oe;

	if (hammer2_mnt_is_rdonly(mp))
		return (0);
	oe = hammer2_open_find(mp, inum);
	if (oe == NULL)
		return (EINVAL);
	if (--oe->oe_count > 0)
		return (0);
	*oe = mp->mnt_open[--mp->mnt_nopen];
	(void)hammer2_wb_flush(mp);	/* a failure is the next sync's */
	return (hammer2_ino_reap(mp, inum));
}

/* Find the PFS root INODE chain labelled label in the super-root. */
static int
hammer2_mnt_find_pfs(struct hammer2_mount *mp, const char *label,
    struct hammer2_chain **chainp)
{
	struct hammer2_chain *sroot, *ch = NULL;
	struct hammer2_inode_data *ipd = NULL;
	size_t len = strlen(label);
	hammer2_key_t h;
	int error;

	if (len == 0 || len > HAMMER2_INODE_MAXNAME)
		return (ENOENT);
	error = hammer2_chain_lookup(hammer2_chain_vroot(mp->mnt_dev), 0, 0, 0,
	    &sroot);
	if (error != 0)
		return (error == ENOENT ? EIO : error);
	h = hammer2_dirhash(label, len);
	error = hammer2_chain_lookup(sroot, h, h | HAMMER2_DIRHASH_LOMASK, 0,
	    &ch);
	while (error == 0) {
		ipd = hammer2_chain_inode(ch);
		if (ipd != NULL && ipd->meta.name_len == len &&
		    memcmp(ipd->filename, label, len) == 0)
			break;
		error = hammer2_chain_next(sroot, ch, h | HAMMER2_DIRHASH_LOMASK,
		    0, &ch);
	}
	hammer2_chain_drop(sroot);
	if (error != 0)
		return (error);
	if (ipd->meta.type != HAMMER2_OBJTYPE_DIRECTORY ||
	    (ipd->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) != 0) {
		hammer2_log(mp->mnt_dev, "hammer2: PFS root %s is not a directory",
		    label);
		hammer2_chain_drop(ch);
		return (EIO);
	}
	*chainp = ch;
	return (0);
}

/*
 * Start inode numbers above pfs_inum, 1023 and every inode present (an
 * image written by a careless writer may hold inodes above pfs_inum).
 */
static int
hammer2_mnt_init_inum(struct hammer2_mount *mp)
{
	struct hammer2_inode_data *ipd = hammer2_chain_inode(mp->mnt_pchain);
	struct hammer2_chain *ch;
	hammer2_tid_t next;
	int error;

	next = ipd->meta.pfs_inum + 1;
	if (next < HAMMER2_INODE_START)
		next = HAMMER2_INODE_START;
	error = hammer2_chain_lookup(mp->mnt_pchain, next,
	    HAMMER2_DIRHASH_VISIBLE - 1, HAMMER2_LOOKUP_NODATA, &ch);
	while (error == 0) {
		if (ch->ch_bref.key >= next)
			next = ch->ch_bref.key + 1;
		error = hammer2_chain_next(mp->mnt_pchain, ch,
		    HAMMER2_DIRHASH_VISIBLE - 1, HAMMER2_LOOKUP_NODATA, &ch);
	}
	mp->mnt_next_inum = next;
	mp->mnt_mtid = mp->mnt_pchain->ch_bref.modify_tid + 1;
	mp->mnt_ninodes = mp->mnt_pchain->ch_bref.embed.stats.inode_count + 1;
	return (error == ENOENT ? 0 : error);
}

static void
hammer2_mnt_free(struct hammer2_mount *mp)
{
	struct hammer2_dev *dev = mp->mnt_dev;

	hammer2_free(dev, mp->mnt_open,
	    mp->mnt_maxopen * sizeof(*mp->mnt_open));
	hammer2_free(dev, mp->mnt_dedup,
	    HAMMER2_DEDUP_SLOTS * sizeof(*mp->mnt_dedup));
	hammer2_free(dev, mp->mnt_wbuf, HAMMER2_LBUFSIZE);
	hammer2_free(dev, mp->mnt_lbuf, HAMMER2_LBUFSIZE);
	hammer2_free(dev, mp->mnt_pbuf, HAMMER2_LBUFSIZE);
	hammer2_free(dev, mp->mnt_cbuf, HAMMER2_LBUFSIZE);
	hammer2_free(dev, mp->mnt_work, HAMMER2_CODEC_WORKBYTES);
	hammer2_free(dev, mp, sizeof(*mp));
}

static int
hammer2_mnt_alloc_buffers(struct hammer2_mount *mp)
{
	struct hammer2_dev *dev = mp->mnt_dev;

	mp->mnt_wbuf = hammer2_alloc(dev, HAMMER2_LBUFSIZE);
	mp->mnt_lbuf = hammer2_alloc(dev, HAMMER2_LBUFSIZE);
	mp->mnt_pbuf = hammer2_alloc(dev, HAMMER2_LBUFSIZE);
	mp->mnt_cbuf = hammer2_alloc(dev, HAMMER2_LBUFSIZE);
	mp->mnt_work = hammer2_alloc(dev, HAMMER2_CODEC_WORKBYTES);
	mp->mnt_dedup = hammer2_alloc(dev,
	    HAMMER2_DEDUP_SLOTS * sizeof(*mp->mnt_dedup));
	if (mp->mnt_wbuf == NULL || mp->mnt_lbuf == NULL ||
	    mp->mnt_pbuf == NULL ||
	    mp->mnt_cbuf == NULL || mp->mnt_work == NULL ||
	    mp->mnt_dedup == NULL)
		return (ENOMEM);
	memset(mp->mnt_dedup, 0, HAMMER2_DEDUP_SLOTS * sizeof(*mp->mnt_dedup));
	/* A new mount may reclaim once: earlier mounts may have left garbage. */
	mp->mnt_churn = HAMMER2_RECLAIM_CHURN;
	return (0);
}

static int
hammer2_mnt_setup_rw(struct hammer2_mount *mp, const char *label)
{
	struct hammer2_dev *dev = mp->mnt_dev;
	struct hammer2_rw *rw = dev->d_rw;
	int error;

	if (!dev->d_rdwr)
		return (EROFS);
	if (rw == NULL || !rw->rw_writable) {
		error = hammer2_rw_mount(dev);
		if (error != 0)
			return (error);
		mp->mnt_rw_owner = true;
	}
	error = hammer2_mnt_find_pfs(mp, label, &mp->mnt_pchain);
	if (error == 0)
		error = hammer2_mnt_init_inum(mp);
	if (error == 0)
		error = hammer2_mnt_alloc_buffers(mp);
	return (error);
}

/*
 * hammer2_vfs_mount - mount the PFS labelled label of dev.  flags:
 * HAMMER2_MNT_RDONLY.  A read-write mount needs a dev opened read-write
 * and sets up its write side (hammer2_rw_mount()) unless another mount
 * already did.  Returns 0, ENOENT (no such PFS), EROFS, ENOMEM or EIO.
 */
int
hammer2_vfs_mount(struct hammer2_dev *dev, const char *label, int flags,
    struct hammer2_mount **mpp)
{
	struct hammer2_mount *mp;
	int error;

	*mpp = NULL;
	mp = hammer2_alloc(dev, sizeof(*mp));
	if (mp == NULL)
		return (ENOMEM);
	memset(mp, 0, sizeof(*mp));
	mp->mnt_dev = dev;
	mp->mnt_flags = flags;
	if (flags & HAMMER2_MNT_RDONLY) {
		error = hammer2_pfs_open(dev, label, &mp->mnt_pfs);
		if (error == 0)
			mp->mnt_ninodes =
			    mp->mnt_pfs.pmp_iroot.ino_bref.embed.stats
				.inode_count + 1;
	} else {
		error = hammer2_mnt_setup_rw(mp, label);
	}
	if (error != 0) {
		if (mp->mnt_pchain != NULL)
			hammer2_chain_drop(mp->mnt_pchain);
		if (mp->mnt_rw_owner)
			(void)hammer2_rw_unmount(dev);
		hammer2_mnt_free(mp);
		return (error);
	}
	*mpp = mp;
	return (0);
}

/*
 * hammer2_vfs_unmount - destroy the unlinked inodes still open, commit
 * and free the mount (always, even on error).  Returns the commit's
 * error.
 */
int
hammer2_vfs_unmount(struct hammer2_mount *mp)
{
	struct hammer2_dev *dev = mp->mnt_dev;
	int error = 0, error2;

	if (!hammer2_mnt_is_rdonly(mp)) {
		error = hammer2_wb_sync_error(mp);
		while (mp->mnt_nopen > 0) {
			mp->mnt_open[0].oe_count = 1;
			error2 = hammer2_vop_release(mp,
			    mp->mnt_open[0].oe_inum);
			if (error == 0)
				error = error2;
		}
		error2 = hammer2_flush(dev);
		if (error == 0)
			error = error2;
		hammer2_chain_drop(mp->mnt_pchain);
		if (mp->mnt_rw_owner) {
			error2 = hammer2_rw_unmount(dev);
			if (error == 0)
				error = error2;
		}
	}
	hammer2_mnt_free(mp);
	return (error);
}

/*
 * hammer2_vfs_sync - commit everything (durable on return).  Returns 0,
 * or the error of the commit or of a deferred block store since the last
 * sync (then the rest is still committed).
 */
int
hammer2_vfs_sync(struct hammer2_mount *mp)
{
	int error, error2;

	if (hammer2_mnt_is_rdonly(mp))
		return (0);
	error = hammer2_wb_sync_error(mp);
	error2 = hammer2_flush(mp->mnt_dev);
	return (error != 0 ? error : error2);
}

/*
 * hammer2_mnt_reclaim - a write ran out of space: commit, then bulkfree
 * twice (a block is free only after its second pass, format §15.2) to
 * give back the blocks of removed files and replaced data.  Skipped
 * (ENOSPC) unless HAMMER2_RECLAIM_CHURN bytes were written or something
 * was removed or truncated since the last reclaim, so a full volume does
 * not run bulkfree for every failing write.  Returns 0 when the write is
 * worth retrying, or the errno.
 *
 * Locking: none (one thread per mount); call it holding no inode
 * handles.  May block in device I/O.
 */
int
hammer2_mnt_reclaim(struct hammer2_mount *mp)
{
	struct hammer2_bulkfree_stats st;
	int error, pass;

	if (hammer2_mnt_is_rdonly(mp) ||
	    mp->mnt_churn - mp->mnt_reclaim_churn < HAMMER2_RECLAIM_CHURN)
		return (ENOSPC);
	mp->mnt_reclaim_churn = mp->mnt_churn;
	error = hammer2_vfs_sync(mp);
	for (pass = 0; pass < 2 && error == 0; pass++)
		error = hammer2_bulkfree(mp->mnt_dev, &st);
	if (error != 0)
		return (error);
	/* Freed blocks may be handed out again: forget them as dedup sources. */
	memset(mp->mnt_dedup, 0, HAMMER2_DEDUP_SLOTS * sizeof(*mp->mnt_dedup));
	mp->mnt_nreclaims++;
	return (0);
}

int
hammer2_vop_fsync(struct hammer2_mount *mp, hammer2_tid_t inum)
{
	struct hammer2_ino ino;
	int error;

	error = hammer2_ino_get(mp, inum, 0, &ino);
	if (error != 0)
		return (error);
	hammer2_ino_put(mp, &ino);
	return (hammer2_vfs_sync(mp));
}

int
hammer2_vfs_statfs(struct hammer2_mount *mp, struct hammer2_statfs *sfp)
{
	struct hammer2_dev *dev = mp->mnt_dev;
	uint64_t freeb, reserve;

	memset(sfp, 0, sizeof(*sfp));
	sfp->sf_bsize = HAMMER2_PBUFSIZE;
	sfp->sf_blocks = dev->d_voldata.allocator_size / HAMMER2_PBUFSIZE;
	if (hammer2_mnt_is_rdonly(mp))
		freeb = dev->d_voldata.allocator_free;
	else
		freeb = hammer2_freemap_free_bytes(dev);
	reserve = hammer2_chain_data_reserve(dev);	/* not for file data */
	sfp->sf_bfree = (freeb > reserve ? freeb - reserve : 0) /
	    HAMMER2_PBUFSIZE;
	sfp->sf_files = mp->mnt_ninodes;
	sfp->sf_dedup_bytes = mp->mnt_dedup_bytes;
	return (0);
}

hammer2_tid_t
hammer2_vfs_root(struct hammer2_mount *mp)
{
	(void)mp;
	return (HAMMER2_PFSROOT_INUM);
}
