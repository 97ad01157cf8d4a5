/* SPDX-License-Identifier: MIT */
/*
 * test_rt_oracle.c - the EDF and fixed-priority simulations (rt_oracle.c) on hand-computed
 * task sets, then on random small task sets against independent references: the processor
 * demand criterion and the synchronous busy period for EDF, a unit-step EDF simulation,
 * and the response-time fixed point for fixed priority. Global EDF on m CPUs: by hand
 * (Dhall's effect, a set only global EDF schedules, a miss after an idle instant), against
 * rt_sim_edf for m = 1 and against a unit-step global EDF simulation for m = 4. Global fixed
 * priority: by hand on 2 CPUs, and against rt_sim_fp for m = 1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rt_oracle.h"

#define HORIZON 1000000u

#define T(c_, t_, d_) { .c = (c_), .t = (t_), .d = (d_) }
#define P(c_, t_, d_, p_) { .c = (c_), .t = (t_), .d = (d_), .prio = (p_) }

static struct rt_result edf(const struct rt_task *ts, unsigned n)
{
	struct rt_result r;

	assert_int_equal(rt_sim_edf(ts, n, HORIZON, &r), 0);
	assert_false(r.capped);
	return r;
}

static struct rt_result fp(const struct rt_task *ts, unsigned n)
{
	struct rt_result r;

	assert_int_equal(rt_sim_fp(ts, n, HORIZON, &r), 0);
	assert_false(r.capped);
	return r;
}

static struct rt_result gedf(const struct rt_task *ts, unsigned n, unsigned m, uint64_t horizon)
{
	struct rt_result r;

	assert_int_equal(rt_sim_gedf(ts, n, m, horizon, &r), 0);
	return r;
}

static void edf_hand_computed(void **state)
{
	(void)state;
	/* U = 1 exactly: 0-5 task 0, 5-10 task 1; at 10 nothing released before 10 is left. */
	const struct rt_task two[] = { T(5, 10, 10), T(5, 10, 10) };
	struct rt_result r = edf(two, 2);

	assert_false(r.miss);
	assert_int_equal(r.end, 10);

	/* U = 1.5: 0-5 task 0, 5-10 task 1, task 2 has all its work left at its deadline 10. */
	const struct rt_task three[] = { T(5, 10, 10), T(5, 10, 10), T(5, 10, 10) };

	r = edf(three, 3);
	assert_true(r.miss);
	assert_int_equal(r.task, 2);
	assert_int_equal(r.at, 10);
	assert_int_equal(r.end, 10);

	/*
	 * U = 1/4 + 1/3 + 3/8 = 23/24. Busy period: W(L) = ceil(L/4) + 2 ceil(L/6) + 3 ceil(L/8)
	 * from L = 6: W = 7, 9, 13, 16, W(16) = 4 + 6 + 6 = 16, so L = 16. Demand by deadline
	 * dbf(4) = 1, dbf(6) = 3, dbf(8) = 7, dbf(12) = 10, dbf(16) = 14: no miss.
	 * Schedule (equal deadlines: lower index first): 0-1 a, 1-3 b, 3-4 c; 4 a (dl 8 = c's)
	 * 4-5, c 5-7 done (dl 8); 6 b (dl 12): 7-8 b; 8 a (dl 12 = b's) 8-9, b 9-10 done;
	 * 8 c (dl 16): 10-12 c; 12 a (dl 16 = c's) 12-13, c 13-14 done; 12 b (dl 18) 14-16.
	 * At 16 nothing released before 16 is left.
	 */
	const struct rt_task rm3[] = { T(1, 4, 4), T(2, 6, 6), T(3, 8, 8) };

	r = edf(rm3, 3);
	assert_false(r.miss);
	assert_int_equal(r.end, 16);

	/*
	 * Constrained deadlines, U = 2/5 + 3/7 = 0.83: at 0 a (dl 4) and b (dl 5); 0-2 a,
	 * 2-5 b, which completes exactly at its deadline 5 (met). At 5 nothing released before
	 * 5 is left: the busy period is W(5) = 2 + 3 = 5. dbf(4) = 2, dbf(5) = 5.
	 */
	const struct rt_task cons[] = { T(2, 5, 4), T(3, 7, 5) };

	r = edf(cons, 2);
	assert_false(r.miss);
	assert_int_equal(r.end, 5);

	/* The same with b's deadline 4: dbf(4) = 5 > 4. Both due at 4, a (index 0) runs 0-2,
	 * b runs 2-4 and still has 1 left at its deadline 4. */
	const struct rt_task cons_miss[] = { T(2, 5, 4), T(3, 7, 4) };

	r = edf(cons_miss, 2);
	assert_true(r.miss);
	assert_int_equal(r.task, 1);
	assert_int_equal(r.at, 4);

	/*
	 * U = 2/5 + 4/7 = 34/35 (rate monotonic misses it, see below). 0-2 a, 2-5 b (3 of 4);
	 * at 5 a releases (dl 10) but b's dl 7 is earlier: 5-6 b done; 6-8 a; at 7 b releases
	 * (dl 14); 8-10 b; at 10 a releases (dl 15): 10-12 b done; 12-14 a done. At 14 nothing
	 * released before 14 is left: L = W(14) = 2*3 + 4*2 = 14, and every job met its deadline.
	 */
	const struct rt_task edf_ok[] = { T(2, 5, 5), T(4, 7, 7) };

	r = edf(edf_ok, 2);
	assert_false(r.miss);
	assert_int_equal(r.end, 14);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(r.resp[i], 0); /* only fixed priority fills resp */
}

