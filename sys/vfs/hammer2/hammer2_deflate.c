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
 * hammer2_deflate.c - zlib (RFC 1950) / deflate (RFC 1951) compressor.
 *
 * What: produces the zlib streams HAMMER2 stores for ZLIB-compressed DATA
 * blocks (hammer2-format.md §7.3); any RFC 1950 decoder, ours or zlib's,
 * reads them.
 *
 * Model: LZ77 over a 32 KiB window with hash chains (3-byte hash; head[]
 * holds the newest position + 1 per hash, prev[] the distance back to
 * the previous position with the same hash), greedy at levels 1..3 and
 * with one-step lazy matching from level 4; the level also sets how many
 * chain links a search may follow.  Symbols are collected for up to
 * DFL_BLOCK_SYMS per block; then the block is written in whichever of
 * stored, fixed-Huffman or dynamic-Huffman form is smallest, the bit
 * counts being computed exactly beforehand.  Dynamic code lengths come
 * from a two-queue Huffman build; if a code would exceed the length limit
 * the frequencies are halved (keeping them non-zero) and it is rebuilt.
 * Every code has at least two symbols, so all code sets are complete.
 *
 * Invariants: all state lives in the caller's work area (struct
 * dfl_work); the bit writer never writes at or past outend and records
 * overflow instead, which becomes HAMMER2_CODEC_ENOSPC.  Match distances
 * stay below DFL_WSIZE so a chain entry is never overwritten while it is
 * still reachable.
 *
 * Locking: none; reentrant for distinct work areas.
 *
 * More: docs/design/hammer2-codec.md; RFC 1950, RFC 1951.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hammer2_codec.h"

#define DFL_WSIZE		32768	/* window; distances < this */
#define DFL_WMASK		(DFL_WSIZE - 1)
#define DFL_HASH_BITS		14
#define DFL_HASH_SIZE		(1u << DFL_HASH_BITS)
#define DFL_HASH_MULT		2654435761u
#define DFL_MIN_MATCH		3
#define DFL_MAX_MATCH		258
#define DFL_BLOCK_SYMS		16384	/* symbols per deflate block */
#define DFL_NUM_LIT		286	/* literal/length symbols used */
#define DFL_NUM_LIT_FIXED	288
#define DFL_NUM_DIST		30
#define DFL_NUM_CL		19
#define DFL_SYM_END		256
#define DFL_SYM_LEN_FIRST	257
#define DFL_MAX_BITS		15
#define DFL_CL_MAX_BITS		7
#define DFL_STORED_MAX		65535	/* bytes in one stored block */
#define DFL_GOOD_ENOUGH		128	/* stop searching at this length */
#define DFL_TOO_FAR		4096	/* 3-byte matches farther are poor */
#define ZLIB_CMF		0x78	/* deflate, 32 KiB window */
#define ZLIB_FCHECK_MOD		31
#define ZLIB_FLEVEL_SHIFT	6

/* Dynamic block header (RFC 1951 3.2.7). */
#define DFL_HLIT_BITS		5
#define DFL_HDIST_BITS		5
#define DFL_HCLEN_BITS		4
#define DFL_HCLEN_BASE		4
#define DFL_CL_LEN_BITS		3
#define DFL_CL_REPEAT		16	/* previous length 3..6 times */
#define DFL_CL_REPEAT_MIN	3
#define DFL_CL_REPEAT_MAX	6
#define DFL_CL_REPEAT_BITS	2
#define DFL_CL_ZEROS		17	/* zero 3..10 times */
#define DFL_CL_ZEROS_MIN	3
#define DFL_CL_ZEROS_BITS	3
#define DFL_CL_ZEROS_LONG	18	/* zero 11..138 times */
#define DFL_CL_ZEROS_LONG_MIN	11
#define DFL_CL_ZEROS_LONG_MAX	138
#define DFL_CL_ZEROS_LONG_BITS	7
/* The fixed code (RFC 1951 3.2.6): literal/length code lengths by range. */
#define DFL_FIXED_8A_END	144	/* 0..143: 8 bits */
#define DFL_FIXED_9_END		256	/* 144..255: 9 bits */
#define DFL_FIXED_7_END		280	/* 256..279: 7 bits, then 8 bits */
#define DFL_FIXED_DIST_BITS	5
#define DFL_BLOCK_HDR_BITS	3	/* BFINAL + BTYPE */
#define DFL_STORED_HDR_BYTES	4	/* LEN, NLEN */

