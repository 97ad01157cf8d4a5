/* SPDX-License-Identifier: MIT */
/*
 * test_mutex.c - mutexes with proxy execution, condition variables and barriers on the
 * simulated machine, the invariant checker (and the mutex checker for every thread) after
 * every step: errors, the classic priority inversion with and without lending (exact
 * figures), lending of an SC (charged to the lender), of a weight, across CPUs, chains,
 * cycles, timeouts, owner death, revoke, condition variables and barriers.
 */
#include "simtest.h"

#include <sched/mutex.h>

static struct sched_sc pool[64];
static struct sched_refill rings[64][16];
static unsigned nr_rings;

static struct sched_auth root(struct sim *sim)
{
	return sched_auth_root(&sim->sys);
}

static void set_rt(struct sim *sim, struct sim_thread *t, unsigned prio)
{
	struct sched_rt_params p = { .policy = SCHED_RT_FIFO, .prio = (uint8_t)prio };

	assert_int_equal(sched_set_rt(&sim->sys, root(sim), sched_ref_of(&t->st), &p), 0);
	settle(sim);
}

static struct sim_thread *rt_thread(struct sim *sim, unsigned prio)
{
	struct sim_thread *t = hand_thread(sim, 0, 0, NULL);

	set_rt(sim, t, prio);
	return t;
}

/* An SC of budget/period on every CPU, bound to a new thread. */
static struct sim_thread *sc_thread(struct sim *sim, uint64_t budget, uint64_t period,
				    struct sched_sc_cap *cap)
{
	struct sched_sc_params p = { .budget_ns = budget, .period_ns = period };
	struct sim_thread *t = hand_thread(sim, 0, 0, NULL);

	sched_cpumask_fill(&p.cpus, sim->sys.nr_cpus);
	if (!sim->sys.scs)
		assert_int_equal(sched_sc_pool(&sim->sys, pool, 64), 0);
	assert_true(nr_rings < 64);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, rings[nr_rings++], 16, cap), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), *cap, &p), 0);
	assert_int_equal(sched_sc_bind(&sim->sys, *cap, sched_ref_of(&t->st)), 0);
	return t;
}

/* The mutex checker on each thread of the machine. */
static void check_threads(struct sim *sim)
{
	for (unsigned i = 0; i < sim->nr_threads; i++)
		if (sched_mutex_check(&sim->sys, &sim->threads[i]->st) < 0)
			fail_msg("mutex invariant broken: %s (%u)", sim->sys.check_msg,
				 sim->sys.check_arg);
}

static int lock_until(struct sim *sim, unsigned cpu, struct sched_mutex *m, sched_time_t deadline)
{
	struct sched_thread *next;
	int r;

	sim_enter(sim, cpu);
	r = sched_mutex_lock(&sim->sys, cpu, m, deadline, &next);
	if (r == 0)
		sim_switch(sim, cpu, next);
	settle(sim);
	check_threads(sim);
	return r;
}

static int lock(struct sim *sim, unsigned cpu, struct sched_mutex *m)
{
	return lock_until(sim, cpu, m, SCHED_TIME_NEVER);
}

static int unlock(struct sim *sim, unsigned cpu, struct sched_mutex *m)
{
	int r;

	sim_enter(sim, cpu);
	r = sched_mutex_unlock(&sim->sys, cpu, m);
	settle(sim);
	check_threads(sim);
	return r;
}

static int cond_wait(struct sim *sim, unsigned cpu, struct sched_cond *c, struct sched_mutex *m,
		     sched_time_t deadline)
{
	struct sched_thread *next;
	int r;

	sim_enter(sim, cpu);
	r = sched_cond_wait(&sim->sys, cpu, c, m, deadline, &next);
	if (r == 0)
		sim_switch(sim, cpu, next);
	settle(sim);
	check_threads(sim);
	return r;
}

static int barrier(struct sim *sim, unsigned cpu, struct sched_barrier *b)
{
	struct sched_thread *next;
	int r;

	sim_enter(sim, cpu);
	r = sched_barrier_wait(&sim->sys, cpu, b, &next);
	if (r == 0)
		sim_switch(sim, cpu, next);
	settle(sim);
	check_threads(sim);
	return r;
}

/* On CPU 0: o wakes and takes m, then w wakes and waits for m (w must preempt o). */
static void owner_and_waiter(struct sim *sim, struct sim_thread *o, struct sim_thread *w,
			     struct sched_mutex *m)
{
	assert_int_equal(wake_from(sim, 0, o), 0);
	assert_int_equal(lock(sim, 0, m), 0);
	assert_int_equal(wake_from(sim, 0, w), 0);
	assert_int_equal(lock(sim, 0, m), 0);
}

static void step(struct sim *sim, uint64_t ns)
{
	advance(sim, ns);
	check_threads(sim);
}

static uint64_t ran(struct sim_thread *t)
{
	return acct(t, SCHED_ACCT_RUNTIME);
}

static void test_errors(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sched_mutex m = { 0 }, raw = { 0 };
	struct sched_thread *next;

	(void)state;
	assert_int_equal(sched_mutex_init(NULL, &m, 0), -SCHED_EINVAL);
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 7), -SCHED_EINVAL);
	assert_int_equal(sched_mutex_init(&sim->sys, &m, SCHED_MUTEX_PROXY), 0);
	sim_enter(sim, 0);
	/* the CPU runs idle: nobody to lock for */
	assert_int_equal(sched_mutex_lock(&sim->sys, 0, &m, SCHED_TIME_NEVER, &next), -SCHED_ESTATE);
	assert_int_equal(sched_mutex_lock(&sim->sys, 5, &m, SCHED_TIME_NEVER, &next), -SCHED_ECPU);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(sched_mutex_lock(&sim->sys, 0, &raw, SCHED_TIME_NEVER, &next), -SCHED_EINVAL);
	assert_int_equal(sched_mutex_lock(&sim->sys, 0, &m, SCHED_TIME_NEVER, NULL), -SCHED_EINVAL);
	assert_int_equal(sched_mutex_unlock(&sim->sys, 0, &m), -SCHED_EPERM);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_ptr_equal(running_on(sim, 0), a);
	assert_int_equal(sched_wait_result(&a->st), 0);
	assert_int_equal(lock(sim, 0, &m), -SCHED_EDEADLK);        /* not recursive */
	assert_int_equal(sched_mutex_trylock(&sim->sys, 0, &m), -SCHED_EDEADLK);
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), -SCHED_EACTIVE); /* owned */
	assert_int_equal(wake_from(sim, 0, b), 0);
	assert_int_equal(block_on(sim, 0), 0);                     /* a leaves, b runs */
	assert_ptr_equal(running_on(sim, 0), b);
	assert_int_equal(sched_mutex_trylock(&sim->sys, 0, &m), -SCHED_ELOCKED);
	assert_int_equal(sched_mutex_unlock(&sim->sys, 0, &m), -SCHED_EPERM);
	/* a mutex waiter is woken only by its mutex */
	assert_int_equal(lock(sim, 0, &m), 0);                     /* b waits for a */
	assert_int_equal(sched_wake(&sim->sys, sched_ref_of(&b->st), SCHED_WAKE_PARK), -SCHED_ESTATE);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(unlock(sim, 0, &m), 0);                   /* b owns it now */
	assert_int_equal(block_on(sim, 0), 0);
	assert_ptr_equal(running_on(sim, 0), b);
	assert_int_equal(sched_wait_result(&b->st), 0);
	assert_int_equal(unlock(sim, 0, &m), 0);
	assert_int_equal(sched_mutex_trylock(&sim->sys, 0, &m), 0);
	assert_int_equal(unlock(sim, 0, &m), 0);
	assert_int_equal(sched_wait_result(NULL), -SCHED_EINVAL);
	sim_free(sim);
}

