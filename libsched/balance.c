/* SPDX-License-Identifier: MIT */
/*
 * balance.c - moving queued threads between CPUs: idle steal, periodic push, CPU offline.
 *
 * Bounds: a pass moves at most cfg.balance_max threads (K, default 4) and looks at most at
 * SCHED_MOVE_SCAN queued threads, so a pass is O(nr_cpus + SCHED_MOVE_SCAN) whatever the
 * queue length. Load is the number of runnable threads (queued + a non-idle current).
 * A move needs both rq locks (ascending CPU order) and the thread's lock, taken with
 * trylock because the rq locks are already held (thread before rq is the lock order): a
 * thread whose lock is busy is simply skipped this pass.
 */
#include "internal.h"
#include "balance.h"
#include "core_tree.h"
#include "migrate.h"
#include "place.h"
#include "rq.h"
#include "timeout.h"

/*
 * Allowed there, off its old stack, not promised to a handoff. Core scheduling: an idle
 * CPU does not steal a thread its core's running cookie would force idle at once; the
 * periodic balance may move it to another core anyway, since otherwise a cookie that
 * holds a core alone keeps it forever while the other cookies crowd the remaining cores
 * (the core-wide pick then shares that core between the two cookies). Within one core a
 * move to the sibling gains nothing.
 */
static bool can_move(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
		     bool dst_idling)
{
	return sched_cpumask_test(&t->affinity, dst->cpu) &&
	       !__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE) && src->handoff != t &&
	       (!sched__core_on(dst) || sched__core_fits(src->sys, dst->cpu, t) ||
		(!dst_idling && dst->core != src->core));
}


#define SCHED_MOVE_SCAN 32

/*
 * Is moving t from src to dst worth it? A CPU about to idle (`idling`, its current thread
 * leaving) takes one queued thread whenever src has another to run (work conservation);
 * otherwise t moves only if that narrows the gap, w_t < src - dst: the sum of the squared
 * loads then strictly falls, so moves can never cycle.
 */
static bool worth_moving(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
			 bool idling, unsigned moved)
{
	uint64_t dl = idling ? sched__rq_load_idling(dst) : sched__rq_load(dst);
	uint64_t sl = sched__rq_load(src);

	if (idling && !moved) /* src's idle thread is RUNNING too, but runs nothing */
		return src->nr_queued +
		       (!src->curr->is_idle && sched__get(&src->curr->state) == SCHED_RUNNING) >= 2;
	return sl > dl && (uint64_t)t->weight < sl - dl;
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
		if (!worth_moving(src, dst, t, dst_idling, moved) || !sched__spin_trylock(&t->lock))
			continue;
		if (!can_move(src, dst, t, dst_idling)) { /* affinity read under the thread lock */
			sched__spin_unlock(&t->lock);
			continue;
		}
		sched__move_queued(src, dst, t, now);
		sched__spin_unlock(&t->lock);
		moved++;
	}
	return moved;
}

