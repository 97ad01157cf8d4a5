/* SPDX-License-Identifier: MIT */
/*
 * usched.c - libsched's policy calls as system calls, for the policy service in ring 3
 * (usched.h has what the stand-in objects are).
 */
#include "usched.h"
#include "ulib.h"

#define SHADOWS 256 /* thread ids: the kernel has MAX_THREADS (192) */
#define MIRRORS 64  /* SC slots: the kernel gives libsched KERNEL_SCS (16) */

static struct sched_sc mirror[MIRRORS];
static struct sched_sys sys = { .scs = mirror, .nr_scs = MIRRORS };
static struct sched_policy queue;
static struct sched_authority authority = {
	.gen = 1, .rights = SCHED_RIGHT_FAIR | SCHED_RIGHT_SC_CONTROL | SCHED_RIGHT_LEASE |
				    SCHED_RIGHT_CORE | SCHED_RIGHT_RT };
static struct sched_thread shadow[SHADOWS];
static struct sched_sc held; /* what a shadow's own_sc points at: "it has one" */
/* The request just taken, ISLAND or GRAPH: what the kernel told of it (the service reads
 * them while it decides the request, before it takes the next one). */
static struct sched_island_member taken_member;
static struct sched_island_mem taken_mem;
static struct sched_island_params taken_island;
static struct sched_graph taken_graph;
void (*usched_after_take)(const struct sched_request *r);

struct sched_sys *usched_sys(void)
{
	return &sys;
}

struct sched_policy *usched_queue(void)
{
	return &queue;
}

struct sched_auth usched_auth(void)
{
	return (struct sched_auth){ &authority, authority.gen };
}

struct sched_ref usched_ref(uint64_t handle, bool has_sc)
{
	uint32_t tid = (uint32_t)handle, gen = (uint32_t)(handle >> 32);
	struct sched_thread *t;

	if (!tid || tid >= SHADOWS)
		return (struct sched_ref){ 0 };
	t = &shadow[tid];
	t->id = tid;
	t->gen = gen;
	t->own_sc = has_sc ? &held : NULL;
	return (struct sched_ref){ t, gen };
}

uint64_t usched_handle(struct sched_ref r)
{
	return r.t ? (uint64_t)r.gen << 32 | r.t->id : 0;
}

struct sched_ref usched_self(void)
{
	struct kpol_attrs a;

	if (usys(SYS_POLICY_ATTRS, 0, (uint64_t)&a, 0) < 0)
		return (struct sched_ref){ 0 };
	return usched_ref((uint64_t)a.gen << 32 | a.tid, false);
}

/* The mirror of SC slot `index` as the kernel has it now; the call's result. */
static int mirror_update(uint32_t index, uint32_t gen, struct kpol_sc_info *i)
{
	int r = (int)usys(SYS_POLICY_SC_INFO, index, gen, (uint64_t)i);

	if (index < MIRRORS && r != -SCHED_EINVAL && r != -SCHED_EPERM) {
		mirror[index].gen = i->gen;
		mirror[index].state = (uint8_t)i->state;
		mirror[index].index = index;
	}
	return r;
}

static struct kpol_sc_params params_out(const struct sched_sc_params *p)
{
	return (struct kpol_sc_params){ .budget_ns = p->budget_ns, .period_ns = p->period_ns,
					.deadline_ns = p->deadline_ns,
					.blocking_ns = p->blocking_ns, .cpus = p->cpus.w[0],
					.mode = p->mode, .overrun = p->overrun,
					.dispatch = p->dispatch };
}

static struct sched_sc_params params_in(const struct kpol_sc_params *k)
{
	struct sched_sc_params p = { .budget_ns = k->budget_ns, .period_ns = k->period_ns,
				     .deadline_ns = k->deadline_ns, .blocking_ns = k->blocking_ns,
				     .mode = k->mode, .overrun = k->overrun,
				     .dispatch = k->dispatch };

	p.cpus.w[0] = k->cpus;
	return p;
}

static uint64_t ticket_handle(struct sched_ticket t)
{
	return (uint64_t)t.gen << 16 | t.slot;
}

/* --- the queue ------------------------------------------------------------------------------ */

