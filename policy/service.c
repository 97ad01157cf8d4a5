/* SPDX-License-Identifier: MIT */
/*
 * service.c - the policy service's decision loop (service.h, docs/policy.md "The service").
 *
 * A step: take the oldest pending request, learn about the thread it concerns from the
 * port (attrs), find that thread's profile, decide, and serve or deny through the library,
 * which acts with the service's authority inside the requester's bounds. The service's
 * own state is a cache: the thread table (what each served thread got, for reloads), the
 * graph nodes asked for, and which refill arrays its SCs use. The library's state wins:
 * a thread found exited is forgotten, an SC found revoked frees its refill slot, and a
 * restart rebuilds the table from the port.
 */
#include "service.h"

#define NEED_RIGHTS (SCHED_RIGHT_SC_CONTROL | SCHED_RIGHT_FAIR | SCHED_RIGHT_LEASE | \
		     SCHED_RIGHT_CORE | SCHED_RIGHT_RT)

/* One request on its way through a step. */
struct req {
	struct sched_ticket t;
	struct sched_request r;
	struct sched_ref who;         /* the requester */
	struct sched_ref subject;     /* the thread it concerns: r.thread, or the requester */
	struct pol_attrs a;           /* the subject's */
	const struct pol_profile *p;  /* the subject's profile, when the kind needs one */
	bool by_name;                 /* PROFILE: asked by name */
	struct sched_decision d;
	int slot;                     /* the refill slot of an SC created for it, or -1 */
};

/* --- set-up ------------------------------------------------------------------------------ */

static int check_auth(struct sched_auth auth)
{
	if (!auth.a)
		return -SCHED_EINVAL;
	if (auth.a->gen != auth.gen)
		return -SCHED_ESTALE;
	return (auth.a->rights & NEED_RIGHTS) == NEED_RIGHTS ? 0 : -SCHED_EPERM;
}

static bool config_ok(const struct pol_service_config *c)
{
	if (!c->sys || !c->queue || !c->self.t || !c->port.attrs || !c->mem)
		return false;
	if (c->nr_scs && (!c->refills || !c->refills_per_sc ||
			  c->refills_per_sc > SCHED_SC_REFILLS_MAX))
		return false;
	return !c->diag || c->diag_len;
}

int pol_service_init(struct pol_service *svc, const struct pol_service_config *cfg)
{
	size_t mb;
	int r;

	if (!svc || !cfg || !config_ok(cfg))
		return -SCHED_EINVAL;
	r = check_auth(cfg->auth);
	if (r < 0)
		return r;
	mb = cfg->manifest_bytes ? cfg->manifest_bytes : cfg->mem_len / 4;
	if (mb > cfg->mem_len / 2)
		return -SCHED_EINVAL;
	pol_memset(svc, 0, sizeof(*svc));
	pol_memcpy(&svc->cfg, cfg, sizeof(*cfg));
	if (pol_manifests_init(&svc->ms, cfg->mem, 2 * mb) < 0 ||
	    !pol_arena_init(&svc->reg, (uint8_t *)cfg->mem + 2 * mb, cfg->mem_len - 2 * mb))
		return -SCHED_EINVAL;
	if (cfg->nr_scs) {
		svc->slots = pol_alloc(&svc->reg, (size_t)cfg->nr_scs * sizeof(*svc->slots));
		if (!svc->slots)
			return -SCHED_EINVAL;
	}
	pol_buf_init(&svc->diag, cfg->diag, cfg->diag_len);
	return 0;
}

/* --- the thread table ----------------------------------------------------------------------- */

static struct pol_thread *find_thread(const struct pol_service *svc, uint32_t tid)
{
	struct pol_thread *e;

	HASH_FIND(hh, svc->threads, &tid, sizeof(tid), e);
	return e;
}

static void forget(struct pol_service *svc, struct pol_thread *e)
{
	struct pol_hctx hx = { &svc->reg, false };

	HASH_DELETE(hh, svc->threads, e);
	pol_free(hx.arena, e, sizeof(*e));
	svc->stats.forgotten++;
}

static bool thread_gone(struct pol_service *svc, struct sched_ref r)
{
	struct sched_acct acct;

	return sched_thread_stats(svc->cfg.sys, r, &acct) == -SCHED_ESTALE;
}

/* Drop the entries of exited threads (the table is full). */
static void forget_exited(struct pol_service *svc)
{
	struct pol_thread *e, *tmp;

	HASH_ITER(hh, svc->threads, e, tmp)
		if (thread_gone(svc, e->ref))
			forget(svc, e);
}

