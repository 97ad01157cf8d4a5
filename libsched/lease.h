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
/* The checker's part for rq (locked). */
int sched__lease_check(struct sched_sys *s, struct sched_rq *rq);

#endif
