/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_file.c - read file and symlink content.
 *
 * Model: content of at most 512 bytes may be embedded in the inode
 * (DIRECTDATA, format §8.4).  Otherwise it is cut into 64 KiB logical
 * blocks, DATA brefs keyed by byte offset with keybits 16, possibly below
 * INDIRECT blocks; a missing key is a hole (§13).  A read scans the key
 * range it covers once, in key order, so a large sequential read costs
 * one descent of the tree, not one per block.
 *
 * Invariants: bytes at or past the inode size are never returned; holes
 * read as zeros; every DATA block passes its check code before a byte of
 * it is copied out.
 *
 * Locking: none; the caller serialises use of the dev.
 *
 * More: docs/design/hammer2.md, reference hammer2-format.md §8.4, §13.
 */

#include <errno.h>
#include <string.h>

#include "hammer2.h"

struct hammer2_read_arg {
	struct hammer2_dev	*ra_dev;
	uint64_t		 ra_off;	/* file offset of ra_buf[0] */
	size_t			 ra_len;
	uint8_t			*ra_buf;
	uint8_t			*ra_block;	/* HAMMER2_LBUFSIZE scratch */
};

static int
hammer2_file_read_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct hammer2_read_arg *ra = arg;
	uint64_t bbeg, bend, cbeg, cend;

	(void)error;
	if (bref->type != HAMMER2_BREF_TYPE_DATA ||
	    bref->keybits != HAMMER2_LBUFRADIX ||
	    (bref->key & (HAMMER2_LBUFSIZE - 1)) != 0) {
		hammer2_log(ra->ra_dev, "hammer2: file block 0x%016jx (key 0x%016jx/%u): not a 64 KiB DATA blockref",
		    (uintmax_t)bref->data_off, (uintmax_t)bref->key,
		    bref->keybits);
		return (EIO);
	}
	error = hammer2_data_read(ra->ra_dev, bref, ra->ra_block,
	    HAMMER2_LBUFSIZE);
	if (error != 0)
		return (error);
	bbeg = bref->key;
	bend = bbeg + HAMMER2_LBUFSIZE;
	cbeg = bbeg > ra->ra_off ? bbeg : ra->ra_off;
	cend = bend < ra->ra_off + ra->ra_len ? bend : ra->ra_off + ra->ra_len;
	if (cbeg < cend)
		memcpy(ra->ra_buf + (cbeg - ra->ra_off),
		    ra->ra_block + (cbeg - bbeg), (size_t)(cend - cbeg));
	return (0);
}

/*
 * hammer2_file_read - read up to len bytes at off from ip into buf.
 * *donep = bytes read (short only at EOF).  Returns 0, EISDIR, EIO or
 * ENOMEM.
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_file_read(struct hammer2_pfs *pmp, const struct hammer2_inode *ip,
    uint64_t off, void *buf, size_t len, size_t *donep)
{
	const struct hammer2_inode_meta *m = &ip->ino_data.meta;
	struct hammer2_dev *dev = pmp->pmp_dev;
	struct hammer2_read_arg ra;
	int error;

	*donep = 0;
	if (m->type == HAMMER2_OBJTYPE_DIRECTORY)
		return (EISDIR);
	if (off >= m->size || len == 0)
		return (0);
	if (len > m->size - off)
		len = (size_t)(m->size - off);
	if (!hammer2_inode_has_blockset(ip)) {
		memcpy(buf, ip->ino_data.u.data + off, len);
		*donep = len;
		return (0);
	}
	memset(buf, 0, len);
	ra.ra_dev = dev;
	ra.ra_off = off;
	ra.ra_len = len;
	ra.ra_buf = buf;
	ra.ra_block = hammer2_alloc(dev, HAMMER2_LBUFSIZE);
	if (ra.ra_block == NULL)
		return (ENOMEM);
	error = hammer2_tree_scan(dev, ip->ino_data.u.blockset.blockref,
	    HAMMER2_SET_COUNT, off & ~(uint64_t)(HAMMER2_LBUFSIZE - 1),
	    off + len - 1, 0, hammer2_file_read_cb, &ra);
	hammer2_free(dev, ra.ra_block, HAMMER2_LBUFSIZE);
	if (error == 0)
		*donep = len;
	return (error);
}

/*
 * hammer2_readlink - copy the target of symlink ip into buf (bufsize
 * bytes, NUL-terminated) and its length into *lenp.  Returns 0, EINVAL
 * (not a symlink), ENAMETOOLONG (buf too small), EIO or ENOMEM.
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_readlink(struct hammer2_pfs *pmp, const struct hammer2_inode *ip,
    char *buf, size_t bufsize, size_t *lenp)
{
	uint64_t size = ip->ino_data.meta.size;
	size_t done;
	int error;

	if (ip->ino_data.meta.type != HAMMER2_OBJTYPE_SOFTLINK)
		return (EINVAL);
	if (size >= bufsize)
		return (ENAMETOOLONG);
	error = hammer2_file_read(pmp, ip, 0, buf, (size_t)size, &done);
	if (error != 0)
		return (error);
	buf[done] = '\0';
	*lenp = done;
	return (0);
}