int sched_policy_attach(struct sched_sys *s, struct sched_policy *q, struct sched_ref service)
{
	(void)s, (void)q, (void)service;
	return (int)usys(SYS_POLICY_ATTACH, 0, 0, 0);
}

int sched_policy_take(struct sched_sys *s, struct sched_policy *q, struct sched_ref service,
		      struct sched_ticket *t, struct sched_request *r, struct sched_ref *who)
{
	struct kpol_taken k;
	int err;

	(void)s, (void)q, (void)service;
	if ((err = (int)usys(SYS_POLICY_TAKE, (uint64_t)&k, 0, 0)) < 0)
		return err;
	*t = (struct sched_ticket){ (uint32_t)(k.ticket & 0xffff), (uint32_t)(k.ticket >> 16),
				    k.epoch };
	*r = (struct sched_request){ .kind = (uint8_t)k.kind, .timeout_ns = k.timeout_ns };
	memcpy(r->profile, k.profile, sizeof(r->profile));
	r->profile[sizeof(r->profile) - 1] = 0;
	r->thread = usched_ref(k.thread, k.thread_has_sc);
	r->sc = (struct sched_sc_cap){ k.sc_index, k.sc_gen, k.sc_rights };
	r->sc_params = params_in(&k.sc_params);
	r->lease = (struct sched_lease_cap){ k.lease_index, k.lease_gen };
	r->cpus.w[0] = k.cpus;
	if (r->kind == SCHED_REQ_ISLAND) { /* a stand-in: the kernel admits from its copy */
		taken_member = (struct sched_island_member){ .sc.index = SCHED_NO_SC };
		taken_member.p.budget_ns = k.island_budget_ns;
		taken_member.p.period_ns = k.island_period_ns;
		taken_member.p.cpus.w[0] = k.island_cpu < 64 ? 1ull << k.island_cpu : 0;
		taken_mem = (struct sched_island_mem){ .pool = 0, .pages = k.island_pages };
		taken_island = (struct sched_island_params){
			.cpus = taken_member.p.cpus, .members = &taken_member, .nr_members = 1,
			.mem = &taken_mem, .nr_mem = k.island_pages ? 1 : 0 };
		r->island = &taken_island;
	}
	if (r->kind == SCHED_REQ_GRAPH) {
		taken_graph = (struct sched_graph){ .nr_nodes = k.graph_nodes,
						    .nr_budgets = k.graph_budgets,
						    .period_ns = k.graph_period_ns,
						    .deadline_ns = k.graph_deadline_ns };
		for (unsigned i = 0; i < k.graph_nodes && i < KPOL_GRAPH_NODES; i++)
			taken_graph.node[i] = (struct sched_graph_node){
				.thread = usched_ref(k.graph_node[i].thread,
						    k.graph_node[i].budget != KPOL_NO_BUDGET),
				.budget = k.graph_node[i].budget,
				.cost_ns = k.graph_node[i].cost_ns,
				.prio = (uint8_t)k.graph_node[i].prio,
				.queue = (uint16_t)k.graph_node[i].queue };
		for (unsigned b = 0; b < k.graph_budgets && b < KPOL_GRAPH_NODES; b++)
			taken_graph.budgets[b] = (struct sched_sc_cap){
				k.graph_budget[b].index, k.graph_budget[b].gen, 0 };
		r->graph = &taken_graph;
	}
	*who = usched_ref(k.who, k.who_has_sc);
	if (usched_after_take)
		usched_after_take(r);
	return 0;
}

int sched_policy_serve(struct sched_sys *s, struct sched_policy *q, struct sched_ref service,
		       struct sched_auth svc, struct sched_ticket t, const struct sched_decision *d)
{
	struct kpol_decision kd = {
		.nice = d->fair.nice, .idle_weight = d->fair.idle_weight,
		.slice_ns = d->fair.slice_ns, .sc_index = d->sc.index, .sc_gen = d->sc.gen,
		.sc_params = params_out(&d->sc_params), .cpus = d->cpus.w[0],
		.own_cookie = d->own_cookie };
	struct kpol_sc_info i = { 0 };
	int r;

