/* SPDX-License-Identifier: MIT */
/*
 * test_core.c - the public API as a specification: placement, ownership, stale refs,
 * rejected calls, accounting, IPIs, IPC handoff, hotplug, timeouts, trace and checker.
 * Each test runs on the simulated machine with the invariant checker after every step.
 */
#include "simtest.h"

#include <string.h>

static void first_wake_runs_on_an_idle_cpu_and_block_returns_idle(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 1, 0, NULL), *b = hand_thread(sim, 2, 0, NULL);

	(void)state;
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_ptr_equal(running_on(sim, 0), a);
	assert_int_equal(wake_from(sim, 0, b), 0);
	assert_ptr_equal(running_on(sim, 1), b); /* idle CPU in the same cache, not behind a */
	assert_int_equal(block_on(sim, 0), 0);
	assert_null(running_on(sim, 0));
	assert_int_equal(a->st.state, SCHED_BLOCKED);
	sim_free(sim);
}

static void stale_ref_fails_closed_after_exit_and_changes_nothing(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = hand_thread(sim, 1, 0, NULL);
	struct sched_ref old = sched_ref_of(&a->st);
	sched_cpumask_t m;
	struct sched_acct st;

	(void)state;
	assert_int_equal(sched_exit(&sim->sys, old), 0);
	assert_int_equal(sched_wake(&sim->sys, old, SCHED_WAKE_PARK), -SCHED_ESTALE);
	assert_int_equal(sched_exit(&sim->sys, old), -SCHED_ESTALE);
	sched_cpumask_fill(&m, 1);
	assert_int_equal(sched_set_affinity(&sim->sys, old, &m), -SCHED_ESTALE);
	assert_int_equal(sched_thread_stats(&sim->sys, old, &st), -SCHED_ESTALE);
	assert_int_equal(a->st.state, SCHED_EXITED);
	assert_int_equal(sim->rq[0].nr_queued, 0);
	check_ok(sim);
	sim_free(sim);
}

static void reinitialised_storage_keeps_old_refs_stale(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = hand_thread(sim, 1, 0, NULL);
	struct sched_ref first = sched_ref_of(&a->st), after_exit;
	struct sched_thread_params p = { .id = 1 };

	(void)state;
	assert_int_equal(sched_exit(&sim->sys, first), 0);
	after_exit = sched_ref_of(&a->st);
	assert_int_equal(sched_thread_init(&sim->sys, &a->st, &p), 0);
	assert_int_equal(sched_wake(&sim->sys, first, SCHED_WAKE_NEW), -SCHED_ESTALE);
	assert_int_equal(sched_wake(&sim->sys, after_exit, SCHED_WAKE_NEW), -SCHED_ESTALE);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_ptr_equal(running_on(sim, 0), a);
	sim_free(sim);
}

static void rejected_calls_return_specific_errors(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 1, 0, NULL);
	struct sched_thread spare = { 0 };
	struct sched_thread_params bad_nice = { .nice = 20 };
	sched_cpumask_t none;
	struct sched_thread *next;

	(void)state;
	sched_cpumask_clear(&none);
	assert_int_equal(sched_thread_init(&sim->sys, &spare, &bad_nice), -SCHED_EINVAL);
	assert_int_equal(spare.gen, 0); /* untouched */
	assert_int_equal(sched_wake(&sim->sys, sched_ref_of(&a->st), 99), -SCHED_EINVAL);
	assert_int_equal(sched_block(&sim->sys, 0, &next), -SCHED_ESTATE); /* idle CPU */
	assert_int_equal(sched_block(&sim->sys, 7, &next), -SCHED_ECPU);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(sched_wake(&sim->sys, sched_ref_of(&a->st), SCHED_WAKE_PARK),
			 -SCHED_ESTATE); /* already running */
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &none),
			 -SCHED_EAFFINITY);
	assert_true(sched_cpumask_test(&a->st.affinity, 1)); /* mask unchanged */
	assert_int_equal(sched_cpu_offline(&sim->sys, 9), -SCHED_ECPU);
	assert_int_equal(sched_cpu_online(&sim->sys, 0, &sim->cpu[0].idle), -SCHED_EEXIST);
	assert_string_equal(sched_strerror(-SCHED_ESTALE),
			    "stale reference (object exited or was revoked)");
	assert_string_equal(sched_strerror(1000), "unknown error");
	check_ok(sim);
	sim_free(sim);
}

static void runtime_grows_while_running_and_stops_while_blocked(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = hand_thread(sim, 1, 0, NULL);

	(void)state;
	wake_from(sim, 0, a);
	advance(sim, 5 * MS);
	assert_int_equal(acct(a, SCHED_ACCT_RUNTIME), 5 * MS);
	block_on(sim, 0);
	advance(sim, 7 * MS);
	assert_int_equal(acct(a, SCHED_ACCT_RUNTIME), 5 * MS);
	assert_int_equal(acct(a, SCHED_ACCT_VOLUNTARY), 1);
	assert_int_equal(sim_cpu_idle_ns(sim, 0), 7 * MS);
	assert_int_equal(sim_cpu_busy_ns(sim, 0), 5 * MS);
	sim_free(sim);
}

