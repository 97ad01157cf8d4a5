/* SPDX-License-Identifier: MIT */
/*
 * sc.h - SchedulingContexts seen from the rest of the library (sc.c). Lock rules per
 * function below; sched__sc_lock/sched__lock_thread take s->sc_lock before thread locks.
 */
#ifndef LIBSCHED_SC_H
#define LIBSCHED_SC_H

#include "internal.h"

struct sched_island_irq;

/* Lock-free predicate: is t involved with an SC (sc, own_sc, donor or passive)? */
bool sched__sc_involved(const struct sched_thread *t);
/* Take / release s->sc_lock if t is involved; no lock held on entry. */
bool sched__sc_lock(struct sched_sys *s, const struct sched_thread *t);
void sched__sc_unlock(struct sched_sys *s, bool locked);
/* sc_lock (if t is involved) then t's lock; returns whether sc_lock was taken. */
bool sched__lock_thread(struct sched_sys *s, struct sched_thread *t);
void sched__unlock_thread(struct sched_sys *s, struct sched_thread *t, bool sc_locked);
/* The rest: t's thread lock held (asserted); sc_lock too if t is involved, except for
 * sc_blocked: a plain block (leave_cpu) holds t's lock and its rq lock only, which is enough
 * (t->sc is written under t's lock or its rq lock, the SC's deadline and figures under the
 * holder's rq lock). */
int sched__sc_wake_check(struct sched_thread *t);
void sched__sc_woken(struct sched_thread *t, bool donated, sched_time_t now);
void sched__sc_blocked(struct sched_rq *rq, struct sched_thread *t, sched_time_t now);
int sched__sc_handoff(struct sched_sys *s, struct sched_thread *me, struct sched_thread *to,
		      bool reply);
void sched__sc_handoff_undo(struct sched_rq *rq, struct sched_thread *me, struct sched_thread *to,
			    bool reply, bool waited);
void sched__sc_exit(struct sched_sys *s, struct sched_thread *t);
unsigned sched__sc_exit_unlend(struct sched_sys *s, struct sched_thread *t,
			       struct sched_thread **h);
/* sched_sc_configure's parameter checks (-SCHED_EINVAL, -SCHED_ECPU) for sc. */
int sched__sc_params_check(struct sched_sys *s, const struct sched_sc *sc,
			   const struct sched_sc_params *p);
/* Configure sc with p on `cpus` (no runnable holder). sc_lock held. */
void sched__sc_apply(struct sched_sys *s, struct sched_sc *sc, const struct sched_sc_params *p,
		     const sched_cpumask_t *cpus);
/* Revoke live sc (mx_lock and sc_lock held). */
/* Configure n (<= SCHED_SC_SET_MAX) SCs together: all or none. Under one hold of sc_lock,
 * the set is written (the SCs whose CPUs are settled), then each SC's cluster is judged as
 * it will be, then the partitioned ones the fit places; a refusal puts back everything
 * written. Each cap needs `right`; *at is the one that decided a refusal, *v admission's
 * last verdict. Takes mx_lock and sc_lock. */
#define SCHED_SC_SET_MAX 8
int sched__sc_configure_set(struct sched_sys *s, struct sched_auth control,
			    const struct sched_sc_cap *caps, const struct sched_sc_params *p,
			    unsigned n, uint32_t right, unsigned *at, struct sched_sc_verdict *v);
/* A configured SC's parameters, owner and bound thread (cap needs `right`). */
int sched__sc_params_of(struct sched_sys *s, struct sched_sc_cap cap, uint32_t right,
			struct sched_sc_params *out, struct sched_group **owner,
			struct sched_thread **bound);
void sched__sc_revoke_locked(struct sched_sys *s, struct sched_sc *sc, unsigned cause); /* explain.h */
/* The checker's part: rq locked. */
/* Admission of `self` with params p (sc_admit.c): 0 or -SCHED_EUNSCHED, *v filled. sc_lock. */
int sched__sc_admit(struct sched_sys *s, const struct sched_sc *self,
		    const struct sched_sc_params *p, struct sched_sc_verdict *v);
/* Admission of fixed priority p for t (sc_admit.c): 0 or -SCHED_EUNSCHED. sc_lock, t locked. */
int sched__rt_admit(struct sched_sys *s, struct sched_thread *t, const struct sched_rt_params *p,
		    struct sched_sc_verdict *v);
void sched__rt_register(struct sched_sys *s, struct sched_thread *t,
			 const struct sched_rt_params *p);
void sched__rt_unregister(struct sched_sys *s, struct sched_thread *t);
bool sched__admitted_on(struct sched_sys *s, unsigned cpu);
bool sched__admitted_on_locked(struct sched_sys *s, unsigned cpu); /* sc_lock held */
/* Append the IRQs admitted islands route to CPU c to s->admit_tasks[0..n): the new count,
 * or -2 when the scratch is full. sc_lock. O(islands x their IRQs). */
int sched__admit_irqs(struct sched_sys *s, unsigned c, int n);
/* The one-CPU test of s->admit_tasks[0..n) on c, with the IRQs islands route there and
 * those of more[0..nmore) routed to c (appended after n). 0, -SCHED_EUNSCHED with *why, or
 * -SCHED_EFULL when the scratch cannot hold the IRQs (a refusal: why.test SCHED_RT_LIMIT).
 * sc_lock. */
int sched__admit_cpu(struct sched_sys *s, unsigned c, unsigned n,
		     const struct sched_island_irq *more, unsigned nmore, struct sched_rt_verdict *why);
/* Admission's cap on each CPU's realtime share, in millionths. */
uint32_t sched__admit_cap(const struct sched_sys *s);
/* The SCs admission counts on the cluster `cpus` (one CPU, or a global set): the
 * configured SCs whose set is exactly it, into s->admit_tasks. Returns their number, or -1
 * with v->conflict / v->conflict_thread set (a crossing SC, a fixed-priority thread), -2
 * when the scratch is full, -3 when (a global set) an island IRQ is routed inside it. sc_lock. */
int sched__admit_gather(struct sched_sys *s, const struct sched_sc *self,
			const sched_cpumask_t *cpus, struct sched_sc_verdict *v);

void sched__sc_index(struct sched_sys *s, struct sched_sc *sc, bool in);
int sched__sc_index_check(struct sched_sys *s);
int sched__sc_check(struct sched_sys *s, struct sched_rq *rq);

#endif
