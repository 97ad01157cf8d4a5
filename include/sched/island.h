/* SPDX-License-Identifier: MIT */
/*
 * sched/island.h - realtime islands: one atomic admission for everything a realtime
 * application needs (docs/island.md).
 *
 * An island is a capability {index, gen} owned by a group. Its admission inputs are:
 *  - its scheduling contexts (sc.h), each with its parameters and dispatch mode;
 *  - memory reservations against pools the port declares (sched_island_mem_pools): pages
 *    are booked so the bookings never exceed a pool; the port allocates before it asks,
 *    never on the realtime path;
 *  - IRQ reservations: a line, the CPU it is routed to, its least inter-arrival time and
 *    its handler's cost, counted as interference on that CPU;
 *  - communication paths: which island thread (the thread running on a member SC, or a
 *    server of the island) may call which server, the server's cost per call and the calls
 *    per job. A server must be passive (it runs on the caller's donated SC) and serves one
 *    caller, so no call waits for another;
 *  - its CPUs, leased (a CPU isolation lease to the island's group: lease.h) or shared
 *    (other SCs run there and their demand is counted);
 *  - the overrun policy of every member SC, and the endpoint told of violations.
 * All are admitted together or nothing changes. A refusal names the resource, the test and
 * the shortfall (struct sched_island_verdict; sched_island_explain prints it).
 *
 * At run time: the threads running on an island's SCs are island threads. They call only
 * along declared paths (sched_call refuses any other call with -SCHED_EPATH, and a call to
 * an island's server from anywhere else too); the port reports allocations, page faults,
 * logging and its own blocking calls (sched_island_report); every violation is counted per
 * island and sent to its endpoint (sched_config.notify). Jobs, misses, worst lateness and
 * overruns are kept per member SC (per thread) and summed per island.
 *
 * Storage: the caller gives a pool of island slots once (sched_island_pool); each island
 * keeps a copy of what it admitted (up to the _MAX counts below).
 *
 * Locking: admission, add, remove and revoke take s->lease_lock, then s->mx_lock and
 * s->sc_lock (the lease and SC orders), interrupts off; sched_island_report takes sc_lock.
 */
#ifndef SCHED_ISLAND_H
#define SCHED_ISLAND_H

#include <sched/lease.h>
#include <sched/sc.h>
#include <sched/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sched_sys;
struct sched_group;
struct sched_auth;

#define SCHED_ISLAND_SCS_MAX 64
#define SCHED_ISLAND_SERVERS_MAX 16
#define SCHED_ISLAND_PATHS_MAX 32
#define SCHED_ISLAND_IRQS_MAX 16
#define SCHED_ISLAND_MEM_MAX 8
#define SCHED_MEM_POOLS_MAX 32
#define SCHED_ISLAND_NONE 0xffffffffu

/* A memory pool the port declares. `booked` is the library's (sc_lock): the pages admitted
 * islands hold; it never exceeds `pages` (the checker verifies it). */
struct sched_mem_pool {
	const char *name;     /* for refusals ("pool dma: 3 pages short"); may be NULL */
	uint64_t pages;
	uint64_t booked;
};

/* One member: an SC in the CREATED state (sched_sc_create, not configured yet), and what
 * it is configured with. The island's overrun policy and endpoint replace p.overrun and
 * p.endpoint. A PARTITIONED member is placed on one CPU of p.cpus (first that admits it,
 * in member order); a GLOBAL member's cluster is exactly p.cpus. p.cpus must lie inside
 * the island's CPUs. A CBS member has an implicit deadline (deadline = period); a sporadic
 * member needs refill slots for the fragments its jobs leave (docs/island.md: 8 served every
 * random island the tests ran). */
struct sched_island_member {
	struct sched_sc_cap sc;       /* with SCHED_SC_CONFIGURE */
	struct sched_sc_params p;
	const char *name;             /* names it in refusals; may be NULL */
};

/* A server: a passive thread that island threads call (sched_call). */
struct sched_island_server {
	struct sched_ref t;
	const char *name;
};

