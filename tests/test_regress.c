/* SPDX-License-Identifier: MIT */
/*
 * test_regress.c - one test per defect found by fuzzing the public API (docs/fuzzing.md).
 * Each reproduces the shortest known path to the defect and fails without its fix.
 */
#include "simtest.h"

#include <stdlib.h>

#include "workload.h"

static void fail_on_violation(struct sim *sim, const char *msg)
{
	(void)sim;
	fail_msg("%s", msg);
}

/* Run examples/<file> for `ms` simulated ms with the checker after every event. */
static void run_example(const char *file, unsigned cpus, unsigned smt, const char *policy,
			uint64_t seed, uint64_t ms)
{
	struct sim_config cfg = { .cpus = cpus, .smt = smt, .seed = seed, .policy = policy,
				  .core_sched = true };
	char path[512], err[256];
	struct workload wl;
	struct sim *sim;

	snprintf(path, sizeof(path), "%s/%s", EXAMPLES_DIR, file);
	if (wl_load_file(path, &wl, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	sim = sim_new(&cfg);
	assert_non_null(sim);
	sim->check_each_step = true;
	sim->on_violation = fail_on_violation;
	assert_int_equal(sim_load(sim, &wl), 0);
	sim_run_until(sim, ms * MS);
	check_ok(sim);
	sim_free(sim);
	wl_free(&wl);
}

static struct sim *core_machine(unsigned cpus, unsigned smt, const char *policy)
{
	struct sim_config cfg = { .cpus = cpus, .smt = smt, .seed = 1, .policy = policy,
				  .core_sched = true };
	struct sim *sim = sim_new(&cfg);

	assert_non_null(sim);
	sim->check_each_step = true;
	return sim;
}

/* Every run-queue lock is free between entries (a double release shows as owner > next). */
static void assert_locks_free(struct sim *sim)
{
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		assert_int_equal(sim->rq[c].lock.next, sim->rq[c].lock.owner);
}

static void sleep_on(struct sim *sim, unsigned cpu, sched_time_t deadline)
{
	struct sched_thread *next;

	sim_enter(sim, cpu);
	assert_int_equal(sched_sleep_until(&sim->sys, cpu, deadline, &next), 0);
	sim_switch(sim, cpu, next);
	settle(sim);
}

/*
 * Siblings share one lock under core scheduling: a handoff to a server whose timeout sits
 * on the caller's sibling took that lock once and released it twice.
 */
static void handoff_to_a_sleeper_on_the_sibling_releases_the_core_lock_once(void **state)
{
	struct sim *sim = core_machine(2, 2, NULL);
	struct sim_thread *server = hand_thread(sim, 0, 0, NULL), *client = hand_thread(sim, 0, 0, NULL);
	struct sched_thread *next;

	unsigned sc, cc; /* the server's CPU and the client's, siblings */

	(void)state;
	assert_int_equal(wake_from(sim, 0, server), 0);
	sc = running_on(sim, 0) == server ? 0 : 1;
	assert_ptr_equal(running_on(sim, sc), server);
	cc = 1 - sc;
	sleep_on(sim, sc, sim->now + 50 * MS); /* timeout armed in the sibling's sleeper tree */
	assert_int_equal(wake_from(sim, cc, client), 0);
	if (running_on(sim, cc) != client) /* placed on the server's CPU: try the other way */
		assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&client->st),
						    &(sched_cpumask_t){ { 1ull << cc } }), 0);
	settle(sim);
	assert_ptr_equal(running_on(sim, cc), client);
	sim_enter(sim, cc);
	assert_int_equal(sched_call(&sim->sys, cc, sched_ref_of(&server->st), &next), 0);
	assert_locks_free(sim);
	assert_ptr_equal(next, &server->st);
	sim_switch(sim, cc, next);
	settle(sim);
	sim_enter(sim, cc);
	assert_int_equal(sched_reply(&sim->sys, cc, sched_ref_of(&client->st), &next), 0);
	assert_locks_free(sim);
	sim_switch(sim, cc, next);
	settle(sim);
	advance(sim, 100 * MS);
	sim_free(sim);
}

