/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_readall.c - read a whole in-memory HAMMER2 image through the core.
 *
 * Model: a memory device (reads past the buffer are EIO) behind the
 * core's devops; h2ra_read_everything() mounts it, lists the PFSs and,
 * in each, walks the directory tree reading every file and symlink, and
 * counts every failure.  h2ra_blocks() lists the distinct blocks
 * reachable from the header (inodes are descended into).
 * h2ra_write_everything() puts an overlay in front of the image (writes
 * go to private copies, reads see them) and drives the read-write side.
 *
 * More: h2_corrupt.c, h2_fuzz.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "h2_readall.h"
#include "hammer2_vnops.h"

#define RA_MAX_PFS	16
#define RA_MAX_DEPTH	64
#define RA_MAX_BLOCKS	65536

struct memdev {
	uint8_t		*md_buf;
	size_t		 md_size;
};

static int
mem_read(void *arg, void *buf, size_t len, uint64_t off)
{
	struct memdev *md = arg;

	if (off > md->md_size || len > md->md_size - off)
		return (EIO);
	memcpy(buf, md->md_buf + off, len);
	return (0);
}

static void *
mem_alloc(void *arg, size_t len)
{
	(void)arg;
	return (malloc(len));
}

static void
mem_free(void *arg, void *p, size_t len)
{
	(void)arg;
	(void)len;
	free(p);
}

static const struct hammer2_devops mem_ops = {
	.dop_read = mem_read,
	.dop_alloc = mem_alloc,
	.dop_free = mem_free,
};

static int
open_mem(struct hammer2_dev *dev, struct memdev *md, uint8_t *img,
    size_t size, int flags)
{
	memset(dev, 0, sizeof(*dev));
	md->md_buf = img;
	md->md_size = size;
	dev->d_ops = &mem_ops;
	dev->d_arg = md;
	dev->d_devsize = size;
	dev->d_nocheck = (flags & H2RA_NOCHECK) != 0;
	return (hammer2_dev_mount(dev));
}

struct ent_list {
	struct hammer2_dirent	*el_de;
	size_t			 el_n, el_cap;
};

static int
collect_cb(void *arg, const struct hammer2_dirent *de)
{
	struct ent_list *el = arg;

	if (el->el_n == el->el_cap) {
		el->el_cap = el->el_cap ? el->el_cap * 2 : 64;
		el->el_de = realloc(el->el_de, el->el_cap * sizeof(*de));
		if (el->el_de == NULL)
			abort();
	}
	el->el_de[el->el_n++] = *de;
	return (0);
}

static int
read_file(struct hammer2_pfs *pmp, const struct hammer2_inode *ip)
{
	static uint8_t buf[HAMMER2_LBUFSIZE];
	char target[HAMMER2_SYMLINK_MAXBYTES + 1];
	uint64_t off, size = ip->ino_data.meta.size;
	size_t done, n;
	int error;

	if (ip->ino_data.meta.type == HAMMER2_OBJTYPE_SOFTLINK)
		return (hammer2_readlink(pmp, ip, target, sizeof(target), &n));
	/* A corrupt size may be huge: read the first and the last block. */
	for (off = 0; off < size; off += sizeof(buf)) {
		error = hammer2_file_read(pmp, ip, off, buf, sizeof(buf), &done);
		if (error != 0)
			return (error);
		if (off > (64ULL << 20) && off < size - sizeof(buf))
			off = size - sizeof(buf) - sizeof(buf);
	}
	return (0);
}

static int
walk(struct hammer2_pfs *pmp, const struct hammer2_inode *dir, int depth,
    uint64_t *nobjp)
{
	struct ent_list el = { NULL, 0, 0 };
	struct hammer2_inode *ip;
	int errs = 0;
	size_t i;

	if (hammer2_dir_scan(pmp, dir, 0, collect_cb, &el) != 0)
		errs++;
	ip = malloc(sizeof(*ip));
	for (i = 0; i < el.el_n; i++) {
		if (hammer2_inode_lookup(pmp, el.el_de[i].de_inum, ip) != 0) {
			errs++;
			continue;
		}
		(*nobjp)++;
		if (ip->ino_data.meta.type == HAMMER2_OBJTYPE_DIRECTORY) {
			if (depth < RA_MAX_DEPTH)
				errs += walk(pmp, ip, depth + 1, nobjp);
		} else if (read_file(pmp, ip) != 0) {
			errs++;
		}
	}
	free(ip);
	free(el.el_de);
	return (errs);
}

