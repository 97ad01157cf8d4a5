/* SPDX-License-Identifier: MIT */
/*
 * test_errors.c - every error code of docs/errors.md, provoked through every entry that
 * returns it, on the simulated machine. Each refused call must return exactly its code and
 * change nothing: the library's whole state (system, run queues, threads, idle threads, SC
 * slots, the groups and authorities a case registers), the simulator's timers and IPIs and
 * its notifications are compared byte for byte before and after, as the API fuzzer does
 * (only the lock words and the lock-acquisition counters may move). Also: a CPU number out
 * of range for every entry that takes one, and the security answers failing closed.
 */
#include "simtest.h"
#include <sched/admit.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* --- the "changed nothing" check --------------------------------------------------------- */

struct extra {
	void *p;
	size_t len;
};

static struct extra extras[32];
static unsigned nr_extras;

/* Register a caller-owned object (a group, an authority) for the comparison. */
static void watch(void *p, size_t len)
{
	assert_true(nr_extras < sizeof(extras) / sizeof(extras[0]));
	extras[nr_extras++] = (struct extra){ p, len };
}

static void put(unsigned char **b, const void *p, size_t len)
{
	memcpy(*b, p, len);
	*b += len;
}

static void zero(unsigned char *base, size_t off, size_t len)
{
	memset(base + off, 0, len);
}

/* Everything a refused call must leave alone, lock words and lock counters zeroed. */
static size_t collect(struct sim *sim, unsigned char *buf)
{
	unsigned char *b = buf, *start;

	start = b;
	put(&b, &sim->sys, sizeof(sim->sys));
	zero(start, offsetof(struct sched_sys, sc_lock), sizeof(struct sched_lock));
	zero(start, offsetof(struct sched_sys, mx_lock), sizeof(struct sched_lock));
	zero(start, offsetof(struct sched_sys, lease_lock), sizeof(struct sched_lock));
	for (unsigned c = 0; c < sim->sys.nr_cpus; c++) {
		start = b;
		put(&b, &sim->rq[c], offsetof(struct sched_rq, trace));
		zero(start, offsetof(struct sched_rq, lock), sizeof(struct sched_lock));
		zero(start, offsetof(struct sched_rq, counters) + SCHED_CNT_LOCK_ACQUIRE * 8, 8);
		zero(start, offsetof(struct sched_rq, counters) + SCHED_CNT_LOCK_CONTENDED * 8, 8);
		put(&b, &sim->rq[c].trace.head, sizeof(uint64_t));
		start = b;
		put(&b, &sim->cpu[c].idle, sizeof(struct sched_thread));
		zero(start, offsetof(struct sched_thread, lock), sizeof(struct sched_lock));
	}
	for (size_t i = 0; i < sim->nr_threads; i++) {
		start = b;
		put(&b, &sim->threads[i]->st, sizeof(struct sched_thread));
		zero(start, offsetof(struct sched_thread, lock), sizeof(struct sched_lock));
	}
	if (sim->sys.scs)
		put(&b, sim->sys.scs, sim->sys.nr_scs * sizeof(struct sched_sc));
	for (unsigned i = 0; i < nr_extras; i++)
		put(&b, extras[i].p, extras[i].len);
	put(&b, &sim->seq, sizeof(sim->seq));
	put(&b, &sim->notifications, sizeof(sim->notifications));
	return (size_t)(b - buf);
}

#define SNAP_MAX (1u << 20)
static unsigned char *before_buf, *after_buf;
static size_t before_len;

static void snap(struct sim *sim)
{
	before_len = collect(sim, before_buf);
	assert_true(before_len <= SNAP_MAX);
}

static void unchanged(struct sim *sim, const char *call)
{
	size_t n = collect(sim, after_buf);

	if (n != before_len || memcmp(before_buf, after_buf, n)) {
		size_t i = 0;

		while (i < n && before_buf[i] == after_buf[i])
			i++;
		fail_msg("%s was refused but changed state (byte %zu of %zu)", call, i, n);
	}
}

/* `call` must return exactly -code and change nothing. */
#define REFUSED(sim, code, call)                                                        \
	do {                                                                            \
		int r_;                                                                 \
		snap(sim);                                                              \
		r_ = (call);                                                            \
		if (r_ != -(code))                                                      \
			fail_msg("%s returned %d (%s), expected -%s", #call, r_,       \
				 sched_strerror(r_), #code);                            \
		unchanged(sim, #call);                                                  \
	} while (0)

/* A call that cannot return a code (bool, count, pointer, void) and must change nothing. */
#define QUIET(sim, stmt)                     \
	do {                                 \
		snap(sim);                   \
		stmt;                        \
		unchanged(sim, #stmt);       \
	} while (0)

static int setup(void **state)
{
	(void)state;
	before_buf = malloc(SNAP_MAX);
	after_buf = malloc(SNAP_MAX);
	return before_buf && after_buf ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(before_buf);
	free(after_buf);
	return 0;
}

static struct sim *new_machine(unsigned cpus, unsigned smt)
{
	nr_extras = 0;
	return machine(cpus, smt);
}

static struct sim *core_machine(unsigned cpus, unsigned smt)
{
	struct sim_config cfg = { .cpus = cpus, .smt = smt, .seed = 1, .core_sched = true };
	struct sim *sim = sim_new(&cfg);

	assert_non_null(sim);
	sim->check_each_step = true;
	nr_extras = 0;
	return sim;
}

static struct sim_thread *thread_with(struct sim *sim, const struct sched_thread_params *p)
{
	struct sim_thread *t = sim_thread_new(sim, p);

	assert_non_null(t);
	return t;
}

static sched_cpumask_t mask_of(unsigned cpu)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, cpu);
	return m;
}

static struct sched_auth root(struct sim *sim)
{
	return sched_auth_root(&sim->sys);
}

static struct sched_auth token(struct sched_authority *a)
{
	return (struct sched_auth){ a, a->gen };
}

/* --- SCs --------------------------------------------------------------------------------- */

static struct sched_sc pool[8];
static struct sched_refill rings[8][8];
static unsigned next_ring;

static void give_pool(struct sim *sim)
{
	if (!sim->sys.scs) {
		memset(pool, 0, sizeof(pool));
		next_ring = 0;
		assert_int_equal(sched_sc_pool(&sim->sys, pool, 8), 0);
	}
}

static struct sched_sc_params sc_params(const sched_cpumask_t *cpus)
{
	struct sched_sc_params p = { .budget_ns = 2 * MS, .period_ns = 10 * MS, .cpus = *cpus };

	return p;
}

static struct sched_sc_cap new_sc(struct sim *sim, const sched_cpumask_t *cpus, bool configure)
{
	struct sched_sc_params p = sc_params(cpus);
	struct sched_sc_cap cap;

	give_pool(sim);
	assert_true(next_ring < 8);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, rings[next_ring++], 8, &cap), 0);
	if (configure)
		assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap, &p), 0);
	return cap;
}

/* The current thread of cpu calls or replies to t; 0 and the switch done, or the error. */
static int handoff(struct sim *sim, unsigned cpu, struct sim_thread *t, bool reply)
{
	struct sched_thread *next;
	int r;

	sim_enter(sim, cpu);
	r = reply ? sched_reply(&sim->sys, cpu, sched_ref_of(&t->st), &next)
		  : sched_call(&sim->sys, cpu, sched_ref_of(&t->st), &next);
	if (r == 0)
		sim_switch(sim, cpu, next);
	settle(sim);
	return r;
}

/* --- the table itself ---------------------------------------------------------------------- */

static void every_code_has_its_own_name(void **state)
{
	(void)state;
	assert_int_equal(SCHED_ERR_COUNT, 31);
	for (int e = 0; e < SCHED_ERR_COUNT; e++) {
		const char *n = sched_strerror(-e);

		assert_non_null(n);
		assert_string_not_equal(n, "unknown error");
		assert_string_equal(n, sched_strerror(e));
		for (int f = 0; f < e; f++)
			assert_string_not_equal(n, sched_strerror(f));
	}
	assert_string_equal(sched_strerror(SCHED_ERR_COUNT), "unknown error");
	assert_string_equal(sched_strerror(-SCHED_ERR_COUNT), "unknown error");
}

/* --- EINVAL ------------------------------------------------------------------------------- */