/* The usable CPU with the most (most_loaded) or the least load, not `me`. O(nr_cpus). */
static int find_cpu(struct sched_sys *s, unsigned me, bool most_loaded)
{
	int best = -1;
	uint64_t best_load = 0;

	for (unsigned c = 0; c < s->nr_cpus; c++) {
		uint64_t l;

		if (c == me || !sched__cpu_usable(s, c))
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

/* This CPU (rq, unlocked) is about to idle: pull from the busiest CPU. O(nr_cpus + scan). */
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

/* Periodic balance on rq's own CPU (unlocked): push to the least-loaded CPU. */
void sched__balance(struct sched_rq *rq, sched_time_t now)
{
	struct sched_sys *s = rq->sys;
	int target;
	struct sched_rq_pair pair;
	unsigned moved;

	SCHED_ASSERT(rq->cpu == sched_arch_cpu_id()); /* unlocked: sched__rq_lock checks that */
	sched__rq_lock(rq);
	rq->next_balance = now + s->cfg.balance_interval_ns;
	sched__rq_unlock(rq);
	target = find_cpu(s, rq->cpu, false);
	if (target < 0)
		return;
	pair = sched__rq_lock2(rq, sched__rq(s, (unsigned)target));
	moved = sched__rq(s, (unsigned)target)->online
			? move_some(rq, sched__rq(s, (unsigned)target), false) : 0;
	sched__inc(&rq->counters[SCHED_CNT_BALANCE_MOVES], moved);
	sched__rq_unlock2(pair);
}

/* --- CPU offline ------------------------------------------------------------------------ */

/* May t run on an online CPU other than rq's? */
static bool movable(struct sched_sys *s, struct sched_rq *rq, struct sched_thread *t)
{
	return sched__pick_other_cpu(s, t, rq->cpu) >= 0;
}

/*
 * True if every thread on rq (queued, current, or sleeping with its timeout here) may run on
 * another online CPU: a sleeper whose timeout moved to a CPU it may not run on would wake to
 * -SCHED_EAFFINITY, a lost wake-up. rq locked. O(threads on rq).
 */
static bool nothing_stranded(struct sched_sys *s, struct sched_rq *rq)
{
	unsigned n = 0;

	sched__assert_rq_locked(rq);
	if (!rq->curr->is_idle && !movable(s, rq, rq->curr))
		return false;
	for (unsigned c = 0; c < SCHED_NR_CLASSES; c++) {
		const struct sched_class *cls = s->classes[c];

		n = 0;
		for (struct sched_thread *t = cls->first(rq); t && n <= rq->nr_queued;
		     t = cls->next(rq, t), n++)
			if (!movable(s, rq, t))
				return false;
	}
	n = 0;
	for (struct sched_rb_node *x = rq->sc_wait.leftmost; x && n <= rq->nr_sc_wait;
	     x = sched_rb_next(x), n++)
		if (!movable(s, rq, sched__container_of(x, struct sched_thread, sc_node)))
			return false;
	n = 0;
	for (struct sched_rb_node *x = rq->sleepers.leftmost; x && n <= rq->nr_sleepers;
	     x = sched_rb_next(x), n++)
		if (!movable(s, rq, sched__container_of(x, struct sched_thread, timeout_node)))
			return false;
	return true;
}

/* A thread rq owns that is not current: queued on a class, or waiting for a refill. */
static struct sched_thread *first_owned(struct sched_sys *s, struct sched_rq *rq)
{
	struct sched_thread *t = NULL;

	for (unsigned c = 0; c < SCHED_NR_CLASSES && !t; c++)
		t = s->classes[c]->first(rq);
	if (!t && rq->sc_wait.leftmost) { /* a demoted current thread waits there too */
		struct sched_rb_node *x = rq->sc_wait.leftmost;

		t = sched__container_of(x, struct sched_thread, sc_node);
		if (t == rq->curr)
			t = (x = sched_rb_next(x)) ? sched__container_of(x, struct sched_thread, sc_node) : NULL;
	}
	return t;
}

/* Mark rq offline; its running thread leaves at its next pick. Returns -SCHED_ELAST_CPU,
 * -SCHED_EAGAIN (a thread is migrating here) or -SCHED_EPINNED (it would strand a thread). */
static int offline_begin(struct sched_sys *s, struct sched_rq *rq)
{
	struct sched_thread *curr;
	unsigned online = 0;

	for (unsigned c = 0; c < s->nr_cpus; c++)
		online += sched__cpu_usable(s, c);
	sched__rq_lock(rq);
	int err = online < 2 ? -SCHED_ELAST_CPU
		  : __atomic_load_n(&rq->migrating_in, __ATOMIC_ACQUIRE) ? -SCHED_EAGAIN /* after its switch */
		  : !nothing_stranded(s, rq) ? -SCHED_EPINNED : 0;

	if (err) {
		sched__rq_unlock(rq);
		return err;
	}
	sched__set(&rq->online, 0);
	sched__online_mark(s, rq->cpu, false);
	curr = rq->curr;
	if (!curr->is_idle && (sched__get(&curr->state) == SCHED_RUNNING || sched__get(&curr->state) == SCHED_MIGRATING)) {
		sched__set_migrating(s, curr, (unsigned)sched__pick_other_cpu(s, curr, rq->cpu));
		sched__kick(rq, true);
	} else if (sched__get(&curr->state) == SCHED_EXITED) {
		sched__kick(rq, true);
	}
	sched__rq_unlock(rq);
	return 0;
}

/*
 * The first queued thread (queue = true) or earliest sleeper of rq, with its lock taken by
 * trylock under rq's lock, so it cannot exit or move meanwhile. NULL when there is none;
 * *busy when its lock was taken by someone else (try again).
 */
static struct sched_thread *grab_first(struct sched_sys *s, struct sched_rq *rq, bool queue,
				       bool *busy)
{
	struct sched_thread *t = NULL;

	*busy = false;
	sched__rq_lock(rq);
	if (queue)
		t = first_owned(s, rq);
	else if (rq->sleepers.leftmost)
		t = sched__container_of(rq->sleepers.leftmost, struct sched_thread, timeout_node);
	if (t && !sched__spin_trylock(&t->lock)) {
		*busy = true;
		t = NULL;
	}
	sched__rq_unlock(rq);
	return t;
}

/* Move one queued thread (or sleeper timeout) off the offline rq; false when none is left. */
static bool offline_move_one(struct sched_sys *s, struct sched_rq *rq, bool queue)
{
	bool busy;
	struct sched_thread *t = grab_first(s, rq, queue, &busy);
	int dst;

	if (!t) {
		if (busy)
			sched_arch_cpu_relax();
		return busy;
	}
	dst = queue ? sched__pick_other_cpu(s, t, rq->cpu) : find_cpu(s, rq->cpu, false);
	if (dst >= 0) {
		struct sched_rq *d = sched__rq(s, (unsigned)dst);

		struct sched_rq_pair pair = sched__rq_lock2(rq, d);

		if (queue && sched__get(&t->state) == SCHED_RUNNABLE && t->cpu == rq->cpu) {
			sched__wait_switched(t); /* finish_switch takes no lock */
			sched__move_queued(rq, d, t, sched_arch_now());
		} else if (!queue && sched__get(&t->timeout_armed) && t->cpu == rq->cpu) {
			sched__timeout_remove(rq, t);
			t->cpu = d->cpu; /* a timer may live on any online CPU */
			sched__timeout_arm(d, t, t->timeout);
			sched__kick(d, false);
		}
		sched__rq_unlock2(pair);
	}
	sched__spin_unlock(&t->lock);
	return dst >= 0; /* offline refused to strand anything, so a CPU is always found */
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
	flags = sched_arch_irq_save();
	ret = offline_begin(s, rq);
	/* Each pass removes one thread and none can arrive (the CPU is offline): bounded by
	 * the threads there, plus retries while another CPU holds a thread's lock. */
	while (!ret && offline_move_one(s, rq, true))
		;
	while (!ret && offline_move_one(s, rq, false))
		;
	sched_arch_irq_restore(flags);
	return ret;
}
