/* SPDX-License-Identifier: MIT */
/*
 * check.c - the invariant checker, run by tests after every simulated step.
 *
 * Checked on every CPU, under its lock:
 *  - ownership: each queued thread is RUNNABLE, names this CPU, is allowed here, and is
 *    seen once across all queues and current slots (a per-check stamp finds duplicates);
 *    the queue holds exactly nr_queued threads; an offline CPU queues nothing;
 *  - the current thread is RUNNING here, or is leaving (EXITED/MIGRATING) with a pick due;
 *  - liveness of the tickless timer: queued work has either a pick due, an IPI in flight,
 *    or a timer armed no later than the slice end; sleepers have a timer armed no later
 *    than the earliest timeout (or an IPI in flight);
 *  - the sleeper tree is ordered, red-black balanced, holds nr_sleepers BLOCKED threads;
 *  - the class's own invariants.
 */
#include "island.h"
#include "internal.h"
#include "lease.h"
#include "core_pick.h"
#include "proxy.h"
#include "rq.h"
#include "sc.h"


static bool pick_pending(const struct sched_rq *rq)
{
	return rq->need_resched || __atomic_load_n(&rq->ipi_pending, __ATOMIC_RELAXED);
}

/* Mark t seen in this check; false if it was already seen (placed twice). */
static bool stamp(struct sched_sys *s, struct sched_thread *t)
{
	if (t->check_stamp == s->check_epoch)
		return false;
	t->check_stamp = s->check_epoch;
	return true;
}

static int check_curr(struct sched_sys *s, struct sched_rq *rq)
{
	struct sched_thread *c = rq->curr;

	if (!c)
		return sched__check_fail(s, "online CPU without a current thread", rq->cpu);
	if (c->is_idle) {
		if (c != rq->idle)
			return sched__check_fail(s, "idle thread of another CPU is current", rq->cpu);
		return 0;
	}
	if (!stamp(s, c))
		return sched__check_fail(s, "current thread also placed elsewhere", c->id);
	if (sched__proxy_check(s, c) < 0)
		return -SCHED_ECHECK;
	if (c->cpu != rq->cpu)
		return sched__check_fail(s, "current thread names another CPU", c->id);
	if (!c->on_cpu)
		return sched__check_fail(s, "current thread without on_cpu", c->id);
	if (sched__get(&c->state) == SCHED_RUNNING) {
		const struct sched_class *want = sched__class_wanted(rq, c, sched_arch_now());

		if (!rq->online || !sched_cpumask_test(&c->affinity, rq->cpu))
			return sched__check_fail(s, "thread running where it may not run", c->id);
		/* an SC depleted, revoked or faulted: the thread may go on only until this pick
		 * (a refill that is due is the timer's job: checked with the refill wait) */
		if (c->on_class != want && !pick_pending(rq) && !c->sc_wait)
			return sched__check_fail(
				s, "thread runs in a class its SC no longer allows, no pick due", c->id);
		return 0;
	}
	if (sched__get(&c->state) != SCHED_EXITED && sched__get(&c->state) != SCHED_MIGRATING)
		return sched__check_fail(s, "current thread neither running nor leaving", c->id);
	if (!pick_pending(rq))
		return sched__check_fail(s, "leaving current thread without a pick due", c->id);
	if (sched__get(&c->state) == SCHED_MIGRATING && !sched__cpu_usable(s, c->dst_cpu))
		return sched__check_fail(s, "migrating to an offline CPU", c->id);
	return 0;
}

/* The queued threads of one class on rq; adds their weights to *load (the other classes'
 * only: the fair class counts through its top weight), returns the count. */
static int check_class(struct sched_sys *s, struct sched_rq *rq, const struct sched_class *cls,
		       uint64_t *load)
{
	unsigned n = 0;
	int ret = cls->check ? cls->check(rq) : 0;

	if (ret < 0)
		return ret;
	for (struct sched_thread *t = cls->first(rq); t && n <= rq->nr_queued;
	     t = cls->next(rq, t), n++) {
		if (sched__get(&t->state) != SCHED_RUNNABLE || t->cpu != rq->cpu)
			return sched__check_fail(s, "queued thread not RUNNABLE on this CPU", t->id);
		if (t->on_class != cls)
			return sched__check_fail(s, "queued thread on another class than it says", t->id);
		if (!sched_cpumask_test(&t->affinity, rq->cpu))
			return sched__check_fail(s, "queued on a CPU outside its affinity", t->id);
		if (!stamp(s, t))
			return sched__check_fail(s, "thread placed twice", t->id);
		if (sched__proxy_check(s, t) < 0)
			return -SCHED_ECHECK;
		if (t->on_cpu && t != rq->switching)
			return sched__check_fail(s, "queued thread still marked on a CPU", t->id);
		if (cls != s->classes[SCHED_NR_CLASSES - 1])
			*load += t->weight;
	}
	if (n + (rq->curr->on_class == cls) != rq->class_nr[cls->slot])
		return sched__check_fail(s, "class count differs from its queue", rq->cpu);
	return (int)n;
}

