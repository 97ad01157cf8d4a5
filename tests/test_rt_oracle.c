/* SPDX-License-Identifier: MIT */
/*
 * test_rt_oracle.c - the EDF and fixed-priority simulations (rt_oracle.c) on hand-computed
 * task sets, then on random small task sets against independent references: the processor
 * demand criterion and the synchronous busy period for EDF, a unit-step EDF simulation,
 * and the response-time fixed point for fixed priority.
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

static void bad_input_is_refused(void **state)
{
	(void)state;
	struct rt_task ts[RT_MAX_TASKS + 1];
	struct rt_result r;

	for (unsigned i = 0; i <= RT_MAX_TASKS; i++)
		ts[i] = (struct rt_task)T(1, 1000, 1000);
	for (int fp_ = 0; fp_ < 2; fp_++) {
		int (*sim)(const struct rt_task *, unsigned, uint64_t, struct rt_result *) =
			fp_ ? rt_sim_fp : rt_sim_edf;

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(edf_hand_computed),
		cmocka_unit_test(fp_hand_computed),
		cmocka_unit_test(horizon_caps),
		cmocka_unit_test(bad_input_is_refused),
		cmocka_unit_test(random_sets_match_the_references),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
