/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * cdefs.h - compiler attributes and small helpers used everywhere.
 *
 * Only gcc and clang are supported, so the macros map directly onto GNU C
 * attributes.  Nothing here depends on the platform.
 */
#ifndef _SYS_CDEFS_H_
#define _SYS_CDEFS_H_

#define __dead2			__attribute__((__noreturn__))
#define __unused		__attribute__((__unused__))
#define __used			__attribute__((__used__))
#define __packed		__attribute__((__packed__))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __section(s)		__attribute__((__section__(s)))
#define __printflike(f, a)	__attribute__((__format__(__printf__, f, a)))
#define __noinline		__attribute__((__noinline__))
#define __always_inline		__inline __attribute__((__always_inline__))
#define __fallthrough		__attribute__((__fallthrough__))
#define __predict_true(e)	__builtin_expect(!!(e), 1)
#define __predict_false(e)	__builtin_expect(!!(e), 0)
#define __offsetof(t, f)	__builtin_offsetof(t, f)
#define __containerof(p, t, f)	((t *)((char *)(p) - __offsetof(t, f)))

/* Never let the compiler move memory accesses across this point. */
#define cpu_ccfence()		__asm__ __volatile__("" ::: "memory")

#define nitems(a)		(sizeof(a) / sizeof((a)[0]))
#define roundup2(x, y)		(((x) + ((y) - 1)) & ~((__typeof__(x))(y) - 1))
#define rounddown2(x, y)	((x) & ~((__typeof__(x))(y) - 1))
#define powerof2(x)		((((x) - 1) & (x)) == 0)
#define howmany(x, y)		(((x) + ((y) - 1)) / (y))
#define MIN(a, b)		((a) < (b) ? (a) : (b))
#define MAX(a, b)		((a) > (b) ? (a) : (b))

#define CACHE_LINE_BYTES	64
#define __cachealign		__aligned(CACHE_LINE_BYTES)

#endif /* !_SYS_CDEFS_H_ */
