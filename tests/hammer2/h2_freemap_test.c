/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_freemap_test.c - tests of the HAMMER2 freemap (allocator, flush and
 * rotation, recovery, bulkfree, growfs) on newfs'd and fixture images.
 *
 * Model: each case makes its own image (newfs_hammer2 into the scratch
 * directory, or a copy of a decompressed fixture), opens it read-write
 * through lib/libhammer2, gives the dev a write-side state of its own
 * and drives the freemap directly.  A commit is done here the way
 * hammer2_flush() does it for the freemap: hammer2_freemap_flush() with
 * mirror_tid + 1, device sync, the header to the next copy slot, sync.
 * Results are checked independently of the code under test: every block
 * handed out is entered in a 1 KiB-granular map (overlap, alignment,
 * reserved areas), the referenced blocks of a fixture are found with a
 * walk written here, and fsck_hammer2 checks every committed image.
 * Prints one PASS:/FAIL: line per case; exit status 1 if any failed.
 *
 * Usage: h2_freemap_test NEWFS FSCK SCRATCHDIR [FIXTURE.img ...]
 *        h2_freemap_test -b NEWFS SCRATCHDIR [FIXTURE.img ...]
 * The second form is the benchmark (make bench-hammer2-freemap): the
 * allocator against a naive first-fit allocator on the same random size
 * sequence, the commit after a fill, and a bulkfree pass.
 *
 * More: docs/design/hammer2-write.md (Freemap).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hammer2_freemap.h"
#include "libhammer2.h"

#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define GIB		(1024 * MIB)

static const char *t_newfs, *t_fsck, *t_dir;
static char t_why[512];
static int t_failed;

/* Record why a case fails (first reason wins) and return 1. */
static int __attribute__((__format__(__printf__, 1, 2)))
why(const char *fmt, ...)
{
	va_list ap;

	if (t_why[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(t_why, sizeof(t_why), fmt, ap);
		va_end(ap);
	}
	return (1);
}

static void
report(const char *name, int failed)
{
	if (failed) {
		printf("FAIL: %s (%s)\n", name, t_why);
		t_failed = 1;
	} else {
		printf("PASS: %s\n", name);
	}
	t_why[0] = '\0';
	fflush(stdout);
}

static void
skip(const char *name, const char *reason)
{
	printf("SKIP: %s (%s)\n", name, reason);
}

static int
run(const char *fmt, ...) __attribute__((__format__(__printf__, 1, 2)));

static int
run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return (system(cmd));
}

static void
img_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s.img", t_dir, name);
}

static int
mkimg(const char *path, const char *size)
{
	unlink(path);
	if (run("%s -s %s -L DATA %s >/dev/null 2>&1", t_newfs, size, path)
	    != 0)
		return (why("newfs_hammer2 -s %s failed", size));
	return (0);
}

static int
fsck_ok(const char *path)
{
	char log[1100];

	snprintf(log, sizeof(log), "%s.fsck.log", path);
	if (run("%s %s >%s 2>&1", t_fsck, path, log) != 0) {
		run("head -n 20 %s", log);
		return (why("fsck_hammer2 %s failed (log %s)", path, log));
	}
	return (0);
}

/* ------------------------------------------------------------------ */
/* Opening with a write-side state of our own, and committing.        */

static struct hammer2_dev *
t_open(const char *path)
{
	struct hammer2_dev *dev;
	struct hammer2_rw *rw;
	int error;

	error = h2_host_open(path, H2_HOST_RDWR | H2_HOST_QUIET, &dev);
	if (error != 0) {
		why("open %s: %s", path, strerror(error));
		return (NULL);
	}
	rw = calloc(1, sizeof(*rw));
	dev->d_rw = rw;
	error = hammer2_freemap_init(dev);
	if (error != 0) {
		why("hammer2_freemap_init %s: %s", path, strerror(error));
		dev->d_rw = NULL;
		free(rw);
		h2_host_close(dev);
		return (NULL);
	}
	rw->rw_next_hdr = dev->d_volhdr_index;
	return (dev);
}

static void
t_close(struct hammer2_dev *dev)
{
	hammer2_freemap_fini(dev);
	free(dev->d_rw);
	dev->d_rw = NULL;
	h2_host_close(dev);
}

/* The next header copy slot after the last one written (§4.3). */
static int
t_next_slot(struct hammer2_dev *dev, int last)
{
	int i = (last + 1) % HAMMER2_NUM_VOLHDRS;

	if ((uint64_t)i * HAMMER2_ZONE_BYTES64 + HAMMER2_SEGSIZE >
	    dev->d_voldata.volu_size)
		i = 0;
	return (i);
}

/* A commit of the freemap alone, in hammer2_flush()'s order (§17.1). */
static int
t_commit(struct hammer2_dev *dev)
{
	struct hammer2_rw *rw = dev->d_rw;
	struct hammer2_volume_data *vd = &dev->d_voldata;
	hammer2_tid_t tid = vd->mirror_tid + 1;
	int error, slot;

	error = hammer2_freemap_flush(dev, tid);
	if (error != 0)
		return (why("hammer2_freemap_flush: %s", strerror(error)));
	if (dev->d_ops->dop_sync(dev->d_arg) != 0)
		return (why("sync failed"));
	vd->mirror_tid = tid;
	hammer2_volume_set_crcs(vd);
	slot = t_next_slot(dev, rw->rw_next_hdr);
	if (dev->d_ops->dop_write(dev->d_arg, vd, sizeof(*vd),
	    (uint64_t)slot * HAMMER2_ZONE_BYTES64) != 0 ||
	    dev->d_ops->dop_sync(dev->d_arg) != 0)
		return (why("header write failed"));
	rw->rw_next_hdr = slot;
	return (0);
}

/*
 * Until the chain layer's hammer2_flush() is linked in, bulkfree and
 * growfs wrappers resolve to this commit (the tests call the _pass and
 * _apply halves and commit with t_commit themselves).
 */
#ifndef H2_FM_HAVE_FLUSH
int hammer2_flush(struct hammer2_dev *dev);

int
hammer2_flush(struct hammer2_dev *dev)
{
	return (t_commit(dev) ? EIO : 0);
}
#endif

/* ------------------------------------------------------------------ */
/* An independent record of what was handed out.                      */

struct blkmap {
	uint8_t		*bm_kib;	/* one byte per KiB: owner type + 1 */
	uint64_t	 bm_size;
	hammer2_off_t	*bm_offs;	/* data_off of every block */
	size_t		 bm_n, bm_cap;
};

static void
blkmap_init(struct blkmap *m, uint64_t size)
{
	memset(m, 0, sizeof(*m));
	m->bm_size = size;
	m->bm_kib = calloc(size / KIB, 1);
}

static void
blkmap_fini(struct blkmap *m)
{
	free(m->bm_kib);
	free(m->bm_offs);
}

/* Check one allocation against the rules and the blocks before it. */
static int
blkmap_add(struct hammer2_dev *dev, struct blkmap *m, hammer2_off_t data_off,
    size_t bytes, int type)
{
	const struct hammer2_volume_data *vd = &dev->d_voldata;
	hammer2_off_t off = data_off & HAMMER2_OFF_MASK;
	uint64_t floor4 = (vd->allocator_beg + HAMMER2_SEGSIZE - 1) &
	    ~(HAMMER2_SEGSIZE - 1), k;

	if ((1ULL << (data_off & HAMMER2_OFF_MASK_RADIX)) != bytes)
		return (why("0x%jx: radix does not match %zu bytes",
		    (uintmax_t)data_off, bytes));
	if (off % bytes != 0)
		return (why("0x%jx: not aligned to its size",
		    (uintmax_t)data_off));
	if ((off & 0xFFFF) + bytes > 0x10000)
		return (why("0x%jx: crosses 64 KiB", (uintmax_t)data_off));
	if (off < floor4)
		return (why("0x%jx: below roundup(allocator_beg, 4M) 0x%jx",
		    (uintmax_t)data_off, (uintmax_t)floor4));
	if ((off & (GIB - 1)) < HAMMER2_SEGSIZE)
		return (why("0x%jx: in a reserved segment",
		    (uintmax_t)data_off));
	if (off + bytes > hammer2_freemap_total(vd) || off + bytes > m->bm_size)
		return (why("0x%jx: beyond the volume", (uintmax_t)data_off));
	for (k = off / KIB; k < (off + bytes) / KIB; k++) {
		if (m->bm_kib[k] != 0)
			return (why("0x%jx overlaps an earlier block at 0x%jx",
			    (uintmax_t)data_off, (uintmax_t)(k * KIB)));
		m->bm_kib[k] = (uint8_t)(type + 1);
	}
	if (m->bm_n == m->bm_cap) {
		m->bm_cap = m->bm_cap ? m->bm_cap * 2 : 4096;
		m->bm_offs = realloc(m->bm_offs, m->bm_cap * sizeof(*m->bm_offs));
	}
	m->bm_offs[m->bm_n++] = data_off;
	return (0);
}

