/* SPDX-License-Identifier: MIT */
/* trace.h - writing a CPU's trace ring (trace.c). rq locked. */
#ifndef LIBSCHED_TRACE_RING_H
#define LIBSCHED_TRACE_RING_H

#include "internal.h"

void sched__trace(struct sched_rq *rq, enum sched_trace_type type, uint32_t tid, uint64_t arg,
		  uint8_t aux, sched_time_t now);

#endif
