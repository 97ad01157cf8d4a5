/* SPDX-License-Identifier: MIT */
/*
 * test_eevdf.c - the EEVDF class against an O(n) linear-scan oracle, and its policy path.
 *
 * The oracle is written for clarity, from the definitions: V is the weighted average of
 * every vruntime on the queue (current one included), an entity is eligible when
 * w_total * (v - v0) <= sum w_i (v_i - v0) (i.e. v <= V), and the pick is the running
 * entity inside its parity window, else the eligible entity with the earliest deadline.
 */
#include "simtest.h"
#include "eevdf.h" /* the class state the test compares with an oracle */

#include <stdlib.h>

__extension__ typedef __int128 s128;

struct oracle {
	const struct sched_fair_entity *e[256];
	unsigned n;
};

static void collect(struct oracle *o, const struct sched_rb_node *n)
{
	if (!n)
		return;
	collect(o, n->left);
	o->e[o->n++] = sched_rb_entry(n, struct sched_fair_entity, node);
	collect(o, n->right);
}

static bool before(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

/* The entity EEVDF must run next on q, by linear scan; NULL for an empty queue. */
static const struct sched_fair_entity *oracle_pick(const struct sched_fair_rq *q)
{
	struct oracle o = { .n = 0 };
	const struct sched_fair_entity *best = NULL, *curr = q->curr;
	s128 sum = 0, w = 0;

	collect(&o, q->tree.root);
	if (curr)
		o.e[o.n++] = curr;
	for (unsigned i = 0; i < o.n; i++) {
		sum += (s128)o.e[i]->weight * (int64_t)(o.e[i]->vruntime - q->v0);
		w += o.e[i]->weight;
	}
	for (unsigned i = 0; i < o.n; i++) {
		const struct sched_fair_entity *e = o.e[i];
		bool eligible = (s128)(int64_t)(e->vruntime - q->v0) * w <= sum;

		if (e == curr && eligible && before(e->vruntime, e->vprot))
			return e; /* run to parity */
		if (eligible && (!best || before(e->deadline, best->deadline)))
			best = e;
	}
	if (!best && o.n)
		best = q->tree.leftmost ? sched_rb_entry(q->tree.leftmost, struct sched_fair_entity, node)
					: curr;
	return best;
}

static void assert_pick_matches_oracle(struct sim *sim)
{
	struct sched_rq *rq = &sim->rq[0];
	const struct sched_fair_rq *q = &sched_eevdf_rq_of(rq)->top;
	const struct sched_fair_entity *want = oracle_pick(q);
	struct sched_thread *got = sched_eevdf_class.pick(rq, sim->now);

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	/* equal deadlines may be broken either way; the deadline chosen must be the same */
	if (&sched_eevdf_thread_of(got)->se != want)
		assert_int_equal(sched_eevdf_thread_of(got)->se.deadline, want->deadline);
}

static unsigned rnd(uint64_t *r, unsigned n)
{
	*r = *r * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((*r >> 33) % n);
}

static void random_step(struct sim *sim, struct sim_thread **t, unsigned n, uint64_t *r)
{
	struct sched_thread *next;
	struct sched_fair_params fp;

	sim_enter(sim, 0);
	switch (rnd(r, 9)) {
	case 0: case 1: case 8:
		sched_wake(&sim->sys, sched_ref_of(&t[rnd(r, n)]->st), SCHED_WAKE_PARK);
		break;
	case 2:
		if (sched_block(&sim->sys, 0, &next) == 0)
			sim_switch(sim, 0, next);
		break;
	case 3:
		if (sched_sleep_until(&sim->sys, 0, sim->now + rnd(r, 5000) * US, &next) == 0)
			sim_switch(sim, 0, next);
		break;
	case 4:
		if (sched_yield_cpu(&sim->sys, 0, &next) == 0)
			sim_switch(sim, 0, next);
		break;
	case 5:
		fp = (struct sched_fair_params){ .nice = (int)rnd(r, 40) - 20,
						 .slice_ns = rnd(r, 2) ? 0 : (100 + rnd(r, 5000)) * US };
		assert_int_equal(sched_set_fair(&sim->sys, sched_auth_root(&sim->sys),
						sched_ref_of(&t[rnd(r, n)]->st), &fp), 0);
		break;
	case 6:
		sim_resched(sim, 0);
		break;
	default:
		sim_run_until(sim, sim->now + rnd(r, 3000) * US);
		break;
	}
	settle(sim);
}

static void tree_pick_agrees_with_the_linear_oracle_under_random_operations(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 60; seed++) {
		struct sim *sim = machine(1, 1);
		struct sim_thread *t[40];
		uint64_t r = seed;
		unsigned n = 2 + rnd(&r, 39), compared = 0;

		for (unsigned i = 0; i < n; i++) {
			t[i] = hand_thread(sim, 0, (int)rnd(&r, 40) - 20, NULL);
			wake_from(sim, 0, t[i]);
		}
		for (unsigned s = 0; s < 800; s++) {
			random_step(sim, t, n, &r);
			assert_pick_matches_oracle(sim);
			compared += sim->rq[0].nr_queued >= 1 && running_on(sim, 0);
		}
		assert_true(compared > 100); /* the comparison ran on real choices */
		sim_free(sim);
	}
}

