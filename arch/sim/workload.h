/* SPDX-License-Identifier: MIT */
/*
 * workload.h - the in-memory form of an rt-app style workload, as schedsim runs it.
 *
 * Host-side only (uses malloc). wl_load_file() reads rt-app JSON: comments, trailing
 * commas, a bare "suspend" and repeated event keys are accepted (as rt-app's workgen
 * does) and repeated keys run in file order; anything not understood is rejected with
 * file, line and key. Times are converted to nanoseconds on load.
 */
#ifndef SCHEDSIM_WORKLOAD_H
#define SCHEDSIM_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "dist.h"

/*
 * Bounds on what the loader accepts, so that no input, however hostile, makes it (or a
 * simulation of what it returns) use unbounded memory or time. docs/schedsim.md, "Limits",
 * lists them with their messages.
 */
#define WL_MAX_FILE_SIZE (16u << 20)    /* bytes of workload text (16 MiB); a file that is
					 * larger, or never ends (/dev/zero), is refused */
#define WL_MAX_DURATION_S 1000000       /* global "duration", s (11.6 days): any time the run
					 * reaches stays far from overflowing 64-bit ns */
#define WL_MAX_TIME_US 1e15             /* any time in us (run, sleep, delay, periods...):
					 * 31.7 years, so that now + it stays within the 2^62 ns
					 * (146 years) libsched accepts as an instant ahead */
#define WL_MAX_THREADS (1u << 18)       /* threads in all: the sum of every task's "instance" */
#define WL_MAX_THREAD_PHASES (1u << 18) /* the sum of instance x phases over the tasks: the
					 * simulator keeps state per thread and phase */
#define WL_MAX_GROUPS 4096              /* distinct libsched "group" names: each has state
					 * per CPU, and the simulator looks them up by name */
#define WL_MAX_COOKIES 4096             /* distinct libsched "cookie" values, likewise */
#define WL_MAX_LEASES 1024              /* leases of the top-level "libsched" section */
#define WL_MAX_RINGS 64                 /* rings, likewise: each holds up to ... */
#define WL_MAX_RING_ENTRIES 65536       /* ... this many entries not yet consumed */
#define WL_RING_ENTRIES 4096            /* a ring's size when its "entries" is not given */
#define WL_MAX_SOURCES 64               /* submission sources of one ring */
#define WL_MAX_BURST 64                 /* entries one submission publishes: the simulator
					 * keeps a latency per entry consumed, so memory
					 * follows the number of events */
#define WL_MAX_IRQS 256                 /* IRQ sources of the top-level "libsched" section */
#define WL_MAX_IRQ_LINE 65535           /* an IRQ source's "line": 0 .. this */
#define WL_MAX_ISLANDS 64               /* realtime islands of the top-level "libsched" */
#define WL_MAX_MEM_POOLS 32             /* memory pools (libsched's SCHED_MEM_POOLS_MAX) */
#define WL_MAX_ISLAND_MEMBERS 64        /* an island's members (SCHED_ISLAND_SCS_MAX) */
#define WL_MAX_ISLAND_SERVERS 16        /* ... servers (SCHED_ISLAND_SERVERS_MAX) */
#define WL_MAX_ISLAND_PATHS 32          /* ... paths (SCHED_ISLAND_PATHS_MAX) */
#define WL_MAX_ISLAND_IRQS 16           /* ... IRQs (SCHED_ISLAND_IRQS_MAX) */
#define WL_MAX_ISLAND_MEM 8             /* ... bookings (SCHED_ISLAND_MEM_MAX) */
#define WL_MAX_REQUESTS 1024            /* policy requests of one task; each thread makes
					 * them all, and ... */
#define WL_MAX_THREAD_REQUESTS (1u << 18) /* ... the sum of instance x requests is bounded:
					 * the simulator keeps each one's record */