enum dfl_btype { DFL_STORED = 0, DFL_FIXED = 1, DFL_DYNAMIC = 2 };

/* A Huffman code: bit-reversed codes ready for LSB-first output. */
struct dfl_code {
	uint16_t	dc_code[DFL_NUM_LIT_FIXED];
	uint8_t		dc_len[DFL_NUM_LIT_FIXED];
};

struct dfl_work {
	uint32_t	dw_head[DFL_HASH_SIZE];		/* position + 1 */
	uint16_t	dw_prev[DFL_WSIZE];		/* distance, 0 = end */
	uint16_t	dw_sym_len[DFL_BLOCK_SYMS];	/* literal or length */
	uint16_t	dw_sym_dist[DFL_BLOCK_SYMS];	/* 0 for a literal */
	uint32_t	dw_lit_freq[DFL_NUM_LIT_FIXED];
	uint32_t	dw_dist_freq[DFL_NUM_DIST];
	uint32_t	dw_cl_freq[DFL_NUM_CL];
	struct dfl_code	dw_lit;
	struct dfl_code	dw_dist;
	struct dfl_code	dw_cl;
	uint8_t		dw_lens[DFL_NUM_LIT + DFL_NUM_DIST];
	uint8_t		dw_rle_sym[DFL_NUM_LIT + DFL_NUM_DIST];
	uint8_t		dw_rle_extra[DFL_NUM_LIT + DFL_NUM_DIST];
	/* Huffman build scratch: leaves, then internal nodes. */
	uint32_t	dw_node_weight[2 * DFL_NUM_LIT_FIXED];
	uint16_t	dw_node_parent[2 * DFL_NUM_LIT_FIXED];
	uint16_t	dw_node_sym[DFL_NUM_LIT_FIXED];
	uint8_t		dw_node_depth[2 * DFL_NUM_LIT_FIXED];
};

_Static_assert(sizeof(struct dfl_work) <= HAMMER2_ZLIB_WORKBYTES,
    "HAMMER2_ZLIB_WORKBYTES too small");

struct dfl_out {
	uint8_t		*do_p;
	uint8_t		*do_end;
	uint64_t	 do_bitbuf;
	unsigned int	 do_bitcnt;
	bool		 do_overflow;
};

/* Search effort per level 1..9: chain links, lazy if a match is shorter. */
struct dfl_level {
	uint16_t	dl_chain;
	uint16_t	dl_lazy;	/* 0: greedy */
};

/* clang-format off */
static const struct dfl_level dfl_levels[HAMMER2_ZLIB_LEVEL_MAX + 1] = {
	{ 0, 0 }, { 4, 0 }, { 8, 0 }, { 16, 0 }, { 16, 16 },
	{ 32, 32 }, { 128, 64 }, { 256, 128 }, { 1024, 258 }, { 4096, 258 },
};
static const uint16_t dfl_len_base[29] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258
};
static const uint8_t dfl_len_extra[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0
};
static const uint16_t dfl_dist_base[DFL_NUM_DIST] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193,
	12289, 16385, 24577
};
static const uint8_t dfl_dist_extra[DFL_NUM_DIST] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13
};
static const uint8_t dfl_cl_order[DFL_NUM_CL] = {
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15
};
/* clang-format on */

static void
dfl_put_bits(struct dfl_out *o, uint32_t bits, unsigned int n)
{
	o->do_bitbuf |= (uint64_t)bits << o->do_bitcnt;
	o->do_bitcnt += n;
	while (o->do_bitcnt >= 8) {
		if (o->do_p == o->do_end) {
			o->do_overflow = true;
			o->do_bitcnt = 0;
			o->do_bitbuf = 0;
			return;
		}
		*o->do_p++ = (uint8_t)o->do_bitbuf;
		o->do_bitbuf >>= 8;
		o->do_bitcnt -= 8;
	}
}

/* Pad with zero bits to a byte boundary. */
static void
dfl_align_byte(struct dfl_out *o)
{
	if (o->do_bitcnt > 0)
		dfl_put_bits(o, 0, 8 - o->do_bitcnt);
}

