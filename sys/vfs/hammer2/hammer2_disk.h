/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_disk.h - the HAMMER2 on-media format.
 *
 * Every structure here is laid out exactly as DragonFly BSD writes it:
 * little-endian fixed-width fields, no padding, sizes pinned by CTASSERT.
 * The kernel, libhammer2 and the sbin tools all include this one header.
 *
 * Model: a volume header (best of up to four copies) roots two trees of
 * 128-byte blockrefs: the topology (super-root inode -> PFS root inodes ->
 * inode index, directory entries, file data) and the freemap.  A blockref
 * names a block by media offset | size radix and carries its check code.
 *
 * Invariants: nothing here is ever interpreted without validation; readers
 * treat every field as untrusted input (see hammer2_scan.c).
 *
 * Locking: none; plain data.
 *
 * More: docs/design/hammer2.md, ../shared/reference/hammer2-format.md.
 */

#ifndef _VFS_HAMMER2_HAMMER2_DISK_H_
#define _VFS_HAMMER2_HAMMER2_DISK_H_

#include <stdint.h>

#ifndef CTASSERT
#define CTASSERT(exp)	_Static_assert(exp, #exp)
#endif

typedef uint64_t hammer2_key_t;
typedef uint64_t hammer2_tid_t;
typedef uint64_t hammer2_off_t;

/* clang-format off */
#define HAMMER2_VOLUME_ID_HBO	0x48414d3205172011ULL	/* magic */
#define HAMMER2_VOLUME_ID_ABO	0x11201705324d4148ULL	/* byte-swapped */

#define HAMMER2_BLOCKREF_BYTES	128
#define HAMMER2_BLOCKREF_RADIX	7
#define HAMMER2_INODE_BYTES	1024
#define HAMMER2_INODE_RADIX	10
#define HAMMER2_EMBEDDED_BYTES	512
#define HAMMER2_SET_COUNT	4		/* blockrefs in a blockset */
#define HAMMER2_INODE_MAXNAME	256		/* filename field */
#define HAMMER2_NAME_MAXBYTES	255		/* longest directory entry */
#define HAMMER2_DIRENT_INLINE_MAX 64		/* names stored in the bref */

#define HAMMER2_RADIX_MIN	10		/* 1 KiB */
#define HAMMER2_RADIX_MAX	16		/* 64 KiB */
#define HAMMER2_PBUFSIZE	65536
#define HAMMER2_PBUFMASK64	((uint64_t)HAMMER2_PBUFSIZE - 1)
#define HAMMER2_LBUFSIZE	65536		/* logical file block */
#define HAMMER2_LBUFRADIX	16
#define HAMMER2_OFF_MASK_RADIX	0x3FULL		/* size radix in data_off */
#define HAMMER2_OFF_MASK	(~HAMMER2_OFF_MASK_RADIX)

#define HAMMER2_VOLUME_BYTES	65536
#define HAMMER2_NUM_VOLHDRS	4
#define HAMMER2_ZONE_BYTES64	(2ULL << 30)	/* 2 GiB between copies */
#define HAMMER2_SEGSIZE		(4ULL << 20)	/* 4 MiB segment */
#define HAMMER2_FREEMAP_LEVEL1_SIZE (1ULL << 30) /* one leaf: 1 GiB */
#define HAMMER2_FREEMAP_LEVEL1_RADIX 30
#define HAMMER2_FREEMAP_LEVEL0_RADIX 22
#define HAMMER2_FREEMAP_BYTES	32768
#define HAMMER2_FREEMAP_COUNT	256		/* entries per node/leaf */
#define HAMMER2_FREEMAP_BLOCK_RADIX 14		/* 16 KiB granule */
#define HAMMER2_FREEMAP_BLOCK_SIZE (1U << HAMMER2_FREEMAP_BLOCK_RADIX)
#define HAMMER2_BMAP_ELEMENTS	8		/* u64 words per bmap */
#define HAMMER2_BMAP_BLOCKS_PER_ELEMENT 32	/* granules per u64 */
#define HAMMER2_ZONE_FREEMAP_SETS 8
#define HAMMER2_ZONE_FREEMAP_LEVELS 5
#define HAMMER2_VOLUME_ALIGN	(8ULL << 20)
#define HAMMER2_BOOT_MIN_BYTES	(8ULL << 20)
#define HAMMER2_BOOT_NOM_BYTES	(64ULL << 20)
#define HAMMER2_AUX_MIN_BYTES	(8ULL << 20)
#define HAMMER2_AUX_NOM_BYTES	(256ULL << 20)
#define HAMMER2_MAX_VOLUMES	64