/* Granule state of the byte at off in the in-memory freemap. */
static int
t_gstate(struct hammer2_dev *dev, hammer2_off_t off)
{
	struct hammer2_freemap *fm = hammer2_freemap_get(dev);
	struct hammer2_fmleaf *leaf = fm->fm_leaves[off >> 30];

	if (leaf == NULL)
		return (-1);
	return (hammer2_freemap_gstate(&leaf->fl_bmap[(off >> 22) & 255],
	    (unsigned)((off & (HAMMER2_SEGSIZE - 1)) >> 14)));
}

static void drop_cache(struct hammer2_dev *dev);

static uint64_t t_rng = 0x9E3779B97F4A7C15ULL;

static uint64_t
rnd(void)
{
	t_rng ^= t_rng << 13;
	t_rng ^= t_rng >> 7;
	t_rng ^= t_rng << 17;
	return (t_rng);
}

static const int t_types[4] = { HAMMER2_BREF_TYPE_INODE,
	HAMMER2_BREF_TYPE_INDIRECT, HAMMER2_BREF_TYPE_DATA,
	HAMMER2_BREF_TYPE_DIRENT };

/*
 * Allocate random sizes/types until even 1 KiB fails.  Every block is
 * checked; returns 0 or 1 (why set).  *nsp gets the nanoseconds spent in
 * the allocator.
 */
