/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * mount_hammer2.c - mount a HAMMER2 PFS read-only on Linux through FUSE.
 *
 * Model: the FUSE low-level interface is inode-number based, like
 * HAMMER2: a FUSE inode number is the HAMMER2 inode number of the PFS,
 * and the PFS root (inum 1) is FUSE_ROOT_ID (also 1).  lookup resolves a
 * name with the core's directory hash lookup and loads the inode through
 * the PFS inode index; readdir offsets are directory keys with bit 63
 * stripped (0 and 1 are "." and ".."); read and readlink go
 * through hammer2_file_read().  Loaded inodes sit in a direct-mapped
 * cache; metadata blocks are cached by the core.
 *
 * Invariants: nothing is ever written (every open for writing is EROFS);
 * every core failure is returned to the kernel as an errno (EIO for
 * corruption) and the daemon keeps serving.
 *
 * Locking: the session loop is single-threaded; no locks needed.
 *
 * More: mount_hammer2(8), docs/design/hammer2.md.
 */

#define FUSE_USE_VERSION 34

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libhammer2.h"

#define MH2_ICACHE_SLOTS	4096
#define MH2_TIMEOUT_SEC		3600.0	/* nothing ever changes */
#define MH2_READ_MAX		(1024 * 1024)
#define MH2_UUID_UID_OFF	12	/* plain uid in a HAMMER2 UUID */

struct mh2 {
	struct hammer2_dev	*m_dev;
	struct hammer2_pfs	 m_pfs;
	struct hammer2_inode	*m_icache;	/* MH2_ICACHE_SLOTS */
	uint8_t			*m_rbuf;	/* MH2_READ_MAX */
};

static struct mh2 *
mh2_of(fuse_req_t req)
{
	return (fuse_req_userdata(req));
}

/* Load inode inum, through the cache. */
static int
mh2_inode_get(struct mh2 *m, fuse_ino_t ino, const struct hammer2_inode **ipp)
{
	struct hammer2_inode *slot = &m->m_icache[ino % MH2_ICACHE_SLOTS];
	int error;

	if (slot->ino_pmp != NULL && slot->ino_data.meta.inum == ino) {
		*ipp = slot;
		return (0);
	}
	error = hammer2_inode_lookup(&m->m_pfs, ino, slot);
	if (error != 0) {
		slot->ino_pmp = NULL;
		return (error == ENOENT ? ESTALE : error);
	}
	slot->ino_pmp = &m->m_pfs;
	*ipp = slot;
	return (0);
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

static uint32_t
mh2_uuid_id(const struct hammer2_uuid *u)
{
	uint32_t id;

	memcpy(&id, u->bytes + MH2_UUID_UID_OFF, sizeof(id));
	return (id);
}

static void
mh2_usec_to_ts(uint64_t usec, struct timespec *ts)
{
	ts->tv_sec = (time_t)(usec / 1000000);
	ts->tv_nsec = (long)(usec % 1000000) * 1000;
}

static void
mh2_fill_stat(const struct hammer2_inode *ip, struct stat *st)
{
	const struct hammer2_inode_meta *mt = &ip->ino_data.meta;

	memset(st, 0, sizeof(*st));
	st->st_ino = mt->inum;
	st->st_mode = mh2_type_mode(mt->type) | (mt->mode & 07777);
	st->st_nlink = mt->nlinks ? (nlink_t)mt->nlinks : 1;
	st->st_uid = mh2_uuid_id(&mt->uid);
	st->st_gid = mh2_uuid_id(&mt->gid);
	st->st_size = (off_t)mt->size;
	st->st_blksize = HAMMER2_PBUFSIZE;
	st->st_blocks = (blkcnt_t)((mt->size + 511) / 512);
	if (mt->type == HAMMER2_OBJTYPE_CDEV || mt->type == HAMMER2_OBJTYPE_BDEV)
		st->st_rdev = makedev(mt->rmajor, mt->rminor);
	mh2_usec_to_ts(mt->atime, &st->st_atim);
	mh2_usec_to_ts(mt->mtime, &st->st_mtim);
	mh2_usec_to_ts(mt->ctime, &st->st_ctim);
}

static void
mh2_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct mh2 *m = mh2_of(req);
	const struct hammer2_inode *dip = NULL, *ip = NULL;
	struct fuse_entry_param e;
	struct hammer2_dirent de;
	int error;

	error = mh2_inode_get(m, parent, &dip);
	if (error == 0)
		error = hammer2_dir_lookup(&m->m_pfs, dip, name, strlen(name),
		    &de);
	if (error == 0)
		error = mh2_inode_get(m, de.de_inum, &ip);
	if (error == ESTALE)
		error = EIO;	/* a dirent naming a missing inode */
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = ip->ino_data.meta.inum;
	e.attr_timeout = MH2_TIMEOUT_SEC;
	e.entry_timeout = MH2_TIMEOUT_SEC;
	mh2_fill_stat(ip, &e.attr);
	fuse_reply_entry(req, &e);
}

