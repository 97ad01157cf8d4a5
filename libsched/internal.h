/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what every libsched module shares: the public types, atomics, locks and
 * assertions, lists, and a few one-line helpers. Not part of the API. Each module's own
 * functions are declared in its header (rq.h, sc.h, ...), with their locking rules.
 */
#ifndef LIBSCHED_INTERNAL_H
#define LIBSCHED_INTERNAL_H

#include <sched/arch.h>
#include <sched/sched.h>
#include <sched/explain.h>

#include "atomic.h"
#include "debug.h"
#include "list.h"
#include "lock.h"
#include "weight.h"

#define SCHED_TIMER_BATCH 16 /* expired sleepers woken per timer interrupt */
#define SCHED_SLICE_MIN 100000ull    /* latency class bounds: 0.1 ms .. */
#define SCHED_SLICE_MAX 100000000ull /* .. 100 ms */

/* Fair parameters in range: nice, and a latency class (slice) of 0 (the default) or inside
 * its bounds. sched_thread_init, sched_set_fair and the policy queue's profiles. */
static inline bool sched__fair_params_ok(int nice, uint64_t slice_ns)
{
	return nice >= SCHED_NICE_MIN && nice <= SCHED_NICE_MAX &&
	       (!slice_ns || (slice_ns >= SCHED_SLICE_MIN && slice_ns <= SCHED_SLICE_MAX));
}

/*
 * A deadline may be SCHED_TIME_NEVER, which the wrap-safe signed difference would see as
 * "long ago"; every comparison of deadlines goes through this one helper.
 */
static inline bool sched__deadline_before(sched_time_t a, sched_time_t b)
{
	return a != SCHED_TIME_NEVER && (b == SCHED_TIME_NEVER || sched_time_before(a, b));
}

static inline sched_time_t sched__earlier(sched_time_t a, sched_time_t b)
{
	return sched__deadline_before(a, b) ? a : b;
}

/* Invariant checkers record what failed and return this: `return sched__check_fail(...)`. */
static inline int sched__check_fail(struct sched_sys *s, const char *msg, uint32_t arg)
{
	s->check_msg = msg;
	s->check_arg = arg;
	return -SCHED_ECHECK;
}

/* Zero n bytes (a multiple of 8, 8-aligned). The empty asm keeps the compiler from turning
 * the loop into a call to memset, which a freestanding kernel may not have. O(n). */
static inline void sched__zero(void *p, size_t n)
{
	uint64_t *w = (uint64_t *)p;

	for (size_t i = 0; i < n / 8; i++) {
		w[i] = 0;
		__asm__ volatile("" ::: "memory");
	}
}

/*
 * The SC whose budget and deadline t runs on: one a mutex waiter lends it (proxy.c), else
 * its own or a donated one (sc.c). Read where the classes and the budget gate read it;
 * sc.c manages t->sc itself. mx_sc changes only under t's lock and its rq lock.
 */
static inline struct sched_sc *sched__run_sc(const struct sched_thread *t)
{
	struct sched_sc *m = __atomic_load_n(&t->mx_sc, __ATOMIC_RELAXED);

	return m ? m : __atomic_load_n(&t->sc, __ATOMIC_RELAXED);
}

static inline struct sched_rq *sched__rq(struct sched_sys *s, unsigned cpu)
{
	SCHED_ASSERT(cpu < s->nr_cpus);
	return &s->rq[cpu];
}

static inline bool sched__ref_live(struct sched_ref r)
{
	return r.t && sched__get(&r.t->gen) == r.gen && sched__get(&r.t->state) != SCHED_EXITED;
}

/* The online mask is shared by all CPUs: bits change with atomic OR/AND (two CPUs may come
 * online at once) and are read with atomic loads. */
static inline bool sched__cpu_usable(struct sched_sys *s, unsigned cpu)
{
	return cpu < s->nr_cpus &&
	       (sched__get(&s->online.w[cpu / 64]) >> (cpu % 64) & 1);
}

static inline void sched__online_mark(struct sched_sys *s, unsigned cpu, bool on)
{
	uint64_t bit = 1ull << (cpu % 64);

	if (on)
		__atomic_fetch_or(&s->online.w[cpu / 64], bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&s->online.w[cpu / 64], ~bit, __ATOMIC_RELAXED);
}