struct pfs_names {
	char	pn_name[RA_MAX_PFS][HAMMER2_INODE_MAXNAME + 1];
	int	pn_n;
};

static int
pfs_name_cb(void *arg, const struct hammer2_inode *ip)
{
	struct pfs_names *pn = arg;
	size_t len = ip->ino_data.meta.name_len;

	if (pn->pn_n < RA_MAX_PFS && len <= HAMMER2_INODE_MAXNAME) {
		memcpy(pn->pn_name[pn->pn_n], ip->ino_data.filename, len);
		pn->pn_name[pn->pn_n][len] = '\0';
		pn->pn_n++;
	}
	return (0);
}

int
h2ra_read_everything(uint8_t *img, size_t size, int flags, uint64_t *nobjectsp)
{
	struct hammer2_dev *dev;
	struct hammer2_pfs *pmp;
	struct pfs_names *pn;
	struct memdev md;
	uint64_t nobj = 0;
	int errs = 0, i;

	dev = malloc(sizeof(*dev));
	pn = malloc(sizeof(*pn));
	pmp = malloc(sizeof(*pmp));
	if (open_mem(dev, &md, img, size, flags) != 0) {
		errs = 1;
		goto out;
	}
	pn->pn_n = 0;
	if (hammer2_pfs_scan(dev, pfs_name_cb, pn) != 0)
		errs++;
	for (i = 0; i < pn->pn_n; i++) {
		if (hammer2_pfs_open(dev, pn->pn_name[i], pmp) != 0) {
			errs++;
			continue;
		}
		errs += walk(pmp, &pmp->pmp_iroot, 0, &nobj);
	}
out:
	hammer2_dev_unmount(dev);
	free(pmp);
	free(pn);
	free(dev);
	if (nobjectsp != NULL)
		*nobjectsp = nobj;
	return (errs);
}

struct blocks_arg {
	struct hammer2_dev	*ba_dev;
	uint64_t		*ba_seen;
	size_t			 ba_n;
	int			(*ba_fn)(void *, const struct hammer2_blockref *);
	void			*ba_arg;
};

static int blocks_cb(void *arg, const struct hammer2_blockref *bref,
    int error);

static int
blocks_array(struct blocks_arg *ba, const struct hammer2_blockref *base,
    int count)
{
	return (hammer2_tree_scan(ba->ba_dev, base, count, 0, HAMMER2_KEY_MAX,
	    HAMMER2_SCAN_INDIRECT, blocks_cb, ba));
}

static int
blocks_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct blocks_arg *ba = arg;
	struct hammer2_inode *ip;
	size_t i;

	(void)error;
	if (hammer2_bref_bytes(bref) == 0)
		return (0);
	for (i = 0; i < ba->ba_n; i++)
		if (ba->ba_seen[i] == bref->data_off)
			return (bref->type == HAMMER2_BREF_TYPE_INDIRECT ?
			    HAMMER2_SCAN_SKIP : 0);
	if (ba->ba_n == RA_MAX_BLOCKS)
		return (HAMMER2_SCAN_STOP);
	ba->ba_seen[ba->ba_n++] = bref->data_off;
	error = ba->ba_fn(ba->ba_arg, bref);
	if (error != 0 || bref->type != HAMMER2_BREF_TYPE_INODE)
		return (error);
	ip = malloc(sizeof(*ip));
	error = hammer2_inode_load(ba->ba_dev, bref, ip);
	if (error == 0 && hammer2_inode_has_blockset(ip))
		error = blocks_array(ba, ip->ino_data.u.blockset.blockref,
		    HAMMER2_SET_COUNT);
	free(ip);
	return (error);
}

