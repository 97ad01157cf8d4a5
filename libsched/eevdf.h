/* SPDX-License-Identifier: MIT */
/*
 * eevdf.h - the EEVDF class's state (libsched/eevdf.c, docs/fair.md), kept in the fair
 * slot of every thread and run queue and in each fairness group's per-CPU storage. Private
 * to the class; the tests read it to compare the class with an oracle.
 *
 * An entity is a thread or, for a fairness group, the group on one CPU. A queue holds the
 * entities competing at one level on one CPU; the current entity is on its queue but not
 * in its tree. Everything here is protected by the lock of the run queue it belongs to.
 */
#ifndef LIBSCHED_EEVDF_H
#define LIBSCHED_EEVDF_H

#include <sched/sched.h>

struct sched_fair_rq;

struct sched_fair_entity {
	struct sched_rb_node node;     /* in q->tree by deadline, while queued and not current */
	uint64_t vruntime;             /* virtual ns: real ns x 1024 / weight */
	uint64_t deadline;             /* virtual: eligible time + slice x 1024 / weight */
	uint64_t vprot;                /* run-to-parity: protected until vruntime reaches it */
	uint64_t min_vruntime;         /* augmented: smallest vruntime in the subtree */
	uint64_t min_slice, max_slice; /* augmented: smallest/largest slice in the subtree */
	int64_t vlag;                  /* V - vruntime saved while off the queue (virtual ns) */
	uint64_t v_left;               /* V of its queue when it left (debt paid while asleep) */
	uint64_t slice;                /* request size, real ns: the latency class */
	uint32_t weight, inv_weight;   /* inv_weight = 2^32 / weight */
	uint8_t on_q;                  /* on its queue (queued or current) */
	struct sched_fair_rq *q;       /* the queue it is on (valid while on_q) */
	struct sched_fair_entity *parent; /* group entity above it on the same CPU, or NULL */
	struct sched_fair_rq *my_q;    /* group entity: the queue of its members; else NULL */
};

struct sched_fair_rq {
	struct sched_rb_tree tree;
	struct sched_fair_entity *curr; /* on this queue but not in the tree */
	uint64_t v0;                    /* reference point of the sums; never decreases */
	int64_t sum_wv;                 /* sum over the tree of w_i * (v_i - v0) */
	uint64_t sum_w;                 /* sum over the tree of w_i */
	uint32_t nr;                    /* entities on the queue, current included */
	struct sched_group *group;      /* the group it belongs to, NULL at the top */
};

/* A fairness group on one CPU (struct sched_group_cpu is its opaque storage). */
struct sched_eevdf_group_cpu {
	struct sched_fair_entity se;
	struct sched_fair_rq q;
	uint64_t load_contrib;          /* this CPU's part of group->load */
};

struct sched_eevdf_thread {
	struct sched_fair_entity se;
	struct sched_list node;         /* in rq's list of queued threads (iteration) */
};

struct sched_eevdf_rq {
	struct sched_fair_rq top;
	struct sched_list queued;
};

static inline struct sched_eevdf_thread *sched_eevdf_thread_of(const struct sched_thread *t)
{
	return (struct sched_eevdf_thread *)(void *)t->cls.fair;
}

static inline struct sched_eevdf_rq *sched_eevdf_rq_of(const struct sched_rq *rq)
{
	return (struct sched_eevdf_rq *)(void *)rq->cls.fair;
}

static inline struct sched_eevdf_group_cpu *sched_eevdf_gcpu(const struct sched_group *g,
							     unsigned cpu)
{
	return (struct sched_eevdf_group_cpu *)(void *)&g->pcpu[cpu];
}

#endif
