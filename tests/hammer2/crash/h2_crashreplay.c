/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_crashreplay.c - replay a recorded HAMMER2 write log (h2_wlog.c) into
 * crash images and check each one.
 *
 * Model: the log is the program-order list of a workload's device writes,
 * sync barriers and markers.  A crash "cut" k keeps the first k records.
 * Writes before the last SYNC record below k are durable; the writes of
 * the open epoch (after that SYNC, below k) were in flight, so the disk
 * may hold any subset of them, written in any order.  For each cut the
 * replayer builds several images on top of base + durable writes:
 *   all      every in-flight write, in program order (the plain prefix);
 *   last     only the newest in-flight write;
 *   nolast   all in-flight writes but the newest;
 *   randN    a random subset in a random order (-r of them).
 * Every image must pass fsck_hammer2 (run as a process, -F), open
 * read-only with its PFS (-L), and agree with the markers below the cut:
 *   FILE /path size hash   the file exists with exactly that content
 *                          (h2_wlog_hash of its bytes);
 *   DIR /path              the path is a directory;
 *   LINK /path target      the path is a symlink to target;
 *   GONE /path             the path does not exist;
 *   DIRTY /path            the path is being changed: not checked until
 *                          its next FILE or GONE marker.
 * -P checks the "all" images only (to show what reordering adds); -S
 * ignores every sync barrier but the last, as if the writer never
 * flushed (a real log replayed so must fail: a test of the harness).
 * With more cuts than -n, -n random cuts are checked (always the first
 * and last).  A failing image is reported with its cut, epoch, variant
 * and the check that failed, and kept in -k DIR.  -f only writes base +
 * every write in order into work (to compare with the recorded device).
 *
 * Invariants: the work image equals base + durable writes between
 * images; each variant's writes are undone (old bytes saved before each
 * write) before the next one.  A malformed log or base is exit 2 with a
 * message, failures exit 1, a clean run exit 0.
 *
 * Locking: single-threaded program.
 *
 * More: tests/suites/hammer2-crash.sh, issue 6 ("Crash safety").
 */

#define _GNU_SOURCE	/* SEEK_DATA, SEEK_HOLE, environ */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <time.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libhammer2.h"

#define CR_MAX_CUTS		2000
#define CR_RANDOM_VARIANTS	4
#define CR_FSCK_TIMEOUT_SEC	60
#define CR_FSCK_TIMED_OUT	(-1)
#define CR_EXEC_FAILED		127	/* posix_spawn child's exec failed */
#define CR_WRONG_TYPE		(-1)	/* cr_node_ok(): not errnos */
#define CR_WRONG_TARGET		(-2)
#define CR_POLL_NSEC		100000	/* 0.1 ms */
#define CR_MAX_KEPT		5
#define CR_MAX_PRINTED		20
#define CR_COPY_BYTES		(1 << 20)
#define CR_OUT_TAIL_BYTES	2000
#define CR_WHY_BYTES		(CR_OUT_TAIL_BYTES + 4096)

enum cr_state { CR_FILE, CR_GONE, CR_DIRTY, CR_DIR, CR_LINK };

struct cr_rec {
	uint32_t	 r_type;
	uint32_t	 r_len;
	uint64_t	 r_off;
	const uint8_t	*r_data;
};

struct cr_expect {		/* what the markers say about one path */
	char		*e_path;
	enum cr_state	 e_state;
	uint64_t	 e_size;
	uint64_t	 e_hash;
	char		*e_target;	/* CR_LINK: the symlink's target */
};

struct cr_undo {
	uint64_t	 u_off;
	uint32_t	 u_len;
	uint8_t		*u_old;
};

struct cr {
	const char	*c_fsck;	/* fsck_hammer2 binary */
	const char	*c_label;	/* PFS to open */
	const char	*c_work;	/* work image path */
	const char	*c_keep;	/* directory for failing images */
	int		 c_fd;		/* work image */
	int		 c_verbose;
	int		 c_stop;	/* -x: stop at the first failure */
	int		 c_prefix_only;	/* -P: no reordering (harness test) */
	int		 c_nosync;	/* -S: ignore barriers (harness test) */
	uint64_t	 c_rng;
	uint8_t		*c_logbuf;
	uint64_t	 c_devsize;
	struct cr_rec	*c_recs;
	size_t		 c_nrecs;
	struct cr_expect *c_exp;
	size_t		 c_nexp;
	size_t		*c_wr;		/* in-flight write indices */
	size_t		 c_nwr;
	struct cr_undo	*c_undo;
	size_t		 c_nundo;
	char		 c_why[CR_WHY_BYTES]; /* last failing check */
	size_t		 c_images, c_failures, c_kept, c_markers_checked;
};

