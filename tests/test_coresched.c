/* SPDX-License-Identifier: MIT */
/*
 * test_coresched.c - SMT core scheduling on the simulated machine, checker after every
 * event plus an independent look at what every CPU runs: the cookie API and its trust
 * rules, the invariant, force idle and its accounting, fairness between cookies, SC
 * threads against fair ones across siblings, placement, hotplug and kernel protection.
 */
#include "simtest.h"

#include <stdlib.h>

#define S (1000 * MS)

/* Every event: the non-idle threads the CPUs of one core run share a cookie. */
static void core_invariant(struct sim *sim, void *arg)
{
	unsigned *violations = arg;

	for (unsigned a = 0; a < sim->cfg.cpus; a++)
		for (unsigned b = a + 1; b < sim->cfg.cpus; b++) {
			struct sim_thread *x = sim->cpu[a].curr, *y = sim->cpu[b].curr;

			if (a / sim->cfg.smt == b / sim->cfg.smt && x && y &&
			    x->st.cookie != y->st.cookie)
				(*violations)++;
		}
}

static unsigned violations;

static struct sim *core_machine(unsigned cpus, unsigned smt, bool protect, uint8_t autotag)
{
	struct sim_config cfg = { .cpus = cpus, .smt = smt, .seed = 1, .core_sched = true,
				  .core_protect = protect };
	struct sim *sim = sim_new(&cfg);

	assert_non_null(sim);
	if (autotag) { /* sim_new has no autotag knob: the library's config is plain data */
		sim->sys.cfg.core_autotag = autotag;
	}
	sim->check_each_step = true;
	violations = 0;
	sim->after_event = core_invariant;
	sim->hook_arg = &violations;
	return sim;
}

static struct sched_auth root(struct sim *sim)
{
	return sched_auth_root(&sim->sys);
}

static sched_cookie_t cookie_of(struct sim_thread *t)
{
	sched_cookie_t c = 12345;

	assert_int_equal(sched_core_get(&t->sim->sys, sched_ref_of(&t->st), &c), 0);
	return c;
}

static struct sim_thread *tagged_thread(struct sim *sim, struct sim_thread *like, struct sched_group *g)
{
	struct sim_thread *t = hand_thread(sim, 0, 0, g);

	if (like)
		assert_int_equal(sched_core_share(&sim->sys, root(sim), sched_ref_of(&like->st),
						  sched_ref_of(&t->st), SCHED_CORE_THREAD), 0);
	else
		assert_int_equal(sched_core_create(&sim->sys, root(sim), sched_ref_of(&t->st),
						   SCHED_CORE_THREAD), 0);
	return t;
}

static void start(struct sim *sim, struct sim_thread *t)
{
	assert_int_equal(wake_from(sim, 0, t), 0);
}

/* --- off by default ----------------------------------------------------------------------- */

static void core_scheduling_is_off_by_default_and_its_calls_say_so(void **state)
{
	struct sim *sim = machine(2, 2);
	struct sim_thread *t = hand_thread(sim, 0, 0, NULL);
	sched_cookie_t c;

	(void)state;
	assert_int_equal(sched_core_create(&sim->sys, root(sim), sched_ref_of(&t->st),
					   SCHED_CORE_THREAD), -SCHED_EDISABLED);
	assert_int_equal(sched_core_get(&sim->sys, sched_ref_of(&t->st), &c), -SCHED_EDISABLED);
	assert_int_equal(sched_core_enter_kernel(&sim->sys, 0), 0);
	assert_int_equal(sched_core_exit_kernel(&sim->sys, 0), 0);
	start(sim, t);
	advance(sim, 100 * MS);
	assert_int_equal(sched_cpu_counter(&sim->sys, 0, SCHED_CNT_CORE_PICKS), 0);
	assert_true(sim->sys.rq[1].core == &sim->sys.rq[1]); /* no shared lock */
	sim_free(sim);
}

static void protection_without_core_scheduling_is_refused(void **state)
{
	struct sched_sys s;
	struct sched_rq rq[2];
	struct sched_topology topo = { .nr_cpus = 2, .core = { 0, 0 } };
	struct sched_config cfg = { .core_protect = true };

	(void)state;
	assert_int_equal(sched_init(&s, rq, &topo, &cfg), -SCHED_EINVAL);
	cfg.core_sched = true;
	cfg.core_autotag = 7;
	assert_int_equal(sched_init(&s, rq, &topo, &cfg), -SCHED_EINVAL);
}