static void einval_null_and_out_of_range_arguments(void **state)
{
	struct sim *sim = new_machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	struct sched_ref ra = sched_ref_of(&a->st), none = { NULL, 0 };
	struct sched_ref idle = sched_ref_of(&sim->cpu[0].idle);
	struct sched_thread spare = { 0 }, *next;
	struct sched_thread_params tp = { 0 }, bad_nice = { .nice = 20 };
	struct sched_thread_params bad_slice = { .slice_ns = 1 };
	struct sched_group g, g2;
	struct sched_group_params gp = { .id = 1 };
	struct sched_authority au = { 0 };
	struct sched_auth nul = { NULL, 0 };
	struct sched_fair_params fp = { 0 }, bad_fp = { .nice = -21 };
	struct sched_topology topo = { .nr_cpus = 2 };
	struct sched_sys s2;
	struct sched_acct acct;
	struct sched_sc_stats st;
	sched_cpumask_t m = mask_of(0);
	sched_cookie_t ck;
	struct sched_sc_cap cap, far;
	struct sched_sc_params sp = sc_params(&m);
	struct sched_refill ring[2];

	(void)state;
	memset(&g, 0, sizeof(g));
	memset(&g2, 0, sizeof(g2));
	watch(&g, sizeof(g));
	watch(&au, sizeof(au));
	/* boot */
	REFUSED(sim, SCHED_EINVAL, sched_init(NULL, sim->rq, &topo, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_init(&s2, NULL, &topo, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_init(&s2, sim->rq, NULL, NULL));
	topo.nr_cpus = 0;
	REFUSED(sim, SCHED_EINVAL, sched_init(&s2, sim->rq, &topo, NULL));
	topo.nr_cpus = SCHED_MAX_CPUS + 1;
	REFUSED(sim, SCHED_EINVAL, sched_init(&s2, sim->rq, &topo, NULL));
	topo.nr_cpus = 2;
	REFUSED(sim, SCHED_EINVAL, sched_init(&s2, sim->rq, &topo,
					      &(struct sched_config){ .policy = "fifo" }));
	REFUSED(sim, SCHED_EINVAL, sched_init(&s2, sim->rq, &topo,
					      &(struct sched_config){ .balance_max = 65 }));
	REFUSED(sim, SCHED_EINVAL, sched_cpu_online(NULL, 0, &sim->cpu[0].idle));
	REFUSED(sim, SCHED_EINVAL, sched_cpu_online(&sim->sys, 0, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_cpu_offline(NULL, 0));
	/* threads */
	REFUSED(sim, SCHED_EINVAL, sched_thread_init(NULL, &spare, &tp));
	REFUSED(sim, SCHED_EINVAL, sched_thread_init(&sim->sys, NULL, &tp));
	REFUSED(sim, SCHED_EINVAL, sched_thread_init(&sim->sys, &spare, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_thread_init(&sim->sys, &spare, &bad_nice));
	REFUSED(sim, SCHED_EINVAL, sched_thread_init(&sim->sys, &spare, &bad_slice));
	assert_int_equal(spare.gen, 0);
	REFUSED(sim, SCHED_EINVAL, sched_wake(NULL, ra, SCHED_WAKE_NEW));
	REFUSED(sim, SCHED_EINVAL, sched_wake(&sim->sys, none, SCHED_WAKE_NEW));
	REFUSED(sim, SCHED_EINVAL, sched_wake(&sim->sys, ra, SCHED_WAKE_NR));
	REFUSED(sim, SCHED_EINVAL, sched_exit(NULL, ra));
	REFUSED(sim, SCHED_EINVAL, sched_exit(&sim->sys, none));
	REFUSED(sim, SCHED_EINVAL, sched_exit(&sim->sys, idle));
	REFUSED(sim, SCHED_EINVAL, sched_set_affinity(NULL, ra, &m));
	REFUSED(sim, SCHED_EINVAL, sched_set_affinity(&sim->sys, none, &m));
	REFUSED(sim, SCHED_EINVAL, sched_set_affinity(&sim->sys, ra, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_set_affinity(&sim->sys, idle, &m));
	REFUSED(sim, SCHED_EINVAL, sched_thread_stats(NULL, ra, &acct));
	REFUSED(sim, SCHED_EINVAL, sched_thread_stats(&sim->sys, none, &acct));
	REFUSED(sim, SCHED_EINVAL, sched_thread_stats(&sim->sys, ra, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_unpark(NULL, ra));
	REFUSED(sim, SCHED_EINVAL, sched_unpark(&sim->sys, none));
	REFUSED(sim, SCHED_EINVAL, sched_unpark(&sim->sys, idle));
	/* on the CPU */
	wake_from(sim, 0, a);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_EINVAL, sched_block(NULL, 0, &next));
	REFUSED(sim, SCHED_EINVAL, sched_block(&sim->sys, 0, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_park(&sim->sys, 0, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_yield_cpu(&sim->sys, 0, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_yield_cpu(NULL, 0, &next));
	REFUSED(sim, SCHED_EINVAL, sched_sleep_until(&sim->sys, 0, SCHED_TIME_NEVER, &next));
	REFUSED(sim, SCHED_EINVAL,
		sched_sleep_until(&sim->sys, 0, sim->now + SCHED_TIME_HORIZON_NS, &next));
	REFUSED(sim, SCHED_EINVAL, sched_sleep_until(&sim->sys, 0, sim->now + MS, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_call(&sim->sys, 0, none, &next));
	REFUSED(sim, SCHED_EINVAL, sched_reply(&sim->sys, 0, none, &next));
	REFUSED(sim, SCHED_EINVAL, sched_call(&sim->sys, 0, ra, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_reply(NULL, 0, ra, &next));
	/* groups */
	REFUSED(sim, SCHED_EINVAL, sched_group_init(NULL, &g, &gp));
	REFUSED(sim, SCHED_EINVAL, sched_group_init(&sim->sys, NULL, &gp));
	REFUSED(sim, SCHED_EINVAL, sched_group_init(&sim->sys, &g, NULL));
	gp.kind = (enum sched_group_kind)7;
	REFUSED(sim, SCHED_EINVAL, sched_group_init(&sim->sys, &g, &gp));
	gp.kind = SCHED_GROUP_PROCESS;
	gp.weight = 1;
	REFUSED(sim, SCHED_EINVAL, sched_group_init(&sim->sys, &g, &gp));
	gp.weight = (1u << 20) + 1;
	REFUSED(sim, SCHED_EINVAL, sched_group_init(&sim->sys, &g, &gp));
	gp.weight = 0;
	/* authority */
	REFUSED(sim, SCHED_EINVAL, sched_auth_derive(NULL, root(sim), SCHED_RIGHT_FAIR, NULL, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_auth_derive(&au, nul, SCHED_RIGHT_FAIR, NULL, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_auth_derive(&au, root(sim), SCHED_RIGHT_ALL + 1, NULL, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_auth_revoke(nul));
	REFUSED(sim, SCHED_EINVAL, sched_set_fair(NULL, root(sim), ra, &fp));
	REFUSED(sim, SCHED_EINVAL, sched_set_fair(&sim->sys, nul, ra, &fp));
	REFUSED(sim, SCHED_EINVAL, sched_set_fair(&sim->sys, root(sim), none, &fp));
	REFUSED(sim, SCHED_EINVAL, sched_set_fair(&sim->sys, root(sim), ra, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_set_fair(&sim->sys, root(sim), ra, &bad_fp));
	REFUSED(sim, SCHED_EINVAL, sched_set_fair(&sim->sys, root(sim), idle, &fp));
	{
		static const struct sched_rt_params bad_rt[] = {
			{ .policy = SCHED_RT_FIFO, .prio = 0 }, { .policy = SCHED_RT_RR, .prio = 100 },
			{ .policy = SCHED_RT_NONE, .prio = 5 }, { .policy = 3, .prio = 5 },
			{ .policy = SCHED_RT_NONE, .budget_ns = 1, .period_ns = 10 },   /* not in the class */
			{ .policy = SCHED_RT_FIFO, .prio = 5, .budget_ns = 11, .period_ns = 10 },
			{ .policy = SCHED_RT_FIFO, .prio = 5, .period_ns = 10 },        /* no budget */
			{ .policy = SCHED_RT_FIFO, .prio = 5, .budget_ns = 5, .period_ns = 10,
			  .deadline_ns = 4 },
		};
		struct sched_rt_params rp = { .policy = SCHED_RT_FIFO, .prio = 10 };

		REFUSED(sim, SCHED_EINVAL, sched_set_rt(NULL, root(sim), ra, &rp));
		REFUSED(sim, SCHED_EINVAL, sched_set_rt(&sim->sys, nul, ra, &rp));
		REFUSED(sim, SCHED_EINVAL, sched_set_rt(&sim->sys, root(sim), none, &rp));
		REFUSED(sim, SCHED_EINVAL, sched_set_rt(&sim->sys, root(sim), ra, NULL));
		REFUSED(sim, SCHED_EINVAL, sched_set_rt(&sim->sys, root(sim), idle, &rp));
		for (unsigned i = 0; i < sizeof(bad_rt) / sizeof(bad_rt[0]); i++)
			REFUSED(sim, SCHED_EINVAL, sched_set_rt(&sim->sys, root(sim), ra, &bad_rt[i]));
	}
	/* SCs (no pool yet: every capability index is outside it) */
	cap = (struct sched_sc_cap){ 0, 1, SCHED_SC_ALL };
	REFUSED(sim, SCHED_EINVAL, sched_sc_bind(&sim->sys, cap, ra));
	REFUSED(sim, SCHED_EINVAL, sched_sc_stats(&sim->sys, cap, &st));
	REFUSED(sim, SCHED_EINVAL, sched_sc_pool(NULL, pool, 8));
	REFUSED(sim, SCHED_EINVAL, sched_sc_pool(&sim->sys, NULL, 8));
	REFUSED(sim, SCHED_EINVAL, sched_sc_pool(&sim->sys, pool, 0));
	REFUSED(sim, SCHED_EINVAL, sched_sc_pool(&sim->sys, pool, (1u << 24) + 1));
	cap = new_sc(sim, &m, false);
	far = (struct sched_sc_cap){ 8, 1, SCHED_SC_ALL };
	REFUSED(sim, SCHED_EINVAL, sched_sc_create(NULL, NULL, ring, 2, &cap));
	REFUSED(sim, SCHED_EINVAL, sched_sc_create(&sim->sys, NULL, NULL, 2, &cap));
	REFUSED(sim, SCHED_EINVAL, sched_sc_create(&sim->sys, NULL, ring, 0, &cap));
	REFUSED(sim, SCHED_EINVAL, sched_sc_create(&sim->sys, NULL, ring, SCHED_SC_REFILLS_MAX + 1, &cap));
	REFUSED(sim, SCHED_EINVAL, sched_sc_create(&sim->sys, NULL, ring, 2, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_sc_configure(NULL, root(sim), cap, &sp));
	REFUSED(sim, SCHED_EINVAL, sched_sc_configure(&sim->sys, nul, cap, &sp));
	REFUSED(sim, SCHED_EINVAL, sched_sc_configure(&sim->sys, root(sim), cap, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_sc_configure(&sim->sys, root(sim), far, &sp));
	sp.budget_ns = 11 * MS; /* > period */
	REFUSED(sim, SCHED_EINVAL, sched_sc_configure(&sim->sys, root(sim), cap, &sp));
	sp.budget_ns = SCHED_SC_BUDGET_MIN_NS - 1;
	REFUSED(sim, SCHED_EINVAL, sched_sc_configure(&sim->sys, root(sim), cap, &sp));
	sp = sc_params(&m);
	sp.mode = 7;
	REFUSED(sim, SCHED_EINVAL, sched_sc_configure(&sim->sys, root(sim), cap, &sp));
	sp = sc_params(&m);
	sp.dispatch = SCHED_SC_PARTITIONED + 1;
	REFUSED(sim, SCHED_EINVAL, sched_sc_configure_verdict(&sim->sys, root(sim), cap, &sp, NULL));
	sp = sc_params(&m);
	sched_cpumask_clear(&sp.cpus); /* empty: no CPU at all, not a bad CPU */
	REFUSED(sim, SCHED_EINVAL, sched_sc_configure(&sim->sys, root(sim), cap, &sp));
	REFUSED(sim, SCHED_EINVAL, sched_sc_bind(NULL, cap, ra));
	REFUSED(sim, SCHED_EINVAL, sched_sc_bind(&sim->sys, cap, none));
	REFUSED(sim, SCHED_EINVAL, sched_sc_bind(&sim->sys, far, ra));
	REFUSED(sim, SCHED_EINVAL, sched_sc_unbind(NULL, cap));
	REFUSED(sim, SCHED_EINVAL, sched_sc_unbind(&sim->sys, far));
	REFUSED(sim, SCHED_EINVAL, sched_sc_revoke(NULL, cap));
	REFUSED(sim, SCHED_EINVAL, sched_sc_revoke(&sim->sys, far));
	REFUSED(sim, SCHED_EINVAL, sched_sc_stats(NULL, cap, &st));
	REFUSED(sim, SCHED_EINVAL, sched_sc_stats(&sim->sys, cap, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_sc_stats(&sim->sys, far, &st));
	REFUSED(sim, SCHED_EINVAL, sched_sc_revoke_owned(NULL, root(sim), &sim->all));
	REFUSED(sim, SCHED_EINVAL, sched_sc_revoke_owned(&sim->sys, nul, &sim->all));
	REFUSED(sim, SCHED_EINVAL, sched_sc_revoke_owned(&sim->sys, root(sim), NULL));
	sp = sc_params(&m);
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap, &sp), 0);
	REFUSED(sim, SCHED_EINVAL, sched_sc_bind(&sim->sys, cap, idle));
	/* core scheduling, kernel protection, the checker */
	REFUSED(sim, SCHED_EINVAL, sched_core_create(NULL, root(sim), ra, SCHED_CORE_THREAD));
	REFUSED(sim, SCHED_EINVAL, sched_core_share(NULL, root(sim), ra, ra, SCHED_CORE_THREAD));
	REFUSED(sim, SCHED_EINVAL, sched_core_clear(NULL, root(sim), ra, SCHED_CORE_THREAD));
	REFUSED(sim, SCHED_EINVAL, sched_core_get(NULL, ra, &ck));
	REFUSED(sim, SCHED_EINVAL, sched_core_get(&sim->sys, none, &ck));
	REFUSED(sim, SCHED_EINVAL, sched_core_get(&sim->sys, ra, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_core_enter_kernel(NULL, 0));
	REFUSED(sim, SCHED_EINVAL, sched_core_exit_kernel(NULL, 0));
	assert_int_equal(sched_check(NULL), -SCHED_EINVAL);
	check_ok(sim);
	sim_free(sim);
}

/* Calls that used to answer 0 on invalid input and corrupted state. */
static void einval_instead_of_a_silent_corruption(void **state)
{
	struct sim *sim = new_machine(2, 1);
	struct sched_sys s2;
	struct sched_rq *rq2 = aligned_alloc(SCHED_CACHELINE, 2 * sizeof(struct sched_rq));
	struct sched_thread *idle2 = calloc(2, sizeof(struct sched_thread));
	struct sched_topology topo = { .nr_cpus = 2 };
	struct sched_group g;
	struct sched_group_params gp = { .id = 3, .kind = SCHED_GROUP_PROCESS, .parent = &g };
	struct sched_authority a1 = { 0 }, a2 = { 0 };

	(void)state;
	assert_non_null(rq2);
	assert_non_null(idle2);
	/* a second CPU may not take the idle thread of the first (it would be wiped) */
	sim_enter(sim, 0);
	assert_int_equal(sched_init(&s2, rq2, &topo, NULL), 0);
	assert_int_equal(sched_cpu_online(&s2, 0, &idle2[0]), 0);
	{
		struct sched_thread copy = idle2[0];

		assert_int_equal(sched_cpu_online(&s2, 1, &idle2[0]), -SCHED_EINVAL);
		assert_memory_equal(&copy, &idle2[0], sizeof(copy));
		assert_null(rq2[1].curr);
		assert_int_equal(sched_cpu_online(&s2, 1, &idle2[1]), 0);
	}
	/* nor may a CPU of the simulated machine, back online, take another idle thread */
	assert_int_equal(sched_cpu_offline(&sim->sys, 1), 0);
	settle(sim);
	sim_enter(sim, 1);
	REFUSED(sim, SCHED_EINVAL, sched_cpu_online(&sim->sys, 1, &sim->cpu[0].idle));
	REFUSED(sim, SCHED_EINVAL, sched_cpu_online(&sim->sys, 1, &idle2[1]));
	assert_int_equal(sched_cpu_online(&sim->sys, 1, &sim->cpu[1].idle), 0);
	sim_resched(sim, 1);
	settle(sim);
	/* a group as its own parent would make a cycle */
	memset(&g, 0, sizeof(g));
	watch(&g, sizeof(g));
	REFUSED(sim, SCHED_EINVAL, sched_group_init(&sim->sys, &g, &gp));
	/* an authority derived from itself, or from one derived from it */
	assert_int_equal(sched_auth_derive(&a1, root(sim), SCHED_RIGHT_ALL, NULL, NULL), 0);
	assert_int_equal(sched_auth_derive(&a2, token(&a1), SCHED_RIGHT_ALL, NULL, NULL), 0);
	watch(&a1, sizeof(a1));
	watch(&a2, sizeof(a2));
	REFUSED(sim, SCHED_EINVAL, sched_auth_derive(&a1, token(&a1), SCHED_RIGHT_FAIR, NULL, NULL));
	REFUSED(sim, SCHED_EINVAL, sched_auth_derive(&a1, token(&a2), SCHED_RIGHT_FAIR, NULL, NULL));
	REFUSED(sim, SCHED_EINVAL,
		sched_auth_derive(&sim->sys.root_authority, root(sim), SCHED_RIGHT_FAIR, NULL, NULL));
	/* both still work */
	assert_int_equal(sched_auth_revoke(token(&a2)), 0);
	assert_int_equal(sched_auth_revoke(token(&a1)), 0);
	free(rq2);
	free(idle2);
	sim_free(sim);
}

/* --- ESTALE ---------------------------------------------------------------------------- */

static void estale_refs_tokens_and_capabilities(void **state)
{
	struct sim *sim = core_machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sched_ref old = sched_ref_of(&a->st), rb = sched_ref_of(&b->st);
	struct sched_thread spare = { 0 }, *next;
	struct sched_thread_params tp = { .creator = old };
	struct sched_authority au = { 0 };
	struct sched_auth dead;
	struct sched_fair_params fp = { 0 };
	sched_cpumask_t m = mask_of(0);
	struct sched_sc_params sp = sc_params(&m);
	struct sched_sc_cap cap, stale;
	struct sched_acct acct;
	struct sched_sc_stats st;
	sched_cookie_t ck;

	(void)state;
	assert_int_equal(sched_exit(&sim->sys, old), 0);
	assert_int_equal(sched_auth_derive(&au, root(sim), SCHED_RIGHT_ALL, NULL, NULL), 0);
	dead = token(&au);
	assert_int_equal(sched_auth_revoke(dead), 0);
	watch(&au, sizeof(au));
	stale = new_sc(sim, &m, true);
	assert_int_equal(sched_sc_revoke(&sim->sys, stale), 0);
	cap = new_sc(sim, &m, true);
	REFUSED(sim, SCHED_ESTALE, sched_thread_init(&sim->sys, &spare, &tp));
	REFUSED(sim, SCHED_ESTALE, sched_wake(&sim->sys, old, SCHED_WAKE_PARK));
	REFUSED(sim, SCHED_ESTALE, sched_unpark(&sim->sys, old));
	REFUSED(sim, SCHED_ESTALE, sched_exit(&sim->sys, old));
	REFUSED(sim, SCHED_ESTALE, sched_set_affinity(&sim->sys, old, &m));
	REFUSED(sim, SCHED_ESTALE, sched_thread_stats(&sim->sys, old, &acct));
	REFUSED(sim, SCHED_ESTALE, sched_set_fair(&sim->sys, root(sim), old, &fp));
	REFUSED(sim, SCHED_ESTALE, sched_set_fair(&sim->sys, dead, rb, &fp));
	REFUSED(sim, SCHED_ESTALE, sched_set_rt(&sim->sys, root(sim), old,
						&(struct sched_rt_params){ .policy = SCHED_RT_RR, .prio = 1 }));
	REFUSED(sim, SCHED_ESTALE, sched_set_rt(&sim->sys, dead, rb,
						&(struct sched_rt_params){ .policy = SCHED_RT_RR, .prio = 1 }));
	REFUSED(sim, SCHED_ESTALE, sched_auth_derive(&au, dead, SCHED_RIGHT_FAIR, NULL, NULL));
	REFUSED(sim, SCHED_ESTALE, sched_auth_revoke(dead));
	REFUSED(sim, SCHED_ESTALE, sched_sc_configure(&sim->sys, dead, cap, &sp));
	REFUSED(sim, SCHED_ESTALE, sched_sc_configure(&sim->sys, root(sim), stale, &sp));
	REFUSED(sim, SCHED_ESTALE, sched_sc_bind(&sim->sys, stale, rb));
	REFUSED(sim, SCHED_ESTALE, sched_sc_bind(&sim->sys, cap, old));
	REFUSED(sim, SCHED_ESTALE, sched_sc_unbind(&sim->sys, stale));
	REFUSED(sim, SCHED_ESTALE, sched_sc_revoke(&sim->sys, stale));
	REFUSED(sim, SCHED_ESTALE, sched_sc_stats(&sim->sys, stale, &st));
	REFUSED(sim, SCHED_ESTALE, sched_sc_revoke_owned(&sim->sys, dead, &sim->all));
	REFUSED(sim, SCHED_ESTALE, sched_core_create(&sim->sys, root(sim), old, SCHED_CORE_THREAD));
	REFUSED(sim, SCHED_ESTALE, sched_core_create(&sim->sys, dead, rb, SCHED_CORE_THREAD));
	REFUSED(sim, SCHED_ESTALE, sched_core_share(&sim->sys, root(sim), old, rb, SCHED_CORE_THREAD));
	REFUSED(sim, SCHED_ESTALE, sched_core_share(&sim->sys, root(sim), rb, old, SCHED_CORE_THREAD));
	REFUSED(sim, SCHED_ESTALE, sched_core_clear(&sim->sys, root(sim), old, SCHED_CORE_THREAD));
	REFUSED(sim, SCHED_ESTALE, sched_core_get(&sim->sys, old, &ck));
	/* the target of a call or a reply exited */
	wake_from(sim, 0, b);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_ESTALE, sched_call(&sim->sys, 0, old, &next));
	REFUSED(sim, SCHED_ESTALE, sched_reply(&sim->sys, 0, old, &next));
	assert_int_equal(spare.gen, 0);
	sim_free(sim);
}

/* --- ESTATE ---------------------------------------------------------------------------- */

static void estate_wrong_state_of_thread_cpu_or_sc(void **state)
{
	struct sim *sim = new_machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sched_thread_params tp = { 0 };
	struct sched_thread *next;
	sched_cpumask_t m = mask_of(0);
	struct sched_sc_cap raw, configured;

	(void)state;
	raw = new_sc(sim, &m, false);
	configured = new_sc(sim, &m, true);
	/* CPU 1 runs its idle thread: no current thread to act on */
	sim_enter(sim, 1);
	REFUSED(sim, SCHED_ESTATE, sched_block(&sim->sys, 1, &next));
	REFUSED(sim, SCHED_ESTATE, sched_park(&sim->sys, 1, &next));
	REFUSED(sim, SCHED_ESTATE, sched_sleep_until(&sim->sys, 1, sim->now + MS, &next));
	REFUSED(sim, SCHED_ESTATE, sched_yield_cpu(&sim->sys, 1, &next));
	REFUSED(sim, SCHED_ESTATE, sched_call(&sim->sys, 1, sched_ref_of(&b->st), &next));
	REFUSED(sim, SCHED_ESTATE, sched_reply(&sim->sys, 1, sched_ref_of(&b->st), &next));
	/* a runs on CPU 0 */
	wake_from(sim, 0, a);
	wake_from(sim, 0, b); /* goes to the idle CPU 1 */
	assert_ptr_equal(running_on(sim, 1), b);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_ESTATE, sched_wake(&sim->sys, sched_ref_of(&a->st), SCHED_WAKE_PARK));
	REFUSED(sim, SCHED_ESTATE, sched_call(&sim->sys, 0, sched_ref_of(&a->st), &next)); /* itself */
	REFUSED(sim, SCHED_ESTATE, sched_call(&sim->sys, 0, sched_ref_of(&b->st), &next)); /* running */
	REFUSED(sim, SCHED_ESTATE, sched_reply(&sim->sys, 0, sched_ref_of(&b->st), &next));
	REFUSED(sim, SCHED_ESTATE, sched_thread_init(&sim->sys, &b->st, &tp)); /* a live thread */
	REFUSED(sim, SCHED_ESTATE, sched_sc_bind(&sim->sys, raw, sched_ref_of(&a->st)));
	REFUSED(sim, SCHED_ESTATE, sched_sc_unbind(&sim->sys, configured));
	sim_free(sim);
}

/* --- ECPU: every entry that takes a CPU, out of range or offline ------------------------- */

static void ecpu_out_of_range_for_every_entry_taking_a_cpu(void **state)
{
	static const unsigned bad[] = { 2, 3, SCHED_MAX_CPUS, SCHED_MAX_CPUS + 1, 1000, UINT_MAX };
	struct sim *sim = new_machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sched_ref rb = sched_ref_of(&b->st);
	struct sched_thread *next;
	struct sched_trace_event ev[4];
	struct sched_authority au = { 0 };
	sched_cpumask_t m = mask_of(0), far = mask_of(2);
	struct sched_sc_cap cap;
	struct sched_sc_params sp = sc_params(&m);

	(void)state;
	watch(&au, sizeof(au));
	cap = new_sc(sim, &m, false);
	wake_from(sim, 0, a);
	sim_enter(sim, 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned c = bad[i];

		REFUSED(sim, SCHED_ECPU, sched_cpu_online(&sim->sys, c, &sim->cpu[0].idle));
		REFUSED(sim, SCHED_ECPU, sched_cpu_offline(&sim->sys, c));
		REFUSED(sim, SCHED_ECPU, sched_block(&sim->sys, c, &next));
		REFUSED(sim, SCHED_ECPU, sched_park(&sim->sys, c, &next));
		REFUSED(sim, SCHED_ECPU, sched_sleep_until(&sim->sys, c, sim->now + MS, &next));
		REFUSED(sim, SCHED_ECPU, sched_yield_cpu(&sim->sys, c, &next));
		REFUSED(sim, SCHED_ECPU, sched_call(&sim->sys, c, rb, &next));
		REFUSED(sim, SCHED_ECPU, sched_reply(&sim->sys, c, rb, &next));
		REFUSED(sim, SCHED_ECPU, sched_core_enter_kernel(&sim->sys, c));
		REFUSED(sim, SCHED_ECPU, sched_core_exit_kernel(&sim->sys, c));
		/* the entries that cannot return a code answer "nothing" */
		QUIET(sim, assert_null(sched_pick(&sim->sys, c)));
		QUIET(sim, sched_finish_switch(&sim->sys, c));
		QUIET(sim, assert_false(sched_timer(&sim->sys, c)));
		QUIET(sim, assert_false(sched_ipi(&sim->sys, c)));
		QUIET(sim, assert_false(sched_need_resched(&sim->sys, c)));
		QUIET(sim, sched_note_as_switch(&sim->sys, c));
		QUIET(sim, assert_int_equal(sched_cpu_counter(&sim->sys, c, SCHED_CNT_SWITCHES), 0));
		QUIET(sim, assert_int_equal(sched_trace_read(&sim->sys, c, ev, 4), 0));
		QUIET(sim, assert_int_equal(sched_core_forced_idle_ns(&sim->sys, c), 0));
		QUIET(sim, assert_false(sched_core_kernel_safe(&sim->sys, c)));
	}
	/* a CPU out of range in a CPU set: before the authority check (no authority has it) */
	sp.cpus = far;
	REFUSED(sim, SCHED_ECPU, sched_sc_configure(&sim->sys, root(sim), cap, &sp));
	sched_cpumask_set(&sp.cpus, 0);
	REFUSED(sim, SCHED_ECPU, sched_sc_configure(&sim->sys, root(sim), cap, &sp));
	sched_cpumask_set(&sp.cpus, SCHED_MAX_CPUS - 1);
	REFUSED(sim, SCHED_ECPU, sched_sc_configure(&sim->sys, root(sim), cap, &sp));
	REFUSED(sim, SCHED_ECPU, sched_auth_derive(&au, root(sim), SCHED_RIGHT_FAIR, NULL, &far));
	sched_cpumask_set(&far, 1);
	REFUSED(sim, SCHED_ECPU, sched_auth_derive(&au, root(sim), SCHED_RIGHT_FAIR, NULL, &far));
	sim_free(sim);
}

static void ecpu_offline_cpu(void **state)
{
	struct sim *sim = new_machine(3, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sched_thread *next = NULL;
	sched_cpumask_t m = mask_of(0);
	struct sched_sc_cap cap;
	struct sched_sc_params sp;

	(void)state;
	cap = new_sc(sim, &m, false);
	sim_enter(sim, 0);
	assert_int_equal(sched_cpu_offline(&sim->sys, 2), 0);
	settle(sim);
	/* offline again; an on-CPU entry on the offline CPU, which runs only its idle thread */
	REFUSED(sim, SCHED_ECPU, sched_cpu_offline(&sim->sys, 2));
	sim_enter(sim, 2);
	REFUSED(sim, SCHED_ECPU, sched_block(&sim->sys, 2, &next));
	REFUSED(sim, SCHED_ECPU, sched_park(&sim->sys, 2, &next));
	REFUSED(sim, SCHED_ECPU, sched_yield_cpu(&sim->sys, 2, &next));
	REFUSED(sim, SCHED_ECPU, sched_sleep_until(&sim->sys, 2, sim->now + MS, &next));
	REFUSED(sim, SCHED_ECPU, sched_call(&sim->sys, 2, sched_ref_of(&b->st), &next));
	REFUSED(sim, SCHED_ECPU, sched_reply(&sim->sys, 2, sched_ref_of(&b->st), &next));
	/* an SC's CPU set may hold only online CPUs */
	sched_cpumask_set(&m, 2);
	sp = sc_params(&m);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_ECPU, sched_sc_configure(&sim->sys, root(sim), cap, &sp));
	/* a sleep with a timeout on a CPU being taken offline: its thread must move first */
	wake_from(sim, 0, a);
	sim_enter(sim, 1);
	assert_int_equal(sched_cpu_offline(&sim->sys, 0), 0);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_ECPU, sched_sleep_until(&sim->sys, 0, sim->now + MS, &next));
	assert_int_equal(a->st.state, SCHED_MIGRATING);
	settle(sim);
	sim_free(sim);
}

/* --- security answers fail closed ---------------------------------------------------------- */

static void kernel_safe_fails_closed(void **state)
{
	struct sim_config cfg = { .cpus = 2, .smt = 2, .seed = 1, .core_sched = true,
				  .core_protect = true };
	struct sim *sim = sim_new(&cfg), *plain = new_machine(2, 1);

	(void)state;
	assert_non_null(sim);
	nr_extras = 0;
	assert_false(sched_core_kernel_safe(NULL, 0));
	assert_false(sched_core_kernel_safe(NULL, 1));
	QUIET(sim, assert_false(sched_core_kernel_safe(&sim->sys, 2)));
	QUIET(sim, assert_false(sched_core_kernel_safe(&sim->sys, UINT_MAX)));
	QUIET(sim, assert_true(sched_core_kernel_safe(&sim->sys, 0))); /* nothing exposed */
	/* protection off: valid CPUs are safe, bad ones still are not */
	QUIET(plain, assert_true(sched_core_kernel_safe(&plain->sys, 0)));
	QUIET(plain, assert_false(sched_core_kernel_safe(&plain->sys, 2)));
	assert_false(sched_core_kernel_safe(NULL, 0));
	sim_free(plain);
	sim_free(sim);
}

static void authority_checks_fail_closed(void **state)
{
	struct sim *sim = core_machine(2, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	struct sched_ref ra = sched_ref_of(&a->st);
	struct sched_auth nul = { NULL, 0 }, wrong_gen = { &sim->sys.root_authority, 0 };
	struct sched_fair_params fp = { .nice = 5 };
	sched_cpumask_t m = mask_of(0);
	struct sched_sc_params sp = sc_params(&m);
	struct sched_sc_cap cap, forged;

	(void)state;
	cap = new_sc(sim, &m, false);
	forged = cap;
	forged.gen += 7;
	REFUSED(sim, SCHED_EINVAL, sched_set_fair(&sim->sys, nul, ra, &fp));
	REFUSED(sim, SCHED_ESTALE, sched_set_fair(&sim->sys, wrong_gen, ra, &fp));
	REFUSED(sim, SCHED_EINVAL, sched_core_create(&sim->sys, nul, ra, SCHED_CORE_THREAD));
	REFUSED(sim, SCHED_ESTALE, sched_core_create(&sim->sys, wrong_gen, ra, SCHED_CORE_THREAD));
	REFUSED(sim, SCHED_EINVAL, sched_sc_configure(&sim->sys, nul, cap, &sp));
	REFUSED(sim, SCHED_ESTALE, sched_sc_configure(&sim->sys, wrong_gen, cap, &sp));
	REFUSED(sim, SCHED_ESTALE, sched_sc_configure(&sim->sys, root(sim), forged, &sp));
	REFUSED(sim, SCHED_EINVAL, sched_sc_revoke_owned(&sim->sys, nul, &sim->all));
	REFUSED(sim, SCHED_ESTALE, sched_auth_revoke(wrong_gen));
	assert_int_equal(a->st.nice, 0);
	sim_free(sim);
}

/* --- EAFFINITY -------------------------------------------------------------------------- */

static void eaffinity_no_online_cpu_or_outside_its_sc(void **state)
{
	struct sim *sim = new_machine(2, 1);
	sched_cpumask_t only1 = mask_of(1), only0 = mask_of(0), both, none, far = mask_of(40);
	struct sched_thread_params tp1 = { .affinity = &only1 }, tpfar = { .affinity = &far };
	struct sim_thread *p1 = thread_with(sim, &tp1), *x = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *y = hand_thread(sim, 0, 0, NULL), *z = hand_thread(sim, 0, 0, NULL);
	struct sched_thread spare = { 0 }, *next;
	struct sched_sc_cap c0, c0b;
	struct sched_sc_params sp = sc_params(&only0);

	(void)state;
	sched_cpumask_fill(&both, 2);
	sched_cpumask_clear(&none);
	REFUSED(sim, SCHED_EAFFINITY, sched_thread_init(&sim->sys, &spare, &tpfar));
	REFUSED(sim, SCHED_EAFFINITY, sched_set_affinity(&sim->sys, sched_ref_of(&x->st), &none));
	REFUSED(sim, SCHED_EAFFINITY, sched_set_affinity(&sim->sys, sched_ref_of(&x->st), &far));
	/* p1 may run only on CPU 1: blocked there, then CPU 1 goes offline */
	wake_from(sim, 0, p1);
	assert_ptr_equal(running_on(sim, 1), p1);
	assert_int_equal(block_on(sim, 1), 0);
	sim_enter(sim, 0);
	assert_int_equal(sched_cpu_offline(&sim->sys, 1), 0);
	settle(sim);
	REFUSED(sim, SCHED_EAFFINITY, sched_wake(&sim->sys, sched_ref_of(&p1->st), SCHED_WAKE_PARK));
	REFUSED(sim, SCHED_EAFFINITY, sched_unpark(&sim->sys, sched_ref_of(&p1->st)));
	wake_from(sim, 0, x);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_EAFFINITY, sched_call(&sim->sys, 0, sched_ref_of(&p1->st), &next));
	REFUSED(sim, SCHED_EAFFINITY, sched_reply(&sim->sys, 0, sched_ref_of(&p1->st), &next));
	sim_enter(sim, 1);
	assert_int_equal(sched_cpu_online(&sim->sys, 1, &sim->cpu[1].idle), 0);
	sim_resched(sim, 1);
	settle(sim);
	/* SC CPUs {0}: a thread allowed {0,1} may not bind it, nor widen its mask past it */
	c0 = new_sc(sim, &only0, true);
	c0b = new_sc(sim, &only0, true);
	REFUSED(sim, SCHED_EAFFINITY, sched_sc_bind(&sim->sys, c0, sched_ref_of(&y->st)));
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&y->st), &only0), 0);
	assert_int_equal(sched_sc_bind(&sim->sys, c0, sched_ref_of(&y->st)), 0);
	REFUSED(sim, SCHED_EAFFINITY, sched_set_affinity(&sim->sys, sched_ref_of(&y->st), &both));
	/* reconfiguring y's SC (y blocked) onto CPU 1 would leave y's mask outside it */
	sp.cpus = only1;
	REFUSED(sim, SCHED_EAFFINITY, sched_sc_configure(&sim->sys, root(sim), c0, &sp));
	/* a donation to a server allowed outside the SC's CPUs */
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&z->st), &only0), 0);
	assert_int_equal(sched_sc_bind(&sim->sys, c0b, sched_ref_of(&z->st)), 0);
	assert_int_equal(block_on(sim, 0), 0); /* x blocks: CPU 0 is free for z */
	wake_from(sim, 0, z);
	assert_ptr_equal(running_on(sim, 0), z);
	assert_int_equal(x->st.state, SCHED_BLOCKED); /* allowed {0,1}, no SC */
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_EAFFINITY, sched_call(&sim->sys, 0, sched_ref_of(&x->st), &next));
	assert_int_equal(spare.gen, 0);
	sim_free(sim);
}

/* --- EBUSY: kernel protection ---------------------------------------------------------------- */

static void ebusy_exit_kernel_while_a_sibling_is_in_the_kernel(void **state)
{
	struct sim *sim = core_machine(2, 2);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);

	(void)state;
	assert_int_equal(sched_core_create(&sim->sys, root(sim), sched_ref_of(&a->st),
					   SCHED_CORE_THREAD), 0);
	assert_int_equal(sched_core_share(&sim->sys, root(sim), sched_ref_of(&a->st),
					  sched_ref_of(&b->st), SCHED_CORE_THREAD), 0);
	sim->sys.cfg.core_protect = true; /* driven by hand */
	wake_from(sim, 0, a);
	wake_from(sim, 0, b);
	advance(sim, MS);
	sim_enter(sim, 0);
	assert_int_equal(sched_core_enter_kernel(&sim->sys, 0), 1);
	sim_enter(sim, 1);
	assert_int_equal(sched_core_enter_kernel(&sim->sys, 1), 0);
	assert_int_equal(sched_core_exit_kernel(&sim->sys, 1), -SCHED_EBUSY);
	assert_int_equal(sched_core_exit_kernel(&sim->sys, 1), -SCHED_EBUSY); /* spins */
	sim_enter(sim, 0);
	assert_int_equal(sched_core_exit_kernel(&sim->sys, 0), 0);
	sim_enter(sim, 1);
	assert_int_equal(sched_core_exit_kernel(&sim->sys, 1), 0);
	sim_run_until(sim, sim->now + MS);
	sim_free(sim);
}

/* --- EPERM ------------------------------------------------------------------------------- */

static void eperm_authority_or_capability_does_not_grant_it(void **state)
{
	struct sim *sim = core_machine(2, 1);
	struct sched_group proc, other;
	struct sim_thread *a, *b;
	struct sched_authority fair_only = { 0 }, scoped = { 0 }, cpu0 = { 0 }, no_sc = { 0 };
	struct sched_authority sc_only = { 0 };
	struct sched_fair_params fp = { .nice = 3 };
	sched_cpumask_t m0 = mask_of(0), both;
	struct sched_sc_params sp = sc_params(&m0);
	struct sched_sc_cap cap, ro, bind_only;
	struct sched_sc_stats st;

	(void)state;
	sched_cpumask_fill(&both, 2);
	assert_int_equal(sched_group_init(&sim->sys, &proc,
					  &(struct sched_group_params){ .id = 1, .kind = SCHED_GROUP_PROCESS }), 0);
	assert_int_equal(sched_group_init(&sim->sys, &other,
					  &(struct sched_group_params){ .id = 2, .kind = SCHED_GROUP_PROCESS }), 0);
	a = hand_thread(sim, 0, 0, &proc);
	b = hand_thread(sim, 0, 0, &other);
	assert_int_equal(sched_auth_derive(&fair_only, root(sim), SCHED_RIGHT_FAIR, NULL, NULL), 0);
	assert_int_equal(sched_auth_derive(&scoped, root(sim), SCHED_RIGHT_ALL, &proc, NULL), 0);
	assert_int_equal(sched_auth_derive(&cpu0, root(sim), SCHED_RIGHT_ALL, NULL, &m0), 0);
	assert_int_equal(sched_auth_derive(&no_sc, root(sim), SCHED_RIGHT_FAIR | SCHED_RIGHT_CORE,
					   NULL, NULL), 0);
	assert_int_equal(sched_auth_derive(&sc_only, root(sim), SCHED_RIGHT_SC_CONTROL, NULL, NULL), 0);
	watch(&fair_only, sizeof(fair_only));
	watch(&scoped, sizeof(scoped));
	watch(&proc, sizeof(proc));
	watch(&other, sizeof(other));
	REFUSED(sim, SCHED_EPERM, sched_set_fair(&sim->sys, token(&scoped), sched_ref_of(&b->st), &fp));
	REFUSED(sim, SCHED_EPERM, sched_set_fair(&sim->sys, token(&sc_only), sched_ref_of(&a->st), &fp));
	REFUSED(sim, SCHED_EPERM, sched_set_rt(&sim->sys, token(&fair_only), sched_ref_of(&a->st),
					       &(struct sched_rt_params){ .policy = SCHED_RT_FIFO, .prio = 50 }));
	REFUSED(sim, SCHED_EPERM, sched_set_rt(&sim->sys, token(&scoped), sched_ref_of(&b->st),
					       &(struct sched_rt_params){ .policy = SCHED_RT_FIFO, .prio = 50 }));
	REFUSED(sim, SCHED_EPERM, sched_auth_derive(&scoped, token(&fair_only), SCHED_RIGHT_FAIR,
						   NULL, NULL)); /* no DERIVE right */
	REFUSED(sim, SCHED_EPERM, sched_auth_derive(&fair_only, token(&scoped), SCHED_RIGHT_FAIR,
						   &other, NULL)); /* outside its scope */
	REFUSED(sim, SCHED_EPERM, sched_auth_derive(&fair_only, token(&cpu0), SCHED_RIGHT_FAIR,
						   NULL, &both)); /* CPUs outside its set */
	cap = new_sc(sim, &m0, false);
	REFUSED(sim, SCHED_EPERM, sched_sc_configure(&sim->sys, token(&no_sc), cap, &sp));
	sp.cpus = both;
	REFUSED(sim, SCHED_EPERM, sched_sc_configure(&sim->sys, token(&cpu0), cap, &sp));
	sp.cpus = m0;
	REFUSED(sim, SCHED_EPERM, sched_sc_configure(&sim->sys, root(sim),
						    sched_sc_cap_restrict(cap, SCHED_SC_BIND), &sp));
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap, &sp), 0);
	ro = sched_sc_cap_restrict(cap, SCHED_SC_READ);
	bind_only = sched_sc_cap_restrict(cap, SCHED_SC_BIND);
	REFUSED(sim, SCHED_EPERM, sched_sc_bind(&sim->sys, ro, sched_ref_of(&a->st)));
	REFUSED(sim, SCHED_EPERM, sched_sc_unbind(&sim->sys, ro));
	REFUSED(sim, SCHED_EPERM, sched_sc_revoke(&sim->sys, bind_only));
	REFUSED(sim, SCHED_EPERM, sched_sc_stats(&sim->sys, bind_only, &st));
	REFUSED(sim, SCHED_EPERM, sched_sc_revoke_owned(&sim->sys, token(&fair_only), &proc));
	REFUSED(sim, SCHED_EPERM, sched_sc_revoke_owned(&sim->sys, token(&scoped), &other));
	REFUSED(sim, SCHED_EPERM, sched_core_create(&sim->sys, token(&fair_only), sched_ref_of(&a->st),
						   SCHED_CORE_THREAD));
	REFUSED(sim, SCHED_EPERM, sched_core_create(&sim->sys, token(&scoped), sched_ref_of(&b->st),
						   SCHED_CORE_THREAD));
	REFUSED(sim, SCHED_EPERM, sched_core_share(&sim->sys, token(&scoped), sched_ref_of(&a->st),
						  sched_ref_of(&b->st), SCHED_CORE_THREAD));
	REFUSED(sim, SCHED_EPERM, sched_core_clear(&sim->sys, token(&fair_only), sched_ref_of(&a->st),
						  SCHED_CORE_THREAD));
	sim_free(sim);
}

/* --- EDEPTH ------------------------------------------------------------------------------ */

static void edepth_groups_authorities_and_donation_chains(void **state)
{
	struct sim *sim = new_machine(1, 1);
	struct sched_group g[SCHED_GROUP_DEPTH_MAX + 1];
	struct sched_authority au[SCHED_AUTH_DEPTH_MAX + 1];
	struct sched_auth parent = root(sim);
	sched_cpumask_t m = mask_of(0);
	struct sched_sc_cap cap;
	struct sim_thread *caller, *srv[SCHED_DONATION_DEPTH_MAX + 1];
	struct sched_thread *next;

	(void)state;
	memset(g, 0, sizeof(g));
	memset(au, 0, sizeof(au));
	for (unsigned i = 0; i < SCHED_GROUP_DEPTH_MAX; i++)
		assert_int_equal(sched_group_init(&sim->sys, &g[i],
						  &(struct sched_group_params){ .id = i + 1,
										 .parent = i ? &g[i - 1] : NULL }), 0);
	watch(&g[SCHED_GROUP_DEPTH_MAX], sizeof(g[0]));
	REFUSED(sim, SCHED_EDEPTH, sched_group_init(&sim->sys, &g[SCHED_GROUP_DEPTH_MAX],
						    &(struct sched_group_params){
							    .id = 9, .parent = &g[SCHED_GROUP_DEPTH_MAX - 1] }));
	/* root is depth 1: SCHED_AUTH_DEPTH_MAX - 1 derivations reach the limit */
	for (unsigned i = 0; i + 1 < SCHED_AUTH_DEPTH_MAX; i++) {
		assert_int_equal(sched_auth_derive(&au[i], parent, SCHED_RIGHT_ALL, NULL, NULL), 0);
		parent = token(&au[i]);
	}
	watch(&au[SCHED_AUTH_DEPTH_MAX], sizeof(au[0]));
	REFUSED(sim, SCHED_EDEPTH, sched_auth_derive(&au[SCHED_AUTH_DEPTH_MAX], parent,
						    SCHED_RIGHT_FAIR, NULL, NULL));
	/* a donation chain past SCHED_DONATION_DEPTH_MAX links */
	cap = new_sc(sim, &m, true);
	caller = hand_thread(sim, 0, 0, NULL);
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&caller->st)), 0);
	for (unsigned i = 0; i <= SCHED_DONATION_DEPTH_MAX; i++)
		srv[i] = thread_with(sim, &(struct sched_thread_params){ .passive = true });
	wake_from(sim, 0, caller);
	for (unsigned i = 0; i < SCHED_DONATION_DEPTH_MAX; i++)
		assert_int_equal(handoff(sim, 0, srv[i], false), 0);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_EDEPTH, sched_call(&sim->sys, 0, sched_ref_of(&srv[SCHED_DONATION_DEPTH_MAX]->st),
					      &next));
	sim_free(sim);
}