static struct pol_thread *add_thread(struct pol_service *svc, uint32_t tid)
{
	struct pol_hctx hx = { &svc->reg, false };
	struct pol_thread *e = pol_alloc(hx.arena, sizeof(*e));

	if (!e)
		return NULL;
	e->tid = tid;
	HASH_ADD(hh, svc->threads, tid, sizeof(e->tid), e);
	if (hx.oom) {
		pol_free(hx.arena, e, sizeof(*e));
		return NULL;
	}
	return e;
}

/* Remember that thread tid (ref) has profile p; fair_known: it was given p's parameters. */
static void remember(struct pol_service *svc, uint32_t tid, struct sched_ref ref,
		     const struct pol_profile *p, bool by_name, bool fair_known)
{
	struct pol_thread *e = find_thread(svc, tid);

	if (!e)
		e = add_thread(svc, tid);
	if (!e) {
		forget_exited(svc);
		e = add_thread(svc, tid);
	}
	if (!e) {
		svc->stats.table_full++;
		return;
	}
	e->ref = ref;
	pol_strlcpy(e->profile, p->name, sizeof(e->profile));
	e->by_name = by_name;
	e->fair = p->fair;
	e->fair_known = fair_known;
}

static void forget_all(struct pol_service *svc)
{
	struct pol_hctx hx = { &svc->reg, false };
	struct pol_thread *e, *tmp;
	struct pol_node *n, *ntmp;

	HASH_ITER(hh, svc->threads, e, tmp) {
		HASH_DELETE(hh, svc->threads, e);
		pol_free(hx.arena, e, sizeof(*e));
	}
	HASH_ITER(hh, svc->nodes, n, ntmp) {
		HASH_DELETE(hh, svc->nodes, n);
		pol_free(hx.arena, n, sizeof(*n));
	}
}

/* --- profiles --------------------------------------------------------------------------- */

static const struct pol_profile *match(const struct pol_service *svc, const struct pol_attrs *a)
{
	struct pol_match w = { a->process, a->service, a->session };

	return pol_manifest_match(pol_manifests_live(&svc->ms), &w);
}

/* The profile thread t (attributes a) has: the one it was given if the manifest still has
 * it, else the rules'. An entry of an earlier thread with the same id (the port reused
 * it) is not t's. */
static const struct pol_profile *profile_of(const struct pol_service *svc, struct sched_ref t,
					    const struct pol_attrs *a)
{
	const struct pol_thread *e = find_thread(svc, a->tid);
	const struct pol_profile *p = NULL;

	if (e && e->ref.t == t.t && e->ref.gen == t.gen)
		p = pol_manifest_profile(pol_manifests_live(&svc->ms), e->profile);
	return p ? p : match(svc, a);
}

/* --- SCs and their refill slots ------------------------------------------------------------ */

/* A slot whose SC is not alive (never used, or its SC was revoked since). */
static int free_slot(struct pol_service *svc)
{
	struct sched_sc_stats st;

	for (unsigned i = 0; i < svc->cfg.nr_scs; i++) {
		struct pol_sc_slot *x = &svc->slots[i];

		if (!x->used)
			return (int)i;
		if (sched_sc_stats(svc->cfg.sys, x->cap, &st) == -SCHED_ESTALE) {
			x->used = false;
			svc->stats.scs_reused++;
			return (int)i;
		}
	}
	return -1;
}

/* Create an SC for q's subject, owned by its group, over a free refill slot. */
static int create_sc(struct pol_service *svc, struct req *q)
{
	unsigned per = svc->cfg.refills_per_sc;
	int slot = free_slot(svc), r;

	if (slot < 0)
		return -SCHED_EFULL;
	r = sched_sc_create(svc->cfg.sys, q->a.group, svc->cfg.refills + (size_t)slot * per, per,
			    &q->d.sc);
	if (r < 0)
		return r;
	svc->slots[slot].cap = q->d.sc;
	svc->slots[slot].used = true;
	q->slot = slot;
	svc->stats.scs_created++;
	return 0;
}

/*
 * After the answer: an SC created for the request and never configured (the answer came
 * too late, or the library refused to configure it) is revoked, and its slot is free. Only
 * the service holds it, so nothing else can be using it. (A configured SC whose bind
 * failed was revoked by the library.) True if the request's SC did not survive: the
 * library's action failed, whatever the answer to the requester says.
 */
