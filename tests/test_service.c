/* SPDX-License-Identifier: MIT */
/*
 * test_service.c - the policy service (policy/service.h) on the simulated machine, as a
 * specification: each request kind served as the thread's profile allows, refused (and
 * recorded, SCHED_WHY_DENY) where it does not; the SCs it creates and their refill slots
 * (a refused configure or bind leaves nothing alive, a revoked SC's slot is reused); a
 * restart (a new service attached while the old one holds a taken request: pending again,
 * served by the new one, the thread table rebuilt from the port); requests nobody answers
 * in time (the default, SCHED_WHY_DEFAULT), including one the service answers too late.
 * The checker runs after every simulated event.
 */
#include "simtest.h"

#include <stdlib.h>
#include <string.h>

#include <sched/explain.h>
#include <sched/policy.h>

#include "service.h"

#define NSC 16
#define NREFILL 8
#define MEM (256 * 1024)
#define POOL 32

static const char manifest[] =
	"profile default nice=0\n"
	"profile audio   nice=-10 sc=2ms/10ms deadline=5ms dispatch=partitioned cookie=own island=yes\n"
	"profile shell   nice=-5 slice=1ms\n"
	"profile batch   nice=10 lease=yes\n"
	"rule process=mpd    profile=audio\n"
	"rule session=7      profile=shell\n"
	"rule service=backup profile=batch\n"
	"default profile=default\n";

/* What the port knows of a thread. */
struct who {
	struct sim_thread *t;
	const char *process, *service;
	uint32_t session;
	struct sched_group *g;
	char kept[SCHED_PROFILE_NAME_MAX]; /* the profile it asked for by name (the port's note) */
};

struct fix {
	struct sim *sim;
	struct sched_sc scs[POOL];
	struct sched_rt_task scratch[POOL + 2 * SCHED_ISLAND_IRQS_MAX + 1];
	struct sched_lease leases[4];
	struct sched_island islands[2];
	struct sched_refill refills[NSC * NREFILL];
	struct sched_refill own_refills[4][NREFILL]; /* SCs the test makes itself */
	struct sched_why recs[256];
	struct sched_explain_log log;
	struct sched_policy q;
	struct sched_policy_slot slots[8];
	struct sched_authority fallback;
	struct sched_group player, shell, backup;
	struct who who[16];
	unsigned nr_who;
	struct sim_thread *svc_t, *mpd, *mpd2, *sh, *bk, *plain;
	struct pol_service svc;
	uint8_t mem[MEM];
	char diag[4096];
	uint64_t delay_ns; /* the port's attrs lets the machine run this long, once: a slow service */
};

/* --- the port ------------------------------------------------------------------------------ */

static struct who *who_of(struct fix *f, const struct sched_thread *t)
{
	for (unsigned i = 0; i < f->nr_who; i++)
		if (&f->who[i].t->st == t)
			return &f->who[i];
	return NULL;
}

static int port_attrs(void *ctx, struct sched_ref r, struct pol_attrs *out)
{
	struct fix *f = ctx;
	struct who *w = who_of(f, r.t);

	if (f->delay_ns) {
		uint64_t d = f->delay_ns;

		f->delay_ns = 0;
		advance(f->sim, d);
	}
	if (!w || r.gen != w->t->st.gen)
		return -SCHED_ESTALE;
	memset(out, 0, sizeof(*out));
	out->tid = w->t->st.id;
	snprintf(out->process, sizeof(out->process), "%s", w->process ? w->process : "");
	snprintf(out->service, sizeof(out->service), "%s", w->service ? w->service : "");
	out->session = w->session;
	out->group = w->g;
	out->cpus = w->t->st.affinity;
	return 0;
}

/* The i-th live thread (a port lists the threads it has, not the ones that exited). */
static bool port_thread_at(void *ctx, unsigned i, struct sched_ref *out, char *profile)
{
	struct fix *f = ctx;

	for (unsigned k = 0; k < f->nr_who; k++) {
		if (f->who[k].t->st.state == SCHED_EXITED || i--)
			continue;
		*out = sched_ref_of(&f->who[k].t->st);
		memcpy(profile, f->who[k].kept, SCHED_PROFILE_NAME_MAX);
		return true;
	}
	return false;
}

static sched_cpumask_t one(unsigned c)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, c);
	return m;
}

static struct sim_thread *thread(struct fix *f, struct sched_group *g, const sched_cpumask_t *aff,
				 int nice, const char *process, const char *service,
				 uint32_t session)
{
	struct sched_thread_params p = { .group = g, .affinity = aff, .nice = nice };
	struct sim_thread *t = sim_thread_new(f->sim, &p);
	struct who *w = &f->who[f->nr_who++];

	assert_non_null(t);
	*w = (struct who){ t, process, service, session, g, "" };
	return t;
}

/* --- set-up -------------------------------------------------------------------------------- */

static struct pol_service_config service_config(struct fix *f, struct sim_thread *self,
						struct sched_refill *refills, unsigned nr_scs,
						void *mem)
{
	return (struct pol_service_config){
		.sys = &f->sim->sys, .queue = &f->q, .self = sched_ref_of(&self->st),
		.auth = sched_auth_root(&f->sim->sys), .refills = refills, .nr_scs = nr_scs,
		.refills_per_sc = NREFILL, .mem = mem, .mem_len = MEM, .diag = f->diag,
		.diag_len = sizeof(f->diag),
		.port = { .ctx = f, .attrs = port_attrs, .thread_at = port_thread_at } };
}

