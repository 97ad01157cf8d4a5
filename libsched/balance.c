/* SPDX-License-Identifier: MIT */
/*
 * balance.c - moving queued threads between CPUs: idle steal, periodic push, CPU offline.
 *
 * Bounds: a pass moves at most cfg.balance_max threads (K, default 4), or rotates one, and
 * looks at most at SCHED_MOVE_SCAN queued threads per queue, so a pass is
 * O(SCHED_SCAN_CPUS + SCHED_MOVE_SCAN) whatever the queue length and the number of CPUs
 * (a machine of more than SCHED_SCAN_CPUS is scanned a window at a time, internal.h). Load
 * is the number of runnable threads (queued + a non-idle current).
 * A move needs both rq locks (ascending CPU order) and the thread's lock, taken with
 * trylock because the rq locks are already held (thread before rq is the lock order): a
 * thread whose lock is busy is simply skipped this pass.
 */
#include "internal.h"
#include "balance.h"
#include "core_tree.h"
#include "migrate.h"
#include "place.h"
#include "progress.h"
#include "rq.h"
#include "sc.h"
#include "timeout.h"

/*
 * Allowed there (and, to be moved while queued, off its old stack, not promised to a
 * handoff). Core scheduling: an idle
 * CPU does not steal a thread its core's running cookie would force idle at once; the
 * periodic balance may move it to another core anyway, since otherwise a cookie that
 * holds a core alone keeps it forever while the other cookies crowd the remaining cores
 * (the core-wide pick then shares that core between the two cookies). Within one core a
 * move to the sibling gains nothing.
 */
static bool may_run_there(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
			  bool dst_idling)
{
	return sched_cpumask_test(&t->affinity, dst->cpu) && sched__lease_lets(dst, t) &&
	       (!sched__core_on(dst) || sched__core_fits(src->sys, dst->cpu, t) ||
		(!dst_idling && dst->core != src->core));
}

static bool can_move(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
		     bool dst_idling)
{
	return !__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE) && src->handoff != t &&
	       may_run_there(src, dst, t, dst_idling);
}

#define SCHED_MOVE_SCAN 32

/* The load rq will have once its current thread, which is leaving, has left (a fair
 * thread counts as what its share weighs, which may round above its part). rq locked. */
static uint64_t load_idling(const struct sched_rq *rq)
{
	const struct sched_thread *c = rq->curr;
	uint64_t l = sched__rq_load(rq), w = 0;

	if (c && !c->is_idle && c->on_class)
		w = c->on_class == rq->sys->classes[SCHED_NR_CLASSES - 1] ? sched__share_weight(rq, c)
									 : c->weight;
	return l > w ? l - w : 0;
}

/*
 * Is moving t from src to dst worth it? A CPU about to idle (`idling`, its current thread
 * leaving) takes one queued thread whenever src has another to run (work conservation);
 * otherwise t moves only if that narrows the gap, w_t < src - dst: the sum of the squared
 * loads then strictly falls, so moves can never cycle.
 */
static bool worth_moving(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
			 bool idling, unsigned moved)
{
	uint64_t dl = idling ? load_idling(dst) : sched__rq_load(dst);
	uint64_t sl = sched__rq_load(src);

	if (idling && !moved) /* src's idle thread is RUNNING too, but runs nothing */
		return src->nr_queued +
		       (!src->curr->is_idle && sched__get(&src->curr->state) == SCHED_RUNNING) >= 2;
	return sl > dl && sched__share_weight(src, t) < sl - dl;
}

