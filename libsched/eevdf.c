/* SPDX-License-Identifier: MIT */
/*
 * eevdf.c - Earliest Eligible Virtual Deadline First, the default fair class.
 *
 * The model (Stoica & Abdel-Wahab; Linux 6.6+). Each entity i on a queue has a weight w_i
 * and a virtual runtime v_i that advances by delta * 1024 / w_i while it runs. The queue's
 * virtual time is the weighted average
 *
 *      V = sum(w_i * v_i) / sum(w_i)                 (current entity included)
 *
 * and an entity's lag, the service it is owed, is lag_i = w_i * (V - v_i) (sum zero). An
 * entity is eligible when lag_i >= 0, i.e. v_i <= V. Each request of `slice` real ns gets
 * a virtual deadline d_i = v_i + slice * 1024 / w_i; the pick is the eligible entity with
 * the earliest deadline, and the current entity's request ends (a new pick) at its deadline.
 *
 * Sums. V is kept as offsets from a reference v0 (never decreasing, = the smallest vruntime
 * on the queue when it moves): sum_wv = sum(w_i * (v_i - v0)), sum_w = sum(w_i), over the tree
 * only; the current entity is added when V is needed. Overflow budget: |v_i - v0| is bounded
 * by the lag clamp, |w_i * (v_i - v0)| <= 1024 * (max slice + tick) < 2^38 for slices up to
 * 100 ms, so sum_wv stays below 2^54 with 65,536 entities. Eligibility compares
 * (v - v0) * W <= sum exactly with a 128-bit product (mul_le), no division, no overflow.
 *
 * Tree: entities ordered by deadline, each node caching its subtree's minimum vruntime (and
 * min/max slice). The earliest-deadline eligible entity is found in O(log n): go left while
 * the left subtree holds an eligible entity (min vruntime <= V), else take this node if it
 * is eligible, else go right.
 *
 * Groups (fairness hierarchy): a group with per-CPU storage is one entity per CPU whose
 * queue holds its members; pick walks down from the CPU's top queue. Depth is bounded by
 * SCHED_GROUP_DEPTH_MAX (4) group levels above the threads. A group entity's weight on a CPU
 * is its shares times the fraction of the group's queued weight that is on that CPU.
 */
#include "internal.h"
#include "eevdf.h"
#include "weight.h"

SCHED_CLASS_STATE_FITS(struct sched_eevdf_thread, fair, thread);
SCHED_CLASS_STATE_FITS(struct sched_eevdf_rq, fair, rq);
_Static_assert(sizeof(struct sched_eevdf_group_cpu) <= sizeof(struct sched_group_cpu),
	       "a group's EEVDF state fits struct sched_group_cpu");

static inline struct sched_eevdf_thread *ts(const struct sched_thread *t)
{
	return sched_eevdf_thread_of(t);
}

static inline struct sched_eevdf_rq *rs(const struct sched_rq *rq)
{
	return sched_eevdf_rq_of(rq);
}

static struct sched_thread *of_node(struct sched_list *n)
{
	return sched__container_of((void *)((char *)n - offsetof(struct sched_eevdf_thread, node)),
				   struct sched_thread, cls.fair);
}

#define NICE0 SCHED_WEIGHT_NICE0
#define MIN_SHARES 2
/*
 * Virtual ns by which a deadline counts as reached early: to_virtual() rounds down, by at
 * most delta * 1024 / 2^32 + 1 vns (< 26 vns for a 100 ms slice), so a timer programmed with
 * to_real() of the remaining virtual time may find the entity a few vns short.
 */
#define DEADLINE_SLACK 64

/* --- arithmetic ---------------------------------------------------------------------------- */

/*
 * Real ns -> virtual ns: delta * 1024 / w = (delta * inv_w) >> 22 with inv_w = 2^32 / w,
 * done in 32-bit halves: hi * inv_w << 10 stays below 2^64 while hi * inv_w < 2^54, i.e. for
 * delta < 2^55 ns (inv_w <= 2^31 as w >= 2). No division on this hot path.
 */
static uint64_t to_virtual(uint64_t delta, const struct sched_fair_entity *se)
{
	uint64_t hi = delta >> 32, lo = delta & 0xffffffffull;

	if (se->weight == NICE0)
		return delta;
	return ((hi * se->inv_weight) << 10) + ((lo * se->inv_weight) >> 22);
}

/* Virtual ns -> real ns, rounded up. dv is capped at 2^40 so dv * w (w <= 2^20) fits. */
static uint64_t to_real(uint64_t dv, const struct sched_fair_entity *se)
{
	if (dv > (1ull << 40))
		dv = 1ull << 40;
	return (dv * se->weight + NICE0 - 1) >> 10;
}

