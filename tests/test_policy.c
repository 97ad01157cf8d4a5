/* SPDX-License-Identifier: MIT */
/*
 * test_policy.c - the policy service's request queue and task graphs on the simulated
 * machine, the checker after every step: a request served with the service's authority
 * within the requester's bounds; defaults on timeout, recorded; a dead service replaced
 * and its taken requests served again; a full queue; graphs mapped, admitted all or none,
 * and refused when the coordinator does not hold the budget.
 */
#include "simtest.h"

#include <sched/explain.h>
#include <sched/policy.h>

#include <string.h>

static struct sched_why ring[256];
static struct sched_explain_log log_;
static struct sched_sc pool[64];
static struct sched_refill refills[64][8];
static struct sched_lease leases[4];
static struct sched_policy_slot slots[4];
static struct sched_authority fair_only;

struct rig {
	struct sim *sim;
	struct sched_policy q;
	struct sched_group g, other, sub;
	struct sim_thread *svc, *req, *peer, *stranger;
};

static struct sched_auth root(struct sim *sim)
{
	return sched_auth_root(&sim->sys);
}

static struct sched_ref ref(struct sim_thread *t)
{
	return sched_ref_of(&t->st);
}

/* A 2-CPU machine, a queue of 4 slots with a 10 ms timeout, a service thread, a requester
 * and a peer in group g (the peer in g's subgroup), and a stranger in another group. */
static void rig_up(struct rig *r)
{
	struct sched_group_params gp = { .kind = SCHED_GROUP_PROCESS };
	struct sched_group_params sp = { .kind = SCHED_GROUP_PROCESS, .parent = &r->g };
	struct sched_policy_config cfg = { .timeout_ns = 10 * MS, .default_fair = { .nice = 5 } };

	memset(r, 0, sizeof(*r));
	r->sim = machine(2, 1);
	assert_int_equal(sched_explain_start(&r->sim->sys, &log_, ring, 256, 0), 0);
	if (!r->sim->sys.scs)
		assert_int_equal(sched_sc_pool(&r->sim->sys, pool, 64), 0);
	assert_int_equal(sched_lease_pool(&r->sim->sys, leases, 4), 0);
	assert_int_equal(sched_group_init(&r->sim->sys, &r->g, &gp), 0);
	assert_int_equal(sched_group_init(&r->sim->sys, &r->sub, &sp), 0);
	assert_int_equal(sched_group_init(&r->sim->sys, &r->other, &gp), 0);
	assert_int_equal(sched_auth_derive(&fair_only, root(r->sim), SCHED_RIGHT_FAIR, NULL, NULL), 0);
	cfg.fallback = (struct sched_auth){ &fair_only, fair_only.gen };
	assert_int_equal(sched_policy_init(&r->sim->sys, &r->q, slots, 4, &cfg), 0);
	r->svc = hand_thread(r->sim, 0, 0, NULL);
	r->req = hand_thread(r->sim, 0, 0, &r->g);
	r->peer = hand_thread(r->sim, 0, 0, &r->sub);
	r->stranger = hand_thread(r->sim, 0, 0, &r->other);
	assert_int_equal(sched_policy_attach(&r->sim->sys, &r->q, ref(r->svc)), 0);
}

static struct sched_request profile_req(struct sim_thread *t)
{
	struct sched_request q = { .kind = SCHED_REQ_PROFILE, .thread = sched_ref_of(&t->st) };

	strcpy(q.profile, "interactive");
	return q;
}

static unsigned records(struct sim *sim, unsigned kind, struct sched_why *out)
{
	struct sched_why_filter f = { .kinds = 1u << kind };

	return sched_explain_read(&sim->sys, &f, out, 8);
}

