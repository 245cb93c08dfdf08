/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_io.c - read the block a blockref names, verify its check code,
 * decompress DATA blocks.
 *
 * Model: hammer2_bref_read() validates the bref (type, size radix, offset
 * inside the volume, no 64 KiB crossing), reads the physical block through
 * dev->d_ops, verifies the check code (format §6) and returns a private
 * copy the caller releases with hammer2_bref_release().  Metadata blocks
 * (everything but DATA) also go into a small direct-mapped cache keyed by
 * data_off; a hit is only used if the cached block was verified with the
 * very same methods and check bytes, so a corrupt bref can never borrow a
 * good block's verdict.  hammer2_data_read() adds decompression (§7).
 *
 * Invariants: no byte of a block reaches a caller before its check code
 * passed (unless d_nocheck is set: only the fuzzer does that, to reach
 * the parsers behind the check codes); every failure is EIO with a message naming type, offset and key.
 *
 * Locking: single-threaded per dev for now; the kernel port puts the
 * cache under a per-dev token (the device read may block).
 *
 * More: docs/design/hammer2.md, reference hammer2-format.md §5.3, §6, §7.
 */

#include <errno.h>
#include <string.h>

#include "hammer2.h"
#include "hammer2_codec.h"

static void
hammer2_bref_fail(struct hammer2_dev *dev, const struct hammer2_blockref *bref,
    const char *why)
{
	hammer2_log(dev, "hammer2: %s block at 0x%016jx (key 0x%016jx/%u): %s",
	    hammer2_bref_type_name(bref->type), (uintmax_t)bref->data_off,
	    (uintmax_t)bref->key, bref->keybits, why);
}

/*
 * hammer2_bref_check - verify data against bref's check code.  Returns 0
 * or EIO (and logs).  Methods NONE and DISABLED always pass.
 *
 * Locking: none needed; does not block.
 */
int
hammer2_bref_check(struct hammer2_dev *dev, const struct hammer2_blockref *bref,
    const void *data, size_t len)
{
	uint8_t sha[HAMMER2_SHA192_BYTES];
	uint64_t xxh;
	uint32_t crc;

	if (dev->d_nocheck)
		return (0);
	switch (HAMMER2_DEC_CHECK(bref->methods)) {
	case HAMMER2_CHECK_NONE:
	case HAMMER2_CHECK_DISABLED:
		return (0);
	case HAMMER2_CHECK_ISCSI32:
		crc = hammer2_crc32c(0, data, len);
		if (crc == bref->check.iscsi32)
			return (0);
		hammer2_bref_fail(dev, bref, "crc32c check code mismatch");
		return (EIO);
	case HAMMER2_CHECK_XXHASH64:
		xxh = hammer2_xxh64(data, len, HAMMER2_XXH64_SEED);
		if (xxh == bref->check.xxhash64)
			return (0);
		hammer2_bref_fail(dev, bref, "xxhash64 check code mismatch");
		return (EIO);
	case HAMMER2_CHECK_SHA192:
		hammer2_sha192(data, len, sha);
		if (memcmp(sha, bref->check.sha192, sizeof(sha)) == 0)
			return (0);
		hammer2_bref_fail(dev, bref, "sha192 check code mismatch");
		return (EIO);
	case HAMMER2_CHECK_FREEMAP:
		crc = hammer2_crc32c(0, data, len);
		if (crc == bref->check.freemap.icrc32)
			return (0);
		hammer2_bref_fail(dev, bref, "freemap crc32c mismatch");
		return (EIO);
	default:
		hammer2_bref_fail(dev, bref, "unknown check method");
		return (EIO);
	}
}

/*
 * hammer2_bref_set_check - compute bref's check code over data (writer
 * side).  The check area is cleared first; FREEMAP hints are kept.
 *
 * Locking: none needed; does not block.
 */
void
hammer2_bref_set_check(struct hammer2_blockref *bref, const void *data,
    size_t len)
{
	switch (HAMMER2_DEC_CHECK(bref->methods)) {
	case HAMMER2_CHECK_ISCSI32:
		memset(&bref->check, 0, sizeof(bref->check));
		bref->check.iscsi32 = hammer2_crc32c(0, data, len);
		break;
	case HAMMER2_CHECK_XXHASH64:
		memset(&bref->check, 0, sizeof(bref->check));
		bref->check.xxhash64 = hammer2_xxh64(data, len,
		    HAMMER2_XXH64_SEED);
		break;
	case HAMMER2_CHECK_SHA192:
		memset(&bref->check, 0, sizeof(bref->check));
		hammer2_sha192(data, len, bref->check.sha192);
		break;
	case HAMMER2_CHECK_FREEMAP:
		bref->check.freemap.icrc32 = hammer2_crc32c(0, data, len);
		break;
	default:
		memset(&bref->check, 0, sizeof(bref->check));
		break;
	}
}

