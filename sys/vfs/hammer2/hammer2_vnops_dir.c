/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_vnops_dir.c - directory entries on a mounted PFS: lookup,
 * readdir, and the entry primitives create, link, remove and rename
 * (hammer2_vnops_name.c) are built from.
 *
 * Model (format §11, §12): an entry is a DIRENT leaf of its directory's
 * tree keyed by dirhash(name) plus a 15-bit collision index.  Its embed
 * area is the dirent head (target inum, name length, object type); a name
 * of at most 64 bytes sits in the bref's check area, a longer one in a
 * 1 KiB block written with the directory's check method.  A new entry
 * takes DragonFly's key (§12.3): the first gap in the keys already used
 * in [h, h|0x7FFF] scanning up from h, or one past the last used key, so
 * that a lone name gets h+1.  "." and ".." are never stored; readdir
 * synthesises them (cookies 0 and 1), ".." is the inode's iparent.  An
 * INODE bref among the entries is a combined entry (§11.4) and is read
 * like a DIRENT.
 *
 * Invariants: every name handed out or stored is 1..255 bytes without
 * '/' or NUL and is not "." or ".."; a lookup scans the whole collision
 * window and compares names byte for byte.
 *
 * Locking: none: one thread per mount (hammer2_vnops.h).
 *
 * More: docs/design/hammer2-vnops.md, reference hammer2-format.md §11, §12.
 */

#include <errno.h>
#include <string.h>

#include "hammer2_mount.h"

/*
 * hammer2_name_check - errno for a name an operation gets: ENAMETOOLONG,
 * ENOENT (empty), EINVAL ('/' or NUL inside), 0 otherwise.  "." and ".."
 * are left to the caller (hammer2_name_is_dot()).
 */
int
hammer2_name_check(const char *name, size_t len)
{
	if (len > HAMMER2_NAME_MAXBYTES)
		return (ENAMETOOLONG);
	if (len == 0)
		return (ENOENT);
	if (memchr(name, '/', len) != NULL || memchr(name, '\0', len) != NULL)
		return (EINVAL);
	return (0);
}

/* 1 for ".", 2 for "..", else 0. */
int
hammer2_name_is_dot(const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return (1);
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return (2);
	return (0);
}

static int
hammer2_dirent_bad(struct hammer2_mount *mp, const struct hammer2_blockref *b,
    const char *why)
{
	hammer2_log(mp->mnt_dev, "hammer2: directory entry 0x%016jx (block 0x%016jx): %s",
	    (uintmax_t)b->key, (uintmax_t)b->data_off, why);
	return (EIO);
}

/* Decode a DIRENT (or combined INODE) leaf of a directory into *de. */
static int
hammer2_dirent_decode_rw(struct hammer2_mount *mp, struct hammer2_chain *ch,
    struct hammer2_dirent *de)
{
	const struct hammer2_blockref *b = &ch->ch_bref;
	const struct hammer2_inode_data *ipd = ch->ch_data;
	const void *data;
	size_t namlen, len;
	int error;

	if (b->type == HAMMER2_BREF_TYPE_INODE) {
		if (ipd == NULL || ch->ch_bytes < HAMMER2_INODE_BYTES)
			return (hammer2_dirent_bad(mp, b, "unreadable inode"));
		namlen = ipd->meta.name_len;
		if (namlen == 0 || namlen > HAMMER2_NAME_MAXBYTES)
			return (hammer2_dirent_bad(mp, b, "bad inode name"));
		memcpy(de->de_name, ipd->filename, namlen);
		de->de_inum = ipd->meta.inum;
		de->de_type = ipd->meta.type;
	} else if (b->type == HAMMER2_BREF_TYPE_DIRENT) {
		namlen = b->embed.dirent.namlen;
		if (namlen == 0 || namlen > HAMMER2_NAME_MAXBYTES)
			return (hammer2_dirent_bad(mp, b, "bad name length"));
		if (namlen <= HAMMER2_DIRENT_INLINE_MAX) {
			memcpy(de->de_name, b->check.buf, namlen);
		} else {
			error = hammer2_bref_read(mp->mnt_dev, b, &data, &len);
			if (error != 0)
				return (error);
			if (len >= namlen)
				memcpy(de->de_name, data, namlen);
			hammer2_bref_release(mp->mnt_dev, data, len);
			if (len < namlen)
				return (hammer2_dirent_bad(mp, b,
				    "name block shorter than the name"));
		}
		de->de_inum = b->embed.dirent.inum;
		de->de_type = b->embed.dirent.type;
	} else {
		return (hammer2_dirent_bad(mp, b,
		    "unexpected blockref type in a directory"));
	}
	de->de_name[namlen] = '\0';
	de->de_namlen = (uint16_t)namlen;
	de->de_key = b->key;
	if (hammer2_name_check(de->de_name, namlen) != 0 ||
	    hammer2_name_is_dot(de->de_name, namlen) != 0)
		return (hammer2_dirent_bad(mp, b, "illegal name"));
	return (0);
}

