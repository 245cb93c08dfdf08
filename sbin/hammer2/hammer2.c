/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2.c - hammer2(8): inspect and manage HAMMER2 volumes.  This part
 * holds the command dispatch and the small commands: volhdr, info,
 * pfs-list, stat, hash and dhash; show and freemap are in cmd_show.c;
 * the commands that change an image (pfs-create, pfs-delete, snapshot,
 * setcomp, setcheck, bulkfree, cleanup, growfs, dedup) are in the other
 * cmd_*.c files.
 *
 * Model: DragonFly's command names and output layout where they apply.
 * DragonFly's pfs-list, info and stat talk to a mounted file system
 * through ioctls; ours read an image or device directly through the
 * shared core (the kernel ioctl interface comes with the kernel port).
 *
 * More: hammer2(8), docs/design/hammer2.md.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hammer2_cmd.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: hammer2 [-qv] command [argument ...]\n"
	    "    show special\n"
	    "    freemap special\n"
	    "    volhdr special\n"
	    "    info special ...\n"
	    "    pfs-list special\n"
	    "    stat special[@label] path ...\n"
	    "    hash filename ...\n"
	    "    dhash filename ...\n"
	    "    pfs-create [-t type] special label\n"
	    "    pfs-delete special label\n"
	    "    snapshot special[@label] [name]\n"
	    "    setcomp special[@label] comp[:level] path ...\n"
	    "    setcheck special[@label] check path ...\n"
	    "    dedup special[@label]\n"
	    "    bulkfree special\n"
	    "    cleanup special\n"
	    "    growfs special [size]\n");
	exit(1);
}

int
h2cmd_open(const char *path, struct hammer2_dev **devp)
{
	int error;

	error = h2_host_open(path, 0, devp);
	if (error != 0)
		fprintf(stderr, "hammer2: %s: %s\n", path, strerror(error));
	return (error);
}

static void
print_uuid(int tab, const char *name, const struct hammer2_uuid *u)
{
	char buf[64];

	h2_uuid_format(u, buf, sizeof(buf));
	printf("%*s%-8s %s\n", tab, "", name, buf);
}

static void
print_time(int tab, const char *name, uint64_t usec)
{
	char buf[64];

	h2_time_format(usec, buf, sizeof(buf));
	printf("%*s%-8s %s\n", tab, "", name, buf);
}

/* Print an inode's fields in the layout of DragonFly's show. */
void
h2cmd_print_inode(const struct hammer2_inode_data *ipdata, int tab)
{
	const struct hammer2_inode_meta *m = &ipdata->meta;
	int pfsroot = m->pfs_type != 0 ||
	    (m->op_flags & HAMMER2_OPFLAG_PFSROOT);

	printf("%*sfilename \"%.*s\"\n", tab, "",
	    m->name_len <= HAMMER2_INODE_MAXNAME ? (int)m->name_len : 0,
	    (const char *)ipdata->filename);
	printf("%*sversion  %u\n", tab, "", m->version);
	if (pfsroot)
		printf("%*spfs_st   %u (%s)\n", tab, "", m->pfs_subtype,
		    m->pfs_subtype == HAMMER2_PFSSUBTYPE_SNAPSHOT ? "SNAPSHOT" :
		    m->pfs_subtype == HAMMER2_PFSSUBTYPE_AUTOSNAP ? "AUTOSNAP" :
		    "NONE");
	printf("%*suflags   0x%08x\n", tab, "", m->uflags);
	print_time(tab, "ctime", m->ctime);
	print_time(tab, "mtime", m->mtime);
	print_time(tab, "atime", m->atime);
	print_time(tab, "btime", m->btime);
	print_uuid(tab, "uid", &m->uid);
	print_uuid(tab, "gid", &m->gid);
	printf("%*stype     %s\n", tab, "", hammer2_objtype_name(m->type));
	printf("%*sopflgs   0x%02x\n", tab, "", m->op_flags);
	printf("%*scapflgs  0x%04x\n", tab, "", m->cap_flags);
	printf("%*smode     %-7o\n", tab, "", m->mode);
	printf("%*sinum     0x%016jx\n", tab, "", (uintmax_t)m->inum);
	printf("%*ssize     %ju %s\n", tab, "", (uintmax_t)m->size,
	    (m->op_flags & HAMMER2_OPFLAG_DIRECTDATA) ? "(embedded data)" : "");
	printf("%*snlinks   %ju\n", tab, "", (uintmax_t)m->nlinks);
	printf("%*siparent  0x%016jx\n", tab, "", (uintmax_t)m->iparent);
	printf("%*sname_key 0x%016jx\n", tab, "", (uintmax_t)m->name_key);
	printf("%*sname_len %u\n", tab, "", m->name_len);
	printf("%*sncopies  %u\n", tab, "", m->ncopies);
	printf("%*scompalg  %s:default\n", tab, "",
	    hammer2_comp_name(HAMMER2_DEC_COMP(m->comp_algo)));
	printf("%*scheckalg %s\n", tab, "",
	    hammer2_check_name(HAMMER2_DEC_CHECK(m->check_algo << 4)));
	if (pfsroot) {
		printf("%*spfs_nmas %u\n", tab, "", m->pfs_nmasters);
		printf("%*spfs_type %u (%s)\n", tab, "", m->pfs_type,
		    hammer2_pfstype_name(m->pfs_type & HAMMER2_PFSTYPE_MASK));
		printf("%*spfs_inum 0x%016jx\n", tab, "",
		    (uintmax_t)m->pfs_inum);
		print_uuid(tab, "pfs_clid", &m->pfs_clid);
		print_uuid(tab, "pfs_fsid", &m->pfs_fsid);
		printf("%*spfs_lsnap_tid 0x%016jx\n", tab, "",
		    (uintmax_t)m->pfs_lsnap_tid);
	}
}

