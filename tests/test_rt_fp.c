/* SPDX-License-Identifier: MIT */
/*
 * test_rt_fp.c - the fixed-priority class against response-time analysis, end to end:
 * random periodic SCHED_FIFO task sets (rt-app workloads) run by schedsim's simulator on
 * one CPU with throttling off, released synchronously. For every task:
 *   - its first job's response (the worst, at the critical instant) equals the
 *     response-time analysis fixed point, computed by the oracle's simulation (which
 *     test_admit proves equal to the analysis);
 *   - it misses a deadline if and only if that response exceeds its deadline: with an
 *     overload, only the tasks the analysis gives up on miss, the lowest priorities.
 */
#include <stdlib.h>
#include <string.h>

#include "simtest.h"
#include "rt_oracle.h"

#define SETS 300

struct set {
	unsigned n;
	struct rt_task t[8]; /* in us */
};

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* n tasks, periods 2..40 ms, budgets summing to about `util_pct`% (each >= 1 us), implicit
 * deadlines, rate-monotonic priorities (ties: the lower index first). */
static void make_set(uint64_t *rng, struct set *s, unsigned util_pct)
{
	s->n = 2 + (unsigned)(rng_next(rng) % 5);
	for (unsigned i = 0; i < s->n; i++) {
		struct rt_task *t = &s->t[i];
		uint64_t share = 1 + rng_next(rng) % 100;

		t->t = (2 + rng_next(rng) % 39) * 1000;
		t->c = t->t * share * util_pct / 100 / (50 * s->n) + 1;
		if (t->c > t->t)
			t->c = t->t;
		t->d = t->t; /* a SCHED_FIFO job's deadline is its next release (schedsim.md) */
	}
	for (unsigned i = 0; i < s->n; i++) {
		unsigned rank = 0;

		for (unsigned j = 0; j < s->n; j++)
			rank += s->t[j].t > s->t[i].t || (s->t[j].t == s->t[i].t && j > i);
		s->t[i].prio = 1 + rank; /* shortest period highest */
	}
}

static uint64_t max_t(const struct set *s)
{
	uint64_t m = 0;

	for (unsigned i = 0; i < s->n; i++)
		m = s->t[i].t > m ? s->t[i].t : m;
	return m;
}

/* Each task's first tick at `lead` (its delay is lead - T): a synchronous release. */
static char *workload(const struct set *s, uint64_t lead, uint64_t dur_us)
{
	size_t cap = 4096, len = 0;
	char *j = malloc(cap);

	assert_non_null(j);
	len += (size_t)snprintf(j + len, cap - len, "{\"global\": {\"duration\": %.6f}, \"tasks\": {",
				(double)dur_us / 1e6);
	for (unsigned i = 0; i < s->n; i++)
		len += (size_t)snprintf(j + len, cap - len,
			"%s\"t%u\": {\"policy\": \"SCHED_FIFO\", \"priority\": %u, \"cpus\": [0], "
			"\"delay\": %llu, \"loop\": -1, \"timer\": {\"ref\": \"k%u\", \"period\": %llu, "
			"\"mode\": \"absolute\"}, \"run\": %llu}", i ? ", " : "", i, s->t[i].prio,
			(unsigned long long)(lead - s->t[i].t), i, (unsigned long long)s->t[i].t,
			(unsigned long long)s->t[i].c);
	snprintf(j + len, cap - len, "}}");
	return j;
}

static struct sim_thread *thread_of(struct sim *sim, unsigned task)
{
	char name[8];

	snprintf(name, sizeof(name), "t%u", task);
	for (size_t i = 0; i < sim->nr_threads; i++)
		if (sim->threads[i]->task && strcmp(sim->threads[i]->task->name, name) == 0)
			return sim->threads[i];
	fail_msg("no thread for task %u", task);
	return NULL;
}

static unsigned compared; /* first responses compared with the analysis */

/* One set: returns how many of its tasks missed (to count overloads seen). */
static unsigned check_set(const struct set *s, unsigned seed)
{
	struct sim_config cfg = { .cpus = 1, .smt = 1, .seed = seed, .job_records = true,
				  .rt_runtime_ns = SCHED_RT_UNLIMITED };
	uint64_t lead = 2 * max_t(s), dur = lead + 3 * max_t(s);
	struct rt_task ns[8];
	struct rt_result r;
	struct workload wl;
	char *json = workload(s, lead, dur);
	struct sim *sim;
	unsigned missed = 0;

	for (unsigned i = 0; i < s->n; i++)
		ns[i] = (struct rt_task){ s->t[i].c * US, s->t[i].t * US, s->t[i].d * US, s->t[i].prio };
	assert_int_equal(rt_sim_fp(ns, s->n, 3 * max_t(s) * US, &r), 0);
	sim = scenario(json, &cfg, &wl, NULL, NULL);
	sim_run_until(sim, dur * US);
	for (unsigned i = 0; i < s->n; i++) {
		struct sim_thread *t = thread_of(sim, i);
		struct sim_job_stats st;
		bool rta_miss = r.resp[i] > ns[i].d;

		assert_true(sim_thread_jobs(sim, t, &st));
		if (t->jobs.nr_log && r.resp[i] != UINT64_MAX) {
			uint64_t resp = t->jobs.log[0].end - t->jobs.log[0].release;

			compared++;
			if (resp != r.resp[i])
				fail_msg("seed %u task %u (C %llu T %llu D %llu prio %u): first response "
					 "%llu ns, analysis %llu ns", seed, i,
					 (unsigned long long)s->t[i].c, (unsigned long long)s->t[i].t,
					 (unsigned long long)s->t[i].d, s->t[i].prio,
					 (unsigned long long)resp, (unsigned long long)r.resp[i]);
		}
		if ((st.misses > 0) != rta_miss)
			fail_msg("seed %u task %u: %llu misses, analysis response %llu > deadline %llu: %d",
				 seed, i, (unsigned long long)st.misses, (unsigned long long)r.resp[i],
				 (unsigned long long)ns[i].d, rta_miss);
		missed += st.misses > 0;
	}
	sim_free(sim);
	wl_free(&wl);
	free(json);
	return missed;
}

static void test_fifo_matches_response_time_analysis(void **state)
{
	uint64_t rng = 14;
	unsigned overloaded = 0, missing_tasks = 0;

	(void)state;
	for (unsigned k = 0; k < SETS; k++) {
		struct set s;
		unsigned m;

		make_set(&rng, &s, 40 + (unsigned)(rng_next(&rng) % 100)); /* 40 .. 139% */
		m = check_set(&s, k + 1);
		overloaded += m > 0;
		missing_tasks += m;
	}
	print_message("# %u sets: %u with misses (%u tasks); %u first responses, each equal to "
		      "the analysis; misses exactly where it says\n", SETS, overloaded, missing_tasks,
		      compared);
	assert_true(compared > SETS * 2); /* most tasks' first jobs complete in the run */
	assert_true(overloaded > SETS / 10); /* the overload half of the claim was exercised */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_matches_response_time_analysis),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
