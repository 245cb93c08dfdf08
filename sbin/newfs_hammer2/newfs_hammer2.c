/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * newfs_hammer2.c - create a new HAMMER2 file system on a file or device.
 *
 * Model: exactly what DragonFly's newfs_hammer2 writes (format §18.1):
 * the volume is cut to a multiple of 8 MiB; the reserved segment, the
 * boot and aux areas are zeroed; one 64 KiB block at aux_end holds the
 * super-root inode and one PFS root inode per label ("LOCAL" first, then
 * the -L labels or the default one); the super-root's blockset holds the
 * PFS root brefs sorted by key; the freemap is left empty (the first
 * mount that allocates builds it; everything below allocator_beg counts
 * as allocated); every transaction id starts at 16; the header, with its
 * three CRCs, is written to every copy slot inside the volume.
 *
 * Invariants: nothing is written before every argument and the size have
 * been validated; sizes too small to hold data are refused.
 *
 * More: newfs_hammer2(8), reference hammer2-format.md §3, §18.1.
 */

#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libhammer2.h"

#define NEWFS_MIN_BYTES		(32ULL << 20)	/* smallest usable volume */
#define NEWFS_MAX_LABELS	(HAMMER2_SET_COUNT - 1)	/* + "LOCAL" */
#define NEWFS_AREA_DIVISOR	20		/* boot/aux <= total / 20 */
#define NEWFS_ZERO_CHUNK	(1 << 20)
#define NEWFS_MODE_SROOT	0700
#define NEWFS_MODE_PFSROOT	0755
#define NEWFS_SROOT_NLINKS	2
#define NEWFS_UUID_VERSION_BYTE	7
#define NEWFS_UUID_VARIANT_BYTE	8

struct newfs {
	int		 nf_fd;
	uint64_t	 nf_size;		/* volu_size */
	uint64_t	 nf_boot, nf_aux;	/* area sizes */
	uint32_t	 nf_version;
	const char	*nf_labels[HAMMER2_SET_COUNT];
	int		 nf_nlabels;
	uint64_t	 nf_now;		/* microseconds */
};

static void
usage(void)
{
	fprintf(stderr, "usage: newfs_hammer2 [-b bootsize] [-L label] [-r auxsize] [-s size]\n"
	    "                     [-V version] special\n");
	exit(1);
}

static uint64_t
round_up(uint64_t v, uint64_t align)
{
	return ((v + align - 1) / align * align);
}

/* Parse a size with an optional k/m/g/t suffix; exits on bad input. */
static uint64_t
parse_size(const char *s, const char *what)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 10);
	switch (*end) {
	case 't': case 'T':
		v <<= 10;
		__attribute__((fallthrough));
	case 'g': case 'G':
		v <<= 10;
		__attribute__((fallthrough));
	case 'm': case 'M':
		v <<= 10;
		__attribute__((fallthrough));
	case 'k': case 'K':
		v <<= 10;
		end++;
		break;
	default:
		break;
	}
	if (errno != 0 || end == s || *end != '\0') {
		fprintf(stderr, "newfs_hammer2: bad %s: %s\n", what, s);
		exit(1);
	}
	return (v);
}

/* DragonFly's default area size: nominal, halved while > total/20. */
static uint64_t
area_size(uint64_t nominal, uint64_t min, uint64_t total)
{
	uint64_t v = nominal;

	while (v > total / NEWFS_AREA_DIVISOR && v > min)
		v >>= 1;
	if (v < min)
		v = min;
	return (round_up(v, HAMMER2_VOLUME_ALIGN));
}

