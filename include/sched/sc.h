/* SPDX-License-Identifier: MIT */
/*
 * sched/sc.h - SchedulingContexts: CPU time as an object a thread holds (docs/scheduling-context.md).
 *
 * An SC is a budget of `budget` ns in every window of `period` ns, with a relative deadline,
 * a CPU mask, a refill ring (sporadic server) or a constant-bandwidth server state, a
 * notification endpoint and an overrun policy. A thread runs in the budgeted EDF class,
 * above every fair thread, while the SC it holds has budget; what happens when it has none
 * is the SC's overrun policy.
 *
 * Storage: the caller gives libsched a pool of SC slots once (sched_sc_pool), and a refill
 * array to each SC it creates. Capabilities are {index, gen, rights}: revoking an SC bumps
 * its generation, so every copy of its capability fails closed with -SCHED_ESTALE.
 *
 * Locking: SC operations and every thread operation that may move an SC between threads
 * (wake, call/reply donation, exit) take s->sc_lock before thread and run-queue locks.
 * A thread's sc/own_sc/donor/passive fields change only under sc_lock plus the lock of the
 * run queue it is on; the budget state of an SC changes under the lock of its holder's run
 * queue (or sc_lock while the holder is blocked).
 */
#ifndef SCHED_SC_H
#define SCHED_SC_H

#include <sched/admit.h>
#include <sched/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sched_sys;
struct sched_group;

/* Bounds, checked by sched_sc_configure. The minimum budget is five worst-case kernel
 * entries on the slowest supported target (2 us under QEMU TCG): a smaller budget would be
 * mostly enforcement overhead. */
#define SCHED_SC_BUDGET_MIN_NS 10000ull
#define SCHED_SC_PERIOD_MAX_NS (1ull << 36) /* ~68 s: keeps budget x period products < 2^72 */
#define SCHED_SC_REFILLS_MAX 1024u
#define SCHED_DONATION_DEPTH_MAX 8      /* A calls B calls C ...: at most this many links */

/* One sporadic-server refill: `amount` ns of budget usable from instant `at`. */
struct sched_refill {
	sched_time_t at;
	uint64_t amount;
};

enum sched_sc_mode {
	SCHED_SC_SPORADIC, /* refill ring: at most `budget` in any sliding window of `period` */
	SCHED_SC_CBS,      /* constant-bandwidth server (Linux SCHED_DEADLINE's rules) */
};

enum sched_sc_overrun {
	SCHED_SC_THROTTLE,     /* depleted: off the CPU until the next refill */
	SCHED_SC_DEMOTE,       /* depleted: runs in the fair class until the next refill */
	SCHED_SC_NOTIFY_BLOCK, /* depleted: blocks; the endpoint's handler decides (sched_wake) */
};

/* Where an SC's threads run within its CPUs (docs/admission.md). */
enum sched_sc_dispatch {
	SCHED_SC_GLOBAL,      /* anywhere in its CPU set: the most urgent SC threads of the set
			       * run (global EDF; one CPU: partitioned) */
	SCHED_SC_PARTITIONED, /* on one CPU of its set, chosen at configure (by admission if it
			       * is on): the SC's CPU set becomes that CPU */
};

/* Capability rights. */
enum sched_sc_right {
	SCHED_SC_BIND = 1,      /* bind to a thread, unbind */
	SCHED_SC_CONFIGURE = 2, /* configure (together with a control authority) */
	SCHED_SC_READ = 4,      /* read figures */
	SCHED_SC_REVOKE = 8,    /* revoke (destroys the SC) */
	SCHED_SC_ALL = 15,
};

/* Notification kinds, in the top byte of the message passed to sched_config.notify. */
enum sched_sc_msg {
	SCHED_SC_MSG_DEPLETED = 1, /* the SC's own thread used its budget */
	SCHED_SC_MSG_TIMEOUT = 2,  /* a server running on the donated SC used it up */
};

