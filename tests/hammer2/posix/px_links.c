/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * px_links.c - POSIX cases: hard links and link counts, unlink, rename
 * rules, rmdir, symlinks.
 *
 * Model: see h2_posix.h.  Directory link counts are checked against the
 * convention given with -d: PX_DIRLINKS_UNIX (a new directory has 2, each
 * subdirectory adds 1 to its parent) or PX_DIRLINKS_ONE (always 1).
 *
 * Invariants: every rename case checks both the names and the inode that
 * moved (st_ino), and that the replaced inode lost its link.
 *
 * Locking: none.
 *
 * More: tests/hammer2/posix/README.md.
 */

#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "h2_posix.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	(1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE		(1 << 1)
#endif

#define PX_HARDLINKS	20
#define PX_SYMLINK_MAX	4095	/* PATH_MAX - 1: the longest Linux takes */

/* The link count a directory with nsub subdirectories must report. */
static nlink_t
px_dir_nlink(int nsub)
{
	return (px_dirlinks == PX_DIRLINKS_UNIX ? (nlink_t)(2 + nsub) : 1);
}

static bool
px_ctime_after(const struct stat *old, const struct stat *new)
{
	return (new->st_ctim.tv_sec > old->st_ctim.tv_sec ||
	    (new->st_ctim.tv_sec == old->st_ctim.tv_sec &&
	    new->st_ctim.tv_nsec > old->st_ctim.tv_nsec));
}

static void
link_counts(void)
{
	struct stat st, st0;
	char name[32];
	int i;

	PX_OK(px_write_file("f", 0644, "data", 4));
	PX_OK(stat("f", &st0));
	PX_EQ(st0.st_nlink, 1);
	px_tick();
	PX_OK(link("f", "g"));
	PX_OK(stat("g", &st));
	PX_EQ(st.st_nlink, 2);
	PX_EQ(st.st_ino, st0.st_ino);
	PX_TRUE(px_ctime_after(&st0, &st));	/* link changes ctime */
	PX_OK(mkdir("d", 0755));
	for (i = 0; i < PX_HARDLINKS; i++) {
		snprintf(name, sizeof(name), "d/h%d", i);
		PX_OK(link("f", name));
	}
	PX_OK(stat("f", &st));
	PX_EQ(st.st_nlink, 2 + PX_HARDLINKS);
	PX_OK(unlink("f"));
	PX_OK(stat("g", &st));
	PX_EQ(st.st_nlink, 1 + PX_HARDLINKS);
	for (i = 0; i < PX_HARDLINKS; i++) {
		snprintf(name, sizeof(name), "d/h%d", i);
		PX_OK(unlink(name));
	}
	PX_OK(stat("g", &st));
	PX_EQ(st.st_nlink, 1);
	PX_EQ(px_read_file("g", name, sizeof(name)), 4);
	PX_TRUE(memcmp(name, "data", 4) == 0);
	PX_OK(rmdir("d"));
}

static void
link_errors(void)
{
	PX_OK(px_write_file("f", 0644, "x", 1));
	PX_OK(mkdir("d", 0755));
	PX_ERR(link("missing", "g"), ENOENT);
	PX_ERR(link("f", "missing/g"), ENOENT);
	PX_ERR(link("f", "f"), EEXIST);
	PX_ERR(link("f", "d"), EEXIST);
	PX_ERR(link("d", "d2"), EPERM);		/* no links to directories */
	PX_ERR(link("f/x", "g"), ENOTDIR);
	PX_ERR(link("f", "f/g"), ENOTDIR);
}

