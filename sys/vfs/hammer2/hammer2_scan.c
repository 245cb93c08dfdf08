/*-
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */

/*
 * hammer2_scan.c - the read-only path: walk blockref arrays and the
 * INDIRECT (and FREEMAP_NODE) blocks below them in key order, straight
 * from the media (the write side's in-memory chains are in
 * hammer2_chain.c).
 *
 * Model: a blockref array is a blockset (4 entries) or the content of an
 * INDIRECT/FREEMAP_NODE block.  hammer2_tree_scan() visits, in ascending
 * key order, every leaf bref (INODE, DATA, DIRENT, FREEMAP_LEAF) whose
 * key range intersects [key_beg, key_end], descending into indirect
 * blocks whose range intersects it.  Lookups are scans of one key.  The
 * write side keeps the same arrays in memory as chains (hammer2_chain.c);
 * this scan sees only what the chosen volume header committed.
 *
 * Invariants (format §5.4), checked on every array read: live entries
 * are in ascending key order and do not overlap; an indirect block never
 * refers to one of its own ancestors; nesting is at most
 * HAMMER2_MAX_DEPTH deep; one scan visits at most HAMMER2_SCAN_BUDGET
 * brefs and reads at most HAMMER2_SCAN_NODE_BUDGET indirect blocks (a
 * corrupt DAG of shared subtrees cannot make a walk exponential).  A violation is EIO with a message naming the block, so corrupt
 * media can neither crash nor hang a walk.
 *
 * Locking: none; the caller serialises use of the dev.
 *
 * More: docs/design/hammer2.md, reference hammer2-format.md §5.4, §14.
 */

#include <errno.h>
#include <string.h>

#include "hammer2.h"

#define HAMMER2_SCAN_BUDGET	(1ULL << 26)	/* brefs per scan */
#define HAMMER2_SCAN_NODE_BUDGET (1ULL << 18)	/* indirect reads per scan */

struct hammer2_scan {
	struct hammer2_dev	*sc_dev;
	int			 sc_flags;
	hammer2_scan_fn		*sc_fn;
	void			*sc_arg;
	uint64_t		 sc_budget;
	uint64_t		 sc_node_budget;
	int			 sc_depth;
	hammer2_off_t		 sc_path[HAMMER2_MAX_DEPTH];
};

static int hammer2_scan_array(struct hammer2_scan *sc,
    const struct hammer2_blockref *base, int count, hammer2_key_t beg,
    hammer2_key_t end);

static bool
hammer2_bref_is_node(const struct hammer2_blockref *bref)
{
	return (bref->type == HAMMER2_BREF_TYPE_INDIRECT ||
	    bref->type == HAMMER2_BREF_TYPE_FREEMAP_NODE);
}

/* Report a failure: to the callback if it wants them, else upward. */
static int
hammer2_scan_error(struct hammer2_scan *sc,
    const struct hammer2_blockref *bref, int error)
{
	if ((sc->sc_flags & HAMMER2_SCAN_CONTINUE) == 0)
		return (error);
	return (sc->sc_fn(sc->sc_arg, bref, error));
}

/* Descend into one INDIRECT/FREEMAP_NODE bref. */
static int
hammer2_scan_node(struct hammer2_scan *sc,
    const struct hammer2_blockref *bref, hammer2_key_t beg,
    hammer2_key_t end)
{
	struct hammer2_dev *dev = sc->sc_dev;
	const void *data;
	size_t len;
	int error, i;

	if (sc->sc_depth >= HAMMER2_MAX_DEPTH) {
		hammer2_log(dev, "hammer2: indirect block at 0x%016jx: tree deeper than %d levels",
		    (uintmax_t)bref->data_off, HAMMER2_MAX_DEPTH);
		return (hammer2_scan_error(sc, bref, EIO));
	}
	for (i = 0; i < sc->sc_depth; i++) {
		if (sc->sc_path[i] == hammer2_bref_offset(bref)) {
			hammer2_log(dev, "hammer2: indirect block at 0x%016jx: refers to its own ancestor (loop)",
			    (uintmax_t)bref->data_off);
			return (hammer2_scan_error(sc, bref, EIO));
		}
	}
	if (sc->sc_node_budget-- == 0) {
		hammer2_log(dev, "hammer2: indirect block at 0x%016jx: scan read too many indirect blocks (shared subtrees?)",
		    (uintmax_t)bref->data_off);
		return (EIO);
	}
	error = hammer2_bref_read(dev, bref, &data, &len);
	if (error != 0)
		return (hammer2_scan_error(sc, bref, error));
	sc->sc_path[sc->sc_depth++] = hammer2_bref_offset(bref);
	error = hammer2_scan_array(sc, data,
	    (int)(len / HAMMER2_BLOCKREF_BYTES), beg, end);
	sc->sc_depth--;
	hammer2_bref_release(dev, data, len);
	return (error);
}

