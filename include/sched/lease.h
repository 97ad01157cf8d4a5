/* SPDX-License-Identifier: MIT */
/*
 * sched/lease.h - CPU isolation leases: a CPU's exclusivity as an object (docs/lease.md).
 *
 * An SC grants CPU time; a lease grants CPUs. While a lease is held, no thread but the
 * holder's (a thread, or every thread of a group and the groups below it) is placed on,
 * balanced to, stolen onto, pushed or pulled to its CPUs; the holder's threads may run
 * there and wherever else their affinity allows. At least one online CPU always stays
 * general-purpose (the housekeeping set: the online CPUs no lease holds).
 *
 * Storage: the caller gives libsched a pool of lease slots once (sched_lease_pool).
 * Capabilities are {index, gen}: revoking a lease bumps its generation, so every copy of
 * its capability fails closed with -SCHED_ESTALE.
 *
 * Locking: grants, revocations and CPU offline take s->lease_lock first (before mx_lock,
 * sc_lock, thread and run-queue locks). A CPU's lease pointer (rq->lease) changes under
 * that CPU's run-queue lock too, and is read without a lock by placement (re-checked
 * under the target's lock).
 */
#ifndef SCHED_LEASE_H
#define SCHED_LEASE_H

#include <sched/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sched_sys;
struct sched_group;

/* The steps of an activation, in the order the grant does them (refill waits go before the
 * queue: a refill due there would queue a thread the queue pass has passed). */
enum sched_lease_step {
	SCHED_LEASE_STEP_CLOSE,    /* placement onto the CPUs closed to other threads; a running
				    * other thread told to leave (count: those told) */
	SCHED_LEASE_STEP_ACCOUNTING, /* the CPUs' time is charged to the accounting target
				    * (count: 1 if there is one), in the same locked step */
	SCHED_LEASE_STEP_REFILLS,  /* other threads waiting there for an SC refill moved, with
				    * their refill timers (count) */
	SCHED_LEASE_STEP_QUEUED,   /* other runnable threads moved to housekeeping CPUs (count) */
	SCHED_LEASE_STEP_TIMEOUTS, /* other threads' sleeper timeouts moved (count) */
	SCHED_LEASE_STEP_PORT_TIMERS, /* the port moved its own timers (hook; count: calls) */
	SCHED_LEASE_STEP_PORT_WORK,   /* the port moved its deferred work (soft work, cleanup) */
	SCHED_LEASE_STEP_PORT_IRQS,   /* the port routed the IRQs that are not the holder's away */
	SCHED_LEASE_STEP_SWITCHED, /* every leased CPU has switched away from its last other
				    * thread (done on that CPU, at sched_finish_switch; count:
				    * the CPUs that had to) */
	SCHED_LEASE_STEP_NR
};

/* What the port is asked to move (sched_config.lease_port). */
enum sched_lease_port_what {
	SCHED_LEASE_PORT_TIMERS,   /* the port's own timers armed on the CPU */
	SCHED_LEASE_PORT_WORK,     /* deferred work queued there (soft IRQs, cleanup, RCU-like) */
	SCHED_LEASE_PORT_IRQS,     /* device IRQs routed there that are not the holder's */
};

/* Why a lease ended. */
enum sched_lease_cause {
	SCHED_LEASE_NOT_REVOKED,
	SCHED_LEASE_REVOKED,       /* sched_lease_revoke */
	SCHED_LEASE_HOLDER_EXIT,   /* its holder thread exited, or its process group was revoked */
	SCHED_LEASE_SERVICE,       /* its service group was torn down (service replacement) */
	SCHED_LEASE_SESSION,       /* its session closed */
	SCHED_LEASE_CAUSE_NR
};

/* The activation record: each step's instant (SCHED_TIME_NEVER: not done yet) and count.
 * Written with atomic stores (a leased CPU finishes its part without a lock). */
struct sched_lease_record {
	sched_time_t granted_at;   /* the grant began */
	sched_time_t active_at;    /* every step done (SCHED_TIME_NEVER: pending) */
	sched_time_t step_at[SCHED_LEASE_STEP_NR];
	uint32_t step_count[SCHED_LEASE_STEP_NR];
};

/* FREE or PENDING in the slot (lease_lock); ACTIVE once active_at is set (sched_lease_info) */
enum sched_lease_state { SCHED_LEASE_FREE, SCHED_LEASE_PENDING, SCHED_LEASE_ACTIVE };

/* A lease slot (the caller's pool). Fields are the library's: read them with sched_lease_info. */
struct sched_lease {
	uint32_t gen;                /* bumped by revocation; a capability holds a copy */
	uint32_t index;              /* slot in the pool */
	uint8_t state;               /* FREE or PENDING (live) [lease_lock; atomic] */
	uint8_t cause;               /* enum sched_lease_cause of the last revocation */
	uint8_t island;              /* held by a realtime island (island.h): it ends with it */
	uint64_t progress;           /* gen << 32 | activation parts still to do: the leased CPUs
				      * not yet switched, plus one for the granting call; counted
				      * down without a lock by those CPUs [atomic] */
	sched_cpumask_t cpus;
	struct sched_thread *thread; /* the holder thread, or NULL */
	uint32_t thread_gen;
	struct sched_group *group;   /* the holder group, or NULL */
	struct sched_group *holder_group; /* the group the holder is in (revoke_owned) */
	uint32_t holder_id;          /* the holder thread's id (trace events), or 0 */
	struct sched_group *target;  /* charged for the CPUs' time (SCHED_ACCT_LEASED) */
	struct sched_lease_record rec;
};

