/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_unit.c - unit tests of the HAMMER2 core's building blocks (ASan/
 * UBSan build): the directory hash, blockref arithmetic, volume header
 * CRCs, check codes, and hammer2_tree_scan()'s contract (key order, range
 * clipping, empty slots, STOP/SKIP, error reporting, descent through
 * indirect blocks, rejection of disordered and overlapping arrays).
 *
 * Model: each test is a function; CHECK() records a failure with its line
 * and the test goes on.  Indirect blocks live in a small in-memory device.
 * Prints one line per failure and "N checks, N failed"; exit 1 on any.
 *
 * More: tests/suites/hammer2.sh.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hammer2.h"

#define U_DEV_BYTES	(64ULL << 20)
#define U_BLK		(16ULL << 20)	/* where test blocks go */

static int nchecks, nfailed;

#define CHECK(e) do {							\
	nchecks++;							\
	if (!(e)) {							\
		nfailed++;						\
		printf("FAILED %s:%d: %s\n", __func__, __LINE__, #e);	\
	}								\
} while (0)

static uint8_t *disk;

static int
u_read(void *arg, void *buf, size_t len, uint64_t off)
{
	(void)arg;
	if (off > U_DEV_BYTES || len > U_DEV_BYTES - off)
		return (EIO);
	memcpy(buf, disk + off, len);
	return (0);
}

static void *
u_alloc(void *arg, size_t len)
{
	(void)arg;
	return (malloc(len));
}

static void
u_free(void *arg, void *p, size_t len)
{
	(void)arg;
	(void)len;
	free(p);
}

static const struct hammer2_devops u_ops = {
	.dop_read = u_read,
	.dop_alloc = u_alloc,
	.dop_free = u_free,
};

static struct hammer2_dev *
u_dev(void)
{
	static struct hammer2_dev dev;

	memset(&dev, 0, sizeof(dev));
	dev.d_ops = &u_ops;
	dev.d_devsize = U_DEV_BYTES;
	dev.d_voldata.volu_size = U_DEV_BYTES;
	return (&dev);
}