static void
dir_nlink(void)
{
	struct stat st;

	PX_OK(mkdir("d", 0755));
	PX_OK(stat("d", &st));
	PX_EQ(st.st_nlink, px_dir_nlink(0));
	PX_OK(mkdir("d/a", 0755));
	PX_OK(mkdir("d/b", 0755));
	PX_OK(px_write_file("d/f", 0644, "x", 1));	/* files do not count */
	PX_OK(stat("d", &st));
	PX_EQ(st.st_nlink, px_dir_nlink(2));
	PX_OK(stat("d/a", &st));
	PX_EQ(st.st_nlink, px_dir_nlink(0));
	PX_OK(rmdir("d/a"));
	PX_OK(stat("d", &st));
	PX_EQ(st.st_nlink, px_dir_nlink(1));
	/* a subdirectory moved out and in */
	PX_OK(rename("d/b", "b"));
	PX_OK(stat("d", &st));
	PX_EQ(st.st_nlink, px_dir_nlink(0));
	PX_OK(stat(".", &st));
	PX_EQ(st.st_nlink, px_dir_nlink(2));
	PX_OK(rename("b", "d/b"));
	PX_OK(stat("d", &st));
	PX_EQ(st.st_nlink, px_dir_nlink(1));
	PX_OK(stat(".", &st));
	PX_EQ(st.st_nlink, px_dir_nlink(1));
}

static void
unlink_rules(void)
{
	struct stat st, st2;

	PX_OK(mkdir("d", 0755));
	PX_OK(px_write_file("d/f", 0644, "x", 1));
	PX_OK(px_write_file("d/g", 0644, "x", 1));
	PX_OK(link("d/g", "d/g2"));
	PX_OK(px_set_times_past("d"));
	PX_OK(stat("d/g", &st));
	px_tick();
	PX_OK(unlink("d/f"));
	PX_ERR(stat("d/f", &st2), ENOENT);
	PX_OK(stat("d", &st2));
	PX_TRUE(st2.st_mtime > PX_PAST_SEC);	/* parent mtime */
	PX_OK(unlink("d/g2"));
	PX_OK(stat("d/g", &st2));
	PX_TRUE(px_ctime_after(&st, &st2));	/* link count changed */
	PX_ERR(unlink("d/f"), ENOENT);
	PX_ERR2(unlink("d"), EISDIR, EPERM);
	PX_ERR(unlink("d/g/x"), ENOTDIR);
	PX_ERR(unlink("missing/x"), ENOENT);
	/* unlinking a symlink removes the link, not its target */
	PX_OK(symlink("d/g", "l"));
	PX_OK(unlink("l"));
	PX_OK(stat("d/g", &st2));
}

static void
rename_file_over_file(void)
{
	struct stat a, b, st;
	char buf[16];
	int fd;

	PX_OK(px_write_file("a", 0644, "AAAA", 4));
	PX_OK(px_write_file("b", 0644, "BB", 2));
	PX_OK(stat("a", &a));
	PX_OK(stat("b", &b));
	PX_OK(fd = open("b", O_RDONLY));
	PX_OK(rename("a", "b"));
	PX_ERR(stat("a", &st), ENOENT);
	PX_OK(stat("b", &st));
	PX_EQ(st.st_ino, a.st_ino);
	PX_EQ(st.st_nlink, 1);
	PX_EQ(px_read_file("b", buf, sizeof(buf)), 4);
	PX_TRUE(memcmp(buf, "AAAA", 4) == 0);
	/* the replaced file lives on through the open descriptor */
	PX_OK(fstat(fd, &st));
	PX_EQ(st.st_ino, b.st_ino);
	PX_EQ(st.st_nlink, 0);
	PX_EQ(pread(fd, buf, sizeof(buf), 0), 2);
	PX_TRUE(memcmp(buf, "BB", 2) == 0);
	PX_OK(close(fd));
	/* over a hard link of another file: that link count drops */
	PX_OK(px_write_file("c", 0644, "C", 1));
	PX_OK(link("c", "c2"));
	PX_OK(rename("b", "c2"));
	PX_OK(stat("c", &st));
	PX_EQ(st.st_nlink, 1);
	PX_OK(stat("c2", &st));
	PX_EQ(st.st_ino, a.st_ino);
}

