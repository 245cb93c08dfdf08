/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * vga.c - the 80x25 VGA text screen, a second console output.
 *
 * Used only when the loader left the screen in EGA text mode (BIOS boot;
 * under UEFI there is no text screen and the serial port is the only
 * console).  Each cell is a character and an attribute byte; the screen
 * scrolls up by one line when the cursor passes the bottom.  The hardware
 * cursor follows through the CRT controller ports.
 *
 * Locking: called under kprintf's console lock only.
 */

#include <sys/types.h>
#include <sys/systm.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

#define VGA_COLS	80
#define VGA_ROWS	25
#define VGA_ATTR	0x0700	/* light grey on black */
#define VGA_TAB_COLS	8
#define CRTC_INDEX	0x3d4
#define CRTC_DATA	0x3d5
#define CRTC_CURSOR_HI	0x0e
#define CRTC_CURSOR_LO	0x0f

static volatile uint16_t *vga_cells;
static int vga_row, vga_col;

void
vga_init(vm_offset_t base)
{
	vga_cells = (volatile uint16_t *)base;
	vga_row = vga_col = 0;
	for (int i = 0; i < VGA_COLS * VGA_ROWS; i++)
		vga_cells[i] = VGA_ATTR | ' ';
}

static void
vga_scroll(void)
{
	int i;

	for (i = 0; i < VGA_COLS * (VGA_ROWS - 1); i++)
		vga_cells[i] = vga_cells[i + VGA_COLS];
	for (; i < VGA_COLS * VGA_ROWS; i++)
		vga_cells[i] = VGA_ATTR | ' ';
	vga_row = VGA_ROWS - 1;
}

static void
vga_move_cursor(void)
{
	u_int pos = (u_int)(vga_row * VGA_COLS + vga_col);

	outb(CRTC_INDEX, CRTC_CURSOR_HI);
	outb(CRTC_DATA, (uint8_t)(pos >> 8));
	outb(CRTC_INDEX, CRTC_CURSOR_LO);
	outb(CRTC_DATA, (uint8_t)pos);
}

void
vga_putc(int c)
{
	if (vga_cells == NULL)
		return;
	switch (c) {
	case '\n':
		vga_col = 0;
		vga_row++;
		break;
	case '\r':
		vga_col = 0;
		break;
	case '\b':
		if (vga_col > 0)
			vga_col--;
		break;
	case '\t':
		vga_col = roundup2(vga_col + 1, VGA_TAB_COLS);
		break;
	default:
		vga_cells[vga_row * VGA_COLS + vga_col] =
		    (uint16_t)(VGA_ATTR | (uint8_t)c);
		vga_col++;
		break;
	}
	if (vga_col >= VGA_COLS) {
		vga_col = 0;
		vga_row++;
	}
	if (vga_row >= VGA_ROWS)
		vga_scroll();
	vga_move_cursor();
}

/* Move the screen pointer from the boot mapping to the direct map. */
void
vga_rebase(vm_offset_t base)
{
	if (vga_cells != NULL)
		vga_cells = (volatile uint16_t *)base;
}