static void wait_and_wake_latency_are_measured_from_the_clock(void **state)
{
	struct sim *sim = machine_with(1, 1, "rr"); /* rr: a 3 ms quantum, no wakeup preemption */
	struct sim_thread *a = hand_thread(sim, 1, 0, NULL), *b = hand_thread(sim, 2, 0, NULL);

	(void)state;
	wake_from(sim, 0, a);
	wake_from(sim, 0, b); /* queued behind a: rr, no wakeup preemption */
	advance(sim, 3 * MS); /* a's 3 ms quantum ends */
	assert_ptr_equal(running_on(sim, 0), b);
	assert_int_equal(acct(b, SCHED_ACCT_WAIT), 3 * MS);
	assert_int_equal(acct(b, SCHED_ACCT_WAKE_LAT), 3 * MS);
	assert_int_equal(acct(a, SCHED_ACCT_PREEMPTIONS), 1);
	assert_int_equal(b->st.wake_lat_max, 3 * MS);
	sim_free(sim);
}

static void group_totals_equal_the_sum_of_members_including_exited(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sched_group session, proc;
	struct sim_thread *t[3];
	uint64_t sum = 0, switches = 0;

	(void)state;
	sched_group_init(&sim->sys, &session, &(struct sched_group_params){ .id = 1, .kind = SCHED_GROUP_SESSION });
	sched_group_init(&sim->sys, &proc, &(struct sched_group_params){ .id = 2, .parent = &session });
	for (int i = 0; i < 3; i++) {
		t[i] = hand_thread(sim, 0, 0, &proc);
		wake_from(sim, 0, t[i]);
	}
	advance(sim, 10 * MS);
	sched_exit(&sim->sys, sched_ref_of(&t[1]->st));
	sim_resched(sim, t[1]->st.cpu);
	advance(sim, 10 * MS);
	sim_resched(sim, 0); /* a charge point, so the ledgers are current */
	sim_resched(sim, 1);
	for (int i = 0; i < 3; i++) {
		sum += t[i]->st.acct.v[SCHED_ACCT_RUNTIME];
		switches += t[i]->st.acct.v[SCHED_ACCT_SWITCHES];
	}
	assert_int_equal(proc.acct.v[SCHED_ACCT_RUNTIME], sum);
	assert_int_equal(session.acct.v[SCHED_ACCT_RUNTIME], sum);
	assert_int_equal(proc.acct.v[SCHED_ACCT_SWITCHES], switches);
	assert_int_equal(sum, 40 * MS); /* two CPUs busy for 20 ms */
	assert_int_equal(proc.nr_threads, 2);
	sim_free(sim);
}

static void group_depth_is_bounded(void **state)
{
	struct sched_group g[SCHED_GROUP_DEPTH_MAX + 1];
	struct sim *sim = machine(1, 1);

	(void)state;
	assert_int_equal(sched_group_init(&sim->sys, &g[0], &(struct sched_group_params){ 0 }), 0);
	for (int i = 1; i < SCHED_GROUP_DEPTH_MAX; i++)
		assert_int_equal(sched_group_init(&sim->sys, &g[i], &(struct sched_group_params){ .parent = &g[i - 1] }), 0);
	assert_int_equal(sched_group_init(&sim->sys, &g[SCHED_GROUP_DEPTH_MAX],
					  &(struct sched_group_params){ .parent = &g[SCHED_GROUP_DEPTH_MAX - 1] }),
			 -SCHED_EDEPTH);
	sim_free(sim);
}

static void remote_wakes_send_at_most_one_pending_ipi(void **state)
{
	struct sim_config cfg = { .cpus = 2, .smt = 1, .ipi_latency_ns = 50 * US };
	struct sim *sim = sim_new(&cfg);
	struct sim_thread *hog = hand_thread(sim, 0, 0, NULL), *w[4];
	sched_cpumask_t only1;

	(void)state;
	assert_int_equal(sched_measure(&sim->sys, true), 0); /* coalesced IPIs are counted */
	sched_cpumask_clear(&only1);
	sched_cpumask_set(&only1, 1);
	sched_set_affinity(&sim->sys, sched_ref_of(&hog->st), &only1);
	wake_from(sim, 0, hog); /* CPU 0 wakes it onto idle CPU 1: one IPI */
	advance(sim, 100 * US);
	assert_ptr_equal(running_on(sim, 1), hog);
	assert_int_equal(sched_cpu_counter(&sim->sys, 1, SCHED_CNT_IPI_SENT), 1);
	for (int i = 0; i < 4; i++) {
		w[i] = hand_thread(sim, 0, 0, NULL);
		sched_set_affinity(&sim->sys, sched_ref_of(&w[i]->st), &only1);
		sim_enter(sim, 0);
		assert_int_equal(sched_wake(&sim->sys, sched_ref_of(&w[i]->st), SCHED_WAKE_PARK), 0);
	}
	check_ok(sim);
	/* the first queued thread needs CPU 1 to arm its slice timer: one IPI; the rest coalesce */
	assert_int_equal(sched_cpu_counter(&sim->sys, 1, SCHED_CNT_IPI_SENT), 2);
	assert_int_equal(sched_cpu_counter(&sim->sys, 1, SCHED_CNT_IPI_COALESCED), 3);
	advance(sim, 100 * US);
	assert_int_equal(sim->rq[1].ipi_pending, 0);
	assert_int_equal(sched_cpu_counter(&sim->sys, 1, SCHED_CNT_IPI_RECEIVED), 2);
	sim_free(sim);
}