/* a * b <= c, exactly, for b > 0 (b < 2^63). */
#ifdef __SIZEOF_INT128__
__extension__ typedef __int128 s128;

static bool mul_le(int64_t a, uint64_t b, int64_t c)
{
	return (s128)a * (s128)b <= (s128)c;
}
#else
/* Without a 128-bit type (32-bit targets): exact, with one division. */
static bool mul_le(int64_t a, uint64_t b, int64_t c)
{
	SCHED_ASSERT(b > 0);
	if (a <= 0 && c >= 0)
		return true;
	if (a > 0 && c < 0)
		return false;
	if (a > 0)
		return (uint64_t)a <= (uint64_t)c / b;
	return (uint64_t)-a >= ((uint64_t)-c + b - 1) / b;
}
#endif

static int64_t div_floor(int64_t a, uint64_t b)
{
	int64_t q;

	SCHED_ASSERT((int64_t)b > 0); /* b > 0, and < 2^63: (int64_t)b is b */
	q = a / (int64_t)b;
	return (a % (int64_t)b < 0) ? q - 1 : q;
}

static int64_t clamp_s64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void set_weight(struct sched_fair_entity *se, uint32_t w)
{
	SCHED_ASSERT(w > 0);
	se->weight = w;
	se->inv_weight = (uint32_t)(0xffffffffu / w); /* rare: creation and reweight only */
}

/* --- one queue ------------------------------------------------------------------------------- */

static struct sched_fair_entity *se_of(struct sched_rb_node *n)
{
	return sched_rb_entry(n, struct sched_fair_entity, node);
}

/* Recompute the subtree summaries of n from its children; true if any changed. */
static bool augment(struct sched_rb_node *n)
{
	struct sched_fair_entity *se = se_of(n);
	struct sched_rb_node *kid[2] = { n->left, n->right };
	uint64_t minv = se->vruntime, mins = se->slice, maxs = se->slice;
	bool changed;

	for (int i = 0; i < 2; i++) {
		struct sched_fair_entity *c;

		if (!kid[i])
			continue;
		c = se_of(kid[i]);
		if (sched_time_before(c->min_vruntime, minv))
			minv = c->min_vruntime;
		if (c->min_slice < mins)
			mins = c->min_slice;
		if (c->max_slice > maxs)
			maxs = c->max_slice;
	}
	changed = minv != se->min_vruntime || mins != se->min_slice || maxs != se->max_slice;
	se->min_vruntime = minv;
	se->min_slice = mins;
	se->max_slice = maxs;
	return changed;
}

static void tree_insert(struct sched_fair_rq *q, struct sched_fair_entity *se)
{
	struct sched_rb_node **link = &q->tree.root, *parent = NULL;
	bool left = false;

	while (*link) {
		parent = *link;
		left = sched_time_before(se->deadline, se_of(parent)->deadline);
		link = left ? &parent->left : &parent->right;
	}
	sched_rb_insert(&q->tree, &se->node, parent, left);
	q->sum_wv += (int64_t)se->weight * (int64_t)(se->vruntime - q->v0);
	q->sum_w += se->weight;
}

static void tree_remove(struct sched_fair_rq *q, struct sched_fair_entity *se)
{
	sched_rb_erase(&q->tree, &se->node);
	q->sum_wv -= (int64_t)se->weight * (int64_t)(se->vruntime - q->v0);
	q->sum_w -= se->weight;
}

/* The queue's weighted offset sum and weight, current entity included. */
static void totals(const struct sched_fair_rq *q, int64_t *sum, uint64_t *w)
{
	*sum = q->sum_wv;
	*w = q->sum_w;
	if (q->curr) {
		*sum += (int64_t)q->curr->weight * (int64_t)(q->curr->vruntime - q->v0);
		*w += q->curr->weight;
	}
}

/* V, rounded down. */
static uint64_t avg_vruntime(const struct sched_fair_rq *q)
{
	int64_t sum;
	uint64_t w;

	totals(q, &sum, &w);
	return w ? q->v0 + (uint64_t)div_floor(sum, w) : q->v0;
}

/* True if an entity at vruntime v is eligible: (v - v0) * W <= sum(w_i * (v_i - v0)). */
static bool eligible_at(const struct sched_fair_rq *q, int64_t sum, uint64_t w, uint64_t v)
{
	return !w || mul_le((int64_t)(v - q->v0), w, sum);
}

