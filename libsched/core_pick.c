/* SPDX-License-Identifier: MIT */
/*
 * core_pick.c - SMT core scheduling: the core-wide pick, the per-CPU cookie index, force
 * idle and its accounting, cookie-aware placement and stealing (docs/core-scheduling.md).
 *
 * The invariant: the non-idle current threads of a core's CPUs share one cookie. Only the
 * pick changes rq->curr, always under the core lock (siblings share it), and a thread
 * becomes current only if its cookie matches every sibling's current thread; a CPU whose
 * choice conflicts with a sibling that has not switched yet runs idle until that sibling's
 * own pick releases it. So the invariant holds at every instant, not only once IPIs land.
 *
 * The core-wide pick (when any sibling reschedules and the last core pick is stale):
 *   1. each online sibling's best thread, by its own classes (EDF, then fair);
 *   2. the most urgent of those: EDF by absolute deadline, always above fair; fair threads
 *      of different CPUs by virtual deadline minus a per-CPU snapshot of virtual time,
 *      taken while the core is not forcing anyone idle (so the comparison measures the
 *      service each got since force idle began, and a starved cookie rises until it wins);
 *   3. every other sibling runs its best thread of that cookie (its own best if it
 *      matches, else the first of that cookie in its index), or is forced idle.
 * The results stay in each sibling's rq->core_pick; a sibling that reschedules while the
 * core's task_seq has not moved takes its part instead of recomputing.
 *
 * Complexity: a core-wide pick is O(SMT width x (class pick + log n)); a reused pick O(1).
 */
#include "internal.h"
#include "account.h"
#include "explain.h"
#include "core_pick.h"
#include "core_tree.h"
#include "migrate.h"
#include "rq.h"



/* A CPU that never came online has no current thread: it runs nothing. */
static bool runs(const struct sched_rq *r)
{
	return r->curr && !r->curr->is_idle;
}

static bool tagged(const struct sched_rq *r)
{
	return runs(r) && r->curr->cookie != SCHED_COOKIE_NONE;
}

/* --- comparing threads of different siblings ----------------------------------------------- */

/* Snapshot each class's virtual time on rq (the classes that have one). */
static void snapshot_vnow(struct sched_rq *rq)
{
	for (unsigned i = 0; i < SCHED_NR_CLASSES; i++) {
		const struct sched_class *c = rq->sys->classes[i];

		if (c->core_vnow)
			rq->core_vbase[i] = c->core_vnow(rq);
	}
}

/* Urgency within a class with virtual time: key minus the snapshot. A class without a key
 * (rr): the longer a thread has waited, the more urgent; a running one has waited for
 * nothing. */
static int64_t vkey(struct sched_rq *rq, const struct sched_thread *t)
{
	const struct sched_class *c = t->on_class;

	if (!c->core_key)
		return (int64_t)(t == rq->curr ? sched_arch_now() : t->runnable_since);
	return (int64_t)(c->core_key(rq, t) - rq->core_vbase[c->slot]);
}

/*
 * Is a (best of rq a) more urgent than b (best of rq b)? NULL is the least urgent. A higher
 * class always wins; within a class, an absolute key (no virtual time) compares directly.
 */
static bool more_urgent(struct sched_thread *a, struct sched_rq *ra, struct sched_thread *b,
			struct sched_rq *rb)
{
	const struct sched_class *ca, *cb;

	if (!a || !b)
		return a && !b;
	ca = a->on_class;
	cb = b->on_class;
	if (ca != cb)
		return ca->slot < cb->slot;
	if (ca->core_key && !ca->core_vnow)
		return sched__deadline_before(ca->core_key(ra, a), ca->core_key(rb, b));
	return vkey(ra, a) < vkey(rb, b);
}

/* --- force idle ------------------------------------------------------------------------------ */

/*
 * Charge forced-idle time to the threads running on the core since the last settle:
 * each of the `running` ones gets its share of nr_forced x elapsed. Called before anything
 * that changes nr_forced or a current thread, so each interval is charged at its own rate.
 */
