/* SPDX-License-Identifier: MIT */
/*
 * test_explain.c - decision records on the simulated machine, the checker after every
 * step: each kind of decision leaves its record with the right cause and figures (one test
 * per kind, migrations once per cause), the one-line format, the filters, a full ring, and
 * nothing recorded when off.
 */
#include "simtest.h"

#include <sched/explain.h>
#include <sched/core.h>

#include <stdlib.h>
#include <string.h>

#define S (1000 * MS)

static struct sched_why ring[256];
static struct sched_explain_log log_;
static struct sched_sc pool[64];
static struct sched_refill refills[64][8];
static struct sched_lease leases[4];

static struct sim *explained(unsigned cpus, unsigned smt, bool core)
{
	struct sim_config cfg = { .cpus = cpus, .smt = smt, .seed = 1, .core_sched = core };
	struct sim *sim = sim_new(&cfg);

	assert_non_null(sim);
	sim->check_each_step = true;
	assert_int_equal(sched_explain_start(&sim->sys, &log_, ring, 256, 0), 0);
	if (!sim->sys.scs)
		assert_int_equal(sched_sc_pool(&sim->sys, pool, 64), 0);
	return sim;
}

static struct sched_auth root(struct sim *sim)
{
	return sched_auth_root(&sim->sys);
}

/* The records of one kind (and cause, if >= 0) about thread tid (0: any). */
static unsigned records(struct sim *sim, unsigned kind, int cause, uint32_t tid,
			struct sched_why *out, unsigned max)
{
	struct sched_why all[256];
	struct sched_why_filter f = { .kinds = 1u << kind, .tid = tid };
	unsigned n = sched_explain_read(&sim->sys, &f, all, 256), got = 0;

	for (unsigned i = 0; i < n; i++)
		if ((cause < 0 || all[i].cause == cause) && got < max)
			out[got++] = all[i];
	return got;
}

static const char *line(const struct sched_why *w)
{
	static char buf[256];

	sched_explain_format(w, buf, sizeof(buf));
	return buf;
}

static struct sched_sc_cap sc_of(struct sim *sim, uint64_t budget, uint64_t period,
				 unsigned cpus, uint8_t overrun, struct sched_group *owner)
{
	static unsigned next;
	struct sched_sc_params p = { .budget_ns = budget, .period_ns = period, .overrun = overrun };
	struct sched_sc_cap cap;

	sched_cpumask_fill(&p.cpus, cpus);
	assert_int_equal(sched_sc_create(&sim->sys, owner, refills[next++ % 64], 8, &cap), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), cap, &p), 0);
	return cap;
}

/* --- one test per kind --------------------------------------------------------------------- */

static void throttle_names_the_sc_its_use_and_the_refill(void **state)
{
	struct sim *sim = explained(1, 1, false);
	struct sched_sc_cap cap = sc_of(sim, 2 * MS, 10 * MS, 1, SCHED_SC_THROTTLE, NULL);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *f = hand_thread(sim, 0, 0, NULL);
	struct sched_why w[4];
	char expect[128];

	(void)state;
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&a->st)), 0);
	wake_from(sim, 0, f);
	wake_from(sim, 0, a);
	advance(sim, 3 * MS);
	assert_int_equal(records(sim, SCHED_WHY_THROTTLE, SCHED_THROTTLE_SC, a->st.id, w, 4), 1);
	assert_int_equal(w[0].obj_kind, SCHED_OBJ_SC);
	assert_int_equal(w[0].obj, cap.index);
	assert_int_equal(w[0].fig[0], 2 * MS);
	assert_int_equal(w[0].fig[1], 2 * MS);
	assert_int_equal(w[0].fig[2], 10 * MS);
	assert_int_equal(w[0].time, 2 * MS);
	snprintf(expect, sizeof(expect),
		 "t%u throttled at 0.002 s: SC %u used 2.000 ms of 2.000 ms, refill at 0.010 s",
		 a->st.id, cap.index);
	assert_string_equal(line(&w[0]), expect);
	advance(sim, 20 * MS); /* one record per depletion */
	assert_int_equal(records(sim, SCHED_WHY_THROTTLE, -1, a->st.id, w, 4), 3);
	sim_free(sim);
}