int
cmd_volhdr(const char *path)
{
	const struct hammer2_volume_data *vd;
	struct hammer2_dev *dev;
	char buf[64];
	int i;

	if (h2cmd_open(path, &dev) != 0)
		return (1);
	vd = &dev->d_voldata;
	printf("volume header copy %d (valid copies mask 0x%x)\n",
	    dev->d_volhdr_index, dev->d_volhdr_valid);
	printf("magic          0x%016jx\n", (uintmax_t)vd->magic);
	printf("boot_beg       0x%016jx\n", (uintmax_t)vd->boot_beg);
	printf("boot_end       0x%016jx (%ju MiB)\n", (uintmax_t)vd->boot_end,
	    (uintmax_t)((vd->boot_end - vd->boot_beg) >> 20));
	printf("aux_beg        0x%016jx\n", (uintmax_t)vd->aux_beg);
	printf("aux_end        0x%016jx (%ju MiB)\n", (uintmax_t)vd->aux_end,
	    (uintmax_t)((vd->aux_end - vd->aux_beg) >> 20));
	printf("volu_size      0x%016jx (%ju MiB)\n", (uintmax_t)vd->volu_size,
	    (uintmax_t)(vd->volu_size >> 20));
	printf("version        %u\n", vd->version);
	printf("flags          0x%08x\n", vd->flags);
	printf("copyid         %u\n", vd->copyid);
	printf("freemap_vers   %u\n", vd->freemap_version);
	printf("peer_type      %u\n", vd->peer_type);
	printf("volu_id        %u\n", vd->volu_id);
	printf("nvolumes       %u\n", vd->nvolumes);
	h2_uuid_format(&vd->fsid, buf, sizeof(buf));
	printf("fsid           %s\n", buf);
	h2_uuid_format(&vd->fstype, buf, sizeof(buf));
	printf("fstype         %s (DragonFly HAMMER2)\n", buf);
	printf("allocator_size 0x%016jx (%ju MiB)\n",
	    (uintmax_t)vd->allocator_size, (uintmax_t)(vd->allocator_size >> 20));
	printf("allocator_free 0x%016jx (%ju MiB)\n",
	    (uintmax_t)vd->allocator_free, (uintmax_t)(vd->allocator_free >> 20));
	printf("allocator_beg  0x%016jx\n", (uintmax_t)vd->allocator_beg);
	printf("mirror_tid     0x%016jx\n", (uintmax_t)vd->mirror_tid);
	printf("freemap_tid    0x%016jx\n", (uintmax_t)vd->freemap_tid);
	printf("bulkfree_tid   0x%016jx\n", (uintmax_t)vd->bulkfree_tid);
	printf("total_size     0x%016jx\n", (uintmax_t)vd->total_size);
	for (i = 0; i < HAMMER2_MAX_VOLUMES; i++)
		if (vd->volu_loff[i] != HAMMER2_KEY_MAX)
			printf("volu_loff[%d]   0x%016jx\n", i,
			    (uintmax_t)vd->volu_loff[i]);
	printf("icrc_sects[6]  0x%08x\n", vd->icrc_sects[6]);
	printf("icrc_sects[7]  0x%08x\n", vd->icrc_sects[7]);
	printf("icrc_volheader 0x%08x\n", vd->icrc_volheader);
	h2_host_close(dev);
	return (0);
}

