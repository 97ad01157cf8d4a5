/* SPDX-License-Identifier: MIT */
/*
 * push.c - realtime push and pull: on a set of CPUs, the most urgent realtime threads run
 * (global EDF for SchedulingContexts, global fixed priority for the rt class), as Linux's
 * rt and deadline classes do within a root domain.
 *
 * A realtime class is one with a rank key (class.h): EDF's absolute deadline, rt's
 * 100 - priority. Each CPU publishes the rank of what it runs and of its most urgent queued
 * realtime thread (rq.c). Three moments keep the m most urgent running:
 *   - placement: a waking realtime thread goes to the allowed CPU running the least urgent
 *     thing (idle first), its previous CPU on ties;
 *   - push: after a pick or a wake, a CPU with a realtime thread queued behind another
 *     sends it to the allowed CPU running something less urgent than it;
 *   - pull: before a pick, a CPU about to run something less urgent than another CPU's
 *     queued realtime thread takes that thread.
 * Published ranks are read without locks; every move is decided again under both queue
 * locks and the thread's lock, so a stale read costs a look, never a wrong move. Each call
 * is O(nr_cpus) reads plus at most `balance_max` moves (push) or one (pull). Pull scans
 * only while some CPU has a realtime thread queued (a shared count), so a system without
 * realtime work pays one atomic read per pick.
 *
 * Not with core scheduling: there a CPU that looks idle may be forced idle by its
 * sibling's cookie, a pushed thread may not run there either, and pushes would go round;
 * the core-wide pick orders realtime threads among siblings, and placement, stealing and
 * the periodic balance spread them.
 */
#include "internal.h"
#include "migrate.h"
#include "place.h"
#include "push.h"
#include "rq.h"

/* What rq's current thread ranks while it runs; "nothing" when idle or leaving. rq locked. */
static struct sched_rank curr_rank(const struct sched_rq *rq)
{
	const struct sched_thread *c = rq->curr;

	if (c && sched__get(&c->state) == SCHED_RUNNING)
		return sched__rank_of(c, c->on_class);
	return (struct sched_rank){ SCHED_NR_CLASSES, 0 };
}

/* What rq would run now if it picked: its running current thread (unless `leaving`) or its
 * most urgent queued realtime one, whichever is more urgent (fair and idle rank alike below
 * every realtime thread). rq locked. */
static struct sched_rank would_run(struct sched_rq *rq, bool leaving)
{
	struct sched_thread *q = sched__best_queued_rt(rq);
	struct sched_rank r = leaving ? (struct sched_rank){ SCHED_NR_CLASSES, 0 } : curr_rank(rq);

	if (q && sched__rank_before(sched__rank_of(q, q->on_class), r))
		r = sched__rank_of(q, q->on_class);
	return r;
}

/* Queued t may leave src for dst: not on a CPU's stack, not a pending handoff, allowed
 * there. src, dst and t locked. */
static bool can_move(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t)
{
	sched__assert_thread_locked(t);
	return sched__get(&t->state) == SCHED_RUNNABLE && t->cpu == src->cpu &&
	       !__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE) && src->handoff != t &&
	       dst->online && sched_cpumask_test(&t->affinity, dst->cpu) &&
	       sched__lease_lets(dst, t);
}

/* Move src's most urgent queued realtime thread to dst if it is still `want`, may go, and
 * outranks what dst would run (without its current thread if `leaving`). Both rqs locked. */
static bool move_best(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *want,
		      bool leaving)
{
	struct sched_thread *t = sched__best_queued_rt(src);
	bool ok;

	if (!t || (want && t != want) || !sched__spin_trylock(&t->lock))
		return false;
	ok = can_move(src, dst, t) && sched__rank_before(sched__rank_of(t, t->on_class),
							  would_run(dst, leaving));
	if (ok)
		sched__move_queued(src, dst, t, sched_arch_now(), SCHED_MIG_PUSH); /* kicks dst */
	sched__spin_unlock(&t->lock);
	return ok;
}