/*
 * rr under core scheduling: a thread that yielded with nobody queued behind it kept its CPU
 * with its quantum already over, while its sibling waited forced idle; the timer was
 * re-armed at that past instant forever (a million interrupts at one instant).
 */
static void rr_with_a_forced_idle_sibling_gives_the_kept_thread_a_new_turn(void **state)
{
	(void)state;
	run_example("coresched.json", 4, 2, "rr", 2, 100);
	run_example("coresched.json", 4, 2, "rr", 5, 100);
}

/* Core scheduling on cores of one CPU keeps no cookie index: the checker must not ask. */
static void the_checker_accepts_core_scheduling_on_single_cpu_cores(void **state)
{
	(void)state;
	run_example("coresched.json", 4, 1, NULL, 1, 20);
}

/*
 * The last cookie on a core is cleared while a sibling is forced idle: the core is no
 * longer tagged, so its picks take the plain path, which must release that sibling (it
 * stayed idle with work queued, and its sibling's timer fired at one instant forever).
 */
static void clearing_the_last_cookie_releases_a_forced_idle_sibling(void **state)
{
	struct sim *sim = core_machine(2, 2, "rr");
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sched_auth root = sched_auth_root(&sim->sys);
	sched_cpumask_t cpu0 = { { 1 } }, cpu1 = { { 2 } };

	(void)state;
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &cpu1), 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&b->st), &cpu0), 0);
	assert_int_equal(sched_core_create(&sim->sys, root, sched_ref_of(&a->st), SCHED_CORE_THREAD), 0);
	assert_int_equal(wake_from(sim, 1, a), 0);
	assert_int_equal(wake_from(sim, 0, b), 0);
	advance(sim, 1 * MS);
	assert_ptr_equal(running_on(sim, 1), a);
	assert_null(running_on(sim, 0)); /* b's cookie differs: forced idle */
	assert_true(sim->rq[0].forced_idle);
	sim_enter(sim, 1);
	assert_int_equal(sched_core_clear(&sim->sys, root, sched_ref_of(&a->st), SCHED_CORE_THREAD), 0);
	settle(sim);
	advance(sim, 10 * MS);
	assert_ptr_equal(running_on(sim, 0), b);
	assert_ptr_equal(running_on(sim, 1), a);
	assert_false(sim->rq[0].forced_idle);
	sim_free(sim);
}

/*
 * Sleep deadlines 2^63 apart have no consistent order: the sleeper tree went out of order
 * and the timer was armed after the earliest sleeper. Deadlines must lie within
 * SCHED_TIME_HORIZON_NS of now.
 */
static void sleep_deadlines_outside_the_horizon_are_refused(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sched_thread *next = NULL;
	sched_time_t now;

	(void)state;
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(wake_from(sim, 0, b), 0);
	advance(sim, 1 * MS);
	now = sim->now;
	sim_enter(sim, 0);
	assert_int_equal(sched_sleep_until(&sim->sys, 0, 1ull << 63, &next), -SCHED_EINVAL);
	assert_int_equal(sched_sleep_until(&sim->sys, 0, now + SCHED_TIME_HORIZON_NS, &next),
			 -SCHED_EINVAL);
	assert_int_equal(sched_sleep_until(&sim->sys, 0, now - SCHED_TIME_HORIZON_NS, &next),
			 -SCHED_EINVAL);
	assert_int_equal(sched_sleep_until(&sim->sys, 0, SCHED_TIME_NEVER, &next), -SCHED_EINVAL);
	assert_null(next);
	/* the extremes of the range: one sleeper far ahead, one in the past */
	assert_int_equal(sched_sleep_until(&sim->sys, 0, now + SCHED_TIME_HORIZON_NS - 1, &next), 0);
	sim_switch(sim, 0, next);
	settle(sim);
	sim_enter(sim, 0);
	assert_int_equal(sched_sleep_until(&sim->sys, 0, 0, &next), 0);
	sim_switch(sim, 0, next);
	settle(sim);
	advance(sim, 1 * MS); /* the past deadline fired, the far one did not */
	assert_int_equal(sim->rq[0].nr_sleepers, 1);
	assert_int_equal(sim->rq[0].timer_armed, now + SCHED_TIME_HORIZON_NS - 1);
	sim_free(sim);
}

