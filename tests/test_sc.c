/* SPDX-License-Identifier: MIT */
/*
 * test_sc.c - SchedulingContexts on the simulated machine, invariant checker after every
 * event: validation, budget enforcement with exact figures, replenishment timing, overrun
 * policies, notifications, donation chains and their failure cases, fail-closed revoke,
 * and random sequences that keep the refill invariants and the bandwidth bound.
 */
#include "simtest.h"

#include <stdlib.h>

#define S (1000 * MS)

static struct sched_sc pool[4096];

/* The machine's SC pool: the simulator may have given one already (schedsim does). */
static void give_pool(struct sim *sim)
{
	if (!sim->sys.scs)
		assert_int_equal(sched_sc_pool(&sim->sys, pool, 4096), 0);
}

static struct sched_sc_params params(uint64_t budget, uint64_t period, unsigned cpus)
{
	struct sched_sc_params p = { .budget_ns = budget, .period_ns = period };

	sched_cpumask_fill(&p.cpus, cpus);
	return p;
}

/* Every refill ring make_sc allocated: an SC uses its ring until its machine is freed, so
 * they are all freed together once the tests are done (free_rings). */
static struct sched_refill **rings;
static size_t nr_rings;

static int free_rings(void **state)
{
	(void)state;
	for (size_t i = 0; i < nr_rings; i++)
		free(rings[i]);
	free(rings);
	rings = NULL;
	nr_rings = 0;
	return 0;
}

/* A configured SC (sporadic, THROTTLE unless p says otherwise) with its own refill ring. */
static struct sched_sc_cap make_sc(struct sim *sim, const struct sched_sc_params *p,
				   struct sched_group *owner)
{
	struct sched_refill *ring = calloc(16, sizeof(*ring));
	struct sched_refill **more = realloc(rings, (nr_rings + 1) * sizeof(*rings));
	struct sched_sc_cap cap;

	assert_non_null(ring);
	assert_non_null(more);
	rings = more;
	rings[nr_rings++] = ring;
	give_pool(sim);
	assert_int_equal(sched_sc_create(&sim->sys, owner, ring, 16, &cap), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, sched_auth_root(&sim->sys), cap, p), 0);
	return cap;
}

static struct sim_thread *sc_thread(struct sim *sim, struct sched_sc_cap cap)
{
	struct sim_thread *t = hand_thread(sim, 0, 0, NULL);

	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&t->st)), 0);
	return t;
}

static struct sched_sc_stats stats(struct sim *sim, struct sched_sc_cap cap)
{
	struct sched_sc_stats st;

	assert_int_equal(sched_sc_stats(&sim->sys, cap, &st), 0);
	return st;
}

static unsigned sched__cpu_online_count(struct sim *sim)
{
	unsigned n = 0;

	for (unsigned c = 0; c < sim->sys.nr_cpus; c++)
		n += sim->sys.rq[c].online;
	return n;
}

static uint64_t runtime(struct sim_thread *t)
{
	return acct(t, SCHED_ACCT_RUNTIME);
}

/* The current thread of cpu calls `server` (direct handoff, donation if it applies). */
/* --- validation ------------------------------------------------------------------------- */

static void test_configure_validation(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sched_refill ring[4], one[1];
	struct sched_sc_cap cap, cap1;
	struct sched_sc_params p = params(2 * MS, 10 * MS, 2);
	struct sched_authority narrow;
	sched_cpumask_t cpu0;
	struct sim_thread *t = hand_thread(sim, 0, 0, NULL);

	(void)state;
	give_pool(sim);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, ring, 4, &cap), 0);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, one, 1, &cap1), 0);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, ring, 0, &cap), -SCHED_EINVAL);
	/* unconfigured: cannot be bound */
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&t->st)), -SCHED_ESTATE);

	struct { uint64_t b, per, d; int err; } bad[] = {
		{ 3 * MS, 2 * MS, 0, -SCHED_EINVAL },        /* budget > period */
		{ 2 * MS, 10 * MS, 11 * MS, -SCHED_EINVAL }, /* deadline > period */
		{ 2 * MS, 10 * MS, 1 * MS, -SCHED_EINVAL },  /* deadline < budget */
		{ 2 * MS, 0, 0, -SCHED_EINVAL },             /* zero period */
		{ SCHED_SC_BUDGET_MIN_NS - 1, 10 * MS, 0, -SCHED_EINVAL }, /* under the minimum */
		{ 2 * MS, SCHED_SC_PERIOD_MAX_NS + 1, 0, -SCHED_EINVAL },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sched_sc_params q = params(bad[i].b, bad[i].per, 2);

		q.deadline_ns = bad[i].d;
		assert_int_equal(sched_sc_configure(&sim->sys, sched_auth_root(&sim->sys), cap, &q),
				 bad[i].err);
	}
	/* a sporadic server needs room for at least two refills unless budget == period */
	assert_int_equal(sched_sc_configure(&sim->sys, sched_auth_root(&sim->sys), cap1, &p),
			 -SCHED_EINVAL);
	p.mode = SCHED_SC_CBS;
	assert_int_equal(sched_sc_configure(&sim->sys, sched_auth_root(&sim->sys), cap1, &p), 0);
	p.mode = SCHED_SC_SPORADIC;
	/* empty mask, offline CPU */
	struct sched_sc_params q = p;
	sched_cpumask_clear(&q.cpus);
	assert_int_equal(sched_sc_configure(&sim->sys, sched_auth_root(&sim->sys), cap, &q), -SCHED_EINVAL);
	sim_enter(sim, 0);
	assert_int_equal(sched_cpu_offline(&sim->sys, 1), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, sched_auth_root(&sim->sys), cap, &p), -SCHED_ECPU);
	/* nothing changed by any of those: still unconfigured */
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&t->st)), -SCHED_ESTATE);
	/* control authority: only over its CPUs, and only with SC_CONTROL */
	sched_cpumask_clear(&cpu0);
	sched_cpumask_set(&cpu0, 0);
	assert_int_equal(sched_auth_derive(&narrow, sched_auth_root(&sim->sys), SCHED_RIGHT_SC_CONTROL,
					   NULL, &cpu0), 0);
	struct sched_auth tok = { &narrow, narrow.gen };
	q = params(2 * MS, 10 * MS, 2);
	assert_int_equal(sched_sc_configure(&sim->sys, tok, cap, &q), -SCHED_EPERM);
	q.cpus = cpu0;
	assert_int_equal(sched_sc_configure(&sim->sys, tok, cap, &q), 0);
	/* a configure right is needed on the capability */
	assert_int_equal(sched_sc_configure(&sim->sys, tok, sched_sc_cap_restrict(cap, SCHED_SC_BIND), &q),
			 -SCHED_EPERM);
	assert_int_equal(sched_auth_revoke(tok), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, tok, cap, &q), -SCHED_ESTALE);
	sim_free(sim);
}

