/* SPDX-License-Identifier: MIT */
/*
 * test_admit.c - the admission analysis (libsched/admit.c, docs/admission.md): hand-
 * computed sets, then exactness both ways on random sets against the discrete simulation
 * of tests/rt_oracle.c: a set is accepted exactly when its synchronous-release simulation
 * shows no miss (EDF), and the response times agree (fixed priority).
 *
 * Random sets as in the literature: n tasks, utilisations by UUniFast-discard for a total
 * drawn in [0.3, 1.05], periods log-uniform in 1..1000 ms (whole us), constrained deadlines
 * drawn between the budget and the period, deadline-monotonic distinct priorities for the
 * fixed-priority test. ADMIT_SETS sets each (default 100 000).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <sched/admit.h>
#include <sched/sched.h>

#include "rt_oracle.h"
#include "rt_sets.h"

#define MS 1000000ull
#define HORIZON (60000 * MS) /* a simulation that runs a minute undecided is skipped */

static struct rt_rng rng = { 0x9e3779b97f4a7c15ull };

/* A random set of the default kind (see the top); false: draw again. */
static bool random_set(struct sched_rt_task *ts, struct rt_task *os, unsigned n)
{
	return rt_make_set(&rng, ts, os, n, 0.3 + 0.75 * rt_uniform(&rng), NULL, 0);
}

static unsigned long sets(void)
{
	const char *e = getenv("ADMIT_SETS");

	return e ? strtoul(e, NULL, 10) : 100000;
}

/* --- hand-computed ------------------------------------------------------------------------ */

static void edf_by_hand(void **state)
{
	struct sched_rt_task half[2] = { { 5, 10, 10, 1 }, { 5, 10, 10, 1 } };
	struct sched_rt_task third[2] = { { 1, 3, 3, 1 }, { 2, 3, 3, 1 } };
	/* {2,5,4} {3,7,5}: 5 units due by 5, met; {3,7,4} in place of the first: 3 + 3 due by 5,
	 * and by 4 the first needs 3, the other's deadline 5: h(4) = 3 <= 4, h(5) = 6 > 5 */
	struct sched_rt_task cons_ok[2] = { { 2, 5, 4, 1 }, { 3, 7, 5, 1 } };
	struct sched_rt_task cons_bad[2] = { { 3, 7, 4, 1 }, { 3, 7, 5, 1 } };
	struct sched_rt_verdict v;

	(void)state;
	assert_int_equal(sched_rt_edf_check(half, 2, 1000000, &v), 0);
	assert_int_equal(v.test, SCHED_RT_EDF_UTIL);
	assert_int_equal(v.demand, 1ull << 40); /* exactly 1 */
	/* 1/3 + 2/3: the 2^-40 sums straddle 1; over the periods' common multiple it is exact */
	assert_int_equal(sched_rt_edf_check(third, 2, 1000000, &v), 0);
	assert_int_equal(v.test, SCHED_RT_EDF_UTIL);
	third[1].budget = 3; /* and 1/3 + 3/3 is over */
	assert_int_equal(sched_rt_edf_check(third, 2, 1000000, &v), -SCHED_EUNSCHED);
	assert_int_equal(sched_rt_edf_check(cons_ok, 2, 1000000, &v), 0);
	assert_int_equal(v.test, SCHED_RT_EDF_QPA);
	assert_int_equal(sched_rt_edf_check(cons_bad, 2, 1000000, &v), -SCHED_EUNSCHED);
	assert_int_equal(v.test, SCHED_RT_EDF_QPA);
	assert_int_equal(v.at, 5);
	assert_int_equal(v.demand, 6);
	assert_int_equal(v.supply, 5);
	assert_int_equal(sched_rt_edf_check(half, 0, 1000000, &v), 0); /* nothing to admit */
}