/* Move threads from src to dst while that evens their loads. Both rqs locked. */
static unsigned move_some(struct sched_rq *src, struct sched_rq *dst, bool dst_idling)
{
	struct sched_sys *s = src->sys;
	/* the last class evens weighted load; the classes above it are partitioned */
	const struct sched_class *fair = s->classes[SCHED_NR_CLASSES - 1];
	struct sched_thread *t = fair->first(src), *nx;
	sched_time_t now = sched_arch_now();
	unsigned moved = 0;

	sched__assert_rq_locked(src);
	sched__assert_rq_locked(dst);
	for (unsigned scanned = 0; t && scanned < SCHED_MOVE_SCAN; scanned++, t = nx) {
		nx = fair->next(src, t);
		if (moved >= s->cfg.balance_max)
			break;
		/* a leased dst takes only its holder's threads: asked before any trylock */
		if (!worth_moving(src, dst, t, dst_idling, moved) || !sched__lease_lets(dst, t) ||
		    !sched__spin_trylock(&t->lock))
			continue;
		if (!can_move(src, dst, t, dst_idling)) { /* affinity read under the thread lock */
			sched__spin_unlock(&t->lock);
			continue;
		}
		sched__move_queued(src, dst, t, now, dst_idling ? SCHED_MIG_STEAL : SCHED_MIG_BALANCE);
		sched__spin_unlock(&t->lock);
		moved++;
	}
	return moved;
}

/* Where me's scan starts: CPU 0 up to SCHED_SCAN_CPUS CPUs (the whole machine, in order);
 * above, each scan starts where the last one ended, so successive scans cover the machine. */
static unsigned scan_start(struct sched_sys *s, unsigned me)
{
	uint32_t *at = &sched__rq(s, me)->scan_at;
	unsigned start;

	if (s->nr_cpus <= SCHED_SCAN_CPUS)
		return 0;
	start = sched__get(at) % s->nr_cpus;
	sched__set(at, (uint32_t)sched__scan_cpu(s, start, SCHED_SCAN_CPUS));
	return start;
}

/* The usable CPU with the most (most_loaded) or the least load, not `me`, of the
 * SCHED_SCAN_CPUS in its scan window (all of them on a machine that small).
 * O(SCHED_SCAN_CPUS). */
static int find_cpu(struct sched_sys *s, unsigned me, bool most_loaded)
{
	unsigned start = scan_start(s, me);
	int best = -1;
	uint64_t best_load = 0;

	for (unsigned k = 0, n = sched__scan_len(s); k < n; k++) {
		unsigned c = sched__scan_cpu(s, start, k);
		uint64_t l;

		if (c == me || !sched__cpu_usable(s, c))
			continue;
		/* a leased CPU takes only its holder's threads and keeps them: no target for
		 * evening loads, and a victim only for another leased CPU */
		if (__atomic_load_n(&s->rq[c].lease, __ATOMIC_RELAXED) &&
		    (!most_loaded || !__atomic_load_n(&s->rq[me].lease, __ATOMIC_RELAXED)))
			continue;
		l = sched__rq_load(sched__rq(s, c));
		/* a steal needs queued threads; prefer our cache domain on ties */
		if (most_loaded && !sched__get(&s->rq[c].nr_queued))
			continue;
		l = l * 2 + (s->topo.llc[c] != s->topo.llc[me]);
		if (best < 0 || (most_loaded ? l > best_load : l < best_load)) {
			best = (int)c;
			best_load = l;
		}
	}
	return best;
}

/* This CPU (rq, unlocked) is about to idle: pull from the busiest CPU of its scan
 * window. O(SCHED_SCAN_CPUS + SCHED_MOVE_SCAN). */
unsigned sched__steal(struct sched_rq *rq)
{
	struct sched_sys *s = rq->sys;
	struct sched_rq_pair pair;
	unsigned moved;
	int victim;

	SCHED_ASSERT(rq->cpu == sched_arch_cpu_id()); /* unlocked: sched__rq_lock2 checks that */
	victim = find_cpu(s, rq->cpu, true);
	if (victim < 0)
		return 0;
	pair = sched__rq_lock2(rq, sched__rq(s, (unsigned)victim));
	moved = rq->online ? move_some(sched__rq(s, (unsigned)victim), rq, true) : 0;
	sched__inc(&rq->counters[SCHED_CNT_STEALS], moved);
	sched__rq_unlock2(pair);
	return moved;
}

