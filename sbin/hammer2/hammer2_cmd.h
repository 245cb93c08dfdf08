/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_cmd.h - sub-commands of hammer2(8).  Each returns the process
 * exit status (0 success, 1 failure) and prints its own errors.
 *
 * More: hammer2(8).
 */

#ifndef _SBIN_HAMMER2_CMD_H_
#define _SBIN_HAMMER2_CMD_H_

#include <time.h>

#include "libhammer2.h"
#include "hammer2_pfs.h"

struct h2cmd_count {
	struct timespec	c_start;
};

extern int h2cmd_verbose;	/* -v */

/* hammer2.c, cmd_show.c: read-only commands */
int cmd_show(const char *path, int freemap);
int cmd_volhdr(const char *path);
int cmd_info(int ac, char **av);
int cmd_pfs_list(const char *path);
int cmd_stat(const char *image, int ac, char **av);
int cmd_hash(int ac, char **av, int detail);
int h2cmd_open(const char *path, struct hammer2_dev **devp);
void h2cmd_print_inode(const struct hammer2_inode_data *ipdata, int tab);

/* cmd_usage.c */
void h2cmd_print_volume_usage(struct hammer2_dev *dev);
int h2cmd_print_usage(struct hammer2_dev *dev, const struct hammer2_inode *ip);

/* cmd_pfs.c, cmd_setmethod.c, cmd_space.c, cmd_dedup.c: offline writers */
int cmd_pfs_create(const char *path, const char *label, int type);
int h2cmd_pfs_type(const char *name);
int cmd_pfs_delete(const char *path, const char *label);
int cmd_snapshot(const char *image, const char *name);
int cmd_setmethod(const char *image, int what, const char *algo, int ac,
    char **av);
int cmd_bulkfree(const char *path);
int cmd_cleanup(const char *path);
int cmd_growfs(const char *path, const char *size);
int cmd_dedup(const char *image);

/* cmd_rw.c */
int h2cmd_open_rw(const char *path, struct hammer2_dev **devp);
int h2cmd_open_rw_flags(const char *path, int flags,
    struct hammer2_dev **devp);
int h2cmd_close_rw(const char *path, struct hammer2_dev *dev, int error);
void h2cmd_count_start(struct h2cmd_count *c);
void h2cmd_count_report(const struct h2cmd_count *c, const char *what);
int h2cmd_random_ids(struct hammer2_pfs_ids *ids);
int h2cmd_split(const char *arg, char **pathp, char **labelp);
void h2cmd_pfs_error(const char *path, const char *label, int error);

#endif /* !_SBIN_HAMMER2_CMD_H_ */
