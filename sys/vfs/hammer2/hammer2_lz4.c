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
 * hammer2_lz4.c - LZ4 block codec for HAMMER2 DATA blocks.
 *
 * What: a decoder and a greedy compressor for the raw LZ4 *block* format
 * (no frame, no magic) that DragonFly stores after a 4-byte length prefix
 * (hammer2-format.md §7.2; the prefix is handled in hammer2_block.c).
 *
 * Model: a block is a list of sequences.  Each starts with a token byte:
 * the high nibble is the literal count, the low nibble the match length
 * minus LZ4_MIN_MATCH; a nibble of 15 is continued by bytes that add
 * 0..255 each, stopping at the first byte below 255.  The literals follow,
 * then a 2-byte little-endian match offset (1..65535, back into the output
 * already produced) unless the input ends there: the last sequence is
 * literals only.  The compressor keeps the rules every standard decoder
 * relies on: the last LZ4_LAST_LITERALS bytes are literals and no match
 * starts in the last LZ4_MF_LIMIT bytes.
 *
 * Invariants: the decoder checks every length against the bytes left in
 * both buffers before using it, so it never reads or writes out of bounds
 * and each input byte is read once (work is bounded by srclen + dstcap).
 * For speed, short copies move a fixed 16 or 18 bytes when both buffers
 * have that much room, so bytes of dst past the decoded length may be
 * overwritten (hammer2_block_decompress() zero-fills them afterwards).
 * The compressor's hash table of positions (struct lz4_work) lives in the
 * caller's work area.
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

#define LZ4_MIN_MATCH		4	/* shortest match the format encodes */
#define LZ4_LAST_LITERALS	5	/* block ends with >= this many literals */
#define LZ4_MF_LIMIT		12	/* no match starts this close to the end */
#define LZ4_MAX_OFFSET		65535
#define LZ4_OFFSET_BYTES	2
#define LZ4_RUN_MASK		15	/* nibble value meaning "more bytes" */
#define LZ4_ML_BITS		4	/* low nibble of the token */
#define LZ4_LEN_BYTE_MAX	255	/* continuation byte meaning "more" */
#define LZ4_HASH_BITS		12
#define LZ4_HASH_ENTRIES	(1u << LZ4_HASH_BITS)
#define LZ4_HASH16_BITS		13
#define LZ4_HASH16_ENTRIES	(1u << LZ4_HASH16_BITS)
#define LZ4_SMALL_INPUT		65536	/* positions fit in 16 bits */
#define LZ4_HASH_MULT		2654435761u	/* Knuth's golden-ratio hash */
#define LZ4_SKIP_SHIFT		6	/* skip faster through incompressibles */
#define LZ4_SRC_MAX		0x7FFFFFFFu	/* positions fit in uint32_t */
#define LZ4_WORD_BYTES		8
#define LZ4_WILD_BYTES		16	/* short copies move this much */

/*
 * Last position seen per hash.  Inputs of at most LZ4_SMALL_INPUT bytes
 * use twice as many 16-bit slots (better matches in HAMMER2's 64 KiB
 * blocks); larger ones 32-bit slots.  Zero-filled slots point at position
 * 0, which is harmless: every candidate is verified before use.
 */
struct lz4_work {
	union {
		uint32_t	lw_pos32[LZ4_HASH_ENTRIES];
		uint16_t	lw_pos16[LZ4_HASH16_ENTRIES];
	};
};

_Static_assert(sizeof(struct lz4_work) <= HAMMER2_LZ4_WORKBYTES,
    "HAMMER2_LZ4_WORKBYTES too small");

/*
 * Read a length continued past a nibble of LZ4_RUN_MASK.  Returns false if
 * the input ends inside it or the total would pass limit (the room left
 * in whichever buffer the length is about to be used on).
 */
static bool
lz4_read_length(const uint8_t **ipp, const uint8_t *iend, size_t *lenp,
    size_t limit)
{
	const uint8_t *ip = *ipp;
	size_t len = *lenp;
	uint8_t b;

	do {
		if (ip >= iend)
			return (false);
		b = *ip++;
		len += b;
		if (len > limit)
			return (false);
	} while (b == LZ4_LEN_BYTE_MAX);
	*ipp = ip;
	*lenp = len;
	return (true);
}

