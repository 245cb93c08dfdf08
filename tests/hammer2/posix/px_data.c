/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * px_data.c - POSIX cases: file data and sizes (write, truncate with
 * holes, files at sparse offsets past 4 GiB), times (utimensat, mtime and
 * ctime updates), readdir completeness, open-unlinked files, fsync and
 * statvfs.
 *
 * Model: see h2_posix.h.  Data is a seeded pattern (px_fill) that is
 * never zero, so a hole reading back non-zero or data reading back as a
 * hole are both caught.
 *
 * Invariants: sizes and data are checked both through the descriptor
 * that wrote them and through a fresh open.
 *
 * Locking: none.
 *
 * More: tests/hammer2/posix/README.md.
 */

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "h2_posix.h"

#define PX_KIB		1024LL
#define PX_MIB		(1024 * PX_KIB)
#define PX_GIB		(1024 * PX_MIB)
#define PX_BIGBUF	(256 * PX_KIB)
#define PX_MANY_FILES	2000
#define PX_FREE_TEST	(8 * PX_MIB)
#define PX_USEC_NSEC	1000

static bool
px_is_zero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return (false);
	return (true);
}

static bool
px_ctime_after(const struct stat *old, const struct stat *new)
{
	return (new->st_ctim.tv_sec > old->st_ctim.tv_sec ||
	    (new->st_ctim.tv_sec == old->st_ctim.tv_sec &&
	    new->st_ctim.tv_nsec > old->st_ctim.tv_nsec));
}

static bool
px_is_recent(time_t t)
{
	time_t now = time(NULL);

	return (t > now - PX_NOW_SLACK_SEC && t < now + PX_NOW_SLACK_SEC);
}

static void
write_read_back(void)
{
	static const struct { off_t off; size_t len; } w[] = {
		{ 5000, 11 }, { 65530, 20 }, { 131072, 65536 }, { 1, 1 },
	};
	unsigned char *a, *b;
	struct stat st;
	size_t i;
	int fd;

	a = malloc(PX_BIGBUF);
	b = malloc(PX_BIGBUF);
	if (a == NULL || b == NULL)
		abort();
	px_fill(a, PX_BIGBUF, 1);
	PX_OK(px_write_file("f", 0644, a, PX_BIGBUF));
	PX_OK(fd = open("f", O_RDWR));
	/* overwrite pieces, inside and across 64 KiB blocks */
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		px_fill(b, w[i].len, 100 + (unsigned)i);
		PX_EQ(pwrite(fd, b, w[i].len, w[i].off), w[i].len);
		memcpy(a + w[i].off, b, w[i].len);
	}
	PX_OK(fstat(fd, &st));
	PX_EQ(st.st_size, PX_BIGBUF);
	PX_EQ(pread(fd, b, PX_BIGBUF, 0), PX_BIGBUF);
	PX_TRUE(memcmp(a, b, PX_BIGBUF) == 0);
	PX_OK(close(fd));
	memset(b, 0, PX_BIGBUF);
	PX_EQ(px_read_file("f", b, PX_BIGBUF), PX_BIGBUF);
	PX_TRUE(memcmp(a, b, PX_BIGBUF) == 0);
	/* reading at and past the end */
	PX_OK(fd = open("f", O_RDONLY));
	PX_EQ(pread(fd, b, 10, PX_BIGBUF), 0);
	PX_EQ(pread(fd, b, 10, PX_BIGBUF - 3), 3);
	PX_OK(close(fd));
	/* a zero-filled block written is data that reads back as zeros */
	memset(a, 0, PX_BIGBUF);
	PX_OK(px_write_file("z", 0644, a, PX_BIGBUF));
	PX_OK(stat("z", &st));
	PX_EQ(st.st_size, PX_BIGBUF);
	PX_EQ(px_read_file("z", b, PX_BIGBUF), PX_BIGBUF);
	PX_TRUE(px_is_zero(b, PX_BIGBUF));
	free(a);
	free(b);
}

