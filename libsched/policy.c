/* SPDX-License-Identifier: MIT */
/*
 * policy.c - the policy service's request queue (submit, take, serve, result, the defaults
 * on timeout, restart), the bounds a served request keeps to, and task graphs.
 *
 * The queue lock is a leaf: nothing else is taken under it. A slot moves FREE -> PENDING
 * (submit) -> TAKEN (take) -> SERVING (serve or deny, or a default being applied: one
 * actor at a time, outside the lock) -> ANSWERED -> FREE (the requester's result). A
 * TAKEN slot goes back to PENDING when a new service attaches. Every operation on a slot
 * is O(1) after finding it; finding is O(slots).
 */
#include "internal.h"
#include "auth.h"
#include "explain.h"
#include "lease.h"
#include "sc.h"
#include <sched/core.h>
#include <sched/policy.h>

#define TIMEOUT_DEFAULT_NS 100000000ull    /* 100 ms */
#define TIMEOUT_MAX_NS 3600000000000ull    /* an hour: inside the time horizon */
#define ANSWER_RIGHTS (SCHED_SC_READ | SCHED_SC_BIND)

static sched_time_t now(void)
{
	return sched_arch_now();
}

static unsigned long qlock(struct sched_policy *q)
{
	return sched__lock_irq(&q->lock);
}

static void qunlock(struct sched_policy *q, unsigned long flags)
{
	sched__unlock_irq(&q->lock, flags);
}

/* --- bounds: what a requester may ask about ----------------------------------------------- */

/* t is `who` itself or a thread of who's group or below it. */
static bool in_reach(const struct sched_thread *who, const struct sched_thread *t)
{
	return t == who || (who->group && t->group && sched__in_scope(t->group, who->group));
}

/* A live, ordinary target in the requester's reach: 0, -SCHED_ESTALE, -SCHED_EINVAL,
 * -SCHED_EPERM. */
static int target_check(struct sched_ref who, struct sched_ref t)
{
	if (!t.t)
		return -SCHED_EINVAL;
	if (!sched__ref_live(t))
		return -SCHED_ESTALE;
	if (t.t->is_idle)
		return -SCHED_EINVAL;
	return in_reach(who.t, t.t) ? 0 : -SCHED_EPERM;
}

static bool needs_thread(unsigned kind)
{
	return kind == SCHED_REQ_PROFILE || kind == SCHED_REQ_ADMIT_SC ||
	       kind == SCHED_REQ_LEASE_GRANT || kind == SCHED_REQ_EXPLAIN;
}

static bool name_ok(const char *name)
{
	for (unsigned i = 0; i < SCHED_PROFILE_NAME_MAX; i++)
		if (!name[i])
			return true;
	return false;
}

/* The request's own fields: 0 or the error submit returns. */
static int request_check(struct sched_ref who, const struct sched_request *r)
{
	if (r->kind >= SCHED_REQ_NR || r->timeout_ns > TIMEOUT_MAX_NS)
		return -SCHED_EINVAL;
	if (r->kind == SCHED_REQ_PROFILE && !name_ok(r->profile))
		return -SCHED_EINVAL;
	if ((r->kind == SCHED_REQ_ISLAND && !r->island) || (r->kind == SCHED_REQ_GRAPH && !r->graph))
		return -SCHED_EINVAL;
	return needs_thread(r->kind) ? target_check(who, r->thread) : 0;
}

static bool fair_ok(const struct sched_fair_params *f)
{
	return sched__fair_params_ok(f->nice, f->slice_ns); /* as sched_set_fair checks them */
}

/* --- set-up and attachment ---------------------------------------------------------------- */

int sched_policy_init(struct sched_sys *s, struct sched_policy *q, struct sched_policy_slot *slots,
		      unsigned n, const struct sched_policy_config *cfg)
{
	if (!s || !q || !slots || !cfg || !n || n > (1u << 16) || !cfg->fallback.a ||
	    !fair_ok(&cfg->default_fair) || cfg->timeout_ns > TIMEOUT_MAX_NS)
		return -SCHED_EINVAL;
	if (!sched__auth_live(cfg->fallback))
		return -SCHED_ESTALE;
	if (cfg->fallback.a->rights != SCHED_RIGHT_FAIR)
		return -SCHED_EPERM; /* the default may give a weight, and nothing else */
	*q = (struct sched_policy){ .slots = slots, .nr_slots = n, .cfg = *cfg };
	if (!q->cfg.timeout_ns)
		q->cfg.timeout_ns = TIMEOUT_DEFAULT_NS;
	for (unsigned i = 0; i < n; i++)
		slots[i] = (struct sched_policy_slot){ .gen = 1, .state = SCHED_SLOT_FREE };
	return 0;
}