static void init_refuses_a_fallback_that_could_give_more_than_a_weight(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_policy q;
	struct sched_policy_config cfg = { .fallback = root(sim) };

	(void)state;
	assert_int_equal(sched_policy_init(&sim->sys, &q, slots, 4, &cfg), -SCHED_EPERM);
	assert_int_equal(sched_auth_derive(&fair_only, root(sim), SCHED_RIGHT_FAIR, NULL, NULL), 0);
	cfg.fallback = (struct sched_auth){ &fair_only, fair_only.gen };
	assert_int_equal(sched_policy_init(&sim->sys, &q, slots, 0, &cfg), -SCHED_EINVAL);
	cfg.default_fair.nice = 20;
	assert_int_equal(sched_policy_init(&sim->sys, &q, slots, 4, &cfg), -SCHED_EINVAL);
	cfg.default_fair.nice = 0;
	assert_int_equal(sched_auth_revoke(cfg.fallback), 0);
	assert_int_equal(sched_policy_init(&sim->sys, &q, slots, 4, &cfg), -SCHED_ESTALE);
	sim_free(sim);
}

static void a_profile_is_served_with_the_services_authority(void **state)
{
	struct rig r;
	struct sched_request q, got;
	struct sched_ticket t, tt;
	struct sched_ref who;
	struct sched_decision d = { .fair = { .nice = -5 }, .sc = { .index = SCHED_NO_SC } };
	struct sched_answer a;
	struct sched_policy_stats st;

	(void)state;
	rig_up(&r);
	q = profile_req(r.peer); /* about a thread of its group's subgroup: in reach */
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), 0);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t, &a), -SCHED_EAGAIN);
	/* only the attached service takes */
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.req), &tt, &got, &who), -SCHED_EPERM);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &tt, &got, &who), 0);
	assert_string_equal(got.profile, "interactive");
	assert_ptr_equal(who.t, &r.req->st);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &tt, &got, &who), -SCHED_EAGAIN);
	advance(r.sim, 1 * MS);
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(r.svc), root(r.sim), tt, &d), 0);
	assert_int_equal(r.peer->st.weight, 3121); /* nice -5 */
	/* the ticket is not a capability: only its requester collects the answer */
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.peer), t, &a), -SCHED_EPERM);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.svc), t, &a), -SCHED_EPERM);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, (struct sched_ref){ 0 }, t, &a),
			 -SCHED_EINVAL);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t, &a), 0);
	assert_int_equal(a.err, 0);
	assert_int_equal(a.by, SCHED_BY_SERVICE);
	assert_int_equal(a.answered - a.asked, 1 * MS);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t, &a), -SCHED_ESTALE); /* once */
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(r.svc), root(r.sim), tt, &d), -SCHED_ESTALE);
	assert_int_equal(sched_policy_stats(&r.q, &st), 0);
	assert_int_equal(st.submitted, 1);
	assert_int_equal(st.served, 1);
	assert_int_equal(st.max_wait_ns, 1 * MS);
	sim_free(r.sim);
}

static void a_requester_reaches_only_its_own_group(void **state)
{
	struct rig r;
	struct sched_request q;
	struct sched_ticket t;

	(void)state;
	rig_up(&r);
	q = profile_req(r.stranger);
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), -SCHED_EPERM);
	q = profile_req(r.req);
	q.kind = SCHED_REQ_NR;
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), -SCHED_EINVAL);
	q = profile_req(r.req);
	memset(q.profile, 'x', sizeof(q.profile)); /* no terminator */
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), -SCHED_EINVAL);
	/* a lease revoke of a lease held by another group's thread is refused when served */
	struct sched_lease_params lp = { .thread = ref(r.stranger) };
	struct sched_lease_cap lc;
	struct sched_request rv = { .kind = SCHED_REQ_LEASE_REVOKE };
	struct sched_decision d = { 0 };
	struct sched_ticket tt;
	struct sched_request got;
	struct sched_ref who;
	struct sched_answer a;

	sched_cpumask_set(&lp.cpus, 1);
	assert_int_equal(sched_lease_grant(&r.sim->sys, root(r.sim), &lp, &lc), 0);
	rv.lease = lc;
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &rv, &t), 0);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &tt, &got, &who), 0);
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(r.svc), root(r.sim), tt, &d), 0);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t, &a), 0);
	assert_int_equal(a.err, -SCHED_EPERM);
	assert_true(a.why > 0); /* a DENY record says so */
	struct sched_lease_info li;

	assert_int_equal(sched_lease_info(&r.sim->sys, lc, &li), 0); /* untouched */
	settle(r.sim);
	sim_free(r.sim);
}