static void
truncate_holes(void)
{
	unsigned char *a, *b;
	struct stat st;
	int fd;

	a = malloc(PX_BIGBUF);
	b = malloc(PX_BIGBUF);
	if (a == NULL || b == NULL)
		abort();
	px_fill(a, PX_BIGBUF, 2);
	PX_OK(fd = open("f", O_RDWR | O_CREAT, 0644));
	PX_EQ(write(fd, a, PX_BIGBUF), PX_BIGBUF);
	/* shrink into the middle of a block, then grow again: zeros */
	PX_OK(ftruncate(fd, 70000));
	PX_OK(fstat(fd, &st));
	PX_EQ(st.st_size, 70000);
	PX_OK(ftruncate(fd, PX_BIGBUF));
	PX_EQ(pread(fd, b, PX_BIGBUF, 0), PX_BIGBUF);
	PX_TRUE(memcmp(a, b, 70000) == 0);
	PX_TRUE(px_is_zero(b + 70000, PX_BIGBUF - 70000));
	/* grow far past the end: a hole */
	PX_OK(ftruncate(fd, 10 * PX_MIB + 3));
	PX_OK(fstat(fd, &st));
	PX_EQ(st.st_size, 10 * PX_MIB + 3);
	PX_EQ(pread(fd, b, PX_BIGBUF, 5 * PX_MIB), PX_BIGBUF);
	PX_TRUE(px_is_zero(b, PX_BIGBUF));
	PX_EQ(pread(fd, b, PX_BIGBUF, 10 * PX_MIB - 100), 103);
	PX_TRUE(px_is_zero(b, 103));
	/* write beyond the end leaves a hole before it */
	PX_EQ(pwrite(fd, a, 100, 12 * PX_MIB), 100);
	PX_EQ(pread(fd, b, 200, 12 * PX_MIB - 100), 200);
	PX_TRUE(px_is_zero(b, 100));
	PX_TRUE(memcmp(a, b + 100, 100) == 0);
	/* shrink to 0 and to 1 byte */
	PX_OK(ftruncate(fd, 1));
	PX_EQ(pread(fd, b, 10, 0), 1);
	PX_EQ(b[0], a[0]);
	PX_OK(ftruncate(fd, 0));
	PX_EQ(pread(fd, b, 10, 0), 0);
	PX_OK(close(fd));
	/* truncate(2) by name, and its errors */
	PX_OK(px_write_file("g", 0644, a, 1000));
	PX_OK(truncate("g", 10));
	PX_OK(stat("g", &st));
	PX_EQ(st.st_size, 10);
	PX_ERR(truncate("g", -1), EINVAL);
	PX_ERR(truncate("missing", 0), ENOENT);
	PX_OK(mkdir("d", 0755));
	PX_ERR(truncate("d", 0), EISDIR);
	PX_OK(fd = open("g", O_RDONLY));
	PX_ERR2(ftruncate(fd, 0), EINVAL, EBADF);
	PX_OK(close(fd));
	free(a);
	free(b);
}

static void
truncate_times(void)
{
	struct stat st, st2;

	PX_OK(px_write_file("f", 0644, "0123456789", 10));
	PX_OK(px_set_times_past("f"));
	PX_OK(stat("f", &st));
	px_tick();
	PX_OK(truncate("f", 5));
	PX_OK(stat("f", &st2));
	PX_TRUE(st2.st_mtime > PX_PAST_SEC && px_is_recent(st2.st_mtime));
	PX_TRUE(px_ctime_after(&st, &st2));
}

