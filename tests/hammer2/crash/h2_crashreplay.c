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
 *                          its next FILE or GONE marker;
 * a path "LABEL:/path" is looked up in PFS LABEL (a snapshot) instead.
 * Torn writes (-t N, -T): a disk writes 512-byte sectors atomically, not
 * blocks, so a write cut by the crash may leave any subset of its
 * sectors new.  -t adds N images per cut in which one random in-flight
 * write of two sectors or more is torn (a prefix or any subset) over a
 * random subset of the others; -T tears every volume header write at the
 * end of its epoch five ways (sector 0 only, sectors 0-1, all but sector
 * 0, all but the last, a random subset).  What must hold: a torn block
 * that no durable header references changes nothing (the usual checks);
 * a header copy left mixed fails its CRCs (unless it does not: see
 * cr_header_mixed(); then it must check like any image), so with a second
 * copy on the volume the image must check as the previous commit (fsck
 * may report that one copy invalid and nothing else), and with only one
 * copy every
 * way in must refuse it cleanly: fsck_hammer2 exits nonzero (no signal,
 * no sanitizer report) saying "no valid volume header" and EIO, both
 * the read-only and the read-write open return EIO.
 * Recovery (-M N): every Nth image that passed is copied and mounted
 * read-write through the ops layer (hammer2_vnops.h, whose mount runs
 * the freemap recovery of format §17.2); a new file of four data blocks
 * is written and fsynced, a directory made, the volume committed, a
 * committed block overwritten and the PFS unmounted.  The copy must then
 * pass fsck_hammer2 (with no problem at all: the commits rewrote a torn
 * copy) and every marker, plus the new file's contents and directory.
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
 * write) before the next one; the recovery phase works on a copy
 * (work.rw), never on the work image.  A malformed log or base is exit 2 with a
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
#include "hammer2_codec.h"
#include "hammer2_vnops.h"

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
#define CR_SECTOR_BYTES		512	/* what a disk writes atomically */
#define CR_MAX_SECTORS		(HAMMER2_VOLUME_BYTES / CR_SECTOR_BYTES)
#define CR_RW_NAME		"crash-rw"	/* the recovery phase's file */
#define CR_RW_DIR		"crash-rw.d"	/* and directory */
#define CR_RW_BYTES		(3 * 65536 + 1000)	/* 4 data blocks */
#define CR_RW_MODE		0644

enum cr_state { CR_FILE, CR_GONE, CR_DIRTY, CR_DIR, CR_LINK };

/* What a correct file system must do with one crash image. */
enum cr_expect_kind {
	CR_EXPECT_STATE,	/* fsck passes, the markers hold */
	CR_EXPECT_REFUSAL	/* no valid volume header: a clean EIO */
};

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
	size_t		 c_torn;	/* -t: torn-write variants per cut */
	int		 c_torn_hdr;	/* -T: torn headers at every commit */
	size_t		 c_rw_every;	/* -M: recovery check every Nth image */
	int		 c_ncopies;	/* volume header copies on the device */
	int		 c_torn_copy;	/* header copy left mixed, or -1 */
	bool		 c_force_rw;	/* recovery check this image too */
	char		 c_rwpath[PATH_MAX];	/* the recovery phase's copy */
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
	size_t		 c_torn_images, c_torn_hdr_images, c_refusals;
	size_t		 c_torn_hdr_valid;	/* mixes the CRCs accept */
	size_t		 c_rw_checks;
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

/*
 * Apply write record i torn: only the 512-byte sectors set in keep[]
 * reach the disk, the others keep their old bytes.  Undoable.
 */
static void
cr_apply_torn(struct cr *c, size_t i, const bool *keep)
{
	const struct cr_rec *r = &c->c_recs[i];
	struct cr_undo *u = &c->c_undo[c->c_nundo++];
	uint32_t s, n;

	u->u_off = r->r_off;
	u->u_len = r->r_len;
	u->u_old = cr_xalloc(r->r_len);
	cr_pread(c->c_fd, u->u_old, r->r_len, r->r_off);
	for (s = 0; (uint64_t)s * CR_SECTOR_BYTES < r->r_len; s++) {
		if (!keep[s])
			continue;
		n = r->r_len - s * CR_SECTOR_BYTES;
		if (n > CR_SECTOR_BYTES)
			n = CR_SECTOR_BYTES;
		cr_pwrite(c->c_fd, r->r_data + s * CR_SECTOR_BYTES, n,
		    r->r_off + s * CR_SECTOR_BYTES);
	}
}

