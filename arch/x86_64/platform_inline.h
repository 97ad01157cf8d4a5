/* SPDX-License-Identifier: MIT */
/*
 * platform_inline.h - the two platform reads a hot path wants inline: the TSC clock and the
 * CPU id. platform.h includes it (clock_ns() and this_cpu() are these); the scheduler's
 * inline port header (kernel/sched_port_inline.h) includes it alone, and with it every
 * libsched file of the kernels' library copy, so it depends on nothing but <stdint.h> and
 * declares nothing outside the x86_ prefix.
 */
#ifndef X86_PLATFORM_INLINE_H
#define X86_PLATFORM_INLINE_H

#include <stdint.h>

/*
 * The clock's conversion (lapic.c): clock_ns = (TSC - tsc_base) * tsc_to_ns_mult >> 32,
 * 0 before tsc_base. Written once by the calibration on the boot CPU, before any other CPU
 * starts; read-only afterwards (all zero before: the clock reads 0).
 */
struct x86_clock {
	uint64_t tsc_base;       /* TSC at clock_ns() == 0 */
	uint64_t tsc_to_ns_mult; /* 32.32 fixed point */
};
extern struct x86_clock x86_clock;

/* lfence first: the read does not run ahead of earlier loads, so a time published by one
 * CPU is never later than what another CPU reads after seeing it. */
static inline uint64_t x86_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t x86_clock_of(uint64_t tsc)
{
	__extension__ typedef unsigned __int128 x86_u128;

	if (tsc <= x86_clock.tsc_base)
		return 0;
	return (uint64_t)(((x86_u128)(tsc - x86_clock.tsc_base) * x86_clock.tsc_to_ns_mult) >> 32);
}

/* Nanoseconds since boot (platform.h: clock_ns()). */
static inline uint64_t x86_clock_ns(void)
{
	return x86_clock_of(x86_tsc());
}

/* The calling CPU's dense index: GS base points at its struct percpu, whose `cpu` field is
 * at offset 8 (cpu.c checks it). */
static inline unsigned x86_cpu_id(void)
{
	unsigned c;

	__asm__ volatile("movl %%gs:8, %0" : "=r"(c));
	return c;
}

#endif