static void
mh2_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct hammer2_inode *ip;
	struct stat st;
	int error;

	(void)fi;
	error = mh2_inode_get(mh2_of(req), ino, &ip);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	mh2_fill_stat(ip, &st);
	fuse_reply_attr(req, &st, MH2_TIMEOUT_SEC);
}

static void
mh2_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct mh2 *m = mh2_of(req);
	char buf[HAMMER2_SYMLINK_MAXBYTES + 1];
	const struct hammer2_inode *ip;
	size_t len;
	int error;

	error = mh2_inode_get(m, ino, &ip);
	if (error == 0)
		error = hammer2_readlink(&m->m_pfs, ip, buf, sizeof(buf), &len);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_readlink(req, buf);
}

static void
mh2_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct hammer2_inode *ip;
	int error;

	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EROFS);
		return;
	}
	error = mh2_inode_get(mh2_of(req), ino, &ip);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void
mh2_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct mh2 *m = mh2_of(req);
	const struct hammer2_inode *ip;
	size_t done = 0;
	int error;

	(void)fi;
	if (size > MH2_READ_MAX)
		size = MH2_READ_MAX;
	error = mh2_inode_get(m, ino, &ip);
	if (error == 0 && off < 0)
		error = EINVAL;
	if (error == 0)
		error = hammer2_file_read(&m->m_pfs, ip, (uint64_t)off,
		    m->m_rbuf, size, &done);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_buf(req, (const char *)m->m_rbuf, done);
}

struct mh2_rd {
	fuse_req_t	 rd_req;
	char		*rd_buf;
	size_t		 rd_size, rd_used;
};

static bool
mh2_rd_add(struct mh2_rd *rd, const char *name, fuse_ino_t ino, mode_t mode,
    off_t next)
{
	struct stat st;
	size_t need;

	memset(&st, 0, sizeof(st));
	st.st_ino = ino;
	st.st_mode = mode;
	need = fuse_add_direntry(rd->rd_req, rd->rd_buf + rd->rd_used,
	    rd->rd_size - rd->rd_used, name, &st, next);
	if (need > rd->rd_size - rd->rd_used)
		return (false);
	rd->rd_used += need;
	return (true);
}

/*
 * readdir cookies: 0 and 1 are "." and "..", an entry's cookie is its key
 * without bit 63 (never below 2 even for a corrupt key, so a directory
 * listing cannot restart itself); the next call resumes after it.
 */
static off_t
mh2_cookie(hammer2_key_t key)
{
	hammer2_key_t c = key & ~HAMMER2_DIRHASH_VISIBLE;

	return ((off_t)(c < 2 ? 2 : c));
}

static int
mh2_readdir_cb(void *arg, const struct hammer2_dirent *de)
{
	struct mh2_rd *rd = arg;
	off_t next = mh2_cookie(de->de_key);

	if (!mh2_rd_add(rd, de->de_name, de->de_inum,
		mh2_type_mode(de->de_type), next))
		return (HAMMER2_SCAN_STOP);
	return (0);
}