/* message = kind << 56 | (sc index & 0xffffff) << 32 | thread id */
static inline uint64_t sched_sc_message(unsigned kind, uint32_t index, uint32_t tid)
{
	return (uint64_t)kind << 56 | (uint64_t)(index & 0xffffffu) << 32 | tid;
}

struct sched_sc_params {
	uint64_t budget_ns;     /* >= SCHED_SC_BUDGET_MIN_NS, <= period */
	uint64_t period_ns;     /* > 0, <= SCHED_SC_PERIOD_MAX_NS; budget == period: round robin */
	uint64_t deadline_ns;   /* relative deadline, budget .. period; 0 = period */
	sched_cpumask_t cpus;   /* where the budget may be used: non-empty, online, inside the
				 * control authority's CPU set */
	uint32_t endpoint;      /* notification endpoint (sched_config.notify), 0 = none */
	uint8_t mode;           /* enum sched_sc_mode */
	uint8_t overrun;        /* enum sched_sc_overrun */
	uint8_t dispatch;       /* enum sched_sc_dispatch */
	uint64_t blocking_ns;   /* the longest a job may wait for mutexes others hold (their
				 * critical sections: sched_rt_blocking computes it); admission
				 * adds it to the budget. budget + blocking <= deadline */
};

/* What admission decided about one configure (sched_sc_configure_verdict). */
struct sched_sc_verdict {
	uint8_t accepted;
	uint16_t cpu;           /* partitioned: the CPU it was given; SCHED_RT_NO_CPU: global */
	uint32_t conflict;      /* index of a configured SC whose CPU set crosses this one's
				 * (clusters may not overlap unless equal), or SCHED_RT_NO_TASK */
	struct sched_thread *conflict_thread; /* or a fixed-priority thread in the way: a
				 * declared one whose CPUs cross (or whose level an undeclared
				 * thread would reach), or an undeclared one at or above the
				 * declared level asked for (its demand is unknown); NULL if none */
	struct sched_rt_verdict why; /* the test that decided (admit.h); why.task indexes the
				 * cluster's SCs in pool order, the one being configured last */
};

/* Figures of an SC; per SC, whichever thread ran on it. */
struct sched_sc_stats {
	uint64_t consumed_ns;    /* budget used */
	uint64_t jobs;           /* activations: its holder woke from a real block */
	uint64_t deadline_misses;/* jobs of its bound thread not finished (blocked) by the job's
				  * deadline, its wake + the relative deadline: counted once each,
				  * when seen (a depletion, a refill, the block) */
	uint64_t throttled_ns;   /* time its holder waited runnable for a refill */
	uint64_t depletions;     /* times the budget ran out while running */
	uint64_t notifications;  /* messages sent to the endpoint */
	uint64_t max_overrun_ns; /* worst time run past the end of the available budget */
	uint64_t max_lateness_ns;/* worst lateness of a missed job: its end (or, while it has
				  * not ended, the last look) minus its deadline */
};

enum sched_sc_state { SCHED_SC_FREE, SCHED_SC_CREATED, SCHED_SC_CONFIGURED };

