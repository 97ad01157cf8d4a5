/* SPDX-License-Identifier: MIT */
/*
 * wake.h - waking from inside the library (wake.c). On rq's own CPU, no lock held,
 * interrupts off.
 */
#ifndef LIBSCHED_WAKE_H
#define LIBSCHED_WAKE_H

#include "internal.h"

unsigned sched__expire_sleepers(struct sched_rq *rq, sched_time_t now);
/* t's lock held (asserted), NEW or BLOCKED; for the IPC handoff (block.c). */
int sched__wake_locked(struct sched_sys *s, struct sched_thread *t, enum sched_wake_reason why,
		       bool donated);
/* ...and rq and srq (where its timeout is armed) locked too. */
void sched__wake_commit(struct sched_thread *t, struct sched_rq *rq, struct sched_rq *srq,
			enum sched_wake_reason why, unsigned waker, bool donated);

int sched__wake_waiter(struct sched_sys *s, struct sched_thread *t);

#endif
