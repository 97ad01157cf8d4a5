/* SPDX-License-Identifier: MIT */
/*
 * test_rt.c - the fixed-priority class (SCHED_FIFO / SCHED_RR) on the simulated machine:
 * order of levels and classes, FIFO and RR within a level, throttling, priority changes,
 * and the m highest priorities running on m CPUs. The checker runs after every step.
 */
#include "simtest.h"

static struct sched_auth root(struct sim *sim)
{
	return (struct sched_auth){ &sim->sys.root_authority, sim->sys.root_authority.gen };
}

static void set_rt(struct sim *sim, struct sim_thread *t, unsigned policy, unsigned prio)
{
	struct sched_rt_params p = { .policy = (uint8_t)policy, .prio = (uint8_t)prio };

	assert_int_equal(sched_set_rt(&sim->sys, root(sim), sched_ref_of(&t->st), &p), 0);
	settle(sim);
}

static struct sim_thread *rt_thread(struct sim *sim, unsigned policy, unsigned prio)
{
	struct sim_thread *t = hand_thread(sim, 0, 0, NULL);

	set_rt(sim, t, policy, prio);
	return t;
}

static uint64_t ran(struct sim_thread *t)
{
	return acct(t, SCHED_ACCT_RUNTIME);
}

/* Higher levels preempt lower ones, every level preempts fair, the preempted FIFO thread
 * resumes before its peers (head of its level). */
static void test_priority_order(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *f = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *a = rt_thread(sim, SCHED_RT_FIFO, 10);
	struct sim_thread *a2 = rt_thread(sim, SCHED_RT_FIFO, 10);
	struct sim_thread *b = rt_thread(sim, SCHED_RT_FIFO, 20);

	(void)state;
	assert_int_equal(wake_from(sim, 0, f), 0);
	assert_ptr_equal(running_on(sim, 0), f);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_ptr_equal(running_on(sim, 0), a);
	assert_int_equal(wake_from(sim, 0, a2), 0);
	assert_ptr_equal(running_on(sim, 0), a); /* same level: no preemption */
	advance(sim, 50 * MS);
	assert_int_equal(wake_from(sim, 0, b), 0);
	assert_ptr_equal(running_on(sim, 0), b);
	advance(sim, 5 * MS);
	assert_int_equal(block_on(sim, 0), 0);   /* b blocks: a had the head of level 10 */
	assert_ptr_equal(running_on(sim, 0), a);
	advance(sim, 300 * MS);                  /* FIFO: no turns, a2 still waits */
	assert_int_equal(ran(a2), 0);
	assert_int_equal(block_on(sim, 0), 0);
	assert_ptr_equal(running_on(sim, 0), a2);
	assert_int_equal(block_on(sim, 0), 0);
	assert_ptr_equal(running_on(sim, 0), f);
	sim_free(sim);
}

/* RR threads of one level take 100 ms turns; a FIFO thread of that level does not. */
static void test_round_robin_level(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = rt_thread(sim, SCHED_RT_RR, 30);
	struct sim_thread *b = rt_thread(sim, SCHED_RT_RR, 30);

	(void)state;
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(wake_from(sim, 0, b), 0);
	advance(sim, 1000 * MS);
	assert_int_equal(ran(a), 500 * MS);
	assert_int_equal(ran(b), 500 * MS);
	/* a's turns start at 0, 200, .. 800 ms, and at 1000 ms as b's fifth ends */
	assert_int_equal(acct(a, SCHED_ACCT_SWITCHES), 6);
	sim_free(sim);
}

/* Throttling: a FIFO hog next to a fair hog leaves it 5% of each second; off, nothing. */
static void run_throttle(uint64_t runtime, uint64_t *fair_ns, uint64_t *rt_ns)
{
	struct sim_config cfg = { .cpus = 1, .smt = 1, .seed = 1, .rt_runtime_ns = runtime };
	struct sim *sim = sim_new(&cfg);
	struct sim_thread *f, *r;

	assert_non_null(sim);
	sim->check_each_step = true;
	f = hand_thread(sim, 0, 0, NULL);
	r = rt_thread(sim, SCHED_RT_FIFO, 99);
	assert_int_equal(wake_from(sim, 0, f), 0);
	assert_int_equal(wake_from(sim, 0, r), 0);
	advance(sim, 10000 * MS);
	*fair_ns = ran(f);
	*rt_ns = ran(r);
	sim_free(sim);
}

static void test_throttling(void **state)
{
	uint64_t fair, rt;

	(void)state;
	run_throttle(0, &fair, &rt);                 /* default 950 ms per 1 s */
	assert_int_equal(rt, 9500 * MS);
	assert_int_equal(fair, 500 * MS);
	run_throttle(SCHED_RT_UNLIMITED, &fair, &rt);
	assert_int_equal(fair, 0);
	assert_int_equal(rt, 10000 * MS);
	run_throttle(600 * MS, &fair, &rt);
	assert_int_equal(rt, 6000 * MS);
}

/* Throttled with no fair thread waiting, the class goes on (the CPU does not idle). */
static void test_throttle_work_conserving(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *r = rt_thread(sim, SCHED_RT_FIFO, 1);

	(void)state;
	assert_int_equal(wake_from(sim, 0, r), 0);
	advance(sim, 3000 * MS);
	assert_int_equal(ran(r), 3000 * MS);
	sim_free(sim);
}

/* A priority change moves a queued thread at once and a running one at the next pick;
 * back to SCHED_RT_NONE it is a fair thread again. */
