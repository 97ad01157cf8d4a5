/* SPDX-License-Identifier: MIT */
/*
 * rr.c - weighted round robin: the simplest fair class, kept for experiments and as the
 * baseline the EEVDF class is compared against (schedsim --policy rr).
 *
 * FIFO queue; each turn on the CPU gets a quantum of rr_quantum_ns * weight / 1024
 * (at least SCHED_RR_MIN_QUANTUM), so CPU shares follow the weights over a round. No
 * wakeup preemption: a woken thread waits for its turn. All operations O(1).
 */
#include "internal.h"
#include "weight.h"

/* The state rr keeps in the fair slot of every thread and run queue. */
struct rr_thread {
	struct sched_list node;         /* in its CPU's queue while queued */
	sched_time_t slice_end;         /* end of its current quantum */
	uint32_t weight;                /* the weight it counts for in sum_w while on the class */
};

struct rr_rq {
	struct sched_list queue;
	uint64_t sum_w;                 /* weights of its threads, the current one included */
};

SCHED_CLASS_STATE_FITS(struct rr_thread, fair, thread);
SCHED_CLASS_STATE_FITS(struct rr_rq, fair, rq);

static inline struct rr_thread *ts(const struct sched_thread *t)
{
	return (struct rr_thread *)(void *)t->cls.fair;
}

static inline struct rr_rq *rs(const struct sched_rq *rq)
{
	return (struct rr_rq *)(void *)rq->cls.fair;
}

static struct sched_thread *of_node(struct sched_list *n)
{
	return sched__container_of((void *)((char *)n - offsetof(struct rr_thread, node)),
				   struct sched_thread, cls.fair);
}

#define SCHED_RR_MIN_QUANTUM 100000ull /* 0.1 ms */

static void rr_rq_init(struct sched_rq *rq)
{
	sched__list_init(&rs(rq)->queue);
}

static void rr_thread_init(struct sched_sys *s, struct sched_thread *t)
{
	(void)s;
	sched__list_init(&ts(t)->node);
	ts(t)->slice_end = 0;
}

static void rr_enqueue(struct sched_rq *rq, struct sched_thread *t, unsigned flags)
{
	(void)flags;
	sched__list_add_tail(&rs(rq)->queue, &ts(t)->node);
	ts(t)->weight = t->weight;
	rs(rq)->sum_w += t->weight;
}

/* The current thread is not linked (set_next unlinked it); unlinking it again is a no-op. */
static void rr_dequeue(struct sched_rq *rq, struct sched_thread *t, unsigned flags)
{
	(void)flags;
	sched__list_del(&ts(t)->node);
	rs(rq)->sum_w -= ts(t)->weight;
}

static struct sched_thread *rr_first(struct sched_rq *rq)
{
	struct sched_list *h = &rs(rq)->queue;

	return sched__list_empty(h) ? NULL
				    : of_node(h->next);
}

static struct sched_thread *rr_next(struct sched_rq *rq, struct sched_thread *t)
{
	struct sched_list *n = ts(t)->node.next;

	return n == &rs(rq)->queue ? NULL
				       : of_node(n);
}

/* The current thread keeps the CPU until its quantum ends; then the queue's head runs. */
static struct sched_thread *rr_pick(struct sched_rq *rq, sched_time_t now)
{
	struct sched_thread *curr = rq->curr, *head = rr_first(rq);
	bool curr_runs = !curr->is_idle && sched__get(&curr->state) == SCHED_RUNNING &&
			 curr->on_class == &sched_rr_class;

	if (curr_runs && (!head || sched_time_before(now, ts(curr)->slice_end)))
		return curr;
	return head;
}

/*
 * A new turn gets a fresh quantum, unless it still holds one handed over by an IPC
 * caller. Overflow: quantum <= 2^30 ns (sched_init bound), weight < 2^17.
 */
static void new_turn(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	uint64_t q = rq->sys->cfg.rr_quantum_ns * t->weight / SCHED_WEIGHT_NICE0;

	if (!sched_time_before(now, ts(t)->slice_end))
		ts(t)->slice_end = now + (q < SCHED_RR_MIN_QUANTUM ? SCHED_RR_MIN_QUANTUM : q);
}