/* --- the API and its trust rules ------------------------------------------------------------- */

static void setting_a_cookie_needs_the_core_right_over_the_thread(void **state)
{
	struct sim *sim = core_machine(2, 2, false, 0);
	struct sched_group a, b;
	struct sched_authority fair_only, over_a;
	struct sim_thread *ta, *tb;
	struct sched_auth tok;
	sched_cookie_t before;

	(void)state;
	sched_group_init(&sim->sys, &a, &(struct sched_group_params){ .id = 1 });
	sched_group_init(&sim->sys, &b, &(struct sched_group_params){ .id = 2,
		.kind = SCHED_GROUP_SERVICE });
	ta = hand_thread(sim, 0, 0, &a);
	tb = hand_thread(sim, 0, 0, &b);
	before = cookie_of(ta);
	assert_int_equal(before, SCHED_COOKIE_NONE);
	assert_int_equal(sched_auth_derive(&fair_only, root(sim), SCHED_RIGHT_FAIR, NULL, NULL), 0);
	tok = (struct sched_auth){ &fair_only, fair_only.gen };
	assert_int_equal(sched_core_create(&sim->sys, tok, sched_ref_of(&ta->st), SCHED_CORE_THREAD),
			 -SCHED_EPERM);
	assert_int_equal(sched_auth_derive(&over_a, root(sim), SCHED_RIGHT_CORE, &a, NULL), 0);
	tok = (struct sched_auth){ &over_a, over_a.gen };
	assert_int_equal(sched_core_create(&sim->sys, tok, sched_ref_of(&tb->st), SCHED_CORE_THREAD),
			 -SCHED_EPERM);
	/* joining b's domain needs authority over b too */
	assert_int_equal(sched_core_create(&sim->sys, root(sim), sched_ref_of(&tb->st),
					   SCHED_CORE_THREAD), 0);
	assert_int_equal(sched_core_share(&sim->sys, tok, sched_ref_of(&tb->st), sched_ref_of(&ta->st),
					  SCHED_CORE_THREAD), -SCHED_EPERM);
	assert_int_equal(cookie_of(ta), before);
	assert_int_equal(sched_core_create(&sim->sys, tok, sched_ref_of(&ta->st), SCHED_CORE_THREAD), 0);
	assert_int_not_equal(cookie_of(ta), SCHED_COOKIE_NONE);
	assert_int_not_equal(cookie_of(ta), cookie_of(tb));
	/* a revoked token and a stale thread fail closed */
	assert_int_equal(sched_auth_revoke(tok), 0);
	assert_int_equal(sched_core_clear(&sim->sys, tok, sched_ref_of(&ta->st), SCHED_CORE_THREAD),
			 -SCHED_ESTALE);
	assert_int_not_equal(cookie_of(ta), SCHED_COOKIE_NONE);
	{
		struct sched_ref old = sched_ref_of(&ta->st);

		assert_int_equal(sched_exit(&sim->sys, old), 0);
		assert_int_equal(sched_core_clear(&sim->sys, root(sim), old, SCHED_CORE_THREAD),
				 -SCHED_ESTALE);
		assert_int_equal(sched_core_get(&sim->sys, old, &before), -SCHED_ESTALE);
	}
	assert_int_equal(sched_core_create(&sim->sys, root(sim), sched_ref_of(&tb->st), 9),
			 -SCHED_EINVAL);
	/* a thread outside any process has no process scope */
	assert_int_equal(sched_core_create(&sim->sys, root(sim), sched_ref_of(&tb->st),
					   SCHED_CORE_PROCESS), -SCHED_ENOGROUP);
	sim_free(sim);
}

