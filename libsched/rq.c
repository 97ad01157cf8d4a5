/* SPDX-License-Identifier: MIT */
/*
 * rq.c - the per-CPU run queue: class dispatch, the pick, the timer and IPI entries.
 *
 * Ownership invariant: a runnable thread is in exactly one CPU's class queue (state
 * RUNNABLE, thread.cpu names the CPU) or is exactly one CPU's current thread (RUNNING or
 * MIGRATING), never both. The pick puts the current thread back into the queue before it
 * chooses, so "current" and "queued" never overlap even for one instant under the lock.
 *
 * Tickless: after every change on its own CPU the core reprograms the one-shot timer to the
 * next instant it needs (slice end while others wait, next sleeper timeout, next balance).
 * A remote change that needs the CPU to act sooner sends one IPI (sched__kick).
 */
#include "internal.h"

void sched__rq_lock2(struct sched_rq *a, struct sched_rq *b)
{
	if (a->core == b->core) {
		sched__rq_lock(a);
	} else if (a->core->cpu < b->core->cpu) {
		sched__rq_lock(a);
		sched__rq_lock(b);
	} else {
		sched__rq_lock(b);
		sched__rq_lock(a);
	}
}

void sched__rq_unlock2(struct sched_rq *a, struct sched_rq *b)
{
	sched__rq_unlock(a);
	if (a->core != b->core)
		sched__rq_unlock(b);
}

/* The class a fate puts a thread on (NULL: on no class queue). */
static const struct sched_class *class_of(struct sched_rq *rq, enum sched_fate f)
{
	return f == SCHED_FATE_EDF ? &sched_edf_class : f == SCHED_FATE_FAIR ? rq->sys->fair : NULL;
}

/*
 * Put runnable t (not current, state set by the caller) where its fate says: a class queue,
 * and the refill wait if its SC has no budget now (throttled, or demoted to fair until the
 * refill). A thread that may not run at all (passive without SC) is blocked instead; wake
 * refuses such threads, so only a fault path gets here. rq locked. O(class enqueue).
 */
static void class_enqueue(struct sched_rq *rq, struct sched_thread *t, unsigned flags,
			  sched_time_t now)
{
	enum sched_fate f = sched__fate(t, now);
	const struct sched_class *c = class_of(rq, f);

	t->on_class = c;
	if (f == SCHED_FATE_BLOCK) {
		sched__set(&t->block_seq, t->block_seq + 1);
		sched__set(&t->state, SCHED_BLOCKED);
		return;
	}
	if (t->sc && f != SCHED_FATE_EDF)
		sched__sc_wait_add(rq, t, now);
	if (!c)
		return;
	c->enqueue(rq, t, flags);
	sched__inc(&rq->nr_queued, 1);
	__atomic_store_n(&rq->load, rq->load + t->weight, __ATOMIC_RELAXED);
	if (sched__core_on(rq))
		sched__core_enqueued(rq, t);
}

/* Take t off its class queue (queued, or current and leaving) and off the refill wait.
 * Adjusts the load; the caller adjusts nr_queued for a queued thread. rq locked. */
static void class_dequeue(struct sched_rq *rq, struct sched_thread *t, unsigned flags,
			  sched_time_t now)
{
	if (t->sc_wait)
		sched__sc_wait_del(rq, t, now);
	if (sched__core_on(rq))
		sched__core_dequeued(rq, t);
	if (t->on_class) {
		t->on_class->dequeue(rq, t, flags);
		__atomic_store_n(&rq->load, rq->load - t->weight, __ATOMIC_RELAXED);
	}
}

void sched__enqueue(struct sched_rq *rq, struct sched_thread *t, unsigned flags,
		    sched_time_t now)
{
	sched__set(&t->state, SCHED_RUNNABLE);
	if (t->cpu != rq->cpu) /* moves under t's lock; a pick requeues its own current in place */
		t->cpu = rq->cpu;
	t->runnable_since = now;
	class_enqueue(rq, t, flags, now);
}

