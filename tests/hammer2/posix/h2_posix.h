/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_posix.h - the case table and check macros of the POSIX semantics
 * suite (h2_posix.c runs it; px_*.c hold the cases).
 *
 * Model: a case is a void function run in its own child process, with
 * the working directory set to a fresh, empty directory on the file
 * system under test and umask 022.  It checks with the PX_* macros; the
 * first failed check records why (file, line, the call, the errno) and
 * returns from the case.  px_skip() ends a case as SKIP with a reason.
 *
 * Invariants: a case never touches anything outside its directory
 * (except the parent's link count it may read); a case that changes
 * its credentials or umask does so only in its own child process.
 *
 * Locking: none (one process per case).
 *
 * More: tests/hammer2/posix/README.md.
 */

#ifndef H2_POSIX_H
#define H2_POSIX_H

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* How a file system counts directory links (-d option). */
enum px_dirlinks {
	PX_DIRLINKS_UNIX,	/* 2 + subdirectories (ext4, tmpfs, UFS) */
	PX_DIRLINKS_ONE,	/* always 1 (HAMMER2, like btrfs) */
};

struct px_case {
	const char	*pc_name;
	void		(*pc_fn)(void);
};

extern enum px_dirlinks px_dirlinks;
extern bool px_is_root;

void px_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void px_skip(const char *why);
bool px_failed(void);

/* Helpers (h2_posix.c); each returns 0 or -1 with errno set. */
int px_write_file(const char *path, mode_t mode, const void *buf, size_t len);
ssize_t px_read_file(const char *path, void *buf, size_t cap);
int px_set_times_past(const char *path);
void px_tick(void);
void px_fill(void *buf, size_t len, unsigned seed);

#define PX_PAST_SEC	1000000000	/* 2001-09-09: "long ago" */
#define PX_NOW_SLACK_SEC 120		/* a fresh timestamp is this close */

#define PX_FAIL(...)	px_fail(__FILE__, __LINE__, __VA_ARGS__)

/* expr must be true. */
#define PX_TRUE(expr) do {						\
	if (!(expr)) {							\
		PX_FAIL("%s", #expr);					\
		return;							\
	}								\
} while (0)

/* Two integers must be equal; both values are printed if not. */
#define PX_EQ(a, b) do {						\
	long long px_a_ = (long long)(a), px_b_ = (long long)(b);	\
	if (px_a_ != px_b_) {						\
		PX_FAIL("%s == %s: %lld != %lld", #a, #b, px_a_, px_b_); \
		return;							\
	}								\
} while (0)

/* A system call must succeed (not return -1). */
#define PX_OK(call) do {						\
	if ((long)(call) == -1) {					\
		PX_FAIL("%s: %s", #call, strerror(errno));		\
		return;							\
	}								\
} while (0)

/* A system call must fail with errno e1 or e2. */
#define PX_ERR2(call, e1, e2) do {					\
	long px_r_;							\
	errno = 0;							\
	px_r_ = (long)(call);						\
	if (px_r_ != -1) {						\
		PX_FAIL("%s succeeded, expected %s", #call, #e1);	\
		return;							\
	}								\
	if (errno != (e1) && errno != (e2)) {				\
		PX_FAIL("%s: %s, expected %s", #call, strerror(errno),	\
		    #e1);						\
		return;							\
	}								\
} while (0)

#define PX_ERR(call, e)	PX_ERR2(call, e, e)

/* Run a helper case function and stop if it failed. */
#define PX_SUB(call) do {						\
	call;								\
	if (px_failed())						\
		return;							\
} while (0)

/* Case lists, one per file. */
extern const struct px_case px_cases_names[];
extern const struct px_case px_cases_links[];
extern const struct px_case px_cases_data[];

#endif /* H2_POSIX_H */