static void
rename_dirs(void)
{
	struct stat d, e, st;

	PX_OK(mkdir("d", 0755));
	PX_OK(px_write_file("d/f", 0644, "x", 1));
	PX_OK(mkdir("e", 0755));
	PX_OK(stat("d", &d));
	PX_OK(stat("e", &e));
	PX_OK(rename("d", "e"));	/* over an empty directory */
	PX_ERR(stat("d", &st), ENOENT);
	PX_OK(stat("e", &st));
	PX_EQ(st.st_ino, d.st_ino);
	PX_OK(stat("e/f", &st));
	PX_OK(stat(".", &st));
	PX_EQ(st.st_nlink, px_dir_nlink(1));
	/* over a non-empty directory */
	PX_OK(mkdir("g", 0755));
	PX_ERR2(rename("g", "e"), ENOTEMPTY, EEXIST);
	PX_OK(stat("e/f", &st));
	PX_OK(stat("g", &st));
	PX_OK(px_write_file("file", 0644, "x", 1));
	PX_ERR(rename("file", "g"), EISDIR);
	PX_ERR(rename("g", "file"), ENOTDIR);
	PX_ERR(rename("g", "g/sub"), EINVAL);	/* into itself */
	PX_OK(mkdir("g/sub", 0755));
	PX_ERR(rename("g", "g/sub/x"), EINVAL);
	PX_ERR2(rename("g", "g/sub"), EINVAL, ENOTEMPTY);
	PX_ERR(rename("missing", "x"), ENOENT);
	PX_ERR(rename("file", "missing/x"), ENOENT);
	PX_ERR(rename("file", "file/x"), ENOTDIR);
	PX_ERR2(rename("g/sub", "g/sub/."), EINVAL, EBUSY);
	PX_OK(stat("file", &st));
	PX_OK(stat("g/sub", &st));
}

static void
rename_self(void)
{
	struct stat st, st2;

	PX_OK(px_write_file("f", 0644, "x", 1));
	PX_OK(stat("f", &st));
	PX_OK(rename("f", "f"));
	PX_OK(stat("f", &st2));
	PX_EQ(st2.st_ino, st.st_ino);
	PX_EQ(st2.st_nlink, 1);
	PX_OK(mkdir("d", 0755));
	PX_OK(rename("d", "d"));
	PX_OK(stat("d", &st2));
	/* two links of one inode: nothing happens, both stay */
	PX_OK(link("f", "g"));
	PX_OK(rename("f", "g"));
	PX_OK(stat("f", &st2));
	PX_OK(stat("g", &st2));
	PX_EQ(st2.st_nlink, 2);
}

static void
rename_across(void)
{
	struct stat a, b, f, st;
	char buf[8];

	PX_OK(mkdir("a", 0755));
	PX_OK(mkdir("b", 0755));
	PX_OK(mkdir("a/sub", 0755));
	PX_OK(px_write_file("a/f", 0644, "1234", 4));
	PX_OK(stat("a", &a));
	PX_OK(stat("b", &b));
	PX_OK(stat("a/f", &f));
	PX_OK(px_set_times_past("a"));
	PX_OK(px_set_times_past("b"));
	PX_OK(rename("a/f", "b/f2"));
	PX_OK(stat("b/f2", &st));
	PX_EQ(st.st_ino, f.st_ino);
	PX_EQ(px_read_file("b/f2", buf, sizeof(buf)), 4);
	PX_TRUE(memcmp(buf, "1234", 4) == 0);
	PX_OK(stat("a", &st));
	PX_TRUE(st.st_mtime > PX_PAST_SEC);
	PX_OK(stat("b", &st));
	PX_TRUE(st.st_mtime > PX_PAST_SEC);
	/* a directory: its ".." follows, the parents' link counts move */
	PX_OK(rename("a/sub", "b/sub"));
	PX_OK(stat("b/sub/..", &st));
	PX_EQ(st.st_ino, b.st_ino);
	PX_OK(stat("a", &st));
	PX_EQ(st.st_nlink, px_dir_nlink(0));
	PX_OK(stat("b", &st));
	PX_EQ(st.st_nlink, px_dir_nlink(1));
	PX_OK(px_write_file("b/sub/x", 0644, "x", 1));
	PX_OK(stat("b/sub/../f2", &st));
	PX_EQ(st.st_ino, f.st_ino);
	/* a whole tree moved down one level */
	PX_OK(rename("b", "a/b"));
	PX_OK(stat("a/b/sub/x", &st));
	PX_OK(stat("a/b/..", &st));
	PX_EQ(st.st_ino, a.st_ino);
}