/* Move v0 forward to the smallest vruntime on the queue (keeps the offsets small). */
static void update_v0(struct sched_fair_rq *q)
{
	uint64_t m = q->v0;
	bool any = false;

	if (q->curr) {
		m = q->curr->vruntime;
		any = true;
	}
	if (q->tree.root && (!any || sched_time_before(se_of(q->tree.root)->min_vruntime, m))) {
		m = se_of(q->tree.root)->min_vruntime;
		any = true;
	}
	if (!any || !sched_time_before(q->v0, m))
		return;
	q->sum_wv -= (int64_t)(q->sum_w * (m - q->v0));
	q->v0 = m;
}

static uint64_t queue_max_slice(const struct sched_fair_rq *q, const struct sched_fair_entity *se)
{
	uint64_t m = se ? se->slice : 0;

	if (q->curr && q->curr->slice > m)
		m = q->curr->slice;
	if (q->tree.root && se_of(q->tree.root)->max_slice > m)
		m = se_of(q->tree.root)->max_slice;
	return m;
}

static uint64_t queue_min_slice(const struct sched_fair_rq *q, const struct sched_fair_entity *se)
{
	uint64_t m = se ? se->slice : SCHED_SLICE_MAX;

	if (q->curr && q->curr->slice < m)
		m = q->curr->slice;
	if (q->tree.root && se_of(q->tree.root)->min_slice < m)
		m = se_of(q->tree.root)->min_slice;
	return m;
}

static uint64_t queue_weight(const struct sched_fair_rq *q)
{
	return q->sum_w + (q->curr ? q->curr->weight : 0);
}

/* The lag clamp: the queue's largest slice (se's included) plus the tick, in se's vns. */
static int64_t lag_limit(const struct sched_fair_rq *q, const struct sched_fair_entity *se,
			 uint64_t tick)
{
	return (int64_t)to_virtual(queue_max_slice(q, se) + tick, se);
}

/*
 * A negative lag (service taken ahead of others) is paid off while asleep, as if the
 * sleeper had stayed on its queue, not running, while V advanced (the effect of Linux
 * 6.12's delayed dequeue): back on the same queue, V's advance since it left is credited,
 * up to zero. A short sleeper thus wakes eligible. Other queues' V are not comparable.
 */
static int64_t lag_after_sleep(const struct sched_fair_rq *q, const struct sched_fair_entity *se,
			       const struct sched_fair_rq *left, uint64_t V)
{
	int64_t lag = se->vlag;

	if (lag < 0 && left == q && (int64_t)(V - se->v_left) > 0) {
		lag += (int64_t)(V - se->v_left);
		if (lag > 0)
			lag = 0;
	}
	return lag;
}

/*
 * Place se on q: keep its lag (sleep, migration), corrected by (W + w) / W because adding
 * se moves V towards it: with v = V - lag * (W + w) / W the new average V' satisfies
 * V' - v = lag exactly. New entities start at V with half a slice of deadline.
 * `left` is the queue se was last on.
 */
static void place(struct sched_fair_rq *q, struct sched_fair_entity *se, unsigned flags,
		  uint64_t tick, const struct sched_fair_rq *left)
{
	uint64_t V = avg_vruntime(q), vslice = to_virtual(se->slice, se);
	int64_t lag = 0, limit = lag_limit(q, se, tick);

	if (flags & SCHED_ENQ_WAKE)
		lag = clamp_s64(lag_after_sleep(q, se, left, V), -limit, limit);
	else if (flags & SCHED_ENQ_MIGRATE)
		lag = clamp_s64(se->vlag, -limit, limit);
	if (lag && q->nr) {
		SCHED_ASSERT(queue_weight(q) > 0); /* q->nr entities, each of weight >= 2 */
		lag += lag * (int64_t)se->weight / (int64_t)queue_weight(q); /* |lag*w| < 2^38 */
	}
	se->vruntime = V - (uint64_t)lag;
	if (flags & SCHED_ENQ_NEW)
		vslice /= 2;
	se->deadline = se->vruntime + vslice;
	se->vprot = se->vruntime;
}

static void enqueue_entity(struct sched_fair_rq *q, struct sched_fair_entity *se,
			   unsigned flags, uint64_t tick, const struct sched_fair_rq *left)
{
	place(q, se, flags, tick, left);
	tree_insert(q, se);
	se->q = q;
	se->on_q = 1;
	q->nr++;
	update_v0(q);
}

