/* SPDX-License-Identifier: MIT */
/*
 * rt.c - the fixed-priority class: SCHED_FIFO and SCHED_RR threads, priorities 1..99 as
 * Linux and rt-app number them (larger runs first), below the SchedulingContexts' EDF
 * class and above every fair thread.
 *
 * One FIFO list per priority and a 128-bit map of the non-empty ones: pick, enqueue and
 * dequeue are O(1) (one count-leading-zeros per word). Within a level, FIFO threads run
 * until they block, yield or are preempted by a higher level; a preempted thread keeps its
 * place at the head of its level (POSIX); RR threads also leave for the tail when their
 * quantum (rt_rr_quantum_ns, Linux's 100 ms) is used up and a peer waits.
 *
 * Throttling (Linux's sched_rt_runtime_us / sched_rt_period_us): in each window of
 * rt_period_ns (aligned to multiples of it from time 0) this CPU's fixed-priority threads
 * together run at most rt_runtime_ns while fair threads wait here; then they yield to those
 * until the window ends. With no fair thread waiting they go on: throttling protects the
 * rest of the system, it does not idle a CPU (Linux's fair server since 6.12 behaves so;
 * the older RT_RUNTIME_SHARE=off idled). rt_runtime_ns = SCHED_RT_UNLIMITED turns it off.
 */
#include "internal.h"
#include "explain.h"

struct rt_thread {
	struct sched_list node;  /* in its level's list while queued (not current) */
	uint64_t left;           /* RR: ns left of its quantum (0: a fresh one at the next turn) */
	uint8_t prio;            /* the level it is queued at */
	uint8_t to_tail;         /* it yielded: back at the tail of its level */
};

struct rt_rq {
	uint64_t map[2];         /* bit prio - 1: that level's list is not empty */
	uint64_t win;            /* the throttling window `used` counts in (now / rt_period) */
	uint64_t used;           /* ns the class ran in window `win` */
	uint64_t told;           /* window + 1 whose throttling has its decision record */
	struct sched_list level[SCHED_RT_PRIO_MAX];
};

SCHED_CLASS_STATE_FITS(struct rt_thread, rt, thread);
SCHED_CLASS_STATE_FITS(struct rt_rq, rt, rq);

static inline struct rt_thread *ts(const struct sched_thread *t)
{
	return (struct rt_thread *)(void *)t->cls.rt;
}

static inline struct rt_rq *rs(const struct sched_rq *rq)
{
	return (struct rt_rq *)(void *)rq->cls.rt;
}

static struct sched_thread *of_node(struct sched_list *n)
{
	return sched__container_of((void *)((char *)n - offsetof(struct rt_thread, node)),
				   struct sched_thread, cls.rt);
}

/* The highest non-empty level's priority, 0 if none. O(1). */
static unsigned top_prio(const struct rt_rq *r)
{
	if (r->map[1])
		return 64 + 64 - (unsigned)__builtin_clzll(r->map[1]);
	return r->map[0] ? 64 - (unsigned)__builtin_clzll(r->map[0]) : 0;
}

static void level_add(struct rt_rq *r, struct sched_thread *t, unsigned prio, bool head)
{
	struct sched_list *h = &r->level[prio - 1];

	SCHED_ASSERT(prio >= 1 && prio <= SCHED_RT_PRIO_MAX);
	sched__list_add_tail(head ? h->next : h, &ts(t)->node);
	r->map[(prio - 1) / 64] |= 1ull << ((prio - 1) % 64);
	ts(t)->prio = (uint8_t)prio;
}

static void level_del(struct rt_rq *r, struct sched_thread *t)
{
	unsigned p = ts(t)->prio;

	sched__list_del(&ts(t)->node);
	if (sched__list_empty(&r->level[p - 1]))
		r->map[(p - 1) / 64] &= ~(1ull << ((p - 1) % 64));
}

static bool rt_accepts(const struct sched_thread *t, sched_time_t now)
{
	(void)now;
	return t->rt_prio != 0;
}

static void rt_rq_init(struct sched_rq *rq)
{
	struct rt_rq *r = rs(rq);

	r->map[0] = r->map[1] = 0;
	r->win = r->used = 0;
	for (unsigned i = 0; i < SCHED_RT_PRIO_MAX; i++)
		sched__list_init(&r->level[i]);
}

static void rt_thread_init(struct sched_sys *s, struct sched_thread *t)
{
	(void)s;
	sched__list_init(&ts(t)->node);
	ts(t)->left = 0;
	ts(t)->to_tail = 0;
}

/* A woken or arriving thread goes to the tail of its level (POSIX). */
static void rt_enqueue(struct sched_rq *rq, struct sched_thread *t, unsigned flags)
{
	(void)flags;
	level_add(rs(rq), t, t->rt_prio, false);
}

static void rt_dequeue(struct sched_rq *rq, struct sched_thread *t, unsigned flags)
{
	(void)flags;
	if (rq->curr != t)
		level_del(rs(rq), t);
	ts(t)->left = 0;
}

/* --- throttling ------------------------------------------------------------------------ */

