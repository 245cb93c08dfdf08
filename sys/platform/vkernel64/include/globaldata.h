/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/* machine/globaldata.h for vkernel64: mycpu through %gs, as on pc64. */
#ifndef _MACHINE_GLOBALDATA_H_
#define _MACHINE_GLOBALDATA_H_

#include <cpu/globaldata.h>

#endif /* !_MACHINE_GLOBALDATA_H_ */