static void cr_fatal(const char *fmt, ...)
    __attribute__((__format__(__printf__, 1, 2), __noreturn__));

static void
cr_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "h2_crashreplay: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void *
cr_xalloc(size_t n)
{
	void *p = calloc(1, n == 0 ? 1 : n);

	if (p == NULL)
		cr_fatal("out of memory");
	return (p);
}

static uint64_t
cr_rand(struct cr *c)
{
	c->c_rng ^= c->c_rng << 13;
	c->c_rng ^= c->c_rng >> 7;
	c->c_rng ^= c->c_rng << 17;
	return (c->c_rng);
}

static uint8_t *
cr_read_file(const char *path, size_t *lenp)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0)
		cr_fatal("%s: %s", path, strerror(errno));
	buf = cr_xalloc((size_t)st.st_size);
	while (done < (size_t)st.st_size) {
		n = read(fd, buf + done, (size_t)st.st_size - done);
		if (n <= 0)
			cr_fatal("%s: read failed", path);
		done += (size_t)n;
	}
	close(fd);
	*lenp = done;
	return (buf);
}

/* Parse and validate the whole log; any malformation is fatal. */
static void
cr_load_log(struct cr *c, const char *path)
{
	struct h2_wlog_head head;
	struct h2_wlog_rec rec;
	size_t len, pos, cap = 0;

	c->c_logbuf = cr_read_file(path, &len);
	if (len < sizeof(head))
		cr_fatal("%s: too short for a write log", path);
	memcpy(&head, c->c_logbuf, sizeof(head));
	if (head.wh_magic != H2_WLOG_MAGIC)
		cr_fatal("%s: not a HAMMER2 write log (bad magic)", path);
	c->c_devsize = head.wh_devsize;
	for (pos = sizeof(head); pos < len; pos += sizeof(rec) + rec.wr_len) {
		if (len - pos < sizeof(rec))
			cr_fatal("%s: truncated record header at byte %zu",
			    path, pos);
		memcpy(&rec, c->c_logbuf + pos, sizeof(rec));
		if (len - pos - sizeof(rec) < rec.wr_len)
			cr_fatal("%s: truncated record at byte %zu", path, pos);
		if ((rec.wr_type == H2_WLOG_WRITE && (rec.wr_len == 0 ||
		    rec.wr_off > c->c_devsize ||
		    rec.wr_len > c->c_devsize - rec.wr_off)) ||
		    (rec.wr_type == H2_WLOG_SYNC && rec.wr_len != 0) ||
		    (rec.wr_type == H2_WLOG_MARK &&
		    (rec.wr_len == 0 || rec.wr_len > H2_WLOG_MARK_MAXBYTES)) ||
		    rec.wr_type < H2_WLOG_WRITE || rec.wr_type > H2_WLOG_MARK)
			cr_fatal("%s: bad record at byte %zu (type %u, %u bytes "
			    "at 0x%" PRIx64 ")", path, pos, rec.wr_type,
			    rec.wr_len, rec.wr_off);
		if (c->c_nrecs == cap) {
			cap = cap ? cap * 2 : 1024;
			c->c_recs = realloc(c->c_recs, cap * sizeof(*c->c_recs));
			if (c->c_recs == NULL)
				cr_fatal("out of memory");
		}
		c->c_recs[c->c_nrecs].r_type = rec.wr_type;
		c->c_recs[c->c_nrecs].r_len = rec.wr_len;
		c->c_recs[c->c_nrecs].r_off = rec.wr_off;
		c->c_recs[c->c_nrecs].r_data = c->c_logbuf + pos + sizeof(rec);
		c->c_nrecs++;
	}
}

static void
cr_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	if (pwrite(fd, buf, len, (off_t)off) != (ssize_t)len)
		cr_fatal("work image write failed: %s", strerror(errno));
}

