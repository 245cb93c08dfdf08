/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * clock.c - time: the calibrated TSC and the LAPIC timer at hz.
 *
 * At boot the TSC and the local APIC timer are measured over
 * CALIBRATE_MS against a reference of known frequency: the HPET main
 * counter when the ACPI HPET table exists, otherwise PIT channel 2 (the
 * gate/OUT2 bits of port 0x61).  Uptime is the TSC since boot converted
 * to nanoseconds; delays spin on it.  Every cpu then runs its own LAPIC
 * timer, periodic at hz: each tick posts a clock tick for that cpu
 * (lwkt_timer_post) and polls for posted work (lwkt_intr_poll), which
 * runs now or, inside a critical section, at the outermost crit_exit.
 *
 * Invariant: the TSC is treated as constant-rate and synchronized across
 * cpus (true of QEMU and of any cpu with an invariant TSC).
 *
 * Locking: calibration on the boot cpu before other cpus start; the
 * values are immutable afterwards.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <vm/vm_page.h>
#include <sys/cpu_md.h>
#include <sys/globaldata.h>

#include <machine/cpufunc.h>
#include <machine/pc64.h>

#define CALIBRATE_MS		10
#define MS_PER_SEC		1000
#define NS_PER_SEC		1000000000ULL
#define US_PER_SEC		1000000ULL
#define FS_PER_MS		1000000000000ULL
#define PIT_HZ			1193182
#define PIT_CTRL		0x43
#define PIT_CH2			0x42
#define PIT_CH2_ONESHOT		0xb0	/* ch 2, lo/hi byte, mode 0 */
#define PORT_B			0x61
#define PORT_B_GATE2		0x01
#define PORT_B_SPEAKER		0x02
#define PORT_B_OUT2		0x20
#define HPET_CAP		0x000
#define HPET_CONFIG		0x010
#define HPET_COUNTER		0x0f0
#define HPET_CONFIG_ENABLE	0x1
#define HPET_PERIOD_SHIFT	32
#define SPIN_LIMIT		100000000

static uint64_t tsc_hz, tsc_boot;
static uint32_t lapic_ticks_per_hz;
static const char *clock_ref = "pit";

static void
clock_wait_pit(void)
{
	uint16_t count = PIT_HZ / (MS_PER_SEC / CALIBRATE_MS);
	uint8_t b = inb(PORT_B) & (uint8_t)~(PORT_B_SPEAKER | PORT_B_GATE2);

	outb(PORT_B, b);
	outb(PIT_CTRL, PIT_CH2_ONESHOT);
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	outb(PORT_B, b | PORT_B_GATE2);
	for (int i = 0; i < SPIN_LIMIT; i++) {
		if (inb(PORT_B) & PORT_B_OUT2)
			return;
	}
	kprintf("clock: PIT channel 2 never fired\n");
}

static bool
clock_wait_hpet(void)
{
	vm_paddr_t pa = acpi_hpet_phys();
	volatile uint64_t *hpet;
	uint64_t period_fs, start, target;

	if (pa == 0 || !pmap_is_mapped(PHYS_TO_DMAP(pa)))
		return (false);
	hpet = (volatile uint64_t *)pmap_mapdev(pa, PAGE_SIZE);
	period_fs = hpet[HPET_CAP / 8] >> HPET_PERIOD_SHIFT;
	if (period_fs == 0)
		return (false);
	hpet[HPET_CONFIG / 8] |= HPET_CONFIG_ENABLE;
	start = hpet[HPET_COUNTER / 8];
	target = CALIBRATE_MS * FS_PER_MS / period_fs;
	for (long i = 0; i < SPIN_LIMIT; i++) {
		if (hpet[HPET_COUNTER / 8] - start >= target)
			return (true);
		cpu_pause();
	}
	kprintf("clock: HPET counter does not advance, using the PIT\n");
	return (false);
}

void
clock_init(void)
{
	uint64_t t0, t1;
	uint32_t elapsed;
	bool hpet;

	lapic_timer_oneshot_max();
	t0 = rdtsc();
	hpet = clock_wait_hpet();
	if (!hpet) {
		lapic_timer_oneshot_max();
		t0 = rdtsc();
		clock_wait_pit();
	} else {
		clock_ref = "hpet";
	}
	t1 = rdtsc();
	elapsed = UINT32_MAX - lapic_timer_current();
	tsc_hz = (t1 - t0) * (MS_PER_SEC / CALIBRATE_MS);
	if (tsc_hz == 0)
		tsc_hz = 1;
	lapic_ticks_per_hz = (uint32_t)((uint64_t)elapsed *
	    (MS_PER_SEC / CALIBRATE_MS) / (uint64_t)hz);
	if (lapic_ticks_per_hz == 0)
		lapic_ticks_per_hz = 1;
	tsc_boot = t0;
	kprintf("clock: tsc %ju kHz, lapic timer %u per tick at %d hz "
	    "(calibrated against the %s)\n", (uintmax_t)(tsc_hz / 1000),
	    lapic_ticks_per_hz, hz, clock_ref);
}

/* Start this cpu's periodic tick. */
void
clock_start_cpu(void)
{
	lapic_timer_start(lapic_ticks_per_hz);
}

uint64_t
clock_uptime_ns(void)
{
	uint64_t d = rdtsc() - tsc_boot;

	return (d / tsc_hz * NS_PER_SEC + d % tsc_hz * NS_PER_SEC / tsc_hz);
}

void
clock_delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_hz / US_PER_SEC * us +
	    tsc_hz % US_PER_SEC * us / US_PER_SEC;

	while ((int64_t)(rdtsc() - end) < 0)
		cpu_pause();
}

/* VEC_TIMER on any cpu (EOI already sent). */
void
clock_intr(struct intrframe *frame)
{
	lwkt_timer_post(mycpu);
	lwkt_intr_poll(frame);
}