#define WL_MAX_FAULTS 64                /* faults of the policy service */
#define WL_MAX_GRAPHS 64                /* task graphs of the "policy" section */
#define WL_MAX_GRAPH_NODES 8            /* stages of one graph (SCHED_GRAPH_NODES_MAX) */
#define WL_MAX_MANIFEST (1u << 20)      /* bytes of a policy manifest (1 MiB) */
#define WL_MAX_POLICY_SLOTS 65536       /* the request queue's slots (libsched's 2^16) */
#define WL_POLICY_SLOTS 64              /* ... when "slots" is not given */
#define WL_MAX_POLICY_NAME 31           /* "process" and "service" names: the manifest's
					 * rules hold 32 bytes with the NUL */

/* A phase whose events take no time (yield, resume, zero durations) and that can repeat
 * without time passing starts each pass with a run of this much CPU time, added by the
 * loader: the real loop would spin, and without it the simulation would do millions of
 * passes per simulated microsecond (docs/schedsim.md, "Zero-time loops"). */
#define WL_ZERO_PASS_NS 1000

/* The cost of rt-app's "mem" and "iorun" events when the file does not say (top-level
 * "libsched" "mem_mb_s" and "io_call_us"; docs/schedsim.md, "Events"): a memset of
 * rt-app's buffer at 40000 MB/s, and 1.2 us per write() of up to "mem_buffer_size" bytes
 * to its io_device (/dev/null), both measured on a 2-vCPU x86-64 virtual machine. */
#define WL_MEM_MB_S 40000
#define WL_IO_CALL_NS 1200
#define WL_MEM_BUFFER 4194304 /* rt-app's default "mem_buffer_size" (4 MiB) */

/* A pass of a poller's loop (look at the ring, call sched_ring_poll) costs this much CPU
 * time unless its ring says otherwise ("poll_us"): a poller that spins makes one pass per
 * simulated microsecond, as a zero-time loop does. */
#define WL_POLL_PASS_NS 1000

/*
 * The synchronisation events name rt-app resources, created per name: mutexes, condition
 * variables and barriers, three separate name spaces (a mutex and a condition may share a
 * name). As in rt-app, "suspend" and "resume" use the condition AND the mutex of their
 * name: suspend X is lock X, wait on X with X, unlock X; resume X is lock X, broadcast X,
 * unlock X. So a resume wakes whoever waits on condition X (suspended or in a wait or
 * sync), and is lost when nobody does.
 */
enum wl_event_kind {
	WL_RUN,     /* consume ns of CPU time */
	WL_RUNTIME, /* run until ns of wall time have passed since the event started */
	WL_SLEEP,   /* block for ns */
	WL_TIMER,   /* wait for the next tick of the periodic timer `ref` (period ns) */
	WL_SUSPEND, /* wait on condition `ref` (the task's own name when written bare or "") */
	WL_RESUME,  /* broadcast condition `ref`: wake every thread waiting on it now */
	WL_YIELD,   /* give up the CPU, stay runnable */
	WL_LOCK,    /* take mutex `ref` (wait for it) */
	WL_UNLOCK,  /* release mutex `ref` */
	WL_WAIT,    /* wait on condition `ref`, releasing mutex `mutex` meanwhile */
	WL_SIGNAL,  /* wake the most urgent waiter of condition `ref` */
	WL_BROAD,   /* wake every waiter of condition `ref` */
	WL_SYNC,    /* signal condition `ref`, then wait on it with mutex `mutex`, at once */
	WL_BARRIER, /* meet the other users of barrier `ref` */
	WL_SUBMIT,  /* publish `count` entries on ring `ring`, then sched_ring_submit */
	WL_POLL,    /* a poller's pass (never in a file: the loader makes it): ns of CPU,
		     * then a look at ring `ring` and sched_ring_poll */
	/* never in a file either: the policy service's loop and a task graph's stages
	 * (docs/schedsim.md, "The policy service") */
	WL_SERVE,   /* the policy service: take a request, ns of CPU, answer */
	WL_STAGE_WAIT,   /* a graph stage waits for its previous stage's end (`ring`: the
			  * graph, `count`: the node) */
	WL_STAGE_SIGNAL, /* ... and signals the next stage */
	WL_STAGE_END,    /* the last stage ends one instance of the graph */
	WL_FORK,    /* rt-app's fork: start one more thread of task `ref` (its index: task) */
	/* libsched's own (rt-app has none): wait for the end of a thread of task `ref` (its
	 * index: task) that no join or reap took yet; the end wakes the waiter from the ending
	 * thread's CPU with SCHED_WAKE_JOIN (join) or SCHED_WAKE_PROCESS (reap) */
	WL_JOIN,
	WL_REAP,
};