/*
 * The classic inversion on one CPU: low (FIFO 10) holds m from 0 to 12 ms of its own run;
 * high (FIFO 30) wakes at 2 ms and waits for m; medium (FIFO 20) wakes at 3 ms and runs
 * 50 ms. Lending: high waits only for low's remaining 10 ms. Plain: also for medium.
 */
static uint64_t inversion(unsigned flags)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *low = rt_thread(sim, 10), *mid = rt_thread(sim, 20),
			  *high = rt_thread(sim, 30);
	struct sched_mutex m = { 0 };
	uint64_t low_done, waited;

	assert_int_equal(sched_mutex_init(&sim->sys, &m, flags), 0);
	assert_int_equal(wake_from(sim, 0, low), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	step(sim, 2 * MS);
	assert_int_equal(wake_from(sim, 0, high), 0);
	assert_ptr_equal(running_on(sim, 0), high);
	assert_int_equal(lock(sim, 0, &m), 0);                     /* high waits */
	assert_ptr_equal(running_on(sim, 0), low);
	step(sim, 1 * MS);
	assert_int_equal(wake_from(sim, 0, mid), 0);
	if (flags == SCHED_MUTEX_PROXY) {
		assert_ptr_equal(running_on(sim, 0), low);         /* at high's priority */
		assert_int_equal(low->st.rt_prio, 30);
	} else {
		assert_ptr_equal(running_on(sim, 0), mid);
		step(sim, 50 * MS);
		assert_int_equal(block_on(sim, 0), 0);             /* medium is done */
		assert_ptr_equal(running_on(sim, 0), low);
	}
	while (ran(low) < 12 * MS)
		step(sim, 12 * MS - ran(low));
	low_done = sim->now;
	assert_int_equal(unlock(sim, 0, &m), 0);
	assert_ptr_equal(running_on(sim, 0), high);                /* at once */
	assert_int_equal(low->st.rt_prio, 10);
	assert_int_equal(sched_wait_result(&high->st), 0);
	waited = low_done - 2 * MS;
	sim_free(sim);
	return waited;
}

static void test_classic_inversion(void **state)
{
	(void)state;
	assert_int_equal(inversion(SCHED_MUTEX_PROXY), 10 * MS);
	assert_int_equal(inversion(SCHED_MUTEX_PLAIN), 60 * MS);
}

/* A fair owner runs on an EDF waiter's SC, ordered by its deadline, charged to its budget;
 * when that budget is used up it goes on in the fair class (demoted) until the refill. */
static void test_sc_lent_and_charged(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_cap cap;
	struct sim_thread *low = hand_thread(sim, 0, 0, NULL), *hog = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *high = sc_thread(sim, 5 * MS, 100 * MS, &cap);
	struct sched_mutex m = { 0 };
	struct sched_sc_stats st0, st1;
	uint64_t low0;

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(wake_from(sim, 0, low), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(wake_from(sim, 0, hog), 0);
	assert_int_equal(wake_from(sim, 0, high), 0);
	assert_ptr_equal(running_on(sim, 0), high);
	step(sim, 1 * MS);
	assert_int_equal(sched_sc_stats(&sim->sys, cap, &st0), 0);
	assert_int_equal(lock(sim, 0, &m), 0);                     /* high waits for low */
	assert_ptr_equal(running_on(sim, 0), low);                 /* on high's SC: EDF */
	assert_ptr_equal(low->st.on_class, &sched_edf_class);
	assert_ptr_equal(low->st.mx_sc, sim->sys.scs + cap.index);
	low0 = ran(low);
	step(sim, 2 * MS);
	assert_int_equal(sched_sc_stats(&sim->sys, cap, &st1), 0);
	assert_int_equal(st1.consumed_ns - st0.consumed_ns, ran(low) - low0); /* the lender pays */
	assert_int_equal(ran(low) - low0, 2 * MS);
	step(sim, 2 * MS);                                          /* 4 ms of budget: used up */
	assert_int_equal(ran(low) - low0, 4 * MS);
	assert_int_equal(sched_sc_stats(&sim->sys, cap, &st1), 0);
	assert_int_equal(st1.consumed_ns - st0.consumed_ns, 4 * MS); /* all on the lender */
	assert_ptr_not_equal(low->st.on_class, &sched_edf_class); /* demoted: fair */
	assert_true(low->st.sc_wait);                              /* until the refill */
	st0 = st1;
	step(sim, 100 * MS);                      /* refilled: on the lender's SC again */
	assert_int_equal(sched_sc_stats(&sim->sys, cap, &st1), 0);
	assert_int_equal(st1.consumed_ns - st0.consumed_ns, 5 * MS);
	while (running_on(sim, 0) != low)
		step(sim, 1 * MS);
	assert_int_equal(unlock(sim, 0, &m), 0);
	assert_ptr_equal(m.owner, &high->st); /* it runs when its SC has budget again */
	assert_null(low->st.mx_sc);
	assert_ptr_not_equal(low->st.on_class, &sched_edf_class);
	sim_free(sim);
}

/* A nice 19 owner gets a nice -10 waiter's weight against a nice 0 hog. */
static void test_weight_lent(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *low = hand_thread(sim, 0, 19, NULL), *hog = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *heavy = hand_thread(sim, 0, -10, NULL);
	struct sched_mutex m = { 0 };
	uint64_t l0, h0;

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(wake_from(sim, 0, low), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(wake_from(sim, 0, hog), 0);
	assert_int_equal(wake_from(sim, 0, heavy), 0);
	while (running_on(sim, 0) != heavy)
		step(sim, 1 * MS);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(low->st.weight, heavy->st.weight);
	l0 = ran(low);
	h0 = ran(hog);
	step(sim, 1000 * MS);
	/* nice -10 (9548) against nice 0 (1024): about 90% */
	assert_true((ran(low) - l0) * 100 > 85 * (ran(low) - l0 + ran(hog) - h0));
	sim_enter(sim, low->st.cpu);
	while (running_on(sim, 0) != low)
		step(sim, 1 * MS);
	assert_int_equal(unlock(sim, 0, &m), 0);
	assert_int_equal(low->st.weight, low->st.weight_own);
	sim_free(sim);
}

/* Across CPUs: a fair owner queued behind a hog on CPU 1 runs there at once at the
 * priority of a FIFO waiter on CPU 0. */
static void test_lent_across_cpus(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *low = hand_thread(sim, 0, 0, NULL), *hog = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *high;
	struct sched_mutex m = { 0 };
	sched_cpumask_t one;

	(void)state;
	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, 1);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&low->st), &one), 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&hog->st), &one), 0);
	high = rt_thread(sim, 50);
	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&high->st), &one), 0);
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(wake_from(sim, 1, low), 0);
	assert_int_equal(lock(sim, 1, &m), 0);
	assert_int_equal(wake_from(sim, 1, hog), 0);
	while (running_on(sim, 1) != hog)
		step(sim, 1 * MS);
	assert_int_equal(wake_from(sim, 0, high), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_ptr_equal(running_on(sim, 1), low);                 /* IPI'd there at once */
	assert_int_equal(low->st.rt_prio, 50);
	step(sim, 3 * MS);
	assert_ptr_equal(running_on(sim, 1), low);
	assert_int_equal(unlock(sim, 1, &m), 0);
	assert_ptr_equal(running_on(sim, 0), high);
	assert_int_equal(low->st.rt_prio, 0);
	sim_free(sim);
}

/* A chain: a waits for m1 (b's), b for m2 (c's): c runs at a's priority. Cycles and too
 * long chains are refused, nothing changed. */