static void settle_forced(struct sched_rq *rq, sched_time_t now)
{
	struct sched_core *core = sched__core_of(rq);
	unsigned running = 0;

	for (unsigned i = 0; i < core->nr_sibs; i++)
		running += runs(sched__sib(rq, i));
	for (unsigned i = 0; i < core->nr_sibs; i++) {
		struct sched_rq *r = sched__sib(rq, i);

		if (core->nr_forced && running && runs(r) && sched_time_before(r->fi_stamp, now))
			sched__acct_add(r->curr, SCHED_ACCT_FORCED_IDLE,
					(now - r->fi_stamp) * core->nr_forced / running);
		r->fi_stamp = now;
	}
}

/* A forced-idle decision record: who waits here, and which sibling's thread holds the core. */
static void why_forced(struct sched_rq *rq, sched_time_t now)
{
	struct sched_explain_log *l = sched__why_log(rq->sys, SCHED_WHY_FORCED_IDLE);
	struct sched_core *core = sched__core_of(rq);
	struct sched_why w = { 0 };

	if (!l)
		return;
	w.kind = SCHED_WHY_FORCED_IDLE;
	w.cpu = (uint16_t)rq->cpu;
	w.fig[0] = rq->nr_queued;
	w.fig[1] = core->cookie;
	for (unsigned i = 0; i < core->nr_sibs; i++) {
		const struct sched_thread *c = sched__sib(rq, i)->curr;

		if (sched__sib(rq, i) != rq && c && !c->is_idle) {
			w.obj_kind = SCHED_OBJ_THREAD;
			w.obj = c->id;
			break;
		}
	}
	w.time = now;
	sched__why_put(l, &w);
}

static void set_forced(struct sched_rq *rq, bool on, sched_time_t now)
{
	struct sched_core *core = sched__core_of(rq);

	if (on == rq->forced_idle)
		return;
	if (on) {
		rq->forced_since = now;
		core->nr_forced++;
		sched__inc(&rq->counters[SCHED_CNT_FORCED_IDLE], 1);
		why_forced(rq, now);
	} else {
		sched__inc(&rq->counters[SCHED_CNT_FORCED_IDLE_NS], now - rq->forced_since);
		core->nr_forced--;
	}
	rq->forced_idle = on;
}

/* --- stealing for a forced-idle CPU ---------------------------------------------------------- */

#define SCHED_CORE_STEAL_TRIES 4

/* Take queued t from victim v to rq if its affinity allows. Both rqs locked. */
static bool take(struct sched_rq *v, struct sched_rq *rq, struct sched_thread *t)
{
	bool ok;

	sched__assert_rq_locked(v);
	sched__assert_rq_locked(rq);
	if (!t || v->handoff == t || !sched__spin_trylock(&t->lock))
		return false;
	ok = sched_cpumask_test(&t->affinity, rq->cpu) && sched__lease_lets(rq, t) &&
	     !__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE);
	if (ok) {
		sched__move_queued_picking(v, rq, t, sched_arch_now());
		sched__inc(&rq->counters[SCHED_CNT_STEALS], 1);
	}
	sched__spin_unlock(&t->lock);
	return ok;
}

/*
 * rq (locked) is about to be forced idle: pull a queued thread of the core's cookie, first
 * from a sibling (under the core lock we hold: a bad placement inside the core is repaired
 * here), then from another core, whose lock is only tried (we hold ours, out of order), at
 * most SCHED_CORE_STEAL_TRIES of them. O((SMT width + tries) x log n). Returns the thread,
 * now queued on rq.
 */
static struct sched_thread *steal_matching(struct sched_rq *rq, sched_cookie_t cookie)
{
	struct sched_sys *s = rq->sys;
	struct sched_core *core = sched__core_of(rq);
	unsigned tries = 0;