int sched_policy_attach(struct sched_sys *s, struct sched_policy *q, struct sched_ref service)
{
	unsigned long flags;
	int pending = 0;

	if (!s || !q || !q->slots || !service.t || service.t->is_idle)
		return -SCHED_EINVAL;
	if (!sched__ref_live(service))
		return -SCHED_ESTALE;
	flags = qlock(q);
	q->epoch++;
	q->service = service;
	q->stats.attaches++;
	for (unsigned i = 0; i < q->nr_slots; i++) {
		struct sched_policy_slot *x = &q->slots[i];

		if (x->state == SCHED_SLOT_TAKEN) { /* its taker is gone: the truth is here */
			x->state = SCHED_SLOT_PENDING;
			q->stats.requeued++;
		}
		pending += x->state == SCHED_SLOT_PENDING;
	}
	qunlock(q, flags);
	return pending;
}

/* --- submission ------------------------------------------------------------------------------ */

/* Free x, answered for a requester that has exited: nobody will collect it. q locked. */
static void reclaim(struct sched_policy *q, struct sched_policy_slot *x)
{
	sched__assert_locked(&q->lock);
	if (x->state == SCHED_SLOT_ANSWERED && !sched__ref_live(x->requester)) {
		x->gen = x->gen + 1 ? x->gen + 1 : 1;
		x->state = SCHED_SLOT_FREE;
	}
}

/* A free slot, reclaiming answers nobody will collect on the way. q locked. */
static int free_slot(struct sched_policy *q)
{
	for (unsigned i = 0; i < q->nr_slots; i++) {
		reclaim(q, &q->slots[i]);
		if (q->slots[i].state == SCHED_SLOT_FREE)
			return (int)i;
	}
	return -1;
}

static void tell_service(struct sched_sys *s, struct sched_policy *q, struct sched_ref service)
{
	if (service.t)
		(void)sched_unpark(s, service); /* a dead service: the default will answer */
	if (q->cfg.endpoint && s->cfg.notify)
		s->cfg.notify(s->cfg.cb_ctx, q->cfg.endpoint, 0);
}

int sched_policy_submit(struct sched_sys *s, struct sched_policy *q, struct sched_ref requester,
			const struct sched_request *r, struct sched_ticket *out)
{
	struct sched_ref service;
	unsigned long flags;
	sched_time_t t0;
	int i, ret;

	if (!s || !q || !q->slots || !r || !out || !requester.t || requester.t->is_idle)
		return -SCHED_EINVAL;
	if (!sched__ref_live(requester))
		return -SCHED_ESTALE;
	if ((ret = request_check(requester, r)))
		return ret;
	t0 = now();
	flags = qlock(q);
	if ((i = free_slot(q)) < 0) {
		q->stats.full++;
		qunlock(q, flags);
		uint64_t fig[3] = { q->nr_slots, 0, 0 };

		sched__why_deny(s, requester.t->id, sched__gid(requester.t), SCHED_DENY_QUEUE_FULL, -SCHED_EFULL,
				SCHED_OBJ_NONE, 0, fig);
		return -SCHED_EFULL;
	}
	struct sched_policy_slot *x = &q->slots[i];

	x->state = SCHED_SLOT_PENDING;
	x->order = q->next_order++;
	x->deadline = t0 + (r->timeout_ns ? r->timeout_ns : q->cfg.timeout_ns);
	x->requester = requester;
	x->requester_id = requester.t->id; /* live now: records never read it again */
	x->requester_group = sched__gid(requester.t);
	x->req = *r;
	x->ans = (struct sched_answer){ .kind = r->kind, .asked = t0 };
	*out = (struct sched_ticket){ (uint32_t)i, x->gen, 0 };
	q->stats.submitted++;
	service = q->service;
	qunlock(q, flags);
	tell_service(s, q, service);
	return 0;
}