/* Take se off q, keeping its clamped lag for when it comes back. */
static void dequeue_entity(struct sched_fair_rq *q, struct sched_fair_entity *se, uint64_t tick)
{
	int64_t limit = lag_limit(q, se, tick);

	se->vlag = clamp_s64((int64_t)(avg_vruntime(q) - se->vruntime), -limit, limit);
	if (q->curr == se)
		q->curr = NULL;
	else
		tree_remove(q, se);
	se->on_q = 0;
	q->nr--;
	update_v0(q);
	/* V without it: its own departure moves V, which must not count as time asleep */
	se->v_left = avg_vruntime(q);
}

/* se (in the tree) becomes the running entity, protected until vprot (run to parity). */
static void set_next_entity(struct sched_fair_rq *q, struct sched_fair_entity *se)
{
	uint64_t prot;

	tree_remove(q, se);
	q->curr = se;
	prot = se->vruntime + to_virtual(queue_min_slice(q, se), se);
	se->vprot = sched_time_before(prot, se->deadline) ? prot : se->deadline;
}

static void put_prev_entity(struct sched_fair_rq *q, struct sched_fair_entity *se)
{
	q->curr = NULL;
	tree_insert(q, se);
}

/* The eligible entity in the tree with the earliest deadline, O(log n). */
static struct sched_fair_entity *tree_pick(const struct sched_fair_rq *q, int64_t sum, uint64_t w)
{
	struct sched_rb_node *n = q->tree.root;

	while (n) {
		if (n->left && eligible_at(q, sum, w, se_of(n->left)->min_vruntime)) {
			n = n->left;
			continue;
		}
		if (eligible_at(q, sum, w, se_of(n)->vruntime))
			return se_of(n);
		n = n->right;
	}
	return NULL;
}

/* EEVDF pick on one queue: the running entity keeps the CPU inside its parity window. */
static struct sched_fair_entity *pick_entity(const struct sched_fair_rq *q)
{
	struct sched_fair_entity *curr = q->curr, *best;
	int64_t sum;
	uint64_t w;

	totals(q, &sum, &w);
	if (curr && !eligible_at(q, sum, w, curr->vruntime))
		curr = NULL;
	if (curr && sched_time_before(curr->vruntime, curr->vprot))
		return curr;
	best = tree_pick(q, sum, w);
	if (curr && (!best || sched_time_before(curr->deadline, best->deadline)))
		best = curr;
	if (!best) /* nothing eligible: only rounding can do this; take the earliest deadline */
		best = q->tree.leftmost ? se_of(q->tree.leftmost) : q->curr;
	return best;
}

/*
 * Change se's weight without changing its lag w * (V - v): dequeue, rescale the virtual
 * distances to V and to its deadline by old/new, requeue. V itself does not move.
 */
static void reweight_entity(struct sched_fair_rq *q, struct sched_fair_entity *se, uint32_t w)
{
	uint32_t old = se->weight;
	uint64_t V;
	int64_t lag, vdl;
	bool curr;

	SCHED_ASSERT(w > 0); /* the divisor below */
	if (w == old)
		return;
	if (!se->on_q) {
		se->vlag = se->vlag * (int64_t)old / (int64_t)w;
		set_weight(se, w);
		return;
	}
	V = avg_vruntime(q);
	curr = q->curr == se;
	if (!curr)
		tree_remove(q, se);
	lag = (int64_t)(V - se->vruntime) * (int64_t)old / (int64_t)w;
	vdl = (int64_t)(se->deadline - se->vruntime) * (int64_t)old / (int64_t)w;
	set_weight(se, w);
	se->vruntime = V - (uint64_t)lag;
	se->deadline = se->vruntime + (uint64_t)vdl;
	se->vprot = se->vruntime;
	if (!curr)
		tree_insert(q, se);
	update_v0(q);
}

/* Change se's slice; a queued entity is re-inserted so the subtree summaries stay true. */
static void set_slice(struct sched_fair_entity *se, uint64_t slice)
{
	bool in_tree = se->on_q && se->q->curr != se;

	if (se->slice == slice)
		return;
	if (in_tree)
		tree_remove(se->q, se);
	se->slice = slice;
	if (in_tree)
		tree_insert(se->q, se);
}

/* --- groups ---------------------------------------------------------------------------------- */

static struct sched_group *fair_group(struct sched_group *g)
{
	while (g && !g->pcpu)
		g = g->parent;
	return g;
}

static struct sched_eevdf_group_cpu *gcpu_of(struct sched_fair_entity *gse)
{
	return sched__container_of(gse, struct sched_eevdf_group_cpu, se);
}

