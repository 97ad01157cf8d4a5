/* SPDX-License-Identifier: MIT */
/*
 * proxy.h - waiting on mutexes, condition variables and barriers, and what a mutex's
 * waiters lend its owner (proxy.c).
 *
 * Every function: sys.mx_lock held (asserted), interrupts off, and no thread or run-queue
 * lock held: each takes the ones it needs, one thread at a time (mx_lock, sc_lock, thread,
 * run queue is the order).
 */
#ifndef LIBSCHED_PROXY_H
#define LIBSCHED_PROXY_H

#include "internal.h"

enum sched_wait_kind {
	SCHED_WAIT_NONE,
	SCHED_WAIT_MUTEX,
	SCHED_WAIT_COND,
	SCHED_WAIT_BARRIER,
};

#define SCHED_MUTEX_MAGIC 0x6d757478u /* "mutx" */
#define SCHED_COND_MAGIC 0x636f6e64u  /* "cond" */
#define SCHED_BARRIER_MAGIC 0x62617272u /* "barr" */

struct sched_thread *sched__waitq_first(const struct sched_waitq *q);
void sched__wait_on(struct sched_sys *s, struct sched_thread *t, void *obj,
		    enum sched_wait_kind kind, struct sched_waitq *q);
void sched__wait_off(struct sched_sys *s, struct sched_thread *t, struct sched_waitq *q);

void sched__mutex_take(struct sched_sys *s, struct sched_mutex *m, struct sched_thread *t,
		       int result);
struct sched_thread *sched__mutex_pass(struct sched_sys *s, struct sched_mutex *m, int result);
int sched__mutex_chain_check(const struct sched_mutex *m, const struct sched_thread *me);
bool sched__proxy_update(struct sched_sys *s, struct sched_thread *t);
void sched__proxy_chain(struct sched_sys *s, struct sched_mutex *m);
void sched__proxy_resync(struct sched_sys *s, struct sched_thread *t, bool sc_held);
void sched__proxy_unlend(struct sched_sys *s, const struct sched_sc *sc);
void sched__proxy_losing(struct sched_sys *s, struct sched_thread *t, const struct sched_sc *sc);
struct sched_thread *sched__proxy_borrower(struct sched_sys *s, const struct sched_sc *sc);
struct sched_thread *sched__cond_wake(struct sched_sys *s, struct sched_cond *c, bool *taken);
bool sched__wait_timeout(struct sched_sys *s, struct sched_thread *t);
unsigned sched__proxy_exit(struct sched_sys *s, struct sched_thread *t,
			   struct sched_thread **wake);
int sched__proxy_check(struct sched_sys *s, struct sched_thread *t);

#endif