static bool throttling(const struct sched_sys *s)
{
	return s->cfg.rt_runtime_ns < s->cfg.rt_period_ns;
}

/* What the class ran in the window holding `now`. */
static uint64_t used_at(const struct sched_rq *rq, sched_time_t now)
{
	return now / rq->sys->cfg.rt_period_ns == rs(rq)->win ? rs(rq)->used : 0;
}

/* The window's allowance is used up and a fair thread waits (or runs) here. */
static bool throttled(const struct sched_rq *rq, sched_time_t now)
{
	return throttling(rq->sys) && rq->class_nr[SCHED_NR_CLASSES - 1] &&
	       used_at(rq, now) >= rq->sys->cfg.rt_runtime_ns;
}

static sched_time_t window_end(const struct sched_rq *rq, sched_time_t now)
{
	uint64_t p = rq->sys->cfg.rt_period_ns;

	return (now / p + 1) * p;
}

/* The first pick held back in a window leaves a decision record about the thread it held. */
static void why_throttled(struct sched_rq *rq, const struct sched_thread *t, sched_time_t now)
{
	struct sched_explain_log *l = sched__why_log(rq->sys, SCHED_WHY_THROTTLE);
	struct rt_rq *r = rs(rq);
	struct sched_why w = { 0 };

	if (!l || !t || r->told == r->win + 1)
		return;
	r->told = r->win + 1;
	w.kind = SCHED_WHY_THROTTLE;
	w.cause = SCHED_THROTTLE_RT;
	w.tid = t->id;
	w.group = sched__gid(t);
	w.cpu = (uint16_t)rq->cpu;
	w.fig[0] = r->used;
	w.fig[1] = rq->sys->cfg.rt_runtime_ns;
	w.fig[2] = window_end(rq, now);
	w.time = now;
	sched__why_put(l, &w);
}

/* --- choice ---------------------------------------------------------------------------- */

static bool curr_runs_here(const struct sched_rq *rq)
{
	const struct sched_thread *c = rq->curr;

	return !c->is_idle && sched__get(&c->state) == SCHED_RUNNING &&
	       c->on_class == &sched_rt_class;
}

/* RR current thread whose quantum is used up (FIFO ones have none). */
static bool quantum_over(const struct sched_thread *c)
{
	return c->rt_policy == SCHED_RT_RR && ts(c)->left == 0;
}

/* The highest level's head, or the current thread if it is at least as high (equal: it
 * keeps the CPU unless its RR quantum is over). NULL while throttled. O(1). */
static struct sched_thread *rt_pick(struct sched_rq *rq, sched_time_t now)
{
	struct rt_rq *r = rs(rq);
	unsigned top = top_prio(r);
	struct sched_thread *head = top ? of_node(r->level[top - 1].next) : NULL;

	if (throttled(rq, now)) {
		why_throttled(rq, curr_runs_here(rq) ? rq->curr : head, now);
		return NULL;
	}
	if (curr_runs_here(rq) &&
	    (rq->curr->rt_prio > top || (rq->curr->rt_prio == top && !quantum_over(rq->curr))))
		return rq->curr;
	return head;
}

static void rt_set_next(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	(void)now;
	level_del(rs(rq), t);
	if (!ts(t)->left)
		ts(t)->left = rq->sys->cfg.rt_rr_quantum_ns;
}

/* Preempted: back at the head of its level; a used-up RR quantum or a yield: the tail. */
static void rt_put_prev(struct sched_rq *rq, struct sched_thread *t)
{
	bool tail = ts(t)->to_tail || quantum_over(t);

	ts(t)->to_tail = 0;
	level_add(rs(rq), t, t->rt_prio, !tail);
}

/* IPC handoff: only to a thread at the highest level (it may not jump a higher one). */
static bool rt_handoff(struct sched_rq *rq, struct sched_thread *from, struct sched_thread *to)
{
	(void)from;
	return ts(to)->prio == top_prio(rs(rq));
}

/* Counts the window's use; the quantum of an RR thread. A window boundary inside delta
 * counts delta in the new window (at most one charge's worth early). */
static enum sched_charge rt_charge(struct sched_rq *rq, struct sched_thread *t, uint64_t delta)
{
	struct rt_rq *r = rs(rq);
	uint64_t w = t->exec_start / rq->sys->cfg.rt_period_ns;
	bool slice;

	if (w != r->win) {
		r->win = w;
		r->used = 0;
	}
	r->used += delta;
	if (t->rt_policy == SCHED_RT_RR)
		ts(t)->left -= delta < ts(t)->left ? delta : ts(t)->left;
	if (quantum_over(t) && sched__list_empty(&r->level[t->rt_prio - 1]))
		ts(t)->left = rq->sys->cfg.rt_rr_quantum_ns; /* alone at its level: a new turn */
	slice = quantum_over(t) || throttled(rq, t->exec_start);
	return slice ? SCHED_CHARGE_SLICE : SCHED_CHARGE_OK;
}

