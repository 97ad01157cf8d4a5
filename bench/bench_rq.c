/* SPDX-License-Identifier: MIT */
/*
 * bench_rq - per-operation cost of the run-queue paths with N runnable threads on one CPU:
 *   wake        a blocked thread becomes runnable here (placement + class enqueue)
 *   block       the current thread blocks and the next is picked (class dequeue + pick)
 *   pick        preemption point: put the current back, pick, switch (enqueue+pick+dequeue)
 *   remote wake a thread is woken from CPU 0 onto CPU 1, which holds the N threads
 *   cycle       wake + block: one enqueue, one pick, one dequeue, all cold in cache
 *               (each batch touches BATCH different threads)
 *   class       the class alone, hot: enqueue one thread, pick, dequeue it again, with N
 *               threads queued (what the EEVDF target of <= 150 ns at 10k is about)
 *   oracle      (eevdf) the same choice made by an O(n) linear scan of the queue, and
 *               the ratio oracle / pick
 * Host timing with CLOCK_MONOTONIC over batches of BATCH operations; the best of REPEAT
 * batches is printed (least disturbed by the machine). Benchmark mode (no trace sink).
 *
 *   bench_rq [POLICY]      (default: eevdf, then rr)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"
#include "host_time.h"
#include "eevdf.h" /* the class state the oracle reads */

__extension__ typedef __int128 s128;

#define BATCH 1000
#define REPEAT 50

struct bench {
	struct sim *sim;
	struct sim_thread **t;
	struct sched_thread *parked[BATCH];
	unsigned cpu;
};

static struct bench setup(const char *policy, unsigned cpus, unsigned n)
{
	bool fifo = strcmp(policy, "fifo") == 0; /* the fixed-priority class, eevdf below it */
	struct sim_config cfg = { .cpus = cpus, .smt = 1, .policy = fifo ? NULL : policy,
				  .bench_mode = true };
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
		if (fifo) /* levels 1..99 in turn: every level's list and the map are in use */
			sched_set_rt(&b.sim->sys, sched_auth_root(&b.sim->sys),
				     sched_ref_of(&b.t[i]->st),
				     &(struct sched_rt_params){ .policy = SCHED_RT_FIFO, .prio = (uint8_t)(1 + i % 99) });
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

/* O(n) EEVDF choice over the CPU's top queue: eligible (v <= V), earliest deadline. */
static const struct sched_fair_entity *linear_pick(const struct sched_fair_rq *q)
{
	const struct sched_fair_entity *best = NULL;
	s128 sum = 0, w = 0;

	for (struct sched_rb_node *n = q->tree.leftmost; n; n = sched_rb_next(n)) {
		const struct sched_fair_entity *e = sched_rb_entry(n, struct sched_fair_entity, node);

		sum += (s128)e->weight * (int64_t)(e->vruntime - q->v0);
		w += e->weight;
	}
	for (struct sched_rb_node *n = q->tree.leftmost; n; n = sched_rb_next(n)) {
		const struct sched_fair_entity *e = sched_rb_entry(n, struct sched_fair_entity, node);

		if ((s128)(int64_t)(e->vruntime - q->v0) * w <= sum &&
		    (!best || (int64_t)(e->deadline - best->deadline) < 0))
			best = e;
	}
	return best;
}

static double oracle_batch(struct bench *b, unsigned reps)
{
	const struct sched_fair_rq *q = &sched_eevdf_rq_of(&b->sim->sys.rq[b->cpu])->top;
	volatile const void *sink = NULL;
	double t0 = now_ns();

	for (unsigned i = 0; i < reps; i++)
		sink = linear_pick(q);
	(void)sink;
	return (now_ns() - t0) / reps;
}

/* enqueue + pick + dequeue of one spare thread through the class operations. */
static double class_batch(struct bench *b, struct sched_thread *spare)
{
	struct sched_rq *rq = &b->sim->sys.rq[b->cpu];
	const struct sched_class *fair = b->sim->sys.classes[SCHED_SLOT_fair];
	volatile const void *sink = NULL;
	double t0 = now_ns();

	for (unsigned i = 0; i < BATCH; i++) {
		fair->enqueue(rq, spare, SCHED_ENQ_WAKE);
		sink = fair->pick(rq, b->sim->now);
		fair->dequeue(rq, spare, SCHED_DEQ_SLEEP);
	}
	(void)sink;
	return (now_ns() - t0) / BATCH;
}

static double min2(double a, double b)
{
	return a < b ? a : b;
}

static void measure(const char *policy, unsigned n)
{
	struct bench one = setup(policy, 1, n), two = setup(policy, 2, n);
	double wake = 1e18, block = 1e18, pick = 1e18, remote = 1e18, oracle = 1e18;
	double cls = 1e18;
	struct sched_thread_params sp = { .nice = 0 };
	struct sim_thread *spare = sim_thread_new(one.sim, &sp);
	bool eevdf = strcmp(policy, "eevdf") == 0;
	unsigned oracle_reps = n > 10000 ? 3 : 30;

	for (int r = 0; r < REPEAT; r++) {
		block = min2(block, block_batch(&one));
		wake = min2(wake, wake_batch(&one, one.cpu));
		pick = min2(pick, pick_batch(&one));
		block_batch(&two);
		remote = min2(remote, wake_batch(&two, 0));
		cls = min2(cls, class_batch(&one, &spare->st));
		if (eevdf && r < 10)
			oracle = min2(oracle, oracle_batch(&one, oracle_reps));
	}
	printf("%-6s %7u %8.1f %8.1f %8.1f %12.1f %8.1f %8.1f", policy, n, wake,
	       block, pick, remote, wake + block, cls);
	if (eevdf)
		printf(" %12.1f %8.1fx", oracle, oracle / pick);
	printf("\n");
	sim_free(one.sim);
	sim_free(two.sim);
	free(one.t);
	free(two.t);
}

int main(int argc, char **argv)
{
	static const unsigned sizes[] = { 1, 64, 1024, 10000, 65536 };
	static const char *const all[] = { "eevdf", "rr", "fifo" };
	unsigned first = 0, last = 3;

	if (argc > 1) {
		for (first = 0; first < 3 && strcmp(argv[1], all[first]); first++)
			;
		if (first == 3) {
			fprintf(stderr, "usage: bench_rq [eevdf|rr|fifo]\n");
			return 2;
		}
		last = first + 1;
	}
	printf("bench_rq: ns per operation, best of %d batches of %d\n", REPEAT, BATCH);
	printf("%-6s %7s %8s %8s %8s %12s %8s %8s %12s %9s\n", "policy", "threads", "wake",
	       "block", "pick", "remote_wake", "cycle", "class", "oracle_pick", "oracle/x");
	for (unsigned p = first; p < last; p++)
		for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			measure(all[p], sizes[i]);
	return 0;
}