static void process_scope_covers_every_thread_and_the_newest_assignment_wins(void **state)
{
	struct sim *sim = core_machine(2, 2, false, 0);
	struct sched_group sess, proc;
	struct sim_thread *t1, *t2, *t3, *later;
	sched_cookie_t pc;

	(void)state;
	sched_group_init(&sim->sys, &sess, &(struct sched_group_params){ .id = 1,
		.kind = SCHED_GROUP_SESSION });
	sched_group_init(&sim->sys, &proc, &(struct sched_group_params){ .id = 2,
		.kind = SCHED_GROUP_PROCESS, .parent = &sess });
	t1 = hand_thread(sim, 0, 0, &proc);
	t2 = hand_thread(sim, 0, 0, &proc);
	t3 = hand_thread(sim, 0, 0, &sess);
	start(sim, t1); /* one running, one queued, one blocked: all covered */
	start(sim, t2);
	assert_int_equal(sched_core_create(&sim->sys, root(sim), sched_ref_of(&t1->st),
					   SCHED_CORE_PROCESS), 0);
	pc = cookie_of(t1);
	assert_int_not_equal(pc, SCHED_COOKIE_NONE);
	assert_int_equal(cookie_of(t2), pc);
	assert_int_equal(cookie_of(t3), SCHED_COOKIE_NONE); /* same session, other process */
	later = hand_thread(sim, 0, 0, &proc);              /* inherited on creation */
	assert_int_equal(cookie_of(later), pc);
	assert_int_equal(sched_core_create(&sim->sys, root(sim), sched_ref_of(&t2->st),
					   SCHED_CORE_THREAD), 0);
	assert_int_not_equal(cookie_of(t2), pc);            /* a newer per-thread one */
	assert_int_equal(sched_core_share(&sim->sys, root(sim), sched_ref_of(&t3->st),
					  sched_ref_of(&t1->st), SCHED_CORE_SESSION), 0);
	assert_int_equal(cookie_of(t1), SCHED_COOKIE_NONE); /* the session's, newest of all */
	assert_int_equal(cookie_of(t2), SCHED_COOKIE_NONE);
	assert_int_equal(cookie_of(later), SCHED_COOKIE_NONE);
	advance(sim, 50 * MS);
	assert_int_equal(violations, 0);
	sim_free(sim);
}

static void autotag_gives_every_process_its_own_cookie_and_creators_pass_theirs_on(void **state)
{
	struct sim *sim = core_machine(2, 2, false, SCHED_CORE_AUTOTAG_PROCESS);
	struct sched_group p1, p2;
	struct sim_thread *a, *b, *child;
	struct sched_thread_params p = { 0 };

	(void)state;
	sched_group_init(&sim->sys, &p1, &(struct sched_group_params){ .id = 1,
		.kind = SCHED_GROUP_PROCESS });
	sched_group_init(&sim->sys, &p2, &(struct sched_group_params){ .id = 2,
		.kind = SCHED_GROUP_PROCESS });
	a = hand_thread(sim, 0, 0, &p1);
	b = hand_thread(sim, 0, 0, &p2);
	assert_int_not_equal(cookie_of(a), SCHED_COOKIE_NONE);
	assert_int_not_equal(cookie_of(b), SCHED_COOKIE_NONE);
	assert_int_not_equal(cookie_of(a), cookie_of(b));
	/* a thread created by a with no group of its own takes a's cookie */
	p.creator = sched_ref_of(&a->st);
	child = sim_thread_new(sim, &p);
	assert_non_null(child);
	assert_int_equal(cookie_of(child), cookie_of(a));
	sim_free(sim);
}

/* --- the invariant, force idle and fairness --------------------------------------------------- */

static struct sim_thread *pinned(struct sim *sim, unsigned cpu)
{
	sched_cpumask_t m;
	struct sched_thread_params p = { 0 };
	struct sim_thread *t;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, cpu);
	p.affinity = &m;
	t = sim_thread_new(sim, &p);
	assert_non_null(t);
	assert_int_equal(sched_core_create(&sim->sys, root(sim), sched_ref_of(&t->st),
					   SCHED_CORE_THREAD), 0);
	return t;
}

/* Placement keeps two cookies on one CPU of the core: they time-share it, the sibling
 * stays idle with nothing of its own to run (not forced idle). */
static void two_cookies_placed_on_one_core_time_share_one_cpu(void **state)
{
	struct sim *sim = core_machine(2, 2, false, 0);
	struct sim_thread *a = tagged_thread(sim, NULL, NULL), *b = tagged_thread(sim, NULL, NULL);

	(void)state;
	start(sim, a);
	start(sim, b);
	advance(sim, 2 * S);
	assert_int_equal(violations, 0);
	assert_int_equal(a->st.cpu, b->st.cpu);
	assert_true(acct(a, SCHED_ACCT_RUNTIME) > S - 3 * MS && acct(b, SCHED_ACCT_RUNTIME) > S - 3 * MS);
	assert_int_equal(sched_core_forced_idle_ns(&sim->sys, 0) + sched_core_forced_idle_ns(&sim->sys, 1), 0);
	sim_free(sim);
}

