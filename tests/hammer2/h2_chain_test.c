/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_chain_test.c - tests of the HAMMER2 chain layer and commit
 * (hammer2_chain.c, hammer2_flush.c) on images made by newfs_hammer2,
 * built with ASan/UBSan.
 *
 * Model: each subcommand is one scenario on a fresh image: thousands of
 * inode-like leaves in the DATA PFS root (indirect splits at several
 * levels), a sparse file of DATA blocks over 64 GiB of keys, directory
 * entries with embedded and block-stored names; modifies, deletes and
 * re-writes; commits, re-opens, and comparison of everything against an
 * in-memory model through the chain lookups AND the read-only path
 * (hammer2_inode_lookup, hammer2_dir_lookup, hammer2_tree_scan); fsck
 * after every commit.  Crash cases use a devops wrapper that stops
 * writing (or tears a write) after N writes.  CHECK() records a failure
 * and goes on; exit 1 on any failure.
 *
 * Usage: h2_chain_test SCENARIO IMAGE FSCK_PATH
 *
 * More: tests/suites/hammer2-chain.sh, docs/design/hammer2-write.md.
 */

#define _GNU_SOURCE
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hammer2.h"
#include "hammer2_chain_priv.h"
#include "libhammer2.h"
#include "h2_chain_testlib.h"

#define INUM0	 1024		/* first test inode number */
#define NINO	 3000		/* inodes of the first commit */
#define NINO_MAX 3400		/* plus those created later */
#define FILE_INUM 500		/* the sparse file */
#define NDATA	 400		/* its DATA blocks */
#define BLK	 65536


/* What the image should hold. */
struct model {
	uint32_t	m_ino_gen[NINO_MAX];	/* 0: absent */
	hammer2_key_t	m_dirent_key[NINO_MAX];	/* 0: no entry */
	uint32_t	m_data_gen[NDATA];	/* 0: hole */
};

static hammer2_tid_t next_mtid = 1000;

/* ---- devops wrapper: stop (or tear) writes after a limit ---------- */

static const struct hammer2_devops *real_ops;
static struct hammer2_devops wrap_ops;
static long wrap_writes;	/* writes seen */
static long wrap_limit = -1;	/* writes let through; -1: all */
static int wrap_torn;		/* write number wrap_limit goes half */
static int wrap_fail;		/* writes beyond the limit fail (EIO) */

static int
wrap_write(void *arg, const void *buf, size_t len, uint64_t off)
{
	long n = wrap_writes++;

	if (wrap_limit < 0 || n < wrap_limit)
		return (real_ops->dop_write(arg, buf, len, off));
	if (n == wrap_limit && wrap_torn)
		return (real_ops->dop_write(arg, buf, len > 512 ? 512 : len,
		    off));
	return (wrap_fail ? EIO : 0);
}

static void
wrap_install(struct hammer2_dev *dev)
{
	real_ops = dev->d_ops;
	wrap_ops = *real_ops;
	wrap_ops.dop_write = wrap_write;
	dev->d_ops = &wrap_ops;
	wrap_writes = 0;
	wrap_limit = -1;
	wrap_torn = 0;
	wrap_fail = 0;
}

/* ---- helpers ------------------------------------------------------ */

static void
ino_fill(struct hammer2_inode_data *ip, hammer2_tid_t inum, uint32_t gen)
{
	memset(ip, 0, sizeof(*ip));
	ip->meta.version = HAMMER2_INODE_VERSION_ONE;
	ip->meta.type = HAMMER2_OBJTYPE_REGFILE;
	ip->meta.inum = inum;
	ip->meta.mode = 0600 | (gen & 077);
	ip->meta.uflags = gen;
	ip->meta.ctime = inum * 1000 + gen;
	ip->meta.mtime = ip->meta.ctime;
	ip->meta.nlinks = 0;	/* dirent_create() links it */
	ip->meta.iparent = HAMMER2_PFSROOT_INUM;
	ip->meta.comp_algo = HAMMER2_COMP_NONE;
	ip->meta.check_algo = HAMMER2_CHECK_XXHASH64;
	ip->meta.name_len = (uint16_t)snprintf((char *)ip->filename,
	    sizeof(ip->filename), "f%ju", (uintmax_t)inum);
}

static bool
ino_matches(const struct hammer2_inode_data *ip, hammer2_tid_t inum,
    uint32_t gen)
{
	return (ip->meta.inum == inum && ip->meta.uflags == gen &&
	    ip->meta.ctime == inum * 1000 + gen &&
	    ip->meta.type == HAMMER2_OBJTYPE_REGFILE &&
	    ip->meta.mode == (0600 | (gen & 077)));
}

static uint64_t
data_off(int k)
{
	return ((uint64_t)k * 97 * BLK + ((uint64_t)(k % 5) << 34));
}

/* The k whose data_off() is key, or -1. */
static int
data_index(hammer2_key_t key)
{
	uint64_t k = (key & ((1ULL << 34) - 1)) / BLK / 97;

	if (k >= NDATA || data_off((int)k) != key)
		return (-1);
	return ((int)k);
}

static size_t
data_len(int k, uint32_t gen)
{
	size_t len = 1024 + ((size_t)k * 37 + gen * 101) % 64512;

	return (k % 3 == 0 ? BLK : len);
}

static void
data_fill(uint8_t *buf, int k, uint32_t gen)
{
	size_t i, len = data_len(k, gen);

	memset(buf, 0, BLK);
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(k * 131 + gen * 17 + i * 7 + (i >> 8));
}

static bool
dirent_is_long(int i)
{
	return (i % 30 == 0);
}

static size_t
dirent_name(int i, char *buf, size_t len)
{
	if (dirent_is_long(i))
		return ((size_t)snprintf(buf, len,
		    "a-long-name-that-does-not-fit-into-the-blockref-check-area-%0*d",
		    40, INUM0 + i));
	return ((size_t)snprintf(buf, len, "name-%d", INUM0 + i));
}

/* ---- operations ----------------------------------------------------- */

static int
ino_create(struct hammer2_chain *pfs, int i, uint32_t gen)
{
	struct hammer2_chain *c;
	int error;

	error = hammer2_chain_create(pfs, INUM0 + i, 0, HAMMER2_BREF_TYPE_INODE,
	    HAMMER2_INODE_BYTES, next_mtid++, &c);
	if (error != 0)
		return (error);
	ino_fill(c->ch_data, INUM0 + i, gen);
	hammer2_chain_drop(c);
	return (0);
}

static int
ino_modify(struct hammer2_chain *pfs, int i, uint32_t gen)
{
	struct hammer2_chain *c;
	int error;

	error = hammer2_chain_lookup(pfs, INUM0 + i, INUM0 + i, 0, &c);
	if (error != 0)
		return (error);
	error = hammer2_chain_modify(c, next_mtid++);
	if (error == 0) {
		uint64_t nlinks = ((struct hammer2_inode_data *)c->ch_data)
		    ->meta.nlinks;

		ino_fill(c->ch_data, INUM0 + i, gen);
		((struct hammer2_inode_data *)c->ch_data)->meta.nlinks = nlinks;
	}
	hammer2_chain_drop(c);
	return (error);
}

static int
key_delete(struct hammer2_chain *parent, hammer2_key_t key)
{
	struct hammer2_chain *c;
	int error;

	error = hammer2_chain_lookup(parent, key, key, HAMMER2_LOOKUP_NODATA,
	    &c);
	if (error != 0)
		return (error);
	error = hammer2_chain_delete(c, next_mtid++);
	hammer2_chain_drop(c);
	return (error);
}

static int
dirent_create(struct hammer2_chain *pfs, int i, hammer2_key_t *keyp)
{
	char name[256];
	size_t len = dirent_name(i, name, sizeof(name));
	hammer2_key_t key = hammer2_dirhash(name, len);
	struct hammer2_chain *c;
	int error;

	for (;;) {
		error = hammer2_chain_create(pfs, key, 0,
		    HAMMER2_BREF_TYPE_DIRENT, 0, next_mtid++, &c);
		if (error != EEXIST)
			break;
		key++;
	}
	if (error != 0)
		return (error);
	c->ch_bref.embed.dirent.inum = INUM0 + i;
	c->ch_bref.embed.dirent.namlen = (uint16_t)len;
	c->ch_bref.embed.dirent.type = HAMMER2_OBJTYPE_REGFILE;
	if (len <= HAMMER2_DIRENT_INLINE_MAX)
		memcpy(c->ch_bref.check.buf, name, len);
	else
		error = hammer2_chain_write_data(c, name, len,
		    HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64), next_mtid++);
	hammer2_chain_drop(c);
	*keyp = key;
	if (error != 0)
		return (error);
	/* The inode now has one link. */
	error = hammer2_chain_lookup(pfs, INUM0 + i, INUM0 + i, 0, &c);
	if (error != 0)
		return (error);
	error = hammer2_chain_modify(c, next_mtid++);
	if (error == 0)
		((struct hammer2_inode_data *)c->ch_data)->meta.nlinks = 1;
	hammer2_chain_drop(c);
	return (error);
}

static int
data_put(struct hammer2_chain *file, int k, uint32_t gen, uint8_t *buf)
{
	struct hammer2_chain *c;
	uint64_t off = data_off(k);
	int error;

	error = hammer2_chain_lookup(file, off, off, 0, &c);
	if (error == ENOENT)
		error = hammer2_chain_create(file, off, HAMMER2_LBUFRADIX,
		    HAMMER2_BREF_TYPE_DATA, 0, next_mtid++, &c);
	if (error != 0)
		return (error);
	data_fill(buf, k, gen);
	error = hammer2_chain_write_data(c, buf, data_len(k, gen),
	    HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64) |
	    HAMMER2_ENC_COMP(HAMMER2_COMP_NONE), next_mtid++);
	hammer2_chain_drop(c);
	return (error);
}