static int
info_cb(void *arg, const struct hammer2_inode *ip)
{
	struct hammer2_dev *dev = arg;

	printf("    %.*s\n", (int)ip->ino_data.meta.name_len,
	    (const char *)ip->ino_data.filename);
	if (h2cmd_verbose)
		return (h2cmd_print_usage(dev, ip));
	return (0);
}

int
cmd_info(int ac, char **av)
{
	struct hammer2_dev *dev;
	int i, rc = 0;

	for (i = 0; i < ac; i++) {
		if (h2cmd_open(av[i], &dev) != 0) {
			rc = 1;
			continue;
		}
		printf("%s\n", av[i]);
		if (h2cmd_verbose)
			h2cmd_print_volume_usage(dev);
		if (hammer2_pfs_scan(dev, info_cb, dev) != 0)
			rc = 1;
		h2_host_close(dev);
	}
	return (rc);
}

static int
pfs_list_cb(void *arg, const struct hammer2_inode *ip)
{
	const struct hammer2_inode_meta *m = &ip->ino_data.meta;
	char clid[64];
	const char *type;

	(void)arg;
	h2_uuid_format(&m->pfs_clid, clid, sizeof(clid));
	type = m->pfs_subtype == HAMMER2_PFSSUBTYPE_SNAPSHOT ? "SNAPSHOT" :
	    hammer2_pfstype_name(m->pfs_type & HAMMER2_PFSTYPE_MASK);
	printf("%-11s %s %.*s\n", type, clid, (int)m->name_len,
	    (const char *)ip->ino_data.filename);
	return (0);
}

int
cmd_pfs_list(const char *path)
{
	struct hammer2_dev *dev;
	int error;

	if (h2cmd_open(path, &dev) != 0)
		return (1);
	printf("Type        ClusterId (pfs_clid)                 Label\n");
	error = hammer2_pfs_scan(dev, pfs_list_cb, NULL);
	h2_host_close(dev);
	if (error != 0)
		fprintf(stderr, "hammer2: %s: %s\n", path, strerror(error));
	return (error != 0);
}

int
cmd_stat(const char *image, int ac, char **av)
{
	const struct hammer2_inode_meta *m;
	struct hammer2_inode ip;
	struct hammer2_dev *dev;
	struct hammer2_pfs pmp;
	char *path, *label;
	int error, i, rc = 0;

	if (h2_split_image_label(image, &path, &label) != 0)
		return (1);
	error = h2cmd_open(path, &dev);
	if (error == 0) {
		error = hammer2_pfs_open(dev, label, &pmp);
		if (error != 0) {
			fprintf(stderr, "hammer2: %s: PFS %s: %s\n", path,
			    label, strerror(error));
			h2_host_close(dev);
		}
	}
	free(path);
	free(label);
	if (error != 0)
		return (1);
	printf("ino                leafcnt type     size         nlinks compr  check\n");
	for (i = 0; i < ac; i++) {
		error = hammer2_path_lookup(&pmp, av[i], &ip);
		if (error != 0) {
			fprintf(stderr, "hammer2: %s: %s\n", av[i],
			    strerror(error));
			rc = 1;
			continue;
		}
		m = &ip.ino_data.meta;
		printf("0x%016jx %-7u %-8s %-12ju %-6ju %-6s %-8s %s\n",
		    (uintmax_t)m->inum, ip.ino_bref.leaf_count,
		    hammer2_objtype_name(m->type), (uintmax_t)m->size,
		    (uintmax_t)m->nlinks,
		    hammer2_comp_name(HAMMER2_DEC_COMP(m->comp_algo)),
		    hammer2_check_name(m->check_algo & 0x0F), av[i]);
	}
	h2_host_close(dev);
	return (rc);
}