static void fp_hand_computed(void **state)
{
	(void)state;
	/*
	 * Rate monotonic {1,4}, {2,6}, {3,12}: 0-1 a, 1-3 b (R = 3), 3-4 c, 4-5 a, 5-6 c,
	 * 6-8 b, 8-9 a, 9-10 c done: R = 1, 3, 10. RTA for c: 6 -> 3 + 2 + 2 = 7 -> 3 + 2 + 4 = 9
	 * -> 3 + 3 + 4 = 10 -> 10.
	 */
	const struct rt_task rm[] = { P(1, 4, 4, 3), P(2, 6, 6, 2), P(3, 12, 12, 1) };
	struct rt_result r = fp(rm, 3);

	assert_false(r.miss);
	assert_int_equal(r.resp[0], 1);
	assert_int_equal(r.resp[1], 3);
	assert_int_equal(r.resp[2], 10);
	assert_int_equal(r.end, 10);

	/* The same listed in reverse: priority comes from prio, not from the order. */
	const struct rt_task rev[] = { P(3, 12, 12, 1), P(2, 6, 6, 2), P(1, 4, 4, 3) };

	r = fp(rev, 3);
	assert_false(r.miss);
	assert_int_equal(r.resp[0], 10);
	assert_int_equal(r.resp[1], 3);
	assert_int_equal(r.resp[2], 1);

	/* Equal prios: the lower index first. */
	const struct rt_task tie[] = { P(2, 6, 6, 0), P(1, 4, 4, 0) };

	r = fp(tie, 2);
	assert_false(r.miss);
	assert_int_equal(r.resp[0], 2);
	assert_int_equal(r.resp[1], 3);

	/*
	 * A miss in the lowest priority only, U = 1/4 + 2/5 + 2/10 = 0.85: 0-1 a, 1-3 b, 3-4 c
	 * (1 of 2), 4-5 a, 5-7 b, at 7 c still has 1 left: it misses its deadline 7, completes
	 * 7-8. RTA for c: 5 -> 2 + 2 + 2 = 6 -> 2 + 2 + 4 = 8 -> 8.
	 */
	const struct rt_task low[] = { P(1, 4, 4, 3), P(2, 5, 5, 2), P(2, 10, 7, 1) };

	r = fp(low, 3);
	assert_true(r.miss);
	assert_int_equal(r.task, 2);
	assert_int_equal(r.at, 7);
	assert_int_equal(r.resp[0], 1);
	assert_int_equal(r.resp[1], 3);
	assert_int_equal(r.resp[2], 8);
	assert_int_equal(r.end, 8);

	/*
	 * EDF schedules {2,5,5}, {4,7,7} (above), rate monotonic does not: 0-2 a, 2-5 b (3 of 4),
	 * 5-7 a, b has 1 left at 7, runs 7-8: R = 4 + 2 ceil(8/5) = 8 > 7.
	 */
	const struct rt_task rm_miss[] = { P(2, 5, 5, 2), P(4, 7, 7, 1) };

	r = fp(rm_miss, 2);
	assert_true(r.miss);
	assert_int_equal(r.task, 1);
	assert_int_equal(r.at, 7);
	assert_int_equal(r.resp[0], 2);
	assert_int_equal(r.resp[1], 8);

	/*
	 * A late job runs on: add c = {1, 70, 70} below them. b's first job ends at 8, after its
	 * second release at 7, whose job then queues behind it. c runs only when a and b have
	 * nothing: R = 1 + 2 ceil(R/5) + 4 ceil(R/7), from 7: 9, 13, 15, 19, 21, 23, 27, 29, 33,
	 * 35, 35. (Were b's late job dropped at 7, c would complete at 34.)
	 */
	const struct rt_task late[] = { P(2, 5, 5, 2), P(4, 7, 7, 1), P(1, 70, 70, 0) };

	r = fp(late, 3);
	assert_true(r.miss);
	assert_int_equal(r.task, 1);
	assert_int_equal(r.at, 7);
	assert_int_equal(r.resp[2], 35);
	assert_int_equal(r.end, 35);
}

static void horizon_caps(void **state)
{
	(void)state;
	struct rt_result r;
	const struct rt_task two[] = { T(5, 10, 10), T(5, 10, 10) };

	/* The busy period ends at 10: a horizon of 9 stops before, one of 10 decides. */
	assert_int_equal(rt_sim_edf(two, 2, 9, &r), 0);
	assert_true(r.capped);
	assert_false(r.miss);
	assert_int_equal(r.end, 9);
	assert_int_equal(rt_sim_edf(two, 2, 10, &r), 0);
	assert_false(r.capped);
	assert_false(r.miss);
	assert_int_equal(r.end, 10);
	/* A miss at the horizon is seen. */
	const struct rt_task three[] = { T(5, 10, 10), T(5, 10, 10), T(5, 10, 10) };

	assert_int_equal(rt_sim_edf(three, 3, 10, &r), 0);
	assert_false(r.capped);
	assert_true(r.miss);
	assert_int_equal(r.at, 10);

	/* U = 1/3 + 1/5 + 1/7 + 1/11 + 269/1155 = (385 + 231 + 165 + 105 + 269) / 1155 = 1: the
	 * busy period is the whole hyperperiod 1155 (W(L) > L at every L not a multiple of it). */
	const struct rt_task h[] = { T(1, 3, 3), T(1, 5, 5), T(1, 7, 7), T(1, 11, 11),
		T(269, 1155, 1155) };

	assert_int_equal(rt_sim_edf(h, 5, 1154, &r), 0);
	assert_true(r.capped);
	assert_int_equal(rt_sim_edf(h, 5, 1155, &r), 0);
	assert_false(r.capped);
	assert_false(r.miss);
	assert_int_equal(r.end, 1155);

	/* Fixed priority: task 0 takes the whole CPU, task 1 never runs; its deadline 10 has
	 * passed at the horizon 100, which is a miss even though the simulation is capped. */
	const struct rt_task hog[] = { P(2, 2, 2, 1), P(1, 10, 10, 0) };

	assert_int_equal(rt_sim_fp(hog, 2, 100, &r), 0);
	assert_true(r.capped);
	assert_int_equal(r.end, 100);
	assert_int_equal(r.resp[0], 2);
	assert_int_equal(r.resp[1], UINT64_MAX);
	assert_true(r.miss);
	assert_int_equal(r.task, 1);
	assert_int_equal(r.at, 10);
	/* Nor does a deadline at the horizon itself: task 1 has work left at 10. */
	assert_int_equal(rt_sim_fp(hog, 2, 10, &r), 0);
	assert_true(r.capped);
	assert_true(r.miss);
	assert_int_equal(r.at, 10);
	/* A horizon before the deadline decides nothing about task 1. */
	assert_int_equal(rt_sim_fp(hog, 2, 9, &r), 0);
	assert_true(r.capped);
	assert_false(r.miss);
}

