/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * mount_hammer2.c - mount a HAMMER2 PFS on Linux through FUSE,
 * read-write (the default) or read-only (-o ro, or a write-protected
 * image).
 *
 * Model: the FUSE low-level interface is inode-number based, like the
 * HAMMER2 operations layer (hammer2_vnops.h): a FUSE inode number is the
 * HAMMER2 inode number, and the PFS root (inum 1) is FUSE_ROOT_ID (also
 * 1).  Each FUSE request becomes one hammer2_vop_*() call on the mount;
 * the reply carries its errno.  Policy that Linux leaves to a FUSE server
 * lives here: new inodes belong to the caller's fsuid/fsgid (or the
 * directory's group when the directory is set-gid, as on BSD and Linux),
 * setattr stamps ctime, O_TRUNC at open truncates.  Permission checks are
 * the kernel's (default_permissions).
 *
 * Open files: open/opendir take an open reference in the ops layer and
 * release/releasedir drop it, so a file unlinked while open stays until
 * its last close (the kernel holds the inode until then).  forget needs
 * nothing: the ops layer keeps no lookup counts.
 *
 * Commits: nothing reaches the image until a commit.  The session loop
 * (mh2_loop) commits when changes are MH2_COMMIT_SEC old or
 * MH2_COMMIT_BYTES were written, fsync commits at once (the ops layer's
 * hammer2_vop_fsync is durable on return), and the end of the session
 * (destroy, or the loop ending on unmount or a signal) commits and
 * unmounts through hammer2_vfs_unmount().  A read-only mount writes
 * nothing, and neither does a read-write one in which nothing changed (a
 * commit with nothing dirty is a no-op), so mounting an image only to
 * read it leaves it byte-identical.
 *
 * Invariants: every core failure is returned to the kernel as an errno
 * (EIO for corruption) and the daemon keeps serving; the image is
 * unmounted (committed) exactly once.
 *
 * Locking: the session loop is single-threaded; the ops layer is called
 * from that thread only.
 *
 * More: mount_hammer2(8), docs/design/hammer2.md, hammer2_vnops.h.
 */

#define FUSE_USE_VERSION 34

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <linux/fs.h>	/* BLKROGET */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hammer2_vnops.h"
#include "libhammer2.h"

#define MH2_TIMEOUT_SEC		1.0	/* attr/entry cache in the kernel */
#define MH2_READ_MAX		(1024 * 1024)
#define MH2_COMMIT_SEC		5	/* commit changes this old */
#define MH2_COMMIT_BYTES	(64ULL * 1024 * 1024)	/* or this many */
#define MH2_POLL_MSEC		1000
#define MH2_USEC_PER_SEC	1000000ULL
#define MH2_NSEC_PER_USEC	1000
#define MH2_FILES_FREE		(1ULL << 32)	/* inodes are not preallocated */
#define MH2_OPTS_BYTES		1024
#define MH2_STAT_BLOCK		512	/* st_blocks unit */
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	(1 << 0)	/* renameat2(2) flags, Linux */
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE		(1 << 1)
#endif

struct mh2 {
	struct hammer2_dev	*m_dev;
	struct hammer2_mount	*m_mp;		/* NULL once unmounted */
	int			 m_rdonly;	/* -o ro, or write-protected */
	int			 m_error;	/* unmount's error, for exit */
	int			 m_dirty;	/* uncommitted changes */
	int			 m_commit_failed; /* last commit failed */
	time_t			 m_dirty_since;
	uint64_t		 m_dirty_bytes;
	uint8_t			*m_rbuf;	/* MH2_READ_MAX */
};

static struct mh2 *
mh2_of(fuse_req_t req)
{
	return (fuse_req_userdata(req));
}

static uint64_t
mh2_now_usec(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return ((uint64_t)tv.tv_sec * MH2_USEC_PER_SEC +
	    (uint64_t)tv.tv_usec);
}

/* Note a change (nbytes of file data) for the commit policy. */
static void
mh2_changed(struct mh2 *m, uint64_t nbytes)
{
	if (!m->m_dirty) {
		m->m_dirty = 1;
		m->m_dirty_since = time(NULL);
	}
	m->m_dirty_bytes += nbytes;
}

