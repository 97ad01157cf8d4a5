/* SPDX-License-Identifier: MIT */
/*
 * migrate.h - moving a thread between run queues (migrate.c). Both run-queue locks held
 * (asserted), and the thread's lock.
 */
#ifndef LIBSCHED_MIGRATE_H
#define LIBSCHED_MIGRATE_H

#include "internal.h"

/* `cause`: enum sched_why_migrate, for the decision record (explain.h) */
void sched__arrive(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
		   sched_time_t now, unsigned cause);
void sched__move_queued(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
			sched_time_t now, unsigned cause);
void sched__move_queued_picking(struct sched_rq *src, struct sched_rq *dst,
				struct sched_thread *t, sched_time_t now);

#endif
