/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_vnops_rename.c - rename, within a directory or across
 * directories, over an existing name or not.
 *
 * Model: the source entry is replaced by a new DIRENT in the target
 * directory (its key follows the collision rule there, format §12.3),
 * naming the same inode; a replaced target loses a link exactly as
 * unlink/rmdir would remove it.  A moved inode's iparent becomes the
 * target directory, which is what ".." of a moved directory reports.
 * Order: the new entry is inserted first, then the replaced target entry
 * and the source entry are deleted, so a failure at the first step
 * changes nothing.
 *
 * Invariants (POSIX rename(2)): a directory may replace only an empty
 * directory (ENOTEMPTY, ENOTDIR), a non-directory only a non-directory
 * (EISDIR); a directory never moves into its own subtree (EINVAL, found
 * by walking iparent from the target directory up to the root); two
 * names of one inode: nothing happens; "." and ".." are EINVAL.  An
 * exchange (RENAME_EXCHANGE) retargets both entries in place; each side
 * obeys the subtree rule.
 *
 * Locking: none: one thread per mount (hammer2_vnops.h).
 *
 * More: docs/design/hammer2-vnops.md, reference hammer2-format.md §11.
 */

#include <errno.h>
#include <string.h>

#include "hammer2_mount.h"

/* EINVAL if directory inum is tdinum or one of its ancestors. */
static int
hammer2_rename_check_loop(struct hammer2_mount *mp, hammer2_tid_t inum,
    hammer2_tid_t tdinum)
{
	struct hammer2_ino ino;
	hammer2_tid_t cur = tdinum;
	int depth, error;

	for (depth = 0; depth < HAMMER2_MAX_RENAME_DEPTH; depth++) {
		if (cur == inum)
			return (EINVAL);
		if (cur == HAMMER2_PFSROOT_INUM)
			return (0);
		error = hammer2_ino_get(mp, cur, 0, &ino);
		if (error != 0)
			return (error == ENOENT ? EIO : error);
		cur = ino.in_data->meta.iparent;
		hammer2_ino_put(mp, &ino);
	}
	hammer2_log(mp->mnt_dev, "hammer2: directory 0x%016jx: no way up to the root through iparent",
	    (uintmax_t)tdinum);
	return (EIO);
}

static int
hammer2_rename_names_check(const char *sname, size_t slen, const char *tname,
    size_t tlen, unsigned int flags)
{
	int error;

	if ((flags & ~(HAMMER2_RENAME_NOREPLACE | HAMMER2_RENAME_EXCHANGE)) !=
	    0 || flags == (HAMMER2_RENAME_NOREPLACE | HAMMER2_RENAME_EXCHANGE))
		return (EINVAL);
	error = hammer2_name_check(sname, slen);
	if (error == 0)
		error = hammer2_name_check(tname, tlen);
	if (error != 0)
		return (error);
	if (hammer2_name_is_dot(sname, slen) != 0 ||
	    hammer2_name_is_dot(tname, tlen) != 0)
		return (EINVAL);
	return (0);
}

/* Errors of replacing target inode tino by source inode sino. */
static int
hammer2_rename_check_replace(struct hammer2_ino *sino, struct hammer2_ino *tino)
{
	bool sdir = sino->in_data->meta.type == HAMMER2_OBJTYPE_DIRECTORY;
	bool tdir = tino->in_data->meta.type == HAMMER2_OBJTYPE_DIRECTORY;

	if (sdir && !tdir)
		return (ENOTDIR);
	if (!sdir && tdir)
		return (EISDIR);
	if (tdir && !hammer2_dir_is_empty_rw(tino))
		return (ENOTEMPTY);
	return (0);
}

struct hammer2_rename {
	struct hammer2_ino	 rn_sdir, rn_tdir_own;
	struct hammer2_ino	*rn_tdir;	/* rn_sdir or rn_tdir_own */
	struct hammer2_ino	 rn_sino, rn_tino;
	struct hammer2_dirent	 rn_sde, rn_tde;
	struct hammer2_chain	*rn_sch, *rn_tch;	/* the entries */
};

static void
hammer2_rename_release(struct hammer2_mount *mp, struct hammer2_rename *rn)
{
	hammer2_ino_put(mp, &rn->rn_tino);
	hammer2_ino_put(mp, &rn->rn_sino);
	if (rn->rn_tch != NULL)
		hammer2_chain_drop(rn->rn_tch);
	if (rn->rn_sch != NULL)
		hammer2_chain_drop(rn->rn_sch);
	hammer2_ino_put(mp, &rn->rn_tdir_own);
	hammer2_ino_put(mp, &rn->rn_sdir);
}

