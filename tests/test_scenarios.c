/* SPDX-License-Identifier: MIT */
/*
 * test_scenarios.c - rt-app workloads on the simulated machine, checker after every event,
 * with expected figures computed from the workload.
 */
#include "simtest.h"

#include <stdlib.h>
#include <string.h>

#define S (1000 * MS)

struct run {
	struct workload wl;
	struct sim *sim;
};

static void start(struct run *r, const char *json, unsigned cpus, uint64_t seed)
{
	struct sim_config cfg = { .cpus = cpus, .smt = 1, .seed = seed };

	r->sim = scenario(json, &cfg, &r->wl, NULL, NULL);
}

static void finish(struct run *r)
{
	sim_free(r->sim);
	wl_free(&r->wl);
}

static struct sim_thread *thread_named(struct run *r, const char *name, unsigned inst)
{
	for (size_t i = 0; i < r->sim->nr_threads; i++)
		if (!strcmp(r->sim->threads[i]->task->name, name) && r->sim->threads[i]->instance == inst)
			return r->sim->threads[i];
	fail_msg("no thread %s", name);
	return NULL;
}

/* Percentage points between a thread's share of `total` and the expected share. */
static double share_error(struct sim_thread *t, uint64_t total, double expected_pct)
{
	double got = 100.0 * (double)acct(t, SCHED_ACCT_RUNTIME) / (double)total;

	return got > expected_pct ? got - expected_pct : expected_pct - got;
}

static void rr_hogs_share_one_cpu_in_proportion_to_weight(void **state)
{
	struct run r;
	/* weights: nice -5 = 3121, 0 = 1024, 5 = 335; total 4480 */
	const char *json = "{\"tasks\":{"
			   "\"a\":{\"priority\":-5,\"run\":100000},"
			   "\"b\":{\"priority\":0,\"run\":100000},"
			   "\"c\":{\"priority\":5,\"run\":100000}}}";

	(void)state;
	start(&r, json, 1, 1);
	sim_run_until(r.sim, 10 * S);
	assert_true(share_error(thread_named(&r, "a", 0), 10 * S, 100.0 * 3121 / 4480) < 0.5);
	assert_true(share_error(thread_named(&r, "b", 0), 10 * S, 100.0 * 1024 / 4480) < 0.5);
	assert_true(share_error(thread_named(&r, "c", 0), 10 * S, 100.0 * 335 / 4480) < 0.5);
	finish(&r);
}

static void eight_equal_hogs_on_four_cpus_each_get_half_a_cpu(void **state)
{
	struct run r;

	(void)state;
	start(&r, "{\"tasks\":{\"h\":{\"instance\":8,\"run\":50000}}}", 4, 1);
	sim_run_until(r.sim, 10 * S);
	for (unsigned i = 0; i < 8; i++)
		assert_true(share_error(thread_named(&r, "h", i), 10 * S, 50.0) < 0.5);
	for (unsigned c = 0; c < 4; c++)
		assert_int_equal(sim_cpu_busy_ns(r.sim, c), 10 * S);
	finish(&r);
}

static void pinned_task_runs_only_on_its_cpu(void **state)
{
	struct run r;
	struct sim_thread *p;

	(void)state;
	start(&r, "{\"tasks\":{\"free\":{\"instance\":3,\"run\":1000,\"sleep\":1000},"
		  "\"pinned\":{\"cpus\":[1],\"run\":2000,\"sleep\":500}}}", 2, 1);
	sim_run_until(r.sim, 1 * S);
	p = thread_named(&r, "pinned", 0);
	assert_true(acct(p, SCHED_ACCT_WAKEUPS) > 100);
	assert_int_equal(p->st.cpu, 1);
	assert_int_equal(acct(p, SCHED_ACCT_MIGRATIONS), 0);
	finish(&r);
}

static void suspend_waits_for_resume_and_loops_complete(void **state)
{
	struct run r;
	struct sim_thread *ping, *pong;

	(void)state;
	/* like rt-app, a resume before the target suspends is lost: ping starts later */
	start(&r, "{\"global\":{\"duration\":1},\"tasks\":{"
		  "\"ping\":{\"delay\":1000,\"loop\":100,\"run\":100,\"resume\":\"pong\",\"suspend\":\"ping\"},"
		  "\"pong\":{\"loop\":100,\"suspend\":\"pong\",\"run\":100,\"resume\":\"ping\"}}}", 1, 1);
	sim_run_until(r.sim, 1 * S);
	ping = thread_named(&r, "ping", 0);
	pong = thread_named(&r, "pong", 0);
	assert_int_equal(pong->loops, 100);
	assert_true(ping->loops >= 99);
	assert_int_equal(acct(pong, SCHED_ACCT_RUNTIME), 100 * 100 * US);
	finish(&r);
}