/*
 * The group entity's weight on this CPU: shares * local / total queued weight of the group
 * (at least MIN_SHARES), and its slice: the smallest slice among its members. The other
 * CPUs' entities pick up the new total at their own next enqueue, dequeue or timer tick
 * (a CPU running a group's thread alone keeps its timer for that: rq.c). The shared total is
 * only written when this CPU's part changed.
 */
static void update_group_entity(struct sched_fair_entity *gse)
{
	struct sched_fair_rq *mq = gse->my_q;
	struct sched_group *g = mq->group;
	struct sched_eevdf_group_cpu *pc = gcpu_of(gse);
	uint64_t local = queue_weight(mq), total, w;

	if (local != pc->load_contrib)
		total = sched__add(&g->load, local - pc->load_contrib) + (local - pc->load_contrib);
	else
		total = sched__get(&g->load);
	pc->load_contrib = local;
	w = local && total ? g->weight * local / total : g->weight; /* < 2^20 * 2^34 */
	if (w < MIN_SHARES)
		w = MIN_SHARES;
	if (mq->nr)
		set_slice(gse, queue_min_slice(mq, NULL));
	reweight_entity(gse->q, gse, (uint32_t)w);
}

static void update_shares(struct sched_fair_entity *se)
{
	for (se = se->parent; se; se = se->parent)
		update_group_entity(se);
}

/* Bind the thread's entity to its queue on this CPU (its fairness group's, or the top). */
static void attach(struct sched_rq *rq, struct sched_thread *t)
{
	struct sched_fair_entity *se = &ts(t)->se;
	struct sched_group *g = fair_group(t->group);

	se->q = g ? &sched_eevdf_gcpu(g, rq->cpu)->q : &rs(rq)->top;
	se->parent = g ? &sched_eevdf_gcpu(g, rq->cpu)->se : NULL;
}

static struct sched_thread *thread_of(struct sched_fair_entity *se)
{
	return sched__container_of((void *)se, struct sched_thread, cls.fair);
}

/* --- class operations ------------------------------------------------------------------------ */

static void eevdf_rq_init(struct sched_rq *rq)
{
	rs(rq)->top.tree.augment = augment;
	sched__list_init(&rs(rq)->queued);
}

/* 2^32 / t's weight: the nice table's value for its nice's weight, else divided (an idle
 * weight, or a weight a mutex waiter lends it). */
static uint32_t inv_weight_of(const struct sched_thread *t)
{
	if (t->weight != SCHED_WEIGHT_IDLE && t->weight == sched__nice_weight(t->nice))
		return sched__nice_inv_weight(t->nice);
	return (uint32_t)(0xffffffffu / t->weight);
}

static void eevdf_thread_init(struct sched_sys *s, struct sched_thread *t)
{
	struct sched_fair_entity *se = &ts(t)->se;

	(void)s;
	*se = (struct sched_fair_entity){ .slice = t->slice, .weight = t->weight };
	se->inv_weight = inv_weight_of(t);
	sched__list_init(&ts(t)->node);
}

static void eevdf_enqueue(struct sched_rq *rq, struct sched_thread *t, unsigned flags)
{
	uint64_t tick = rq->sys->cfg.tick_ns;
	struct sched_fair_entity *se = &ts(t)->se;

	const struct sched_fair_rq *left = se->q;

	attach(rq, t);
	for (; se && !se->on_q; se = se->parent) {
		enqueue_entity(se->q, se, flags, tick, se == &ts(t)->se ? left : se->q);
		flags = SCHED_ENQ_WAKE; /* a group entity keeps its own lag on this CPU */
	}
	update_shares(&ts(t)->se);
	sched__list_add_tail(&rs(rq)->queued, &ts(t)->node);
}

/*
 * Remove t; its group entities leave too where t was the last member. If t was running,
 * the group entities above the level where members remain were "current" for it: they go
 * back into their trees, so the next pick starts from a consistent path.
 */
static void eevdf_dequeue(struct sched_rq *rq, struct sched_thread *t, unsigned flags)
{
	uint64_t tick = rq->sys->cfg.tick_ns;
	struct sched_fair_entity *se = &ts(t)->se;
	bool was_curr = se->q->curr == se;

	(void)flags;
	sched__list_del(&ts(t)->node);
	for (; se; se = se->parent) {
		struct sched_fair_rq *q = se->q;

		dequeue_entity(q, se, tick);
		if (q->nr)
			break; /* the group still has members here */
	}
	for (se = se ? se->parent : NULL; was_curr && se; se = se->parent)
		if (se->q->curr == se)
			put_prev_entity(se->q, se);
	update_shares(&ts(t)->se);
}