int
h2ra_blocks(uint8_t *img, size_t size,
    int (*fn)(void *arg, const struct hammer2_blockref *bref), void *arg)
{
	struct hammer2_dev *dev;
	struct blocks_arg ba;
	struct memdev md;
	int error;

	dev = malloc(sizeof(*dev));
	ba.ba_dev = dev;
	ba.ba_seen = malloc(RA_MAX_BLOCKS * sizeof(uint64_t));
	ba.ba_n = 0;
	ba.ba_fn = fn;
	ba.ba_arg = arg;
	error = open_mem(dev, &md, img, size, 0);
	if (error == 0)
		error = blocks_array(&ba, dev->d_voldata.sroot_blockset.blockref,
		    HAMMER2_SET_COUNT);
	hammer2_dev_unmount(dev);
	free(ba.ba_seen);
	free(dev);
	return (error);
}

/*
 * Read-write phase: the image behind an overlay (writes land in private
 * copies, the image itself is never modified), mounted read-write through
 * the vnops layer, changed, committed, and read back.  Errors are
 * expected on damaged images; crashes, sanitizer reports and hangs are
 * the failures.
 */
#define RW_MAX_WRITES	4096

struct overlay_write {
	uint64_t	 ow_off;
	size_t		 ow_len;
	uint8_t		*ow_data;
};

struct overlay {
	struct memdev		 ov_base;
	struct overlay_write	*ov_w;
	size_t			 ov_n;
};

static int
ov_read(void *arg, void *buf, size_t len, uint64_t off)
{
	struct overlay *ov = arg;
	struct overlay_write *w;
	uint64_t beg, end;
	size_t i;
	int error;

	error = mem_read(&ov->ov_base, buf, len, off);
	if (error != 0)
		return (error);
	for (i = 0; i < ov->ov_n; i++) {	/* oldest first: newest wins */
		w = &ov->ov_w[i];
		beg = w->ow_off > off ? w->ow_off : off;
		end = w->ow_off + w->ow_len < off + len ?
		    w->ow_off + w->ow_len : off + len;
		if (beg < end)
			memcpy((uint8_t *)buf + (beg - off),
			    w->ow_data + (beg - w->ow_off), end - beg);
	}
	return (0);
}

static int
ov_write(void *arg, const void *buf, size_t len, uint64_t off)
{
	struct overlay *ov = arg;
	struct overlay_write *w;

	if (off > ov->ov_base.md_size || len > ov->ov_base.md_size - off)
		return (EIO);
	if (ov->ov_n == RW_MAX_WRITES)
		return (ENOSPC);
	w = &ov->ov_w[ov->ov_n];
	w->ow_data = malloc(len);
	if (w->ow_data == NULL)
		return (ENOMEM);
	memcpy(w->ow_data, buf, len);
	w->ow_off = off;
	w->ow_len = len;
	ov->ov_n++;
	return (0);
}

static int
ov_sync(void *arg)
{
	(void)arg;
	return (0);
}

static uint64_t
ov_time(void *arg)
{
	(void)arg;
	return (1700000000ULL * 1000000);
}

static const struct hammer2_devops ov_ops = {
	.dop_read = ov_read,
	.dop_alloc = mem_alloc,
	.dop_free = mem_free,
	.dop_write = ov_write,
	.dop_sync = ov_sync,
	.dop_time = ov_time,
};

static int
ov_open(struct hammer2_dev *dev, struct overlay *ov, int flags)
{
	memset(dev, 0, sizeof(*dev));
	dev->d_ops = &ov_ops;
	dev->d_arg = ov;
	dev->d_rdwr = 1;
	dev->d_devsize = ov->ov_base.md_size;
	dev->d_nocheck = (flags & H2RA_NOCHECK) != 0;
	dev->d_quiet = 1;
	return (hammer2_dev_mount(dev));
}

struct rw_victim {
	char		rv_name[HAMMER2_NAME_MAXBYTES + 1];
	size_t		rv_len;
	int		rv_n;
};

static int
rw_victim_cb(void *arg, const char *name, size_t namlen, hammer2_tid_t inum,
    uint8_t type, uint64_t next)
{
	struct rw_victim *rv = arg;

	(void)inum;
	(void)type;
	(void)next;
	if (namlen == 0 || namlen > HAMMER2_NAME_MAXBYTES ||
	    (name[0] == '.' && (namlen == 1 || (namlen == 2 && name[1] == '.'))))
		return (0);
	memcpy(rv->rv_name, name, namlen);
	rv->rv_len = namlen;
	return (++rv->rv_n >= 3);	/* the third entry, or the last one */
}