static void unanswered_requests_get_their_defaults_and_say_so(void **state)
{
	struct rig r;
	struct sched_request q;
	struct sched_ticket t1, t2;
	struct sched_answer a;
	struct sched_why w[8];
	struct sched_request lq = { .kind = SCHED_REQ_LEASE_GRANT };

	(void)state;
	rig_up(&r);
	q = profile_req(r.req);
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t1), 0);
	lq.thread = ref(r.req);
	lq.timeout_ns = 20 * MS;
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &lq, &t2), 0);
	advance(r.sim, 9 * MS);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t1, &a), -SCHED_EAGAIN);
	advance(r.sim, 1 * MS);
	/* the profile's default: the fallback's weight (nice 5) */
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t1, &a), 0);
	assert_int_equal(a.by, SCHED_BY_DEFAULT);
	assert_int_equal(a.err, 0);
	assert_int_equal(r.req->st.weight, 335);
	assert_int_equal(records(r.sim, SCHED_WHY_DEFAULT, w), 1);
	assert_int_equal(w[0].cause, SCHED_DEFAULT_PROFILE);
	assert_int_equal(w[0].fig[1], 10 * MS);
	assert_int_equal(a.why, w[0].seq);
	/* the sweep answers the lease request with a refusal at its own deadline */
	advance(r.sim, 5 * MS);
	assert_int_equal(sched_policy_expire(&r.sim->sys, &r.q), 0);
	advance(r.sim, 5 * MS);
	assert_int_equal(sched_policy_expire(&r.sim->sys, &r.q), 1);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t2, &a), 0);
	assert_int_equal(a.err, -SCHED_ETIMEDOUT);
	assert_int_equal(records(r.sim, SCHED_WHY_DEFAULT, w), 2);
	assert_int_equal(w[1].cause, SCHED_DEFAULT_DENY);
	char b[160];

	sched_explain_format(&w[1], b, sizeof(b));
	assert_non_null(strstr(b, "unanswered after 20.000 ms: refused"));
	sim_free(r.sim);
}

static void a_restarted_service_finds_what_the_dead_one_took(void **state)
{
	struct rig r;
	struct sched_request q = { 0 }, got;
	struct sched_ticket t, old, fresh;
	struct sched_ref who;
	struct sched_decision d = { .fair = { .nice = -5 }, .sc = { .index = SCHED_NO_SC } };
	struct sched_answer a;
	struct sim_thread *svc2;

	(void)state;
	rig_up(&r);
	q = profile_req(r.req);
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), 0);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &old, &got, &who), 0);
	assert_int_equal(sched_exit(&r.sim->sys, ref(r.svc)), 0); /* dies holding it */
	settle(r.sim);
	svc2 = hand_thread(r.sim, 0, 0, NULL);
	assert_int_equal(sched_policy_attach(&r.sim->sys, &r.q, ref(svc2)), 1);
	/* the old incarnation's ticket fails closed; the new one takes it again */
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(svc2), root(r.sim), old, &d), -SCHED_ESTALE);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &fresh, &got, &who), -SCHED_EPERM);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(svc2), &fresh, &got, &who), 0);
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(svc2), root(r.sim), fresh, &d), 0);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t, &a), 0);
	assert_int_equal(a.by, SCHED_BY_SERVICE);
	struct sched_policy_stats st;

	assert_int_equal(sched_policy_stats(&r.q, &st), 0);
	assert_int_equal(st.attaches, 2);
	assert_int_equal(st.requeued, 1);
	sim_free(r.sim);
}

static void a_full_queue_refuses_and_records(void **state)
{
	struct rig r;
	struct sched_request q;
	struct sched_ticket t;
	struct sched_why w[8];

	(void)state;
	rig_up(&r);
	q = profile_req(r.req);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), 0);
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), -SCHED_EFULL);
	assert_int_equal(records(r.sim, SCHED_WHY_DENY, w), 1);
	assert_int_equal(w[0].cause, SCHED_DENY_QUEUE_FULL);
	assert_int_equal(w[0].fig[0], 4);
	sim_free(r.sim);
}