static void groups(struct fix *f)
{
	struct sched_group_params gp = { .id = 10, .kind = SCHED_GROUP_PROCESS };

	assert_int_equal(sched_group_init(&f->sim->sys, &f->player, &gp), 0);
	gp.id = 11;
	assert_int_equal(sched_group_init(&f->sim->sys, &f->shell, &gp), 0);
	gp.id = 12;
	assert_int_equal(sched_group_init(&f->sim->sys, &f->backup, &gp), 0);
}

static void pools(struct fix *f)
{
	struct sched_sys *s = &f->sim->sys;

	assert_int_equal(sched_sc_pool(s, f->scs, POOL), 0);
	assert_int_equal(sched_sc_admission(s, sched_auth_root(s), f->scratch,
					    sizeof(f->scratch) / sizeof(f->scratch[0]),
					    SCHED_RT_FIRST_FIT), 0);
	assert_int_equal(sched_island_pool(s, f->islands, 2), 0);
	assert_int_equal(sched_lease_pool(s, f->leases, 4), 0);
	assert_int_equal(sched_explain_start(s, &f->log, f->recs, 256, 0), 0);
}

static void queue(struct fix *f)
{
	struct sched_sys *s = &f->sim->sys;
	struct sched_policy_config qc = { .default_fair = { .nice = 5 } };

	assert_int_equal(sched_auth_derive(&f->fallback, sched_auth_root(s), SCHED_RIGHT_FAIR,
					   NULL, NULL), 0);
	qc.fallback = (struct sched_auth){ &f->fallback, f->fallback.gen };
	assert_int_equal(sched_policy_init(s, &f->q, f->slots, 8, &qc), 0);
}

/* 4 CPUs; mpd and mpd2 (process mpd, pinned to CPU 1: the audio profile is partitioned),
 * sh (session 7), bk (service backup), plain (nice 3, no rule); the service, loaded and
 * attached, with nr_scs SCs to give. */
static struct fix *setup_with(unsigned nr_scs)
{
	struct fix *f = calloc(1, sizeof(*f));
	sched_cpumask_t c1 = one(1);
	struct pol_service_config c;

	assert_non_null(f);
	f->sim = machine(4, 1);
	pools(f);
	groups(f);
	queue(f);
	f->svc_t = thread(f, NULL, NULL, 0, "policyd", NULL, 0);
	f->mpd = thread(f, &f->player, &c1, 0, "mpd", NULL, 0);
	f->mpd2 = thread(f, &f->player, &c1, 0, "mpd", NULL, 0);
	f->sh = thread(f, &f->shell, NULL, 0, "bash", NULL, 7);
	f->bk = thread(f, &f->backup, NULL, 0, "tar", "backup", 0);
	f->plain = thread(f, &f->backup, NULL, 3, "cat", NULL, 0);
	c = service_config(f, f->svc_t, f->refills, nr_scs, f->mem);
	assert_int_equal(pol_service_init(&f->svc, &c), 0);
	assert_int_equal(pol_service_load(&f->svc, manifest, strlen(manifest), false, NULL), 0);
	assert_int_equal(pol_service_attach(&f->svc), 0);
	return f;
}

static int setup(void **state)
{
	*state = setup_with(NSC);
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	sim_free(f->sim);
	free(f);
	return 0;
}

/* --- requests ----------------------------------------------------------------------------- */

static struct sched_request req(unsigned kind, struct sim_thread *t)
{
	struct sched_request r;

	memset(&r, 0, sizeof(r));
	r.kind = (uint8_t)kind;
	if (t)
		r.thread = sched_ref_of(&t->st);
	return r;
}

static struct sched_ticket submit(struct fix *f, struct sim_thread *from,
				  const struct sched_request *r)
{
	struct sched_ticket t;

	sim_enter(f->sim, 0);
	assert_int_equal(sched_policy_submit(&f->sim->sys, &f->q, sched_ref_of(&from->st), r, &t), 0);
	settle(f->sim);
	return t;
}

static int step_of(struct fix *f, struct pol_service *svc)
{
	int r;

	sim_enter(f->sim, 0);
	r = pol_service_step(svc);
	settle(f->sim);
	return r;
}

static int step(struct fix *f)
{
	return step_of(f, &f->svc);
}

static struct sched_answer result(struct fix *f, struct sim_thread *from, struct sched_ticket t)
{
	struct sched_answer a;

	sim_enter(f->sim, 0);
	assert_int_equal(sched_policy_result(&f->sim->sys, &f->q, sched_ref_of(&from->st), t, &a), 0);
	settle(f->sim);
	return a;
}

/* Submit, one step of the service, and the answer. */
static struct sched_answer ask(struct fix *f, struct sim_thread *from, struct sched_request r)
{
	struct sched_ticket t = submit(f, from, &r);

	assert_int_equal(step(f), 0);
	assert_int_equal(step(f), -SCHED_EAGAIN);
	return result(f, from, t);
}

static struct sched_sc_params sc_ask(uint64_t c, uint64_t t, unsigned cpu)
{
	return (struct sched_sc_params){ .budget_ns = c, .period_ns = t, .cpus = one(cpu),
					 .mode = SCHED_SC_SPORADIC,
					 .dispatch = SCHED_SC_GLOBAL };
}

/* The newest record of `kind` about thread t (fails if there is none). */
static struct sched_why last_why(struct fix *f, unsigned kind, struct sim_thread *t)
{
	struct sched_why_filter flt = { .kinds = 1u << kind, .tid = t->st.id };
	struct sched_why w[64];
	unsigned n = sched_explain_read(&f->sim->sys, &flt, w, 64);