static void test_chain_and_cycle(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *c = rt_thread(sim, 1), *b = rt_thread(sim, 2), *a = rt_thread(sim, 40);
	struct sim_thread *mid = rt_thread(sim, 20);
	struct sched_mutex m1 = { 0 }, m2 = { 0 };

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m1, 0), 0);
	assert_int_equal(sched_mutex_init(&sim->sys, &m2, 0), 0);
	assert_int_equal(wake_from(sim, 0, c), 0);
	assert_int_equal(lock(sim, 0, &m2), 0);
	assert_int_equal(wake_from(sim, 0, b), 0);
	assert_ptr_equal(running_on(sim, 0), b);
	assert_int_equal(lock(sim, 0, &m1), 0);
	assert_int_equal(lock(sim, 0, &m2), 0);                    /* b waits for c */
	assert_int_equal(c->st.rt_prio, 2);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(lock(sim, 0, &m1), 0);                    /* a waits for b */
	assert_int_equal(b->st.rt_prio, 40);
	assert_int_equal(c->st.rt_prio, 40);
	assert_ptr_equal(running_on(sim, 0), c);
	assert_int_equal(wake_from(sim, 0, mid), 0);
	assert_ptr_equal(running_on(sim, 0), c);                   /* 40 > 20 */
	/* c waiting for m1 would close c -> m1 (b) -> m2 (c) */
	assert_int_equal(lock(sim, 0, &m1), -SCHED_EDEADLK);
	assert_ptr_equal(running_on(sim, 0), c);
	assert_int_equal(unlock(sim, 0, &m2), 0);                  /* b owns m2, runs at 40 */
	assert_int_equal(c->st.rt_prio, 1);
	assert_ptr_equal(running_on(sim, 0), b);
	assert_int_equal(b->st.rt_prio, 40);
	assert_int_equal(unlock(sim, 0, &m1), 0);                  /* a owns m1 */
	assert_ptr_equal(running_on(sim, 0), a);
	assert_int_equal(b->st.rt_prio, 2);
	sim_free(sim);
}

/* Chains longer than SCHED_MUTEX_DEPTH_MAX owners are refused. */
static void test_depth_limit(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_mutex m[SCHED_MUTEX_DEPTH_MAX + 2];
	struct sim_thread *t[SCHED_MUTEX_DEPTH_MAX + 2];
	unsigned n = SCHED_MUTEX_DEPTH_MAX + 2;

	(void)state;
	/* t[i] owns m[i] and waits for m[i - 1]; t[i] has priority i + 1, so each runs */
	for (unsigned i = 0; i < n; i++) {
		m[i] = (struct sched_mutex){ 0 };
		assert_int_equal(sched_mutex_init(&sim->sys, &m[i], 0), 0);
		t[i] = rt_thread(sim, i + 1);
		assert_int_equal(wake_from(sim, 0, t[i]), 0);
		assert_ptr_equal(running_on(sim, 0), t[i]);
		assert_int_equal(lock(sim, 0, &m[i]), 0);
		if (i == 0)
			continue;
		if (i <= SCHED_MUTEX_DEPTH_MAX) {
			assert_int_equal(lock(sim, 0, &m[i - 1]), 0);
			assert_int_equal(t[0]->st.rt_prio, i + 1); /* carried down the chain */
		} else {
			assert_int_equal(lock(sim, 0, &m[i - 1]), -SCHED_EDEPTH);
		}
	}
	sim_free(sim);
}

/* A waiter's timeout ends its wait: -ETIMEDOUT, and the owner gives back its priority. */
static void test_timeout(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *low = rt_thread(sim, 10), *high = rt_thread(sim, 30);
	struct sched_mutex m = { 0 };

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(wake_from(sim, 0, low), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(wake_from(sim, 0, high), 0);
	assert_int_equal(lock_until(sim, 0, &m, sim->now + 5 * MS), 0);
	assert_int_equal(low->st.rt_prio, 30);
	step(sim, 4 * MS);
	assert_ptr_equal(running_on(sim, 0), low);
	step(sim, 2 * MS);
	assert_ptr_equal(running_on(sim, 0), high);
	assert_int_equal(sched_wait_result(&high->st), -SCHED_ETIMEDOUT);
	assert_int_equal(low->st.rt_prio, 10);
	assert_ptr_equal(m.owner, &low->st);
	assert_int_equal(m.waiters.n, 0);
	sim_free(sim);
}

/* The owner exits: the top waiter owns the mutex with "owner died"; with none waiting the
 * next owner is told once. A waiter that exits leaves the queue and stops lending. */
static void test_owner_died(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = rt_thread(sim, 10), *b = rt_thread(sim, 30), *c = rt_thread(sim, 20);
	struct sched_mutex m = { 0 }, n = { 0 };

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(sched_mutex_init(&sim->sys, &n, 0), 0);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(lock(sim, 0, &n), 0);
	assert_int_equal(wake_from(sim, 0, b), 0);
	assert_int_equal(lock(sim, 0, &m), 0);                     /* b waits */
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&a->st)), 0);
	settle(sim);
	check_threads(sim);
	assert_ptr_equal(running_on(sim, 0), b);
	assert_ptr_equal(m.owner, &b->st);
	assert_int_equal(sched_wait_result(&b->st), -SCHED_EOWNERDEAD);
	assert_null(n.owner);
	assert_int_equal(lock(sim, 0, &n), 0);                     /* nobody waited: told now */
	assert_int_equal(sched_wait_result(&b->st), -SCHED_EOWNERDEAD);
	assert_int_equal(unlock(sim, 0, &n), 0);
	assert_int_equal(lock(sim, 0, &n), 0);
	assert_int_equal(sched_wait_result(&b->st), 0);           /* once */
	/* a waiter exits: c (20) waits for b's m after b lowers itself */
	set_rt(sim, b, 5);
	assert_int_equal(wake_from(sim, 0, c), 0);
	assert_ptr_equal(running_on(sim, 0), c);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(b->st.rt_prio, 20);
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&c->st)), 0);
	settle(sim);
	check_threads(sim);
	assert_int_equal(b->st.rt_prio, 5);
	assert_int_equal(m.waiters.n, 0);
	sim_free(sim);
}

/* Revoking a waiter's SC stops the lending at once. */
static void test_revoke_stops_lending(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_cap cap;
	struct sim_thread *low = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *high = sc_thread(sim, 50 * MS, 100 * MS, &cap);
	struct sched_mutex m = { 0 };

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	owner_and_waiter(sim, low, high, &m);
	assert_ptr_equal(low->st.on_class, &sched_edf_class);
	/* an SC lent on cannot be reconfigured under its borrower */
	{
		struct sched_sc_params p = { .budget_ns = 1 * MS, .period_ns = 10 * MS };

		sched_cpumask_fill(&p.cpus, 1);
		assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap, &p), -SCHED_EACTIVE);
	}
	assert_int_equal(sched_sc_revoke(&sim->sys, cap), 0);
	settle(sim);
	check_threads(sim);
	assert_null(low->st.mx_sc);
	assert_ptr_not_equal(low->st.on_class, &sched_edf_class);
	assert_ptr_equal(running_on(sim, 0), low);
	assert_int_equal(unlock(sim, 0, &m), 0);
	sim_free(sim);
}

/* Condition variables: wait releases the mutex; signal wakes the most urgent waiter, who
 * owns the mutex when it runs; broadcast wakes all, one owner at a time; a timed wait
 * returns -ETIMEDOUT owning the mutex. */
