// SPDX-License-Identifier: MIT
/*
 * test_workload.c - specification of schedsim's JSON parser and rt-app workload loader,
 * and of the simulator's job-level deadline accounting of periodic tasks.
 *
 * Inline workloads are written with single quotes for readability; load() turns them
 * into double quotes before parsing. Each line of a workload is its own string literal,
 * so the line numbers asserted in error messages can be counted on the page.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "sim.h"
#include "workload.h"

static char err[512];

static char *dequote(const char *text)
{
	char *s = strdup(text);

	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

static int load(const char *text, struct workload *w)
{
	char *json = dequote(text);
	int r = wl_load_string("test.json", json, w, err, sizeof(err));

	free(json);
	return r;
}

static void load_ok(const char *text, struct workload *w)
{
	if (load(text, w) != 0)
		fail_msg("unexpected rejection: %s", err);
}

/* A rejected workload gives exactly `message`, and leaves nothing allocated in w. */
static void assert_rejected(const char *text, const char *message)
{
	struct workload w;

	assert_int_equal(load(text, &w), -1);
	assert_string_equal(err, message);
	assert_null(w.tasks);
	assert_int_equal(w.nr_tasks, 0);
}

static struct json_value *parse(const char *text, struct json_error *e)
{
	char *json = dequote(text);
	struct json_value *v = json_parse(json, e);

	free(json);
	return v;
}

static const struct wl_event *event(const struct workload *w, size_t task, size_t phase,
				    size_t ev)
{
	assert_true(task < w->nr_tasks);
	assert_true(phase < w->tasks[task].nr_phases);
	assert_true(ev < w->tasks[task].phases[phase].nr_events);
	return &w->tasks[task].phases[phase].events[ev];
}

/* ---- json parser ---- */

static void json_nested_objects_and_arrays_form_a_tree(void **state)
{
	struct json_error e;
	struct json_value *v = parse("{ 'a': [1, { 'b': [true, false, null] }, 'x'], 'c': {} }",
				     &e);
	const struct json_value *a, *b;

	(void)state;
	assert_non_null(v);
	assert_int_equal(v->type, JSON_OBJECT);
	assert_int_equal(v->len, 2);
	assert_string_equal(v->members[0].key, "a");
	a = &v->members[0].value;
	assert_int_equal(a->type, JSON_ARRAY);
	assert_int_equal(a->len, 3);
	assert_int_equal(a->items[0].integer, 1);
	assert_string_equal(a->items[1].members[0].key, "b");
	b = &a->items[1].members[0].value;
	assert_int_equal(b->len, 3);
	assert_int_equal(b->items[0].type, JSON_BOOL);
	assert_true(b->items[0].boolean);
	assert_false(b->items[1].boolean);
	assert_int_equal(b->items[2].type, JSON_NULL);
	assert_string_equal(a->items[2].string, "x");
	assert_int_equal(v->members[1].value.type, JSON_OBJECT);
	assert_int_equal(v->members[1].value.len, 0);
	json_free(v);
}

static void json_string_escapes_are_decoded_to_utf8(void **state)
{
	struct json_error e;
	struct json_value *v = json_parse(
		"\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t e\\u00e9 \\u20ac \\ud83d\\ude00\"", &e);

	(void)state;
	assert_non_null(v);
	assert_string_equal(v->string,
			    "q\" b\\ s/ \b\f\n\r\t e\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	json_free(v);
}

static void json_values_and_members_record_their_source_line(void **state)
{
	struct json_error e;
	struct json_value *v = parse("{\n"
				     "  'a': 1,\n"
				     "  // comment\n"
				     "  /* block\n"
				     "     comment */ 'b':\n"
				     "     [\n"
				     "       2,\n"
				     "     ]\n"
				     "}\n",
				     &e);

	(void)state;
	assert_non_null(v);
	assert_int_equal(v->line, 1);
	assert_int_equal(v->members[0].line, 2);
	assert_int_equal(v->members[1].line, 5);
	assert_int_equal(v->members[1].value.line, 6);
	assert_int_equal(v->members[1].value.items[0].line, 7);
	json_free(v);
}

static void json_numbers_keep_an_integer_flag(void **state)
{
	struct json_error e;
	struct json_value *v = parse("[0, -42, 1.5, 1e3, -2.5E-1, 9223372036854775807, "
				     "99999999999999999999]", &e);

	(void)state;
	assert_non_null(v);
	assert_true(v->items[0].is_int);
	assert_int_equal(v->items[1].integer, -42);
	assert_true(v->items[1].is_int);
	assert_false(v->items[2].is_int);
	assert_true(v->items[2].number == 1.5);
	assert_false(v->items[3].is_int);
	assert_true(v->items[3].number == 1000.0);
	assert_true(v->items[4].number == -0.25);
	assert_true(v->items[5].is_int);
	assert_true(v->items[5].integer == INT64_MAX);
	/* too big for int64: still a number, but not an integer */
	assert_false(v->items[6].is_int);
	assert_true(v->items[6].number > 9.9e19);
	json_free(v);
}

static void json_repeated_keys_are_kept_in_file_order(void **state)
{
	struct json_error e;
	struct json_value *v = parse("{ 'k': 1, 'x': 2, 'k': 3 }", &e);

	(void)state;
	assert_non_null(v);
	assert_int_equal(v->len, 3);
	assert_string_equal(v->members[0].key, "k");
	assert_string_equal(v->members[2].key, "k");
	assert_int_equal(v->members[0].value.integer, 1);
	assert_int_equal(v->members[2].value.integer, 3);
	json_free(v);
}

static void json_trailing_commas_are_accepted(void **state)
{
	struct json_error e;
	struct json_value *v = parse("{ 'a': [1, 2,], 'b': {'c': 1,}, }", &e);

	(void)state;
	assert_non_null(v);
	assert_int_equal(v->len, 2);
	assert_int_equal(v->members[0].value.len, 2);
	json_free(v);
}

/* rt-app's workgen fills in a "suspend" written without a value; no other key may be bare. */
static void json_bare_suspend_key_is_accepted(void **state)
{
	struct json_error e;
	struct json_value *v = parse("{ 'suspend', 'run': 1,\n 'suspend1' }", &e);

	(void)state;
	assert_non_null(v);
	assert_int_equal(v->len, 3);
	assert_true(v->members[0].bare);
	assert_int_equal(v->members[0].value.type, JSON_NULL);
	assert_false(v->members[1].bare);
	assert_true(v->members[2].bare);
	assert_int_equal(v->members[2].value.line, 2);
	json_free(v);
	assert_null(parse("{ 'sleep', 'run': 1 }", &e));
	assert_string_equal(e.what, "key 'sleep': unexpected ',', expected ':'");
	assert_null(parse("['suspend', 'suspend' 1]", &e)); /* in an array it is a value */
}

/* A parse error names the line and, inside an object, the key whose value was being read. */
static void json_error_gives_line_and_key(void **state)
{
	struct json_error e;

	(void)state;
	assert_null(parse("{\n"
			  "  'a': 1\n"
			  "  'b': 2\n"
			  "}\n",
			  &e));
	assert_int_equal(e.line, 3);
	assert_string_equal(e.what, "key 'a': unexpected '\"', expected ',' or '}'");

	assert_null(parse("{ 'outer': {\n 'inner': tru } }", &e));
	assert_int_equal(e.line, 2);
	assert_string_equal(e.what, "key 'inner': unexpected 't', expected a value");
}

static void json_unterminated_string_is_reported_on_its_line(void **state)
{
	struct json_error e;

	(void)state;
	assert_null(parse("{\n 'a': 'abc\n }", &e));
	assert_int_equal(e.line, 2);
	assert_string_equal(e.what, "key 'a': unterminated string");
}

static void json_unterminated_comment_is_reported_where_it_starts(void **state)
{
	struct json_error e;

	(void)state;
	assert_null(json_parse("1\n/* never\nclosed\n", &e));
	assert_int_equal(e.line, 2);
	assert_string_equal(e.what, "unterminated /* comment");
}

static void json_rejects_malformed_documents(void **state)
{
	static const char *const bad[] = {
		"", "[1,,2]", "{,}", "[1] 2", "{'a' 1}", "{1: 2}", "01", "1.", "-", "1e",
		"'\\x'", "'\\u12'", "'\\ud800'", "'\\u0000'", "nul", "[1", "{'a': 1",
	};
	struct json_error e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_value *v = parse(bad[i], &e);

		if (v)
			fail_msg("accepted bad JSON: %s", bad[i]);
		assert_int_equal(e.line, 1);
	}
}

static void json_rejects_nesting_deeper_than_64(void **state)
{
	char deep[200];
	struct json_error e;
	struct json_value *v;

	(void)state;
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	deep[128] = '\0';
	v = json_parse(deep, &e);
	assert_non_null(v);
	json_free(v);
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	deep[130] = '\0';
	assert_null(json_parse(deep, &e));
	assert_string_equal(e.what, "nested more than 64 levels deep");
}

/* ---- workloads that load ---- */

static void comments_and_trailing_commas_are_accepted(void **state)
{
	struct workload w;

	(void)state;
	load_ok("// a hog\n"
		"{\n"
		"  /* tasks */ 'tasks': {\n"
		"    'a': { 'run': 10, }, // trailing comma\n"
		"  },\n"
		"}\n",
		&w);
	assert_int_equal(w.nr_tasks, 1);
	assert_int_equal(event(&w, 0, 0, 0)->ns, 10000);
	wl_free(&w);
}

static void task_without_phases_gets_one_phase_named_after_it(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'tasks': { 'hog': { 'run': 5 } } }", &w);
	assert_int_equal(w.tasks[0].nr_phases, 1);
	assert_string_equal(w.tasks[0].phases[0].name, "hog");
	assert_int_equal(w.tasks[0].phases[0].loop, 1);
	assert_int_equal(w.tasks[0].phases[0].nr_events, 1);
	wl_free(&w);
}

static void task_settings_default_like_rt_app(void **state)
{
	struct workload w;
	const struct wl_task *t;

	(void)state;
	load_ok("{ 'tasks': { 'hog': { 'run': 5 } } }", &w);
	t = &w.tasks[0];
	assert_string_equal(t->name, "hog");
	assert_int_equal(t->instances, 1);
	assert_int_equal(t->loop, -1);
	assert_int_equal(t->delay_ns, 0);
	assert_int_equal(t->cpus, 0);
	assert_int_equal(t->policy, WL_POLICY_OTHER);
	assert_int_equal(t->nice, 0);
	assert_null(t->group);
	assert_int_equal(w.duration_ns, -1);
	wl_free(&w);
}

static void task_settings_are_read(void **state)
{
	struct workload w;
	const struct wl_task *t;

	(void)state;
	load_ok("{ 'tasks': { 'b': { 'instance': 3, 'loop': 7, 'delay': 250,\n"
		"  'policy': 'SCHED_BATCH', 'priority': -20, 'run': 5 } } }",
		&w);
	t = &w.tasks[0];
	assert_int_equal(t->instances, 3);
	assert_int_equal(t->loop, 7);
	assert_int_equal(t->delay_ns, 250000);
	assert_int_equal(t->policy, WL_POLICY_BATCH);
	assert_int_equal(t->nice, -20);
	assert_int_equal(t->line, 1);
	wl_free(&w);
}

static void tasks_keep_file_order(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'tasks': { 'z': { 'run': 1 }, 'a': { 'run': 1 }, 'm': { 'run': 1 } } }",
		&w);
	assert_int_equal(w.nr_tasks, 3);
	assert_string_equal(w.tasks[0].name, "z");
	assert_string_equal(w.tasks[1].name, "a");
	assert_string_equal(w.tasks[2].name, "m");
	wl_free(&w);
}