	if (!n)
		fail_msg("no %s record about t%u", sched_why_kind_name(kind), t->st.id);
	return w[n - 1];
}

static unsigned count_why(struct fix *f, unsigned kind, struct sim_thread *t)
{
	struct sched_why_filter flt = { .kinds = 1u << kind, .tid = t->st.id };
	struct sched_why w[64];

	return sched_explain_read(&f->sim->sys, &flt, w, 64);
}

/* A refusal by the service: the answer, the figures and its DENY record. */
static void assert_denied(struct fix *f, struct sim_thread *from, struct sched_answer a,
			  unsigned kind, int err)
{
	struct sched_why w = last_why(f, SCHED_WHY_DENY, from);

	assert_int_equal(a.err, err);
	assert_int_equal(a.by, SCHED_BY_SERVICE);
	assert_int_equal(w.cause, SCHED_DENY_REQUEST);
	assert_int_equal(w.err, err);
	assert_int_equal(w.fig[0], kind);
	assert_int_equal(a.why, w.seq);
}

/* SCs in the pool that are created and not configured: the service leaves none behind. */
static unsigned unconfigured(struct fix *f)
{
	unsigned n = 0;

	for (unsigned i = 0; i < POOL; i++)
		n += f->scs[i].state == SCHED_SC_CREATED;
	return n;
}

/* --- PROFILE ------------------------------------------------------------------------------ */

static void profile_by_the_rules(void **state)
{
	struct fix *f = *state;
	struct sched_answer a = ask(f, f->mpd, req(SCHED_REQ_PROFILE, f->mpd));
	const struct pol_thread *e;
	struct sched_sc *sc;

	assert_int_equal(a.err, 0);
	assert_int_equal(a.by, SCHED_BY_SERVICE);
	assert_int_equal(a.kind, SCHED_REQ_PROFILE);
	/* audio: nice -10, its SC 2 ms / 10 ms (deadline 5 ms), partitioned onto CPU 1, bound */
	assert_int_equal(f->mpd->st.nice, -10);
	assert_int_equal(a.sc.rights, SCHED_SC_READ | SCHED_SC_BIND);
	sc = &f->scs[a.sc.index];
	assert_ptr_equal(f->mpd->st.own_sc, sc);
	assert_ptr_equal(sc->owner, &f->player);
	assert_int_equal(sc->budget, 2 * MS);
	assert_int_equal(sc->period, 10 * MS);
	assert_int_equal(sc->rel_deadline, 5 * MS);
	assert_int_equal(sc->dispatch, SCHED_SC_PARTITIONED);
	assert_true(sched_cpumask_test(&sc->cpus, 1));
	assert_ptr_equal(sc->refill, f->refills); /* slot 0 of the service's refill arrays */
	e = pol_service_thread(&f->svc, f->mpd->st.id);
	assert_non_null(e);
	assert_string_equal(e->profile, "audio");
	assert_false(e->by_name);
	assert_true(e->fair_known);

	/* asked again: served, and the thread keeps the SC it has (no second one) */
	a = ask(f, f->mpd, req(SCHED_REQ_PROFILE, f->mpd));
	assert_int_equal(a.err, 0);
	assert_int_equal(f->svc.stats.scs_created, 1);
	assert_int_equal(f->svc.stats.served[SCHED_REQ_PROFILE], 2);

	/* session 7: shell; service backup: batch; no rule: the default */
	assert_int_equal(ask(f, f->sh, req(SCHED_REQ_PROFILE, f->sh)).err, 0);
	assert_int_equal(f->sh->st.nice, -5);
	assert_int_equal(f->sh->st.slice, 1 * MS);
	assert_null(f->sh->st.own_sc);
	assert_int_equal(ask(f, f->bk, req(SCHED_REQ_PROFILE, f->bk)).err, 0);
	assert_int_equal(f->bk->st.nice, 10);
	assert_int_equal(ask(f, f->plain, req(SCHED_REQ_PROFILE, f->plain)).err, 0);
	assert_int_equal(f->plain->st.nice, 0);
	assert_string_equal(pol_service_thread(&f->svc, f->plain->st.id)->profile, "default");
	assert_int_equal(unconfigured(f), 0);
}

static void profile_by_name_and_an_unknown_name(void **state)
{
	struct fix *f = *state;
	struct sched_request r = req(SCHED_REQ_PROFILE, f->sh);
	struct sched_answer a;

	strcpy(r.profile, "batch");
	a = ask(f, f->sh, r);
	assert_int_equal(a.err, 0);
	assert_int_equal(f->sh->st.nice, 10);
	assert_true(pol_service_thread(&f->svc, f->sh->st.id)->by_name);

	strcpy(r.profile, "nosuch");
	a = ask(f, f->sh, r);
	assert_denied(f, f->sh, a, SCHED_REQ_PROFILE, -SCHED_EINVAL);
	assert_int_equal(f->sh->st.nice, 10); /* unchanged */
	assert_int_equal(f->svc.stats.denied[SCHED_REQ_PROFILE], 1);
}

/* A partitioned profile for a thread its CPU set does not pin: the library configures
 * the SC, the bind fails, the library revokes it; the slot comes back. Audio threads on
 * CPU 1 (2 ms each within 5 ms deadlines, against 95 % of the CPU): the third SC does not
 * fit (admission), is left unconfigured by the library, and the service revokes it. */
