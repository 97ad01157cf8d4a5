/* SPDX-License-Identifier: MIT */
/*
 * block.c - the entry points where the current thread leaves its CPU: block, sleep, park,
 * yield, and the direct IPC handoff (call, reply).
 */
#include "internal.h"
#include "account.h"
#include "balance.h"
#include "block.h"
#include "push.h"
#include "pick.h"
#include "place.h"
#include "sc.h"
#include "timeout.h"
#include "island.h"
#include "trace.h"
#include "wake.h"

/* The current thread t of rq blocks (with a timeout unless NEVER). t and rq locked. */
static void block_curr(struct sched_rq *rq, struct sched_thread *t, sched_time_t deadline)
{
	sched_time_t now = sched_arch_now();

	sched__assert_thread_locked(t);
	sched__assert_rq_local(rq);
	SCHED_ASSERT(rq->curr == t);
	sched__charge_curr(rq, now);
	sched__acct_add(t, SCHED_ACCT_VOLUNTARY, 1);
	sched__sc_blocked(rq, t, now);
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
int sched__on_cpu_entry(struct sched_sys *s, unsigned cpu, struct sched_thread **next,
			struct sched_thread **t)
{
	if (!s || !next)
		return -SCHED_EINVAL;
	*t = running_curr(s, cpu);
	if (!*t) /* out of range or offline (never brought online), else the CPU runs idle */
		return cpu >= s->nr_cpus || !sched__get(&s->rq[cpu].online) ? -SCHED_ECPU
									     : -SCHED_ESTATE;
	return 0;
}

/* Before the current thread leaves: steal if the queue would be empty after it, and pull
 * a realtime thread more urgent than what this CPU would run next. */
static void steal_if_idling(struct sched_rq *rq)
{
	if (sched__get(&rq->online) && sched__get(&rq->nr_queued) == 0)
		sched__steal(rq);
	sched__rt_pull(rq, true);
}

/* The current thread t of rq's CPU, just put on a wait queue (mutex.c, under mx_lock),
 * blocks (with a timeout unless NEVER); *next is what runs instead. Interrupts off. */
void sched__wait_block(struct sched_rq *rq, struct sched_thread *t, sched_time_t deadline,
		       struct sched_thread **next)
{
	steal_if_idling(rq);
	sched__spin_lock(&t->lock);
	sched__rq_lock(rq);
	if (sched__get(&t->state) != SCHED_EXITED)
		block_curr(rq, t, deadline);
	*next = sched__schedule(rq);
	sched__rq_unlock(rq);
	sched__spin_unlock(&t->lock);
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
	int ret = sched__on_cpu_entry(s, cpu, next, &t);

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
		sched__unlock_irq(&t->lock, flags);
		return 0;
	}
	sched__rq_lock(rq);
	if (sched__get(&t->state) != SCHED_EXITED) /* exited meanwhile: just switch away */
		block_curr(rq, t, deadline);
	*next = sched__schedule(rq);
	sched__rq_unlock(rq);
	sched__unlock_irq(&t->lock, flags);
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

int sched_park_until(struct sched_sys *s, unsigned cpu, sched_time_t deadline,
		     struct sched_thread **next)
{
	if (deadline == SCHED_TIME_NEVER || !sched_time_in_horizon(deadline, sched_arch_now()))
		return -SCHED_EINVAL;
	return leave_cpu(s, cpu, deadline, true, next);
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
	int ret = sched__on_cpu_entry(s, cpu, next, &t);

	if (ret < 0)
		return ret;
	rq = sched__rq(s, cpu);
	flags = sched__rq_lock_irq(rq);
	sched__charge_curr(rq, sched_arch_now());
	t->on_class->yield(rq, t);
	*next = sched__schedule(rq);
	sched__rq_unlock_irq(rq, flags);
	return 0;
}

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
	if (to.t == me || (sched__get(&to.t->state) != SCHED_BLOCKED && sched__get(&to.t->state) != SCHED_NEW) ||
	    sched__get(&to.t->waits_on)) /* only its mutex, condition or barrier ends that wait */
		return -SCHED_ESTATE;
	return 0;
}

/*
 * The current thread `me` blocks and `to` runs next here: queued on this CPU (so ownership
 * and generation rules hold as for any wake) and marked as the rq's handoff, which the pick
 * takes before asking the class. Affinity wins: if `to` may not run here it is woken
 * through normal placement, before `me` blocks, so a failure changes nothing. Both thread
 * locks held (and sc_lock if either is involved with an SC), no rq lock.
 */
static int handoff_locked(struct sched_sys *s, struct sched_rq *rq, struct sched_thread *me,
			  struct sched_thread *to, bool reply, struct sched_thread **next)
{
	struct sched_rq *srq = sched__load_acquire(&to->timeout_armed) ? sched__rq(s, to->cpu) : rq;
	bool here = sched_cpumask_test(&to->affinity, rq->cpu) && /* to is locked */
		    sched__lease_lets(rq, to);
	bool waited = me->sc_wait; /* demoted, waiting for its refill: restored on failure */
	int moved;

	sched__assert_thread_locked(me);
	sched__assert_thread_locked(to);
	/* Refuse before anything changes: the normal wake needs an online CPU in to's mask
	 * (a hotplug racing with this is undone below instead). */
	if (!here && sched__pick_other_cpu(s, to, s->nr_cpus) < 0)
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
		struct sched_rq_pair pair = sched__rq_lock2(srq, rq);

		/* re-checked under the lock: offline or a lease may have won */
		here = rq->online && sched__lease_lets(rq, to);
		if (here) {
			sched__wake_commit(to, rq, srq, SCHED_WAKE_IPC_SYNC, rq->cpu, moved);
			rq->handoff = to;
			sched__inc(&rq->counters[SCHED_CNT_HANDOFFS], 1);
			sched__rq_unlock2_keep(pair, rq);
		} else {
			sched__rq_unlock2(pair);
		}
	}
	if (!here) {
		int ret = sched__wake_locked(s, to, SCHED_WAKE_IPC_SYNC, moved);

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
static bool involved(const struct sched_sys *s, const struct sched_thread *me,
		     const struct sched_thread *to)
{
	return s->scs && (sched__sc_involved(me) || sched__sc_involved(to) ||
			  sched__island_involved(s, to));
}

static bool lock_pair(struct sched_sys *s, struct sched_thread *me, struct sched_thread *to)
{
	bool sc_locked = involved(s, me, to) && sched__sc_lock(s, NULL);

	lock_threads(me, to);
	if (!sc_locked && involved(s, me, to)) {
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
	int ret = sched__on_cpu_entry(s, cpu, next, &me);

	if (ret < 0 || !to.t)
		return ret < 0 ? ret : -SCHED_EINVAL;
	if (to.t == me)
		return -SCHED_ESTATE;
	flags = sched_arch_irq_save();
	sc_locked = lock_pair(s, me, to.t);
	ret = handoff_check(me, to);
	if (!ret && !reply && sc_locked && s->islands)
		ret = sched__island_call(s, me, to.t);
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
