/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * libhammer2.h - host (Linux/userland) glue for the HAMMER2 core: opens
 * an image file or block device and fills in the core's device,
 * allocation and logging interface with pread(), malloc() and stderr.
 * Also small helpers the tools share (UUID and time formatting, image@PFS
 * parsing).
 *
 * Locking: none; one opened dev per thread.
 *
 * More: docs/design/hammer2.md.
 */

#ifndef _LIBHAMMER2_H_
#define _LIBHAMMER2_H_

#include <stddef.h>
#include <stdint.h>

#include "hammer2.h"

#define H2_HOST_QUIET	0x01	/* do not print core messages */
#define H2_HOST_RDWR	0x02	/* open read-write (dop_write/dop_sync) */

int h2_host_open(const char *path, int flags, struct hammer2_dev **devp);
void h2_host_close(struct hammer2_dev *dev);
int h2_host_devsize(int fd, uint64_t *sizep);
void h2_uuid_format(const struct hammer2_uuid *u, char *buf, size_t len);
void h2_time_format(uint64_t usec, char *buf, size_t len);
int h2_split_image_label(const char *arg, char **pathp, char **labelp);

/*
 * Write recording (h2_wlog.c; owner: crash harness).  When the
 * environment variable H2_WLOG names a file, h2_host_open() of a
 * read-write dev records every device write and sync barrier into it,
 * passing them through; h2_wlog_mark() adds a workload marker in order.
 * Log format (host byte order): struct h2_wlog_head, then records of a
 * struct h2_wlog_rec followed by wr_len payload bytes (the data written
 * for H2_WLOG_WRITE, the marker text for H2_WLOG_MARK, none for
 * H2_WLOG_SYNC).  tests/hammer2/crash/h2_crashreplay.c replays it.
 */
/* clang-format off */
#define H2_WLOG_ENV		"H2_WLOG"
#define H2_WLOG_MAGIC		0x31474f4c57324821ULL	/* "!H2WLOG1" */
#define H2_WLOG_WRITE		1
#define H2_WLOG_SYNC		2
#define H2_WLOG_MARK		3
#define H2_WLOG_MARK_MAXBYTES	4096

struct h2_wlog_head {
	uint64_t	wh_magic;	/* H2_WLOG_MAGIC */
	uint64_t	wh_devsize;	/* size of the recorded device */
};

struct h2_wlog_rec {
	uint32_t	wr_type;	/* H2_WLOG_* */
	uint32_t	wr_len;		/* payload bytes */
	uint64_t	wr_off;		/* device offset (writes) */
};
/* clang-format on */

int h2_wlog_attach(struct hammer2_dev *dev, const char *logpath);
int h2_wlog_attach_env(struct hammer2_dev *dev);
void h2_wlog_detach(struct hammer2_dev *dev);
bool h2_wlog_is_recording(const struct hammer2_dev *dev);
int h2_wlog_mark(struct hammer2_dev *dev, const char *text);
uint64_t h2_wlog_hash(uint64_t hash, const void *buf, size_t len);
#define H2_WLOG_HASH_INIT	0xcbf29ce484222325ULL	/* FNV-1a basis */

#endif /* !_LIBHAMMER2_H_ */