/* The service's SC for a requester: configured, bound; the requester gets READ | BIND. */
static void an_admitted_sc_comes_back_without_control(void **state)
{
	struct rig r;
	struct sched_request q = { .kind = SCHED_REQ_ADMIT_SC }, got;
	struct sched_ticket t, tt;
	struct sched_ref who;
	struct sched_decision d = { 0 };
	struct sched_answer a;

	(void)state;
	rig_up(&r);
	q.thread = ref(r.req);
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), 0);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &tt, &got, &who), 0);
	/* an SC owned by someone else's group is refused */
	assert_int_equal(sched_sc_create(&r.sim->sys, &r.other, refills[0], 8, &d.sc), 0);
	d.sc_params = (struct sched_sc_params){ .budget_ns = 2 * MS, .period_ns = 10 * MS };
	sched_cpumask_fill(&d.sc_params.cpus, 2);
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(r.svc), root(r.sim), tt, &d), 0);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t, &a), 0);
	assert_int_equal(a.err, -SCHED_EPERM);
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), 0);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &tt, &got, &who), 0);
	assert_int_equal(sched_sc_create(&r.sim->sys, &r.g, refills[1], 8, &d.sc), 0);
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(r.svc), root(r.sim), tt, &d), 0);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t, &a), 0);
	assert_int_equal(a.err, 0);
	assert_int_equal(a.sc.rights, SCHED_SC_READ | SCHED_SC_BIND);
	assert_ptr_equal(r.req->st.own_sc, &r.sim->sys.scs[a.sc.index]);
	/* what it got cannot configure: no authority was handed over */
	assert_int_equal(sched_sc_configure(&r.sim->sys, root(r.sim), a.sc, &d.sc_params), -SCHED_EPERM);
	/* BUDGET on an SC it does not hold (another group's) is refused when served */
	struct sched_request b = { .kind = SCHED_REQ_BUDGET };
	struct sched_sc_cap theirs;

	assert_int_equal(sched_sc_create(&r.sim->sys, &r.other, refills[2], 8, &theirs), 0);
	assert_int_equal(sched_sc_configure(&r.sim->sys, root(r.sim), theirs, &d.sc_params), 0);
	b.sc = theirs;
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &b, &t), 0);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &tt, &got, &who), 0);
	d.sc_params.budget_ns = 9 * MS;
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(r.svc), root(r.sim), tt, &d), 0);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t, &a), 0);
	assert_int_equal(a.err, -SCHED_EPERM);
	assert_int_equal(r.sim->sys.scs[theirs.index].budget, 2 * MS);
	sim_free(r.sim);
}

/* --- task graphs ---------------------------------------------------------------------------- */

static struct sched_sc_cap budget(struct rig *r, unsigned i, uint64_t b, unsigned cpu,
				  struct sim_thread *stage)
{
	struct sched_sc_params p = { .budget_ns = b, .period_ns = 10 * MS, .dispatch = SCHED_SC_PARTITIONED };
	struct sched_sc_cap cap;

	sched_cpumask_set(&p.cpus, cpu);
	assert_int_equal(sched_sc_create(&r->sim->sys, &r->g, refills[10 + i], 8, &cap), 0);
	assert_int_equal(sched_sc_configure(&r->sim->sys, root(r->sim), cap, &p), 0);
	assert_int_equal(sched_set_affinity(&r->sim->sys, ref(stage), &p.cpus), 0);
	assert_int_equal(sched_sc_bind(&r->sim->sys, cap, ref(stage)), 0);
	return sched_sc_cap_restrict(cap, SCHED_SC_READ | SCHED_SC_BIND);
}