/*
 * A queued thread leaves rq (exit, migration). The class may have moved the current
 * thread's slice end (a group's share changes), so the CPU re-arms, or gets an IPI.
 */
void sched__dequeue(struct sched_rq *rq, struct sched_thread *t, unsigned flags)
{
	if (t->on_class)
		sched__inc(&rq->nr_queued, (uint32_t)-1);
	class_dequeue(rq, t, flags, sched_arch_now());
	t->on_class = NULL;
	if (rq->handoff == t)
		rq->handoff = NULL;
	if (rq->curr)
		sched__kick(rq, false);
}

/*
 * Queued t's SC changed (budget back, bound, revoked): move it to where its fate now says.
 * A current thread is moved by its CPU's next pick instead, which this asks for; any other
 * thread is not on this queue and is placed by its next enqueue. rq locked.
 */
void sched__requeue(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	if (rq->curr == t) {
		sched__kick(rq, true);
		return;
	}
	if (sched__get(&t->state) != SCHED_RUNNABLE)
		return; /* blocked, or migrating off-CPU: placed by its next enqueue */
	if (t->on_class)
		sched__inc(&rq->nr_queued, (uint32_t)-1);
	class_dequeue(rq, t, SCHED_DEQ_SLEEP, now);
	class_enqueue(rq, t, SCHED_ENQ_WAKE, now);
	if (sched__get(&t->state) == SCHED_BLOCKED && rq->handoff == t)
		rq->handoff = NULL;
	sched__kick(rq, sched__preempts(rq, t));
}

static sched_time_t earlier(sched_time_t a, sched_time_t b)
{
	return sched__deadline_before(a, b) ? a : b;
}

/* The next instant this CPU must be interrupted at, or SCHED_TIME_NEVER. rq locked. */
static sched_time_t next_deadline(struct sched_rq *rq)
{
	sched_time_t d = SCHED_TIME_NEVER;
	struct sched_thread *curr = rq->curr;

	if (curr && !curr->is_idle && curr->on_class) {
		/* EDF: budget depletion, whether or not others wait; fair: the slice end */
		bool others = sched__others_wait(rq);

		if (curr->on_class == &sched_edf_class || others)
			d = curr->on_class->slice_end(rq, curr, curr->exec_start);
		if (others)
			d = earlier(d, rq->next_balance);
	}
	if (rq->nr_sc_wait)
		d = earlier(d, sched__sc_next_event(rq));
	if (rq->sleepers.leftmost) {
		struct sched_thread *t =
			sched__container_of(rq->sleepers.leftmost, struct sched_thread, timeout_node);
		d = earlier(d, t->timeout);
	}
	return d;
}

/* Program this CPU's timer for what the queue needs now. On rq->cpu, rq locked. */
void sched__rearm(struct sched_rq *rq)
{
	sched_time_t d = next_deadline(rq);

	if (d != rq->timer_armed) {
		rq->timer_armed = d;
		sched_arch_set_timer(rq->cpu, d);
	}
}

/*
 * Work was queued on rq (locked): make its CPU act if it must, i.e. reschedule
 * (`must_preempt`, or it runs idle) or bring its timer forward. Locally that is a flag or
 * a timer write; remotely one IPI, coalesced while one is pending.
 */
void sched__kick(struct sched_rq *rq, bool must_preempt)
{
	bool remote = rq->cpu != sched_arch_cpu_id();

	if (must_preempt || rq->curr->is_idle)
		sched__set(&rq->need_resched, 1);
	if (!remote) {
		sched__rearm(rq);
		return;
	}
	if (!rq->need_resched && !sched__deadline_before(next_deadline(rq), rq->timer_armed))
		return;
	if (sched__xchg(&rq->ipi_pending, 1)) {
		sched__inc(&rq->counters[SCHED_CNT_IPI_COALESCED], 1);
		return;
	}
	sched__inc(&rq->counters[SCHED_CNT_IPI_SENT], 1);
	sched__trace(rq, SCHED_TR_IPI, 0, sched_arch_cpu_id(), 0, sched_arch_now());
	sched_arch_send_resched(rq->cpu);
}

