/* SPDX-License-Identifier: MIT */
/*
 * test_lease.c - CPU isolation leases and polling rings as a specification: activation
 * with its record, exclusivity, zero ticks on a leased CPU, revocation by each cause and
 * its latency, the accounting target, nohz telemetry, one consumer per ring. The checker
 * runs after every simulated event (it verifies that only the holder's threads run, queue
 * or sleep on a leased CPU once it switched).
 */
#include "simtest.h"

#include <string.h>

#define SEC (1000 * MS)

static struct sched_lease pool[8];
static unsigned port_calls[3][2]; /* [what][leased] */

static void port_hook(void *ctx, unsigned cpu, unsigned what, bool leased,
		      const sched_cpumask_t *hk)
{
	(void)ctx;
	assert_true(sched_cpumask_test(hk, cpu) == !leased); /* moved to housekeeping, not itself */
	port_calls[what][leased]++;
}

static struct sim *leasing_machine(unsigned cpus, uint64_t ipi_ns, uint64_t switch_ns)
{
	struct sim_config cfg = { .cpus = cpus, .smt = 1, .seed = 1, .ipi_latency_ns = ipi_ns,
				  .switch_cost_ns = switch_ns };
	struct sim *sim = sim_new(&cfg);

	assert_non_null(sim);
	sim->check_each_step = true;
	sim->sys.cfg.lease_port = port_hook;
	memset(port_calls, 0, sizeof(port_calls));
	assert_int_equal(sched_lease_pool(&sim->sys, pool, 8), 0);
	return sim;
}

static sched_cpumask_t cpus_of(unsigned a, unsigned b)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, a);
	sched_cpumask_set(&m, b);
	return m;
}

static sched_cpumask_t one_cpu(unsigned c)
{
	return cpus_of(c, c);
}

static void set_mask(struct sim *sim, struct sim_thread *t, sched_cpumask_t m)
{
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&t->st), &m), 0);
	settle(sim);
}

static void sleep_on(struct sim *sim, unsigned cpu, uint64_t ns)
{
	struct sched_thread *next;

	sim_enter(sim, cpu);
	assert_int_equal(sched_sleep_until(&sim->sys, cpu, sim->now + ns, &next), 0);
	sim_switch(sim, cpu, next);
	settle(sim);
}

static int grant(struct sim *sim, struct sim_thread *t, struct sched_group *g,
		 sched_cpumask_t cpus, struct sched_lease_cap *cap)
{
	struct sched_lease_params p = { .cpus = cpus, .group = g };
	int r;

	if (t)
		p.thread = sched_ref_of(&t->st);
	sim_enter(sim, 0);
	r = sched_lease_grant(&sim->sys, sched_auth_root(&sim->sys), &p, cap);
	settle(sim);
	return r;
}

static uint64_t cnt(struct sim *sim, unsigned cpu, unsigned c)
{
	return sched_cpu_counter(&sim->sys, cpu, c);
}

/* CPU 1 runs c, queues d and has b asleep with its timeout there; a grant of CPU 1 to h
 * moves each of them, records each step, and is active once CPU 1 has switched. */