static void
rename_flags(void)
{
	struct stat a, b, st;
	char buf[8];
	int r;

	PX_OK(px_write_file("a", 0644, "A", 1));
	PX_OK(px_write_file("b", 0644, "B", 1));
	PX_OK(stat("a", &a));
	PX_OK(stat("b", &b));
	/* NOREPLACE: EEXIST, or EINVAL if unsupported; b stays b */
	PX_ERR2(renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE),
	    EEXIST, EINVAL);
	PX_OK(stat("b", &st));
	PX_EQ(st.st_ino, b.st_ino);
	r = renameat2(AT_FDCWD, "a", AT_FDCWD, "c", RENAME_NOREPLACE);
	if (r == 0) {
		PX_OK(stat("c", &st));
		PX_EQ(st.st_ino, a.st_ino);
		PX_ERR(stat("a", &st), ENOENT);
		PX_OK(rename("c", "a"));
	} else {
		PX_EQ(errno, EINVAL);
		PX_OK(stat("a", &st));
	}
	/* EXCHANGE: both names swap, or EINVAL and nothing moves */
	r = renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_EXCHANGE);
	if (r == -1)
		PX_EQ(errno, EINVAL);
	PX_OK(stat("a", &st));
	PX_EQ(st.st_ino, r == 0 ? b.st_ino : a.st_ino);
	PX_EQ(px_read_file("a", buf, sizeof(buf)), 1);
	PX_EQ(buf[0], r == 0 ? 'B' : 'A');
	PX_OK(stat("b", &st));
	PX_EQ(st.st_ino, r == 0 ? a.st_ino : b.st_ino);
	PX_ERR(renameat2(AT_FDCWD, "a", AT_FDCWD, "b",
	    RENAME_NOREPLACE | RENAME_EXCHANGE), EINVAL);
}

/* RENAME_EXCHANGE of a file and a directory in different parents. */
static void
rename_exchange(void)
{
	struct stat f, d, p1, p2, st;

	PX_OK(mkdir("p1", 0755));
	PX_OK(mkdir("p2", 0755));
	PX_OK(px_write_file("p1/a", 0644, "A", 1));
	PX_OK(mkdir("p2/d", 0755));
	PX_OK(px_write_file("p2/d/inner", 0644, "I", 1));
	PX_OK(stat("p1/a", &f));
	PX_OK(stat("p2/d", &d));
	PX_OK(stat("p1", &p1));
	PX_OK(stat("p2", &p2));
	if (renameat2(AT_FDCWD, "p1/a", AT_FDCWD, "p2/d", RENAME_EXCHANGE) ==
	    -1) {
		PX_EQ(errno, EINVAL);
		px_skip("RENAME_EXCHANGE not supported (EINVAL)");
		return;
	}
	PX_OK(stat("p1/a", &st));
	PX_EQ(st.st_ino, d.st_ino);
	PX_TRUE(S_ISDIR(st.st_mode));
	PX_OK(stat("p1/a/inner", &st));
	PX_OK(stat("p1/a/..", &st));
	PX_EQ(st.st_ino, p1.st_ino);
	PX_OK(stat("p2/d", &st));
	PX_EQ(st.st_ino, f.st_ino);
	PX_TRUE(S_ISREG(st.st_mode));
	PX_OK(stat("p1", &st));
	PX_EQ(st.st_nlink, px_dir_nlink(1));
	PX_OK(stat("p2", &st));
	PX_EQ(st.st_nlink, px_dir_nlink(0));
	/* both must exist; a directory cannot go below itself */
	PX_ERR(renameat2(AT_FDCWD, "p1/a", AT_FDCWD, "p1/none",
	    RENAME_EXCHANGE), ENOENT);
	PX_OK(mkdir("p1/a/sub", 0755));
	PX_ERR(renameat2(AT_FDCWD, "p1/a", AT_FDCWD, "p1/a/sub",
	    RENAME_EXCHANGE), EINVAL);
	/* exchanging back restores everything */
	PX_OK(renameat2(AT_FDCWD, "p1/a", AT_FDCWD, "p2/d", RENAME_EXCHANGE));
	PX_OK(stat("p2/d/sub/..", &st));
	PX_EQ(st.st_ino, d.st_ino);
	PX_OK(stat("p2/d/..", &st));
	PX_EQ(st.st_ino, p2.st_ino);
	PX_OK(stat("p1/a", &st));
	PX_EQ(st.st_ino, f.st_ino);
}

