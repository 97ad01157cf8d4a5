/* SPDX-License-Identifier: MIT */
/*
 * lease.h - what the rest of the library calls in lease.c. The lease predicates every
 * placement path asks are inline in internal.h (sched__lease_lets).
 */
#ifndef LIBSCHED_LEASE_H
#define LIBSCHED_LEASE_H

#include "internal.h"

/* On rq's CPU after a switch while rq->lease_due is set; no lock held, interrupts off. */
void sched__lease_switched(struct sched_sys *s, struct sched_rq *rq);
/* t, in its life `gen`, exited holding leases (t->nr_leases): they end. No lock held. */
void sched__lease_holder_exit(struct sched_sys *s, struct sched_thread *t, uint32_t gen);
/* A grant in two parts, for a caller that holds lease_lock throughout (an island's
 * admission): begin, with sc_lock held too, checks, closes the CPUs and moves what must
 * leave, failing as sched_lease_grant with nothing changed; end, after sc_lock is dropped
 * (the port's hooks may wait for other CPUs), runs the hooks and the grant's own part. */
int sched__lease_grant_begin(struct sched_sys *s, struct sched_auth auth,
			     const struct sched_lease_params *p, struct sched_lease_cap *out);
void sched__lease_grant_end(struct sched_sys *s, struct sched_lease_cap cap);
/* Revoke the lease `cap` names for `cause`, if it is live. lease_lock held. */
bool sched__lease_revoke_cap(struct sched_sys *s, struct sched_lease_cap cap,
			     enum sched_lease_cause cause);
/* The cause an owner group's teardown gives (process exit, service, session). */
enum sched_lease_cause sched__lease_cause_of(const struct sched_group *g);
/* The checker's part for rq (locked). */
/* 0 if cap is a live lease whose holder is thread `who` or a group in who's group (or
 * below it); -SCHED_ESTALE, -SCHED_EPERM (a realtime island's lease too). Takes lease_lock. */
int sched__lease_held(struct sched_sys *s, struct sched_lease_cap cap, const struct sched_thread *who);
int sched__lease_check(struct sched_sys *s, struct sched_rq *rq);

#endif
