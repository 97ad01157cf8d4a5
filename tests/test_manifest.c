/* SPDX-License-Identifier: MIT */
/*
 * test_manifest.c - profile manifests as a specification (policy/manifest.h): what a good
 * manifest gives, every error with its exact message and position (and that a refused
 * manifest changes nothing: the live one stays, byte for byte), rule precedence, and a
 * reload through the policy service with and without re-applying profiles to the threads
 * it knows, on the simulated machine.
 */
#include "simtest.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h" /* the library's own bounds, to compare ours with */
#include "weight.h"
#include "manifest.h"
#include "service.h"

_Static_assert(POL_SLICE_MIN_NS == SCHED_SLICE_MIN, "slice bounds as the library's");
_Static_assert(POL_SLICE_MAX_NS == SCHED_SLICE_MAX, "slice bounds as the library's");
_Static_assert(POL_NICE_MIN == SCHED_NICE_MIN && POL_NICE_MAX == SCHED_NICE_MAX,
	       "nice bounds as the library's");

#define ARENA (64 * 1024)

static const char good[] =
	"# comment\n"
	"profile default     nice=0\n"
	"profile interactive nice=-5 slice=1ms\n"
	"profile audio       nice=-10 sc=2ms/10ms deadline=5ms dispatch=partitioned cookie=own lease=no island=yes\n"
	"profile batch       nice=10 slice=20ms lease=yes   # trailing comment\n"
	"\n"
	"rule process=mpd     profile=audio\n"
	"rule session=7       profile=interactive\n"
	"rule service=backup  profile=batch\n"
	"default profile=default\n";

static struct pol_manifests *new_manifests(size_t bytes)
{
	struct pol_manifests *ms = calloc(1, sizeof(*ms));
	void *mem = malloc(bytes);

	assert_non_null(ms);
	assert_non_null(mem);
	assert_int_equal(pol_manifests_init(ms, mem, bytes), 0);
	return ms;
}

static void free_manifests(struct pol_manifests *ms)
{
	/* the first arena starts at the memory given (malloc's alignment is 16) */
	free(ms->arena[0].base);
	free(ms);
}

static int load(struct pol_manifests *ms, const char *text, struct pol_error *err)
{
	return pol_manifests_load(ms, text, strlen(text), err);
}

static const struct pol_profile *profile(struct pol_manifests *ms, const char *name)
{
	const struct pol_profile *p = pol_manifest_profile(pol_manifests_live(ms), name);

	assert_non_null(p);
	return p;
}

static void a_good_manifest_gives_its_profiles(void **state)
{
	struct pol_manifests *ms = new_manifests(ARENA);
	const struct pol_manifest *m;
	const struct pol_profile *p;
	struct pol_error err;

	(void)state;
	assert_null(pol_manifests_live(ms));
	assert_int_equal(load(ms, good, &err), 0);
	assert_int_equal(err.kind, POL_PERR_NONE);
	m = pol_manifests_live(ms);
	assert_int_equal(m->nr_profiles, 4);
	assert_int_equal(m->nr_rules, 3);
	assert_string_equal(m->dflt->name, "default");

	p = profile(ms, "audio");
	assert_int_equal(p->line, 4);
	assert_int_equal(p->fair.nice, -10);
	assert_int_equal(p->fair.slice_ns, 0);
	assert_true(p->has_sc);
	assert_int_equal(p->budget_ns, 2 * MS);
	assert_int_equal(p->period_ns, 10 * MS);
	assert_int_equal(p->deadline_ns, 5 * MS);
	assert_int_equal(p->dispatch, SCHED_SC_PARTITIONED);
	assert_int_equal(p->cookie, POL_COOKIE_OWN);
	assert_false(p->lease);
	assert_true(p->island);

	p = profile(ms, "batch");
	assert_int_equal(p->fair.nice, 10);
	assert_int_equal(p->fair.slice_ns, 20 * MS);
	assert_false(p->has_sc);
	assert_true(p->lease);
	assert_false(p->island);
	assert_int_equal(p->cookie, POL_COOKIE_INHERIT);
	assert_int_equal(p->dispatch, SCHED_SC_GLOBAL);

	p = profile(ms, "interactive");
	assert_int_equal(p->fair.nice, -5);
	assert_int_equal(p->fair.slice_ns, 1 * MS);
	assert_null(pol_manifest_profile(m, "nosuch"));
	free_manifests(ms);
}

