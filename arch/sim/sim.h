/* SPDX-License-Identifier: MIT */
/*
 * sim.h - the deterministic discrete-event machine behind schedsim, the tests and the
 * benchmarks. It is a kernel in miniature: it implements the arch hooks, embeds
 * struct sched_thread in its own thread object, and calls libsched at the same scheduling
 * points a real kernel does. Host-side only.
 *
 * Determinism: one integer nanosecond clock, events ordered by (time, seeded tie-break key,
 * insertion order). The same workload, configuration and seed give the same run, byte for
 * byte; a different seed changes only the order of events that fall on the same instant.
 */
#ifndef SCHEDSIM_SIM_H
#define SCHEDSIM_SIM_H

#include <sched/explain.h>
#include <sched/island.h>
#include <sched/policy.h>
#include <sched/sched.h>

#include "workload.h"

struct sim_config {
	unsigned cpus;            /* logical CPUs, 1 .. SCHED_MAX_CPUS */
	unsigned smt;             /* hardware threads per core (siblings), >= 1 */
	uint64_t seed;
	const char *policy;       /* fair-class policy name, NULL = library default */
	uint64_t ipi_latency_ns;  /* IPI delivery delay (default 0) */
	uint64_t switch_cost_ns;  /* CPU time lost at each context switch (default 0) */
	uint64_t timer_cost_ns;   /* CPU time lost at each timer interrupt (default 0) */
	bool bench_mode;          /* benchmark mode: libsched gets no trace callback
				   * (sched_config.trace left NULL), so no latency records */
	bool core_sched;          /* SMT core scheduling (sched_config.core_sched): workload
				   * cookies are given to threads only when it is on */
	bool core_protect;        /* kernel protection (sched_config.core_protect): every event
				   * is a kernel entry and exit on its CPU (see sim.c) */
	uint64_t fair_spread_ns;  /* sched_config.fair_spread_ns; 0 = the library's default */
	uint64_t rt_runtime_ns;   /* sched_config.rt_runtime_ns (throttling, admission cap);
				   * 0 = the library's default, SCHED_RT_UNLIMITED = off */
	uint64_t rt_period_ns;    /* sched_config.rt_period_ns; 0 = the library's default */
	bool admission;           /* SC admission (sched_sc_admission, first fit): sim_load
				   * gives scratch for the SC pool; a SCHED_DEADLINE thread whose
				   * SC is refused is not started (sim_thread.refused). Off (false)
				   * by default here; schedsim turns it on unless --admission off */
	uint8_t dl_dispatch;      /* enum sched_sc_dispatch of SCHED_DEADLINE threads' SCs:
				   * SCHED_SC_GLOBAL (0, default) or SCHED_SC_PARTITIONED */
	bool job_records;         /* keep a record of every completed job of a periodic task
				   * (sim_thread.jobs.log), for rt-app logs; its response time
				   * is kept either way */
	bool plain_wakes;         /* the simulator's own wakes (IPC, synchronous IPC, join,
				   * reap) pass SCHED_WAKE_PARK instead of their reason, so that
				   * libsched places them by the plain rule: the baseline the
				   * reasons' rules are measured against (bench/bench_wake.c) */
	uint64_t max_events;      /* event budget: sim_run_until handles at most this many
				   * events (sim.events); one more due stops the run
				   * (sim.stopped). 0 = no budget */
	unsigned explain;         /* decision records kept (sched_explain_start over a ring of
				   * this many, a power of two), 0 = none */
	struct sched_fair_params policy_default; /* the policy queue's default profile (what a
				   * profile request unanswered in time gets): schedsim gives its
				   * manifest's default; zero is nice 0 */
};

/*
 * One job of a periodic task (docs/schedsim.md, "Job-level deadline accounting"): from its
 * release (a tick of the loop's first timer event, or the thread's start) to its
 * completion (the thread reaches that timer event again, or its program ends). The rt-app
 * log columns come from it (its window runs from `begin`, the timer call that waited for
 * the release, to `end`).
 */
struct sim_job {
	sched_time_t release;     /* the tick as planned (not when the thread got the CPU) */
	sched_time_t deadline;    /* release + dl-deadline, or + the timer's period */
	sched_time_t begin;       /* the timer call that released it (the previous job's end),
				   * or its start for the first job */
	sched_time_t start;       /* first instant it ran; SCHED_TIME_NEVER until then */
	sched_time_t end;         /* completion */
	uint64_t run_ns;          /* wall time inside its run and runtime events */
	uint64_t work_ns;         /* CPU time those events got */
	uint64_t c_duration_ns;   /* the configured durations of those events (file's only) */
	uint64_t c_period_ns;     /* the periods of the timer events in its window */
	bool tick;                /* released by a tick (else by the thread's start) */
	bool slept;               /* it waited for its release (else it was late: ran on) */
};

/*
 * Latencies (ns) in memory that does not grow with the run: the first SIM_LAT_EXACT
 * samples as they are (a short run's percentiles are exact), then a log-linear histogram
 * of SIM_LAT_SUB buckets per power of two up to 2^SIM_LAT_TOP_LOG2 ns (longer ones in its
 * top bucket). A percentile from the histogram is its bucket's upper end, at most
 * 1/SIM_LAT_SUB (6.25 %) above the sample's value, and never above the exact maximum.
 * At most SIM_LAT_BUCKETS x 4 bytes (2.3 KiB), or the 2 KiB of samples,, whatever the duration.
 */