static void rr_set_next(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	sched__list_del(&ts(t)->node);
	new_turn(rq, t, now);
}

/* The callee runs on the caller's turn: it inherits what is left of the quantum. */
static bool rr_handoff(struct sched_rq *rq, struct sched_thread *from, struct sched_thread *to)
{
	(void)rq;
	ts(to)->slice_end = from->is_idle ? 0 : ts(from)->slice_end;
	return true;
}

static void rr_put_prev(struct sched_rq *rq, struct sched_thread *t)
{
	sched__list_add_tail(&rs(rq)->queue, &ts(t)->node);
}

/*
 * The quantum ended: the core reschedules if others wait. A thread alone on its queue goes
 * on with a new turn; it may still be waited for by a sibling forced idle under core
 * scheduling, whose core-wide pick then needs the next turn's end, not a past instant.
 */
static enum sched_charge rr_charge(struct sched_rq *rq, struct sched_thread *t, uint64_t delta)
{
	bool over = !sched_time_before(t->exec_start, ts(t)->slice_end);

	(void)delta;
	if (over && !rr_first(rq))
		new_turn(rq, t, t->exec_start);
	return over ? SCHED_CHARGE_SLICE : SCHED_CHARGE_OK;
}

/* The quantum is computed from the weight at each turn; only the sum follows. */
static void rr_reweight(struct sched_rq *rq, struct sched_thread *t)
{
	if (!rq || t->on_class != &sched_rr_class)
		return;
	rs(rq)->sum_w += t->weight;
	rs(rq)->sum_w -= ts(t)->weight;
	ts(t)->weight = t->weight;
}

static uint64_t rr_top_weight(const struct sched_rq *rq)
{
	return rs(rq)->sum_w;
}

static bool rr_wakeup_preempt(struct sched_rq *rq, struct sched_thread *curr,
			      struct sched_thread *woken)
{
	(void)rq, (void)curr, (void)woken;
	return false;
}

static sched_time_t rr_slice_end(struct sched_rq *rq, struct sched_thread *curr,
				 sched_time_t charged_at)
{
	(void)rq, (void)charged_at;
	return ts(curr)->slice_end;
}

/* Its quantum counts as used: the next pick takes the queue's head. */
static void rr_yield(struct sched_rq *rq, struct sched_thread *curr)
{
	(void)rq;
	ts(curr)->slice_end = curr->exec_start;
}

static int rr_check(struct sched_rq *rq)
{
	/* threads on this class minus its current one, if it is on the class */
	unsigned n = 0, fair = rq->class_nr[SCHED_SLOT_fair] -
			       (rq->curr && rq->curr->on_class == &sched_rr_class);

	uint64_t w = fair < rq->class_nr[SCHED_SLOT_fair] ? ts(rq->curr)->weight : 0;

	for (struct sched_thread *t = rr_first(rq); t; t = rr_next(rq, t)) {
		w += ts(t)->weight;
		if (++n > fair)
			break;
	}
	if (n != fair)
		return sched__check_fail(rq->sys, "rr: queue length differs from its count", rq->cpu);
	if (w != rs(rq)->sum_w)
		return sched__check_fail(rq->sys, "rr: weight sum differs from its queue", rq->cpu);
	return 0;
}

const struct sched_class sched_rr_class = {
	.name = "rr",
	.slot = SCHED_SLOT_fair,
	.rq_init = rr_rq_init,
	.thread_init = rr_thread_init,
	.reweight = rr_reweight,
	.enqueue = rr_enqueue,
	.dequeue = rr_dequeue,
	.pick = rr_pick,
	.set_next = rr_set_next,
	.put_prev = rr_put_prev,
	.handoff = rr_handoff,
	.charge = rr_charge,
	.wakeup_preempt = rr_wakeup_preempt,
	.slice_end = rr_slice_end,
	.yield = rr_yield,
	.first = rr_first,
	.next = rr_next,
	.top_weight = rr_top_weight,
	.check = rr_check,
};
