/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_freemap.c - the block allocator: HAMMER2's freemap in memory,
 * allocation with DragonFly's policy, and the rotating flush of the
 * freemap blocks at commit.
 *
 * Model (format §15): every 1 GiB area of the volume has (once touched)
 * a 32 KiB leaf of 256 bmap_data, one per 4 MiB segment; each segment
 * has a 2-bit state per 16 KiB granule (00 free, 10 staged by bulkfree,
 * 11 allocated).  All leaves live in memory (32 KiB per GiB); a leaf
 * that does not exist yet is created with the §15.5 initialisation the
 * first time the allocator looks at its area.
 *
 * Allocation (DragonFly's policy): a block of 1 KiB..64 KiB (power of
 * two) is searched from a per-bref-type hint, segment by segment, first
 * only in segments whose `class` is 0 or the block's class ((type << 8)
 * | 16: inodes, indirect blocks, data and dirent names end up in
 * separate segments), then in any segment.  Inside a segment a block of
 * 16 KiB or more takes the first naturally aligned run of 00 granules;
 * a smaller block is packed into the partial granule `linear` points into
 * (aligned to its own size, so it never crosses 64 KiB), or opens a new
 * 00 granule; granules left partial by an earlier mount are closed when
 * the leaf is loaded.  The leaf's `bigmask` remembers radixes a whole-leaf scan
 * failed for.  Segments below roundup(allocator_beg, 4 MiB), the
 * reserved first segment of every 1 GiB and segments beyond the volume
 * are never used, whatever their bitmaps say.
 *
 * Freeing: only blocks handed out since the last flush can be given back
 * (hammer2_freemap_free_uncommitted); a 16 KiB+ block returns its
 * granules to 00; a smaller one rewinds `linear` if it was the last one
 * packed (and frees its granule if that empties it), else its bytes stay
 * allocated until bulkfree.  Everything else is freed by bulkfree.
 *
 * Flush (§15.4): every leaf changed since the last flush is written to
 * the next rotation set of its reserved segment (set 0 when new, else
 * (s_old + 1) mod 8 from its old data_off) with its CRC-32C and the
 * bigmask/avail hints.  Volumes above 4 GiB get FREEMAP_NODE levels
 * (keybits 38, 46, ...): the smallest level whose four entries cover the
 * volume is the root, nodes are rebuilt from the leaves and rewritten
 * (rotated the same way) when one of their children moved.  Then
 * freemap_blockset, freemap_tid and allocator_free are set in
 * d_voldata; the caller syncs and writes the header.
 *
 * Invariants: see hammer2_freemap.h.  A freemap block referenced by one
 * of the four header copies is never overwritten: each flush moves a
 * changed block one set on, and eight sets outlast four headers.
 *
 * Locking: none; the caller serialises use of the dev.
 *
 * More: docs/design/hammer2-write.md (Freemap), hammer2-format.md §3,
 * §15, §17.
 */

#include <errno.h>
#include <string.h>

#include "hammer2_freemap.h"

/* clang-format off */
#define FM_GMASK	((uint32_t)HAMMER2_FREEMAP_BLOCK_SIZE - 1)
#define FM_SEGMASK	(HAMMER2_SEGSIZE - 1)
#define FM_LEVELS	HAMMER2_ZONE_FREEMAP_LEVELS
#define FM_METHODS	HAMMER2_ENC_CHECK(HAMMER2_CHECK_FREEMAP)
#define FM_RADIX15	15		/* size radix of a 32 KiB block */
/* clang-format on */

CTASSERT(sizeof(((struct hammer2_fmleaf *)0)->fl_bmap) ==
    HAMMER2_FREEMAP_BYTES);

/*
 * ---------------------------------------------------------------------
 * A set of uint64 keys (0 is never a key: no block lives at offset 0).
 * Locking, for all of them: the caller serialises use of the set; none
 * blocks.
 */

static size_t
hammer2_u64set_slot(uint64_t key, size_t cap)
{
	return ((size_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1));
}

/* hammer2_u64set_has - is key in the set? */
bool
hammer2_u64set_has(const struct hammer2_u64set *s, uint64_t key)
{
	size_t i;

	if (s->us_cap == 0)
		return (false);
	for (i = hammer2_u64set_slot(key, s->us_cap); s->us_keys[i] != 0;
	    i = (i + 1) & (s->us_cap - 1))
		if (s->us_keys[i] == key)
			return (true);
	return (false);
}

static int
hammer2_u64set_grow(struct hammer2_dev *dev, struct hammer2_u64set *s)
{
	size_t ncap = s->us_cap ? s->us_cap * 2 : 256, i, j;
	uint64_t *nk;

	nk = hammer2_alloc(dev, ncap * sizeof(*nk));
	if (nk == NULL)
		return (ENOMEM);
	memset(nk, 0, ncap * sizeof(*nk));
	for (i = 0; i < s->us_cap; i++) {
		if (s->us_keys[i] == 0)
			continue;
		for (j = hammer2_u64set_slot(s->us_keys[i], ncap); nk[j] != 0;
		    j = (j + 1) & (ncap - 1))
			;
		nk[j] = s->us_keys[i];
	}
	hammer2_free(dev, s->us_keys, s->us_cap * sizeof(*nk));
	s->us_keys = nk;
	s->us_cap = ncap;
	return (0);
}

/* Add key; returns 0 (also if present) or ENOMEM. */
int
hammer2_u64set_add(struct hammer2_dev *dev, struct hammer2_u64set *s,
    uint64_t key)
{
	size_t i;
	int error;

	if (hammer2_u64set_has(s, key))
		return (0);
	if ((s->us_count + 1) * 2 > s->us_cap) {
		error = hammer2_u64set_grow(dev, s);
		if (error != 0)
			return (error);
	}
	for (i = hammer2_u64set_slot(key, s->us_cap); s->us_keys[i] != 0;
	    i = (i + 1) & (s->us_cap - 1))
		;
	s->us_keys[i] = key;
	s->us_count++;
	return (0);
}

