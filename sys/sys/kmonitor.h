/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * kmonitor.h - the kernel monitor: a command prompt on the console, the
 * seed of the ddb debugger.
 *
 * Any file may add a command with KMONITOR_COMMAND(name, help, func); the
 * descriptor goes into the linker set "kmonitor_cmds".  The function gets
 * argc/argv (argv[0] is the command) and returns 0 or an errno, which the
 * monitor prints.  Output goes through kprintf.
 */
#ifndef _SYS_KMONITOR_H_
#define _SYS_KMONITOR_H_

#include <sys/types.h>
#include <sys/linker_set.h>

struct kmonitor_cmd {
	const char	*kc_name;
	const char	*kc_help;
	int		(*kc_func)(int argc, char **argv);
};

#define KMONITOR_COMMAND(name, help, func)				\
	static struct kmonitor_cmd kmonitor_cmd_##name = {		\
		#name, help, func					\
	};								\
	DATA_SET(kmonitor_cmds, kmonitor_cmd_##name)

void	kmonitor_run(void) __dead2;
void	kmonitor_panic(void) __dead2;	/* polled monitor after a panic */
int	kmonitor_exec(char *line);

#endif /* !_SYS_KMONITOR_H_ */
