/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * pc64_ktest.c - in-kernel tests of pc64's own pieces: libkern's string
 * functions, guard pages, the boot command line, the clock, the APIC ids
 * and the embedded symbol table.  They are KTESTs like the MI ones, so
 * "ktest=all" and the monitor's "selftest" run them on pc64 only.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/cpu_md.h>
#include <sys/ktest.h>
#include <sys/malloc.h>
#include <sys/globaldata.h>
#include <vm/vm_page.h>

#include <machine/pc64.h>

#define NS_PER_MS	1000000ULL
#define SLEEP_TICKS	10

KTEST(libkern_strtoul)
{
	char *end;

	KT_EXPECT(strtoul("0", NULL, 10) == 0);
	KT_EXPECT(strtoul("  42xyz", &end, 10) == 42 && *end == 'x');
	KT_EXPECT(strtoul("0x1F", NULL, 0) == 31);
	KT_EXPECT(strtoul("0x1F", NULL, 16) == 31);
	KT_EXPECT(strtoul("017", NULL, 0) == 15);
	KT_EXPECT(strtoul("z", NULL, 36) == 35);
	KT_EXPECT(strtoul("-1", NULL, 10) == ~0UL);
	KT_EXPECT(strtoul("99999999999999999999999", NULL, 10) == ~0UL);
	KT_EXPECT(strtoul("xyz", &end, 10) == 0);
	KT_EXPECT(strcmp(end, "xyz") == 0);
	KT_EXPECT(strtoul("0x", &end, 16) == 0 && *end == 'x');
	KT_EXPECT(strtoul("12", &end, 1) == 0 && *end == '1');
}

KTEST(libkern_memory)
{
	char buf[32];

	memset(buf, 'a', sizeof(buf));
	KT_EXPECT(buf[0] == 'a' && buf[31] == 'a');
	memcpy(buf, "0123456789", 10);
	memmove(buf + 2, buf, 8);	/* overlapping, forward */
	KT_EXPECT(memcmp(buf, "0101234567", 10) == 0);
	memmove(buf, buf + 2, 8);	/* overlapping, backward */
	KT_EXPECT(memcmp(buf, "0123456767", 10) == 0);
	KT_EXPECT(memcmp("ab", "ac", 2) < 0 && memcmp("ac", "ab", 2) > 0);
	KT_EXPECT(memcmp("\xff", "\x01", 1) > 0);	/* unsigned bytes */
	KT_EXPECT(memcmp("x", "y", 0) == 0);
}

KTEST(libkern_strings)
{
	const char *s = "hello";

	KT_EXPECT(strlen("") == 0 && strlen(s) == 5);
	KT_EXPECT(strcmp(s, "hello") == 0 && strcmp("a", "b") < 0);
	KT_EXPECT(strcmp("b", "a") > 0 && strcmp("ab", "a") > 0);
	KT_EXPECT(strcmp("\xff", "a") > 0);
	KT_EXPECT(strncmp("abcd", "abce", 3) == 0);
	KT_EXPECT(strncmp("abcd", "abce", 4) < 0);
	KT_EXPECT(strncmp("ab", "ab", 10) == 0);
	KT_EXPECT(strchr(s, 'l') == s + 2 && strchr(s, 'z') == NULL);
	KT_EXPECT(strchr(s, '\0') == s + 5);
}

KTEST(pc64_guard_page)
{
	char *p = kmem_alloc(2 * PAGE_SIZE, M_WAITOK);
	vm_offset_t va = (vm_offset_t)p;

	KT_ASSERT(p != NULL);
	KT_EXPECT(pmap_is_mapped(va) && !pmap_is_guard(va));
	KT_ASSERT(pmap_set_guard(va, true) == 0);
	KT_EXPECT(!pmap_is_mapped(va) && pmap_is_guard(va));
	KT_EXPECT(pmap_is_mapped(va + PAGE_SIZE));
	p[PAGE_SIZE] = 1;		/* the neighbour stays usable */
	KT_ASSERT(pmap_set_guard(va, false) == 0);
	KT_EXPECT(pmap_is_mapped(va) && !pmap_is_guard(va));
	p[0] = 1;
	KT_EXPECT(pmap_set_guard(va + 1, true) == EINVAL);
	KT_EXPECT(pmap_set_guard((vm_offset_t)&pc64_bsp, true) == EINVAL);
	kmem_free(p, 2 * PAGE_SIZE);
}

/* Where needle starts a word of the raw command line, or NULL. */
static const char *
strstr_cmdline(const char *needle)
{
	const char *p = mb_cmdline();
	size_t len = strlen(needle);

	for (; *p != '\0'; p++) {
		if ((p == mb_cmdline() || p[-1] == ' ') &&
		    strncmp(p, needle, len) == 0)
			return (p);
	}
	return (NULL);
}

KTEST(pc64_getenv)
{
	const char *v = platform_getenv("ktest");

	/* Booted with ktest=...: its value is one word; else no variable. */
	if (v != NULL)
		KT_EXPECT(*v != '\0' && strchr(v, ' ') == NULL);
	KT_EXPECT((v != NULL) == (strstr_cmdline("ktest=") != NULL));
	KT_EXPECT(platform_getenv("kt") == NULL);
	KT_EXPECT(platform_getenv("ktestx") == NULL);
	KT_EXPECT(platform_getenv("") == NULL);
	KT_EXPECT(platform_getenv("no_such_variable") == NULL);
}

KTEST(pc64_clock)
{
	uint64_t t0 = platform_uptime_ns();
	int ticks0 = ticks;
	uint64_t t1;

	tsleep(&t0, 0, "ktclock", SLEEP_TICKS);
	t1 = platform_uptime_ns();
	KT_EXPECT(t1 > t0);
	/* Slept at least most of SLEEP_TICKS ticks, by both clocks. */
	KT_EXPECT(t1 - t0 >= (SLEEP_TICKS - 1) * (NS_PER_MS * 1000 / hz));
	KT_EXPECT(ticks - ticks0 >= SLEEP_TICKS - 1);
}

KTEST(pc64_apic_ids)
{
	for (int i = 0; i < ncpus; i++) {
		struct pc64_cpu *a = (struct pc64_cpu *)globaldata_find(i);

		KT_EXPECT(a->pc_gd.gd_cpuid == i);
		for (int j = i + 1; j < ncpus; j++) {
			struct pc64_cpu *b =
			    (struct pc64_cpu *)globaldata_find(j);

			KT_EXPECT(a->pc_apicid != b->pc_apicid);
		}
	}
	KT_EXPECT(pc64_mycpu()->pc_apicid == lapic_id());
}

KTEST(pc64_ksyms)
{
	uint64_t off = 1;
	const char *name;

	name = ksym_lookup((uint64_t)(uintptr_t)pc64_init, &off);
	KT_ASSERT(name != NULL);
	KT_EXPECT(strcmp(name, "pc64_init") == 0 && off == 0);
	name = ksym_lookup((uint64_t)(uintptr_t)pc64_init + 1, &off);
	KT_EXPECT(name != NULL && off == 1);
	KT_EXPECT(ksym_lookup((uint64_t)(uintptr_t)&pc64_bsp, &off) == NULL);
	KT_EXPECT(ksym_lookup(0, &off) == NULL);
}
