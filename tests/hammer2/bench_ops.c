/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * bench_ops.c - the HAMMER2 vnops layer (hammer2_vnops.h, no FUSE) side
 * by side with the host kernel's file system through system calls, in
 * one run.
 *
 * Model: bench_ops image dir runs each workload REPS times on a PFS
 * "DATA" of image (made fresh by the caller) through hammer2_vop_*, and
 * on directory dir (e.g. on ext4) through open/write/fsync/stat/unlink,
 * and prints the median of each: sequential writes of 4 KiB and of
 * 128 KiB followed by a commit (sync/fsync), a sequential read in 1 MiB
 * pieces, and creating, looking up and removing BENCH_FILES empty files
 * in one directory followed by a commit.  The host reads come from its
 * page cache; the HAMMER2 reads go to the image file (through the same
 * page cache) and verify and decompress every block.
 *
 * Invariants: any failing call aborts the run with its errno (exit 1);
 * nothing is asserted about speed.
 *
 * More: docs/performance/hammer2-ops.md, mk/h2-ops.mk (bench-hammer2-ops).
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hammer2_vnops.h"
#include "libhammer2.h"

#define BENCH_REPS	3
#define BENCH_BYTES	(128ULL << 20)
#define BENCH_SMALL	4096
#define BENCH_LARGE	(128 * 1024)
#define BENCH_READ	(1024 * 1024)
#define BENCH_FILES	20000
#define BENCH_NAME	64

enum { B_W4K, B_W128K, B_READ, B_CREATE, B_LOOKUP, B_REMOVE, B_NWORK };

static const char *const bench_names[B_NWORK] = {
	"write 4 KiB pieces + commit (MB/s)",
	"write 128 KiB pieces + commit (MB/s)",
	"read 1 MiB pieces (MB/s)",
	"create empty files (files/s)",
	"look up (stat) files (files/s)",
	"remove files + commit (files/s)",
};

static uint8_t *bench_buf;

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
bench_die(const char *what, int error)
{
	fprintf(stderr, "bench_ops: %s: %s\n", what, strerror(error));
	exit(1);
}

/* ---- HAMMER2 through the vnops layer ---- */

static struct hammer2_mount *
h2_mount(const char *image, struct hammer2_dev **devp)
{
	struct hammer2_mount *mp;
	int error;

	error = h2_host_open(image, H2_HOST_RDWR, devp);
	if (error == 0)
		error = hammer2_vfs_mount(*devp, "DATA", 0, &mp);
	if (error != 0)
		bench_die(image, error);
	return (mp);
}

static hammer2_tid_t
h2_create(struct hammer2_mount *mp, hammer2_tid_t dir, const char *name,
    uint8_t type)
{
	struct hammer2_vattr va, out;
	int error;

	memset(&va, 0, sizeof(va));
	va.va_type = type;
	va.va_mode = 0644;
	error = hammer2_vop_create(mp, dir, name, strlen(name), &va, NULL, 0,
	    &out);
	if (error != 0)
		bench_die("create", error);
	return (out.va_inum);
}

static void
h2_run(const char *image, int rep, double *res)
{
	struct hammer2_dev *dev;
	struct hammer2_mount *mp = h2_mount(image, &dev);
	struct hammer2_vattr va;
	char name[BENCH_NAME];
	hammer2_tid_t f, d;
	uint64_t off;
	size_t done;
	double t0;
	int i, w, error = 0;

	for (w = 0; w < 2; w++) {
		snprintf(name, sizeof(name), "w%d.%d", w, rep);
		f = h2_create(mp, 1, name, HAMMER2_OBJTYPE_REGFILE);
		t0 = bench_now();
		for (off = 0; off < BENCH_BYTES && error == 0;
		    off += w ? BENCH_LARGE : BENCH_SMALL)
			error = hammer2_vop_write(mp, f, off, bench_buf + off %
			    BENCH_LARGE, w ? BENCH_LARGE : BENCH_SMALL);
		if (error == 0)
			error = hammer2_vop_fsync(mp, f);
		if (error != 0)
			bench_die("write", error);
		res[w ? B_W128K : B_W4K] = BENCH_BYTES / 1e6 /
		    (bench_now() - t0);
	}
	t0 = bench_now();
	for (off = 0; off < BENCH_BYTES && error == 0; off += BENCH_READ)
		error = hammer2_vop_read(mp, f, off, bench_buf, BENCH_READ,
		    &done);
	if (error != 0)
		bench_die("read", error);
	res[B_READ] = BENCH_BYTES / 1e6 / (bench_now() - t0);
	snprintf(name, sizeof(name), "d.%d", rep);
	d = h2_create(mp, 1, name, HAMMER2_OBJTYPE_DIRECTORY);
	t0 = bench_now();
	for (i = 0; i < BENCH_FILES; i++) {
		snprintf(name, sizeof(name), "file-%d", i);
		(void)h2_create(mp, d, name, HAMMER2_OBJTYPE_REGFILE);
	}
	res[B_CREATE] = BENCH_FILES / (bench_now() - t0);
	t0 = bench_now();
	for (i = 0; i < BENCH_FILES && error == 0; i++) {
		snprintf(name, sizeof(name), "file-%d", i);
		error = hammer2_vop_lookup(mp, d, name, strlen(name), &va);
	}
	if (error != 0)
		bench_die("lookup", error);
	res[B_LOOKUP] = BENCH_FILES / (bench_now() - t0);
	t0 = bench_now();
	for (i = 0; i < BENCH_FILES && error == 0; i++) {
		snprintf(name, sizeof(name), "file-%d", i);
		error = hammer2_vop_remove(mp, d, name, strlen(name), 0);
	}
	if (error == 0)
		error = hammer2_vfs_sync(mp);
	if (error != 0)
		bench_die("remove", error);
	res[B_REMOVE] = BENCH_FILES / (bench_now() - t0);
	if (hammer2_vfs_unmount(mp) != 0)
		bench_die("unmount", EIO);
	h2_host_close(dev);
}

