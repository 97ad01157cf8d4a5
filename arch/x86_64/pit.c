/* SPDX-License-Identifier: MIT */
/*
 * pit.c - PIT channel 0 as a periodic interrupt on the boot CPU, for kernels that want a
 * clock independent of the LAPIC timer (which libsched owns, one-shot). Channel 0 in mode 2
 * (rate generator) raises the 8259's line 0 every `divisor` ticks of 1.193182 MHz; the
 * 8259 (remapped to VEC_PIT by cpu.c) reaches the boot CPU through LINT0 in ExtINT mode.
 * Nothing starts it unless a kernel asks: the line stays masked as cpu.c left it.
 * Channel 2 belongs to the boot calibration (lapic.c), which is over by then.
 */
#include "platform_internal.h"

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC_EOI 0x20

uint32_t pit_periodic_start(uint32_t hz)
{
	uint32_t divisor = hz ? PIT_HZ / hz : 0;

	if (divisor < 2 || divisor > 0xffff)
		return 0;
	lapic_lint0_extint();
	outb(PIT_CMD, 0x34);                  /* channel 0, lo/hi byte, mode 2, binary */
	outb(PIT_CH0, (uint8_t)divisor);
	outb(PIT_CH0, (uint8_t)(divisor >> 8));
	outb(PIC1_DATA, (uint8_t)(inb(PIC1_DATA) & ~1u)); /* unmask line 0 */
	return (uint32_t)(PIT_HZ * 1000ull / divisor); /* divisor >= 2: under 2^32 */
}

void pit_periodic_stop(void)
{
	outb(PIC1_DATA, (uint8_t)(inb(PIC1_DATA) | 1u));
}

void pit_eoi(void)
{
	outb(PIC1_CMD, PIC_EOI);
}
