/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_vnops_file.c - file content: read, write, truncate/extend,
 * readlink, with DragonFly's block encoding.
 *
 * Model (format §8.4, §13, §7.4): content of at most 512 bytes lives in
 * the inode (HAMMER2_OPFLAG_DIRECTDATA); a write past 512 bytes moves it
 * to DATA block 0 for good (DragonFly never moves it back).  Otherwise
 * the file is 64 KiB logical blocks, DATA leaves keyed by offset with
 * keybits 16; a missing block is a hole.  A block is stored at its
 * physical size: 64 KiB, or for the block holding EOF the smallest power
 * of two >= the bytes below EOF (at least 1 KiB), zero past EOF.  It is
 * then encoded with the inode's comp_algo: LZ4/ZLIB output is kept only
 * if it fits in half the input (hammer2_block_compress()), else stored
 * raw with compression nibble NONE; with any compression but NONE and a
 * check method but NONE an all-zero block becomes a hole (its DATA leaf
 * is deleted).  The check code (check_algo) is computed by
 * hammer2_chain_write_data().  A partial write reads, patches and
 * rewrites its block; every block write goes to a new location (the
 * chain layer's copy-on-write).  Dedup on write: a table of the blocks
 * written in this mount (by content hash) lets an identical block with
 * the same methods share one of them (hammer2_chain_share()) if that one
 * is committed and still named by the leaf it was written for.  The last
 * partly written block of a hammer2_vop_write() may be held back
 * (write-behind, hammer2_mount.h).
 *
 * Invariants: bytes past EOF are zero everywhere (embedded area, last
 * block), so a later extension reads zeros; when the size changes, the
 * block holding the old or new EOF is re-stored at its new physical size.
 *
 * Locking: none: one thread per mount (hammer2_vnops.h).  Uses the
 * mount's block buffers (mnt_lbuf, mnt_cbuf, mnt_work).
 *
 * More: docs/design/hammer2-vnops.md, reference hammer2-format.md §7, §13.
 */

#include <errno.h>
#include <string.h>

#include "hammer2_codec.h"
#include "hammer2_mount.h"

#define HAMMER2_LBUFMASK	((uint64_t)HAMMER2_LBUFSIZE - 1)
#define HAMMER2_FILE_MAXBYTES	((uint64_t)INT64_MAX)
#define HAMMER2_DEDUP_METHODS_SHIFT 56

static bool
hammer2_ino_is_embedded(const struct hammer2_ino *ino)
{
	return ((ino->in_data->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) != 0);
}

/*
 * Physical size of the block at key for a file of size bytes (§13.2);
 * 0 if the block lies wholly past EOF.
 */
static size_t
hammer2_file_psize(hammer2_key_t key, uint64_t size)
{
	uint64_t r;
	size_t psize = HAMMER2_COMP_MIN_BLOCK_BYTES;

	if (size <= key)
		return (0);
	r = size - key;
	if (r >= HAMMER2_LBUFSIZE)
		return (HAMMER2_LBUFSIZE);
	while (psize < r)
		psize <<= 1;
	return (psize);
}

/*
 * Read logical block key of ino into buf (64 KiB); a hole reads as zeros.
 * *existsp says whether a DATA leaf was found.
 */
static int
hammer2_file_read_block(struct hammer2_mount *mp, struct hammer2_ino *ino,
    hammer2_key_t key, uint8_t *buf, bool *existsp)
{
	struct hammer2_chain *ch;
	int error;

	*existsp = false;
	error = hammer2_chain_lookup(ino->in_chain, key, key, 0, &ch);
	if (error == ENOENT) {
		memset(buf, 0, HAMMER2_LBUFSIZE);
		return (0);
	}
	if (error != 0)
		return (error);
	*existsp = true;
	error = hammer2_data_read(mp->mnt_dev, &ch->ch_bref, buf,
	    HAMMER2_LBUFSIZE);
	hammer2_chain_drop(ch);
	return (error);
}

/* Delete the DATA leaf at key, if any. */
static int
hammer2_file_punch_block(struct hammer2_ino *ino, hammer2_key_t key,
    hammer2_tid_t mtid)
{
	struct hammer2_chain *ch;
	int error;

	error = hammer2_chain_lookup(ino->in_chain, key, key,
	    HAMMER2_LOOKUP_NODATA, &ch);
	if (error == ENOENT)
		return (0);
	if (error != 0)
		return (error);
	error = hammer2_chain_delete(ch, mtid);
	hammer2_chain_drop(ch);
	return (error);
}

/*
 * Encode psize bytes of buf with the inode's compression method; returns
 * the bytes to store in *datap and *lenp, and the methods byte.
 */
static int
hammer2_file_encode(struct hammer2_mount *mp, const struct hammer2_ino *ino,
    const uint8_t *buf, size_t psize, const uint8_t **datap, size_t *lenp,
    uint8_t *methodsp)
{
	const struct hammer2_inode_meta *m = &ino->in_data->meta;
	int comp = m->comp_algo & HAMMER2_COMP_ALGO_MASK;
	int check = m->check_algo & HAMMER2_COMP_ALGO_MASK;
	size_t clen;
	int rc;

	*datap = buf;
	*lenp = psize;
	*methodsp = HAMMER2_ENC_CHECK(check) |
	    HAMMER2_ENC_COMP(HAMMER2_COMP_NONE);
	if (comp != HAMMER2_COMP_LZ4 && comp != HAMMER2_COMP_ZLIB)
		return (0);
	rc = hammer2_block_compress(m->comp_algo, buf, psize, mp->mnt_cbuf,
	    HAMMER2_LBUFSIZE, mp->mnt_work, &clen);
	if (rc == HAMMER2_CODEC_ENOSPC)
		return (0);
	if (rc != 0) {
		hammer2_log(mp->mnt_dev, "hammer2: inode 0x%016jx: compressor failed (%d)",
		    (uintmax_t)ino->in_inum, rc);
		return (EIO);
	}
	*datap = mp->mnt_cbuf;
	*lenp = clen;
	*methodsp = HAMMER2_ENC_CHECK(check) | HAMMER2_ENC_COMP(comp);
	return (0);
}

/* True if an all-zero block of ino becomes a hole (§7.4). */
static bool
hammer2_file_zero_is_hole(const struct hammer2_ino *ino)
{
	const struct hammer2_inode_meta *m = &ino->in_data->meta;

	return ((m->comp_algo & HAMMER2_COMP_ALGO_MASK) != HAMMER2_COMP_NONE &&
	    (m->check_algo & HAMMER2_COMP_ALGO_MASK) != HAMMER2_CHECK_NONE);
}

/* Content key of a physical block about to be written (dedup). */
static uint64_t
hammer2_dedup_key(const uint8_t *data, size_t len, uint8_t methods)
{
	return (hammer2_xxh64(data, len, HAMMER2_XXH64_SEED) ^
	    ((uint64_t)methods << HAMMER2_DEDUP_METHODS_SHIFT) ^ len);
}

/*
 * True if the block of dedup entry dd may be shared: the leaf it was
 * written for still names it, and that leaf's bref is committed.  A
 * block of the open transaction is freed by the chain layer as soon as
 * its leaf is rewritten or deleted, and a committed block no leaf names
 * any more may be freed by bulkfree; a second leaf sharing either would
 * be left naming free space.
 */
static bool
hammer2_dedup_is_live(struct hammer2_mount *mp,
    const struct hammer2_dedup_ent *dd)
{
	struct hammer2_chain *ch;
	struct hammer2_ino owner;
	bool live = false;

	if (hammer2_ino_get(mp, dd->dd_inum, 0, &owner) != 0)
		return (false);
	if (!hammer2_ino_is_embedded(&owner) &&
	    hammer2_chain_lookup(owner.in_chain, dd->dd_fkey, dd->dd_fkey,
		HAMMER2_LOOKUP_NODATA, &ch) == 0) {
		live = ch->ch_bref.data_off == dd->dd_bref.data_off &&
		    ch->ch_bref.mirror_tid <= mp->mnt_dev->d_voldata.mirror_tid;
		hammer2_chain_drop(ch);
	}
	hammer2_ino_put(mp, &owner);
	return (live);
}

/*
 * A block written earlier in this mount, still in use and committed
 * (hammer2_dedup_is_live()), holding exactly the len bytes of data (zero
 * padded to its size) with these methods; NULL if none.
 */
static const struct hammer2_blockref *
hammer2_dedup_find(struct hammer2_mount *mp, const uint8_t *data, size_t len,
    uint8_t methods, uint64_t key)
{
	struct hammer2_dedup_ent *dd;
	const struct hammer2_blockref *b;
	const uint8_t *blk;
	size_t blen;
	bool same;

	dd = &mp->mnt_dedup[key & (HAMMER2_DEDUP_SLOTS - 1)];
	b = &dd->dd_bref;
	if (dd->dd_key != key || b->data_off == 0 || b->methods != methods ||
	    b->mirror_tid > mp->mnt_dev->d_voldata.mirror_tid ||
	    hammer2_bref_bytes(b) < len || !hammer2_dedup_is_live(mp, dd))
		return (NULL);
	if (hammer2_bref_read(mp->mnt_dev, b, (const void **)&blk, &blen) != 0)
		return (NULL);
	same = memcmp(blk, data, len) == 0 &&
	    hammer2_block_is_zero(blk + len, blen - len);
	hammer2_bref_release(mp->mnt_dev, blk, blen);
	return (same ? b : NULL);
}

/* Remember the block leaf ch of ino was just written to, for dedup. */
static void
hammer2_dedup_record(struct hammer2_mount *mp, const struct hammer2_ino *ino,
    const struct hammer2_chain *ch, uint64_t key)
{
	struct hammer2_dedup_ent *dd;

	if (HAMMER2_DEC_CHECK(ch->ch_bref.methods) == HAMMER2_CHECK_NONE)
		return;
	dd = &mp->mnt_dedup[key & (HAMMER2_DEDUP_SLOTS - 1)];
	dd->dd_key = key;
	dd->dd_inum = ino->in_inum;
	dd->dd_fkey = ch->ch_bref.key;
	dd->dd_bref = ch->ch_bref;
}

/*
 * Store logical block key of ino from buf, psize bytes (the rest of the
 * 64 KiB is past EOF and zero): a hole, a shared (dedup) block, or a new
 * block.
 */
static int
hammer2_file_store_block(struct hammer2_mount *mp, struct hammer2_ino *ino,
    hammer2_key_t key, const uint8_t *buf, size_t psize, hammer2_tid_t mtid)
{
	const struct hammer2_blockref *src;
	struct hammer2_chain *ch;
	const uint8_t *data;
	uint64_t dkey;
	uint8_t methods;
	size_t len;
	int error;

	if (hammer2_file_zero_is_hole(ino) &&
	    hammer2_block_is_zero(buf, psize))
		return (hammer2_file_punch_block(ino, key, mtid));
	error = hammer2_file_encode(mp, ino, buf, psize, &data, &len, &methods);
	if (error != 0)
		return (error);
	dkey = hammer2_dedup_key(data, len, methods);
	src = HAMMER2_DEC_CHECK(methods) == HAMMER2_CHECK_NONE ? NULL :
	    hammer2_dedup_find(mp, data, len, methods, dkey);
	error = hammer2_chain_lookup(ino->in_chain, key, key,
	    HAMMER2_LOOKUP_NODATA, &ch);
	if (error == ENOENT)
		error = hammer2_chain_create(ino->in_chain, key,
		    HAMMER2_LBUFRADIX, HAMMER2_BREF_TYPE_DATA, 0, mtid, &ch);
	if (error != 0)
		return (error);
	if (src != NULL && hammer2_chain_share(ch, src, mtid) == 0) {
		/* dedup: the bref is repeated, the block shared */
		mp->mnt_dedup_bytes += hammer2_bref_bytes(src);
		hammer2_chain_drop(ch);
		return (0);
	}
	error = hammer2_chain_write_data(ch, data, len, methods, mtid);
	if (error == 0)
		hammer2_dedup_record(mp, ino, ch, dkey);
	hammer2_chain_drop(ch);
	return (error);
}

/*
 * Re-store the block holding EOF after the size went from osize to
 * nsize, if its physical size changes (a grown file's old tail block
 * becomes a full block, a shrunk file's new tail block loses its bytes
 * past EOF).
 */
static int
hammer2_file_restore_tail(struct hammer2_mount *mp, struct hammer2_ino *ino,
    hammer2_key_t key, uint64_t osize, uint64_t nsize, hammer2_tid_t mtid)
{
	size_t npsize = hammer2_file_psize(key, nsize);
	bool exists;
	int error;

	if (npsize == 0)
		return (0);
	error = hammer2_file_read_block(mp, ino, key, mp->mnt_lbuf, &exists);
	if (error != 0 || !exists)
		return (error);
	if (nsize < osize && nsize - key < HAMMER2_LBUFSIZE)
		memset(mp->mnt_lbuf + (nsize - key), 0,
		    (size_t)(HAMMER2_LBUFSIZE - (nsize - key)));
	else if (npsize == hammer2_file_psize(key, osize))
		return (0);
	return (hammer2_file_store_block(mp, ino, key, mp->mnt_lbuf, npsize,
	    mtid));
}

/*
 * Move embedded content (DIRECTDATA) into DATA block 0 of a file about to
 * grow to nsize > 512 bytes.  The inode must be modified already.
 */
static int
hammer2_file_unembed(struct hammer2_mount *mp, struct hammer2_ino *ino,
    uint64_t nsize, hammer2_tid_t mtid)
{
	struct hammer2_inode_data *ipd = ino->in_data;
	uint64_t osize = ipd->meta.size;

	memset(mp->mnt_lbuf, 0, HAMMER2_LBUFSIZE);
	memcpy(mp->mnt_lbuf, ipd->u.data, (size_t)osize);
	memset(ipd->u.data, 0, sizeof(ipd->u.data));
	ipd->meta.op_flags &= ~HAMMER2_OPFLAG_DIRECTDATA;
	if (osize == 0)
		return (0);
	return (hammer2_file_store_block(mp, ino, 0, mp->mnt_lbuf,
	    hammer2_file_psize(0, nsize), mtid));
}

/* Delete every DATA leaf at or above key beg. */
static int
hammer2_file_free_from(struct hammer2_ino *ino, hammer2_key_t beg,
    hammer2_tid_t mtid)
{
	struct hammer2_chain *ch;
	hammer2_key_t end;
	int error;

	for (;;) {
		error = hammer2_chain_lookup(ino->in_chain, beg, HAMMER2_KEY_MAX,
		    HAMMER2_LOOKUP_NODATA, &ch);
		if (error != 0)
			break;
		end = hammer2_bref_key_end(&ch->ch_bref);
		error = hammer2_chain_delete(ch, mtid);
		hammer2_chain_drop(ch);
		if (error != 0 || end == HAMMER2_KEY_MAX)
			break;
		beg = end + 1;
	}
	return (error == ENOENT ? 0 : error);
}

/*
 * hammer2_file_resize - set the size of regular file ino to nsize:
 * shrinking frees the blocks past the new EOF and zeroes the tail of the
 * last one; growing leaves a hole.  Modifies the inode for mtid.
 * Returns 0, EFBIG, ENOSPC or EIO.
 */
int
hammer2_file_resize(struct hammer2_mount *mp, struct hammer2_ino *ino,
    uint64_t nsize, hammer2_tid_t mtid)
{
	struct hammer2_inode_data *ipd;
	uint64_t osize;
	int error;

	if (nsize > HAMMER2_FILE_MAXBYTES)
		return (EFBIG);
	error = hammer2_ino_modify(mp, ino, mtid);
	if (error != 0)
		return (error);
	ipd = ino->in_data;
	osize = ipd->meta.size;
	if (hammer2_ino_is_embedded(ino)) {
		if (nsize <= HAMMER2_EMBEDDED_BYTES) {
			if (nsize < osize)
				memset(ipd->u.data + nsize, 0,
				    (size_t)(osize - nsize));
			ipd->meta.size = nsize;
			return (0);
		}
		error = hammer2_file_unembed(mp, ino, nsize, mtid);
	} else if (nsize < osize) {
		error = hammer2_file_free_from(ino,
		    (nsize + HAMMER2_LBUFMASK) & ~HAMMER2_LBUFMASK, mtid);
		if (error == 0 && (nsize & HAMMER2_LBUFMASK) != 0)
			error = hammer2_file_restore_tail(mp, ino,
			    nsize & ~HAMMER2_LBUFMASK, osize, nsize, mtid);
	} else if (osize > 0 && nsize > osize) {
		error = hammer2_file_restore_tail(mp, ino,
		    (osize - 1) & ~HAMMER2_LBUFMASK, osize, nsize, mtid);
	}
	if (error == 0)
		ino->in_data->meta.size = nsize;
	return (error);
}

/*
 * Write len bytes of buf at off into the blocks of ino (not embedded).
 * With defer, a partly written last block is left in the write-behind
 * buffer instead of being stored (the caller flushed it before).
 */
static int
hammer2_file_write_blocks(struct hammer2_mount *mp, struct hammer2_ino *ino,
    uint64_t off, const uint8_t *buf, size_t len, uint64_t nsize,
    hammer2_tid_t mtid, bool defer)
{
	uint64_t end = off + len, bbeg, bend;
	hammer2_key_t key;
	bool exists;
	int error = 0;

	for (key = off & ~HAMMER2_LBUFMASK; key < end && error == 0;
	    key += HAMMER2_LBUFSIZE) {
		bbeg = off > key ? off : key;
		bend = end < key + HAMMER2_LBUFSIZE ? end :
		    key + HAMMER2_LBUFSIZE;
		if (bbeg != key || bend != key + HAMMER2_LBUFSIZE) {
			error = hammer2_file_read_block(mp, ino, key,
			    mp->mnt_lbuf, &exists);
			if (error != 0)
				break;
		}
		memcpy(mp->mnt_lbuf + (bbeg - key), buf + (bbeg - off),
		    (size_t)(bend - bbeg));
		if (defer && bend == end && bend != key + HAMMER2_LBUFSIZE) {
			memcpy(mp->mnt_wbuf, mp->mnt_lbuf, HAMMER2_LBUFSIZE);
			mp->mnt_wb_inum = ino->in_inum;
			mp->mnt_wb_key = key;
			mp->mnt_wb_valid = true;
			break;
		}
		error = hammer2_file_store_block(mp, ino, key, mp->mnt_lbuf,
		    hammer2_file_psize(key, nsize), mtid);
	}
	return (error);
}

/*
 * hammer2_wb_flush - store the block held back by the write-behind, if
 * any.  A failure is also kept for the next hammer2_wb_sync_error().
 * Returns 0, ENOSPC or EIO.
 *
 * Locking: none (one thread per mount); call it before taking inode
 * handles.
 */
int
hammer2_wb_flush(struct hammer2_mount *mp)
{
	struct hammer2_ino ino;
	hammer2_key_t key = mp->mnt_wb_key;
	uint64_t size;
	int error;

	if (!mp->mnt_wb_valid)
		return (0);
	mp->mnt_wb_valid = false;
	error = hammer2_ino_get(mp, mp->mnt_wb_inum, 0, &ino);
	if (error == 0) {
		size = ino.in_data->meta.size;
		if (key < size && !hammer2_ino_is_embedded(&ino))
			error = hammer2_file_store_block(mp, &ino, key,
			    mp->mnt_wbuf, hammer2_file_psize(key, size),
			    hammer2_mnt_mtid(mp));
		hammer2_ino_put(mp, &ino);
	} else if (error == ENOENT) {
		error = 0;	/* the file is gone, and the block with it */
	}
	if (error != 0 && mp->mnt_wb_error == 0)
		mp->mnt_wb_error = error;
	return (error);
}

/*
 * hammer2_wb_sync_error - flush the write-behind for a sync and return
 * (and forget) the first deferred store failure since the last one.
 */
int
hammer2_wb_sync_error(struct hammer2_mount *mp)
{
	int error;

	(void)hammer2_wb_flush(mp);
	error = mp->mnt_wb_error;
	mp->mnt_wb_error = 0;
	return (error);
}

/*
 * hammer2_file_write - write len bytes at off into regular file or
 * symlink ino for transaction mtid, growing it as needed.  Returns 0,
 * EFBIG, ENOSPC or EIO.
 */
static int
hammer2_file_write_defer(struct hammer2_mount *mp, struct hammer2_ino *ino,
    uint64_t off, const void *buf, size_t len, hammer2_tid_t mtid,
    bool defer)
{
	uint64_t end = off + len, osize, nsize;
	int error;

	if (end < off || end > HAMMER2_FILE_MAXBYTES)
		return (EFBIG);
	if (len == 0)
		return (0);
	error = hammer2_ino_modify(mp, ino, mtid);
	if (error != 0)
		return (error);
	osize = ino->in_data->meta.size;
	nsize = end > osize ? end : osize;
	if (hammer2_ino_is_embedded(ino)) {
		if (nsize <= HAMMER2_EMBEDDED_BYTES) {
			memcpy(ino->in_data->u.data + off, buf, len);
			ino->in_data->meta.size = nsize;
			return (0);
		}
		error = hammer2_file_unembed(mp, ino, nsize, mtid);
	} else if (osize > 0 && nsize > osize &&
	    ((osize - 1) & ~HAMMER2_LBUFMASK) < (off & ~HAMMER2_LBUFMASK)) {
		error = hammer2_file_restore_tail(mp, ino,
		    (osize - 1) & ~HAMMER2_LBUFMASK, osize, nsize, mtid);
	}
	if (error == 0)
		error = hammer2_file_write_blocks(mp, ino, off, buf, len, nsize,
		    mtid, defer);
	if (error == 0)
		ino->in_data->meta.size = nsize;
	return (error);
}

int
hammer2_file_write(struct hammer2_mount *mp, struct hammer2_ino *ino,
    uint64_t off, const void *buf, size_t len, hammer2_tid_t mtid)
{
	return (hammer2_file_write_defer(mp, ino, off, buf, len, mtid, false));
}

/* True if a write of [off, off + len) of inum fits the held block. */
static bool
hammer2_wb_covers(struct hammer2_mount *mp, hammer2_tid_t inum, uint64_t off,
    size_t len)
{
	return (mp->mnt_wb_valid && mp->mnt_wb_inum == inum &&
	    off >= mp->mnt_wb_key &&
	    off + len <= mp->mnt_wb_key + HAMMER2_LBUFSIZE &&
	    off + len >= off);
}

/* Patch the held block (hammer2_wb_covers()) and grow the size. */
static int
hammer2_wb_write(struct hammer2_mount *mp, struct hammer2_ino *ino,
    uint64_t off, const void *buf, size_t len, hammer2_tid_t mtid)
{
	int error;

	error = hammer2_ino_modify(mp, ino, mtid);
	if (error != 0)
		return (error);
	memcpy(mp->mnt_wbuf + (off - mp->mnt_wb_key), buf, len);
	if (off + len > ino->in_data->meta.size)
		ino->in_data->meta.size = off + len;
	return (0);
}

/* One attempt of hammer2_vop_write(). */
static int
hammer2_vop_write_once(struct hammer2_mount *mp, hammer2_tid_t inum,
    uint64_t off, const void *buf, size_t len)
{
	struct hammer2_ino ino;
	struct hammer2_inode_meta *m;
	hammer2_tid_t mtid;
	uint64_t now;
	int error;

	if (len > 0 && !hammer2_wb_covers(mp, inum, off, len))
		(void)hammer2_wb_flush(mp);	/* a failure is the next sync's */
	error = hammer2_ino_get(mp, inum, 0, &ino);
	if (error != 0)
		return (error);
	if (hammer2_mnt_is_rdonly(mp))
		error = EROFS;
	else if (ino.in_data->meta.type == HAMMER2_OBJTYPE_DIRECTORY)
		error = EISDIR;
	else if (ino.in_data->meta.type != HAMMER2_OBJTYPE_REGFILE)
		error = EINVAL;
	if (error == 0) {
		mtid = hammer2_mnt_mtid(mp);
		if (len > 0 && hammer2_wb_covers(mp, inum, off, len))
			error = hammer2_wb_write(mp, &ino, off, buf, len, mtid);
		else
			error = hammer2_file_write_defer(mp, &ino, off, buf,
			    len, mtid, true);
	}
	if (error == 0 && len > 0) {
		m = &ino.in_data->meta;
		now = hammer2_mnt_now(mp);
		m->mtime = now;
		m->ctime = now;
	}
	hammer2_ino_put(mp, &ino);
	return (error);
}

/*
 * hammer2_vop_write - write len bytes of buf at off into regular file
 * inum (all or nothing reported: 0 or an errno).  Out of space, it
 * reclaims the blocks bulkfree can free (hammer2_mnt_reclaim) and tries
 * once more.  Returns 0, ENOENT, EROFS, EISDIR, EINVAL (not a regular
 * file), EFBIG, ENOSPC or EIO.
 */
int
hammer2_vop_write(struct hammer2_mount *mp, hammer2_tid_t inum,
    uint64_t off, const void *buf, size_t len)
{
	int error;

	error = hammer2_vop_write_once(mp, inum, off, buf, len);
	if (error == ENOSPC && hammer2_mnt_reclaim(mp) == 0)
		error = hammer2_vop_write_once(mp, inum, off, buf, len);
	if (error == 0)
		mp->mnt_churn += len;
	return (error);
}

/* Read [off, off + len) of a read-write mount's file ino, clamped. */
static int
hammer2_file_read_rw(struct hammer2_mount *mp, struct hammer2_ino *ino,
    uint64_t off, uint8_t *buf, size_t len)
{
	struct hammer2_chain *ch;
	uint64_t end = off + len, bbeg, bend, key;
	int error;

	if (len == 0)
		return (0);
	if (hammer2_ino_is_embedded(ino)) {
		memcpy(buf, ino->in_data->u.data + off, len);
		return (0);
	}
	memset(buf, 0, len);
	error = hammer2_chain_lookup(ino->in_chain, off & ~HAMMER2_LBUFMASK,
	    end - 1, 0, &ch);
	while (error == 0) {
		key = ch->ch_bref.key;
		if (ch->ch_bref.type != HAMMER2_BREF_TYPE_DATA ||
		    ch->ch_bref.keybits != HAMMER2_LBUFRADIX ||
		    (key & HAMMER2_LBUFMASK) != 0) {
			hammer2_log(mp->mnt_dev, "hammer2: inode 0x%016jx: block at key 0x%016jx is not a 64 KiB DATA blockref",
			    (uintmax_t)ino->in_inum, (uintmax_t)key);
			hammer2_chain_drop(ch);
			return (EIO);
		}
		error = hammer2_data_read(mp->mnt_dev, &ch->ch_bref,
		    mp->mnt_lbuf, HAMMER2_LBUFSIZE);
		if (error != 0) {
			hammer2_chain_drop(ch);
			return (error);
		}
		bbeg = key > off ? key : off;
		bend = key + HAMMER2_LBUFSIZE < end ? key + HAMMER2_LBUFSIZE :
		    end;
		memcpy(buf + (bbeg - off), mp->mnt_lbuf + (bbeg - key),
		    (size_t)(bend - bbeg));
		error = hammer2_chain_next(ino->in_chain, ch, end - 1, 0, &ch);
	}
	return (error == ENOENT ? 0 : error);
}

/*
 * hammer2_vop_read - read up to len bytes at off of inode inum; *donep
 * is short only at EOF.  Returns 0, ENOENT, EISDIR, EIO or ENOMEM.
 */
int
hammer2_vop_read(struct hammer2_mount *mp, hammer2_tid_t inum,
    uint64_t off, void *buf, size_t len, size_t *donep)
{
	struct hammer2_ino ino;
	uint64_t size;
	int error;

	*donep = 0;
	if (mp->mnt_wb_valid && mp->mnt_wb_inum == inum)
		(void)hammer2_wb_flush(mp);	/* a failure is the next sync's */
	error = hammer2_ino_get(mp, inum, 0, &ino);
	if (error != 0)
		return (error);
	if (hammer2_mnt_is_rdonly(mp)) {
		error = hammer2_file_read(&mp->mnt_pfs, ino.in_ro, off, buf, len,
		    donep);
		goto out;
	}
	size = ino.in_data->meta.size;
	if (ino.in_data->meta.type == HAMMER2_OBJTYPE_DIRECTORY)
		error = EISDIR;
	else if (off < size && len > 0) {
		if (len > size - off)
			len = (size_t)(size - off);
		error = hammer2_file_read_rw(mp, &ino, off, buf, len);
		if (error == 0)
			*donep = len;
	}
out:
	hammer2_ino_put(mp, &ino);
	return (error);
}

/*
 * hammer2_vop_readlink - the target of symlink inum, NUL-terminated, in
 * buf; its length in *lenp.  Returns 0, ENOENT, EINVAL (not a symlink),
 * ENAMETOOLONG (buf too small) or EIO.
 */
int
hammer2_vop_readlink(struct hammer2_mount *mp, hammer2_tid_t inum,
    char *buf, size_t bufsize, size_t *lenp)
{
	struct hammer2_ino ino;
	uint64_t size;
	int error;

	*lenp = 0;
	error = hammer2_ino_get(mp, inum, 0, &ino);
	if (error != 0)
		return (error);
	size = ino.in_data->meta.size;
	if (hammer2_mnt_is_rdonly(mp))
		error = hammer2_readlink(&mp->mnt_pfs, ino.in_ro, buf, bufsize,
		    lenp);
	else if (ino.in_data->meta.type != HAMMER2_OBJTYPE_SOFTLINK)
		error = EINVAL;
	else if (size >= bufsize)
		error = ENAMETOOLONG;
	else {
		error = hammer2_file_read_rw(mp, &ino, 0, (uint8_t *)buf,
		    (size_t)size);
		if (error == 0) {
			buf[size] = '\0';
			*lenp = (size_t)size;
		}
	}
	hammer2_ino_put(mp, &ino);
	return (error);
}
