/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * fsck_hammer2.c - check a HAMMER2 file system without modifying it.
 *
 * Model: three passes over the volume, all through the shared core.
 *  1. Every volume header copy inside the device is read and validated;
 *     an invalid copy is a problem, the newest valid one is used.
 *  2. The topology is walked from the super-root: every PFS (snapshots
 *     are PFSs too), every INDIRECT, INODE, DIRENT name and DATA block;
 *     each is read, its check code verified and DATA decompressed.  Each
 *     directory entry must name an inode present in its PFS's index.
 *     Blocks reached twice (snapshots share subtrees) are walked once.
 *     Then, per PFS, every inode's nlinks must equal the number of
 *     directory entries naming it.
 *  3. The freemap is walked (nodes and leaves are CRC-checked) and every
 *     block found in pass 2 at or above allocator_beg must lie in a
 *     16 KiB granule marked allocated (binary 11).
 * Every problem is printed on stdout with the block it concerns; the exit
 * status is 1 if there was any, 0 otherwise.  -v adds statistics.
 *
 * Invariants: corruption never stops the walk early: the core reports
 * each failed block to the walk's callback (HAMMER2_SCAN_CONTINUE) and
 * the walk goes on with the next bref.  Nested inodes are bounded.
 *
 * More: fsck_hammer2(8), docs/design/hammer2.md.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libhammer2.h"

#define FSCK_MAX_INODE_NEST	4
#define FSCK_SET_MIN		4096
#define FSCK_GIB_SHIFT		30
#define FSCK_SEG_SHIFT		22
#define FSCK_SEGS_PER_LEAF	256

struct fsck_set {		/* open-addressing set of uint64 keys */
	uint64_t	*fs_keys;
	uint64_t	*fs_vals;
	size_t		 fs_cap;
	size_t		 fs_count;
};

struct fsck_leaf {
	uint64_t	fl_key;
	struct hammer2_bmap_data fl_bmap[FSCK_SEGS_PER_LEAF];
};

struct fsck_blk {
	uint64_t	fb_data_off;
	uint64_t	fb_mirror_tid;
	uint8_t		fb_type;
};

struct fsck_pfs_stats {
	uint64_t	ps_inodes, ps_dirents, ps_data, ps_indirect;
	uint64_t	ps_bytes, ps_lognames;
};

struct fsck {
	struct hammer2_dev	*f_dev;
	int			 f_verbose;
	int			 f_quiet;
	uint64_t		 f_problems;
	int			 f_nest;
	struct fsck_set		 f_seen;	/* data_off -> check hash */
	struct fsck_blk		*f_blks;
	size_t			 f_nblks, f_blkcap;
	struct fsck_leaf	*f_leaves;
	size_t			 f_nleaves;
	uint64_t		*f_inums, *f_dinums;
	size_t			 f_ninums, f_ndinums, f_inumcap, f_dinumcap;
	struct fsck_pfs_stats	 f_st;
	uint64_t		 f_types[8];
};