struct wl_event {
	enum wl_event_kind kind;
	uint64_t ns;      /* run, runtime, sleep: duration; timer: period */
	int absolute;     /* timer only: 1 = "absolute" mode, 0 = "relative" (rt-app default) */
	char *ref;        /* timer: timer name; lock, unlock: mutex name; barrier: barrier name;
			   * the others: condition name; run, runtime, sleep, yield: NULL */
	char *mutex;      /* wait, sync: the mutex name; else NULL */
	uint32_t mx;      /* index in workload.mutexes: lock, unlock, wait, sync (its mutex),
			   * suspend and resume (the mutex of their name) */
	uint32_t cond;    /* index in workload.conds: wait, signal, broad, sync, suspend, resume */
	uint32_t barrier; /* index in workload.barriers: barrier */
	uint32_t ring;    /* index in workload.rings: submit, poll; graph stages: the graph */
	uint32_t count;   /* submit: entries published; graph stages: the node */
	unsigned line;    /* source line of the key, for messages */
	int added;        /* not in the file: the WL_ZERO_PASS_NS run of a zero-time phase */
	uint64_t bytes;   /* a WL_RUN written as rt-app's "mem" or "iorun": the bytes it
			   * writes, of which ns is the cost (docs/schedsim.md, "Events") */
	int io;           /* ... 1 for "iorun" */
	int unique;       /* timer: its ref starts with "unique": one timer per thread, else
			   * one shared by every thread whose timers name it */
	uint32_t timer;   /* timer: index in the task's unique timers, or in workload.timers */
	uint32_t task;    /* fork: index in workload.tasks of the task it starts a thread of;
			   * join, reap: of the task whose threads' ends it waits for */
};

/* A barrier: `count` arrivals release a round, as rt-app counts its users: every barrier
 * event of that name in the file, once per instance of its task. */
struct wl_barrier {
	const char *name;   /* points into an event's ref */
	uint32_t count;
};

enum wl_policy { WL_POLICY_OTHER, WL_POLICY_BATCH, WL_POLICY_IDLE, WL_POLICY_DEADLINE,
		 WL_POLICY_FIFO, WL_POLICY_RR };

/* How a SCHED_DEADLINE task's SchedulingContext refills (sched/sc.h enum sched_sc_mode). */
enum wl_sc_mode { WL_SC_CBS, WL_SC_SPORADIC };

/* What a depleted SchedulingContext does to its thread (enum sched_sc_overrun). */
enum wl_overrun { WL_OVERRUN_THROTTLE, WL_OVERRUN_DEMOTE, WL_OVERRUN_NOTIFY_BLOCK };

/* A SCHED_DEADLINE task's reservation: runtime <= deadline <= period, all > 0. */
struct wl_deadline {
	uint64_t runtime_ns;    /* "dl-runtime" in us: the budget per period */
	uint64_t period_ns;     /* "dl-period" in us, default dl-runtime (as rt-app) */
	uint64_t deadline_ns;   /* "dl-deadline" in us, default dl-period (as rt-app) */
	enum wl_sc_mode mode;   /* libsched "sc_mode" */
	enum wl_overrun overrun;/* libsched "overrun" */
	unsigned refills;       /* libsched "refills": ring slots, 1 .. 1024 */
};

