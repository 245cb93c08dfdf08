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

#include "libhammer2.h"

int cmd_show(const char *path, int freemap);
int cmd_volhdr(const char *path);
int cmd_info(int ac, char **av);
int cmd_pfs_list(const char *path);
int cmd_stat(const char *image, int ac, char **av);
int cmd_hash(int ac, char **av, int detail);
int h2cmd_open(const char *path, struct hammer2_dev **devp);
void h2cmd_print_inode(const struct hammer2_inode_data *ipdata, int tab);

#endif /* !_SBIN_HAMMER2_CMD_H_ */
