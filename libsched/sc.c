/* SPDX-License-Identifier: MIT */
/*
 * sc.c - SchedulingContext objects: capabilities, binding, revoke, donation over IPC, the
 * refill wait, and the fate of a thread (which class it belongs on).
 *
 * Ownership of an SC: at most one thread runs on it, its holder. The holder is the bound
 * thread, or a server the bound thread (or a server above it) called: donation links
 * (t->donor) lead from the holder back down to the bound thread, at most
 * SCHED_DONATION_DEPTH_MAX of them.
 *
 * Locks: s->sc_lock, then thread locks, then run-queue locks. Bindings and donation links
 * change only under sc_lock; a thread's sc field also under its thread lock or, while it is
 * runnable, the lock of its run queue (the charge path reads it under that lock alone).
 * Thread entries take sc_lock only when the thread is involved with an SC (sc, own_sc, donor
 * or passive set), so threads without SCs never touch it.
 */
#include "internal.h"
#include "explain.h"
#include "account.h"
#include "auth.h"
#include "budget.h"
#include "place.h"
#include "proxy.h"
#include "refill.h"
#include "rq.h"
#include "sc.h"
#include "trace.h"
#include <sched/island.h>

/* --- fate and budget on the CPU (rq locked) ------------------------------------------------- */

/* --- the refill wait: runnable SC threads without budget, by refill instant ----------------- */

/* --- locking of thread entries ------------------------------------------------------------- */

bool sched__sc_involved(const struct sched_thread *t)
{
	/* read before t's lock is taken (the decision is checked again under it): every
	 * field read here is written with sched__set */
	return sched__get(&t->sc) || sched__get(&t->own_sc) || sched__get(&t->donor) ||
	       sched__get(&t->passive) || sched__get(&t->mx_sc);
}

/* In the fixed-priority registry of admission (sc_admit.c): exit must take it out. t locked. */
static bool rt_registered(const struct sched_sys *s, const struct sched_thread *t)
{
	return s->admit_tasks && sched__get(&t->rt_own);
}

/* Take sc_lock if the system has SCs and `t` (may be NULL) looks involved. */
bool sched__sc_lock(struct sched_sys *s, const struct sched_thread *t)
{
	if (!s->scs || (t && !sched__sc_involved(t)))
		return false;
	sched__spin_lock(&s->sc_lock);
	return true;
}

void sched__sc_unlock(struct sched_sys *s, bool locked)
{
	if (locked)
		sched__spin_unlock(&s->sc_lock);
}

/*
 * Lock thread t, with sc_lock before it if t is involved with an SC. Only a holder of
 * sc_lock and t's lock can make t involved, so the check under t's lock is final; the
 * second attempt always takes sc_lock. Returns whether sc_lock is held.
 */
bool sched__lock_thread(struct sched_sys *s, struct sched_thread *t)
{
	bool locked = sched__sc_lock(s, t);

	sched__spin_lock(&t->lock);
	if (!locked && s->scs && (sched__sc_involved(t) || rt_registered(s, t))) {
		sched__spin_unlock(&t->lock);
		locked = sched__sc_lock(s, NULL);
		sched__spin_lock(&t->lock);
	}
	return locked;
}

void sched__unlock_thread(struct sched_sys *s, struct sched_thread *t, bool sc_locked)
{
	sched__spin_unlock(&t->lock);
	sched__sc_unlock(s, sc_locked);
}

/* --- wake, block, call and reply (thread locks held; sc_lock if involved, but see sc.h) ---- */

/*
 * May t be made runnable? Not a passive thread without an SC (nothing to run on), and not
 * a caller whose SC (its own, or one lent to it) is lent on to a server: only the reply (or
 * the server's exit) resumes it, with the SC; running it meanwhile would strand the SC with
 * the server or let a call cycle form.
 */
int sched__sc_wake_check(struct sched_thread *t)
{
	/* without sc_lock when t looked uninvolved: its links may be cleared meanwhile under
	 * sc_lock alone (unwind), so the reads are atomic */
	struct sched_sc *sc = sched__get(&t->sc), *own = sched__get(&t->own_sc);

	sched__assert_thread_locked(t);
	if (!sc && sched__get(&t->donor)) /* a server blocked in its own call: waits for that reply */
		return -SCHED_ELENT;
	if (sched__get(&t->passive) && !sc && !sched__get(&t->mx_sc))
		return -SCHED_ENOSC;
	return own && sc != own ? -SCHED_ELENT : 0;
}

/* t is being woken; `donated`: its SC continues a caller's job (call/reply), no new job. */
void sched__sc_woken(struct sched_thread *t, bool donated, sched_time_t now)
{
	sched__assert_thread_locked(t);
	sched__set(&t->sc_fault, 0);
	if (t->sc && !donated) {
		sched__refill_unblock(t->sc, now);
		if (t->sc == t->own_sc) { /* a job starts */
			t->sc->job_deadline = now + t->sc->rel_deadline;
			t->sc->job_late = 0;
		}
	}
}

/* t blocks: a job on its own SC that ends after its deadline is a miss. t and rq locked. */
void sched__sc_blocked(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	sched__assert_thread_locked(t);
	sched__budget_job_check(rq, t, now);
}

static unsigned chain_depth(const struct sched_thread *t)
{
	unsigned d = 0;

	for (; t->donor && d <= SCHED_DONATION_DEPTH_MAX; t = t->donor)
		d++;
	return d;
}

