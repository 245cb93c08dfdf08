/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * cmd_setmethod.c - "hammer2 setcomp" and "hammer2 setcheck": parse the
 * method name (DragonFly's names: none, autozero, lz4, zlib[:level];
 * none, disabled, crc32, xxhash64, sha192) and set it on each path of
 * a PFS and everything below it (hammer2_pfs_setmethod, one commit per
 * path).
 *
 * More: hammer2(8), sys/vfs/hammer2/hammer2_pfs.h.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hammer2_cmd.h"

struct method_name {
	const char	*mn_name;
	int		 mn_value;
};

static const struct method_name comp_names[] = {
	{ "none", HAMMER2_COMP_NONE },
	{ "autozero", HAMMER2_COMP_AUTOZERO },
	{ "lz4", HAMMER2_COMP_LZ4 },
	{ "zlib", HAMMER2_COMP_ZLIB },
};

static const struct method_name check_names[] = {
	{ "none", HAMMER2_CHECK_NONE },
	{ "disabled", HAMMER2_CHECK_DISABLED },
	{ "crc32", HAMMER2_CHECK_ISCSI32 },
	{ "iscsi32", HAMMER2_CHECK_ISCSI32 },
	{ "xxhash64", HAMMER2_CHECK_XXHASH64 },
	{ "sha192", HAMMER2_CHECK_SHA192 },
};

static int
method_lookup(const struct method_name *tab, size_t n, const char *name,
    size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(tab[i].mn_name) == len &&
		    strncasecmp(tab[i].mn_name, name, len) == 0)
			return (tab[i].mn_value);
	return (-1);
}

/* "comp[:level]" -> level << 4 | comp; -1 if malformed. */
static int
parse_comp(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t len = colon != NULL ? (size_t)(colon - s) : strlen(s);
	char *end;
	long level = 0;
	int comp;

	comp = method_lookup(comp_names, sizeof(comp_names) /
	    sizeof(comp_names[0]), s, len);
	if (comp < 0)
		return (-1);
	if (colon != NULL) {
		if (comp != HAMMER2_COMP_ZLIB || colon[1] == '\0')
			return (-1);
		level = strtol(colon + 1, &end, 10);
		if (*end != '\0' || level < 1 ||
		    level > HAMMER2_PFS_COMP_LEVEL_MAX)
			return (-1);
	}
	return ((int)(level << 4) | comp);
}

static int
parse_check(const char *s)
{
	return (method_lookup(check_names, sizeof(check_names) /
	    sizeof(check_names[0]), s, strlen(s)));
}

static int
setmethod_paths(struct hammer2_dev *dev, const char *path, const char *label,
    int what, uint8_t algo, int ac, char **av)
{
	uint64_t count;
	int error = 0, i;

	for (i = 0; i < ac && error == 0; i++) {
		error = hammer2_pfs_setmethod(dev, label, av[i], what, algo,
		    &count);
		if (error == ENOENT || error == ENOTDIR)
			fprintf(stderr, "hammer2: %s@%s: %s: %s\n", path, label,
			    av[i], strerror(error));
		else if (error != 0)
			h2cmd_pfs_error(path, label, error);
		else if (h2cmd_verbose)
			printf("%s: %ju inodes changed\n", av[i],
			    (uintmax_t)count);
	}
	return (error);
}

/* cmd_setmethod - setcomp (what = COMP) or setcheck on paths of image. */
int
cmd_setmethod(const char *image, int what, const char *algo, int ac,
    char **av)
{
	struct hammer2_dev *dev;
	char *path, *label;
	int error, value;

	value = what == HAMMER2_PFS_METHOD_COMP ? parse_comp(algo) :
	    parse_check(algo);
	if (value < 0) {
		fprintf(stderr, what == HAMMER2_PFS_METHOD_COMP ?
		    "hammer2: unknown compression method \"%s\" (none, autozero, lz4, zlib[:1-9])\n" :
		    "hammer2: unknown check method \"%s\" (none, disabled, crc32, xxhash64, sha192)\n",
		    algo);
		return (1);
	}
	if (h2cmd_split(image, &path, &label) != 0)
		return (1);
	error = h2cmd_open_rw(path, &dev);
	if (error == 0) {
		error = hammer2_pfs_exists(dev, label);
		if (error != 0)
			h2cmd_pfs_error(path, label, error);
		else
			error = setmethod_paths(dev, path, label, what,
			    (uint8_t)value, ac, av);
		error = h2cmd_close_rw(path, dev, error);
	}
	free(path);
	free(label);
	return (error != 0);
}
