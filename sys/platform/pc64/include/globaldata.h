/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * machine/globaldata.h for pc64: mycpu is %gs:0.
 *
 * Each cpu's GS base MSR points at its struct globaldata (embedded at the
 * start of the larger struct pc64_cpu, see pc64.h), whose first field
 * points to itself.  The boot cpu loads the MSR in pc64_init(), each AP in
 * its startup path before it touches anything per-cpu.
 */
#ifndef _MACHINE_GLOBALDATA_H_
#define _MACHINE_GLOBALDATA_H_

#include <cpu/globaldata.h>

#endif /* !_MACHINE_GLOBALDATA_H_ */
