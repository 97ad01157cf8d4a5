/* SPDX-License-Identifier: MIT */
/*
 * sched/sched.h - libsched: the public API a kernel calls.
 *
 * The library never allocates: the caller provides a struct sched_sys, one struct
 * sched_rq per CPU, and embeds a struct sched_thread in each of its threads.
 *
 * Call contract (docs/architecture.md has the picture):
 *   boot:    sched_init(), then sched_cpu_online(cpu, idle) on each CPU
 *   thread:  sched_thread_init(), sched_wake(ref, reason), sched_exit(ref)
 *   on cpu:  sched_block() / sched_sleep_until() / sched_yield_cpu() / sched_call() / sched_reply()
 *            each return the thread to switch to;
 *            timer irq -> sched_timer(), IPI -> sched_ipi(): if they return true, sched_pick();
 *            after every switch (or non-switch) chosen by the above: sched_finish_switch().
 *
 * Locking: each entry takes the locks it needs itself, with interrupts saved and disabled
 * through the arch hooks, so it may be called with interrupts on or off. Lock order:
 * thread lock, then run-queue locks in ascending CPU order. The `cpu` argument of the
 * "on cpu" entries must be the calling CPU (sched_arch_cpu_id()).
 *
 * Threading states:
 *
 *   NEW --wake--> RUNNABLE --pick--> RUNNING --block/sleep/call--> BLOCKED --wake--> RUNNABLE
 *                    ^  <--preempt/yield--'  \--offline/affinity--> MIGRATING --> RUNNABLE
 *   any state --exit--> EXITED (generation bumped: every older ref is stale)
 */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <sched/class.h>
#include <sched/core.h>
#include <sched/lease.h>
#include <sched/mutex.h>
#include <sched/rbtree.h>
#include <sched/ring.h>
#include <sched/sc.h>
#include <sched/trace.h>
#include <sched/types.h>
#include <sched/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCHED_CACHELINE 64

/* Ticket lock. `next` and `owner` on one line: the lock is the hot word anyway. `holder`
 * is the holding CPU + 1 (0: free), kept only by debug builds for lock assertions; the
 * field is there in every build so the layout does not depend on the build. */
struct sched_lock {
	uint32_t next;
	uint32_t owner;
	uint32_t holder;
};

enum sched_state {
	SCHED_NEW,
	SCHED_RUNNABLE,  /* queued on exactly one CPU (thread.cpu) */
	SCHED_RUNNING,   /* the current thread of exactly one CPU (thread.cpu) */
	SCHED_MIGRATING, /* current on thread.cpu, moving to thread.dst_cpu at the next pick */
	SCHED_BLOCKED,
	SCHED_EXITED,
};

/*
 * Why a thread is woken: the trace label, and for PROCESS and JOIN the placement rule
 * (docs/architecture.md, "Wake placement by reason", with the figures that decided each).
 * Affinity, leases, realtime placement and core scheduling decide first, as for any wake;
 * then:
 *   PROCESS, JOIN: the waker is the exiting thread, whose CPU frees at once: the wakee's
 *     previous CPU if idle, else the waker's CPU if nothing is queued there, else an idle
 *     CPU sharing the waker's cache, else the plain rule;
 *   the others: the plain rule (the previous CPU if idle or cache-hot, an idle CPU of its
 *     cache, the least loaded). IPC_SYNC is the synchronous hint a kernel passes when the
 *     waker blocks next; the waker's CPU did not win for it in bench_wake, so it is placed
 *     by the plain rule (sched_call / sched_reply hand the CPU over directly anyway).
 * A value outside [0, SCHED_WAKE_NR) is refused with -SCHED_EINVAL, nothing changed.
 */
enum sched_wake_reason {
	SCHED_WAKE_NEW,      /* first wake after sched_thread_init() */
	SCHED_WAKE_IPC,      /* endpoint send that goes on running (asynchronous) */
	SCHED_WAKE_TIMER,    /* a sleep or timeout expired */
	SCHED_WAKE_PARK,     /* unpark / futex-like wake */
	SCHED_WAKE_PROCESS,  /* process wait completion: woken by the exiting child's CPU */
	SCHED_WAKE_JOIN,     /* thread join completion: woken by the exiting thread's CPU */
	SCHED_WAKE_IPC_SYNC, /* endpoint send or reply whose waker blocks next (call/reply, a
			      * send then a receive); sched_call and sched_reply trace it */
	SCHED_WAKE_NR
};

/*
 * Per-thread figures; the thread's own copy is the ledger of record. Group totals are
 * updated by the same charge function, so a group always equals the sum of its members,
 * exited ones included.
 */
enum sched_acct_field {
	SCHED_ACCT_RUNTIME,     /* ns on a CPU */
	SCHED_ACCT_WAIT,        /* ns runnable but not running */
	SCHED_ACCT_SWITCHES,    /* times switched in */
	SCHED_ACCT_PREEMPTIONS, /* involuntary switch-outs */
	SCHED_ACCT_VOLUNTARY,   /* blocks, sleeps, calls */
	SCHED_ACCT_MIGRATIONS,
	SCHED_ACCT_WAKEUPS,
	SCHED_ACCT_WAKE_LAT,    /* sum of wake-to-run latencies, ns */
	SCHED_ACCT_FORCED_IDLE, /* ns of sibling time forced idle while it ran (core scheduling) */
	SCHED_ACCT_LEASED,      /* groups only: ns of leased CPU time charged to it as a lease's
				 * accounting target (all of it, idle included) */
	SCHED_ACCT_NR
};

struct sched_acct {
	uint64_t v[SCHED_ACCT_NR];
};

enum sched_group_kind { SCHED_GROUP_PROCESS, SCHED_GROUP_SESSION, SCHED_GROUP_SERVICE };

#define SCHED_GROUP_DEPTH_MAX 4

struct sched_group_cpu;