/* Remove key (backward-shift deletion); returns whether it was there. */
bool
hammer2_u64set_del(struct hammer2_u64set *s, uint64_t key)
{
	size_t i, j, k, mask = s->us_cap - 1;

	if (s->us_cap == 0)
		return (false);
	for (i = hammer2_u64set_slot(key, s->us_cap); s->us_keys[i] != key;
	    i = (i + 1) & mask)
		if (s->us_keys[i] == 0)
			return (false);
	s->us_keys[i] = 0;
	s->us_count--;
	for (j = (i + 1) & mask; s->us_keys[j] != 0; j = (j + 1) & mask) {
		k = hammer2_u64set_slot(s->us_keys[j], s->us_cap);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		s->us_keys[i] = s->us_keys[j];
		s->us_keys[j] = 0;
		i = j;
	}
	return (true);
}

/* hammer2_u64set_free - release the table; the set is empty again. */
void
hammer2_u64set_free(struct hammer2_dev *dev, struct hammer2_u64set *s)
{
	hammer2_free(dev, s->us_keys, s->us_cap * sizeof(*s->us_keys));
	memset(s, 0, sizeof(*s));
}

/*
 * ---------------------------------------------------------------------
 * Bitmaps and leaves.
 */

/*
 * hammer2_freemap_get - the dev's freemap, NULL before
 * hammer2_freemap_init.  Locking: none needed.
 */
struct hammer2_freemap *
hammer2_freemap_get(struct hammer2_dev *dev)
{
	struct hammer2_rw *rw = dev->d_rw;

	return (rw != NULL ? rw->rw_freemap : NULL);
}

/*
 * Bytes the freemap covers: total_size (v2) or volu_size (v1), never
 * more than volu_size (single-volume sets only; mount checked that
 * volu_size fits the device, nobody checked total_size).
 * Locking: none needed.
 */
uint64_t
hammer2_freemap_total(const struct hammer2_volume_data *vd)
{
	uint64_t t = vd->total_size != 0 ? vd->total_size : vd->volu_size;

	return (t < vd->volu_size ? t : vd->volu_size);
}

/*
 * hammer2_freemap_gstate/_gset - the 2-bit state of granule g (0..255)
 * of a segment (§15.2 addressing).  Locking: the caller's.
 */
int
hammer2_freemap_gstate(const struct hammer2_bmap_data *bm, unsigned g)
{
	return ((int)((bm->bitmapq[g / HAMMER2_BMAP_BLOCKS_PER_ELEMENT] >>
	    (2 * (g % HAMMER2_BMAP_BLOCKS_PER_ELEMENT))) & 3));
}

void
hammer2_freemap_gset(struct hammer2_bmap_data *bm, unsigned g, int state)
{
	unsigned sh = 2 * (g % HAMMER2_BMAP_BLOCKS_PER_ELEMENT);
	uint64_t *w = &bm->bitmapq[g / HAMMER2_BMAP_BLOCKS_PER_ELEMENT];

	*w = (*w & ~(3ULL << sh)) | ((uint64_t)state << sh);
}

/*
 * hammer2_freemap_seg_usable - may the allocator hand out anything in the
 * segment at seg_base (§15.5's three rules)?  Locking: the caller's.
 */
bool
hammer2_freemap_seg_usable(const struct hammer2_freemap *fm,
    hammer2_off_t seg_base)
{
	return (seg_base >= fm->fm_floor &&
	    (seg_base & (HAMMER2_FREEMAP_LEVEL1_SIZE - 1)) != 0 &&
	    seg_base + HAMMER2_SEGSIZE <= fm->fm_total);
}

static void
hammer2_bmap_set_full(struct hammer2_bmap_data *bm)
{
	memset(bm, 0, sizeof(*bm));
	memset(bm->bitmapq, 0xFF, sizeof(bm->bitmapq));
	bm->linear = (int32_t)HAMMER2_SEGSIZE;
}

static void
hammer2_bmap_set_free(struct hammer2_bmap_data *bm)
{
	memset(bm, 0, sizeof(*bm));
	bm->avail = (uint32_t)HAMMER2_SEGSIZE;
}

/* Free bytes of a segment per its bitmap (16 KiB granular). */
static uint32_t
hammer2_bmap_count_free(const struct hammer2_bmap_data *bm)
{
	uint32_t n = 0;
	unsigned g;

	for (g = 0; g < HAMMER2_FM_GRANULES; g++)
		if (hammer2_freemap_gstate(bm, g) == HAMMER2_FREEMAP_FREE)
			n += HAMMER2_FREEMAP_BLOCK_SIZE;
	return (n);
}

/* Free bytes a leaf for the area would start with (§15.5). */
static uint64_t
hammer2_freemap_area_init_free(const struct hammer2_freemap *fm, size_t area)
{
	hammer2_off_t base = (hammer2_off_t)area * HAMMER2_FREEMAP_LEVEL1_SIZE;
	uint64_t n = 0;
	int s;

	for (s = 0; s < HAMMER2_FM_SEGS_PER_LEAF; s++)
		if (hammer2_freemap_seg_usable(fm,
			base + (hammer2_off_t)s * HAMMER2_SEGSIZE))
			n += HAMMER2_SEGSIZE;
	return (n);
}

static uint64_t
hammer2_leaf_avail(const struct hammer2_fmleaf *leaf)
{
	uint64_t n = 0;
	int s;

	for (s = 0; s < HAMMER2_FM_SEGS_PER_LEAF; s++)
		n += leaf->fl_bmap[s].avail;
	return (n);
}

static struct hammer2_fmleaf *
hammer2_leaf_new(struct hammer2_freemap *fm, size_t area)
{
	struct hammer2_fmleaf *leaf;

	leaf = hammer2_alloc(fm->fm_dev, sizeof(*leaf));
	if (leaf == NULL)
		return (NULL);
	memset(leaf, 0, sizeof(*leaf));
	leaf->fl_key = (hammer2_key_t)area * HAMMER2_FREEMAP_LEVEL1_SIZE;
	leaf->fl_bigmask = HAMMER2_FM_BIGMASK_ALL;
	return (leaf);
}

