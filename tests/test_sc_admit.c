/* SPDX-License-Identifier: MIT */
/*
 * test_sc_admit.c - admission of SchedulingContexts through sched_sc_configure_verdict:
 * refusals change nothing and say why, partitioned SCs get a CPU, Dhall's set is refused
 * globally and admitted partitioned, clusters may not cross, and with admission off every
 * valid configure is accepted as before.
 */
#include <stdlib.h>

#include <string.h>

#include "simtest.h"

#define POOL 16

struct fixture {
	struct sim *sim;
	struct sched_sc scs[POOL];
	struct sched_refill refills[POOL][2];
	struct sched_rt_task scratch[POOL + 1];
	unsigned next;
};

static struct fixture *setup(unsigned cpus, bool admission)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->sim = machine(cpus, 1);
	assert_int_equal(sched_sc_pool(&f->sim->sys, f->scs, POOL), 0);
	if (admission)
		assert_int_equal(sched_sc_admission(&f->sim->sys, sched_auth_root(&f->sim->sys),
						    f->scratch, POOL + 1, SCHED_RT_FIRST_FIT), 0);
	return f;
}

static void teardown(struct fixture *f)
{
	sim_free(f->sim);
	free(f);
}

static struct sched_sc_params params(uint64_t c_us, uint64_t t_us, unsigned cpus,
				     unsigned dispatch)
{
	struct sched_sc_params p = { .budget_ns = c_us * US, .period_ns = t_us * US,
				     .mode = SCHED_SC_CBS, .dispatch = (uint8_t)dispatch };

	sched_cpumask_fill(&p.cpus, cpus);
	return p;
}

static int configure(struct fixture *f, const struct sched_sc_params *p,
		     struct sched_sc_verdict *v, struct sched_sc_cap *cap)
{
	assert_int_equal(sched_sc_create(&f->sim->sys, NULL, f->refills[f->next++], 1, cap), 0);
	return sched_sc_configure_verdict(&f->sim->sys, sched_auth_root(&f->sim->sys), *cap, p, v);
}

/* The example: three 5 ms / 10 ms SCs on one CPU. With a 95% share the second is
 * refused, by utilisation, and stays unconfigured. */
static void test_one_cpu_refusal(void **state)
{
	struct fixture *f = setup(1, true);
	struct sched_sc_params p = params(5000, 10000, 1, SCHED_SC_GLOBAL);
	struct sched_sc_verdict v;
	struct sched_sc_cap a, b;

	(void)state;
	assert_int_equal(configure(f, &p, &v, &a), 0);
	assert_true(v.accepted);
	assert_int_equal(v.cpu, 0); /* one CPU: partitioned */
	assert_int_equal(configure(f, &p, &v, &b), -SCHED_EUNSCHED);
	assert_false(v.accepted);
	assert_int_equal(v.why.test, SCHED_RT_EDF_UTIL);
	assert_true(v.why.demand > v.why.supply);
	assert_int_equal(f->scs[b.index].state, SCHED_SC_CREATED);
	assert_int_equal(sched_sc_bind(&f->sim->sys, b, sched_ref_of(&hand_thread(f->sim, 0, 0, NULL)->st)),
			 -SCHED_ESTATE);
	/* with a 100% share (throttling off) the second fits exactly */
	f->sim->sys.cfg.rt_runtime_ns = SCHED_RT_UNLIMITED;
	assert_int_equal(configure(f, &p, &v, &b), 0);
	teardown(f);
}

/* Partitioned on two CPUs: first fit puts the first two on CPU 0 and 1, the third fits
 * nowhere; each SC's CPU set is its CPU. */
static void test_partitioned_first_fit(void **state)
{
	struct fixture *f = setup(2, true);
	struct sched_sc_params p = params(5000, 10000, 2, SCHED_SC_PARTITIONED);
	struct sched_sc_verdict v;
	struct sched_sc_cap c[3];

	(void)state;
	assert_int_equal(configure(f, &p, &v, &c[0]), 0);
	assert_int_equal(v.cpu, 0);
	assert_int_equal(configure(f, &p, &v, &c[1]), 0);
	assert_int_equal(v.cpu, 1);
	assert_true(sched_cpumask_test(&f->scs[c[1].index].cpus, 1));
	assert_false(sched_cpumask_test(&f->scs[c[1].index].cpus, 0));
	assert_int_equal(configure(f, &p, &v, &c[2]), -SCHED_EUNSCHED);
	teardown(f);
}