/* The sparse file's inode chain (referenced), created if asked. */
static struct hammer2_chain *
file_get(struct hammer2_chain *pfs, bool create)
{
	struct hammer2_inode_data *ip;
	struct hammer2_chain *c;
	int error;

	error = hammer2_chain_lookup(pfs, FILE_INUM, FILE_INUM, 0, &c);
	if (error == ENOENT && create) {
		error = hammer2_chain_create(pfs, FILE_INUM, 0,
		    HAMMER2_BREF_TYPE_INODE, HAMMER2_INODE_BYTES, next_mtid++,
		    &c);
		if (error == 0) {
			ino_fill(c->ch_data, FILE_INUM, 1);
			ip = c->ch_data;
			ip->meta.size = data_off(NDATA - 1) + BLK;
		}
	}
	CHECK_ERR(error, 0);
	return (error == 0 ? c : NULL);
}

/* ---- verification --------------------------------------------------- */

/*
 * Check the in-memory tree below node: kids table consistent with the
 * array, arrays sorted and non-overlapping, children inside [lo, hi].
 * Returns the number of violations.
 */
static int
tree_check(struct hammer2_chain *node, hammer2_key_t lo, hammer2_key_t hi)
{
	struct hammer2_chain_priv *cp = node->ch_priv;
	struct hammer2_blockref *base, *b, *prev = NULL;
	struct hammer2_chain *kid;
	int bad = 0, count, i;

	if (node->ch_data == NULL ||
	    hammer2_chain_array(node, &base, &count) != 0 || count == 0)
		return (0);
	for (i = 0; i < count; i++) {
		kid = cp->cp_kids != NULL ? cp->cp_kids[i] : NULL;
		b = kid != NULL ? &kid->ch_bref : &base[i];
		if (kid != NULL && (kid->ch_parent != node ||
			kid->ch_priv->cp_slot != i ||
			kid->ch_bref.type != base[i].type ||
			kid->ch_bref.key != base[i].key ||
			kid->ch_bref.keybits != base[i].keybits)) {
			printf("  tree_check: slot %d of 0x%jx/%u: kid mismatch\n",
			    i, (uintmax_t)node->ch_bref.key,
			    node->ch_bref.keybits);
			bad++;
		}
		if (b->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		if (b->key < lo || hammer2_bref_key_end(b) > hi ||
		    (prev != NULL && hammer2_bref_key_end(prev) >= b->key)) {
			printf("  tree_check: slot %d (0x%jx/%u) of 0x%jx/%u: out of range or order\n",
			    i, (uintmax_t)b->key, b->keybits,
			    (uintmax_t)node->ch_bref.key, node->ch_bref.keybits);
			bad++;
		}
		prev = b;
		if (kid != NULL && kid->ch_bref.type ==
		    HAMMER2_BREF_TYPE_INDIRECT)
			bad += tree_check(kid, b->key, hammer2_bref_key_end(b));
		else if (kid != NULL)
			bad += tree_check(kid, 0, HAMMER2_KEY_MAX);
	}
	return (bad);
}


/* Through the chain layer: inode index, dirents, file data. */
static void
verify_chains(struct hammer2_dev *dev, const struct model *m)
{
	struct hammer2_chain *vroot, *pfs, *c, *file;
	uint8_t *want, *got;
	int error, i, k, n = 0, want_n = 0;

	vroot = hammer2_chain_vroot(dev);
	CHECK(vroot != NULL);
	if (vroot == NULL)
		return;
	pfs = h2t_pfs_find(vroot, "DATA");
	if (pfs == NULL)
		goto out_vroot;
	CHECK(tree_check(vroot, 0, HAMMER2_KEY_MAX) == 0);
	/* Iteration over the whole inode range. */
	for (i = 0; i < NINO_MAX; i++)
		want_n += m->m_ino_gen[i] != 0;
	error = hammer2_chain_lookup(pfs, INUM0, INUM0 + NINO_MAX - 1, 0, &c);
	while (error == 0) {
		i = (int)(c->ch_bref.key - INUM0);
		CHECK(c->ch_bref.type == HAMMER2_BREF_TYPE_INODE);
		CHECK(i >= 0 && i < NINO_MAX && m->m_ino_gen[i] != 0);
		if (i >= 0 && i < NINO_MAX && m->m_ino_gen[i] != 0 &&
		    !ino_matches(c->ch_data, INUM0 + i, m->m_ino_gen[i])) {
			printf("FAILED: inode %d content\n", INUM0 + i);
			h2t_nfailed++;
		}
		n++;
		error = hammer2_chain_next(pfs, c, INUM0 + NINO_MAX - 1, 0, &c);
	}
	CHECK_ERR(error, ENOENT);
	CHECK(n == want_n);
	if (n != want_n)
		printf("  iterated %d inodes, model has %d\n", n, want_n);
	/* Point lookups, present and absent. */
	for (i = 0; i < NINO_MAX; i += 7) {
		error = hammer2_chain_lookup(pfs, INUM0 + i, INUM0 + i, 0, &c);
		CHECK_ERR(error, m->m_ino_gen[i] ? 0 : ENOENT);
		if (error == 0)
			hammer2_chain_drop(c);
	}
	/* Directory entries. */
	for (i = 0; i < NINO_MAX; i++) {
		if (m->m_dirent_key[i] == 0)
			continue;
		error = hammer2_chain_lookup(pfs, m->m_dirent_key[i],
		    m->m_dirent_key[i], 0, &c);
		CHECK_ERR(error, 0);
		if (error != 0)
			continue;
		CHECK(c->ch_bref.type == HAMMER2_BREF_TYPE_DIRENT);
		CHECK(c->ch_bref.embed.dirent.inum == (hammer2_tid_t)INUM0 + i);
		hammer2_chain_drop(c);
	}
	/* File data. */
	file = file_get(pfs, false);
	want = malloc(BLK);
	got = malloc(BLK);
	if (file != NULL && want != NULL && got != NULL) {
		hammer2_key_t last = 0;
		int nseen = 0, nwant = 0;

		for (k = 0; k < NDATA; k++)
			nwant += m->m_data_gen[k] != 0;
		error = hammer2_chain_lookup(file, 0, HAMMER2_KEY_MAX, 0, &c);
		while (error == 0) {
			k = data_index(c->ch_bref.key);
			CHECK(nseen == 0 || c->ch_bref.key > last);
			last = c->ch_bref.key;
			nseen++;
			CHECK(k >= 0 && m->m_data_gen[k] != 0);
			if (k >= 0 && m->m_data_gen[k] != 0) {
				data_fill(want, k, m->m_data_gen[k]);
				CHECK_ERR(hammer2_data_read(dev, &c->ch_bref,
				    got, BLK), 0);
				CHECK(memcmp(want, got, BLK) == 0);
			}
			error = hammer2_chain_next(file, c, HAMMER2_KEY_MAX, 0,
			    &c);
		}
		CHECK_ERR(error, ENOENT);
		CHECK(nseen == nwant);
	}
	free(want);
	free(got);
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
out_vroot:
	hammer2_chain_drop(vroot);
}

struct scan_arg {
	struct hammer2_dev	*sa_dev;
	const struct model	*sa_m;
	int			 sa_k;
	int			 sa_bad;
	int			 sa_n;
	int			 sa_maxdepth;
	int			 sa_nind;
	int			 sa_sp;
	hammer2_key_t		 sa_stack[64];	/* ends of open indirects */
	uint8_t			*sa_want, *sa_got;
};

static int
scan_data_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct scan_arg *sa = arg;
	const struct model *m = sa->sa_m;

	(void)error;
	while (sa->sa_sp > 0 && sa->sa_stack[sa->sa_sp - 1] < bref->key)
		sa->sa_sp--;
	if (bref->type == HAMMER2_BREF_TYPE_INDIRECT) {
		sa->sa_nind++;
		if (sa->sa_sp < 64)
			sa->sa_stack[sa->sa_sp++] = hammer2_bref_key_end(bref);
		if (sa->sa_sp > sa->sa_maxdepth)
			sa->sa_maxdepth = sa->sa_sp;
		return (0);
	}
	if (sa->sa_m == NULL) {
		sa->sa_n++;
		return (0);
	}
	sa->sa_k = data_index(bref->key);
	if (sa->sa_k < 0 || m->m_data_gen[sa->sa_k] == 0) {
		sa->sa_bad++;
		return (0);
	}
	data_fill(sa->sa_want, sa->sa_k, m->m_data_gen[sa->sa_k]);
	if (hammer2_data_read(sa->sa_dev, bref, sa->sa_got, BLK) != 0 ||
	    memcmp(sa->sa_want, sa->sa_got, BLK) != 0)
		sa->sa_bad++;
	sa->sa_n++;
	return (0);
}