/* ---- the host file system through system calls ---- */

static void
host_run(const char *dir, int rep, double *res)
{
	char path[4096];
	struct stat st;
	uint64_t off;
	size_t piece;
	double t0;
	int fd, i, w;

	for (w = 0; w < 2; w++) {
		snprintf(path, sizeof(path), "%s/w%d.%d", dir, w, rep);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			bench_die(path, errno);
		piece = w ? BENCH_LARGE : BENCH_SMALL;
		t0 = bench_now();
		for (off = 0; off < BENCH_BYTES; off += piece)
			if (write(fd, bench_buf + off % BENCH_LARGE, piece) !=
			    (ssize_t)piece)
				bench_die("write", errno);
		if (fsync(fd) != 0)
			bench_die("fsync", errno);
		res[w ? B_W128K : B_W4K] = BENCH_BYTES / 1e6 /
		    (bench_now() - t0);
		if (w == 0)
			close(fd);
	}
	t0 = bench_now();
	for (off = 0; off < BENCH_BYTES; off += BENCH_READ)
		if (pread(fd, bench_buf, BENCH_READ, (off_t)off) != BENCH_READ)
			bench_die("read", errno);
	res[B_READ] = BENCH_BYTES / 1e6 / (bench_now() - t0);
	close(fd);
	snprintf(path, sizeof(path), "%s/d.%d", dir, rep);
	if (mkdir(path, 0755) != 0)
		bench_die(path, errno);
	t0 = bench_now();
	for (i = 0; i < BENCH_FILES; i++) {
		snprintf(path, sizeof(path), "%s/d.%d/file-%d", dir, rep, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			bench_die(path, errno);
		close(fd);
	}
	res[B_CREATE] = BENCH_FILES / (bench_now() - t0);
	t0 = bench_now();
	for (i = 0; i < BENCH_FILES; i++) {
		snprintf(path, sizeof(path), "%s/d.%d/file-%d", dir, rep, i);
		if (stat(path, &st) != 0)
			bench_die(path, errno);
	}
	res[B_LOOKUP] = BENCH_FILES / (bench_now() - t0);
	t0 = bench_now();
	for (i = 0; i < BENCH_FILES; i++) {
		snprintf(path, sizeof(path), "%s/d.%d/file-%d", dir, rep, i);
		if (unlink(path) != 0)
			bench_die(path, errno);
	}
	sync();
	res[B_REMOVE] = BENCH_FILES / (bench_now() - t0);
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

int
main(int argc, char **argv)
{
	double h2[BENCH_REPS][B_NWORK], host[BENCH_REPS][B_NWORK];
	double a[BENCH_REPS], b[BENCH_REPS];
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	int r, w;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_ops image dir\n");
		return (2);
	}
	bench_buf = malloc(BENCH_READ > BENCH_LARGE ? BENCH_READ : BENCH_LARGE);
	if (bench_buf == NULL)
		bench_die("malloc", ENOMEM);
	for (r = 0; r < BENCH_READ; r++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		bench_buf[r] = (uint8_t)seed;	/* incompressible */
	}
	for (r = 0; r < BENCH_REPS; r++) {
		h2_run(argv[1], r, h2[r]);
		host_run(argv[2], r, host[r]);
	}
	printf("| workload (median of %d) | HAMMER2 vnops | host fs syscalls | "
	    "ratio |\n|---|---:|---:|---:|\n", BENCH_REPS);
	for (w = 0; w < B_NWORK; w++) {
		for (r = 0; r < BENCH_REPS; r++) {
			a[r] = h2[r][w];
			b[r] = host[r][w];
		}
		qsort(a, BENCH_REPS, sizeof(a[0]), bench_cmp);
		qsort(b, BENCH_REPS, sizeof(b[0]), bench_cmp);
		printf("| %s | %.0f | %.0f | %.2f |\n", bench_names[w],
		    a[BENCH_REPS / 2], b[BENCH_REPS / 2],
		    a[BENCH_REPS / 2] / b[BENCH_REPS / 2]);
	}
	free(bench_buf);
	return (0);
}
