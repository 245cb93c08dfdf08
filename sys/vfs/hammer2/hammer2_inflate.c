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
 * hammer2_inflate.c - zlib (RFC 1950) / deflate (RFC 1951) decoder.
 *
 * What: decodes the zlib streams DragonFly writes for HAMMER2 DATA blocks
 * compressed with ZLIB (hammer2-format.md §7.3): a 2-byte header, deflate
 * blocks (stored, fixed Huffman, dynamic Huffman) and a big-endian
 * Adler-32 of the output.  Bytes after the trailer are ignored.
 *
 * Model: one pass over the input with a 64-bit LSB-first bit buffer.
 * Each Huffman code is decoded through a direct table indexed by the next
 * INF_LIT_FAST_BITS (INF_DIST_FAST_BITS) bits; longer codes fall back to
 * the canonical walk (count of codes per length, symbols in code order).
 * The tables live in struct inflate_state on the caller's stack (about
 * 1.5 KiB); code-length reading uses a second, short-lived frame.
 *
 * Invariants: in <= inend and out <= outend at all times; every read of
 * input goes through the bit buffer or a checked memcpy, every write is
 * checked against outend, and every back-reference against the bytes
 * already produced.  Code sets that are over-subscribed, or incomplete
 * when the RFC does not allow it (anything but a single 1-bit code), are
 * rejected when built; an unused code pattern is rejected when decoded.
 * Every loop consumes input or produces output, so it cannot hang.
 *
 * Locking: none; reentrant.
 *
 * More: docs/design/hammer2-codec.md; RFC 1950, RFC 1951.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hammer2_codec.h"

#define INF_MAX_BITS		15	/* longest Huffman code */
#define INF_LIT_FAST_BITS	8
#define INF_DIST_FAST_BITS	7
#define INF_CL_FAST_BITS	7
#define INF_NUM_LIT		288	/* 286 usable + 2 reserved */
#define INF_NUM_LIT_MAX		286
#define INF_NUM_DIST		32	/* 30 usable + 2 reserved */
#define INF_NUM_DIST_MAX	30
#define INF_NUM_CL		19	/* code-length alphabet */
#define INF_SYM_END		256
#define INF_SYM_LEN_FIRST	257
#define INF_NUM_LEN_SYMS	29
#define INF_FAST_LEN_SHIFT	12	/* fast entry: len << 12 | sym */
#define INF_FAST_SYM_MASK	0x0FFF
#define INF_REFILL_BYTES	8	/* little-endian word refill */

/* Dynamic block header (RFC 1951 3.2.7). */
#define INF_HLIT_BITS		5
#define INF_HDIST_BITS		5
#define INF_HCLEN_BITS		4
#define INF_HCLEN_BASE		4	/* HCLEN + 4 code-length lengths */
#define INF_CL_LEN_BITS		3	/* each code-length code length */
#define INF_CL_LITERAL_MAX	15	/* symbols 0..15 are lengths */
#define INF_CL_REPEAT		16	/* previous length 3..6 times */
#define INF_CL_REPEAT_BITS	2
#define INF_CL_REPEAT_BASE	3
#define INF_CL_ZEROS		17	/* zero 3..10 times */
#define INF_CL_ZEROS_BITS	3
#define INF_CL_ZEROS_BASE	3
#define INF_CL_ZEROS_LONG_BITS	7	/* symbol 18: zero 11..138 times */
#define INF_CL_ZEROS_LONG_BASE	11

/* The fixed code (RFC 1951 3.2.6): literal/length code lengths by range. */
#define INF_FIXED_8A_END	144	/* 0..143: 8 bits */
#define INF_FIXED_9_END		256	/* 144..255: 9 bits */
#define INF_FIXED_7_END		280	/* 256..279: 7 bits, then 8 bits */
#define INF_FIXED_DIST_BITS	5
#define INF_STORED_HDR_BYTES	4	/* LEN, NLEN */

#define ZLIB_CM_DEFLATE		8
#define ZLIB_CINFO_MAX		7
#define ZLIB_FCHECK_MOD		31
#define ZLIB_FDICT		0x20
#define ZLIB_HEADER_BYTES	2
#define ZLIB_TRAILER_BYTES	4