static void
mh2_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct mh2 *m = mh2_of(req);
	const struct hammer2_inode *ip;
	struct hammer2_inode dir;
	struct mh2_rd rd;
	int error;

	(void)fi;
	error = mh2_inode_get(m, ino, &ip);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	dir = *ip;	/* the cache slot may be reused during the scan */
	rd.rd_req = req;
	rd.rd_size = size;
	rd.rd_used = 0;
	rd.rd_buf = malloc(size);
	if (rd.rd_buf == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (off == 0 && !mh2_rd_add(&rd, ".", ino, S_IFDIR, 1))
		goto reply;
	if (off <= 1 && !mh2_rd_add(&rd, "..", ino == FUSE_ROOT_ID ? ino :
		dir.ino_data.meta.iparent, S_IFDIR, 2))
		goto reply;
	if (off >= 2 && ((hammer2_key_t)off | HAMMER2_DIRHASH_VISIBLE) ==
	    HAMMER2_KEY_MAX)
		goto reply;	/* the last possible key was returned */
	error = hammer2_dir_scan(&m->m_pfs, &dir, off <= 1 ? 0 :
	    ((hammer2_key_t)off | HAMMER2_DIRHASH_VISIBLE) + 1, mh2_readdir_cb,
	    &rd);
reply:
	if (error != 0 && rd.rd_used == 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_buf(req, rd.rd_buf, rd.rd_used);
	free(rd.rd_buf);
}

static void
mh2_statfs(fuse_req_t req, fuse_ino_t ino)
{
	const struct hammer2_volume_data *vd = &mh2_of(req)->m_dev->d_voldata;
	struct statvfs sv;

	(void)ino;
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = HAMMER2_PBUFSIZE;
	sv.f_frsize = HAMMER2_PBUFSIZE;
	sv.f_blocks = vd->allocator_size / HAMMER2_PBUFSIZE;
	sv.f_bfree = vd->allocator_free / HAMMER2_PBUFSIZE;
	sv.f_bavail = sv.f_bfree;
	sv.f_namemax = HAMMER2_NAME_MAXBYTES;
	sv.f_flag = ST_RDONLY;
	fuse_reply_statfs(req, &sv);
}

static const struct fuse_lowlevel_ops mh2_ops = {
	.lookup = mh2_lookup,
	.getattr = mh2_getattr,
	.readlink = mh2_readlink,
	.open = mh2_open,
	.read = mh2_read,
	.opendir = NULL,
	.readdir = mh2_readdir,
	.statfs = mh2_statfs,
};

static void
usage(void)
{
	fprintf(stderr, "usage: mount_hammer2 [-df] [-o options] special[@label] node\n");
	exit(1);
}

/* Open the image and the PFS; prints why on failure. */
static int
mh2_setup(struct mh2 *m, const char *spec)
{
	char *path, *label;
	int error;

	if (h2_split_image_label(spec, &path, &label) != 0)
		return (ENOMEM);
	error = h2_host_open(path, 0, &m->m_dev);
	if (error != 0) {
		fprintf(stderr, "mount_hammer2: %s: %s\n", path,
		    strerror(error));
		goto out;
	}
	error = hammer2_pfs_open(m->m_dev, label, &m->m_pfs);
	if (error != 0) {
		fprintf(stderr, "mount_hammer2: %s: PFS \"%s\": %s\n", path,
		    label, error == ENOENT ? "no such PFS" : strerror(error));
		h2_host_close(m->m_dev);
		goto out;
	}
	m->m_icache = calloc(MH2_ICACHE_SLOTS, sizeof(*m->m_icache));
	m->m_rbuf = malloc(MH2_READ_MAX);
	if (m->m_icache == NULL || m->m_rbuf == NULL)
		error = ENOMEM;
out:
	free(path);
	free(label);
	return (error);
}

int
main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se;
	struct mh2 m;
	int ch, foreground = 0, rc = 1;

	memset(&m, 0, sizeof(m));
	if (fuse_opt_add_arg(&args, argv[0]) != 0 ||
	    fuse_opt_add_arg(&args, "-oro,default_permissions,fsname=hammer2,subtype=hammer2") != 0)
		return (1);
	while ((ch = getopt(argc, argv, "dfo:")) != -1) {
		switch (ch) {
		case 'd':
			if (fuse_opt_add_arg(&args, "-d") != 0)
				return (1);
			foreground = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'o':
			if (fuse_opt_add_arg(&args, "-o") != 0 ||
			    fuse_opt_add_arg(&args, optarg) != 0)
				return (1);
			break;
		default:
			usage();
		}
	}
	if (optind + 2 != argc)
		usage();
	if (mh2_setup(&m, argv[optind]) != 0)
		return (1);
	se = fuse_session_new(&args, &mh2_ops, sizeof(mh2_ops), &m);
	if (se == NULL)
		goto out;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_destroy;
	if (fuse_session_mount(se, argv[optind + 1]) != 0)
		goto out_signals;
	if (fuse_daemonize(foreground) == 0)
		rc = fuse_session_loop(se) == 0 ? 0 : 1;
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);
out:
	fuse_opt_free_args(&args);
	h2_host_close(m.m_dev);
	free(m.m_icache);
	free(m.m_rbuf);
	return (rc);
}