/* --- enforcement ------------------------------------------------------------------------- */

/* 2 ms / 10 ms against a fair hog on one CPU: exactly 20%, and no more. */
static void test_twenty_percent(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_params p = params(2 * MS, 10 * MS, 1);
	struct sched_sc_cap cap;
	struct sim_thread *a, *f;

	(void)state;
	p.endpoint = 7;
	cap = make_sc(sim, &p, NULL);
	a = sc_thread(sim, cap);
	f = hand_thread(sim, 0, 0, NULL);
	wake_from(sim, 0, f);
	wake_from(sim, 0, a);
	assert_ptr_equal(running_on(sim, 0), a); /* EDF above fair: preempts at once */
	advance(sim, S);
	assert_int_equal(runtime(a), 200 * MS);
	assert_int_equal(runtime(f), 800 * MS);
	assert_int_equal(stats(sim, cap).consumed_ns, 200 * MS);
	/* one notification per depletion, to the SC's endpoint, naming the thread */
	assert_int_equal(stats(sim, cap).depletions, 100);
	assert_int_equal(stats(sim, cap).notifications, 100);
	assert_int_equal(sim->notifications, 100);
	assert_int_equal(sim->last_endpoint, 7);
	assert_int_equal(sim->last_message,
			 sched_sc_message(SCHED_SC_MSG_DEPLETED, cap.index, a->st.id));
	assert_int_equal(stats(sim, cap).max_overrun_ns, 0); /* the simulated timer is exact */
	/* it waited 8 ms per period for its refills (the last refill lands at 1 s) */
	assert_int_equal(stats(sim, cap).throttled_ns, 800 * MS);
	sim_free(sim);
}

/* Alone on its CPU: runs 2 ms, idles until the refill, runs again at 10 ms. */
static void test_replenishment_timing(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_params p = params(2 * MS, 10 * MS, 1);
	struct sched_sc_cap cap = make_sc(sim, &p, NULL);
	struct sim_thread *a = sc_thread(sim, cap);

	(void)state;
	wake_from(sim, 0, a);
	advance(sim, 2 * MS);
	assert_int_equal(runtime(a), 2 * MS);
	assert_null(running_on(sim, 0));
	advance(sim, 7 * MS); /* 9 ms */
	assert_int_equal(runtime(a), 2 * MS);
	advance(sim, 1 * MS); /* 10 ms: refill */
	assert_ptr_equal(running_on(sim, 0), a);
	advance(sim, 3 * MS); /* 13 ms */
	assert_int_equal(runtime(a), 4 * MS);
	/* block at 15 ms after a 1 ms job: the refill of that 1 ms comes at 30 ms */
	advance(sim, 7 * MS);    /* 20 ms: third period starts */
	advance(sim, 1 * MS);    /* 21 ms: 1 ms used */
	assert_int_equal(block_on(sim, 0), 0);
	advance(sim, 3 * MS);    /* 24 ms: wakes with 1 ms left */
	wake_from(sim, 0, a);
	advance(sim, 2 * MS);    /* uses 1 ms, then throttled until 30 ms */
	assert_int_equal(runtime(a), 6 * MS);
	assert_null(running_on(sim, 0));
	advance(sim, 4 * MS);    /* 30 ms: the first 1 ms is back */
	assert_ptr_equal(running_on(sim, 0), a);
	sim_free(sim);
}

/* budget == period is round robin among EDF peers; it never throttles. */
static void test_round_robin(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_params p = params(5 * MS, 5 * MS, 1);
	struct sched_sc_cap c1 = make_sc(sim, &p, NULL), c2 = make_sc(sim, &p, NULL);
	struct sim_thread *a = sc_thread(sim, c1), *b = sc_thread(sim, c2);
	struct sim_thread *f = hand_thread(sim, 0, 0, NULL);

	(void)state;
	wake_from(sim, 0, f);
	wake_from(sim, 0, a);
	wake_from(sim, 0, b);
	advance(sim, 100 * MS);
	assert_int_equal(runtime(a) + runtime(b), 100 * MS);
	assert_true(runtime(a) >= 45 * MS && runtime(a) <= 55 * MS);
	assert_int_equal(runtime(f), 0);
	assert_int_equal(stats(sim, c1).depletions, 0);
	sim_free(sim);
}

