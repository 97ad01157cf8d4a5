/* SPDX-License-Identifier: MIT */
/*
 * bench_admit.c - the cost of one admission analysis (libsched/admit.c): EDF with QPA and
 * fixed-priority response times, at 10, 100 and 1000 tasks of constrained deadlines whose
 * utilisation is 0.9 for EDF and 0.6 for fixed priority (sets the tests accept, so the
 * analysis runs to the end; the result is printed). Prints the median ns per call of 15
 * batches.
 *
 *   bench_admit
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sched/admit.h>
#include <sched/sched.h>

#include "rt_sets.h"
#include "sim.h"

#define MS 1000000ull
#define BATCHES 15

static struct rt_rng rng = { 88172645463325252ull };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * n tasks, periods log-uniform-ish in 1..1000 ms (whole ms), utilisation `u` split evenly
 * with a little jitter, deadlines between 80% and 100% of the period, rate-monotonic
 * priorities (shorter period, higher priority; 1..99).
 */
static void make_set(struct sched_rt_task *ts, unsigned n, double u)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t p = 1;
		unsigned digits = (unsigned)(rt_next(&rng) % 3);

		for (unsigned d = 0; d <= digits; d++)
			p *= 1 + rt_next(&rng) % 10;
		ts[i].period = p * MS;
		ts[i].budget = (uint64_t)((double)ts[i].period * u / n * (0.9 + 0.2 * (double)(rt_next(&rng) % 1000) / 1000.0));
		if (!ts[i].budget)
			ts[i].budget = 1;
		ts[i].deadline = ts[i].period - ts[i].period / 5 * (rt_next(&rng) % 100) / 100;
		if (ts[i].deadline < ts[i].budget)
			ts[i].deadline = ts[i].budget;
		ts[i].prio = (uint8_t)(99 - (p > 98 ? 98 : p - 1));
	}
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median_ns(int (*check)(const struct sched_rt_task *, unsigned, uint32_t,
				     struct sched_rt_verdict *),
			const struct sched_rt_task *ts, unsigned n, unsigned calls, int *result)
{
	uint64_t t[BATCHES];
	struct sched_rt_verdict v;

	for (unsigned b = 0; b < BATCHES; b++) {
		uint64_t t0 = now_ns();

		for (unsigned c = 0; c < calls; c++)
			*result = check(ts, n, 1000000, &v);
		t[b] = now_ns() - t0;
	}
	qsort(t, BATCHES, sizeof(t[0]), cmp);
	return (double)t[BATCHES / 2] / calls;
}

/*
 * Partitioned: 1000 tasks of implicit deadlines, total utilisation 14 on 16 CPUs, first-fit
 * decreasing; then the incremental add of one more task beside them (the others keep
 * their CPUs); then the same with constrained deadlines (every CPU needs the exact test).
 */
static void partition(void)
{
	static struct sched_rt_task ts[1001], scratch[1001];
	static uint16_t cpu[1001];
	static uint32_t order[1001];
	uint64_t t[BATCHES];
	int r = 0;

	for (int constrained = 0; constrained < 2; constrained++) {
		make_set(ts, 1001, 14.0 * 1001 / 1000);
		if (!constrained)
			for (unsigned i = 0; i < 1001; i++)
				ts[i].deadline = ts[i].period;
		for (unsigned b = 0; b < BATCHES; b++) {
			uint64_t t0 = now_ns();

			r = sched_rt_partition(ts, 1000, 16, 1000000, SCHED_RT_FIRST_FIT, cpu, order,
					       scratch, NULL);
			t[b] = now_ns() - t0;
		}
		qsort(t, BATCHES, sizeof(t[0]), cmp);
		printf("partition 1000 tasks (%s deadlines, utilisation 14) on 16 CPUs, first fit: "
		       "%.3f ms (%s)\n", constrained ? "constrained" : "implicit",
		       (double)t[BATCHES / 2] / 1e6, r ? sched_strerror(r) : "admitted");
		for (unsigned b = 0; b < BATCHES; b++) {
			uint64_t t0 = now_ns();

			cpu[1000] = SCHED_RT_NO_CPU;
			r = sched_rt_partition_add(ts, 1001, 16, 1000000, SCHED_RT_FIRST_FIT, 1000, cpu,
						   scratch, NULL);
			t[b] = now_ns() - t0;
		}
		qsort(t, BATCHES, sizeof(t[0]), cmp);
		printf("  add one more beside them: %.1f us (%s)\n", (double)t[BATCHES / 2] / 1e3,
		       r ? sched_strerror(r) : "admitted");
	}
}

