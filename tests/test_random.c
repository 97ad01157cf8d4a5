/* SPDX-License-Identifier: MIT */
/*
 * test_random.c - random operation sequences on SMT machines of 2 and 4 CPUs, core
 * scheduling off and on, mixing wakes, blocks, IPC call/reply, hotplug, affinity, exits,
 * weights, cookies and SchedulingContexts (configure, bind, unbind, revoke, with every
 * overrun policy, so threads move between the classes and the refill wait). After every step:
 * the library's invariant checker, plus an independent count here that every live
 * runnable thread has exactly one owner (one queue slot or one CPU). At the end of each
 * sequence: accounting sums (groups = members, threads = CPUs' busy time). Now and then
 * the machine runs undisturbed for tens of ms, so the periodic balance rotates threads
 * between CPUs (balance.c) amid all of the above: each test asserts that it did.
 */
#include "simtest.h"

#include <stdlib.h>

#define MAX_THREADS 48
#define NR_SCS 6
#define SEQUENCES 500
#define STEPS 600

struct world {
	struct sim *sim;
	struct sched_group groups[3];
	struct sched_group_cpu gcpu[2][4]; /* groups 1 and 2 are fairness groups, 2 inside 1 */
	struct sim_thread *t[MAX_THREADS];
	struct sched_ref old[MAX_THREADS]; /* refs taken before an exit: must stay stale */
	unsigned n;
	struct sched_sc scs[NR_SCS];
	struct sched_refill rings[NR_SCS][4];
	struct sched_sc_cap cap[NR_SCS];   /* gen 0 and no slot: never created */
	bool made[NR_SCS];
	uint64_t rng;
};

static unsigned rnd(struct world *w, unsigned n)
{
	w->rng = w->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((w->rng >> 33) % n);
}

static struct sim_thread *any_thread(struct world *w)
{
	return w->t[rnd(w, w->n)];
}

static unsigned online_cpu(struct world *w)
{
	for (unsigned tries = 0;; tries++) {
		unsigned c = rnd(w, w->sim->cfg.cpus);

		if (w->sim->rq[c].online || tries > 64)
			return w->sim->rq[c].online ? c : 0;
	}
}

static void spawn(struct world *w)
{
	struct sched_thread_params p = { .nice = (int)rnd(w, 40) - 20,
					 .group = &w->groups[rnd(w, 3)] };

	if (w->n == MAX_THREADS)
		return;
	w->t[w->n] = sim_thread_new(w->sim, &p);
	assert_non_null(w->t[w->n]);
	w->n++;
}

static unsigned id_of(const struct sched_thread *t)
{
	return ((const struct sim_thread *)(const void *)t)->id - 1;
}

/*
 * Count where each thread is; every RUNNABLE one queued once (on a class, or in its CPU's
 * refill wait), every RUNNING one current once.
 */
static void check_ownership(struct world *w)
{
	struct sim *sim = w->sim;
	unsigned seen[MAX_THREADS] = { 0 };

	for (unsigned c = 0; c < sim->cfg.cpus; c++) {
		struct sched_rq *rq = &sim->rq[c];

		for (unsigned k = 0; k < SCHED_NR_CLASSES; k++) {
			const struct sched_class *cls = sim->sys.classes[k];

			for (struct sched_thread *t = cls->first(rq); t; t = cls->next(rq, t))
				seen[id_of(t)]++;
		}
		for (struct sched_rb_node *n = rq->sc_wait.leftmost; n; n = sched_rb_next(n)) {
			const struct sched_thread *t = sched_rb_entry(n, struct sched_thread, sc_node);

			if (t != rq->curr && !t->on_class) /* a demoted one is counted on its class */
				seen[id_of(t)]++;
		}
		if (rq->curr && !rq->curr->is_idle)
			seen[((struct sim_thread *)(void *)rq->curr)->id - 1]++;
	}
	for (unsigned i = 0; i < w->n; i++) {
		unsigned st = w->t[i]->st.state;
		unsigned want = st == SCHED_RUNNABLE || st == SCHED_RUNNING || st == SCHED_MIGRATING;

		if (st == SCHED_EXITED && seen[i] == 1) /* exited while running, pick due */
			want = 1;
		assert_int_equal(seen[i], want);
	}
}

