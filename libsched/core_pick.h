/* SPDX-License-Identifier: MIT */
/*
 * core_pick.h - the core-wide pick (core_pick.c). The core lock held (asserted); choose and
 * switched only on rq's own CPU (the pick), check on any CPU (the checker).
 */
#ifndef LIBSCHED_CORE_PICK_H
#define LIBSCHED_CORE_PICK_H

#include "internal.h"

struct sched_thread *sched__core_choose(struct sched_rq *rq, struct sched_thread *prev,
					bool prev_runs, sched_time_t now);
void sched__core_switched(struct sched_rq *rq, sched_time_t now);
int sched__core_check(struct sched_sys *s, struct sched_rq *rq);

#endif
