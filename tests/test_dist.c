// SPDX-License-Identifier: MIT
/*
 * test_dist.c - the variation schedsim draws (arch/sim/dist.c): run lengths stay within
 * their bounds and average their nominal value over many draws (counted, not timed), the
 * streams are the same for the same seed and thread and differ between threads, and the
 * loader and --run-dist refuse every bad value with its key.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dist.h"
#include "workload.h"

#define DRAWS 200000
#define NOMINAL 1000000ull /* a run of 1 ms */

struct sample {
	uint64_t min, max;
	int64_t sum;      /* of the differences to NOMINAL */
	uint64_t sq;      /* of their squares, in us^2 */
	unsigned within_sd; /* draws within one standard deviation of NOMINAL */
};

static struct sample draw_many(struct wl_dist d, uint64_t nominal, uint64_t sd)
{
	struct sample s = { .min = UINT64_MAX };
	uint64_t st = wl_dist_seed(1, 1, 0);

	assert_null(wl_dist_check(&d));
	for (int i = 0; i < DRAWS; i++) {
		uint64_t v = wl_dist_draw(&d, nominal, &st);
		int64_t x = (int64_t)v - (int64_t)nominal;

		s.min = v < s.min ? v : s.min;
		s.max = v > s.max ? v : s.max;
		s.sum += x;
		s.sq += (uint64_t)((x / 1000) * (x / 1000));
		s.within_sd += (uint64_t)(x < 0 ? -x : x) <= sd;
	}
	return s;
}

/* |mean - nominal| <= nominal * per_100k / 100000 */
static void assert_mean_near(const struct sample *s, uint64_t nominal, int64_t per_100k)
{
	int64_t mean = s->sum / DRAWS;

	if (mean < 0)
		mean = -mean;
	assert_true(mean * 100000 <= (int64_t)nominal * per_100k);
}

static void uniform_draws_cover_their_bounds_and_average_the_nominal(void **state)
{
	struct wl_dist d = { .kind = WL_DIST_UNIFORM, .min_pct = 80, .max_pct = 120 };
	struct sample s = draw_many(d, NOMINAL, 0);

	(void)state;
	assert_true(s.min >= 800000 && s.min < 801000);
	assert_true(s.max <= 1200000 && s.max > 1199000);
	assert_mean_near(&s, NOMINAL, 100); /* within 0.1 %: its deviation is about 0.03 % */
}

static void normal_draws_have_their_mean_and_deviation(void **state)
{
	struct wl_dist d = { .kind = WL_DIST_NORMAL, .sd_pct = 10, .min_pct = 50, .max_pct = 150 };
	struct sample s = draw_many(d, NOMINAL, 100000);
	uint64_t var = s.sq / DRAWS; /* us^2: 100 us of deviation is 10000 */

	(void)state;
	assert_true(s.min >= 500000 && s.max <= 1500000);
	assert_mean_near(&s, NOMINAL, 100);
	assert_true(var >= 9500 && var <= 10500);
	/* a normal has 68.3 % within one deviation */
	assert_true(s.within_sd >= DRAWS * 66 / 100 && s.within_sd <= DRAWS * 71 / 100);
}

static void normal_draws_are_clipped_to_their_bounds(void **state)
{
	struct wl_dist d = { .kind = WL_DIST_NORMAL, .sd_pct = 40, .min_pct = 90,
			     .max_pct = 110 };
	struct sample s = draw_many(d, NOMINAL, 400000);

	(void)state;
	assert_int_equal(s.min, 900000);
	assert_int_equal(s.max, 1100000);
	assert_mean_near(&s, NOMINAL, 200); /* symmetric bounds: the mean stays */
}

static void default_bounds_of_a_normal_are_three_deviations(void **state)
{
	struct wl_dist d = { .kind = WL_DIST_NORMAL, .sd_pct = 10 };
	struct wl_dist wide = { .kind = WL_DIST_NORMAL, .sd_pct = 50 };

	(void)state;
	assert_null(wl_dist_check(&d));
	assert_int_equal(d.min_pct, 70);
	assert_int_equal(d.max_pct, 130);
	assert_null(wl_dist_check(&wide));
	assert_int_equal(wide.min_pct, 1);
	assert_int_equal(wide.max_pct, 250);
}

