/* SPDX-License-Identifier: MIT */
/*
 * wake.c - placement, wake, block, sleep with timeout, yield and direct IPC handoff.
 *
 * Wake placement, first match wins, always within the thread's affinity and online CPUs:
 *   0. the thread is still on its old CPU's stack (on_cpu): that CPU;
 *   1. the previous CPU, if it is idle or the thread is cache-hot (ran < cache_hot_ns ago);
 *   2. an idle CPU sharing the previous CPU's last-level cache;
 *   3. for synchronous IPC wakes, the waker's CPU;
 *   4. the least-loaded CPU (ties: the previous CPU, then the lowest number).
 * With core scheduling the same steps run first among the CPUs whose siblings are idle or
 * run the thread's cookie (core_place).
 * Loads are read without locks: placement is a heuristic, ownership is decided under the
 * target's lock (which re-checks that the CPU is online).
 */
#include "internal.h"

static bool allowed(struct sched_sys *s, const struct sched_thread *t, unsigned cpu)
{
	return sched__cpu_usable(s, cpu) && sched_cpumask_test(&t->affinity, cpu);
}

static uint64_t load_of(struct sched_sys *s, unsigned cpu)
{
	return sched__rq_load(sched__rq(s, cpu));
}

static bool cache_hot(struct sched_sys *s, const struct sched_thread *t, sched_time_t now)
{
	return t->acct.v[SCHED_ACCT_SWITCHES] && now - t->last_ran < s->cfg.cache_hot_ns;
}

static int idle_cache_sibling(struct sched_sys *s, const struct sched_thread *t, unsigned prev)
{
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (c != prev && s->topo.llc[c] == s->topo.llc[prev] && allowed(s, t, c) &&
		    load_of(s, c) == 0)
			return (int)c;
	return -1;
}

/* Least-loaded online CPU in `mask` other than `avoid` (nr_cpus avoids none). O(nr_cpus). */
int sched__pick_cpu(struct sched_sys *s, const sched_cpumask_t *mask, unsigned prev,
		    unsigned avoid)
{
	int best = -1;
	uint64_t best_load = UINT64_MAX;

	for (unsigned c = 0; c < s->nr_cpus; c++) {
		uint64_t l;

		if (c == avoid || !sched__cpu_usable(s, c) || !sched_cpumask_test(mask, c))
			continue;
		l = load_of(s, c) * 2 + (c != prev); /* ties prefer the previous CPU; < 2^40 */
		if (l < best_load) {
			best_load = l;
			best = (int)c;
		}
	}
	return best >= 0 ? best : -SCHED_EAFFINITY;
}

/*
 * Core scheduling: the same order, but only among CPUs where t would force no sibling idle
 * (every sibling idle or running t's cookie); the least loaded of those ends it. -1: none,
 * and the plain rules decide (the core pick then sorts it out). O(nr_cpus x SMT width).
 */
static int core_place(struct sched_sys *s, const struct sched_thread *t, enum sched_wake_reason why,
		      unsigned waker)
{
	unsigned prev = t->cpu;
	sched_cpumask_t fit;
	int c;

	sched_cpumask_clear(&fit);
	for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++)
		if (allowed(s, t, cpu) && sched__core_fits(s, cpu, t))
			sched_cpumask_set(&fit, cpu);
	if (sched_cpumask_test(&fit, prev) &&
	    (load_of(s, prev) == 0 || cache_hot(s, t, sched_arch_now())))
		return (int)prev;
	for (unsigned cpu = 0; prev < s->nr_cpus && cpu < s->nr_cpus; cpu++)
		if (sched_cpumask_test(&fit, cpu) && s->topo.llc[cpu] == s->topo.llc[prev] &&
		    load_of(s, cpu) == 0)
			return (int)cpu;
	if (why == SCHED_WAKE_IPC && sched_cpumask_test(&fit, waker))
		return (int)waker;
	c = sched__pick_cpu(s, &fit, prev, s->nr_cpus);
	return c >= 0 ? c : -1;
}