/* t (rq locked, its CPU's) loses t->sc: out of the refill wait first, whose key is the
 * refill instant of the SC it runs on, if that is t->sc. A mutex waiter's SC it borrows
 * (mx_sc) is the one it runs on and waits for, and it keeps that one: a borrower demoted
 * until the lent SC's refill stays in the refill wait, since that wait is all that brings
 * a running one back to EDF (its class does not change, so no pick would add it again). */
static void drop_sc(struct sched_rq *rq, struct sched_thread *t)
{
	sched__assert_rq_locked(rq);
	SCHED_ASSERT(t->cpu == rq->cpu);
	if (t->sc_wait && !t->mx_sc)
		sched__budget_wait_del(rq, t, sched_arch_now());
	__atomic_store_n(&t->sc, NULL, __ATOMIC_RELAXED);
}

/* Move `sc` from `from` (current on rq, locked) to `to` (blocked) along a donation step. */
static void give(struct sched_rq *rq, struct sched_sc *sc, struct sched_thread *from,
		 struct sched_thread *to)
{
	sched__assert_rq_locked(rq);
	SCHED_ASSERT(rq->curr == from);
	drop_sc(rq, from);
	__atomic_store_n(&to->sc, sc, __ATOMIC_RELAXED);
	sc->holder = to;
}

/*
 * The SC side of a call (me -> server `to`) or a reply (server me -> caller `to`), before
 * either changes state. Call: the caller's SC is lent to a server without an SC of its
 * own. Reply: a lent SC goes back to the caller it came from. Returns 1 if an SC moved, 0
 * if none did, or an error with nothing changed. me is current on this CPU, to blocked;
 * sc_lock (when either is involved), both thread locks and me's rq lock held.
 */
int sched__sc_handoff(struct sched_sys *s, struct sched_thread *me, struct sched_thread *to,
		      bool reply)
{
	struct sched_sc *sc = me->sc;
	struct sched_rq *rq = sched__rq(s, me->cpu);

	sched__assert_thread_locked(me);
	sched__assert_thread_locked(to);
	sched__assert_rq_locked(rq);
	SCHED_ASSERT(!s->scs || sched__lock_mine(&s->sc_lock) ||
		     (!sched__sc_involved(me) && !sched__sc_involved(to)));
	/* atomic reads: without sc_lock (neither looked involved) links may be cleared meanwhile */
	if (!sched__get(&to->sc) && sched__get(&to->donor) && !(reply && sched__get(&me->donor) == to))
		return -SCHED_ELENT; /* to waits for a reply: a donation would make a cycle */
	if (!reply && sc && !sched__get(&to->own_sc) && !sched__get(&to->sc)) {
		if (chain_depth(me) >= SCHED_DONATION_DEPTH_MAX)
			return -SCHED_EDEPTH;
		if (!sched_cpumask_subset(&to->affinity, &sc->cpus))
			return -SCHED_EAFFINITY;
		give(rq, sc, me, to);
		sched__set(&to->donor, me);
		return 1;
	}
	if (reply && sc && me->donor == to) {
		give(rq, sc, me, to);
		sched__set(&me->donor, NULL);
		return 1;
	}
	return sched__sc_wake_check(to);
}

/* Undo a donation step made by sched__sc_handoff (the wake that followed failed); me
 * goes back into the refill wait it was in (`waited`). rq is me's, locked. */
void sched__sc_handoff_undo(struct sched_rq *rq, struct sched_thread *me, struct sched_thread *to,
			    bool reply, bool waited)
{
	struct sched_sc *sc = to->sc;

	sched__assert_thread_locked(me);
	sched__assert_thread_locked(to);
	sched__assert_rq_locked(rq);
	__atomic_store_n(&to->sc, NULL, __ATOMIC_RELAXED); /* to never got queued */
	__atomic_store_n(&me->sc, sc, __ATOMIC_RELAXED);
	sc->holder = me;
	if (waited && !me->sc_wait)
		sched__budget_wait_add(rq, me, sched_arch_now());
	if (reply)
		sched__set(&me->donor, to);
	else
		sched__set(&to->donor, NULL);
}

/* --- taking an SC away from a thread (sc_lock held) ---------------------------------------- */

/*
 * `h` loses the SC it runs on. Queued: it moves to the fair class, or blocks if passive.
 * Current: its CPU picks again at once (an IPI), without charging the SC meanwhile.
 * Takes h's thread lock unless the caller holds it (`locked`), then its rq lock.
 */
static void strip(struct sched_sys *s, struct sched_thread *h, bool locked)
{
	unsigned long flags = sched_arch_irq_save();
	struct sched_rq *rq;
	uint8_t st;

	sched__assert_locked(&s->sc_lock);
	SCHED_ASSERT(!locked || sched__lock_mine(&h->lock));
	if (!locked)
		sched__spin_lock(&h->lock);
	rq = sched__lock_thread_rq(s, h); /* an exited h may still be current */
	st = sched__get(&h->state);
	if (rq->curr == h)
		sched__charge_curr(rq, sched_arch_now());
	drop_sc(rq, h);
	sched__set(&h->donor, NULL);
	if (st == SCHED_RUNNABLE || st == SCHED_RUNNING || st == SCHED_MIGRATING)
		sched__requeue(rq, h, sched_arch_now());
	sched__rq_unlock(rq);
	if (!locked)
		sched__unlock_irq(&h->lock, flags);
}

/*
 * Pull `sc` back to `to` (a blocked thread on its donation chain, or NULL: nobody): every
 * thread above `to` loses it and its link. The holder is stripped (its thread lock is
 * taken unless it is `self`, whose lock the caller holds). O(chain depth).
 */
