/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_fsx.c - random file operation exerciser against an in-memory model.
 *
 * Model: one file on a target (h2_fsx.h) and a byte array "model" of the
 * largest allowed size (-l).  Each operation is drawn from a seeded
 * generator (-S), applied to the file and to the model: write (random,
 * tagged, repeated-byte or all-zero data; sometimes at a far offset so
 * that a hole opens below it), truncate down or up, read back with
 * pread and compare, size check, fsync, close/reopen (on the core back
 * end a commit and remount), commit.  Same seed, same options: same
 * operation sequence, on any target.
 *
 * Invariants: model[x] == 0 for every x >= size, so that a truncate up
 * or a write past the end reads back zeros in between; every mutating
 * operation is logged in a ring before it is applied.  On the first
 * mismatch or error the log tail, the first differing offset and the
 * bytes around it are printed and the exit status is 1 (2: usage).
 *
 * Tagged data: every aligned 8-byte word of a tagged write holds
 * (op number << 32 | file offset / 8), so that a wrong word found later
 * names the operation that wrote it and the place it was written for.
 *
 * Locking: none; one thread.
 *
 * More: tests/hammer2/fsx/README.md, tests/suites/hammer2-fsx.sh.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "h2_fsx.h"

/* clang-format off */
#define FSX_DEF_OPS		100000
#define FSX_DEF_MAXLEN		(1024 * 1024)
#define FSX_DEF_MAXOP		65536
#define FSX_DEF_LOGTAIL		32
#define FSX_LOGRING		1024	/* power of 2 */
#define FSX_WORD_BYTES		8
#define FSX_DUMP_BYTES		32
#define FSX_PCT			100
#define FSX_FAR_PCT		75	/* far writes land in the top 25% */
#define FSX_TAG_SHIFT		32
#define FSX_NOW_NS		1000000000.0
#define FSX_MAXOPTIONS		8
#define FSX_CHECK_CHUNK		(1024 * 1024)	/* whole-file compare piece */

enum fsx_op {
	OP_READ, OP_WRITE, OP_WRITE_FAR, OP_TRUNC_DOWN, OP_TRUNC_UP,
	OP_SIZE, OP_FSYNC, OP_REOPEN, OP_COMMIT, OP_NOPS
};

enum fsx_kind { KIND_RANDOM, KIND_TAGGED, KIND_REPEAT, KIND_ZERO, KIND_NKINDS };

static const char *const fsx_opname[OP_NOPS] = {
	"read", "write", "write-far", "trunc-down", "trunc-up", "size",
	"fsync", "reopen", "commit"
};
static const char *const fsx_kindname[KIND_NKINDS] = {
	"random", "tagged", "repeat", "zero"
};

/* Default weights (relative), changed with -w op=weight. */
static unsigned fsx_weight[OP_NOPS] = {
	[OP_READ] = 30, [OP_WRITE] = 30, [OP_WRITE_FAR] = 4,
	[OP_TRUNC_DOWN] = 6, [OP_TRUNC_UP] = 4, [OP_SIZE] = 4,
	[OP_FSYNC] = 1, [OP_REOPEN] = 0, [OP_COMMIT] = 0
};

struct fsx_logent {
	uint64_t	le_opnum;
	uint64_t	le_off;
	uint64_t	le_len;
	uint64_t	le_oldsize;
	uint8_t		le_op;
	uint8_t		le_kind;
};

struct fsx_state {
	void		*fs_cookie;
	uint8_t		*fs_model;	/* fs_maxlen bytes */
	uint8_t		*fs_buf;	/* fs_maxop bytes (+ slack) */
	uint64_t	 fs_size;	/* model's file size */
	uint64_t	 fs_maxlen;
	uint64_t	 fs_maxop;
	uint64_t	 fs_chunk;	/* whole-file compare piece */
	uint64_t	 fs_nops;
	uint64_t	 fs_opnum;
	uint64_t	 fs_rng;
	uint64_t	 fs_reopen_every;	/* 0: by weight only */
	uint64_t	 fs_commit_every;
	uint64_t	 fs_count[OP_NOPS];
	uint64_t	 fs_inject_at;	/* -X: 0 or the op number */
	int		 fs_inject_size;	/* -X size@N, else byte@N */
	unsigned	 fs_logtail;
	unsigned	 fs_noptions;
	const char	*fs_options[FSX_MAXOPTIONS];
	int		 fs_verbose;
	struct fsx_logent fs_log[FSX_LOGRING];
};
/* clang-format on */