/* CBS: the same 20% as Linux SCHED_DEADLINE would give. */
static void test_cbs(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_params p = params(2 * MS, 10 * MS, 1);
	struct sched_sc_cap cap;
	struct sim_thread *a, *f;

	(void)state;
	p.mode = SCHED_SC_CBS;
	cap = make_sc(sim, &p, NULL);
	a = sc_thread(sim, cap);
	f = hand_thread(sim, 0, 0, NULL);
	wake_from(sim, 0, f);
	wake_from(sim, 0, a);
	advance(sim, S);
	assert_int_equal(runtime(a), 200 * MS);
	assert_int_equal(runtime(f), 800 * MS);
	sim_free(sim);
}

/* DEMOTE: past its budget it competes as a fair thread until the refill. */
static void test_demote(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_params p = params(2 * MS, 10 * MS, 1);
	struct sched_sc_cap cap;
	struct sim_thread *a, *f;

	(void)state;
	p.overrun = SCHED_SC_DEMOTE;
	cap = make_sc(sim, &p, NULL);
	a = sc_thread(sim, cap);
	f = hand_thread(sim, 0, 0, NULL);
	wake_from(sim, 0, f);
	wake_from(sim, 0, a);
	advance(sim, S);
	/* 20% budgeted, then about half of the other 80% as an equal-weight fair thread */
	assert_int_equal(stats(sim, cap).consumed_ns, 200 * MS);
	assert_true(runtime(a) > 560 * MS && runtime(a) < 640 * MS);
	assert_int_equal(runtime(a) + runtime(f), S);
	sim_free(sim);
}

static struct sim_thread *to_wake;

/* NOTIFY_BLOCK: the thread blocks at depletion; the handler (the test) wakes it later. */
static void test_notify_block(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_params p = params(2 * MS, 10 * MS, 1);
	struct sched_sc_cap cap;
	struct sim_thread *a, *f;

	(void)state;
	p.overrun = SCHED_SC_NOTIFY_BLOCK;
	p.endpoint = 3;
	cap = make_sc(sim, &p, NULL);
	a = sc_thread(sim, cap);
	f = hand_thread(sim, 0, 0, NULL);
	wake_from(sim, 0, f);
	wake_from(sim, 0, a);
	advance(sim, 5 * MS);
	assert_int_equal(sim->notifications, 1);
	assert_int_equal(a->st.state, SCHED_BLOCKED);
	assert_int_equal(runtime(a), 2 * MS);
	/* woken before the refill: it waits (throttled) until 10 ms */
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_ptr_equal(running_on(sim, 0), f);
	advance(sim, 5 * MS);
	assert_ptr_equal(running_on(sim, 0), a);
	advance(sim, 10 * MS);
	assert_int_equal(sim->notifications, 2); /* once per depletion */
	assert_int_equal(runtime(a), 4 * MS);
	(void)to_wake;
	sim_free(sim);
}


/* The pure budget arithmetic (libsched/refill.c), internal to the library. */
int sched__refill_charge(struct sched_sc *sc, uint64_t used, sched_time_t now);
uint64_t sched__refill_avail(const struct sched_sc *sc, sched_time_t now);
sched_time_t sched__refill_next(const struct sched_sc *sc);

/*
 * A depletion timer that fires `late` ns late, every period: the overrun is paid back from
 * the next refills, so over 100 periods a spinning holder gets 100 budgets plus one
 * overrun, not 100 overruns more (the x86_64 suite found the latter under a busy host).
 */
static void test_overrun_paid_back(void **state)
{
	static const uint64_t lateness[] = { 0, 200 * US, 1 * MS, 25 * MS };

	(void)state;
	for (unsigned k = 0; k < 4; k++) {
		struct sim *sim = machine(1, 1);
		struct sched_sc_params p = params(2 * MS, 10 * MS, 1);
		struct sched_sc_cap cap = make_sc(sim, &p, NULL);
		struct sched_sc *sc = &sim->sys.scs[cap.index];
		sched_time_t now = sim->now, end = now + 100 * p.period_ns;
		uint64_t got = 0;

		for (unsigned step = 0; step < 10000 && sched_time_before(now, end); step++) {
			uint64_t avail = sched__refill_avail(sc, now);

			if (!avail) {
				now = sched__refill_next(sc); /* throttled until the refill */
				continue;
			}
			sched__refill_charge(sc, avail + lateness[k], now + avail + lateness[k]);
			now += avail + lateness[k];
			got += avail + lateness[k];
		}
		assert_true(got <= 100 * p.budget_ns + 2 * lateness[k] + p.budget_ns);
		assert_true(got >= 98 * p.budget_ns);
		assert_int_equal(sc->stats.max_overrun_ns, lateness[k]);
		sim_free(sim);
	}
}

/*
 * A stale head refill: the holder of a 0.5 ms / 1 ms SC is kept off its CPU for 1 s while
 * its budget is usable (here a 1 s IRQ handler, not charged to it, as a host stall or a
 * long preemption would be), then runs on against a fair hog. Each chunk it consumes must
 * not come back at an instant already past: in any run of whole periods after that it gets
 * at most a budget per period plus one budget (the first chunk's, activated before the
 * stall; Sprunt's bound), not the whole CPU until the refill instants catch up with now.
 */
