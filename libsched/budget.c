/* SPDX-License-Identifier: MIT */
/*
 * budget.c - a runnable thread's SchedulingContext budget on its CPU: whether it may run now
 * (the gate the core asks before any class), the refill wait of threads without budget,
 * and what a depletion does (the class only reports it).
 *
 * Locking: everything here runs with the lock of the thread's run queue held (asserted);
 * the SC fields read are those the holder's run queue lock protects (sc.h).
 */
#include "internal.h"
#include "budget.h"
#include "explain.h"
#include "refill.h"
#include "trace.h"

/* One message per depletion, from the SC's own storage: nothing is allocated. */
static void notify(struct sched_sys *s, struct sched_sc *sc, const struct sched_thread *t)
{
	if (!sc->endpoint || !s->cfg.notify)
		return;
	sc->stats.notifications++;
	s->cfg.notify(s->cfg.cb_ctx, sc->endpoint,
		      sched_sc_message(t == sc->bound ? SCHED_SC_MSG_DEPLETED : SCHED_SC_MSG_TIMEOUT,
				       sc->index, t->id));
}

/* A throttle (or, with overrun DEMOTE, a demotion until the refill) decision record. */
static void why_depleted(struct sched_rq *rq, struct sched_thread *t, struct sched_sc *sc)
{
	bool demote = sc->overrun == SCHED_SC_DEMOTE;
	struct sched_explain_log *l =
		sched__why_log(rq->sys, demote ? SCHED_WHY_DEMOTE : SCHED_WHY_THROTTLE);
	struct sched_why w = { 0 };

	if (!l)
		return;
	w.kind = demote ? SCHED_WHY_DEMOTE : SCHED_WHY_THROTTLE;
	w.cause = demote ? SCHED_DEMOTE_DEPLETED : SCHED_THROTTLE_SC;
	w.tid = t->id;
	w.group = sched__gid(t);
	w.obj_kind = SCHED_OBJ_SC;
	w.obj = sc->index;
	w.cpu = (uint16_t)rq->cpu;
	w.fig[0] = sc->budget + sc->debt;
	w.fig[1] = sc->budget;
	w.fig[2] = sched__refill_next(sc);
	sched__why_put(l, &w);
}

/*
 * The current thread's class reported its SC's budget used up: notify once, arm a
 * notify-and-block fault, and always ask for a pick (the thread must leave its class even
 * when nothing else is queued). O(1).
 */
void sched__budget_depleted(struct sched_rq *rq, struct sched_thread *t)
{
	struct sched_sc *sc = sched__run_sc(t);

	sched__assert_rq_locked(rq);
	notify(rq->sys, sc, t);
	why_depleted(rq, t, sc);
	/* a lent SC (mutex) makes its borrower wait for the refill instead: the borrower
	 * holds a lock its lender waits for, and must not block on the lender's fault */
	if (sc->overrun == SCHED_SC_NOTIFY_BLOCK && sc == t->sc)
		sched__set(&t->sc_fault, 1);
	sched__set(&rq->need_resched, 1);
	sched__budget_job_check(rq, t, sched_arch_now());
}

static bool refills_first(const struct sched_rb_node *a, const struct sched_rb_node *b)
{
	return sched_time_before(sched__budget_refill_at(sched__wait_thread(a)),
				 sched__budget_refill_at(sched__wait_thread(b)));
}

sched_time_t sched__budget_refill_at(const struct sched_thread *t)
{
	return sched__refill_next(sched__run_sc(t));
}

/* Runnable t, whose SC has no budget now, waits for its refill on rq. O(log n). */
void sched__budget_wait_add(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	sched__assert_rq_locked(rq);
	SCHED_ASSERT(sched__run_sc(t) && !t->sc_wait);
	sched_rb_add(&rq->sc_wait, &t->sc_node, refills_first);
	t->sc_wait = 1;
	rq->nr_sc_wait++;
	sched__run_sc(t)->wait_since = now;
}

void sched__budget_wait_del(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	sched__assert_rq_locked(rq);
	SCHED_ASSERT(t->sc_wait && rq->nr_sc_wait);
	sched_rb_erase(&rq->sc_wait, &t->sc_node);
	t->sc_wait = 0;
	rq->nr_sc_wait--;
	if (sched__run_sc(t))
		sched__run_sc(t)->stats.throttled_ns += now - sched__run_sc(t)->wait_since;
	sched__budget_job_check(rq, t, now); /* a refill after the job's deadline */
}

/*
 * Is t's job on its own SC past its deadline at `now`? Then it is a miss, counted once per
 * job (at the first look after the deadline: a depletion, a refill, the block that ends
 * it), and its lateness so far is noted; the block that ends it notes the last. A job
 * that never blocks (it runs through its next release) is still counted. t's rq locked.
 */
void sched__budget_job_check(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	struct sched_sc *sc = sched__run_sc(t); /* its own, or one lent to it: the job is the
						 * bound thread's either way */
	struct sched_thread *b = sc ? sc->bound : NULL;
	uint64_t late;

	sched__assert_rq_locked(rq);
	if (!b || sc != sched__get(&b->own_sc) || !sched_time_before(sc->job_deadline, now))
		return;
	late = now - sc->job_deadline;
	if (late > sc->stats.max_lateness_ns)
		sc->stats.max_lateness_ns = late;
	if (sc->job_late)
		return;
	sc->job_late = 1;
	sc->stats.deadline_misses++;
	sched__trace(rq, SCHED_TR_MISS, b->id, late, sc->island != NULL, now);
}

/* The first thread in rq's refill wait, NULL if none. */
struct sched_thread *sched__budget_first(const struct sched_rq *rq)
{
	sched__assert_rq_locked(rq);
	return rq->sc_wait.leftmost ? sched__wait_thread(rq->sc_wait.leftmost) : NULL;
}

/* The next refill instant on rq, SCHED_TIME_NEVER if none. */
sched_time_t sched__budget_next_refill(const struct sched_rq *rq)
{
	const struct sched_thread *t = sched__budget_first(rq);

	return t ? sched__budget_refill_at(t) : SCHED_TIME_NEVER;
}
