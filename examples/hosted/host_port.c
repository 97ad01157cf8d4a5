/* SPDX-License-Identifier: MIT */
/*
 * host_port.c - libsched's arch hooks and scheduling glue for user-level threads in one
 * Linux process. The structure is the one of arch/template/sched_port.c, with the machine
 * replaced by the host:
 *
 *   CPU              the main thread (HOST_LOOP) or a pthread (HOST_THREADS)
 *   context switch   swapcontext() between ucontext_t's, each thread on its own stack
 *   interrupts on    a per-CPU flag; "interrupts" arrive only at host_preempt_point()
 *   timer            a per-CPU deadline, compared with the clock at preemption points,
 *                    and slept up to (futex timeout) by an idle CPU
 *   reschedule IPI   a per-CPU flag plus a futex doorbell that wakes an idle CPU
 *   halt (sti; hlt)  FUTEX_WAIT on the doorbell, read before the last look at the flags
 *
 * A user-level thread migrates between pthreads; thread-local storage does not follow it.
 * So the per-CPU pointer is read through a function the compiler cannot inline (this_cpu):
 * an inlined TLS address could be kept in a register across a switch and then name the
 * CPU the thread left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sched/arch.h>

#include "host_port.h"

struct host_cpu {
	unsigned id;
	bool irq_on;              /* [own] "interrupts enabled" */
	sched_time_t timer_at;    /* [own] armed deadline, SCHED_TIME_NEVER: none */
	int ipi;                  /* [atomic] a reschedule IPI is pending */
	uint32_t doorbell;        /* [atomic] bumped by every IPI: the futex an idle CPU waits on */
	struct host_thread *curr; /* [own] the thread this CPU runs */
	struct host_thread *prev; /* [own] switched away from, until sched_finish_switch() */
	struct host_thread idle;  /* this CPU's idle thread: the pthread's own stack */
	pthread_t pthread;
} __attribute__((aligned(64)));

struct sched_sys host_sys;
static struct sched_rq host_rq[SCHED_MAX_CPUS];
static struct host_cpu host_cpus[SCHED_MAX_CPUS];
static unsigned host_nr_cpus;
static unsigned host_online;    /* [atomic] CPUs online */
static unsigned host_live;      /* [atomic] threads not yet exited, +1 while start() runs */
static void (*host_start)(void *);
static void *host_start_arg;
/* Code outside every CPU (main before and after host_run) runs as this one, so that
 * sched_check() and the figures can be read there once the CPUs are stopped. */
static struct host_cpu host_outside;
static __thread struct host_cpu *host_this = &host_outside;

_Noreturn static void die(const char *what)
{
	fprintf(stderr, "host_port: %s\n", what);
	abort();
}

__attribute__((noinline)) static struct host_cpu *this_cpu(void)
{
	/* The asm keeps the compiler from treating the read as a constant of the function. */
	struct host_cpu *c = host_this;

	__asm__ volatile("" : "+r"(c) : : "memory");
	return c;
}

/* --- the hooks (include/sched/arch.h) ------------------------------------------------ */

sched_time_t sched_arch_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* one clock for every pthread: synchronised */
	return (sched_time_t)ts.tv_sec * 1000000000ull + (sched_time_t)ts.tv_nsec;
}

unsigned sched_arch_cpu_id(void)
{
	return this_cpu()->id;
}

/* Only this CPU's pthread reads its flag, and only at preemption points and in the idle
 * loop: that is where an interrupt could arrive. Both are compiler barriers. */
unsigned long sched_arch_irq_save(void)
{
	struct host_cpu *c = this_cpu();
	unsigned long was = c->irq_on;

	c->irq_on = false;
	__asm__ volatile("" : : : "memory");
	return was;
}

void sched_arch_irq_restore(unsigned long flags)
{
	__asm__ volatile("" : : : "memory");
	this_cpu()->irq_on = flags != 0;
}

/* A spinning CPU waits for a lock another pthread holds; on a loaded host that pthread
 * may not be running at all, so give it the core. */
void sched_arch_cpu_relax(void)
{
	sched_yield();
}

/* Always the calling CPU's timer: no other pthread reads timer_at. */
void sched_arch_set_timer(sched_time_t deadline)
{
	this_cpu()->timer_at = deadline;
}

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *abs_time)
{
	return syscall(SYS_futex, word, op, val, abs_time, NULL, FUTEX_BITSET_MATCH_ANY);
}

static void ring_doorbell(struct host_cpu *c)
{
	__atomic_add_fetch(&c->doorbell, 1, __ATOMIC_SEQ_CST);
	futex(&c->doorbell, FUTEX_WAKE_PRIVATE, 1, NULL);
}

/* The seq_cst store is the full barrier the contract asks for before the doorbell. */
void sched_arch_send_resched(unsigned cpu)
{
	if (cpu >= host_nr_cpus || cpu == sched_arch_cpu_id())
		die("reschedule IPI to a bad CPU");
	__atomic_store_n(&host_cpus[cpu].ipi, 1, __ATOMIC_SEQ_CST);
	ring_doorbell(&host_cpus[cpu]);
}