static void test_stale_head(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_params p = params(500 * US, 1 * MS, 1);
	struct sched_sc_cap cap = make_sc(sim, &p, NULL);
	struct sim_thread *a = sc_thread(sim, cap), *f = hand_thread(sim, 0, 0, NULL);
	uint64_t before, total = 0;

	(void)state;
	wake_from(sim, 0, f);
	wake_from(sim, 0, a);
	advance(sim, 200 * US);
	assert_ptr_equal(running_on(sim, 0), a);
	/* the handler: every event of CPU 0 waits for its end (sim.c, handle) */
	sim_enter(sim, 0);
	sim->cpu[0].irq_start = sim->now;
	sim->cpu[0].irq_until = sim->now + S;
	sched_irq_enter(&sim->sys, 0);
	advance(sim, S);
	assert_int_equal(sim->cpu[0].irq_until, 0);
	assert_int_equal(stats(sim, cap).consumed_ns, 200 * US);
	for (unsigned w = 0; w < 5; w++) {
		before = stats(sim, cap).consumed_ns;
		advance(sim, 10 * MS);
		print_message("stale head: window %u: %llu ns of %llu\n", w,
			      (unsigned long long)(stats(sim, cap).consumed_ns - before),
			      (unsigned long long)(10 * MS));
		total += stats(sim, cap).consumed_ns - before;
		assert_true(stats(sim, cap).consumed_ns - before <= 10 * p.budget_ns + p.budget_ns);
	}
	assert_true(total <= 50 * p.budget_ns + p.budget_ns);
	assert_true(total >= 49 * p.budget_ns);
	assert_true(runtime(f) > 0);
	sim_free(sim);
}

/*
 * The same at the level of the refill arithmetic: budget usable since 0, first used after a
 * stall of `stall` (preempted, forced idle, a stalled host), in charges of at most `tick`
 * (past the budget: a late timer). In no window of one period from then on does it get more
 * than two budgets (the first chunk's, activated before the stall, and one more), plus one
 * charge past the end of the budget for a late timer.
 */
static void test_stale_head_charges(void **state)
{
	static const uint64_t tick[] = { 500 * US, 100 * US, 37 * US, 3 * MS };
	static const struct { uint64_t b, per; } bp[] = {
		{ 500 * US, 1 * MS }, { 100 * US, 1 * MS }, { 900 * US, 1 * MS }, { 20 * US, 1 * MS },
	};
	static const uint64_t stall[] = { 1000 * MS, 1500 * US, 2500 * US, 999 * US, 10 * MS + 7 * US };
	static sched_time_t on[4096], off[4096];

	(void)state;
	for (unsigned k = 0; k < 4; k++)
	for (unsigned q = 0; q < 4; q++)
	for (unsigned z = 0; z < 5; z++) {
		struct sim *sim = machine(1, 1);
		struct sched_sc_params p = params(bp[q].b, bp[q].per, 1);
		struct sched_sc_cap cap = make_sc(sim, &p, NULL);
		struct sched_sc *sc = &sim->sys.scs[cap.index];
		sched_time_t start = sim->now + stall[z], now = start;
		uint64_t worst = 0;
		size_t n = 0;

		while (n < 4096 && sched_time_before(now, start + 20 * p.period_ns)) {
			uint64_t avail = sched__refill_avail(sc, now), run = avail;

			if (!avail) {
				now = sched__refill_next(sc);
				continue;
			}
			if (run > tick[k] || tick[k] > p.budget_ns)
				run = tick[k]; /* a late timer when tick > budget */
			sched__refill_charge(sc, run, now + run);
			on[n] = now;
			off[n++] = now + run;
			now += run;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t sum = 0;

			for (size_t j = i; j < n && on[j] < on[i] + p.period_ns; j++)
				sum += (off[j] < on[i] + p.period_ns ? off[j] : on[i] + p.period_ns) - on[j];
			if (sum > worst)
				worst = sum;
		}
		if (worst > 2 * p.budget_ns + (tick[k] > p.budget_ns ? tick[k] : 0))
			fail_msg("budget %llu period %llu stall %llu tick %llu: %llu in one period",
				 (unsigned long long)p.budget_ns, (unsigned long long)p.period_ns,
				 (unsigned long long)stall[z], (unsigned long long)tick[k],
				 (unsigned long long)worst);
		sim_free(sim);
	}
}

/* --- donation ------------------------------------------------------------------------------ */

static struct sim_thread *passive_thread(struct sim *sim)
{
	struct sched_thread_params tp = { .passive = true };
	struct sim_thread *t = sim_thread_new(sim, &tp);

	assert_non_null(t);
	return t;
}