/* ---- Global EDF on m CPUs ---- */

/* Partitioned EDF: every CPU's tasks (cpu[i] is task i's) meet all deadlines, by rt_sim_edf. */
static bool partition_ok(const struct rt_task *ts, unsigned n, const unsigned *cpu, unsigned m)
{
	for (unsigned k = 0; k < m; k++) {
		struct rt_task sub[RT_MAX_TASKS];
		unsigned ns = 0;

		for (unsigned i = 0; i < n; i++)
			if (cpu[i] == k)
				sub[ns++] = ts[i];
		if (ns && edf(sub, ns).miss)
			return false;
	}
	return true;
}

static void gedf_dhall(void **state)
{
	(void)state;
	/*
	 * Dhall's effect: m light tasks {2, 100, 100} (u = 0.02 each) and one heavy task
	 * {100, 101, 101} (u = 0.99), U = 0.99 + 0.02 m: little more than one CPU's worth on m.
	 * At 0 the m light jobs (deadline 100) come before the heavy one (deadline 101) and take
	 * all m CPUs for [0, 2]. The heavy job starts at 2 and from then on always has a CPU (the
	 * light jobs are done at 2; those released at 100 have deadline 200 and the heavy job,
	 * due at 101, comes first), so it would complete at 2 + 100 = 102: at its deadline 101 it
	 * has 1 left. No light job misses before (the first ones are done at 2, the next are due
	 * at 200). Hyperperiod 100 * 101 = 10100.
	 */
	for (unsigned m = 2; m <= 8; m++) {
		struct rt_task ts[9];
		unsigned cpu[9];

		for (unsigned i = 0; i < m; i++) {
			ts[i] = (struct rt_task)T(2, 100, 100);
			cpu[i] = 1;
		}
		ts[m] = (struct rt_task)T(100, 101, 101);
		cpu[m] = 0;

		struct rt_result r = gedf(ts, m + 1, m, 10100);

		assert_true(r.miss);
		assert_false(r.capped);
		assert_int_equal(r.task, m);
		assert_int_equal(r.at, 101);
		assert_int_equal(r.end, 101);
		/*
		 * Partitioned EDF schedules it: the heavy task alone on CPU 0 (U = 0.99, done at
		 * 100, the busy period), the light ones together on CPU 1 (U = 0.02 m, busy
		 * period 2m), the other CPUs idle.
		 */
		assert_true(partition_ok(ts, m + 1, cpu, m));
		r = edf(&ts[m], 1);
		assert_false(r.miss);
		assert_int_equal(r.end, 100);
		r = edf(ts, m);
		assert_false(r.miss);
		assert_int_equal(r.end, 2 * m);
		/* Global EDF on one CPU of that partition is EDF: no miss up to the hyperperiod. */
		r = gedf(&ts[m], 1, 1, 10100);
		assert_false(r.miss);
		assert_false(r.capped);
		assert_int_equal(r.end, 101);
		r = gedf(ts, m, 1, 10100);
		assert_false(r.miss);
		assert_int_equal(r.end, 100);
	}

	/* The order does not matter (no deadline ties with the heavy job's): heavy first. */
	const struct rt_task first[] = { T(100, 101, 101), T(2, 100, 100), T(2, 100, 100) };
	struct rt_result r = gedf(first, 3, 2, 10100);

	assert_true(r.miss);
	assert_int_equal(r.task, 0);
	assert_int_equal(r.at, 101);
	/* With a third CPU the heavy job runs from 0 and completes at 100. */
	r = gedf(first, 3, 3, 10100);
	assert_false(r.miss);
	assert_false(r.capped);
	assert_int_equal(r.end, 10100);
}

