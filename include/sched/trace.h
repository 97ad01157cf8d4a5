/* SPDX-License-Identifier: MIT */
/*
 * sched/trace.h - per-CPU counters and the per-CPU trace ring.
 *
 * Counters are plain 64-bit integers written by the owning CPU or under its run-queue
 * lock; a reader on another CPU may see a value a few events old, never a torn one on
 * 64-bit machines. The trace ring is a fixed array that overwrites its oldest entries: it
 * never allocates, and it is always on.
 *
 * The counters come in two tiers (docs/architecture.md, "Observability", says why each
 * counter is in its tier):
 *   [P] permanent: always counted, part of the API, stable in name and meaning. Each
 *       counts something a kernel or its operator reads (switches, time, wakes,
 *       migrations, IPIs, the timer, core scheduling, leases, the tick) on a path that
 *       does much more work than the increment.
 *   [M] measurement: diagnostics of the scheduler's own mechanisms (the pick, the
 *       run-queue lock, IPI coalescing, core-pick reuse) on its hottest paths, for
 *       experiments. Counted only while sched_measure() has them on, which it does not
 *       after sched_init (they read 0). Off, each site costs one well-predicted branch on
 *       a flag in the run queue's first cache line. SCHED_CNT_MEASURED is their set.
 */
#ifndef SCHED_TRACE_H
#define SCHED_TRACE_H

#include <sched/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sched_counter {
	SCHED_CNT_PICK_CANDIDATES, /* [M] runnable threads in view at each pick, summed */
	SCHED_CNT_PICK_CURRENT,    /* [M] pick kept the current thread */
	SCHED_CNT_PICK_OTHER,      /* [M] pick switched to another thread */
	SCHED_CNT_PICK_IDLE,       /* [M] pick found nothing and chose idle */
	SCHED_CNT_IPI_SENT,        /* [P] resched IPIs sent to this CPU */
	SCHED_CNT_IPI_COALESCED,   /* [M] IPIs not sent because one was already pending */
	SCHED_CNT_IPI_RECEIVED,    /* [P] sched_ipi() calls */
	SCHED_CNT_LOCK_ACQUIRE,    /* [M] run-queue lock acquisitions */
	SCHED_CNT_LOCK_CONTENDED,  /* [M] ... that had to wait */
	SCHED_CNT_TIMER_IRQ,       /* [P] sched_timer() calls */
	SCHED_CNT_SWITCHES,        /* [P] context switches (pick chose a different thread) */
	SCHED_CNT_AS_SWITCHES,     /* [P] address-space switches reported by the kernel */
	SCHED_CNT_WAKE_LOCAL,      /* [P] wakes placed on the waker's CPU */
	SCHED_CNT_WAKE_REMOTE,     /* [P] wakes placed on another CPU */
	SCHED_CNT_MIGRATE_IN,      /* [P] threads moved onto this CPU */
	SCHED_CNT_MIGRATE_OUT,     /* [P] threads moved off this CPU */
	SCHED_CNT_STEALS,          /* [P] threads pulled by this CPU when it went idle */
	SCHED_CNT_BALANCE_MOVES,   /* [P] threads pushed away by periodic balance */
	SCHED_CNT_ROTATIONS,       /* [P] threads moved by rotation (global fairness, balance.c) */
	SCHED_CNT_RT_PUSHES,       /* [P] realtime threads pushed from here (push.c) */
	SCHED_CNT_RT_PULLS,        /* [P] realtime threads pulled here (push.c) */
	SCHED_CNT_HANDOFFS,        /* [P] direct IPC handoffs taken on this CPU */
	SCHED_CNT_BUSY_NS,         /* [P] time running non-idle threads */
	SCHED_CNT_IDLE_NS,         /* [P] time running the idle thread */
	SCHED_CNT_CORE_PICKS,      /* [P] core-wide picks computed on this CPU */
	SCHED_CNT_CORE_REUSED,     /* [M] picks that took this CPU's part of a sibling's core pick */
	SCHED_CNT_FORCED_IDLE,     /* [P] times this CPU was forced idle */
	SCHED_CNT_FORCED_IDLE_NS,  /* [P] ns forced idle (closed intervals) */
	SCHED_CNT_CORE_KICKS,      /* [P] kernel protection IPIs this CPU sent to siblings */
	SCHED_CNT_NOHZ_STOP_IDLE,  /* [P] the tick stopped: the CPU went idle */
	SCHED_CNT_NOHZ_STOP_SINGLE,/* [P] the tick stopped: one runnable thread, nothing else waits */
	SCHED_CNT_NOHZ_STOP_LEASE, /* [P] the tick stopped: a lease holder's thread alone (leased) */
	SCHED_CNT_NOHZ_RESTART,    /* [P] the tick restarted (others wait, or a group to follow) */
	SCHED_CNT_NOHZ_NS,         /* [P] ns with the tick stopped (closed intervals) */
	SCHED_CNT_LEASE_GRANTS,    /* [P] leases that took this CPU */
	SCHED_CNT_LEASE_RETURNS,   /* [P] revocations that gave it back (at its next switch) */
	SCHED_CNT_LEASE_RETURN_NS, /* [P] revocation latency, summed: revoke to that switch */
	SCHED_CNT_LEASE_RETURN_MAX_NS, /* [P] ... and its maximum */
	SCHED_CNT_IRQ_NS,          /* [P] device interrupt handlers' time, kept off the threads'
				    * charges (sched_irq_exit) */
	SCHED_CNT_NR
};