/* Copy a match of len bytes from op - offset; may overlap itself. */
static void
lz4_copy_match(uint8_t *op, size_t offset, size_t len, const uint8_t *oend)
{
	const uint8_t *mp = op - offset;
	uint8_t *mend = op + len, *pend;
	size_t step;

	if (offset >= LZ4_WILD_BYTES && len <= LZ4_WILD_BYTES + 2 &&
	    (size_t)(oend - op) >= 2 * LZ4_WILD_BYTES) {
		/* The common short match: two fixed-size copies. */
		memcpy(op, mp, LZ4_WILD_BYTES);
		memcpy(op + LZ4_WILD_BYTES, mp + LZ4_WILD_BYTES, 2);
		return;
	}
	if (offset >= LZ4_WORD_BYTES &&
	    (size_t)(oend - op) >= len + LZ4_WORD_BYTES) {
		/* Each 8-byte step reads bytes already written. */
		while (op < mend) {
			memcpy(op, mp, LZ4_WORD_BYTES);
			op += LZ4_WORD_BYTES;
			mp += LZ4_WORD_BYTES;
		}
		return;
	}
	if ((size_t)(oend - op) >= len + LZ4_WORD_BYTES) {
		/*
		 * Short offset: the match repeats a period of offset bytes,
		 * so after step (a multiple of offset >= 8) bytes copied one
		 * by one, 8-byte copies from step bytes back never overlap.
		 */
		step = offset;
		while (step < LZ4_WORD_BYTES)
			step += offset;
		for (pend = op + (step < len ? step : len); op < pend;)
			*op++ = *mp++;
		while (op < mend) {
			memcpy(op, op - step, LZ4_WORD_BYTES);
			op += LZ4_WORD_BYTES;
		}
		return;
	}
	while (op < mend)
		*op++ = *mp++;
}

/*
 * hammer2_lz4_decompress - decode one raw LZ4 block.
 *
 * Returns 0 or HAMMER2_CODEC_EIO; see hammer2_codec.h.
 * Context: any.  Locking: none.
 */
int
hammer2_lz4_decompress(const void *src, size_t srclen, void *dst,
    size_t dstcap, size_t *outlenp)
{
	const uint8_t *ip = src;
	const uint8_t *iend = ip + srclen;
	uint8_t *op = dst;
	uint8_t *ostart = op;
	uint8_t *oend = op + dstcap;
	size_t lit, mlen, offset;
	unsigned int token;

	*outlenp = 0;
	if (srclen == 0)
		return (HAMMER2_CODEC_EIO);
	for (;;) {
		token = *ip++;
		lit = token >> LZ4_ML_BITS;
		if (lit == LZ4_RUN_MASK &&
		    !lz4_read_length(&ip, iend, &lit, (size_t)(iend - ip)))
			return (HAMMER2_CODEC_EIO);
		if (lit > (size_t)(iend - ip) || lit > (size_t)(oend - op))
			return (HAMMER2_CODEC_EIO);
		if (lit <= LZ4_WILD_BYTES && iend - ip >= LZ4_WILD_BYTES &&
		    oend - op >= LZ4_WILD_BYTES)
			memcpy(op, ip, LZ4_WILD_BYTES);	/* fixed size: inline */
		else
			memcpy(op, ip, lit);
		op += lit;
		ip += lit;
		if (ip == iend)
			break;		/* the last sequence has no match */
		if (iend - ip < LZ4_OFFSET_BYTES)
			return (HAMMER2_CODEC_EIO);
		offset = (size_t)ip[0] | (size_t)ip[1] << 8;
		ip += LZ4_OFFSET_BYTES;
		if (offset == 0 || offset > (size_t)(op - ostart))
			return (HAMMER2_CODEC_EIO);
		mlen = token & LZ4_RUN_MASK;
		if (mlen == LZ4_RUN_MASK &&
		    !lz4_read_length(&ip, iend, &mlen, (size_t)(oend - op)))
			return (HAMMER2_CODEC_EIO);
		mlen += LZ4_MIN_MATCH;
		if (mlen > (size_t)(oend - op))
			return (HAMMER2_CODEC_EIO);
		lz4_copy_match(op, offset, mlen, oend);
		op += mlen;
		if (ip == iend)
			return (HAMMER2_CODEC_EIO);	/* truncated */
	}
	*outlenp = (size_t)(op - ostart);
	return (0);
}

static uint32_t
lz4_read32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return (v);
}

/* Store pos as the newest position for p's hash; return the previous. */
static size_t
lz4_table_swap(struct lz4_work *lw, const uint8_t *p, size_t pos,
    bool small)
{
	uint32_t v = lz4_read32(p) * LZ4_HASH_MULT;
	size_t old;

	if (small) {
		v >>= 32 - LZ4_HASH16_BITS;
		old = lw->lw_pos16[v];
		lw->lw_pos16[v] = (uint16_t)pos;
	} else {
		v >>= 32 - LZ4_HASH_BITS;
		old = lw->lw_pos32[v];
		lw->lw_pos32[v] = (uint32_t)pos;
	}
	return (old);
}

/* Number of equal bytes at a and b, stopping before limit (a < limit). */
static size_t
lz4_match_length(const uint8_t *a, const uint8_t *b, const uint8_t *limit)
{
	const uint8_t *start = a;
	uint64_t x, y;

	while (limit - a >= LZ4_WORD_BYTES) {
		memcpy(&x, a, sizeof(x));
		memcpy(&y, b, sizeof(y));
		if (x != y)
			return ((size_t)(a - start) +
			    (size_t)(__builtin_ctzll(x ^ y) >> 3));
		a += LZ4_WORD_BYTES;
		b += LZ4_WORD_BYTES;
	}
	while (a < limit && *a == *b) {
		a++;
		b++;
	}
	return ((size_t)(a - start));
}

