/* SPDX-License-Identifier: MIT */
/*
 * wake.c - placement, wake, block, sleep with timeout, yield and direct IPC handoff.
 *
 * Wake placement, first match wins, always within the thread's affinity and online CPUs:
 *   0. the thread is still on its old CPU's stack (on_cpu): that CPU;
 *   1. a process-wait or join wake (the waker exits): near the waker (place.c near_exit);
 *   2. the previous CPU, if it is idle or the thread is cache-hot (ran < cache_hot_ns ago);
 *   3. an idle CPU sharing the previous CPU's last-level cache;
 *   4. the least-loaded CPU (ties: the previous CPU, then the lowest number).
 * With core scheduling its own steps run first among the CPUs whose siblings are idle or
 * run the thread's cookie (core_place, which prefers the waker's CPU for IPC wakes).
 * Loads are read without locks: placement is a heuristic, ownership is decided under the
 * target's lock (which re-checks that the CPU is online).
 */
#include "internal.h"
#include "account.h"
#include "explain.h"
#include "place.h"
#include "proxy.h"
#include "push.h"
#include "rq.h"
#include "sc.h"
#include "timeout.h"
#include "trace.h"
#include "wake.h"

static int wake_ref(struct sched_sys *s, struct sched_ref r, enum sched_wake_reason why,
		    const uint32_t *seq);

/* --- sleeper timeouts (protected by the lock of rq[t->cpu]) ----------------------------- */

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

	SCHED_ASSERT(rq->cpu == sched_arch_cpu_id()); /* unlocked: sched__rq_lock checks that */
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
void sched__wake_commit(struct sched_thread *t, struct sched_rq *rq, struct sched_rq *srq,
			enum sched_wake_reason why, unsigned waker, bool donated)
{
	sched_time_t now = sched_arch_now();

	sched__assert_thread_locked(t);
	sched__assert_rq_locked(rq);
	sched__assert_rq_locked(srq);
	sched__sc_woken(t, donated, now);
	if (sched__get(&t->timeout_armed))
		sched__timeout_remove(srq, t);
	sched__charge_curr(rq, now);
	if (sched__get(&t->state) == SCHED_BLOCKED && t->cpu != rq->cpu) {
		sched__acct_add(t, SCHED_ACCT_MIGRATIONS, 1);
		sched__why_migrate(rq->sys, t, t->cpu, rq->cpu, SCHED_MIG_WAKE, now);
	}
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
int sched__wake_locked(struct sched_sys *s, struct sched_thread *t, enum sched_wake_reason why,
		       bool donated)
{
	unsigned waker = sched_arch_cpu_id();

	sched__assert_thread_locked(t);
	for (unsigned tries = 0; tries <= s->nr_cpus; tries++) {
		int cpu = sched__select_cpu(s, t, why, waker);
		struct sched_rq *rq, *srq;
		struct sched_rq_pair pair;

		if (cpu < 0)
			return cpu;
		rq = sched__rq(s, (unsigned)cpu);
		/* timeout_armed can only go 1 -> 0 without the thread lock, never 0 -> 1 */
		srq = sched__load_acquire(&t->timeout_armed) ? sched__rq(s, t->cpu) : rq;
		pair = sched__rq_lock2(srq, rq);
		if (rq->online && sched__lease_lets(rq, t)) { /* a lease may have closed it */
			sched__wake_commit(t, rq, srq, why, waker, donated);
			sched__rq_unlock2(pair);
			return 0;
		}
		sched__rq_unlock2(pair);
	}
	return -SCHED_EAGAIN; /* every target went offline under it: hotplug in progress */
}

/*
 * A running thread with a notify-and-block fault pending is woken before it could block:
 * the fault is cancelled (the handler already let it go on). t locked. Returns true if so.
 */
static bool cancel_fault(struct sched_sys *s, struct sched_thread *t)
{
	struct sched_rq *rq;
	bool had;

	sched__assert_thread_locked(t);
	if (!sched__get(&t->sc_fault)) /* set and cleared under the rq lock */
		return false;
	rq = sched__lock_thread_rq(s, t);
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
	unsigned push_from;
	unsigned long flags;
	bool sc_locked, mx;
	int ret;

	flags = sched_arch_irq_save();
	/* a waiter's timeout ends its wait first, under mx_lock (before the thread lock) */
	mx = seq && sched__get(&r.t->waits_on);
	if (mx)
		sched__spin_lock(&s->mx_lock);
	if (mx && sched__ref_live(r) && *seq == sched__get(&r.t->block_seq) && r.t->waits_on &&
	    !sched__wait_timeout(s, r.t)) {
		sched__spin_unlock(&s->mx_lock); /* a condition wait goes on, for its mutex */
		sched_arch_irq_restore(flags);
		return 0;
	}
	sc_locked = sched__lock_thread(s, r.t);
	if (!sched__ref_live(r))
		ret = -SCHED_ESTALE;
	else if (sched__get(&r.t->waits_on))
		ret = -SCHED_ESTATE; /* only its mutex, condition or barrier ends that wait */
	else if (!seq && cancel_fault(s, r.t))
		ret = 0;
	else if ((sched__get(&r.t->state) != SCHED_NEW && sched__get(&r.t->state) != SCHED_BLOCKED) ||
		 (seq && *seq != sched__get(&r.t->block_seq)))
		ret = -SCHED_ESTATE;
	else if ((ret = sched__sc_wake_check(r.t)) == 0)
		ret = sched__wake_locked(s, r.t, why, false);
	push_from = ret == 0 && (sched__run_sc(r.t) || r.t->rt_prio) ? r.t->cpu : s->nr_cpus;
	sched__unlock_thread(s, r.t, sc_locked);
	if (mx)
		sched__spin_unlock(&s->mx_lock);
	sched_arch_irq_restore(flags);
	if (push_from < s->nr_cpus) /* placed behind a more urgent thread (say, throttled when
				     * placed): it may run elsewhere */
		sched__rt_push(s, push_from);
	return ret;
}

/* Wake t, whose wait on a mutex, condition or barrier just ended (mx_lock held). */
int sched__wake_waiter(struct sched_sys *s, struct sched_thread *t)
{
	struct sched_ref r = { t, sched__get(&t->gen) };

	return wake_ref(s, r, SCHED_WAKE_PARK, NULL);
}

int sched_wake(struct sched_sys *s, struct sched_ref r, enum sched_wake_reason why)
{
	if (!s || !r.t || (unsigned)why >= SCHED_WAKE_NR)
		return -SCHED_EINVAL;
	return wake_ref(s, r, why, NULL);
}

/* --- the current thread leaves the CPU ---------------------------------------------------- */

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
	else if (sched__get(&r.t->state) != SCHED_BLOCKED || sched__get(&r.t->waits_on))
		r.t->permit = 1; /* not parked (yet, or waits on a mutex): its next park returns */
	else if ((ret = sched__sc_wake_check(r.t)) == 0)
		ret = sched__wake_locked(s, r.t, SCHED_WAKE_PARK, false);
	sched__unlock_thread(s, r.t, sc_locked);
	sched_arch_irq_restore(flags);
	return ret;
}

/* --- direct IPC handoff ------------------------------------------------------------------- */

