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
 *
 * More: h2_corrupt.c, h2_fuzz.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "h2_readall.h"

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