/*
 * Commit now.  A failed commit stays dirty and is retried by the syncer
 * MH2_COMMIT_SEC later (not at every request).
 */
static int
mh2_commit(struct mh2 *m)
{
	int error;

	if (m->m_mp == NULL || m->m_rdonly || !m->m_dirty)
		return (0);
	error = hammer2_vfs_sync(m->m_mp);
	if (error != 0) {
		fprintf(stderr, "mount_hammer2: commit: %s\n",
		    strerror(error));
		m->m_dirty_since = time(NULL);
		m->m_commit_failed = 1;
		return (error);
	}
	m->m_dirty = 0;
	m->m_commit_failed = 0;
	m->m_dirty_bytes = 0;
	return (0);
}

/* The syncer: commit changes that are old or large enough. */
static void
mh2_syncer(struct mh2 *m)
{
	if (m->m_dirty && ((m->m_dirty_bytes >= MH2_COMMIT_BYTES &&
	    !m->m_commit_failed) ||
	    time(NULL) - m->m_dirty_since >= MH2_COMMIT_SEC))
		(void)mh2_commit(m);
}

static mode_t
mh2_type_mode(int type)
{
	switch (type) {
	case HAMMER2_OBJTYPE_DIRECTORY:
		return (S_IFDIR);
	case HAMMER2_OBJTYPE_REGFILE:
		return (S_IFREG);
	case HAMMER2_OBJTYPE_FIFO:
		return (S_IFIFO);
	case HAMMER2_OBJTYPE_CDEV:
		return (S_IFCHR);
	case HAMMER2_OBJTYPE_BDEV:
		return (S_IFBLK);
	case HAMMER2_OBJTYPE_SOFTLINK:
		return (S_IFLNK);
	case HAMMER2_OBJTYPE_SOCKET:
		return (S_IFSOCK);
	default:
		return (S_IFREG);
	}
}

/* The HAMMER2 object type of a mode's file type; -1 if it has none. */
static int
mh2_mode_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return (HAMMER2_OBJTYPE_DIRECTORY);
	case S_IFREG:
		return (HAMMER2_OBJTYPE_REGFILE);
	case S_IFIFO:
		return (HAMMER2_OBJTYPE_FIFO);
	case S_IFCHR:
		return (HAMMER2_OBJTYPE_CDEV);
	case S_IFBLK:
		return (HAMMER2_OBJTYPE_BDEV);
	case S_IFLNK:
		return (HAMMER2_OBJTYPE_SOFTLINK);
	case S_IFSOCK:
		return (HAMMER2_OBJTYPE_SOCKET);
	default:
		return (-1);
	}
}

static void
mh2_usec_to_ts(uint64_t usec, struct timespec *ts)
{
	ts->tv_sec = (time_t)(usec / MH2_USEC_PER_SEC);
	ts->tv_nsec = (long)(usec % MH2_USEC_PER_SEC) * MH2_NSEC_PER_USEC;
}

/* EINVAL for times HAMMER2 cannot store (before 1970). */
static int
mh2_ts_to_usec(const struct timespec *ts, uint64_t *usecp)
{
	if (ts->tv_sec < 0)
		return (EINVAL);
	*usecp = (uint64_t)ts->tv_sec * MH2_USEC_PER_SEC +
	    (uint64_t)ts->tv_nsec / MH2_NSEC_PER_USEC;
	return (0);
}