/* §15.5: what a new leaf for `area` must say. */
static void
hammer2_leaf_init(struct hammer2_freemap *fm, struct hammer2_fmleaf *leaf)
{
	hammer2_off_t seg;
	int s;

	for (s = 0; s < HAMMER2_FM_SEGS_PER_LEAF; s++) {
		seg = leaf->fl_key + (hammer2_off_t)s * HAMMER2_SEGSIZE;
		if (hammer2_freemap_seg_usable(fm, seg))
			hammer2_bmap_set_free(&leaf->fl_bmap[s]);
		else
			hammer2_bmap_set_full(&leaf->fl_bmap[s]);
	}
}

/*
 * hammer2_freemap_leaf - the leaf of a 1 GiB area, created (§15.5) if it
 * does not exist.  Returns NULL with *errorp = ENOMEM on a shortage.
 *
 * Locking: the caller serialises use of the dev.  Does not block.
 */
struct hammer2_fmleaf *
hammer2_freemap_leaf(struct hammer2_freemap *fm, size_t area, int *errorp)
{
	struct hammer2_fmleaf *leaf = fm->fm_leaves[area];

	*errorp = 0;
	if (leaf != NULL)
		return (leaf);
	leaf = hammer2_leaf_new(fm, area);
	if (leaf == NULL) {
		*errorp = ENOMEM;
		return (NULL);
	}
	hammer2_leaf_init(fm, leaf);
	leaf->fl_dirty = true;
	fm->fm_dirty = true;
	fm->fm_leaves[area] = leaf;
	return (leaf);
}

/*
 * Make a leaf read from disk safe to allocate from: avail is recomputed
 * from the bitmap (0 for segments that are never allocatable) and every
 * partial granule is closed: what another mount packed into it is not
 * known here, so its remainder counts as allocated (format §15.2: only
 * the mount that opened a granule packs into it).
 */
static void
hammer2_leaf_sanitize(struct hammer2_freemap *fm, struct hammer2_fmleaf *leaf)
{
	struct hammer2_bmap_data *bm;
	int32_t lin;
	int s;

	for (s = 0; s < HAMMER2_FM_SEGS_PER_LEAF; s++) {
		bm = &leaf->fl_bmap[s];
		if (!hammer2_freemap_seg_usable(fm,
			leaf->fl_key + (hammer2_off_t)s * HAMMER2_SEGSIZE)) {
			bm->avail = 0;	/* nothing in it can be handed out */
			continue;
		}
		bm->avail = hammer2_bmap_count_free(bm);
		lin = bm->linear;
		if (lin < 0 || lin > (int32_t)HAMMER2_SEGSIZE)
			bm->linear = (int32_t)HAMMER2_SEGSIZE;
		else
			bm->linear = (int32_t)(((uint32_t)lin + FM_GMASK) &
			    ~FM_GMASK);
	}
}

/*
 * ---------------------------------------------------------------------
 * Loading.
 */

static int
hammer2_fmnode_record(struct hammer2_freemap *fm, int level,
    const struct hammer2_blockref *bref)
{
	struct hammer2_fmnode *nn;
	size_t i, ncap;

	for (i = 0; i < fm->fm_nnodes; i++) {
		if (fm->fm_nodes[i].fn_level == level &&
		    fm->fm_nodes[i].fn_key == bref->key) {
			fm->fm_nodes[i].fn_bref = *bref;
			return (0);
		}
	}
	if (fm->fm_nnodes == fm->fm_nodecap) {
		ncap = fm->fm_nodecap ? fm->fm_nodecap * 2 : 8;
		nn = hammer2_alloc(fm->fm_dev, ncap * sizeof(*nn));
		if (nn == NULL)
			return (ENOMEM);
		if (fm->fm_nnodes != 0)
			memcpy(nn, fm->fm_nodes, fm->fm_nnodes * sizeof(*nn));
		hammer2_free(fm->fm_dev, fm->fm_nodes,
		    fm->fm_nodecap * sizeof(*nn));
		fm->fm_nodes = nn;
		fm->fm_nodecap = ncap;
	}
	nn = &fm->fm_nodes[fm->fm_nnodes++];
	nn->fn_level = level;
	nn->fn_key = bref->key;
	nn->fn_bref = *bref;
	return (0);
}

static struct hammer2_fmnode *
hammer2_fmnode_find(struct hammer2_freemap *fm, int level, hammer2_key_t key)
{
	size_t i;

	for (i = 0; i < fm->fm_nnodes; i++)
		if (fm->fm_nodes[i].fn_level == level &&
		    fm->fm_nodes[i].fn_key == key)
			return (&fm->fm_nodes[i]);
	return (NULL);
}