static void durations_are_exact_in_every_unit(void **state)
{
	static const struct { const char *v; uint64_t ns; } cases[] = {
		{ "0.1ms", 100 * US }, { "100us", 100 * US }, { "100000ns", 100 * US },
		{ "1.5ms", 1500 * US }, { "0.02s", 20 * MS }, { "100ms", 100 * MS },
		{ "0.000100s", 100 * US }, { "2.50ms", 2500 * US }, { "99.999999ms", 99999999 },
	};
	struct pol_manifests *ms = new_manifests(ARENA);
	char text[256];

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "profile p slice=%s\ndefault profile=p\n", cases[i].v);
		assert_int_equal(load(ms, text, NULL), 0);
		assert_int_equal(profile(ms, "p")->fair.slice_ns, cases[i].ns);
	}
	/* sc at its bounds: the minimum budget, budget == period, the longest period */
	assert_int_equal(load(ms, "profile p sc=10us/10us\ndefault profile=p\n", NULL), 0);
	assert_int_equal(profile(ms, "p")->budget_ns, SCHED_SC_BUDGET_MIN_NS);
	assert_int_equal(load(ms, "profile p sc=1ms/68719476736ns deadline=1ms\n"
			      "default profile=p\n", NULL), 0);
	assert_int_equal(profile(ms, "p")->period_ns, SCHED_SC_PERIOD_MAX_NS);
	assert_int_equal(profile(ms, "p")->deadline_ns, MS);
	/* nice at its bounds, a '+' sign, CRLF line ends, tabs */
	assert_int_equal(load(ms, "profile a nice=-20\r\nprofile b\tnice=+19\r\ndefault profile=a\r\n",
			      NULL), 0);
	assert_int_equal(profile(ms, "a")->fair.nice, -20);
	assert_int_equal(profile(ms, "b")->fair.nice, 19);
	free_manifests(ms);
}

/* One refused manifest: its kind, line, column and exact message. */
struct bad {
	const char *text;
	unsigned kind, line, col;
	const char *msg;
};

