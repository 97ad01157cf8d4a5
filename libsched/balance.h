/* SPDX-License-Identifier: MIT */
/*
 * balance.h - idle steal and periodic balance (balance.c). On rq's own CPU with no lock
 * held, interrupts off; they take two run-queue locks themselves.
 */
#ifndef LIBSCHED_BALANCE_H
#define LIBSCHED_BALANCE_H

#include "internal.h"

unsigned sched__steal(struct sched_rq *rq);
void sched__balance(struct sched_rq *rq, sched_time_t now);

/* Moving threads off a CPU: an offline moves all (l NULL), a lease those it does not hold.
 * The first three with rq locked; the last two with no rq lock (they take rq and the
 * destination's, and the thread's by trylock). */
enum sched_evict { SCHED_EVICT_QUEUED, SCHED_EVICT_REFILL, SCHED_EVICT_SLEEPER };

bool sched__nothing_stranded(struct sched_sys *s, struct sched_rq *rq,
			     const struct sched_lease *l);
bool sched__nothing_left(struct sched_sys *s, struct sched_rq *rq, const struct sched_lease *l,
			 bool switched);
bool sched__evict_curr(struct sched_sys *s, struct sched_rq *rq, const struct sched_lease *l);
int sched__evict_one(struct sched_sys *s, struct sched_rq *rq, enum sched_evict what,
		     const struct sched_lease *l);
unsigned sched__evict_all(struct sched_sys *s, struct sched_rq *rq, enum sched_evict what,
			  const struct sched_lease *l);

#endif
