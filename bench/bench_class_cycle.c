/* SPDX-License-Identifier: MIT */
/*
 * bench_class_cycle - a fixed workload for instruction counting: 10,000 threads queued on
 * one CPU, then 200,000 times: enqueue one more thread, pick, dequeue it, through the class
 * operations. Run under `valgrind --tool=callgrind`: the count does not move with machine
 * load, so it shows what a change to the class costs.
 *
 *   bench_class_cycle [eevdf|rr]
 */
#include <stdio.h>

#include "sim.h"

int main(int argc, char **argv)
{
	struct sim_config cfg = { .cpus = 1, .smt = 1, .bench_mode = true,
				  .policy = argc > 1 ? argv[1] : NULL };
	struct sim *sim = sim_new(&cfg);
	struct sched_thread_params p = { 0 };
	struct sim_thread *x;
	struct sched_rq *rq;

	if (!sim)
		return 2;
	for (int i = 0; i < 10000; i++) {
		struct sim_thread *t;

		p.nice = i % 7 - 3;
		t = sim_thread_new(sim, &p);
		sim_enter(sim, 0);
		sched_wake(&sim->sys, sched_ref_of(&t->st), SCHED_WAKE_NEW);
	}
	sched_pick(&sim->sys, 0);
	sched_finish_switch(&sim->sys, 0);
	x = sim_thread_new(sim, &p);
	rq = &sim->sys.rq[0];
	for (int i = 0; i < 200000; i++) {
		sim->sys.classes[SCHED_SLOT_fair]->enqueue(rq, &x->st, SCHED_ENQ_WAKE);
		sim->sys.classes[SCHED_SLOT_fair]->pick(rq, sim->now);
		sim->sys.classes[SCHED_SLOT_fair]->dequeue(rq, &x->st, SCHED_DEQ_SLEEP);
	}
	printf("%s: 200000 enqueue+pick+dequeue cycles with 10000 threads queued\n",
	       sim->sys.classes[SCHED_SLOT_fair]->name);
	sim_free(sim);
	return 0;
}