/* rt-app's per-phase settings: what the thread becomes as it enters the phase. */
struct wl_phase_sched {
	int has_cpus;           /* "cpus" in the phase; without, the task's affinity applies */
	uint64_t cpus;
	int has_policy;         /* "policy", "priority" or a dl-* key in the phase; without,
				 * the thread keeps the scheduling it has (rt-app's) */
	enum wl_policy policy;  /* the phase's "policy", else the task's */
	int nice, rt_prio;      /* as in struct wl_task */
	struct wl_deadline dl;  /* SCHED_DEADLINE: the phase's dl-* */
	unsigned line;          /* the phase's line, for messages */
};

struct wl_phase {
	char *name;
	int loop;               /* times the phase repeats per task loop, >= 1 */
	struct wl_event *events;
	size_t nr_events;
	struct wl_phase_sched sched;
};

#define WL_RT_PRIO_DEFAULT 10 /* SCHED_FIFO / SCHED_RR without "priority" (rt-app's default) */

/* A task's libsched "cookie" value: none (untagged), an integer or a string. */
enum wl_cookie_kind { WL_COOKIE_NONE, WL_COOKIE_INT, WL_COOKIE_STRING };

struct wl_task {
	char *name;
	unsigned instances;     /* "instance", default 1; 0: no thread at the start, only those
				 * fork events start */
	int loop;               /* "loop", -1 = forever (default) */
	uint64_t delay_ns;      /* "delay" in us in the file */
	uint64_t cpus;          /* affinity bitmask, 0 = all CPUs ("cpus" absent) */
	enum wl_policy policy;  /* "policy", else global default_policy, else OTHER */
	int nice;               /* "priority": -20..19, default 0; a DEADLINE task has it while
				 * demoted to the fair class (0 for FIFO and RR tasks) */
	int rt_prio;            /* SCHED_FIFO / SCHED_RR: "priority" is the realtime priority,
				 * 1..99 (larger runs first), default WL_RT_PRIO_DEFAULT; 0 for
				 * other policies */
	struct wl_deadline dl;  /* SCHED_DEADLINE only: "dl-runtime", "dl-period", "dl-deadline"
				 * (us), and the libsched keys below; all 0 for other policies */
	/* "libsched": { ... } keys, which real rt-app does not have:
	 *   "group": "name"   a fairness group (process); tasks without one share the
	 *                     accounting-only group "rt-app", like threads of one process
	 *   "slice_us": N     latency class: the EEVDF slice, 100 .. 100000 us
	 *   "ipc": true       a "resume" directly followed by "suspend" is one synchronous
	 *                     IPC handoff (sched_call / sched_reply) to a thread of an ipc
	 *                     task suspended on the resumed name; the task's suspends are
	 *                     plain blocks outside the condition variable of their name
	 *   "ipc_wake": true  with "ipc": that IPC is a wake and a block instead (sched_wake
	 *                     with SCHED_WAKE_IPC_SYNC, then sched_block), as a kernel without
	 *                     sched_call does it; between threads without SCs only (with
	 *                     one, the handoff still runs, for its SC lending)
	 *   "cookie": V       core scheduling: the trust domain, an integer >= 0 or a non-empty
	 *                     string; tasks with equal V (same type, same value) share one
	 *                     cookie, 0 means untagged (as no key)
	 *   "poll": "ring"    a poller: the one consumer of that ring (top-level "libsched"
	 *                     "rings"); its program is the poll loop, made by the loader
	 *   "passive": true   a passive server: it runs only on an SC a caller lends it (a
	 *                     realtime island's server); it needs "ipc", one instance, no
	 *                     delay and a fair policy, and waits for its first call in its
	 *                     first event, a suspend
	 * and for SCHED_DEADLINE tasks only (rejected on others):
	 *   "sc_mode": "cbs"  the SchedulingContext refills as a constant-bandwidth server,
	 *                     Linux SCHED_DEADLINE's rules (default); "sporadic": a sporadic
	 *                     server, at most dl-runtime in any window of dl-period
	 *   "overrun": "throttle"  a depleted thread waits for the refill (default, as Linux);
	 *              "demote"    it runs in the fair class until the refill;
	 *              "notify_block" it blocks, and schedsim's handler wakes it again at once
	 *                          (in its own event at the same instant): it then waits for
	 *                          the refill as a throttled thread does
	 *   "refills": N      refill ring slots, 1 .. 1024: default 8 for sporadic (which needs
	 *                     2 unless dl-runtime == dl-period), 1 for cbs (which uses only 1,
	 *                     so no other value is accepted) */
	char *group;
	char *poll;             /* libsched "poll": the ring this task's one thread consumes
				 * (a poller: its program is the poll loop), or NULL */
	uint32_t ring;          /* ... its index in workload.rings */
	uint64_t slice_ns;      /* 0 = the library default */
	int ipc;
	int ipc_wake;           /* libsched "ipc_wake" */
	int passive;            /* libsched "passive": a passive server (runs only on its
				 * callers' SCs); it starts waiting in its first event, a
				 * suspend, and needs "ipc" */
	enum wl_cookie_kind cookie_kind;
	int64_t cookie_int;     /* WL_COOKIE_INT: V, > 0 (an integer 0 is WL_COOKIE_NONE) */
	char *cookie_str;       /* WL_COOKIE_STRING: V */
	struct wl_phase *phases;/* a task without "phases" has one phase holding its events */
	size_t nr_phases;
	int phase_sched;        /* some phase has "cpus", "policy", "priority" or dl-* */
	int phase_deadline;     /* ... and some phase is SCHED_DEADLINE */
	size_t nr_unique_timers;/* distinct "unique..." timer refs of the task: each thread
				 * has that many timers of its own */
	/* the policy service (docs/schedsim.md, "The policy service"): libsched keys
	 *   "process": "name" the process the manifest's rules know it by (default: its
	 *                     group's name); without "group" it is the task's group too
	 *   "service": "name" the service it belongs to, for the rules
	 *   "session": N      its session id (>= 1), for the rules
	 *   "requests": [..]  policy requests its threads make before their program */
	char *process;
	char *service;
	uint32_t session;
	struct wl_request *requests; /* in order of at_ns */
	size_t nr_requests;
	/* variation (docs/schedsim.md, "Variation"): libsched keys
	 *   "run_dist": {..}         how each "run" of a thread draws its length
	 *   "release_offset_us": N   each thread starts a draw in [0, N] after its delay
	 *   "jitter_us": N           each tick of its timers wakes it a draw in [0, N] late */
	struct wl_dist run_dist;
	uint64_t release_offset_ns;
	uint64_t jitter_ns;
	int graph;              /* a stage of this graph (its program is the loader's), or -1 */
	unsigned node;          /* ... this node of it */
	unsigned line;
};