/*
 * The same through the library: 1000 partitioned SCs configured one by one on 16 CPUs
 * with admission on (sched_sc_configure_verdict: each gathers its candidate CPUs' SCs from
 * the pool, O(m x pool), and runs the exact test), then one more beside them. Budgets
 * below the SC minimum are raised to it.
 */
static void library_partition(void)
{
	static struct sched_rt_task ts[1001], scratch[1002];
	static struct sched_sc pool[1001];
	static struct sched_refill ring[1001][1];
	struct sim_config cfg = { .cpus = 16, .smt = 1, .seed = 1, .bench_mode = true,
				  .rt_runtime_ns = SCHED_RT_UNLIMITED };
	struct sim *sim = sim_new(&cfg);
	struct sched_sc_cap cap[1001];
	struct sched_sc_verdict v;
	uint64_t t0, all, t[BATCHES];
	unsigned ok = 0;

	if (!sim || sched_sc_pool(&sim->sys, pool, 1001) ||
	    sched_sc_admission(&sim->sys, sched_auth_root(&sim->sys), scratch, 1002,
			       SCHED_RT_FIRST_FIT))
		exit(1);
	make_set(ts, 1001, 13.0 * 1001 / 1000);
	for (unsigned i = 0; i < 1001; i++) {
		if (ts[i].budget < SCHED_SC_BUDGET_MIN_NS)
			ts[i].budget = SCHED_SC_BUDGET_MIN_NS;
		if (ts[i].deadline < ts[i].budget)
			ts[i].deadline = ts[i].budget;
		if (sched_sc_create(&sim->sys, NULL, ring[i], 1, &cap[i]))
			exit(1);
	}
	t0 = now_ns();
	for (unsigned i = 0; i < 1000; i++) {
		struct sched_sc_params p = { ts[i].budget, ts[i].period, ts[i].deadline,
					     .mode = SCHED_SC_CBS, .dispatch = SCHED_SC_PARTITIONED };

		sched_cpumask_fill(&p.cpus, 16);
		ok += sched_sc_configure_verdict(&sim->sys, sched_auth_root(&sim->sys), cap[i], &p,
						 &v) == 0;
	}
	all = now_ns() - t0;
	for (unsigned b = 0; b < BATCHES; b++) {
		struct sched_sc_params p = { ts[1000].budget, ts[1000].period, ts[1000].deadline,
					     .mode = SCHED_SC_CBS, .dispatch = SCHED_SC_PARTITIONED };

		sched_cpumask_fill(&p.cpus, 16);
		t0 = now_ns();
		sched_sc_configure_verdict(&sim->sys, sched_auth_root(&sim->sys), cap[1000], &p, &v);
		t[b] = now_ns() - t0;
	}
	qsort(t, BATCHES, sizeof(t[0]), cmp);
	printf("library: 1000 partitioned SCs configured on 16 CPUs with admission on "
	       "(constrained deadlines, utilisation 13): %.3f ms in all, %u admitted\n",
	       (double)all / 1e6, ok);
	printf("  configure one more beside them: %.1f us (%s)\n", (double)t[BATCHES / 2] / 1e3,
	       v.accepted ? "admitted" : "refused");
	sim_free(sim);
}

int main(void)
{
	static struct sched_rt_task ts[1000];
	static const unsigned sizes[] = { 10, 100, 1000 };

	printf("bench_admit: one analysis of n constrained-deadline tasks, periods 1..1000 ms, "
	       "utilisation 0.9 (EDF) and 0.6 (fixed priority); median of %d batches\n", BATCHES);
	printf("%6s %14s %8s %14s %8s\n", "tasks", "edf_ns/call", "edf", "fp_ns/call", "fp");
	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		unsigned n = sizes[k], calls = n >= 1000 ? 3 : n >= 100 ? 30 : 300;
		int re, rf;
		double e, f;

		make_set(ts, n, 0.9);
		e = median_ns(sched_rt_edf_check, ts, n, calls, &re);
		make_set(ts, n, 0.6);
		f = median_ns(sched_rt_fp_check, ts, n, calls, &rf);
		printf("%6u %14.0f %8s %14.0f %8s\n", n, e, re ? sched_strerror(re) : "admitted", f,
		       rf ? sched_strerror(rf) : "admitted");
	}
	partition();
	library_partition();
	return 0;
}
