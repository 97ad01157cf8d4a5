/* SPDX-License-Identifier: MIT */
/*
 * sched/class.h - the operations a scheduling class implements.
 *
 * The core owns thread state, run-queue locking, accounting, placement and the idle
 * class; a class orders the threads runnable on one CPU. Every operation is called with
 * that CPU's run-queue lock held and interrupts off.
 *
 * The CPU's current thread stays "on" the class while it runs (as in Linux: an EEVDF class
 * needs it in the weighted average), but is not among the queued threads the core counts in
 * rq->nr_queued or iterates with first/next. The pick sequence is:
 *
 *   prev still runnable:   next = pick(rq); if next != prev: put_prev(prev), set_next(next)
 *   prev blocked/exited/leaving:   dequeue(prev); next = pick(rq); set_next(next)
 *
 * Adding a policy: one file that fills in a struct sched_class, a member in the per-class
 * unions in sched.h for its run-queue and per-thread data, and a line in sched_policy_find().
 */
#ifndef SCHED_CLASS_H
#define SCHED_CLASS_H

#include <sched/types.h>

struct sched_rq;
struct sched_sys;
struct sched_group;
struct sched_thread;

enum sched_enqueue_flags {
	SCHED_ENQ_WAKE = 1,     /* becoming runnable after blocking */
	SCHED_ENQ_NEW = 2,      /* first wake after sched_thread_init() */
	SCHED_ENQ_MIGRATE = 4,  /* arriving from another CPU (dequeued there with SCHED_DEQ_MIGRATE) */
};

enum sched_dequeue_flags {
	SCHED_DEQ_SLEEP = 1,    /* blocking: keep what the policy preserves across sleep */
	SCHED_DEQ_MIGRATE = 2,  /* leaving for another CPU */
	SCHED_DEQ_EXIT = 4,
};

struct sched_class {
	const char *name;
	/* Prepare the class's part of a run queue (at sched_init). */
	void (*rq_init)(struct sched_rq *rq);
	/* Prepare per-thread class data when the thread is created. */
	void (*thread_init)(struct sched_sys *s, struct sched_thread *t);
	/* Prepare a fairness group's per-CPU storage (optional: NULL if groups are ignored). */
	void (*group_init)(struct sched_sys *s, struct sched_group *g);
	/* t's weight or slice changed (queued, current or off-CPU); its rq is locked if it has
	 * one. The class keeps the thread's lag. */
	void (*reweight)(struct sched_rq *rq, struct sched_thread *t);
	void (*enqueue)(struct sched_rq *rq, struct sched_thread *t, unsigned flags);
	/* Remove t: a queued thread, or the current thread that stopped being runnable. */
	void (*dequeue)(struct sched_rq *rq, struct sched_thread *t, unsigned flags);
	/* The thread to run next among the queued ones and the current one if it is still
	 * runnable (rq->curr, state RUNNING); NULL if none. Does not change the queue. */
	struct sched_thread *(*pick)(struct sched_rq *rq, sched_time_t now);
	/* Queued t becomes the current thread. */
	void (*set_next)(struct sched_rq *rq, struct sched_thread *t, sched_time_t now);
	/* The current thread t, still runnable, stops being current (back among the queued). */
	void (*put_prev)(struct sched_rq *rq, struct sched_thread *t);
	/* Direct IPC handoff from `from` (which just blocked) to queued `to`: may `to` run
	 * next, bypassing pick()? The class keeps the handoff from starving others (EEVDF:
	 * only if `to` is eligible; rr: `to` inherits what is left of `from`'s quantum). */
	bool (*handoff)(struct sched_rq *rq, struct sched_thread *from, struct sched_thread *to);
	/* The current thread ran for `delta` ns (called at every charge point, after
	 * t->exec_start moved to now). Returns true if its slice or request ended, so that
	 * the core reschedules when others wait. */
	bool (*charge)(struct sched_rq *rq, struct sched_thread *t, uint64_t delta);
	/* Should the newly queued `woken` preempt `curr` right away? */
	bool (*wakeup_preempt)(struct sched_rq *rq, struct sched_thread *curr,
			       struct sched_thread *woken);
	/* The instant the current thread's slice ends (asked only when others are queued);
	 * `charged_at` is the instant its figures were last brought up to date. */
	sched_time_t (*slice_end)(struct sched_rq *rq, struct sched_thread *curr,
				  sched_time_t charged_at);
	/* The current thread yields: the next pick should prefer its peers. */
	void (*yield)(struct sched_rq *rq, struct sched_thread *curr);
	/* Iterate the queued threads (not the current one) in any order; O(1) per step. */
	struct sched_thread *(*first)(struct sched_rq *rq);
	struct sched_thread *(*next)(struct sched_rq *rq, struct sched_thread *t);
	/* Core scheduling (optional): t's virtual deadline on rq's top-level timeline, and that
	 * timeline's virtual time now. Siblings compare threads by key minus a snapshot of
	 * vnow (docs/core-scheduling.md); without them they compare by busy time. */
	uint64_t (*core_key)(struct sched_rq *rq, const struct sched_thread *t);
	uint64_t (*core_vnow)(struct sched_rq *rq);
	/* Class invariants for this queue; 0 or -SCHED_ECHECK (with rq->sys->check_msg set). */
	int (*check)(struct sched_rq *rq);
};

extern const struct sched_class sched_rr_class;
extern const struct sched_class sched_eevdf_class;
extern const struct sched_class sched_edf_class;

#endif
