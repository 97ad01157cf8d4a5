/* SPDX-License-Identifier: MIT */
/*
 * budget.h - a runnable thread's SC budget on its CPU (budget.c). Every function: the lock
 * of the thread's run queue held (asserted where the run queue is passed).
 */
#ifndef LIBSCHED_BUDGET_H
#define LIBSCHED_BUDGET_H

#include "internal.h"
#include "refill.h"

enum sched_gate {
	SCHED_GATE_RUN,     /* may run: the classes decide where */
	SCHED_GATE_DEMOTED, /* no budget, DEMOTE policy: runs below its budget class, and
			     * waits for the refill to go back */
	SCHED_GATE_WAIT,    /* no budget: off every class queue until the refill (throttled) */
	SCHED_GATE_BLOCK,   /* may not run: passive without an SC, or a notify-and-block fault */
};

/* May runnable t run now, and how? O(1) (a refill lookup). Inline: every enqueue asks, and
 * a thread that never met an SC answers at the first test. */
static inline enum sched_gate sched__gate(const struct sched_thread *t, sched_time_t now)
{
	const struct sched_sc *sc = sched__run_sc(t);

	if (!sc)
		return t->sc_fault || t->passive ? SCHED_GATE_BLOCK : SCHED_GATE_RUN;
	if (t->sc_fault)
		return SCHED_GATE_BLOCK;
	if (sched__refill_avail(sc, now))
		return SCHED_GATE_RUN;
	/* a lent SC used up: the owner goes on with what else it has (its own and lent
	 * priority and weight) until the refill, never held back by the lender's budget */
	return sc->overrun == SCHED_SC_DEMOTE || sc == t->mx_sc ? SCHED_GATE_DEMOTED
								 : SCHED_GATE_WAIT;
}

void sched__budget_depleted(struct sched_rq *rq, struct sched_thread *t);
void sched__budget_wait_add(struct sched_rq *rq, struct sched_thread *t, sched_time_t now);
void sched__budget_wait_del(struct sched_rq *rq, struct sched_thread *t, sched_time_t now);
void sched__budget_job_check(struct sched_rq *rq, struct sched_thread *t, sched_time_t now);
sched_time_t sched__budget_refill_at(const struct sched_thread *t);
struct sched_thread *sched__budget_first(const struct sched_rq *rq);
sched_time_t sched__budget_next_refill(const struct sched_rq *rq);

#endif