static void three_stages_map_to_admitted_scs_within_the_budgets_held(void **state)
{
	struct rig r;
	struct sim_thread *s[3];
	struct sched_graph g = { .nr_nodes = 3, .period_ns = 10 * MS, .deadline_ns = 10 * MS,
				 .nr_budgets = 3 };
	struct sched_rt_task scratch[80];
	struct sched_request q = { .kind = SCHED_REQ_GRAPH, .graph = &g }, got;
	struct sched_ticket t, tt;
	struct sched_ref who;
	struct sched_decision d = { 0 };
	struct sched_answer a;
	uint64_t cost[3] = { 2 * MS, 3 * MS, 1 * MS };

	(void)state;
	rig_up(&r);
	assert_int_equal(sched_sc_admission(&r.sim->sys, root(r.sim), scratch, 80, SCHED_RT_FIRST_FIT), 0);
	for (unsigned i = 0; i < 3; i++) {
		s[i] = hand_thread(r.sim, 0, 0, &r.g);
		g.budgets[i] = budget(&r, i, 4 * MS, i == 1, s[i]);
		g.node[i] = (struct sched_graph_node){ .thread = ref(s[i]), .budget = i,
						       .cost_ns = cost[i], .queue = SCHED_GRAPH_ANY_QUEUE };
	}
	/* the pure mapping: 10 ms split as 2:3:1 */
	struct sched_sc_params held[3], out[3];
	struct sched_graph_verdict v;

	for (unsigned i = 0; i < 3; i++)
		held[i] = (struct sched_sc_params){ .budget_ns = 4 * MS, .period_ns = 10 * MS };
	assert_int_equal(sched_graph_map(&g, held, out, &v), 0);
	assert_int_equal(v.stage_deadline_ns[0], 3333333);
	assert_int_equal(v.stage_deadline_ns[1], 5 * MS);
	assert_int_equal(v.stage_deadline_ns[2], 1666666);
	/* a stranger names the same budgets: it does not hold them */
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.stranger), &q, &t), 0);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &tt, &got, &who), 0);
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(r.svc), root(r.sim), tt, &d), 0);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.stranger), t, &a), 0);
	assert_int_equal(a.err, -SCHED_EPERM);
	assert_int_equal(r.sim->sys.scs[g.budgets[0].index].budget, 4 * MS); /* unchanged */
	/* asking more than a budget holds is refused, nothing changes */
	g.node[2].cost_ns = 5 * MS;
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), 0);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &tt, &got, &who), 0);
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(r.svc), root(r.sim), tt, &d), 0);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t, &a), 0);
	assert_int_equal(a.err, -SCHED_EPERM);
	struct sched_why w[8];
	unsigned n = records(r.sim, SCHED_WHY_DENY, w);

	assert_true(n >= 2);
	assert_int_equal(w[n - 2].cause, SCHED_DENY_GRAPH);
	assert_int_equal(w[n - 2].fig[0], 2);
	assert_int_equal(w[n - 2].fig[1], 5 * MS);
	assert_int_equal(w[n - 2].fig[2], 4 * MS);
	assert_int_equal(r.sim->sys.scs[g.budgets[0].index].budget, 4 * MS);
	/* the coordinator with its budgets: every stage gets its share of the deadline */
	g.node[2].cost_ns = 1 * MS;
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), 0);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &tt, &got, &who), 0);
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(r.svc), root(r.sim), tt, &d), 0);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t, &a), 0);
	assert_int_equal(a.err, 0);
	for (unsigned i = 0; i < 3; i++) {
		const struct sched_sc *sc = &r.sim->sys.scs[g.budgets[i].index];

		assert_int_equal(sc->budget, cost[i]);
		assert_int_equal(sc->rel_deadline, v.stage_deadline_ns[i]);
	}
	sim_free(r.sim);
}