static void repeated_run_keys_are_kept_in_file_order(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'tasks': { 't': {\n"
		"  'run': 1,\n"
		"  'sleep': 2,\n"
		"  'run': 3\n"
		"} } }",
		&w);
	assert_int_equal(w.tasks[0].phases[0].nr_events, 3);
	assert_int_equal(event(&w, 0, 0, 0)->kind, WL_RUN);
	assert_int_equal(event(&w, 0, 0, 0)->ns, 1000);
	assert_int_equal(event(&w, 0, 0, 0)->line, 2);
	assert_int_equal(event(&w, 0, 0, 1)->kind, WL_SLEEP);
	assert_int_equal(event(&w, 0, 0, 2)->kind, WL_RUN);
	assert_int_equal(event(&w, 0, 0, 2)->ns, 3000);
	assert_int_equal(event(&w, 0, 0, 2)->line, 4);
	wl_free(&w);
}

static void event_keys_match_by_prefix_like_rt_app(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'tasks': { 't': { 'run0': 1, 'sleep1': 2, 'runtime2': 3, 'run_x': 4,\n"
		"  'yield': '', 'timer0': { 'ref': 't', 'period': 5 } } } }",
		&w);
	assert_int_equal(event(&w, 0, 0, 0)->kind, WL_RUN);
	assert_int_equal(event(&w, 0, 0, 1)->kind, WL_SLEEP);
	/* "run" is a prefix of "runtime": the longer name wins */
	assert_int_equal(event(&w, 0, 0, 2)->kind, WL_RUNTIME);
	assert_int_equal(event(&w, 0, 0, 2)->ns, 3000);
	assert_int_equal(event(&w, 0, 0, 3)->kind, WL_RUN);
	assert_int_equal(event(&w, 0, 0, 4)->kind, WL_YIELD);
	assert_int_equal(event(&w, 0, 0, 5)->kind, WL_TIMER);
	wl_free(&w);
}

static void phases_keep_file_order_and_loop_counts(void **state)
{
	struct workload w;
	const struct wl_task *t;

	(void)state;
	load_ok("{ 'tasks': { 't': { 'loop': 2, 'phases': {\n"
		"  'warm': { 'loop': 10, 'run': 1, 'sleep': 9 },\n"
		"  'burst': { 'run': 50 },\n"
		"} } } }",
		&w);
	t = &w.tasks[0];
	assert_int_equal(t->loop, 2);
	assert_int_equal(t->nr_phases, 2);
	assert_string_equal(t->phases[0].name, "warm");
	assert_int_equal(t->phases[0].loop, 10);
	assert_int_equal(t->phases[0].nr_events, 2);
	assert_string_equal(t->phases[1].name, "burst");
	assert_int_equal(t->phases[1].loop, 1);
	assert_int_equal(event(&w, 0, 1, 0)->ns, 50000);
	wl_free(&w);
}

static void timer_mode_defaults_to_relative_and_absolute_is_kept(void **state)
{
	struct workload w;
	const struct wl_event *rel, *abs;

	(void)state;
	load_ok("{ 'tasks': { 't': {\n"
		"  'run': 1,\n"
		"  'timer': { 'ref': 'a', 'period': 10000 },\n"
		"  'timer1': { 'ref': 'b', 'period': 20000, 'mode': 'absolute' },\n"
		"  'timer2': { 'ref': 'c', 'period': 30000, 'mode': 'relative' },\n"
		"} } }",
		&w);
	rel = event(&w, 0, 0, 1);
	abs = event(&w, 0, 0, 2);
	assert_int_equal(rel->kind, WL_TIMER);
	assert_string_equal(rel->ref, "a");
	assert_int_equal(rel->ns, 10000000);
	assert_int_equal(rel->absolute, 0);
	assert_string_equal(abs->ref, "b");
	assert_int_equal(abs->ns, 20000000);
	assert_int_equal(abs->absolute, 1);
	assert_int_equal(event(&w, 0, 0, 3)->absolute, 0);
	wl_free(&w);
}

static void microseconds_become_nanoseconds_rounded_to_nearest(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'tasks': { 't': { 'run': 1.5, 'run1': 0.0004, 'run2': 0.0006, "
		"'sleep': 0, 'runtime': 2.25, 'delay': 0.001, 'run3': 100000 } } }",
		&w);
	assert_int_equal(event(&w, 0, 0, 0)->ns, 1500);
	assert_int_equal(event(&w, 0, 0, 1)->ns, 0);
	assert_int_equal(event(&w, 0, 0, 2)->ns, 1);
	assert_int_equal(event(&w, 0, 0, 3)->ns, 0);
	assert_int_equal(event(&w, 0, 0, 4)->ns, 2250);
	assert_int_equal(event(&w, 0, 0, 5)->ns, 100000000);
	assert_int_equal(w.tasks[0].delay_ns, 1);
	wl_free(&w);
}

static void global_duration_in_seconds_becomes_nanoseconds(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'global': { 'duration': 10 }, 'tasks': { 't': { 'run': 1 } } }", &w);
	assert_true(w.duration_ns == 10000000000LL);
	wl_free(&w);
	load_ok("{ 'global': { 'duration': 0.25 }, 'tasks': { 't': { 'run': 1 } } }", &w);
	assert_true(w.duration_ns == 250000000LL);
	wl_free(&w);
	load_ok("{ 'global': { 'duration': -1 }, 'tasks': { 't': { 'run': 1 } } }", &w);
	assert_true(w.duration_ns == -1);
	wl_free(&w);
}

static void default_policy_applies_to_tasks_without_their_own(void **state)
{
	struct workload w;

	(void)state;
	/* global after tasks on purpose: the default does not depend on file order */
	load_ok("{ 'tasks': { 'a': { 'run': 1 },\n"
		"             'b': { 'policy': 'SCHED_OTHER', 'run': 1 } },\n"
		"  'global': { 'default_policy': 'SCHED_IDLE' } }",
		&w);
	assert_int_equal(w.tasks[0].policy, WL_POLICY_IDLE);
	assert_int_equal(w.tasks[1].policy, WL_POLICY_OTHER);
	wl_free(&w);
}

static void harmless_rt_app_global_keys_are_accepted(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'global': { 'calibration': 'CPU0', 'logdir': './', 'log_basename': 'x',\n"
		"  'log_size': 'file', 'lock_pages': false, 'ftrace': 'main', 'gnuplot': true,\n"
		"  'pi_enabled': false, 'io_device': '/dev/null', 'mem_buffer_size': 1024,\n"
		"  'cumulative_slack': false, 'frag': 1, 'trace_tsc': false },\n"
		"  'tasks': { 't': { 'run': 1 } } }",
		&w);
	assert_int_equal(w.nr_tasks, 1);
	wl_free(&w);
}

static void cpus_array_becomes_a_bitmask(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'tasks': { 'a': { 'cpus': [0, 2, 63], 'run': 1 },\n"
		"             'b': { 'cpus': 5, 'run': 1 } } }",
		&w);
	assert_true(w.tasks[0].cpus == (UINT64_C(1) | UINT64_C(4) | UINT64_C(1) << 63));
	assert_true(w.tasks[1].cpus == UINT64_C(1) << 5);
	wl_free(&w);
}

static void libsched_group_is_kept(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'tasks': { 'a': { 'libsched': { 'group': 'web' }, 'run': 1 } } }", &w);
	assert_string_equal(w.tasks[0].group, "web");
	wl_free(&w);
}

/*
 * As in rt-app, suspend and resume name a condition (and its mutex), not a task: suspend X
 * waits on condition X, resume X wakes whoever waits on it. A bare "suspend" (which
 * rt-app's workgen fills in) or "" is the task's own name. A resume of a name nothing
 * waits on is accepted: it wakes nobody, as in rt-app.
 */
static void suspend_and_resume_name_conditions(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'tasks': {\n"
		"  'waker': { 'run': 1, 'resume': 'sleeper', 'sleep': 10, 'resume1': 'ev' },\n"
		"  'sleeper': { 'suspend': 'sleeper', 'run': 1 },\n"
		"  'bare': { 'suspend', 'run': 1, 'suspend1': '', 'suspend2': 'ev' },\n"
		"  'phased': { 'phases': { 'p': { 'suspend' }, 'q': { 'resume': 'nobody' } } } } }",
		&w);
	assert_int_equal(event(&w, 0, 0, 1)->kind, WL_RESUME);
	assert_string_equal(event(&w, 0, 0, 1)->ref, "sleeper");
	assert_int_equal(event(&w, 1, 0, 0)->kind, WL_SUSPEND);
	assert_string_equal(event(&w, 1, 0, 0)->ref, "sleeper");
	assert_string_equal(event(&w, 2, 0, 0)->ref, "bare");
	assert_string_equal(event(&w, 2, 0, 2)->ref, "bare");
	assert_string_equal(event(&w, 2, 0, 3)->ref, "ev");
	assert_string_equal(event(&w, 3, 0, 1)->ref, "phased"); /* after the 1 us run */
	/* one condition and one mutex per name: bare, ev, nobody, phased, sleeper */
	assert_int_equal(w.nr_conds, 5);
	assert_int_equal(w.nr_mutexes, 5);
	assert_string_equal(w.conds[event(&w, 0, 0, 3)->cond], "ev");
	assert_int_equal(event(&w, 0, 0, 3)->cond, event(&w, 2, 0, 3)->cond);
	assert_string_equal(w.mutexes[event(&w, 1, 0, 0)->mx], "sleeper");
	assert_int_equal(event(&w, 0, 0, 1)->cond, event(&w, 1, 0, 0)->cond);
	wl_free(&w);
	assert_rejected("{ 'tasks': { 't': { 'run': 1, 'suspend': 3 } } }",
			"test.json:1: key 'suspend': expected a string, got a number");
	assert_rejected("{ 'tasks': { 't': { 'run': 1,\n"
			"  'resume': '' } } }",
			"test.json:2: key 'resume': must not be empty");
}

/* A build that runs tests away from the source tree passes -DWORKLOAD_DIR=\"...\". */
static char *example_path(const char *name)
{
	static char path[1024];
#ifdef WORKLOAD_DIR
	snprintf(path, sizeof(path), "%s/%s", WORKLOAD_DIR, name);
#else
	/* next to this source file: works from the directory the compiler ran in */
	const char *slash = strrchr(__FILE__, '/');
	int dir = slash ? (int)(slash - __FILE__) : 1;

	snprintf(path, sizeof(path), "%.*s/workloads/%s", dir, slash ? __FILE__ : ".", name);
#endif
	return path;
}

static void example_hogs_nice_loads(void **state)
{
	struct workload w;

	(void)state;
	if (wl_load_file(example_path("hogs_nice.json"), &w, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(w.duration_ns == 10000000000LL);
	assert_int_equal(w.nr_tasks, 3);
	assert_int_equal(w.tasks[0].nice, 0);
	assert_int_equal(w.tasks[1].nice, 5);
	assert_int_equal(w.tasks[2].nice, -5);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(w.tasks[i].loop, -1);
		assert_int_equal(w.tasks[i].phases[0].nr_events, 1);
		assert_int_equal(event(&w, i, 0, 0)->ns, 100000000);
	}
	wl_free(&w);
}

static void example_sleepers_loads(void **state)
{
	struct workload w;

	(void)state;
	if (wl_load_file(example_path("sleepers.json"), &w, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(w.nr_tasks, 3);
	assert_string_equal(w.tasks[2].name, "periodic");
	assert_int_equal(event(&w, 2, 0, 0)->ns, 1000000);
	assert_int_equal(event(&w, 2, 0, 1)->kind, WL_TIMER);
	assert_int_equal(event(&w, 2, 0, 1)->ns, 10000000);
	wl_free(&w);
}

/* ---- rejections: "FILE:LINE: key 'KEY': what is wrong" ---- */

static void unknown_task_key_is_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': {\n"
			"  'a': {\n"
			"    'run': 1,\n"
			"    'colour': 'red'\n"
			"} } }",
			"test.json:4: key 'colour': unknown key in task");
}

static void fork_of_a_task_schedsim_cannot_fork_is_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': { 'run': 1, 'fork': 'b' } } }",
			"test.json:1: key 'fork': no task named 'b'");
	assert_rejected("{ 'tasks': { 'a': { 'run': 1, 'fork': 'b' },\n"
			"  'b': { 'instance': 0, 'barrier': 'x', 'run': 1 } } }",
			"test.json:1: key 'fork': task 'b' cannot be forked: it meets a barrier "
			"(whose users are counted at load time)");
}

static void join_of_an_unknown_task_is_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': { 'run': 1, 'join': 'b' } } }",
			"test.json:1: key 'join': no task named 'b'");
	assert_rejected("{ 'tasks': { 'a': { 'run': 1, 'reap': 'c' }, 'b': { 'run': 1 } } }",
			"test.json:1: key 'reap': no task named 'c'");
}

static void ipc_wake_needs_ipc(void **state)
{
	struct workload w;

	(void)state;
	assert_rejected("{ 'tasks': { 'a': { 'run': 1, 'libsched': { 'ipc_wake': true } } } }",
			"test.json:1: key 'ipc_wake': it changes how the \"ipc\" handoff is made: "
			"it needs \"ipc\": true");
	load_ok("{ 'tasks': { 'a': { 'run': 1, 'libsched': { 'ipc': true, 'ipc_wake': true } } } }",
		&w);
	assert_true(w.tasks[0].ipc && w.tasks[0].ipc_wake);
	wl_free(&w);
}

static void unmodelled_rt_app_task_key_is_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': { 'run': 1,\n"
			"  'util_min': 100 } } }",
			"test.json:2: key 'util_min': not supported yet");
}

/* SCHED_FIFO and SCHED_RR: "priority" is the realtime priority, 1..99 (default 10, as
 * rt-app), whether the policy comes before or after it or from default_policy. */
static void realtime_policies_take_a_realtime_priority(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'global': { 'default_policy': 'SCHED_RR' }, 'tasks': {\n"
		"  'f': { 'priority': 50, 'policy': 'SCHED_FIFO', 'run': 1 },\n"
		"  'r': { 'priority': 99, 'run': 1 },\n"
		"  'd': { 'policy': 'SCHED_FIFO', 'run': 1 },\n"
		"  'o': { 'policy': 'SCHED_OTHER', 'priority': -5, 'run': 1 } } }", &w);
	assert_int_equal(w.tasks[0].policy, WL_POLICY_FIFO);
	assert_int_equal(w.tasks[0].rt_prio, 50);
	assert_int_equal(w.tasks[0].nice, 0);
	assert_int_equal(w.tasks[1].policy, WL_POLICY_RR);
	assert_int_equal(w.tasks[1].rt_prio, 99);
	assert_int_equal(w.tasks[2].rt_prio, WL_RT_PRIO_DEFAULT);
	assert_int_equal(w.tasks[3].policy, WL_POLICY_OTHER);
	assert_int_equal(w.tasks[3].nice, -5);
	assert_int_equal(w.tasks[3].rt_prio, 0);
	wl_free(&w);
	assert_rejected("{ 'tasks': { 'a': {\n"
			"  'policy': 'SCHED_FIFO',\n"
			"  'priority': 0, 'run': 1 } } }",
			"test.json:3: key 'priority': must be between 1 and 99, got 0");
	assert_rejected("{ 'global': {\n"
			"  'default_policy': 'SCHED_RR' },\n"
			"  'tasks': { 'a': { 'run': 1,\n"
			"  'priority': 100 } } }",
			"test.json:4: key 'priority': must be between 1 and 99, got 100");
	assert_rejected("{ 'tasks': { 'a': { 'priority': 50,\n"
			"  'policy': 'SCHED_OTHER', 'run': 1 } } }",
			"test.json:1: key 'priority': must be between -20 and 19, got 50");
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_FOO', 'run': 1 } } }",
			"test.json:1: key 'policy': unknown policy 'SCHED_FOO' "
			"(expected SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE, SCHED_FIFO "
			"or SCHED_RR)");
}

/* --- mutexes, condition variables and barriers ----------------------------------------- */

/* rt-app's events, read in file order with their resources: one per name and kind. */
static void mutex_condition_and_barrier_events_are_read(void **state)
{
	struct workload w;
	const struct wl_event *ev;

	(void)state;
	load_ok("{ 'tasks': {\n"
		"  'a': { 'instance': 3, 'run': 1, 'lock': 'm', 'signal': 'q',\n"
		"         'wait': { 'ref': 'q', 'mutex': 'm' }, 'unlock': 'm', 'barrier': 'b' },\n"
		"  'c': { 'run': 1, 'lock': 'm', 'sync': { 'mutex': 'm', 'ref': 'm' },\n"
		"         'broadcast': 'q', 'unlock': 'm', 'barrier1': 'b', 'barrier2': 'other',\n"
		"         'barrier3': 'b' },\n"
		"  'z': { 'lock': 'x', 'unlock': 'x' } } }",
		&w);
	assert_int_equal(w.pi_enabled, 0); /* rt-app's default */
	assert_int_equal(w.nr_mutexes, 2);
	assert_string_equal(w.mutexes[0], "m");
	assert_string_equal(w.mutexes[1], "x");
	assert_int_equal(w.nr_conds, 2); /* "m" and "q": a condition may share a mutex's name */
	assert_string_equal(w.conds[0], "m");
	assert_string_equal(w.conds[1], "q");
	assert_int_equal(w.nr_barriers, 2);
	assert_string_equal(w.barriers[0].name, "b");
	assert_string_equal(w.barriers[1].name, "other");
	/* rt-app counts a barrier's users by event, each once per instance: 3 + 1 + 1 */
	assert_int_equal(w.barriers[0].count, 5);
	assert_int_equal(w.barriers[1].count, 1);
	assert_int_equal(event(&w, 0, 0, 1)->kind, WL_LOCK);
	assert_int_equal(event(&w, 0, 0, 2)->kind, WL_SIGNAL);
	ev = event(&w, 0, 0, 3);
	assert_int_equal(ev->kind, WL_WAIT);
	assert_string_equal(ev->ref, "q");
	assert_string_equal(ev->mutex, "m");
	assert_int_equal(ev->cond, 1);
	assert_int_equal(ev->mx, 0);
	assert_int_equal(event(&w, 0, 0, 4)->kind, WL_UNLOCK);
	assert_int_equal(event(&w, 0, 0, 5)->kind, WL_BARRIER);
	ev = event(&w, 1, 0, 2);
	assert_int_equal(ev->kind, WL_SYNC);
	assert_int_equal(ev->cond, 0);
	assert_int_equal(ev->mx, 0);
	assert_int_equal(event(&w, 1, 0, 3)->kind, WL_BROAD);
	assert_int_equal(event(&w, 1, 0, 3)->cond, 1);
	assert_int_equal(event(&w, 1, 0, 6)->barrier, 1);
	/* none of them takes time: a loop of them starts with schedsim's 1 us run */
	assert_int_equal(w.tasks[2].phases[0].nr_events, 3);
	assert_true(event(&w, 2, 0, 0)->added);
	assert_int_equal(event(&w, 2, 0, 1)->mx, 1);
	wl_free(&w);
}

