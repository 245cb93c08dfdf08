/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * h2_fakewriter.c - a tiny copy-on-write HAMMER2 writer that exists to
 * test the crash harness itself, independently of the real write path.
 *
 * Model: on a freshly made image (or one this program wrote), it keeps
 * up to H2FW_NFILES small files with embedded data directly in the root
 * of one PFS.  Each commit writes or unlinks one random file: it writes
 * the new file inode, the new PFS root inode (its blockset lists the
 * file inodes by inode number and their directory entries by name hash)
 * and the new super-root inode, each at a fresh 1 KiB block, syncs, then
 * writes the next volume header copy with a higher mirror_tid and syncs
 * again (format §17.1).  After the commit it adds a workload marker:
 * "FILE /name size hash" or "GONE /name"; before changing a file it adds
 * "DIRTY /name".  The device is opened through h2_host_open(), so
 * $H2_WLOG records it exactly as it would record the real write path.
 *
 * Deliberately broken modes, each of which the harness must catch:
 *   nosync      no barrier between the blocks and the volume header, so
 *               the disk may write the header first (caught only by the
 *               reordering of an epoch's writes);
 *   inplace     the PFS root inode is overwritten where the committed
 *               header still references it (caught by prefix cuts: the
 *               old tree's check code no longer matches);
 *   earlymark   the marker is added after the header is written but
 *               before the final sync (fsync returning before the commit
 *               is durable; caught when the header write is dropped);
 *   wrongtype   a marker "DIR /fN" for a file it wrote (the replayer's
 *               type check must reject it);
 *   norotate    every header goes to the copy it mounted from, never the
 *               next one (format §4.3): on a device with two copies a
 *               torn header write then leaves only the stale other copy
 *               (caught only by torn-header images, -T);
 *   staletid    the header's mirror_tid is never advanced although every
 *               block gets mirror_tid + 1: fsck and a read-only open are
 *               content, but a read-write mount sees freemap_tid ==
 *               mirror_tid, skips the freemap recovery of §17.2 and
 *               allocates over live blocks (caught only by the
 *               read-write recovery check, -M).
 *
 * Invariants (mode good): no block referenced by the committed header is
 * ever written; new blocks come from a bump allocator above everything
 * the current tree uses.  Blocks are not entered in the freemap: their
 * mirror_tid is above freemap_tid, which fsck accepts as "recovered on
 * mount" (format §17.2).
 *
 * Locking: single-threaded program.
 *
 * More: tests/hammer2/crash/h2_crashreplay.c, tests/suites/hammer2-crash.sh.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libhammer2.h"

#define H2FW_NFILES		2
#define H2FW_INUM_BASE		17	/* above newfs's pfs_inum (16) */
#define H2FW_RADIX		10	/* 1 KiB blocks */
#define H2FW_BLOCK_BYTES	((uint64_t)1 << H2FW_RADIX)
#define H2FW_START_ALIGN	HAMMER2_SEGSIZE	/* where the allocator may go too */
#define H2FW_FILE_MODE		0644
#define H2FW_NAME_MAX		16

enum h2fw_mode {
	H2FW_GOOD, H2FW_NOSYNC, H2FW_INPLACE, H2FW_EARLYMARK, H2FW_WRONGTYPE,
	H2FW_NOROTATE, H2FW_STALETID
};

struct h2fw_file {
	bool		ff_exists;
	uint64_t	ff_size;
	uint8_t		ff_data[HAMMER2_EMBEDDED_BYTES];
	struct hammer2_blockref ff_bref;	/* its inode's bref */
};

struct h2fw {
	struct hammer2_dev	*fw_dev;
	enum h2fw_mode		 fw_mode;
	uint64_t		 fw_rng;
	uint64_t		 fw_next;	/* bump allocator */
	int			 fw_hdr;	/* last header copy written */
	int			 fw_slot;	/* PFS root's slot in sroot */
	struct hammer2_volume_data fw_vd;
	struct hammer2_inode_data fw_sroot;
	struct hammer2_inode_data fw_root;
	struct hammer2_blockref	 fw_root_bref;
	struct h2fw_file	 fw_files[H2FW_NFILES];
};

static uint64_t
h2fw_rand(struct h2fw *fw)
{
	fw->fw_rng ^= fw->fw_rng << 13;
	fw->fw_rng ^= fw->fw_rng >> 7;
	fw->fw_rng ^= fw->fw_rng << 17;
	return (fw->fw_rng);
}

static void
h2fw_name(int i, char *buf, size_t len)
{
	snprintf(buf, len, "f%d", i);
}

static void
h2fw_note_used(struct h2fw *fw, const struct hammer2_blockref *bref)
{
	uint64_t end;

	if (bref->type == HAMMER2_BREF_TYPE_EMPTY ||
	    hammer2_bref_offset(bref) == 0)
		return;
	end = hammer2_bref_offset(bref) + hammer2_bref_bytes(bref);
	if (end > fw->fw_next)
		fw->fw_next = end;
}

static uint64_t
h2fw_alloc(struct h2fw *fw)
{
	uint64_t off = fw->fw_next;

	fw->fw_next += H2FW_BLOCK_BYTES;
	return (off);
}

/* Build a 1 KiB INODE bref for data placed at off. */
static void
h2fw_inode_bref(struct hammer2_blockref *bref, hammer2_key_t key,
    uint64_t off, hammer2_tid_t tid, const struct hammer2_inode_data *ipd)
{
	uint8_t flags = bref->flags, methods = bref->methods;

	if (bref->type != HAMMER2_BREF_TYPE_INODE)
		methods = HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64);
	memset(bref, 0, sizeof(*bref));
	bref->type = HAMMER2_BREF_TYPE_INODE;
	bref->methods = methods;
	bref->key = key;
	bref->flags = flags;
	bref->mirror_tid = tid;
	bref->modify_tid = tid;
	bref->data_off = off | H2FW_RADIX;
	bref->embed.stats.inode_count = 1;
	bref->embed.stats.data_count = H2FW_BLOCK_BYTES;
	hammer2_bref_set_check(bref, ipd, sizeof(*ipd));
}

static int
h2fw_write(struct h2fw *fw, const void *buf, size_t len, uint64_t off)
{
	return (fw->fw_dev->d_ops->dop_write(fw->fw_dev->d_arg, buf, len, off));
}

static int
h2fw_sync(struct h2fw *fw)
{
	return (fw->fw_dev->d_ops->dop_sync(fw->fw_dev->d_arg));
}

/* Write the new inode of file i and set its bref. */
static int
h2fw_write_file(struct h2fw *fw, int i, hammer2_tid_t tid)
{
	struct h2fw_file *ff = &fw->fw_files[i];
	struct hammer2_inode_data ipd;
	char name[H2FW_NAME_MAX];
	uint64_t off = h2fw_alloc(fw);

	h2fw_name(i, name, sizeof(name));
	memset(&ipd, 0, sizeof(ipd));
	ipd.meta.version = HAMMER2_INODE_VERSION_ONE;
	ipd.meta.type = HAMMER2_OBJTYPE_REGFILE;
	ipd.meta.op_flags = HAMMER2_OPFLAG_DIRECTDATA;
	ipd.meta.mode = H2FW_FILE_MODE;
	ipd.meta.inum = H2FW_INUM_BASE + (hammer2_tid_t)i;
	ipd.meta.size = ff->ff_size;
	ipd.meta.nlinks = 1;
	ipd.meta.iparent = 1;
	ipd.meta.name_key = hammer2_dirhash(name, strlen(name));
	ipd.meta.name_len = (uint16_t)strlen(name);
	ipd.meta.comp_algo = fw->fw_root.meta.comp_algo;
	ipd.meta.check_algo = fw->fw_root.meta.check_algo;
	ipd.meta.ctime = ipd.meta.mtime = tid;
	memcpy(ipd.filename, name, strlen(name));
	memcpy(ipd.u.data, ff->ff_data, ff->ff_size);
	h2fw_inode_bref(&ff->ff_bref, ipd.meta.inum, off, tid, &ipd);
	return (h2fw_write(fw, &ipd, sizeof(ipd), off));
}

static int
h2fw_bref_cmp(const void *a, const void *b)
{
	const struct hammer2_blockref *x = a, *y = b;

	if (x->type == HAMMER2_BREF_TYPE_EMPTY)
		return (y->type == HAMMER2_BREF_TYPE_EMPTY ? 0 : 1);
	if (y->type == HAMMER2_BREF_TYPE_EMPTY)
		return (-1);
	return (x->key < y->key ? -1 : x->key > y->key);
}

/* Rebuild the PFS root's blockset: file inodes and their dirents. */
static void
h2fw_root_blockset(struct h2fw *fw, hammer2_tid_t tid)
{
	struct hammer2_blockref *set = fw->fw_root.u.blockset.blockref;
	struct hammer2_blockref *de;
	char name[H2FW_NAME_MAX];
	int i, n = 0;

	memset(set, 0, sizeof(fw->fw_root.u.blockset));
	for (i = 0; i < H2FW_NFILES; i++) {
		if (!fw->fw_files[i].ff_exists)
			continue;
		h2fw_name(i, name, sizeof(name));
		set[n++] = fw->fw_files[i].ff_bref;
		de = &set[n++];
		de->type = HAMMER2_BREF_TYPE_DIRENT;
		de->methods = HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64);
		de->key = hammer2_dirhash(name, strlen(name));
		de->mirror_tid = de->modify_tid = tid;
		de->embed.dirent.inum = H2FW_INUM_BASE + (hammer2_tid_t)i;
		de->embed.dirent.namlen = (uint16_t)strlen(name);
		de->embed.dirent.type = HAMMER2_OBJTYPE_REGFILE;
		memcpy(de->check.buf, name, strlen(name));
	}
	qsort(set, HAMMER2_SET_COUNT, sizeof(*set), h2fw_bref_cmp);
}