static void
fsck_problem(struct fsck *f, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static void
fsck_problem(struct fsck *f, const char *fmt, ...)
{
	va_list ap;

	f->f_problems++;
	printf("PROBLEM: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void *
fsck_xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL) {
		fprintf(stderr, "fsck_hammer2: out of memory\n");
		exit(8);
	}
	return (p);
}

static size_t
fsck_set_slot(const struct fsck_set *s, uint64_t key)
{
	return ((size_t)((key * 0x9E3779B97F4A7C15ULL) >> 17) & (s->fs_cap - 1));
}

static void fsck_set_put(struct fsck_set *s, uint64_t key, uint64_t val);

static void
fsck_set_grow(struct fsck_set *s)
{
	struct fsck_set old = *s;
	size_t i;

	s->fs_cap = old.fs_cap ? old.fs_cap * 2 : FSCK_SET_MIN;
	s->fs_keys = fsck_xrealloc(NULL, s->fs_cap * sizeof(uint64_t));
	s->fs_vals = fsck_xrealloc(NULL, s->fs_cap * sizeof(uint64_t));
	memset(s->fs_keys, 0, s->fs_cap * sizeof(uint64_t));
	s->fs_count = 0;
	for (i = 0; i < old.fs_cap; i++)
		if (old.fs_keys[i] != 0)
			fsck_set_put(s, old.fs_keys[i], old.fs_vals[i]);
	free(old.fs_keys);
	free(old.fs_vals);
}

/* Keys are data_off values, never 0 for a real block. */
static void
fsck_set_put(struct fsck_set *s, uint64_t key, uint64_t val)
{
	size_t i;

	if (2 * (s->fs_count + 1) > s->fs_cap)
		fsck_set_grow(s);
	for (i = fsck_set_slot(s, key); s->fs_keys[i] != 0;
	    i = (i + 1) & (s->fs_cap - 1))
		if (s->fs_keys[i] == key)
			break;
	if (s->fs_keys[i] == 0)
		s->fs_count++;
	s->fs_keys[i] = key;
	s->fs_vals[i] = val;
}

static bool
fsck_set_get(const struct fsck_set *s, uint64_t key, uint64_t *valp)
{
	size_t i;

	if (s->fs_cap == 0)
		return (false);
	for (i = fsck_set_slot(s, key); s->fs_keys[i] != 0;
	    i = (i + 1) & (s->fs_cap - 1)) {
		if (s->fs_keys[i] == key) {
			*valp = s->fs_vals[i];
			return (true);
		}
	}
	return (false);
}

static uint64_t
fsck_check_hash(const struct hammer2_blockref *bref)
{
	return (hammer2_dirhash(bref->check.buf, sizeof(bref->check.buf)) ^
	    bref->methods ^ ((uint64_t)bref->type << 8));
}

static void
fsck_push_u64(uint64_t **arr, size_t *n, size_t *cap, uint64_t v)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		*arr = fsck_xrealloc(*arr, *cap * sizeof(uint64_t));
	}
	(*arr)[(*n)++] = v;
}

/*
 * Record a block for the freemap pass.  Returns true if this exact block
 * (same offset and check code) was already walked.
 */
static bool
fsck_block_seen(struct fsck *f, const struct hammer2_blockref *bref)
{
	uint64_t h = fsck_check_hash(bref), old;

	if (hammer2_bref_bytes(bref) == 0)
		return (false);
	if (fsck_set_get(&f->f_seen, bref->data_off, &old)) {
		if (old == h)
			return (true);
		fsck_problem(f, "block 0x%016jx is referenced by two blockrefs with different check codes",
		    (uintmax_t)bref->data_off);
		return (true);
	}
	fsck_set_put(&f->f_seen, bref->data_off, h);
	if (f->f_nblks == f->f_blkcap) {
		f->f_blkcap = f->f_blkcap ? f->f_blkcap * 2 : 1024;
		f->f_blks = fsck_xrealloc(f->f_blks,
		    f->f_blkcap * sizeof(*f->f_blks));
	}
	f->f_blks[f->f_nblks].fb_data_off = bref->data_off;
	f->f_blks[f->f_nblks].fb_mirror_tid = bref->mirror_tid;
	f->f_blks[f->f_nblks].fb_type = bref->type;
	f->f_nblks++;
	return (false);
}

static int fsck_topo_cb(void *arg, const struct hammer2_blockref *bref,
    int error);

static void
fsck_bad_bref(struct fsck *f, const struct hammer2_blockref *bref, int error)
{
	if (bref == NULL)
		fsck_problem(f, "corrupt blockref array (%s)", strerror(error));
	else
		fsck_problem(f, "%s block 0x%016jx key 0x%016jx/%u: %s",
		    hammer2_bref_type_name(bref->type),
		    (uintmax_t)bref->data_off, (uintmax_t)bref->key,
		    bref->keybits, strerror(error));
}