#define HAMMER2_INODE_START	1024		/* first dynamic inum */
#define HAMMER2_SROOT_INUM	0
#define HAMMER2_PFSROOT_INUM	1
#define HAMMER2_TID_NEWFS	16		/* ids newfs starts with */

#define HAMMER2_DIRHASH_VISIBLE	0x8000000000000000ULL
#define HAMMER2_DIRHASH_LOMASK	0x7FFFULL
#define HAMMER2_DIRHASH_FORCED	0x8000ULL
#define HAMMER2_KEY_MAX		0xFFFFFFFFFFFFFFFFULL


/* Blockref types. */
#define HAMMER2_BREF_TYPE_EMPTY		0
#define HAMMER2_BREF_TYPE_INODE		1
#define HAMMER2_BREF_TYPE_INDIRECT	2
#define HAMMER2_BREF_TYPE_DATA		3
#define HAMMER2_BREF_TYPE_DIRENT	4
#define HAMMER2_BREF_TYPE_FREEMAP_NODE	5
#define HAMMER2_BREF_TYPE_FREEMAP_LEAF	6
#define HAMMER2_BREF_TYPE_INVALID	7

/* Blockref flags. */
#define HAMMER2_BREF_FLAG_PFSROOT	0x01
#define HAMMER2_BREF_FLAG_EMERG_MIP	0x04

/* Check methods (high nibble of methods). */
#define HAMMER2_CHECK_NONE	0
#define HAMMER2_CHECK_DISABLED	1
#define HAMMER2_CHECK_ISCSI32	2
#define HAMMER2_CHECK_XXHASH64	3
#define HAMMER2_CHECK_SHA192	4
#define HAMMER2_CHECK_FREEMAP	5

/*
 * Compression methods (low nibble of methods).  hammer2_codec.h defines
 * the same names; whichever header comes first wins.
 */
#ifndef HAMMER2_COMP_NONE
#define HAMMER2_COMP_NONE	0
#define HAMMER2_COMP_AUTOZERO	1
#define HAMMER2_COMP_LZ4	2
#define HAMMER2_COMP_ZLIB	3
#endif

#define HAMMER2_ENC_CHECK(n)	((uint8_t)((n) << 4))
#define HAMMER2_ENC_COMP(n)	((uint8_t)(n))
#define HAMMER2_DEC_CHECK(m)	(((m) >> 4) & 0x0F)
#define HAMMER2_DEC_COMP(m)	((m) & 0x0F)
#define HAMMER2_DEC_LEVEL(m)	(((m) >> 4) & 0x0F)

/* Object types (inode meta.type and dirent type). */
#define HAMMER2_OBJTYPE_UNKNOWN		0
#define HAMMER2_OBJTYPE_DIRECTORY	1
#define HAMMER2_OBJTYPE_REGFILE		2
#define HAMMER2_OBJTYPE_FIFO		4
#define HAMMER2_OBJTYPE_CDEV		5
#define HAMMER2_OBJTYPE_BDEV		6
#define HAMMER2_OBJTYPE_SOFTLINK	7
#define HAMMER2_OBJTYPE_HARDLINK	8
#define HAMMER2_OBJTYPE_SOCKET		9
#define HAMMER2_OBJTYPE_WHITEOUT	10