/*
 * The table builders keep their code-length arrays in their own frame,
 * which must not be merged into hammer2_zlib_inflate()'s.
 */
#define INF_NOINLINE		__attribute__((__noinline__))

enum inf_btype { INF_STORED = 0, INF_FIXED = 1, INF_DYNAMIC = 2 };

/* A canonical Huffman decoder; the arrays belong to inflate_state. */
/*
 * ih_fast[bits] is len << 12 | sym for a code of len <= ih_fast_bits
 * bits; len 0 means a longer (or no) code starts with these bits, and the
 * low bits then hold them in code (MSB-first) order, so the canonical walk
 * resumes at length ih_fast_bits + 1 with ih_slow_first/ih_slow_index.
 */
struct inf_huff {
	uint16_t	*ih_fast;
	unsigned int	 ih_fast_bits;
	uint16_t	 ih_count[INF_MAX_BITS + 1];	/* codes per length */
	uint16_t	*ih_sym;	/* symbols ordered by code */
	unsigned int	 ih_slow_first;	/* first code of length fast+1, / 2 */
	unsigned int	 ih_slow_index;	/* codes shorter than fast+1 */
};

struct inflate_state {
	const uint8_t	*is_in;
	const uint8_t	*is_inend;
	uint64_t	 is_bitbuf;	/* next bits, LSB first */
	unsigned int	 is_bitcnt;	/* valid bits in is_bitbuf */
	uint8_t		*is_out;
	uint8_t		*is_outstart;
	uint8_t		*is_outend;
	struct inf_huff	 is_lit;
	struct inf_huff	 is_dist;
	uint16_t	 is_lit_fast[1u << INF_LIT_FAST_BITS];
	uint16_t	 is_lit_sym[INF_NUM_LIT];
	uint16_t	 is_dist_fast[1u << INF_DIST_FAST_BITS];
	uint16_t	 is_dist_sym[INF_NUM_DIST];
};

/* clang-format off */
static const uint16_t inf_len_base[INF_NUM_LEN_SYMS] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258
};
static const uint8_t inf_len_extra[INF_NUM_LEN_SYMS] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0
};
static const uint16_t inf_dist_base[INF_NUM_DIST_MAX] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193,
	12289, 16385, 24577
};
static const uint8_t inf_dist_extra[INF_NUM_DIST_MAX] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13
};
/* Order in which code-length code lengths are stored (RFC 1951 3.2.7). */
static const uint8_t inf_cl_order[INF_NUM_CL] = {
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15
};
/* clang-format on */

/* Top up the bit buffer to at least 57 bits, or to what input is left. */
static void
inf_refill(struct inflate_state *s)
{
	uint64_t w;

	if (s->is_inend - s->is_in >= INF_REFILL_BYTES) {
		/* Load 8 bytes, keep the whole bytes that fit. */
		memcpy(&w, s->is_in, sizeof(w));
		s->is_bitbuf |= w << s->is_bitcnt;
		s->is_in += (63 - s->is_bitcnt) >> 3;
		s->is_bitcnt |= 56;
		return;
	}
	while (s->is_bitcnt <= 56 && s->is_in < s->is_inend) {
		s->is_bitbuf |= (uint64_t)*s->is_in++ << s->is_bitcnt;
		s->is_bitcnt += 8;
	}
}

/* Take n (<= 32) bits into *vp; false if the input ran out. */
static bool
inf_bits(struct inflate_state *s, unsigned int n, uint32_t *vp)
{
	if (s->is_bitcnt < n) {
		inf_refill(s);
		if (s->is_bitcnt < n)
			return (false);
	}
	*vp = (uint32_t)(s->is_bitbuf & ((1ULL << n) - 1));
	s->is_bitbuf >>= n;
	s->is_bitcnt -= n;
	return (true);
}

/* Give back whole bytes still in the bit buffer and align to a byte. */
static void
inf_align_byte(struct inflate_state *s)
{
	s->is_in -= s->is_bitcnt / 8;
	s->is_bitbuf = 0;
	s->is_bitcnt = 0;
}

static unsigned int
inf_reverse(unsigned int code, unsigned int len)
{
	unsigned int r = 0;

	while (len-- > 0) {
		r = (r << 1) | (code & 1);
		code >>= 1;
	}
	return (r);
}

