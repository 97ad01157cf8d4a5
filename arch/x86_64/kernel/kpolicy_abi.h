/* SPDX-License-Identifier: MIT */
/*
 * kpolicy_abi.h - the policy service's system calls (kpolicy.c): their numbers and the
 * fixed structs they copy in and out. Shared by the kernel and the ring-3 C programs
 * (kernel/user/), so it holds nothing but fixed-width types.
 *
 * Ring 3 never holds a kernel pointer. Everything it names is a number the kernel checks
 * against a table of its own:
 * - a ticket: slot | gen << 16 (a requester's from SYS_POLICY_SUBMIT; the service's from
 *   SYS_POLICY_TAKE, whose epoch the kernel keeps beside it);
 * - a thread, for a requester: its index in the caller's process (0 .. 3) or KPOL_SELF;
 *   for the service: tid | gen << 32 as the kernel reported it (exited since: stale);
 * - a group, for the service: its id (a process's group inside the requesters' group);
 * - an SC, for the service: libsched's index and generation of an SC it created through
 *   SYS_POLICY_SC_CREATE (any other is refused); for a requester: its handle, index |
 *   gen << 16 in the kernel's table of those SCs;
 * - a lease: its capability, index | gen << 16.
 * Every struct is copied once, whole, through a checked user mapping (as_user_page); the
 * kernel reads only its copy.
 */
#ifndef KPOLICY_ABI_H
#define KPOLICY_ABI_H

#include <stdint.h>

/* The numbers (kernel.h's list goes on from SYS_ISLAND_REVOKE = 24). */
enum {
	SYS_POLICY_SUBMIT = 25,  /* (struct kpol_request *, ISLAND: struct kpol_island *,
				  * GRAPH: struct kpol_graph *; other kinds: 0) -> ticket */
	SYS_POLICY_WAIT,         /* (ticket, struct kpol_answer *) -> 0 */
	SYS_POLICY_ATTACH,       /* () -> requests pending (the service) */
	SYS_POLICY_TAKE,         /* (struct kpol_taken *) -> 0; parks while none is pending */
	SYS_POLICY_SERVE,        /* (ticket, struct kpol_decision *) -> sched_policy_serve's */
	SYS_POLICY_DENY,         /* (ticket, err) -> sched_policy_deny's */
	SYS_POLICY_WHY,          /* (struct kpol_why_query *) -> records copied */
	SYS_POLICY_MANIFEST,     /* (index, buffer, length) -> the manifest's size */
	SYS_POLICY_SET_FAIR,     /* (thread, struct kpol_fair *) -> sched_set_fair's */
	SYS_POLICY_SC_CREATE,    /* (group, struct kpol_sc *) -> 0 */
	SYS_POLICY_SC_REVOKE,    /* (struct kpol_sc *) -> sched_sc_revoke's */
	SYS_POLICY_ATTRS,        /* (thread, struct kpol_attrs *) -> 0 */
	SYS_POLICY_THREAD_AT,    /* (i, struct kpol_thread_at *) -> 1, or 0 past the last */
	SYS_POLICY_FORMAT,       /* (struct sched_why *, buffer, length) -> length needed */
	SYS_POLICY_SC_INFO,      /* (index, gen, struct kpol_sc_info *) -> 0 */
	SYS_CLOCK,               /* () -> the kernel clock, ns */
	SYS_POLICY_NR
};

#define KPOL_SELF 0xffffffffu          /* kpol_request.thread: the caller */
#define KPOL_NONE 0xffffffffffffffffull /* an answer's handle: none */
#define KPOL_NO_SC 0xffffffffu         /* an SC index: none (SCHED_NO_SC) */
#define KPOL_PROFILE_MAX 24            /* SCHED_PROFILE_NAME_MAX */
#define KPOL_NAME_MAX 32               /* POL_NAME_MAX */
#define KPOL_WHY_MAX 16                /* records one SYS_POLICY_WHY copies at most */
#define KPOL_LINE_MAX 256              /* SYS_POLICY_FORMAT's longest line */
/* SYS_POLICY_MANIFEST's index: the manifest in force (the boot one until the service says
 * it runs with another), else 0 .. KPOL_MANIFESTS - 1 as passed at boot (kpolicy.c). */
#define KPOL_MANIFEST_CURRENT 0xffffffffu
#define KPOL_MANIFESTS 4

/* An SC's parameters (sched_sc_params; cpus: CPUs 0 .. 63). */
struct kpol_sc_params {
	uint64_t budget_ns, period_ns, deadline_ns, blocking_ns;
	uint64_t cpus;
	uint32_t endpoint;             /* ignored from ring 3: the kernel's notifications */
	uint8_t mode, overrun, dispatch, pad;
};