static void
large_sparse(void)
{
	static const long long offs[] = { 0, PX_GIB + 1234, 4 * PX_GIB - 5,
		5 * PX_GIB };
	unsigned char a[4096], b[4096];
	struct stat st;
	size_t i;
	int fd;

	PX_OK(fd = open("big", O_RDWR | O_CREAT, 0644));
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		px_fill(a, sizeof(a), 10 + (unsigned)i);
		PX_EQ(pwrite(fd, a, sizeof(a), offs[i]), sizeof(a));
	}
	PX_OK(fstat(fd, &st));
	PX_EQ(st.st_size, 5 * PX_GIB + (long long)sizeof(a));
	PX_OK(close(fd));
	PX_OK(fd = open("big", O_RDONLY));
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		px_fill(a, sizeof(a), 10 + (unsigned)i);
		PX_EQ(pread(fd, b, sizeof(b), offs[i]), sizeof(b));
		PX_TRUE(memcmp(a, b, sizeof(a)) == 0);
	}
	PX_EQ(pread(fd, b, sizeof(b), 3 * PX_GIB), sizeof(b));
	PX_TRUE(px_is_zero(b, sizeof(b)));
	PX_EQ(pread(fd, b, sizeof(b), 5 * PX_GIB - (long long)sizeof(b)),
	    sizeof(b));
	PX_TRUE(px_is_zero(b, sizeof(b)));
	PX_OK(close(fd));
	/* shrink below 4 GiB: the tail data is gone, a re-grow reads 0 */
	PX_OK(truncate("big", 4 * PX_GIB - 1));
	PX_OK(truncate("big", 5 * PX_GIB + 10));
	PX_OK(fd = open("big", O_RDONLY));
	PX_EQ(pread(fd, b, sizeof(b), 5 * PX_GIB), 10);
	PX_TRUE(px_is_zero(b, 10));
	PX_EQ(pread(fd, b, 4, 4 * PX_GIB - 5), 4);
	px_fill(a, sizeof(a), 12);
	PX_TRUE(memcmp(a, b, 4) == 0);
	PX_OK(close(fd));
	PX_OK(unlink("big"));
}

static void
utimes_set(void)
{
	struct timespec ts[2];
	struct timeval tv[2];
	struct stat st, st2;
	time_t before;

	PX_OK(px_write_file("f", 0644, "x", 1));
	PX_OK(stat("f", &st));
	px_tick();
	ts[0].tv_sec = 1500000000;
	ts[0].tv_nsec = 123456 * PX_USEC_NSEC;	/* microsecond multiple */
	ts[1].tv_sec = 1600000000;
	ts[1].tv_nsec = 654321 * PX_USEC_NSEC;
	PX_OK(utimensat(AT_FDCWD, "f", ts, 0));
	PX_OK(stat("f", &st2));
	PX_EQ(st2.st_atim.tv_sec, ts[0].tv_sec);
	PX_EQ(st2.st_atim.tv_nsec, ts[0].tv_nsec);
	PX_EQ(st2.st_mtim.tv_sec, ts[1].tv_sec);
	PX_EQ(st2.st_mtim.tv_nsec, ts[1].tv_nsec);
	PX_TRUE(px_ctime_after(&st, &st2));
	/* UTIME_OMIT leaves one, UTIME_NOW sets the other to now */
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_NOW;
	PX_OK(utimensat(AT_FDCWD, "f", ts, 0));
	PX_OK(stat("f", &st2));
	PX_EQ(st2.st_atim.tv_sec, 1500000000);
	PX_TRUE(px_is_recent(st2.st_mtime));
	/* times before 1970 and utimes(2) */
	tv[0].tv_sec = -86400;
	tv[0].tv_usec = 0;
	tv[1].tv_sec = 2000000000;
	tv[1].tv_usec = 999999;
	if (utimes("f", tv) == 0) {
		PX_OK(stat("f", &st2));
		PX_EQ(st2.st_atim.tv_sec, -86400);
		PX_EQ(st2.st_mtim.tv_sec, 2000000000);
		PX_EQ(st2.st_mtim.tv_nsec, 999999 * PX_USEC_NSEC);
	} else {
		PX_EQ(errno, EINVAL);	/* a file system without them */
	}
	/* NULL: both now; on a symlink with AT_SYMLINK_NOFOLLOW */
	before = time(NULL);
	PX_OK(utimensat(AT_FDCWD, "f", NULL, 0));
	PX_OK(stat("f", &st2));
	PX_TRUE(st2.st_mtime >= before - 1 && px_is_recent(st2.st_atime));
	PX_OK(symlink("f", "l"));
	PX_OK(px_set_times_past("l"));
	PX_OK(lstat("l", &st2));
	PX_EQ(st2.st_mtime, PX_PAST_SEC);
	PX_OK(stat("f", &st2));
	PX_TRUE(px_is_recent(st2.st_mtime));
	PX_ERR(utimensat(AT_FDCWD, "missing", NULL, 0), ENOENT);
}

