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
 * hammer2_check.c - HAMMER2 check-code functions (format §6).
 *
 * What: CRC-32C (ISCSI32 check, volume header CRCs, freemap checks and the
 * directory hash), XXH64 (the default XXHASH64 check, seeded with
 * HAMMER2_XXH64_SEED), SHA-256 and the sha192 value DragonFly derives from
 * it for the SHA192 check; also Adler-32, the zlib stream trailer.
 *
 * Model: pure functions over a byte buffer; no state between calls.
 * CRC-32C is slicing-by-8 over the tables in hammer2_crc32c_table.h
 * (eight bytes per step, little-endian loads), with a byte-at-a-time head
 * and tail.  XXH64 and SHA-256 follow their published specifications;
 * all multi-byte loads go through memcpy, so any alignment works and the
 * code is correct on any byte order for SHA-256 (big-endian words) and
 * little-endian hosts for the rest (x86_64 only, like DragonFly).
 *
 * Invariants: the functions read exactly len bytes of buf and nothing
 * else; stack use is a few hundred bytes.
 *
 * Locking: none; reentrant.
 *
 * More: docs/design/hammer2-codec.md; hammer2-format.md §6, Appendix A.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hammer2_codec.h"
#include "hammer2_crc32c_table.h"

#define CRC32C_XOR		0xFFFFFFFFu
#define CRC32C_SLICE_BYTES	8

#define XXH_P1			0x9E3779B185EBCA87ULL
#define XXH_P2			0xC2B2AE3D27D4EB4FULL
#define XXH_P3			0x165667B19E3779F9ULL
#define XXH_P4			0x85EBCA77C2B2AE63ULL
#define XXH_P5			0x27D4EB2F165667C5ULL
#define XXH_STRIPE_BYTES	32

#define SHA256_BLOCK_BYTES	64
#define SHA256_LENGTH_BYTES	8	/* bit count at the end of the pad */
#define SHA256_ROUNDS		64
#define SHA256_WORDS		8

#define ADLER_MOD		65521u
#define ADLER_NMAX		5552	/* bytes before the sums may overflow */
#define ADLER_UNROLL		16

static uint32_t
load_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return (v);
}

static uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return (v);
}

/*
 * hammer2_crc32c - CRC-32C of buf, continuing from crc (0 to start).
 *
 * Context: any.  Locking: none.
 */
uint32_t
hammer2_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc ^= CRC32C_XOR;
	while (len > 0 && ((uintptr_t)p & (CRC32C_SLICE_BYTES - 1)) != 0) {
		crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xFF];
		len--;
	}
	while (len >= CRC32C_SLICE_BYTES) {
		uint64_t w = load_le64(p) ^ crc;

		crc = crc32c_table[7][w & 0xFF] ^
		    crc32c_table[6][(w >> 8) & 0xFF] ^
		    crc32c_table[5][(w >> 16) & 0xFF] ^
		    crc32c_table[4][(w >> 24) & 0xFF] ^
		    crc32c_table[3][(w >> 32) & 0xFF] ^
		    crc32c_table[2][(w >> 40) & 0xFF] ^
		    crc32c_table[1][(w >> 48) & 0xFF] ^
		    crc32c_table[0][w >> 56];
		p += CRC32C_SLICE_BYTES;
		len -= CRC32C_SLICE_BYTES;
	}
	while (len > 0) {
		crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xFF];
		len--;
	}
	return (crc ^ CRC32C_XOR);
}

static uint64_t
rotl64(uint64_t x, int r)
{
	return ((x << r) | (x >> (64 - r)));
}

static uint64_t
xxh64_round(uint64_t acc, uint64_t input)
{
	acc += input * XXH_P2;
	acc = rotl64(acc, 31);
	return (acc * XXH_P1);
}

static uint64_t
xxh64_merge(uint64_t acc, uint64_t v)
{
	acc ^= xxh64_round(0, v);
	return (acc * XXH_P1 + XXH_P4);
}

/*
 * hammer2_xxh64 - XXH64 of buf with the given seed.
 *
 * Context: any.  Locking: none.
 */