static struct sched_thread *eevdf_pick(struct sched_rq *rq, sched_time_t now)
{
	struct sched_fair_rq *q = &rs(rq)->top;

	(void)now;
	for (unsigned depth = 0; depth <= SCHED_GROUP_DEPTH_MAX && q->nr; depth++) {
		struct sched_fair_entity *se = pick_entity(q);

		if (!se->my_q)
			return thread_of(se);
		q = se->my_q;
	}
	return NULL;
}

static void eevdf_set_next(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	(void)rq, (void)now;
	sched__list_del(&ts(t)->node);
	for (struct sched_fair_entity *se = &ts(t)->se; se && se->q->curr != se;
	     se = se->parent)
		set_next_entity(se->q, se);
}

static void eevdf_put_prev(struct sched_rq *rq, struct sched_thread *t)
{
	for (struct sched_fair_entity *se = &ts(t)->se; se; se = se->parent)
		if (se->q->curr == se)
			put_prev_entity(se->q, se);
	sched__list_add_tail(&rs(rq)->queued, &ts(t)->node);
}

/*
 * A direct handoff is honoured only if the target is eligible at every level, like Linux's
 * next buddy: a client/server pair that keeps handing the CPU back and forth falls behind
 * V and then yields to the others through the normal pick.
 */
static bool eevdf_handoff(struct sched_rq *rq, struct sched_thread *from, struct sched_thread *to)
{
	(void)rq, (void)from;
	for (struct sched_fair_entity *se = &ts(to)->se; se; se = se->parent) {
		int64_t sum;
		uint64_t w;

		totals(se->q, &sum, &w);
		if (!eligible_at(se->q, sum, w, se->vruntime))
			return false;
	}
	return true;
}

/* Advance every level's vruntime; true if a request ended (deadline reached) on the way. */
static enum sched_charge eevdf_charge(struct sched_rq *rq, struct sched_thread *t, uint64_t delta)
{
	bool ended = false;

	(void)rq;
	for (struct sched_fair_entity *se = &ts(t)->se; se; se = se->parent) {
		se->vruntime += to_virtual(delta, se);
		if ((int64_t)(se->vruntime + DEADLINE_SLACK - se->deadline) >= 0) {
			se->deadline = se->vruntime + to_virtual(se->slice, se);
			se->vprot = se->vruntime;
			ended = true;
		}
		update_v0(se->q);
	}
	return ended ? SCHED_CHARGE_SLICE : SCHED_CHARGE_OK;
}

/* Levels from se to the top (1 for an entity on the top queue). */
static unsigned depth_of(const struct sched_fair_entity *se)
{
	unsigned d = 0;

	for (; se; se = se->parent)
		d++;
	return d;
}

/*
 * Wakeup preemption: compare the two at the level where they share a queue. A woken entity
 * with a shorter slice (a tighter latency class) cancels the current one's parity window.
 */
static bool eevdf_wakeup_preempt(struct sched_rq *rq, struct sched_thread *curr,
				 struct sched_thread *woken)
{
	struct sched_fair_entity *ce = &ts(curr)->se, *we = &ts(woken)->se;
	unsigned dc = depth_of(ce), dw = depth_of(we);

	(void)rq;
	if (sched__get(&curr->state) != SCHED_RUNNING)
		return true;
	for (; dw > dc; dw--)
		we = we->parent;
	for (; dc > dw; dc--)
		ce = ce->parent;
	while (ce->q != we->q) {
		ce = ce->parent;
		we = we->parent;
	}
	if (we->slice < ce->slice)
		ce->vprot = ce->vruntime;
	return pick_entity(we->q) == we;
}

/* When the first deadline on the running path is reached, at a level where others wait. */
static sched_time_t eevdf_slice_end(struct sched_rq *rq, struct sched_thread *curr,
				    sched_time_t charged_at)
{
	sched_time_t end = SCHED_TIME_NEVER;

	(void)rq;
	for (struct sched_fair_entity *se = &ts(curr)->se; se; se = se->parent) {
		int64_t dv = (int64_t)(se->deadline - se->vruntime);
		sched_time_t e;

		if (se->q->nr < 2)
			continue;
		e = charged_at + to_real(dv > 0 ? (uint64_t)dv : 0, se);
		if (sched__deadline_before(e, end))
			end = e;
	}
	return end;
}