static void
random_uuid(struct hammer2_uuid *u)
{
	if (getrandom(u->bytes, sizeof(u->bytes), 0) != sizeof(u->bytes)) {
		perror("newfs_hammer2: getrandom");
		exit(1);
	}
	u->bytes[NEWFS_UUID_VERSION_BYTE] =
	    (uint8_t)((u->bytes[NEWFS_UUID_VERSION_BYTE] & 0x0F) | 0x40);
	u->bytes[NEWFS_UUID_VARIANT_BYTE] =
	    (uint8_t)((u->bytes[NEWFS_UUID_VARIANT_BYTE] & 0x3F) | 0x80);
}

static int
write_at(int fd, const void *buf, size_t len, uint64_t off)
{
	ssize_t n = pwrite(fd, buf, len, (off_t)off);

	return (n == (ssize_t)len ? 0 : -1);
}

static int
zero_range(int fd, uint64_t off, uint64_t len)
{
	static const uint8_t zero[NEWFS_ZERO_CHUNK];
	size_t n;

	while (len > 0) {
		n = len < sizeof(zero) ? (size_t)len : sizeof(zero);
		if (write_at(fd, zero, n, off) != 0)
			return (-1);
		off += n;
		len -= n;
	}
	return (0);
}

static void
init_inode(struct hammer2_inode_data *ip, const struct newfs *nf,
    const char *name)
{
	memset(ip, 0, sizeof(*ip));
	ip->meta.version = HAMMER2_INODE_VERSION_ONE;
	ip->meta.ctime = nf->nf_now;
	ip->meta.mtime = nf->nf_now;
	ip->meta.btime = nf->nf_now;
	ip->meta.type = HAMMER2_OBJTYPE_DIRECTORY;
	ip->meta.name_len = (uint16_t)strlen(name);
	memcpy(ip->filename, name, ip->meta.name_len);
	ip->meta.check_algo = HAMMER2_CHECK_XXHASH64;
	random_uuid(&ip->meta.pfs_clid);
	random_uuid(&ip->meta.pfs_fsid);
}

static void
init_inode_bref(struct hammer2_blockref *b, uint64_t off, hammer2_key_t key,
    uint8_t methods, const struct hammer2_inode_data *ip)
{
	memset(b, 0, sizeof(*b));
	b->type = HAMMER2_BREF_TYPE_INODE;
	b->methods = methods;
	b->copyid = HAMMER2_COPYID_LOCAL;
	b->vradix = HAMMER2_INODE_RADIX;
	b->key = key;
	b->mirror_tid = HAMMER2_TID_NEWFS;
	b->data_off = off | HAMMER2_INODE_RADIX;
	hammer2_bref_set_check(b, ip, sizeof(*ip));
}

static int
bref_key_cmp(const void *a, const void *b)
{
	hammer2_key_t x = ((const struct hammer2_blockref *)a)->key;
	hammer2_key_t y = ((const struct hammer2_blockref *)b)->key;

	return (x < y ? -1 : x > y);
}

