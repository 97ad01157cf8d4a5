/* SPDX-License-Identifier: MIT */
/*
 * refill.h - an SC's budget arithmetic (refill.c): sporadic-server ring, CBS, round robin.
 * Pure: it reads and writes only the SC given. The caller holds the lock that protects the
 * SC's budget state (sc.h: its holder's run-queue lock, or sc_lock while it has none).
 */
#ifndef LIBSCHED_REFILL_H
#define LIBSCHED_REFILL_H

#include "internal.h"

enum { SCHED_REFILL_OK, SCHED_REFILL_TURN, SCHED_REFILL_DEPLETED };

void sched__refill_reset(struct sched_sc *sc, sched_time_t now);
uint64_t sched__refill_avail(const struct sched_sc *sc, sched_time_t now);
sched_time_t sched__refill_next(const struct sched_sc *sc);
void sched__refill_unblock(struct sched_sc *sc, sched_time_t now);
void sched__refill_arrive(struct sched_sc *sc, sched_time_t now);
int sched__refill_charge(struct sched_sc *sc, uint64_t used, sched_time_t now);
void sched__refill_forfeit(struct sched_sc *sc, sched_time_t now);
bool sched__refill_valid(const struct sched_sc *sc);

#endif
