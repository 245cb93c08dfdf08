/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_pfs_method.c - setcomp and setcheck: set the compression or
 * check method that new writes to a file, or to files created in a
 * directory, will use (inode comp_algo / check_algo, format §7.5), for a
 * path and everything below it.
 *
 * Model: the tree is walked through the read side (the committed state:
 * directory entries name inode numbers) while each inode is changed
 * through the chain layer (inode number = key in the PFS root's tree,
 * §10.1), then one commit.  Directories are visited breadth first from a
 * queue; a set of the inode numbers already handled (hammer2_pfs_set,
 * in hammer2_pfs_usage.c) makes every inode count once (hard links) and stops a corrupt directory cycle.  Blocks
 * already written keep the methods in their own brefs; readers always
 * use those (§7.4).
 *
 * Invariants: an inode whose field already has the value is not
 * modified (a repeated setcomp writes nothing); nothing but comp_algo or
 * check_algo changes.
 *
 * Locking: none: the caller serialises use of the dev.
 *
 * More: hammer2_pfs.h, hammer2(8).
 */

#include <errno.h>
#include <string.h>

#include "hammer2_chain.h"
#include "hammer2_pfs.h"

/* clang-format off */
#define HAMMER2_SETM_INITIAL	64	/* first queue / set capacity */
/* clang-format on */

struct hammer2_setm {
	struct hammer2_dev	*sm_dev;
	struct hammer2_chain	*sm_pchain;	/* PFS root chain */
	struct hammer2_pfs	 sm_pmp;	/* committed view */
	struct hammer2_inode	 sm_top;	/* where the walk starts */
	struct hammer2_inode	 sm_dir;	/* directory being scanned */
	int			 sm_what;	/* HAMMER2_PFS_METHOD_* */
	uint8_t			 sm_algo;
	hammer2_tid_t		 sm_tid;
	uint64_t		 sm_count;	/* inodes changed */
	hammer2_tid_t		*sm_queue;	/* directories to scan */
	size_t			 sm_qhead, sm_qlen, sm_qcap;
	struct hammer2_pfs_set	 sm_seen;	/* inodes visited */
	int			 sm_error;
};

static int
hammer2_setm_push(struct hammer2_setm *sm, hammer2_tid_t inum)
{
	size_t cap = sm->sm_qcap ? sm->sm_qcap * 2 : HAMMER2_SETM_INITIAL;
	hammer2_tid_t *n;

	if (sm->sm_qlen == sm->sm_qcap) {
		n = hammer2_alloc(sm->sm_dev, cap * sizeof(*n));
		if (n == NULL)
			return (ENOMEM);
		if (sm->sm_queue != NULL) {
			memcpy(n, sm->sm_queue, sm->sm_qlen * sizeof(*n));
			hammer2_free(sm->sm_dev, sm->sm_queue,
			    sm->sm_qcap * sizeof(*n));
		}
		sm->sm_queue = n;
		sm->sm_qcap = cap;
	}
	sm->sm_queue[sm->sm_qlen++] = inum;
	return (0);
}

/* Set the field of inode inum through the chain layer. */
static int
hammer2_setm_inode(struct hammer2_setm *sm, hammer2_tid_t inum)
{
	struct hammer2_chain *chain;
	struct hammer2_inode_data *ipdata;
	uint8_t *field;
	int error;

	if (inum == HAMMER2_PFSROOT_INUM) {
		chain = sm->sm_pchain;
		hammer2_chain_ref(chain);
	} else {
		error = hammer2_chain_lookup(sm->sm_pchain, inum, inum, 0,
		    &chain);
		if (error == 0 && (chain->ch_bref.type !=
		    HAMMER2_BREF_TYPE_INODE || chain->ch_bref.key != inum)) {
			hammer2_chain_drop(chain);
			error = ENOENT;
		}
		if (error == ENOENT) {
			hammer2_log(sm->sm_dev, "hammer2: inode 0x%016jx is missing from the PFS index",
			    (uintmax_t)inum);
			error = EIO;
		}
		if (error != 0)
			return (error);
	}
	ipdata = chain->ch_data;
	field = sm->sm_what == HAMMER2_PFS_METHOD_COMP ?
	    &ipdata->meta.comp_algo : &ipdata->meta.check_algo;
	error = 0;
	if (*field != sm->sm_algo) {
		error = hammer2_chain_modify(chain, sm->sm_tid);
		if (error == 0) {
			ipdata = chain->ch_data;
			if (sm->sm_what == HAMMER2_PFS_METHOD_COMP)
				ipdata->meta.comp_algo = sm->sm_algo;
			else
				ipdata->meta.check_algo = sm->sm_algo;
			sm->sm_count++;
		}
	}
	hammer2_chain_drop(chain);
	return (error);
}