/* Check ascending, non-overlapping order of live entries. */
static int
hammer2_scan_check_order(struct hammer2_scan *sc,
    const struct hammer2_blockref *base, int count)
{
	const struct hammer2_blockref *prev = NULL;
	int i;

	for (i = 0; i < count; i++) {
		if (base[i].type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		if (prev != NULL && hammer2_bref_key_end(prev) >= base[i].key) {
			hammer2_log(sc->sc_dev, "hammer2: blockref array at depth %d: entries 0x%016jx/%u and 0x%016jx/%u out of order or overlapping",
			    sc->sc_depth, (uintmax_t)prev->key, prev->keybits,
			    (uintmax_t)base[i].key, base[i].keybits);
			return (EIO);
		}
		if (base[i].keybits > 64) {
			hammer2_log(sc->sc_dev, "hammer2: blockref 0x%016jx: impossible keybits %u",
			    (uintmax_t)base[i].key, base[i].keybits);
			return (EIO);
		}
		prev = &base[i];
	}
	return (0);
}

static int
hammer2_scan_array(struct hammer2_scan *sc, const struct hammer2_blockref *base,
    int count, hammer2_key_t beg, hammer2_key_t end)
{
	const struct hammer2_blockref *bref;
	hammer2_key_t bend;
	int error, i;

	error = hammer2_scan_check_order(sc, base, count);
	if (error != 0)
		return (hammer2_scan_error(sc, NULL, error));
	for (i = 0; i < count; i++) {
		bref = &base[i];
		if (bref->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		if (sc->sc_budget-- == 0) {
			hammer2_log(sc->sc_dev, "hammer2: scan visited too many blockrefs (shared subtrees?)");
			return (EIO);
		}
		bend = hammer2_bref_key_end(bref);
		if (bend < beg || bref->key > end)
			continue;
		if (hammer2_bref_is_node(bref)) {
			if (sc->sc_flags & HAMMER2_SCAN_INDIRECT) {
				error = sc->sc_fn(sc->sc_arg, bref, 0);
				if (error == HAMMER2_SCAN_SKIP)
					continue;
				if (error != 0)
					return (error);
			}
			error = hammer2_scan_node(sc, bref,
			    bref->key > beg ? bref->key : beg,
			    bend < end ? bend : end);
		} else {
			error = sc->sc_fn(sc->sc_arg, bref, 0);
		}
		if (error != 0)
			return (error);
	}
	return (0);
}

/*
 * hammer2_tree_scan - call fn for every leaf bref intersecting
 * [key_beg, key_end] below the array base[0..count), in key order.  With
 * HAMMER2_SCAN_INDIRECT fn also sees each indirect bref before its
 * children; with HAMMER2_SCAN_CONTINUE failures are passed to fn (with
 * the failing bref, or NULL for a bad array) instead of ending the scan.
 * fn returns 0 to go on, HAMMER2_SCAN_STOP to stop, or an errno; for an
 * indirect bref it may also return HAMMER2_SCAN_SKIP to not descend.
 * Returns 0 (also when stopped) or the first errno.
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_tree_scan(struct hammer2_dev *dev, const struct hammer2_blockref *base,
    int count, hammer2_key_t key_beg, hammer2_key_t key_end, int flags,
    hammer2_scan_fn *fn, void *arg)
{
	struct hammer2_scan sc;
	int error;

	memset(&sc, 0, sizeof(sc));
	sc.sc_dev = dev;
	sc.sc_flags = flags;
	sc.sc_fn = fn;
	sc.sc_arg = arg;
	sc.sc_budget = HAMMER2_SCAN_BUDGET;
	sc.sc_node_budget = HAMMER2_SCAN_NODE_BUDGET;
	error = hammer2_scan_array(&sc, base, count, key_beg, key_end);
	return (error == HAMMER2_SCAN_STOP ? 0 : error);
}

struct hammer2_lookup_arg {
	hammer2_key_t		 la_key;
	struct hammer2_blockref	*la_bref;
	bool			 la_found;
};

static int
hammer2_lookup_cb(void *arg, const struct hammer2_blockref *bref, int error)
{
	struct hammer2_lookup_arg *la = arg;

	(void)error;
	if (bref->key != la->la_key)
		return (0);
	*la->la_bref = *bref;
	la->la_found = true;
	return (HAMMER2_SCAN_STOP);
}

/*
 * hammer2_tree_lookup - find the leaf bref whose key is exactly key.
 * Returns 0, ENOENT, or EIO if the path to it is corrupt.
 *
 * Locking: the caller serialises use of the dev; may block in the
 * device read.
 */
int
hammer2_tree_lookup(struct hammer2_dev *dev, const struct hammer2_blockref *base,
    int count, hammer2_key_t key, struct hammer2_blockref *brefp)
{
	struct hammer2_lookup_arg la;
	int error;

	la.la_key = key;
	la.la_bref = brefp;
	la.la_found = false;
	error = hammer2_tree_scan(dev, base, count, key, key, 0,
	    hammer2_lookup_cb, &la);
	if (error != 0)
		return (error);
	return (la.la_found ? 0 : ENOENT);
}