static void
dfl_put_bytes(struct dfl_out *o, const uint8_t *p, size_t n)
{
	if (o->do_overflow || n > (size_t)(o->do_end - o->do_p)) {
		o->do_overflow = true;
		return;
	}
	memcpy(o->do_p, p, n);
	o->do_p += n;
}

static unsigned int
dfl_len_sym(unsigned int len)
{
	unsigned int i = 0;

	while (i + 1 < 29 && dfl_len_base[i + 1] <= len)
		i++;
	return (i);
}

static unsigned int
dfl_dist_sym(unsigned int dist)
{
	unsigned int i = 0;

	while (i + 1 < DFL_NUM_DIST && dfl_dist_base[i + 1] <= dist)
		i++;
	return (i);
}

/* Sort the n symbols in sym[] by ascending weight (insertion sort). */
static void
dfl_sort_leaves(uint16_t *sym, const uint32_t *freq, unsigned int n)
{
	unsigned int i, j;
	uint16_t s;

	for (i = 1; i < n; i++) {
		s = sym[i];
		for (j = i; j > 0 && freq[sym[j - 1]] > freq[s]; j--)
			sym[j] = sym[j - 1];
		sym[j] = s;
	}
}

/*
 * One Huffman build over the m sorted leaves in dw_node_sym with weights
 * freq; writes each used symbol's depth to lens.  Returns the maximum.
 */
static unsigned int
dfl_huffman_depths(struct dfl_work *w, const uint32_t *freq,
    unsigned int m, uint8_t *lens)
{
	unsigned int leaf = 0, node = m, next = m, i, pick, maxd = 0;
	unsigned int k;

	for (i = 0; i < m; i++)
		w->dw_node_weight[i] = freq[w->dw_node_sym[i]];
	/* Two queues: leaves [leaf, m), internal nodes [node, next). */
	while (next < 2 * m - 1) {
		w->dw_node_weight[next] = 0;
		for (k = 0; k < 2; k++) {
			if (leaf < m && (node == next ||
			    w->dw_node_weight[leaf] <= w->dw_node_weight[node]))
				pick = leaf++;
			else
				pick = node++;
			w->dw_node_weight[next] += w->dw_node_weight[pick];
			w->dw_node_parent[pick] = (uint16_t)next;
		}
		next++;
	}
	w->dw_node_depth[2 * m - 2] = 0;
	for (i = 2 * m - 2; i-- > 0;) {
		w->dw_node_depth[i] = (uint8_t)(w->dw_node_depth[
		    w->dw_node_parent[i]] + 1);
		if (i < m) {
			lens[w->dw_node_sym[i]] = w->dw_node_depth[i];
			if (w->dw_node_depth[i] > maxd)
				maxd = w->dw_node_depth[i];
		}
	}
	return (maxd);
}

/*
 * Compute code lengths (<= maxbits) for freq[0..n).  Symbols with zero
 * frequency get length 0, except that at least two symbols always get a
 * code so the set is complete.  freq is modified.
 */
static void
dfl_build_lengths(struct dfl_work *w, uint32_t *freq, unsigned int n,
    unsigned int maxbits, uint8_t *lens)
{
	unsigned int i, m;

	for (i = 0, m = 0; i < n && m < 2; i++)
		if (freq[i] != 0)
			m++;
	for (i = 0; i < n && m < 2; i++) {
		if (freq[i] == 0) {
			freq[i] = 1;
			m++;
		}
	}
	for (;;) {
		memset(lens, 0, n);
		for (i = 0, m = 0; i < n; i++)
			if (freq[i] != 0)
				w->dw_node_sym[m++] = (uint16_t)i;
		dfl_sort_leaves(w->dw_node_sym, freq, m);
		if (dfl_huffman_depths(w, freq, m, lens) <= maxbits)
			return;
		for (i = 0; i < n; i++)
			if (freq[i] != 0)
				freq[i] = (freq[i] >> 1) | 1;
	}
}