/* --- ECHECK, EEXIST, EFULL -------------------------------------------------------------- */

static void echeck_eexist_efull(void **state)
{
	struct sim *sim = new_machine(2, 1);
	struct sched_refill ring[2];
	struct sched_sc_cap cap;
	static struct sched_sc one[1];

	(void)state;
	/* no pool given: no slot at all */
	REFUSED(sim, SCHED_EFULL, sched_sc_create(&sim->sys, NULL, ring, 2, &cap));
	assert_int_equal(sched_sc_pool(&sim->sys, one, 1), 0);
	REFUSED(sim, SCHED_EEXIST, sched_sc_pool(&sim->sys, pool, 8));
	assert_int_equal(sched_sc_create(&sim->sys, NULL, ring, 2, &cap), 0);
	REFUSED(sim, SCHED_EFULL, sched_sc_create(&sim->sys, NULL, ring, 2, &cap));
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_EEXIST, sched_cpu_online(&sim->sys, 0, &sim->cpu[0].idle));
	/* the checker */
	sim->rq[1].nr_queued = 3;
	assert_int_equal(sched_check(&sim->sys), -SCHED_ECHECK);
	assert_non_null(sim->sys.check_msg);
	sim->rq[1].nr_queued = 0;
	check_ok(sim);
	sim_free(sim);
}

