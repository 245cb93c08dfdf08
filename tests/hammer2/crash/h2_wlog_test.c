/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_wlog_test.c - unit test of the write recorder (lib/libhammer2/
 * h2_wlog.c) on a scratch image made by newfs_hammer2.
 *
 * Model: one run checks, in order: refusals (read-only dev, second
 * attach, bad marker texts, an unwritable log), that markers on an
 * unrecorded dev are no-ops, that a write, a sync and a marker through
 * $H2_WLOG and h2_host_open() come out as exactly three records with the
 * right offset, bytes and text, that a write or sync the device refuses
 * (a fake device) is passed back and not recorded, that detach restores
 * the device interface, and the hash's known value.  Prints
 * "ok" lines and exits 0, or the first failed expectation and exits 1.
 *
 * Locking: single-threaded program.
 *
 * More: lib/libhammer2/h2_wlog.c, tests/suites/hammer2-crash.sh.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libhammer2.h"

#define WT_BLOCK_BYTES	4096
#define WT_FILL		0x5a
#define WT_FNV_A	0xaf63dc4c8601ec8cULL	/* FNV-1a 64 of "a" */

#define WT_EXPECT(cond) do {						\
	if (!(cond)) {							\
		printf("h2_wlog_test: failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
		exit(1);						\
	}								\
} while (0)

static uint8_t *
wt_slurp(const char *path, size_t *lenp)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long len;

	WT_EXPECT(fp != NULL);
	WT_EXPECT(fseek(fp, 0, SEEK_END) == 0);
	len = ftell(fp);
	WT_EXPECT(len >= 0);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	WT_EXPECT(buf != NULL);
	WT_EXPECT(fread(buf, 1, (size_t)len, fp) == (size_t)len);
	fclose(fp);
	*lenp = (size_t)len;
	return (buf);
}

static void
wt_refusals(const char *img, const char *logpath)
{
	struct hammer2_dev *dev;
	char longtext[H2_WLOG_MARK_MAXBYTES + 2];

	WT_EXPECT(h2_host_open(img, H2_HOST_QUIET, &dev) == 0);
	WT_EXPECT(h2_wlog_attach(dev, logpath) == EINVAL);
	WT_EXPECT(!h2_wlog_is_recording(dev));
	h2_host_close(dev);
	WT_EXPECT(h2_host_open(img, H2_HOST_RDWR, &dev) == 0);
	WT_EXPECT(h2_wlog_mark(dev, "FILE /x 0 0") == 0);	/* no-op */
	WT_EXPECT(h2_wlog_attach(dev, "/nonexistent/dir/log") == ENOENT);
	WT_EXPECT(h2_wlog_attach(dev, "/dev/full") == EIO);
	WT_EXPECT(!h2_wlog_is_recording(dev));
	WT_EXPECT(h2_wlog_attach(dev, logpath) == 0);
	WT_EXPECT(h2_wlog_attach(dev, logpath) == EINVAL);
	WT_EXPECT(h2_wlog_mark(dev, "") == EINVAL);
	WT_EXPECT(h2_wlog_mark(dev, "two\nlines") == EINVAL);
	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	WT_EXPECT(h2_wlog_mark(dev, longtext) == EINVAL);
	h2_host_close(dev);
	printf("ok refusals\n");
}