struct sched_lease_cap {
	uint32_t index;
	uint32_t gen;
};

struct sched_lease_params {
	sched_cpumask_t cpus;        /* non-empty, online, inside the authority's CPUs */
	struct sched_ref thread;     /* the holder: a thread (t != NULL) ... */
	struct sched_group *group;   /* ... or a group (thread.t == NULL); exactly one */
	struct sched_group *target;  /* accounting target; NULL = the holder's group (none for a
				      * thread without a group) */
};

/* A copy of a live lease's state (sched_lease_info). */
struct sched_lease_info {
	uint8_t state;               /* PENDING or ACTIVE */
	sched_cpumask_t cpus;
	struct sched_lease_record rec;
};

/* Give the system its lease slots (once). -SCHED_EEXIST the second time, -SCHED_EINVAL for
 * NULL or n outside 1 .. 2^16. O(n). */
int sched_lease_pool(struct sched_sys *s, struct sched_lease *leases, unsigned n);

/*
 * Grant a lease over p->cpus to p's holder. Needs a live token with SCHED_RIGHT_LEASE whose
 * CPU set contains p->cpus and whose scope contains the holder's group and the target.
 * Validation first, and a refusal changes nothing: -SCHED_EINVAL for NULL, an empty CPU set,
 * no holder or two, an idle thread as holder; -SCHED_ECPU for a CPU out of range or
 * offline; -SCHED_ESTALE for a stale token or holder; -SCHED_EPERM without the right or
 * outside its CPUs or scope (a holder thread in no group is outside every scope);
 * -SCHED_ELEASED if a CPU is leased already; -SCHED_EHOUSEKEEPING if no online CPU would be
 * left general-purpose; -SCHED_EUNSCHED with admission on if a configured SC or declared
 * fixed-priority thread counts on one of the CPUs; -SCHED_EPINNED if another thread there
 * (running, queued, waiting for a refill or asleep with its timeout there) may run nowhere
 * else; -SCHED_EAGAIN while a thread is migrating towards one of the CPUs (call again after
 * its switch, as for offline); -SCHED_EFULL without a free slot. A thread or group may hold
 * several leases.
 *
 * Then the activation steps run in order (enum sched_lease_step), the port's hook
 * (sched_config.lease_port) is called for each CPU and each of its three kinds (with
 * lease_lock held: see sched_config), and the lease becomes ACTIVE once every leased CPU has switched
 * away from its last other thread (an IPI asks it to at once). *out receives the
 * capability. O(threads on the CPUs x nr_cpus) + the hooks.
 */
int sched_lease_grant(struct sched_sys *s, struct sched_auth auth,
		      const struct sched_lease_params *p, struct sched_lease_cap *out);

/*
 * Revoke: the generation is bumped (every copy of the capability fails closed), the CPUs
 * open to every thread at once, the port's hooks are called to bring their timers, work and
 * IRQs back, and each CPU is told (an IPI) to take work: it is back in general use at its
 * next switch, which counts the latency (SCHED_CNT_LEASE_RETURN_NS). -SCHED_EINVAL for NULL,
 * -SCHED_ESTALE for a stale capability, -SCHED_EPERM for a realtime island's lease (revoking
 * the island ends it). O(nr_cpus) + the hooks.
 */
int sched_lease_revoke(struct sched_sys *s, struct sched_lease_cap cap);

/*
 * Revoke every lease whose holder (a group, or a thread's group) is `owner` or below it:
 * process exit (cause SCHED_LEASE_HOLDER_EXIT), service replacement (SCHED_LEASE_SERVICE)
 * and session close (SCHED_LEASE_SESSION), by owner's kind. Needs a live token with
 * SCHED_RIGHT_LEASE whose scope contains owner. Returns the number revoked; -SCHED_EINVAL
 * for NULL, -SCHED_ESTALE, -SCHED_EPERM. O(pool size x group depth).
 * (A holder thread's own exit, sched_exit, revokes its lease by itself. A realtime
 * island's lease is left to sched_island_revoke_owned, which ends the island with it.)
 */
int sched_lease_revoke_owned(struct sched_sys *s, struct sched_auth auth,
			     struct sched_group *owner);

/* Copy a live lease's state and activation record. -SCHED_EINVAL for NULL, -SCHED_ESTALE
 * for a stale capability. */
int sched_lease_info(struct sched_sys *s, struct sched_lease_cap cap, struct sched_lease_info *out);

/* The housekeeping set: online CPUs no lease holds (a snapshot). Nothing for NULL. */
void sched_housekeeping(struct sched_sys *s, sched_cpumask_t *out);

#ifdef __cplusplus
}
#endif

#endif
