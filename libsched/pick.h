/* SPDX-License-Identifier: MIT */
/*
 * pick.h - the pick under the lock, for the blocking entries (pick.c). On rq's own CPU,
 * rq locked (asserted).
 */
#ifndef LIBSCHED_PICK_H
#define LIBSCHED_PICK_H

#include "internal.h"

struct sched_thread *sched__schedule(struct sched_rq *rq);

#endif