static void grant_moves_every_other_thread_and_records_each_step(void **state)
{
	struct sim *sim = leasing_machine(2, 0, 0);
	struct sim_thread *h = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *c = hand_thread(sim, 0, 0, NULL), *d = hand_thread(sim, 0, 0, NULL);
	sched_cpumask_t all = cpus_of(0, 1);
	struct sched_lease_cap cap;
	struct sched_lease_info info;

	(void)state;
	set_mask(sim, b, one_cpu(1));
	set_mask(sim, c, one_cpu(1));
	set_mask(sim, d, one_cpu(1));
	wake_from(sim, 0, b);
	wake_from(sim, 0, c);
	wake_from(sim, 0, d);
	sleep_on(sim, 1, 5 * MS); /* b sleeps on CPU 1; c runs, d waits */
	set_mask(sim, b, all);
	set_mask(sim, c, all);
	set_mask(sim, d, all);
	assert_ptr_equal(running_on(sim, 1), c);

	sim_enter(sim, 0);
	struct sched_lease_params p = { .cpus = one_cpu(1), .thread = sched_ref_of(&h->st) };
	assert_int_equal(sched_lease_grant(&sim->sys, sched_auth_root(&sim->sys), &p, &cap), 0);
	assert_int_equal(sched_lease_info(&sim->sys, cap, &info), 0);
	assert_int_equal(info.state, SCHED_LEASE_PENDING); /* CPU 1 still runs c */
	assert_int_equal(info.rec.step_count[SCHED_LEASE_STEP_CLOSE], 1);
	assert_int_equal(info.rec.step_count[SCHED_LEASE_STEP_QUEUED], 1);
	assert_int_equal(info.rec.step_count[SCHED_LEASE_STEP_TIMEOUTS], 1);
	assert_int_equal(info.rec.step_count[SCHED_LEASE_STEP_ACCOUNTING], 0); /* no group */
	assert_int_equal(info.rec.step_at[SCHED_LEASE_STEP_SWITCHED], SCHED_TIME_NEVER);
	for (unsigned w = 0; w < 3; w++)
		assert_int_equal(port_calls[w][1], 1);
	settle(sim); /* CPU 1 takes its IPI and lets c go */
	assert_int_equal(sched_lease_info(&sim->sys, cap, &info), 0);
	assert_int_equal(info.state, SCHED_LEASE_ACTIVE);
	for (unsigned i = 0; i < SCHED_LEASE_STEP_NR; i++)
		assert_true(info.rec.step_at[i] != SCHED_TIME_NEVER &&
			    info.rec.step_at[i] >= info.rec.granted_at);
	assert_int_equal(info.rec.active_at, info.rec.step_at[SCHED_LEASE_STEP_SWITCHED]);
	assert_int_equal(c->st.cpu, 0);
	assert_int_equal(d->st.cpu, 0);
	assert_int_equal(sim->rq[1].nr_queued + sim->rq[1].nr_sleepers, 0);
	assert_null(running_on(sim, 1));
	advance(sim, 10 * MS); /* b's timeout, moved to CPU 0, still fires there */
	assert_int_equal(b->st.cpu, 0);
	assert_int_equal(sim->rq[1].nr_queued, 0);
	/* the holder goes to its CPU, and runs there alone without a tick */
	wake_from(sim, 0, h);
	assert_ptr_equal(running_on(sim, 1), h);
	sim_free(sim);
}

/* A holder spinning alone on its leased CPU takes no timer interrupt for a second while
 * the other CPU is busy; the tick comes back once the lease is revoked. */
static void leased_cpu_runs_its_holder_a_second_without_a_tick(void **state)
{
	struct sim *sim = leasing_machine(2, 0, 0);
	struct sim_thread *h = hand_thread(sim, 0, 0, NULL), *o[3];
	struct sched_lease_cap cap;
	uint64_t irq, stops, nohz;

	(void)state;
	for (int i = 0; i < 3; i++) {
		o[i] = hand_thread(sim, 0, 0, NULL);
		wake_from(sim, 0, o[i]);
	}
	assert_int_equal(grant(sim, h, NULL, one_cpu(1), &cap), 0);
	wake_from(sim, 0, h);
	assert_ptr_equal(running_on(sim, 1), h);
	irq = cnt(sim, 1, SCHED_CNT_TIMER_IRQ);
	stops = cnt(sim, 1, SCHED_CNT_NOHZ_STOP_LEASE);
	nohz = cnt(sim, 1, SCHED_CNT_NOHZ_NS);
	assert_int_equal(sim->rq[1].nohz_reason, SCHED_NOHZ_LEASE);
	advance(sim, SEC);
	assert_int_equal(cnt(sim, 1, SCHED_CNT_TIMER_IRQ), irq); /* zero ticks */
	assert_true(cnt(sim, 0, SCHED_CNT_TIMER_IRQ) > 100);     /* CPU 0: three threads share */
	assert_int_equal(cnt(sim, 1, SCHED_CNT_NOHZ_STOP_LEASE), stops);
	assert_ptr_equal(running_on(sim, 1), h);
	for (int i = 0; i < 3; i++)
		assert_int_equal(o[i]->st.cpu, 0);
	sim_enter(sim, 0);
	assert_int_equal(sched_lease_revoke(&sim->sys, cap), 0);
	settle(sim);
	/* the stopped second is counted when the tick restarts: others come over */
	advance(sim, 20 * MS);
	assert_true(cnt(sim, 1, SCHED_CNT_NOHZ_NS) >= nohz + SEC);
	assert_true(cnt(sim, 1, SCHED_CNT_NOHZ_RESTART) > 0);
	assert_true(cnt(sim, 1, SCHED_CNT_TIMER_IRQ) > irq);
	assert_true(sim->rq[1].nr_queued > 0 || running_on(sim, 1) != h);
	sim_free(sim);
}