static void
mh2_fill_stat(const struct hammer2_vattr *va, struct stat *st)
{
	uint64_t bytes;

	memset(st, 0, sizeof(*st));
	st->st_ino = va->va_inum;
	st->st_mode = mh2_type_mode(va->va_type) | (va->va_mode & 07777);
	st->st_nlink = (nlink_t)va->va_nlink;
	st->st_uid = va->va_uid;
	st->st_gid = va->va_gid;
	st->st_size = (off_t)va->va_size;
	st->st_blksize = HAMMER2_PBUFSIZE;
	/*
	 * va_bytes counts committed blocks only; report data written since
	 * as allocated, so that no tool mistakes it for a hole (st_blocks 0
	 * means "all holes" to some archivers).
	 */
	bytes = va->va_bytes;
	if (bytes == 0 && va->va_type == HAMMER2_OBJTYPE_REGFILE)
		bytes = va->va_size;
	st->st_blocks = (blkcnt_t)((bytes + MH2_STAT_BLOCK - 1) /
	    MH2_STAT_BLOCK);
	if (va->va_type == HAMMER2_OBJTYPE_CDEV ||
	    va->va_type == HAMMER2_OBJTYPE_BDEV)
		st->st_rdev = makedev(va->va_rmajor, va->va_rminor);
	mh2_usec_to_ts(va->va_atime, &st->st_atim);
	mh2_usec_to_ts(va->va_mtime, &st->st_mtim);
	mh2_usec_to_ts(va->va_ctime, &st->st_ctim);
}

static void
mh2_fill_entry(const struct hammer2_vattr *va, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = va->va_inum;
	e->attr_timeout = MH2_TIMEOUT_SEC;
	e->entry_timeout = MH2_TIMEOUT_SEC;
	mh2_fill_stat(va, &e->attr);
}

static void
mh2_reply_entry(fuse_req_t req, int error, const struct hammer2_vattr *va)
{
	struct fuse_entry_param e;

	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	mh2_fill_entry(va, &e);
	fuse_reply_entry(req, &e);
}

static void
mh2_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct hammer2_vattr va;
	int error;

	error = hammer2_vop_lookup(mh2_of(req)->m_mp, parent, name,
	    strlen(name), &va);
	mh2_reply_entry(req, error, &va);
}

static void
mh2_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);
}

static void
mh2_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct hammer2_vattr va;
	struct stat st;
	int error;

	(void)fi;
	error = hammer2_vop_getattr(mh2_of(req)->m_mp, ino, &va);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	mh2_fill_stat(&va, &st);
	fuse_reply_attr(req, &st, MH2_TIMEOUT_SEC);
}

/* Translate FUSE setattr bits into a vattr and a HAMMER2_VA_* mask. */
static int
mh2_setattr_mask(const struct stat *attr, int to_set,
    struct hammer2_vattr *va, unsigned int *maskp)
{
	uint64_t now = mh2_now_usec();
	unsigned int mask = HAMMER2_VA_CTIME;
	int error = 0;

	memset(va, 0, sizeof(*va));
	va->va_ctime = now;
	if (to_set & FUSE_SET_ATTR_MODE) {
		va->va_mode = attr->st_mode & 07777;
		mask |= HAMMER2_VA_MODE;
	}
	if (to_set & FUSE_SET_ATTR_UID) {
		va->va_uid = attr->st_uid;
		mask |= HAMMER2_VA_UID;
	}
	if (to_set & FUSE_SET_ATTR_GID) {
		va->va_gid = attr->st_gid;
		mask |= HAMMER2_VA_GID;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (attr->st_size < 0)
			return (EINVAL);
		va->va_size = (uint64_t)attr->st_size;
		va->va_mtime = now;	/* unless the caller sets it below */
		mask |= HAMMER2_VA_SIZE | HAMMER2_VA_MTIME;
	}
	if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
		va->va_atime = now;
		mask |= HAMMER2_VA_ATIME;
	} else if (to_set & FUSE_SET_ATTR_ATIME) {
		error = mh2_ts_to_usec(&attr->st_atim, &va->va_atime);
		mask |= HAMMER2_VA_ATIME;
	}
	if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
		va->va_mtime = now;
		mask |= HAMMER2_VA_MTIME;
	} else if (error == 0 && (to_set & FUSE_SET_ATTR_MTIME)) {
		error = mh2_ts_to_usec(&attr->st_mtim, &va->va_mtime);
		mask |= HAMMER2_VA_MTIME;
	}
	if (error == 0 && (to_set & FUSE_SET_ATTR_CTIME))
		error = mh2_ts_to_usec(&attr->st_ctim, &va->va_ctime);
	*maskp = mask;
	return (error);
}

