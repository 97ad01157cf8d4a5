/* SPDX-License-Identifier: MIT */
/*
 * stress_threads.c - libsched under real concurrency on the host: one pthread per CPU,
 * each a tiny kernel that takes its "IPIs" and "timer interrupts" (flags the arch hooks
 * set) and fires random operations at a shared pool of threads: wake, unpark, block, park,
 * sleep, yield, exit and re-initialisation of the storage (so stale refs race with new
 * lives), affinity changes, preemption points. The simulator is single-threaded; this is
 * where lock order, on_cpu hand-off and generation checks meet real interleavings (also
 * built with ThreadSanitizer when the toolchain has it). At the end, with every CPU
 * stopped: the invariant checker, no runnable thread outside a queue, ledgers that add up.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sched/arch.h>
#include <sched/sched.h>

#define CPUS 4
#define THREADS 48
#define RUN_MS 1500

static struct sched_sys sys;
static struct sched_rq rq[CPUS];
static struct sched_thread idle[CPUS], pool[THREADS];
static struct sched_group group;
static _Thread_local unsigned my_cpu;
static uint64_t timer_at[CPUS];   /* armed deadline per CPU (atomic) */
static int ipi[CPUS];             /* pending resched IPI (atomic) */
static int stop;
static uint64_t ops[CPUS], switches[CPUS];

/* cmocka's failures longjmp into the test: not from another thread. */
static void die(const char *what, unsigned a, unsigned b)
{
	fprintf(stderr, "stress_threads: %s (%u, %u)\n", what, a, b);
	abort();
}

/* --- the arch hooks, host flavour ------------------------------------------------------- */

sched_time_t sched_arch_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (sched_time_t)ts.tv_sec * 1000000000ull + (sched_time_t)ts.tv_nsec;
}

sched_time_t sched_arch_clock_precision_ns(void) { return 1; }

void sched_arch_set_timer(unsigned cpu, sched_time_t deadline)
{
	if (cpu != my_cpu)
		die("set_timer for another cpu", cpu, my_cpu);
	__atomic_store_n(&timer_at[cpu], deadline, __ATOMIC_RELEASE);
}

void sched_arch_send_resched(unsigned cpu)
{
	if (cpu == my_cpu)
		die("IPI to self", cpu, my_cpu);
	__atomic_store_n(&ipi[cpu], 1, __ATOMIC_RELEASE);
}

unsigned sched_arch_cpu_id(void) { return my_cpu; }
unsigned long sched_arch_irq_save(void) { return 0; } /* no interrupts in a pthread */
void sched_arch_irq_restore(unsigned long flags) { (void)flags; }
void sched_arch_cpu_relax(void) { sched_yield(); } /* 4 "CPUs" on fewer cores: let the holder run */
void sched_arch_notify(uint32_t endpoint, uint64_t message) { (void)endpoint, (void)message; }
void sched_arch_trace(const struct sched_trace_event *ev) { (void)ev; }

/* --- one CPU ----------------------------------------------------------------------------- */

struct cpu {
	unsigned id;
	uint64_t rng;
};

static unsigned rnd(struct cpu *c, unsigned n)
{
	c->rng = c->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((c->rng >> 33) % n);
}

/* The "switch": nothing to do for a thread without a stack but finishing it. */
static void switched(unsigned cpu)
{
	sched_finish_switch(&sys, cpu);
	switches[cpu]++;
}

static void resched(unsigned cpu)
{
	sched_pick(&sys, cpu);
	switched(cpu);
}

/* Interrupts: the IPI flag, then the timer if its deadline passed. */
static void interrupts(unsigned cpu)
{
	uint64_t at = __atomic_load_n(&timer_at[cpu], __ATOMIC_ACQUIRE);

	if (__atomic_exchange_n(&ipi[cpu], 0, __ATOMIC_ACQ_REL) && sched_ipi(&sys, cpu))
		resched(cpu);
	if (at != SCHED_TIME_NEVER && sched_arch_now() >= at) {
		__atomic_store_n(&timer_at[cpu], SCHED_TIME_NEVER, __ATOMIC_RELEASE);
		if (sched_timer(&sys, cpu))
			resched(cpu);
	}
}

static void on_cpu_op(struct cpu *c)
{
	struct sched_thread *next;
	int r;

	switch (rnd(c, 5)) {
	case 0: r = sched_block(&sys, c->id, &next); break;
	case 1: r = sched_park(&sys, c->id, &next); break;
	case 2: r = sched_sleep_until(&sys, c->id, sched_arch_now() + rnd(c, 300) * 1000, &next); break;
	case 3: r = sched_yield_cpu(&sys, c->id, &next); break;
	default: r = sched_exit(&sys, sched_ref_of(sys.rq[c->id].curr)); next = NULL; break;
	}
	if (r == 0 && next)
		switched(c->id);
}

/* Re-initialise an exited thread's storage (a new life: older refs must stay stale). */
static void reuse(struct cpu *c)
{
	struct sched_thread *t = &pool[rnd(c, THREADS)];
	struct sched_thread_params p = { .id = (uint32_t)(t - pool) + 1, .nice = (int)rnd(c, 40) - 20,
					 .group = &group };
	int r;

	if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != SCHED_EXITED)
		return;
	r = sched_thread_init(&sys, t, &p);
	if (r == 0)
		sched_wake(&sys, sched_ref_of(t), SCHED_WAKE_NEW);
}

