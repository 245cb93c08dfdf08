/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_dir.c - directories: entries in hash order, name lookup, path
 * resolution.
 *
 * Model: a directory's tree holds DIRENT brefs keyed by the directory
 * hash of the name plus a 15-bit collision index (format §11, §12).  A
 * name of up to 64 bytes sits in the bref's check area; a longer one is a
 * 1 KiB block the bref's check code covers.  An INODE bref found among
 * the entries is accepted as a combined entry (§11.4).  "." and ".." are
 * not stored; callers synthesise them.
 *
 * Invariants: every entry handed out has a name of 1..255 bytes without
 * '/' or NUL and is not "." or ".."; corrupt entries are EIO.  Lookups
 * scan the whole window [h, h|0x7FFF] and compare names byte for byte.
 *
 * Locking: none; the caller serialises use of the dev.
 *
 * More: docs/design/hammer2.md, reference hammer2-format.md §10.2, §11.
 */

#include <errno.h>
#include <string.h>

#include "hammer2.h"

#define HAMMER2_PATH_MAXCOMPONENTS 512

struct hammer2_dirscan_arg {
	struct hammer2_pfs	*ds_pmp;
	hammer2_dirent_fn	*ds_fn;
	void			*ds_arg;
	struct hammer2_dirent	 ds_de;
	struct hammer2_inode	 ds_ip;
};

static int
hammer2_dirent_fail(struct hammer2_dev *dev,
    const struct hammer2_blockref *bref, const char *why)
{
	hammer2_log(dev, "hammer2: directory entry 0x%016jx (block 0x%016jx): %s",
	    (uintmax_t)bref->key, (uintmax_t)bref->data_off, why);
	return (EIO);
}

static bool
hammer2_name_is_valid(const char *name, size_t len)
{
	if (len == 0 || len > HAMMER2_NAME_MAXBYTES)
		return (false);
	if (memchr(name, '/', len) != NULL || memchr(name, '\0', len) != NULL)
		return (false);
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return (false);
	return (true);
}

/* Decode a DIRENT bref (reading its name block if needed) into de. */
static int
hammer2_dirent_decode(struct hammer2_dev *dev,
    const struct hammer2_blockref *bref, struct hammer2_dirent *de)
{
	size_t namlen = bref->embed.dirent.namlen;
	const void *data;
	size_t len;
	int error;

	if (namlen == 0 || namlen > HAMMER2_NAME_MAXBYTES)
		return (hammer2_dirent_fail(dev, bref, "bad name length"));
	if (namlen <= HAMMER2_DIRENT_INLINE_MAX) {
		memcpy(de->de_name, bref->check.buf, namlen);
	} else {
		error = hammer2_bref_read(dev, bref, &data, &len);
		if (error != 0)
			return (error);
		if (len < namlen) {
			hammer2_bref_release(dev, data, len);
			return (hammer2_dirent_fail(dev, bref,
			    "name block shorter than the name"));
		}
		memcpy(de->de_name, data, namlen);
		hammer2_bref_release(dev, data, len);
	}
	de->de_name[namlen] = '\0';
	de->de_namlen = (uint16_t)namlen;
	de->de_key = bref->key;
	de->de_inum = bref->embed.dirent.inum;
	de->de_type = bref->embed.dirent.type;
	return (0);
}

/* Decode an INODE bref found among directory entries (format §11.4). */
static int
hammer2_dirent_from_inode(struct hammer2_dirscan_arg *ds,
    const struct hammer2_blockref *bref)
{
	struct hammer2_dev *dev = ds->ds_pmp->pmp_dev;
	const struct hammer2_inode_meta *m = &ds->ds_ip.ino_data.meta;
	int error;

	error = hammer2_inode_load(dev, bref, &ds->ds_ip);
	if (error != 0)
		return (error);
	if (m->name_len == 0 || m->name_len > HAMMER2_NAME_MAXBYTES)
		return (hammer2_dirent_fail(dev, bref, "bad inode name"));
	memcpy(ds->ds_de.de_name, ds->ds_ip.ino_data.filename, m->name_len);
	ds->ds_de.de_name[m->name_len] = '\0';
	ds->ds_de.de_namlen = m->name_len;
	ds->ds_de.de_key = bref->key;
	ds->ds_de.de_inum = m->inum;
	ds->ds_de.de_type = m->type;
	return (0);
}

static int
hammer2_dir_scan_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct hammer2_dirscan_arg *ds = arg;
	struct hammer2_dev *dev = ds->ds_pmp->pmp_dev;

	(void)error;
	if (bref->type == HAMMER2_BREF_TYPE_DIRENT)
		error = hammer2_dirent_decode(dev, bref, &ds->ds_de);
	else if (bref->type == HAMMER2_BREF_TYPE_INODE)
		error = hammer2_dirent_from_inode(ds, bref);
	else
		error = hammer2_dirent_fail(dev, bref,
		    "unexpected blockref type in a directory");
	if (error != 0)
		return (error);
	if (!hammer2_name_is_valid(ds->ds_de.de_name, ds->ds_de.de_namlen))
		return (hammer2_dirent_fail(dev, bref, "illegal name"));
	return (ds->ds_fn(ds->ds_arg, &ds->ds_de));
}