static void fixed_priority_throttling_is_recorded_once_per_window(void **state)
{
	struct sim *sim = explained(1, 1, false);
	struct sim_thread *r = hand_thread(sim, 0, 0, NULL), *f = hand_thread(sim, 0, 0, NULL);
	struct sched_rt_params p = { .policy = SCHED_RT_FIFO, .prio = 10 };
	struct sched_why w[4];

	(void)state;
	assert_int_equal(sched_set_rt(&sim->sys, root(sim), sched_ref_of(&r->st), &p), 0);
	wake_from(sim, 0, f);
	wake_from(sim, 0, r);
	advance(sim, 2 * S);
	assert_int_equal(records(sim, SCHED_WHY_THROTTLE, SCHED_THROTTLE_RT, 0, w, 4), 2);
	assert_int_equal(w[0].tid, r->st.id);
	assert_int_equal(w[0].time, 950 * MS);
	assert_int_equal(w[0].fig[0], 950 * MS);
	assert_int_equal(w[0].fig[1], 950 * MS);
	assert_int_equal(w[0].fig[2], S);
	assert_non_null(strstr(line(&w[0]), "fixed priorities on CPU 0 used 950.000 ms of 950.000 ms, back at 1.000 s"));
	sim_free(sim);
}

/* The last migration record about t, with its cause. */
static struct sched_why last_move(struct sim *sim, struct sim_thread *t)
{
	struct sched_why w[64];
	unsigned n = records(sim, SCHED_WHY_MIGRATE, -1, t->st.id, w, 64);

	assert_true(n > 0);
	return w[n - 1];
}

static void migrations_say_who_moved_the_thread(void **state)
{
	struct sim *sim = explained(2, 1, false);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sim_thread *c = hand_thread(sim, 0, 0, NULL);
	sched_cpumask_t one;
	struct sched_why w;

	(void)state;
	/* wake placement: a and b start on CPU 0 and 1; c wakes where there is room */
	wake_from(sim, 0, a);
	wake_from(sim, 0, b);
	wake_from(sim, 0, c);
	advance(sim, 10 * MS);
	/* affinity: whichever thread shares a CPU is sent to the other one */
	struct sim_thread *x = running_on(sim, 0) == a ? b : a;
	unsigned from = x->st.cpu, to = 1 - from;

	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, to);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&x->st), &one), 0);
	settle(sim);
	advance(sim, 10 * MS);
	w = last_move(sim, x);
	assert_int_equal(w.cause, SCHED_MIG_AFFINITY);
	assert_int_equal(w.cpu, from);
	assert_int_equal(w.cpu2, to);
	assert_int_equal(w.fig[0], 1024);
	assert_non_null(strstr(line(&w), "(affinity)"));
	sched_cpumask_fill(&one, 2);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&x->st), &one), 0);
	/* hotplug: CPU 1 goes; everything on it moves to CPU 0 */
	assert_int_equal(sched_cpu_offline(&sim->sys, 1), 0);
	settle(sim);
	advance(sim, 10 * MS);
	for (struct sim_thread *t = a; t; t = t == a ? b : t == b ? c : NULL)
		if (t->st.cpu == 0 && records(sim, SCHED_WHY_MIGRATE, SCHED_MIG_HOTPLUG, t->st.id, &w, 1))
			assert_int_equal(w.cpu2, 0);
	assert_true(records(sim, SCHED_WHY_MIGRATE, SCHED_MIG_HOTPLUG, 0, &w, 1) >= 1);
	sim_free(sim);
}

