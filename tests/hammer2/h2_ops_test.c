/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_ops_test.c - tests of the HAMMER2 vnops layer (hammer2_vnops.h) on
 * a fresh image: every operation and its error cases, commit, remount,
 * verify.
 *
 * Model: h2_ops_test image case [seed] runs one case against image (made by
 * newfs_hammer2 -L DATA); the suite (tests/suites/hammer2-ops.sh) then
 * runs fsck_hammer2 on it.  Each case mounts the PFS "DATA" read-write,
 * works, checks, unmounts (which commits), mounts again and checks that
 * what it did is still there.  The block-level cases (methods, holes)
 * look at the committed image through part 1's read path
 * (hammer2_tree_scan()), not through the layer under test.
 *
 * Invariants: exit 0 only if every check passed; each failed check
 * prints its line and expression; exit 2 for usage.
 *
 * Locking: none; one thread.
 *
 * More: tests/suites/hammer2-ops.sh, sys/vfs/hammer2/hammer2_vnops.h.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hammer2_codec.h"
#include "hammer2_vnops.h"
#include "libhammer2.h"

#define T_LABEL		"DATA"
#define T_BLOCK		65536
#define T_GIB		(1024ULL * 1024 * 1024)
#define T_BIGDIR_FILES	3000
#define T_NAMEBUF	512
#define T_COLLIDE_TRIES	2000000
#define T_MODE_FILE	0644
#define T_MODE_DIR	0755

#define CHECK(e)	do {						\
	if (!(e)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #e);					\
		return (1);						\
	}								\
} while (0)
#define CHECK_ERR(e, want)	do {					\
	int _got = (e);							\
	if (_got != (want)) {						\
		fprintf(stderr, "%s:%d: %s: got %d (%s), want %d (%s)\n", \
		    __FILE__, __LINE__, #e, _got, strerror(_got),	\
		    (want), strerror(want));				\
		return (1);						\
	}								\
} while (0)
#define CHECK_OK(e)	CHECK_ERR(e, 0)

static const char *image;
static struct hammer2_dev *tdev;
static struct hammer2_mount *tmp;
static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t
t_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng);
}

static void
t_fill_random(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)t_rand();
}

static int
t_mount(int flags)
{
	int error;

	error = h2_host_open(image, (flags & HAMMER2_MNT_RDONLY) ? 0 :
	    H2_HOST_RDWR, &tdev);
	if (error != 0)
		return (error);
	error = hammer2_vfs_mount(tdev, T_LABEL, flags, &tmp);
	if (error != 0) {
		h2_host_close(tdev);
		tdev = NULL;
	}
	return (error);
}

static int
t_unmount(void)
{
	int error = hammer2_vfs_unmount(tmp);

	tmp = NULL;
	h2_host_close(tdev);
	tdev = NULL;
	return (error);
}

static int
t_remount(void)
{
	int error = t_unmount();

	return (error != 0 ? error : t_mount(0));
}

static int
t_create(hammer2_tid_t dinum, const char *name, uint8_t type, uint32_t mode,
    struct hammer2_vattr *vap)
{
	struct hammer2_vattr va;

	memset(&va, 0, sizeof(va));
	va.va_type = type;
	va.va_mode = mode;
	va.va_uid = 1001;
	va.va_gid = 1002;
	return (hammer2_vop_create(tmp, dinum, name, strlen(name), &va, NULL, 0,
	    vap));
}

static int
t_lookup(hammer2_tid_t dinum, const char *name, struct hammer2_vattr *vap)
{
	return (hammer2_vop_lookup(tmp, dinum, name, strlen(name), vap));
}

static hammer2_tid_t
t_inum(hammer2_tid_t dinum, const char *name)
{
	struct hammer2_vattr va;

	if (t_lookup(dinum, name, &va) != 0)
		return (0);
	return (va.va_inum);
}

static int
t_write(hammer2_tid_t inum, uint64_t off, const void *buf, size_t len)
{
	return (hammer2_vop_write(tmp, inum, off, buf, len));
}

/* Read len bytes at off and compare with want (NULL: zeros). */
static int
t_read_cmp(hammer2_tid_t inum, uint64_t off, const void *want, size_t len)
{
	uint8_t *buf = malloc(len + 1);
	size_t done = 0, i;
	int error, bad = 0;

	error = hammer2_vop_read(tmp, inum, off, buf, len, &done);
	if (error != 0 || done != len) {
		fprintf(stderr, "read %#jx@%ju+%zu: error %d, %zu bytes\n",
		    (uintmax_t)inum, (uintmax_t)off, len, error, done);
		bad = 1;
	} else if (want != NULL) {
		bad = memcmp(buf, want, len) != 0;
	} else {
		for (i = 0; i < len; i++)
			bad |= buf[i] != 0;
	}
	if (bad && error == 0)
		fprintf(stderr, "read %#jx@%ju+%zu: wrong content\n",
		    (uintmax_t)inum, (uintmax_t)off, len);
	free(buf);
	return (bad);
}

struct t_dirlist {
	size_t		 dl_count;
	size_t		 dl_stop_every;	/* stop the callback after N */
	size_t		 dl_in_call;
	uint64_t	 dl_last_cookie;
	int		 dl_sorted;	/* cookies increase */
	char		 dl_find[T_NAMEBUF];
	int		 dl_found;
	uint8_t		 dl_found_type;
	hammer2_tid_t	 dl_found_inum;
	uint64_t	 dl_found_cookie;
};

static int
t_readdir_cb(void *arg, const char *name, size_t namlen, hammer2_tid_t inum,
    uint8_t type, uint64_t next)
{
	struct t_dirlist *dl = arg;

	if (dl->dl_stop_every != 0 && dl->dl_in_call == dl->dl_stop_every)
		return (1);
	dl->dl_in_call++;
	if (next <= dl->dl_last_cookie)
		dl->dl_sorted = 0;
	dl->dl_last_cookie = next;
	dl->dl_count++;
	if (strlen(dl->dl_find) == namlen &&
	    memcmp(dl->dl_find, name, namlen) == 0) {
		dl->dl_found++;
		dl->dl_found_type = type;
		dl->dl_found_inum = inum;
		dl->dl_found_cookie = next;
	}
	return (0);
}

/* List directory dinum in chunks of `every` entries (0: at once). */
static int
t_list(hammer2_tid_t dinum, size_t every, const char *find,
    struct t_dirlist *dl)
{
	uint64_t cookie = 0;
	size_t before;
	int error;

	memset(dl, 0, sizeof(*dl));
	dl->dl_sorted = 1;
	dl->dl_stop_every = every;
	if (find != NULL)
		snprintf(dl->dl_find, sizeof(dl->dl_find), "%s", find);
	for (;;) {
		before = dl->dl_count;
		dl->dl_in_call = 0;
		error = hammer2_vop_readdir(tmp, dinum, cookie, t_readdir_cb,
		    dl);
		if (error != 0)
			return (error);
		if (dl->dl_count == before || every == 0)
			return (0);
		cookie = dl->dl_last_cookie;
	}
}

/* ---- cases ---- */

static int
case_basic(void)
{
	struct hammer2_statfs sf;
	struct hammer2_vattr va, va2;
	struct t_dirlist dl;
	hammer2_tid_t root, f, d, s, ls;
	char target[1000], buf[T_NAMEBUF];
	size_t len;
	const char *msg = "hello, hammer2\n";

	CHECK_OK(t_mount(0));
	root = hammer2_vfs_root(tmp);
	CHECK(root == 1);
	CHECK_OK(hammer2_vop_getattr(tmp, root, &va));
	CHECK(va.va_type == HAMMER2_OBJTYPE_DIRECTORY);
	CHECK_OK(t_create(root, "hello.txt", HAMMER2_OBJTYPE_REGFILE,
	    T_MODE_FILE, &va));
	f = va.va_inum;
	CHECK(f >= 1024);
	CHECK(va.va_size == 0 && va.va_nlink == 1 && va.va_mode == T_MODE_FILE);
	CHECK(va.va_uid == 1001 && va.va_gid == 1002);
	CHECK(va.va_comp_algo == HAMMER2_COMP_LZ4);
	CHECK(va.va_check_algo == HAMMER2_CHECK_XXHASH64);
	CHECK_OK(t_write(f, 0, msg, strlen(msg)));
	CHECK_OK(t_read_cmp(f, 0, msg, strlen(msg)));
	CHECK_OK(t_create(root, "dir", HAMMER2_OBJTYPE_DIRECTORY, T_MODE_DIR,
	    &va));
	d = va.va_inum;
	CHECK(d > f);
	CHECK(va.va_nlink == 1 && va.va_size == 0);
	memset(&va2, 0, sizeof(va2));
	va2.va_type = HAMMER2_OBJTYPE_SOFTLINK;
	va2.va_mode = 0777;
	CHECK_OK(hammer2_vop_create(tmp, d, "s", 1, &va2, "../hello.txt", 12,
	    &va));
	s = va.va_inum;
	memset(target, 'x', sizeof(target));
	CHECK_OK(hammer2_vop_create(tmp, d, "long", 4, &va2, target,
	    sizeof(target), &va));
	ls = va.va_inum;
	CHECK(va.va_size == sizeof(target));
	memset(&va2, 0, sizeof(va2));
	va2.va_type = HAMMER2_OBJTYPE_CDEV;
	va2.va_mode = 0600;
	va2.va_rmajor = 4;
	va2.va_rminor = 7;
	CHECK_OK(hammer2_vop_create(tmp, d, "tty", 3, &va2, NULL, 0, &va));
	va2.va_type = HAMMER2_OBJTYPE_FIFO;
	CHECK_OK(hammer2_vop_create(tmp, d, "fifo", 4, &va2, NULL, 0, &va));
	va2.va_type = HAMMER2_OBJTYPE_SOCKET;
	CHECK_OK(hammer2_vop_create(tmp, d, "sock", 4, &va2, NULL, 0, &va));
	CHECK_OK(hammer2_vfs_statfs(tmp, &sf));
	CHECK(sf.sf_files == 1 + 7 && sf.sf_bsize == T_BLOCK);
	CHECK(sf.sf_bfree > 0 && sf.sf_bfree < sf.sf_blocks);
	CHECK_OK(hammer2_vfs_sync(tmp));
	CHECK_OK(t_remount());
	CHECK_OK(hammer2_vfs_statfs(tmp, &sf));
	CHECK(sf.sf_files == 1 + 7);
	CHECK(t_inum(1, "hello.txt") == f);
	CHECK(t_inum(1, "dir") == d);
	CHECK(t_inum(d, "..") == 1 && t_inum(d, ".") == d);
	CHECK_OK(t_read_cmp(f, 0, msg, strlen(msg)));
	CHECK_OK(hammer2_vop_readlink(tmp, s, buf, sizeof(buf), &len));
	CHECK(len == 12 && strcmp(buf, "../hello.txt") == 0);
	CHECK_ERR(hammer2_vop_readlink(tmp, ls, buf, sizeof(buf), &len),
	    ENAMETOOLONG);
	{
		char big[2000];

		CHECK_OK(hammer2_vop_readlink(tmp, ls, big, sizeof(big), &len));
		CHECK(len == sizeof(target) && memcmp(big, target, len) == 0);
	}
	CHECK_OK(t_lookup(d, "tty", &va));
	CHECK(va.va_type == HAMMER2_OBJTYPE_CDEV && va.va_rmajor == 4 &&
	    va.va_rminor == 7 && va.va_mode == 0600);
	CHECK_OK(t_lookup(d, "fifo", &va));
	CHECK(va.va_type == HAMMER2_OBJTYPE_FIFO);
	CHECK_OK(t_lookup(d, "sock", &va));
	CHECK(va.va_type == HAMMER2_OBJTYPE_SOCKET);
	CHECK_OK(t_list(d, 0, "tty", &dl));
	CHECK(dl.dl_count == 2 + 5 && dl.dl_found == 1 && dl.dl_sorted);
	CHECK(dl.dl_found_type == HAMMER2_OBJTYPE_CDEV);
	CHECK_OK(t_list(1, 0, "dir", &dl));
	CHECK(dl.dl_count == 4 && dl.dl_found == 1 && dl.dl_found_inum == d);
	/* setattr: chmod, chown, utimes, and a ctime bump. */
	memset(&va2, 0, sizeof(va2));
	va2.va_mode = 0600;
	va2.va_uid = 7;
	va2.va_gid = 8;
	va2.va_mtime = 1234567890123456ULL;
	va2.va_atime = 1111111111000000ULL;
	CHECK_OK(hammer2_vop_setattr(tmp, f, &va2, HAMMER2_VA_MODE |
	    HAMMER2_VA_UID | HAMMER2_VA_GID | HAMMER2_VA_MTIME |
	    HAMMER2_VA_ATIME, &va));
	CHECK(va.va_mode == 0600 && va.va_uid == 7 && va.va_gid == 8);
	CHECK(va.va_mtime == 1234567890123456ULL);
	CHECK_OK(t_remount());
	CHECK_OK(hammer2_vop_getattr(tmp, f, &va));
	CHECK(va.va_mode == 0600 && va.va_uid == 7 && va.va_gid == 8);
	CHECK(va.va_mtime == 1234567890123456ULL);
	CHECK(va.va_atime == 1111111111000000ULL);
	CHECK(va.va_ctime > va.va_mtime);
	CHECK_OK(t_unmount());
	return (0);
}