static void test_donation_chain(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_params p = params(2 * MS, 10 * MS, 1);
	struct sched_sc_cap cap = make_sc(sim, &p, NULL);
	struct sim_thread *a = sc_thread(sim, cap);
	struct sim_thread *b = passive_thread(sim), *c = passive_thread(sim);
	struct sim_thread *f = hand_thread(sim, 0, 0, NULL);

	(void)state;
	/* a passive thread without an SC cannot be woken */
	assert_int_equal(sched_wake(&sim->sys, sched_ref_of(&b->st), SCHED_WAKE_PARK), -SCHED_ENOSC);
	wake_from(sim, 0, f);
	wake_from(sim, 0, a);
	advance(sim, 500 * US);
	assert_int_equal(call_from(sim, 0, b, false), 0); /* A calls B: B runs on A's SC */
	assert_ptr_equal(running_on(sim, 0), b);
	assert_ptr_equal(b->st.sc, &sim->sys.scs[cap.index]);
	advance(sim, 500 * US);
	assert_int_equal(call_from(sim, 0, c, false), 0); /* B calls C */
	assert_ptr_equal(running_on(sim, 0), c);
	/* the callers wait for their replies: a plain wake cannot resume them */
	assert_int_equal(sched_wake(&sim->sys, sched_ref_of(&a->st), SCHED_WAKE_PARK), -SCHED_ELENT);
	assert_int_equal(sched_wake(&sim->sys, sched_ref_of(&b->st), SCHED_WAKE_PARK), -SCHED_ELENT);
	/* a reply that skips a link moves no SC and cannot resume A either */
	assert_int_equal(call_from(sim, 0, a, true), -SCHED_ELENT);
	assert_ptr_equal(running_on(sim, 0), c);
	advance(sim, 500 * US);
	assert_int_equal(call_from(sim, 0, b, true), 0);  /* C replies to B */
	assert_ptr_equal(running_on(sim, 0), b);
	assert_null(c->st.sc);
	advance(sim, 200 * US);
	assert_int_equal(call_from(sim, 0, a, true), 0);  /* B replies to A */
	assert_ptr_equal(running_on(sim, 0), a);
	assert_ptr_equal(a->st.sc, &sim->sys.scs[cap.index]);
	/* the chain charged A's SC for everyone: 0.5 + 0.5 + 0.5 + 0.2 ms */
	assert_int_equal(stats(sim, cap).consumed_ns, 1700 * US);
	assert_int_equal(runtime(b), 700 * US);
	assert_int_equal(runtime(c), 500 * US);
	/* and the budget still ends on time: 0.3 ms more for A */
	advance(sim, 300 * US);
	assert_ptr_equal(running_on(sim, 0), f);
	assert_int_equal(stats(sim, cap).depletions, 1);
	/* a fair caller cannot wake a passive server: nothing to run on */
	assert_int_equal(call_from(sim, 0, b, false), -SCHED_ENOSC);
	assert_ptr_equal(running_on(sim, 0), f);
	sim_free(sim);
}

/* The server runs out of the donated budget: a timeout message, and it is throttled. */
static void test_donated_timeout(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_params p = params(2 * MS, 10 * MS, 1);
	struct sched_sc_cap cap;
	struct sim_thread *a, *b, *f;

	(void)state;
	p.endpoint = 9;
	cap = make_sc(sim, &p, NULL);
	a = sc_thread(sim, cap);
	b = passive_thread(sim);
	f = hand_thread(sim, 0, 0, NULL);
	wake_from(sim, 0, f);
	wake_from(sim, 0, a);
	assert_int_equal(call_from(sim, 0, b, false), 0);
	advance(sim, 3 * MS); /* the reply never comes */
	assert_ptr_equal(running_on(sim, 0), f);
	assert_int_equal(sim->last_message, sched_sc_message(SCHED_SC_MSG_TIMEOUT, cap.index, b->st.id));
	advance(sim, 8 * MS); /* the server continues on the refill, still A's SC */
	assert_int_equal(runtime(b), 3 * MS);
	assert_int_equal(stats(sim, cap).consumed_ns, 3 * MS);
	sim_free(sim);
}

/* The server exits mid-call: the SC goes back to the caller, which can run again. */
static void test_server_exit(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_params p = params(2 * MS, 10 * MS, 1);
	struct sched_sc_cap cap = make_sc(sim, &p, NULL);
	struct sim_thread *a = sc_thread(sim, cap), *b = passive_thread(sim), *c = passive_thread(sim);
	struct sim_thread *f = hand_thread(sim, 0, 0, NULL);

	(void)state;
	wake_from(sim, 0, f);
	wake_from(sim, 0, a);
	assert_int_equal(call_from(sim, 0, b, false), 0);
	assert_int_equal(call_from(sim, 0, c, false), 0);
	/* the middle of the chain exits: C loses the SC (passive: blocks), A gets it back */
	sim_enter(sim, 0);
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&b->st)), 0);
	settle(sim);
	assert_null(c->st.sc);
	assert_ptr_equal(a->st.sc, &sim->sys.scs[cap.index]);
	assert_ptr_equal(running_on(sim, 0), f);
	assert_int_equal(c->st.state, SCHED_BLOCKED);
	/* the kernel fails A's call and wakes it: it runs on its own SC again */
	assert_int_equal(wake_from(sim, 0, a), 0);
	assert_ptr_equal(running_on(sim, 0), a);
	sim_free(sim);
}