/* A throttled class's pick says no (the core then asks again at no cost). */
static bool rt_wakeup_preempt(struct sched_rq *rq, struct sched_thread *curr,
			      struct sched_thread *woken)
{
	(void)rq;
	return woken->rt_prio > curr->rt_prio;
}

/* Asked while others wait: the RR quantum's end if a peer waits at its level, and the
 * window allowance's end if fair threads wait (now, if it is already used up). */
static sched_time_t rt_slice_end(struct sched_rq *rq, struct sched_thread *curr,
				 sched_time_t charged_at)
{
	sched_time_t e = SCHED_TIME_NEVER;
	uint64_t used = used_at(rq, charged_at), runtime = rq->sys->cfg.rt_runtime_ns;

	if (curr->rt_policy == SCHED_RT_RR && !sched__list_empty(&rs(rq)->level[curr->rt_prio - 1]))
		e = charged_at + ts(curr)->left;
	if (throttling(rq->sys) && rq->class_nr[SCHED_NR_CLASSES - 1])
		e = sched__earlier(e, charged_at + (used < runtime ? runtime - used : 0));
	return e;
}

/* Throttled with threads waiting here: the window's end gives them the CPU back. */
static sched_time_t rt_next_event(const struct sched_rq *rq, sched_time_t now)
{
	return throttled(rq, now) ? window_end(rq, now) : SCHED_TIME_NEVER;
}

static void rt_yield(struct sched_rq *rq, struct sched_thread *curr)
{
	(void)rq;
	ts(curr)->to_tail = 1;
	ts(curr)->left = 0;
}

/* Urgency among realtime threads of every CPU (push and pull): smaller first. */
static uint64_t rt_rank_key(const struct sched_thread *t)
{
	return (uint64_t)(SCHED_RT_PRIO_MAX + 1 - t->rt_prio);
}

static struct sched_thread *rt_first(struct sched_rq *rq)
{
	unsigned top = top_prio(rs(rq));

	return top ? of_node(rs(rq)->level[top - 1].next) : NULL;
}

/* Down the levels: the rest of t's level, then the next non-empty lower one. O(1). */
static struct sched_thread *rt_next(struct sched_rq *rq, struct sched_thread *t)
{
	struct rt_rq *r = rs(rq);
	unsigned p = ts(t)->prio;
	uint64_t below;

	if (ts(t)->node.next != &r->level[p - 1])
		return of_node(ts(t)->node.next);
	below = p - 1 >= 64 ? r->map[1] & ((1ull << (p - 1 - 64)) - 1) : 0;
	if (below)
		return of_node(r->level[64 + 63 - __builtin_clzll(below)].next);
	below = r->map[0] & (p - 1 >= 64 ? ~0ull : (1ull << (p - 1)) - 1);
	return below ? of_node(r->level[63 - __builtin_clzll(below)].next) : NULL;
}

/* Core scheduling compares absolute instants: a level is worth 2^50 ns (13 days) of age,
 * so a higher level always comes first unless a thread waited that much longer. */
static uint64_t rt_core_key(struct sched_rq *rq, const struct sched_thread *t)
{
	(void)rq;
	return t->runnable_since - ((uint64_t)t->rt_prio << 50);
}

static int rt_check(struct sched_rq *rq)
{
	struct rt_rq *r = rs(rq);
	/* every thread on the class is in a list but the current one (set_next took it out) */
	unsigned n = 0, want = rq->class_nr[SCHED_SLOT_rt] -
			       (rq->curr && rq->curr->on_class == &sched_rt_class);

	for (unsigned p = 1; p <= SCHED_RT_PRIO_MAX; p++) {
		bool bit = r->map[(p - 1) / 64] >> ((p - 1) % 64) & 1;
		struct sched_list *h = &r->level[p - 1];

		if (bit == sched__list_empty(h))
			return sched__check_fail(rq->sys, "rt: level map differs from its lists", rq->cpu);
		for (struct sched_list *x = h->next; x != h && n <= want; x = x->next, n++) {
			struct sched_thread *t = of_node(x);

			if (t->on_class != &sched_rt_class || ts(t)->prio != p || t->rt_prio != p)
				return sched__check_fail(rq->sys, "rt: thread on the wrong level", t->id);
		}
	}
	if (n != want)
		return sched__check_fail(rq->sys, "rt: queue length differs from its count", rq->cpu);
	return 0;
}

const struct sched_class sched_rt_class = {
	.name = "rt",
	.slot = SCHED_SLOT_rt,
	.accepts = rt_accepts,
	.rq_init = rt_rq_init,
	.thread_init = rt_thread_init,
	.enqueue = rt_enqueue,
	.dequeue = rt_dequeue,
	.pick = rt_pick,
	.set_next = rt_set_next,
	.put_prev = rt_put_prev,
	.handoff = rt_handoff,
	.charge = rt_charge,
	.wakeup_preempt = rt_wakeup_preempt,
	.slice_end = rt_slice_end,
	.next_event = rt_next_event,
	.yield = rt_yield,
	.rank_key = rt_rank_key,
	.first = rt_first,
	.next = rt_next,
	.core_key = rt_core_key,
	.check = rt_check,
};