/*
 * A group (process, session, service). Groups nest up to SCHED_GROUP_DEPTH_MAX levels.
 * Accounting: a thread's charges go to its group and every ancestor, with atomic adds, so
 * totals may be read at any time without a lock.
 * Fairness (EEVDF): a group given per-CPU storage (`pcpu`) is scheduled as one entity of
 * `weight` on each CPU, and its members share what it gets; a group without `pcpu` is
 * transparent (its threads compete in the nearest ancestor that has one, or at the top).
 */
struct sched_group {
	uint32_t id;
	uint8_t kind;
	uint8_t depth;          /* 1 for a group without parent */
	struct sched_group *parent;
	uint32_t nr_threads;    /* live threads directly in this group (atomic) */
	struct sched_acct acct; /* totals over every thread ever in this group or below */
	uint32_t weight;        /* fairness shares (nice-0 thread = 1024) */
	uint64_t load;          /* sum over CPUs of the group's queued weight (atomic) */
	struct sched_group_cpu *pcpu; /* nr_cpus entries, or NULL: not a fairness group */
	struct sched_core_tag core_tag; /* its cookie assignment (written under every rq lock) */
};

/*
 * A fairness group's state on one CPU (the caller provides nr_cpus of them): opaque, kept
 * by the policy in the fair class slot (the EEVDF group entity and its queue).
 */
struct sched_group_cpu {
	uint64_t state[28];
};

struct sched_rq;
struct sched_island;
struct sched_explain_log;
struct sched_mem_pool;

/*
 * The scheduler's part of a thread; the caller embeds it and never writes it.
 * Locking: gen, affinity, `cpu` and the BLOCKED/NEW/EXITED transitions are protected by
 * `lock` (plus the rq lock where a queue is touched); RUNNABLE<->RUNNING transitions, the
 * queue linkage and class data by the lock of run queue `cpu`; the timeout fields by the
 * lock of run queue `cpu` too. `on_cpu` is set at switch-in and cleared with release ordering by
 * sched_finish_switch(): until then no other CPU may run the thread (its stack is in use).
 */
struct sched_thread {
	struct sched_lock lock;
	uint32_t id;
	uint32_t gen;
	uint8_t state;
	uint8_t on_cpu;
	uint8_t is_idle;
	uint8_t timeout_armed;   /* in rq[cpu].sleepers (protected by that rq lock) */
	uint8_t wake_pending;    /* woken, not yet run: woken_at is valid */
	uint8_t permit;          /* sched_unpark() came while it was not parked */
	uint8_t rt_policy;       /* enum sched_rt_policy (sched_set_rt) */
	uint8_t rt_prio;         /* 1..99 in the fixed-priority class; 0: not in it */
	uint16_t cpu;            /* owning CPU while queued/current; else the last CPU */
	uint16_t dst_cpu;        /* MIGRATING only */
	uint8_t mig_cause;       /* MIGRATING only: enum sched_why_migrate (explain.h) */
	int8_t nice;
	uint32_t weight;
	sched_cpumask_t affinity;
	struct sched_group *group;
	struct sched_rb_node timeout_node; /* in rq[cpu].sleepers while timeout_armed */
	sched_time_t timeout;
	sched_time_t exec_start;     /* last charge instant while current */
	sched_time_t runnable_since; /* when it last became runnable */
	sched_time_t woken_at;       /* last wake instant (wake-to-run latency) */
	sched_time_t last_ran;       /* when it last left a CPU (cache-hot test) */
	uint64_t wake_lat_max;
	uint32_t block_seq;          /* bumped at every block: a timeout wakes only its own sleep */
	uint32_t check_stamp;        /* sched_check() duplicate detection */
	struct sched_class_thread cls; /* each class's state (class.h) */
	uint64_t slice;              /* latency class: requested slice, ns */
	uint64_t prog;               /* global progress (progress.c): service per unit of its
				      * share, up to its last charge. [L] of the rq it is on */
	struct sched_acct acct;
	/* SchedulingContext (sc.h for the locking rule) */
	const struct sched_class *on_class; /* the class queue it is on while queued or current */
	struct sched_sc *sc;         /* the SC it runs on: its own or a donated one; NULL = fair */
	struct sched_sc *own_sc;     /* the SC bound to it */
	struct sched_thread *donor;  /* the caller whose SC it holds (donation chain) */
	struct sched_rb_node sc_node;/* in rq's EDF tree, or in rq->sc_wait while waiting for budget */
	uint8_t passive;             /* runs only on an SC (a passive server, or its SC was revoked) */
	uint8_t sc_wait;             /* in rq->sc_wait (throttled, or demoted until the refill) */
	uint8_t sc_fault;            /* notify-and-block: leaves the CPU blocked at the next pick */
	/* core scheduling (core.h): written under the thread lock and, while it is runnable,
	 * the lock of its run queue */
	struct sched_core_tag core_tag; /* its own cookie assignment */
	sched_cookie_t cookie;       /* the cookie it runs with (resolved at every enqueue) */
	struct sched_rb_node core_node; /* in rq->core_tree while queued (not current) */
	sched_time_t core_since;     /* when it entered rq->core_tree (its order among equals) */
	uint8_t in_core_tree;
	/* a declared fixed-priority task (sched_rt_params), admitted: in sys->rt_declared while
	 * rt_budget != 0; its CPU set is its affinity, fixed while declared [sc_lock] */
	uint64_t rt_budget, rt_period, rt_deadline, rt_blocking;
	struct sched_list rt_node;
	/* what it runs with: its own fixed priority and weight, raised to what a mutex waiter
	 * lends it (proxy.c); rt_prio and weight above are the results [thread lock + rq] */
	uint8_t rt_own, lent_rt;
	uint32_t weight_own, lent_weight;
	struct sched_sc *mx_sc;      /* a waiter's SC it runs on, or NULL (sched__run_sc) */
	/* mutexes, condition variables, barriers (mutex.h) [sys.mx_lock; waits_on also under
	 * the thread lock, which wake and exit read it under] */
	void *waits_on;              /* the object it waits on, or NULL */
	uint8_t wait_kind;           /* enum sched_wait_kind (proxy.h) */
	int8_t wait_result;          /* how its last wait ended (sched_wait_result) */
	uint8_t nr_held;
	uint8_t wait_slot;           /* its rank among the waiters: slot, key, then arrival */
	uint64_t wait_key;
	uint32_t wait_seq;
	struct sched_rb_node wait_node; /* in the waiters of waits_on */
	struct sched_mutex *cond_mx; /* waiting on a condition: the mutex it takes back */
	struct sched_list held;      /* the mutexes it owns */
	uint32_t nr_leases;          /* leases it holds as a thread holder [lease_lock; atomic] */
	/* a server on a realtime island's paths (island.h): that island, and its index
	 * there [sc_lock] */
	struct sched_island *isl_server;
	uint16_t isl_server_idx;
};