static void
rmdir_rules(void)
{
	struct stat st;

	PX_OK(mkdir("d", 0755));
	PX_OK(px_write_file("d/f", 0644, "x", 1));
	PX_ERR2(rmdir("d"), ENOTEMPTY, EEXIST);
	PX_ERR(rmdir("d/f"), ENOTDIR);
	PX_ERR(rmdir("missing"), ENOENT);
	PX_ERR(rmdir("d/f/x"), ENOTDIR);
	PX_ERR(rmdir("d/."), EINVAL);
	PX_ERR(rmdir("."), EINVAL);
	PX_ERR2(rmdir("d/.."), ENOTEMPTY, EEXIST);
	PX_OK(unlink("d/f"));
	PX_OK(mkdir("d/sub", 0755));
	PX_ERR2(rmdir("d"), ENOTEMPTY, EEXIST);
	PX_OK(rmdir("d/sub"));
	PX_OK(px_set_times_past("."));
	PX_OK(rmdir("d"));
	PX_ERR(stat("d", &st), ENOENT);
	PX_OK(stat(".", &st));
	PX_TRUE(st.st_mtime > PX_PAST_SEC);
	PX_EQ(st.st_nlink, px_dir_nlink(0));
	PX_OK(symlink(".", "l"));
	PX_ERR(rmdir("l"), ENOTDIR);
}

static void
symlink_basic(void)
{
	static const size_t lens[] = { 1, 64, 65, 500, 1000, PX_SYMLINK_MAX };
	char *target, *buf;
	struct stat st;
	char name[32];
	ssize_t n;
	size_t i;

	target = malloc(PX_SYMLINK_MAX + 1);
	buf = malloc(PX_SYMLINK_MAX + 2);
	if (target == NULL || buf == NULL)
		abort();
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		px_fill(target, lens[i], (unsigned)i);
		for (n = 0; n < (ssize_t)lens[i]; n++)	/* printable */
			target[n] = (char)('a' + (unsigned char)target[n] % 26);
		target[lens[i]] = '\0';
		snprintf(name, sizeof(name), "l%zu", lens[i]);
		PX_OK(symlink(target, name));
		PX_OK(lstat(name, &st));
		PX_TRUE(S_ISLNK(st.st_mode));
		PX_EQ(st.st_size, lens[i]);
		PX_OK(n = readlink(name, buf, PX_SYMLINK_MAX + 2));
		PX_EQ(n, lens[i]);
		PX_TRUE(memcmp(buf, target, lens[i]) == 0);
	}
	/* readlink truncates to the buffer without failing */
	PX_EQ(readlink("l64", buf, 10), 10);
	PX_ERR(readlink("missing", buf, 10), ENOENT);
	PX_OK(px_write_file("f", 0644, "x", 1));
	PX_ERR(readlink("f", buf, 10), EINVAL);
	/* through a link */
	PX_OK(mkdir("d", 0755));
	PX_OK(symlink("d", "ld"));
	PX_OK(px_write_file("ld/g", 0644, "gg", 2));
	PX_OK(stat("d/g", &st));
	PX_EQ(st.st_size, 2);
	PX_OK(symlink("nowhere", "dangling"));
	PX_ERR(stat("dangling", &st), ENOENT);
	PX_OK(symlink("loop2", "loop1"));
	PX_OK(symlink("loop1", "loop2"));
	PX_ERR(stat("loop1", &st), ELOOP);
	PX_ERR(symlink("", "empty"), ENOENT);
	free(target);
	free(buf);
}

const struct px_case px_cases_links[] = {
	{ "link_counts", link_counts },
	{ "link_errors", link_errors },
	{ "dir_nlink", dir_nlink },
	{ "unlink_rules", unlink_rules },
	{ "rename_file_over_file", rename_file_over_file },
	{ "rename_dirs", rename_dirs },
	{ "rename_self", rename_self },
	{ "rename_across", rename_across },
	{ "rename_flags", rename_flags },
	{ "rename_exchange", rename_exchange },
	{ "rmdir_rules", rmdir_rules },
	{ "symlink_basic", symlink_basic },
	{ NULL, NULL },
};
