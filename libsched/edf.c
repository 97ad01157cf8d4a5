/* SPDX-License-Identifier: MIT */
/*
 * edf.c - the budgeted class: threads whose SchedulingContext has budget, earliest absolute
 * deadline first, above every fair thread.
 *
 * A thread is here only while its SC has usable budget (accepts(); the core moves it to the
 * refill wait or to a lower class otherwise), so the class never sees a depleted SC except
 * in charge(), which reports the depletion for the core to act on. The class is pure: it
 * reads the SC's budget and deadline through the refill arithmetic and calls nothing else. An SC's deadline changes only while its holder
 * is current or off every queue, so the tree key is stable while queued. No time slicing
 * among EDF threads: the earlier deadline runs until it blocks or its budget ends
 * (round-robin SCs renew their deadline at each used-up budget, so they take turns).
 * Every operation O(log n) in the EDF threads of the CPU.
 */
#include "internal.h"
#include "refill.h"

/* The state EDF keeps in its slot of every thread and run queue. */
struct edf_thread {
	struct sched_rb_node node;      /* in the ready tree while queued (not current) */
};

/* How many threads it holds is the core's rq->class_nr (the current one included). */
struct edf_rq {
	struct sched_rb_tree ready;     /* queued, not current, keyed by sc->deadline */
};

SCHED_CLASS_STATE_FITS(struct edf_thread, edf, thread);
SCHED_CLASS_STATE_FITS(struct edf_rq, edf, rq);

static inline struct sched_rb_node *node_of(const struct sched_thread *t)
{
	return &((struct edf_thread *)(void *)t->cls.edf)->node;
}

static inline struct edf_rq *rs(const struct sched_rq *rq)
{
	return (struct edf_rq *)(void *)rq->cls.edf;
}

static struct sched_thread *of(const struct sched_rb_node *n)
{
	return sched__container_of((void *)((char *)n - offsetof(struct edf_thread, node)),
				   struct sched_thread, cls.edf);
}

/* A current thread whose SC was just lent or taken has no deadline left: it is leaving. */
static sched_time_t key(const struct sched_thread *t)
{
	const struct sched_sc *sc = sched__run_sc(t);

	return sc ? sc->deadline : SCHED_TIME_NEVER;
}

/* A thread on an SC with usable budget belongs here. */
static bool edf_accepts(const struct sched_thread *t, sched_time_t now)
{
	const struct sched_sc *sc = sched__run_sc(t);

	return sc && sched__refill_avail(sc, now);
}

static void edf_rq_init(struct sched_rq *rq)
{
	*rs(rq) = (struct edf_rq){ 0 };
}

/* Equal deadlines: first come first. */
static bool earlier(const struct sched_rb_node *a, const struct sched_rb_node *b)
{
	return sched_time_before(key(of(a)), key(of(b)));
}

static void insert(struct sched_rq *rq, struct sched_thread *t)
{
	sched_rb_add(&rs(rq)->ready, node_of(t), earlier);
}

/* t is in the ready tree (set_next, dequeue of a queued thread): it cannot be empty. */
static void erase(struct sched_rq *rq, struct sched_thread *t)
{
	SCHED_ASSERT(rs(rq)->ready.leftmost);
	sched_rb_erase(&rs(rq)->ready, node_of(t));
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
	struct sched_thread *first = rs(rq)->ready.leftmost ? of(rs(rq)->ready.leftmost) : NULL;

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
	struct sched_thread *first = rs(rq)->ready.leftmost ? of(rs(rq)->ready.leftmost) : NULL;

	(void)from;
	SCHED_ASSERT(first); /* `to` is queued here */
	return first == to || !sched__deadline_before(key(first), key(to));
}

/* Charge the SC; a depletion is the core's to act on (notify, fault, reschedule). */
static enum sched_charge edf_charge(struct sched_rq *rq, struct sched_thread *t, uint64_t delta)
{
	struct sched_sc *sc = sched__run_sc(t);