static void
fsck_inode(struct fsck *f, const struct hammer2_blockref *bref)
{
	struct hammer2_inode *ip;
	int error;

	ip = fsck_xrealloc(NULL, sizeof(*ip));
	error = hammer2_inode_load(f->f_dev, bref, ip);
	if (error != 0) {
		fsck_bad_bref(f, bref, error);
		goto out;
	}
	f->f_st.ps_inodes++;
	if (bref->key < HAMMER2_DIRHASH_VISIBLE &&
	    (bref->flags & HAMMER2_BREF_FLAG_PFSROOT) == 0)
		fsck_push_u64(&f->f_inums, &f->f_ninums, &f->f_inumcap,
		    ip->ino_data.meta.inum);
	if (!hammer2_inode_has_blockset(ip))
		goto out;
	if (f->f_nest >= FSCK_MAX_INODE_NEST) {
		fsck_problem(f, "inode block 0x%016jx: inodes nested too deep",
		    (uintmax_t)bref->data_off);
		goto out;
	}
	f->f_nest++;
	error = hammer2_tree_scan(f->f_dev, ip->ino_data.u.blockset.blockref,
	    HAMMER2_SET_COUNT, 0, HAMMER2_KEY_MAX,
	    HAMMER2_SCAN_INDIRECT | HAMMER2_SCAN_CONTINUE, fsck_topo_cb, f);
	f->f_nest--;
	if (error != 0)
		fsck_bad_bref(f, bref, error);
out:
	free(ip);
}

static void
fsck_data(struct fsck *f, const struct hammer2_blockref *bref)
{
	static uint8_t buf[HAMMER2_LBUFSIZE];
	int error;

	f->f_st.ps_data++;
	f->f_st.ps_bytes += hammer2_bref_bytes(bref);
	error = hammer2_data_read(f->f_dev, bref, buf, sizeof(buf));
	if (error != 0)
		fsck_bad_bref(f, bref, error);
}

static void
fsck_dirent(struct fsck *f, const struct hammer2_blockref *bref)
{
	const void *data;
	size_t len;
	int error;

	f->f_st.ps_dirents++;
	fsck_push_u64(&f->f_dinums, &f->f_ndinums, &f->f_dinumcap,
	    bref->embed.dirent.inum);
	if (bref->embed.dirent.namlen == 0 ||
	    bref->embed.dirent.namlen > HAMMER2_NAME_MAXBYTES)
		fsck_problem(f, "dirent 0x%016jx: bad name length %u",
		    (uintmax_t)bref->key, bref->embed.dirent.namlen);
	if (bref->embed.dirent.namlen <= HAMMER2_DIRENT_INLINE_MAX)
		return;
	f->f_st.ps_lognames++;
	error = hammer2_bref_read(f->f_dev, bref, &data, &len);
	if (error != 0) {
		fsck_bad_bref(f, bref, error);
		return;
	}
	hammer2_bref_release(f->f_dev, data, len);
}

static int
fsck_topo_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct fsck *f = arg;

	if (error != 0) {
		fsck_bad_bref(f, bref, error);
		return (0);
	}
	if (bref->type < sizeof(f->f_types) / sizeof(f->f_types[0]))
		f->f_types[bref->type]++;
	/*
	 * Every block a commit writes, and every parent it updates, gets
	 * that commit's id, and the header then gets the same or a later
	 * one (format §16): a block newer than the header was written by a
	 * commit the header does not know of, and a read-write mount would
	 * skip its freemap recovery.
	 */
	if (bref->mirror_tid > f->f_dev->d_voldata.mirror_tid)
		fsck_problem(f, "%s block 0x%016jx has mirror_tid 0x%jx, newer than the volume header's 0x%jx",
		    hammer2_bref_type_name(bref->type),
		    (uintmax_t)bref->data_off, (uintmax_t)bref->mirror_tid,
		    (uintmax_t)f->f_dev->d_voldata.mirror_tid);
	if (fsck_block_seen(f, bref))
		return (bref->type == HAMMER2_BREF_TYPE_INDIRECT ?
		    HAMMER2_SCAN_SKIP : 0);
	switch (bref->type) {
	case HAMMER2_BREF_TYPE_INODE:
		fsck_inode(f, bref);
		break;
	case HAMMER2_BREF_TYPE_INDIRECT:
		f->f_st.ps_indirect++;
		break;
	case HAMMER2_BREF_TYPE_DATA:
		fsck_data(f, bref);
		break;
	case HAMMER2_BREF_TYPE_DIRENT:
		fsck_dirent(f, bref);
		break;
	default:
		fsck_problem(f, "%s blockref 0x%016jx in the topology",
		    hammer2_bref_type_name(bref->type),
		    (uintmax_t)bref->data_off);
		break;
	}
	return (0);
}

