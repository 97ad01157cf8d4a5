/* SPDX-License-Identifier: MIT */
/*
 * account.c - the one charge function, and the per-thread ledger with its group totals.
 *
 * Time is charged from the arch clock at charge points (switch, preemption, block, IPC
 * handoff, unblock, exit, and whenever figures are read), never counted in ticks, so it
 * stays right when the timer is stopped on an idle or single-thread CPU.
 */
#include "internal.h"
#include "account.h"
#include "budget.h"
#include "progress.h"
#include "rq.h"

/* Add to a group's total and every enclosing one's. Depth <= SCHED_GROUP_DEPTH_MAX. */
void sched__group_acct_add(struct sched_group *g, enum sched_acct_field f, uint64_t v)
{
	for (; g; g = g->parent)
		sched__add(&g->acct.v[f], v);
}

/* Add to a thread's figure and to every enclosing group's total. Depth <= SCHED_GROUP_DEPTH_MAX. */
void sched__acct_add(struct sched_thread *t, enum sched_acct_field f, uint64_t v)
{
	t->acct.v[f] += v;
	sched__group_acct_add(t->group, f, v);
}

/* The class may ask for a pick itself: a request ended (if others wait), or the budget it
 * runs on ran out (always: the thread must leave its budget class). */
static void charge_class(struct sched_rq *rq, struct sched_thread *t, uint64_t delta)
{
	enum sched_charge r;

	if (!t->on_class)
		return;
	r = t->on_class->charge(rq, t, delta);
	if (t->on_class == rq->sys->classes[SCHED_NR_CLASSES - 1])
		sched__progress_charge(rq, t, delta);
	if (r == SCHED_CHARGE_DEPLETED)
		sched__budget_depleted(rq, t);
	else if (r == SCHED_CHARGE_SLICE && sched__others_wait(rq) &&
		 sched__get(&t->state) == SCHED_RUNNING)
		sched__set(&rq->need_resched, 1);
}

/* Charge the current thread of rq for the time since its last charge. */
void sched__charge_curr(struct sched_rq *rq, sched_time_t now)
{
	struct sched_thread *t = rq->curr;
	uint64_t delta;

	sched__assert_rq_locked(rq);
	if (!t || !sched_time_before(t->exec_start, now))
		return;
	/* inside a device interrupt handler the charge stops at its start, and the charge
	 * point still moves to now: the handler's time is nobody's (sched_irq_enter) */
	delta = sched__uncharged(rq, t, now);
	if (rq->lease && rq->lease->target) /* the whole CPU is the lease's (lease.c) */
		sched__group_acct_add(rq->lease->target, SCHED_ACCT_LEASED, now - t->exec_start);
	t->exec_start = now;
	if (!delta)
		return;
	if (t->is_idle) {
		sched__inc(&rq->counters[SCHED_CNT_IDLE_NS], delta);
		return;
	}
	sched__inc(&rq->counters[SCHED_CNT_BUSY_NS], delta);
	sched__acct_add(t, SCHED_ACCT_RUNTIME, delta);
	charge_class(rq, t, delta);
}

/*
 * The timer fired. A fair request can have reached its end with no time passed since the
 * last charge (a group entity's request shrunk to nothing by a reweight, a quantum used
 * up by a yield with nobody behind it): the class still gets to end it, or the same past
 * instant would be programmed again, forever. (A budgeted class is left out: its depletion
 * is found at the charge that used the budget, and charging it twice would notify twice.)
 */
void sched__charge_timer(struct sched_rq *rq, sched_time_t now)
{
	struct sched_thread *t = rq->curr;

	sched__assert_rq_local(rq);
	if (t && !t->is_idle && t->exec_start == now && t->on_class && !t->on_class->budgeted)
		charge_class(rq, t, 0);
	else
		sched__charge_curr(rq, now);
}

/* t becomes current at `now`: close its wait and, after a wake, its wake latency. */
void sched__note_switch_in(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	sched__assert_rq_locked(rq);
	t->exec_start = now;
	sched__progress_publish(rq, t, now);
	if (t->is_idle)
		return;
	sched__acct_add(t, SCHED_ACCT_SWITCHES, 1);
	sched__acct_add(t, SCHED_ACCT_WAIT, now - t->runnable_since);
	if (t->wake_pending) {
		uint64_t lat = now - t->woken_at;

		t->wake_pending = 0;
		sched__acct_add(t, SCHED_ACCT_WAKE_LAT, lat);
		if (lat > t->wake_lat_max)
			t->wake_lat_max = lat;
	}
}