static void
mtime_ctime_updates(void)
{
	struct stat st, st2;
	char buf[4];
	int fd;

	PX_OK(px_write_file("f", 0644, "abc", 3));
	PX_OK(mkdir("d", 0755));
	/* write: mtime and ctime of the file */
	PX_OK(px_set_times_past("f"));
	PX_OK(stat("f", &st));
	px_tick();
	PX_OK(fd = open("f", O_WRONLY));
	PX_EQ(write(fd, "x", 1), 1);
	PX_OK(close(fd));
	PX_OK(stat("f", &st2));
	PX_TRUE(st2.st_mtime > PX_PAST_SEC && px_is_recent(st2.st_mtime));
	PX_TRUE(px_ctime_after(&st, &st2));
	/* read: no mtime change */
	PX_OK(px_set_times_past("f"));
	PX_EQ(px_read_file("f", buf, sizeof(buf)), 3);
	PX_OK(stat("f", &st2));
	PX_EQ(st2.st_mtime, PX_PAST_SEC);
	/* create, link, symlink, mkdir, rename: the directory's mtime */
	PX_OK(px_set_times_past("d"));
	PX_OK(px_write_file("d/new", 0644, "", 0));
	PX_OK(stat("d", &st2));
	PX_TRUE(px_is_recent(st2.st_mtime));
	PX_OK(px_set_times_past("d"));
	PX_OK(link("f", "d/link"));
	PX_OK(stat("d", &st2));
	PX_TRUE(px_is_recent(st2.st_mtime));
	PX_OK(px_set_times_past("d"));
	PX_OK(symlink("x", "d/sym"));
	PX_OK(stat("d", &st2));
	PX_TRUE(px_is_recent(st2.st_mtime));
	PX_OK(px_set_times_past("d"));
	PX_OK(mkdir("d/sub", 0755));
	PX_OK(stat("d", &st2));
	PX_TRUE(px_is_recent(st2.st_mtime));
	PX_OK(px_set_times_past("d"));
	PX_OK(rename("d/new", "d/new2"));
	PX_OK(stat("d", &st2));
	PX_TRUE(px_is_recent(st2.st_mtime));
	/* rename changes the moved file's ctime (Linux, BSD) */
	PX_OK(stat("d/new2", &st));
	px_tick();
	PX_OK(rename("d/new2", "d/new3"));
	PX_OK(stat("d/new3", &st2));
	PX_TRUE(px_ctime_after(&st, &st2));
	/* a new file's times are all now */
	PX_OK(stat("d/new3", &st2));
	PX_TRUE(px_is_recent(st2.st_mtime) && px_is_recent(st2.st_atime));
}

static int
px_name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* List dir into a sorted array of names (without "." and ".."). */
static int
px_list(const char *dir, char ***namesp, size_t *np, int *dotsp)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *d;

	*dotsp = 0;
	d = opendir(dir);
	if (d == NULL)
		return (-1);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0) {
			(*dotsp)++;
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
			if (names == NULL)
				abort();
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (errno != 0)
		return (-1);
	qsort(names, n, sizeof(*names), px_name_cmp);
	*namesp = names;
	*np = n;
	return (0);
}