/* --- the service's side ---------------------------------------------------------------------- */

static bool is_service(const struct sched_policy *q, struct sched_ref service)
{
	return q->service.t && service.t == q->service.t && service.gen == q->service.gen;
}

int sched_policy_take(struct sched_sys *s, struct sched_policy *q, struct sched_ref service,
		      struct sched_ticket *t, struct sched_request *r, struct sched_ref *who)
{
	struct sched_policy_slot *best = NULL;
	sched_time_t t0 = now();
	unsigned long flags;

	if (!s || !q || !q->slots || !t || !r || !who)
		return -SCHED_EINVAL;
	flags = qlock(q);
	if (!is_service(q, service)) {
		qunlock(q, flags);
		return -SCHED_EPERM;
	}
	for (unsigned i = 0; i < q->nr_slots; i++) {
		struct sched_policy_slot *x = &q->slots[i];

		/* one past its deadline is left to its default (result or expire) */
		if (x->state == SCHED_SLOT_PENDING && sched_time_before(t0, x->deadline) &&
		    (!best || x->order < best->order))
			best = x;
	}
	if (best) {
		best->state = SCHED_SLOT_TAKEN;
		best->epoch = q->epoch;
		*t = (struct sched_ticket){ (uint32_t)(best - q->slots), best->gen, q->epoch };
		*r = best->req;
		*who = best->requester;
	}
	qunlock(q, flags);
	return best ? 0 : -SCHED_EAGAIN;
}

/* The slot a ticket names if its generation matches, else NULL. q locked. */
static struct sched_policy_slot *slot_of(struct sched_policy *q, struct sched_ticket t)
{
	struct sched_policy_slot *x = t.slot < q->nr_slots ? &q->slots[t.slot] : NULL;

	sched__assert_locked(&q->lock);
	return x && x->gen == t.gen && x->state != SCHED_SLOT_FREE ? x : NULL;
}

/* Record a default, apply it (outside the queue lock) and return the answer's error. */
static int apply_default(struct sched_sys *s, struct sched_policy *q,
			 const struct sched_policy_slot *x, sched_time_t asked, uint64_t *why)
{
	struct sched_explain_log *l = sched__why_log(s, SCHED_WHY_DEFAULT);
	const struct sched_request *r = &x->req;
	bool profile = r->kind == SCHED_REQ_PROFILE;
	int err = -SCHED_ETIMEDOUT;
	struct sched_why w = { 0 };

	if (profile)
		err = sched_set_fair(s, q->cfg.fallback, r->thread, &q->cfg.default_fair);
	*why = 0;
	if (!l)
		return err;
	w.kind = SCHED_WHY_DEFAULT;
	w.cause = profile ? SCHED_DEFAULT_PROFILE : SCHED_DEFAULT_DENY;
	w.err = (int8_t)err;
	w.tid = x->requester_id;
	w.group = x->requester_group;
	w.obj_kind = SCHED_OBJ_REQUEST;
	w.obj = (uint32_t)(x - q->slots);
	w.time = now();
	w.fig[0] = r->kind;
	w.fig[1] = w.time - asked;
	*why = sched__why_put(l, &w);
	return err;
}

/* Finish a SERVING slot with `a` and wake its requester. */
static void finish(struct sched_sys *s, struct sched_policy *q, struct sched_policy_slot *x,
		   const struct sched_answer *a)
{
	unsigned long flags = qlock(q);
	struct sched_ref requester = x->requester;
	uint64_t wait;

	x->ans = *a;
	x->ans.answered = now();
	x->state = SCHED_SLOT_ANSWERED;
	wait = x->ans.answered - x->ans.asked;
	if (wait > q->stats.max_wait_ns)
		q->stats.max_wait_ns = wait;
	if (a->by == SCHED_BY_DEFAULT)
		q->stats.defaulted++;
	else if (a->err)
		q->stats.denied++;
	else
		q->stats.served++;
	qunlock(q, flags);
	(void)sched_unpark(s, requester);
}

/* Default the SERVING slot x (claimed by the caller). */
static void default_slot(struct sched_sys *s, struct sched_policy *q, struct sched_policy_slot *x)
{
	struct sched_answer a = x->ans;

	a.by = SCHED_BY_DEFAULT;
	a.err = apply_default(s, q, x, a.asked, &a.why);
	finish(s, q, x, &a);
}

