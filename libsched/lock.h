/* SPDX-License-Identifier: MIT */
/*
 * lock.h - the ticket lock, run-queue locks, the lock pair, the interrupts-off frames every
 * entry opens, and the assertions that say a lock is held.
 *
 * Order: s->sc_lock, then thread locks, then run-queue locks in ascending order of the CPU
 * owning the lock (with core scheduling, siblings share their core leader's lock and count
 * as one). Every lock is taken with interrupts off on this CPU (the frames below), so a
 * lock held by this CPU also means interrupts are off: "rq locked" asserts both.
 */
#ifndef LIBSCHED_LOCK_H
#define LIBSCHED_LOCK_H

#include <sched/arch.h>
#include <sched/sched.h>

#include "atomic.h"
#include "debug.h"

/* --- ticket lock ------------------------------------------------------------------------ */

/* Held by this CPU (the holder is recorded in debug builds only: use in assertions). */
static inline bool sched__lock_mine(const struct sched_lock *l)
{
	return __atomic_load_n(&l->holder, __ATOMIC_RELAXED) == sched_arch_cpu_id() + 1;
}

#ifdef SCHED_DEBUG
static inline void sched__lock_note(struct sched_lock *l, bool taken)
{
	__atomic_store_n(&l->holder, taken ? sched_arch_cpu_id() + 1 : 0, __ATOMIC_RELAXED);
}
#else
static inline void sched__lock_note(struct sched_lock *l, bool taken)
{
	(void)l, (void)taken;
}
#endif

/* Returns true if the lock had to be waited for. Spins are bounded by the number of CPUs
 * ahead in the queue, each holding the lock for one bounded critical section. */
static inline bool sched__spin_lock(struct sched_lock *l)
{
	uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	bool waited = false;

	SCHED_ASSERT(!sched__lock_mine(l)); /* not recursive */
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me) {
		waited = true;
		sched_arch_cpu_relax();
	}
	sched__lock_note(l, true);
	return waited;
}

/* Take the lock only if it is free right now. The acquire load of `owner` (the word the
 * unlock releases) is what orders this critical section after the previous one. */
