/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_posix.c - a POSIX file-system semantics suite in the style of
 * pjdfstest, run against any directory.
 *
 * Usage: h2_posix [-l] [-d unix|one] [-t case] dir
 *
 * Model: every case (px_names.c, px_links.c, px_data.c) runs in a forked
 * child, in a fresh directory dir/h2px.PID/CASE, with umask 022 and an
 * alarm: a crash or a hang of one case is that case's FAIL, and the
 * others still run.  The parent prints exactly one line per case:
 * "PASS: name", "FAIL: name (why)" or "SKIP: name (why)", then removes
 * the case directory (a directory that cannot be removed fails the
 * case: the file system lost track of an entry).  Exit status 1 if any
 * case failed, 2 on bad usage.
 *
 * -d says how the file system counts directory links: "unix" (2 plus
 * one per subdirectory: ext4, tmpfs, UFS) or "one" (always 1: HAMMER2).
 * Ownership and permission cases need root and SKIP otherwise.
 *
 * Invariants: the child reports through a pipe (status byte + reason),
 * so a child that dies without reporting is detected.
 *
 * Locking: none.
 *
 * More: tests/hammer2/posix/README.md.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "h2_posix.h"

#define PX_CASE_TIMEOUT_SEC	120
#define PX_WHY_BYTES		512
#define PX_TICK_NSEC		30000000	/* > a coarse clock tick */
#define PX_NFTW_FDS		32

enum px_status {
	PX_PASS = 'P',
	PX_FAILED = 'F',
	PX_SKIPPED = 'S',
};

enum px_dirlinks px_dirlinks = PX_DIRLINKS_UNIX;
bool px_is_root;

static char px_status_c = PX_PASS;
static char px_why[PX_WHY_BYTES];

void
px_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (px_status_c == PX_FAILED)
		return;		/* keep the first reason */
	px_status_c = PX_FAILED;
	n = snprintf(px_why, sizeof(px_why), "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= sizeof(px_why))
		return;
	va_start(ap, fmt);
	vsnprintf(px_why + n, sizeof(px_why) - (size_t)n, fmt, ap);
	va_end(ap);
}

void
px_skip(const char *why)
{
	if (px_status_c == PX_FAILED)
		return;
	px_status_c = PX_SKIPPED;
	snprintf(px_why, sizeof(px_why), "%s", why);
}

bool
px_failed(void)
{
	return (px_status_c != PX_PASS);
}

int
px_write_file(const char *path, mode_t mode, const void *buf, size_t len)
{
	ssize_t n;
	int fd, saved;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd == -1)
		return (-1);
	n = len == 0 ? 0 : write(fd, buf, len);
	if (n != (ssize_t)len) {
		saved = n == -1 ? errno : EIO;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (close(fd));
}

ssize_t
px_read_file(const char *path, void *buf, size_t cap)
{
	size_t done = 0;
	ssize_t n;
	int fd, saved;

	fd = open(path, O_RDONLY);
	if (fd == -1)
		return (-1);
	while (done < cap) {
		n = read(fd, (char *)buf + done, cap - done);
		if (n == -1) {
			saved = errno;
			close(fd);
			errno = saved;
			return (-1);
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	return ((ssize_t)done);
}

/* Set atime and mtime of path (not following a symlink) to PX_PAST_SEC. */
int
px_set_times_past(const char *path)
{
	struct timespec ts[2];

	ts[0].tv_sec = ts[1].tv_sec = PX_PAST_SEC;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	return (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW));
}

/* Sleep past one tick of the kernel's coarse file-time clock. */
void
px_tick(void)
{
	struct timespec ts = { 0, PX_TICK_NSEC };

	nanosleep(&ts, NULL);
}

/* A reproducible, seed-dependent byte pattern (never all zero). */
void
px_fill(void *buf, size_t len, unsigned seed)
{
	unsigned char *p = buf;
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)(x | 1);
	}
}

static int
px_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP || flag == FTW_DNR)
		return (rmdir(path));
	return (unlink(path));
}

/* Pre-order: open every directory to its owner (a case may set 0). */
static int
px_open_dir(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)f;
	if ((flag == FTW_D || flag == FTW_DNR) && !S_ISLNK(st->st_mode))
		(void)chmod(path, S_IRWXU);
	return (0);
}

/* Remove a case's tree, whatever modes the case left in it. */
static int
px_rm_tree(const char *path)
{
	(void)nftw(path, px_open_dir, PX_NFTW_FDS, FTW_PHYS);
	return (nftw(path, px_rm_one, PX_NFTW_FDS, FTW_DEPTH | FTW_PHYS));
}

static const struct px_case *const px_lists[] = {
	px_cases_names, px_cases_links, px_cases_data, NULL,
};