/* All or none: the third stage's admission fails, the first two are put back. */
static void a_graph_admission_is_all_or_none(void **state)
{
	struct rig r;
	struct sim_thread *s[3];
	struct sched_graph g = { .nr_nodes = 3, .period_ns = 10 * MS, .deadline_ns = 10 * MS,
				 .nr_budgets = 3 };
	struct sched_rt_task scratch[80];
	struct sched_request q = { .kind = SCHED_REQ_GRAPH, .graph = &g }, got;
	struct sched_ticket t, tt;
	struct sched_ref who;
	struct sched_decision d = { 0 };
	struct sched_answer a;
	struct sched_sc_cap hog;
	struct sched_sc_params hp = { .budget_ns = 5 * MS, .period_ns = 10 * MS, .deadline_ns = 6 * MS };

	(void)state;
	rig_up(&r);
	assert_int_equal(sched_sc_admission(&r.sim->sys, root(r.sim), scratch, 80, SCHED_RT_FIRST_FIT), 0);
	for (unsigned i = 0; i < 3; i++) {
		s[i] = hand_thread(r.sim, 0, 0, &r.g);
		g.budgets[i] = budget(&r, i, 2500 * US, 0, s[i]);
		g.node[i] = (struct sched_graph_node){ .thread = ref(s[i]), .budget = i,
						       .cost_ns = 2 * MS, .queue = 0 };
	}
	/* another SC on CPU 0 (0.5 ms due within 1 ms) leaves no room for three stages with
	 * 3.3 ms deadlines */
	sched_cpumask_set(&hp.cpus, 0);
	assert_int_equal(sched_sc_create(&r.sim->sys, NULL, refills[20], 8, &hog), 0);
	assert_int_equal(sched_sc_configure(&r.sim->sys, root(r.sim), hog, &hp), -SCHED_EUNSCHED);
	hp.budget_ns = 500 * US;
	hp.deadline_ns = 1 * MS;
	assert_int_equal(sched_sc_configure(&r.sim->sys, root(r.sim), hog, &hp), 0);
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), 0);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &tt, &got, &who), 0);
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(r.svc), root(r.sim), tt, &d), 0);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t, &a), 0);
	assert_int_equal(a.err, -SCHED_EUNSCHED);
	struct sched_why w[8];
	unsigned n = records(r.sim, SCHED_WHY_DENY, w);

	assert_int_equal(w[n - 2].cause, SCHED_DENY_GRAPH); /* then the request's own DENY */
	assert_int_equal(w[n - 2].fig[0], 0); /* the set is written whole, then judged: stage 0's
						 * CPU does not admit it, and all three go back */
	for (unsigned i = 0; i < 3; i++) {
		const struct sched_sc *sc = &r.sim->sys.scs[g.budgets[i].index];

		assert_int_equal(sc->budget, 2500 * US);
		assert_int_equal(sc->rel_deadline, 10 * MS);
	}
	check_ok(r.sim);
	sim_free(r.sim);
}

/* An answer whose requester exited is freed by the sweep (and by a submission short of slots). */
static void answers_nobody_will_collect_are_reclaimed(void **state)
{
	struct rig r;
	struct sched_request q;
	struct sched_ticket t;
	struct sched_why w[8];
	struct sched_policy_stats st;

	(void)state;
	rig_up(&r);
	q = profile_req(r.peer);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.peer), &q, &t), 0);
	assert_int_equal(sched_exit(&r.sim->sys, ref(r.peer)), 0);
	settle(r.sim);
	advance(r.sim, 10 * MS);
	assert_int_equal(sched_policy_expire(&r.sim->sys, &r.q), 4); /* defaulted: the thread is gone */
	q = profile_req(r.req);
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), 0);
	assert_int_equal(records(r.sim, SCHED_WHY_DEFAULT, w), 4);
	assert_int_equal(w[0].err, -SCHED_ESTALE); /* the default found nobody to apply to */
	assert_int_equal(sched_policy_stats(&r.q, &st), 0);
	assert_int_equal(st.defaulted, 4);
	sim_free(r.sim);
}

/* Budgets spread over both CPUs (global) become stages on one CPU each: judged as a whole,
 * the set never crosses itself half-way (one stage on CPU 1 beside the others still over
 * CPUs 0-1 would be refused one SC at a time). */