/*
 * One CPU's run queue. The lock of a field, in brackets: [L] the run-queue lock (rq->core's
 * lock: with core scheduling the siblings share their leader's), [L, atomic] written under
 * it and read without it by placement, balance or the checker, [fixed] set at init, [A]
 * atomic without a lock, [own] only the owning CPU. docs/architecture.md has the same table.
 * Aligned so two CPUs' queues never share a cache line.
 */
struct sched_rq {
	struct sched_lock lock;        /* [-] used only as the leader's lock */
	struct sched_rq *core;         /* [fixed] whose lock (and core state) this CPU uses: itself,
					* or its core's leader with core scheduling */
	uint16_t cpu;                  /* [fixed] */
	uint8_t online;                /* [L, atomic] */
	uint8_t need_resched;          /* [L, atomic] */
	uint8_t core_on;               /* [fixed] core scheduling on a core with siblings */
	uint8_t measure;               /* [atomic] measurement counters on (sched_measure): in
					* the first cache line, which every counting path touches */
	uint32_t ipi_pending;          /* [A] one resched IPI in flight */
	uint32_t nr_queued;            /* [L, atomic] threads on class queues (not counting curr) */
	uint32_t migrating_in;         /* [A] MIGRATING threads headed here; offline waits */
	uint64_t load;                 /* [L, atomic] weight runnable here (curr incl.): the other
					* classes' threads plus the fair class's top weight */
	uint64_t load_other;           /* [L] the weights of the other classes' runnable threads */
	struct sched_thread *curr;     /* [L] */
	struct sched_thread *idle;     /* [fixed] after sched_cpu_online */
	struct sched_thread *handoff;  /* [L] queued here, to be picked next (direct IPC) */
	struct sched_thread *switching;/* [own] prev of the last pick until sched_finish_switch() */
	struct sched_sys *sys;         /* [fixed] */
	sched_time_t timer_armed;      /* [L, own] deadline given to sched_arch_set_timer() */
	sched_time_t next_balance;     /* [L] */
	uint32_t scan_at;              /* [atomic] where its next steal or balance scan starts
					* (more CPUs than SCHED_SCAN_CPUS, libsched/internal.h) */
	struct sched_rb_tree sleepers; /* [L] blocked threads with a timeout, by deadline */
	uint32_t nr_sleepers;          /* [L] */
	struct sched_class_rq cls;     /* [L] each class's state (class.h) */
	uint32_t class_nr[SCHED_NR_CLASSES]; /* [L] threads on each class here, current included */
	struct sched_rb_tree sc_wait;  /* [L] runnable SC threads waiting for a refill */
	uint32_t nr_sc_wait;           /* [L] */
	/* the current thread's progress (progress.c) as of prog_at, and what its share weighs
	 * (0: the current thread is not a fair one), for other CPUs' rotation choices and wake
	 * references; prog_seq is odd while they are written (a sequence count) */
	uint32_t prog_seq;             /* [L, atomic] */
	uint64_t prog_pub;             /* [L, atomic] */
	sched_time_t prog_at;          /* [L, atomic] */
	uint64_t prog_w;               /* [L, atomic] */
	/* realtime push and pull (push.c): the urgency of the current thread and of the most
	 * urgent queued realtime thread, as (class slot, class rank key); slot
	 * SCHED_NR_CLASSES means none (idle, or nothing queued). Read without the lock. */
	uint8_t rank_curr_slot;        /* [L, atomic] */
	uint8_t rank_queued_slot;      /* [L, atomic] */
	uint64_t rank_curr_key;        /* [L, atomic] */
	uint64_t rank_queued_key;      /* [L, atomic] */
	/* admission's index of the SCs configured here (sc_admit.c) [sc_lock]: those of this
	 * CPU alone, how many wider ones cover it, and the share they reserve (2^-20) */
	struct sched_list part_scs;
	uint32_t wide_scs;
	uint16_t isl_shared;           /* [lease_lock, atomic] shared realtime islands over this
					* CPU (its other IRQs routed away while > 0: island.c) */
	uint64_t sc_share;
	sched_time_t push_hold;        /* [L] no evening push from here before this instant: a
					* rotation overshot onto this CPU on purpose (balance.c) */
	/* core scheduling (core.h) */
	struct sched_core core_state;  /* [L] valid in the leader only */
	struct sched_rb_tree core_tree;/* [L] queued threads by (cookie, class, deadline/age) */
	struct sched_thread *core_pick;/* [L] this CPU's part of the last core-wide pick */
	uint8_t core_pending;          /* [L] core_pick not yet taken by this CPU */
	uint8_t forced_idle;           /* [L] idle although it has queued threads (cookie) */
	uint8_t kmode;                 /* [L] kernel protection: outside, in the kernel, leaving */
	sched_cookie_t running_cookie; /* [L, atomic] cookie of curr (SCHED_COOKIE_IDLE for idle) */
	sched_time_t forced_since;     /* [L] */
	sched_time_t fi_stamp;         /* [L] forced idle charged to the current thread up to here */
	uint64_t core_vbase[SCHED_NR_CLASSES]; /* [L] each class's virtual time snapshot for
					* cross-sibling comparison (core_vnow) */
	/* CPU isolation leases (lease.h): the lease holding this CPU (PENDING or ACTIVE), or
	 * NULL; what its next switch must do (lease_due: finish its part of an activation, 1,
	 * count a revocation's latency, 2); the instant a revocation gave it back */
	struct sched_lease *lease;     /* [L + lease_lock, atomic] */
	uint8_t lease_due;             /* [L, atomic] */
	sched_time_t lease_back_at;    /* [L] SCHED_TIME_NEVER: none pending */
	sched_time_t picked_at;        /* [L, own] the last pick (a return counts after it) */
	sched_time_t irq_since;        /* [L] in a device interrupt handler since then
					* (sched_irq_enter), while irq_depth > 0 */
	uint16_t irq_depth;            /* [L] handlers entered and not exited (nesting) */
	/* nohz telemetry (rearm): is the scheduling tick stopped, why, since when */
	uint8_t nohz_reason;           /* [L, own] enum sched_nohz_reason; SCHED_NOHZ_TICK: running */
	sched_time_t nohz_since;       /* [L, own] */
	uint64_t counters[SCHED_CNT_NR]; /* [L, atomic]; a few are [A] (IPI, AS switches) */
	struct sched_trace_ring trace; /* [L] */
} __attribute__((aligned(SCHED_CACHELINE)));