static int
h2fw_next_header(struct h2fw *fw)
{
	int next = (fw->fw_hdr + 1) % HAMMER2_NUM_VOLHDRS;

	if (fw->fw_mode == H2FW_NOROTATE)
		return (fw->fw_hdr);

	if ((uint64_t)next * HAMMER2_ZONE_BYTES64 + HAMMER2_VOLUME_BYTES >
	    fw->fw_vd.volu_size)
		next = 0;
	return (next);
}

static int
h2fw_mark(struct h2fw *fw, const char *kind, int i)
{
	struct h2fw_file *ff = &fw->fw_files[i];
	char text[H2_WLOG_MARK_MAXBYTES], name[H2FW_NAME_MAX];

	h2fw_name(i, name, sizeof(name));
	if (strcmp(kind, "FILE") == 0)
		snprintf(text, sizeof(text), "FILE /%s %" PRIu64 " %016" PRIx64,
		    name, ff->ff_size,
		    h2_wlog_hash(H2_WLOG_HASH_INIT, ff->ff_data, ff->ff_size));
	else
		snprintf(text, sizeof(text), "%s /%s", kind, name);
	return (h2_wlog_mark(fw->fw_dev, text));
}

/*
 * One commit changing file i (already updated in fw_files).  The order of
 * writes, barriers and the marker depends on the mode.
 */