/* Dhall: two light tasks and one heavy on 2 CPUs. Global EDF can miss (every sufficient
 * test refuses); partitioned, the heavy one gets a CPU of its own. */
static void test_dhall(void **state)
{
	struct sched_sc_params light, heavy;
	struct sched_sc_verdict v;
	struct sched_sc_cap c;

	(void)state;
	for (unsigned mode = SCHED_SC_GLOBAL; mode <= SCHED_SC_PARTITIONED; mode++) {
		struct fixture *f = setup(2, true);

		light = params(200, 10000, 2, mode);    /* 2% each, earlier deadlines */
		heavy = params(10000, 10100, 2, mode);  /* 99%: waits 0.2 ms at a joint release */
		f->sim->sys.cfg.rt_runtime_ns = SCHED_RT_UNLIMITED;
		assert_int_equal(configure(f, &light, &v, &c), 0);
		assert_int_equal(configure(f, &light, &v, &c), 0);
		assert_int_equal(configure(f, &heavy, &v, &c),
				 mode == SCHED_SC_GLOBAL ? -SCHED_EUNSCHED : 0);
		if (mode == SCHED_SC_GLOBAL)
			assert_true(v.why.test >= SCHED_RT_GEDF_GFB && v.why.test <= SCHED_RT_GEDF_BAK);
		else
			assert_int_equal(v.cpu, 1); /* both light ones share CPU 0 */
		teardown(f);
	}
}

/* Clusters may not cross: an SC on {1,2} next to one on {0,1} is refused, naming it. */
static void test_crossing_clusters(void **state)
{
	struct fixture *f = setup(3, true);
	struct sched_sc_params a = params(1000, 10000, 2, SCHED_SC_GLOBAL), b = a;
	struct sched_sc_verdict v;
	struct sched_sc_cap ca, cb;

	(void)state;
	sched_cpumask_clear(&b.cpus);
	sched_cpumask_set(&b.cpus, 1);
	sched_cpumask_set(&b.cpus, 2);
	assert_int_equal(configure(f, &a, &v, &ca), 0);
	assert_int_equal(configure(f, &b, &v, &cb), -SCHED_EUNSCHED);
	assert_int_equal(v.conflict, ca.index);
	teardown(f);
}

/* Off: every valid configure is accepted, and a partitioned SC goes where least is reserved. */
static void test_admission_off(void **state)
{
	struct fixture *f = setup(2, false);
	struct sched_sc_params p = params(5000, 10000, 2, SCHED_SC_PARTITIONED);
	struct sched_sc_verdict v;
	struct sched_sc_cap c;
	unsigned on[2] = { 0, 0 };

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(configure(f, &p, &v, &c), 0);
		on[v.cpu]++;
	}
	assert_int_equal(on[0], 2);
	assert_int_equal(on[1], 2);
	teardown(f);
}

/* --- fixed priorities ------------------------------------------------------------------ */

static struct sim_thread *pinned(struct fixture *f, unsigned cpu)
{
	struct sim_thread *t = hand_thread(f->sim, 0, 0, NULL);
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, cpu);
	assert_int_equal(sched_set_affinity(&f->sim->sys, sched_ref_of(&t->st), &m), 0);
	return t;
}

static int set_rt(struct fixture *f, struct sim_thread *t, unsigned prio, uint64_t c_us,
		  uint64_t t_us, struct sched_sc_verdict *v)
{
	struct sched_rt_params p = { .policy = prio ? SCHED_RT_FIFO : SCHED_RT_NONE,
				     .prio = (uint8_t)prio, .budget_ns = c_us * US,
				     .period_ns = t_us * US };

	return sched_set_rt_verdict(&f->sim->sys, sched_auth_root(&f->sim->sys),
				    sched_ref_of(&t->st), &p, v);
}

