/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * cmd_dedup.c - "hammer2 dedup": one offline dedup pass over a PFS of an
 * image (hammer2_pfs_dedup): identical DATA blocks are made to share one
 * copy; the others become free at the next bulkfree (or cleanup).
 *
 * More: hammer2(8), sys/vfs/hammer2/hammer2_pfs.h.
 */

#include <stdio.h>
#include <stdlib.h>

#include "hammer2_cmd.h"

int
cmd_dedup(const char *image)
{
	struct hammer2_pfs_dedup_stats dd = { 0, 0, 0 };
	struct hammer2_dev *dev;
	struct h2cmd_count c;
	char *path, *label;
	int error;

	if (h2cmd_split(image, &path, &label) != 0)
		return (1);
	error = h2cmd_open_rw(path, &dev);
	if (error == 0) {
		h2cmd_count_start(&c);
		error = hammer2_pfs_dedup(dev, label, &dd);
		if (error != 0) {
			h2cmd_pfs_error(path, label, error);
		} else {
			printf("dedup %s: %ju blocks, %ju repointed, %ju bytes saved\n",
			    label, (uintmax_t)dd.dd_scanned,
			    (uintmax_t)dd.dd_repointed, (uintmax_t)dd.dd_saved);
			h2cmd_count_report(&c, "dedup");
		}
		error = h2cmd_close_rw(path, dev, error);
	}
	free(path);
	free(label);
	return (error != 0);
}
