/* SPDX-License-Identifier: MIT */
/*
 * migrate.c - moving a queued or arriving thread from one CPU's queue to another's.
 */
#include "internal.h"
#include "account.h"
#include "explain.h"
#include "migrate.h"
#include "rq.h"
#include "trace.h"

/*
 * t, already off src's class, arrives on dst. Both rqs and t locked. dst's current thread
 * may have run uncharged for long (no timer while it was alone): its class's virtual time
 * is brought up to date before t is placed against it, unless dst is in the middle of its
 * own pick (`picking`: its current thread was charged there and may already be back among
 * the queued, where a charge would corrupt the class's sums).
 */
static void arrive(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
		   sched_time_t now, bool picking, unsigned cause)
{
	sched__assert_rq_locked(src);
	sched__assert_rq_locked(dst);
	sched__assert_thread_locked(t);
	/* a migration re-aimed at its own CPU (its affinity changed again after its CPU
	 * switched away from it, allowing that CPU) arrives home: no migration to count */
	if (src != dst) {
		sched__inc(&src->counters[SCHED_CNT_MIGRATE_OUT], 1);
		sched__inc(&dst->counters[SCHED_CNT_MIGRATE_IN], 1);
		sched__acct_add(t, SCHED_ACCT_MIGRATIONS, 1);
		sched__trace(dst, SCHED_TR_MIGRATE, t->id, dst->cpu, (uint8_t)src->cpu, now);
		sched__why_migrate(src->sys, t, src->cpu, dst->cpu, cause, now);
	}
	if (!picking)
		sched__charge_curr(dst, now);
	sched__enqueue(dst, t, SCHED_ENQ_MIGRATE, now);
	sched__kick(dst, sched__preempts(dst, t));
}

void sched__arrive(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
		   sched_time_t now, unsigned cause)
{
	arrive(src, dst, t, now, false, cause);
}

static void move_queued(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
			sched_time_t now, bool picking, unsigned cause)
{
	sched__assert_rq_locked(src);
	sched__assert_rq_locked(dst);
	sched__assert_thread_locked(t);
	SCHED_ASSERT(sched__get(&t->state) == SCHED_RUNNABLE && t->cpu == src->cpu);
	sched__dequeue(src, t, SCHED_DEQ_MIGRATE);
	arrive(src, dst, t, now, picking, cause);
}

/* Move queued t from src to dst. Both rqs and t locked; t RUNNABLE on src. */
void sched__move_queued(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
			sched_time_t now, unsigned cause)
{
	move_queued(src, dst, t, now, false, cause);
}

/* The same from inside dst's own pick (a core-wide pick taking a thread for it). */
void sched__move_queued_picking(struct sched_rq *src, struct sched_rq *dst,
				struct sched_thread *t, sched_time_t now)
{
	move_queued(src, dst, t, now, true, SCHED_MIG_STEAL);
}
