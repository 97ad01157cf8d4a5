/* SPDX-License-Identifier: MIT */
/*
 * rq.c - the per-CPU run queue mechanism: putting a thread on the class the ordered class
 * list gives it, taking it off, the plain choice among the classes, and making the CPU act
 * on a change (its timer, or an IPI).
 *
 * Ownership invariant: a runnable thread is in exactly one CPU's class queue (state
 * RUNNABLE, thread.cpu names the CPU) or is exactly one CPU's current thread (RUNNING or
 * MIGRATING), never both. A thread whose SC has no budget is on no class queue but in its
 * CPU's refill wait (budget.c), still owned by that CPU.
 *
 * Tickless: after every change on its own CPU the core reprograms the one-shot timer to the
 * next instant it needs (slice end while others wait, budget end, next refill, next sleeper
 * timeout, next balance). A remote change that needs the CPU to act sooner sends one IPI.
 *
 * Every function here: rq locked (asserted), interrupts off.
 */
#include "internal.h"
#include "budget.h"
#include "core_tree.h"
#include "refill.h"
#include "progress.h"
#include "rq.h"
#include "trace.h"

/* The first class of the list that accepts runnable t (the last accepts everyone).
 * O(classes). */
const struct sched_class *sched__class_for(struct sched_sys *s, const struct sched_thread *t,
					  sched_time_t now)
{
	for (unsigned i = 0; i < SCHED_NR_CLASSES - 1; i++) {
		const struct sched_class *c = s->classes[i];

		if (!c->accepts || c->accepts(t, now))
			return c;
	}
	return s->classes[SCHED_NR_CLASSES - 1];
}

/* The class runnable t belongs on now; NULL if it may not be on any (its budget gate says
 * wait or block). */
const struct sched_class *sched__class_wanted(struct sched_rq *rq, const struct sched_thread *t,
					      sched_time_t now)
{
	enum sched_gate g;

	sched__assert_rq_locked(rq);
	g = sched__gate(t, now);
	if (g == SCHED_GATE_WAIT || g == SCHED_GATE_BLOCK)
		return NULL;
	return sched__class_for(rq->sys, t, now);
}

static void block_here(struct sched_thread *t)
{
	t->on_class = NULL;
	sched__set(&t->block_seq, t->block_seq + 1);
	sched__set(&t->state, SCHED_BLOCKED);
}

/* t's rank in class c (NULL: idle, or on no class). Pure. */
struct sched_rank sched__rank_of(const struct sched_thread *t, const struct sched_class *c)
{
	if (!c || t->is_idle)
		return (struct sched_rank){ SCHED_NR_CLASSES, 0 };
	return (struct sched_rank){ c->slot, c->rank_key ? c->rank_key(t) : 0 };
}

/* The most urgent queued (not current) thread of the realtime classes (those with a rank
 * key), or NULL. O(classes). */
struct sched_thread *sched__best_queued_rt(struct sched_rq *rq)
{
	sched__assert_rq_locked(rq);
	for (unsigned i = 0; i < SCHED_NR_CLASSES; i++) {
		const struct sched_class *c = rq->sys->classes[i];
		struct sched_thread *t;

		if (c->rank_key && rq->class_nr[i] && (t = c->first(rq)))
			return t;
	}
	return NULL;
}

/* Publish what rq runs and its most urgent queued realtime thread, for push and pull on
 * other CPUs; keep the count of CPUs with one queued. rq locked (sched__best_queued_rt
 * asserts it). O(classes). */
void sched__publish_rank(struct sched_rq *rq)
{
	struct sched_thread *c = rq->curr, *q = sched__best_queued_rt(rq);
	struct sched_rank rc = c && sched__get(&c->state) == SCHED_RUNNING
				       ? sched__rank_of(c, c->on_class)
				       : (struct sched_rank){ SCHED_NR_CLASSES, 0 };
	struct sched_rank rqd = q ? sched__rank_of(q, q->on_class)
				  : (struct sched_rank){ SCHED_NR_CLASSES, 0 };
	bool had = rq->rank_queued_slot < SCHED_NR_CLASSES;

	sched__set(&rq->rank_curr_slot, (uint8_t)rc.slot);
	sched__set(&rq->rank_curr_key, rc.key);
	sched__set(&rq->rank_queued_slot, (uint8_t)rqd.slot);
	sched__set(&rq->rank_queued_key, rqd.key);
	if (had != (q != NULL)) /* shared by every CPU: a real atomic add */
		__atomic_fetch_add(&rq->sys->rt_queued_cpus, q ? 1u : (uint32_t)-1,
				   __ATOMIC_RELAXED);
}

