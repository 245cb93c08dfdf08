/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_pfs.c - create, delete and snapshot PFSs: PFS root INODE leaves
 * of the super-root, changed through the chain layer and committed.
 *
 * Model (format §9): the super-root's tree holds one INODE leaf per PFS,
 * keyed by dirhash(label) + a collision index chosen by DragonFly's rule
 * (§12.3), bref flag PFSROOT, pointing at the PFS root inode (inum 1,
 * op_flags PFSROOT, filename = label).  Creating a PFS adds such a leaf
 * with an empty blockset; deleting removes the leaf (its blocks are
 * reclaimed by the next bulkfree, which scans every PFS); a snapshot adds
 * a leaf whose inode is a copy of the source root's, blockset included,
 * so both share every block below: O(1) in the size of the PFS.
 *
 * Invariants: the label of every PFS is unique in the super-root; each
 * action commits before it returns (snapshot also commits first, so the
 * source's blockset copied is the committed one); nothing is changed
 * before every check that can fail has passed, except where a commit
 * error leaves the last good commit on the media (hammer2_chain.h).
 *
 * Transaction ids: an action's modify_tid is above the header's
 * mirror_tid and above the modify_tid of the PFS roots it touches, so
 * per-PFS modify_tid counters (format §16) only move forward.
 *
 * Locking: none: the caller serialises use of the dev.
 *
 * More: hammer2_pfs.h, docs/design/hammer2-tools.md, reference
 * hammer2-format.md §9, §12.3.
 */

#include <errno.h>
#include <string.h>

#include "hammer2_chain.h"
#include "hammer2_pfs.h"

/* clang-format off */
#define HAMMER2_PFS_MODE	0755		/* PFS root directory */
/* clang-format on */

bool
hammer2_pfs_label_is_valid(const char *label)
{
	size_t len = strlen(label);

	return (len > 0 && len <= HAMMER2_NAME_MAXBYTES &&
	    strchr(label, '/') == NULL && strchr(label, '@') == NULL);
}

/*
 * hammer2_pfs_tid - the modify_tid for an action touching chain (a PFS
 * root or the super-root): above the last commit and above its own.
 */
hammer2_tid_t
hammer2_pfs_tid(struct hammer2_dev *dev, const struct hammer2_chain *chain)
{
	hammer2_tid_t tid = dev->d_voldata.mirror_tid + 1;

	if (chain != NULL && chain->ch_bref.modify_tid >= tid)
		tid = chain->ch_bref.modify_tid + 1;
	return (tid);
}

/* Commit if anything is waiting to be committed. */
int
hammer2_pfs_commit_pending(struct hammer2_dev *dev)
{
	struct hammer2_rw *rw = dev->d_rw;

	if (rw->rw_dirty_bytes == 0 && (rw->rw_vroot == NULL ||
	    (rw->rw_vroot->ch_flags &
	    (HAMMER2_CHF_MODIFIED | HAMMER2_CHF_UPDATE)) == 0))
		return (0);
	return (hammer2_flush(dev));
}

/*
 * hammer2_pfs_sroot - the super-root chain, referenced.  EROFS if the dev
 * is not mounted read-write (hammer2_rw_mount).
 */
int
hammer2_pfs_sroot(struct hammer2_dev *dev, struct hammer2_chain **srootp)
{
	struct hammer2_chain *vroot;
	int error;

	if (dev->d_rw == NULL)
		return (EROFS);
	vroot = hammer2_chain_vroot(dev);
	if (vroot == NULL)
		return (ENOMEM);
	error = hammer2_chain_lookup(vroot, 0, 0, 0, srootp);
	hammer2_chain_drop(vroot);
	if (error == ENOENT) {
		hammer2_log(dev, "hammer2: volume has no super-root");
		return (EIO);
	}
	if (error == 0 && (*srootp)->ch_bref.type != HAMMER2_BREF_TYPE_INODE) {
		hammer2_chain_drop(*srootp);
		hammer2_log(dev, "hammer2: super-root is not an inode");
		return (EIO);
	}
	return (error);
}

/*
 * hammer2_pfs_view - a read-side view of the PFS whose root chain (with
 * its inode loaded) is chain, as committed: pending changes are
 * committed first, so the root's blockset names committed blocks only.
 * Unlike hammer2_pfs_open() it does not read the other PFS roots, so a
 * damaged neighbour does not matter.  Returns 0, EIO or the commit's
 * error.
 */
int
hammer2_pfs_view(struct hammer2_dev *dev, struct hammer2_chain *chain,
    struct hammer2_pfs *pmp)
{
	struct hammer2_inode *ip = &pmp->pmp_iroot;
	int error;

	error = hammer2_pfs_commit_pending(dev);
	if (error != 0)
		return (error);
	memset(pmp, 0, sizeof(*pmp));
	pmp->pmp_dev = dev;
	ip->ino_bref = chain->ch_bref;
	memcpy(&ip->ino_data, chain->ch_data, sizeof(ip->ino_data));
	ip->ino_pmp = pmp;
	if (ip->ino_data.meta.type != HAMMER2_OBJTYPE_DIRECTORY ||
	    !hammer2_inode_has_blockset(ip)) {
		hammer2_log(dev, "hammer2: PFS root at 0x%016jx is not a directory",
		    (uintmax_t)chain->ch_bref.data_off);
		return (EIO);
	}
	return (0);
}

static bool
hammer2_pfs_chain_is(const struct hammer2_chain *chain, const char *label,
    size_t len)
{
	const struct hammer2_inode_data *ipdata = chain->ch_data;

	return (chain->ch_bref.type == HAMMER2_BREF_TYPE_INODE &&
	    ipdata != NULL && chain->ch_bytes >= sizeof(*ipdata) &&
	    ipdata->meta.name_len == len &&
	    memcmp(ipdata->filename, label, len) == 0);
}

/*
 * hammer2_pfs_find - the PFS root chain labelled label, referenced, with
 * its inode loaded.  Returns 0, ENOENT or an error of the chain layer.
 */
int
hammer2_pfs_find(struct hammer2_chain *sroot, const char *label,
    struct hammer2_chain **chainp)
{
	struct hammer2_chain *chain;
	size_t len = strlen(label);
	hammer2_key_t h = hammer2_dirhash(label, len);
	int error;

	error = hammer2_chain_lookup(sroot, h, h | HAMMER2_DIRHASH_LOMASK, 0,
	    &chain);
	while (error == 0) {
		if (hammer2_pfs_chain_is(chain, label, len)) {
			*chainp = chain;
			return (0);
		}
		error = hammer2_chain_next(sroot, chain,
		    h | HAMMER2_DIRHASH_LOMASK, 0, &chain);
	}
	return (error);
}

/*
 * hammer2_pfs_exists - 0 if the PFS labelled label exists, ENOENT if not,
 * EINVAL for a bad label, or the error reading the super-root.
 *
 * Locking: the caller serialises use of the dev.
 */
int
hammer2_pfs_exists(struct hammer2_dev *dev, const char *label)
{
	struct hammer2_chain *sroot, *chain;
	int error;

	if (!hammer2_pfs_label_is_valid(label))
		return (EINVAL);
	error = hammer2_pfs_sroot(dev, &sroot);
	if (error != 0)
		return (error);
	error = hammer2_pfs_find(sroot, label, &chain);
	if (error == 0)
		hammer2_chain_drop(chain);
	hammer2_chain_drop(sroot);
	return (error);
}

/*
 * The key for a new label (format §12.3): walk the used keys of the hash
 * window from its start; the first gap wins, else the key after the last
 * run plus one.  ENOSPC when that leaves the window.
 */
static int
hammer2_pfs_newkey(struct hammer2_chain *sroot, const char *label,
    hammer2_key_t *keyp)
{
	struct hammer2_chain *chain;
	hammer2_key_t h = hammer2_dirhash(label, strlen(label));
	hammer2_key_t end = h | HAMMER2_DIRHASH_LOMASK, cursor = h;
	int error;

	error = hammer2_chain_lookup(sroot, h, end, HAMMER2_LOOKUP_NODATA,
	    &chain);
	while (error == 0) {
		if (chain->ch_bref.key != cursor) {
			hammer2_chain_drop(chain);
			break;
		}
		cursor++;
		error = hammer2_chain_next(sroot, chain, end,
		    HAMMER2_LOOKUP_NODATA, &chain);
	}
	if (error == ENOENT)
		cursor++;
	else if (error != 0)
		return (error);
	if (cursor > end)
		return (ENOSPC);
	*keyp = cursor;
	return (0);
}

/* Number of PFS roots in the super-root (stops counting at 2). */
static int
hammer2_pfs_count(struct hammer2_chain *sroot, int *countp)
{
	struct hammer2_chain *chain;
	int error, n = 0;

	error = hammer2_chain_lookup(sroot, 0, HAMMER2_KEY_MAX,
	    HAMMER2_LOOKUP_NODATA, &chain);
	while (error == 0) {
		if (chain->ch_bref.type == HAMMER2_BREF_TYPE_INODE && ++n == 2) {
			hammer2_chain_drop(chain);
			break;
		}
		error = hammer2_chain_next(sroot, chain, HAMMER2_KEY_MAX,
		    HAMMER2_LOOKUP_NODATA, &chain);
	}
	if (error != 0 && error != ENOENT)
		return (error);
	*countp = n;
	return (0);
}

/* Label, key and identity of a PFS root inode. */
static void
hammer2_pfs_name(struct hammer2_inode_data *ipdata, const char *label,
    hammer2_key_t key, const struct hammer2_pfs_ids *ids)
{
	ipdata->meta.name_len = (uint16_t)strlen(label);
	memset(ipdata->filename, 0, sizeof(ipdata->filename));
	memcpy(ipdata->filename, label, ipdata->meta.name_len);
	ipdata->meta.name_key = key;
	ipdata->meta.pfs_clid = ids->pi_clid;
	ipdata->meta.pfs_fsid = ids->pi_fsid;
}

static void
hammer2_pfs_init_root(struct hammer2_dev *dev, struct hammer2_inode_data *ip,
    int pfs_type)
{
	uint64_t now = 0;

	if (dev->d_ops->dop_time != NULL)
		now = dev->d_ops->dop_time(dev->d_arg);
	memset(ip, 0, sizeof(*ip));
	ip->meta.version = HAMMER2_INODE_VERSION_ONE;
	ip->meta.ctime = now;
	ip->meta.mtime = now;
	ip->meta.btime = now;
	ip->meta.type = HAMMER2_OBJTYPE_DIRECTORY;
	ip->meta.op_flags = HAMMER2_OPFLAG_PFSROOT;
	ip->meta.mode = HAMMER2_PFS_MODE;
	ip->meta.inum = HAMMER2_PFSROOT_INUM;
	ip->meta.nlinks = 1;
	ip->meta.comp_algo = HAMMER2_COMP_LZ4;
	ip->meta.check_algo = HAMMER2_CHECK_XXHASH64;
	ip->meta.pfs_type = (uint8_t)pfs_type;
	ip->meta.pfs_inum = HAMMER2_TID_NEWFS;
}

/* The bref fields of a new PFS root leaf that the chain layer leaves. */
static void
hammer2_pfs_init_bref(struct hammer2_chain *chain)
{
	chain->ch_bref.flags |= HAMMER2_BREF_FLAG_PFSROOT;
	chain->ch_bref.methods = HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64) |
	    HAMMER2_ENC_COMP(HAMMER2_COMP_NONE);
	chain->ch_bref.copyid = HAMMER2_COPYID_LOCAL;
}

