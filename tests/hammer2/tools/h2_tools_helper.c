/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_tools_helper.c - what tests/suites/hammer2-tools.sh needs besides
 * hammer2(8): put files into a PFS of an image and take them out again
 * through the core's vnops layer (hammer2_vnops.h), and checksum a file
 * through the read-only core.
 *
 *   h2_tools_helper put image@PFS name bytes seed [block]
 *       create (or replace) root-directory file name with bytes bytes of
 *       xorshift data from seed; with block, the same block-byte pattern
 *       repeated (compressible, and identical 64 KiB blocks for dedup)
 *   h2_tools_helper rm image@PFS name
 *   h2_tools_helper sum image@PFS path     (read-only core)
 *       prints "<fnv1a-64 hex> <size>"
 *   h2_tools_helper gen bytes seed [block]  the same data on stdout
 *   h2_tools_helper snapmounted image@PFS name bytes seed snap
 *       on a mounted PFS (what a snapshot ioctl would do): put a file,
 *       sync the mount, snapshot through the core on the same dev, then
 *       overwrite the file (seed + 1) through the still mounted PFS and
 *       unmount; the snapshot must keep the first contents
 *
 * Every command exits 0 on success, 1 with a message otherwise.
 *
 * More: tests/suites/hammer2-tools.sh.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libhammer2.h"
#include "hammer2_pfs.h"
#include "hammer2_vnops.h"

/* clang-format off */
#define HELPER_CHUNK		(1 << 20)	/* bytes per write call */
#define HELPER_FNV_BASIS	0xcbf29ce484222325ULL
#define HELPER_FNV_PRIME	0x100000001b3ULL
#define HELPER_FILE_MODE	0644
/* clang-format on */

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (*s);
}

/* Fill buf with the bytes [off, off + len) of the stream (seed, block). */
static void
gen_fill(uint8_t *buf, size_t len, uint64_t off, uint64_t seed,
    uint64_t block)
{
	uint64_t s = seed | 1, i, pos;

	if (block == 0) {
		/* Stream: restart per chunk so chunks are independent. */
		s ^= off * 0x9E3779B97F4A7C15ULL;
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)(xorshift(&s) >> 32);
		return;
	}
	for (i = 0; i < len; i++) {
		pos = (off + i) % block;
		s = (seed | 1) ^ ((pos / 8 + 1) * 0x9E3779B97F4A7C15ULL);
		buf[i] = (uint8_t)(xorshift(&s) >> (8 * (pos % 8)));
	}
}

static int
open_mount(const char *image, struct hammer2_dev **devp,
    struct hammer2_mount **mpp)
{
	char *path, *label;
	int error;

	if (h2_split_image_label(image, &path, &label) != 0)
		return (ENOMEM);
	error = h2_host_open(path, H2_HOST_RDWR, devp);
	if (error == 0) {
		error = hammer2_vfs_mount(*devp, label, 0, mpp);
		if (error != 0)
			h2_host_close(*devp);
	}
	if (error != 0)
		fprintf(stderr, "h2_tools_helper: %s: %s\n", image,
		    strerror(error));
	free(path);
	free(label);
	return (error);
}

static int
close_mount(struct hammer2_dev *dev, struct hammer2_mount *mp)
{
	int error = hammer2_vfs_unmount(mp);

	if (error != 0)
		fprintf(stderr, "h2_tools_helper: unmount: %s\n",
		    strerror(error));
	h2_host_close(dev);
	return (error);
}

static int
put_data(struct hammer2_mount *mp, hammer2_tid_t inum, uint64_t bytes,
    uint64_t seed, uint64_t block)
{
	uint8_t *buf = malloc(HELPER_CHUNK);
	uint64_t off;
	size_t n;
	int error = 0;

	if (buf == NULL)
		return (ENOMEM);
	for (off = 0; off < bytes && error == 0; off += n) {
		n = bytes - off < HELPER_CHUNK ? (size_t)(bytes - off) :
		    HELPER_CHUNK;
		gen_fill(buf, n, off, seed, block);
		error = hammer2_vop_write(mp, inum, off, buf, n);
	}
	free(buf);
	return (error);
}

static int
cmd_put(const char *image, const char *name, uint64_t bytes, uint64_t seed,
    uint64_t block)
{
	struct hammer2_vattr va, vap;
	struct hammer2_mount *mp;
	struct hammer2_dev *dev;
	int error;

	if (open_mount(image, &dev, &mp) != 0)
		return (1);
	(void)hammer2_vop_remove(mp, hammer2_vfs_root(mp), name, strlen(name),
	    0);
	memset(&va, 0, sizeof(va));
	va.va_type = HAMMER2_OBJTYPE_REGFILE;
	va.va_mode = HELPER_FILE_MODE;
	error = hammer2_vop_create(mp, hammer2_vfs_root(mp), name, strlen(name),
	    &va, NULL, 0, &vap);
	if (error == 0)
		error = put_data(mp, vap.va_inum, bytes, seed, block);
	if (error != 0)
		fprintf(stderr, "h2_tools_helper: put %s: %s\n", name,
		    strerror(error));
	if (close_mount(dev, mp) != 0)
		error = EIO;
	return (error != 0);
}

static int
cmd_rm(const char *image, const char *name)
{
	struct hammer2_mount *mp;
	struct hammer2_dev *dev;
	int error;

	if (open_mount(image, &dev, &mp) != 0)
		return (1);
	error = hammer2_vop_remove(mp, hammer2_vfs_root(mp), name, strlen(name),
	    0);
	if (error != 0)
		fprintf(stderr, "h2_tools_helper: rm %s: %s\n", name,
		    strerror(error));
	if (close_mount(dev, mp) != 0)
		error = EIO;
	return (error != 0);
}