static void refused_scs_leave_nothing_behind(void **state)
{
	struct fix *f = *state;
	sched_cpumask_t c1 = one(1);
	struct sim_thread *loose = thread(f, &f->player, NULL, 0, "mpd", NULL, 0);
	struct sim_thread *t[3];
	struct sched_answer a = ask(f, loose, req(SCHED_REQ_PROFILE, loose));

	assert_int_equal(a.err, -SCHED_EAFFINITY);
	assert_int_equal(f->svc.stats.scs_created, 1);
	assert_false(f->svc.slots[0].used);
	assert_null(loose->st.own_sc);
	assert_int_equal(loose->st.nice, 0); /* the library stopped before the fair part */
	assert_false(pol_service_thread(&f->svc, loose->st.id)->fair_known);
	assert_int_equal(unconfigured(f), 0);

	for (unsigned i = 0; i < 3; i++) {
		t[i] = thread(f, &f->player, &c1, 0, "mpd", NULL, 0);
		a = ask(f, t[i], req(SCHED_REQ_PROFILE, t[i]));
		assert_int_equal(a.err, i < 2 ? 0 : -SCHED_EUNSCHED);
	}
	assert_non_null(t[1]->st.own_sc);
	assert_null(t[2]->st.own_sc);
	assert_int_equal(unconfigured(f), 0);
	assert_int_equal(f->svc.stats.scs_created, 4);
	assert_true(f->svc.slots[0].used && f->svc.slots[1].used); /* t[0], t[1] */
	assert_false(f->svc.slots[2].used);
}

/* --- reservations ------------------------------------------------------------------------ */

static void reservations_within_the_profile(void **state)
{
	struct fix *f = *state;
	struct sched_request r = req(SCHED_REQ_ADMIT_SC, f->mpd2);
	struct sched_answer a, b;
	struct sched_sc *sc;

	/* audio allows 20 %: 1 ms / 10 ms is admitted, partitioned as the profile says */
	r.sc_params = sc_ask(1 * MS, 10 * MS, 1);
	a = ask(f, f->mpd2, r);
	assert_int_equal(a.err, 0);
	assert_int_equal(a.sc.rights, SCHED_SC_READ | SCHED_SC_BIND);
	sc = &f->scs[a.sc.index];
	assert_ptr_equal(f->mpd2->st.own_sc, sc);
	assert_int_equal(sc->budget, 1 * MS);
	assert_int_equal(sc->dispatch, SCHED_SC_PARTITIONED);

	/* 3 ms / 10 ms is more than the profile's 2 / 10 */
	r.sc_params = sc_ask(3 * MS, 10 * MS, 1);
	b = ask(f, f->mpd2, r);
	assert_denied(f, f->mpd2, b, SCHED_REQ_ADMIT_SC, -SCHED_EPERM);
	/* malformed: no period */
	r.sc_params = sc_ask(1 * MS, 0, 1);
	assert_denied(f, f->mpd2, ask(f, f->mpd2, r), SCHED_REQ_ADMIT_SC, -SCHED_EINVAL);
	/* shell holds no reservations at all */
	r = req(SCHED_REQ_ADMIT_SC, f->sh);
	r.sc_params = sc_ask(100 * US, 100 * MS, 0);
	assert_denied(f, f->sh, ask(f, f->sh, r), SCHED_REQ_ADMIT_SC, -SCHED_EPERM);
	assert_int_equal(f->svc.stats.scs_created, 1);

	/* BUDGET: the held SC changed within the profile, not beyond it */
	r = req(SCHED_REQ_BUDGET, NULL);
	r.sc = a.sc;
	r.sc_params = sc_ask(2 * MS, 10 * MS, 1);
	assert_int_equal(ask(f, f->mpd2, r).err, 0);
	assert_int_equal(sc->budget, 2 * MS);
	r.sc_params = sc_ask(2500 * US, 10 * MS, 1);
	assert_denied(f, f->mpd2, ask(f, f->mpd2, r), SCHED_REQ_BUDGET, -SCHED_EPERM);
	assert_int_equal(sc->budget, 2 * MS);
	assert_int_equal(f->svc.stats.served[SCHED_REQ_BUDGET], 1);
	assert_int_equal(f->svc.stats.denied[SCHED_REQ_BUDGET], 1);
}

/* The profile a thread asked for by name decides what it may ask next, while the manifest
 * has it; then the rules do again. */
static void a_profile_given_by_name_decides_what_the_thread_may_ask(void **state)
{
	static const char with_rt[] = "profile rt nice=-2 sc=1ms/10ms\n";
	struct fix *f = *state;
	char text[sizeof(manifest) + sizeof(with_rt)];
	struct sched_request r = req(SCHED_REQ_PROFILE, f->sh);
	struct sched_answer a;

	snprintf(text, sizeof(text), "%s%s", manifest, with_rt);
	assert_int_equal(pol_service_load(&f->svc, text, strlen(text), false, NULL), 0);
	strcpy(r.profile, "rt");
	a = ask(f, f->sh, r);
	assert_int_equal(a.err, 0);
	assert_int_equal(f->sh->st.nice, -2);
	assert_int_equal(f->scs[a.sc.index].budget, 1 * MS);

	/* rt allows 10 %: sh may shrink its SC, which its rules' profile (shell) would refuse */
	r = req(SCHED_REQ_BUDGET, NULL);
	r.sc = a.sc;
	r.sc_params = sc_ask(500 * US, 10 * MS, 0);
	r.sc_params.cpus = f->scs[a.sc.index].cpus;
	assert_int_equal(ask(f, f->sh, r).err, 0);
	assert_int_equal(f->scs[a.sc.index].budget, 500 * US);
	/* rt gone: the rules again */
	assert_int_equal(pol_service_load(&f->svc, manifest, strlen(manifest), false, NULL), 0);
	assert_denied(f, f->sh, ask(f, f->sh, r), SCHED_REQ_BUDGET, -SCHED_EPERM);
}

