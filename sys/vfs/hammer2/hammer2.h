/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2.h - in-core HAMMER2 structures shared by the kernel and the host
 * tools (fsck_hammer2, hammer2, mount_hammer2).
 *
 * Model: a struct hammer2_dev is one opened volume: a device interface
 * (read N bytes at an offset), an allocator interface and a logger, plus
 * the volume header chosen at mount.  Everything above it is addressed by
 * blockref: hammer2_bref_read() returns a verified copy of the block a
 * bref names; hammer2_tree_scan() walks a blockref array (and the
 * INDIRECT blocks below it) in key order.  A struct hammer2_pfs is one
 * PFS root; a struct hammer2_inode is a copy of one 1 KiB inode together
 * with the bref that located it (the write side will update that bref
 * in place and propagate it upward, which is why it is kept).
 *
 * Invariants: data returned by the read functions has passed its check
 * code and basic structural validation; every failure is an errno (EIO
 * for corruption, with a message naming the block), never a crash.
 * Recursion is bounded by HAMMER2_MAX_DEPTH and loops are detected.
 *
 * Locking: none yet: a hammer2_dev is used by one thread at a time (the
 * FUSE mount is single-threaded).  The kernel port will add a token per
 * dev for the block cache and per inode for ino_data.
 *
 * More: docs/design/hammer2.md.
 */

#ifndef _VFS_HAMMER2_HAMMER2_H_
#define _VFS_HAMMER2_HAMMER2_H_

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hammer2_disk.h"

/* clang-format off */
#define HAMMER2_MAX_DEPTH	24	/* indirect levels + inode hops */
#define HAMMER2_BCACHE_SLOTS	1024	/* metadata block cache entries */
#define HAMMER2_SYMLINK_MAXBYTES 4096
#define HAMMER2_SCAN_STOP	(-1)	/* callback: stop, not an error */
#define HAMMER2_SCAN_SKIP	(-2)	/* callback: skip this subtree */
#define HAMMER2_SCAN_INDIRECT	0x01	/* also report INDIRECT brefs */
#define HAMMER2_SCAN_CONTINUE	0x02	/* report errors, keep going */
/* clang-format on */

/*
 * Device, allocation and logging interface.  The host tools implement it
 * with pread()/malloc()/vfprintf() (lib/libhammer2), the kernel with
 * bread()/kmalloc()/kprintf().
 */
/* clang-format off */
struct hammer2_devops {
	int	(*dop_read)(void *arg, void *buf, size_t len, uint64_t off);
	void	*(*dop_alloc)(void *arg, size_t len);	/* NULL: shortage */
	void	(*dop_free)(void *arg, void *p, size_t len);
	void	(*dop_vlog)(void *arg, const char *fmt, va_list ap)
		    __attribute__((__format__(__printf__, 2, 0)));
	/* Read-write devs only (NULL when opened read-only): */
	int	(*dop_write)(void *arg, const void *buf, size_t len,
		    uint64_t off);
	int	(*dop_sync)(void *arg);		/* durable on return */
	uint64_t (*dop_time)(void *arg);	/* now, us since the epoch */
};

struct hammer2_bcache_ent {
	hammer2_off_t	bc_data_off;	/* 0: empty slot */
	uint8_t		bc_type;	/* bref type it was verified as */
	uint8_t		bc_methods;
	uint8_t		bc_check[64];	/* check area it was verified with */
	void		*bc_data;
	size_t		bc_len;
};

struct hammer2_dev {
	const struct hammer2_devops *d_ops;
	void		*d_arg;
	uint64_t	d_devsize;	/* bytes readable on the device */
	int		d_volhdr_index;	/* copy chosen at mount */
	int		d_volhdr_valid;	/* bitmask of valid copies */
	int		d_quiet;	/* suppress messages */
	int		d_nocheck;	/* skip block check codes (fuzzing) */
	int		d_rdwr;		/* d_ops can write (dop_write set) */
	uint64_t	d_nreads;	/* statistics: device reads */
	uint64_t	d_nhits;	/* statistics: cache hits */
	struct hammer2_bcache_ent *d_bcache; /* HAMMER2_BCACHE_SLOTS */
	struct hammer2_volume_data d_voldata; /* chosen header */
	void		*d_rw;		/* write-side state (hammer2_chain.h) */
};

struct hammer2_pfs;

struct hammer2_inode {
	struct hammer2_blockref	ino_bref;	/* where it was found */
	struct hammer2_inode_data ino_data;	/* verified copy */
	struct hammer2_pfs	*ino_pmp;	/* owning PFS, NULL for sroot */
};

struct hammer2_pfs {
	struct hammer2_dev	*pmp_dev;
	struct hammer2_inode	pmp_iroot;	/* PFS root = root directory */
};