static struct fsx_state fsx;

static uint64_t
fsx_rand(void)
{
	uint64_t x = fsx.fs_rng;

	/* xorshift64*: fast, and the same sequence on every machine. */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	fsx.fs_rng = x;
	return (x * 0x2545f4914f6cdd1dULL);
}

/* Uniform in [0, n), n > 0 (the modulo bias is irrelevant here). */
static uint64_t
fsx_below(uint64_t n)
{
	return (fsx_rand() % n);
}

static void
fsx_log_add(enum fsx_op op, enum fsx_kind kind, uint64_t off, uint64_t len)
{
	struct fsx_logent *le = &fsx.fs_log[fsx.fs_opnum & (FSX_LOGRING - 1)];

	le->le_opnum = fsx.fs_opnum;
	le->le_op = (uint8_t)op;
	le->le_kind = (uint8_t)kind;
	le->le_off = off;
	le->le_len = len;
	le->le_oldsize = fsx.fs_size;
	if (fsx.fs_verbose)
		printf("%" PRIu64 " %s off 0x%" PRIx64 " len 0x%" PRIx64
		       " (size 0x%" PRIx64 ")\n",
		    fsx.fs_opnum, fsx_opname[op], off, len, fsx.fs_size);
}

static void
fsx_log_dump(void)
{
	uint64_t n, first, i;
	const struct fsx_logent *le;

	n = fsx.fs_logtail;
	if (n > FSX_LOGRING)
		n = FSX_LOGRING;
	first = fsx.fs_opnum + 1 >= n ? fsx.fs_opnum + 1 - n : 0;
	fprintf(stderr, "fsx: last %" PRIu64 " operations:\n",
	    fsx.fs_opnum + 1 - first);
	for (i = first; i <= fsx.fs_opnum; i++) {
		le = &fsx.fs_log[i & (FSX_LOGRING - 1)];
		if (le->le_opnum != i)
			continue;
		fprintf(stderr,
		    "  op %-9" PRIu64 " %-10s off 0x%08" PRIx64 " len 0x%06" PRIx64
		    " size before 0x%08" PRIx64 "%s%s\n",
		    i, fsx_opname[le->le_op], le->le_off, le->le_len,
		    le->le_oldsize,
		    le->le_op == OP_WRITE || le->le_op == OP_WRITE_FAR ? " data "
									 : "",
		    le->le_op == OP_WRITE || le->le_op == OP_WRITE_FAR
			? fsx_kindname[le->le_kind]
			: "");
	}
}

static void __attribute__((__noreturn__))
fsx_fail(void)
{
	fsx_log_dump();
	fprintf(stderr, "fsx: FAILED at operation %" PRIu64 " of %" PRIu64
			", seed given with -S\n",
	    fsx.fs_opnum, fsx.fs_nops);
	exit(1);
}

static void __attribute__((__noreturn__))
fsx_fail_errno(const char *what, int error)
{
	fprintf(stderr, "fsx: %s: %s (errno %d)\n", what, strerror(error),
	    error);
	fsx_fail();
}

static void
fsx_dump_bytes(const char *label, const uint8_t *p, uint64_t off,
    uint64_t len)
{
	uint64_t i;

	fprintf(stderr, "  %s at 0x%08" PRIx64 ":", label, off);
	for (i = 0; i < len; i++)
		fprintf(stderr, " %02x", p[i]);
	fprintf(stderr, "\n");
}

/* If a tagged word sits at the difference, say which operation wrote it. */
static void
fsx_explain_word(const uint8_t *got, uint64_t off, uint64_t base)
{
	uint64_t w, woff = off & ~(uint64_t)(FSX_WORD_BYTES - 1);

	if (woff < base)
		return;
	memcpy(&w, got + (woff - base), sizeof(w));
	if ((w >> FSX_TAG_SHIFT) != 0 && (w >> FSX_TAG_SHIFT) <= fsx.fs_opnum)
		fprintf(stderr,
		    "  word read at 0x%" PRIx64 " looks tagged: written by op %"
		    PRIu64 " for offset 0x%" PRIx64 "\n",
		    woff, w >> FSX_TAG_SHIFT,
		    (uint64_t)(w & UINT32_MAX) * FSX_WORD_BYTES);
}