/*
 * hammer2_dirent_find - find name in directory dino.  Returns 0 with *de
 * filled (and, if chainp != NULL, the entry's leaf referenced in
 * *chainp), ENOENT, ENOTDIR or EIO.
 */
int
hammer2_dirent_find(struct hammer2_mount *mp, struct hammer2_ino *dino,
    const char *name, size_t len, struct hammer2_dirent *de,
    struct hammer2_chain **chainp)
{
	struct hammer2_chain *ch;
	hammer2_key_t h, hend;
	int error;

	if (chainp != NULL)
		*chainp = NULL;
	if (dino->in_data->meta.type != HAMMER2_OBJTYPE_DIRECTORY)
		return (ENOTDIR);
	if (hammer2_mnt_is_rdonly(mp))
		return (hammer2_dir_lookup(&mp->mnt_pfs, dino->in_ro, name, len,
		    de));
	h = hammer2_dirhash(name, len);
	hend = h | HAMMER2_DIRHASH_LOMASK;
	error = hammer2_chain_lookup(dino->in_chain, h, hend, 0, &ch);
	while (error == 0) {
		error = hammer2_dirent_decode_rw(mp, ch, de);
		if (error != 0) {
			hammer2_chain_drop(ch);
			return (error);
		}
		if (de->de_namlen == len && memcmp(de->de_name, name, len) == 0)
			break;
		error = hammer2_chain_next(dino->in_chain, ch, hend, 0, &ch);
	}
	if (error != 0)
		return (error);
	if (chainp != NULL)
		*chainp = ch;
	else
		hammer2_chain_drop(ch);
	return (0);
}

/* DragonFly's key for a new entry whose name hashes to h (§12.3). */
static int
hammer2_dirent_pick_key(struct hammer2_ino *dino, hammer2_key_t h,
    hammer2_key_t *keyp)
{
	hammer2_key_t cursor = h, hend = h | HAMMER2_DIRHASH_LOMASK;
	struct hammer2_chain *ch;
	int error;

	error = hammer2_chain_lookup(dino->in_chain, h, hend,
	    HAMMER2_LOOKUP_NODATA, &ch);
	while (error == 0) {
		if (ch->ch_bref.key != cursor) {
			hammer2_chain_drop(ch);
			*keyp = cursor;
			return (0);
		}
		cursor++;
		error = hammer2_chain_next(dino->in_chain, ch, hend,
		    HAMMER2_LOOKUP_NODATA, &ch);
	}
	if (error != ENOENT)
		return (error);
	if (cursor + 1 > hend)
		return (ENOSPC);
	*keyp = cursor + 1;
	return (0);
}

/*
 * hammer2_dirent_probe - check that name is not in directory dino (a
 * read-write mount's) and choose the key of a new entry for it, in one
 * scan of its collision window.  Returns 0 with *keyp, EEXIST, ENOSPC
 * (window full) or EIO.
 */
int
hammer2_dirent_probe(struct hammer2_mount *mp, struct hammer2_ino *dino,
    const char *name, size_t len, hammer2_key_t *keyp)
{
	hammer2_key_t h = hammer2_dirhash(name, len);
	hammer2_key_t cursor = h, hend = h | HAMMER2_DIRHASH_LOMASK;
	struct hammer2_dirent de;
	struct hammer2_chain *ch;
	bool gap = false;
	int error;

	error = hammer2_chain_lookup(dino->in_chain, h, hend, 0, &ch);
	while (error == 0) {
		error = hammer2_dirent_decode_rw(mp, ch, &de);
		if (error == 0 && de.de_namlen == len &&
		    memcmp(de.de_name, name, len) == 0)
			error = EEXIST;
		if (error != 0) {
			hammer2_chain_drop(ch);
			return (error);
		}
		if (!gap && ch->ch_bref.key == cursor)
			cursor++;
		else
			gap = true;
		error = hammer2_chain_next(dino->in_chain, ch, hend, 0, &ch);
	}
	if (error != ENOENT)
		return (error);
	if (!gap && cursor + 1 > hend)
		return (ENOSPC);
	*keyp = gap ? cursor : cursor + 1;
	return (0);
}

/*
 * hammer2_dirent_insert - add entry name -> (inum, type) to directory
 * dino for transaction mtid, at *keyp (from hammer2_dirent_probe()) or,
 * keyp NULL, at the key DragonFly's rule gives.  The caller checked that
 * the name is new.  Returns 0, ENOSPC (collision window full, or no
 * space) or EIO.
 */