/* One directory entry as returned by hammer2_dir_scan(). */
struct hammer2_dirent {
	hammer2_key_t	de_key;
	hammer2_tid_t	de_inum;
	uint8_t		de_type;		/* HAMMER2_OBJTYPE_* */
	uint16_t	de_namlen;
	char		de_name[HAMMER2_NAME_MAXBYTES + 1]; /* NUL-terminated */
};
/* clang-format on */

typedef int hammer2_scan_fn(void *arg, const struct hammer2_blockref *bref,
    int error);
typedef int hammer2_dirent_fn(void *arg, const struct hammer2_dirent *de);

/* hammer2_subr.c */
void hammer2_log(struct hammer2_dev *dev, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));
void *hammer2_alloc(struct hammer2_dev *dev, size_t len);
void hammer2_free(struct hammer2_dev *dev, void *p, size_t len);
hammer2_key_t hammer2_dirhash(const void *name, size_t len);
const char *hammer2_bref_type_name(int type);
const char *hammer2_check_name(int check);
const char *hammer2_comp_name(int comp);
const char *hammer2_objtype_name(int type);
const char *hammer2_pfstype_name(int type);
uint64_t hammer2_bref_bytes(const struct hammer2_blockref *bref);
hammer2_off_t hammer2_bref_offset(const struct hammer2_blockref *bref);
hammer2_key_t hammer2_bref_key_end(const struct hammer2_blockref *bref);

/* hammer2_volume.c */
int hammer2_volume_check(const struct hammer2_volume_data *vd,
    uint64_t devsize, const char **whyp);
void hammer2_volume_set_crcs(struct hammer2_volume_data *vd);
int hammer2_dev_mount(struct hammer2_dev *dev);
void hammer2_dev_unmount(struct hammer2_dev *dev);

/* hammer2_io.c */
int hammer2_bref_check(struct hammer2_dev *dev,
    const struct hammer2_blockref *bref, const void *data, size_t len);
void hammer2_bref_set_check(struct hammer2_blockref *bref, const void *data,
    size_t len);
int hammer2_bref_read(struct hammer2_dev *dev,
    const struct hammer2_blockref *bref, const void **datap, size_t *lenp);
void hammer2_bref_release(struct hammer2_dev *dev, const void *data,
    size_t len);
int hammer2_data_read(struct hammer2_dev *dev,
    const struct hammer2_blockref *bref, void *dst, size_t dstlen);

/* hammer2_scan.c */
int hammer2_tree_scan(struct hammer2_dev *dev,
    const struct hammer2_blockref *base, int count, hammer2_key_t key_beg,
    hammer2_key_t key_end, int flags, hammer2_scan_fn *fn, void *arg);
int hammer2_tree_lookup(struct hammer2_dev *dev,
    const struct hammer2_blockref *base, int count, hammer2_key_t key,
    struct hammer2_blockref *brefp);

/* hammer2_inode.c */
int hammer2_inode_load(struct hammer2_dev *dev,
    const struct hammer2_blockref *bref, struct hammer2_inode *ip);
int hammer2_sroot_load(struct hammer2_dev *dev, struct hammer2_inode *ip);
int hammer2_pfs_scan(struct hammer2_dev *dev,
    int (*fn)(void *arg, const struct hammer2_inode *ip), void *arg);
int hammer2_pfs_open(struct hammer2_dev *dev, const char *label,
    struct hammer2_pfs *pmp);
int hammer2_inode_lookup(struct hammer2_pfs *pmp, hammer2_tid_t inum,
    struct hammer2_inode *ip);
bool hammer2_inode_has_blockset(const struct hammer2_inode *ip);

/* hammer2_dir.c */
int hammer2_dir_scan(struct hammer2_pfs *pmp,
    const struct hammer2_inode *dip, hammer2_key_t from_key,
    hammer2_dirent_fn *fn, void *arg);
int hammer2_dir_lookup(struct hammer2_pfs *pmp,
    const struct hammer2_inode *dip, const char *name, size_t len,
    struct hammer2_dirent *dep);
int hammer2_path_lookup(struct hammer2_pfs *pmp, const char *path,
    struct hammer2_inode *ip);

/* hammer2_file.c */
int hammer2_file_read(struct hammer2_pfs *pmp,
    const struct hammer2_inode *ip, uint64_t off, void *buf, size_t len,
    size_t *donep);
int hammer2_readlink(struct hammer2_pfs *pmp,
    const struct hammer2_inode *ip, char *buf, size_t bufsize,
    size_t *lenp);

#endif /* !_VFS_HAMMER2_HAMMER2_H_ */