#define SIM_LAT_EXACT 256
#define SIM_LAT_SUB_LOG2 4
#define SIM_LAT_SUB (1u << SIM_LAT_SUB_LOG2)
#define SIM_LAT_TOP_LOG2 40
#define SIM_LAT_BUCKETS (SIM_LAT_SUB * (SIM_LAT_TOP_LOG2 - SIM_LAT_SUB_LOG2 + 1))
struct sim_lat {
	uint64_t n, max;          /* samples; the largest */
	uint64_t *v;              /* n <= SIM_LAT_EXACT: the samples (NULL while none) */
	uint32_t *bucket;         /* n > SIM_LAT_EXACT: the histogram (v freed) */
};

void sim_lat_add(struct sim_lat *l, uint64_t ns);
uint64_t sim_lat_pct(struct sim_lat *l, unsigned p); /* nearest rank, p in 0..100; 0: none */
void sim_lat_free(struct sim_lat *l);

/* The jobs of a thread whose task is periodic (its loop has a timer event). */
struct sim_jobs {
	bool periodic;
	unsigned phase, event;    /* the job boundary: the loop's first timer event */
	uint64_t deadline_ns;     /* relative deadline */
	bool open;                /* `cur` is in progress (released, or waiting for release) */
	struct sim_job cur;
	sched_time_t ev_begin;    /* wall instant the current run / runtime event began */
	uint64_t completed, late; /* completed jobs; those completed after their deadline */
	int64_t lateness_max_ns;  /* over completed jobs (INT64_MIN: none yet) */
	struct sim_lat resp;      /* response times of the completed jobs */
	struct sim_job *log;      /* cfg.job_records: the completed jobs, in order */
	size_t nr_log, cap_log;
};

struct sim_island;
struct sim_request;

/* Where the policy service's thread is in a request (docs/schedsim.md, "The policy
 * service"). */
enum sim_svc_state {
	SIM_SVC_TAKE,   /* taking the oldest pending request (or parked: none) */
	SIM_SVC_COST,   /* running the request's cost (run_left) */
	SIM_SVC_WAIT,   /* waiting for its latency to pass since the take */
};

/* Where a requester is in its current request. */
enum sim_req_state {
	SIM_REQ_BEFORE, /* waiting for the request's instant */
	SIM_REQ_WAIT,   /* submitted: parked until the answer or the deadline */
};

struct sim_thread {
	struct sched_thread st;   /* embedded, as a kernel does */
	struct sim *sim;
	const struct wl_task *task; /* NULL: a thread the caller drives by hand */
	unsigned instance;
	uint32_t id;              /* 1-based index; trace tid */
	/* program counter into task->phases */
	int loops_left;           /* task loops still to run (-1 forever) */
	unsigned phase, phase_loop, event;
	sched_time_t t_first;     /* when it started (after its delay): rt-app's t_first */
	uint64_t rng_run;         /* its streams (dist.h), from cfg.seed and its id: the lengths
				   * of its runs (task->run_dist) ... */
	uint64_t rng_release;     /* ... and its release offset and timer jitter */
	uint64_t offset_ns;       /* its start's offset after the task's delay (a draw in
				   * [0, task->release_offset_ns]) */
	bool event_started;
	unsigned stage;           /* mutex, condition and barrier events: the libsched calls
				   * of the event done so far (a lock, say, then a wait); the
				   * thread waits in libsched after the last one when > 0 and
				   * the event is not finished */
	uint64_t run_left;        /* WL_RUN, WL_POLL: CPU ns still to consume */
	uint64_t poll_work;       /* a poller: CPU ns of the entries its last pass consumed,
				   * spent before its next look at the ring */
	sched_time_t runtime_end; /* WL_RUNTIME: wall instant the event ends */
	bool suspended;           /* a libsched.ipc task's thread blocked in a suspend
				   * (sched_block or sched_call): its IPC needs a plain block,
				   * so it waits outside the condition variable ... */
	uint32_t suspended_on;    /* ... of this index (workload.conds), for resume */
	bool done;
	uint64_t loops;           /* completed task loops */
	sched_time_t *timer_next; /* per-event next expiry for the loader's own WL_TIMER events
				   * (a graph stage's, without a ref), by index */
	sched_time_t *unique_timers; /* its "unique..." timers (wl_event.timer), next expiry */
	/* rt-app's per-phase settings: the phase whose settings it took last (-1: none yet),
	 * and the affinity and scheduling it has now */
	int sched_phase;
	uint64_t cur_cpus;        /* a mask as "cpus", 0: every CPU */
	enum wl_policy cur_policy;
	int cur_prio;             /* SCHED_FIFO / SCHED_RR: its priority */
	struct wl_deadline cur_dl;/* SCHED_DEADLINE: its reservation */
	bool sc_bound;            /* its own SC (has_sc) is bound to it */
	/* SCHED_DEADLINE: the SchedulingContext bound to it at creation (endpoint = id) */
	bool has_sc;
	struct sched_sc_cap sc;
	struct sched_refill *refills; /* its refill ring, task->dl.refills entries */
	bool has_verdict;         /* its SC configure ran: `verdict` says what admission decided */
	bool refused;             /* admission refused its SC (-SCHED_EUNSCHED): never started */
	struct sched_sc_verdict verdict;
	bool program_wait;        /* its program blocked it (sleep, timer, suspend, call) and it
				   * has not run since: not blocked by an SC fault */
	uint64_t faults;          /* NOTIFY_BLOCK depletions notified; the release event that
				   * carries the latest one wakes it */
	struct sim_thread *caller;/* libsched.ipc: the thread that called it (its reply goes
				   * back with sched_reply, which returns a lent SC) */
	/* a realtime island's member (docs/schedsim.md, "Realtime islands"): its island and
	 * member index, and once admitted the member SC bound to it */
	struct sim_island *island;
	unsigned member;
	bool island_bound;
	struct sched_sc_cap island_sc;
	/* the policy service: an SC and a lease its requests got (policy_sc: the latest SC
	 * served for it, READ | BIND), its requests (req_next: the next one), and, for the
	 * service's own thread, the request it works on */
	bool policy_bound;
	struct sched_sc_cap policy_sc;
	bool has_lease;
	struct sched_lease_cap lease;
	struct sim_request *requests; /* its task's requests, made in order before its program */
	unsigned req_next;
	uint8_t req_state;        /* enum sim_req_state */
	uint8_t svc_state;        /* enum sim_svc_state (the service's thread) */
	bool svc_attached;
	struct sched_ticket svc_ticket;
	struct sched_request svc_req;
	struct sched_ref svc_who;
	sched_time_t svc_taken;
	uint64_t stage_pending;   /* a graph stage: signals of its previous stage not consumed */
	struct sim_lat lat;       /* wake-to-run latencies, recorded from trace events */
	struct sim_jobs jobs;     /* periodic tasks: job-level deadline accounting */
	uint8_t woke_why;         /* the reason of its latest wake (sim.wakes_by) ... */
	uint16_t ran_on;          /* ... and 1 + the CPU it last ran on, 0: none yet */
	uint32_t joining;         /* in a join or reap event: 1 + the index of the task whose
				   * thread's end it waits for; 0 otherwise */
	enum sched_wake_reason join_why; /* ... and the reason that end wakes it with */
};

