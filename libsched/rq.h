/* SPDX-License-Identifier: MIT */
/*
 * rq.h - the run-queue mechanism (rq.c). Every function: the run queue's lock held
 * (asserted) and interrupts off; rearm and expire_refills only on the queue's own CPU.
 */
#ifndef LIBSCHED_RQ_H
#define LIBSCHED_RQ_H

#include "internal.h"

/* A thread's urgency among realtime classes across CPUs: its class slot, then the class's
 * rank key (class.h); slot SCHED_NR_CLASSES is "nothing" (idle). */
struct sched_rank {
	unsigned slot;
	uint64_t key;
};

static inline bool sched__rank_before(struct sched_rank a, struct sched_rank b)
{
	return a.slot < b.slot || (a.slot == b.slot && sched__deadline_before(a.key, b.key));
}

/* What rq runs, and its most urgent queued realtime thread, as rq last published them. */
static inline struct sched_rank sched__rank_curr(const struct sched_rq *rq)
{
	return (struct sched_rank){ sched__get(&rq->rank_curr_slot), sched__get(&rq->rank_curr_key) };
}

static inline struct sched_rank sched__rank_queued(const struct sched_rq *rq)
{
	return (struct sched_rank){ sched__get(&rq->rank_queued_slot),
				    sched__get(&rq->rank_queued_key) };
}

struct sched_rank sched__rank_of(const struct sched_thread *t, const struct sched_class *c);
struct sched_thread *sched__best_queued_rt(struct sched_rq *rq);
void sched__publish_rank(struct sched_rq *rq);
void sched__update_load(struct sched_rq *rq);
void sched__enqueue(struct sched_rq *rq, struct sched_thread *t, unsigned flags,
		    sched_time_t now);
void sched__dequeue(struct sched_rq *rq, struct sched_thread *t, unsigned flags);
void sched__dequeue_curr(struct sched_rq *rq, struct sched_thread *prev, unsigned flags,
			 sched_time_t now);
void sched__block_curr_here(struct sched_rq *rq, struct sched_thread *prev);
void sched__requeue(struct sched_rq *rq, struct sched_thread *t, sched_time_t now);
void sched__reweight(struct sched_sys *s, struct sched_rq *rq, struct sched_thread *t,
		     uint32_t old);
unsigned sched__expire_refills(struct sched_rq *rq, sched_time_t now);
const struct sched_class *sched__class_for(struct sched_sys *s, const struct sched_thread *t,
					  sched_time_t now);
const struct sched_class *sched__class_wanted(struct sched_rq *rq, const struct sched_thread *t,
					      sched_time_t now);
bool sched__preempts(struct sched_rq *rq, struct sched_thread *t);
bool sched__others_wait(const struct sched_rq *rq);
sched_time_t sched__class_event(const struct sched_rq *rq, sched_time_t now);
void sched__rearm(struct sched_rq *rq);
void sched__kick(struct sched_rq *rq, bool must_preempt);
struct sched_thread *sched__class_best(struct sched_rq *rq, sched_time_t now);
struct sched_thread *sched__choose(struct sched_rq *rq, struct sched_thread *prev,
				   sched_time_t now);

/* Could t's class differ from the one it is on? False for every thread on the last class
 * that never met an SC, which keeps the class and budget checks off the plain paths. */
static inline bool sched__class_may_change(const struct sched_rq *rq, const struct sched_thread *t)
{
	/* passive and sc_fault are written with sched__set by exit and SC code that may hold
	 * another lock than this rq's: read them the same way */
	return sched__run_sc(t) || sched__get(&t->passive) || sched__get(&t->sc_fault) ||
	       t->rt_prio ||
	       t->on_class != rq->sys->classes[SCHED_NR_CLASSES - 1];
}

#endif