/* CPU topology: which core (SMT siblings share one) and which last-level cache each CPU has. */
struct sched_topology {
	unsigned nr_cpus;
	uint16_t core[SCHED_MAX_CPUS];
	uint16_t llc[SCHED_MAX_CPUS];
};

struct sched_config {
	const char *policy;          /* fair-class policy: "eevdf" (default) or "rr" */
	uint64_t base_slice_ns;      /* eevdf default slice; 0.75 ms x (1 + log2(min(cpus, 8))) */
	uint64_t tick_ns;            /* eevdf lag clamp allowance for timer/entry latency; 1 ms */
	uint64_t rr_quantum_ns;      /* rr: quantum at nice 0, scaled by weight; default 3 ms */
	uint64_t cache_hot_ns;       /* a thread that ran this recently is cache-hot; 0.5 ms */
	uint64_t balance_interval_ns;/* periodic balance on CPUs with queued threads; 4 ms */
	unsigned balance_max;        /* threads moved per balance or steal pass (K); 4 */
	uint64_t fair_spread_ns;     /* progress gap between two CPUs' threads that makes the
				      * balancer rotate a thread (docs/fair.md); 0 = default 16 ms */
	uint64_t rt_runtime_ns;      /* fixed-priority throttling (rt.c) and the realtime share
				      * admission gives out per CPU (admit.h cap): at most this
				      * much per rt_period_ns; 0 = 950 ms, SCHED_RT_UNLIMITED = off */
	uint64_t rt_period_ns;       /* 0 = 1 s; 1 ms .. 2^36 ns */
	uint64_t rt_rr_quantum_ns;   /* SCHED_RR quantum; 0 = 100 ms (Linux) */
	bool core_sched;             /* SMT core scheduling (core.h); off by default */
	uint8_t core_autotag;        /* enum sched_core_autotag: new groups get their own cookie */
	bool core_protect;           /* kernel protection hooks (core.h) take effect */
	/* Optional kernel callbacks, NULL when not wanted. Both are called with a run-queue
	 * lock held and interrupts off, from preallocated state: they must not block,
	 * allocate, take a lock an interrupt handler could hold, or call into libsched. */
	void (*notify)(void *ctx, uint32_t endpoint, uint64_t message); /* SC depletion, timeout */
	void (*trace)(void *ctx, const struct sched_trace_event *ev);   /* each event, once stored */
	void *cb_ctx;                /* passed to all three */
	/* Optional: a lease was granted (leased) or revoked (!leased) on `cpu`; move the
	 * port's own `what` (enum sched_lease_port_what) off it to the housekeeping CPUs, or
	 * let it back. Called by the granting or revoking call (sched_exit for a holder thread,
	 * revoke_owned) with s->lease_lock held and interrupts off, so grants and revocations
	 * reach the port in order: it returns when the move is done, must not block, and must
	 * not call into libsched. */
	void (*lease_port)(void *ctx, unsigned cpu, unsigned what, bool leased,
			   const sched_cpumask_t *housekeeping);
	/* Optional: route IRQ `line` to `cpu` for a realtime island (island.h), or (reserve
	 * false) give it back to the port's default routing. Called as lease_port is, in
	 * admission and revocation order. */
	void (*island_irq)(void *ctx, unsigned line, unsigned cpu, bool reserve);
};

/*
 * Authority to change scheduling parameters. An authority holds rights over a scope (a
 * group and everything below it, or everything for scope NULL); a token {authority, gen}
 * is what a kernel stores in a capability. Authorities derive from a parent with a subset
 * of its rights and a scope inside its scope; revoking one (generation + 1) makes every
 * token of it and of every authority derived from it fail closed at once.
 */
enum sched_right {
	SCHED_RIGHT_FAIR = 1,       /* weight (nice) and latency class (slice) */
	SCHED_RIGHT_DERIVE = 2,     /* derive narrower authorities */
	SCHED_RIGHT_SC_CONTROL = 4, /* configure SCs on its CPUs; revoke the SCs of its scope */
	SCHED_RIGHT_CORE = 8,       /* create, share and clear core-scheduling cookies */
	SCHED_RIGHT_RT = 16,        /* fixed priorities (sched_set_rt) */
	SCHED_RIGHT_LEASE = 32,     /* grant CPU isolation leases over its CPUs to its scope,
				     * revoke the leases of its scope (lease.h) */
	SCHED_RIGHT_ALL = 63,
};

