/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_corrupt.c - corruption tests for the HAMMER2 read core (built with
 * ASan/UBSan).
 *
 * Model: the image is loaded into memory and served to the core through
 * a memory device.  read_everything() mounts it and reads every PFS the
 * way a user would (readdir, lookup, read, readlink), counting failures.
 * Each case damages the in-memory image, expects at least one EIO-class
 * failure (or a refused mount), and restores the image:
 *   - a byte flipped in every block reachable from the header (each is
 *     covered by a check code, so each must be caught);
 *   - flips in the volume header (single-copy images);
 *   - crafted, correctly re-signed blockrefs and inodes: impossible
 *     radix, block past the end, bad type, 64 KiB crossing, indirect
 *     loop, a chain deeper than the depth bound, disordered arrays,
 *     absurd inode fields, a directory entry naming a missing inode;
 *   - truncated images.
 * The pristine image must read with zero failures (the control).  A crash
 * or sanitizer report fails the test too.
 *
 * More: tests/suites/hammer2.sh.
 */

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h2_readall.h"

#define CR_MAX_BLOCKS	400
#define CR_BLOCKS_CAP	65536

static uint8_t *img;
static size_t img_size;
static int failures, cases;
static int expect_ok;		/* positive control of a crafted image */
static const char *write_out;	/* -L: write the crafted image here */
static int write_status = 1;

static int
write_image(const char *out)
{
	FILE *fp = fopen(out, "w");

	if (fp == NULL || fwrite(img, 1, img_size, fp) != img_size ||
	    fclose(fp) != 0)
		return (1);
	return (0);
}
static uint64_t nfiles;

static int
read_everything(size_t size)
{
	return (h2ra_read_everything(img, size, 0, &nfiles));
}

static void
expect_failure(const char *what, uint64_t where)
{
	int errs = read_everything(img_size);

	cases++;
	if (expect_ok && (errs != 0 || nfiles == 0)) {
		failures++;
		printf("CONTROL FAILED: %s (%d failures, %ju objects)\n", what,
		    errs, (uintmax_t)nfiles);
	} else if (!expect_ok && errs == 0) {
		failures++;
		printf("NOT DETECTED: %s at 0x%jx\n", what, (uintmax_t)where);
	}
}

/* ---- every reachable block ---- */

struct blk {
	uint64_t	b_data_off;
	uint8_t		b_type, b_methods;
};

static struct blk blks[CR_BLOCKS_CAP];
static size_t nblks;

static int
collect_cb(void *arg, const struct hammer2_blockref *bref)
{
	(void)arg;
	if (nblks < CR_BLOCKS_CAP) {
		blks[nblks].b_data_off = bref->data_off;
		blks[nblks].b_type = bref->type;
		blks[nblks].b_methods = bref->methods;
		nblks++;
	}
	return (0);
}

static void
test_every_block(void)
{
	size_t i, step, size, pos;
	uint64_t off;
	int check;

	nblks = 0;
	h2ra_blocks(img, img_size, collect_cb, NULL);
	step = nblks / CR_MAX_BLOCKS + 1;
	for (i = 0; i < nblks; i += step) {
		check = HAMMER2_DEC_CHECK(blks[i].b_methods);
		if (check == HAMMER2_CHECK_NONE ||
		    check == HAMMER2_CHECK_DISABLED)
			continue;
		off = blks[i].b_data_off & HAMMER2_OFF_MASK;
		size = (size_t)1 << (blks[i].b_data_off & HAMMER2_OFF_MASK_RADIX);
		pos = (i * 7919 + 13) % size;
		img[off + pos] ^= 0x5a;
		expect_failure(hammer2_bref_type_name(blks[i].b_type),
		    off + pos);
		img[off + pos] ^= 0x5a;
	}
	printf("flipped one byte in %zu of %zu reachable blocks\n",
	    (nblks + step - 1) / step, nblks);
}

/* ---- crafted, re-signed structures ---- */

/* The header copy the core mounts: the newest valid one. */
static struct hammer2_volume_data *
hdr(void)
{
	struct hammer2_volume_data *vd, *best = NULL;
	const char *why;
	uint64_t off;
	int i;

	for (i = 0; i < HAMMER2_NUM_VOLHDRS; i++) {
		off = (uint64_t)i * HAMMER2_ZONE_BYTES64;
		if (off + HAMMER2_VOLUME_BYTES > img_size)
			break;
		vd = (struct hammer2_volume_data *)(void *)(img + off);
		if (hammer2_volume_check(vd, img_size, &why) == 0 &&
		    (best == NULL || vd->mirror_tid > best->mirror_tid))
			best = vd;
	}
	return (best != NULL ? best :
	    (struct hammer2_volume_data *)(void *)img);
}