static void
fsx_compare(const uint8_t *got, uint64_t off, uint64_t len, const char *what)
{
	const uint8_t *want = fsx.fs_model + off;
	uint64_t i, from, n;

	if (memcmp(got, want, len) == 0)
		return;
	for (i = 0; i < len && got[i] == want[i]; i++)
		;
	fprintf(stderr,
	    "fsx: %s: data mismatch, first differing offset 0x%" PRIx64
	    " (read 0x%" PRIx64 "+0x%" PRIx64 ", size 0x%" PRIx64 ")\n",
	    what, off + i, off, len, fsx.fs_size);
	from = i > FSX_DUMP_BYTES / 2 ? i - FSX_DUMP_BYTES / 2 : 0;
	from &= ~(uint64_t)(FSX_WORD_BYTES - 1);
	n = len - from < FSX_DUMP_BYTES ? len - from : FSX_DUMP_BYTES;
	fsx_dump_bytes("expected", want + from, off + from, n);
	fsx_dump_bytes("read    ", got + from, off + from, n);
	fsx_explain_word(got, off + i, off);
	fsx_fail();
}

static void
fsx_read_check(uint64_t off, uint64_t len, const char *what)
{
	size_t done;
	uint64_t want;
	int error;

	error = fsx_target.ft_pread(fsx.fs_cookie, fsx.fs_buf, len, off, &done);
	if (error != 0)
		fsx_fail_errno("pread", error);
	want = off >= fsx.fs_size ? 0
	    : (fsx.fs_size - off < len ? fsx.fs_size - off : len);
	if (done != want) {
		fprintf(stderr,
		    "fsx: %s: pread 0x%" PRIx64 "+0x%" PRIx64 " returned 0x%zx"
		    " bytes, expected 0x%" PRIx64 " (size 0x%" PRIx64 ")\n",
		    what, off, len, done, want, fsx.fs_size);
		fsx_fail();
	}
	fsx_compare(fsx.fs_buf, off, want, what);
}

/* Compare the whole file, in fs_chunk pieces. */
static void
fsx_check_all(const char *what)
{
	uint64_t off, len;

	for (off = 0; off < fsx.fs_size; off += len) {
		len = fsx.fs_size - off < fsx.fs_chunk ? fsx.fs_size - off
						       : fsx.fs_chunk;
		fsx_read_check(off, len, what);
	}
	/* And nothing beyond the end. */
	fsx_read_check(fsx.fs_size, 1, what);
}

static void
fsx_check_size(const char *what)
{
	uint64_t size;
	int error;

	error = fsx_target.ft_size(fsx.fs_cookie, &size);
	if (error != 0)
		fsx_fail_errno("size", error);
	if (size != fsx.fs_size) {
		fprintf(stderr,
		    "fsx: %s: file size 0x%" PRIx64 ", expected 0x%" PRIx64 "\n",
		    what, size, fsx.fs_size);
		fsx_fail();
	}
}

static void
fsx_fill(uint8_t *buf, enum fsx_kind kind, uint64_t off, uint64_t len)
{
	uint64_t i, r, w, pos;
	uint8_t c;

	switch (kind) {
	case KIND_RANDOM:
		for (i = 0; i < len; i += sizeof(r)) {
			r = fsx_rand();
			memcpy(buf + i, &r, len - i < sizeof(r) ? len - i : sizeof(r));
		}
		break;
	case KIND_TAGGED:
		/* Word by word; the first and last word may be clipped. */
		for (pos = off & ~(uint64_t)(FSX_WORD_BYTES - 1); pos < off + len;
		    pos += FSX_WORD_BYTES) {
			w = fsx.fs_opnum << FSX_TAG_SHIFT | pos / FSX_WORD_BYTES;
			r = pos < off ? off - pos : 0;
			i = off + len - pos < FSX_WORD_BYTES ? off + len - pos
							     : FSX_WORD_BYTES;
			memcpy(buf + (pos + r - off), (uint8_t *)&w + r, i - r);
		}
		break;
	case KIND_REPEAT:
		c = (uint8_t)(fsx.fs_opnum | 1);
		memset(buf, c, len);
		break;
	default:
		memset(buf, 0, len);
		break;
	}
}

static enum fsx_kind
fsx_pick_kind(void)
{
	uint64_t r = fsx_below(FSX_PCT);

	if (r < 40)
		return (KIND_TAGGED);
	if (r < 75)
		return (KIND_RANDOM);
	if (r < 90)
		return (KIND_REPEAT);
	return (KIND_ZERO);
}

