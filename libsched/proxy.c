/* SPDX-License-Identifier: MIT */
/*
 * proxy.c - mutex ownership, the wait queues of mutexes, condition variables and barriers,
 * and proxy execution by lending.
 *
 * Lending rule. The waiters of the SCHED_MUTEX_PROXY mutexes a thread owns are its
 * lenders. Waiters are ordered in three bands: on an SC (by deadline), at a fixed
 * priority (by priority), fair (by weight); equals by arrival. From the first waiter of
 * each band of each mutex it owns, the owner gets:
 *   - the SC of the earliest-deadline one (the SC it runs on, sched__run_sc), unless the
 *     owner's own SC has an earlier deadline or the owner may run outside that SC's CPUs:
 *     the owner is then EDF-ordered by that deadline and its time is charged to that SC's
 *     budget (the lender's, as an IPC donation is charged to the caller's);
 *   - fixed priority max(own, theirs), and weight max(own, theirs): so when a lent budget
 *     runs out, a fixed-priority waiter still lifts the owner above less urgent work.
 * A lender's values already include what its own waiters lend it, so a chain of owners
 * carries them to its end; sched__proxy_chain walks the chain, bounded by
 * SCHED_MUTEX_DEPTH_MAX, and stops where nothing changes.
 *
 * Where the owner runs: on its own queue or CPU. What it inherits moves it as it moves any
 * thread of that rank (realtime push and pull, wake placement); the lender's CPU runs
 * other work meanwhile. Core scheduling applies unchanged (the owner keeps its cookie).
 *
 * Invariants (sched__proxy_check): a thread waiting on an object is BLOCKED and in that
 * object's queue; a mutex's owner has it in its held list; owner chains are acyclic and at
 * most SCHED_MUTEX_DEPTH_MAX long; an SC an owner runs on for a waiter is the SC of the first
 * waiter on an SC of a mutex it owns; its lent priority and weight are what lend_of gives.
 */
#include "internal.h"
#include "account.h"
#include "budget.h"
#include "place.h"
#include "proxy.h"
#include "rq.h"
#include "timeout.h"

/* --- wait queues ------------------------------------------------------------------------------ */

static struct sched_thread *waiter(const struct sched_rb_node *n)
{
	return sched__container_of((struct sched_rb_node *)n, struct sched_thread, wait_node);
}

static bool waits_before(const struct sched_rb_node *a, const struct sched_rb_node *b)
{
	const struct sched_thread *x = waiter(a), *y = waiter(b);

	if (x->wait_slot != y->wait_slot)
		return x->wait_slot < y->wait_slot;
	if (x->wait_key != y->wait_key)
		return x->wait_slot == 0 ? sched__deadline_before(x->wait_key, y->wait_key)
					 : x->wait_key < y->wait_key;
	return (int32_t)(x->wait_seq - y->wait_seq) < 0;
}

/* The run queue of t if it is on one (queued, current, leaving), locked; else NULL. Its
 * SC's deadline and budget are written under that lock (charges). t locked. */
static struct sched_rq *lock_on_cpu(struct sched_sys *s, struct sched_thread *t)
{
	enum sched_state st = (enum sched_state)sched__get(&t->state);

	sched__assert_thread_locked(t);
	return st != SCHED_NEW && st != SCHED_BLOCKED ? sched__lock_thread_rq(s, t) : NULL;
}

static void unlock_on_cpu(struct sched_rq *rq)
{
	if (rq)
		sched__rq_unlock(rq);
}

/* t's rank among waiters, from what it runs with now. t locked (and its rq, if on one). */
static void rank(struct sched_thread *t)
{
	const struct sched_sc *sc = sched__run_sc(t);

	sched__assert_thread_locked(t);
	if (sc) {
		t->wait_slot = 0;
		t->wait_key = sched__get(&sc->deadline); /* the charging CPU writes it */
	} else if (t->rt_prio) {
		t->wait_slot = 1;
		t->wait_key = SCHED_RT_PRIO_MAX + 1u - t->rt_prio;
	} else {
		t->wait_slot = 2;
		t->wait_key = UINT32_MAX - (uint64_t)t->weight;
	}
}

