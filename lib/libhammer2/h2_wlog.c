/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_wlog.c - record the block writes and sync barriers of a read-write
 * HAMMER2 dev, for the crash harness (tests/hammer2/crash).
 *
 * Model: h2_wlog_attach() slips a struct h2_wlog between a dev and its
 * host device interface: dev->d_ops/d_arg point at the recorder, which
 * forwards every call to the saved interface.  dop_write is appended to
 * the log (offset, length, data) once the device accepted it, dop_sync
 * is appended as a barrier once it returned, and h2_wlog_mark() appends
 * a workload marker ("FILE path size hash" after an fsync returned).  The
 * log is therefore the program-order history of what reached the device:
 * writes before a SYNC record are durable at that point, writes after
 * the last SYNC may reach the disk in any order or not at all.
 * h2_wlog_detach() restores the dev; h2_host_close() calls it.
 *
 * Invariants: a record is written with one write(2) of header and
 * payload to a log opened O_APPEND, so a recording process that dies
 * leaves whole records only (the replayer also rejects a torn tail), and
 * another process may append markers in order between them
 * (tests/hammer2/crash/h2_wlog_mark.c, for a recorded FUSE mount).  A failed device write or
 * sync is passed back and not recorded; a failed log write turns every
 * later dop_write/dop_sync into EIO, so a log never silently misses a
 * write.
 *
 * Locking: none; a dev is used by one thread (hammer2.h).
 *
 * More: docs/design/hammer2.md, tests/hammer2/crash/h2_crashreplay.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libhammer2.h"

#define H2_WLOG_FNV_PRIME	0x100000001b3ULL

struct h2_wlog {
	struct hammer2_devops	 wl_ops;	/* our forwarding ops */
	const struct hammer2_devops *wl_inner;	/* the host interface */
	void			*wl_inner_arg;
	int			 wl_fd;		/* the log file */
	int			 wl_error;	/* sticky log write error */
};

/* Append one record (header + payload) with a single write. */
static int
h2_wlog_append(struct h2_wlog *wl, uint32_t type, const void *buf,
    uint32_t len, uint64_t off)
{
	struct h2_wlog_rec rec;
	char *rbuf;
	size_t total = sizeof(rec) + len;
	size_t done = 0;
	ssize_t n;

	if (wl->wl_error != 0)
		return (wl->wl_error);
	rbuf = malloc(total);
	if (rbuf == NULL)
		return (wl->wl_error = ENOMEM);
	memset(&rec, 0, sizeof(rec));
	rec.wr_type = type;
	rec.wr_len = len;
	rec.wr_off = off;
	memcpy(rbuf, &rec, sizeof(rec));
	if (len > 0)
		memcpy(rbuf + sizeof(rec), buf, len);
	while (done < total) {
		n = write(wl->wl_fd, rbuf + done, total - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			wl->wl_error = EIO;
			break;
		}
		done += (size_t)n;
	}
	free(rbuf);
	return (wl->wl_error);
}

static int
h2_wlog_read(void *arg, void *buf, size_t len, uint64_t off)
{
	struct h2_wlog *wl = arg;

	return (wl->wl_inner->dop_read(wl->wl_inner_arg, buf, len, off));
}

static void *
h2_wlog_alloc(void *arg, size_t len)
{
	struct h2_wlog *wl = arg;

	return (wl->wl_inner->dop_alloc(wl->wl_inner_arg, len));
}

static void
h2_wlog_free(void *arg, void *p, size_t len)
{
	struct h2_wlog *wl = arg;

	wl->wl_inner->dop_free(wl->wl_inner_arg, p, len);
}

static void
h2_wlog_vlog(void *arg, const char *fmt, va_list ap)
    __attribute__((__format__(__printf__, 2, 0)));

static void
h2_wlog_vlog(void *arg, const char *fmt, va_list ap)
{
	struct h2_wlog *wl = arg;

	wl->wl_inner->dop_vlog(wl->wl_inner_arg, fmt, ap);
}

static uint64_t
h2_wlog_time(void *arg)
{
	struct h2_wlog *wl = arg;

	return (wl->wl_inner->dop_time(wl->wl_inner_arg));
}

/*
 * A write larger than a record can describe is split; the core writes at
 * most a 64 KiB block at a time, so this only guards the format.
 */
static int
h2_wlog_write(void *arg, const void *buf, size_t len, uint64_t off)
{
	struct h2_wlog *wl = arg;
	const size_t chunk = (size_t)1 << 30;
	size_t done, n;
	int error;

	if (wl->wl_error != 0)
		return (EIO);
	error = wl->wl_inner->dop_write(wl->wl_inner_arg, buf, len, off);
	if (error != 0)
		return (error);
	for (done = 0; done < len; done += n) {
		n = len - done < chunk ? len - done : chunk;
		if (h2_wlog_append(wl, H2_WLOG_WRITE, (const char *)buf + done,
		    (uint32_t)n, off + done) != 0)
			return (EIO);
	}
	return (0);
}