/* --- hotplug: ELAST_CPU, EPINNED, EAGAIN -------------------------------------------------- */

static void offline_refusals_each_have_their_code(void **state)
{
	struct sim *sim = new_machine(3, 1);
	sched_cpumask_t only2 = mask_of(2), m12;
	struct sim_thread *pin = thread_with(sim, &(struct sched_thread_params){ .affinity = &only2 });
	struct sim_thread *mover = hand_thread(sim, 0, 0, NULL);
	struct sched_thread *next;
	unsigned dst;

	(void)state;
	/* a thread that may run only on CPU 2, sleeping with its timeout there */
	wake_from(sim, 0, pin);
	assert_ptr_equal(running_on(sim, 2), pin);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_EPINNED, sched_cpu_offline(&sim->sys, 2));
	sim_enter(sim, 2);
	assert_int_equal(sched_sleep_until(&sim->sys, 2, sim->now + 5 * MS, &next), 0);
	sim_switch(sim, 2, next);
	settle(sim);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_EPINNED, sched_cpu_offline(&sim->sys, 2));
	advance(sim, 6 * MS);
	/* a thread migrating towards the CPU: again after its switch */
	wake_from(sim, 0, mover);
	sched_cpumask_clear(&m12);
	sched_cpumask_set(&m12, 1);
	sim_enter(sim, 1);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&mover->st), &m12), 0);
	assert_int_equal(mover->st.state, SCHED_MIGRATING);
	dst = mover->st.dst_cpu;
	REFUSED(sim, SCHED_EAGAIN, sched_cpu_offline(&sim->sys, dst));
	settle(sim);
	assert_ptr_equal(running_on(sim, dst), mover);
	/* the last online CPU */
	sim_enter(sim, 0);
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&pin->st)), 0);
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&mover->st)), 0);
	settle(sim);
	advance(sim, MS);
	assert_int_equal(sched_cpu_offline(&sim->sys, 1), 0);
	assert_int_equal(sched_cpu_offline(&sim->sys, 2), 0);
	settle(sim);
	REFUSED(sim, SCHED_ELAST_CPU, sched_cpu_offline(&sim->sys, 0));
	sim_free(sim);
}