struct sched_sc {
	uint32_t gen;                /* bumped by revoke; a capability holds a copy */
	uint32_t index;              /* slot in the pool */
	uint8_t state;               /* enum sched_sc_state */
	uint8_t mode, overrun;
	uint8_t dispatch;            /* enum sched_sc_dispatch */
	uint8_t depleted;            /* ran out; cleared when budget is back (one message each) */
	uint8_t job_late;            /* its current job's miss is counted */
	uint16_t cap, head, count;   /* refill ring: capacity, first, number in use */
	struct sched_refill *refill; /* caller storage, `cap` entries */
	uint64_t budget, period, rel_deadline;
	uint64_t blocking;           /* declared blocking (sched_sc_params.blocking_ns) */
	uint64_t debt;               /* CBS: overrun carried into the next replenishment */
	sched_time_t deadline;       /* absolute: the EDF key of its holder */
	sched_time_t act;            /* sporadic: the current activation's instant (refill.c) */
	sched_time_t job_deadline;   /* its bound thread's current job: woken + rel_deadline (a
				      * job that ends later is a miss, whatever refills moved the
				      * EDF key meanwhile) */
	sched_time_t wait_since;     /* its holder entered the refill wait */
	sched_cpumask_t cpus;
	uint32_t endpoint;
	struct sched_group *owner;   /* revoked with it (process exit, session logout) */
	struct sched_thread *bound;  /* the thread it belongs to, or NULL */
	struct sched_thread *holder; /* the thread running on it now (bound, or a server) */
	struct sched_sc_stats stats;
	struct sched_list cpu_node;  /* admission's index: in rq[c].part_scs while configured on
				      * the one CPU c (sc_lock) */
	struct sched_island *island; /* the realtime island it is a member of, or NULL (sc_lock) */
};

struct sched_sc_cap {
	uint32_t index;
	uint32_t gen;
	uint32_t rights;
};

/* The same capability with fewer rights (a subset of cap's). */
static inline struct sched_sc_cap sched_sc_cap_restrict(struct sched_sc_cap cap, uint32_t rights)
{
	cap.rights &= rights;
	return cap;
}

/* Give the system its SC slots (once, before any SC call). -SCHED_EEXIST the second time,
 * -SCHED_EINVAL for NULL or n outside 1 .. 2^24. */
int sched_sc_pool(struct sched_sys *s, struct sched_sc *scs, unsigned n);

/*
 * Create an SC in a free slot, owned by `owner` (a process or session group; may be NULL),
 * with `refills[nr_refills]` (1 .. SCHED_SC_REFILLS_MAX) as its refill ring. It has no
 * budget until configured. *out receives a capability with every right.
 * -SCHED_EFULL when no slot is free (or no pool was given), -SCHED_EINVAL for NULL or a
 * refill count out of range. O(pool size).
 */
int sched_sc_create(struct sched_sys *s, struct sched_group *owner, struct sched_refill *refills,
		    unsigned nr_refills, struct sched_sc_cap *out);

/*
 * Set budget, period, deadline, CPUs, endpoint, mode and overrun policy. Needs `control`, an
 * authority with SCHED_RIGHT_SC_CONTROL whose CPU set contains p->cpus (seL4's SchedControl),
 * and a capability with SCHED_SC_CONFIGURE. Validation comes first: -SCHED_EINVAL for
 * budget > period, deadline out of budget..period, zero period, budget under the minimum,
 * a bad mode or policy, an empty CPU mask, or a sporadic SC with one refill slot and
 * budget < period; -SCHED_ECPU for a CPU out of range or offline in the mask; -SCHED_EPERM
 * outside the authority's CPUs or without the rights; -SCHED_ESTALE for a stale token or
 * capability; -SCHED_EACTIVE while a thread runs or waits runnable on it; -SCHED_EAFFINITY
 * if its blocked holder's affinity reaches outside the new CPUs. The refill state restarts
 * full. O(1).
 */
int sched_sc_configure(struct sched_sys *s, struct sched_auth control, struct sched_sc_cap sc,
		       const struct sched_sc_params *p);

/*
 * The same, and *out (may be NULL) says what admission decided, accepted or not. With
 * admission on (sched_sc_admission), the configure fails with -SCHED_EUNSCHED and
 * changes nothing if the SCs of its CPUs could then miss a deadline: the exact EDF test on
 * one CPU (utilisation, or QPA for constrained deadlines), GFB, BCL or BAK on a global set
 * of m CPUs, each against rt_runtime_ns / rt_period_ns of every CPU; or if its CPU set
 * crosses another SC's without being equal. A partitioned SC (p->dispatch) gets the CPU
 * of p->cpus the configured fit chooses among those that admit it (without admission: the
 * one with the least reserved), and its CPU set becomes that CPU: its thread's affinity
 * must be inside it to bind. Every configured SC counts, bound or not, so binding never
 * breaks a guarantee. O(m x pool size) plus the analysis (admit.h).
 */