/* Pass 1: every header copy inside the device. */
static void
fsck_volume_headers(struct fsck *f)
{
	struct hammer2_dev *dev = f->f_dev;
	const struct hammer2_volume_data *vd = &dev->d_voldata;
	int i;

	for (i = 0; i < HAMMER2_NUM_VOLHDRS; i++) {
		if ((uint64_t)i * HAMMER2_ZONE_BYTES64 + HAMMER2_VOLUME_BYTES >
		    dev->d_devsize)
			break;
		if ((dev->d_volhdr_valid & (1 << i)) == 0)
			fsck_problem(f, "volume header %d at 0x%jx is invalid",
			    i, (uintmax_t)((uint64_t)i * HAMMER2_ZONE_BYTES64));
	}
	if (!f->f_quiet)
		printf("volume header %d chosen: mirror_tid 0x%016jx freemap_tid 0x%016jx size %ju\n",
		    dev->d_volhdr_index, (uintmax_t)vd->mirror_tid,
		    (uintmax_t)vd->freemap_tid, (uintmax_t)vd->volu_size);
	if (vd->freemap_tid > vd->mirror_tid)
		fsck_problem(f, "freemap_tid 0x%jx is newer than mirror_tid 0x%jx",
		    (uintmax_t)vd->freemap_tid, (uintmax_t)vd->mirror_tid);
}

static int
fsck_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

static int
fsck_count_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	(void)error;
	if (bref->type == HAMMER2_BREF_TYPE_INODE)
		(*(uint64_t *)arg)++;
	return (0);
}

/* -v: one line per PFS with its type and the size of its inode index. */
static int
fsck_pfs_line(void *arg, const struct hammer2_inode *ip)
{
	const struct hammer2_inode_meta *m = &ip->ino_data.meta;
	struct fsck *f = arg;
	uint64_t n = 0;

	if (hammer2_inode_has_blockset(ip))
		(void)hammer2_tree_scan(f->f_dev, ip->ino_data.u.blockset.blockref,
		    HAMMER2_SET_COUNT, 0, HAMMER2_DIRHASH_VISIBLE - 1,
		    HAMMER2_SCAN_CONTINUE, fsck_count_cb, &n);
	printf("PFS \"%.*s\": %s%s, %ju inodes besides the root, next inum 0x%jx\n",
	    m->name_len <= HAMMER2_INODE_MAXNAME ? (int)m->name_len : 0,
	    (const char *)ip->ino_data.filename,
	    hammer2_pfstype_name(m->pfs_type & HAMMER2_PFSTYPE_MASK),
	    m->pfs_subtype == HAMMER2_PFSSUBTYPE_SNAPSHOT ? " (snapshot)" : "",
	    (uintmax_t)n, (uintmax_t)m->pfs_inum);
	return (0);
}

/* Pass 2: the topology, then dirent -> inode cross-check. */
static void
fsck_topology(struct fsck *f)
{
	const struct hammer2_volume_data *vd = &f->f_dev->d_voldata;
	size_t i;
	int error;

	error = hammer2_tree_scan(f->f_dev, vd->sroot_blockset.blockref,
	    HAMMER2_SET_COUNT, 0, HAMMER2_KEY_MAX,
	    HAMMER2_SCAN_INDIRECT | HAMMER2_SCAN_CONTINUE, fsck_topo_cb, f);
	if (error != 0)
		fsck_problem(f, "super-root walk failed: %s", strerror(error));
	if (f->f_types[HAMMER2_BREF_TYPE_INODE] == 0)
		fsck_problem(f, "no super-root inode");
	if (f->f_ninums > 0)
		qsort(f->f_inums, f->f_ninums, sizeof(uint64_t), fsck_u64_cmp);
	for (i = 0; i < f->f_ndinums; i++)
		if (f->f_ninums == 0 || bsearch(&f->f_dinums[i], f->f_inums,
			f->f_ninums, sizeof(uint64_t), fsck_u64_cmp) == NULL)
			fsck_problem(f, "directory entry names inode 0x%016jx, which no inode index holds",
			    (uintmax_t)f->f_dinums[i]);
}

/*
 * Pass 2b, per PFS: every inode's nlinks must equal the number of
 * directory entries naming it (directories: exactly one, DragonFly does
 * not count subdirectories), and no entry may name a missing inode.
 * Read errors were reported by pass 2 and are not repeated here.
 */