/*
 * Claim a taken slot for the attached service: SERVING, or an error. Past its deadline the
 * slot is claimed too, *late set: the caller applies the default.
 */
static int claim(struct sched_policy *q, struct sched_ref service, struct sched_ticket t,
		 struct sched_policy_slot **out, bool *late)
{
	struct sched_policy_slot *x = slot_of(q, t);

	sched__assert_locked(&q->lock);
	if (!is_service(q, service))
		return -SCHED_EPERM;
	if (!x || x->state != SCHED_SLOT_TAKEN || x->epoch != t.epoch || t.epoch != q->epoch)
		return -SCHED_ESTALE;
	x->state = SCHED_SLOT_SERVING;
	*late = !sched_time_before(now(), x->deadline);
	*out = x;
	return 0;
}

static int act(struct sched_sys *s, struct sched_auth svc, struct sched_ref who,
	       const struct sched_request *r, const struct sched_decision *d,
	       struct sched_answer *a);

/* serve and deny: d NULL means deny with err. */
static int answer(struct sched_sys *s, struct sched_policy *q, struct sched_ref service,
		  struct sched_auth svc, struct sched_ticket t, const struct sched_decision *d,
		  int err)
{
	struct sched_policy_slot *x = NULL;
	unsigned long flags = qlock(q);
	bool late = false;
	int ret = claim(q, service, t, &x, &late);
	struct sched_answer a;

	qunlock(q, flags);
	if (ret)
		return ret;
	if (late) {
		default_slot(s, q, x);
		return -SCHED_ETIMEDOUT;
	}
	a = x->ans; /* SERVING: only this caller touches the slot now */
	a.by = SCHED_BY_SERVICE;
	if (!sched__ref_live(x->requester))
		a.err = -SCHED_ESTALE; /* its requester went: nothing to do for it */
	else
		a.err = d ? act(s, svc, x->requester, &x->req, d, &a) : err;
	if (a.err) { /* a refusal hands nothing back */
		a.sc = (struct sched_sc_cap){ SCHED_NO_SC, 0, 0 };
		a.lease = (struct sched_lease_cap){ 0, 0 };
		a.island = (struct sched_island_cap){ 0, 0 };
		uint64_t fig[3] = { x->req.kind, 0, 0 };

		a.why = sched__why_deny(s, x->requester_id, x->requester_group, SCHED_DENY_REQUEST,
					a.err, SCHED_OBJ_REQUEST, t.slot, fig);
	}
	finish(s, q, x, &a);
	return 0;
}

int sched_policy_serve(struct sched_sys *s, struct sched_policy *q, struct sched_ref service,
		       struct sched_auth svc, struct sched_ticket t, const struct sched_decision *d)
{
	if (!s || !q || !q->slots || !d || !svc.a)
		return -SCHED_EINVAL;
	return answer(s, q, service, svc, t, d, 0);
}

int sched_policy_deny(struct sched_sys *s, struct sched_policy *q, struct sched_ref service,
		      struct sched_ticket t, int err)
{
	struct sched_auth none = { 0 };

	if (!s || !q || !q->slots || err >= 0 || err <= -SCHED_ERR_COUNT)
		return -SCHED_EINVAL;
	return answer(s, q, service, none, t, NULL, err);
}

/* --- the requester's side and the sweep ------------------------------------------------------- */

/* Whether `who` is the thread that submitted x (the same life of it). q locked. */
static bool is_requester(const struct sched_policy_slot *x, struct sched_ref who)
{
	return x->requester.t == who.t && x->requester.gen == who.gen;
}

int sched_policy_result(struct sched_sys *s, struct sched_policy *q, struct sched_ref requester,
			struct sched_ticket t, struct sched_answer *out)
{
	struct sched_policy_slot *x;
	unsigned long flags;
	bool overdue;