static int
fill(struct hammer2_dev *dev, struct blkmap *m, uint64_t *nsp)
{
	struct timespec t0, t1;
	hammer2_off_t off;
	size_t bytes;
	int radix, type, error, maxradix = HAMMER2_RADIX_MAX;
	uint64_t ns = 0;

	while (maxradix >= HAMMER2_RADIX_MIN) {
		radix = HAMMER2_RADIX_MIN + (int)(rnd() % (uint64_t)(maxradix -
		    HAMMER2_RADIX_MIN + 1));
		type = t_types[rnd() % 4];
		bytes = (size_t)1 << radix;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		error = hammer2_freemap_alloc(dev, type, bytes, &off);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns += (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ULL +
		    (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
		if (error == ENOSPC) {
			if (radix == maxradix)
				maxradix--;
			continue;
		}
		if (error != 0)
			return (why("alloc %zu: %s", bytes, strerror(error)));
		if (blkmap_add(dev, m, off, bytes, type))
			return (1);
	}
	if (nsp != NULL)
		*nsp = ns;
	return (0);
}

/* Every recorded block is allocated (11) in the in-memory freemap. */
static int
all_marked(struct hammer2_dev *dev, const struct blkmap *m)
{
	size_t i;

	for (i = 0; i < m->bm_n; i++)
		if (t_gstate(dev, m->bm_offs[i] & HAMMER2_OFF_MASK) !=
		    HAMMER2_FREEMAP_ALLOCATED)
			return (why("block 0x%jx not marked allocated",
			    (uintmax_t)m->bm_offs[i]));
	return (0);
}

/* ------------------------------------------------------------------ */
/* Cases.                                                              */

/*
 * Fill a fresh image with mixed sizes, commit, check it with fsck,
 * reopen and check that the freemap read back says the same.
 */
static int
case_fill(const char *name, const char *size, uint64_t bytes, bool perf)
{
	char path[1024];
	struct hammer2_dev *dev;
	struct blkmap m;
	uint64_t ns = 0, avail_seg, expect_free;
	hammer2_off_t off;
	int rc = 1;

	img_path(path, sizeof(path), name);
	if (mkimg(path, size) || (dev = t_open(path)) == NULL)
		return (1);
	blkmap_init(&m, bytes);
	/* What must be allocatable: every usable segment, completely. */
	expect_free = hammer2_freemap_free_bytes(dev);
	avail_seg = 0;
	for (off = 0; off < bytes; off += HAMMER2_SEGSIZE)
		if (hammer2_freemap_seg_usable(hammer2_freemap_get(dev), off))
			avail_seg += HAMMER2_SEGSIZE;
	if (expect_free != avail_seg) {
		why("free bytes %ju, usable segments %ju", (uintmax_t)expect_free,
		    (uintmax_t)avail_seg);
		goto out;
	}
	if (fill(dev, &m, &ns))
		goto out;
	if (hammer2_freemap_free_bytes(dev) != 0) {
		why("%ju bytes still free after ENOSPC for 1 KiB",
		    (uintmax_t)hammer2_freemap_free_bytes(dev));
		goto out;
	}
	if (perf)
		printf("# %s: %zu allocations until full, %.0f ns each\n",
		    name, m.bm_n, (double)ns / (double)m.bm_n);
	if (t_commit(dev) || all_marked(dev, &m))
		goto out;
	if (dev->d_voldata.allocator_free != 0) {
		why("allocator_free %ju after fill",
		    (uintmax_t)dev->d_voldata.allocator_free);
		goto out;
	}
	t_close(dev);
	dev = NULL;
	if (fsck_ok(path) || (dev = t_open(path)) == NULL)
		goto out;
	/* What was read back from disk has every block allocated... */
	if (all_marked(dev, &m))
		goto out;
	/* ...and nothing left. */
	if (hammer2_freemap_alloc(dev, HAMMER2_BREF_TYPE_DATA, 1024, &off) !=
	    ENOSPC) {
		why("1 KiB allocation after remount of a full image succeeded");
		goto out;
	}
	rc = 0;
out:
	if (dev != NULL)
		t_close(dev);
	blkmap_fini(&m);
	return (rc);
}

/* While space is plentiful, each segment holds one type (class). */
static int
case_class(void)
{
	char path[1024];
	struct hammer2_dev *dev;
	struct blkmap m;
	hammer2_off_t off;
	uint8_t owner[64];
	int i, type, rc = 1;
	unsigned seg;

	img_path(path, sizeof(path), "class");
	if (mkimg(path, "256m") || (dev = t_open(path)) == NULL)
		return (1);
	blkmap_init(&m, 256 * MIB);
	memset(owner, 0, sizeof(owner));
	for (i = 0; i < 2000; i++) {
		type = t_types[i % 4];
		if (hammer2_freemap_alloc(dev, type, (size_t)1024 << (i % 7),
		    &off) != 0) {
			why("allocation %d failed", i);
			goto out;
		}
		if (blkmap_add(dev, &m, off, (size_t)1024 << (i % 7), type))
			goto out;
		seg = (unsigned)(off >> 22);
		if (owner[seg] != 0 && owner[seg] != type) {
			why("segment %u holds types %d and %d", seg,
			    owner[seg], type);
			goto out;
		}
		owner[seg] = (uint8_t)type;
	}
	rc = t_commit(dev);
	if (rc == 0) {
		t_close(dev);
		dev = NULL;
		rc = fsck_ok(path);
	}
out:
	if (dev != NULL)
		t_close(dev);
	blkmap_fini(&m);
	return (rc);
}

/* The data_off of the leaf for area 0 in the header. */
static hammer2_off_t
leaf0_off(struct hammer2_dev *dev)
{
	const struct hammer2_blockref *b =
	    &dev->d_voldata.freemap_blockset.blockref[0];

	return (b->type == HAMMER2_BREF_TYPE_FREEMAP_LEAF ? b->data_off : 0);
}

/*
 * Rotation (§15.4): the first flush puts the leaf into set 0, each
 * later flush that changed it into the next set (mod 8); a flush
 * without a change leaves it; fsck accepts every state.
 */
static int
case_rotation(void)
{
	char path[1024];
	struct hammer2_dev *dev;
	hammer2_off_t off, want;
	int i, rc = 1;

	img_path(path, sizeof(path), "rotation");
	if (mkimg(path, "256m") || (dev = t_open(path)) == NULL)
		return (1);
	if (dev->d_voldata.freemap_blockset.blockref[0].type != 0) {
		why("newfs left a freemap (expected it empty)");
		goto out;
	}
	for (i = 0; i < 10; i++) {
		if (hammer2_freemap_alloc(dev, HAMMER2_BREF_TYPE_DATA, 65536,
		    &off) != 0 || t_commit(dev)) {
			why("alloc/commit %d", i);
			goto out;
		}
		want = (0x10000ULL * (uint64_t)(1 + 5 * (i % 8))) | 15;
		if (leaf0_off(dev) != want) {
			why("commit %d: leaf at 0x%jx, want 0x%jx", i,
			    (uintmax_t)leaf0_off(dev), (uintmax_t)want);
			goto out;
		}
		if (dev->d_voldata.freemap_tid != dev->d_voldata.mirror_tid) {
			why("freemap_tid != mirror_tid");
			goto out;
		}
		if (i % 3 == 0) {
			t_close(dev);
			dev = NULL;
			if (fsck_ok(path) || (dev = t_open(path)) == NULL)
				goto out;
			if (t_gstate(dev, off & HAMMER2_OFF_MASK) !=
			    HAMMER2_FREEMAP_ALLOCATED) {
				why("block of commit %d lost after reopen", i);
				goto out;
			}
		}
	}
	/* Nothing changed: the leaf stays where it is. */
	want = leaf0_off(dev);
	if (t_commit(dev) || leaf0_off(dev) != want) {
		why("an unchanged leaf moved");
		goto out;
	}
	rc = 0;
out:
	if (dev != NULL)
		t_close(dev);
	return (rc);
}

static int
read_leaf_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	const void *data;
	size_t len;

	if (error != 0)
		return (error);
	error = hammer2_bref_read(arg, bref, &data, &len);
	if (error == 0)
		hammer2_bref_release(arg, data, len);
	return (error);
}

/* Read and CRC-check the freemap blocks named by each valid copy. */
static int
check_copies(struct hammer2_dev *dev, int *nvalidp)
{
	struct hammer2_volume_data *vd = malloc(sizeof(*vd));
	const char *w;
	int i, n = 0, rc = 0;

	drop_cache(dev);
	for (i = 0; i < HAMMER2_NUM_VOLHDRS && rc == 0; i++) {
		if ((uint64_t)i * HAMMER2_ZONE_BYTES64 + HAMMER2_VOLUME_BYTES >
		    dev->d_devsize)
			break;
		if (dev->d_ops->dop_read(dev->d_arg, vd, sizeof(*vd),
		    (uint64_t)i * HAMMER2_ZONE_BYTES64) != 0 ||
		    hammer2_volume_check(vd, dev->d_devsize, &w) != 0)
			continue;
		n++;
		if (hammer2_tree_scan(dev, vd->freemap_blockset.blockref,
		    HAMMER2_SET_COUNT, 0, HAMMER2_KEY_MAX, 0, read_leaf_cb,
		    dev) != 0)
			rc = why("header copy %d (tid 0x%jx): its freemap was overwritten",
			    i, (uintmax_t)vd->mirror_tid);
	}
	free(vd);
	*nvalidp = n;
	return (rc);
}

/*
 * A volume above 4 GiB: the root is a FREEMAP_NODE (keybits 38) over
 * the leaves; nodes rotate too; every valid header copy keeps reading
 * its own freemap; fill to ENOSPC; fsck.
 */
static int
case_big(void)
{
	char path[1024];
	struct hammer2_dev *dev;
	const struct hammer2_blockref *b;
	struct blkmap m;
	hammer2_off_t off, prev = 0;
	uint64_t ns;
	int i, nvalid, rc = 1;

	img_path(path, sizeof(path), "big");
	if (mkimg(path, "5g") || (dev = t_open(path)) == NULL)
		return (1);
	blkmap_init(&m, 5 * GIB);
	for (i = 0; i < 8; i++) {
		if (hammer2_freemap_alloc(dev, HAMMER2_BREF_TYPE_DATA, 65536,
		    &off) || blkmap_add(dev, &m, off, 65536, 3) ||
		    t_commit(dev)) {
			why("alloc/commit %d", i);
			goto out;
		}
		b = &dev->d_voldata.freemap_blockset.blockref[0];
		if (b->type != HAMMER2_BREF_TYPE_FREEMAP_NODE ||
		    b->keybits != 38 || b->key != 0 ||
		    dev->d_voldata.freemap_blockset.blockref[1].type != 0) {
			why("root is not one level-2 node (type %d keybits %d)",
			    b->type, b->keybits);
			goto out;
		}
		if (i > 0 && (b->data_off & HAMMER2_OFF_MASK) !=
		    (prev & HAMMER2_OFF_MASK) + 5 * 0x10000ULL) {
			why("node did not rotate: 0x%jx after 0x%jx",
			    (uintmax_t)b->data_off, (uintmax_t)prev);
			goto out;
		}
		prev = b->data_off;
		if (check_copies(dev, &nvalid))
			goto out;
	}
	if (nvalid != 3) {
		why("%d valid header copies, want 3", nvalid);
		goto out;
	}
	if (fill(dev, &m, &ns))
		goto out;
	printf("# big: %zu allocations until 5 GiB full, %.0f ns each\n",
	    m.bm_n, (double)ns / (double)m.bm_n);
	if (t_commit(dev) || check_copies(dev, &nvalid))
		goto out;
	t_close(dev);
	dev = NULL;
	if (fsck_ok(path) || (dev = t_open(path)) == NULL)
		goto out;
	if (all_marked(dev, &m) || hammer2_freemap_free_bytes(dev) != 0) {
		why("reloaded 5 GiB freemap differs");
		goto out;
	}
	rc = 0;
out:
	if (dev != NULL)
		t_close(dev);
	blkmap_fini(&m);
	return (rc);
}

/*
 * A 2 TiB sparse volume: leaves far apart (made by marking blocks) sit
 * under level-2 nodes under one level-3 root node (keybits 46); every
 * block of each level rotates on its own; the tree reloads.
 */
static int
case_huge(void)
{
	char path[1024];
	struct hammer2_dev *dev;
	const struct hammer2_blockref *b;
	hammer2_off_t far[3] = { 3 * GIB + 8 * MIB, 700 * GIB + 12 * MIB,
	    2047 * GIB + 64 * MIB };
	hammer2_off_t root0;
	int i, rc = 1;

	img_path(path, sizeof(path), "huge");
	if (mkimg(path, "2t") || (dev = t_open(path)) == NULL)
		return (1);
	for (i = 0; i < 3; i++)
		if (hammer2_freemap_mark(dev, far[i] | 16) != 0) {
			why("mark 0x%jx", (uintmax_t)far[i]);
			goto out;
		}
	if (t_commit(dev))
		goto out;
	b = &dev->d_voldata.freemap_blockset.blockref[0];
	if (b->type != HAMMER2_BREF_TYPE_FREEMAP_NODE || b->keybits != 46 ||
	    dev->d_voldata.freemap_blockset.blockref[1].type != 0) {
		why("root: type %d keybits %d", b->type, b->keybits);
		goto out;
	}
	/* Level 3 at key 0: slot 1 + 5*0 + 2 of the first segment. */
	if (b->data_off != (0x30000 | 15)) {
		why("level-3 node at 0x%jx", (uintmax_t)b->data_off);
		goto out;
	}
	root0 = b->data_off;
	t_close(dev);
	dev = NULL;
	if (fsck_ok(path) || (dev = t_open(path)) == NULL)
		goto out;
	for (i = 0; i < 3; i++)
		if (t_gstate(dev, far[i]) != HAMMER2_FREEMAP_ALLOCATED ||
		    t_gstate(dev, far[i] + 65536) != HAMMER2_FREEMAP_FREE) {
			why("block 0x%jx not reloaded", (uintmax_t)far[i]);
			goto out;
		}
	/* A change in the last area moves its leaf, its nodes and the root. */
	if (hammer2_freemap_mark(dev, (far[2] + 65536) | 16) != 0 ||
	    t_commit(dev))
		goto out;
	if (dev->d_voldata.freemap_blockset.blockref[0].data_off !=
	    root0 + 5 * 0x10000) {
		why("root did not rotate");
		goto out;
	}
	t_close(dev);
	dev = NULL;
	if (fsck_ok(path) || (dev = t_open(path)) == NULL)
		goto out;
	if (t_gstate(dev, far[2] + 65536) != HAMMER2_FREEMAP_ALLOCATED ||
	    t_gstate(dev, far[1]) != HAMMER2_FREEMAP_ALLOCATED) {
		why("second commit not reloaded");
		goto out;
	}
	rc = 0;
out:
	if (dev != NULL)
		t_close(dev);
	unlink(path);
	return (rc);
}

/* Blocks handed out since the last commit can be given back. */
static int
case_free_uncommitted(void)
{
	char path[1024];
	struct hammer2_dev *dev;
	hammer2_off_t a, b, c, d, e, x;
	uint64_t free0;
	int rc = 1;

	img_path(path, sizeof(path), "freeunc");
	if (mkimg(path, "256m") || (dev = t_open(path)) == NULL)
		return (1);
	free0 = hammer2_freemap_free_bytes(dev);
	/* 64 KiB: back and handed out again at the same place. */
	if (hammer2_freemap_alloc(dev, 3, 65536, &a))
		goto out;
	hammer2_freemap_free_uncommitted(dev, a);
	if (hammer2_freemap_free_bytes(dev) != free0 ||
	    t_gstate(dev, a & HAMMER2_OFF_MASK) != 0) {
		why("64 KiB block not given back");
		goto out;
	}
	if (hammer2_freemap_alloc(dev, 3, 65536, &b) || b != a) {
		why("64 KiB not reused: 0x%jx then 0x%jx", (uintmax_t)a,
		    (uintmax_t)b);
		goto out;
	}
	/* 1 KiB blocks: the last packed one is reused, others stay. */
	if (hammer2_freemap_alloc(dev, 1, 1024, &c) ||
	    hammer2_freemap_alloc(dev, 1, 1024, &d) ||
	    hammer2_freemap_alloc(dev, 1, 1024, &e))
		goto out;
	hammer2_freemap_free_uncommitted(dev, e);
	if (hammer2_freemap_alloc(dev, 1, 1024, &x) || x != e) {
		why("last 1 KiB not reused");
		goto out;
	}
	hammer2_freemap_free_uncommitted(dev, d);	/* not last: stays */
	if (hammer2_freemap_alloc(dev, 1, 1024, &x) || x == d) {
		why("a 1 KiB block in the middle was handed out again");
		goto out;
	}
	/* Giving back all of a granule opened since the commit frees it. */
	hammer2_freemap_free_uncommitted(dev, x);
	hammer2_freemap_free_uncommitted(dev, e);
	hammer2_freemap_free_uncommitted(dev, c);	/* not last: stays */
	if (t_gstate(dev, c & HAMMER2_OFF_MASK) != HAMMER2_FREEMAP_ALLOCATED) {
		why("granule with a live 1 KiB block freed");
		goto out;
	}
	if (t_commit(dev))
		goto out;
	/* After the commit nothing can be given back. */
	free0 = hammer2_freemap_free_bytes(dev);
	hammer2_freemap_free_uncommitted(dev, b);
	if (hammer2_freemap_free_bytes(dev) != free0 ||
	    t_gstate(dev, b & HAMMER2_OFF_MASK) != HAMMER2_FREEMAP_ALLOCATED) {
		why("a committed block was freed");
		goto out;
	}
	/* A fresh granule for one 4 KiB block: back to 00 exactly. */
	if (hammer2_freemap_alloc(dev, 4, 4096, &a))
		goto out;
	if ((a & 0x3FC0) != 0) {
		why("first block of a class not at a granule start: 0x%jx",
		    (uintmax_t)a);
		goto out;
	}
	hammer2_freemap_free_uncommitted(dev, a);
	if (hammer2_freemap_free_bytes(dev) != free0 ||
	    t_gstate(dev, a & HAMMER2_OFF_MASK) != 0) {
		why("granule of a given-back 4 KiB block not free");
		goto out;
	}
	rc = t_commit(dev);
	if (rc == 0) {
		t_close(dev);
		dev = NULL;
		rc = fsck_ok(path);
	}
out:
	if (dev != NULL)
		t_close(dev);
	return (rc);
}

static int
fail_write(void *arg, const void *buf, size_t len, uint64_t off)
{
	(void)arg;
	(void)buf;
	(void)len;
	(void)off;
	return (EIO);
}

/* Errors: bad sizes, failing writes, read-only, no freemap. */
static int
case_errors(void)
{
	char path[1024];
	struct hammer2_dev *dev, *ro;
	struct hammer2_devops fops;
	const struct hammer2_devops *saved_ops;
	struct hammer2_bulkfree_stats st;
	struct hammer2_rw rw;
	hammer2_off_t off;
	uint64_t size0;
	int rc = 1;

	img_path(path, sizeof(path), "errors");
	if (mkimg(path, "32m") || (dev = t_open(path)) == NULL)
		return (1);
	if (hammer2_freemap_alloc(dev, 3, 0, &off) != EINVAL ||
	    hammer2_freemap_alloc(dev, 3, 512, &off) != EINVAL ||
	    hammer2_freemap_alloc(dev, 3, 3000, &off) != EINVAL ||
	    hammer2_freemap_alloc(dev, 3, 131072, &off) != EINVAL) {
		why("bad sizes accepted");
		goto out;
	}
	if (hammer2_freemap_init(dev) != EINVAL) {
		why("second init accepted");
		goto out;
	}
	if (hammer2_freemap_mark(dev, (28 * MIB) | 20) != EINVAL ||
	    hammer2_freemap_mark(dev, (31 * MIB + 63 * KIB) | 11) != EINVAL ||
	    hammer2_freemap_mark(dev, (40 * MIB) | 10) != EINVAL) {
		why("impossible marks accepted");
		goto out;
	}
	/* A device that fails writes: flush and growfs report EIO. */
	fops = *dev->d_ops;
	fops.dop_write = fail_write;
	saved_ops = dev->d_ops;
	if (hammer2_freemap_alloc(dev, 3, 65536, &off) != 0) {
		why("alloc");
		goto out;
	}
	dev->d_ops = &fops;
	size0 = dev->d_voldata.volu_size;
	dev->d_devsize = 2 * GIB + 8 * MIB;	/* growfs writes header copy 1 */
	if (truncate(path, (off_t)dev->d_devsize) != 0 ||
	    hammer2_freemap_flush(dev, dev->d_voldata.mirror_tid + 1) != EIO ||
	    hammer2_growfs_apply(dev, dev->d_devsize) != EIO ||
	    dev->d_voldata.volu_size != size0) {
		dev->d_ops = saved_ops;
		why("failing writes: wrong errors or growfs changed the size");
		goto out;
	}
	dev->d_ops = saved_ops;
	if (h2_host_open(path, H2_HOST_QUIET, &ro) != 0) {
		why("read-only open");
		goto out;
	}
	memset(&rw, 0, sizeof(rw));
	ro->d_rw = &rw;
	if (hammer2_freemap_alloc(ro, 3, 1024, &off) != EINVAL ||
	    hammer2_bulkfree_pass(ro, &st) != EINVAL ||
	    hammer2_freemap_flush(ro, 99) != EINVAL ||
	    hammer2_freemap_mark(ro, (28 * MIB) | 10) != EINVAL ||
	    hammer2_freemap_init(ro) != 0 ||
	    hammer2_freemap_alloc(ro, 3, 1024, &off) != 0 ||
	    hammer2_freemap_flush(ro, 99) != EROFS ||
	    hammer2_growfs_apply(ro, 64 * MIB) != EROFS) {
		why("read-only dev: wrong errors");
		hammer2_freemap_fini(ro);
		ro->d_rw = NULL;
		h2_host_close(ro);
		goto out;
	}
	hammer2_freemap_fini(ro);
	ro->d_rw = NULL;
	h2_host_close(ro);
	rc = 0;
out:
	t_close(dev);
	return (rc);
}

/* ------------------------------------------------------------------ */
/* Fixtures: an independent walk of everything referenced.             */

struct refwalk {
	struct hammer2_dev	*rw_dev;
	uint8_t			*rw_gran;	/* 1 per referenced granule */
	uint8_t			*rw_kib;	/* 1 per referenced KiB */
	uint8_t			*rw_meta;	/* granules of INODE/INDIRECT */
	uint64_t		 rw_size;
	size_t			 rw_nblocks;
	hammer2_tid_t		 rw_min_tid;	/* clear: only newer ones */
	int			 rw_error;
};

static int refwalk_cb(void *arg, const struct hammer2_blockref *bref,
    int error);

static void
refwalk_blockset(struct refwalk *w, const struct hammer2_blockref *set)
{
	int error;

	error = hammer2_tree_scan(w->rw_dev, set, HAMMER2_SET_COUNT, 0,
	    HAMMER2_KEY_MAX, HAMMER2_SCAN_INDIRECT, refwalk_cb, w);
	if (error != 0)
		w->rw_error = error;
}

static int
refwalk_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct refwalk *w = arg;
	struct hammer2_inode *ip;
	uint64_t off = bref->data_off & HAMMER2_OFF_MASK, bytes, k;

	if (error != 0)
		return (error);
	bytes = hammer2_bref_bytes(bref);
	if (bytes != 0 && off + bytes <= w->rw_size &&
	    bref->mirror_tid > w->rw_min_tid) {
		w->rw_nblocks++;
		for (k = off >> 14; k <= (off + bytes - 1) >> 14; k++)
			w->rw_gran[k] = 1;
		for (k = off >> 10; k < (off + bytes) >> 10; k++)
			w->rw_kib[k] = 1;
		if (bref->type == HAMMER2_BREF_TYPE_INODE ||
		    bref->type == HAMMER2_BREF_TYPE_INDIRECT)
			w->rw_meta[off >> 14] = 1;
	}
	if (bref->type == HAMMER2_BREF_TYPE_INODE) {
		ip = malloc(sizeof(*ip));
		if (hammer2_inode_load(w->rw_dev, bref, ip) == 0 &&
		    hammer2_inode_has_blockset(ip))
			refwalk_blockset(w, ip->ino_data.u.blockset.blockref);
		free(ip);
	}
	return (0);
}

