/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_wlog_mark.c - append a workload marker to a write log that another
 * process (a recorded mount_hammer2) may still be writing.
 *
 * Model: "h2_wlog_mark log text" appends the marker text as it is;
 * "h2_wlog_mark -F file log /path" appends "FILE /path size hash" for
 * the contents of a local file (the copy a shell script wrote into the
 * mount and fsync'd).  The recorder opens its log O_APPEND and writes
 * each record with one write(2), and so does this tool: a marker lands
 * after every record the mount wrote before the tool ran, which is what
 * "the fsync returned, then the marker" needs.
 *
 * Invariants: the log must start with the write-log magic; a text that
 * is empty, multi-line or too long is refused (exit 2, message).
 *
 * Locking: none; O_APPEND orders the writers.
 *
 * More: lib/libhammer2/h2_wlog.c, tests/suites/hammer2-crash.sh.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libhammer2.h"

#define WM_READ_BYTES	65536

static void wm_fatal(const char *fmt, ...)
    __attribute__((__format__(__printf__, 1, 2), __noreturn__));

static void
wm_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "h2_wlog_mark: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* "FILE path size hash" for the contents of file src. */
static void
wm_file_text(const char *src, const char *path, char *text, size_t len)
{
	static uint8_t buf[WM_READ_BYTES];
	uint64_t hash = H2_WLOG_HASH_INIT, size = 0;
	ssize_t n;
	int fd;

	fd = open(src, O_RDONLY);
	if (fd < 0)
		wm_fatal("%s: %s", src, strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		hash = h2_wlog_hash(hash, buf, (size_t)n);
		size += (uint64_t)n;
	}
	if (n < 0)
		wm_fatal("%s: %s", src, strerror(errno));
	close(fd);
	snprintf(text, len, "FILE %s %" PRIu64 " %016" PRIx64, path, size,
	    hash);
}

int
main(int argc, char **argv)
{
	char text[H2_WLOG_MARK_MAXBYTES + 2];
	const char *src = NULL;
	struct h2_wlog_head head;
	struct h2_wlog_rec rec;
	char *rbuf;
	size_t len;
	int ch, fd;

	while ((ch = getopt(argc, argv, "F:")) != -1) {
		if (ch != 'F')
			wm_fatal("usage: h2_wlog_mark [-F file] log text");
		src = optarg;
	}
	if (optind + 2 != argc)
		wm_fatal("usage: h2_wlog_mark [-F file] log text");
	if (src != NULL)
		wm_file_text(src, argv[optind + 1], text, sizeof(text));
	else
		snprintf(text, sizeof(text), "%s", argv[optind + 1]);
	len = strlen(text);
	if (len == 0 || len > H2_WLOG_MARK_MAXBYTES ||
	    strchr(text, '\n') != NULL)
		wm_fatal("a marker is one line of 1 to %d bytes",
		    H2_WLOG_MARK_MAXBYTES);
	fd = open(argv[optind], O_RDWR | O_APPEND);
	if (fd < 0)
		wm_fatal("%s: %s", argv[optind], strerror(errno));
	if (pread(fd, &head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    head.wh_magic != H2_WLOG_MAGIC)
		wm_fatal("%s: not a HAMMER2 write log", argv[optind]);
	memset(&rec, 0, sizeof(rec));
	rec.wr_type = H2_WLOG_MARK;
	rec.wr_len = (uint32_t)len;
	rbuf = malloc(sizeof(rec) + len);
	if (rbuf == NULL)
		wm_fatal("out of memory");
	memcpy(rbuf, &rec, sizeof(rec));
	memcpy(rbuf + sizeof(rec), text, len);
	if (write(fd, rbuf, sizeof(rec) + len) != (ssize_t)(sizeof(rec) + len))
		wm_fatal("%s: write failed", argv[optind]);
	free(rbuf);
	close(fd);
	return (0);
}