static void
cr_pread(int fd, void *buf, size_t len, uint64_t off)
{
	if (pread(fd, buf, len, (off_t)off) != (ssize_t)len)
		cr_fatal("work image read failed: %s", strerror(errno));
}

/*
 * Copy file src to dst (created or truncated) and return the open dst.
 * Only src's data extents are copied (SEEK_DATA/SEEK_HOLE), so a sparse
 * multi-GiB image with several volume header copies stays cheap.
 */
static int
cr_copy(const char *src, const char *dst, uint64_t *sizep)
{
	uint8_t *buf = cr_xalloc(CR_COPY_BYTES);
	struct stat st;
	off_t pos, end;
	ssize_t n;
	int in, out;

	in = open(src, O_RDONLY);
	if (in < 0 || fstat(in, &st) != 0)
		cr_fatal("%s: %s", src, strerror(errno));
	out = open(dst, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (out < 0 || ftruncate(out, st.st_size) != 0)
		cr_fatal("%s: %s", dst, strerror(errno));
	for (pos = 0; pos < st.st_size; pos = end) {
		pos = lseek(in, pos, SEEK_DATA);
		if (pos < 0)
			break;		/* ENXIO: only a hole is left */
		end = lseek(in, pos, SEEK_HOLE);
		if (end < 0)
			cr_fatal("%s: %s", src, strerror(errno));
		while (pos < end) {
			n = pread(in, buf, (size_t)(end - pos < CR_COPY_BYTES ?
			    end - pos : CR_COPY_BYTES), pos);
			if (n <= 0)
				cr_fatal("%s: read failed", src);
			cr_pwrite(out, buf, (size_t)n, (uint64_t)pos);
			pos += n;
		}
	}
	close(in);
	free(buf);
	*sizep = (uint64_t)st.st_size;
	return (out);
}

/* Apply write record i to the work image, saving the old bytes. */
static void
cr_apply(struct cr *c, size_t i, bool undoable)
{
	const struct cr_rec *r = &c->c_recs[i];
	struct cr_undo *u;

	if (undoable) {
		u = &c->c_undo[c->c_nundo++];
		u->u_off = r->r_off;
		u->u_len = r->r_len;
		u->u_old = cr_xalloc(r->r_len);
		cr_pread(c->c_fd, u->u_old, r->r_len, r->r_off);
	}
	cr_pwrite(c->c_fd, r->r_data, r->r_len, r->r_off);
}

static void
cr_undo_all(struct cr *c)
{
	struct cr_undo *u;

	while (c->c_nundo > 0) {
		u = &c->c_undo[--c->c_nundo];
		cr_pwrite(c->c_fd, u->u_old, u->u_len, u->u_off);
		free(u->u_old);
	}
}

/* Parse a marker's kind; -1 for a marker that states nothing. */
static int
cr_marker_kind(const char *kind, int nfields)
{
	if (strcmp(kind, "FILE") == 0 && nfields == 4)
		return (CR_FILE);
	if (strcmp(kind, "GONE") == 0 && nfields >= 2)
		return (CR_GONE);
	if (strcmp(kind, "DIRTY") == 0 && nfields >= 2)
		return (CR_DIRTY);
	if (strcmp(kind, "DIR") == 0 && nfields >= 2)
		return (CR_DIR);
	if (strcmp(kind, "LINK") == 0 && nfields >= 3)
		return (CR_LINK);
	return (-1);
}

/* Record a marker's statement about its path. */
static void
cr_marker(struct cr *c, const struct cr_rec *r)
{
	char text[H2_WLOG_MARK_MAXBYTES + 1], kind[8], path[PATH_MAX];
	char target[PATH_MAX];
	struct cr_expect *e = NULL;
	uint64_t size = 0, hash = 0;
	size_t i;
	int n, state;

	memcpy(text, r->r_data, r->r_len);
	text[r->r_len] = '\0';
	n = sscanf(text, "%7s %4095s %" SCNu64 " %" SCNx64, kind, path, &size,
	    &hash);
	if (n >= 2 && strcmp(kind, "LINK") == 0)
		n = sscanf(text, "%7s %4095s %4095s", kind, path, target);
	state = n >= 2 ? cr_marker_kind(kind, n) : -1;
	if (state < 0)
		return;		/* a marker for a human reader, not a check */
	for (i = 0; i < c->c_nexp && e == NULL; i++)
		if (strcmp(c->c_exp[i].e_path, path) == 0)
			e = &c->c_exp[i];
	if (e == NULL) {
		c->c_exp = realloc(c->c_exp, (c->c_nexp + 1) *
		    sizeof(*c->c_exp));
		if (c->c_exp == NULL)
			cr_fatal("out of memory");
		e = &c->c_exp[c->c_nexp++];
		memset(e, 0, sizeof(*e));
		e->e_path = strdup(path);
		if (e->e_path == NULL)
			cr_fatal("out of memory");
	}
	e->e_state = (enum cr_state)state;
	e->e_size = size;
	e->e_hash = hash;
	free(e->e_target);
	e->e_target = NULL;
	if (state == CR_LINK && (e->e_target = strdup(target)) == NULL)
		cr_fatal("out of memory");
}

/*
 * Run fsck_hammer2 -q on the work image; its output goes to outpath.
 * posix_spawn (vfork-like) keeps this cheap for a sanitized parent; a
 * run past CR_FSCK_TIMEOUT_SEC is killed and counts as a failure.
 */
static int
cr_run_fsck(struct cr *c, const char *outpath)
{
	posix_spawn_file_actions_t fa;
	char *argv[4];
	struct timespec nap = { 0, CR_POLL_NSEC };
	long waited = 0;
	pid_t pid, got;
	int status, error;

	argv[0] = (char *)(uintptr_t)c->c_fsck;
	argv[1] = (char *)(uintptr_t)"-q";
	argv[2] = (char *)(uintptr_t)c->c_work;
	argv[3] = NULL;
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, outpath,
	    O_WRONLY | O_CREAT | O_TRUNC, 0644) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO,
	    STDERR_FILENO) != 0)
		cr_fatal("posix_spawn_file_actions: out of memory");
	error = posix_spawn(&pid, c->c_fsck, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (error != 0)
		cr_fatal("cannot run %s: %s", c->c_fsck, strerror(error));
	while ((got = waitpid(pid, &status, WNOHANG)) == 0) {
		if (waited++ > CR_FSCK_TIMEOUT_SEC * (1000000000L /
		    CR_POLL_NSEC)) {
			kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			return (CR_FSCK_TIMED_OUT);
		}
		nanosleep(&nap, NULL);
	}
	if (got < 0)
		cr_fatal("waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == CR_EXEC_FAILED)
		cr_fatal("cannot run %s", c->c_fsck);
	if (WIFEXITED(status))
		return (WEXITSTATUS(status));
	return (128 + WTERMSIG(status));
}

static bool
cr_fsck_ok(struct cr *c)
{
	char outpath[PATH_MAX], tail[CR_OUT_TAIL_BYTES];
	ssize_t n;
	int rc, fd;

	snprintf(outpath, sizeof(outpath), "%s.fsck", c->c_work);
	rc = cr_run_fsck(c, outpath);
	if (rc == 0)
		return (true);
	tail[0] = '\0';
	fd = open(outpath, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, tail, sizeof(tail) - 1);
		tail[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (rc == CR_FSCK_TIMED_OUT)
		snprintf(c->c_why, sizeof(c->c_why), "fsck_hammer2 ran over "
		    "%d s and was killed:\n%s", CR_FSCK_TIMEOUT_SEC, tail);
	else
		snprintf(c->c_why, sizeof(c->c_why), "fsck_hammer2 exit "
		    "%d:\n%s", rc, tail);
	return (false);
}

/* Compare one FILE expectation with the image. */
static bool
cr_file_ok(struct cr *c, struct hammer2_pfs *pmp, const struct cr_expect *e)
{
	static uint8_t buf[HAMMER2_PBUFSIZE];
	struct hammer2_inode ip;
	uint64_t off, hash = H2_WLOG_HASH_INIT;
	size_t done;
	int error;

	error = hammer2_path_lookup(pmp, e->e_path, &ip);
	if (error != 0) {
		snprintf(c->c_why, sizeof(c->c_why), "marker FILE %s: lookup "
		    "failed: %s", e->e_path, strerror(error));
		return (false);
	}
	if (ip.ino_data.meta.type != HAMMER2_OBJTYPE_REGFILE ||
	    ip.ino_data.meta.size != e->e_size) {
		snprintf(c->c_why, sizeof(c->c_why), "marker FILE %s: type %u "
		    "size %" PRIu64 ", want a regular file of %" PRIu64,
		    e->e_path, ip.ino_data.meta.type, ip.ino_data.meta.size,
		    e->e_size);
		return (false);
	}
	for (off = 0; off < e->e_size; off += done) {
		error = hammer2_file_read(pmp, &ip, off, buf, sizeof(buf),
		    &done);
		if (error != 0 || done == 0) {
			snprintf(c->c_why, sizeof(c->c_why), "marker FILE %s: "
			    "read at %" PRIu64 " failed: %s", e->e_path, off,
			    strerror(error ? error : EIO));
			return (false);
		}
		hash = h2_wlog_hash(hash, buf, done);
	}
	if (hash != e->e_hash) {
		snprintf(c->c_why, sizeof(c->c_why), "marker FILE %s: content "
		    "hash %016" PRIx64 ", want %016" PRIx64, e->e_path, hash,
		    e->e_hash);
		return (false);
	}
	return (true);
}

/* A DIR or LINK expectation: the type, and a symlink's target. */
static bool
cr_node_ok(struct cr *c, struct hammer2_pfs *pmp, const struct cr_expect *e)
{
	char buf[HAMMER2_SYMLINK_MAXBYTES + 1];
	struct hammer2_inode ip;
	uint8_t want = e->e_state == CR_DIR ? HAMMER2_OBJTYPE_DIRECTORY :
	    HAMMER2_OBJTYPE_SOFTLINK;
	size_t len;
	int error;

	error = hammer2_path_lookup(pmp, e->e_path, &ip);
	if (error == 0 && ip.ino_data.meta.type != want)
		error = CR_WRONG_TYPE;
	if (error == 0 && e->e_state == CR_LINK) {
		error = hammer2_readlink(pmp, &ip, buf, sizeof(buf), &len);
		if (error == 0 && (len != strlen(e->e_target) ||
		    memcmp(buf, e->e_target, len) != 0))
			error = CR_WRONG_TARGET;
	}
	if (error != 0)
		snprintf(c->c_why, sizeof(c->c_why), "marker %s %s%s%s: %s",
		    e->e_state == CR_DIR ? "DIR" : "LINK", e->e_path,
		    e->e_target ? " " : "", e->e_target ? e->e_target : "",
		    error == CR_WRONG_TYPE ? "wrong file type" :
		    error == CR_WRONG_TARGET ? "other target" :
		    strerror(error));
	return (error == 0);
}

/* Open the image read-only and check every marker's statement. */
static bool
cr_markers_ok(struct cr *c)
{
	struct hammer2_dev *dev;
	struct hammer2_pfs pmp;
	struct hammer2_inode ip;
	bool ok = true;
	size_t i;
	int error;

	error = h2_host_open(c->c_work, H2_HOST_QUIET, &dev);
	if (error != 0) {
		snprintf(c->c_why, sizeof(c->c_why), "open failed: %s",
		    strerror(error));
		return (false);
	}
	error = hammer2_pfs_open(dev, c->c_label, &pmp);
	if (error != 0) {
		snprintf(c->c_why, sizeof(c->c_why), "PFS %s: open failed: %s",
		    c->c_label, strerror(error));
		ok = false;
	}
	for (i = 0; ok && i < c->c_nexp; i++) {
		if (c->c_exp[i].e_state == CR_FILE) {
			ok = cr_file_ok(c, &pmp, &c->c_exp[i]);
			c->c_markers_checked++;
		} else if (c->c_exp[i].e_state == CR_DIR ||
		    c->c_exp[i].e_state == CR_LINK) {
			ok = cr_node_ok(c, &pmp, &c->c_exp[i]);
			c->c_markers_checked++;
		} else if (c->c_exp[i].e_state == CR_GONE) {
			error = hammer2_path_lookup(&pmp, c->c_exp[i].e_path,
			    &ip);
			if (error != ENOENT) {
				snprintf(c->c_why, sizeof(c->c_why), "marker "
				    "GONE %s: lookup returned %s",
				    c->c_exp[i].e_path, error == 0 ?
				    "the file" : strerror(error));
				ok = false;
			}
			c->c_markers_checked++;
		}
	}
	h2_host_close(dev);
	return (ok);
}

static void
cr_keep(struct cr *c, size_t cut, const char *variant)
{
	char dst[PATH_MAX];
	uint64_t size;
	int fd;

	if (c->c_keep == NULL || c->c_kept >= CR_MAX_KEPT)
		return;
	snprintf(dst, sizeof(dst), "%s/cut%zu-%s.img", c->c_keep, cut,
	    variant);
	fd = cr_copy(c->c_work, dst, &size);
	close(fd);
	c->c_kept++;
	printf("  image kept: %s\n", dst);
}

/* Check the image as it is now; report a failure with its context. */
static void
cr_check_image(struct cr *c, size_t cut, ssize_t sync, const char *variant,
    size_t napplied)
{
	bool ok;

	c->c_images++;
	ok = cr_fsck_ok(c) && cr_markers_ok(c);
	if (c->c_verbose)
		printf("cut %zu variant %s (%zu in-flight writes applied): %s\n",
		    cut, variant, napplied, ok ? "ok" : "FAIL");
	if (ok)
		return;
	if (c->c_failures++ < CR_MAX_PRINTED) {
		printf("crash image failed: cut %zu of %zu (records 0..%zd kept), epoch "
		    "after sync record %zd (%zu writes in flight), variant %s "
		    "(%zu of them applied): %s\n", cut, c->c_nrecs,
		    (ssize_t)cut - 1, sync, c->c_nwr, variant, napplied,
		    c->c_why);
		cr_keep(c, cut, variant);
	}
}

/* Apply the chosen in-flight writes (indices into c_wr), check, undo. */
static void
cr_variant(struct cr *c, size_t cut, ssize_t sync, const char *variant,
    const size_t *order, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cr_apply(c, c->c_wr[order[i]], true);
	cr_check_image(c, cut, sync, variant, n);
	cr_undo_all(c);
}

/* All images for one cut: the in-flight writes are c_wr[0..c_nwr). */
static void
cr_cut(struct cr *c, size_t cut, ssize_t sync, size_t nrandom)
{
	size_t *order = cr_xalloc(c->c_nwr * sizeof(*order));
	char name[32];
	size_t i, j, n, t, v;

	for (i = 0; i < c->c_nwr; i++)
		order[i] = i;
	cr_variant(c, cut, sync, "all", order, c->c_nwr);
	if (c->c_prefix_only)
		goto out;
	if (c->c_nwr >= 2) {
		order[0] = c->c_nwr - 1;
		cr_variant(c, cut, sync, "last", order, 1);
	}
	if (c->c_nwr >= 1) {
		for (i = 0; i < c->c_nwr; i++)
			order[i] = i;
		cr_variant(c, cut, sync, "nolast", order, c->c_nwr - 1);
	}
	for (v = 0; c->c_nwr >= 2 && v < nrandom; v++) {
		for (i = 0, n = 0; i < c->c_nwr; i++)
			if (cr_rand(c) & 1)
				order[n++] = i;
		for (i = n; i > 1; i--) {
			j = (size_t)(cr_rand(c) % i);
			t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		snprintf(name, sizeof(name), "rand%zu", v);
		cr_variant(c, cut, sync, name, order, n);
	}
out:
	free(order);
}

/* Choose the cuts: all of 0..nrecs, or maxcuts of them at random. */
static bool *
cr_pick_cuts(struct cr *c, size_t maxcuts, size_t *ncutsp)
{
	bool *pick = cr_xalloc(c->c_nrecs + 1);
	size_t n = 0, k;

	if (c->c_nrecs + 1 <= maxcuts) {
		memset(pick, 1, c->c_nrecs + 1);
		*ncutsp = c->c_nrecs + 1;
		return (pick);
	}
	pick[0] = pick[c->c_nrecs] = true;
	n = 2;
	while (n < maxcuts) {
		k = (size_t)(cr_rand(c) % (c->c_nrecs + 1));
		if (!pick[k]) {
			pick[k] = true;
			n++;
		}
	}
	*ncutsp = n;
	return (pick);
}

/*
 * Walk the records in order; at each picked cut check its images.  The
 * work image holds base + writes before the last sync; c_wr lists the
 * writes since.
 */
static void
cr_replay(struct cr *c, size_t maxcuts, size_t nrandom)
{
	size_t ncuts, k, i, nwrites = 0;
	bool *pick = cr_pick_cuts(c, maxcuts, &ncuts);
	ssize_t sync = -1;

	c->c_wr = cr_xalloc(c->c_nrecs * sizeof(*c->c_wr));
	c->c_undo = cr_xalloc(c->c_nrecs * sizeof(*c->c_undo));
	for (k = 0; k <= c->c_nrecs; k++) {
		if (pick[k])
			cr_cut(c, k, sync, nrandom);
		if (c->c_stop && c->c_failures > 0)
			break;
		if (k == c->c_nrecs)
			break;
		switch (c->c_recs[k].r_type) {
		case H2_WLOG_WRITE:
			c->c_wr[c->c_nwr++] = k;
			nwrites++;
			break;
		case H2_WLOG_SYNC:
			if (c->c_nosync && k + 1 < c->c_nrecs)
				break;	/* -S: the barrier never happened */
			for (i = 0; i < c->c_nwr; i++)
				cr_apply(c, c->c_wr[i], false);
			c->c_nwr = 0;
			sync = (ssize_t)k;
			break;
		default:
			cr_marker(c, &c->c_recs[k]);
			break;
		}
	}
	printf("h2_crashreplay: %zu records (%zu writes), %zu cuts, %zu "
	    "images, %zu marker checks, %zu failures\n", c->c_nrecs, nwrites,
	    ncuts, c->c_images, c->c_markers_checked, c->c_failures);
	free(pick);
}

/* -f: base + every write in program order, for comparison. */
static void
cr_write_final(struct cr *c)
{
	size_t i;

	for (i = 0; i < c->c_nrecs; i++)
		if (c->c_recs[i].r_type == H2_WLOG_WRITE)
			cr_apply(c, i, false);
}

static void
usage(void)
{
	fprintf(stderr, "usage: h2_crashreplay [-fPSvx] [-F fsck] [-k keepdir] "
	    "[-L label] [-n maxcuts] [-r random] [-s seed] base log work\n");
	exit(2);
}

static size_t
cr_number(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || s[0] == '-')
		cr_fatal("bad number %s", s);
	return ((size_t)v);
}

int
main(int argc, char **argv)
{
	static struct cr c;
	bool final = false;
	size_t maxcuts = CR_MAX_CUTS, nrandom = CR_RANDOM_VARIANTS;
	uint64_t size;
	int ch;

	c.c_label = "DATA";
	c.c_rng = 1;
	while ((ch = getopt(argc, argv, "F:fk:L:n:PSr:s:vx")) != -1) {
		switch (ch) {
		case 'F':
			c.c_fsck = optarg;
			break;
		case 'f':
			final = true;
			break;
		case 'k':
			c.c_keep = optarg;
			break;
		case 'L':
			c.c_label = optarg;
			break;
		case 'n':
			maxcuts = cr_number(optarg);
			break;
		case 'P':
			c.c_prefix_only = 1;
			break;
		case 'S':
			c.c_nosync = 1;
			break;
		case 'r':
			nrandom = cr_number(optarg);
			break;
		case 's':
			c.c_rng = 2 * (uint64_t)cr_number(optarg) + 1;
			break;
		case 'v':
			c.c_verbose = 1;
			break;
		case 'x':
			c.c_stop = 1;
			break;
		default:
			usage();
		}
	}
	if (optind + 3 != argc || maxcuts < 2 || (!final && c.c_fsck == NULL))
		usage();
	cr_load_log(&c, argv[optind + 1]);
	c.c_work = argv[optind + 2];
	c.c_fd = cr_copy(argv[optind], c.c_work, &size);
	if (size != c.c_devsize)
		cr_fatal("%s is %" PRIu64 " bytes; the log recorded a device of "
		    "%" PRIu64 " bytes", argv[optind], size, c.c_devsize);
	if (final) {
		cr_write_final(&c);
		return (0);
	}
	cr_replay(&c, maxcuts, nrandom);
	close(c.c_fd);
	return (c.c_failures == 0 ? 0 : 1);
}