static int
hammer2_freemap_load_cb(void *arg, const struct hammer2_blockref *bref,
    int error)
{
	struct hammer2_freemap *fm = arg;
	struct hammer2_dev *dev = fm->fm_dev;
	struct hammer2_fmleaf *leaf;
	const void *data;
	size_t len, area;

	(void)error;
	if (bref->type == HAMMER2_BREF_TYPE_FREEMAP_NODE) {
		if (bref->keybits < 38 || bref->keybits > 62 ||
		    (bref->keybits - 30) % 8 != 0) {
			hammer2_log(dev, "hammer2: freemap node 0x%016jx: bad keybits %u",
			    (uintmax_t)bref->data_off, bref->keybits);
			return (EIO);
		}
		return (hammer2_fmnode_record(fm,
		    (bref->keybits - 30) / 8 + 1, bref));
	}
	if (bref->type != HAMMER2_BREF_TYPE_FREEMAP_LEAF ||
	    bref->keybits != HAMMER2_FREEMAP_LEVEL1_RADIX ||
	    (bref->key & (HAMMER2_FREEMAP_LEVEL1_SIZE - 1)) != 0) {
		hammer2_log(dev, "hammer2: freemap: unexpected %s blockref 0x%016jx keybits %u",
		    hammer2_bref_type_name(bref->type),
		    (uintmax_t)bref->data_off, bref->keybits);
		return (EIO);
	}
	area = (size_t)(bref->key >> HAMMER2_FREEMAP_LEVEL1_RADIX);
	if (area >= fm->fm_nareas) {
		hammer2_log(dev, "hammer2: freemap leaf for 0x%016jx lies beyond the volume; ignored",
		    (uintmax_t)bref->key);
		return (0);
	}
	if (fm->fm_leaves[area] != NULL) {
		hammer2_log(dev, "hammer2: freemap: two leaves for 0x%016jx",
		    (uintmax_t)bref->key);
		return (EIO);
	}
	error = hammer2_bref_read(dev, bref, &data, &len);
	if (error != 0)
		return (error);
	leaf = hammer2_leaf_new(fm, area);
	if (leaf == NULL) {
		hammer2_bref_release(dev, data, len);
		return (ENOMEM);
	}
	memcpy(leaf->fl_bmap, data, sizeof(leaf->fl_bmap));
	hammer2_bref_release(dev, data, len);
	leaf->fl_bref = *bref;
	hammer2_leaf_sanitize(fm, leaf);
	fm->fm_leaves[area] = leaf;
	return (0);
}

static void
hammer2_freemap_destroy(struct hammer2_freemap *fm)
{
	struct hammer2_dev *dev = fm->fm_dev;
	size_t i;

	for (i = 0; i < fm->fm_nareas; i++)
		hammer2_free(dev, fm->fm_leaves[i], sizeof(struct hammer2_fmleaf));
	hammer2_free(dev, fm->fm_leaves, fm->fm_nareas * sizeof(*fm->fm_leaves));
	hammer2_free(dev, fm->fm_nodes, fm->fm_nodecap * sizeof(*fm->fm_nodes));
	hammer2_u64set_free(dev, &fm->fm_uncommitted);
	hammer2_free(dev, fm, sizeof(*fm));
}

/* hammer2_freemap_mark through the walker. */
static int
hammer2_freemap_recover_cb(void *arg, const struct hammer2_blockref *bref)
{
	return (hammer2_freemap_mark(arg, bref->data_off));
}

/*
 * hammer2_freemap_init - load the freemap of d_voldata into memory and,
 * if the freemap is older than the topology (freemap_tid < mirror_tid,
 * a crash between the two), mark every block of the topology newer than
 * freemap_tid allocated (§17.2).  Requires dev->d_rw.  Returns 0, EINVAL
 * (no d_rw, or a volume too large to address), EIO (corrupt freemap or
 * topology) or ENOMEM.
 *
 * Locking: the caller serialises use of the dev; may block in reads.
 */
int
hammer2_freemap_init(struct hammer2_dev *dev)
{
	struct hammer2_rw *rw = dev->d_rw;
	struct hammer2_volume_data *vd = &dev->d_voldata;
	struct hammer2_freemap *fm;
	uint64_t total = hammer2_freemap_total(vd);
	hammer2_off_t floor;
	int error;

	if (rw == NULL || rw->rw_freemap != NULL)
		return (EINVAL);
	if (total < HAMMER2_VOLUME_ALIGN || total > (1ULL << 56)) {
		hammer2_log(dev, "hammer2: freemap: volume size 0x%jx not supported",
		    (uintmax_t)total);
		return (EINVAL);
	}
	fm = hammer2_alloc(dev, sizeof(*fm));
	if (fm == NULL)
		return (ENOMEM);
	memset(fm, 0, sizeof(*fm));
	fm->fm_dev = dev;
	fm->fm_total = total;
	/* Never below the boot and aux areas, whatever allocator_beg says. */
	floor = vd->allocator_beg;
	if (floor < vd->aux_end)
		floor = vd->aux_end;
	if (floor < vd->boot_end)
		floor = vd->boot_end;
	fm->fm_floor = (floor + FM_SEGMASK) & ~FM_SEGMASK;
	fm->fm_nareas = (size_t)((total + HAMMER2_FREEMAP_LEVEL1_SIZE - 1) >>
	    HAMMER2_FREEMAP_LEVEL1_RADIX);
	fm->fm_leaves = hammer2_alloc(dev,
	    fm->fm_nareas * sizeof(*fm->fm_leaves));
	if (fm->fm_leaves == NULL) {
		fm->fm_nareas = 0;
		hammer2_freemap_destroy(fm);
		return (ENOMEM);
	}
	memset(fm->fm_leaves, 0, fm->fm_nareas * sizeof(*fm->fm_leaves));
	error = hammer2_tree_scan(dev, vd->freemap_blockset.blockref,
	    HAMMER2_SET_COUNT, 0, HAMMER2_KEY_MAX, HAMMER2_SCAN_INDIRECT,
	    hammer2_freemap_load_cb, fm);
	if (error != 0) {
		hammer2_log(dev, "hammer2: freemap: cannot load (error %d)",
		    error);
		hammer2_freemap_destroy(fm);
		return (error);
	}
	rw->rw_freemap = fm;
	if (vd->freemap_tid < vd->mirror_tid) {
		error = hammer2_freemap_walk(dev, &vd->sroot_blockset,
		    vd->freemap_tid, NULL, hammer2_freemap_recover_cb, dev);
		if (error != 0) {
			hammer2_log(dev, "hammer2: freemap: recovery walk failed (error %d)",
			    error);
			rw->rw_freemap = NULL;
			hammer2_freemap_destroy(fm);
			return (error);
		}
	}
	return (0);
}

/*
 * hammer2_freemap_fini - drop the in-memory freemap (nothing written).
 *
 * Locking: the caller serialises use of the dev.  Does not block.
 */
void
hammer2_freemap_fini(struct hammer2_dev *dev)
{
	struct hammer2_rw *rw = dev->d_rw;

	if (rw == NULL || rw->rw_freemap == NULL)
		return;
	hammer2_freemap_destroy(rw->rw_freemap);
	rw->rw_freemap = NULL;
}