/* Inode op_flags. */
#define HAMMER2_OPFLAG_DIRECTDATA	0x01
#define HAMMER2_OPFLAG_PFSROOT		0x02
#define HAMMER2_OPFLAG_COPYIDS		0x04

/* PFS types and subtypes. */
#define HAMMER2_PFSTYPE_NONE		0
#define HAMMER2_PFSTYPE_CACHE		1
#define HAMMER2_PFSTYPE_SLAVE		3
#define HAMMER2_PFSTYPE_SOFT_SLAVE	4
#define HAMMER2_PFSTYPE_SOFT_MASTER	5
#define HAMMER2_PFSTYPE_MASTER		6
#define HAMMER2_PFSTYPE_SUPROOT		8
#define HAMMER2_PFSTYPE_DUMMY		9
#define HAMMER2_PFSTYPE_MASK		0x0F
#define HAMMER2_PFSSUBTYPE_NONE		0
#define HAMMER2_PFSSUBTYPE_SNAPSHOT	1
#define HAMMER2_PFSSUBTYPE_AUTOSNAP	2

/* Freemap 2-bit granule states. */
#define HAMMER2_FREEMAP_FREE		0
#define HAMMER2_FREEMAP_RESERVED	1
#define HAMMER2_FREEMAP_STAGED		2
#define HAMMER2_FREEMAP_ALLOCATED	3

#define HAMMER2_VOL_VERSION_MIN		1
#define HAMMER2_VOL_VERSION_DEFAULT	2
#define HAMMER2_VOL_VERSION_WIP		2
#define HAMMER2_INODE_VERSION_ONE	1
#define HAMMER2_PEER_HAMMER2		3
#define HAMMER2_COPYID_LOCAL		0xFF

/* Byte ranges covered by the three volume header CRCs. */
#define HAMMER2_VOLHDR_SECT_BYTES	512
#define HAMMER2_VOL_ICRC_SECT0_OFF	0x0000
#define HAMMER2_VOL_ICRC_SECT0_BYTES	0x01FC
#define HAMMER2_VOL_ICRC_SECT1_OFF	0x0200
#define HAMMER2_VOL_ICRC_SECT1_BYTES	0x0200
#define HAMMER2_VOL_ICRC_VOLHDR_BYTES	0xFFFC
#define HAMMER2_VOL_ICRC_SECT6		6	/* icrc_sects[] index */
#define HAMMER2_VOL_ICRC_SECT7		7
/* clang-format on */

struct hammer2_uuid {
	uint8_t		bytes[16];
};
CTASSERT(sizeof(struct hammer2_uuid) == 16);

/* Directory entry header, in the embed area of a DIRENT bref. */
/* clang-format off */
struct hammer2_dirent_head {
	hammer2_tid_t	inum;		/* target inode number */
	uint16_t	namlen;		/* name length in bytes */
	uint8_t		type;		/* HAMMER2_OBJTYPE_* */
	uint8_t		reserved0b;
	uint8_t		reserved0c[4];
};
CTASSERT(sizeof(struct hammer2_dirent_head) == 16);

/* Statistics, in the embed area of INODE and INDIRECT brefs. */
struct hammer2_blockref_stats {
	uint64_t	data_count;
	uint64_t	inode_count;
};

/* Freemap leaf hints, in the check area of FREEMAP brefs. */
struct hammer2_freemap_check {
	uint32_t	icrc32;
	uint32_t	bigmask;
	uint64_t	avail;
	uint8_t		reserved[48];
};

