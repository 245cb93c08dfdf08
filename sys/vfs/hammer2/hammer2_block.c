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
 * hammer2_block.c - HAMMER2 block framing around the LZ4 and zlib codecs.
 *
 * What: turns a physical DATA block as stored on the media into the
 * logical block (hammer2-format.md §7.1-§7.3) and back, following
 * DragonFly's write policy (§7.4) so that what we write looks like what
 * DragonFly writes.
 *
 * Model: LZ4 blocks are a little-endian s32 length clen, clen bytes of a
 * raw LZ4 block, zero padding.  ZLIB blocks are a zlib stream, zero
 * padding.  NONE and AUTOZERO blocks are raw.  On write, the input is the
 * physical-size buffer (a power of two, 1..64 KiB); the compressed form
 * is kept only if it fits in half of it (LZ4: the codec output is limited
 * to half minus 8, then the prefix is added), and the result is padded
 * with zeros to a power of two of at least 1 KiB.
 *
 * Invariants: the decoded logical block is always fully written: bytes
 * the codec did not produce are zero, and on any error the whole of dst
 * is zeroed, so no stale data can leak to a reader.
 *
 * Locking: none; reentrant.
 *
 * More: docs/design/hammer2-codec.md.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hammer2_codec.h"

#define BLOCK_MAX_BYTES		65536	/* HAMMER2_PBUFSIZE */
#define BLOCK_LZ4_SLACK		8	/* DragonFly: limit is half - 8 */

static int
block_fail(void *dst, size_t dstlen)
{
	memset(dst, 0, dstlen);
	return (HAMMER2_CODEC_EIO);
}

/*
 * hammer2_block_decompress - decode one physical block into dstlen bytes.
 *
 * Returns 0 or HAMMER2_CODEC_EIO (dst zeroed); see hammer2_codec.h.
 * Context: any.  Locking: none.
 */
int
hammer2_block_decompress(int comp, const void *src, size_t srclen,
    void *dst, size_t dstlen)
{
	const uint8_t *p = src;
	size_t out = 0;
	int32_t clen;
	int error;

	switch (comp & HAMMER2_COMP_ALGO_MASK) {
	case HAMMER2_COMP_NONE:
	case HAMMER2_COMP_AUTOZERO:
		out = srclen < dstlen ? srclen : dstlen;
		memcpy(dst, src, out);
		break;
	case HAMMER2_COMP_LZ4:
		if (srclen < HAMMER2_LZ4_PREFIX_BYTES)
			return (block_fail(dst, dstlen));
		clen = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		if (clen < 0 ||
		    (size_t)clen > srclen - HAMMER2_LZ4_PREFIX_BYTES)
			return (block_fail(dst, dstlen));
		error = hammer2_lz4_decompress(p + HAMMER2_LZ4_PREFIX_BYTES,
		    (size_t)clen, dst, dstlen, &out);
		if (error != 0)
			return (block_fail(dst, dstlen));
		break;
	case HAMMER2_COMP_ZLIB:
		error = hammer2_zlib_inflate(src, srclen, dst, dstlen, &out);
		if (error != 0)
			return (block_fail(dst, dstlen));
		break;
	default:
		return (block_fail(dst, dstlen));
	}
	memset((uint8_t *)dst + out, 0, dstlen - out);
	return (0);
}

/* Smallest power of two >= len and >= HAMMER2_COMP_MIN_BLOCK_BYTES. */
static size_t
block_alloc_size(size_t len)
{
	size_t size = HAMMER2_COMP_MIN_BLOCK_BYTES;

	while (size < len)
		size <<= 1;
	return (size);
}

/*
 * hammer2_block_compress - compress a physical-size buffer for writing.
 *
 * Returns 0 (dst holds *outlenp bytes), HAMMER2_CODEC_ENOSPC (store raw)
 * or HAMMER2_CODEC_EINVAL; see hammer2_codec.h.
 * Context: any.  Locking: work is owned by the caller for the call.
 */
int
hammer2_block_compress(int comp, const void *src, size_t srclen,
    void *dst, size_t dstcap, void *work, size_t *outlenp)
{
	uint8_t *d = dst;
	size_t clen = 0, limit, phys;
	int error, level;

	*outlenp = 0;
	if (work == NULL || srclen == 0 || srclen > BLOCK_MAX_BYTES ||
	    (srclen & (srclen - 1)) != 0 ||
	    dstcap < HAMMER2_BLOCK_COMP_BOUND(srclen))
		return (HAMMER2_CODEC_EINVAL);
	switch (comp & HAMMER2_COMP_ALGO_MASK) {
	case HAMMER2_COMP_LZ4:
		if (srclen / 2 <= BLOCK_LZ4_SLACK)
			return (HAMMER2_CODEC_ENOSPC);
		limit = srclen / 2 - BLOCK_LZ4_SLACK;
		error = hammer2_lz4_compress(src, srclen,
		    d + HAMMER2_LZ4_PREFIX_BYTES, limit, work, &clen);
		if (error != 0)
			return (error);
		d[0] = (uint8_t)clen;
		d[1] = (uint8_t)(clen >> 8);
		d[2] = (uint8_t)(clen >> 16);
		d[3] = (uint8_t)(clen >> 24);
		clen += HAMMER2_LZ4_PREFIX_BYTES;
		break;
	case HAMMER2_COMP_ZLIB:
		level = (comp >> HAMMER2_COMP_LEVEL_SHIFT) &
		    HAMMER2_COMP_ALGO_MASK;
		if (level < HAMMER2_ZLIB_LEVEL_DEFAULT)
			level = HAMMER2_ZLIB_LEVEL_DEFAULT;
		if (level > HAMMER2_ZLIB_LEVEL_MAX)
			level = HAMMER2_ZLIB_LEVEL_MAX;
		error = hammer2_zlib_deflate(src, srclen, d, srclen / 2,
		    level, work, &clen);
		if (error != 0)
			return (error);
		break;
	default:
		return (HAMMER2_CODEC_EINVAL);
	}
	phys = block_alloc_size(clen);
	memset(d + clen, 0, phys - clen);
	*outlenp = phys;
	return (0);
}

/*
 * hammer2_block_is_zero - true if the len bytes at buf are all zero.
 *
 * Context: any.  Locking: none.
 */
bool
hammer2_block_is_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t acc = 0, w;

	for (; len >= sizeof(w); len -= sizeof(w), p += sizeof(w)) {
		memcpy(&w, p, sizeof(w));
		acc |= w;
		if (acc != 0)
			return (false);
	}
	while (len-- > 0)
		acc |= *p++;
	return (acc == 0);
}