static void an_idle_cpu_steals_and_a_lease_evicts(void **state)
{
	struct sim *sim = explained(2, 1, false);
	struct sim_thread *t[3];
	struct sched_lease_params lp = { 0 };
	struct sched_lease_cap lc;
	struct sched_why w;
	sched_cpumask_t cpu0;

	(void)state;
	assert_int_equal(sched_lease_pool(&sim->sys, leases, 4), 0);
	sched_cpumask_clear(&cpu0);
	sched_cpumask_set(&cpu0, 0);
	for (unsigned i = 0; i < 3; i++) {
		t[i] = hand_thread(sim, 0, 0, NULL);
		assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&t[i]->st), &cpu0), 0);
		wake_from(sim, 0, t[i]);
	}
	/* all three queue on CPU 0; opened to both CPUs, CPU 1 takes work when it looks */
	sched_cpumask_fill(&cpu0, 2);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&t[i]->st), &cpu0), 0);
	advance(sim, 50 * MS);
	assert_true(records(sim, SCHED_WHY_MIGRATE, SCHED_MIG_STEAL, 0, &w, 1) +
		    records(sim, SCHED_WHY_MIGRATE, SCHED_MIG_BALANCE, 0, &w, 1) >= 1);
	/* a lease of CPU 1 for t[0] moves the others off it */
	lp.thread = sched_ref_of(&t[0]->st);
	sched_cpumask_clear(&lp.cpus);
	sched_cpumask_set(&lp.cpus, 1);
	assert_int_equal(sched_lease_grant(&sim->sys, root(sim), &lp, &lc), 0);
	settle(sim);
	advance(sim, 10 * MS);
	assert_true(records(sim, SCHED_WHY_MIGRATE, SCHED_MIG_LEASE, 0, &w, 1) == 1);
	assert_int_equal(w.cpu, 1);
	assert_int_equal(w.cpu2, 0);
	/* revocation: a REVOKE record naming the lease and its holder */
	assert_int_equal(sched_lease_revoke(&sim->sys, lc), 0);
	assert_int_equal(records(sim, SCHED_WHY_REVOKE, SCHED_REVOKE_CALL, t[0]->st.id, &w, 1), 1);
	assert_int_equal(w.obj_kind, SCHED_OBJ_LEASE);
	assert_int_equal(w.obj, lc.index);
	assert_int_equal(w.fig[0], 1);
	settle(sim);
	sim_free(sim);
}

static void a_sibling_forced_idle_names_the_thread_holding_the_core(void **state)
{
	struct sim *sim = explained(2, 2, true);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	struct sched_why w[8];
	unsigned n;

	(void)state;
	assert_int_equal(sched_core_create(&sim->sys, root(sim), sched_ref_of(&a->st), SCHED_CORE_THREAD), 0);
	assert_int_equal(sched_core_create(&sim->sys, root(sim), sched_ref_of(&b->st), SCHED_CORE_THREAD), 0);
	/* one on each sibling: whichever the core runs, the other's CPU idles */
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, 0);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&a->st), &m), 0);
	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, 1);
	assert_int_equal(sched_set_affinity(&sim->sys, sched_ref_of(&b->st), &m), 0);
	wake_from(sim, 0, a);
	wake_from(sim, 0, b);
	advance(sim, 20 * MS);
	n = records(sim, SCHED_WHY_FORCED_IDLE, -1, 0, w, 8);
	assert_true(n >= 1);
	assert_int_equal(w[0].fig[0], 1); /* one thread waiting there */
	assert_int_equal(w[0].obj_kind, SCHED_OBJ_THREAD);
	assert_true(w[0].obj == a->st.id || w[0].obj == b->st.id);
	assert_non_null(strstr(line(&w[0]), "forced idle"));
	sim_free(sim);
}

