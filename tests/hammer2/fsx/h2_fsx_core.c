/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_fsx_core.c - the fsx target straight on the HAMMER2 core (no FUSE).
 *
 * Model: the target is "image[@LABEL]" (label DATA by default): the
 * image is opened read-write with lib/libhammer2, the PFS mounted with
 * hammer2_vfs_mount(), and the file FSX_CORE_NAME in the PFS root is
 * removed if it exists and created empty; every fsx operation is one
 * VOP (read, write, setattr of the size, getattr, fsync).  "commit" is
 * hammer2_vfs_sync(); "reopen" releases the inode, unmounts (which
 * commits), closes the device and opens, mounts and looks the file up
 * again, so that everything read afterwards comes from the media.  The
 * caller runs fsck_hammer2 on the image afterwards.
 *
 * Invariants: the inode is open (hammer2_vop_open) from ft_open to
 * ft_close except inside ft_reopen; the inode number does not change
 * across a remount.
 *
 * Locking: none; one thread.
 *
 * More: h2_fsx.h, sys/vfs/hammer2/hammer2_vnops.h.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "h2_fsx.h"
#include "hammer2_chain.h"
#include "hammer2_vnops.h"
#include "libhammer2.h"

#define FSX_CORE_NAME	"fsx.file"
#define FSX_CORE_MODE	0644

struct fsx_core {
	char			*fc_path;
	char			*fc_label;
	struct hammer2_dev	*fc_dev;
	struct hammer2_mount	*fc_mp;
	hammer2_tid_t		 fc_inum;
	uint64_t		 fc_commits;
	uint64_t		 fc_bulkfree_every;	/* -O bulkfree=N */
};

static int
fsx_core_mount(struct fsx_core *fc)
{
	int error;

	error = h2_host_open(fc->fc_path, H2_HOST_RDWR, &fc->fc_dev);
	if (error != 0)
		return (error);
	error = hammer2_vfs_mount(fc->fc_dev, fc->fc_label, 0, &fc->fc_mp);
	if (error != 0) {
		h2_host_close(fc->fc_dev);
		fc->fc_dev = NULL;
	}
	return (error);
}

static int
fsx_core_unmount(struct fsx_core *fc)
{
	int error;

	error = hammer2_vfs_unmount(fc->fc_mp);
	h2_host_close(fc->fc_dev);
	fc->fc_mp = NULL;
	fc->fc_dev = NULL;
	return (error);
}

/* Look the file up (or, with create, replace it by an empty one); open it. */
static int
fsx_core_attach(struct fsx_core *fc, int create)
{
	hammer2_tid_t root = hammer2_vfs_root(fc->fc_mp);
	const size_t nlen = sizeof(FSX_CORE_NAME) - 1;
	struct hammer2_vattr va;
	int error;

	error = hammer2_vop_lookup(fc->fc_mp, root, FSX_CORE_NAME, nlen, &va);
	if (create && error == 0)
		error = hammer2_vop_remove(fc->fc_mp, root, FSX_CORE_NAME,
		    nlen, 0);
	else if (create && error == ENOENT)
		error = 0;
	if (error == 0 && create) {
		memset(&va, 0, sizeof(va));
		va.va_type = HAMMER2_OBJTYPE_REGFILE;
		va.va_mode = FSX_CORE_MODE;
		error = hammer2_vop_create(fc->fc_mp, root, FSX_CORE_NAME,
		    nlen, &va, NULL, 0, &va);
	}
	if (error != 0)
		return (error);
	if (!create && va.va_inum != fc->fc_inum)
		return (ESTALE);
	fc->fc_inum = va.va_inum;
	return (hammer2_vop_open(fc->fc_mp, fc->fc_inum));
}

static int
fsx_core_open(const char *spec, void **cookiep)
{
	struct fsx_core *fc;
	int error;

	fc = calloc(1, sizeof(*fc));
	if (fc == NULL)
		return (ENOMEM);
	error = h2_split_image_label(spec, &fc->fc_path, &fc->fc_label);
	if (error != 0)
		goto fail_free;
	error = fsx_core_mount(fc);
	if (error != 0)
		goto fail_free_names;
	error = fsx_core_attach(fc, 1);
	if (error != 0)
		goto fail_unmount;
	*cookiep = fc;
	return (0);

fail_unmount:
	fsx_core_unmount(fc);
fail_free_names:
	free(fc->fc_path);
	free(fc->fc_label);
fail_free:
	free(fc);
	return (error);
}

static int
fsx_core_close(void *cookie)
{
	struct fsx_core *fc = cookie;
	int error, error2;

	error = hammer2_vop_release(fc->fc_mp, fc->fc_inum);
	error2 = fsx_core_unmount(fc);
	free(fc->fc_path);
	free(fc->fc_label);
	free(fc);
	return (error != 0 ? error : error2);
}

static int
fsx_core_pread(void *cookie, void *buf, size_t len, uint64_t off,
    size_t *donep)
{
	struct fsx_core *fc = cookie;

	return (hammer2_vop_read(fc->fc_mp, fc->fc_inum, off, buf, len, donep));
}

