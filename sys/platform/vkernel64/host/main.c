/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * main.c - the vkernel process: options, RAM, then the kernel.
 *
 *	vkernel [-h] [-e name=value] [-m size] [-n ncpus]
 *
 * RAM is a memfd of the requested size mapped shared (later it will also
 * back user memory); the kernel gets it as its "physical" memory.  Bad
 * options print the usage and exit with status 2.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../vk_host.h"

#define MIB			(1024ULL * 1024)
#define RAM_DEFAULT_BYTES	(512 * MIB)
#define RAM_MIN_BYTES		(16 * MIB)
#define RAM_MAX_BYTES		(64 * 1024 * MIB)

static void
usage(void)
{
	fprintf(stderr,
	    "usage: vkernel [-h] [-e name=value] [-m size] [-n ncpus]\n"
	    "  -e name=value  boot variable (ktest=PATTERN runs the kernel\n"
	    "                 tests and exits; bench=PATTERN the benchmarks)\n"
	    "  -m size        memory, with K, M or G suffix (16M..64G; "
	    "default 512M)\n"
	    "  -n ncpus       virtual cpus, 1..%d (default 2)\n", VK_MAXCPU);
	exit(2);
}

static unsigned long long
parse_size(const char *arg)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg || arg[0] == '-')
		return (0);
	switch (*end) {
	case 'G': case 'g':
		v *= 1024;
		__attribute__((fallthrough));
	case 'M': case 'm':
		v *= 1024;
		__attribute__((fallthrough));
	case 'K': case 'k':
		v *= 1024;
		end++;
		break;
	case '\0':
		break;
	default:
		return (0);
	}
	return (*end == '\0' ? v : 0);
}

static void *
ram_create(unsigned long long bytes)
{
	int fd = memfd_create("anax-ram", MFD_CLOEXEC);
	void *ram;

	if (fd < 0 || ftruncate(fd, (off_t)bytes) != 0) {
		perror("vkernel: memfd");
		exit(1);
	}
	ram = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ram == MAP_FAILED) {
		perror("vkernel: mmap of RAM");
		exit(1);
	}
	close(fd);
	return (ram);
}

int
main(int argc, char **argv)
{
	static char *env[VK_MAXENV];
	unsigned long long ram_bytes = RAM_DEFAULT_BYTES;
	int ncpus = 2, nenv = 0, ch;
	char *end;
	long n;

	while ((ch = getopt(argc, argv, "he:m:n:")) != -1) {
		switch (ch) {
		case 'e':
			if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
				fprintf(stderr, "vkernel: -e wants name=value, "
				    "not \"%s\"\n", optarg);
				usage();
			}
			if (nenv == VK_MAXENV) {
				fprintf(stderr, "vkernel: too many -e "
				    "(at most %d)\n", VK_MAXENV);
				usage();
			}
			env[nenv++] = optarg;
			break;
		case 'm':
			ram_bytes = parse_size(optarg);
			if (ram_bytes < RAM_MIN_BYTES ||
			    ram_bytes > RAM_MAX_BYTES) {
				fprintf(stderr, "vkernel: bad memory size "
				    "\"%s\" (16M..64G)\n", optarg);
				usage();
			}
			break;
		case 'n':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    n < 1 || n > VK_MAXCPU) {
				fprintf(stderr, "vkernel: bad cpu count \"%s\" "
				    "(1..%d)\n", optarg, VK_MAXCPU);
				usage();
			}
			ncpus = (int)n;
			break;
		case 'h':
		default:
			usage();
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vkernel: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage();
	}
	vk_kernel_boot(ncpus, ram_create(ram_bytes), ram_bytes, nenv, env);
}