/*
 * schedsim's own top-level "libsched" section (docs/schedsim.md, "Leases and rings", "IRQ
 * sources", "Realtime islands"): groups with a kind and a parent, polling rings with their
 * submission sources, CPU isolation leases granted and revoked at given instants, IRQ
 * sources, memory pools, and realtime islands admitted at given instants.
 */
enum wl_group_kind { WL_GROUP_PROCESS, WL_GROUP_SESSION, WL_GROUP_SERVICE };

struct wl_group {
	char *name;
	enum wl_group_kind kind;
	char *parent;           /* NULL: a top-level group */
	unsigned line;
};

/* Submissions that come from no thread (a device, say): `burst` entries every `period_ns`
 * from `start_ns`, `count` times (0: until the end), each submitted on CPU `cpu`. */
struct wl_source {
	unsigned cpu;
	uint64_t start_ns, period_ns, count;
	uint32_t burst;
	unsigned line;
};

struct wl_ring {
	char *name;
	uint64_t idle_ns;       /* "idle_us": park after this long without work; 0 parks at
				 * once (a wake-based consumer) */
	uint64_t poll_ns;       /* "poll_us": CPU time of one pass of the poll loop */
	uint64_t consume_ns;    /* "consume_us": CPU time per entry consumed */
	uint32_t entries;       /* "entries": its size; a submission finding it full
				 * publishes what fits and drops the rest */
	struct wl_source *sources;
	size_t nr_sources;
	int consumer;           /* the task that polls it (its "poll"), -1: none */
	unsigned line;
};

