/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_vnops_name.c - operations that change names: create (files,
 * directories, symlinks, devices, fifos, sockets), link, remove (unlink
 * and rmdir) and rename.
 *
 * Model: a new inode is an INODE leaf of the PFS root keyed by a fresh
 * inode number (hammer2_ino_alloc()), with DragonFly's fields (format
 * §8): version 1, its number as an 18-byte hex filename and as name_key,
 * iparent = the directory, comp_algo/check_algo inherited from the
 * directory, pfs fields zero, DIRECTDATA for regular files and symlinks
 * (a symlink target over 512 bytes goes to a DATA block).  Its name is a
 * DIRENT in the directory (hammer2_dirent_insert()).  An inode goes away
 * when its last entry does, unless it is open (hammer2_vop_open()): then
 * it keeps nlinks 0 until the last release.  Directories keep nlinks 1
 * and size 0, as DragonFly writes them (§11.3); rmdir sets nlinks 0.
 *
 * Invariants: each operation checks everything that can fail before its
 * first change (its commit point is marked), except for ENOSPC/EIO from
 * the chain layer; rename never moves a directory below itself (the
 * iparent chain from the target directory up to the root is checked);
 * renaming a name onto another name of the same inode does nothing.
 *
 * Locking: none: one thread per mount (hammer2_vnops.h).
 *
 * More: docs/design/hammer2-vnops.md, reference hammer2-format.md §8, §10.
 */

#include <errno.h>
#include <string.h>

#include "hammer2_codec.h"
#include "hammer2_mount.h"

#define HAMMER2_HEX_DIGITS	"0123456789abcdef"
#define HAMMER2_NIBBLE_BITS	4
#define HAMMER2_NIBBLE_MASK	0x0F

/* The filename DragonFly gives an inode: its number as "0x%016jx". */
static void
hammer2_inum_name(hammer2_tid_t inum, uint8_t *name)
{
	int i;

	name[0] = '0';
	name[1] = 'x';
	for (i = HAMMER2_INUM_NAME_BYTES - 1; i >= 2; i--) {
		name[i] = (uint8_t)HAMMER2_HEX_DIGITS[inum & HAMMER2_NIBBLE_MASK];
		inum >>= HAMMER2_NIBBLE_BITS;
	}
}

static bool
hammer2_type_is_creatable(uint8_t type)
{
	switch (type) {
	case HAMMER2_OBJTYPE_DIRECTORY:
	case HAMMER2_OBJTYPE_REGFILE:
	case HAMMER2_OBJTYPE_FIFO:
	case HAMMER2_OBJTYPE_CDEV:
	case HAMMER2_OBJTYPE_BDEV:
	case HAMMER2_OBJTYPE_SOFTLINK:
	case HAMMER2_OBJTYPE_SOCKET:
		return (true);
	default:
		return (false);
	}
}

/* Fill a zeroed new inode numbered inum, created in directory dm. */
static void
hammer2_inode_init(struct hammer2_inode_data *ipd,
    const struct hammer2_inode_meta *dm, hammer2_tid_t inum,
    const struct hammer2_vattr *va, uint64_t now)
{
	struct hammer2_inode_meta *m = &ipd->meta;

	memset(ipd, 0, sizeof(*ipd));
	m->version = HAMMER2_INODE_VERSION_ONE;
	m->type = va->va_type;
	m->mode = va->va_mode & 07777;
	hammer2_uuid_set_id(&m->uid, va->va_uid);
	hammer2_uuid_set_id(&m->gid, va->va_gid);
	m->ctime = now;
	m->mtime = now;
	m->atime = now;
	m->btime = now;
	m->inum = inum;
	m->nlinks = 1;
	m->iparent = dm->inum;
	m->name_key = inum;
	m->name_len = HAMMER2_INUM_NAME_BYTES;
	hammer2_inum_name(inum, ipd->filename);
	m->comp_algo = dm->comp_algo;
	m->check_algo = dm->check_algo;
	if (va->va_type == HAMMER2_OBJTYPE_CDEV ||
	    va->va_type == HAMMER2_OBJTYPE_BDEV) {
		m->rmajor = va->va_rmajor;
		m->rminor = va->va_rminor;
	}
	if (va->va_type == HAMMER2_OBJTYPE_REGFILE ||
	    va->va_type == HAMMER2_OBJTYPE_SOFTLINK)
		m->op_flags = HAMMER2_OPFLAG_DIRECTDATA;
}