/* Through the read-only path of part 1. */
static void
verify_readonly(struct hammer2_dev *dev, const struct model *m, bool quiet)
{
	struct hammer2_inode ip, fip;
	struct hammer2_dirent de;
	struct hammer2_pfs pmp;
	struct scan_arg *sa;
	char name[256];
	size_t len;
	int error, i, k;

	error = hammer2_pfs_open(dev, "DATA", &pmp);
	CHECK_ERR(error, 0);
	if (error != 0)
		return;
	for (i = 0; i < NINO_MAX; i++) {
		error = hammer2_inode_lookup(&pmp, INUM0 + i, &ip);
		CHECK_ERR(error, m->m_ino_gen[i] ? 0 : ENOENT);
		if (error == 0 && !ino_matches(&ip.ino_data, INUM0 + i,
			m->m_ino_gen[i])) {
			printf("FAILED: read-only inode %d content\n", INUM0 + i);
			h2t_nfailed++;
		}
		if (m->m_dirent_key[i] != 0) {
			len = dirent_name(i, name, sizeof(name));
			error = hammer2_dir_lookup(&pmp, &pmp.pmp_iroot, name,
			    len, &de);
			CHECK_ERR(error, 0);
			CHECK(error != 0 ||
			    de.de_inum == (hammer2_tid_t)INUM0 + i);
		}
	}
	sa = calloc(1, sizeof(*sa));
	if (sa == NULL)
		return;
	/* Shape of the inode index. */
	sa->sa_dev = dev;
	error = hammer2_tree_scan(dev, pmp.pmp_iroot.ino_data.u.blockset.blockref,
	    HAMMER2_SET_COUNT, 0, HAMMER2_KEY_MAX, HAMMER2_SCAN_INDIRECT,
	    scan_data_cb, sa);
	CHECK_ERR(error, 0);
	if (!quiet)
		printf("PFS root: %d leaves, %d indirect blocks, %d levels\n",
		    sa->sa_n, sa->sa_nind, sa->sa_maxdepth);
	/* The sparse file's blocks. */
	error = hammer2_inode_lookup(&pmp, FILE_INUM, &fip);
	k = 0;
	for (i = 0; i < NDATA; i++)
		k += m->m_data_gen[i] != 0;
	CHECK_ERR(error, k == 0 && error == ENOENT ? ENOENT : 0);
	if (error == 0) {
		memset(sa, 0, sizeof(*sa));
		sa->sa_dev = dev;
		sa->sa_m = m;
		sa->sa_want = malloc(BLK);
		sa->sa_got = malloc(BLK);
		error = hammer2_tree_scan(dev,
		    fip.ino_data.u.blockset.blockref, HAMMER2_SET_COUNT, 0,
		    HAMMER2_KEY_MAX, HAMMER2_SCAN_INDIRECT, scan_data_cb, sa);
		CHECK_ERR(error, 0);
		CHECK(sa->sa_bad == 0);
		CHECK(sa->sa_n == k);
		if (!quiet)
			printf("file: %d blocks, %d indirect blocks, %d levels\n",
			    sa->sa_n, sa->sa_nind, sa->sa_maxdepth);
		free(sa->sa_want);
		free(sa->sa_got);
	}
	free(sa);
}

static void
verify_all(const struct model *m, const char *why)
{
	struct hammer2_dev *dev;

	h2t_run_fsck(why);
	dev = h2t_dev_open(0);
	if (dev == NULL)
		return;
	verify_readonly(dev, m, false);
	verify_chains(dev, m);
	h2_host_close(dev);
}

/* Count chains in memory below chain (incl.). */
static int
chains_in_memory(struct hammer2_chain *chain)
{
	struct hammer2_chain_priv *cp = chain->ch_priv;
	int i, n = 1;

	for (i = 0; cp->cp_kids != NULL && i < cp->cp_nslots; i++)
		if (cp->cp_kids[i] != NULL)
			n += chains_in_memory(cp->cp_kids[i]);
	return (n);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static int
timed_flush(struct hammer2_dev *dev, const char *what)
{
	struct hammer2_rw *rw = dev->d_rw;
	uint64_t w0 = rw->rw_nwrites, b0 = rw->rw_nbytes;
	double t0 = now_ms();
	int error;

	error = hammer2_flush(dev);
	printf("commit (%s): %ju writes, %ju KiB, %.1f ms, error %d\n", what,
	    (uintmax_t)(rw->rw_nwrites - w0),
	    (uintmax_t)((rw->rw_nbytes - b0) >> 10), now_ms() - t0, error);
	return (error);
}

/* ---- scenarios ------------------------------------------------------ */

/* Build the first state: NINO inodes, dirents, the sparse file. */
static int
build_base(struct hammer2_dev *dev, struct model *m, int nino, int ndata)
{
	struct hammer2_chain *vroot, *pfs, *file;
	uint8_t *buf;
	int error = 0, i, k;

	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	if (pfs == NULL)
		return (ENOENT);
	for (i = 0; i < nino && error == 0; i++) {
		error = ino_create(pfs, i, 1);
		if (error == 0)
			m->m_ino_gen[i] = 1;
		if (error == 0 && i % 10 == 0) {
			error = dirent_create(pfs, i, &m->m_dirent_key[i]);
			if (error != 0)
				m->m_dirent_key[i] = 0;
		}
	}
	CHECK_ERR(error, 0);
	file = file_get(pfs, true);
	buf = malloc(BLK);
	for (k = 0; k < ndata && error == 0 && file != NULL; k++) {
		error = data_put(file, k, 1, buf);
		if (error == 0)
			m->m_data_gen[k] = 1;
	}
	CHECK_ERR(error, 0);
	free(buf);
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	return (error);
}

static int
scenario_tree(void)
{
	struct hammer2_chain *vroot, *pfs, *file;
	struct hammer2_dev *dev;
	struct model *m, *m2;
	uint8_t *buf;
	int i, k, n;

	m = calloc(1, sizeof(*m));
	m2 = calloc(1, sizeof(*m2));
	buf = malloc(BLK);
	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	/* 1: create everything, commit. */
	build_base(dev, m, NINO, NDATA);
	verify_chains(dev, m);
	CHECK_ERR(timed_flush(dev, "3000 inode creates, 300 dirents, 400 data blocks"), 0);
	verify_chains(dev, m);
	vroot = hammer2_chain_vroot(dev);
	n = chains_in_memory(vroot);
	printf("chains in memory after the commit: %d (%ju KiB cached)\n", n,
	    (uintmax_t)(((struct hammer2_rw *)dev->d_rw)->rw_mem_bytes >> 10));
	CHECK(((struct hammer2_rw *)dev->d_rw)->rw_mem_bytes <=
	    HAMMER2_CHAIN_CACHE_BYTES);
	/* With no cache, a commit leaves only the volume root. */
	((struct hammer2_rw *)dev->d_rw)->rw_cache_bytes = 0;
	CHECK_ERR(hammer2_flush(dev), 0);
	n = chains_in_memory(vroot);
	printf("chains in memory after a commit without cache: %d\n", n);
	CHECK(n == 1);
	((struct hammer2_rw *)dev->d_rw)->rw_cache_bytes =
	    HAMMER2_CHAIN_CACHE_BYTES;
	hammer2_chain_drop(vroot);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	verify_all(m, "create");

	/* 2: modify, delete, re-write twice, add. */
	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	file = pfs != NULL ? file_get(pfs, false) : NULL;
	if (file == NULL)
		return (1);
	for (i = 0; i < NINO; i++) {
		if (i % 3 == 1) {
			CHECK_ERR(ino_modify(pfs, i, m->m_ino_gen[i] + 1), 0);
			m->m_ino_gen[i]++;
		} else if (i % 5 == 2) {
			CHECK_ERR(key_delete(pfs, INUM0 + i), 0);
			m->m_ino_gen[i] = 0;
		}
	}
	CHECK_ERR(key_delete(pfs, INUM0 + 2), ENOENT);
	CHECK_ERR(ino_create(pfs, 3, 9), EEXIST);
	for (i = NINO; i < NINO_MAX; i++) {
		CHECK_ERR(ino_create(pfs, i, 5), 0);
		m->m_ino_gen[i] = 5;
	}
	for (k = 0; k < NDATA; k++) {
		if (k % 4 == 0) {
			CHECK_ERR(data_put(file, k, 2, buf), 0);
			CHECK_ERR(data_put(file, k, 3, buf), 0);
			m->m_data_gen[k] = 3;
		} else if (k % 7 == 3) {
			CHECK_ERR(key_delete(file, data_off(k)), 0);
			m->m_data_gen[k] = 0;
		}
	}
	verify_chains(dev, m);
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	CHECK_ERR(timed_flush(dev, "modify 1000, delete 400, add 400 inodes, rewrite 100 blocks twice, delete 43"), 0);
	verify_chains(dev, m);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	verify_all(m, "modify");

	/* 3: delete nearly everything (empty indirect blocks go away). */
	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	file = pfs != NULL ? file_get(pfs, false) : NULL;
	if (file == NULL)
		return (1);
	for (i = 0; i < NINO_MAX; i++) {
		if (m->m_ino_gen[i] == 0 || i % 100 == 7)
			continue;
		if (m->m_dirent_key[i] != 0) {
			CHECK_ERR(key_delete(pfs, m->m_dirent_key[i]), 0);
			m->m_dirent_key[i] = 0;
		}
		CHECK_ERR(key_delete(pfs, INUM0 + i), 0);
		m->m_ino_gen[i] = 0;
	}
	for (k = 0; k < NDATA; k++) {
		if (m->m_data_gen[k] != 0 && k != 77) {
			CHECK_ERR(key_delete(file, data_off(k)), 0);
			m->m_data_gen[k] = 0;
		}
	}
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	CHECK_ERR(timed_flush(dev, "delete nearly all"), 0);
	memcpy(m2, m, sizeof(*m));
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	verify_all(m2, "delete");
	free(buf);
	free(m);
	free(m2);
	return (0);
}

/* Changes without a commit are invisible after re-opening. */
static int
scenario_uncommitted(void)
{
	struct hammer2_chain *vroot, *pfs, *file;
	struct hammer2_dev *dev;
	struct model *m, *scratch;
	uint8_t *buf = malloc(BLK);
	int i, k;

	m = calloc(1, sizeof(*m));
	scratch = calloc(1, sizeof(*scratch));
	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	build_base(dev, m, 600, 60);
	CHECK_ERR(hammer2_flush(dev), 0);
	/* Uncommitted: modify, delete, create, re-write, no flush. */
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	file = pfs != NULL ? file_get(pfs, false) : NULL;
	if (file == NULL)
		return (1);
	for (i = 0; i < 600; i += 2)
		CHECK_ERR(ino_modify(pfs, i, 7), 0);
	for (i = 1; i < 600; i += 4)
		CHECK_ERR(key_delete(pfs, INUM0 + i), 0);
	for (i = 600; i < 900; i++)
		CHECK_ERR(ino_create(pfs, i, 7), 0);
	for (k = 0; k < 60; k += 3)
		CHECK_ERR(data_put(file, k, 7, buf), 0);
	for (k = 60; k < 90; k++)
		CHECK_ERR(data_put(file, k, 7, buf), 0);
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	/* Close without rw_unmount: dev_unmount drops it all. */
	h2_host_close(dev);
	verify_all(m, "uncommitted changes");
	free(buf);
	free(m);
	free(scratch);
	return (0);
}

/* Copy of the image file, sparse. */
static int
copy_image(const char *from, const char *to)
{
	char *buf = malloc(1 << 20);
	off_t data, hole, off;
	int in, out, rc = -1;
	ssize_t n;

	in = open(from, O_RDONLY);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0 || buf == NULL)
		goto done;
	if (ftruncate(out, lseek(in, 0, SEEK_END)) != 0)
		goto done;
	for (off = 0;; off = hole) {
		data = lseek(in, off, SEEK_DATA);
		if (data < 0)
			break;
		hole = lseek(in, data, SEEK_HOLE);
		for (off = data; off < hole; off += n) {
			n = pread(in, buf, (size_t)(hole - off > (1 << 20) ?
			    (1 << 20) : hole - off), off);
			if (n <= 0 || pwrite(out, buf, (size_t)n, off) != n)
				goto done;
		}
	}
	rc = 0;
done:
	free(buf);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return (rc);
}