static bool
hammer2_pfs_type_is_valid(int pfs_type)
{
	switch (pfs_type) {
	case HAMMER2_PFSTYPE_MASTER:
	case HAMMER2_PFSTYPE_SLAVE:
	case HAMMER2_PFSTYPE_SOFT_MASTER:
	case HAMMER2_PFSTYPE_SOFT_SLAVE:
	case HAMMER2_PFSTYPE_CACHE:
		return (true);
	default:
		return (false);
	}
}

/*
 * Common start of create and snapshot: the super-root, and a check that
 * label is free; returns the key the new leaf gets.
 */
static int
hammer2_pfs_prepare(struct hammer2_dev *dev, const char *label,
    struct hammer2_chain **srootp, hammer2_key_t *keyp)
{
	struct hammer2_chain *chain;
	int error;

	if (!hammer2_pfs_label_is_valid(label))
		return (EINVAL);
	error = hammer2_pfs_sroot(dev, srootp);
	if (error != 0)
		return (error);
	error = hammer2_pfs_find(*srootp, label, &chain);
	if (error == 0) {
		hammer2_chain_drop(chain);
		error = EEXIST;
	} else if (error == ENOENT) {
		error = hammer2_pfs_newkey(*srootp, label, keyp);
	}
	if (error != 0)
		hammer2_chain_drop(*srootp);
	return (error);
}

