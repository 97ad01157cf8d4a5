/* SPDX-License-Identifier: MIT */
/*
 * explain.h - recording decisions (explain.c), and the small bounded formatter the
 * library's explain functions share. Recording needs no lock: a writer claims its slot with
 * one atomic add and publishes it with its sequence number (a reader skips a slot whose
 * number changed while it copied).
 */
#ifndef LIBSCHED_EXPLAIN_H
#define LIBSCHED_EXPLAIN_H

#include "internal.h"
#include <sched/explain.h>
#include <sched/lease.h>

/* The log if it keeps `kind`, else NULL: the only cost of a decision point when off. */
static inline struct sched_explain_log *sched__why_log(const struct sched_sys *s, unsigned kind)
{
	struct sched_explain_log *l = __atomic_load_n(&s->why, __ATOMIC_ACQUIRE);

	return l && (l->kinds >> kind & 1) ? l : NULL;
}

/* Store *w (seq is set here; time too if 0). Returns its seq. O(1). */
uint64_t sched__why_put(struct sched_explain_log *l, struct sched_why *w);

/* The group id of t, 0 for none. */
static inline uint32_t sched__gid(const struct sched_thread *t)
{
	return t && t->group ? t->group->id : 0;
}

/* The decision kinds recorded from more than one place. */
void sched__why_migrate(struct sched_sys *s, const struct sched_thread *t, unsigned from,
			unsigned to, unsigned cause, sched_time_t now);
/* tid and group: the caller's copies (a thread it no longer holds may be someone else) */
uint64_t sched__why_deny(struct sched_sys *s, uint32_t tid, uint32_t group,
			 unsigned cause, int err, unsigned obj_kind, uint32_t obj,
			 const uint64_t fig[3]);
void sched__why_revoke(struct sched_sys *s, unsigned obj_kind, uint32_t obj, unsigned cause,
		       uint32_t group, uint32_t tid, uint64_t affected);

/* The REVOKE cause of a lease's enum sched_lease_cause. */
static inline unsigned sched__why_lease_cause(unsigned lease_cause)
{
	return lease_cause == SCHED_LEASE_REVOKED	? SCHED_REVOKE_CALL
	       : lease_cause == SCHED_LEASE_HOLDER_EXIT ? SCHED_REVOKE_HOLDER_EXIT
							: SCHED_REVOKE_OWNER;
}

/* A bounded output buffer: `at` counts what was wanted, buf holds what fits (NUL at the end). */
struct sched__out {
	char *buf;
	unsigned len, at;
};

void sched__put(struct sched__out *o, const char *str);
void sched__put_u(struct sched__out *o, uint64_t x);
void sched__put_time(struct sched__out *o, uint64_t ns); /* "10.4 ms": one decimal, rounded up */
unsigned sched__out_end(struct sched__out *o);           /* NUL-terminate; the length wanted */

#endif
