/* SPDX-License-Identifier: MIT */
/*
 * account.h - charging the current thread and the ledgers (account.c). rq locked (asserted)
 * except sched__acct_add, which any holder of the thread's rq or thread lock may call.
 */
#ifndef LIBSCHED_ACCOUNT_H
#define LIBSCHED_ACCOUNT_H

#include "internal.h"

void sched__acct_add(struct sched_thread *t, enum sched_acct_field f, uint64_t v);
void sched__group_acct_add(struct sched_group *g, enum sched_acct_field f, uint64_t v);
void sched__charge_curr(struct sched_rq *rq, sched_time_t now);
void sched__charge_timer(struct sched_rq *rq, sched_time_t now);
void sched__note_switch_in(struct sched_rq *rq, struct sched_thread *t, sched_time_t now);

#endif
