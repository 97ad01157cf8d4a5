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
	uint64_t done_ns;         /* clock_ns() when it exited */
	/* user processes and IPC (user.c) */
	uint64_t user_rip, user_rsp, user_arg;
	volatile uint64_t msg;    /* IPC payload received */
	struct kthread *caller;   /* who called this server */
	int exit_code;
	volatile int killed;      /* ends on its next way back to ring 3 (user_kill) */
	volatile uint64_t nsys;   /* system calls it made */
	struct kprocess *proc;    /* its kprocess (kernel.h), or NULL */
	/* Core scheduling: the trust domain the kernel put it in, for the checks of the
	 * sampler below: its cookie (sched_core_get) once tagged, 0 = untagged. */
	uint64_t domain;
};

extern struct sched_sys ksys;

/* The kernel thread a libsched thread is embedded in (every one here is). */
static inline struct kthread *kthread_of(struct sched_thread *st)
{
	return (struct kthread *)(void *)((char *)st - __builtin_offsetof(struct kthread, st));
}

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
/* The same, woken at deadline_ns at the latest; sched_park_until's error (nothing done). */
int thread_park_until(uint64_t deadline_ns);
/* On every return to ring 3, interrupts off: a thread user_kill marked ends here
 * (user.c). */
void user_kill_check(void);
/* The thread whose libsched id is `id` (thread_create's), or NULL. */
struct kthread *thread_of_id(uint32_t id);
int thread_unpark(struct kthread *t);
void thread_sleep_until(uint64_t deadline_ns);
void thread_sleep_ns(uint64_t ns);
int thread_wake(struct kthread *t, enum sched_wake_reason why);
int thread_call(struct kthread *server); /* direct handoff; returns when replied to */
int thread_reply(struct kthread *client);

/* Waits on libsched's mutexes, condition variables and barriers (sched/mutex.h): blocking
 * entries like thread_block. Each returns, once this thread runs again, sched_wait_result()
 * (0; -SCHED_EOWNERDEAD, -SCHED_ETIMEDOUT for a mutex or condition), or the entry's error at
 * once. *waited (may be NULL): whether the thread left its CPU to wait. deadline: absolute
 * clock_ns() instant, SCHED_TIME_NEVER for none. */
struct sched_mutex;
struct sched_cond;
struct sched_barrier;
int thread_mutex_lock(struct sched_mutex *m, sched_time_t deadline, bool *waited);
int thread_cond_wait(struct sched_cond *c, struct sched_mutex *m, sched_time_t deadline,
		     bool *waited);
int thread_barrier_wait(struct sched_barrier *b, bool *waited);
/* Release m (its most urgent waiter owns it now) and take the preemption that may ask for. */
int thread_mutex_unlock(struct sched_mutex *m);
/* The ring consumer's poll (sched/ring.h): sched_ring_poll for the current thread, then
 * the switch it asks for (a park, when idle long enough). Returns its result: 0,
 * SCHED_RING_RECHECK, or its error (nothing switched). */
struct sched_ring;
int thread_ring_poll(struct sched_ring *r, bool found_work);
/* Take a preemption this CPU was asked for, after an entry that may have woken a thread
 * (sched_mutex_unlock, sched_cond_signal); remote CPUs got their IPI from libsched. */
void thread_preempt(void);

/* The CPU's idle thread (its boot context) and idle loop. */
void idle_init(unsigned cpu);
void boot_enter_kernel(void); /* the boot CPU, before its first thread (kernel protection) */
__attribute__((noreturn)) void idle_loop(void);

/* interrupt handlers installed by the kernel (timer, resched IPI) */
void sched_irq_init(void);

/* Per CPU, the worst lateness (ns) of the scheduler's timer: from the instant libsched armed
 * to the end of the sched_timer() call it caused (interrupt delivery plus kernel entry).
 * Written by that CPU's timer handler; a test may reset and read it. */
extern uint64_t timer_late_max[MAX_CPUS];
/* The timer noise record: interrupts taken, their lateness (sum, last), the deadline last
 * armed; and a hook the tests install to see every timer interrupt (after = false before
 * libsched handles it, true after). */
