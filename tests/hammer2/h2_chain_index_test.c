/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_chain_index_test.c - the chain layer's binary-searched live-slot
 * index (cp_live, hammer2_chain.c) and its directory split policy
 * (hammer2_chain_create.c) against a model, built with ASan/UBSan.
 *
 * Model: scenario "model" fills one directory inode of PFS "DATA" with
 * tens of thousands of DIRENT leaves (uniformly spread hash-like keys,
 * a dense cluster of keys, some leaves with keybits > 0) so that it
 * needs several levels of indirect blocks, then runs random inserts,
 * deletes and range lookups through hammer2_chain_create/_delete/
 * _lookup/_next and compares every answer with a sorted array of the
 * same key ranges (EEXIST on overlap, the first leaf meeting [beg, end],
 * whole ordered walks).  It commits along the way (fsck_hammer2 after
 * every commit), checks the in-memory tree (sorted arrays, kids table,
 * every live slot listed in its node's index in ascending order) and,
 * at the end, walks the re-opened image read-only against the model.
 * Scenario "holes" has the flush drop never-written DATA leaves behind
 * an index built before it (the index must notice) and checks lookups.
 * Every dirent names one file inode whose nlinks is kept equal to their
 * number, so fsck's link count check holds.  CHECK() records a failure
 * and goes on; exit 1 on any failure.  H2IDX_SEED overrides the seed.
 *
 * Usage: h2_chain_index_test SCENARIO IMAGE FSCK_PATH
 *
 * More: tests/suites/hammer2-chain.sh, docs/design/hammer2-write.md.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hammer2.h"
#include "hammer2_chain_priv.h"
#include "libhammer2.h"
#include "h2_chain_testlib.h"

#define IDX_DIR_INUM	900001	/* the big directory */
#define IDX_FILE_INUM	900002	/* what its entries name */
#define IDX_MAXE	40000	/* model capacity */
#define IDX_FILL	24000	/* entries before the random phase */
#define IDX_OPS		40000	/* random operations */
#define IDX_DENSE	(HAMMER2_DIRHASH_VISIBLE + 0x1000)
#define IDX_NAME	"idx"

static hammer2_tid_t next_mtid = 1000;
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

/* The model: sorted, non-overlapping key ranges. */
struct idx_model {
	hammer2_key_t	im_key[IDX_MAXE];
	uint8_t		im_bits[IDX_MAXE];
	int		im_n;
};

static uint64_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (rnd_state);
}

static hammer2_key_t
model_end(const struct idx_model *m, int i)
{
	return (m->im_key[i] + hammer2_keymask(m->im_bits[i]));
}

