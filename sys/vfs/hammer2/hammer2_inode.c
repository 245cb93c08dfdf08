/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_inode.c - load inodes: the super-root, PFS roots by label, and
 * any inode of a PFS by number through the PFS root's inode index.
 *
 * Model: an inode is a 1 KiB block named by an INODE bref.  The header's
 * sroot_blockset[0] names the super-root, whose tree holds one INODE bref
 * per PFS keyed by the directory hash of its label (format §9).  A PFS
 * root's tree holds every inode of the PFS keyed by inode number (keys
 * below 2^63) next to the root directory's entries (§10.1).  A struct
 * hammer2_inode keeps the verified 1 KiB copy and the bref it came from.
 *
 * Invariants: hammer2_inode_load() only returns inodes whose name length,
 * type and embedded size are sane; hammer2_inode_lookup() also checks the
 * loaded inode carries the number that was looked up.
 *
 * Locking: none; the caller serialises use of the dev.
 *
 * More: docs/design/hammer2.md, reference hammer2-format.md §8-§10.
 */

#include <errno.h>
#include <string.h>

#include "hammer2.h"

static int
hammer2_inode_fail(struct hammer2_dev *dev, const struct hammer2_blockref *bref,
    const char *why)
{
	hammer2_log(dev, "hammer2: inode at 0x%016jx (key 0x%016jx): %s",
	    (uintmax_t)bref->data_off, (uintmax_t)bref->key, why);
	return (EIO);
}

static int
hammer2_inode_validate(struct hammer2_dev *dev,
    const struct hammer2_blockref *bref, const struct hammer2_inode_meta *m)
{
	if (m->name_len > HAMMER2_INODE_MAXNAME)
		return (hammer2_inode_fail(dev, bref, "name_len too large"));
	if (m->type > HAMMER2_OBJTYPE_WHITEOUT || m->type == 3)
		return (hammer2_inode_fail(dev, bref, "unknown object type"));
	if ((m->op_flags & HAMMER2_OPFLAG_DIRECTDATA) &&
	    (m->type == HAMMER2_OBJTYPE_DIRECTORY ||
		m->size > HAMMER2_EMBEDDED_BYTES))
		return (hammer2_inode_fail(dev, bref,
		    "embedded data flag with impossible size or type"));
	if (m->type == HAMMER2_OBJTYPE_SOFTLINK &&
	    m->size > HAMMER2_SYMLINK_MAXBYTES)
		return (hammer2_inode_fail(dev, bref, "absurd symlink size"));
	return (0);
}

/*
 * hammer2_inode_load - read and verify the inode bref names into ip.
 * Returns 0 or EIO (ENOMEM on allocation failure).
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_inode_load(struct hammer2_dev *dev, const struct hammer2_blockref *bref,
    struct hammer2_inode *ip)
{
	const void *data;
	size_t len;
	int error;

	if (bref->type != HAMMER2_BREF_TYPE_INODE)
		return (hammer2_inode_fail(dev, bref, "bref is not an inode"));
	error = hammer2_bref_read(dev, bref, &data, &len);
	if (error != 0)
		return (error);
	memcpy(&ip->ino_data, data, sizeof(ip->ino_data));
	hammer2_bref_release(dev, data, len);
	ip->ino_bref = *bref;
	ip->ino_pmp = NULL;
	return (hammer2_inode_validate(dev, bref, &ip->ino_data.meta));
}

bool
hammer2_inode_has_blockset(const struct hammer2_inode *ip)
{
	return ((ip->ino_data.meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) == 0);
}

/* hammer2_sroot_load - load the super-root inode.  Returns 0 or EIO. */
int
hammer2_sroot_load(struct hammer2_dev *dev, struct hammer2_inode *ip)
{
	const struct hammer2_blockref *bref =
	    &dev->d_voldata.sroot_blockset.blockref[0];
	int error;

	error = hammer2_inode_load(dev, bref, ip);
	if (error != 0)
		return (error);
	if (ip->ino_data.meta.type != HAMMER2_OBJTYPE_DIRECTORY ||
	    !hammer2_inode_has_blockset(ip))
		return (hammer2_inode_fail(dev, bref,
		    "super-root is not a directory"));
	return (0);
}

struct hammer2_pfs_scan_arg {
	struct hammer2_dev *ps_dev;
	int		(*ps_fn)(void *, const struct hammer2_inode *);
	void		*ps_arg;
	struct hammer2_inode ps_ip;	/* each PFS root in turn */
	struct hammer2_inode ps_sroot;	/* whose blockset is scanned */
	int		ps_error;	/* first unreadable PFS root */
};