static void
test_dirhash(void)
{
	static const struct {
		const char	*name;
		uint64_t	 hash;
	} v[] = {
		{ "a", 0xc1d0433082e08000ULL },
		{ "abc", 0xb64b3fb709fc8000ULL },
		{ "DATA", 0xc78fff92381d8000ULL },
		{ "LOCAL", 0xde25e1c43fe18000ULL },
		{ "SUPROOT", 0xb6d948347eed8000ULL },
		{ "a.txt", 0xfe47183a3da38000ULL },
		{ "hello.txt", 0xd6e8905688708000ULL },
		{ "x.y", 0x84943c23e97d8000ULL },
		{ "y.x", 0x84943c23af2a8000ULL },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK(hammer2_dirhash(v[i].name, strlen(v[i].name)) == v[i].hash);
	CHECK(hammer2_dirhash("", 0) == 0x8000000000008000ULL);
	/* Separators never count: "..a--" hashes its segments like "a". */
	CHECK((hammer2_dirhash("..a--", 5) >> 32) ==
	    (hammer2_dirhash("a", 1) >> 32));
}

static void
test_bref_math(void)
{
	struct hammer2_blockref b;

	memset(&b, 0, sizeof(b));
	b.key = 0x8000000000000000ULL;
	b.keybits = 63;
	CHECK(hammer2_bref_key_end(&b) == HAMMER2_KEY_MAX);
	b.key = 0;
	b.keybits = 64;
	CHECK(hammer2_bref_key_end(&b) == HAMMER2_KEY_MAX);
	b.keybits = 16;
	b.key = 0x30000;
	CHECK(hammer2_bref_key_end(&b) == 0x3ffff);
	b.data_off = 0x1234000 | 10;
	CHECK(hammer2_bref_bytes(&b) == 1024);
	CHECK(hammer2_bref_offset(&b) == 0x1234000);
	b.data_off = 0;
	CHECK(hammer2_bref_bytes(&b) == 0);
}

static void
test_volume_crcs(void)
{
	struct hammer2_volume_data *vd = calloc(1, sizeof(*vd));
	const char *why;
	size_t off;

	vd->magic = HAMMER2_VOLUME_ID_HBO;
	vd->version = 2;
	vd->nvolumes = 1;
	vd->volu_size = 32ULL << 20;
	hammer2_volume_set_crcs(vd);
	CHECK(hammer2_volume_check(vd, 32ULL << 20, &why) == 0);
	CHECK(hammer2_volume_check(vd, 31ULL << 20, &why) == EIO);
	for (off = 0; off < sizeof(*vd); off += 997) {
		((uint8_t *)vd)[off] ^= 0x10;
		CHECK(hammer2_volume_check(vd, 32ULL << 20, &why) == EIO);
		((uint8_t *)vd)[off] ^= 0x10;
	}
	vd->magic = HAMMER2_VOLUME_ID_ABO;
	hammer2_volume_set_crcs(vd);
	CHECK(hammer2_volume_check(vd, 32ULL << 20, &why) == EIO &&
	    strstr(why, "byte-swapped") != NULL);
	free(vd);
}

static void
test_check_codes(void)
{
	struct hammer2_dev *dev = u_dev();
	struct hammer2_blockref b;
	uint8_t buf[4096];
	int m;

	memset(buf, 0xa5, sizeof(buf));
	dev->d_quiet = 1;
	for (m = HAMMER2_CHECK_NONE; m <= HAMMER2_CHECK_FREEMAP; m++) {
		memset(&b, 0, sizeof(b));
		b.methods = HAMMER2_ENC_CHECK(m);
		b.check.freemap.bigmask = 0xffffffff;
		hammer2_bref_set_check(&b, buf, sizeof(buf));
		CHECK(hammer2_bref_check(dev, &b, buf, sizeof(buf)) == 0);
		buf[100] ^= 1;
		CHECK(hammer2_bref_check(dev, &b, buf, sizeof(buf)) ==
		    (m <= HAMMER2_CHECK_DISABLED ? 0 : EIO));
		buf[100] ^= 1;
		if (m == HAMMER2_CHECK_FREEMAP)
			CHECK(b.check.freemap.bigmask == 0xffffffff);
	}
	b.methods = HAMMER2_ENC_CHECK(9);
	CHECK(hammer2_bref_check(dev, &b, buf, sizeof(buf)) == EIO);
}

struct u_seen {
	hammer2_key_t	keys[64];
	int		n;
	int		stop_at;
	int		errors;
};

static int
u_scan_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct u_seen *s = arg;

	if (error != 0) {
		s->errors++;
		return (0);
	}
	if (s->n < 64)
		s->keys[s->n++] = bref->key;
	if (s->stop_at && s->n == s->stop_at)
		return (HAMMER2_SCAN_STOP);
	return (0);
}

static void
u_data(struct hammer2_blockref *b, hammer2_key_t key)
{
	memset(b, 0, sizeof(*b));
	b->type = HAMMER2_BREF_TYPE_DATA;
	b->key = key;
	b->keybits = 16;
}

/* An INDIRECT bref over a 1 KiB block at off holding brefs[0..n). */
static void
u_indirect(struct hammer2_blockref *b, uint64_t off, hammer2_key_t key,
    int keybits, const struct hammer2_blockref *brefs, int n)
{
	memset(disk + off, 0, 1024);
	memcpy(disk + off, brefs, sizeof(*brefs) * (size_t)n);
	memset(b, 0, sizeof(*b));
	b->type = HAMMER2_BREF_TYPE_INDIRECT;
	b->methods = HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64);
	b->key = key;
	b->keybits = (uint8_t)keybits;
	b->data_off = off | 10;
	hammer2_bref_set_check(b, disk + off, 1024);
}