/* Visit one inode once: change it, queue it if it is a directory. */
static int
hammer2_setm_visit(struct hammer2_setm *sm, hammer2_tid_t inum, int type)
{
	bool fresh;
	int error;

	error = hammer2_pfs_set_add(&sm->sm_seen, inum, &fresh);
	if (error != 0 || !fresh)
		return (error);
	error = hammer2_setm_inode(sm, inum);
	if (error == 0 && type == HAMMER2_OBJTYPE_DIRECTORY)
		error = hammer2_setm_push(sm, inum);
	return (error);
}

static int
hammer2_setm_dirent(void *arg, const struct hammer2_dirent *de)
{
	struct hammer2_setm *sm = arg;

	return (hammer2_setm_visit(sm, de->de_inum, de->de_type));
}

static int
hammer2_setm_walk(struct hammer2_setm *sm)
{
	int error;

	error = hammer2_setm_visit(sm, sm->sm_top.ino_data.meta.inum,
	    sm->sm_top.ino_data.meta.type);
	while (error == 0 && sm->sm_qhead < sm->sm_qlen) {
		error = hammer2_inode_lookup(&sm->sm_pmp,
		    sm->sm_queue[sm->sm_qhead++], &sm->sm_dir);
		if (error == 0)
			error = hammer2_dir_scan(&sm->sm_pmp, &sm->sm_dir, 0,
			    hammer2_setm_dirent, sm);
	}
	return (error);
}

static bool
hammer2_setm_algo_is_valid(int what, uint8_t algo)
{
	int level = HAMMER2_DEC_LEVEL(algo);

	if (what == HAMMER2_PFS_METHOD_CHECK)
		return (algo <= HAMMER2_CHECK_SHA192);
	if (what != HAMMER2_PFS_METHOD_COMP)
		return (false);
	switch (HAMMER2_DEC_COMP(algo)) {
	case HAMMER2_COMP_NONE:
	case HAMMER2_COMP_AUTOZERO:
	case HAMMER2_COMP_LZ4:
		return (level == 0);
	case HAMMER2_COMP_ZLIB:
		return (level <= HAMMER2_PFS_COMP_LEVEL_MAX);
	default:
		return (false);
	}
}

static void
hammer2_setm_free(struct hammer2_setm *sm)
{
	struct hammer2_dev *dev = sm->sm_dev;

	if (sm->sm_queue != NULL)
		hammer2_free(dev, sm->sm_queue,
		    sm->sm_qcap * sizeof(*sm->sm_queue));
	hammer2_pfs_set_fini(&sm->sm_seen);
	if (sm->sm_pchain != NULL)
		hammer2_chain_drop(sm->sm_pchain);
	hammer2_free(dev, sm, sizeof(*sm));
}

/*
 * hammer2_pfs_setmethod - see hammer2_pfs.h.  Returns 0, EINVAL (bad
 * what/algo), ENOENT (no such PFS or path), ENOTDIR, EROFS, EIO, ENOMEM
 * or the commit's error.
 *
 * Context: offline tools.  Commits.
 * Locking: the caller serialises use of the dev.
 */
int
hammer2_pfs_setmethod(struct hammer2_dev *dev, const char *label,
    const char *path, int what, uint8_t algo, uint64_t *countp)
{
	struct hammer2_chain *sroot;
	struct hammer2_setm *sm;
	int error;

	*countp = 0;
	if (!hammer2_setm_algo_is_valid(what, algo) ||
	    !hammer2_pfs_label_is_valid(label))
		return (EINVAL);
	error = hammer2_pfs_sroot(dev, &sroot);
	if (error != 0)
		return (error);
	sm = hammer2_alloc(dev, sizeof(*sm));
	if (sm == NULL) {
		hammer2_chain_drop(sroot);
		return (ENOMEM);
	}
	memset(sm, 0, sizeof(*sm));
	sm->sm_dev = dev;
	sm->sm_seen.ps_dev = dev;
	sm->sm_what = what;
	sm->sm_algo = algo;
	error = hammer2_pfs_find(sroot, label, &sm->sm_pchain);
	hammer2_chain_drop(sroot);
	if (error == 0)
		error = hammer2_pfs_view(dev, sm->sm_pchain, &sm->sm_pmp);
	if (error == 0)
		error = hammer2_path_lookup(&sm->sm_pmp,
		    strcmp(path, ".") == 0 ? "" : path, &sm->sm_top);
	if (error == 0) {
		sm->sm_tid = hammer2_pfs_tid(dev, sm->sm_pchain);
		error = hammer2_setm_walk(sm);
	}
	*countp = sm->sm_count;
	hammer2_setm_free(sm);
	if (error != 0)
		return (error);
	return (hammer2_flush(dev));
}