void sched_arch_assert_fail(const char *expr, const char *file, unsigned line)
{
	fprintf(stderr, "libsched assertion failed: %s at %s:%u (cpu %u)\n", expr, file, line,
		host_this->id);
	abort();
}

/* --- switching ------------------------------------------------------------------------ */

/* On the new stack, once nothing runs on the old one. Interrupts off. */
static void finish_switch_here(void)
{
	struct host_cpu *c = this_cpu();
	struct host_thread *prev = c->prev;

	c->prev = NULL;
	sched_finish_switch(&host_sys, c->id);
	if (prev && prev->dead)
		__atomic_store_n(&prev->released, 1, __ATOMIC_RELEASE);
}

/* Apply the `next` of any scheduling entry; interrupts off from that entry until here. */
static void switch_to_next(struct sched_thread *next)
{
	struct host_cpu *c = this_cpu();
	struct host_thread *prev = c->curr;
	struct host_thread *n;

	if (!next)
		die("no thread to switch to");
	n = host_container_of(next, struct host_thread, st);
	if (n != prev) {
		c->curr = n;
		c->prev = prev;
		if (swapcontext(&prev->ctx, &n->ctx) < 0)
			die("swapcontext");
		/* prev runs again here, maybe on another CPU: c is stale */
	}
	finish_switch_here();
}

static void reschedule(void)
{
	switch_to_next(sched_pick(&host_sys, sched_arch_cpu_id()));
}

/* The interrupt handlers of this CPU, interrupts off: the IPI first, then the timer if
 * its deadline passed. True when a pick is due. */
static bool take_interrupts(struct host_cpu *c)
{
	bool due = false;

	if (__atomic_exchange_n(&c->ipi, 0, __ATOMIC_ACQ_REL))
		due |= sched_ipi(&host_sys, c->id);
	if (c->timer_at != SCHED_TIME_NEVER && !sched_time_before(sched_arch_now(), c->timer_at)) {
		c->timer_at = SCHED_TIME_NEVER; /* sched_timer() arms it again if needed */
		due |= sched_timer(&host_sys, c->id);
	}
	return due;
}

void host_preempt_point(void)
{
	struct host_cpu *c = this_cpu();
	unsigned long flags;

	if (!c->irq_on)
		return;
	flags = sched_arch_irq_save();
	if (take_interrupts(c) || sched_need_resched(&host_sys, c->id))
		reschedule();
	sched_arch_irq_restore(flags);
}

/* A new thread's first code (makecontext), interrupts still off from the switch. */
static void thread_entry(void)
{
	struct host_thread *t;

	finish_switch_here();
	t = this_cpu()->curr;
	sched_arch_irq_restore(1);
	t->fn(t);
	host_thread_exit();
}

/* --- threads ---------------------------------------------------------------------------- */

int host_thread_start(struct host_thread *t, const struct sched_thread_params *p,
		      void (*fn)(struct host_thread *), void *stack, size_t stack_size)
{
	int err = sched_thread_init(&host_sys, &t->st, p);

	if (err < 0)
		return err;
	if (getcontext(&t->ctx) < 0)
		die("getcontext");
	t->ctx.uc_stack.ss_sp = stack;
	t->ctx.uc_stack.ss_size = stack_size;
	t->ctx.uc_link = NULL; /* fn never returns to makecontext's caller: thread_entry exits */
	makecontext(&t->ctx, thread_entry, 0);
	t->fn = fn;
	t->dead = 0;
	t->released = 0;
	__atomic_add_fetch(&host_live, 1, __ATOMIC_ACQ_REL);
	err = sched_wake(&host_sys, sched_ref_of(&t->st), SCHED_WAKE_NEW);
	if (err < 0) {
		sched_exit(&host_sys, sched_ref_of(&t->st)); /* NEW: never ran, stack unused */
		__atomic_sub_fetch(&host_live, 1, __ATOMIC_ACQ_REL);
		return err;
	}
	host_preempt_point(); /* the new thread may preempt us (not during start()) */
	return 0;
}

int host_sleep_until(sched_time_t deadline)
{
	unsigned long flags = sched_arch_irq_save();
	struct sched_thread *next;
	int err = sched_sleep_until(&host_sys, sched_arch_cpu_id(), deadline, &next);

	if (err == 0)
		switch_to_next(next); /* returns once the timer (or a wake) brought us back */
	sched_arch_irq_restore(flags);
	if (err < 0)
		host_preempt_point(); /* after an error a pick may be due (porting.md 5.4) */
	return err;
}

int host_yield(void)
{
	unsigned long flags = sched_arch_irq_save();
	struct sched_thread *next;
	int err = sched_yield_cpu(&host_sys, sched_arch_cpu_id(), &next);

	if (err == 0)
		switch_to_next(next);
	sched_arch_irq_restore(flags);
	return err;
}