/* The measurement counters ([M]), one bit each: counted only while sched_measure() is on. */
#define SCHED_CNT_MEASURED                                                                  \
	((1ull << SCHED_CNT_PICK_CANDIDATES) | (1ull << SCHED_CNT_PICK_CURRENT) |            \
	 (1ull << SCHED_CNT_PICK_OTHER) | (1ull << SCHED_CNT_PICK_IDLE) |                    \
	 (1ull << SCHED_CNT_IPI_COALESCED) | (1ull << SCHED_CNT_LOCK_ACQUIRE) |              \
	 (1ull << SCHED_CNT_LOCK_CONTENDED) | (1ull << SCHED_CNT_CORE_REUSED))

/* Stable lower-case name of a counter ("pick_current"), or "?" if out of range. */
const char *sched_counter_name(unsigned counter);

enum sched_trace_type {
	SCHED_TR_SWITCH,  /* tid = next, arg = prev tid, aux = 1 if first run after a wake */
	SCHED_TR_WAKE,    /* tid = woken, arg = target cpu, aux = wake reason */
	SCHED_TR_MIGRATE, /* tid, arg = destination cpu, aux = source cpu */
	SCHED_TR_BLOCK,   /* tid, aux = 1 if sleeping with a timeout */
	SCHED_TR_EXIT,    /* tid */
	SCHED_TR_IPI,     /* tid = 0, arg = sending cpu (recorded on the target's ring) */
	SCHED_TR_TICK,    /* tid = current, aux = enum sched_nohz_reason (TICK: restarted,
			   * arg = ns it was stopped) */
	SCHED_TR_LEASE,   /* tid = lease index, aux = enum sched_lease_event, arg = holder tid
			   * (RETURN: ns since the revocation) */
	SCHED_TR_MISS,    /* tid: a job on its own SC ended after its deadline; arg = lateness
			   * (ns), aux = 1 if the SC is a realtime island's member */
	SCHED_TR_ISLAND,  /* tid = island index (ADMIT, REVOKE) or thread id (VIOLATION), aux =
			   * enum sched_island_event, arg = members (ADMIT), violation kind */
	SCHED_TR_NR
};

const char *sched_trace_type_name(unsigned type);

/* Whether the scheduling tick runs on a CPU and, if not, why (SCHED_TR_TICK). The tick is
 * the slice-end or balance timer a CPU arms while threads compete for it; a budget end,
 * a sleeper timeout or a refill is an event, not a tick. */
enum sched_nohz_reason {
	SCHED_NOHZ_TICK,   /* running */
	SCHED_NOHZ_IDLE,   /* stopped: idle */
	SCHED_NOHZ_SINGLE, /* stopped: one runnable thread */
	SCHED_NOHZ_LEASE,  /* stopped: a leased CPU running its holder's thread alone */
};

enum sched_lease_event {
	SCHED_LEASE_EV_GRANT,  /* the grant closed this CPU */
	SCHED_LEASE_EV_ACTIVE, /* every step done (on each leased CPU's ring) */
	SCHED_LEASE_EV_REVOKE, /* revoked (aux of the cause is in the lease record) */
	SCHED_LEASE_EV_RETURN, /* back in general use: its first switch after the revocation */
};

struct sched_trace_event {
	sched_time_t time;
	uint64_t arg;
	uint32_t tid;     /* the caller's thread id (sched_thread_params.id) */
	uint16_t cpu;     /* the CPU whose ring holds the event */
	uint8_t type;     /* enum sched_trace_type */
	uint8_t aux;
};

#define SCHED_TRACE_LEN 256 /* events kept per CPU; a power of two */

struct sched_trace_ring {
	uint64_t head; /* events ever written; the newest is ev[(head - 1) % LEN] */
	struct sched_trace_event ev[SCHED_TRACE_LEN];
};

#ifdef __cplusplus
}
#endif

#endif
