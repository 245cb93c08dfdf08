/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_crashload.c - the crash harness's workload: random file-system
 * operations through the core's ops layer (hammer2_vnops.h) on one
 * read-write PFS, with fsync markers for h2_crashreplay.
 *
 * Model: an in-memory model holds CL_NINODES files (contents up to
 * CL_MAX_BYTES, so small embedded files, 64 KiB blocks, holes and zero
 * runs all occur) and the names that point at them: "fN" in the root or
 * in the directories d1 and d2, hard links included.  Each step is one
 * of: write (random bytes, zeros or a copy of another file's block, for
 * dedup), truncate (shrink or extend), create, link, unlink, rename
 * (within or across directories, over an existing name or not), a new
 * compression and check method (none, autozero, LZ4, zlib; none,
 * CRC32C, xxhash64, SHA-192), a symlink created or removed, an empty
 * directory made, removed or renamed (over another empty one too),
 * fsync of a file, or a whole commit (hammer2_vfs_sync).  With -x, one
 * step in six is instead a snapshot of DATA ("snapN", marked "FILE
 * snapN:/path ..." for every name then: a snapshot never changes), a
 * bulkfree, or an open-unlinked file (opened, every name removed, then
 * written and read back while unlinked, released later).  The device is opened
 * through h2_host_open(), so $H2_WLOG records it; markers go in order:
 *   DIRTY /path        before an operation changes what path shows;
 *   FILE /path n hash  after hammer2_vop_fsync() of the file (and of
 *                      its directory when its name changed) returned;
 *   GONE /path         after a commit, for each name that no longer
 *                      exists; DIR /path and LINK /path target after a
 *                      commit, for the directories and symlinks.
 * At the end every file is read back through the ops layer and compared
 * with the model, the PFS is unmounted (a commit), and every name is
 * marked.
 *
 * Invariants: the model and the file system agree after every step;
 * any unexpected errno stops the run (exit 1) naming the step.  Exit 3
 * means the ops layer refused to mount read-write or to create (not
 * implemented yet), which the suite reports as SKIP.
 *
 * Locking: single-threaded program.
 *
 * More: tests/hammer2/crash/h2_crashreplay.c, tests/suites/hammer2-crash.sh.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libhammer2.h"
#include "hammer2_chain.h"
#include "hammer2_pfs.h"
#include "hammer2_vnops.h"

#define CL_NINODES	8
#define CL_NDIRS	3		/* root, d1, d2 */
#define CL_NNAMES	16
#define CL_NLINKS	4		/* symlinks "lN" per directory */
#define CL_NSDIRS	4		/* empty directories "sN" in root */
#define CL_TARGET_BYTES	24
#define CL_MAX_BYTES	(1024 * 1024)	/* 16 blocks: indirect blocks */
#define CL_MAX_WRITE	(70 * 1024)
#define CL_BLOCK_BYTES	65536
#define CL_SMALL_BYTES	512
#define CL_PATH_BYTES	32
#define CL_FILE_MODE	0644
#define CL_DIR_MODE	0755
#define CL_EXIT_NOTREADY 3
#define CL_NSNAPS	3		/* -x: snapshots "snapN" of DATA */

struct cl_inode {
	hammer2_tid_t	 i_inum;	/* 0: not allocated */
	uint64_t	 i_size;
	uint8_t		*i_data;	/* CL_MAX_BYTES */
};

struct cl_name {
	int		 n_ino;		/* -1: no such name */
	bool		 n_ever;	/* existed once: GONE after commit */
};

struct cl_link {
	char		 k_target[CL_TARGET_BYTES];	/* "": no symlink */
	bool		 k_ever;
};

struct cl_sdir {
	bool		 s_exists;
	bool		 s_ever;
};

struct cl {
	struct hammer2_dev	*l_dev;
	struct hammer2_mount	*l_mp;
	uint64_t		 l_rng;
	long			 l_step;
	hammer2_tid_t		 l_dirs[CL_NDIRS];
	struct cl_inode		 l_ino[CL_NINODES];
	struct cl_name		 l_names[CL_NDIRS][CL_NNAMES];
	struct cl_link		 l_links[CL_NDIRS][CL_NLINKS];
	struct cl_sdir		 l_sdirs[CL_NSDIRS];
	uint8_t			*l_buf;
	bool			 l_extended;	/* -x: the ops below too */
	int			 l_nsnaps;
	hammer2_tid_t		 l_orphan;	/* open, unlinked; 0: none */
	uint64_t		 l_orphan_size;
	uint8_t			*l_orphan_data;	/* CL_MAX_BYTES */
};

static const char *const cl_dirnames[CL_NDIRS] = { "", "d1", "d2" };

static uint64_t
cl_rand(struct cl *l)
{
	l->l_rng ^= l->l_rng << 13;
	l->l_rng ^= l->l_rng >> 7;
	l->l_rng ^= l->l_rng << 17;
	return (l->l_rng);
}

static void
cl_die(struct cl *l, const char *what, int error)
{
	printf("h2_crashload: step %ld: %s: %s\n", l->l_step, what,
	    strerror(error));
	exit(1);
}

static void
cl_path(int d, int n, char *buf, size_t len)
{
	if (d == 0)
		snprintf(buf, len, "/f%d", n);
	else
		snprintf(buf, len, "/%s/f%d", cl_dirnames[d], n);
}

static void
cl_name(int n, char *buf, size_t len)
{
	snprintf(buf, len, "f%d", n);
}

static void
cl_mark(struct cl *l, const char *text)
{
	int error = h2_wlog_mark(l->l_dev, text);

	if (error != 0)
		cl_die(l, "marker", error);
}

static void cl_mark_text(struct cl *l, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static void
cl_mark_path(struct cl *l, const char *kind, int d, int n)
{
	char path[CL_PATH_BYTES], text[H2_WLOG_MARK_MAXBYTES];
	const struct cl_inode *ip;

	cl_path(d, n, path, sizeof(path));
	if (strcmp(kind, "FILE") == 0) {
		ip = &l->l_ino[l->l_names[d][n].n_ino];
		snprintf(text, sizeof(text), "FILE %s %" PRIu64 " %016" PRIx64,
		    path, ip->i_size,
		    h2_wlog_hash(H2_WLOG_HASH_INIT, ip->i_data, ip->i_size));
	} else {
		snprintf(text, sizeof(text), "%s %s", kind, path);
	}
	cl_mark(l, text);
}

/* Every name of inode i is about to show something new. */
static void
cl_dirty_inode(struct cl *l, int i)
{
	int d, n;

	for (d = 0; d < CL_NDIRS; d++)
		for (n = 0; n < CL_NNAMES; n++)
			if (l->l_names[d][n].n_ino == i)
				cl_mark_path(l, "DIRTY", d, n);
}

static int
cl_pick_inode(struct cl *l)
{
	int i, k;

	for (k = 0; k < 2 * CL_NINODES; k++) {
		i = (int)(cl_rand(l) % CL_NINODES);
		if (l->l_ino[i].i_inum != 0)
			return (i);
	}
	return (-1);
}

/* Fill len bytes: random, zeros, or a copy of another file's block. */
static void
cl_fill(struct cl *l, uint8_t *p, size_t len)
{
	int kind = (int)(cl_rand(l) % 4), j;
	size_t k;

	if (kind == 0) {
		memset(p, 0, len);
	} else if (kind == 1 && (j = cl_pick_inode(l)) >= 0) {
		for (k = 0; k < len; k++)
			p[k] = l->l_ino[j].i_data[k % CL_BLOCK_BYTES];
	} else {
		for (k = 0; k < len; k++)
			p[k] = (uint8_t)cl_rand(l);
	}
}

static void
cl_op_write(struct cl *l)
{
	struct cl_inode *ip;
	uint64_t off, len;
	int i, error;

	if ((i = cl_pick_inode(l)) < 0)
		return;
	ip = &l->l_ino[i];
	off = cl_rand(l) % (cl_rand(l) & 1 ? CL_SMALL_BYTES : CL_MAX_BYTES);
	len = 1 + cl_rand(l) % (cl_rand(l) & 1 ? CL_SMALL_BYTES : CL_MAX_WRITE);
	if (off + len > CL_MAX_BYTES)
		len = CL_MAX_BYTES - off;
	cl_dirty_inode(l, i);
	cl_fill(l, l->l_buf, len);
	cl_mark_text(l, "OP write inum %#" PRIx64 " off %" PRIu64 " len %"
	    PRIu64, ip->i_inum, off, len);
	error = hammer2_vop_write(l->l_mp, ip->i_inum, off, l->l_buf, len);
	if (error != 0)
		cl_die(l, "write", error);
	memcpy(ip->i_data + off, l->l_buf, len);
	if (off + len > ip->i_size)
		ip->i_size = off + len;
}

static void
cl_op_truncate(struct cl *l)
{
	struct hammer2_vattr va, got;
	struct cl_inode *ip;
	uint64_t size;
	int i, error;

	if ((i = cl_pick_inode(l)) < 0)
		return;
	ip = &l->l_ino[i];
	size = cl_rand(l) % CL_MAX_BYTES;
	cl_dirty_inode(l, i);
	memset(&va, 0, sizeof(va));
	va.va_size = size;
	cl_mark_text(l, "OP truncate inum %#" PRIx64 " size %" PRIu64,
	    ip->i_inum, size);
	error = hammer2_vop_setattr(l->l_mp, ip->i_inum, &va, HAMMER2_VA_SIZE,
	    &got);
	if (error != 0)
		cl_die(l, "truncate", error);
	if (size < ip->i_size)
		memset(ip->i_data + size, 0, ip->i_size - size);
	ip->i_size = size;
}

static int
cl_free_inode(struct cl *l)
{
	int i;

	for (i = 0; i < CL_NINODES; i++)
		if (l->l_ino[i].i_inum == 0)
			return (i);
	return (-1);
}

/* The model forgets inode i when its last name goes away. */
static void
cl_maybe_free(struct cl *l, int i)
{
	int d, n;

	for (d = 0; d < CL_NDIRS; d++)
		for (n = 0; n < CL_NNAMES; n++)
			if (l->l_names[d][n].n_ino == i)
				return;
	l->l_ino[i].i_inum = 0;
	l->l_ino[i].i_size = 0;
	memset(l->l_ino[i].i_data, 0, CL_MAX_BYTES);
}

/* Drop name (d, n) from the model (the file system did it already). */
static void
cl_unname(struct cl *l, int d, int n)
{
	int i = l->l_names[d][n].n_ino;

	l->l_names[d][n].n_ino = -1;
	if (i >= 0)
		cl_maybe_free(l, i);
}

static void
cl_op_create(struct cl *l)
{
	struct hammer2_vattr va, got;
	char name[CL_PATH_BYTES];
	int d = (int)(cl_rand(l) % CL_NDIRS), n, i, error;

	n = (int)(cl_rand(l) % CL_NNAMES);
	if (l->l_names[d][n].n_ino >= 0 || (i = cl_free_inode(l)) < 0)
		return;
	cl_name(n, name, sizeof(name));
	cl_mark_path(l, "DIRTY", d, n);
	memset(&va, 0, sizeof(va));
	va.va_type = HAMMER2_OBJTYPE_REGFILE;
	va.va_mode = CL_FILE_MODE;
	error = hammer2_vop_create(l->l_mp, l->l_dirs[d], name, strlen(name),
	    &va, NULL, 0, &got);
	if (error != 0)
		cl_die(l, "create", error);
	cl_mark_text(l, "OP created dir %d name %s inum %#" PRIx64, d, name,
	    got.va_inum);
	l->l_ino[i].i_inum = got.va_inum;
	l->l_ino[i].i_size = 0;
	l->l_names[d][n].n_ino = i;
	l->l_names[d][n].n_ever = true;
}

static void
cl_op_link(struct cl *l)
{
	struct hammer2_vattr got;
	char name[CL_PATH_BYTES];
	int d = (int)(cl_rand(l) % CL_NDIRS), n, i, error;

	n = (int)(cl_rand(l) % CL_NNAMES);
	if (l->l_names[d][n].n_ino >= 0 || (i = cl_pick_inode(l)) < 0)
		return;
	cl_name(n, name, sizeof(name));
	cl_mark_path(l, "DIRTY", d, n);
	cl_mark_text(l, "OP link inum %#" PRIx64 " dir %d name %s",
	    l->l_ino[i].i_inum, d, name);
	error = hammer2_vop_link(l->l_mp, l->l_ino[i].i_inum, l->l_dirs[d],
	    name, strlen(name), &got);
	if (error != 0)
		cl_die(l, "link", error);
	l->l_names[d][n].n_ino = i;
	l->l_names[d][n].n_ever = true;
}

static void
cl_op_unlink(struct cl *l)
{
	char name[CL_PATH_BYTES];
	int d = (int)(cl_rand(l) % CL_NDIRS), n, error;

	n = (int)(cl_rand(l) % CL_NNAMES);
	if (l->l_names[d][n].n_ino < 0)
		return;
	cl_name(n, name, sizeof(name));
	cl_mark_path(l, "DIRTY", d, n);
	cl_mark_text(l, "OP unlink dir %d name %s", d, name);
	error = hammer2_vop_remove(l->l_mp, l->l_dirs[d], name, strlen(name),
	    0);
	if (error != 0)
		cl_die(l, "unlink", error);
	cl_unname(l, d, n);
}

static void
cl_op_rename(struct cl *l)
{
	char sname[CL_PATH_BYTES], tname[CL_PATH_BYTES];
	int sd = (int)(cl_rand(l) % CL_NDIRS), td = (int)(cl_rand(l) % CL_NDIRS);
	int sn = (int)(cl_rand(l) % CL_NNAMES), tn = (int)(cl_rand(l) %
	    CL_NNAMES);
	int i, error;

	i = l->l_names[sd][sn].n_ino;
	if (i < 0 || (sd == td && sn == tn))
		return;
	cl_name(sn, sname, sizeof(sname));
	cl_name(tn, tname, sizeof(tname));
	cl_mark_path(l, "DIRTY", sd, sn);
	cl_mark_path(l, "DIRTY", td, tn);
	cl_mark_text(l, "OP rename dir %d name %s to dir %d name %s", sd,
	    sname, td, tname);
	error = hammer2_vop_rename(l->l_mp, l->l_dirs[sd], sname,
	    strlen(sname), l->l_dirs[td], tname, strlen(tname), 0);
	if (error != 0)
		cl_die(l, "rename", error);
	if (l->l_names[td][tn].n_ino == i) {
		/* POSIX: both names are links to one file: nothing happens. */
		return;
	}
	l->l_names[sd][sn].n_ino = -1;
	cl_unname(l, td, tn);
	l->l_names[td][tn].n_ino = i;
	l->l_names[td][tn].n_ever = true;
}

/* New data of a file gets another compression and check method. */
static void
cl_op_methods(struct cl *l)
{
	static const uint8_t comps[] = { HAMMER2_COMP_NONE,
	    HAMMER2_COMP_AUTOZERO, HAMMER2_COMP_LZ4, HAMMER2_COMP_ZLIB };
	static const uint8_t checks[] = { HAMMER2_CHECK_NONE,
	    HAMMER2_CHECK_ISCSI32, HAMMER2_CHECK_XXHASH64,
	    HAMMER2_CHECK_SHA192 };
	struct hammer2_vattr va, got;
	int i, error;

	if ((i = cl_pick_inode(l)) < 0)
		return;
	memset(&va, 0, sizeof(va));
	va.va_comp_algo = comps[cl_rand(l) % sizeof(comps)];
	va.va_check_algo = checks[cl_rand(l) % sizeof(checks)];
	cl_dirty_inode(l, i);	/* contents stay; the inode changes */
	cl_mark_text(l, "OP methods inum %#" PRIx64 " comp %u check %u",
	    l->l_ino[i].i_inum, va.va_comp_algo, va.va_check_algo);
	error = hammer2_vop_setattr(l->l_mp, l->l_ino[i].i_inum, &va,
	    HAMMER2_VA_COMP | HAMMER2_VA_CHECK, &got);
	if (error != 0)
		cl_die(l, "setattr comp/check", error);
}

/* fsync a file and its directory; then its name and contents are durable. */
static void
cl_op_fsync(struct cl *l)
{
	int d = (int)(cl_rand(l) % CL_NDIRS), n, error;

	n = (int)(cl_rand(l) % CL_NNAMES);
	if (l->l_names[d][n].n_ino < 0)
		return;
	cl_mark_text(l, "OP fsync inum %#" PRIx64 " and dir %d",
	    l->l_ino[l->l_names[d][n].n_ino].i_inum, d);
	error = hammer2_vop_fsync(l->l_mp,
	    l->l_ino[l->l_names[d][n].n_ino].i_inum);
	if (error == 0)
		error = hammer2_vop_fsync(l->l_mp, l->l_dirs[d]);
	if (error != 0)
		cl_die(l, "fsync", error);
	cl_mark_path(l, "FILE", d, n);
}

/* Markers the replayer ignores ("OP ...") say what each step did. */
static void
cl_mark_text(struct cl *l, const char *fmt, ...)
{
	char text[H2_WLOG_MARK_MAXBYTES];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	cl_mark(l, text);
}

static void
cl_link_path(int d, int n, char *buf, size_t len)
{
	if (d == 0)
		snprintf(buf, len, "/l%d", n);
	else
		snprintf(buf, len, "/%s/l%d", cl_dirnames[d], n);
}

/* Symlink lN in a directory: create it, or remove it. */
static void
cl_op_symlink(struct cl *l)
{
	struct hammer2_vattr va, got;
	char name[CL_PATH_BYTES], path[CL_PATH_BYTES];
	int d = (int)(cl_rand(l) % CL_NDIRS), n, error;
	struct cl_link *k;

	n = (int)(cl_rand(l) % CL_NLINKS);
	k = &l->l_links[d][n];
	snprintf(name, sizeof(name), "l%d", n);
	cl_link_path(d, n, path, sizeof(path));
	cl_mark_text(l, "DIRTY %s", path);
	if (k->k_target[0] != '\0') {
		error = hammer2_vop_remove(l->l_mp, l->l_dirs[d], name,
		    strlen(name), 0);
		if (error != 0)
			cl_die(l, "remove symlink", error);
		k->k_target[0] = '\0';
		return;
	}
	snprintf(k->k_target, sizeof(k->k_target), "t%08x",
	    (unsigned)cl_rand(l));
	memset(&va, 0, sizeof(va));
	va.va_type = HAMMER2_OBJTYPE_SOFTLINK;
	va.va_mode = CL_DIR_MODE;
	error = hammer2_vop_create(l->l_mp, l->l_dirs[d], name, strlen(name),
	    &va, k->k_target, strlen(k->k_target), &got);
	if (error != 0)
		cl_die(l, "symlink", error);
	k->k_ever = true;
}

/* Empty directory sN in root: mkdir, rmdir, or rename (maybe over one). */
static void
cl_op_subdir(struct cl *l)
{
	struct hammer2_vattr va, got;
	char name[CL_PATH_BYTES], tname[CL_PATH_BYTES];
	int n = (int)(cl_rand(l) % CL_NSDIRS), t, error;

	t = (int)(cl_rand(l) % CL_NSDIRS);
	snprintf(name, sizeof(name), "s%d", n);
	snprintf(tname, sizeof(tname), "s%d", t);
	cl_mark_text(l, "DIRTY /%s", name);
	if (!l->l_sdirs[n].s_exists) {
		memset(&va, 0, sizeof(va));
		va.va_type = HAMMER2_OBJTYPE_DIRECTORY;
		va.va_mode = CL_DIR_MODE;
		error = hammer2_vop_create(l->l_mp, l->l_dirs[0], name,
		    strlen(name), &va, NULL, 0, &got);
		if (error != 0)
			cl_die(l, "mkdir", error);
		l->l_sdirs[n].s_exists = l->l_sdirs[n].s_ever = true;
	} else if (t == n || cl_rand(l) & 1) {
		error = hammer2_vop_remove(l->l_mp, l->l_dirs[0], name,
		    strlen(name), 1);
		if (error != 0)
			cl_die(l, "rmdir", error);
		l->l_sdirs[n].s_exists = false;
	} else {
		cl_mark_text(l, "DIRTY /%s", tname);
		error = hammer2_vop_rename(l->l_mp, l->l_dirs[0], name,
		    strlen(name), l->l_dirs[0], tname, strlen(tname), 0);
		if (error != 0)
			cl_die(l, "rename directory", error);
		l->l_sdirs[n].s_exists = false;
		l->l_sdirs[t].s_exists = l->l_sdirs[t].s_ever = true;
	}
}

/* After a commit: every name is durable as it is now. */
static void
cl_mark_all(struct cl *l)
{
	char path[CL_PATH_BYTES];
	int d, n;

	for (d = 0; d < CL_NDIRS; d++)
		for (n = 0; n < CL_NNAMES; n++)
			if (l->l_names[d][n].n_ino >= 0)
				cl_mark_path(l, "FILE", d, n);
			else if (l->l_names[d][n].n_ever)
				cl_mark_path(l, "GONE", d, n);
	for (d = 0; d < CL_NDIRS; d++) {
		for (n = 0; n < CL_NLINKS; n++) {
			cl_link_path(d, n, path, sizeof(path));
			if (l->l_links[d][n].k_target[0] != '\0')
				cl_mark_text(l, "LINK %s %s", path,
				    l->l_links[d][n].k_target);
			else if (l->l_links[d][n].k_ever)
				cl_mark_text(l, "GONE %s", path);
		}
	}
	for (n = 0; n < CL_NSDIRS; n++)
		if (l->l_sdirs[n].s_exists)
			cl_mark_text(l, "DIR /s%d", n);
		else if (l->l_sdirs[n].s_ever)
			cl_mark_text(l, "GONE /s%d", n);
}

static void
cl_op_sync(struct cl *l)
{
	int error;

	cl_mark_text(l, "OP sync");
	error = hammer2_vfs_sync(l->l_mp);
	if (error != 0)
		cl_die(l, "sync", error);
	cl_mark_all(l);
}

/*
 * -x: a snapshot of DATA after a commit.  Its names never change, so
 * every later crash image must show them: "FILE snapN:/path" markers.
 */
static void
cl_op_snapshot(struct cl *l)
{
	struct hammer2_pfs_ids ids;
	char label[16], path[CL_PATH_BYTES];
	const struct cl_inode *ip;
	int d, n, error;

	if (l->l_nsnaps >= CL_NSNAPS)
		return;
	cl_op_sync(l);
	snprintf(label, sizeof(label), "snap%d", l->l_nsnaps++);
	memset(&ids, 0, sizeof(ids));
	memset(&ids.pi_clid, l->l_nsnaps, sizeof(ids.pi_clid));
	memset(&ids.pi_fsid, 0x40 + l->l_nsnaps, sizeof(ids.pi_fsid));
	cl_mark_text(l, "OP snapshot %s", label);
	error = hammer2_pfs_snapshot(l->l_dev, "DATA", label, &ids);
	if (error != 0)
		cl_die(l, "snapshot", error);
	for (d = 0; d < CL_NDIRS; d++) {
		for (n = 0; n < CL_NNAMES; n++) {
			if (l->l_names[d][n].n_ino < 0)
				continue;
			ip = &l->l_ino[l->l_names[d][n].n_ino];
			cl_path(d, n, path, sizeof(path));
			cl_mark_text(l, "FILE %s:%s %" PRIu64 " %016" PRIx64,
			    label, path, ip->i_size, h2_wlog_hash(
			    H2_WLOG_HASH_INIT, ip->i_data, ip->i_size));
		}
	}
}

/* -x: bulkfree (commits, frees what no header or snapshot reaches). */
static void
cl_op_bulkfree(struct cl *l)
{
	struct hammer2_bulkfree_stats bs;
	int error;

	cl_mark_text(l, "OP bulkfree");
	error = hammer2_vfs_sync(l->l_mp);
	if (error == 0)
		error = hammer2_bulkfree(l->l_dev, &bs);
	if (error != 0)
		cl_die(l, "bulkfree", error);
	cl_mark_all(l);
}

/* Read the orphan back and compare it with its model. */
static void
cl_orphan_verify(struct cl *l)
{
	uint64_t off;
	size_t done;
	int error;

	for (off = 0; off < l->l_orphan_size; off += done) {
		error = hammer2_vop_read(l->l_mp, l->l_orphan, off, l->l_buf,
		    CL_MAX_BYTES, &done);
		if (error != 0)
			cl_die(l, "read the open unlinked file", error);
		if (done == 0 || off + done > l->l_orphan_size ||
		    memcmp(l->l_buf, l->l_orphan_data + off, done) != 0) {
			printf("h2_crashload: step %ld: the open unlinked file "
			    "differs from the model at or after byte %" PRIu64
			    "\n", l->l_step, off);
			exit(1);
		}
	}
}

/*
 * -x: open-unlinked files.  With none held: open a file and remove every
 * name of it (commits may now write an inode with nlinks 0).  With one
 * held: write to it and read it back, or release it (it is destroyed).
 */
static void
cl_op_orphan(struct cl *l)
{
	char name[CL_PATH_BYTES];
	uint64_t off, len;
	int i, d, n, error;

	if (l->l_orphan != 0 && cl_rand(l) % 3 == 0) {
		cl_mark_text(l, "OP release %#" PRIx64, l->l_orphan);
		cl_orphan_verify(l);
		if ((error = hammer2_vop_release(l->l_mp, l->l_orphan)) != 0)
			cl_die(l, "release", error);
		l->l_orphan = 0;
		return;
	}
	if (l->l_orphan != 0) {
		off = cl_rand(l) % CL_MAX_BYTES;
		len = 1 + cl_rand(l) % CL_MAX_WRITE;
		if (off + len > CL_MAX_BYTES)
			len = CL_MAX_BYTES - off;
		cl_fill(l, l->l_buf, len);
		cl_mark_text(l, "OP write unlinked %#" PRIx64, l->l_orphan);
		error = hammer2_vop_write(l->l_mp, l->l_orphan, off, l->l_buf,
		    len);
		if (error != 0)
			cl_die(l, "write the open unlinked file", error);
		memcpy(l->l_orphan_data + off, l->l_buf, len);
		if (off + len > l->l_orphan_size)
			l->l_orphan_size = off + len;
		cl_orphan_verify(l);
		return;
	}
	if ((i = cl_pick_inode(l)) < 0)
		return;
	l->l_orphan = l->l_ino[i].i_inum;
	l->l_orphan_size = l->l_ino[i].i_size;
	memcpy(l->l_orphan_data, l->l_ino[i].i_data, CL_MAX_BYTES);
	cl_mark_text(l, "OP open and unlink %#" PRIx64, l->l_orphan);
	if ((error = hammer2_vop_open(l->l_mp, l->l_orphan)) != 0)
		cl_die(l, "open", error);
	cl_dirty_inode(l, i);
	for (d = 0; d < CL_NDIRS; d++) {
		for (n = 0; n < CL_NNAMES; n++) {
			if (l->l_names[d][n].n_ino != i)
				continue;
			cl_name(n, name, sizeof(name));
			error = hammer2_vop_remove(l->l_mp, l->l_dirs[d], name,
			    strlen(name), 0);
			if (error != 0)
				cl_die(l, "unlink an open file", error);
			cl_unname(l, d, n);
		}
	}
}

static void
cl_step(struct cl *l)
{
	static void (*const ops[])(struct cl *) = {
		cl_op_create, cl_op_create, cl_op_create,
		cl_op_write, cl_op_write, cl_op_write, cl_op_write,
		cl_op_truncate, cl_op_link, cl_op_unlink, cl_op_unlink,
		cl_op_rename, cl_op_rename, cl_op_fsync, cl_op_fsync,
		cl_op_sync, cl_op_methods, cl_op_symlink, cl_op_subdir,
	};

	static void (*const xops[])(struct cl *) = {
		cl_op_snapshot, cl_op_bulkfree, cl_op_orphan, cl_op_orphan,
	};

	if (l->l_extended && cl_rand(l) % 6 == 0)
		xops[cl_rand(l) % (sizeof(xops) / sizeof(xops[0]))](l);
	else
		ops[cl_rand(l) % (sizeof(ops) / sizeof(ops[0]))](l);
}

/* Read every file back through the ops layer and compare. */
static void
cl_verify(struct cl *l)
{
	struct cl_inode *ip;
	uint64_t off;
	size_t done;
	int i, error;

	for (i = 0; i < CL_NINODES; i++) {
		ip = &l->l_ino[i];
		if (ip->i_inum == 0)
			continue;
		for (off = 0; off < ip->i_size; off += done) {
			error = hammer2_vop_read(l->l_mp, ip->i_inum, off,
			    l->l_buf, CL_MAX_BYTES, &done);
			if (error != 0)
				cl_die(l, "read back", error);
			if (done == 0 || off + done > ip->i_size ||
			    memcmp(l->l_buf, ip->i_data + off, done) != 0) {
				printf("h2_crashload: inode %" PRIu64 " differs "
				    "from the model at or after byte %" PRIu64
				    "\n", ip->i_inum, off);
				exit(1);
			}
		}
	}
}

static int
cl_setup(struct cl *l, const char *img)
{
	struct hammer2_vattr va, got;
	int d, n, i, error;

	error = h2_host_open(img, H2_HOST_RDWR, &l->l_dev);
	if (error != 0)
		cl_die(l, "open", error);
	error = hammer2_vfs_mount(l->l_dev, "DATA", 0, &l->l_mp);
	if (error != 0) {
		printf("h2_crashload: read-write mount: %s\n", strerror(error));
		return (CL_EXIT_NOTREADY);
	}
	l->l_dirs[0] = hammer2_vfs_root(l->l_mp);
	for (d = 1; d < CL_NDIRS; d++) {
		memset(&va, 0, sizeof(va));
		va.va_type = HAMMER2_OBJTYPE_DIRECTORY;
		va.va_mode = CL_DIR_MODE;
		error = hammer2_vop_create(l->l_mp, l->l_dirs[0], cl_dirnames[d],
		    strlen(cl_dirnames[d]), &va, NULL, 0, &got);
		if (error != 0) {
			printf("h2_crashload: mkdir: %s\n", strerror(error));
			return (CL_EXIT_NOTREADY);
		}
		l->l_dirs[d] = got.va_inum;
	}
	for (d = 0; d < CL_NDIRS; d++)
		for (n = 0; n < CL_NNAMES; n++)
			l->l_names[d][n].n_ino = -1;
	for (i = 0; i < CL_NINODES; i++) {
		l->l_ino[i].i_data = calloc(1, CL_MAX_BYTES);
		if (l->l_ino[i].i_data == NULL)
			cl_die(l, "model", ENOMEM);
	}
	l->l_buf = calloc(1, CL_MAX_BYTES);
	l->l_orphan_data = calloc(1, CL_MAX_BYTES);
	if (l->l_buf == NULL || l->l_orphan_data == NULL)
		cl_die(l, "model", ENOMEM);
	return (0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: h2_crashload [-x] [-n steps] [-s seed] image\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct cl l;
	long steps = 300;
	int ch, error, i;

	l.l_rng = 1;
	while ((ch = getopt(argc, argv, "n:s:x")) != -1) {
		switch (ch) {
		case 'n':
			steps = strtol(optarg, NULL, 0);
			break;
		case 's':
			l.l_rng = 2 * strtoull(optarg, NULL, 0) + 1;
			break;
		case 'x':
			l.l_extended = true;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || steps < 0)
		usage();
	error = cl_setup(&l, argv[optind]);
	if (error != 0)
		return (error);
	for (l.l_step = 0; l.l_step < steps; l.l_step++)
		cl_step(&l);
	cl_verify(&l);
	if (l.l_orphan != 0) {
		cl_orphan_verify(&l);
		if ((error = hammer2_vop_release(l.l_mp, l.l_orphan)) != 0)
			cl_die(&l, "release", error);
	}
	error = hammer2_vfs_unmount(l.l_mp);
	if (error != 0)
		cl_die(&l, "unmount", error);
	cl_mark_all(&l);
	h2_host_close(l.l_dev);
	for (i = 0; i < CL_NINODES; i++)
		free(l.l_ino[i].i_data);
	free(l.l_buf);
	free(l.l_orphan_data);
	printf("h2_crashload: %ld steps done\n", steps);
	return (0);
}