struct fsck_links {
	struct fsck		*fl_f;
	struct hammer2_pfs	 fl_pmp;
	struct hammer2_inode	 fl_ip;
	uint64_t		*fl_refs;	/* dirent inums */
	size_t			 fl_nrefs, fl_refcap;
	struct fsck_ino {
		uint64_t	fi_inum, fi_nlinks;
	}			*fl_inos;
	size_t			 fl_ninos;
};

static int
fsck_links_dirent_cb(void *arg, const struct hammer2_dirent *de)
{
	struct fsck_links *fl = arg;

	fsck_push_u64(&fl->fl_refs, &fl->fl_nrefs, &fl->fl_refcap, de->de_inum);
	return (0);
}

static int
fsck_links_inode_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct fsck_links *fl = arg;
	struct hammer2_inode *ip = &fl->fl_ip;

	if (error != 0 || bref->type != HAMMER2_BREF_TYPE_INODE ||
	    hammer2_inode_load(fl->fl_f->f_dev, bref, ip) != 0)
		return (0);
	fl->fl_inos = fsck_xrealloc(fl->fl_inos,
	    (fl->fl_ninos + 1) * sizeof(*fl->fl_inos));
	fl->fl_inos[fl->fl_ninos].fi_inum = ip->ino_data.meta.inum;
	fl->fl_inos[fl->fl_ninos].fi_nlinks =
	    ip->ino_data.meta.type == HAMMER2_OBJTYPE_DIRECTORY ? 1 :
	    ip->ino_data.meta.nlinks;
	fl->fl_ninos++;
	if (ip->ino_data.meta.type == HAMMER2_OBJTYPE_DIRECTORY)
		(void)hammer2_dir_scan(&fl->fl_pmp, ip, 0, fsck_links_dirent_cb,
		    fl);
	return (0);
}

static int
fsck_ino_cmp(const void *a, const void *b)
{
	return (fsck_u64_cmp(a, b));
}

static void
fsck_links_compare(struct fsck_links *fl, const char *label)
{
	size_t i = 0, j = 0;
	uint64_t n;

	if (fl->fl_nrefs > 0)
		qsort(fl->fl_refs, fl->fl_nrefs, sizeof(uint64_t), fsck_u64_cmp);
	if (fl->fl_ninos > 0)
		qsort(fl->fl_inos, fl->fl_ninos, sizeof(*fl->fl_inos),
		    fsck_ino_cmp);
	while (i < fl->fl_ninos || j < fl->fl_nrefs) {
		if (i < fl->fl_ninos && (j == fl->fl_nrefs ||
			fl->fl_inos[i].fi_inum <= fl->fl_refs[j])) {
			for (n = 0; j < fl->fl_nrefs &&
			    fl->fl_refs[j] == fl->fl_inos[i].fi_inum; j++)
				n++;
			if (n != fl->fl_inos[i].fi_nlinks)
				fsck_problem(fl->fl_f, "PFS %s: inode 0x%016jx has nlinks %ju but %ju directory entries",
				    label, (uintmax_t)fl->fl_inos[i].fi_inum,
				    (uintmax_t)fl->fl_inos[i].fi_nlinks,
				    (uintmax_t)n);
			i++;
		} else {
			fsck_problem(fl->fl_f, "PFS %s: directory entry names inode 0x%016jx, missing from the index",
			    label, (uintmax_t)fl->fl_refs[j]);
			j++;
		}
	}
}

static int
fsck_links_pfs(void *arg, const struct hammer2_inode *ip)
{
	struct fsck_links *fl;
	char label[HAMMER2_INODE_MAXNAME + 1];
	size_t len = ip->ino_data.meta.name_len;

	if (!hammer2_inode_has_blockset(ip) || len > HAMMER2_INODE_MAXNAME)
		return (0);
	memcpy(label, ip->ino_data.filename, len);
	label[len] = '\0';
	fl = calloc(1, sizeof(*fl));
	if (fl == NULL)
		return (ENOMEM);
	fl->fl_f = arg;
	fl->fl_pmp.pmp_dev = fl->fl_f->f_dev;
	fl->fl_pmp.pmp_iroot = *ip;
	fl->fl_pmp.pmp_iroot.ino_pmp = &fl->fl_pmp;
	(void)hammer2_tree_scan(fl->fl_f->f_dev, ip->ino_data.u.blockset.blockref,
	    HAMMER2_SET_COUNT, 0, HAMMER2_DIRHASH_VISIBLE - 1,
	    HAMMER2_SCAN_CONTINUE, fsck_links_inode_cb, fl);
	(void)hammer2_dir_scan(&fl->fl_pmp, &fl->fl_pmp.pmp_iroot, 0,
	    fsck_links_dirent_cb, fl);
	fsck_links_compare(fl, label);
	free(fl->fl_refs);
	free(fl->fl_inos);
	free(fl);
	return (0);
}