/* One SC slot: the second reservation finds none (-SCHED_EFULL) until the first SC is
 * revoked, and then reuses its refill array. */
static void refill_slots_are_reused_once_their_sc_is_revoked(void **state)
{
	struct fix *f = setup_with(1);
	struct sched_request r = req(SCHED_REQ_ADMIT_SC, f->mpd2);
	struct sched_answer a;

	(void)state;
	assert_int_equal(ask(f, f->mpd, req(SCHED_REQ_PROFILE, f->mpd)).err, 0);
	r.sc_params = sc_ask(1 * MS, 10 * MS, 1);
	assert_denied(f, f->mpd2, ask(f, f->mpd2, r), SCHED_REQ_ADMIT_SC, -SCHED_EFULL);
	assert_int_equal(sched_sc_revoke_owned(&f->sim->sys, sched_auth_root(&f->sim->sys),
					       &f->player), 1);
	settle(f->sim);
	a = ask(f, f->mpd2, r);
	assert_int_equal(a.err, 0);
	assert_ptr_equal(f->scs[a.sc.index].refill, f->refills);
	assert_int_equal(f->svc.stats.scs_reused, 1);
	teardown((void **)&f);
}

/* --- leases, islands, graphs ------------------------------------------------------------- */

static void leases_where_the_profile_allows(void **state)
{
	struct fix *f = *state;
	struct sched_request r = req(SCHED_REQ_LEASE_GRANT, f->bk);
	struct sched_lease_info info;
	struct sched_answer a;

	r.cpus = one(3);
	a = ask(f, f->bk, r);
	assert_int_equal(a.err, 0);
	assert_int_equal(sched_lease_info(&f->sim->sys, a.lease, &info), 0);
	assert_true(sched_cpumask_test(&info.cpus, 3));

	r = req(SCHED_REQ_LEASE_GRANT, f->sh);
	r.cpus = one(2);
	assert_denied(f, f->sh, ask(f, f->sh, r), SCHED_REQ_LEASE_GRANT, -SCHED_EPERM);
	assert_int_equal(f->sim->sys.leased.w[0], 1u << 3);

	r = req(SCHED_REQ_LEASE_REVOKE, NULL);
	r.lease = a.lease;
	assert_int_equal(ask(f, f->bk, r).err, 0);
	assert_int_equal(sched_lease_info(&f->sim->sys, a.lease, &info), -SCHED_ESTALE);
	assert_int_equal(f->svc.stats.served[SCHED_REQ_LEASE_REVOKE], 1);
}

static void islands_where_the_profile_allows(void **state)
{
	struct fix *f = *state;
	struct sched_island_member m[1];
	struct sched_island_params p;
	struct sched_island_stats st;
	struct sched_request r = req(SCHED_REQ_ISLAND, NULL);
	struct sched_answer a;

	assert_int_equal(sched_sc_create(&f->sim->sys, &f->player, f->own_refills[0], NREFILL,
					 &m[0].sc), 0);
	m[0].p = (struct sched_sc_params){ .budget_ns = 1 * MS, .period_ns = 10 * MS,
					   .cpus = one(2), .mode = SCHED_SC_SPORADIC,
					   .dispatch = SCHED_SC_PARTITIONED };
	m[0].name = "loop";
	p = (struct sched_island_params){ .group = &f->player, .cpus = one(2),
					  .cpu_mode = SCHED_ISLAND_SHARED,
					  .overrun = SCHED_SC_THROTTLE, .name = "player",
					  .members = m, .nr_members = 1 };
	r.island = &p;
	/* shell may not (island=no), whatever it asks for */
	p.group = &f->shell;
	assert_denied(f, f->sh, ask(f, f->sh, r), SCHED_REQ_ISLAND, -SCHED_EPERM);
	assert_int_equal(f->scs[m[0].sc.index].state, SCHED_SC_CREATED);
	/* mpd may (audio: island=yes) */
	p.group = &f->player;
	a = ask(f, f->mpd, r);
	assert_int_equal(a.err, 0);
	assert_int_equal(sched_island_stats(&f->sim->sys, a.island, &st, NULL, 0), 0);
	assert_int_equal(st.members, 1);
	assert_int_equal(f->scs[m[0].sc.index].state, SCHED_SC_CONFIGURED);
}