static void
make_bref(struct hammer2_blockref *b, int type, uint64_t off, int radix,
    uint64_t key, int keybits, int check)
{
	memset(b, 0, sizeof(*b));
	b->type = (uint8_t)type;
	b->methods = HAMMER2_ENC_CHECK(check);
	b->key = key;
	b->keybits = (uint8_t)keybits;
	b->data_off = off | (uint64_t)radix;
	if (radix >= HAMMER2_RADIX_MIN && radix <= HAMMER2_RADIX_MAX &&
	    off + ((uint64_t)1 << radix) <= img_size)
		hammer2_bref_set_check(b, img + off, (size_t)1 << radix);
}

/* Replace sroot_blockset[0] by *b (saving the old header), test, undo. */
static void
try_sroot(const char *what, const struct hammer2_blockref *b)
{
	static uint8_t saved[HAMMER2_VOLUME_BYTES];
	static uint8_t scratch[1 << 20];
	uint64_t scratch_off = hdr()->boot_beg;

	struct hammer2_volume_data *vd = hdr();

	memcpy(saved, vd, sizeof(saved));
	memcpy(scratch, img + scratch_off, sizeof(scratch));
	vd->sroot_blockset.blockref[0] = *b;
	hammer2_volume_set_crcs(vd);
	if (write_out != NULL)
		write_status = write_image(write_out);
	else
		expect_failure(what, b->data_off);
	memcpy(vd, saved, sizeof(saved));
	memcpy(img + scratch_off, scratch, sizeof(scratch));
}

static void
test_crafted_brefs(void)
{
	struct hammer2_blockref b, *arr;
	uint64_t x = hdr()->boot_beg, vsize = hdr()->volu_size;
	static uint8_t saved[1 << 20];
	int i;

	memcpy(saved, img + x, sizeof(saved));
	b = hdr()->sroot_blockset.blockref[0];
	b.data_off = (b.data_off & HAMMER2_OFF_MASK) | 0x3f;
	try_sroot("impossible radix 63", &b);
	b = hdr()->sroot_blockset.blockref[0];
	b.data_off = (b.data_off & HAMMER2_OFF_MASK) | 5;
	try_sroot("radix below 1 KiB", &b);
	b = hdr()->sroot_blockset.blockref[0];
	b.data_off = vsize | HAMMER2_INODE_RADIX;
	try_sroot("inode past the end of the volume", &b);
	b.data_off = (HAMMER2_KEY_MAX & HAMMER2_OFF_MASK) | HAMMER2_INODE_RADIX;
	try_sroot("inode at 2^64 - 64", &b);
	b = hdr()->sroot_blockset.blockref[0];
	b.type = 99;
	try_sroot("blockref type 99", &b);
	make_bref(&b, HAMMER2_BREF_TYPE_INDIRECT, x + 0xF000, 16, 0, 63,
	    HAMMER2_CHECK_NONE);
	try_sroot("indirect block crossing 64 KiB", &b);

	/* An indirect block (check NONE) whose entry points at itself. */
	arr = (struct hammer2_blockref *)(void *)(img + x);
	memset(arr, 0, 1024);
	make_bref(&arr[0], HAMMER2_BREF_TYPE_INDIRECT, x, 10, 0, 62,
	    HAMMER2_CHECK_NONE);
	make_bref(&b, HAMMER2_BREF_TYPE_INDIRECT, x, 10, 0, 63,
	    HAMMER2_CHECK_NONE);
	try_sroot("indirect loop", &b);

	/* A chain of 40 indirect blocks: deeper than HAMMER2_MAX_DEPTH. */
	for (i = 0; i < 40; i++) {
		arr = (struct hammer2_blockref *)(void *)(img + x + 1024 * i);
		memset(arr, 0, 1024);
		make_bref(&arr[0], HAMMER2_BREF_TYPE_INDIRECT,
		    x + 1024 * (i + 1), 10, 0, 62 - i, HAMMER2_CHECK_NONE);
	}
	make_bref(&b, HAMMER2_BREF_TYPE_INDIRECT, x, 10, 0, 63,
	    HAMMER2_CHECK_NONE);
	try_sroot("indirect chain 40 deep", &b);

	/* Entries out of order, then overlapping; signed with xxhash64. */
	arr = (struct hammer2_blockref *)(void *)(img + x);
	memset(arr, 0, 1024);
	arr[0] = hdr()->sroot_blockset.blockref[0];
	arr[0].key = 0x1000;
	arr[1] = hdr()->sroot_blockset.blockref[0];
	arr[1].key = 0x10;
	make_bref(&b, HAMMER2_BREF_TYPE_INDIRECT, x, 10, 0, 63,
	    HAMMER2_CHECK_XXHASH64);
	try_sroot("blockref array out of order", &b);
	arr[0].key = 0;
	arr[0].keybits = 20;
	make_bref(&b, HAMMER2_BREF_TYPE_INDIRECT, x, 10, 0, 63,
	    HAMMER2_CHECK_XXHASH64);
	try_sroot("overlapping blockrefs", &b);
	memcpy(img + x, saved, sizeof(saved));
}