int
hammer2_dirent_insert(struct hammer2_mount *mp, struct hammer2_ino *dino,
    const char *name, size_t len, const hammer2_key_t *keyp,
    hammer2_tid_t inum, uint8_t type, hammer2_tid_t mtid)
{
	struct hammer2_chain *ch;
	hammer2_key_t key;
	uint8_t methods;
	int error = 0;

	if (keyp != NULL)
		key = *keyp;
	else
		error = hammer2_dirent_pick_key(dino,
		    hammer2_dirhash(name, len), &key);
	if (error != 0)
		return (error);
	error = hammer2_chain_create(dino->in_chain, key, 0,
	    HAMMER2_BREF_TYPE_DIRENT, 0, mtid, &ch);
	if (error != 0)
		return (error);
	error = hammer2_chain_modify(ch, mtid);
	if (error != 0)
		goto out;
	methods = HAMMER2_ENC_CHECK(dino->in_data->meta.check_algo & 0x0F);
	ch->ch_bref.methods = methods;
	memset(&ch->ch_bref.embed, 0, sizeof(ch->ch_bref.embed));
	ch->ch_bref.embed.dirent.inum = inum;
	ch->ch_bref.embed.dirent.namlen = (uint16_t)len;
	ch->ch_bref.embed.dirent.type = type;
	if (len <= HAMMER2_DIRENT_INLINE_MAX) {
		memset(ch->ch_bref.check.buf, 0, sizeof(ch->ch_bref.check.buf));
		memcpy(ch->ch_bref.check.buf, name, len);
		goto out;
	}
	memset(mp->mnt_pbuf, 0, HAMMER2_INODE_BYTES);
	memcpy(mp->mnt_pbuf, name, len);
	error = hammer2_chain_write_data(ch, mp->mnt_pbuf, HAMMER2_INODE_BYTES,
	    methods, mtid);
out:
	if (error != 0)
		(void)hammer2_chain_delete(ch, mtid);
	hammer2_chain_drop(ch);
	return (error);
}

/* True if directory dino (read-write mount) has no entries. */
bool
hammer2_dir_is_empty_rw(struct hammer2_ino *dino)
{
	struct hammer2_chain *ch;

	if (hammer2_chain_lookup(dino->in_chain, HAMMER2_DIRHASH_VISIBLE,
		HAMMER2_KEY_MAX, HAMMER2_LOOKUP_NODATA, &ch) != 0)
		return (true);
	hammer2_chain_drop(ch);
	return (false);
}

/* Set the mtime and ctime of directory dino after an entry changed. */
int
hammer2_dir_touch(struct hammer2_mount *mp, struct hammer2_ino *dino,
    hammer2_tid_t mtid)
{
	uint64_t now = hammer2_mnt_now(mp);
	int error;

	error = hammer2_ino_modify(mp, dino, mtid);
	if (error == 0) {
		dino->in_data->meta.mtime = now;
		dino->in_data->meta.ctime = now;
	}
	return (error);
}

/*
 * hammer2_vop_lookup - find name in directory dinum ("." and ".." too)
 * and return its attributes.  Returns 0, ENOENT, ENOTDIR, ENAMETOOLONG
 * or EIO (an entry naming a missing inode).
 */
int
hammer2_vop_lookup(struct hammer2_mount *mp, hammer2_tid_t dinum,
    const char *name, size_t len, struct hammer2_vattr *vap)
{
	struct hammer2_ino dino, ino;
	struct hammer2_dirent de;
	hammer2_tid_t inum = 0;
	int error;

	error = hammer2_name_check(name, len);
	if (error != 0)
		return (error == EINVAL ? ENOENT : error);
	error = hammer2_ino_get(mp, dinum, 0, &dino);
	if (error != 0)
		return (error);
	if (dino.in_data->meta.type != HAMMER2_OBJTYPE_DIRECTORY)
		error = ENOTDIR;
	else if (hammer2_name_is_dot(name, len) == 1)
		inum = dinum;
	else if (hammer2_name_is_dot(name, len) == 2)
		inum = dinum == HAMMER2_PFSROOT_INUM ? dinum :
		    dino.in_data->meta.iparent;
	else {
		error = hammer2_dirent_find(mp, &dino, name, len, &de, NULL);
		inum = de.de_inum;
	}
	hammer2_ino_put(mp, &dino);
	if (error != 0)
		return (error);
	error = hammer2_ino_get(mp, inum, 1, &ino);
	if (error == ENOENT) {
		hammer2_log(mp->mnt_dev, "hammer2: directory 0x%016jx names inode 0x%016jx, which the PFS index lacks",
		    (uintmax_t)dinum, (uintmax_t)inum);
		error = EIO;
	}
	if (error != 0)
		return (error);
	hammer2_ino_vattr(mp, &ino, vap);
	hammer2_ino_put(mp, &ino);
	return (0);
}

