/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * string.c - strlen, strcmp, strncmp, strchr and strtoul.
 *
 * Freestanding: only pc64 links sys/libkern (the vkernel uses the host
 * libc's).  Semantics are the C standard's, so MI code behaves the same on
 * both platforms.  Byte-at-a-time loops are enough for a kernel that copies
 * little; the compiler may turn them into wider moves.  No locking: these
 * touch only their arguments.
 */

#include <sys/types.h>
#include <sys/systm.h>

#define ULONG_MAX_VALUE	(~0UL)
#define BASE_DECIMAL	10
#define BASE_OCTAL	8
#define BASE_HEX	16
#define BASE_MAX	36
#define DIGIT_LETTERS	10	/* value of 'a' */

size_t
strlen(const char *s)
{
	const char *p = s;

	while (*p != '\0')
		p++;
	return ((size_t)(p - s));
}

int
strcmp(const char *a, const char *b)
{
	for (; *a == *b; a++, b++) {
		if (*a == '\0')
			return (0);
	}
	return ((unsigned char)*a < (unsigned char)*b ? -1 : 1);
}

int
strncmp(const char *a, const char *b, size_t len)
{
	for (; len > 0; len--, a++, b++) {
		if (*a != *b)
			return ((unsigned char)*a < (unsigned char)*b ? -1 : 1);
		if (*a == '\0')
			return (0);
	}
	return (0);
}

char *
strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return ((char *)(uintptr_t)s);
		if (*s == '\0')
			return (NULL);
	}
}

static int
digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + DIGIT_LETTERS);
	if (c >= 'A' && c <= 'Z')
		return (c - 'A' + DIGIT_LETTERS);
	return (BASE_MAX);
}

/*
 * strtoul - as in C: leading blanks, an optional sign, a 0x/0 prefix when
 * base is 16/0, saturation at ULONG_MAX on overflow (no errno in the
 * kernel).  *endp gets the first unparsed character, or s if no digits.
 */
unsigned long
strtoul(const char *s, char **endp, int base)
{
	const char *p = s;
	unsigned long v = 0;
	bool neg = false, any = false, over = false;
	int d;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if ((base == 0 || base == BASE_HEX) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < BASE_HEX) {
		p += 2;
		base = BASE_HEX;
	} else if (base == 0) {
		base = p[0] == '0' ? BASE_OCTAL : BASE_DECIMAL;
	}
	if (base < 2 || base > BASE_MAX) {
		if (endp != NULL)
			*endp = (char *)(uintptr_t)s;
		return (0);
	}
	for (; (d = digit_value(*p)) < base; p++) {
		any = true;
		unsigned long ud = (unsigned long)d, ub = (unsigned long)base;

		if (v > (ULONG_MAX_VALUE - ud) / ub)
			over = true;
		v = v * ub + ud;
	}
	if (endp != NULL)
		*endp = (char *)(uintptr_t)(any ? p : s);
	if (over)
		return (ULONG_MAX_VALUE);
	return (neg ? -v : v);
}