static inline bool sched__spin_trylock(struct sched_lock *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE);
	uint32_t expect = owner;

	if (!__atomic_compare_exchange_n(&l->next, &expect, owner + 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return false;
	sched__lock_note(l, true);
	return true;
}

/* Releasing a lock this CPU does not hold (a double unlock) is caught in debug builds. */
static inline void sched__spin_unlock(struct sched_lock *l)
{
	SCHED_ASSERT(sched__lock_mine(l));
	sched__lock_note(l, false);
	__atomic_store_n(&l->owner, __atomic_load_n(&l->owner, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

#define sched__assert_locked(l) SCHED_ASSERT(sched__lock_mine(l))
#define sched__assert_thread_locked(t) SCHED_ASSERT(sched__lock_mine(&(t)->lock))
#define sched__assert_rq_locked(rq) SCHED_ASSERT(sched__lock_mine(&(rq)->core->lock))
/* rq locked, and rq is this CPU's own queue (the timer and the pick act only there). */
#define sched__assert_rq_local(rq) \
	SCHED_ASSERT(sched__lock_mine(&(rq)->core->lock) && (rq)->cpu == sched_arch_cpu_id())

/* --- measurement counters -------------------------------------------------------------- */

/*
 * Whether rq counts the measurement counters (SCHED_CNT_MEASURED, sched_measure). The flag
 * sits in the run queue's first cache line beside `core`, `cpu` and `ipi_pending`, which
 * every counting path reads anyway, and it changes only when the caller flips the switch:
 * off, a site costs this load and one branch that predicts.
 */
static inline bool sched__measuring(const struct sched_rq *rq)
{
	return __builtin_expect(sched__get(&rq->measure), 0);
}

/* Add v to rq's measurement counter `cnt` if rq counts them. */
static inline void sched__measure_inc(struct sched_rq *rq, enum sched_counter cnt, uint64_t v)
{
	if (sched__measuring(rq))
		sched__inc(&rq->counters[cnt], v);
}

/* --- run-queue locks -------------------------------------------------------------------- */

/*
 * Run-queue lock: counts acquisitions and contention on the queue it protects while it
 * measures (they are measurement counters). With core scheduling on, the CPUs of a core
 * share the lock of the core's leader (rq->core), fixed at init: one lock makes the
 * core-wide pick see and change every sibling at once.
 */
static inline void sched__rq_lock(struct sched_rq *rq)
{
	bool waited = sched__spin_lock(&rq->core->lock);

	if (sched__measuring(rq)) {
		sched__inc(&rq->counters[SCHED_CNT_LOCK_ACQUIRE], 1);
		if (waited)
			sched__inc(&rq->counters[SCHED_CNT_LOCK_CONTENDED], 1);
	}
}

static inline void sched__rq_unlock(struct sched_rq *rq)
{
	sched__spin_unlock(&rq->core->lock);
}

/*
 * Two run queues locked together, in lock order. The pair remembers whether they share one
 * lock (the same CPU, or SMT siblings under core scheduling), so its unlock releases that
 * lock exactly once: there is no way to release a shared lock twice.
 */
struct sched_rq_pair {
	struct sched_rq *first, *second; /* second == NULL: one shared lock */
};

static inline struct sched_rq_pair sched__rq_lock2(struct sched_rq *a, struct sched_rq *b)
{
	struct sched_rq_pair p = { a, b };

	if (a->core == b->core)
		p.second = NULL;
	else if (b->core->cpu < a->core->cpu)
		p = (struct sched_rq_pair){ b, a };
	sched__rq_lock(p.first);
	if (p.second)
		sched__rq_lock(p.second);
	return p;
}

static inline void sched__rq_unlock2(struct sched_rq_pair p)
{
	if (p.second)
		sched__rq_unlock(p.second);
	sched__rq_unlock(p.first);
}

/* Release the pair but keep `keep`'s lock held (keep is one of the two). */
static inline void sched__rq_unlock2_keep(struct sched_rq_pair p, struct sched_rq *keep)
{
	if (p.second && p.second->core != keep->core)
		sched__rq_unlock(p.second);
	else if (p.second)
		sched__rq_unlock(p.first);
}

/* --- interrupts-off frames -------------------------------------------------------------- */

/* Interrupts off, then rq's lock: the frame of every entry that touches one run queue. */
static inline unsigned long sched__rq_lock_irq(struct sched_rq *rq)
{
	unsigned long flags = sched_arch_irq_save();

	sched__rq_lock(rq);
	return flags;
}

static inline void sched__rq_unlock_irq(struct sched_rq *rq, unsigned long flags)
{
	sched__rq_unlock(rq);
	sched_arch_irq_restore(flags);
}

/* Interrupts off, then lock `l` (a thread's lock, sc_lock). */
static inline unsigned long sched__lock_irq(struct sched_lock *l)
{
	unsigned long flags = sched_arch_irq_save();

	sched__spin_lock(l);
	return flags;
}

static inline void sched__unlock_irq(struct sched_lock *l, unsigned long flags)
{
	sched__spin_unlock(l);
	sched_arch_irq_restore(flags);
}

/*
 * A BLOCKED thread may still be its old CPU's current thread, finishing the pick that
 * blocked it: a pick blocks a thread (notify-and-block fault, passive without SC) under the
 * rq lock alone. A thread-lock holder that changes its scheduling fields without that rq
 * lock first waits for the switch to finish (finish_switch releases on_cpu, takes no lock).
 * Bounded: the other CPU finishes its switch with interrupts off.
 */
static inline void sched__wait_switched(const struct sched_thread *t)
{
	while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		sched_arch_cpu_relax();
}

#endif