/* Every entry refuses an idle thread's ref; unpark took it and left it a permit. */
static void unpark_refuses_an_idle_thread(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_thread *idle = &sim->cpu[0].idle;

	(void)state;
	assert_int_equal(sched_unpark(&sim->sys, sched_ref_of(idle)), -SCHED_EINVAL);
	assert_int_equal(idle->permit, 0);
	check_ok(sim);
	sim_free(sim);
}

/* --- SchedulingContexts ----------------------------------------------------------------- */

static struct sched_sc pool[64];
static struct sched_refill rings[64][8];
static unsigned nr_scs;

/* A configured SC of budget/period on every CPU, overrun policy `overrun`. */
static struct sched_sc_cap make_sc(struct sim *sim, uint64_t budget, uint64_t period,
				   uint8_t overrun)
{
	struct sched_sc_params p = { .budget_ns = budget, .period_ns = period, .overrun = overrun };
	struct sched_sc_cap cap;

	if (!sim->sys.scs) {
		assert_int_equal(sched_sc_pool(&sim->sys, pool, 64), 0);
		nr_scs = 0;
	}
	assert_true(nr_scs < 64);
	sched_cpumask_fill(&p.cpus, sim->cfg.cpus);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, rings[nr_scs++], 8, &cap), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, sched_auth_root(&sim->sys), cap, &p), 0);
	return cap;
}

/*
 * A thread throttled in its SC's refill wait is RUNNABLE but on no class queue, so its
 * weight is not in the CPU's load: a weight change must not adjust the load (it wrapped).
 */
static void set_fair_on_a_throttled_thread_leaves_the_load_alone(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *t = hand_thread(sim, 0, 0, NULL), *other = hand_thread(sim, 0, 0, NULL);
	struct sched_sc_cap cap = make_sc(sim, 1 * MS, 10 * MS, SCHED_SC_THROTTLE);
	struct sched_fair_params fp = { .nice = -10 };

	(void)state;
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&t->st)), 0);
	assert_int_equal(wake_from(sim, 0, other), 0);
	assert_int_equal(wake_from(sim, 0, t), 0);
	advance(sim, 2 * MS); /* t used its 1 ms and waits for the refill */
	assert_int_equal(t->st.state, SCHED_RUNNABLE);
	assert_true(t->st.sc_wait);
	assert_int_equal(sim->rq[0].load, other->st.weight);
	assert_int_equal(sched_set_fair(&sim->sys, sched_auth_root(&sim->sys),
					sched_ref_of(&t->st), &fp), 0);
	check_ok(sim);
	assert_int_equal(sim->rq[0].load, other->st.weight);
	advance(sim, 20 * MS); /* refilled, queued with its new weight, and throttled again */
	sim_free(sim);
}

/*
 * A demoted caller (its SC out of budget, running fair until the refill) calls a server
 * that may run on no online CPU: -SCHED_EAFFINITY, and the caller must still be waiting
 * for its refill (the lent SC was taken back but the wait was lost).
 */
