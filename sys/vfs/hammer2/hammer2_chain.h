/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_chain.h - the write side of the HAMMER2 core: an in-memory
 * copy-on-write tree of chains over the on-disk topology, the flush that
 * commits it, and the freemap allocator below both.
 *
 * Model (DragonFly's): a chain is the in-memory twin of one block of the
 * topology, reached from its parent chain.  The volume root is a pseudo
 * chain whose array is the volume header's sroot_blockset; below it the
 * super-root INODE, PFS root INODEs, inodes of the PFS inode index,
 * INDIRECT blocks, DATA blocks and DIRENT leaves.  An INODE chain is a
 * leaf of its parent's array *and* the parent of the array in its own
 * blockset (unless it embeds its data, HAMMER2_OPFLAG_DIRECTDATA).
 * INDIRECT blocks are internal: lookup/next skip over them and create
 * builds them when an array is full (format §14.2); callers only ever
 * see leaves.
 *
 * Copy-on-write: modifying a chain never touches its on-disk block.  An
 * INODE or INDIRECT chain that is modified keeps its new contents in
 * memory (ch_data) and gets a new location at the next flush.  DATA and
 * DIRENT-name blocks are written at once to a freshly allocated block by
 * hammer2_chain_write_data() (nothing committed refers to it yet, so
 * this is safe), which keeps file data out of memory.  Every change to a
 * leaf marks the parents up to the volume root as needing an update.
 *
 * Commit (format §17.1): hammer2_flush() walks the modified chains
 * bottom-up, allocates new blocks for them, computes their check codes,
 * writes them, stores the new brefs (mirror_tid = header mirror_tid + 1)
 * into the parent's array, and so on up to sroot_blockset; then the
 * freemap is flushed (rotating copies, §15.4), the device is synced, the
 * next volume header copy is written (§4.3) and the device is synced
 * again.  A crash at any point leaves the previous commit intact.
 *
 * Freeing: a block allocated since the last commit and replaced or
 * deleted before it is freed at once (no header refers to it).  Blocks
 * of the committed state are never freed synchronously: bulkfree finds
 * them unreachable from every valid header and snapshot and frees them
 * in two passes (11 -> 10 -> 00, §15.2).
 *
 * Invariants: arrays stay sorted and non-overlapping (§5.4); a chain in
 * memory is never dropped while modified or while a child is; nothing on
 * disk that a valid volume header copy refers to is ever overwritten.
 *
 * Locking: none: one thread uses a dev at a time (the FUSE daemon is
 * single-threaded).  The kernel port will put a token on each chain.
 *
 * More: docs/design/hammer2-write.md, reference hammer2-format.md
 * §14-§17.
 */

#ifndef _VFS_HAMMER2_HAMMER2_CHAIN_H_
#define _VFS_HAMMER2_HAMMER2_CHAIN_H_

#include "hammer2.h"

/* clang-format off */
#define HAMMER2_CHF_MODIFIED	0x0001	/* content changed: new block at flush */
#define HAMMER2_CHF_UPDATE	0x0002	/* a child's bref changed */
#define HAMMER2_CHF_DELETED	0x0004	/* removed from its parent */
#define HAMMER2_CHF_VROOT	0x0008	/* the volume root pseudo chain */

#define HAMMER2_LOOKUP_NODATA	0x0001	/* do not load INODE contents */
/* clang-format on */

struct hammer2_chain_priv;	/* the chain layer's own bookkeeping */

/*
 * One chain.  Callers may read every field.  After
 * hammer2_chain_modify() they may change ch_data (an INODE's contents)
 * and the bref fields that describe the leaf itself (methods of a new
 * chain, a DIRENT's embedded header and name, embed statistics);
 * data_off, check, the tids and the key/keybits belong to the chain
 * layer.
 */
struct hammer2_chain {
	struct hammer2_blockref	 ch_bref;	/* what the parent holds */
	struct hammer2_dev	*ch_dev;
	struct hammer2_chain	*ch_parent;	/* NULL: volume root */
	uint32_t		 ch_flags;	/* HAMMER2_CHF_* */
	uint32_t		 ch_refs;
	void			*ch_data;	/* INODE/INDIRECT contents */
	size_t			 ch_bytes;	/* size of ch_data */
	struct hammer2_chain_priv *ch_priv;
};

/*
 * Write-side state of a dev (dev->d_rw), created by hammer2_rw_mount(),
 * or by the first hammer2_chain_vroot() on a read-only dev (then only
 * lookups work: rw_writable is 0 and every change returns EROFS).
 * hammer2_dev_unmount() calls rw_fini, which frees it all without
 * committing.
 */
struct hammer2_rw {
	struct hammer2_chain	*rw_vroot;	/* volume root pseudo chain */
	int			 rw_next_hdr;	/* header copy for next commit */
	int			 rw_error;	/* sticky: failed commit */
	hammer2_tid_t		 rw_flush_tid;	/* mirror_tid being built */
	uint64_t		 rw_dirty_bytes; /* written since last commit */
	uint64_t		 rw_ncommits;	/* statistics */
	void			*rw_freemap;	/* hammer2_freemap.c's state */
	int			 rw_writable;	/* hammer2_rw_mount() done */
	uint64_t		 rw_nwrites;	/* statistics: block writes */
	uint64_t		 rw_nbytes;	/* statistics: bytes written */
	void	(*rw_fini)(struct hammer2_dev *); /* hammer2_dev_unmount */
	uint64_t		 rw_mem_bytes;	/* chains and their contents */
	uint64_t		 rw_cache_bytes; /* idle chains kept up to this */
	uint64_t		 rw_trim_at;	/* next trim when mem passes it */
};

/*
 * hammer2_chain.c / hammer2_flush.c (chain engineer).
 *
 * hammer2_rw_mount: d_rdwr required (else EROFS); loads the freemap,
 * recovers it if freemap_tid < mirror_tid (§17.2), picks the next header
 * slot; EBUSY if already mounted read-write.  hammer2_rw_unmount:
 * commits if anything is dirty, then frees every chain (also on a
 * read-only dev); returns the commit's error.
 *
 * hammer2_chain_vroot: the volume root, with a reference (dropping it
 * never frees it); on a read-only dev it sets up lookup-only state.
 * Unreferenced clean INODE/INDIRECT chains stay cached until the chains
 * in memory pass rw_cache_bytes more than the last trim left (callers
 * may lower rw_cache_bytes); ch_data of a chain is valid while the
 * caller holds a reference.  INODE leaves found with
 * HAMMER2_LOOKUP_NODATA may have ch_data NULL until modified or looked
 * up without it.
 *
 * hammer2_chain_lookup: first leaf below parent whose key range meets
 * [key_beg, key_end], in key order, with a reference; ENOENT if none.
 * hammer2_chain_next: the leaf after chain (which it drops) within
 * key_end.  Both see uncommitted creations and never deleted chains.
 *
 * hammer2_chain_create: a new leaf of type/key/keybits below parent,
 * EEXIST if a live leaf's range overlaps it; INODE chains get zeroed
 * ch_data of `bytes` (HAMMER2_INODE_BYTES).  mtid is the PFS
 * modify_tid of the operation (bref modify_tid).
 *
 * hammer2_chain_modify: make chain writable in memory (loads INODE and
 * INDIRECT contents) and schedule it and its ancestors for the next
 * flush.  hammer2_chain_write_data: write the (already compressed)
 * contents of a DATA or DIRENT-name leaf now: len bytes padded with
 * zeros to the power-of-two block size (>= 1 KiB, <= 64 KiB); methods
 * are stored in the bref and the check code computed.  DATA blocks are
 * refused (ENOSPC) once the freemap would drop below
 * hammer2_chain_data_reserve(): that space is kept for the inodes and
 * indirect blocks the next commit writes, so a volume filled with file
 * data still commits (and unlinks, setattrs and fsyncs still work).
 *
 * hammer2_chain_share: dedup: make a DATA/DIRENT leaf name the same
 * committed block as src (instead of write_data; EINVAL if src is not
 * committed or of another type).
 *
 * hammer2_chain_delete: remove a leaf (and, for an INODE, everything
 * below it) from its parent; the caller still holds its reference.
 *
 * hammer2_flush: commit (see above).  Returns 0, or EIO/ENOSPC; after
 * an error the dev refuses further commits (rw_error) and the last good
 * commit stays the state on disk.
 */
int hammer2_rw_mount(struct hammer2_dev *dev);
int hammer2_rw_unmount(struct hammer2_dev *dev);
struct hammer2_chain *hammer2_chain_vroot(struct hammer2_dev *dev);
void hammer2_chain_ref(struct hammer2_chain *chain);
void hammer2_chain_drop(struct hammer2_chain *chain);
int hammer2_chain_lookup(struct hammer2_chain *parent, hammer2_key_t key_beg,
    hammer2_key_t key_end, int flags, struct hammer2_chain **chainp);
int hammer2_chain_next(struct hammer2_chain *parent,
    struct hammer2_chain *chain, hammer2_key_t key_end, int flags,
    struct hammer2_chain **nextp);
int hammer2_chain_create(struct hammer2_chain *parent, hammer2_key_t key,
    int keybits, int type, size_t bytes, hammer2_tid_t mtid,
    struct hammer2_chain **chainp);
int hammer2_chain_modify(struct hammer2_chain *chain, hammer2_tid_t mtid);
int hammer2_chain_write_data(struct hammer2_chain *chain, const void *buf,
    size_t len, uint8_t methods, hammer2_tid_t mtid);
int hammer2_chain_share(struct hammer2_chain *chain,
    const struct hammer2_blockref *src, hammer2_tid_t mtid);
uint64_t hammer2_chain_data_reserve(struct hammer2_dev *dev);
int hammer2_chain_delete(struct hammer2_chain *chain, hammer2_tid_t mtid);
int hammer2_flush(struct hammer2_dev *dev);

/*
 * hammer2_freemap.c, hammer2_bulkfree.c, hammer2_growfs.c (freemap
 * engineer).
 *
 * hammer2_freemap_alloc: a block of `bytes` (power of two, 1 KiB..64 KiB)
 * for a bref of `type` (locality class, §15.2); returns data_off with
 * the size radix in its low bits; ENOSPC when full.
 * hammer2_freemap_free_uncommitted: give back a block allocated since the
 * last commit.  hammer2_freemap_flush: write the modified freemap blocks
 * to their next rotation set (§15.4), update freemap_blockset,
 * allocator_free and freemap_tid in d_voldata (the caller writes the
 * header).  hammer2_freemap_mark: mark a block of the committed topology
 * allocated (recovery, §17.2).
 *
 * hammer2_bulkfree: commit, then free every block reachable from no
 * valid volume header copy (incl. all PFSs and snapshots), in DragonFly's
 * two steps; commits again.  hammer2_growfs: grow the volume to new_size
 * (rounded down to 8 MiB) and commit.
 */
struct hammer2_bulkfree_stats {
	uint64_t	bf_scanned;	/* brefs visited */
	uint64_t	bf_staged;	/* bytes moved 11 -> 10 */
	uint64_t	bf_freed;	/* bytes moved 10 -> 00 */
	uint64_t	bf_free_after;	/* allocator_free afterwards */
};

int hammer2_freemap_init(struct hammer2_dev *dev);
void hammer2_freemap_fini(struct hammer2_dev *dev);
int hammer2_freemap_alloc(struct hammer2_dev *dev, int type, size_t bytes,
    hammer2_off_t *data_offp);
void hammer2_freemap_free_uncommitted(struct hammer2_dev *dev,
    hammer2_off_t data_off);
int hammer2_freemap_mark(struct hammer2_dev *dev, hammer2_off_t data_off);
int hammer2_freemap_flush(struct hammer2_dev *dev, hammer2_tid_t tid);
uint64_t hammer2_freemap_free_bytes(struct hammer2_dev *dev);
int hammer2_bulkfree(struct hammer2_dev *dev,
    struct hammer2_bulkfree_stats *stats);
int hammer2_growfs(struct hammer2_dev *dev, uint64_t new_size);

#endif /* !_VFS_HAMMER2_HAMMER2_CHAIN_H_ */