static void
mh2_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
    struct fuse_file_info *fi)
{
	struct mh2 *m = mh2_of(req);
	struct hammer2_vattr va, out;
	unsigned int mask;
	struct stat st;
	int error;

	(void)fi;
	error = mh2_setattr_mask(attr, to_set, &va, &mask);
	if (error == 0)
		error = hammer2_vop_setattr(m->m_mp, ino, &va, mask, &out);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	mh2_changed(m, 0);
	mh2_fill_stat(&out, &st);
	fuse_reply_attr(req, &st, MH2_TIMEOUT_SEC);
}

static void
mh2_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[HAMMER2_SYMLINK_MAXBYTES + 1];
	size_t len = 0;
	int error;

	error = hammer2_vop_readlink(mh2_of(req)->m_mp, ino, buf,
	    sizeof(buf), &len);
	if (error == 0 && len >= sizeof(buf))
		error = EIO;
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	buf[len] = '\0';
	fuse_reply_readlink(req, buf);
}

/*
 * Fill va for a new inode of mode in directory parent: the caller's
 * fsuid and fsgid, or the directory's group if it is set-gid (a new
 * directory then inherits the set-gid bit).
 */
static int
mh2_new_vattr(fuse_req_t req, fuse_ino_t parent, mode_t mode, dev_t rdev,
    struct hammer2_vattr *va)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct hammer2_vattr dva;
	int error, type;

	type = mh2_mode_type(mode);
	if (type < 0)
		return (EINVAL);
	error = hammer2_vop_getattr(mh2_of(req)->m_mp, parent, &dva);
	if (error != 0)
		return (error);
	memset(va, 0, sizeof(*va));
	va->va_type = (uint8_t)type;
	va->va_mode = mode & 07777;
	va->va_uid = ctx->uid;
	va->va_gid = ctx->gid;
	if (dva.va_mode & S_ISGID) {
		va->va_gid = dva.va_gid;
		if (type == HAMMER2_OBJTYPE_DIRECTORY)
			va->va_mode |= S_ISGID;
	}
	va->va_rmajor = major(rdev);
	va->va_rminor = minor(rdev);
	return (0);
}

/* Create name in parent (any type); *vap gets the new inode. */
static int
mh2_make(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
    dev_t rdev, const char *target, struct hammer2_vattr *vap)
{
	struct mh2 *m = mh2_of(req);
	struct hammer2_vattr va;
	int error;

	error = mh2_new_vattr(req, parent, mode, rdev, &va);
	if (error == 0)
		error = hammer2_vop_create(m->m_mp, parent, name, strlen(name),
		    &va, target, target == NULL ? 0 : strlen(target), vap);
	if (error == 0)
		mh2_changed(m, 0);
	return (error);
}

static void
mh2_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
    dev_t rdev)
{
	struct hammer2_vattr va;
	int error;

	if (S_ISDIR(mode) || S_ISLNK(mode))
		error = EINVAL;
	else
		error = mh2_make(req, parent, name, mode, rdev, NULL, &va);
	mh2_reply_entry(req, error, &va);
}

static void
mh2_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct hammer2_vattr va;
	int error;

	error = mh2_make(req, parent, name, S_IFDIR | (mode & 07777), 0, NULL,
	    &va);
	mh2_reply_entry(req, error, &va);
}

static void
mh2_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
    const char *name)
{
	struct hammer2_vattr va;
	int error;

	if (strlen(link) > HAMMER2_SYMLINK_MAXBYTES)
		error = ENAMETOOLONG;
	else
		error = mh2_make(req, parent, name, S_IFLNK | 0777, 0, link,
		    &va);
	mh2_reply_entry(req, error, &va);
}

static void
mh2_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
    const char *newname)
{
	struct mh2 *m = mh2_of(req);
	struct hammer2_vattr va;
	int error;

	error = hammer2_vop_link(m->m_mp, ino, newparent, newname,
	    strlen(newname), &va);
	if (error == 0)
		mh2_changed(m, 0);
	mh2_reply_entry(req, error, &va);
}

static void
mh2_remove(fuse_req_t req, fuse_ino_t parent, const char *name, int isdir)
{
	struct mh2 *m = mh2_of(req);
	int error;

	error = hammer2_vop_remove(m->m_mp, parent, name, strlen(name), isdir);
	if (error == 0)
		mh2_changed(m, 0);
	fuse_reply_err(req, error);
}