static int
fsx_core_pwrite(void *cookie, const void *buf, size_t len, uint64_t off)
{
	struct fsx_core *fc = cookie;

	return (hammer2_vop_write(fc->fc_mp, fc->fc_inum, off, buf, len));
}

static int
fsx_core_truncate(void *cookie, uint64_t size)
{
	struct fsx_core *fc = cookie;
	struct hammer2_vattr va, out;

	memset(&va, 0, sizeof(va));
	va.va_size = size;
	return (hammer2_vop_setattr(fc->fc_mp, fc->fc_inum, &va,
	    HAMMER2_VA_SIZE, &out));
}

static int
fsx_core_size(void *cookie, uint64_t *sizep)
{
	struct fsx_core *fc = cookie;
	struct hammer2_vattr va;
	int error;

	error = hammer2_vop_getattr(fc->fc_mp, fc->fc_inum, &va);
	if (error == 0)
		*sizep = va.va_size;
	return (error);
}

static int
fsx_core_fsync(void *cookie)
{
	struct fsx_core *fc = cookie;

	return (hammer2_vop_fsync(fc->fc_mp, fc->fc_inum));
}

/*
 * Commit; every fc_bulkfree_every-th commit also runs bulkfree on the
 * mounted dev, as hammer2 cleanup does on DragonFly: copy-on-write
 * leaves every replaced committed block allocated until then.
 */
static int
fsx_core_commit(void *cookie)
{
	struct fsx_core *fc = cookie;
	struct hammer2_bulkfree_stats bs;
	int error;

	error = hammer2_vfs_sync(fc->fc_mp);
	if (error != 0 || fc->fc_bulkfree_every == 0 ||
	    ++fc->fc_commits % fc->fc_bulkfree_every != 0)
		return (error);
	return (hammer2_bulkfree(fc->fc_dev, &bs));
}

static int
fsx_core_reopen(void *cookie)
{
	struct fsx_core *fc = cookie;
	int error;

	error = hammer2_vop_release(fc->fc_mp, fc->fc_inum);
	if (error != 0)
		return (error);
	error = fsx_core_unmount(fc);
	if (error == 0)
		error = fsx_core_mount(fc);
	if (error == 0)
		error = fsx_core_attach(fc, 0);
	/*
	 * NOTE: a failed remount leaves no mount behind; the engine stops
	 * at the first error and never calls ft_close after it.
	 */
	return (error);
}

static const char *const fsx_core_comps[] = {
	[HAMMER2_COMP_NONE] = "none", [HAMMER2_COMP_AUTOZERO] = "autozero",
	[HAMMER2_COMP_LZ4] = "lz4", [HAMMER2_COMP_ZLIB] = "zlib"
};
static const char *const fsx_core_checks[] = {
	[HAMMER2_CHECK_NONE] = "none", [HAMMER2_CHECK_DISABLED] = "disabled",
	[HAMMER2_CHECK_ISCSI32] = "iscsi32",
	[HAMMER2_CHECK_XXHASH64] = "xxhash64",
	[HAMMER2_CHECK_SHA192] = "sha192"
};

static int
fsx_core_name_index(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], name) == 0)
			return ((int)i);
	return (-1);
}

/*
 * -O comp=none|autozero|lz4|zlib, -O check=none|disabled|iscsi32|
 * xxhash64|sha192: the methods the file's new data is written with;
 * -O bulkfree=N: bulkfree at every N-th commit.
 */
static int
fsx_core_option(void *cookie, const char *keyval)
{
	struct fsx_core *fc = cookie;
	struct hammer2_vattr va, out;
	unsigned int mask;
	char *end;
	int n;

	memset(&va, 0, sizeof(va));
	if (strncmp(keyval, "bulkfree=", 9) == 0) {
		fc->fc_bulkfree_every = strtoull(keyval + 9, &end, 10);
		return (*end != '\0' || end == keyval + 9 ? EINVAL : 0);
	}
	if (strncmp(keyval, "comp=", 5) == 0) {
		n = fsx_core_name_index(fsx_core_comps,
		    sizeof(fsx_core_comps) / sizeof(fsx_core_comps[0]),
		    keyval + 5);
		va.va_comp_algo = (uint8_t)n;
		mask = HAMMER2_VA_COMP;
	} else if (strncmp(keyval, "check=", 6) == 0) {
		n = fsx_core_name_index(fsx_core_checks,
		    sizeof(fsx_core_checks) / sizeof(fsx_core_checks[0]),
		    keyval + 6);
		va.va_check_algo = (uint8_t)n;
		mask = HAMMER2_VA_CHECK;
	} else {
		return (EINVAL);
	}
	if (n < 0)
		return (EINVAL);
	return (hammer2_vop_setattr(fc->fc_mp, fc->fc_inum, &va, mask, &out));
}

const struct fsx_target fsx_target = {
	.ft_name = "h2_fsx_core",
	.ft_open = fsx_core_open,
	.ft_close = fsx_core_close,
	.ft_pread = fsx_core_pread,
	.ft_pwrite = fsx_core_pwrite,
	.ft_truncate = fsx_core_truncate,
	.ft_size = fsx_core_size,
	.ft_fsync = fsx_core_fsync,
	.ft_reopen = fsx_core_reopen,
	.ft_commit = fsx_core_commit,
	.ft_option = fsx_core_option,
};
