/* SPDX-License-Identifier: MIT */
/*
 * progress.h - global progress of fair threads, comparable across CPUs (progress.c).
 * Every function: the run queue's lock held (asserted), interrupts off.
 */
#ifndef LIBSCHED_PROGRESS_H
#define LIBSCHED_PROGRESS_H

#include "internal.h"

uint64_t sched__share_weight(const struct sched_rq *rq, const struct sched_thread *t);
void sched__progress_publish(struct sched_rq *rq, const struct sched_thread *t,
			     sched_time_t now);
bool sched__progress_estimate(const struct sched_rq *rq, sched_time_t now, uint64_t *prog);
void sched__progress_charge(struct sched_rq *rq, struct sched_thread *t, uint64_t delta);
uint64_t sched__progress_now(const struct sched_rq *rq, const struct sched_thread *t,
			     sched_time_t now);
void sched__progress_relevel(struct sched_rq *rq, struct sched_thread *t, sched_time_t now);
void sched__progress_join(struct sched_rq *rq, struct sched_thread *t, unsigned flags,
			  sched_time_t now);

/* How far progress a is ahead of b (negative: behind). Wrapping: progress only grows. */
static inline int64_t sched__progress_diff(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b);
}

#endif
