/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_dir_bench.c - creates and lookups in one huge HAMMER2 directory
 * through the vnops layer (hammer2_vnops.h), and the depth of the
 * indirect trees they build.
 *
 * Model: h2_dir_bench IMAGE N [REPS] creates N empty files in a new
 * directory of PFS "DATA" on IMAGE (made fresh by the caller), commits,
 * then looks every name up REPS times (default 3) and prints creates/s,
 * the median lookups/s and, from a read-only walk of the committed
 * image, the deepest chain of INDIRECT blocks below the directory
 * (dirents) and below the PFS root (inode index), and how many
 * INDIRECT blocks the directory has and how full their arrays are.
 *
 * Invariants: any failing call aborts with its errno (exit 1); nothing
 * is asserted about speed.
 *
 * More: docs/performance/hammer2-ops.md, mk/h2-chain.mk.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hammer2.h"
#include "hammer2_vnops.h"
#include "libhammer2.h"

#define DB_MAXREPS	9

static double
db_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
db_die(const char *what, int error)
{
	fprintf(stderr, "h2_dir_bench: %s: %s\n", what, strerror(error));
	exit(1);
}

static int
db_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

struct db_depth {
	hammer2_tid_t	dd_dir;		/* inum of the bench directory */
	int		dd_dir_depth;
	int		dd_index_depth;
	uint64_t	dd_dir_blocks;	/* INDIRECT blocks below it */
	uint64_t	dd_dir_slots;	/* their slots */
	uint64_t	dd_dir_live;	/* their live slots */
};

/* Deepest run of INDIRECT blocks below bref (levels: indirects seen). */
static int
db_walk(struct hammer2_dev *dev, struct db_depth *dd,
    const struct hammer2_blockref *bref, int levels, hammer2_tid_t owner)
{
	const struct hammer2_inode_data *ip;
	const struct hammer2_blockref *base;
	const void *data;
	size_t len, i, count;
	int error;

	if (bref->type != HAMMER2_BREF_TYPE_INODE &&
	    bref->type != HAMMER2_BREF_TYPE_INDIRECT) {
		if (owner == dd->dd_dir && levels > dd->dd_dir_depth)
			dd->dd_dir_depth = levels;
		if (owner == HAMMER2_PFSROOT_INUM &&
		    levels > dd->dd_index_depth)
			dd->dd_index_depth = levels;
		return (0);
	}
	error = hammer2_bref_read(dev, bref, &data, &len);
	if (error != 0)
		return (error);
	if (bref->type == HAMMER2_BREF_TYPE_INODE) {
		ip = data;
		if (owner == HAMMER2_PFSROOT_INUM &&
		    levels > dd->dd_index_depth)
			dd->dd_index_depth = levels;
		if (ip->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) {
			hammer2_bref_release(dev, data, len);
			return (0);
		}
		owner = ip->meta.inum;
		levels = 0;
		base = ip->u.blockset.blockref;
		count = HAMMER2_SET_COUNT;
	} else {
		levels++;
		base = data;
		count = len / HAMMER2_BLOCKREF_BYTES;
		if (owner == dd->dd_dir) {
			dd->dd_dir_blocks++;
			dd->dd_dir_slots += count;
			for (i = 0; i < count; i++)
				if (base[i].type != HAMMER2_BREF_TYPE_EMPTY)
					dd->dd_dir_live++;
		}
	}
	for (i = 0; i < count && error == 0; i++)
		if (base[i].type != HAMMER2_BREF_TYPE_EMPTY)
			error = db_walk(dev, dd, &base[i], levels, owner);
	hammer2_bref_release(dev, data, len);
	return (error);
}

int
main(int argc, char **argv)
{
	double t0, tc, tl[DB_MAXREPS];
	struct hammer2_vattr va, out;
	struct hammer2_mount *mp;
	struct hammer2_dev *dev;
	struct db_depth dd;
	hammer2_tid_t d;
	char name[64];
	int error, i, n, r, reps;

	if (argc < 3) {
		fprintf(stderr, "usage: h2_dir_bench image nfiles [reps]\n");
		return (2);
	}
	n = atoi(argv[2]);
	reps = argc > 3 ? atoi(argv[3]) : 3;
	if (n <= 0 || reps <= 0 || reps > DB_MAXREPS) {
		fprintf(stderr, "h2_dir_bench: bad nfiles or reps\n");
		return (2);
	}
	error = h2_host_open(argv[1], H2_HOST_RDWR, &dev);
	if (error == 0)
		error = hammer2_vfs_mount(dev, "DATA", 0, &mp);
	if (error != 0)
		db_die(argv[1], error);
	memset(&va, 0, sizeof(va));
	va.va_type = HAMMER2_OBJTYPE_DIRECTORY;
	va.va_mode = 0755;
	error = hammer2_vop_create(mp, 1, "big", 3, &va, NULL, 0, &out);
	if (error != 0)
		db_die("mkdir", error);
	d = out.va_inum;
	va.va_type = HAMMER2_OBJTYPE_REGFILE;
	va.va_mode = 0644;
	t0 = db_now();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "file-%d", i);
		error = hammer2_vop_create(mp, d, name, strlen(name), &va,
		    NULL, 0, &out);
		if (error != 0)
			db_die("create", error);
	}
	tc = db_now() - t0;
	error = hammer2_vfs_sync(mp);
	if (error != 0)
		db_die("sync", error);
	for (r = 0; r < reps; r++) {
		t0 = db_now();
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "file-%d", i);
			error = hammer2_vop_lookup(mp, d, name, strlen(name),
			    &out);
			if (error != 0)
				db_die("lookup", error);
		}
		tl[r] = db_now() - t0;
	}
	qsort(tl, (size_t)reps, sizeof(tl[0]), db_cmp);
	error = hammer2_vfs_unmount(mp);
	if (error != 0)
		db_die("unmount", error);
	memset(&dd, 0, sizeof(dd));
	dd.dd_dir = d;
	for (i = 0; i < HAMMER2_SET_COUNT && error == 0; i++)
		if (dev->d_voldata.sroot_blockset.blockref[i].type !=
		    HAMMER2_BREF_TYPE_EMPTY)
			error = db_walk(dev, &dd,
			    &dev->d_voldata.sroot_blockset.blockref[i], 0, 0);
	if (error != 0)
		db_die("walk", error);
	h2_host_close(dev);
	printf("entries %d creates/s %.0f lookups/s %.0f dir-indirect-levels %d index-indirect-levels %d dir-indirect-blocks %ju (%.0f%% full)\n",
	    n, n / tc, n / tl[reps / 2], dd.dd_dir_depth, dd.dd_index_depth,
	    (uintmax_t)dd.dd_dir_blocks, dd.dd_dir_slots == 0 ? 0.0 :
	    100.0 * (double)dd.dd_dir_live / (double)dd.dd_dir_slots);
	return (0);
}