static const struct bad bad_cases[] = {
	{ "profile default nice=0\nprofile batch wieght=3\ndefault profile=default\n",
	  POL_PERR_UNKNOWN_KEY, 2, 15,
	  "manifest:2:15: unknown key \"wieght\" (nice, slice, sc, deadline, dispatch, cookie, lease, island)" },
	{ "profile a\nprofile audio nice=1\nprofile b\nprofile c\nprofile audio nice=2\n",
	  POL_PERR_DUP_PROFILE, 5, 1,
	  "manifest:5:1: profile \"audio\" defined twice (first at line 2)" },
	{ "profile audio\ndefault profile=audio\nrule process=mpd profile=adio\n",
	  POL_PERR_UNKNOWN_PROFILE, 3, 18,
	  "manifest:3:18: rule names unknown profile \"adio\"" },
	{ "profile a\ndefault profile=b\n",
	  POL_PERR_UNKNOWN_PROFILE, 2, 9, "manifest:2:9: default names unknown profile \"b\"" },
	{ "profile a\nrule process=x profile=a\nrule  process=x profile=a\ndefault profile=a\n",
	  POL_PERR_DUP_RULE, 3, 1,
	  "manifest:3:1: rule for process \"x\" given twice (first at line 2)" },
	{ "profile a\nrule session=7 profile=a\nrule session=07 profile=a\n",
	  POL_PERR_DUP_RULE, 3, 1,
	  "manifest:3:1: rule for session 7 given twice (first at line 2)" },
	{ "profile a\ndefault profile=a\n  default profile=a\n",
	  POL_PERR_DUP_DEFAULT, 3, 3, "manifest:3:3: default given twice (first at line 2)" },
	{ "profile a\nrule process=x profile=a\n",
	  POL_PERR_NO_DEFAULT, 3, 1,
	  "manifest:3:1: no default profile (add a line: default profile=NAME)" },
	{ "profile a nice=1", POL_PERR_NO_DEFAULT, 1, 17,
	  "manifest:1:17: no default profile (add a line: default profile=NAME)" },
	{ "", POL_PERR_NO_DEFAULT, 1, 1,
	  "manifest:1:1: no default profile (add a line: default profile=NAME)" },
	{ "profile a nice=-21\n", POL_PERR_RANGE, 1, 11,
	  "manifest:1:11: nice=-21 out of range (-20 .. 19)" },
	{ "profile a nice=20\n", POL_PERR_RANGE, 1, 11,
	  "manifest:1:11: nice=20 out of range (-20 .. 19)" },
	{ "profile a nice=123456789012345678901234\n", POL_PERR_RANGE, 1, 11,
	  "manifest:1:11: nice=123456789012345678901234 out of range (-20 .. 19)" },
	{ "profile a nice=abc\n", POL_PERR_VALUE, 1, 11, "manifest:1:11: nice=abc: not an integer" },
	{ "profile a nice=-\n", POL_PERR_VALUE, 1, 11, "manifest:1:11: nice=-: not an integer" },
	{ "profile a slice=50us\n", POL_PERR_RANGE, 1, 11,
	  "manifest:1:11: slice=50us out of range (0.1ms .. 100ms)" },
	{ "profile a slice=100.001ms\n", POL_PERR_RANGE, 1, 11,
	  "manifest:1:11: slice=100.001ms out of range (0.1ms .. 100ms)" },
	{ "profile a slice=10\n", POL_PERR_VALUE, 1, 11,
	  "manifest:1:11: slice=10: a duration needs a unit (ns, us, ms, s)" },
	{ "profile a slice=10xs\n", POL_PERR_VALUE, 1, 11,
	  "manifest:1:11: slice=10xs: unknown unit \"xs\" (ns, us, ms, s)" },
	{ "profile a slice=1.5ns\n", POL_PERR_VALUE, 1, 11,
	  "manifest:1:11: slice=1.5ns: not a whole number of nanoseconds" },
	{ "profile a slice=1.0000000001s\n", POL_PERR_VALUE, 1, 11,
	  "manifest:1:11: slice=1.0000000001s: not a whole number of nanoseconds" },
	{ "profile a slice=.5ms\n", POL_PERR_VALUE, 1, 11,
	  "manifest:1:11: slice=.5ms: not a duration (digits, an optional fraction, a unit: 1.5ms)" },
	{ "profile a slice=99999999999999999999s\n", POL_PERR_RANGE, 1, 11,
	  "manifest:1:11: slice=99999999999999999999s: too large" },
	{ "profile a slice=18446744073709551615s\n", POL_PERR_RANGE, 1, 11,
	  "manifest:1:11: slice=18446744073709551615s: too large" },
	{ "profile a sc=5us/10ms\n", POL_PERR_RANGE, 1, 11,
	  "manifest:1:11: sc=5us/10ms: budget below the minimum 10us" },
	{ "profile a sc=20ms/10ms\n", POL_PERR_RANGE, 1, 11,
	  "manifest:1:11: sc=20ms/10ms: budget above the period" },
	{ "profile a sc=1ms/100s\n", POL_PERR_RANGE, 1, 11,
	  "manifest:1:11: sc=1ms/100s: period above the maximum 68719476736ns" },
	{ "profile a sc=2ms\n", POL_PERR_VALUE, 1, 11,
	  "manifest:1:11: sc=2ms: not BUDGET/PERIOD (sc=2ms/10ms)" },
	{ "profile a sc=2ms/\n", POL_PERR_VALUE, 1, 11,
	  "manifest:1:11: sc=2ms/: not BUDGET/PERIOD (sc=2ms/10ms)" },
	{ "profile a sc=2ms/10\n", POL_PERR_VALUE, 1, 11,
	  "manifest:1:11: sc=2ms/10: a duration needs a unit (ns, us, ms, s)" },
	{ "profile a sc=2ms/10ms deadline=1ms\n", POL_PERR_RANGE, 1, 23,
	  "manifest:1:23: deadline=1ms outside budget .. period (2ms .. 10ms)" },
	{ "profile a deadline=11ms sc=2ms/10ms\n", POL_PERR_RANGE, 1, 11,
	  "manifest:1:11: deadline=11ms outside budget .. period (2ms .. 10ms)" },
	{ "profile a deadline=5ms\n", POL_PERR_NEEDS, 1, 11,
	  "manifest:1:11: deadline= needs sc=BUDGET/PERIOD on the same profile" },
	{ "profile a nice=1 dispatch=global\n", POL_PERR_NEEDS, 1, 18,
	  "manifest:1:18: dispatch= needs sc=BUDGET/PERIOD on the same profile" },
	{ "profile a sc=1ms/2ms dispatch=nearest\n", POL_PERR_VALUE, 1, 22,
	  "manifest:1:22: unknown dispatch \"nearest\" (global, partitioned)" },
	{ "profile a cookie=mine\n", POL_PERR_VALUE, 1, 11,
	  "manifest:1:11: unknown cookie \"mine\" (own, inherit)" },
	{ "profile a lease=maybe\n", POL_PERR_VALUE, 1, 11,
	  "manifest:1:11: unknown lease \"maybe\" (yes, no)" },
	{ "profile a island=1\n", POL_PERR_VALUE, 1, 11,
	  "manifest:1:11: unknown island \"1\" (yes, no)" },
	{ "profile a nice=1 slice=1ms nice=2\n", POL_PERR_DUP_KEY, 1, 28,
	  "manifest:1:28: key \"nice\" given twice on one line" },
	{ "profile abcdefghijklmnopqrstuvwx nice=1\n", POL_PERR_NAME, 1, 9,
	  "manifest:1:9: profile name \"abcdefghijklmnopqrstuvwx\" is longer than 23 characters" },
	{ "profile a/b\n", POL_PERR_NAME, 1, 9,
	  "manifest:1:9: profile name \"a/b\" has a character other than letters, digits, '_', '.', '-'" },
	{ "profile a\nrule process=abcdefghijklmnopqrstuvwxyz0123456 profile=a\n", POL_PERR_NAME, 2, 6,
	  "manifest:2:6: process name \"abcdefghijklmnopqrstuvwxyz0123456\" is longer than 31 characters" },
	{ "profile a\nrule process=x profile=abcdefghijklmnopqrstuvwx\n", POL_PERR_NAME, 2, 16,
	  "manifest:2:16: profile name \"abcdefghijklmnopqrstuvwx\" is longer than 23 characters" },
	{ "profile\n", POL_PERR_FIELD, 1, 9,
	  "manifest:1:9: profile needs a name before its keys (profile NAME key=value ...)" },
	{ "profile nice=0\n", POL_PERR_FIELD, 1, 9,
	  "manifest:1:9: profile needs a name before its keys (profile NAME key=value ...)" },
	{ "profile a nice\n", POL_PERR_FIELD, 1, 11, "manifest:1:11: expected key=value, got \"nice\"" },
	{ "profile a nice=\n", POL_PERR_FIELD, 1, 11, "manifest:1:11: empty value for key \"nice\"" },
	{ "profile a =1\n", POL_PERR_FIELD, 1, 11, "manifest:1:11: expected key=value, got \"=1\"" },
	{ "prfile a\n", POL_PERR_DIRECTIVE, 1, 1,
	  "manifest:1:1: unknown directive \"prfile\" (profile, rule, default)" },
	{ "profile a\nrule process=x session=3 profile=a\n", POL_PERR_RULE, 2, 16,
	  "manifest:2:16: rule has two selectors (process= and session=): write one rule for each" },
	{ "profile a\nrule profile=a\n", POL_PERR_RULE, 2, 1,
	  "manifest:2:1: rule needs one of process=NAME, service=NAME, session=ID" },
	{ "profile a\nrule service=x\n", POL_PERR_RULE, 2, 1, "manifest:2:1: rule needs profile=NAME" },
	{ "profile a\nrule user=x profile=a\n", POL_PERR_UNKNOWN_KEY, 2, 6,
	  "manifest:2:6: unknown key \"user\" (process, service, session, profile)" },
	{ "profile a\nrule session=0 profile=a\n", POL_PERR_RANGE, 2, 6,
	  "manifest:2:6: session=0: a session is a number, 1 .. 4294967295" },
	{ "profile a\nrule session=4294967296 profile=a\n", POL_PERR_VALUE, 2, 6,
	  "manifest:2:6: session=4294967296: a session is a number, 1 .. 4294967295" },
	{ "profile a\nrule session=x7 profile=a\n", POL_PERR_VALUE, 2, 6,
	  "manifest:2:6: session=x7: a session is a number, 1 .. 4294967295" },
	{ "profile a\ndefault\n", POL_PERR_RULE, 2, 1, "manifest:2:1: default needs profile=NAME" },
	{ "profile a\ndefault profile=a nice=1\n", POL_PERR_UNKNOWN_KEY, 2, 19,
	  "manifest:2:19: unknown key \"nice\" (profile)" },
	{ "profile a a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10 k=11 l=12 m=13 n=14 o=15\n",
	  POL_PERR_FIELDS, 1, 72, "manifest:1:72: too many fields on one line (at most 16)" },
};

