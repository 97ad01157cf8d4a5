/* SPDX-License-Identifier: MIT */
/*
 * sched/policy.h - the policy service's request queue, and task graphs.
 *
 * Policy is decided outside the kernel: a privileged service (a thread of the port holding
 * the root authorities) takes requests from a bounded queue the port preallocates, decides
 * (profiles, manifests, rules: the port's or the host-side service's business) and answers
 * through the library, which acts with the service's authority within what the requester
 * was given (below). Scheduling never waits for the service: what is admitted runs, fair
 * threads keep their shares, and a request nobody answers in time gets its documented
 * default when its requester looks (sched_policy_result) or the port sweeps
 * (sched_policy_expire), with a decision record (explain.h). A restarted service attaches
 * again and finds the requests the dead one had taken pending again.
 *
 *   requester                     library (queue lock)                service
 *   sched_policy_submit ------->  PENDING, unpark service --------->  sched_policy_take
 *   sched_park_until(deadline)                                        (decides)
 *                                 SERVING: acts with the service's <- sched_policy_serve
 *                                 authority, bounded by the          or sched_policy_deny
 *                                 requester's scope; ANSWERED,
 *   sched_policy_result  <------  unpark requester
 *
 * A requester never gains authority it was not given: every request is about the requester
 * itself or a thread, SC, lease or island of its group (or below), checked when served;
 * SCs and leases it names must be ones it holds (a live capability to an SC owned by its
 * group, a live lease of its scope); what the service hands back is a capability with
 * SCHED_SC_READ | SCHED_SC_BIND, never a control authority. A task graph may only re-divide
 * budgets the coordinator holds (sched_policy_graph): never more time than it was given.
 *
 * Defaults on timeout: SCHED_REQ_PROFILE gets the queue's default profile (fair
 * parameters, applied with its fallback authority, which holds SCHED_RIGHT_FAIR and
 * nothing more); every other kind is refused with -SCHED_ETIMEDOUT. docs/policy.md.
 */
#ifndef SCHED_POLICY_H
#define SCHED_POLICY_H

#include <sched/sched.h>
#include <sched/sc.h>
#include <sched/lease.h>
#include <sched/island.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sched_req_kind {
	SCHED_REQ_PROFILE,      /* give `thread` a profile (by name, or by the service's rules) */
	SCHED_REQ_ADMIT_SC,     /* a reservation for `thread`: sc_params asked */
	SCHED_REQ_BUDGET,       /* change a held SC (`sc`): sc_params asked */
	SCHED_REQ_LEASE_GRANT,  /* a lease for `thread`: `cpus` asked (a hint) */
	SCHED_REQ_LEASE_REVOKE, /* end a held lease (`lease`) */
	SCHED_REQ_ISLAND,       /* admit `island` (the requester's memory, read when served) */
	SCHED_REQ_GRAPH,        /* map `graph` (the requester's memory, read when served) */
	SCHED_REQ_EXPLAIN,      /* diagnostics about `thread`: the service reads its records */
	SCHED_REQ_NR
};

#define SCHED_PROFILE_NAME_MAX 24

struct sched_graph;

/* What a requester asks. Fields not used by its kind are ignored. */
struct sched_request {
	uint8_t kind;                 /* enum sched_req_kind */
	char profile[SCHED_PROFILE_NAME_MAX]; /* PROFILE: a name, or "" for the rules' choice */
	struct sched_ref thread;      /* the thread it is for (the requester or one of its group) */
	struct sched_sc_cap sc;       /* BUDGET */
	struct sched_sc_params sc_params; /* ADMIT_SC, BUDGET: what is asked */
	struct sched_lease_cap lease; /* LEASE_REVOKE */
	sched_cpumask_t cpus;         /* LEASE_GRANT */
	const struct sched_island_params *island; /* ISLAND */
	const struct sched_graph *graph;          /* GRAPH */
	uint64_t timeout_ns;          /* 0 = the queue's default */
};

/* What the service decided to give (sched_policy_serve); fields by the request's kind. */
struct sched_decision {
	struct sched_fair_params fair;    /* PROFILE: weight and latency class */
	struct sched_sc_cap sc;           /* PROFILE, ADMIT_SC: an SC the service created for
					   * the thread (owner: the thread's group), configured
					   * with sc_params and bound to it; PROFILE without an
					   * SC: index SCHED_NO_SC */
	struct sched_sc_params sc_params; /* PROFILE (with sc), ADMIT_SC, BUDGET */
	sched_cpumask_t cpus;             /* LEASE_GRANT: the CPUs given */
	uint8_t own_cookie;               /* PROFILE: a core-scheduling cookie of its own */
};

#define SCHED_NO_SC 0xffffffffu

enum sched_answer_by { SCHED_BY_SERVICE, SCHED_BY_DEFAULT };

