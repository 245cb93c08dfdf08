/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_manifest.c - check a HAMMER2 tree against a fixture MANIFEST.
 *
 * Model: one checker, three back ends.  With -i image[@LABEL] every path is
 * resolved through the HAMMER2 core (sys/vfs/hammer2) directly; with -o
 * image[@LABEL] (read-only) or -w image[@LABEL] (read-write; nothing is
 * changed, the unmount commits) through the core's vnops layer
 * (hammer2_vnops.h); with -d DIR through POSIX calls on a directory, i.e.
 * a FUSE mount of mount_hammer2.  For every MANIFEST entry the type,
 * permission bits, size, sha256 of file content, symlink target, mtime
 * (files and symlinks) and hardlink identity (same inode number, nlinks 2)
 * are compared; then a full readdir walk must find exactly the MANIFEST's
 * set of paths.  Any difference is printed and the exit status is 1.
 *
 * Invariants: a test that finds nothing to check fails (an empty
 * MANIFEST or tree is an error, not a pass).
 *
 * More: tests/suites/hammer2.sh, shared/fixtures/hammer2/README.md.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hammer2_codec.h"
#include "hammer2_vnops.h"
#include "libhammer2.h"

#define MF_FIELDS	8
#define MF_PATHMAX	4096

struct mf_entry {
	char		*me_path;
	char		 me_type[16];
	unsigned	 me_mode;
	uint64_t	 me_size;
	char		 me_sha[65];
	char		*me_target;
	uint64_t	 me_mtime;
	char		*me_hardlink;	/* NULL or OTHER */
	int		 me_seen;
};

struct mf_stat {
	const char	*ms_type;
	unsigned	 ms_mode;
	uint64_t	 ms_size;
	uint64_t	 ms_mtime_sec;
	uint64_t	 ms_mtime_frac;	/* sub-second part, any unit */
	uint64_t	 ms_ino;
	uint64_t	 ms_nlinks;
};

struct mf_backend {
	int	(*mb_stat)(const char *path, struct mf_stat *st);
	int	(*mb_read)(const char *path, uint8_t **bufp, size_t *lenp);
	int	(*mb_readlink)(const char *path, char *buf, size_t len);
	int	(*mb_readdir)(const char *path,
		    int (*fn)(const char *name, int isdir, void *arg), void *arg);
};

static struct mf_entry *entries;
static size_t nentries;
static int nerrors;
static struct hammer2_pfs core_pfs;
static const char *posix_root;

/* ---- MANIFEST parsing ---- */

static char *
mf_unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (out == NULL)
		abort();
	while (*s != '\0') {
		if (s[0] == '\\' && s[1] == '\\') {
			*o++ = '\\';
			s += 2;
		} else if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3]) {
			char hex[3] = { s[2], s[3], 0 };
			*o++ = (char)strtol(hex, NULL, 16);
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return (out);
}

static int
mf_load(const char *file)
{
	char *line = NULL, *f[MF_FIELDS], *p;
	size_t cap = 0, alloc = 0;
	struct mf_entry *e;
	FILE *fp;
	int i;

	fp = fopen(file, "r");
	if (fp == NULL)
		return (-1);
	while (getline(&line, &cap, fp) > 0) {
		line[strcspn(line, "\n")] = '\0';
		p = line;
		for (i = 0; i < MF_FIELDS && p != NULL; i++)
			f[i] = strsep(&p, "\t");
		if (i != MF_FIELDS || p != NULL)
			continue;
		if (nentries == alloc) {
			alloc = alloc ? alloc * 2 : 256;
			entries = realloc(entries, alloc * sizeof(*entries));
			if (entries == NULL)
				abort();
		}
		e = &entries[nentries++];
		memset(e, 0, sizeof(*e));
		e->me_path = mf_unescape(f[0]);
		snprintf(e->me_type, sizeof(e->me_type), "%s", f[1]);
		e->me_mode = (unsigned)strtoul(f[2], NULL, 8);
		e->me_size = strtoull(f[3], NULL, 10);
		snprintf(e->me_sha, sizeof(e->me_sha), "%s", f[4]);
		e->me_target = mf_unescape(f[5]);
		e->me_mtime = strtoull(f[6], NULL, 10);
		if (strncmp(f[7], "hardlink-of:", 12) == 0)
			e->me_hardlink = mf_unescape(f[7] + 12);
	}
	free(line);
	fclose(fp);
	return (0);
}

