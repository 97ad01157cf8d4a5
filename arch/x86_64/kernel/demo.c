/* SPDX-License-Identifier: MIT */
/*
 * demo.c - the demo boot: a short mixed workload on every CPU (weighted hogs, periodic
 * sleepers, a ring-3 IPC pair) and a live per-CPU report every 250 ms, then exit.
 */
#include "kernel.h"

const bool suite_bench_mode = false;
const bool suite_core_sched = false; /* no core scheduling (kernel.c) */

static volatile int stop;

static void hog(void *arg)
{
	(void)arg;
	while (!stop)
		__asm__ volatile("pause");
}

static void periodic(void *arg)
{
	uint64_t period = (uint64_t)arg, next = clock_ns();

	while (!stop) {
		uint64_t until = clock_ns() + period / 10;

		while (clock_ns() < until) /* work for a tenth of the period */
			__asm__ volatile("pause");
		next += period;
		thread_sleep_until(next);
	}
}

static void cpu_report(uint64_t *last_busy, uint64_t *last_idle)
{
	for (unsigned c = 0; c < ksys.nr_cpus; c++) {
		uint64_t b = sched_cpu_counter(&ksys, c, SCHED_CNT_BUSY_NS);
		uint64_t i = sched_cpu_counter(&ksys, c, SCHED_CNT_IDLE_NS);
		uint64_t db = b - last_busy[c], di = i - last_idle[c];

		kprintf("  cpu%u busy %llu%%  switches %llu  ipi %llu  timer %llu  steals %llu\n",
			c, db + di ? db * 100 / (db + di) : 0,
			sched_cpu_counter(&ksys, c, SCHED_CNT_SWITCHES),
			sched_cpu_counter(&ksys, c, SCHED_CNT_IPI_SENT),
			sched_cpu_counter(&ksys, c, SCHED_CNT_TIMER_IRQ),
			sched_cpu_counter(&ksys, c, SCHED_CNT_STEALS));
		last_busy[c] = b;
		last_idle[c] = i;
	}
}

int run_suite(void)
{
	struct kthread *t[16];
	unsigned n = 0;
	uint64_t busy[MAX_CPUS] = { 0 }, idle[MAX_CPUS] = { 0 };

	kprintf("libsched demo kernel: %u CPUs, policy %s, tickless, TSC %llu MHz\n",
		ksys.nr_cpus, ksys.classes[SCHED_SLOT_fair]->name, tsc_hz() / 1000000);
	for (int nice = 0; nice <= 10; nice += 5) {
		struct sched_thread_params p = { .nice = nice };

		t[n] = thread_create("hog", hog, NULL, &p);
		thread_start_now(t[n++]);
	}
	for (uint64_t period = 2000000; period <= 8000000; period *= 2) {
		t[n] = thread_create("periodic", periodic, (void *)period, NULL);
		thread_start_now(t[n++]);
	}
	t[n] = process_create("sleeper", PROG_SLEEPER, 1000, NULL);
	thread_start_now(t[n++]);
	for (int tick = 1; tick <= 6; tick++) {
		thread_sleep_ns(250000000);
		kprintf("t=%d ms\n", tick * 250);
		cpu_report(busy, idle);
	}
	stop = 1;
	kprintf("threads:\n");
	for (unsigned i = 0; i < n; i++) {
		struct sched_acct a = t[i]->st.acct;

		sched_thread_stats(&ksys, sched_ref_of(&t[i]->st), &a);
		kprintf("  %s nice %d: %llu ms, %llu switches, %llu preemptions, %llu wakeups\n",
			t[i]->name, t[i]->st.nice,
			a.v[SCHED_ACCT_RUNTIME] / 1000000, a.v[SCHED_ACCT_SWITCHES],
			a.v[SCHED_ACCT_PREEMPTIONS], a.v[SCHED_ACCT_WAKEUPS]);
	}
	kprintf("demo done\n");
	return 0;
}