static void pi_enabled_is_read_and_must_be_a_boolean(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'global': { 'pi_enabled': true }, 'tasks': { 't': { 'run': 1 } } }", &w);
	assert_int_equal(w.pi_enabled, 1);
	wl_free(&w);
	load_ok("{ 'global': { 'pi_enabled': false }, 'tasks': { 't': { 'run': 1 } } }", &w);
	assert_int_equal(w.pi_enabled, 0);
	wl_free(&w);
	assert_rejected("{ 'global': {\n"
			"  'pi_enabled': 1 }, 'tasks': { 't': { 'run': 1 } } }",
			"test.json:2: key 'pi_enabled': expected true or false, got a number");
}

static void bad_mutex_condition_and_barrier_events_are_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 't': { 'run': 1,\n"
			"  'wait': { 'ref': 'q' } } } }",
			"test.json:2: key 'wait': needs \"ref\" (the condition) and \"mutex\"");
	assert_rejected("{ 'tasks': { 't': { 'run': 1,\n"
			"  'sync': { 'ref': 'q', 'mutex': 'm', 'timeout': 1 } } } }",
			"test.json:2: key 'timeout': unknown key in a wait or sync (expected "
			"\"ref\" and \"mutex\")");
	assert_rejected("{ 'tasks': { 't': { 'run': 1,\n"
			"  'wait': 'q' } } }",
			"test.json:2: key 'wait': expected an object {\"ref\", \"mutex\"}, got a string");
	assert_rejected("{ 'tasks': { 't': { 'run': 1,\n"
			"  'lock': '' } } }",
			"test.json:2: key 'lock': must not be empty");
	assert_rejected("{ 'tasks': { 't': { 'run': 1,\n"
			"  'barrier': 2 } } }",
			"test.json:2: key 'barrier': expected a string, got a number");
	/* only "suspend" may stand without a value (rt-app's workgen fills in its name) */
	assert_rejected("{ 'tasks': { 't': { 'run': 1,\n"
			"  'resume' } } }",
			"test.json:2: key 'resume': unexpected '}', expected ':'");
}

/*
 * Each task's program must use its mutexes as pthreads allow, checked at load time by
 * walking it (docs/schedsim.md): libsched would refuse the call in the middle of a run.
 */
static void misuse_of_a_mutex_is_rejected_at_load(void **state)
{
	char text[2048] = "{ 'tasks': { 't': { 'loop': 1";
	struct workload w;

	(void)state;
	assert_rejected("{ 'tasks': { 't': { 'loop': 1, 'run': 1,\n"
			"  'unlock': 'm' } } }",
			"test.json:2: key 'unlock': task 't' would unlock mutex 'm' that it does "
			"not hold");
	assert_rejected("{ 'tasks': { 't': { 'loop': 1, 'run': 1,\n"
			"  'wait': { 'ref': 'q', 'mutex': 'm' } } } }",
			"test.json:2: key 'wait': task 't' would wait with mutex 'm' that it does "
			"not hold (lock it first, as pthread_cond_wait needs)");
	assert_rejected("{ 'tasks': { 't': { 'loop': 1, 'lock': 'm',\n"
			"  'lock1': 'm', 'unlock': 'm' } } }",
			"test.json:2: key 'lock1': task 't' would lock mutex 'm' that it holds "
			"already (locked at line 1): it would wait for itself for ever");
	/* the task loop (forever by default) or a phase's loop repeats what it locks */
	assert_rejected("{ 'tasks': { 't': { 'run': 1,\n"
			"  'lock': 'm' } } }",
			"test.json:2: key 'lock': task 't' would lock mutex 'm' again on its next "
			"pass, still holding it: it would wait for itself for ever");
	assert_rejected("{ 'tasks': { 't': { 'loop': 1, 'phases': {\n"
			"  'p': { 'loop': 2, 'lock': 'm', 'run': 1 }, 'q': { 'unlock': 'm' } } } } }",
			"test.json:2: key 'lock': task 't' would lock mutex 'm' again on its next "
			"pass, still holding it: it would wait for itself for ever");
	assert_rejected("{ 'tasks': { 't': { 'loop': 2,\n"
			"  'lock': 'm', 'suspend': 'm', 'unlock': 'm' } } }",
			"test.json:2: key 'suspend': task 't' holds mutex 'm' (locked at line 2), "
			"which rt-app's suspend locks: it would wait for itself for ever");
	assert_rejected("{ 'tasks': { 't': { 'loop': 1, 'run': 1,\n"
			"  'lock': 'm' } } }",
			"test.json:2: key 'lock': task 't' would end holding mutex 'm': unlock it "
			"before its program ends (a mutex left locked is not modelled)");
	/* across phases, and in and out of a loop of the same state: fine */
	load_ok("{ 'tasks': { 't': { 'phases': { 'in': { 'lock': 'm', 'run': 1 },\n"
		"  'spin': { 'loop': 5, 'unlock': 'm', 'lock': 'm' },\n"
		"  'out': { 'wait': { 'ref': 'q', 'mutex': 'm' }, 'unlock': 'm' } } } } }", &w);
	wl_free(&w);
	/* libsched's bound on the mutexes a thread holds at once */
	for (int i = 0; i <= SCHED_MUTEX_HELD_MAX; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), ", 'lock%d': 'm%d'", i,
			 i);
	strcat(text, " } } }");
	assert_rejected(text, "test.json:1: key 'lock32': task 't' would hold more than 32 "
			      "mutexes at once (libsched's SCHED_MUTEX_HELD_MAX)");
}

static void bad_json_is_rejected_with_line_and_key(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': {\n"
			"  'a': {\n"
			"    'run': 1\n"
			"    'sleep': 2\n"
			"} } }",
			"test.json:4: key 'run': unexpected '\"', expected ',' or '}'");
	assert_rejected("[]", "test.json:1: the top level must be an object, got an array");
}

static void negative_durations_are_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': {\n"
			"  'run': 1, 'sleep': -5 } } }",
			"test.json:2: key 'sleep': must not be negative, got -5");
	assert_rejected("{ 'tasks': { 'a': { 'delay': -0.5, 'run': 1 } } }",
			"test.json:1: key 'delay': must not be negative, got -0.5");
	assert_rejected("{ 'global': { 'duration': -2 }, 'tasks': { 'a': { 'run': 1 } } }",
			"test.json:1: key 'duration': must be > 0 seconds, or -1 for no limit");
}

static void loop_zero_is_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': { 'loop': 0, 'run': 1 } } }",
			"test.json:1: key 'loop': 0 would run nothing; use -1 (forever) or >= 1");
	assert_rejected("{ 'tasks': { 'a': { 'phases': { 'p': { 'loop': 0, 'run': 1 } } } } }",
			"test.json:1: key 'loop': must be between 1 and 2147483647, got 0");
}

static void task_with_both_phases_and_events_is_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': {\n"
			"  'phases': { 'p': { 'run': 1 } },\n"
			"  'sleep': 1 } } }",
			"test.json:3: key 'sleep': task 'a' has \"phases\" (line 2), "
			"so its events go inside a phase");
}

static void task_or_phase_without_events_is_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': {\n"
			"  'idle': { 'loop': 1 } } }",
			"test.json:2: key 'idle': task has no events (run, sleep, timer, ...)");
	assert_rejected("{ 'tasks': { 'a': { 'phases': {\n"
			"  'p1': { 'run': 1 },\n"
			"  'p2': { 'loop': 3 } } } } }",
			"test.json:3: key 'p2': phase has no events");
}

static void top_level_and_global_keys_are_checked(void **state)
{
	(void)state;
	assert_rejected("{ 'global': {},\n"
			"  'task': {} }",
			"test.json:2: key 'task': unknown top-level key "
			"(expected \"global\" or \"tasks\")");
	assert_rejected("{ 'global': {} }", "test.json:1: key 'tasks': missing (a fragment for "
			"rt-app's merge.py, such as its examples/merge/*.json, is not a workload "
			"by itself)");
	assert_rejected("{ 'libsched': {} }", "test.json:1: key 'tasks': missing");
	assert_rejected("{ 'tasks': {} }", "test.json:1: key 'tasks': no tasks");
	assert_rejected("{ 'global': {\n"
			"  'speed': 2 }, 'tasks': { 'a': { 'run': 1 } } }",
			"test.json:2: key 'speed': unknown global key");
}

static void settings_given_twice_are_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': {\n"
			"  'loop': 1,\n"
			"  'run': 1,\n"
			"  'loop': 2 } } }",
			"test.json:4: key 'loop': repeated (first at line 2)");
	assert_rejected("{ 'tasks': {\n"
			"  'a': { 'run': 1 },\n"
			"  'a': { 'run': 2 } } }",
			"test.json:3: key 'a': repeated (first at line 2)");
}

static void out_of_range_settings_are_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': { 'priority': 20, 'run': 1 } } }",
			"test.json:1: key 'priority': must be between -20 and 19, got 20");
	assert_rejected("{ 'tasks': { 'a': { 'instance': -1, 'run': 1 } } }",
			"test.json:1: key 'instance': must be between 0 and 262144, got -1");
	assert_rejected("{ 'tasks': { 'a': { 'loop': 1.5, 'run': 1 } } }",
			"test.json:1: key 'loop': expected an integer, got 1.5");
	assert_rejected("{ 'tasks': { 'a': { 'cpus': [0,\n"
			"  64], 'run': 1 } } }",
			"test.json:2: key 'cpus': must be between 0 and 63, got 64");
	assert_rejected("{ 'tasks': { 'a': { 'cpus': [], 'run': 1 } } }",
			"test.json:1: key 'cpus': empty; omit \"cpus\" to allow every CPU");
	assert_rejected("{ 'tasks': { 'a': { 'run': '10' } } }",
			"test.json:1: key 'run': expected a number of microseconds, got a string");
}

static void bad_timers_are_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': { 'run': 1,\n"
			"  'timer': { 'ref': 't' } } } }",
			"test.json:2: key 'timer': a timer needs \"ref\" and \"period\"");
	assert_rejected("{ 'tasks': { 'a': { 'run': 1, 'timer': { 'ref': 't',\n"
			"  'period': 10, 'mode': 'sometimes' } } } }",
			"test.json:2: key 'mode': expected \"relative\" or \"absolute\"");
	assert_rejected("{ 'tasks': { 'a': { 'run': 1, 'timer': { 'ref': 't',\n"
			"  'period': 0 } } } }",
			"test.json:2: key 'period': must be > 0");
}

static void libsched_accepts_only_its_known_keys(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': { 'run': 1, 'libsched': {\n"
			"  'group': 'g',\n"
			"  'weight': 2 } } } }",
			"test.json:3: key 'weight': unknown key in \"libsched\" "
			"(known: group, slice_us, ipc, ipc_wake, sc_mode, overrun, refills)");
	assert_rejected("{ 'tasks': { 'a': { 'run': 1, 'libsched': {\n"
			"  'slice_us': 50 } } } }",
			"test.json:2: key 'slice_us': must be 100 .. 100000 (us)");
}

static void libsched_slice_and_ipc_keys_are_read(void **state)
{
	struct workload w;
	char msg[256];

	(void)state;
	assert_int_equal(wl_load_string("t", "{\"tasks\":{\"a\":{\"run\":1,\"libsched\":"
					"{\"slice_us\":250,\"ipc\":true}}}}", &w, msg, sizeof(msg)), 0);
	assert_int_equal(w.tasks[0].slice_ns, 250000);
	assert_true(w.tasks[0].ipc);
	wl_free(&w);
}

/* ---- SCHED_DEADLINE ---- */

static void deadline_times_are_microseconds_with_rt_app_defaults(void **state)
{
	struct workload w;
	const struct wl_deadline *dl;

	(void)state;
	load_ok("{ 'tasks': {\n"
		"  'all': { 'policy': 'SCHED_DEADLINE', 'dl-runtime': 2000, 'dl-period': 10000,\n"
		"           'dl-deadline': 8000, 'run': 1 },\n"
		"  'no_deadline': { 'policy': 'SCHED_DEADLINE', 'dl-runtime': 2000,\n"
		"                   'dl-period': 10000, 'run': 1 },\n"
		"  'runtime_only': { 'policy': 'SCHED_DEADLINE', 'dl-runtime': 25.5, 'run': 1 } } }",
		&w);
	dl = &w.tasks[0].dl;
	assert_int_equal(w.tasks[0].policy, WL_POLICY_DEADLINE);
	assert_int_equal(dl->runtime_ns, 2000000);
	assert_int_equal(dl->period_ns, 10000000);
	assert_int_equal(dl->deadline_ns, 8000000);
	/* rt-app: dl-deadline defaults to dl-period, and dl-period to dl-runtime */
	assert_int_equal(w.tasks[1].dl.deadline_ns, 10000000);
	dl = &w.tasks[2].dl;
	assert_int_equal(dl->runtime_ns, 25500);
	assert_int_equal(dl->period_ns, 25500);
	assert_int_equal(dl->deadline_ns, 25500);
	wl_free(&w);
}

