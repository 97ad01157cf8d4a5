/* SPDX-License-Identifier: MIT */
/*
 * edf.c - the budgeted class: threads whose SchedulingContext has budget, earliest absolute
 * deadline first, above every fair thread.
 *
 * A thread is here only while its SC has usable budget (the core moves it to the refill
 * wait or to the fair class otherwise, sc.c), so the class never sees a depleted SC except
 * in charge(), which reports the depletion. An SC's deadline changes only while its holder
 * is current or off every queue, so the tree key is stable while queued. No time slicing
 * among EDF threads: the earlier deadline runs until it blocks or its budget ends
 * (round-robin SCs renew their deadline at each used-up budget, so they take turns).
 * Every operation O(log n) in the EDF threads of the CPU.
 */
#include "internal.h"

static struct sched_thread *of(const struct sched_rb_node *n)
{
	return sched__container_of(n, struct sched_thread, sc_node);
}

/* A current thread whose SC was just lent or taken has no deadline left: it is leaving. */
static sched_time_t key(const struct sched_thread *t)
{
	return t->sc ? t->sc->deadline : SCHED_TIME_NEVER;
}

static void edf_rq_init(struct sched_rq *rq)
{
	rq->edf.ready = (struct sched_rb_tree){ 0 };
	rq->edf.nr = 0;
}

static void edf_thread_init(struct sched_sys *s, struct sched_thread *t)
{
	(void)s, (void)t;
}

static void edf_reweight(struct sched_rq *rq, struct sched_thread *t)
{
	(void)rq, (void)t; /* weights are the fair class's business */
}

static void insert(struct sched_rq *rq, struct sched_thread *t)
{
	sched__sc_insert(&rq->edf.ready, t, key);
	rq->edf.nr++;
}

static void erase(struct sched_rq *rq, struct sched_thread *t)
{
	sched_rb_erase(&rq->edf.ready, &t->sc_node);
	rq->edf.nr--;
}

static void edf_enqueue(struct sched_rq *rq, struct sched_thread *t, unsigned flags)
{
	(void)flags;
	insert(rq, t);
}

static void edf_dequeue(struct sched_rq *rq, struct sched_thread *t, unsigned flags)
{
	(void)flags;
	if (rq->curr != t)
		erase(rq, t);
}

static bool curr_runs_here(const struct sched_rq *rq)
{
	const struct sched_thread *c = rq->curr;

	return !c->is_idle && sched__get(&c->state) == SCHED_RUNNING &&
	       c->on_class == &sched_edf_class;
}

/* The earliest deadline among the queued and a running current thread; ties keep curr. */
static struct sched_thread *edf_pick(struct sched_rq *rq, sched_time_t now)
{
	struct sched_thread *first = rq->edf.ready.leftmost ? of(rq->edf.ready.leftmost) : NULL;

	(void)now;
	if (curr_runs_here(rq) && (!first || !sched__deadline_before(key(first), key(rq->curr))))
		return rq->curr;
	return first;
}

static void edf_set_next(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	(void)now;
	erase(rq, t);
}

static void edf_put_prev(struct sched_rq *rq, struct sched_thread *t)
{
	insert(rq, t);
}

/* A callee on the caller's SC continues the caller's job: it may run at once unless an
 * earlier deadline waits. */
static bool edf_handoff(struct sched_rq *rq, struct sched_thread *from, struct sched_thread *to)
{
	struct sched_thread *first = rq->edf.ready.leftmost ? of(rq->edf.ready.leftmost) : NULL;

	(void)from;
	return first == to || !sched__deadline_before(key(first), key(to));
}

static bool edf_charge(struct sched_rq *rq, struct sched_thread *t, uint64_t delta)
{
	return sched__sc_charge(rq, t, delta);
}

static bool edf_wakeup_preempt(struct sched_rq *rq, struct sched_thread *curr,
			       struct sched_thread *woken)
{
	(void)rq;
	return sched__deadline_before(key(woken), key(curr));
}

/* EDF does not slice: the current thread runs until its usable budget ends. */
static sched_time_t edf_slice_end(struct sched_rq *rq, struct sched_thread *curr,
				  sched_time_t charged_at)
{
	(void)rq;
	return curr->sc ? charged_at + sched__refill_avail(curr->sc, charged_at) : charged_at;
}

/* Yield gives up what is left of the budget until the next refill (Linux: dl_yielded). */
static void edf_yield(struct sched_rq *rq, struct sched_thread *curr)
{
	sched__sc_yield(rq, curr);
}

static struct sched_thread *edf_first(struct sched_rq *rq)
{
	return rq->edf.ready.leftmost ? of(rq->edf.ready.leftmost) : NULL;
}

static struct sched_thread *edf_next(struct sched_rq *rq, struct sched_thread *t)
{
	struct sched_rb_node *n = sched_rb_next(&t->sc_node);

	(void)rq;
	return n ? of(n) : NULL;
}

static int edf_check(struct sched_rq *rq)
{
	struct sched_sys *s = rq->sys;
	const struct sched_thread *prev = NULL;
	unsigned n = 0;

	if (!sched_rb_valid(&rq->edf.ready))
		FAIL(s, "EDF tree is not a red-black tree", rq->cpu);
	for (struct sched_rb_node *x = rq->edf.ready.leftmost; x && n <= rq->edf.nr;
	     x = sched_rb_next(x), n++) {
		const struct sched_thread *t = of(x);

		if (!t->sc || t->on_class != &sched_edf_class)
			FAIL(s, "thread in the EDF tree without an SC", t->id);
		if (!sched__refill_avail(t->sc, sched_arch_now()))
			FAIL(s, "EDF-queued thread has no usable budget", t->id);
		if (prev && sched_time_before(key(t), key(prev)))
			FAIL(s, "EDF tree out of deadline order", t->id);
		prev = t;
	}
	if (n != rq->edf.nr)
		FAIL(s, "EDF count differs from its tree", rq->cpu);
	return 0;
}

const struct sched_class sched_edf_class = {
	.name = "edf",
	.rq_init = edf_rq_init,
	.thread_init = edf_thread_init,
	.reweight = edf_reweight,
	.enqueue = edf_enqueue,
	.dequeue = edf_dequeue,
	.pick = edf_pick,
	.set_next = edf_set_next,
	.put_prev = edf_put_prev,
	.handoff = edf_handoff,
	.charge = edf_charge,
	.wakeup_preempt = edf_wakeup_preempt,
	.slice_end = edf_slice_end,
	.yield = edf_yield,
	.first = edf_first,
	.next = edf_next,
	.check = edf_check,
};