static void
fsx_do_write(uint64_t off, uint64_t len, enum fsx_op op)
{
	enum fsx_kind kind = fsx_pick_kind();
	int error;

	if (off + len > fsx.fs_maxlen)
		len = fsx.fs_maxlen - off;
	if (len == 0)
		return;
	fsx_log_add(op, kind, off, len);
	fsx_fill(fsx.fs_buf, kind, off, len);
	error = fsx_target.ft_pwrite(fsx.fs_cookie, fsx.fs_buf, len, off);
	if (error != 0)
		fsx_fail_errno("pwrite", error);
	memcpy(fsx.fs_model + off, fsx.fs_buf, len);
	if (off + len > fsx.fs_size)
		fsx.fs_size = off + len;
}

static void
fsx_do_truncate(uint64_t size, enum fsx_op op)
{
	int error;

	fsx_log_add(op, KIND_ZERO, size, 0);
	error = fsx_target.ft_truncate(fsx.fs_cookie, size);
	if (error != 0)
		fsx_fail_errno("truncate", error);
	if (size < fsx.fs_size)
		memset(fsx.fs_model + size, 0, fsx.fs_size - size);
	fsx.fs_size = size;
}

static void
fsx_do_simple(enum fsx_op op)
{
	int error = 0;

	fsx_log_add(op, KIND_ZERO, 0, 0);
	switch (op) {
	case OP_FSYNC:
		error = fsx_target.ft_fsync(fsx.fs_cookie);
		break;
	case OP_REOPEN:
		error = fsx_target.ft_reopen(fsx.fs_cookie);
		if (error == 0) {
			fsx_check_size("after reopen");
			fsx_check_all("after reopen");
		}
		break;
	case OP_COMMIT:
		if (fsx_target.ft_commit != NULL)
			error = fsx_target.ft_commit(fsx.fs_cookie);
		break;
	default:
		fsx_check_size("size");
		break;
	}
	if (error != 0)
		fsx_fail_errno(fsx_opname[op], error);
}

static enum fsx_op
fsx_pick_op(void)
{
	unsigned total = 0, i;
	uint64_t r;

	for (i = 0; i < OP_NOPS; i++)
		total += fsx_weight[i];
	r = fsx_below(total);
	for (i = 0; i < OP_NOPS; i++) {
		if (r < fsx_weight[i])
			break;
		r -= fsx_weight[i];
	}
	return ((enum fsx_op)i);
}

static void
fsx_step(enum fsx_op op)
{
	uint64_t off, len;

	fsx.fs_count[op]++;
	len = 1 + fsx_below(fsx.fs_maxop);
	switch (op) {
	case OP_READ:
		/* Mostly inside the file, sometimes across or past its end. */
		off = fsx_below(fsx.fs_size + fsx.fs_size / 8 + 1);
		if (off >= fsx.fs_maxlen)
			off = fsx.fs_maxlen - 1;
		if (off + len > fsx.fs_maxlen)
			len = fsx.fs_maxlen - off;
		fsx_log_add(op, KIND_ZERO, off, len);
		if (len > 0)
			fsx_read_check(off, len, "read");
		break;
	case OP_WRITE:
		off = fsx_below(fsx.fs_size + fsx.fs_maxop);
		fsx_do_write(off % fsx.fs_maxlen, len, op);
		break;
	case OP_WRITE_FAR:
		off = fsx.fs_maxlen / FSX_PCT * FSX_FAR_PCT +
		    fsx_below(fsx.fs_maxlen - fsx.fs_maxlen / FSX_PCT * FSX_FAR_PCT);
		fsx_do_write(off, len, op);
		break;
	case OP_TRUNC_DOWN:
		fsx_do_truncate(fsx_below(fsx.fs_size + 1), op);
		break;
	case OP_TRUNC_UP:
		fsx_do_truncate(fsx.fs_size + fsx_below(fsx.fs_maxlen -
		    fsx.fs_size + 1), op);
		break;
	default:
		fsx_do_simple(op);
		break;
	}
}

static int
fsx_set_weight(const char *arg)
{
	const char *eq = strchr(arg, '=');
	unsigned i;
	char *end;
	unsigned long w;

	if (eq == NULL)
		return (EINVAL);
	w = strtoul(eq + 1, &end, 10);
	if (*end != '\0' || end == eq + 1 || w > 1000000)
		return (EINVAL);
	for (i = 0; i < OP_NOPS; i++) {
		if (strlen(fsx_opname[i]) == (size_t)(eq - arg) &&
		    strncmp(fsx_opname[i], arg, (size_t)(eq - arg)) == 0) {
			fsx_weight[i] = (unsigned)w;
			return (0);
		}
	}
	return (EINVAL);
}