/* A manifest refused: the exact error, and the live manifest as it was, byte for byte. */
static void every_error_is_precise_and_changes_nothing(void **state)
{
	struct pol_manifests *ms = new_manifests(ARENA);
	const struct pol_match mpd = { .process = "mpd" };
	const struct pol_manifest *live;
	struct pol_manifest before;
	uint8_t *bytes = malloc(ms->arena[0].size);
	struct pol_error err;

	(void)state;
	assert_non_null(bytes);
	for (unsigned i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad *c = &bad_cases[i];
		int live_idx;

		assert_int_equal(load(ms, good, NULL), 0);
		live = pol_manifests_live(ms);
		live_idx = ms->live;
		memcpy(&before, live, sizeof(before));
		memcpy(bytes, ms->arena[live_idx].base, ms->arena[live_idx].size);

		memset(&err, 0x55, sizeof(err));
		if (load(ms, c->text, &err) != -SCHED_EINVAL)
			fail_msg("case %u (%s) was not refused", i, c->msg);
		if (strcmp(err.msg, c->msg))
			fail_msg("case %u:\n  got  %s\n  want %s", i, err.msg, c->msg);
		assert_int_equal(err.kind, c->kind);
		assert_int_equal(err.line, c->line);
		assert_int_equal(err.col, c->col);

		assert_int_equal(ms->live, live_idx);
		assert_ptr_equal(pol_manifests_live(ms), live);
		assert_memory_equal(&before, live, sizeof(before));
		assert_memory_equal(bytes, ms->arena[live_idx].base, ms->arena[live_idx].size);
		assert_string_equal(pol_manifest_match(live, &mpd)->name, "audio");
		/* the refused parse left its own manifest empty */
		assert_null(ms->m[1 - live_idx].profiles);
		assert_null(ms->m[1 - live_idx].rules);
		assert_int_equal(ms->arena[1 - live_idx].used, 0);
	}
	free(bytes);
	free_manifests(ms);
}