struct hammer2_blockref {
	uint8_t		type;		/* HAMMER2_BREF_TYPE_* */
	uint8_t		methods;	/* check << 4 | comp */
	uint8_t		copyid;
	uint8_t		keybits;	/* covers key .. key + 2^keybits - 1 */
	uint8_t		vradix;
	uint8_t		flags;		/* HAMMER2_BREF_FLAG_* */
	uint16_t	leaf_count;
	hammer2_key_t	key;
	hammer2_tid_t	mirror_tid;
	hammer2_tid_t	modify_tid;
	hammer2_off_t	data_off;	/* offset | size radix */
	hammer2_tid_t	update_tid;
	union {
		uint8_t				buf[16];
		struct hammer2_dirent_head	dirent;
		struct hammer2_blockref_stats	stats;
	} embed;
	union {
		uint8_t				buf[64];
		uint32_t			iscsi32;
		uint64_t			xxhash64;
		uint8_t				sha192[24];
		struct hammer2_freemap_check	freemap;
	} check;
};
/* clang-format on */
CTASSERT(sizeof(struct hammer2_blockref) == HAMMER2_BLOCKREF_BYTES);

struct hammer2_blockset {
	struct hammer2_blockref blockref[HAMMER2_SET_COUNT];
};
CTASSERT(sizeof(struct hammer2_blockset) == 512);

/* One 4 MiB segment of a freemap leaf. */
/* clang-format off */
struct hammer2_bmap_data {
	int32_t		linear;		/* sub-16K packing offset */
	uint16_t	class;		/* locality hint */
	uint8_t		reserved06;
	uint8_t		reserved07;
	uint32_t	reserved08;
	uint32_t	reserved0c;
	uint32_t	reserved10;
	uint32_t	reserved14;
	uint32_t	reserved18;
	uint32_t	avail;		/* free bytes, 16 KiB granular */
	uint32_t	reserved20[8];
	uint64_t	bitmapq[HAMMER2_BMAP_ELEMENTS]; /* 2 bits per granule */
};
/* clang-format on */
CTASSERT(sizeof(struct hammer2_bmap_data) == 128);

/* clang-format off */
struct hammer2_inode_meta {
	uint16_t	version;	/* 0x00 */
	uint8_t		reserved02;
	uint8_t		pfs_subtype;
	uint32_t	uflags;		/* chflags */
	uint32_t	rmajor;
	uint32_t	rminor;
	uint64_t	ctime;		/* 0x10, microseconds */
	uint64_t	mtime;
	uint64_t	atime;
	uint64_t	btime;
	struct hammer2_uuid uid;	/* 0x30 */
	struct hammer2_uuid gid;	/* 0x40 */
	uint8_t		type;		/* 0x50 HAMMER2_OBJTYPE_* */
	uint8_t		op_flags;
	uint16_t	cap_flags;
	uint32_t	mode;		/* permission bits only */
	hammer2_tid_t	inum;		/* 0x58 */
	uint64_t	size;
	uint64_t	nlinks;
	hammer2_tid_t	iparent;
	hammer2_key_t	name_key;	/* 0x78 */
	uint16_t	name_len;	/* 0x80 */
	uint8_t		ncopies;
	uint8_t		comp_algo;
	uint8_t		target_type;
	uint8_t		check_algo;
	uint8_t		pfs_nmasters;
	uint8_t		pfs_type;
	hammer2_tid_t	pfs_inum;	/* 0x88 */
	struct hammer2_uuid pfs_clid;	/* 0x90 */
	struct hammer2_uuid pfs_fsid;	/* 0xA0 */
	uint64_t	data_quota;	/* 0xB0 */
	uint64_t	unusedB8;
	uint64_t	inode_quota;
	uint64_t	unusedC8;
	hammer2_tid_t	pfs_lsnap_tid;	/* 0xD0 */
	uint64_t	reservedD8;
	uint64_t	decrypt_check;
	uint64_t	reservedE8[3];
};
/* clang-format on */
CTASSERT(sizeof(struct hammer2_inode_meta) == 256);

struct hammer2_inode_data {
	struct hammer2_inode_meta meta;
	uint8_t		filename[HAMMER2_INODE_MAXNAME];
	union {
		struct hammer2_blockset blockset;
		uint8_t		data[HAMMER2_EMBEDDED_BYTES];
	} u;
};
CTASSERT(sizeof(struct hammer2_inode_data) == HAMMER2_INODE_BYTES);

