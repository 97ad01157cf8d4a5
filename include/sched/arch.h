/* SPDX-License-Identifier: MIT */
/*
 * sched/arch.h - the only way libsched reaches the machine.
 *
 * A port implements these ten functions (link-time symbols; see docs/porting.md for a
 * skeleton). They are small, semantic and cannot fail: the core validates everything before
 * it calls down. None of them may call back into libsched.
 *
 * Calling context, unless a hook says otherwise: interrupts disabled on the calling CPU,
 * possibly with one or two run-queue locks held. So a hook must not sleep, allocate, take a
 * lock that an interrupt handler on this CPU could hold, or re-enable interrupts.
 */
#ifndef SCHED_ARCH_H
#define SCHED_ARCH_H

#include <sched/types.h>

struct sched_trace_event;

/*
 * Monotonic nanoseconds. Any context, interrupts on or off.
 * Ordering: a value read on one CPU and published (with release/acquire) to another is <=
 * any value the other CPU reads afterwards (the clock is synchronised across CPUs: invariant
 * TSC on x86, one shared clock in the simulator). Never goes backwards on one CPU.
 */
sched_time_t sched_arch_now(void);

/* Granularity of sched_arch_now() and of the timer, in ns (>= 1). Constant after boot. */
sched_time_t sched_arch_clock_precision_ns(void);

/*
 * Program this CPU's one-shot timer to interrupt at `deadline` (absolute, sched_arch_now()
 * time), replacing any earlier setting. SCHED_TIME_NEVER cancels it. A deadline already in
 * the past fires as soon as possible. The interrupt handler calls sched_timer().
 * Context: called only on `cpu` itself (cpu == sched_arch_cpu_id()), interrupts off.
 * The core only calls it when the deadline changes, so it may be an expensive write.
 */
void sched_arch_set_timer(unsigned cpu, sched_time_t deadline);

/*
 * Send a reschedule IPI to `cpu` (never the caller's own CPU); its handler calls sched_ipi().
 * Any context. The core sends at most one per target until the target has called sched_ipi().
 * Ordering: every store the caller made before this call must be visible to the target
 * before its handler runs (a full barrier before the doorbell write, e.g. mfence before an
 * x2APIC MSR write; xAPIC MMIO is already ordered).
 */
void sched_arch_send_resched(unsigned cpu);

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

/*
 * Deliver `message` to notification endpoint `endpoint` (timeouts, budget depletion).
 * The core calls it with a run-queue lock held, from preallocated state: the port must
 * deliver without allocating or blocking (set a bit, wake a waiter via a later sched_wake
 * from a context that holds no run-queue lock).
 */
void sched_arch_notify(uint32_t endpoint, uint64_t message);

/*
 * Optional trace sink: called for each trace event after it is stored in the CPU's ring,
 * unless benchmark mode is on. A port that does not want it leaves the body empty.
 * The event is only valid during the call.
 */
void sched_arch_trace(const struct sched_trace_event *ev);

#endif