static void eagain_storage_still_on_a_cpu_stack(void **state)
{
	struct sim *sim = new_machine(1, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	struct sched_thread_params p = { .id = 9 };

	(void)state;
	wake_from(sim, 0, a);
	sim_enter(sim, 0);
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&a->st)), 0);
	REFUSED(sim, SCHED_EAGAIN, sched_thread_init(&sim->sys, &a->st, &p));
	sim_resched(sim, 0);
	assert_int_equal(sched_thread_init(&sim->sys, &a->st, &p), 0);
	/* (sched_wake, sched_unpark, sched_call and sched_reply return -SCHED_EAGAIN only when
	 * hotplug takes every placement target offline under them: a race between CPUs that
	 * the one-event-at-a-time simulator cannot produce; stress_threads runs into it.) */
	sim_free(sim);
}

/* --- ENOSC, ELENT, EBOUND, EACTIVE ------------------------------------------------------------ */

static void sc_codes_enosc_elent_ebound_eactive(void **state)
{
	struct sim *sim = new_machine(1, 1);
	sched_cpumask_t m = mask_of(0);
	struct sched_sc_cap cap = new_sc(sim, &m, true), cap2 = new_sc(sim, &m, true);
	struct sched_sc_params sp = sc_params(&m);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *f = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *d = hand_thread(sim, 0, 0, NULL);
	struct sched_thread_params passive = { .passive = true };
	struct sim_thread *b = thread_with(sim, &passive), *c = thread_with(sim, &passive);
	struct sim_thread *s = thread_with(sim, &passive);
	struct sched_thread *next;

	(void)state;
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&a->st)), 0);
	/* ENOSC: a passive thread nothing lends an SC to */
	REFUSED(sim, SCHED_ENOSC, sched_wake(&sim->sys, sched_ref_of(&s->st), SCHED_WAKE_PARK));
	wake_from(sim, 0, f);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_ENOSC, sched_call(&sim->sys, 0, sched_ref_of(&s->st), &next));
	/* A (on its SC) calls B calls C: the SC is lent down the chain */
	wake_from(sim, 0, a);
	assert_ptr_equal(running_on(sim, 0), a);
	assert_int_equal(handoff(sim, 0, b, false), 0);
	assert_int_equal(handoff(sim, 0, c, false), 0);
	assert_ptr_equal(running_on(sim, 0), c);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_ELENT, sched_wake(&sim->sys, sched_ref_of(&a->st), SCHED_WAKE_PARK));
	REFUSED(sim, SCHED_ELENT, sched_wake(&sim->sys, sched_ref_of(&b->st), SCHED_WAKE_PARK));
	REFUSED(sim, SCHED_ELENT, sched_unpark(&sim->sys, sched_ref_of(&a->st)));
	REFUSED(sim, SCHED_ELENT, sched_unpark(&sim->sys, sched_ref_of(&b->st)));
	REFUSED(sim, SCHED_ELENT, sched_reply(&sim->sys, 0, sched_ref_of(&a->st), &next)); /* skips B */
	REFUSED(sim, SCHED_ELENT, sched_call(&sim->sys, 0, sched_ref_of(&b->st), &next));  /* a link */
	REFUSED(sim, SCHED_ELENT, sched_call(&sim->sys, 0, sched_ref_of(&a->st), &next));
	REFUSED(sim, SCHED_ELENT, sched_sc_unbind(&sim->sys, cap));
	/* EBOUND: either side already has an SC */
	REFUSED(sim, SCHED_EBOUND, sched_sc_bind(&sim->sys, cap, sched_ref_of(&d->st)));  /* SC bound */
	REFUSED(sim, SCHED_EBOUND, sched_sc_bind(&sim->sys, cap2, sched_ref_of(&a->st))); /* own SC */
	REFUSED(sim, SCHED_EBOUND, sched_sc_bind(&sim->sys, cap2, sched_ref_of(&b->st))); /* a link */
	REFUSED(sim, SCHED_EBOUND, sched_sc_bind(&sim->sys, cap2, sched_ref_of(&c->st))); /* holds A's */
	/* EACTIVE: C runs on A's SC */
	REFUSED(sim, SCHED_EACTIVE, sched_sc_configure(&sim->sys, root(sim), cap, &sp));
	/* unwind: C replies to B, B to A; B is then a blocked passive thread without an SC */
	assert_int_equal(handoff(sim, 0, b, true), 0);
	assert_int_equal(handoff(sim, 0, a, true), 0);
	assert_ptr_equal(running_on(sim, 0), a);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_EACTIVE, sched_sc_configure(&sim->sys, root(sim), cap, &sp)); /* A runs */
	REFUSED(sim, SCHED_ENOSC, sched_unpark(&sim->sys, sched_ref_of(&b->st)));
	REFUSED(sim, SCHED_ENOSC, sched_wake(&sim->sys, sched_ref_of(&b->st), SCHED_WAKE_PARK));
	assert_int_equal(sched_sc_unbind(&sim->sys, cap), 0); /* A is a fair thread now */
	settle(sim);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_ENOSC, sched_call(&sim->sys, 0, sched_ref_of(&b->st), &next));
	REFUSED(sim, SCHED_ENOSC, sched_reply(&sim->sys, 0, sched_ref_of(&b->st), &next));
	sim_free(sim);
}