static void busy_cpu_with_armed_timer_gets_no_ipi(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL),
			  *c = hand_thread(sim, 0, 0, NULL);
	sched_cpumask_t only1;

	(void)state;
	assert_int_equal(sched_measure(&sim->sys, true), 0); /* coalesced IPIs are counted */
	sched_cpumask_clear(&only1);
	sched_cpumask_set(&only1, 1);
	sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &only1);
	sched_set_affinity(&sim->sys, sched_ref_of(&b->st), &only1);
	sched_set_affinity(&sim->sys, sched_ref_of(&c->st), &only1);
	wake_from(sim, 0, a);
	wake_from(sim, 0, b); /* CPU 1 must arm its slice timer: IPI 2 */
	wake_from(sim, 0, c); /* timer already armed for a's slice end: no IPI */
	assert_int_equal(sched_cpu_counter(&sim->sys, 1, SCHED_CNT_IPI_SENT), 2);
	assert_int_equal(sched_cpu_counter(&sim->sys, 1, SCHED_CNT_IPI_COALESCED), 0);
	sim_free(sim);
}

static void ipc_call_hands_the_cpu_to_the_server_and_reply_back(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *client = hand_thread(sim, 0, 0, NULL), *server = hand_thread(sim, 0, 0, NULL),
			  *other = hand_thread(sim, 0, 0, NULL);
	struct sched_thread *next;

	(void)state;
	wake_from(sim, 0, server);
	block_on(sim, 0); /* the server waits for calls */
	wake_from(sim, 0, client);
	wake_from(sim, 1, other); /* CPU 1 busy, so nothing steals */
	advance(sim, 1 * MS);
	sim_enter(sim, 0);
	assert_int_equal(sched_call(&sim->sys, 0, sched_ref_of(&server->st), &next), 0);
	assert_ptr_equal(next, &server->st);
	sim_switch(sim, 0, next);
	check_ok(sim);
	assert_int_equal(client->st.state, SCHED_BLOCKED);
	assert_int_equal(sched_cpu_counter(&sim->sys, 0, SCHED_CNT_HANDOFFS), 1);
	advance(sim, 200 * US);
	sim_enter(sim, 0);
	assert_int_equal(sched_reply(&sim->sys, 0, sched_ref_of(&client->st), &next), 0);
	assert_ptr_equal(next, &client->st);
	sim_switch(sim, 0, next);
	check_ok(sim);
	assert_int_equal(acct(server, SCHED_ACCT_RUNTIME), 200 * US);
	assert_int_equal(acct(client, SCHED_ACCT_RUNTIME), 1 * MS);
	sim_free(sim);
}

static void ipc_handoff_respects_affinity_and_fails_closed(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *client = hand_thread(sim, 0, 0, NULL), *server = hand_thread(sim, 0, 0, NULL);
	struct sched_ref stale;
	struct sched_thread *next = NULL;
	sched_cpumask_t only1;

	(void)state;
	sched_cpumask_clear(&only1);
	sched_cpumask_set(&only1, 1);
	sched_set_affinity(&sim->sys, sched_ref_of(&server->st), &only1);
	wake_from(sim, 0, server);
	block_on(sim, 1);
	wake_from(sim, 0, client);
	stale = sched_ref_of(&server->st);
	stale.gen--;
	sim_enter(sim, 0);
	assert_int_equal(sched_call(&sim->sys, 0, stale, &next), -SCHED_ESTALE);
	assert_int_equal(client->st.state, SCHED_RUNNING); /* nothing changed */
	assert_int_equal(sched_call(&sim->sys, 0, sched_ref_of(&client->st), &next), -SCHED_ESTATE);
	assert_int_equal(sched_call(&sim->sys, 0, sched_ref_of(&server->st), &next), 0);
	sim_switch(sim, 0, next);
	settle(sim);
	assert_null(running_on(sim, 0));
	assert_ptr_equal(running_on(sim, 1), server); /* affinity won over the handoff */
	sim_free(sim);
}

static void sleep_until_wakes_at_the_deadline(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	struct sched_thread *next;

	(void)state;
	wake_from(sim, 0, a);
	sim_enter(sim, 0);
	assert_int_equal(sched_sleep_until(&sim->sys, 0, sim->now + 4 * MS, &next), 0);
	sim_switch(sim, 0, next);
	advance(sim, 4 * MS - 1);
	assert_int_equal(a->st.state, SCHED_BLOCKED);
	advance(sim, 1);
	assert_ptr_equal(running_on(sim, 0), a);
	assert_int_equal(acct(a, SCHED_ACCT_WAKEUPS), 2);
	sim_free(sim);
}