/*
 * hammer2_freemap_resize - cover new_total bytes (growfs): more areas,
 * and the segments of existing leaves between the old and the new end
 * become free.  Returns 0 or ENOMEM; never shrinks.
 *
 * Locking: the caller serialises use of the dev.  Does not block.
 */
int
hammer2_freemap_resize(struct hammer2_freemap *fm, uint64_t new_total)
{
	struct hammer2_dev *dev = fm->fm_dev;
	struct hammer2_fmleaf **nl, *leaf;
	hammer2_off_t seg;
	size_t nareas, a;
	int s;

	if (new_total <= fm->fm_total)
		return (0);
	nareas = (size_t)((new_total + HAMMER2_FREEMAP_LEVEL1_SIZE - 1) >>
	    HAMMER2_FREEMAP_LEVEL1_RADIX);
	if (nareas > fm->fm_nareas) {
		nl = hammer2_alloc(dev, nareas * sizeof(*nl));
		if (nl == NULL)
			return (ENOMEM);
		memset(nl, 0, nareas * sizeof(*nl));
		memcpy(nl, fm->fm_leaves, fm->fm_nareas * sizeof(*nl));
		hammer2_free(dev, fm->fm_leaves, fm->fm_nareas * sizeof(*nl));
		fm->fm_leaves = nl;
		fm->fm_nareas = nareas;
	}
	for (a = 0; a < fm->fm_nareas; a++) {
		leaf = fm->fm_leaves[a];
		if (leaf == NULL)
			continue;
		for (s = 0; s < HAMMER2_FM_SEGS_PER_LEAF; s++) {
			seg = leaf->fl_key + (hammer2_off_t)s * HAMMER2_SEGSIZE;
			if (seg + HAMMER2_SEGSIZE <= fm->fm_total ||
			    seg + HAMMER2_SEGSIZE > new_total ||
			    (seg & (HAMMER2_FREEMAP_LEVEL1_SIZE - 1)) == 0 ||
			    seg < fm->fm_floor)
				continue;
			hammer2_bmap_set_free(&leaf->fl_bmap[s]);
			leaf->fl_dirty = true;
			leaf->fl_bigmask = HAMMER2_FM_BIGMASK_ALL;
		}
	}
	fm->fm_total = new_total;
	fm->fm_dirty = true;
	return (0);
}

/*
 * ---------------------------------------------------------------------
 * Allocation.
 */

/*
 * Allocate 1 << radix bytes inside one segment; returns 0 with the byte
 * offset inside the segment, or ENOSPC.
 */
static int
hammer2_bmap_alloc(struct hammer2_bmap_data *bm, int radix, uint16_t class,
    uint32_t *offp)
{
	uint32_t size = 1U << radix, lin, off, gbeg;
	uint64_t mask;
	unsigned g, n, ngran, i;

	if (radix < HAMMER2_FREEMAP_BLOCK_RADIX) {
		lin = (uint32_t)bm->linear;
		if (bm->linear > 0 && lin < HAMMER2_SEGSIZE &&
		    (lin & FM_GMASK) != 0 &&
		    hammer2_freemap_gstate(bm, lin >>
			HAMMER2_FREEMAP_BLOCK_RADIX) ==
			HAMMER2_FREEMAP_ALLOCATED) {
			gbeg = lin & ~FM_GMASK;
			off = (lin + size - 1) & ~(size - 1);
			if (off + size <= gbeg + HAMMER2_FREEMAP_BLOCK_SIZE) {
				bm->linear = (int32_t)(off + size);
				*offp = off;
				return (0);
			}
		}
		ngran = 1;
	} else {
		ngran = 1U << (radix - HAMMER2_FREEMAP_BLOCK_RADIX);
	}
	if (bm->avail < ngran * HAMMER2_FREEMAP_BLOCK_SIZE)
		return (ENOSPC);
	mask = (1ULL << (2 * ngran)) - 1;
	for (g = 0; g < HAMMER2_FM_GRANULES; g += ngran) {
		n = g / HAMMER2_BMAP_BLOCKS_PER_ELEMENT;
		if (bm->bitmapq[n] == ~0ULL) {
			g = (n + 1) * HAMMER2_BMAP_BLOCKS_PER_ELEMENT - ngran;
			continue;
		}
		if (((bm->bitmapq[n] >> (2 * (g %
		    HAMMER2_BMAP_BLOCKS_PER_ELEMENT))) & mask) == 0)
			goto found;
	}
	return (ENOSPC);
found:
	for (i = 0; i < ngran; i++)
		hammer2_freemap_gset(bm, g + i, HAMMER2_FREEMAP_ALLOCATED);
	bm->avail -= ngran * HAMMER2_FREEMAP_BLOCK_SIZE;
	off = g * HAMMER2_FREEMAP_BLOCK_SIZE;
	if (radix < HAMMER2_FREEMAP_BLOCK_RADIX)
		bm->linear = (int32_t)(off + size);
	if (bm->class == 0)
		bm->class = class;
	*offp = off;
	return (0);
}

/*
 * One sweep over all areas from the hint, wrapping back to it.  relaxed:
 * any segment class is acceptable.  Returns 0, ENOSPC or ENOMEM.
 */