static void stages_move_from_spread_budgets_onto_their_queues(void **state)
{
	struct rig r;
	struct sim_thread *s[2];
	struct sched_graph g = { .nr_nodes = 2, .period_ns = 10 * MS, .deadline_ns = 10 * MS,
				 .nr_budgets = 2 };
	struct sched_rt_task scratch[80];
	struct sched_request q = { .kind = SCHED_REQ_GRAPH, .graph = &g }, got;
	struct sched_ticket t, tt;
	struct sched_ref who;
	struct sched_decision d = { 0 };
	struct sched_answer a;
	sched_cpumask_t both;

	(void)state;
	rig_up(&r);
	assert_int_equal(sched_sc_admission(&r.sim->sys, root(r.sim), scratch, 80, SCHED_RT_FIRST_FIT), 0);
	sched_cpumask_fill(&both, 2);
	for (unsigned i = 0; i < 2; i++) {
		struct sched_sc_params p = { .budget_ns = 4 * MS, .period_ns = 10 * MS, .cpus = both };
		struct sched_sc_cap cap;

		s[i] = hand_thread(r.sim, 0, 0, &r.g);
		assert_int_equal(sched_sc_create(&r.sim->sys, &r.g, refills[30 + i], 8, &cap), 0);
		assert_int_equal(sched_sc_configure(&r.sim->sys, root(r.sim), cap, &p), 0);
		assert_int_equal(sched_sc_bind(&r.sim->sys, cap, ref(s[i])), 0);
		g.budgets[i] = sched_sc_cap_restrict(cap, SCHED_SC_READ | SCHED_SC_BIND);
		g.node[i] = (struct sched_graph_node){ .thread = ref(s[i]), .budget = i,
						       .cost_ns = 3 * MS, .queue = (uint16_t)i };
		sched_cpumask_clear(&p.cpus);
		sched_cpumask_set(&p.cpus, i);
		assert_int_equal(sched_set_affinity(&r.sim->sys, ref(s[i]), &p.cpus), 0);
	}
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), 0);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &tt, &got, &who), 0);
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(r.svc), root(r.sim), tt, &d), 0);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t, &a), 0);
	assert_int_equal(a.err, 0);
	for (unsigned i = 0; i < 2; i++) {
		const struct sched_sc *sc = &r.sim->sys.scs[g.budgets[i].index];

		assert_true(sched_cpumask_test(&sc->cpus, i));
		assert_false(sched_cpumask_test(&sc->cpus, 1 - i));
		assert_int_equal(sc->rel_deadline, 5 * MS);
	}
	check_ok(r.sim);
	sim_free(r.sim);
}

/* A served profile whose cookie cannot be made (core scheduling is off here) is refused
 * whole: the weight it carried is not given either. */
static void a_refused_profile_leaves_the_weight(void **state)
{
	struct rig r;
	struct sched_request q, got;
	struct sched_ticket t, tt;
	struct sched_ref who;
	struct sched_decision d = { .fair = { .nice = 10 }, .sc = { .index = SCHED_NO_SC },
				    .own_cookie = 1 };
	struct sched_answer a;
	uint32_t weight;

	(void)state;
	rig_up(&r);
	weight = r.req->st.weight;
	q = profile_req(r.req);
	assert_int_equal(sched_policy_submit(&r.sim->sys, &r.q, ref(r.req), &q, &t), 0);
	assert_int_equal(sched_policy_take(&r.sim->sys, &r.q, ref(r.svc), &tt, &got, &who), 0);
	assert_int_equal(sched_policy_serve(&r.sim->sys, &r.q, ref(r.svc), root(r.sim), tt, &d), 0);
	assert_int_equal(sched_policy_result(&r.sim->sys, &r.q, ref(r.req), t, &a), 0);
	assert_int_equal(a.err, -SCHED_EDISABLED);
	assert_int_equal(r.req->st.weight, weight);
	sim_free(r.sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_refuses_a_fallback_that_could_give_more_than_a_weight),
		cmocka_unit_test(a_profile_is_served_with_the_services_authority),
		cmocka_unit_test(a_refused_profile_leaves_the_weight),
		cmocka_unit_test(a_requester_reaches_only_its_own_group),
		cmocka_unit_test(unanswered_requests_get_their_defaults_and_say_so),
		cmocka_unit_test(a_restarted_service_finds_what_the_dead_one_took),
		cmocka_unit_test(a_full_queue_refuses_and_records),
		cmocka_unit_test(answers_nobody_will_collect_are_reclaimed),
		cmocka_unit_test(an_admitted_sc_comes_back_without_control),
		cmocka_unit_test(three_stages_map_to_admitted_scs_within_the_budgets_held),
		cmocka_unit_test(a_graph_admission_is_all_or_none),
		cmocka_unit_test(stages_move_from_spread_budgets_onto_their_queues),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
