/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_vnops.h - file-system operations on one mounted HAMMER2 PFS,
 * addressed by inode number: what a VFS (the kernel's, or FUSE's
 * low-level interface on Linux) calls.
 *
 * Model: a struct hammer2_mount is one PFS of a dev, read-only or
 * read-write.  Inodes live in the PFS's inode index (keys below bit 63
 * of the PFS root's tree, §10.1); directory entries are DIRENT leaves of
 * their directory's tree keyed by the name's dirhash (§11, §12).  Every
 * operation that changes something takes the next PFS modify_tid and
 * changes chains (hammer2_chain.h); nothing reaches the media until a
 * commit: hammer2_vfs_sync(), hammer2_vop_fsync(), hammer2_vfs_unmount()
 * or the caller's periodic syncer.  File data is written through
 * hammer2_chain_write_data() in 64 KiB logical blocks, compressed with
 * the inode's comp_algo (LZ4, ZLIB, AUTOZERO: an all-zero block becomes
 * a hole), checked with its check_algo, deduplicated against identical
 * blocks written earlier in this mount and committed since (same methods
 * and byte-identical contents; the saving is sf_dedup_bytes).  Files of
 * at most 512 bytes keep their data in the inode
 * (HAMMER2_OPFLAG_DIRECTDATA); once larger they never move back, as in
 * DragonFly.  A read-only mount reads through part 1's read path and
 * gives exactly its answers.
 *
 * Open files: an inode whose last link goes away stays (nlinks 0) while
 * it is open (hammer2_vop_open/release) and is destroyed at the last
 * release, or at unmount.
 *
 * Write-behind: the last block a write leaves partly written stays in
 * memory until another access needs it (a read or setattr of that file,
 * a write elsewhere, a sync); a store failing then (ENOSPC, EIO) is
 * returned by the next hammer2_vfs_sync()/hammer2_vop_fsync().
 *
 * Several mounts of one dev: the first read-write one sets up the dev's
 * write side (hammer2_rw_mount()) and must be unmounted last.
 *
 * Invariants: every errno is the one POSIX specifies for the case
 * (ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, ENAMETOOLONG, EINVAL for
 * renaming a directory into itself, EXDEV never, EROFS on a read-only
 * mount, ENOSPC, EIO for corrupt media with a message naming the block);
 * directories have nlinks 1 and size 0, as DragonFly stores and reports
 * them (format §11.3; rmdir sets nlinks 0); va_bytes is the physical
 * size recorded at the last commit (0 for data written since).
 *
 * Locking: none: one thread per mount (and per dev).
 *
 * More: docs/design/hammer2-vnops.md.
 */

#ifndef _VFS_HAMMER2_HAMMER2_VNOPS_H_
#define _VFS_HAMMER2_HAMMER2_VNOPS_H_

#include "hammer2.h"

/* clang-format off */
#define HAMMER2_MNT_RDONLY	0x0001

/* hammer2_vop_setattr() mask */
#define HAMMER2_VA_MODE		0x0001
#define HAMMER2_VA_UID		0x0002
#define HAMMER2_VA_GID		0x0004
#define HAMMER2_VA_SIZE		0x0008
#define HAMMER2_VA_ATIME	0x0010
#define HAMMER2_VA_MTIME	0x0020
#define HAMMER2_VA_CTIME	0x0040
#define HAMMER2_VA_COMP		0x0080	/* comp_algo of new data */
#define HAMMER2_VA_CHECK	0x0100	/* check_algo of new data */

/* hammer2_vop_rename() flags */
#define HAMMER2_RENAME_NOREPLACE 0x0001	/* EEXIST if tname exists */
#define HAMMER2_RENAME_EXCHANGE	0x0002	/* swap two existing names */
/* clang-format on */

struct hammer2_mount;

struct hammer2_vattr {
	hammer2_tid_t	va_inum;
	uint8_t		va_type;	/* HAMMER2_OBJTYPE_* */
	uint8_t		va_comp_algo;	/* as stored in the inode */
	uint8_t		va_check_algo;
	uint32_t	va_mode;	/* permission bits (07777) */
	uint32_t	va_uid;
	uint32_t	va_gid;
	uint64_t	va_nlink;
	uint64_t	va_size;
	uint64_t	va_bytes;	/* physical bytes of its blocks */
	uint32_t	va_rmajor;	/* CDEV/BDEV */
	uint32_t	va_rminor;
	uint64_t	va_atime;	/* microseconds since the epoch */
	uint64_t	va_mtime;
	uint64_t	va_ctime;
	uint64_t	va_btime;
};

