/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * kern_kmalloc_stats.c - the monitor's view of kmalloc.
 *
 *	kmalloc			per-type statistics: name, bytes in use,
 *				allocations in use, total calls, limit
 *	kmalloc zones		per-cpu zone counts and remote frees
 *	kmalloc reclaim		give free zones back (slab_reclaim)
 *	kmalloc fault KIND	make the allocator panic on purpose
 *
 * The statistics are per-cpu counters summed on the fly with atomic
 * loads (kmalloc_type_memuse and friends), so the numbers of a busy type
 * are a snapshot, not a consistent cut.  "kmalloc fault" exists so that
 * the host test suite tests/suites/slab-panics.sh can check that each
 * misuse the allocator must catch (double free, here and on another cpu,
 * a pointer it never returned, the wrong type, a type without its magic
 * number, a zero-size request, a type over its limit, a kmem double
 * free) panics with a message naming the pointer and the type; that
 * cannot be tested inside a running kernel.
 * "use-after-free" writes into a freed chunk: only the AddressSanitizer
 * build notices (free chunks are poisoned); elsewhere it is harmless.
 *
 * Locking: none of its own; it reads [a] fields only.
 * More: docs/design/slab.md.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/malloc.h>
#include <sys/slaballoc.h>
#include <sys/thread.h>
#include <sys/globaldata.h>
#include <sys/kmonitor.h>
#include <vm/vm_page.h>
#include <cpu/atomic.h>

#define KMF_CHUNK_BYTES		64
#define KMF_LIMIT_BYTES		4096
#define KMF_MISALIGN_BYTES	8
#define KIB			1024

MALLOC_DEFINE(M_KMALLOC_FAULT, "kmalloc_fault", "kmalloc fault injection");

MALLOC_DEFINE_LIMIT(M_KMALLOC_FLIMIT, "kmalloc_flimit",
    "kmalloc limit fault injection", KMF_LIMIT_BYTES);

static int kmf_not_heap;	/* a pointer kmalloc never returned */
static struct malloc_type kmf_bad_type;	/* no M_MAGIC */

/* A store the compiler cannot drop. */
static __noinline void
kmf_write_byte(volatile char *p)
{
	*p = 1;
}

static void
kmalloc_print_types(void)
{
	u_int n = kmalloc_ntypes();

	kprintf("%-16s %12s %10s %12s %12s\n", "type", "inuse-bytes",
	    "inuse", "calls", "limit");
	for (u_int id = 1; id <= n; id++) {
		struct malloc_type *type = kmalloc_type_byid(id);

		if (type == NULL)
			continue;
		kprintf("%-16s %12jd %10jd %12ju %12jd\n", type->ks_shortdesc,
		    (intmax_t)kmalloc_type_memuse(type),
		    (intmax_t)kmalloc_type_inuse(type),
		    (uintmax_t)kmalloc_type_calls(type),
		    (intmax_t)kmalloc_type_limit(type));
	}
}

static void
kmalloc_print_zones(void)
{
	kprintf("zone size %zu KiB, chunks below %zu bytes; pages: %ju KiB "
	    "free of %ju KiB\n", slab_zone_bytes / KIB, slab_zone_limit,
	    (uintmax_t)(vm_page_free_bytes() / KIB),
	    (uintmax_t)(vm_page_total_bytes() / KIB));
	kprintf("%4s %8s %12s %12s %14s\n", "cpu", "zones", "zone-allocs",
	    "zone-frees", "remote-frees");
	for (int i = 0; i < ncpus; i++) {
		struct slab_globaldata *sl = &globaldata_find(i)->gd_slab;

		kprintf("%4d %8ju %12ju %12ju %14ju\n", i,
		    (uintmax_t)atomic_load_relaxed(&sl->sl_nzones),
		    (uintmax_t)atomic_load_relaxed(&sl->sl_zone_allocs),
		    (uintmax_t)atomic_load_relaxed(&sl->sl_zone_frees),
		    (uintmax_t)atomic_load_relaxed(&sl->sl_remote_frees));
	}
}

