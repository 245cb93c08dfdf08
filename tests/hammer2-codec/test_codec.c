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
 * test_codec.c - cross-checks of the HAMMER2 codecs against liblz4 and zlib.
 *
 * For a corpus of generated data (random, zeros, text, runs, patterns)
 * and the files named on the command line, at many sizes: our LZ4 and
 * deflate output must decode byte-exact with liblz4 and zlib, and theirs
 * (several levels and strategies) with ours.  Then the error paths:
 * outputs that do not fit (ENOSPC / EIO, with guard bytes proving nothing
 * was written past the capacity), truncated and bit-flipped streams,
 * hand-made malformed deflate and LZ4 streams, and the HAMMER2 block
 * framing.  Built with ASan/UBSan, so any overrun aborts the run.
 * One PASS/FAIL line per test case; exit status non-zero on failure.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lz4hc.h>
#include <zlib.h>

#include "hammer2_codec.h"

#define GUARD_BYTES	64
#define GUARD_VALUE	0xA5
#define MAX_SAMPLE	(1u << 20)

static int failures;
static uint8_t *work;
static char errmsg[256];

static void
report(const char *name, bool ok)
{
	if (ok) {
		printf("PASS: %s\n", name);
	} else {
		printf("FAIL: %s (%s)\n", name, errmsg);
		failures++;
	}
	errmsg[0] = '\0';
}

#define CHECK(cond, ...)                                                 \
	do {                                                             \
		if (!(cond)) {                                           \
			if (errmsg[0] == '\0')                           \
				snprintf(errmsg, sizeof(errmsg),         \
				    __VA_ARGS__);                        \
			ok = false;                                      \
		}                                                        \
	} while (0)

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return ((uint32_t)(rng_state >> 11));
}

/* A buffer of cap bytes followed by GUARD_BYTES of GUARD_VALUE. */
static uint8_t *
guarded(size_t cap)
{
	uint8_t *p = malloc(cap + GUARD_BYTES);

	memset(p, 0, cap);
	memset(p + cap, GUARD_VALUE, GUARD_BYTES);
	return (p);
}

static bool
guard_intact(const uint8_t *p, size_t cap)
{
	size_t i;

	for (i = 0; i < GUARD_BYTES; i++)
		if (p[cap + i] != GUARD_VALUE)
			return (false);
	return (true);
}

struct sample {
	const char	*s_name;
	uint8_t		*s_data;
	size_t		 s_len;
};

#define MAX_SAMPLES 64
static struct sample samples[MAX_SAMPLES];
static int nsamples;

static void
add_sample(const char *name, uint8_t *data, size_t len)
{
	if (nsamples < MAX_SAMPLES) {
		samples[nsamples].s_name = name;
		samples[nsamples].s_data = data;
		samples[nsamples].s_len = len;
		nsamples++;
	}
}

static const char *const words[] = {
	"the", "dragonfly", "hammer2", "file", "system", "block", "inode",
	"chain", "flush", "token", "kernel", "compress", "of", "and", "a",
	"to", "in", "is", "copy-on-write", "snapshot", "volume", "freemap",
};

static void
make_samples(int argc, char **argv)
{
	uint8_t *p;
	size_t i, n, w;
	FILE *f;
	int a;

	p = malloc(MAX_SAMPLE);
	for (i = 0; i < MAX_SAMPLE; i++)
		p[i] = (uint8_t)rng();
	add_sample("random", p, MAX_SAMPLE);
	add_sample("zeros", calloc(1, MAX_SAMPLE), MAX_SAMPLE);
	p = malloc(MAX_SAMPLE);
	for (i = 0; i < MAX_SAMPLE;) {
		w = rng() % (sizeof(words) / sizeof(words[0]));
		n = strlen(words[w]);
		if (i + n + 1 > MAX_SAMPLE)
			break;
		memcpy(p + i, words[w], n);
		i += n;
		p[i++] = rng() % 13 == 0 ? '\n' : ' ';
	}
	memset(p + i, '.', MAX_SAMPLE - i);
	add_sample("text", p, MAX_SAMPLE);
	p = malloc(MAX_SAMPLE);
	for (i = 0; i < MAX_SAMPLE;) {
		n = 1 + rng() % 300;
		memset(p + i, (int)(rng() % 4), n < MAX_SAMPLE - i ? n :
		    MAX_SAMPLE - i);
		i += n;
	}
	add_sample("runs", p, MAX_SAMPLE);
	p = malloc(MAX_SAMPLE);
	for (i = 0; i < MAX_SAMPLE; i++)
		p[i] = (uint8_t)(rng() % 4 == 0 ? rng() :
		    (uint32_t)"abcdefg"[i % 7]);
	add_sample("noisy-pattern", p, MAX_SAMPLE);
	for (a = 1; a < argc; a++) {
		f = fopen(argv[a], "rb");
		if (f == NULL)
			continue;
		p = malloc(MAX_SAMPLE);
		n = fread(p, 1, MAX_SAMPLE, f);
		fclose(f);
		if (n == 0) {
			free(p);
			continue;
		}
		add_sample(argv[a], p, n);
	}
}