/* Create and fill the INODE leaf of a new inode; *nino gets a handle. */
static int
hammer2_inode_create(struct hammer2_mount *mp, struct hammer2_ino *dino,
    const struct hammer2_vattr *va, const char *target, size_t tlen,
    hammer2_tid_t mtid, struct hammer2_ino *nino)
{
	const struct hammer2_inode_meta *dm = &dino->in_data->meta;
	hammer2_tid_t inum;
	int error;

	memset(nino, 0, sizeof(*nino));
	error = hammer2_ino_alloc(mp, mtid, &inum);
	if (error != 0)
		return (error);
	error = hammer2_chain_create(mp->mnt_pchain, inum, 0,
	    HAMMER2_BREF_TYPE_INODE, HAMMER2_INODE_BYTES, mtid,
	    &nino->in_chain);
	if (error != 0)
		return (error);
	nino->in_inum = inum;
	error = hammer2_ino_modify(mp, nino, mtid);
	if (error != 0)
		goto fail_delete;
	nino->in_chain->ch_bref.methods =
	    HAMMER2_ENC_CHECK(dm->check_algo & HAMMER2_NIBBLE_MASK) |
	    HAMMER2_ENC_COMP(dm->comp_algo & HAMMER2_NIBBLE_MASK);
	hammer2_inode_init(nino->in_data, dm, inum, va, hammer2_mnt_now(mp));
	if (va->va_type == HAMMER2_OBJTYPE_SOFTLINK) {
		error = hammer2_file_write(mp, nino, 0, target, tlen, mtid);
		if (error != 0)
			goto fail_delete;
	}
	mp->mnt_ninodes++;
	return (0);

fail_delete:
	(void)hammer2_chain_delete(nino->in_chain, mtid);
	hammer2_ino_put(mp, nino);
	return (error);
}

/* Errors of a directory that is to receive a new entry. */
static int
hammer2_dir_check_target(struct hammer2_ino *dino)
{
	if (dino->in_data->meta.type != HAMMER2_OBJTYPE_DIRECTORY)
		return (ENOTDIR);
	if (dino->in_data->meta.nlinks == 0)
		return (ENOENT);	/* removed while in use */
	return (0);
}

/* Check that name is free in dino and pick its key: 0, EEXIST, ... */
static int
hammer2_dir_check_free(struct hammer2_mount *mp, struct hammer2_ino *dino,
    const char *name, size_t len, hammer2_key_t *keyp)
{
	if (hammer2_name_is_dot(name, len) != 0)
		return (EEXIST);
	return (hammer2_dirent_probe(mp, dino, name, len, keyp));
}

static int
hammer2_create_check(struct hammer2_mount *mp, const char *name, size_t len,
    const struct hammer2_vattr *va, size_t tlen)
{
	int error;

	if (hammer2_mnt_is_rdonly(mp))
		return (EROFS);
	error = hammer2_name_check(name, len);
	if (error != 0)
		return (error);
	if (!hammer2_type_is_creatable(va->va_type))
		return (EINVAL);
	if (va->va_type == HAMMER2_OBJTYPE_SOFTLINK) {
		if (tlen == 0)
			return (ENOENT);
		if (tlen >= HAMMER2_SYMLINK_MAXBYTES)
			return (ENAMETOOLONG);
	}
	return (0);
}

/*
 * hammer2_vop_create - create name in directory dinum (hammer2_vnops.h);
 * *vap gets the new inode's attributes.  Returns 0, EROFS, ENOENT,
 * ENOTDIR, EEXIST, ENAMETOOLONG, EINVAL (bad type or name), ENOSPC or
 * EIO.
 */
int
hammer2_vop_create(struct hammer2_mount *mp, hammer2_tid_t dinum,
    const char *name, size_t len, const struct hammer2_vattr *va,
    const char *target, size_t target_len, struct hammer2_vattr *vap)
{
	struct hammer2_ino dino, nino;
	hammer2_key_t key = 0;
	hammer2_tid_t mtid;
	int error;

	error = hammer2_create_check(mp, name, len, va, target_len);
	if (error != 0)
		return (error);
	error = hammer2_ino_get(mp, dinum, 0, &dino);
	if (error != 0)
		return (error);
	error = hammer2_dir_check_target(&dino);
	if (error == 0)
		error = hammer2_dir_check_free(mp, &dino, name, len, &key);
	if (error != 0)
		goto out;
	/* Commit point: only ENOSPC/EIO below. */
	mtid = hammer2_mnt_mtid(mp);
	error = hammer2_inode_create(mp, &dino, va, target, target_len, mtid,
	    &nino);
	if (error != 0)
		goto out;
	error = hammer2_dirent_insert(mp, &dino, name, len, &key, nino.in_inum,
	    va->va_type, mtid);
	if (error == 0)
		error = hammer2_dir_touch(mp, &dino, mtid);
	if (error == 0 && vap != NULL)
		hammer2_ino_vattr(mp, &nino, vap);
	if (error != 0)
		(void)hammer2_ino_destroy(mp, &nino, mtid);
	hammer2_ino_put(mp, &nino);
out:
	hammer2_ino_put(mp, &dino);
	return (error);
}

/*
 * hammer2_vop_link - add name in directory dinum for inode inum.
 * Returns 0, EROFS, ENOENT, ENOTDIR, EEXIST, EPERM (a directory),
 * ENAMETOOLONG, EINVAL, ENOSPC or EIO.
 */
int
hammer2_vop_link(struct hammer2_mount *mp, hammer2_tid_t inum,
    hammer2_tid_t dinum, const char *name, size_t len,
    struct hammer2_vattr *vap)
{
	struct hammer2_ino dino, ino;
	hammer2_key_t key = 0;
	hammer2_tid_t mtid;
	int error;