/* One CPU: exact response times. 3/10 at 20 and 4/10 at 10 fit (responses 3 and 7 ms); a
 * third 4/10 at 5 needs 11 ms of work before it ends (more at 95% of the CPU): refused, by
 * response-time analysis, unchanged. A
 * priority change is admitted again: the 4 ms task above the 3 ms one still fits. */
static void test_fp_one_cpu(void **state)
{
	struct fixture *f = setup(2, true);
	struct sim_thread *a = pinned(f, 0), *b = pinned(f, 0), *c = pinned(f, 0);
	struct sched_sc_verdict v;

	(void)state;
	assert_int_equal(set_rt(f, a, 20, 3000, 10000, &v), 0);
	assert_int_equal(set_rt(f, b, 10, 4000, 10000, &v), 0);
	assert_int_equal(set_rt(f, c, 5, 4000, 10000, &v), -SCHED_EUNSCHED);
	assert_int_equal(v.why.test, SCHED_RT_FP_RTA);
	assert_int_equal(v.why.supply, 10 * MS); /* its deadline */
	assert_true(v.why.demand > 11 * MS);     /* 11 ms of work at 95% of the CPU */
	assert_int_equal(c->st.rt_prio, 0);
	assert_int_equal(set_rt(f, b, 30, 4000, 10000, &v), 0);
	assert_int_equal(b->st.rt_prio, 30);
	/* b leaves the class: c now fits (3 + 4 ms) */
	assert_int_equal(set_rt(f, b, 0, 0, 0, &v), 0);
	assert_int_equal(set_rt(f, c, 5, 4000, 10000, &v), 0);
	teardown(f);
}

/* An undeclared thread at or above a declared level has unknown demand: refused; below
 * every declared level it is admitted, and then no declaration may go at or below it. */
static void test_fp_undeclared(void **state)
{
	struct fixture *f = setup(1, true);
	struct sim_thread *a = pinned(f, 0), *u = pinned(f, 0), *d = pinned(f, 0);
	struct sched_sc_verdict v;

	(void)state;
	assert_int_equal(set_rt(f, a, 20, 1000, 10000, &v), 0);
	assert_int_equal(set_rt(f, u, 20, 0, 0, &v), -SCHED_EUNSCHED);
	assert_ptr_equal(v.conflict_thread, &a->st); /* the guarantee it would break */
	assert_int_equal(set_rt(f, u, 19, 0, 0, &v), 0);
	assert_int_equal(set_rt(f, d, 19, 1000, 10000, &v), -SCHED_EUNSCHED);
	assert_ptr_equal(v.conflict_thread, &u->st);
	assert_int_equal(set_rt(f, d, 21, 1000, 10000, &v), 0);
	teardown(f);
}

/* Fixed priorities and SCs do not share CPUs under admission, and a thread's CPUs are fixed
 * while it is in the class; an exit leaves the registry. */
static void test_fp_clusters(void **state)
{
	struct fixture *f = setup(2, true);
	struct sim_thread *a = pinned(f, 0), *b = pinned(f, 1), *g = hand_thread(f->sim, 0, 0, NULL);
	struct sched_sc_params p = params(1000, 10000, 1, SCHED_SC_GLOBAL); /* CPU 0 */
	struct sched_sc_verdict v;
	struct sched_sc_cap cap;
	sched_cpumask_t both;

	(void)state;
	sched_cpumask_fill(&both, 2);
	assert_int_equal(set_rt(f, a, 10, 1000, 10000, &v), 0);
	assert_int_equal(configure(f, &p, &v, &cap), -SCHED_EUNSCHED);
	assert_ptr_equal(v.conflict_thread, &a->st);
	sched_cpumask_clear(&p.cpus);
	sched_cpumask_set(&p.cpus, 1);
	assert_int_equal(sched_sc_configure_verdict(&f->sim->sys, sched_auth_root(&f->sim->sys),
						    cap, &p, &v), 0);
	assert_int_equal(set_rt(f, b, 10, 1000, 10000, &v), -SCHED_EUNSCHED);
	assert_int_equal(v.conflict, cap.index);
	/* a thread on both CPUs crosses the SC's set (the first found) and a's cluster */
	assert_int_equal(set_rt(f, g, 5, 1000, 10000, &v), -SCHED_EUNSCHED);
	assert_int_equal(v.conflict, cap.index);
	assert_int_equal(sched_set_affinity(&f->sim->sys, sched_ref_of(&a->st), &both),
			 -SCHED_EAFFINITY);
	assert_int_equal(sched_exit(&f->sim->sys, sched_ref_of(&a->st)), 0);
	settle(f->sim);
	assert_true(f->sim->sys.rt_declared.next == &f->sim->sys.rt_declared); /* empty */
	teardown(f);
}