static const size_t sizes[] = {
	0, 1, 2, 3, 4, 5, 7, 11, 12, 13, 14, 15, 16, 17, 19, 31, 64, 100,
	255, 256, 270, 1000, 1023, 1024, 1025, 4000, 4096, 16384, 32767,
	32768, 32769, 65535, 65536, 65537, 100000, 262144, 1048576,
};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static void
test_lz4_cross(void)
{
	uint8_t *c = malloc(HAMMER2_LZ4_BOUND(MAX_SAMPLE));
	uint8_t *d = guarded(MAX_SAMPLE);
	size_t si, k, n, clen, dlen;
	int r, cases = 0;
	bool ok = true;
	char name[160];

	for (si = 0; si < (size_t)nsamples; si++) {
		for (k = 0; k < NSIZES; k++) {
			n = sizes[k];
			if (n > samples[si].s_len)
				continue;
			cases++;
			r = hammer2_lz4_compress(samples[si].s_data, n, c,
			    HAMMER2_LZ4_BOUND(n), work, &clen);
			CHECK(r == 0, "%s/%zu: compress %d", samples[si].s_name,
			    n, r);
			if (r != 0)
				continue;
			CHECK(clen <= HAMMER2_LZ4_BOUND(n), "bound %zu", n);
			memset(d, 0, n);
			r = LZ4_decompress_safe((char *)c, (char *)d, (int)clen,
			    (int)n);
			CHECK(r == (int)n && memcmp(d, samples[si].s_data,
			    n) == 0, "%s/%zu: liblz4 rejects ours (%d)",
			    samples[si].s_name, n, r);
			r = hammer2_lz4_decompress(c, clen, d, n, &dlen);
			CHECK(r == 0 && dlen == n &&
			    memcmp(d, samples[si].s_data, n) == 0 &&
			    guard_intact(d, MAX_SAMPLE),
			    "%s/%zu: own roundtrip", samples[si].s_name, n);
		}
	}
	snprintf(name, sizeof(name), "lz4_ours_decoded_by_liblz4_%d_cases",
	    cases);
	report(name, ok);
	ok = true;
	cases = 0;
	for (si = 0; si < (size_t)nsamples; si++) {
		for (k = 0; k < NSIZES; k++) {
			n = sizes[k];
			if (n > samples[si].s_len)
				continue;
			cases++;
			r = (k % 3 == 0) ?
			    LZ4_compress_HC((char *)samples[si].s_data,
				(char *)c, (int)n, LZ4_compressBound((int)n),
				LZ4HC_CLEVEL_MAX) :
			    LZ4_compress_fast((char *)samples[si].s_data,
				(char *)c, (int)n, LZ4_compressBound((int)n),
				(int)(k % 3));
			CHECK(r > 0, "liblz4 compress");
			clen = (size_t)r;
			memset(d, 0, MAX_SAMPLE);
			r = hammer2_lz4_decompress(c, clen, d, n, &dlen);
			CHECK(r == 0 && dlen == n &&
			    memcmp(d, samples[si].s_data, n) == 0,
			    "%s/%zu: ours rejects liblz4 (%d)",
			    samples[si].s_name, n, r);
			CHECK(guard_intact(d, MAX_SAMPLE), "guard");
			if (n > 0) {
				r = hammer2_lz4_decompress(c, clen, d, n - 1,
				    &dlen);
				CHECK(r == HAMMER2_CODEC_EIO,
				    "%s/%zu: overflow not EIO",
				    samples[si].s_name, n);
			}
		}
	}
	snprintf(name, sizeof(name), "lz4_liblz4_decoded_by_ours_%d_cases",
	    cases);
	report(name, ok);
	free(c);
	free(d);
}

/* zlib stream from the real zlib with a given level/strategy/window. */
static size_t
zlib_ref_compress(const uint8_t *src, size_t n, uint8_t *dst, size_t cap,
    int level, int strategy, int wbits)
{
	z_stream zs;
	size_t out;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, level, Z_DEFLATED, wbits, 8, strategy) != Z_OK)
		return (0);
	zs.next_in = (Bytef *)(uintptr_t)src;
	zs.avail_in = (uInt)n;
	zs.next_out = dst;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		return (0);
	}
	out = zs.total_out;
	deflateEnd(&zs);
	return (out);
}