/* --- EDISABLED, ENOGROUP ------------------------------------------------------------------ */

static void core_codes_edisabled_enogroup(void **state)
{
	struct sim *off = new_machine(2, 2), *on;
	struct sim_thread *t = hand_thread(off, 0, 0, NULL), *u;
	struct sched_ref rt = sched_ref_of(&t->st), ru;
	sched_cookie_t ck;
	static const enum sched_core_scope scopes[] = { SCHED_CORE_PROCESS, SCHED_CORE_SESSION };

	(void)state;
	REFUSED(off, SCHED_EDISABLED, sched_core_create(&off->sys, root(off), rt, SCHED_CORE_THREAD));
	REFUSED(off, SCHED_EDISABLED, sched_core_share(&off->sys, root(off), rt, rt, SCHED_CORE_THREAD));
	REFUSED(off, SCHED_EDISABLED, sched_core_clear(&off->sys, root(off), rt, SCHED_CORE_THREAD));
	REFUSED(off, SCHED_EDISABLED, sched_core_get(&off->sys, rt, &ck));
	sim_free(off);
	on = core_machine(2, 2);
	u = hand_thread(on, 0, 0, NULL); /* in no group */
	ru = sched_ref_of(&u->st);
	for (unsigned i = 0; i < 2; i++) {
		REFUSED(on, SCHED_ENOGROUP, sched_core_create(&on->sys, root(on), ru, scopes[i]));
		REFUSED(on, SCHED_ENOGROUP, sched_core_share(&on->sys, root(on), ru, ru, scopes[i]));
		REFUSED(on, SCHED_ENOGROUP, sched_core_clear(&on->sys, root(on), ru, scopes[i]));
	}
	sim_free(on);
}