static void test_condition(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *p = rt_thread(sim, 5), *w1 = rt_thread(sim, 10), *w2 = rt_thread(sim, 20);
	struct sched_mutex m = { 0 };
	struct sched_cond c = { 0 };

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(sched_cond_init(&sim->sys, &c), 0);
	assert_int_equal(wake_from(sim, 0, p), 0);
	assert_int_equal(wake_from(sim, 0, w1), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(cond_wait(sim, 0, &c, &m, SCHED_TIME_NEVER), 0);
	assert_null(m.owner);
	assert_int_equal(wake_from(sim, 0, w2), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(cond_wait(sim, 0, &c, &m, SCHED_TIME_NEVER), 0);
	assert_ptr_equal(running_on(sim, 0), p);
	assert_int_equal(cond_wait(sim, 0, &c, &m, SCHED_TIME_NEVER), -SCHED_EPERM);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(sched_cond_signal(&sim->sys, &c), 0);    /* w2 (20) waits for m now */
	settle(sim);
	check_threads(sim);
	assert_ptr_equal(running_on(sim, 0), p);
	assert_int_equal(p->st.rt_prio, 20);                       /* and lends to p */
	assert_int_equal(unlock(sim, 0, &m), 0);
	assert_ptr_equal(running_on(sim, 0), w2);
	assert_ptr_equal(m.owner, &w2->st);
	assert_int_equal(sched_wait_result(&w2->st), 0);
	assert_int_equal(unlock(sim, 0, &m), 0);
	assert_int_equal(block_on(sim, 0), 0);
	assert_ptr_equal(running_on(sim, 0), p);
	assert_int_equal(sched_cond_broadcast(&sim->sys, &c), 0); /* w1: m is free, owns it */
	settle(sim);
	check_threads(sim);
	assert_ptr_equal(running_on(sim, 0), w1);
	assert_ptr_equal(m.owner, &w1->st);
	/* a timed wait */
	assert_int_equal(cond_wait(sim, 0, &c, &m, sim->now + 3 * MS), 0);
	assert_ptr_equal(running_on(sim, 0), p);
	step(sim, 4 * MS);
	assert_ptr_equal(running_on(sim, 0), w1);
	assert_int_equal(sched_wait_result(&w1->st), -SCHED_ETIMEDOUT);
	assert_ptr_equal(m.owner, &w1->st);
	sim_free(sim);
}

/* A barrier of 3 releases everyone at the third arrival, round after round. */
static void test_barrier(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sim_thread *t[3];
	struct sched_barrier b = { 0 };

	(void)state;
	assert_int_equal(sched_barrier_init(&sim->sys, &b, 0), -SCHED_EINVAL);
	assert_int_equal(sched_barrier_init(&sim->sys, &b, 3), 0);
	for (unsigned i = 0; i < 3; i++)
		t[i] = rt_thread(sim, 10 + i);
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < 3; i++) {
			unsigned cpu = i % 2;

			if (t[i]->st.state != SCHED_RUNNING)
				assert_int_equal(wake_from(sim, cpu, t[i]), 0);
			while (running_on(sim, t[i]->st.cpu) != t[i])
				step(sim, 1 * MS);
			assert_int_equal(barrier(sim, t[i]->st.cpu, &b), 0);
			if (i < 2)
				assert_int_equal(t[i]->st.state, SCHED_BLOCKED);
		}
		assert_int_equal(b.rounds, round + 1);
		for (unsigned i = 0; i < 3; i++) {
			assert_int_not_equal(t[i]->st.state, SCHED_BLOCKED);
			assert_int_equal(sched_wait_result(&t[i]->st), 0);
		}
		for (unsigned i = 3; i-- > 0;) { /* the most urgent first: the others wait for it */
			while (running_on(sim, t[i]->st.cpu) != t[i])
				step(sim, 1 * MS);
			assert_int_equal(block_on(sim, t[i]->st.cpu), 0);
		}
	}
	sim_free(sim);
}

static struct sched_sc *sc_of(struct sim *sim, struct sched_sc_cap cap)
{
	return &sim->sys.scs[cap.index];
}

/* A (on an SC) waits for m1 (b's), b for m2 (c's): b and c both run on A's SC when their
 * turn comes. Revoking it takes it from every owner down the chain, running or not, and a
 * later lending does not bring the freed SC back; configuring it under a running borrower
 * is refused. */
static void chain_on_sc(struct sim *sim, struct sim_thread **a, struct sim_thread **b,
			struct sim_thread **c, struct sched_mutex *m1, struct sched_mutex *m2,
			struct sched_sc_cap *cap)
{
	*c = hand_thread(sim, 0, 0, NULL);
	*b = hand_thread(sim, 0, 0, NULL);
	*a = sc_thread(sim, 50 * MS, 100 * MS, cap);
	assert_int_equal(sched_mutex_init(&sim->sys, m1, 0), 0);
	assert_int_equal(sched_mutex_init(&sim->sys, m2, 0), 0);
	assert_int_equal(wake_from(sim, 0, *c), 0);
	assert_int_equal(lock(sim, 0, m2), 0);
	assert_int_equal(wake_from(sim, 0, *b), 0);
	while (running_on(sim, 0) != *b)
		step(sim, 1 * MS);
	assert_int_equal(lock(sim, 0, m1), 0);
	assert_int_equal(lock(sim, 0, m2), 0);                     /* b waits for c */
	assert_int_equal(wake_from(sim, 0, *a), 0);
	assert_int_equal(lock(sim, 0, m1), 0);                     /* a waits for b */
	assert_ptr_equal((*b)->st.mx_sc, sc_of(sim, *cap));
	assert_ptr_equal((*c)->st.mx_sc, sc_of(sim, *cap));
	assert_ptr_equal(running_on(sim, 0), *c);
}

static void test_chain_revoke(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a, *b, *c, *d = hand_thread(sim, 0, 0, NULL);
	struct sched_mutex m1 = { 0 }, m2 = { 0 };
	struct sched_sc_params p = { .budget_ns = 1 * MS, .period_ns = 10 * MS };
	struct sched_sc_cap cap;

	(void)state;
	sched_cpumask_fill(&p.cpus, 1);
	chain_on_sc(sim, &a, &b, &c, &m1, &m2, &cap);
	assert_int_equal(unlock(sim, 0, &m2), 0);                  /* b owns m2, on a's SC */
	assert_ptr_equal(running_on(sim, 0), b);
	assert_ptr_equal(b->st.on_class, &sched_edf_class);
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap, &p), -SCHED_EACTIVE);
	assert_int_equal(lock(sim, 0, &m2), -SCHED_EDEADLK);       /* b owns it */
	assert_int_equal(sched_sc_revoke(&sim->sys, cap), 0);
	settle(sim);
	check_threads(sim);
	assert_null(b->st.mx_sc);
	assert_null(c->st.mx_sc);
	/* a new waiter makes b lend again: not the freed SC */
	assert_int_equal(wake_from(sim, 0, d), 0);
	while (running_on(sim, 0) != d)
		step(sim, 1 * MS);
	assert_int_equal(lock(sim, 0, &m2), 0);
	assert_null(b->st.mx_sc);
	sim_free(sim);
}

static void test_chain_revoke_while_blocked(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a, *b, *c, *d = hand_thread(sim, 0, 0, NULL);
	struct sched_mutex m1 = { 0 }, m2 = { 0 };
	struct sched_sc_cap cap;

	(void)state;
	chain_on_sc(sim, &a, &b, &c, &m1, &m2, &cap);
	assert_int_equal(sched_sc_revoke(&sim->sys, cap), 0);      /* b blocked, c runs */
	settle(sim);
	check_threads(sim);
	assert_null(b->st.mx_sc);
	assert_null(c->st.mx_sc);
	assert_int_equal(wake_from(sim, 0, d), 0);
	while (running_on(sim, 0) != d)
		step(sim, 1 * MS);
	assert_int_equal(lock(sim, 0, &m2), 0);                    /* d waits for c too */
	assert_null(c->st.mx_sc);
	sim_free(sim);
}

/* Every band lends: with an SC waiter on top and a FIFO 90 waiter below it, the owner keeps
 * priority 90, so when the lent budget is used up it still runs above a FIFO 50 hog. */