	sched__assert_rq_locked(rq);
	for (unsigned i = 0; i < core->nr_sibs; i++) {
		struct sched_rq *v = sched__sib(rq, i);
		/* only from a busy sibling: an idle one runs its own thread of the cookie, and two
		 * waiting siblings would otherwise trade a thread forever */
		struct sched_thread *t = v != rq && v->online && runs(v) ? sched__core_find(v, cookie)
									 : NULL;

		if (t && take(v, rq, t))
			return t;
	}
	for (unsigned k = 1; k < s->nr_cpus && tries < SCHED_CORE_STEAL_TRIES; k++) {
		struct sched_rq *v = &s->rq[(rq->cpu + k) % s->nr_cpus];
		struct sched_thread *t;

		if (v->core == rq->core || sched__get(&v->nr_queued) < 2 || !sched__cpu_usable(s, v->cpu))
			continue;
		tries++;
		if (!sched__spin_trylock(&v->core->lock))
			continue;
		t = sched__core_find(v, cookie);
		if (take(v, rq, t)) {
			sched__spin_unlock(&v->core->lock);
			return t;
		}
		sched__spin_unlock(&v->core->lock);
	}
	return NULL;
}

/* --- the core-wide pick ------------------------------------------------------------------------ */

/* Does t conflict with what a sibling of rq runs now? */
static bool conflicts(struct sched_rq *rq, const struct sched_thread *t)
{
	for (unsigned i = 0; i < sched__core_of(rq)->nr_sibs; i++) {
		struct sched_rq *r = sched__sib(rq, i);

		if (r != rq && runs(r) && !sched__cookies_match(r->curr, t))
			return true;
	}
	return false;
}

/* Any tagged thread queued or current on the core? Otherwise every thread is untagged and
 * each CPU picks on its own. */
static bool core_active(struct sched_rq *rq)
{
	struct sched_core *core = sched__core_of(rq);

	if (core->nr_tagged)
		return true;
	for (unsigned i = 0; i < core->nr_sibs; i++)
		if (tagged(sched__sib(rq, i)))
			return true;
	return false;
}

/* A sibling's own best by its classes, the current thread included while it runs. NULL if
 * it is offline, or its current thread is leaving (it reschedules itself right away). */
static struct sched_thread *sibling_best(struct sched_rq *r, sched_time_t now)
{
	struct sched_thread *c = r->curr;

	if (!r->online || (!c->is_idle && sched__get(&c->state) != SCHED_RUNNING))
		return NULL;
	return sched__class_best(r, now);
}

/* r's best thread of `cookie`: its running one if it has it, else the index's first. */
static struct sched_thread *fill(struct sched_rq *r, sched_cookie_t cookie)
{
	struct sched_thread *c = r->curr;

	if (!r->online)
		return NULL;
	if (!c->is_idle && c->cookie == cookie && c->on_class &&
	    sched__get(&c->state) == SCHED_RUNNING)
		return c;
	return sched__core_find(r, cookie);
}

/*
 * prev keeps its CPU although its class wanted to switch: its slice is over, or its cookie
 * won the core-wide pick over the class's choice. It starts a new turn in its class;
 * otherwise the class would ask again at once, and with a sibling waiting (forced idle)
 * the timer would be re-armed at an instant already past, forever.
 */
static void new_turn(struct sched_rq *rq, struct sched_thread *prev, sched_time_t now)
{
	prev->on_class->put_prev(rq, prev);
	prev->on_class->set_next(rq, prev, now);
}

static bool turn_over(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	return !sched_time_before(now, t->on_class->slice_end(rq, t, t->exec_start));
}

/* Compute every sibling's next thread; returns rq's. rq is the CPU picking, its leaving
 * current thread already off its class. */