#define SCHED_AUTH_DEPTH_MAX 8

struct sched_authority {
	uint32_t gen;
	uint32_t rights;
	uint8_t depth;
	struct sched_group *scope;
	sched_cpumask_t cpus;       /* CPUs whose time it may hand out (SC_CONTROL) */
	struct sched_authority *parent;
	uint32_t parent_gen;
};


struct sched_sys {
	unsigned nr_cpus;
	struct sched_rq *rq;
	struct sched_topology topo;
	struct sched_config cfg;
	const struct sched_class *classes[SCHED_NR_CLASSES]; /* in pick order (class.h) */
	sched_cpumask_t online;      /* changed under every affected rq lock */
	struct sched_authority root_authority;
	struct sched_sc *scs;        /* the SC pool (sched_sc_pool), nr_scs slots */
	unsigned nr_scs;
	struct sched_lock sc_lock;   /* SC bindings and donation links (sc.h) */
	struct sched_lock mx_lock;   /* every mutex, condition variable and barrier (mutex.h);
				      * first in the lock order after lease_lock */
	struct sched_lock lease_lock;/* lease grants, revocations, CPU offline (lease.h); first */
	struct sched_lease *leases;  /* the lease pool (sched_lease_pool), nr_leases slots */
	unsigned nr_leases;
	sched_cpumask_t leased;      /* CPUs some lease holds [lease_lock; atomic words] */
	struct sched_island *islands;/* the island pool (sched_island_pool), nr_islands slots */
	unsigned nr_islands;
	struct sched_mem_pool *mem_pools; /* the port's memory pools (sched_island_mem_pools) */
	unsigned nr_mem_pools;
	sched_cpumask_t island_cpus; /* CPUs an island holds leased: no other SC there [sc_lock] */
	struct sched_explain_log *why; /* decision records (explain.h), NULL: off [atomic] */
	uint32_t mx_seq;             /* arrival order of waiters [mx_lock] */
	struct sched_rt_task *admit_tasks; /* admission scratch (sched_sc_admission), NULL: off */
	unsigned admit_max;          /* its entries */
	uint8_t admit_fit;           /* enum sched_rt_fit for partitioned SCs */
	struct sched_list rt_declared; /* admission on: the threads in the fixed-priority class,
				      * declared or not (sc_lock) */
	uint8_t rt_given;            /* a fixed priority was set with admission off (atomic) */
	uint64_t core_next_cookie;   /* cookies handed out (atomic): never reused */
	uint64_t core_next_stamp;    /* cookie assignments made (atomic) */
	uint32_t rt_queued_cpus;     /* CPUs with a realtime thread queued behind another
				      * (atomic): pulls look only when there are some */
	uint32_t check_epoch;
	const char *check_msg;       /* what the last failing sched_check() found */
	uint32_t check_arg;          /* and the CPU or thread id it found it on */
};

struct sched_thread_params {
	uint32_t id;                 /* the caller's name for the thread (traces, reports) */
	int nice;                    /* -20 .. 19 */
	bool idle_weight;            /* SCHED_IDLE-like: weight 3, below nice 19 */
	uint64_t slice_ns;           /* latency class, 0.1 .. 100 ms; 0 = cfg.base_slice_ns */
	const sched_cpumask_t *affinity; /* NULL = every CPU */
	struct sched_group *group;   /* NULL = none */
	bool passive;                /* runs only on a donated or bound SC (a passive server) */
	struct sched_ref creator;    /* core scheduling: inherit this thread's cookie (t = NULL:
				      * its groups' cookie) */
};

struct sched_group_params {
	uint32_t id;
	enum sched_group_kind kind;
	struct sched_group *parent;  /* NULL for a top-level group */
	uint32_t weight;             /* fairness shares, 2 .. 2^20; 0 = 1024 */
	struct sched_group_cpu *pcpu;/* nr_cpus entries to make it a fairness group, or NULL */
};

#define SCHED_RT_UNLIMITED UINT64_MAX /* sched_config.rt_runtime_ns: no throttling */
#define SCHED_RT_PRIO_MAX 99

enum sched_rt_policy {
	SCHED_RT_NONE,  /* the fair class (SCHED_OTHER) */
	SCHED_RT_FIFO,  /* runs until it blocks, yields or a higher priority comes */
	SCHED_RT_RR,    /* the same, and takes turns with its level every rt_rr_quantum_ns */
};

struct sched_rt_params {
	uint8_t policy;              /* enum sched_rt_policy */
	uint8_t prio;                /* 1..99 for FIFO and RR (larger first); 0 for NONE */
	/* (optional) the thread's work as a sporadic task, for admission (sched_sc_admission
	 * on): at most budget_ns of CPU per job, jobs at least period_ns apart, each due
	 * deadline_ns after its release (0 = period_ns); budget_ns 0: no declaration, no
	 * guarantee. Only for FIFO and RR. */
	uint64_t budget_ns, period_ns, deadline_ns;
	uint64_t blocking_ns;        /* the longest a job may wait for mutexes others hold
				      * (sched_rt_blocking); admission adds it to the budget.
				      * Only with a declaration; budget + blocking <= deadline */
};

/* The nice range of sched_thread_params and sched_fair_params. */
#define SCHED_NICE_MIN (-20)
#define SCHED_NICE_MAX 19

/*
 * The weight a nice value gives a thread: 1024 at nice 0, and each step 1.25 times the next
 * (Linux's table), so one nice level moves about 10% of the CPU between two competing
 * threads. For a port that reports or converts shares. Returns the weight (15 .. 88761),
 * or -SCHED_EINVAL for a nice outside SCHED_NICE_MIN .. SCHED_NICE_MAX.
 */
int sched_nice_to_weight(int nice);