/* O(nr_cpus). Returns a CPU or -SCHED_EAFFINITY. */
int sched__select_cpu(struct sched_sys *s, struct sched_thread *t, enum sched_wake_reason why,
		      unsigned waker)
{
	unsigned prev = t->cpu;
	int c;

	if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE) && allowed(s, t, prev))
		return (int)prev;
	while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		sched_arch_cpu_relax(); /* bounded by the old CPU finishing its switch */
	if (s->cfg.core_sched && (c = core_place(s, t, why, waker)) >= 0)
		return c;
	if (allowed(s, t, prev) && (load_of(s, prev) == 0 || cache_hot(s, t, sched_arch_now())))
		return (int)prev;
	if (prev < s->nr_cpus && (c = idle_cache_sibling(s, t, prev)) >= 0)
		return c;
	if (why == SCHED_WAKE_IPC && allowed(s, t, waker))
		return (int)waker;
	return sched__pick_other_cpu(s, t, s->nr_cpus);
}

int sched__pick_other_cpu(struct sched_sys *s, const struct sched_thread *t, unsigned avoid)
{
	return sched__pick_cpu(s, &t->affinity, t->cpu, avoid);
}

static int wake_ref(struct sched_sys *s, struct sched_ref r, enum sched_wake_reason why,
		    const uint32_t *seq);

/* --- sleeper timeouts (protected by the lock of rq[t->cpu]) ----------------------------- */

static bool timeout_less(const struct sched_thread *a, const struct sched_thread *b)
{
	return sched_time_before(a->timeout, b->timeout);
}

/* Insert t into rq's sleepers. rq locked; t->cpu == rq->cpu. O(log n). */
void sched__timeout_arm(struct sched_rq *rq, struct sched_thread *t, sched_time_t deadline)
{
	struct sched_rb_node **link = &rq->sleepers.root, *parent = NULL;
	bool left = false;

	t->timeout = deadline;
	while (*link) {
		struct sched_thread *o =
			sched__container_of(*link, struct sched_thread, timeout_node);

		parent = *link;
		left = timeout_less(t, o);
		link = left ? &parent->left : &parent->right;
	}
	sched_rb_insert(&rq->sleepers, &t->timeout_node, parent, left);
	sched__set(&t->timeout_armed, 1);
	rq->nr_sleepers++;
}

void sched__timeout_remove(struct sched_rq *rq, struct sched_thread *t)
{
	sched_rb_erase(&rq->sleepers, &t->timeout_node);
	/* release: a thread-lock holder that reads 0 skips this rq's lock, and then writes
	 * the node and the timeout (its next sleep) that the timer read here */
	sched__store_release(&t->timeout_armed, 0);
	rq->nr_sleepers--;
}

/*
 * Timer interrupt: take up to SCHED_TIMER_BATCH expired sleepers off this CPU's tree under
 * its lock, then wake them with no rq lock held (lock order: thread before rq). A sleeper
 * woken or exited in between makes its wake fail harmlessly (-ESTATE / -ESTALE). More than
 * a batch leaves the earliest deadline in the past, so the re-armed timer fires at once.
 */
unsigned sched__expire_sleepers(struct sched_rq *rq, sched_time_t now)
{
	struct sched_ref due[SCHED_TIMER_BATCH];
	uint32_t seq[SCHED_TIMER_BATCH];
	unsigned n = 0;

	sched__rq_lock(rq);
	while (n < SCHED_TIMER_BATCH && rq->sleepers.leftmost) {
		struct sched_thread *t = sched__container_of(rq->sleepers.leftmost,
							     struct sched_thread, timeout_node);

		if (sched_time_before(now, t->timeout))
			break;
		sched__timeout_remove(rq, t);
		due[n].t = t;
		due[n].gen = sched__get(&t->gen);
		seq[n++] = sched__get(&t->block_seq); /* compared again under the thread lock */
	}
	sched__rq_unlock(rq);
	for (unsigned i = 0; i < n; i++)
		wake_ref(rq->sys, due[i], SCHED_WAKE_TIMER, &seq[i]);
	return n;
}

/* --- wake -------------------------------------------------------------------------------- */

/* Commit a wake of t (thread-locked, NEW/BLOCKED) onto rq; rq and the sleeper rq locked. */
static void wake_commit(struct sched_thread *t, struct sched_rq *rq,
			struct sched_rq *srq, enum sched_wake_reason why, unsigned waker, bool donated)
{
	sched_time_t now = sched_arch_now();