static void deadline_sc_defaults_to_cbs_throttle_like_linux(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'tasks': {\n"
		"  'cbs': { 'policy': 'SCHED_DEADLINE', 'dl-runtime': 2000, 'dl-period': 10000,\n"
		"           'run': 1 },\n"
		"  'sporadic': { 'policy': 'SCHED_DEADLINE', 'dl-runtime': 2000, 'dl-period': 10000,\n"
		"                'libsched': { 'sc_mode': 'sporadic' }, 'run': 1 } } }",
		&w);
	assert_int_equal(w.tasks[0].dl.mode, WL_SC_CBS);
	assert_int_equal(w.tasks[0].dl.overrun, WL_OVERRUN_THROTTLE);
	assert_int_equal(w.tasks[0].dl.refills, 1);
	assert_int_equal(w.tasks[1].dl.mode, WL_SC_SPORADIC);
	assert_int_equal(w.tasks[1].dl.refills, 8);
	wl_free(&w);
}

static void deadline_libsched_keys_are_read(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'global': { 'default_policy': 'SCHED_DEADLINE' }, 'tasks': {\n"
		"  'a': { 'dl-runtime': 100, 'dl-period': 1000, 'priority': 5, 'run': 1,\n"
		"         'libsched': { 'sc_mode': 'sporadic', 'overrun': 'notify_block',\n"
		"                       'refills': 2 } },\n"
		"  'b': { 'dl-runtime': 100, 'run': 1, 'libsched': { 'overrun': 'demote' } },\n"
		"  'c': { 'policy': 'SCHED_OTHER', 'run': 1 } } }",
		&w);
	assert_int_equal(w.tasks[0].policy, WL_POLICY_DEADLINE);
	assert_int_equal(w.tasks[0].dl.mode, WL_SC_SPORADIC);
	assert_int_equal(w.tasks[0].dl.overrun, WL_OVERRUN_NOTIFY_BLOCK);
	assert_int_equal(w.tasks[0].dl.refills, 2);
	assert_int_equal(w.tasks[0].nice, 5); /* its nice in the fair class, when demoted */
	assert_int_equal(w.tasks[1].dl.overrun, WL_OVERRUN_DEMOTE);
	assert_int_equal(w.tasks[2].policy, WL_POLICY_OTHER);
	assert_int_equal(w.tasks[2].dl.runtime_ns, 0);
	wl_free(&w);
}

static void deadline_runtime_above_period_is_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_DEADLINE',\n"
			"  'dl-runtime': 20000,\n"
			"  'dl-period': 10000, 'run': 1 } } }",
			"test.json:3: key 'dl-period': must be >= dl-runtime (20000 us), got 10000");
}

static void deadline_out_of_order_or_out_of_range_times_are_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': {\n"
			"  'a': { 'policy': 'SCHED_DEADLINE', 'run': 1 } } }",
			"test.json:2: key 'dl-runtime': missing: task 'a' is SCHED_DEADLINE");
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_DEADLINE', 'run': 1,\n"
			"  'dl-runtime': 0 } } }",
			"test.json:2: key 'dl-runtime': must be >= 10 us (libsched's smallest "
			"budget), got 0");
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_DEADLINE', 'run': 1,\n"
			"  'dl-runtime': 2000, 'dl-period': 10000,\n"
			"  'dl-deadline': 1500 } } }",
			"test.json:3: key 'dl-deadline': must be >= dl-runtime (2000 us), got 1500");
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_DEADLINE', 'run': 1,\n"
			"  'dl-runtime': 2000, 'dl-period': 10000,\n"
			"  'dl-deadline': 10000.5 } } }",
			"test.json:3: key 'dl-deadline': must be <= dl-period (10000 us), "
			"got 10000.500");
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_DEADLINE', 'run': 1,\n"
			"  'dl-runtime': 2000, 'dl-deadline': 5000 } } }",
			"test.json:2: key 'dl-deadline': must be <= dl-period (2000 us, by default "
			"dl-runtime), got 5000");
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_DEADLINE', 'run': 1,\n"
			"  'dl-runtime': 2000, 'dl-period': 70000000 } } }",
			"test.json:2: key 'dl-period': must be <= 68719476 us (libsched's longest "
			"period), got 70000000");
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_DEADLINE', 'run': 1,\n"
			"  'dl-runtime': -1 } } }",
			"test.json:2: key 'dl-runtime': must not be negative, got -1");
}

static void deadline_keys_on_other_policies_are_rejected(void **state)
{
	(void)state;
	/* rt-app would ignore them: a policy left out by mistake must not go unnoticed */
	assert_rejected("{ 'tasks': { 'a': { 'run': 1,\n"
			"  'dl-runtime': 1000 } } }",
			"test.json:2: key 'dl-runtime': only for \"policy\": \"SCHED_DEADLINE\"");
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_BATCH', 'run': 1, 'libsched': {\n"
			"  'overrun': 'demote' } } } }",
			"test.json:2: key 'overrun': only for \"policy\": \"SCHED_DEADLINE\"");
	assert_rejected("{ 'tasks': { 'a': { 'phases': { 'p': { 'run': 1,\n"
			"  'dl-runtime': 1000 } } } } }",
			"test.json:2: key 'dl-runtime': only for \"policy\": \"SCHED_DEADLINE\"");
}

static void deadline_bad_sc_keys_are_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_DEADLINE', 'dl-runtime': 100,\n"
			"  'run': 1, 'libsched': { 'sc_mode': 'edf' } } } }",
			"test.json:2: key 'sc_mode': expected \"cbs\" or \"sporadic\", got \"edf\"");
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_DEADLINE', 'dl-runtime': 100,\n"
			"  'run': 1, 'libsched': { 'overrun': 'kill' } } } }",
			"test.json:2: key 'overrun': expected \"throttle\", \"demote\" or "
			"\"notify_block\", got \"kill\"");
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_DEADLINE', 'dl-runtime': 100,\n"
			"  'run': 1, 'libsched': { 'sc_mode': 'sporadic', 'refills': 1025 } } } }",
			"test.json:2: key 'refills': must be between 1 and 1024, got 1025");
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_DEADLINE', 'dl-runtime': 100,\n"
			"  'dl-period': 1000, 'run': 1, 'libsched': { 'refills': 4 } } } }",
			"test.json:2: key 'refills': a cbs SC uses 1 refill; more are for "
			"\"sc_mode\": \"sporadic\"");
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_DEADLINE', 'dl-runtime': 100,\n"
			"  'dl-period': 1000, 'run': 1, 'libsched': { 'sc_mode': 'sporadic',\n"
			"  'refills': 1 } } } }",
			"test.json:3: key 'refills': a sporadic SC needs 2 or more unless dl-runtime "
			"== dl-period");
}