/* A CPU whose time was admitted cannot go offline (less supply than admitted) until what
 * counts on it is gone. */
static void test_offline_refused(void **state)
{
	struct fixture *f = setup(2, true);
	struct sched_sc_params p = params(1000, 10000, 2, SCHED_SC_PARTITIONED);
	struct sched_sc_verdict v;
	struct sched_sc_cap cap;
	struct sim_thread *a = pinned(f, 1);

	(void)state;
	assert_int_equal(configure(f, &p, &v, &cap), 0);
	assert_int_equal(v.cpu, 0);
	sim_enter(f->sim, 1);
	assert_int_equal(sched_cpu_offline(&f->sim->sys, 0), -SCHED_EUNSCHED);
	assert_int_equal(sched_sc_revoke(&f->sim->sys, cap), 0);
	assert_int_equal(set_rt(f, a, 10, 1000, 10000, &v), 0);
	sim_enter(f->sim, 0);
	assert_int_equal(sched_cpu_offline(&f->sim->sys, 1), -SCHED_EUNSCHED);
	sim_enter(f->sim, 1);
	assert_int_equal(sched_cpu_offline(&f->sim->sys, 0), 0); /* nothing counts on CPU 0 now */
	settle(f->sim);
	teardown(f);
}

/* Admission cannot start after fixed priorities were given without it. */
static void test_fp_before_admission(void **state)
{
	struct fixture *f = setup(1, false);
	struct sim_thread *a = pinned(f, 0);
	struct sched_sc_verdict v;

	(void)state;
	assert_int_equal(set_rt(f, a, 10, 0, 0, &v), 0);
	assert_int_equal(sched_sc_admission(&f->sim->sys, sched_auth_root(&f->sim->sys),
					    f->scratch, POOL + 1, SCHED_RT_FIRST_FIT), -SCHED_ESTATE);
	teardown(f);
}

/*
 * Admitted global sets never miss on the library: random SCHED_DEADLINE sets (implicit or
 * constrained deadlines) on 2 to 4 CPUs, released synchronously, run by the simulator
 * with admission on and global dispatch. Admission keeps the tasks the global tests accept
 * (each configure sees the ones before it); every task that runs meets every deadline.
 */
static uint64_t next_rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static char *global_set(uint64_t *rng, unsigned m, unsigned *n_out, uint64_t *dur_us)
{
	size_t cap = 8192, len = 0;
	char *j = malloc(cap);
	unsigned n = m + 1 + (unsigned)(next_rnd(rng) % (2 * m));
	uint64_t t[12], lead = 0;

	assert_non_null(j);
	for (unsigned i = 0; i < n; i++) {
		t[i] = (2 + next_rnd(rng) % 29) * 1000; /* 2 .. 30 ms, whole */
		lead = t[i] > lead ? t[i] : lead;
	}
	lead *= 2;
	*dur_us = lead + 300000;
	len += (size_t)snprintf(j + len, cap - len, "{\"global\": {\"duration\": %.6f}, \"tasks\": {",
				(double)*dur_us / 1e6);
	for (unsigned i = 0; i < n; i++) {
		uint64_t c = 10 + t[i] * (10 + next_rnd(rng) % 60) / 100; /* 10 .. 70% + 10 us */
		uint64_t d = next_rnd(rng) % 2 ? t[i] : c + next_rnd(rng) % (t[i] - c + 1);

		len += (size_t)snprintf(j + len, cap - len,
			"%s\"t%u\": {\"policy\": \"SCHED_DEADLINE\", \"dl-runtime\": %llu, "
			"\"dl-period\": %llu, \"dl-deadline\": %llu, \"delay\": %llu, \"loop\": -1, "
			"\"timer\": {\"ref\": \"k%u\", \"period\": %llu, \"mode\": \"absolute\"}, "
			"\"run\": %llu}", i ? ", " : "", i, (unsigned long long)c,
			(unsigned long long)t[i], (unsigned long long)d,
			(unsigned long long)(lead - t[i]), i, (unsigned long long)t[i],
			(unsigned long long)c);
	}
	snprintf(j + len, cap - len, "}}");
	*n_out = n;
	return j;
}

