/* SPDX-License-Identifier: MIT */
/*
 * place.c - where a thread runs: wake placement and the choice of another CPU.
 */
#include "internal.h"
#include "core_tree.h"
#include "place.h"
#include "rq.h"

static bool allowed(struct sched_sys *s, const struct sched_thread *t, unsigned cpu)
{
	return sched__cpu_usable(s, cpu) && sched_cpumask_test(&t->affinity, cpu) &&
	       sched__lease_lets(sched__rq(s, cpu), t);
}

static uint64_t load_of(struct sched_sys *s, unsigned cpu)
{
	return sched__rq_load(sched__rq(s, cpu));
}

static bool cache_hot(struct sched_sys *s, const struct sched_thread *t, sched_time_t now)
{
	return t->acct.v[SCHED_ACCT_SWITCHES] && now - t->last_ran < s->cfg.cache_hot_ns;
}

/* An idle CPU sharing prev's cache, in the scan window: all CPUs in order on machines of
 * SCHED_SCAN_CPUS or fewer, else the SCHED_SCAN_CPUS after prev. O(SCHED_SCAN_CPUS). */
static int idle_cache_sibling(struct sched_sys *s, const struct sched_thread *t, unsigned prev)
{
	unsigned start = s->nr_cpus > SCHED_SCAN_CPUS ? sched__scan_cpu(s, prev, 1) : 0;

	for (unsigned k = 0, n = sched__scan_len(s); k < n; k++) {
		unsigned c = sched__scan_cpu(s, start, k);

		if (c != prev && s->topo.llc[c] == s->topo.llc[prev] && allowed(s, t, c) &&
		    load_of(s, c) == 0)
			return (int)c;
	}
	return -1;
}

/* A least-loaded search of sched__pick_cpu: the best so far and the CPUs looked at. */
struct pick {
	unsigned prev, avoid, seen;
	bool window;
	int best;
	uint64_t best_load;
};

/* Look at the CPUs of `mask` in [lo, hi) in order; true once the search is over (an idle
 * CPU, or SCHED_SCAN_CPUS looked at). */
static bool pick_range(struct sched_sys *s, const sched_cpumask_t *mask, unsigned lo,
		       unsigned hi, struct pick *p)
{
	for (unsigned c = sched_cpumask_next(mask, lo); c < hi;
	     c = sched_cpumask_next(mask, c + 1)) {
		uint64_t l;

		if (p->seen++ == SCHED_SCAN_CPUS)
			return true;
		if (c == p->avoid || !sched__cpu_usable(s, c))
			continue;
		l = load_of(s, c) * 2 + (c != p->prev); /* ties prefer the previous CPU; < 2^40 */
		if (l < p->best_load) {
			p->best_load = l;
			p->best = (int)c;
		}
		if (l == 0 || (p->window && l == 1))
			return true; /* idle: nothing better to find */
	}
	return false;
}

/*
 * Least-loaded online CPU in `mask` other than `avoid` (nr_cpus avoids none); ties prefer
 * prev, then the first looked at. A thread's mask comes through sched__usable_mask
 * (leases). Up to SCHED_SCAN_CPUS CPUs the whole mask is scanned in CPU order. Above, at
 * most SCHED_SCAN_CPUS CPUs of the mask are looked at, from prev on and wrapping, and an
 * idle one ends the search: O(words + SCHED_SCAN_CPUS) however many CPUs the machine has.
 */
int sched__pick_cpu(struct sched_sys *s, const sched_cpumask_t *mask, unsigned prev,
		    unsigned avoid)
{
	struct pick p = { .prev = prev, .avoid = avoid, .window = s->nr_cpus > SCHED_SCAN_CPUS,
			  .best = -1, .best_load = UINT64_MAX };
	unsigned start = p.window && prev < s->nr_cpus ? prev : 0;

	if (!pick_range(s, mask, start, s->nr_cpus, &p) && start)
		pick_range(s, mask, 0, start, &p);
	return p.best >= 0 ? p.best : -SCHED_EAFFINITY;
}

