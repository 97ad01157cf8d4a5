/* SPDX-License-Identifier: MIT */
/*
 * migrate.c - moving a queued or arriving thread from one CPU's queue to another's.
 */
#include "internal.h"
#include "account.h"
#include "migrate.h"
#include "rq.h"
#include "trace.h"

/* t, already off src's class, arrives on dst. Both rqs and t locked. */
void sched__arrive(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
		   sched_time_t now)
{
	sched__assert_rq_locked(src);
	sched__assert_rq_locked(dst);
	sched__assert_thread_locked(t);
	sched__inc(&src->counters[SCHED_CNT_MIGRATE_OUT], 1);
	sched__inc(&dst->counters[SCHED_CNT_MIGRATE_IN], 1);
	sched__acct_add(t, SCHED_ACCT_MIGRATIONS, 1);
	sched__trace(dst, SCHED_TR_MIGRATE, t->id, dst->cpu, (uint8_t)src->cpu, now);
	/* A remote dst's current thread may have run uncharged for long (no timer while it
	 * was alone): its class's virtual time must be up to date before t is placed against
	 * it. A local dst is picking (a steal), its current thread charged and maybe already
	 * back among the queued, where a charge would corrupt the class's sums. */
	if (dst->cpu != sched_arch_cpu_id())
		sched__charge_curr(dst, now);
	sched__enqueue(dst, t, SCHED_ENQ_MIGRATE, now);
	sched__kick(dst, sched__preempts(dst, t));
}

/* Move queued t from src to dst. Both rqs and t locked; t RUNNABLE on src. */
void sched__move_queued(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
			sched_time_t now)
{
	sched__assert_rq_locked(src);
	sched__assert_rq_locked(dst);
	sched__assert_thread_locked(t);
	SCHED_ASSERT(sched__get(&t->state) == SCHED_RUNNABLE && t->cpu == src->cpu);
	sched__dequeue(src, t, SCHED_DEQ_MIGRATE);
	sched__arrive(src, dst, t, now);
}
