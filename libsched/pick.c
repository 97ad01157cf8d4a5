/* SPDX-License-Identifier: MIT */
/*
 * pick.c - the entry points of a CPU's scheduling: the pick, the timer and IPI interrupts,
 * and the end of a switch. Each takes the CPU's run-queue lock with interrupts off itself;
 * sched__schedule() is the pick under that lock, for the blocking entries (block.c).
 */
#include "internal.h"
#include "lease.h"
#include "account.h"
#include "balance.h"
#include "budget.h"
#include "core_pick.h"
#include "core_tree.h"
#include "migrate.h"
#include "pick.h"
#include "place.h"
#include "push.h"
#include "rq.h"
#include "trace.h"
#include "wake.h"

/* The pick's outcome, a measurement counter: one branch when off. */
static void count_outcome(struct sched_rq *rq, struct sched_thread *prev,
			  struct sched_thread *next)
{
	if (!sched__measuring(rq))
		return;
	if (next->is_idle)
		sched__inc(&rq->counters[SCHED_CNT_PICK_IDLE], 1);
	else if (next == prev)
		sched__inc(&rq->counters[SCHED_CNT_PICK_CURRENT], 1);
	else
		sched__inc(&rq->counters[SCHED_CNT_PICK_OTHER], 1);
}

/* prev leaves the CPU, next arrives (next != prev). */
static void switch_to(struct sched_rq *rq, struct sched_thread *prev, struct sched_thread *next,
		      sched_time_t now)
{
	sched__inc(&rq->counters[SCHED_CNT_SWITCHES], 1);
	if (sched__get(&prev->state) == SCHED_RUNNABLE)
		sched__acct_add(prev, SCHED_ACCT_PREEMPTIONS, 1);
	prev->last_ran = now;
	sched__trace(rq, SCHED_TR_SWITCH, next->id, prev->id, next->wake_pending, now);
	sched__note_switch_in(rq, next, now);
	sched__set(&next->on_cpu, 1); /* read without the lock (wake placement, balance) */
	rq->switching = prev;
}

static unsigned leave_flags(const struct sched_thread *t)
{
	if (sched__get(&t->state) == SCHED_EXITED)
		return SCHED_DEQ_EXIT;
	return sched__get(&t->state) == SCHED_MIGRATING ? SCHED_DEQ_MIGRATE : SCHED_DEQ_SLEEP;
}

/*
 * Running prev's SC changed under it (depleted, refilled, revoked, a notify-and-block
 * fault): it leaves its class and goes where it now belongs, as a queued thread, waiting
 * for a refill, or blocked.
 */
static void change_class(struct sched_rq *rq, struct sched_thread *prev, sched_time_t now)
{
	sched__dequeue_curr(rq, prev, SCHED_DEQ_SLEEP, now);
	if (sched__gate(prev, now) == SCHED_GATE_BLOCK) {
		sched__block_curr_here(rq, prev);
		sched__trace(rq, SCHED_TR_BLOCK, prev->id, 0, 0, now);
		return;
	}
	sched__enqueue(rq, prev, SCHED_ENQ_WAKE, now);
	prev->runnable_since = prev->exec_start;
}

/*
 * The pick, on rq's own CPU with rq locked: charge; a current thread that stopped being runnable (or may no
 * longer run in its class) leaves it; choose; if the choice is another thread, the
 * still-runnable current one goes back among the queued and the choice becomes current.
 * O(class pick) + O(refills due, at most a batch).
 */
struct sched_thread *sched__schedule(struct sched_rq *rq)
{
	struct sched_thread *prev = rq->curr, *next;
	sched_time_t now = sched_arch_now();
	bool prev_runs;

	sched__assert_rq_local(rq);
	SCHED_ASSERT(prev); /* an online CPU always has a current thread, its idle one at least */
	prev_runs = !prev->is_idle && sched__get(&prev->state) == SCHED_RUNNING;
	sched__charge_curr(rq, now);
	rq->picked_at = now;
	if (rq->nr_sc_wait)
		sched__expire_refills(rq, now);
	if (prev_runs && sched__class_may_change(rq, prev) &&
	    sched__class_wanted(rq, prev, now) != prev->on_class) {
		change_class(rq, prev, now);
		prev_runs = false;
	} else if (!prev->is_idle && !prev_runs) {
		sched__dequeue_curr(rq, prev, leave_flags(prev), now);
	}
	sched__measure_inc(rq, SCHED_CNT_PICK_CANDIDATES, rq->nr_queued + prev_runs);
	next = sched__core_on(rq) ? sched__core_choose(rq, prev, prev_runs, now)
				  : sched__choose(rq, prev, now);
	if (next != prev || !prev_runs) {
		if (prev_runs) {
			prev->on_class->put_prev(rq, prev);
			sched__set(&prev->state, SCHED_RUNNABLE);
			prev->runnable_since = now;
			sched__inc(&rq->nr_queued, 1);
			if (sched__core_on(rq))
				sched__core_tree_add(rq, prev);
		}
		if (next) {
			if (sched__core_on(rq))
				sched__core_tree_del(rq, next);
			next->on_class->set_next(rq, next, now);
			sched__inc(&rq->nr_queued, (uint32_t)-1);
			if (rq->handoff == next)
				rq->handoff = NULL;
		} else {
			next = rq->idle;
		}
	}
	count_outcome(rq, prev, next);
	if (next != prev)
		switch_to(rq, prev, next, now);
	sched__set(&next->state, SCHED_RUNNING);
	rq->curr = next;
	sched__publish_rank(rq); /* the current thread changed; the load did not */
	sched__set(&rq->need_resched, 0);
	if (sched__core_on(rq))
		sched__core_switched(rq, now);
	sched__rearm(rq);
	return next;
}

