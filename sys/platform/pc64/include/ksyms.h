/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * machine/ksyms.h - the kernel's own symbol table (backtrace.c).
 *
 * Generated at build time by sys/platform/pc64/tools/ksyms.sh from the
 * first link of the kernel: text symbols sorted by address, names packed
 * in one string block.  Both arrays live in the .ksyms section.
 */
#ifndef _MACHINE_KSYMS_H_
#define _MACHINE_KSYMS_H_

#include <sys/types.h>

struct ksym {
	uint64_t	ks_addr;
	uint32_t	ks_name;	/* offset into ksym_names */
};

extern const struct ksym ksym_table[];
extern const u_int ksym_count;
extern const char ksym_names[];

#endif /* !_MACHINE_KSYMS_H_ */
