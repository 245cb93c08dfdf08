/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * slaballoc.h - per-cpu state of the kernel slab allocator.
 *
 * Placeholder: the slab allocator (sys/kern/kern_slaballoc.c) defines the
 * real structure.  It is embedded in struct globaldata as gd_slab.
 */
#ifndef _SYS_SLABALLOC_H_
#define _SYS_SLABALLOC_H_

#include <sys/types.h>

struct slab_globaldata {
	void	*sl_placeholder;
};

#endif /* !_SYS_SLABALLOC_H_ */