/*
 * Load of rq: the summed weight of the threads runnable there, current one included.
 * Read without the lock by placement and balance (a heuristic): relaxed atomic load.
 */
static inline uint64_t sched__rq_load(const struct sched_rq *rq)
{
	return __atomic_load_n(&rq->load, __ATOMIC_RELAXED);
}

/* Is core scheduling on for rq's core? Every core-scheduling hook on a hot path is behind
 * this one test, so with the feature off they cost one predictable branch. */
static inline bool sched__core_on(const struct sched_rq *rq)
{
	return rq->core_on;
}

/* rq's core state (kept by the core's leader) and the core's i-th CPU. */
static inline struct sched_core *sched__core_of(const struct sched_rq *rq)
{
	return &rq->core->core_state;
}

static inline struct sched_rq *sched__sib(const struct sched_rq *rq, unsigned i)
{
	return &rq->sys->rq[sched__core_of(rq)->sib[i]];
}

static inline bool sched__cookies_match(const struct sched_thread *a, const struct sched_thread *b)
{
	return a->is_idle || b->is_idle || a->cookie == b->cookie;
}

/* A thread in a refill wait tree (budget.c), from its node. */
static inline struct sched_thread *sched__wait_thread(const struct sched_rb_node *n)
{
	return sched__container_of(n, struct sched_thread, sc_node);
}

/*
 * t locked: lock the run queue that owns t (t->cpu: its queue, or its last CPU), which t's
 * lock keeps from changing. The order "thread, then its run queue" of every such view.
 */
static inline struct sched_rq *sched__lock_thread_rq(struct sched_sys *s, struct sched_thread *t)
{
	struct sched_rq *rq;

	SCHED_ASSERT(sched__lock_mine(&t->lock));
	rq = sched__rq(s, t->cpu);
	sched__rq_lock(rq);
	return rq;
}

/* t's lock or its run queue's lock held (asserted): either orders its state. */
#define sched__assert_thread_or_rq_locked(s, t) \
	SCHED_ASSERT(sched__lock_mine(&(t)->lock) || sched__lock_mine(&(s)->rq[(t)->cpu].core->lock))

/* t, the current thread of its CPU, starts / stops migrating to dst. */
static inline void sched__set_migrating(struct sched_sys *s, struct sched_thread *t, unsigned dst,
					unsigned cause)
{
	sched__assert_thread_or_rq_locked(s, t);
	if (sched__get(&t->state) == SCHED_MIGRATING)
		sched__add(&s->rq[t->dst_cpu].migrating_in, (uint32_t)-1);
	t->dst_cpu = (uint16_t)dst;
	t->mig_cause = (uint8_t)cause;
	sched__set(&t->state, SCHED_MIGRATING);
	sched__add(&s->rq[dst].migrating_in, 1);
}

static inline void sched__end_migrating(struct sched_sys *s, struct sched_thread *t,
					enum sched_state to)
{
	sched__assert_thread_or_rq_locked(s, t);
	if (sched__get(&t->state) == SCHED_MIGRATING)
		sched__add(&s->rq[t->dst_cpu].migrating_in, (uint32_t)-1);
	sched__set(&t->state, (uint8_t)to);
}

/* --- CPU isolation leases (lease.c) --------------------------------------------------- */

/* Does lease l let t run on its CPUs: is t the holder thread (this life of it), or in the
 * holder group or below it? Idle threads always may. O(group depth). */
static inline bool sched__lease_holds(const struct sched_lease *l, const struct sched_thread *t)
{
	/* atomic: placement may read a lease a revocation is clearing (it checks again under
	 * the target's lock, where rq->lease is settled) */
	const struct sched_group *lg = __atomic_load_n(&l->group, __ATOMIC_RELAXED);

	if (t->is_idle || (__atomic_load_n(&l->thread, __ATOMIC_RELAXED) == t &&
			   __atomic_load_n(&l->thread_gen, __ATOMIC_RELAXED) == sched__get(&t->gen)))
		return true;
	for (const struct sched_group *g = lg ? t->group : NULL; g; g = g->parent)
		if (g == lg)
			return true;
	return false;
}