/* Revoke to "back in general use" (the leased CPU's next pick and switch, which the
 * simulator takes at the instant the IPI is handled; its switch cost is CPU time lost
 * after it) is exactly the modelled IPI latency, whether the CPU was idle or not. */
static void revocation_latency_is_one_ipi_and_one_switch(void **state)
{
	const uint64_t ipi = 5 * US, sw = 2 * US;
	struct sim *sim = leasing_machine(2, ipi, sw);
	struct sim_thread *h = hand_thread(sim, 0, 0, NULL), *o = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *o2 = hand_thread(sim, 0, 0, NULL);
	struct sched_lease_cap cap;

	(void)state;
	wake_from(sim, 0, o);
	wake_from(sim, 0, o2); /* CPU 0 runs one and queues the other */
	/* a holder running: the IPI's pick keeps it */
	assert_int_equal(grant(sim, h, NULL, one_cpu(1), &cap), 0);
	wake_from(sim, 0, h);
	advance(sim, MS);
	assert_ptr_equal(running_on(sim, 1), h);
	sim_enter(sim, 0);
	assert_int_equal(sched_lease_revoke(&sim->sys, cap), 0);
	advance(sim, MS);
	assert_int_equal(cnt(sim, 1, SCHED_CNT_LEASE_RETURNS), 1);
	print_message("revocation latency, holder running: %llu ns (IPI %llu ns)\n",
		      (unsigned long long)cnt(sim, 1, SCHED_CNT_LEASE_RETURN_NS),
		      (unsigned long long)ipi);
	assert_int_equal(cnt(sim, 1, SCHED_CNT_LEASE_RETURN_NS), ipi);
	/* an idle leased CPU: the IPI's pick steals the queued thread and switches to it */
	block_on(sim, 1);
	advance(sim, MS);
	assert_int_equal(grant(sim, h, NULL, one_cpu(1), &cap), 0);
	advance(sim, MS);
	assert_null(running_on(sim, 1));
	sim_enter(sim, 0);
	assert_int_equal(sched_lease_revoke(&sim->sys, cap), 0);
	advance(sim, MS);
	assert_int_equal(cnt(sim, 1, SCHED_CNT_LEASE_RETURNS), 2);
	print_message("revocation latency, idle: %llu ns (IPI %llu ns, switch cost %llu ns after)\n",
		      (unsigned long long)(cnt(sim, 1, SCHED_CNT_LEASE_RETURN_NS) - ipi),
		      (unsigned long long)ipi, (unsigned long long)sw);
	assert_int_equal(cnt(sim, 1, SCHED_CNT_LEASE_RETURN_NS), 2 * ipi);
	assert_int_equal(cnt(sim, 1, SCHED_CNT_LEASE_RETURN_MAX_NS), ipi);
	assert_non_null(running_on(sim, 1)); /* that switch took work */
	sim_free(sim);
}

static uint8_t cause_in_trace(struct sim *sim, unsigned cpu)
{
	struct sched_trace_event ev[SCHED_TRACE_LEN];
	unsigned n = sched_trace_read(&sim->sys, cpu, ev, SCHED_TRACE_LEN);

	while (n--)
		if (ev[n].type == SCHED_TR_LEASE && ev[n].aux == SCHED_LEASE_EV_REVOKE)
			return (uint8_t)ev[n].arg;
	return SCHED_LEASE_NOT_REVOKED;
}

static void gone(struct sim *sim, struct sched_lease_cap cap, uint8_t cause)
{
	struct sched_lease_info info;

	assert_int_equal(sched_lease_info(&sim->sys, cap, &info), -SCHED_ESTALE);
	assert_int_equal(sched_lease_revoke(&sim->sys, cap), -SCHED_ESTALE);
	assert_null(sim->rq[1].lease);
	assert_int_equal(pool[cap.index].cause, cause);
	assert_int_equal(cause_in_trace(sim, 1), cause);
}

/* Explicit revoke, the holder thread's exit, process exit, service replacement and session
 * close each end a lease; a stale capability then fails closed. */
