/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * cmd_show.c - "hammer2 show" and "hammer2 freemap": dump the topology or
 * the freemap tree of an image, one blockref at a time, in the layout of
 * DragonFly's show command (type.index, data_off, key/keybits, tids,
 * methods and check value, then an inode's fields and its children).
 *
 * Model: a recursive walk over blockref arrays.  Unlike the core's key
 * ordered scan it shows every slot as stored, so broken arrays can be
 * inspected; each block is still read through hammer2_bref_read(), so a
 * failing check code is printed instead of garbage.  Depth is bounded.
 * DATA brefs show their methods and check code only with hammer2 -v.
 *
 * More: hammer2(8).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hammer2_cmd.h"

#define SHOW_MAX_DEPTH	32

static void show_bref(struct hammer2_dev *dev, int tab, int idx,
    const struct hammer2_blockref *bref, int depth);

static void
show_check(const struct hammer2_blockref *bref)
{
	int i;

	switch (HAMMER2_DEC_CHECK(bref->methods)) {
	case HAMMER2_CHECK_ISCSI32:
		printf("crc=%08x", bref->check.iscsi32);
		break;
	case HAMMER2_CHECK_XXHASH64:
		printf("xxh=%016jx", (uintmax_t)bref->check.xxhash64);
		break;
	case HAMMER2_CHECK_SHA192:
		printf("sha=");
		for (i = 0; i < (int)sizeof(bref->check.sha192); i++)
			printf("%02x", bref->check.sha192[i]);
		break;
	case HAMMER2_CHECK_FREEMAP:
		printf("crc=%08x bigmask=%08x avail=%ju",
		    bref->check.freemap.icrc32, bref->check.freemap.bigmask,
		    (uintmax_t)bref->check.freemap.avail);
		break;
	default:
		break;
	}
}

static void
show_array(struct hammer2_dev *dev, int tab,
    const struct hammer2_blockref *base, int count, int depth)
{
	int i;

	for (i = 0; i < count; i++)
		if (base[i].type != HAMMER2_BREF_TYPE_EMPTY)
			show_bref(dev, tab, i, &base[i], depth + 1);
}

static void
show_leaf(const struct hammer2_bmap_data *bm, int tab, uint64_t key)
{
	int i, j;

	for (i = 0; i < HAMMER2_FREEMAP_COUNT; i++) {
		if (bm[i].class == 0 && bm[i].avail == HAMMER2_SEGSIZE)
			continue;
		printf("%*s%016jx %04d.%04x linear=%06x avail=%06x [", tab, "",
		    (uintmax_t)(key + (uint64_t)i * HAMMER2_SEGSIZE), i,
		    bm[i].class, bm[i].linear, bm[i].avail);
		for (j = 0; j < HAMMER2_BMAP_ELEMENTS; j++)
			printf(" %016jx", (uintmax_t)bm[i].bitmapq[j]);
		printf(" ]\n");
	}
}

/* A directory entry's fields; name is the check area or the name block. */
static void
show_dirent(const struct hammer2_blockref *bref, const void *name,
    size_t namecap, int tab)
{
	size_t namlen = bref->embed.dirent.namlen;

	printf("%*sfilename \"%.*s\"\n", tab + 2, "",
	    (int)(namlen < namecap ? namlen : namecap), (const char *)name);
	printf("%*sinum 0x%016jx\n", tab + 2, "",
	    (uintmax_t)bref->embed.dirent.inum);
	printf("%*snlen %zu\n", tab + 2, "", namlen);
	printf("%*stype %s\n", tab + 2, "",
	    hammer2_objtype_name(bref->embed.dirent.type));
}

static void
show_body(struct hammer2_dev *dev, int tab, const struct hammer2_blockref *bref,
    const void *data, size_t len, int depth)
{
	const struct hammer2_inode_data *ipdata = data;

	switch (bref->type) {
	case HAMMER2_BREF_TYPE_INODE:
		h2cmd_print_inode(ipdata, tab + 4);
		if ((ipdata->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) == 0)
			show_array(dev, tab + 4, ipdata->u.blockset.blockref,
			    HAMMER2_SET_COUNT, depth);
		break;
	case HAMMER2_BREF_TYPE_INDIRECT:
	case HAMMER2_BREF_TYPE_FREEMAP_NODE:
		show_array(dev, tab + 4, data,
		    (int)(len / HAMMER2_BLOCKREF_BYTES), depth);
		break;
	case HAMMER2_BREF_TYPE_FREEMAP_LEAF:
		show_leaf(data, tab + 4, bref->key);
		break;
	case HAMMER2_BREF_TYPE_DIRENT:
		show_dirent(bref, data, len, tab);
		break;
	default:
		break;
	}
}