/*
 * The checks of an exchange, once both entries are found: neither side
 * may be a directory moving below itself.
 */
static int
hammer2_rename_prepare_exchange(struct hammer2_mount *mp,
    struct hammer2_rename *rn, hammer2_tid_t sdinum, hammer2_tid_t tdinum)
{
	int error;

	error = hammer2_ino_get(mp, rn->rn_sde.de_inum, 2, &rn->rn_sino);
	if (error == 0)
		error = hammer2_ino_get(mp, rn->rn_tde.de_inum, 0,
		    &rn->rn_tino);
	if (error != 0)
		return (error == ENOENT ? EIO : error);
	if (sdinum == tdinum)
		return (0);
	if (rn->rn_sino.in_data->meta.type == HAMMER2_OBJTYPE_DIRECTORY)
		error = hammer2_rename_check_loop(mp, rn->rn_sde.de_inum,
		    tdinum);
	if (error == 0 &&
	    rn->rn_tino.in_data->meta.type == HAMMER2_OBJTYPE_DIRECTORY)
		error = hammer2_rename_check_loop(mp, rn->rn_tde.de_inum,
		    sdinum);
	return (error);
}

/* Make entry chain ch name inode inum of type type instead. */
static int
hammer2_dirent_retarget(struct hammer2_chain *ch, hammer2_tid_t inum,
    uint8_t type, hammer2_tid_t mtid)
{
	int error;

	if (ch->ch_bref.type != HAMMER2_BREF_TYPE_DIRENT)
		return (EIO);	/* a combined INODE entry (format §11.4) */
	error = hammer2_chain_modify(ch, mtid);
	if (error == 0) {
		ch->ch_bref.embed.dirent.inum = inum;
		ch->ch_bref.embed.dirent.type = type;
	}
	return (error);
}

/* Swap the inodes the two entries name (RENAME_EXCHANGE). */
static int
hammer2_rename_apply_exchange(struct hammer2_mount *mp,
    struct hammer2_rename *rn, hammer2_tid_t sdinum, hammer2_tid_t tdinum)
{
	hammer2_tid_t mtid = hammer2_mnt_mtid(mp);
	uint64_t now = hammer2_mnt_now(mp);
	int error;

	error = hammer2_dirent_retarget(rn->rn_sch, rn->rn_tde.de_inum,
	    rn->rn_tde.de_type, mtid);
	if (error == 0)
		error = hammer2_dirent_retarget(rn->rn_tch, rn->rn_sde.de_inum,
		    rn->rn_sde.de_type, mtid);
	if (error == 0)
		error = hammer2_ino_modify(mp, &rn->rn_sino, mtid);
	if (error == 0)
		error = hammer2_ino_modify(mp, &rn->rn_tino, mtid);
	if (error != 0)
		return (error);
	rn->rn_sino.in_data->meta.iparent = tdinum;
	rn->rn_sino.in_data->meta.ctime = now;
	rn->rn_tino.in_data->meta.iparent = sdinum;
	rn->rn_tino.in_data->meta.ctime = now;
	error = hammer2_dir_touch(mp, &rn->rn_sdir, mtid);
	if (error == 0 && rn->rn_tdir != &rn->rn_sdir)
		error = hammer2_dir_touch(mp, rn->rn_tdir, mtid);
	return (error);
}

/*
 * Look up everything a rename needs and check it can be done.  Returns
 * 0, -1 (nothing to do: two names of one inode) or an errno.
 */
