/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_chain_testlib.h - what the chain-layer tests (h2_chain_test.c,
 * h2_chain_index_test.c) share: check counters and macros, opening the
 * image, running fsck_hammer2 on it, finding a PFS root.
 *
 * Model: each test program sets h2t_img_path and h2t_fsck_path from its
 * arguments; CHECK()/CHECK_ERR() count into h2t_nchecks and record a
 * failure in h2t_nfailed without stopping, so one run reports every
 * failed check.  Single-threaded.
 *
 * More: tests/suites/hammer2-chain.sh.
 */

#ifndef _TESTS_HAMMER2_H2_CHAIN_TESTLIB_H_
#define _TESTS_HAMMER2_H2_CHAIN_TESTLIB_H_

#include <stdio.h>
#include <string.h>

#include "hammer2.h"
#include "hammer2_chain.h"
#include "libhammer2.h"

extern int h2t_nchecks, h2t_nfailed;
extern const char *h2t_img_path, *h2t_fsck_path;

#define CHECK(e) do {							\
	h2t_nchecks++;							\
	if (!(e)) {							\
		h2t_nfailed++;						\
		printf("FAILED %s:%d: %s\n", __func__, __LINE__, #e);	\
	}								\
} while (0)

#define CHECK_ERR(call, want) do {					\
	int _e = (call);						\
	h2t_nchecks++;							\
	if (_e != (want)) {						\
		h2t_nfailed++;						\
		printf("FAILED %s:%d: %s = %d (%s), want %d\n",		\
		    __func__, __LINE__, #call, _e, strerror(_e), (want)); \
	}								\
} while (0)

/* Open h2t_img_path (read-write and mounted for writing if rw). */
struct hammer2_dev *h2t_dev_open(int rw);
/* Run fsck_hammer2 on the image; a failure is counted and shown. */
int	h2t_run_fsck(const char *why);
/* The PFS root chain labelled label (referenced), or NULL. */
struct hammer2_chain *h2t_pfs_find(struct hammer2_chain *vroot,
	    const char *label);

#endif /* !_TESTS_HAMMER2_H2_CHAIN_TESTLIB_H_ */