uint64_t
hammer2_xxh64(const void *buf, size_t len, uint64_t seed)
{
	const uint8_t *p = buf;
	const uint8_t *end = p + len;
	uint64_t h;

	if (len >= XXH_STRIPE_BYTES) {
		uint64_t v1 = seed + XXH_P1 + XXH_P2;
		uint64_t v2 = seed + XXH_P2;
		uint64_t v3 = seed;
		uint64_t v4 = seed - XXH_P1;

		do {
			v1 = xxh64_round(v1, load_le64(p));
			v2 = xxh64_round(v2, load_le64(p + 8));
			v3 = xxh64_round(v3, load_le64(p + 16));
			v4 = xxh64_round(v4, load_le64(p + 24));
			p += XXH_STRIPE_BYTES;
		} while ((size_t)(end - p) >= XXH_STRIPE_BYTES);
		h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) +
		    rotl64(v4, 18);
		h = xxh64_merge(h, v1);
		h = xxh64_merge(h, v2);
		h = xxh64_merge(h, v3);
		h = xxh64_merge(h, v4);
	} else {
		h = seed + XXH_P5;
	}
	h += (uint64_t)len;
	while (end - p >= 8) {
		h ^= xxh64_round(0, load_le64(p));
		h = rotl64(h, 27) * XXH_P1 + XXH_P4;
		p += 8;
	}
	if (end - p >= 4) {
		h ^= (uint64_t)load_le32(p) * XXH_P1;
		h = rotl64(h, 23) * XXH_P2 + XXH_P3;
		p += 4;
	}
	while (p < end) {
		h ^= (uint64_t)*p++ * XXH_P5;
		h = rotl64(h, 11) * XXH_P1;
	}
	h ^= h >> 33;
	h *= XXH_P2;
	h ^= h >> 29;
	h *= XXH_P3;
	h ^= h >> 32;
	return (h);
}

/* First 32 bits of the fractional parts of the cube roots of 64 primes. */
/* clang-format off */
static const uint32_t sha256_k[SHA256_ROUNDS] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* First 32 bits of the fractional parts of the square roots of 8 primes. */
static const uint32_t sha256_init[SHA256_WORDS] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};
/* clang-format on */

static uint32_t
rotr32(uint32_t x, int r)
{
	return ((x >> r) | (x << (32 - r)));
}

static uint32_t
load_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

#define SHA256_S0(x)	(rotr32(x, 2) ^ rotr32(x, 13) ^ rotr32(x, 22))
#define SHA256_S1(x)	(rotr32(x, 6) ^ rotr32(x, 11) ^ rotr32(x, 25))
#define SHA256_CH(x, y, z)	(((x) & (y)) ^ (~(x) & (z)))
#define SHA256_MAJ(x, y, z)	(((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
/*
 * One round.  Instead of shifting a..h every round, the caller rotates
 * the argument names, so eight rounds leave the variables in place.
 */
#define SHA256_ROUND(a, b, c, d, e, f, g, h, i) do {			\
	uint32_t t1_ = (h) + SHA256_S1(e) + SHA256_CH(e, f, g) +	\
	    sha256_k[i] + w[i];						\
	uint32_t t2_ = SHA256_S0(a) + SHA256_MAJ(a, b, c);		\
	(d) += t1_;							\
	(h) = t1_ + t2_;						\
} while (0)

/* Run the compression function over one 64-byte block. */
static void
sha256_block(uint32_t state[SHA256_WORDS], const uint8_t *blk)
{
	uint32_t w[SHA256_ROUNDS];
	uint32_t a, b, c, d, e, f, g, h;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = load_be32(blk + 4 * i);
	for (; i < SHA256_ROUNDS; i++) {
		uint32_t t1, t2;

		t1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^
		    (w[i - 2] >> 10);
		t2 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^
		    (w[i - 15] >> 3);
		w[i] = t1 + w[i - 7] + t2 + w[i - 16];
	}
	a = state[0];
	b = state[1];
	c = state[2];
	d = state[3];
	e = state[4];
	f = state[5];
	g = state[6];
	h = state[7];
	for (i = 0; i < SHA256_ROUNDS; i += 8) {
		SHA256_ROUND(a, b, c, d, e, f, g, h, i);
		SHA256_ROUND(h, a, b, c, d, e, f, g, i + 1);
		SHA256_ROUND(g, h, a, b, c, d, e, f, i + 2);
		SHA256_ROUND(f, g, h, a, b, c, d, e, i + 3);
		SHA256_ROUND(e, f, g, h, a, b, c, d, i + 4);
		SHA256_ROUND(d, e, f, g, h, a, b, c, i + 5);
		SHA256_ROUND(c, d, e, f, g, h, a, b, i + 6);
		SHA256_ROUND(b, c, d, e, f, g, h, a, i + 7);
	}
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
	state[4] += e;
	state[5] += f;
	state[6] += g;
	state[7] += h;
}

