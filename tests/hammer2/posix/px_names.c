/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * px_names.c - POSIX cases: open and creat flags, modes and the umask,
 * chmod, ownership and permissions, and the errors of name lookup
 * (ENOENT, EEXIST, ENOTDIR, EISDIR, ENAMETOOLONG).
 *
 * Model: see h2_posix.h.  Each case runs in an empty directory; names
 * are relative to it.
 *
 * Invariants: credentials changed by a case (seteuid) are changed back
 * before it checks anything that needs root.
 *
 * Locking: none.
 *
 * More: tests/hammer2/posix/README.md.
 */

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "h2_posix.h"

#define PX_NAME_MAX	255	/* NAME_MAX of every file system tested */
#define PX_NOBODY	65534	/* an unprivileged uid and gid */
#define PX_SOME_UID	1234
#define PX_SOME_GID	5678

/* A name of len bytes: "n" followed by 'x's. */
static char *
px_long_name(size_t len)
{
	char *s = malloc(len + 1);

	if (s == NULL)
		abort();
	memset(s, 'x', len);
	s[0] = 'n';
	s[len] = '\0';
	return (s);
}

static void
open_creat_excl(void)
{
	int fd;

	PX_OK(fd = open("f", O_WRONLY | O_CREAT | O_EXCL, 0644));
	PX_OK(close(fd));
	PX_ERR(open("f", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	PX_OK(mkdir("d", 0755));
	PX_ERR(open("d", O_RDONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	/* O_EXCL does not follow a dangling symlink: EEXIST, no target. */
	PX_OK(symlink("target", "l"));
	PX_ERR(open("l", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	PX_ERR(access("target", F_OK), ENOENT);
}

static void
open_creat_follows_symlink(void)
{
	struct stat st;
	int fd;

	PX_OK(symlink("target", "l"));
	PX_OK(fd = open("l", O_WRONLY | O_CREAT, 0600));
	PX_OK(close(fd));
	PX_OK(lstat("target", &st));
	PX_TRUE(S_ISREG(st.st_mode));
	PX_EQ(st.st_mode & 07777, 0600);
}

static void
open_trunc(void)
{
	char buf[64];
	struct stat st;
	int fd;

	PX_OK(px_write_file("f", 0644, "hello, world", 12));
	PX_OK(px_set_times_past("f"));
	PX_OK(fd = open("f", O_WRONLY | O_TRUNC));
	PX_OK(fstat(fd, &st));
	PX_EQ(st.st_size, 0);
	PX_TRUE(st.st_mtime > PX_PAST_SEC);
	PX_OK(close(fd));
	PX_EQ(px_read_file("f", buf, sizeof(buf)), 0);
	/* O_TRUNC on an empty file, and O_CREAT|O_TRUNC on an existing one */
	PX_OK(px_write_file("f", 0600, "abc", 3));
	PX_EQ(px_read_file("f", buf, sizeof(buf)), 3);
	PX_OK(stat("f", &st));
	PX_EQ(st.st_mode & 07777, 0644);	/* mode of an existing file */
}

static void
open_append(void)
{
	char buf[64];
	int fd, fd2;

	PX_OK(px_write_file("f", 0644, "abc", 3));
	PX_OK(fd = open("f", O_WRONLY | O_APPEND));
	PX_OK(lseek(fd, 0, SEEK_SET));
	PX_EQ(write(fd, "def", 3), 3);
	/* Another writer extends the file; the next append goes after it. */
	PX_OK(fd2 = open("f", O_WRONLY));
	PX_EQ(pwrite(fd2, "ghi", 3, 6), 3);
	PX_OK(close(fd2));
	PX_EQ(write(fd, "jk", 2), 2);
	PX_EQ(lseek(fd, 0, SEEK_CUR), 11);
	PX_OK(close(fd));
	PX_EQ(px_read_file("f", buf, sizeof(buf)), 11);
	PX_TRUE(memcmp(buf, "abcdefghijk", 11) == 0);
}

static void
open_errors(void)
{
	int fd;

	PX_ERR(open("missing", O_RDONLY), ENOENT);
	PX_ERR(open("missing/f", O_RDONLY | O_CREAT, 0644), ENOENT);
	PX_OK(px_write_file("f", 0644, "x", 1));
	PX_ERR(open("f/x", O_RDONLY), ENOTDIR);
	PX_ERR(open("f/x", O_RDONLY | O_CREAT, 0644), ENOTDIR);
	PX_ERR(open("f/", O_RDONLY), ENOTDIR);
	PX_OK(mkdir("d", 0755));
	PX_ERR(open("d", O_WRONLY), EISDIR);
	PX_ERR(open("d", O_RDWR), EISDIR);
	PX_ERR(open("d", O_RDONLY | O_CREAT, 0644), EISDIR);
	PX_ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
	PX_OK(fd = open("d", O_RDONLY | O_DIRECTORY));
	PX_OK(close(fd));
	PX_ERR(open("", O_RDONLY), ENOENT);
}

static void
creat_modes_umask(void)
{
	static const mode_t masks[] = { 0, 022, 077, 0777 };
	struct stat st;
	char name[32];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		umask(masks[i]);
		snprintf(name, sizeof(name), "f%zu", i);
		PX_OK(fd = open(name, O_WRONLY | O_CREAT, 0777));
		PX_OK(close(fd));
		PX_OK(stat(name, &st));
		PX_EQ(st.st_mode & 07777, 0777 & ~masks[i]);
		PX_TRUE(S_ISREG(st.st_mode));
		snprintf(name, sizeof(name), "d%zu", i);
		PX_OK(mkdir(name, 0777));
		PX_OK(stat(name, &st));
		PX_EQ(st.st_mode & 07777, 0777 & ~masks[i]);
		PX_TRUE(S_ISDIR(st.st_mode));
	}
	umask(0);
	PX_OK(mkdir("sticky", 01777));
	PX_OK(stat("sticky", &st));
	PX_EQ(st.st_mode & 07777, 01777);
}

static void
chmod_modes(void)
{
	static const mode_t modes[] = { 0, 0400, 0644, 0755, 01777, 02755,
		04755, 06711, 07777 };
	struct stat st, st2;
	size_t i;
	int fd;

	PX_OK(px_write_file("f", 0644, "x", 1));
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		PX_OK(chmod("f", modes[i]));
		PX_OK(stat("f", &st));
		PX_EQ(st.st_mode & 07777, modes[i]);
		PX_TRUE(S_ISREG(st.st_mode));
	}
	PX_OK(fd = open("f", O_RDONLY));
	PX_OK(fchmod(fd, 0640));
	PX_OK(fstat(fd, &st));
	PX_EQ(st.st_mode & 07777, 0640);
	PX_OK(close(fd));
	/* chmod follows a symlink; the link's own mode is untouched */
	PX_OK(symlink("f", "l"));
	PX_OK(lstat("l", &st2));
	PX_OK(chmod("l", 0600));
	PX_OK(stat("f", &st));
	PX_EQ(st.st_mode & 07777, 0600);
	PX_OK(mkdir("d", 0755));
	PX_OK(chmod("d", 0711));
	PX_OK(stat("d", &st));
	PX_EQ(st.st_mode & 07777, 0711);
	PX_TRUE(S_ISDIR(st.st_mode));
	PX_ERR(chmod("missing", 0644), ENOENT);
}

static void
chmod_ctime(void)
{
	struct stat st, st2;

	PX_OK(px_write_file("f", 0644, "x", 1));
	PX_OK(px_set_times_past("f"));
	PX_OK(stat("f", &st));
	px_tick();
	PX_OK(chmod("f", 0600));
	PX_OK(stat("f", &st2));
	PX_TRUE(st2.st_ctim.tv_sec > st.st_ctim.tv_sec ||
	    (st2.st_ctim.tv_sec == st.st_ctim.tv_sec &&
	    st2.st_ctim.tv_nsec > st.st_ctim.tv_nsec));
	PX_EQ(st2.st_mtime, PX_PAST_SEC);	/* chmod leaves mtime */
}

static void
chown_root(void)
{
	struct stat st, st2;
	int fd;

	if (!px_is_root) {
		px_skip("not root");
		return;
	}
	PX_OK(px_write_file("f", 0644, "x", 1));
	PX_OK(stat("f", &st));
	PX_EQ(st.st_uid, geteuid());
	PX_EQ(st.st_gid, getegid());
	px_tick();
	PX_OK(chown("f", PX_SOME_UID, PX_SOME_GID));
	PX_OK(stat("f", &st2));
	PX_EQ(st2.st_uid, PX_SOME_UID);
	PX_EQ(st2.st_gid, PX_SOME_GID);
	PX_TRUE(st2.st_ctim.tv_sec > st.st_ctim.tv_sec ||
	    (st2.st_ctim.tv_sec == st.st_ctim.tv_sec &&
	    st2.st_ctim.tv_nsec > st.st_ctim.tv_nsec));
	/* -1 leaves that id alone */
	PX_OK(chown("f", (uid_t)-1, PX_NOBODY));
	PX_OK(stat("f", &st));
	PX_EQ(st.st_uid, PX_SOME_UID);
	PX_EQ(st.st_gid, PX_NOBODY);
	PX_OK(fd = open("f", O_RDONLY));
	PX_OK(fchown(fd, PX_NOBODY, (gid_t)-1));
	PX_OK(fstat(fd, &st));
	PX_EQ(st.st_uid, PX_NOBODY);
	PX_EQ(st.st_gid, PX_NOBODY);
	PX_OK(close(fd));
	/* lchown changes the link, chown its target */
	PX_OK(symlink("f", "l"));
	PX_OK(lchown("l", PX_SOME_UID, PX_SOME_GID));
	PX_OK(lstat("l", &st));
	PX_EQ(st.st_uid, PX_SOME_UID);
	PX_OK(stat("f", &st));
	PX_EQ(st.st_uid, PX_NOBODY);
	PX_OK(mkdir("d", 0755));
	PX_OK(chown("d", PX_SOME_UID, PX_SOME_GID));
	PX_OK(stat("d", &st));
	PX_EQ(st.st_uid, PX_SOME_UID);
	PX_EQ(st.st_gid, PX_SOME_GID);
	PX_ERR(chown("missing", 0, 0), ENOENT);
}

/* Linux drops set-user-ID and (group-exec) set-group-ID on chown. */
static void
chown_clears_suid(void)
{
	struct stat st;

	if (!px_is_root) {
		px_skip("not root");
		return;
	}
	PX_OK(px_write_file("f", 0644, "x", 1));
	PX_OK(chmod("f", 06755));
	PX_OK(chown("f", PX_SOME_UID, PX_SOME_GID));
	PX_OK(stat("f", &st));
	PX_EQ(st.st_mode & 07777, 0755);
	PX_EQ(st.st_uid, PX_SOME_UID);
}

/* A new file's group is its directory's when the directory is set-gid. */
static void
setgid_dir_inherits(void)
{
	struct stat st;

	if (!px_is_root) {
		px_skip("not root");
		return;
	}
	PX_OK(mkdir("d", 0755));
	PX_OK(chown("d", 0, PX_SOME_GID));
	PX_OK(chmod("d", 02775));
	PX_OK(px_write_file("d/f", 0644, "x", 1));
	PX_OK(stat("d/f", &st));
	PX_EQ(st.st_gid, PX_SOME_GID);
	PX_OK(mkdir("d/sub", 0755));
	PX_OK(stat("d/sub", &st));
	PX_EQ(st.st_gid, PX_SOME_GID);
	PX_TRUE((st.st_mode & S_ISGID) != 0);
	/* without the bit, the creator's group */
	PX_OK(chmod("d", 0775));
	PX_OK(px_write_file("d/g", 0644, "x", 1));
	PX_OK(stat("d/g", &st));
	PX_EQ(st.st_gid, getegid());
}

/*
 * Switch to an unprivileged user; return false (case failed) if the
 * switch does not work.
 */
static bool
px_become_nobody(void)
{
	if (setegid(PX_NOBODY) == -1 || seteuid(PX_NOBODY) == -1) {
		PX_FAIL("seteuid %d: %s", PX_NOBODY, strerror(errno));
		return (false);
	}
	return (true);
}

static bool
px_become_root(void)
{
	if (seteuid(0) == -1 || setegid(0) == -1) {
		PX_FAIL("seteuid 0: %s", strerror(errno));
		return (false);
	}
	return (true);
}

static void
perm_nonroot(void)
{
	struct stat st;
	int fd;

	if (!px_is_root) {
		px_skip("not root");
		return;
	}
	PX_OK(px_write_file("secret", 0600, "x", 1));
	PX_OK(px_write_file("public", 0644, "x", 1));
	PX_OK(mkdir("closed", 0755));
	PX_OK(mkdir("open", 0777));
	PX_OK(chmod("open", 0777));	/* past the umask */
	PX_OK(chmod(".", 0755));
	if (!px_become_nobody())
		return;
	PX_ERR(open("secret", O_RDONLY), EACCES);
	PX_ERR(open("public", O_WRONLY), EACCES);
	PX_OK(fd = open("public", O_RDONLY));
	PX_OK(close(fd));
	PX_ERR(open("closed/f", O_WRONLY | O_CREAT, 0644), EACCES);
	PX_ERR(mkdir("closed/d", 0755), EACCES);
	PX_ERR(unlink("public"), EACCES);
	PX_ERR(chmod("public", 0666), EPERM);
	PX_ERR(chown("public", PX_NOBODY, PX_NOBODY), EPERM);
	/* a new file belongs to the creator's effective ids */
	PX_OK(fd = open("open/mine", O_WRONLY | O_CREAT, 0644));
	PX_OK(close(fd));
	PX_OK(stat("open/mine", &st));
	PX_EQ(st.st_uid, PX_NOBODY);
	PX_EQ(st.st_gid, PX_NOBODY);
	PX_OK(chmod("open/mine", 0600));	/* the owner may */
	PX_ERR(chown("open/mine", 0, (gid_t)-1), EPERM);
	if (!px_become_root())
		return;
	PX_OK(fd = open("secret", O_RDONLY));	/* root may */
	PX_OK(close(fd));
}

/* Sticky directory: only the owner of an entry may remove it. */
static void
perm_sticky(void)
{
	int fd;

	if (!px_is_root) {
		px_skip("not root");
		return;
	}
	PX_OK(chmod(".", 0755));
	PX_OK(mkdir("t", 0777));
	PX_OK(chmod("t", 01777));	/* past the umask */
	PX_OK(px_write_file("t/roots", 0666, "x", 1));
	if (!px_become_nobody())
		return;
	PX_ERR(unlink("t/roots"), EPERM);
	PX_ERR(rename("t/roots", "t/mine"), EPERM);
	PX_OK(fd = open("t/mine", O_WRONLY | O_CREAT, 0644));
	PX_OK(close(fd));
	PX_OK(unlink("t/mine"));
	if (!px_become_root())
		return;
	PX_OK(unlink("t/roots"));
}

static void
mknod_types(void)
{
	struct stat st;

	PX_OK(mkfifo("fifo", 0640));
	PX_OK(lstat("fifo", &st));
	PX_TRUE(S_ISFIFO(st.st_mode));
	PX_EQ(st.st_mode & 07777, 0640);
	PX_ERR(mkfifo("fifo", 0640), EEXIST);
	if (!px_is_root)
		return;
	PX_OK(mknod("chr", S_IFCHR | 0600, makedev(1, 3)));
	PX_OK(lstat("chr", &st));
	PX_TRUE(S_ISCHR(st.st_mode));
	PX_EQ(major(st.st_rdev), 1);
	PX_EQ(minor(st.st_rdev), 3);
	PX_OK(mknod("blk", S_IFBLK | 0600, makedev(7, 200)));
	PX_OK(lstat("blk", &st));
	PX_TRUE(S_ISBLK(st.st_mode));
	PX_EQ(major(st.st_rdev), 7);
	PX_EQ(minor(st.st_rdev), 200);
	PX_OK(mknod("reg", S_IFREG | 0600, 0));
	PX_OK(lstat("reg", &st));
	PX_TRUE(S_ISREG(st.st_mode));
	PX_EQ(st.st_size, 0);
}

static void
name_max(void)
{
	char *n255 = px_long_name(PX_NAME_MAX);
	char *n256 = px_long_name(PX_NAME_MAX + 1);
	char path[2 * PX_NAME_MAX + 8];
	struct stat st;
	int fd;

	PX_OK(fd = open(n255, O_WRONLY | O_CREAT | O_EXCL, 0644));
	PX_OK(close(fd));
	PX_OK(stat(n255, &st));
	PX_ERR(open(n256, O_WRONLY | O_CREAT, 0644), ENAMETOOLONG);
	PX_ERR(stat(n256, &st), ENAMETOOLONG);
	PX_ERR(mkdir(n256, 0755), ENAMETOOLONG);
	PX_ERR(mkfifo(n256, 0644), ENAMETOOLONG);
	PX_ERR(symlink("x", n256), ENAMETOOLONG);
	PX_ERR(link(n255, n256), ENAMETOOLONG);
	PX_ERR(rename(n255, n256), ENAMETOOLONG);
	PX_ERR(unlink(n256), ENAMETOOLONG);
	PX_ERR(rmdir(n256), ENAMETOOLONG);
	/* a 255-byte directory holding a 255-byte name */
	n255[1] = 'd';
	PX_OK(mkdir(n255, 0755));
	snprintf(path, sizeof(path), "%s/%s", n255, n255);
	PX_OK(px_write_file(path, 0644, "y", 1));
	PX_OK(stat(path, &st));
	PX_EQ(st.st_size, 1);
	PX_OK(unlink(path));
	PX_OK(rmdir(n255));
	n255[1] = 'x';
	PX_OK(unlink(n255));
	PX_ERR(stat(n255, &st), ENOENT);
	free(n255);
	free(n256);
}

static void
lookup_errors(void)
{
	struct stat st;

	PX_ERR(stat("missing", &st), ENOENT);
	PX_ERR(lstat("missing/x", &st), ENOENT);
	PX_ERR(mkdir("missing/d", 0755), ENOENT);
	PX_OK(px_write_file("f", 0644, "x", 1));
	PX_ERR(stat("f/x", &st), ENOTDIR);
	PX_ERR(mkdir("f/d", 0755), ENOTDIR);
	PX_ERR(stat("f/", &st), ENOTDIR);
	PX_ERR(mkdir("f", 0755), EEXIST);
	PX_OK(mkdir("d", 0755));
	PX_ERR(mkdir("d", 0755), EEXIST);
	PX_ERR(mkdir("d/", 0755), EEXIST);
	PX_ERR(mkfifo("d", 0644), EEXIST);
	PX_ERR(symlink("x", "f"), EEXIST);
	PX_ERR(symlink("x", "d"), EEXIST);
	PX_ERR(mkdir(".", 0755), EEXIST);
	PX_OK(stat("d/.", &st));
	PX_OK(stat("d/..", &st));
	PX_OK(stat("d/../f", &st));
	PX_TRUE(S_ISREG(st.st_mode));
}

/* Distinct files have distinct inode numbers that stay put. */
static void
inode_numbers(void)
{
	struct stat a, b, d, a2;

	PX_OK(px_write_file("a", 0644, "x", 1));
	PX_OK(px_write_file("b", 0644, "x", 1));
	PX_OK(mkdir("d", 0755));
	PX_OK(stat("a", &a));
	PX_OK(stat("b", &b));
	PX_OK(stat("d", &d));
	PX_TRUE(a.st_ino != b.st_ino && a.st_ino != d.st_ino &&
	    b.st_ino != d.st_ino);
	PX_EQ(a.st_dev, b.st_dev);
	PX_OK(rename("a", "d/a"));
	PX_OK(stat("d/a", &a2));
	PX_EQ(a2.st_ino, a.st_ino);
}

const struct px_case px_cases_names[] = {
	{ "open_creat_excl", open_creat_excl },
	{ "open_creat_follows_symlink", open_creat_follows_symlink },
	{ "open_trunc", open_trunc },
	{ "open_append", open_append },
	{ "open_errors", open_errors },
	{ "creat_modes_umask", creat_modes_umask },
	{ "chmod_modes", chmod_modes },
	{ "chmod_ctime", chmod_ctime },
	{ "chown_root", chown_root },
	{ "chown_clears_suid", chown_clears_suid },
	{ "setgid_dir_inherits", setgid_dir_inherits },
	{ "perm_nonroot", perm_nonroot },
	{ "perm_sticky", perm_sticky },
	{ "mknod_types", mknod_types },
	{ "name_max", name_max },
	{ "lookup_errors", lookup_errors },
	{ "inode_numbers", inode_numbers },
	{ NULL, NULL },
};