/* A readdir cookie for an entry key: bit 63 off, never 0 or 1. */
static uint64_t
hammer2_dir_cookie(hammer2_key_t key)
{
	hammer2_key_t c = key & ~HAMMER2_DIRHASH_VISIBLE;

	return (c < 2 ? 2 : c);
}

struct hammer2_readdir_arg {
	hammer2_readdir_fn	*rd_fn;
	void			*rd_arg;
	bool			 rd_stopped;
};

static int
hammer2_readdir_ro_cb(void *arg, const struct hammer2_dirent *de)
{
	struct hammer2_readdir_arg *rd = arg;

	if (rd->rd_fn(rd->rd_arg, de->de_name, de->de_namlen, de->de_inum,
		de->de_type, hammer2_dir_cookie(de->de_key)) != 0) {
		rd->rd_stopped = true;
		return (HAMMER2_SCAN_STOP);
	}
	return (0);
}

/*
 * The scan walks the directory's blockset in place: give it a private
 * copy, as fn may look up other inodes (through the same mount slots).
 */
static int
hammer2_readdir_ro(struct hammer2_mount *mp, struct hammer2_ino *dino,
    hammer2_key_t from, struct hammer2_readdir_arg *rd)
{
	struct hammer2_inode *dip;
	int error;

	dip = hammer2_alloc(mp->mnt_dev, sizeof(*dip));
	if (dip == NULL)
		return (ENOMEM);
	*dip = *dino->in_ro;
	error = hammer2_dir_scan(&mp->mnt_pfs, dip, from,
	    hammer2_readdir_ro_cb, rd);
	hammer2_free(mp->mnt_dev, dip, sizeof(*dip));
	return (error);
}

static int
hammer2_readdir_rw(struct hammer2_mount *mp, struct hammer2_ino *dino,
    hammer2_key_t from, struct hammer2_readdir_arg *rd)
{
	struct hammer2_dirent de;
	struct hammer2_chain *ch;
	int error;

	error = hammer2_chain_lookup(dino->in_chain, from, HAMMER2_KEY_MAX, 0,
	    &ch);
	while (error == 0) {
		error = hammer2_dirent_decode_rw(mp, ch, &de);
		if (error == 0 && hammer2_readdir_ro_cb(rd, &de) != 0)
			error = HAMMER2_SCAN_STOP;
		if (error != 0) {
			hammer2_chain_drop(ch);
			break;
		}
		error = hammer2_chain_next(dino->in_chain, ch, HAMMER2_KEY_MAX,
		    0, &ch);
	}
	return (error == ENOENT || error == HAMMER2_SCAN_STOP ? 0 : error);
}

/*
 * hammer2_vop_readdir - call fn for the entries of directory dinum after
 * cookie (hammer2_vnops.h), in key order, until fn returns nonzero.  fn
 * may call other operations of the mount but must not change this
 * directory.  Returns 0, ENOENT, ENOTDIR, ENOMEM or EIO.
 */
int
hammer2_vop_readdir(struct hammer2_mount *mp, hammer2_tid_t dinum,
    uint64_t cookie, hammer2_readdir_fn *fn, void *arg)
{
	struct hammer2_readdir_arg rd = { fn, arg, false };
	struct hammer2_ino dino;
	hammer2_tid_t pinum;
	hammer2_key_t from;
	int error;

	error = hammer2_ino_get(mp, dinum, 0, &dino);
	if (error != 0)
		return (error);
	if (dino.in_data->meta.type != HAMMER2_OBJTYPE_DIRECTORY) {
		error = ENOTDIR;
		goto out;
	}
	pinum = dinum == HAMMER2_PFSROOT_INUM ? dinum :
	    dino.in_data->meta.iparent;
	if (cookie == 0 && fn(arg, ".", 1, dinum, HAMMER2_OBJTYPE_DIRECTORY,
		1) != 0)
		goto out;
	if (cookie <= 1 && fn(arg, "..", 2, pinum, HAMMER2_OBJTYPE_DIRECTORY,
		2) != 0)
		goto out;
	if (cookie >= 2 && (cookie | HAMMER2_DIRHASH_VISIBLE) == HAMMER2_KEY_MAX)
		goto out;	/* the last possible key was returned */
	from = cookie <= 1 ? HAMMER2_DIRHASH_VISIBLE :
	    (cookie | HAMMER2_DIRHASH_VISIBLE) + 1;
	if (hammer2_mnt_is_rdonly(mp))
		error = hammer2_readdir_ro(mp, &dino, from, &rd);
	else
		error = hammer2_readdir_rw(mp, &dino, from, &rd);
out:
	hammer2_ino_put(mp, &dino);
	return (error);
}