static void
mh2_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	mh2_remove(req, parent, name, 0);
}

static void
mh2_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	mh2_remove(req, parent, name, 1);
}

static void
mh2_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
    fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct mh2 *m = mh2_of(req);
	unsigned int h2flags = 0;
	int error;

	if (flags & RENAME_NOREPLACE)
		h2flags |= HAMMER2_RENAME_NOREPLACE;
	if (flags & RENAME_EXCHANGE)
		h2flags |= HAMMER2_RENAME_EXCHANGE;
	if ((flags & ~(unsigned int)(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0) {
		fuse_reply_err(req, EINVAL);	/* RENAME_WHITEOUT */
		return;
	}
	error = hammer2_vop_rename(m->m_mp, parent, name, strlen(name),
	    newparent, newname, strlen(newname), h2flags);
	if (error == 0)
		mh2_changed(m, 0);
	fuse_reply_err(req, error);
}

/* Truncate at open (O_TRUNC), as a setattr of size 0. */
static int
mh2_open_trunc(struct mh2 *m, fuse_ino_t ino)
{
	struct hammer2_vattr va, out;
	uint64_t now = mh2_now_usec();

	memset(&va, 0, sizeof(va));
	va.va_mtime = va.va_ctime = now;
	mh2_changed(m, 0);
	return (hammer2_vop_setattr(m->m_mp, ino, &va, HAMMER2_VA_SIZE |
	    HAMMER2_VA_MTIME | HAMMER2_VA_CTIME, &out));
}

static void
mh2_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct mh2 *m = mh2_of(req);
	int error;

	if (m->m_rdonly && (fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EROFS);
		return;
	}
	error = hammer2_vop_open(m->m_mp, ino);
	if (error == 0 && (fi->flags & O_TRUNC) &&
	    (fi->flags & O_ACCMODE) != O_RDONLY) {
		error = mh2_open_trunc(m, ino);
		if (error != 0)
			(void)hammer2_vop_release(m->m_mp, ino);
	}
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	if (fuse_reply_open(req, fi) != 0)
		(void)hammer2_vop_release(m->m_mp, ino);	/* interrupted */
}

static void
mh2_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
    struct fuse_file_info *fi)
{
	struct mh2 *m = mh2_of(req);
	struct fuse_entry_param e;
	struct hammer2_vattr va;
	int error;

	error = mh2_make(req, parent, name, S_IFREG | (mode & 07777), 0, NULL,
	    &va);
	if (error == 0)
		error = hammer2_vop_open(m->m_mp, va.va_inum);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	mh2_fill_entry(&va, &e);
	if (fuse_reply_create(req, &e, fi) != 0)
		(void)hammer2_vop_release(m->m_mp, va.va_inum);
}

static void
mh2_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct mh2 *m = mh2_of(req);
	struct hammer2_vattr va;
	int error;

	(void)fi;
	/* The last release of an unlinked inode destroys it: a change. */
	if (!m->m_rdonly && hammer2_vop_getattr(m->m_mp, ino, &va) == 0 &&
	    va.va_nlink == 0)
		mh2_changed(m, 0);
	error = hammer2_vop_release(m->m_mp, ino);
	fuse_reply_err(req, error);
}

static void
mh2_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);		/* nothing is buffered here */
}

static void
mh2_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct mh2 *m = mh2_of(req);
	size_t done = 0;
	int error = 0;

	(void)fi;
	if (size > MH2_READ_MAX)
		size = MH2_READ_MAX;
	if (off < 0)
		error = EINVAL;
	if (error == 0)
		error = hammer2_vop_read(m->m_mp, ino, (uint64_t)off, m->m_rbuf,
		    size, &done);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_buf(req, (const char *)m->m_rbuf, done);
}