static int
h2_wlog_sync(void *arg)
{
	struct h2_wlog *wl = arg;
	int error;

	if (wl->wl_error != 0)
		return (EIO);
	error = wl->wl_inner->dop_sync(wl->wl_inner_arg);
	if (error != 0)
		return (error);
	return (h2_wlog_append(wl, H2_WLOG_SYNC, NULL, 0, 0) != 0 ? EIO : 0);
}

/*
 * h2_wlog_attach - start recording dev's writes into logpath (created or
 * truncated).  Returns 0, EINVAL for a read-only or already recorded
 * dev, or the errno of creating the log.
 */
int
h2_wlog_attach(struct hammer2_dev *dev, const char *logpath)
{
	struct h2_wlog_head head;
	struct h2_wlog *wl;
	int error;

	if (dev->d_ops->dop_write == NULL || dev->d_ops->dop_sync == NULL ||
	    h2_wlog_is_recording(dev))
		return (EINVAL);
	wl = calloc(1, sizeof(*wl));
	if (wl == NULL)
		return (ENOMEM);
	wl->wl_fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	    O_CLOEXEC, 0644);
	if (wl->wl_fd < 0) {
		error = errno;
		goto fail_free;
	}
	memset(&head, 0, sizeof(head));
	head.wh_magic = H2_WLOG_MAGIC;
	head.wh_devsize = dev->d_devsize;
	if (write(wl->wl_fd, &head, sizeof(head)) != (ssize_t)sizeof(head)) {
		error = EIO;
		goto fail_close;
	}
	wl->wl_inner = dev->d_ops;
	wl->wl_inner_arg = dev->d_arg;
	wl->wl_ops = *dev->d_ops;
	wl->wl_ops.dop_read = h2_wlog_read;
	wl->wl_ops.dop_alloc = h2_wlog_alloc;
	wl->wl_ops.dop_free = h2_wlog_free;
	wl->wl_ops.dop_vlog = h2_wlog_vlog;
	wl->wl_ops.dop_write = h2_wlog_write;
	wl->wl_ops.dop_sync = h2_wlog_sync;
	wl->wl_ops.dop_time = wl->wl_inner->dop_time ? h2_wlog_time : NULL;
	dev->d_ops = &wl->wl_ops;
	dev->d_arg = wl;
	return (0);

fail_close:
	close(wl->wl_fd);
fail_free:
	free(wl);
	return (error);
}

/*
 * h2_wlog_attach_env - h2_wlog_attach(dev, $H2_WLOG) for a read-write dev
 * when that variable is set and not empty; 0 (nothing done) otherwise.
 */
int
h2_wlog_attach_env(struct hammer2_dev *dev)
{
	const char *path = getenv(H2_WLOG_ENV);

	if (path == NULL || path[0] == '\0' || !dev->d_rdwr)
		return (0);
	return (h2_wlog_attach(dev, path));
}

bool
h2_wlog_is_recording(const struct hammer2_dev *dev)
{
	return (dev->d_ops->dop_write == h2_wlog_write);
}

/* h2_wlog_detach - stop recording and give dev back its interface. */
void
h2_wlog_detach(struct hammer2_dev *dev)
{
	struct h2_wlog *wl;

	if (!h2_wlog_is_recording(dev))
		return;
	wl = dev->d_arg;
	dev->d_ops = wl->wl_inner;
	dev->d_arg = wl->wl_inner_arg;
	close(wl->wl_fd);
	free(wl);
}

/*
 * h2_wlog_mark - append the marker text (one line, no newline) after
 * everything recorded so far.  Returns 0 (also when dev is not being
 * recorded: workloads call it unconditionally), EINVAL for a text that
 * is empty, too long or multi-line, EIO if the log cannot be written.
 */
int
h2_wlog_mark(struct hammer2_dev *dev, const char *text)
{
	size_t len = strlen(text);

	if (len == 0 || len > H2_WLOG_MARK_MAXBYTES ||
	    strchr(text, '\n') != NULL)
		return (EINVAL);
	if (!h2_wlog_is_recording(dev))
		return (0);
	return (h2_wlog_append(dev->d_arg, H2_WLOG_MARK, text, (uint32_t)len,
	    0));
}

/* h2_wlog_hash - FNV-1a over buf, continuing from hash (H2_WLOG_HASH_INIT). */
uint64_t
h2_wlog_hash(uint64_t hash, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		hash ^= p[i];
		hash *= H2_WLOG_FNV_PRIME;
	}
	return (hash);
}