	if (!s || !q || !q->slots || !out || !requester.t || requester.t->is_idle)
		return -SCHED_EINVAL;
	if (!sched__ref_live(requester))
		return -SCHED_ESTALE;
	flags = qlock(q);
	if (!(x = slot_of(q, t))) {
		qunlock(q, flags);
		return -SCHED_ESTALE;
	}
	if (!is_requester(x, requester)) { /* a ticket is no capability by itself */
		qunlock(q, flags);
		return -SCHED_EPERM;
	}
	if (x->state == SCHED_SLOT_ANSWERED) {
		*out = x->ans;
		x->gen = x->gen + 1 ? x->gen + 1 : 1;
		x->state = SCHED_SLOT_FREE;
		qunlock(q, flags);
		return 0;
	}
	overdue = x->state != SCHED_SLOT_SERVING && !sched_time_before(now(), x->deadline);
	if (overdue)
		x->state = SCHED_SLOT_SERVING;
	qunlock(q, flags);
	if (!overdue)
		return -SCHED_EAGAIN;
	default_slot(s, q, x);
	return sched_policy_result(s, q, requester, t, out); /* answered now: one step more */
}

unsigned sched_policy_expire(struct sched_sys *s, struct sched_policy *q)
{
	unsigned n = 0;

	if (!s || !q || !q->slots)
		return 0;
	for (unsigned i = 0; i < q->nr_slots; i++) {
		struct sched_policy_slot *x = &q->slots[i];
		unsigned long flags = qlock(q);
		bool overdue = (x->state == SCHED_SLOT_PENDING || x->state == SCHED_SLOT_TAKEN) &&
			       !sched_time_before(now(), x->deadline);

		reclaim(q, x);
		if (overdue)
			x->state = SCHED_SLOT_SERVING;
		qunlock(q, flags);
		if (overdue) {
			default_slot(s, q, x);
			n++;
		}
	}
	return n;
}

int sched_policy_stats(struct sched_policy *q, struct sched_policy_stats *out)
{
	unsigned long flags;

	if (!q || !out)
		return -SCHED_EINVAL;
	flags = qlock(q);
	*out = q->stats;
	qunlock(q, flags);
	return 0;
}

/* --- acting for a requester ------------------------------------------------------------------ */

/* An SC the service created for thread t: owned by t's group (so it ends with it). */
static int service_sc_check(struct sched_sys *s, struct sched_sc_cap sc, const struct sched_thread *t)
{
	if (!s->scs || sc.index >= s->nr_scs)
		return -SCHED_EINVAL;
	if (s->scs[sc.index].owner != t->group)
		return -SCHED_EPERM;
	/* fresh (CREATED, so nobody is bound to it): a failed bind revokes it (give_sc) */
	return __atomic_load_n(&s->scs[sc.index].state, __ATOMIC_ACQUIRE) == SCHED_SC_CREATED
		       ? 0 : -SCHED_ESTATE;
}

/* Configure the service's SC for thread r and bind it; the requester gets READ | BIND. */
static int give_sc(struct sched_sys *s, struct sched_auth svc, struct sched_ref t,
		   const struct sched_decision *d, struct sched_answer *a)
{
	int ret = service_sc_check(s, d->sc, t.t);

	if (!ret)
		ret = sched_sc_configure(s, svc, d->sc, &d->sc_params);
	if (!ret && (ret = sched_sc_bind(s, d->sc, t)))
		(void)sched_sc_revoke(s, d->sc); /* the service's SC: nobody else holds it */
	if (!ret)
		a->sc = sched_sc_cap_restrict(d->sc, ANSWER_RIGHTS);
	return ret;
}

static int give_profile(struct sched_sys *s, struct sched_auth svc, struct sched_ref t,
			const struct sched_decision *d, struct sched_answer *a)
{
	int ret = fair_ok(&d->fair) ? 0 : -SCHED_EINVAL;

	bool sc = d->sc.index != SCHED_NO_SC;

	/* All or none: what would refuse the cookie is checked before anything is given (the
	 * same thread and authority pass sched_set_fair's checks first, so only a revocation
	 * racing this serve could still refuse it after the weight was set). */
	if (!ret && d->own_cookie)
		ret = !s->cfg.core_sched ? -SCHED_EDISABLED : sched__auth_right(svc, SCHED_RIGHT_CORE);
	if (!ret && sc)
		ret = give_sc(s, svc, t, d, a);
	if (!ret)
		ret = sched_set_fair(s, svc, t, &d->fair);
	if (!ret && d->own_cookie)
		ret = sched_core_create(s, svc, t, SCHED_CORE_THREAD);
	if (ret && sc && a->sc.rights) { /* all or none: the fresh SC goes again */
		(void)sched_sc_unbind(s, d->sc);
		(void)sched_sc_revoke(s, d->sc);
	}
	return ret;
}

