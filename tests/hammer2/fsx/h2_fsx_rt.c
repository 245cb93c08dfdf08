/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_fsx_rt.c - fixture round trip: change a DragonFly-made image
 * read-write through the vnops layer and write the MANIFEST it must now
 * match.
 *
 * Model: h2_fsx_rt image[@LABEL] in.MANIFEST out.MANIFEST mounts the PFS
 * read-write (hammer2_vnops.h) and, on regular files of the MANIFEST
 * (no hardlinks, plain names), overwrites the middle of one, truncates
 * one down, extends one with a hole, removes one and renames one into a
 * new directory; it also creates that directory with a small file
 * (inode-embedded data), a large sparse one, an all-zero one and a
 * symlink, and sets the mtime of everything it writes to a fixed time.
 * Every victim's content is read back and checked against its MANIFEST
 * sha256 before it is changed.  Then it unmounts (which commits) and
 * writes out.MANIFEST: the header and every entry it did not touch
 * byte for byte as they were, the changed entries rewritten, the
 * removed one left out, the new ones added.  The caller then runs
 * fsck_hammer2 and h2_manifest -i (part 1's read-only reader, not the
 * vnops layer) against out.MANIFEST, whose full walk also proves that
 * nothing else appeared or vanished.
 *
 * Invariants: exit 0 only if every operation succeeded and every victim
 * read back as its MANIFEST said; 1 otherwise, with the failing step
 * named; 2 for usage.
 *
 * Locking: none; one thread.
 *
 * More: tests/suites/hammer2-fsx.sh, tests/hammer2/h2_manifest.c.
 */

#define _GNU_SOURCE	/* asprintf */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hammer2_codec.h"
#include "hammer2_vnops.h"
#include "libhammer2.h"

/* clang-format off */
#define RT_FIELDS	8
#define RT_MTIME_SEC	1800000000ULL	/* every file written gets this */
#define RT_USEC		1000000ULL
#define RT_DIR		"fsx-rt-dir"
#define RT_SMALL_BYTES	300		/* fits in the inode */
#define RT_BIG_HOLE	(200 * 1024)
#define RT_BIG_BYTES	(1024 * 1024 + 123)
#define RT_ZERO_BYTES	(256 * 1024)
#define RT_EXTEND_BYTES	100000
#define RT_PATCH	"fsx-rt!"
#define RT_FILE_MODE	0644
#define RT_DIR_MODE	0755
#define RT_LINK_MODE	0777
#define RT_SHA_HEX	(2 * HAMMER2_SHA256_BYTES + 1)
#define RT_MAXADDED	8
#define RT_SEED		0x2545f4914f6cdd1dULL

enum rt_victim { V_PATCH, V_SHRINK, V_EXTEND, V_REMOVE, V_RENAME, V_COUNT };

struct rt_entry {
	char	*re_raw;		/* the line as read, without '\n' */
	char	*re_copy;		/* what re_f points into */
	char	*re_f[RT_FIELDS];	/* fields of a copy, NULL: header */
	char	*re_new;		/* replacement line, or NULL */
	int	 re_removed;
};
/* clang-format on */

static struct rt_entry *rt_ents;
static size_t rt_nents;
static struct hammer2_mount *rt_mp;
static char *rt_added[RT_MAXADDED];	/* entries of the new objects */
static size_t rt_nadded;

static void __attribute__((__noreturn__))
rt_die(const char *step, int error)
{
	fprintf(stderr, "h2_fsx_rt: %s: %s\n", step, strerror(error));
	exit(1);
}

static void
rt_newlines_add(char *line)
{
	if (rt_nadded == RT_MAXADDED)
		rt_die("add", ENOSPC);
	rt_added[rt_nadded++] = line;
}