static int
h2fw_commit(struct h2fw *fw, int i)
{
	struct hammer2_blockref *rb, *sb;
	hammer2_tid_t tid = fw->fw_vd.mirror_tid + 1;
	uint64_t roff, soff;
	int error, hdr;

	if (fw->fw_files[i].ff_exists) {
		error = h2fw_write_file(fw, i, tid);
		if (error != 0)
			return (error);
	}
	h2fw_root_blockset(fw, tid);
	fw->fw_root.meta.mtime = tid;
	if (fw->fw_root.meta.pfs_inum < H2FW_INUM_BASE + H2FW_NFILES)
		fw->fw_root.meta.pfs_inum = H2FW_INUM_BASE + H2FW_NFILES;
	roff = fw->fw_mode == H2FW_INPLACE ?
	    hammer2_bref_offset(&fw->fw_root_bref) : h2fw_alloc(fw);
	rb = &fw->fw_sroot.u.blockset.blockref[fw->fw_slot];
	h2fw_inode_bref(rb, rb->key, roff, tid, &fw->fw_root);
	fw->fw_root_bref = *rb;
	if ((error = h2fw_write(fw, &fw->fw_root, sizeof(fw->fw_root),
	    roff)) != 0)
		return (error);
	soff = h2fw_alloc(fw);
	sb = &fw->fw_vd.sroot_blockset.blockref[0];
	h2fw_inode_bref(sb, sb->key, soff, tid, &fw->fw_sroot);
	if ((error = h2fw_write(fw, &fw->fw_sroot, sizeof(fw->fw_sroot),
	    soff)) != 0)
		return (error);
	if (fw->fw_mode != H2FW_NOSYNC && (error = h2fw_sync(fw)) != 0)
		return (error);
	if (fw->fw_mode != H2FW_STALETID)
		fw->fw_vd.mirror_tid = tid;
	hammer2_volume_set_crcs(&fw->fw_vd);
	hdr = h2fw_next_header(fw);
	error = h2fw_write(fw, &fw->fw_vd, sizeof(fw->fw_vd),
	    (uint64_t)hdr * HAMMER2_ZONE_BYTES64);
	if (error != 0)
		return (error);
	fw->fw_hdr = hdr;
	if (fw->fw_mode == H2FW_EARLYMARK)
		error = h2fw_mark(fw, fw->fw_files[i].ff_exists ? "FILE" :
		    "GONE", i);
	if (error == 0)
		error = h2fw_sync(fw);
	if (error == 0 && fw->fw_mode != H2FW_EARLYMARK)
		error = h2fw_mark(fw, fw->fw_files[i].ff_exists ? "FILE" :
		    "GONE", i);
	if (error == 0 && fw->fw_mode == H2FW_WRONGTYPE &&
	    fw->fw_files[i].ff_exists)
		error = h2fw_mark(fw, "DIR", i);
	return (error);
}