/* --- rotation: fairness across CPUs ---------------------------------------------------- */

/*
 * When the loads are as even as whole threads allow but not equal (3 threads on 2 CPUs),
 * threads on the heavier CPU fall behind those on the lighter one, and no move that evens
 * the loads will ever change that. Rotation moves src's most advanced movable thread to
 * lighter dst when a thread on dst is more than fair_spread_ns of progress (progress.c)
 * ahead of the most behind one staying on src. With equal weights the move only swaps
 * the two loads (the load gap is a whole number of threads), so the balance above never
 * undoes it and the turns go round. With unequal weights it may overshoot (nice 0, 0, 5
 * on 2 CPUs: the nice-5 thread needs some time alone, which no even placement gives);
 * the destination then holds its evening push for fair_spread_ns, so that the thread left
 * alone catches up before the loads are evened again. Either way a thread moves only
 * after the gap grew past fair_spread_ns again. docs/fair.md derives the bound.
 */
struct progress_range {
	uint64_t lo, hi;
	const struct sched_thread *lo_thread;
	bool any;
};

static void range_add(struct progress_range *r, uint64_t p, const struct sched_thread *t)
{
	if (!r->any || sched__progress_diff(p, r->lo) < 0) {
		r->lo = p;
		r->lo_thread = t;
	}
	if (!r->any || sched__progress_diff(p, r->hi) > 0)
		r->hi = p;
	r->any = true;
}

/*
 * Has t been runnable long enough to say how it is doing? A thread woken less than a
 * balance interval ago has a progress set by its wake, not earned here; a short sleeper
 * next to evenly loaded CPUs would otherwise look behind at every wake and have a
 * CPU-bound thread rotated away and pushed back each time.
 */
static bool settled(const struct sched_sys *s, const struct sched_thread *t, sched_time_t now)
{
	return !sched_time_before(now, t->woken_at + s->cfg.balance_interval_ns);
}

/* Progress range of rq's settled fair threads but `skip`: the current one and up to
 * SCHED_MOVE_SCAN queued. */
static struct progress_range progress_range(struct sched_rq *rq, sched_time_t now,
					    const struct sched_thread *skip)
{
	const struct sched_class *fair = rq->sys->classes[SCHED_NR_CLASSES - 1];
	struct progress_range r = { 0, 0, NULL, false };
	struct sched_thread *t = rq->curr;
	unsigned n = 0;

	if (t && t != skip && !t->is_idle && t->on_class == fair && settled(rq->sys, t, now))
		range_add(&r, sched__progress_now(rq, t, now), t);
	for (t = fair->first(rq); t && n < SCHED_MOVE_SCAN; t = fair->next(rq, t), n++)
		if (t != skip && settled(rq->sys, t, now))
			range_add(&r, t->prog, t);
	return r;
}

/* src's most advanced queued fair thread that may go to dst, returned with its lock held
 * (trylock: rq locks are held); NULL if none. O(SCAN). */
static struct sched_thread *rotation_candidate(struct sched_rq *src, struct sched_rq *dst)
{
	const struct sched_class *fair = src->sys->classes[SCHED_NR_CLASSES - 1];
	struct sched_thread *best = NULL, *t = fair->first(src);

	for (unsigned n = 0; t && n < SCHED_MOVE_SCAN; t = fair->next(src, t), n++) {
		if ((best && sched__progress_diff(t->prog, best->prog) <= 0) ||
		    !sched__spin_trylock(&t->lock))
			continue;
		if (!can_move(src, dst, t, false)) {
			sched__spin_unlock(&t->lock);
			continue;
		}
		if (best)
			sched__spin_unlock(&best->lock);
		best = t;
	}
	return best;
}

