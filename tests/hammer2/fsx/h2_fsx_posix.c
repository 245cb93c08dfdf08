/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_fsx_posix.c - the fsx target for a path on any mounted file system.
 *
 * Model: one file descriptor on the path named on the command line,
 * opened O_RDWR | O_CREAT | O_TRUNC; pread/pwrite/ftruncate/fstat/fsync
 * map one to one, "reopen" closes the descriptor and opens the path
 * again without O_TRUNC, "commit" is fsync followed by syncfs.  The
 * file is left in place at the end, so that a caller can inspect or
 * fsck what holds it.
 *
 * Invariants: a short pwrite is retried until all bytes are written or
 * an error is returned; EINTR is retried.
 *
 * Locking: none; one thread.
 *
 * More: h2_fsx.h, h2_fsx.c.
 */

#define _GNU_SOURCE	/* syncfs */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h2_fsx.h"

#define FSX_FILE_MODE	0644

struct fsx_posix {
	char	*fp_path;
	int	 fp_fd;
};

static int
fsx_posix_open(const char *spec, void **cookiep)
{
	struct fsx_posix *fp;

	fp = calloc(1, sizeof(*fp));
	if (fp == NULL)
		return (ENOMEM);
	fp->fp_path = strdup(spec);
	fp->fp_fd = open(spec, O_RDWR | O_CREAT | O_TRUNC, FSX_FILE_MODE);
	if (fp->fp_path == NULL || fp->fp_fd < 0) {
		int error = fp->fp_path == NULL ? ENOMEM : errno;

		free(fp->fp_path);
		free(fp);
		return (error);
	}
	*cookiep = fp;
	return (0);
}

static int
fsx_posix_close(void *cookie)
{
	struct fsx_posix *fp = cookie;
	int error = 0;

	if (fsync(fp->fp_fd) != 0)
		error = errno;
	if (close(fp->fp_fd) != 0 && error == 0)
		error = errno;
	free(fp->fp_path);
	free(fp);
	return (error);
}

static int
fsx_posix_pread(void *cookie, void *buf, size_t len, uint64_t off,
    size_t *donep)
{
	struct fsx_posix *fp = cookie;
	size_t done = 0;
	ssize_t n;

	/* Read until EOF or len: one pread may legally return less. */
	while (done < len) {
		n = pread(fp->fp_fd, (char *)buf + done, len - done,
		    (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (errno);
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*donep = done;
	return (0);
}

static int
fsx_posix_pwrite(void *cookie, const void *buf, size_t len, uint64_t off)
{
	struct fsx_posix *fp = cookie;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fp->fp_fd, (const char *)buf + done, len - done,
		    (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (errno);
		if (n == 0)
			return (EIO);
		done += (size_t)n;
	}
	return (0);
}

static int
fsx_posix_truncate(void *cookie, uint64_t size)
{
	struct fsx_posix *fp = cookie;

	return (ftruncate(fp->fp_fd, (off_t)size) != 0 ? errno : 0);
}

static int
fsx_posix_size(void *cookie, uint64_t *sizep)
{
	struct fsx_posix *fp = cookie;
	struct stat st;

	if (fstat(fp->fp_fd, &st) != 0)
		return (errno);
	*sizep = (uint64_t)st.st_size;
	return (0);
}

static int
fsx_posix_fsync(void *cookie)
{
	struct fsx_posix *fp = cookie;

	return (fsync(fp->fp_fd) != 0 ? errno : 0);
}

static int
fsx_posix_reopen(void *cookie)
{
	struct fsx_posix *fp = cookie;

	if (close(fp->fp_fd) != 0)
		return (errno);
	fp->fp_fd = open(fp->fp_path, O_RDWR);
	return (fp->fp_fd < 0 ? errno : 0);
}

static int
fsx_posix_commit(void *cookie)
{
	struct fsx_posix *fp = cookie;

	if (fsync(fp->fp_fd) != 0 || syncfs(fp->fp_fd) != 0)
		return (errno);
	return (0);
}

const struct fsx_target fsx_target = {
	.ft_name = "h2_fsx",
	.ft_open = fsx_posix_open,
	.ft_close = fsx_posix_close,
	.ft_pread = fsx_posix_pread,
	.ft_pwrite = fsx_posix_pwrite,
	.ft_truncate = fsx_posix_truncate,
	.ft_size = fsx_posix_size,
	.ft_fsync = fsx_posix_fsync,
	.ft_reopen = fsx_posix_reopen,
	.ft_commit = fsx_posix_commit,
};
