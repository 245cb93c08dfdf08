/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_chain_testlib.c - the helpers of h2_chain_testlib.h.
 *
 * Model: fsck_hammer2 runs as a process (system(3)) with its output in a
 * per-process file under /tmp, whose last 30 lines are shown on failure.
 *
 * More: h2_chain_testlib.h.
 */

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "h2_chain_testlib.h"

int h2t_nchecks, h2t_nfailed;
const char *h2t_img_path, *h2t_fsck_path;

struct hammer2_dev *
h2t_dev_open(int rw)
{
	struct hammer2_dev *dev;
	int error;

	error = h2_host_open(h2t_img_path, rw ? H2_HOST_RDWR : 0, &dev);
	if (error != 0) {
		printf("FAILED: open %s: %s\n", h2t_img_path, strerror(error));
		h2t_nfailed++;
		return (NULL);
	}
	if (rw)
		CHECK_ERR(hammer2_rw_mount(dev), 0);
	return (dev);
}

int
h2t_run_fsck(const char *why)
{
	char cmd[1024];
	int rc;

	snprintf(cmd, sizeof(cmd), "%s %s > /tmp/h2t_fsck.%d 2>&1",
	    h2t_fsck_path, h2t_img_path, (int)getpid());
	rc = system(cmd);
	h2t_nchecks++;
	if (rc != 0) {
		h2t_nfailed++;
		printf("FAILED: fsck after %s:\n", why);
		snprintf(cmd, sizeof(cmd), "tail -n 30 /tmp/h2t_fsck.%d",
		    (int)getpid());
		if (system(cmd) != 0)
			printf("(no fsck output)\n");
	}
	snprintf(cmd, sizeof(cmd), "/tmp/h2t_fsck.%d", (int)getpid());
	unlink(cmd);
	return (rc);
}

struct hammer2_chain *
h2t_pfs_find(struct hammer2_chain *vroot, const char *label)
{
	struct hammer2_chain *sroot, *c, *found = NULL;
	struct hammer2_inode_data *ip;
	int error;

	error = hammer2_chain_lookup(vroot, 0, HAMMER2_KEY_MAX, 0, &sroot);
	CHECK_ERR(error, 0);
	if (error != 0)
		return (NULL);
	CHECK(sroot->ch_bref.type == HAMMER2_BREF_TYPE_INODE);
	error = hammer2_chain_lookup(sroot, 0, HAMMER2_KEY_MAX, 0, &c);
	while (error == 0) {
		ip = c->ch_data;
		if (c->ch_bref.type == HAMMER2_BREF_TYPE_INODE &&
		    ip->meta.name_len == strlen(label) &&
		    memcmp(ip->filename, label, strlen(label)) == 0) {
			found = c;
			break;
		}
		error = hammer2_chain_next(sroot, c, HAMMER2_KEY_MAX, 0, &c);
	}
	hammer2_chain_drop(sroot);
	CHECK(found != NULL);
	return (found);
}