static void fixed_and_tiny_runs(void **state)
{
	struct wl_dist fixed = { .kind = WL_DIST_FIXED };
	struct wl_dist u = { .kind = WL_DIST_UNIFORM, .min_pct = 1, .max_pct = 50 };
	uint64_t st = 7;

	(void)state;
	assert_int_equal(wl_dist_draw(&fixed, 12345, &st), 12345);
	assert_int_equal(st, 7); /* no draw taken */
	for (int i = 0; i < 1000; i++) /* 1 % of 1 ns is 0: a run never vanishes */
		assert_int_equal(wl_dist_draw(&u, 1, &st), 1);
	assert_int_equal(wl_dist_draw(&u, 0, &st), 0);
}

static void upto_is_uniform_and_inclusive(void **state)
{
	unsigned count[10] = { 0 };
	uint64_t st = wl_dist_seed(3, 0, 1);

	(void)state;
	assert_int_equal(wl_dist_upto(&st, 0), 0);
	(void)wl_dist_upto(&st, UINT64_MAX);
	for (int i = 0; i < 100000; i++)
		count[wl_dist_upto(&st, 9)]++;
	for (int v = 0; v < 10; v++)
		assert_true(count[v] > 9500 && count[v] < 10500);
}

static void streams_follow_the_seed_and_the_thread(void **state)
{
	uint64_t a = wl_dist_seed(42, 5, 0), b = wl_dist_seed(42, 5, 0);
	uint64_t other_thread = wl_dist_seed(42, 6, 0), other_stream = wl_dist_seed(42, 5, 1);
	uint64_t other_seed = wl_dist_seed(43, 5, 0);

	(void)state;
	for (int i = 0; i < 100; i++)
		assert_int_equal(wl_dist_next(&a), wl_dist_next(&b));
	assert_int_not_equal(wl_dist_next(&a), wl_dist_next(&other_thread));
	assert_int_not_equal(wl_dist_next(&b), wl_dist_next(&other_stream));
	assert_int_not_equal(wl_dist_seed(42, 5, 0), other_seed);
}

static void run_dist_option_is_parsed_and_printed_back(void **state)
{
	static const char *const bad[] = {
		"", "uniform", "uniform:80", "uniform:80:", "uniform:80:120:", "uniform:-1:2",
		"uniform:0x1:2", "normal", "normal:10:70", "normal:10:70:130:", "gauss:10",
		"uniform:80:1200x", NULL,
	};
	struct wl_dist d;
	char buf[48];

	(void)state;
	assert_null(wl_dist_parse("fixed", &d));
	assert_string_equal(wl_dist_text(&d, buf, sizeof(buf)), "fixed");
	assert_null(wl_dist_parse("uniform:80:120", &d));
	assert_string_equal(wl_dist_text(&d, buf, sizeof(buf)), "uniform:80:120");
	assert_null(wl_dist_parse("normal:10", &d));
	assert_string_equal(wl_dist_text(&d, buf, sizeof(buf)), "normal:10:70:130");
	assert_null(wl_dist_parse("normal:5:50:150", &d));
	assert_string_equal(wl_dist_text(&d, buf, sizeof(buf)), "normal:5:50:150");
	for (int i = 0; bad[i]; i++)
		assert_non_null(wl_dist_parse(bad[i], &d));
	assert_string_equal(wl_dist_parse("uniform:120:80", &d), "min_pct must be <= max_pct");
	assert_string_equal(wl_dist_parse("uniform:0:80", &d),
			    "min_pct and max_pct must be between 1 and 1000");
	assert_string_equal(wl_dist_parse("uniform:1:1001", &d),
			    "min_pct and max_pct must be between 1 and 1000");
	assert_string_equal(wl_dist_parse("normal:101", &d), "sd_pct must be between 0 and 100");
	assert_string_equal(wl_dist_parse("normal:10:110:130", &d),
			    "min_pct <= 100 <= max_pct: the mean is the nominal value");
}

static char err[512];

static int load(const char *text, struct workload *w)
{
	char *json = strdup(text);
	int r;

	assert_non_null(json);
	for (char *p = json; *p; p++)
		if (*p == '\'')
			*p = '"';
	r = wl_load_string("test.json", json, w, err, sizeof(err));
	free(json);
	return r;
}

static void rejected(const char *libsched, const char *events, const char *message)
{
	char text[1024];
	struct workload w;

	snprintf(text, sizeof(text), "{'tasks': {'t': {\n'libsched': {%s},\n%s}}}", libsched,
		 events);
	assert_int_equal(load(text, &w), -1);
	assert_string_equal(err, message);
}