static void gedf_global_only(void **state)
{
	(void)state;
	/*
	 * A set global EDF schedules on 2 CPUs and no partition does: a = {1, 2, 2},
	 * b = c = {2, 3, 3}, U = 1/2 + 2/3 + 2/3 = 11/6. Some CPU gets two of the three tasks,
	 * and every pair has U > 1 (7/6, 7/6, 4/3), which one CPU cannot run. Global EDF over
	 * the hyperperiod 6, x and y being b and c in index order:
	 *   [0, 1] a (deadline 2) and x (deadline 3): a done, x has 1 left;
	 *   [1, 2] x and y: x done at 2, y has 1 left;
	 *   2: a (deadline 4); [2, 3] y (deadline 3) and a: both done at 3, y at its deadline;
	 *   3: b and c (deadline 6), [3, 4]: each has 1 left;
	 *   4: a (deadline 6): three jobs of 1 each, all due at 6: two run [4, 5], the third
	 *   [5, 6], done at its deadline whichever it is.
	 * So no step depends on the order of the tasks (checked on all six below). At 6 nothing
	 * is pending and all three release: the state of time 0, the schedule repeats and the
	 * simulation stops there.
	 */
	const struct rt_task a = T(1, 2, 2), b = T(2, 3, 3), c = T(2, 3, 3);
	const struct rt_task ts[] = { a, b, c };
	const struct rt_task orders[6][3] = {
		{ a, b, c }, { a, c, b }, { b, a, c }, { b, c, a }, { c, a, b }, { c, b, a },
	};
	struct rt_result r;

	for (unsigned k = 0; k < 6; k++) {
		r = gedf(orders[k], 3, 2, 6);
		assert_false(r.miss);
		assert_false(r.capped);
		assert_int_equal(r.end, 6);
		r = gedf(orders[k], 3, 2, 1000); /* stops at the hyperperiod */
		assert_false(r.miss);
		assert_false(r.capped);
		assert_int_equal(r.end, 6);
		r = gedf(orders[k], 3, 2, 5); /* stops before it: undecided */
		assert_false(r.miss);
		assert_true(r.capped);
		assert_int_equal(r.end, 5);
	}

	/* All 2^3 assignments of the three tasks to the two CPUs: each has a CPU that misses. */
	for (unsigned mask = 0; mask < 8; mask++) {
		unsigned cpu[3] = { mask & 1, mask >> 1 & 1, mask >> 2 & 1 };

		assert_false(partition_ok(ts, 3, cpu, 2));
	}

	/*
	 * Not every set with U = 2 on 2 CPUs: three {2, 3, 3}. A schedule exists (each period,
	 * CPU 0 runs a [0, 2] and b [2, 3], CPU 1 runs b [0, 1] and c [1, 3]), but not under
	 * global EDF, which keeps a job's priority: all due at 3, a and b run [0, 2], c gets
	 * [2, 3] only and has 1 left at its deadline 3. (Nor partitioned: every pair has U = 4/3.)
	 */
	const struct rt_task three[] = { T(2, 3, 3), T(2, 3, 3), T(2, 3, 3) };

	r = gedf(three, 3, 2, 3);
	assert_true(r.miss);
	assert_int_equal(r.task, 2);
	assert_int_equal(r.at, 3);
	assert_int_equal(r.end, 3);

	/*
	 * Exact boundaries on 2 CPUs: three {5, 10, 10}: a, b [0, 5], c [5, 10], done exactly at
	 * its deadline (met), and at 10 the state of time 0. Three {6, 10, 10}: c runs [6, 10],
	 * 4 of 6, and misses at 10. With 3 CPUs every job has its own: no miss.
	 */
	const struct rt_task five[] = { T(5, 10, 10), T(5, 10, 10), T(5, 10, 10) };
	const struct rt_task six[] = { T(6, 10, 10), T(6, 10, 10), T(6, 10, 10) };

	r = gedf(five, 3, 2, 10);
	assert_false(r.miss);
	assert_false(r.capped);
	assert_int_equal(r.end, 10);
	r = gedf(six, 3, 2, 10);
	assert_true(r.miss);
	assert_int_equal(r.task, 2);
	assert_int_equal(r.at, 10);
	r = gedf(six, 3, 3, 10);
	assert_false(r.miss);
	assert_int_equal(r.end, 10);
}

static void gedf_miss_after_idle(void **state)
{
	(void)state;
	/*
	 * No busy-period shortcut on 2 CPUs: a = {1, 2, 2}, b = {4, 4, 4}, c = {2, 5, 5},
	 * U = 1/2 + 1 + 2/5 = 1.9 <= 2. Nothing is pending at 4, which would end the synchronous
	 * busy period on one CPU, and still b misses at 16:
	 *   [0, 1] a (dl 2), b (dl 4): a done;  [1, 2] b, c (dl 5);
	 *   2: a (dl 4): a, b (dl 4) [2, 3]: a done, b 1 left;  [3, 4] b, c: both done at 4.
	 *   4: nothing pending; a (dl 6), b (dl 8) [4, 5]: a done;
	 *   5: c (dl 10): b, c [5, 6];  6: a (dl 8): a, b [6, 7]: a done;  [7, 8] b, c: both done.
	 *   8: nothing pending; a (dl 10), b (dl 12) [8, 9]: a done; [9, 10] b alone (2 left),
	 *      a CPU idles;
	 *   10: a (dl 12), c (dl 15): a, b [10, 11]: a done;  [11, 12] b (done), c (1 left);
	 *   12: a (dl 14), b (dl 16, 4 to do): a and c come first, [12, 13]: both done;
	 *   [13, 14] b (3 left);  14: a (dl 16): a, b [14, 15]: a done, b 2 left;
	 *   15: c (dl 20): b, c [15, 16]: b has 1 left at its deadline 16.
	 * From 8 on (releases out of phase) b lost the second CPU in [12, 13] and the idle
	 * [9, 10] does not come back. No two pending jobs tie on a deadline where only one of
	 * them can run, so every order of the three tasks gives the same miss.
	 */
	const struct rt_task a = T(1, 2, 2), b = T(4, 4, 4), c = T(2, 5, 5);
	const struct rt_task orders[6][3] = {
		{ a, b, c }, { a, c, b }, { b, a, c }, { b, c, a }, { c, a, b }, { c, b, a },
	};
	const unsigned b_at[6] = { 1, 2, 0, 0, 2, 1 };

	for (unsigned k = 0; k < 6; k++) {
		struct rt_result r = gedf(orders[k], 3, 2, 20); /* the hyperperiod */

		assert_true(r.miss);
		assert_false(r.capped);
		assert_int_equal(r.task, b_at[k]);
		assert_int_equal(r.at, 16);
		assert_int_equal(r.end, 16);
		/* A horizon before 16 does not see it: undecided, not "no miss". */
		r = gedf(orders[k], 3, 2, 15);
		assert_false(r.miss);
		assert_true(r.capped);
		assert_int_equal(r.end, 15);
	}
}