/*
 * Build a decoder for the n code lengths in lens.  Returns false for an
 * over-subscribed set, or an incomplete one unless allow_partial and the
 * set is empty or a single 1-bit code (RFC 1951 allows that for the
 * distance code; zlib accepts it for literals too).
 */
static bool
inf_build(struct inf_huff *h, const uint8_t *lens, unsigned int n,
    bool allow_partial)
{
	uint16_t offs[INF_MAX_BITS + 1];
	unsigned int len, sym, code, fill, step, ncodes = 0;
	int left = 1;

	memset(h->ih_count, 0, sizeof(h->ih_count));
	for (sym = 0; sym < n; sym++)
		h->ih_count[lens[sym]]++;
	for (len = 1; len <= INF_MAX_BITS; len++) {
		left = 2 * left - h->ih_count[len];
		if (left < 0)
			return (false);		/* over-subscribed */
		ncodes += h->ih_count[len];
	}
	if (left > 0 && !(allow_partial && ncodes <= 1))
		return (false);			/* incomplete */
	offs[1] = 0;
	for (len = 1; len < INF_MAX_BITS; len++)
		offs[len + 1] = offs[len] + h->ih_count[len];
	for (fill = 0; fill < (1u << h->ih_fast_bits); fill++)
		h->ih_fast[fill] = (uint16_t)inf_reverse(fill, h->ih_fast_bits);
	h->ih_slow_first = h->ih_slow_index = 0;
	for (len = 1; len <= h->ih_fast_bits; len++) {
		h->ih_slow_index += h->ih_count[len];
		h->ih_slow_first = (h->ih_slow_first + h->ih_count[len]) << 1;
	}
	code = 0;
	for (len = 1; len <= INF_MAX_BITS; len++) {
		for (sym = 0; sym < n; sym++) {
			if (lens[sym] != len)
				continue;
			h->ih_sym[offs[len]++] = (uint16_t)sym;
			if (len <= h->ih_fast_bits) {
				step = 1u << len;
				for (fill = inf_reverse(code, len);
				    fill < (1u << h->ih_fast_bits);
				    fill += step)
					h->ih_fast[fill] = (uint16_t)(
					    len << INF_FAST_LEN_SHIFT | sym);
			}
			code++;
		}
		code <<= 1;
	}
	return (true);
}

/* Decode one symbol; false if the bits are not a code or input ran out. */
static bool
inf_decode(struct inflate_state *s, const struct inf_huff *h,
    unsigned int *symp)
{
	unsigned int entry, len, code, first, index;
	uint64_t bits;

	if (s->is_bitcnt < INF_MAX_BITS)
		inf_refill(s);
	bits = s->is_bitbuf;
	entry = h->ih_fast[bits & ((1u << h->ih_fast_bits) - 1)];
	len = entry >> INF_FAST_LEN_SHIFT;
	if (len != 0) {
		if (len > s->is_bitcnt)
			return (false);
		s->is_bitbuf >>= len;
		s->is_bitcnt -= len;
		*symp = entry & INF_FAST_SYM_MASK;
		return (true);
	}
	/* Resume the canonical walk after the first ih_fast_bits bits. */
	code = (entry & INF_FAST_SYM_MASK) << 1;
	first = h->ih_slow_first;
	index = h->ih_slow_index;
	bits >>= h->ih_fast_bits;
	for (len = h->ih_fast_bits + 1;
	    len <= INF_MAX_BITS && len <= s->is_bitcnt; len++) {
		code |= (unsigned int)(bits & 1);
		bits >>= 1;
		if (code - first < h->ih_count[len]) {
			s->is_bitbuf >>= len;
			s->is_bitcnt -= len;
			*symp = h->ih_sym[index + code - first];
			return (true);
		}
		index += h->ih_count[len];
		first = (first + h->ih_count[len]) << 1;
		code <<= 1;
	}
	return (false);
}