/*
 * A polling ring of the workload (docs/schedsim.md, "Leases and rings"). libsched keeps its
 * consumer and whether it parks (r); the entries are the kernel's, so the simulator keeps
 * them: each entry's submit instant, until its consumer takes it.
 */
struct sim_ring {
	struct sched_ring r;
	const struct wl_ring *wl;
	struct sim_thread *consumer; /* its poller's thread, NULL: none */
	sched_time_t *queue;      /* submit instants of the entries not consumed yet, oldest
				   * first: nr of them in a buffer of cap */
	size_t nr, cap;
	struct sim_lat lat;       /* submit-to-consume latency of the entries consumed */
	uint64_t published;       /* entries published */
	uint64_t dropped;         /* entries a submission could not publish: the ring was full */
	uint64_t submit_calls;    /* sched_ring_submit calls ... */
	uint64_t submit_unparked; /* ... that unparked the consumer (answered 1) ... */
	uint64_t submit_refused;  /* ... and that failed (no live consumer: -SCHED_ESTATE) */
	uint64_t parked;          /* polls that parked the consumer (it left its CPU) */
	uint64_t *source_done;    /* submissions made by each of wl->sources */
};

/* Where a lease of the workload is (docs/schedsim.md, "Leases and rings"). */
enum sim_lease_state {
	SIM_LEASE_PLANNED,  /* its grant is to come */
	SIM_LEASE_REFUSED,  /* libsched refused the grant (err) */
	SIM_LEASE_LIVE,     /* granted: PENDING or ACTIVE in libsched */
	SIM_LEASE_REVOKED,  /* revoked (by the workload, or by its holder thread's exit) */
};

/* What a lease's CPUs counted over a stretch of time, summed over its CPUs. */
struct sim_lease_counts {
	uint64_t timer_irqs;      /* SCHED_CNT_TIMER_IRQ */
	uint64_t stop_lease;      /* SCHED_CNT_NOHZ_STOP_LEASE */
	uint64_t restarts;        /* SCHED_CNT_NOHZ_RESTART */
	uint64_t nohz_ns;         /* time with the tick stopped (sim_cpu_nohz_ns) */
};

/*
 * A lease's CPUs: over its span (from just before its grant to its revocation, or now)
 * and its active window (from the end of the event in which it became ACTIVE to its
 * revocation, or now), with what they ran in the window.
 */
struct sim_lease_window {
	struct sim_lease_counts span, active;
	uint64_t holder_ns;       /* time they ran the holder's threads ... */
	uint64_t other_ns;        /* ... other threads (never, if libsched keeps the lease) ... */
	uint64_t idle_ns;         /* ... nothing */
};