static void unwind(struct sched_sys *s, struct sched_sc *sc, struct sched_thread *to,
		   struct sched_thread *self)
{
	struct sched_thread *h = sc->holder, *x, *below;

	sched__assert_locked(&s->sc_lock);
	SCHED_ASSERT(!self || sched__lock_mine(&self->lock));
	if (!h || h == to)
		return;
	for (x = h->donor; x && x != to; x = below) { /* the blocked links above `to` */
		below = x->donor;
		sched__set(&x->donor, NULL);
	}
	strip(s, h, h == self);
	sc->holder = NULL;
	if (to) {
		__atomic_store_n(&to->sc, sc, __ATOMIC_RELAXED);
		sc->holder = to;
	}
}

/* The SC that a chain member `t` (holder, or a blocked link or root below the holder) is on. */
static struct sched_sc *chain_sc(struct sched_thread *t)
{
	unsigned d = 0;

	if (t->sc)
		return t->sc;
	while (t->donor && d++ < SCHED_DONATION_DEPTH_MAX)
		t = t->donor;
	return t->own_sc && t->own_sc->holder != t ? t->own_sc : NULL;
}

/*
 * Before t's exit takes its lock (mx_lock and sc_lock held, no thread lock): the SCs the
 * exit takes from their holders (the one t is on, its own) are first taken from every
 * mutex owner they are lent to. Stores their holders in h[2] for the caller to resync
 * after the exit; returns how many. O(chain).
 */
unsigned sched__sc_exit_unlend(struct sched_sys *s, struct sched_thread *t,
			       struct sched_thread **h)
{
	struct sched_sc *a = chain_sc(t), *b = t->own_sc; /* sc_lock's */
	unsigned n = 0;

	sched__assert_locked(&s->sc_lock);
	if (a) {
		h[n++] = a->holder;
		sched__proxy_unlend(s, a);
	}
	if (b && b != a) {
		h[n++] = b->holder;
		sched__proxy_unlend(s, b);
	}
	return n;
}

/*
 * Thread t exits (sc_lock and t's lock held; t already off its queue or marked EXITED on
 * its CPU). A lent SC goes back to the caller below t; an SC lent through t is taken from
 * everyone above t and goes back below it; t's own SC is unbound (it stays valid for its
 * capability holders, with no thread). O(chain depth).
 */
void sched__sc_exit(struct sched_sys *s, struct sched_thread *t)
{
	struct sched_sc *sc;

	sched__assert_locked(&s->sc_lock);
	sched__assert_thread_locked(t);
	sc = chain_sc(t);
	if (sc)
		unwind(s, sc, t->donor, t);
	if (t->own_sc) {
		t->own_sc->bound = NULL;
		if (t->own_sc->holder == t)
			t->own_sc->holder = NULL;
	}
	sched__set(&t->donor, NULL);
	sched__set(&t->own_sc, NULL);
	sched__set(&t->passive, 0);
}

/* --- capabilities ------------------------------------------------------------------------- */

/* The SC a capability names, if live and granting `right`; else NULL with *err set. */
static struct sched_sc *lookup(struct sched_sys *s, struct sched_sc_cap cap, uint32_t right,
			       int *err)
{
	struct sched_sc *sc;

	*err = -SCHED_EINVAL;
	if (!s || !s->scs || cap.index >= s->nr_scs)
		return NULL;
	sc = &s->scs[cap.index];
	*err = -SCHED_ESTALE;
	if (sc->gen != cap.gen || sc->state == SCHED_SC_FREE)
		return NULL;
	*err = -SCHED_EPERM;
	if (!(cap.rights & right))
		return NULL;
	*err = 0;
	return sc;
}

int sched_sc_pool(struct sched_sys *s, struct sched_sc *scs, unsigned n)
{
	if (!s || !scs || !n || n > (1u << 24))
		return -SCHED_EINVAL;
	if (s->scs)
		return -SCHED_EEXIST;
	for (unsigned i = 0; i < n; i++) {
		scs[i] = (struct sched_sc){ 0 };
		scs[i].index = i;
		scs[i].gen = 1;
	}
	s->nr_scs = n;
	__atomic_store_n(&s->scs, scs, __ATOMIC_RELEASE);
	return 0;
}

int sched_sc_create(struct sched_sys *s, struct sched_group *owner, struct sched_refill *refills,
		    unsigned nr_refills, struct sched_sc_cap *out)
{
	unsigned long flags;
	int ret = -SCHED_EFULL;

	if (!s || !refills || !out || !nr_refills || nr_refills > SCHED_SC_REFILLS_MAX)
		return -SCHED_EINVAL;
	if (!s->scs)
		return -SCHED_EFULL; /* no pool given: no slot at all */
	flags = sched__lock_irq(&s->sc_lock);
	for (unsigned i = 0; i < s->nr_scs; i++) {
		struct sched_sc *sc = &s->scs[i];

		if (sc->state != SCHED_SC_FREE)
			continue;
		*sc = (struct sched_sc){ .gen = sc->gen, .index = i, .state = SCHED_SC_CREATED };
		sc->refill = refills;
		sc->cap = (uint16_t)nr_refills;
		sc->owner = owner;
		*out = (struct sched_sc_cap){ i, sc->gen, SCHED_SC_ALL };
		ret = 0;
		break;
	}
	sched__unlock_irq(&s->sc_lock, flags);
	return ret;
}