/* What a requester asks (SYS_POLICY_SUBMIT). Kinds ISLAND and GRAPH carry their parameters
 * in a second struct (kpol_island, kpol_graph) at the call's second argument: libsched's
 * request points at them, and the kernel copies and translates them at submission into
 * storage of its own tied to the request's slot (kpolicy.c), never read from ring 3 again.
 * A second argument rather than fields here: the graph is 400 bytes, which every other
 * request would copy for nothing, and this struct stays as the other kinds know it. For
 * ISLAND, `thread` is the member (the thread the island's SC is bound to). */
struct kpol_request {
	uint32_t kind;                 /* enum sched_req_kind */
	uint32_t thread;               /* index in the caller's process, or KPOL_SELF */
	char profile[KPOL_PROFILE_MAX];/* PROFILE: a name, or "" for the rules' choice */
	uint64_t sc;                   /* BUDGET: an SC handle from an answer */
	uint64_t lease;                /* LEASE_REVOKE: a lease handle from an answer */
	uint64_t cpus;                 /* LEASE_GRANT: CPUs asked; ADMIT_SC, BUDGET: the SC's
					* CPUs (0: every CPU) */
	uint64_t budget_ns, period_ns, deadline_ns; /* ADMIT_SC, BUDGET */
	uint64_t timeout_ns;           /* 0: the queue's default */
	uint32_t overrun;              /* ADMIT_SC, BUDGET: SCHED_SC_THROTTLE or _DEMOTE */
	uint32_t pad;
};

/* ISLAND (SYS_POLICY_SUBMIT's second argument): the island SYS_ISLAND_ADMIT takes (the
 * asked half of kernel.h's struct kisland_req, the same fields): one member SC for
 * `thread`, sporadic, deadline = period, partitioned on `cpu`, which the island leases to
 * the requester's process group; pages of the "dma" pool; an IRQ line; a kernel service
 * on the member's path. Answered: the island's handle (kpol_answer.island), the one
 * SYS_ISLAND_REVOKE takes. */
#define KPOL_NO_IRQ 0xffffffffull      /* kpol_island.irq_line: none */
#define KPOL_NO_SERVICE 0xffffffffull  /* kpol_island.service: none */
struct kpol_island {
	uint64_t cpu;                  /* the CPU leased, and the member's */
	uint64_t period_ns, budget_ns; /* the member SC */
	uint64_t dma_pages;            /* pages of the "dma" pool (0: none) */
	uint64_t irq_line;             /* KPOL_NO_IRQ, or the line to reserve ... */
	uint64_t irq_gap_ns, irq_cost_ns; /* ... its least inter-arrival time, handler cost */
	uint64_t service;              /* KPOL_NO_SERVICE, or a kernel service on the path ... */
	uint64_t service_cost_ns;      /* ... its cost per call (one call per job) */
};

/* GRAPH (SYS_POLICY_SUBMIT's second argument): libsched's struct sched_graph in handles. A
 * stage's thread is an index in the caller's process (or KPOL_SELF); a budget is an SC
 * handle from an answer, an SC given to the caller's process (another's: -SCHED_EPERM;
 * none: -SCHED_EINVAL). Answered: err, and each SC stage's deadline as mapped. */
#define KPOL_GRAPH_NODES 8             /* SCHED_GRAPH_NODES_MAX */
#define KPOL_NO_BUDGET 0xffffffffu     /* a fair stage (SCHED_GRAPH_NO_BUDGET) */
#define KPOL_ANY_QUEUE 0xffffu         /* SCHED_GRAPH_ANY_QUEUE */
struct kpol_graph_node {
	uint32_t thread;               /* index in the caller's process, or KPOL_SELF */
	uint32_t budget;               /* index in budgets[], or KPOL_NO_BUDGET */
	uint64_t cost_ns;              /* an SC stage's worst case per job */
	uint32_t prio;                 /* 0 .. 99: a fair stage's weight */
	uint32_t queue;                /* the CPU of its work queue, or KPOL_ANY_QUEUE */
};
struct kpol_graph {
	uint32_t nr_nodes;             /* 1 .. KPOL_GRAPH_NODES */
	uint32_t nr_budgets;           /* 0 .. KPOL_GRAPH_NODES */
	uint64_t period_ns, deadline_ns; /* node 0's release period; end to end */
	struct kpol_graph_node node[KPOL_GRAPH_NODES];
	uint64_t budgets[KPOL_GRAPH_NODES]; /* SC handles (kpol_answer.sc of ADMIT_SC) */
};