/* Copy a stored block; false if truncated, corrupt or too long. */
static bool
inf_stored(struct inflate_state *s)
{
	size_t len, nlen;

	inf_align_byte(s);
	if (s->is_inend - s->is_in < INF_STORED_HDR_BYTES)
		return (false);
	len = (size_t)s->is_in[0] | (size_t)s->is_in[1] << 8;
	nlen = (size_t)s->is_in[2] | (size_t)s->is_in[3] << 8;
	s->is_in += INF_STORED_HDR_BYTES;
	if ((len ^ 0xFFFF) != nlen || len > (size_t)(s->is_inend - s->is_in) ||
	    len > (size_t)(s->is_outend - s->is_out))
		return (false);
	memcpy(s->is_out, s->is_in, len);
	s->is_out += len;
	s->is_in += len;
	return (true);
}

/* Decode literals and matches up to the end-of-block code. */
static bool
inf_codes(struct inflate_state *s)
{
	unsigned int sym;
	uint32_t extra;
	size_t len, dist;
	uint8_t *from;

	for (;;) {
		if (!inf_decode(s, &s->is_lit, &sym))
			return (false);
		if (sym < INF_SYM_END) {
			if (s->is_out == s->is_outend)
				return (false);
			*s->is_out++ = (uint8_t)sym;
			continue;
		}
		if (sym == INF_SYM_END)
			return (true);
		sym -= INF_SYM_LEN_FIRST;
		if (sym >= INF_NUM_LEN_SYMS ||
		    !inf_bits(s, inf_len_extra[sym], &extra))
			return (false);
		len = inf_len_base[sym] + extra;
		if (!inf_decode(s, &s->is_dist, &sym) ||
		    sym >= INF_NUM_DIST_MAX ||
		    !inf_bits(s, inf_dist_extra[sym], &extra))
			return (false);
		dist = inf_dist_base[sym] + extra;
		if (dist > (size_t)(s->is_out - s->is_outstart) ||
		    len > (size_t)(s->is_outend - s->is_out))
			return (false);
		from = s->is_out - dist;
		if (dist >= len) {
			memcpy(s->is_out, from, len);
			s->is_out += len;
		} else {
			while (len-- > 0)
				*s->is_out++ = *from++;
		}
	}
}

static INF_NOINLINE bool
inf_fixed_tables(struct inflate_state *s)
{
	uint8_t lens[INF_NUM_LIT];

	memset(lens, 8, INF_FIXED_8A_END);
	memset(lens + INF_FIXED_8A_END, 9, INF_FIXED_9_END - INF_FIXED_8A_END);
	memset(lens + INF_FIXED_9_END, 7, INF_FIXED_7_END - INF_FIXED_9_END);
	memset(lens + INF_FIXED_7_END, 8, INF_NUM_LIT - INF_FIXED_7_END);
	if (!inf_build(&s->is_lit, lens, INF_NUM_LIT, false))
		return (false);
	memset(lens, INF_FIXED_DIST_BITS, INF_NUM_DIST);
	return (inf_build(&s->is_dist, lens, INF_NUM_DIST, false));
}

/* Read the code lengths of a dynamic block and build both decoders. */
static INF_NOINLINE bool
inf_dynamic_tables(struct inflate_state *s)
{
	uint16_t cl_fast[1u << INF_CL_FAST_BITS], cl_sym[INF_NUM_CL];
	uint8_t lens[INF_NUM_LIT_MAX + INF_NUM_DIST];
	struct inf_huff cl;
	uint32_t nlit, ndist, ncl, v, rep;
	unsigned int i, sym;
	uint8_t fill;

	if (!inf_bits(s, INF_HLIT_BITS, &nlit) ||
	    !inf_bits(s, INF_HDIST_BITS, &ndist) ||
	    !inf_bits(s, INF_HCLEN_BITS, &ncl))
		return (false);
	nlit += INF_SYM_LEN_FIRST;
	ndist += 1;
	ncl += INF_HCLEN_BASE;
	if (nlit > INF_NUM_LIT_MAX || ndist > INF_NUM_DIST_MAX)
		return (false);
	memset(lens, 0, INF_NUM_CL);
	for (i = 0; i < ncl; i++) {
		if (!inf_bits(s, INF_CL_LEN_BITS, &v))
			return (false);
		lens[inf_cl_order[i]] = (uint8_t)v;
	}
	cl.ih_fast = cl_fast;
	cl.ih_fast_bits = INF_CL_FAST_BITS;
	cl.ih_sym = cl_sym;
	if (!inf_build(&cl, lens, INF_NUM_CL, false))
		return (false);
	for (i = 0; i < nlit + ndist;) {
		if (!inf_decode(s, &cl, &sym))
			return (false);
		if (sym <= INF_CL_LITERAL_MAX) {
			lens[i++] = (uint8_t)sym;
			continue;
		}
		if (sym == INF_CL_REPEAT) {
			if (i == 0 || !inf_bits(s, INF_CL_REPEAT_BITS, &rep))
				return (false);
			fill = lens[i - 1];
			rep += INF_CL_REPEAT_BASE;
		} else if (sym == INF_CL_ZEROS) {
			if (!inf_bits(s, INF_CL_ZEROS_BITS, &rep))
				return (false);
			fill = 0;
			rep += INF_CL_ZEROS_BASE;
		} else {
			if (!inf_bits(s, INF_CL_ZEROS_LONG_BITS, &rep))
				return (false);
			fill = 0;
			rep += INF_CL_ZEROS_LONG_BASE;
		}
		if (rep > nlit + ndist - i)
			return (false);
		memset(lens + i, fill, rep);
		i += rep;
	}
	if (lens[INF_SYM_END] == 0)
		return (false);		/* no end-of-block code */
	return (inf_build(&s->is_lit, lens, nlit, true) &&
	    inf_build(&s->is_dist, lens + nlit, ndist, true));
}

