/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_fuzz.c - libFuzzer target: mutated HAMMER2 images through the read
 * core, under ASan/UBSan.
 *
 * Model: the base image ($H2_FUZZ_IMAGE, default obj/hammer2/fixtures/
 * tiny.img) is loaded once.  Each fuzz input is a list of 5-byte patches
 * (u32 index, u8 xor value); an index selects a byte among the volume
 * header and every block reachable from it, so mutations land where the
 * parsers look.  The header CRCs are recomputed after patching and block
 * check codes are not verified (d_nocheck), so damaged blockrefs, inodes,
 * directory entries and compressed data reach the code that must reject
 * them.  Then the image is mounted and read completely (every PFS,
 * readdir, lookup, read, readlink), then mounted read-write behind an
 * overlay, changed through the vnops layer, committed and remounted
 * (h2ra_write_everything), and the patches are undone.
 * Any crash, sanitizer report or hang (libFuzzer -timeout) is a failure.
 *
 * More: tests/suites/hammer2.sh.
 */

#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h2_readall.h"

#define FZ_PATCH_BYTES	5
#define FZ_MAX_PATCHES	64
#define FZ_MAX_RANGES	4096

struct fz_range {
	uint64_t	fr_off;
	uint32_t	fr_len;
};

static uint8_t *img;
static size_t img_size;
static struct fz_range ranges[FZ_MAX_RANGES];
static size_t nranges;
static uint64_t total;

static void
fz_add_range(uint64_t off, uint32_t len)
{
	if (nranges < FZ_MAX_RANGES) {
		ranges[nranges].fr_off = off;
		ranges[nranges].fr_len = len;
		nranges++;
		total += len;
	}
}

static int
fz_block_cb(void *arg, const struct hammer2_blockref *bref)
{
	(void)arg;
	fz_add_range(bref->data_off & HAMMER2_OFF_MASK,
	    1U << (bref->data_off & HAMMER2_OFF_MASK_RADIX));
	return (0);
}

static void
fz_init(void)
{
	const char *path = getenv("H2_FUZZ_IMAGE");
	struct stat st;
	int fd;

	if (path == NULL)
		path = "obj/hammer2/fixtures/tiny.img";
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(path);
		exit(2);
	}
	img_size = (size_t)st.st_size;
	img = mmap(NULL, img_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	close(fd);
	fz_add_range(0, HAMMER2_VOLUME_BYTES);
	if (h2ra_blocks(img, img_size, fz_block_cb, NULL) != 0) {
		fprintf(stderr, "h2_fuzz: %s does not read cleanly\n", path);
		exit(2);
	}
	if (h2ra_write_everything(img, img_size, 0) != 0) {
		fprintf(stderr, "h2_fuzz: %s cannot be changed read-write\n",
		    path);
		exit(2);
	}
}

static uint64_t
fz_offset(uint32_t idx)
{
	uint64_t i = idx % total;
	size_t r;

	for (r = 0; r < nranges; r++) {
		if (i < ranges[r].fr_len)
			return (ranges[r].fr_off + i);
		i -= ranges[r].fr_len;
	}
	return (0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t offs[FZ_MAX_PATCHES];
	uint8_t old[FZ_MAX_PATCHES], hdrsave[HAMMER2_VOLUME_BYTES];
	size_t n, i;
	uint32_t idx;

	if (img == NULL)
		fz_init();
	n = size / FZ_PATCH_BYTES;
	if (n > FZ_MAX_PATCHES)
		n = FZ_MAX_PATCHES;
	memcpy(hdrsave, img, sizeof(hdrsave));
	for (i = 0; i < n; i++) {
		memcpy(&idx, data + i * FZ_PATCH_BYTES, sizeof(idx));
		offs[i] = fz_offset(idx);
		old[i] = img[offs[i]];
		img[offs[i]] ^= data[i * FZ_PATCH_BYTES + 4];
	}
	hammer2_volume_set_crcs((struct hammer2_volume_data *)(void *)img);
	(void)h2ra_read_everything(img, img_size, H2RA_NOCHECK, NULL);
	(void)h2ra_write_everything(img, img_size, H2RA_NOCHECK);
	for (i = n; i-- > 0;)
		img[offs[i]] = old[i];
	memcpy(img, hdrsave, sizeof(hdrsave));
	return (0);
}