/* A path's caller: a member (its index) or a server (SCHED_ISLAND_FROM_SERVER | index). */
#define SCHED_ISLAND_FROM_SERVER 0x8000u

struct sched_island_path {
	uint16_t from;        /* member index, or SCHED_ISLAND_FROM_SERVER | server index */
	uint16_t to;          /* server index */
	uint32_t calls;       /* calls per job of the caller, >= 1 */
	uint64_t cost_ns;     /* the server's own work per call, > 0 (what it calls in turn is
			       * its own paths' cost) */
};

struct sched_island_irq {
	uint32_t line;        /* the port's IRQ number */
	uint16_t cpu;         /* routed to this CPU of the island (a one-CPU cluster) */
	uint64_t min_gap_ns;  /* least time between two: 1 / the maximum rate, > 0 */
	uint64_t cost_ns;     /* the handler's worst-case time, 0 < cost <= min_gap */
	const char *name;
};

struct sched_island_mem {
	uint16_t pool;        /* index into the port's pools */
	uint64_t pages;       /* > 0 */
};

enum sched_island_cpus {
	SCHED_ISLAND_LEASED,  /* exclusive: a lease over the CPUs to the island's group; no
			       * other SC may be configured there while it holds them */
	SCHED_ISLAND_SHARED,  /* other SCs may run there; their demand is counted */
};

struct sched_island_params {
	struct sched_group *group;   /* the owner: revoked with it (sched_island_revoke_owned);
				      * leased CPUs are held for its threads */
	sched_cpumask_t cpus;        /* non-empty, online */
	uint8_t cpu_mode;            /* enum sched_island_cpus */
	uint8_t overrun;             /* enum sched_sc_overrun, for every member */
	uint32_t endpoint;           /* violations and depletions are sent here; 0 = none */
	const char *name;
	const struct sched_island_member *members;
	unsigned nr_members;         /* 1 .. SCHED_ISLAND_SCS_MAX */
	const struct sched_island_server *servers;
	unsigned nr_servers;         /* 0 .. SCHED_ISLAND_SERVERS_MAX */
	const struct sched_island_path *paths;
	unsigned nr_paths;           /* 0 .. SCHED_ISLAND_PATHS_MAX */
	const struct sched_island_irq *irqs;
	unsigned nr_irqs;            /* 0 .. SCHED_ISLAND_IRQS_MAX */
	const struct sched_island_mem *mem;
	unsigned nr_mem;             /* 0 .. SCHED_ISLAND_MEM_MAX */
};

/* Which resource a refusal names. */
enum sched_island_resource {
	SCHED_ISLAND_RES_NONE,
	SCHED_ISLAND_RES_CPU,    /* index: the CPU (a global cluster: its first CPU) */
	SCHED_ISLAND_RES_POOL,   /* index: the pool */
	SCHED_ISLAND_RES_IRQ,    /* index: the island's IRQ entry */
	SCHED_ISLAND_RES_PATH,   /* index: the path */
	SCHED_ISLAND_RES_SERVER, /* index: the server */
	SCHED_ISLAND_RES_MEMBER, /* index: the member */
	SCHED_ISLAND_RES_LEASE,  /* index: the first CPU; err: the lease grant's error */
};