/* Assign canonical codes (bit-reversed) to the lengths in c->dc_len. */
static void
dfl_assign_codes(struct dfl_code *c, unsigned int n)
{
	uint16_t count[DFL_MAX_BITS + 1], next[DFL_MAX_BITS + 1];
	unsigned int i, len, code, r, k;

	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++)
		count[c->dc_len[i]]++;
	count[0] = 0;
	code = 0;
	for (len = 1; len <= DFL_MAX_BITS; len++) {
		code = (code + count[len - 1]) << 1;
		next[len] = (uint16_t)code;
	}
	for (i = 0; i < n; i++) {
		len = c->dc_len[i];
		if (len == 0)
			continue;
		code = next[len]++;
		for (r = 0, k = 0; k < len; k++, code >>= 1)
			r = (r << 1) | (code & 1);
		c->dc_code[i] = (uint16_t)r;
	}
}

static void
dfl_fixed_codes(struct dfl_work *w)
{
	memset(w->dw_lit.dc_len, 8, DFL_FIXED_8A_END);
	memset(w->dw_lit.dc_len + DFL_FIXED_8A_END, 9,
	    DFL_FIXED_9_END - DFL_FIXED_8A_END);
	memset(w->dw_lit.dc_len + DFL_FIXED_9_END, 7,
	    DFL_FIXED_7_END - DFL_FIXED_9_END);
	memset(w->dw_lit.dc_len + DFL_FIXED_7_END, 8,
	    DFL_NUM_LIT_FIXED - DFL_FIXED_7_END);
	dfl_assign_codes(&w->dw_lit, DFL_NUM_LIT_FIXED);
	memset(w->dw_dist.dc_len, DFL_FIXED_DIST_BITS, DFL_NUM_DIST);
	dfl_assign_codes(&w->dw_dist, DFL_NUM_DIST);
}

/* Bits the block's symbols take with the codes in w->dw_lit/dw_dist. */
static size_t
dfl_data_bits(const struct dfl_work *w)
{
	size_t bits = 0;
	unsigned int i;

	for (i = 0; i < DFL_NUM_LIT; i++)
		bits += (size_t)w->dw_lit_freq[i] * (w->dw_lit.dc_len[i] +
		    (i >= DFL_SYM_LEN_FIRST ?
		    dfl_len_extra[i - DFL_SYM_LEN_FIRST] : 0));
	for (i = 0; i < DFL_NUM_DIST; i++)
		bits += (size_t)w->dw_dist_freq[i] * (w->dw_dist.dc_len[i] +
		    dfl_dist_extra[i]);
	return (bits);
}

/*
 * Run-length code the nlit + ndist lengths in dw_lens into dw_rle_*;
 * counts the code-length symbols.  Returns the number of RLE symbols.
 */
static unsigned int
dfl_rle_lengths(struct dfl_work *w, unsigned int total)
{
	unsigned int i = 0, run, n = 0, take;
	uint8_t len;

	memset(w->dw_cl_freq, 0, sizeof(w->dw_cl_freq));
	while (i < total) {
		len = w->dw_lens[i];
		for (run = 1; i + run < total && w->dw_lens[i + run] == len;)
			run++;
		i += run;
		if (len == 0) {
			while (run >= DFL_CL_ZEROS_LONG_MIN) {
				take = run < DFL_CL_ZEROS_LONG_MAX ? run :
				    DFL_CL_ZEROS_LONG_MAX;
				w->dw_rle_sym[n] = DFL_CL_ZEROS_LONG;
				w->dw_rle_extra[n++] = (uint8_t)(take -
				    DFL_CL_ZEROS_LONG_MIN);
				run -= take;
			}
			if (run >= DFL_CL_ZEROS_MIN) {
				w->dw_rle_sym[n] = DFL_CL_ZEROS;
				w->dw_rle_extra[n++] = (uint8_t)(run -
				    DFL_CL_ZEROS_MIN);
				run = 0;
			}
		} else {
			w->dw_rle_sym[n++] = len;
			run--;
			while (run >= DFL_CL_REPEAT_MIN) {
				take = run < 6 ? run : 6;
				w->dw_rle_sym[n] = DFL_CL_REPEAT;
				w->dw_rle_extra[n++] = (uint8_t)(take -
				    DFL_CL_REPEAT_MIN);
				run -= take;
			}
		}
		while (run-- > 0)
			w->dw_rle_sym[n++] = len;
	}
	for (i = 0; i < n; i++)
		w->dw_cl_freq[w->dw_rle_sym[i]]++;
	return (n);
}