static void
show_bref(struct hammer2_dev *dev, int tab, int idx,
    const struct hammer2_blockref *bref, int depth)
{
	const void *data = NULL;
	size_t len = 0;
	int error;

	printf("%*s%s.%-3d %016jx %016jx/%-2d\n", tab, "",
	    hammer2_bref_type_name(bref->type), idx, (uintmax_t)bref->data_off,
	    (uintmax_t)bref->key, bref->keybits);
	printf("%*s vol=0 mir=%016jx mod=%016jx lfcnt=%d%s\n", tab, "",
	    (uintmax_t)bref->mirror_tid, (uintmax_t)bref->modify_tid,
	    bref->leaf_count, bref->type == HAMMER2_BREF_TYPE_DIRENT &&
	    hammer2_bref_bytes(bref) == 0 ? " {" : "");
	if (bref->type == HAMMER2_BREF_TYPE_DIRENT &&
	    hammer2_bref_bytes(bref) == 0) {
		show_dirent(bref, bref->check.buf, sizeof(bref->check.buf),
		    tab);
		printf("%*s} (dirent.%d)\n", tab, "", idx);
		return;
	}
	if (bref->type == HAMMER2_BREF_TYPE_DATA && !h2cmd_verbose)
		return;
	printf("%*s meth=%s|%s ", tab, "",
	    hammer2_check_name(HAMMER2_DEC_CHECK(bref->methods)),
	    hammer2_comp_name(HAMMER2_DEC_COMP(bref->methods)));
	show_check(bref);
	if (bref->type == HAMMER2_BREF_TYPE_DATA) {
		printf("\n");	/* -v: methods of data blocks, not their bytes */
		return;
	}
	if (depth > SHOW_MAX_DEPTH) {
		printf(" (too deep)\n");
		return;
	}
	error = hammer2_bref_read(dev, bref, &data, &len);
	if (error != 0) {
		printf(" (READ/CHECK FAILED)\n");
		return;
	}
	printf(" {\n");
	show_body(dev, tab, bref, data, len, depth);
	if (bref->type == HAMMER2_BREF_TYPE_INODE)
		printf("%*s} (%s.%d, \"%.*s\")\n", tab, "",
		    hammer2_bref_type_name(bref->type), idx,
		    ((const struct hammer2_inode_data *)data)->meta.name_len <=
			HAMMER2_INODE_MAXNAME ?
		    (int)((const struct hammer2_inode_data *)data)->meta.name_len :
		    0, (const char *)((const struct hammer2_inode_data *)data)->filename);
	else
		printf("%*s} (%s.%d)\n", tab, "",
		    hammer2_bref_type_name(bref->type), idx);
	hammer2_bref_release(dev, data, len);
}

/* cmd_show - dump the topology (freemap == 0) or the freemap tree. */
int
cmd_show(const char *path, int freemap)
{
	const struct hammer2_volume_data *vd;
	struct hammer2_dev *dev;

	if (h2cmd_open(path, &dev) != 0)
		return (1);
	vd = &dev->d_voldata;
	printf("Volume header %d: mirror_tid=%016jx freemap_tid=%016jx\n",
	    dev->d_volhdr_index, (uintmax_t)vd->mirror_tid,
	    (uintmax_t)vd->freemap_tid);
	printf("volume.%-7d %016jx 0000000000000000/0 {\n",
	    dev->d_volhdr_index,
	    (uintmax_t)((uint64_t)dev->d_volhdr_index * HAMMER2_ZONE_BYTES64 |
	    HAMMER2_RADIX_MAX));
	show_array(dev, 2, freemap ? vd->freemap_blockset.blockref :
	    vd->sroot_blockset.blockref, HAMMER2_SET_COUNT, 0);
	printf("} (volume.%d)\n", dev->d_volhdr_index);
	h2_host_close(dev);
	return (0);
}