static int
hammer2_freemap_sweep(struct hammer2_freemap *fm, int radix, uint16_t class,
    hammer2_off_t hint, bool relaxed, hammer2_off_t *offp)
{
	struct hammer2_fmleaf *leaf;
	struct hammer2_bmap_data *bm;
	size_t a0, a, n;
	int s, s0, sbeg, send, error;
	uint32_t off;
	hammer2_off_t seg;

	a0 = (size_t)(hint >> HAMMER2_FREEMAP_LEVEL1_RADIX);
	s0 = (int)((hint >> HAMMER2_FREEMAP_LEVEL0_RADIX) &
	    (HAMMER2_FM_SEGS_PER_LEAF - 1));
	for (n = 0; n <= fm->fm_nareas; n++) {
		a = (a0 + n) % fm->fm_nareas;
		sbeg = n == 0 ? s0 : 0;
		send = n == fm->fm_nareas ? s0 : HAMMER2_FM_SEGS_PER_LEAF;
		if (fm->fm_leaves[a] == NULL &&
		    hammer2_freemap_area_init_free(fm, a) == 0)
			continue;
		leaf = hammer2_freemap_leaf(fm, a, &error);
		if (leaf == NULL)
			return (error);
		if ((leaf->fl_bigmask & (1U << radix)) == 0)
			continue;
		for (s = sbeg; s < send; s++) {
			bm = &leaf->fl_bmap[s];
			seg = leaf->fl_key + (hammer2_off_t)s * HAMMER2_SEGSIZE;
			fm->fm_nsegscans++;
			if (!relaxed && bm->class != 0 && bm->class != class)
				continue;
			if (!hammer2_freemap_seg_usable(fm, seg))
				continue;
			if (hammer2_bmap_alloc(bm, radix, class, &off) != 0)
				continue;
			leaf->fl_dirty = true;
			*offp = seg + off;
			return (0);
		}
		if (relaxed && sbeg == 0 && send == HAMMER2_FM_SEGS_PER_LEAF)
			leaf->fl_bigmask &= ~(1U << radix);
	}
	return (ENOSPC);
}

static int
hammer2_size_radix(size_t bytes)
{
	int radix;

	for (radix = HAMMER2_RADIX_MIN; radix <= HAMMER2_RADIX_MAX; radix++)
		if (bytes == (size_t)1 << radix)
			return (radix);
	return (-1);
}

/*
 * hammer2_freemap_alloc - see hammer2_chain.h.  Returns 0, EINVAL (bad
 * size or no freemap), ENOSPC or ENOMEM.
 *
 * Locking: the caller serialises use of the dev.  Does not block.
 */
int
hammer2_freemap_alloc(struct hammer2_dev *dev, int type, size_t bytes,
    hammer2_off_t *data_offp)
{
	struct hammer2_freemap *fm = hammer2_freemap_get(dev);
	hammer2_off_t hint, off = 0;
	uint16_t class;
	int radix, error;

	*data_offp = 0;
	radix = hammer2_size_radix(bytes);
	if (fm == NULL || radix < 0)
		return (EINVAL);
	class = (uint16_t)(((type & 0xFF) << 8) | HAMMER2_RADIX_MAX);
	hint = fm->fm_heur[type & (HAMMER2_FM_TYPES - 1)];
	if (hint < fm->fm_floor || hint >= fm->fm_total)
		hint = fm->fm_floor;
	error = hammer2_freemap_sweep(fm, radix, class, hint, false, &off);
	if (error == ENOSPC)
		error = hammer2_freemap_sweep(fm, radix, class, hint, true,
		    &off);
	if (error != 0)
		return (error);
	if (off < fm->fm_floor || off + bytes > fm->fm_total ||
	    (off & HAMMER2_PBUFMASK64) + bytes > HAMMER2_PBUFSIZE) {
		hammer2_log(dev, "hammer2: freemap: internal error: allocated 0x%jx/%zu",
		    (uintmax_t)off, bytes);
		return (EIO);
	}
	error = hammer2_u64set_add(dev, &fm->fm_uncommitted,
	    off | (hammer2_off_t)radix);
	if (error != 0)
		return (error);	/* leaked until bulkfree: harmless */
	fm->fm_heur[type & (HAMMER2_FM_TYPES - 1)] = off;
	fm->fm_dirty = true;
	fm->fm_nallocs++;
	*data_offp = off | (hammer2_off_t)radix;
	return (0);
}

/*
 * hammer2_freemap_free_uncommitted - give back a block handed out since
 * the last flush (anything else is ignored: only bulkfree may free
 * committed blocks).
 *
 * Locking: the caller serialises use of the dev.  Does not block.
 */
void
hammer2_freemap_free_uncommitted(struct hammer2_dev *dev,
    hammer2_off_t data_off)
{
	struct hammer2_freemap *fm = hammer2_freemap_get(dev);
	struct hammer2_fmleaf *leaf;
	struct hammer2_bmap_data *bm;
	hammer2_off_t off = data_off & HAMMER2_OFF_MASK;
	uint32_t soff, size, g, i, ngran;

	if (fm == NULL || !hammer2_u64set_del(&fm->fm_uncommitted, data_off))
		return;
	size = 1U << (data_off & HAMMER2_OFF_MASK_RADIX);
	leaf = fm->fm_leaves[off >> HAMMER2_FREEMAP_LEVEL1_RADIX];
	bm = &leaf->fl_bmap[(off >> HAMMER2_FREEMAP_LEVEL0_RADIX) &
	    (HAMMER2_FM_SEGS_PER_LEAF - 1)];
	soff = (uint32_t)(off & FM_SEGMASK);
	g = soff >> HAMMER2_FREEMAP_BLOCK_RADIX;
	if (size < HAMMER2_FREEMAP_BLOCK_SIZE) {
		if ((uint32_t)bm->linear != soff + size)
			return;		/* not the last packed: stays */
		bm->linear = (int32_t)soff;
		if ((soff & FM_GMASK) != 0)
			return;
		/* The granule was opened for this block: nothing left in it. */
		ngran = 1;
	} else {
		ngran = size >> HAMMER2_FREEMAP_BLOCK_RADIX;
	}
	for (i = 0; i < ngran; i++)
		hammer2_freemap_gset(bm, g + i, HAMMER2_FREEMAP_FREE);
	bm->avail += ngran * HAMMER2_FREEMAP_BLOCK_SIZE;
	leaf->fl_bigmask = HAMMER2_FM_BIGMASK_ALL;
	leaf->fl_dirty = true;
}

/*
 * hammer2_freemap_mark - mark the granules of a block allocated (00 or
 * 10 -> 11).  Blocks below allocator_beg are ignored.  If the allocator
 * was packing small blocks into a granule the block touches, that
 * granule is closed.  Returns 0, EINVAL (impossible data_off) or ENOMEM.
 *
 * Locking: the caller serialises use of the dev.  Does not block.
 */
