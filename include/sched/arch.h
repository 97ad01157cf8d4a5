/* SPDX-License-Identifier: MIT */
/*
 * sched/arch.h - the only way libsched reaches the machine.
 *
 * A port implements seven hooks (link-time symbols, or static inline functions for the hot
 * five, see below), and sched_arch_assert_fail() when it builds the library with
 * SCHED_DEBUG. docs/porting.md has a skeleton. Notification and trace delivery are kernel
 * policy, not machine: they are optional callbacks in struct sched_config.
 *
 * The hooks are small, semantic and cannot fail: the core validates everything before it
 * calls down. None of them may call back into libsched. Calling context, unless a hook says
 * otherwise: interrupts disabled on the calling CPU, possibly with one or two run-queue locks
 * held. So a hook must not sleep, allocate, take a lock that an interrupt handler on this
 * CPU could hold, or re-enable interrupts.
 */
#ifndef SCHED_ARCH_H
#define SCHED_ARCH_H

#include <sched/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Program this CPU's one-shot timer to interrupt at `deadline` (absolute, sched_arch_now()
 * time), replacing any earlier setting. SCHED_TIME_NEVER cancels it. A deadline already in
 * the past fires as soon as possible. The interrupt handler calls sched_timer().
 * Context: always for the calling CPU, interrupts off. The core calls it only when the
 * deadline changes, so it may be an expensive write.
 */
void sched_arch_set_timer(sched_time_t deadline);

/*
 * Send a reschedule IPI to `cpu` (never the caller's own CPU); its handler calls sched_ipi().
 * Any context. The core sends at most one per target until the target has called sched_ipi().
 * Ordering: every store the caller made before this call must be visible to the target
 * before its handler runs (a full barrier before the doorbell write, e.g. mfence before an
 * x2APIC MSR write; xAPIC MMIO is already ordered).
 */
void sched_arch_send_resched(unsigned cpu);

/*
 * A debug-build assertion in the library failed: `expr` at `file`:`line` (a lock
 * precondition or an internal invariant). Called only when the library is built with
 * SCHED_DEBUG (the simulator, the tests and the QEMU test kernel; release builds compile the
 * checks out), possibly with locks held and interrupts off. It must not return: report and
 * halt, or abort.
 */
__attribute__((noreturn)) void sched_arch_assert_fail(const char *expr, const char *file,
						      unsigned line);

/*
 * The hot hooks run on every entry and every lock spin. A port may define them as static
 * inline functions in a header of its own and build the library with
 * -DSCHED_ARCH_INLINE='"its_header.h"' (the header is then included here instead of the
 * declarations below; it must give the same five names and meanings).
 */
#ifdef SCHED_ARCH_INLINE
#include SCHED_ARCH_INLINE
#else

/*
 * Monotonic nanoseconds. Any context, interrupts on or off.
 * Ordering: a value read on one CPU and published (with release/acquire) to another is <=
 * any value the other CPU reads afterwards (the clock is synchronised across CPUs: invariant
 * TSC on x86, one shared clock in the simulator). Never goes backwards on one CPU.
 */
sched_time_t sched_arch_now(void);

/* The calling CPU's number, 0 .. nr_cpus-1. Stable while interrupts are off. */
unsigned sched_arch_cpu_id(void);

/*
 * Disable interrupts on this CPU and return the previous state for sched_arch_irq_restore().
 * Both are compiler barriers. Any context; they nest.
 */
unsigned long sched_arch_irq_save(void);
void sched_arch_irq_restore(unsigned long flags);

/* Spin-wait hint (x86 `pause`). Any context. */
void sched_arch_cpu_relax(void);

#endif /* SCHED_ARCH_INLINE */

#ifdef __cplusplus
}
#endif

#endif