/* --- pull -------------------------------------------------------------------------------- */

/* The CPU other than rq's whose queued realtime thread is most urgent and more urgent than
 * `mine`; -1 if none. O(nr_cpus). */
static int pull_source(struct sched_sys *s, unsigned me, struct sched_rank mine)
{
	int best = -1;
	struct sched_rank br = mine;

	for (unsigned c = 0; c < s->nr_cpus; c++) {
		struct sched_rank q;

		if (c == me || !sched__cpu_usable(s, c))
			continue;
		q = sched__rank_queued(sched__rq(s, c));
		if (sched__rank_before(q, br)) {
			br = q;
			best = (int)c;
		}
	}
	return best;
}

unsigned sched__rt_pull(struct sched_rq *rq, bool leaving)
{
	struct sched_sys *s = rq->sys;
	struct sched_rank mine;
	struct sched_rq_pair pair;
	struct sched_rq *src;
	bool moved;
	int c;

	SCHED_ASSERT(rq->cpu == sched_arch_cpu_id()); /* unlocked: sched__rq_lock2 checks that */
	if (!__atomic_load_n(&s->rt_queued_cpus, __ATOMIC_RELAXED) || !sched__get(&rq->online) ||
	    s->cfg.core_sched)
		return 0;
	mine = leaving ? (struct sched_rank){ SCHED_NR_CLASSES, 0 } : sched__rank_curr(rq);
	if (sched__rank_before(sched__rank_queued(rq), mine))
		mine = sched__rank_queued(rq);
	if ((c = pull_source(s, rq->cpu, mine)) < 0)
		return 0;
	src = sched__rq(s, (unsigned)c);
	pair = sched__rq_lock2(rq, src);
	moved = rq->online && move_best(src, rq, NULL, leaving);
	if (moved)
		sched__inc(&rq->counters[SCHED_CNT_RT_PULLS], 1);
	sched__rq_unlock2(pair);
	return moved;
}

/* --- push -------------------------------------------------------------------------------- */

/* rq's most urgent queued realtime thread, its rank and affinity (copied under its lock),
 * or NULL; also NULL when it is what rq runs next (its current thread is less urgent, or
 * leaving: the pick that comes takes it). */
static struct sched_thread *push_candidate(struct sched_rq *rq, struct sched_rank *r,
					   sched_cpumask_t *mask)
{
	struct sched_thread *t;
	unsigned long flags = sched__rq_lock_irq(rq);

	t = sched__best_queued_rt(rq);
	if (t && !sched__rank_before(curr_rank(rq), sched__rank_of(t, t->on_class)))
		t = NULL;
	if (t && sched__spin_trylock(&t->lock)) {
		*r = sched__rank_of(t, t->on_class);
		sched__usable_mask(rq->sys, t, &t->affinity, mask);
		sched__spin_unlock(&t->lock);
	} else {
		t = NULL;
	}
	sched__rq_unlock_irq(rq, flags);
	return t;
}

unsigned sched__rt_push(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq = sched__rq(s, cpu);
	unsigned moved = 0;

	while (!s->cfg.core_sched && moved < s->cfg.balance_max &&
	       sched__rank_queued(rq).slot < SCHED_NR_CLASSES) {
		struct sched_rank r;
		sched_cpumask_t mask;
		struct sched_thread *t = push_candidate(rq, &r, &mask);
		struct sched_rq_pair pair;
		unsigned long flags;
		bool ok;
		int d;

		if (!t || (d = sched__rt_target(s, &mask, cpu, r)) < 0)
			break;
		flags = sched_arch_irq_save();
		pair = sched__rq_lock2(rq, sched__rq(s, (unsigned)d));
		ok = move_best(rq, sched__rq(s, (unsigned)d), t, false);
		if (ok)
			sched__inc(&rq->counters[SCHED_CNT_RT_PUSHES], 1);
		sched__rq_unlock2(pair);
		sched_arch_irq_restore(flags);
		if (!ok)
			break;
		moved++;
	}
	return moved;
}