/*
 * Build a super-root at boot_beg + 0 whose only PFS "DATA" is the inode
 * *pfs at boot_beg + 1 KiB, optionally with one more inode at + 2 KiB.
 */
static void
try_pfs(const char *what, const struct hammer2_inode_data *pfs,
    const struct hammer2_inode_data *extra)
{
	static uint8_t saved[4096];
	struct hammer2_inode_data *sroot, *p;
	struct hammer2_blockref b;
	uint64_t x = hdr()->boot_beg;
	const struct hammer2_blockref *sb = &hdr()->sroot_blockset.blockref[0];

	memcpy(saved, img + x, sizeof(saved));
	sroot = (struct hammer2_inode_data *)(void *)(img + x);
	memcpy(sroot, img + (sb->data_off & HAMMER2_OFF_MASK), 1024);
	p = sroot + 1;
	memcpy(p, pfs, 1024);
	if (extra != NULL) {
		memcpy(p + 1, extra, 1024);
		make_bref(&p->u.blockset.blockref[0], HAMMER2_BREF_TYPE_INODE,
		    x + 2048, 10, extra->meta.inum, 0, HAMMER2_CHECK_XXHASH64);
	}
	memset(&sroot->u, 0, sizeof(sroot->u));
	make_bref(&sroot->u.blockset.blockref[0], HAMMER2_BREF_TYPE_INODE,
	    x + 1024, 10, hammer2_dirhash("DATA", 4), 0, HAMMER2_CHECK_XXHASH64);
	sroot->u.blockset.blockref[0].flags = HAMMER2_BREF_FLAG_PFSROOT;
	make_bref(&b, HAMMER2_BREF_TYPE_INODE, x, 10, 0, 0,
	    HAMMER2_CHECK_XXHASH64);
	try_sroot(what, &b);
	memcpy(img + x, saved, sizeof(saved));
}

static void
add_dirent(struct hammer2_inode_data *dir, int slot, const char *name,
    uint64_t inum, int type)
{
	struct hammer2_blockref *b = &dir->u.blockset.blockref[slot];

	memset(b, 0, sizeof(*b));
	b->type = HAMMER2_BREF_TYPE_DIRENT;
	b->methods = HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64);
	b->key = hammer2_dirhash(name, strlen(name)) + 1;
	b->embed.dirent.inum = inum;
	b->embed.dirent.namlen = (uint16_t)strlen(name);
	b->embed.dirent.type = (uint8_t)type;
	memcpy(b->check.buf, name, strlen(name));
}

/* Copy the PFS root inode labelled DATA out of the image. */
static int
find_data_root(struct hammer2_inode_data *pfs)
{
	const struct hammer2_inode_data *ip;
	size_t i;

	nblks = 0;
	h2ra_blocks(img, img_size, collect_cb, NULL);
	for (i = 0; i < nblks; i++) {
		if (blks[i].b_type != HAMMER2_BREF_TYPE_INODE)
			continue;
		ip = (const void *)(img + (blks[i].b_data_off & HAMMER2_OFF_MASK));
		if ((ip->meta.op_flags & HAMMER2_OPFLAG_PFSROOT) &&
		    ip->meta.name_len == 4 &&
		    memcmp(ip->filename, "DATA", 4) == 0) {
			*pfs = *ip;
			return (0);
		}
	}
	return (ENOENT);
}