static void early_wake_cancels_the_timeout(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	struct sched_thread *next;

	(void)state;
	wake_from(sim, 0, a);
	sim_enter(sim, 0);
	sched_sleep_until(&sim->sys, 0, sim->now + 10 * MS, &next);
	sim_switch(sim, 0, next);
	advance(sim, 1 * MS);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(sim->rq[0].nr_sleepers, 0);
	block_on(sim, 0);
	advance(sim, 20 * MS); /* the old deadline passes: no second wake */
	assert_int_equal(a->st.state, SCHED_BLOCKED);
	sim_free(sim);
}

static void offline_moves_every_thread_and_online_takes_work_again(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *t[4];
	struct sched_thread *next;

	(void)state;
	for (int i = 0; i < 4; i++) {
		t[i] = hand_thread(sim, 0, 0, NULL);
		wake_from(sim, 0, t[i]);
	}
	/* one sleeper with a timeout on CPU 1 */
	sim_enter(sim, 1);
	sched_sleep_until(&sim->sys, 1, sim->now + 5 * MS, &next);
	sim_switch(sim, 1, next);
	settle(sim);
	sim_enter(sim, 0);
	assert_int_equal(sched_cpu_offline(&sim->sys, 1), 0);
	settle(sim); /* CPU 1 takes its IPI and lets its running thread go */
	assert_int_equal(sim->rq[1].nr_queued, 0);
	assert_int_equal(sim->rq[1].nr_sleepers, 0);
	assert_null(running_on(sim, 1));
	assert_int_equal(sched_cpu_offline(&sim->sys, 0), -SCHED_ELAST_CPU);
	advance(sim, 10 * MS); /* the moved timeout still fires */
	for (int i = 0; i < 4; i++)
		assert_int_equal(t[i]->st.cpu, 0);
	assert_int_equal(sim->rq[0].nr_queued, 3);
	sim_enter(sim, 1);
	assert_int_equal(sched_cpu_online(&sim->sys, 1, &sim->cpu[1].idle), 0);
	sim_resched(sim, 1); /* the new CPU's first pick steals */
	settle(sim);
	assert_non_null(running_on(sim, 1));
	sim_free(sim);
}

static void offline_is_refused_when_it_would_strand_a_pinned_thread(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	sched_cpumask_t only1;

	(void)state;
	sched_cpumask_clear(&only1);
	sched_cpumask_set(&only1, 1);
	sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &only1);
	wake_from(sim, 0, a);
	sim_enter(sim, 0);
	assert_int_equal(sched_cpu_offline(&sim->sys, 1), -SCHED_EPINNED);
	assert_true(sim->rq[1].online);
	assert_ptr_equal(running_on(sim, 1), a);
	sim_free(sim);
}

static void affinity_change_moves_a_running_thread_at_its_next_pick(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	sched_cpumask_t only1;

	(void)state;
	wake_from(sim, 0, a);
	assert_ptr_equal(running_on(sim, 0), a);
	sched_cpumask_clear(&only1);
	sched_cpumask_set(&only1, 1);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &only1), 0);
	assert_int_equal(a->st.state, SCHED_MIGRATING);
	check_ok(sim);
	sim_resched(sim, 0);
	settle(sim);
	assert_ptr_equal(running_on(sim, 1), a);
	assert_int_equal(acct(a, SCHED_ACCT_MIGRATIONS), 1);
	sim_free(sim);
}

static void exit_of_a_running_thread_leaves_no_trace_in_any_queue(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sched_thread *next;

	(void)state;
	wake_from(sim, 0, a);
	wake_from(sim, 0, b);
	sim_enter(sim, 1);
	sched_sleep_until(&sim->sys, 1, sim->now + MS, &next); /* b sleeps with a timeout */
	sim_switch(sim, 1, next);
	sim_enter(sim, 1);
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&a->st)), 0); /* remote exit */
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&b->st)), 0);
	check_ok(sim); /* a is still CPU 0's current, with a pick due */
	settle(sim);
	assert_null(running_on(sim, 0));
	assert_int_equal(sim->rq[1].nr_sleepers, 0);
	advance(sim, 5 * MS);
	assert_int_equal(a->st.state, SCHED_EXITED);
	assert_int_equal(b->st.state, SCHED_EXITED);
	sim_free(sim);
}

