/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Copyright (c) 2026 The Anax Project
 * All rights reserved.
 *
 * Redistribution and use in source and binary forms, with or without
 * modification, are permitted provided that the following conditions
 * are met:
 * 1. Redistributions of source code must retain the above copyright
 *    notice, this list of conditions and the following disclaimer.
 * 2. Redistributions in binary form must reproduce the above copyright
 *    notice, this list of conditions and the following disclaimer in the
 *    documentation and/or other materials provided with the distribution.
 *
 * THIS SOFTWARE IS PROVIDED BY THE AUTHOR AND CONTRIBUTORS ``AS IS'' AND
 * ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
 * IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
 * ARE DISCLAIMED.  IN NO EVENT SHALL THE AUTHOR OR CONTRIBUTORS BE LIABLE
 * FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
 * DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS
 * OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
 * HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT
 * LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY
 * OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF
 * SUCH DAMAGE.
 */

/*
 * test_fixture.c - decode real HAMMER2 images written by DragonFly.
 *
 * Usage: test_fixture NAME IMAGE MANIFEST [EXPECT_COMP [DATA_OFF SHA256]]
 *
 * Reads the volume header (magic and its three CRC-32C codes, format
 * §4.2), then walks every blockref reachable from the super-root,
 * verifying each check code (CRC-32C, XXH64, sha192) over the physical
 * block, decoding every DATA block with hammer2_block_decompress() and
 * assembling every regular file.  The sha256 of each file must be in the
 * image's MANIFEST and every file of the MANIFEST must be found.  Every
 * compressed block is also decoded truncated, which must fail.  With
 * EXPECT_COMP (2 = LZ4, 3 = ZLIB) at least one block of that kind must be
 * seen; with DATA_OFF/SHA256 the DATA bref at that data_off must exist,
 * be compressed, and its first bytes must hash to SHA256 (format §19.6).
 * Write policy: every block DragonFly compressed is compressed again with
 * hammer2_block_compress(), which must pick the same physical size, and
 * every block it stored raw while compression was requested must give
 * ENOSPC from us too (true for these fixtures; DragonFly's give-up
 * heuristic could in principle store a compressible block raw).
 *
 * This is a test harness, not a HAMMER2 reader: it trusts the image's
 * structure beyond what it checks, and caps file sizes.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "hammer2_codec.h"

#define VOL_MAGIC		0x48414d3205172011ULL
#define VOL_BYTES		65536
#define BREF_BYTES		128
#define INODE_BYTES		1024
#define LBLOCK_BYTES		65536
#define MAX_FILE_BYTES		(256u << 20)
#define MAX_FILES		8192
#define MAX_DEPTH		32

#define BREF_INODE		1
#define BREF_INDIRECT		2
#define BREF_DATA		3
#define BREF_DIRENT		4
#define BREF_FREEMAP_NODE	5
#define BREF_FREEMAP_LEAF	6
#define OBJ_REGFILE		2
#define OP_DIRECTDATA		0x01

static int fd;
static const char *name;
static int failures;
static char errmsg[256];

static struct stats {
	unsigned long	brefs_checked[6];	/* by check method */
	unsigned long	check_bad;
	unsigned long	comp_blocks[4];		/* DATA blocks by algo */
	unsigned long	decode_bad;
	unsigned long	trunc_tested;
	unsigned long	trunc_accepted;
	unsigned long	files;
	bool		expect_found;
	bool		expect_ok;
	unsigned long	recomp_tested;		/* DragonFly-compressed blocks */
	unsigned long	recomp_raw;		/* ... that we would store raw */
	unsigned long	recomp_bigger;		/* ... in a larger block */
	unsigned long	recomp_smaller;		/* ... in a smaller block */
	unsigned long	recomp_bad;		/* failed to round trip */
	unsigned long	raw_tested;		/* DragonFly-raw blocks */
	unsigned long	raw_compressible;	/* ... that we would compress */
} st;
static int expect_comp = -1;

static char file_sha[MAX_FILES][65];
static uint64_t expect_off;
static const char *expect_sha;

/* The file being assembled while walking below its inode. */
struct file_ctx {
	uint8_t		*fc_buf;
	uint64_t	 fc_size;
};

static void
report(const char *what, bool ok)
{
	printf("%s: fixture_%s_%s%s%s%s\n", ok ? "PASS" : "FAIL", name, what,
	    ok ? "" : " (", ok ? "" : errmsg, ok ? "" : ")");
	if (!ok)
		failures++;
	errmsg[0] = '\0';
}

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return (v);
}

static uint32_t
le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return (v);
}

static bool
read_at(uint64_t off, void *buf, size_t len)
{
	return (pread(fd, buf, len, (off_t)off) == (ssize_t)len);
}