/*
 * Core scheduling: the same order, but only among CPUs where t would force no sibling idle
 * (every sibling idle or running t's cookie); the least loaded of those ends it. -1: none,
 * and the plain rules decide (the core pick then sorts it out). O(nr_cpus x SMT width).
 */
static int core_place(struct sched_sys *s, const struct sched_thread *t, enum sched_wake_reason why,
		      unsigned waker)
{
	unsigned prev = t->cpu;
	sched_cpumask_t fit;
	int c;

	sched_cpumask_clear(&fit);
	for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++)
		if (allowed(s, t, cpu) && sched__core_fits(s, cpu, t))
			sched_cpumask_set(&fit, cpu);
	if (sched_cpumask_test(&fit, prev) &&
	    (load_of(s, prev) == 0 || cache_hot(s, t, sched_arch_now())))
		return (int)prev;
	for (unsigned cpu = 0; prev < s->nr_cpus && cpu < s->nr_cpus; cpu++)
		if (sched_cpumask_test(&fit, cpu) && s->topo.llc[cpu] == s->topo.llc[prev] &&
		    load_of(s, cpu) == 0)
			return (int)cpu;
	if ((why == SCHED_WAKE_IPC || why == SCHED_WAKE_IPC_SYNC) && sched_cpumask_test(&fit, waker))
		return (int)waker;
	c = sched__pick_cpu(s, &fit, prev, s->nr_cpus);
	return c >= 0 ? c : -1;
}

/* What CPU c will run: its current thread, or a more urgent realtime thread already queued
 * there (placed or pushed, its pick not taken yet: the CPU is as good as taken). */
static struct sched_rank soon_running(struct sched_sys *s, unsigned c)
{
	struct sched_rank cr = sched__rank_curr(sched__rq(s, c)), q = sched__rank_queued(sched__rq(s, c));

	return sched__rank_before(q, cr) ? q : cr;
}

/* The CPU in `mask` (not `me`) that will run the least urgent thing, if that is less urgent
 * than `r`; ties go to the lowest number. -1 if none. Published ranks, no lock. O(nr_cpus). */
int sched__rt_target(struct sched_sys *s, const sched_cpumask_t *mask, unsigned me,
		     struct sched_rank r)
{
	int best = -1;
	struct sched_rank worst = r;

	for (unsigned c = 0; c < s->nr_cpus; c++) {
		struct sched_rank cr;

		if (c == me || !sched__cpu_usable(s, c) || !sched_cpumask_test(mask, c))
			continue;
		cr = soon_running(s, c);
		if (sched__rank_before(worst, cr)) {
			worst = cr;
			best = (int)c;
		}
	}
	return best;
}

/*
 * A realtime thread (its class has a rank key) goes where it runs at once: the allowed CPU
 * running the least urgent thing, its previous CPU if that one is as good. -1: no CPU
 * runs anything less urgent (the plain rules place it; push and pull do the rest).
 */
static int rt_place(struct sched_sys *s, const struct sched_thread *t, unsigned prev)
{
	const struct sched_class *c = sched__class_for(s, t, sched_arch_now());
	sched_cpumask_t mask;
	int d;

	if (!c->rank_key)
		return -1;
	sched__usable_mask(s, t, &t->affinity, &mask);
	d = sched__rt_target(s, &mask, s->nr_cpus, sched__rank_of(t, c));
	if (d >= 0 && (unsigned)d != prev && allowed(s, t, prev) &&
	    !sched__rank_before(soon_running(s, prev), soon_running(s, (unsigned)d)))
		return (int)prev;
	return d;
}

/*
 * A lease holder's thread goes to the least-loaded CPU of a lease that holds it, within its
 * affinity: the CPU is there for it. -1 if none (no lease, or none it may use). O(leased
 * CPUs); one word test per mask word while nothing is leased.
 */