static void fixed_priority_by_hand(void **state)
{
	/* rate monotonic {1,4} {2,6} {3,12}: responses 1, 3, 10 */
	struct sched_rt_task rm[3] = { { 1, 4, 4, 3 }, { 2, 6, 6, 2 }, { 3, 12, 12, 1 } };
	/* {2,5} over {4,7}: the second's response is 4 + 2 x 2 = 8 > 7, while EDF fits it */
	struct sched_rt_task edf_only[2] = { { 2, 5, 5, 2 }, { 4, 7, 7, 1 } };
	struct sched_rt_verdict v;

	(void)state;
	assert_int_equal(sched_rt_fp_check(rm, 3, 1000000, &v), 0);
	assert_int_equal(v.test, SCHED_RT_FP_RTA);
	assert_int_equal(v.task, 2); /* least slack: 12 - 10 */
	assert_int_equal(v.demand, 10);
	assert_int_equal(sched_rt_fp_check(edf_only, 2, 1000000, &v), -SCHED_EUNSCHED);
	assert_int_equal(v.task, 1);
	assert_int_equal(v.demand, 8);
	assert_int_equal(v.supply, 7);
	assert_int_equal(sched_rt_edf_check(edf_only, 2, 1000000, &v), 0);
	/* at half the CPU the first alone needs 2 / 0.5 = 4 <= 5; the second 8 / 0.5 > 7 */
	assert_int_equal(sched_rt_fp_check(rm, 1, 500000, &v), 0);
	assert_int_equal(v.demand, 2);
}

/* --- exactness against the simulation ----------------------------------------------------- */

static void edf_exact_both_ways(void **state)
{
	struct sched_rt_task ts[RT_MAX_TASKS];
	struct rt_task os[RT_MAX_TASKS];
	unsigned long n_sets = sets(), done = 0, accepted = 0, capped = 0, limit = 0;

	(void)state;
	while (done < n_sets) {
		unsigned n = 2 + (unsigned)(rt_next(&rng) % 9);
		struct sched_rt_verdict v;
		struct rt_result r;
		int ret;

		if (!random_set(ts, os, n))
			continue;
		ret = sched_rt_edf_check(ts, n, 1000000, &v);
		assert_int_equal(rt_sim_edf(os, n, HORIZON, &r), 0);
		if (r.capped) { /* a busy period over a minute: undecided here */
			capped++;
			continue;
		}
		done++;
		if (ret && v.test == SCHED_RT_LIMIT) { /* refused at the bound: may be schedulable */
			limit++;
			if (r.miss)
				continue;
			fail_msg("set %lu: refused at the analysis bound but schedulable", done);
		}
		if ((ret == 0) == r.miss)
			fail_msg("set %lu (%u tasks): analysis says %s, simulation %s at %llu", done, n,
				 ret ? "unschedulable" : "schedulable", r.miss ? "misses" : "no miss",
				 (unsigned long long)r.at);
		accepted += ret == 0;
	}
	printf("# EDF: %lu sets, %lu schedulable, %lu skipped (simulation undecided after a "
	       "minute), %lu refused at the bound\n", done, accepted, capped, limit);
	assert_true(accepted > done / 5 && accepted < done - done / 5); /* both answers seen */
}

static void fixed_priority_exact_both_ways(void **state)
{
	struct sched_rt_task ts[RT_MAX_TASKS];
	struct rt_task os[RT_MAX_TASKS];
	unsigned long n_sets = sets(), done = 0, accepted = 0, capped = 0;

	(void)state;
	while (done < n_sets) {
		unsigned n = 2 + (unsigned)(rt_next(&rng) % 9);
		struct sched_rt_verdict v;
		struct rt_result r;
		int ret;

		if (!random_set(ts, os, n))
			continue;
		ret = sched_rt_fp_check(ts, n, 1000000, &v);
		assert_int_equal(rt_sim_fp(os, n, HORIZON, &r), 0);
		if (r.capped && !r.miss) {
			capped++;
			continue;
		}
		done++;
		if ((ret == 0) == r.miss)
			fail_msg("set %lu (%u tasks): analysis says %s, simulation %s", done, n,
				 ret ? "unschedulable" : "schedulable", r.miss ? "misses" : "no miss");
		/* the response time the verdict names is the simulated one */
		if (v.test == SCHED_RT_FP_RTA && !r.capped && r.resp[v.task] != v.demand &&
		    (ret == 0 || v.demand <= ts[v.task].deadline))
			fail_msg("set %lu: task %u responds in %llu, the analysis says %llu", done,
				 v.task, (unsigned long long)r.resp[v.task],
				 (unsigned long long)v.demand);
		accepted += ret == 0;
	}
	printf("# fixed priority: %lu sets, %lu schedulable, %lu skipped (undecided after a "
	       "minute)\n", done, accepted, capped);
	assert_true(accepted > done / 5 && accepted < done - done / 5);
}

/* --- partitioned ---------------------------------------------------------------------- */