/*
 * Should src's current thread go rather than `queued` (NULL: none)? When it is the most
 * advanced, yes: the balance runs from the timer just before a pick, where the thread
 * whose slice ended is current, and leaving it out would let one thread keep its place on
 * the heavier CPU. It leaves at that pick (MIGRATING). rq locks held; true with the
 * current thread's lock taken (trylock), for its affinity and its state.
 */
static bool rotate_current(struct sched_rq *src, struct sched_rq *dst,
			   const struct sched_thread *queued, sched_time_t now)
{
	struct sched_thread *c = src->curr;

	if (c->is_idle || c->on_class != src->sys->classes[SCHED_NR_CLASSES - 1] ||
	    (queued && sched__progress_diff(sched__progress_now(src, c, now), queued->prog) <= 0) ||
	    !sched__spin_trylock(&c->lock))
		return false;
	if (sched__get(&c->state) == SCHED_RUNNING && may_run_there(src, dst, c, false))
		return true;
	sched__spin_unlock(&c->lock);
	return false;
}

/*
 * Is the thread behind on src owed more than fair_spread_ns of CPU time next to the one
 * ahead on dst? Progress counts per unit of share, so the gap in CPU time is the progress
 * gap x the behind thread's share / 1024: a small share is not rotated more often.
 */
static bool owed_enough(struct sched_rq *src, const struct progress_range *stay,
			const struct progress_range *ahead)
{
	int64_t gap = sched__progress_diff(ahead->hi, stay->lo);
	uint64_t w = sched__share_weight(src, stay->lo_thread); /* 1 .. 2^20 */

	return gap > 0 && (uint64_t)gap > src->sys->cfg.fair_spread_ns * 1024 / w;
}

/*
 * Rotate one thread from src to lighter dst if a thread on dst is ahead of one that stays
 * on src (the one the move helps). Both locked.
 */
static bool rotate_one(struct sched_rq *src, struct sched_rq *dst, sched_time_t now)
{
	uint64_t sl = sched__rq_load(src), dl = sched__rq_load(dst);
	struct progress_range stay, ahead;
	struct sched_thread *t, *mover;
	bool curr;

	sched__assert_rq_locked(src);
	sched__assert_rq_locked(dst);
	if (dl >= sl)
		return false;
	t = rotation_candidate(src, dst);
	curr = rotate_current(src, dst, t, now);
	mover = curr ? src->curr : t;
	if (!mover)
		return false;
	stay = progress_range(src, now, mover);
	ahead = progress_range(dst, now, NULL);
	if (!stay.any || !ahead.any || !owed_enough(src, &stay, &ahead)) {
		mover = NULL;
	} else {
		/* an overshoot stays for a spread's worth of time, or the next push undoes it
		 * before the thread left alone has caught up */
		if (dl + sched__share_weight(src, mover) > sl)
			dst->push_hold = now + src->sys->cfg.fair_spread_ns;
		if (curr) {
			sched__set_migrating(src->sys, src->curr, dst->cpu, SCHED_MIG_ROTATE);
			sched__kick(src, true);
		} else {
			sched__move_queued(src, dst, t, now, SCHED_MIG_ROTATE);
		}
	}
	if (curr)
		sched__spin_unlock(&src->curr->lock);
	if (t)
		sched__spin_unlock(&t->lock);
	return mover != NULL;
}

/*
 * The usable CPU lighter than src whose current thread is furthest ahead (from what the
 * CPUs publish, read without their locks: rotate_one checks under them), of src's scan
 * window. O(SCHED_SCAN_CPUS).
 */
static int lighter_cpu(struct sched_sys *s, struct sched_rq *src, sched_time_t now)
{
	uint64_t sl = sched__rq_load(src), best_p = 0, p;
	unsigned start = scan_start(s, src->cpu);
	int best = -1;

	for (unsigned k = 0, n = sched__scan_len(s); k < n; k++) {
		unsigned c = sched__scan_cpu(s, start, k);
		const struct sched_rq *rq = sched__rq(s, c);

		if (c == src->cpu || !sched__cpu_usable(s, c) || sched__rq_load(rq) >= sl ||
		    __atomic_load_n(&rq->lease, __ATOMIC_RELAXED) ||
		    !sched__progress_estimate(rq, now, &p))
			continue;
		if (best < 0 || sched__progress_diff(p, best_p) > 0) {
			best = (int)c;
			best_p = p;
		}
	}
	return best;
}