/* Publish rq's load: the other classes' weights plus the fair class's top weight (a group
 * counts as its entity here, so balancing sees what the fair class shares), and its
 * realtime ranks. */
void sched__update_load(struct sched_rq *rq)
{
	sched__assert_rq_locked(rq);
	__atomic_store_n(&rq->load,
			 rq->load_other + rq->sys->classes[SCHED_NR_CLASSES - 1]->top_weight(rq),
			 __ATOMIC_RELAXED);
	sched__publish_rank(rq);
}

/*
 * Put runnable t (not current, state set by the caller) where its budget gate and the class
 * list say: a class queue, and the refill wait if its SC has no budget now (throttled, or
 * demoted until the refill). A thread that may not run at all (passive without SC) is
 * blocked instead; wake refuses such threads, so only a fault path gets here.
 * O(classes + class enqueue).
 */
static void class_enqueue(struct sched_rq *rq, struct sched_thread *t, unsigned flags,
			  sched_time_t now)
{
	enum sched_gate g = sched__gate(t, now);
	const struct sched_class *c;

	if (g == SCHED_GATE_BLOCK) {
		block_here(t);
		return;
	}
	if (g != SCHED_GATE_RUN)
		sched__budget_wait_add(rq, t, now);
	if (g == SCHED_GATE_WAIT) {
		t->on_class = NULL;
		return;
	}
	c = sched__class_for(rq->sys, t, now);
	if (c == rq->sys->classes[SCHED_NR_CLASSES - 1])
		sched__progress_join(rq, t, flags, now);
	t->on_class = c;
	c->enqueue(rq, t, flags);
	rq->class_nr[c->slot]++;
	sched__inc(&rq->nr_queued, 1);
	if (c != rq->sys->classes[SCHED_NR_CLASSES - 1])
		rq->load_other += t->weight;
	sched__update_load(rq);
	if (sched__core_on(rq))
		sched__core_enqueued(rq, t);
}

/* Take t off its class queue (queued, or current and leaving) and off the refill wait.
 * Adjusts the load; the caller adjusts nr_queued for a queued thread. */
static void class_dequeue(struct sched_rq *rq, struct sched_thread *t, unsigned flags,
			  sched_time_t now)
{
	const struct sched_class *c = t->on_class;

	if (t->sc_wait)
		sched__budget_wait_del(rq, t, now);
	if (sched__core_on(rq))
		sched__core_dequeued(rq, t);
	if (c) {
		SCHED_ASSERT(rq->class_nr[c->slot] > 0);
		c->dequeue(rq, t, flags);
		rq->class_nr[c->slot]--;
		if (c != rq->sys->classes[SCHED_NR_CLASSES - 1])
			rq->load_other -= t->weight;
		sched__update_load(rq);
	}
}