static void a_refused_call_keeps_the_callers_refill_wait(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *caller = hand_thread(sim, 0, 0, NULL), *server = hand_thread(sim, 0, 0, NULL);
	struct sched_sc_cap cap = make_sc(sim, 1 * MS, 100 * MS, SCHED_SC_DEMOTE);
	sched_cpumask_t cpu0 = { { 1 } }, cpu1 = { { 2 } };
	struct sched_thread *next = NULL;

	(void)state;
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&server->st), &cpu1), 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&caller->st), &cpu0), 0);
	assert_int_equal(wake_from(sim, 1, server), 0);
	assert_int_equal(block_on(sim, 1), 0); /* the server waits for calls */
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&caller->st)), 0);
	assert_int_equal(wake_from(sim, 0, caller), 0);
	advance(sim, 2 * MS); /* used its budget: demoted, runs fair until the refill */
	assert_ptr_equal(running_on(sim, 0), caller);
	assert_true(caller->st.sc_wait);
	sim_enter(sim, 1);
	assert_int_equal(sched_cpu_offline(&sim->sys, 1), 0);
	settle(sim);
	for (int reply = 0; reply < 2; reply++) {
		sim_enter(sim, 0);
		assert_int_equal(reply ? sched_reply(&sim->sys, 0, sched_ref_of(&server->st), &next)
				       : sched_call(&sim->sys, 0, sched_ref_of(&server->st), &next),
				 -SCHED_EAFFINITY);
		assert_true(caller->st.sc_wait);
		assert_ptr_equal(caller->st.sc, &pool[0]);
		assert_null(server->st.sc);
		assert_int_equal(server->st.state, SCHED_BLOCKED);
		check_ok(sim);
	}
	advance(sim, 200 * MS); /* refilled: back on its SC */
	sim_free(sim);
}

/*
 * Offlining a CPU whose current thread is demoted (fair, still in its refill wait): the
 * thread stays current there until the CPU's next pick and keeps its wait entry until it
 * leaves; then it waits on its new CPU.
 */
static void offlining_the_cpu_of_a_demoted_thread_moves_its_refill_wait(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *t = hand_thread(sim, 0, 0, NULL);
	struct sched_sc_cap cap = make_sc(sim, 1 * MS, 100 * MS, SCHED_SC_DEMOTE);
	sched_cpumask_t cpu1 = { { 2 } }, both = { { 3 } };

	(void)state;
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&t->st), &cpu1), 0);
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&t->st)), 0);
	assert_int_equal(wake_from(sim, 1, t), 0);
	advance(sim, 2 * MS);
	assert_ptr_equal(running_on(sim, 1), t);
	assert_true(t->st.sc_wait);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&t->st), &both), 0);
	sim_enter(sim, 0);
	assert_int_equal(sched_cpu_offline(&sim->sys, 1), 0);
	check_ok(sim); /* still current on CPU 1 until its pick */
	settle(sim);
	advance(sim, 1 * MS);
	assert_ptr_equal(running_on(sim, 0), t);
	assert_true(t->st.sc_wait);
	assert_int_equal(sim->rq[1].nr_sc_wait, 0);
	assert_int_equal(sim->rq[0].nr_sc_wait, 1);
	advance(sim, 200 * MS); /* refilled on CPU 0 */
	sim_free(sim);
}

/*
 * Core scheduling: a running EDF thread whose SC another CPU revokes keeps its class until
 * its own next pick; a sibling's core-wide pick in between compared EDF deadlines through
 * the missing SC (NULL dereference, found by the stress test on real threads).
 */
static void a_core_pick_right_after_a_revoke_of_the_siblings_sc(void **state)
{
	struct sim_config cfg = { .cpus = 2, .smt = 2, .seed = 1, .core_sched = true,
				  .ipi_latency_ns = 20 * US };
	struct sim *sim = sim_new(&cfg);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sched_auth root = sched_auth_root(&sim->sys);
	struct sched_sc_cap ca, cb;
	sched_cpumask_t cpu0 = { { 1 } }, cpu1 = { { 2 } };

	(void)state;
	assert_non_null(sim);
	sim->check_each_step = true;
	ca = make_sc(sim, 5 * MS, 10 * MS, SCHED_SC_THROTTLE);
	cb = make_sc(sim, 5 * MS, 10 * MS, SCHED_SC_THROTTLE);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &cpu0), 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&b->st), &cpu1), 0);
	assert_int_equal(sched_core_create(&sim->sys, root, sched_ref_of(&a->st), SCHED_CORE_THREAD), 0);
	assert_int_equal(sched_core_create(&sim->sys, root, sched_ref_of(&b->st), SCHED_CORE_THREAD), 0);
	assert_int_equal(sched_sc_bind(&sim->sys, ca, sched_ref_of(&a->st)), 0);
	assert_int_equal(sched_sc_bind(&sim->sys, cb, sched_ref_of(&b->st)), 0);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(wake_from(sim, 1, b), 0);
	advance(sim, 100 * US);
	assert_ptr_equal(running_on(sim, 0), a); /* the earlier job; b waits forced idle */
	sim_enter(sim, 1);
	assert_int_equal(sched_sc_revoke(&sim->sys, ca), 0);
	sim_resched(sim, 1); /* before CPU 0 got its IPI: a is still current in EDF */
	settle(sim);
	advance(sim, 1 * MS);
	assert_ptr_equal(running_on(sim, 1), b);
	sim_free(sim);
}