static void
test_zlib_cross(void)
{
	static const int our_levels[] = { 0, 1, 4, 6, 9 };
	static const struct {
		int level, strategy, wbits;
	} ref[] = {
		{ 6, Z_DEFAULT_STRATEGY, 15 }, { 1, Z_DEFAULT_STRATEGY, 15 },
		{ 9, Z_DEFAULT_STRATEGY, 15 }, { 0, Z_DEFAULT_STRATEGY, 15 },
		{ 6, Z_FIXED, 15 }, { 6, Z_HUFFMAN_ONLY, 15 },
		{ 6, Z_RLE, 15 }, { 6, Z_FILTERED, 9 },
	};
	size_t cap = HAMMER2_ZLIB_BOUND(MAX_SAMPLE) + 1024;
	uint8_t *c = malloc(cap);
	uint8_t *d = guarded(MAX_SAMPLE);
	size_t si, k, n, clen, dlen, li;
	uLongf zlen;
	int r, cases = 0;
	bool ok = true;
	char name[160];

	for (si = 0; si < (size_t)nsamples; si++) {
		for (k = 0; k < NSIZES; k++) {
			n = sizes[k];
			if (n > samples[si].s_len)
				continue;
			li = (si + k) % (sizeof(our_levels) / sizeof(int));
			cases++;
			r = hammer2_zlib_deflate(samples[si].s_data, n, c,
			    HAMMER2_ZLIB_BOUND(n), our_levels[li], work, &clen);
			CHECK(r == 0, "%s/%zu/l%d: deflate %d",
			    samples[si].s_name, n, our_levels[li], r);
			if (r != 0)
				continue;
			zlen = MAX_SAMPLE;
			r = uncompress(d, &zlen, c, clen);
			CHECK(r == Z_OK && zlen == n &&
			    memcmp(d, samples[si].s_data, n) == 0,
			    "%s/%zu/l%d: zlib rejects ours (%d)",
			    samples[si].s_name, n, our_levels[li], r);
			r = hammer2_zlib_inflate(c, clen, d, n, &dlen);
			CHECK(r == 0 && dlen == n &&
			    memcmp(d, samples[si].s_data, n) == 0,
			    "%s/%zu: own roundtrip", samples[si].s_name, n);
			CHECK(guard_intact(d, MAX_SAMPLE), "guard");
		}
	}
	snprintf(name, sizeof(name), "zlib_ours_decoded_by_zlib_%d_cases",
	    cases);
	report(name, ok);
	ok = true;
	cases = 0;
	for (si = 0; si < (size_t)nsamples; si++) {
		for (k = 0; k < NSIZES; k++) {
			n = sizes[k];
			if (n > samples[si].s_len)
				continue;
			li = (si * 3 + k) % (sizeof(ref) / sizeof(ref[0]));
			cases++;
			clen = zlib_ref_compress(samples[si].s_data, n, c, cap,
			    ref[li].level, ref[li].strategy, ref[li].wbits);
			CHECK(clen != 0, "zlib compress");
			memset(d, 0, MAX_SAMPLE);
			r = hammer2_zlib_inflate(c, clen, d, n, &dlen);
			CHECK(r == 0 && dlen == n &&
			    memcmp(d, samples[si].s_data, n) == 0,
			    "%s/%zu/ref%zu: ours rejects zlib (%d)",
			    samples[si].s_name, n, li, r);
			CHECK(guard_intact(d, MAX_SAMPLE), "guard");
			if (n > 0) {
				memset(d + n - 1, GUARD_VALUE, GUARD_BYTES);
				r = hammer2_zlib_inflate(c, clen, d, n - 1,
				    &dlen);
				CHECK(r == HAMMER2_CODEC_EIO,
				    "%s/%zu: overflow not EIO",
				    samples[si].s_name, n);
				CHECK(guard_intact(d, n - 1), "guard n-1");
				memset(d + n - 1, 0, GUARD_BYTES);
				memset(d + MAX_SAMPLE, GUARD_VALUE,
				    GUARD_BYTES);
			}
		}
	}
	snprintf(name, sizeof(name), "zlib_zlib_decoded_by_ours_%d_cases",
	    cases);
	report(name, ok);
	free(c);
	free(d);
}

/* The compressors must really compress text and stay within bounds. */
static void
test_ratios(void)
{
	const struct sample *text = &samples[2];
	size_t cap = HAMMER2_ZLIB_BOUND(MAX_SAMPLE);
	uint8_t *c = malloc(cap);
	size_t clen, zref;
	uLongf zl = cap;
	bool ok = true;
	int r;

	r = hammer2_zlib_deflate(text->s_data, text->s_len, c, cap, 6, work,
	    &clen);
	compress2(c, &zl, text->s_data, text->s_len, 6);
	zref = zl;
	printf("# text 1 MiB: our deflate -6 %zu bytes, zlib -6 %zu\n", clen,
	    zref);
	CHECK(r == 0 && clen < text->s_len / 3, "deflate ratio %zu", clen);
	CHECK(clen < zref * 13 / 10, "deflate %zu vs zlib %zu", clen, zref);
	r = hammer2_lz4_compress(text->s_data, text->s_len, c, cap, work,
	    &clen);
	zref = (size_t)LZ4_compress_default((char *)text->s_data, (char *)c,
	    (int)text->s_len, (int)cap);
	printf("# text 1 MiB: our lz4 %zu bytes, liblz4 %zu\n", clen, zref);
	CHECK(r == 0 && clen < text->s_len / 2, "lz4 ratio %zu", clen);
	CHECK(clen < zref * 12 / 10, "lz4 %zu vs liblz4 %zu", clen, zref);
	r = hammer2_zlib_deflate(samples[0].s_data, MAX_SAMPLE, c,
	    HAMMER2_ZLIB_BOUND(MAX_SAMPLE), 9, work, &clen);
	CHECK(r == 0 && clen <= HAMMER2_ZLIB_BOUND(MAX_SAMPLE),
	    "random deflate bound");
	report("compressors_shrink_text_and_respect_bounds", ok);
	free(c);
}