/* --- EUNSCHED and the admission analysis's EINVAL ----------------------------------------- */

/* The analysis reads only the caller's array: "changed nothing" is the array unchanged. */
static void eunsched_and_einval_of_the_admission_analysis(void **state)
{
	struct sched_rt_task ok[2] = { { 5, 10, 10, 10 }, { 5, 10, 10, 20 } };
	struct sched_rt_task three[3] = { { 5, 10, 10, 10 }, { 5, 10, 10, 20 }, { 5, 10, 10, 30 } };
	struct sched_rt_task bad[] = {
		{ 0, 10, 10, 1 },  /* no budget */
		{ 6, 10, 5, 1 },   /* budget above deadline */
		{ 5, 10, 11, 1 },  /* deadline above period */
		{ 1, SCHED_RT_TIME_MAX + 1, SCHED_RT_TIME_MAX + 1, 1 },
	};
	struct sched_rt_task prio0 = { 1, 10, 10, 0 }, copy[3];
	struct sched_rt_verdict v;

	(void)state;
	assert_int_equal(sched_rt_edf_check(ok, 2, 1000000, &v), 0);
	assert_int_equal(sched_rt_fp_check(ok, 2, 1000000, &v), 0);
	memcpy(copy, three, sizeof(three));
	assert_int_equal(sched_rt_edf_check(three, 3, 1000000, &v), -SCHED_EUNSCHED);
	assert_int_equal(v.test, SCHED_RT_EDF_UTIL);
	assert_int_equal(sched_rt_fp_check(three, 3, 1000000, &v), -SCHED_EUNSCHED);
	assert_int_equal(v.test, SCHED_RT_FP_RTA);
	assert_int_equal(v.task, 0); /* the lowest priority misses */
	assert_memory_equal(copy, three, sizeof(three));
	/* at a 95% cap even two halves do not fit */
	assert_int_equal(sched_rt_edf_check(ok, 2, 950000, &v), -SCHED_EUNSCHED);
	assert_int_equal(sched_rt_fp_check(ok, 2, 950000, &v), -SCHED_EUNSCHED);
	assert_int_equal(sched_rt_edf_check(NULL, 1, 1000000, &v), -SCHED_EINVAL);
	assert_int_equal(sched_rt_fp_check(NULL, 1, 1000000, &v), -SCHED_EINVAL);
	assert_int_equal(sched_rt_edf_check(ok, SCHED_RT_TASKS_MAX + 1, 1000000, &v), -SCHED_EINVAL);
	assert_int_equal(sched_rt_edf_check(ok, 2, 0, &v), -SCHED_EINVAL);
	assert_int_equal(sched_rt_edf_check(ok, 2, 1000001, &v), -SCHED_EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sched_rt_edf_check(&bad[i], 1, 1000000, &v), -SCHED_EINVAL);
		assert_int_equal(sched_rt_fp_check(&bad[i], 1, 1000000, &v), -SCHED_EINVAL);
	}
	/* the multiprocessor entries: bad CPU counts, priorities, and a set that cannot fit */
	assert_int_equal(sched_rt_gedf_check(ok, 2, 0, 1000000, &v), -SCHED_EINVAL);
	assert_int_equal(sched_rt_gfp_check(ok, 2, SCHED_MAX_CPUS + 1, 1000000, &v), -SCHED_EINVAL);
	assert_int_equal(sched_rt_gfp_check(&prio0, 1, 2, 1000000, &v), -SCHED_EINVAL);
	assert_int_equal(sched_rt_gedf_check(three, 3, 1, 1000000, &v), -SCHED_EUNSCHED);
	assert_int_equal(sched_rt_gfp_check(three, 3, 1, 1000000, &v), -SCHED_EUNSCHED);
	assert_int_equal(sched_rt_gfp_check(ok, 2, 2, 1000000, &v), 0);
	assert_memory_equal(copy, three, sizeof(three));
	assert_int_equal(sched_rt_edf_check(&prio0, 1, 1000000, &v), 0); /* EDF ignores it */
	assert_int_equal(sched_rt_fp_check(&prio0, 1, 1000000, &v), -SCHED_EINVAL);
	prio0.prio = 100;
	assert_int_equal(sched_rt_fp_check(&prio0, 1, 1000000, &v), -SCHED_EINVAL);
}

/* Turning SC admission on: each refusal has its code and changes nothing; a configure it
 * refuses is -SCHED_EUNSCHED and leaves the SC as it was. */