static void count_outcome(struct sched_rq *rq, struct sched_thread *prev,
			  struct sched_thread *next)
{
	if (next->is_idle)
		sched__inc(&rq->counters[SCHED_CNT_PICK_IDLE], 1);
	else if (next == prev)
		sched__inc(&rq->counters[SCHED_CNT_PICK_CURRENT], 1);
	else
		sched__inc(&rq->counters[SCHED_CNT_PICK_OTHER], 1);
}

/* prev leaves the CPU, next arrives (next != prev). rq locked. */
static void switch_to(struct sched_rq *rq, struct sched_thread *prev, struct sched_thread *next,
		      sched_time_t now)
{
	sched__inc(&rq->counters[SCHED_CNT_SWITCHES], 1);
	if (sched__get(&prev->state) == SCHED_RUNNABLE)
		sched__acct_add(prev, SCHED_ACCT_PREEMPTIONS, 1);
	prev->last_ran = now;
	sched__trace(rq, SCHED_TR_SWITCH, next->id, prev->id, next->wake_pending, now);
	sched__note_switch_in(rq, next, now);
	next->on_cpu = 1;
	rq->switching = prev;
}

static unsigned leave_flags(const struct sched_thread *t)
{
	if (sched__get(&t->state) == SCHED_EXITED)
		return SCHED_DEQ_EXIT;
	return sched__get(&t->state) == SCHED_MIGRATING ? SCHED_DEQ_MIGRATE : SCHED_DEQ_SLEEP;
}

/*
 * The choice: a direct-handoff target first if its class agrees and no EDF thread would be
 * bypassed by a fair one; then EDF; then fair. NULL: idle.
 */
static inline struct sched_thread *choose(struct sched_rq *rq, struct sched_thread *prev,
				   sched_time_t now)
{
	struct sched_thread *h = rq->handoff, *next;

	if (!rq->online)
		return NULL;
	next = rq->edf.nr || rq->curr->on_class == &sched_edf_class ? sched_edf_class.pick(rq, now)
								      : NULL;
	if (h && h->on_class && (h->on_class == &sched_edf_class || !next) &&
	    h->on_class->handoff(rq, prev, h))
		return h;
	rq->handoff = NULL;
	return next ? next : rq->sys->fair->pick(rq, now);
}

/* The same choice for core_pick.c (choose() itself stays inline on the plain path). */
struct sched_thread *sched__choose(struct sched_rq *rq, struct sched_thread *prev,
				   sched_time_t now)
{
	return choose(rq, prev, now);
}

/* The class current thread t should be on now, NULL if it must stop running. */
static const struct sched_class *wanted_class(struct sched_rq *rq, struct sched_thread *t,
					      sched_time_t now)
{
	return class_of(rq, sched__fate(t, now));
}

/*
 * Running prev's SC changed under it (depleted, refilled, revoked, a notify-and-block
 * fault): it leaves its class and goes where its fate says, as a queued thread, waiting for
 * a refill, or blocked. rq locked.
 */
static void change_class(struct sched_rq *rq, struct sched_thread *prev, sched_time_t now)
{
	class_dequeue(rq, prev, SCHED_DEQ_SLEEP, now);
	if (sched__fate(prev, now) == SCHED_FATE_BLOCK) {
		sched__set(&prev->sc_fault, 0);
		prev->on_class = NULL;
		sched__set(&prev->block_seq, prev->block_seq + 1);
		sched__set(&prev->state, SCHED_BLOCKED);
		sched__trace(rq, SCHED_TR_BLOCK, prev->id, 0, 0, now);
		return;
	}
	sched__enqueue(rq, prev, SCHED_ENQ_WAKE, now);
	prev->runnable_since = prev->exec_start;
}