static void
fsck_links(struct fsck *f)
{
	f->f_dev->d_quiet = 1;
	(void)hammer2_pfs_scan(f->f_dev, fsck_links_pfs, f);
	f->f_dev->d_quiet = 0;
}

static int
fsck_freemap_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct fsck *f = arg;
	const void *data;
	size_t len;
	uint64_t base;

	if (error != 0) {
		fsck_bad_bref(f, bref, error);
		return (0);
	}
	if (bref->type == HAMMER2_BREF_TYPE_FREEMAP_NODE)
		return (0);
	if (bref->type != HAMMER2_BREF_TYPE_FREEMAP_LEAF ||
	    bref->keybits != HAMMER2_FREEMAP_LEVEL1_RADIX) {
		fsck_problem(f, "freemap: unexpected %s blockref 0x%016jx keybits %u",
		    hammer2_bref_type_name(bref->type),
		    (uintmax_t)bref->data_off, bref->keybits);
		return (0);
	}
	base = bref->key;
	if (hammer2_bref_offset(bref) < base ||
	    hammer2_bref_offset(bref) >= base + HAMMER2_SEGSIZE)
		fsck_problem(f, "freemap leaf 0x%016jx for 0x%016jx is outside its reserved segment",
		    (uintmax_t)bref->data_off, (uintmax_t)base);
	error = hammer2_bref_read(f->f_dev, bref, &data, &len);
	if (error != 0) {
		fsck_bad_bref(f, bref, error);
		return (0);
	}
	f->f_leaves = fsck_xrealloc(f->f_leaves,
	    (f->f_nleaves + 1) * sizeof(*f->f_leaves));
	f->f_leaves[f->f_nleaves].fl_key = base;
	memcpy(f->f_leaves[f->f_nleaves].fl_bmap, data,
	    sizeof(f->f_leaves[0].fl_bmap));
	f->f_nleaves++;
	hammer2_bref_release(f->f_dev, data, len);
	return (0);
}

static const struct fsck_leaf *
fsck_leaf_find(const struct fsck *f, uint64_t off)
{
	size_t i;

	for (i = 0; i < f->f_nleaves; i++)
		if (f->f_leaves[i].fl_key == (off >> FSCK_GIB_SHIFT)
		    << FSCK_GIB_SHIFT)
			return (&f->f_leaves[i]);
	return (NULL);
}

static int
fsck_granule_state(const struct fsck_leaf *leaf, uint64_t off)
{
	const struct hammer2_bmap_data *bm;
	unsigned g;

	bm = &leaf->fl_bmap[(off >> FSCK_SEG_SHIFT) & (FSCK_SEGS_PER_LEAF - 1)];
	g = (unsigned)((off & (HAMMER2_SEGSIZE - 1)) >>
	    HAMMER2_FREEMAP_BLOCK_RADIX);
	return ((int)((bm->bitmapq[g / HAMMER2_BMAP_BLOCKS_PER_ELEMENT] >>
	    (2 * (g % HAMMER2_BMAP_BLOCKS_PER_ELEMENT))) & 3));
}