	(void)s, (void)q, (void)service, (void)svc;
	r = (int)usys(SYS_POLICY_SERVE, ticket_handle(t), (uint64_t)&kd, 0);
	if (d->sc.index != SCHED_NO_SC) /* configured, or revoked by libsched's undo */
		mirror_update(d->sc.index, d->sc.gen, &i);
	return r;
}

int sched_policy_deny(struct sched_sys *s, struct sched_policy *q, struct sched_ref service,
		      struct sched_ticket t, int err)
{
	(void)s, (void)q, (void)service;
	return (int)usys(SYS_POLICY_DENY, ticket_handle(t), (uint64_t)(int64_t)err, 0);
}

/* --- threads, SCs, records ------------------------------------------------------------------ */

/* Only whether it exited: the service's question (its accounting is not the service's). */
int sched_thread_stats(struct sched_sys *s, struct sched_ref r, struct sched_acct *out)
{
	struct kpol_attrs a;
	int err = (int)usys(SYS_POLICY_ATTRS, usched_handle(r), (uint64_t)&a, 0);

	(void)s;
	memset(out, 0, sizeof(*out));
	return err == -SCHED_ESTALE ? err : 0;
}

int sched_set_fair(struct sched_sys *s, struct sched_auth auth, struct sched_ref r,
		   const struct sched_fair_params *p)
{
	struct kpol_fair f = { p->nice, p->idle_weight, p->slice_ns };

	(void)s, (void)auth;
	return (int)usys(SYS_POLICY_SET_FAIR, usched_handle(r), (uint64_t)&f, 0);
}

int sched_sc_create(struct sched_sys *s, struct sched_group *owner, struct sched_refill *refills,
		    unsigned nr_refills, struct sched_sc_cap *out)
{
	struct kpol_sc k;
	int r;

	/* the group is the kernel's id (the port's attrs); the refill ring is the kernel's */
	(void)s, (void)refills, (void)nr_refills;
	r = (int)usys(SYS_POLICY_SC_CREATE, (uint64_t)(uintptr_t)owner, (uint64_t)&k, 0);
	if (r < 0)
		return r;
	*out = (struct sched_sc_cap){ k.index, k.gen, k.rights };
	if (k.index < MIRRORS)
		mirror[k.index] = (struct sched_sc){ .gen = k.gen, .index = k.index,
						     .state = SCHED_SC_CREATED };
	return 0;
}

int sched_sc_revoke(struct sched_sys *s, struct sched_sc_cap sc)
{
	struct kpol_sc k = { sc.index, sc.gen, sc.rights, 0 };
	struct kpol_sc_info i = { 0 };
	int r;

	(void)s;
	r = (int)usys(SYS_POLICY_SC_REVOKE, (uint64_t)&k, 0, 0);
	mirror_update(sc.index, sc.gen, &i);
	return r;
}

int sched_sc_stats(struct sched_sys *s, struct sched_sc_cap sc, struct sched_sc_stats *out)
{
	struct kpol_sc_info i = { 0 };
	int r;

	(void)s;
	r = mirror_update(sc.index, sc.gen, &i);
	*out = (struct sched_sc_stats){ .consumed_ns = i.consumed_ns, .jobs = i.jobs,
					.deadline_misses = i.deadline_misses,
					.throttled_ns = i.throttled_ns, .depletions = i.depletions,
					.max_lateness_ns = i.max_lateness_ns };
	return r;
}

unsigned sched_explain_read(struct sched_sys *s, const struct sched_why_filter *f,
			    struct sched_why *out, unsigned max)
{
	struct kpol_why_query q = { .max = max < KPOL_WHY_MAX ? max : KPOL_WHY_MAX,
				    .out = (uint64_t)out };
	int64_t n;

	(void)s;
	if (f)
		q = (struct kpol_why_query){ f->kinds, f->tid, f->group, q.max, f->after, q.out,
					     f->obj_kind, f->obj };
	n = usys(SYS_POLICY_WHY, (uint64_t)&q, 0, 0);
	return n < 0 ? 0 : (unsigned)n;
}

unsigned sched_explain_format(const struct sched_why *w, char *buf, unsigned len)
{
	int64_t n = usys(SYS_POLICY_FORMAT, (uint64_t)w, (uint64_t)buf, len);

	return n < 0 ? 0 : (unsigned)n;
}