static struct sched_thread *core_pick_all(struct sched_rq *rq, struct sched_thread *prev,
					  bool prev_runs, sched_time_t now)
{
	struct sched_core *core = sched__core_of(rq);
	struct sched_thread *best[SCHED_SMT_MAX], *max = NULL;
	struct sched_rq *max_rq = NULL;

	sched__inc(&rq->counters[SCHED_CNT_CORE_PICKS], 1);
	for (unsigned i = 0; i < core->nr_sibs; i++) {
		struct sched_rq *r = sched__sib(rq, i);

		if (r != rq)
			sched__charge_curr(r, now); /* bring its virtual time up to now */
		if (!core->in_fi)
			snapshot_vnow(r);
	}
	for (unsigned i = 0; i < core->nr_sibs; i++) {
		struct sched_rq *r = sched__sib(rq, i);

		best[i] = r == rq ? sched__choose(rq, prev, now) : sibling_best(r, now);
		if (more_urgent(best[i], r, max, max_rq) ||
		    (best[i] && max && !more_urgent(max, max_rq, best[i], r) && best[i] == r->curr))
			max = best[i], max_rq = r; /* ties keep a running thread */
	}
	core->cookie = max ? max->cookie : SCHED_COOKIE_NONE;
	core->in_fi = 0;
	for (unsigned i = 0; i < core->nr_sibs; i++) {
		struct sched_rq *r = sched__sib(rq, i);
		struct sched_thread *p = best[i];

		if (p && p->cookie != core->cookie)
			p = fill(r, core->cookie);
		/* kept running only because its cookie won */
		if (r == rq && prev_runs && p == prev && p != best[i])
			new_turn(rq, prev, now);
		core->in_fi |= best[i] && !p;
		r->core_pick = p;
		r->core_pending = r != rq && p != (runs(r) ? r->curr : NULL);
		if (r->core_pending)
			sched__kick(r, true);
	}
	core->pick_seq = core->task_seq;
	return rq->core_pick;
}

/* Is rq's part of the last core pick still something it can take? */
static bool pick_valid(struct sched_rq *rq, struct sched_thread *p, struct sched_thread *prev,
		       bool prev_runs)
{
	if (!rq->core_pending || sched__core_of(rq)->pick_seq != sched__core_of(rq)->task_seq)
		return false;
	if (!p)
		return true;
	if (p == prev)
		return prev_runs;
	return sched__get(&p->state) == SCHED_RUNNABLE && p->cpu == rq->cpu && p->in_core_tree;
}

/* No tagged thread left on the core: a sibling still forced idle may run what it has. */
static struct sched_thread *choose_untagged(struct sched_rq *rq, struct sched_thread *prev,
					   sched_time_t now)
{
	struct sched_core *core = sched__core_of(rq);

	rq->core_pending = 0;
	for (unsigned i = 0; i < core->nr_sibs; i++)
		if (sched__sib(rq, i)->forced_idle)
			sched__kick(sched__sib(rq, i), true);
	return sched__choose(rq, prev, now);
}

static struct sched_thread *core_choose(struct sched_rq *rq, struct sched_thread *prev,
					bool prev_runs, sched_time_t now)
{
	struct sched_thread *next;

	settle_forced(rq, now);
	if (prev_runs)
		prev->cookie = sched__cookie_resolve(prev);
	if (!rq->online || !core_active(rq))
		return choose_untagged(rq, prev, now);
	if (pick_valid(rq, rq->core_pick, prev, prev_runs)) {
		next = rq->core_pick;
		sched__measure_inc(rq, SCHED_CNT_CORE_REUSED, 1);
	} else {
		next = core_pick_all(rq, prev, prev_runs, now);
	}
	rq->core_pending = 0;
	if (next && conflicts(rq, next)) {
		rq->core_pick = next; /* wait idle until the sibling's own pick releases us */
		rq->core_pending = 1;
		return NULL;
	}
	/* about to be forced idle (prev, if it runs on, goes back to the queue) */
	if (!next && (rq->nr_queued || prev_runs) &&
	    (next = steal_matching(rq, sched__core_of(rq)->cookie)) &&
	    conflicts(rq, next))
		next = NULL;
	return next;
}