static void on_cpu_op(struct world *w, unsigned op)
{
	struct sim *sim = w->sim;
	unsigned c = online_cpu(w);
	struct sched_thread *next;
	int r = 0;

	sim_enter(sim, c);
	switch (op) {
	case 0:
		r = sched_block(&sim->sys, c, &next);
		break;
	case 1:
		r = sched_sleep_until(&sim->sys, c, sim->now + rnd(w, 3000) * US, &next);
		break;
	case 2:
		r = sched_yield_cpu(&sim->sys, c, &next);
		break;
	default:
		r = (op == 3 ? sched_call : sched_reply)(&sim->sys, c, sched_ref_of(&any_thread(w)->st), &next);
		break;
	}
	/* ELENT: a reply to a caller whose SC is lent on; ENOSC, EDEPTH: SC donation limits */
	assert_true(r == 0 || r == -SCHED_ESTATE || r == -SCHED_ESTALE || r == -SCHED_EAFFINITY ||
		    r == -SCHED_ELENT || r == -SCHED_ENOSC || r == -SCHED_EDEPTH);
	if (r == 0)
		sim_switch(sim, c, next);
}

static void hotplug_op(struct world *w)
{
	struct sim *sim = w->sim;
	unsigned c = rnd(w, w->sim->cfg.cpus);
	int r;

	if (sim->rq[c].online) {
		sim_enter(sim, online_cpu(w));
		r = sched_cpu_offline(&sim->sys, c);
		assert_true(r == 0 || r == -SCHED_ELAST_CPU || r == -SCHED_EPINNED ||
			    r == -SCHED_EAGAIN);
		if (r == 0 && !sim->rq[c].online)
			assert_int_equal(sim->rq[c].nr_queued, 0);
	} else {
		sim_enter(sim, c);
		assert_int_equal(sched_cpu_online(&sim->sys, c, &sim->cpu[c].idle), 0);
		sim_resched(sim, c);
	}
}

static void affinity_op(struct world *w)
{
	struct sim_thread *t = any_thread(w);
	sched_cpumask_t m;
	int r;

	sched_cpumask_clear(&m);
	do
		sched_cpumask_set(&m, rnd(w, w->sim->cfg.cpus));
	while (rnd(w, 2));
	sim_enter(w->sim, online_cpu(w));
	r = sched_set_affinity(&w->sim->sys, sched_ref_of(&t->st), &m);
	assert_true(r == 0 || r == -SCHED_ESTALE || r == -SCHED_EAFFINITY);
}

static void exit_op(struct world *w)
{
	struct sim_thread *t = any_thread(w);
	unsigned i = t->id - 1;

	sim_enter(w->sim, online_cpu(w));
	w->old[i] = sched_ref_of(&t->st);
	if (sched_exit(&w->sim->sys, w->old[i]) == 0)
		spawn(w);
}

/* Core scheduling on: a thread gets a fresh cookie, another's, or none. */
static void cookie_op(struct world *w)
{
	struct sched_sys *sys = &w->sim->sys;
	struct sched_ref t = sched_ref_of(&any_thread(w)->st);
	int r;

	sim_enter(w->sim, online_cpu(w));
	switch (rnd(w, 3)) {
	case 0:
		r = sched_core_create(sys, sched_auth_root(sys), t, SCHED_CORE_THREAD);
		break;
	case 1:
		r = sched_core_share(sys, sched_auth_root(sys), sched_ref_of(&any_thread(w)->st), t,
				     SCHED_CORE_THREAD);
		break;
	default:
		r = sched_core_clear(sys, sched_auth_root(sys), t, SCHED_CORE_THREAD);
		break;
	}
	assert_true(r == 0 || r == -SCHED_ESTALE);
}

/* Budget 0.1 .. 4 ms of a 1 .. 8 ms period on the online CPUs, any overrun policy. */
static int sc_configure(struct world *w, unsigned i)
{
	struct sim *sim = w->sim;
	uint64_t period = (1 + rnd(w, 8)) * MS;
	struct sched_sc_params p = { .period_ns = period,
				     .budget_ns = period / (1 + rnd(w, 10)),
				     .overrun = (uint8_t)rnd(w, 3),
				     .dispatch = (uint8_t)rnd(w, 2) };

	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (sim->rq[c].online)
			sched_cpumask_set(&p.cpus, c);
	return sched_sc_configure(&sim->sys, sched_auth_root(&sim->sys), w->cap[i], &p);
}

/*
 * SchedulingContexts: create and configure, reconfigure, bind to any thread, unbind,
 * revoke. Each refusal must be one of the codes its entry documents for that situation.
 */