/* Each fault prints what it is about to do, then does it. */
static int
kmalloc_fault(const char *kind)
{
	char *p;

	if (strcmp(kind, "zero") == 0) {
		kprintf("kmalloc fault: zero-size request, type %s\n",
		    M_KMALLOC_FAULT->ks_shortdesc);
		p = kmalloc(0, M_KMALLOC_FAULT, M_WAITOK);
		kfree(p, M_KMALLOC_FAULT);
		return (EINVAL);
	}
	if (strcmp(kind, "limit") == 0) {
		kprintf("kmalloc fault: %d bytes of type %s (limit %d)\n",
		    2 * KMF_LIMIT_BYTES, M_KMALLOC_FLIMIT->ks_shortdesc,
		    KMF_LIMIT_BYTES);
		p = kmalloc(2 * KMF_LIMIT_BYTES, M_KMALLOC_FLIMIT, M_WAITOK);
		kfree(p, M_KMALLOC_FLIMIT);
		return (EINVAL);
	}
	if (strcmp(kind, "foreign-pointer") == 0) {
		kprintf("kmalloc fault: freeing %p, type %s\n", &kmf_not_heap,
		    M_KMALLOC_FAULT->ks_shortdesc);
		kfree(&kmf_not_heap, M_KMALLOC_FAULT);
		return (EINVAL);
	}
	if (strcmp(kind, "kmem-double-free") == 0) {
		p = kmem_alloc(PAGE_SIZE, M_WAITOK);
		kprintf("kmalloc fault: kmem_free of %p twice\n", p);
		kmem_free(p, PAGE_SIZE);
		kmem_free(p, PAGE_SIZE);
		return (EINVAL);
	}
	if (strcmp(kind, "double-free-large") == 0) {
		p = kmalloc(slab_zone_limit * 2, M_KMALLOC_FAULT, M_WAITOK);
		kprintf("kmalloc fault: double free of %p, type %s\n", p,
		    M_KMALLOC_FAULT->ks_shortdesc);
		kfree(p, M_KMALLOC_FAULT);
		kfree(p, M_KMALLOC_FAULT);
		return (EINVAL);
	}
	p = kmalloc(KMF_CHUNK_BYTES, M_KMALLOC_FAULT, M_WAITOK);
	if (strcmp(kind, "double-free") == 0) {
		kprintf("kmalloc fault: double free of %p, type %s\n", p,
		    M_KMALLOC_FAULT->ks_shortdesc);
		kfree(p, M_KMALLOC_FAULT);
		kfree(p, M_KMALLOC_FAULT);
	} else if (strcmp(kind, "double-free-remote") == 0) {
		kprintf("kmalloc fault: double free of %p on another cpu, "
		    "type %s\n", p, M_KMALLOC_FAULT->ks_shortdesc);
		lwkt_migratecpu((mycpuid + 1) % ncpus);
		kfree(p, M_KMALLOC_FAULT);
		kfree(p, M_KMALLOC_FAULT);
	} else if (strcmp(kind, "bad-pointer") == 0) {
		kprintf("kmalloc fault: freeing %p, inside a chunk, type %s\n",
		    p + KMF_MISALIGN_BYTES, M_KMALLOC_FAULT->ks_shortdesc);
		kfree(p + KMF_MISALIGN_BYTES, M_KMALLOC_FAULT);
	} else if (strcmp(kind, "use-after-free") == 0) {
		kprintf("kmalloc fault: writing to %p after freeing it, type "
		    "%s (only AddressSanitizer notices)\n", p,
		    M_KMALLOC_FAULT->ks_shortdesc);
		kfree(p, M_KMALLOC_FAULT);
		kmf_write_byte(p + KMF_MISALIGN_BYTES);
		return (0);
	} else if (strcmp(kind, "bad-type") == 0) {
		kprintf("kmalloc fault: freeing %p with a malloc type whose "
		    "magic is wrong\n", p);
		kfree(p, &kmf_bad_type);
	} else if (strcmp(kind, "wrong-type") == 0) {
		kprintf("kmalloc fault: freeing %p of type %s as type %s\n",
		    p, M_KMALLOC_FAULT->ks_shortdesc, M_TEMP->ks_shortdesc);
		kfree(p, M_TEMP);
	} else {
		kfree(p, M_KMALLOC_FAULT);
		kprintf("kmalloc fault: unknown fault \"%s\"\n", kind);
		return (EINVAL);
	}
	return (EINVAL);	/* not reached: each of these panics */
}

static int
cmd_kmalloc(int argc, char **argv)
{
	if (argc == 1) {
		kmalloc_print_types();
		return (0);
	}
	if (strcmp(argv[1], "zones") == 0) {
		kmalloc_print_zones();
		return (0);
	}
	if (strcmp(argv[1], "reclaim") == 0) {
		vm_size_t before = vm_page_free_bytes();

		slab_reclaim();
		kprintf("kmalloc: %ju KiB free before, %ju KiB after\n",
		    (uintmax_t)(before / KIB),
		    (uintmax_t)(vm_page_free_bytes() / KIB));
		return (0);
	}
	if (strcmp(argv[1], "fault") == 0 && argc == 3)
		return (kmalloc_fault(argv[2]));
	kprintf("usage: kmalloc [zones | reclaim | fault double-free | "
	    "double-free-remote | double-free-large | bad-pointer | "
	    "foreign-pointer | wrong-type | zero | limit | "
	    "kmem-double-free | use-after-free | bad-type]\n");
	return (EINVAL);
}
KMONITOR_COMMAND(kmalloc, "kmalloc statistics (kmalloc [zones|reclaim|fault "
    "KIND])", cmd_kmalloc);