static void test_every_band_lends(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_cap cap;
	struct sim_thread *o = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *a = sc_thread(sim, 2 * MS, 100 * MS, &cap);
	struct sim_thread *r = rt_thread(sim, 90), *hog = rt_thread(sim, 50);
	struct sched_mutex m = { 0 };
	uint64_t o0;

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	owner_and_waiter(sim, o, r, &m);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(o->st.rt_prio, 90);
	assert_ptr_equal(o->st.mx_sc, sc_of(sim, cap));
	assert_int_equal(wake_from(sim, 0, hog), 0);
	o0 = ran(o);
	step(sim, 50 * MS);
	assert_int_equal(ran(o) - o0, 50 * MS);                    /* never behind the hog */
	sim_free(sim);
}

/* A owns m and calls server s, lending it A's SC; s waits for m, so A runs on its own SC
 * again for s. A exits: s owns m (owner died), nothing deadlocks. */
static void test_exit_with_call_and_lend(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_cap cap;
	struct sim_thread *srv = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *a = sc_thread(sim, 50 * MS, 100 * MS, &cap);
	struct sched_mutex m = { 0 };
	struct sched_thread *next;

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	sim_enter(sim, 0);
	assert_int_equal(sched_call(&sim->sys, 0, sched_ref_of(&srv->st), &next), 0);
	sim_switch(sim, 0, next);
	settle(sim);
	assert_ptr_equal(running_on(sim, 0), srv);
	assert_int_equal(lock(sim, 0, &m), 0);                     /* s waits for a's m */
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&a->st)), 0);
	settle(sim);
	check_threads(sim);
	assert_ptr_equal(m.owner, &srv->st);
	assert_int_equal(sched_wait_result(&srv->st), -SCHED_EOWNERDEAD);
	sim_free(sim);
}

/*
 * As above, with a second waiter r at FIFO 10 behind s (s waits on A's SC, the EDF band,
 * so s is first). A's exit takes its SC from s before it hands m on: s takes its new
 * place (fair) behind r, so m goes to r and s goes on waiting. The top waiter is the one
 * at the handoff, not the one before the exit (test_random's exit model follows this).
 */
static void test_exit_hands_on_after_taking_its_sc(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_cap cap;
	struct sim_thread *srv = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *a = sc_thread(sim, 50 * MS, 100 * MS, &cap);
	struct sim_thread *r = rt_thread(sim, 10);
	struct sched_mutex m = { 0 };
	struct sched_thread *next;

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	sim_enter(sim, 0);
	assert_int_equal(sched_call(&sim->sys, 0, sched_ref_of(&srv->st), &next), 0);
	sim_switch(sim, 0, next);
	settle(sim);
	assert_ptr_equal(running_on(sim, 0), srv);
	assert_int_equal(lock(sim, 0, &m), 0);                     /* s waits on a's SC */
	assert_int_equal(wake_from(sim, 0, r), 0);
	assert_ptr_equal(running_on(sim, 0), r);
	assert_int_equal(lock(sim, 0, &m), 0);                     /* r waits behind s */
	assert_ptr_equal(sched_rb_entry(m.waiters.tree.leftmost, struct sched_thread, wait_node),
			 &srv->st);                                /* s first */
	assert_ptr_equal(srv->st.sc, sc_of(sim, cap));
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&a->st)), 0);
	settle(sim);
	check_threads(sim);
	assert_null(srv->st.sc);                                  /* a's SC went with a */
	assert_ptr_equal(m.owner, &r->st);
	assert_int_equal(sched_wait_result(&r->st), -SCHED_EOWNERDEAD);
	assert_ptr_equal(srv->st.waits_on, &m);                   /* still waits, now fair */
	assert_int_equal(m.waiters.n, 1);
	assert_int_equal(unlock(sim, 0, &m), 0);                  /* r lets go: s owns m */
	assert_ptr_equal(m.owner, &srv->st);
	assert_int_equal(sched_wait_result(&srv->st), 0);
	sim_free(sim);
}

/* A waiter that could not run (its SC revoked: passive now) is never handed the mutex: its
 * wait ends with -SCHED_ENOSC and the mutex goes to the next waiter, or is free. */
static void test_unrunnable_waiter_skipped(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_cap cap;
	struct sim_thread *o = hand_thread(sim, 0, 0, NULL), *x = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *w = sc_thread(sim, 50 * MS, 100 * MS, &cap);
	struct sched_mutex m = { 0 };

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	owner_and_waiter(sim, o, w, &m);
	assert_int_equal(wake_from(sim, 0, x), 0);
	while (running_on(sim, 0) != x)
		step(sim, 1 * MS);
	assert_int_equal(lock(sim, 0, &m), 0);                     /* x waits */
	assert_int_equal(sched_sc_revoke(&sim->sys, cap), 0);
	settle(sim);
	while (running_on(sim, 0) != o)
		step(sim, 1 * MS);
	assert_int_equal(unlock(sim, 0, &m), 0);
	assert_ptr_equal(m.owner, &x->st);
	assert_int_equal(sched_wait_result(&w->st), -SCHED_ENOSC);
	assert_null(w->st.waits_on);
	assert_int_equal(w->st.state, SCHED_BLOCKED);
	assert_int_equal(sched_wake(&sim->sys, sched_ref_of(&w->st), SCHED_WAKE_PARK), -SCHED_ENOSC);
	sim_free(sim);
}

/* A condition wait moved to its mutex that would close a cycle of owners ends instead,
 * with -SCHED_EDEADLK, not owning the mutex. */
static void test_cond_cycle_refused(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *x = rt_thread(sim, 5), *o = rt_thread(sim, 10), *w = rt_thread(sim, 20);
	struct sched_mutex m1 = { 0 }, m2 = { 0 };
	struct sched_cond c = { 0 };

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m1, 0), 0);
	assert_int_equal(sched_mutex_init(&sim->sys, &m2, 0), 0);
	assert_int_equal(sched_cond_init(&sim->sys, &c), 0);
	assert_int_equal(wake_from(sim, 0, x), 0);
	assert_int_equal(wake_from(sim, 0, o), 0);
	assert_int_equal(wake_from(sim, 0, w), 0);
	assert_int_equal(lock(sim, 0, &m2), 0);                    /* w holds m2 */
	assert_int_equal(lock(sim, 0, &m1), 0);
	assert_int_equal(cond_wait(sim, 0, &c, &m1, SCHED_TIME_NEVER), 0);
	assert_ptr_equal(running_on(sim, 0), o);
	assert_int_equal(lock(sim, 0, &m1), 0);                    /* o owns m1 */
	assert_int_equal(lock(sim, 0, &m2), 0);                    /* o waits for w's m2 */
	assert_ptr_equal(running_on(sim, 0), x);
	assert_int_equal(sched_cond_signal(&sim->sys, &c), 0);    /* w -> m1 would be a cycle */
	settle(sim);
	check_threads(sim);
	assert_ptr_equal(running_on(sim, 0), w);
	assert_int_equal(sched_wait_result(&w->st), -SCHED_EDEADLK);
	assert_ptr_equal(m1.owner, &o->st);
	sim_free(sim);
}

/* A waiter's own parameters changed while it waits reach its owner at once. */
static void test_waiter_change_follows(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *low = rt_thread(sim, 10), *high = rt_thread(sim, 30);
	struct sched_mutex m = { 0 };

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	owner_and_waiter(sim, low, high, &m);
	assert_int_equal(low->st.rt_prio, 30);
	set_rt(sim, high, 60);
	assert_int_equal(low->st.rt_prio, 60);
	set_rt(sim, high, 20);
	assert_int_equal(low->st.rt_prio, 20);
	check_threads(sim);
	sim_free(sim);
}