static unsigned int
dfl_rle_extra_bits(unsigned int sym)
{
	return (sym == DFL_CL_REPEAT ? DFL_CL_REPEAT_BITS :
	    sym == DFL_CL_ZEROS ? DFL_CL_ZEROS_BITS :
	    sym == DFL_CL_ZEROS_LONG ? DFL_CL_ZEROS_LONG_BITS : 0);
}

/*
 * Build the dynamic codes for the current block.  Returns the header size
 * in bits; *nlitp, *ndistp, *nclp, *nrlep describe what to write.
 */
static size_t
dfl_dynamic_codes(struct dfl_work *w, unsigned int *nlitp,
    unsigned int *ndistp, unsigned int *nclp, unsigned int *nrlep)
{
	uint32_t freq[DFL_NUM_LIT];
	unsigned int nlit, ndist, ncl, nrle, i;
	size_t bits;

	memcpy(freq, w->dw_lit_freq, sizeof(freq));
	memset(w->dw_lit.dc_len, 0, sizeof(w->dw_lit.dc_len));
	dfl_build_lengths(w, freq, DFL_NUM_LIT, DFL_MAX_BITS,
	    w->dw_lit.dc_len);
	memcpy(freq, w->dw_dist_freq, sizeof(w->dw_dist_freq));
	memset(w->dw_dist.dc_len, 0, sizeof(w->dw_dist.dc_len));
	dfl_build_lengths(w, freq, DFL_NUM_DIST, DFL_MAX_BITS,
	    w->dw_dist.dc_len);
	dfl_assign_codes(&w->dw_lit, DFL_NUM_LIT);
	dfl_assign_codes(&w->dw_dist, DFL_NUM_DIST);
	for (nlit = DFL_NUM_LIT; nlit > DFL_SYM_LEN_FIRST &&
	    w->dw_lit.dc_len[nlit - 1] == 0;)
		nlit--;
	for (ndist = DFL_NUM_DIST; ndist > 1 &&
	    w->dw_dist.dc_len[ndist - 1] == 0;)
		ndist--;
	memcpy(w->dw_lens, w->dw_lit.dc_len, nlit);
	memcpy(w->dw_lens + nlit, w->dw_dist.dc_len, ndist);
	nrle = dfl_rle_lengths(w, nlit + ndist);
	memcpy(freq, w->dw_cl_freq, sizeof(w->dw_cl_freq));
	memset(w->dw_cl.dc_len, 0, sizeof(w->dw_cl.dc_len));
	dfl_build_lengths(w, freq, DFL_NUM_CL, DFL_CL_MAX_BITS,
	    w->dw_cl.dc_len);
	dfl_assign_codes(&w->dw_cl, DFL_NUM_CL);
	for (ncl = DFL_NUM_CL; ncl > DFL_HCLEN_BASE &&
	    w->dw_cl.dc_len[dfl_cl_order[ncl - 1]] == 0;)
		ncl--;
	bits = DFL_HLIT_BITS + DFL_HDIST_BITS + DFL_HCLEN_BITS +
	    DFL_CL_LEN_BITS * (size_t)ncl;
	for (i = 0; i < nrle; i++)
		bits += w->dw_cl.dc_len[w->dw_rle_sym[i]] +
		    dfl_rle_extra_bits(w->dw_rle_sym[i]);
	*nlitp = nlit;
	*ndistp = ndist;
	*nclp = ncl;
	*nrlep = nrle;
	return (bits);
}

static void
dfl_put_dynamic_header(struct dfl_out *o, const struct dfl_work *w,
    unsigned int nlit, unsigned int ndist, unsigned int ncl,
    unsigned int nrle)
{
	unsigned int i, sym;

	dfl_put_bits(o, nlit - DFL_SYM_LEN_FIRST, DFL_HLIT_BITS);
	dfl_put_bits(o, ndist - 1, DFL_HDIST_BITS);
	dfl_put_bits(o, ncl - DFL_HCLEN_BASE, DFL_HCLEN_BITS);
	for (i = 0; i < ncl; i++)
		dfl_put_bits(o, w->dw_cl.dc_len[dfl_cl_order[i]],
		    DFL_CL_LEN_BITS);
	for (i = 0; i < nrle; i++) {
		sym = w->dw_rle_sym[i];
		dfl_put_bits(o, w->dw_cl.dc_code[sym], w->dw_cl.dc_len[sym]);
		if (dfl_rle_extra_bits(sym) != 0)
			dfl_put_bits(o, w->dw_rle_extra[i],
			    dfl_rle_extra_bits(sym));
	}
}