struct sched_thread *sched__waitq_first(const struct sched_waitq *q)
{
	return q->tree.leftmost ? waiter(q->tree.leftmost) : NULL;
}

/* The queue t waits in. */
static struct sched_waitq *queue_of(const struct sched_thread *t)
{
	switch (t->wait_kind) {
	case SCHED_WAIT_MUTEX:
		return &((struct sched_mutex *)t->waits_on)->waiters;
	case SCHED_WAIT_COND:
		return &((struct sched_cond *)t->waits_on)->waiters;
	default:
		return &((struct sched_barrier *)t->waits_on)->waiters;
	}
}

/* t starts waiting on obj, in q. O(log waiters). */
void sched__wait_on(struct sched_sys *s, struct sched_thread *t, void *obj,
		    enum sched_wait_kind kind, struct sched_waitq *q)
{
	sched__assert_locked(&s->mx_lock);
	sched__spin_lock(&t->lock);
	SCHED_ASSERT(!t->waits_on);
	{
		struct sched_rq *rq = lock_on_cpu(s, t); /* a current t's SC is charged under it */

		rank(t);
		unlock_on_cpu(rq);
	}
	t->wait_seq = s->mx_seq++;
	sched_rb_add(&q->tree, &t->wait_node, waits_before);
	q->n++;
	t->wait_kind = (uint8_t)kind;
	sched__set(&t->waits_on, obj);
	/* a new wait: a timeout the timer already took for an earlier one must not end it */
	sched__set(&t->block_seq, t->block_seq + 1);
	sched__spin_unlock(&t->lock);
}

/* t stops waiting (it stays blocked until its waker wakes it). O(log waiters). */
void sched__wait_off(struct sched_sys *s, struct sched_thread *t, struct sched_waitq *q)
{
	sched__assert_locked(&s->mx_lock);
	SCHED_ASSERT(t->waits_on && q->n);
	sched__spin_lock(&t->lock);
	sched_rb_erase(&q->tree, &t->wait_node);
	q->n--;
	t->wait_kind = SCHED_WAIT_NONE;
	sched__set(&t->waits_on, NULL);
	sched__spin_unlock(&t->lock);
}

/* --- ownership -------------------------------------------------------------------------------- */

/*
 * Could blocked t run if woken now? 0, or why not: a passive thread with no SC to run on
 * (-SCHED_ENOSC), an affinity with no online CPU (-SCHED_EAFFINITY). A mutex is never
 * handed to a thread that cannot run: it would hold it blocked. O(nr_cpus).
 */
static int cannot_run(struct sched_sys *s, struct sched_thread *t)
{
	int ret = 0;

	sched__spin_lock(&t->lock);
	if (sched__get(&t->passive) && !sched__run_sc(t))
		ret = -SCHED_ENOSC;
	else if (sched__pick_other_cpu(s, t, s->nr_cpus) < 0)
		ret = -SCHED_EAFFINITY;
	sched__spin_unlock(&t->lock);
	return ret;
}

/* t owns free m now; its wait ends with `result`, or -SCHED_EOWNERDEAD if the last owner
 * died holding m (told once). The caller updates t's lending. O(1). */
void sched__mutex_take(struct sched_sys *s, struct sched_mutex *m, struct sched_thread *t,
		       int result)
{
	sched__assert_locked(&s->mx_lock);
	SCHED_ASSERT(!m->owner && t->nr_held < SCHED_MUTEX_HELD_MAX);
	m->owner = t;
	sched__list_add_tail(&t->held, &m->held_node);
	t->nr_held++;
	t->wait_result = (int8_t)(m->owner_died ? -SCHED_EOWNERDEAD : result);
	m->owner_died = 0;
}