struct sched_fair_params {
	int nice;                    /* -20 .. 19 */
	bool idle_weight;
	uint64_t slice_ns;           /* 0.1 .. 100 ms; 0 = cfg.base_slice_ns */
};

/* --- boot ---------------------------------------------------------------------------- */

/* The fair-class policy called `name` ("rr"), or NULL. */
const struct sched_class *sched_policy_find(const char *name);

/*
 * Initialise `s` over `rq[topo->nr_cpus]`; cfg may be NULL (defaults) and zero fields take
 * defaults. No CPU is online yet. -SCHED_EINVAL: NULL, bad topology or configuration,
 * unknown policy.
 */
int sched_init(struct sched_sys *s, struct sched_rq *rq, const struct sched_topology *topo,
	       const struct sched_config *cfg);

/*
 * Bring `cpu` online with `idle` (storage owned by the caller, never exits) as its idle
 * thread, which becomes the current thread. Called on `cpu` itself. Takes rq[cpu] lock. O(1).
 * -SCHED_EINVAL for NULL, or an idle thread other than the one the CPU had (or one another
 * CPU has); -SCHED_ECPU for a CPU out of range; -SCHED_EEXIST if it is online already.
 */
int sched_cpu_online(struct sched_sys *s, unsigned cpu, struct sched_thread *idle);

/*
 * Take `cpu` offline: no new thread is placed there, queued threads and sleeper timeouts
 * move to other CPUs, and a running thread moves at that CPU's next pick (it gets an IPI).
 * Rejected with -SCHED_ECPU for a CPU out of range or already offline, -SCHED_ELAST_CPU if
 * it is the last online CPU, -SCHED_EPINNED if a thread there allows no other online CPU,
 * -SCHED_EUNSCHED with admission on if a configured SC or a declared fixed-priority thread
 * counts on it (revoke or move those first),
 * and -SCHED_EAGAIN while a thread is migrating towards it (retry after that thread's
 * switch). Callers serialise hotplug and affinity changes (a hotplug mutex).
 * O(threads on cpu), each moved under both locks.
 */
int sched_cpu_offline(struct sched_sys *s, unsigned cpu);

/* --- threads ------------------------------------------------------------------------- */

/*
 * Initialise `t` in state NEW. Storage must be zeroed or an EXITED thread (then the
 * generation keeps counting up, so refs from its previous life stay stale; -SCHED_EAGAIN
 * while its last CPU has not finished switching away from it). -SCHED_ESTATE for storage
 * that is neither (a live thread); -SCHED_EINVAL, -SCHED_EAFFINITY (no CPU in the mask),
 * -SCHED_ESTALE (stale creator) for bad parameters. O(1).
 */
int sched_thread_init(struct sched_sys *s, struct sched_thread *t,
		      const struct sched_thread_params *p);

/* A reference to `t` at its current generation. */
struct sched_ref sched_ref_of(const struct sched_thread *t);

/*
 * Make a NEW or BLOCKED thread runnable on a CPU chosen by the placement policy
 * (docs/architecture.md "Wake placement"). Any CPU. -SCHED_ESTALE, -SCHED_ESTATE if not
 * blocked/new, -SCHED_EAFFINITY if its mask has no online CPU, -SCHED_ENOSC for a passive
 * thread without an SC, -SCHED_ELENT for a caller whose SC is lent to a server (only the
 * reply resumes it), -SCHED_EAGAIN if hotplug took every CPU it was placed on offline
 * meanwhile (call again). A thread on an SC starts a new job (sc.h). Takes the thread lock (and
 * s->sc_lock first for a thread involved with an SC) and one rq lock (two if a timeout is
 * cancelled). O(nr_cpus) placement + class enqueue.
 */
int sched_wake(struct sched_sys *s, struct sched_ref r, enum sched_wake_reason why);

/*
 * Exit: the thread leaves every queue and timer and its generation is bumped at once. If
 * it is running, its CPU is told to reschedule and stops running it at its next pick; the
 * storage may be reused after that CPU's sched_finish_switch(). Any CPU. O(class dequeue).
 * -SCHED_EINVAL for NULL or an idle thread, -SCHED_ESTALE for a stale ref.
 */
int sched_exit(struct sched_sys *s, struct sched_ref r);

/* Change the affinity; a queued thread moves now, a running one at its next pick.
 * -SCHED_EINVAL for NULL or an idle thread, -SCHED_ESTALE, -SCHED_EAFFINITY if the mask
 * allows no online CPU or reaches outside the CPUs of the SC the thread runs on. */
int sched_set_affinity(struct sched_sys *s, struct sched_ref r, const sched_cpumask_t *mask);

/* Read a thread's figures (a consistent copy taken under its locks). -SCHED_EINVAL for
 * NULL, -SCHED_ESTALE for a stale ref. */
int sched_thread_stats(struct sched_sys *s, struct sched_ref r, struct sched_acct *out);

/* --- on the CPU: scheduling points ---------------------------------------------------- */

/*
 * The current thread of `cpu` blocks (sched_block) or sleeps until `deadline`
 * (sched_sleep_until, woken with SCHED_WAKE_TIMER); *next receives the thread to switch to.
 * A deadline must lie within SCHED_TIME_HORIZON_NS of now, either way (a past one wakes at
 * once): -SCHED_EINVAL otherwise, and for SCHED_TIME_NEVER (use sched_block).
 * -SCHED_ESTATE if the CPU runs its idle thread; -SCHED_ECPU for a CPU out of range or
 * offline with no thread of its own left on it, and for a sleep with a timeout on a CPU
 * being taken offline (its thread is about to move: pick, then sleep). A current thread
 * exited meanwhile by another CPU is not blocked, just switched away from. Takes the
 * thread lock and rq[cpu] lock. O(log n).
 */
int sched_block(struct sched_sys *s, unsigned cpu, struct sched_thread **next);
int sched_sleep_until(struct sched_sys *s, unsigned cpu, sched_time_t deadline,
		      struct sched_thread **next);