static void
dfl_put_symbols(struct dfl_out *o, const struct dfl_work *w,
    unsigned int nsyms)
{
	unsigned int i, len, dist, s;

	for (i = 0; i < nsyms && !o->do_overflow; i++) {
		dist = w->dw_sym_dist[i];
		if (dist == 0) {
			s = w->dw_sym_len[i];
			dfl_put_bits(o, w->dw_lit.dc_code[s],
			    w->dw_lit.dc_len[s]);
			continue;
		}
		len = w->dw_sym_len[i];
		s = dfl_len_sym(len);
		dfl_put_bits(o, w->dw_lit.dc_code[DFL_SYM_LEN_FIRST + s],
		    w->dw_lit.dc_len[DFL_SYM_LEN_FIRST + s]);
		dfl_put_bits(o, len - dfl_len_base[s], dfl_len_extra[s]);
		s = dfl_dist_sym(dist);
		dfl_put_bits(o, w->dw_dist.dc_code[s], w->dw_dist.dc_len[s]);
		dfl_put_bits(o, dist - dfl_dist_base[s], dfl_dist_extra[s]);
	}
	dfl_put_bits(o, w->dw_lit.dc_code[DFL_SYM_END],
	    w->dw_lit.dc_len[DFL_SYM_END]);
}

/* Write in as many stored blocks as needed; final marks the last. */
static void
dfl_put_stored(struct dfl_out *o, const uint8_t *p, size_t n, bool final)
{
	uint8_t hdr[DFL_STORED_HDR_BYTES];
	size_t take;

	do {
		take = n < DFL_STORED_MAX ? n : DFL_STORED_MAX;
		dfl_put_bits(o, (final && n <= DFL_STORED_MAX) ? 1 : 0, 1);
		dfl_put_bits(o, DFL_STORED, 2);
		dfl_align_byte(o);
		hdr[0] = (uint8_t)take;
		hdr[1] = (uint8_t)(take >> 8);
		hdr[2] = (uint8_t)~hdr[0];
		hdr[3] = (uint8_t)~hdr[1];
		dfl_put_bytes(o, hdr, sizeof(hdr));
		dfl_put_bytes(o, p, take);
		p += take;
		n -= take;
	} while (n > 0 && !o->do_overflow);
}

/*
 * Write the nsyms collected symbols covering src[0..n) as one block in
 * the smallest of the three forms.
 */
static void
dfl_flush_block(struct dfl_out *o, struct dfl_work *w, unsigned int nsyms,
    const uint8_t *src, size_t n, bool final)
{
	unsigned int nlit, ndist, ncl, nrle;
	size_t dyn_bits, fixed_bits, stored_bits;

	w->dw_lit_freq[DFL_SYM_END] = 1;
	dfl_fixed_codes(w);
	fixed_bits = DFL_BLOCK_HDR_BITS + dfl_data_bits(w);
	dyn_bits = DFL_BLOCK_HDR_BITS + dfl_dynamic_codes(w, &nlit, &ndist, &ncl, &nrle) +
	    dfl_data_bits(w);
	/* Each stored block: header bits, up to 7 pad bits, LEN/NLEN. */
	stored_bits = 8 * (n + (DFL_STORED_HDR_BYTES + 1) *
	    (n / DFL_STORED_MAX + 1)) + DFL_BLOCK_HDR_BITS + 7;
	if (stored_bits <= fixed_bits && stored_bits <= dyn_bits) {
		dfl_put_stored(o, src, n, final);
		return;
	}
	dfl_put_bits(o, final ? 1 : 0, 1);
	if (fixed_bits <= dyn_bits) {
		dfl_put_bits(o, DFL_FIXED, 2);
		dfl_fixed_codes(w);
	} else {
		dfl_put_bits(o, DFL_DYNAMIC, 2);
		dfl_put_dynamic_header(o, w, nlit, ndist, ncl, nrle);
	}
	dfl_put_symbols(o, w, nsyms);
}