/*
 * Turn admission on for the SCs configured from now on: `scratch` is room for the analysis
 * of one CPU or cluster, n >= pool size + 1 entries (with realtime islands, add the IRQ
 * reservations one CPU may carry: at most islands x SCHED_ISLAND_IRQS_MAX; a scratch too
 * short for them refuses, in the system's favour), used under s->sc_lock; `fit` (enum
 * sched_rt_fit) chooses a partitioned SC's CPU among those that admit it. Admission then
 * also covers fixed priorities (sched_set_rt). Needs an authority with
 * SCHED_RIGHT_SC_CONTROL over every CPU. -SCHED_EINVAL for NULL, a short scratch, a bad fit
 * or no pool yet; -SCHED_ESTALE, -SCHED_EPERM; -SCHED_ESTATE once an SC is configured or a
 * fixed priority was set (admission starts from an empty system, so every admitted set was
 * analysed whole); -SCHED_EEXIST if it is on already. O(pool size).
 */
int sched_sc_admission(struct sched_sys *s, struct sched_auth control,
		       struct sched_rt_task *scratch, unsigned n, unsigned fit);

int sched_sc_configure_verdict(struct sched_sys *s, struct sched_auth control,
			       struct sched_sc_cap sc, const struct sched_sc_params *p,
			       struct sched_sc_verdict *out);

/*
 * Bind a configured SC to a thread that has none: the thread runs on it from now on (a
 * running or queued thread moves to the EDF class at once). -SCHED_ESTATE if unconfigured,
 * -SCHED_EBOUND if either side is already bound or the thread holds a donated SC (or is a
 * link of a donation chain), -SCHED_EAFFINITY if the thread's affinity is not inside the
 * SC's CPUs or allows no online CPU, -SCHED_EINVAL for an idle thread.
 */
int sched_sc_bind(struct sched_sys *s, struct sched_sc_cap sc, struct sched_ref t);

/* Unbind: the thread goes back to the fair class. -SCHED_ESTATE if the SC is not bound,
 * -SCHED_ELENT while it is lent to a server. */
int sched_sc_unbind(struct sched_sys *s, struct sched_sc_cap sc);

/*
 * Revoke: the generation is bumped (every copy of the capability fails closed), the SC is
 * taken from whichever thread runs on it and from every donation link, and the slot is
 * freed. The bound thread falls back as the overrun policy says: DEMOTE makes it a fair
 * thread; THROTTLE and NOTIFY_BLOCK make it passive (it blocks now, and sched_wake returns
 * -SCHED_ENOSC until an SC is bound again). A passive server holding it blocks too; a
 * non-passive one continues in the fair class. A running holder leaves the CPU at the
 * other CPU's next pick, which an IPI makes immediate; it is not charged meanwhile.
 */
int sched_sc_revoke(struct sched_sys *s, struct sched_sc_cap sc);

/*
 * Revoke every SC owned by `owner` or a group below it (process exit, session logout).
 * Needs an authority with SCHED_RIGHT_SC_CONTROL whose scope contains `owner`. Returns the
 * number revoked (0 without a pool); -SCHED_EINVAL for NULL, -SCHED_ESTALE, -SCHED_EPERM.
 * O(pool size x group depth).
 */
int sched_sc_revoke_owned(struct sched_sys *s, struct sched_auth auth, struct sched_group *owner);

/* Copy an SC's figures (needs SCHED_SC_READ). */
int sched_sc_stats(struct sched_sys *s, struct sched_sc_cap sc, struct sched_sc_stats *out);

#ifdef __cplusplus
}
#endif

#endif