/* Everything the current header (and older valid copies) reference. */
static int
refwalk(struct hammer2_dev *dev, struct refwalk *w, hammer2_tid_t min_tid)
{
	struct hammer2_volume_data *vd = malloc(sizeof(*vd));
	const char *wy;
	int i;

	memset(w, 0, sizeof(*w));
	w->rw_dev = dev;
	w->rw_size = hammer2_freemap_total(&dev->d_voldata);
	w->rw_gran = calloc(w->rw_size >> 14, 1);
	w->rw_kib = calloc(w->rw_size >> 10, 1);
	w->rw_meta = calloc(w->rw_size >> 14, 1);
	w->rw_min_tid = min_tid;
	for (i = 0; i < HAMMER2_NUM_VOLHDRS; i++) {
		if ((uint64_t)i * HAMMER2_ZONE_BYTES64 + HAMMER2_VOLUME_BYTES >
		    dev->d_devsize)
			break;
		if (dev->d_ops->dop_read(dev->d_arg, vd, sizeof(*vd),
		    (uint64_t)i * HAMMER2_ZONE_BYTES64) != 0 ||
		    hammer2_volume_check(vd, dev->d_devsize, &wy) != 0)
			continue;
		refwalk_blockset(w, vd->sroot_blockset.blockref);
	}
	free(vd);
	if (w->rw_error != 0 || w->rw_nblocks == 0)
		return (why("reference walk: error %d, %zu blocks", w->rw_error,
		    w->rw_nblocks));
	return (0);
}