static uint32_t
dfl_hash(const uint8_t *p)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16;

	return ((v * DFL_HASH_MULT) >> (32 - DFL_HASH_BITS));
}

/* Add position pos (with 3 bytes available) to the hash chains. */
static void
dfl_insert(struct dfl_work *w, const uint8_t *src, size_t pos)
{
	uint32_t h = dfl_hash(src + pos), old = w->dw_head[h];
	size_t delta = old == 0 ? 0 : pos - (old - 1);

	w->dw_prev[pos & DFL_WMASK] = (uint16_t)(delta < DFL_WSIZE ? delta : 0);
	w->dw_head[h] = (uint32_t)pos + 1;
}

/* Insert every position from *insertedp up to (not including) upto. */
static void
dfl_insert_upto(struct dfl_work *w, const uint8_t *src, size_t n,
    size_t *insertedp, size_t upto)
{
	size_t p;

	for (p = *insertedp; p < upto && p + DFL_MIN_MATCH <= n; p++)
		dfl_insert(w, src, p);
	if (upto > *insertedp)
		*insertedp = upto;
}

/* Number of equal leading bytes of a and b, at most limit. */
static size_t
dfl_match_length(const uint8_t *a, const uint8_t *b, size_t limit)
{
	uint64_t x, y;
	size_t len = 0;

	while (limit - len >= sizeof(x)) {
		memcpy(&x, a + len, sizeof(x));
		memcpy(&y, b + len, sizeof(y));
		if (x != y)
			return (len + (size_t)(__builtin_ctzll(x ^ y) >> 3));
		len += sizeof(x);
	}
	while (len < limit && a[len] == b[len])
		len++;
	return (len);
}

/*
 * Longest match for src[pos..n) among earlier positions on its chain,
 * following at most chain links.  Returns its length (0 if < 3), the
 * distance in *distp.
 */
static size_t
dfl_longest_match(const struct dfl_work *w, const uint8_t *src, size_t pos,
    size_t n, unsigned int chain, size_t *distp)
{
	size_t best = 0, limit, len, cand, delta;
	uint32_t head;

	if (n - pos < DFL_MIN_MATCH)
		return (0);
	limit = n - pos < DFL_MAX_MATCH ? n - pos : DFL_MAX_MATCH;
	head = w->dw_head[dfl_hash(src + pos)];
	if (head == 0)
		return (0);
	cand = head - 1;
	while (chain-- > 0 && pos - cand < DFL_WSIZE) {
		if (src[cand + best] == src[pos + best]) {
			len = dfl_match_length(src + cand, src + pos, limit);
			if (len > best) {
				best = len;
				*distp = pos - cand;
				/* cppcheck-suppress knownConditionTrueFalse */
				if (len >= limit || len >= DFL_GOOD_ENOUGH)
					break;
			}
		}
		delta = w->dw_prev[cand & DFL_WMASK];
		if (delta == 0 || delta > cand)
			break;
		cand -= delta;
	}
	if (best < DFL_MIN_MATCH ||
	    (best == DFL_MIN_MATCH && *distp > DFL_TOO_FAR))
		return (0);
	return (best);
}

static void
dfl_record(struct dfl_work *w, unsigned int *nsymsp, unsigned int len,
    unsigned int dist, unsigned int lit)
{
	unsigned int i = (*nsymsp)++;

	w->dw_sym_dist[i] = (uint16_t)dist;
	if (dist == 0) {
		w->dw_sym_len[i] = (uint16_t)lit;
		w->dw_lit_freq[lit]++;
	} else {
		w->dw_sym_len[i] = (uint16_t)len;
		w->dw_lit_freq[DFL_SYM_LEN_FIRST + dfl_len_sym(len)]++;
		w->dw_dist_freq[dfl_dist_sym(dist)]++;
	}
}

static void
dfl_reset_block(struct dfl_work *w, unsigned int *nsymsp)
{
	*nsymsp = 0;
	memset(w->dw_lit_freq, 0, sizeof(w->dw_lit_freq));
	memset(w->dw_dist_freq, 0, sizeof(w->dw_dist_freq));
}