int
cmd_hash(int ac, char **av, int detail)
{
	hammer2_key_t h;
	int i;

	for (i = 0; i < ac; i++) {
		h = hammer2_dirhash(av[i], strlen(av[i]));
		if (detail)
			printf("%016jx %s (collision window %016jx-%016jx)\n",
			    (uintmax_t)h, av[i], (uintmax_t)h,
			    (uintmax_t)(h | HAMMER2_DIRHASH_LOMASK));
		else
			printf("%016jx %s\n", (uintmax_t)h, av[i]);
	}
	return (0);
}

/* pfs-create [-t type] special label */
static int
dispatch_pfs_create(int argc, char **argv)
{
	int ch, type = HAMMER2_PFSTYPE_MASTER;

	optind = 0;	/* glibc: restart scanning, at argv[1] */
	while ((ch = getopt(argc, argv, "+t:")) != -1) {
		switch (ch) {
		case 't':
			type = h2cmd_pfs_type(optarg);
			if (type < 0) {
				fprintf(stderr, "hammer2: unknown PFS type \"%s\" (MASTER, SLAVE, SOFT_MASTER, SOFT_SLAVE, CACHE)\n",
				    optarg);
				return (1);
			}
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	return (cmd_pfs_create(argv[optind], argv[optind + 1], type));
}

/* The commands that change an image; usage() if none matches. */
static int
dispatch_rw(int argc, char **argv)
{
	const char *cmd = argv[0];

	if (strcmp(cmd, "pfs-create") == 0)
		return (dispatch_pfs_create(argc, argv));
	if (strcmp(cmd, "pfs-delete") == 0 && argc == 3)
		return (cmd_pfs_delete(argv[1], argv[2]));
	if (strcmp(cmd, "snapshot") == 0 && (argc == 2 || argc == 3))
		return (cmd_snapshot(argv[1], argc == 3 ? argv[2] : NULL));
	if (strcmp(cmd, "setcomp") == 0 && argc >= 4)
		return (cmd_setmethod(argv[1], HAMMER2_PFS_METHOD_COMP,
		    argv[2], argc - 3, argv + 3));
	if (strcmp(cmd, "setcheck") == 0 && argc >= 4)
		return (cmd_setmethod(argv[1], HAMMER2_PFS_METHOD_CHECK,
		    argv[2], argc - 3, argv + 3));
	if (strcmp(cmd, "dedup") == 0 && argc == 2)
		return (cmd_dedup(argv[1]));
	if (strcmp(cmd, "bulkfree") == 0 && argc == 2)
		return (cmd_bulkfree(argv[1]));
	if (strcmp(cmd, "cleanup") == 0 && argc == 2)
		return (cmd_cleanup(argv[1]));
	if (strcmp(cmd, "growfs") == 0 && (argc == 2 || argc == 3))
		return (cmd_growfs(argv[1], argc == 3 ? argv[2] : NULL));
	usage();
	return (1);
}

int
main(int argc, char **argv)
{
	const char *cmd;
	int ch;

	while ((ch = getopt(argc, argv, "+qv")) != -1) {
		switch (ch) {
		case 'q':
			break;
		case 'v':
			h2cmd_verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	cmd = argv[0];
	if (strcmp(cmd, "show") == 0 && argc == 2)
		return (cmd_show(argv[1], 0));
	if (strcmp(cmd, "freemap") == 0 && argc == 2)
		return (cmd_show(argv[1], 1));
	if (strcmp(cmd, "volhdr") == 0 && argc == 2)
		return (cmd_volhdr(argv[1]));
	if (strcmp(cmd, "info") == 0 && argc >= 2)
		return (cmd_info(argc - 1, argv + 1));
	if (strcmp(cmd, "pfs-list") == 0 && argc == 2)
		return (cmd_pfs_list(argv[1]));
	if (strcmp(cmd, "stat") == 0 && argc >= 3)
		return (cmd_stat(argv[1], argc - 2, argv + 2));
	if (strcmp(cmd, "hash") == 0 && argc >= 2)
		return (cmd_hash(argc - 1, argv + 1, 0));
	if (strcmp(cmd, "dhash") == 0 && argc >= 2)
		return (cmd_hash(argc - 1, argv + 1, 1));
	return (dispatch_rw(argc, argv));
}