static void
refwalk_free(struct refwalk *w)
{
	free(w->rw_gran);
	free(w->rw_kib);
	free(w->rw_meta);
	memset(w, 0, sizeof(*w));
}

static int
copy_fixture(const char *fix, const char *name, char *path, size_t len)
{
	img_path(path, len, name);
	unlink(path);
	if (run("cp --sparse=always %s %s", fix, path) != 0)
		return (why("cannot copy %s", fix));
	return (0);
}

/*
 * The allocator never hands out a referenced byte of a DragonFly image
 * and fills all the rest; fsck still passes.
 */
static int
case_fixture_fill(const char *fix, const char *name)
{
	char path[1024];
	struct hammer2_dev *dev;
	struct refwalk w;
	struct blkmap m;
	hammer2_off_t off;
	uint64_t k;
	size_t i;
	int rc = 1;

	if (copy_fixture(fix, name, path, sizeof(path)) ||
	    (dev = t_open(path)) == NULL)
		return (1);
	if (refwalk(dev, &w, 0)) {
		t_close(dev);
		return (1);
	}
	blkmap_init(&m, w.rw_size);
	if (fill(dev, &m, NULL))
		goto out;
	for (i = 0; i < m.bm_n; i++) {
		off = m.bm_offs[i] & HAMMER2_OFF_MASK;
		for (k = off >> 10; k < (off + (1ULL << (m.bm_offs[i] & 63))) >>
		    10; k++)
			if (w.rw_kib[k]) {
				why("handed out referenced 0x%jx",
				    (uintmax_t)m.bm_offs[i]);
				goto out;
			}
	}
	if (t_commit(dev))
		goto out;
	t_close(dev);
	dev = NULL;
	rc = fsck_ok(path);
out:
	if (dev != NULL)
		t_close(dev);
	refwalk_free(&w);
	blkmap_fini(&m);
	return (rc);
}

/* Set the granules of every referenced block newer than min_tid free. */
static void
clear_referenced(struct hammer2_dev *dev, const struct refwalk *w)
{
	struct hammer2_freemap *fm = hammer2_freemap_get(dev);
	struct hammer2_fmleaf *leaf;
	struct hammer2_bmap_data *bm;
	uint64_t g;

	for (g = 0; g < w->rw_size >> 14; g++) {
		if (!w->rw_gran[g] || (g << 14) < fm->fm_floor)
			continue;
		leaf = fm->fm_leaves[g >> 16];
		if (leaf == NULL)
			continue;
		bm = &leaf->fl_bmap[(g >> 8) & 255];
		if (hammer2_freemap_gstate(bm, (unsigned)(g & 255)) == 3) {
			hammer2_freemap_gset(bm, (unsigned)(g & 255), 0);
			bm->avail += 16384;
		}
		leaf->fl_dirty = true;
	}
}

/*
 * Recovery (§17.2): a freemap that lags the topology (freemap_tid <
 * mirror_tid) is repaired at init by marking every newer block.  The
 * control: the same damaged freemap claimed current fails fsck.
 */
static int
case_recovery(const char *fix, const char *name)
{
	char path[1024];
	struct hammer2_dev *dev;
	struct refwalk w;
	hammer2_tid_t lag;
	uint64_t g;
	int rc = 1;

	if (copy_fixture(fix, name, path, sizeof(path)) ||
	    (dev = t_open(path)) == NULL)
		return (1);
	lag = HAMMER2_TID_NEWFS;
	if (refwalk(dev, &w, lag))
		goto out;
	/* Damage: blocks newer than `lag` marked free; claimed current. */
	clear_referenced(dev, &w);
	if (t_commit(dev))
		goto out;
	t_close(dev);
	dev = NULL;
	if (run("%s %s >/dev/null 2>&1", t_fsck, path) == 0) {
		why("control: fsck accepted a freemap with referenced blocks free");
		goto out;
	}
	/* Now say the freemap lags: init must repair it. */
	if ((dev = t_open(path)) == NULL)
		goto out;
	hammer2_freemap_fini(dev);
	dev->d_voldata.freemap_tid = lag;
	if (hammer2_freemap_init(dev) != 0) {
		why("init with a lagging freemap failed");
		goto out;
	}
	for (g = 0; g < w.rw_size >> 14; g++)
		if (w.rw_gran[g] && (g << 14) >=
		    hammer2_freemap_get(dev)->fm_floor &&
		    t_gstate(dev, g << 14) != HAMMER2_FREEMAP_ALLOCATED) {
			why("granule 0x%jx not recovered", (uintmax_t)(g << 14));
			goto out;
		}
	if (t_commit(dev))
		goto out;
	t_close(dev);
	dev = NULL;
	rc = fsck_ok(path);
out:
	if (dev != NULL)
		t_close(dev);
	refwalk_free(&w);
	return (rc);
}

/* Snapshot of the 2-bit states of every allocatable granule. */
static uint8_t *
states(struct hammer2_dev *dev)
{
	struct hammer2_freemap *fm = hammer2_freemap_get(dev);
	uint64_t g, n = fm->fm_total >> 14;
	uint8_t *s = malloc(n);

	for (g = 0; g < n; g++)
		s[g] = hammer2_freemap_seg_usable(fm, (g << 14) &
		    ~(HAMMER2_SEGSIZE - 1)) ? (uint8_t)t_gstate(dev, g << 14) :
		    0xFF;
	return (s);
}

/*
 * Bulkfree: with a copy of a fixture plus blocks allocated and committed
 * but referenced by nothing, each pass moves exactly the unreferenced
 * granules one step (11 -> 10 -> 00) and never a referenced one; two
 * passes free the extra blocks; fsck passes after each commit.
 */