static int
hammer2_pfs_scan_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct hammer2_pfs_scan_arg *ps = arg;

	if (error == 0 && bref->type != HAMMER2_BREF_TYPE_INODE)
		return (0);
	if (error == 0)
		error = hammer2_inode_load(ps->ps_dev, bref, &ps->ps_ip);
	if (error != 0) {		/* logged; the other roots go on */
		if (ps->ps_error == 0)
			ps->ps_error = error;
		return (0);
	}
	return (ps->ps_fn(ps->ps_arg, &ps->ps_ip));
}

/*
 * hammer2_pfs_scan - call fn for every PFS root inode in the super-root,
 * in key order.  fn returns 0, HAMMER2_SCAN_STOP or an errno.  A PFS root
 * (or indirect block of the super-root) that cannot be read is skipped
 * so that one damaged PFS does not hide the others; the scan then
 * returns its error (EIO) after visiting everything else.
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_pfs_scan(struct hammer2_dev *dev,
    int (*fn)(void *arg, const struct hammer2_inode *ip), void *arg)
{
	struct hammer2_pfs_scan_arg *ps;
	int error;

	ps = hammer2_alloc(dev, sizeof(*ps));
	if (ps == NULL)
		return (ENOMEM);
	ps->ps_dev = dev;
	ps->ps_fn = fn;
	ps->ps_arg = arg;
	ps->ps_error = 0;
	error = hammer2_sroot_load(dev, &ps->ps_sroot);
	if (error == 0)
		error = hammer2_tree_scan(dev,
		    ps->ps_sroot.ino_data.u.blockset.blockref, HAMMER2_SET_COUNT,
		    0, HAMMER2_KEY_MAX, HAMMER2_SCAN_CONTINUE,
		    hammer2_pfs_scan_cb, ps);
	if (error == 0)
		error = ps->ps_error;
	hammer2_free(dev, ps, sizeof(*ps));
	return (error);
}

struct hammer2_pfs_open_arg {
	const char	*po_label;
	size_t		 po_len;
	struct hammer2_pfs *po_pmp;
	bool		 po_found;
};

static int
hammer2_pfs_open_cb(void *arg, const struct hammer2_inode *ip)
{
	struct hammer2_pfs_open_arg *po = arg;
	const struct hammer2_inode_meta *m = &ip->ino_data.meta;

	if (m->name_len != po->po_len ||
	    memcmp(ip->ino_data.filename, po->po_label, po->po_len) != 0)
		return (0);
	po->po_pmp->pmp_iroot = *ip;
	po->po_found = true;
	return (HAMMER2_SCAN_STOP);
}

/*
 * hammer2_pfs_open - find the PFS labelled label and set up pmp.
 * Returns 0, ENOENT, ENOTDIR (not a directory-like PFS root) or EIO.
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_pfs_open(struct hammer2_dev *dev, const char *label,
    struct hammer2_pfs *pmp)
{
	struct hammer2_pfs_open_arg po;
	struct hammer2_inode *ip = &pmp->pmp_iroot;
	int error;

	memset(pmp, 0, sizeof(*pmp));
	pmp->pmp_dev = dev;
	po.po_label = label;
	po.po_len = strlen(label);
	po.po_pmp = pmp;
	po.po_found = false;
	if (po.po_len == 0 || po.po_len > HAMMER2_INODE_MAXNAME)
		return (ENOENT);
	error = hammer2_pfs_scan(dev, hammer2_pfs_open_cb, &po);
	if (!po.po_found)	/* a damaged other PFS does not matter */
		return (error != 0 ? error : ENOENT);
	if (ip->ino_data.meta.type != HAMMER2_OBJTYPE_DIRECTORY ||
	    !hammer2_inode_has_blockset(ip)) {
		hammer2_inode_fail(dev, &ip->ino_bref,
		    "PFS root is not a directory");
		return (EIO);
	}
	ip->ino_pmp = pmp;
	return (0);
}

/*
 * hammer2_inode_lookup - load inode inum of the PFS.  Inum 1 is the PFS
 * root itself; others come from the inode index.  Returns 0, ENOENT or EIO.
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_inode_lookup(struct hammer2_pfs *pmp, hammer2_tid_t inum,
    struct hammer2_inode *ip)
{
	struct hammer2_dev *dev = pmp->pmp_dev;
	struct hammer2_blockref bref;
	int error;

	if (inum == HAMMER2_PFSROOT_INUM) {
		*ip = pmp->pmp_iroot;
		return (0);
	}
	if (inum >= HAMMER2_DIRHASH_VISIBLE)
		return (ENOENT);
	error = hammer2_tree_lookup(dev,
	    pmp->pmp_iroot.ino_data.u.blockset.blockref, HAMMER2_SET_COUNT,
	    inum, &bref);
	if (error != 0)
		return (error);
	error = hammer2_inode_load(dev, &bref, ip);
	if (error != 0)
		return (error);
	if (ip->ino_data.meta.inum != inum)
		return (hammer2_inode_fail(dev, &bref,
		    "inode index entry holds a different inode number"));
	ip->ino_pmp = pmp;
	return (0);
}
