/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * multiboot.c - read what GRUB hands over in the multiboot2 information.
 *
 * The information structure is a list of 8-byte-aligned tags in memory
 * that the loader chose and that we do not own: the page allocator may
 * hand it out once boot is over.  So mb_parse() runs first, while the
 * boot page tables identity-map the low 4 GiB, and copies everything
 * kept into static storage: the command line, the usable RAM ranges
 * (sorted, merged, clipped to whole pages), the RSDP copy and whether the
 * screen is in EGA text mode.  Nothing here allocates.
 *
 * Locking: none; runs once on the boot cpu before anything else.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <vm/vm_page.h>

#include <machine/pc64.h>

#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_MMAP		6
#define MB2_TAG_FRAMEBUFFER	8
#define MB2_TAG_ACPI_OLD	14
#define MB2_TAG_ACPI_NEW	15
#define MB2_MMAP_AVAILABLE	1
#define MB2_FB_EGA_TEXT		2
#define MB2_TAG_ALIGN		8
#define RSDP_COPY_BYTES		64

/* clang-format off */
struct mb2_tag {
	uint32_t	mt_type;
	uint32_t	mt_size;
};

struct mb2_mmap_entry {
	uint64_t	me_base;
	uint64_t	me_len;
	uint32_t	me_type;
	uint32_t	me_rsvd;
};

struct mb2_tag_mmap {
	struct mb2_tag	mm_tag;
	uint32_t	mm_entry_size;
	uint32_t	mm_entry_version;
};

struct mb2_tag_fb {
	struct mb2_tag	fb_tag;
	uint64_t	fb_addr;
	uint32_t	fb_pitch;
	uint32_t	fb_width;
	uint32_t	fb_height;
	uint8_t		fb_bpp;
	uint8_t		fb_type;
} __packed;
/* clang-format on */

static char mb_cmdline_buf[MB_CMDLINE_BYTES];
static char mb_env_buf[MB_CMDLINE_BYTES + 1];	/* blanks -> NUL */
static struct mb_range mb_ranges[MB_MAX_RANGES];
static int mb_nranges;
static uint8_t mb_rsdp_copy[RSDP_COPY_BYTES];
static uint32_t mb_rsdp_tag;	/* tag it came from, 0 if none */
static bool mb_text_screen;

static void
mb_add_range(uint64_t base, uint64_t len)
{
	vm_paddr_t start = roundup2(base, PAGE_SIZE);
	vm_paddr_t end = rounddown2(base + len, PAGE_SIZE);
	int i;

	if (end <= start || mb_nranges == MB_MAX_RANGES)
		return;
	/* Insertion sort by start; the firmware's map is short. */
	for (i = mb_nranges; i > 0 && mb_ranges[i - 1].mr_start > start; i--)
		mb_ranges[i] = mb_ranges[i - 1];
	mb_ranges[i].mr_start = start;
	mb_ranges[i].mr_end = end;
	mb_nranges++;
}

static void
mb_merge_ranges(void)
{
	int i, out = 0;

	for (i = 0; i < mb_nranges; i++) {
		struct mb_range *last = out > 0 ? &mb_ranges[out - 1] : NULL;

		if (last != NULL && mb_ranges[i].mr_start <= last->mr_end) {
			last->mr_end = MAX(last->mr_end, mb_ranges[i].mr_end);
			continue;
		}
		mb_ranges[out++] = mb_ranges[i];
	}
	mb_nranges = out;
}

static void
mb_parse_mmap(const struct mb2_tag_mmap *mm)
{
	const char *p = (const char *)(mm + 1);
	const char *end = (const char *)mm + mm->mm_tag.mt_size;
	const struct mb2_mmap_entry *me;

	if (mm->mm_entry_size < sizeof(*me))
		return;
	for (; p + sizeof(*me) <= end; p += mm->mm_entry_size) {
		me = (const struct mb2_mmap_entry *)p;
		if (me->me_type == MB2_MMAP_AVAILABLE)
			mb_add_range(me->me_base, me->me_len);
	}
	mb_merge_ranges();
}

static void
mb_copy(void *dst, const void *src, size_t len, size_t cap)
{
	memcpy(dst, src, MIN(len, cap));
}

/*
 * mb_parse - copy what the kernel keeps from the multiboot2 information.
 * Context: boot cpu, boot page tables (low 4 GiB identity-mapped).
 */
void
mb_parse(uint32_t mbi_phys)
{
	const char *mbi = (const char *)(uintptr_t)mbi_phys;
	uint32_t total = *(const uint32_t *)mbi;
	const char *p = mbi + MB2_TAG_ALIGN;
	const struct mb2_tag *tag;
	const struct mb2_tag_fb *fb;

	while (p + sizeof(*tag) <= mbi + total) {
		tag = (const struct mb2_tag *)p;
		if (tag->mt_type == MB2_TAG_END || tag->mt_size < sizeof(*tag))
			break;
		switch (tag->mt_type) {
		case MB2_TAG_CMDLINE:
			mb_copy(mb_cmdline_buf, tag + 1,
			    tag->mt_size - sizeof(*tag),
			    sizeof(mb_cmdline_buf) - 1);
			break;
		case MB2_TAG_MMAP:
			mb_parse_mmap((const struct mb2_tag_mmap *)tag);
			break;
		case MB2_TAG_FRAMEBUFFER:
			fb = (const struct mb2_tag_fb *)tag;
			mb_text_screen = fb->fb_type == MB2_FB_EGA_TEXT;
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* Keep the ACPI 2.0 RSDP over the 1.0 one. */
			if (tag->mt_type > mb_rsdp_tag) {
				mb_copy(mb_rsdp_copy, tag + 1,
				    tag->mt_size - sizeof(*tag),
				    sizeof(mb_rsdp_copy));
				mb_rsdp_tag = tag->mt_type;
			}
			break;
		default:
			break;
		}
		p += roundup2(tag->mt_size, MB2_TAG_ALIGN);
	}
	for (size_t i = 0; i < MB_CMDLINE_BYTES; i++) {
		char c = mb_cmdline_buf[i];

		mb_env_buf[i] = (c == ' ' || c == '\t') ? '\0' : c;
	}
}

/* The command line split into NUL-separated words, MB_CMDLINE_BYTES. */
const char *
mb_env(void)
{
	return (mb_env_buf);
}

const char *
mb_cmdline(void)
{
	return (mb_cmdline_buf);
}

int
mb_ram_ranges(const struct mb_range **rangesp)
{
	*rangesp = mb_ranges;
	return (mb_nranges);
}

const void *
mb_rsdp(void)
{
	return (mb_rsdp_tag != 0 ? mb_rsdp_copy : NULL);
}

bool
mb_vga_text(void)
{
	return (mb_text_screen);
}