/* Pinned to the two siblings: one CPU is forced idle at any time. The cross-CPU comparison
 * (virtual deadline minus each CPU's snapshot) alternates them slice by slice. */
static void two_pinned_cookies_alternate_on_the_core_with_force_idle_accounted(void **state)
{
	struct sim *sim = core_machine(2, 2, false, 0);
	struct sim_thread *a = pinned(sim, 0), *b = pinned(sim, 1);
	uint64_t ra, rb, fi0, fi1, ca, cb;

	(void)state;
	start(sim, a);
	start(sim, b);
	advance(sim, 2 * S);
	ra = acct(a, SCHED_ACCT_RUNTIME);
	rb = acct(b, SCHED_ACCT_RUNTIME);
	fi0 = sched_core_forced_idle_ns(&sim->sys, 0);
	fi1 = sched_core_forced_idle_ns(&sim->sys, 1);
	ca = acct(a, SCHED_ACCT_FORCED_IDLE);
	cb = acct(b, SCHED_ACCT_FORCED_IDLE);
	print_message("runtime %llu %llu forced idle %llu %llu charged %llu %llu\n",
		      (unsigned long long)ra, (unsigned long long)rb, (unsigned long long)fi0,
		      (unsigned long long)fi1, (unsigned long long)ca, (unsigned long long)cb);
	assert_int_equal(violations, 0);
	/* the core runs one of them at any time, each half of it within one slice (3 ms) */
	assert_true(ra + rb <= 2 * S && ra + rb >= 2 * S - 3 * MS);
	assert_true(ra > S - 3 * MS && rb > S - 3 * MS);
	/* the other CPU sat forced idle meanwhile: CPU 1 while a ran, CPU 0 while b ran */
	assert_true(fi1 >= ra - 3 * MS && fi1 <= ra + 3 * MS);
	assert_true(fi0 >= rb - 3 * MS && fi0 <= rb + 3 * MS);
	/* and it is charged to the thread that ran while its sibling waited */
	assert_true(ca >= fi1 - 3 * MS && ca <= fi1);
	assert_true(cb >= fi0 - 3 * MS && cb <= fi0);
	assert_true(sched_cpu_counter(&sim->sys, 0, SCHED_CNT_CORE_PICKS) +
		    sched_cpu_counter(&sim->sys, 1, SCHED_CNT_CORE_PICKS) > 0);
	sim_free(sim);
}

static void threads_that_share_a_cookie_run_side_by_side(void **state)
{
	struct sim *sim = core_machine(2, 2, false, 0);
	struct sim_thread *a = tagged_thread(sim, NULL, NULL), *b = tagged_thread(sim, a, NULL);

	(void)state;
	assert_int_equal(cookie_of(a), cookie_of(b));
	start(sim, a);
	start(sim, b);
	advance(sim, S);
	assert_int_equal(violations, 0);
	assert_int_equal(acct(a, SCHED_ACCT_RUNTIME), S);
	assert_int_equal(acct(b, SCHED_ACCT_RUNTIME), S);
	assert_int_equal(sched_core_forced_idle_ns(&sim->sys, 0) + sched_core_forced_idle_ns(&sim->sys, 1), 0);
	sim_free(sim);
}

static void an_untagged_thread_does_not_share_a_core_with_a_tagged_one(void **state)
{
	struct sim *sim = core_machine(2, 2, false, 0);
	struct sim_thread *a = tagged_thread(sim, NULL, NULL), *u = hand_thread(sim, 0, 0, NULL);

	(void)state;
	start(sim, a);
	start(sim, u);
	advance(sim, S);
	assert_int_equal(violations, 0);
	assert_true(acct(a, SCHED_ACCT_RUNTIME) + acct(u, SCHED_ACCT_RUNTIME) <= S);
	assert_true(acct(u, SCHED_ACCT_RUNTIME) > S / 2 - 3 * MS);
	sim_free(sim);
}

/* Three cookies, two threads each, on two cores: every cookie progresses, the invariant holds,
 * and a forced-idle CPU pulls a thread of the running cookie from the other core. */