/*
 * hammer2_zlib_inflate - decode one zlib stream.
 *
 * Returns 0 or HAMMER2_CODEC_EIO; see hammer2_codec.h.
 * Context: any.  Locking: none.
 */
int
hammer2_zlib_inflate(const void *src, size_t srclen, void *dst,
    size_t dstcap, size_t *outlenp)
{
	struct inflate_state s;
	const uint8_t *p = src;
	uint32_t final, type, want;

	*outlenp = 0;
	if (srclen < ZLIB_HEADER_BYTES + ZLIB_TRAILER_BYTES ||
	    (p[0] & 0x0F) != ZLIB_CM_DEFLATE || (p[0] >> 4) > ZLIB_CINFO_MAX ||
	    ((unsigned int)p[0] << 8 | p[1]) % ZLIB_FCHECK_MOD != 0 ||
	    (p[1] & ZLIB_FDICT) != 0)
		return (HAMMER2_CODEC_EIO);
	memset(&s, 0, sizeof(s));
	s.is_in = p + ZLIB_HEADER_BYTES;
	s.is_inend = p + srclen;
	s.is_out = s.is_outstart = dst;
	s.is_outend = s.is_out + dstcap;
	s.is_lit.ih_fast = s.is_lit_fast;
	s.is_lit.ih_fast_bits = INF_LIT_FAST_BITS;
	s.is_lit.ih_sym = s.is_lit_sym;
	s.is_dist.ih_fast = s.is_dist_fast;
	s.is_dist.ih_fast_bits = INF_DIST_FAST_BITS;
	s.is_dist.ih_sym = s.is_dist_sym;
	do {
		if (!inf_bits(&s, 1, &final) || !inf_bits(&s, 2, &type))
			return (HAMMER2_CODEC_EIO);
		if (type == INF_STORED) {
			if (!inf_stored(&s))
				return (HAMMER2_CODEC_EIO);
			continue;
		}
		if (type == INF_FIXED ? !inf_fixed_tables(&s) :
		    type != INF_DYNAMIC || !inf_dynamic_tables(&s))
			return (HAMMER2_CODEC_EIO);
		if (!inf_codes(&s))
			return (HAMMER2_CODEC_EIO);
	} while (!final);
	inf_align_byte(&s);
	if (s.is_inend - s.is_in < ZLIB_TRAILER_BYTES)
		return (HAMMER2_CODEC_EIO);
	want = (uint32_t)s.is_in[0] << 24 | (uint32_t)s.is_in[1] << 16 |
	    (uint32_t)s.is_in[2] << 8 | s.is_in[3];
	if (hammer2_adler32(s.is_outstart, (size_t)(s.is_out - s.is_outstart)) !=
	    want)
		return (HAMMER2_CODEC_EIO);
	*outlenp = (size_t)(s.is_out - s.is_outstart);
	return (0);
}