static void sc_op(struct world *w)
{
	struct sched_sys *sys = &w->sim->sys;
	unsigned i = rnd(w, NR_SCS);
	int r;

	sim_enter(w->sim, online_cpu(w));
	if (!w->made[i]) {
		assert_int_equal(sched_sc_create(sys, NULL, w->rings[i], 4, &w->cap[i]), 0);
		w->made[i] = true;
		r = sc_configure(w, i);
		assert_true(r == 0 || r == -SCHED_ECPU);
		return;
	}
	switch (rnd(w, 4)) {
	case 0: /* EACTIVE: its holder runs or is runnable; EAFFINITY: the holder may run on a
		 * CPU outside the new set (an offline one) */
		r = sc_configure(w, i);
		assert_true(r == 0 || r == -SCHED_EACTIVE || r == -SCHED_ECPU ||
			    r == -SCHED_EAFFINITY);
		break;
	case 1:
		r = sched_sc_bind(sys, w->cap[i], sched_ref_of(&any_thread(w)->st));
		assert_true(r == 0 || r == -SCHED_ESTALE || r == -SCHED_EBOUND ||
			    r == -SCHED_ESTATE || r == -SCHED_EAFFINITY);
		break;
	case 2:
		r = sched_sc_unbind(sys, w->cap[i]);
		assert_true(r == 0 || r == -SCHED_ESTATE || r == -SCHED_ELENT);
		break;
	default:
		assert_int_equal(sched_sc_revoke(sys, w->cap[i]), 0);
		w->made[i] = false;
		break;
	}
}

/* A new weight or latency class for any thread, whatever its state. */
static void fair_op(struct world *w)
{
	struct sched_fair_params p = { .nice = (int)rnd(w, 40) - 20,
				       .slice_ns = rnd(w, 2) ? 0 : (100 + rnd(w, 5000)) * US };
	int r;

	sim_enter(w->sim, online_cpu(w));
	r = sched_set_fair(&w->sim->sys, sched_auth_root(&w->sim->sys),
			   sched_ref_of(&any_thread(w)->st), &p);
	assert_true(r == 0 || r == -SCHED_ESTALE);
}

/* A fixed priority (FIFO or RR, 1..99) or back to fair, for any thread in any state: the
 * class change of a queued, current, SC-holding or blocked thread, push and pull. */
static void rt_op(struct world *w)
{
	unsigned policy = rnd(w, 3);
	struct sched_rt_params p = { .policy = (uint8_t)policy, .prio = (uint8_t)(policy ? 1 + rnd(w, 99) : 0) };
	int r;

	sim_enter(w->sim, online_cpu(w));
	r = sched_set_rt(&w->sim->sys, sched_auth_root(&w->sim->sys),
			 sched_ref_of(&any_thread(w)->st), &p);
	assert_true(r == 0 || r == -SCHED_ESTALE);
}

static void step(struct world *w)
{
	struct sim *sim = w->sim;
	unsigned op = rnd(w, 15);
	int r;

	switch (op) {
	case 0: case 1: case 2:
		sim_enter(sim, online_cpu(w));
		r = sched_wake(&sim->sys, sched_ref_of(&any_thread(w)->st), (enum sched_wake_reason)rnd(w, SCHED_WAKE_NR));
		/* ELENT: its SC is lent to a server (only the reply resumes it); ENOSC: its SC
		 * was revoked under a throttle or notify policy, so it runs only on an SC now */
		assert_true(r == 0 || r == -SCHED_ESTATE || r == -SCHED_ESTALE || r == -SCHED_EAFFINITY ||
			    r == -SCHED_ELENT || r == -SCHED_ENOSC);
		if (sched_need_resched(&sim->sys, sim->cur_cpu))
			sim_resched(sim, sim->cur_cpu);
		break;
	case 3: case 4: case 5: case 6:
		on_cpu_op(w, rnd(w, 5));
		break;
	case 7:
		exit_op(w);
		break;
	case 8:
		affinity_op(w);
		break;
	case 9:
		hotplug_op(w);
		break;
	case 10:
		sim_resched(sim, online_cpu(w));
		break;
	case 11:
		if (rnd(w, 2))
			fair_op(w);
		else
			rt_op(w);
		break;
	case 12:
		if (sim->cfg.core_sched)
			cookie_op(w);
		break;
	case 13:
		sc_op(w);
		break;
	default: {
		uint64_t d = rnd(w, 4000) * US;

		/* one run in 16 gets a quiet stretch of 20 .. 60 ms more, time for the periodic
		 * balance (every 4 ms) to see a progress gap between CPUs grow past fair_spread_ns
		 * (16 ms) and rotate a thread, which runs of at most 4 ms between ops seldom allow */
		if (rnd(w, 16) == 0)
			d += (20 + rnd(w, 40)) * MS;
		sim_run_until(sim, sim->now + d);
		break;
	}
	}
	settle(sim);
	check_ownership(w);
}

/* Stale refs from before an exit fail closed, whatever happened since. */
static void check_stale_refs(struct world *w)
{
	for (unsigned i = 0; i < w->n; i++)
		if (w->old[i].t)
			assert_int_equal(sched_wake(&w->sim->sys, w->old[i], SCHED_WAKE_PARK), -SCHED_ESTALE);
}