static int
fsx_parse_size(const char *arg, uint64_t *valp)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno != 0 || end == arg || arg[0] == '-')
		return (EINVAL);
	switch (*end) {
	case 'k':
		v <<= 10;
		end++;
		break;
	case 'm':
		v <<= 20;
		end++;
		break;
	case 'g':
		v <<= 30;
		end++;
		break;
	default:
		break;
	}
	if (*end != '\0')
		return (EINVAL);
	*valp = v;
	return (0);
}

static int
fsx_set_inject(const char *arg)
{
	const char *at = strchr(arg, '@');
	uint64_t n;

	if (at == NULL || fsx_parse_size(at + 1, &n) != 0 || n == 0)
		return (EINVAL);
	if (strncmp(arg, "byte@", sizeof("byte@") - 1) == 0)
		fsx.fs_inject_size = 0;
	else if (strncmp(arg, "size@", sizeof("size@") - 1) == 0)
		fsx.fs_inject_size = 1;
	else
		return (EINVAL);
	fsx.fs_inject_at = n;
	return (0);
}

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-qv] [-c every] [-l maxlen] [-L logtail] [-N ops] "
	    "[-O key=value]\n"
	    "          [-o maxop] [-r every] [-S seed] [-w op=weight]\n"
	    "          [-X byte@N | size@N] target\n",
	    fsx_target.ft_name);
	exit(2);
}

static void
fsx_parse(int argc, char **argv, const char **specp)
{
	uint64_t v = 0;
	int ch, q = 0;

	fsx.fs_nops = FSX_DEF_OPS;
	fsx.fs_maxlen = FSX_DEF_MAXLEN;
	fsx.fs_maxop = FSX_DEF_MAXOP;
	fsx.fs_logtail = FSX_DEF_LOGTAIL;
	fsx.fs_rng = 1;
	while ((ch = getopt(argc, argv, "c:l:L:N:O:o:qr:S:vw:X:")) != -1) {
		if (ch == '?')
			usage();
		if (strchr("OqvwX", ch) == NULL &&
		    fsx_parse_size(optarg, &v) != 0)
			usage();
		switch (ch) {
		case 'c':
			fsx.fs_commit_every = v;
			break;
		case 'l':
			fsx.fs_maxlen = v;
			break;
		case 'L':
			fsx.fs_logtail = (unsigned)(v < FSX_LOGRING ? v : FSX_LOGRING);
			break;
		case 'N':
			fsx.fs_nops = v;
			break;
		case 'O':
			if (fsx.fs_noptions == FSX_MAXOPTIONS)
				usage();
			fsx.fs_options[fsx.fs_noptions++] = optarg;
			break;
		case 'o':
			fsx.fs_maxop = v;
			break;
		case 'q':
			q = 1;
			break;
		case 'r':
			fsx.fs_reopen_every = v;
			break;
		case 'S':
			fsx.fs_rng = v;
			break;
		case 'v':
			fsx.fs_verbose = 1;
			break;
		case 'w':
			if (fsx_set_weight(optarg) != 0)
				usage();
			break;
		case 'X':
			if (fsx_set_inject(optarg) != 0)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || fsx.fs_maxlen == 0 || fsx.fs_maxop == 0 ||
	    fsx.fs_maxop > fsx.fs_maxlen || fsx.fs_maxlen > (1ULL << 40))
		usage();
	*specp = argv[optind];
	/* The seed is the operation sequence: print it unless -q. */
	if (!q)
		printf("fsx: %s, seed %" PRIu64 ", %" PRIu64 " ops, maxlen 0x%"
		       PRIx64 ", maxop 0x%" PRIx64 "\n",
		    fsx_target.ft_name, fsx.fs_rng, fsx.fs_nops, fsx.fs_maxlen,
		    fsx.fs_maxop);
	/* xorshift must not start at 0; mix the seed so 1, 2, 3 differ. */
	fsx.fs_rng = (fsx.fs_rng ^ 0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL;
	if (fsx.fs_rng == 0)
		fsx.fs_rng = 1;
}

static double
fsx_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / FSX_NOW_NS);
}

