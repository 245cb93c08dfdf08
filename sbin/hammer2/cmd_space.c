/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * cmd_space.c - "hammer2 bulkfree", "cleanup" and "growfs" on an image.
 *
 * Model: bulkfree and growfs are the core's hammer2_bulkfree() and
 * hammer2_growfs() (they commit).  A bulkfree pass, as in DragonFly,
 * frees a block only when it found it unreferenced in two passes in a
 * row (allocated -> staged -> free, format §15.2).  cleanup is our
 * offline version of DragonFly's periodic cleanup: one dedup pass over
 * every PFS with one table (snapshots included, so that their duplicates
 * go too; identical blocks of different PFSs are merged), then two
 * bulkfree passes, which free the blocks the dedup passes stopped
 * using and whatever deleted PFSs and files left.  growfs extends an image file
 * that is smaller than the size asked for, then grows the volume to it
 * (default: the size of the file or device).
 *
 * More: hammer2(8), sys/vfs/hammer2/hammer2_chain.h.
 */

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hammer2_chain.h"
#include "hammer2_cmd.h"

/* clang-format off */
#define MIB_SHIFT	20
#define CLEANUP_BULKFREE_PASSES	2	/* 11 -> 10, then 10 -> 00 */
#define GROWFS_WRITE_BITS	0222	/* read-only files are refused later */
/* clang-format on */

static void
bulkfree_report(const struct hammer2_bulkfree_stats *st)
{
	printf("bulkfree: %ju blockrefs scanned, %ju MiB staged, %ju KiB freed, %ju MiB free\n",
	    (uintmax_t)st->bf_scanned, (uintmax_t)(st->bf_staged >> MIB_SHIFT),
	    (uintmax_t)(st->bf_freed >> 10),
	    (uintmax_t)(st->bf_free_after >> MIB_SHIFT));
}

int
cmd_bulkfree(const char *path)
{
	struct hammer2_bulkfree_stats st;
	struct hammer2_dev *dev;
	int error;

	if (h2cmd_open_rw(path, &dev) != 0)
		return (1);
	memset(&st, 0, sizeof(st));
	error = hammer2_bulkfree(dev, &st);
	if (error != 0)
		fprintf(stderr, "hammer2: %s: bulkfree: %s\n", path,
		    strerror(error));
	else
		bulkfree_report(&st);
	return (h2cmd_close_rw(path, dev, error));
}

/* Dedup every PFS (one table for all), then bulkfree twice. */
static int
cleanup_run(const char *path, struct hammer2_dev *dev)
{
	struct hammer2_pfs_dedup_stats dd;
	struct hammer2_bulkfree_stats st;
	int error, i;

	error = hammer2_pfs_dedup(dev, NULL, &dd);
	if (error == 0)
		printf("dedup: %ju blocks, %ju repointed, %ju KiB saved\n",
		    (uintmax_t)dd.dd_scanned, (uintmax_t)dd.dd_repointed,
		    (uintmax_t)(dd.dd_saved >> 10));
	for (i = 0; error == 0 && i < CLEANUP_BULKFREE_PASSES; i++) {
		memset(&st, 0, sizeof(st));
		error = hammer2_bulkfree(dev, &st);
		if (error == 0)
			bulkfree_report(&st);
	}
	if (error != 0)
		fprintf(stderr, "hammer2: %s: cleanup: %s\n", path,
		    strerror(error));
	return (error);
}

int
cmd_cleanup(const char *path)
{
	struct hammer2_dev *dev;

	if (h2cmd_open_rw(path, &dev) != 0)
		return (1);
	return (h2cmd_close_rw(path, dev, cleanup_run(path, dev)));
}

/* A size with an optional k/m/g/t suffix; 0 if malformed. */
static uint64_t
parse_size(const char *s)
{
	char *end;
	uint64_t v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *s == '-')
		return (0);
	switch (*end) {
	case 't': case 'T':
		shift += 10;
		__attribute__((fallthrough));
	case 'g': case 'G':
		shift += 10;
		__attribute__((fallthrough));
	case 'm': case 'M':
		shift += 10;
		__attribute__((fallthrough));
	case 'k': case 'K':
		shift += 10;
		end++;
		break;
	default:
		break;
	}
	if (*end != '\0' || (shift > 0 && v > (UINT64_MAX >> shift)))
		return (0);
	return (v << shift);
}

/* Make an image file at least size bytes long (devices are left alone). */
static int
growfs_extend(const char *path, uint64_t size)
{
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size >= size)
		return (0);
	if ((st.st_mode & GROWFS_WRITE_BITS) != 0 &&
	    truncate(path, (off_t)size) != 0) {
		fprintf(stderr, "hammer2: %s: %s\n", path, strerror(errno));
		return (errno);
	}
	return (0);
}

int
cmd_growfs(const char *path, const char *sizestr)
{
	struct hammer2_dev *dev;
	uint64_t size = 0, old;
	int error;

	if (sizestr != NULL && (size = parse_size(sizestr)) == 0) {
		fprintf(stderr, "hammer2: bad size \"%s\"\n", sizestr);
		return (1);
	}
	if (size != 0 && growfs_extend(path, size) != 0)
		return (1);
	/*
	 * Quiet: past the old volume end, the header copy slots of the
	 * grown area are not HAMMER2 headers yet (growfs writes them).
	 */
	if (h2cmd_open_rw_flags(path, H2_HOST_QUIET, &dev) != 0)
		return (1);
	old = dev->d_voldata.volu_size;
	if (size == 0)
		size = dev->d_devsize;
	if (size > dev->d_devsize) {
		fprintf(stderr, "hammer2: %s: %ju bytes exceed the device size %ju\n",
		    path, (uintmax_t)size, (uintmax_t)dev->d_devsize);
		return (h2cmd_close_rw(path, dev, EINVAL));
	}
	if (size < old) {
		fprintf(stderr, "hammer2: %s: cannot shrink a volume (%ju < %ju bytes)\n",
		    path, (uintmax_t)size, (uintmax_t)old);
		return (h2cmd_close_rw(path, dev, EINVAL));
	}
	error = hammer2_growfs(dev, size);
	if (error != 0)
		fprintf(stderr, "hammer2: %s: growfs: %s\n", path,
		    strerror(error));
	else
		printf("growfs: %ju MiB -> %ju MiB\n",
		    (uintmax_t)(old >> MIB_SHIFT),
		    (uintmax_t)(dev->d_voldata.volu_size >> MIB_SHIFT));
	return (h2cmd_close_rw(path, dev, error));
}