/* Build the static 64 KiB inode block at aux_end and the header. */
static void
build(const struct newfs *nf, uint8_t *blk, struct hammer2_volume_data *vd)
{
	struct hammer2_inode_data *sroot = (void *)blk, *pfs;
	static const uint8_t fstype[] = HAMMER2_UUID_FSTYPE_BYTES;
	uint64_t aux_end = HAMMER2_SEGSIZE + nf->nf_boot + nf->nf_aux;
	uint64_t reserved;
	hammer2_key_t key;
	int i;

	init_inode(sroot, nf, "SUPROOT");
	sroot->meta.mode = NEWFS_MODE_SROOT;
	sroot->meta.nlinks = NEWFS_SROOT_NLINKS;
	sroot->meta.comp_algo = HAMMER2_COMP_AUTOZERO;
	sroot->meta.pfs_type = HAMMER2_PFSTYPE_SUPROOT;
	for (i = 0; i < nf->nf_nlabels; i++) {
		pfs = sroot + 1 + i;
		init_inode(pfs, nf, nf->nf_labels[i]);
		key = hammer2_dirhash(nf->nf_labels[i],
		    strlen(nf->nf_labels[i]));
		pfs->meta.mode = NEWFS_MODE_PFSROOT;
		pfs->meta.op_flags = HAMMER2_OPFLAG_PFSROOT;
		pfs->meta.inum = HAMMER2_PFSROOT_INUM;
		pfs->meta.nlinks = 1;
		pfs->meta.name_key = key;
		pfs->meta.comp_algo = strcasecmp(nf->nf_labels[i], "BOOT") == 0 ?
		    HAMMER2_COMP_AUTOZERO : HAMMER2_COMP_LZ4;
		pfs->meta.pfs_type = HAMMER2_PFSTYPE_MASTER;
		pfs->meta.pfs_inum = HAMMER2_TID_NEWFS;
		init_inode_bref(&sroot->u.blockset.blockref[i],
		    aux_end + HAMMER2_INODE_BYTES * (uint64_t)(i + 1), key,
		    HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64), pfs);
		sroot->u.blockset.blockref[i].flags = HAMMER2_BREF_FLAG_PFSROOT;
	}
	qsort(sroot->u.blockset.blockref, (size_t)nf->nf_nlabels,
	    sizeof(struct hammer2_blockref), bref_key_cmp);

	memset(vd, 0, sizeof(*vd));
	vd->magic = HAMMER2_VOLUME_ID_HBO;
	vd->boot_beg = HAMMER2_SEGSIZE;
	vd->boot_end = vd->boot_beg + nf->nf_boot;
	vd->aux_beg = vd->boot_end;
	vd->aux_end = aux_end;
	vd->volu_size = nf->nf_size;
	vd->version = nf->nf_version;
	vd->peer_type = HAMMER2_PEER_HAMMER2;
	random_uuid(&vd->fsid);
	memcpy(vd->fstype.bytes, fstype, sizeof(fstype));
	reserved = HAMMER2_SEGSIZE * ((nf->nf_size +
	    HAMMER2_FREEMAP_LEVEL1_SIZE - 1) / HAMMER2_FREEMAP_LEVEL1_SIZE);
	vd->allocator_size = nf->nf_size - reserved - nf->nf_boot - nf->nf_aux;
	vd->allocator_free = vd->allocator_size;
	vd->allocator_beg = aux_end +
	    HAMMER2_INODE_BYTES * (uint64_t)(nf->nf_nlabels + 1);
	vd->mirror_tid = HAMMER2_TID_NEWFS;
	vd->freemap_tid = HAMMER2_TID_NEWFS;
	memset(vd->volu_loff, 0xFF, sizeof(vd->volu_loff));
	if (nf->nf_version >= 2) {
		vd->nvolumes = 1;
		vd->total_size = nf->nf_size;
		vd->volu_loff[0] = 0;
	} else {
		memset(vd->volu_loff, 0, sizeof(vd->volu_loff));
	}
	init_inode_bref(&vd->sroot_blockset.blockref[0], aux_end, 0,
	    HAMMER2_ENC_CHECK(HAMMER2_CHECK_XXHASH64) |
	    HAMMER2_ENC_COMP(HAMMER2_COMP_AUTOZERO), sroot);
	hammer2_volume_set_crcs(vd);
}

