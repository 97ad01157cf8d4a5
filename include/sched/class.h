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
 * The classes form one ordered list, SCHED_CLASS_SLOTS below: the core asks them in that
 * order (pick, placement of a thread, preemption, the core-wide pick of core scheduling)
 * and never names one. Adding a class is one file that fills in a struct sched_class and
 * one line in that table: its slot name, its struct sched_class object, and how many 8-byte
 * words of state it keeps in every thread and in every run queue. That state is opaque
 * storage the caller embeds (struct sched_thread.cls, struct sched_rq.cls); the class casts
 * it to its own type and checks at compile time that it fits. The "fair" slot is filled at
 * sched_init by the fair policy sched_config.policy names (eevdf, the default, or rr);
 * every policy that can fill it declares .slot = SCHED_SLOT_fair.
 */
#ifndef SCHED_CLASS_H
#define SCHED_CLASS_H

#include <sched/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(slot, class object, words per thread, words per run queue), highest class first. */
#define SCHED_CLASS_SLOTS(X)                                                            \
	X(edf, sched_edf_class, 4, 3)     /* threads on a SchedulingContext with budget */ \
	X(rt, sched_rt_class, 4, 203)     /* fixed priorities 1..99, FIFO and RR */        \
	X(fair, sched_eevdf_class, 20, 12) /* everything else (eevdf or rr) */

enum sched_class_slot {
#define SCHED_SLOT_ENUM_(name, obj, tw, rw) SCHED_SLOT_##name,
	SCHED_CLASS_SLOTS(SCHED_SLOT_ENUM_)
#undef SCHED_SLOT_ENUM_
	SCHED_NR_CLASSES
};

/* Each class's opaque state in a thread and in a run queue (one member per slot). */
#define SCHED_SLOT_THREAD_(name, obj, tw, rw) uint64_t name[tw];
#define SCHED_SLOT_RQ_(name, obj, tw, rw) uint64_t name[rw];
struct sched_class_thread {
	SCHED_CLASS_SLOTS(SCHED_SLOT_THREAD_)
};
struct sched_class_rq {
	SCHED_CLASS_SLOTS(SCHED_SLOT_RQ_)
};
#undef SCHED_SLOT_THREAD_
#undef SCHED_SLOT_RQ_

