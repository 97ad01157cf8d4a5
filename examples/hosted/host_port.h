/* SPDX-License-Identifier: MIT */
/*
 * host_port.h - a libsched port to one Linux process: user-level threads (ucontext) on
 * "CPUs" that are either the main thread driving a loop (mode 1, HOST_LOOP) or one pthread
 * each (mode 2, HOST_THREADS). README.md in this directory maps each hook.
 *
 * Preemption is cooperative: the "timer interrupt" and the "reschedule IPI" are delivered
 * only when a thread calls host_preempt_point() (or a blocking call below), so a thread
 * that never calls it is never preempted. Everything else follows docs/porting.md.
 */
#ifndef HOST_PORT_H
#define HOST_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <ucontext.h>

#include <sched/sched.h>

enum host_mode {
	HOST_LOOP,    /* one CPU: the calling thread runs its idle loop, no other pthread */
	HOST_THREADS, /* nr_cpus pthreads, one per CPU; the calling thread waits for them */
};

struct host_thread {
	ucontext_t ctx;                   /* saved registers and stack while switched out */
	void (*fn)(struct host_thread *); /* its body; returning from it exits the thread */
	int dead;                         /* set by host_thread_exit() (its CPU only) */
	int released;                     /* its stack is free: set once its CPU left it */
	struct sched_thread st;           /* libsched's part: read through the API only */
};

#define host_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* The one scheduler instance of the process (the demo reads figures from it). */
extern struct sched_sys host_sys;

/*
 * Bring up nr_cpus CPUs (1 for HOST_LOOP, 1 .. SCHED_MAX_CPUS for HOST_THREADS), call
 * start(arg) on CPU 0 once every CPU is online, then run until every thread started has
 * exited. start() runs with interrupts off, as a kernel's boot code does: the threads it
 * starts run once it returns. Returns 0, or a negated sched_err from sched_init(). Once
 * per process (the scheduler and CPU state are static).
 */
int host_run(enum host_mode mode, unsigned nr_cpus, void (*start)(void *), void *arg);

/*
 * Start `t` (zeroed, or exited and released) running fn(t) on its own stack. Only from a
 * CPU: start() or a running thread. Returns 0 or the error of sched_thread_init() or
 * sched_wake().
 */
int host_thread_start(struct host_thread *t, const struct sched_thread_params *p,
		      void (*fn)(struct host_thread *), void *stack, size_t stack_size);

/* The cooperative timer interrupt: take this CPU's pending IPI and expired timer, and
 * switch if libsched asks for it. Threads call it often (every few microseconds of work
 * keeps a slice's overrun small). Does nothing while interrupts are off. */
void host_preempt_point(void);

/* Sleep until `deadline` (sched_arch_now() time). 0, or the error of sched_sleep_until(). */
int host_sleep_until(sched_time_t deadline);

/* Give the CPU to a peer. 0, or the error of sched_yield_cpu(). */
int host_yield(void);

/* End the calling thread (returning from its fn does the same). */
_Noreturn void host_thread_exit(void);

/* The calling thread's CPU: a hint only, it may move at its next preemption point. */
unsigned host_cpu(void);

#endif