int sched__sc_params_check(struct sched_sys *s, const struct sched_sc *sc,
			   const struct sched_sc_params *p)
{
	uint64_t d = p->deadline_ns ? p->deadline_ns : p->period_ns;

	if (!p->period_ns || p->period_ns > SCHED_SC_PERIOD_MAX_NS || p->budget_ns > p->period_ns ||
	    p->budget_ns < SCHED_SC_BUDGET_MIN_NS || d < p->budget_ns || d > p->period_ns ||
	    p->mode > SCHED_SC_CBS || p->overrun > SCHED_SC_NOTIFY_BLOCK ||
	    p->dispatch > SCHED_SC_PARTITIONED || p->blocking_ns > d - p->budget_ns ||
	    (p->mode == SCHED_SC_SPORADIC && sc->cap < 2 && p->budget_ns < p->period_ns))
		return -SCHED_EINVAL;
	if (sched_cpumask_empty(&p->cpus))
		return -SCHED_EINVAL;
	for (unsigned c = sched_cpumask_next(&p->cpus, 0); c < SCHED_MAX_CPUS; /* O(words + CPUs) */
	     c = sched_cpumask_next(&p->cpus, c + 1))
		if (!sched__cpu_usable(s, c))
			return -SCHED_ECPU;
	return 0;
}

/* The SC entries that change what a mutex waiter lends take mx_lock first (proxy.c), then
 * sc_lock, interrupts off. */
static unsigned long lock_mx_sc(struct sched_sys *s)
{
	unsigned long flags = sched_arch_irq_save();

	sched__spin_lock(&s->mx_lock);
	sched__spin_lock(&s->sc_lock);
	return flags;
}

static void unlock_mx_sc(struct sched_sys *s, unsigned long flags)
{
	sched__spin_unlock(&s->sc_lock);
	sched__spin_unlock(&s->mx_lock);
	sched_arch_irq_restore(flags);
}

static bool runnable(const struct sched_thread *t)
{
	uint8_t st = t ? sched__get(&t->state) : SCHED_BLOCKED;

	return st == SCHED_RUNNABLE || st == SCHED_RUNNING || st == SCHED_MIGRATING;
}

/* Someone runs or waits runnable on sc: its holder, or a mutex owner it is lent to. */
static bool holder_runnable(struct sched_sys *s, const struct sched_sc *sc)
{
	return runnable(sc->holder) || sched__proxy_borrower(s, sc);
}

/* Write p into sc (its holder, if any, locked and not runnable), in the admission index
 * on `cpus`, with a full refill state. sc_lock held. */
void sched__sc_apply(struct sched_sys *s, struct sched_sc *sc, const struct sched_sc_params *p,
		     const sched_cpumask_t *cpus)
{
	sched__assert_locked(&s->sc_lock);
	if (sc->state == SCHED_SC_CONFIGURED)
		sched__sc_index(s, sc, false);
	sc->budget = p->budget_ns;
	sc->period = p->period_ns;
	sc->rel_deadline = p->deadline_ns ? p->deadline_ns : p->period_ns;
	sc->blocking = p->blocking_ns;
	sc->cpus = *cpus;
	sc->endpoint = p->endpoint;
	sc->mode = p->mode;
	sc->dispatch = p->dispatch;
	sc->overrun = p->overrun;
	sc->state = SCHED_SC_CONFIGURED;
	sched__sc_index(s, sc, true);
	sched__refill_reset(sc, sched_arch_now());
}

/* A refused configure's decision record (sc: the SC named, still live). sc_lock held. */
static void why_denied(struct sched_sys *s, const struct sched_sc *sc, int err,
		       const struct sched_sc_verdict *v)
{
	uint64_t fig[3] = { 0 };

	if (v) {
		fig[0] = v->why.demand;
		fig[1] = v->why.supply;
		fig[2] = v->why.at;
	}
	sched__assert_locked(&s->sc_lock);
	sched__why_deny(s, sc->bound ? sc->bound->id : 0, sc->owner ? sc->owner->id : 0, SCHED_DENY_SC_CONFIGURE, err, SCHED_OBJ_SC,
			sc->index, fig);
}

int sched_sc_configure(struct sched_sys *s, struct sched_auth control, struct sched_sc_cap cap,
		       const struct sched_sc_params *p)
{
	return sched_sc_configure_verdict(s, control, cap, p, NULL);
}

/* The control authority may hand out p's CPUs: 0, -SCHED_ECPU, -SCHED_ESTALE, -SCHED_EPERM. */
static int control_check(struct sched_sys *s, struct sched_auth control, const sched_cpumask_t *cpus)
{
	if (sched_cpumask_next(cpus, s->nr_cpus) < SCHED_MAX_CPUS)
		return -SCHED_ECPU; /* out of range: outside every authority's CPUs too */
	if (!sched__auth_live(control))
		return -SCHED_ESTALE;
	if (!(control.a->rights & SCHED_RIGHT_SC_CONTROL) || !sched_cpumask_subset(cpus, &control.a->cpus))
		return -SCHED_EPERM;
	return 0;
}

/*
 * Check p for sc and write it: 0, or the refusal with nothing written. *decided says
 * whether admission ran (its verdict in *v). mx_lock and sc_lock held.
 */
/* Write p into sc on `cpus` unless its holder runs or waits runnable, or may run outside
 * them: 0, -SCHED_EACTIVE, -SCHED_EAFFINITY. mx_lock and sc_lock held. */