/*
 * The pick, with rq locked: charge; a current thread that stopped being runnable (or may no
 * longer run in its class) leaves it; choose; if the choice is another thread, the
 * still-runnable current one goes back among the queued and the choice becomes current.
 * O(class pick) + O(refills due, at most a batch).
 */
struct sched_thread *sched__schedule(struct sched_rq *rq)
{
	struct sched_thread *prev = rq->curr, *next;
	sched_time_t now = sched_arch_now();
	bool prev_runs = !prev->is_idle && sched__get(&prev->state) == SCHED_RUNNING;

	sched__charge_curr(rq, now);
	if (rq->nr_sc_wait)
		sched__sc_expire(rq, now);
	if (prev_runs && sched__sc_touched(rq, prev) && wanted_class(rq, prev, now) != prev->on_class) {
		change_class(rq, prev, now);
		prev_runs = false;
	} else if (!prev->is_idle && !prev_runs) {
		class_dequeue(rq, prev, leave_flags(prev), now);
		prev->on_class = NULL;
	}
	sched__inc(&rq->counters[SCHED_CNT_PICK_CANDIDATES], rq->nr_queued + prev_runs);
	next = sched__core_on(rq) ? sched__core_choose(rq, prev, prev_runs, now)
				  : choose(rq, prev, now);
	if (next != prev || !prev_runs) {
		if (prev_runs) {
			prev->on_class->put_prev(rq, prev);
			sched__set(&prev->state, SCHED_RUNNABLE);
			prev->runnable_since = now;
			sched__inc(&rq->nr_queued, 1);
			if (sched__core_on(rq))
				sched__core_tree_add(rq, prev);
		}
		if (next) {
			if (sched__core_on(rq))
				sched__core_tree_del(rq, next);
			next->on_class->set_next(rq, next, now);
			sched__inc(&rq->nr_queued, (uint32_t)-1);
			if (rq->handoff == next)
				rq->handoff = NULL;
		} else {
			next = rq->idle;
		}
	}
	count_outcome(rq, prev, next);
	if (next != prev)
		switch_to(rq, prev, next, now);
	sched__set(&next->state, SCHED_RUNNING);
	rq->curr = next;
	sched__set(&rq->need_resched, 0);
	if (sched__core_on(rq))
		sched__core_switched(rq, now);
	sched__rearm(rq);
	return next;
}

/* Nothing queued and the current thread will not go on (idle, exited or leaving). */
static bool rq_would_idle(const struct sched_rq *rq)
{
	return sched__get(&rq->online) && sched__get(&rq->nr_queued) == 0 &&
	       (rq->curr->is_idle || sched__get(&rq->curr->state) != SCHED_RUNNING);
}

struct sched_thread *sched_pick(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq;
	struct sched_thread *next;
	unsigned long flags;

	if (!s || cpu >= s->nr_cpus || !s->rq[cpu].curr)
		return NULL;
	rq = sched__rq(s, cpu);
	flags = sched_arch_irq_save();
	if (rq_would_idle(rq))
		sched__steal(rq);
	sched__rq_lock(rq);
	next = sched__schedule(rq);
	sched__rq_unlock(rq);
	sched_arch_irq_restore(flags);
	return next;
}

/*
 * A MIGRATING thread has left its old CPU's stack: queue it on its destination. If that
 * went offline meanwhile, choose again; each retry follows an offline, so it is bounded by
 * nr_cpus, and offline never strands a thread, so a CPU is always found. t locked.
 */
static void finish_migration(struct sched_sys *s, struct sched_thread *t)
{
	for (unsigned tries = 0; sched__get(&t->state) == SCHED_MIGRATING && tries <= s->nr_cpus; tries++) {
		struct sched_rq *src = sched__rq(s, t->cpu), *dst = sched__rq(s, t->dst_cpu);
		int c;

		sched__rq_lock2(src, dst);
		if (dst->online) {
			sched__end_migrating(s, t, SCHED_RUNNABLE);
			sched__arrive(src, dst, t, sched_arch_now());
			sched__rq_unlock2(src, dst);
			return;
		}
		sched__rq_unlock2(src, dst);
		c = sched__pick_other_cpu(s, t, t->cpu);
		if (c < 0)
			return;
		sched__set_migrating(s, t, (unsigned)c);
	}
}