int
hammer2_freemap_mark(struct hammer2_dev *dev, hammer2_off_t data_off)
{
	struct hammer2_freemap *fm = hammer2_freemap_get(dev);
	struct hammer2_fmleaf *leaf;
	struct hammer2_bmap_data *bm;
	hammer2_off_t off = data_off & HAMMER2_OFF_MASK, seg;
	unsigned radix = data_off & HAMMER2_OFF_MASK_RADIX;
	uint32_t soff, gfirst, glast, g, lin;
	int error, st;

	if (fm == NULL)
		return (EINVAL);
	if (radix == 0 || off < dev->d_voldata.allocator_beg)
		return (0);
	if (radix < HAMMER2_RADIX_MIN || radix > HAMMER2_RADIX_MAX ||
	    off + (1ULL << radix) > fm->fm_total ||
	    (off & HAMMER2_PBUFMASK64) + (1ULL << radix) > HAMMER2_PBUFSIZE)
		return (EINVAL);
	seg = off & ~FM_SEGMASK;
	if (!hammer2_freemap_seg_usable(fm, seg))
		return (0);	/* never allocatable: reads as allocated */
	leaf = hammer2_freemap_leaf(fm, (size_t)(off >>
	    HAMMER2_FREEMAP_LEVEL1_RADIX), &error);
	if (leaf == NULL)
		return (error);
	bm = &leaf->fl_bmap[(off >> HAMMER2_FREEMAP_LEVEL0_RADIX) &
	    (HAMMER2_FM_SEGS_PER_LEAF - 1)];
	soff = (uint32_t)(off & FM_SEGMASK);
	gfirst = soff >> HAMMER2_FREEMAP_BLOCK_RADIX;
	glast = (soff + (1U << radix) - 1) >> HAMMER2_FREEMAP_BLOCK_RADIX;
	for (g = gfirst; g <= glast; g++) {
		st = hammer2_freemap_gstate(bm, g);
		if (st == HAMMER2_FREEMAP_ALLOCATED)
			continue;
		if (st == HAMMER2_FREEMAP_FREE)
			bm->avail -= HAMMER2_FREEMAP_BLOCK_SIZE;
		hammer2_freemap_gset(bm, g, HAMMER2_FREEMAP_ALLOCATED);
		leaf->fl_dirty = true;
		fm->fm_dirty = true;
	}
	lin = (uint32_t)bm->linear;
	if ((lin & FM_GMASK) != 0 && (lin >> HAMMER2_FREEMAP_BLOCK_RADIX) >=
	    gfirst && (lin >> HAMMER2_FREEMAP_BLOCK_RADIX) <= glast) {
		bm->linear = (int32_t)((lin + FM_GMASK) & ~FM_GMASK);
		leaf->fl_dirty = true;
		fm->fm_dirty = true;
	}
	return (0);
}

/*
 * hammer2_freemap_free_bytes - free bytes, 16 KiB granular: the avail of
 * every leaf plus what areas without a leaf would start with.
 *
 * Locking: the caller serialises use of the dev.  Does not block.
 */
uint64_t
hammer2_freemap_free_bytes(struct hammer2_dev *dev)
{
	struct hammer2_freemap *fm = hammer2_freemap_get(dev);
	uint64_t n = 0;
	size_t a;

	if (fm == NULL)
		return (0);
	for (a = 0; a < fm->fm_nareas; a++)
		n += fm->fm_leaves[a] != NULL ?
		    hammer2_leaf_avail(fm->fm_leaves[a]) :
		    hammer2_freemap_area_init_free(fm, a);
	return (n);
}

/*
 * ---------------------------------------------------------------------
 * Flush.
 */

/* keybits of a level-L freemap block's range (1: leaf, 30). */
static int
hammer2_fm_keybits(int level)
{
	return (HAMMER2_FREEMAP_LEVEL1_RADIX + 8 * (level - 1));
}

/*
 * Next location of the level-L block with key `key` (§15.4): set 0 if it
 * never was on disk (or its old place is not one of its slots), else
 * the set after the old one.
 */
static hammer2_off_t
hammer2_fm_next_off(int level, hammer2_key_t key, hammer2_off_t old_data_off)
{
	hammer2_off_t old = old_data_off & HAMMER2_OFF_MASK;
	uint64_t slot;
	int s = 0;

	if (old_data_off != 0 && old >= key && old < key + HAMMER2_SEGSIZE) {
		slot = (old - key) / HAMMER2_FM_SLOT_BYTES;
		if (slot >= 1 + (uint64_t)(level - 1) &&
		    (slot - 1 - (uint64_t)(level - 1)) % FM_LEVELS == 0 &&
		    (slot - 1) / FM_LEVELS < HAMMER2_ZONE_FREEMAP_SETS)
			s = (int)(((slot - 1) / FM_LEVELS + 1) %
			    HAMMER2_ZONE_FREEMAP_SETS);
	}
	return (key + (hammer2_off_t)(1 + FM_LEVELS * s + (level - 1)) *
	    HAMMER2_FM_SLOT_BYTES);
}

static int
hammer2_fm_write(struct hammer2_freemap *fm, struct hammer2_blockref *bref,
    const void *data)
{
	struct hammer2_dev *dev = fm->fm_dev;
	int error;

	hammer2_bref_set_check(bref, data, HAMMER2_FREEMAP_BYTES);
	error = dev->d_ops->dop_write(dev->d_arg, data, HAMMER2_FREEMAP_BYTES,
	    hammer2_bref_offset(bref));
	if (error != 0) {
		hammer2_log(dev, "hammer2: freemap: write of 0x%016jx failed (error %d)",
		    (uintmax_t)bref->data_off, error);
		return (EIO);
	}
	fm->fm_nwrites++;
	return (0);
}