/*
 * Park / unpark, a blocking primitive without lost wake-ups (kernels build wait queues,
 * futexes and condition variables on it). sched_unpark wakes the thread if it is blocked,
 * and otherwise leaves it a permit (at most one); sched_park blocks the current thread of
 * `cpu` unless a permit is pending, which it consumes, and *next is then that thread
 * itself. Both decide under the thread's lock, so an unpark racing with a park is never
 * lost. sched_unpark: -SCHED_ESTALE for a stale ref, -SCHED_EINVAL for an idle thread,
 * -SCHED_EAFFINITY if the blocked thread's mask allows no online CPU, and -SCHED_ENOSC,
 * -SCHED_ELENT, -SCHED_EAGAIN as sched_wake (it stays blocked). sched_park: the errors of
 * sched_block. O(log n) like wake and block.
 */
int sched_park(struct sched_sys *s, unsigned cpu, struct sched_thread **next);
int sched_unpark(struct sched_sys *s, struct sched_ref r);

/* Park with a timeout: as sched_park, and also woken at `deadline` (a policy request's
 * requester waits for its answer so, sched_policy_result). -SCHED_EINVAL for NEVER or a
 * deadline beyond the time horizon, else the errors of sched_park. */
int sched_park_until(struct sched_sys *s, unsigned cpu, sched_time_t deadline,
		     struct sched_thread **next);

/* The current thread yields to its peers; *next receives the thread to run. (Not
 * "sched_yield": POSIX has that name in <sched.h>, which hosted users include.)
 * -SCHED_ECPU / -SCHED_ESTATE as sched_block. */
int sched_yield_cpu(struct sched_sys *s, unsigned cpu, struct sched_thread **next);

/*
 * Direct IPC handoff. sched_call: the current thread (the caller) blocks and the BLOCKED
 * `server` runs next on this CPU if its affinity allows, else is woken normally.
 * sched_reply: the current thread (the server) blocks waiting for its next call and the
 * BLOCKED `caller` runs next the same way. -SCHED_ESTALE / -SCHED_ESTATE leave both as
 * they were. Takes the target's thread lock and rq[cpu] lock. O(log n).
 * SchedulingContexts (docs/scheduling-context.md): a caller running on an SC lends it to a
 * server that has no SC of its own (the server runs on the caller's budget and deadline),
 * and the server's reply to that caller gives it back; chains nest up to
 * SCHED_DONATION_DEPTH_MAX (-SCHED_EDEPTH beyond). -SCHED_EAFFINITY if the server may not
 * run on the SC's CPUs, -SCHED_ENOSC if the target is passive and no SC reaches it,
 * -SCHED_ELENT for a target whose SC is lent on to another server (a call to a link of a
 * chain, a reply that skips a link), -SCHED_EAGAIN if hotplug moved every CPU the target
 * was placed on offline meanwhile. -SCHED_ECPU / -SCHED_ESTATE for `cpu` as sched_block.
 * Threads involved with SCs take s->sc_lock first. O(log n + chain depth).
 */
int sched_call(struct sched_sys *s, unsigned cpu, struct sched_ref server,
	       struct sched_thread **next);
int sched_reply(struct sched_sys *s, unsigned cpu, struct sched_ref caller,
		struct sched_thread **next);

/*
 * Preemption point: charge the current thread, put it back if still runnable, and return
 * the thread to run (possibly the same one; the idle thread if nothing is runnable).
 * An idle CPU tries to steal up to balance_max threads first. Takes rq[cpu] lock (and a
 * victim's lock when stealing). O(log n) + O(nr_cpus) when stealing.
 * NULL (nothing to switch to) for a NULL system, a CPU out of range or never brought online.
 */
struct sched_thread *sched_pick(struct sched_sys *s, unsigned cpu);

/*
 * Called on `cpu` once the kernel no longer runs on the previous thread's stack (after the
 * switch, or right away when the pick returned the same thread), still with interrupts off.
 * Clears the previous thread's on_cpu and finishes a pending migration. Takes no lock,
 * except the thread lock and two rq locks when the previous thread is migrating, and on a
 * CPU with a lease step due (lease.h: its part of an activation, or a revocation's return)
 * its rq lock, the movers' locks, and lease_lock for the last part of an activation.
 * Does nothing for a NULL system or a CPU out of range.
 */
void sched_finish_switch(struct sched_sys *s, unsigned cpu);

/* Timer interrupt on `cpu`: wake expired sleepers (at most 16; more re-arms the timer
 * at once), end the slice, run periodic balance. Returns true if sched_pick() is due;
 * false for a NULL system, a CPU out of range or never brought online. */
bool sched_timer(struct sched_sys *s, unsigned cpu);

/* Reschedule IPI on `cpu`. Returns true if sched_pick() is due (false for a NULL system,
 * a CPU out of range or never brought online). O(1). */
bool sched_ipi(struct sched_sys *s, unsigned cpu);

/*
 * A device interrupt's handler begins (enter) and ends (exit) on `cpu`, interrupts off:
 * the time between is not the current thread's (nor its SC's budget): charges, from any
 * CPU, stop at the handler's start, the thread's charge point moves past its end, and the
 * CPU counts it (SCHED_CNT_IRQ_NS). They nest (only the outermost pair counts). Every
 * enter needs its exit: until it comes, nothing is charged on that CPU. Optional:
 * a port that never calls them charges handler time to whatever it interrupted, and then
 * a realtime island's budgets must cover the IRQs routed to their CPUs (docs/island.md).
 * Each takes rq[cpu]'s lock. O(1). They do nothing for a NULL system, a CPU out of range
 * or never brought online (and exit nothing without an enter).
 */
void sched_irq_enter(struct sched_sys *s, unsigned cpu);
void sched_irq_exit(struct sched_sys *s, unsigned cpu);