/* Too-small output buffers: ENOSPC and not one byte past the cap. */
static void
test_enospc(void)
{
	const struct sample *text = &samples[2];
	size_t n = 65536, cap, clen, full_lz4, full_zlib;
	uint8_t *c = guarded(HAMMER2_ZLIB_BOUND(n));
	bool ok = true;
	int r;

	r = hammer2_lz4_compress(text->s_data, n, c, HAMMER2_LZ4_BOUND(n),
	    work, &full_lz4);
	CHECK(r == 0, "lz4 full");
	r = hammer2_zlib_deflate(text->s_data, n, c, HAMMER2_ZLIB_BOUND(n), 6,
	    work, &full_zlib);
	CHECK(r == 0, "zlib full");
	for (cap = 0; cap < full_lz4; cap += 1 + cap / 7) {
		memset(c + cap, GUARD_VALUE, GUARD_BYTES);
		r = hammer2_lz4_compress(text->s_data, n, c, cap, work, &clen);
		CHECK(r == HAMMER2_CODEC_ENOSPC && guard_intact(c, cap),
		    "lz4 cap %zu: %d", cap, r);
	}
	r = hammer2_lz4_compress(text->s_data, n, c, full_lz4, work, &clen);
	CHECK(r == 0 && clen == full_lz4, "lz4 exact cap");
	for (cap = 0; cap < full_zlib; cap += 1 + cap / 7) {
		memset(c + cap, GUARD_VALUE, GUARD_BYTES);
		r = hammer2_zlib_deflate(text->s_data, n, c, cap, 6, work,
		    &clen);
		CHECK(r == HAMMER2_CODEC_ENOSPC && guard_intact(c, cap),
		    "zlib cap %zu: %d", cap, r);
	}
	r = hammer2_zlib_deflate(text->s_data, n, c, full_zlib, 6, work,
	    &clen);
	CHECK(r == 0 && clen == full_zlib, "zlib exact cap");
	CHECK(hammer2_lz4_compress(text->s_data, n, c, full_lz4, NULL,
	    &clen) == HAMMER2_CODEC_EINVAL, "lz4 NULL work");
	CHECK(hammer2_zlib_deflate(text->s_data, n, c, full_zlib, 10, work,
	    &clen) == HAMMER2_CODEC_EINVAL, "zlib level 10");
	CHECK(hammer2_zlib_deflate(text->s_data, n, c, full_zlib, -1, work,
	    &clen) == HAMMER2_CODEC_EINVAL, "zlib level -1");
	report("compressors_enospc_never_overrun", ok);
	free(c);
}

/* A heap copy of exactly n bytes, so ASan catches any over-read. */
static uint8_t *
exact_copy(const uint8_t *p, size_t n)
{
	uint8_t *e = malloc(n > 0 ? n : 1);

	memcpy(e, p, n);
	return (e);
}

/* True if the LZ4 block has a match with offset 0 (invalid by the spec). */
static bool
lz4_has_zero_offset(const uint8_t *p, size_t len)
{
	size_t ip = 0, lit, ml;
	unsigned int t, b;

	while (ip < len) {
		t = p[ip++];
		lit = t >> 4;
		if (lit == 15) {
			do {
				if (ip >= len)
					return (false);
				b = p[ip++];
				lit += b;
			} while (b == 255);
		}
		ip += lit;
		if (ip + 2 > len)
			return (false);
		if (p[ip] == 0 && p[ip + 1] == 0)
			return (true);
		ip += 2;
		ml = t & 15;
		if (ml == 15) {
			do {
				if (ip >= len)
					return (false);
				b = p[ip++];
			} while (b == 255);
		}
	}
	return (false);
}

/*
 * Truncations and bit flips of streams from both libraries: zlib streams
 * must fail with EIO (or, for a flip in bits the format ignores, decode to
 * the original); LZ4 blocks must never overrun and must agree with liblz4
 * whenever liblz4 accepts.
 */
static void
test_corruption(void)
{
	static const size_t csizes[] = { 1, 20, 300, 4000, 65536 };
	uint8_t *c = malloc(HAMMER2_LZ4_BOUND(65536) + 1024);
	uint8_t *m = malloc(HAMMER2_LZ4_BOUND(65536) + 1024);
	uint8_t *d = guarded(65536), *d2 = malloc(65536), *e;
	size_t si, k, n, clen, dlen, cut, bit;
	int r, rl, zflips = 0, zrejected = 0, lz4agree = 0, lz4cases = 0;
	int lz4strict = 0, lz4cut_eio = 0;
	bool okz = true, okl = true, ok = true;

	for (si = 0; si < 5; si++) {
		for (k = 0; k < sizeof(csizes) / sizeof(csizes[0]); k++) {
			n = csizes[k];
			(void)hammer2_zlib_deflate(samples[si].s_data, n, c,
			    HAMMER2_ZLIB_BOUND(n), 6, work, &clen);
			for (cut = 0; cut < clen; cut += 1 + cut / 64) {
				e = exact_copy(c, cut);
				r = hammer2_zlib_inflate(e, cut, d, n, &dlen);
				free(e);
				if (r != HAMMER2_CODEC_EIO) {
					ok = okz = false;
					snprintf(errmsg, sizeof(errmsg),
					    "zlib cut %zu/%zu accepted", cut,
					    clen);
				}
			}
			for (bit = 0; bit < clen * 8;
			    bit += 1 + rng() % (clen / 8 + 1)) {
				memcpy(m, c, clen);
				m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				e = exact_copy(m, clen);
				r = hammer2_zlib_inflate(e, clen, d, n, &dlen);
				free(e);
				zflips++;
				if (r == HAMMER2_CODEC_EIO)
					zrejected++;
				else if (r != 0 || dlen != n ||
				    memcmp(d, samples[si].s_data, n) != 0) {
					ok = okz = false;
					snprintf(errmsg, sizeof(errmsg),
					    "zlib flip %zu: wrong data", bit);
				}
				if (!guard_intact(d, 65536))
					ok = okz = false;
			}
			(void)hammer2_lz4_compress(samples[si].s_data, n, c,
			    HAMMER2_LZ4_BOUND(n), work, &clen);
			for (cut = 0; cut <= clen;
			    cut += clen < 5000 ? 1 : 1 + rng() % 64) {
				lz4cases++;
				memcpy(m, c, clen);
				if (cut < clen)
					m[cut] ^= (uint8_t)(1 + rng() % 255);
				e = exact_copy(m, cut < clen ? clen : cut / 2);
				r = hammer2_lz4_decompress(e, cut < clen ?
				    clen : cut / 2, d, n, &dlen);
				free(e);
				rl = LZ4_decompress_safe((char *)m, (char *)d2,
				    (int)(cut < clen ? clen : cut / 2),
				    (int)n);
				if (!guard_intact(d, 65536))
					ok = okl = false;
				if (r == 0 && dlen > n)
					ok = okl = false;
				/* A truncated block may decode, but shorter. */
				if (cut == clen && r == 0 && cut / 2 < clen &&
				    dlen >= n && n > 0) {
					ok = okl = false;
					snprintf(errmsg, sizeof(errmsg),
					    "lz4 cut to %zu of %zu gave all %zu",
					    cut / 2, clen, n);
				}
				if (cut == clen)
					lz4cut_eio += r != 0;
				if (rl >= 0 && r != 0 &&
				    lz4_has_zero_offset(m, cut < clen ? clen :
				    cut / 2)) {
					lz4strict++;	/* spec: invalid */
				} else if (rl >= 0 && (r != 0 ||
				    (size_t)rl != dlen ||
				    memcmp(d, d2, dlen) != 0)) {
					ok = okl = false;
					snprintf(errmsg, sizeof(errmsg),
					    "lz4 byte %zu: liblz4 %d ours %d",
					    cut, rl, r);
				} else {
					lz4agree++;
				}
			}
		}
	}
	printf("# zlib bit flips: %d of %d rejected with EIO, rest decoded "
	    "to the original\n", zrejected, zflips);
	printf("# lz4 blocks cut in half: %d of 25 rejected, the rest decode "
	    "shorter (no checksum in raw LZ4)\n", lz4cut_eio);
	printf("# lz4 corruptions agreeing with liblz4: %d of %d; %d more "
	    "accepted by liblz4 only because it allows offset 0\n", lz4agree,
	    lz4cases, lz4strict);
	CHECK(zrejected * 10 > zflips * 9, "too few flips rejected");
	report("inflate_rejects_truncated_and_flipped", okz && ok);
	ok = okl;
	report("lz4_corrupt_input_safe_and_agrees_with_liblz4", ok);
	free(c);
	free(m);
	free(d);
	free(d2);
}