static void gedf_one_cpu_is_edf(void **state)
{
	(void)state;
	/* The sets of edf_hand_computed, on one CPU, over their hyperperiods. */
	const struct rt_task rm3[] = { T(1, 4, 4), T(2, 6, 6), T(3, 8, 8) };
	struct rt_result r = gedf(rm3, 3, 1, 24);

	assert_false(r.miss);
	assert_false(r.capped);
	assert_int_equal(r.end, 24);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(r.resp[i], 0);

	const struct rt_task edf_ok[] = { T(2, 5, 5), T(4, 7, 7) };

	r = gedf(edf_ok, 2, 1, 35);
	assert_false(r.miss);
	assert_int_equal(r.end, 35);

	const struct rt_task three[] = { T(5, 10, 10), T(5, 10, 10), T(5, 10, 10) };

	r = gedf(three, 3, 1, 10);
	assert_true(r.miss);
	assert_int_equal(r.task, 2);
	assert_int_equal(r.at, 10);

	const struct rt_task cons_miss[] = { T(2, 5, 4), T(3, 7, 4) };

	r = gedf(cons_miss, 2, 1, 35);
	assert_true(r.miss);
	assert_int_equal(r.task, 1);
	assert_int_equal(r.at, 4);
	assert_int_equal(r.end, 4);
}

static int gedf_on_2(const struct rt_task *ts, unsigned n, uint64_t horizon, struct rt_result *r)
{
	return rt_sim_gedf(ts, n, 2, horizon, r);
}

static void bad_input_is_refused(void **state)
{
	(void)state;
	struct rt_task ts[RT_MAX_TASKS + 1];
	struct rt_result r;

	for (unsigned i = 0; i <= RT_MAX_TASKS; i++)
		ts[i] = (struct rt_task)T(1, 1000, 1000);
	for (int k = 0; k < 3; k++) {
		int (*sim)(const struct rt_task *, unsigned, uint64_t, struct rt_result *) =
			k == 0 ? rt_sim_edf : k == 1 ? rt_sim_fp : gedf_on_2;

		assert_int_equal(sim(ts, 0, HORIZON, &r), -1);
		assert_int_equal(sim(ts, RT_MAX_TASKS + 1, HORIZON, &r), -1);
		assert_int_equal(sim(ts, RT_MAX_TASKS, HORIZON, &r), 0);
		assert_int_equal(sim(NULL, 1, HORIZON, &r), -1);
		assert_int_equal(sim(ts, 1, HORIZON, NULL), -1);
		ts[1].c = 0;
		assert_int_equal(sim(ts, 2, HORIZON, &r), -1);
		ts[1] = (struct rt_task)T(5, 10, 4); /* c > d */
		assert_int_equal(sim(ts, 2, HORIZON, &r), -1);
		ts[1] = (struct rt_task)T(5, 10, 11); /* d > t */
		assert_int_equal(sim(ts, 2, HORIZON, &r), -1);
		ts[1] = (struct rt_task)T(5, 0, 0); /* t == 0 */
		assert_int_equal(sim(ts, 2, HORIZON, &r), -1);
		ts[1] = (struct rt_task)T(5, 5, 5); /* c == d == t */
		assert_int_equal(sim(ts, 2, HORIZON, &r), 0);
		ts[1] = (struct rt_task)T(1, 1000, 1000);
	}
	/* Global EDF: 1 to RT_MAX_CPUS CPUs. */
	assert_int_equal(rt_sim_gedf(ts, 2, 0, HORIZON, &r), -1);
	assert_int_equal(rt_sim_gedf(ts, 2, RT_MAX_CPUS + 1, HORIZON, &r), -1);
	assert_int_equal(rt_sim_gedf(ts, 2, RT_MAX_CPUS, HORIZON, &r), 0);
	assert_false(r.miss);
	assert_int_equal(r.end, 1000);
	assert_int_equal(rt_sim_gedf(ts, 2, 1, HORIZON, &r), 0);
	assert_int_equal(rt_sim_gedf(ts, RT_MAX_TASKS, RT_MAX_CPUS, HORIZON, &r), 0);
	assert_false(r.miss);
	/* A horizon of 0: the releases at 0 and nothing more, undecided. */
	assert_int_equal(rt_sim_gedf(ts, 2, 1, 0, &r), 0);
	assert_true(r.capped);
	assert_int_equal(r.end, 0);
}

/* ---- Random small task sets against independent references ---- */

/*
 * Periods 1..12: a hyperperiod divides lcm(1..12) = 27720, which bounds the EDF busy period
 * when U <= 1 and each first-job response when the utilisation of it and the tasks before
 * it is <= 1: past RHORIZON, U > 1 (EDF misses before) or the first job never completes.
 */
#define RHORIZON 30000u

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned lo, unsigned hi) /* uniform enough in [lo, hi] */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return lo + (unsigned)(rng % (hi - lo + 1));
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Jobs with release and deadline in [0, t]: sum of max(0, floor((t - d) / T) + 1) c. */
static uint64_t dbf(const struct rt_task *ts, unsigned n, uint64_t t)
{
	uint64_t w = 0;

	for (unsigned i = 0; i < n; i++)
		if (t >= ts[i].d)
			w += ((t - ts[i].d) / ts[i].t + 1) * ts[i].c;
	return w;
}

/* Work released in [0, t): sum of ceil(t / T) c. */
static uint64_t released(const struct rt_task *ts, unsigned n, uint64_t t)
{
	uint64_t w = 0;

	for (unsigned i = 0; i < n; i++)
		w += (t + ts[i].t - 1) / ts[i].t * ts[i].c;
	return w;
}