/*
 * Core scheduling: a running thread whose SC budget ran out moves to the fair queue at its
 * CPU's pick (it no longer "runs"); the core-wide pick then filled that CPU with it by
 * cookie, and the new-turn rule put it back into its queue a second time (double tree
 * insert: "eevdf: queued thread's path is not queued", hangs and crashes).
 */
static void a_demoted_thread_filled_by_cookie_is_not_queued_twice(void **state)
{
	struct sim *sim = core_machine(2, 2, NULL);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL),
			  *c = hand_thread(sim, 0, 0, NULL);
	struct sched_auth root = sched_auth_root(&sim->sys);
	struct sched_sc_cap ca = make_sc(sim, 1 * MS, 100 * MS, SCHED_SC_DEMOTE),
			    cc = make_sc(sim, 50 * MS, 100 * MS, SCHED_SC_THROTTLE);
	sched_cpumask_t cpu0 = { { 1 } }, cpu1 = { { 2 } };

	(void)state;
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &cpu0), 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&b->st), &cpu0), 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&c->st), &cpu1), 0);
	assert_int_equal(sched_core_create(&sim->sys, root, sched_ref_of(&a->st), SCHED_CORE_THREAD), 0);
	assert_int_equal(sched_core_share(&sim->sys, root, sched_ref_of(&a->st), sched_ref_of(&c->st),
					  SCHED_CORE_THREAD), 0);
	assert_int_equal(sched_core_create(&sim->sys, root, sched_ref_of(&b->st), SCHED_CORE_THREAD), 0);
	assert_int_equal(sched_sc_bind(&sim->sys, ca, sched_ref_of(&a->st)), 0);
	assert_int_equal(sched_sc_bind(&sim->sys, cc, sched_ref_of(&c->st)), 0);
	assert_int_equal(wake_from(sim, 0, b), 0);
	advance(sim, 1 * MS); /* b waits longest among the fair threads of CPU 0 */
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(wake_from(sim, 1, c), 0);
	advance(sim, 500 * US);
	assert_ptr_equal(running_on(sim, 0), a);
	assert_ptr_equal(running_on(sim, 1), c);
	advance(sim, 5 * MS); /* a's budget ran out: demoted, filled again by c's cookie */
	check_ok(sim);
	advance(sim, 200 * MS);
	sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handoff_to_a_sleeper_on_the_sibling_releases_the_core_lock_once),
		cmocka_unit_test(rr_with_a_forced_idle_sibling_gives_the_kept_thread_a_new_turn),
		cmocka_unit_test(the_checker_accepts_core_scheduling_on_single_cpu_cores),
		cmocka_unit_test(clearing_the_last_cookie_releases_a_forced_idle_sibling),
		cmocka_unit_test(sleep_deadlines_outside_the_horizon_are_refused),
		cmocka_unit_test(unpark_refuses_an_idle_thread),
		cmocka_unit_test(set_fair_on_a_throttled_thread_leaves_the_load_alone),
		cmocka_unit_test(a_refused_call_keeps_the_callers_refill_wait),
		cmocka_unit_test(offlining_the_cpu_of_a_demoted_thread_moves_its_refill_wait),
		cmocka_unit_test(a_core_pick_right_after_a_revoke_of_the_siblings_sc),
		cmocka_unit_test(a_demoted_thread_filled_by_cookie_is_not_queued_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