static void
rt_load(const char *file)
{
	char *line = NULL, *copy, *p;
	size_t cap = 0;
	struct rt_entry *e;
	FILE *fp;
	int i;

	fp = fopen(file, "r");
	if (fp == NULL)
		rt_die(file, errno);
	while (getline(&line, &cap, fp) > 0) {
		line[strcspn(line, "\n")] = '\0';
		rt_ents = realloc(rt_ents, (rt_nents + 1) * sizeof(*rt_ents));
		copy = strdup(line);
		if (rt_ents == NULL || copy == NULL)
			rt_die("load", ENOMEM);
		e = &rt_ents[rt_nents++];
		memset(e, 0, sizeof(*e));
		e->re_raw = strdup(line);
		e->re_copy = copy;
		p = copy;
		for (i = 0; i < RT_FIELDS && p != NULL; i++)
			e->re_f[i] = strsep(&p, "\t");
		if (i != RT_FIELDS || p != NULL || line[0] == '#')
			e->re_f[0] = NULL;
	}
	free(line);
	fclose(fp);
}

/* Resolve a relative path component by component. */
static int
rt_lookup(const char *path, hammer2_tid_t *dinump, const char **leafp,
    struct hammer2_vattr *vap)
{
	hammer2_tid_t dinum = hammer2_vfs_root(rt_mp);
	const char *p = path, *slash;
	int error;

	for (;;) {
		slash = strchr(p, '/');
		error = hammer2_vop_lookup(rt_mp, dinum, p,
		    slash != NULL ? (size_t)(slash - p) : strlen(p), vap);
		if (error != 0 || slash == NULL)
			break;
		dinum = vap->va_inum;
		p = slash + 1;
	}
	*dinump = dinum;
	*leafp = p;
	return (error);
}