/* Which test refused. */
enum sched_island_test {
	SCHED_ISLAND_OK,
	SCHED_ISLAND_DEMAND,       /* CPU: the analysis (`why`): demand over supply */
	SCHED_ISLAND_CROSSED,      /* CPU: another SC's CPU set crosses the cluster, or a
				    * declared fixed-priority thread is there (`other`) */
	SCHED_ISLAND_SHORT,        /* pool: demand pages asked, supply pages free */
	SCHED_ISLAND_IRQ_TAKEN,    /* IRQ: its line is another island's (`other`: that island) */
	SCHED_ISLAND_IRQ_GLOBAL,   /* IRQ: routed into a global cluster (counted on one-CPU
				    * clusters only) */
	SCHED_ISLAND_NOT_PASSIVE,  /* path: its server is not passive */
	SCHED_ISLAND_SERVER_TAKEN, /* server: on another island's paths (`other`) */
	SCHED_ISLAND_TWO_CALLERS,  /* server: called from two callers (paths `index`, `other`) */
	SCHED_ISLAND_NO_ROOT,      /* path: its caller is a server no member reaches (a cycle) */
	SCHED_ISLAND_TOO_DEEP,     /* path: the chain is deeper than SCHED_DONATION_DEPTH_MAX */
	SCHED_ISLAND_SERVER_CPUS,  /* path: the server may not run on its caller's CPU (`at`) */
	SCHED_ISLAND_CALL_BUDGET,  /* member: its calls' cost (demand) over its budget (supply) */
	SCHED_ISLAND_LEASE,        /* lease: refused with `err` */
	SCHED_ISLAND_SCRATCH,      /* CPU: more tasks than the admission scratch holds */
};

struct sched_island_verdict {
	uint8_t accepted;
	uint8_t resource;            /* enum sched_island_resource */
	uint8_t test;                /* enum sched_island_test */
	int16_t err;                 /* the error the call returns (negative), 0 if accepted */
	uint32_t index;              /* of the resource (see the enums) */
	uint32_t other;              /* the other party named by the test, or SCHED_ISLAND_NONE */
	uint64_t demand, supply;     /* the shortfall: ns, or pages for a pool */
	uint64_t at;                 /* DEMAND: the window (ns); SERVER_CPUS: the CPU */
	struct sched_rt_verdict why; /* DEMAND, CROSSED: the analysis' own verdict */
	uint16_t cpu_of[SCHED_ISLAND_SCS_MAX]; /* accepted: each member's CPU (partitioned), or
				      * SCHED_RT_NO_CPU (global) */
};

/* What the port reports from an island thread's realtime path (sched_island_report). */
enum sched_island_violation {
	SCHED_ISLAND_V_ALLOC,      /* it allocated memory */
	SCHED_ISLAND_V_FAULT,      /* it took a page fault */
	SCHED_ISLAND_V_LOG,        /* it logged (console, log buffer) */
	SCHED_ISLAND_V_BLOCK,      /* a port blocking call not on a declared path */
	SCHED_ISLAND_V_CALL,       /* sched_call on an undeclared path (counted by the library) */
	SCHED_ISLAND_V_NR
};

struct sched_island {
	uint32_t gen;
	uint32_t index;
	uint8_t state;               /* 0 free, 1 admitted */
	uint8_t cpu_mode, overrun;
	uint32_t endpoint;
	struct sched_group *group;
	sched_cpumask_t cpus;
	struct sched_lease_cap lease;
	const char *name;
	uint16_t nr_scs, nr_servers, nr_paths, nr_irqs, nr_mem;
	struct sched_sc_cap scs[SCHED_ISLAND_SCS_MAX]; /* empty slot: index SCHED_ISLAND_NONE */
	struct sched_island_server servers[SCHED_ISLAND_SERVERS_MAX];
	struct sched_island_path paths[SCHED_ISLAND_PATHS_MAX];
	struct sched_island_irq irqs[SCHED_ISLAND_IRQS_MAX];
	struct sched_island_mem mem[SCHED_ISLAND_MEM_MAX];
	uint64_t violations[SCHED_ISLAND_V_NR]; /* by enum sched_island_violation [atomic] */
	sched_time_t admitted_at;
};

struct sched_island_cap {
	uint32_t index;
	uint32_t gen;
};

/* SCHED_TR_ISLAND events (trace.h), on the ring of each island CPU (ADMIT, REVOKE) or of
 * the reporting thread's CPU (VIOLATION). */
enum sched_island_event {
	SCHED_ISLAND_EV_ADMIT,
	SCHED_ISLAND_EV_REVOKE,
	SCHED_ISLAND_EV_VIOLATION,
};