static void idle_cpu_steals_within_the_bound(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *t[10];
	sched_cpumask_t only0, all;

	(void)state;
	sched_cpumask_clear(&only0);
	sched_cpumask_set(&only0, 0);
	sched_cpumask_fill(&all, 2);
	for (int i = 0; i < 10; i++) {
		t[i] = hand_thread(sim, 0, 0, NULL);
		sched_set_affinity(&sim->sys, sched_ref_of(&t[i]->st), &only0);
		wake_from(sim, 0, t[i]);
	}
	for (int i = 0; i < 10; i++)
		sched_set_affinity(&sim->sys, sched_ref_of(&t[i]->st), &all);
	settle(sim);
	sim_resched(sim, 1);
	settle(sim);
	/* K = 4 per pass, and only while CPU 0 stays at least two threads busier */
	assert_int_equal(sched_cpu_counter(&sim->sys, 1, SCHED_CNT_STEALS), 4);
	assert_int_equal(sim->rq[1].nr_queued, 3);
	advance(sim, 20 * MS); /* periodic balance finishes the job */
	assert_true(sim->rq[0].nr_queued <= sim->rq[1].nr_queued + 1);
	assert_true(sim->rq[1].nr_queued <= sim->rq[0].nr_queued + 1);
	sim_free(sim);
}

static void trace_ring_keeps_the_newest_events_without_allocating(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	static struct sched_trace_event ev[SCHED_TRACE_LEN + 8];
	unsigned n;

	(void)state;
	for (int i = 0; i < SCHED_TRACE_LEN; i++) {
		wake_from(sim, 0, a);
		block_on(sim, 0);
	}
	n = sched_trace_read(&sim->sys, 0, ev, SCHED_TRACE_LEN + 8);
	assert_int_equal(n, SCHED_TRACE_LEN);
	/* wake, switch, block, switch; and each tick stop and restart (nohz telemetry) */
	assert_int_equal(sim->rq[0].trace.head,
			 4 * SCHED_TRACE_LEN + sim->rq[0].counters[SCHED_CNT_NOHZ_STOP_IDLE] +
				 sim->rq[0].counters[SCHED_CNT_NOHZ_STOP_SINGLE] +
				 sim->rq[0].counters[SCHED_CNT_NOHZ_RESTART]);
	{ /* the order of the others, without the tick events between them */
		unsigned k = 0;

		for (unsigned i = 0; i < n; i++)
			if (ev[i].type != SCHED_TR_TICK)
				ev[k++] = ev[i];
		n = k;
	}
	assert_int_equal(ev[n - 1].type, SCHED_TR_SWITCH);
	assert_int_equal(ev[n - 2].type, SCHED_TR_BLOCK);
	assert_string_equal(sched_trace_type_name(ev[n - 3].type), "switch");
	assert_string_equal(sched_counter_name(SCHED_CNT_PICK_IDLE), "pick_idle");
	sim_free(sim);
}

static void checker_detects_a_thread_queued_twice(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL),
			  *c = hand_thread(sim, 0, 0, NULL);

	(void)state;
	wake_from(sim, 0, a);
	wake_from(sim, 0, b);
	wake_from(sim, 0, c); /* queued on some CPU */
	check_ok(sim);
	/* corrupt: make CPU 0's current thread also appear in CPU 1's bookkeeping */
	sim->rq[1].curr = sim->rq[0].curr;
	assert_int_equal(sched_check(&sim->sys), -SCHED_ECHECK);
	assert_non_null(sim->sys.check_msg);
	sim->rq[1].curr = &b->st;
	check_ok(sim);
	sim->rq[c->st.cpu].nr_queued++;
	assert_int_equal(sched_check(&sim->sys), -SCHED_ECHECK);
	sim->rq[c->st.cpu].nr_queued--;
	sim_free(sim);
}

static void address_space_switches_are_counted(void **state)
{
	struct sim *sim = machine(1, 1);

	(void)state;
	sched_note_as_switch(&sim->sys, 0);
	sched_note_as_switch(&sim->sys, 0);
	assert_int_equal(sched_cpu_counter(&sim->sys, 0, SCHED_CNT_AS_SWITCHES), 2);
	assert_int_equal(sched_cpu_counter(&sim->sys, 5, SCHED_CNT_AS_SWITCHES), 0);
	sim_free(sim);
}


static bool measured(unsigned k)
{
	return SCHED_CNT_MEASURED >> k & 1;
}

/* Five threads pinned to CPU 1 and woken from CPU 0 as in
 * remote_wakes_send_at_most_one_pending_ipi (2 IPIs sent, 3 coalesced), then 50 ms of
 * slices there; on CPU 0 a thread that yields with nothing else to run (its pick keeps it)
 * and blocks (its pick chooses idle). */
static struct sim *counted_machine(bool measure)
{
	struct sim_config cfg = { .cpus = 2, .smt = 1, .ipi_latency_ns = 50 * US };
	struct sim *sim = sim_new(&cfg);
	struct sim_thread *solo;
	struct sched_thread *next;
	sched_cpumask_t only0, only1;