static void variation_keys_are_read(void **state)
{
	struct workload w;

	(void)state;
	assert_int_equal(load("{'tasks': {'t': {'libsched': {'run_dist': {'kind': 'normal', "
			      "'sd_pct': 10, 'min_pct': 50, 'max_pct': 150}, "
			      "'release_offset_us': 500, 'jitter_us': 200.5}, 'run': 1000, "
			      "'timer': {'ref': 'x', 'period': 10000}}}}", &w), 0);
	assert_int_equal(w.tasks[0].run_dist.kind, WL_DIST_NORMAL);
	assert_int_equal(w.tasks[0].run_dist.sd_pct, 10);
	assert_int_equal(w.tasks[0].run_dist.min_pct, 50);
	assert_int_equal(w.tasks[0].run_dist.max_pct, 150);
	assert_int_equal(w.tasks[0].release_offset_ns, 500000);
	assert_int_equal(w.tasks[0].jitter_ns, 200500);
	wl_free(&w);
}

static void variation_keys_are_checked(void **state)
{
	const char *run = "'run': 1000";

	(void)state;
	rejected("'run_dist': 3", run,
		 "test.json:2: key 'run_dist': expected an object, got a number");
	rejected("'run_dist': {'min_pct': 50}", run,
		 "test.json:2: key 'run_dist': needs a \"kind\"");
	rejected("'run_dist': {'kind': 'gauss'}", run,
		 "test.json:2: key 'kind': expected \"fixed\", \"uniform\" or \"normal\", "
		 "got \"gauss\"");
	rejected("'run_dist': {'kind': 'uniform', 'min_pct': 50}", run,
		 "test.json:2: key 'run_dist': a uniform needs min_pct and max_pct");
	rejected("'run_dist': {'kind': 'uniform', 'min_pct': 150, 'max_pct': 50}", run,
		 "test.json:2: key 'run_dist': min_pct must be <= max_pct");
	rejected("'run_dist': {'kind': 'uniform', 'min_pct': 0, 'max_pct': 50}", run,
		 "test.json:2: key 'min_pct': must be between 1 and 1000, got 0");
	rejected("'run_dist': {'kind': 'uniform', 'min_pct': 50, 'max_pct': 1001}", run,
		 "test.json:2: key 'max_pct': must be between 1 and 1000, got 1001");
	rejected("'run_dist': {'kind': 'uniform', 'min_pct': 50, 'max_pct': 150, 'sd_pct': 3}",
		 run, "test.json:2: key 'run_dist': sd_pct is for \"normal\" only");
	rejected("'run_dist': {'kind': 'normal'}", run,
		 "test.json:2: key 'run_dist': a normal needs sd_pct");
	rejected("'run_dist': {'kind': 'normal', 'sd_pct': 101}", run,
		 "test.json:2: key 'sd_pct': must be between 0 and 100, got 101");
	rejected("'run_dist': {'kind': 'normal', 'sd_pct': 10, 'min_pct': 110}", run,
		 "test.json:2: key 'run_dist': min_pct <= 100 <= max_pct: the mean is the "
		 "nominal value");
	rejected("'run_dist': {'kind': 'normal', 'sd_pct': 1.5}", run,
		 "test.json:2: key 'sd_pct': expected an integer, got 1.5");
	rejected("'run_dist': {'kind': 'fixed', 'mean': 3}", run,
		 "test.json:2: key 'mean': unknown key in \"run_dist\" (known: kind, min_pct, "
		 "max_pct, sd_pct)");
	rejected("'run_dist': {'kind': 'fixed', 'kind': 'fixed'}", run,
		 "test.json:2: key 'kind': repeated (first at line 2)");
	rejected("'run_dist': {'kind': 'fixed'}", "'sleep': 1000",
		 "test.json:2: key 'run_dist': task 't' has no \"run\" event to vary");
	rejected("'jitter_us': 10", run,
		 "test.json:2: key 'jitter_us': task 't' has no \"timer\" event: jitter delays "
		 "its ticks");
	rejected("'jitter_us': -1", run,
		 "test.json:2: key 'jitter_us': must not be negative, got -1");
	rejected("'release_offset_us': 'x'", run,
		 "test.json:2: key 'release_offset_us': expected a number of microseconds, got a "
		 "string");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uniform_draws_cover_their_bounds_and_average_the_nominal),
		cmocka_unit_test(normal_draws_have_their_mean_and_deviation),
		cmocka_unit_test(normal_draws_are_clipped_to_their_bounds),
		cmocka_unit_test(default_bounds_of_a_normal_are_three_deviations),
		cmocka_unit_test(fixed_and_tiny_runs),
		cmocka_unit_test(upto_is_uniform_and_inclusive),
		cmocka_unit_test(streams_follow_the_seed_and_the_thread),
		cmocka_unit_test(run_dist_option_is_parsed_and_printed_back),
		cmocka_unit_test(variation_keys_are_read),
		cmocka_unit_test(variation_keys_are_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