/* Revoke in the middle of a chain: everyone loses it at once; stale caps fail closed. */
static void test_revoke_chain(void **state)
{
	struct sim *sim = machine(2, 1);
	struct sched_sc_params p = params(2 * MS, 10 * MS, 2);
	struct sched_sc_cap cap = make_sc(sim, &p, NULL);
	struct sim_thread *a = sc_thread(sim, cap), *b = passive_thread(sim), *c = passive_thread(sim);
	struct sim_thread *f = hand_thread(sim, 0, 0, NULL);

	(void)state;
	wake_from(sim, 0, a);
	assert_int_equal(call_from(sim, running_on(sim, 0) == a ? 0 : 1, b, false), 0);
	unsigned cpu = b->st.cpu;
	assert_int_equal(call_from(sim, cpu, c, false), 0);
	assert_ptr_equal(running_on(sim, cpu), c);
	wake_from(sim, 0, f);
	/* revoked from the other CPU while C runs */
	sim_enter(sim, 1 - cpu);
	assert_int_equal(sched_sc_revoke(&sim->sys, cap), 0);
	settle(sim);
	assert_null(c->st.sc);
	assert_int_equal(c->st.state, SCHED_BLOCKED);
	assert_true(running_on(sim, cpu) != c);
	uint64_t rc = runtime(c);
	advance(sim, 5 * MS);
	assert_int_equal(runtime(c), rc); /* never again on the stale budget */
	/* THROTTLE policy: the bound thread is passive now, and cannot be woken */
	assert_true(a->st.passive);
	assert_int_equal(sched_wake(&sim->sys, sched_ref_of(&a->st), SCHED_WAKE_PARK), -SCHED_ENOSC);
	/* every copy of the capability is stale */
	struct sched_sc_stats st;
	assert_int_equal(sched_sc_stats(&sim->sys, cap, &st), -SCHED_ESTALE);
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&f->st)), -SCHED_ESTALE);
	assert_int_equal(sched_sc_revoke(&sim->sys, cap), -SCHED_ESTALE);
	assert_int_equal(sched_sc_unbind(&sim->sys, cap), -SCHED_ESTALE);
	assert_int_equal(sched_sc_configure(&sim->sys, sched_auth_root(&sim->sys), cap, &p),
			 -SCHED_ESTALE);
	/* a new SC bound to the passive thread lets it run again */
	struct sched_sc_cap cap2 = make_sc(sim, &p, NULL);
	assert_int_not_equal(cap2.gen, 0);
	assert_int_equal(sched_sc_bind(&sim->sys, cap2, sched_ref_of(&a->st)), 0);
	assert_int_equal(wake_from(sim, 0, a), 0);
	sim_free(sim);
}

/* Revoke of a running SC thread with DEMOTE: it continues as a fair thread at once. */
static void test_revoke_running_demote(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_params p = params(5 * MS, 10 * MS, 1);
	struct sched_sc_cap cap;
	struct sim_thread *a, *f;

	(void)state;
	p.overrun = SCHED_SC_DEMOTE;
	cap = make_sc(sim, &p, NULL);
	a = sc_thread(sim, cap);
	f = hand_thread(sim, 0, 0, NULL);
	wake_from(sim, 0, f);
	wake_from(sim, 0, a);
	advance(sim, 1 * MS);
	sim_enter(sim, 0);
	assert_int_equal(sched_sc_revoke(&sim->sys, cap), 0);
	settle(sim);
	assert_null(a->st.sc);
	assert_false(a->st.passive);
	assert_ptr_equal(a->st.on_class, sim->sys.classes[SCHED_SLOT_fair]);
	advance(sim, 100 * MS);
	assert_true(runtime(a) > 45 * MS && runtime(a) < 56 * MS); /* a fair share from now on */
	sim_free(sim);
}

/* Session logout and process exit: one call revokes every SC of the group subtree. */
static void test_revoke_owned(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_group session, proc, other;
	struct sched_sc_params p = params(1 * MS, 10 * MS, 1);
	struct sched_sc_cap c1, c2, c3;
	struct sched_authority fair_only;
	struct sim_thread *a;

	(void)state;
	sched_group_init(&sim->sys, &session, &(struct sched_group_params){ .id = 1, .kind = SCHED_GROUP_SESSION });
	sched_group_init(&sim->sys, &proc, &(struct sched_group_params){ .id = 2, .kind = SCHED_GROUP_PROCESS, .parent = &session });
	sched_group_init(&sim->sys, &other, &(struct sched_group_params){ .id = 3, .kind = SCHED_GROUP_PROCESS });
	c1 = make_sc(sim, &p, &session);
	c2 = make_sc(sim, &p, &proc);
	c3 = make_sc(sim, &p, &other);
	a = sc_thread(sim, c2);
	wake_from(sim, 0, a);
	assert_int_equal(sched_auth_derive(&fair_only, sched_auth_root(&sim->sys), SCHED_RIGHT_FAIR, NULL, NULL), 0);
	assert_int_equal(sched_sc_revoke_owned(&sim->sys, (struct sched_auth){ &fair_only, fair_only.gen }, &session),
			 -SCHED_EPERM);
	assert_int_equal(sched_sc_revoke_owned(&sim->sys, sched_auth_root(&sim->sys), &session), 2);
	settle(sim);
	struct sched_sc_stats st;
	assert_int_equal(sched_sc_stats(&sim->sys, c1, &st), -SCHED_ESTALE);
	assert_int_equal(sched_sc_stats(&sim->sys, c2, &st), -SCHED_ESTALE);
	assert_int_equal(sched_sc_stats(&sim->sys, c3, &st), 0);
	assert_null(running_on(sim, 0)); /* its thread is passive now: blocked */
	sim_free(sim);
}

/* Thread exit with its own SC: unbound, still valid for the capability holder. */
static void test_exit_unbinds(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_sc_params p = params(2 * MS, 10 * MS, 1);
	struct sched_sc_cap cap = make_sc(sim, &p, NULL);
	struct sim_thread *a = sc_thread(sim, cap), *b = hand_thread(sim, 0, 0, NULL);

	(void)state;
	wake_from(sim, 0, a);
	advance(sim, 1 * MS);
	sim_enter(sim, 0);
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&a->st)), 0);
	settle(sim);
	assert_int_equal(sched_sc_unbind(&sim->sys, cap), -SCHED_ESTATE);
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&b->st)), 0);
	wake_from(sim, 0, b);
	assert_ptr_equal(running_on(sim, 0), b);
	/* unbind: back to fair, at once */
	assert_int_equal(sched_sc_unbind(&sim->sys, cap), 0);
	settle(sim);
	assert_ptr_equal(b->st.on_class, sim->sys.classes[SCHED_SLOT_fair]);
	sim_free(sim);
}

