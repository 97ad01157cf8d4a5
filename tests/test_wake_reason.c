/* SPDX-License-Identifier: MIT */
/*
 * test_wake_reason.c - wake placement by wake reason (docs/architecture.md, "Wake placement
 * by reason"), each decision worked out by hand on a small simulated machine, and the
 * refusal of a reason libsched does not know. The invariant checker runs after every step.
 */
#include "simtest.h"

/*
 * The scene every test starts from, 4 CPUs: the waker w runs on CPU 0, the hogs h1 and h2
 * on CPUs 1 and 2, CPU 3 idle unless `fill3`. The wakee x last ran on CPU 1 a moment ago
 * (cache-hot, its previous CPU busy) and is blocked. With `queue0`, a thread pinned to
 * CPU 0 waits there behind w.
 */
struct scene {
	struct sim *sim;
	struct sim_thread *w, *x, *h1, *h2, *h3, *q;
};

static void pin(struct sim *sim, struct sim_thread *t, unsigned cpu)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, cpu);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&t->st), &m), 0);
}

static void unpin(struct sim *sim, struct sim_thread *t)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		sched_cpumask_set(&m, c);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&t->st), &m), 0);
}

static struct scene scene(bool fill3, bool queue0)
{
	struct scene s = { .sim = machine(4, 1) };

	s.w = hand_thread(s.sim, 1, 0, NULL);
	s.x = hand_thread(s.sim, 2, 0, NULL);
	s.h1 = hand_thread(s.sim, 3, 0, NULL);
	s.h2 = hand_thread(s.sim, 4, 0, NULL);
	pin(s.sim, s.w, 0);
	pin(s.sim, s.x, 1);
	pin(s.sim, s.h1, 1);
	pin(s.sim, s.h2, 2);
	assert_int_equal(wake_from(s.sim, 0, s.w), 0);
	assert_int_equal(wake_from(s.sim, 0, s.x), 0);
	assert_ptr_equal(running_on(s.sim, 1), s.x);
	advance(s.sim, 10 * US);
	assert_int_equal(block_on(s.sim, 1), 0); /* x ran on CPU 1 until now */
	assert_int_equal(wake_from(s.sim, 0, s.h1), 0);
	assert_int_equal(wake_from(s.sim, 0, s.h2), 0);
	if (fill3) {
		s.h3 = hand_thread(s.sim, 5, 0, NULL);
		pin(s.sim, s.h3, 3);
		assert_int_equal(wake_from(s.sim, 0, s.h3), 0);
	}
	if (queue0) {
		s.q = hand_thread(s.sim, 6, 0, NULL);
		pin(s.sim, s.q, 0);
		assert_int_equal(wake_from(s.sim, 0, s.q), 0);
		assert_int_equal(s.q->st.state, SCHED_RUNNABLE); /* behind w */
	}
	unpin(s.sim, s.x);
	assert_int_equal(s.x->st.state, SCHED_BLOCKED);
	assert_int_equal(s.x->st.cpu, 1);
	assert_ptr_equal(running_on(s.sim, 0), s.w);
	assert_ptr_equal(running_on(s.sim, 1), s.h1);
	assert_ptr_equal(running_on(s.sim, 2), s.h2);
	return s;
}

/* Wake x from `from` with `why`; the CPU it was placed on (read before any IPI lands). */
static unsigned wake_why(struct scene *s, unsigned from, enum sched_wake_reason why)
{
	sim_enter(s->sim, from);
	assert_int_equal(sched_wake(&s->sim->sys, sched_ref_of(&s->x->st), why), 0);
	check_ok(s->sim);
	return s->x->st.cpu;
}

/* The plain rule: x is cache-hot, so it waits on its previous CPU behind h1 (step 1). The
 * reasons without a rule of their own; IPC_SYNC among them: the waker's CPU did not win
 * in bench_wake (docs/performance.md), and the handoff of sched_call / sched_reply already
 * runs the callee on the caller's CPU. */
static void plain_reasons_keep_a_cache_hot_thread_on_its_busy_previous_cpu(void **state)
{
	static const enum sched_wake_reason plain[] = { SCHED_WAKE_PARK, SCHED_WAKE_IPC,
							SCHED_WAKE_IPC_SYNC, SCHED_WAKE_TIMER };

	(void)state;
	for (unsigned i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		struct scene s = scene(false, false);

		assert_int_equal(wake_why(&s, 0, plain[i]), 1);
		settle(s.sim);
		assert_ptr_equal(running_on(s.sim, 1), s.h1); /* x queued behind it */
		sim_free(s.sim);
	}
}

/* A cold thread, every CPU busy: the plain rule's least loaded, ties going to the previous
 * CPU (1), not the waker's CPU (the step SCHED_WAKE_IPC had before the reasons had rules:
 * it did not win in bench_wake either), for IPC and IPC_SYNC alike. */