static void a_manifest_too_large_for_its_arena_is_refused(void **state)
{
	struct pol_manifests *ms = new_manifests(2048); /* two arenas of 1 KiB */
	char text[4096];
	size_t n = 0;
	struct pol_error err;
	int r;

	(void)state;
	assert_int_equal(load(ms, "profile a\ndefault profile=a\n", NULL), 0);
	for (unsigned i = 0; i < 40; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "profile p%u nice=1\n", i);
	snprintf(text + n, sizeof(text) - n, "default profile=p0\n");
	r = load(ms, text, &err);
	assert_int_equal(r, -SCHED_EFULL);
	assert_int_equal(err.kind, POL_PERR_NOMEM);
	assert_non_null(strstr(err.msg, ": out of memory: the manifest does not fit its arena ("));
	assert_string_equal(pol_manifests_live(ms)->dflt->name, "a");
	free_manifests(ms);
}

static void rules_match_process_then_service_then_session_then_default(void **state)
{
	struct pol_manifests *ms = new_manifests(ARENA);
	const struct pol_manifest *m;
	struct pol_match w = { 0 };

	(void)state;
	assert_int_equal(load(ms, good, NULL), 0);
	m = pol_manifests_live(ms);
	assert_string_equal(pol_manifest_match(m, &w)->name, "default");
	assert_string_equal(pol_manifest_match(m, NULL)->name, "default");
	w.session = 7;
	assert_string_equal(pol_manifest_match(m, &w)->name, "interactive");
	w.service = "backup";
	assert_string_equal(pol_manifest_match(m, &w)->name, "batch");
	w.process = "mpd";
	assert_string_equal(pol_manifest_match(m, &w)->name, "audio");
	/* no rule for the process: the service's */
	w.process = "mpd2";
	assert_string_equal(pol_manifest_match(m, &w)->name, "batch");
	w.process = "mp";
	assert_string_equal(pol_manifest_match(m, &w)->name, "batch");
	/* a name longer than any rule's never matches a prefix of it */
	w.service = "backup_and_more_and_more_and_more_and_more";
	assert_string_equal(pol_manifest_match(m, &w)->name, "interactive");
	w.session = 8;
	assert_string_equal(pol_manifest_match(m, &w)->name, "default");
	/* lookups by kind, and what a rule records */
	assert_int_equal(pol_manifest_rule(m, POL_RULE_PROCESS, "mpd", 0)->line, 7);
	assert_int_equal(pol_manifest_rule(m, POL_RULE_SESSION, NULL, 7)->profile_col, 22);
	assert_null(pol_manifest_rule(m, POL_RULE_SESSION, NULL, 0));
	assert_null(pol_manifest_rule(m, POL_RULE_NR, "mpd", 0));
	assert_null(pol_manifest_rule(m, POL_RULE_SERVICE, "mpd", 0));
	free_manifests(ms);
}

