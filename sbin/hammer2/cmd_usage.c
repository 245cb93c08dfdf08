/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * cmd_usage.c - the space figures of "hammer2 -v info": per volume the
 * allocator's size and free bytes (volume header), per PFS its inodes,
 * data and metadata bytes and what compression and dedup saved
 * (hammer2_pfs_usage, committed state).
 *
 * More: hammer2(8), sys/vfs/hammer2/hammer2_pfs.h.
 */

#include <stdio.h>
#include <string.h>

#include "hammer2_cmd.h"

/* The volume lines: size, used, free (allocator, volume header). */
void
h2cmd_print_volume_usage(struct hammer2_dev *dev)
{
	const struct hammer2_volume_data *vd = &dev->d_voldata;
	uint64_t used = vd->allocator_size - vd->allocator_free;

	if (vd->allocator_free > vd->allocator_size)
		used = 0;
	printf("    volume size %ju bytes, allocator %ju bytes, used %ju bytes, free %ju bytes\n",
	    (uintmax_t)vd->volu_size, (uintmax_t)vd->allocator_size,
	    (uintmax_t)used, (uintmax_t)vd->allocator_free);
}

/* One PFS's lines; returns 0 or an errno (printed). */
int
h2cmd_print_usage(struct hammer2_dev *dev, const struct hammer2_inode *ip)
{
	struct hammer2_pfs_usage u;
	int error;

	error = hammer2_pfs_usage(dev, ip, &u);
	if (error != 0) {
		fprintf(stderr, "hammer2: PFS %.*s: %s\n",
		    (int)ip->ino_data.meta.name_len,
		    (const char *)ip->ino_data.filename, strerror(error));
		return (error);
	}
	printf("        inodes %ju, data blocks %ju, data %ju bytes, metadata %ju bytes\n",
	    (uintmax_t)u.pu_inodes, (uintmax_t)u.pu_data_blocks,
	    (uintmax_t)u.pu_data_bytes, (uintmax_t)u.pu_meta_bytes);
	printf("        compression saved %ju bytes, dedup saved %ju bytes\n",
	    (uintmax_t)u.pu_comp_saved, (uintmax_t)u.pu_dedup_saved);
	return (0);
}