static bool settle_sc(struct pol_service *svc, struct req *q)
{
	struct sched_sys *s = svc->cfg.sys;
	struct pol_sc_slot *x;
	const struct sched_sc *sc;

	if (q->slot < 0)
		return false;
	x = &svc->slots[q->slot];
	sc = &s->scs[x->cap.index];
	if (sc->gen == x->cap.gen && sc->state == SCHED_SC_CREATED)
		(void)sched_sc_revoke(s, x->cap);
	if (sc->gen == x->cap.gen)
		return false;
	x->used = false;
	return true;
}

/* --- decisions ------------------------------------------------------------------------------ */

static int decide_profile(struct pol_service *svc, struct req *q)
{
	const struct pol_manifest *m = pol_manifests_live(&svc->ms);
	const struct sched_thread *t = q->subject.t;

	q->by_name = q->r.profile[0] != 0;
	q->p = q->by_name ? pol_manifest_profile(m, q->r.profile) : match(svc, &q->a);
	if (!q->p)
		return -SCHED_EINVAL; /* no such profile */
	q->d.fair = q->p->fair;
	/* a cookie of its own only where core scheduling is on (the library refuses else) */
	q->d.own_cookie = q->p->cookie == POL_COOKIE_OWN && svc->cfg.sys->cfg.core_sched;
	q->d.sc.index = SCHED_NO_SC;
	if (!q->p->has_sc || t->own_sc) /* a thread that has an SC keeps it */
		return 0;
	pol_profile_sc(q->p, &q->a.cpus, &q->d.sc_params);
	return create_sc(svc, q);
}

/* ADMIT_SC and BUDGET: the profile holds reservations, and the one asked is within it. */
static int decide_reservation(struct pol_service *svc, struct req *q)
{
	const struct sched_sc_params *asked = &q->r.sc_params;

	if (!asked->period_ns || asked->budget_ns > asked->period_ns)
		return -SCHED_EINVAL;
	if (!q->p->has_sc || !pol_profile_allows(q->p, asked->budget_ns, asked->period_ns))
		return -SCHED_EPERM;
	pol_memcpy(&q->d.sc_params, asked, sizeof(*asked));
	q->d.sc_params.dispatch = q->p->dispatch; /* the profile says where it runs */
	return q->r.kind == SCHED_REQ_ADMIT_SC ? create_sc(svc, q) : 0;
}

static int decide_graph(struct pol_service *svc, struct req *q)
{
	(void)svc;
	return q->r.graph->nr_nodes && q->r.graph->nr_nodes <= SCHED_GRAPH_NODES_MAX ?
		       0 : -SCHED_EINVAL;
}

/* EXPLAIN: the subject's newest records, one line each, into the diagnostics buffer. */
static int decide_explain(struct pol_service *svc, struct req *q)
{
	struct sched_why_filter f;
	char line[192];
	unsigned n;

	pol_memset(&f, 0, sizeof(f));
	f.tid = q->a.tid;
	n = sched_explain_read(svc->cfg.sys, &f, svc->why, POL_EXPLAIN_MAX);
	pol_buf_init(&svc->diag, svc->cfg.diag, svc->cfg.diag_len);
	for (unsigned i = 0; i < n; i++) {
		sched_explain_format(&svc->why[i], line, sizeof(line));
		pol_buf_str(&svc->diag, line);
		pol_buf_ch(&svc->diag, '\n');
	}
	return 0;
}

/* 0 to serve q->d, or the error to refuse with. */
static int decide(struct pol_service *svc, struct req *q)
{
	switch (q->r.kind) {
	case SCHED_REQ_PROFILE:
		return decide_profile(svc, q);
	case SCHED_REQ_ADMIT_SC:
	case SCHED_REQ_BUDGET:
		return decide_reservation(svc, q);
	case SCHED_REQ_LEASE_GRANT:
		q->d.cpus = q->r.cpus; /* the hint, as asked */
		return q->p->lease ? 0 : -SCHED_EPERM;
	case SCHED_REQ_ISLAND:
		return q->p->island ? 0 : -SCHED_EPERM;
	case SCHED_REQ_GRAPH:
		return decide_graph(svc, q);
	case SCHED_REQ_EXPLAIN:
		return decide_explain(svc, q);
	case SCHED_REQ_LEASE_REVOKE:
		return 0; /* the library checks the requester holds it */
	default:
		return -SCHED_EINVAL;
	}
}

/* --- after the answer ------------------------------------------------------------------------- */

