/* SPDX-License-Identifier: MIT */
/*
 * test_fluid.c - the ideal fluid shares (fluid.c) on hand-computed cases: equal threads,
 * nice weights with the one-CPU cap, group effective weights, affinity, bad input.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fluid.h"

#define ALL(cpus) ((cpus) >= 64 ? ~0ull : (1ull << (cpus)) - 1)

/* Every rate within 1e-6 of its expected value. */
static void expect(unsigned nr_cpus, const struct fluid_thread *t, unsigned n,
	const double *want)
{
	double rate[FLUID_MAX_THREADS];

	assert_int_equal(fluid_rates(nr_cpus, t, n, rate), 0);
	for (unsigned i = 0; i < n; i++)
		if (fabs(rate[i] - want[i]) > 1e-6)
			fail_msg("%u threads on %u CPUs: thread %u got %.9f, want %.9f", n, nr_cpus,
				i, rate[i], want[i]);
}

static void expect_equal(unsigned n, unsigned nr_cpus, double share)
{
	struct fluid_thread t[FLUID_MAX_THREADS];
	double want[FLUID_MAX_THREADS];

	for (unsigned i = 0; i < n; i++) {
		t[i] = (struct fluid_thread){ .weight = 1024, .cpus = ALL(nr_cpus) };
		want[i] = share;
	}
	expect(nr_cpus, t, n, want);
}

static void equal_threads_share_the_cpus(void **state)
{
	(void)state;
	expect_equal(3, 2, 2.0 / 3);
	expect_equal(5, 2, 0.4);
	expect_equal(5, 4, 0.8);
	expect_equal(7, 4, 4.0 / 7);
	expect_equal(9, 8, 8.0 / 9);
	expect_equal(65, 64, 64.0 / 65);
	expect_equal(4, 2, 0.5);
	expect_equal(1, 4, 1.0); /* one thread gets no more than one CPU */
}

static void nice_weights_share_in_proportion_below_the_cap(void **state)
{
	/* nice -5, 0, 0, 5, 10: the first would get more than a CPU, the rest share one. */
	const struct fluid_thread a[] = { { 3121, 3 }, { 1024, 3 }, { 1024, 3 }, { 335, 3 },
		{ 110, 3 } };
	const double want_a[] = { 1.0, 1024.0 / 2493, 1024.0 / 2493, 335.0 / 2493,
		110.0 / 2493 };
	/* No thread reaches the cap: all in proportion over both CPUs. */
	const struct fluid_thread b[] = { { 1024, 3 }, { 1024, 3 }, { 335, 3 } };
	const double want_b[] = { 2 * 1024.0 / 2383, 2 * 1024.0 / 2383, 2 * 335.0 / 2383 };

	(void)state;
	expect(2, a, 5, want_a);
	expect(2, b, 3, want_b);
}

static void group_effective_weights(void **state)
{
	/* One thread of 1024 next to a group of five sharing 1024 (205 each) on 4 CPUs: the
	 * thread is capped at 1, the group shares the other 3 CPUs. */
	struct fluid_thread t[6] = { { 1024, 15 } };
	double want[6] = { 1.0 };

	(void)state;
	for (int i = 1; i < 6; i++) {
		t[i] = (struct fluid_thread){ 205, 15 };
		want[i] = 205 * (3.0 / (5 * 205));
	}
	expect(4, t, 6, want);
}

static void affinity(void **state)
{
	/* A, B, C on {0, 1}, D, E on {0, 1, 2}: 1.8 fits on CPUs 0-1, so all get 3/5. */
	const struct fluid_thread a[] = { { 1024, 3 }, { 1024, 3 }, { 1024, 3 }, { 1024, 7 },
		{ 1024, 7 } };
	const double want_a[] = { 0.6, 0.6, 0.6, 0.6, 0.6 };
	/* A, B pinned to CPU 0, C free on 2 CPUs: C gets CPU 1 to itself. */
	const struct fluid_thread b[] = { { 1024, 1 }, { 1024, 1 }, { 1024, 3 } };
	const double want_b[] = { 0.5, 0.5, 1.0 };
	/* A, B, C pinned to CPU 0, D free: the pinned ones are slower than an equal share. */
	const struct fluid_thread c[] = { { 1024, 1 }, { 1024, 1 }, { 1024, 1 }, { 1024, 3 } };
	const double want_c[] = { 1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 };
	/* A, B, C pinned to CPU 0, D, E on {0, 1}: CPU 0 is a bottleneck, D, E share CPU 1. */
	const struct fluid_thread d[] = { { 1024, 1 }, { 1024, 1 }, { 1024, 1 }, { 1024, 3 },
		{ 1024, 3 } };
	const double want_d[] = { 1.0 / 3, 1.0 / 3, 1.0 / 3, 0.5, 0.5 };

	(void)state;
	expect(3, a, 5, want_a);
	expect(2, b, 3, want_b);
	expect(2, c, 4, want_c);
	expect(2, d, 5, want_d);
}

static void bad_input_is_refused(void **state)
{
	struct fluid_thread t[FLUID_MAX_THREADS + 1];
	double rate[FLUID_MAX_THREADS + 1];

	(void)state;
	for (unsigned i = 0; i <= FLUID_MAX_THREADS; i++)
		t[i] = (struct fluid_thread){ 1024, 1 };
	assert_int_equal(fluid_rates(2, t, 0, rate), -1);
	assert_int_equal(fluid_rates(2, t, FLUID_MAX_THREADS + 1, rate), -1);
	assert_int_equal(fluid_rates(2, t, FLUID_MAX_THREADS, rate), 0);
	assert_int_equal(fluid_rates(0, t, 1, rate), -1);
	assert_int_equal(fluid_rates(65, t, 1, rate), -1);
	t[1].weight = 0;
	assert_int_equal(fluid_rates(2, t, 2, rate), -1);
	t[1] = (struct fluid_thread){ 1024, 0 };
	assert_int_equal(fluid_rates(2, t, 2, rate), -1);
	t[1].cpus = 4; /* CPU 2 of 2 */
	assert_int_equal(fluid_rates(2, t, 2, rate), -1);
	assert_int_equal(fluid_rates(3, t, 2, rate), 0);
	t[1].cpus = 1ull << 63;
	assert_int_equal(fluid_rates(64, t, 2, rate), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(equal_threads_share_the_cpus),
		cmocka_unit_test(nice_weights_share_in_proportion_below_the_cap),
		cmocka_unit_test(group_effective_weights),
		cmocka_unit_test(affinity),
		cmocka_unit_test(bad_input_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