/* Structural validation of a bref that is about to be read. */
static int
hammer2_bref_validate(struct hammer2_dev *dev,
    const struct hammer2_blockref *bref)
{
	unsigned radix = bref->data_off & HAMMER2_OFF_MASK_RADIX;
	hammer2_off_t off = hammer2_bref_offset(bref);
	uint64_t bytes;

	if (bref->type < HAMMER2_BREF_TYPE_INODE ||
	    bref->type > HAMMER2_BREF_TYPE_FREEMAP_LEAF) {
		hammer2_bref_fail(dev, bref, "bad blockref type");
		return (EIO);
	}
	if (radix < HAMMER2_RADIX_MIN || radix > HAMMER2_RADIX_MAX) {
		hammer2_bref_fail(dev, bref, "impossible size radix");
		return (EIO);
	}
	bytes = (uint64_t)1 << radix;
	if ((bref->type == HAMMER2_BREF_TYPE_INODE &&
		radix != HAMMER2_INODE_RADIX) ||
	    ((bref->type == HAMMER2_BREF_TYPE_FREEMAP_NODE ||
		 bref->type == HAMMER2_BREF_TYPE_FREEMAP_LEAF) &&
		bytes != HAMMER2_FREEMAP_BYTES)) {
		hammer2_bref_fail(dev, bref, "wrong block size for its type");
		return (EIO);
	}
	if (off < HAMMER2_VOLUME_BYTES || off >= dev->d_voldata.volu_size ||
	    bytes > dev->d_voldata.volu_size - off) {
		hammer2_bref_fail(dev, bref, "block outside the volume");
		return (EIO);
	}
	if ((off & HAMMER2_PBUFMASK64) + bytes > HAMMER2_PBUFSIZE) {
		hammer2_bref_fail(dev, bref, "block crosses a 64 KiB boundary");
		return (EIO);
	}
	return (0);
}

static struct hammer2_bcache_ent *
hammer2_bcache_slot(struct hammer2_dev *dev, hammer2_off_t data_off)
{
	uint64_t h = (data_off >> HAMMER2_RADIX_MIN) * 0x9E3779B97F4A7C15ULL;

	return (&dev->d_bcache[(h >> 32) % HAMMER2_BCACHE_SLOTS]);
}

static bool
hammer2_bcache_matches(const struct hammer2_bcache_ent *bc,
    const struct hammer2_blockref *bref)
{
	return (bc->bc_data != NULL && bc->bc_data_off == bref->data_off &&
	    bc->bc_type == bref->type && bc->bc_methods == bref->methods &&
	    memcmp(bc->bc_check, bref->check.buf, sizeof(bc->bc_check)) == 0);
}

static void
hammer2_bcache_enter(struct hammer2_dev *dev,
    const struct hammer2_blockref *bref, const void *data, size_t len)
{
	struct hammer2_bcache_ent *bc = hammer2_bcache_slot(dev, bref->data_off);
	void *copy;

	copy = hammer2_alloc(dev, len);
	if (copy == NULL)
		return;
	memcpy(copy, data, len);
	hammer2_free(dev, bc->bc_data, bc->bc_len);
	bc->bc_data = copy;
	bc->bc_len = len;
	bc->bc_data_off = bref->data_off;
	bc->bc_type = bref->type;
	bc->bc_methods = bref->methods;
	memcpy(bc->bc_check, bref->check.buf, sizeof(bc->bc_check));
}

/*
 * hammer2_bref_read - return a verified private copy of the physical
 * block bref names.  *datap must be released with hammer2_bref_release().
 * Returns 0, EIO (bad bref, read error, check failure) or ENOMEM.
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_bref_read(struct hammer2_dev *dev, const struct hammer2_blockref *bref,
    const void **datap, size_t *lenp)
{
	struct hammer2_bcache_ent *bc = NULL;
	size_t len;
	void *buf;
	int error;

	*datap = NULL;
	*lenp = 0;
	error = hammer2_bref_validate(dev, bref);
	if (error != 0)
		return (error);
	len = (size_t)hammer2_bref_bytes(bref);
	buf = hammer2_alloc(dev, len);
	if (buf == NULL)
		return (ENOMEM);
	if (bref->type != HAMMER2_BREF_TYPE_DATA && dev->d_bcache != NULL) {
		bc = hammer2_bcache_slot(dev, bref->data_off);
		if (hammer2_bcache_matches(bc, bref)) {
			memcpy(buf, bc->bc_data, len);
			dev->d_nhits++;
			goto out;
		}
	}
	dev->d_nreads++;
	error = dev->d_ops->dop_read(dev->d_arg, buf, len,
	    hammer2_bref_offset(bref));
	if (error != 0) {
		hammer2_bref_fail(dev, bref, "device read error");
		goto fail_free;
	}
	error = hammer2_bref_check(dev, bref, buf, len);
	if (error != 0)
		goto fail_free;
	if (bc != NULL)
		hammer2_bcache_enter(dev, bref, buf, len);
out:
	*datap = buf;
	*lenp = len;
	return (0);

fail_free:
	hammer2_free(dev, buf, len);
	return (EIO);
}

void
hammer2_bref_release(struct hammer2_dev *dev, const void *data, size_t len)
{
	hammer2_free(dev, (void *)(uintptr_t)data, len);
}

/*
 * hammer2_data_read - read, verify and decompress a DATA block into dst
 * (dstlen logical bytes, zero-filled past what the block provides).
 * Returns 0, EIO or ENOMEM.
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_data_read(struct hammer2_dev *dev, const struct hammer2_blockref *bref,
    void *dst, size_t dstlen)
{
	const void *raw;
	size_t rawlen;
	int error;

	if (bref->type != HAMMER2_BREF_TYPE_DATA) {
		hammer2_bref_fail(dev, bref, "expected a DATA block");
		return (EIO);
	}
	error = hammer2_bref_read(dev, bref, &raw, &rawlen);
	if (error != 0)
		return (error);
	if (hammer2_block_decompress(HAMMER2_DEC_COMP(bref->methods), raw,
		rawlen, dst, dstlen) != 0) {
		hammer2_bref_fail(dev, bref, "corrupt compressed data");
		error = EIO;
	}
	hammer2_bref_release(dev, raw, rawlen);
	return (error);
}