static void ipc_wakes_take_an_idle_cpu_not_the_wakers(void **state)
{
	static const enum sched_wake_reason ipc[] = { SCHED_WAKE_IPC, SCHED_WAKE_IPC_SYNC };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		struct scene s = scene(true, false);

		advance(s.sim, 1 * MS); /* past cache_hot_ns (0.5 ms): x is cold */
		assert_int_equal(wake_why(&s, 0, ipc[i]), 1);
		sim_free(s.sim);
	}
}

/* The exit rules keep an idle previous CPU: no migration, no wait. */
static void exit_wakes_keep_an_idle_previous_cpu(void **state)
{
	struct scene s = scene(false, false);

	(void)state;
	assert_int_equal(block_on(s.sim, 1), 0); /* h1 blocks: CPU 1 idle */
	sim_enter(s.sim, 2);
	assert_int_equal(sched_exit(&s.sim->sys, sched_ref_of(&s.h2->st)), 0);
	assert_int_equal(wake_why(&s, 2, SCHED_WAKE_PROCESS), 1);
	sim_free(s.sim);
}

/* Affinity comes first: x may not run on the exiting thread's CPU (2) nor on the idle one
 * (3), so the plain rule places it: its previous CPU, cache-hot. */
static void exit_wakes_honour_affinity(void **state)
{
	struct scene s = scene(false, false);
	sched_cpumask_t m;

	(void)state;
	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, 0);
	sched_cpumask_set(&m, 1);
	assert_int_equal(sched_set_affinity(&s.sim->sys, sched_ref_of(&s.x->st), &m), 0);
	sim_enter(s.sim, 2);
	assert_int_equal(sched_exit(&s.sim->sys, sched_ref_of(&s.h2->st)), 0);
	assert_int_equal(wake_why(&s, 2, SCHED_WAKE_JOIN), 1);
	sim_free(s.sim);
}

/* A process wait: the parent x goes to the exiting child's CPU (h2 exits on CPU 2). */
static void process_wait_wakes_the_parent_on_the_childs_cpu(void **state)
{
	struct scene s = scene(true, false);

	(void)state;
	sim_enter(s.sim, 2);
	assert_int_equal(sched_exit(&s.sim->sys, sched_ref_of(&s.h2->st)), 0);
	assert_int_equal(wake_why(&s, 2, SCHED_WAKE_PROCESS), 2);
	settle(s.sim);
	assert_ptr_equal(running_on(s.sim, 2), s.x);
	sim_free(s.sim);
}

/* A join whose exiting thread's CPU has queued work: an idle CPU of the same cache (3). */
static void join_takes_an_idle_cache_sibling_of_the_exiting_threads_cpu(void **state)
{
	struct scene s = scene(false, true);

	(void)state;
	sim_enter(s.sim, 0);
	assert_int_equal(sched_exit(&s.sim->sys, sched_ref_of(&s.w->st)), 0);
	assert_int_equal(wake_why(&s, 0, SCHED_WAKE_JOIN), 3);
	sim_free(s.sim);
}

/* A value outside the enum, in range of the type or not, is refused: nothing changes. */
static void an_unknown_reason_is_refused_and_changes_nothing(void **state)
{
	struct scene s = scene(false, false);
	const int bad[] = { SCHED_WAKE_NR, SCHED_WAKE_NR + 1, -1, SCHED_WAKE_IPC | 0x100, 255 };
	uint64_t wakes = acct(s.x, SCHED_ACCT_WAKEUPS);

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sim_enter(s.sim, 0);
		assert_int_equal(sched_wake(&s.sim->sys, sched_ref_of(&s.x->st),
					    (enum sched_wake_reason)bad[i]), -SCHED_EINVAL);
		assert_int_equal(s.x->st.state, SCHED_BLOCKED);
		assert_int_equal(s.x->st.cpu, 1);
		assert_int_equal(acct(s.x, SCHED_ACCT_WAKEUPS), wakes);
		check_ok(s.sim);
	}
	sim_free(s.sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_reasons_keep_a_cache_hot_thread_on_its_busy_previous_cpu),
		cmocka_unit_test(ipc_wakes_take_an_idle_cpu_not_the_wakers),
		cmocka_unit_test(exit_wakes_keep_an_idle_previous_cpu),
		cmocka_unit_test(exit_wakes_honour_affinity),
		cmocka_unit_test(process_wait_wakes_the_parent_on_the_childs_cpu),
		cmocka_unit_test(join_takes_an_idle_cache_sibling_of_the_exiting_threads_cpu),
		cmocka_unit_test(an_unknown_reason_is_refused_and_changes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
