/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_volume.c - volume header validation and selection at mount.
 *
 * Model: up to four header copies live at 0, 2, 4 and 6 GiB.  A copy is
 * valid if its magic is right and all three CRC-32C codes match (format
 * §4.2); the mount uses the valid copy with the highest mirror_tid, the
 * first one found on a tie (§4.3).  hammer2_volume_set_crcs() is the
 * writer's half (newfs_hammer2, later the flush code).
 *
 * Invariants: after hammer2_dev_mount() returns 0, dev->d_voldata is a
 * valid header whose volume fits inside the device, and d_bcache is
 * allocated; hammer2_dev_unmount() releases everything it allocated.
 *
 * Locking: mount and unmount run before/after any other use of the dev.
 *
 * More: docs/design/hammer2.md, reference hammer2-format.md §4.
 */

#include <errno.h>
#include <string.h>

#include "hammer2.h"
#include "hammer2_chain.h"
#include "hammer2_codec.h"

static uint32_t
hammer2_volume_crc(const struct hammer2_volume_data *vd, size_t off,
    size_t len)
{
	return (hammer2_crc32c(0, (const uint8_t *)vd + off, len));
}

/*
 * hammer2_volume_set_crcs - compute the three header CRCs in the order
 * DragonFly does: sector 1 (sroot blockset), sector 0, whole header.
 *
 * Locking: none needed; does not block.
 */
void
hammer2_volume_set_crcs(struct hammer2_volume_data *vd)
{
	vd->icrc_sects[HAMMER2_VOL_ICRC_SECT6] = hammer2_volume_crc(vd,
	    HAMMER2_VOL_ICRC_SECT1_OFF, HAMMER2_VOL_ICRC_SECT1_BYTES);
	vd->icrc_sects[HAMMER2_VOL_ICRC_SECT7] = hammer2_volume_crc(vd,
	    HAMMER2_VOL_ICRC_SECT0_OFF, HAMMER2_VOL_ICRC_SECT0_BYTES);
	vd->icrc_volheader = hammer2_volume_crc(vd, 0,
	    HAMMER2_VOL_ICRC_VOLHDR_BYTES);
}

/*
 * hammer2_volume_check - validate one header copy.  Returns 0 or EIO with
 * *whyp set to a short reason.
 *
 * Locking: none needed; does not block.
 */
int
hammer2_volume_check(const struct hammer2_volume_data *vd, uint64_t devsize,
    const char **whyp)
{
	if (vd->magic == HAMMER2_VOLUME_ID_ABO) {
		*whyp = "byte-swapped magic (foreign endianness)";
		return (EIO);
	}
	if (vd->magic != HAMMER2_VOLUME_ID_HBO) {
		*whyp = "bad magic";
		return (EIO);
	}
	if (vd->icrc_sects[HAMMER2_VOL_ICRC_SECT6] !=
	    hammer2_volume_crc(vd, HAMMER2_VOL_ICRC_SECT1_OFF,
		HAMMER2_VOL_ICRC_SECT1_BYTES)) {
		*whyp = "sector 1 (sroot blockset) CRC mismatch";
		return (EIO);
	}
	if (vd->icrc_sects[HAMMER2_VOL_ICRC_SECT7] !=
	    hammer2_volume_crc(vd, HAMMER2_VOL_ICRC_SECT0_OFF,
		HAMMER2_VOL_ICRC_SECT0_BYTES)) {
		*whyp = "sector 0 CRC mismatch";
		return (EIO);
	}
	if (vd->icrc_volheader !=
	    hammer2_volume_crc(vd, 0, HAMMER2_VOL_ICRC_VOLHDR_BYTES)) {
		*whyp = "volume header CRC mismatch";
		return (EIO);
	}
	if (vd->version < HAMMER2_VOL_VERSION_MIN ||
	    vd->version > HAMMER2_VOL_VERSION_WIP) {
		*whyp = "unsupported version";
		return (EIO);
	}
	if (vd->version >= 2 && (vd->nvolumes != 1 || vd->volu_id != 0)) {
		*whyp = "multi-volume sets are not supported";
		return (EIO);
	}
	if (vd->volu_size < HAMMER2_VOLUME_ALIGN ||
	    (vd->volu_size & (HAMMER2_VOLUME_ALIGN - 1)) != 0) {
		*whyp = "volume size not a multiple of 8 MiB";
		return (EIO);
	}
	if (vd->volu_size > devsize) {
		*whyp = "volume larger than the device (truncated image?)";
		return (EIO);
	}
	*whyp = NULL;
	return (0);
}

