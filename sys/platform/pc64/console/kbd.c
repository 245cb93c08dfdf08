/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * kbd.c - the PS/2 keyboard as console input.
 *
 * The i8042 controller translates to scancode set 1 by default: one byte
 * per make code, the same code with bit 7 set on release, 0xe0 before
 * extended keys (ignored here).  IRQ 1 arrives through the IOAPIC;
 * kbd_intr() reads every byte the controller holds and pushes the ASCII
 * of each key press (with shift) into the console ring.  Keys without an
 * ASCII meaning are dropped.
 *
 * Locking: runs under console.c's input lock; kbd_shift is touched only
 * there.
 */

#include <sys/types.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

#define KBD_DATA	0x60
#define KBD_STATUS	0x64
#define KBD_OBF		0x01	/* output buffer full */
#define KBD_RELEASE	0x80
#define KBD_EXTENDED	0xe0
#define SC_LSHIFT	0x2a
#define SC_RSHIFT	0x36
#define KBD_READ_LIMIT	16

/* Set 1 make codes 0x00-0x39 (US layout), unshifted and shifted. */
static const char kbd_map[] =
    "\0\033" "1234567890-=\b\t" "qwertyuiop[]\n\0" "asdfghjkl;'`\0\\"
    "zxcvbnm,./\0*\0 ";
static const char kbd_map_shift[] =
    "\0\033" "!@#$%^&*()_+\b\t" "QWERTYUIOP{}\n\0" "ASDFGHJKL:\"~\0|"
    "ZXCVBNM<>?\0*\0 ";

static bool kbd_shift;

static void
kbd_scancode(uint8_t sc)
{
	uint8_t key = sc & (uint8_t)~KBD_RELEASE;
	char c;

	if (key == SC_LSHIFT || key == SC_RSHIFT) {
		kbd_shift = !(sc & KBD_RELEASE);
		return;
	}
	if ((sc & KBD_RELEASE) || key >= sizeof(kbd_map) - 1)
		return;
	c = kbd_shift ? kbd_map_shift[key] : kbd_map[key];
	if (c != '\0')
		cons_input_push(c);
}

void
kbd_intr(void)
{
	for (int i = 0; i < KBD_READ_LIMIT; i++) {
		uint8_t sc;

		if (!(inb(KBD_STATUS) & KBD_OBF))
			break;
		sc = inb(KBD_DATA);
		if (sc != KBD_EXTENDED)
			kbd_scancode(sc);
	}
}