/*
 * hammer2_pfs_create - see hammer2_pfs.h.
 *
 * Context: offline tools and (later) the PFS ioctls.  Commits.
 * Locking: the caller serialises use of the dev.
 */
int
hammer2_pfs_create(struct hammer2_dev *dev, const char *label, int pfs_type,
    const struct hammer2_pfs_ids *ids)
{
	struct hammer2_chain *sroot, *chain;
	hammer2_key_t key;
	hammer2_tid_t tid;
	int error;

	if (!hammer2_pfs_type_is_valid(pfs_type))
		return (EINVAL);
	error = hammer2_pfs_prepare(dev, label, &sroot, &key);
	if (error != 0)
		return (error);
	tid = hammer2_pfs_tid(dev, sroot);
	error = hammer2_chain_create(sroot, key, 0, HAMMER2_BREF_TYPE_INODE,
	    HAMMER2_INODE_BYTES, tid, &chain);
	if (error != 0)
		goto out_sroot;
	error = hammer2_chain_modify(chain, tid);
	if (error == 0) {
		hammer2_pfs_init_root(dev, chain->ch_data, pfs_type);
		hammer2_pfs_name(chain->ch_data, label, key, ids);
		hammer2_pfs_init_bref(chain);
	}
	hammer2_chain_drop(chain);
out_sroot:
	hammer2_chain_drop(sroot);
	if (error != 0)
		return (error);
	return (hammer2_flush(dev));
}