/* Nothing queued and the current thread will not go on (idle, exited or leaving). */
static bool rq_would_idle(const struct sched_rq *rq)
{
	return sched__get(&rq->online) && sched__get(&rq->nr_queued) == 0 &&
	       (rq->curr->is_idle || sched__get(&rq->curr->state) != SCHED_RUNNING);
}

struct sched_thread *sched_pick(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq;
	struct sched_thread *next;
	unsigned long flags;

	if (!s || cpu >= s->nr_cpus || !s->rq[cpu].curr)
		return NULL;
	rq = sched__rq(s, cpu);
	flags = sched_arch_irq_save();
	if (rq_would_idle(rq))
		sched__steal(rq);
	sched__rt_pull(rq, false);
	sched__rq_lock(rq);
	next = sched__schedule(rq);
	sched__rq_unlock_irq(rq, flags);
	return next;
}

/*
 * A MIGRATING thread has left its old CPU's stack: queue it on its destination. If that
 * went offline meanwhile, choose again; each retry follows an offline, so it is bounded by
 * nr_cpus, and offline never strands a thread, so a CPU is always found. t locked.
 */
static void finish_migration(struct sched_sys *s, struct sched_thread *t)
{
	sched__assert_thread_locked(t);
	for (unsigned tries = 0; sched__get(&t->state) == SCHED_MIGRATING && tries <= s->nr_cpus; tries++) {
		struct sched_rq *src = sched__rq(s, t->cpu), *dst = sched__rq(s, t->dst_cpu);
		int c;


		struct sched_rq_pair pair = sched__rq_lock2(src, dst);

		if (dst->online && sched__lease_lets(dst, t)) {
			sched__end_migrating(s, t, SCHED_RUNNABLE);
			sched__arrive(src, dst, t, sched_arch_now(), t->mig_cause);
			sched__rq_unlock2(pair);
			return;
		}
		sched__rq_unlock2(pair);
		c = sched__pick_other_cpu(s, t, t->cpu);
		if (c < 0)
			return;
		sched__set_migrating(s, t, (unsigned)c, t->mig_cause);
	}
}

/*
 * `switching` is written by the pick and read here, both on rq->cpu only, so no lock is
 * needed; that also lets another CPU spin on a thread's on_cpu while holding this rq lock.
 * A migrating thread's state is settled under its lock before on_cpu is released, so the
 * storage is not touched after another CPU may reuse it.
 */
void sched_finish_switch(struct sched_sys *s, unsigned cpu)
{
	struct sched_thread *prev;
	unsigned long flags;

	if (!s || cpu >= s->nr_cpus)
		return;
	flags = sched_arch_irq_save();
	prev = s->rq[cpu].switching;
	s->rq[cpu].switching = NULL;
	if (prev && !prev->is_idle) {
		if (__atomic_load_n(&prev->state, __ATOMIC_ACQUIRE) == SCHED_MIGRATING) {
			sched__spin_lock(&prev->lock);
			sched__store_release(&prev->on_cpu, 0);
			finish_migration(s, prev);
			sched__spin_unlock(&prev->lock);
		} else {
			sched__store_release(&prev->on_cpu, 0);
		}
	}
	if (sched__get(&s->rq[cpu].lease_due)) /* a lease's part of this CPU (lease.c) */
		sched__lease_switched(s, &s->rq[cpu]);
	sched_arch_irq_restore(flags);
	/* What the pick left queued may run elsewhere. Not before this point: between a
	 * switch and its end this CPU takes no lock (others wait on prev's on_cpu holding
	 * theirs), as Linux runs its push after finish_task_switch. */
	sched__rt_push(s, cpu);
}

/* Others wait and the current thread's slice (or budget) end has passed. rq locked, on
 * rq->cpu (the timer). */