static int lease_place(struct sched_sys *s, const struct sched_thread *t, unsigned prev)
{
	sched_cpumask_t mine, cand;

	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++)
		cand.w[i] = __atomic_load_n(&s->leased.w[i], __ATOMIC_ACQUIRE) & t->affinity.w[i];
	if (sched_cpumask_empty(&cand))
		return -1;
	sched_cpumask_clear(&mine);
	for (unsigned c = 0; c < s->nr_cpus; c++) {
		const struct sched_lease *l = __atomic_load_n(&s->rq[c].lease, __ATOMIC_ACQUIRE);

		if (sched_cpumask_test(&cand, c) && l && sched__lease_holds(l, t))
			sched_cpumask_set(&mine, c); /* (a lease revoked meanwhile: not its) */
	}
	return sched_cpumask_empty(&mine) ? -1 : sched__pick_cpu(s, &mine, prev, s->nr_cpus);
}

/*
 * A process wait or a join (bench/bench_wake.c measured it against the plain rule): the
 * waker is the exiting child, so its CPU frees at once. After the rules that come first
 * (lease, realtime, core scheduling) and before the plain ones: an idle prev stays the
 * choice (no migration, no wait); else the waker's CPU if nothing is queued there; else an
 * idle CPU sharing the waker's cache. -1: the plain rules decide. O(SCHED_SCAN_CPUS).
 */
static int near_exit(struct sched_sys *s, const struct sched_thread *t,
		     enum sched_wake_reason why, unsigned waker)
{
	if ((why != SCHED_WAKE_PROCESS && why != SCHED_WAKE_JOIN) ||
	    (allowed(s, t, t->cpu) && load_of(s, t->cpu) == 0))
		return -1;
	if (allowed(s, t, waker) &&
	    __atomic_load_n(&sched__rq(s, waker)->nr_queued, __ATOMIC_RELAXED) == 0)
		return (int)waker;
	return idle_cache_sibling(s, t, waker);
}

/* O(words + SCHED_SCAN_CPUS) (internal.h); with core scheduling, or for a realtime thread,
 * O(nr_cpus) (core_place, rt_place). Returns a CPU or -SCHED_EAFFINITY. The reasons'
 * rules: docs/architecture.md, "Wake placement by reason". */
int sched__select_cpu(struct sched_sys *s, struct sched_thread *t, enum sched_wake_reason why,
		      unsigned waker)
{
	unsigned prev = t->cpu;
	int c;

	sched__assert_thread_locked(t);
	if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE) && allowed(s, t, prev))
		return (int)prev;
	sched__wait_switched(t); /* bounded by the old CPU finishing its switch */
	if ((c = lease_place(s, t, prev)) >= 0)
		return c;
	if ((sched__run_sc(t) || t->rt_prio) && !s->cfg.core_sched && (c = rt_place(s, t, prev)) >= 0)
		return c;
	if (s->cfg.core_sched && (c = core_place(s, t, why, waker)) >= 0)
		return c;
	if ((c = near_exit(s, t, why, waker)) >= 0)
		return c;
	if (allowed(s, t, prev) && (load_of(s, prev) == 0 || cache_hot(s, t, sched_arch_now())))
		return (int)prev;
	if (prev < s->nr_cpus && (c = idle_cache_sibling(s, t, prev)) >= 0)
		return c;
	return sched__pick_other_cpu(s, t, s->nr_cpus);
}

/* t's lock or the lock of its rq held: the CPU offline reads the threads it owns under its
 * rq lock alone (balance.c). */
int sched__pick_other_cpu(struct sched_sys *s, const struct sched_thread *t, unsigned avoid)
{
	sched_cpumask_t mask;

	sched__assert_thread_or_rq_locked(s, t);
	sched__usable_mask(s, t, &t->affinity, &mask);
	return sched__pick_cpu(s, &mask, t->cpu, avoid);
}

/* `aff` (t's affinity, or one it is about to get) without the CPUs a lease closes to t. */
void sched__usable_mask(struct sched_sys *s, const struct sched_thread *t,
			const sched_cpumask_t *aff, sched_cpumask_t *out)
{
	*out = *aff;
	sched__lease_filter(s, t, out);
}