struct sim_lease {
	const struct wl_lease *wl;
	uint8_t state;            /* enum sim_lease_state */
	int err;                  /* the refusal of the grant or the revocation, or 0 */
	unsigned retries;         /* grants answered -SCHED_EAGAIN (tried again 1 us later) */
	const char *err_call;     /* the call that refused */
	unsigned call_cpu;        /* the CPU its grant and revocation are issued on */
	sched_cpumask_t cpus;
	struct sim_thread *holder;   /* a thread holder, or NULL ... */
	struct sched_ref holder_ref; /* ... and the kernel's handle of it, from its creation */
	struct sched_group *group;   /* a group holder, or NULL */
	struct sched_group *owner;   /* what revoke_owned names (wl->owner), or NULL */
	struct sched_group *target;  /* the accounting target (wl->target), or NULL */
	struct sched_lease_cap cap;
	bool has_info;
	struct sched_lease_info info; /* the last copy sched_lease_info gave while it was live */
	bool active;              /* seen ACTIVE: its window is open (or was) */
	sched_time_t win_at;      /* the window's time is attributed up to here */
	int8_t who[SCHED_MAX_CPUS]; /* what each CPU ran at win_at: 0 idle, 1 holder, 2 other */
	uint64_t span_base[4];    /* counters before the grant (timer, stop, restart, nohz) */
	uint64_t win_base[4];     /* ... at the window's start */
	uint64_t win_end[4];      /* ... at the revocation */
	uint64_t pre_end[4];      /* ... as taken before a call that may revoke it */
	struct sim_lease_window win; /* its time figures (holder, other, idle) */
	sched_time_t revoked_at;  /* SCHED_TIME_NEVER while not revoked */
	uint8_t cause;            /* libsched's record of why (enum sched_lease_cause) */
	uint64_t ret_base[SCHED_MAX_CPUS];    /* SCHED_CNT_LEASE_RETURNS before the revocation */
	uint64_t ret_ns_base[SCHED_MAX_CPUS]; /* SCHED_CNT_LEASE_RETURN_NS likewise */
	sched_cpumask_t returning; /* its CPUs not back in general use yet */
	sched_time_t returned_at; /* the last of them came back (SCHED_TIME_NEVER: not yet) */
	uint64_t return_ns;       /* revocation latency, the largest over its CPUs ... */
	uint64_t return_sum_ns;   /* ... and summed over them */
	uint64_t foreign;         /* events after which an ACTIVE CPU of it ran another thread */
	bool outlived;            /* its revocation returned, and left it live */
};

/*
 * An IRQ source of the workload (docs/schedsim.md, "IRQ sources"): where it is routed, and
 * what it did. Its firings are events of the CPU it is routed to when they come.
 */
struct sim_irq {
	const struct wl_irq *wl;
	unsigned route;           /* the CPU it fires on now */
	bool reserved;            /* a realtime island holds it (sched_config.island_irq) */
	sched_time_t next;        /* the instant of its next firing, as planned */
	uint64_t rng;             /* its jitter's own generator (not --seed's) */
	uint64_t fired;           /* firings handled */
	uint64_t handler_ns;      /* the time their handlers took */
	uint64_t max_delay_ns;    /* the longest a firing waited for its handler (the CPU was
				   * in another handler) */
	uint64_t moves;           /* routing changes */
	uint64_t on_cpu[SCHED_MAX_CPUS]; /* firings handled per CPU */
};

/* Where a realtime island of the workload is. */
enum sim_island_state {
	SIM_ISLAND_PLANNED,  /* its admission is to come */
	SIM_ISLAND_ADMITTED, /* sched_island_admit accepted it */
	SIM_ISLAND_REFUSED,  /* ... refused it (verdict, explain) */
};

/*
 * A realtime island of the workload (docs/schedsim.md, "Realtime islands"): what schedsim
 * asked sched_island_admit (p and its arrays, kept for sched_island_explain's names), what
 * it answered, and the notifications its endpoint got.
 */
struct sim_island {
	const struct wl_island *wl;
	uint8_t state;            /* enum sim_island_state */
	int err;                  /* the refusal's error */
	unsigned retries;         /* admissions answered -SCHED_EAGAIN (asked again 1 us later) */
	unsigned call_cpu;        /* the CPU its admission is issued on (outside its CPUs) */
	sched_time_t at;          /* when admission ran */
	uint32_t endpoint;        /* its notification endpoint: SIM_ISLAND_ENDPOINT + index */
	struct sched_island_params p;
	struct sched_island_member *members;
	struct sched_island_server *servers;
	struct sched_island_path *paths;
	struct sched_island_irq *irqs;
	struct sched_island_mem *mem;
	struct sched_refill *refills; /* one per member SC (CBS) */
	struct sched_island_verdict verdict;
	struct sched_island_cap cap;
	char explain[256];        /* sched_island_explain of the verdict ("admitted" too) */
	uint64_t notified[4];     /* messages to its endpoint by kind: 1 depleted, 2 timeout
				   * (enum sched_sc_msg), 3 violation (SCHED_ISLAND_MSG_VIOLATION) */
};

/*
 * One request a thread of the workload makes (docs/schedsim.md, "The policy service"):
 * what it asked, when, and what it got back.
 */
enum sim_request_state {
	SIM_RQ_PLANNED,   /* not made yet */
	SIM_RQ_PENDING,   /* submitted, no answer collected yet */
	SIM_RQ_ANSWERED,  /* its answer is collected (ans) */
	SIM_RQ_REFUSED,   /* the submission was refused (submit_err) */
};

struct sim_request {
	const struct wl_request *wl;
	struct sim_thread *requester;
	uint8_t state;            /* enum sim_request_state */
	int submit_err;
	struct sched_request req; /* what was submitted */
	struct sched_ticket ticket;
	sched_time_t submitted;   /* when sched_policy_submit returned */
	sched_time_t deadline;    /* submitted + its timeout: when its default applies */
	sched_time_t collected;   /* when the requester read its answer */
	struct sched_answer ans;
	uint32_t served_by;       /* the service thread that answered it (its id), 0: none */
	struct sched_sc_cap made_sc; /* the SC the service made for it (index SCHED_NO_SC: none) */
	struct sim_island *island;  /* an island request: the island asked for */
	unsigned explained;       /* EXPLAIN: the records about its thread the service read */
};

