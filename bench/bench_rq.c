/* SPDX-License-Identifier: MIT */
/*
 * bench_rq - per-operation cost of the run-queue paths with N runnable threads on one CPU:
 *   wake        a blocked thread becomes runnable here (placement + class enqueue)
 *   block       the current thread blocks and the next is picked (class dequeue + pick)
 *   pick        preemption point: put the current back, pick, switch (enqueue+pick+dequeue)
 *   remote wake a thread is woken from CPU 0 onto CPU 1, which holds the N threads
 * Host timing with CLOCK_MONOTONIC over batches of BATCH operations; the best of REPEAT
 * batches is printed (least disturbed by the machine). Benchmark mode (no trace sink).
 *
 *   bench_rq [POLICY]      (default: the library's default fair policy)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim.h"

#define BATCH 1000
#define REPEAT 50

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

struct bench {
	struct sim *sim;
	struct sim_thread **t;
	struct sched_thread *parked[BATCH];
	unsigned cpu;
};

static struct bench setup(const char *policy, unsigned cpus, unsigned n)
{
	struct sim_config cfg = { .cpus = cpus, .smt = 1, .policy = policy, .bench_mode = true };
	struct bench b = { .sim = sim_new(&cfg), .cpu = cpus - 1 };
	sched_cpumask_t only;

	if (!b.sim)
		exit(1);
	sched_cpumask_clear(&only);
	sched_cpumask_set(&only, b.cpu);
	b.t = calloc(n, sizeof(*b.t));
	for (unsigned i = 0; i < n; i++) {
		struct sched_thread_params p = { .nice = (int)(i % 7) - 3, .affinity = &only };

		b.t[i] = sim_thread_new(b.sim, &p);
		sim_enter(b.sim, b.cpu);
		sched_wake(&b.sim->sys, sched_ref_of(&b.t[i]->st), SCHED_WAKE_NEW);
	}
	sched_pick(&b.sim->sys, b.cpu);
	sched_finish_switch(&b.sim->sys, b.cpu);
	return b;
}

/* Block BATCH current threads in a row (each block picks the next). */
static double block_batch(struct bench *b)
{
	struct sched_sys *s = &b->sim->sys;
	struct sched_thread *next;
	double t0;

	sim_enter(b->sim, b->cpu);
	t0 = now_ns();
	for (unsigned i = 0; i < BATCH; i++) {
		b->parked[i] = s->rq[b->cpu].curr;
		sched_block(s, b->cpu, &next);
		sched_finish_switch(s, b->cpu);
	}
	return (now_ns() - t0) / BATCH;
}

static double wake_batch(struct bench *b, unsigned from)
{
	struct sched_sys *s = &b->sim->sys;
	double t0;

	sim_enter(b->sim, from);
	t0 = now_ns();
	for (unsigned i = 0; i < BATCH; i++)
		sched_wake(s, sched_ref_of(b->parked[i]), SCHED_WAKE_PARK);
	if (from != b->cpu) /* deliver the (at most one) IPI outside the timed region */
		sim_run_until(b->sim, b->sim->now);
	return (now_ns() - t0) / BATCH;
}

static double pick_batch(struct bench *b)
{
	struct sched_sys *s = &b->sim->sys;
	double t0;

	sim_enter(b->sim, b->cpu);
	t0 = now_ns();
	for (unsigned i = 0; i < BATCH; i++) {
		s->rq[b->cpu].need_resched = 1;
		sched_pick(s, b->cpu);
		sched_finish_switch(s, b->cpu);
	}
	return (now_ns() - t0) / BATCH;
}

static double min2(double a, double b)
{
	return a < b ? a : b;
}

static void measure(const char *policy, unsigned n)
{
	struct bench one = setup(policy, 1, n), two = setup(policy, 2, n);
	double wake = 1e18, block = 1e18, pick = 1e18, remote = 1e18;

	for (int r = 0; r < REPEAT; r++) {
		block = min2(block, block_batch(&one));
		wake = min2(wake, wake_batch(&one, one.cpu));
		pick = min2(pick, pick_batch(&one));
		block_batch(&two);
		remote = min2(remote, wake_batch(&two, 0));
	}
	printf("%-6s %7u %10.1f %10.1f %10.1f %12.1f\n", one.sim->sys.fair->name, n, wake, block,
	       pick, remote);
	sim_free(one.sim);
	sim_free(two.sim);
	free(one.t);
	free(two.t);
}

int main(int argc, char **argv)
{
	static const unsigned sizes[] = { 64, 1024, 10000, 65536 };
	const char *policy = argc > 1 ? argv[1] : NULL;

	printf("bench_rq: ns per operation, best of %d batches of %d\n", REPEAT, BATCH);
	printf("%-6s %7s %10s %10s %10s %12s\n", "policy", "threads", "wake", "block", "pick",
	       "remote_wake");
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		measure(policy, sizes[i]);
	return 0;
}
