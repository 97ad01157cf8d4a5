/* SPDX-License-Identifier: MIT */
/*
 * timeout.h - sleeper timeouts (timeout.c). arm/remove: rq locked (asserted); cancel: the
 * thread lock held (asserted), it takes the rq lock itself.
 */
#ifndef LIBSCHED_TIMEOUT_H
#define LIBSCHED_TIMEOUT_H

#include "internal.h"

void sched__timeout_arm(struct sched_rq *rq, struct sched_thread *t, sched_time_t deadline);
void sched__timeout_remove(struct sched_rq *rq, struct sched_thread *t);
void sched__timeout_cancel(struct sched_sys *s, struct sched_thread *t);

#endif