static void example_deadline_loads(void **state)
{
	struct workload w;
	char path[1100];

	(void)state;
	/* examples/ is two levels above tests/workloads */
	snprintf(path, sizeof(path), "%s/../../examples/deadline.json", example_path(""));
	if (wl_load_file(path, &w, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(w.nr_tasks, 2);
	assert_string_equal(w.tasks[0].name, "dl_hog");
	assert_int_equal(w.tasks[0].policy, WL_POLICY_DEADLINE);
	assert_int_equal(w.tasks[0].dl.runtime_ns, 2000000);
	assert_int_equal(w.tasks[0].dl.period_ns, 10000000);
	assert_int_equal(w.tasks[0].dl.deadline_ns, 10000000);
	assert_int_equal(w.tasks[1].policy, WL_POLICY_OTHER);
	assert_int_equal(w.tasks[1].instances, 2);
	wl_free(&w);
}

static void error_message_is_truncated_to_errlen(void **state)
{
	struct workload w;
	char small[12];

	(void)state;
	assert_int_equal(wl_load_string("test.json", "{", &w, small, sizeof(small)), -1);
	assert_string_equal(small, "test.json:1");
	assert_int_equal(wl_load_string("test.json", "{", &w, NULL, 0), -1);
}

static void missing_file_is_reported_by_path(void **state)
{
	struct workload w;

	(void)state;
	assert_int_equal(wl_load_file("/nonexistent/x.json", &w, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/x.json: No such file or directory");
	assert_null(w.tasks);
}

/* ---- limits against hostile input (docs/schedsim.md, "Limits") ---- */

#define TOO_LARGE "larger than 16 MiB (16777216 bytes), the limit for a workload"

/* A valid workload of exactly n bytes: one task, padded with blanks. */
static char *padded_workload(size_t n)
{
	static const char head[] = "{\"tasks\":{\"t\":{\"run\":1}}}";
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, ' ', n);
	memcpy(s, head, sizeof(head) - 1);
	s[n] = '\0';
	return s;
}

static void workload_text_above_16_mib_is_refused(void **state)
{
	struct workload w;
	char *s = padded_workload(WL_MAX_FILE_SIZE);

	(void)state;
	assert_int_equal(WL_MAX_FILE_SIZE, 16 * 1024 * 1024);
	if (wl_load_string("big.json", s, &w, err, sizeof(err)))
		fail_msg("%s", err);
	wl_free(&w);
	free(s);
	s = padded_workload(WL_MAX_FILE_SIZE + 1);
	assert_int_equal(wl_load_string("big.json", s, &w, err, sizeof(err)), -1);
	assert_string_equal(err, "big.json: " TOO_LARGE);
	assert_null(w.tasks);
	free(s);
}

/* A regular file is refused by its size; a device that never ends after the limit. */
static void workload_file_above_16_mib_or_endless_is_refused(void **state)
{
	char path[] = "/tmp/test_workload_XXXXXX", want[600];
	char *s = padded_workload(WL_MAX_FILE_SIZE + 1);
	int fd = mkstemp(path);
	struct workload w;
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, WL_MAX_FILE_SIZE + 1, f), WL_MAX_FILE_SIZE + 1);
	assert_int_equal(fclose(f), 0);
	free(s);
	assert_int_equal(wl_load_file(path, &w, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: " TOO_LARGE, path);
	assert_string_equal(err, want);
	assert_int_equal(truncate(path, WL_MAX_FILE_SIZE), 0);
	if (wl_load_file(path, &w, err, sizeof(err)))
		fail_msg("%s", err);
	wl_free(&w);
	unlink(path);
	assert_int_equal(wl_load_file("/dev/zero", &w, err, sizeof(err)), -1);
	assert_string_equal(err, "/dev/zero: " TOO_LARGE);
	assert_null(w.tasks);
}

static void append_text(char **buf, size_t *len, size_t *cap, const char *text)
{
	size_t n = strlen(text);

	if (*len + n + 1 > *cap) {
		*cap = 2 * (*len + n + 1);
		*buf = realloc(*buf, *cap);
		assert_non_null(*buf);
	}
	memcpy(*buf + *len, text, n + 1);
	*len += n;
}

/* "{"tasks":{" then task i on line i + 2: named names[i], resuming names[(i + 1) % n]. */
static char *many_tasks(char (*names)[16], size_t n)
{
	char *buf = NULL, line[80];
	size_t len = 0, cap = 0;

	append_text(&buf, &len, &cap, "{\"tasks\":{");
	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "\n\"%s\":{\"run\":1,\"resume\":\"%s\"}%s",
			 names[i], names[(i + 1) % n], i + 1 < n ? "," : "}}");
		append_text(&buf, &len, &cap, line);
	}
	return buf;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * Unique names and resume targets are checked in O(n log n): 50000 tasks, each resuming
 * the next, took 29 s with a scan of every task per task and per resume (0.1 s now). Only
 * the result is asserted; the time is printed.
 */
static void fifty_thousand_tasks_load_in_n_log_n(void **state)
{
	enum { N = 50000 };
	char (*names)[16] = calloc(N, sizeof(*names));
	struct timespec t0;
	struct workload w;
	char *text;

	(void)state;
	assert_non_null(names);
	for (size_t i = 0; i < N; i++)
		snprintf(names[i], sizeof(names[i]), "t%zu", i);
	text = many_tasks(names, N);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (wl_load_string("test.json", text, &w, err, sizeof(err)))
		fail_msg("%s", err);
	print_message("%d tasks loaded in %.3f s\n", N, seconds_since(&t0));
	assert_int_equal(w.nr_tasks, N);
	for (size_t i = 0; i < N; i++) {
		assert_string_equal(w.tasks[i].name, names[i]);
		assert_int_equal(w.tasks[i].line, i + 2);
		assert_string_equal(event(&w, i, 0, 1)->ref, names[(i + 1) % N]);
	}
	wl_free(&w);
	free(text);
	/* two names given twice: the repeat reported is the first in file order */
	strcpy(names[N - 2], "t7");
	strcpy(names[N - 1], "t3");
	text = many_tasks(names, N);
	assert_int_equal(wl_load_string("test.json", text, &w, err, sizeof(err)), -1);
	assert_string_equal(err, "test.json:50000: key 't7': repeated (first at line 9)");
	assert_null(w.tasks);
	free(text);
	free(names);
}

/* Whether every event of every phase of task i is as written: none added by the loader. */
static void assert_as_written(const struct workload *w, size_t task, size_t nr_events)
{
	size_t n = 0;

	for (size_t p = 0; p < w->tasks[task].nr_phases; p++) {
		n += w->tasks[task].phases[p].nr_events;
		for (size_t e = 0; e < w->tasks[task].phases[p].nr_events; e++)
			assert_false(event(w, task, p, e)->added);
	}
	assert_int_equal(n, nr_events);
}

static void assert_zero_pass_run(const struct workload *w, size_t task, size_t phase)
{
	const struct wl_event *ev = event(w, task, phase, 0);

	assert_int_equal(ev->kind, WL_RUN);
	assert_int_equal(ev->ns, WL_ZERO_PASS_NS);
	assert_true(ev->added);
}

static void zero_time_phases_start_with_a_run_of_1_us(void **state)
{
	struct workload w;

	(void)state;
	assert_int_equal(WL_ZERO_PASS_NS, 1000);
	load_ok("{ 'tasks': { 'y': { 'yield': 0 },\n"
		"  'z': { 'run': 0, 'runtime': 0, 'sleep': 0, 'resume': 'y' } } }", &w);
	assert_zero_pass_run(&w, 0, 0);
	assert_int_equal(w.tasks[0].phases[0].nr_events, 2);
	assert_int_equal(event(&w, 0, 0, 1)->kind, WL_YIELD);
	assert_zero_pass_run(&w, 1, 0);
	assert_int_equal(w.tasks[1].phases[0].nr_events, 5);
	assert_int_equal(event(&w, 1, 0, 0)->line, 2);
	assert_int_equal(event(&w, 1, 0, 4)->kind, WL_RESUME);
	wl_free(&w);
	/* phases that take time, or run once per task loop that takes time, are as written */
	load_ok("{ 'tasks': { 'once': { 'loop': 1, 'yield': 0 },\n"
		"  'hog': { 'run': 1, 'yield': 0 },\n"
		"  'waiter': { 'suspend': 'w', 'resume': 'once' },\n"
		"  'ticker': { 'timer': { 'ref': 't', 'period': 10 }, 'yield': 0 },\n"
		"  'phased': { 'phases': { 'work': { 'run': 100 }, 'spin': { 'yield': 0 } } } } }",
		&w);
	assert_as_written(&w, 0, 1);
	assert_as_written(&w, 1, 2);
	/* a suspend may be resumed at once (instances of one task resuming each other ran
	 * thousands of passes per simulated us): it takes no time of its own */
	assert_zero_pass_run(&w, 2, 0);
	assert_int_equal(w.tasks[2].phases[0].nr_events, 3);
	assert_int_equal(event(&w, 2, 0, 1)->kind, WL_SUSPEND);
	assert_as_written(&w, 3, 2);
	assert_as_written(&w, 4, 2);
	wl_free(&w);
	/* a zero-time phase that loops; the first phase of a task loop that takes no time */
	load_ok("{ 'tasks': { 'a': { 'phases': { 'work': { 'run': 100 },\n"
		"    'spin': { 'loop': 5, 'yield': 0 } } },\n"
		"  'b': { 'phases': { 'p': { 'yield': 0 }, 'q': { 'resume': 'a' } } } } }", &w);
	assert_int_equal(w.tasks[0].phases[0].nr_events, 1);
	assert_zero_pass_run(&w, 0, 1);
	assert_zero_pass_run(&w, 1, 0);
	assert_int_equal(w.tasks[1].phases[1].nr_events, 1);
	wl_free(&w);
}

/* sim_load takes 64 events in a phase: a zero-time phase has room for 63 and the run. */
static void zero_time_phase_of_64_events_is_rejected(void **state)
{
	char text[1024] = "{ 'tasks': { 't': { 'resume': 't'";
	struct workload w;
	size_t end;

	(void)state;
	for (int i = 1; i < 63; i++)
		strcat(text, ", 'yield': 0");
	end = strlen(text);
	load_ok(strcat(text, " } } }"), &w);
	assert_int_equal(w.tasks[0].phases[0].nr_events, 64);
	wl_free(&w);
	strcpy(text + end, ", 'yield': 0 } } }");
	assert_rejected(text, "test.json:1: key 't': a phase of events that take no time holds "
			      "at most 63: schedsim adds a run of 1 us to it");
}

/* Loops completed by the threads of `json` in `ns` of simulated time on one CPU. */
static uint64_t loops_in(const char *json, sched_time_t ns, uint64_t *events)
{
	struct sim_config cfg = { .cpus = 1, .smt = 1, .seed = 1 };
	struct workload w;
	struct sim *sim;
	uint64_t loops = 0;

	load_ok(json, &w);
	sim = sim_new(&cfg);
	assert_non_null(sim);
	assert_int_equal(sim_load(sim, &w), 0);
	sim_run_until(sim, ns);
	for (size_t i = 0; i < sim->nr_threads; i++)
		loops += sim->threads[i]->loops;
	*events = sim->events;
	sim_free(sim);
	wl_free(&w);
	return loops;
}

/*
 * A loop that takes no time ran about a thousand passes per simulated microsecond (an
 * hour of host time for the default 60 s). Now each pass costs 1 us of CPU, whoever runs
 * it: one pass per microsecond on the CPU, and the host work follows the event count.
 */
static void zero_time_loops_run_one_pass_per_microsecond(void **state)
{
	static const char *const loops[] = {
		"{ 'tasks': { 'y': { 'yield': 0 } } }",
		"{ 'tasks': { 'y': { 'instance': 100, 'yield': 0 } } }",
		"{ 'tasks': { 'z': { 'run': 0, 'sleep': 0 } } }",
		"{ 'tasks': { 'r': { 'resume': 'r' } } }",
		/* (one element on two lines: the parentheses tell clang so) */
		("{ 'tasks': { 'p': { 'phases': { 'a': { 'loop': 1000, 'yield': 0 },\n"
		 "  'b': { 'run': 1000 } } } } }"),
	};
	uint64_t events;

	(void)state;
	for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
		uint64_t n = loops_in(loops[i], 10 * 1000 * 1000, &events);

		print_message("%s: %llu loops, %llu events in 10 ms\n", loops[i],
			      (unsigned long long)n, (unsigned long long)events);
		if (i < 4)
			assert_true(n >= 9900 && n <= 10000);
		else /* 1000 passes of 1 us, then 1 ms of run */
			assert_true(n == 5);
		assert_true(events <= 2 * 10000 + 200);
	}
}

static void json_strings_must_be_valid_utf8(void **state)
{
	static const char *const bad[] = {
		"\"ab\xff\"",                   /* never in UTF-8 */
		"\"ab\x80\"",                   /* a continuation byte without a lead */
		"\"ab\xc0\xaf\"",               /* '/' in two bytes (overlong) */
		"\"ab\xe0\x80\xaf\"",           /* '/' in three bytes */
		"\"ab\xed\xa0\x80\"",           /* U+D800, a UTF-16 surrogate */
		"\"ab\xf4\x90\x80\x80\"",       /* U+110000, above Unicode */
		"\"ab\xe2\x82\"",               /* cut short by the quote */
		"\"ab\xe2\x82",                 /* cut short by the end of the text */
		"{\"a\xc3\": 1}",               /* in a key */
	};
	struct json_error e;
	struct json_value *v;
	char want[100];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = json_parse(bad[i], &e);
		assert_null(v);
		snprintf(want, sizeof(want), "invalid UTF-8 at byte offset 3 (0x%02x)",
			 (unsigned char)bad[i][3]);
		assert_string_equal(e.what, want);
	}
	v = json_parse("\"\x7f \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"", &e);
	assert_non_null(v);
	assert_string_equal(v->string, "\x7f \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
	json_free(v);
	/* through the loader: file, line, and the key whose value holds it */
	assert_rejected("{ 'tasks': { 't\xff': { 'run': 1 } } }",
			"test.json:1: invalid UTF-8 at byte offset 15 (0xff)");
	assert_rejected("{ 'tasks': { 't': { 'run': 1,\n"
			"  'libsched': { 'group': 'g\xe9' } } } }",
			"test.json:2: key 'group': invalid UTF-8 at byte offset 57 (0xe9)");
}

/* "[0,0,...,0]": n values in all, the array included (n >= 2). */
static char *array_of_values(size_t n)
{
	size_t zeros = n - 1;
	char *s = malloc(2 * zeros + 2);

	assert_non_null(s);
	s[0] = '[';
	for (size_t i = 0; i < zeros; i++) {
		s[1 + 2 * i] = '0';
		s[2 + 2 * i] = ',';
	}
	s[2 * zeros] = ']';
	s[2 * zeros + 1] = '\0';
	return s;
}

static void json_document_of_more_than_2_20_values_is_refused(void **state)
{
	struct json_error e;
	struct json_value *v;
	char *s = array_of_values(JSON_MAX_VALUES);

	(void)state;
	assert_int_equal(JSON_MAX_VALUES, 1048576);
	v = json_parse(s, &e);
	assert_non_null(v);
	assert_int_equal(v->len, JSON_MAX_VALUES - 1);
	json_free(v);
	free(s);
	s = array_of_values(JSON_MAX_VALUES + 1);
	assert_null(json_parse(s, &e));
	assert_string_equal(e.what, "more than 1048576 values in the document");
	free(s);
}

/* Every time stays within what libsched takes as an instant ahead (2^62 ns): a sleep of
 * 9e15 us used to crash schedsim. */
static void times_and_durations_have_upper_bounds(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'global': { 'duration': 1000000 },\n"
		"  'tasks': { 't': { 'delay': 1e15, 'run': 1e15, 'sleep': 1e15 } } }", &w);
	assert_true(w.duration_ns == 1000000LL * 1000000000LL);
	assert_true(event(&w, 0, 0, 1)->ns == 1000000000000000000ULL);
	wl_free(&w);
	assert_rejected("{ 'tasks': { 't': { 'run': 1, 'sleep': 9e15 } } }",
			"test.json:1: key 'sleep': must be <= 1e+15 us, got 9e+15");
	assert_rejected("{ 'tasks': { 't': { 'run': 1, 'timer': { 'ref': 'a',\n"
			"  'period': 1000000000000001 } } } }",
			"test.json:2: key 'period': must be <= 1e+15 us, got 1e+15");
	assert_rejected("{ 'global': { 'duration': 1000000.5 }, 'tasks': { 't': { 'run': 1 } } }",
			"test.json:1: key 'duration': must be <= 1000000 seconds, got 1e+06");
}

static void threads_and_thread_phases_are_bounded_in_all(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'tasks': { 'a': { 'instance': 262143, 'run': 1 },\n"
		"  'b': { 'run': 1 } } }", &w);
	wl_free(&w);
	assert_rejected("{ 'tasks': { 'a': { 'instance': 262143, 'run': 1 },\n"
			"  'b': { 'instance': 2, 'run': 1 } } }",
			"test.json:2: key 'b': more than 262144 threads in the workload (the sum "
			"of \"instance\")");
	assert_rejected("{ 'tasks': { 'a': { 'instance': 65536, 'phases': {\n"
			"  'p': { 'run': 1 }, 'q': { 'run': 1 }, 'r': { 'run': 1 },\n"
			"  's': { 'run': 1 }, 't': { 'run': 1 } } } } }",
			"test.json:1: key 'a': more than 262144 thread phases in the workload (the "
			"sum of \"instance\" x phases)");
}

/* Tasks t0 .. t(n-1), one a line from line 2, task i with libsched key `key` set to
 * value(i) (a JSON value). */
static char *tasks_with(size_t n, const char *key, void (*value)(size_t i, char *buf))
{
	char *buf = NULL, line[120], v[40];
	size_t len = 0, cap = 0;

	append_text(&buf, &len, &cap, "{\"tasks\":{");
	for (size_t i = 0; i < n; i++) {
		value(i, v);
		snprintf(line, sizeof(line), "\n\"t%zu\":{\"run\":1,\"libsched\":{\"%s\":%s}}%s",
			 i, key, v, i + 1 < n ? "," : "}}");
		append_text(&buf, &len, &cap, line);
	}
	return buf;
}

/* 4096 values, then the first one again, then a new one at task 4097 (line 4099). */
static void value_4097(size_t i, char *buf)
{
	sprintf(buf, "\"v%zu\"", i == 4096 ? (size_t)0 : i == 4097 ? (size_t)4096 : i);
}

/* As value_4097, half of them integers: 1 and "1" are two cookies. */
static void cookie_4097(size_t i, char *buf)
{
	size_t v = i == 4096 ? 0 : i == 4097 ? 4096 : i;

	sprintf(buf, v % 2 ? "%zu" : "\"%zu\"", v + 1);
}

/* Each distinct group costs state per CPU, and the simulator looks groups and cookies up
 * one by one: 65536 of each took minutes to load and gigabytes. */
static void distinct_groups_and_cookies_are_bounded(void **state)
{
	struct workload w;
	char *text;

	(void)state;
	assert_int_equal(WL_MAX_GROUPS, 4096);
	assert_int_equal(WL_MAX_COOKIES, 4096);
	text = tasks_with(4097, "group", value_4097);
	if (wl_load_string("test.json", text, &w, err, sizeof(err)))
		fail_msg("%s", err);
	wl_free(&w);
	free(text);
	text = tasks_with(4098, "group", value_4097);
	assert_int_equal(wl_load_string("test.json", text, &w, err, sizeof(err)), -1);
	assert_string_equal(err, "test.json:4099: key 't4097': more than 4096 distinct libsched "
				 "\"group\" names in the workload");
	free(text);
	text = tasks_with(4097, "cookie", cookie_4097);
	if (wl_load_string("test.json", text, &w, err, sizeof(err)))
		fail_msg("%s", err);
	wl_free(&w);
	free(text);
	text = tasks_with(4098, "cookie", cookie_4097);
	assert_int_equal(wl_load_string("test.json", text, &w, err, sizeof(err)), -1);
	assert_string_equal(err, "test.json:4099: key 't4097': more than 4096 distinct libsched "
				 "\"cookie\" values in the workload");
	free(text);
}

/* A machine of 2 CPUs running `json` until `until`, with an event budget. */
static struct sim *budget_run(const char *json, struct workload *w, uint64_t max_events,
			      sched_time_t until)
{
	struct sim_config cfg = { .cpus = 2, .smt = 1, .seed = 1, .max_events = max_events };
	struct sim *sim;

	load_ok(json, w);
	sim = sim_new(&cfg);
	assert_non_null(sim);
	assert_int_equal(sim_load(sim, w), 0);
	sim_run_until(sim, until);
	return sim;
}

/* The fuzz target and schedsim bound a run by events: sim_config.max_events. */
static void event_budget_stops_a_run(void **state)
{
	const char *json = "{ 'tasks': { 'a': { 'run': 30, 'sleep': 20 },\n"
			   "  'b': { 'instance': 3, 'run': 70, 'yield': 0 } } }";
	struct workload w;
	struct sim *sim;
	uint64_t needed;

	(void)state;
	sim = budget_run(json, &w, 0, 100 * 1000 * 1000);
	assert_false(sim->stopped);
	needed = sim->events;
	assert_true(needed > 1000);
	sim_free(sim);
	wl_free(&w);
	/* exactly the events the run needs: it completes */
	sim = budget_run(json, &w, needed, 100 * 1000 * 1000);
	assert_false(sim->stopped);
	assert_int_equal(sim->events, needed);
	assert_int_equal(sim->now, 100 * 1000 * 1000);
	sim_free(sim);
	wl_free(&w);
	/* fewer: it stops there, with the clock at the last event handled, and stays so */
	sim = budget_run(json, &w, 1000, 100 * 1000 * 1000);
	assert_true(sim->stopped);
	assert_int_equal(sim->events, 1000);
	assert_true(sim->now < 100 * 1000 * 1000);
	sim_run_until(sim, 200 * 1000 * 1000);
	assert_int_equal(sim->events, 1000);
	sim_free(sim);
	wl_free(&w);
}

/* --- job-level deadline accounting (docs/schedsim.md) ------------------------------------- */

#define MS (1000 * 1000ull)

/* `json` on one CPU until `until`, with job records; the first thread's figures in *js. */
static struct sim *jobs_until(const char *json, sched_time_t until, struct workload *w,
			      struct sim_job_stats *js)
{
	struct sim_config cfg = { .cpus = 1, .smt = 1, .seed = 1, .job_records = true };
	struct sim *sim;

	load_ok(json, w);
	sim = sim_new(&cfg);
	assert_non_null(sim);
	assert_int_equal(sim_load(sim, w), 0);
	sim_run_until(sim, until);
	assert_true(sim_thread_jobs(sim, sim->threads[0], js));
	return sim;
}

static struct sim *jobs_run(const char *json, struct workload *w, struct sim_job_stats *js)
{
	return jobs_until(json, 1000 * MS, w, js);
}

/*
 * 1 ms of work every 10 ms, alone, no overheads (schedsim's default): job 0 is released
 * at the start and ends at 1 ms, where the thread first reaches the timer, whose ticks
 * then fall at 10, 20, .., 990 ms (as in rt-app, every timer starts at the thread's start).
 * So 100 jobs by 1 s, none late, each responding in exactly its 1 ms of run, each 9 ms
 * before its deadline.
 */
static void light_periodic_task_responds_in_its_run_time(void **state)
{
	struct workload w;
	struct sim_job_stats js;
	struct sim *sim = jobs_run("{ 'tasks': { 'p': { 'run': 1000,\n"
				   "  'timer': { 'ref': 't', 'period': 10000 } } } }", &w, &js);
	const struct sim_jobs *j = &sim->threads[0]->jobs;

	(void)state;
	assert_int_equal(js.jobs, 100);
	assert_int_equal(js.completed, 100);
	assert_int_equal(js.misses, 0);
	assert_int_equal(js.resp_p50_ns, 1 * MS);
	assert_int_equal(js.resp_p99_ns, 1 * MS);
	assert_int_equal(js.resp_max_ns, 1 * MS);
	assert_int_equal(js.lateness_max_ns, -9 * (int64_t)MS);
	assert_int_equal(j->nr_log, 100);
	assert_int_equal(j->log[0].release, 0);
	assert_int_equal(j->log[0].end, 1 * MS);
	assert_false(j->log[0].tick);
	for (size_t k = 1; k < 100; k++) {
		const struct sim_job *x = &j->log[k];

		assert_true(x->tick && x->slept);
		assert_int_equal(x->release, 10 * k * MS);
		assert_int_equal(x->start, x->release);
		assert_int_equal(x->end, x->release + 1 * MS);
		assert_int_equal(x->deadline, x->release + 10 * MS);
		assert_int_equal(x->begin, j->log[k - 1].end); /* the timer call */
		assert_int_equal(x->run_ns, 1 * MS);
		assert_int_equal(x->work_ns, 1 * MS);
	}
	sim_free(sim);
	wl_free(&w);
}

/*
 * Two SCHED_DEADLINE tasks of 6 ms every 10 ms (60% each) on one CPU, absolute timers:
 * 120% of the CPU. Each job needs 6 ms of CPU, so at most 1000 / 6 = 166 jobs complete
 * between them; the rest fall behind an absolute schedule that keeps ticking. Each task
 * has its start job plus one tick every 10 ms from its start, the ticks whose deadline is
 * by 1 s (10 .. 990 ms): 100 jobs. The library's SC view
 * counts a handful of wake-ups and no miss; here nearly every job misses.
 */
static void overloaded_deadline_tasks_miss_their_jobs(void **state)
{
	const char *json = "{ 'tasks': {\n"
		"  'a': { 'policy': 'SCHED_DEADLINE', 'dl-runtime': 6000, 'dl-period': 10000,\n"
		"    'run': 6000, 'timer': { 'ref': 'a', 'period': 10000, 'mode': 'absolute' } },\n"
		"  'b': { 'policy': 'SCHED_DEADLINE', 'dl-runtime': 6000, 'dl-period': 10000,\n"
		"    'run': 6000, 'timer': { 'ref': 'b', 'period': 10000, 'mode': 'absolute' } } } }";
	struct workload w;
	struct sim_job_stats js[2];
	struct sim *sim = jobs_run(json, &w, &js[0]);

	(void)state;
	assert_true(sim_thread_jobs(sim, sim->threads[1], &js[1]));
	assert_true(js[0].completed + js[1].completed <= 166);
	assert_true(js[0].completed + js[1].completed >= 160);
	for (int i = 0; i < 2; i++) {
		print_message("task %d: %llu jobs, %llu completed, %llu misses, max %llu ns\n", i,
			      (unsigned long long)js[i].jobs, (unsigned long long)js[i].completed,
			      (unsigned long long)js[i].misses,
			      (unsigned long long)js[i].resp_max_ns);
		assert_int_equal(js[i].jobs, 100);
		assert_true(js[i].misses >= 90);
		assert_true(js[i].resp_max_ns > 10 * MS);
		assert_true(js[i].lateness_max_ns > 0);
		/* the SC's view: a few activations, none ending after its deadline */
		assert_true(sim_thread_sc_stats(sim, sim->threads[i]).jobs < 10);
	}
	sim_free(sim);
	wl_free(&w);
}

/*
 * 15 ms of work per 10 ms period. Relative timer, its schedule from the thread's start (as
 * rt-app): job 0 ends at 15 ms (due at 10); the tick at 10 has passed, so job 1 (released
 * at 10) starts at once and ends at 30, and the timer re-synchronises to 15. The thread is
 * always late and never blocks: job k >= 1 is released at 15k - 5 and ends at 15(k + 1),
 * 20 ms later, 10 ms past its deadline. Jobs 0 .. 65 end by 1 s (the last at 990 ms); job
 * 66 (released 985, due 995) is unfinished past its deadline: 67 jobs, 67 misses,
 * responses 15, then 20 ms.
 */
static void periodic_task_longer_than_its_period_misses_every_job(void **state)
{
	struct workload w;
	struct sim_job_stats js;
	struct sim *sim = jobs_run("{ 'tasks': { 'p': { 'run': 15000,\n"
				   "  'timer': { 'ref': 't', 'period': 10000 } } } }", &w, &js);

	(void)state;
	assert_int_equal(js.completed, 66);
	assert_int_equal(js.jobs, 67);
	assert_int_equal(js.misses, 67);
	assert_int_equal(js.resp_p50_ns, 20 * MS);
	assert_int_equal(js.resp_max_ns, 20 * MS);
	assert_int_equal(js.lateness_max_ns, 10 * (int64_t)MS);
	/* job 2: released at 25 ms, it starts when job 1 ends (30 ms), without blocking */
	assert_false(sim->threads[0]->jobs.log[2].slept);
	assert_int_equal(sim->threads[0]->jobs.log[2].release, 25 * MS);
	assert_int_equal(sim->threads[0]->jobs.log[2].begin, 30 * MS);
	assert_int_equal(sim->threads[0]->jobs.log[2].start, 30 * MS);
	sim_free(sim);
	wl_free(&w);
	/*
	 * Absolute: the ticks keep their schedule (10, 20, ..), so the backlog grows. Job
	 * k >= 1 is released at 10k and ends at 15(k + 1): jobs 0 .. 65 end by 1 s, the last
	 * released at 650 ms (response 340 ms). Job 66 (released 660 ms) and the ticks
	 * 670 .. 990 ms are due by 1 s and unfinished: 1 + 33 more misses.
	 */
	sim = jobs_run("{ 'tasks': { 'p': { 'run': 15000,\n"
		       "  'timer': { 'ref': 't', 'period': 10000, 'mode': 'absolute' } } } }",
		       &w, &js);
	assert_int_equal(js.completed, 66);
	assert_int_equal(js.jobs, 66 + 34);
	assert_int_equal(js.misses, 66 + 34);
	assert_int_equal(js.resp_max_ns, 340 * MS);
	assert_int_equal(js.lateness_max_ns, 330 * (int64_t)MS);
	sim_free(sim);
	wl_free(&w);
}

/*
 * A thread that never reaches its timer: its start job, due at 10 ms, never ends. It is
 * a miss from its deadline on (at 10 ms every event of that instant is handled: it can
 * only end later), and not before.
 */
static void unfinished_job_past_its_deadline_is_a_miss(void **state)
{
	const char *json = "{ 'tasks': { 'p': { 'run': 2000000,\n"
			   "  'timer': { 'ref': 't', 'period': 10000 } } } }";
	const sched_time_t until[] = { 1000 * MS, 10 * MS, 10 * MS - 1 };
	const uint64_t misses[] = { 1, 1, 0 };
	struct workload w;
	struct sim_job_stats js;

	(void)state;
	for (int i = 0; i < 3; i++) {
		struct sim *sim = jobs_until(json, until[i], &w, &js);

		assert_int_equal(js.completed, 0);
		assert_int_equal(js.jobs, misses[i]);
		assert_int_equal(js.misses, misses[i]);
		assert_int_equal(sim_thread_sc_stats(sim, sim->threads[0]).jobs, 0); /* no SC */
		sim_free(sim);
		wl_free(&w);
	}
}

/*
 * With the timer first, nothing runs before the first tick: no job at the start. Ticks at
 * 10, 20, .. ms; the one at 1000 ms is released but due later: 99 jobs. With "loop": 2
 * the program's end completes the second job (at 21 ms: it has no third timer call).
 * A task without a timer has no jobs.
 */
static void timer_first_and_program_end_delimit_jobs(void **state)
{
	struct workload w;
	struct sim_job_stats js;
	struct sim *sim = jobs_run("{ 'tasks': { 'p': { 'timer': { 'ref': 't', 'period': 10000 },\n"
				   "  'run': 1000 }, 'q': { 'loop': 1, 'run': 1 } } }", &w, &js);

	(void)state;
	assert_int_equal(js.jobs, 99);
	assert_int_equal(js.misses, 0);
	assert_int_equal(js.resp_max_ns, 1 * MS);
	assert_int_equal(sim->threads[0]->jobs.log[0].release, 10 * MS);
	assert_false(sim_thread_jobs(sim, sim->threads[1], &js));
	sim_free(sim);
	wl_free(&w);
	sim = jobs_run("{ 'tasks': { 'p': { 'loop': 2, 'timer': { 'ref': 't', 'period': 10000 },\n"
		       "  'run': 1000 } } }", &w, &js);
	assert_int_equal(js.completed, 2);
	assert_int_equal(js.misses, 0);
	assert_int_equal(sim->threads[0]->jobs.log[1].end, 21 * MS);
	sim_free(sim);
	wl_free(&w);
}


/* --- mutexes, condition variables and barriers on the simulated machine -------------- */

/* `json` on `cpus` CPUs until `until`, libsched's checker after every event. */
static struct sim *sync_run(const char *json, unsigned cpus, sched_time_t until,
			    struct workload *w)
{
	struct sim_config cfg = { .cpus = cpus, .smt = 1, .seed = 1 };
	struct sim *sim;

	load_ok(json, w);
	sim = sim_new(&cfg);
	assert_non_null(sim);
	assert_int_equal(sim_load(sim, w), 0);
	sim->check_each_step = true;
	sim_run_until(sim, until);
	return sim;
}

static struct sim_thread *thread_named(struct sim *sim, const char *name, unsigned inst)
{
	for (size_t i = 0; i < sim->nr_threads; i++)
		if (!strcmp(sim->threads[i]->task->name, name) && sim->threads[i]->instance == inst)
			return sim->threads[i];
	fail_msg("no thread %s/%u", name, inst);
	return NULL;
}

/* The CPU time charged to t (its ledger as libsched keeps it, final once it exited). */
static uint64_t runtime_of(struct sim *sim, struct sim_thread *t)
{
	struct sched_acct a;

	if (sched_thread_stats(&sim->sys, sched_ref_of(&t->st), &a) < 0)
		a = t->st.acct;
	return a.v[SCHED_ACCT_RUNTIME];
}

static void assert_ran_clean(const struct sim *sim)
{
	if (sim->error[0])
		fail_msg("the run stopped: %s", sim->error);
	assert_false(sim->stopped);
}

/*
 * Condition variable, one CPU, SCHED_FIFO: "waiter" (20) locks m and waits on q, which
 * releases m; "signaller" (10) runs 5 ms, then locks m and signals q: the waiter now
 * waits for m, which the unlock hands it; it preempts and runs its 1 ms: done at 6 ms.
 */
static void signal_wakes_a_waiter_that_then_takes_the_mutex(void **state)
{
	const char *json = "{ 'global': { 'default_policy': 'SCHED_FIFO' }, 'tasks': {\n"
		"  'waiter': { 'priority': 20, 'loop': 1, 'lock': 'm',\n"
		"              'wait': { 'ref': 'q', 'mutex': 'm' }, 'unlock': 'm', 'run': 1000 },\n"
		"  'signaller': { 'priority': 10, 'loop': 1, 'run': 5000, 'lock': 'm',\n"
		"                 'signal': 'q', 'unlock': 'm' } } }";
	struct workload w;
	struct sim *sim = sync_run(json, 1, 6 * MS - 1, &w);

	(void)state;
	assert_ran_clean(sim);
	assert_true(thread_named(sim, "signaller", 0)->done);
	assert_false(thread_named(sim, "waiter", 0)->done);
	sim_run_until(sim, 6 * MS);
	assert_true(thread_named(sim, "waiter", 0)->done);
	assert_ran_clean(sim);
	sim_free(sim);
	wl_free(&w);
}

/* signal wakes one waiter, broad all of them; a signal nobody waits for is lost. */
static void signal_wakes_one_and_broad_wakes_all(void **state)
{
	const char *json = "{ 'tasks': {\n"
		"  'w': { 'instance': 3, 'loop': 1, 'lock': 'm',\n"
		"         'wait': { 'ref': 'q', 'mutex': 'm' }, 'unlock': 'm', 'run': 100 },\n"
		"  's': { 'loop': 1, 'delay': 1000, 'lock': 'm', 'signal': 'q', 'unlock': 'm',\n"
		"         'sleep': 1000, 'lock1': 'm', 'broad': 'q', 'unlock1': 'm' } } }";
	struct workload w;
	struct sim *sim = sync_run(json, 2, 1500 * 1000, &w);
	unsigned done = 0;

	(void)state;
	assert_ran_clean(sim);
	for (unsigned i = 0; i < 3; i++)
		done += thread_named(sim, "w", i)->done;
	assert_int_equal(done, 1);
	sim_run_until(sim, 10 * MS);
	for (unsigned i = 0; i < 3; i++)
		assert_true(thread_named(sim, "w", i)->done);
	assert_ran_clean(sim);
	sim_free(sim);
	wl_free(&w);
}

/*
 * rt-app's suspend and resume: "resume ev" wakes every thread suspended on "ev", of any
 * task; a signal or broad of that name wakes them too (it is the same condition).
 */
static void resume_and_signal_wake_threads_suspended_on_the_name(void **state)
{
	const char *json = "{ 'tasks': {\n"
		"  'w1': { 'suspend': 'ev', 'run': 100 },\n"
		"  'w2': { 'suspend': 'ev', 'run': 100 },\n"
		"  'k': { 'run': 1000, 'resume': 'ev', 'sleep': 9000 },\n"
		"  'p': { 'suspend', 'run': 1000 },\n"
		"  'q': { 'run': 1000, 'lock': 'p', 'signal': 'p', 'unlock': 'p', 'sleep': 4000 } } }";
	struct workload w;
	struct sim *sim = sync_run(json, 4, 100 * MS, &w);

	(void)state;
	assert_ran_clean(sim);
	/* k resumes at 1, 11, .., 91 ms: ten loops, each waking both */
	assert_int_equal(thread_named(sim, "k", 0)->loops, 10);
	assert_int_equal(thread_named(sim, "w1", 0)->loops, 10);
	assert_int_equal(thread_named(sim, "w2", 0)->loops, 10);
	/* q signals p's own condition every 5 ms: at 1, 6, .., 96 ms */
	assert_int_equal(thread_named(sim, "q", 0)->loops, 20);
	assert_int_equal(thread_named(sim, "p", 0)->loops, 20);
	sim_free(sim);
	wl_free(&w);
}

/* Threads meet at a barrier every loop: everyone waits for the slowest (5 ms). */
static void barrier_makes_every_user_wait_for_the_last(void **state)
{
	const char *json = "{ 'tasks': {\n"
		"  'fast': { 'instance': 2, 'run': 1000, 'barrier': 'b' },\n"
		"  'slow': { 'run': 5000, 'barrier': 'b' } } }";
	struct workload w;
	struct sim *sim = sync_run(json, 4, 50 * MS, &w);

	(void)state;
	assert_ran_clean(sim);
	assert_int_equal(w.barriers[0].count, 3);
	assert_int_equal(thread_named(sim, "slow", 0)->loops, 10);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(thread_named(sim, "fast", i)->loops, 10);
		/* 1 ms of work per 5 ms loop: the rest waiting at the barrier, off the CPU */
		assert_int_equal(runtime_of(sim, thread_named(sim, "fast", i)), 10 * MS);
	}
	sim_free(sim);
	wl_free(&w);
}

