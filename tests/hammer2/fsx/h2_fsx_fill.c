/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_fsx_fill.c - write a file of incompressible data into a HAMMER2
 * image through the vnops layer (no FUSE), for the benchmarks: the
 * snapshot-time rows of bench_rw.sh need 1 GiB and 10 GiB of data
 * without spending minutes in FUSE round trips.
 *
 * Model: h2_fsx_fill image[@LABEL] name mib mounts the PFS read-write,
 * creates name in its root (EEXIST is an error), writes mib MiB of
 * pseudo-random bytes (a different seed per file, so nothing dedups)
 * in 64 KiB writes, commits every FILL_COMMIT_MIB and unmounts.
 *
 * Invariants: exit 0 only if every write and the final commit
 * succeeded; 1 otherwise with the failing step named; 2 for usage.
 *
 * Locking: none; one thread.
 *
 * More: tests/hammer2/bench_rw.sh.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hammer2_vnops.h"
#include "libhammer2.h"

/* clang-format off */
#define FILL_CHUNK_BYTES	65536
#define FILL_MIB		(1024 * 1024)
#define FILL_COMMIT_MIB		256
#define FILL_MODE		0644
/* clang-format on */

static void __attribute__((__noreturn__))
fill_die(const char *step, int error)
{
	fprintf(stderr, "h2_fsx_fill: %s: %s\n", step, strerror(error));
	exit(1);
}

static void
fill_chunk(uint64_t *x, uint64_t *buf)
{
	size_t i;

	for (i = 0; i < FILL_CHUNK_BYTES / sizeof(*buf); i++) {
		*x ^= *x << 13;
		*x ^= *x >> 7;
		*x ^= *x << 17;
		buf[i] = *x;
	}
}

static void
fill(struct hammer2_mount *mp, const char *name, uint64_t mib)
{
	static uint64_t buf[FILL_CHUNK_BYTES / sizeof(uint64_t)];
	struct hammer2_vattr va;
	uint64_t off, x = 0x9e3779b97f4a7c15ULL;
	const char *p;
	int error;

	for (p = name; *p != '\0'; p++)
		x = (x ^ (uint8_t)*p) * 0x100000001b3ULL;
	memset(&va, 0, sizeof(va));
	va.va_type = HAMMER2_OBJTYPE_REGFILE;
	va.va_mode = FILL_MODE;
	error = hammer2_vop_create(mp, hammer2_vfs_root(mp), name, strlen(name),
	    &va, NULL, 0, &va);
	if (error != 0)
		fill_die(name, error);
	for (off = 0; off < mib * FILL_MIB; off += FILL_CHUNK_BYTES) {
		fill_chunk(&x, buf);
		error = hammer2_vop_write(mp, va.va_inum, off, buf, sizeof(buf));
		if (error != 0)
			fill_die("write", error);
		if ((off + FILL_CHUNK_BYTES) % (FILL_COMMIT_MIB * FILL_MIB) == 0 &&
		    (error = hammer2_vfs_sync(mp)) != 0)
			fill_die("commit", error);
	}
}

int
main(int argc, char **argv)
{
	struct hammer2_mount *mp;
	struct hammer2_dev *dev;
	char *path, *label, *end;
	uint64_t mib;
	int error;

	if (argc != 4 || (mib = strtoull(argv[3], &end, 10)) == 0 ||
	    *end != '\0') {
		fprintf(stderr, "usage: h2_fsx_fill image[@label] name mib\n");
		return (2);
	}
	if (h2_split_image_label(argv[1], &path, &label) != 0)
		fill_die("image", ENOMEM);
	error = h2_host_open(path, H2_HOST_RDWR, &dev);
	if (error != 0)
		fill_die(path, error);
	error = hammer2_vfs_mount(dev, label, 0, &mp);
	if (error != 0)
		fill_die("mount", error);
	fill(mp, argv[2], mib);
	error = hammer2_vfs_unmount(mp);
	if (error != 0)
		fill_die("unmount", error);
	h2_host_close(dev);
	free(path);
	free(label);
	return (0);
}