	sched__sc_woken(t, donated, now);
	if (sched__get(&t->timeout_armed))
		sched__timeout_remove(srq, t);
	sched__charge_curr(rq, now);
	if (sched__get(&t->state) == SCHED_BLOCKED && t->cpu != rq->cpu)
		sched__acct_add(t, SCHED_ACCT_MIGRATIONS, 1);
	sched__acct_add(t, SCHED_ACCT_WAKEUPS, 1);
	t->wake_pending = 1;
	t->woken_at = now;
	sched__enqueue(rq, t, sched__get(&t->state) == SCHED_NEW ? SCHED_ENQ_NEW : SCHED_ENQ_WAKE, now);
	sched__inc(&rq->counters[rq->cpu == waker ? SCHED_CNT_WAKE_LOCAL : SCHED_CNT_WAKE_REMOTE], 1);
	sched__trace(rq, SCHED_TR_WAKE, t->id, rq->cpu, (uint8_t)why, now);
	sched__kick(rq, sched__preempts(rq, t));
}

/*
 * Wake t (thread lock held, NEW or BLOCKED). The target can go offline between placement
 * and locking; each retry follows a hotplug, so nr_cpus + 1 tries bound it.
 */
static int wake_locked(struct sched_sys *s, struct sched_thread *t, enum sched_wake_reason why,
		       bool donated)
{
	unsigned waker = sched_arch_cpu_id();

	for (unsigned tries = 0; tries <= s->nr_cpus; tries++) {
		int cpu = sched__select_cpu(s, t, why, waker);
		struct sched_rq *rq, *srq;

		if (cpu < 0)
			return cpu;
		rq = sched__rq(s, (unsigned)cpu);
		/* timeout_armed can only go 1 -> 0 without the thread lock, never 0 -> 1 */
		srq = sched__load_acquire(&t->timeout_armed) ? sched__rq(s, t->cpu) : rq;
		sched__rq_lock2(srq, rq);
		if (rq->online) {
			wake_commit(t, rq, srq, why, waker, donated);
			sched__rq_unlock2(srq, rq);
			return 0;
		}
		sched__rq_unlock2(srq, rq);
	}
	return -SCHED_ECPU;
}

/*
 * A running thread with a notify-and-block fault pending is woken before it could block:
 * the fault is cancelled (the handler already let it go on). t locked. Returns true if so.
 */
static bool cancel_fault(struct sched_sys *s, struct sched_thread *t)
{
	struct sched_rq *rq;
	bool had;

	if (!sched__get(&t->sc_fault)) /* set and cleared under the rq lock */
		return false;
	rq = sched__rq(s, t->cpu);
	sched__rq_lock(rq);
	had = t->sc_fault && sched__get(&t->state) != SCHED_BLOCKED;
	if (had)
		sched__set(&t->sc_fault, 0);
	sched__rq_unlock(rq);
	return had;
}

/* Wake r; with `seq`, only out of the sleep that had that block sequence number. */
static int wake_ref(struct sched_sys *s, struct sched_ref r, enum sched_wake_reason why,
		    const uint32_t *seq)
{
	unsigned long flags;
	bool sc_locked;
	int ret;

	flags = sched_arch_irq_save();
	sc_locked = sched__lock_thread(s, r.t);
	if (!sched__ref_live(r))
		ret = -SCHED_ESTALE;
	else if (!seq && cancel_fault(s, r.t))
		ret = 0;
	else if ((sched__get(&r.t->state) != SCHED_NEW && sched__get(&r.t->state) != SCHED_BLOCKED) ||
		 (seq && *seq != sched__get(&r.t->block_seq)))
		ret = -SCHED_ESTATE;
	else if ((ret = sched__sc_wake_check(r.t)) == 0)
		ret = wake_locked(s, r.t, why, false);
	sched__unlock_thread(s, r.t, sc_locked);
	sched_arch_irq_restore(flags);
	return ret;
}

int sched_wake(struct sched_sys *s, struct sched_ref r, enum sched_wake_reason why)
{
	if (!s || !r.t || (unsigned)why >= SCHED_WAKE_NR)
		return -SCHED_EINVAL;
	return wake_ref(s, r, why, NULL);
}

/* --- the current thread leaves the CPU ---------------------------------------------------- */