static void
hexstr(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* Verify the bref's check code over the physical block. */
static void
verify_check(const uint8_t *b, const uint8_t *blk, size_t size)
{
	unsigned int method = b[1] >> 4;
	uint8_t sha[HAMMER2_SHA192_BYTES];
	bool ok = true;

	switch (method) {
	case 2:
		ok = hammer2_crc32c(0, blk, size) == le32(b + 0x40);
		break;
	case 3:
		ok = hammer2_xxh64(blk, size, HAMMER2_XXH64_SEED) ==
		    le64(b + 0x40);
		break;
	case 4:
		hammer2_sha192(blk, size, sha);
		ok = memcmp(sha, b + 0x40, sizeof(sha)) == 0;
		break;
	case 5:
		ok = hammer2_crc32c(0, blk, size) == le32(b + 0x40);
		break;
	default:
		break;
	}
	if (method < 6)
		st.brefs_checked[method]++;
	if (!ok) {
		st.check_bad++;
		snprintf(errmsg, sizeof(errmsg), "check method %u bad at "
		    "data_off 0x%" PRIx64, method, le64(b + 0x20));
	}
}

static void walk(const uint8_t *b, struct file_ctx *fc, int depth);

static void
walk_array(const uint8_t *arr, size_t n, struct file_ctx *fc, int depth)
{
	size_t i;

	for (i = 0; i < n; i++)
		walk(arr + i * BREF_BYTES, fc, depth + 1);
}

/*
 * Write policy check: compress the logical block again as DragonFly did
 * (format §7.4: input = the physical-size buffer, 64 KiB or the EOF
 * block rounded up to a power of two >= 1 KiB), see whether we would
 * also compress it, into a block of which size, and that it decodes.
 */
static void
recompress(int comp, const uint8_t *lblock, uint64_t left, size_t dfly_size)
{
	static uint8_t out[LBLOCK_BYTES], back[LBLOCK_BYTES];
	static uint8_t work[HAMMER2_CODEC_WORKBYTES];
	size_t in = 1024, phys;
	int r;

	while (in < left && in < LBLOCK_BYTES)
		in <<= 1;
	if (dfly_size == 0) {
		/* DragonFly stored it raw although compression was on. */
		st.raw_tested++;
		if (hammer2_block_compress(comp, lblock, in, out, sizeof(out),
		    work, &phys) == 0)
			st.raw_compressible++;
		return;
	}
	st.recomp_tested++;
	r = hammer2_block_compress(comp, lblock, in, out, sizeof(out), work,
	    &phys);
	if (r == HAMMER2_CODEC_ENOSPC) {
		st.recomp_raw++;
		return;
	}
	if (r != 0 || hammer2_block_decompress(comp, out, phys, back,
	    sizeof(back)) != 0 || memcmp(back, lblock, in) != 0) {
		st.recomp_bad++;
		return;
	}
	if (phys > dfly_size)
		st.recomp_bigger++;
	if (phys < dfly_size)
		st.recomp_smaller++;
}

static void
do_data(const uint8_t *b, const uint8_t *blk, size_t size,
    struct file_ctx *fc)
{
	static uint8_t lblock[LBLOCK_BYTES], tmp[LBLOCK_BYTES];
	uint64_t key = le64(b + 0x08), n;
	int comp = b[1] & HAMMER2_COMP_ALGO_MASK;
	uint8_t sha[HAMMER2_SHA256_BYTES];
	char hex[65];
	size_t cut;

	st.comp_blocks[comp & 3]++;
	if (hammer2_block_decompress(comp, blk, size, lblock,
	    sizeof(lblock)) != 0) {
		st.decode_bad++;
		snprintf(errmsg, sizeof(errmsg), "decode failed at 0x%" PRIx64,
		    le64(b + 0x20));
		return;
	}
	if (comp == HAMMER2_COMP_LZ4 || comp == HAMMER2_COMP_ZLIB) {
		/* Cut the block inside its compressed stream. */
		cut = comp == HAMMER2_COMP_LZ4 ? HAMMER2_LZ4_PREFIX_BYTES +
		    le32(blk) - 1 : size / 2;
		while (comp == HAMMER2_COMP_ZLIB && cut > 0 && blk[cut] == 0)
			cut--;	/* skip back over the zero padding */
		st.trunc_tested++;
		if (hammer2_block_decompress(comp, blk, cut, tmp,
		    sizeof(tmp)) == 0 && memcmp(tmp, lblock,
		    sizeof(tmp)) == 0)
			st.trunc_accepted++;
	}
	if (fc != NULL && key < fc->fc_size &&
	    (comp == HAMMER2_COMP_LZ4 || comp == HAMMER2_COMP_ZLIB))
		recompress(comp, lblock, fc->fc_size - key, size);
	else if (fc != NULL && key < fc->fc_size && expect_comp >= 2 &&
	    comp == HAMMER2_COMP_NONE)
		recompress(expect_comp, lblock, fc->fc_size - key, 0);
	if ((le64(b + 0x20) & ~0x3FULL) == expect_off) {
		st.expect_found = true;
		hammer2_sha256(lblock, fc != NULL && fc->fc_size < LBLOCK_BYTES ?
		    fc->fc_size : LBLOCK_BYTES, sha);
		hexstr(sha, sizeof(sha), hex);
		st.expect_ok = comp == HAMMER2_COMP_LZ4 &&
		    strcmp(hex, expect_sha) == 0;
	}
	if (fc == NULL || key >= fc->fc_size)
		return;
	n = fc->fc_size - key < LBLOCK_BYTES ? fc->fc_size - key :
	    LBLOCK_BYTES;
	memcpy(fc->fc_buf + key, lblock, n);
}

static void
do_inode(const uint8_t *ino, int depth)
{
	struct file_ctx fc;
	uint8_t sha[HAMMER2_SHA256_BYTES];

	if (ino[0x50] != OBJ_REGFILE) {
		if ((ino[0x51] & OP_DIRECTDATA) == 0)
			walk_array(ino + 0x200, 4, NULL, depth);
		return;
	}
	fc.fc_size = le64(ino + 0x60);
	if (fc.fc_size > MAX_FILE_BYTES || st.files >= MAX_FILES) {
		snprintf(errmsg, sizeof(errmsg), "file too large");
		st.decode_bad++;
		return;
	}
	fc.fc_buf = calloc(1, fc.fc_size + 1);
	if (ino[0x51] & OP_DIRECTDATA)
		memcpy(fc.fc_buf, ino + 0x200, fc.fc_size < 512 ?
		    fc.fc_size : 512);
	else
		walk_array(ino + 0x200, 4, &fc, depth);
	hammer2_sha256(fc.fc_buf, fc.fc_size, sha);
	hexstr(sha, sizeof(sha), file_sha[st.files++]);
	free(fc.fc_buf);
}

static void
walk(const uint8_t *b, struct file_ctx *fc, int depth)
{
	uint64_t data_off = le64(b + 0x20);
	unsigned int radix = data_off & 0x3F;
	size_t size;
	uint8_t *blk;

	if (b[0] == 0 || radix == 0 || depth > MAX_DEPTH)
		return;
	if (radix < 10 || radix > 16) {
		snprintf(errmsg, sizeof(errmsg), "radix %u", radix);
		st.check_bad++;
		return;
	}
	size = (size_t)1 << radix;
	blk = malloc(size);
	if (!read_at(data_off & ~0x3FULL, blk, size)) {
		snprintf(errmsg, sizeof(errmsg), "short read");
		st.check_bad++;
		free(blk);
		return;
	}
	verify_check(b, blk, size);
	switch (b[0]) {
	case BREF_INODE:
		do_inode(blk, depth);
		break;
	case BREF_INDIRECT:
	case BREF_FREEMAP_NODE:
		walk_array(blk, size / BREF_BYTES, fc, depth);
		break;
	case BREF_DATA:
		do_data(b, blk, size, fc);
		break;
	default:
		break;
	}
	free(blk);
}

static bool
check_volume_header(const uint8_t *v)
{
	bool ok = le64(v) == VOL_MAGIC &&
	    hammer2_crc32c(0, v + 0x200, 0x200) == le32(v + 0x1F8) &&
	    hammer2_crc32c(0, v, 0x1FC) == le32(v + 0x1FC) &&
	    hammer2_crc32c(0, v, 0xFFFC) == le32(v + 0xFFFC);

	if (!ok)
		snprintf(errmsg, sizeof(errmsg), "magic or CRC mismatch");
	return (ok);
}

/* Every manifest file sha256 found among the files, and vice versa. */
static void
compare_manifest(const char *path)
{
	char line[4096], *f[6], *s;
	unsigned long nman = 0, missing = 0, i, extra = 0;
	bool found, seen;
	FILE *fp = fopen(path, "r");
	int k;

	if (fp == NULL) {
		snprintf(errmsg, sizeof(errmsg), "no manifest");
		report("files_match_manifest", false);
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		s = line;
		for (k = 0; k < 6; k++)
			f[k] = strsep(&s, "\t");
		if (f[5] == NULL || strcmp(f[1], "file") != 0)
			continue;
		nman++;
		for (i = 0, found = false; i < st.files && !found; i++)
			found = strcmp(file_sha[i], f[4]) == 0;
		if (!found) {
			missing++;
			snprintf(errmsg, sizeof(errmsg), "%s not found", f[0]);
		}
	}
	fclose(fp);
	/* Files decoded whose content is in no manifest line. */
	for (i = 0; i < st.files; i++) {
		fp = fopen(path, "r");
		seen = false;
		while (!seen && fp != NULL &&
		    fgets(line, sizeof(line), fp) != NULL)
			seen = strstr(line, file_sha[i]) != NULL;
		if (fp != NULL)
			fclose(fp);
		if (!seen) {
			extra++;
			snprintf(errmsg, sizeof(errmsg), "decoded file %lu "
			    "(sha256 %.16s...) not in manifest", i,
			    file_sha[i]);
		}
	}
	printf("# %s: %lu manifest files, %lu inodes decoded\n", name, nman,
	    st.files);
	snprintf(line, sizeof(line), "files_match_manifest_%lu", nman);
	report(line, missing == 0 && extra == 0 && nman > 0);
}

int
main(int argc, char **argv)
{
	uint8_t *vol;
	char what[128];

	if (argc < 4) {
		fprintf(stderr, "usage: test_fixture NAME IMAGE MANIFEST "
		    "[EXPECT_COMP [DATA_OFF SHA256]]\n");
		return (2);
	}
	name = argv[1];
	if (argc > 4)
		expect_comp = atoi(argv[4]);
	if (argc > 6) {
		expect_off = strtoull(argv[5], NULL, 0) & ~0x3FULL;
		expect_sha = argv[6];
	}
	fd = open(argv[2], O_RDONLY);
	vol = malloc(VOL_BYTES);
	if (fd < 0 || !read_at(0, vol, VOL_BYTES)) {
		snprintf(errmsg, sizeof(errmsg), "cannot read %s", argv[2]);
		report("volume_header", false);
		return (1);
	}
	report("volume_header_crc32c", check_volume_header(vol));
	walk_array(vol + 0x200, 4, NULL, 0);
	walk_array(vol + 0x800, 4, NULL, 0);	/* freemap blockset */
	printf("# %s: checked crc32c %lu, xxh64 %lu, sha192 %lu, freemap "
	    "%lu; data blocks none %lu autozero %lu lz4 %lu zlib %lu\n", name,
	    st.brefs_checked[2], st.brefs_checked[3], st.brefs_checked[4],
	    st.brefs_checked[5], st.comp_blocks[0], st.comp_blocks[1],
	    st.comp_blocks[2], st.comp_blocks[3]);
	snprintf(what, sizeof(what), "check_codes_%lu_brefs",
	    st.brefs_checked[2] + st.brefs_checked[3] + st.brefs_checked[4] +
	    st.brefs_checked[5]);
	report(what, st.check_bad == 0);
	snprintf(what, sizeof(what), "decode_%lu_lz4_%lu_zlib_blocks",
	    st.comp_blocks[2], st.comp_blocks[3]);
	if (expect_comp >= 2 && st.comp_blocks[expect_comp & 3] == 0)
		snprintf(errmsg, sizeof(errmsg), "no block of algo %d",
		    expect_comp);
	report(what, st.decode_bad == 0 && (expect_comp < 2 ||
	    st.comp_blocks[expect_comp & 3] > 0));
	snprintf(what, sizeof(what), "truncated_%lu_blocks_rejected",
	    st.trunc_tested);
	snprintf(errmsg, sizeof(errmsg), "%lu accepted", st.trunc_accepted);
	report(what, st.trunc_accepted == 0);
	printf("# %s: %lu DragonFly-compressed blocks recompressed: %lu "
	    "would be stored raw, %lu in a larger block, %lu in a smaller "
	    "one\n", name, st.recomp_tested, st.recomp_raw, st.recomp_bigger,
	    st.recomp_smaller);
	printf("# %s: %lu blocks DragonFly stored raw with compression on: "
	    "we would compress %lu\n", name, st.raw_tested,
	    st.raw_compressible);
	snprintf(errmsg, sizeof(errmsg), "%lu failed, %lu raw, %lu larger, "
	    "%lu smaller, %lu compressible", st.recomp_bad, st.recomp_raw,
	    st.recomp_bigger, st.recomp_smaller, st.raw_compressible);
	snprintf(what, sizeof(what), "write_policy_%lu_blocks_like_dragonfly",
	    st.recomp_tested + st.raw_tested);
	report(what, st.recomp_bad == 0 && st.recomp_raw == 0 &&
	    st.recomp_bigger == 0 && st.recomp_smaller == 0 &&
	    st.raw_compressible == 0);
	compare_manifest(argv[3]);
	if (expect_sha != NULL) {
		snprintf(errmsg, sizeof(errmsg), "found %d, decoded ok %d",
		    st.expect_found, st.expect_ok);
		snprintf(what, sizeof(what), "block_0x%" PRIx64 "_lz4_sha256",
		    expect_off);
		report(what, st.expect_found && st.expect_ok);
	}
	close(fd);
	free(vol);
	return (failures != 0);
}