static void
px_free_list(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Name i of the many-files directory; some are long (> 64 bytes). */
static void
px_many_name(char *buf, size_t cap, int i)
{
	if (i % 97 == 0)
		snprintf(buf, cap, "long-%05d-%0200d", i, i);
	else
		snprintf(buf, cap, "f%05d", i);
}

/* Every name of the many-files set with i % mod != skip, sorted. */
static int
px_check_many(int mod, int skip)
{
	char **names, **want, buf[256];
	size_t n, nw = 0, i;
	int dots, j, ok;

	if (px_list("d", &names, &n, &dots) == -1)
		return (-1);
	want = malloc(PX_MANY_FILES * sizeof(*want));
	if (want == NULL)
		abort();
	for (j = 0; j < PX_MANY_FILES; j++) {
		if (mod != 0 && j % mod == skip)
			continue;
		px_many_name(buf, sizeof(buf), j);
		want[nw++] = strdup(buf);
	}
	qsort(want, nw, sizeof(*want), px_name_cmp);
	ok = dots == 2 && n == nw;
	for (i = 0; ok && i < n; i++)
		ok = strcmp(names[i], want[i]) == 0;
	if (!ok)
		PX_FAIL("readdir: %zu names + %d dots, expected %zu + 2", n,
		    dots, nw);
	px_free_list(names, n);
	px_free_list(want, nw);
	return (ok ? 0 : -1);
}

static void
readdir_many(void)
{
	char buf[256];
	struct stat st;
	int i, fd;

	PX_OK(mkdir("d", 0755));
	for (i = 0; i < PX_MANY_FILES; i++) {
		px_many_name(buf, sizeof(buf), i);
		memmove(buf + 2, buf, strlen(buf) + 1);
		memcpy(buf, "d/", 2);
		PX_OK(fd = open(buf, O_WRONLY | O_CREAT | O_EXCL, 0644));
		PX_OK(close(fd));
	}
	if (px_check_many(0, 0) == -1)
		return;
	/* every name looks up to its own inode */
	for (i = 0; i < PX_MANY_FILES; i += 7) {
		px_many_name(buf + 2, sizeof(buf) - 2, i);
		memcpy(buf, "d/", 2);
		PX_OK(stat(buf, &st));
		PX_TRUE(S_ISREG(st.st_mode));
	}
	/* remove every third one and list again */
	for (i = 0; i < PX_MANY_FILES; i += 3) {
		px_many_name(buf + 2, sizeof(buf) - 2, i);
		memcpy(buf, "d/", 2);
		PX_OK(unlink(buf));
	}
	if (px_check_many(3, 0) == -1)
		return;
	for (i = 0; i < PX_MANY_FILES; i++) {
		if (i % 3 == 0)
			continue;
		px_many_name(buf + 2, sizeof(buf) - 2, i);
		memcpy(buf, "d/", 2);
		PX_OK(unlink(buf));
	}
	PX_OK(rmdir("d"));	/* empty now, or ENOTEMPTY */
}

static void
readdir_inodes(void)
{
	struct stat st, self, parent;
	struct dirent *de;
	int seen = 0;
	DIR *d;

	PX_OK(mkdir("d", 0755));
	PX_OK(px_write_file("d/f", 0644, "x", 1));
	PX_OK(mkdir("d/s", 0755));
	PX_OK(symlink("f", "d/l"));
	PX_OK(mkfifo("d/p", 0644));
	PX_OK(stat("d", &self));
	PX_OK(stat(".", &parent));
	PX_TRUE((d = opendir("d")) != NULL);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0) {
			PX_EQ(de->d_ino, self.st_ino);
			continue;
		}
		if (strcmp(de->d_name, "..") == 0) {
			PX_EQ(de->d_ino, parent.st_ino);
			continue;
		}
		PX_OK(fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW));
		PX_EQ(de->d_ino, st.st_ino);
		if (de->d_type != DT_UNKNOWN)
			PX_EQ(de->d_type, IFTODT(st.st_mode));
		seen++;
	}
	closedir(d);
	PX_EQ(seen, 4);
	/* an empty directory lists only "." and ".." */
	PX_OK(mkdir("e", 0755));
	PX_TRUE((d = opendir("e")) != NULL);
	seen = 0;
	while ((de = readdir(d)) != NULL)
		seen++;
	closedir(d);
	PX_EQ(seen, 2);
}