static void a_rule_may_name_a_profile_defined_later(void **state)
{
	struct pol_manifests *ms = new_manifests(ARENA);

	(void)state;
	assert_int_equal(load(ms, "default profile=late\nrule process=x profile=later\n"
			      "profile late\nprofile later nice=3\n", NULL), 0);
	assert_int_equal(pol_manifest_match(pol_manifests_live(ms),
					    &(struct pol_match){ .process = "x" })->fair.nice, 3);
	free_manifests(ms);
}

static void utilisation_is_compared_exactly(void **state)
{
	struct pol_profile p = { .has_sc = true, .budget_ns = 2 * MS, .period_ns = 10 * MS };

	(void)state;
	assert_true(pol_profile_allows(&p, 2 * MS, 10 * MS));
	assert_true(pol_profile_allows(&p, 1 * MS, 5 * MS));
	assert_true(pol_profile_allows(&p, 20 * US, 100 * US));
	assert_false(pol_profile_allows(&p, 1 * MS + 1, 5 * MS));
	assert_false(pol_profile_allows(&p, 3 * MS, 10 * MS));
	assert_false(pol_profile_allows(&p, 1 * MS, 0));
	/* products past 2^64: the longest periods */
	p.budget_ns = SCHED_SC_PERIOD_MAX_NS / 2;
	p.period_ns = SCHED_SC_PERIOD_MAX_NS;
	assert_true(pol_profile_allows(&p, SCHED_SC_PERIOD_MAX_NS / 2, SCHED_SC_PERIOD_MAX_NS));
	assert_false(pol_profile_allows(&p, SCHED_SC_PERIOD_MAX_NS / 2 + 1, SCHED_SC_PERIOD_MAX_NS));
	assert_true(pol_profile_allows(&p, SCHED_SC_PERIOD_MAX_NS / 2 - 1, SCHED_SC_PERIOD_MAX_NS - 1));
	p.has_sc = false;
	assert_false(pol_profile_allows(&p, 1, 1000));
}

