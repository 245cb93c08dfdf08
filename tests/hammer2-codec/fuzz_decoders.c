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
 * fuzz_decoders.c - libFuzzer target for the HAMMER2 codecs.
 *
 * Input byte 0 picks the mode (low 2 bits) and the output capacity (the
 * other 6 bits, in KiB, 0..63, plus byte 1 in bytes), the rest is data:
 *   0  hammer2_lz4_decompress; if liblz4 accepts the same block (and it
 *      has no offset-0 match, which the format forbids) ours must accept
 *      it with the same output (with H2C_FUZZ_STRICT set in the
 *      environment, also the other way round, except into 0 bytes);
 *   1  hammer2_zlib_inflate; if zlib decodes the stream to its end, ours
 *      must give the same bytes (H2C_FUZZ_STRICT: and the other way);
 *   2  hammer2_block_decompress with comp = byte 1;
 *   3  compress the data with both our compressors and check that ours
 *      and the reference libraries decode it back exactly.
 * Built with -fsanitize=fuzzer,address,undefined (mk/hammer2-codec.mk);
 * any out-of-bounds access or a disagreement aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <zlib.h>

#include "hammer2_codec.h"

#define FUZZ_MAX_OUT	(64 * 1024 + 256)
#define FUZZ_MAX_ROUNDTRIP 512	/* compressing is slow under coverage */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[FUZZ_MAX_OUT], ref[FUZZ_MAX_OUT];
static uint8_t comp[HAMMER2_ZLIB_BOUND(FUZZ_MAX_OUT) + 1024];
static uint8_t work[HAMMER2_CODEC_WORKBYTES];

/* H2C_FUZZ_STRICT=1 (both), =lz4 or =zlib: also fail when only we accept. */
static int
strict(const char *which)
{
	const char *e = getenv("H2C_FUZZ_STRICT");

	return (e != NULL && (strcmp(e, "1") == 0 || strcmp(e, which) == 0));
}

static int
lz4_has_zero_offset(const uint8_t *p, size_t len)
{
	size_t ip = 0, lit;
	unsigned int t, b;

	while (ip < len) {
		t = p[ip++];
		lit = t >> 4;
		if (lit == 15) {
			do {
				if (ip >= len)
					return (0);
				b = p[ip++];
				lit += b;
			} while (b == 255);
		}
		ip += lit;
		if (ip + 2 > len)
			return (0);
		if (p[ip] == 0 && p[ip + 1] == 0)
			return (1);
		ip += 2;
		if ((t & 15) == 15) {
			do {
				if (ip >= len)
					return (0);
				b = p[ip++];
			} while (b == 255);
		}
	}
	return (0);
}

/* Output buffer of exactly cap bytes, so ASan sees any overrun. */
static void
fuzz_lz4(const uint8_t *d, size_t n, size_t cap)
{
	uint8_t *o = malloc(cap);
	size_t olen;
	int r, rl;

	r = hammer2_lz4_decompress(d, n, o, cap, &olen);
	if (r == 0 && olen > cap)
		abort();
	rl = LZ4_decompress_safe((const char *)d, (char *)ref, (int)n,
	    (int)cap);
	if (rl >= 0 && !lz4_has_zero_offset(d, n) &&
	    (r != 0 || (size_t)rl != olen || memcmp(o, ref, olen) != 0))
		abort();
	/* liblz4 accepts nothing but "00" into a 0-byte buffer; we do. */
	if (r == 0 && rl < 0 && cap > 0 && strict("lz4"))
		abort();
	free(o);
}

static void
fuzz_zlib(const uint8_t *d, size_t n, size_t cap)
{
	uint8_t *o = malloc(cap);
	z_stream zs;
	size_t olen;
	int r, zr;

	r = hammer2_zlib_inflate(d, n, o, cap, &olen);
	if (r == 0 && olen > cap)
		abort();
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		free(o);
		return;
	}
	zs.next_in = (Bytef *)(uintptr_t)d;
	zs.avail_in = (uInt)n;
	zs.next_out = ref;
	zs.avail_out = (uInt)cap;
	zr = inflate(&zs, Z_FINISH);
	if (zr == Z_STREAM_END && (r != 0 || olen != zs.total_out ||
	    memcmp(o, ref, olen) != 0))
		abort();
	if (r == 0 && zr != Z_STREAM_END && strict("zlib"))
		abort();
	inflateEnd(&zs);
	free(o);
}

static void
fuzz_roundtrip(const uint8_t *d, size_t n, int level)
{
	uLongf zlen;
	size_t clen, olen;

	if (n > FUZZ_MAX_ROUNDTRIP)
		n = FUZZ_MAX_ROUNDTRIP;
	if (hammer2_lz4_compress(d, n, comp, HAMMER2_LZ4_BOUND(n), work,
	    &clen) != 0)
		abort();
	if (hammer2_lz4_decompress(comp, clen, out, n, &olen) != 0 ||
	    olen != n || memcmp(out, d, n) != 0)
		abort();
	if (LZ4_decompress_safe((const char *)comp, (char *)ref, (int)clen,
	    (int)n) != (int)n || memcmp(ref, d, n) != 0)
		abort();
	if (hammer2_zlib_deflate(d, n, comp, HAMMER2_ZLIB_BOUND(n), level,
	    work, &clen) != 0)
		abort();
	if (hammer2_zlib_inflate(comp, clen, out, n, &olen) != 0 ||
	    olen != n || memcmp(out, d, n) != 0)
		abort();
	zlen = sizeof(ref);
	if (uncompress(ref, &zlen, comp, clen) != Z_OK || zlen != n ||
	    memcmp(ref, d, n) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *o;
	size_t cap;

	if (size < 2)
		return (0);
	cap = (size_t)(data[0] >> 2) * 1024 + data[1];
	switch (data[0] & 3) {
	case 0:
		fuzz_lz4(data + 2, size - 2, cap);
		break;
	case 1:
		fuzz_zlib(data + 2, size - 2, cap);
		break;
	case 2:
		o = malloc(cap);
		(void)hammer2_block_decompress(data[1], data + 2, size - 2,
		    o, cap);
		free(o);
		break;
	default:
		fuzz_roundtrip(data + 2, size - 2, data[1] % 10);
		break;
	}
	return (0);
}