static void
open_unlinked(void)
{
	unsigned char a[8192], b[8192];
	struct stat st;
	int fd, fd2;

	px_fill(a, sizeof(a), 3);
	PX_OK(fd = open("f", O_RDWR | O_CREAT, 0644));
	PX_EQ(write(fd, a, 4096), 4096);
	PX_OK(fd2 = open("f", O_RDONLY));
	PX_OK(unlink("f"));
	PX_ERR(stat("f", &st), ENOENT);
	PX_OK(fstat(fd, &st));
	PX_EQ(st.st_nlink, 0);
	/* still writable, readable and truncatable through either fd */
	PX_EQ(write(fd, a + 4096, 4096), 4096);
	PX_EQ(pread(fd2, b, sizeof(b), 0), sizeof(b));
	PX_TRUE(memcmp(a, b, sizeof(a)) == 0);
	PX_OK(ftruncate(fd, 100));
	PX_OK(fstat(fd2, &st));
	PX_EQ(st.st_size, 100);
	PX_OK(fsync(fd));
	PX_OK(close(fd));
	PX_EQ(pread(fd2, b, sizeof(b), 0), 100);
	PX_TRUE(memcmp(a, b, 100) == 0);
	PX_OK(close(fd2));
	/* the name can be reused at once */
	PX_OK(px_write_file("f", 0644, "new", 3));
	PX_EQ(px_read_file("f", b, sizeof(b)), 3);
	/* a directory removed while it is the cwd of a process */
	PX_OK(mkdir("d", 0755));
	PX_OK(fd = open("d", O_RDONLY | O_DIRECTORY));
	PX_OK(rmdir("d"));
	PX_OK(fstat(fd, &st));
	PX_TRUE(S_ISDIR(st.st_mode));
	PX_ERR(openat(fd, "x", O_WRONLY | O_CREAT, 0644), ENOENT);
	PX_OK(close(fd));
}

static void
fsync_calls(void)
{
	unsigned char a[65536];
	int fd;

	px_fill(a, sizeof(a), 4);
	PX_OK(fd = open("f", O_RDWR | O_CREAT, 0644));
	PX_EQ(write(fd, a, sizeof(a)), sizeof(a));
	PX_OK(fsync(fd));
	PX_OK(fdatasync(fd));
	PX_OK(fsync(fd));	/* nothing dirty */
	PX_OK(close(fd));
	PX_OK(fd = open(".", O_RDONLY | O_DIRECTORY));
	PX_OK(fsync(fd));
	PX_OK(close(fd));
	PX_OK(fd = open("f", O_RDONLY));
	PX_OK(fsync(fd));	/* allowed on a read-only descriptor */
	PX_OK(close(fd));
	PX_OK(fd = open("f", O_WRONLY | O_SYNC));
	PX_EQ(write(fd, a, 100), 100);
	PX_OK(close(fd));
	sync();
	PX_ERR(fsync(-1), EBADF);
}

static void
statvfs_sanity(void)
{
	struct statvfs a, b;
	unsigned char *buf;
	unsigned seed;
	int fd, i;

	PX_OK(statvfs(".", &a));
	PX_TRUE(a.f_bsize > 0 && a.f_frsize > 0);
	PX_TRUE(a.f_blocks > 0);
	PX_TRUE(a.f_bfree <= a.f_blocks);
	PX_TRUE(a.f_bavail <= a.f_bfree);
	PX_TRUE(a.f_namemax == 255);
	PX_TRUE((a.f_flag & ST_RDONLY) == 0);
	if ((unsigned long long)a.f_bavail * a.f_frsize < 4 * PX_FREE_TEST) {
		px_skip("less than 32 MiB free");
		return;
	}
	buf = malloc(PX_MIB);
	if (buf == NULL)
		abort();
	/*
	 * Incompressible data, new to this file system (a deduplicating one
	 * would share blocks with an earlier run's): free space must drop
	 * once it is on disk.
	 */
	seed = (unsigned)time(NULL) * 7919u + (unsigned)getpid() * 104729u;
	PX_OK(fd = open("f", O_WRONLY | O_CREAT, 0644));
	for (i = 0; i < PX_FREE_TEST / PX_MIB; i++) {
		px_fill(buf, PX_MIB, seed + (unsigned)i);
		PX_EQ(write(fd, buf, PX_MIB), PX_MIB);
	}
	PX_OK(fsync(fd));
	PX_OK(close(fd));
	sync();
	PX_OK(statvfs(".", &b));
	PX_EQ(b.f_blocks, a.f_blocks);
	PX_TRUE(b.f_bfree < a.f_bfree);
	PX_TRUE((a.f_bfree - b.f_bfree) * a.f_frsize >= PX_FREE_TEST / 2);
	PX_ERR(fstatvfs(-1, &b), EBADF);
	free(buf);
}

/*
 * Sizes around the points where a file system changes representation
 * (HAMMER2: data in the inode up to 512 bytes, 64 KiB blocks): grow by
 * writing, shrink by truncating, and check every byte each time.
 */