static void bad_arguments_are_refused(void **state)
{
	struct pol_manifests *ms = new_manifests(ARENA), other;
	struct pol_manifest m;
	char small[8];

	(void)state;
	assert_int_equal(pol_manifest_parse(NULL, &ms->arena[0], "", 0, NULL), -SCHED_EINVAL);
	assert_int_equal(pol_manifest_parse(&m, NULL, "", 0, NULL), -SCHED_EINVAL);
	assert_int_equal(pol_manifest_parse(&m, &ms->arena[0], NULL, 3, NULL), -SCHED_EINVAL);
	assert_int_equal(pol_manifests_load(NULL, "", 0, NULL), -SCHED_EINVAL);
	assert_int_equal(pol_manifests_load(ms, NULL, 3, NULL), -SCHED_EINVAL);
	assert_int_equal(pol_manifests_init(NULL, small, sizeof(small)), -SCHED_EINVAL);
	assert_int_equal(pol_manifests_init(&other, NULL, 4096), -SCHED_EINVAL);
	assert_int_equal(pol_manifests_init(&other, small, sizeof(small)), -SCHED_EINVAL);
	assert_null(pol_manifests_live(&other));
	assert_null(pol_manifests_live(ms));
	assert_null(pol_manifest_profile(NULL, "a"));
	assert_null(pol_manifest_match(NULL, NULL));
	assert_null(pol_manifest_rule(NULL, POL_RULE_PROCESS, "a", 0));
	free_manifests(ms);
}

/* --- reloads through the service, on the simulated machine --------------------------------- */

static const char v1[] =
	"profile default nice=0\n"
	"profile fast nice=-5\n"
	"profile batch nice=10\n"
	"rule process=mpd profile=fast\n"
	"default profile=default\n";

/* fast changes, batch goes, a rule for session 7 comes */
static const char v2[] =
	"profile default nice=0\n"
	"profile fast nice=-8\n"
	"profile slow nice=4\n"
	"rule process=mpd profile=fast\n"
	"rule session=7 profile=slow\n"
	"default profile=default\n";

struct reload {
	struct sim *sim;
	struct sched_policy q;
	struct sched_policy_slot slots[4];
	struct sched_authority fallback;
	struct sim_thread *self, *a, *b, *c;
	struct pol_service svc;
	uint8_t mem[64 * 1024];
};

/* The port: a is process mpd, b is in session 7, c is process cat. */
static int reload_attrs(void *ctx, struct sched_ref r, struct pol_attrs *out)
{
	struct reload *x = ctx;

	memset(out, 0, sizeof(*out));
	if (r.gen != r.t->gen)
		return -SCHED_ESTALE;
	out->tid = r.t->id;
	strcpy(out->process, r.t == &x->a->st ? "mpd" : r.t == &x->c->st ? "cat" : "sh");
	out->session = r.t == &x->b->st ? 7 : 0;
	return 0;
}

static struct reload *reload_machine(void)
{
	struct reload *x = calloc(1, sizeof(*x));
	struct sched_sys *s;
	struct sched_policy_config qc = { .default_fair = { .nice = 0 } };
	struct pol_service_config c;

	assert_non_null(x);
	x->sim = machine(2, 1);
	s = &x->sim->sys;
	assert_int_equal(sched_auth_derive(&x->fallback, sched_auth_root(s), SCHED_RIGHT_FAIR,
					   NULL, NULL), 0);
	qc.fallback = (struct sched_auth){ &x->fallback, x->fallback.gen };
	assert_int_equal(sched_policy_init(s, &x->q, x->slots, 4, &qc), 0);
	x->self = hand_thread(x->sim, 0, 0, NULL);
	x->a = hand_thread(x->sim, 0, 0, NULL);
	x->b = hand_thread(x->sim, 0, 2, NULL);
	x->c = hand_thread(x->sim, 0, 0, NULL);
	c = (struct pol_service_config){ .sys = s, .queue = &x->q,
		.self = sched_ref_of(&x->self->st), .auth = sched_auth_root(s),
		.mem = x->mem, .mem_len = sizeof(x->mem),
		.port = { .ctx = x, .attrs = reload_attrs } };
	assert_int_equal(pol_service_init(&x->svc, &c), 0);
	assert_int_equal(pol_service_load(&x->svc, v1, strlen(v1), false, NULL), 0);
	assert_int_equal(pol_service_attach(&x->svc), 0);
	return x;
}