/*
 * m's owner lets it go: the most urgent waiter owns it now and is returned (the caller
 * updates both threads' lending and wakes it), or m is free and NULL is returned.
 * O(log waiters).
 */
struct sched_thread *sched__mutex_pass(struct sched_sys *s, struct sched_mutex *m, int result)
{
	struct sched_thread *o = m->owner, *w;

	sched__assert_locked(&s->mx_lock);
	SCHED_ASSERT(o && o->nr_held);
	sched__list_del(&m->held_node);
	o->nr_held--;
	m->owner = NULL;
	if (result == -SCHED_EOWNERDEAD)
		m->owner_died = 1;
	while ((w = sched__waitq_first(&m->waiters))) { /* bounded by the waiters */
		int why = cannot_run(s, w);

		sched__wait_off(s, w, &m->waiters);
		if (!why) {
			sched__mutex_take(s, m, w, w->wait_result);
			return w;
		}
		w->wait_result = (int8_t)why; /* its wait ends; the kernel wakes it later */
	}
	return NULL;
}

/* Would `me` waiting for m close a cycle of owners, or make the chain too long? */
int sched__mutex_chain_check(const struct sched_mutex *m, const struct sched_thread *me)
{
	const struct sched_thread *o = m->owner;

	for (unsigned d = 0; o; d++) {
		if (o == me)
			return -SCHED_EDEADLK;
		if (d >= SCHED_MUTEX_DEPTH_MAX)
			return -SCHED_EDEPTH;
		if (o->wait_kind != SCHED_WAIT_MUTEX)
			return 0;
		o = ((const struct sched_mutex *)o->waits_on)->owner;
	}
	return 0;
}

/* --- lending ---------------------------------------------------------------------------------- */

struct lend {
	struct sched_sc *sc;
	uint8_t rt;
	uint32_t weight;
};

/* The first waiter of band `slot` in q, or NULL: the waiters are ordered by band first.
 * O(log waiters). */
static struct sched_thread *first_of(const struct sched_waitq *q, unsigned slot)
{
	struct sched_rb_node *n = q->tree.root;
	struct sched_thread *best = NULL;