static void partition_by_hand(void **state)
{
	struct sched_rt_task three[3] = { { 6, 10, 10, 1 }, { 6, 10, 10, 1 }, { 6, 10, 10, 1 } };
	struct sched_rt_task four[4] = { { 5, 10, 10, 1 }, { 3, 10, 10, 1 }, { 5, 10, 10, 1 },
					 { 7, 10, 10, 1 } };
	struct sched_rt_task scratch[4];
	uint16_t cpu[4];
	uint32_t order[4];
	struct sched_rt_verdict v;

	(void)state;
	/* 0.6 x 3 on 2 CPUs: the third fits nowhere */
	assert_int_equal(sched_rt_partition(three, 3, 2, 1000000, SCHED_RT_FIRST_FIT, cpu, order,
					    scratch, &v), -SCHED_EUNSCHED);
	assert_int_equal(v.task, 2);
	assert_int_equal(cpu[0], 0);
	assert_int_equal(cpu[1], 1);
	assert_int_equal(cpu[2], SCHED_RT_NO_CPU);
	/* 0.7, 0.5, 0.5, 0.3 decreasing: first fit 0.7+0.3 | 0.5+0.5; worst fit the same here */
	assert_int_equal(sched_rt_partition(four, 4, 2, 1000000, SCHED_RT_FIRST_FIT, cpu, order,
					    scratch, &v), 0);
	assert_int_equal(cpu[3], 0);
	assert_int_equal(cpu[0], 1);
	assert_int_equal(cpu[2], 1);
	assert_int_equal(cpu[1], 0);
	/* incremental: take the 0.3 out and put it back: it returns to CPU 0 */
	cpu[1] = SCHED_RT_NO_CPU;
	assert_int_equal(sched_rt_partition_add(four, 4, 2, 1000000, SCHED_RT_BEST_FIT, 1, cpu,
						scratch, &v), 0);
	assert_int_equal(cpu[1], 0);
	/* at a 95% cap, 0.5 + 0.5 no longer fits on one CPU */
	assert_int_equal(sched_rt_partition(four, 4, 2, 950000, SCHED_RT_FIRST_FIT, cpu, order,
					    scratch, &v), -SCHED_EUNSCHED);
	assert_int_equal(sched_rt_partition(four, 4, 0, 1000000, SCHED_RT_FIRST_FIT, cpu, order,
					    scratch, &v), -SCHED_EINVAL);
	assert_int_equal(sched_rt_partition(four, 4, 2, 1000000, (enum sched_rt_fit)3, cpu, order,
					    scratch, &v), -SCHED_EINVAL);
	assert_int_equal(sched_rt_partition_add(four, 4, 2, 1000000, SCHED_RT_FIRST_FIT, 4, cpu,
						scratch, &v), -SCHED_EINVAL);
}

/* Each CPU's tasks of an assignment pass the exact test and run without a miss. */
static bool assignment_ok(const struct sched_rt_task *ts, unsigned n, unsigned m,
			  const uint16_t *cpu, bool simulate)
{
	for (unsigned c = 0; c < m; c++) {
		struct sched_rt_task sub[8];
		struct rt_task os[8];
		struct rt_result r;
		unsigned k = 0;

		for (unsigned i = 0; i < n; i++)
			if (cpu[i] == c) {
				sub[k] = ts[i];
				os[k++] = (struct rt_task){ ts[i].budget, ts[i].period, ts[i].deadline, 1 };
			}
		if (!k)
			continue;
		if (sched_rt_edf_check(sub, k, 1000000, NULL))
			return false;
		if (simulate && (rt_sim_edf(os, k, HORIZON, &r) || r.miss))
			fail_msg("CPU %u: the exact test accepted what the simulation misses", c);
	}
	return true;
}

/* Is there any assignment of n <= 7 tasks to m <= 3 CPUs that passes? (m^n tries) */
static bool exhaustive(const struct sched_rt_task *ts, unsigned n, unsigned m)
{
	uint16_t cpu[8];
	unsigned total = 1;

	for (unsigned i = 0; i < n; i++)
		total *= m;
	for (unsigned a = 0; a < total; a++) {
		for (unsigned i = 0, x = a; i < n; i++, x /= m)
			cpu[i] = (uint16_t)(x % m);
		if (assignment_ok(ts, n, m, cpu, false))
			return true;
	}
	return false;
}

/*
 * Small random sets (3..7 tasks, 2..3 CPUs, utilisation up to 0.95 per CPU): whatever a
 * heuristic returns is a valid partition (each CPU exact and simulated without a miss),
 * it never succeeds where no partition exists, and it is no worse than exhaustive search
 * would make it look: its acceptance is printed beside the exhaustive one.
 */