/* Two tasks taking two mutexes in opposite orders: libsched refuses the wait that would
 * close the cycle; rt-app would hang there, schedsim stops and says so. */
static void a_cycle_of_mutex_owners_stops_the_run(void **state)
{
	const char *json = "{ 'tasks': {\n"
		"  'a': { 'lock': 'm1', 'run': 1000, 'lock1': 'm2', 'unlock': 'm2', 'unlock1': 'm1' },\n"
		"  'b': { 'lock': 'm2', 'run': 1000, 'lock1': 'm1', 'unlock': 'm1', 'unlock1': 'm2' } } }";
	struct workload w;
	struct sim *sim = sync_run(json, 2, 10 * MS, &w);

	(void)state;
	assert_true(sim->stopped);
	assert_int_equal(sim->now, 1 * MS);
	print_message("%s\n", sim->error);
	assert_true(strncmp(sim->error, "t=0.001000 s: task '", 20) == 0);
	assert_non_null(strstr(sim->error, "waiting would deadlock (a cycle of mutex owners: "
					   "rt-app would hang here for ever)"));
	sim_free(sim);
	wl_free(&w);
}

/* examples/priority_inversion.json on one CPU for its 1 s, mutexes proxy (pi) or plain:
 * the job figures of `task`. */
static void inversion_jobs(bool pi, const char *task, struct sim_job_stats *js)
{
	struct sim_config cfg = { .cpus = 1, .smt = 1, .seed = 1 };
	char path[1100];
	struct workload w;
	struct sim *sim;

	snprintf(path, sizeof(path), "%s/../../examples/priority_inversion.json",
		 example_path(""));
	if (wl_load_file(path, &w, err, sizeof(err)))
		fail_msg("%s", err);
	assert_false(w.pi_enabled); /* the file's, rt-app's default */
	w.pi_enabled = pi;          /* as schedsim --pi on|off */
	sim = sim_new(&cfg);
	assert_non_null(sim);
	assert_int_equal(sim_load(sim, &w), 0);
	sim->check_each_step = true;
	sim_run_until(sim, 1000 * MS);
	assert_ran_clean(sim);
	assert_true(sim_thread_jobs(sim, thread_named(sim, task, 0), js));
	sim_free(sim);
	wl_free(&w);
}

