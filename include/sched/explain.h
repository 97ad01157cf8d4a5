/* SPDX-License-Identifier: MIT */
/*
 * sched/explain.h - decision records: why a thread was refused, throttled, migrated,
 * forced idle, demoted or revoked.
 *
 * With a log given (sched_explain_start), each such decision leaves one fixed-size record
 * in a ring the caller provides: what happened (kind and cause), to whom (thread, group,
 * SC, lease, island or request), the figures that decided it, and when. The ring overwrites
 * its oldest records, so recording is bounded: O(1), no allocation, no lock (a writer claims
 * its slot with one atomic add). Without a log, each decision point costs one load and one
 * branch. Records are read back per thread, group, island or lease (sched_explain_read) and
 * formatted as one line (sched_explain_format):
 *
 *     t42 throttled at 10.002 s: SC 7 used 2.000 ms of 2.000 ms, refill at 20.000 s
 *
 * docs/explain.md lists every kind, its causes and its figures.
 */
#ifndef SCHED_EXPLAIN_H
#define SCHED_EXPLAIN_H

#include <sched/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sched_sys;
struct sched_group;

enum sched_why_kind {
	SCHED_WHY_DENY,        /* a request refused: err, what (cause), figures of the test */
	SCHED_WHY_THROTTLE,    /* a thread stopped for want of budget */
	SCHED_WHY_MIGRATE,     /* a thread moved from cpu to cpu2 */
	SCHED_WHY_FORCED_IDLE, /* core scheduling left cpu idle beside a sibling */
	SCHED_WHY_DEMOTE,      /* a thread lost its SC's class and runs as the fallback says */
	SCHED_WHY_REVOKE,      /* an SC, lease or island ended */
	SCHED_WHY_DEFAULT,     /* a policy request was not answered in time: the default */
	SCHED_WHY_NR
};

#define SCHED_WHY_ALL ((1u << SCHED_WHY_NR) - 1)

/* What a record's obj names (0 with SCHED_OBJ_NONE). */
enum sched_why_obj {
	SCHED_OBJ_NONE,
	SCHED_OBJ_SC,          /* an SC's pool index */
	SCHED_OBJ_LEASE,       /* a lease's pool index */
	SCHED_OBJ_ISLAND,      /* an island's pool index */
	SCHED_OBJ_REQUEST,     /* a policy request's slot (policy.h) */
	SCHED_OBJ_THREAD,      /* another thread's id (forced idle: the sibling's thread) */
	SCHED_OBJ_NR
};

/* DENY causes: the entry that refused. fig: see docs/explain.md. */
enum sched_why_deny {
	SCHED_DENY_SC_CONFIGURE, /* fig0 demand (or share) asked, fig1 supply (or cap), fig2 at */
	SCHED_DENY_SET_RT,       /* the same figures, for a fixed priority */
	SCHED_DENY_LEASE,        /* fig0 the CPUs asked (a mask's first word) */
	SCHED_DENY_ISLAND,       /* fig0 need, fig1 have, fig2 at (the verdict's figures) */
	SCHED_DENY_REQUEST,      /* the policy service refused: fig0 the request kind */
	SCHED_DENY_QUEUE_FULL,   /* no free request slot: fig0 the queue's slots */
	SCHED_DENY_GRAPH,        /* a task graph refused: fig0 the node, fig1 asked, fig2 held */
};

/* THROTTLE causes. */
enum sched_why_throttle {
	SCHED_THROTTLE_SC,       /* fig0 used, fig1 budget, fig2 the refill's instant */
	SCHED_THROTTLE_RT,       /* fixed priorities' share used: fig0 used, fig1 runtime,
				  * fig2 the period's end */
};

/* MIGRATE causes: who moved the thread. fig0 the thread's weight (fair) or 0. */
enum sched_why_migrate {
	SCHED_MIG_WAKE,          /* wake placement chose another CPU than its last */
	SCHED_MIG_BALANCE,       /* periodic balance pushed it */
	SCHED_MIG_STEAL,         /* an idling CPU pulled it */
	SCHED_MIG_ROTATE,        /* rotation for global fairness */
	SCHED_MIG_PUSH,          /* realtime push or pull (global EDF, global fixed priority) */
	SCHED_MIG_LEASE,         /* a lease took its CPU */
	SCHED_MIG_HOTPLUG,       /* its CPU went offline */
	SCHED_MIG_AFFINITY,      /* its affinity no longer allowed its CPU */
	SCHED_MIG_NR
};