extern uint64_t timer_irqs[MAX_CPUS], timer_late_sum[MAX_CPUS], timer_last_late[MAX_CPUS];
extern sched_time_t timer_last_armed[MAX_CPUS];
extern void (*volatile ktimer_observer)(unsigned cpu, bool after, sched_time_t armed,
					uint64_t late);
/* The benchmark boot's PC sampler (ksample.c): called on the interrupted CPU at every
 * scheduler timer interrupt, interrupts off, before libsched handles it, with the frame of
 * the interrupted code. NULL in the test and demo boots. */
extern void (*volatile ktimer_sampler)(const struct regs *r);
/* The idle loop's halt (idle_loop): [0] the hlt, where an NMI between the sti and the hlt
 * returns, [1] the instruction after it, where an interrupt taken in the halt returns. The
 * PC sampler's "idle" class. */
extern const uint64_t kidle_pcs[2];

/*
 * Core scheduling (docs/x86_64.md "Core scheduling").
 *
 * What each CPU executes, as the kernel knows it. krunning[cpu]: the thread whose code the
 * CPU runs (ring 3, or ring 0 on its behalf: an interrupt taken in it); NULL for the idle
 * thread and while the CPU is inside libsched changing its current thread. It is set on the
 * new thread's stack once the switch is finished, and cleared before every libsched call
 * that may change the CPU's current thread (pick, block, sleep, park, yield, call, reply,
 * exit). So krunning[cpu] == t implies ksys.rq[cpu].curr == t at that instant.
 * kuser[cpu]: the thread whose ring-3 code the CPU runs; set after the last kernel code of
 * a return to ring 3 (sched_core_exit_kernel included), cleared by the first code of an
 * entry from ring 3 (before sched_core_enter_kernel).
 */
extern struct kthread *krunning[MAX_CPUS];
extern struct kthread *kuser[MAX_CPUS];

/* Kernel protection is wired (cfg.core_protect was given to sched_init): every entry from
 * ring 3 or the idle loop calls sched_core_enter_kernel (and waits for kernel_safe), every
 * return there sched_core_exit_kernel. Set once at boot. */
extern bool kprotect;
/* Entries that found libsched's protection mode not what the wiring implies (thread.c:
 * outside for an entry from ring 3, in the kernel for one from a kernel thread); 0. */
extern uint64_t kmode_bad[MAX_CPUS];

/*
 * The sampler: while `on`, every timer interrupt, reschedule IPI and system call of a CPU
 * with SMT siblings looks at the siblings (after the entry protocol, before the handler
 * does anything) and counts. See sample_core() in thread.c for what counts and why.
 */
enum { SAMPLE_TIMER, SAMPLE_IPI, SAMPLE_SYSCALL, SAMPLE_NR };
struct core_watch_cpu {
	uint64_t samples[SAMPLE_NR];
	uint64_t mixed;      /* this CPU and a sibling both run threads, of different domains */
	uint64_t lib_mixed;  /* the same in libsched's view: rq->curr cookies */
	uint64_t exposed;    /* this CPU in the kernel, a sibling in ring 3 of a tagged thread */
	uint64_t enter_waits;/* entries that kicked siblings and waited for kernel_safe */
	uint64_t exit_waits; /* returns to ring 3 that sched_core_exit_kernel held back */
};
struct core_watch {
	volatile int on;
	struct core_watch_cpu cpu[MAX_CPUS];
	/* the first mixed / exposed sample: CPUs, thread ids, domains */
	volatile int have_mixed, have_exposed;
	unsigned mixed_cpu[2], mixed_tid[2], exposed_cpu[2], exposed_tid;
	uint64_t mixed_dom[2], exposed_dom;
};
extern struct core_watch kwatch;
void sample_core(unsigned cpu, unsigned where); /* interrupts off */
/* A new ring-3 thread's first return to user mode: the exit protocol, kuser[] set;
 * interrupts stay off until the iretq (user.c). */
void user_return_prepare(void);

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

/* A kernel table's spin lock, taken with interrupts off (a kernel thread may read the table
 * too and must not be preempted holding it), outside libsched's locks. */
static inline unsigned long table_lock_take(uint32_t *l)
{
	unsigned long f = irq_save();

	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			__asm__ volatile("pause");
	return f;
}

static inline void table_lock_give(uint32_t *l, unsigned long f)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
	irq_restore(f);
}

#endif