/* A fault of the policy service, and what it did. */
struct sim_fault {
	const struct wl_fault *wl;
	bool done;
	uint32_t thread;          /* DIE: the thread it ended; RESTART: the thread it made (id) */
};

/* Where a task graph of the workload is. */
enum sim_graph_state {
	SIM_GRAPH_PLANNED,  /* its coordinator has not asked (yet) */
	SIM_GRAPH_ASKED,    /* asked, no answer yet */
	SIM_GRAPH_MAPPED,   /* the service mapped it: its stages run on their narrowed budgets */
	SIM_GRAPH_REFUSED,  /* refused (err): nothing changed */
};

/*
 * A task graph (docs/schedsim.md, "Task graphs"): what its coordinator asked (g, built
 * when the request is made), the budgets' parameters before and after, and each instance's
 * end-to-end latency: node 0's release (its timer's tick) to the last stage's end.
 */
struct sim_graph {
	const struct wl_graph *wl;
	uint8_t state;            /* enum sim_graph_state */
	int err;
	struct sched_graph g;
	struct sched_sc_params before[SCHED_GRAPH_NODES_MAX]; /* per node: its budget's SC when
				   * asked ... */
	struct sched_sc_params after[SCHED_GRAPH_NODES_MAX];  /* ... and when answered */
	bool changed;             /* an answer changed a budget's parameters */
	sched_time_t asked_at, answered_at;
	sched_time_t *release;    /* node 0's releases, in order */
	size_t nr_release, cap_release;
	uint64_t *latency;        /* end-to-end latency of each completed instance, in order */
	size_t nr_done;
	struct sim_thread *stage[SCHED_GRAPH_NODES_MAX]; /* each node's thread */
};

/* The policy service (docs/schedsim.md, "The policy service"): libsched's queue over the
 * machine's slots, the service's threads, and what they did. */
struct sim_service {
	const struct wl_policy_section *wl;
	struct sched_policy q;
	struct sched_policy_slot *slots;
	struct sim_request **by_slot;  /* the request last submitted into each slot */
	struct sched_authority fallback; /* SCHED_RIGHT_FAIR only: applies the default profile */
	struct sim_thread *thread;   /* the live service thread, NULL while there is none */
	sched_time_t stall_until;    /* a stall fault blocks it until here */
	unsigned instances;          /* service threads made (restarts + 1) */
	struct sim_fault *faults;
	uint64_t taken, served, denied, late, stale; /* the service's own counts: requests
				   * taken, answered by serve, by deny, answered past their deadline
				   * (the library applied the default), and answers that found the
				   * request defaulted already or the service replaced */
	uint64_t swept;           /* defaults the port's sweep applied (sched_policy_expire) */
	struct sched_refill *refills; /* the SCs it makes for PROFILE and ADMIT_SC: 8 each */
	size_t nr_refills, used_refills;
	/* how it decides: the manifest (schedsim's), or, without a decider, what was asked */
	int (*decide)(struct sim *sim, void *ctx, const struct sched_request *r,
		      const struct sim_thread *requester, const struct sim_thread *target,
		      struct sched_decision *d, bool *make_sc); /* sim_decide_fn */
	void *decide_ctx;
};

/* Island endpoints lie above every thread id (a thread's SC notifies its thread's id). */
#define SIM_ISLAND_ENDPOINT 0x40000000u

/* Why an IRQ source moved (sim_irq_move.why). */
enum sim_irq_why {
	SIM_IRQ_LEASED,     /* lease_port: its CPU was leased, it went to housekeeping */
	SIM_IRQ_BACK,       /* lease_port: its default CPU was given back */
	SIM_IRQ_RESERVE,    /* island_irq: reserved for a realtime island, routed there */
	SIM_IRQ_RELEASE,    /* island_irq: released, back to its default route */
};

/* One routing change, in order. */
struct sim_irq_move {
	sched_time_t at;
	uint32_t irq;             /* index in sim.irqs */
	uint16_t from, to;
	uint8_t why;              /* enum sim_irq_why */
};

struct sim_cpu {
	struct sched_thread idle;
	struct sim_thread *curr;  /* NULL while idle */
	sched_time_t run_start;   /* curr makes progress from here on (after overheads) */
	sched_time_t timer;       /* armed deadline, SCHED_TIME_NEVER if none */
	sched_time_t timer_queued;/* instant of the newest timer event (generation timer_gen)
				   * not yet handled, SCHED_TIME_NEVER if none */
	uint64_t timer_gen;       /* timer events of an older generation are stale */
	uint64_t done_gen;        /* invalidates the pending completion event */
	/* kernel protection (cfg.core_protect): the simulator's own view of the CPU's mode */
	uint8_t mode;             /* enum sim_mode */
	bool waiting;             /* SIM_KERNEL: entered, waiting for kernel_safe (stalled) */
	bool stalled;             /* waiting or SIM_LEAVING: curr makes no progress */
	uint64_t stalls;          /* entries and exits that had to wait */
	uint64_t stalled_ns;      /* time spent waiting in them */
	sched_time_t stall_start;
	/* IRQ handlers (sim.irqs): the CPU is in one from irq_start to irq_until (0: in
	 * none), with interrupts off: its other events wait for the end. The thread libsched
	 * had current then is not charged for it (sched_irq_exit, from irq_end in sim.c). */
	sched_time_t irq_start, irq_until;
	bool irqs_leased;         /* lease_port moved its IRQs away (SCHED_LEASE_PORT_IRQS) */
	uint64_t irqs;            /* handlers run here */
	uint64_t irq_ns;          /* their time */
	uint64_t irq_idle_ns;     /* ... of it while the CPU was idle (the rest was taken from
				   * a thread) */
	uint64_t irq_unbilled_ns; /* handler time taken back from libsched's charges (irq_end):
				   * busy + idle + this = the time simulated, exactly */
};