static void graphs_are_mapped_and_their_nodes_recorded(void **state)
{
	struct fix *f = *state;
	struct sched_request r = req(SCHED_REQ_ADMIT_SC, f->mpd2);
	struct sched_graph g;
	struct sched_answer a;
	const struct pol_node *n;
	uint32_t me = f->mpd2->st.id;

	r.sc_params = sc_ask(1 * MS, 10 * MS, 1);
	a = ask(f, f->mpd2, r);
	assert_int_equal(a.err, 0);

	/* stage 0: mpd2 on the SC it holds, 500 us; stage 1: mpd, fair at priority 80 */
	memset(&g, 0, sizeof(g));
	g.nr_nodes = 2;
	g.period_ns = 10 * MS;
	g.deadline_ns = 10 * MS;
	g.node[0] = (struct sched_graph_node){ sched_ref_of(&f->mpd2->st), 0, 500 * US, 0,
					       SCHED_GRAPH_ANY_QUEUE };
	g.node[1] = (struct sched_graph_node){ sched_ref_of(&f->mpd->st), SCHED_GRAPH_NO_BUDGET,
					       0, 80, SCHED_GRAPH_ANY_QUEUE };
	g.nr_budgets = 1;
	g.budgets[0] = a.sc;
	r = req(SCHED_REQ_GRAPH, NULL);
	r.graph = &g;
	assert_int_equal(ask(f, f->mpd2, r).err, 0);
	assert_int_equal(f->scs[a.sc.index].budget, 500 * US);
	assert_int_equal(f->mpd->st.nice, sched_graph_fair(80).nice);
	n = pol_service_node(&f->svc, me, 0);
	assert_non_null(n);
	assert_int_equal(n->node.cost_ns, 500 * US);
	assert_int_equal(n->period_ns, 10 * MS);
	n = pol_service_node(&f->svc, me, 1);
	assert_non_null(n);
	assert_int_equal(n->node.prio, 80);
	assert_null(pol_service_node(&f->svc, me, 2));
	assert_null(pol_service_node(&f->svc, f->mpd->st.id, 0));

	/* a new graph of the same requester replaces the old */
	g.nr_nodes = 1;
	g.node[0].cost_ns = 400 * US;
	assert_int_equal(ask(f, f->mpd2, r).err, 0);
	assert_int_equal(pol_service_node(&f->svc, me, 0)->node.cost_ns, 400 * US);
	assert_null(pol_service_node(&f->svc, me, 1));
}

/* --- EXPLAIN ----------------------------------------------------------------------------- */

static void explain_formats_the_threads_records(void **state)
{
	struct fix *f = *state;
	struct sched_request r = req(SCHED_REQ_LEASE_GRANT, f->sh);
	char want[64];
	size_t len;
	const char *d;

	r.cpus = one(2);
	assert_denied(f, f->sh, ask(f, f->sh, r), SCHED_REQ_LEASE_GRANT, -SCHED_EPERM);
	r.thread = sched_ref_of(&f->mpd->st);
	assert_denied(f, f->mpd, ask(f, f->mpd, r), SCHED_REQ_LEASE_GRANT, -SCHED_EPERM);
	assert_int_equal(ask(f, f->sh, req(SCHED_REQ_EXPLAIN, f->sh)).err, 0);
	d = pol_service_diag(&f->svc, &len);
	assert_int_equal(len, strlen(d));
	snprintf(want, sizeof(want), "t%u denied at ", f->sh->st.id);
	if (!strstr(d, want) || !strstr(d, sched_strerror(-SCHED_EPERM)) || d[len - 1] != '\n')
		fail_msg("diagnostics: %s", d);
	/* nothing about another thread */
	snprintf(want, sizeof(want), "t%u ", f->mpd->st.id);
	assert_null(strstr(d, want));
}

/* --- restart ----------------------------------------------------------------------------- */

static void a_restarted_service_serves_what_the_old_one_had_taken(void **state)
{
	struct fix *f = *state;
	struct sched_request r = req(SCHED_REQ_PROFILE, f->mpd);
	struct sched_ticket t = submit(f, f->mpd, &r), taken;
	struct sched_request got;
	struct sched_ref who;
	struct sched_policy_stats qs;
	struct sim_thread *self2 = thread(f, NULL, NULL, 0, "policyd", NULL, 0);
	struct sched_refill *refills2 = calloc(NSC * NREFILL, sizeof(*refills2));
	uint8_t *mem2 = malloc(MEM);
	struct pol_service *svc2 = calloc(1, sizeof(*svc2));
	struct pol_service_config c = service_config(f, self2, refills2, NSC, mem2);
	struct sched_decision d = { .sc.index = SCHED_NO_SC };
	struct sched_answer a;
	const struct pol_thread *e;

	assert_non_null(refills2);
	assert_non_null(mem2);
	assert_non_null(svc2);
	/* the old service takes the request and dies before answering it */
	assert_int_equal(sched_policy_take(&f->sim->sys, &f->q, f->svc.cfg.self, &taken, &got,
					   &who), 0);
	assert_int_equal(got.kind, SCHED_REQ_PROFILE);
	assert_int_equal(step(f), -SCHED_EAGAIN); /* nothing else pending */

	/* the port kept what sh asked for by name */
	strcpy(f->who[3].kept, "batch");
	assert_ptr_equal(f->who[3].t, f->sh);
	assert_int_equal(pol_service_init(svc2, &c), 0);
	assert_int_equal(pol_service_step(svc2), -SCHED_ESTATE); /* no manifest yet */
	assert_int_equal(pol_service_load(svc2, manifest, strlen(manifest), false, NULL), 0);
	assert_int_equal(pol_service_attach(svc2), 1); /* the taken request is pending again */
	assert_int_equal(sched_policy_stats(&f->q, &qs), 0);
	assert_int_equal(qs.requeued, 1);
	assert_int_equal(qs.attaches, 2);

	/* the old one is out: its ticket and its steps are refused */
	assert_int_equal(sched_policy_serve(&f->sim->sys, &f->q, f->svc.cfg.self,
					    f->svc.cfg.auth, taken, &d), -SCHED_EPERM);
	assert_int_equal(step(f), -SCHED_EPERM);

	/* the new one serves it */
	assert_int_equal(step_of(f, svc2), 0);
	assert_int_equal(step_of(f, svc2), -SCHED_EAGAIN);
	a = result(f, f->mpd, t);
	assert_int_equal(a.err, 0);
	assert_int_equal(a.by, SCHED_BY_SERVICE);
	assert_int_equal(f->mpd->st.nice, -10);
	assert_int_equal(svc2->stats.served[SCHED_REQ_PROFILE], 1);

	/* its table came from the port: sh by the name kept, the others by the rules */
	e = pol_service_thread(svc2, f->sh->st.id);
	assert_non_null(e);
	assert_string_equal(e->profile, "batch");
	assert_true(e->by_name);
	assert_false(e->fair_known);
	assert_string_equal(pol_service_thread(svc2, f->bk->st.id)->profile, "batch");
	assert_string_equal(pol_service_thread(svc2, f->plain->st.id)->profile, "default");
	assert_true(pol_service_thread(svc2, f->mpd->st.id)->fair_known); /* served since */
	/* what it did not give, a reload with `existing` sets: all but mpd */
	assert_int_equal(f->sh->st.nice, 0);
	assert_int_equal(pol_service_load(svc2, manifest, strlen(manifest), true, NULL),
			 (int)f->nr_who - 1);
	assert_int_equal(f->sh->st.nice, 10);
	assert_int_equal(f->plain->st.nice, 0);
	assert_int_equal(f->mpd->st.nice, -10);

	/* attached again (the port asks it to resynchronise): a thread that exited meanwhile
	 * is no longer in the table */
	sim_enter(f->sim, 0);
	assert_int_equal(sched_exit(&f->sim->sys, sched_ref_of(&f->plain->st)), 0);
	settle(f->sim);
	assert_int_equal(pol_service_attach(svc2), 0);
	assert_null(pol_service_thread(svc2, f->plain->st.id));
	assert_non_null(pol_service_thread(svc2, f->bk->st.id));
	free(svc2);
	free(mem2);
	free(refills2);
}

