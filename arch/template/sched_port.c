/* SPDX-License-Identifier: MIT */
/*
 * sched_port.c - skeleton libsched port. Copy it into your kernel and replace every
 * "port:" comment with code for your machine (x86_64 shown). It compiles as-is, with
 * harmless stub hooks. docs/porting.md explains the contract behind each line.
 *
 * Built with -DSCHED_ARCH_INLINE='"sched_port_inline.h"' (library and kernel alike), the
 * five hot hooks come from that header (sched_port_inline.h here) and this file leaves
 * them out.
 */
#include <sched/arch.h>
#include <sched/sched.h>

/* --- your kernel's side (examples) -------------------------------------------------------- */
struct kthread {
	void *saved_sp;          /* port: whatever arch_switch_to() saves */
	int dead;                /* set before sched_exit(); freed after the switch away */
	struct sched_thread st;  /* embedded; owned by libsched, never written by the kernel */
};
#define kthread_of(p) ((struct kthread *)(void *)((char *)(p) - offsetof(struct kthread, st)))

/* port: save prev's callee-saved registers and stack pointer, load next's; returns when prev
 * runs again (maybe on another CPU). A new thread starts in kthread_trampoline(). */
extern void arch_switch_to(struct kthread *prev, struct kthread *next);
/* port: free a dead thread's stack and object, or queue them for a reaper (interrupts off). */
extern void kthread_release(struct kthread *t);

/* The glue below; a real kernel declares these in a header. */
void sched_port_boot(unsigned nr_cpus), sched_port_cpu_up(void), sched_port_idle_loop(void);
void timer_irq_handler(void), resched_ipi_handler(void), preempt_point(void);
void kthread_trampoline(void);
int kthread_start(struct kthread *t, uint32_t id, int nice);
int kthread_wake(struct sched_ref r, enum sched_wake_reason why);
int kthread_block(void (*unlock)(void *), void *lock);
_Noreturn void kthread_exit_self(void);

static struct sched_sys ksched;
static struct sched_rq krq[SCHED_MAX_CPUS];        /* port: or nr_cpus entries */
static struct kthread idle_thread[SCHED_MAX_CPUS]; /* each CPU's boot-stack context */
static struct kthread *cpu_curr[SCHED_MAX_CPUS];   /* what each CPU runs */
static struct kthread *cpu_prev[SCHED_MAX_CPUS];   /* switched away from, not yet finished */

/* --- the hooks (include/sched/arch.h) ------------------------------------------------------ */
void sched_arch_set_timer(sched_time_t deadline) /* always the calling CPU's timer */
{
	if (deadline == SCHED_TIME_NEVER)
		return; /* port: disarm: wrmsr IA32_TSC_DEADLINE (0x6e0) = 0, or LAPIC count = 0 */
	/* port: TSC-deadline: wrmsr IA32_TSC_DEADLINE = ns_to_tsc(deadline). LAPIC one-shot:
	 * initial count = max(1, (deadline - now) scaled to LAPIC ticks): a past deadline fires. */
}

void sched_arch_send_resched(unsigned cpu)
{
	(void)cpu; /* never the calling CPU */
	/* port: x2APIC: mfence, then wrmsr ICR (0x830) = (u64)apic_id[cpu] << 32 | RESCHED_VEC.
	 * xAPIC: ICR high = apic_id[cpu] << 24, then ICR low = RESCHED_VEC (MMIO is ordered). */
}

/* Only when the library is built with SCHED_DEBUG (meson option asserts, on by default):
 * a failed SCHED_ASSERT, maybe with locks held and interrupts off. Must not return. */
void sched_arch_assert_fail(const char *expr, const char *file, unsigned line)
{
	(void)expr, (void)file, (void)line;
	/* port: panic("libsched assertion failed: %s at %s:%u", expr, file, line); */
	for (;;)
		__asm__ volatile("" : : : "memory"); /* port: "cli; hlt" */
}

#ifndef SCHED_ARCH_INLINE
/* The five hot hooks, out of line (or static inline in sched_port_inline.h, see above). */
/* port: rdtsc; ns = (tsc * mult) >> shift from your TSC calibration (invariant TSC,
 * synchronised across CPUs). Integer only: no floating point, no libgcc helpers. */
sched_time_t sched_arch_now(void) { return 0; }

unsigned sched_arch_cpu_id(void) { return 0; } /* port: 0..nr_cpus-1 from %gs per-CPU data */

unsigned long sched_arch_irq_save(void)
{
	unsigned long flags = 0;
	/* port: __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory"); */
	__asm__ volatile("" : : : "memory"); /* both irq hooks must be compiler barriers */
	return flags;
}

void sched_arch_irq_restore(unsigned long flags)
{
	(void)flags; /* port: if (flags & 0x200) __asm__ volatile("sti" : : : "memory"); */
	__asm__ volatile("" : : : "memory");
}

void sched_arch_cpu_relax(void) { __asm__ volatile("" : : : "memory"); } /* port: "pause" */
#endif /* !SCHED_ARCH_INLINE */

/* --- optional callbacks (struct sched_config), installed by sched_port_boot() --------------- */
/* Called with a run-queue lock held, interrupts off. ctx is sched_config.cb_ctx. */
/* port: record it in preallocated state (atomic OR into the endpoint's word) and wake the
 * waiter later, from a context holding no libsched lock. Never call libsched from here. */
static void kernel_notify(void *ctx, uint32_t endpoint, uint64_t message)
{
	(void)ctx, (void)endpoint, (void)message;
}
/* port (optional): copy *ev to a lock-free per-CPU log; it is valid only during the call.
 * Leave sched_config.trace NULL when you do not want events (benchmarks, say). */
