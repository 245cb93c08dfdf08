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
 * test_check.c - unit tests for hammer2_check.c.
 *
 * Checks CRC-32C, XXH64 (HAMMER2 seed and others) and sha192 against the
 * vectors of hammer2-format.md Appendix A, SHA-256 against FIPS 180-4
 * examples, the slicing-by-8 CRC against a bitwise reference at every
 * length and alignment, and that CRC chaining equals one pass.
 * Prints PASS/FAIL lines; exits non-zero on any failure.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hammer2_codec.h"

static int failures;

#define T_EXPECT(name, cond)                                           \
	do {                                                           \
		if (cond) {                                            \
			printf("PASS: %s\n", name);                    \
		} else {                                               \
			printf("FAIL: %s (%s:%d)\n", name, __FILE__,   \
			    __LINE__);                                 \
			failures++;                                    \
		}                                                      \
	} while (0)

static uint32_t
crc32c_bitwise(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xFFFFFFFFu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & -(crc & 1));
	}
	return (crc ^ 0xFFFFFFFFu);
}

static void
hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

struct vector {
	const char	*v_name;
	const char	*v_data;	/* NULL: 1024 zero bytes */
	uint32_t	 v_crc;
	uint64_t	 v_xxh;
	const char	*v_sha192;
};

static const struct vector vectors[] = {
	{ "empty", "", 0x00000000, 0x84566ac0f5a0cb84ULL,
	    "e3b0c44298fc1c149afbf4c8996fb924833bd8ff1cc92b19" },
	{ "a", "a", 0xc1d04330, 0xd2a6081c8157197eULL, NULL },
	{ "abc", "abc", 0x364b3fb7, 0x9ba15f8bd2fb8f3eULL,
	    "ba7816bf8f01cfea414140de5dae222304139ec264176f31" },
	{ "123456789", "123456789", 0xe3069283, 0x3b4eb9ba9b947403ULL, NULL },
	{ "hello", "Hello, HAMMER2!\n", 0x4671085b, 0xc4ca82c3f674c296ULL,
	    NULL },
	{ "zero1k", NULL, 0xeeaede7c, 0xa85f7f8931b8cf1eULL,
	    "5f70bf18a086007016e948b04aed3b82dde599ae08f49359" },
};

static void
test_format_vectors(void)
{
	static uint8_t zeros[1024];
	char name[64], got[2 * HAMMER2_SHA192_BYTES + 1];
	uint8_t sha[HAMMER2_SHA192_BYTES];
	const uint8_t *p;
	size_t i, n;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		p = vectors[i].v_data != NULL ?
		    (const uint8_t *)vectors[i].v_data : zeros;
		n = vectors[i].v_data != NULL ? strlen(vectors[i].v_data) :
		    sizeof(zeros);
		snprintf(name, sizeof(name), "crc32c_vector_%s",
		    vectors[i].v_name);
		T_EXPECT(name, hammer2_crc32c(0, p, n) == vectors[i].v_crc);
		snprintf(name, sizeof(name), "xxh64_seed_vector_%s",
		    vectors[i].v_name);
		T_EXPECT(name, hammer2_xxh64(p, n, HAMMER2_XXH64_SEED) ==
		    vectors[i].v_xxh);
		if (vectors[i].v_sha192 == NULL)
			continue;
		hammer2_sha192(p, n, sha);
		hex(sha, sizeof(sha), got);
		snprintf(name, sizeof(name), "sha192_vector_%s",
		    vectors[i].v_name);
		T_EXPECT(name, strcmp(got, vectors[i].v_sha192) == 0);
	}
}

/* Published XXH64 values with seed 0 and a non-trivial seed. */
static void
test_xxh64_other_seeds(void)
{
	T_EXPECT("xxh64_empty_seed0",
	    hammer2_xxh64("", 0, 0) == 0xef46db3751d8e999ULL);
	T_EXPECT("xxh64_abc_seed0",
	    hammer2_xxh64("abc", 3, 0) == 0x44bc2cf5ad770999ULL);
}

static void
test_sha256(void)
{
	static const struct {
		const char *in;
		const char *out;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495"
		      "991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb41"
			 "0ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd4"
		    "19db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac4503"
		    "7afee9d1" },
	};
	uint8_t d[HAMMER2_SHA256_BYTES];
	char got[2 * HAMMER2_SHA256_BYTES + 1], name[64];
	uint8_t *mill;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hammer2_sha256(v[i].in, strlen(v[i].in), d);
		hex(d, sizeof(d), got);
		snprintf(name, sizeof(name), "sha256_fips_%zu", i);
		T_EXPECT(name, strcmp(got, v[i].out) == 0);
	}
	mill = malloc(1000000);
	memset(mill, 'a', 1000000);
	hammer2_sha256(mill, 1000000, d);
	hex(d, sizeof(d), got);
	T_EXPECT("sha256_million_a", strcmp(got, "cdc76e5c9914fb9281a1c7e284"
	    "d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
	free(mill);
}

/* Every length 0..300 at every alignment 0..7 against the bitwise CRC. */
static void
test_crc32c_tables(void)
{
	uint8_t buf[320];
	uint32_t a, b, whole;
	size_t off, len, cut;
	int bad = 0, badchain = 0;

	srand(1);
	for (off = 0; off < sizeof(buf); off++)
		buf[off] = (uint8_t)rand();
	for (off = 0; off < 8; off++) {
		for (len = 0; len + off <= 300; len++) {
			if (hammer2_crc32c(0, buf + off, len) !=
			    crc32c_bitwise(buf + off, len))
				bad++;
		}
	}
	T_EXPECT("crc32c_sliced_equals_bitwise", bad == 0);
	whole = hammer2_crc32c(0, buf, 300);
	for (cut = 0; cut <= 300; cut++) {
		a = hammer2_crc32c(0, buf, cut);
		b = hammer2_crc32c(a, buf + cut, 300 - cut);
		if (b != whole)
			badchain++;
	}
	T_EXPECT("crc32c_chaining", badchain == 0);
	buf[17] ^= 0x04;
	T_EXPECT("crc32c_detects_bitflip", hammer2_crc32c(0, buf, 300) != whole);
}

int
main(void)
{
	test_format_vectors();
	test_xxh64_other_seeds();
	test_sha256();
	test_crc32c_tables();
	return (failures != 0);
}