/* Where a CPU is, as the simulator models kernel protection. */
enum sim_mode {
	SIM_USER,    /* running its current thread's user code (or the idle loop) */
	SIM_KERNEL,  /* in the kernel: handling an event, or waiting to (sim_cpu.waiting) */
	SIM_LEAVING, /* done, but sched_core_exit_kernel said -SCHED_EBUSY: spinning */
};

struct sim;

/* sim_post: a call the test makes "on" a CPU, as a system call would (see sim_post). */
typedef void (*sim_call_fn)(struct sim *sim, unsigned cpu, void *arg);

struct sim_event;

struct sim {
	struct sim_config cfg;
	struct sched_sys sys;
	struct sched_rq rq[SCHED_MAX_CPUS];
	struct sim_cpu cpu[SCHED_MAX_CPUS];
	sched_time_t now;
	unsigned cur_cpu;         /* the CPU whose event is being handled */
	uint64_t events;          /* events handled */
	bool stopped;             /* the run was cut short: cfg.max_events spent, or set by
				   * after_event (a wall-clock budget); sim_run_until then
				   * handles nothing more and leaves `now` at the last event */
	uint64_t rng;
	uint64_t seq;
	struct sim_event *heap;
	size_t nr_heap, cap_heap;
	struct sim_thread **threads;
	size_t nr_threads;
	struct sched_rt_task *admit; /* cfg.admission: the scratch given to libsched, one entry
				   * per SC of the pool and one more */
	struct sched_sc *scs;     /* the SC pool sim_load gave, one slot per SCHED_DEADLINE
				   * thread (NULL without any, or if the caller gave one) */
	struct sched_group all;   /* "rt-app": tasks without a libsched.group */
	struct sched_group *groups; /* one per distinct libsched.group name: fairness groups */
	char **group_names;
	struct sched_group_cpu **group_cpu; /* their per-CPU storage */
	size_t nr_groups;
	const struct workload *wl;
	sched_time_t *timers;     /* rt-app's timers shared by name (workload.timers): the next
				   * expiry of each, for every thread that names it */
	unsigned *forked;         /* per task: threads its fork events started so far */
	uint64_t *unjoined;       /* per task: its threads' ends no join or reap took yet ... */
	uint32_t *joiners;        /* ... and the threads waiting for one (join, reap) */
	/* wakes by reason (bench/bench_wake.c reads them), from the trace: how many,
	 * those placed on another CPU than the thread last ran on, and their wake-to-run
	 * latencies (the record and their sum). A wake the simulator makes counts under the
	 * reason it means, also when cfg.plain_wakes passes SCHED_WAKE_PARK for it. */
	struct sim_wake_stats {
		uint64_t wakes, migrations, lat_ns;
		struct sim_lat lat;
	} wakes_by[SCHED_WAKE_NR];
	uint8_t wake_as;          /* 1 + the reason of the simulator's wake under way, 0: none */
	size_t thread_phases;     /* the sum over threads of their task's phases, which forks
				   * may not take past WL_MAX_THREAD_PHASES */
	/* the workload's resources, one per name (workload.mutexes, .conds, .barriers, same
	 * order): libsched keeps pointers to them, so they never move */
	struct sched_mutex *mutexes;
	struct sched_cond *conds;
	uint32_t *parked;         /* per condition: libsched.ipc threads suspended on it, so
				   * that a resume or call looks for them only when there are */
	struct sched_barrier *barriers;
	/* a workload that cannot go on as rt-app would (libsched refused a wait: a cycle of
	 * mutex owners, say): what happened, and the run is stopped (sim.stopped); empty
	 * otherwise */
	char error[256];
	bool check_each_step;     /* run sched_check() after every event; abort on failure */
	void (*after_event)(struct sim *sim, void *arg); /* tests: called after every event */
	/* SC notifications (the sched_config.notify callback the simulator installs): counted,
	 * and passed to on_notify if set */
	uint64_t notifications;
	uint32_t last_endpoint;
	uint64_t last_message;
	void (*on_notify)(struct sim *sim, uint32_t endpoint, uint64_t message);
	void *hook_arg;
	/* every libsched trace event, as the trace callback gets it (none with
	 * cfg.bench_mode), passed to on_trace if set, with trace_arg (schedsim --trace) */
	void (*on_trace)(struct sim *sim, const struct sched_trace_event *ev, void *arg);
	void *trace_arg;
	/* periodic tasks' jobs ("Job-level deadline accounting"), for schedsim --svg: called
	 * when t's job is released (t->jobs.open; jobs.cur.release and .deadline set) and when
	 * it completes (!t->jobs.open; jobs.cur.end set), with job_arg */
	void (*on_job)(struct sim *sim, const struct sim_thread *t, void *arg);
	void *job_arg;
	/* admission decisions, for schedsim --trace: a SCHED_DEADLINE thread's SC configured
	 * (t; accepted or refused in t->verdict) or an island's admission settled (is, in
	 * is->verdict; not its -SCHED_EAGAIN retries), with admit_arg */
	void (*on_admit)(struct sim *sim, const struct sim_thread *t, const struct sim_island *is,
			 void *arg);
	void *admit_arg;
	/* core scheduling: the simulator's own check after every event (always on with
	 * cfg.core_sched; see sim_core_check). A broken invariant prints a message and aborts,
	 * or, if set, calls on_violation with the message instead (tests fail with it). */
	void (*on_violation)(struct sim *sim, const char *msg);
	uint64_t core_checks;     /* times sim_core_check ran */
	uint64_t same_instant;    /* events handled since time last moved (livelock guard) */
	/* workload cookies: the first thread of each distinct libsched.cookie value */
	struct sim_thread **cookie_first;
	size_t nr_cookies;
	/* the workload's polling rings and leases (docs/schedsim.md, "Leases and rings"): the
	 * lease pool given to libsched (one slot per lease and per leased island), and each
	 * lease's record */
	struct sim_ring *rings;
	size_t nr_rings;
	struct sched_lease *lease_pool;
	struct sim_lease *leases;
	size_t nr_leases;
	/* calls of the sched_config.lease_port hook, per CPU, kind (enum
	 * sched_lease_port_what) and direction (1: leased, 0: given back); the port has no
	 * timers or work of its own, so for those nothing moves, but its IRQ sources do
	 * (sim.irqs) */
	uint64_t port_calls[SCHED_MAX_CPUS][3][2];
	uint64_t port_locked;     /* calls made with a libsched lock held other than lease_lock
				   * (the hook's contract allows only that one) */
	uint64_t port_bad;        /* calls with a CPU or kind out of range, or a housekeeping
				   * set that is empty or holds the CPU being leased */
	/* the workload's IRQ sources (docs/schedsim.md, "IRQ sources"), and their routing
	 * changes in order */
	struct sim_irq *irqs;
	size_t nr_irqs;
	struct sim_irq_move *irq_moves;
	size_t nr_irq_moves, cap_irq_moves;
	sched_cpumask_t irq_housekeeping; /* the last housekeeping set lease_port gave for IRQs */
	uint64_t irq_calls;       /* calls of the sched_config.island_irq hook */
	uint64_t irq_calls_bad;   /* ... naming a CPU out of range */
	uint64_t irq_calls_unknown; /* ... naming a line no source of the workload has */
	/* realtime islands (docs/schedsim.md, "Realtime islands"): the island slots and
	 * memory pools given to libsched, and each island's record */
	struct sched_island *island_pool;
	struct sched_mem_pool *mem_pools;
	struct sim_island *islands;
	size_t nr_islands;
	/* trace events seen by the trace callback (none with cfg.bench_mode): SCHED_TR_MISS
	 * (all, and of island members), SCHED_TR_ISLAND by enum sched_island_event */
	uint64_t tr_miss, tr_miss_island, tr_island[3];
	/* decision records (cfg.explain): the log and its ring */
	struct sched_explain_log why;
	struct sched_why *why_recs;
	/* the policy service (NULL without a "policy" section), the requests of the
	 * workload's threads (in thread order, each thread's in its order) and the graphs */
	struct sim_service *service;
	struct sim_request *requests;
	size_t nr_requests;
	struct sim_graph *graphs;
	size_t nr_graphs;
};