/* One batch of changes through the vnops layer; errors are tolerated. */
static void
rw_change(struct hammer2_mount *mp)
{
	static uint8_t buf[3 * HAMMER2_LBUFSIZE];
	struct hammer2_vattr va, out;
	struct rw_victim rv;
	hammer2_tid_t root = hammer2_vfs_root(mp);
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 / 5);
	memset(&va, 0, sizeof(va));
	va.va_type = HAMMER2_OBJTYPE_REGFILE;
	va.va_mode = 0644;
	if (hammer2_vop_create(mp, root, "fz.new", 6, &va, NULL, 0, &out) == 0) {
		(void)hammer2_vop_write(mp, out.va_inum, 1000, buf, sizeof(buf));
		(void)hammer2_vop_write(mp, out.va_inum, 5ULL << 20, buf, 100);
	}
	va.va_type = HAMMER2_OBJTYPE_DIRECTORY;
	va.va_mode = 0755;
	(void)hammer2_vop_create(mp, root, "fz.dir", 6, &va, NULL, 0, &out);
	memset(&rv, 0, sizeof(rv));
	(void)hammer2_vop_readdir(mp, root, 0, rw_victim_cb, &rv);
	if (rv.rv_len == 0)
		return;
	if (hammer2_vop_lookup(mp, root, rv.rv_name, rv.rv_len, &out) != 0)
		return;
	if (out.va_type == HAMMER2_OBJTYPE_REGFILE) {
		va.va_size = out.va_size / 3;
		(void)hammer2_vop_setattr(mp, out.va_inum, &va,
		    HAMMER2_VA_SIZE, &out);
		(void)hammer2_vop_write(mp, out.va_inum, 10, buf, 5000);
	}
	(void)hammer2_vop_rename(mp, root, rv.rv_name, rv.rv_len, root,
	    "fz.renamed", 10, 0);
	(void)hammer2_vop_remove(mp, root, "fz.renamed", 10,
	    out.va_type == HAMMER2_OBJTYPE_DIRECTORY);
}

int
h2ra_write_everything(uint8_t *img, size_t size, int flags)
{
	struct hammer2_vattr va, out;
	struct hammer2_mount *mp;
	struct hammer2_dev *dev;
	struct overlay ov;
	int errs = 0;
	size_t i;

	dev = malloc(sizeof(*dev));
	memset(&ov, 0, sizeof(ov));
	ov.ov_base.md_buf = img;
	ov.ov_base.md_size = size;
	ov.ov_w = calloc(RW_MAX_WRITES, sizeof(*ov.ov_w));
	if (dev == NULL || ov.ov_w == NULL)
		abort();
	/* Change, commit, change again, unmount (commits), remount, read. */
	if (ov_open(dev, &ov, flags) == 0 &&
	    hammer2_vfs_mount(dev, "DATA", 0, &mp) == 0) {
		rw_change(mp);
		if (hammer2_vfs_sync(mp) != 0)
			errs++;
		rw_change(mp);
		if (hammer2_vfs_unmount(mp) != 0 || ov.ov_n == 0)
			errs++;		/* a commit that wrote nothing */
	} else {
		errs++;
	}
	hammer2_dev_unmount(dev);
	if (ov_open(dev, &ov, flags) == 0 &&
	    hammer2_vfs_mount(dev, "DATA", HAMMER2_MNT_RDONLY, &mp) == 0) {
		memset(&va, 0, sizeof(va));
		va.va_type = HAMMER2_OBJTYPE_REGFILE;
		if (hammer2_vop_create(mp, hammer2_vfs_root(mp), "fz.ro", 5,
		    &va, NULL, 0, &out) != EROFS)
			errs++;
		(void)hammer2_vfs_unmount(mp);
	} else {
		errs++;
	}
	hammer2_dev_unmount(dev);
	for (i = 0; i < ov.ov_n; i++)
		free(ov.ov_w[i].ow_data);
	free(ov.ov_w);
	free(dev);
	return (errs);
}