static void
mh2_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
    off_t off, struct fuse_file_info *fi)
{
	struct mh2 *m = mh2_of(req);
	int error = 0;

	(void)fi;
	if (off < 0)
		error = EINVAL;
	if (error == 0)
		error = hammer2_vop_write(m->m_mp, ino, (uint64_t)off, buf,
		    size);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	mh2_changed(m, size);
	fuse_reply_write(req, size);
}

static void
mh2_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi)
{
	struct mh2 *m = mh2_of(req);
	int error;

	(void)datasync;
	(void)fi;
	if (m->m_rdonly) {
		fuse_reply_err(req, 0);
		return;
	}
	error = hammer2_vop_fsync(m->m_mp, ino);
	fuse_reply_err(req, error);
}

static void
mh2_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int error;

	error = hammer2_vop_open(mh2_of(req)->m_mp, ino);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	if (fuse_reply_open(req, fi) != 0)
		(void)hammer2_vop_release(mh2_of(req)->m_mp, ino);
}

struct mh2_rd {
	fuse_req_t	 rd_req;
	char		*rd_buf;
	size_t		 rd_size, rd_used;
};

static int
mh2_readdir_cb(void *arg, const char *name, size_t namlen,
    hammer2_tid_t inum, uint8_t type, uint64_t next)
{
	char nbuf[HAMMER2_NAME_MAXBYTES + 1];
	struct mh2_rd *rd = arg;
	struct stat st;
	size_t need;

	if (namlen > HAMMER2_NAME_MAXBYTES)
		return (0);	/* cannot be: the ops layer checks names */
	memcpy(nbuf, name, namlen);
	nbuf[namlen] = '\0';
	memset(&st, 0, sizeof(st));
	st.st_ino = inum;
	st.st_mode = mh2_type_mode(type);
	need = fuse_add_direntry(rd->rd_req, rd->rd_buf + rd->rd_used,
	    rd->rd_size - rd->rd_used, nbuf, &st, (off_t)next);
	if (need > rd->rd_size - rd->rd_used)
		return (1);	/* full: the next call resumes here */
	rd->rd_used += need;
	return (0);
}

static void
mh2_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct mh2_rd rd;
	int error;

	(void)fi;
	rd.rd_req = req;
	rd.rd_size = size;
	rd.rd_used = 0;
	rd.rd_buf = malloc(size);
	if (rd.rd_buf == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	error = off < 0 ? EINVAL : hammer2_vop_readdir(mh2_of(req)->m_mp, ino,
	    (uint64_t)off, mh2_readdir_cb, &rd);
	if (error != 0 && rd.rd_used == 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_buf(req, rd.rd_buf, rd.rd_used);
	free(rd.rd_buf);
}

static void
mh2_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	mh2_release(req, ino, fi);
}

static void
mh2_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi)
{
	mh2_fsync(req, ino, datasync, fi);
}

static void
mh2_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct mh2 *m = mh2_of(req);
	struct hammer2_statfs sf;
	struct statvfs sv;
	int error;

	(void)ino;
	error = hammer2_vfs_statfs(m->m_mp, &sf);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = sf.sf_bsize;
	sv.f_frsize = sf.sf_bsize;
	sv.f_blocks = sf.sf_blocks;
	sv.f_bfree = sf.sf_bfree;
	sv.f_bavail = sf.sf_bfree;
	sv.f_files = sf.sf_files + MH2_FILES_FREE;
	sv.f_ffree = MH2_FILES_FREE;
	sv.f_favail = MH2_FILES_FREE;
	sv.f_namemax = HAMMER2_NAME_MAXBYTES;
	sv.f_flag = m->m_rdonly ? ST_RDONLY : 0;
	fuse_reply_statfs(req, &sv);
}

/* Commit and unmount, once; remembers the error for the exit status. */
static void
mh2_unmount(struct mh2 *m)
{
	int error;

	if (m->m_mp == NULL)
		return;
	error = hammer2_vfs_unmount(m->m_mp);
	m->m_mp = NULL;
	if (error != 0) {
		fprintf(stderr, "mount_hammer2: unmount: %s\n",
		    strerror(error));
		m->m_error = error;
	}
}

static void
mh2_destroy(void *arg)
{
	mh2_unmount(arg);
}