/* A little LSB-first bit writer for hand-made deflate streams. */
struct bw {
	uint8_t		buf[512];
	size_t		len;
	unsigned int	bits;
};

static void
bw_put(struct bw *b, uint32_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (b->bits == 0)
			b->buf[b->len++] = 0;
		b->buf[b->len - 1] |= (uint8_t)(((v >> i) & 1) << b->bits);
		b->bits = (b->bits + 1) & 7;
	}
}

/* Huffman codes go MSB first. */
static void
bw_code(struct bw *b, uint32_t code, unsigned int n)
{
	while (n-- > 0)
		bw_put(b, (code >> n) & 1, 1);
}

static void
bw_zlib_header(struct bw *b)
{
	bw_put(b, 0x78, 8);
	bw_put(b, 0x9c, 8);
}

static void
bw_adler(struct bw *b, const uint8_t *data, size_t n)
{
	uint32_t a = (uint32_t)adler32(1, data, (uInt)n);

	b->bits = 0;
	b->buf[b->len++] = (uint8_t)(a >> 24);
	b->buf[b->len++] = (uint8_t)(a >> 16);
	b->buf[b->len++] = (uint8_t)(a >> 8);
	b->buf[b->len++] = (uint8_t)a;
}

/* Fixed-Huffman literal (0..143: 8 bits from 0x30). */
static void
bw_fixed_lit(struct bw *b, unsigned int c)
{
	bw_code(b, 0x30 + c, 8);
}

static int
inflate_bw(const struct bw *b, uint8_t *out, size_t cap, size_t *outlenp)
{
	return (hammer2_zlib_inflate(b->buf, b->len, out, cap, outlenp));
}

/* A dynamic header with the given code-length-code lengths, then stop. */
static void
bw_dynamic_header(struct bw *b, unsigned int hlit, unsigned int hdist,
    unsigned int hclen, const uint8_t *cl_lens)
{
	unsigned int i;

	bw_put(b, 1, 1);
	bw_put(b, 2, 2);
	bw_put(b, hlit, 5);
	bw_put(b, hdist, 5);
	bw_put(b, hclen, 4);
	for (i = 0; i < hclen + 4; i++)
		bw_put(b, cl_lens[i], 3);
}