/* The current thread t of rq blocks (with a timeout unless NEVER). t and rq locked. */
static void block_curr(struct sched_rq *rq, struct sched_thread *t, sched_time_t deadline)
{
	sched_time_t now = sched_arch_now();

	sched__charge_curr(rq, now);
	sched__acct_add(t, SCHED_ACCT_VOLUNTARY, 1);
	sched__sc_blocked(t, now);
	sched__end_migrating(rq->sys, t, SCHED_BLOCKED);
	sched__set(&t->block_seq, t->block_seq + 1);
	if (deadline != SCHED_TIME_NEVER)
		sched__timeout_arm(rq, t, deadline);
	sched__trace(rq, SCHED_TR_BLOCK, t->id, 0, deadline != SCHED_TIME_NEVER, now);
}

/*
 * The non-idle current thread of cpu, or NULL. Stable: only cpu changes it. It may have
 * been exited by another CPU (a pick is then due); the entries re-check under the locks.
 */
static struct sched_thread *running_curr(struct sched_sys *s, unsigned cpu)
{
	struct sched_thread *t;

	if (!s || cpu >= s->nr_cpus || !(t = s->rq[cpu].curr) || t->is_idle)
		return NULL;
	return t;
}

/* Validate an on-CPU entry: 0 with *t the CPU's current thread, or a specific error. */
static int on_cpu_entry(struct sched_sys *s, unsigned cpu, struct sched_thread **next,
			struct sched_thread **t)
{
	if (!next)
		return -SCHED_EINVAL;
	*t = running_curr(s, cpu);
	if (!*t)
		return s && cpu < s->nr_cpus ? -SCHED_ESTATE : -SCHED_EINVAL;
	return 0;
}

/* Steal before the current thread leaves, if the queue would be empty after it. */
static void steal_if_idling(struct sched_rq *rq)
{
	if (sched__get(&rq->online) && sched__get(&rq->nr_queued) == 0)
		sched__steal(rq);
}

/* Consume a pending permit of t (under its lock); true if there was one. */
static bool take_permit(struct sched_thread *t)
{
	bool had;

	sched__spin_lock(&t->lock);
	had = t->permit && sched__get(&t->state) != SCHED_EXITED;
	if (had)
		t->permit = 0;
	sched__spin_unlock(&t->lock);
	return had;
}

/* The current thread of cpu blocks (with a timeout unless NEVER); with `park`, not if a
 * permit is pending, which is consumed instead and *next is the thread itself. */
static int leave_cpu(struct sched_sys *s, unsigned cpu, sched_time_t deadline, bool park,
		     struct sched_thread **next)
{
	struct sched_thread *t;
	struct sched_rq *rq;
	unsigned long flags;
	int ret = on_cpu_entry(s, cpu, next, &t);

	if (ret < 0)
		return ret;
	rq = sched__rq(s, cpu);
	if (deadline != SCHED_TIME_NEVER && !sched__get(&rq->online))
		return -SCHED_ECPU; /* leaving: its timeout must not live on an offline CPU */
	flags = sched_arch_irq_save();
	if (park && take_permit(t)) { /* woken before it got here: keeps the CPU, no steal */
		*next = t;
		sched_arch_irq_restore(flags);
		return 0;
	}
	steal_if_idling(rq);
	sched__spin_lock(&t->lock);
	if (park && t->permit && sched__get(&t->state) != SCHED_EXITED) {
		t->permit = 0; /* an unpark came during the steal */
		*next = t;
		sched__spin_unlock(&t->lock);
		sched_arch_irq_restore(flags);
		return 0;
	}
	sched__rq_lock(rq);
	if (sched__get(&t->state) != SCHED_EXITED) /* exited meanwhile: just switch away */
		block_curr(rq, t, deadline);
	*next = sched__schedule(rq);
	sched__rq_unlock(rq);
	sched__spin_unlock(&t->lock);
	sched_arch_irq_restore(flags);
	return 0;
}

int sched_block(struct sched_sys *s, unsigned cpu, struct sched_thread **next)
{
	return leave_cpu(s, cpu, SCHED_TIME_NEVER, false, next);
}

