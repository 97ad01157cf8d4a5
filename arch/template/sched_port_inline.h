/* SPDX-License-Identifier: MIT */
/*
 * sched_port_inline.h - skeleton of the optional inline hot hooks (include/sched/arch.h,
 * docs/porting.md "Inline hot hooks"). The five hooks libsched calls on every entry and
 * every lock spin, as static inline functions, so that none of them costs a call.
 *
 * To use it, compile the library AND your own files that include <sched/arch.h> with
 *
 *     -DSCHED_ARCH_INLINE='"sched_port_inline.h"'  -I<the directory of this header>
 *
 * sched/arch.h then includes this header instead of declaring the five, and your
 * sched_port.c must not define them (the template's .c leaves them out under
 * #ifndef SCHED_ARCH_INLINE). Every libsched file includes this header: keep it
 * self-contained (only <sched/types.h> and small headers of your own) and give any helper
 * a prefix of your own, so that nothing else of your kernel leaks into the library.
 *
 * It compiles as-is, with the same harmless stubs as sched_port.c; every "port:" comment
 * marks what to fill in (x86_64 shown). arch/x86_64/kernel/sched_port_inline.h is a
 * complete one.
 */
#ifndef SCHED_PORT_INLINE_H
#define SCHED_PORT_INLINE_H

#include <sched/types.h>

/* port: rdtsc; ns = (tsc - base) * mult >> 32 from your TSC calibration (invariant TSC,
 * synchronised across CPUs), with base and mult in a global your calibration writes once
 * before the other CPUs start. Integer only: no floating point, no libgcc helpers. */
static inline sched_time_t sched_arch_now(void)
{
	return 0;
}

/* port: the CPU number from per-CPU data, e.g. __asm__ volatile("movl %%gs:8, %0" : "=r"(c))
 * when GS base points at a per-CPU block holding the number at offset 8. */
static inline unsigned sched_arch_cpu_id(void)
{
	return 0;
}

/* Both irq hooks must be compiler barriers ("memory" clobber) and nest. */
static inline unsigned long sched_arch_irq_save(void)
{
	unsigned long flags = 0;
	/* port: __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory"); */
	__asm__ volatile("" : : : "memory");
	return flags;
}

static inline void sched_arch_irq_restore(unsigned long flags)
{
	(void)flags; /* port: if (flags & 0x200) __asm__ volatile("sti" : : : "memory"); */
	__asm__ volatile("" : : : "memory");
}

static inline void sched_arch_cpu_relax(void)
{
	__asm__ volatile("" : : : "memory"); /* port: "pause" */
}

#endif