	if (hammer2_mnt_is_rdonly(mp))
		return (EROFS);
	error = hammer2_name_check(name, len);
	if (error != 0)
		return (error);
	error = hammer2_ino_get(mp, inum, 1, &ino);
	if (error != 0)
		return (error);
	error = hammer2_ino_get(mp, dinum, 0, &dino);
	if (error != 0)
		goto out_ino;
	if (ino.in_data->meta.type == HAMMER2_OBJTYPE_DIRECTORY)
		error = EPERM;
	else if (ino.in_data->meta.nlinks == 0)
		error = ENOENT;
	if (error == 0)
		error = hammer2_dir_check_target(&dino);
	if (error == 0)
		error = hammer2_dir_check_free(mp, &dino, name, len, &key);
	if (error != 0)
		goto out;
	/* Commit point: only ENOSPC/EIO below. */
	mtid = hammer2_mnt_mtid(mp);
	error = hammer2_dirent_insert(mp, &dino, name, len, &key, inum,
	    ino.in_data->meta.type, mtid);
	if (error == 0)
		error = hammer2_ino_modify(mp, &ino, mtid);
	if (error == 0) {
		ino.in_data->meta.nlinks++;
		ino.in_data->meta.ctime = hammer2_mnt_now(mp);
		error = hammer2_dir_touch(mp, &dino, mtid);
	}
	if (error == 0 && vap != NULL)
		hammer2_ino_vattr(mp, &ino, vap);
out:
	hammer2_ino_put(mp, &dino);
out_ino:
	hammer2_ino_put(mp, &ino);
	return (error);
}

/*
 * hammer2_ino_unlink - drop one link of inode ino (its entry is already
 * gone): destroy it if that was the last and it is not open.
 */
int
hammer2_ino_unlink(struct hammer2_mount *mp, struct hammer2_ino *ino,
    hammer2_tid_t mtid)
{
	struct hammer2_inode_meta *m;
	int error;

	error = hammer2_ino_modify(mp, ino, mtid);
	if (error != 0)
		return (error);
	m = &ino->in_data->meta;
	if (m->type == HAMMER2_OBJTYPE_DIRECTORY || m->nlinks == 0)
		m->nlinks = 0;
	else
		m->nlinks--;
	m->ctime = hammer2_mnt_now(mp);
	if (m->nlinks == 0 && !hammer2_ino_is_open(mp, ino->in_inum))
		error = hammer2_ino_destroy(mp, ino, mtid);
	return (error);
}

/* Errors of removing entry target (isdir: rmdir semantics). */
static int
hammer2_remove_check(struct hammer2_ino *tino, int isdir)
{
	bool tisdir = tino->in_data->meta.type == HAMMER2_OBJTYPE_DIRECTORY;

	if (isdir && !tisdir)
		return (ENOTDIR);
	if (!isdir && tisdir)
		return (EISDIR);
	if (tisdir && !hammer2_dir_is_empty_rw(tino))
		return (ENOTEMPTY);
	return (0);
}

/*
 * hammer2_vop_remove - remove name from directory dinum: rmdir if isdir,
 * else unlink.  Returns 0, EROFS, ENOENT, ENOTDIR, EISDIR, ENOTEMPTY,
 * EINVAL ("."), ENAMETOOLONG, ENOSPC or EIO.
 */
int
hammer2_vop_remove(struct hammer2_mount *mp, hammer2_tid_t dinum,
    const char *name, size_t len, int isdir)
{
	struct hammer2_ino dino, tino;
	struct hammer2_chain *dch = NULL;
	struct hammer2_dirent de;
	hammer2_tid_t mtid;
	int error;

	if (hammer2_mnt_is_rdonly(mp))
		return (EROFS);
	error = hammer2_name_check(name, len);
	if (error != 0)
		return (error);
	if (hammer2_name_is_dot(name, len) != 0)
		return (!isdir ? EISDIR :
		    hammer2_name_is_dot(name, len) == 1 ? EINVAL : ENOTEMPTY);
	error = hammer2_ino_get(mp, dinum, 0, &dino);
	if (error != 0)
		return (error);
	error = hammer2_dirent_find(mp, &dino, name, len, &de, &dch);
	if (error != 0)
		goto out_dir;
	error = hammer2_ino_get(mp, de.de_inum, 1, &tino);
	if (error == ENOENT)
		error = EIO;	/* an entry naming a missing inode */
	if (error != 0)
		goto out_dir;
	error = hammer2_remove_check(&tino, isdir);
	if (error != 0)
		goto out;
	/* Commit point: only ENOSPC/EIO below. */
	mtid = hammer2_mnt_mtid(mp);
	error = hammer2_chain_delete(dch, mtid);
	if (error == 0)
		error = hammer2_dir_touch(mp, &dino, mtid);
	if (error == 0)
		error = hammer2_ino_unlink(mp, &tino, mtid);
	if (error == 0)
		mp->mnt_churn += HAMMER2_RECLAIM_CHURN;	/* worth a reclaim */
out:
	hammer2_ino_put(mp, &tino);
out_dir:
	if (dch != NULL)
		hammer2_chain_drop(dch);
	hammer2_ino_put(mp, &dino);
	return (error);
}