/* Pass 3: every reachable block must be marked allocated. */
static void
fsck_freemap(struct fsck *f)
{
	const struct hammer2_volume_data *vd = &f->f_dev->d_voldata;
	const struct fsck_leaf *leaf;
	const struct fsck_blk *b;
	uint64_t off, end;
	size_t i;
	int error, state;

	error = hammer2_tree_scan(f->f_dev, vd->freemap_blockset.blockref,
	    HAMMER2_SET_COUNT, 0, HAMMER2_KEY_MAX,
	    HAMMER2_SCAN_CONTINUE, fsck_freemap_cb, f);
	if (error != 0)
		fsck_problem(f, "freemap walk failed: %s", strerror(error));
	for (i = 0; i < f->f_nblks; i++) {
		b = &f->f_blks[i];
		off = b->fb_data_off & HAMMER2_OFF_MASK;
		if (off < vd->allocator_beg)
			continue;
		end = off + ((uint64_t)1 << (b->fb_data_off &
		    HAMMER2_OFF_MASK_RADIX));
		leaf = fsck_leaf_find(f, off);
		for (; off < end; off += HAMMER2_FREEMAP_BLOCK_SIZE) {
			state = leaf ? fsck_granule_state(leaf, off) : -1;
			if (state == HAMMER2_FREEMAP_ALLOCATED)
				continue;
			if (b->fb_mirror_tid > vd->freemap_tid) {
				if (f->f_verbose)
					printf("note: %s block 0x%016jx newer than the freemap (recovered on mount)\n",
					    hammer2_bref_type_name(b->fb_type),
					    (uintmax_t)b->fb_data_off);
				break;
			}
			fsck_problem(f, "%s block 0x%016jx is %s in the freemap",
			    hammer2_bref_type_name(b->fb_type),
			    (uintmax_t)b->fb_data_off, leaf == NULL ?
			    "not covered by any leaf" : state == 0 ?
			    "marked free" : "not marked allocated");
			break;
		}
	}
}

static void
fsck_stats(const struct fsck *f)
{
	const struct hammer2_dev *dev = f->f_dev;

	printf("blockrefs: %ju inode, %ju indirect, %ju data, %ju dirent\n",
	    (uintmax_t)f->f_types[HAMMER2_BREF_TYPE_INODE],
	    (uintmax_t)f->f_types[HAMMER2_BREF_TYPE_INDIRECT],
	    (uintmax_t)f->f_types[HAMMER2_BREF_TYPE_DATA],
	    (uintmax_t)f->f_types[HAMMER2_BREF_TYPE_DIRENT]);
	printf("unique blocks: %zu (%ju inodes, %ju indirect, %ju data blocks of %ju bytes, %ju dirents, %ju long names)\n",
	    f->f_nblks, (uintmax_t)f->f_st.ps_inodes,
	    (uintmax_t)f->f_st.ps_indirect, (uintmax_t)f->f_st.ps_data,
	    (uintmax_t)f->f_st.ps_bytes, (uintmax_t)f->f_st.ps_dirents,
	    (uintmax_t)f->f_st.ps_lognames);
	printf("freemap leaves: %zu; device reads %ju, cache hits %ju\n",
	    f->f_nleaves, (uintmax_t)dev->d_nreads, (uintmax_t)dev->d_nhits);
}

static void
usage(void)
{
	fprintf(stderr, "usage: fsck_hammer2 [-qv] special\n");
	exit(8);
}

int
main(int argc, char **argv)
{
	struct fsck f;
	int ch, error;

	memset(&f, 0, sizeof(f));
	while ((ch = getopt(argc, argv, "qv")) != -1) {
		switch (ch) {
		case 'q':
			f.f_quiet = 1;
			break;
		case 'v':
			f.f_verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	error = h2_host_open(argv[optind], 0, &f.f_dev);
	if (error != 0) {
		printf("PROBLEM: %s: cannot open a HAMMER2 volume: %s\n",
		    argv[optind], strerror(error));
		return (8);
	}
	fsck_volume_headers(&f);
	fsck_topology(&f);
	fsck_links(&f);
	fsck_freemap(&f);
	if (f.f_verbose) {
		f.f_dev->d_quiet = 1;	/* problems were reported above */
		(void)hammer2_pfs_scan(f.f_dev, fsck_pfs_line, &f);
		f.f_dev->d_quiet = 0;
		fsck_stats(&f);
	}
	printf("%s: %ju problem%s\n", argv[optind], (uintmax_t)f.f_problems,
	    f.f_problems == 1 ? "" : "s");
	h2_host_close(f.f_dev);
	free(f.f_seen.fs_keys);
	free(f.f_seen.fs_vals);
	free(f.f_blks);
	free(f.f_leaves);
	free(f.f_inums);
	free(f.f_dinums);
	return (f.f_problems == 0 ? 0 : 1);
}