/*
 * `switching` is written by the pick and read here, both on rq->cpu only, so no lock is
 * needed; that also lets another CPU spin on a thread's on_cpu while holding this rq lock.
 * A migrating thread's state is settled under its lock before on_cpu is released, so the
 * storage is not touched after another CPU may reuse it.
 */
void sched_finish_switch(struct sched_sys *s, unsigned cpu)
{
	struct sched_thread *prev;
	unsigned long flags;

	if (!s || cpu >= s->nr_cpus)
		return;
	flags = sched_arch_irq_save();
	prev = s->rq[cpu].switching;
	s->rq[cpu].switching = NULL;
	if (prev && !prev->is_idle) {
		if (__atomic_load_n(&prev->state, __ATOMIC_ACQUIRE) == SCHED_MIGRATING) {
			sched__spin_lock(&prev->lock);
			sched__store_release(&prev->on_cpu, 0);
			finish_migration(s, prev);
			sched__spin_unlock(&prev->lock);
		} else {
			sched__store_release(&prev->on_cpu, 0);
		}
	}
	sched_arch_irq_restore(flags);
}

/* Others wait and the current thread's slice (or budget) end has passed. rq locked. */
static bool slice_over(struct sched_rq *rq, sched_time_t now)
{
	struct sched_thread *c = rq->curr;

	return sched__others_wait(rq) && !c->is_idle && c->on_class &&
	       sched__get(&c->state) == SCHED_RUNNING &&
	       !sched_time_before(now, c->on_class->slice_end(rq, c, c->exec_start));
}

bool sched_timer(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq;
	unsigned long flags;
	sched_time_t now;
	bool resched;

	if (!s || cpu >= s->nr_cpus || !s->rq[cpu].curr)
		return false;
	rq = sched__rq(s, cpu);
	flags = sched_arch_irq_save();
	now = sched_arch_now();
	sched__expire_sleepers(rq, now);
	if (sched__get(&rq->online) && !sched_time_before(now, rq->next_balance))
		sched__balance(rq, now);
	sched__rq_lock(rq);
	sched__inc(&rq->counters[SCHED_CNT_TIMER_IRQ], 1);
	sched__charge_timer(rq, now); /* a slice, request or budget that ended sets need_resched */
	if (slice_over(rq, now))     /* ended at an earlier charge, when nobody else waited */
		sched__set(&rq->need_resched, 1);
	if (rq->nr_sc_wait)          /* refills due: waiting threads are queued again */
		sched__sc_expire(rq, now);
	rq->timer_armed = SCHED_TIME_NEVER; /* it fired: whatever is needed gets programmed */
	sched__rearm(rq);
	resched = rq->need_resched;
	sched__rq_unlock(rq);
	sched_arch_irq_restore(flags);
	return resched;
}

bool sched_ipi(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq;
	unsigned long flags;
	bool resched;

	if (!s || cpu >= s->nr_cpus || !s->rq[cpu].curr)
		return false;
	rq = sched__rq(s, cpu);
	flags = sched_arch_irq_save();
	/* Clear before looking: a wake after this point sends a fresh IPI. */
	sched__xchg(&rq->ipi_pending, 0);
	sched__rq_lock(rq);
	sched__inc(&rq->counters[SCHED_CNT_IPI_RECEIVED], 1);
	sched__rearm(rq);
	resched = rq->need_resched;
	sched__rq_unlock(rq);
	sched_arch_irq_restore(flags);
	return resched;
}

bool sched_need_resched(struct sched_sys *s, unsigned cpu)
{
	if (!s || cpu >= s->nr_cpus)
		return false;
	return __atomic_load_n(&s->rq[cpu].need_resched, __ATOMIC_RELAXED);
}