static void
test_crafted_inodes(void)
{
	struct hammer2_inode_data pfs, ino;

	if (find_data_root(&pfs) != 0) {
		printf("no PFS DATA\n");
		failures++;
		return;
	}
	expect_ok = 1;
	try_pfs("crafted super-root over the real PFS root", &pfs, NULL);
	expect_ok = 0;
	pfs.meta.op_flags |= HAMMER2_OPFLAG_DIRECTDATA;
	try_pfs("PFS root with embedded data", &pfs, NULL);
	pfs.meta.op_flags &= (uint8_t)~HAMMER2_OPFLAG_DIRECTDATA;
	pfs.meta.name_len = 300;
	try_pfs("PFS root name_len 300", &pfs, NULL);
	pfs.meta.name_len = 4;
	pfs.meta.type = 3;
	try_pfs("PFS root of object type 3", &pfs, NULL);
	pfs.meta.type = HAMMER2_OBJTYPE_DIRECTORY;

	memset(&pfs.u, 0, sizeof(pfs.u));
	add_dirent(&pfs, 1, "ghost", 0x999999, HAMMER2_OBJTYPE_REGFILE);
	try_pfs("directory entry naming a missing inode", &pfs, NULL);

	memset(&ino, 0, sizeof(ino));
	ino.meta.type = HAMMER2_OBJTYPE_SOFTLINK;
	ino.meta.inum = 0x500;
	ino.meta.size = 3;
	ino.meta.op_flags = HAMMER2_OPFLAG_DIRECTDATA;
	memcpy(ino.u.data, "abc", 3);
	add_dirent(&pfs, 1, "ln", 0x500, HAMMER2_OBJTYPE_SOFTLINK);
	expect_ok = 1;
	try_pfs("crafted symlink inode", &pfs, &ino);
	expect_ok = 0;
	ino.meta.op_flags = 0;
	ino.meta.inum = 0x500;
	ino.meta.size = 1000000000;
	ino.meta.mode = 0777;
	add_dirent(&pfs, 1, "ln", 0x500, HAMMER2_OBJTYPE_SOFTLINK);
	try_pfs("symlink of 10^9 bytes", &pfs, &ino);
	ino.meta.type = HAMMER2_OBJTYPE_REGFILE;
	ino.meta.op_flags = HAMMER2_OPFLAG_DIRECTDATA;
	ino.meta.size = 4096;
	try_pfs("embedded file of 4096 bytes", &pfs, &ino);
	ino.meta.op_flags = 0;
	ino.meta.size = 1ULL << 40;
	make_bref(&ino.u.blockset.blockref[0], HAMMER2_BREF_TYPE_DATA,
	    hdr()->volu_size - 1024, 10, 0, 16, HAMMER2_CHECK_XXHASH64);
	ino.u.blockset.blockref[0].check.xxhash64 ^= 1;
	try_pfs("file block with a bad check code", &pfs, &ino);
	make_bref(&ino.u.blockset.blockref[0], HAMMER2_BREF_TYPE_DATA,
	    hdr()->volu_size - 1024, 10, 0, 12, HAMMER2_CHECK_XXHASH64);
	try_pfs("DATA blockref with keybits 12", &pfs, &ino);
	ino.meta.inum = 0x501;
	try_pfs("inode index entry holding another inode", &pfs, &ino);
}

static void
test_truncation(void)
{
	size_t sizes[] = { 0, 100, HAMMER2_VOLUME_BYTES - 1,
		HAMMER2_VOLUME_BYTES, img_size / 2, img_size - 1024 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		cases++;
		if (read_everything(sizes[i]) == 0) {
			failures++;
			printf("NOT DETECTED: truncation to %zu bytes\n",
			    sizes[i]);
		}
	}
}

static void
test_header_flips(void)
{
	size_t offs[] = { 0, 7, 0x28, 0x30, 0x78, 0x1fc, 0x200, 0x220, 0x3ff,
		0x800, 0xe00, 0x5000, 0xfffc, 0xffff };
	size_t i;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		img[offs[i]] ^= 0x01;
		expect_failure("volume header flip", offs[i]);
		img[offs[i]] ^= 0x01;
	}
}

