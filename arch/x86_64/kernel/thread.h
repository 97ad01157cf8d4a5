/* SPDX-License-Identifier: MIT */
/*
 * thread.h - kernel threads of the example kernel: what a hobby-OS thread looks like when
 * it embeds struct sched_thread, and the calls a kernel makes at its scheduling points.
 */
#ifndef X86_THREAD_H
#define X86_THREAD_H

#include <sched/sched.h>

#include "../platform.h"

#define KSTACK_SIZE 16384
#define MAX_THREADS 192

struct kthread {
	struct sched_thread st;   /* the scheduler's part, embedded */
	uint64_t rsp;             /* saved stack pointer while switched out */
	uint64_t stack_top;       /* top of its kernel stack (TSS.rsp0 while it runs) */
	uint64_t pml4;            /* its address space (physical) */
	void (*fn)(void *arg);
	void *arg;
	const char *name;
	volatile int done;
	/* user processes and IPC (user.c) */
	uint64_t user_rip, user_rsp, user_arg;
	volatile uint64_t msg;    /* IPC payload received */
	struct kthread *caller;   /* who called this server */
	int exit_code;
};

extern struct sched_sys ksys;

struct kthread *thread_current(void);
/* A new thread (NEW state); `p` gives nice, affinity, group; run with thread_start_now. */
struct kthread *thread_create(const char *name, void (*fn)(void *), void *arg,
			      const struct sched_thread_params *p);
void thread_start_now(struct kthread *t);
/* Keep the calling thread on `cpu` (every CPU for cpu < 0), moving there at once. */
void thread_pin_self(int cpu);
/* Wait (sleeping 1 ms at a time) until every thread in t[0..n) has exited. */
void wait_done(struct kthread **t, unsigned n);
__attribute__((noreturn)) void thread_exit(void);

/* Scheduling points. Each runs with interrupts saved/disabled around the switch. */
void schedule(void);                 /* a preemption point: pick and switch */
void thread_yield(void);
void thread_block(void);
void thread_park(void);                  /* block unless unparked since the last park */
int thread_unpark(struct kthread *t);
void thread_sleep_until(uint64_t deadline_ns);
void thread_sleep_ns(uint64_t ns);
int thread_wake(struct kthread *t, enum sched_wake_reason why);
int thread_call(struct kthread *server); /* direct handoff; returns when replied to */
int thread_reply(struct kthread *client);

/* The CPU's idle thread (its boot context) and idle loop. */
void idle_init(unsigned cpu);
__attribute__((noreturn)) void idle_loop(void);

/* interrupt handlers installed by the kernel (timer, resched IPI) */
void sched_irq_init(void);

/* Per CPU, the worst lateness (ns) of the scheduler's timer: from the instant libsched armed
 * to the end of the sched_timer() call it caused (interrupt delivery plus kernel entry).
 * Written by that CPU's timer handler; a test may reset and read it. */
extern uint64_t timer_late_max[MAX_CPUS];

static inline unsigned long irq_save(void)
{
	unsigned long f;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f) : : "memory");
	return f;
}

static inline void irq_restore(unsigned long f)
{
	if (f & 0x200)
		__asm__ volatile("sti" : : : "memory");
}

#endif