static unsigned rotate(struct sched_rq *src, sched_time_t now)
{
	int d = lighter_cpu(src->sys, src, now);
	struct sched_rq_pair pair;
	bool moved;

	if (d < 0)
		return 0;
	pair = sched__rq_lock2(src, sched__rq(src->sys, (unsigned)d));
	moved = sched__rq(src->sys, (unsigned)d)->online &&
		rotate_one(src, sched__rq(src->sys, (unsigned)d), now);
	sched__inc(&src->counters[SCHED_CNT_ROTATIONS], moved);
	sched__rq_unlock2(pair);
	return moved;
}

/*
 * An idle leased CPU has no tick to look for its holder's threads with, so the balance of
 * a busy CPU gives it one: a queued thread the lease holds, else its current thread if
 * the lease holds it and others wait here (it leaves at its next pick). Both rqs locked.
 */
static bool feed_one(struct sched_rq *src, struct sched_rq *dst)
{
	struct sched_thread *c = src->curr;

	if (move_some(src, dst, true))
		return true;
	if (c->is_idle || !src->nr_queued || !sched__lease_lets(dst, c) ||
	    !sched__spin_trylock(&c->lock))
		return false;
	bool go = sched__get(&c->state) == SCHED_RUNNING && may_run_there(src, dst, c, true);

	if (go) {
		sched__set_migrating(src->sys, c, dst->cpu, SCHED_MIG_BALANCE);
		sched__kick(src, true);
	}
	sched__spin_unlock(&c->lock);
	return go;
}

/* Feed the idle leased CPUs from rq (its own CPU, unlocked). O(words + leased CPUs), each
 * O(SCHED_MOVE_SCAN); one test per mask word while nothing is leased. */
static unsigned feed_leased(struct sched_rq *rq)
{
	struct sched_sys *s = rq->sys;
	sched_cpumask_t leased;
	unsigned moved = 0;

	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++)
		leased.w[i] = __atomic_load_n(&s->leased.w[i], __ATOMIC_RELAXED);
	for (unsigned c = sched_cpumask_next(&leased, 0); c < s->nr_cpus;
	     c = sched_cpumask_next(&leased, c + 1)) {
		struct sched_rq *d = &s->rq[c];
		struct sched_rq_pair pair;

		if (c == rq->cpu || sched__rq_load(d))
			continue;
		pair = sched__rq_lock2(rq, d);
		if (d->online && d->lease && d->curr->is_idle && feed_one(rq, d)) {
			sched__inc(&rq->counters[SCHED_CNT_BALANCE_MOVES], 1);
			moved++;
		}
		sched__rq_unlock2(pair);
	}
	return moved;
}

/*
 * Periodic balance on rq's own CPU (unlocked): feed idle leased CPUs their holders'
 * threads, push to the least-loaded CPU while that evens the loads; when nothing can,
 * rotate. O(SCHED_SCAN_CPUS + SCHED_MOVE_SCAN), and the leased CPUs' feeding.
 */
