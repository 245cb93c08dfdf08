/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_host.c - the HAMMER2 core's device interface on a Linux host.
 *
 * Model: h2_host_open() opens a file or block device (read-only, or
 * read-write with H2_HOST_RDWR), measures it, wires pread()/pwrite()/
 * fdatasync()/malloc()/stderr into a struct hammer2_dev and mounts the
 * volume (chooses the header).  h2_host_close() undoes all of it.
 *
 * Invariants: short reads and writes are EIO (a truncated image ends in
 * EIO, never in stale buffer contents); dop_sync returns only once the
 * data written before it is on stable storage.
 *
 * Locking: none; a dev is used by one thread.
 *
 * More: docs/design/hammer2.md.
 */

#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libhammer2.h"

struct h2_host {
	int		hh_fd;
	int		hh_flags;
};

static int
h2_host_read(void *arg, void *buf, size_t len, uint64_t off)
{
	struct h2_host *hh = arg;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(hh->hh_fd, (char *)buf + done, len - done,
		    (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (EIO);
		done += (size_t)n;
	}
	return (0);
}

static int
h2_host_write(void *arg, const void *buf, size_t len, uint64_t off)
{
	struct h2_host *hh = arg;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(hh->hh_fd, (const char *)buf + done, len - done,
		    (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (n < 0 && errno == ENOSPC ? ENOSPC : EIO);
		done += (size_t)n;
	}
	return (0);
}

static int
h2_host_sync(void *arg)
{
	struct h2_host *hh = arg;

	return (fdatasync(hh->hh_fd) == 0 ? 0 : EIO);
}

static uint64_t
h2_host_time(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

static void *
h2_host_alloc(void *arg, size_t len)
{
	(void)arg;
	return (malloc(len));
}

static void
h2_host_free(void *arg, void *p, size_t len)
{
	(void)arg;
	(void)len;
	free(p);
}

static void
h2_host_vlog(void *arg, const char *fmt, va_list ap)
    __attribute__((__format__(__printf__, 2, 0)));

static void
h2_host_vlog(void *arg, const char *fmt, va_list ap)
{
	struct h2_host *hh = arg;

	if (hh->hh_flags & H2_HOST_QUIET)
		return;
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static const struct hammer2_devops h2_host_ops = {
	.dop_read = h2_host_read,
	.dop_alloc = h2_host_alloc,
	.dop_free = h2_host_free,
	.dop_vlog = h2_host_vlog,
	.dop_time = h2_host_time,
};

static const struct hammer2_devops h2_host_rw_ops = {
	.dop_read = h2_host_read,
	.dop_alloc = h2_host_alloc,
	.dop_free = h2_host_free,
	.dop_vlog = h2_host_vlog,
	.dop_write = h2_host_write,
	.dop_sync = h2_host_sync,
	.dop_time = h2_host_time,
};

/* h2_host_devsize - size of a regular file or block device. */
int
h2_host_devsize(int fd, uint64_t *sizep)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return (errno);
	if (S_ISBLK(st.st_mode))
		return (ioctl(fd, BLKGETSIZE64, sizep) == 0 ? 0 : errno);
	if (!S_ISREG(st.st_mode))
		return (ENODEV);
	*sizep = (uint64_t)st.st_size;
	return (0);
}

/*
 * A block device set read-only (blockdev --setro) opens O_RDWR without
 * complaint and fails only at the first write: refuse it at open.
 */
static int
h2_host_check_writable(int fd, int flags)
{
	struct stat st;
	int ro = 0;

	if ((flags & H2_HOST_RDWR) == 0 || fstat(fd, &st) != 0 ||
	    !S_ISBLK(st.st_mode))
		return (0);
	if (ioctl(fd, BLKROGET, &ro) != 0)
		return (errno);
	return (ro ? EROFS : 0);
}

/*
 * h2_host_open - open path and mount its HAMMER2 volume.  Returns 0 and
 * *devp, or an errno (the core has printed why unless H2_HOST_QUIET).
 */
int
h2_host_open(const char *path, int flags, struct hammer2_dev **devp)
{
	struct hammer2_dev *dev;
	struct h2_host *hh;
	int error;

	dev = calloc(1, sizeof(*dev));
	hh = calloc(1, sizeof(*hh));
	if (dev == NULL || hh == NULL) {
		error = ENOMEM;
		goto fail_free;
	}
	hh->hh_flags = flags;
	hh->hh_fd = open(path, ((flags & H2_HOST_RDWR) ? O_RDWR : O_RDONLY) |
	    O_CLOEXEC);
	if (hh->hh_fd < 0) {
		error = errno;
		goto fail_free;
	}
	error = h2_host_devsize(hh->hh_fd, &dev->d_devsize);
	if (error != 0)
		goto fail_close;
	error = h2_host_check_writable(hh->hh_fd, flags);
	if (error != 0)
		goto fail_close;
	dev->d_ops = (flags & H2_HOST_RDWR) ? &h2_host_rw_ops : &h2_host_ops;
	dev->d_rdwr = (flags & H2_HOST_RDWR) != 0;
	dev->d_arg = hh;
	error = hammer2_dev_mount(dev);
	if (error != 0)
		goto fail_unmount;
	/* Crash harness hook (h2_wlog.c): record writes if $H2_WLOG is set. */
	error = h2_wlog_attach_env(dev);
	if (error != 0)
		goto fail_unmount;
	*devp = dev;
	return (0);

fail_unmount:
	hammer2_dev_unmount(dev);
fail_close:
	close(hh->hh_fd);
fail_free:
	free(hh);
	free(dev);
	return (error);
}

void
h2_host_close(struct hammer2_dev *dev)
{
	struct h2_host *hh;

	hammer2_dev_unmount(dev);
	h2_wlog_detach(dev);	/* crash harness hook: stop recording */
	hh = dev->d_arg;
	close(hh->hh_fd);
	free(hh);
	free(dev);
}

/* Format a UUID stored in DCE layout with little-endian fields. */
void
h2_uuid_format(const struct hammer2_uuid *u, char *buf, size_t len)
{
	const uint8_t *b = u->bytes;

	snprintf(buf, len,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
}

/* Format microseconds since the epoch as DragonFly's show does (UTC). */
void
h2_time_format(uint64_t usec, char *buf, size_t len)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%d-%b-%Y %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "%ju", (uintmax_t)usec);
}

/*
 * h2_split_image_label - split "image@LABEL" into its parts; the label
 * defaults to "DATA".  Returns 0 or ENOMEM; the caller frees both.
 */
int
h2_split_image_label(const char *arg, char **pathp, char **labelp)
{
	const char *at = strrchr(arg, '@');

	if (at == NULL || at[1] == '\0') {
		*pathp = at == NULL ? strdup(arg) : strndup(arg, (size_t)(at - arg));
		*labelp = strdup("DATA");
	} else {
		*pathp = strndup(arg, (size_t)(at - arg));
		*labelp = strdup(at + 1);
	}
	if (*pathp == NULL || *labelp == NULL) {
		free(*pathp);
		free(*labelp);
		return (ENOMEM);
	}
	return (0);
}