static const struct fuse_lowlevel_ops mh2_ops = {
	.destroy = mh2_destroy,
	.lookup = mh2_lookup,
	.forget = mh2_forget,
	.getattr = mh2_getattr,
	.setattr = mh2_setattr,
	.readlink = mh2_readlink,
	.mknod = mh2_mknod,
	.mkdir = mh2_mkdir,
	.unlink = mh2_unlink,
	.rmdir = mh2_rmdir,
	.symlink = mh2_symlink,
	.rename = mh2_rename,
	.link = mh2_link,
	.open = mh2_open,
	.read = mh2_read,
	.write = mh2_write,
	.flush = mh2_flush,
	.release = mh2_release,
	.fsync = mh2_fsync,
	.opendir = mh2_opendir,
	.readdir = mh2_readdir,
	.releasedir = mh2_releasedir,
	.fsyncdir = mh2_fsyncdir,
	.statfs = mh2_statfs,
	.create = mh2_create,
};

/*
 * The session loop: requests one at a time; between them, and at least
 * every MH2_POLL_MSEC, the syncer.  Ends when the file system is
 * unmounted (the device read fails with ENODEV) or on a signal.
 */
static int
mh2_loop(struct fuse_session *se, struct mh2 *m)
{
	struct fuse_buf fbuf;
	struct pollfd pfd;
	int n, rc = 0;

	memset(&fbuf, 0, sizeof(fbuf));
	pfd.fd = fuse_session_fd(se);
	pfd.events = POLLIN;
	while (!fuse_session_exited(se)) {
		pfd.revents = 0;
		n = poll(&pfd, 1, MH2_POLL_MSEC);
		if (n == -1 && errno != EINTR) {
			rc = -errno;
			break;
		}
		if (n > 0) {
			n = fuse_session_receive_buf(se, &fbuf);
			if (n == -EINTR || n == -EAGAIN)
				continue;
			if (n <= 0) {
				rc = n == -ENODEV ? 0 : n;	/* unmounted */
				break;
			}
			fuse_session_process_buf(se, &fbuf);
		}
		mh2_syncer(m);
	}
	free(fbuf.mem);
	fuse_session_reset(se);
	return (rc);
}

static void
usage(void)
{
	fprintf(stderr, "usage: mount_hammer2 [-df] [-o options] special[@label] node\n");
	exit(1);
}

/*
 * Take "ro" and "rw" out of a -o list (they decide how the image is
 * opened); append the rest to opts for FUSE.
 */
static int
mh2_parse_opts(const char *arg, int *rdonlyp, char *opts, size_t cap)
{
	char *copy, *tok, *save = NULL;
	size_t len;

	copy = strdup(arg);
	if (copy == NULL)
		return (ENOMEM);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "ro") == 0) {
			*rdonlyp = 1;
			continue;
		}
		if (strcmp(tok, "rw") == 0) {
			*rdonlyp = 0;
			continue;
		}
		len = strlen(opts);
		if (len + strlen(tok) + 2 > cap) {
			free(copy);
			return (E2BIG);
		}
		snprintf(opts + len, cap - len, ",%s", tok);
	}
	free(copy);
	return (0);
}

/*
 * EROFS if path is a block device set read-only: Linux lets it be opened
 * for writing and fails only the writes, which would surface as a failed
 * commit long after the mount.
 */
static int
mh2_check_writable(const char *path)
{
	struct stat st;
	int fd, ro = 0;

	if (stat(path, &st) == -1 || !S_ISBLK(st.st_mode))
		return (0);	/* h2_host_open() says what is wrong */
	fd = open(path, O_RDONLY);
	if (fd == -1)
		return (0);
	if (ioctl(fd, BLKROGET, &ro) == -1)
		ro = 0;
	close(fd);
	return (ro ? EROFS : 0);
}

/*
 * Open the image: read-only for -o ro, read-write for -o rw, and without
 * either read-write unless the image is write-protected, which mounts it
 * read-only with a notice (as mount(8) does); prints why on failure.
 */