/* Read copy i into vd and validate it; returns 0 or an errno. */
static int
hammer2_volume_read_copy(struct hammer2_dev *dev, int i,
    struct hammer2_volume_data *vd)
{
	uint64_t off = (uint64_t)i * HAMMER2_ZONE_BYTES64;
	const char *why;
	int error;

	error = dev->d_ops->dop_read(dev->d_arg, vd, sizeof(*vd), off);
	if (error != 0) {
		hammer2_log(dev, "hammer2: volume header %d at 0x%jx: read error %d",
		    i, (uintmax_t)off, error);
		return (error);
	}
	error = hammer2_volume_check(vd, dev->d_devsize, &why);
	if (error != 0)
		hammer2_log(dev, "hammer2: volume header %d at 0x%jx: %s", i,
		    (uintmax_t)off, why);
	return (error);
}

/*
 * hammer2_dev_mount - choose the volume header and set up the block
 * cache.  The caller has filled d_ops, d_arg and d_devsize.  Returns 0,
 * EIO if no copy is valid, or ENOMEM.
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_dev_mount(struct hammer2_dev *dev)
{
	struct hammer2_volume_data *vd;
	hammer2_tid_t best_tid = 0;
	int i, best = -1;

	dev->d_volhdr_valid = 0;
	vd = hammer2_alloc(dev, sizeof(*vd));
	if (vd == NULL)
		return (ENOMEM);
	for (i = 0; i < HAMMER2_NUM_VOLHDRS; i++) {
		if ((uint64_t)i * HAMMER2_ZONE_BYTES64 + HAMMER2_VOLUME_BYTES >
		    dev->d_devsize)
			break;
		if (hammer2_volume_read_copy(dev, i, vd) != 0)
			continue;
		dev->d_volhdr_valid |= 1 << i;
		if (best < 0 || vd->mirror_tid > best_tid) {
			best = i;
			best_tid = vd->mirror_tid;
			memcpy(&dev->d_voldata, vd, sizeof(*vd));
		}
	}
	hammer2_free(dev, vd, sizeof(*vd));
	if (best < 0) {
		hammer2_log(dev, "hammer2: no valid volume header");
		return (EIO);
	}
	dev->d_volhdr_index = best;
	dev->d_bcache = hammer2_alloc(dev,
	    sizeof(*dev->d_bcache) * HAMMER2_BCACHE_SLOTS);
	if (dev->d_bcache == NULL)
		return (ENOMEM);
	memset(dev->d_bcache, 0, sizeof(*dev->d_bcache) * HAMMER2_BCACHE_SLOTS);
	return (0);
}

/*
 * hammer2_dev_unmount - release the write-side state (without
 * committing: hammer2_rw_unmount() commits) and the block cache.
 */
void
hammer2_dev_unmount(struct hammer2_dev *dev)
{
	struct hammer2_rw *rw = dev->d_rw;
	struct hammer2_bcache_ent *bc;
	int i;

	if (rw != NULL && rw->rw_fini != NULL)
		rw->rw_fini(dev);

	if (dev->d_bcache == NULL)
		return;
	for (i = 0; i < HAMMER2_BCACHE_SLOTS; i++) {
		bc = &dev->d_bcache[i];
		hammer2_free(dev, bc->bc_data, bc->bc_len);
	}
	hammer2_free(dev, dev->d_bcache,
	    sizeof(*dev->d_bcache) * HAMMER2_BCACHE_SLOTS);
	dev->d_bcache = NULL;
}
