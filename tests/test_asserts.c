/* SPDX-License-Identifier: MIT */
/*
 * test_asserts.c - the debug-build checks reach the port: a lock precondition broken, a
 * double unlock, and a lock released by a CPU that does not hold it each call
 * sched_arch_assert_fail() (here: the simulator's handler, which jumps back to the test),
 * and a call that keeps the rules does not. The library is built with SCHED_DEBUG for the
 * tests (meson option `asserts`, on by default).
 */
#include "simtest.h"

#include <string.h>

#include "internal.h"
#include "account.h"
#include "rq.h"

static jmp_buf back;
static char seen[256];

static void catch_assert(const char *expr, const char *file, unsigned line)
{
	snprintf(seen, sizeof(seen), "%s at %s:%u", expr, file, line);
	longjmp(back, 1);
}

/* Run `what` and report whether an assertion fired (its text in `seen`). */
#define FIRES(what)                                        \
	(seen[0] = 0, sim_assert_handler = catch_assert,   \
	 setjmp(back) ? (sim_assert_handler = NULL, true)  \
		      : ((what), sim_assert_handler = NULL, false))

static void enqueue_without_the_rq_lock_fires(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *t = hand_thread(sim, 1, 0, NULL);

	(void)state;
	sim->cur_cpu = 0;
	assert_true(FIRES(sched__enqueue(&sim->rq[0], &t->st, SCHED_ENQ_WAKE, sim->now)));
	assert_non_null(strstr(seen, "lock_mine"));
	sim_free(sim);
}

static void charging_without_the_rq_lock_fires(void **state)
{
	struct sim *sim = machine(1, 1);

	(void)state;
	sim->cur_cpu = 0;
	assert_true(FIRES(sched__charge_curr(&sim->rq[0], sim->now)));
	sim_free(sim);
}

static void double_unlock_fires(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sched_rq *rq = &sim->rq[1];

	(void)state;
	sim->cur_cpu = 1;
	sched__rq_lock(rq);
	sched__rq_unlock(rq);
	assert_true(FIRES(sched__rq_unlock(rq)));
	sim_free(sim);
}

/* A lock taken on one CPU and released on another: the holder check catches it. */
static void unlock_by_another_cpu_fires(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sched_rq *rq = &sim->rq[0];

	(void)state;
	sim->cur_cpu = 0;
	sched__rq_lock(rq);
	sim->cur_cpu = 1;
	assert_true(FIRES(sched__rq_unlock(rq)));
	sim->cur_cpu = 0;
	sched__rq_unlock(rq);
	sim_free(sim);
}

/* The pair of two sibling queues that share one lock releases it exactly once. */
static void a_shared_pair_unlocks_once(void **state)
{
	struct sim_config cfg = { .cpus = 2, .smt = 2, .seed = 1, .core_sched = true };
	struct sim *sim = sim_new(&cfg);
	struct sched_rq_pair p;

	(void)state;
	assert_non_null(sim);
	assert_ptr_equal(sim->rq[0].core, sim->rq[1].core);
	sim->cur_cpu = 0;
	assert_false(FIRES((p = sched__rq_lock2(&sim->rq[1], &sim->rq[0]),
			    sched__rq_unlock2(p))));
	assert_int_equal(sim->rq[0].lock.next, sim->rq[0].lock.owner);
	sim_free(sim);
}

static void the_same_steps_under_their_locks_pass(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sched_rq *rq = &sim->rq[0];

	(void)state;
	sim->cur_cpu = 0;
	assert_false(FIRES((sched__rq_lock(rq), sched__charge_curr(rq, sim->now),
			    sched__rq_unlock(rq))));
	sim_free(sim);
}

int main(void)
{
#ifndef SCHED_DEBUG
	return 77; /* a release build (-Dasserts=false) has no checks to test: skipped */
#endif
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(enqueue_without_the_rq_lock_fires),
		cmocka_unit_test(charging_without_the_rq_lock_fires),
		cmocka_unit_test(double_unlock_fires),
		cmocka_unit_test(unlock_by_another_cpu_fires),
		cmocka_unit_test(a_shared_pair_unlocks_once),
		cmocka_unit_test(the_same_steps_under_their_locks_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