/*
 * -F: write a copy of the image in which the freemap marks the first
 * reachable block above allocator_beg free, with the leaf CRC and the
 * header CRCs recomputed, so only fsck_hammer2's freemap pass can see it.
 */
static int
write_freemap_hole(const char *out)
{
	struct hammer2_volume_data *vd = hdr();
	struct hammer2_blockref *leaf = &vd->freemap_blockset.blockref[0];
	struct hammer2_bmap_data *bm;
	uint64_t off = 0;
	size_t i;
	unsigned g;
	FILE *fp;

	nblks = 0;
	h2ra_blocks(img, img_size, collect_cb, NULL);
	for (i = 0; i < nblks && off == 0; i++)
		if ((blks[i].b_data_off & HAMMER2_OFF_MASK) >=
		    vd->allocator_beg)
			off = blks[i].b_data_off & HAMMER2_OFF_MASK;
	if (off == 0 || leaf->type != HAMMER2_BREF_TYPE_FREEMAP_LEAF)
		return (1);
	bm = (struct hammer2_bmap_data *)(void *)(img +
	    (leaf->data_off & HAMMER2_OFF_MASK));
	bm += (off >> HAMMER2_FREEMAP_LEVEL0_RADIX) % HAMMER2_FREEMAP_COUNT;
	g = (unsigned)((off % HAMMER2_SEGSIZE) >> HAMMER2_FREEMAP_BLOCK_RADIX);
	bm->bitmapq[g / HAMMER2_BMAP_BLOCKS_PER_ELEMENT] &=
	    ~(3ULL << (2 * (g % HAMMER2_BMAP_BLOCKS_PER_ELEMENT)));
	hammer2_bref_set_check(leaf, img + (leaf->data_off & HAMMER2_OFF_MASK),
	    HAMMER2_FREEMAP_BYTES);
	hammer2_volume_set_crcs(vd);
	fp = fopen(out, "w");
	if (fp == NULL || fwrite(img, 1, img_size, fp) != img_size ||
	    fclose(fp) != 0)
		return (1);
	printf("block 0x%jx marked free in %s\n", (uintmax_t)off, out);
	return (0);
}

/*
 * -L: write a copy whose PFS DATA holds one file with nlinks 3 but a
 * single directory entry; everything correctly signed, so only
 * fsck_hammer2's link count pass can object.
 */
static int
write_bad_nlinks(void)
{
	struct hammer2_inode_data pfs, ino;

	if (find_data_root(&pfs) != 0)
		return (1);
	memset(&pfs.u, 0, sizeof(pfs.u));
	memset(&ino, 0, sizeof(ino));
	ino.meta.type = HAMMER2_OBJTYPE_REGFILE;
	ino.meta.inum = 0x500;
	ino.meta.nlinks = 3;
	ino.meta.mode = 0644;
	ino.meta.op_flags = HAMMER2_OPFLAG_DIRECTDATA;
	add_dirent(&pfs, 1, "f", 0x500, HAMMER2_OBJTYPE_REGFILE);
	try_pfs("nlinks 3, one entry", &pfs, &ino);
	return (write_status);
}

int
main(int argc, char **argv)
{
	struct stat st;
	int fd, errs;

	if (argc == 4 && strcmp(argv[1], "-L") == 0) {
		argv++;
		argc--;
		write_out = argv[2];
	} else if (argc == 4 && strcmp(argv[1], "-F") == 0) {
		argv++;
		argc--;
	} else if (argc != 2) {
		fprintf(stderr, "usage: h2_corrupt [-F | -L] image [out]\n");
		return (2);
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(argv[1]);
		return (2);
	}
	img_size = (size_t)st.st_size;
	img = mmap(NULL, img_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED) {
		perror("mmap");
		return (2);
	}
	if (write_out != NULL)
		return (write_bad_nlinks());
	if (argc == 3)
		return (write_freemap_hole(argv[2]));
	errs = read_everything(img_size);
	printf("control: %ju objects read, %d failures\n", (uintmax_t)nfiles,
	    errs);
	if (errs != 0 || nfiles == 0)
		return (1);
	test_every_block();
	test_crafted_inodes();
	test_crafted_brefs();
	if (img_size <= HAMMER2_ZONE_BYTES64)
		test_header_flips();
	test_truncation();
	printf("%d corruption cases, %d not detected\n", cases, failures);
	return (failures == 0 ? 0 : 1);
}
