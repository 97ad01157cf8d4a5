/* SPDX-License-Identifier: MIT */
/*
 * push.h - realtime push and pull (push.c). Both run with no lock held and take the two
 * run-queue locks and the moved thread's lock themselves (trylock: a busy thread is left).
 */
#ifndef LIBSCHED_PUSH_H
#define LIBSCHED_PUSH_H

#include "internal.h"

/* On rq's own CPU before a pick: take another CPU's queued realtime thread that is more
 * urgent than what this CPU would run (its current thread counts unless `leaving`).
 * Returns 1 if one moved here. O(nr_cpus); O(1) while no CPU has one queued. */
unsigned sched__rt_pull(struct sched_rq *rq, bool leaving);
/* From any CPU: send cpu's queued realtime threads to CPUs running something less
 * urgent, at most balance_max. Returns how many moved. O(nr_cpus) per move. */
unsigned sched__rt_push(struct sched_sys *s, unsigned cpu);

#endif
