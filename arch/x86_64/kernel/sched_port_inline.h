/* SPDX-License-Identifier: MIT */
/*
 * sched_port_inline.h - the five hot libsched hooks of the x86_64 kernel as static inline
 * functions (include/sched/arch.h, docs/porting.md "Inline hot hooks"). The kernels build
 * their own copy of the library with -DSCHED_ARCH_INLINE='"sched_port_inline.h"' (and
 * compile their own files with it too), so sched/arch.h includes this header instead of
 * declaring the five: every lock, clock read and CPU id in the library is a few
 * instructions with no call. sched_port.c has the same five out of line, for a build
 * against the plain libsched_kernel.a.
 *
 * Included into every libsched source: it brings only platform_inline.h (TSC clock, GS
 * CPU id), not the rest of the platform's names.
 */
#ifndef X86_SCHED_PORT_INLINE_H
#define X86_SCHED_PORT_INLINE_H

#include <sched/types.h>

#include "platform_inline.h"

/* TSC scaled to ns: clock_ns(). Invariant TSC, synchronised across CPUs; lfence; rdtsc. */
static inline sched_time_t sched_arch_now(void)
{
	return x86_clock_ns();
}

/* %gs:8, the dense CPU index of this CPU's struct percpu: this_cpu(). */
static inline unsigned sched_arch_cpu_id(void)
{
	return x86_cpu_id();
}

/* RFLAGS, then cli; both hooks are compiler barriers ("memory"). */
static inline unsigned long sched_arch_irq_save(void)
{
	unsigned long f;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f) : : "memory");
	return f;
}

static inline void sched_arch_irq_restore(unsigned long flags)
{
	if (flags & 0x200) /* IF */
		__asm__ volatile("sti" : : : "memory");
	else
		__asm__ volatile("" : : : "memory");
}

static inline void sched_arch_cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}

#endif