/*
 * A failed SCHED_ASSERT in libsched (sched_arch_assert_fail, the library being built with
 * SCHED_DEBUG) calls this handler if set, else prints "libsched assertion failed: EXPR at
 * FILE:LINE" to stderr and aborts. A test may install one that longjmps out (cmocka's
 * expect-failure style); if it returns, the hook prints and aborts anyway. NULL by default.
 * After a longjmp the machine must not run again (a run-queue lock may be left held).
 */
extern void (*sim_assert_handler)(const char *expr, const char *file, unsigned line);

/* A machine with cfg->cpus CPUs online. Returns NULL and prints why on bad input. */
struct sim *sim_new(const struct sim_config *cfg);
/* The callbacks sim_new gives libsched, set in *sc: notify (always: counts, on_notify, the
 * NOTIFY_BLOCK handler), trace (latency records; NULL when cfg.bench_mode) and cb_ctx (the
 * machine). For a caller that runs sched_init on the machine again with settings of its
 * own. */
void sim_callbacks(struct sim *sim, struct sched_config *sc);
void sim_free(struct sim *sim);

/* Create every task instance of `wl` (started at their delay). 0 or -1 with a message.
 * SCHED_DEADLINE threads get an SC each, from a pool given here unless the caller gave
 * libsched one before (sched_sc_pool). */
int sim_load(struct sim *sim, const struct workload *wl);

/* A thread with no program (tests drive it by hand); it is created but not woken. */
struct sim_thread *sim_thread_new(struct sim *sim, const struct sched_thread_params *p);