static void three_cookies_on_two_cores_all_progress(void **state)
{
	struct sim *sim = core_machine(4, 2, false, 0);
	struct sim_thread *t[6];

	(void)state;
	for (unsigned i = 0; i < 6; i++)
		t[i] = tagged_thread(sim, i % 2 ? t[i - 1] : NULL, NULL);
	for (unsigned i = 0; i < 6; i++)
		start(sim, t[i]);
	for (unsigned w = 0; w < 10; w++) {
		uint64_t before[6];

		for (unsigned i = 0; i < 6; i++)
			before[i] = acct(t[i], SCHED_ACCT_RUNTIME);
		advance(sim, 200 * MS);
		for (unsigned i = 0; i < 6; i++)
			assert_true(acct(t[i], SCHED_ACCT_RUNTIME) > before[i]); /* no starvation */
	}
	assert_int_equal(violations, 0);
	sim_free(sim);
}

/* --- SC threads across siblings ---------------------------------------------------------------- */

static struct sched_sc pool[8];

static void an_sc_thread_beats_a_fair_thread_on_the_sibling(void **state)
{
	struct sim *sim = core_machine(2, 2, false, 0);
	struct sched_refill ring[8];
	struct sched_sc_cap cap;
	struct sched_sc_params p = { .budget_ns = 2 * MS, .period_ns = 10 * MS };
	struct sim_thread *rt, *hog;

	(void)state;
	sched_cpumask_fill(&p.cpus, 2);
	assert_int_equal(sched_sc_pool(&sim->sys, pool, 8), 0);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, ring, 8, &cap), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap, &p), 0);
	rt = tagged_thread(sim, NULL, NULL);
	hog = tagged_thread(sim, NULL, NULL);
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&rt->st)), 0);
	start(sim, hog);
	advance(sim, 5 * MS);
	start(sim, rt);
	advance(sim, S);
	assert_int_equal(violations, 0);
	/* the SC thread gets its full 20% although the fair hog of another cookie runs next door */
	assert_true(acct(rt, SCHED_ACCT_RUNTIME) >= S / 5 - 2 * MS);
	assert_true(acct(hog, SCHED_ACCT_RUNTIME) >= S * 4 / 5 - 8 * MS);
	sim_free(sim);
}

/* --- changes while running, hotplug, placement --------------------------------------------------- */

static void a_cookie_change_of_a_running_thread_takes_effect_at_its_next_pick(void **state)
{
	struct sim *sim = core_machine(2, 2, false, 0);
	struct sim_thread *a = tagged_thread(sim, NULL, NULL), *b = tagged_thread(sim, a, NULL);

	(void)state;
	start(sim, a);
	start(sim, b);
	advance(sim, 10 * MS);
	assert_non_null(running_on(sim, 0));
	assert_non_null(running_on(sim, 1));
	sim_enter(sim, 0);
	assert_int_equal(sched_core_create(&sim->sys, root(sim), sched_ref_of(&b->st),
					   SCHED_CORE_THREAD), 0);
	settle(sim);
	advance(sim, 10 * MS);
	assert_int_equal(violations, 0);
	assert_true(running_on(sim, 0) == NULL || running_on(sim, 1) == NULL);
	sim_free(sim);
}

