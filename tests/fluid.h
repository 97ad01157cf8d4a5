/* SPDX-License-Identifier: MIT */
/*
 * fluid.h - the ideal fluid shares of CPU time for always-runnable threads on a multi-CPU
 * machine: the reference that fairness tests compare the scheduler with (host code only).
 *
 * The rates r_i are the weighted max-min fair allocation under CPU affinity, where no thread
 * gets more than one whole CPU. A set of rates is feasible when there is an assignment
 * x_ic >= 0 of each thread i to its allowed CPUs c with sum_c x_ic = r_i and
 * sum_i x_ic <= 1 for every CPU (a bipartite max-flow: source->thread capacity r_i,
 * thread->allowed CPU unbounded, CPU->sink capacity 1).
 *
 * Progressive filling: all threads start unfrozen; find the largest lambda such that
 * r_i = min(1, w_i * lambda) for the unfrozen threads, with the frozen ones at their rates,
 * is feasible. Then freeze every unfrozen thread that cannot grow any more (capped at 1, or
 * all CPUs it could get more time from are saturated) at its rate, and repeat until every
 * thread is frozen. Rates are correct to about 1e-9.
 */
#ifndef FLUID_H
#define FLUID_H

#include <stdint.h>

#define FLUID_MAX_THREADS 256

struct fluid_thread {
	uint64_t weight; /* > 0: a Linux nice weight (1024 = nice 0) or an effective weight */
	uint64_t cpus;   /* allowed CPUs: bit c = CPU c, CPUs 0..63 */
};

/*
 * Fill rate[i] (fraction of one CPU, 0..1) for each of n threads on nr_cpus CPUs (1..64).
 * Returns 0, or -1 on bad input: n == 0 or > FLUID_MAX_THREADS, nr_cpus out of range,
 * a weight of 0, an empty mask or one with CPUs >= nr_cpus.
 */
int fluid_rates(unsigned nr_cpus, const struct fluid_thread *t, unsigned n, double *rate);

#endif
