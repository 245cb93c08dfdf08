/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * linker_set.h - arrays assembled by the linker from entries spread over
 * many files.
 *
 * DATA_SET(name, obj) puts a pointer to obj into section "set_name"; the
 * linker provides __start_set_name and __stop_set_name around them (GNU
 * ld does this for orphan sections whose names are C identifiers; the pc64
 * linker script must keep such sections and define the same symbols).
 * Used for kernel tests (ktest.h) and monitor commands (kmonitor.h).
 */
#ifndef _SYS_LINKER_SET_H_
#define _SYS_LINKER_SET_H_

#include <sys/cdefs.h>

#define DATA_SET(set, sym)						\
	static const void *const __set_##set##_##sym			\
	    __section("set_" #set) __used = &(sym)

#define SET_DECLARE(set, ptype)						\
	extern ptype *__start_set_##set[] __attribute__((__weak__));	\
	extern ptype *__stop_set_##set[] __attribute__((__weak__))

#define SET_BEGIN(set)		(__start_set_##set)
#define SET_LIMIT(set)		(__stop_set_##set)
#define SET_FOREACH(pvar, set)						\
	for (pvar = SET_BEGIN(set); pvar < SET_LIMIT(set); pvar++)

#endif /* !_SYS_LINKER_SET_H_ */