/* --- timeouts ---------------------------------------------------------------------------- */

static void unanswered_requests_get_their_defaults(void **state)
{
	struct fix *f = *state;
	struct sched_request r = req(SCHED_REQ_PROFILE, f->mpd);
	struct sched_ticket t;
	struct sched_answer a;
	struct sched_why w;

	/* PROFILE: the queue's default profile (nice 5), applied with the fallback authority */
	r.timeout_ns = 1 * MS;
	t = submit(f, f->mpd, &r);
	advance(f->sim, 2 * MS);
	assert_int_equal(step(f), -SCHED_EAGAIN); /* past its deadline: not taken */
	a = result(f, f->mpd, t);
	assert_int_equal(a.by, SCHED_BY_DEFAULT);
	assert_int_equal(a.err, 0);
	assert_int_equal(f->mpd->st.nice, 5);
	assert_null(f->mpd->st.own_sc);
	w = last_why(f, SCHED_WHY_DEFAULT, f->mpd);
	assert_int_equal(w.cause, SCHED_DEFAULT_PROFILE);
	assert_int_equal(w.fig[0], SCHED_REQ_PROFILE);
	assert_int_equal(a.why, w.seq);

	/* any other kind: refused with -SCHED_ETIMEDOUT (here by the port's sweep) */
	r = req(SCHED_REQ_ADMIT_SC, f->mpd2);
	r.sc_params = sc_ask(1 * MS, 10 * MS, 1);
	r.timeout_ns = 1 * MS;
	t = submit(f, f->mpd2, &r);
	advance(f->sim, 2 * MS);
	assert_int_equal(sched_policy_expire(&f->sim->sys, &f->q), 1);
	a = result(f, f->mpd2, t);
	assert_int_equal(a.by, SCHED_BY_DEFAULT);
	assert_int_equal(a.err, -SCHED_ETIMEDOUT);
	w = last_why(f, SCHED_WHY_DEFAULT, f->mpd2);
	assert_int_equal(w.cause, SCHED_DEFAULT_DENY);
	assert_int_equal(w.err, -SCHED_ETIMEDOUT);
	assert_int_equal(f->svc.stats.taken, 0);
}

/* The service takes a PROFILE in time, then is slow (its port call lets 2 ms pass):
 * the serve finds the deadline passed, the library applies the default, and the SC the
 * service had created for the request is revoked. */
static void a_late_answer_gets_the_default_and_frees_its_sc(void **state)
{
	struct fix *f = *state;
	struct sched_request r = req(SCHED_REQ_PROFILE, f->mpd);
	struct sched_ticket t;
	struct sched_answer a;

	r.timeout_ns = 1 * MS;
	t = submit(f, f->mpd, &r);
	f->delay_ns = 2 * MS;
	assert_int_equal(step(f), 0);
	assert_int_equal(f->svc.stats.late, 1);
	assert_int_equal(f->svc.stats.served[SCHED_REQ_PROFILE], 0);
	assert_int_equal(f->svc.stats.scs_created, 1);
	assert_int_equal(f->scs[f->svc.slots[0].cap.index].state, SCHED_SC_FREE);
	assert_false(f->svc.slots[0].used);
	assert_int_equal(unconfigured(f), 0);
	a = result(f, f->mpd, t);
	assert_int_equal(a.by, SCHED_BY_DEFAULT);
	assert_int_equal(f->mpd->st.nice, 5);
	assert_null(f->mpd->st.own_sc);
	assert_int_equal(last_why(f, SCHED_WHY_DEFAULT, f->mpd).cause, SCHED_DEFAULT_PROFILE);
	/* known (the port listed it at attach), but never given anything by the service */
	assert_false(pol_service_thread(&f->svc, f->mpd->st.id)->fair_known);
	assert_int_equal(count_why(f, SCHED_WHY_DENY, f->mpd), 0);
}