/* What it got (SYS_POLICY_WAIT). */
struct kpol_answer {
	int64_t err;                   /* 0, the refusal, or -SCHED_ETIMEDOUT */
	uint32_t by;                   /* enum sched_answer_by */
	uint32_t kind;
	uint64_t sc;                   /* an SC given (ADMIT_SC, PROFILE): its handle, or
					* KPOL_NONE */
	uint64_t lease;                /* LEASE_GRANT: its handle, or KPOL_NONE */
	uint64_t why;                  /* its decision record's seq, or 0 */
	uint64_t asked_ns, answered_ns;/* libsched's instants */
	uint64_t submitted_ns, seen_ns;/* the kernel's: the submit call's entry, the wait's
					* return to ring 3 (the round trip) */
	uint64_t island;               /* ISLAND: the island's handle (SYS_ISLAND_REVOKE's), or
					* KPOL_NONE */
	uint64_t stage_deadline_ns[KPOL_GRAPH_NODES]; /* GRAPH served: each SC stage's
					* relative deadline as its SC has it now; 0 elsewhere */
};

/* A request the service took (SYS_POLICY_TAKE): libsched's request, in handles. */
struct kpol_taken {
	uint64_t ticket;               /* for SYS_POLICY_SERVE / _DENY */
	uint32_t epoch;                /* the attachment it was taken under */
	uint32_t kind;
	char profile[KPOL_PROFILE_MAX];
	uint64_t who, thread;          /* the requester and the thread it is for */
	uint32_t who_has_sc, thread_has_sc; /* each holds an SC of its own (bound to it) */
	uint32_t sc_index, sc_gen, sc_rights; /* BUDGET: the SC named */
	uint32_t lease_index, lease_gen;
	struct kpol_sc_params sc_params; /* ADMIT_SC, BUDGET: as asked */
	uint64_t cpus;                 /* LEASE_GRANT: as asked */
	uint64_t timeout_ns;           /* its own, 0: the queue's */
	/* ISLAND: the island as the kernel translated it (the member is `thread`) */
	uint64_t island_cpu, island_budget_ns, island_period_ns, island_pages;
	/* GRAPH: libsched's graph, threads as handles (as `thread`), budgets as SCs (libsched's
	 * index and generation: the service's stand-ins) */
	uint32_t graph_nodes, graph_budgets;
	uint64_t graph_period_ns, graph_deadline_ns;
	struct {
		uint64_t thread;
		uint32_t budget, prio, queue, pad;
		uint64_t cost_ns;
	} graph_node[KPOL_GRAPH_NODES];
	struct {
		uint32_t index, gen;
	} graph_budget[KPOL_GRAPH_NODES];
};

/* The service's decision (SYS_POLICY_SERVE): sched_decision. */
struct kpol_decision {
	int32_t nice;
	uint32_t idle_weight;
	uint64_t slice_ns;
	uint32_t sc_index, sc_gen;     /* KPOL_NO_SC, or an SC of SYS_POLICY_SC_CREATE */
	struct kpol_sc_params sc_params;
	uint64_t cpus;                 /* LEASE_GRANT: the CPUs given */
	uint32_t own_cookie, pad;
};

struct kpol_fair {                     /* SYS_POLICY_SET_FAIR */
	int32_t nice;
	uint32_t idle_weight;
	uint64_t slice_ns;
};

struct kpol_sc {                       /* SYS_POLICY_SC_CREATE's answer, SC_REVOKE's ask */
	uint32_t index, gen, rights, pad;
};

/* A thread's attributes (SYS_POLICY_ATTRS; thread 0: the caller): what the manifest's
 * rules match on. */
struct kpol_attrs {
	uint32_t tid, gen;
	uint32_t session;              /* 0: none */
	uint32_t group;                /* its process's group id (SYS_POLICY_SC_CREATE) */
	uint64_t cpus;                 /* where an SC made for it may run */
	char process[KPOL_NAME_MAX];
	char service[KPOL_NAME_MAX];
};

/* SYS_POLICY_THREAD_AT: the i-th live thread a requester's process has, and the profile
 * it was last given by name ("" if none or by the rules). */
struct kpol_thread_at {
	uint64_t thread;
	uint32_t has_sc, pad;
	char profile[KPOL_PROFILE_MAX];
};

/* SYS_POLICY_SC_INFO: an SC slot's generation and state (enum sched_sc_state) now, and for
 * an SC of the service's (index and gen its own) its figures; -SCHED_ESTALE when gen is
 * not the slot's any more (revoked). */
struct kpol_sc_info {
	uint32_t gen, state;
	uint64_t consumed_ns, jobs, deadline_misses, throttled_ns, depletions;
	uint64_t max_lateness_ns;
};

/* SYS_POLICY_WHY: which records, and where to copy them (struct sched_why, 64 bytes). A
 * requester reads records about its own process's threads only; the service any. */
struct kpol_why_query {
	uint32_t kinds;                /* 1 << enum sched_why_kind; 0: every kind */
	uint32_t tid;                  /* 0: any thread */
	uint32_t group;                /* 0: any group (forced to its own for a requester) */
	uint32_t max;                  /* at most KPOL_WHY_MAX */
	uint64_t after;                /* records with seq > after */
	uint64_t out;                  /* user address of max records */
	uint32_t obj_kind, obj;        /* enum sched_why_obj (0: any) */
};

#endif