static void partition_against_exhaustive_assignment(void **state)
{
	static const char *names[] = { "first", "best", "worst" };
	unsigned long n_sets = sets() / 50, feasible = 0, ok[3] = { 0 };
	struct sched_rt_task ts[8], scratch[8];
	struct rt_task os[RT_MAX_TASKS];
	uint16_t cpu[8];
	uint32_t order[8];

	(void)state;
	for (unsigned long s = 0; s < n_sets;) {
		unsigned n = 3 + (unsigned)(rt_next(&rng) % 5), m = 2 + (unsigned)(rt_next(&rng) % 2);
		double u[8];
		bool any;

		if (!random_set(ts, os, n))
			continue;
		rt_uunifast(&rng, u, n, (double)m * (0.5 + 0.45 * rt_uniform(&rng)));
		for (unsigned i = 0; i < n; i++) { /* rescale the budgets to this total */
			ts[i].budget = (uint64_t)(u[i] * (double)ts[i].period);
			if (!ts[i].budget)
				ts[i].budget = 1;
			if (ts[i].deadline < ts[i].budget)
				ts[i].deadline = ts[i].budget;
		}
		s++;
		any = exhaustive(ts, n, m);
		feasible += any;
		for (int f = 0; f < 3; f++) {
			int r = sched_rt_partition(ts, n, m, 1000000, (enum sched_rt_fit)f, cpu, order,
						   scratch, NULL);

			if (r == 0 && (!any || !assignment_ok(ts, n, m, cpu, true)))
				fail_msg("%s fit returned an invalid partition", names[f]);
			ok[f] += r == 0;
		}
	}
	printf("# partitioned EDF, %lu small sets: a partition exists for %lu; first fit finds "
	       "%lu, best fit %lu, worst fit %lu\n", n_sets, feasible, ok[0], ok[1], ok[2]);
	assert_true(ok[0] > feasible / 2);
}

/* --- global EDF ------------------------------------------------------------------------- */

/*
 * Dhall's set on m = 2 CPUs: two light tasks {2, 100} and a heavy {100, 101}. Global EDF
 * runs the light jobs first and the heavy one misses at 101 (the simulation shows it);
 * partitioned, the heavy task alone on a CPU meets its deadlines. Admission says so in
 * each mode.
 */
static void dhall_in_each_mode(void **state)
{
	struct sched_rt_task ts[3] = { { 2, 100, 100, 1 }, { 2, 100, 100, 1 }, { 100, 101, 101, 1 } };
	struct rt_task os[3] = { { 2, 100, 100, 1 }, { 2, 100, 100, 1 }, { 100, 101, 101, 1 } };
	struct sched_rt_task scratch[3];
	uint16_t cpu[3];
	uint32_t order[3];
	struct sched_rt_verdict v;
	struct rt_result r;

	(void)state;
	assert_int_equal(rt_sim_gedf(os, 3, 2, 10100, &r), 0);
	assert_true(r.miss);
	assert_int_equal(sched_rt_gedf_check(ts, 3, 2, 1000000, &v), -SCHED_EUNSCHED);
	assert_int_equal(v.test, SCHED_RT_GEDF_BCL);
	assert_int_equal(sched_rt_partition(ts, 3, 2, 1000000, SCHED_RT_WORST_FIT, cpu, order,
					    scratch, &v), 0);
	assert_int_not_equal(cpu[2], cpu[0]);
	assert_int_equal(cpu[0], cpu[1]);
	/* light enough for GFB: sum of densities 4 x 0.25 <= 2 - 0.25 */
	for (int i = 0; i < 3; i++)
		ts[i] = (struct sched_rt_task){ 25, 100, 100, 1 };
	assert_int_equal(sched_rt_gedf_check(ts, 3, 2, 1000000, &v), 0);
	assert_int_equal(v.test, SCHED_RT_GEDF_GFB);
	assert_int_equal(sched_rt_gedf_check(ts, 3, 0, 1000000, &v), -SCHED_EINVAL);
}

/*
 * The sufficient tests never accept a set that misses: random sets of 3..8 tasks on 2..4
 * CPUs (periods from {10, 20, 25, 40, 50, 100} ms, so the simulation runs a whole
 * hyperperiod of at most 200 ms; constrained deadlines; total utilisation up to 0.95 m),
 * simulated under global EDF over the hyperperiod. Prints how many each test accepts
 * against how many the simulation schedules.
 */