/* What the requester gets back (sched_policy_result). */
struct sched_answer {
	int err;                      /* 0, the refusal's error, or -SCHED_ETIMEDOUT */
	uint8_t by;                   /* enum sched_answer_by */
	uint8_t kind;                 /* the request's kind */
	struct sched_sc_cap sc;       /* ADMIT_SC, PROFILE with an SC: READ | BIND */
	struct sched_lease_cap lease; /* LEASE_GRANT */
	struct sched_island_cap island; /* ISLAND */
	uint64_t why;                 /* its decision record's seq (refusals, defaults), or 0 */
	sched_time_t asked, answered;
};

enum sched_slot_state {
	SCHED_SLOT_FREE, SCHED_SLOT_PENDING, SCHED_SLOT_TAKEN, SCHED_SLOT_SERVING,
	SCHED_SLOT_ANSWERED,
};

/* A request slot (the caller's array). Fields are the library's. */
struct sched_policy_slot {
	uint32_t gen;                 /* bumped when freed: a ticket holds a copy */
	uint8_t state;                /* enum sched_slot_state */
	uint32_t epoch;               /* the service attachment that took it */
	uint64_t order;               /* submission order: take serves the oldest first */
	sched_time_t deadline;        /* when the default applies */
	struct sched_ref requester;
	uint32_t requester_id;        /* its id and group id at submission (the records') */
	uint32_t requester_group;
	struct sched_request req;
	struct sched_answer ans;
};

struct sched_ticket {
	uint32_t slot;
	uint32_t gen;
	uint32_t epoch;               /* take: the attachment it was taken under */
};

struct sched_policy_config {
	uint64_t timeout_ns;          /* default request timeout; 0 = 100 ms */
	struct sched_fair_params default_fair; /* the default profile */
	struct sched_auth fallback;   /* applies the default profile: SCHED_RIGHT_FAIR only */
	uint32_t endpoint;            /* notify (sched_config.notify) the service here on each
				       * submission, 0 = none (the service is unparked anyway) */
};

struct sched_policy_stats {
	uint64_t submitted, served, denied, defaulted, full;
	uint64_t attaches;            /* service attachments (restarts + 1) */
	uint64_t requeued;            /* requests a dead service had taken, pending again */
	uint64_t max_wait_ns;         /* submission to answer, worst */
};

/* The queue (the caller's storage). */
struct sched_policy {
	struct sched_lock lock;       /* a leaf lock: nothing else is taken under it */
	struct sched_policy_slot *slots;
	unsigned nr_slots;
	struct sched_ref service;     /* the attached service thread (t NULL: none yet) */
	uint32_t epoch;               /* attachments made */
	uint64_t next_order;
	struct sched_policy_config cfg;
	struct sched_policy_stats stats;
};

/*
 * Set up a queue over `slots[n]` (1 .. 2^16). -SCHED_EINVAL for NULL or a bad n or
 * parameters; -SCHED_ESTALE for a stale fallback token; -SCHED_EPERM if it lacks
 * SCHED_RIGHT_FAIR or has any other right (the default may never give more). O(n).
 */
int sched_policy_init(struct sched_sys *s, struct sched_policy *q, struct sched_policy_slot *slots,
		      unsigned n, const struct sched_policy_config *cfg);

/*
 * Attach `service` (a live thread) as the one that takes and serves: a new epoch, so the
 * previous service's tickets fail with -SCHED_ESTALE; requests it had taken and not
 * answered are pending again (the restart's resynchronisation: the library's state is the
 * truth). Returns the number of pending requests. -SCHED_EINVAL, -SCHED_ESTALE. O(slots).
 */
int sched_policy_attach(struct sched_sys *s, struct sched_policy *q, struct sched_ref service);

/*
 * Queue a request of `requester` (a live thread): *out is its ticket. The service is
 * unparked (and notified). -SCHED_EINVAL for NULL or a bad kind or field, -SCHED_ESTALE for
 * a stale requester or target, -SCHED_EPERM for a target outside the requester's group
 * (checked again when served), -SCHED_EFULL without a free slot (recorded). O(slots).
 */
int sched_policy_submit(struct sched_sys *s, struct sched_policy *q, struct sched_ref requester,
			const struct sched_request *r, struct sched_ticket *out);

/*
 * The attached service takes the oldest pending request: *t, a copy in *r and its
 * requester in *who. -SCHED_EAGAIN if none is pending (park and take again when
 * unparked), -SCHED_EPERM if `service` is not the attached service. O(slots).
 */
int sched_policy_take(struct sched_sys *s, struct sched_policy *q, struct sched_ref service,
		      struct sched_ticket *t, struct sched_request *r, struct sched_ref *who);

/*
 * Serve a taken request with the service's authority `svc`, as decided in *d, within the
 * requester's bounds (above); the requester is unparked. Returns 0 if the request was
 * answered (the action's own result, success or its error, is in the answer), or
 * -SCHED_ESTALE for a ticket of an earlier attachment or a request already answered or
 * defaulted, -SCHED_EPERM if `service` is not attached, -SCHED_ETIMEDOUT if its deadline
 * passed (the default is applied now), -SCHED_EINVAL for NULL.
 */
