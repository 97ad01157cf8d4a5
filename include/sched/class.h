/* SPDX-License-Identifier: MIT */
/*
 * sched/class.h - the operations a scheduling class implements.
 *
 * The core owns thread state, run-queue locking, accounting, placement and the idle
 * class; a class only orders the threads queued on one CPU. Every operation is called
 * with that CPU's run-queue lock held and interrupts off. The current thread is never in
 * the class's queue: pick() chooses among queued threads only, and the core puts the
 * current thread back (enqueue with SCHED_ENQ_PUT_PREV) before it picks.
 *
 * Adding a policy: one file that fills in a struct sched_class, a member in the per-class
 * unions in sched.h for its run-queue and per-thread data, and a name in sched_policy_find().
 */
#ifndef SCHED_CLASS_H
#define SCHED_CLASS_H

#include <sched/types.h>

struct sched_rq;
struct sched_thread;

enum sched_enqueue_flags {
	SCHED_ENQ_WAKE = 1,     /* becoming runnable after blocking or creation */
	SCHED_ENQ_PUT_PREV = 2, /* the current thread going back to its queue */
	SCHED_ENQ_MIGRATE = 4,  /* arriving from another CPU */
};

struct sched_class {
	const char *name;
	/* Prepare per-thread class data when the thread is created. */
	void (*thread_init)(struct sched_thread *t);
	void (*enqueue)(struct sched_rq *rq, struct sched_thread *t, unsigned flags);
	void (*dequeue)(struct sched_rq *rq, struct sched_thread *t);
	/* The queued thread to run next, or NULL; does not dequeue it. */
	struct sched_thread *(*pick)(struct sched_rq *rq);
	/* t was dequeued by the core and is now the CPU's current thread. */
	void (*set_curr)(struct sched_rq *rq, struct sched_thread *t, sched_time_t now);
	/* The current thread ran for `delta` ns (called at every charge point). */
	void (*charge)(struct sched_rq *rq, struct sched_thread *t, uint64_t delta);
	/* Should the newly queued `woken` preempt `curr` right away? */
	bool (*wakeup_preempt)(struct sched_rq *rq, struct sched_thread *curr,
			       struct sched_thread *woken);
	/* The instant the current thread's slice ends (only asked when others are queued). */
	sched_time_t (*slice_end)(struct sched_rq *rq, struct sched_thread *curr);
	/* The current thread yields: it should go behind its peers at the next pick. */
	void (*yield)(struct sched_rq *rq, struct sched_thread *curr);
	/* Iterate queued threads in any order (balance, hotplug, checker); O(1) per step. */
	struct sched_thread *(*first)(struct sched_rq *rq);
	struct sched_thread *(*next)(struct sched_rq *rq, struct sched_thread *t);
	/* Class invariants for this queue; 0 or -SCHED_ECHECK (with rq->sys->check_msg set). */
	int (*check)(struct sched_rq *rq);
};

extern const struct sched_class sched_rr_class;

#endif