static int
case_bulkfree(const char *fix, const char *name)
{
	char path[1024];
	struct hammer2_dev *dev;
	struct hammer2_bulkfree_stats st;
	struct refwalk w;
	hammer2_off_t off, extra[64];
	uint8_t *before = NULL, *after = NULL;
	uint64_t g, n, staged, freed, free0;
	int i, pass, want, nextra, rc = 1;

	memset(&w, 0, sizeof(w));
	if (copy_fixture(fix, name, path, sizeof(path)) ||
	    (dev = t_open(path)) == NULL)
		return (1);
	for (i = 0; i < 64; i++)
		if (hammer2_freemap_alloc(dev, t_types[i % 4],
		    (size_t)1024 << (i % 7), &extra[i])) {
			why("alloc");
			goto out;
		}
	if (hammer2_bulkfree_pass(dev, &st) != EBUSY) {
		why("bulkfree with uncommitted blocks not refused");
		goto out;
	}
	if (t_commit(dev))
		goto out;
	for (pass = 1; pass <= 3; pass++) {
		/* What every valid header copy refers to now. */
		refwalk_free(&w);
		if (refwalk(dev, &w, 0))
			goto out;
		n = w.rw_size >> 14;
		before = states(dev);
		free0 = hammer2_freemap_free_bytes(dev);
		if (hammer2_bulkfree_pass(dev, &st) != 0 || t_commit(dev)) {
			why("pass %d failed", pass);
			goto out;
		}
		/* Check the freemap as read back from disk. */
		t_close(dev);
		dev = NULL;
		if (fsck_ok(path) || (dev = t_open(path)) == NULL)
			goto out;
		after = states(dev);
		staged = freed = 0;
		for (g = 0; g < n; g++) {
			if (before[g] == 0xFF)
				continue;
			want = before[g];
			if (w.rw_gran[g] && want != 1)
				want = 3;
			else if (want == 3)
				want = 2;
			else if (want == 2)
				want = 0;
			staged += before[g] == 3 && want == 2;
			freed += before[g] == 2 && want == 0;
			if (after[g] != want) {
				why("pass %d: granule 0x%jx %d -> %d, want %d (ref %d)",
				    pass, (uintmax_t)(g << 14), before[g],
				    after[g], want, w.rw_gran[g]);
				goto out;
			}
		}
		if (st.bf_staged != staged * 16384 ||
		    st.bf_freed != freed * 16384 ||
		    hammer2_freemap_free_bytes(dev) != free0 + freed * 16384 ||
		    st.bf_scanned == 0) {
			why("pass %d stats: staged %ju/%ju freed %ju/%ju scanned %ju",
			    pass, (uintmax_t)st.bf_staged,
			    (uintmax_t)(staged * 16384), (uintmax_t)st.bf_freed,
			    (uintmax_t)(freed * 16384),
			    (uintmax_t)st.bf_scanned);
			goto out;
		}
		if (pass == 1 && staged == 0) {
			why("pass 1 staged nothing");
			goto out;
		}
		/*
		 * The extra blocks are free after two passes (those packed
		 * into a granule the fixture uses stay with it).
		 */
		for (i = 0, nextra = 0; i < 64; i++) {
			if (w.rw_gran[(extra[i] & HAMMER2_OFF_MASK) >> 14])
				continue;
			nextra++;
			want = t_gstate(dev, extra[i] & HAMMER2_OFF_MASK);
			if (want != (pass == 1 ? 2 : 0)) {
				why("pass %d: extra block 0x%jx in state %d",
				    pass, (uintmax_t)extra[i], want);
				goto out;
			}
		}
		if (nextra < 32) {
			why("only %d extra blocks outside used granules", nextra);
			goto out;
		}
		free(before);
		free(after);
		before = after = NULL;
	}
	/* And the space is handed out again. */
	if (hammer2_freemap_alloc(dev, 3, 65536, &off) != 0) {
		why("no space after bulkfree");
		goto out;
	}
	rc = 0;
out:
	free(before);
	free(after);
	if (dev != NULL)
		t_close(dev);
	refwalk_free(&w);
	return (rc);
}

/*
 * A leaf whose contents lie (valid CRC, nonsense inside): reserved and
 * static segments marked free, wrong avail, linear out of range or in a
 * free granule.  The allocator must still hand out nothing referenced,
 * reserved or static.
 */
static int
case_lying_leaf(const char *fix, const char *name)
{
	char path[1024];
	struct hammer2_dev *dev;
	struct hammer2_freemap *fm;
	struct hammer2_bmap_data *bm;
	struct refwalk w;
	struct blkmap m;
	hammer2_off_t off;
	uint64_t k;
	size_t i;
	int s, rc = 1;

	memset(&w, 0, sizeof(w));
	memset(&m, 0, sizeof(m));
	if (copy_fixture(fix, name, path, sizeof(path)) ||
	    (dev = t_open(path)) == NULL)
		return (1);
	fm = hammer2_freemap_get(dev);
	if (fm->fm_leaves[0] == NULL) {
		why("fixture without a leaf for area 0");
		goto out;
	}
	for (s = 0; s < HAMMER2_FM_SEGS_PER_LEAF; s++) {
		bm = &fm->fm_leaves[0]->fl_bmap[s];
		if (!hammer2_freemap_seg_usable(fm, (hammer2_off_t)s << 22)) {
			memset(bm->bitmapq, 0, sizeof(bm->bitmapq));
			bm->avail = 4 << 20;
			bm->linear = 0;
		} else {
			bm->avail = (s & 1) ? 0 : 4 << 20;
			bm->linear = (s & 2) ? -4096 : 0x123400;
		}
		bm->class = (uint16_t)(s * 0x101);
	}
	fm->fm_leaves[0]->fl_dirty = true;
	if (t_commit(dev))
		goto out;
	t_close(dev);
	if ((dev = t_open(path)) == NULL || refwalk(dev, &w, 0))
		goto out;
	/* Free bytes are what the bitmaps say, not what avail claimed. */
	fm = hammer2_freemap_get(dev);
	for (k = 0, off = 0; off < fm->fm_total; off += 16384)
		if (hammer2_freemap_seg_usable(fm, off & ~(HAMMER2_SEGSIZE - 1))
		    && (fm->fm_leaves[off >> 30] == NULL || t_gstate(dev, off) == 0))
			k += 16384;
	if (hammer2_freemap_free_bytes(dev) != k) {
		why("free bytes %ju, bitmaps say %ju",
		    (uintmax_t)hammer2_freemap_free_bytes(dev), (uintmax_t)k);
		goto out;
	}
	blkmap_init(&m, w.rw_size);
	if (fill(dev, &m, NULL))
		goto out;
	for (i = 0; i < m.bm_n; i++) {
		off = m.bm_offs[i] & HAMMER2_OFF_MASK;
		for (k = off >> 10; k < (off + (1ULL << (m.bm_offs[i] & 63))) >>
		    10; k++)
			if (w.rw_kib[k]) {
				why("handed out referenced 0x%jx",
				    (uintmax_t)m.bm_offs[i]);
				goto out;
			}
	}
	rc = 0;
out:
	if (dev != NULL)
		t_close(dev);
	refwalk_free(&w);
	blkmap_fini(&m);
	return (rc);
}

/* Forget the verified metadata cached by earlier walks. */
static void
drop_cache(struct hammer2_dev *dev)
{
	struct hammer2_bcache_ent *bc;
	int i;

	for (i = 0; i < HAMMER2_BCACHE_SLOTS; i++) {
		bc = &dev->d_bcache[i];
		hammer2_free(dev, bc->bc_data, bc->bc_len);
		memset(bc, 0, sizeof(*bc));
	}
}

/* A walk that fails (a corrupt block) makes bulkfree change nothing. */
static int
case_bulkfree_corrupt(const char *fix, const char *name)
{
	char path[1024];
	struct hammer2_dev *dev;
	struct hammer2_bulkfree_stats st;
	struct refwalk w;
	uint8_t *before = NULL, *after = NULL, junk[64];
	uint64_t g, n;
	int rc = 1;

	memset(&w, 0, sizeof(w));
	if (copy_fixture(fix, name, path, sizeof(path)) ||
	    (dev = t_open(path)) == NULL)
		return (1);
	if (refwalk(dev, &w, 0))
		goto out;
	/* Corrupt the first inode/indirect granule above the floor. */
	n = w.rw_size >> 14;
	for (g = hammer2_freemap_get(dev)->fm_floor >> 14; g < n; g++)
		if (w.rw_meta[g])
			break;
	if (g == n) {
		why("no referenced block above the floor");
		goto out;
	}
	memset(junk, 0xA5, sizeof(junk));
	for (uint64_t k = 0; k < 16384; k += 1024)
		if (dev->d_ops->dop_write(dev->d_arg, junk, sizeof(junk),
		    (g << 14) + k) != 0)
			goto out;
	drop_cache(dev);
	before = states(dev);
	if (hammer2_bulkfree_pass(dev, &st) != EIO ||
	    st.bf_staged != 0 || st.bf_freed != 0) {
		why("corrupt walk still staged/freed");
		goto out;
	}
	after = states(dev);
	if (memcmp(before, after, n) != 0) {
		why("corrupt walk changed the freemap");
		goto out;
	}
	rc = 0;
out:
	free(before);
	free(after);
	if (dev != NULL)
		t_close(dev);
	refwalk_free(&w);
	return (rc);
}

/*
 * growfs: rounding to 8 MiB, refusal to shrink or pass the device, new
 * space allocatable (incl. past 4 GiB: freemap nodes), fsck.
 */