/* --- random sequences ------------------------------------------------------------------------ */

struct window {
	struct sim_thread *t;
	sched_time_t *start, *end; /* intervals on a CPU */
	size_t n, cap;
	bool on;
};

static void track(struct sim *sim, void *arg)
{
	struct window *w = arg;
	bool on = sim->cpu[w->t->st.cpu].curr == w->t && w->t->st.sc;

	if (on == w->on)
		return;
	if (on) {
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 256;
			w->start = realloc(w->start, w->cap * sizeof(*w->start));
			w->end = realloc(w->end, w->cap * sizeof(*w->end));
		}
		w->start[w->n] = sim->now;
		w->end[w->n++] = SCHED_TIME_NEVER;
	} else {
		w->end[w->n - 1] = sim->now;
	}
	w->on = on;
}

/* The most run in any window of `period`: windows starting at interval starts suffice. */
static uint64_t worst_window(const struct window *w, uint64_t period, sched_time_t until)
{
	uint64_t worst = 0;

	for (size_t i = 0; i < w->n; i++) {
		sched_time_t lo = w->start[i], hi = lo + period;
		uint64_t sum = 0;

		for (size_t j = i; j < w->n && w->start[j] < hi; j++) {
			sched_time_t e = w->end[j] == SCHED_TIME_NEVER ? until : w->end[j];
			sum += (e < hi ? e : hi) - w->start[j];
		}
		if (sum > worst)
			worst = sum;
	}
	return worst;
}

/*
 * Random blocks and wakes of a sporadic SC thread against fair hogs on two CPUs, with a
 * small refill ring (fragmentation and merges), the checker after every event: the refill
 * sums stay equal to the budget, and no window of one period holds more than the budget.
 */
static void test_random_bandwidth(void **state)
{
	for (unsigned seed = 1; seed <= 6; seed++) {
		struct sim *sim = machine(2, 1);
		struct sched_sc_params p = params(3 * MS, 10 * MS, 2);
		struct sched_refill ring[3];
		struct sched_sc_cap cap;
		struct sim_thread *a, *h1, *h2;
		struct window w = { 0 };
		uint64_t rng = seed * 0x9e3779b97f4a7c15ull;

		(void)state;
		give_pool(sim);
		assert_int_equal(sched_sc_create(&sim->sys, NULL, ring, 3, &cap), 0);
		p.mode = seed % 3 == 0 ? SCHED_SC_CBS : SCHED_SC_SPORADIC;
		assert_int_equal(sched_sc_configure(&sim->sys, sched_auth_root(&sim->sys), cap, &p), 0);
		a = sc_thread(sim, cap);
		h1 = hand_thread(sim, 0, 0, NULL);
		h2 = hand_thread(sim, 0, 0, NULL);
		w.t = a;
		sim->after_event = track;
		sim->hook_arg = &w;
		wake_from(sim, 0, h1);
		wake_from(sim, 1, h2);
		wake_from(sim, 0, a);
		for (unsigned step = 0; step < 400; step++) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			advance(sim, 100 * US + rng % (3 * MS));
			if (a->st.state == SCHED_RUNNING && rng % 3 == 0)
				assert_int_equal(block_on(sim, a->st.cpu), 0);
			else if (a->st.state == SCHED_BLOCKED)
				assert_int_equal(wake_from(sim, (unsigned)(rng >> 8) % 2, a), 0);
			track(sim, &w);
		}
		/* sporadic: <= budget in any window of a period; CBS (like Linux) may run up to
		 * twice the budget across the boundary of two server periods */
		assert_true(worst_window(&w, p.period_ns, sim->now) <=
			    (p.mode == SCHED_SC_CBS ? 2 : 1) * p.budget_ns);
		assert_true(stats(sim, cap).consumed_ns > 100 * MS);
		free(w.start);
		free(w.end);
		sim_free(sim);
	}
}


/*
 * Random operations over SCs on 3 CPUs, the checker after every event: wakes, blocks,
 * calls and replies (donation chains), yields, revokes, binds of new SCs, exits and
 * re-inits, unbinds, CPU offline/online. Every call must return 0 or an expected error and
 * never break an invariant (refill sums, holders, chains, classes, timers, ownership).
 */