static void
test_inflate_malformed(void)
{
	static const uint8_t good_hdr[2] = { 0x78, 0x9c };
	uint8_t out[1024], cl[19];
	struct bw b;
	size_t olen;
	bool ok = true;
	int r;

	/* Valid baseline: fixed block "ab", then the adler. */
	memset(&b, 0, sizeof(b));
	bw_zlib_header(&b);
	bw_put(&b, 1, 1);
	bw_put(&b, 1, 2);
	bw_fixed_lit(&b, 'a');
	bw_fixed_lit(&b, 'b');
	bw_code(&b, 0, 7);		/* end of block */
	bw_adler(&b, (const uint8_t *)"ab", 2);
	r = inflate_bw(&b, out, sizeof(out), &olen);
	CHECK(r == 0 && olen == 2 && memcmp(out, "ab", 2) == 0,
	    "baseline %d", r);
	b.buf[b.len - 1] ^= 1;
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "adler mismatch accepted");
	CHECK(inflate_bw(&b, out, 1, &olen) == HAMMER2_CODEC_EIO,
	    "output overflow accepted");
	/* Header errors. */
	memcpy(out, good_hdr, 2);
	out[0] = 0x79;		/* CM 9 */
	CHECK(hammer2_zlib_inflate(out, 16, out + 32, 64, &olen) ==
	    HAMMER2_CODEC_EIO, "CM 9");
	out[0] = 0x78;
	out[1] = 0x9d;		/* FCHECK wrong */
	CHECK(hammer2_zlib_inflate(out, 16, out + 32, 64, &olen) ==
	    HAMMER2_CODEC_EIO, "FCHECK");
	out[0] = 0x78;
	out[1] = 0xbb;		/* FDICT set, FCHECK right */
	CHECK((0x78 * 256 + 0xbb) % 31 == 0, "test setup");
	CHECK(hammer2_zlib_inflate(out, 16, out + 32, 64, &olen) ==
	    HAMMER2_CODEC_EIO, "FDICT");
	out[0] = 0x88;		/* CINFO 8 */
	out[1] = 0x1c - (0x88 * 256 + 0x1c) % 31;
	CHECK(hammer2_zlib_inflate(out, 16, out + 32, 64, &olen) ==
	    HAMMER2_CODEC_EIO, "CINFO 8");
	CHECK(hammer2_zlib_inflate(good_hdr, 2, out, 64, &olen) ==
	    HAMMER2_CODEC_EIO, "header only");
	/* Block type 3. */
	memset(&b, 0, sizeof(b));
	bw_zlib_header(&b);
	bw_put(&b, 1, 1);
	bw_put(&b, 3, 2);
	bw_put(&b, 0, 32);
	bw_put(&b, 0, 32);
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "btype 3");
	/* Stored LEN/NLEN mismatch, and LEN past the input. */
	memset(&b, 0, sizeof(b));
	bw_zlib_header(&b);
	bw_put(&b, 1, 3);
	bw_put(&b, 0, 5);
	bw_put(&b, 4, 16);
	bw_put(&b, 0xfffa, 16);
	bw_put(&b, 0x64636261, 32);
	bw_adler(&b, (const uint8_t *)"abcd", 4);
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "stored nlen");
	b.buf[5] = 0xfb;
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == 0 && olen == 4,
	    "stored good");
	b.buf[3] = 0x40;
	b.buf[5] = 0xbf;
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "stored len past input");
	/* Distance too far back: literal 'a' then length 3 distance 2. */
	memset(&b, 0, sizeof(b));
	bw_zlib_header(&b);
	bw_put(&b, 1, 1);
	bw_put(&b, 1, 2);
	bw_fixed_lit(&b, 'a');
	bw_code(&b, 1, 7);		/* symbol 257: length 3 */
	bw_code(&b, 1, 5);		/* distance code 1: distance 2 */
	bw_code(&b, 0, 7);
	bw_adler(&b, (const uint8_t *)"a", 1);
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "distance too far");
	/* Reserved length symbol 286 and distance symbol 30 in fixed code. */
	memset(&b, 0, sizeof(b));
	bw_zlib_header(&b);
	bw_put(&b, 1, 1);
	bw_put(&b, 1, 2);
	bw_fixed_lit(&b, 'a');
	bw_code(&b, 0xc6, 8);		/* symbol 286 */
	bw_adler(&b, (const uint8_t *)"a", 1);
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "lit 286");
	memset(&b, 0, sizeof(b));
	bw_zlib_header(&b);
	bw_put(&b, 1, 1);
	bw_put(&b, 1, 2);
	bw_fixed_lit(&b, 'a');
	bw_code(&b, 1, 7);
	bw_code(&b, 30, 5);		/* distance symbol 30 */
	bw_adler(&b, (const uint8_t *)"a", 1);
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "dist 30");
	/* Dynamic: HLIT 30 (287 codes) and HDIST 30 (31 codes). */
	memset(cl, 0, sizeof(cl));
	memset(&b, 0, sizeof(b));
	bw_zlib_header(&b);
	bw_dynamic_header(&b, 30, 0, 15, cl);
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "hlit 287");
	memset(&b, 0, sizeof(b));
	bw_zlib_header(&b);
	bw_dynamic_header(&b, 0, 30, 15, cl);
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "hdist 31");
	/* Over-subscribed code-length code: three 1-bit codes. */
	memset(cl, 0, sizeof(cl));
	cl[0] = cl[1] = cl[2] = 1;
	memset(&b, 0, sizeof(b));
	bw_zlib_header(&b);
	bw_dynamic_header(&b, 0, 0, 15, cl);
	bw_put(&b, 0, 32);
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "oversubscribed cl");
	/* Incomplete code-length code: a single 2-bit code. */
	memset(cl, 0, sizeof(cl));
	cl[3] = 2;
	memset(&b, 0, sizeof(b));
	bw_zlib_header(&b);
	bw_dynamic_header(&b, 0, 0, 15, cl);
	bw_put(&b, 0, 32);
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "incomplete cl");
	/*
	 * Code-length code with symbols 16 and 18 only (order index 0 and
	 * 2, 1 bit each): a repeat (16) first has nothing to repeat.
	 */
	memset(cl, 0, sizeof(cl));
	cl[0] = 1;
	cl[2] = 1;
	memset(&b, 0, sizeof(b));
	bw_zlib_header(&b);
	bw_dynamic_header(&b, 0, 0, 0, cl);
	bw_code(&b, 0, 1);		/* symbol 16 */
	bw_put(&b, 0, 2);
	bw_put(&b, 0, 32);
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "repeat first");
	/* 18 with 138 zeros twice overflows 257 + 1 lengths. */
	memset(&b, 0, sizeof(b));
	bw_zlib_header(&b);
	bw_dynamic_header(&b, 0, 0, 0, cl);
	bw_code(&b, 1, 1);
	bw_put(&b, 127, 7);
	bw_code(&b, 1, 1);
	bw_put(&b, 127, 7);
	bw_put(&b, 0, 32);
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "repeat overflow");
	/* All 258 lengths zero: no end-of-block code. */
	memset(&b, 0, sizeof(b));
	bw_zlib_header(&b);
	bw_dynamic_header(&b, 0, 0, 0, cl);
	bw_code(&b, 1, 1);
	bw_put(&b, 127, 7);
	bw_code(&b, 1, 1);
	bw_put(&b, 258 - 138 - 11, 7);
	bw_put(&b, 0, 32);
	CHECK(inflate_bw(&b, out, sizeof(out), &olen) == HAMMER2_CODEC_EIO,
	    "no end of block");
	report("inflate_rejects_malformed_streams", ok);
}