static void hotplug_of_a_sibling_keeps_the_invariant(void **state)
{
	struct sim *sim = core_machine(4, 2, false, 0);
	struct sim_thread *t[4];

	(void)state;
	for (unsigned i = 0; i < 4; i++)
		t[i] = tagged_thread(sim, NULL, NULL);
	for (unsigned i = 0; i < 4; i++)
		start(sim, t[i]);
	for (unsigned round = 0; round < 20; round++) {
		unsigned cpu = 1 + round % 3;

		advance(sim, 7 * MS);
		sim_enter(sim, cpu);
		if (sched_cpu_offline(&sim->sys, cpu) == 0) {
			sim_resched(sim, cpu);
			settle(sim);
			advance(sim, 5 * MS);
			sim_enter(sim, cpu);
			assert_int_equal(sched_cpu_online(&sim->sys, cpu, &sim->cpu[cpu].idle), 0);
			settle(sim);
		}
	}
	advance(sim, 100 * MS);
	assert_int_equal(violations, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_true(acct(t[i], SCHED_ACCT_RUNTIME) > 20 * MS);
	sim_free(sim);
}

static void a_woken_thread_goes_where_its_cookie_runs_or_the_core_is_idle(void **state)
{
	struct sim *sim = core_machine(4, 2, false, 0);
	struct sim_thread *a = tagged_thread(sim, NULL, NULL), *b = tagged_thread(sim, NULL, NULL);
	struct sim_thread *a2 = tagged_thread(sim, a, NULL);

	(void)state;
	start(sim, a);
	start(sim, b);
	advance(sim, 10 * MS);
	/* a and b took different cores; a2 must join a's core (its sibling is free), not b's */
	assert_true(a->st.cpu / 2 != b->st.cpu / 2);
	start(sim, a2);
	advance(sim, 10 * MS);
	assert_int_equal(a2->st.cpu / 2, a->st.cpu / 2);
	assert_int_equal(sched_core_forced_idle_ns(&sim->sys, 0) + sched_core_forced_idle_ns(&sim->sys, 1) +
			 sched_core_forced_idle_ns(&sim->sys, 2) + sched_core_forced_idle_ns(&sim->sys, 3), 0);
	assert_int_equal(violations, 0);
	sim_free(sim);
}

/* --- kernel protection ------------------------------------------------------------------------------ */

static void kernel_entry_kicks_a_tagged_sibling_and_exit_waits_for_the_kernel(void **state)
{
	struct sim *sim = core_machine(2, 2, false, 0);
	struct sim_thread *a = tagged_thread(sim, NULL, NULL), *b = tagged_thread(sim, a, NULL);

	(void)state;
	sim->sys.cfg.core_protect = true; /* driven by hand below, not by the simulator */
	start(sim, a);
	start(sim, b);
	advance(sim, MS);
	assert_non_null(running_on(sim, 0));
	assert_non_null(running_on(sim, 1));
	sim_enter(sim, 0);
	assert_true(sched_core_kernel_safe(&sim->sys, 0) == false);
	assert_int_equal(sched_core_enter_kernel(&sim->sys, 0), 1); /* CPU 1 is kicked */
	assert_int_equal(sched_cpu_counter(&sim->sys, 0, SCHED_CNT_CORE_KICKS), 1);
	assert_false(sched_core_kernel_safe(&sim->sys, 0));
	/* CPU 1 takes the interrupt: in the kernel it is safe */
	sim_enter(sim, 1);
	assert_int_equal(sched_core_enter_kernel(&sim->sys, 1), 0);
	sim_enter(sim, 0);
	assert_true(sched_core_kernel_safe(&sim->sys, 0));
	/* CPU 1 may not go back to its tagged thread while CPU 0 is in the kernel */
	sim_enter(sim, 1);
	assert_int_equal(sched_core_exit_kernel(&sim->sys, 1), -SCHED_EBUSY);
	sim_enter(sim, 0);
	assert_true(sched_core_kernel_safe(&sim->sys, 0)); /* leaving counts as safe */
	assert_int_equal(sched_core_exit_kernel(&sim->sys, 0), 0);
	sim_enter(sim, 1);
	assert_int_equal(sched_core_exit_kernel(&sim->sys, 1), 0);
	assert_int_equal(sched_core_enter_kernel(&sim->sys, 7), -SCHED_ECPU);
	sim_run_until(sim, sim->now + MS); /* deliver the kick */
	sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(core_scheduling_is_off_by_default_and_its_calls_say_so),
		cmocka_unit_test(protection_without_core_scheduling_is_refused),
		cmocka_unit_test(setting_a_cookie_needs_the_core_right_over_the_thread),
		cmocka_unit_test(process_scope_covers_every_thread_and_the_newest_assignment_wins),
		cmocka_unit_test(autotag_gives_every_process_its_own_cookie_and_creators_pass_theirs_on),
		cmocka_unit_test(two_cookies_placed_on_one_core_time_share_one_cpu),
		cmocka_unit_test(two_pinned_cookies_alternate_on_the_core_with_force_idle_accounted),
		cmocka_unit_test(threads_that_share_a_cookie_run_side_by_side),
		cmocka_unit_test(an_untagged_thread_does_not_share_a_core_with_a_tagged_one),
		cmocka_unit_test(three_cookies_on_two_cores_all_progress),
		cmocka_unit_test(an_sc_thread_beats_a_fair_thread_on_the_sibling),
		cmocka_unit_test(a_cookie_change_of_a_running_thread_takes_effect_at_its_next_pick),
		cmocka_unit_test(hotplug_of_a_sibling_keeps_the_invariant),
		cmocka_unit_test(a_woken_thread_goes_where_its_cookie_runs_or_the_core_is_idle),
		cmocka_unit_test(kernel_entry_kicks_a_tagged_sibling_and_exit_waits_for_the_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