static void
test_scan(void)
{
	struct hammer2_dev *dev = u_dev();
	struct hammer2_blockref set[4], kids[3], found;
	struct u_seen s;

	dev->d_quiet = 1;
	memset(set, 0, sizeof(set));
	u_data(&set[1], 0x10000);
	u_data(&set[3], 0x30000);
	memset(&s, 0, sizeof(s));
	CHECK(hammer2_tree_scan(dev, set, 4, 0, HAMMER2_KEY_MAX, 0, u_scan_cb,
	    &s) == 0);
	CHECK(s.n == 2 && s.keys[0] == 0x10000 && s.keys[1] == 0x30000);
	memset(&s, 0, sizeof(s));
	CHECK(hammer2_tree_scan(dev, set, 4, 0x1ffff, 0x2ffff, 0, u_scan_cb,
	    &s) == 0 && s.n == 1 && s.keys[0] == 0x10000);
	CHECK(hammer2_tree_lookup(dev, set, 4, 0x30000, &found) == 0 &&
	    found.key == 0x30000);
	CHECK(hammer2_tree_lookup(dev, set, 4, 0x20000, &found) == ENOENT);

	/* Descend an indirect block; children come out in key order. */
	u_data(&kids[0], 0x40000);
	u_data(&kids[1], 0x50000);
	u_data(&kids[2], 0x70000);
	u_indirect(&set[3], U_BLK, 0x40000, 18, kids, 3);
	memset(&s, 0, sizeof(s));
	CHECK(hammer2_tree_scan(dev, set, 4, 0, HAMMER2_KEY_MAX, 0, u_scan_cb,
	    &s) == 0);
	CHECK(s.n == 4 && s.keys[1] == 0x40000 && s.keys[3] == 0x70000);
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	CHECK(hammer2_tree_scan(dev, set, 4, 0, HAMMER2_KEY_MAX, 0, u_scan_cb,
	    &s) == 0 && s.n == 2);
	CHECK(hammer2_tree_lookup(dev, set, 4, 0x50000, &found) == 0 &&
	    found.key == 0x50000);

	/* A damaged indirect block: EIO, or reported and skipped. */
	disk[U_BLK + 5] ^= 1;
	memset(&s, 0, sizeof(s));
	CHECK(hammer2_tree_scan(dev, set, 4, 0, HAMMER2_KEY_MAX, 0, u_scan_cb,
	    &s) == EIO);
	memset(&s, 0, sizeof(s));
	CHECK(hammer2_tree_scan(dev, set, 4, 0, HAMMER2_KEY_MAX,
	    HAMMER2_SCAN_CONTINUE, u_scan_cb, &s) == 0 && s.errors == 1 &&
	    s.n == 1);
	disk[U_BLK + 5] ^= 1;

	/* Disordered and overlapping arrays are EIO. */
	u_data(&set[0], 0x60000);
	CHECK(hammer2_tree_scan(dev, set, 4, 0, HAMMER2_KEY_MAX, 0, u_scan_cb,
	    &s) == EIO);
	u_data(&set[0], 0);
	set[0].keybits = 17;
	CHECK(hammer2_tree_scan(dev, set, 4, 0, HAMMER2_KEY_MAX, 0, u_scan_cb,
	    &s) == EIO);
	set[0].keybits = 65;
	CHECK(hammer2_tree_scan(dev, set, 4, 0, HAMMER2_KEY_MAX, 0, u_scan_cb,
	    &s) == EIO);
}

int
main(void)
{
	disk = calloc(1, U_DEV_BYTES);
	if (disk == NULL)
		return (2);
	test_dirhash();
	test_bref_math();
	test_volume_crcs();
	test_check_codes();
	test_scan();
	printf("%d checks, %d failed\n", nchecks, nfailed);
	free(disk);
	return (nfailed == 0 ? 0 : 1);
}
