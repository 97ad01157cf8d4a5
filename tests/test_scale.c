/* SPDX-License-Identifier: MIT */
/*
 * test_scale - the simulator's build of libsched (SCHED_MAX_CPUS = meson option
 * sim_max_cpus, 1024 by default): CPU masks past the first word, and a thread whose
 * affinity is one CPU above 63 runs there and nowhere else.
 */
#include "simtest.h"

#define FAR_CPU 700 /* in the eleventh mask word */

static sched_cpumask_t only(unsigned cpu)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, cpu);
	return m;
}

static void masks_work_past_the_first_word(void **state)
{
	sched_cpumask_t a = only(FAR_CPU), b, all;

	(void)state;
	assert_true(SCHED_MAX_CPUS >= 1024);
	assert_true(sched_cpumask_test(&a, FAR_CPU));
	assert_false(sched_cpumask_test(&a, FAR_CPU % 64)); /* same bit, first word */
	assert_false(sched_cpumask_test(&a, SCHED_MAX_CPUS)); /* out of range: false */
	assert_int_equal(sched_cpumask_next(&a, 0), FAR_CPU);
	assert_int_equal(sched_cpumask_next(&a, FAR_CPU), FAR_CPU);
	assert_int_equal(sched_cpumask_next(&a, FAR_CPU + 1), SCHED_MAX_CPUS);
	sched_cpumask_set(&a, SCHED_MAX_CPUS - 1);
	assert_int_equal(sched_cpumask_next(&a, FAR_CPU + 1), SCHED_MAX_CPUS - 1);

	sched_cpumask_fill(&all, FAR_CPU + 1); /* CPUs 0 .. 700 */
	assert_true(sched_cpumask_test(&all, FAR_CPU));
	assert_false(sched_cpumask_test(&all, FAR_CPU + 1));
	assert_false(sched_cpumask_subset(&a, &all)); /* the last CPU is outside */
	sched_cpumask_trim(&a, FAR_CPU + 1);
	assert_int_equal(sched_cpumask_next(&a, FAR_CPU + 1), SCHED_MAX_CPUS);
	assert_true(sched_cpumask_subset(&a, &all));
	b = only(63);
	assert_false(sched_cpumask_intersects(&a, &b));
	sched_cpumask_unset(&a, FAR_CPU);
	assert_true(sched_cpumask_empty(&a));
	sched_cpumask_fill(&all, SCHED_MAX_CPUS);
	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++)
		assert_true(all.w[i] == ~0ull);
}

/* No CPU but FAR_CPU runs a or b. O(CPUs). */
static void only_on_far_cpu(struct sim *sim, struct sim_thread *a, struct sim_thread *b)
{
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (c != FAR_CPU && (running_on(sim, c) == a || running_on(sim, c) == b))
			fail_msg("CPU %u runs a thread allowed only CPU %u", c, FAR_CPU);
}

static void affinity_to_cpu_700_runs_only_there(void **state)
{
	struct sim *sim = machine(1024, 1);
	sched_cpumask_t far = only(FAR_CPU);
	struct sched_thread_params p = { .affinity = &far };
	struct sim_thread *a, *b, *other[8];

	(void)state;
	a = sim_thread_new(sim, &p); /* given at creation */
	assert_non_null(a);
	b = hand_thread(sim, 0, 0, NULL); /* and set after */
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&b->st), &far), 0);
	for (unsigned i = 0; i < 8; i++)
		other[i] = hand_thread(sim, 0, 0, NULL);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(wake_from(sim, 1, b), 0);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(wake_from(sim, i, other[i]), 0);
	for (unsigned step = 0; step < 20; step++) {
		advance(sim, 1 * MS);
		only_on_far_cpu(sim, a, b);
		assert_true(running_on(sim, FAR_CPU) == a || running_on(sim, FAR_CPU) == b);
	}
	/* both ran, each on FAR_CPU alone: they shared it */
	assert_true(acct(a, SCHED_ACCT_RUNTIME) > 2 * MS);
	assert_true(acct(b, SCHED_ACCT_RUNTIME) > 2 * MS);
	assert_int_equal(a->st.cpu, FAR_CPU);
	assert_int_equal(b->st.cpu, FAR_CPU);
	sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(masks_work_past_the_first_word),
		cmocka_unit_test(affinity_to_cpu_700_runs_only_there),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