void sched__balance(struct sched_rq *rq, sched_time_t now)
{
	struct sched_sys *s = rq->sys;
	int target;
	unsigned moved = 0;
	bool hold, leased;

	SCHED_ASSERT(rq->cpu == sched_arch_cpu_id()); /* unlocked: sched__rq_lock checks that */
	sched__rq_lock(rq);
	rq->next_balance = now + s->cfg.balance_interval_ns;
	hold = sched_time_before(now, rq->push_hold);
	leased = rq->lease != NULL;
	sched__rq_unlock(rq);
	if (leased) /* it keeps its holder's threads: they go there on purpose (place.c) */
		return;
	if (feed_leased(rq))
		return;
	target = hold ? -1 : find_cpu(s, rq->cpu, false);
	if (target >= 0) {
		struct sched_rq_pair pair = sched__rq_lock2(rq, sched__rq(s, (unsigned)target));

		moved = sched__rq(s, (unsigned)target)->online
				? move_some(rq, sched__rq(s, (unsigned)target), false) : 0;
		sched__inc(&rq->counters[SCHED_CNT_BALANCE_MOVES], moved);
		sched__rq_unlock2(pair);
	}
	if (!moved)
		rotate(rq, now);
}

/* --- moving threads off a CPU: offline, and a lease's activation (lease.c) ------------ */

/* Does t have to leave: always for an offline (l NULL), else unless lease l holds it. */
static bool leaves(const struct sched_thread *t, const struct sched_lease *l)
{
	return !l || !sched__lease_holds(l, t);
}

/* A thread that has to leave rq but may run on no other online CPU it is allowed, outside
 * lease l's CPUs (l may not be published yet). */
static bool stranded(struct sched_sys *s, struct sched_rq *rq, const struct sched_thread *t,
		     const struct sched_lease *l)
{
	sched_cpumask_t m;

	if (!leaves(t, l))
		return false;
	sched__usable_mask(s, t, &t->affinity, &m);
	for (unsigned i = 0; l && i < SCHED_CPUMASK_WORDS; i++)
		m.w[i] &= ~l->cpus.w[i];
	return sched__pick_cpu(s, &m, t->cpu, rq->cpu) < 0;
}

/* The first thread of `what` on rq that has to leave (stranded: that cannot), or NULL. A
 * demoted current thread waits in the refill tree too and is skipped. rq locked.
 * O(threads on rq). */
static struct sched_thread *first_of(struct sched_sys *s, struct sched_rq *rq,
				     enum sched_evict what, const struct sched_lease *l,
				     bool want_stranded)
{
	unsigned n = 0;

	sched__assert_rq_locked(rq);
	if (what == SCHED_EVICT_QUEUED) {
		for (unsigned c = 0; c < SCHED_NR_CLASSES; c++) {
			const struct sched_class *cls = s->classes[c];

			for (struct sched_thread *t = cls->first(rq); t && n <= rq->nr_queued;
			     t = cls->next(rq, t), n++)
				if (want_stranded ? stranded(s, rq, t, l) : leaves(t, l))
					return t;
		}
		return NULL;
	}
	struct sched_rb_tree *tree = what == SCHED_EVICT_REFILL ? &rq->sc_wait : &rq->sleepers;
	unsigned max = what == SCHED_EVICT_REFILL ? rq->nr_sc_wait : rq->nr_sleepers;

	for (struct sched_rb_node *x = tree->leftmost; x && n <= max; x = sched_rb_next(x), n++) {
		struct sched_thread *t = what == SCHED_EVICT_REFILL
			? sched__container_of(x, struct sched_thread, sc_node)
			: sched__container_of(x, struct sched_thread, timeout_node);

		if (t != rq->curr &&
		    (want_stranded ? stranded(s, rq, t, l) : leaves(t, l)))
			return t;
	}
	return NULL;
}

/*
 * True if every thread that has to leave rq (current, queued, waiting for a refill, or
 * asleep with its timeout here) may run on another online CPU: a sleeper whose timeout
 * moved to a CPU it may not run on would wake to -SCHED_EAFFINITY, a lost wake-up. rq
 * locked. O(threads on rq).
 */
bool sched__nothing_stranded(struct sched_sys *s, struct sched_rq *rq,
			     const struct sched_lease *l)
{
	sched__assert_rq_locked(rq);
	if (!rq->curr->is_idle && stranded(s, rq, rq->curr, l))
		return false;
	for (unsigned w = SCHED_EVICT_QUEUED; w <= SCHED_EVICT_SLEEPER; w++)
		if (first_of(s, rq, (enum sched_evict)w, l, true))
			return false;
	return true;
}