/* Size and area checks; exits with a message on failure. */
static void
layout(struct newfs *nf, uint64_t devsize, uint64_t boot, uint64_t aux)
{
	uint64_t reserved, need;

	nf->nf_size = devsize & ~(HAMMER2_VOLUME_ALIGN - 1);
	if (nf->nf_size < NEWFS_MIN_BYTES) {
		fprintf(stderr, "newfs_hammer2: %ju bytes is too small: a HAMMER2 volume needs at least %ju MiB (reserved segment, boot and aux areas, and free segments)\n",
		    (uintmax_t)devsize, (uintmax_t)(NEWFS_MIN_BYTES >> 20));
		exit(1);
	}
	nf->nf_boot = boot ? round_up(boot, HAMMER2_VOLUME_ALIGN) :
	    area_size(HAMMER2_BOOT_NOM_BYTES, HAMMER2_BOOT_MIN_BYTES,
		nf->nf_size);
	nf->nf_aux = aux ? round_up(aux, HAMMER2_VOLUME_ALIGN) :
	    area_size(HAMMER2_AUX_NOM_BYTES, HAMMER2_AUX_MIN_BYTES,
		nf->nf_size);
	reserved = HAMMER2_SEGSIZE * ((nf->nf_size +
	    HAMMER2_FREEMAP_LEVEL1_SIZE - 1) / HAMMER2_FREEMAP_LEVEL1_SIZE);
	need = reserved + nf->nf_boot + nf->nf_aux + 2 * HAMMER2_SEGSIZE;
	if (need > nf->nf_size) {
		fprintf(stderr, "newfs_hammer2: not enough free space: %ju MiB volume, %ju MiB boot area, %ju MiB aux area\n",
		    (uintmax_t)(nf->nf_size >> 20),
		    (uintmax_t)(nf->nf_boot >> 20),
		    (uintmax_t)(nf->nf_aux >> 20));
		exit(1);
	}
}

static void
add_label(struct newfs *nf, const char *label)
{
	int i;

	if (strlen(label) == 0 || strlen(label) > HAMMER2_INODE_MAXNAME ||
	    strchr(label, '/') != NULL || strchr(label, '@') != NULL) {
		fprintf(stderr, "newfs_hammer2: bad label \"%s\"\n", label);
		exit(1);
	}
	for (i = 0; i < nf->nf_nlabels; i++) {
		if (strcmp(nf->nf_labels[i], label) == 0) {
			fprintf(stderr, "newfs_hammer2: duplicate label \"%s\"\n",
			    label);
			exit(1);
		}
	}
	if (nf->nf_nlabels == HAMMER2_SET_COUNT) {
		fprintf(stderr, "newfs_hammer2: at most %d labels besides LOCAL\n",
		    NEWFS_MAX_LABELS);
		exit(1);
	}
	nf->nf_labels[nf->nf_nlabels++] = label;
}

/* DragonFly's default label from the device name's last character. */
static const char *
default_label(const char *path)
{
	size_t n = strlen(path);

	if (n > 0 && path[n - 1] == 'a')
		return ("BOOT");
	if (n > 0 && path[n - 1] == 'd')
		return ("ROOT");
	return ("DATA");
}

static int
write_fs(const struct newfs *nf)
{
	struct hammer2_volume_data *vd;
	uint8_t *blk;
	uint64_t aux_end = HAMMER2_SEGSIZE + nf->nf_boot + nf->nf_aux;
	int i, rc = -1;

	blk = calloc(1, HAMMER2_PBUFSIZE);
	vd = calloc(1, sizeof(*vd));
	if (blk == NULL || vd == NULL)
		goto out;
	build(nf, blk, vd);
	if (zero_range(nf->nf_fd, 0, aux_end) != 0 ||
	    zero_range(nf->nf_fd, nf->nf_size - HAMMER2_PBUFSIZE,
		HAMMER2_PBUFSIZE) != 0 ||
	    write_at(nf->nf_fd, blk, HAMMER2_PBUFSIZE, aux_end) != 0)
		goto out;
	for (i = 0; i < HAMMER2_NUM_VOLHDRS; i++) {
		if ((uint64_t)i * HAMMER2_ZONE_BYTES64 >= nf->nf_size)
			break;
		if (write_at(nf->nf_fd, vd, sizeof(*vd),
			(uint64_t)i * HAMMER2_ZONE_BYTES64) != 0)
			goto out;
	}
	rc = fsync(nf->nf_fd);
out:
	free(blk);
	free(vd);
	return (rc);
}