/* Run the second commit with writes cut after `limit`; returns writes. */
static long
torn_commit(struct model *m, long limit, int torn)
{
	struct hammer2_chain *vroot, *pfs, *file;
	struct hammer2_dev *dev;
	uint8_t *buf = malloc(BLK);
	long n;
	int i, k;

	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (-1);
	wrap_install(dev);
	wrap_limit = limit;
	wrap_torn = torn;
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	file = pfs != NULL ? file_get(pfs, false) : NULL;
	for (i = 0; i < 300 && file != NULL; i += 3) {
		ino_modify(pfs, i, 4);
		m->m_ino_gen[i] = 4;
	}
	for (i = 300; i < 500 && file != NULL; i++) {
		ino_create(pfs, i, 4);
		m->m_ino_gen[i] = 4;
	}
	for (k = 0; k < 40 && file != NULL; k += 2) {
		data_put(file, k, 4, buf);
		m->m_data_gen[k] = 4;
	}
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	hammer2_flush(dev);
	n = wrap_writes;
	h2_host_close(dev);	/* the "crash": nothing more is written */
	free(buf);
	return (n);
}

/*
 * A commit cut off after any number of its writes (or with a torn
 * header) leaves the previous commit readable; a complete one is seen.
 */
static int
scenario_torn(void)
{
	struct model *ma, *mb;
	struct hammer2_dev *dev;
	char base[1024];
	long total, cuts[8], limit;
	int c, torn;

	ma = calloc(1, sizeof(*ma));
	mb = calloc(1, sizeof(*mb));
	snprintf(base, sizeof(base), "%s.base", h2t_img_path);
	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	build_base(dev, ma, 300, 40);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	h2t_run_fsck("commit A");
	if (copy_image(h2t_img_path, base) != 0) {
		printf("FAILED: copy image\n");
		return (1);
	}
	/* Measure the second commit's writes. */
	memcpy(mb, ma, sizeof(*ma));
	total = torn_commit(mb, -1, 0);
	CHECK(total > 10);
	verify_all(mb, "commit B complete");
	cuts[0] = 0;
	cuts[1] = 1;
	cuts[2] = total / 3;
	cuts[3] = total / 2;
	cuts[4] = total - 3;
	cuts[5] = total - 2;	/* all but the header */
	cuts[6] = total - 1;	/* header torn */
	cuts[7] = total - 1;	/* header not written */
	for (c = 0; c < 8; c++) {
		limit = cuts[c];
		torn = c == 6;
		if (copy_image(base, h2t_img_path) != 0)
			return (1);
		memcpy(mb, ma, sizeof(*ma));
		printf("cut after %ld of %ld writes%s\n", limit, total,
		    torn ? " (torn)" : "");
		torn_commit(mb, limit, torn);
		dev = h2t_dev_open(0);
		if (dev == NULL)
			continue;
		verify_readonly(dev, ma, true);
		verify_chains(dev, ma);
		h2_host_close(dev);
		if (!torn)
			h2t_run_fsck("cut commit");
		/* The survivor can be written again. */
		dev = h2t_dev_open(1);
		if (dev == NULL)
			continue;
		CHECK_ERR(hammer2_flush(dev), 0);
		CHECK_ERR(hammer2_rw_unmount(dev), 0);
		h2_host_close(dev);
		dev = h2t_dev_open(0);
		if (dev != NULL) {
			verify_readonly(dev, ma, true);
			h2_host_close(dev);
		}
	}
	unlink(base);
	free(ma);
	free(mb);
	return (0);
}

/* Read-only devs: lookups work, changes are EROFS. */
static int
scenario_erofs(void)
{
	struct hammer2_chain *vroot, *pfs, *c;
	struct hammer2_dev *dev;
	struct model *m = calloc(1, sizeof(*m));

	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	build_base(dev, m, 200, 10);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	CHECK_ERR(hammer2_rw_mount(dev), 0);
	CHECK_ERR(hammer2_rw_mount(dev), EBUSY);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);

	dev = h2t_dev_open(0);
	if (dev == NULL)
		return (1);
	CHECK_ERR(hammer2_rw_mount(dev), EROFS);
	verify_chains(dev, m);
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	if (pfs != NULL) {
		CHECK_ERR(hammer2_chain_create(pfs, 5000, 0,
		    HAMMER2_BREF_TYPE_INODE, HAMMER2_INODE_BYTES, 1, &c),
		    EROFS);
		CHECK(c == NULL);
		CHECK_ERR(hammer2_chain_lookup(pfs, INUM0, INUM0, 0, &c), 0);
		if (c != NULL) {
			CHECK_ERR(hammer2_chain_modify(c, 1), EROFS);
			CHECK_ERR(hammer2_chain_delete(c, 1), EROFS);
			hammer2_chain_drop(c);
		}
		CHECK_ERR(hammer2_chain_lookup(pfs, FILE_INUM, FILE_INUM, 0,
		    &c), 0);
		if (c != NULL) {
			struct hammer2_chain *d = NULL;

			CHECK_ERR(hammer2_chain_lookup(c, 0, 0, 0, &d), 0);
			if (d != NULL) {
				CHECK_ERR(hammer2_chain_write_data(d, "x", 1,
				    0, 1), EROFS);
				hammer2_chain_drop(d);
			}
			hammer2_chain_drop(c);
		}
		hammer2_chain_drop(pfs);
	}
	CHECK_ERR(hammer2_flush(dev), EROFS);
	hammer2_chain_drop(vroot);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	/* A second vroot after unmount, then dev_unmount cleans it. */
	vroot = hammer2_chain_vroot(dev);
	CHECK(vroot != NULL);
	h2_host_close(dev);
	free(m);
	return (0);
}

/* Bad arguments are EINVAL, not crashes. */
static int
scenario_einval(void)
{
	struct hammer2_chain *vroot, *pfs, *c = NULL, *d = NULL;
	struct hammer2_dev *dev;

	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	if (pfs == NULL)
		return (1);
	CHECK_ERR(hammer2_chain_create(pfs, 7, 0, HAMMER2_BREF_TYPE_INDIRECT,
	    0, 1, &c), EINVAL);
	CHECK_ERR(hammer2_chain_create(pfs, 7, 3, HAMMER2_BREF_TYPE_DATA, 0,
	    1, &c), EINVAL);
	CHECK_ERR(hammer2_chain_create(pfs, 8, 0, HAMMER2_BREF_TYPE_INODE,
	    100, 1, &c), EINVAL);
	CHECK_ERR(hammer2_chain_create(pfs, 8, 0, HAMMER2_BREF_TYPE_INODE,
	    HAMMER2_INODE_BYTES, 1, &c), 0);
	if (c != NULL) {
		ino_fill(c->ch_data, 8, 1);
		CHECK_ERR(hammer2_chain_write_data(c, "x", 1, 0, 1), EINVAL);
		CHECK_ERR(hammer2_chain_create(c, 0, 16, HAMMER2_BREF_TYPE_DATA,
		    0, 1, &d), 0);
		if (d != NULL) {
			CHECK_ERR(hammer2_chain_write_data(d, "x", 0, 0, 1),
			    EINVAL);
			CHECK_ERR(hammer2_chain_write_data(d, "x", BLK + 1, 0,
			    1), EINVAL);
			/* Never written: becomes a hole at the flush. */
			hammer2_chain_drop(d);
		}
		CHECK_ERR(hammer2_chain_delete(c, 2), 0);
		CHECK_ERR(hammer2_chain_delete(c, 2), ENOENT);
		CHECK_ERR(hammer2_chain_modify(c, 2), ENOENT);
		hammer2_chain_drop(c);
	}
	CHECK_ERR(hammer2_chain_delete(vroot, 1), EINVAL);
	CHECK_ERR(hammer2_chain_modify(vroot, 1), EINVAL);
	CHECK_ERR(hammer2_chain_create(pfs, 9, 0, HAMMER2_BREF_TYPE_INODE,
	    HAMMER2_INODE_BYTES, 1, &c), 0);
	if (c != NULL) {
		struct hammer2_inode_data *ip = c->ch_data;

		ino_fill(ip, 9, 1);
		ip->meta.op_flags |= HAMMER2_OPFLAG_DIRECTDATA;
		CHECK_ERR(hammer2_chain_create(c, 0, 16, HAMMER2_BREF_TYPE_DATA,
		    0, 1, &d), EINVAL);
		hammer2_chain_drop(c);
	}
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	h2t_run_fsck("einval");
	return (0);
}