	assert_non_null(sim);
	if (measure)
		assert_int_equal(sched_measure(&sim->sys, true), 0);
	sched_cpumask_clear(&only0);
	sched_cpumask_set(&only0, 0);
	sched_cpumask_clear(&only1);
	sched_cpumask_set(&only1, 1);
	for (int i = 0; i < 5; i++) {
		struct sim_thread *t = hand_thread(sim, 0, 0, NULL);

		sched_set_affinity(&sim->sys, sched_ref_of(&t->st), &only1);
		sim_enter(sim, 0);
		assert_int_equal(sched_wake(&sim->sys, sched_ref_of(&t->st), SCHED_WAKE_PARK), 0);
		if (i == 0)
			advance(sim, 100 * US); /* the first runs before the others come */
	}
	advance(sim, 50 * MS);
	solo = hand_thread(sim, 0, 0, NULL);
	sched_set_affinity(&sim->sys, sched_ref_of(&solo->st), &only0);
	assert_int_equal(wake_from(sim, 0, solo), 0);
	sim_enter(sim, 0);
	assert_int_equal(sched_yield_cpu(&sim->sys, 0, &next), 0);
	assert_ptr_equal(next, &solo->st);
	sim_switch(sim, 0, next);
	assert_int_equal(block_on(sim, 0), 0);
	check_ok(sim);
	return sim;
}

static uint64_t total(struct sim *sim, unsigned k)
{
	return sched_cpu_counter(&sim->sys, 0, k) + sched_cpu_counter(&sim->sys, 1, k);
}

static void measurement_counters_count_only_while_switched_on(void **state)
{
	struct sim *off = counted_machine(false), *on = counted_machine(true);
	struct sched_sys blank = { 0 }, zero = { 0 };

	(void)state;
	for (unsigned k = 0; k < SCHED_CNT_NR; k++)
		for (unsigned c = 0; c < 2; c++) {
			uint64_t n = sched_cpu_counter(&off->sys, c, k);

			if (measured(k)) /* off since sched_init: never counted */
				assert_int_equal(n, 0);
			else /* the permanent ones count the same: no decision follows the switch */
				assert_int_equal(n, sched_cpu_counter(&on->sys, c, k));
		}
	/* the permanent ones count with the switch off: slices of 1.5 ms over 50 ms */
	assert_true(total(off, SCHED_CNT_SWITCHES) > 30);
	assert_true(total(off, SCHED_CNT_TIMER_IRQ) > 30);
	assert_true(total(off, SCHED_CNT_BUSY_NS) > 50 * MS - 3 * MS); /* up to its last charge */
	assert_int_equal(total(off, SCHED_CNT_IPI_SENT), 2);
	assert_int_equal(total(off, SCHED_CNT_WAKE_REMOTE), 5);
	/* and on, the measurement ones too */
	assert_int_equal(total(on, SCHED_CNT_IPI_COALESCED), 3);
	assert_int_equal(sched_cpu_counter(&on->sys, 0, SCHED_CNT_PICK_CURRENT), 1); /* yield */
	assert_int_equal(sched_cpu_counter(&on->sys, 0, SCHED_CNT_PICK_IDLE), 1);    /* block */
	assert_int_equal(total(on, SCHED_CNT_PICK_OTHER) + total(on, SCHED_CNT_PICK_IDLE),
			 total(on, SCHED_CNT_SWITCHES));
	assert_true(total(on, SCHED_CNT_PICK_CANDIDATES) > total(on, SCHED_CNT_PICK_OTHER));
	assert_true(total(on, SCHED_CNT_LOCK_ACQUIRE) > total(on, SCHED_CNT_SWITCHES));
	assert_int_equal(total(on, SCHED_CNT_LOCK_CONTENDED), 0); /* one simulated CPU at a time */
	assert_int_equal(total(on, SCHED_CNT_CORE_REUSED), 0);    /* no core scheduling */
	/* refused: no system, or storage sched_init never set up; neither is touched */
	assert_int_equal(sched_measure(NULL, true), -SCHED_EINVAL);
	assert_int_equal(sched_measure(&blank, true), -SCHED_EINVAL);
	assert_memory_equal(&blank, &zero, sizeof(blank));
	advance(off, 10 * MS);
	for (unsigned k = 0; k < SCHED_CNT_NR; k++)
		if (measured(k))
			assert_int_equal(total(off, k), 0);
	/* off again: what was counted stays, nothing more is added; the rest goes on */
	{
		uint64_t locks = total(on, SCHED_CNT_LOCK_ACQUIRE), sw = total(on, SCHED_CNT_SWITCHES);

		assert_int_equal(sched_measure(&on->sys, false), 0);
		advance(on, 10 * MS);
		assert_int_equal(total(on, SCHED_CNT_LOCK_ACQUIRE), locks);
		assert_true(total(on, SCHED_CNT_SWITCHES) > sw);
	}
	sim_free(off);
	sim_free(on);
}

static void block_after_a_remote_exit_does_not_revive_the_thread(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	struct sched_thread *next;

	(void)state;
	wake_from(sim, 0, a);
	sim_enter(sim, 1);
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&a->st)), 0);
	/* CPU 0 has not taken its IPI yet; its thread asks to sleep */
	sim_enter(sim, 0);
	assert_int_equal(sched_sleep_until(&sim->sys, 0, sim->now + MS, &next), 0);
	assert_ptr_not_equal(next, &a->st);
	sim_switch(sim, 0, next);
	settle(sim);
	assert_int_equal(a->st.state, SCHED_EXITED);
	assert_int_equal(sim->rq[0].nr_sleepers, 0);
	sim_free(sim);
}