static int
mh2_open_dev(struct mh2 *m, const char *path)
{
	int error = 0, by_default = m->m_rdonly < 0;

	if (by_default)
		m->m_rdonly = 0;
	if (!m->m_rdonly)
		error = mh2_check_writable(path);
	if (error == 0)
		error = h2_host_open(path, m->m_rdonly ? 0 : H2_HOST_RDWR,
		    &m->m_dev);
	if (by_default && (error == EROFS || error == EACCES ||
	    error == EPERM)) {
		fprintf(stderr, "mount_hammer2: %s is write-protected, "
		    "mounting read-only\n", path);
		m->m_rdonly = 1;
		error = h2_host_open(path, 0, &m->m_dev);
	}
	if (error != 0)
		fprintf(stderr, "mount_hammer2: %s: %s\n", path,
		    strerror(error));
	return (error);
}

/* Open the image and mount the PFS; prints why on failure. */
static int
mh2_setup(struct mh2 *m, const char *spec)
{
	char *path, *label;
	int error;

	if (h2_split_image_label(spec, &path, &label) != 0)
		return (ENOMEM);
	error = mh2_open_dev(m, path);
	if (error != 0)
		goto out;
	error = hammer2_vfs_mount(m->m_dev, label,
	    m->m_rdonly ? HAMMER2_MNT_RDONLY : 0, &m->m_mp);
	if (error != 0) {
		fprintf(stderr, "mount_hammer2: %s: PFS \"%s\": %s\n", path,
		    label, error == ENOENT ? "no such PFS" : strerror(error));
		h2_host_close(m->m_dev);
		m->m_dev = NULL;
		goto out;
	}
	m->m_rbuf = malloc(MH2_READ_MAX);
	if (m->m_rbuf == NULL)
		error = ENOMEM;
out:
	free(path);
	free(label);
	return (error);
}

/* Build FUSE's argument list; returns 0 or an errno. */
static int
mh2_args(struct fuse_args *args, const char *argv0, int rdonly,
    const char *opts, int debug)
{
	char all[2 * MH2_OPTS_BYTES];
	int n;

	n = snprintf(all, sizeof(all), "-o%s,default_permissions,"
	    "fsname=hammer2,subtype=hammer2%s", rdonly ? "ro" : "rw", opts);
	if (n < 0 || (size_t)n >= sizeof(all))
		return (E2BIG);
	if (fuse_opt_add_arg(args, argv0) != 0 ||
	    fuse_opt_add_arg(args, all) != 0 ||
	    (debug && fuse_opt_add_arg(args, "-d") != 0))
		return (ENOMEM);
	return (0);
}

int
main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	char opts[MH2_OPTS_BYTES] = "";
	struct fuse_session *se;
	struct mh2 m;
	int ch, debug = 0, foreground = 0, rc = 1;

	memset(&m, 0, sizeof(m));
	m.m_rdonly = -1;	/* neither -o ro nor -o rw: see mh2_open_dev */
	while ((ch = getopt(argc, argv, "dfo:")) != -1) {
		switch (ch) {
		case 'd':
			debug = foreground = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'o':
			if (mh2_parse_opts(optarg, &m.m_rdonly, opts,
			    sizeof(opts)) != 0) {
				fprintf(stderr, "mount_hammer2: -o %s: too "
				    "long\n", optarg);
				return (1);
			}
			break;
		default:
			usage();
		}
	}
	if (optind + 2 != argc)
		usage();
	if (mh2_setup(&m, argv[optind]) != 0)
		goto out;
	if (mh2_args(&args, argv[0], m.m_rdonly, opts, debug) != 0)
		goto out;
	se = fuse_session_new(&args, &mh2_ops, sizeof(mh2_ops), &m);
	if (se == NULL)
		goto out;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_destroy;
	if (fuse_session_mount(se, argv[optind + 1]) != 0)
		goto out_signals;
	if (fuse_daemonize(foreground) == 0)
		rc = mh2_loop(se, &m) == 0 ? 0 : 1;
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);	/* calls mh2_destroy if mounted */
out:
	mh2_unmount(&m);
	if (m.m_error != 0)
		rc = 1;
	fuse_opt_free_args(&args);
	if (m.m_dev != NULL)
		h2_host_close(m.m_dev);
	free(m.m_rbuf);
	return (rc);
}