static void each_cause_revokes_and_stale_leases_fail_closed(void **state)
{
	struct sim *sim = leasing_machine(2, 0, 0);
	struct sched_group session, proc, svc;
	struct sim_thread *h = hand_thread(sim, 0, 0, NULL), *p, *v;
	struct sched_auth root = sched_auth_root(&sim->sys);
	struct sched_lease_cap cap;

	(void)state;
	assert_int_equal(sched_group_init(&sim->sys, &session, &(struct sched_group_params){
		.id = 1, .kind = SCHED_GROUP_SESSION }), 0);
	assert_int_equal(sched_group_init(&sim->sys, &proc, &(struct sched_group_params){
		.id = 2, .kind = SCHED_GROUP_PROCESS, .parent = &session }), 0);
	assert_int_equal(sched_group_init(&sim->sys, &svc, &(struct sched_group_params){
		.id = 3, .kind = SCHED_GROUP_SERVICE }), 0);
	p = hand_thread(sim, 0, 0, &proc);
	v = hand_thread(sim, 0, 0, &svc);

	assert_int_equal(grant(sim, h, NULL, one_cpu(1), &cap), 0);
	assert_int_equal(sched_lease_revoke(&sim->sys, cap), 0);
	settle(sim);
	gone(sim, cap, SCHED_LEASE_REVOKED);

	assert_int_equal(grant(sim, h, NULL, one_cpu(1), &cap), 0);
	wake_from(sim, 0, h);
	assert_int_equal(h->st.nr_leases, 1);
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&h->st)), 0);
	settle(sim);
	gone(sim, cap, SCHED_LEASE_HOLDER_EXIT);

	/* a process's thread holds it; the process exits */
	assert_int_equal(grant(sim, p, NULL, one_cpu(1), &cap), 0);
	assert_int_equal(sched_lease_revoke_owned(&sim->sys, root, &proc), 1);
	settle(sim);
	gone(sim, cap, SCHED_LEASE_HOLDER_EXIT);

	/* a service group holds it; the service is torn down, then restarted with a new lease */
	assert_int_equal(grant(sim, NULL, &svc, one_cpu(1), &cap), 0);
	wake_from(sim, 0, v);
	assert_ptr_equal(running_on(sim, 1), v);
	assert_int_equal(sched_lease_revoke_owned(&sim->sys, root, &svc), 1);
	settle(sim);
	gone(sim, cap, SCHED_LEASE_SERVICE);
	assert_int_equal(grant(sim, NULL, &svc, one_cpu(1), &cap), 0);
	assert_int_equal(sched_lease_revoke_owned(&sim->sys, root, &svc), 1);
	settle(sim);

	/* the process's session closes: every lease below it goes */
	assert_int_equal(grant(sim, NULL, &proc, one_cpu(1), &cap), 0);
	assert_int_equal(sched_lease_revoke_owned(&sim->sys, root, &session), 1);
	settle(sim);
	gone(sim, cap, SCHED_LEASE_SESSION);
	assert_int_equal(sched_lease_revoke_owned(&sim->sys, root, &session), 0);
	sim_free(sim);
}

/* The accounting target is charged every nanosecond of the leased CPU, idle included. */
static void accounting_target_pays_for_the_whole_cpu(void **state)
{
	struct sim *sim = leasing_machine(2, 0, 0);
	struct sched_group g, bill;
	struct sim_thread *t;
	struct sched_lease_cap cap;
	struct sched_lease_params p = { .cpus = one_cpu(1) };
	sched_time_t from;

	(void)state;
	assert_int_equal(sched_group_init(&sim->sys, &g, &(struct sched_group_params){
		.id = 1, .kind = SCHED_GROUP_PROCESS }), 0);
	assert_int_equal(sched_group_init(&sim->sys, &bill, &(struct sched_group_params){
		.id = 2, .kind = SCHED_GROUP_SESSION }), 0);
	t = hand_thread(sim, 0, 0, &g);
	p.group = &g;
	p.target = &bill;
	sim_enter(sim, 0);
	from = sim->now;
	assert_int_equal(sched_lease_grant(&sim->sys, sched_auth_root(&sim->sys), &p, &cap), 0);
	settle(sim);
	wake_from(sim, 0, t);
	advance(sim, 3 * MS);
	block_on(sim, 1);
	advance(sim, 7 * MS); /* idle, still the target's */
	sim_enter(sim, 0);
	assert_int_equal(sched_lease_revoke(&sim->sys, cap), 0);
	settle(sim);
	assert_int_equal(bill.acct.v[SCHED_ACCT_LEASED], sim->now - from);
	assert_int_equal(g.acct.v[SCHED_ACCT_LEASED], 0);
	assert_int_equal(g.acct.v[SCHED_ACCT_RUNTIME], 3 * MS);
	sim_free(sim);
}

