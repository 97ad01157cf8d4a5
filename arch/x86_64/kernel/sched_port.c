/* SPDX-License-Identifier: MIT */
/*
 * sched_port.c - the ten libsched arch hooks on x86_64 (docs/porting.md), over the
 * platform layer: TSC clock, LAPIC one-shot timer (TSC-deadline when offered), directed
 * LAPIC IPIs, GS-based CPU id, RFLAGS.IF save/restore.
 */
#include <sched/arch.h>
#include <sched/trace.h>

#include "kernel.h"

sched_time_t sched_arch_now(void)
{
	return clock_ns();
}

sched_time_t sched_arch_clock_precision_ns(void)
{
	return 1; /* TSC ticks are sub-nanosecond; the conversion rounds to ns */
}

void sched_arch_set_timer(unsigned cpu, sched_time_t deadline)
{
	if (cpu != this_cpu())
		panic("set_timer for cpu %u from cpu %u", cpu, this_cpu());
	lapic_timer_at(deadline);
}

/* Stores before the doorbell must be visible to the target first: mfence orders them
 * against the ICR write (needed for x2APIC MSR writes; harmless for xAPIC MMIO). */
void sched_arch_send_resched(unsigned cpu)
{
	__asm__ volatile("mfence" : : : "memory");
	lapic_send_ipi(cpu, VEC_RESCHED);
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

/* A SchedulingContext with an endpoint ran out of budget (sc.h: message layout). Called
 * with a run-queue lock held, so it must not call libsched: a real kernel would post the
 * message to the endpoint's queue here. This one counts them and keeps the last (tests.c
 * checks one per depletion); the count is written last, with release ordering. */
void sched_arch_notify(uint32_t endpoint, uint64_t message)
{
	knotify_endpoint = endpoint;
	knotify_last = message;
	__atomic_fetch_add(&knotify_count, 1, __ATOMIC_RELEASE);
}

/* Per-switch logging when `ktrace_verbose` is on; the benchmark boot runs libsched in
 * benchmark mode, which never calls this, so serial output cannot pose as scheduler cost. */
void sched_arch_trace(const struct sched_trace_event *ev)
{
	if (ktrace_verbose && ev->type == SCHED_TR_SWITCH)
		kprintf("[cpu%u] switch -> %u\n", ev->cpu, ev->tid);
}