static void
rt_sha(const uint8_t *buf, size_t len, char *hex)
{
	uint8_t digest[HAMMER2_SHA256_BYTES];
	int i;

	hammer2_sha256(buf, len, digest);
	for (i = 0; i < HAMMER2_SHA256_BYTES; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

/* Read a victim whole and check it against its MANIFEST sha256. */
static uint8_t *
rt_read_checked(const struct rt_entry *e, hammer2_tid_t inum, size_t extra)
{
	size_t size = strtoull(e->re_f[3], NULL, 10), done;
	char hex[RT_SHA_HEX];
	uint8_t *buf;
	int error;

	buf = calloc(1, size + extra + 1);
	if (buf == NULL)
		rt_die("read", ENOMEM);
	error = hammer2_vop_read(rt_mp, inum, 0, buf, size + 1, &done);
	if (error != 0)
		rt_die(e->re_f[0], error);
	rt_sha(buf, done, hex);
	if (done != size || strcmp(hex, e->re_f[4]) != 0) {
		fprintf(stderr, "h2_fsx_rt: %s: read back %zu bytes sha256 %s,"
				" MANIFEST says %zu bytes %s\n",
		    e->re_f[0], done, hex, size, e->re_f[4]);
		exit(1);
	}
	return (buf);
}

static void
rt_set_mtime(hammer2_tid_t inum)
{
	struct hammer2_vattr va, out;
	int error;

	memset(&va, 0, sizeof(va));
	va.va_mtime = RT_MTIME_SEC * RT_USEC;
	error = hammer2_vop_setattr(rt_mp, inum, &va, HAMMER2_VA_MTIME, &out);
	if (error != 0)
		rt_die("setattr mtime", error);
}

static void
rt_set_size(hammer2_tid_t inum, uint64_t size)
{
	struct hammer2_vattr va, out;
	int error;

	memset(&va, 0, sizeof(va));
	va.va_size = size;
	error = hammer2_vop_setattr(rt_mp, inum, &va, HAMMER2_VA_SIZE, &out);
	if (error != 0)
		rt_die("setattr size", error);
}

static char *
rt_line(const char *path, const char *type, const char *mode, size_t size,
    const char *sha, const char *target)
{
	char line[1024];
	char *dup;

	snprintf(line, sizeof(line), "%s\t%s\t%s\t%zu\t%s\t%s\t%llu\t-", path,
	    type, mode, size, sha, target, RT_MTIME_SEC);
	dup = strdup(line);
	if (dup == NULL)
		rt_die("line", ENOMEM);
	return (dup);
}

static char *
rt_file_line(const char *path, const char *mode, const uint8_t *data,
    size_t size)
{
	char hex[RT_SHA_HEX];

	rt_sha(data, size, hex);
	return (rt_line(path, "file", mode, size, hex, "-"));
}

/* Rename the victim to RT_DIR/renamed; its entry keeps every other field. */
static void
rt_rename(struct rt_entry *e, hammer2_tid_t dinum, const char *leaf,
    hammer2_tid_t rtdir)
{
	const char *rest = strchr(e->re_raw, '\t');
	int error;

	error = hammer2_vop_rename(rt_mp, dinum, leaf, strlen(leaf), rtdir,
	    "renamed", strlen("renamed"), 0);
	if (error != 0)
		rt_die("rename", error);
	if (asprintf(&e->re_new, "%s/renamed%s", RT_DIR, rest) < 0)
		rt_die("rename", ENOMEM);
}

static void
rt_change(struct rt_entry *e, enum rt_victim v, hammer2_tid_t rtdir)
{
	struct hammer2_vattr va;
	hammer2_tid_t dinum;
	const char *leaf;
	size_t size = strtoull(e->re_f[3], NULL, 10), nsize = size;
	uint8_t *buf;
	int error = 0;

	error = rt_lookup(e->re_f[0], &dinum, &leaf, &va);
	if (error != 0)
		rt_die(e->re_f[0], error);
	buf = rt_read_checked(e, va.va_inum, RT_EXTEND_BYTES);
	switch (v) {
	case V_PATCH:
		if (size / 2 + sizeof(RT_PATCH) - 1 > size)
			nsize = size / 2 + sizeof(RT_PATCH) - 1;
		memcpy(buf + size / 2, RT_PATCH, sizeof(RT_PATCH) - 1);
		error = hammer2_vop_write(rt_mp, va.va_inum, size / 2, RT_PATCH,
		    sizeof(RT_PATCH) - 1);
		break;
	case V_SHRINK:
		nsize = size / 3;
		rt_set_size(va.va_inum, nsize);
		break;
	case V_EXTEND:
		nsize = size + RT_EXTEND_BYTES;
		rt_set_size(va.va_inum, nsize);
		break;
	case V_REMOVE:
		error = hammer2_vop_remove(rt_mp, dinum, leaf, strlen(leaf), 0);
		e->re_removed = 1;
		break;
	default:
		rt_rename(e, dinum, leaf, rtdir);
		break;
	}
	if (error != 0)
		rt_die(e->re_f[0], error);
	if (v == V_PATCH || v == V_SHRINK || v == V_EXTEND) {
		rt_set_mtime(va.va_inum);
		e->re_new = rt_file_line(e->re_f[0], e->re_f[2], buf, nsize);
	}
	free(buf);
}

/* Create RT_DIR/name with len bytes of data at off (a hole below off). */
static void
rt_create_file(hammer2_tid_t rtdir, const char *name, const uint8_t *data,
    size_t off, size_t len)
{
	struct hammer2_vattr va;
	uint8_t *whole;
	char path[256];
	int error;

	memset(&va, 0, sizeof(va));
	va.va_type = HAMMER2_OBJTYPE_REGFILE;
	va.va_mode = RT_FILE_MODE;
	error = hammer2_vop_create(rt_mp, rtdir, name, strlen(name), &va, NULL,
	    0, &va);
	if (error == 0)
		error = hammer2_vop_write(rt_mp, va.va_inum, off, data, len);
	if (error != 0)
		rt_die(name, error);
	rt_set_mtime(va.va_inum);
	whole = calloc(1, off + len);
	if (whole == NULL)
		rt_die(name, ENOMEM);
	memcpy(whole + off, data, len);
	snprintf(path, sizeof(path), "%s/%s", RT_DIR, name);
	rt_newlines_add(rt_file_line(path, "0644", whole, off + len));
	free(whole);
}

static void
rt_fill(uint8_t *buf, size_t len)
{
	uint64_t x = RT_SEED;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
}

/* RT_DIR with a small, a big sparse and an all-zero file and a symlink. */
static hammer2_tid_t
rt_create_all(void)
{
	hammer2_tid_t root = hammer2_vfs_root(rt_mp);
	static const char target[] = "small";
	struct hammer2_vattr va;
	uint8_t *data;
	int error;

	memset(&va, 0, sizeof(va));
	va.va_type = HAMMER2_OBJTYPE_DIRECTORY;
	va.va_mode = RT_DIR_MODE;
	error = hammer2_vop_create(rt_mp, root, RT_DIR, strlen(RT_DIR), &va,
	    NULL, 0, &va);
	if (error != 0)
		rt_die("mkdir " RT_DIR, error);
	rt_newlines_add(rt_line(RT_DIR, "dir", "0755", 0, "-", "-"));
	data = calloc(1, RT_BIG_BYTES);
	if (data == NULL)
		rt_die("create", ENOMEM);
	rt_fill(data, RT_BIG_BYTES);
	rt_create_file(va.va_inum, "small", data, 0, RT_SMALL_BYTES);
	rt_create_file(va.va_inum, "big", data, RT_BIG_HOLE, RT_BIG_BYTES);
	memset(data, 0, RT_ZERO_BYTES);
	rt_create_file(va.va_inum, "zeros", data, 0, RT_ZERO_BYTES);
	free(data);
	root = va.va_inum;
	memset(&va, 0, sizeof(va));
	va.va_type = HAMMER2_OBJTYPE_SOFTLINK;
	va.va_mode = RT_LINK_MODE;
	error = hammer2_vop_create(rt_mp, root, "link", strlen("link"), &va,
	    target, strlen(target), &va);
	if (error != 0)
		rt_die("symlink", error);
	rt_set_mtime(va.va_inum);
	rt_newlines_add(rt_line(RT_DIR "/link", "symlink", "0777",
	    strlen(target), "-", target));
	return (root);
}

/* Plain regular files only: no hardlink, no escaped name, not empty. */
static int
rt_is_candidate(const struct rt_entry *e)
{
	return (e->re_f[0] != NULL && strcmp(e->re_f[1], "file") == 0 &&
	    strcmp(e->re_f[7], "-") == 0 && strchr(e->re_f[0], '\\') == NULL &&
	    strtoull(e->re_f[3], NULL, 10) > 0);
}

static void
rt_write(const char *file)
{
	FILE *fp;
	size_t i;

	fp = fopen(file, "w");
	if (fp == NULL)
		rt_die(file, errno);
	for (i = 0; i < rt_nents; i++) {
		if (rt_ents[i].re_removed)
			continue;
		fprintf(fp, "%s\n",
		    rt_ents[i].re_new != NULL ? rt_ents[i].re_new
					      : rt_ents[i].re_raw);
	}
	for (i = 0; i < rt_nadded; i++)
		fprintf(fp, "%s\n", rt_added[i]);
	if (fclose(fp) != 0)
		rt_die(file, errno);
}

static void
rt_free(void)
{
	size_t i;

	for (i = 0; i < rt_nents; i++) {
		free(rt_ents[i].re_raw);
		free(rt_ents[i].re_copy);
		free(rt_ents[i].re_new);
	}
	for (i = 0; i < rt_nadded; i++)
		free(rt_added[i]);
	free(rt_ents);
}

int
main(int argc, char **argv)
{
	struct hammer2_dev *dev;
	hammer2_tid_t rtdir;
	char *path, *label;
	size_t i;
	int error, v = 0;

	if (argc != 4) {
		fprintf(stderr,
		    "usage: h2_fsx_rt image[@label] in.MANIFEST out.MANIFEST\n");
		return (2);
	}
	rt_load(argv[2]);
	if (h2_split_image_label(argv[1], &path, &label) != 0)
		rt_die("image", ENOMEM);
	error = h2_host_open(path, H2_HOST_RDWR, &dev);
	if (error != 0)
		rt_die(path, error);
	error = hammer2_vfs_mount(dev, label, 0, &rt_mp);
	if (error != 0)
		rt_die("mount", error);
	rtdir = rt_create_all();
	for (i = 0; i < rt_nents && v < V_COUNT; i++)
		if (rt_is_candidate(&rt_ents[i]))
			rt_change(&rt_ents[i], (enum rt_victim)v++, rtdir);
	if (v == 0)
		rt_die("no plain regular file in the MANIFEST", ENOENT);
	error = hammer2_vfs_unmount(rt_mp);
	if (error != 0)
		rt_die("unmount", error);
	h2_host_close(dev);
	rt_write(argv[3]);
	printf("h2_fsx_rt: %d MANIFEST files changed, %zu objects added\n", v,
	    rt_nadded);
	rt_free();
	free(path);
	free(label);
	return (0);
}