/*
 * hammer2_sha256 - FIPS 180-4 SHA-256 of buf.
 *
 * Context: any.  Locking: none.
 */
void
hammer2_sha256(const void *buf, size_t len,
    uint8_t digest[HAMMER2_SHA256_BYTES])
{
	const uint8_t *p = buf;
	uint8_t tail[2 * SHA256_BLOCK_BYTES];
	uint32_t state[SHA256_WORDS];
	uint64_t bits = (uint64_t)len * 8;
	size_t rest, padded;
	int i;

	memcpy(state, sha256_init, sizeof(state));
	for (; len >= SHA256_BLOCK_BYTES; len -= SHA256_BLOCK_BYTES) {
		sha256_block(state, p);
		p += SHA256_BLOCK_BYTES;
	}
	rest = len;
	memset(tail, 0, sizeof(tail));
	memcpy(tail, p, rest);
	tail[rest] = 0x80;
	padded = rest + 1 + SHA256_LENGTH_BYTES <= SHA256_BLOCK_BYTES ?
	    SHA256_BLOCK_BYTES : 2 * SHA256_BLOCK_BYTES;
	for (i = 0; i < SHA256_LENGTH_BYTES; i++)
		tail[padded - 1 - i] = (uint8_t)(bits >> (8 * i));
	sha256_block(state, tail);
	if (padded > SHA256_BLOCK_BYTES)
		sha256_block(state, tail + SHA256_BLOCK_BYTES);
	for (i = 0; i < SHA256_WORDS; i++) {
		digest[4 * i] = (uint8_t)(state[i] >> 24);
		digest[4 * i + 1] = (uint8_t)(state[i] >> 16);
		digest[4 * i + 2] = (uint8_t)(state[i] >> 8);
		digest[4 * i + 3] = (uint8_t)state[i];
	}
}

/*
 * hammer2_sha192 - the SHA192 check value of format §6.4: the SHA-256
 * digest seen as four little-endian u64 words w0..w3, with w2 replaced by
 * w2 ^ w3, truncated to w0, w1, w2.  Byte-wise XOR gives the same bytes.
 *
 * Context: any.  Locking: none.
 */
void
hammer2_sha192(const void *buf, size_t len, uint8_t out[HAMMER2_SHA192_BYTES])
{
	uint8_t digest[HAMMER2_SHA256_BYTES];
	int i;

	hammer2_sha256(buf, len, digest);
	memcpy(out, digest, 16);
	for (i = 16; i < HAMMER2_SHA192_BYTES; i++)
		out[i] = digest[i] ^ digest[i + 8];
}

/*
 * hammer2_adler32 - Adler-32 of buf (RFC 1950 §8.2): the zlib trailer that
 * both the deflate and the inflate side compute.  The modulo is taken
 * once per ADLER_NMAX bytes, the longest run the 32-bit sums survive.
 *
 * Context: any.  Locking: none.
 */
uint32_t
hammer2_adler32(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t a = 1, b = 0;
	size_t n;
	int k;

	while (len > 0) {
		n = len < ADLER_NMAX ? len : ADLER_NMAX;
		len -= n;
		for (; n >= ADLER_UNROLL; n -= ADLER_UNROLL) {
			for (k = 0; k < ADLER_UNROLL; k++) {
				a += p[k];
				b += a;
			}
			p += ADLER_UNROLL;
		}
		while (n-- > 0) {
			a += *p++;
			b += a;
		}
		a %= ADLER_MOD;
		b %= ADLER_MOD;
	}
	return (b << 16 | a);
}