/*
 * A full volume: ENOSPC from write_data once only the commit reserve is
 * left (hammer2_chain_data_reserve), and the flush then commits the data
 * written before plus 400 new inodes out of that reserve.
 */
static int
scenario_enospc(void)
{
	struct hammer2_chain *vroot, *pfs, *big, *c;
	struct hammer2_dev *dev;
	struct model *m = calloc(1, sizeof(*m));
	uint8_t *buf = calloc(1, BLK);
	int error = 0, k, n, ok = 0;

	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	build_base(dev, m, 100, 5);
	CHECK_ERR(hammer2_flush(dev), 0);
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	if (pfs == NULL)
		return (1);
	CHECK_ERR(hammer2_chain_create(pfs, 600, 0, HAMMER2_BREF_TYPE_INODE,
	    HAMMER2_INODE_BYTES, next_mtid++, &big), 0);
	if (big == NULL)
		return (1);
	ino_fill(big->ch_data, 600, 1);
	for (k = 0; k < 4000; k++) {
		error = hammer2_chain_create(big, (uint64_t)k * BLK, 16,
		    HAMMER2_BREF_TYPE_DATA, 0, next_mtid++, &c);
		if (error != 0)
			break;
		memset(buf, k + 1, BLK);
		error = hammer2_chain_write_data(c, buf, BLK,
		    HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64), next_mtid++);
		hammer2_chain_drop(c);
		if (error != 0)
			break;
		ok++;
	}
	printf("%d blocks written before error %d\n", ok, error);
	CHECK_ERR(error, ENOSPC);
	/* Inodes cost nothing until the flush must place them. */
	for (k = 0; k < 400; k++)
		CHECK_ERR(ino_create(pfs, 3000 + k, 1), 0);
	hammer2_chain_drop(big);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	error = hammer2_flush(dev);
	printf("flush on a full volume: %d\n", error);
	CHECK_ERR(error, 0);
	if (error == 0) {
		for (k = 0; k < 400; k++)
			m->m_ino_gen[3000 + k] = 1;
	} else {
		/* Sticky: no more changes, no more commits. */
		CHECK_ERR(hammer2_flush(dev), error);
		vroot = hammer2_chain_vroot(dev);
		pfs = h2t_pfs_find(vroot, "DATA");
		if (pfs != NULL) {
			CHECK_ERR(ino_create(pfs, 2000, 1), error);
			hammer2_chain_drop(pfs);
		}
		hammer2_chain_drop(vroot);
	}
	CHECK_ERR(hammer2_rw_unmount(dev), error);
	h2_host_close(dev);
	h2t_run_fsck("ENOSPC");
	dev = h2t_dev_open(0);
	if (dev != NULL) {
		verify_readonly(dev, m, true);
		verify_chains(dev, m);
		/* The big file: all blocks if the flush worked, else none. */
		vroot = hammer2_chain_vroot(dev);
		pfs = h2t_pfs_find(vroot, "DATA");
		n = 0;
		if (pfs != NULL &&
		    hammer2_chain_lookup(pfs, 600, 600, 0, &big) == 0) {
			error = hammer2_chain_lookup(big, 0, HAMMER2_KEY_MAX, 0,
			    &c);
			while (error == 0) {
				CHECK_ERR(hammer2_data_read(dev, &c->ch_bref,
				    buf, BLK), 0);
				CHECK(buf[0] == (uint8_t)(c->ch_bref.key / BLK +
				    1));
				n++;
				error = hammer2_chain_next(big, c,
				    HAMMER2_KEY_MAX, 0, &c);
			}
			hammer2_chain_drop(big);
		}
		printf("big file after re-open: %d blocks\n", n);
		CHECK(n == ok);
		hammer2_chain_drop(pfs);
		hammer2_chain_drop(vroot);
		h2_host_close(dev);
	}
	free(buf);
	free(m);
	return (0);
}

static int
find_indirect_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct hammer2_blockref *out = arg;

	(void)error;
	if (bref->type == HAMMER2_BREF_TYPE_INDIRECT && out->type == 0 &&
	    bref->key >= INUM0 && bref->keybits < 20)
		*out = *bref;
	return (0);
}

/* A corrupt indirect block is EIO through lookups and creates. */
static int
scenario_eio(void)
{
	struct hammer2_chain *vroot, *pfs, *c;
	struct hammer2_blockref bad;
	struct hammer2_dev *dev;
	struct hammer2_pfs pmp;
	struct model *m = calloc(1, sizeof(*m));
	int error, fd, n = 0;
	uint8_t junk[64];

	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	build_base(dev, m, NINO, 4);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	dev = h2t_dev_open(0);
	if (dev == NULL)
		return (1);
	memset(&bad, 0, sizeof(bad));
	CHECK_ERR(hammer2_pfs_open(dev, "DATA", &pmp), 0);
	CHECK_ERR(hammer2_tree_scan(dev, pmp.pmp_iroot.ino_data.u.blockset.blockref,
	    HAMMER2_SET_COUNT, 0, HAMMER2_KEY_MAX, HAMMER2_SCAN_INDIRECT,
	    find_indirect_cb, &bad), 0);
	h2_host_close(dev);
	CHECK(bad.type == HAMMER2_BREF_TYPE_INDIRECT);
	if (bad.type != HAMMER2_BREF_TYPE_INDIRECT)
		return (1);
	printf("corrupting indirect 0x%016jx/%u at 0x%jx\n",
	    (uintmax_t)bad.key, bad.keybits, (uintmax_t)bad.data_off);
	memset(junk, 0x5a, sizeof(junk));
	fd = open(h2t_img_path, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, junk, sizeof(junk),
	    (off_t)hammer2_bref_offset(&bad) + 200) == (ssize_t)sizeof(junk));
	if (fd >= 0)
		close(fd);

	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	dev->d_quiet = 1;
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	if (pfs == NULL)
		return (1);
	error = hammer2_chain_lookup(pfs, INUM0, HAMMER2_DIRHASH_VISIBLE - 1,
	    0, &c);
	while (error == 0) {
		n++;
		error = hammer2_chain_next(pfs, c, HAMMER2_DIRHASH_VISIBLE - 1,
		    0, &c);
	}
	printf("%d inodes before the error %d\n", n, error);
	CHECK_ERR(error, EIO);
	CHECK_ERR(hammer2_chain_lookup(pfs, bad.key, bad.key, 0, &c), EIO);
	CHECK_ERR(hammer2_chain_create(pfs, bad.key, 0,
	    HAMMER2_BREF_TYPE_INODE, HAMMER2_INODE_BYTES, 1, &c), EIO);
	/* Elsewhere the tree still works and commits. */
	CHECK_ERR(hammer2_chain_lookup(pfs, FILE_INUM, FILE_INUM, 0, &c), 0);
	hammer2_chain_drop(c);
	CHECK_ERR(hammer2_chain_create(pfs, 1ULL << 40, 0,
	    HAMMER2_BREF_TYPE_INODE, HAMMER2_INODE_BYTES, 1, &c), 0);
	if (c != NULL) {
		ino_fill(c->ch_data, 1ULL << 40, 1);
		hammer2_chain_drop(c);
	}
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	CHECK_ERR(hammer2_flush(dev), 0);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	free(m);
	return (0);
}

#define FIX_INUM (1ULL << 40)	/* inode added to fixture PFSs */

struct fix_arg {
	struct hammer2_dev	*fa_dev;
	int			 fa_npfs;
	int			 fa_found;
};

static int
fix_pfs_cb(void *arg, const struct hammer2_inode *root)
{
	struct fix_arg *fa = arg;
	struct hammer2_blockref bref;
	struct hammer2_inode ip;

	fa->fa_npfs++;
	if (hammer2_tree_lookup(fa->fa_dev,
		root->ino_data.u.blockset.blockref, HAMMER2_SET_COUNT,
		FIX_INUM, &bref) == 0 &&
	    hammer2_inode_load(fa->fa_dev, &bref, &ip) == 0 &&
	    ip.ino_data.meta.inum == FIX_INUM)
		fa->fa_found++;
	return (0);
}

/*
 * A DragonFly-made image: mount read-write (freemap recovery when the
 * image's freemap is older than its topology), add an inode to every
 * PFS, commit; fsck passes and the read-only path sees them.
 */
static int
scenario_fixture(void)
{
	struct hammer2_chain *vroot, *sroot, *pfs;
	struct hammer2_dev *dev;
	struct fix_arg fa;
	int error, n = 0;

	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	vroot = hammer2_chain_vroot(dev);
	CHECK_ERR(hammer2_chain_lookup(vroot, 0, HAMMER2_KEY_MAX, 0, &sroot),
	    0);
	if (sroot == NULL)
		return (1);
	error = hammer2_chain_lookup(sroot, 0, HAMMER2_KEY_MAX, 0, &pfs);
	while (error == 0) {
		struct hammer2_chain *c = NULL;

		CHECK_ERR(hammer2_chain_create(pfs, FIX_INUM, 0,
		    HAMMER2_BREF_TYPE_INODE, HAMMER2_INODE_BYTES, next_mtid++,
		    &c), 0);
		if (c != NULL) {
			ino_fill(c->ch_data, FIX_INUM, 1);
			c->ch_bref.methods = pfs->ch_bref.methods & 0xF0;
			hammer2_chain_drop(c);
			n++;
		}
		error = hammer2_chain_next(sroot, pfs, HAMMER2_KEY_MAX, 0, &pfs);
	}
	CHECK_ERR(error, ENOENT);
	hammer2_chain_drop(sroot);
	hammer2_chain_drop(vroot);
	CHECK_ERR(timed_flush(dev, "one inode per PFS"), 0);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	h2t_run_fsck("fixture commit");
	dev = h2t_dev_open(0);
	if (dev == NULL)
		return (1);
	memset(&fa, 0, sizeof(fa));
	fa.fa_dev = dev;
	CHECK_ERR(hammer2_pfs_scan(dev, fix_pfs_cb, &fa), 0);
	printf("%d PFSs, %d with the new inode\n", fa.fa_npfs, fa.fa_found);
	CHECK(fa.fa_found == n && n == fa.fa_npfs && n > 0);
	h2_host_close(dev);
	return (0);
}