/* A held SC: a live capability with some right to an SC owned by who's group (or below). */
static int held_sc(struct sched_sys *s, const struct sched_thread *who, struct sched_sc_cap cap,
		   struct sched_sc_params *p, struct sched_thread **bound)
{
	struct sched_group *owner;
	int ret = sched__sc_params_of(s, cap, SCHED_SC_READ | SCHED_SC_BIND, p, &owner, bound);

	if (ret)
		return ret;
	return who->group && owner && sched__in_scope(owner, who->group) ? 0 : -SCHED_EPERM;
}

static int change_budget(struct sched_sys *s, struct sched_auth svc, struct sched_ref who,
			 const struct sched_request *r, const struct sched_decision *d)
{
	struct sched_sc_params held;
	struct sched_thread *bound;
	struct sched_sc_cap mine = r->sc;
	int ret = held_sc(s, who.t, r->sc, &held, &bound);

	if (ret)
		return ret;
	mine.rights = SCHED_SC_CONFIGURE; /* the service's act, on an SC the requester holds */
	return sched_sc_configure(s, svc, mine, &d->sc_params);
}

static int grant_lease(struct sched_sys *s, struct sched_auth svc, const struct sched_request *r,
		       const struct sched_decision *d, struct sched_answer *a)
{
	struct sched_lease_params p = { .cpus = d->cpus, .thread = r->thread };

	return sched_lease_grant(s, svc, &p, &a->lease);
}

/* The island's group in the requester's; its member SCs the group's own (island.c). The
 * parameters are read once here; the arrays they point to must be the port's copy (a
 * requester changing them while served would change what is admitted). */
static int admit_island(struct sched_sys *s, struct sched_auth svc, struct sched_ref who,
			const struct sched_request *r, struct sched_answer *a)
{
	struct sched_island_params p = *r->island;

	if (!p.group || !who.t->group || !sched__in_scope(p.group, who.t->group))
		return -SCHED_EPERM;
	return sched_island_admit(s, svc, &p, &a->island, NULL);
}

static int graph_admit(struct sched_sys *s, struct sched_auth svc, struct sched_ref who,
		       const struct sched_graph *g, struct sched_graph_verdict *v);

static int act(struct sched_sys *s, struct sched_auth svc, struct sched_ref who,
	       const struct sched_request *r, const struct sched_decision *d,
	       struct sched_answer *a)
{
	struct sched_graph_verdict gv;
	int ret = needs_thread(r->kind) ? target_check(who, r->thread) : 0;

	if (ret)
		return ret;
	switch (r->kind) {
	case SCHED_REQ_PROFILE:
		return give_profile(s, svc, r->thread, d, a);
	case SCHED_REQ_ADMIT_SC:
		return give_sc(s, svc, r->thread, d, a);
	case SCHED_REQ_BUDGET:
		return change_budget(s, svc, who, r, d);
	case SCHED_REQ_LEASE_GRANT:
		return grant_lease(s, svc, r, d, a);
	case SCHED_REQ_LEASE_REVOKE:
		ret = sched__lease_held(s, r->lease, who.t);
		return ret ? ret : sched_lease_revoke(s, r->lease);
	case SCHED_REQ_ISLAND:
		return admit_island(s, svc, who, r, a);
	case SCHED_REQ_GRAPH: {
		struct sched_graph g = *r->graph; /* read once: checked and acted on as one */

		return graph_admit(s, svc, who, &g, &gv);
	}
	default: /* EXPLAIN: the service read the records itself */
		return 0;
	}
}

/* --- task graphs ----------------------------------------------------------------------------- */

struct sched_fair_params sched_graph_fair(uint8_t prio)
{
	unsigned p = prio > 99 ? 99 : prio;
	struct sched_fair_params f = { .nice = 19 - (int)((p * 39 + 49) / 99) };