static void forget_graph(struct pol_service *svc, uint32_t requester)
{
	struct pol_hctx hx = { &svc->reg, false };
	struct pol_node *n;

	for (uint32_t i = 0; i < SCHED_GRAPH_NODES_MAX; i++) {
		struct pol_node_key k = { requester, i };

		HASH_FIND(hh, svc->nodes, &k, sizeof(k), n);
		if (n) {
			HASH_DELETE(hh, svc->nodes, n);
			pol_free(hx.arena, n, sizeof(*n));
		}
	}
}

/* The graph a requester had mapped replaces the one it had before. */
static void record_graph(struct pol_service *svc, uint32_t requester, const struct sched_graph *g)
{
	struct pol_hctx hx = { &svc->reg, false };

	forget_graph(svc, requester);
	for (uint32_t i = 0; i < g->nr_nodes; i++) {
		struct pol_node *n = pol_alloc(hx.arena, sizeof(*n));

		if (n) {
			n->key.requester = requester;
			n->key.index = i;
			pol_memcpy(&n->node, &g->node[i], sizeof(n->node));
			n->period_ns = g->period_ns;
			n->deadline_ns = g->deadline_ns;
			HASH_ADD(hh, svc->nodes, key, sizeof(n->key), n);
		}
		if (!n || hx.oom) {
			pol_free(hx.arena, n, sizeof(*n));
			svc->stats.table_full++;
			return;
		}
	}
}

/* A served request: what the service keeps of it. sc_lost: the SC made for it is gone (the
 * library could not configure or bind it, so the thread did not get the profile's
 * parameters either: a reload with `existing` sets them). */
static void after_serve(struct pol_service *svc, const struct req *q, bool sc_lost)
{
	if (q->r.kind == SCHED_REQ_PROFILE)
		remember(svc, q->a.tid, q->subject, q->p, q->by_name, !sc_lost);
	else if (q->r.kind == SCHED_REQ_GRAPH)
		record_graph(svc, q->a.tid, q->r.graph);
}

/* Serve (verdict 0) or refuse; the library's answer to that, counted. */
static int answer(struct pol_service *svc, struct req *q, int verdict)
{
	const struct pol_service_config *c = &svc->cfg;
	bool sc_lost;
	int r;

	if (verdict == 0)
		r = sched_policy_serve(c->sys, c->queue, c->self, c->auth, q->t, &q->d);
	else
		r = sched_policy_deny(c->sys, c->queue, c->self, q->t, verdict);
	sc_lost = settle_sc(svc, q);
	if (r == -SCHED_ETIMEDOUT) {
		svc->stats.late++; /* the library applied the default */
		return 0;
	}
	if (r == -SCHED_ESTALE) {
		svc->stats.stale++; /* a newer service took it over */
		return 0;
	}
	if (r < 0)
		return r;
	if (verdict == 0) {
		svc->stats.served[q->r.kind]++;
		after_serve(svc, q, sc_lost);
	} else {
		svc->stats.denied[q->r.kind]++;
	}
	return 0;
}

/* --- the loop ------------------------------------------------------------------------------- */

static bool needs_profile(unsigned kind)
{
	return kind == SCHED_REQ_ADMIT_SC || kind == SCHED_REQ_BUDGET ||
	       kind == SCHED_REQ_LEASE_GRANT || kind == SCHED_REQ_ISLAND;
}

/* Who the request is about, what the port says of it, its profile: 0 or a refusal. */
static int prepare(struct pol_service *svc, struct req *q)
{
	int r;

	q->subject = q->r.thread.t ? q->r.thread : q->who;
	r = svc->cfg.port.attrs(svc->cfg.port.ctx, q->subject, &q->a);
	if (r < 0)
		return r;
	if (needs_profile(q->r.kind))
		q->p = profile_of(svc, q->subject, &q->a);
	return q->p || !needs_profile(q->r.kind) ? 0 : -SCHED_EINVAL;
}

int pol_service_step(struct pol_service *svc)
{
	const struct pol_service_config *c;
	struct req q;
	int r;

	if (!svc)
		return -SCHED_EINVAL;
	if (!pol_manifests_live(&svc->ms))
		return -SCHED_ESTATE;
	c = &svc->cfg;
	pol_memset(&q, 0, sizeof(q));
	q.slot = -1;
	r = sched_policy_take(c->sys, c->queue, c->self, &q.t, &q.r, &q.who);
	if (r < 0)
		return r;
	svc->stats.taken++;
	r = prepare(svc, &q);
	if (r == 0)
		r = decide(svc, &q);
	return answer(svc, &q, r);
}

/* --- reloads and restarts ------------------------------------------------------------------ */