static void storage_is_not_reused_while_a_cpu_is_on_its_stack(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	struct sched_thread_params p = { .id = 9 };

	(void)state;
	wake_from(sim, 0, a);
	sim_enter(sim, 0);
	sched_exit(&sim->sys, sched_ref_of(&a->st)); /* still CPU 0's current: on_cpu */
	assert_int_equal(sched_thread_init(&sim->sys, &a->st, &p), -SCHED_EAGAIN);
	assert_int_equal(a->st.state, SCHED_EXITED);
	sim_resched(sim, 0); /* the switch away finishes */
	assert_int_equal(sched_thread_init(&sim->sys, &a->st, &p), 0);
	sim_free(sim);
}

static void offline_waits_for_a_migration_headed_to_the_cpu(void **state)
{
	struct sim *sim = machine(3, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	sched_cpumask_t m;
	unsigned dst;

	(void)state;
	wake_from(sim, 0, a);
	assert_ptr_equal(running_on(sim, 0), a);
	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, 1);
	sched_cpumask_set(&m, 2);
	sim_enter(sim, 1);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &m), 0);
	assert_int_equal(a->st.state, SCHED_MIGRATING);
	dst = a->st.dst_cpu;
	assert_int_equal(sched_cpu_offline(&sim->sys, dst), -SCHED_EAGAIN);
	settle(sim); /* CPU 0 takes the IPI and lets it go */
	assert_ptr_equal(running_on(sim, dst), a);
	sim_enter(sim, 0);
	assert_int_equal(sched_cpu_offline(&sim->sys, dst), 0);
	settle(sim);
	assert_ptr_equal(running_on(sim, 3 - dst), a);
	sim_free(sim);
}

static void sleep_with_timeout_on_a_cpu_going_offline_is_refused(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	struct sched_thread *next = NULL;

	(void)state;
	wake_from(sim, 0, a);
	sim_enter(sim, 1);
	assert_int_equal(sched_cpu_offline(&sim->sys, 0), 0);
	sim_enter(sim, 0);
	assert_int_equal(sched_sleep_until(&sim->sys, 0, sim->now + MS, &next), -SCHED_ECPU);
	assert_int_equal(a->st.state, SCHED_MIGRATING); /* unchanged */
	settle(sim);
	assert_ptr_equal(running_on(sim, 1), a);
	sim_free(sim);
}


static void unpark_before_park_is_not_lost(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	struct sched_thread *next;

	(void)state;
	wake_from(sim, 0, a);
	sim_enter(sim, 1);
	assert_int_equal(sched_unpark(&sim->sys, sched_ref_of(&a->st)), 0); /* still running */
	assert_int_equal(a->st.permit, 1);
	sim_enter(sim, 0);
	assert_int_equal(sched_park(&sim->sys, 0, &next), 0);
	assert_ptr_equal(next, &a->st); /* the permit is consumed: it keeps the CPU */
	sim_switch(sim, 0, next);
	settle(sim);
	assert_int_equal(a->st.state, SCHED_RUNNING);
	assert_int_equal(a->st.permit, 0);
	sim_enter(sim, 0);
	assert_int_equal(sched_park(&sim->sys, 0, &next), 0); /* no permit now: it blocks */
	sim_switch(sim, 0, next);
	settle(sim);
	assert_int_equal(a->st.state, SCHED_BLOCKED);
	sim_enter(sim, 1);
	assert_int_equal(sched_unpark(&sim->sys, sched_ref_of(&a->st)), 0);
	settle(sim);
	assert_ptr_equal(running_on(sim, 0), a);
	sched_exit(&sim->sys, sched_ref_of(&a->st));
	assert_int_equal(sched_unpark(&sim->sys, sched_ref_of(&a->st)), -SCHED_ESTALE);
	settle(sim);
	sim_free(sim);
}


static void park_with_a_permit_keeps_the_cpu_and_steals_nothing(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *t = hand_thread(sim, 0, 0, NULL), *x = hand_thread(sim, 0, 0, NULL),
			  *y = hand_thread(sim, 0, 0, NULL);
	struct sched_thread *next;
	sched_cpumask_t only1;
	sched_cpumask_t all;

	(void)state;
	sched_cpumask_clear(&only1);
	sched_cpumask_set(&only1, 1);

	sched_cpumask_fill(&all, 2);
	wake_from(sim, 0, t);
	sched_set_affinity(&sim->sys, sched_ref_of(&x->st), &only1);
	sched_set_affinity(&sim->sys, sched_ref_of(&y->st), &only1);
	wake_from(sim, 1, x);
	wake_from(sim, 1, y);
	sched_set_affinity(&sim->sys, sched_ref_of(&y->st), &all); /* queued on CPU 1, movable */
	settle(sim);
	assert_int_equal(y->st.cpu, 1);
	assert_int_equal(y->st.state, SCHED_RUNNABLE);
	assert_int_equal(sched_unpark(&sim->sys, sched_ref_of(&t->st)), 0);
	sim_enter(sim, 0);
	assert_int_equal(sched_park(&sim->sys, 0, &next), 0);
	assert_ptr_equal(next, &t->st);
	sim_switch(sim, 0, next);
	settle(sim);
	assert_int_equal(sched_cpu_counter(&sim->sys, 0, SCHED_CNT_STEALS), 0);
	assert_int_equal(y->st.cpu, 1);
	sim_free(sim);
}