static void test_priority_change(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = rt_thread(sim, SCHED_RT_FIFO, 10);
	struct sim_thread *b = rt_thread(sim, SCHED_RT_FIFO, 5);

	(void)state;
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(wake_from(sim, 0, b), 0);
	assert_ptr_equal(running_on(sim, 0), a);
	set_rt(sim, b, SCHED_RT_FIFO, 11);   /* queued b now outranks a */
	assert_ptr_equal(running_on(sim, 0), b);
	set_rt(sim, b, SCHED_RT_FIFO, 9);    /* running b drops below a */
	assert_ptr_equal(running_on(sim, 0), a);
	set_rt(sim, a, SCHED_RT_NONE, 0);    /* a becomes fair: b runs */
	assert_ptr_equal(running_on(sim, 0), b);
	assert_int_equal(a->st.on_class, sim->sys.classes[SCHED_NR_CLASSES - 1]);
	sim_free(sim);
}

/* An SC thread (EDF class) preempts any fixed priority. */
static void test_edf_above_rt(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc scs[2];
	struct sched_refill refills[8];
	struct sched_sc_cap cap;
	struct sched_sc_params sp = { .budget_ns = 2 * MS, .period_ns = 10 * MS, .mode = SCHED_SC_CBS };
	struct sim_thread *r = rt_thread(sim, SCHED_RT_FIFO, 99);
	struct sim_thread *e = hand_thread(sim, 0, 0, NULL);

	(void)state;
	sched_cpumask_fill(&sp.cpus, 1);
	assert_int_equal(sched_sc_pool(&sim->sys, scs, 2), 0);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, refills, 1, &cap), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap, &sp), 0);
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&e->st)), 0);
	assert_int_equal(wake_from(sim, 0, r), 0);
	assert_int_equal(wake_from(sim, 0, e), 0);
	assert_ptr_equal(running_on(sim, 0), e);
	advance(sim, 100 * MS);
	assert_int_equal(ran(e), 20 * MS);  /* its budget, every period */
	assert_int_equal(ran(r), 80 * MS);
	sim_free(sim);
}

/* Global fixed priority on 2 CPUs: the two highest levels run, wherever they woke; when
 * one blocks, the next level runs in its place (pushed or pulled). */
static void test_global_fixed_priority(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *t[4];
	unsigned prio[4] = { 10, 20, 30, 40 };

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		t[i] = rt_thread(sim, SCHED_RT_FIFO, prio[i]);
		assert_int_equal(wake_from(sim, 0, t[i]), 0);
	}
	advance(sim, 1 * MS);
	for (unsigned c = 0; c < 2; c++)
		assert_true(running_on(sim, c) == t[2] || running_on(sim, c) == t[3]);
	assert_ptr_not_equal(running_on(sim, 0), running_on(sim, 1));
	block_on(sim, running_on(sim, 0) == t[3] ? 0 : 1); /* 40 blocks: 30 and 20 run */
	advance(sim, 1 * MS);
	for (unsigned c = 0; c < 2; c++)
		assert_true(running_on(sim, c) == t[1] || running_on(sim, c) == t[2]);
	assert_ptr_not_equal(running_on(sim, 0), running_on(sim, 1));
	sim_free(sim);
}

static void pin(struct sim *sim, struct sim_thread *t, unsigned cpu)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, cpu);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&t->st), &m), 0);
}

/* A CPU whose realtime thread blocks pulls the most urgent one queued elsewhere. */
static void test_pull_on_block(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *a = rt_thread(sim, SCHED_RT_FIFO, 50);
	struct sim_thread *b = rt_thread(sim, SCHED_RT_FIFO, 60);
	struct sim_thread *c = rt_thread(sim, SCHED_RT_FIFO, 40);
	unsigned other;

	(void)state;
	pin(sim, a, 0);
	pin(sim, b, 1);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(wake_from(sim, 1, b), 0);
	assert_int_equal(wake_from(sim, 0, c), 0);
	other = c->st.cpu == 0 ? 1 : 0; /* block the CPU c is not queued on */
	assert_int_equal(block_on(sim, other), 0);
	assert_ptr_equal(running_on(sim, other), c);
	assert_int_equal(sched_cpu_counter(&sim->sys, other, SCHED_CNT_RT_PULLS), 1);
	sim_free(sim);
}

/* A realtime thread queued behind another goes to a CPU running fair work. */
static void test_push_over_fair(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *f = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *a = rt_thread(sim, SCHED_RT_FIFO, 50);
	struct sim_thread *b = rt_thread(sim, SCHED_RT_FIFO, 60);
	sched_cpumask_t one;

	(void)state;
	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, 1);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&f->st), &one), 0);
	assert_int_equal(wake_from(sim, 1, f), 0);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_ptr_equal(running_on(sim, 0), a);
	assert_ptr_equal(running_on(sim, 1), f);
	/* b outranks a; a is preempted and must land on CPU 1 over the fair thread */
	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&b->st), &one), 0);
	assert_int_equal(wake_from(sim, 0, b), 0);
	advance(sim, 1 * MS);
	assert_ptr_equal(running_on(sim, 0), b);
	assert_ptr_equal(running_on(sim, 1), a);
	assert_int_equal(sched_cpu_counter(&sim->sys, 0, SCHED_CNT_RT_PUSHES), 1);
	sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_order),
		cmocka_unit_test(test_round_robin_level),
		cmocka_unit_test(test_throttling),
		cmocka_unit_test(test_throttle_work_conserving),
		cmocka_unit_test(test_priority_change),
		cmocka_unit_test(test_edf_above_rt),
		cmocka_unit_test(test_global_fixed_priority),
		cmocka_unit_test(test_push_over_fair),
		cmocka_unit_test(test_pull_on_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