/* ---- random operations against a model ---------------------------- */

#define RPOOL_INO  4000		/* inode keys in play */
#define RPOOL_DATA 2000		/* file block keys in play */

struct rstate {
	hammer2_key_t	rs_ikey[RPOOL_INO];	/* sorted */
	uint32_t	rs_igen[RPOOL_INO];	/* 0: absent */
	hammer2_key_t	rs_dkey[RPOOL_DATA];	/* sorted */
	uint32_t	rs_dgen[RPOOL_DATA];
	uint64_t	rs_seed;
};

static uint64_t
rnd(struct rstate *rs)
{
	rs->rs_seed ^= rs->rs_seed << 13;
	rs->rs_seed ^= rs->rs_seed >> 7;
	rs->rs_seed ^= rs->rs_seed << 17;
	return (rs->rs_seed);
}

static int
key_cmp(const void *a, const void *b)
{
	hammer2_key_t x = *(const hammer2_key_t *)a;
	hammer2_key_t y = *(const hammer2_key_t *)b;

	return (x < y ? -1 : x > y);
}

/* Pools: dense runs and wide random keys, no duplicates. */
static void
rstate_init(struct rstate *rs)
{
	int i, j;

	memset(rs, 0, sizeof(*rs));
	rs->rs_seed = 0x9E3779B97F4A7C15ULL;
	if (getenv("H2_CHAIN_SEED") != NULL)	/* longer runs by hand */
		rs->rs_seed = strtoull(getenv("H2_CHAIN_SEED"), NULL, 0) | 1;
	for (i = 0; i < RPOOL_INO; i++) {
		if (i < RPOOL_INO / 2)
			rs->rs_ikey[i] = INUM0 + (hammer2_key_t)i;
		else
			rs->rs_ikey[i] = (rnd(rs) >> 2) | 0x10000;
	}
	for (i = 0; i < RPOOL_DATA; i++) {
		if (i < RPOOL_DATA / 2)
			rs->rs_dkey[i] = (hammer2_key_t)i * BLK;
		else
			rs->rs_dkey[i] = ((rnd(rs) >> 24) & ~(hammer2_key_t)
			    (BLK - 1)) | (1ULL << 30);
	}
	qsort(rs->rs_ikey, RPOOL_INO, sizeof(hammer2_key_t), key_cmp);
	qsort(rs->rs_dkey, RPOOL_DATA, sizeof(hammer2_key_t), key_cmp);
	for (i = 1, j = 0; i < RPOOL_DATA; i++)
		if (rs->rs_dkey[i] == rs->rs_dkey[j])
			rs->rs_dkey[i] += BLK * 3;	/* rare; keep unique */
		else
			j = i;
}

static size_t
rdata_fill(uint8_t *buf, hammer2_key_t key, uint32_t gen)
{
	size_t i, len = 100 + (size_t)((key / BLK * 7 + gen * 13) % 3000);

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(key / BLK + gen * 31 + i);
	memset(buf + len, 0, BLK - len);
	return (len);
}

static void
rverify(struct hammer2_dev *dev, struct rstate *rs, uint8_t *buf,
    uint8_t *got)
{
	struct hammer2_chain *vroot, *pfs, *file, *c;
	struct hammer2_inode_data *ip;
	int error, i = 0, bad = 0;

	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	if (pfs == NULL) {
		hammer2_chain_drop(vroot);
		return;
	}
	CHECK(tree_check(vroot, 0, HAMMER2_KEY_MAX) == 0);
	error = hammer2_chain_lookup(pfs, INUM0, HAMMER2_DIRHASH_VISIBLE - 1,
	    0, &c);
	while (error == 0) {
		if (c->ch_bref.key == FILE_INUM)
			goto next_ino;
		while (i < RPOOL_INO && rs->rs_ikey[i] < c->ch_bref.key &&
		    rs->rs_igen[i] == 0)
			i++;
		ip = c->ch_data;
		if (i >= RPOOL_INO || rs->rs_ikey[i] != c->ch_bref.key ||
		    rs->rs_igen[i] == 0 || ip->meta.inum != c->ch_bref.key ||
		    ip->meta.uflags != rs->rs_igen[i])
			bad++;
		else
			i++;
next_ino:
		error = hammer2_chain_next(pfs, c, HAMMER2_DIRHASH_VISIBLE - 1,
		    0, &c);
	}
	CHECK_ERR(error, ENOENT);
	while (i < RPOOL_INO && rs->rs_igen[i] == 0)
		i++;
	CHECK(i == RPOOL_INO);
	CHECK(bad == 0);
	file = file_get(pfs, false);
	i = 0;
	bad = 0;
	error = file != NULL ? hammer2_chain_lookup(file, 0, HAMMER2_KEY_MAX,
	    0, &c) : ENOENT;
	while (error == 0) {
		while (i < RPOOL_DATA && rs->rs_dkey[i] < c->ch_bref.key &&
		    rs->rs_dgen[i] == 0)
			i++;
		if (i >= RPOOL_DATA || rs->rs_dkey[i] != c->ch_bref.key ||
		    rs->rs_dgen[i] == 0) {
			bad++;
		} else {
			rdata_fill(buf, rs->rs_dkey[i], rs->rs_dgen[i]);
			if (hammer2_data_read(dev, &c->ch_bref, got, BLK) != 0 ||
			    memcmp(buf, got, BLK) != 0)
				bad++;
			i++;
		}
		error = hammer2_chain_next(file, c, HAMMER2_KEY_MAX, 0, &c);
	}
	CHECK_ERR(error, ENOENT);
	while (i < RPOOL_DATA && rs->rs_dgen[i] == 0)
		i++;
	CHECK(i == RPOOL_DATA);
	CHECK(bad == 0);
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
}

/* One random operation on the inode or data pool. */
static void
rstep(struct rstate *rs, struct hammer2_chain *pfs, struct hammer2_chain *file,
    uint8_t *buf)
{
	struct hammer2_chain *c;
	uint64_t r = rnd(rs);
	hammer2_key_t key;
	uint32_t *genp;
	int error, i;

	if (r & 1) {
		i = (int)((r >> 8) % RPOOL_INO);
		key = rs->rs_ikey[i];
		genp = &rs->rs_igen[i];
		if (*genp == 0) {
			error = hammer2_chain_create(pfs, key, 0,
			    HAMMER2_BREF_TYPE_INODE, HAMMER2_INODE_BYTES,
			    next_mtid++, &c);
			CHECK_ERR(error, 0);
			if (error != 0)
				return;
			ino_fill(c->ch_data, key, 1);
			hammer2_chain_drop(c);
			*genp = 1;
		} else if ((r >> 4) & 1) {
			CHECK_ERR(key_delete(pfs, key), 0);
			*genp = 0;
		} else {
			error = hammer2_chain_lookup(pfs, key, key, 0, &c);
			CHECK_ERR(error, 0);
			if (error != 0)
				return;
			CHECK_ERR(hammer2_chain_modify(c, next_mtid++), 0);
			ino_fill(c->ch_data, key, ++*genp);
			hammer2_chain_drop(c);
		}
		return;
	}
	i = (int)((r >> 8) % RPOOL_DATA);
	key = rs->rs_dkey[i];
	genp = &rs->rs_dgen[i];
	if (*genp != 0 && ((r >> 4) & 1)) {
		CHECK_ERR(key_delete(file, key), 0);
		*genp = 0;
		return;
	}
	error = hammer2_chain_lookup(file, key, key, 0, &c);
	if (error == ENOENT)
		error = hammer2_chain_create(file, key, HAMMER2_LBUFRADIX,
		    HAMMER2_BREF_TYPE_DATA, 0, next_mtid++, &c);
	CHECK_ERR(error, 0);
	if (error != 0)
		return;
	error = hammer2_chain_write_data(c, buf, rdata_fill(buf, key,
	    *genp + 1), HAMMER2_ENC_CHECK(HAMMER2_CHECK_ISCSI32),
	    next_mtid++);
	CHECK_ERR(error, 0);
	if (error == 0)
		++*genp;
	hammer2_chain_drop(c);
}

/*
 * Random creates, modifies, re-writes and deletes over dense and sparse
 * keys; the tree is checked against the model every 500 operations,
 * committed every 2,000, re-opened every 4,000 (fsck each time).
 */
static int
scenario_random(void)
{
	struct hammer2_chain *vroot, *pfs = NULL, *file = NULL;
	struct hammer2_dev *dev = NULL;
	struct rstate *rs = malloc(sizeof(*rs));
	uint8_t *buf = malloc(BLK), *got = malloc(BLK);
	int op, nops = 16000;

	rstate_init(rs);
	for (op = 0; op <= nops; op++) {
		if (dev == NULL) {
			dev = h2t_dev_open(1);
			if (dev == NULL)
				return (1);
			/* Tiny cache: trims all the time. */
			((struct hammer2_rw *)dev->d_rw)->rw_cache_bytes =
			    op < nops / 2 ? 64 * 1024 : HAMMER2_CHAIN_CACHE_BYTES;
			((struct hammer2_rw *)dev->d_rw)->rw_trim_at = 0;
			vroot = hammer2_chain_vroot(dev);
			pfs = h2t_pfs_find(vroot, "DATA");
			hammer2_chain_drop(vroot);
			if (pfs == NULL)
				return (1);
			file = file_get(pfs, true);
			if (file == NULL)
				return (1);
		}
		if (op % 500 == 0)
			rverify(dev, rs, buf, got);
		if (op % 2000 == 1999)
			CHECK_ERR(hammer2_flush(dev), 0);
		if (op % 4000 == 3999 || op == nops) {
			hammer2_chain_drop(file);
			hammer2_chain_drop(pfs);
			CHECK_ERR(hammer2_rw_unmount(dev), 0);
			h2_host_close(dev);
			dev = NULL;
			h2t_run_fsck("random operations");
			dev = h2t_dev_open(0);
			if (dev != NULL) {
				rverify(dev, rs, buf, got);
				h2_host_close(dev);
			}
			dev = NULL;
			continue;
		}
		rstep(rs, pfs, file, buf);
	}
	free(rs);
	free(buf);
	free(got);
	return (0);
}