/* May t be on rq as far as leases go? Read without the lock by placement (a heuristic),
 * and again under rq's lock where a thread is committed to it. */
static inline bool sched__lease_lets(const struct sched_rq *rq, const struct sched_thread *t)
{
	const struct sched_lease *l = __atomic_load_n(&rq->lease, __ATOMIC_ACQUIRE);

	return !l || sched__lease_holds(l, t);
}

/*
 * The most CPUs a wake placement or a balance looks at: all of them up to this many (every
 * build of 64 CPUs or fewer scans as it always did, in CPU order), else a window of this
 * many, as Linux bounds its idle-CPU search to a domain. It keeps those paths O(this) per
 * wake and per balance whatever SCHED_MAX_CPUS is; periodic balance evens out what a
 * window misses.
 */
#define SCHED_SCAN_CPUS 64

/* The k-th CPU of a scan window that starts at `start`, wrapping at nr_cpus. */
static inline unsigned sched__scan_cpu(const struct sched_sys *s, unsigned start, unsigned k)
{
	unsigned c = start + k;

	return c < s->nr_cpus ? c : c - s->nr_cpus;
}

/* CPUs a scan looks at: min(nr_cpus, SCHED_SCAN_CPUS). */
static inline unsigned sched__scan_len(const struct sched_sys *s)
{
	return s->nr_cpus < SCHED_SCAN_CPUS ? s->nr_cpus : SCHED_SCAN_CPUS;
}

/* CPUs in m (no popcount builtin: without -mpopcnt it is a libgcc call). O(set bits). */
static inline unsigned sched__cpumask_count(const sched_cpumask_t *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++)
		for (uint64_t w = m->w[i]; w; w &= w - 1)
			n++;
	return n;
}

static inline bool sched__cpumask_equal(const sched_cpumask_t *a, const sched_cpumask_t *b)
{
	return sched_cpumask_subset(a, b) && sched_cpumask_subset(b, a);
}

/* Is an online CPU left outside every lease, every shared realtime island (where the
 * port's IRQs go) and `taking` (NULL: none)? A grant or an offline that would leave none is
 * refused: the housekeeping set is never empty, nor without a home for IRQs. */
static inline bool sched__general_left(struct sched_sys *s, const sched_cpumask_t *taking)
{
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched__cpu_usable(s, c) && !(taking && sched_cpumask_test(taking, c)) &&
		    !__atomic_load_n(&s->rq[c].lease, __ATOMIC_ACQUIRE) &&
		    !__atomic_load_n(&s->rq[c].isl_shared, __ATOMIC_RELAXED))
			return true;
	return false;
}

/* The instant charges on rq may reach by `now`: a device interrupt handler's time is
 * nobody's (sched_irq_enter), so inside one, its start. [L] */
static inline sched_time_t sched__charge_until(const struct sched_rq *rq, sched_time_t now)
{
	return rq->irq_depth && sched_time_before(rq->irq_since, now) ? rq->irq_since : now;
}

/* What the current thread t of rq has run since its last charge, by `now`, not charged. */
static inline uint64_t sched__uncharged(const struct sched_rq *rq, const struct sched_thread *t,
					sched_time_t now)
{
	sched_time_t until = sched__charge_until(rq, now);

	return sched_time_before(t->exec_start, until) ? until - t->exec_start : 0;
}

/* Remove from *m the CPUs a lease closes to t. O(leased CPUs); one word test without any. */
static inline void sched__lease_filter(struct sched_sys *s, const struct sched_thread *t,
				       sched_cpumask_t *m)
{
	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++) {
		uint64_t w = __atomic_load_n(&s->leased.w[i], __ATOMIC_ACQUIRE) & m->w[i];

		for (unsigned b = 0; w; b++, w >>= 1) /* no ctz: libgcc may not be there */
			if ((w & 1) && i * 64 + b < s->nr_cpus &&
			    !sched__lease_lets(&s->rq[i * 64 + b], t))
				m->w[i] &= ~(1ull << b);
	}
}

#endif