/* Only the holders' threads run or queue on the leased CPUs, whatever the others do. */
static void others_never_land_on_leased_cpus(void **state)
{
	struct sim *sim = leasing_machine(4, 1 * US, 1 * US);
	struct sched_group g;
	struct sim_thread *t[8];
	struct sched_lease_cap cap;
	unsigned seed = 7;

	(void)state;
	assert_int_equal(sched_group_init(&sim->sys, &g, &(struct sched_group_params){
		.id = 1, .kind = SCHED_GROUP_PROCESS }), 0);
	for (int i = 0; i < 8; i++) {
		t[i] = hand_thread(sim, 0, 0, i < 2 ? &g : NULL);
		wake_from(sim, 0, t[i]);
	}
	assert_int_equal(grant(sim, NULL, &g, cpus_of(2, 3), &cap), 0);
	for (int step = 0; step < 400; step++) {
		unsigned cpu = (seed = seed * 1103515245u + 12345u) >> 16 & 3;
		int op = (int)((seed >> 8) & 3);

		if (op == 0 && running_on(sim, cpu))
			block_on(sim, cpu);
		else if (op == 1)
			wake_from(sim, cpu, t[(seed >> 4) % 8]);
		else if (op == 2 && running_on(sim, cpu))
			sleep_on(sim, cpu, (seed % 5 + 1) * MS);
		else
			advance(sim, (seed % 3) * MS);
		for (unsigned c = 2; c < 4; c++)
			assert_true(!running_on(sim, c) || running_on(sim, c)->st.group == &g);
	}
	sim_free(sim);
}

/* Refusals: the last housekeeping CPU, a CPU leased twice, offline of a leased CPU. */
static void housekeeping_set_is_never_taken(void **state)
{
	struct sim *sim = leasing_machine(3, 0, 0);
	struct sim_thread *h = hand_thread(sim, 0, 0, NULL), *k = hand_thread(sim, 0, 0, NULL);
	struct sched_lease_cap a, b;
	sched_cpumask_t hk;

	(void)state;
	assert_int_equal(grant(sim, h, NULL, cpus_of(1, 2), &a), 0);
	sched_housekeeping(&sim->sys, &hk);
	assert_true(sched_cpumask_test(&hk, 0) && !sched_cpumask_test(&hk, 1));
	assert_int_equal(grant(sim, k, NULL, one_cpu(0), &b), -SCHED_EHOUSEKEEPING);
	assert_int_equal(grant(sim, k, NULL, one_cpu(2), &b), -SCHED_ELEASED);
	sim_enter(sim, 0);
	assert_int_equal(sched_cpu_offline(&sim->sys, 2), -SCHED_ELEASED);
	assert_int_equal(sched_cpu_offline(&sim->sys, 0), -SCHED_EHOUSEKEEPING);
	assert_int_equal(sched_lease_revoke(&sim->sys, a), 0);
	settle(sim);
	assert_int_equal(sched_cpu_offline(&sim->sys, 2), 0);
	settle(sim);
	assert_int_equal(grant(sim, k, NULL, one_cpu(1), &b), 0);
	assert_int_equal(sched_cpu_offline(&sim->sys, 0), -SCHED_EHOUSEKEEPING);
	sim_free(sim);
}

/* nohz telemetry on an ordinary CPU: idle, one thread, two threads (tick), idle again. */
static void tick_stops_and_restarts_with_their_reasons(void **state)
{
	struct sim *sim = leasing_machine(1, 0, 0);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);

	(void)state;
	advance(sim, MS);
	assert_int_equal(sim->rq[0].nohz_reason, SCHED_NOHZ_IDLE);
	wake_from(sim, 0, a);
	assert_int_equal(sim->rq[0].nohz_reason, SCHED_NOHZ_SINGLE);
	advance(sim, 10 * MS);
	assert_int_equal(cnt(sim, 0, SCHED_CNT_TIMER_IRQ), 0);
	wake_from(sim, 0, b);
	assert_int_equal(sim->rq[0].nohz_reason, SCHED_NOHZ_TICK);
	advance(sim, 10 * MS);
	assert_true(cnt(sim, 0, SCHED_CNT_TIMER_IRQ) > 0);
	assert_int_equal(cnt(sim, 0, SCHED_CNT_NOHZ_RESTART), 1);
	assert_int_equal(cnt(sim, 0, SCHED_CNT_NOHZ_STOP_SINGLE), 1);
	assert_int_equal(cnt(sim, 0, SCHED_CNT_NOHZ_NS), 11 * MS); /* idle 1 ms, alone 10 ms */
	block_on(sim, 0);
	assert_int_equal(sim->rq[0].nohz_reason, SCHED_NOHZ_SINGLE);
	block_on(sim, 0);
	assert_int_equal(sim->rq[0].nohz_reason, SCHED_NOHZ_IDLE);
	assert_int_equal(cnt(sim, 0, SCHED_CNT_NOHZ_STOP_IDLE), 1); /* it came up idle uncounted */
	assert_int_equal(cnt(sim, 0, SCHED_CNT_NOHZ_STOP_SINGLE), 2);
	sim_free(sim);
}