struct hammer2_statfs {
	uint64_t	sf_bsize;	/* 64 KiB */
	uint64_t	sf_blocks;	/* allocator size, in sf_bsize */
	uint64_t	sf_bfree;	/* free for file data (less the commit reserve) */
	uint64_t	sf_files;	/* inodes in this PFS */
	uint64_t	sf_dedup_bytes;	/* saved by dedup in this mount */
};

/*
 * readdir callback: one entry; next is the cookie to resume after it.
 * Return nonzero to stop (e.g. the reply buffer is full).  Cookies are
 * 0 (start), 1 (after "."), 2 (after ".."), then directory keys with bit
 * 63 cleared, as part 1's read-only mount did.
 */
typedef int hammer2_readdir_fn(void *arg, const char *name, size_t namlen,
    hammer2_tid_t inum, uint8_t type, uint64_t next);

/* Mount: label names the PFS ("DATA", a snapshot's name, ...). */
int hammer2_vfs_mount(struct hammer2_dev *dev, const char *label, int flags,
    struct hammer2_mount **mpp);
int hammer2_vfs_unmount(struct hammer2_mount *mp);	/* commits first */
int hammer2_vfs_sync(struct hammer2_mount *mp);		/* commit */
int hammer2_vfs_statfs(struct hammer2_mount *mp, struct hammer2_statfs *sfp);
hammer2_tid_t hammer2_vfs_root(struct hammer2_mount *mp);	/* inum 1 */

int hammer2_vop_getattr(struct hammer2_mount *mp, hammer2_tid_t inum,
    struct hammer2_vattr *vap);
int hammer2_vop_setattr(struct hammer2_mount *mp, hammer2_tid_t inum,
    const struct hammer2_vattr *va, unsigned int mask,
    struct hammer2_vattr *vap);
int hammer2_vop_lookup(struct hammer2_mount *mp, hammer2_tid_t dinum,
    const char *name, size_t len, struct hammer2_vattr *vap);

/*
 * Create a REGFILE, DIRECTORY, SOFTLINK (target, its length in
 * target_len), FIFO, SOCKET, CDEV or BDEV (rmajor/rminor from va) named
 * name in directory dinum; va supplies type, mode, uid, gid.
 */
int hammer2_vop_create(struct hammer2_mount *mp, hammer2_tid_t dinum,
    const char *name, size_t len, const struct hammer2_vattr *va,
    const char *target, size_t target_len, struct hammer2_vattr *vap);
int hammer2_vop_link(struct hammer2_mount *mp, hammer2_tid_t inum,
    hammer2_tid_t dinum, const char *name, size_t len,
    struct hammer2_vattr *vap);
/* isdir: rmdir semantics (ENOTDIR, ENOTEMPTY), else unlink (EISDIR). */
int hammer2_vop_remove(struct hammer2_mount *mp, hammer2_tid_t dinum,
    const char *name, size_t len, int isdir);
int hammer2_vop_rename(struct hammer2_mount *mp, hammer2_tid_t sdinum,
    const char *sname, size_t slen, hammer2_tid_t tdinum, const char *tname,
    size_t tlen, unsigned int flags);

int hammer2_vop_open(struct hammer2_mount *mp, hammer2_tid_t inum);
int hammer2_vop_release(struct hammer2_mount *mp, hammer2_tid_t inum);
int hammer2_vop_read(struct hammer2_mount *mp, hammer2_tid_t inum,
    uint64_t off, void *buf, size_t len, size_t *donep);
int hammer2_vop_write(struct hammer2_mount *mp, hammer2_tid_t inum,
    uint64_t off, const void *buf, size_t len);
int hammer2_vop_readlink(struct hammer2_mount *mp, hammer2_tid_t inum,
    char *buf, size_t bufsize, size_t *lenp);
int hammer2_vop_readdir(struct hammer2_mount *mp, hammer2_tid_t dinum,
    uint64_t cookie, hammer2_readdir_fn *fn, void *arg);
int hammer2_vop_fsync(struct hammer2_mount *mp, hammer2_tid_t inum);

#endif /* !_VFS_HAMMER2_HAMMER2_VNOPS_H_ */