static void kernel_trace(void *ctx, const struct sched_trace_event *ev)
{
	(void)ctx, (void)ev;
}

/* --- kernel glue ------------------------------------------------------------------------------ */
void sched_port_boot(unsigned nr_cpus) /* boot CPU, before the others start */
{
	struct sched_topology topo = { .nr_cpus = nr_cpus };
	/* Zero fields take defaults (sched.h). NULL callbacks are never called. */
	struct sched_config cfg = { .notify = kernel_notify, .trace = kernel_trace, .cb_ctx = NULL };
	/* port: topo.core[c], topo.llc[c] from CPUID/ACPI (small numbers below nr_cpus). */
	int err = sched_init(&ksched, krq, &topo, &cfg);
	if (err < 0) { /* port: panic("sched_init: %s", sched_strerror(err)); */ }
}

void sched_port_cpu_up(void) /* on each CPU, interrupts off, on its future idle stack */
{
	unsigned cpu = sched_arch_cpu_id();
	cpu_curr[cpu] = &idle_thread[cpu];
	sched_cpu_online(&ksched, cpu, &idle_thread[cpu].st);
	/* port: enable interrupts, then sched_port_idle_loop(). */
}

/* On the new stack, once nothing runs on the old one. Interrupts off. */
static void finish_switch_here(void)
{
	unsigned cpu = sched_arch_cpu_id();
	struct kthread *prev = cpu_prev[cpu];
	cpu_prev[cpu] = NULL;
	sched_finish_switch(&ksched, cpu);
	if (prev && prev->dead)
		kthread_release(prev);
}

/* Apply the `next` of any scheduling entry; interrupts off from that entry until here. */
static void switch_to_next(unsigned cpu, struct sched_thread *next)
{
	struct kthread *prev = cpu_curr[cpu], *n = kthread_of(next);
	if (n != prev) {
		cpu_curr[cpu] = n;
		cpu_prev[cpu] = prev;
		arch_switch_to(prev, n); /* returns later, on prev's stack, maybe on another CPU */
	}
	finish_switch_here();
}

static void reschedule(void)
{
	unsigned long flags = sched_arch_irq_save();
	unsigned cpu = sched_arch_cpu_id();
	switch_to_next(cpu, sched_pick(&ksched, cpu));
	sched_arch_irq_restore(flags);
}

void preempt_point(void) /* interrupt exit, after a wake, on dropping the last spinlock */
{
	if (sched_need_resched(&ksched, sched_arch_cpu_id()))
		reschedule();
}

/* Both handlers: port: send the LAPIC EOI first, as the switch may not return for long. */
void timer_irq_handler(void)
{
	if (sched_timer(&ksched, sched_arch_cpu_id()))
		reschedule();
}

void resched_ipi_handler(void)
{
	if (sched_ipi(&ksched, sched_arch_cpu_id()))
		reschedule();
}

void sched_port_idle_loop(void)
{
	for (;;) {
		unsigned long flags = sched_arch_irq_save();
		if (sched_need_resched(&ksched, sched_arch_cpu_id()))
			reschedule();
		/* port: else "sti; hlt" back to back, so a wake-up IPI cannot be missed. */
		sched_arch_irq_restore(flags);
	}
}

/* t zeroed, or released with its struct sched_thread left as it was (refs stay stale). */
int kthread_start(struct kthread *t, uint32_t id, int nice)
{
	struct sched_thread_params p = { .id = id, .nice = nice };
	int err = sched_thread_init(&ksched, &t->st, &p);
	/* port: build t's first stack frame so that arch_switch_to(x, t) enters the trampoline. */
	t->dead = 0;
	return err < 0 ? err : kthread_wake(sched_ref_of(&t->st), SCHED_WAKE_NEW);
}

void kthread_trampoline(void) /* a new thread's first code; interrupts still off */
{
	finish_switch_here();
	/* port: enable interrupts and call the thread's function; its return means exit. */
	kthread_exit_self();
}

/* Thread context, any CPU. In an interrupt handler call sched_wake() alone: the interrupt
 * exit path runs preempt_point(). -SCHED_ESTALE means the thread exited: ignore it. */
int kthread_wake(struct sched_ref r, enum sched_wake_reason why)
{
	int err = sched_wake(&ksched, r, why);
	preempt_point();
	return err;
}

/* Block until kthread_wake(our ref). The caller holds its wait-queue lock with interrupts
 * off and has queued sched_ref_of(&self->st); unlock(lock) runs once we are BLOCKED and
 * before the switch, so a waker that takes the same lock always finds us BLOCKED. */
int kthread_block(void (*unlock)(void *), void *lock)
{
	unsigned long flags = sched_arch_irq_save();
	unsigned cpu = sched_arch_cpu_id();
	struct sched_thread *next;
	int err = sched_block(&ksched, cpu, &next);
	if (unlock)
		unlock(lock);
	if (err == 0)
		switch_to_next(cpu, next);
	else
		preempt_point(); /* exited by another CPU, or this CPU went offline: pick due */
	sched_arch_irq_restore(flags);
	return err;
}

_Noreturn void kthread_exit_self(void)
{
	unsigned cpu;

	(void)sched_arch_irq_save(); /* never restored: we do not come back */
	cpu = sched_arch_cpu_id();
	cpu_curr[cpu]->dead = 1;
	sched_exit(&ksched, sched_ref_of(&cpu_curr[cpu]->st)); /* asks this CPU to reschedule */
	switch_to_next(cpu, sched_pick(&ksched, cpu));         /* never returns: we are dead */
	for (;;)
		;
}
