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

#endif