#define NT 8
static void test_random_ops(void **state)
{
	for (unsigned seed = 1; seed <= 40; seed++) {
		struct sim *sim = machine(3, 1);
		struct sim_thread *t[NT];
		struct sched_sc_cap cap[NT] = { 0 };
		uint64_t rng = seed * 0x2545f4914f6cdd1dull;

		(void)state;
		give_pool(sim);
		for (unsigned i = 0; i < NT; i++) {
			struct sched_thread_params tp = { .passive = i >= 6 };
			t[i] = sim_thread_new(sim, &tp);
			if (i < 4) {
				struct sched_sc_params p = params((1 + i) * MS, 10 * MS, 3);

				p.overrun = (uint8_t)(i % 3);
				p.mode = i == 3 ? SCHED_SC_CBS : SCHED_SC_SPORADIC;
				p.endpoint = i + 1;
				cap[i] = make_sc(sim, &p, NULL);
				assert_int_equal(sched_sc_bind(&sim->sys, cap[i], sched_ref_of(&t[i]->st)), 0);
			}
			if (i < 6)
				assert_int_equal(wake_from(sim, i % 3, t[i]), 0);
		}
		for (unsigned step = 0; step < 1500; step++) {
			unsigned i, j, cpu, op;
			struct sim_thread *cur;
			int r;

			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			i = (unsigned)(rng >> 8) % NT;
			j = (unsigned)(rng >> 16) % NT;
			cpu = (unsigned)(rng >> 24) % 3;
			op = (unsigned)(rng >> 32) % 12;
			cur = running_on(sim, cpu);
			switch (op) {
			case 0: case 1:
				advance(sim, (rng >> 40) % (2 * MS));
				break;
			case 2: /* a wake: 0 or the documented refusals */
				r = wake_from(sim, cpu, t[i]);
				assert_true(r == 0 || r == -SCHED_ESTATE || r == -SCHED_ENOSC ||
					    r == -SCHED_ELENT || r == -SCHED_ESTALE || r == -SCHED_EAFFINITY);
				break;
			case 3:
				if (cur)
					assert_int_equal(block_on(sim, cpu), 0);
				break;
			case 4: case 5: /* call or reply from whatever runs there */
				if (cur && cur != t[j]) {
					r = call_from(sim, cpu, t[j], op == 5);
					assert_true(r == 0 || r == -SCHED_ESTATE || r == -SCHED_ENOSC ||
						    r == -SCHED_ELENT || r == -SCHED_EDEPTH ||
						    r == -SCHED_EAFFINITY || r == -SCHED_ESTALE);
				}
				break;
			case 6:
				if (cur) {
					struct sched_thread *next;

					sim_enter(sim, cpu);
					assert_int_equal(sched_yield_cpu(&sim->sys, cpu, &next), 0);
					sim_switch(sim, cpu, next);
					settle(sim);
				}
				break;
			case 7: /* revoke i's SC (maybe stale already) */
				sim_enter(sim, cpu);
				r = sched_sc_revoke(&sim->sys, cap[i]);
				assert_true(r == 0 || r == -SCHED_ESTALE || r == -SCHED_EINVAL);
				settle(sim);
				break;
			case 8: { /* a fresh SC for i */
				struct sched_sc_params p = params(2 * MS, 7 * MS, 3);
				struct sched_sc_cap c;

				p.overrun = (uint8_t)(rng % 3);
				p.cpus = sim->sys.online; /* an offline CPU would be refused */
				c = make_sc(sim, &p, NULL);
				sim_enter(sim, cpu);
				r = sched_sc_bind(&sim->sys, c, sched_ref_of(&t[i]->st));
				assert_true(r == 0 || r == -SCHED_EBOUND || r == -SCHED_ESTALE ||
					    r == -SCHED_EAFFINITY);
				if (r == 0) {
					cap[i] = c;
				} else {
					assert_int_equal(sched_sc_revoke(&sim->sys, c), 0);
				}
				settle(sim);
				break;
			}
			case 9: /* exit and re-create */
				sim_enter(sim, cpu);
				if (sched_exit(&sim->sys, sched_ref_of(&t[i]->st)) == 0) {
					struct sched_thread_params tp = { .passive = (rng >> 50) & 1 };

					settle(sim);
					if (!t[i]->st.on_cpu) {
						assert_int_equal(sched_thread_init(&sim->sys, &t[i]->st, &tp), 0);
						cap[i] = (struct sched_sc_cap){ 0 };
					}
				}
				settle(sim);
				break;
			case 10:
				sim_enter(sim, cpu);
				r = sched_sc_unbind(&sim->sys, cap[i]);
				assert_true(r == 0 || r == -SCHED_ELENT || r == -SCHED_ESTATE ||
					    r == -SCHED_ESTALE || r == -SCHED_EINVAL);
				settle(sim);
				break;
			case 11: /* hotplug CPU 2 */
				sim_enter(sim, cpu == 2 ? 0 : cpu);
				if (sched__cpu_online_count(sim) == 3) {
					r = sched_cpu_offline(&sim->sys, 2);
					assert_true(r == 0 || r == -SCHED_EPINNED || r == -SCHED_EAGAIN);
				} else {
					sim_enter(sim, 2);
					r = sched_cpu_online(&sim->sys, 2, &sim->cpu[2].idle);
					assert_true(r == 0);
				}
				settle(sim);
				break;
			}
		}
		sim_free(sim);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_configure_validation),
		cmocka_unit_test(test_twenty_percent),
		cmocka_unit_test(test_replenishment_timing),
		cmocka_unit_test(test_round_robin),
		cmocka_unit_test(test_cbs),
		cmocka_unit_test(test_demote),
		cmocka_unit_test(test_notify_block),
		cmocka_unit_test(test_overrun_paid_back),
		cmocka_unit_test(test_stale_head),
		cmocka_unit_test(test_stale_head_charges),
		cmocka_unit_test(test_donation_chain),
		cmocka_unit_test(test_donated_timeout),
		cmocka_unit_test(test_server_exit),
		cmocka_unit_test(test_revoke_chain),
		cmocka_unit_test(test_revoke_running_demote),
		cmocka_unit_test(test_revoke_owned),
		cmocka_unit_test(test_exit_unbinds),
		cmocka_unit_test(test_random_bandwidth),
		cmocka_unit_test(test_random_ops),
	};

	return cmocka_run_group_tests(tests, NULL, free_rings);
}