/* DEMOTE causes. */
enum sched_why_demote {
	SCHED_DEMOTE_SC_REVOKED, /* its SC was revoked: fig0 the overrun policy */
	SCHED_DEMOTE_DEPLETED,   /* its SC ran out with overrun DEMOTE: runs fair until refill,
				  * fig2 the refill's instant */
};

/* REVOKE causes (obj_kind says what ended). fig0 threads or members affected. */
enum sched_why_revoke {
	SCHED_REVOKE_CALL,       /* sched_*_revoke on its capability */
	SCHED_REVOKE_OWNER,      /* its owner group went (revoke_owned) */
	SCHED_REVOKE_HOLDER_EXIT,/* its holder thread exited */
};

/* DEFAULT causes: what the timed-out request got. fig0 the request kind, fig1 its age. */
enum sched_why_default {
	SCHED_DEFAULT_DENY,      /* refused with -SCHED_ETIMEDOUT */
	SCHED_DEFAULT_PROFILE,   /* the queue's default profile was applied */
};

/* One decision, 64 bytes. */
struct sched_why {
	uint64_t seq;            /* its number in the log, from 1 */
	sched_time_t time;
	uint64_t fig[3];         /* figures, by kind and cause (docs/explain.md) */
	uint32_t tid;            /* the thread it is about (its id), 0 for none */
	uint32_t group;          /* that thread's or object's group id, 0 for none */
	uint32_t obj;            /* by obj_kind */
	uint16_t cpu;            /* where (MIGRATE: from) */
	uint16_t cpu2;           /* MIGRATE: to */
	uint8_t kind;            /* enum sched_why_kind */
	uint8_t cause;           /* by kind */
	uint8_t obj_kind;        /* enum sched_why_obj */
	int8_t err;              /* DENY, DEFAULT: the error returned (negative); else 0 */
	uint32_t reserved;
};

/* The log: the caller's ring of `len` records (a power of two), and the kinds it keeps. */
struct sched_explain_log {
	uint64_t head;           /* records ever claimed (atomic) */
	uint64_t dropped;        /* claims given up: a writer a whole ring late found its slot
				  * taken (atomic; a larger ring makes it rarer) */
	uint32_t mask;           /* len - 1 */
	uint32_t kinds;          /* 1 << kind for each kind recorded */
	struct sched_why *rec;
};

/* Which records sched_explain_read returns: all its conditions hold. */
struct sched_why_filter {
	uint32_t kinds;          /* 1 << kind; 0 = every kind */
	uint32_t tid;            /* 0 = any thread */
	uint32_t group;          /* 0 = any group */
	uint8_t obj_kind;        /* SCHED_OBJ_NONE = any object */
	uint32_t obj;
	uint64_t after;          /* only records with seq > after */
};

/*
 * Start recording `kinds` (a mask of 1 << enum sched_why_kind; 0 = all) into `recs[len]`
 * (len a power of two, 2 .. 2^20), which must live as long as the system. Starting again
 * switches to the new ring. -SCHED_EINVAL for NULL, a bad length or unknown kinds.
 * Call it while no other CPU is inside libsched (boot, or a quiet moment), as
 * sched_explain_stop.
 */
int sched_explain_start(struct sched_sys *s, struct sched_explain_log *log,
			struct sched_why *recs, unsigned len, uint32_t kinds);

/* Stop recording (records already made stay readable in the caller's ring). */
void sched_explain_stop(struct sched_sys *s);

/*
 * Copy up to `max` of the newest records that pass `f` (NULL: all), oldest first; returns
 * the count. A record being written or overwritten while read is skipped (never returned
 * torn). 0 for NULL s or out, or no log. O(len).
 */
unsigned sched_explain_read(struct sched_sys *s, const struct sched_why_filter *f,
			    struct sched_why *out, unsigned max);

/* Records made since the log started, including those overwritten since. */
uint64_t sched_explain_count(struct sched_sys *s);

/* Format one record as one line, without a newline, NUL-terminated in buf[len] (cut to
 * fit); returns the length it needed. Names threads "t<id>" and times in seconds. */
unsigned sched_explain_format(const struct sched_why *w, char *buf, unsigned len);

/* Stable names ("throttle", "balance"), "?" out of range. */
const char *sched_why_kind_name(unsigned kind);
const char *sched_why_cause_name(unsigned kind, unsigned cause);

#ifdef __cplusplus
}
#endif

#endif