/* The child: run one case in dir, report status byte + reason on fd. */
static void
px_child(const struct px_case *pc, const char *dir, int fd)
{
	size_t len;

	if (chdir(dir) == -1) {
		PX_FAIL("chdir %s: %s", dir, strerror(errno));
	} else {
		umask(022);
		alarm(PX_CASE_TIMEOUT_SEC);
		pc->pc_fn();
	}
	len = strlen(px_why);
	if (write(fd, &px_status_c, 1) != 1 ||
	    write(fd, px_why, len) != (ssize_t)len)
		_exit(2);
	_exit(0);
}

/* Run one case in its own process and directory; returns its status. */
static char
px_run(const struct px_case *pc, const char *root)
{
	char dir[PATH_MAX], why[PX_WHY_BYTES];
	char st = PX_FAILED;
	ssize_t n;
	pid_t pid;
	int p[2], ws;

	strcpy(why, "no report from the case process");
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", root, pc->pc_name) >=
	    sizeof(dir)) {
		strcpy(why, "path too long");
		goto report;
	}
	if (mkdir(dir, 0755) == -1) {
		snprintf(why, sizeof(why), "mkdir %.200s: %s", pc->pc_name,
		    strerror(errno));
		goto report;
	}
	if (pipe(p) == -1) {
		snprintf(why, sizeof(why), "pipe: %s", strerror(errno));
		goto report;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		px_child(pc, dir, p[1]);
	}
	close(p[1]);
	if (pid != -1 && read(p[0], &st, 1) == 1) {
		n = read(p[0], why, sizeof(why) - 1);
		why[n > 0 ? n : 0] = '\0';
	} else {
		st = PX_FAILED;
	}
	close(p[0]);
	if (pid != -1 && waitpid(pid, &ws, 0) == pid && WIFSIGNALED(ws)) {
		st = PX_FAILED;
		snprintf(why, sizeof(why), "case process killed by signal %d%s",
		    WTERMSIG(ws), WTERMSIG(ws) == SIGALRM ? " (timeout)" : "");
	}
	if (px_rm_tree(dir) != 0 && st != PX_FAILED) {
		st = PX_FAILED;
		snprintf(why, sizeof(why), "cannot remove the case directory: %s",
		    strerror(errno));
	}
report:
	if (st == PX_PASS)
		printf("PASS: %s\n", pc->pc_name);
	else if (st == PX_SKIPPED)
		printf("SKIP: %s (%s)\n", pc->pc_name, why);
	else
		printf("FAIL: %s (%s)\n", pc->pc_name, why);
	fflush(stdout);
	return (st);
}

static void
usage(void)
{
	fprintf(stderr, "usage: h2_posix [-l] [-d unix|one] [-t case] dir\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const struct px_case *const *l, *pc;
	const char *only = NULL;
	char root[PATH_MAX];
	int ch, nfail = 0, nrun = 0, list = 0;

	while ((ch = getopt(argc, argv, "d:lt:")) != -1) {
		switch (ch) {
		case 'd':
			if (strcmp(optarg, "unix") == 0)
				px_dirlinks = PX_DIRLINKS_UNIX;
			else if (strcmp(optarg, "one") == 0)
				px_dirlinks = PX_DIRLINKS_ONE;
			else
				usage();
			break;
		case 'l':
			list = 1;
			break;
		case 't':
			only = optarg;
			break;
		default:
			usage();
		}
	}
	for (l = px_lists; list && *l != NULL; l++)
		for (pc = *l; pc->pc_name != NULL; pc++)
			printf("%s\n", pc->pc_name);
	if (list)
		return (0);
	if (optind + 1 != argc)
		usage();
	px_is_root = geteuid() == 0;
	snprintf(root, sizeof(root), "%s/h2px.%ld", argv[optind],
	    (long)getpid());
	if (mkdir(root, 0755) == -1) {
		fprintf(stderr, "h2_posix: mkdir %s: %s\n", root,
		    strerror(errno));
		return (2);
	}
	for (l = px_lists; *l != NULL; l++) {
		for (pc = *l; pc->pc_name != NULL; pc++) {
			if (only != NULL && strcmp(only, pc->pc_name) != 0)
				continue;
			nrun++;
			if (px_run(pc, root) == PX_FAILED)
				nfail++;
		}
	}
	if (rmdir(root) == -1) {
		printf("FAIL: h2px_cleanup (rmdir %s: %s)\n", root,
		    strerror(errno));
		nfail++;
	}
	if (nrun == 0) {
		fprintf(stderr, "h2_posix: no case named %s\n", only);
		return (2);
	}
	return (nfail == 0 ? 0 : 1);
}