static void
size_transitions(void)
{
	static const size_t sizes[] = { 0, 1, 511, 512, 513, 4096, 65535,
		65536, 65537, 131072, 200000, 513, 512, 1, 70000, 0, 600 };
	unsigned char *want, *got;
	size_t i, cur = 0;
	struct stat st;
	int fd;

	want = calloc(1, PX_BIGBUF);
	got = malloc(PX_BIGBUF);
	if (want == NULL || got == NULL)
		abort();
	PX_OK(fd = open("f", O_RDWR | O_CREAT, 0644));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (sizes[i] > cur) {
			px_fill(want + cur, sizes[i] - cur, 50 + (unsigned)i);
			PX_EQ(pwrite(fd, want + cur, sizes[i] - cur, (off_t)cur),
			    sizes[i] - cur);
		} else {
			PX_OK(ftruncate(fd, (off_t)sizes[i]));
			memset(want + sizes[i], 0, cur - sizes[i]);
		}
		cur = sizes[i];
		PX_OK(fstat(fd, &st));
		PX_EQ(st.st_size, cur);
		PX_EQ(px_read_file("f", got, PX_BIGBUF), cur);
		if (memcmp(want, got, cur) != 0) {
			PX_FAIL("data wrong after step %zu (size %zu)", i, cur);
			return;
		}
	}
	/* grow by truncate from an inline size: zeros after the data */
	PX_OK(ftruncate(fd, 100000));
	PX_EQ(px_read_file("f", got, PX_BIGBUF), 100000);
	PX_TRUE(memcmp(want, got, cur) == 0);
	PX_TRUE(px_is_zero(got + cur, 100000 - cur));
	PX_OK(close(fd));
	free(want);
	free(got);
}

/*
 * readdir while the directory changes: every entry present from start to
 * end is returned exactly once (POSIX), whatever is added or removed.
 */
#define PX_STABLE_N	600
#define PX_STABLE_FIRST	150

static void
readdir_stable(void)
{
	static unsigned char seen[PX_STABLE_N];
	struct dirent *de;
	char name[32];
	int i, n = 0;
	DIR *d;

	PX_OK(mkdir("d", 0755));
	for (i = 0; i < PX_STABLE_N; i++) {
		snprintf(name, sizeof(name), "d/e%d", i);
		PX_OK(px_write_file(name, 0644, "", 0));
	}
	PX_TRUE((d = opendir("d")) != NULL);
	while (n < PX_STABLE_FIRST && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == 'e') {
			seen[atoi(de->d_name + 1)]++;
			n++;
		}
	}
	PX_EQ(n, PX_STABLE_FIRST);
	/* remove every other entry (seen or not), add as many new ones */
	for (i = 0; i < PX_STABLE_N; i += 2) {
		snprintf(name, sizeof(name), "d/e%d", i);
		PX_OK(unlink(name));
		snprintf(name, sizeof(name), "d/new%d", i);
		PX_OK(px_write_file(name, 0644, "", 0));
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == 'e')
			seen[atoi(de->d_name + 1)]++;
	}
	PX_EQ(errno, 0);
	closedir(d);
	for (i = 0; i < PX_STABLE_N; i++) {
		if (seen[i] > 1 || (i % 2 == 1 && seen[i] != 1)) {
			PX_FAIL("entry e%d returned %d times", i, seen[i]);
			return;
		}
	}
}

const struct px_case px_cases_data[] = {
	{ "write_read_back", write_read_back },
	{ "truncate_holes", truncate_holes },
	{ "truncate_times", truncate_times },
	{ "large_sparse", large_sparse },
	{ "utimes_set", utimes_set },
	{ "mtime_ctime_updates", mtime_ctime_updates },
	{ "size_transitions", size_transitions },
	{ "readdir_many", readdir_many },
	{ "readdir_stable", readdir_stable },
	{ "readdir_inodes", readdir_inodes },
	{ "open_unlinked", open_unlinked },
	{ "fsync_calls", fsync_calls },
	{ "statvfs_sanity", statvfs_sanity },
	{ NULL, NULL },
};