/* First entry whose range ends at or after beg (m->im_n if none). */
static int
model_search(const struct idx_model *m, hammer2_key_t beg)
{
	int lo = 0, hi = m->im_n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (model_end(m, mid) < beg)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/* Index of the first entry meeting [beg, end], or -1. */
static int
model_first(const struct idx_model *m, hammer2_key_t beg, hammer2_key_t end)
{
	int i = model_search(m, beg);

	return (i < m->im_n && m->im_key[i] <= end ? i : -1);
}

static void
model_insert(struct idx_model *m, hammer2_key_t key, int bits)
{
	int i = model_search(m, key);

	memmove(&m->im_key[i + 1], &m->im_key[i],
	    sizeof(m->im_key[0]) * (size_t)(m->im_n - i));
	memmove(&m->im_bits[i + 1], &m->im_bits[i],
	    sizeof(m->im_bits[0]) * (size_t)(m->im_n - i));
	m->im_key[i] = key;
	m->im_bits[i] = (uint8_t)bits;
	m->im_n++;
}

static void
model_remove(struct idx_model *m, int i)
{
	memmove(&m->im_key[i], &m->im_key[i + 1],
	    sizeof(m->im_key[0]) * (size_t)(m->im_n - i - 1));
	memmove(&m->im_bits[i], &m->im_bits[i + 1],
	    sizeof(m->im_bits[0]) * (size_t)(m->im_n - i - 1));
	m->im_n--;
}

/* A random key range: spread hash-like, dense cluster, or wide. */
static void
rnd_range(hammer2_key_t *keyp, int *bitsp)
{
	uint64_t r = rnd() % 100;
	int bits = 0;

	if (r >= 85)
		bits = 1 + (int)(rnd() % 20);
	if (r < 25)
		*keyp = IDX_DENSE + rnd() % 16384;
	else
		*keyp = HAMMER2_DIRHASH_VISIBLE | rnd();
	*keyp &= ~hammer2_keymask(bits);
	*bitsp = bits;
}

/* ---- setup ------------------------------------------------------- */

static int
ino_create(struct hammer2_chain *pfs, hammer2_tid_t inum, uint8_t type,
    struct hammer2_chain **cp)
{
	struct hammer2_inode_data *ip;
	int error;

	error = hammer2_chain_create(pfs, inum, 0, HAMMER2_BREF_TYPE_INODE,
	    HAMMER2_INODE_BYTES, next_mtid++, cp);
	if (error != 0)
		return (error);
	ip = (*cp)->ch_data;
	ip->meta.version = HAMMER2_INODE_VERSION_ONE;
	ip->meta.type = type;
	ip->meta.inum = inum;
	ip->meta.mode = type == HAMMER2_OBJTYPE_DIRECTORY ? 0755 : 0644;
	ip->meta.nlinks = 1;
	ip->meta.iparent = HAMMER2_PFSROOT_INUM;
	ip->meta.comp_algo = HAMMER2_COMP_NONE;
	ip->meta.check_algo = HAMMER2_CHECK_XXHASH64;
	ip->meta.name_len = (uint16_t)snprintf((char *)ip->filename,
	    sizeof(ip->filename), "i%ju", (uintmax_t)inum);
	return (0);
}

/* A DIRENT of dir at key/bits naming inum; EEXIST passes through. */
static int
dirent_create(struct hammer2_chain *dir, hammer2_key_t key, int bits,
    hammer2_tid_t inum, const char *name)
{
	struct hammer2_chain *c;
	size_t len = strlen(name);
	int error;

	error = hammer2_chain_create(dir, key, bits, HAMMER2_BREF_TYPE_DIRENT,
	    0, next_mtid++, &c);
	if (error != 0)
		return (error);
	c->ch_bref.embed.dirent.inum = inum;
	c->ch_bref.embed.dirent.namlen = (uint16_t)len;
	c->ch_bref.embed.dirent.type = HAMMER2_OBJTYPE_REGFILE;
	memcpy(c->ch_bref.check.buf, name, len);
	hammer2_chain_drop(c);
	return (0);
}

/* ---- checks ------------------------------------------------------ */

/*
 * The in-memory tree below node: sorted arrays inside [lo, hi], kids
 * table consistent, every live slot in the live index when it is valid.
 * *depthp: most INDIRECT levels seen.  Returns the violations.
 */
static int
tree_check(struct hammer2_chain *node, hammer2_key_t lo, hammer2_key_t hi,
    int level, int *depthp)
{
	struct hammer2_chain_priv *cp = node->ch_priv;
	struct hammer2_blockref *base, *b, *prev = NULL;
	struct hammer2_chain *kid;
	int bad = 0, count, i, p = 0;

	if (level > *depthp)
		*depthp = level;
	if (node->ch_data == NULL ||
	    hammer2_chain_array(node, &base, &count) != 0 || count == 0)
		return (0);
	for (i = 0; cp->cp_live_ok && i + 1 < cp->cp_nlive; i++) {
		if (cp->cp_live[i] >= cp->cp_live[i + 1] ||
		    cp->cp_live[i + 1] >= count) {
			printf("  index of 0x%jx/%u not ascending at %d\n",
			    (uintmax_t)node->ch_bref.key,
			    node->ch_bref.keybits, i);
			bad++;
		}
	}
	for (i = 0; i < count; i++) {
		kid = cp->cp_kids != NULL ? cp->cp_kids[i] : NULL;
		b = kid != NULL ? &kid->ch_bref : &base[i];
		if (kid != NULL && (kid->ch_parent != node ||
			kid->ch_priv->cp_slot != i ||
			kid->ch_bref.key != base[i].key)) {
			printf("  slot %d of 0x%jx: kid mismatch\n", i,
			    (uintmax_t)node->ch_bref.key);
			bad++;
		}
		if (b->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		if (cp->cp_live_ok) {
			while (p < cp->cp_nlive && cp->cp_live[p] < i)
				p++;
			if (p >= cp->cp_nlive || cp->cp_live[p] != i ||
			    cp->cp_live_end[p] != hammer2_bref_key_end(b)) {
				printf("  live slot %d of 0x%jx/%u not indexed\n",
				    i, (uintmax_t)node->ch_bref.key,
				    node->ch_bref.keybits);
				bad++;
			}
		}
		if (b->key < lo || hammer2_bref_key_end(b) > hi ||
		    (prev != NULL && hammer2_bref_key_end(prev) >= b->key)) {
			printf("  slot %d (0x%jx/%u) of 0x%jx: out of range or order\n",
			    i, (uintmax_t)b->key, b->keybits,
			    (uintmax_t)node->ch_bref.key);
			bad++;
		}
		prev = b;
		if (kid != NULL && kid->ch_bref.type ==
		    HAMMER2_BREF_TYPE_INDIRECT)
			bad += tree_check(kid, b->key, hammer2_bref_key_end(b),
			    level + 1, depthp);
	}
	return (bad);
}

/* Lookup [beg, end] below dir; compare with the model. */
static void
check_lookup(struct hammer2_chain *dir, const struct idx_model *m,
    hammer2_key_t beg, hammer2_key_t end)
{
	struct hammer2_chain *c;
	int error, want = model_first(m, beg, end);

	error = hammer2_chain_lookup(dir, beg, end, HAMMER2_LOOKUP_NODATA,
	    &c);
	h2t_nchecks++;
	if (want < 0 ? error != ENOENT : error != 0 ||
	    c->ch_bref.key != m->im_key[want] ||
	    c->ch_bref.keybits != m->im_bits[want]) {
		h2t_nfailed++;
		printf("FAILED lookup [0x%jx, 0x%jx]: error %d key 0x%jx/%d, want %s 0x%jx/%d\n",
		    (uintmax_t)beg, (uintmax_t)end, error,
		    (uintmax_t)(error == 0 ? c->ch_bref.key : 0),
		    error == 0 ? c->ch_bref.keybits : -1,
		    want < 0 ? "ENOENT" : "",
		    (uintmax_t)(want < 0 ? 0 : m->im_key[want]),
		    want < 0 ? -1 : m->im_bits[want]);
	}
	if (error == 0)
		hammer2_chain_drop(c);
}

/* Walk [beg, end] with lookup/next; it must list the model's entries. */
static void
check_walk(struct hammer2_chain *dir, const struct idx_model *m,
    hammer2_key_t beg, hammer2_key_t end)
{
	struct hammer2_chain *c;
	int error, i = model_search(m, beg), bad = 0;

	error = hammer2_chain_lookup(dir, beg, end, HAMMER2_LOOKUP_NODATA,
	    &c);
	while (error == 0) {
		if (i >= m->im_n || c->ch_bref.key != m->im_key[i] ||
		    c->ch_bref.keybits != m->im_bits[i]) {
			if (bad++ == 0)
				printf("FAILED walk [0x%jx, 0x%jx]: entry %d is 0x%jx/%u\n",
				    (uintmax_t)beg, (uintmax_t)end, i,
				    (uintmax_t)c->ch_bref.key,
				    c->ch_bref.keybits);
		}
		i++;
		error = hammer2_chain_next(dir, c, end, HAMMER2_LOOKUP_NODATA,
		    &c);
	}
	h2t_nchecks++;
	if (error != ENOENT || (i < m->im_n && m->im_key[i] <= end) ||
	    bad != 0) {
		h2t_nfailed++;
		printf("FAILED walk [0x%jx, 0x%jx]: error %d, %d entries, %d wrong\n",
		    (uintmax_t)beg, (uintmax_t)end, error, i, bad);
	}
}

/* Set the file inode's nlinks to the model's entry count. */
static void
set_links(struct hammer2_chain *pfs, const struct idx_model *m)
{
	struct hammer2_chain *c;

	CHECK_ERR(hammer2_chain_lookup(pfs, IDX_FILE_INUM, IDX_FILE_INUM, 0,
	    &c), 0);
	if (c == NULL)
		return;
	CHECK_ERR(hammer2_chain_modify(c, next_mtid++), 0);
	((struct hammer2_inode_data *)c->ch_data)->meta.nlinks =
	    (uint64_t)m->im_n;
	hammer2_chain_drop(c);
}

static void
commit(struct hammer2_dev *dev, struct hammer2_chain *pfs,
    struct hammer2_chain *dir, const struct idx_model *m, const char *why)
{
	int depth = 0, bad;

	bad = tree_check(dir, 0, HAMMER2_KEY_MAX, 0, &depth);
	h2t_nchecks++;
	if (bad != 0) {
		h2t_nfailed++;
		printf("FAILED tree check before %s: %d problems\n", why, bad);
	}
	set_links(pfs, m);
	CHECK_ERR(hammer2_flush(dev), 0);
	h2t_run_fsck(why);
	printf("  %s: %d entries, %d indirect levels in memory\n", why,
	    m->im_n, depth);
}

/* ---- scenarios --------------------------------------------------- */

static int
scenario_model(void)
{
	struct idx_model *m = calloc(1, sizeof(*m));
	struct hammer2_chain *vroot, *pfs, *dir, *file, *c;
	struct hammer2_dev *dev;
	hammer2_key_t key, beg, end;
	int bits, error, i, op, want;
	char name[32];

	dev = h2t_dev_open(1);
	if (dev == NULL || m == NULL)
		return (1);
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	if (pfs == NULL)
		return (1);
	CHECK_ERR(ino_create(pfs, IDX_DIR_INUM, HAMMER2_OBJTYPE_DIRECTORY,
	    &dir), 0);
	CHECK_ERR(ino_create(pfs, IDX_FILE_INUM, HAMMER2_OBJTYPE_REGFILE,
	    &file), 0);
	CHECK_ERR(dirent_create(pfs, hammer2_dirhash(IDX_NAME, 3), 0,
	    IDX_DIR_INUM, IDX_NAME), 0);
	hammer2_chain_drop(file);
	while (m->im_n < IDX_FILL) {
		rnd_range(&key, &bits);
		want = model_first(m, key, key + hammer2_keymask(bits));
		snprintf(name, sizeof(name), "n%d", m->im_n);
		error = dirent_create(dir, key, bits, IDX_FILE_INUM, name);
		CHECK_ERR(error, want < 0 ? 0 : EEXIST);
		if (error == 0)
			model_insert(m, key, bits);
		if (h2t_nfailed > 20)
			return (1);
	}
	commit(dev, pfs, dir, m, "fill");
	check_walk(dir, m, 0, HAMMER2_KEY_MAX);

	for (op = 0; op < IDX_OPS && h2t_nfailed < 20; op++) {
		switch (rnd() % 8) {
		case 0:
		case 1:
		case 2:		/* insert, EEXIST on overlap */
			rnd_range(&key, &bits);
			want = model_first(m, key, key +
			    hammer2_keymask(bits));
			if (want < 0 && m->im_n >= IDX_MAXE)
				break;
			snprintf(name, sizeof(name), "o%d", op);
			error = dirent_create(dir, key, bits, IDX_FILE_INUM,
			    name);
			CHECK_ERR(error, want < 0 ? 0 : EEXIST);
			if (error == 0)
				model_insert(m, key, bits);
			break;
		case 3:
		case 4:		/* delete an entry found by any key of it */
			if (m->im_n < 2)
				break;
			i = (int)(rnd() % (uint64_t)m->im_n);
			key = m->im_key[i] + (rnd() &
			    hammer2_keymask(m->im_bits[i]));
			error = hammer2_chain_lookup(dir, key, key,
			    HAMMER2_LOOKUP_NODATA, &c);
			CHECK_ERR(error, 0);
			if (error != 0)
				break;
			CHECK(c->ch_bref.key == m->im_key[i]);
			CHECK_ERR(hammer2_chain_delete(c, next_mtid++), 0);
			hammer2_chain_drop(c);
			model_remove(m, i);
			break;
		case 5:		/* a point or a narrow range */
			rnd_range(&beg, &bits);
			check_lookup(dir, m, beg, beg + (rnd() % 3 == 0 ?
			    0 : hammer2_keymask((int)(rnd() % 40))));
			break;
		case 6:		/* a wide range, maybe past the end */
			beg = rnd();
			end = beg + hammer2_keymask((int)(rnd() % 64));
			check_lookup(dir, m, beg, end < beg ? HAMMER2_KEY_MAX :
			    end);
			break;
		default:	/* just after or inside an existing entry */
			if (m->im_n == 0)
				break;
			i = (int)(rnd() % (uint64_t)m->im_n);
			beg = model_end(m, i) + (rnd() % 2);
			check_lookup(dir, m, beg, beg + (rnd() & 0xffffff));
			break;
		}
		if (op % 5000 == 4999) {
			beg = rnd() | HAMMER2_DIRHASH_VISIBLE;
			check_walk(dir, m, beg, beg + (1ULL << 58));
			check_walk(dir, m, IDX_DENSE, IDX_DENSE + 0xffff);
		}
		if (op % 13000 == 12999)
			commit(dev, pfs, dir, m, "random phase");
	}
	commit(dev, pfs, dir, m, "last commit");
	check_walk(dir, m, 0, HAMMER2_KEY_MAX);
	hammer2_chain_drop(dir);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);

	/* Re-opened read-only: indexes built from the committed arrays. */
	dev = h2t_dev_open(0);
	if (dev == NULL)
		return (1);
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	if (pfs == NULL)
		return (1);
	CHECK_ERR(hammer2_chain_lookup(pfs, IDX_DIR_INUM, IDX_DIR_INUM, 0,
	    &dir), 0);
	if (dir != NULL) {
		check_walk(dir, m, 0, HAMMER2_KEY_MAX);
		for (op = 0; op < 5000; op++) {
			rnd_range(&beg, &bits);
			check_lookup(dir, m, beg, beg +
			    hammer2_keymask((int)(rnd() % 48)));
		}
		hammer2_chain_drop(dir);
	}
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	h2_host_close(dev);
	free(m);
	return (0);
}

/*
 * DATA leaves created but never written are dropped by the flush from
 * arrays whose live index was built before (the index lists them).
 */
static int
scenario_holes(void)
{
	struct hammer2_chain *vroot, *pfs, *file, *c;
	struct hammer2_dev *dev;
	static uint8_t buf[4096];
	hammer2_key_t k;
	int error, i, j, n;

	dev = h2t_dev_open(1);
	if (dev == NULL)
		return (1);
	vroot = hammer2_chain_vroot(dev);
	pfs = h2t_pfs_find(vroot, "DATA");
	if (pfs == NULL)
		return (1);
	CHECK_ERR(ino_create(pfs, IDX_FILE_INUM, HAMMER2_OBJTYPE_REGFILE,
	    &file), 0);
	CHECK_ERR(dirent_create(pfs, hammer2_dirhash(IDX_NAME, 3), 0,
	    IDX_FILE_INUM, IDX_NAME), 0);
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < 600; i++) {
		CHECK_ERR(hammer2_chain_create(file, (hammer2_key_t)i << 16,
		    16, HAMMER2_BREF_TYPE_DATA, 0, next_mtid++, &c), 0);
		if (c == NULL)
			break;
		if (i % 3 == 0)		/* every third block written */
			CHECK_ERR(hammer2_chain_write_data(c, buf,
			    sizeof(buf), HAMMER2_ENC_CHECK(
			    HAMMER2_CHECK_XXHASH64), next_mtid++), 0);
		hammer2_chain_drop(c);
	}
	/* Build every index now: walk all of it. */
	n = 0;
	error = hammer2_chain_lookup(file, 0, HAMMER2_KEY_MAX, 0, &c);
	while (error == 0) {
		n++;
		error = hammer2_chain_next(file, c, HAMMER2_KEY_MAX, 0, &c);
	}
	CHECK(n == 600);
	CHECK_ERR(hammer2_flush(dev), 0);
	h2t_run_fsck("holes dropped");
	for (i = 0; i < 600; i++) {
		k = (hammer2_key_t)i << 16;
		error = hammer2_chain_lookup(file, k, k + 0xffff, 0, &c);
		CHECK_ERR(error, i % 3 == 0 ? 0 : ENOENT);
		if (error == 0) {
			CHECK(c->ch_bref.key == k);
			hammer2_chain_drop(c);
		}
		/* from inside block i: it, or the next written one */
		j = i % 3 == 0 ? i : (i / 3 + 1) * 3;
		error = hammer2_chain_lookup(file, k + 1, HAMMER2_KEY_MAX, 0,
		    &c);
		CHECK_ERR(error, j < 600 ? 0 : ENOENT);
		if (error == 0) {
			CHECK(c->ch_bref.key == (hammer2_key_t)j << 16);
			hammer2_chain_drop(c);
		}
	}
	hammer2_chain_drop(file);
	hammer2_chain_drop(pfs);
	hammer2_chain_drop(vroot);
	CHECK_ERR(hammer2_rw_unmount(dev), 0);
	h2_host_close(dev);
	return (0);
}

int
main(int argc, char **argv)
{
	const char *seed = getenv("H2IDX_SEED");
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: h2_chain_index_test model|holes image fsck\n");
		return (2);
	}
	h2t_img_path = argv[2];
	h2t_fsck_path = argv[3];
	if (seed != NULL && strtoull(seed, NULL, 0) != 0)
		rnd_state = strtoull(seed, NULL, 0);
	printf("seed 0x%jx\n", (uintmax_t)rnd_state);
	if (strcmp(argv[1], "model") == 0) {
		rc = scenario_model();
	} else if (strcmp(argv[1], "holes") == 0) {
		rc = scenario_holes();
	} else {
		fprintf(stderr, "h2_chain_index_test: unknown scenario %s\n",
		    argv[1]);
		return (2);
	}
	printf("%d checks, %d failed\n", h2t_nchecks, h2t_nfailed);
	return (rc != 0 || h2t_nfailed != 0 ? 1 : 0);
}