static void
test_lz4_malformed(void)
{
	static const struct {
		const char *what;
		uint8_t in[24];
		size_t len;
		size_t cap;
		int want;
		size_t outlen;
	} v[] = {
		{ "empty input", { 0 }, 0, 16, HAMMER2_CODEC_EIO, 0 },
		{ "empty block", { 0x00 }, 1, 16, 0, 0 },
		{ "literals only", { 0x30, 'a', 'b', 'c' }, 4, 16, 0, 3 },
		{ "literals past input", { 0x40, 'a', 'b', 'c' }, 4, 16,
		    HAMMER2_CODEC_EIO, 0 },
		{ "literals past output", { 0x30, 'a', 'b', 'c' }, 4, 2,
		    HAMMER2_CODEC_EIO, 0 },
		{ "offset zero", { 0x10, 'a', 0x00, 0x00, 0x00 }, 5, 16,
		    HAMMER2_CODEC_EIO, 0 },
		{ "offset before start", { 0x10, 'a', 0x02, 0x00, 0x00 }, 5,
		    16, HAMMER2_CODEC_EIO, 0 },
		{ "offset truncated", { 0x10, 'a', 0x01 }, 3, 16,
		    HAMMER2_CODEC_EIO, 0 },
		{ "match then end", { 0x10, 'a', 0x01, 0x00 }, 4, 16,
		    HAMMER2_CODEC_EIO, 0 },
		{ "overlap run", { 0x10, 'a', 0x01, 0x00, 0x00 }, 5, 16, 0,
		    5 },
		{ "match past output", { 0x1f, 'a', 0x01, 0x00, 0x10, 0x00 },
		    6, 16, HAMMER2_CODEC_EIO, 0 },
		{ "literal length truncated", { 0xf0, 0xff, 0xff }, 3, 1024,
		    HAMMER2_CODEC_EIO, 0 },
		{ "match length truncated", { 0x1f, 'a', 0x01, 0x00, 0xff },
		    5, 1024, HAMMER2_CODEC_EIO, 0 },
		{ "long literal length", { 0xf0, 0x01, 'a', 'b', 'c', 'd',
		    'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
		    'p' }, 18, 64, 0, 16 },
	};
	uint8_t *out;
	size_t i, olen;
	bool ok = true;
	int r;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		out = guarded(v[i].cap);
		r = hammer2_lz4_decompress(v[i].in, v[i].len, out, v[i].cap,
		    &olen);
		CHECK(r == v[i].want && (r != 0 || olen == v[i].outlen) &&
		    guard_intact(out, v[i].cap), "%s: got %d len %zu",
		    v[i].what, r, olen);
		free(out);
	}
	report("lz4_rejects_malformed_blocks", ok);
}