/*
 * Dedup: a leaf sharing a committed block reads the same bytes, keeps
 * them across re-writes of either sharer, and survives commits and fsck.
 */
static int
scenario_share(void)
{
	struct hammer2_chain *vroot, *pfs, *file, *a = NULL, *b = NULL;
	struct hammer2_blockref src;
	struct hammer2_dev *dev;
	struct model *m = calloc(1, sizeof(*m));
	uint8_t *buf = malloc(BLK), *got = malloc(BLK);
	int k;

	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	build_base(dev, m, 10, 8);
	CHECK_ERR(hammer2_flush(dev), 0);
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	file = pfs != NULL ? file_get(pfs, false) : NULL;
	if (file == NULL)
		return (1);
	/* A fresh source is refused. */
	CHECK_ERR(data_put(file, 2, 5, buf), 0);
	m->m_data_gen[2] = 5;
	CHECK_ERR(hammer2_chain_lookup(file, data_off(2), data_off(2), 0, &a),
	    0);
	CHECK_ERR(hammer2_chain_create(file, 7ULL << 40, 16,
	    HAMMER2_BREF_TYPE_DATA, 0, 1, &b), 0);
	if (a == NULL || b == NULL)
		return (1);
	CHECK_ERR(hammer2_chain_share(b, &a->ch_bref, next_mtid++), EINVAL);
	hammer2_chain_drop(a);
	/* A committed one is shared. */
	CHECK_ERR(hammer2_chain_lookup(file, data_off(1), data_off(1), 0, &a),
	    0);
	if (a == NULL)
		return (1);
	src = a->ch_bref;
	CHECK_ERR(hammer2_chain_share(b, &src, next_mtid++), 0);
	CHECK_ERR(hammer2_chain_share(a, &src, next_mtid++), 0);
	hammer2_chain_drop(a);
	data_fill(buf, 1, m->m_data_gen[1]);
	CHECK_ERR(hammer2_data_read(dev, &b->ch_bref, got, BLK), 0);
	CHECK(memcmp(buf, got, BLK) == 0);
	/* A block freed while fresh is refused even after a commit. */
	CHECK_ERR(data_put(file, 6, 7, buf), 0);
	CHECK_ERR(hammer2_chain_lookup(file, data_off(6), data_off(6), 0, &a),
	    0);
	if (a == NULL)
		return (1);
	src = a->ch_bref;
	hammer2_chain_drop(a);
	CHECK_ERR(data_put(file, 6, 8, buf), 0);
	m->m_data_gen[6] = 8;
	CHECK_ERR(hammer2_flush(dev), 0);
	CHECK(!hammer2_chain_bref_is_fresh(dev, &src));
	CHECK_ERR(hammer2_chain_share(b, &src, next_mtid++), EINVAL);
	src.data_off = 0;
	CHECK_ERR(hammer2_chain_share(b, &src, next_mtid++), EINVAL);
	hammer2_chain_drop(b);
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	CHECK_ERR(hammer2_flush(dev), 0);
	/* Re-write block 1 twice: the sharer keeps the old bytes. */
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	file = pfs != NULL ? file_get(pfs, false) : NULL;
	if (file == NULL)
		return (1);
	CHECK_ERR(data_put(file, 1, 8, buf), 0);
	CHECK_ERR(data_put(file, 1, 9, buf), 0);
	for (k = 0; k < 3; k++)
		CHECK_ERR(data_put(file, 3, 9 + k, buf), 0);
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	h2t_run_fsck("shared blocks");
	dev = h2t_dev_open(0);
	if (dev == NULL)
		return (1);
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	file = pfs != NULL ? file_get(pfs, false) : NULL;
	if (file != NULL &&
	    hammer2_chain_lookup(file, 7ULL << 40, 7ULL << 40, 0, &b) == 0) {
		data_fill(buf, 1, 1);
		CHECK_ERR(hammer2_data_read(dev, &b->ch_bref, got, BLK), 0);
		CHECK(memcmp(buf, got, BLK) == 0);
		hammer2_chain_drop(b);
	} else {
		CHECK(!"shared leaf missing");
	}
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	h2_host_close(dev);
	free(buf);
	free(got);
	free(m);
	return (0);
}

/*
 * Freemap recovery (format §17.2): an image whose header names an older
 * freemap than its topology (as DragonFly leaves them) is mounted
 * read-write; the blocks the freemap does not know must be marked
 * before anything is allocated, or the next commit overwrites them.
 */
static int
scenario_recover(void)
{
	struct hammer2_chain *vroot, *pfs, *file;
	struct hammer2_volume_data *va, *vb;
	struct hammer2_dev *dev;
	struct model *m = calloc(1, sizeof(*m));
	uint8_t *buf = malloc(BLK);
	int fd, i, k, slot;

	va = malloc(sizeof(*va));
	vb = malloc(sizeof(*vb));
	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	build_base(dev, m, 300, 20);
	CHECK_ERR(hammer2_flush(dev), 0);
	memcpy(va, &dev->d_voldata, sizeof(*va));
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	file = pfs != NULL ? file_get(pfs, false) : NULL;
	if (file == NULL)
		return (1);
	for (i = 300; i < 900; i++) {
		CHECK_ERR(ino_create(pfs, i, 2), 0);
		m->m_ino_gen[i] = 2;
	}
	for (k = 20; k < 80; k++) {
		CHECK_ERR(data_put(file, k, 2, buf), 0);
		m->m_data_gen[k] = 2;
	}
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	CHECK_ERR(hammer2_flush(dev), 0);
	memcpy(vb, &dev->d_voldata, sizeof(*vb));
	slot = dev->d_volhdr_index;
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);

	/* The header of B with the freemap of A. */
	vb->freemap_blockset = va->freemap_blockset;
	vb->freemap_tid = va->freemap_tid;
	vb->allocator_free = va->allocator_free;
	hammer2_volume_set_crcs(vb);
	fd = open(h2t_img_path, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, vb, sizeof(*vb),
	    (off_t)slot * (off_t)HAMMER2_ZONE_BYTES64) == (ssize_t)sizeof(*vb));
	if (fd >= 0)
		close(fd);

	/* Mount (recovery), allocate a lot, commit. */
	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	CHECK(dev->d_voldata.freemap_tid < dev->d_voldata.mirror_tid);
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	file = pfs != NULL ? file_get(pfs, false) : NULL;
	if (file == NULL)
		return (1);
	for (i = 900; i < 2900; i++) {
		CHECK_ERR(ino_create(pfs, i, 3), 0);
		m->m_ino_gen[i] = 3;
	}
	for (k = 80; k < 200; k++) {
		CHECK_ERR(data_put(file, k, 3, buf), 0);
		m->m_data_gen[k] = 3;
	}
	for (i = 0; i < 300; i += 2) {
		CHECK_ERR(ino_modify(pfs, i, 4), 0);
		m->m_ino_gen[i] = 4;
	}
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	verify_all(m, "commit after freemap recovery");
	free(va);
	free(vb);
	free(buf);
	free(m);
	return (0);
}

/*
 * Device write errors: a failed data write is EIO and changes nothing
 * (the transaction goes on); a failed write inside a commit is EIO,
 * sticky, and the image keeps the previous commit.
 */
static int
scenario_ioerr(void)
{
	struct hammer2_chain *vroot, *pfs, *file, *c;
	struct hammer2_dev *dev;
	struct model *m = calloc(1, sizeof(*m));
	uint8_t *buf = malloc(BLK);
	hammer2_off_t before;
	int i;

	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	wrap_install(dev);
	build_base(dev, m, 200, 10);
	CHECK_ERR(hammer2_flush(dev), 0);
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	file = pfs != NULL ? file_get(pfs, false) : NULL;
	if (file == NULL)
		return (1);
	/* A data write that fails leaves the leaf as it was. */
	CHECK_ERR(hammer2_chain_lookup(file, data_off(3), data_off(3), 0, &c),
	    0);
	if (c == NULL)
		return (1);
	before = c->ch_bref.data_off;
	wrap_limit = wrap_writes;
	wrap_fail = 1;
	dev->d_quiet = 1;
	CHECK_ERR(hammer2_chain_write_data(c, buf, 4000,
	    HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64), next_mtid++), EIO);
	CHECK(c->ch_bref.data_off == before);
	wrap_limit = -1;
	hammer2_chain_drop(c);
	CHECK_ERR(data_put(file, 3, 2, buf), 0);
	m->m_data_gen[3] = 2;
	for (i = 200; i < 260; i++) {
		CHECK_ERR(ino_create(pfs, i, 1), 0);
		m->m_ino_gen[i] = 1;
	}
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	CHECK_ERR(hammer2_flush(dev), 0);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	verify_all(m, "data write error");

	/* A commit whose 5th write fails. */
	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	wrap_install(dev);
	dev->d_quiet = 1;
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	if (pfs == NULL)
		return (1);
	for (i = 260; i < 400; i++)
		CHECK_ERR(ino_create(pfs, i, 1), 0);
	wrap_limit = wrap_writes + 4;
	wrap_fail = 1;
	CHECK_ERR(hammer2_flush(dev), EIO);
	wrap_limit = -1;
	CHECK_ERR(hammer2_flush(dev), EIO);
	CHECK_ERR(ino_create(pfs, 401, 1), EIO);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	CHECK_ERR(hammer2_rw_unmount(dev), EIO);
	h2_host_close(dev);
	verify_all(m, "commit write error");
	free(buf);
	free(m);
	return (0);
}

