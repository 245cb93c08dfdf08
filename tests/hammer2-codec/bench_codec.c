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
 * bench_codec.c - throughput of the HAMMER2 codecs against liblz4/zlib.
 *
 * Works the way HAMMER2 does: independent 64 KiB blocks.  For each data
 * set (real text, a real binary, random bytes; 4 MiB each) it times
 * compress and decompress of every block with our code and with the
 * reference library in the same run, REPS times (interleaved), and prints
 * the median MB/s of thread CPU time (of uncompressed bytes) and the compressed size ratio as a
 * Markdown table, then the check-code throughput.  Run by
 * `make bench-hammer2-codec`; results go to docs/performance/.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lz4.h>
#include <zlib.h>

#include "hammer2_codec.h"

#define SET_BYTES	(4u << 20)
#define BLOCK_BYTES	65536
#define NBLOCKS		(SET_BYTES / BLOCK_BYTES)
#define REPS		9
#define SLOT_BYTES	(HAMMER2_ZLIB_BOUND(BLOCK_BYTES) + 1024)

static uint8_t *work;
static uint8_t *comp;		/* NBLOCKS slots of SLOT_BYTES */
static size_t clens[NBLOCKS];
static uint8_t *out;
static volatile uint64_t sink;

enum op { LZ4_OURS, LZ4_REF, ZLIB_OURS, ZLIB_REF, NOPS };
static const char *const op_names[NOPS] = {
	"LZ4 ours", "LZ4 liblz4 1.9.4", "zlib -6 ours", "zlib -6 zlib 1.2.13"
};