/* Notification kind (top byte of the message, as sched_sc_message) for a violation:
 * message = 3 << 56 | violation << 48 | island index << 32 | thread id. */
#define SCHED_ISLAND_MSG_VIOLATION 3u

struct sched_island_stats {
	uint64_t jobs, misses, max_lateness_ns;  /* over its live member SCs */
	uint64_t overruns, max_overrun_ns;       /* depletions while running; worst overrun */
	uint64_t violations[SCHED_ISLAND_V_NR];
	uint32_t members;                        /* live member SCs */
};

/* Give the system its island slots (once). -SCHED_EEXIST the second time, -SCHED_EINVAL
 * for NULL or n outside 1 .. 2^16. */
int sched_island_pool(struct sched_sys *s, struct sched_island *islands, unsigned n);

/* The port's memory pools (once, before any island): -SCHED_EEXIST the second time,
 * -SCHED_EINVAL for NULL, n outside 1 .. SCHED_MEM_POOLS_MAX or a pool with bookings. */
int sched_island_mem_pools(struct sched_sys *s, struct sched_mem_pool *pools, unsigned n);

/*
 * Admit an island. `auth` needs SCHED_RIGHT_SC_CONTROL over p->cpus, a scope containing
 * p->group, and SCHED_RIGHT_LEASE for leased CPUs. Admission must be on
 * (sched_sc_admission). Checks, in this order, and stops at the first refusal (which *v
 * names; v may be NULL):
 *  -SCHED_EINVAL   counts, pointers, mode or policy out of range, an empty CPU set;
 *  -SCHED_ECPU     a CPU out of range or offline (v->index: that CPU);
 *  -SCHED_ESTALE / -SCHED_EPERM   the authority;
 *  -SCHED_ESTATE   admission is off (-SCHED_EFULL: no island pool);
 *  -SCHED_EINVAL   a malformed path, IRQ (a line twice, cost over gap, routed outside the
 *                  island), booking or server list;
 *  members, in order: -SCHED_EINVAL (no such slot, CPUs outside the island's, an SC twice,
 *                  parameters as sched_sc_configure checks them, a CBS member with a
 *                  constrained deadline), -SCHED_ESTALE, -SCHED_EPERM (no CONFIGURE),
 *                  -SCHED_ESTATE (configured or bound already), -SCHED_ECPU;
 *  servers, in order: -SCHED_ESTALE, -SCHED_EINVAL (idle), -SCHED_EPERM (not a thread of
 *                  the island's group), -SCHED_EPATH (not passive);
 *  -SCHED_EFULL    no free island slot; -SCHED_ELEASED a CPU another island holds;
 *  -SCHED_ERESERVE a pool is short, an IRQ line or a server is another island's;
 *  -SCHED_EPATH    a server with two callers, a chain no member reaches or too deep;
 *  -SCHED_EUNSCHED a member's calls over its budget; then a CPU's or cluster's test with
 *                  the island's SCs, its IRQs and what else is there (a CPU taking only
 *                  the island's IRQs included), or a crossing cluster; -SCHED_EINVAL for an
 *                  IRQ routed into a global cluster;
 *  -SCHED_EPATH    a server not allowed on its root caller's CPU;
 *  shared CPUs: -SCHED_ELEASED (one is leased), -SCHED_EHOUSEKEEPING (no CPU left outside
 *                  leases and shared islands for the port's other IRQs);
 *  leased CPUs: the lease grant's errors (-SCHED_ELEASED, -SCHED_EHOUSEKEEPING,
 *                  -SCHED_EAGAIN, -SCHED_EUNSCHED when other SCs are configured there...).
 * On success every member SC is configured (CPU from v->cpu_of), pools booked, IRQs routed
 * (sched_config.island_irq), the CPUs leased or their other IRQs routed away, the servers
 * marked, and *out names the island. The caller then binds its threads to the member SCs
 * (sched_sc_bind: only threads of p->group). O(members x CPUs x the analysis) with
 * interrupts off: an admission-time cost, never on a realtime path (docs/performance.md).
 */