static void a_revoked_sc_demotes_its_thread(void **state)
{
	struct sim *sim = explained(1, 1, false);
	struct sched_group g;
	struct sched_group_params gp = { .kind = SCHED_GROUP_PROCESS };
	struct sched_sc_cap cap;
	struct sim_thread *a;
	struct sched_why w[4];

	(void)state;
	assert_int_equal(sched_group_init(&sim->sys, &g, &gp), 0);
	cap = sc_of(sim, 2 * MS, 10 * MS, 1, SCHED_SC_DEMOTE, &g);
	a = hand_thread(sim, 0, 0, &g);
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&a->st)), 0);
	wake_from(sim, 0, a);
	advance(sim, 3 * MS); /* used up with overrun DEMOTE: demoted until the refill */
	assert_int_equal(records(sim, SCHED_WHY_DEMOTE, SCHED_DEMOTE_DEPLETED, a->st.id, w, 4), 1);
	assert_int_equal(w[0].fig[2], 10 * MS);
	assert_int_equal(sched_sc_revoke_owned(&sim->sys, root(sim), &g), 1);
	settle(sim);
	assert_int_equal(records(sim, SCHED_WHY_DEMOTE, SCHED_DEMOTE_SC_REVOKED, a->st.id, w, 4), 1);
	assert_int_equal(w[0].obj, cap.index);
	assert_int_equal(w[0].fig[0], SCHED_SC_DEMOTE);
	assert_int_equal(records(sim, SCHED_WHY_REVOKE, SCHED_REVOKE_OWNER, a->st.id, w, 4), 1);
	assert_int_equal(w[0].group, g.id);
	assert_non_null(strstr(line(&w[0]), "revoked: its owner group went"));
	sim_free(sim);
}

static void a_refused_configure_carries_the_analysis_figures(void **state)
{
	struct sim *sim = explained(1, 1, false);
	struct sched_rt_task scratch[80];
	struct sched_sc_params p = { .budget_ns = 6 * MS, .period_ns = 10 * MS };
	struct sched_sc_cap a, b;
	struct sched_why w[4];

	(void)state;
	assert_int_equal(sched_sc_admission(&sim->sys, root(sim), scratch, 80, SCHED_RT_FIRST_FIT), 0);
	sched_cpumask_fill(&p.cpus, 1);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, refills[0], 8, &a), 0);
	assert_int_equal(sched_sc_create(&sim->sys, NULL, refills[1], 8, &b), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), a, &p), 0);
	assert_int_equal(sched_sc_configure(&sim->sys, root(sim), b, &p), -SCHED_EUNSCHED);
	assert_int_equal(records(sim, SCHED_WHY_DENY, SCHED_DENY_SC_CONFIGURE, 0, w, 4), 1);
	assert_int_equal(w[0].err, -SCHED_EUNSCHED);
	assert_int_equal(w[0].obj, b.index);
	assert_true(w[0].fig[0] > w[0].fig[1]); /* demand over supply */
	assert_non_null(strstr(line(&w[0]), "sc_configure of SC"));
	/* a lease over no CPU the authority has: refused, and said so */
	struct sched_lease_params lp = { 0 };
	struct sched_lease_cap lc;
	struct sim_thread *t = hand_thread(sim, 0, 0, NULL);

	assert_int_equal(sched_lease_pool(&sim->sys, leases, 4), 0);
	lp.thread = sched_ref_of(&t->st);
	sched_cpumask_fill(&lp.cpus, 1);
	assert_int_equal(sched_lease_grant(&sim->sys, root(sim), &lp, &lc), -SCHED_EHOUSEKEEPING);
	assert_int_equal(records(sim, SCHED_WHY_DENY, SCHED_DENY_LEASE, 0, w, 4), 1);
	assert_int_equal(w[0].err, -SCHED_EHOUSEKEEPING);
	sim_free(sim);
}

/* --- the log itself ------------------------------------------------------------------------ */