/*
 * Park: block unless sched_unpark already left a permit. The permit is tested and consumed
 * under the thread lock, the same lock sched_unpark takes, in the same critical section as
 * the block: an unpark is either seen here or finds the thread blocked and wakes it.
 */
int sched_park(struct sched_sys *s, unsigned cpu, struct sched_thread **next)
{
	return leave_cpu(s, cpu, SCHED_TIME_NEVER, true, next);
}

int sched_unpark(struct sched_sys *s, struct sched_ref r)
{
	unsigned long flags;
	int ret = 0;

	bool sc_locked;

	if (!s || !r.t)
		return -SCHED_EINVAL;
	flags = sched_arch_irq_save();
	sc_locked = sched__lock_thread(s, r.t);
	if (!sched__ref_live(r) || r.t->is_idle) /* an idle thread never parks */
		ret = r.t->is_idle ? -SCHED_EINVAL : -SCHED_ESTALE;
	else if (sched__get(&r.t->state) == SCHED_BLOCKED && (ret = sched__sc_wake_check(r.t)) == 0)
		ret = wake_locked(s, r.t, SCHED_WAKE_PARK, false);
	else if (sched__get(&r.t->state) != SCHED_BLOCKED)
		r.t->permit = 1; /* not parked (yet): its next park returns at once */
	sched__unlock_thread(s, r.t, sc_locked);
	sched_arch_irq_restore(flags);
	return ret;
}

int sched_sleep_until(struct sched_sys *s, unsigned cpu, sched_time_t deadline,
		      struct sched_thread **next)
{
	if (deadline == SCHED_TIME_NEVER || !sched_time_in_horizon(deadline, sched_arch_now()))
		return -SCHED_EINVAL;
	return leave_cpu(s, cpu, deadline, false, next);
}

int sched_yield_cpu(struct sched_sys *s, unsigned cpu, struct sched_thread **next)
{
	struct sched_thread *t;
	struct sched_rq *rq;
	unsigned long flags;
	int ret = on_cpu_entry(s, cpu, next, &t);

	if (ret < 0)
		return ret;
	rq = sched__rq(s, cpu);
	flags = sched_arch_irq_save();
	sched__rq_lock(rq);
	sched__charge_curr(rq, sched_arch_now());
	t->on_class->yield(rq, t);
	*next = sched__schedule(rq);
	sched__rq_unlock(rq);
	sched_arch_irq_restore(flags);
	return 0;
}

/* --- direct IPC handoff ------------------------------------------------------------------- */

/* Lock two distinct threads in address order (the order among thread locks). */
static void lock_threads(struct sched_thread *a, struct sched_thread *b)
{
	if ((uintptr_t)a > (uintptr_t)b) {
		struct sched_thread *x = a;
		a = b;
		b = x;
	}
	sched__spin_lock(&a->lock);
	sched__spin_lock(&b->lock);
}

static int handoff_check(struct sched_thread *me, struct sched_ref to)
{
	if (!sched__ref_live(to) || sched__get(&me->state) == SCHED_EXITED)
		return -SCHED_ESTALE;
	if (to.t == me || (sched__get(&to.t->state) != SCHED_BLOCKED && sched__get(&to.t->state) != SCHED_NEW))
		return -SCHED_ESTATE;
	return 0;
}

/*
 * The current thread `me` blocks and `to` runs next here: queued on this CPU (so ownership
 * and generation rules hold as for any wake) and marked as the rq's handoff, which the pick
 * takes before asking the class. Affinity wins: if `to` may not run here it is woken
 * through normal placement, before `me` blocks, so a failure changes nothing.
 */
static int handoff_locked(struct sched_sys *s, struct sched_rq *rq, struct sched_thread *me,
			  struct sched_thread *to, bool reply, struct sched_thread **next)
{
	struct sched_rq *srq = sched__load_acquire(&to->timeout_armed) ? sched__rq(s, to->cpu) : rq;
	bool here = sched_cpumask_test(&to->affinity, rq->cpu); /* to is locked */
	bool waited = me->sc_wait; /* demoted, waiting for its refill: restored on failure */
	int moved;

