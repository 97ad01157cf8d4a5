/* SPDX-License-Identifier: MIT */
/*
 * sched_port.c - the libsched arch hooks on x86_64 (docs/porting.md), over the platform
 * layer: LAPIC one-shot timer (TSC-deadline when offered), directed LAPIC IPIs, the
 * assertion hook (a panic), and the kernel's notify and trace callbacks (struct
 * sched_config, installed by kernel.c).
 *
 * The five hot hooks (TSC clock, GS-based CPU id, RFLAGS.IF save/restore, pause) are
 * inline in sched_port_inline.h: the kernels build their libsched copy with
 * -DSCHED_ARCH_INLINE (kernel/meson.build). Built without it, against the plain
 * libsched_kernel.a, this file defines the same five out of line (below).
 */
#include <sched/arch.h>
#include <sched/trace.h>

#include "kernel.h"

/* Calling CPU only (lapic_timer_at remembers the deadline per CPU). */
void sched_arch_set_timer(sched_time_t deadline)
{
	lapic_timer_at(deadline);
}

/* Stores before the doorbell must be visible to the target first: mfence orders them
 * against the ICR write (needed for x2APIC MSR writes; harmless for xAPIC MMIO). */
void sched_arch_send_resched(unsigned cpu)
{
	__asm__ volatile("mfence" : : : "memory");
	lapic_send_ipi(cpu, VEC_RESCHED);
}

/* A SCHED_ASSERT failed in the library (built with SCHED_DEBUG: asserts=true, the
 * default). Locks may be held and interrupts are off: panic() prints on the serial line
 * and leaves QEMU with a failure status, so a QEMU test fails with the reason. */
void sched_arch_assert_fail(const char *expr, const char *file, unsigned line)
{
	panic("libsched assertion failed: %s at %s:%u", expr, file, line);
}

#ifndef SCHED_ARCH_INLINE
/* The hot five out of line: the same bodies as sched_port_inline.h. */
sched_time_t sched_arch_now(void)
{
	return clock_ns();
}

unsigned sched_arch_cpu_id(void)
{
	return this_cpu();
}

unsigned long sched_arch_irq_save(void)
{
	unsigned long f;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f) : : "memory");
	return f;
}

void sched_arch_irq_restore(unsigned long flags)
{
	if (flags & 0x200)
		__asm__ volatile("sti" : : : "memory");
	else
		__asm__ volatile("" : : : "memory");
}

void sched_arch_cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}
#endif /* !SCHED_ARCH_INLINE */

/* sched_config.notify (every boot): a SchedulingContext with an endpoint ran out of budget
 * (sc.h: message layout), or an island thread broke its island's rules (island.h: kind
 * SCHED_ISLAND_MSG_VIOLATION). Called with libsched's locks held, so it must not call
 * libsched: a real kernel would post the message to the endpoint's queue here. This one
 * counts them, by kind too, and keeps the last (tests.c checks one per depletion) and the
 * last violation; the counts are written last, with release ordering. */
void knotify_sink(void *ctx, uint32_t endpoint, uint64_t message)
{
	unsigned kind = (unsigned)(message >> 56);

	(void)ctx;
	if (kind == SCHED_ISLAND_MSG_VIOLATION) {
		knotify_violation_endpoint = endpoint;
		knotify_violation_last = message;
	}
	knotify_endpoint = endpoint;
	knotify_last = message;
	__atomic_fetch_add(&knotify_kind[kind < KNOTIFY_KINDS ? kind : KNOTIFY_KINDS - 1], 1,
			   __ATOMIC_RELEASE);
	__atomic_fetch_add(&knotify_count, 1, __ATOMIC_RELEASE);
}

/* sched_config.trace: per-switch logging when `ktrace_verbose` is on (off, it costs the
 * call and one load per event). Every boot installs it; only the benchmark boot sets the
 * flag, around the logging-on half of its A/B, so serial output never poses as scheduler
 * cost in its other figures. */
void ktrace_sink(void *ctx, const struct sched_trace_event *ev)
{
	(void)ctx;
	if (ktrace_verbose && ev->type == SCHED_TR_SWITCH)
		kprintf("[cpu%u] switch -> %u\n", ev->cpu, ev->tid);
}