/* n (3..8) tasks for m (2..4) CPUs, total utilisation up to 0.95 per task or CPU (so
 * UUniFast-discard finishes), periods of a 200 ms hyperperiod; false: draw again. */
static bool global_set(struct sched_rt_task *ts, struct rt_task *os, unsigned *n, unsigned *m)
{
	static const uint64_t periods[] = { 10, 20, 25, 40, 50, 100 };

	*n = 3 + (unsigned)(rt_next(&rng) % 6);
	*m = 2 + (unsigned)(rt_next(&rng) % 3);
	return rt_make_set(&rng, ts, os, *n,
			   (double)(*m < *n ? *m : *n) * (0.2 + 0.75 * rt_uniform(&rng)), periods, 6);
}

static void global_edf_accepts_only_what_runs(void **state)
{
	unsigned long n_sets = sets() / 10, sim_ok = 0, gfb_ok = 0, bcl_ok = 0, bak_ok = 0;
	unsigned long any_ok = 0;
	struct sched_rt_task ts[8];
	struct rt_task os[8];

	(void)state;
	for (unsigned long s = 0; s < n_sets;) {
		unsigned n, m;
		struct sched_rt_verdict v;
		struct rt_result r;
		int ret;

		if (!global_set(ts, os, &n, &m))
			continue;
		s++;
		ret = sched_rt_gedf_check(ts, n, m, 1000000, &v);
		assert_int_equal(rt_sim_gedf(os, n, m, 200 * MS, &r), 0);
		assert_false(r.capped);
		sim_ok += !r.miss;
		if (ret == 0) {
			any_ok++;
			gfb_ok += v.test == SCHED_RT_GEDF_GFB;
			bcl_ok += v.test == SCHED_RT_GEDF_BCL;
			bak_ok += v.test == SCHED_RT_GEDF_BAK;
			if (r.miss)
				fail_msg("set %lu: %s accepted %u tasks on %u CPUs, task %u misses at %llu",
					 s, v.test == SCHED_RT_GEDF_GFB ? "GFB"
					    : v.test == SCHED_RT_GEDF_BCL ? "BCL" : "BAK", n, m, r.task,
					 (unsigned long long)r.at);
		}
	}
	printf("# global EDF, %lu sets: the simulation schedules %lu; admitted %lu (GFB %lu, "
	       "BCL where GFB did not %lu, BAK where neither did %lu), none of them misses\n",
	       n_sets, sim_ok, any_ok, gfb_ok, bcl_ok, bak_ok);
	assert_true(gfb_ok > 0 && bcl_ok > 0);
}

/*
 * Global fixed priority (deadline monotonic, distinct priorities): whatever the test
 * admits runs without a miss in the global fixed-priority simulation over the hyperperiod
 * (same sets as the global EDF test).
 */
static void global_fixed_priority_accepts_only_what_runs(void **state)
{
	unsigned long n_sets = sets() / 10, sim_ok = 0, ok = 0;
	struct sched_rt_task ts[8];
	struct rt_task os[8];

	(void)state;
	for (unsigned long s = 0; s < n_sets;) {
		unsigned n, m;
		struct sched_rt_verdict v;
		struct rt_result r;

		if (!global_set(ts, os, &n, &m)) /* deadline-monotonic distinct priorities */
			continue;
		s++;
		assert_int_equal(rt_sim_gfp(os, n, m, 200 * MS, &r), 0);
		assert_false(r.capped);
		sim_ok += !r.miss;
		if (sched_rt_gfp_check(ts, n, m, 1000000, &v) == 0) {
			ok++;
			if (r.miss)
				fail_msg("set %lu: admitted %u tasks on %u CPUs, task %u misses at %llu", s,
					 n, m, r.task, (unsigned long long)r.at);
		}
	}
	printf("# global fixed priority, %lu sets: the simulation schedules %lu; admitted %lu, "
	       "none of them misses\n", n_sets, sim_ok, ok);
	assert_true(ok > n_sets / 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(edf_by_hand),
		cmocka_unit_test(fixed_priority_by_hand),
		cmocka_unit_test(edf_exact_both_ways),
		cmocka_unit_test(fixed_priority_exact_both_ways),
		cmocka_unit_test(partition_by_hand),
		cmocka_unit_test(partition_against_exhaustive_assignment),
		cmocka_unit_test(dhall_in_each_mode),
		cmocka_unit_test(global_edf_accepts_only_what_runs),
		cmocka_unit_test(global_fixed_priority_accepts_only_what_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