static int
case_errors(void)
{
	struct hammer2_vattr va, va2;
	struct t_dirlist dl;
	hammer2_tid_t f, d, e, sl;
	char name[300], buf[64], target[HAMMER2_SYMLINK_MAXBYTES + 1];
	size_t len, done;

	CHECK_OK(t_mount(0));
	CHECK_OK(t_create(1, "f", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	f = va.va_inum;
	CHECK_OK(t_create(1, "d", HAMMER2_OBJTYPE_DIRECTORY, T_MODE_DIR, &va));
	d = va.va_inum;
	CHECK_OK(t_create(d, "x", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	CHECK_OK(t_create(1, "e", HAMMER2_OBJTYPE_DIRECTORY, T_MODE_DIR, &va));
	e = va.va_inum;
	memset(&va2, 0, sizeof(va2));
	va2.va_type = HAMMER2_OBJTYPE_SOFTLINK;
	CHECK_OK(hammer2_vop_create(tmp, 1, "sl", 2, &va2, "f", 1, &va));
	sl = va.va_inum;
	/* names */
	CHECK_ERR(t_create(1, "f", HAMMER2_OBJTYPE_REGFILE, 0, &va), EEXIST);
	CHECK_ERR(t_create(1, "d", HAMMER2_OBJTYPE_DIRECTORY, 0, &va), EEXIST);
	CHECK_ERR(t_create(1, ".", HAMMER2_OBJTYPE_DIRECTORY, 0, &va), EEXIST);
	CHECK_ERR(t_create(1, "..", HAMMER2_OBJTYPE_REGFILE, 0, &va), EEXIST);
	memset(name, 'n', sizeof(name));
	name[256] = '\0';
	CHECK_ERR(t_create(1, name, HAMMER2_OBJTYPE_REGFILE, 0, &va),
	    ENAMETOOLONG);
	CHECK_ERR(t_lookup(1, name, &va), ENAMETOOLONG);
	CHECK_ERR(hammer2_vop_remove(tmp, 1, name, 256, 0), ENAMETOOLONG);
	name[255] = '\0';
	CHECK_OK(t_create(1, name, HAMMER2_OBJTYPE_REGFILE, 0, &va));
	CHECK_OK(t_lookup(1, name, &va2));
	CHECK(va2.va_inum == va.va_inum);
	CHECK_ERR(t_create(1, "a/b", HAMMER2_OBJTYPE_REGFILE, 0, &va), EINVAL);
	CHECK_ERR(hammer2_vop_create(tmp, 1, "a\0b", 3, &va2, NULL, 0, &va),
	    EINVAL);
	CHECK_ERR(t_create(1, "", HAMMER2_OBJTYPE_REGFILE, 0, &va), ENOENT);
	CHECK_ERR(t_create(1, "w", 3, 0, &va), EINVAL);
	CHECK_ERR(t_create(1, "w", HAMMER2_OBJTYPE_WHITEOUT, 0, &va), EINVAL);
	/* not a directory, no such entry, no such inode */
	CHECK_ERR(t_create(f, "y", HAMMER2_OBJTYPE_REGFILE, 0, &va), ENOTDIR);
	CHECK_ERR(t_lookup(f, "y", &va), ENOTDIR);
	CHECK_ERR(t_lookup(1, "nope", &va), ENOENT);
	CHECK_ERR(t_lookup(d, "nope", &va), ENOENT);
	CHECK_ERR(hammer2_vop_getattr(tmp, 999999, &va), ENOENT);
	CHECK_ERR(hammer2_vop_getattr(tmp, 0, &va), ENOENT);
	CHECK_ERR(hammer2_vop_getattr(tmp, HAMMER2_DIRHASH_VISIBLE | 5, &va),
	    ENOENT);
	CHECK_ERR(hammer2_vop_readdir(tmp, f, 0, t_readdir_cb, &dl), ENOTDIR);
	/* remove */
	CHECK_ERR(hammer2_vop_remove(tmp, 1, "nope", 4, 0), ENOENT);
	CHECK_ERR(hammer2_vop_remove(tmp, 1, "d", 1, 0), EISDIR);
	CHECK_ERR(hammer2_vop_remove(tmp, 1, "f", 1, 1), ENOTDIR);
	CHECK_ERR(hammer2_vop_remove(tmp, 1, "d", 1, 1), ENOTEMPTY);
	CHECK_ERR(hammer2_vop_remove(tmp, d, ".", 1, 1), EINVAL);
	CHECK_ERR(hammer2_vop_remove(tmp, d, "..", 2, 1), ENOTEMPTY);
	CHECK_ERR(hammer2_vop_remove(tmp, d, ".", 1, 0), EISDIR);
	CHECK_ERR(hammer2_vop_remove(tmp, f, "x", 1, 0), ENOTDIR);
	/* link */
	CHECK_ERR(hammer2_vop_link(tmp, d, 1, "dl", 2, &va), EPERM);
	CHECK_ERR(hammer2_vop_link(tmp, f, 1, "d", 1, &va), EEXIST);
	CHECK_ERR(hammer2_vop_link(tmp, f, f, "z", 1, &va), ENOTDIR);
	CHECK_ERR(hammer2_vop_link(tmp, 999999, 1, "z", 1, &va), ENOENT);
	/* data */
	CHECK_ERR(t_write(d, 0, "x", 1), EISDIR);
	CHECK_ERR(t_write(sl, 0, "x", 1), EINVAL);
	CHECK_ERR(hammer2_vop_read(tmp, d, 0, buf, sizeof(buf), &done), EISDIR);
	CHECK_ERR(t_write(f, UINT64_MAX - 2, "xyz", 3), EFBIG);
	CHECK_ERR(hammer2_vop_readlink(tmp, f, buf, sizeof(buf), &len), EINVAL);
	CHECK_ERR(hammer2_vop_readlink(tmp, d, buf, sizeof(buf), &len), EINVAL);
	/* setattr */
	memset(&va2, 0, sizeof(va2));
	CHECK_ERR(hammer2_vop_setattr(tmp, d, &va2, HAMMER2_VA_SIZE, &va),
	    EISDIR);
	CHECK_ERR(hammer2_vop_setattr(tmp, sl, &va2, HAMMER2_VA_SIZE, &va),
	    EINVAL);
	va2.va_comp_algo = 9;
	CHECK_ERR(hammer2_vop_setattr(tmp, f, &va2, HAMMER2_VA_COMP, &va),
	    EINVAL);
	va2.va_check_algo = 9;
	CHECK_ERR(hammer2_vop_setattr(tmp, f, &va2, HAMMER2_VA_CHECK, &va),
	    EINVAL);
	va2.va_mode = 0777;
	CHECK_ERR(hammer2_vop_setattr(tmp, f, &va2, HAMMER2_VA_MODE |
	    HAMMER2_VA_CHECK, &va), EINVAL);
	CHECK_OK(hammer2_vop_getattr(tmp, f, &va));
	CHECK(va.va_mode == T_MODE_FILE);	/* nothing changed */
	/* symlinks */
	memset(&va2, 0, sizeof(va2));
	va2.va_type = HAMMER2_OBJTYPE_SOFTLINK;
	CHECK_ERR(hammer2_vop_create(tmp, 1, "s0", 2, &va2, "", 0, &va),
	    ENOENT);
	memset(target, 't', sizeof(target));
	CHECK_ERR(hammer2_vop_create(tmp, 1, "s1", 2, &va2, target,
	    HAMMER2_SYMLINK_MAXBYTES, &va), ENAMETOOLONG);
	CHECK_OK(hammer2_vop_create(tmp, 1, "s2", 2, &va2, target,
	    HAMMER2_SYMLINK_MAXBYTES - 1, &va));
	/* rename */
	CHECK_ERR(hammer2_vop_rename(tmp, 1, "nope", 4, 1, "z", 1, 0), ENOENT);
	CHECK_ERR(hammer2_vop_rename(tmp, 1, "f", 1, 1, "d", 1, 0), EISDIR);
	CHECK_ERR(hammer2_vop_rename(tmp, 1, "e", 1, 1, "f", 1, 0), ENOTDIR);
	CHECK_ERR(hammer2_vop_rename(tmp, 1, "e", 1, 1, "d", 1, 0), ENOTEMPTY);
	CHECK_ERR(hammer2_vop_rename(tmp, 1, "d", 1, d, "d2", 2, 0), EINVAL);
	CHECK_ERR(hammer2_vop_rename(tmp, 1, "d", 1, 1, ".", 1, 0), EINVAL);
	CHECK_ERR(hammer2_vop_rename(tmp, 1, "..", 2, 1, "q", 1, 0), EINVAL);
	CHECK_ERR(hammer2_vop_rename(tmp, 1, "f", 1, 1, "e", 1,
	    HAMMER2_RENAME_NOREPLACE), EEXIST);
	CHECK_ERR(hammer2_vop_rename(tmp, 1, "f", 1, 1, "zz", 2, 0x80), EINVAL);
	CHECK_ERR(hammer2_vop_rename(tmp, 1, "f", 1, f, "zz", 2, 0), ENOTDIR);
	CHECK_ERR(hammer2_vop_rename(tmp, 1, "f", 1, 1, name, 256, 0),
	    ENAMETOOLONG);
	CHECK_OK(t_create(e, "sub", HAMMER2_OBJTYPE_DIRECTORY, T_MODE_DIR,
	    &va));
	CHECK_ERR(hammer2_vop_rename(tmp, 1, "e", 1, va.va_inum, "e", 1, 0),
	    EINVAL);
	/* open/release */
	CHECK_ERR(hammer2_vop_release(tmp, f), EINVAL);
	CHECK_ERR(hammer2_vop_open(tmp, 999999), ENOENT);
	/* nothing above changed what is there */
	CHECK_OK(t_remount());
	CHECK(t_inum(1, "f") == f && t_inum(1, "d") == d && t_inum(1, "e") == e);
	CHECK_OK(t_list(1, 0, NULL, &dl));
	CHECK(dl.dl_count == 2 + 6);
	CHECK_OK(t_unmount());
	/* a read-only mount refuses every change */
	CHECK_OK(t_mount(HAMMER2_MNT_RDONLY));
	CHECK_ERR(t_create(1, "new", HAMMER2_OBJTYPE_REGFILE, 0, &va), EROFS);
	CHECK_ERR(t_write(f, 0, "x", 1), EROFS);
	CHECK_ERR(hammer2_vop_remove(tmp, 1, "f", 1, 0), EROFS);
	CHECK_ERR(hammer2_vop_rename(tmp, 1, "f", 1, 1, "g", 1, 0), EROFS);
	CHECK_ERR(hammer2_vop_link(tmp, f, 1, "g", 1, &va), EROFS);
	memset(&va2, 0, sizeof(va2));
	CHECK_ERR(hammer2_vop_setattr(tmp, f, &va2, HAMMER2_VA_MODE, &va),
	    EROFS);
	CHECK_OK(hammer2_vop_setattr(tmp, f, &va2, 0, &va));
	CHECK_OK(hammer2_vop_open(tmp, f));
	CHECK_OK(hammer2_vop_release(tmp, f));
	CHECK(t_inum(1, "d") == d);
	CHECK_OK(hammer2_vfs_sync(tmp));
	CHECK_OK(t_unmount());
	/* no such PFS; read-write mount of a read-only dev */
	CHECK_OK(h2_host_open(image, 0, &tdev));
	CHECK_ERR(hammer2_vfs_mount(tdev, "NOPE", HAMMER2_MNT_RDONLY, &tmp),
	    ENOENT);
	CHECK_ERR(hammer2_vfs_mount(tdev, T_LABEL, 0, &tmp), EROFS);
	h2_host_close(tdev);
	CHECK_OK(h2_host_open(image, H2_HOST_RDWR, &tdev));
	CHECK_ERR(hammer2_vfs_mount(tdev, "NOPE", 0, &tmp), ENOENT);
	h2_host_close(tdev);
	return (0);
}

static int
case_rename(void)
{
	struct hammer2_vattr va;
	hammer2_tid_t a, b, c, d1, d2, sub, h;

	CHECK_OK(t_mount(0));
	CHECK_OK(t_create(1, "a", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	a = va.va_inum;
	CHECK_OK(t_write(a, 0, "AAAA", 4));
	CHECK_OK(t_create(1, "b", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	b = va.va_inum;
	CHECK_OK(t_create(1, "c", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	c = va.va_inum;
	CHECK_OK(t_create(1, "d1", HAMMER2_OBJTYPE_DIRECTORY, T_MODE_DIR, &va));
	d1 = va.va_inum;
	CHECK_OK(t_create(1, "d2", HAMMER2_OBJTYPE_DIRECTORY, T_MODE_DIR, &va));
	d2 = va.va_inum;
	CHECK_OK(t_create(d1, "sub", HAMMER2_OBJTYPE_DIRECTORY, T_MODE_DIR,
	    &va));
	sub = va.va_inum;
	/* same directory */
	CHECK_OK(hammer2_vop_rename(tmp, 1, "a", 1, 1, "a2", 2, 0));
	CHECK_ERR(t_lookup(1, "a", &va), ENOENT);
	CHECK(t_inum(1, "a2") == a);
	/* onto itself, and onto another name of the same inode */
	CHECK_OK(hammer2_vop_rename(tmp, 1, "a2", 2, 1, "a2", 2, 0));
	CHECK(t_inum(1, "a2") == a);
	CHECK_OK(hammer2_vop_link(tmp, a, d2, "hl", 2, &va));
	CHECK(va.va_nlink == 2);
	CHECK_OK(hammer2_vop_rename(tmp, 1, "a2", 2, d2, "hl", 2, 0));
	CHECK(t_inum(1, "a2") == a && t_inum(d2, "hl") == a);
	/* over an existing file: the replaced inode goes away */
	CHECK_OK(hammer2_vop_rename(tmp, 1, "b", 1, 1, "c", 1, 0));
	CHECK(t_inum(1, "c") == b);
	CHECK_ERR(hammer2_vop_getattr(tmp, c, &va), ENOENT);
	/* over a name of a hardlinked inode: it loses one link */
	CHECK_OK(hammer2_vop_rename(tmp, 1, "c", 1, d2, "hl", 2, 0));
	CHECK(t_inum(d2, "hl") == b);
	CHECK_OK(hammer2_vop_getattr(tmp, a, &va));
	CHECK(va.va_nlink == 1);
	/* a directory across directories: ".." follows */
	CHECK_OK(hammer2_vop_rename(tmp, d1, "sub", 3, d2, "sub2", 4, 0));
	CHECK(t_inum(d2, "sub2") == sub && t_inum(sub, "..") == d2);
	CHECK_ERR(t_lookup(d1, "sub", &va), ENOENT);
	/* a directory over an empty directory */
	CHECK_OK(t_create(1, "empty", HAMMER2_OBJTYPE_DIRECTORY, T_MODE_DIR,
	    &va));
	h = va.va_inum;
	CHECK_OK(hammer2_vop_rename(tmp, 1, "d1", 2, 1, "empty", 5, 0));
	CHECK(t_inum(1, "empty") == d1);
	CHECK_ERR(hammer2_vop_getattr(tmp, h, &va), ENOENT);
	/* a directory up to the root, a file down into a directory */
	CHECK_OK(hammer2_vop_rename(tmp, d2, "sub2", 4, 1, "top", 3, 0));
	CHECK(t_inum(1, "top") == sub && t_inum(sub, "..") == 1);
	CHECK_OK(hammer2_vop_rename(tmp, 1, "a2", 2, sub, "deep", 4, 0));
	/* exchange: a file with a directory across directories */
	CHECK_OK(t_create(d2, "xf", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	c = va.va_inum;
	CHECK_OK(t_create(1, "xd", HAMMER2_OBJTYPE_DIRECTORY, T_MODE_DIR, &va));
	h = va.va_inum;
	CHECK_OK(hammer2_vop_rename(tmp, d2, "xf", 2, 1, "xd", 2,
	    HAMMER2_RENAME_EXCHANGE));
	CHECK(t_inum(1, "xd") == c && t_inum(d2, "xf") == h);
	CHECK(t_inum(h, "..") == d2);
	CHECK_ERR(hammer2_vop_rename(tmp, d2, "xf", 2, 1, "nope", 4,
	    HAMMER2_RENAME_EXCHANGE), ENOENT);
	CHECK_ERR(hammer2_vop_rename(tmp, d2, "xf", 2, 1, "xd", 2,
	    HAMMER2_RENAME_EXCHANGE | HAMMER2_RENAME_NOREPLACE), EINVAL);
	CHECK_OK(t_create(h, "in", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	CHECK_ERR(hammer2_vop_rename(tmp, d2, "xf", 2, h, "in", 2,
	    HAMMER2_RENAME_EXCHANGE), EINVAL);
	CHECK_OK(hammer2_vop_rename(tmp, 1, "xd", 2, 1, "xd", 2,
	    HAMMER2_RENAME_EXCHANGE));
	CHECK_OK(t_remount());
	CHECK(t_inum(1, "xd") == c && t_inum(d2, "xf") == h);
	CHECK(t_inum(h, "..") == d2 && t_inum(h, "in") != 0);
	CHECK(t_inum(1, "empty") == d1 && t_inum(1, "d2") == d2);
	CHECK(t_inum(1, "top") == sub && t_inum(sub, "..") == 1);
	CHECK(t_inum(sub, "deep") == a && t_inum(d2, "hl") == b);
	CHECK_OK(t_read_cmp(a, 0, "AAAA", 4));
	CHECK_ERR(t_lookup(1, "a2", &va), ENOENT);
	CHECK_ERR(t_lookup(1, "b", &va), ENOENT);
	CHECK_ERR(t_lookup(1, "c", &va), ENOENT);
	CHECK_ERR(t_lookup(1, "d1", &va), ENOENT);
	CHECK_OK(t_unmount());
	return (0);
}

static int
case_unlink_open(void)
{
	struct hammer2_vattr va;
	hammer2_tid_t f, g, d, h;
	uint8_t *data = malloc(100000);

	CHECK(data != NULL);
	t_fill_random(data, 100000);
	CHECK_OK(t_mount(0));
	CHECK_OK(t_create(1, "f", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	f = va.va_inum;
	CHECK_OK(t_write(f, 0, data, 100000));
	CHECK_OK(hammer2_vop_open(tmp, f));
	CHECK_OK(hammer2_vop_open(tmp, f));
	CHECK_OK(hammer2_vop_remove(tmp, 1, "f", 1, 0));
	CHECK_ERR(t_lookup(1, "f", &va), ENOENT);
	CHECK_OK(hammer2_vop_getattr(tmp, f, &va));
	CHECK(va.va_nlink == 0 && va.va_size == 100000);
	CHECK_OK(t_read_cmp(f, 0, data, 100000));
	CHECK_OK(t_write(f, 100000, "tail", 4));
	CHECK_OK(hammer2_vop_fsync(tmp, f));
	CHECK_OK(hammer2_vop_release(tmp, f));
	CHECK_OK(hammer2_vop_getattr(tmp, f, &va));
	CHECK_OK(hammer2_vop_release(tmp, f));
	CHECK_ERR(hammer2_vop_getattr(tmp, f, &va), ENOENT);
	/* still open at unmount: destroyed then */
	CHECK_OK(t_create(1, "g", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	g = va.va_inum;
	CHECK_OK(t_write(g, 0, data, 5000));
	CHECK_OK(hammer2_vop_open(tmp, g));
	CHECK_OK(hammer2_vop_remove(tmp, 1, "g", 1, 0));
	/* an open directory that is removed takes no new entries */
	CHECK_OK(t_create(1, "d", HAMMER2_OBJTYPE_DIRECTORY, T_MODE_DIR, &va));
	d = va.va_inum;
	CHECK_OK(hammer2_vop_open(tmp, d));
	CHECK_OK(hammer2_vop_remove(tmp, 1, "d", 1, 1));
	CHECK_ERR(t_create(d, "x", HAMMER2_OBJTYPE_REGFILE, 0, &va), ENOENT);
	CHECK_OK(hammer2_vop_release(tmp, d));
	CHECK_ERR(hammer2_vop_getattr(tmp, d, &va), ENOENT);
	/* hard links: the inode lives while a name does */
	CHECK_OK(t_create(1, "h", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	h = va.va_inum;
	CHECK_OK(t_write(h, 0, data, 700));
	CHECK_OK(hammer2_vop_link(tmp, h, 1, "h2", 2, &va));
	CHECK(va.va_nlink == 2);
	CHECK_OK(hammer2_vop_remove(tmp, 1, "h", 1, 0));
	CHECK_OK(hammer2_vop_getattr(tmp, h, &va));
	CHECK(va.va_nlink == 1);
	CHECK_OK(t_remount());
	CHECK_ERR(hammer2_vop_getattr(tmp, g, &va), ENOENT);
	CHECK(t_inum(1, "h2") == h);
	CHECK_OK(t_read_cmp(h, 0, data, 700));
	CHECK_OK(hammer2_vop_remove(tmp, 1, "h2", 2, 0));
	CHECK_ERR(hammer2_vop_getattr(tmp, h, &va), ENOENT);
	CHECK_OK(t_unmount());
	free(data);
	return (0);
}

static int
case_bigdir(void)
{
	struct hammer2_vattr va;
	struct t_dirlist dl;
	hammer2_tid_t d, *inums;
	char name[T_NAMEBUF];
	int i;

	inums = calloc(T_BIGDIR_FILES, sizeof(*inums));
	CHECK(inums != NULL);
	CHECK_OK(t_mount(0));
	CHECK_OK(t_create(1, "big", HAMMER2_OBJTYPE_DIRECTORY, T_MODE_DIR,
	    &va));
	d = va.va_inum;
	for (i = 0; i < T_BIGDIR_FILES; i++) {
		/* every 10th name is long: its name lives in a block */
		snprintf(name, sizeof(name), i % 10 == 0 ?
		    "file-%06d-with-a-name-long-enough-to-need-its-own-block-"
		    "of-one-KiB" : "file-%06d", i);
		CHECK_OK(t_create(d, name, HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE,
		    &va));
		inums[i] = va.va_inum;
		if (i % 100 == 0)
			CHECK_OK(t_write(inums[i], 0, name, strlen(name)));
	}
	CHECK_OK(t_list(d, 0, NULL, &dl));
	CHECK(dl.dl_count == 2 + T_BIGDIR_FILES && dl.dl_sorted);
	CHECK_OK(t_remount());
	CHECK_OK(t_list(d, 37, "file-002999", &dl));
	CHECK(dl.dl_count == 2 + T_BIGDIR_FILES && dl.dl_sorted);
	CHECK(dl.dl_found == 1 && dl.dl_found_inum == inums[2999]);
	for (i = 0; i < T_BIGDIR_FILES; i += 2) {
		snprintf(name, sizeof(name), i % 10 == 0 ?
		    "file-%06d-with-a-name-long-enough-to-need-its-own-block-"
		    "of-one-KiB" : "file-%06d", i);
		CHECK(t_inum(d, name) == inums[i]);
		if (i % 100 == 0)
			CHECK_OK(t_read_cmp(inums[i], 0, name, strlen(name)));
		CHECK_OK(hammer2_vop_remove(tmp, d, name, strlen(name), 0));
	}
	CHECK_OK(t_remount());
	CHECK_OK(t_list(d, 100, NULL, &dl));
	CHECK(dl.dl_count == 2 + T_BIGDIR_FILES / 2);
	for (i = 0; i < T_BIGDIR_FILES; i++) {
		snprintf(name, sizeof(name), i % 10 == 0 ?
		    "file-%06d-with-a-name-long-enough-to-need-its-own-block-"
		    "of-one-KiB" : "file-%06d", i);
		if (i % 2 == 0) {
			CHECK_ERR(t_lookup(d, name, &va), ENOENT);
			CHECK_ERR(hammer2_vop_getattr(tmp, inums[i], &va),
			    ENOENT);
		} else {
			CHECK(t_inum(d, name) == inums[i]);
		}
	}
	CHECK_ERR(hammer2_vop_remove(tmp, 1, "big", 3, 1), ENOTEMPTY);
	CHECK_OK(t_unmount());
	free(inums);
	return (0);
}

/*
 * Two names with the same 49-bit directory hash: "A.B" and "B.A" share
 * the segment sum (bits 62..32), so only the 16 bits from the whole-name
 * CRC must agree; about 2^16 tries.
 */
static int
t_find_collision(char *n1, char *n2, size_t len, int longnames)
{
	const char *pad = longnames ? "-padding-to-make-the-name-longer-than-"
	    "sixty-four" : "";
	int i;

	for (i = 0; i < T_COLLIDE_TRIES; i++) {
		snprintf(n1, len, "a%d%s.b%d", i, pad, i * 7 + 3);
		snprintf(n2, len, "b%d.a%d%s", i * 7 + 3, i, pad);
		if (hammer2_dirhash(n1, strlen(n1)) ==
		    hammer2_dirhash(n2, strlen(n2)))
			return (0);
	}
	return (1);
}

static int
case_collide(void)
{
	struct hammer2_vattr va;
	struct t_dirlist dl;
	char n1[T_NAMEBUF], n2[T_NAMEBUF];
	hammer2_tid_t i1, i2, i3;
	uint64_t h;
	int longnames;

	CHECK_OK(t_mount(0));
	for (longnames = 0; longnames <= 1; longnames++) {
		CHECK_OK(t_find_collision(n1, n2, sizeof(n1), longnames));
		h = hammer2_dirhash(n1, strlen(n1)) & ~HAMMER2_DIRHASH_VISIBLE;
		CHECK_OK(t_create(1, n1, HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE,
		    &va));
		i1 = va.va_inum;
		CHECK_OK(t_create(1, n2, HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE,
		    &va));
		i2 = va.va_inum;
		CHECK_ERR(t_create(1, n2, HAMMER2_OBJTYPE_REGFILE, 0, &va),
		    EEXIST);
		CHECK(t_inum(1, n1) == i1 && t_inum(1, n2) == i2);
		/* DragonFly's keys: the first gets h+1, the second h */
		CHECK_OK(t_list(1, 0, n1, &dl));
		CHECK(dl.dl_found == 1 && dl.dl_found_cookie == h + 1);
		CHECK_OK(t_list(1, 0, n2, &dl));
		CHECK(dl.dl_found == 1 && dl.dl_found_cookie == h);
		/* remove the first: the second is still found; re-create */
		CHECK_OK(hammer2_vop_remove(tmp, 1, n1, strlen(n1), 0));
		CHECK_ERR(t_lookup(1, n1, &va), ENOENT);
		CHECK(t_inum(1, n2) == i2);
		CHECK_OK(t_create(1, n1, HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE,
		    &va));
		i3 = va.va_inum;
		CHECK_OK(t_list(1, 0, n1, &dl));
		CHECK(dl.dl_found == 1 && dl.dl_found_cookie == h + 2);
		/* rename within the window */
		CHECK_OK(hammer2_vop_rename(tmp, 1, n2, strlen(n2), 1, n1,
		    strlen(n1), 0));
		CHECK(t_inum(1, n1) == i2);
		CHECK_ERR(t_lookup(1, n2, &va), ENOENT);
		CHECK_ERR(hammer2_vop_getattr(tmp, i3, &va), ENOENT);
		CHECK_OK(t_create(1, n2, HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE,
		    &va));
		i1 = va.va_inum;
		CHECK_OK(t_remount());
		CHECK(t_inum(1, n1) == i2 && t_inum(1, n2) == i1);
	}
	CHECK_OK(t_unmount());
	return (0);
}

/* ---- the committed image, seen through part 1's reader ---- */

#define T_MAXBREFS	64

struct t_brefs {
	int			 tb_count;
	struct hammer2_blockref	 tb_bref[T_MAXBREFS];
};

static int
t_brefs_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct t_brefs *tb = arg;

	(void)error;
	if (bref->type == HAMMER2_BREF_TYPE_DATA && tb->tb_count < T_MAXBREFS)
		tb->tb_bref[tb->tb_count++] = *bref;
	return (0);
}

/* Inode and DATA brefs of path in the committed image. */
static int
t_part1_inode(const char *path, struct hammer2_inode *ip, struct t_brefs *tb)
{
	struct hammer2_dev *dev;
	struct hammer2_pfs pfs;
	int error;

	memset(tb, 0, sizeof(*tb));
	error = h2_host_open(image, 0, &dev);
	if (error != 0)
		return (error);
	error = hammer2_pfs_open(dev, T_LABEL, &pfs);
	if (error == 0)
		error = hammer2_path_lookup(&pfs, path, ip);
	if (error == 0 && hammer2_inode_has_blockset(ip))
		error = hammer2_tree_scan(dev, ip->ino_data.u.blockset.blockref,
		    HAMMER2_SET_COUNT, 0, HAMMER2_KEY_MAX, 0, t_brefs_cb, tb);
	h2_host_close(dev);
	return (error);
}

static const struct hammer2_blockref *
t_bref_at(const struct t_brefs *tb, uint64_t key)
{
	int i;

	for (i = 0; i < tb->tb_count; i++)
		if (tb->tb_bref[i].key == key)
			return (&tb->tb_bref[i]);
	return (NULL);
}

static int
case_sparse(void)
{
	struct hammer2_vattr va, va2;
	struct hammer2_inode ip;
	struct t_brefs tb;
	hammer2_tid_t f;
	uint8_t *blk = malloc(T_BLOCK), *zero = calloc(1, T_BLOCK);
	uint64_t big = 5 * T_GIB, mid = 3 * T_GIB + 12345;

	CHECK(blk != NULL && zero != NULL);
	t_fill_random(blk, T_BLOCK);
	CHECK_OK(t_mount(0));
	CHECK_OK(t_create(1, "sparse", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE,
	    &va));
	f = va.va_inum;
	CHECK_OK(t_write(f, 0, blk, 4096));
	CHECK_OK(t_write(f, mid, blk, T_BLOCK));
	CHECK_OK(t_write(f, big - 1, "Z", 1));
	CHECK_OK(hammer2_vop_getattr(tmp, f, &va));
	CHECK(va.va_size == big);
	CHECK_OK(t_remount());
	CHECK_OK(t_read_cmp(f, 0, blk, 4096));
	CHECK_OK(t_read_cmp(f, 4096, NULL, T_BLOCK));
	CHECK_OK(t_read_cmp(f, T_GIB, NULL, T_BLOCK));
	CHECK_OK(t_read_cmp(f, mid - 100, NULL, 100));
	CHECK_OK(t_read_cmp(f, mid, blk, T_BLOCK));
	CHECK_OK(t_read_cmp(f, mid + T_BLOCK, NULL, 1000));
	CHECK_OK(t_read_cmp(f, big - 1, "Z", 1));
	CHECK_OK(t_read_cmp(f, big - 3, "\0\0Z", 3));
	CHECK_OK(t_unmount());
	/* three blocks on the media: 0, the two under mid, the last one */
	CHECK_OK(t_part1_inode("sparse", &ip, &tb));
	CHECK(tb.tb_count == 4);
	CHECK(ip.ino_data.meta.size == big);
	CHECK(t_bref_at(&tb, 0) != NULL);
	CHECK(t_bref_at(&tb, big - T_BLOCK) != NULL);
	/* truncate into the middle block: its tail reads as zeros */
	CHECK_OK(t_mount(0));
	memset(&va2, 0, sizeof(va2));
	va2.va_size = mid + 1000;
	CHECK_OK(hammer2_vop_setattr(tmp, f, &va2, HAMMER2_VA_SIZE, &va));
	CHECK(va.va_size == mid + 1000);
	va2.va_size = mid + 50000;
	CHECK_OK(hammer2_vop_setattr(tmp, f, &va2, HAMMER2_VA_SIZE, &va));
	CHECK_OK(t_read_cmp(f, mid, blk, 1000));
	CHECK_OK(t_read_cmp(f, mid + 1000, NULL, 49000));
	va2.va_size = 100;
	CHECK_OK(hammer2_vop_setattr(tmp, f, &va2, HAMMER2_VA_SIZE, &va));
	va2.va_size = 2 * T_GIB;
	CHECK_OK(hammer2_vop_setattr(tmp, f, &va2, HAMMER2_VA_SIZE, &va));
	CHECK_OK(t_remount());
	CHECK_OK(t_read_cmp(f, 0, blk, 100));
	CHECK_OK(t_read_cmp(f, 100, NULL, T_BLOCK));
	CHECK_OK(t_read_cmp(f, 2 * T_GIB - 10, NULL, 10));
	CHECK_OK(hammer2_vop_getattr(tmp, f, &va));
	CHECK(va.va_size == 2 * T_GIB);
	CHECK_OK(t_unmount());
	CHECK_OK(t_part1_inode("sparse", &ip, &tb));
	CHECK(tb.tb_count == 1 && tb.tb_bref[0].key == 0);
	CHECK(ip.ino_data.meta.size == 2 * T_GIB);
	free(blk);
	free(zero);
	return (0);
}

static const uint8_t t_comps[] = { HAMMER2_COMP_NONE, HAMMER2_COMP_AUTOZERO,
	HAMMER2_COMP_LZ4, HAMMER2_COMP_ZLIB };
static const uint8_t t_checks[] = { HAMMER2_CHECK_NONE, HAMMER2_CHECK_ISCSI32,
	HAMMER2_CHECK_XXHASH64, HAMMER2_CHECK_SHA192 };
#define T_TAIL_BYTES	3000

/* Fill the test file of the methods case: text, zeros, noise, text. */
static void
t_methods_content(uint8_t *buf)
{
	size_t i;

	for (i = 0; i < T_BLOCK; i++)
		buf[i] = (uint8_t)("the quick brown fox "[i % 20]);
	memset(buf + T_BLOCK, 0, T_BLOCK);
	t_fill_random(buf + 2 * T_BLOCK, T_BLOCK);
	for (i = 0; i < T_TAIL_BYTES; i++)
		buf[3 * T_BLOCK + i] = (uint8_t)('a' + i % 7);
}

static int
t_methods_check(const char *path, uint8_t comp, uint8_t check,
    const uint8_t *want)
{
	const struct hammer2_blockref *b;
	struct hammer2_inode ip;
	struct t_brefs tb;
	bool packs = comp == HAMMER2_COMP_LZ4 || comp == HAMMER2_COMP_ZLIB;
	bool holes = comp != HAMMER2_COMP_NONE && check != HAMMER2_CHECK_NONE;
	uint8_t raw = HAMMER2_ENC_CHECK(check);

	(void)want;
	CHECK_OK(t_part1_inode(path, &ip, &tb));
	CHECK(ip.ino_data.meta.comp_algo == comp);
	CHECK(ip.ino_data.meta.check_algo == check);
	CHECK(tb.tb_count == (holes ? 3 : 4));
	b = t_bref_at(&tb, 0);
	CHECK(b != NULL && b->methods == (packs ? (raw | comp) : raw));
	CHECK(hammer2_bref_bytes(b) == (packs ? 1024 : T_BLOCK));
	b = t_bref_at(&tb, T_BLOCK);
	CHECK(holes ? b == NULL :
	    (b != NULL && b->methods == (packs ? (raw | comp) : raw)));
	b = t_bref_at(&tb, 2 * T_BLOCK);
	CHECK(b != NULL && b->methods == raw &&
	    hammer2_bref_bytes(b) == T_BLOCK);
	b = t_bref_at(&tb, 3 * T_BLOCK);
	CHECK(b != NULL && b->methods == (packs ? (raw | comp) : raw));
	CHECK(hammer2_bref_bytes(b) == (packs ? 1024 : 4096));
	return (0);
}

static int
case_methods(void)
{
	struct hammer2_vattr va, va2;
	char path[64];
	uint8_t *buf = malloc(4 * T_BLOCK);
	size_t fsize = 3 * T_BLOCK + T_TAIL_BYTES;
	hammer2_tid_t d, f;
	size_t i, j;

	CHECK(buf != NULL);
	t_methods_content(buf);
	CHECK_OK(t_mount(0));
	for (i = 0; i < sizeof(t_comps); i++) {
		for (j = 0; j < sizeof(t_checks); j++) {
			snprintf(path, sizeof(path), "c%u-%u", t_comps[i],
			    t_checks[j]);
			CHECK_OK(t_create(1, path, HAMMER2_OBJTYPE_DIRECTORY,
			    T_MODE_DIR, &va));
			d = va.va_inum;
			memset(&va2, 0, sizeof(va2));
			va2.va_comp_algo = t_comps[i];
			va2.va_check_algo = t_checks[j];
			CHECK_OK(hammer2_vop_setattr(tmp, d, &va2,
			    HAMMER2_VA_COMP | HAMMER2_VA_CHECK, &va));
			CHECK_OK(t_create(d, "f", HAMMER2_OBJTYPE_REGFILE,
			    T_MODE_FILE, &va));
			f = va.va_inum;
			CHECK(va.va_comp_algo == t_comps[i]);
			CHECK(va.va_check_algo == t_checks[j]);
			CHECK_OK(t_write(f, 0, buf, fsize));
			CHECK_OK(t_read_cmp(f, 0, buf, fsize));
		}
	}
	CHECK_OK(t_unmount());
	for (i = 0; i < sizeof(t_comps); i++) {
		for (j = 0; j < sizeof(t_checks); j++) {
			snprintf(path, sizeof(path), "c%u-%u/f", t_comps[i],
			    t_checks[j]);
			if (t_methods_check(path, t_comps[i], t_checks[j],
				buf) != 0) {
				fprintf(stderr, "methods of %s\n", path);
				return (1);
			}
		}
	}
	CHECK_OK(t_mount(HAMMER2_MNT_RDONLY));
	for (i = 0; i < sizeof(t_comps); i++) {
		for (j = 0; j < sizeof(t_checks); j++) {
			snprintf(path, sizeof(path), "c%u-%u", t_comps[i],
			    t_checks[j]);
			d = t_inum(1, path);
			f = t_inum(d, "f");
			CHECK(d != 0 && f != 0);
			CHECK_OK(t_read_cmp(f, 0, buf, fsize));
		}
	}
	CHECK_OK(t_unmount());
	free(buf);
	return (0);
}

/*
 * Random writes, truncates and extensions of one file against a model,
 * across the embedded/blockset boundary, with remounts in between.
 */
#define T_MODEL_MAX	(5 * T_BLOCK)
#define T_MODEL_OPS	600
#define T_MODEL_REMOUNT	97

static int
case_model(void)
{
	struct hammer2_vattr va, va2;
	uint8_t *model = calloc(1, T_MODEL_MAX), *data = malloc(T_MODEL_MAX);
	uint64_t size = 0, off, len;
	hammer2_tid_t f;
	int op;

	CHECK(model != NULL && data != NULL);
	CHECK_OK(t_mount(0));
	CHECK_OK(t_create(1, "m", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	f = va.va_inum;
	for (op = 0; op < T_MODEL_OPS; op++) {
		off = t_rand() % (op % 3 == 0 ? 700 : T_MODEL_MAX);
		len = t_rand() % (op % 5 == 0 ? 300 : T_BLOCK + 100);
		if (off + len > T_MODEL_MAX)
			len = T_MODEL_MAX - off;
		if (t_rand() % 4 == 0) {
			/* truncate or extend */
			memset(&va2, 0, sizeof(va2));
			va2.va_size = off;
			CHECK_OK(hammer2_vop_setattr(tmp, f, &va2,
			    HAMMER2_VA_SIZE, &va));
			if (off < size)
				memset(model + off, 0, size - off);
			size = off;
		} else {
			if (t_rand() % 3 == 0)
				memset(data, 0, len);
			else
				t_fill_random(data, len);
			CHECK_OK(t_write(f, off, data, len));
			memcpy(model + off, data, len);
			if (len > 0 && off + len > size)
				size = off + len;
		}
		CHECK_OK(hammer2_vop_getattr(tmp, f, &va));
		if (va.va_size != size)
			fprintf(stderr, "model: op %d off %ju len %ju: size %ju, want %ju\n",
			    op, (uintmax_t)off, (uintmax_t)len,
			    (uintmax_t)va.va_size, (uintmax_t)size);
		CHECK(va.va_size == size);
		/* read back after every 4th op: let writes pile up unread */
		if (op % 4 == 0 && t_read_cmp(f, 0, model, size) != 0) {
			fprintf(stderr, "model: op %d off %ju len %ju\n", op,
			    (uintmax_t)off, (uintmax_t)len);
			return (1);
		}
		if (op % T_MODEL_REMOUNT == 0)
			CHECK_OK(t_remount());
	}
	CHECK_OK(t_remount());
	CHECK_OK(t_read_cmp(f, 0, model, size));
	CHECK_OK(t_unmount());
	free(model);
	free(data);
	return (0);
}


/*
 * Dedup on write: a block identical to one committed earlier in the
 * mount is shared (same data_off), not written again; a block with other
 * methods is not.
 */
static int
case_dedup(void)
{
	struct hammer2_vattr va, va2;
	struct hammer2_statfs sf0, sf1;
	struct hammer2_inode ip;
	struct t_brefs tb1, tb2, tb3;
	uint8_t *blk = malloc(2 * T_BLOCK);
	hammer2_tid_t f1, f2, f3, d;
	size_t i;

	CHECK(blk != NULL);
	t_fill_random(blk, T_BLOCK);
	for (i = 0; i < T_BLOCK; i++)
		blk[T_BLOCK + i] = (uint8_t)("dedup me "[i % 9]);
	CHECK_OK(t_mount(0));
	CHECK_OK(t_create(1, "f1", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	f1 = va.va_inum;
	CHECK_OK(t_write(f1, 0, blk, 2 * T_BLOCK));
	CHECK_OK(hammer2_vop_fsync(tmp, f1));
	CHECK_OK(hammer2_vfs_statfs(tmp, &sf0));
	CHECK(sf0.sf_dedup_bytes == 0);
	CHECK_OK(t_create(1, "f2", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	f2 = va.va_inum;
	CHECK_OK(t_write(f2, 0, blk, 2 * T_BLOCK));
	CHECK_OK(t_write(f2, 5 * T_BLOCK, blk, T_BLOCK));
	/* other check method: same bytes, no sharing */
	CHECK_OK(t_create(1, "d", HAMMER2_OBJTYPE_DIRECTORY, T_MODE_DIR, &va));
	d = va.va_inum;
	memset(&va2, 0, sizeof(va2));
	va2.va_check_algo = HAMMER2_CHECK_SHA192;
	CHECK_OK(hammer2_vop_setattr(tmp, d, &va2, HAMMER2_VA_CHECK, &va));
	CHECK_OK(t_create(d, "f3", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	f3 = va.va_inum;
	CHECK_OK(t_write(f3, 0, blk, T_BLOCK));
	CHECK_OK(hammer2_vfs_statfs(tmp, &sf1));
	CHECK(sf1.sf_dedup_bytes == T_BLOCK + 1024 + T_BLOCK);
	CHECK_OK(t_read_cmp(f2, 0, blk, 2 * T_BLOCK));
	CHECK_OK(t_read_cmp(f2, 5 * T_BLOCK, blk, T_BLOCK));
	/* rewriting a shared block leaves the other file alone */
	CHECK_OK(t_write(f2, 100, "changed", 7));
	CHECK_OK(t_remount());
	CHECK_OK(t_read_cmp(f1, 0, blk, 2 * T_BLOCK));
	CHECK_OK(t_read_cmp(f2, 100, "changed", 7));
	CHECK_OK(t_read_cmp(f2, T_BLOCK, blk + T_BLOCK, T_BLOCK));
	CHECK_OK(t_read_cmp(f2, 5 * T_BLOCK, blk, T_BLOCK));
	CHECK_OK(t_read_cmp(f3, 0, blk, T_BLOCK));
	CHECK_OK(t_unmount());
	CHECK_OK(t_part1_inode("f1", &ip, &tb1));
	CHECK_OK(t_part1_inode("f2", &ip, &tb2));
	CHECK_OK(t_part1_inode("d/f3", &ip, &tb3));
	CHECK(tb1.tb_count == 2 && tb2.tb_count == 3 && tb3.tb_count == 1);
	CHECK(t_bref_at(&tb2, T_BLOCK)->data_off ==
	    t_bref_at(&tb1, T_BLOCK)->data_off);
	CHECK(hammer2_bref_bytes(t_bref_at(&tb2, T_BLOCK)) == 1024);
	CHECK(t_bref_at(&tb2, 5 * T_BLOCK)->data_off ==
	    t_bref_at(&tb1, 0)->data_off);
	CHECK(t_bref_at(&tb2, 0)->data_off != t_bref_at(&tb1, 0)->data_off);
	CHECK(t_bref_at(&tb3, 0)->data_off != t_bref_at(&tb1, 0)->data_off);
	/* deleting the first file keeps the shared blocks readable */
	CHECK_OK(t_mount(0));
	CHECK_OK(hammer2_vop_remove(tmp, 1, "f1", 2, 0));
	CHECK_OK(t_remount());
	CHECK_OK(t_read_cmp(f2, T_BLOCK, blk + T_BLOCK, T_BLOCK));
	CHECK_OK(t_read_cmp(f2, 5 * T_BLOCK, blk, T_BLOCK));
	/*
	 * A block freed before its commit (written, then truncated away in
	 * the same transaction) is never shared afterwards.
	 */
	t_fill_random(blk, T_BLOCK);
	CHECK_OK(t_create(1, "g", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	CHECK_OK(t_write(va.va_inum, 0, blk, T_BLOCK));
	memset(&va2, 0, sizeof(va2));
	CHECK_OK(hammer2_vop_setattr(tmp, va.va_inum, &va2, HAMMER2_VA_SIZE,
	    NULL));
	CHECK_OK(hammer2_vfs_sync(tmp));
	CHECK_OK(hammer2_vfs_statfs(tmp, &sf0));
	CHECK_OK(t_create(1, "h", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	CHECK_OK(t_write(va.va_inum, 0, blk, T_BLOCK));
	CHECK_OK(hammer2_vfs_statfs(tmp, &sf1));
	CHECK(sf1.sf_dedup_bytes == sf0.sf_dedup_bytes);
	CHECK_OK(t_remount());
	CHECK_OK(t_read_cmp(va.va_inum, 0, blk, T_BLOCK));
	CHECK_OK(t_unmount());
	free(blk);
	return (0);
}

#define T_FILL_CHUNK_R	(256 * 1024)

/*
 * Space comes back without an offline bulkfree: fill the volume with a
 * committed file, remove it and commit (its blocks are still allocated:
 * only bulkfree frees committed blocks), then a second file of nearly
 * the same size still fits because the write that runs out of space
 * reclaims (hammer2_mnt_reclaim) and retries.  Data intact after a
 * remount.
 */
static int
case_enospc_reclaims(void)
{
	struct hammer2_vattr va;
	uint8_t *buf = malloc(T_FILL_CHUNK_R);
	hammer2_tid_t inum;
	uint64_t off, filled_a, filled_b;
	int error = 0;

	CHECK(buf != NULL);
	t_fill_random(buf, T_FILL_CHUNK_R);
	CHECK_OK(t_mount(0));
	CHECK_OK(t_create(1, "a", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	for (off = 0; error == 0; off += T_FILL_CHUNK_R) {
		buf[0]++;
		error = t_write(va.va_inum, off, buf, T_FILL_CHUNK_R);
	}
	CHECK_ERR(error, ENOSPC);
	filled_a = off - T_FILL_CHUNK_R;
	CHECK_OK(hammer2_vfs_sync(tmp));
	CHECK_OK(hammer2_vop_remove(tmp, 1, "a", 1, 0));
	CHECK_OK(hammer2_vfs_sync(tmp));
	CHECK_OK(t_create(1, "b", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	inum = va.va_inum;
	error = 0;
	for (off = 0; error == 0; off += T_FILL_CHUNK_R) {
		buf[0] = (uint8_t)(off / T_FILL_CHUNK_R);
		error = t_write(inum, off, buf, T_FILL_CHUNK_R);
	}
	CHECK_ERR(error, ENOSPC);
	filled_b = off - T_FILL_CHUNK_R;
	printf("filled %ju then %ju bytes\n", (uintmax_t)filled_a,
	    (uintmax_t)filled_b);
	CHECK(filled_a > (16ULL << 20));
	CHECK(filled_b >= filled_a - filled_a / 8);
	CHECK_OK(t_remount());
	for (off = 0; off < filled_b; off += 16 * T_FILL_CHUNK_R) {
		buf[0] = (uint8_t)(off / T_FILL_CHUNK_R);
		CHECK_OK(t_read_cmp(inum, off, buf, T_FILL_CHUNK_R));
	}
	CHECK_OK(t_unmount());
	free(buf);
	return (0);
}

/*
 * A full volume: writes fail with ENOSPC (never EIO or a crash), and
 * once the filler is removed the mount commits again (image: 64 MiB).
 */
#define T_FILL_CHUNK	(256 * 1024)
#define T_FILL_MAX	(1024 * T_FILL_CHUNK)

static int
case_enospc(void)
{
	struct hammer2_vattr va;
	struct hammer2_statfs sf;
	uint8_t *buf = malloc(T_FILL_CHUNK), *kbuf = malloc(T_FILL_CHUNK);
	hammer2_tid_t keep, fill;
	uint64_t off;
	int error = 0;

	CHECK(buf != NULL && kbuf != NULL);
	t_fill_random(buf, T_FILL_CHUNK);
	memcpy(kbuf, buf, T_FILL_CHUNK);
	CHECK_OK(t_mount(0));
	CHECK_OK(t_create(1, "keep", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE,
	    &va));
	keep = va.va_inum;
	CHECK_OK(t_write(keep, 0, buf, T_FILL_CHUNK));
	CHECK_OK(hammer2_vfs_sync(tmp));
	CHECK_OK(t_create(1, "fill", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE,
	    &va));
	fill = va.va_inum;
	for (off = 0; off < T_FILL_MAX && error == 0; off += T_FILL_CHUNK) {
		buf[0]++;
		error = t_write(fill, off, buf, T_FILL_CHUNK);
	}
	CHECK_ERR(error, ENOSPC);
	CHECK_OK(hammer2_vfs_statfs(tmp, &sf));
	CHECK(sf.sf_bfree < 4);
	CHECK_OK(hammer2_vop_remove(tmp, 1, "fill", 4, 0));
	CHECK_ERR(hammer2_vop_getattr(tmp, fill, &va), ENOENT);
	CHECK_OK(hammer2_vfs_sync(tmp));
	CHECK_OK(t_remount());
	CHECK_OK(t_read_cmp(keep, 0, kbuf, T_FILL_CHUNK));
	CHECK_ERR(t_lookup(1, "fill", &va), ENOENT);
	/*
	 * The ENOSPC write reclaimed, which committed the filler: its
	 * blocks come back at the next reclaim, which a write that runs
	 * out of space in the new mount triggers.
	 */
	CHECK_OK(t_create(1, "after", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE,
	    &va));
	for (off = 0; off < 64 * T_FILL_CHUNK; off += T_FILL_CHUNK)
		CHECK_OK(t_write(va.va_inum, off, buf, T_FILL_CHUNK));
	CHECK_OK(hammer2_vfs_statfs(tmp, &sf));
	CHECK(sf.sf_bfree > 100);
	CHECK_OK(t_unmount());
	free(buf);
	free(kbuf);
	return (0);
}

/*
 * The 512-byte line (format §8.4): files and symlink targets up to 512
 * bytes live in the inode; one byte more moves them to DATA block 0 for
 * good; the 1 KiB / 64 KiB tail block sizes of §13.2.
 */
static int
case_embed(void)
{
	struct hammer2_vattr va, va2;
	struct hammer2_inode ip;
	struct t_brefs tb;
	char target[HAMMER2_EMBEDDED_BYTES + 1], buf[T_NAMEBUF + 100];
	uint8_t data[2000];
	hammer2_tid_t f512, f513, grow;
	size_t len;

	t_fill_random(data, sizeof(data));
	memset(target, 'L', sizeof(target));
	CHECK_OK(t_mount(0));
	CHECK_OK(t_create(1, "f512", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE,
	    &va));
	f512 = va.va_inum;
	CHECK_OK(t_write(f512, 0, data, 500));
	CHECK_OK(t_write(f512, 500, data + 500, 12));
	CHECK_OK(t_create(1, "f513", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE,
	    &va));
	f513 = va.va_inum;
	CHECK_OK(t_write(f513, 0, data, 512));
	CHECK_OK(t_write(f513, 512, data + 512, 1));
	CHECK_OK(t_create(1, "grow", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE,
	    &va));
	grow = va.va_inum;
	CHECK_OK(t_write(grow, 0, data, 100));
	memset(&va2, 0, sizeof(va2));
	va2.va_size = 1500;
	CHECK_OK(hammer2_vop_setattr(tmp, grow, &va2, HAMMER2_VA_SIZE, &va));
	va2.va_size = 50;
	CHECK_OK(hammer2_vop_setattr(tmp, grow, &va2, HAMMER2_VA_SIZE, &va));
	memset(&va2, 0, sizeof(va2));
	va2.va_type = HAMMER2_OBJTYPE_SOFTLINK;
	CHECK_OK(hammer2_vop_create(tmp, 1, "l512", 4, &va2, target, 512, &va));
	CHECK_OK(hammer2_vop_create(tmp, 1, "l513", 4, &va2, target, 513, &va));
	CHECK_OK(t_unmount());
	CHECK_OK(t_part1_inode("f512", &ip, &tb));
	CHECK(ip.ino_data.meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA);
	CHECK(ip.ino_data.meta.size == 512 && tb.tb_count == 0);
	CHECK(memcmp(ip.ino_data.u.data, data, 512) == 0);
	CHECK_OK(t_part1_inode("f513", &ip, &tb));
	CHECK(!(ip.ino_data.meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA));
	CHECK(tb.tb_count == 1 && hammer2_bref_bytes(&tb.tb_bref[0]) == 1024);
	CHECK_OK(t_part1_inode("grow", &ip, &tb));
	CHECK(!(ip.ino_data.meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA));
	CHECK(ip.ino_data.meta.size == 50 && tb.tb_count == 1);
	CHECK_OK(t_part1_inode("l512", &ip, &tb));
	CHECK(ip.ino_data.meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA);
	CHECK_OK(t_part1_inode("l513", &ip, &tb));
	CHECK(!(ip.ino_data.meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA));
	CHECK(tb.tb_count == 1);
	CHECK_OK(t_mount(0));
	CHECK_OK(t_read_cmp(f512, 0, data, 512));
	CHECK_OK(t_read_cmp(f513, 0, data, 513));
	CHECK_OK(t_read_cmp(grow, 0, data, 50));
	CHECK_OK(hammer2_vop_readlink(tmp, t_inum(1, "l513"), buf, sizeof(buf),
	    &len));
	CHECK(len == 513 && memcmp(buf, target, 513) == 0);
	/* grow f513's tail block from 1 KiB to a full block and beyond */
	CHECK_OK(t_write(f513, 70000, data, 10));
	CHECK_OK(t_read_cmp(f513, 0, data, 513));
	CHECK_OK(t_read_cmp(f513, 513, NULL, 70000 - 513));
	CHECK_OK(t_read_cmp(f513, 70000, data, 10));
	CHECK_OK(t_unmount());
	CHECK_OK(t_part1_inode("f513", &ip, &tb));
	CHECK(tb.tb_count == 2 && tb.tb_bref[0].key == 0);
	CHECK(hammer2_bref_bytes(&tb.tb_bref[1]) == 1024);
	return (0);
}

/*
 * Random namespace operations (create, mkdir, unlink, rmdir, link,
 * rename, rename-exchange, write, truncate) on a few directories and a small name pool,
 * so that every POSIX error case comes up, against a model; the whole
 * tree is compared with the model after every remount.
 */
#define TN_NODES	512
#define TN_ENTRIES	512
#define TN_NAMES	12
#define TN_OPS		3000
#define TN_REMOUNT	250
#define TN_MAXFILE	(3 * T_BLOCK)

struct tn_node {
	int		 nd_used;
	uint8_t		 nd_type;
	hammer2_tid_t	 nd_inum;
	int		 nd_nlink;
	int		 nd_parent;	/* directories */
	uint64_t	 nd_size;
	uint8_t		*nd_data;	/* TN_MAXFILE */
};

struct tn_entry {
	int		 en_used;
	int		 en_dir;
	int		 en_node;
	char		 en_name[8];
};

static struct tn_node tn_nodes[TN_NODES];
static struct tn_entry tn_ents[TN_ENTRIES];

static struct tn_entry *
tn_find(int dir, const char *name)
{
	int i;

	for (i = 0; i < TN_ENTRIES; i++)
		if (tn_ents[i].en_used && tn_ents[i].en_dir == dir &&
		    strcmp(tn_ents[i].en_name, name) == 0)
			return (&tn_ents[i]);
	return (NULL);
}

/* Entries of directory node dir (-1: free entry slots). */
static int
tn_count(int dir)
{
	int i, n = 0;

	for (i = 0; i < TN_ENTRIES; i++)
		n += dir < 0 ? !tn_ents[i].en_used :
		    tn_ents[i].en_used && tn_ents[i].en_dir == dir;
	return (n);
}

static int
tn_add_entry(int dir, const char *name, int node)
{
	int i;

	for (i = 0; i < TN_ENTRIES; i++) {
		if (!tn_ents[i].en_used) {
			tn_ents[i].en_used = 1;
			tn_ents[i].en_dir = dir;
			tn_ents[i].en_node = node;
			snprintf(tn_ents[i].en_name, sizeof(tn_ents[i].en_name),
			    "%s", name);
			return (0);
		}
	}
	return (-1);
}

static void
tn_unlink_node(int node)
{
	struct tn_node *nd = &tn_nodes[node];

	if (nd->nd_type == HAMMER2_OBJTYPE_DIRECTORY || --nd->nd_nlink == 0) {
		free(nd->nd_data);
		memset(nd, 0, sizeof(*nd));
	}
}

static int
tn_new_node(uint8_t type, hammer2_tid_t inum, int parent)
{
	int i;

	for (i = 1; i < TN_NODES; i++) {
		if (!tn_nodes[i].nd_used) {
			tn_nodes[i].nd_used = 1;
			tn_nodes[i].nd_type = type;
			tn_nodes[i].nd_inum = inum;
			tn_nodes[i].nd_nlink = 1;
			tn_nodes[i].nd_parent = parent;
			if (type == HAMMER2_OBJTYPE_REGFILE)
				tn_nodes[i].nd_data = calloc(1, TN_MAXFILE);
			return (i);
		}
	}
	return (-1);
}

/* A random directory node of the model. */
static int
tn_pick_dir(void)
{
	int i, n = 0, pick;

	for (i = 0; i < TN_NODES; i++)
		n += tn_nodes[i].nd_used &&
		    tn_nodes[i].nd_type == HAMMER2_OBJTYPE_DIRECTORY;
	pick = (int)(t_rand() % (uint64_t)n);
	for (i = 0; i < TN_NODES; i++)
		if (tn_nodes[i].nd_used &&
		    tn_nodes[i].nd_type == HAMMER2_OBJTYPE_DIRECTORY &&
		    pick-- == 0)
			return (i);
	return (0);
}

static bool
tn_is_ancestor(int anc, int dir)
{
	int depth;

	for (depth = 0; depth < TN_NODES; depth++) {
		if (dir == anc)
			return (true);
		if (dir == 0)
			return (false);
		dir = tn_nodes[dir].nd_parent;
	}
	return (false);
}

/* Expected errno of rename(sd/sn -> td/tn) in the model; -1: no-op. */
static int
tn_rename_errno(int sd, const char *sn, int td, const char *tn,
    struct tn_entry **sep, struct tn_entry **tep)
{
	struct tn_entry *se = tn_find(sd, sn), *te = tn_find(td, tn);
	struct tn_node *s, *t;

	*sep = se;
	*tep = te;
	if (se == NULL)
		return (ENOENT);
	if (te != NULL && te->en_node == se->en_node)
		return (-1);
	s = &tn_nodes[se->en_node];
	if (s->nd_type == HAMMER2_OBJTYPE_DIRECTORY && sd != td &&
	    tn_is_ancestor(se->en_node, td))
		return (EINVAL);
	if (te == NULL)
		return (0);
	t = &tn_nodes[te->en_node];
	if (s->nd_type == HAMMER2_OBJTYPE_DIRECTORY &&
	    t->nd_type != HAMMER2_OBJTYPE_DIRECTORY)
		return (ENOTDIR);
	if (s->nd_type != HAMMER2_OBJTYPE_DIRECTORY &&
	    t->nd_type == HAMMER2_OBJTYPE_DIRECTORY)
		return (EISDIR);
	if (t->nd_type == HAMMER2_OBJTYPE_DIRECTORY && tn_count(te->en_node))
		return (ENOTEMPTY);
	return (0);
}

static int
tn_op_rename(void)
{
	int sd = tn_pick_dir(), td = tn_pick_dir(), want, got;
	char sn[8], tn[8];
	struct tn_entry *se, *te;

	snprintf(sn, sizeof(sn), "n%d", (int)(t_rand() % TN_NAMES));
	snprintf(tn, sizeof(tn), "n%d", (int)(t_rand() % TN_NAMES));
	want = tn_rename_errno(sd, sn, td, tn, &se, &te);
	got = hammer2_vop_rename(tmp, tn_nodes[sd].nd_inum, sn, strlen(sn),
	    tn_nodes[td].nd_inum, tn, strlen(tn), 0);
	CHECK_ERR(got, want < 0 ? 0 : want);
	if (want != 0)
		return (0);
	if (te != NULL) {
		tn_unlink_node(te->en_node);
		te->en_used = 0;
	}
	se->en_dir = td;
	snprintf(se->en_name, sizeof(se->en_name), "%s", tn);
	if (tn_nodes[se->en_node].nd_type == HAMMER2_OBJTYPE_DIRECTORY)
		tn_nodes[se->en_node].nd_parent = td;
	return (0);
}

static int
tn_op_exchange(void)
{
	int sd = tn_pick_dir(), td = tn_pick_dir(), want = 0, node;
	struct tn_entry *se, *te;
	char sn[8], tn[8];

	snprintf(sn, sizeof(sn), "n%d", (int)(t_rand() % TN_NAMES));
	snprintf(tn, sizeof(tn), "n%d", (int)(t_rand() % TN_NAMES));
	se = tn_find(sd, sn);
	te = tn_find(td, tn);
	if (se == NULL || te == NULL)
		want = ENOENT;
	else if (se->en_node == te->en_node)
		want = -1;
	else if (sd != td && ((tn_nodes[se->en_node].nd_type ==
	    HAMMER2_OBJTYPE_DIRECTORY && tn_is_ancestor(se->en_node, td)) ||
	    (tn_nodes[te->en_node].nd_type == HAMMER2_OBJTYPE_DIRECTORY &&
	    tn_is_ancestor(te->en_node, sd))))
		want = EINVAL;
	CHECK_ERR(hammer2_vop_rename(tmp, tn_nodes[sd].nd_inum, sn, strlen(sn),
	    tn_nodes[td].nd_inum, tn, strlen(tn), HAMMER2_RENAME_EXCHANGE),
	    want < 0 ? 0 : want);
	if (want != 0)
		return (0);
	node = se->en_node;
	se->en_node = te->en_node;
	te->en_node = node;
	if (tn_nodes[te->en_node].nd_type == HAMMER2_OBJTYPE_DIRECTORY)
		tn_nodes[te->en_node].nd_parent = td;
	if (tn_nodes[se->en_node].nd_type == HAMMER2_OBJTYPE_DIRECTORY)
		tn_nodes[se->en_node].nd_parent = sd;
	return (0);
}

static int
tn_op_create(uint8_t type)
{
	struct hammer2_vattr va;
	int d = tn_pick_dir(), want, node;
	char n[8];

	snprintf(n, sizeof(n), "n%d", (int)(t_rand() % TN_NAMES));
	for (node = 1; node < TN_NODES && tn_nodes[node].nd_used; node++)
		continue;
	if (node == TN_NODES || tn_count(-1) == 0)
		return (0);	/* the model is full */
	want = tn_find(d, n) != NULL ? EEXIST : 0;
	CHECK_ERR(t_create(tn_nodes[d].nd_inum, n, type, T_MODE_FILE, &va),
	    want);
	if (want != 0)
		return (0);
	node = tn_new_node(type, va.va_inum, d);
	CHECK(node >= 0 && tn_add_entry(d, n, node) == 0);
	return (0);
}

static int
tn_op_remove(int isdir)
{
	int d = tn_pick_dir(), want = 0;
	struct tn_entry *e;
	char n[8];

	snprintf(n, sizeof(n), "n%d", (int)(t_rand() % TN_NAMES));
	e = tn_find(d, n);
	if (e == NULL)
		want = ENOENT;
	else if (isdir &&
	    tn_nodes[e->en_node].nd_type != HAMMER2_OBJTYPE_DIRECTORY)
		want = ENOTDIR;
	else if (!isdir &&
	    tn_nodes[e->en_node].nd_type == HAMMER2_OBJTYPE_DIRECTORY)
		want = EISDIR;
	else if (isdir && tn_count(e->en_node) != 0)
		want = ENOTEMPTY;
	CHECK_ERR(hammer2_vop_remove(tmp, tn_nodes[d].nd_inum, n, strlen(n),
	    isdir), want);
	if (want == 0) {
		tn_unlink_node(e->en_node);
		e->en_used = 0;
	}
	return (0);
}

static int
tn_op_link(void)
{
	int d = tn_pick_dir(), sd = tn_pick_dir(), want;
	struct tn_entry *se;
	char n[8], sn[8];

	snprintf(sn, sizeof(sn), "n%d", (int)(t_rand() % TN_NAMES));
	snprintf(n, sizeof(n), "n%d", (int)(t_rand() % TN_NAMES));
	se = tn_find(sd, sn);
	if (se == NULL || tn_count(-1) == 0)
		return (0);
	if (tn_nodes[se->en_node].nd_type == HAMMER2_OBJTYPE_DIRECTORY)
		want = EPERM;
	else
		want = tn_find(d, n) != NULL ? EEXIST : 0;
	CHECK_ERR(hammer2_vop_link(tmp, tn_nodes[se->en_node].nd_inum,
	    tn_nodes[d].nd_inum, n, strlen(n), NULL), want);
	if (want == 0) {
		tn_nodes[se->en_node].nd_nlink++;
		CHECK(tn_add_entry(d, n, se->en_node) == 0);
	}
	return (0);
}

static int
tn_op_data(uint8_t *scratch)
{
	struct hammer2_vattr va;
	struct tn_node *nd;
	uint64_t off, len;
	int i, tries;

	for (tries = 0; tries < 20; tries++) {
		i = (int)(t_rand() % TN_NODES);
		nd = &tn_nodes[i];
		if (nd->nd_used && nd->nd_type == HAMMER2_OBJTYPE_REGFILE)
			break;
	}
	if (tries == 20)
		return (0);
	off = t_rand() % TN_MAXFILE;
	if (t_rand() % 3 == 0) {
		memset(&va, 0, sizeof(va));
		va.va_size = off;
		CHECK_OK(hammer2_vop_setattr(tmp, nd->nd_inum, &va,
		    HAMMER2_VA_SIZE, NULL));
		if (off < nd->nd_size)
			memset(nd->nd_data + off, 0, nd->nd_size - off);
		nd->nd_size = off;
		return (0);
	}
	len = t_rand() % (TN_MAXFILE - off);
	t_fill_random(scratch, len);
	CHECK_OK(t_write(nd->nd_inum, off, scratch, len));
	memcpy(nd->nd_data + off, scratch, len);
	if (len > 0 && off + len > nd->nd_size)
		nd->nd_size = off + len;
	return (0);
}

static int
tn_verify_cb(void *arg, const char *name, size_t namlen, hammer2_tid_t inum,
    uint8_t type, uint64_t next)
{
	int *dirp = arg;
	struct tn_entry *e;
	char n[8];

	(void)next;
	if (namlen <= 2 && name[0] == '.')
		return (0);
	if (namlen >= sizeof(n))
		return (-1000);
	memcpy(n, name, namlen);
	n[namlen] = '\0';
	e = tn_find(dirp[0], n);
	if (e == NULL || tn_nodes[e->en_node].nd_inum != inum ||
	    tn_nodes[e->en_node].nd_type != type) {
		fprintf(stderr, "tree: entry %s of dir %d not in the model\n",
		    n, dirp[0]);
		dirp[1]++;
	}
	dirp[2]++;
	return (0);
}

static int
tn_verify(void)
{
	struct hammer2_vattr va;
	int i, arg[3];

	for (i = 0; i < TN_NODES; i++) {
		if (!tn_nodes[i].nd_used)
			continue;
		CHECK_OK(hammer2_vop_getattr(tmp, tn_nodes[i].nd_inum, &va));
		CHECK(va.va_type == tn_nodes[i].nd_type);
		if (va.va_type == HAMMER2_OBJTYPE_DIRECTORY) {
			arg[0] = i;
			arg[1] = arg[2] = 0;
			CHECK_OK(hammer2_vop_readdir(tmp, va.va_inum, 0,
			    tn_verify_cb, arg));
			CHECK(arg[1] == 0 && arg[2] == tn_count(i));
			if (i != 0)
				CHECK(t_inum(va.va_inum, "..") ==
				    tn_nodes[tn_nodes[i].nd_parent].nd_inum);
			continue;
		}
		CHECK(va.va_nlink == (uint64_t)tn_nodes[i].nd_nlink);
		CHECK(va.va_size == tn_nodes[i].nd_size);
		CHECK_OK(t_read_cmp(va.va_inum, 0, tn_nodes[i].nd_data,
		    tn_nodes[i].nd_size));
	}
	return (0);
}

static int
case_tree(void)
{
	uint8_t *scratch = malloc(TN_MAXFILE);
	int op, r, i;

	CHECK(scratch != NULL);
	memset(tn_nodes, 0, sizeof(tn_nodes));
	memset(tn_ents, 0, sizeof(tn_ents));
	tn_nodes[0].nd_used = 1;
	tn_nodes[0].nd_type = HAMMER2_OBJTYPE_DIRECTORY;
	tn_nodes[0].nd_inum = 1;
	tn_nodes[0].nd_nlink = 1;
	CHECK_OK(t_mount(0));
	for (op = 0; op < TN_OPS; op++) {
		r = (int)(t_rand() % 17);
		if (r < 3)
			r = tn_op_create(HAMMER2_OBJTYPE_REGFILE);
		else if (r < 4)
			r = tn_op_create(HAMMER2_OBJTYPE_DIRECTORY);
		else if (r < 7)
			r = tn_op_remove(0);
		else if (r < 8)
			r = tn_op_remove(1);
		else if (r < 9)
			r = tn_op_link();
		else if (r < 12)
			r = tn_op_rename();
		else if (r < 13)
			r = tn_op_exchange();
		else
			r = tn_op_data(scratch);
		if (r != 0) {
			fprintf(stderr, "tree: op %d failed\n", op);
			return (1);
		}
		if (op % TN_REMOUNT == TN_REMOUNT - 1) {
			CHECK_OK(t_remount());
			if (tn_verify() != 0) {
				fprintf(stderr, "tree: after op %d\n", op);
				return (1);
			}
		}
	}
	CHECK_OK(t_unmount());
	for (i = 0; i < TN_NODES; i++)
		free(tn_nodes[i].nd_data);
	free(scratch);
	return (0);
}

/*
 * A corrupt inode (embedded flag with 5000 bytes) found through the
 * chain layer is EIO with a message, never a crash; its neighbours stay
 * usable.  Check codes are switched off so the corruption reaches the
 * inode checks (d_nocheck, as the fuzzer does).
 */
#define T_META_SIZE_OFF	0x60

static int
case_corrupt(void)
{
	struct hammer2_vattr va;
	struct hammer2_inode ip;
	struct t_brefs tb;
	uint64_t bad = 5000;
	hammer2_tid_t x, y;
	char buf[16];
	size_t done;
	FILE *fp;

	CHECK_OK(t_mount(0));
	CHECK_OK(t_create(1, "x", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	x = va.va_inum;
	CHECK_OK(t_write(x, 0, "0123456789", 10));
	CHECK_OK(t_create(1, "y", HAMMER2_OBJTYPE_REGFILE, T_MODE_FILE, &va));
	y = va.va_inum;
	CHECK_OK(t_write(y, 0, "abcdefghij", 10));
	CHECK_OK(t_unmount());
	CHECK_OK(t_part1_inode("x", &ip, &tb));
	fp = fopen(image, "r+b");
	CHECK(fp != NULL);
	CHECK(fseeko(fp, (off_t)(hammer2_bref_offset(&ip.ino_bref) +
	    T_META_SIZE_OFF), SEEK_SET) == 0);
	CHECK(fwrite(&bad, sizeof(bad), 1, fp) == 1);
	CHECK(fclose(fp) == 0);
	CHECK_OK(h2_host_open(image, H2_HOST_RDWR | H2_HOST_QUIET, &tdev));
	tdev->d_nocheck = 1;
	CHECK_OK(hammer2_vfs_mount(tdev, T_LABEL, 0, &tmp));
	CHECK_ERR(hammer2_vop_getattr(tmp, x, &va), EIO);
	CHECK_ERR(hammer2_vop_read(tmp, x, 0, buf, sizeof(buf), &done), EIO);
	CHECK_ERR(t_write(x, 0, "z", 1), EIO);
	CHECK_ERR(t_lookup(1, "x", &va), EIO);
	CHECK_ERR(hammer2_vop_remove(tmp, 1, "x", 1, 0), EIO);
	CHECK_OK(t_read_cmp(y, 0, "abcdefghij", 10));
	CHECK_OK(t_write(y, 10, "k", 1));
	CHECK_OK(t_unmount());
	return (0);
}

/*
 * Write-behind: small appends and overwrites of two files, interleaved,
 * patch the held block in memory; every operation that could see it
 * (read, truncate, fsync, a write elsewhere) finds the data in place.
 */
#define TW_FILE_BYTES	(300 * 1000)

static int
case_writebehind(void)
{
	struct hammer2_vattr va, va2;
	uint8_t *want[2], *chunk = malloc(T_BLOCK);
	hammer2_tid_t f[2];
	uint64_t size[2] = { 0, 0 }, off;
	size_t len;
	int i, k;

	want[0] = calloc(1, TW_FILE_BYTES);
	want[1] = calloc(1, TW_FILE_BYTES);
	CHECK(want[0] != NULL && want[1] != NULL && chunk != NULL);
	CHECK_OK(t_mount(0));
	for (k = 0; k < 2; k++) {
		CHECK_OK(t_create(1, k ? "wb1" : "wb0", HAMMER2_OBJTYPE_REGFILE,
		    T_MODE_FILE, &va));
		f[k] = va.va_inum;
	}
	for (i = 0; i < 2000; i++) {
		k = (int)(t_rand() % 7 == 0);
		len = 1 + t_rand() % 3000;
		off = t_rand() % 8 == 0 ? t_rand() % (size[k] + 1) : size[k];
		if (off + len > TW_FILE_BYTES)
			continue;
		t_fill_random(chunk, len);
		CHECK_OK(t_write(f[k], off, chunk, len));
		memcpy(want[k] + off, chunk, len);
		if (off + len > size[k])
			size[k] = off + len;
		CHECK_OK(hammer2_vop_getattr(tmp, f[k], &va));
		CHECK(va.va_size == size[k]);
		if (i % 97 == 0)
			CHECK_OK(t_read_cmp(f[k], 0, want[k], size[k]));
		if (i % 151 == 0)
			CHECK_OK(hammer2_vop_fsync(tmp, f[k]));
		if (i % 307 == 0 && size[k] > 5000) {
			memset(&va2, 0, sizeof(va2));
			va2.va_size = size[k] - 4000;
			CHECK_OK(hammer2_vop_setattr(tmp, f[k], &va2,
			    HAMMER2_VA_SIZE, NULL));
			memset(want[k] + va2.va_size, 0, 4000);
			size[k] = va2.va_size;
		}
	}
	CHECK_OK(t_read_cmp(f[1], 0, want[1], size[1]));
	CHECK_OK(t_remount());
	for (k = 0; k < 2; k++)
		CHECK_OK(t_read_cmp(f[k], 0, want[k], size[k]));
	/* an unlinked file's held block goes away with it */
	CHECK_OK(t_write(f[0], size[0], "tail", 4));
	CHECK_OK(hammer2_vop_remove(tmp, 1, "wb0", 3, 0));
	CHECK_OK(hammer2_vfs_sync(tmp));
	CHECK_OK(t_unmount());
	free(want[0]);
	free(want[1]);
	free(chunk);
	return (0);
}

static const struct {
	const char	*tc_name;
	int		(*tc_fn)(void);
} t_cases[] = {
	{ "basic", case_basic },
	{ "errors", case_errors },
	{ "rename", case_rename },
	{ "unlink_open", case_unlink_open },
	{ "bigdir", case_bigdir },
	{ "collide", case_collide },
	{ "sparse", case_sparse },
	{ "methods", case_methods },
	{ "model", case_model },
	{ "dedup", case_dedup },
	{ "enospc", case_enospc },
	{ "enospc_reclaims", case_enospc_reclaims },
	{ "embed", case_embed },
	{ "tree", case_tree },
	{ "corrupt", case_corrupt },
	{ "writebehind", case_writebehind },
};

int
main(int argc, char **argv)
{
	size_t i;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: h2_ops_test image case [seed]\n");
		return (2);
	}
	image = argv[1];
	if (argc == 4)
		rng = strtoull(argv[3], NULL, 0) | 1;
	for (i = 0; i < sizeof(t_cases) / sizeof(t_cases[0]); i++)
		if (strcmp(argv[2], t_cases[i].tc_name) == 0)
			return (t_cases[i].tc_fn());
	fprintf(stderr, "h2_ops_test: no case %s\n", argv[2]);
	return (2);
}
