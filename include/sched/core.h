/* SPDX-License-Identifier: MIT */
/*
 * sched/core.h - SMT core scheduling: cookies, the core-wide pick, force idle, kernel
 * protection (docs/core-scheduling.md).
 *
 * A cookie names a trust domain. Threads of different cookies never run at the same time
 * on SMT siblings (CPUs with the same sched_topology.core): cookie 0 is "untagged" (a
 * domain of its own: untagged threads may share a core with each other, not with tagged
 * ones), and only the idle thread goes with every cookie. The invariant, checked by
 * sched_check(), is on the current threads: at every instant, the non-idle current threads
 * of a core's CPUs all have the same cookie.
 *
 * Off by default (sched_config.core_sched): no lock is shared, no field is read, nothing is
 * paid. On: the siblings of a core share one run-queue lock (the core lock) and, while any
 * tagged thread is runnable on the core, every pick is a core-wide pick.
 */
#ifndef SCHED_CORE_H
#define SCHED_CORE_H

#include <sched/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sched_sys;

typedef uint64_t sched_cookie_t;

#define SCHED_COOKIE_NONE 0 /* untagged */
#define SCHED_COOKIE_IDLE UINT64_MAX /* what an idle CPU runs (never handed out) */

/* Hardware threads per core that core scheduling supports (sched_init rejects more). */
#define SCHED_SMT_MAX 8

/* Which threads a cookie operation changes. */
enum sched_core_scope {
	SCHED_CORE_THREAD,  /* the thread itself */
	SCHED_CORE_PROCESS, /* every thread of its process (nearest SCHED_GROUP_PROCESS group) */
	SCHED_CORE_SESSION, /* every thread of its session (nearest SCHED_GROUP_SESSION group) */
};

/* sched_config.core_autotag: every new group of that kind gets a cookie of its own. */
enum sched_core_autotag {
	SCHED_CORE_AUTOTAG_OFF,
	SCHED_CORE_AUTOTAG_PROCESS,
	SCHED_CORE_AUTOTAG_SESSION,
};

/*
 * A cookie assignment, on a thread or a group: the cookie and when it was made. A thread's
 * cookie is the newest assignment among its own and its groups' (so a process-wide
 * assignment covers every thread of the process, and a later per-thread one overrides it
 * for that thread). stamp 0 = never assigned.
 */
struct sched_core_tag {
	sched_cookie_t cookie;
	uint64_t stamp;
};

/*
 * The core state, kept in the run queue of the core's first CPU (the leader), protected by
 * the core lock. Sequence counters: task_seq moves whenever a sibling's queue changes;
 * pick_seq is task_seq at the last core-wide pick, whose per-CPU results stay valid (and
 * are reused by the siblings) while the two are equal.
 */
struct sched_core {
	uint32_t task_seq;
	uint32_t pick_seq;
	uint32_t nr_tagged;        /* queued threads with a cookie, over the core */
	uint8_t nr_sibs;
	uint8_t nr_forced;         /* siblings forced idle now */
	uint8_t in_fi;             /* the last core-wide pick forced a sibling idle */
	uint16_t sib[SCHED_SMT_MAX];
	sched_cookie_t cookie;     /* the cookie the last core-wide pick chose */
};

/* --- cookies ----------------------------------------------------------------------------
 * Every call needs a live authority token with SCHED_RIGHT_CORE whose scope contains the
 * groups it changes or reads a cookie from (-SCHED_EPERM otherwise), and fails with
 * -SCHED_EDISABLED when core scheduling is off, -SCHED_ESTALE for a stale ref or token,
 * -SCHED_EINVAL for NULL, a bad scope or an idle thread, -SCHED_ENOGROUP for a thread
 * without the process/session group the scope names. The
 * change applies at once to runnable threads (a running one is rescheduled) and to blocked
 * ones at their next wake. Process and session scopes lock every run queue: they are
 * O(nr_cpus + runnable threads), meant for process creation and administration.
 */

/* Give `r` (thread, process or session) a new cookie nobody else has. */
int sched_core_create(struct sched_sys *s, struct sched_auth auth, struct sched_ref r,
		      enum sched_core_scope scope);

/* Give `to` (thread, process or session) the cookie of thread `from`: "share to" when
 * `from` is the caller, "share from" when `to` is. Joining a domain lets a thread run next
 * to it, so the authority must cover both. */
int sched_core_share(struct sched_sys *s, struct sched_auth auth, struct sched_ref from,
		     struct sched_ref to, enum sched_core_scope scope);

/* Make `r` (thread, process or session) untagged. */
int sched_core_clear(struct sched_sys *s, struct sched_auth auth, struct sched_ref r,
		     enum sched_core_scope scope);

/* The cookie of thread `r` (what it would run with now). -SCHED_ESTALE, -SCHED_EDISABLED,
 * -SCHED_EINVAL (NULL, an idle thread). */
int sched_core_get(struct sched_sys *s, struct sched_ref r, sched_cookie_t *out);

/* Nanoseconds `cpu` has been forced idle (idle while it had runnable threads, because a
 * sibling ran another cookie), the interval in progress included. 0 for a NULL system or a
 * CPU out of range. */
uint64_t sched_core_forced_idle_ns(struct sched_sys *s, unsigned cpu);

/* --- kernel protection (sched_config.core_protect) ---------------------------------------
 * While a CPU is in the kernel, no sibling runs a tagged thread's user code: the kernel may
 * be handling another domain's data. The kernel calls
 *
 *   on every entry from user mode or from the idle loop (system call, interrupt, fault):
 *       if (sched_core_enter_kernel(s, cpu) > 0)
 *           while (!sched_core_kernel_safe(s, cpu)) sched_arch_cpu_relax();
 *   on every return to user mode or to the idle loop:
 *       while (sched_core_exit_kernel(s, cpu) == -SCHED_EBUSY) sched_arch_cpu_relax();
 *
 * enter_kernel sends a reschedule IPI to each sibling running a tagged thread in user mode
 * (its interrupt entry makes it safe) and returns how many it kicked. exit_kernel returns
 * -SCHED_EBUSY while this CPU runs a tagged thread and a sibling is still in the kernel;
 * meanwhile this CPU counts as safe, so two siblings never wait for each other. Both are
 * O(SMT width) under the core lock; with protection off they return 0 at once. Both return
 * -SCHED_EINVAL for a NULL system and -SCHED_ECPU for a CPU out of range (a caller bug:
 * nothing to protect). sched_core_kernel_safe fails closed: false for a NULL system or a
 * CPU out of range; true with protection off.
 */
int sched_core_enter_kernel(struct sched_sys *s, unsigned cpu);
bool sched_core_kernel_safe(struct sched_sys *s, unsigned cpu);
int sched_core_exit_kernel(struct sched_sys *s, unsigned cpu);

#ifdef __cplusplus
}
#endif

#endif