static int write_params(struct sched_sys *s, struct sched_sc *sc, const struct sched_sc_params *p,
			const sched_cpumask_t *cpus)
{
	struct sched_thread *h = sc->holder;
	struct sched_rq *rq = NULL;
	int ret = 0;

	sched__assert_locked(&s->sc_lock);
	if (h) {
		/* a holder that just blocked may still be charging the budget under its rq
		 * lock (the pick after the block): decide and write under its locks */
		sched__spin_lock(&h->lock);
		rq = sched__lock_thread_rq(s, h);
		if (holder_runnable(s, sc))
			ret = -SCHED_EACTIVE;
		else if (!sched_cpumask_subset(&h->affinity, cpus))
			ret = -SCHED_EAFFINITY;
	}
	if (!ret)
		sched__sc_apply(s, sc, p, cpus);
	if (rq) {
		sched__rq_unlock(rq);
		sched__spin_unlock(&h->lock);
	}
	return ret;
}

/* What may change an SC at all: not an island's member, parameters valid. */
static int configurable(struct sched_sys *s, const struct sched_sc *sc, const struct sched_sc_params *p)
{
	if (sc->island)
		return -SCHED_ESTATE; /* an island's member changes through its island */
	return sched__sc_params_check(s, sc, p);
}

static int configure_locked(struct sched_sys *s, struct sched_sc *sc, const struct sched_sc_params *p,
			    struct sched_sc_verdict *v, bool *decided)
{
	sched_cpumask_t cpus = p->cpus;
	int ret;

	sched__assert_locked(&s->mx_lock);
	sched__assert_locked(&s->sc_lock);
	if ((ret = configurable(s, sc, p)))
		return ret;
	ret = sched__sc_admit(s, sc, p, v);
	*decided = true;
	if (ret)
		return ret;
	if (p->dispatch == SCHED_SC_PARTITIONED) {
		sched_cpumask_clear(&cpus);
		sched_cpumask_set(&cpus, v->cpu);
	}
	return write_params(s, sc, p, &cpus);
}

int sched_sc_configure_verdict(struct sched_sys *s, struct sched_auth control,
			       struct sched_sc_cap cap, const struct sched_sc_params *p,
			       struct sched_sc_verdict *out)
{
	struct sched_sc_verdict v;
	struct sched_sc *sc;
	unsigned long flags;
	bool decided = false;
	int ret;

	if (!s || !p || !control.a)
		return -SCHED_EINVAL;
	if ((ret = control_check(s, control, &p->cpus)))
		return ret;
	flags = lock_mx_sc(s);
	sc = lookup(s, cap, SCHED_SC_CONFIGURE, &ret);
	if (sc && !(ret = configure_locked(s, sc, p, &v, &decided)))
		sched__proxy_resync(s, sc->holder, true); /* a waiting holder's new deadline is
							   * its new place among waiters */
	if (sc && ret < 0) /* under sc_lock: the SC's owner and thread are still its own */
		why_denied(s, sc, ret, decided && ret == -SCHED_EUNSCHED ? &v : NULL);
	unlock_mx_sc(s, flags);
	if (out && decided)
		*out = v;
	return ret;
}

/* What configure_locked may change, to put back when a set is refused. */
struct sc_saved {
	uint64_t budget, period, rel_deadline, blocking, debt;
	sched_time_t deadline, act;
	struct sched_refill first;
	sched_cpumask_t cpus;
	uint32_t endpoint;
	uint16_t head, count;
	uint8_t state, mode, dispatch, overrun, depleted;
	uint8_t written;            /* configure_set: written in this set (to put back) */
};

static void sc_save(const struct sched_sc *sc, struct sc_saved *o)
{
	*o = (struct sc_saved){ sc->budget, sc->period, sc->rel_deadline, sc->blocking, sc->debt,
				sc->deadline, sc->act, sc->refill[0], sc->cpus, sc->endpoint, sc->head,
				sc->count, sc->state, sc->mode, sc->dispatch, sc->overrun,
				sc->depleted, 0 };
}

/* Put sc back as saved (its holder, if any, is not runnable: configure_locked said so and
 * sc_lock has been held since). Under the holder's locks, as configure_locked wrote. */
static void sc_restore(struct sched_sys *s, struct sched_sc *sc, const struct sc_saved *o)
{
	struct sched_thread *h = sc->holder;
	struct sched_rq *rq = NULL;

	sched__assert_locked(&s->sc_lock);
	if (h) {
		sched__spin_lock(&h->lock);
		rq = sched__lock_thread_rq(s, h);
	}
	sched__sc_index(s, sc, false);
	sc->budget = o->budget;
	sc->period = o->period;
	sc->rel_deadline = o->rel_deadline;
	sc->blocking = o->blocking;
	sc->debt = o->debt;
	sched__set(&sc->deadline, o->deadline);
	sc->act = o->act;
	sc->refill[0] = o->first;
	sc->cpus = o->cpus;
	sc->endpoint = o->endpoint;
	sc->head = o->head;
	sc->count = o->count;
	sc->state = o->state;
	sc->mode = o->mode;
	sc->dispatch = o->dispatch;
	sc->overrun = o->overrun;
	sc->depleted = o->depleted;
	if (sc->state == SCHED_SC_CONFIGURED)
		sched__sc_index(s, sc, true);
	if (rq) {
		sched__rq_unlock(rq);
		sched__spin_unlock(&h->lock);
	}
}

static bool cap_repeats(const struct sched_sc_cap *caps, unsigned k)
{
	for (unsigned j = 0; j < k; j++)
		if (caps[j].index == caps[k].index)
			return true;
	return false;
}