static uint32_t
cr_nsectors(const struct cr_rec *r)
{
	return ((r->r_len + CR_SECTOR_BYTES - 1) / CR_SECTOR_BYTES);
}

/* A write of a whole volume header copy (format §4.3). */
static bool
cr_is_header(const struct cr_rec *r)
{
	return (r->r_len == HAMMER2_VOLUME_BYTES &&
	    r->r_off % HAMMER2_ZONE_BYTES64 == 0);
}

/*
 * After a torn header write (the newest undo entry), does the copy on the
 * image differ from both the old and the new header?  A tear whose
 * missing sectors held no change is no tear at all.  *validp: the mix
 * still has the three check codes of format §4.2 right (computed here,
 * not by the code under test).  That happens: sector 0 ends with its
 * own CRC-32C, and the CRC of data followed by its CRC is a constant, so
 * the whole-header CRC does not depend on a self-consistent sector 0; a
 * new sector 0 over an old rest (or the reverse) passes when sector 1,
 * the sroot blockset, did not change (a commit of the freemap alone).
 * Such an image gets the recovery check whenever -M is on.
 */
static bool
cr_header_mixed(struct cr *c, size_t i, bool *validp)
{
	static struct hammer2_volume_data now;
	const struct cr_rec *r = &c->c_recs[i];
	const struct cr_undo *u = &c->c_undo[c->c_nundo - 1];
	const uint8_t *b = (const uint8_t *)&now;

	cr_pread(c->c_fd, &now, sizeof(now), r->r_off);
	*validp = now.icrc_sects[HAMMER2_VOL_ICRC_SECT6] ==
	    hammer2_crc32c(0, b + HAMMER2_VOL_ICRC_SECT1_OFF,
	    HAMMER2_VOL_ICRC_SECT1_BYTES) &&
	    now.icrc_sects[HAMMER2_VOL_ICRC_SECT7] ==
	    hammer2_crc32c(0, b + HAMMER2_VOL_ICRC_SECT0_OFF,
	    HAMMER2_VOL_ICRC_SECT0_BYTES) &&
	    now.icrc_volheader == hammer2_crc32c(0, b,
	    HAMMER2_VOL_ICRC_VOLHDR_BYTES);
	return (memcmp(b, r->r_data, r->r_len) != 0 &&
	    memcmp(b, u->u_old, r->r_len) != 0);
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

/* Add an expectation for path (markers, and the recovery phase's own). */
static void
cr_expect_add(struct cr *c, const char *path, enum cr_state state,
    uint64_t size, uint64_t hash)
{
	struct cr_expect *e;

	c->c_exp = realloc(c->c_exp, (c->c_nexp + 1) * sizeof(*c->c_exp));
	if (c->c_exp == NULL)
		cr_fatal("out of memory");
	e = &c->c_exp[c->c_nexp++];
	memset(e, 0, sizeof(*e));
	e->e_path = strdup(path);
	if (e->e_path == NULL)
		cr_fatal("out of memory");
	e->e_state = state;
	e->e_size = size;
	e->e_hash = hash;
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
		cr_expect_add(c, path, (enum cr_state)state, size, hash);
		e = &c->c_exp[c->c_nexp - 1];
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

/*
 * Is fsck's output (all of it in out) exactly one problem, the torn
 * header copy c_torn_copy?  That copy is damage a crash in the header
 * write leaves (format §17.1 step 5), not an inconsistency: the mount
 * uses the previous copy and the next commit rewrites this one.
 */
static bool
cr_only_torn_copy(const struct cr *c, const char *out, size_t len)
{
	char want[96];
	const char *p;
	int nproblems = 0;

	if (c->c_torn_copy < 0 || len + 1 >= CR_OUT_TAIL_BYTES)
		return (false);
	for (p = out; (p = strstr(p, "PROBLEM:")) != NULL; p++)
		nproblems++;
	snprintf(want, sizeof(want), "PROBLEM: volume header %d at 0x%jx is "
	    "invalid\n", c->c_torn_copy,
	    (uintmax_t)((uint64_t)c->c_torn_copy * HAMMER2_ZONE_BYTES64));
	return (nproblems == 1 && strstr(out, want) != NULL);
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
	n = 0;
	fd = open(outpath, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, tail, sizeof(tail) - 1);
		tail[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (rc == 1 && n > 0 && cr_only_torn_copy(c, tail, (size_t)n))
		return (true);
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

/*
 * A marker path "LABEL:/path" names a path in another PFS of the image
 * (a snapshot); open it into *other and point *pmpp at it.
 */
static int
cr_marker_pfs(struct cr *c, struct hammer2_dev *dev, const char *path,
    struct hammer2_pfs *other, struct hammer2_pfs **pmpp)
{
	char label[HAMMER2_INODE_MAXNAME + 1];
	const char *colon = strstr(path, ":/");
	int error;

	if (colon == NULL || path[0] == '/')
		return (0);
	if ((size_t)(colon - path) >= sizeof(label)) {
		snprintf(c->c_why, sizeof(c->c_why), "marker %s: bad PFS "
		    "label", path);
		return (EINVAL);
	}
	memcpy(label, path, (size_t)(colon - path));
	label[colon - path] = '\0';
	error = hammer2_pfs_open(dev, label, other);
	if (error != 0)
		snprintf(c->c_why, sizeof(c->c_why), "marker %s: PFS %s: open "
		    "failed: %s", path, label, strerror(error));
	else
		*pmpp = other;
	return (error);
}

/* e with its path stripped of a "LABEL:" prefix. */
static struct cr_expect
cr_local(const struct cr_expect *e)
{
	struct cr_expect l = *e;
	const char *colon = strstr(e->e_path, ":/");

	if (colon != NULL && e->e_path[0] != '/')
		l.e_path = (char *)(uintptr_t)(colon + 1);
	return (l);
}

/* Open the image read-only and check every marker's statement. */
static bool
cr_markers_ok(struct cr *c)
{
	struct hammer2_dev *dev;
	struct hammer2_pfs pmp, other, *pp;
	struct hammer2_inode ip;
	struct cr_expect e;
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
		if (c->c_exp[i].e_state == CR_DIRTY)
			continue;
		pp = &pmp;
		if (cr_marker_pfs(c, dev, c->c_exp[i].e_path, &other,
		    &pp) != 0) {
			ok = false;
			break;
		}
		e = cr_local(&c->c_exp[i]);
		if (e.e_state == CR_FILE) {
			ok = cr_file_ok(c, pp, &e);
			c->c_markers_checked++;
		} else if (e.e_state == CR_DIR || e.e_state == CR_LINK) {
			ok = cr_node_ok(c, pp, &e);
			c->c_markers_checked++;
		} else if (e.e_state == CR_GONE) {
			error = hammer2_path_lookup(pp, e.e_path, &ip);
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

/*
 * An image whose only volume header copy is torn: every way in must fail
 * cleanly with EIO.  fsck_hammer2 exits nonzero (not by a signal, not
 * after a sanitizer report) naming the header; the read-only and the
 * read-write open both return an errno.
 */
static bool
cr_refusal_ok(struct cr *c)
{
	char outpath[PATH_MAX], out[CR_OUT_TAIL_BYTES];
	struct hammer2_dev *dev;
	ssize_t n;
	int rc, fd, error, i;

	c->c_refusals++;
	snprintf(outpath, sizeof(outpath), "%s.fsck", c->c_work);
	rc = cr_run_fsck(c, outpath);
	out[0] = '\0';
	fd = open(outpath, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, out, sizeof(out) - 1);
		out[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (rc <= 0 || rc >= 128 || strstr(out, "Sanitizer") != NULL ||
	    strstr(out, "no valid volume header") == NULL ||
	    strstr(out, strerror(EIO)) == NULL) {
		snprintf(c->c_why, sizeof(c->c_why), "torn only volume header: "
		    "fsck_hammer2 exit %d, want a clean refusal (EIO, \"no "
		    "valid volume header\"):\n%s", rc, out);
		return (false);
	}
	for (i = 0; i < 2; i++) {
		error = h2_host_open(c->c_work, H2_HOST_QUIET |
		    (i ? H2_HOST_RDWR : 0), &dev);
		if (error == 0) {
			h2_host_close(dev);
			snprintf(c->c_why, sizeof(c->c_why), "torn only volume "
			    "header: the %s open accepted it", i ? "read-write" :
			    "read-only");
			return (false);
		}
		if (error != EIO) {
			snprintf(c->c_why, sizeof(c->c_why), "torn only volume "
			    "header: the %s open returned %s, want EIO",
			    i ? "read-write" : "read-only", strerror(error));
			return (false);
		}
	}
	return (true);
}

/*
 * The recovery phase's changes on a read-write mount: a new file of
 * several data blocks written and fsynced, a new directory, a commit,
 * then a block of the file overwritten (copy-on-write of committed data)
 * and the unmount's commit.  Returns 0 or the errno of the failing step
 * (named in *stepp).
 */
static int
cr_rw_changes(struct hammer2_mount *mp, uint8_t *data, const char **stepp)
{
	struct hammer2_vattr va, got;
	hammer2_tid_t root = hammer2_vfs_root(mp), inum;
	int error;

	memset(&va, 0, sizeof(va));
	va.va_type = HAMMER2_OBJTYPE_REGFILE;
	va.va_mode = CR_RW_MODE;
	*stepp = "create " CR_RW_NAME;
	error = hammer2_vop_create(mp, root, CR_RW_NAME, strlen(CR_RW_NAME),
	    &va, NULL, 0, &got);
	if (error != 0)
		return (error);
	inum = got.va_inum;
	*stepp = "write";
	if ((error = hammer2_vop_write(mp, inum, 0, data, CR_RW_BYTES)) != 0)
		return (error);
	*stepp = "fsync";
	if ((error = hammer2_vop_fsync(mp, inum)) != 0)
		return (error);
	va.va_type = HAMMER2_OBJTYPE_DIRECTORY;
	*stepp = "mkdir " CR_RW_DIR;
	error = hammer2_vop_create(mp, root, CR_RW_DIR, strlen(CR_RW_DIR),
	    &va, NULL, 0, &got);
	if (error != 0)
		return (error);
	*stepp = "sync";
	if ((error = hammer2_vfs_sync(mp)) != 0)
		return (error);
	memset(data + 65536, 0xa5, 65536);
	*stepp = "overwrite";
	return (hammer2_vop_write(mp, inum, 65536, data + 65536, 65536));
}

/*
 * Mount-time recovery: a copy of the image, mounted read-write through
 * the ops layer (which runs the freemap recovery of format §17.2), takes
 * the changes of cr_rw_changes() and unmounts; then the copy must pass
 * fsck_hammer2 and every marker, and hold the new file and directory.
 * A freemap left too empty shows here: the new blocks land on live ones.
 */
static bool
cr_rw_ok(struct cr *c)
{
	static uint8_t data[CR_RW_BYTES];
	struct hammer2_dev *dev;
	struct hammer2_mount *mp;
	const char *work = c->c_work, *step = "mount";
	uint64_t size, rng = 2 * c->c_rw_checks + 1;
	size_t i, nexp = c->c_nexp;
	bool ok;
	int error, uerror, torn_copy;

	c->c_rw_checks++;
	close(cr_copy(c->c_work, c->c_rwpath, &size));
	for (i = 0; i < sizeof(data); i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		data[i] = (uint8_t)rng;
	}
	error = h2_host_open(c->c_rwpath, H2_HOST_RDWR | H2_HOST_QUIET, &dev);
	if (error != 0) {
		snprintf(c->c_why, sizeof(c->c_why), "recovery: read-write "
		    "open failed: %s", strerror(error));
		return (false);
	}
	error = hammer2_vfs_mount(dev, c->c_label, 0, &mp);
	if (error == 0) {
		error = cr_rw_changes(mp, data, &step);
		uerror = hammer2_vfs_unmount(mp);
		if (error == 0 && uerror != 0) {
			error = uerror;
			step = "unmount";
		}
	}
	h2_host_close(dev);
	if (error != 0) {
		snprintf(c->c_why, sizeof(c->c_why), "recovery: read-write %s "
		    "failed: %s", step, strerror(error));
		return (false);
	}
	cr_expect_add(c, "/" CR_RW_NAME, CR_FILE, CR_RW_BYTES,
	    h2_wlog_hash(H2_WLOG_HASH_INIT, data, CR_RW_BYTES));
	cr_expect_add(c, "/" CR_RW_DIR, CR_DIR, 0, 0);
	torn_copy = c->c_torn_copy;
	c->c_torn_copy = -1;	/* the commits rewrote the torn copy */
	c->c_work = c->c_rwpath;
	ok = cr_fsck_ok(c) && cr_markers_ok(c);
	c->c_work = work;
	c->c_torn_copy = torn_copy;
	if (!ok) {
		memmove(c->c_why + strlen("recovery: "), c->c_why,
		    sizeof(c->c_why) - strlen("recovery: "));
		memcpy(c->c_why, "recovery: ", strlen("recovery: "));
		c->c_why[sizeof(c->c_why) - 1] = '\0';
	}
	while (c->c_nexp > nexp)
		free(c->c_exp[--c->c_nexp].e_path);
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
    size_t napplied, enum cr_expect_kind expect)
{
	bool ok;

	c->c_images++;
	if (expect == CR_EXPECT_REFUSAL)
		ok = cr_refusal_ok(c);
	else
		ok = cr_fsck_ok(c) && cr_markers_ok(c) &&
		    ((!c->c_force_rw && (c->c_rw_every == 0 ||
		    c->c_images % c->c_rw_every != 0)) || cr_rw_ok(c));
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
	cr_check_image(c, cut, sync, variant, n, CR_EXPECT_STATE);
	cr_undo_all(c);
}

/* Choose the sectors of an n-sector write that land: a tear. */
static void
cr_pick_tear(struct cr *c, bool *keep, uint32_t n)
{
	uint32_t s, k, got;

	if (cr_rand(c) & 1) {		/* a prefix: the usual power cut */
		k = 1 + (uint32_t)(cr_rand(c) % (n - 1));
		for (s = 0; s < n; s++)
			keep[s] = s < k;
		return;
	}
	do {				/* any subset: sectors reordered */
		for (s = 0, got = 0; s < n; s++) {
			keep[s] = cr_rand(c) & 1;
			got += keep[s];
		}
	} while (got == 0 || got == n);
}

/*
 * Apply the writes order[0..n) (indices into c_wr), write c_wr[torn]
 * torn as keep[] says, and check the image: a header copy left mixed on
 * a device without a second copy must be refused, anything else must
 * show the state of the last durable commit or a later one.
 */
static void
cr_torn_variant(struct cr *c, size_t cut, ssize_t sync, const char *variant,
    const size_t *order, size_t n, size_t torn, const bool *keep)
{
	enum cr_expect_kind expect = CR_EXPECT_STATE;
	size_t i, w = c->c_wr[torn];
	bool valid;

	for (i = 0; i < n; i++)
		cr_apply(c, c->c_wr[order[i]], true);
	cr_apply_torn(c, w, keep);
	c->c_torn_images++;
	if (cr_is_header(&c->c_recs[w])) {
		c->c_torn_hdr_images++;
		if (cr_header_mixed(c, w, &valid) && valid) {
			c->c_torn_hdr_valid++;	/* new tids, old freemap */
			c->c_force_rw = c->c_rw_every > 0;
		} else if (!valid) {
			if (c->c_ncopies < 2)
				expect = CR_EXPECT_REFUSAL;
			c->c_torn_copy = (int)(c->c_recs[w].r_off /
			    HAMMER2_ZONE_BYTES64);
		}
	}
	cr_check_image(c, cut, sync, variant, n + 1, expect);
	c->c_torn_copy = -1;
	c->c_force_rw = false;
	cr_undo_all(c);
}

/*
 * -t: torn variants of one cut: a random in-flight write of two sectors
 * or more is torn, a random subset of the others lands first.
 */
static void
cr_torn_cut(struct cr *c, size_t cut, ssize_t sync, size_t *order)
{
	static bool keep[CR_MAX_SECTORS];
	char name[32];
	size_t i, n, v, torn, ncand = 0;

	for (i = 0; i < c->c_nwr; i++)
		if (cr_nsectors(&c->c_recs[c->c_wr[i]]) >= 2)
			ncand++;
	for (v = 0; ncand > 0 && v < c->c_torn; v++) {
		torn = (size_t)(cr_rand(c) % ncand);
		for (i = 0; i < c->c_nwr; i++)
			if (cr_nsectors(&c->c_recs[c->c_wr[i]]) >= 2 &&
			    torn-- == 0)
				break;
		torn = i;
		for (i = 0, n = 0; i < c->c_nwr; i++)
			if (i != torn && (cr_rand(c) & 1))
				order[n++] = i;
		cr_pick_tear(c, keep, cr_nsectors(&c->c_recs[c->c_wr[torn]]));
		snprintf(name, sizeof(name), "torn%zu", v);
		cr_torn_variant(c, cut, sync, name, order, n, torn, keep);
	}
}

/*
 * -T: at the end of every epoch that writes a volume header (the cut
 * just before its sync), the header torn in the ways that hit each
 * check code: only sector 0 (new tids, old sroot blockset), sectors 0-1
 * (old freemap blockset), all but sector 0, all but the last sector
 * (old whole-header CRC), and a random subset.  The epoch's other writes
 * all land.
 */
static void
cr_torn_headers(struct cr *c, size_t cut, ssize_t sync)
{
	static bool keep[CR_MAX_SECTORS];
	static const char *const names[] = { "hdr-s0", "hdr-s01",
	    "hdr-nos0", "hdr-nolast", "hdr-rand" };
	size_t *order = cr_xalloc((c->c_nwr + 1) * sizeof(*order));
	size_t i, n, h;
	uint32_t s, p, ns = CR_MAX_SECTORS;

	for (h = 0; h < c->c_nwr; h++) {
		if (!cr_is_header(&c->c_recs[c->c_wr[h]]))
			continue;
		for (i = 0, n = 0; i < c->c_nwr; i++)
			if (i != h)
				order[n++] = i;
		for (p = 0; p < sizeof(names) / sizeof(names[0]); p++) {
			for (s = 0; s < ns; s++)
				keep[s] = p == 0 ? s == 0 : p == 1 ? s < 2 :
				    p == 2 ? s != 0 : s + 1 < ns;
			if (p == 4)
				cr_pick_tear(c, keep, ns);
			cr_torn_variant(c, cut, sync, names[p], order, n, h,
			    keep);
		}
	}
	free(order);
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
	cr_torn_cut(c, cut, sync, order);
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
			if (c->c_torn_hdr && !(c->c_stop && c->c_failures > 0))
				cr_torn_headers(c, k, sync);
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
	if (c->c_torn > 0 || c->c_torn_hdr || c->c_rw_every > 0)
		printf("h2_crashreplay: %zu mixed headers passed every CRC\n"
		    "h2_crashreplay: %zu torn-write images (%zu with a torn "
		    "volume header, %zu of them refusals checked), %zu "
		    "read-write recoveries\n", c->c_torn_hdr_valid,
		    c->c_torn_images, c->c_torn_hdr_images, c->c_refusals,
		    c->c_rw_checks);
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
	fprintf(stderr, "usage: h2_crashreplay [-fPSTvx] [-F fsck] [-k keepdir] "
	    "[-L label] [-M every] [-n maxcuts] [-r random] [-s seed] "
	    "[-t torn] base log work\n");
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
	static struct hammer2_volume_data vd;
	bool final = false;
	size_t maxcuts = CR_MAX_CUTS, nrandom = CR_RANDOM_VARIANTS;
	uint64_t size;
	int ch;

	c.c_label = "DATA";
	c.c_torn_copy = -1;
	c.c_rng = 1;
	unsetenv("H2_WLOG");	/* the recovery phase's writes: not logged */
	while ((ch = getopt(argc, argv, "F:fk:L:M:n:PSr:s:Tt:vx")) != -1) {
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
		case 'M':
			c.c_rw_every = cr_number(optarg);
			break;
		case 'n':
			maxcuts = cr_number(optarg);
			break;
		case 'T':
			c.c_torn_hdr = 1;
			break;
		case 't':
			c.c_torn = cr_number(optarg);
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
	snprintf(c.c_rwpath, sizeof(c.c_rwpath), "%s.rw", c.c_work);
	c.c_fd = cr_copy(argv[optind], c.c_work, &size);
	if (size != c.c_devsize)
		cr_fatal("%s is %" PRIu64 " bytes; the log recorded a device of "
		    "%" PRIu64 " bytes", argv[optind], size, c.c_devsize);
	/* Header copies the volume has room for (format §4.3). */
	cr_pread(c.c_fd, &vd, sizeof(vd), 0);
	while (c.c_ncopies < HAMMER2_NUM_VOLHDRS &&
	    (uint64_t)c.c_ncopies * HAMMER2_ZONE_BYTES64 +
	    HAMMER2_VOLUME_BYTES <= c.c_devsize &&
	    (uint64_t)c.c_ncopies * HAMMER2_ZONE_BYTES64 < vd.volu_size)
		c.c_ncopies++;
	if (final) {
		cr_write_final(&c);
		return (0);
	}
	cr_replay(&c, maxcuts, nrandom);
	close(c.c_fd);
	unlink(c.c_rwpath);
	return (c.c_failures == 0 ? 0 : 1);
}