static void
test_block_framing(void)
{
	static const size_t bsizes[] = { 1024, 2048, 4096, 16384, 65536 };
	const struct sample *text = &samples[2];
	uint8_t *c = guarded(65536), *d = guarded(65536);
	uint8_t *zero = calloc(1, 65536);
	const uint8_t *data;
	size_t k, n, phys, i;
	int comp, r;
	bool ok = true;

	for (k = 0; k < sizeof(bsizes) / sizeof(bsizes[0]); k++) {
		n = bsizes[k];
		for (comp = HAMMER2_COMP_LZ4; comp <= HAMMER2_COMP_ZLIB;
		    comp++) {
			data = n >= 16384 ? text->s_data : samples[3].s_data;
			memset(c, 0xEE, n);
			r = hammer2_block_compress(comp, data, n, c,
			    HAMMER2_BLOCK_COMP_BOUND(n), work, &phys);
			CHECK(r == 0, "comp %d size %zu: %d", comp, n, r);
			if (r != 0)
				continue;
			CHECK((phys & (phys - 1)) == 0 && phys >= 1024 &&
			    phys <= HAMMER2_BLOCK_COMP_BOUND(n),
			    "phys %zu", phys);
			r = hammer2_block_decompress(comp, c, phys, d, 65536);
			CHECK(r == 0 && memcmp(d, data, n) == 0 &&
			    memcmp(d + n, zero, 65536 - n) == 0,
			    "decode comp %d size %zu", comp, n);
			if (comp == HAMMER2_COMP_LZ4) {
				i = (size_t)c[0] | (size_t)c[1] << 8;
				CHECK(i + 4 <= n / 2 - 4, "lz4 limit");
				CHECK(memcmp(c + 4 + i, zero,
				    phys - 4 - i) == 0, "lz4 padding");
				/* Same block decoded by liblz4. */
				r = LZ4_decompress_safe((char *)c + 4,
				    (char *)d, (int)i, 65536);
				CHECK(r == (int)n, "liblz4 on framed block");
			}
			r = hammer2_block_compress(comp, samples[0].s_data,
			    n, c, HAMMER2_BLOCK_COMP_BOUND(n), work, &phys);
			CHECK(r == HAMMER2_CODEC_ENOSPC,
			    "random must be stored raw");
			CHECK(guard_intact(c, 65536), "guard");
			r = hammer2_block_compress(comp | 0x90, zero, n, c,
			    HAMMER2_BLOCK_COMP_BOUND(n), work, &phys);
			CHECK(r == 0 && phys == 1024, "zeros: %d %zu", r,
			    phys);
		}
	}
	/* zlib level nibble: 0..5 mean 6 (DragonFly), 9 stays 9. */
	{
		uint8_t *l1 = malloc(32768), *l6 = malloc(32768);
		size_t p1, p6, p9;

		CHECK(hammer2_block_compress(HAMMER2_COMP_ZLIB | 0x10,
		    text->s_data, 65536, l1, 32768, work, &p1) == 0 &&
		    hammer2_block_compress(HAMMER2_COMP_ZLIB | 0x60,
		    text->s_data, 65536, l6, 32768, work, &p6) == 0 &&
		    p1 == p6 && memcmp(l1, l6, p6) == 0, "level 1 is 6");
		CHECK(hammer2_block_compress(HAMMER2_COMP_ZLIB,
		    text->s_data, 65536, l1, 32768, work, &p1) == 0 &&
		    p1 == p6 && memcmp(l1, l6, p6) == 0, "level 0 is 6");
		CHECK(hammer2_block_compress(HAMMER2_COMP_ZLIB | 0x90,
		    text->s_data, 65536, l1, 32768, work, &p9) == 0 &&
		    hammer2_zlib_inflate(l1, p9, d, 65536, &i) == 0 &&
		    i == 65536 && (l1[1] >> 6) == 3, "level 9 header");
		free(l1);
		free(l6);
	}
	CHECK(hammer2_block_compress(HAMMER2_COMP_LZ4, text->s_data, 3000, c,
	    65536, work, &phys) == HAMMER2_CODEC_EINVAL, "non pow2");
	CHECK(hammer2_block_compress(HAMMER2_COMP_LZ4, text->s_data, 4096, c,
	    2047, work, &phys) == HAMMER2_CODEC_EINVAL, "small dstcap");
	CHECK(hammer2_block_compress(HAMMER2_COMP_NONE, text->s_data, 4096, c,
	    4096, work, &phys) == HAMMER2_CODEC_EINVAL, "comp none");
	/* Decode side: framing errors zero the output. */
	memset(c, 0, 1024);
	c[0] = 0xff;
	c[1] = 0xff;
	c[2] = 0xff;
	c[3] = 0xff;		/* clen -1 */
	memset(d, 0x77, 65536);
	CHECK(hammer2_block_decompress(HAMMER2_COMP_LZ4, c, 1024, d, 65536) ==
	    HAMMER2_CODEC_EIO && memcmp(d, zero, 65536) == 0, "clen -1");
	c[0] = 0xfd;
	c[1] = 0x03;
	c[2] = 0;
	c[3] = 0;		/* clen 1021 > 1020 */
	CHECK(hammer2_block_decompress(HAMMER2_COMP_LZ4, c, 1024, d, 65536) ==
	    HAMMER2_CODEC_EIO, "clen past block");
	CHECK(hammer2_block_decompress(HAMMER2_COMP_LZ4, c, 3, d, 65536) ==
	    HAMMER2_CODEC_EIO, "no prefix");
	CHECK(hammer2_block_decompress(7, c, 1024, d, 65536) ==
	    HAMMER2_CODEC_EIO, "unknown algo");
	CHECK(hammer2_block_decompress(HAMMER2_COMP_ZLIB, zero, 1024, d,
	    65536) == HAMMER2_CODEC_EIO, "zlib zeros");
	memset(d, 0x77, 65536);
	CHECK(hammer2_block_decompress(HAMMER2_COMP_NONE, text->s_data, 1000,
	    d, 4096) == 0 && memcmp(d, text->s_data, 1000) == 0 &&
	    memcmp(d + 1000, zero, 3096) == 0 && d[4096] == 0x77,
	    "raw copy + zero fill");
	CHECK(hammer2_block_decompress(HAMMER2_COMP_AUTOZERO | 0x30,
	    text->s_data, 8192, d, 4096) == 0 &&
	    memcmp(d, text->s_data, 4096) == 0, "autozero clamps");
	CHECK(hammer2_block_is_zero(zero, 65536) &&
	    hammer2_block_is_zero(zero, 0) && hammer2_block_is_zero(zero, 13),
	    "is_zero zeros");
	memcpy(c, zero, 4096);
	for (i = 0; i < 4096; i += 511) {
		c[i] = 1;
		CHECK(!hammer2_block_is_zero(c, 4096), "is_zero %zu", i);
		c[i] = 0;
	}
	c[4095] = 1;
	CHECK(!hammer2_block_is_zero(c, 4096) && hammer2_block_is_zero(c,
	    4095), "is_zero last byte");
	report("block_framing_policy_and_errors", ok);
	free(c);
	free(d);
	free(zero);
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	work = malloc(HAMMER2_CODEC_WORKBYTES);
	make_samples(argc, argv);
	test_lz4_cross();
	test_zlib_cross();
	test_ratios();
	test_enospc();
	test_corruption();
	test_inflate_malformed();
	test_lz4_malformed();
	test_block_framing();
	free(work);
	return (failures != 0);
}