/* Change one random file: new random contents, or unlink it. */
static int
h2fw_step(struct h2fw *fw)
{
	int i = (int)(h2fw_rand(fw) % H2FW_NFILES);
	struct h2fw_file *ff = &fw->fw_files[i];
	size_t k;
	int error;

	if ((error = h2fw_mark(fw, "DIRTY", i)) != 0)
		return (error);
	if (ff->ff_exists && h2fw_rand(fw) % 4 == 0) {
		ff->ff_exists = false;
	} else {
		ff->ff_exists = true;
		ff->ff_size = 1 + h2fw_rand(fw) % HAMMER2_EMBEDDED_BYTES;
		for (k = 0; k < ff->ff_size; k++)
			ff->ff_data[k] = (uint8_t)h2fw_rand(fw);
	}
	return (h2fw_commit(fw, i));
}

/* Load the committed state: header, super-root, the PFS root, files. */
static int
h2fw_load(struct h2fw *fw, const char *label)
{
	struct hammer2_inode ip;
	struct hammer2_pfs pmp;
	const struct hammer2_blockref *b;
	int error, i;

	fw->fw_vd = fw->fw_dev->d_voldata;
	fw->fw_hdr = fw->fw_dev->d_volhdr_index;
	if ((error = hammer2_sroot_load(fw->fw_dev, &ip)) != 0)
		return (error);
	fw->fw_sroot = ip.ino_data;
	if ((error = hammer2_pfs_open(fw->fw_dev, label, &pmp)) != 0)
		return (error);
	fw->fw_root = pmp.pmp_iroot.ino_data;
	fw->fw_root_bref = pmp.pmp_iroot.ino_bref;
	fw->fw_slot = -1;
	fw->fw_next = fw->fw_vd.allocator_beg;
	h2fw_note_used(fw, &fw->fw_vd.sroot_blockset.blockref[0]);
	for (i = 0; i < HAMMER2_SET_COUNT; i++) {
		b = &fw->fw_sroot.u.blockset.blockref[i];
		h2fw_note_used(fw, b);
		if (b->type == HAMMER2_BREF_TYPE_INODE &&
		    b->data_off == fw->fw_root_bref.data_off)
			fw->fw_slot = i;
	}
	for (i = 0; i < HAMMER2_SET_COUNT; i++) {
		b = &fw->fw_root.u.blockset.blockref[i];
		h2fw_note_used(fw, b);
		if (b->type == HAMMER2_BREF_TYPE_INODE &&
		    b->key >= H2FW_INUM_BASE &&
		    b->key < H2FW_INUM_BASE + H2FW_NFILES)
			return (EEXIST);	/* XXX: reload of our files */
	}
	if (fw->fw_slot < 0 ||
	    (fw->fw_root.meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA))
		return (EINVAL);
	fw->fw_next = (fw->fw_next + H2FW_START_ALIGN - 1) &
	    ~(uint64_t)(H2FW_START_ALIGN - 1);
	return (0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: h2_fakewriter [-c commits] [-L label] "
	    "[-m good|nosync|inplace|earlymark|wrongtype|norotate|staletid] "
	    "[-s seed] image\n");
	exit(2);
}