/* EDF one time unit at a time, with the oracle's rules. */
static void edf_unit_steps(const struct rt_task *ts, unsigned n, struct rt_result *r)
{
	uint64_t rem[RT_MAX_TASKS] = { 0 }, dl[RT_MAX_TASKS] = { 0 };

	*r = (struct rt_result){ 0 };
	for (uint64_t now = 0; now <= RHORIZON; now++) {
		bool pending = false;
		int run = -1;

		for (unsigned i = 0; i < n; i++)
			if (rem[i] && dl[i] <= now) {
				r->miss = true;
				r->task = i;
				r->at = dl[i];
				r->end = now;
				return;
			}
		for (unsigned i = 0; i < n; i++)
			pending |= rem[i] != 0;
		if (now && !pending) {
			r->end = now;
			return;
		}
		for (unsigned i = 0; i < n; i++) {
			if (now % ts[i].t == 0) {
				rem[i] = ts[i].c;
				dl[i] = now + ts[i].d;
			}
			if (rem[i] && (run < 0 || dl[i] < dl[run]))
				run = (int)i;
		}
		rem[run]--;
	}
	r->capped = true;
}

static void random_edf(const struct rt_task *ts, unsigned n)
{
	struct rt_result r, u;
	uint64_t h = 1, load = 0;

	assert_int_equal(rt_sim_edf(ts, n, RHORIZON, &r), 0);
	assert_false(r.capped);
	for (unsigned i = 0; i < n; i++)
		h = h / gcd(h, ts[i].t) * ts[i].t;
	for (unsigned i = 0; i < n; i++)
		load += h / ts[i].t * ts[i].c; /* U > 1 iff load > h */

	/* The first deadline miss of EDF from a synchronous release is at the first t with
	 * dbf(t) > t; with U <= 1 there is none iff there is none up to the busy period L. */
	uint64_t first = 0, L = 0;

	if (load <= h) {
		L = 1;
		while (released(ts, n, L) != L)
			L = released(ts, n, L);
	}
	for (uint64_t t = 1; t <= (load <= h ? L : RHORIZON) && !first; t++)
		if (dbf(ts, n, t) > t)
			first = t;
	if (first) {
		assert_true(r.miss);
		assert_int_equal(r.at, first);
		assert_int_equal(r.end, first);
		/* `task` has a deadline there */
		assert_true(r.at >= ts[r.task].d && (r.at - ts[r.task].d) % ts[r.task].t == 0);
	} else {
		assert_false(r.miss);
		assert_int_equal(r.end, L);
	}

	edf_unit_steps(ts, n, &u);
	assert_false(u.capped);
	assert_int_equal(u.miss, r.miss);
	assert_int_equal(u.end, r.end);
	if (r.miss) {
		assert_int_equal(u.task, r.task);
		assert_int_equal(u.at, r.at);
	}
}

static void random_fp(const struct rt_task *ts, unsigned n)
{
	struct rt_result r;
	uint64_t want[RT_MAX_TASKS], end = 0;
	bool miss = false, capped = false;
	unsigned task = 0;

	assert_int_equal(rt_sim_fp(ts, n, RHORIZON, &r), 0);
	/* R = c_i + sum over the tasks before i of ceil(R / T_j) c_j, from R = c_i. */
	for (unsigned i = 0; i < n; i++) {
		uint64_t R = ts[i].c, prev = 0;

		while (R != prev && R <= RHORIZON) {
			prev = R;
			R = ts[i].c;
			for (unsigned j = 0; j < n; j++)
				if (ts[j].prio > ts[i].prio || (ts[j].prio == ts[i].prio && j < i))
					R += (prev + ts[j].t - 1) / ts[j].t * ts[j].c;
		}
		want[i] = R <= RHORIZON ? R : UINT64_MAX;
		if (want[i] == UINT64_MAX)
			capped = true;
		else if (want[i] > end)
			end = want[i];
		if (want[i] > ts[i].d && (!miss || ts[i].d < ts[task].d)) {
			miss = true;
			task = i;
		}
	}
	assert_int_equal(r.capped, capped);
	assert_int_equal(r.end, capped ? RHORIZON : end);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(r.resp[i], want[i]);
	assert_int_equal(r.miss, miss);
	if (miss) {
		assert_int_equal(r.task, task);
		assert_int_equal(r.at, ts[task].d);
	}
}

static void random_sets_match_the_references(void **state)
{
	(void)state;
	unsigned misses[2] = { 0 }, capped = 0, sets = 20000;

	for (unsigned k = 0; k < sets; k++) {
		struct rt_task ts[8];
		unsigned n = rnd(1, 6);

		uint64_t h = 1, load = 0;

		for (unsigned i = 0; i < n; i++) {
			ts[i].t = rnd(1, 12);
			ts[i].d = rnd(1, (unsigned)ts[i].t);
			ts[i].c = rnd(1, (unsigned)ts[i].d > 3 ? 3 : (unsigned)ts[i].d);
			ts[i].prio = rnd(0, 3);
			h = h / gcd(h, ts[i].t) * ts[i].t;
		}
		/* U <= 1.1: fixed priority runs sets where a first job never completes up to the
		 * horizon, and farther above 1 there is little left to check. */
		for (unsigned i = 0; i < n; i++)
			load += h / ts[i].t * ts[i].c;
		if (10 * load > 11 * h) {
			k--;
			continue;
		}
		random_edf(ts, n);
		random_fp(ts, n);

		struct rt_result r;

		rt_sim_edf(ts, n, RHORIZON, &r);
		misses[0] += r.miss;
		rt_sim_fp(ts, n, RHORIZON, &r);
		misses[1] += r.miss;
		capped += r.capped;
	}
	print_message("%u sets: %u EDF misses, %u fixed-priority misses (%u capped)\n", sets,
		misses[0], misses[1], capped);
	/* Both outcomes are exercised. */
	assert_true(misses[0] > sets / 10 && misses[0] < sets * 9 / 10);
	assert_true(misses[1] > sets / 10 && misses[1] < sets * 9 / 10);
}

static uint64_t hyperperiod(const struct rt_task *ts, unsigned n)
{
	uint64_t h = 1;

	for (unsigned i = 0; i < n; i++)
		h = h / gcd(h, ts[i].t) * ts[i].t;
	return h;
}