static int
hammer2_fm_flush_leaf(struct hammer2_freemap *fm, size_t area,
    hammer2_tid_t tid, struct hammer2_blockref *brefp, bool *movedp)
{
	struct hammer2_fmleaf *leaf = fm->fm_leaves[area];
	struct hammer2_blockref b;
	int error;

	*movedp = false;
	memset(brefp, 0, sizeof(*brefp));
	if (leaf == NULL)
		return (0);
	if (leaf->fl_dirty || leaf->fl_bref.data_off == 0) {
		/* The leaf keeps its old bref unless the write succeeds. */
		b = leaf->fl_bref;
		b.type = HAMMER2_BREF_TYPE_FREEMAP_LEAF;
		b.methods = FM_METHODS;
		b.keybits = HAMMER2_FREEMAP_LEVEL1_RADIX;
		b.key = leaf->fl_key;
		b.data_off = hammer2_fm_next_off(1, leaf->fl_key, b.data_off) |
		    FM_RADIX15;
		b.mirror_tid = tid;
		b.modify_tid = tid;
		b.check.freemap.bigmask = leaf->fl_bigmask;
		b.check.freemap.avail = hammer2_leaf_avail(leaf);
		error = hammer2_fm_write(fm, &b, leaf->fl_bmap);
		if (error != 0)
			return (error);
		leaf->fl_bref = b;
		leaf->fl_dirty = false;
		*movedp = true;
	}
	*brefp = leaf->fl_bref;
	return (0);
}

/*
 * Build (and write if needed) the level-L block of the freemap covering
 * key; *brefp is empty when nothing below exists.
 */
static int
hammer2_fm_flush_level(struct hammer2_freemap *fm, int level,
    hammer2_key_t key, hammer2_tid_t tid, struct hammer2_blockref *brefp,
    bool *movedp)
{
	struct hammer2_blockref *arr, b;
	struct hammer2_fmnode *node;
	hammer2_key_t span, ck;
	bool moved, any = false;
	int i, error = 0;

	if (level == 1)
		return (hammer2_fm_flush_leaf(fm, (size_t)(key >>
		    HAMMER2_FREEMAP_LEVEL1_RADIX), tid, brefp, movedp));
	*movedp = false;
	memset(brefp, 0, sizeof(*brefp));
	arr = hammer2_alloc(fm->fm_dev, HAMMER2_FREEMAP_BYTES);
	if (arr == NULL)
		return (ENOMEM);
	memset(arr, 0, HAMMER2_FREEMAP_BYTES);
	memset(&b, 0, sizeof(b));
	span = 1ULL << hammer2_fm_keybits(level - 1);
	for (i = 0; i < HAMMER2_FREEMAP_COUNT; i++) {
		ck = key + (hammer2_key_t)i * span;
		if (ck >= fm->fm_total || (i != 0 && ck <= key))
			break;
		error = hammer2_fm_flush_level(fm, level - 1, ck, tid, &arr[i],
		    &moved);
		if (error != 0)
			goto out;
		if (arr[i].type != HAMMER2_BREF_TYPE_EMPTY) {
			any = true;
			if (arr[i].mirror_tid > b.mirror_tid)
				b.mirror_tid = arr[i].mirror_tid;
			if (arr[i].modify_tid > b.modify_tid)
				b.modify_tid = arr[i].modify_tid;
		}
		if (moved)
			*movedp = true;
	}
	if (!any)
		goto out;
	node = hammer2_fmnode_find(fm, level, key);
	if (node != NULL && !*movedp) {
		*brefp = node->fn_bref;
		goto out;
	}
	b.type = HAMMER2_BREF_TYPE_FREEMAP_NODE;
	b.methods = FM_METHODS;
	b.keybits = (uint8_t)hammer2_fm_keybits(level);
	b.key = key;
	b.data_off = hammer2_fm_next_off(level, key,
	    node != NULL ? node->fn_bref.data_off : 0) | FM_RADIX15;
	b.check.freemap.bigmask = HAMMER2_FM_BIGMASK_ALL;
	error = hammer2_fm_write(fm, &b, arr);
	if (error == 0)
		error = hammer2_fmnode_record(fm, level, &b);
	if (error == 0) {
		*brefp = b;
		*movedp = true;
	}
out:
	hammer2_free(fm->fm_dev, arr, HAMMER2_FREEMAP_BYTES);
	return (error);
}

/*
 * hammer2_freemap_flush - see hammer2_chain.h.  tid is the mirror_tid of
 * the commit being built.  Returns 0, EROFS (dev not writable), EINVAL
 * (no freemap), EIO (a write failed: the header must not be written) or
 * ENOMEM.
 *
 * Locking: the caller serialises use of the dev; blocks in writes.
 */
int
hammer2_freemap_flush(struct hammer2_dev *dev, hammer2_tid_t tid)
{
	struct hammer2_freemap *fm = hammer2_freemap_get(dev);
	struct hammer2_volume_data *vd = &dev->d_voldata;
	struct hammer2_blockset set;
	hammer2_key_t span;
	bool moved;
	int level = 1, r, error;

	if (fm == NULL)
		return (EINVAL);
	if (!dev->d_rdwr || dev->d_ops->dop_write == NULL)
		return (EROFS);
	/* The root level: the smallest whose 4 entries cover the volume. */
	span = HAMMER2_FREEMAP_LEVEL1_SIZE;
	while (level < FM_LEVELS &&
	    fm->fm_total > span * HAMMER2_SET_COUNT) {
		level++;
		span <<= 8;
	}
	memset(&set, 0, sizeof(set));
	for (r = 0; r < HAMMER2_SET_COUNT; r++) {
		if ((hammer2_key_t)r * span >= fm->fm_total)
			break;
		error = hammer2_fm_flush_level(fm, level,
		    (hammer2_key_t)r * span, tid, &set.blockref[r], &moved);
		if (error != 0)
			return (error);
	}
	vd->freemap_blockset = set;
	vd->freemap_tid = tid;
	vd->allocator_free = hammer2_freemap_free_bytes(dev);
	hammer2_u64set_free(dev, &fm->fm_uncommitted);
	fm->fm_dirty = false;
	fm->fm_nflushes++;
	return (0);
}