/* One consumer per ring; the poller parks after its idle time, a submission wakes it, and
 * a dead owner's ring can be taken over. */
static void ring_has_one_consumer_and_parks_after_its_idle_time(void **state)
{
	struct sim *sim = leasing_machine(2, 0, 0);
	struct sim_thread *p = hand_thread(sim, 0, 0, NULL), *q = hand_thread(sim, 0, 0, NULL);
	struct sched_lease_cap cap;
	struct sched_thread *next;
	struct sched_ring ring;

	(void)state;
	assert_int_equal(sched_ring_init(&ring, 2 * MS), 0);
	assert_int_equal(sched_ring_submit(&sim->sys, &ring), -SCHED_ESTATE);
	assert_int_equal(sched_ring_register(&sim->sys, &ring, sched_ref_of(&p->st)), 0);
	assert_int_equal(sched_ring_register(&sim->sys, &ring, sched_ref_of(&q->st)), -SCHED_EOWNED);
	assert_int_equal(grant(sim, p, NULL, one_cpu(1), &cap), 0);
	wake_from(sim, 0, p);
	assert_ptr_equal(running_on(sim, 1), p);
	sim_enter(sim, 0);
	assert_int_equal(sched_ring_poll(&sim->sys, 0, &ring, false, &next), -SCHED_EPERM);
	sim_enter(sim, 1);
	assert_int_equal(sched_ring_poll(&sim->sys, 1, &ring, true, &next), 0);
	assert_ptr_equal(next, &p->st);
	advance(sim, MS);
	sim_enter(sim, 1);
	assert_int_equal(sched_ring_poll(&sim->sys, 1, &ring, false, &next), 0); /* not idle yet */
	assert_int_equal(sim->rq[1].nohz_reason, SCHED_NOHZ_LEASE); /* polling without a tick */
	advance(sim, 2 * MS);
	sim_enter(sim, 1);
	assert_int_equal(sched_ring_poll(&sim->sys, 1, &ring, false, &next), SCHED_RING_RECHECK);
	assert_int_equal(sched_ring_poll(&sim->sys, 1, &ring, false, &next), 0);
	sim_switch(sim, 1, next);
	settle(sim);
	assert_null(running_on(sim, 1)); /* parked */
	assert_int_equal(ring.parks, 1);
	sim_enter(sim, 0);
	assert_int_equal(sched_ring_submit(&sim->sys, &ring), 1);
	settle(sim);
	assert_ptr_equal(running_on(sim, 1), p); /* woken onto its leased CPU */
	sim_enter(sim, 0);
	assert_int_equal(sched_ring_submit(&sim->sys, &ring), 0); /* polling: no wake needed */
	assert_int_equal(ring.wakeups, 1);
	assert_int_equal(ring.submits, 2);
	assert_int_equal(sched_exit(&sim->sys, sched_ref_of(&p->st)), 0);
	settle(sim);
	assert_int_equal(sched_ring_register(&sim->sys, &ring, sched_ref_of(&q->st)), 0);
	assert_int_equal(sched_ring_unregister(&sim->sys, &ring, sched_ref_of(&p->st)), -SCHED_EPERM);
	assert_int_equal(sched_ring_unregister(&sim->sys, &ring, sched_ref_of(&q->st)), 0);
	sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grant_moves_every_other_thread_and_records_each_step),
		cmocka_unit_test(leased_cpu_runs_its_holder_a_second_without_a_tick),
		cmocka_unit_test(revocation_latency_is_one_ipi_and_one_switch),
		cmocka_unit_test(each_cause_revokes_and_stale_leases_fail_closed),
		cmocka_unit_test(accounting_target_pays_for_the_whole_cpu),
		cmocka_unit_test(others_never_land_on_leased_cpus),
		cmocka_unit_test(housekeeping_set_is_never_taken),
		cmocka_unit_test(tick_stops_and_restarts_with_their_reasons),
		cmocka_unit_test(ring_has_one_consumer_and_parks_after_its_idle_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
