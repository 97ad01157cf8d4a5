/* SPDX-License-Identifier: MIT */
/*
 * sched/mutex.h - mutexes with proxy execution, condition variables and barriers, in
 * caller storage (docs/mutex.md).
 *
 * A thread that waits on a mutex lends its scheduling to the owner ("proxy execution" by
 * inheritance): the owner runs with the most urgent waiter's parameters, through chains of
 * owners up to SCHED_MUTEX_DEPTH_MAX: the waiter's SC (EDF deadline and budget, charged to
 * the waiter's SC), or its fixed priority, or its fair weight. The owner stays where it is
 * queued; a realtime rank it inherits makes push and pull move it like any thread of that
 * rank. A mutex made with SCHED_MUTEX_PLAIN lends nothing (to show priority inversion).
 *
 * The waits are blocking entries like sched_block(): they return the thread to switch to.
 * What a wait ended with (acquired, timed out, owner died) is read when the thread runs
 * again, with sched_wait_result(). A thread waits on one object at a time.
 *
 * Locking: one system lock (sys.mx_lock) serialises every mutex, condition variable and
 * barrier; it comes first in the lock order (before sc_lock, thread and run-queue locks).
 */
#ifndef SCHED_MUTEX_H
#define SCHED_MUTEX_H

#include <sched/rbtree.h>
#include <sched/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sched_sys;
struct sched_thread;

#define SCHED_MUTEX_DEPTH_MAX 16 /* owners a chain of waits may pass through */
#define SCHED_MUTEX_HELD_MAX 32  /* mutexes one thread may hold at once */

enum sched_mutex_flags {
	SCHED_MUTEX_PROXY = 0, /* waiters lend their scheduling to the owner (default) */
	SCHED_MUTEX_PLAIN = 1, /* no lending: the owner runs on its own parameters */
};

/* Waiters, most urgent first (equal ones first come, first served). [sys.mx_lock] */
struct sched_waitq {
	struct sched_rb_tree tree;
	uint32_t n;
};

struct sched_mutex {
	uint32_t magic;              /* SCHED_MUTEX_MAGIC while initialised */
	uint8_t flags;               /* enum sched_mutex_flags */
	uint8_t owner_died;          /* its last owner exited holding it; told to the next one */
	struct sched_thread *owner;  /* NULL: free */
	struct sched_list held_node; /* in the owner's list of held mutexes */
	struct sched_waitq waiters;
};

struct sched_cond {
	uint32_t magic;
	struct sched_waitq waiters;
};

struct sched_barrier {
	uint32_t magic;
	uint32_t count;              /* threads that meet at it */
	uint32_t arrived;            /* of this round */
	uint32_t rounds;             /* completed rounds */
	struct sched_waitq waiters;
};

/* Initialise (or re-initialise: nothing may wait on or own it). -SCHED_EINVAL for NULL or
 * bad flags / a count of 0; -SCHED_EACTIVE if it is in use. */
int sched_mutex_init(struct sched_sys *s, struct sched_mutex *m, unsigned flags);
int sched_cond_init(struct sched_sys *s, struct sched_cond *c);
int sched_barrier_init(struct sched_sys *s, struct sched_barrier *b, unsigned count);

/*
 * The current thread of `cpu` takes m, or waits for it until `deadline` (an absolute
 * instant; SCHED_TIME_NEVER: no timeout). Returns 0 and *next: the caller itself if it
 * took m at once, else the thread to switch to (the caller waits). When the caller runs
 * again sched_wait_result() says how it ended: 0 it owns m, -SCHED_EOWNERDEAD it owns m
 * and the previous owner exited holding it, -SCHED_ETIMEDOUT it does not own m; or, not
 * owning m, -SCHED_ENOSC / -SCHED_EAFFINITY: it could not have run when m was handed on
 * (docs/mutex.md), and stays blocked until the kernel wakes it.
 * Errors (nothing changed): -SCHED_EINVAL (NULL, an uninitialised object, a deadline past
 * the horizon), -SCHED_ECPU, -SCHED_ESTATE (the CPU runs idle), -SCHED_EDEADLK (the caller
 * owns m, or waiting would close a cycle of owners), -SCHED_EDEPTH (the chain of owners is
 * longer than SCHED_MUTEX_DEPTH_MAX, or the caller holds SCHED_MUTEX_HELD_MAX mutexes).
 * O(chain depth x (held mutexes + log waiters)).
 */
int sched_mutex_lock(struct sched_sys *s, unsigned cpu, struct sched_mutex *m,
		     sched_time_t deadline, struct sched_thread **next);

/* Take m if it is free: 0 (sched_wait_result() then says 0 or -SCHED_EOWNERDEAD), or
 * -SCHED_ELOCKED if another thread owns it; other errors as sched_mutex_lock. O(1). */
int sched_mutex_trylock(struct sched_sys *s, unsigned cpu, struct sched_mutex *m);

/*
 * The current thread of `cpu` releases m: the most urgent waiter owns it now and is woken;
 * the caller gives back what that waiter lent it. The caller may be preempted by the new
 * owner at its next pick (an IPI or the returned flag of sched_pick's callers).
 * -SCHED_EPERM if the caller does not own m. O(held mutexes + log waiters).
 */
int sched_mutex_unlock(struct sched_sys *s, unsigned cpu, struct sched_mutex *m);

/*
 * Condition variable: the caller (owning m) releases m and waits on c until signalled or
 * `deadline`; either way it owns m again before it runs (it may wait for m in between,
 * lending to its owner like any waiter). sched_wait_result(): 0 signalled,
 * -SCHED_ETIMEDOUT timed out, -SCHED_EOWNERDEAD (m's owner died meanwhile); not owning m:
 * -SCHED_EDEADLK (waiting for m would have closed a cycle of owners), -SCHED_ENOSC or
 * -SCHED_EAFFINITY (it could not run when m was free). Errors as
 * sched_mutex_lock, and -SCHED_EPERM if the caller does not own m.
 */
int sched_cond_wait(struct sched_sys *s, unsigned cpu, struct sched_cond *c,
		    struct sched_mutex *m, sched_time_t deadline, struct sched_thread **next);

/* Wake the most urgent waiter of c (signal) or all of them (broadcast): each goes on to
 * take its mutex (owning it at once if free, else waiting for it). Any CPU. 0, or
 * -SCHED_EINVAL. O(woken x (log waiters + held mutexes)). */
int sched_cond_signal(struct sched_sys *s, struct sched_cond *c);
int sched_cond_broadcast(struct sched_sys *s, struct sched_cond *c);

/* The current thread arrives at b: the last of `count` arrivals releases the others (and
 * runs on: *next is itself), the others wait. sched_wait_result() is 0. O(count) for the
 * last arrival, O(log count) for the others. */
int sched_barrier_wait(struct sched_sys *s, unsigned cpu, struct sched_barrier *b,
		       struct sched_thread **next);

/* How the last wait of t ended (see above); reads only t. -SCHED_EINVAL for NULL. */
int sched_wait_result(const struct sched_thread *t);

/* The invariants of t's mutex state (a test aid, like sched_check): waiting means blocked,
 * owner chains are acyclic and bounded, held mutexes name t, an SC t runs on for a waiter
 * is its top waiter's. 0 or -SCHED_ECHECK (sched_check_message() says what). */
int sched_mutex_check(struct sched_sys *s, struct sched_thread *t);

#ifdef __cplusplus
}
#endif

#endif