/*
 * m = 1: global EDF is EDF. Over the hyperperiod, miss/task/at agree with rt_sim_edf, and
 * without a miss global EDF ends at the hyperperiod (EDF at the busy period, which is not
 * longer). Over a shorter horizon miss/task/at agree too (a miss up to the horizon is the
 * same job in the same schedule), and global EDF is capped iff it did not miss.
 */
static void random_gedf_one_cpu_is_edf(void **state)
{
	(void)state;
	unsigned misses = 0, sets = 20000;

	for (unsigned k = 0; k < sets; k++) {
		struct rt_task ts[8];
		unsigned n = rnd(1, 6);
		uint64_t h, load = 0;

		for (unsigned i = 0; i < n; i++) {
			ts[i].t = rnd(1, 12);
			ts[i].d = rnd(1, (unsigned)ts[i].t);
			ts[i].c = rnd(1, (unsigned)ts[i].d > 3 ? 3 : (unsigned)ts[i].d);
			ts[i].prio = 0;
		}
		h = hyperperiod(ts, n);
		for (unsigned i = 0; i < n; i++)
			load += h / ts[i].t * ts[i].c;
		if (10 * load > 12 * h) { /* U <= 1.2 */
			k--;
			continue;
		}

		struct rt_result e, g;

		assert_int_equal(rt_sim_edf(ts, n, h, &e), 0);
		assert_int_equal(rt_sim_gedf(ts, n, 1, h, &g), 0);
		assert_false(e.capped);
		assert_false(g.capped);
		assert_int_equal(g.miss, e.miss);
		if (e.miss) {
			assert_int_equal(g.task, e.task);
			assert_int_equal(g.at, e.at);
			assert_int_equal(g.end, e.at);
		} else {
			assert_int_equal(g.end, h);
			assert_true(e.end <= h);
		}
		misses += e.miss;

		uint64_t hz = rnd(0, (unsigned)h);

		assert_int_equal(rt_sim_edf(ts, n, hz, &e), 0);
		assert_int_equal(rt_sim_gedf(ts, n, 1, hz, &g), 0);
		assert_int_equal(g.miss, e.miss);
		assert_int_equal(g.capped, !g.miss && hz < h);
		if (e.miss) {
			assert_int_equal(g.task, e.task);
			assert_int_equal(g.at, e.at);
		}
	}
	print_message("%u sets on one CPU: %u misses\n", sets, misses);
	assert_true(misses > sets / 10 && misses < sets * 9 / 10);
}

/*
 * Global EDF one time unit at a time, the oracle's rules, up to min(hyperperiod, horizon):
 * each unit, a pending job runs iff fewer than m pending jobs come before it by (deadline,
 * index) (a rank, not the oracle's selection passes).
 */
static void gedf_unit_steps(const struct rt_task *ts, unsigned n, unsigned m, uint64_t horizon,
	struct rt_result *r)
{
	uint64_t rem[RT_MAX_TASKS] = { 0 }, dl[RT_MAX_TASKS] = { 0 }, h = hyperperiod(ts, n);
	bool run[RT_MAX_TASKS];

	*r = (struct rt_result){ 0 };
	for (uint64_t now = 0;; now++) {
		for (unsigned i = 0; i < n; i++)
			if (rem[i] && dl[i] <= now) {
				r->miss = true;
				r->task = i;
				r->at = dl[i];
				r->end = now;
				return;
			}
		if (now == h) {
			r->end = h;
			return;
		}
		if (now == horizon) {
			r->capped = true;
			r->end = horizon;
			return;
		}
		for (unsigned i = 0; i < n; i++)
			if (now % ts[i].t == 0) {
				assert_int_equal(rem[i], 0);
				rem[i] = ts[i].c;
				dl[i] = now + ts[i].d;
			}
		for (unsigned i = 0; i < n; i++) {
			unsigned ahead = 0;

			for (unsigned j = 0; j < n && ahead < m; j++)
				ahead += rem[j] && (dl[j] < dl[i] || (dl[j] == dl[i] && j < i));
			run[i] = rem[i] && ahead < m;
		}
		for (unsigned i = 0; i < n; i++)
			rem[i] -= run[i];
	}
}

/*
 * Random sets of up to 12 tasks with periods 1..10 (hyperperiod <= 2520) and U <= 1.1 m,
 * on m = 4 and m = 2 CPUs, over the hyperperiod or a random shorter horizon, against the
 * unit-step simulation: the same miss, task, at, end and capped. With n <= m every job has
 * a CPU of its own and none misses.
 */
static void random_gedf_matches_unit_steps(void **state)
{
	(void)state;
	unsigned misses[2] = { 0 }, capped = 0, sets = 5000;

	for (unsigned k = 0; k < sets; k++) {
		struct rt_task ts[12];
		unsigned n = rnd(1, 12);
		uint64_t h, load = 0;

		for (unsigned i = 0; i < n; i++) {
			ts[i].t = rnd(1, 10);
			ts[i].d = rnd(1, (unsigned)ts[i].t);
			ts[i].c = rnd(1, (unsigned)ts[i].d);
			ts[i].prio = 0;
		}
		h = hyperperiod(ts, n);
		for (unsigned i = 0; i < n; i++)
			load += h / ts[i].t * ts[i].c;
		if (10 * load > 44 * h) { /* U <= 4.4 */
			k--;
			continue;
		}
		for (unsigned m = 4; m >= 2; m -= 2) {
			uint64_t hz = rnd(0, 1) ? h : rnd(0, (unsigned)h);
			struct rt_result r, u;

			assert_int_equal(rt_sim_gedf(ts, n, m, hz, &r), 0);
			gedf_unit_steps(ts, n, m, hz, &u);
			assert_int_equal(r.miss, u.miss);
			assert_int_equal(r.capped, u.capped);
			assert_int_equal(r.end, u.end);
			if (u.miss) {
				assert_int_equal(r.task, u.task);
				assert_int_equal(r.at, u.at);
			}
			if (n <= m)
				assert_false(r.miss);
			misses[m == 2] += r.miss;
			capped += r.capped;
		}
	}
	print_message("%u sets: %u misses on 4 CPUs, %u on 2 (%u capped runs)\n", sets,
		misses[0], misses[1], capped);
	assert_true(misses[0] > sets / 10 && misses[0] < sets * 9 / 10);
	assert_true(misses[1] > sets / 10 && misses[1] < sets * 9 / 10);
}