static int
case_growfs(void)
{
	char path[1024];
	struct hammer2_dev *dev;
	struct blkmap m;
	uint64_t free0, freen;
	hammer2_off_t off;
	size_t i, beyond = 0;
	int rc = 1;

	img_path(path, sizeof(path), "growfs");
	if (mkimg(path, "32m") || (dev = t_open(path)) == NULL)
		return (1);
	blkmap_init(&m, 6 * GIB);
	if (truncate(path, 100 * MIB) != 0) {
		why("truncate");
		goto out;
	}
	dev->d_devsize = 100 * MIB;
	free0 = hammer2_freemap_free_bytes(dev);
	if (hammer2_growfs_apply(dev, 16 * MIB) != EINVAL ||
	    hammer2_growfs_apply(dev, 200 * MIB) != EFBIG) {
		why("shrink or beyond-device growfs not refused");
		goto out;
	}
	if (hammer2_growfs_apply(dev, 100 * MIB) != 0 ||
	    dev->d_voldata.volu_size != 96 * MIB ||
	    dev->d_voldata.total_size != 96 * MIB) {
		why("growfs to 100m: volu_size 0x%jx",
		    (uintmax_t)dev->d_voldata.volu_size);
		goto out;
	}
	freen = hammer2_freemap_free_bytes(dev);
	if (freen != free0 + 64 * MIB) {
		why("free %ju -> %ju, want +64 MiB", (uintmax_t)free0,
		    (uintmax_t)freen);
		goto out;
	}
	if (t_commit(dev))
		goto out;
	t_close(dev);
	dev = NULL;
	if (fsck_ok(path) || (dev = t_open(path)) == NULL)
		goto out;
	if (dev->d_voldata.volu_size != 96 * MIB ||
	    hammer2_freemap_free_bytes(dev) != freen) {
		why("grown size/free not persistent");
		goto out;
	}
	/* Past 4 GiB: 5 leaves under a node. */
	if (truncate(path, 5 * GIB + 20 * MIB) != 0)
		goto out;
	dev->d_devsize = 5 * GIB + 20 * MIB;
	if (hammer2_growfs_apply(dev, dev->d_devsize) != 0 ||
	    dev->d_voldata.volu_size != 5 * GIB + 16 * MIB) {
		why("growfs to 5 GiB");
		goto out;
	}
	if (fill(dev, &m, NULL))
		goto out;
	for (i = 0; i < m.bm_n; i++)
		if ((m.bm_offs[i] & HAMMER2_OFF_MASK) >= 5 * GIB)
			beyond++;
	if (beyond == 0) {
		why("nothing allocated in the last GiB");
		goto out;
	}
	if (t_commit(dev))
		goto out;
	if (dev->d_voldata.freemap_blockset.blockref[0].type !=
	    HAMMER2_BREF_TYPE_FREEMAP_NODE) {
		why("no freemap node after growing past 4 GiB");
		goto out;
	}
	t_close(dev);
	dev = NULL;
	if (fsck_ok(path) || (dev = t_open(path)) == NULL)
		goto out;
	if (all_marked(dev, &m) ||
	    hammer2_freemap_alloc(dev, 3, 1024, &off) != ENOSPC) {
		why("grown and filled freemap not persistent");
		goto out;
	}
	rc = 0;
out:
	if (dev != NULL)
		t_close(dev);
	blkmap_fini(&m);
	return (rc);
}

#ifdef H2_FM_HAVE_FLUSH
/*
 * Through the chain layer's commit: hammer2_rw_mount, copy-on-write of
 * the super-root inode, hammer2_bulkfree() twice (committed but
 * unreferenced blocks come back, the live inode stays allocated) and
 * hammer2_growfs(); fsck after each step.
 */
static int
case_chain(void)
{
	char path[1024];
	struct hammer2_dev *dev = NULL;
	struct hammer2_chain *vroot = NULL, *sroot = NULL;
	struct hammer2_bulkfree_stats st;
	hammer2_off_t extra[16];
	uint64_t free0;
	int i, rc = 1;

	img_path(path, sizeof(path), "chain");
	if (mkimg(path, "256m"))
		return (1);
	if (h2_host_open(path, H2_HOST_RDWR | H2_HOST_QUIET, &dev) != 0 ||
	    hammer2_rw_mount(dev) != 0) {
		why("open/rw_mount");
		goto out;
	}
	vroot = hammer2_chain_vroot(dev);
	if (vroot == NULL || hammer2_chain_lookup(vroot, 0, HAMMER2_KEY_MAX,
	    0, &sroot) != 0) {
		why("super-root lookup");
		goto out;
	}
	free0 = hammer2_freemap_free_bytes(dev);
	for (i = 0; i < 16; i++)
		if (hammer2_freemap_alloc(dev, HAMMER2_BREF_TYPE_DATA, 65536,
		    &extra[i]) != 0) {
			why("alloc");
			goto out;
		}
	for (i = 0; i < 3; i++) {
		if (hammer2_chain_modify(sroot, dev->d_voldata.mirror_tid + 1) ||
		    hammer2_flush(dev) != 0) {
			why("modify/flush %d", i);
			goto out;
		}
	}
	if (fsck_ok(path))
		goto out;
	for (i = 0; i < 2; i++)
		if (hammer2_bulkfree(dev, &st) != 0) {
			why("hammer2_bulkfree %d", i);
			goto out;
		}
	for (i = 0; i < 16; i++)
		if (t_gstate(dev, extra[i] & HAMMER2_OFF_MASK) != 0) {
			why("extra block 0x%jx not freed", (uintmax_t)extra[i]);
			goto out;
		}
	if (t_gstate(dev, sroot->ch_bref.data_off & HAMMER2_OFF_MASK) !=
	    HAMMER2_FREEMAP_ALLOCATED || st.bf_free_after !=
	    hammer2_freemap_free_bytes(dev) || st.bf_free_after > free0) {
		why("live super-root 0x%jx not allocated, or free %ju > %ju",
		    (uintmax_t)sroot->ch_bref.data_off,
		    (uintmax_t)st.bf_free_after, (uintmax_t)free0);
		goto out;
	}
	if (fsck_ok(path))
		goto out;
	if (truncate(path, 300 * MIB) != 0)
		goto out;
	dev->d_devsize = 300 * MIB;
	if (hammer2_growfs(dev, 300 * MIB) != 0 ||
	    dev->d_voldata.volu_size != 296 * MIB) {
		why("hammer2_growfs");
		goto out;
	}
	if (fsck_ok(path))
		goto out;
	rc = 0;
out:
	if (sroot != NULL)
		hammer2_chain_drop(sroot);
	if (vroot != NULL)
		hammer2_chain_drop(vroot);
	if (dev != NULL) {
		if (hammer2_rw_unmount(dev) != 0 && rc == 0)
			rc = why("rw_unmount");
		h2_host_close(dev);
	}
	if (rc == 0) {
		if (h2_host_open(path, H2_HOST_QUIET, &dev) != 0)
			return (why("reopen"));
		if (dev->d_voldata.volu_size != 296 * MIB)
			rc = why("grown size not on disk");
		h2_host_close(dev);
	}
	return (rc);
}
#endif

/* ------------------------------------------------------------------ */
/* Benchmark mode (-b): allocation, commit and bulkfree costs.         */

/*
 * The alternative a simple writer would use: first fit from the start of
 * the volume over a flat 2-bit map of 16 KiB granules (no hints, no
 * classes), sub-16 KiB blocks packed into the last granule opened.
 */
struct naive {
	uint8_t		*nv_state;	/* one byte per granule: 0 free */
	uint64_t	 nv_ngran;
	uint64_t	 nv_floor;	/* first usable granule */
	uint64_t	 nv_lin;	/* packing offset, 0: none */
};

static bool
naive_usable(uint64_t off, uint64_t total, uint64_t floor4)
{
	return (off >= floor4 && (off & (GIB - 1)) >= HAMMER2_SEGSIZE &&
	    off < total);
}

static int
naive_alloc(struct naive *nv, size_t bytes, uint64_t *offp)
{
	uint64_t g, n = bytes < 16384 ? 1 : bytes / 16384, i, off;

	if (bytes < 16384 && nv->nv_lin != 0) {
		off = (nv->nv_lin + bytes - 1) & ~((uint64_t)bytes - 1);
		if ((off & ~16383ULL) == (nv->nv_lin & ~16383ULL) &&
		    off + bytes <= (nv->nv_lin & ~16383ULL) + 16384) {
			nv->nv_lin = (off + bytes) & 16383 ? off + bytes : 0;
			*offp = off;
			return (0);
		}
	}
	for (g = nv->nv_floor; g + n <= nv->nv_ngran; g += n) {
		for (i = 0; i < n && nv->nv_state[g + i] == 0; i++)
			;
		if (i == n)
			break;
	}
	if (g + n > nv->nv_ngran)
		return (ENOSPC);
	for (i = 0; i < n; i++)
		nv->nv_state[g + i] = 3;
	*offp = g * 16384;
	if (bytes < 16384)
		nv->nv_lin = *offp + bytes;
	return (0);
}