static int
hammer2_rename_prepare(struct hammer2_mount *mp, struct hammer2_rename *rn,
    hammer2_tid_t sdinum, const char *sname, size_t slen,
    hammer2_tid_t tdinum, const char *tname, size_t tlen, unsigned int flags)
{
	int error;

	error = hammer2_ino_get(mp, sdinum, 0, &rn->rn_sdir);
	if (error != 0)
		return (error);
	rn->rn_tdir = &rn->rn_sdir;
	if (tdinum != sdinum) {
		error = hammer2_ino_get(mp, tdinum, 1, &rn->rn_tdir_own);
		if (error != 0)
			return (error);
		rn->rn_tdir = &rn->rn_tdir_own;
	}
	if (rn->rn_tdir->in_data->meta.type != HAMMER2_OBJTYPE_DIRECTORY)
		return (ENOTDIR);
	error = hammer2_dirent_find(mp, &rn->rn_sdir, sname, slen, &rn->rn_sde,
	    &rn->rn_sch);
	if (error != 0)
		return (error);
	error = hammer2_dirent_find(mp, rn->rn_tdir, tname, tlen, &rn->rn_tde,
	    &rn->rn_tch);
	if (error == 0 && rn->rn_tde.de_inum == rn->rn_sde.de_inum)
		return (-1);
	if (error == 0 && (flags & HAMMER2_RENAME_NOREPLACE))
		return (EEXIST);
	if (error != 0 && error != ENOENT)
		return (error);
	if (flags & HAMMER2_RENAME_EXCHANGE)
		return (error != 0 ? error :
		    hammer2_rename_prepare_exchange(mp, rn, sdinum, tdinum));
	if (rn->rn_tdir->in_data->meta.nlinks == 0)
		return (ENOENT);
	error = hammer2_ino_get(mp, rn->rn_sde.de_inum, 2, &rn->rn_sino);
	if (error != 0)
		return (error == ENOENT ? EIO : error);
	if (rn->rn_sino.in_data->meta.type == HAMMER2_OBJTYPE_DIRECTORY &&
	    tdinum != sdinum) {
		error = hammer2_rename_check_loop(mp, rn->rn_sde.de_inum,
		    tdinum);
		if (error != 0)
			return (error);
	}
	if (rn->rn_tch == NULL)
		return (0);
	error = hammer2_ino_get(mp, rn->rn_tde.de_inum, 0, &rn->rn_tino);
	if (error != 0)
		return (error == ENOENT ? EIO : error);
	return (hammer2_rename_check_replace(&rn->rn_sino, &rn->rn_tino));
}

static int
hammer2_rename_apply(struct hammer2_mount *mp, struct hammer2_rename *rn,
    hammer2_tid_t tdinum, const char *tname, size_t tlen)
{
	hammer2_tid_t mtid = hammer2_mnt_mtid(mp);
	int error;

	error = hammer2_dirent_insert(mp, rn->rn_tdir, tname, tlen, NULL,
	    rn->rn_sde.de_inum, rn->rn_sde.de_type, mtid);
	if (error != 0)
		return (error);
	if (rn->rn_tch != NULL) {
		error = hammer2_chain_delete(rn->rn_tch, mtid);
		if (error == 0)
			error = hammer2_ino_unlink(mp, &rn->rn_tino, mtid);
		if (error != 0)
			return (error);
	}
	error = hammer2_chain_delete(rn->rn_sch, mtid);
	if (error == 0)
		error = hammer2_ino_modify(mp, &rn->rn_sino, mtid);
	if (error != 0)
		return (error);
	rn->rn_sino.in_data->meta.iparent = tdinum;
	rn->rn_sino.in_data->meta.ctime = hammer2_mnt_now(mp);
	error = hammer2_dir_touch(mp, &rn->rn_sdir, mtid);
	if (error == 0 && rn->rn_tdir != &rn->rn_sdir)
		error = hammer2_dir_touch(mp, rn->rn_tdir, mtid);
	return (error);
}

/*
 * hammer2_vop_rename - move entry sname of directory sdinum to tname in
 * directory tdinum, replacing an existing tname unless flags has
 * HAMMER2_RENAME_NOREPLACE; with HAMMER2_RENAME_EXCHANGE, swap the two
 * existing names.  Returns 0, EROFS, ENOENT, ENOTDIR, EISDIR, ENOTEMPTY,
 * EEXIST, EINVAL, ENAMETOOLONG, ENOSPC or EIO.
 */
int
hammer2_vop_rename(struct hammer2_mount *mp, hammer2_tid_t sdinum,
    const char *sname, size_t slen, hammer2_tid_t tdinum, const char *tname,
    size_t tlen, unsigned int flags)
{
	struct hammer2_rename *rn;
	int error;

	if (hammer2_mnt_is_rdonly(mp))
		return (EROFS);
	error = hammer2_rename_names_check(sname, slen, tname, tlen, flags);
	if (error != 0)
		return (error);
	rn = hammer2_alloc(mp->mnt_dev, sizeof(*rn));
	if (rn == NULL)
		return (ENOMEM);
	memset(rn, 0, sizeof(*rn));
	error = hammer2_rename_prepare(mp, rn, sdinum, sname, slen, tdinum,
	    tname, tlen, flags);
	/* Commit point: only ENOSPC/EIO below. */
	if (error == 0 && (flags & HAMMER2_RENAME_EXCHANGE))
		error = hammer2_rename_apply_exchange(mp, rn, sdinum, tdinum);
	else if (error == 0)
		error = hammer2_rename_apply(mp, rn, tdinum, tname, tlen);
	else if (error == -1)
		error = 0;
	hammer2_rename_release(mp, rn);
	hammer2_free(mp->mnt_dev, rn, sizeof(*rn));
	return (error);
}
