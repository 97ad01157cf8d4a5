/* SPDX-License-Identifier: MIT */
/*
 * core_tree.c - core scheduling's per-CPU index of queued threads by (cookie, class,
 * urgency), cookie resolution, and the lock-free queries placement and charging ask.
 */
#include "internal.h"
#include "core_tree.h"

/* Siblings share the leader's lock and core state; the leader is the core's lowest CPU,
 * so lock order (ascending owner CPU) is unchanged. Widths were checked by sched_init. */
void sched__core_init(struct sched_sys *s)
{
	for (unsigned c = 0; c < s->nr_cpus; c++) {
		struct sched_rq *rq = &s->rq[c];

		rq->running_cookie = SCHED_COOKIE_IDLE;
		if (!s->cfg.core_sched)
			continue;
		for (unsigned l = 0; l <= c; l++) {
			if (s->topo.core[l] == s->topo.core[c]) {
				struct sched_core *core = &s->rq[l].core_state;

				rq->core = &s->rq[l];
				core->sib[core->nr_sibs++] = (uint16_t)c;
				break;
			}
		}
	}
	for (unsigned c = 0; c < s->nr_cpus; c++)
		s->rq[c].core_on = s->rq[c].core->core_state.nr_sibs > 1;
}

/* Within a class: by the class's absolute key (a deadline) if it has one, else by age. */
static sched_time_t order_key(struct sched_rq *rq, const struct sched_thread *t)
{
	const struct sched_class *c = t->on_class;

	return c->core_key && !c->core_vnow ? c->core_key(rq, t) : t->core_since;
}

/* By cookie, then class (higher first), then the class order. */
static bool core_less(struct sched_rq *rq, const struct sched_thread *a,
		      const struct sched_thread *b)
{
	if (a->cookie != b->cookie)
		return a->cookie < b->cookie;
	if (a->on_class != b->on_class)
		return a->on_class->slot < b->on_class->slot;
	return sched__deadline_before(order_key(rq, a), order_key(rq, b));
}

/* Queued t (on a class, not current) enters the index. rq locked. O(log n). */
void sched__core_tree_add(struct sched_rq *rq, struct sched_thread *t)
{
	struct sched_rb_node **link = &rq->core_tree.root, *parent = NULL;
	bool left = false;

	sched__assert_rq_locked(rq);
	if (!sched__core_on(rq) || !t->on_class || t->in_core_tree)
		return;
	t->core_since = sched_arch_now(); /* fair threads of a cookie: oldest first */
	while (*link) {
		parent = *link;
		left = core_less(rq, t, sched__container_of(parent, struct sched_thread, core_node));
		link = left ? &parent->left : &parent->right;
	}
	sched_rb_insert(&rq->core_tree, &t->core_node, parent, left);
	t->in_core_tree = 1;
	if (t->cookie)
		sched__core_of(rq)->nr_tagged++;
}

void sched__core_tree_del(struct sched_rq *rq, struct sched_thread *t)
{
	sched__assert_rq_locked(rq);
	if (!t->in_core_tree)
		return;
	sched_rb_erase(&rq->core_tree, &t->core_node);
	t->in_core_tree = 0;
	if (t->cookie)
		sched__core_of(rq)->nr_tagged--;
}

/* A thread was queued on / left rq's classes: index it, and void the core pick. */
void sched__core_enqueued(struct sched_rq *rq, struct sched_thread *t)
{
	sched__assert_rq_locked(rq);
	t->cookie = sched__cookie_resolve(t);
	sched__core_tree_add(rq, t);
	sched__core_of(rq)->task_seq++;
}

void sched__core_dequeued(struct sched_rq *rq, struct sched_thread *t)
{
	sched__assert_rq_locked(rq);
	sched__core_tree_del(rq, t);
	sched__core_of(rq)->task_seq++;
}

/* The first queued thread of `cookie` on rq (EDF by deadline, then fair by age), or NULL. */
struct sched_thread *sched__core_find(struct sched_rq *rq, sched_cookie_t cookie)
{
	struct sched_rb_node *n = rq->core_tree.root;
	struct sched_thread *best = NULL;

	sched__assert_rq_locked(rq);
	while (n) {
		struct sched_thread *t = sched__container_of(n, struct sched_thread, core_node);

		if (t->cookie >= cookie) {
			if (t->cookie == cookie)
				best = t;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

bool sched__core_others_wait(const struct sched_rq *rq)
{
	return sched__core_of(rq)->nr_forced != 0;
}

/* Could t run on `cpu` now without forcing a sibling idle? Lock-free (a heuristic). */
bool sched__core_fits(struct sched_sys *s, unsigned cpu, const struct sched_thread *t)
{
	struct sched_rq *rq = &s->rq[cpu];
	struct sched_core *core = sched__core_of(rq);

	for (unsigned i = 0; i < core->nr_sibs; i++) {
		struct sched_rq *r = sched__sib(rq, i);
		sched_cookie_t c = sched__get(&r->running_cookie);

		if (r != rq && c != SCHED_COOKIE_IDLE && c != t->cookie)
			return false;
	}
	return true;
}

/* The assignment that decides t's cookie: the newest of its own and its groups'. O(depth). */
const struct sched_core_tag *sched__cookie_winner(const struct sched_thread *t)
{
	const struct sched_core_tag *w = &t->core_tag;

	for (const struct sched_group *g = t->group; g; g = g->parent)
		if (g->core_tag.stamp > w->stamp)
			w = &g->core_tag;
	return w;
}

sched_cookie_t sched__cookie_resolve(const struct sched_thread *t)
{
	return sched__cookie_winner(t)->cookie;
}
