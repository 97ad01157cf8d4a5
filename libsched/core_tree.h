/* SPDX-License-Identifier: MIT */
/*
 * core_tree.h - core scheduling's per-CPU cookie index and queries (core_tree.c). The index
 * functions: the core lock (rq locked, asserted). core_fits and cookie_resolve: lock-free.
 */
#ifndef LIBSCHED_CORE_TREE_H
#define LIBSCHED_CORE_TREE_H

#include "internal.h"

void sched__core_init(struct sched_sys *s);
void sched__core_enqueued(struct sched_rq *rq, struct sched_thread *t);
void sched__core_dequeued(struct sched_rq *rq, struct sched_thread *t);
void sched__core_tree_add(struct sched_rq *rq, struct sched_thread *t);
void sched__core_tree_del(struct sched_rq *rq, struct sched_thread *t);
struct sched_thread *sched__core_find(struct sched_rq *rq, sched_cookie_t cookie);
bool sched__core_others_wait(const struct sched_rq *rq);
bool sched__core_fits(struct sched_sys *s, unsigned cpu, const struct sched_thread *t);
sched_cookie_t sched__cookie_resolve(const struct sched_thread *t);
const struct sched_core_tag *sched__cookie_winner(const struct sched_thread *t);

#endif