	/* latency classes: the top third gets a short slice, the bottom third a long one */
	f.slice_ns = p >= 67 ? 1000000 : p < 33 ? 10000000 : 0;
	return f;
}

static int refuse(struct sched_graph_verdict *v, unsigned node, uint64_t asked, uint64_t held,
		  int err)
{
	v->node = node;
	v->asked = asked;
	v->held = held;
	return err;
}

static bool sc_stage(const struct sched_graph_node *n)
{
	return n->budget != SCHED_GRAPH_NO_BUDGET;
}

/* Shape: counts, budget indexes in range and used once, costs. */
static int graph_shape(const struct sched_graph *g, struct sched_graph_verdict *v)
{
	uint32_t used = 0;

	if (!g->nr_nodes || g->nr_nodes > SCHED_GRAPH_NODES_MAX ||
	    g->nr_budgets > SCHED_GRAPH_NODES_MAX || !g->period_ns ||
	    g->period_ns > SCHED_SC_PERIOD_MAX_NS || !g->deadline_ns)
		return refuse(v, 0, 0, 0, -SCHED_EINVAL);
	for (unsigned i = 0; i < g->nr_nodes; i++) {
		const struct sched_graph_node *n = &g->node[i];

		if (!sc_stage(n))
			continue;
		if (n->budget >= g->nr_budgets || (used >> n->budget & 1) || !n->cost_ns)
			return refuse(v, i, n->cost_ns, 0, -SCHED_EINVAL);
		used |= 1u << n->budget;
	}
	return 0;
}

__extension__ typedef unsigned __int128 u128;

/* floor(a x b / c) for a result below 2^64, by long division: a kernel has no 128-bit
 * divide in its runtime. 128 steps. */
static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	u128 n = (u128)a * b, r = 0;
	uint64_t q = 0;

	for (int i = 127; i >= 0; i--) {
		r = r << 1 | (n >> i & 1);
		q <<= 1;
		if (r >= c) {
			r -= c;
			q |= 1;
		}
	}
	return q;
}

int sched_graph_map(const struct sched_graph *g, const struct sched_sc_params *held,
		    struct sched_sc_params *out, struct sched_graph_verdict *v)
{
	struct sched_graph_verdict mine;
	uint64_t sum = 0;
	int ret;

	v = v ? v : &mine;
	*v = (struct sched_graph_verdict){ 0 };
	if (!g || !held || !out)
		return -SCHED_EINVAL;
	if ((ret = graph_shape(g, v)))
		return ret;
	for (unsigned i = 0; i < g->nr_nodes; i++)
		sum += sc_stage(&g->node[i]) ? g->node[i].cost_ns : 0;
	for (unsigned i = 0; i < g->nr_nodes; i++) {
		const struct sched_graph_node *n = &g->node[i];
		const struct sched_sc_params *h;
		struct sched_sc_params *o = &out[i];
		uint64_t d;

		if (!sc_stage(n))
			continue;
		h = &held[n->budget];
		d = mul_div(g->deadline_ns, n->cost_ns, sum); /* <= deadline_ns: cost <= sum */
		d = d < g->period_ns ? d : g->period_ns;
		v->stage_deadline_ns[i] = d;
		if (n->cost_ns > h->budget_ns)
			return refuse(v, i, n->cost_ns, h->budget_ns, -SCHED_EPERM);
		if (g->period_ns < h->period_ns)
			return refuse(v, i, g->period_ns, h->period_ns, -SCHED_EPERM);
		if (n->queue != SCHED_GRAPH_ANY_QUEUE &&
		    (n->queue >= SCHED_MAX_CPUS || !sched_cpumask_test(&h->cpus, n->queue)))
			return refuse(v, i, n->queue, 0, -SCHED_EPERM);
		if (d < n->cost_ns + h->blocking_ns || n->cost_ns < SCHED_SC_BUDGET_MIN_NS)
			return refuse(v, i, n->cost_ns + h->blocking_ns, d, -SCHED_EINVAL);
		*o = *h;
		o->budget_ns = n->cost_ns;
		o->period_ns = g->period_ns;
		o->deadline_ns = d;
		if (n->queue != SCHED_GRAPH_ANY_QUEUE) {
			sched_cpumask_clear(&o->cpus);
			sched_cpumask_set(&o->cpus, n->queue);
		}
	}
	return 0;
}