/* How a lease ends ("cause"), when it has a "revoke_us". */
enum wl_lease_cause {
	WL_CAUSE_NONE,          /* not revoked by the workload */
	WL_CAUSE_REVOKE,        /* sched_lease_revoke */
	WL_CAUSE_HOLDER_EXIT,   /* the holder's threads exit (a group: and revoke_owned) */
	WL_CAUSE_SERVICE,       /* revoke_owned on a service group (service replacement) */
	WL_CAUSE_SESSION,       /* revoke_owned on a session group (session close) */
};

struct wl_lease {
	char *name;
	char *holder;           /* a task of one instance, or a group */
	int holder_task;        /* its index in tasks, or -1 for a group */
	uint64_t cpus;          /* CPU mask, non-empty */
	uint64_t grant_ns;
	uint64_t revoke_ns;     /* valid when cause != WL_CAUSE_NONE */
	enum wl_lease_cause cause;
	char *owner;            /* the group revoke_owned names (service, session, and
				 * holder_exit of a group holder); NULL otherwise */
	char *target;           /* the accounting target group, NULL: the holder's group */
	unsigned line;
};

/*
 * An IRQ source (docs/schedsim.md, "IRQ sources"): a device interrupt on line `irq`,
 * routed to CPU `cpu` unless a lease or a realtime island moves it. It fires at start_ns,
 * then each `period_ns` plus a pseudo-random part of `jitter_ns` (fixed by the source,
 * not by --seed), `count` times (0: until the end); each firing takes `cost_ns` of its
 * CPU's time (the handler), during which the CPU's thread makes no progress.
 */
struct wl_irq {
	char *name;
	uint32_t irq;           /* "line": the port's IRQ number, unique in the workload */
	unsigned cpu;           /* "cpu": its default route */
	uint64_t period_ns;     /* "period_us", else "min_gap_us": the time between two */
	uint64_t min_gap_ns;    /* "min_gap_us", else "period_us": the least time between
				 * two (1 / its maximum rate), <= period_ns */
	uint64_t jitter_ns;     /* "jitter_us": each gap is period_ns + [0, jitter_ns] */
	uint64_t cost_ns;       /* "cost_us": the handler's time, 0 < cost <= min gap */
	uint64_t start_ns;      /* "start_us": the first firing */
	uint64_t count;         /* "count": firings, 0 = until the end */
	unsigned line;
};

/* A memory pool the port declares (docs/schedsim.md, "Realtime islands"). */
struct wl_mem_pool {
	char *name;
	uint64_t pages;
	unsigned line;
};

/* An island member: a task of one instance, and its SC's parameters. */
struct wl_island_member {
	char *thread;           /* "thread" */
	int task;               /* its index in tasks */
	uint64_t budget_ns, period_ns, deadline_ns; /* "budget_us", "period_us", "deadline_us"
				 * (default: the period) */
	int global;             /* "dispatch": "global" (1) or "partitioned" (0, default) */
	uint64_t cpus;          /* "cpus": its CPU set, inside the island's; 0: the island's */
	unsigned line;
};

/* A communication path: who calls which server, how often per job, at what cost. */
struct wl_island_path {
	char *from, *to;        /* "from": a member's thread or a server; "to": a server */
	int from_member;        /* its index in members, or -1 ... */
	int from_server;        /* ... in servers, or -1 */
	int to_server;
	uint32_t calls;         /* "calls", default 1 */
	uint64_t cost_ns;       /* "cost_us", > 0 */
	unsigned line;
};

struct wl_island_mem {
	char *pool;             /* "pool": a name of "mem_pools" */
	uint32_t pool_index;
	uint64_t pages;         /* "pages", > 0 */
	unsigned line;
};