void sched__enqueue(struct sched_rq *rq, struct sched_thread *t, unsigned flags,
		    sched_time_t now)
{
	sched__assert_rq_locked(rq);
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
	sched__assert_rq_locked(rq);
	SCHED_ASSERT(rq->curr != t);
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
 * The current thread prev leaves its class: it stopped being runnable (`flags` say why), or
 * its class must change (then it is queued again right after, by sched__enqueue).
 */
void sched__dequeue_curr(struct sched_rq *rq, struct sched_thread *prev, unsigned flags,
			 sched_time_t now)
{
	sched__assert_rq_locked(rq);
	SCHED_ASSERT(rq->curr == prev && !prev->is_idle);
	class_dequeue(rq, prev, flags, now);
	prev->on_class = NULL;
}

/* The current thread may not run on (its gate says block): it blocks in place. */
void sched__block_curr_here(struct sched_rq *rq, struct sched_thread *prev)
{
	sched__assert_rq_locked(rq);
	SCHED_ASSERT(rq->curr == prev && !prev->on_class);
	sched__set(&prev->sc_fault, 0);
	block_here(prev);
}

/*
 * t's weight (or slice) was just changed from `old`: every class with state for t, the load
 * and the CPU follow. t locked; rq is its run queue, locked, if t is on one (queued,
 * current) and charged up to now, else NULL. O(classes + class reweight).
 */
void sched__reweight(struct sched_sys *s, struct sched_rq *rq, struct sched_thread *t,
		     uint32_t old)
{
	/* counted in rq->load: on a class queue, or current on one (not a thread waiting for
	 * its SC's refill, nor a MIGRATING thread already gone) */
	bool counted = rq && t->on_class &&
		       (sched__get(&t->state) == SCHED_RUNNABLE || rq->curr == t);

	sched__assert_thread_locked(t);
	if (counted && t->on_class != s->classes[SCHED_NR_CLASSES - 1])
		rq->load_other += (uint64_t)t->weight - old;
	for (unsigned i = 0; i < SCHED_NR_CLASSES; i++) /* each keeps its own state */
		if (s->classes[i]->reweight)
			s->classes[i]->reweight(rq, t);
	if (rq) {
		sched__update_load(rq);
		sched__kick(rq, false);
	}
}

/*
 * Queued t's SC changed (budget back, bound, revoked): move it to where it now belongs.
 * A current thread is moved by its CPU's next pick instead, which this asks for; any other
 * thread is not on this queue and is placed by its next enqueue.
 */
void sched__requeue(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	sched__assert_rq_locked(rq);
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

/*
 * Budget came back for threads in the refill wait: each goes back to its budget class (a
 * running demoted thread at this pick). At most a batch per call; the timer fires again at
 * once for more. On rq->cpu. O(batch x log n).
 */
unsigned sched__expire_refills(struct sched_rq *rq, sched_time_t now)
{
	unsigned n = 0;
	struct sched_thread *t;

	sched__assert_rq_local(rq);
	while (n < SCHED_TIMER_BATCH && (t = sched__budget_first(rq)) &&
	       !sched_time_before(now, sched__budget_refill_at(t))) {
		sched__budget_wait_del(rq, t, now);
		sched__refill_arrive(sched__run_sc(t), now);
		sched__requeue(rq, t, now);
		n++;
	}
	return n;
}

/*
 * Should t, just queued on rq, preempt what rq runs? Idle always yields; a higher class
 * always wins; within a class the class decides. A thread waiting for budget is not queued.
 */
bool sched__preempts(struct sched_rq *rq, struct sched_thread *t)
{
	const struct sched_class *c = rq->curr->on_class;

	sched__assert_rq_locked(rq);
	if (!t->on_class)
		return false;
	if (rq->curr->is_idle || !c)
		return true;
	if (c != t->on_class)
		return t->on_class->slot < c->slot;
	return c->wakeup_preempt(rq, rq->curr, t);
}

/* Others wait for this CPU: queued threads, or a sibling forced idle by its cookie. */
bool sched__others_wait(const struct sched_rq *rq)
{
	sched__assert_rq_locked(rq);
	return rq->nr_queued || (sched__core_on(rq) && sched__core_others_wait(rq));
}

/* In a fairness group (one with per-CPU storage), at any of its <= 4 levels? */
static bool in_fair_group(const struct sched_thread *t)
{
	for (const struct sched_group *g = t->group; g; g = g->parent)
		if (g->pcpu)
			return true;
	return false;
}

/* The earliest instant a class with threads here needs a pick (class.h next_event). */
sched_time_t sched__class_event(const struct sched_rq *rq, sched_time_t now)
{
	sched_time_t d = SCHED_TIME_NEVER;

	sched__assert_rq_locked(rq);
	for (unsigned i = 0; i < SCHED_NR_CLASSES; i++)
		if (rq->class_nr[i] && rq->sys->classes[i]->next_event)
			d = sched__earlier(d, rq->sys->classes[i]->next_event(rq, now));
	return d;
}

/* The next instant this CPU must be interrupted at, or SCHED_TIME_NEVER; *tick says
 * whether that includes the scheduling tick (a slice end or balance: threads compete). */
static sched_time_t next_deadline(struct sched_rq *rq, bool *tick)
{
	sched_time_t d = SCHED_TIME_NEVER;
	struct sched_thread *curr = rq->curr;

	*tick = false;
	if (curr && !curr->is_idle && curr->on_class) {
		/* a budget ends whether or not others wait; a slice only matters if they do */
		bool others = sched__others_wait(rq);

		if (curr->on_class->budgeted || others)
			d = curr->on_class->slice_end(rq, curr, curr->exec_start);
		/* a thread of a fairness group alone here still follows the group's weight,
		 * which its other CPUs change (eevdf.c), and may be rotated (balance.c); not on
		 * a leased CPU, which no other thread may share */
		*tick = others || (in_fair_group(curr) && !rq->lease);
		if (*tick)
			d = sched__earlier(d, rq->next_balance);
	}
	if (rq->nr_sc_wait)
		d = sched__earlier(d, sched__budget_next_refill(rq));
	d = sched__earlier(d, sched__class_event(rq, sched_arch_now()));
	if (rq->sleepers.leftmost) {
		struct sched_thread *t =
			sched__container_of(rq->sleepers.leftmost, struct sched_thread, timeout_node);
		d = sched__earlier(d, t->timeout);
	}
	return d;
}

/*
 * nohz telemetry: the tick is running, or stopped for a reason; each change is counted and
 * traced, and the time stopped is summed when a stop ends. On rq->cpu, rq locked. O(1)
 * (O(group depth) for a leased CPU's holder test).
 */
static void note_tick(struct sched_rq *rq, bool tick, sched_time_t now)
{
	static const uint8_t stop_cnt[] = {
		[SCHED_NOHZ_IDLE] = SCHED_CNT_NOHZ_STOP_IDLE,
		[SCHED_NOHZ_SINGLE] = SCHED_CNT_NOHZ_STOP_SINGLE,
		[SCHED_NOHZ_LEASE] = SCHED_CNT_NOHZ_STOP_LEASE,
	};
	const struct sched_thread *c = rq->curr;
	uint8_t why = tick ? SCHED_NOHZ_TICK
		      : c->is_idle ? SCHED_NOHZ_IDLE
		      : rq->lease && sched__lease_holds(rq->lease, c) ? SCHED_NOHZ_LEASE
		      : SCHED_NOHZ_SINGLE;
	uint64_t stopped = now - rq->nohz_since;

	if (why == rq->nohz_reason)
		return;
	if (rq->nohz_reason != SCHED_NOHZ_TICK)
		sched__inc(&rq->counters[SCHED_CNT_NOHZ_NS], stopped);
	sched__inc(&rq->counters[why == SCHED_NOHZ_TICK ? SCHED_CNT_NOHZ_RESTART : stop_cnt[why]], 1);
	sched__trace(rq, SCHED_TR_TICK, c->id,
		     why == SCHED_NOHZ_TICK && rq->nohz_reason != SCHED_NOHZ_TICK ? stopped : 0, why,
		     now);
	rq->nohz_reason = why;
	rq->nohz_since = now;
}

/* Program this CPU's timer for what the queue needs now. On rq->cpu. */
void sched__rearm(struct sched_rq *rq)
{
	sched_time_t d;
	bool tick;

	sched__assert_rq_local(rq);
	d = next_deadline(rq, &tick);
	note_tick(rq, tick, sched_arch_now());
	if (d != rq->timer_armed) {
		rq->timer_armed = d;
		sched_arch_set_timer(d);
	}
}

/*
 * Work was queued on rq: make its CPU act if it must, i.e. reschedule (`must_preempt`, or
 * it runs idle) or bring its timer forward. Locally that is a flag or a timer write;
 * remotely one IPI, coalesced while one is pending.
 */
void sched__kick(struct sched_rq *rq, bool must_preempt)
{
	bool remote = rq->cpu != sched_arch_cpu_id();

	sched__assert_rq_locked(rq);
	if (must_preempt || rq->curr->is_idle)
		sched__set(&rq->need_resched, 1);
	if (!remote) {
		sched__rearm(rq);
		return;
	}
	bool tick;

	if (!rq->need_resched && !sched__deadline_before(next_deadline(rq, &tick), rq->timer_armed))
		return;
	if (sched__xchg(&rq->ipi_pending, 1)) {
		sched__measure_inc(rq, SCHED_CNT_IPI_COALESCED, 1);
		return;
	}
	sched__inc(&rq->counters[SCHED_CNT_IPI_SENT], 1);
	sched__trace(rq, SCHED_TR_IPI, 0, sched_arch_cpu_id(), 0, sched_arch_now());
	sched_arch_send_resched(rq->cpu);
}

/* The first thread a class gives, asking them in order (no handoff). NULL: idle. */
struct sched_thread *sched__class_best(struct sched_rq *rq, sched_time_t now)
{
	sched__assert_rq_locked(rq);
	for (unsigned i = 0; i < SCHED_NR_CLASSES; i++) {
		struct sched_thread *t;

		if (rq->class_nr[i] && (t = rq->sys->classes[i]->pick(rq, now)))
			return t;
	}
	return NULL;
}

/*
 * The plain choice, asking the classes in order: the first class with something to run
 * gives it; a direct-handoff target goes first if no higher class has a thread and its own
 * class agrees (it may not starve its peers). A class with no thread here is skipped
 * without a call. NULL: idle. O(classes + class pick).
 */
struct sched_thread *sched__choose(struct sched_rq *rq, struct sched_thread *prev,
				   sched_time_t now)
{
	struct sched_thread *h = rq->handoff;

	sched__assert_rq_locked(rq);
	if (!rq->online)
		return NULL;
	for (unsigned i = 0; i < SCHED_NR_CLASSES; i++) {
		const struct sched_class *c = rq->sys->classes[i];
		struct sched_thread *next;

		if (!rq->class_nr[i])
			continue;
		if (h && h->on_class == c && c->handoff(rq, prev, h))
			return h;
		if ((next = c->pick(rq, now))) {
			rq->handoff = NULL;
			return next;
		}
	}
	rq->handoff = NULL;
	return NULL;
}
