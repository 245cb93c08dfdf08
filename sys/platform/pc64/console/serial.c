/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * serial.c - the 16550 UART on COM1, the kernel's main console.
 *
 * Output is polled (wait for the transmit holding register, bounded so a
 * missing port cannot hang the kernel).  Input is interrupt-driven once
 * serial_intr_enable() has run: IRQ 4 arrives through the IOAPIC and
 * serial_intr() moves every received byte into the console input ring
 * (console.c).  Before that, and when the console is polled after a
 * panic, console.c calls serial_getc_poll().
 *
 * Locking: output is serialized by kprintf's console lock; serial_intr()
 * and serial_getc_poll() run under console.c's input lock.
 */

#include <sys/types.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

#define COM1_PORT		0x3f8
#define COM_DATA		0	/* RBR/THR; DLL with DLAB */
#define COM_IER			1	/* DLM with DLAB */
#define COM_FCR			2
#define COM_LCR			3
#define COM_MCR			4
#define COM_LSR			5
#define IER_RXRDY		0x01
#define FCR_ENABLE_CLEAR_14	0xc7	/* FIFOs on, cleared, 14-byte trigger */
#define LCR_DLAB		0x80
#define LCR_8N1			0x03
#define MCR_DTR_RTS_OUT2	0x0b	/* OUT2 gates the IRQ line */
#define LSR_RXRDY		0x01
#define LSR_THRE		0x20
#define COM_DIVISOR_115200	1
#define COM_TX_SPIN_LIMIT	100000

static bool serial_present;

void
serial_init(void)
{
	outb(COM1_PORT + COM_IER, 0);
	outb(COM1_PORT + COM_LCR, LCR_DLAB);
	outb(COM1_PORT + COM_DATA, COM_DIVISOR_115200);
	outb(COM1_PORT + COM_IER, 0);
	outb(COM1_PORT + COM_LCR, LCR_8N1);
	outb(COM1_PORT + COM_FCR, FCR_ENABLE_CLEAR_14);
	outb(COM1_PORT + COM_MCR, MCR_DTR_RTS_OUT2);
	/* A floating bus reads 0xff: no UART there. */
	serial_present = inb(COM1_PORT + COM_LSR) != 0xff;
}

static void
serial_putraw(int c)
{
	for (int i = 0; i < COM_TX_SPIN_LIMIT; i++) {
		if (inb(COM1_PORT + COM_LSR) & LSR_THRE)
			break;
		cpu_pause();
	}
	outb(COM1_PORT + COM_DATA, (uint8_t)c);
}

void
serial_putc(int c)
{
	if (!serial_present)
		return;
	if (c == '\n')
		serial_putraw('\r');
	serial_putraw(c);
}

int
serial_getc_poll(void)
{
	if (!serial_present || !(inb(COM1_PORT + COM_LSR) & LSR_RXRDY))
		return (-1);
	return (inb(COM1_PORT + COM_DATA));
}

void
serial_intr_enable(void)
{
	if (serial_present)
		outb(COM1_PORT + COM_IER, IER_RXRDY);
}

/* IRQ 4: drain the receive FIFO into the console ring. */
void
serial_intr(void)
{
	int c;

	while ((c = serial_getc_poll()) != -1)
		cons_input_push(c == '\r' ? '\n' : c);
}
