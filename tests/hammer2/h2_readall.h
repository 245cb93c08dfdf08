/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_readall.h - helpers shared by the HAMMER2 corruption and fuzz tests:
 * serve an in-memory image to the core and read all of it, or change it
 * through the read-write side without touching the image.
 */

#ifndef _TESTS_HAMMER2_H2_READALL_H_
#define _TESTS_HAMMER2_H2_READALL_H_

#include <stddef.h>
#include <stdint.h>

#include "hammer2.h"

#define H2RA_NOCHECK	0x01	/* do not verify block check codes */

/* Failures while mounting and reading everything (0: all read). */
int h2ra_read_everything(uint8_t *img, size_t size, int flags,
    uint64_t *nobjectsp);
/*
 * Mount the DATA PFS read-write over a private overlay of img (img is
 * not modified), change it through the vnops layer, commit, remount and
 * read; returns the number of failed steps.
 */
int h2ra_write_everything(uint8_t *img, size_t size, int flags);
/* Call fn once per distinct block reachable from the volume header. */
int h2ra_blocks(uint8_t *img, size_t size,
    int (*fn)(void *arg, const struct hammer2_blockref *bref), void *arg);

#endif /* !_TESTS_HAMMER2_H2_READALL_H_ */
