/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_vnops.c - attributes: getattr and setattr (chmod, chown,
 * utimes, truncate, the compression and check methods of new data).
 *
 * Model: the attributes are the inode's meta fields (format §8.1): mode
 * without S_IFMT bits, uid/gid as UUIDs holding the plain id in bytes
 * 12..15, times in microseconds.  Directories report what DragonFly
 * stores: size 0 and nlinks 1 (§11.3).  A size change goes through
 * hammer2_file_resize() (hammer2_vnops_file.c), which moves data between
 * the inode and DATA blocks and frees blocks past the new end.
 *
 * Invariants: setattr changes nothing unless every requested change is
 * valid (types, method values) before the first modification; ctime is
 * bumped by every change unless the caller sets it.
 *
 * Locking: none: one thread per mount (hammer2_vnops.h).
 *
 * More: docs/design/hammer2-vnops.md, reference hammer2-format.md §8.
 */

#include <errno.h>
#include <string.h>

#include "hammer2_codec.h"
#include "hammer2_mount.h"

/* Fill *vap from inode handle ino. */
void
hammer2_ino_vattr(struct hammer2_mount *mp, const struct hammer2_ino *ino,
    struct hammer2_vattr *vap)
{
	const struct hammer2_inode_meta *m = &ino->in_data->meta;
	const struct hammer2_blockref *bref;

	(void)mp;
	memset(vap, 0, sizeof(*vap));
	vap->va_inum = m->inum;
	vap->va_type = m->type;
	vap->va_comp_algo = m->comp_algo;
	vap->va_check_algo = m->check_algo;
	vap->va_mode = m->mode & 07777;
	vap->va_uid = hammer2_uuid_get_id(&m->uid);
	vap->va_gid = hammer2_uuid_get_id(&m->gid);
	vap->va_nlink = m->nlinks;
	vap->va_size = m->size;
	vap->va_rmajor = m->rmajor;
	vap->va_rminor = m->rminor;
	vap->va_atime = m->atime;
	vap->va_mtime = m->mtime;
	vap->va_ctime = m->ctime;
	vap->va_btime = m->btime;
	bref = ino->in_chain != NULL ? &ino->in_chain->ch_bref :
	    &ino->in_ro->ino_bref;
	if ((m->op_flags & HAMMER2_OPFLAG_DIRECTDATA) == 0)
		vap->va_bytes = bref->embed.stats.data_count;
}

int
hammer2_vop_getattr(struct hammer2_mount *mp, hammer2_tid_t inum,
    struct hammer2_vattr *vap)
{
	struct hammer2_ino ino;
	int error;

	error = hammer2_ino_get(mp, inum, 0, &ino);
	if (error != 0)
		return (error);
	hammer2_ino_vattr(mp, &ino, vap);
	hammer2_ino_put(mp, &ino);
	return (0);
}

/* Reject setattr requests that cannot apply, before changing anything. */
static int
hammer2_setattr_check(const struct hammer2_inode_meta *m,
    const struct hammer2_vattr *va, unsigned int mask)
{
	if (mask & HAMMER2_VA_SIZE) {
		if (m->type == HAMMER2_OBJTYPE_DIRECTORY)
			return (EISDIR);
		if (m->type != HAMMER2_OBJTYPE_REGFILE)
			return (EINVAL);
		if (va->va_size > (uint64_t)INT64_MAX)
			return (EFBIG);
	}
	if ((mask & HAMMER2_VA_COMP) &&
	    (va->va_comp_algo & HAMMER2_COMP_ALGO_MASK) > HAMMER2_COMP_ZLIB)
		return (EINVAL);
	if ((mask & HAMMER2_VA_CHECK) &&
	    (va->va_check_algo > HAMMER2_CHECK_SHA192))
		return (EINVAL);
	return (0);
}

static void
hammer2_setattr_apply(struct hammer2_inode_meta *m,
    const struct hammer2_vattr *va, unsigned int mask, uint64_t now)
{
	if (mask & HAMMER2_VA_MODE)
		m->mode = va->va_mode & 07777;
	if (mask & HAMMER2_VA_UID)
		hammer2_uuid_set_id(&m->uid, va->va_uid);
	if (mask & HAMMER2_VA_GID)
		hammer2_uuid_set_id(&m->gid, va->va_gid);
	if (mask & HAMMER2_VA_ATIME)
		m->atime = va->va_atime;
	if (mask & HAMMER2_VA_MTIME)
		m->mtime = va->va_mtime;
	if (mask & HAMMER2_VA_COMP)
		m->comp_algo = va->va_comp_algo;
	if (mask & HAMMER2_VA_CHECK)
		m->check_algo = va->va_check_algo;
	m->ctime = (mask & HAMMER2_VA_CTIME) ? va->va_ctime : now;
}

/*
 * hammer2_vop_setattr - change the attributes of inode inum selected by
 * mask (HAMMER2_VA_*) to those in *va; *vap (may be NULL) gets the
 * result.  Returns 0, ENOENT, EROFS, EISDIR/EINVAL (size of a directory
 * or a special file), EINVAL (unknown method), EFBIG, ENOSPC or EIO.
 */
int
hammer2_vop_setattr(struct hammer2_mount *mp, hammer2_tid_t inum,
    const struct hammer2_vattr *va, unsigned int mask,
    struct hammer2_vattr *vap)
{
	struct hammer2_ino ino;
	hammer2_tid_t mtid;
	bool resized = false;
	int error;

	if (mp->mnt_wb_valid && mp->mnt_wb_inum == inum)
		(void)hammer2_wb_flush(mp);	/* a failure is the next sync's */
	error = hammer2_ino_get(mp, inum, 0, &ino);
	if (error != 0)
		return (error);
	if (mask != 0 && hammer2_mnt_is_rdonly(mp))
		error = EROFS;
	if (error == 0)
		error = hammer2_setattr_check(&ino.in_data->meta, va, mask);
	if (error != 0 || mask == 0)
		goto out;
	mtid = hammer2_mnt_mtid(mp);
	if ((mask & HAMMER2_VA_SIZE) &&
	    va->va_size != ino.in_data->meta.size) {
		error = hammer2_file_resize(mp, &ino, va->va_size, mtid);
		if (error != 0)
			goto out;
		resized = true;
		mp->mnt_churn += HAMMER2_RECLAIM_CHURN;	/* worth a reclaim */
	}
	error = hammer2_ino_modify(mp, &ino, mtid);
	if (error != 0)
		goto out;
	if (resized && (mask & HAMMER2_VA_MTIME) == 0)
		ino.in_data->meta.mtime = hammer2_mnt_now(mp);
	hammer2_setattr_apply(&ino.in_data->meta, va, mask,
	    hammer2_mnt_now(mp));
out:
	if (error == 0 && vap != NULL)
		hammer2_ino_vattr(mp, &ino, vap);
	hammer2_ino_put(mp, &ino);
	return (error);
}