	/* Refuse before anything changes: the normal wake needs an online CPU in to's mask
	 * (a hotplug racing with this is undone below instead). */
	if (!here && sched__pick_cpu(s, &to->affinity, to->cpu, s->nr_cpus) < 0)
		return -SCHED_EAFFINITY;
	/* `to` may have just blocked elsewhere, by that CPU's pick (which still charges its
	 * SC): neither its SC nor the CPU may be handed over before that CPU's switch is
	 * finished (finish_switch takes no lock, so waiting with thread locks is safe) */
	sched__wait_switched(to);
	/* me's SC may be lent or returned: charge what me used of it first */
	sched__rq_lock(rq);
	sched__charge_curr(rq, sched_arch_now());
	moved = sched__sc_handoff(s, me, to, reply);
	sched__rq_unlock(rq);
	if (moved < 0)
		return moved;
	if (here) {
		sched__rq_lock2(srq, rq);
		here = rq->online; /* re-checked under the lock: offline may have won */
		if (here) {
			wake_commit(to, rq, srq, SCHED_WAKE_IPC, rq->cpu, moved);
			rq->handoff = to;
			sched__inc(&rq->counters[SCHED_CNT_HANDOFFS], 1);
		}
		if (srq->core != rq->core) /* SMT siblings may share one lock */
			sched__rq_unlock(srq);
		if (!here)
			sched__rq_unlock(rq);
	}
	if (!here) {
		int ret = wake_locked(s, to, SCHED_WAKE_IPC, moved);

		if (ret < 0) { /* nothing may change: the SC goes back */
			sched__rq_lock(rq);
			if (moved)
				sched__sc_handoff_undo(rq, me, to, reply, waited);
			sched__rq_unlock(rq);
			return ret;
		}
		sched__rq_lock(rq);
	}
	block_curr(rq, me, SCHED_TIME_NEVER);
	*next = sched__schedule(rq);
	sched__rq_unlock(rq);
	return 0;
}

/* Lock me and `to`, with sc_lock first if either is involved with an SC (see
 * sched__lock_thread; the second attempt always takes it). Returns whether it is held. */
static bool lock_pair(struct sched_sys *s, struct sched_thread *me, struct sched_thread *to)
{
	bool sc_locked = s->scs && (sched__sc_involved(me) || sched__sc_involved(to)) &&
			 sched__sc_lock(s, NULL);

	lock_threads(me, to);
	if (!sc_locked && s->scs && (sched__sc_involved(me) || sched__sc_involved(to))) {
		sched__spin_unlock(&to->lock);
		sched__spin_unlock(&me->lock);
		sc_locked = sched__sc_lock(s, NULL);
		lock_threads(me, to);
	}
	return sc_locked;
}

static int handoff(struct sched_sys *s, unsigned cpu, struct sched_ref to, bool reply,
		   struct sched_thread **next)
{
	struct sched_thread *me;
	unsigned long flags;
	bool sc_locked;
	int ret = on_cpu_entry(s, cpu, next, &me);

	if (ret < 0 || !to.t)
		return ret < 0 ? ret : -SCHED_EINVAL;
	if (to.t == me)
		return -SCHED_ESTATE;
	flags = sched_arch_irq_save();
	sc_locked = lock_pair(s, me, to.t);
	ret = handoff_check(me, to);
	if (!ret)
		ret = handoff_locked(s, sched__rq(s, cpu), me, to.t, reply, next);
	sched__spin_unlock(&to.t->lock);
	sched__spin_unlock(&me->lock);
	sched__sc_unlock(s, sc_locked);
	sched_arch_irq_restore(flags);
	return ret;
}

int sched_call(struct sched_sys *s, unsigned cpu, struct sched_ref server,
	       struct sched_thread **next)
{
	return handoff(s, cpu, server, false, next);
}

int sched_reply(struct sched_sys *s, unsigned cpu, struct sched_ref caller,
		struct sched_thread **next)
{
	return handoff(s, cpu, caller, true, next);
}

/* Remove a BLOCKED/NEW thread's timeout, if armed. Thread lock held. */
void sched__timeout_cancel(struct sched_sys *s, struct sched_thread *t)
{
	struct sched_rq *srq;

	if (!sched__load_acquire(&t->timeout_armed))
		return;
	srq = sched__rq(s, t->cpu);
	sched__rq_lock(srq);
	if (sched__get(&t->timeout_armed))
		sched__timeout_remove(srq, t);
	sched__rq_unlock(srq);
}
