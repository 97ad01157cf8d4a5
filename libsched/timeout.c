/* SPDX-License-Identifier: MIT */
/*
 * timeout.c - each CPU's tree of sleeper timeouts: arm, remove, cancel.
 */
#include "internal.h"
#include "timeout.h"

static bool timeout_less(const struct sched_thread *a, const struct sched_thread *b)
{
	return sched_time_before(a->timeout, b->timeout);
}

/* Insert t into rq's sleepers. rq locked; t->cpu == rq->cpu. O(log n). */
void sched__timeout_arm(struct sched_rq *rq, struct sched_thread *t, sched_time_t deadline)
{
	struct sched_rb_node **link = &rq->sleepers.root, *parent = NULL;
	bool left = false;

	t->timeout = deadline;
	while (*link) {
		struct sched_thread *o =
			sched__container_of(*link, struct sched_thread, timeout_node);

		parent = *link;
		left = timeout_less(t, o);
		link = left ? &parent->left : &parent->right;
	}
	sched_rb_insert(&rq->sleepers, &t->timeout_node, parent, left);
	sched__set(&t->timeout_armed, 1);
	rq->nr_sleepers++;
}

void sched__timeout_remove(struct sched_rq *rq, struct sched_thread *t)
{
	sched_rb_erase(&rq->sleepers, &t->timeout_node);
	/* release: a thread-lock holder that reads 0 skips this rq's lock, and then writes
	 * the node and the timeout (its next sleep) that the timer read here */
	sched__store_release(&t->timeout_armed, 0);
	rq->nr_sleepers--;
}

/* Remove a BLOCKED/NEW thread's timeout, if armed. Thread lock held. */
void sched__timeout_cancel(struct sched_sys *s, struct sched_thread *t)
{
	struct sched_rq *srq;

	if (!sched__load_acquire(&t->timeout_armed))
		return;
	srq = sched__rq(s, t->cpu);
	sched__rq_lock(srq);
	if (sched__get(&t->timeout_armed))
		sched__timeout_remove(srq, t);
	sched__rq_unlock(srq);
}