/* The CPUs p leaves no choice about: global, or partitioned onto one CPU; else NULL (the
 * fit picks the CPU at admission). */
static const sched_cpumask_t *settled_cpus(const struct sched_sc_params *p)
{
	return p->dispatch != SCHED_SC_PARTITIONED || sched__cpumask_count(&p->cpus) == 1
		       ? &p->cpus : NULL;
}

/*
 * A set's first pass: every SC checked and saved, and those whose CPUs are settled
 * written without admission, so that the second pass judges each cluster as it will be
 * (one SC at a time, a stage moving onto one CPU would cross the others still spread over
 * the old set). mx_lock and sc_lock held.
 */
static int set_write(struct sched_sys *s, const struct sched_sc_cap *caps,
		     const struct sched_sc_params *p, unsigned n, uint32_t right,
		     struct sc_saved *old, unsigned *at)
{
	for (unsigned k = 0; k < n; k++)
		old[k].written = 0;
	for (unsigned k = 0; k < n; k++) {
		int ret;
		struct sched_sc *sc = lookup(s, caps[k], right, &ret);

		if (sc && cap_repeats(caps, k))
			ret = -SCHED_EINVAL;
		if (!ret)
			ret = configurable(s, sc, &p[k]);
		if (!ret) {
			sc_save(sc, &old[k]);
			if (settled_cpus(&p[k]) &&
			    !(ret = write_params(s, sc, &p[k], settled_cpus(&p[k]))))
				old[k].written = 1;
		}
		if (ret) {
			*at = k;
			return ret;
		}
	}
	return 0;
}

/* The second pass: admission of each SC (its whole cluster) with the set written; the
 * partitioned SCs left to the fit are configured now, against that state. */
static int set_admit(struct sched_sys *s, const struct sched_sc_cap *caps,
		     const struct sched_sc_params *p, unsigned n, struct sc_saved *old,
		     unsigned *at, struct sched_sc_verdict *v)
{
	for (unsigned k = 0; k < n; k++) {
		struct sched_sc *sc = &s->scs[caps[k].index];
		bool decided;
		int ret = old[k].written ? sched__sc_admit(s, sc, &p[k], v)
					 : configure_locked(s, sc, &p[k], v, &decided);

		if (!ret)
			old[k].written = 1;
		if (ret) {
			*at = k;
			return ret;
		}
	}
	return 0;
}

int sched__sc_configure_set(struct sched_sys *s, struct sched_auth control,
			    const struct sched_sc_cap *caps, const struct sched_sc_params *p,
			    unsigned n, uint32_t right, unsigned *at, struct sched_sc_verdict *v)
{
	struct sc_saved old[SCHED_SC_SET_MAX];
	unsigned long flags;
	unsigned k = 0;
	int ret = 0;

	if (!n || n > SCHED_SC_SET_MAX)
		return -SCHED_EINVAL;
	for (k = 0; k < n && !ret; k++)
		ret = control_check(s, control, &p[k].cpus);
	if (ret) {
		*at = k - 1;
		return ret;
	}
	flags = lock_mx_sc(s);
	ret = set_write(s, caps, p, n, right, old, at);
	if (!ret)
		ret = set_admit(s, caps, p, n, old, at, v);
	for (k = n; ret && k--;) /* the set is refused: everything written goes back */
		if (old[k].written)
			sc_restore(s, &s->scs[caps[k].index], &old[k]);
	for (k = 0; !ret && k < n; k++)
		sched__proxy_resync(s, s->scs[caps[k].index].holder, true);
	unlock_mx_sc(s, flags);
	return ret;
}

int sched__sc_params_of(struct sched_sys *s, struct sched_sc_cap cap, uint32_t right,
			struct sched_sc_params *out, struct sched_group **owner,
			struct sched_thread **bound)
{
	unsigned long flags = lock_mx_sc(s);
	int ret;
	struct sched_sc *sc = lookup(s, cap, right, &ret);

	if (sc && sc->state != SCHED_SC_CONFIGURED)
		ret = -SCHED_ESTATE;
	if (!ret) {
		*out = (struct sched_sc_params){ .budget_ns = sc->budget, .period_ns = sc->period,
			.deadline_ns = sc->rel_deadline, .cpus = sc->cpus, .endpoint = sc->endpoint,
			.mode = sc->mode, .overrun = sc->overrun, .dispatch = sc->dispatch,
			.blocking_ns = sc->blocking };
		*owner = sc->owner;
		*bound = sc->bound;
	}
	unlock_mx_sc(s, flags);
	return ret;
}

static int bind_check(struct sched_sys *s, struct sched_sc *sc, struct sched_ref r)
{
	struct sched_thread *t = r.t;

	if (!sched__ref_live(r) || t->is_idle)
		return t->is_idle ? -SCHED_EINVAL : -SCHED_ESTALE;
	if (sc->state != SCHED_SC_CONFIGURED)
		return -SCHED_ESTATE;
	if (sc->bound || sc->holder || t->own_sc || t->sc || t->donor)
		return -SCHED_EBOUND; /* one SC per thread; a chain link waits for its reply */
	if (sc->island && !sched__in_scope(t->group, sc->island->group))
		return -SCHED_EPERM; /* an island's SCs are for its group's threads */
	if (sched__get(&t->isl_server))
		return -SCHED_ESTATE; /* an island's server stays passive: its paths say so */
	if (!sched_cpumask_subset(&t->affinity, &sc->cpus) ||
	    sched__pick_other_cpu(s, t, s->nr_cpus) < 0)
		return -SCHED_EAFFINITY;
	return 0;
}

