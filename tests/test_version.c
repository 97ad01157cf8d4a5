/* SPDX-License-Identifier: MIT */
/*
 * test_version.c - two small public lookups: sched_version() and the SCHED_VERSION_*
 * macros against project()'s version (PROJECT_VERSION, from meson), and
 * sched_nice_to_weight() over its whole range and just outside it.
 */
#include <sched/sched.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void version_matches_the_project(void **state)
{
	char built[32];

	(void)state;
	assert_string_equal(sched_version(), PROJECT_VERSION);
	assert_string_equal(SCHED_VERSION_STRING, PROJECT_VERSION);
	snprintf(built, sizeof(built), "%d.%d.%d", SCHED_VERSION_MAJOR, SCHED_VERSION_MINOR,
		 SCHED_VERSION_PATCH);
	assert_string_equal(built, PROJECT_VERSION);
	assert_true(SCHED_VERSION_AT_LEAST(SCHED_VERSION_MAJOR, SCHED_VERSION_MINOR,
					   SCHED_VERSION_PATCH));
	assert_true(SCHED_VERSION_AT_LEAST(0, 0, 0));
	assert_false(SCHED_VERSION_AT_LEAST(SCHED_VERSION_MAJOR + 1, 0, 0));
}

static void nice_to_weight_table(void **state)
{
	(void)state;
	/* the ends and the middle of Linux's sched_prio_to_weight */
	assert_int_equal(sched_nice_to_weight(SCHED_NICE_MIN), 88761);
	assert_int_equal(sched_nice_to_weight(-1), 1277);
	assert_int_equal(sched_nice_to_weight(0), 1024);
	assert_int_equal(sched_nice_to_weight(1), 820);
	assert_int_equal(sched_nice_to_weight(SCHED_NICE_MAX), 15);
	/* strictly decreasing, each step about x1.25 (within the table's rounding) */
	for (int nice = SCHED_NICE_MIN; nice < SCHED_NICE_MAX; nice++) {
		int w = sched_nice_to_weight(nice), next = sched_nice_to_weight(nice + 1);

		assert_true(next > 0 && w > next);
		assert_in_range(w * 100 / next, 118, 132);
	}
}

static void nice_to_weight_refuses_out_of_range(void **state)
{
	static const int bad[] = { SCHED_NICE_MIN - 1, SCHED_NICE_MAX + 1, -1000, 1000,
				   INT_MIN, INT_MAX };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sched_nice_to_weight(bad[i]), -SCHED_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(version_matches_the_project),
		cmocka_unit_test(nice_to_weight_table),
		cmocka_unit_test(nice_to_weight_refuses_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
