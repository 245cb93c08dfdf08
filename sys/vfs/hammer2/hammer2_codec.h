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
 * hammer2_codec.h - HAMMER2 compression codecs and check-code functions.
 *
 * What: the byte-level pieces of the HAMMER2 on-media format that do not
 * depend on the chain/inode machinery: the LZ4 block codec, the zlib
 * (RFC 1950/1951) codec, the block framing DragonFly puts around them
 * (hammer2-format.md §7.2-§7.4), and the check codes of §6: CRC-32C,
 * XXH64 with the HAMMER2 seed, SHA-256 and the sha192 derivation.
 *
 * Model: every function is a pure transformation from caller buffers to
 * caller buffers.  Nothing allocates memory, nothing keeps state between
 * calls, nothing prints.  The decoders need no work memory (their tables
 * live on the stack, every frame under 2 KiB, inflate's deepest chain
 * about 2.6 KiB); the compressors need hash tables that do not fit, so
 * they take a caller-provided `work' area of
 * HAMMER2_LZ4_WORKBYTES / HAMMER2_ZLIB_WORKBYTES bytes (or
 * HAMMER2_CODEC_WORKBYTES, enough for either), aligned to 8 bytes, e.g.
 * from kmalloc() once per flush thread.  Its contents on entry do not
 * matter and on return are garbage.
 *
 * Invariants: a decoder never reads outside [src, src + srclen) and never
 * writes outside [dst, dst + dstcap), whatever the input; corrupt input
 * gives HAMMER2_CODEC_EIO, never a crash or a hang (work is bounded by the
 * input and output sizes).  A compressor never writes past dstcap; if the output
 * does not fit it returns HAMMER2_CODEC_ENOSPC and dst holds garbage.
 *
 * Locking: none needed; every function is reentrant.  Two threads may not
 * share one work area at the same time.
 *
 * Portability: the .c files include only <stdint.h>, <stddef.h>,
 * <stdbool.h> and <string.h> (memcpy/memset/memcmp), so they build both
 * into the freestanding kernel and into host programs.
 *
 * More: docs/design/hammer2-codec.md and shared/reference/hammer2-format.md
 * §6, §7.
 */

#ifndef _VFS_HAMMER2_HAMMER2_CODEC_H_
#define _VFS_HAMMER2_HAMMER2_CODEC_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error numbers: the same values as EIO, EINVAL and ENOSPC on BSD/Linux. */
#define HAMMER2_CODEC_EIO	5	/* corrupt or oversized input */
#define HAMMER2_CODEC_EINVAL	22	/* bad argument from the caller */
#define HAMMER2_CODEC_ENOSPC	28	/* output does not fit / store raw */

/* Compression algorithms: low nibble of bref.methods and inode comp_algo. */
#define HAMMER2_COMP_NONE	0
#define HAMMER2_COMP_AUTOZERO	1
#define HAMMER2_COMP_LZ4	2
#define HAMMER2_COMP_ZLIB	3
#define HAMMER2_COMP_ALGO_MASK	0x0F	/* comp byte: low nibble = algo */
#define HAMMER2_COMP_LEVEL_SHIFT 4	/* comp byte: high nibble = level */
#define HAMMER2_ZLIB_LEVEL_DEFAULT 6	/* DragonFly raises 0..5 to this */
#define HAMMER2_ZLIB_LEVEL_MAX	9

/* Work areas for the compressors (see the top comment). */
#define HAMMER2_LZ4_WORKBYTES	(16 * 1024)
#define HAMMER2_ZLIB_WORKBYTES	(256 * 1024)
#define HAMMER2_CODEC_WORKBYTES	HAMMER2_ZLIB_WORKBYTES

/* Size of the length prefix in front of an LZ4 block (format §7.2). */
#define HAMMER2_LZ4_PREFIX_BYTES 4
/* Smallest physical block a compressed block is rounded up to (§7.4). */
#define HAMMER2_COMP_MIN_BLOCK_BYTES 1024

/*
 * Largest LZ4 output for srclen input bytes (incompressible data grows by
 * one length byte per 255 literals plus a token): a dstcap of this size
 * never gives ENOSPC.
 */
#define HAMMER2_LZ4_BOUND(srclen) ((srclen) + (srclen) / 255 + 16)

/*
 * Largest zlib output for srclen input bytes: every block falls back to
 * stored form when that is smaller, and stored form costs at most 7 bytes
 * per block of >= 16 KiB input plus 5 per 64 KiB, plus header and trailer.
 */
#define HAMMER2_ZLIB_BOUND(srclen) ((srclen) + (srclen) / 1024 + 32)

/*
 * dstcap needed by hammer2_block_compress(): the compressed block, zero
 * padded to a power of two of at least 1 KiB, never exceeds this.
 */
#define HAMMER2_BLOCK_COMP_BOUND(srclen)                        \
	((srclen) / 2 > HAMMER2_COMP_MIN_BLOCK_BYTES ? (srclen) / 2 : \
	    HAMMER2_COMP_MIN_BLOCK_BYTES)

/* Seed DragonFly uses for XXHASH64 check codes (format §6.3). */
#define HAMMER2_XXH64_SEED	0x4d617474446c6c6eULL
#define HAMMER2_SHA256_BYTES	32
#define HAMMER2_SHA192_BYTES	24

/* hammer2_lz4.c */
/*
 * Decode one raw LZ4 block (no frame, no length prefix).  Returns 0, or
 * HAMMER2_CODEC_EIO if the block is malformed or would produce more than
 * dstcap bytes.  *outlenp = bytes produced; dst bytes past that, up to
 * dstcap, may have been scribbled on.
 */
int hammer2_lz4_decompress(const void *src, size_t srclen, void *dst,
    size_t dstcap, size_t *outlenp);
/*
 * Encode src as one raw LZ4 block (greedy, hash table in work).  Returns
 * 0, HAMMER2_CODEC_ENOSPC if the output would exceed dstcap, or
 * HAMMER2_CODEC_EINVAL if work is NULL or srclen >= 2 GiB.
 */
int hammer2_lz4_compress(const void *src, size_t srclen, void *dst,
    size_t dstcap, void *work, size_t *outlenp);

/* hammer2_inflate.c */
/*
 * Decode one zlib stream (RFC 1950 header, deflate data, Adler-32).
 * Bytes after the end of the stream are ignored (DragonFly pads blocks
 * with zeros).  Returns 0, or HAMMER2_CODEC_EIO for any malformed,
 * truncated or checksum-failing stream or one producing more than dstcap
 * bytes.  *outlenp = bytes produced.
 */
int hammer2_zlib_inflate(const void *src, size_t srclen, void *dst,
    size_t dstcap, size_t *outlenp);

/* hammer2_deflate.c */
/*
 * Encode src as one zlib stream.  level 0 = stored blocks only, 1..9 =
 * LZ77 with longer match searches as the level rises, Huffman blocks
 * (fixed or dynamic, whichever is smaller).  Returns 0,
 * HAMMER2_CODEC_ENOSPC if the output would exceed dstcap, or
 * HAMMER2_CODEC_EINVAL for a bad level or a NULL work.
 */
int hammer2_zlib_deflate(const void *src, size_t srclen, void *dst,
    size_t dstcap, int level, void *work, size_t *outlenp);

/* hammer2_block.c */
/*
 * Decode one physical block stored with compression comp (a bref methods
 * byte or comp_algo byte: only the low nibble is used) into a logical
 * block of dstlen bytes, zero-filling whatever the codec did not produce
 * (on error all of dst is zeroed).
 * NONE and AUTOZERO copy min(srclen, dstlen) bytes.  LZ4 reads the 4-byte
 * length prefix (§7.2); ZLIB inflates the whole block, ignoring the
 * padding (§7.3).  Returns 0 or HAMMER2_CODEC_EIO (corrupt block, unknown
 * algorithm, output larger than dstlen).
 */
int hammer2_block_decompress(int comp, const void *src, size_t srclen,
    void *dst, size_t dstlen);
/*
 * Compress the physical-size buffer src (§7.4) with comp (low nibble LZ4
 * or ZLIB; for ZLIB the high nibble is the level, 0..5 meaning 6).  On
 * success dst holds the framed block zero-padded to *outlenp bytes, the
 * power of two >= the compressed length and >= 1 KiB that the block must
 * be allocated with.  Returns HAMMER2_CODEC_ENOSPC when the result would
 * not fit in half of srclen (DragonFly's rule): store the block raw then.
 * srclen must be a power of two of at most 64 KiB, dstcap at least
 * HAMMER2_BLOCK_COMP_BOUND(srclen) and work must hold
 * HAMMER2_CODEC_WORKBYTES, else HAMMER2_CODEC_EINVAL; other comp values
 * give HAMMER2_CODEC_EINVAL too.  Deciding that an all-zero block
 * becomes a hole is the caller's job (hammer2_block_is_zero()).
 */
int hammer2_block_compress(int comp, const void *src, size_t srclen,
    void *dst, size_t dstcap, void *work, size_t *outlenp);
/* True if all len bytes of buf are zero. */
bool hammer2_block_is_zero(const void *buf, size_t len);

/* hammer2_check.c */
/*
 * CRC-32C (Castagnoli, reflected 0x82F63B78).  crc is the value returned
 * by a previous call, 0 to start: the init and final XOR with 0xFFFFFFFF
 * happen inside, so hammer2_crc32c(0, buf, len) is the standard CRC-32C
 * ("123456789" -> 0xE3069283) that HAMMER2 stores (§4.2, §6.2), and
 * hammer2_crc32c(hammer2_crc32c(0, a, na), b, nb) equals the CRC of the
 * concatenation.
 */
uint32_t hammer2_crc32c(uint32_t crc, const void *buf, size_t len);
/* XXH64 of buf with seed; HAMMER2 uses HAMMER2_XXH64_SEED (§6.3). */
uint64_t hammer2_xxh64(const void *buf, size_t len, uint64_t seed);
/* FIPS 180-4 SHA-256. */
void hammer2_sha256(const void *buf, size_t len,
    uint8_t digest[HAMMER2_SHA256_BYTES]);
/* HAMMER2 sha192 (§6.4): sha256 bytes 0..15, then bytes 16..23 ^ 24..31. */
void hammer2_sha192(const void *buf, size_t len,
    uint8_t out[HAMMER2_SHA192_BYTES]);
/* Adler-32 (RFC 1950), the trailer of a zlib stream (§7.3). */
uint32_t hammer2_adler32(const void *buf, size_t len);

#endif /* !_VFS_HAMMER2_HAMMER2_CODEC_H_ */