/* True if `cpu` should call sched_pick() at its next preemption point (false for a NULL
 * system or a CPU out of range). */
bool sched_need_resched(struct sched_sys *s, unsigned cpu);

/* The kernel reports an address-space switch on `cpu` (counted, nothing else; ignored for a
 * NULL system or a CPU out of range). */
void sched_note_as_switch(struct sched_sys *s, unsigned cpu);

/* --- groups ----------------------------------------------------------------------------- */

/* A group; `pcpu` (if given) must hold s->nr_cpus entries and live as long as the group.
 * -SCHED_EINVAL for NULL, a bad kind or weight, or g as its own parent; -SCHED_EDEPTH
 * past SCHED_GROUP_DEPTH_MAX levels. */
int sched_group_init(struct sched_sys *s, struct sched_group *g,
		     const struct sched_group_params *p);

/* --- authority and policy parameters ---------------------------------------------------- */

/* The token of the root authority (all rights, every thread): keep it in the kernel. */
struct sched_auth sched_auth_root(struct sched_sys *s);

/* Derive `a` from `parent` with `rights` (a subset) over `scope` (inside parent's scope)
 * and `cpus` (a subset of the parent's CPUs; NULL = the parent's). -SCHED_EINVAL for NULL,
 * unknown rights, or `a` being the parent or one of its ancestors; -SCHED_ESTALE for a
 * revoked parent; -SCHED_ECPU for a CPU out of range in `cpus`; -SCHED_EPERM for more
 * than the parent has; -SCHED_EDEPTH past SCHED_AUTH_DEPTH_MAX levels. */
int sched_auth_derive(struct sched_authority *a, struct sched_auth parent, uint32_t rights,
		      struct sched_group *scope, const sched_cpumask_t *cpus);

/* Revoke: every token of `a`, and of authorities derived from it, fails from now on.
 * -SCHED_EINVAL for a NULL token, -SCHED_ESTALE for one already revoked. */
int sched_auth_revoke(struct sched_auth a);

/*
 * Set a thread's weight and latency class. Needs a live token with SCHED_RIGHT_FAIR whose
 * scope contains the thread's group: -SCHED_EPERM otherwise, -SCHED_ESTALE for a stale
 * token or thread ref, -SCHED_EINVAL for nice/slice out of range; nothing changes then.
 * A queued or running thread keeps its lag (w * (V - v) is preserved). O(depth + log n).
 */
int sched_set_fair(struct sched_sys *s, struct sched_auth auth, struct sched_ref r,
		   const struct sched_fair_params *p);

/*
 * Put a thread in the fixed-priority class (SCHED_RT_FIFO or SCHED_RT_RR at prio 1..99) or
 * back in the fair class (SCHED_RT_NONE, prio 0). Needs a live token with SCHED_RIGHT_RT
 * whose scope contains the thread's group: -SCHED_EPERM otherwise, -SCHED_ESTALE for a
 * stale token or ref, -SCHED_EINVAL for a bad policy or priority or an idle thread; nothing
 * changes then. A thread on an SC stays in the EDF class above and uses its priority
 * when its SC cannot run it (demoted). A queued thread moves at once; a running one at its
 * CPU's next pick, which this asks for. Takes the thread lock and its rq lock. O(1).
 */
int sched_set_rt(struct sched_sys *s, struct sched_auth auth, struct sched_ref r,
		 const struct sched_rt_params *p);

/*
 * The same, and *out (may be NULL) says what admission decided. With admission on
 * (sched_sc_admission), every thread in the fixed-priority class is known to it, and a
 * change fails with -SCHED_EUNSCHED, changing nothing, if a declared thread (p's budget,
 * period, deadline) could then miss a deadline: exact response-time analysis when the
 * threads' CPU set (their affinity) is one CPU, the global fixed-priority test (BCL) on
 * more, against rt_runtime_ns / rt_period_ns; or if the thread's CPUs cross an SC's or
 * another fixed-priority thread's without being equal; or if an undeclared thread would
 * sit at or above a declared one's level there (its demand is unknown). While in the class
 * with admission on, a thread's affinity is fixed (sched_set_affinity: -SCHED_EAFFINITY).
 * Leaving the class is always admitted. O(threads in the class) plus the analysis.
 */
int sched_set_rt_verdict(struct sched_sys *s, struct sched_auth auth, struct sched_ref r,
			 const struct sched_rt_params *p, struct sched_sc_verdict *out);

/* --- observability ------------------------------------------------------------------------ */

/* A counter of one CPU (0 for a CPU out of range or a bad counter). */
uint64_t sched_cpu_counter(struct sched_sys *s, unsigned cpu, unsigned counter);

/*
 * Turn the measurement counters (SCHED_CNT_MEASURED in trace.h) on or off on every CPU of
 * `s`; off after sched_init. While off they do not move: never turned on, they read 0;
 * turned off, they keep what they counted. The permanent counters count either way, and no
 * decision depends on the switch. Takes no lock: each CPU follows from its next counted
 * event. O(CPUs). -SCHED_EINVAL for NULL or a system sched_init has not set up.
 */
int sched_measure(struct sched_sys *s, bool on);

/* Copy up to `max` of the newest trace events of `cpu`, oldest first; returns the count
 * (0 for a NULL system or `out`, or a CPU out of range). */
unsigned sched_trace_read(struct sched_sys *s, unsigned cpu, struct sched_trace_event *out,
			  unsigned max);

/*
 * The invariant checker: every CPU's queue, current thread, sleepers, timer and IPI state,
 * and the class invariants; no thread queued twice or on a CPU its affinity forbids.
 * Returns 0 or -SCHED_ECHECK with s->check_msg and s->check_arg set (-SCHED_EINVAL for
 * NULL). O(threads).
 * Call it only when no other CPU is inside libsched (it takes each rq lock in turn).
 */
int sched_check(struct sched_sys *s);

#ifdef __cplusplus
}
#endif

#endif