/* --- set-up errors ------------------------------------------------------------------------ */

static void init_refuses_what_it_cannot_run_with(void **state)
{
	struct fix *f = *state;
	struct pol_service *svc = calloc(1, sizeof(*svc));
	uint8_t *mem = malloc(MEM);
	struct pol_service_config c = service_config(f, f->svc_t, f->refills, NSC, mem), b;
	struct sched_authority weak, gone;

	assert_non_null(svc);
	assert_non_null(mem);
	assert_int_equal(pol_service_init(NULL, &c), -SCHED_EINVAL);
	assert_int_equal(pol_service_init(svc, NULL), -SCHED_EINVAL);
	b = c;
	b.sys = NULL;
	assert_int_equal(pol_service_init(svc, &b), -SCHED_EINVAL);
	b = c;
	b.port.attrs = NULL;
	assert_int_equal(pol_service_init(svc, &b), -SCHED_EINVAL);
	b = c;
	b.refills = NULL;
	assert_int_equal(pol_service_init(svc, &b), -SCHED_EINVAL);
	b = c;
	b.refills_per_sc = SCHED_SC_REFILLS_MAX + 1;
	assert_int_equal(pol_service_init(svc, &b), -SCHED_EINVAL);
	b = c;
	b.mem_len = 64; /* no room for two manifest arenas and the slots */
	assert_int_equal(pol_service_init(svc, &b), -SCHED_EINVAL);
	b = c;
	b.manifest_bytes = MEM; /* two of them would not fit */
	assert_int_equal(pol_service_init(svc, &b), -SCHED_EINVAL);
	/* an authority of fair parameters only, and a revoked one */
	b = c;
	assert_int_equal(sched_auth_derive(&weak, sched_auth_root(&f->sim->sys),
					   SCHED_RIGHT_FAIR, NULL, NULL), 0);
	b.auth = (struct sched_auth){ &weak, weak.gen };
	assert_int_equal(pol_service_init(svc, &b), -SCHED_EPERM);
	assert_int_equal(sched_auth_derive(&gone, sched_auth_root(&f->sim->sys),
					   SCHED_RIGHT_ALL, NULL, NULL), 0);
	b.auth = (struct sched_auth){ &gone, gone.gen };
	assert_int_equal(sched_auth_revoke(b.auth), 0);
	assert_int_equal(pol_service_init(svc, &b), -SCHED_ESTALE);
	/* and what works: no SCs to give, no diagnostics kept */
	b = c;
	b.nr_scs = 0;
	b.refills = NULL;
	b.diag = NULL;
	b.diag_len = 0;
	assert_int_equal(pol_service_init(svc, &b), 0);
	assert_string_equal(pol_service_diag(svc, NULL), "");
	assert_int_equal(pol_service_step(NULL), -SCHED_EINVAL);
	assert_int_equal(pol_service_attach(NULL), -SCHED_EINVAL);
	assert_int_equal(pol_service_load(NULL, "", 0, false, NULL), -SCHED_EINVAL);
	assert_null(pol_service_manifest(svc));
	free(mem);
	free(svc);
}

/* A service without SCs to give refuses what needs one, and serves the rest. */
static void a_service_without_scs_refuses_reservations(void **state)
{
	struct fix *f = setup_with(0);
	struct sched_request r = req(SCHED_REQ_ADMIT_SC, f->mpd2);

	(void)state;
	r.sc_params = sc_ask(1 * MS, 10 * MS, 1);
	assert_denied(f, f->mpd2, ask(f, f->mpd2, r), SCHED_REQ_ADMIT_SC, -SCHED_EFULL);
	assert_denied(f, f->mpd, ask(f, f->mpd, req(SCHED_REQ_PROFILE, f->mpd)),
		      SCHED_REQ_PROFILE, -SCHED_EFULL);
	assert_int_equal(ask(f, f->sh, req(SCHED_REQ_PROFILE, f->sh)).err, 0);
	teardown((void **)&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(profile_by_the_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(profile_by_name_and_an_unknown_name, setup, teardown),
		cmocka_unit_test_setup_teardown(refused_scs_leave_nothing_behind, setup, teardown),
		cmocka_unit_test_setup_teardown(reservations_within_the_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(a_profile_given_by_name_decides_what_the_thread_may_ask,
						setup, teardown),
		cmocka_unit_test(refill_slots_are_reused_once_their_sc_is_revoked),
		cmocka_unit_test_setup_teardown(leases_where_the_profile_allows, setup, teardown),
		cmocka_unit_test_setup_teardown(islands_where_the_profile_allows, setup, teardown),
		cmocka_unit_test_setup_teardown(graphs_are_mapped_and_their_nodes_recorded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(explain_formats_the_threads_records, setup, teardown),
		cmocka_unit_test_setup_teardown(a_restarted_service_serves_what_the_old_one_had_taken,
						setup, teardown),
		cmocka_unit_test_setup_teardown(unanswered_requests_get_their_defaults, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_late_answer_gets_the_default_and_frees_its_sc, setup,
						teardown),
		cmocka_unit_test_setup_teardown(init_refuses_what_it_cannot_run_with, setup, teardown),
		cmocka_unit_test(a_service_without_scs_refuses_reservations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
