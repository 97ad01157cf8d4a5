/* SPDX-License-Identifier: MIT */
/*
 * island.h - what the rest of the library calls in island.c (realtime islands).
 */
#ifndef LIBSCHED_ISLAND_H
#define LIBSCHED_ISLAND_H

#include "internal.h"

/* sched_call's path rule: `me` (current) calls `to`. An island thread calls only along its
 * island's paths, and an island's server is called only along them: 0, or -SCHED_EPATH
 * with the violation counted and notified. sc_lock and both thread locks held. */
int sched__island_call(struct sched_sys *s, struct sched_thread *me, struct sched_thread *to);
/* May a call from me to `to` need the path rule (and so sc_lock)? Lock-free. */
static inline bool sched__island_involved(const struct sched_sys *s,
					  const struct sched_thread *to)
{
	return s->islands && __atomic_load_n(&to->isl_server, __ATOMIC_RELAXED);
}
/* The checker's part (takes sc_lock). */
int sched__island_check(struct sched_sys *s);

#endif