static void groups_keep_every_invariant_under_random_operations(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 30; seed++) {
		struct sim *sim = machine(2, 1);
		struct sched_group g[3];
		struct sched_group_cpu pcpu[3][2];
		struct sim_thread *t[24];
		uint64_t r = seed;

		sched_group_init(&sim->sys, &g[0], &(struct sched_group_params){ .id = 1, .pcpu = pcpu[0] });
		sched_group_init(&sim->sys, &g[1], &(struct sched_group_params){ .id = 2, .weight = 3000, .pcpu = pcpu[1] });
		sched_group_init(&sim->sys, &g[2], &(struct sched_group_params){ .id = 3, .parent = &g[0], .pcpu = pcpu[2] });
		for (unsigned i = 0; i < 24; i++) {
			t[i] = hand_thread(sim, 0, (int)rnd(&r, 40) - 20, i % 4 == 3 ? NULL : &g[i % 4]);
			wake_from(sim, rnd(&r, 2), t[i]);
		}
		for (unsigned s = 0; s < 600; s++)
			random_step(sim, t, 24, &r); /* settle() runs the checker each step */
		sim_free(sim);
	}
}

/* --- the policy path: authority ------------------------------------------------------------ */

static void weight_and_slice_change_only_with_authority(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sched_group proc, other;
	struct sim_thread *a;
	struct sched_authority narrow, fair_only;
	struct sched_auth root = sched_auth_root(&sim->sys), tok;
	struct sched_fair_params fp = { .nice = 5 };

	(void)state;
	sched_group_init(&sim->sys, &proc, &(struct sched_group_params){ .id = 1 });
	sched_group_init(&sim->sys, &other, &(struct sched_group_params){ .id = 2 });
	a = hand_thread(sim, 0, 0, &proc);
	/* an authority scoped to another process cannot touch this thread */
	assert_int_equal(sched_auth_derive(&narrow, root, SCHED_RIGHT_ALL, &other, NULL), 0);
	tok = (struct sched_auth){ &narrow, narrow.gen };
	assert_int_equal(sched_set_fair(&sim->sys, tok, sched_ref_of(&a->st), &fp), -SCHED_EPERM);
	assert_int_equal(a->st.nice, 0);
	/* scoped to its process, with the right: allowed */
	assert_int_equal(sched_auth_derive(&fair_only, root, SCHED_RIGHT_FAIR, &proc, NULL), 0);
	tok = (struct sched_auth){ &fair_only, fair_only.gen };
	assert_int_equal(sched_set_fair(&sim->sys, tok, sched_ref_of(&a->st), &fp), 0);
	assert_int_equal(a->st.weight, 335);
	/* no DERIVE right: cannot mint more authority */
	assert_int_equal(sched_auth_derive(&narrow, tok, SCHED_RIGHT_FAIR, &proc, NULL), -SCHED_EPERM);
	/* bad values are rejected and change nothing */
	fp.slice_ns = 50 * US;
	assert_int_equal(sched_set_fair(&sim->sys, tok, sched_ref_of(&a->st), &fp), -SCHED_EINVAL);
	fp = (struct sched_fair_params){ .nice = -21 };
	assert_int_equal(sched_set_fair(&sim->sys, tok, sched_ref_of(&a->st), &fp), -SCHED_EINVAL);
	assert_int_equal(a->st.weight, 335);
	sim_free(sim);
}