	(void)rq;
	if (!sc)
		return SCHED_CHARGE_OK;
	switch (sched__refill_charge(sc, delta, t->exec_start)) {
	case SCHED_REFILL_OK:
		return SCHED_CHARGE_OK;
	case SCHED_REFILL_TURN:
		return SCHED_CHARGE_SLICE;
	default:
		return SCHED_CHARGE_DEPLETED;
	}
}

static bool edf_wakeup_preempt(struct sched_rq *rq, struct sched_thread *curr,
			       struct sched_thread *woken)
{
	(void)rq;
	return sched__deadline_before(key(woken), key(curr));
}

/* EDF does not slice: the current thread runs until its usable budget ends. Also the
 * order of the core-scheduling index (an absolute instant: no core_vnow). */
static sched_time_t edf_slice_end(struct sched_rq *rq, struct sched_thread *curr,
				  sched_time_t charged_at)
{
	const struct sched_sc *sc = sched__run_sc(curr);

	(void)rq;
	return sc ? charged_at + sched__refill_avail(sc, charged_at) : charged_at;
}

/* Yield gives up what is left of the budget until the next refill (Linux: dl_yielded). */
static void edf_yield(struct sched_rq *rq, struct sched_thread *curr)
{
	struct sched_sc *sc = sched__run_sc(curr);

	(void)rq;
	if (sc)
		sched__refill_forfeit(sc, curr->exec_start);
}

/* Core scheduling: the deadline, read with an atomic load (a sibling CPU compares it). A
 * current thread whose SC another CPU just took away (revoke, unbind) has none until it
 * leaves at its own next pick: it comes last. */
static uint64_t edf_core_key(struct sched_rq *rq, const struct sched_thread *t)
{
	const struct sched_sc *sc = sched__run_sc(t);

	(void)rq;
	return sc ? sc->deadline : SCHED_TIME_NEVER;
}

/* Across CPUs (push and pull, global EDF): the absolute deadline. */
static uint64_t edf_rank_key(const struct sched_thread *t)
{
	return key(t);
}

static struct sched_thread *edf_first(struct sched_rq *rq)
{
	return rs(rq)->ready.leftmost ? of(rs(rq)->ready.leftmost) : NULL;
}

static struct sched_thread *edf_next(struct sched_rq *rq, struct sched_thread *t)
{
	struct sched_rb_node *n = sched_rb_next(node_of(t));

	(void)rq;
	return n ? of(n) : NULL;
}

static int edf_check(struct sched_rq *rq)
{
	struct sched_sys *s = rq->sys;
	const struct sched_thread *prev = NULL;

	if (!sched_rb_valid(&rs(rq)->ready))
		return sched__check_fail(s, "EDF tree is not a red-black tree", rq->cpu);
	/* the tree is valid, so this ends; the core checks its length against class_nr */
	for (struct sched_rb_node *x = rs(rq)->ready.leftmost; x; x = sched_rb_next(x)) {
		const struct sched_thread *t = of(x);

		if (!sched__run_sc(t) || t->on_class != &sched_edf_class)
			return sched__check_fail(s, "thread in the EDF tree without an SC", t->id);
		if (!sched__refill_avail(sched__run_sc(t), sched_arch_now()))
			return sched__check_fail(s, "EDF-queued thread has no usable budget", t->id);
		if (prev && sched_time_before(key(t), key(prev)))
			return sched__check_fail(s, "EDF tree out of deadline order", t->id);
		prev = t;
	}
	return 0;
}

const struct sched_class sched_edf_class = {
	.name = "edf",
	.slot = SCHED_SLOT_edf,
	.budgeted = true,
	.accepts = edf_accepts,
	.rq_init = edf_rq_init,
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
	.core_key = edf_core_key,
	.rank_key = edf_rank_key,
	.check = edf_check,
};
