/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_chain_bench.c - what the chain layer's commit and lookups cost,
 * side by side with their alternatives in one run:
 *
 *   commit: N inode creates committed once, vs. a commit after every
 *           create (what an fsync per operation costs);
 *   lookup: random inode lookups through the chain cache
 *           (hammer2_chain_lookup) vs. the read-only path of part 1
 *           (hammer2_inode_lookup: tree scan over the block cache).
 *
 * Each measurement runs 3 times on a fresh newfs'd image (made by the
 * caller's newfs_hammer2 command line); medians are printed.
 *
 * Usage: h2_chain_bench IMAGE NEWFS_COMMAND
 *
 * More: docs/performance/h2-chain.md.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hammer2_chain.h"
#include "libhammer2.h"

#define NRUNS		3
#define NBATCH		10000	/* creates in one commit */
#define NSINGLE		200	/* creates with a commit each */
#define NLOOKUP		100000

static const char *img, *newfs_cmd;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
median(double *v)
{
	qsort(v, NRUNS, sizeof(*v), dbl_cmp);
	return (v[NRUNS / 2]);
}

static struct hammer2_dev *
fresh_rw(void)
{
	struct hammer2_dev *dev;

	if (system(newfs_cmd) != 0 ||
	    h2_host_open(img, H2_HOST_RDWR, &dev) != 0)
		return (NULL);
	if (hammer2_rw_mount(dev) != 0) {
		h2_host_close(dev);
		return (NULL);
	}
	return (dev);
}

/* The first PFS root below the super-root, referenced. */
static struct hammer2_chain *
first_pfs(struct hammer2_dev *dev)
{
	struct hammer2_chain *vroot, *sroot, *pfs = NULL;

	vroot = hammer2_chain_vroot(dev);
	if (vroot != NULL &&
	    hammer2_chain_lookup(vroot, 0, HAMMER2_KEY_MAX, 0, &sroot) == 0) {
		if (hammer2_chain_lookup(sroot, 0, HAMMER2_KEY_MAX, 0,
			&pfs) != 0)
			pfs = NULL;
		hammer2_chain_drop(sroot);
	}
	hammer2_chain_drop(vroot);
	return (pfs);
}

static int
create_inode(struct hammer2_chain *pfs, hammer2_tid_t inum)
{
	struct hammer2_inode_data *ip;
	struct hammer2_chain *c;
	int error;

	error = hammer2_chain_create(pfs, inum, 0, HAMMER2_BREF_TYPE_INODE,
	    HAMMER2_INODE_BYTES, inum, &c);
	if (error != 0)
		return (error);
	ip = c->ch_data;
	ip->meta.version = HAMMER2_INODE_VERSION_ONE;
	ip->meta.type = HAMMER2_OBJTYPE_REGFILE;
	ip->meta.inum = inum;
	ip->meta.mode = 0644;
	hammer2_chain_drop(c);
	return (0);
}

/* N creates and `commits` commits; times and counts the whole. */
static int
run_creates(int n, bool commit_each, double *secp, double *writesp,
    double *kibp)
{
	struct hammer2_chain *pfs;
	struct hammer2_dev *dev;
	struct hammer2_rw *rw;
	double t0;
	int error = 0, i;

	dev = fresh_rw();
	if (dev == NULL)
		return (1);
	rw = dev->d_rw;
	pfs = first_pfs(dev);
	t0 = now_s();
	for (i = 0; i < n && error == 0 && pfs != NULL; i++) {
		error = create_inode(pfs, HAMMER2_INODE_START + (hammer2_tid_t)i);
		if (error == 0 && commit_each)
			error = hammer2_flush(dev);
	}
	hammer2_chain_drop(pfs);
	if (error == 0 && !commit_each)
		error = hammer2_flush(dev);
	*secp = now_s() - t0;
	*writesp = (double)rw->rw_nwrites;
	*kibp = (double)rw->rw_nbytes / 1024;
	hammer2_rw_unmount(dev);
	h2_host_close(dev);
	return (pfs == NULL || error != 0);
}

/* NLOOKUP random lookups of the NBATCH inodes, both ways. */
static int
run_lookups(double *chainp, double *scanp)
{
	struct hammer2_chain *pfs, *c;
	struct hammer2_inode ip, root;
	struct hammer2_blockref bref;
	struct hammer2_dev *dev;
	uint64_t x = 0x2545F4914F6CDD1DULL;
	hammer2_tid_t inum;
	double t0;
	int i, bad = 0;

	if (h2_host_open(img, 0, &dev) != 0)
		return (1);
	pfs = first_pfs(dev);
	if (pfs == NULL)
		return (1);
	root.ino_data = *(struct hammer2_inode_data *)pfs->ch_data;
	t0 = now_s();
	for (i = 0; i < NLOOKUP; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		inum = HAMMER2_INODE_START + x % NBATCH;
		if (hammer2_chain_lookup(pfs, inum, inum, 0, &c) != 0) {
			bad++;
			continue;
		}
		hammer2_chain_drop(c);
	}
	*chainp = (now_s() - t0) / NLOOKUP * 1e9;
	t0 = now_s();
	for (i = 0; i < NLOOKUP; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		inum = HAMMER2_INODE_START + x % NBATCH;
		if (hammer2_tree_lookup(dev,
			root.ino_data.u.blockset.blockref, HAMMER2_SET_COUNT,
			inum, &bref) != 0 ||
		    hammer2_inode_load(dev, &bref, &ip) != 0)
			bad++;
	}
	*scanp = (now_s() - t0) / NLOOKUP * 1e9;
	hammer2_chain_drop(pfs);
	h2_host_close(dev);
	return (bad != 0);
}

int
main(int argc, char **argv)
{
	double bs[NRUNS], bw[NRUNS], bk[NRUNS], ss[NRUNS], sw[NRUNS],
	    sk[NRUNS], lc[NRUNS], ls[NRUNS];
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: h2_chain_bench IMAGE NEWFS_COMMAND\n");
		return (2);
	}
	img = argv[1];
	newfs_cmd = argv[2];
	for (r = 0; r < NRUNS; r++) {
		if (run_creates(NSINGLE, true, &ss[r], &sw[r], &sk[r]) != 0 ||
		    run_creates(NBATCH, false, &bs[r], &bw[r], &bk[r]) != 0 ||
		    run_lookups(&lc[r], &ls[r]) != 0) {
			fprintf(stderr, "h2_chain_bench: run %d failed\n", r);
			return (1);
		}
	}
	printf("creates, one commit:     %d creates  %.3f s  %.1f us/create  %.0f writes  %.0f KiB  (%.2f writes/create)\n",
	    NBATCH, median(bs), median(bs) / NBATCH * 1e6, median(bw),
	    median(bk), median(bw) / NBATCH);
	printf("creates, commit each:    %d creates  %.3f s  %.1f us/create  %.0f writes  %.0f KiB  (%.2f writes/create)\n",
	    NSINGLE, median(ss), median(ss) / NSINGLE * 1e6, median(sw),
	    median(sk), median(sw) / NSINGLE);
	printf("lookup, chain cache:     %.0f ns/lookup (median of %d x %d)\n",
	    median(lc), NRUNS, NLOOKUP);
	printf("lookup, read-only scan:  %.0f ns/lookup (median of %d x %d)\n",
	    median(ls), NRUNS, NLOOKUP);
	return (0);
}