/*
 * Global fixed priority on 2 CPUs, by hand. A = (c 1, t = d 2), B = (1, 2), C = (3, 4);
 * hyperperiod 4.
 *
 * C lowest (prios 3, 2, 1): [0, 1] A and B run and complete; [1, 2] only C is pending and a
 * job runs on one CPU, so C runs alone (2 left), one CPU idles. At 2 A and B release and
 * take both CPUs over C: [2, 3] A, B; [3, 4] C runs, 1 left at its deadline 4: C (task 2)
 * misses at 4. All prios equal: the ties go to the lower index, the same order and the same
 * miss.
 *
 * C highest (prios 2, 1, 3): [0, 1] C and A; [1, 2] C and B (A done); at 2 A and B release,
 * C has 1 left: [2, 3] C and A complete; [3, 4] B completes by its deadline 4. At 4 nothing
 * is pending and every task releases: the hyperperiod, no miss, end 4. With horizon 3 the
 * next event after 3 (4) is past it: capped, end 3.
 */
static void gfp_hand_computed(void **state)
{
	(void)state;
	const struct rt_task low[] = { P(1, 2, 2, 3), P(1, 2, 2, 2), P(3, 4, 4, 1) };
	const struct rt_task ties[] = { P(1, 2, 2, 0), P(1, 2, 2, 0), P(3, 4, 4, 0) };
	const struct rt_task high[] = { P(1, 2, 2, 2), P(1, 2, 2, 1), P(3, 4, 4, 3) };
	struct rt_result r;

	assert_int_equal(rt_sim_gfp(low, 3, 2, 1000, &r), 0);
	assert_true(r.miss);
	assert_false(r.capped);
	assert_int_equal(r.task, 2);
	assert_int_equal(r.at, 4);
	assert_int_equal(r.end, 4);

	assert_int_equal(rt_sim_gfp(ties, 3, 2, 1000, &r), 0);
	assert_true(r.miss);
	assert_int_equal(r.task, 2);
	assert_int_equal(r.at, 4);

	assert_int_equal(rt_sim_gfp(high, 3, 2, 1000, &r), 0);
	assert_false(r.miss);
	assert_false(r.capped);
	assert_int_equal(r.end, 4);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(r.resp[i], 0);

	assert_int_equal(rt_sim_gfp(high, 3, 2, 3, &r), 0);
	assert_false(r.miss);
	assert_true(r.capped);
	assert_int_equal(r.end, 3);

	/* Bad input as for global EDF. */
	assert_int_equal(rt_sim_gfp(high, 3, 0, 1000, &r), -1);
	assert_int_equal(rt_sim_gfp(high, 3, RT_MAX_CPUS + 1, 1000, &r), -1);
	assert_int_equal(rt_sim_gfp(NULL, 3, 2, 1000, &r), -1);
}

/*
 * m = 1: global fixed priority is fixed priority. Over the hyperperiod miss/task/at agree
 * with rt_sim_fp (see rt_oracle.h); without a miss global fixed priority ends at the
 * hyperperiod. Prios from a small range, so that ties (broken by index) are common.
 */
static void random_gfp_one_cpu_is_fp(void **state)
{
	(void)state;
	unsigned misses = 0, sets = 5000;

	for (unsigned k = 0; k < sets; k++) {
		struct rt_task ts[8];
		unsigned n = rnd(1, 6);
		uint64_t h, load = 0;

		for (unsigned i = 0; i < n; i++) {
			ts[i].t = rnd(1, 12);
			ts[i].d = rnd(1, (unsigned)ts[i].t);
			ts[i].c = rnd(1, (unsigned)ts[i].d > 3 ? 3 : (unsigned)ts[i].d);
			ts[i].prio = rnd(0, 3);
		}
		h = hyperperiod(ts, n);
		for (unsigned i = 0; i < n; i++)
			load += h / ts[i].t * ts[i].c;
		if (10 * load > 12 * h) { /* U <= 1.2 */
			k--;
			continue;
		}

		struct rt_result f, g;

		assert_int_equal(rt_sim_fp(ts, n, h, &f), 0);
		assert_int_equal(rt_sim_gfp(ts, n, 1, h, &g), 0);
		assert_false(g.capped);
		assert_int_equal(g.miss, f.miss);
		if (f.miss) {
			assert_int_equal(g.task, f.task);
			assert_int_equal(g.at, f.at);
			assert_int_equal(g.end, f.at);
		} else {
			assert_false(f.capped);
			assert_int_equal(g.end, h);
		}
		misses += f.miss;
	}
	print_message("%u sets on one CPU under fixed priority: %u misses\n", sets, misses);
	assert_true(misses > sets / 10 && misses < sets * 9 / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(edf_hand_computed),
		cmocka_unit_test(fp_hand_computed),
		cmocka_unit_test(horizon_caps),
		cmocka_unit_test(bad_input_is_refused),
		cmocka_unit_test(random_sets_match_the_references),
		cmocka_unit_test(gedf_dhall),
		cmocka_unit_test(gedf_global_only),
		cmocka_unit_test(gedf_miss_after_idle),
		cmocka_unit_test(gedf_one_cpu_is_edf),
		cmocka_unit_test(random_gedf_one_cpu_is_edf),
		cmocka_unit_test(random_gedf_matches_unit_steps),
		cmocka_unit_test(gfp_hand_computed),
		cmocka_unit_test(random_gfp_one_cpu_is_fp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
