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
	if (a == b) {
		sched__rq_lock(a);
	} else if (a->cpu < b->cpu) {
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
	if (a != b)
		sched__rq_unlock(b);
}

void sched__enqueue(struct sched_rq *rq, struct sched_thread *t, unsigned flags,
		    sched_time_t now)
{
	sched__set(&t->state, SCHED_RUNNABLE);
	t->cpu = rq->cpu;
	t->runnable_since = now;
	rq->sys->fair->enqueue(rq, t, flags);
	sched__inc(&rq->nr_queued, 1);
	__atomic_store_n(&rq->load, rq->load + t->weight, __ATOMIC_RELAXED);
}

/*
 * A queued thread leaves rq (exit, migration). The class may have moved the current
 * thread's slice end (a group's share changes), so the CPU re-arms, or gets an IPI.
 */
void sched__dequeue(struct sched_rq *rq, struct sched_thread *t, unsigned flags)
{
	rq->sys->fair->dequeue(rq, t, flags);
	sched__inc(&rq->nr_queued, (uint32_t)-1);
	__atomic_store_n(&rq->load, rq->load - t->weight, __ATOMIC_RELAXED);
	if (rq->handoff == t)
		rq->handoff = NULL;
	if (rq->curr)
		sched__kick(rq, false);
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

	if (rq->nr_queued && curr && !curr->is_idle) {
		d = rq->sys->fair->slice_end(rq, curr, curr->exec_start);
		d = earlier(d, rq->next_balance);
	}
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

/* The class's choice (a direct-handoff target first, if the class agrees), or NULL. */
static struct sched_thread *choose(struct sched_rq *rq, struct sched_thread *prev,
				   sched_time_t now)
{
	const struct sched_class *fair = rq->sys->fair;

	if (!rq->online)
		return NULL;
	if (rq->handoff && fair->handoff(rq, prev, rq->handoff))
		return rq->handoff;
	rq->handoff = NULL;
	return fair->pick(rq, now);
}

/*
 * The pick, with rq locked: charge; a current thread that stopped being runnable leaves
 * the class; choose; if the choice is another thread, the still-runnable current one goes
 * back among the queued and the choice becomes current. O(class pick).
 */
struct sched_thread *sched__schedule(struct sched_rq *rq)
{
	const struct sched_class *fair = rq->sys->fair;
	struct sched_thread *prev = rq->curr, *next;
	sched_time_t now = sched_arch_now();
	bool prev_runs = !prev->is_idle && sched__get(&prev->state) == SCHED_RUNNING;

	sched__charge_curr(rq, now);
	if (!prev->is_idle && !prev_runs) {
		fair->dequeue(rq, prev, leave_flags(prev));
		__atomic_store_n(&rq->load, rq->load - prev->weight, __ATOMIC_RELAXED);
	}
	sched__inc(&rq->counters[SCHED_CNT_PICK_CANDIDATES], rq->nr_queued + prev_runs);
	next = choose(rq, prev, now);
	if (next != prev || !prev_runs) {
		if (prev_runs) {
			fair->put_prev(rq, prev);
			sched__set(&prev->state, SCHED_RUNNABLE);
			prev->runnable_since = now;
			sched__inc(&rq->nr_queued, 1);
		}
		if (next) {
			fair->set_next(rq, next, now);
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
	sched__charge_curr(rq, now); /* a slice or request that ended sets need_resched */
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