int
main(int argc, char **argv)
{
	uint64_t size = 0, boot = 0, aux = 0, devsize;
	const char *deflabel = NULL;
	struct newfs nf;
	struct timeval tv;
	struct stat st;
	int ch, error, nl = 0;
	const char *userlabels[HAMMER2_SET_COUNT];

	memset(&nf, 0, sizeof(nf));
	nf.nf_version = HAMMER2_VOL_VERSION_DEFAULT;
	while ((ch = getopt(argc, argv, "b:L:r:s:V:")) != -1) {
		switch (ch) {
		case 'b':
			boot = parse_size(optarg, "boot area size");
			break;
		case 'L':
			if (nl == HAMMER2_SET_COUNT) {
				fprintf(stderr, "newfs_hammer2: at most %d labels besides LOCAL\n",
				    NEWFS_MAX_LABELS);
				return (1);
			}
			userlabels[nl++] = optarg;
			break;
		case 'r':
			aux = parse_size(optarg, "aux area size");
			break;
		case 's':
			size = parse_size(optarg, "size");
			break;
		case 'V':
			nf.nf_version = (uint32_t)parse_size(optarg, "version");
			if (nf.nf_version < HAMMER2_VOL_VERSION_MIN ||
			    nf.nf_version > HAMMER2_VOL_VERSION_WIP) {
				fprintf(stderr, "newfs_hammer2: version must be %d..%d\n",
				    HAMMER2_VOL_VERSION_MIN,
				    HAMMER2_VOL_VERSION_WIP);
				return (1);
			}
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	add_label(&nf, "LOCAL");
	if (nl == 0)
		deflabel = default_label(argv[optind]);
	if (deflabel != NULL)
		add_label(&nf, deflabel);
	for (ch = 0; ch < nl; ch++)
		if (strcmp(userlabels[ch], "LOCAL") != 0)
			add_label(&nf, userlabels[ch]);
	nf.nf_fd = open(argv[optind], O_RDWR | O_CLOEXEC |
	    (size != 0 ? O_CREAT : 0), 0644);
	if (nf.nf_fd < 0 || fstat(nf.nf_fd, &st) != 0) {
		fprintf(stderr, "newfs_hammer2: %s: %s\n", argv[optind],
		    strerror(errno));
		return (1);
	}
	if (size != 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size < size &&
	    ftruncate(nf.nf_fd, (off_t)size) != 0) {
		fprintf(stderr, "newfs_hammer2: %s: %s\n", argv[optind],
		    strerror(errno));
		return (1);
	}
	error = h2_host_devsize(nf.nf_fd, &devsize);
	if (error != 0) {
		fprintf(stderr, "newfs_hammer2: %s: %s\n", argv[optind],
		    strerror(error));
		return (1);
	}
	if (size != 0 && size > devsize) {
		fprintf(stderr, "newfs_hammer2: %s: -s %ju exceeds the device size %ju\n",
		    argv[optind], (uintmax_t)size, (uintmax_t)devsize);
		return (1);
	}
	layout(&nf, size != 0 ? size : devsize, boot, aux);
	gettimeofday(&tv, NULL);
	nf.nf_now = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
	if (write_fs(&nf) != 0) {
		fprintf(stderr, "newfs_hammer2: %s: write failed: %s\n",
		    argv[optind], strerror(errno));
		return (1);
	}
	printf("---------------------------------------------\n");
	printf("version:          %u\n", nf.nf_version);
	printf("total-size:       %s (%ju bytes)\n", argv[optind],
	    (uintmax_t)nf.nf_size);
	printf("boot-area-size:   %ju MiB\n", (uintmax_t)(nf.nf_boot >> 20));
	printf("aux-area-size:    %ju MiB\n", (uintmax_t)(nf.nf_aux >> 20));
	for (ch = 0; ch < nf.nf_nlabels; ch++)
		printf("PFS \"%s\" created\n", nf.nf_labels[ch]);
	close(nf.nf_fd);
	return (0);
}