/*
 * Truncation pattern: iterate with lookup/next and delete every leaf
 * returned (indirect blocks empty out and fold under the iteration), in
 * a committed tree and in one built by the open transaction.
 */
static int
scenario_iterdel(void)
{
	struct hammer2_chain *vroot, *pfs, *file, *c;
	struct hammer2_dev *dev;
	struct model *m = calloc(1, sizeof(*m));
	uint8_t *buf = malloc(BLK);
	hammer2_key_t cut;
	int error, k, n, pass;

	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	build_base(dev, m, 50, NDATA);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 0)
			CHECK_ERR(hammer2_flush(dev), 0);
		vroot = hammer2_chain_vroot(dev);
		pfs = h2t_pfs_find(vroot, "DATA");
		file = pfs != NULL ? file_get(pfs, false) : NULL;
		if (file == NULL)
			return (1);
		if (pass == 1) {
			/* Rebuild uncommitted, then cut again. */
			for (k = 0; k < NDATA; k++) {
				CHECK_ERR(data_put(file, k, 6, buf), 0);
				m->m_data_gen[k] = 6;
			}
		}
		/* Delete everything at or above the cut. */
		cut = data_off(NDATA / 2);
		n = 0;
		error = hammer2_chain_lookup(file, cut, HAMMER2_KEY_MAX,
		    HAMMER2_LOOKUP_NODATA, &c);
		while (error == 0) {
			CHECK_ERR(hammer2_chain_delete(c, next_mtid++), 0);
			k = data_index(c->ch_bref.key);
			if (k >= 0)
				m->m_data_gen[k] = 0;
			n++;
			error = hammer2_chain_next(file, c, HAMMER2_KEY_MAX,
			    HAMMER2_LOOKUP_NODATA, &c);
		}
		CHECK_ERR(error, ENOENT);
		for (k = 0; k < NDATA; k++)
			CHECK(data_off(k) < cut || m->m_data_gen[k] == 0);
		printf("pass %d: %d blocks deleted by iteration\n", pass, n);
		CHECK(n > 0);
		CHECK(tree_check(vroot, 0, HAMMER2_KEY_MAX) == 0);
		hammer2_chain_drop(file);
		hammer2_chain_drop(pfs);
		hammer2_chain_drop(vroot);
		verify_chains(dev, m);
		CHECK_ERR(hammer2_flush(dev), 0);
	}
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	verify_all(m, "delete by iteration");
	free(buf);
	free(m);
	return (0);
}

/*
 * Header rotation (format §4.3): each commit goes to the next copy that
 * lies inside the volume, wrapping to 0; a re-open picks the newest.
 */
static int
scenario_slots(void)
{
	struct hammer2_chain *vroot, *pfs;
	struct hammer2_dev *dev;
	struct model *m = calloc(1, sizeof(*m));
	int c, ncopies = 0, slot, want;
	hammer2_tid_t tid;

	dev = h2t_dev_open(0);
	if (dev == NULL)
		return (1);
	while (ncopies < HAMMER2_NUM_VOLHDRS &&
	    (uint64_t)ncopies * HAMMER2_ZONE_BYTES64 <
	    dev->d_voldata.volu_size)
		ncopies++;
	slot = dev->d_volhdr_index;
	tid = dev->d_voldata.mirror_tid;
	h2_host_close(dev);
	printf("%d header copies\n", ncopies);
	for (c = 0; c < 2 * ncopies + 1; c++) {
		dev = h2t_dev_open(1);
		if (dev == NULL)
			return (1);
		vroot = hammer2_chain_vroot(dev);
		pfs = h2t_pfs_find(vroot, "DATA");
		if (pfs == NULL)
			return (1);
		CHECK_ERR(ino_create(pfs, c, 1), 0);
		m->m_ino_gen[c] = 1;
		hammer2_chain_drop(pfs);
		hammer2_chain_drop(vroot);
		CHECK_ERR(hammer2_rw_unmount(dev), 0);
		h2_host_close(dev);
		want = (slot + 1) % ncopies;
		dev = h2t_dev_open(0);
		if (dev == NULL)
			return (1);
		CHECK(dev->d_volhdr_index == want);
		CHECK(dev->d_voldata.mirror_tid == tid + 1);
		CHECK(dev->d_volhdr_valid == (1 << ncopies) - 1);
		verify_readonly(dev, m, true);
		slot = dev->d_volhdr_index;
		tid = dev->d_voldata.mirror_tid;
		h2_host_close(dev);
	}
	h2t_run_fsck("header rotation");
	free(m);
	return (0);
}

struct loop_arg {
	struct hammer2_blockref	la_stack[64];
	int			la_sp;
	struct hammer2_blockref	la_parent, la_child;
};

static int
loop_find_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct loop_arg *la = arg;

	(void)error;
	while (la->la_sp > 0 &&
	    hammer2_bref_key_end(&la->la_stack[la->la_sp - 1]) < bref->key)
		la->la_sp--;
	if (bref->type != HAMMER2_BREF_TYPE_INDIRECT)
		return (0);
	if (la->la_sp > 0 && la->la_child.type == 0) {
		la->la_parent = la->la_stack[la->la_sp - 1];
		la->la_child = *bref;
	}
	if (la->la_sp < 64)
		la->la_stack[la->la_sp++] = *bref;
	return (0);
}

/*
 * A corrupt indirect block naming its own parent (a loop; possible on
 * media only with check codes off, as the fuzzer runs): lookups end in
 * EIO at the nesting limit, never hang or crash.
 */
static int
scenario_loop(void)
{
	struct hammer2_chain *vroot, *pfs, *c;
	struct hammer2_dev *dev;
	struct hammer2_pfs pmp;
	struct loop_arg *la = calloc(1, sizeof(*la));
	struct model *m = calloc(1, sizeof(*m));
	int error, fd, n = 0;
	void *blk;

	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	build_base(dev, m, NINO, 2);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	dev = h2t_dev_open(0);
	if (dev == NULL)
		return (1);
	CHECK_ERR(hammer2_pfs_open(dev, "DATA", &pmp), 0);
	CHECK_ERR(hammer2_tree_scan(dev,
	    pmp.pmp_iroot.ino_data.u.blockset.blockref, HAMMER2_SET_COUNT, 0,
	    HAMMER2_KEY_MAX, HAMMER2_SCAN_INDIRECT, loop_find_cb, la), 0);
	h2_host_close(dev);
	CHECK(la->la_child.type == HAMMER2_BREF_TYPE_INDIRECT);
	if (la->la_child.type != HAMMER2_BREF_TYPE_INDIRECT)
		return (1);
	printf("indirect 0x%jx/%u now names its parent 0x%jx/%u\n",
	    (uintmax_t)la->la_child.key, la->la_child.keybits,
	    (uintmax_t)la->la_parent.key, la->la_parent.keybits);
	/* Its array becomes the parent's bref alone (a valid array). */
	blk = calloc(1, hammer2_bref_bytes(&la->la_child));
	memcpy(blk, &la->la_parent, sizeof(la->la_parent));
	fd = open(h2t_img_path, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, blk, hammer2_bref_bytes(&la->la_child),
	    (off_t)hammer2_bref_offset(&la->la_child)) ==
	    (ssize_t)hammer2_bref_bytes(&la->la_child));
	if (fd >= 0)
		close(fd);
	free(blk);
	dev = h2t_dev_open(0);
	if (dev == NULL)
		return (1);
	dev->d_nocheck = 1;
	dev->d_quiet = 1;
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	if (pfs == NULL)
		return (1);
	error = hammer2_chain_lookup(pfs, 0, HAMMER2_DIRHASH_VISIBLE - 1, 0,
	    &c);
	while (error == 0 && n < 100000) {
		n++;
		error = hammer2_chain_next(pfs, c, HAMMER2_DIRHASH_VISIBLE - 1,
		    0, &c);
	}
	printf("%d inodes before error %d\n", n, error);
	CHECK_ERR(error, EIO);
	CHECK_ERR(hammer2_chain_lookup(pfs, la->la_child.key,
	    la->la_child.key, 0, &c), EIO);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	h2_host_close(dev);
	free(la);
	free(m);
	return (0);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} scenarios[] = {
		{ "tree", scenario_tree },
		{ "uncommitted", scenario_uncommitted },
		{ "torn", scenario_torn },
		{ "erofs", scenario_erofs },
		{ "einval", scenario_einval },
		{ "enospc", scenario_enospc },
		{ "eio", scenario_eio },
		{ "fixture", scenario_fixture },
		{ "random", scenario_random },
		{ "share", scenario_share },
		{ "recover", scenario_recover },
		{ "ioerr", scenario_ioerr },
		{ "iterdel", scenario_iterdel },
		{ "slots", scenario_slots },
		{ "loop", scenario_loop },
	};
	size_t i;
	int rc = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 4) {
		fprintf(stderr, "usage: h2_chain_test SCENARIO IMAGE FSCK\n");
		return (2);
	}
	h2t_img_path = argv[2];
	h2t_fsck_path = argv[3];
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (strcmp(argv[1], scenarios[i].name) == 0)
			rc = scenarios[i].fn();
	}
	if (rc == 2) {
		fprintf(stderr, "h2_chain_test: unknown scenario %s\n", argv[1]);
		return (2);
	}
	printf("%d checks, %d failed\n", h2t_nchecks, h2t_nfailed);
	return (rc != 0 || h2t_nfailed != 0);
}