/* How a realtime island holds its CPUs ("mode") and what its depleted SCs do
 * ("overrun": enum wl_overrun). */
struct wl_island {
	char *name;
	char *group;            /* "group": the owner, a group of the workload */
	uint64_t cpus;          /* "cpus" */
	int shared;             /* "mode": "leased" (0, default) or "shared" (1) */
	enum wl_overrun overrun;/* "overrun": "throttle" (default), "demote", "notify" */
	struct wl_island_member *members;
	size_t nr_members;
	char **servers;         /* "servers": task names */
	int *server_task;       /* ... their indices in tasks */
	size_t nr_servers;
	struct wl_island_path *paths;
	size_t nr_paths;
	char **irqs;            /* "irqs": names of IRQ sources ... */
	uint32_t *irq_index;    /* ... their indices in irqs */
	size_t nr_irqs;
	struct wl_island_mem *mem;
	size_t nr_mem;
	uint64_t at_ns;         /* "at_us": when it is admitted, default 0 (before any start) */
	int requested;          /* a policy request asks for it: schedsim does not admit it
				 * itself (at_ns is not used) */
	unsigned line;
};

/*
 * The policy service (docs/schedsim.md, "The policy service"): a request a task's threads
 * make (libsched's enum sched_req_kind), a fault of the service, a task graph, and the
 * top-level "policy" section.
 */
enum wl_req_kind { WL_REQ_PROFILE, WL_REQ_ADMIT_SC, WL_REQ_BUDGET, WL_REQ_LEASE,
		   WL_REQ_LEASE_REVOKE, WL_REQ_ISLAND, WL_REQ_GRAPH, WL_REQ_EXPLAIN, WL_REQ_NR };

struct wl_request {
	enum wl_req_kind kind;  /* "kind" */
	uint64_t at_ns;         /* "at_ms": made no earlier than this (default 0) */
	uint64_t timeout_ns;    /* "timeout_ms", 0: the service's */
	char *profile;          /* PROFILE: "profile", NULL: the rules' choice */
	char *target;           /* "for": the task (of one instance) it is for, NULL: itself */
	int target_task;        /* ... its index, or -1 */
	char *sc;               /* BUDGET: "sc", the task whose SC it changes, NULL: itself */
	int sc_task;            /* ... its index, or -1 */
	uint64_t budget_ns, period_ns, deadline_ns; /* ADMIT_SC, BUDGET: "budget_us", ... */
	uint64_t cpus;          /* ADMIT_SC: its CPUs (0: all); LEASE: those asked */
	char *name;             /* GRAPH: "graph"; ISLAND: "island" (a "libsched" island) */
	int index;              /* ... its index in policy.graphs or islands */
	unsigned line;
};

enum wl_fault_kind { WL_FAULT_STALL, WL_FAULT_DIE, WL_FAULT_RESTART };

struct wl_fault {
	enum wl_fault_kind kind;
	uint64_t at_ns;         /* "at_ms" */
	uint64_t stall_ns;      /* STALL: "stall_ms" */
	unsigned line;
};

/* A stage of a graph: its task, the budget it narrows (or none: a fair stage), its cost. */
struct wl_graph_node {
	char *task;             /* "task": a task of one instance, its program the loader's */
	int task_index;
	char *budget;           /* "budget": the task whose SC is this stage's budget, or NULL */
	int budget_task;        /* ... its index, or -1 */
	uint64_t cost_ns;       /* "cost_ms": the stage's work per instance (its budget) */
	int queue;              /* "queue": its work queue's CPU, or -1: any */
	unsigned prio;          /* "prio": a fair stage's priority, 0 .. 99 (default 50) */
	unsigned line;
};

/* A chain of stages with an end-to-end deadline (libsched's struct sched_graph). */
struct wl_graph {
	char *name;             /* "name" */
	char *coordinator;      /* "coordinator": the task whose requests name it */
	int coordinator_task;
	uint64_t period_ns;     /* "period_ms": node 0 is released this often */
	uint64_t deadline_ns;   /* "deadline_ms": release to the last stage's end (default the
				 * period) */
	struct wl_graph_node *nodes;
	size_t nr_nodes;
	unsigned line;
};