/* The checker: nothing that has to leave for lease l is queued or waiting for a refill on
 * rq, nor (`switched`: the CPU's part of the activation is done) current or asleep there.
 * rq locked. O(threads on rq). */
bool sched__nothing_left(struct sched_sys *s, struct sched_rq *rq, const struct sched_lease *l,
			 bool switched)
{
	sched__assert_rq_locked(rq);
	if (switched && !rq->curr->is_idle && leaves(rq->curr, l))
		return false;
	return !first_of(s, rq, SCHED_EVICT_QUEUED, l, false) &&
	       !first_of(s, rq, SCHED_EVICT_REFILL, l, false) &&
	       (!switched || !first_of(s, rq, SCHED_EVICT_SLEEPER, l, false));
}

/*
 * rq's current thread has to leave it (offline, or a lease closed the CPU to it): it runs
 * on until the CPU's next pick, which an IPI makes immediate. rq locked; the thread may go
 * somewhere (sched__nothing_stranded). Returns true if it was told.
 */
bool sched__evict_curr(struct sched_sys *s, struct sched_rq *rq, const struct sched_lease *l)
{
	struct sched_thread *curr = rq->curr;
	uint8_t st = sched__get(&curr->state);

	sched__assert_rq_locked(rq);
	if (curr->is_idle || !leaves(curr, l))
		return false;
	if (st == SCHED_RUNNING || st == SCHED_MIGRATING)
		sched__set_migrating(s, curr, (unsigned)sched__pick_other_cpu(s, curr, rq->cpu),
				     l ? SCHED_MIG_LEASE : SCHED_MIG_HOTPLUG);
	sched__kick(rq, true); /* an exited or blocking one leaves at that pick too */
	return true;
}

/* Mark rq offline; its running thread leaves at its next pick. Returns -SCHED_ELAST_CPU,
 * -SCHED_EHOUSEKEEPING, -SCHED_ELEASED, -SCHED_EAGAIN (a thread is migrating here) or
 * -SCHED_EPINNED (it would strand a thread). lease_lock held. */
static int offline_begin(struct sched_sys *s, struct sched_rq *rq)
{
	unsigned online = 0;
	sched_cpumask_t me;

	for (unsigned c = 0; c < s->nr_cpus; c++)
		online += sched__cpu_usable(s, c);
	sched_cpumask_clear(&me);
	sched_cpumask_set(&me, rq->cpu);
	sched__rq_lock(rq);
	int err = online < 2 ? -SCHED_ELAST_CPU
		  : rq->lease ? -SCHED_ELEASED
		  : !sched__general_left(s, &me) ? -SCHED_EHOUSEKEEPING
		  : __atomic_load_n(&rq->migrating_in, __ATOMIC_ACQUIRE) ? -SCHED_EAGAIN /* after its switch */
		  : !sched__nothing_stranded(s, rq, NULL) ? -SCHED_EPINNED : 0;

	if (err) {
		sched__rq_unlock(rq);
		return err;
	}
	sched__set(&rq->online, 0);
	sched__online_mark(s, rq->cpu, false);
	sched__evict_curr(s, rq, NULL);
	sched__rq_unlock(rq);
	return 0;
}

/*
 * Move one thread of `what` that has to leave rq (its queue or refill wait, or its sleeper
 * timeout) to another CPU it may use. The thread's lock is taken by trylock under rq's
 * lock, so it cannot exit or move meanwhile; a busy one is tried again. Returns 1 if one
 * moved, 0 when none is left, -SCHED_EAGAIN when its lock was busy or its destination
 * closed (offline, leased) before it was locked.
 */