/* An SC is lent only to an owner whose CPUs lie inside the SC's (as IPC donation). */
static void test_sc_not_lent_outside_its_cpus(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sched_sc_cap cap;
	struct sched_sc_params p = { .budget_ns = 20 * MS, .period_ns = 100 * MS };
	struct sim_thread *o = hand_thread(sim, 0, 0, NULL), *a = hand_thread(sim, 0, 0, NULL);
	struct sched_mutex m = { 0 };
	sched_cpumask_t one;

	(void)state;
	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, 1);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&o->st), &one), 0);
	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &one), 0);
	p.cpus = one;
	if (!sim->sys.scs)
		assert_int_equal(sched_sc_pool(&sim->sys, pool, 64), 0);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, rings[nr_rings++], 16, &cap), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap, &p), 0);
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&a->st)), 0);
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(wake_from(sim, 1, o), 0);
	assert_int_equal(lock(sim, 1, &m), 0);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_null(o->st.mx_sc);
	sim_free(sim);
}

/* --- from the second review: SC lending across exits, revokes, configure, affinity --- */

static struct sim_thread *passive_thread(struct sim *sim)
{
	struct sched_thread_params p = { .passive = true };
	struct sim_thread *t = sim_thread_new(sim, &p);

	assert_non_null(t);
	return t;
}

static void call(struct sim *sim, unsigned cpu, struct sim_thread *to)
{
	struct sched_thread *next;

	sim_enter(sim, cpu);
	assert_int_equal(sched_call(&sim->sys, cpu, sched_ref_of(&to->st), &next), 0);
	sim_switch(sim, cpu, next);
	settle(sim);
}

/*
 * R1: client c (bound SC) calls passive server srv; srv waits for m owned by o, so o runs
 * on c's SC. c exits: the SC is unwound from srv (sc_exit) with no proxy resync, o keeps
 * running on it although its only lender has no SC any more.
 */
static void test_r1_client_exit_leaves_borrower(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_cap cap;
	struct sim_thread *o = hand_thread(sim, 0, 0, NULL), *srv = passive_thread(sim);
	struct sim_thread *c = sc_thread(sim, 50 * MS, 100 * MS, &cap);
	struct sched_mutex m = { 0 };

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(wake_from(sim, 0, o), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(wake_from(sim, 0, c), 0);
	assert_ptr_equal(running_on(sim, 0), c);
	call(sim, 0, srv);
	assert_ptr_equal(running_on(sim, 0), srv);
	assert_int_equal(lock(sim, 0, &m), 0);                 /* srv waits, o borrows */
	assert_ptr_equal(o->st.mx_sc, sc_of(sim, cap));
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&c->st)), 0);
	settle(sim);
	assert_null(o->st.mx_sc);                               /* expected: no lender has it */
	sim_free(sim);
}

/* R1b: same, then the SC is revoked (nobody found: holder NULL) and its slot reused by a
 * new SC bound to x: o and x both run on one SC. Checker off for o. */
static void quiet(struct sim *sim)
{
	if (sched_need_resched(&sim->sys, sim->cur_cpu))
		sim_resched(sim, sim->cur_cpu);
	sim_run_until(sim, sim->now);
}

static void test_r1b_revoke_frees_borrowed_slot(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_cap cap, cap2;
	struct sim_thread *o = hand_thread(sim, 0, 0, NULL), *srv = passive_thread(sim);
	struct sim_thread *c = sc_thread(sim, 50 * MS, 100 * MS, &cap);
	struct sim_thread *x = hand_thread(sim, 0, 0, NULL);
	struct sched_mutex m = { 0 };
	struct sched_sc_params p = { .budget_ns = 10 * MS, .period_ns = 100 * MS };

	(void)state;
	sched_cpumask_fill(&p.cpus, 1);
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(wake_from(sim, 0, o), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(wake_from(sim, 0, c), 0);
	call(sim, 0, srv);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_ptr_equal(o->st.mx_sc, sc_of(sim, cap));
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&c->st)), 0);
	quiet(sim);
	assert_int_equal(sched_sc_revoke(&sim->sys, cap), 0);
	quiet(sim);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, rings[nr_rings++], 16, &cap2), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap2, &p), 0);
	assert_int_equal(sched_sc_bind(&sim->sys, cap2, sched_ref_of(&x->st)), 0);
	quiet(sim);
	assert_false(o->st.mx_sc == sc_of(sim, cap2));
	sim_free(sim);
}

/*
 * R2: all waiters skipped at unlock (cannot run): release() returns early, the owner keeps
 * what they lent. w (SC + FIFO 90) waits for o's m; w's SC revoked (passive now): o has
 * priority 90 from w; o unlocks, w is skipped (-ENOSC), o stays at 90.
 */
static void test_r2_skipped_waiters_lending_kept(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_cap cap;
	struct sim_thread *o = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *w = sc_thread(sim, 50 * MS, 100 * MS, &cap);
	struct sched_mutex m = { 0 };

	(void)state;
	set_rt(sim, w, 90);
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	owner_and_waiter(sim, o, w, &m);
	assert_int_equal(o->st.rt_prio, 90);
	assert_int_equal(sched_sc_revoke(&sim->sys, cap), 0);
	settle(sim);
	check_threads(sim);
	assert_ptr_equal(running_on(sim, 0), o);
	assert_int_equal(unlock(sim, 0, &m), 0);
	assert_int_equal(sched_wait_result(&w->st), -SCHED_ENOSC);
	assert_null(m.owner);
	assert_int_equal(o->st.rt_prio, 0);
	sim_free(sim);
}

/*
 * R3: revoke/unbind give back with {NULL, rt, weight} and the chain update stops at the
 * first owner that does not change: an owner further down with another SC lender loses it.
 * a (SC sa, early deadline) waits m1 (b's); b waits m2 (c's); y (SC sy, later deadline)
 * waits m4 (c's). c runs on sa. Revoke sa: c should run on sy.
 */
static void test_r3_unlend_loses_other_lender(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_cap ca, cy;
	struct sim_thread *c = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *y = sc_thread(sim, 50 * MS, 200 * MS, &cy);
	struct sim_thread *a = sc_thread(sim, 50 * MS, 100 * MS, &ca);
	struct sched_mutex m1 = { 0 }, m2 = { 0 }, m4 = { 0 };

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m1, 0), 0);
	assert_int_equal(sched_mutex_init(&sim->sys, &m2, 0), 0);
	assert_int_equal(sched_mutex_init(&sim->sys, &m4, 0), 0);
	assert_int_equal(wake_from(sim, 0, c), 0);
	assert_int_equal(lock(sim, 0, &m2), 0);
	assert_int_equal(lock(sim, 0, &m4), 0);
	assert_int_equal(wake_from(sim, 0, y), 0);
	assert_ptr_equal(running_on(sim, 0), y);
	assert_int_equal(lock(sim, 0, &m4), 0);                 /* y waits for c */
	assert_ptr_equal(c->st.mx_sc, sc_of(sim, cy));
	assert_int_equal(wake_from(sim, 0, b), 0);
	while (running_on(sim, 0) != b)
		step(sim, 1 * MS);
	assert_int_equal(lock(sim, 0, &m1), 0);
	assert_int_equal(lock(sim, 0, &m2), 0);                 /* b waits for c */
	assert_int_equal(wake_from(sim, 0, a), 0);
	while (running_on(sim, 0) != a)
		step(sim, 1 * MS);
	assert_int_equal(lock(sim, 0, &m1), 0);                 /* a waits for b */
	assert_ptr_equal(c->st.mx_sc, sc_of(sim, ca));
	assert_int_equal(sched_sc_revoke(&sim->sys, ca), 0);
	settle(sim);
	check_threads(sim);
	assert_ptr_equal(c->st.mx_sc, sc_of(sim, cy));
	sim_free(sim);
}