static int
mf_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct mf_entry *)a)->me_path,
	    ((const struct mf_entry *)b)->me_path));
}

static struct mf_entry *
mf_find(const char *path)
{
	struct mf_entry key;

	key.me_path = (char *)(uintptr_t)path;
	return (bsearch(&key, entries, nentries, sizeof(*entries), mf_cmp));
}

static void
mf_error(const char *path, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static void
mf_error(const char *path, const char *fmt, ...)
{
	va_list ap;
	const char *p;

	if (++nerrors > 50)
		return;
	fputs("MISMATCH ", stdout);
	for (p = path; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20)
			printf("\\x%02x", (unsigned char)*p);
		else
			putchar(*p);
	}
	fputs(": ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ---- core back end ---- */

static const char *
core_type(int objtype)
{
	switch (objtype) {
	case HAMMER2_OBJTYPE_DIRECTORY:
		return ("dir");
	case HAMMER2_OBJTYPE_REGFILE:
		return ("file");
	case HAMMER2_OBJTYPE_SOFTLINK:
		return ("symlink");
	case HAMMER2_OBJTYPE_FIFO:
		return ("fifo");
	default:
		return ("other");
	}
}

static int
core_stat(const char *path, struct mf_stat *st)
{
	struct hammer2_inode ip;
	int error;

	error = hammer2_path_lookup(&core_pfs, path, &ip);
	if (error != 0)
		return (error);
	st->ms_type = core_type(ip.ino_data.meta.type);
	st->ms_mode = ip.ino_data.meta.mode & 07777;
	st->ms_size = ip.ino_data.meta.size;
	st->ms_mtime_sec = ip.ino_data.meta.mtime / 1000000;
	st->ms_mtime_frac = ip.ino_data.meta.mtime % 1000000;
	st->ms_ino = ip.ino_data.meta.inum;
	st->ms_nlinks = ip.ino_data.meta.nlinks;
	return (0);
}

static int
core_read(const char *path, uint8_t **bufp, size_t *lenp)
{
	struct hammer2_inode ip;
	size_t done;
	int error;

	error = hammer2_path_lookup(&core_pfs, path, &ip);
	if (error != 0)
		return (error);
	*lenp = (size_t)ip.ino_data.meta.size;
	*bufp = malloc(*lenp + 1);
	if (*bufp == NULL)
		return (ENOMEM);
	error = hammer2_file_read(&core_pfs, &ip, 0, *bufp, *lenp, &done);
	if (error == 0 && done != *lenp)
		error = EIO;
	return (error);
}

static int
core_readlink(const char *path, char *buf, size_t len)
{
	struct hammer2_inode ip;
	size_t n;
	int error;

	error = hammer2_path_lookup(&core_pfs, path, &ip);
	if (error != 0)
		return (error);
	return (hammer2_readlink(&core_pfs, &ip, buf, len, &n));
}

struct core_rd {
	int	(*fn)(const char *, int, void *);
	void	*arg;
};

static int
core_readdir_cb(void *arg, const struct hammer2_dirent *de)
{
	struct core_rd *rd = arg;

	return (rd->fn(de->de_name, de->de_type == HAMMER2_OBJTYPE_DIRECTORY,
	    rd->arg));
}

static int
core_readdir(const char *path, int (*fn)(const char *, int, void *), void *arg)
{
	struct hammer2_inode ip;
	struct core_rd rd = { fn, arg };
	int error;

	error = hammer2_path_lookup(&core_pfs, path, &ip);
	if (error != 0)
		return (error);
	return (hammer2_dir_scan(&core_pfs, &ip, 0, core_readdir_cb, &rd));
}

static const struct mf_backend core_backend = {
	core_stat, core_read, core_readlink, core_readdir
};

/* ---- vnops back end (hammer2_vnops.h, read-only or read-write) ---- */

static struct hammer2_mount *ops_mp;

/* Resolve path from the PFS root, one hammer2_vop_lookup() a component. */
static int
ops_resolve(const char *path, struct hammer2_vattr *va)
{
	const char *p = path, *q;
	hammer2_tid_t inum = hammer2_vfs_root(ops_mp);
	int error;

	error = hammer2_vop_getattr(ops_mp, inum, va);
	while (error == 0) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		q = p;
		while (*q != '\0' && *q != '/')
			q++;
		error = hammer2_vop_lookup(ops_mp, inum, p, (size_t)(q - p), va);
		inum = va->va_inum;
		p = q;
	}
	return (error);
}

static int
ops_stat(const char *path, struct mf_stat *st)
{
	struct hammer2_vattr va;
	int error;

	error = ops_resolve(path, &va);
	if (error != 0)
		return (error);
	st->ms_type = core_type(va.va_type);
	st->ms_mode = va.va_mode;
	st->ms_size = va.va_size;
	st->ms_mtime_sec = va.va_mtime / 1000000;
	st->ms_mtime_frac = va.va_mtime % 1000000;
	st->ms_ino = va.va_inum;
	st->ms_nlinks = va.va_nlink;
	return (0);
}

static int
ops_read(const char *path, uint8_t **bufp, size_t *lenp)
{
	struct hammer2_vattr va;
	size_t done;
	int error;

	error = ops_resolve(path, &va);
	if (error != 0)
		return (error);
	*lenp = (size_t)va.va_size;
	*bufp = malloc(*lenp + 1);
	if (*bufp == NULL)
		return (ENOMEM);
	error = hammer2_vop_read(ops_mp, va.va_inum, 0, *bufp, *lenp, &done);
	if (error == 0 && done != *lenp)
		error = EIO;
	return (error);
}

static int
ops_readlink(const char *path, char *buf, size_t len)
{
	struct hammer2_vattr va;
	size_t n;
	int error;

	error = ops_resolve(path, &va);
	if (error != 0)
		return (error);
	return (hammer2_vop_readlink(ops_mp, va.va_inum, buf, len, &n));
}

static int
ops_readdir_cb(void *arg, const char *name, size_t namlen, hammer2_tid_t inum,
    uint8_t type, uint64_t next)
{
	struct core_rd *rd = arg;
	char buf[HAMMER2_NAME_MAXBYTES + 1];

	(void)inum;
	(void)next;
	if ((namlen == 1 && name[0] == '.') ||
	    (namlen == 2 && name[0] == '.' && name[1] == '.'))
		return (0);
	memcpy(buf, name, namlen);
	buf[namlen] = '\0';
	return (rd->fn(buf, type == HAMMER2_OBJTYPE_DIRECTORY, rd->arg));
}

static int
ops_readdir(const char *path, int (*fn)(const char *, int, void *), void *arg)
{
	struct hammer2_vattr va;
	struct core_rd rd = { fn, arg };
	int error;

	error = ops_resolve(path, &va);
	if (error != 0)
		return (error);
	return (hammer2_vop_readdir(ops_mp, va.va_inum, 0, ops_readdir_cb,
	    &rd));
}

static const struct mf_backend ops_backend = {
	ops_stat, ops_read, ops_readlink, ops_readdir
};

/* ---- POSIX back end (a mounted tree) ---- */

static void
posix_path(const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", posix_root, path);
}

static int
posix_stat(const char *path, struct mf_stat *st)
{
	char full[MF_PATHMAX];
	struct stat sb;

	posix_path(path, full, sizeof(full));
	if (lstat(full, &sb) != 0)
		return (errno);
	st->ms_type = S_ISDIR(sb.st_mode) ? "dir" : S_ISREG(sb.st_mode) ?
	    "file" : S_ISLNK(sb.st_mode) ? "symlink" : S_ISFIFO(sb.st_mode) ?
	    "fifo" : "other";
	st->ms_mode = sb.st_mode & 07777;
	st->ms_size = (uint64_t)sb.st_size;
	st->ms_mtime_sec = (uint64_t)sb.st_mtim.tv_sec;
	st->ms_mtime_frac = (uint64_t)sb.st_mtim.tv_nsec;
	st->ms_ino = sb.st_ino;
	st->ms_nlinks = sb.st_nlink;
	return (0);
}

static int
posix_read(const char *path, uint8_t **bufp, size_t *lenp)
{
	char full[MF_PATHMAX];
	size_t cap = 65536, len = 0;
	uint8_t *buf;
	ssize_t n;
	int fd;

	posix_path(path, full, sizeof(full));
	fd = open(full, O_RDONLY);
	if (fd < 0)
		return (errno);
	buf = malloc(cap);
	for (;;) {
		if (buf == NULL) {
			close(fd);
			return (ENOMEM);
		}
		n = read(fd, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	close(fd);
	*bufp = buf;
	*lenp = len;
	return (n < 0 ? errno : 0);
}

static int
posix_readlink(const char *path, char *buf, size_t len)
{
	char full[MF_PATHMAX];
	ssize_t n;

	posix_path(path, full, sizeof(full));
	n = readlink(full, buf, len - 1);
	if (n < 0)
		return (errno);
	buf[n] = '\0';
	return (0);
}

static int
posix_readdir(const char *path, int (*fn)(const char *, int, void *),
    void *arg)
{
	char full[MF_PATHMAX];
	struct dirent *d;
	DIR *dp;
	int error = 0;

	posix_path(path, full, sizeof(full));
	dp = opendir(full);
	if (dp == NULL)
		return (errno);
	while (error == 0 && (d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		error = fn(d->d_name, d->d_type == DT_DIR, arg);
	}
	closedir(dp);
	return (error);
}

static const struct mf_backend posix_backend = {
	posix_stat, posix_read, posix_readlink, posix_readdir
};

/* ---- checks ---- */

static void
check_content(const struct mf_backend *be, const struct mf_entry *e)
{
	uint8_t digest[HAMMER2_SHA256_BYTES], *buf = NULL;
	char hex[65];
	size_t len = 0;
	int error, i;

	error = be->mb_read(e->me_path, &buf, &len);
	if (error != 0) {
		mf_error(e->me_path, "read: %s", strerror(error));
		free(buf);
		return;
	}
	hammer2_sha256(buf, len, digest);
	for (i = 0; i < HAMMER2_SHA256_BYTES; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	if (len != e->me_size || strcmp(hex, e->me_sha) != 0)
		mf_error(e->me_path, "content: %zu bytes sha256 %s", len, hex);
	free(buf);
}

static void
check_entry(const struct mf_backend *be, struct mf_entry *e, int posix)
{
	char target[HAMMER2_SYMLINK_MAXBYTES + 1];
	struct mf_stat st, ost;
	struct mf_entry *o;
	int error;

	error = be->mb_stat(e->me_path, &st);
	if (error != 0) {
		mf_error(e->me_path, "lookup: %s", strerror(error));
		return;
	}
	if (strcmp(st.ms_type, e->me_type) != 0)
		mf_error(e->me_path, "type %s, want %s", st.ms_type, e->me_type);
	if (st.ms_mode != e->me_mode)
		mf_error(e->me_path, "mode %04o, want %04o", st.ms_mode,
		    e->me_mode);
	if (st.ms_size != e->me_size && !(posix && !strcmp(e->me_type, "dir")))
		mf_error(e->me_path, "size %ju, want %ju",
		    (uintmax_t)st.ms_size, (uintmax_t)e->me_size);
	/*
	 * makefs sets mtime from the input tree only when it writes content
	 * or a target: empty files keep their creation time (an artefact).
	 */
	if ((!strcmp(e->me_type, "symlink") ||
		(!strcmp(e->me_type, "file") && e->me_size != 0)) &&
	    (st.ms_mtime_sec != e->me_mtime || st.ms_mtime_frac != 0))
		mf_error(e->me_path, "mtime %ju.%ju, want %ju",
		    (uintmax_t)st.ms_mtime_sec, (uintmax_t)st.ms_mtime_frac,
		    (uintmax_t)e->me_mtime);
	if (!strcmp(e->me_type, "file"))
		check_content(be, e);
	if (!strcmp(e->me_type, "symlink")) {
		error = be->mb_readlink(e->me_path, target, sizeof(target));
		if (error != 0)
			mf_error(e->me_path, "readlink: %s", strerror(error));
		else if (strcmp(target, e->me_target) != 0)
			mf_error(e->me_path, "symlink target differs");
	}
	if (e->me_hardlink != NULL) {
		o = mf_find(e->me_hardlink);
		if (o == NULL || be->mb_stat(o->me_path, &ost) != 0)
			mf_error(e->me_path, "hardlink partner missing");
		else if (ost.ms_ino != st.ms_ino || st.ms_nlinks != 2 ||
		    ost.ms_nlinks != 2)
			mf_error(e->me_path, "not a hardlink of its partner");
	}
}

struct walk_arg {
	const struct mf_backend *wa_be;
	char		wa_path[MF_PATHMAX];
	size_t		wa_found;
	int		wa_depth;
};

static int walk_dir(struct walk_arg *wa);

static int
walk_cb(const char *name, int isdir, void *arg)
{
	struct walk_arg *wa = arg;
	size_t len = strlen(wa->wa_path);
	struct mf_entry *e;

	snprintf(wa->wa_path + len, sizeof(wa->wa_path) - len, "%s%s",
	    len ? "/" : "", name);
	wa->wa_found++;
	e = mf_find(wa->wa_path);
	if (e == NULL)
		mf_error(wa->wa_path, "found by readdir, not in MANIFEST");
	else if (e->me_seen++)
		mf_error(wa->wa_path, "listed twice by readdir");
	if (isdir && wa->wa_depth < 64) {
		wa->wa_depth++;
		walk_dir(wa);
		wa->wa_depth--;
	}
	wa->wa_path[len] = '\0';
	return (0);
}

static int
walk_dir(struct walk_arg *wa)
{
	int error;

	error = wa->wa_be->mb_readdir(wa->wa_path, walk_cb, wa);
	if (error != 0)
		mf_error(wa->wa_path, "readdir: %s", strerror(error));
	return (0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: h2_manifest -d dir | -i image[@label] | "
	    "-o image[@label] | -w image[@label] manifest\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const struct mf_backend *be = NULL;
	struct hammer2_dev *dev = NULL;
	struct walk_arg *wa;
	char *path, *label;
	size_t i;
	int ch, error;

	while ((ch = getopt(argc, argv, "d:i:o:w:")) != -1) {
		switch (ch) {
		case 'd':
			posix_root = optarg;
			be = &posix_backend;
			break;
		case 'i':
			if (h2_split_image_label(optarg, &path, &label) != 0)
				return (1);
			error = h2_host_open(path, 0, &dev);
			if (error == 0)
				error = hammer2_pfs_open(dev, label, &core_pfs);
			if (error != 0) {
				fprintf(stderr, "h2_manifest: %s: %s\n", optarg,
				    strerror(error));
				return (1);
			}
			be = &core_backend;
			free(path);
			free(label);
			break;
		case 'o':
		case 'w':
			if (h2_split_image_label(optarg, &path, &label) != 0)
				return (1);
			error = h2_host_open(path, ch == 'o' ? 0 : H2_HOST_RDWR,
			    &dev);
			if (error == 0)
				error = hammer2_vfs_mount(dev, label, ch == 'o' ?
				    HAMMER2_MNT_RDONLY : 0, &ops_mp);
			if (error != 0) {
				fprintf(stderr, "h2_manifest: %s: %s\n", optarg,
				    strerror(error));
				return (1);
			}
			be = &ops_backend;
			free(path);
			free(label);
			break;
		default:
			usage();
		}
	}
	if (be == NULL || optind + 1 != argc)
		usage();
	if (mf_load(argv[optind]) != 0 || nentries == 0) {
		fprintf(stderr, "h2_manifest: %s: no entries\n", argv[optind]);
		return (1);
	}
	qsort(entries, nentries, sizeof(*entries), mf_cmp);
	for (i = 0; i < nentries; i++)
		check_entry(be, &entries[i], be == &posix_backend);
	wa = calloc(1, sizeof(*wa));
	wa->wa_be = be;
	walk_dir(wa);
	for (i = 0; i < nentries; i++)
		if (!entries[i].me_seen)
			mf_error(entries[i].me_path, "not found by readdir");
	if (wa->wa_found != nentries)
		mf_error(".", "readdir found %zu entries, MANIFEST has %zu",
		    wa->wa_found, nentries);
	printf("%s: %zu entries checked, %d mismatches\n", argv[optind],
	    nentries, nerrors);
	free(wa);
	for (i = 0; i < nentries; i++) {
		free(entries[i].me_path);
		free(entries[i].me_target);
		free(entries[i].me_hardlink);
	}
	free(entries);
	if (ops_mp != NULL && hammer2_vfs_unmount(ops_mp) != 0)
		mf_error(".", "unmount failed");
	if (dev != NULL)
		h2_host_close(dev);
	return (nerrors == 0 ? 0 : 1);
}