/* Yield: end the current request now, so any eligible peer with an earlier deadline runs. */
static void eevdf_yield(struct sched_rq *rq, struct sched_thread *curr)
{
	struct sched_fair_entity *se = &ts(curr)->se;

	(void)rq;
	se->deadline = se->vruntime + to_virtual(se->slice, se);
	se->vprot = se->vruntime;
}

/* The entity that stands for t on the top-level queue: t's, or its outermost group's. */
static uint64_t eevdf_core_key(struct sched_rq *rq, const struct sched_thread *t)
{
	const struct sched_fair_entity *se = &ts(t)->se;

	(void)rq;
	for (unsigned d = 0; se->parent && d < SCHED_GROUP_DEPTH_MAX; d++)
		se = se->parent;
	return se->deadline;
}

static uint64_t eevdf_core_vnow(struct sched_rq *rq)
{
	return avg_vruntime(&rs(rq)->top);
}

/* The group's other CPUs may have changed its total: follow it here. O(depth). */
static void eevdf_tick(struct sched_rq *rq, struct sched_thread *curr)
{
	(void)rq;
	update_shares(&ts(curr)->se);
}

static uint64_t eevdf_top_weight(const struct sched_rq *rq)
{
	return queue_weight(&rs(rq)->top);
}

/* x 256 (w < 2^28 at every step: weights <= 2^20). O(depth). */
static uint64_t eevdf_share_weight(const struct sched_rq *rq, const struct sched_thread *t)
{
	const struct sched_fair_entity *se = &ts(t)->se;
	uint64_t w = (uint64_t)se->weight << 8;

	(void)rq;
	for (; se->parent && se->on_q; se = se->parent)
		w = w * se->parent->weight / queue_weight(se->q);
	return w ? w : 1;
}

static struct sched_thread *eevdf_first(struct sched_rq *rq)
{
	struct sched_list *h = &rs(rq)->queued;

	return sched__list_empty(h) ? NULL
				    : of_node(h->next);
}

static struct sched_thread *eevdf_next(struct sched_rq *rq, struct sched_thread *t)
{
	struct sched_list *n = ts(t)->node.next;

	return n == &rs(rq)->queued
		       ? NULL
		       : of_node(n);
}

static void eevdf_group_init(struct sched_sys *s, struct sched_group *g)
{
	struct sched_group *parent = fair_group(g->parent);

	for (unsigned c = 0; c < s->nr_cpus; c++) {
		struct sched_eevdf_group_cpu *pc = sched_eevdf_gcpu(g, c);

		*pc = (struct sched_eevdf_group_cpu){ 0 };
		pc->q.group = g;
		pc->q.tree.augment = augment;
		pc->se.my_q = &pc->q;
		pc->se.slice = s->cfg.base_slice_ns;
		pc->se.q = parent ? &sched_eevdf_gcpu(parent, c)->q : &rs(&s->rq[c])->top;
		pc->se.parent = parent ? &sched_eevdf_gcpu(parent, c)->se : NULL;
		set_weight(&pc->se, g->weight);
	}
}

/*
 * Change a thread's weight and slice in place, keeping its lag at every level. t locked, and
 * rq (its run queue) locked if it has one; rq is NULL for a NEW or BLOCKED thread, which is
 * on no queue (sched_set_fair).
 */
static void eevdf_reweight(struct sched_rq *rq, struct sched_thread *t)
{
	struct sched_fair_entity *se = &ts(t)->se;

	sched__assert_thread_locked(t);
	SCHED_ASSERT(rq ? sched__lock_mine(&rq->core->lock) : !se->on_q);
	reweight_entity(se->q, se, t->weight);
	se->inv_weight = inv_weight_of(t);
	if (!se->on_q) {
		se->slice = t->slice;
		return;
	}
	set_slice(se, t->slice);
	if (se->q->curr != se)
		tree_remove(se->q, se);
	se->deadline = se->vruntime + to_virtual(se->slice, se); /* a new request, new size */
	if (se->q->curr != se)
		tree_insert(se->q, se);
	update_shares(se);
}

/* --- invariants -------------------------------------------------------------------------------- */

static int fail(struct sched_rq *rq, const char *msg)
{
	rq->sys->check_msg = msg;
	rq->sys->check_arg = rq->cpu;
	return -SCHED_ECHECK;
}

/*
 * One queue: tree shape and order, the incremental sums recomputed, weighted lags summing
 * to zero. Per-entity lag bounds are not an invariant of lag-preserving EEVDF (a departure
 * with lag l moves every other lag by w_i * l / (W - w)); docs/fair.md has the bounds that
 * hold and the scenario tests assert the paper's bound on real workloads.
 */
