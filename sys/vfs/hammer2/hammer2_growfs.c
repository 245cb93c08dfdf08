/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_growfs.c - grow a single-volume HAMMER2 file system into the
 * space its device gained.
 *
 * Model (DragonFly's hammer2 growfs): the new size is rounded down to
 * 8 MiB (§3.3); volu_size and total_size grow, allocator_size grows by
 * the new space minus the reserved 4 MiB segment of every 1 GiB area
 * that starts in it; segments of existing leaves between the old and the
 * new end turn from "beyond the volume" (allocated) to free, and leaves
 * of new areas are created lazily by the allocator as usual (§15.5).
 * Header copy slots (0/2/4/6 GiB) that enter the volume get a copy of
 * the newest committed header, as newfs fills every slot, so that no
 * stale header there can ever be chosen at mount and fsck finds every
 * copy valid.  The change is committed by hammer2_flush().
 *
 * Invariants: a volume never shrinks (EINVAL) and never grows beyond its
 * device (EFBIG); nothing is changed on error.
 *
 * Locking: none; the caller serialises use of the dev.
 *
 * More: docs/design/hammer2-write.md (Freemap), hammer2-format.md §3,
 * §15.5.
 */

#include <errno.h>
#include <string.h>

#include "hammer2_freemap.h"

#define HAMMER2_GROWFS_MAX	(1ULL << 56)	/* as hammer2_freemap_init */

/* Number of 1 GiB area starts (reserved segments) in [beg, end). */
static uint64_t
hammer2_growfs_reserved(uint64_t beg, uint64_t end)
{
	uint64_t first = (beg + HAMMER2_FREEMAP_LEVEL1_SIZE - 1) &
	    ~(HAMMER2_FREEMAP_LEVEL1_SIZE - 1);

	if (first >= end)
		return (0);
	return (((end - 1 - first) >> HAMMER2_FREEMAP_LEVEL1_RADIX) + 1);
}

/*
 * The newest valid header copy inside [0, end) into *vd; returns 0 or
 * EIO if there is none.
 */
static int
hammer2_growfs_newest(struct hammer2_dev *dev, uint64_t end,
    struct hammer2_volume_data *vd, struct hammer2_volume_data *tmp)
{
	const char *why;
	uint64_t off;
	int i, found = 0;

	for (i = 0; i < HAMMER2_NUM_VOLHDRS; i++) {
		off = (uint64_t)i * HAMMER2_ZONE_BYTES64;
		if (off + HAMMER2_VOLUME_BYTES > end)
			break;
		if (dev->d_ops->dop_read(dev->d_arg, tmp, sizeof(*tmp),
		    off) != 0 ||
		    hammer2_volume_check(tmp, dev->d_devsize, &why) != 0)
			continue;
		if (!found || tmp->mirror_tid > vd->mirror_tid)
			memcpy(vd, tmp, sizeof(*vd));
		found = 1;
	}
	return (found ? 0 : EIO);
}

/*
 * Header copy slots in [beg, end) get a copy of the newest committed
 * header (newfs writes every slot; a stale header there must never win).
 */
static int
hammer2_growfs_fill_headers(struct hammer2_dev *dev, uint64_t beg,
    uint64_t end)
{
	struct hammer2_volume_data *vd, *tmp;
	uint64_t off;
	int i, error;

	vd = hammer2_alloc(dev, sizeof(*vd));
	tmp = hammer2_alloc(dev, sizeof(*tmp));
	if (vd == NULL || tmp == NULL) {
		error = ENOMEM;
		goto out;
	}
	error = hammer2_growfs_newest(dev, beg, vd, tmp);
	for (i = 1; i < HAMMER2_NUM_VOLHDRS && error == 0; i++) {
		off = (uint64_t)i * HAMMER2_ZONE_BYTES64;
		if (off >= beg && off + HAMMER2_VOLUME_BYTES <= end &&
		    dev->d_ops->dop_write(dev->d_arg, vd, sizeof(*vd),
		    off) != 0)
			error = EIO;
	}
out:
	hammer2_free(dev, vd, sizeof(*vd));
	hammer2_free(dev, tmp, sizeof(*tmp));
	return (error);
}

/*
 * hammer2_growfs_apply - see hammer2_freemap.h.  Returns 0 (also when
 * the size does not change), EROFS, EINVAL (shrinking, multi-volume, no
 * freemap), EFBIG (beyond the device), EIO or ENOMEM.
 *
 * Locking: the caller serialises use of the dev; blocks in writes.
 */
int
hammer2_growfs_apply(struct hammer2_dev *dev, uint64_t new_size)
{
	struct hammer2_freemap *fm = hammer2_freemap_get(dev);
	struct hammer2_volume_data *vd = &dev->d_voldata;
	uint64_t old_size = vd->volu_size, added;
	int error;

	if (fm == NULL)
		return (EINVAL);
	if (!dev->d_rdwr || dev->d_ops->dop_write == NULL)
		return (EROFS);
	new_size &= ~(HAMMER2_VOLUME_ALIGN - 1);
	if (vd->version >= 2 && vd->nvolumes > 1)
		return (EINVAL);
	if (new_size < old_size) {
		hammer2_log(dev, "hammer2: growfs: 0x%jx is smaller than the volume (0x%jx)",
		    (uintmax_t)new_size, (uintmax_t)old_size);
		return (EINVAL);
	}
	if (new_size > dev->d_devsize || new_size > HAMMER2_GROWFS_MAX) {
		hammer2_log(dev, "hammer2: growfs: 0x%jx is larger than the device (0x%jx)",
		    (uintmax_t)new_size, (uintmax_t)dev->d_devsize);
		return (EFBIG);
	}
	if (new_size == old_size)
		return (0);
	error = hammer2_growfs_fill_headers(dev, old_size, new_size);
	if (error == 0)
		error = hammer2_freemap_resize(fm, new_size);
	if (error != 0)
		return (error);
	added = new_size - old_size;
	vd->allocator_size += added - HAMMER2_SEGSIZE *
	    hammer2_growfs_reserved(old_size, new_size);
	vd->volu_size = new_size;
	if (vd->total_size != 0 || vd->version >= 2)
		vd->total_size = new_size;
	vd->allocator_free = hammer2_freemap_free_bytes(dev);
	return (0);
}

/*
 * hammer2_growfs - see hammer2_chain.h: grow, then commit.
 *
 * Locking: the caller serialises use of the dev; blocks.
 */
int
hammer2_growfs(struct hammer2_dev *dev, uint64_t new_size)
{
	int error;

	error = hammer2_growfs_apply(dev, new_size);
	if (error == 0)
		error = hammer2_flush(dev);
	return (error);
}
