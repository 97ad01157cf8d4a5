/* SPDX-License-Identifier: MIT */
/*
 * place.h - where a thread runs (place.c). Lock-free reads of queue loads and the online
 * mask (heuristics); the caller holds t's thread lock where it passes a thread (asserted),
 * except that pick_other_cpu also accepts the lock of t's rq instead (the CPU offline).
 */
#ifndef LIBSCHED_PLACE_H
#define LIBSCHED_PLACE_H

#include "internal.h"
#include "rq.h"

int sched__pick_cpu(struct sched_sys *s, const sched_cpumask_t *mask, unsigned prev,
		    unsigned avoid);
int sched__select_cpu(struct sched_sys *s, struct sched_thread *t, enum sched_wake_reason why,
		      unsigned waker);
int sched__rt_target(struct sched_sys *s, const sched_cpumask_t *mask, unsigned me,
		     struct sched_rank r);
int sched__pick_other_cpu(struct sched_sys *s, const struct sched_thread *t, unsigned avoid);
void sched__usable_mask(struct sched_sys *s, const struct sched_thread *t,
			const sched_cpumask_t *aff, sched_cpumask_t *out);

#endif