/*
 * R4: set_affinity of a borrower is not checked against the lent SC's CPUs, nor re-lent:
 * o (affinity {0}) borrows a's SC (CPUs {0}); o's affinity set to {1}: o runs on CPU 1 on
 * an SC confined to CPU 0.
 */
static void test_r4_affinity_widened_under_lent_sc(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sched_sc_cap cap;
	struct sched_sc_params p = { .budget_ns = 20 * MS, .period_ns = 100 * MS };
	struct sim_thread *o = hand_thread(sim, 0, 0, NULL), *a = hand_thread(sim, 0, 0, NULL);
	struct sched_mutex m = { 0 };
	sched_cpumask_t zero, one;

	(void)state;
	sched_cpumask_clear(&zero);
	sched_cpumask_set(&zero, 0);
	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, 1);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&o->st), &zero), 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &zero), 0);
	p.cpus = zero;
	assert_int_equal(sched_sc_pool(&sim->sys, pool, 64), 0);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, rings[nr_rings++], 16, &cap), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap, &p), 0);
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&a->st)), 0);
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	owner_and_waiter(sim, o, a, &m);
	assert_ptr_equal(o->st.mx_sc, sc_of(sim, cap));
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&o->st), &one), -SCHED_EAFFINITY);
	settle(sim);
	step(sim, 1 * MS);
	assert_false(o->st.mx_sc && o->st.cpu == 1);
	sim_free(sim);
}

/* R1c: the middle link of a donation chain exits: the SC goes back to client c, which the
 * kernel then wakes; o still borrows it: two threads run on one SC on two CPUs. */
static void test_r1c_middle_exit_two_runners(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sched_sc_cap cap;
	struct sim_thread *o = hand_thread(sim, 0, 0, NULL), *s1 = passive_thread(sim);
	struct sim_thread *s2 = passive_thread(sim);
	struct sim_thread *c = sc_thread(sim, 50 * MS, 100 * MS, &cap);
	struct sched_mutex m = { 0 };
	sched_cpumask_t one;

	(void)state;
	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, 1);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&o->st), &one), 0);
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(wake_from(sim, 1, o), 0);
	assert_int_equal(lock(sim, 1, &m), 0);
	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&c->st), &one), 0);
	assert_int_equal(wake_from(sim, 0, c), 0);
	assert_ptr_equal(running_on(sim, 0), c);
	call(sim, 0, s1);
	call(sim, 0, s2);
	assert_ptr_equal(running_on(sim, 0), s2);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_ptr_equal(o->st.mx_sc, sc_of(sim, cap));
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&s1->st)), 0);
	quiet(sim);
	sim_enter(sim, 0);
	quiet(sim);
	sim_run_until(sim, sim->now + 1 * MS);
	assert_false(running_on(sim, 0) == c && running_on(sim, 1) == o &&
		     o->st.mx_sc == c->st.sc);
	sim_free(sim);
}

/* R5: configure narrows the SC's CPUs; the resync chain stops at b (unchanged), so c
 * (whose affinity is now outside) keeps it. */
static void test_r5_configure_chain_stops_early(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sched_sc_cap cap;
	struct sched_sc_params p = { .budget_ns = 20 * MS, .period_ns = 100 * MS };
	struct sim_thread *c = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *a = sc_thread(sim, 50 * MS, 100 * MS, &cap);
	struct sched_mutex m1 = { 0 }, m2 = { 0 };
	sched_cpumask_t zero;
	struct sched_thread *next;

	(void)state;
	sched_cpumask_clear(&zero);
	sched_cpumask_set(&zero, 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&b->st), &zero), 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &zero), 0);
	assert_int_equal(sched_mutex_init(&sim->sys, &m1, 0), 0);
	assert_int_equal(sched_mutex_init(&sim->sys, &m2, 0), 0);
	assert_int_equal(wake_from(sim, 0, c), 0);
	assert_int_equal(lock(sim, c->st.cpu, &m2), 0);
	assert_int_equal(wake_from(sim, 0, b), 0);
	while (running_on(sim, 0) != b)
		step(sim, 1 * MS);
	assert_int_equal(lock(sim, 0, &m1), 0);
	assert_int_equal(lock(sim, 0, &m2), 0);                 /* b waits for c */
	assert_int_equal(wake_from(sim, 0, a), 0);
	while (running_on(sim, 0) != a)
		step(sim, 1 * MS);
	assert_int_equal(lock(sim, 0, &m1), 0);                 /* a waits for b */
	assert_ptr_equal(c->st.mx_sc, sc_of(sim, cap));
	while (running_on(sim, 0) != c && running_on(sim, 1) != c)
		step(sim, 1 * MS);
	sim_enter(sim, c->st.cpu);                              /* c sleeps holding m2 */
	{
		unsigned cpu = c->st.cpu;

		assert_int_equal(sched_block(&sim->sys, cpu, &next), 0);
		sim_switch(sim, cpu, next);
		settle(sim);
	}
	p.cpus = zero;
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap, &p), 0);
	settle(sim);
	check_threads(sim);
	assert_null(c->st.mx_sc);
	sim_free(sim);
}

/* R6: a current fair owner (CPU 1) lent an SC whose budget is used up (gate DEMOTED, same
 * class) by a waiter on CPU 0: it is not put in the refill wait, so the refill does not
 * bring it to EDF while it runs. */
static void test_r6_demoted_current_not_in_refill_wait(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sched_sc_cap cap;
	struct sched_sc_params p = { .budget_ns = 2 * MS, .period_ns = 100 * MS,
				     .overrun = SCHED_SC_DEMOTE };
	struct sim_thread *o = hand_thread(sim, 0, 0, NULL), *a = hand_thread(sim, 0, 0, NULL);
	struct sched_mutex m = { 0 };
	sched_cpumask_t one;

	(void)state;
	sched_cpumask_fill(&p.cpus, 2);
	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, 1);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&o->st), &one), 0);
	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &one), 0);
	assert_int_equal(sched_sc_pool(&sim->sys, pool, 64), 0);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, rings[nr_rings++], 16, &cap), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap, &p), 0);
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&a->st)), 0);
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(wake_from(sim, 1, o), 0);
	assert_int_equal(lock(sim, 1, &m), 0);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_ptr_equal(running_on(sim, 0), a);
	step(sim, 3 * MS);                                       /* a's budget used: demoted */
	assert_int_equal(lock(sim, 0, &m), 0);                  /* a waits; o borrows */
	assert_ptr_equal(o->st.mx_sc, sc_of(sim, cap));
	assert_ptr_equal(running_on(sim, 1), o);
	step(sim, 150 * MS);                                     /* refilled at 100 ms */
	assert_true(o->st.sc_wait || o->st.on_class == &sched_edf_class);
	sim_free(sim);
}

/* R9: an owner's own SC is revoked while an SC waiter waits for its mutex: the owner
 * (passive now) should run on the waiter's SC, but its lending is not recomputed (resync
 * only re-ranks a waiting holder), so it blocks holding the mutex. */