/* A class's state type fits its slot (use in the class's file). */
#define SCHED_CLASS_STATE_FITS(type, slot, where)                                        \
	_Static_assert(sizeof(type) <= sizeof(((struct sched_class_##where *)0)->slot) &&  \
		       _Alignof(type) <= _Alignof(uint64_t), #type " fits its class slot")

struct sched_rq;
struct sched_sys;
struct sched_group;
struct sched_thread;

enum sched_enqueue_flags {
	SCHED_ENQ_WAKE = 1,     /* becoming runnable after blocking */
	SCHED_ENQ_NEW = 2,      /* first wake after sched_thread_init() */
	SCHED_ENQ_MIGRATE = 4,  /* arriving from another CPU (dequeued there with SCHED_DEQ_MIGRATE) */
};

enum sched_charge {
	SCHED_CHARGE_OK,
	SCHED_CHARGE_SLICE,    /* its slice or request ended */
	SCHED_CHARGE_DEPLETED, /* the budget it runs on is used up */
};

enum sched_dequeue_flags {
	SCHED_DEQ_SLEEP = 1,    /* blocking: keep what the policy preserves across sleep */
	SCHED_DEQ_MIGRATE = 2,  /* leaving for another CPU */
	SCHED_DEQ_EXIT = 4,
};

/*
 * Operations marked (optional) may be NULL; every other one must be given. All run with
 * the run-queue lock of `rq` held and interrupts off (asserted by the core before it calls).
 */
struct sched_class {
	const char *name;
	uint8_t slot;                /* its line in SCHED_CLASS_SLOTS: its rank and its storage */
	/* Its threads run on a budget that ends even when no other thread waits: the core
	 * arms the timer for slice_end() always, not only when others are queued. */
	bool budgeted;
	/* (optional) Does runnable t belong to this class now? The core asks the classes in
	 * order and queues t on the first that accepts; a class without it accepts everyone,
	 * so the last class of the list must not have it. Pure: reads t only. */
	bool (*accepts)(const struct sched_thread *t, sched_time_t now);
	/* Prepare the class's part of a run queue (at sched_init). */
	void (*rq_init)(struct sched_rq *rq);
	/* (optional) Prepare per-thread class data when the thread is created. */
	void (*thread_init)(struct sched_sys *s, struct sched_thread *t);
	/* Prepare a fairness group's per-CPU storage (optional: NULL if groups are ignored). */
	void (*group_init)(struct sched_sys *s, struct sched_group *g);
	/* (optional) t's weight or slice changed (queued, current or off-CPU); its rq is
	 * locked if it has one. The class keeps the thread's lag. */
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
	 * t->exec_start moved to now). Returns SCHED_CHARGE_SLICE if its slice or request
	 * ended (the core reschedules when others wait), SCHED_CHARGE_DEPLETED if the budget
	 * it runs on ran out (the core acts on the depletion and always reschedules). */
	enum sched_charge (*charge)(struct sched_rq *rq, struct sched_thread *t, uint64_t delta);
	/* Should the newly queued `woken` preempt `curr` right away? */
	bool (*wakeup_preempt)(struct sched_rq *rq, struct sched_thread *curr,
			       struct sched_thread *woken);
	/* The instant the current thread's slice ends (asked only when others are queued);
	 * `charged_at` is the instant its figures were last brought up to date. */
	sched_time_t (*slice_end)(struct sched_rq *rq, struct sched_thread *curr,
				  sched_time_t charged_at);
	/* (optional) The next instant the class needs this CPU to pick again whatever runs
	 * (rt: its throttling window ends), or SCHED_TIME_NEVER; asked while it has threads
	 * here. The core arms the timer for it and reschedules when it has passed. */
	sched_time_t (*next_event)(const struct sched_rq *rq, sched_time_t now);
	/* The current thread yields: the next pick should prefer its peers. */
	void (*yield)(struct sched_rq *rq, struct sched_thread *curr);
	/* (optional) A realtime class's urgency of t across CPUs, smaller first (EDF: its
	 * deadline; rt: 100 - priority). Classes with it take part in push and pull
	 * (push.c): on a CPU set the most urgent of their threads run. Pure. */
	uint64_t (*rank_key)(const struct sched_thread *t);
	/* Iterate the queued threads (not the current one) in any order; O(1) per step. A
	 * class with rank_key gives its most urgent queued thread first. */
	struct sched_thread *(*first)(struct sched_rq *rq);
	struct sched_thread *(*next)(struct sched_rq *rq, struct sched_thread *t);
	/* Core scheduling (optional), comparing threads of one class queued on sibling CPUs:
	 * core_key is t's urgency (smaller first). With core_vnow, keys are virtual times on
	 * each CPU's own timeline and siblings compare key minus a snapshot of vnow
	 * (docs/core-scheduling.md); without it keys are absolute instants, and the per-CPU
	 * cookie index orders the class's threads by key. Without core_key, siblings compare
	 * by time waited, and the index by age. */
	uint64_t (*core_key)(struct sched_rq *rq, const struct sched_thread *t);
	uint64_t (*core_vnow)(struct sched_rq *rq);
	/* (optional) The timer fired with curr (this class's) running: follow what other CPUs
	 * changed meanwhile (EEVDF: its groups' weights here). After the charge. */
	void (*tick)(struct sched_rq *rq, struct sched_thread *curr);
	/* (the last class) The weight competing at the top of this CPU's queue, the current
	 * thread included: the CPU's fair load (a fairness group counts as its entity here). */
	uint64_t (*top_weight)(const struct sched_rq *rq);
	/* (optional, the last class) What t's share of the machine weighs, x 256: its own
	 * weight at the top; in fairness groups, its weight x (group entity's weight / the
	 * group queue's weight) at each level. Without it, t->weight x 256. */
	uint64_t (*share_weight)(const struct sched_rq *rq, const struct sched_thread *t);
	/* Class invariants for this queue; 0 or -SCHED_ECHECK (with rq->sys->check_msg set). */
	int (*check)(struct sched_rq *rq);
};

#define SCHED_SLOT_EXTERN_(name, obj, tw, rw) extern const struct sched_class obj;
SCHED_CLASS_SLOTS(SCHED_SLOT_EXTERN_)
#undef SCHED_SLOT_EXTERN_
extern const struct sched_class sched_rr_class; /* the other fair policy */

#ifdef __cplusplus
}
#endif

#endif