struct wl_policy_section {
	char *manifest;         /* the manifest's text (read from its file, or the lines given) */
	char *manifest_name;    /* its path as written, or "manifest" for inline lines */
	unsigned cpu;           /* service "cpu": the service's thread runs there (its affinity) */
	int nice;               /* service "priority": its nice value */
	uint64_t cost_ns;       /* service "cost_us": CPU per request */
	uint64_t latency_ns;    /* service "latency_us": no answer sooner than this after the
				 * take */
	uint64_t timeout_ns;    /* service "timeout_ms": the queue's default request timeout */
	struct wl_fault *faults;/* service "faults", in order of at_ns */
	size_t nr_faults;
	unsigned slots;         /* "slots": the request queue's size */
	struct wl_graph *graphs;
	size_t nr_graphs;
	struct wl_task service; /* the service's task (its program is the loader's WL_SERVE) */
	unsigned line;
};

struct workload {
	int64_t duration_ns;    /* global "duration" in s; -1 = until every task ends */
	int pi_enabled;         /* global "pi_enabled" (rt-app's default false): mutexes lend
				 * their waiters' scheduling to the owner (SCHED_MUTEX_PROXY),
				 * else they lend nothing (SCHED_MUTEX_PLAIN) */
	struct wl_task *tasks;
	size_t nr_tasks;
	/* the resources the events name, each table sorted by name, without repeats; the
	 * names point into the events' strings */
	const char **mutexes;
	size_t nr_mutexes;
	const char **conds;
	size_t nr_conds;
	struct wl_barrier *barriers;
	size_t nr_barriers;
	const char **timers;    /* shared timers (a ref not starting with "unique"), by name */
	size_t nr_timers;
	/* the cost of rt-app's "mem" and "iorun" (top-level "libsched" "mem_mb_s" and
	 * "io_call_us", and global "mem_buffer_size") */
	uint64_t mem_mb_s;      /* memory write bandwidth, MB/s (10^6 bytes) */
	uint64_t io_call_ns;    /* one write() to rt-app's io_device */
	uint64_t mem_buffer;    /* bytes per write(): global "mem_buffer_size" */
	/* the top-level "libsched" section, in file order */
	struct wl_group *groups;
	size_t nr_groups;
	struct wl_ring *rings;
	size_t nr_rings;
	struct wl_lease *leases;
	size_t nr_leases;
	struct wl_irq *irqs;    /* "irqs", in file order */
	size_t nr_irqs;
	struct wl_mem_pool *mem_pools; /* "mem_pools", in file order */
	size_t nr_mem_pools;
	struct wl_island *islands;     /* "islands", in file order */
	size_t nr_islands;
	struct wl_policy_section *policy; /* the top-level "policy" section, or NULL */
};

/* Returns 0, or -1 with a one-line message "FILE:LINE: key 'K': what is wrong" in err.
 * Reads at most WL_MAX_FILE_SIZE bytes: a larger file, or one that never ends, is refused. */
int wl_load_file(const char *path, struct workload *out, char *err, size_t errlen);
/* Same, from a NUL-terminated buffer of at most WL_MAX_FILE_SIZE bytes (a longer one is
 * refused); `name` is used in messages. */
int wl_load_string(const char *name, const char *text, struct workload *out, char *err,
		   size_t errlen);
void wl_free(struct workload *w);

/* True if tasks a and b name the same trust domain (both untagged included). */
int wl_same_cookie(const struct wl_task *a, const struct wl_task *b);
/* An order on the tasks' cookie values (untagged first), 0 exactly when wl_same_cookie:
 * to sort or group tasks by cookie in O(n log n). */
int wl_cmp_cookie(const struct wl_task *a, const struct wl_task *b);

#endif