static void off_records_nothing_and_a_full_ring_keeps_the_newest(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_why small[4], out[8];
	struct sched_explain_log l;
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *f = hand_thread(sim, 0, 0, NULL);
	struct sched_sc_cap cap;

	(void)state;
	assert_int_equal(sched_sc_pool(&sim->sys, pool, 64), 0);
	cap = sc_of(sim, 1 * MS, 2 * MS, 1, SCHED_SC_THROTTLE, NULL);
	assert_int_equal(sched_sc_bind(&sim->sys, cap, sched_ref_of(&a->st)), 0);
	wake_from(sim, 0, f);
	wake_from(sim, 0, a);
	advance(sim, 10 * MS);
	assert_int_equal(sched_explain_count(&sim->sys), 0);
	assert_int_equal(sched_explain_read(&sim->sys, NULL, out, 8), 0);
	assert_int_equal(sched_explain_start(&sim->sys, &l, small, 3, 0), -SCHED_EINVAL);
	assert_int_equal(sched_explain_start(&sim->sys, &l, small, 4, 1u << SCHED_WHY_NR), -SCHED_EINVAL);
	assert_int_equal(sched_explain_start(&sim->sys, &l, small, 4, 1u << SCHED_WHY_THROTTLE), 0);
	advance(sim, 20 * MS); /* ten depletions into four slots */
	assert_int_equal(sched_explain_count(&sim->sys), 10);
	assert_int_equal(sched_explain_read(&sim->sys, NULL, out, 8), 4);
	assert_int_equal(out[0].seq, 7);
	assert_int_equal(out[3].seq, 10);
	assert_int_equal(sched_explain_read(&sim->sys, NULL, out, 2), 2);
	assert_int_equal(out[0].seq, 9); /* the newest, oldest first */
	struct sched_why_filter after = { .after = 9 };

	assert_int_equal(sched_explain_read(&sim->sys, &after, out, 8), 1);
	sched_explain_stop(&sim->sys);
	advance(sim, 10 * MS);
	assert_int_equal(sched_explain_count(&sim->sys), 0);
	sim_free(sim);
}

static void format_cuts_to_the_buffer_and_reports_the_length_needed(void **state)
{
	struct sched_why w = { .seq = 1, .time = 10002 * MS, .kind = SCHED_WHY_THROTTLE,
			       .cause = SCHED_THROTTLE_SC, .tid = 42, .obj_kind = SCHED_OBJ_SC,
			       .obj = 7, .fig = { 2 * MS, 2 * MS, 20 * S } };
	const char *full = "t42 throttled at 10.002 s: SC 7 used 2.000 ms of 2.000 ms, refill at 20.000 s";
	char buf[128], tiny[8];

	(void)state;
	assert_int_equal(sched_explain_format(&w, buf, sizeof(buf)), strlen(full));
	assert_string_equal(buf, full);
	assert_int_equal(sched_explain_format(&w, tiny, sizeof(tiny)), strlen(full));
	assert_string_equal(tiny, "t42 thr");
	w.kind = SCHED_WHY_NR;
	sched_explain_format(&w, buf, sizeof(buf));
	assert_string_equal(buf, "?");
	assert_string_equal(sched_why_kind_name(SCHED_WHY_MIGRATE), "migrate");
	assert_string_equal(sched_why_cause_name(SCHED_WHY_MIGRATE, SCHED_MIG_HOTPLUG), "hotplug");
	assert_string_equal(sched_why_cause_name(SCHED_WHY_MIGRATE, SCHED_MIG_NR), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(throttle_names_the_sc_its_use_and_the_refill),
		cmocka_unit_test(fixed_priority_throttling_is_recorded_once_per_window),
		cmocka_unit_test(migrations_say_who_moved_the_thread),
		cmocka_unit_test(an_idle_cpu_steals_and_a_lease_evicts),
		cmocka_unit_test(a_sibling_forced_idle_names_the_thread_holding_the_core),
		cmocka_unit_test(a_revoked_sc_demotes_its_thread),
		cmocka_unit_test(a_refused_configure_carries_the_analysis_figures),
		cmocka_unit_test(off_records_nothing_and_a_full_ring_keeps_the_newest),
		cmocka_unit_test(format_cuts_to_the_buffer_and_reports_the_length_needed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
