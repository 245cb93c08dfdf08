/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * types.h - basic kernel types.
 *
 * The kernel is freestanding: it takes the fixed-width integer types,
 * size_t, bool and va_list from the compiler's own freestanding headers
 * and adds the BSD scalar types on top.
 */
#ifndef _SYS_TYPES_H_
#define _SYS_TYPES_H_

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/cdefs.h>

typedef unsigned char	u_char;
typedef unsigned short	u_short;
typedef unsigned int	u_int;
typedef unsigned long	u_long;

typedef int64_t		ssize_t;
typedef int64_t		off_t;
typedef int64_t		sbintime_t;

typedef uintptr_t	vm_offset_t;	/* kernel virtual address */
typedef uint64_t	vm_paddr_t;	/* physical (or vkernel RAM) address */
typedef uint64_t	vm_size_t;

typedef int		cpuid_t;

#endif /* !_SYS_TYPES_H_ */
