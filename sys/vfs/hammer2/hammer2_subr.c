/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_subr.c - small HAMMER2 helpers: logging and allocation through
 * the dev interface, the directory hash, blockref arithmetic and the
 * names of enumerations used by the tools.
 *
 * Model: stateless functions; the only state is the dev's ops vector.
 *
 * Invariants: hammer2_dirhash() is bit-exact with DragonFly (format
 * §12.1): the test vectors in tests/hammer2 check it.
 *
 * Locking: none.
 *
 * More: docs/design/hammer2.md, reference hammer2-format.md §5.3, §12.
 */

#include <string.h>

#include "hammer2.h"
#include "hammer2_codec.h"

void
hammer2_log(struct hammer2_dev *dev, const char *fmt, ...)
{
	va_list ap;

	if (dev->d_quiet || dev->d_ops->dop_vlog == NULL)
		return;
	va_start(ap, fmt);
	dev->d_ops->dop_vlog(dev->d_arg, fmt, ap);
	va_end(ap);
}

void *
hammer2_alloc(struct hammer2_dev *dev, size_t len)
{
	return (dev->d_ops->dop_alloc(dev->d_arg, len));
}

void
hammer2_free(struct hammer2_dev *dev, void *p, size_t len)
{
	if (p != NULL)
		dev->d_ops->dop_free(dev->d_arg, p, len);
}

static bool
hammer2_dirhash_is_separator(uint8_t c)
{
	return (c == '.' || c == '-' || c == '_' || c == '~');
}

/*
 * hammer2_dirhash - directory hash of a name (format §12.1).  Bit 63 and
 * bit 15 are set, the 15-bit collision field is zero.
 *
 * Locking: none needed; does not block.
 */
hammer2_key_t
hammer2_dirhash(const void *name, size_t len)
{
	const uint8_t *p = name;
	uint32_t sum, crc;
	size_t i, run;

	sum = 0;
	run = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && !hammer2_dirhash_is_separator(p[i])) {
			run++;
			continue;
		}
		if (run > 0)
			sum += hammer2_crc32c(0, p + i - run, run);
		run = 0;
	}
	crc = hammer2_crc32c(0, p, len);
	crc ^= crc << 16;
	return (((hammer2_key_t)(sum | 0x80000000U) << 32) |
	    (crc & 0xFFFF0000U) | HAMMER2_DIRHASH_FORCED);
}

uint64_t
hammer2_bref_bytes(const struct hammer2_blockref *bref)
{
	unsigned radix = bref->data_off & HAMMER2_OFF_MASK_RADIX;

	return (radix == 0 ? 0 : (uint64_t)1 << radix);
}

hammer2_off_t
hammer2_bref_offset(const struct hammer2_blockref *bref)
{
	return (bref->data_off & HAMMER2_OFF_MASK);
}

/* Last key covered by bref (saturates for keybits >= 64). */
hammer2_key_t
hammer2_bref_key_end(const struct hammer2_blockref *bref)
{
	if (bref->keybits >= 64)
		return (HAMMER2_KEY_MAX);
	return (bref->key + (((hammer2_key_t)1 << bref->keybits) - 1));
}

const char *
hammer2_bref_type_name(int type)
{
	static const char *const names[] = { "empty", "inode", "indirect",
		"data", "dirent", "freemap_node", "freemap_leaf", "invalid" };

	if (type >= 0 && (size_t)type < sizeof(names) / sizeof(names[0]))
		return (names[type]);
	return ("unknown");
}

const char *
hammer2_check_name(int check)
{
	static const char *const names[] = { "none", "disabled", "crc32",
		"xxhash64", "sha192", "freemap" };

	if (check >= 0 && (size_t)check < sizeof(names) / sizeof(names[0]))
		return (names[check]);
	return ("unknown");
}

const char *
hammer2_comp_name(int comp)
{
	static const char *const names[] = { "none", "autozero", "lz4",
		"zlib" };

	if (comp >= 0 && (size_t)comp < sizeof(names) / sizeof(names[0]))
		return (names[comp]);
	return ("unknown");
}

const char *
hammer2_objtype_name(int type)
{
	static const char *const names[] = { "UNKNOWN", "DIR", "FILE", "?3",
		"FIFO", "CDEV", "BDEV", "SOFTLINK", "HARDLINK", "SOCKET",
		"WHITEOUT" };

	if (type >= 0 && (size_t)type < sizeof(names) / sizeof(names[0]))
		return (names[type]);
	return ("UNKNOWN");
}

const char *
hammer2_pfstype_name(int type)
{
	static const char *const names[] = { "NONE", "CACHE", "UNKNOWN",
		"SLAVE", "SOFT_SLAVE", "SOFT_MASTER", "MASTER", "UNKNOWN",
		"SUPROOT", "DUMMY" };

	if (type >= 0 && (size_t)type < sizeof(names) / sizeof(names[0]))
		return (names[type]);
	return ("UNKNOWN");
}