int sched_island_admit(struct sched_sys *s, struct sched_auth auth,
		       const struct sched_island_params *p, struct sched_island_cap *out,
		       struct sched_island_verdict *v);

/*
 * Add one member to an admitted island, incrementally: the checks of sched_island_admit
 * for that SC alone, and the analysis of its CPU or cluster only. A member added so has no
 * paths (declare paths at admission). The errors of sched_island_admit, and -SCHED_EFULL
 * when the island holds SCHED_ISLAND_SCS_MAX members. O(CPUs x the analysis of one cluster).
 */
int sched_island_add_sc(struct sched_sys *s, struct sched_auth auth, struct sched_island_cap isl,
			const struct sched_island_member *m, struct sched_island_verdict *v);

/* Remove one member: its SC is revoked (as sched_sc_revoke) and its paths dropped. The rest
 * stays admitted (less demand). -SCHED_ESTALE, -SCHED_EINVAL for an SC not in the island,
 * -SCHED_EPERM without SC_CONTROL over the island's CPUs. O(members + paths). */
int sched_island_remove_sc(struct sched_sys *s, struct sched_auth auth,
			   struct sched_island_cap isl, struct sched_sc_cap sc);

/* Revoke: member SCs revoked, bookings released, IRQs unrouted, the lease revoked (or the
 * shared CPUs' IRQs let back), servers unmarked, generation bumped (every copy of the
 * capability fails closed). A member's bound thread falls back as sched_sc_revoke says,
 * by the island's overrun policy: DEMOTE makes it fair, THROTTLE and NOTIFY_BLOCK leave it
 * passive (blocked until an SC is bound again): unbind first to keep it running.
 * -SCHED_ESTALE, -SCHED_EPERM (as remove). O(members + pool). */
int sched_island_revoke(struct sched_sys *s, struct sched_auth auth, struct sched_island_cap isl);

/* Revoke every island owned by `owner` or below (process exit, session close). Returns
 * the number revoked; -SCHED_EINVAL, -SCHED_ESTALE, -SCHED_EPERM as sched_sc_revoke_owned. */
int sched_island_revoke_owned(struct sched_sys *s, struct sched_auth auth,
			      struct sched_group *owner);

/*
 * The port reports `what` (enum sched_island_violation, not V_CALL) done by thread `t`
 * (for V_BLOCK: waiting on `peer`, a thread; NULL peer: on no thread, which no path
 * declares). Returns 0 when it is allowed: t is not an island thread, or a blocking call
 * on a declared path (t's node to server `peer`); 1 when it is a violation, counted and
 * notified (the port goes on: a page fault cannot be refused); -SCHED_EPATH for a V_BLOCK
 * on an undeclared path, counted and notified: the port must refuse the call.
 * -SCHED_EINVAL for a bad `what` or NULL, -SCHED_ESTALE for a stale t. Takes sc_lock.
 * O(the island's paths).
 */
int sched_island_report(struct sched_sys *s, struct sched_ref t, unsigned what,
			struct sched_ref peer);

/* Figures of an island, and of each member (per[i] for member slot i, up to n; a removed
 * member's slot is zeroed). -SCHED_ESTALE, -SCHED_EINVAL. */
int sched_island_stats(struct sched_sys *s, struct sched_island_cap isl,
		       struct sched_island_stats *out, struct sched_sc_stats *per, unsigned n);

/* Print a verdict as a line ("CPU 2: demand 10.4 ms in a 10 ms window at t = 10 ms",
 * "pool dma: 3 pages short", "path ctrl -> logger: server is not passive") into buf
 * (NUL-terminated, truncated to len). `p` is what was asked (for names; may be NULL);
 * `pools` the port's pools (may be NULL). Returns the length it wanted. */
unsigned sched_island_explain(const struct sched_island_verdict *v,
			      const struct sched_island_params *p,
			      const struct sched_mem_pool *pools, char *buf, unsigned len);

#ifdef __cplusplus
}
#endif

#endif