static int
cmd_snapmounted(const char *image, const char *name, uint64_t bytes,
    uint64_t seed, const char *snap)
{
	struct hammer2_vattr va, vap;
	struct hammer2_pfs_ids ids;
	struct hammer2_mount *mp;
	struct hammer2_dev *dev;
	char *path, *label;
	int error;

	if (h2_split_image_label(image, &path, &label) != 0)
		return (1);
	memset(&ids, 0, sizeof(ids));
	ids.pi_clid.bytes[0] = (uint8_t)seed;
	ids.pi_fsid.bytes[0] = (uint8_t)(seed + 1);
	error = open_mount(image, &dev, &mp);
	if (error != 0)
		goto out;
	memset(&va, 0, sizeof(va));
	va.va_type = HAMMER2_OBJTYPE_REGFILE;
	va.va_mode = HELPER_FILE_MODE;
	error = hammer2_vop_create(mp, hammer2_vfs_root(mp), name, strlen(name),
	    &va, NULL, 0, &vap);
	if (error == 0)
		error = put_data(mp, vap.va_inum, bytes, seed, 0);
	/* The vnops layer may hold the tail block: sync, as an ioctl would. */
	if (error == 0)
		error = hammer2_vfs_sync(mp);
	if (error == 0)
		error = hammer2_pfs_snapshot(dev, label, snap, &ids);
	/* Changes after the snapshot must not reach it. */
	if (error == 0)
		error = put_data(mp, vap.va_inum, bytes, seed + 1, 0);
	if (error != 0)
		fprintf(stderr, "h2_tools_helper: snapmounted: %s\n",
		    strerror(error));
	if (close_mount(dev, mp) != 0)
		error = EIO;
out:
	free(path);
	free(label);
	return (error != 0);
}

static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * HELPER_FNV_PRIME;
	return (h);
}

static int
sum_file(struct hammer2_pfs *pmp, const char *name)
{
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	uint8_t *buf = malloc(HELPER_CHUNK);
	uint64_t off = 0, h = HELPER_FNV_BASIS;
	size_t done = 0;
	int error;

	error = ip == NULL || buf == NULL ? ENOMEM :
	    hammer2_path_lookup(pmp, name, ip);
	while (error == 0 && off < ip->ino_data.meta.size) {
		error = hammer2_file_read(pmp, ip, off, buf, HELPER_CHUNK,
		    &done);
		if (error == 0 && done == 0)
			error = EIO;
		h = fnv(h, buf, done);
		off += done;
	}
	if (error == 0)
		printf("%016jx %ju\n", (uintmax_t)h, (uintmax_t)off);
	else
		fprintf(stderr, "h2_tools_helper: %s: %s\n", name,
		    strerror(error));
	free(buf);
	free(ip);
	return (error);
}

static int
cmd_sum(const char *image, const char *name)
{
	struct hammer2_pfs pmp;
	struct hammer2_dev *dev;
	char *path, *label;
	int error;

	if (h2_split_image_label(image, &path, &label) != 0)
		return (1);
	error = h2_host_open(path, 0, &dev);
	if (error == 0) {
		error = hammer2_pfs_open(dev, label, &pmp);
		if (error == 0)
			error = sum_file(&pmp, name);
		else
			fprintf(stderr, "h2_tools_helper: %s: %s\n", image,
			    strerror(error));
		h2_host_close(dev);
	}
	free(path);
	free(label);
	return (error != 0);
}

static int
cmd_gen(uint64_t bytes, uint64_t seed, uint64_t block)
{
	uint8_t *buf = malloc(HELPER_CHUNK);
	uint64_t off;
	size_t n;

	if (buf == NULL)
		return (1);
	for (off = 0; off < bytes; off += n) {
		n = bytes - off < HELPER_CHUNK ? (size_t)(bytes - off) :
		    HELPER_CHUNK;
		gen_fill(buf, n, off, seed, block);
		if (fwrite(buf, 1, n, stdout) != n)
			break;
	}
	free(buf);
	return (off < bytes);
}

static uint64_t
num(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	if (*end != '\0') {
		fprintf(stderr, "h2_tools_helper: bad number %s\n", s);
		exit(1);
	}
	return (v);
}

int
main(int argc, char **argv)
{
	if (argc >= 6 && argc <= 7 && strcmp(argv[1], "put") == 0)
		return (cmd_put(argv[2], argv[3], num(argv[4]), num(argv[5]),
		    argc == 7 ? num(argv[6]) : 0));
	if (argc == 4 && strcmp(argv[1], "rm") == 0)
		return (cmd_rm(argv[2], argv[3]));
	if (argc == 4 && strcmp(argv[1], "sum") == 0)
		return (cmd_sum(argv[2], argv[3]));
	if (argc == 7 && strcmp(argv[1], "snapmounted") == 0)
		return (cmd_snapmounted(argv[2], argv[3], num(argv[4]),
		    num(argv[5]), argv[6]));
	if (argc >= 4 && argc <= 5 && strcmp(argv[1], "gen") == 0)
		return (cmd_gen(num(argv[2]), num(argv[3]),
		    argc == 5 ? num(argv[4]) : 0));
	fprintf(stderr, "usage: h2_tools_helper put image@PFS name bytes seed [block]\n"
	    "       h2_tools_helper rm image@PFS name\n"
	    "       h2_tools_helper sum image@PFS path\n"
	    "       h2_tools_helper gen bytes seed [block]\n"
	    "       h2_tools_helper snapmounted image@PFS name bytes seed snap\n");
	return (1);
}