static void offline_is_refused_when_a_pinned_sleeper_would_lose_its_wakeup(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	struct sched_thread *next;
	sched_cpumask_t only1;

	(void)state;
	sched_cpumask_clear(&only1);
	sched_cpumask_set(&only1, 1);
	sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &only1);
	wake_from(sim, 0, a);
	sim_enter(sim, 1);
	sched_sleep_until(&sim->sys, 1, sim->now + MS, &next);
	sim_switch(sim, 1, next);
	settle(sim);
	sim_enter(sim, 0);
	assert_int_equal(sched_cpu_offline(&sim->sys, 1), -SCHED_EPINNED);
	advance(sim, 2 * MS);
	assert_ptr_equal(running_on(sim, 1), a); /* its timeout fired where it may run */
	sim_free(sim);
}

static void reweight_of_a_thread_between_pick_and_finish_keeps_the_load_right(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sched_fair_params fp = { .nice = 10 };
	sched_cpumask_t only1;

	(void)state;
	wake_from(sim, 0, a);
	wake_from(sim, 1, b);
	sched_cpumask_clear(&only1);
	sched_cpumask_set(&only1, 1);
	sim_enter(sim, 1);
	sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &only1); /* MIGRATING on CPU 0 */
	sim_enter(sim, 0);
	sched_pick(&sim->sys, 0); /* a has left CPU 0's load; the switch is not finished yet */
	assert_int_equal(sched_set_fair(&sim->sys, sched_auth_root(&sim->sys),
					sched_ref_of(&a->st), &fp), 0);
	sched_finish_switch(&sim->sys, 0);
	sim->cpu[0].curr = NULL;
	check_ok(sim); /* the checker compares every CPU's load with its threads' weights */
	settle(sim);
	sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_wake_runs_on_an_idle_cpu_and_block_returns_idle),
		cmocka_unit_test(stale_ref_fails_closed_after_exit_and_changes_nothing),
		cmocka_unit_test(reinitialised_storage_keeps_old_refs_stale),
		cmocka_unit_test(rejected_calls_return_specific_errors),
		cmocka_unit_test(runtime_grows_while_running_and_stops_while_blocked),
		cmocka_unit_test(wait_and_wake_latency_are_measured_from_the_clock),
		cmocka_unit_test(group_totals_equal_the_sum_of_members_including_exited),
		cmocka_unit_test(group_depth_is_bounded),
		cmocka_unit_test(remote_wakes_send_at_most_one_pending_ipi),
		cmocka_unit_test(busy_cpu_with_armed_timer_gets_no_ipi),
		cmocka_unit_test(ipc_call_hands_the_cpu_to_the_server_and_reply_back),
		cmocka_unit_test(ipc_handoff_respects_affinity_and_fails_closed),
		cmocka_unit_test(sleep_until_wakes_at_the_deadline),
		cmocka_unit_test(early_wake_cancels_the_timeout),
		cmocka_unit_test(offline_moves_every_thread_and_online_takes_work_again),
		cmocka_unit_test(offline_is_refused_when_it_would_strand_a_pinned_thread),
		cmocka_unit_test(affinity_change_moves_a_running_thread_at_its_next_pick),
		cmocka_unit_test(exit_of_a_running_thread_leaves_no_trace_in_any_queue),
		cmocka_unit_test(idle_cpu_steals_within_the_bound),
		cmocka_unit_test(trace_ring_keeps_the_newest_events_without_allocating),
		cmocka_unit_test(checker_detects_a_thread_queued_twice),
		cmocka_unit_test(address_space_switches_are_counted),
		cmocka_unit_test(measurement_counters_count_only_while_switched_on),
		cmocka_unit_test(block_after_a_remote_exit_does_not_revive_the_thread),
		cmocka_unit_test(storage_is_not_reused_while_a_cpu_is_on_its_stack),
		cmocka_unit_test(offline_waits_for_a_migration_headed_to_the_cpu),
		cmocka_unit_test(sleep_with_timeout_on_a_cpu_going_offline_is_refused),
		cmocka_unit_test(unpark_before_park_is_not_lost),
		cmocka_unit_test(park_with_a_permit_keeps_the_cpu_and_steals_nothing),
		cmocka_unit_test(offline_is_refused_when_a_pinned_sleeper_would_lose_its_wakeup),
		cmocka_unit_test(reweight_of_a_thread_between_pick_and_finish_keeps_the_load_right),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
