// SPDX-License-Identifier: MIT
/*
 * test_workload.c - specification of schedsim's JSON parser and rt-app workload loader.
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

#include "json.h"
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

static void suspend_and_resume_name_tasks(void **state)
{
	struct workload w;

	(void)state;
	/* "resume" may name a task defined later in the file */
	load_ok("{ 'tasks': {\n"
		"  'waker': { 'run': 1, 'resume': 'sleeper', 'sleep': 10 },\n"
		"  'sleeper': { 'suspend': 'sleeper', 'run': 1 } } }",
		&w);
	assert_int_equal(event(&w, 0, 0, 1)->kind, WL_RESUME);
	assert_string_equal(event(&w, 0, 0, 1)->ref, "sleeper");
	assert_int_equal(event(&w, 1, 0, 0)->kind, WL_SUSPEND);
	assert_null(event(&w, 1, 0, 0)->ref);
	wl_free(&w);
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

static void unmodelled_rt_app_event_is_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': {\n"
			"  'a': {\n"
			"    'lock': 'm',\n"
			"    'run': 1\n"
			"} } }",
			"test.json:3: key 'lock': event not supported by schedsim");
	assert_rejected("{ 'tasks': { 'a': { 'phases': { 'p': {\n"
			"  'run': 1, 'barrier0': 'b' } } } } }",
			"test.json:2: key 'barrier0': event not supported by schedsim");
}

static void unmodelled_rt_app_task_key_is_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': { 'run': 1,\n"
			"  'util_min': 100 } } }",
			"test.json:2: key 'util_min': not supported yet");
}

static void realtime_policies_are_rejected_as_not_supported_yet(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': { 'a': {\n"
			"  'policy': 'SCHED_FIFO', 'run': 1 } } }",
			"test.json:2: key 'policy': SCHED_FIFO is not supported yet");
	assert_rejected("{ 'global': {\n"
			"  'default_policy': 'SCHED_RR' },\n"
			"  'tasks': { 'a': { 'run': 1 } } }",
			"test.json:2: key 'default_policy': SCHED_RR is not supported yet");
	assert_rejected("{ 'tasks': { 'a': { 'policy': 'SCHED_FOO', 'run': 1 } } }",
			"test.json:1: key 'policy': unknown policy 'SCHED_FOO' "
			"(expected SCHED_OTHER, SCHED_BATCH, SCHED_IDLE or SCHED_DEADLINE)");
}

static void resume_of_a_task_that_does_not_exist_is_rejected(void **state)
{
	(void)state;
	assert_rejected("{ 'tasks': {\n"
			"  'a': { 'run': 1,\n"
			"         'resume1': 'ghost' } } }",
			"test.json:3: key 'resume1': no task named 'ghost' to resume");
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
	assert_rejected("{ 'global': {} }", "test.json:1: key 'tasks': missing");
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
	assert_rejected("{ 'tasks': { 'a': { 'instance': 0, 'run': 1 } } }",
			"test.json:1: key 'instance': must be between 1 and 65536, got 0");
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
			"(known: group, slice_us, ipc, sc_mode, overrun, refills)");
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
			"test.json:2: key 'dl-runtime': unknown key in phase");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_nested_objects_and_arrays_form_a_tree),
		cmocka_unit_test(json_string_escapes_are_decoded_to_utf8),
		cmocka_unit_test(json_values_and_members_record_their_source_line),
		cmocka_unit_test(json_numbers_keep_an_integer_flag),
		cmocka_unit_test(json_repeated_keys_are_kept_in_file_order),
		cmocka_unit_test(json_trailing_commas_are_accepted),
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
		cmocka_unit_test(suspend_and_resume_name_tasks),
		cmocka_unit_test(example_hogs_nice_loads),
		cmocka_unit_test(example_sleepers_loads),
		cmocka_unit_test(unknown_task_key_is_rejected),
		cmocka_unit_test(unmodelled_rt_app_event_is_rejected),
		cmocka_unit_test(unmodelled_rt_app_task_key_is_rejected),
		cmocka_unit_test(realtime_policies_are_rejected_as_not_supported_yet),
		cmocka_unit_test(resume_of_a_task_that_does_not_exist_is_rejected),
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