/*
 * examples/priority_inversion.json on one CPU, every 100 ms: low (FIFO 10) locks m at 0
 * and works 10 ms in it; high (FIFO 30) wakes at 2, preempts low and waits for m; medium
 * (FIFO 20) wakes at 3 and works 50 ms. Computed by hand from the file:
 *   plain mutexes (pi_enabled false): low has run 2 + 1 ms when medium preempts it; medium
 *     runs 3 .. 53, low its other 7 ms 53 .. 60, high 60 .. 61: response 59 ms (>= medium's
 *     50 ms: the inversion);
 *   proxy (true): low runs with high's priority from 2 on, medium waits; low unlocks at 10,
 *     high runs 10 .. 11: response 9 ms, its own 1 ms and low's remaining 8 ms in m;
 *     medium then runs 11 .. 61: 58 ms after its release.
 * Every period is the same: 10 jobs each in 1 s, all equal.
 */
static void priority_inversion_example_is_bounded_by_proxy_execution(void **state)
{
	struct sim_job_stats js;

	(void)state;
	inversion_jobs(false, "high", &js);
	assert_int_equal(js.jobs, 10);
	assert_int_equal(js.misses, 0);
	assert_true(js.resp_max_ns >= 50 * MS); /* medium's whole run */
	assert_int_equal(js.resp_max_ns, 59 * MS);
	assert_int_equal(js.resp_p50_ns, 59 * MS);
	inversion_jobs(false, "medium", &js);
	assert_int_equal(js.resp_max_ns, 50 * MS);
	inversion_jobs(true, "high", &js);
	assert_int_equal(js.jobs, 10);
	assert_int_equal(js.resp_max_ns, 9 * MS);
	assert_int_equal(js.resp_p50_ns, 9 * MS);
	inversion_jobs(true, "medium", &js);
	assert_int_equal(js.resp_max_ns, 58 * MS);
	inversion_jobs(true, "low", &js);
	assert_int_equal(js.resp_max_ns, 61 * MS);
}

/* rt-app's shipped examples, where rt-app (a build dependency on Debian) installs them:
 * they are not copied here (rt-app is GPL-2.0). */
#define RTAPP_EXAMPLES "/usr/share/doc/rt-app/examples"

/*
 * rt-app's mp3-short.json and mp3-long.json: a 6 ms audio tick resumes AudioOut, which
 * resumes AudioTrack, which resumes mp3.decoder, which hands each buffer to OMXCall
 * through condition "queue" under mutex "mutex" (signal, then wait for the reply). 2 s on
 * 2 CPUs under libsched's checker, both ways of pi_enabled: every link of the chain runs
 * once per tick period and the decoder and OMXCall take turns.
 */
static void rt_app_mp3_examples_run(void **state)
{
	static const char *const files[] = { "mp3-short.json", "mp3-long.json" };
	struct sim_config cfg = { .cpus = 2, .smt = 1, .seed = 1 };
	char path[256];

	(void)state;
	if (access(RTAPP_EXAMPLES "/mp3-short.json", R_OK) != 0) {
		print_message("rt-app's examples are not in " RTAPP_EXAMPLES ": skipped\n");
		skip();
	}
	for (size_t f = 0; f < 2; f++) {
		for (int pi = 0; pi < 2; pi++) {
			struct workload w;
			struct sim *sim;
			uint64_t tick, dec, omx;

			snprintf(path, sizeof(path), RTAPP_EXAMPLES "/%s", files[f]);
			if (wl_load_file(path, &w, err, sizeof(err)))
				fail_msg("%s", err);
			w.pi_enabled = pi;
			sim = sim_new(&cfg);
			assert_non_null(sim);
			assert_int_equal(sim_load(sim, &w), 0);
			sim->check_each_step = true;
			sim_run_until(sim, 2000 * MS);
			assert_ran_clean(sim);
			tick = thread_named(sim, "AudioTick", 0)->loops;
			dec = thread_named(sim, "mp3.decoder", 0)->loops;
			omx = thread_named(sim, "OMXCall", 0)->loops;
			print_message("%s, pi %d: %llu ticks, %llu decoded, %llu OMX calls\n",
				      files[f], pi, (unsigned long long)tick,
				      (unsigned long long)dec, (unsigned long long)omx);
			assert_true(tick >= 60);
			assert_true(thread_named(sim, "AudioOut", 0)->loops + 1 >= tick);
			assert_true(thread_named(sim, "AudioTrack", 0)->loops + 1 >= tick);
			assert_true(dec + 1 >= tick);
			assert_true(omx + 1 >= dec && omx <= dec + 1);
			sim_free(sim);
			wl_free(&w);
		}
	}
}


/* --- rt-app's mem, iorun, timers by ref, per-phase settings, examples ------------------ */

/*
 * "mem" and "iorun" are runs of their cost (docs/schedsim.md, "Events"): bytes / mem_mb_s
 * for mem; for iorun one io_call_us per write() of at most mem_buffer_size bytes.
 */
static void mem_and_iorun_cost_what_the_docs_say(void **state)
{
	struct workload w;

	(void)state;
	load_ok("{ 'tasks': { 'a': { 'mem': 4000, 'iorun0': 100000, 'iorun1': 0 } } }", &w);
	assert_int_equal(event(&w, 0, 0, 0)->kind, WL_RUN);
	assert_int_equal(event(&w, 0, 0, 0)->bytes, 4000);
	assert_int_equal(event(&w, 0, 0, 0)->ns, 100);  /* 4000 B at 40000 MB/s */
	assert_int_equal(event(&w, 0, 0, 1)->io, 1);
	assert_int_equal(event(&w, 0, 0, 1)->ns, 1200); /* one write() of 4 MiB at most */
	assert_int_equal(event(&w, 0, 0, 2)->ns, 0);
	wl_free(&w);
	load_ok("{ 'libsched': { 'mem_mb_s': 1000, 'io_call_us': 2 },\n"
		"  'global': { 'mem_buffer_size': 1000 },\n"
		"  'tasks': { 'a': { 'mem': 5000, 'iorun': 2500 } } }", &w);
	assert_int_equal(event(&w, 0, 0, 0)->ns, 5000); /* 5000 B at 1000 MB/s: 5 us */
	assert_int_equal(event(&w, 0, 0, 1)->ns, 6000); /* 3 writes of 2 us */
	wl_free(&w);
	assert_rejected("{ 'tasks': { 'a': {\n 'mem': -1 } } }",
			"test.json:2: key 'mem': must be between 0 and 2147483647, got -1");
	assert_rejected("{ 'libsched': { 'mem_mb_s': 0 }, 'tasks': { 'a': { 'run': 1 } } }",
			"test.json:1: key 'mem_mb_s': must be between 1 and 1000000000, got 0");
}

/* On the machine: 10 loops of a 4 MB mem (100 us each) and a sleep: 1 ms of CPU. */
static void mem_work_is_charged_as_cpu_time(void **state)
{
	struct workload w;
	struct sim *sim = sync_run("{ 'tasks': { 'a': { 'loop': 10, 'mem': 4000000,\n"
				   "  'sleep': 1000 } } }", 1, 100 * MS, &w);

	(void)state;
	assert_ran_clean(sim);
	assert_true(thread_named(sim, "a", 0)->done);
	assert_int_equal(runtime_of(sim, thread_named(sim, "a", 0)), 1 * MS);
	sim_free(sim);
	wl_free(&w);
}

/*
 * rt-app's timers: one per ref, shared by every thread naming it (each use adds a period,
 * so two threads on a 10 ms timer each loop every 20 ms), unless the ref starts with
 * "unique" (one per thread, and one for both phases of a thread that names it twice).
 */
static void timers_are_shared_by_ref_unless_unique(void **state)
{
	uint64_t events, shared, unique;
	struct workload w;

	(void)state;
	load_ok("{ 'tasks': { 'a': { 'phases': {\n"
		"  'p': { 'run': 1, 'timer': { 'ref': 'uniqueX', 'period': 10 } },\n"
		"  'q': { 'run': 1, 'timer': { 'ref': 'uniqueX', 'period': 10 },\n"
		"         'timer1': { 'ref': 'tick', 'period': 10 } } } },\n"
		"  'b': { 'run': 1, 'timer': { 'ref': 'tick', 'period': 10 } } } }", &w);
	assert_int_equal(w.nr_timers, 1);
	assert_int_equal(w.tasks[0].nr_unique_timers, 1);
	assert_true(event(&w, 0, 0, 1)->unique && event(&w, 0, 1, 1)->unique);
	assert_int_equal(event(&w, 0, 0, 1)->timer, event(&w, 0, 1, 1)->timer);
	assert_false(event(&w, 0, 1, 2)->unique);
	assert_int_equal(event(&w, 1, 0, 1)->timer, 0);
	wl_free(&w);
	shared = loops_in("{ 'tasks': { 'a': { 'instance': 2, 'run': 1000,\n"
			  "  'timer': { 'ref': 'tick', 'period': 10000 } } } }", 1000 * MS,
			  &events);
	unique = loops_in("{ 'tasks': { 'a': { 'instance': 2, 'run': 1000,\n"
			  "  'timer': { 'ref': 'unique', 'period': 10000 } } } }", 1000 * MS,
			  &events);
	print_message("1 s: %llu loops on a shared timer, %llu on unique ones\n",
		      (unsigned long long)shared, (unsigned long long)unique);
	assert_true(shared >= 99 && shared <= 101);
	assert_true(unique >= 198 && unique <= 202);
}

/*
 * rt-app's fork: each of the parent's 3 loops (10 ms run, fork, 90 ms sleep) starts one
 * more thread of "child" ("instance": 0: none at the start) at 10, 110 and 210 ms,
 * numbered 0, 1, 2, each running its own 2 loops of 5 ms on its own unique timer.
 */
static void fork_starts_a_thread_of_the_named_task(void **state)
{
	struct workload w;
	struct sim *sim = sync_run("{ 'tasks': {\n"
				   "  'parent': { 'loop': 3, 'run': 10000, 'fork': 'child',\n"
				   "              'sleep': 90000 },\n"
				   "  'child': { 'instance': 0, 'loop': 2, 'run': 5000,\n"
				   "    'timer': { 'ref': 'unique', 'period': 20000 } } } }",
				   2, 9 * MS, &w);

	(void)state;
	assert_int_equal(w.tasks[1].instances, 0);
	assert_int_equal(event(&w, 0, 0, 1)->kind, WL_FORK);
	assert_int_equal(event(&w, 0, 0, 1)->task, 1);
	assert_int_equal(sim->nr_threads, 1);
	sim_run_until(sim, 10 * MS);
	assert_int_equal(sim->nr_threads, 2);
	assert_int_equal(sim->threads[1]->st.acct.v[SCHED_ACCT_RUNTIME], 0);
	sim_run_until(sim, 111 * MS);
	assert_int_equal(sim->nr_threads, 3);
	assert_true(thread_named(sim, "child", 0)->done);
	assert_int_equal(runtime_of(sim, thread_named(sim, "child", 0)), 10 * MS);
	sim_run_until(sim, 300 * MS);
	assert_ran_clean(sim);
	assert_int_equal(sim->nr_threads, 4);
	assert_int_equal(thread_named(sim, "child", 2)->loops, 2);
	assert_int_equal(runtime_of(sim, thread_named(sim, "child", 2)), 10 * MS);
	sim_free(sim);
	wl_free(&w);
}

