/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * cmd_pfs.c - "hammer2 pfs-create", "pfs-delete" and "snapshot" on an
 * image: open it read-write, call hammer2_pfs_create/_delete/_snapshot
 * (which commit), close.
 *
 * Model: DragonFly's commands act on a mounted file system through
 * ioctls; ours act on an unmounted image or device.  A snapshot's
 * default name is DragonFly's, <label>.YYYYMMDD.HHMMSS (UTC here).
 *
 * More: hammer2(8), sys/vfs/hammer2/hammer2_pfs.h.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hammer2_cmd.h"

/* clang-format off */
#define SNAP_SUFFIX_BYTES	sizeof(".YYYYMMDD.HHMMSS")
/* clang-format on */

static const struct {
	const char	*pt_name;
	int		 pt_type;
} pfs_types[] = {
	{ "MASTER", HAMMER2_PFSTYPE_MASTER },
	{ "SLAVE", HAMMER2_PFSTYPE_SLAVE },
	{ "SOFT_MASTER", HAMMER2_PFSTYPE_SOFT_MASTER },
	{ "SOFT_SLAVE", HAMMER2_PFSTYPE_SOFT_SLAVE },
	{ "CACHE", HAMMER2_PFSTYPE_CACHE },
};

/* A PFS type name (any case) -> HAMMER2_PFSTYPE_*, or -1. */
int
h2cmd_pfs_type(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(pfs_types) / sizeof(pfs_types[0]); i++)
		if (strcasecmp(pfs_types[i].pt_name, name) == 0)
			return (pfs_types[i].pt_type);
	return (-1);
}

int
cmd_pfs_create(const char *path, const char *label, int type)
{
	struct hammer2_pfs_ids ids;
	struct hammer2_dev *dev;
	struct h2cmd_count c;
	int error;

	if (!hammer2_pfs_label_is_valid(label)) {
		h2cmd_pfs_error(path, label, EINVAL);
		return (1);
	}
	if (h2cmd_random_ids(&ids) != 0 || h2cmd_open_rw(path, &dev) != 0)
		return (1);
	h2cmd_count_start(&c);
	error = hammer2_pfs_create(dev, label, type, &ids);
	if (error != 0)
		h2cmd_pfs_error(path, label, error);
	else
		h2cmd_count_report(&c, "pfs-create");
	return (h2cmd_close_rw(path, dev, error));
}

int
cmd_pfs_delete(const char *path, const char *label)
{
	struct hammer2_dev *dev;
	struct h2cmd_count c;
	int error;

	if (!hammer2_pfs_label_is_valid(label)) {
		h2cmd_pfs_error(path, label, EINVAL);
		return (1);
	}
	if (h2cmd_open_rw(path, &dev) != 0)
		return (1);
	h2cmd_count_start(&c);
	error = hammer2_pfs_delete(dev, label);
	if (error == EBUSY)
		fprintf(stderr, "hammer2: %s: PFS \"%s\" is the last PFS of the volume; not deleting it\n",
		    path, label);
	else if (error != 0)
		h2cmd_pfs_error(path, label, error);
	else
		h2cmd_count_report(&c, "pfs-delete");
	return (h2cmd_close_rw(path, dev, error));
}

/* DragonFly's default snapshot name: <label>.YYYYMMDD.HHMMSS. */
static char *
snap_default_name(const char *label)
{
	size_t len = strlen(label) + SNAP_SUFFIX_BYTES;
	time_t t = time(NULL);
	struct tm tm;
	char *name;

	name = malloc(len);
	if (name == NULL || gmtime_r(&t, &tm) == NULL) {
		free(name);
		return (NULL);
	}
	snprintf(name, len, "%s.%04d%02d%02d.%02d%02d%02d", label,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	return (name);
}

static int
snapshot_run(const char *path, const char *src, const char *name)
{
	struct hammer2_pfs_ids ids;
	struct hammer2_dev *dev;
	struct h2cmd_count c;
	int error;

	if (!hammer2_pfs_label_is_valid(name)) {
		h2cmd_pfs_error(path, name, EINVAL);
		return (1);
	}
	if (h2cmd_random_ids(&ids) != 0 || h2cmd_open_rw(path, &dev) != 0)
		return (1);
	h2cmd_count_start(&c);
	error = hammer2_pfs_snapshot(dev, src, name, &ids);
	if (error == ENOENT)
		h2cmd_pfs_error(path, src, error);
	else if (error == EEXIST || error == EINVAL)
		h2cmd_pfs_error(path, name, error);
	else if (error != 0)
		fprintf(stderr, "hammer2: %s: snapshot of PFS \"%s\" as \"%s\": %s\n",
		    path, src, name, strerror(error));
	else
		h2cmd_count_report(&c, "snapshot");
	if (error == 0)
		printf("snapshot %s of %s created\n", name, src);
	return (h2cmd_close_rw(path, dev, error));
}

/* cmd_snapshot - snapshot image@label as name (NULL: default name). */
int
cmd_snapshot(const char *image, const char *name)
{
	char *path, *label, *defname = NULL;
	int rc;

	if (h2cmd_split(image, &path, &label) != 0)
		return (1);
	if (name == NULL) {
		defname = snap_default_name(label);
		if (defname == NULL) {
			fprintf(stderr, "hammer2: out of memory\n");
			rc = 1;
			goto out;
		}
		name = defname;
	}
	rc = snapshot_run(path, label, name);
out:
	free(defname);
	free(path);
	free(label);
	return (rc);
}
