/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * host_console.c - the vkernel console on the process's stdin/stdout.
 *
 * Output is written straight to fd 1 (no stdio buffering, so lines from
 * a panicking kernel are never lost).  Input is polled: when stdin is a
 * terminal it is put in non-canonical mode without echo (the kernel
 * monitor edits and echoes lines itself) and restored at exit.  End of
 * input is reported once as -2.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "../vk_host.h"

static struct termios saved_tio;
static bool tio_saved;
static bool input_ended;

void
vk_host_console_restore(void);

void
vk_host_console_restore(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	tio_saved = false;
}

/* ^C and friends: give the terminal back before dying of the signal. */
static void
console_fatal_signal(int sig)
{
	vk_host_console_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
console_setup(void)
{
	static bool done;
	struct termios tio;

	if (done)
		return;
	done = true;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) != 0)
		return;
	tio = saved_tio;
	tio.c_lflag &= ~(ICANON | ECHO);
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) != 0)
		return;
	tio_saved = true;
	signal(SIGINT, console_fatal_signal);
	signal(SIGTERM, console_fatal_signal);
	signal(SIGHUP, console_fatal_signal);
	signal(SIGQUIT, console_fatal_signal);
}

void
vk_host_console_write(const char *buf, unsigned long len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDOUT_FILENO, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (unsigned long)n;
	}
}

int
vk_host_console_getc(void)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	unsigned char c;
	ssize_t n;

	if (input_ended)
		return (-2);
	console_setup();
	if (poll(&pfd, 1, 0) <= 0)
		return (-1);
	n = read(STDIN_FILENO, &c, 1);
	if (n == 1)
		return (c);
	if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		input_ended = true;
		return (-2);
	}
	return (-1);
}