/* Handle events up to and including time `until`, or until the run is stopped (above). */
void sim_run_until(struct sim *sim, sched_time_t until);

/* Make `cpu` the executing CPU at the current time (for tests that call libsched directly);
 * then sim_resched(cpu) applies a pick the way the kernel would. */
void sim_enter(struct sim *sim, unsigned cpu);
void sim_resched(struct sim *sim, unsigned cpu);
/* Apply the result of an on-CPU entry (sched_block & co.) that returned `next`. */
void sim_switch(struct sim *sim, unsigned cpu, struct sched_thread *next);

/*
 * Run fn(sim, cpu, arg) as an event on `cpu` at `time`: a system call or administrative
 * work of that CPU, ordered with the other events (same tie-break rules). Like every event
 * it is a kernel entry under kernel protection and is followed by the invariant checks;
 * afterwards the CPU honours a pick that fn made due (need_resched).
 */
void sim_post(struct sim *sim, unsigned cpu, sched_time_t time, sim_call_fn fn, void *arg);

/*
 * The simulator's own core-scheduling checks, on its view of what every CPU runs
 * (sim_cpu.curr, not libsched's run queues): on every core, the non-idle current threads
 * all have the same cookie; with kernel protection, no CPU runs a tagged thread's user
 * code (mode SIM_USER) while a sibling executes kernel code (SIM_KERNEL, not waiting).
 * Run after every event when cfg.core_sched is on; a failure goes to on_violation, else
 * prints and aborts. Returns true if everything held.
 */
bool sim_core_check(struct sim *sim);

/* True if some task of `wl` has a libsched.cookie (schedsim turns core scheduling on). */
bool wl_has_cookies(const struct workload *wl);

/* Per-CPU busy and idle time up to now (the run in progress included). */
uint64_t sim_cpu_busy_ns(struct sim *sim, unsigned cpu);
uint64_t sim_cpu_idle_ns(struct sim *sim, unsigned cpu);

/* Time with the scheduling tick stopped on `cpu`: SCHED_CNT_NOHZ_NS (closed intervals) and
 * the interval still open now. */
uint64_t sim_cpu_nohz_ns(struct sim *sim, unsigned cpu);

/* A lease's span and window figures up to now (or to its revocation), over its CPUs. */
void sim_lease_window(struct sim *sim, const struct sim_lease *l, struct sim_lease_window *out);

/* p in [0,100]: percentile of the ring's submit-to-consume latencies (0 if none). */
uint64_t sim_ring_latency(struct sim_ring *r, unsigned p);

/* p in [0,100]: percentile of the thread's wake-to-run latencies (0 if none). */
uint64_t sim_thread_latency(struct sim_thread *t, unsigned p);

/* A periodic thread's jobs up to now (docs/schedsim.md, "Job-level deadline accounting").
 * jobs: completed ones, plus released ones still unfinished whose deadline is past (at or
 * before now); misses: completed after their deadline, plus those unfinished ones.
 * Response percentiles use the nearest rank over the completed jobs; they and
 * lateness_max_ns are meaningful only when completed > 0. */
struct sim_job_stats {
	uint64_t jobs, misses, completed;
	uint64_t resp_p50_ns, resp_p99_ns, resp_max_ns;
	int64_t lateness_max_ns;
};

/* False, with *out zeroed, for a thread that is not periodic. */
bool sim_thread_jobs(struct sim *sim, struct sim_thread *t, struct sim_job_stats *out);

/* The group a thread was placed in, for reports ("rt-app" when none given). */
const char *sim_thread_group(struct sim *sim, const struct sim_thread *t);

/* The figures of t's SchedulingContext (sched_sc_stats); all 0 for a thread without one. */
struct sched_sc_stats sim_thread_sc_stats(struct sim *sim, const struct sim_thread *t);
/* The parameters of the SC t holds (as sim_thread_sc_stats finds it): budget, period,
 * deadline, cpus, mode, overrun and dispatch; a SCHED_DEADLINE thread whose SC admission
 * refused gets what its task asked for. False, *p zeroed, when it has none. */
bool sim_thread_sc_params(struct sim *sim, const struct sim_thread *t,
			  struct sched_sc_params *p);

/*
 * The policy service's decisions (docs/schedsim.md, "The policy service"): decide(sim,
 * ctx, r, requester, target, d, make_sc) returns 0 to serve r with *d (*make_sc: the
 * service makes an SC for the target, configured with d->sc_params) or a negative SCHED_E*
 * to deny it. `target` is the thread r is for (NULL when it names none). Without a decider
 * the service gives what was asked: the default profile, an SC of the asked parameters,
 * the CPUs asked. Set it after sim_load, before the run.
 */
typedef int (*sim_decide_fn)(struct sim *sim, void *ctx, const struct sched_request *r,
			     const struct sim_thread *requester, const struct sim_thread *target,
			     struct sched_decision *d, bool *make_sc);
void sim_policy_decider(struct sim *sim, sim_decide_fn decide, void *ctx);

/* p in [0,100]: percentile of graph g's end-to-end latencies from instance `from` on (0
 * if none). */
uint64_t sim_graph_latency(struct sim_graph *g, size_t from, unsigned p);

/* Instances of g from `from` on that missed its deadline: completed late, or released
 * and unfinished with the deadline past now. */
uint64_t sim_graph_misses(struct sim *sim, const struct sim_graph *g, size_t from);

#endif