static enum h2fw_mode
h2fw_parse_mode(const char *s)
{
	if (strcmp(s, "good") == 0)
		return (H2FW_GOOD);
	if (strcmp(s, "nosync") == 0)
		return (H2FW_NOSYNC);
	if (strcmp(s, "inplace") == 0)
		return (H2FW_INPLACE);
	if (strcmp(s, "earlymark") == 0)
		return (H2FW_EARLYMARK);
	if (strcmp(s, "wrongtype") == 0)
		return (H2FW_WRONGTYPE);
	if (strcmp(s, "norotate") == 0)
		return (H2FW_NOROTATE);
	if (strcmp(s, "staletid") == 0)
		return (H2FW_STALETID);
	fprintf(stderr, "h2_fakewriter: unknown mode %s\n", s);
	usage();
	return (H2FW_GOOD);
}

int
main(int argc, char **argv)
{
	static struct h2fw fw;
	const char *label = "DATA";
	long commits = 20, n;
	int ch, error;

	fw.fw_rng = 1;
	while ((ch = getopt(argc, argv, "c:L:m:s:")) != -1) {
		switch (ch) {
		case 'c':
			commits = strtol(optarg, NULL, 0);
			break;
		case 'L':
			label = optarg;
			break;
		case 'm':
			fw.fw_mode = h2fw_parse_mode(optarg);
			break;
		case 's':
			fw.fw_rng = 2 * strtoull(optarg, NULL, 0) + 1;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || commits < 0)
		usage();
	error = h2_host_open(argv[optind], H2_HOST_RDWR, &fw.fw_dev);
	if (error != 0) {
		fprintf(stderr, "h2_fakewriter: %s: %s\n", argv[optind],
		    strerror(error));
		return (1);
	}
	error = h2fw_load(&fw, label);
	if (error != 0)
		fprintf(stderr, "h2_fakewriter: %s@%s: not a fresh image with "
		    "that PFS: %s\n", argv[optind], label, strerror(error));
	for (n = 0; error == 0 && n < commits; n++) {
		error = h2fw_step(&fw);
		if (error != 0)
			fprintf(stderr, "h2_fakewriter: commit %ld: %s\n", n,
			    strerror(error));
	}
	h2_host_close(fw.fw_dev);
	return (error == 0 ? 0 : 1);
}