/*
 * join and reap: each of the parent's 3 loops forks a child and waits for its end. A child
 * of 5 ms outlives the parent's 1 ms run: the parent waits, and the child's end wakes it
 * with the event's reason; 2 such wakes, as the third join is the program's last event,
 * which is not waited for (as a last suspend is not). A child of 0.1 ms has ended before:
 * the end is kept and the join goes on at once (no wake).
 */
static void join_and_reap_wait_for_the_end_of_a_thread(void **state)
{
	static const char *const kinds[] = { "join", "reap" };
	static const enum sched_wake_reason why[] = { SCHED_WAKE_JOIN, SCHED_WAKE_PROCESS };
	char json[512];

	(void)state;
	for (unsigned k = 0; k < 2; k++) {
		for (unsigned child_us = 100; child_us <= 5000; child_us += 4900) {
			struct workload w;
			struct sim *sim;

			snprintf(json, sizeof(json), "{ 'tasks': {\n"
				 "  'parent': { 'loop': 3, 'fork': 'child', 'run': 1000, '%s': 'child' },\n"
				 "  'child': { 'instance': 0, 'loop': 1, 'run': %u } } }",
				 kinds[k], child_us);
			sim = sync_run(json, 2, 30 * MS, &w);
			assert_int_equal(event(&w, 0, 0, 2)->kind, k ? WL_REAP : WL_JOIN);
			assert_int_equal(event(&w, 0, 0, 2)->task, 1);
			assert_ran_clean(sim);
			assert_int_equal(thread_named(sim, "parent", 0)->loops, 3);
			assert_true(thread_named(sim, "parent", 0)->done);
			assert_int_equal(sim->wakes_by[why[k]].wakes, child_us > 1000 ? 2 : 0);
			assert_int_equal(sim->wakes_by[why[!k]].wakes, 0);
			sim_free(sim);
			wl_free(&w);
		}
	}
}

/* rt-app's example8: phase 1 on CPU 0, phase 2 on CPU 1, phase 3 on the task's CPU 2. */
static void phase_cpus_move_the_thread(void **state)
{
	struct workload w;
	struct sim *sim = sync_run("{ 'tasks': { 't': { 'cpus': [2], 'loop': 1, 'phases': {\n"
				   "  'p1': { 'cpus': [0], 'run': 1500 },\n"
				   "  'p2': { 'cpus': [1], 'run': 1500 },\n"
				   "  'p3': { 'run': 1500 } } } } }", 4, 1 * MS, &w);
	struct sim_thread *t = thread_named(sim, "t", 0);

	(void)state;
	assert_int_equal(w.tasks[0].phase_sched, 1);
	assert_int_equal(t->st.cpu, 0);
	sim_run_until(sim, 2 * MS);
	assert_int_equal(t->st.cpu, 1);
	sim_run_until(sim, 4 * MS);
	assert_int_equal(t->st.cpu, 2);
	sim_run_until(sim, 5 * MS);
	assert_ran_clean(sim);
	assert_true(t->done);
	assert_int_equal(runtime_of(sim, t), 4500 * 1000);
	sim_free(sim);
	wl_free(&w);
}

/* A phase's policy is the thread's class from its first event: fair, SCHED_FIFO 50, a
 * SCHED_DEADLINE reservation of 10 ms / 20 ms, then fair again at nice 5. */
static void phase_policy_changes_the_class(void **state)
{
	struct workload w;
	struct sim *sim = sync_run("{ 'tasks': { 't': { 'loop': 1, 'phases': {\n"
				   "  'fair': { 'run': 10000 },\n"
				   "  'fifo': { 'policy': 'SCHED_FIFO', 'priority': 50,\n"
				   "            'run': 10000 },\n"
				   "  'dl': { 'policy': 'SCHED_DEADLINE', 'dl-runtime': 10000,\n"
				   "          'dl-period': 20000, 'run': 15000 },\n"
				   "  'back': { 'policy': 'SCHED_OTHER', 'priority': 5,\n"
				   "            'run': 10000 } } } } }", 1, 5 * MS, &w);
	struct sim_thread *t = thread_named(sim, "t", 0);

	(void)state;
	assert_int_equal(w.tasks[0].phase_deadline, 1);
	assert_int_equal(w.tasks[0].phases[1].sched.rt_prio, 50);
	assert_int_equal(t->st.rt_prio, 0);
	sim_run_until(sim, 15 * MS);
	assert_int_equal(t->st.rt_prio, 50);
	sim_run_until(sim, 25 * MS);
	assert_true(t->sc_bound);
	assert_int_equal(t->st.rt_prio, 0);
	sim_run_until(sim, 60 * MS); /* 10 ms, throttled to 40 ms, 5 ms: 45 ms */
	assert_false(t->sc_bound);
	assert_int_equal(t->st.nice, 5);
	sim_run_until(sim, 100 * MS);
	assert_ran_clean(sim);
	assert_true(t->done);
	sim_free(sim);
	wl_free(&w);
}

/* Per-phase keys are checked as the task's are, against the phase's policy. */
static void bad_phase_settings_are_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 't': { 'phases': { 'p': {\n"
			"  'policy': 'SCHED_FIFO', 'priority': 200, 'run': 1 } } } } }",
			"test.json:2: key 'priority': must be between 1 and 99, got 200");
	assert_rejected("{ 'tasks': { 't': { 'phases': { 'p': {\n"
			"  'dl-runtime': 1000, 'run': 1 } } } } }",
			"test.json:2: key 'dl-runtime': only for \"policy\": \"SCHED_DEADLINE\"");
	assert_rejected("{ 'tasks': { 't': { 'phases': { 'p': {\n"
			"  'cpus': [64], 'run': 1 } } } } }",
			"test.json:2: key 'cpus': must be between 0 and 63, got 64");
	assert_rejected("{ 'tasks': { 't': { 'phases': { 'p': {\n"
			"  'instance': 2, 'run': 1 } } } } }",
			"test.json:2: key 'instance': unknown key in phase");
}

/* rt-app's examples/merge/ are fragments in rt-app's grammar before 1.0: said so. */
static void merge_fragments_are_refused_clearly(void **state)
{
	(void)state;
	assert_rejected("{ 'global': { 'duration': 5 } }",
			"test.json:1: key 'tasks': missing (a fragment for rt-app's merge.py, "
			"such as its examples/merge/*.json, is not a workload by itself)");
	assert_rejected("{ 'tasks': { 't': {\n 'exec': 5000, 'period': 5000 } } }",
			"test.json:2: key 'exec': rt-app's task grammar before 1.0 (\"exec\", "
			"\"period\", \"lock_order\", \"resources\"), which rt-app 1.0 reads no "
			"more: write the task with events (run, timer, lock, ...)");
}

/* tutorial/example6.json (mem, iorun) and example8.json (per-phase cpus) load. */
static void rt_app_examples_6_and_8_load(void **state)
{
	static const char *const files[] = { "tutorial/example6.json",
					     "tutorial/example8.json" };
	char path[256];

	(void)state;
	if (access(RTAPP_EXAMPLES "/tutorial/example6.json", R_OK) != 0) {
		print_message("rt-app's examples are not in " RTAPP_EXAMPLES ": skipped\n");
		skip();
	}
	for (size_t f = 0; f < 2; f++) {
		struct workload w;

		snprintf(path, sizeof(path), RTAPP_EXAMPLES "/%s", files[f]);
		if (wl_load_file(path, &w, err, sizeof(err)))
			fail_msg("%s", err);
		wl_free(&w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_nested_objects_and_arrays_form_a_tree),
		cmocka_unit_test(json_string_escapes_are_decoded_to_utf8),
		cmocka_unit_test(json_values_and_members_record_their_source_line),
		cmocka_unit_test(json_numbers_keep_an_integer_flag),
		cmocka_unit_test(json_repeated_keys_are_kept_in_file_order),
		cmocka_unit_test(json_trailing_commas_are_accepted),
		cmocka_unit_test(json_bare_suspend_key_is_accepted),
		cmocka_unit_test(json_error_gives_line_and_key),
		cmocka_unit_test(json_unterminated_string_is_reported_on_its_line),
		cmocka_unit_test(json_unterminated_comment_is_reported_where_it_starts),
		cmocka_unit_test(json_rejects_malformed_documents),
		cmocka_unit_test(json_rejects_nesting_deeper_than_64),
		cmocka_unit_test(comments_and_trailing_commas_are_accepted),
		cmocka_unit_test(task_without_phases_gets_one_phase_named_after_it),
		cmocka_unit_test(task_settings_default_like_rt_app),
		cmocka_unit_test(task_settings_are_read),
		cmocka_unit_test(tasks_keep_file_order),
		cmocka_unit_test(repeated_run_keys_are_kept_in_file_order),
		cmocka_unit_test(event_keys_match_by_prefix_like_rt_app),
		cmocka_unit_test(phases_keep_file_order_and_loop_counts),
		cmocka_unit_test(timer_mode_defaults_to_relative_and_absolute_is_kept),
		cmocka_unit_test(microseconds_become_nanoseconds_rounded_to_nearest),
		cmocka_unit_test(global_duration_in_seconds_becomes_nanoseconds),
		cmocka_unit_test(default_policy_applies_to_tasks_without_their_own),
		cmocka_unit_test(harmless_rt_app_global_keys_are_accepted),
		cmocka_unit_test(cpus_array_becomes_a_bitmask),
		cmocka_unit_test(libsched_group_is_kept),
		cmocka_unit_test(suspend_and_resume_name_conditions),
		cmocka_unit_test(example_hogs_nice_loads),
		cmocka_unit_test(example_sleepers_loads),
		cmocka_unit_test(unknown_task_key_is_rejected),
		cmocka_unit_test(fork_of_a_task_schedsim_cannot_fork_is_rejected),
		cmocka_unit_test(unmodelled_rt_app_task_key_is_rejected),
		cmocka_unit_test(realtime_policies_take_a_realtime_priority),
		cmocka_unit_test(mutex_condition_and_barrier_events_are_read),
		cmocka_unit_test(pi_enabled_is_read_and_must_be_a_boolean),
		cmocka_unit_test(bad_mutex_condition_and_barrier_events_are_rejected),
		cmocka_unit_test(misuse_of_a_mutex_is_rejected_at_load),
		cmocka_unit_test(bad_json_is_rejected_with_line_and_key),
		cmocka_unit_test(negative_durations_are_rejected),
		cmocka_unit_test(loop_zero_is_rejected),
		cmocka_unit_test(task_with_both_phases_and_events_is_rejected),
		cmocka_unit_test(task_or_phase_without_events_is_rejected),
		cmocka_unit_test(top_level_and_global_keys_are_checked),
		cmocka_unit_test(settings_given_twice_are_rejected),
		cmocka_unit_test(out_of_range_settings_are_rejected),
		cmocka_unit_test(bad_timers_are_rejected),
		cmocka_unit_test(libsched_accepts_only_its_known_keys),
		cmocka_unit_test(libsched_slice_and_ipc_keys_are_read),
		cmocka_unit_test(deadline_times_are_microseconds_with_rt_app_defaults),
		cmocka_unit_test(deadline_sc_defaults_to_cbs_throttle_like_linux),
		cmocka_unit_test(deadline_libsched_keys_are_read),
		cmocka_unit_test(deadline_runtime_above_period_is_rejected),
		cmocka_unit_test(deadline_out_of_order_or_out_of_range_times_are_rejected),
		cmocka_unit_test(deadline_keys_on_other_policies_are_rejected),
		cmocka_unit_test(deadline_bad_sc_keys_are_rejected),
		cmocka_unit_test(example_deadline_loads),
		cmocka_unit_test(error_message_is_truncated_to_errlen),
		cmocka_unit_test(missing_file_is_reported_by_path),
		cmocka_unit_test(workload_text_above_16_mib_is_refused),
		cmocka_unit_test(workload_file_above_16_mib_or_endless_is_refused),
		cmocka_unit_test(fifty_thousand_tasks_load_in_n_log_n),
		cmocka_unit_test(zero_time_phases_start_with_a_run_of_1_us),
		cmocka_unit_test(zero_time_phase_of_64_events_is_rejected),
		cmocka_unit_test(zero_time_loops_run_one_pass_per_microsecond),
		cmocka_unit_test(json_strings_must_be_valid_utf8),
		cmocka_unit_test(json_document_of_more_than_2_20_values_is_refused),
		cmocka_unit_test(times_and_durations_have_upper_bounds),
		cmocka_unit_test(threads_and_thread_phases_are_bounded_in_all),
		cmocka_unit_test(distinct_groups_and_cookies_are_bounded),
		cmocka_unit_test(event_budget_stops_a_run),
		cmocka_unit_test(light_periodic_task_responds_in_its_run_time),
		cmocka_unit_test(overloaded_deadline_tasks_miss_their_jobs),
		cmocka_unit_test(periodic_task_longer_than_its_period_misses_every_job),
		cmocka_unit_test(unfinished_job_past_its_deadline_is_a_miss),
		cmocka_unit_test(timer_first_and_program_end_delimit_jobs),
		cmocka_unit_test(signal_wakes_a_waiter_that_then_takes_the_mutex),
		cmocka_unit_test(signal_wakes_one_and_broad_wakes_all),
		cmocka_unit_test(resume_and_signal_wake_threads_suspended_on_the_name),
		cmocka_unit_test(barrier_makes_every_user_wait_for_the_last),
		cmocka_unit_test(a_cycle_of_mutex_owners_stops_the_run),
		cmocka_unit_test(priority_inversion_example_is_bounded_by_proxy_execution),
		cmocka_unit_test(rt_app_mp3_examples_run),
		cmocka_unit_test(mem_and_iorun_cost_what_the_docs_say),
		cmocka_unit_test(mem_work_is_charged_as_cpu_time),
		cmocka_unit_test(timers_are_shared_by_ref_unless_unique),
		cmocka_unit_test(fork_starts_a_thread_of_the_named_task),
		cmocka_unit_test(join_and_reap_wait_for_the_end_of_a_thread),
		cmocka_unit_test(join_of_an_unknown_task_is_rejected),
		cmocka_unit_test(ipc_wake_needs_ipc),
		cmocka_unit_test(phase_cpus_move_the_thread),
		cmocka_unit_test(phase_policy_changes_the_class),
		cmocka_unit_test(bad_phase_settings_are_rejected),
		cmocka_unit_test(merge_fragments_are_refused_clearly),
		cmocka_unit_test(rt_app_examples_6_and_8_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
