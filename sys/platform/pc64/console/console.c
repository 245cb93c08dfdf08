/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * console.c - pc64's console: platform_console_write/getc.
 *
 * Output goes to COM1 and, when the loader left a text screen, to the
 * VGA screen.  Input comes from COM1 and the PS/2 keyboard.  Their
 * interrupt handlers push characters into one ring; platform_console_getc
 * pops it.  Until the IOAPIC routes the two IRQs (cons_irq_ready), and
 * whenever the caller runs with interrupts off (the polled monitor after a
 * panic), getc polls the UART itself.
 *
 * Invariants: the ring holds cons_in_w - cons_in_r characters, at most
 * CONS_RING_BYTES; when full, new input is dropped.
 *
 * Locking: output is serialized by kprintf's console lock.  The ring and
 * the device input paths are protected by cons_in_lock, a spinlock taken
 * with interrupts disabled (the interrupt handlers run with them off).
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/cpu_md.h>
#include <sys/kmonitor.h>
#include <cpu/atomic.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

#define CONS_RING_BYTES	256

static char cons_ring[CONS_RING_BYTES];
static u_int cons_in_r, cons_in_w;
static volatile u_int cons_in_lock;
static bool cons_vga;
static volatile bool cons_irq_ready;
static uint64_t cons_first_read_tsc;	/* boot cost: the prompt is up */

void
platform_console_write(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		serial_putc(buf[i]);
		if (cons_vga)
			vga_putc(buf[i]);
	}
}

/* Called from pc64_init() once mb_parse() has run. */
void
cons_early_init(void)
{
	serial_init();
}

void
cons_vga_enable(vm_offset_t base)
{
	vga_init(base);
	cons_vga = true;
}

void
cons_irq_enable(void)
{
	serial_intr_enable();
	cons_irq_ready = true;
}

/* Context: cons_in_lock held. */
void
cons_input_push(int c)
{
	if (cons_in_w - cons_in_r >= CONS_RING_BYTES)
		return;
	cons_ring[cons_in_w % CONS_RING_BYTES] = (char)c;
	cons_in_w++;
}

static u_long
cons_in_enter(void)
{
	u_long s = cpu_intr_disable();

	while (!atomic_cmpset_int(&cons_in_lock, 0, 1))
		cpu_pause();
	return (s);
}

static void
cons_in_exit(u_long s)
{
	atomic_store_rel_int(&cons_in_lock, 0);
	cpu_intr_restore(s);
}

/* Interrupt handlers for IRQ 4 and IRQ 1 (intr.c). */
void
cons_serial_intr(void)
{
	u_long s = cons_in_enter();

	serial_intr();
	cons_in_exit(s);
}

void
cons_kbd_intr(void)
{
	u_long s = cons_in_enter();

	kbd_intr();
	cons_in_exit(s);
}

int
platform_console_getc(void)
{
	bool poll = !cons_irq_ready || !(read_rflags() & PSL_I);
	u_long s;
	int c = -1;

	if (cons_first_read_tsc == 0)
		cons_first_read_tsc = rdtsc();

	s = cons_in_enter();
	if (poll) {
		serial_intr();
		kbd_intr();
	}
	if (cons_in_r != cons_in_w) {
		c = (uint8_t)cons_ring[cons_in_r % CONS_RING_BYTES];
		cons_in_r++;
	}
	cons_in_exit(s);
	return (c);
}

/*
 * boottime - the TSC when pc64_init() got control from the loader, and at
 * the first console read, i.e. when the monitor prompt first waited for
 * input.  Under QEMU -icount shift=0 the TSC is
 * the virtual clock, which advances one nanosecond per instruction, so
 * this is the boot cost from power-on (docs/performance/pc64.md).
 */
static int
cmd_boottime(int argc __unused, char **argv __unused)
{
	kprintf("boottime: kernel entered at tsc %ju\n",
	    (uintmax_t)pc64_boot_tsc);
	kprintf("boottime: first console read at tsc %ju\n",
	    (uintmax_t)cons_first_read_tsc);
	return (0);
}
KMONITOR_COMMAND(boottime, "TSC when the console was first read",
    cmd_boottime);