static bool slice_over(struct sched_rq *rq, sched_time_t now)
{
	struct sched_thread *c = rq->curr;

	sched__assert_rq_local(rq);
	return sched__others_wait(rq) && !c->is_idle && c->on_class &&
	       sched__get(&c->state) == SCHED_RUNNING &&
	       !sched_time_before(now, c->on_class->slice_end(rq, c, c->exec_start));
}

/* A class asked for a pick by now (rt: its throttling window ended while others ran). */
static bool class_due(const struct sched_rq *rq, sched_time_t now)
{
	sched_time_t e = sched__class_event(rq, now);

	return e != SCHED_TIME_NEVER && !sched_time_before(now, e);
}

/* The current thread's class follows what other CPUs changed; the load follows it. */
static void tick_class(struct sched_rq *rq)
{
	struct sched_thread *c = rq->curr;

	if (c->is_idle || !c->on_class || !c->on_class->tick)
		return;
	c->on_class->tick(rq, c);
	sched__update_load(rq);
}

bool sched_timer(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq;
	unsigned long flags;
	sched_time_t now;
	bool resched;

	if (!s || cpu >= s->nr_cpus || !s->rq[cpu].curr)
		return false;
	rq = sched__rq(s, cpu);
	flags = sched_arch_irq_save();
	now = sched_arch_now();
	sched__expire_sleepers(rq, now);
	if (sched__get(&rq->online) && !sched_time_before(now, rq->next_balance)) {
		sched__balance(rq, now);
		sched__rt_pull(rq, false); /* a missed push or pull is repaired here at the latest */
	}
	sched__rq_lock(rq);
	sched__inc(&rq->counters[SCHED_CNT_TIMER_IRQ], 1);
	sched__charge_timer(rq, now); /* a slice, request or budget that ended sets need_resched */
	tick_class(rq);
	if (slice_over(rq, now) || class_due(rq, now))
		sched__set(&rq->need_resched, 1);
	if (rq->nr_sc_wait)          /* refills due: waiting threads are queued again */
		sched__expire_refills(rq, now);
	rq->timer_armed = SCHED_TIME_NEVER; /* it fired: whatever is needed gets programmed */
	sched__rearm(rq);
	resched = rq->need_resched;
	sched__rq_unlock_irq(rq, flags);
	/* a refill may have queued a realtime thread here that runs nowhere yet (no pick
	 * follows unless it preempts): it may run elsewhere */
	sched__rt_push(s, cpu);
	return resched;
}

/* rq[cpu], online, or NULL. */
static struct sched_rq *irq_rq(struct sched_sys *s, unsigned cpu)
{
	return s && cpu < s->nr_cpus && s->rq[cpu].curr ? sched__rq(s, cpu) : NULL;
}

void sched_irq_enter(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq = irq_rq(s, cpu);
	unsigned long flags;

	if (!rq)
		return;
	flags = sched_arch_irq_save();
	sched__rq_lock(rq);
	if (!rq->irq_depth) { /* the outermost: charge what came before it */
		sched_time_t now = sched_arch_now();

		sched__charge_curr(rq, now);
		rq->irq_since = now;
	}
	rq->irq_depth++;
	sched__rq_unlock(rq);
	sched_arch_irq_restore(flags);
}

void sched_irq_exit(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq = irq_rq(s, cpu);
	unsigned long flags;

	if (!rq)
		return;
	flags = sched_arch_irq_save();
	sched__rq_lock(rq);
	if (rq->irq_depth && !--rq->irq_depth) {
		sched_time_t now = sched_arch_now();

		if (sched_time_before(rq->irq_since, now))
			sched__inc(&rq->counters[SCHED_CNT_IRQ_NS], now - rq->irq_since);
		if (sched_time_before(rq->curr->exec_start, now)) /* charged up to irq_since */
			rq->curr->exec_start = now;
	}
	sched__rq_unlock(rq);
	sched_arch_irq_restore(flags);
}

bool sched_ipi(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq;
	unsigned long flags;
	bool resched;

	if (!s || cpu >= s->nr_cpus || !s->rq[cpu].curr)
		return false;
	rq = sched__rq(s, cpu);
	flags = sched_arch_irq_save();
	/* Clear before looking: a wake after this point sends a fresh IPI. */
	sched__xchg(&rq->ipi_pending, 0);
	sched__rq_lock(rq);
	sched__inc(&rq->counters[SCHED_CNT_IPI_RECEIVED], 1);
	sched__rearm(rq);
	resched = rq->need_resched;
	sched__rq_unlock_irq(rq, flags);
	return resched;
}

bool sched_need_resched(struct sched_sys *s, unsigned cpu)
{
	if (!s || cpu >= s->nr_cpus)
		return false;
	return __atomic_load_n(&s->rq[cpu].need_resched, __ATOMIC_RELAXED);
}