int sched_sc_bind(struct sched_sys *s, struct sched_sc_cap cap, struct sched_ref r)
{
	struct sched_sc *sc;
	unsigned long flags;
	int ret;

	if (!s || !r.t)
		return -SCHED_EINVAL;
	flags = lock_mx_sc(s);
	sched__spin_lock(&r.t->lock);
	sc = lookup(s, cap, SCHED_SC_BIND, &ret);
	if (sc && !(ret = bind_check(s, sc, r))) {
		struct sched_thread *t = r.t;
		struct sched_rq *rq = sched__rq(s, t->cpu);
		bool on_cpu = sched__get(&t->state) != SCHED_NEW && sched__get(&t->state) != SCHED_BLOCKED;

		if (on_cpu) {
			sched__rq_lock(rq);
			sched__charge_curr(rq, sched_arch_now());
		} else {
			sched__wait_switched(t);
		}
		sched__refill_reset(sc, sched_arch_now());
		sc->bound = sc->holder = t;
		sched__set(&t->own_sc, sc);
		sched__set(&t->passive, 0);
		__atomic_store_n(&t->sc, sc, __ATOMIC_RELAXED);
		if (on_cpu) { /* a job starts now */
			sc->stats.jobs++;
			sc->job_deadline = sched_arch_now() + sc->rel_deadline;
			sc->job_late = 0;
			sched__requeue(rq, t, sched_arch_now());
			sched__rq_unlock(rq);
		}
	}
	sched__spin_unlock(&r.t->lock);
	if (!ret)
		sched__proxy_resync(s, r.t, true);
	unlock_mx_sc(s, flags);
	return ret;
}

/* Bound thread b loses its SC (sc_lock held): under b's lock too, which its block and
 * wake paths hold when they read the binding without sc_lock. */
static void set_binding(struct sched_thread *b, uint8_t passive)
{
	unsigned long flags = sched_arch_irq_save();

	sched__spin_lock(&b->lock);
	sched__set(&b->own_sc, NULL);
	sched__set(&b->passive, passive);
	sched__unlock_irq(&b->lock, flags);
}

int sched_sc_unbind(struct sched_sys *s, struct sched_sc_cap cap)
{
	struct sched_sc *sc;
	unsigned long flags;
	int ret;

	if (!s)
		return -SCHED_EINVAL;
	flags = lock_mx_sc(s);
	sc = lookup(s, cap, SCHED_SC_BIND, &ret);
	if (sc && !sc->bound)
		ret = -SCHED_ESTATE;
	else if (sc && sc->holder != sc->bound)
		ret = -SCHED_ELENT;
	if (sc && !ret) {
		struct sched_thread *t = sc->bound;

		sched__proxy_unlend(s, sc); /* no mutex owner runs on it for t any more */
		sched__proxy_losing(s, t, sc);
		set_binding(t, t->passive);
		sc->holder = NULL;
		strip(s, t, false); /* back to the fair class, at once if it runs */
		/* after the strip: until then t's CPU may charge the SC, and a depletion
		 * message reads sc->bound under that rq lock */
		sc->bound = NULL;
		sched__proxy_resync(s, t, true);
	}
	unlock_mx_sc(s, flags);
	return ret;
}

/* Revoke a live SC (sc_lock held): take it from the chain, fall back, free the slot. */
/* The revocation's decision records: the SC's end, and its bound thread's demotion. */
static void why_revoked(struct sched_sys *s, struct sched_sc *sc, unsigned cause)
{
	struct sched_explain_log *l = sched__why_log(s, SCHED_WHY_DEMOTE);
	struct sched_thread *b = sc->bound;
	struct sched_why w = { 0 };

	sched__why_revoke(s, SCHED_OBJ_SC, sc->index, cause, sc->owner ? sc->owner->id : 0,
			  b ? b->id : 0, b != NULL);
	if (!l || !b)
		return;
	w.kind = SCHED_WHY_DEMOTE;
	w.cause = SCHED_DEMOTE_SC_REVOKED;
	w.tid = b->id;
	w.group = sched__gid(b);
	w.obj_kind = SCHED_OBJ_SC;
	w.obj = sc->index;
	w.fig[0] = sc->overrun;
	sched__why_put(l, &w);
}

void sched__sc_revoke_locked(struct sched_sys *s, struct sched_sc *sc, unsigned cause)
{
	struct sched_thread *b = sc->bound, *h = sc->holder;

	sched__assert_locked(&s->sc_lock);
	why_revoked(s, sc, cause);
	sched__proxy_unlend(s, sc); /* first: nobody may run on a freed slot */
	sched__proxy_losing(s, h, sc); /* an owner among them runs on a waiter's SC */
	if (b != h)
		sched__proxy_losing(s, b, sc);
	__atomic_store_n(&sc->gen, sc->gen + 1 ? sc->gen + 1 : 1, __ATOMIC_RELEASE);
	if (b) /* before the unwind: a stripped bound thread must already know its fallback */
		set_binding(b, sc->overrun != SCHED_SC_DEMOTE);
	unwind(s, sc, NULL, NULL);
	sc->bound = NULL;
	if (sc->state == SCHED_SC_CONFIGURED)
		sched__sc_index(s, sc, false);
	sc->state = SCHED_SC_FREE;
	sc->island = NULL;
	sched__proxy_resync(s, h, true); /* a waiting holder lends no SC now */
	if (b != h)
		sched__proxy_resync(s, b, true);
}