/* A write, a sync and a marker through the host device; read the log. */
static void
wt_records(const char *img, const char *logpath)
{
	struct hammer2_dev *dev;
	const struct hammer2_devops *hostops;
	struct h2_wlog_head head;
	struct h2_wlog_rec rec;
	static uint8_t block[WT_BLOCK_BYTES];
	uint8_t *log;
	uint64_t off;
	size_t len, pos;

	setenv(H2_WLOG_ENV, logpath, 1);
	WT_EXPECT(h2_host_open(img, H2_HOST_RDWR, &dev) == 0);
	unsetenv(H2_WLOG_ENV);
	WT_EXPECT(h2_wlog_is_recording(dev));
	off = dev->d_devsize - 2 * WT_BLOCK_BYTES;	/* unused by newfs */
	memset(block, WT_FILL, sizeof(block));
	WT_EXPECT(dev->d_ops->dop_write(dev->d_arg, block, sizeof(block),
	    off) == 0);
	WT_EXPECT(dev->d_ops->dop_sync(dev->d_arg) == 0);
	WT_EXPECT(h2_wlog_mark(dev, "GONE /a") == 0);
	h2_wlog_detach(dev);
	WT_EXPECT(!h2_wlog_is_recording(dev));
	hostops = dev->d_ops;
	WT_EXPECT(hostops->dop_write != NULL);
	h2_host_close(dev);

	log = wt_slurp(logpath, &len);
	WT_EXPECT(len == sizeof(head) + 3 * sizeof(rec) + WT_BLOCK_BYTES + 7);
	memcpy(&head, log, sizeof(head));
	WT_EXPECT(head.wh_magic == H2_WLOG_MAGIC);
	pos = sizeof(head);
	memcpy(&rec, log + pos, sizeof(rec));
	WT_EXPECT(rec.wr_type == H2_WLOG_WRITE && rec.wr_off == off &&
	    rec.wr_len == WT_BLOCK_BYTES);
	WT_EXPECT(memcmp(log + pos + sizeof(rec), block, WT_BLOCK_BYTES) == 0);
	pos += sizeof(rec) + WT_BLOCK_BYTES;
	memcpy(&rec, log + pos, sizeof(rec));
	WT_EXPECT(rec.wr_type == H2_WLOG_SYNC && rec.wr_len == 0);
	pos += sizeof(rec);
	memcpy(&rec, log + pos, sizeof(rec));
	WT_EXPECT(rec.wr_type == H2_WLOG_MARK && rec.wr_len == 7);
	WT_EXPECT(memcmp(log + pos + sizeof(rec), "GONE /a", 7) == 0);
	free(log);
	printf("ok records\n");
}

static int
wt_fake_write(void *arg, const void *buf, size_t len, uint64_t off)
{
	int *calls = arg;

	(void)buf;
	(void)len;
	(*calls)++;
	return (off == 0 ? EIO : 0);	/* the fake device refuses 0 */
}

static int
wt_fake_sync(void *arg)
{
	(void)arg;
	return (EIO);
}

/* Refused writes and syncs are passed back and not recorded. */
static void
wt_refused(const char *logpath)
{
	static const struct hammer2_devops fake = {
		.dop_write = wt_fake_write,
		.dop_sync = wt_fake_sync,
	};
	struct hammer2_dev dev;
	uint8_t byte = 1, *log;
	size_t len;
	int calls = 0;

	memset(&dev, 0, sizeof(dev));
	dev.d_ops = &fake;
	dev.d_arg = &calls;
	dev.d_devsize = WT_BLOCK_BYTES;
	WT_EXPECT(h2_wlog_attach(&dev, logpath) == 0);
	WT_EXPECT(dev.d_ops->dop_write(dev.d_arg, &byte, 1, 0) == EIO);
	WT_EXPECT(dev.d_ops->dop_sync(dev.d_arg) == EIO);
	WT_EXPECT(dev.d_ops->dop_write(dev.d_arg, &byte, 1, 1) == 0);
	WT_EXPECT(calls == 2);
	h2_wlog_detach(&dev);
	WT_EXPECT(dev.d_ops == &fake && dev.d_arg == &calls);
	log = wt_slurp(logpath, &len);
	WT_EXPECT(len == sizeof(struct h2_wlog_head) +
	    sizeof(struct h2_wlog_rec) + 1);
	free(log);
	printf("ok refused\n");
}

int
main(int argc, char **argv)
{
	struct hammer2_dev *dev;

	if (argc != 3) {
		fprintf(stderr, "usage: h2_wlog_test image log\n");
		return (2);
	}
	unsetenv(H2_WLOG_ENV);
	wt_refusals(argv[1], argv[2]);
	wt_records(argv[1], argv[2]);
	wt_refused(argv[2]);
	WT_EXPECT(h2_wlog_hash(H2_WLOG_HASH_INIT, "a", 1) == WT_FNV_A);
	WT_EXPECT(h2_wlog_hash(H2_WLOG_HASH_INIT, "", 0) ==
	    H2_WLOG_HASH_INIT);
	printf("ok hash\n");
	/* The image is still a valid volume after the test's writes. */
	WT_EXPECT(h2_host_open(argv[1], H2_HOST_QUIET, &dev) == 0);
	h2_host_close(dev);
	return (0);
}
