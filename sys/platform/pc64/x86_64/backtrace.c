/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * backtrace.c - frame-pointer backtraces, symbolized from a table built
 * into the kernel.
 *
 * The kernel is compiled with -fno-omit-frame-pointer, so every C frame
 * starts with the caller's %rbp and the return address above it.  The
 * walk follows that chain while each frame pointer is aligned, mapped and
 * higher than the previous one (stacks grow down), printing at most
 * BT_MAX_FRAMES lines.
 *
 * Symbols: the build links the kernel once, lists its text symbols with
 * nm and generates ksyms.c (tools/ksyms.sh): a sorted table of
 * (address, offset into a string block) in the .ksyms section, which the
 * linker script places after all text, so the second link moves no
 * function.  Lookup is a binary search.
 *
 * Locking: none; reads only immutable data and the walked stack.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/cpu_md.h>

#include <machine/pc64.h>
#include <machine/ksyms.h>

#define BT_MAX_FRAMES	32	/* lines printed */
#define BT_MAX_WALK	4096	/* frames followed */

struct bt_frame {
	struct bt_frame	*bf_next;	/* caller's %rbp */
	uint64_t	bf_ret;		/* return address */
};

/*
 * ksym_lookup - name of the function containing addr and the offset into
 * it, or NULL when addr is not kernel text.
 */
const char *
ksym_lookup(uint64_t addr, uint64_t *offp)
{
	u_int lo = 0, hi = ksym_count;

	if (addr < (uint64_t)__text_start || addr >= (uint64_t)__text_end ||
	    ksym_count == 0 || addr < ksym_table[0].ks_addr)
		return (NULL);
	while (hi - lo > 1) {
		u_int mid = lo + (hi - lo) / 2;

		if (ksym_table[mid].ks_addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offp = addr - ksym_table[lo].ks_addr;
	return (ksym_names + ksym_table[lo].ks_name);
}

static void
backtrace_print(int depth, uint64_t pc)
{
	const char *name;
	uint64_t off = 0;

	name = ksym_lookup(pc, &off);
	if (name != NULL)
		kprintf("#%-2d %016jx %s+0x%jx\n", depth, (uintmax_t)pc, name,
		    (uintmax_t)off);
	else
		kprintf("#%-2d %016jx ?\n", depth, (uintmax_t)pc);
}

static bool
backtrace_frame_ok(const struct bt_frame *fp, const struct bt_frame *prev)
{
	vm_offset_t va = (vm_offset_t)fp;

	if (fp == NULL || (va & (sizeof(uint64_t) - 1)) != 0)
		return (false);
	if (prev != NULL && fp <= prev)
		return (false);
	return (pmap_is_mapped(va) && pmap_is_mapped(va + sizeof(*fp) - 1));
}

/*
 * Print pc, then every return address up the %rbp chain from rbp.  A run
 * of identical return addresses (deep recursion, as in a stack overflow)
 * is printed once with its count, so the frames below it still show.
 */
void
backtrace_from(uint64_t pc, uint64_t rbp)
{
	backtrace_from_call(pc, 0, rbp);
}

/*
 * As backtrace_from(), with ret (if not 0) printed second: the return
 * address on top of the stack when pc faulted before its function could
 * push a frame (a call to a bad address).
 */
void
backtrace_from_call(uint64_t pc, uint64_t ret, uint64_t rbp)
{
	const struct bt_frame *fp = (const struct bt_frame *)rbp;
	const struct bt_frame *prev = NULL;
	uint64_t last = 0;
	u_int repeats = 0, walked = 0;
	int depth = 0;

	kprintf("backtrace:\n");
	backtrace_print(depth++, pc);
	if (ret != 0)
		backtrace_print(depth++, ret - 1);
	while (depth < BT_MAX_FRAMES && walked++ < BT_MAX_WALK &&
	    backtrace_frame_ok(fp, prev) && fp->bf_ret != 0) {
		if (fp->bf_ret == last) {
			repeats++;
		} else {
			if (repeats > 0)
				kprintf("    (%u more frames of the above)\n",
				    repeats);
			repeats = 0;
			last = fp->bf_ret;
			backtrace_print(depth++, fp->bf_ret - 1);
		}
		prev = fp;
		fp = fp->bf_next;
	}
	if (repeats > 0)
		kprintf("    (%u more frames of the above)\n", repeats);
}

void
platform_backtrace(void)
{
	const struct bt_frame *fp = __builtin_frame_address(0);

	backtrace_from(fp->bf_ret - 1, (uint64_t)fp->bf_next);
}