int sched_policy_serve(struct sched_sys *s, struct sched_policy *q, struct sched_ref service,
		       struct sched_auth svc, struct sched_ticket t, const struct sched_decision *d);

/* Refuse a taken request with `err` (a negative SCHED_E*), recorded. Errors as serve. */
int sched_policy_deny(struct sched_sys *s, struct sched_policy *q, struct sched_ref service,
		      struct sched_ticket t, int err);

/*
 * The requester's look: 0 with the answer in *out (the slot is free again), or
 * -SCHED_EAGAIN while pending before its deadline; past it, the default is applied and
 * returned. A ticket is not a capability by itself: only the thread that submitted it (the
 * same life: `requester` as it was given to sched_policy_submit) collects the answer, so a
 * leaked or guessed ticket gives nobody else the SC or lease it carries. -SCHED_EPERM for
 * any other presenter, -SCHED_ESTALE for a ticket already collected (a slot's generation
 * makes an old ticket fail once the slot is reused) or a requester that has exited (its
 * answer is reclaimed by the next submission or sched_policy_expire), -SCHED_EINVAL for
 * NULL or an idle thread. O(1).
 */
int sched_policy_result(struct sched_sys *s, struct sched_policy *q, struct sched_ref requester,
			struct sched_ticket t, struct sched_answer *out);

/* Apply the default to every request past its deadline (a port's timer or housekeeping);
 * returns how many. The answers wait for their requesters; an answer whose requester has
 * exited is freed (here, and by a submission that finds no free slot). O(slots). */
unsigned sched_policy_expire(struct sched_sys *s, struct sched_policy *q);

/* The queue's figures. */
int sched_policy_stats(struct sched_policy *q, struct sched_policy_stats *out);

/* --- task graphs ------------------------------------------------------------------------- */

#define SCHED_GRAPH_NODES_MAX 8
#define SCHED_GRAPH_NO_BUDGET 0xffffffffu
#define SCHED_GRAPH_ANY_QUEUE 0xffffu

/* A stage. A chain: node i's job releases node i + 1's. */
struct sched_graph_node {
	struct sched_ref thread;  /* the stage's thread: bound to its budget's SC, if it has one */
	uint32_t budget;          /* index in budgets[], or SCHED_GRAPH_NO_BUDGET: a fair stage */
	uint64_t cost_ns;         /* SC stage: its worst case per job (its budget) */
	uint8_t prio;             /* 0 .. 99: a fair stage's weight and latency class */
	uint16_t queue;           /* the CPU of its work queue (placement), or ANY */
};

struct sched_graph {
	unsigned nr_nodes;        /* 1 .. SCHED_GRAPH_NODES_MAX */
	uint64_t period_ns;       /* releases of node 0 at least this far apart */
	uint64_t deadline_ns;     /* end to end: node 0's release to the last node's end */
	struct sched_graph_node node[SCHED_GRAPH_NODES_MAX];
	unsigned nr_budgets;
	struct sched_sc_cap budgets[SCHED_GRAPH_NODES_MAX]; /* SCs the coordinator holds */
};

/* Why a graph was refused (or what it became). */
struct sched_graph_verdict {
	uint32_t node;            /* the node that decided a refusal */
	uint64_t asked, held;     /* its figures: budget or rate asked, held */
	struct sched_sc_verdict sc; /* admission's verdict on the refused stage */
	uint64_t stage_deadline_ns[SCHED_GRAPH_NODES_MAX]; /* the split of deadline_ns */
};

/*
 * The mapping, pure: stage i's deadline is deadline_ns x cost_i / sum of costs (rounded
 * down; the stages' deadlines sum to at most deadline_ns, so if every stage meets its own,
 * the chain meets the end-to-end one); its SC gets budget cost_i, the graph's period, that
 * deadline, and its queue's CPU (partitioned) or its budget's CPUs. `held[b]` are the
 * budgets' current parameters; out[i] is stage i's (fair stages: untouched). A stage may
 * only narrow what its budget holds: cost <= held budget, period >= held period, queue
 * inside held CPUs (-SCHED_EPERM otherwise: no CPU authority is minted); -SCHED_EINVAL for
 * a malformed graph (no nodes, a budget index out of range or used twice, a deadline
 * shorter than a cost). v->node and figures say which.
 */
int sched_graph_map(const struct sched_graph *g, const struct sched_sc_params *held,
		    struct sched_sc_params *out, struct sched_graph_verdict *v);

/* Fair stage: the weight and latency class of priority `prio` (0 lowest .. 99). */
struct sched_fair_params sched_graph_fair(uint8_t prio);

#ifdef __cplusplus
}
#endif

#endif