/* clang-format off */
struct hammer2_volume_data {
	uint64_t	magic;			/* 0x0000 */
	hammer2_off_t	boot_beg;
	hammer2_off_t	boot_end;
	hammer2_off_t	aux_beg;
	hammer2_off_t	aux_end;
	hammer2_off_t	volu_size;		/* 0x0028 */
	uint32_t	version;		/* 0x0030 */
	uint32_t	flags;
	uint8_t		copyid;			/* 0x0038 */
	uint8_t		freemap_version;
	uint8_t		peer_type;
	uint8_t		volu_id;
	uint8_t		nvolumes;
	uint8_t		reserved3d;
	uint16_t	reserved3e;
	struct hammer2_uuid fsid;		/* 0x0040 */
	struct hammer2_uuid fstype;		/* 0x0050 */
	hammer2_off_t	allocator_size;		/* 0x0060 */
	hammer2_off_t	allocator_free;
	hammer2_off_t	allocator_beg;
	hammer2_tid_t	mirror_tid;		/* 0x0078 */
	hammer2_tid_t	reserved80;
	hammer2_tid_t	reserved88;
	hammer2_tid_t	freemap_tid;		/* 0x0090 */
	hammer2_tid_t	bulkfree_tid;
	hammer2_tid_t	reservedA0[4];
	hammer2_off_t	total_size;		/* 0x00C0 */
	uint32_t	copyexists[8];		/* 0x00C8 */
	uint8_t		reservedE8[248];	/* 0x00E8 */
	uint32_t	icrc_sects[8];		/* 0x01E0 */
	struct hammer2_blockset sroot_blockset;	/* 0x0200 */
	uint8_t		sector2[512];		/* 0x0400 */
	uint8_t		sector3[512];		/* 0x0600 */
	struct hammer2_blockset freemap_blockset; /* 0x0800 */
	uint8_t		sector5[512];		/* 0x0A00 */
	uint8_t		sector6[512];		/* 0x0C00 */
	hammer2_off_t	volu_loff[HAMMER2_MAX_VOLUMES]; /* 0x0E00 */
	uint8_t		copyinfo[256 * 128];	/* 0x1000 */
	uint8_t		reserved9000[28668];	/* 0x9000 */
	uint32_t	icrc_volheader;		/* 0xFFFC */
};
/* clang-format on */
CTASSERT(sizeof(struct hammer2_volume_data) == HAMMER2_VOLUME_BYTES);
CTASSERT(__builtin_offsetof(struct hammer2_volume_data, sroot_blockset) ==
    0x200);
CTASSERT(__builtin_offsetof(struct hammer2_volume_data, freemap_blockset) ==
    0x800);
CTASSERT(__builtin_offsetof(struct hammer2_volume_data, volu_loff) == 0xE00);
CTASSERT(__builtin_offsetof(struct hammer2_volume_data, icrc_volheader) ==
    0xFFFC);
CTASSERT(__builtin_offsetof(struct hammer2_inode_meta, name_len) == 0x80);
CTASSERT(__builtin_offsetof(struct hammer2_inode_meta, pfs_lsnap_tid) ==
    0xD0);
CTASSERT((HAMMER2_PBUFSIZE & (HAMMER2_PBUFSIZE - 1)) == 0);

/* The fstype UUID "5cbb9ad1-862d-11dc-a94d-01301bb8a9f5", as stored. */
/* clang-format off */
#define HAMMER2_UUID_FSTYPE_BYTES {					\
	0xd1, 0x9a, 0xbb, 0x5c, 0x2d, 0x86, 0xdc, 0x11,			\
	0xa9, 0x4d, 0x01, 0x30, 0x1b, 0xb8, 0xa9, 0xf5 }
/* clang-format on */

#endif /* !_VFS_HAMMER2_HAMMER2_DISK_H_ */