/* Every stage thread in reach; an SC stage's thread bound to its budget's SC. */
static int graph_threads(struct sched_ref who, const struct sched_graph *g,
			 struct sched_thread *const *bound, struct sched_graph_verdict *v)
{
	for (unsigned i = 0; i < g->nr_nodes; i++) {
		const struct sched_graph_node *n = &g->node[i];
		int ret = target_check(who, n->thread);

		if (!ret && sc_stage(n) && bound[n->budget] != n->thread.t)
			ret = -SCHED_EBOUND;
		if (ret)
			return refuse(v, i, 0, 0, ret);
	}
	return 0;
}

static int graph_record(struct sched_sys *s, struct sched_ref who, const struct sched_graph_verdict *v,
			int err)
{
	uint64_t fig[3] = { v->node, v->asked, v->held };

	sched__why_deny(s, who.t->id, sched__gid(who.t), SCHED_DENY_GRAPH, err, SCHED_OBJ_NONE, 0,
			fig); /* who: checked live just before (answer) */
	return err;
}

/* The service may set every fair stage's weight (checked before anything is written). */
static int graph_fair_check(struct sched_auth svc, const struct sched_graph *g,
			    struct sched_graph_verdict *v)
{
	for (unsigned i = 0; i < g->nr_nodes; i++) {
		const struct sched_thread *t = g->node[i].thread.t;
		int ret = sc_stage(&g->node[i]) ? 0 : sched__auth_right(svc, SCHED_RIGHT_FAIR);

		if (!ret && !sc_stage(&g->node[i]) && !sched__in_scope(t->group, svc.a->scope))
			ret = -SCHED_EPERM;
		if (ret)
			return refuse(v, i, 0, 0, ret);
	}
	return 0;
}

/*
 * Check everything, map, then configure the SC stages as one set (all or none) and give
 * the fair stages their weights. The budgets' rights are not asked beyond holding: the
 * service acts, and the mapping only narrows what the coordinator holds.
 */
static int graph_admit(struct sched_sys *s, struct sched_auth svc, struct sched_ref who,
		       const struct sched_graph *g, struct sched_graph_verdict *v)
{
	struct sched_sc_params held[SCHED_GRAPH_NODES_MAX], out[SCHED_GRAPH_NODES_MAX];
	struct sched_sc_params set[SCHED_GRAPH_NODES_MAX];
	struct sched_thread *bound[SCHED_GRAPH_NODES_MAX] = { 0 };
	struct sched_sc_cap caps[SCHED_GRAPH_NODES_MAX];
	unsigned node_of[SCHED_GRAPH_NODES_MAX];
	unsigned n = 0, at = 0;
	int ret;

	*v = (struct sched_graph_verdict){ 0 };
	if ((ret = graph_shape(g, v)))
		return graph_record(s, who, v, ret);
	for (unsigned b = 0; b < g->nr_budgets; b++)
		if ((ret = held_sc(s, who.t, g->budgets[b], &held[b], &bound[b])))
			return graph_record(s, who, v, refuse(v, b, 0, 0, ret));
	if ((ret = graph_threads(who, g, bound, v)) || (ret = sched_graph_map(g, held, out, v)) ||
	    (ret = graph_fair_check(svc, g, v)))
		return graph_record(s, who, v, ret);
	for (unsigned i = 0; i < g->nr_nodes; i++) {
		if (!sc_stage(&g->node[i]))
			continue;
		caps[n] = g->budgets[g->node[i].budget];
		caps[n].rights = SCHED_SC_CONFIGURE;
		node_of[n] = i;
		set[n++] = out[i];
	}
	if (n && (ret = sched__sc_configure_set(s, svc, caps, set, n, SCHED_SC_CONFIGURE, &at, &v->sc)))
		return graph_record(s, who, v, refuse(v, node_of[at < n ? at : 0], 0, 0, ret));
	for (unsigned i = 0; i < g->nr_nodes; i++) {
		struct sched_fair_params f = sched_graph_fair(g->node[i].prio);

		if (!sc_stage(&g->node[i]) && (ret = sched_set_fair(s, svc, g->node[i].thread, &f)))
			return graph_record(s, who, v, refuse(v, i, 0, 0, ret));
	}
	return 0;
}