static void check_ledgers(struct world *w)
{
	struct sim *sim = w->sim;
	uint64_t group_sum[3] = { 0 }, threads = 0, busy = 0;

	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (sim->rq[c].online)
			sim_resched(sim, c); /* a charge point on every CPU */
	for (unsigned i = 0; i < w->n; i++) {
		uint64_t rt = w->t[i]->st.acct.v[SCHED_ACCT_RUNTIME];

		threads += rt;
		for (struct sched_group *g = w->t[i]->st.group; g; g = g->parent)
			group_sum[g - w->groups] += rt; /* a group's totals include its subgroups' */
	}
	for (unsigned g = 0; g < 3; g++)
		assert_int_equal(w->groups[g].acct.v[SCHED_ACCT_RUNTIME], group_sum[g]);
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		busy += sched_cpu_counter(&sim->sys, c, SCHED_CNT_BUSY_NS);
	assert_int_equal(threads, busy);
}

/* SEQUENCES, or RANDOM_SEQUENCES from the environment for a longer search. */
static uint64_t sequences(void)
{
	const char *e = getenv("RANDOM_SEQUENCES");

	return e ? strtoull(e, NULL, 10) : SEQUENCES;
}

/* Threads the periodic balance rotated, over all CPUs of the machine. */
static uint64_t rotations(struct sim *sim)
{
	uint64_t n = 0;

	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		n += sched_cpu_counter(&sim->sys, c, SCHED_CNT_ROTATIONS);
	return n;
}

/*
 * `cpus` CPUs, `policy` (NULL: eevdf), core scheduling on or off, SMT width `smt`. Returns
 * the rotations over all the sequences.
 */
static uint64_t run_sequences(unsigned cpus, const char *policy, bool core_sched, unsigned smt)
{
	uint64_t rot = 0, with_rot = 0, n = sequences();

	for (uint64_t seed = 1; seed <= n; seed++) {
		struct world w = { .rng = seed };
		struct sim_config cfg = { .cpus = cpus, .smt = smt, .seed = seed,
					  .policy = policy, .core_sched = core_sched,
					  .ipi_latency_ns = seed % 3 ? 0 : 20 * US };

		w.sim = sim_new(&cfg);
		w.sim->check_each_step = true;
		assert_int_equal(sched_sc_pool(&w.sim->sys, w.scs, NR_SCS), 0);
		sched_group_init(&w.sim->sys, &w.groups[0], &(struct sched_group_params){ .id = 0 });
		for (unsigned g = 1; g < 3; g++)
			assert_int_equal(sched_group_init(&w.sim->sys, &w.groups[g],
				&(struct sched_group_params){ .id = g, .weight = 512 * g,
							      .parent = g == 2 ? &w.groups[1] : NULL,
							      .pcpu = w.gcpu[g - 1] }), 0);
		for (unsigned i = 0; i < 12; i++)
			spawn(&w);
		for (unsigned s = 0; s < STEPS; s++)
			step(&w);
		check_stale_refs(&w);
		check_ledgers(&w);
		with_rot += rotations(w.sim) > 0;
		rot += rotations(w.sim);
		sim_free(w.sim);
	}
	printf("# %u cpus, %s%s: %llu rotations, in %llu of %llu sequences\n", cpus,
	       policy ? policy : "eevdf", core_sched ? ", core scheduling" : "",
	       (unsigned long long)rot, (unsigned long long)with_rot, (unsigned long long)n);
	return rot;
}

/* The sequences did rotate threads (a shorter search, RANDOM_SEQUENCES, need not). */
static void check_rotated(uint64_t rot)
{
	if (sequences() >= SEQUENCES)
		assert_true(rot > 0);
}

static void random_sequences_keep_one_owner_per_runnable_thread(void **state)
{
	(void)state;
	check_rotated(run_sequences(4, NULL, false, 2));
}

static void the_same_with_core_scheduling(void **state)
{
	uint64_t rot;

	(void)state;
	rot = run_sequences(4, NULL, true, 2);
	rot += run_sequences(2, NULL, true, 2);
	check_rotated(rot);
}

static void the_same_with_rr_and_core_scheduling(void **state)
{
	uint64_t rot;

	(void)state;
	rot = run_sequences(4, "rr", true, 2);
	rot += run_sequences(2, "rr", true, 2);
	check_rotated(rot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_sequences_keep_one_owner_per_runnable_thread),
		cmocka_unit_test(the_same_with_core_scheduling),
		cmocka_unit_test(the_same_with_rr_and_core_scheduling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