static uint64_t
ns_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((uint64_t)(t1.tv_sec - t0->tv_sec) * 1000000000ULL +
	    (uint64_t)t1.tv_nsec - (uint64_t)t0->tv_nsec);
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

#define BENCH_RUNS	5

/* Fill an image of `size` with both allocators; medians of ns/alloc. */
static int
bench_fill(const char *size, uint64_t bytes, bool naive)
{
	char path[1024];
	struct hammer2_dev *dev;
	struct blkmap m;
	struct naive nv;
	struct timespec t0;
	uint64_t fm_ns[BENCH_RUNS], nv_ns[BENCH_RUNS], fl_ns[BENCH_RUNS];
	uint64_t floor4, off, g, nallocs = 0, nnaive;
	size_t sz;
	int r, radix, maxradix;

	img_path(path, sizeof(path), "bench");
	for (r = 0; r < BENCH_RUNS; r++) {
		t_rng = 0x9E3779B97F4A7C15ULL;
		if (mkimg(path, size) || (dev = t_open(path)) == NULL)
			return (1);
		blkmap_init(&m, bytes);
		if (fill(dev, &m, &fm_ns[r]))
			return (1);
		nallocs = m.bm_n;
		fm_ns[r] /= m.bm_n;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (t_commit(dev))
			return (1);
		fl_ns[r] = ns_since(&t0);
		floor4 = hammer2_freemap_get(dev)->fm_floor;
		t_close(dev);
		blkmap_fini(&m);

		/* The same random size sequence through the naive one. */
		nv_ns[r] = 0;
		if (!naive)
			continue;
		t_rng = 0x9E3779B97F4A7C15ULL;
		memset(&nv, 0, sizeof(nv));
		nv.nv_ngran = bytes / 16384;
		nv.nv_state = calloc(nv.nv_ngran, 1);
		nv.nv_floor = floor4 / 16384;
		for (g = 0; g < nv.nv_ngran; g++)
			if (!naive_usable(g * 16384, bytes, floor4))
				nv.nv_state[g] = 3;
		nnaive = 0;
		maxradix = HAMMER2_RADIX_MAX;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (maxradix >= HAMMER2_RADIX_MIN) {
			radix = HAMMER2_RADIX_MIN + (int)(rnd() %
			    (uint64_t)(maxradix - HAMMER2_RADIX_MIN + 1));
			(void)rnd();
			sz = (size_t)1 << radix;
			if (naive_alloc(&nv, sz, &off) != 0) {
				if (radix == maxradix)
					maxradix--;
				continue;
			}
			nnaive++;
		}
		nv_ns[r] = ns_since(&t0) / nnaive;
		free(nv.nv_state);
	}
	qsort(fm_ns, BENCH_RUNS, sizeof(uint64_t), u64_cmp);
	qsort(nv_ns, BENCH_RUNS, sizeof(uint64_t), u64_cmp);
	qsort(fl_ns, BENCH_RUNS, sizeof(uint64_t), u64_cmp);
	printf("fill %-5s freemap %7ju allocs %6ju ns/alloc, commit after fill %ju us",
	    size, (uintmax_t)nallocs, (uintmax_t)fm_ns[BENCH_RUNS / 2],
	    (uintmax_t)fl_ns[BENCH_RUNS / 2] / 1000);
	if (naive)
		printf(" | naive first-fit %ju ns/alloc (x%.1f)",
		    (uintmax_t)nv_ns[BENCH_RUNS / 2],
		    (double)nv_ns[BENCH_RUNS / 2] /
		    (double)fm_ns[BENCH_RUNS / 2]);
	printf("\n");
	return (0);
}

/* One bulkfree pass over a copy of a fixture (median of the runs). */
static int
bench_bulkfree(const char *fix)
{
	char path[1024];
	struct hammer2_dev *dev;
	struct hammer2_bulkfree_stats st;
	struct timespec t0;
	uint64_t ns[BENCH_RUNS];
	int r;

	if (copy_fixture(fix, "benchbf", path, sizeof(path)) ||
	    (dev = t_open(path)) == NULL)
		return (1);
	for (r = 0; r < BENCH_RUNS; r++) {
		drop_cache(dev);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (hammer2_bulkfree_pass(dev, &st) != 0)
			return (why("bulkfree"));
		ns[r] = ns_since(&t0);
	}
	t_close(dev);
	qsort(ns, BENCH_RUNS, sizeof(uint64_t), u64_cmp);
	printf("bulkfree pass %s: %ju brefs in %ju us (cold metadata cache)\n",
	    strrchr(fix, '/') ? strrchr(fix, '/') + 1 : fix,
	    (uintmax_t)st.bf_scanned, (uintmax_t)ns[BENCH_RUNS / 2] / 1000);
	return (0);
}

static int
bench(int argc, char **argv)
{
	int i;

	/* First fit is quadratic: it only runs on the small image. */
	if (bench_fill("32m", 32 * MIB, true) ||
	    bench_fill("256m", 256 * MIB, true) ||
	    bench_fill("5g", 5 * GIB, false))
		goto fail;
	for (i = 0; i < argc; i++)
		if (bench_bulkfree(argv[i]))
			goto fail;
	return (0);
fail:
	fprintf(stderr, "bench failed: %s\n", t_why);
	return (1);
}

/* Can the scratch directory hold a sparse file of `size` bytes? */
static bool
sparse_ok(uint64_t size)
{
	char path[1024];
	int fd, ok;

	img_path(path, sizeof(path), "sparse-probe");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return (false);
	ok = ftruncate(fd, (off_t)size) == 0;
	close(fd);
	unlink(path);
	return (ok);
}

int
main(int argc, char **argv)
{
	char name[256];
	const char *base;
	int i;

	if (argc >= 4 && strcmp(argv[1], "-b") == 0) {
		t_newfs = argv[2];
		t_dir = argv[3];
		return (bench(argc - 4, argv + 4));
	}
	if (argc < 4) {
		fprintf(stderr, "usage: h2_freemap_test NEWFS FSCK SCRATCHDIR [FIXTURE.img ...]\n"
		    "       h2_freemap_test -b NEWFS SCRATCHDIR [FIXTURE.img ...]\n");
		return (2);
	}
	t_newfs = argv[1];
	t_fsck = argv[2];
	t_dir = argv[3];
	report("freemap_errors", case_errors());
	report("freemap_fill_32m", case_fill("fill32", "32m", 32 * MIB,
	    true));
	report("freemap_fill_256m", case_fill("fill256", "256m", 256 * MIB,
	    true));
	report("freemap_class_locality", case_class());
	report("freemap_rotation", case_rotation());
	report("freemap_free_uncommitted", case_free_uncommitted());
	report("freemap_big_5g_nodes", case_big());
	report("freemap_growfs", case_growfs());
	if (sparse_ok(2048 * GIB))
		report("freemap_huge_2t_levels", case_huge());
	else
		skip("freemap_huge_2t_levels",
		    "the scratch file system cannot hold a 2 TiB sparse file");
#ifdef H2_FM_HAVE_FLUSH
	report("freemap_chain_bulkfree_growfs", case_chain());
#else
	skip("freemap_chain_bulkfree_growfs", "no hammer2_flush yet");
#endif
	if (argc == 4) {
		skip("freemap_fixtures", "no fixture images given");
		return (t_failed);
	}
	for (i = 4; i < argc; i++) {
		base = strrchr(argv[i], '/');
		base = base ? base + 1 : argv[i];
		snprintf(name, sizeof(name), "freemap_fixture_fill_%.*s",
		    (int)strcspn(base, "."), base);
		report(name, case_fixture_fill(argv[i], "fixfill"));
		snprintf(name, sizeof(name), "freemap_recovery_%.*s",
		    (int)strcspn(base, "."), base);
		report(name, case_recovery(argv[i], "recovery"));
		snprintf(name, sizeof(name), "freemap_bulkfree_%.*s",
		    (int)strcspn(base, "."), base);
		report(name, case_bulkfree(argv[i], "bulkfree"));
		snprintf(name, sizeof(name), "freemap_lying_leaf_%.*s",
		    (int)strcspn(base, "."), base);
		report(name, case_lying_leaf(argv[i], "lying"));
		snprintf(name, sizeof(name), "freemap_bulkfree_corrupt_%.*s",
		    (int)strcspn(base, "."), base);
		report(name, case_bulkfree_corrupt(argv[i], "bfcorrupt"));
	}
	return (t_failed);
}