static double
now(void)
{
	struct timespec ts;

	/* CPU time: time spent descheduled on the shared VM is not ours. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (ts.tv_sec + ts.tv_nsec * 1e-9);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static size_t
compress_all(enum op op, const uint8_t *src)
{
	size_t i, total = 0, n;
	uLongf zl;

	for (i = 0; i < NBLOCKS; i++) {
		const uint8_t *s = src + i * BLOCK_BYTES;
		uint8_t *d = comp + i * SLOT_BYTES;

		switch (op) {
		case LZ4_OURS:
			if (hammer2_lz4_compress(s, BLOCK_BYTES, d, SLOT_BYTES,
			    work, &n) != 0)
				abort();
			break;
		case LZ4_REF:
			n = (size_t)LZ4_compress_default((const char *)s,
			    (char *)d, BLOCK_BYTES, SLOT_BYTES);
			break;
		case ZLIB_OURS:
			if (hammer2_zlib_deflate(s, BLOCK_BYTES, d, SLOT_BYTES,
			    6, work, &n) != 0)
				abort();
			break;
		default:
			zl = SLOT_BYTES;
			if (compress2(d, &zl, s, BLOCK_BYTES, 6) != Z_OK)
				abort();
			n = zl;
			break;
		}
		clens[i] = n;
		total += n;
	}
	return (total);
}

static void
decompress_all(enum op op, const uint8_t *src)
{
	size_t i, n;
	uLongf zl;
	int r;

	for (i = 0; i < NBLOCKS; i++) {
		const uint8_t *s = comp + i * SLOT_BYTES;

		switch (op) {
		case LZ4_OURS:
			r = hammer2_lz4_decompress(s, clens[i], out,
			    BLOCK_BYTES, &n);
			break;
		case LZ4_REF:
			n = (size_t)LZ4_decompress_safe((const char *)s,
			    (char *)out, (int)clens[i], BLOCK_BYTES);
			r = 0;
			break;
		case ZLIB_OURS:
			r = hammer2_zlib_inflate(s, clens[i], out, BLOCK_BYTES,
			    &n);
			break;
		default:
			zl = BLOCK_BYTES;
			r = uncompress(out, &zl, s, clens[i]);
			n = zl;
			break;
		}
		if (r != 0 || n != BLOCK_BYTES ||
		    memcmp(out, src + i * BLOCK_BYTES, 64) != 0)
			abort();
		sink += out[n - 1];
	}
}

static double
median_mbs(double *t)
{
	qsort(t, REPS, sizeof(double), cmp_double);
	return (SET_BYTES / t[REPS / 2] / 1e6);
}

/*
 * Reps are interleaved (ours, theirs, ours, ...) so that a change in the
 * load of the shared machine hits both sides alike.
 */
static void
bench_set(const char *name, const uint8_t *src)
{
	double tc[NOPS][REPS], td[NOPS][REPS], t0;
	size_t total[NOPS];
	int op, rep;

	for (rep = 0; rep < REPS; rep++) {
		for (op = 0; op < NOPS; op++) {
			t0 = now();
			total[op] = compress_all(op, src);
			tc[op][rep] = now() - t0;
			t0 = now();
			decompress_all(op, src);
			td[op][rep] = now() - t0;
		}
	}
	for (op = 0; op < NOPS; op++)
		printf("| %s | %s | %.1f | %.1f | %.3f |\n", name,
		    op_names[op], median_mbs(tc[op]), median_mbs(td[op]),
		    (double)total[op] / SET_BYTES);
}

/* Fill a 4 MiB set from the first readable files, repeating them. */
static uint8_t *
load_set(const char *const *paths)
{
	uint8_t *p = malloc(SET_BYTES);
	size_t have = 0, n;
	FILE *f;
	int i, pass;

	for (pass = 0; pass < 64 && have < SET_BYTES; pass++) {
		for (i = 0; paths[i] != NULL && have < SET_BYTES; i++) {
			f = fopen(paths[i], "rb");
			if (f == NULL)
				continue;
			n = fread(p + have, 1, SET_BYTES - have, f);
			have += n;
			fclose(f);
		}
		if (have == 0)
			break;
	}
	if (have < SET_BYTES) {
		free(p);
		return (NULL);
	}
	return (p);
}

static void
bench_checks(const uint8_t *src)
{
	double t[REPS], t0;
	uint8_t d[32];
	int rep, k;
	const char *names[] = { "CRC-32C (ours, slicing-by-8)",
	    "CRC-32 (zlib, for scale)", "XXH64 (ours)", "SHA-256 (ours)",
	    "sha192 (ours)" };

	printf("\n| check code | MB/s |\n|---|---|\n");
	for (k = 0; k < 5; k++) {
		for (rep = 0; rep < REPS; rep++) {
			t0 = now();
			switch (k) {
			case 0:
				sink += hammer2_crc32c(0, src, SET_BYTES);
				break;
			case 1:
				sink += crc32(0, src, SET_BYTES);
				break;
			case 2:
				sink += hammer2_xxh64(src, SET_BYTES,
				    HAMMER2_XXH64_SEED);
				break;
			case 3:
				hammer2_sha256(src, SET_BYTES, d);
				sink += d[0];
				break;
			default:
				hammer2_sha192(src, SET_BYTES, d);
				sink += d[0];
				break;
			}
			t[rep] = now() - t0;
		}
		printf("| %s | %.0f |\n", names[k], median_mbs(t));
	}
}

int
main(void)
{
	static const char *const text[] = {
		"/usr/share/common-licenses/GPL-3",
		"/usr/share/common-licenses/GPL-2",
		"/usr/share/common-licenses/LGPL-2.1",
		"/usr/share/common-licenses/Apache-2.0",
		"sys/vfs/hammer2/hammer2_deflate.c",
		"sys/vfs/hammer2/hammer2_inflate.c",
		"tests/hammer2-codec/test_codec.c", NULL
	};
	static const char *const bin[] = {
		"/usr/lib/x86_64-linux-gnu/libc.so.6",
		"/usr/bin/make", "/usr/bin/gcc", NULL
	};
	uint8_t *set;
	size_t i;

	work = malloc(HAMMER2_CODEC_WORKBYTES);
	comp = malloc((size_t)NBLOCKS * SLOT_BYTES);
	out = malloc(BLOCK_BYTES);
	printf("4 MiB per set, independent 64 KiB blocks, median of %d runs; "
	    "MB/s of uncompressed bytes per CPU second\n\n", REPS);
	printf("| data | codec | compress MB/s | decompress MB/s | ratio |\n");
	printf("|---|---|---|---|---|\n");
	set = load_set(text);
	if (set != NULL) {
		bench_set("text", set);
		free(set);
	}
	set = load_set(bin);
	if (set != NULL) {
		bench_set("binary", set);
		free(set);
	}
	set = malloc(SET_BYTES);
	for (i = 0; i < SET_BYTES; i++)
		set[i] = (uint8_t)(rand() >> 7);
	bench_set("random", set);
	bench_checks(set);
	free(set);
	return (0);
}
