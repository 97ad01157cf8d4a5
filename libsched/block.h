/* SPDX-License-Identifier: MIT */
/*
 * block.h - what the other entry points use of block.c: validating an on-CPU entry, and
 * blocking the current thread. Interrupts off for sched__wait_block.
 */
#ifndef LIBSCHED_BLOCK_H
#define LIBSCHED_BLOCK_H

#include "internal.h"

int sched__on_cpu_entry(struct sched_sys *s, unsigned cpu, struct sched_thread **next,
			struct sched_thread **t);
void sched__wait_block(struct sched_rq *rq, struct sched_thread *t, sched_time_t deadline,
		       struct sched_thread **next);

#endif