/*
 * -X: change the file behind the model's back, to prove that the checks
 * catch it.  byte@N flips the byte in the middle of the file after
 * operation N (or after the first later operation that leaves the file
 * non-empty); size@N makes the file one byte longer.
 */
static void
fsx_inject(void)
{
	uint64_t off = fsx.fs_size / 2;
	size_t done;
	uint8_t c;
	int error;

	if (fsx.fs_inject_size) {
		error = fsx_target.ft_truncate(fsx.fs_cookie, fsx.fs_size + 1);
		if (error != 0)
			fsx_fail_errno("inject", error);
		printf("fsx: injected fault after op %" PRIu64
		       ": size 0x%" PRIx64 " made 0x%" PRIx64 "\n",
		    fsx.fs_opnum, fsx.fs_size, fsx.fs_size + 1);
		fsx.fs_inject_at = 0;
		return;
	}
	if (fsx.fs_size == 0)
		return;
	error = fsx_target.ft_pread(fsx.fs_cookie, &c, 1, off, &done);
	if (error == 0) {
		c ^= 0x5a;
		error = fsx_target.ft_pwrite(fsx.fs_cookie, &c, 1, off);
	}
	if (error != 0)
		fsx_fail_errno("inject", error);
	printf("fsx: injected fault after op %" PRIu64
	       ": flipped byte at 0x%" PRIx64 "\n",
	    fsx.fs_opnum, off);
	fsx.fs_inject_at = 0;
}

static void
fsx_run(void)
{
	enum fsx_op op;

	for (fsx.fs_opnum = 1; fsx.fs_opnum <= fsx.fs_nops; fsx.fs_opnum++) {
		if (fsx.fs_reopen_every != 0 &&
		    fsx.fs_opnum % fsx.fs_reopen_every == 0)
			op = OP_REOPEN;
		else if (fsx.fs_commit_every != 0 &&
		    fsx.fs_opnum % fsx.fs_commit_every == 0)
			op = OP_COMMIT;
		else
			op = fsx_pick_op();
		fsx_step(op);
		if (fsx.fs_inject_at != 0 && fsx.fs_opnum >= fsx.fs_inject_at)
			fsx_inject();
	}
	fsx.fs_opnum = fsx.fs_nops;
}

int
main(int argc, char **argv)
{
	const char *spec;
	double t0, t1;
	unsigned i;
	int error;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fsx_parse(argc, argv, &spec);
	fsx.fs_chunk = fsx.fs_maxop > FSX_CHECK_CHUNK ? fsx.fs_maxop
						       : FSX_CHECK_CHUNK;
	fsx.fs_model = calloc(1, fsx.fs_maxlen);
	fsx.fs_buf = malloc(fsx.fs_chunk + FSX_WORD_BYTES);
	if (fsx.fs_model == NULL || fsx.fs_buf == NULL) {
		fprintf(stderr, "fsx: cannot allocate %" PRIu64 " bytes\n",
		    fsx.fs_maxlen);
		return (1);
	}
	error = fsx_target.ft_open(spec, &fsx.fs_cookie);
	if (error != 0) {
		fprintf(stderr, "fsx: cannot open %s: %s\n", spec,
		    strerror(error));
		return (1);
	}
	for (i = 0; i < fsx.fs_noptions; i++) {
		error = fsx_target.ft_option == NULL ? EINVAL
		    : fsx_target.ft_option(fsx.fs_cookie, fsx.fs_options[i]);
		if (error != 0) {
			fprintf(stderr, "fsx: option %s: %s\n",
			    fsx.fs_options[i], strerror(error));
			return (2);
		}
	}
	t0 = fsx_now();
	fsx_run();
	fsx_check_size("final");
	fsx_check_all("final");
	error = fsx_target.ft_close(fsx.fs_cookie);
	if (error != 0)
		fsx_fail_errno("close", error);
	t1 = fsx_now();
	printf("fsx: %" PRIu64 " ops in %.2f s (%.0f ops/s), final size 0x%"
	       PRIx64 ":",
	    fsx.fs_nops, t1 - t0, (double)fsx.fs_nops / (t1 - t0 + 1e-9),
	    fsx.fs_size);
	for (i = 0; i < OP_NOPS; i++)
		if (fsx.fs_count[i] != 0)
			printf(" %s %" PRIu64, fsx_opname[i], fsx.fs_count[i]);
	printf("\n");
	free(fsx.fs_model);
	free(fsx.fs_buf);
	return (0);
}
