/* SPDX-License-Identifier: MIT */
/*
 * timeout.c - each CPU's tree of sleeper timeouts: arm, remove, cancel.
 */
#include "internal.h"
#include "timeout.h"

static const struct sched_thread *of(const struct sched_rb_node *n)
{
	return sched__container_of(n, struct sched_thread, timeout_node);
}

static bool expires_first(const struct sched_rb_node *a, const struct sched_rb_node *b)
{
	return sched_time_before(of(a)->timeout, of(b)->timeout);
}

/* Insert t into rq's sleepers. rq locked; t->cpu == rq->cpu. O(log n). */
void sched__timeout_arm(struct sched_rq *rq, struct sched_thread *t, sched_time_t deadline)
{
	sched__assert_rq_locked(rq);
	SCHED_ASSERT(t->cpu == rq->cpu && !sched__get(&t->timeout_armed));
	t->timeout = deadline;
	sched_rb_add(&rq->sleepers, &t->timeout_node, expires_first);
	sched__set(&t->timeout_armed, 1);
	rq->nr_sleepers++;
}

/* Take armed t out of rq's sleepers. rq locked; t->cpu == rq->cpu. O(log n). */
void sched__timeout_remove(struct sched_rq *rq, struct sched_thread *t)
{
	sched__assert_rq_locked(rq);
	SCHED_ASSERT(t->cpu == rq->cpu && sched__get(&t->timeout_armed) && rq->nr_sleepers);
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

	sched__assert_thread_locked(t);
	if (!sched__load_acquire(&t->timeout_armed))
		return;
	srq = sched__rq(s, t->cpu);
	sched__rq_lock(srq);
	if (sched__get(&t->timeout_armed))
		sched__timeout_remove(srq, t);
	sched__rq_unlock(srq);
}