int sched_sc_revoke(struct sched_sys *s, struct sched_sc_cap cap)
{
	struct sched_sc *sc;
	unsigned long flags;
	int ret;

	if (!s)
		return -SCHED_EINVAL;
	flags = lock_mx_sc(s);
	sc = lookup(s, cap, SCHED_SC_REVOKE, &ret);
	if (sc)
		sched__sc_revoke_locked(s, sc, SCHED_REVOKE_CALL);
	unlock_mx_sc(s, flags);
	return ret;
}

int sched_sc_revoke_owned(struct sched_sys *s, struct sched_auth auth, struct sched_group *owner)
{
	unsigned long flags;
	int n = 0;

	if (!s || !auth.a || !owner)
		return -SCHED_EINVAL;
	if ((n = sched__auth_right(auth, SCHED_RIGHT_SC_CONTROL)))
		return n;
	if (!sched__in_scope(owner, auth.a->scope))
		return -SCHED_EPERM;
	if (!s->scs)
		return 0;
	flags = lock_mx_sc(s);
	for (unsigned i = 0; i < s->nr_scs; i++) {
		struct sched_sc *sc = &s->scs[i];

		if (sc->state != SCHED_SC_FREE && sc->owner && sched__in_scope(sc->owner, owner)) {
			sched__sc_revoke_locked(s, sc, SCHED_REVOKE_OWNER);
			n++;
		}
	}
	unlock_mx_sc(s, flags);
	return n;
}

int sched_sc_stats(struct sched_sys *s, struct sched_sc_cap cap, struct sched_sc_stats *out)
{
	struct sched_thread *b = NULL;
	struct sched_sc *sc;
	unsigned long flags;
	int ret;

	if (!s || !out)
		return -SCHED_EINVAL;
	flags = lock_mx_sc(s);
	sc = lookup(s, cap, SCHED_SC_READ, &ret);
	if (sc)
		b = sched__proxy_borrower(s, sc);

	if (sc && !sc->holder && !b) {
		*out = sc->stats; /* nobody runs on it: nothing writes them */
	} else if (sc) {
		/* the figures are written under the rq lock of the thread running on it (its
		 * holder, or a mutex owner it is lent to); that thread's lock keeps it on that
		 * rq (lock order: sc_lock, thread, rq) */
		struct sched_thread *h = b ? b : sc->holder;
		struct sched_rq *rq;

		sched__spin_lock(&h->lock);
		rq = sched__lock_thread_rq(s, h);
		*out = sc->stats;
		/* include the run in progress, without charging (like thread stats) */
		if (rq->curr == h && h->on_class && h->on_class->budgeted && sched__run_sc(h) == sc)
			out->consumed_ns += sched__uncharged(rq, h, sched_arch_now());
		sched__rq_unlock(rq);
		sched__spin_unlock(&h->lock);
	}
	unlock_mx_sc(s, flags);
	return ret;
}

/* --- invariants ------------------------------------------------------------------------------ */

static int check_wait(struct sched_sys *s, struct sched_rq *rq)
{
	unsigned n = 0;

	if (!sched_rb_valid(&rq->sc_wait))
		return sched__check_fail(s, "refill-wait tree is not a red-black tree", rq->cpu);
	for (struct sched_rb_node *x = rq->sc_wait.leftmost; x && n <= rq->nr_sc_wait;
	     x = sched_rb_next(x), n++) {
		struct sched_thread *t = sched__container_of(x, struct sched_thread, sc_node);

		if (!sched__run_sc(t) || !t->sc_wait || t->cpu != rq->cpu)
			return sched__check_fail(s, "refill-wait thread without an SC or on another CPU", t->id);
		if (sched__get(&t->state) != SCHED_RUNNABLE && rq->curr != t)
			return sched__check_fail(s, "refill-wait thread not runnable", t->id);
		if (t->on_class && t->on_class->budgeted)
			return sched__check_fail(s, "thread both in EDF and waiting for a refill", t->id);
	}
	if (n != rq->nr_sc_wait)
		return sched__check_fail(s, "nr_sc_wait differs from its tree", rq->cpu);
	if (rq->sc_wait.leftmost && rq->curr &&
	    sched__deadline_before(sched__budget_next_refill(rq), rq->timer_armed) &&
	    !sched__get(&rq->need_resched) && !sched__get(&rq->ipi_pending))
		return sched__check_fail(s, "refill instant earlier than the armed timer", rq->cpu);
	return 0;
}

/* Per CPU: the refill wait. Once (cpu 0): every SC's ring and its binding links. */
int sched__sc_check(struct sched_sys *s, struct sched_rq *rq)
{
	int ret;

	sched__assert_rq_locked(rq);
	ret = check_wait(s, rq);
	if (ret < 0 || rq->cpu != 0)
		return ret;
	for (unsigned i = 0; i < s->nr_scs; i++) {
		struct sched_sc *sc = &s->scs[i];

		if (sc->state != SCHED_SC_CONFIGURED)
			continue;
		if (!sched__refill_valid(sc))
			return sched__check_fail(s, "refill ring broken (sum, order or bounds)", i);
		if (sc->holder && sc->holder->sc != sc)
			return sched__check_fail(s, "SC holder does not run on it", i);
		if (sc->bound && sc->bound->own_sc != sc)
			return sched__check_fail(s, "bound thread does not own its SC", i);
		if (sc->holder && chain_depth(sc->holder) > SCHED_DONATION_DEPTH_MAX)
			return sched__check_fail(s, "donation chain too long", i);
	}
	return sched__sc_index_check(s);
}