static int
hammer2_dir_scan_range(struct hammer2_pfs *pmp, const struct hammer2_inode *dip,
    hammer2_key_t beg, hammer2_key_t end, hammer2_dirent_fn *fn, void *arg)
{
	struct hammer2_dev *dev = pmp->pmp_dev;
	struct hammer2_dirscan_arg *ds;
	int error;

	if (dip->ino_data.meta.type != HAMMER2_OBJTYPE_DIRECTORY)
		return (ENOTDIR);
	if (!hammer2_inode_has_blockset(dip))
		return (hammer2_dirent_fail(dev, &dip->ino_bref,
		    "directory with embedded data"));
	ds = hammer2_alloc(dev, sizeof(*ds));
	if (ds == NULL)
		return (ENOMEM);
	ds->ds_pmp = pmp;
	ds->ds_fn = fn;
	ds->ds_arg = arg;
	error = hammer2_tree_scan(dev, dip->ino_data.u.blockset.blockref,
	    HAMMER2_SET_COUNT, beg, end, 0, hammer2_dir_scan_cb, ds);
	hammer2_free(dev, ds, sizeof(*ds));
	return (error);
}

/*
 * hammer2_dir_scan - call fn for each entry of directory dip with key >=
 * from_key, in key order.  fn returns 0, HAMMER2_SCAN_STOP or an errno.
 * Returns 0, ENOTDIR, EIO or ENOMEM.
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_dir_scan(struct hammer2_pfs *pmp, const struct hammer2_inode *dip,
    hammer2_key_t from_key, hammer2_dirent_fn *fn, void *arg)
{
	if (from_key < HAMMER2_DIRHASH_VISIBLE)
		from_key = HAMMER2_DIRHASH_VISIBLE;
	return (hammer2_dir_scan_range(pmp, dip, from_key, HAMMER2_KEY_MAX, fn,
	    arg));
}

struct hammer2_dirlookup_arg {
	const char		*dl_name;
	size_t			 dl_len;
	struct hammer2_dirent	*dl_de;
	bool			 dl_found;
};

static int
hammer2_dir_lookup_cb(void *arg, const struct hammer2_dirent *de)
{
	struct hammer2_dirlookup_arg *dl = arg;

	if (de->de_namlen != dl->dl_len ||
	    memcmp(de->de_name, dl->dl_name, dl->dl_len) != 0)
		return (0);
	*dl->dl_de = *de;
	dl->dl_found = true;
	return (HAMMER2_SCAN_STOP);
}

/*
 * hammer2_dir_lookup - find name in directory dip.  Returns 0 with *dep
 * filled, ENOENT, ENAMETOOLONG, ENOTDIR or EIO.
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_dir_lookup(struct hammer2_pfs *pmp, const struct hammer2_inode *dip,
    const char *name, size_t len, struct hammer2_dirent *dep)
{
	struct hammer2_dirlookup_arg dl;
	hammer2_key_t h;
	int error;

	if (len > HAMMER2_NAME_MAXBYTES)
		return (ENAMETOOLONG);
	if (!hammer2_name_is_valid(name, len))
		return (ENOENT);
	h = hammer2_dirhash(name, len);
	dl.dl_name = name;
	dl.dl_len = len;
	dl.dl_de = dep;
	dl.dl_found = false;
	error = hammer2_dir_scan_range(pmp, dip, h, h | HAMMER2_DIRHASH_LOMASK,
	    hammer2_dir_lookup_cb, &dl);
	if (error != 0)
		return (error);
	return (dl.dl_found ? 0 : ENOENT);
}

/*
 * hammer2_path_lookup - resolve a '/'-separated path relative to the PFS
 * root (symlinks are not followed; "." and ".." components are not
 * allowed).  Returns 0, ENOENT, ENOTDIR, ENAMETOOLONG or EIO.
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_path_lookup(struct hammer2_pfs *pmp, const char *path,
    struct hammer2_inode *ip)
{
	struct hammer2_dirent de;
	const char *p = path, *q;
	int error, n = 0;

	*ip = pmp->pmp_iroot;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return (0);
		if (++n > HAMMER2_PATH_MAXCOMPONENTS)
			return (ENAMETOOLONG);
		q = p;
		while (*q != '\0' && *q != '/')
			q++;
		error = hammer2_dir_lookup(pmp, ip, p, (size_t)(q - p), &de);
		if (error != 0)
			return (error);
		error = hammer2_inode_lookup(pmp, de.de_inum, ip);
		if (error == ENOENT) {
			hammer2_log(pmp->pmp_dev, "hammer2: directory entry 0x%016jx names inode 0x%016jx, which the PFS index lacks",
			    (uintmax_t)de.de_key, (uintmax_t)de.de_inum);
			error = EIO;
		}
		if (error != 0)
			return (error);
		p = q;
	}
}
