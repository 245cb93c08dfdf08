/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_fsx.h - the target interface of the fsx exerciser (h2_fsx.c).
 *
 * Model: the engine drives exactly one file through a struct fsx_target,
 * a table of operations every back end implements: h2_fsx_posix.c on a
 * path in any mounted file system (tmpfs, ext4, a FUSE mount of
 * mount_hammer2), h2_fsx_core.c straight on the HAMMER2 core's
 * VOP-like layer (sys/vfs/hammer2/hammer2_vnops.h), no kernel and no
 * FUSE in between.  Each back end file defines the one global
 * fsx_target; the build links the engine with one of them.
 *
 * Invariants: every operation returns 0 or an errno; short reads are
 * reported through *donep, never as an error; ft_reopen leaves the file's
 * contents and size unchanged.
 *
 * Locking: none; one thread.
 *
 * More: tests/hammer2/fsx/README.md.
 */

#ifndef _H2_FSX_H_
#define _H2_FSX_H_

#include <stddef.h>
#include <stdint.h>

/* clang-format off */
struct fsx_target {
	const char *ft_name;
	/* Create (or empty) the file named by spec; *cookiep for the rest. */
	int	(*ft_open)(const char *spec, void **cookiep);
	/* Last operation: flush everything, release everything. */
	int	(*ft_close)(void *cookie);
	int	(*ft_pread)(void *cookie, void *buf, size_t len, uint64_t off,
		    size_t *donep);
	int	(*ft_pwrite)(void *cookie, const void *buf, size_t len,
		    uint64_t off);
	int	(*ft_truncate)(void *cookie, uint64_t size);
	int	(*ft_size)(void *cookie, uint64_t *sizep);
	int	(*ft_fsync)(void *cookie);
	/* Drop every cached handle and reopen (core: commit and remount). */
	int	(*ft_reopen)(void *cookie);
	/* Optional (NULL): commit the file system without a reopen. */
	int	(*ft_commit)(void *cookie);
	/* Optional (NULL): a target-specific -O key=value, after ft_open. */
	int	(*ft_option)(void *cookie, const char *keyval);
};
/* clang-format on */

extern const struct fsx_target fsx_target;

#endif /* !_H2_FSX_H_ */