/*
 * The pick of a CPU whose core schedules by cookie. rq locked (the core lock); prev's
 * cookie is brought up to date first (a cookie change of a running thread waits for this
 * pick). Returns the thread to run, NULL for idle.
 */
struct sched_thread *sched__core_choose(struct sched_rq *rq, struct sched_thread *prev,
					bool prev_runs, sched_time_t now)
{
	struct sched_thread *next;

	sched__assert_rq_local(rq);
	next = core_choose(rq, prev, prev_runs, now);
	if (next && next == prev && prev_runs && turn_over(rq, prev, now))
		new_turn(rq, prev, now);
	return next;
}

/*
 * rq->curr was just set by rq's pick: record force idle, let the running siblings know
 * that someone now waits for them (their slice end matters), and release siblings whose
 * core pick was waiting for this CPU to switch.
 */
void sched__core_switched(struct sched_rq *rq, sched_time_t now)
{
	struct sched_core *core = sched__core_of(rq);
	bool forced = rq->curr->is_idle && rq->online && rq->nr_queued;
	bool was = rq->forced_idle;

	sched__assert_rq_local(rq);
	sched__set(&rq->running_cookie, rq->curr->is_idle ? SCHED_COOKIE_IDLE : rq->curr->cookie);
	set_forced(rq, forced, now);
	for (unsigned i = 0; i < core->nr_sibs; i++) {
		struct sched_rq *r = sched__sib(rq, i);

		if (r == rq)
			continue;
		/* a pick made stale by a queue change (its thread may have left the core)
		 * is redone: its thread is not read */
		if (r->core_pending && r->curr && r->curr->is_idle &&
		    (core->pick_seq != core->task_seq ||
		     (r->core_pick && !conflicts(r, r->core_pick))))
			sched__kick(r, true);
		else if (forced && !was && runs(r))
			sched__kick(r, false); /* its slice end is now needed */
	}
}

/* --- placement and stealing ------------------------------------------------------------------ */

/* --- invariants ---------------------------------------------------------------------------- */

/* The core invariants, checked on the leader rq (locked). */
int sched__core_check(struct sched_sys *s, struct sched_rq *rq)
{
	struct sched_core *core = sched__core_of(rq);
	unsigned tagged_n = 0, forced = 0;

	sched__assert_rq_locked(rq);
	if (rq->core != rq || !sched__core_on(rq)) /* a core of one CPU keeps no index */
		return 0;
	for (unsigned i = 0; i < core->nr_sibs; i++) {
		struct sched_rq *r = sched__sib(rq, i);
		uint32_t queued = 0;

		if (runs(r) && conflicts(r, r->curr))
			return sched__check_fail(s, "core: siblings run different cookies", r->cpu);
		if (!sched_rb_valid(&r->core_tree))
			return sched__check_fail(s, "core: cookie index is not a valid tree", r->cpu);
		for (struct sched_rb_node *n = r->core_tree.leftmost; n; n = sched_rb_next(n)) {
			struct sched_thread *t = sched__container_of(n, struct sched_thread, core_node);

			if (sched__get(&t->state) != SCHED_RUNNABLE || t->cpu != r->cpu || !t->on_class)
				return sched__check_fail(s, "core: index holds a thread not queued here", t->id);
			if (t->cookie != sched__cookie_resolve(t))
				return sched__check_fail(s, "core: queued thread has a stale cookie", t->id);
			queued++;
			tagged_n += t->cookie != SCHED_COOKIE_NONE;
		}
		if (queued != r->nr_queued)
			return sched__check_fail(s, "core: index and queue disagree", r->cpu);
		if (r->forced_idle && runs(r))
			return sched__check_fail(s, "core: forced idle CPU runs a thread", r->cpu);
		forced += r->forced_idle;
	}
	if (tagged_n != core->nr_tagged || forced != core->nr_forced)
		return sched__check_fail(s, "core: tagged or forced count is off", rq->cpu);
	return 0;
}