static int check_queue(struct sched_rq *rq, const struct sched_fair_rq *q)
{
	uint64_t w = 0, V;
	const struct sched_fair_entity *prev = NULL;
	int64_t sum = 0, S;
	unsigned n = 0;

	if (!sched_rb_valid((struct sched_rb_tree *)&q->tree))
		return fail(rq, "eevdf: tree is not a valid augmented red-black tree");
	for (struct sched_rb_node *x = q->tree.leftmost; x && n <= q->nr; x = sched_rb_next(x), n++) {
		const struct sched_fair_entity *se = se_of(x);

		if (prev && sched_time_before(se->deadline, prev->deadline))
			return fail(rq, "eevdf: tree not ordered by deadline");
		if (!se->on_q || se->q != q)
			return fail(rq, "eevdf: queued entity off its queue");
		sum += (int64_t)se->weight * (int64_t)(se->vruntime - q->v0);
		w += se->weight;
		prev = se;
	}
	if (sum != q->sum_wv || w != q->sum_w || n + (q->curr != NULL) != q->nr)
		return fail(rq, "eevdf: incremental sums or count differ from the queue");
	if (q->curr && (!q->curr->on_q || q->curr->q != q))
		return fail(rq, "eevdf: current entity off its queue");
	/* sum of w_i * (V - v_i) = W*(V - v0) - S lies in (-W, 0]: zero up to V's rounding */
	totals(q, &S, &w);
	V = avg_vruntime(q);
	if (w && (!mul_le((int64_t)(V - q->v0), w, S) || mul_le((int64_t)(V - q->v0) + 1, w, S)))
		return fail(rq, "eevdf: weighted lags do not sum to zero");
	return 0;
}

/* Every queue reachable from the top, group queues included (depth bounded). */
static int check_level(struct sched_rq *rq, const struct sched_fair_rq *q, unsigned depth)
{
	int ret = check_queue(rq, q);

	if (ret < 0)
		return ret;
	if (depth > SCHED_GROUP_DEPTH_MAX)
		return fail(rq, "eevdf: group hierarchy deeper than allowed");
	for (struct sched_rb_node *x = q->tree.leftmost; x; x = sched_rb_next(x))
		if (se_of(x)->my_q && (!se_of(x)->my_q->nr ||
				       (ret = check_level(rq, se_of(x)->my_q, depth + 1)) < 0))
			return ret < 0 ? ret : fail(rq, "eevdf: empty group queued");
	if (q->curr && q->curr->my_q)
		return check_level(rq, q->curr->my_q, depth + 1);
	return 0;
}

/* Queued threads sit on queues whose group entities are all on their queues. */
static int check_threads(struct sched_rq *rq)
{
	/* threads on this class minus its current one, if it is on the class */
	unsigned n = 0, fair = rq->class_nr[SCHED_SLOT_fair] -
			       (rq->curr && rq->curr->on_class == &sched_eevdf_class);

	for (struct sched_thread *t = eevdf_first(rq); t && n <= fair;
	     t = eevdf_next(rq, t), n++)
		for (struct sched_fair_entity *se = &ts(t)->se; se; se = se->parent)
			if (!se->on_q || (se->q->curr == se && se == &ts(t)->se))
				return fail(rq, "eevdf: queued thread's path is not queued");
	if (n != fair)
		return fail(rq, "eevdf: queued list differs from nr_queued");
	return 0;
}

static int eevdf_check(struct sched_rq *rq)
{
	int ret = check_threads(rq);

	return ret < 0 ? ret : check_level(rq, &rs(rq)->top, 0);
}

const struct sched_class sched_eevdf_class = {
	.name = "eevdf",
	.slot = SCHED_SLOT_fair,
	.rq_init = eevdf_rq_init,
	.thread_init = eevdf_thread_init,
	.group_init = eevdf_group_init,
	.reweight = eevdf_reweight,
	.enqueue = eevdf_enqueue,
	.dequeue = eevdf_dequeue,
	.pick = eevdf_pick,
	.set_next = eevdf_set_next,
	.put_prev = eevdf_put_prev,
	.handoff = eevdf_handoff,
	.charge = eevdf_charge,
	.tick = eevdf_tick,
	.top_weight = eevdf_top_weight,
	.share_weight = eevdf_share_weight,
	.wakeup_preempt = eevdf_wakeup_preempt,
	.slice_end = eevdf_slice_end,
	.yield = eevdf_yield,
	.first = eevdf_first,
	.next = eevdf_next,
	.core_key = eevdf_core_key,
	.core_vnow = eevdf_core_vnow,
	.check = eevdf_check,
};