/* LZ77 + Huffman over the whole input. */
static void
dfl_compress(struct dfl_out *o, struct dfl_work *w, const uint8_t *src,
    size_t n, const struct dfl_level *lv)
{
	size_t pos = 0, blk = 0, len, dist = 0, len2, dist2 = 0, inserted = 0;
	unsigned int nsyms;

	memset(w->dw_head, 0, sizeof(w->dw_head));
	dfl_reset_block(w, &nsyms);
	while (pos < n && !o->do_overflow) {
		len = dfl_longest_match(w, src, pos, n, lv->dl_chain, &dist);
		dfl_insert_upto(w, src, n, &inserted, pos + 1);
		while (len != 0 && len < lv->dl_lazy && pos + 1 < n) {
			len2 = dfl_longest_match(w, src, pos + 1, n,
			    lv->dl_chain, &dist2);
			if (len2 <= len)
				break;
			dfl_record(w, &nsyms, 0, 0, src[pos]);
			pos++;
			dfl_insert_upto(w, src, n, &inserted, pos + 1);
			len = len2;
			dist = dist2;
			if (nsyms == DFL_BLOCK_SYMS - 1)
				break;
		}
		if (len != 0) {
			dfl_record(w, &nsyms, (unsigned int)len,
			    (unsigned int)dist, 0);
			dfl_insert_upto(w, src, n, &inserted, pos + len);
			pos += len;
		} else {
			dfl_record(w, &nsyms, 0, 0, src[pos]);
			pos++;
		}
		if (nsyms >= DFL_BLOCK_SYMS - 1) {
			dfl_flush_block(o, w, nsyms, src + blk, pos - blk,
			    pos == n);
			blk = pos;
			dfl_reset_block(w, &nsyms);
		}
	}
	if (blk < n || n == 0)
		dfl_flush_block(o, w, nsyms, src + blk, n - blk, true);
}

/*
 * hammer2_zlib_deflate - encode src as one zlib stream.
 *
 * Returns 0, HAMMER2_CODEC_ENOSPC or HAMMER2_CODEC_EINVAL; see
 * hammer2_codec.h.
 * Context: any.  Locking: work is owned by the caller for the call.
 */
int
hammer2_zlib_deflate(const void *src, size_t srclen, void *dst,
    size_t dstcap, int level, void *work, size_t *outlenp)
{
	struct dfl_out o;
	uint32_t adler;
	uint8_t hdr[2], trailer[4];
	unsigned int flevel;

	*outlenp = 0;
	if (work == NULL || level < 0 || level > HAMMER2_ZLIB_LEVEL_MAX ||
	    srclen > UINT32_MAX)
		return (HAMMER2_CODEC_EINVAL);
	memset(&o, 0, sizeof(o));
	o.do_p = dst;
	o.do_end = o.do_p + dstcap;
	flevel = level < 2 ? 0 : level < 6 ? 1 : level == 6 ? 2 : 3;
	hdr[0] = ZLIB_CMF;
	hdr[1] = (uint8_t)(flevel << ZLIB_FLEVEL_SHIFT);
	hdr[1] += (uint8_t)(ZLIB_FCHECK_MOD -
	    ((unsigned int)hdr[0] << 8 | hdr[1]) % ZLIB_FCHECK_MOD);
	dfl_put_bytes(&o, hdr, sizeof(hdr));
	if (level == 0)
		dfl_put_stored(&o, src, srclen, true);
	else
		dfl_compress(&o, work, src, srclen, &dfl_levels[level]);
	dfl_align_byte(&o);
	adler = hammer2_adler32(src, srclen);
	trailer[0] = (uint8_t)(adler >> 24);
	trailer[1] = (uint8_t)(adler >> 16);
	trailer[2] = (uint8_t)(adler >> 8);
	trailer[3] = (uint8_t)adler;
	dfl_put_bytes(&o, trailer, sizeof(trailer));
	if (o.do_overflow)
		return (HAMMER2_CODEC_ENOSPC);
	*outlenp = (size_t)(o.do_p - (uint8_t *)dst);
	return (0);
}