static void test_r9_owner_own_sc_revoked(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_cap co, ca;
	struct sim_thread *o = sc_thread(sim, 5 * MS, 20 * MS, &co);
	struct sim_thread *a = sc_thread(sim, 5 * MS, 100 * MS, &ca);
	struct sched_mutex m = { 0 };

	(void)state;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(wake_from(sim, 0, o), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(wake_from(sim, 0, a), 0);
	while (running_on(sim, 0) != a)
		step(sim, 1 * MS);
	assert_int_equal(lock(sim, 0, &m), 0);                  /* a waits for o */
	assert_int_equal(sched_sc_revoke(&sim->sys, co), 0);
	settle(sim);
	check_threads(sim);
	step(sim, 1 * MS);
	assert_int_equal(sched_wake(&sim->sys, sched_ref_of(&o->st), SCHED_WAKE_PARK), -SCHED_ESTATE); /* it runs */
	assert_ptr_equal(o->st.mx_sc, sc_of(sim, ca));
	sim_free(sim);
}

/* A running fixed-priority owner borrows a waiter's SC and has an SC of its own (with a
 * later deadline, so it runs on the lent one). The lent budget is used up: the owner goes on
 * demoted (FIFO 50) and waits in its CPU's refill wait for the lent SC's refill. Its own SC
 * is then revoked: it keeps the lent SC, so it must stay in the refill wait (its class does
 * not change, so no pick puts it back there), and the refill brings it back to EDF. */
static void test_own_sc_revoked_keeps_lent_refill_wait(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_cap co, ca;
	struct sim_thread *o = sc_thread(sim, 50 * MS, 1000 * MS, &co);
	struct sim_thread *a = sc_thread(sim, 2 * MS, 10 * MS, &ca);
	struct sched_mutex m = { 0 };

	(void)state;
	set_rt(sim, o, 50);
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(wake_from(sim, 0, o), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_ptr_equal(running_on(sim, 0), a);                /* earlier deadline */
	assert_int_equal(lock(sim, 0, &m), 0);                  /* a waits; o borrows ca */
	assert_ptr_equal(o->st.mx_sc, sc_of(sim, ca));
	assert_ptr_equal(running_on(sim, 0), o);
	assert_ptr_equal(o->st.on_class, &sched_edf_class);
	step(sim, 3 * MS);                                      /* the lent 2 ms are used */
	assert_ptr_equal(running_on(sim, 0), o);
	assert_ptr_equal(o->st.on_class, &sched_rt_class);      /* demoted until the refill */
	assert_true(o->st.sc_wait);
	assert_int_equal(sched_sc_revoke(&sim->sys, co), 0);    /* its own SC goes */
	settle(sim);
	check_threads(sim);
	assert_ptr_equal(o->st.mx_sc, sc_of(sim, ca));          /* still runs on a's SC */
	assert_ptr_equal(running_on(sim, 0), o);
	assert_true(o->st.sc_wait);                             /* waiting for its refill */
	step(sim, 8 * MS);                                      /* refilled at 10 ms */
	assert_ptr_equal(running_on(sim, 0), o);
	assert_ptr_equal(o->st.on_class, &sched_edf_class);
	sim_free(sim);
}

/* R10: a signal whose top waiter cannot run (passive, SC revoked) is consumed by it: the
 * next waiter, which could run, stays waiting (a signal lost for the application). */
static void test_r10_signal_consumed_by_unrunnable(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_cap cap;
	struct sim_thread *p = rt_thread(sim, 5), *w2 = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *w1 = sc_thread(sim, 50 * MS, 100 * MS, &cap);
	struct sched_mutex m = { 0 };
	struct sched_cond c = { 0 };

	(void)state;
	set_rt(sim, w1, 90);
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(sched_cond_init(&sim->sys, &c), 0);
	assert_int_equal(wake_from(sim, 0, w1), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(cond_wait(sim, 0, &c, &m, SCHED_TIME_NEVER), 0);
	assert_int_equal(wake_from(sim, 0, w2), 0);
	assert_int_equal(wake_from(sim, 0, p), 0);
	while (running_on(sim, 0) != w2)
		assert_int_equal(block_on(sim, 0), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(cond_wait(sim, 0, &c, &m, SCHED_TIME_NEVER), 0);
	assert_int_equal(sched_sc_revoke(&sim->sys, cap), 0);   /* w1 passive, no SC */
	settle(sim);
	assert_int_equal(sched_cond_signal(&sim->sys, &c), 0);
	settle(sim);
	check_threads(sim);
	assert_ptr_not_equal(w2->st.waits_on, &c);
	sim_free(sim);
}

/*
 * A condition waiter's timeout already taken off the sleepers by the timer races with a
 * signal that moves it to its (owned) mutex: the late timeout must not end the mutex
 * wait. The race is opened by wrapping the irq-save hook (the first thing the timer's wake
 * does), where another CPU's signal would land.
 */
unsigned long __real_sched_arch_irq_save(void);
unsigned long __wrap_sched_arch_irq_save(void);
static struct { struct sim *sim; struct sim_thread *w; struct sched_cond *c; int armed; } race;

unsigned long __wrap_sched_arch_irq_save(void)
{
	if (race.armed && !race.w->st.timeout_armed && race.w->st.waits_on == race.c) {
		race.armed = 0;
		assert_int_equal(sched_cond_signal(&race.sim->sys, race.c), 0);
	}
	return __real_sched_arch_irq_save();
}

static void test_signal_races_timeout(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *p = rt_thread(sim, 5), *w = rt_thread(sim, 10);
	struct sched_mutex m = { 0 };
	struct sched_cond c = { 0 };

	(void)state;
	race.sim = sim, race.w = w, race.c = &c;
	assert_int_equal(sched_mutex_init(&sim->sys, &m, 0), 0);
	assert_int_equal(sched_cond_init(&sim->sys, &c), 0);
	assert_int_equal(wake_from(sim, 0, p), 0);
	assert_int_equal(wake_from(sim, 0, w), 0);
	assert_int_equal(lock(sim, 0, &m), 0);
	assert_int_equal(cond_wait(sim, 0, &c, &m, sim->now + 3 * MS), 0);
	assert_ptr_equal(running_on(sim, 0), p);
	assert_int_equal(lock(sim, 0, &m), 0);                     /* p owns m */
	race.armed = 1;
	step(sim, 4 * MS);
	assert_int_equal(race.armed, 0);                           /* the race happened */
	assert_int_equal(w->st.state, SCHED_BLOCKED);              /* waits for m now */
	assert_ptr_equal(w->st.waits_on, &m);
	assert_int_equal(unlock(sim, 0, &m), 0);
	assert_ptr_equal(running_on(sim, 0), w);
	assert_ptr_equal(m.owner, &w->st);
	assert_int_equal(sched_wait_result(&w->st), 0);
	sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_classic_inversion),
		cmocka_unit_test(test_sc_lent_and_charged),
		cmocka_unit_test(test_weight_lent),
		cmocka_unit_test(test_lent_across_cpus),
		cmocka_unit_test(test_chain_and_cycle),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_owner_died),
		cmocka_unit_test(test_revoke_stops_lending),
		cmocka_unit_test(test_condition),
		cmocka_unit_test(test_barrier),
		cmocka_unit_test(test_chain_revoke),
		cmocka_unit_test(test_chain_revoke_while_blocked),
		cmocka_unit_test(test_every_band_lends),
		cmocka_unit_test(test_exit_with_call_and_lend),
		cmocka_unit_test(test_exit_hands_on_after_taking_its_sc),
		cmocka_unit_test(test_unrunnable_waiter_skipped),
		cmocka_unit_test(test_cond_cycle_refused),
		cmocka_unit_test(test_waiter_change_follows),
		cmocka_unit_test(test_sc_not_lent_outside_its_cpus),
		cmocka_unit_test(test_signal_races_timeout),
		cmocka_unit_test(test_r1_client_exit_leaves_borrower),
		cmocka_unit_test(test_r1b_revoke_frees_borrowed_slot),
		cmocka_unit_test(test_r2_skipped_waiters_lending_kept),
		cmocka_unit_test(test_r3_unlend_loses_other_lender),
		cmocka_unit_test(test_r4_affinity_widened_under_lent_sc),
		cmocka_unit_test(test_r1c_middle_exit_two_runners),
		cmocka_unit_test(test_r5_configure_chain_stops_early),
		cmocka_unit_test(test_r6_demoted_current_not_in_refill_wait),
		cmocka_unit_test(test_r9_owner_own_sc_revoked),
		cmocka_unit_test(test_own_sc_revoked_keeps_lent_refill_wait),
		cmocka_unit_test(test_r10_signal_consumed_by_unrunnable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