static void ring_all(void)
{
	for (unsigned i = 0; i < host_nr_cpus; i++)
		ring_doorbell(&host_cpus[i]);
}

static void drop_live(void)
{
	if (__atomic_sub_fetch(&host_live, 1, __ATOMIC_ACQ_REL) == 0)
		ring_all(); /* the idle loops see it and return */
}

_Noreturn void host_thread_exit(void)
{
	struct host_cpu *c;

	(void)sched_arch_irq_save(); /* never restored: we do not come back */
	c = this_cpu();
	c->curr->dead = 1;
	sched_exit(&host_sys, sched_ref_of(&c->curr->st)); /* asks this CPU to reschedule */
	drop_live();
	switch_to_next(sched_pick(&host_sys, c->id));     /* never returns: we are dead */
	die("an exited thread ran again");
}

unsigned host_cpu(void)
{
	return sched_arch_cpu_id();
}

/* --- CPUs ------------------------------------------------------------------------------- */

/* Halt until an IPI or the timer: the futex returns at once if the doorbell moved since
 * `seen`, which was read before the flags were last looked at (no lost wake-up). */
static void idle_wait(struct host_cpu *c, uint32_t seen)
{
	struct timespec ts, *abs_time = NULL;

	if (__atomic_load_n(&c->ipi, __ATOMIC_ACQUIRE))
		return;
	if (c->timer_at != SCHED_TIME_NEVER) {
		if (!sched_time_before(sched_arch_now(), c->timer_at))
			return;
		ts.tv_sec = (time_t)(c->timer_at / 1000000000ull);
		ts.tv_nsec = (long)(c->timer_at % 1000000000ull);
		abs_time = &ts;
	}
	/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time, as sched_arch_now() */
	if (futex(&c->doorbell, FUTEX_WAIT_BITSET_PRIVATE, seen, abs_time) < 0 &&
	    errno != EAGAIN && errno != ETIMEDOUT && errno != EINTR)
		die("futex wait");
}

/* porting.md 5.7: with interrupts off, take what is pending and switch if asked; else
 * halt. Returns once every thread has exited. */
static void idle_loop(struct host_cpu *c)
{
	for (;;) {
		uint32_t seen = __atomic_load_n(&c->doorbell, __ATOMIC_ACQUIRE);
		unsigned long flags = sched_arch_irq_save();

		if (take_interrupts(c) || sched_need_resched(&host_sys, c->id))
			reschedule(); /* back here when this CPU has nothing to run */
		sched_arch_irq_restore(flags);
		if (__atomic_load_n(&host_live, __ATOMIC_ACQUIRE) == 0)
			return;
		idle_wait(c, seen);
	}
}

static void cpu_online(struct host_cpu *c)
{
	int err;

	host_this = c;
	c->irq_on = false;
	c->timer_at = SCHED_TIME_NEVER;
	c->curr = &c->idle;
	err = sched_cpu_online(&host_sys, c->id, &c->idle.st);
	if (err < 0)
		die(sched_strerror(err));
	__atomic_add_fetch(&host_online, 1, __ATOMIC_ACQ_REL);
}

/* CPU 0 starts the threads once every CPU can take them (a wake places on online CPUs). */
static void boot_threads(void)
{
	while (__atomic_load_n(&host_online, __ATOMIC_ACQUIRE) < host_nr_cpus)
		sched_yield();
	host_start(host_start_arg);
	drop_live(); /* start()'s own reference */
}

static void *cpu_main(void *arg)
{
	struct host_cpu *c = arg;

	cpu_online(c);
	if (c->id == 0)
		boot_threads();
	sched_arch_irq_restore(1);
	idle_loop(c);
	return NULL;
}

static int boot(enum host_mode mode, unsigned nr_cpus)
{
	struct sched_topology topo = { .nr_cpus = nr_cpus };

	if (nr_cpus == 0 || nr_cpus > SCHED_MAX_CPUS || (mode == HOST_LOOP && nr_cpus != 1))
		return -SCHED_EINVAL;
	for (unsigned i = 0; i < nr_cpus; i++) {
		topo.core[i] = (uint16_t)i; /* no SMT; one shared cache (llc 0) */
		host_cpus[i].id = i;
	}
	host_nr_cpus = nr_cpus;
	host_live = 1;
	return sched_init(&host_sys, host_rq, &topo, NULL);
}

int host_run(enum host_mode mode, unsigned nr_cpus, void (*start)(void *), void *arg)
{
	int err = boot(mode, nr_cpus);

	if (err < 0)
		return err;
	host_start = start;
	host_start_arg = arg;
	if (mode == HOST_LOOP) {
		cpu_main(&host_cpus[0]);
		host_this = &host_outside;
		return 0;
	}
	for (unsigned i = 0; i < nr_cpus; i++)
		if (pthread_create(&host_cpus[i].pthread, NULL, cpu_main, &host_cpus[i]) != 0)
			die("pthread_create");
	for (unsigned i = 0; i < nr_cpus; i++)
		pthread_join(host_cpus[i].pthread, NULL);
	return 0;
}