static void periodic_timer_keeps_its_absolute_period_under_load(void **state)
{
	struct run r;
	struct sim_thread *p;

	(void)state;
	start(&r, "{\"tasks\":{\"hog\":{\"run\":100000},"
		  "\"tick\":{\"timer\":{\"ref\":\"t\",\"period\":10000,\"mode\":\"absolute\"},"
		  "\"run\":1000}}}", 1, 1);
	sim_run_until(r.sim, 1 * S);
	p = thread_named(&r, "tick", 0);
	/* 100 periods in 1 s; the latest may still be in progress */
	assert_true(p->loops >= 99 && p->loops <= 100);
	/* rr: a woken thread waits at most one quantum (3 ms) of the hog */
	assert_true(p->st.wake_lat_max <= 3 * MS);
	finish(&r);
}

static void yield_and_runtime_events_behave_as_rt_app(void **state)
{
	struct run r;
	struct sim_thread *w, *y;

	(void)state;
	start(&r, "{\"tasks\":{\"wall\":{\"loop\":1,\"runtime\":10000},"
		  "\"yielder\":{\"loop\":50,\"run\":100,\"yield\":0}}}", 1, 1);
	sim_run_until(r.sim, 1 * S);
	w = thread_named(&r, "wall", 0);
	y = thread_named(&r, "yielder", 0);
	assert_true(w->done && y->done);
	/* runtime counts wall time: done within 10 ms plus the yielder's 50 x 0.1 ms */
	assert_true(acct(w, SCHED_ACCT_RUNTIME) <= 10 * MS);
	assert_int_equal(acct(y, SCHED_ACCT_RUNTIME), 50 * 100 * US);
	finish(&r);
}

static void delayed_start_is_honoured(void **state)
{
	struct run r;
	struct sim_thread *d;

	(void)state;
	start(&r, "{\"tasks\":{\"late\":{\"delay\":5000,\"loop\":1,\"run\":1000}}}", 1, 1);
	sim_run_until(r.sim, 4 * MS);
	d = thread_named(&r, "late", 0);
	assert_int_equal(d->st.state, SCHED_NEW);
	sim_run_until(r.sim, 20 * MS);
	assert_true(d->done);
	assert_int_equal(d->st.acct.v[SCHED_ACCT_RUNTIME], 1 * MS);
	finish(&r);
}

/* Everything a report prints, for comparing runs. */
static void fingerprint(struct run *r, uint64_t *out, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < r->sim->nr_threads && k + 4 <= n; i++) {
		struct sim_thread *t = r->sim->threads[i];

		out[k++] = acct(t, SCHED_ACCT_RUNTIME);
		out[k++] = acct(t, SCHED_ACCT_WAIT);
		out[k++] = acct(t, SCHED_ACCT_SWITCHES);
		out[k++] = acct(t, SCHED_ACCT_MIGRATIONS);
	}
	out[k] = r->sim->events;
}

static void same_workload_and_seed_give_identical_runs(void **state)
{
	const char *json = "{\"tasks\":{\"h\":{\"instance\":5,\"run\":3000,\"sleep\":700},"
			   "\"p\":{\"instance\":3,\"timer\":{\"ref\":\"unique\","
			   "\"period\":2000},\"run\":300}}}";
	uint64_t a[64] = { 0 }, b[64] = { 0 }, c[64] = { 0 };
	struct run r;

	(void)state;
	start(&r, json, 3, 7);
	sim_run_until(r.sim, 2 * S);
	fingerprint(&r, a, 63);
	finish(&r);
	start(&r, json, 3, 7);
	sim_run_until(r.sim, 2 * S);
	fingerprint(&r, b, 63);
	finish(&r);
	assert_memory_equal(a, b, sizeof(a));
	start(&r, json, 3, 8); /* another seed: another interleaving, still correct */
	sim_run_until(r.sim, 2 * S);
	fingerprint(&r, c, 63);
	finish(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rr_hogs_share_one_cpu_in_proportion_to_weight),
		cmocka_unit_test(eight_equal_hogs_on_four_cpus_each_get_half_a_cpu),
		cmocka_unit_test(pinned_task_runs_only_on_its_cpu),
		cmocka_unit_test(suspend_waits_for_resume_and_loops_complete),
		cmocka_unit_test(periodic_timer_keeps_its_absolute_period_under_load),
		cmocka_unit_test(yield_and_runtime_events_behave_as_rt_app),
		cmocka_unit_test(delayed_start_is_honoured),
		cmocka_unit_test(same_workload_and_seed_give_identical_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