static void sc_admission_codes(void **state)
{
	struct sim *sim = new_machine(2, 1);
	struct sched_rt_task scratch[9];
	struct sched_authority cpu0;
	struct sched_auth dead;
	sched_cpumask_t m0, both;
	struct sched_sc_params p;
	struct sched_sc_verdict v;
	struct sched_sc_cap cap;

	(void)state;
	sched_cpumask_clear(&m0);
	sched_cpumask_set(&m0, 0);
	sched_cpumask_fill(&both, 2);
	REFUSED(sim, SCHED_EINVAL, sched_sc_admission(&sim->sys, root(sim), scratch, 9, 0)); /* no pool */
	give_pool(sim);
	assert_int_equal(sched_auth_derive(&cpu0, root(sim), SCHED_RIGHT_ALL, NULL, &m0), 0);
	dead = token(&cpu0);
	REFUSED(sim, SCHED_EINVAL, sched_sc_admission(NULL, root(sim), scratch, 9, 0));
	REFUSED(sim, SCHED_EINVAL, sched_sc_admission(&sim->sys, root(sim), NULL, 9, 0));
	REFUSED(sim, SCHED_EINVAL, sched_sc_admission(&sim->sys, root(sim), scratch, 8, 0));
	REFUSED(sim, SCHED_EINVAL, sched_sc_admission(&sim->sys, root(sim), scratch, 9,
						      SCHED_RT_WORST_FIT + 1));
	REFUSED(sim, SCHED_EPERM, sched_sc_admission(&sim->sys, token(&cpu0), scratch, 9, 0));
	assert_int_equal(sched_auth_revoke(token(&cpu0)), 0);
	REFUSED(sim, SCHED_ESTALE, sched_sc_admission(&sim->sys, dead, scratch, 9, 0));
	assert_int_equal(sched_sc_admission(&sim->sys, root(sim), scratch, 9, 0), 0);
	REFUSED(sim, SCHED_EEXIST, sched_sc_admission(&sim->sys, root(sim), scratch, 9, 0));
	p = sc_params(&m0);
	p.budget_ns = 6 * MS; /* 60%: one fits CPU 0, two do not */
	cap = new_sc(sim, &m0, false);
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap, &p), 0);
	cap = new_sc(sim, &m0, false);
	REFUSED(sim, SCHED_EUNSCHED, sched_sc_configure_verdict(&sim->sys, root(sim), cap, &p, &v));
	p.cpus = both;
	p.dispatch = SCHED_SC_PARTITIONED; /* CPU 1 still has room */
	assert_int_equal(sched_sc_configure_verdict(&sim->sys, root(sim), cap, &p, &v), 0);
	assert_int_equal(v.cpu, 1);
	{ /* a declared fixed priority on an SC's CPU; an admitted thread's CPUs are fixed */
		struct sim_thread *t = hand_thread(sim, 0, 0, NULL);
		struct sched_rt_params rp = { .policy = SCHED_RT_FIFO, .prio = 10,
					      .budget_ns = MS, .period_ns = 10 * MS };

		assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&t->st), &m0), 0);
		REFUSED(sim, SCHED_EUNSCHED, sched_set_rt_verdict(&sim->sys, root(sim),
								  sched_ref_of(&t->st), &rp, &v));
		rp.budget_ns = rp.period_ns = 0; /* undeclared: no guarantee to check */
		assert_int_equal(sched_set_rt(&sim->sys, root(sim), sched_ref_of(&t->st), &rp), 0);
		REFUSED(sim, SCHED_EAFFINITY, sched_set_affinity(&sim->sys, sched_ref_of(&t->st),
								 &both));
	}
	sim_free(sim);
}

/* Every refusal of a lease grant and of the ring entries has its own code and changes
 * nothing (the lease pool and the ring are compared too). */
static void lease_and_ring_codes(void **state)
{
	static struct sched_lease leases[2];
	struct sim *sim = new_machine(4, 1);
	sched_cpumask_t m1 = mask_of(1), m2 = mask_of(2), m3 = mask_of(3), none, far;
	struct sim_thread *h = hand_thread(sim, 0, 0, NULL), *pin;
	struct sched_lease_params p = { .cpus = m1, .thread = sched_ref_of(&h->st) };
	struct sched_authority no_right, cpu2;
	struct sched_lease_cap cap, cap2, stale;
	struct sched_auth dead;
	struct sched_group g;
	struct sched_ring ring;

	(void)state;
	sched_cpumask_clear(&none);
	sched_cpumask_clear(&far);
	sched_cpumask_set(&far, 40);
	REFUSED(sim, SCHED_EFULL, sched_lease_grant(&sim->sys, root(sim), &p, &cap)); /* no pool */
	assert_int_equal(sched_lease_pool(&sim->sys, leases, 2), 0);
	watch(leases, sizeof(leases));
	REFUSED(sim, SCHED_EEXIST, sched_lease_pool(&sim->sys, leases, 2));
	REFUSED(sim, SCHED_EINVAL, sched_lease_grant(&sim->sys, root(sim), NULL, &cap));
	p.cpus = none;
	REFUSED(sim, SCHED_EINVAL, sched_lease_grant(&sim->sys, root(sim), &p, &cap));
	p.cpus = far;
	REFUSED(sim, SCHED_ECPU, sched_lease_grant(&sim->sys, root(sim), &p, &cap));
	p.cpus = m1;
	p.group = &g; /* two holders */
	REFUSED(sim, SCHED_EINVAL, sched_lease_grant(&sim->sys, root(sim), &p, &cap));
	p.group = NULL;
	assert_int_equal(sched_auth_derive(&no_right, root(sim), SCHED_RIGHT_FAIR, NULL, NULL), 0);
	assert_int_equal(sched_auth_derive(&cpu2, root(sim), SCHED_RIGHT_LEASE, NULL, &m2), 0);
	REFUSED(sim, SCHED_EPERM, sched_lease_grant(&sim->sys, token(&no_right), &p, &cap));
	REFUSED(sim, SCHED_EPERM, sched_lease_grant(&sim->sys, token(&cpu2), &p, &cap));
	/* a thread that may run only on CPU 1 would be stranded */
	pin = thread_with(sim, &(struct sched_thread_params){ .affinity = &m1 });
	wake_from(sim, 0, pin);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_EPINNED, sched_lease_grant(&sim->sys, root(sim), &p, &cap));
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&pin->st)), 0);
	settle(sim);
	sim_enter(sim, 0);
	assert_int_equal(sched_lease_grant(&sim->sys, root(sim), &p, &cap), 0);
	settle(sim);
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_ELEASED, sched_lease_grant(&sim->sys, root(sim), &p, &cap2));
	p.cpus = m2;
	p.cpus.w[0] |= 1 | 8; /* CPUs 0, 2 and 3: none would be left */
	REFUSED(sim, SCHED_EHOUSEKEEPING, sched_lease_grant(&sim->sys, root(sim), &p, &cap2));
	p.cpus = m2;
	assert_int_equal(sched_lease_grant(&sim->sys, root(sim), &p, &cap2), 0);
	settle(sim);
	sim_enter(sim, 0);
	p.cpus = m3;
	REFUSED(sim, SCHED_EFULL, sched_lease_grant(&sim->sys, root(sim), &p, &cap2));
	REFUSED(sim, SCHED_ELEASED, sched_cpu_offline(&sim->sys, 1));
	assert_int_equal(sched_lease_revoke(&sim->sys, cap2), 0);
	settle(sim);
	stale = cap2;
	sim_enter(sim, 0);
	REFUSED(sim, SCHED_ESTALE, sched_lease_revoke(&sim->sys, stale));
	REFUSED(sim, SCHED_ESTALE, sched_lease_info(&sim->sys, stale, &(struct sched_lease_info){ 0 }));
	dead = token(&cpu2);
	assert_int_equal(sched_auth_revoke(dead), 0);
	REFUSED(sim, SCHED_ESTALE, sched_lease_revoke_owned(&sim->sys, dead, &g));
	REFUSED(sim, SCHED_EINVAL, sched_lease_revoke_owned(&sim->sys, root(sim), NULL));
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&h->st)), 0); /* revokes cap */
	settle(sim);
	sim_enter(sim, 0);
	p.cpus = m1;
	REFUSED(sim, SCHED_ESTALE, sched_lease_grant(&sim->sys, root(sim), &p, &cap)); /* exited */
	REFUSED(sim, SCHED_ESTALE, sched_lease_revoke(&sim->sys, cap));
	/* rings */
	assert_int_equal(sched_ring_init(&ring, 0), 0);
	watch(&ring, sizeof(ring));
	REFUSED(sim, SCHED_EINVAL, sched_ring_init(NULL, 0));
	REFUSED(sim, SCHED_ESTATE, sched_ring_submit(&sim->sys, &ring));
	REFUSED(sim, SCHED_ESTALE, sched_ring_register(&sim->sys, &ring, sched_ref_of(&pin->st)));
	h = hand_thread(sim, 0, 0, NULL);
	assert_int_equal(sched_ring_register(&sim->sys, &ring, sched_ref_of(&h->st)), 0);
	pin = hand_thread(sim, 0, 0, NULL);
	REFUSED(sim, SCHED_EOWNED, sched_ring_register(&sim->sys, &ring, sched_ref_of(&pin->st)));
	REFUSED(sim, SCHED_EPERM, sched_ring_unregister(&sim->sys, &ring, sched_ref_of(&pin->st)));
	REFUSED(sim, SCHED_EPERM, sched_ring_poll(&sim->sys, 0, &ring, false,
						  &(struct sched_thread *){ NULL }));
	sim_free(sim);
}

/* Admission can only start before any SC is configured. */
static void sc_admission_after_configure(void **state)
{
	struct sim *sim = new_machine(2, 1);
	struct sched_rt_task scratch[9];
	sched_cpumask_t m0;

	(void)state;
	sched_cpumask_clear(&m0);
	sched_cpumask_set(&m0, 0);
	new_sc(sim, &m0, true);
	REFUSED(sim, SCHED_ESTATE, sched_sc_admission(&sim->sys, root(sim), scratch, 9, 0));
	sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_code_has_its_own_name),
		cmocka_unit_test(einval_null_and_out_of_range_arguments),
		cmocka_unit_test(einval_instead_of_a_silent_corruption),
		cmocka_unit_test(estale_refs_tokens_and_capabilities),
		cmocka_unit_test(estate_wrong_state_of_thread_cpu_or_sc),
		cmocka_unit_test(ecpu_out_of_range_for_every_entry_taking_a_cpu),
		cmocka_unit_test(ecpu_offline_cpu),
		cmocka_unit_test(kernel_safe_fails_closed),
		cmocka_unit_test(authority_checks_fail_closed),
		cmocka_unit_test(eaffinity_no_online_cpu_or_outside_its_sc),
		cmocka_unit_test(ebusy_exit_kernel_while_a_sibling_is_in_the_kernel),
		cmocka_unit_test(eperm_authority_or_capability_does_not_grant_it),
		cmocka_unit_test(edepth_groups_authorities_and_donation_chains),
		cmocka_unit_test(echeck_eexist_efull),
		cmocka_unit_test(offline_refusals_each_have_their_code),
		cmocka_unit_test(eagain_storage_still_on_a_cpu_stack),
		cmocka_unit_test(sc_codes_enosc_elent_ebound_eactive),
		cmocka_unit_test(core_codes_edisabled_enogroup),
		cmocka_unit_test(eunsched_and_einval_of_the_admission_analysis),
		cmocka_unit_test(sc_admission_codes),
		cmocka_unit_test(sc_admission_after_configure),
		cmocka_unit_test(lease_and_ring_codes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