/* Write a length's continuation bytes (len >= LZ4_RUN_MASK already). */
static uint8_t *
lz4_put_length(uint8_t *op, size_t len)
{
	len -= LZ4_RUN_MASK;
	while (len >= LZ4_LEN_BYTE_MAX) {
		*op++ = LZ4_LEN_BYTE_MAX;
		len -= LZ4_LEN_BYTE_MAX;
	}
	*op++ = (uint8_t)len;
	return (op);
}

/*
 * Emit one sequence: lit literals from anchor, then (if mlen != 0) a match
 * of mlen bytes at offset.  Returns the new output pointer or NULL if it
 * would not fit before oend.
 */
static uint8_t *
lz4_put_sequence(uint8_t *op, const uint8_t *oend, const uint8_t *anchor,
    size_t lit, size_t offset, size_t mlen)
{
	size_t need;
	uint8_t *token;

	need = 1 + lit;
	if (lit >= LZ4_RUN_MASK)
		need += (lit - LZ4_RUN_MASK) / LZ4_LEN_BYTE_MAX + 1;
	if (mlen != 0) {
		need += LZ4_OFFSET_BYTES;
		if (mlen - LZ4_MIN_MATCH >= LZ4_RUN_MASK)
			need += (mlen - LZ4_MIN_MATCH - LZ4_RUN_MASK) /
			    LZ4_LEN_BYTE_MAX + 1;
	}
	if (need > (size_t)(oend - op))
		return (NULL);
	token = op++;
	if (lit >= LZ4_RUN_MASK) {
		*token = LZ4_RUN_MASK << LZ4_ML_BITS;
		op = lz4_put_length(op, lit);
	} else {
		*token = (uint8_t)(lit << LZ4_ML_BITS);
	}
	memcpy(op, anchor, lit);
	op += lit;
	if (mlen == 0)
		return (op);
	*op++ = (uint8_t)offset;
	*op++ = (uint8_t)(offset >> 8);
	mlen -= LZ4_MIN_MATCH;
	if (mlen >= LZ4_RUN_MASK) {
		*token |= LZ4_RUN_MASK;
		op = lz4_put_length(op, mlen);
	} else {
		*token |= (uint8_t)mlen;
	}
	return (op);
}

/*
 * hammer2_lz4_compress - encode src as one raw LZ4 block.
 *
 * Greedy parse: at each position look up the last position with the same
 * 4-byte hash; if it matches and is within 64 KiB, extend it both ways and
 * emit it, else move on (faster the longer nothing matched).
 * Returns 0, HAMMER2_CODEC_ENOSPC or HAMMER2_CODEC_EINVAL.
 * Context: any.  Locking: work is owned by the caller for the call.
 */
int
hammer2_lz4_compress(const void *src, size_t srclen, void *dst,
    size_t dstcap, void *work, size_t *outlenp)
{
	struct lz4_work *lw = work;
	const uint8_t *base = src;
	const uint8_t *ip = base, *anchor = base, *ref;
	const uint8_t *iend = base + srclen;
	const uint8_t *mflimit, *matchlimit;
	uint8_t *op = dst, *oend = op + dstcap;
	size_t mlen, step;
	bool small = srclen <= LZ4_SMALL_INPUT;

	*outlenp = 0;
	if (lw == NULL || srclen > LZ4_SRC_MAX)
		return (HAMMER2_CODEC_EINVAL);
	memset(lw, 0, sizeof(*lw));
	/* Short inputs are all literals: mflimit = base skips the loop. */
	mflimit = srclen > LZ4_MF_LIMIT ? iend - LZ4_MF_LIMIT : base;
	matchlimit = srclen > LZ4_MF_LIMIT ? iend - LZ4_LAST_LITERALS : base;
	while (ip < mflimit) {
		ref = base + lz4_table_swap(lw, ip, (size_t)(ip - base), small);
		if (ref >= ip || ip - ref > LZ4_MAX_OFFSET ||
		    lz4_read32(ref) != lz4_read32(ip)) {
			step = 1 + ((size_t)(ip - anchor) >> LZ4_SKIP_SHIFT);
			ip = step < (size_t)(mflimit - ip) ? ip + step :
			    mflimit;
			continue;
		}
		while (ip > anchor && ref > base && ip[-1] == ref[-1]) {
			ip--;
			ref--;
		}
		mlen = LZ4_MIN_MATCH + lz4_match_length(ip + LZ4_MIN_MATCH,
		    ref + LZ4_MIN_MATCH, matchlimit);
		op = lz4_put_sequence(op, oend, anchor, (size_t)(ip - anchor),
		    (size_t)(ip - ref), mlen);
		if (op == NULL)
			return (HAMMER2_CODEC_ENOSPC);
		ip += mlen;
		anchor = ip;
		if (ip < mflimit)
			(void)lz4_table_swap(lw, ip - 2,
			    (size_t)(ip - 2 - base), small);
	}
	op = lz4_put_sequence(op, oend, anchor, (size_t)(iend - anchor), 0, 0);
	if (op == NULL)
		return (HAMMER2_CODEC_ENOSPC);
	*outlenp = (size_t)(op - (uint8_t *)dst);
	return (0);
}