static int check_queue(struct sched_sys *s, struct sched_rq *rq)
{
	const struct sched_class *fair = s->classes[SCHED_NR_CLASSES - 1];
	uint64_t load = rq->curr->is_idle || rq->curr->on_class == fair ? 0 : rq->curr->weight;
	unsigned queued = 0;

	for (unsigned i = 0; i < SCHED_NR_CLASSES; i++) {
		int n = check_class(s, rq, s->classes[i], &load);

		if (n < 0)
			return n;
		queued += (unsigned)n;
	}
	if (load != rq->load_other || load + fair->top_weight(rq) != rq->load)
		return sched__check_fail(s, "load differs from the weights of the runnable threads",
					 rq->cpu);
	if (queued != rq->nr_queued)
		return sched__check_fail(s, "nr_queued differs from the queue", rq->cpu);
	/* a demoted current thread keeps its refill wait here until it leaves at the pick */
	if (!rq->online && (queued || rq->nr_sc_wait > (uint32_t)(rq->curr->sc_wait != 0)))
		return sched__check_fail(s, "offline CPU holds queued threads", rq->cpu);
	if (rq->handoff && (rq->handoff->check_stamp != s->check_epoch ||
			    sched__get(&rq->handoff->state) != SCHED_RUNNABLE || rq->handoff->cpu != rq->cpu))
		return sched__check_fail(s, "handoff target not queued here", rq->cpu);
	return 0;
}

/* The timer must come no later than the current thread's slice end (others queued) or
 * budget end (EDF, always), unless a pick is due anyway. */
static int check_timer(struct sched_sys *s, struct sched_rq *rq)
{
	struct sched_thread *c = rq->curr;
	const struct sched_class *cls = c->on_class;

	if (pick_pending(rq))
		return 0;
	if (rq->nr_queued && c->is_idle && !rq->forced_idle)
		return sched__check_fail(s, "threads queued behind idle with no pick due", rq->cpu);
	if (c->is_idle || !cls || (!cls->budgeted && !sched__others_wait(rq)))
		return 0;
	if (sched__deadline_before(cls->slice_end(rq, c, c->exec_start), rq->timer_armed))
		return sched__check_fail(s, "no timer for the current thread's slice or budget end", rq->cpu);
	return 0;
}

static int check_sleepers(struct sched_sys *s, struct sched_rq *rq)
{
	const struct sched_rb_node *n;
	const struct sched_thread *prev = NULL;
	unsigned count = 0;

	if (!sched_rb_valid(&rq->sleepers))
		return sched__check_fail(s, "sleeper tree is not a red-black tree", rq->cpu);
	for (n = rq->sleepers.leftmost; n && count <= rq->nr_sleepers; n = sched_rb_next(n)) {
		const struct sched_thread *t =
			sched__container_of(n, struct sched_thread, timeout_node);

		if (sched__get(&t->state) != SCHED_BLOCKED || !sched__get(&t->timeout_armed) || t->cpu != rq->cpu)
			return sched__check_fail(s, "sleeper not BLOCKED with a timeout on this CPU", t->id);
		if (prev && sched_time_before(t->timeout, prev->timeout))
			return sched__check_fail(s, "sleeper tree out of order", t->id);
		prev = t;
		count++;
	}
	if (count != rq->nr_sleepers)
		return sched__check_fail(s, "nr_sleepers differs from the tree", rq->cpu);
	if (rq->sleepers.leftmost) {
		const struct sched_thread *first = sched__container_of(
			rq->sleepers.leftmost, struct sched_thread, timeout_node);
		if (sched__deadline_before(first->timeout, rq->timer_armed) && !pick_pending(rq))
			return sched__check_fail(s, "sleeper timeout earlier than the armed timer", first->id);
	}
	return 0;
}

static int check_cpu(struct sched_sys *s, struct sched_rq *rq)
{
	int ret;

	sched__assert_rq_locked(rq);
	if (rq->online != sched__cpu_usable(s, rq->cpu))
		return sched__check_fail(s, "online flag and online mask disagree", rq->cpu);
	if (!rq->curr)
		return rq->nr_queued ? -SCHED_ECHECK : 0; /* never brought online */
	if ((ret = check_curr(s, rq)) < 0 || (ret = check_queue(s, rq)) < 0 ||
	    (ret = check_timer(s, rq)) < 0 || (ret = check_sleepers(s, rq)) < 0 ||
	    (ret = sched__sc_check(s, rq)) < 0 || (ret = sched__lease_check(s, rq)) < 0)
		return ret;
	return 0;
}

/* The housekeeping set is never empty once a CPU is online. */
static int check_housekeeping(struct sched_sys *s)
{
	bool online = false;

	for (unsigned c = 0; c < s->nr_cpus; c++)
		online |= sched__cpu_usable(s, c);
	return !online || sched__general_left(s, NULL)
		? 0 : sched__check_fail(s, "no housekeeping CPU left", 0);
}

int sched_check(struct sched_sys *s)
{
	int ret = 0;

	if (!s)
		return -SCHED_EINVAL;
	if (++s->check_epoch == 0) /* 0 is what fresh threads carry */
		s->check_epoch = 1;
	s->check_msg = NULL;
	for (unsigned cpu = 0; cpu < s->nr_cpus && !ret; cpu++) {
		struct sched_rq *rq = sched__rq(s, cpu);
		unsigned long flags = sched_arch_irq_save();

		sched__spin_lock(&s->mx_lock); /* the mutex state of the threads met (before rq locks) */
		sched__rq_lock(rq);
		ret = check_cpu(s, rq);
		if (!ret)
			ret = sched__core_check(s, rq);
		sched__rq_unlock(rq);
		sched__spin_unlock(&s->mx_lock);
		sched_arch_irq_restore(flags);
	}
	if (!ret)
		ret = check_housekeeping(s);
	if (!ret)
		ret = sched__island_check(s);
	if (ret < 0 && !s->check_msg)
		s->check_msg = "inconsistent run queue";
	return ret;
}