static void revoking_an_authority_fails_its_tokens_and_derived_ones_closed(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL);
	struct sched_authority mid, leaf;
	struct sched_auth root = sched_auth_root(&sim->sys), tm, tl;
	struct sched_fair_params fp = { .nice = 3 };

	(void)state;
	assert_int_equal(sched_auth_derive(&mid, root, SCHED_RIGHT_ALL, NULL, NULL), 0);
	tm = (struct sched_auth){ &mid, mid.gen };
	assert_int_equal(sched_auth_derive(&leaf, tm, SCHED_RIGHT_FAIR, NULL, NULL), 0);
	tl = (struct sched_auth){ &leaf, leaf.gen };
	assert_int_equal(sched_set_fair(&sim->sys, tl, sched_ref_of(&a->st), &fp), 0);
	assert_int_equal(sched_auth_revoke(tm), 0);
	fp.nice = 7;
	assert_int_equal(sched_set_fair(&sim->sys, tm, sched_ref_of(&a->st), &fp), -SCHED_ESTALE);
	assert_int_equal(sched_set_fair(&sim->sys, tl, sched_ref_of(&a->st), &fp), -SCHED_ESTALE);
	assert_int_equal(a->st.nice, 3);
	assert_int_equal(sched_auth_revoke(tm), -SCHED_ESTALE);
	sim_free(sim);
}

/* Real lag of a thread on the top queue: w * (V - v) / 1024, V from scratch. */
static double lag_of(struct sim *sim, struct sim_thread *t)
{
	const struct sched_fair_rq *q = &sched_eevdf_rq_of(&sim->rq[t->st.cpu])->top;
	struct oracle o = { .n = 0 };
	double sum = 0, w = 0;

	collect(&o, q->tree.root);
	if (q->curr)
		o.e[o.n++] = q->curr;
	for (unsigned i = 0; i < o.n; i++) {
		sum += (double)o.e[i]->weight * (double)(int64_t)(o.e[i]->vruntime - q->v0);
		w += o.e[i]->weight;
	}
	return (double)sched_eevdf_thread_of(&t->st)->se.weight *
	       (sum / w - (double)(int64_t)(sched_eevdf_thread_of(&t->st)->se.vruntime - q->v0)) / 1024.0;
}

static void reweighting_a_queued_thread_keeps_its_lag(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *t[4];
	struct sched_fair_params fp = { .nice = -7 };
	double before_lag, after_lag;

	(void)state;
	for (int i = 0; i < 4; i++) {
		t[i] = hand_thread(sim, 0, i * 3, NULL);
		wake_from(sim, 0, t[i]);
	}
	advance(sim, 7 * MS + 123 * US);
	for (int i = 0; i < 4; i++) {
		struct sched_fair_params same = { .nice = t[i]->st.nice };

		if (t[i]->st.state != SCHED_RUNNABLE)
			continue;
		/* a no-op change first: it charges the running thread up to now, so V is current */
		sched_set_fair(&sim->sys, sched_auth_root(&sim->sys), sched_ref_of(&t[i]->st), &same);
		before_lag = lag_of(sim, t[i]);
		assert_int_equal(sched_set_fair(&sim->sys, sched_auth_root(&sim->sys),
						sched_ref_of(&t[i]->st), &fp), 0);
		after_lag = lag_of(sim, t[i]);
		assert_true(after_lag - before_lag < 1000.0 && before_lag - after_lag < 1000.0);
		check_ok(sim);
	}
	sim_free(sim);
}

static void an_immediate_rewake_keeps_a_negative_lag(void **state)
{
	struct sim *sim = machine(1, 1);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);
	double before_lag, after_lag;

	(void)state;
	wake_from(sim, 0, a);
	wake_from(sim, 0, b);
	advance(sim, 300 * US); /* a runs ahead of b inside its first (half-slice) request */
	assert_ptr_equal(running_on(sim, 0), a);
	sim_enter(sim, 0);
	sched_set_fair(&sim->sys, sched_auth_root(&sim->sys), sched_ref_of(&a->st),
		       &(struct sched_fair_params){ .nice = 0 }); /* charges a up to now */
	before_lag = lag_of(sim, a);
	assert_true(before_lag < -100000.0);
	block_on(sim, 0); /* a sleeps ... */
	wake_from(sim, 0, a); /* ... and wakes at once: no time asleep, no credit */
	after_lag = lag_of(sim, a);
	assert_true(after_lag - before_lag < 1000.0 && before_lag - after_lag < 1000.0);
	sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tree_pick_agrees_with_the_linear_oracle_under_random_operations),
		cmocka_unit_test(groups_keep_every_invariant_under_random_operations),
		cmocka_unit_test(weight_and_slice_change_only_with_authority),
		cmocka_unit_test(revoking_an_authority_fails_its_tokens_and_derived_ones_closed),
		cmocka_unit_test(reweighting_a_queued_thread_keeps_its_lag),
		cmocka_unit_test(an_immediate_rewake_keeps_a_negative_lag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