/* The thread asks for a profile (by name, or "" for the rules') and the service serves it. */
static void get_profile(struct reload *x, struct sim_thread *t, const char *name)
{
	struct sched_request r = { .kind = SCHED_REQ_PROFILE, .thread = sched_ref_of(&t->st) };
	struct sched_ticket tk;
	struct sched_answer ans;

	strcpy(r.profile, name);
	sim_enter(x->sim, 0);
	assert_int_equal(sched_policy_submit(&x->sim->sys, &x->q, r.thread, &r, &tk), 0);
	assert_int_equal(pol_service_step(&x->svc), 0);
	assert_int_equal(sched_policy_result(&x->sim->sys, &x->q, r.thread, tk, &ans), 0);
	assert_int_equal(ans.err, 0);
	settle(x->sim);
}

static void nices(struct reload *x, int a, int b, int c)
{
	assert_int_equal(x->a->st.nice, a);
	assert_int_equal(x->b->st.nice, b);
	assert_int_equal(x->c->st.nice, c);
}

static void reload_with_and_without_existing(void **state)
{
	struct reload *x = reload_machine();
	const struct pol_manifest *live;
	struct pol_error err;

	(void)state;
	get_profile(x, x->a, "");      /* the rules: fast */
	get_profile(x, x->b, "");      /* no rule in v1: the default */
	get_profile(x, x->c, "batch"); /* by name */
	nices(x, -5, 0, 10);

	/* without existing: new requests get v2, the threads keep what they have */
	assert_int_equal(pol_service_load(&x->svc, v2, strlen(v2), false, &err), 0);
	nices(x, -5, 0, 10);
	live = pol_service_manifest(&x->svc);
	assert_non_null(pol_manifest_profile(live, "slow"));

	/* a bad manifest, even with existing: an error, and nothing changes */
	assert_int_equal(pol_service_load(&x->svc, "profile fast nice=-30\n", 22, true, &err),
			 -SCHED_EINVAL);
	assert_string_equal(err.msg, "manifest:1:14: nice=-30 out of range (-20 .. 19)");
	assert_ptr_equal(pol_service_manifest(&x->svc), live);
	nices(x, -5, 0, 10);
	assert_int_equal(x->svc.stats.load_errors, 1);

	/* with existing: fast is -8 now; b has a rule now; batch is gone, so c goes by the
	 * rules (the default) */
	assert_int_equal(pol_service_load(&x->svc, v2, strlen(v2), true, NULL), 3);
	nices(x, -8, 4, 0);
	assert_string_equal(pol_service_thread(&x->svc, x->c->st.id)->profile, "default");
	assert_false(pol_service_thread(&x->svc, x->c->st.id)->by_name);
	assert_string_equal(pol_service_thread(&x->svc, x->b->st.id)->profile, "slow");
	/* the same again changes nothing */
	assert_int_equal(pol_service_load(&x->svc, v2, strlen(v2), true, NULL), 0);

	/* a thread that exited is forgotten, not touched */
	sim_enter(x->sim, 0);
	assert_int_equal(sched_exit(&x->sim->sys, sched_ref_of(&x->b->st)), 0);
	settle(x->sim);
	assert_int_equal(pol_service_load(&x->svc, v1, strlen(v1), true, NULL), 1); /* a: -5 */
	assert_null(pol_service_thread(&x->svc, x->b->st.id));
	assert_int_equal(x->svc.stats.forgotten, 1);
	assert_int_equal(x->a->st.nice, -5);
	assert_int_equal(x->svc.stats.reapplied, 4);
	sim_free(x->sim);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_good_manifest_gives_its_profiles),
		cmocka_unit_test(durations_are_exact_in_every_unit),
		cmocka_unit_test(every_error_is_precise_and_changes_nothing),
		cmocka_unit_test(a_manifest_too_large_for_its_arena_is_refused),
		cmocka_unit_test(rules_match_process_then_service_then_session_then_default),
		cmocka_unit_test(a_rule_may_name_a_profile_defined_later),
		cmocka_unit_test(utilisation_is_compared_exactly),
		cmocka_unit_test(bad_arguments_are_refused),
		cmocka_unit_test(reload_with_and_without_existing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