/*
 * hammer2_pfs_delete - see hammer2_pfs.h.
 *
 * Context: offline tools.  Commits.
 * Locking: the caller serialises use of the dev.
 */
int
hammer2_pfs_delete(struct hammer2_dev *dev, const char *label)
{
	struct hammer2_chain *sroot, *chain = NULL;
	int error, n;

	if (!hammer2_pfs_label_is_valid(label))
		return (EINVAL);
	error = hammer2_pfs_sroot(dev, &sroot);
	if (error != 0)
		return (error);
	error = hammer2_pfs_count(sroot, &n);
	if (error == 0)
		error = hammer2_pfs_find(sroot, label, &chain);
	if (error == 0) {
		if (n < 2)
			error = EBUSY;
		else
			error = hammer2_chain_delete(chain,
			    hammer2_pfs_tid(dev, sroot));
		hammer2_chain_drop(chain);
	}
	hammer2_chain_drop(sroot);
	if (error != 0)
		return (error);
	return (hammer2_flush(dev));
}

/* Fill a snapshot's inode from the source root's (which is copied). */
static void
hammer2_pfs_snap_init(struct hammer2_chain *snap, struct hammer2_chain *src,
    const char *label, hammer2_key_t key, const struct hammer2_pfs_ids *ids,
    hammer2_tid_t tid)
{
	struct hammer2_inode_data *ipdata = snap->ch_data;

	memcpy(ipdata, src->ch_data, sizeof(*ipdata));
	hammer2_pfs_name(ipdata, label, key, ids);
	ipdata->meta.pfs_type = HAMMER2_PFSTYPE_MASTER;
	ipdata->meta.pfs_subtype = HAMMER2_PFSSUBTYPE_SNAPSHOT;
	ipdata->meta.op_flags |= HAMMER2_OPFLAG_PFSROOT;
	ipdata->meta.pfs_lsnap_tid = tid;
	ipdata->meta.pfs_inum++;	/* format §9.4: source's next + 1 */
	hammer2_pfs_init_bref(snap);
	snap->ch_bref.embed = src->ch_bref.embed;
}

/*
 * hammer2_pfs_snapshot - see hammer2_pfs.h.
 *
 * Context: offline tools.  Commits before (so the source's blockset is
 * the committed one) and after.
 * Locking: the caller serialises use of the dev.
 */
int
hammer2_pfs_snapshot(struct hammer2_dev *dev, const char *src,
    const char *snap, const struct hammer2_pfs_ids *ids)
{
	struct hammer2_chain *sroot, *schain, *nchain = NULL;
	struct hammer2_inode_data *sdata;
	hammer2_key_t key;
	hammer2_tid_t tid;
	int error;

	if (!hammer2_pfs_label_is_valid(src))
		return (EINVAL);
	if (dev->d_rw == NULL)
		return (EROFS);
	error = hammer2_pfs_commit_pending(dev);
	if (error != 0)
		return (error);
	error = hammer2_pfs_prepare(dev, snap, &sroot, &key);
	if (error != 0)
		return (error);
	error = hammer2_pfs_find(sroot, src, &schain);
	if (error != 0)
		goto out_sroot;
	tid = hammer2_pfs_tid(dev, schain);
	if (hammer2_pfs_tid(dev, sroot) > tid)
		tid = hammer2_pfs_tid(dev, sroot);
	sdata = schain->ch_data;
	if (sdata->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) {
		hammer2_log(dev, "hammer2: PFS %s has embedded data", src);
		error = EIO;
		goto out_src;
	}
	error = hammer2_chain_create(sroot, key, 0, HAMMER2_BREF_TYPE_INODE,
	    HAMMER2_INODE_BYTES, tid, &nchain);
	if (error == 0)
		error = hammer2_chain_modify(nchain, tid);
	if (error != 0)
		goto out_src;
	hammer2_pfs_snap_init(nchain, schain, snap, key, ids, tid);
	/* The copy-on-write fence of the source (format §9.4, §17.3). */
	error = hammer2_chain_modify(schain, tid);
	if (error == 0)
		((struct hammer2_inode_data *)schain->ch_data)->meta.pfs_lsnap_tid =
		    tid;
	hammer2_chain_drop(nchain);
out_src:
	hammer2_chain_drop(schain);
out_sroot:
	hammer2_chain_drop(sroot);
	if (error != 0)
		return (error);
	return (hammer2_flush(dev));
}
