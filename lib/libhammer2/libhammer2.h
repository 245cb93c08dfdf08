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

#endif /* !_LIBHAMMER2_H_ */