/* Core scheduling: give a thread a new cookie, another thread's, or none. */
static void cookie_op(struct cpu *c, struct sched_ref r)
{
	struct sched_thread *o = &pool[rnd(c, THREADS)];
	struct sched_ref from = { o, __atomic_load_n(&o->gen, __ATOMIC_ACQUIRE) };
	struct sched_auth root = sched_auth_root(&sys);

	switch (rnd(c, 3)) {
	case 0:
		sched_core_create(&sys, root, r, SCHED_CORE_THREAD);
		break;
	case 1:
		sched_core_share(&sys, root, from, r, SCHED_CORE_THREAD);
		break;
	default:
		sched_core_clear(&sys, root, r, SCHED_CORE_THREAD);
		break;
	}
}

static void random_op(struct cpu *c)
{
	struct sched_thread *t = &pool[rnd(c, THREADS)];
	struct sched_ref r = { t, __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE) };
	sched_cpumask_t m;

	switch (rnd(c, 10)) {
	case 0: case 1: case 2:
		sched_wake(&sys, r, SCHED_WAKE_PARK);
		break;
	case 3:
		sched_unpark(&sys, r);
		break;
	case 4: case 5:
		if (!sys.rq[c->id].curr->is_idle)
			on_cpu_op(c);
		break;
	case 6:
		sched_cpumask_clear(&m);
		sched_cpumask_set(&m, rnd(c, CPUS));
		if (rnd(c, 2))
			sched_cpumask_fill(&m, CPUS);
		sched_set_affinity(&sys, r, &m);
		break;
	case 7:
		if (sys.cfg.core_sched && rnd(c, 2))
			cookie_op(c, r);
		else
			reuse(c);
		break;
	default:
		resched(c->id);
		break;
	}
	if (sched_need_resched(&sys, c->id))
		resched(c->id);
}

static void *cpu_main(void *arg)
{
	struct cpu c = { .id = (unsigned)(uintptr_t)arg, .rng = 99 + (uintptr_t)arg };

	my_cpu = c.id;
	if (sched_cpu_online(&sys, c.id, &idle[c.id]) < 0)
		die("online failed", c.id, 0);
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		interrupts(c.id);
		random_op(&c);
		ops[c.id]++;
	}
	return NULL;
}

/* --- the checks at the end ---------------------------------------------------------------- */

/* After sched_check every queued thread carries this check's stamp: a RUNNABLE thread
 * without it is in no queue (lost); a RUNNING one must be some CPU's current thread. */
static void assert_no_thread_lost(void)
{
	for (unsigned i = 0; i < THREADS; i++) {
		struct sched_thread *t = &pool[i];
		bool current = false;

		for (unsigned c = 0; c < CPUS; c++)
			current |= sys.rq[c].curr == t;
		if (t->state == SCHED_RUNNABLE && t->check_stamp != sys.check_epoch)
			fail_msg("thread %u RUNNABLE but in no queue", t->id);
		if ((t->state == SCHED_RUNNING || t->state == SCHED_MIGRATING) && !current)
			fail_msg("thread %u RUNNING but no CPU's current thread", t->id);
	}
}

/* Two SMT cores when `core`: siblings share the core lock and pick core-wide. */
static void run(bool core)
{
	static const struct sched_topology topo = { .nr_cpus = CPUS, .core = { 0, 0, 1, 1 } };
	struct sched_config cfg = { .core_sched = core };
	pthread_t cpu[CPUS];
	uint64_t total_ops = 0, total_sw = 0;
	struct timespec run = { RUN_MS / 1000, (RUN_MS % 1000) * 1000000L };

	__atomic_store_n(&stop, 0, __ATOMIC_RELEASE);
	for (unsigned c = 0; c < CPUS; c++) {
		timer_at[c] = SCHED_TIME_NEVER;
		ipi[c] = 0;
		ops[c] = switches[c] = 0;
		idle[c] = (struct sched_thread){ 0 };
	}
	for (unsigned i = 0; i < THREADS; i++)
		pool[i] = (struct sched_thread){ 0 };
	assert_int_equal(sched_init(&sys, rq, &topo, &cfg), 0);
	assert_int_equal(sched_group_init(&sys, &group, &(struct sched_group_params){ .id = 1 }), 0);
	for (unsigned i = 0; i < THREADS; i++) {
		struct sched_thread_params p = { .id = i + 1, .nice = (int)(i % 40) - 20, .group = &group };

		assert_int_equal(sched_thread_init(&sys, &pool[i], &p), 0);
	}
	for (unsigned c = 0; c < CPUS; c++)
		pthread_create(&cpu[c], NULL, cpu_main, (void *)(uintptr_t)c);
	nanosleep(&run, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (unsigned c = 0; c < CPUS; c++) {
		pthread_join(cpu[c], NULL);
		total_ops += ops[c];
		total_sw += switches[c];
	}
	my_cpu = 0;
	if (sched_check(&sys) < 0) /* core scheduling: siblings' current cookies match too */
		fail_msg("checker: %s (%u)", sys.check_msg, sys.check_arg);
	assert_no_thread_lost();
	print_message("%llu operations, %llu switches on %d CPU threads in %d ms%s\n",
		      (unsigned long long)total_ops, (unsigned long long)total_sw, CPUS, RUN_MS,
		      core ? " (core scheduling)" : "");
	assert_true(total_ops > 10000); /* the run really ran */
	assert_true(total_sw > 1000);
}

static void threads_on_real_cpus_keep_every_invariant(void **state)
{
	(void)state;
	run(false);
}

static void core_scheduling_on_real_cpus_keeps_every_invariant(void **state)
{
	(void)state;
	run(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(threads_on_real_cpus_keep_every_invariant),
		cmocka_unit_test(core_scheduling_on_real_cpus_keeps_every_invariant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