int sched__evict_one(struct sched_sys *s, struct sched_rq *rq, enum sched_evict what,
		     const struct sched_lease *l)
{
	struct sched_thread *t;
	int dst;

	sched__rq_lock(rq);
	t = first_of(s, rq, what, l, false);
	if (t && !sched__spin_trylock(&t->lock)) {
		sched__rq_unlock(rq);
		sched_arch_cpu_relax();
		return -SCHED_EAGAIN;
	}
	sched__rq_unlock(rq);
	if (!t)
		return 0;
	dst = sched__pick_other_cpu(s, t, rq->cpu);
	if (dst < 0 && what == SCHED_EVICT_SLEEPER) /* a timer may live on any general CPU: */
		dst = find_cpu(s, rq->cpu, false);      /* its wake finds no CPU either way */
	if (dst >= 0) {
		struct sched_rq *d = sched__rq(s, (unsigned)dst);
		struct sched_rq_pair pair = sched__rq_lock2(rq, d);

		/* chosen without d's lock: a CPU's own part of an activation (lease.c) moves
		 * without lease_lock, so a grant or an offline may have closed d since */
		if (!d->online || !sched__lease_lets(d, t)) {
			dst = -SCHED_EAGAIN;
		} else if (what != SCHED_EVICT_SLEEPER && sched__get(&t->state) == SCHED_RUNNABLE &&
			   t->cpu == rq->cpu) {
			sched__wait_switched(t); /* finish_switch takes no lock */
			sched__move_queued(rq, d, t, sched_arch_now(),
					   l ? SCHED_MIG_LEASE : SCHED_MIG_HOTPLUG);
		} else if (what == SCHED_EVICT_SLEEPER && sched__get(&t->timeout_armed) &&
			   t->cpu == rq->cpu) {
			sched__timeout_remove(rq, t);
			t->cpu = d->cpu; /* a timer may live on any CPU the thread may use */
			sched__timeout_arm(d, t, t->timeout);
			sched__kick(d, false);
		}
		sched__rq_unlock2(pair);
	}
	sched__spin_unlock(&t->lock);
	/* the caller refused to strand anything, so a CPU is found but for a thread that
	 * arrived since (a race its caller's serialisation rules out): it stays, the checker
	 * says so. -SCHED_EAGAIN: d closed under us; each retry follows a grant or an offline */
	return dst >= 0 ? 1 : dst;
}

/* Move every thread of `what` that has to leave rq; returns how many moved. Each pass
 * removes one and placement avoids rq, so it is bounded by the threads there, plus retries
 * while another CPU holds a thread's lock; it stops at a thread that has nowhere to go. */
unsigned sched__evict_all(struct sched_sys *s, struct sched_rq *rq, enum sched_evict what,
			  const struct sched_lease *l)
{
	unsigned moved = 0;
	int r;

	while ((r = sched__evict_one(s, rq, what, l)) != 0 && (r > 0 || r == -SCHED_EAGAIN))
		moved += r > 0;
	return moved;
}

int sched_cpu_offline(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq;
	unsigned long flags;
	int ret;

	if (!s)
		return -SCHED_EINVAL;
	if (!sched__cpu_usable(s, cpu)) /* out of range, or already offline */
		return -SCHED_ECPU;
	rq = sched__rq(s, cpu);
	flags = sched__lock_irq(&s->lease_lock); /* no lease or island may take a CPU meanwhile */
	ret = sched__admitted_on(s, cpu) ? -SCHED_EUNSCHED /* admission counted on its time */
	      : offline_begin(s, rq);
	/* refill waits first: a refill due there would queue a thread the queue pass passed */
	if (!ret) {
		sched__evict_all(s, rq, SCHED_EVICT_REFILL, NULL);
		sched__evict_all(s, rq, SCHED_EVICT_QUEUED, NULL);
		sched__evict_all(s, rq, SCHED_EVICT_SLEEPER, NULL);
	}
	sched__unlock_irq(&s->lease_lock, flags);
	return ret;
}