	while (n) { /* lower bound: the leftmost node whose band is >= slot */
		struct sched_thread *w = waiter(n);

		if (w->wait_slot >= slot) {
			best = w;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best && best->wait_slot == slot ? best : NULL;
}

/* What t's lenders lend it now (see the rule at the top), its own SC counted unless it is
 * `gone` (being taken from it). t locked. O(held x log waiters). */
static struct lend lend_of(const struct sched_thread *t, const struct sched_sc *gone)
{
	const struct sched_sc *own = t->sc == gone ? NULL : t->sc;
	const struct sched_thread *edf = NULL;
	struct lend l = { 0 };
	unsigned n = 0;

	for (const struct sched_list *x = t->held.next; x != &t->held && n < SCHED_MUTEX_HELD_MAX;
	     x = x->next, n++) {
		const struct sched_mutex *m = sched__container_of(x, struct sched_mutex, held_node);

		for (unsigned slot = 0; slot < 3 && !(m->flags & SCHED_MUTEX_PLAIN); slot++) {
			const struct sched_thread *w = first_of(&m->waiters, slot);

			if (!w)
				continue;
			if (slot == 0 && (!edf || waits_before(&w->wait_node, &edf->wait_node)))
				edf = w;
			if (sched__get(&w->rt_prio) > l.rt)
				l.rt = sched__get(&w->rt_prio);
			if (w->weight > l.weight)
				l.weight = w->weight;
		}
	}
	l.sc = edf ? sched__run_sc(edf) : NULL;
	if (l.sc && (l.sc == own || l.sc == gone ||
		     !sched_cpumask_subset(&t->affinity, &l.sc->cpus) ||
		     (own && !sched__deadline_before(sched__get(&l.sc->deadline),
						   sched__get(&own->deadline)))))
		l.sc = NULL; /* its own SC is at least as urgent, or it may run elsewhere */
	return l;
}

/* Change what t runs with, under its lock and rq's (its run queue, or NULL if it is on
 * none); a queued t moves to where that puts it, a current one at its CPU's next pick. */
static void apply(struct sched_sys *s, struct sched_thread *t, struct lend l, struct sched_rq *rq)
{
	sched_time_t now = sched_arch_now();
	uint32_t old = t->weight;

	if (rq) {
		sched__charge_curr(rq, now); /* what it used so far, at its old parameters */
		if (t->sc_wait) /* keyed by its old SC's refill */
			sched__budget_wait_del(rq, t, now);
	} else {
		sched__wait_switched(t); /* the pick that blocked it may still read them */
	}
	__atomic_store_n(&t->mx_sc, l.sc, __ATOMIC_RELAXED);
	t->lent_rt = l.rt;
	sched__set(&t->rt_prio, t->rt_own > l.rt ? t->rt_own : l.rt);
	t->lent_weight = l.weight;
	t->weight = t->weight_own > l.weight ? t->weight_own : l.weight;
	if (t->weight != old)
		sched__reweight(s, rq, t, old);
	if (t->waits_on) { /* its place among the waiters it is one of */
		struct sched_waitq *q = queue_of(t);

		sched_rb_erase(&q->tree, &t->wait_node);
		rank(t);
		sched_rb_add(&q->tree, &t->wait_node, waits_before);
	}
	if (!rq)
		return;
	/* a current thread waits for its (new) SC's refill whenever its gate says so (its
	 * class may not change, so no pick would add it); a queued one is put back by the
	 * requeue */
	if (rq->curr == t && !(t->on_class && t->on_class->budgeted) &&
	    (sched__gate(t, now) == SCHED_GATE_WAIT || sched__gate(t, now) == SCHED_GATE_DEMOTED))
		sched__budget_wait_add(rq, t, now); /* (a budgeted one leaves its class at the
						     * pick the requeue asks for, which adds it) */
	sched__requeue(rq, t, now);
}

/*
 * Recompute what t's lenders lend it and apply it if that changed. Returns whether it did.
 * O(held mutexes + class requeue).
 */
static bool update_without(struct sched_sys *s, struct sched_thread *t, bool sc_held,
			   const struct sched_sc *gone)
{
	bool sc_locked = false, changed;
	struct sched_rq *rq;
	struct lend l;

	sched__assert_locked(&s->mx_lock);
	if (s->scs && !sc_held) { /* SC bindings and states are sc_lock's */
		sched__spin_lock(&s->sc_lock);
		sc_locked = true;
	}
	sched__spin_lock(&t->lock);
	rq = lock_on_cpu(s, t); /* the SCs it runs on and is lent are charged under it */
	l = lend_of(t, gone);
	changed = l.sc != t->mx_sc || l.rt != t->lent_rt || l.weight != t->lent_weight;
	if (changed)
		apply(s, t, l, rq);
	unlock_on_cpu(rq);
	sched__spin_unlock(&t->lock);
	if (sc_locked)
		sched__spin_unlock(&s->sc_lock);
	return changed;
}

static bool update(struct sched_sys *s, struct sched_thread *t, bool sc_held)
{
	return update_without(s, t, sc_held, NULL);
}

bool sched__proxy_update(struct sched_sys *s, struct sched_thread *t)
{
	return update(s, t, false);
}

/* sc is about to be taken from t (revoke, unbind): t lends as if it had no SC of its own,
 * before the strip, so an owner made passive runs on a waiter's SC instead of blocking
 * with the mutex. mx_lock and sc_lock held. */
void sched__proxy_losing(struct sched_sys *s, struct sched_thread *t, const struct sched_sc *sc)
{
	if (t)
		update_without(s, t, true, sc);
}

/* Carry m's waiters' change down the owners; `all`: every owner, even past one that did
 * not change (an SC changed under the chain: an owner further down may have lent it). */
static void chain(struct sched_sys *s, struct sched_mutex *m, bool sc_held, bool all)
{
	for (unsigned d = 0; d <= SCHED_MUTEX_DEPTH_MAX && m && m->owner; d++) {
		struct sched_thread *o = m->owner;

		if ((!update(s, o, sc_held) && !all) || o->wait_kind != SCHED_WAIT_MUTEX)
			return;
		m = o->waits_on;
	}
}

/* m's waiters changed: carry it to m's owner, and on along the owners it waits for. */
void sched__proxy_chain(struct sched_sys *s, struct sched_mutex *m)
{
	chain(s, m, false, false);
}

/*
 * t's own parameters changed (sched_set_rt, sched_set_fair, its SC bound, unbound,
 * configured or revoked; its exit): as an owner it takes what its waiters lend again; if
 * it waits, it takes its new place among the waiters and every owner down the chain
 * lends again. sc_held: the caller holds sc_lock. O(chain x (held + log waiters)).
 */
void sched__proxy_resync(struct sched_sys *s, struct sched_thread *t, bool sc_held)
{
	sched__assert_locked(&s->mx_lock);
	if (!t)
		return;
	update(s, t, sc_held);
	if (!t->waits_on)
		return;
	sched__spin_lock(&t->lock);
	{
		struct sched_waitq *q = queue_of(t);

		sched_rb_erase(&q->tree, &t->wait_node);
		rank(t);
		sched_rb_add(&q->tree, &t->wait_node, waits_before);
	}
	sched__spin_unlock(&t->lock);
	if (t->wait_kind == SCHED_WAIT_MUTEX)
		chain(s, t->waits_on, sc_held, true);
}

/*
 * The owners that run on sc for a waiter: they are down the chain of mutex owners that
 * starts at sc's holder (a lent SC is its lender's run SC, and a lender is a waiter).
 * Calls take() on each; stops early if it returns true. mx_lock and sc_lock held.
 * O(chain).
 */
static struct sched_thread *borrowers(struct sched_sys *s, const struct sched_sc *sc,
				      bool (*take)(struct sched_sys *, struct sched_thread *))
{
	const struct sched_thread *w = sc->holder;

	sched__assert_locked(&s->mx_lock);
	for (unsigned d = 0; w && w->wait_kind == SCHED_WAIT_MUTEX && d <= SCHED_MUTEX_DEPTH_MAX;
	     d++) {
		struct sched_thread *o = ((const struct sched_mutex *)w->waits_on)->owner;

		if (o && o->mx_sc == sc && take(s, o))
			return o;
		w = o;
	}
	return NULL;
}

static bool give_back(struct sched_sys *s, struct sched_thread *o)
{
	struct lend l = { NULL, o->lent_rt, o->lent_weight };
	struct sched_rq *rq;

	sched__spin_lock(&o->lock);
	rq = lock_on_cpu(s, o);
	apply(s, o, l, rq);
	unlock_on_cpu(rq);
	sched__spin_unlock(&o->lock);
	return false;
}

static bool runs(struct sched_sys *s, struct sched_thread *o)
{
	uint8_t st = sched__get(&o->state);

	(void)s;
	return st == SCHED_RUNNABLE || st == SCHED_RUNNING || st == SCHED_MIGRATING;
}

/* sc is taken from its holder (revoke, unbind): no owner runs on it for a waiter any more,
 * at once if it runs. The caller resyncs the holder after. mx_lock and sc_lock held. */
void sched__proxy_unlend(struct sched_sys *s, const struct sched_sc *sc)
{
	borrowers(s, sc, give_back);
}

/* A runnable owner that runs on sc for a waiter, or NULL. mx_lock and sc_lock held. */
struct sched_thread *sched__proxy_borrower(struct sched_sys *s, const struct sched_sc *sc)
{
	return borrowers(s, sc, runs);
}

/* --- the ends of a wait ------------------------------------------------------------------------ */

/* w leaves condition c to take its mutex back: at once if it is free (true: the caller wakes
 * w), else by waiting for it, lending to its owner like any waiter. */
static bool cond_to_mutex(struct sched_sys *s, struct sched_thread *w, struct sched_cond *c,
			  bool *taken)
{
	struct sched_mutex *m = w->cond_mx;
	int why;

	sched__wait_off(s, w, &c->waiters);
	w->cond_mx = NULL;
	*taken = true;
	if (!m->owner && (why = cannot_run(s, w))) {
		w->wait_result = (int8_t)why; /* never handed a mutex it would hold blocked */
		*taken = false;
		return false;
	}
	if (!m->owner) {
		sched__mutex_take(s, m, w, w->wait_result);
		sched__proxy_update(s, w);
		return true;
	}
	if ((why = sched__mutex_chain_check(m, w)) < 0) {
		w->wait_result = (int8_t)why; /* its owners wait for it: it does not own m */
		return true;
	}
	sched__wait_on(s, w, m, SCHED_WAIT_MUTEX, &m->waiters);
	sched__proxy_chain(s, m);
	return false;
}

/*
 * The most urgent waiter of c is signalled: it owns its mutex at once if that is free
 * (returned: the caller wakes it), or waits for it from now on, without the timeout of
 * its condition wait (NULL). O(log waiters + chain).
 */
struct sched_thread *sched__cond_wake(struct sched_sys *s, struct sched_cond *c, bool *taken)
{
	struct sched_thread *w = sched__waitq_first(&c->waiters);

	*taken = false;
	if (!w)
		return NULL;
	sched__spin_lock(&w->lock);
	sched__timeout_cancel(s, w);
	sched__spin_unlock(&w->lock);
	return cond_to_mutex(s, w, c, taken) ? w : NULL;
}

/*
 * Blocked t's wait timed out. A mutex wait ends; a condition wait goes on to take its mutex
 * (at once if free). Returns whether t may be woken now. O(log waiters + chain).
 */
bool sched__wait_timeout(struct sched_sys *s, struct sched_thread *t)
{
	sched__assert_locked(&s->mx_lock);
	t->wait_result = -SCHED_ETIMEDOUT;
	if (t->wait_kind == SCHED_WAIT_MUTEX) {
		struct sched_mutex *m = t->waits_on;

		sched__wait_off(s, t, &m->waiters);
		sched__proxy_chain(s, m);
		sched__proxy_update(s, t);
		return true;
	}
	SCHED_ASSERT(t->wait_kind == SCHED_WAIT_COND); /* barrier waits have no timeout */
	{
		bool taken;

		return cond_to_mutex(s, t, t->waits_on, &taken) || !taken;
	}
}

/*
 * Exited t leaves its wait and hands every mutex it owns to its most urgent waiter, with
 * "owner died" (robust mutexes). Stores the new owners in wake[] (SCHED_MUTEX_HELD_MAX
 * entries) for the caller to wake; returns how many. O(held x (log waiters + held)).
 */
unsigned sched__proxy_exit(struct sched_sys *s, struct sched_thread *t, struct sched_thread **wake)
{
	unsigned n = 0;

	sched__assert_locked(&s->mx_lock);
	if (t->waits_on) {
		struct sched_mutex *m = t->wait_kind == SCHED_WAIT_MUTEX ? t->waits_on : NULL;

		if (t->wait_kind == SCHED_WAIT_BARRIER)
			((struct sched_barrier *)t->waits_on)->arrived--;
		sched__wait_off(s, t, queue_of(t));
		t->cond_mx = NULL;
		if (m)
			sched__proxy_chain(s, m);
	}
	while (!sched__list_empty(&t->held) && n < SCHED_MUTEX_HELD_MAX) {
		struct sched_mutex *m = sched__container_of(t->held.next, struct sched_mutex, held_node);
		struct sched_thread *w = sched__mutex_pass(s, m, -SCHED_EOWNERDEAD);

		if (w) {
			sched__proxy_update(s, w);
			wake[n++] = w;
		}
	}
	sched__proxy_update(s, t); /* nothing left to lend it */
	return n;
}

/* --- the checker ------------------------------------------------------------------------------ */

/* Does a first waiter on an SC of a mutex t owns run on sc? */
static bool lends_sc(const struct sched_thread *t, const struct sched_sc *sc)
{
	unsigned n = 0;

	for (const struct sched_list *x = t->held.next; x != &t->held && n < SCHED_MUTEX_HELD_MAX;
	     x = x->next, n++) {
		const struct sched_mutex *m = sched__container_of(x, struct sched_mutex, held_node);
		const struct sched_thread *w = first_of(&m->waiters, 0);

		if (w && sched__run_sc(w) == sc)
			return true;
	}
	return false;
}

/* The waiters of m, owned by t, are blocked waiting on it. Bounded by the tree's size. */
static int check_waiters(struct sched_sys *s, const struct sched_mutex *m)
{
	unsigned n = 0;

	if (!sched_rb_valid((struct sched_rb_tree *)&m->waiters.tree))
		return sched__check_fail(s, "mutex waiters are not a red-black tree", m->owner->id);
	for (struct sched_rb_node *x = m->waiters.tree.leftmost; x && n <= m->waiters.n;
	     x = sched_rb_next(x), n++) {
		const struct sched_thread *w = waiter(x);

		if (w->waits_on != m || w->wait_kind != SCHED_WAIT_MUTEX)
			return sched__check_fail(s, "mutex waiter waits on something else", w->id);
		if (sched__get(&w->state) != SCHED_BLOCKED)
			return sched__check_fail(s, "thread runs while it waits on a mutex", w->id);
	}
	if (n != m->waiters.n)
		return sched__check_fail(s, "mutex waiter count is wrong", m->owner->id);
	return 0;
}

/*
 * t's mutex state: waiting means blocked and an acyclic, bounded chain of owners; what it
 * owns names it as the owner, its waiters wait on it; an SC it runs on for a waiter is
 * a first SC waiter's, lent priority and weight are the waiters' now. mx_lock held.
 * O(held x waiters + chain).
 */
int sched__proxy_check(struct sched_sys *s, struct sched_thread *t)
{
	const struct sched_thread *o = t;
	unsigned n = 0;
	int ret;

	sched__assert_locked(&s->mx_lock);
	if (t->waits_on && sched__get(&t->state) != SCHED_BLOCKED)
		return sched__check_fail(s, "thread runs while it waits", t->id);
	for (unsigned d = 0; o->wait_kind == SCHED_WAIT_MUTEX; d++) {
		o = ((const struct sched_mutex *)o->waits_on)->owner;
		if (!o || o == t || d > SCHED_MUTEX_DEPTH_MAX)
			return sched__check_fail(s, "mutex owner chain is broken, cyclic or too long",
						 t->id);
	}
	for (const struct sched_list *x = t->held.next; x != &t->held; x = x->next) {
		const struct sched_mutex *m = sched__container_of(x, struct sched_mutex, held_node);

		if (++n > t->nr_held || m->owner != t || m->magic != SCHED_MUTEX_MAGIC)
			return sched__check_fail(s, "held mutex list is wrong", t->id);
		if ((ret = check_waiters(s, m)))
			return ret;
	}
	if (n != t->nr_held)
		return sched__check_fail(s, "held mutex count is wrong", t->id);
	if (t->mx_sc && !lends_sc(t, t->mx_sc))
		return sched__check_fail(s, "thread runs on an SC no waiter lends it", t->id);
	{
		struct lend l = lend_of(t, NULL); /* (its SC part may drift with deadlines) */

		if (l.rt != t->lent_rt || l.weight != t->lent_weight)
			return sched__check_fail(s, "lent priority or weight is not the waiters'",
						 t->id);
	}
	return 0;
}
