/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * cmd_rw.c - what the offline commands that change an image share:
 * opening it read-write (refusing read-only image files), closing it
 * with or without the final commit, random PFS identifiers, the
 * "image@LABEL" split with a clear error, and counting the blocks an
 * action writes (hammer2 -v).
 *
 * Model: open = h2_host_open(H2_HOST_RDWR) + hammer2_rw_mount(); the
 * action commits itself (hammer2_pfs.h, hammer2_chain.h); close after
 * success = hammer2_rw_unmount() (commits anything left) + close; close
 * after a failure only frees, so a half-done action is never committed
 * and the last commit stays the state on the media.  The write counter
 * sits between the core and the host device ops and counts every device
 * write: blocks, freemap, volume header.
 *
 * More: hammer2(8).
 */

#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hammer2_chain.h"
#include "hammer2_cmd.h"

/* clang-format off */
#define H2CMD_UUID_VERSION_BYTE	7
#define H2CMD_UUID_VARIANT_BYTE	8
#define H2CMD_WRITE_BITS	0222	/* any write permission */
/* clang-format on */

int h2cmd_verbose;

static const struct hammer2_devops *h2cmd_host_ops;
static struct hammer2_devops h2cmd_count_ops;
static uint64_t h2cmd_nwrites, h2cmd_nbytes;

static int
h2cmd_count_write(void *arg, const void *buf, size_t len, uint64_t off)
{
	h2cmd_nwrites++;
	h2cmd_nbytes += len;
	return (h2cmd_host_ops->dop_write(arg, buf, len, off));
}

/* Refuse an image file nobody may write, even when run as root. */
static int
h2cmd_check_writable(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "hammer2: %s: %s\n", path, strerror(errno));
		return (errno);
	}
	if (S_ISREG(st.st_mode) && (st.st_mode & H2CMD_WRITE_BITS) == 0) {
		fprintf(stderr, "hammer2: %s: read-only image file\n", path);
		return (EROFS);
	}
	return (0);
}

/*
 * h2cmd_open_rw_flags - open path read-write (flags: more H2_HOST_*) and
 * mount it for writing.  Prints why on failure.  Returns 0 or an errno.
 */
int
h2cmd_open_rw_flags(const char *path, int flags, struct hammer2_dev **devp)
{
	struct hammer2_dev *dev;
	int error;

	error = h2cmd_check_writable(path);
	if (error != 0)
		return (error);
	error = h2_host_open(path, H2_HOST_RDWR | flags, &dev);
	if (error != 0) {
		fprintf(stderr, "hammer2: %s: %s\n", path, strerror(error));
		return (error);
	}
	h2cmd_host_ops = dev->d_ops;
	h2cmd_count_ops = *dev->d_ops;
	h2cmd_count_ops.dop_write = h2cmd_count_write;
	dev->d_ops = &h2cmd_count_ops;
	error = hammer2_rw_mount(dev);
	if (error != 0) {
		fprintf(stderr, "hammer2: %s: cannot mount read-write: %s\n",
		    path, strerror(error));
		dev->d_ops = h2cmd_host_ops;
		h2_host_close(dev);
		return (error);
	}
	*devp = dev;
	return (0);
}

int
h2cmd_open_rw(const char *path, struct hammer2_dev **devp)
{
	return (h2cmd_open_rw_flags(path, 0, devp));
}

/*
 * h2cmd_close_rw - after success (error == 0) commit what is left and
 * close; after a failure close without committing.  Returns the exit
 * status: 0 only if error was 0 and the final commit worked.
 */
int
h2cmd_close_rw(const char *path, struct hammer2_dev *dev, int error)
{
	int uerror;

	if (error == 0) {
		uerror = hammer2_rw_unmount(dev);
		if (uerror != 0) {
			fprintf(stderr, "hammer2: %s: commit failed: %s\n",
			    path, strerror(uerror));
			error = uerror;
		}
	}
	dev->d_ops = h2cmd_host_ops;
	h2_host_close(dev);
	return (error != 0);
}

/* Reset the write counter (and remember when the action started). */
void
h2cmd_count_start(struct h2cmd_count *c)
{
	h2cmd_nwrites = 0;
	h2cmd_nbytes = 0;
	clock_gettime(CLOCK_MONOTONIC, &c->c_start);
}

/* With -v, print how many writes and bytes, and how long, since start. */
void
h2cmd_count_report(const struct h2cmd_count *c, const char *what)
{
	struct timespec now;
	double ms;

	if (!h2cmd_verbose)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (double)(now.tv_sec - c->c_start.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - c->c_start.tv_nsec) / 1e6;
	printf("%s: %ju writes, %ju bytes written, %.3f ms\n", what,
	    (uintmax_t)h2cmd_nwrites, (uintmax_t)h2cmd_nbytes, ms);
}

static int
h2cmd_random_uuid(struct hammer2_uuid *u)
{
	if (getrandom(u->bytes, sizeof(u->bytes), 0) != sizeof(u->bytes)) {
		perror("hammer2: getrandom");
		return (EIO);
	}
	u->bytes[H2CMD_UUID_VERSION_BYTE] =
	    (uint8_t)((u->bytes[H2CMD_UUID_VERSION_BYTE] & 0x0F) | 0x40);
	u->bytes[H2CMD_UUID_VARIANT_BYTE] =
	    (uint8_t)((u->bytes[H2CMD_UUID_VARIANT_BYTE] & 0x3F) | 0x80);
	return (0);
}

/* Fresh random pfs_clid and pfs_fsid. */
int
h2cmd_random_ids(struct hammer2_pfs_ids *ids)
{
	int error;

	error = h2cmd_random_uuid(&ids->pi_clid);
	if (error == 0)
		error = h2cmd_random_uuid(&ids->pi_fsid);
	return (error);
}

/*
 * h2cmd_split - "image@LABEL" into image and label (default DATA);
 * rejects an invalid label.  Returns 0 or prints why and returns 1.
 */
int
h2cmd_split(const char *arg, char **pathp, char **labelp)
{
	if (h2_split_image_label(arg, pathp, labelp) != 0) {
		fprintf(stderr, "hammer2: out of memory\n");
		return (1);
	}
	if (!hammer2_pfs_label_is_valid(*labelp)) {
		fprintf(stderr, "hammer2: bad PFS label \"%s\"\n", *labelp);
		free(*pathp);
		free(*labelp);
		return (1);
	}
	return (0);
}

/* Print the error of a PFS action in words that name the PFS. */
void
h2cmd_pfs_error(const char *path, const char *label, int error)
{
	switch (error) {
	case ENOENT:
		fprintf(stderr, "hammer2: %s: no such PFS \"%s\"\n", path,
		    label);
		break;
	case EEXIST:
		fprintf(stderr, "hammer2: %s: PFS \"%s\" already exists\n",
		    path, label);
		break;
	case EINVAL:
		fprintf(stderr, "hammer2: bad PFS label \"%s\"\n", label);
		break;
	case ENOSPC:
		fprintf(stderr, "hammer2: %s: PFS \"%s\": %s\n", path, label,
		    "no space left (volume or label hash window full)");
		break;
	default:
		fprintf(stderr, "hammer2: %s: PFS \"%s\": %s\n", path, label,
		    strerror(error));
		break;
	}
}