/* Thread e's profile under the live manifest; NULL if the port says it exited. */
static const struct pol_profile *new_profile(struct pol_service *svc, struct pol_thread *e,
					     bool *gone)
{
	const struct pol_profile *p = NULL;
	struct pol_attrs a;
	int r;

	*gone = false;
	if (e->by_name)
		p = pol_manifest_profile(pol_manifests_live(&svc->ms), e->profile);
	if (p)
		return p;
	pol_memset(&a, 0, sizeof(a));
	r = svc->cfg.port.attrs(svc->cfg.port.ctx, e->ref, &a);
	*gone = r == -SCHED_ESTALE;
	e->by_name = false; /* its name is gone: the rules decide from now on */
	return r < 0 ? NULL : match(svc, &a);
}

/* Give every known thread its profile under the new manifest if that changes it. */
static int reapply(struct pol_service *svc)
{
	struct pol_thread *e, *tmp;
	int changed = 0;

	HASH_ITER(hh, svc->threads, e, tmp) {
		bool gone;
		const struct pol_profile *p = new_profile(svc, e, &gone);
		int r;

		if (!p) {
			if (gone)
				forget(svc, e);
			continue;
		}
		pol_strlcpy(e->profile, p->name, sizeof(e->profile));
		if (e->fair_known && pol_fair_equal(&e->fair, &p->fair))
			continue;
		r = sched_set_fair(svc->cfg.sys, svc->cfg.auth, e->ref, &p->fair);
		if (r == -SCHED_ESTALE) {
			forget(svc, e);
		} else if (r == 0) {
			e->fair = p->fair;
			e->fair_known = true;
			changed++;
		}
	}
	svc->stats.reapplied += (uint64_t)changed;
	return changed;
}

int pol_service_load(struct pol_service *svc, const char *text, size_t len, bool existing,
		     struct pol_error *err)
{
	int r;

	if (!svc)
		return -SCHED_EINVAL;
	r = pol_manifests_load(&svc->ms, text, len, err);
	if (r < 0) {
		svc->stats.load_errors++;
		return r;
	}
	svc->stats.loads++;
	return existing ? reapply(svc) : 0;
}

/* The port's i-th thread into the table, with the profile it kept or the rules'. */
static void relearn(struct pol_service *svc, struct sched_ref ref, const char *name)
{
	const struct pol_profile *p = NULL;
	struct pol_attrs a;

	pol_memset(&a, 0, sizeof(a));
	if (svc->cfg.port.attrs(svc->cfg.port.ctx, ref, &a) < 0)
		return;
	if (name[0])
		p = pol_manifest_profile(pol_manifests_live(&svc->ms), name);
	if (p)
		remember(svc, a.tid, ref, p, true, false);
	else if ((p = match(svc, &a)))
		remember(svc, a.tid, ref, p, false, false);
}

int pol_service_attach(struct pol_service *svc)
{
	const struct pol_service_config *c;
	char name[SCHED_PROFILE_NAME_MAX];
	struct sched_ref ref;
	int pending;

	if (!svc)
		return -SCHED_EINVAL;
	c = &svc->cfg;
	pending = sched_policy_attach(c->sys, c->queue, c->self);
	if (pending < 0)
		return pending;
	forget_all(svc);
	for (unsigned i = 0; c->port.thread_at; i++) {
		pol_memset(name, 0, sizeof(name));
		pol_memset(&ref, 0, sizeof(ref));
		if (!c->port.thread_at(c->port.ctx, i, &ref, name))
			break;
		name[sizeof(name) - 1] = 0;
		relearn(svc, ref, name);
	}
	return pending;
}

/* --- reading ----------------------------------------------------------------------------- */

const char *pol_service_diag(const struct pol_service *svc, size_t *len)
{
	if (!svc)
		return NULL;
	if (len)
		*len = svc->diag.len < svc->diag.cap ? svc->diag.len :
			svc->diag.cap ? svc->diag.cap - 1 : 0;
	return svc->diag.cap ? svc->diag.p : "";
}

const struct pol_thread *pol_service_thread(const struct pol_service *svc, uint32_t tid)
{
	return svc ? find_thread(svc, tid) : NULL;
}

const struct pol_node *pol_service_node(const struct pol_service *svc, uint32_t requester,
					uint32_t index)
{
	struct pol_node_key k = { requester, index };
	struct pol_node *n;

	if (!svc)
		return NULL;
	HASH_FIND(hh, svc->nodes, &k, sizeof(k), n);
	return n;
}

const struct pol_manifest *pol_service_manifest(const struct pol_service *svc)
{
	return svc ? pol_manifests_live(&svc->ms) : NULL;
}
