/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * systm.h - what nearly every kernel file needs: kprintf, panic, the
 * assertion macros, the string helpers and a few global variables.
 */
#ifndef _SYS_SYSTM_H_
#define _SYS_SYSTM_H_

#include <sys/types.h>

struct globaldata;

extern int ncpus;		/* [I] after boot: number of cpus running */
extern int hz;			/* [I] clock interrupts per second */
extern volatile int ticks;	/* [a] hardclock ticks since boot (cpu 0) */
extern const char *volatile panicstr;	/* non-NULL once panicking */

int	kprintf(const char *fmt, ...) __printflike(1, 2);
int	kvprintf(const char *fmt, va_list ap) __printflike(1, 0);
int	ksnprintf(char *buf, size_t size, const char *fmt, ...)
	    __printflike(3, 4);
int	kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	    __printflike(3, 0);
void	panic(const char *fmt, ...) __dead2 __printflike(1, 2);

/* Exit status of a halted kernel: 0 ok, 1 tests failed, 3 panic. */
#define PANIC_EXIT_STATUS	3

/* tsleep() flags (kern_synch.c). */
#define PCATCH		0x00000100	/* (reserved) signals interrupt */
#define PINTERLOCKED	0x00000400	/* tsleep_interlock() was called */
#define PWAKEUP_MYCPU	0x00004000	/* wakeup: this cpu only */
#define PWAKEUP_ONE	0x00008000	/* wakeup: one thread */

int	tsleep(const volatile void *ident, int flags, const char *wmesg,
	    int timo);
void	tsleep_interlock(const volatile void *ident, int flags);
void	wakeup(const volatile void *ident);
void	wakeup_one(const volatile void *ident);
void	wakeup_mycpu(const volatile void *ident);
void	tsleep_init(struct globaldata *gd);

/* Monotonic time since boot, from the platform's clock. */
uint64_t nanouptime_ns(void);

/* libkern / libc: identical semantics on both platforms. */
void	*memcpy(void *dst, const void *src, size_t len);
void	*memmove(void *dst, const void *src, size_t len);
void	*memset(void *dst, int c, size_t len);
int	memcmp(const void *a, const void *b, size_t len);
size_t	strlen(const char *s);
int	strcmp(const char *a, const char *b);
int	strncmp(const char *a, const char *b, size_t len);
char	*strchr(const char *s, int c);
unsigned long strtoul(const char *s, char **endp, int base);

#ifndef INVARIANTS
#define INVARIANTS 1
#endif
/* clang-format off */
#if INVARIANTS
#define KASSERT(exp, msg)	do {					\
	if (__predict_false(!(exp)))					\
		panic msg;						\
} while (0)
#else
#define KASSERT(exp, msg)	do { } while (0)
#endif
#define KKASSERT(exp)	KASSERT(exp, ("assertion \"%s\" failed in %s at %s:%d", \
			    #exp, __func__, __FILE__, __LINE__))
#define CTASSERT(exp)	_Static_assert(exp, #exp)
/* clang-format on */

#endif /* !_SYS_SYSTM_H_ */