static void test_admitted_global_sets_never_miss(void **state)
{
	uint64_t rng = 2026;
	unsigned ran = 0, refused = 0;

	(void)state;
	for (unsigned k = 0; k < 200; k++) {
		unsigned m = 2 + k % 3, n;
		uint64_t dur;
		char *json = global_set(&rng, m, &n, &dur);
		struct sim_config cfg = { .cpus = m, .smt = 1, .seed = k + 1, .admission = true };
		struct workload wl;
		struct sim *sim = scenario(json, &cfg, &wl, NULL, NULL);

		sim_run_until(sim, dur * US);
		for (size_t i = 0; i < sim->nr_threads; i++) {
			struct sim_thread *t = sim->threads[i];
			struct sim_job_stats st;

			if (t->refused) {
				refused++;
				continue;
			}
			assert_true(sim_thread_jobs(sim, t, &st));
			if (st.misses)
				fail_msg("set %u (%u CPUs): admitted task %s missed %llu of %llu jobs",
					 k, m, t->task->name, (unsigned long long)st.misses,
					 (unsigned long long)st.jobs);
			ran++;
		}
		sim_free(sim);
		wl_free(&wl);
		free(json);
	}
	print_message("# 200 sets on 2 to 4 CPUs: %u tasks admitted, none missed; %u refused\n",
		      ran, refused);
	assert_true(ran > 200 && refused > 50); /* both sides of the test were exercised */
}

/* A set that fits without its blocking terms and not with them: 4/10 and 5/10 ms on one
 * CPU (90% of a 95% share) is admitted; with 1 ms of declared blocking on the second it
 * is not (100%), and a blocking that cannot fit the deadline is invalid. */
static void test_blocking_counted(void **state)
{
	struct fixture *f = setup(1, true);
	struct sched_sc_params a = params(4000, 10000, 1, SCHED_SC_GLOBAL);
	struct sched_sc_params b = params(5000, 10000, 1, SCHED_SC_GLOBAL);
	struct sched_sc_verdict v;
	struct sched_sc_cap ca, cb;

	(void)state;
	assert_int_equal(configure(f, &a, &v, &ca), 0);
	b.blocking_ns = 1000 * US;
	assert_int_equal(configure(f, &b, &v, &cb), -SCHED_EUNSCHED);
	assert_int_equal(v.why.test, SCHED_RT_EDF_UTIL);
	assert_int_equal(f->scs[cb.index].state, SCHED_SC_CREATED);
	b.blocking_ns = 5001 * US; /* 5 ms budget + 5.001 ms blocking > 10 ms deadline */
	assert_int_equal(sched_sc_configure_verdict(&f->sim->sys, sched_auth_root(&f->sim->sys),
						    cb, &b, &v), -SCHED_EINVAL);
	b.blocking_ns = 0;
	assert_int_equal(sched_sc_configure_verdict(&f->sim->sys, sched_auth_root(&f->sim->sys),
						    cb, &b, &v), 0);
	teardown(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_cpu_refusal),
		cmocka_unit_test(test_partitioned_first_fit),
		cmocka_unit_test(test_dhall),
		cmocka_unit_test(test_crossing_clusters),
		cmocka_unit_test(test_admission_off),
		cmocka_unit_test(test_admitted_global_sets_never_miss),
		cmocka_unit_test(test_fp_one_cpu),
		cmocka_unit_test(test_fp_undeclared),
		cmocka_unit_test(test_fp_clusters),
		cmocka_unit_test(test_fp_before_admission),
		cmocka_unit_test(test_offline_refused),
		cmocka_unit_test(test_blocking_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
