/* SPDX-License-Identifier: MIT */
/*
 * lease.c - CPU isolation leases: grant with an activation record, revocation, the
 * housekeeping set (docs/lease.md).
 *
 * A grant closes its CPUs to every thread the lease does not hold, all CPUs at once under
 * their run-queue locks (so a refused grant changes nothing), then moves what must leave:
 * queued threads, threads waiting for a refill, sleeper timeouts (balance.c's evictors), and
 * asks the port to move its own timers, work and IRQs. A CPU still running another thread
 * finishes its part at its next switch (sched__lease_switched, from sched_finish_switch);
 * the lease is ACTIVE when every part is done. Placement never puts another thread there
 * meanwhile: every placement path asks sched__lease_lets (internal.h).
 *
 * Locking: s->lease_lock (first in the lock order) serialises grants, revocations, offline
 * and the lease slots; rq->lease changes under it and the CPU's run-queue lock. A leased
 * CPU's part (sched__lease_switched, in sched_finish_switch) counts the lease's `progress`
 * down with compare-and-swap against the generation; only the last part takes lease_lock,
 * to write the record, and that comes after the grant's own part (its port hooks), so a
 * grant that waits on that CPU (a hook, an on_cpu wait) never waits on it in turn.
 */
#include "internal.h"
#include "explain.h"
#include "account.h"
#include "auth.h"
#include "balance.h"
#include "lease.h"
#include "rq.h"
#include "sc.h"
#include "trace.h"

#define DUE_ACTIVATE 1 /* rq->lease_due: switch away from the last other thread */
#define DUE_RETURN 2   /* rq->lease_due: count the revocation latency at the next switch */

int sched_lease_pool(struct sched_sys *s, struct sched_lease *leases, unsigned n)
{
	unsigned long flags;
	int ret = 0;

	if (!s || !leases || !n || n > (1u << 16))
		return -SCHED_EINVAL;
	flags = sched__lock_irq(&s->lease_lock);
	if (s->leases) {
		ret = -SCHED_EEXIST;
	} else {
		for (unsigned i = 0; i < n; i++) {
			leases[i] = (struct sched_lease){ 0 };
			leases[i].index = i;
			leases[i].gen = 1;
		}
		s->nr_leases = n;
		s->leases = leases;
	}
	sched__unlock_irq(&s->lease_lock, flags);
	return ret;
}

/* The live lease a capability names, or NULL. lease_lock held. */
static struct sched_lease *lease_of(struct sched_sys *s, struct sched_lease_cap cap)
{
	struct sched_lease *l;

	sched__assert_locked(&s->lease_lock);
	if (!s->leases || cap.index >= s->nr_leases)
		return NULL;
	l = &s->leases[cap.index];
	return l->gen == cap.gen && l->state != SCHED_LEASE_FREE ? l : NULL;
}

/* The group a lease's holder belongs to (a thread's group; NULL for a thread in none). */
static struct sched_group *holder_group(const struct sched_lease *l)
{
	return l->group ? l->group : l->holder_group;
}

static void step_done(struct sched_lease *l, enum sched_lease_step step, uint32_t count)
{
	__atomic_store_n(&l->rec.step_at[step], sched_arch_now(), __ATOMIC_RELAXED);
	__atomic_add_fetch(&l->rec.step_count[step], count, __ATOMIC_RELAXED);
}

/* One more part of l's activation to wait for (its generation: gen). */
static void part_add(struct sched_lease *l)
{
	__atomic_add_fetch(&l->progress, 1, __ATOMIC_RELAXED);
}

/* One part of l's activation (generation gen) is done; true for the last one. Lock-free: a
 * revocation changes the generation, and a late part of an older one counts nothing. */
static bool part_done(struct sched_lease *l, uint32_t gen)
{
	uint64_t old = __atomic_load_n(&l->progress, __ATOMIC_ACQUIRE);

	do {
		if ((uint32_t)(old >> 32) != gen || !(uint32_t)old)
			return false;
	} while (!__atomic_compare_exchange_n(&l->progress, &old, old - 1, false,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return (uint32_t)old == 1;
}

static bool lease_active(const struct sched_lease *l)
{
	return __atomic_load_n(&l->rec.active_at, __ATOMIC_ACQUIRE) != SCHED_TIME_NEVER;
}

/* --- validation ---------------------------------------------------------------------- */

static int check_cpus(struct sched_sys *s, const sched_cpumask_t *cpus)
{
	if (sched_cpumask_empty(cpus))
		return -SCHED_EINVAL;
	for (unsigned c = sched_cpumask_next(cpus, 0); c < SCHED_MAX_CPUS; /* O(words + CPUs) */
	     c = sched_cpumask_next(cpus, c + 1))
		if (!sched__cpu_usable(s, c))
			return -SCHED_ECPU; /* out of range, or offline */
	return 0;
}

/* None of the CPUs leased yet, and one online CPU left outside every lease. */
static int check_free(struct sched_sys *s, const sched_cpumask_t *cpus)
{
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched_cpumask_test(cpus, c) && s->rq[c].lease)
			return -SCHED_ELEASED;
	return sched__general_left(s, cpus) ? 0 : -SCHED_EHOUSEKEEPING;
}

/* The holder a grant names, read under the holder thread's lock (exited storage may be
 * reused meanwhile): its group (a group holder's own) and id. */
struct holder {
	struct sched_group *group;
	uint32_t id;
};

static int check_holder(const struct sched_lease_params *p, struct holder *h)
{
	struct sched_thread *t = p->thread.t;
	int ret = 0;

	if (!t == !p->group)
		return -SCHED_EINVAL; /* exactly one holder */
	*h = (struct holder){ p->group, 0 };
	if (!t)
		return 0;
	sched__spin_lock(&t->lock);
	if (t->is_idle)
		ret = -SCHED_EINVAL;
	else if (!sched__ref_live(p->thread))
		ret = -SCHED_ESTALE;
	h->group = t->group;
	h->id = t->id;
	sched__spin_unlock(&t->lock);
	return ret;
}

/*
 * Count the lease on its holder thread before anything else changes, under the thread's
 * lock: an exit that comes after this sees the count and revokes the lease (it waits for
 * lease_lock, which the grant holds), and an exit before it makes the grant fail closed.
 */
static int hold_thread(struct sched_ref r)
{
	int ret = 0;

	sched__spin_lock(&r.t->lock);
	if (!sched__ref_live(r))
		ret = -SCHED_ESTALE;
	else
		sched__add(&r.t->nr_leases, 1);
	sched__spin_unlock(&r.t->lock);
	return ret;
}

static int check_authority(struct sched_auth auth, const struct sched_lease_params *p,
			   const struct sched_group *g)
{
	const struct sched_authority *a = auth.a;
	int ret = sched__auth_right(auth, SCHED_RIGHT_LEASE);

	if (ret)
		return ret;
	if (!sched_cpumask_subset(&p->cpus, &a->cpus))
		return -SCHED_EPERM;
	if (a->scope && (!g || !sched__in_scope(g, a->scope) ||
			 (p->target && !sched__in_scope(p->target, a->scope))))
		return -SCHED_EPERM;
	return 0;
}

/* `sc_locked`: the caller (an island's admission) holds sc_lock already. */
static int check_admitted(struct sched_sys *s, const sched_cpumask_t *cpus, bool sc_locked)
{
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched_cpumask_test(cpus, c) &&
		    (sc_locked ? sched__admitted_on_locked(s, c) : sched__admitted_on(s, c)))
			return -SCHED_EUNSCHED; /* admission counted on its time for others */
	return 0;
}

static struct sched_lease *free_slot(struct sched_sys *s)
{
	for (unsigned i = 0; i < s->nr_leases; i++)
		if (s->leases[i].state == SCHED_LEASE_FREE)
			return &s->leases[i];
	return NULL;
}

/* --- closing the CPUs ------------------------------------------------------------------ */

/* Lock the run queues of `cpus`, each lock once and in the lock order: ascending CPU of the
 * lock's owner (with core scheduling, SMT siblings share their leader's lock, and a leader
 * may have a higher number than a sibling). Returns the locks taken, in held[].
 * O(words + CPUs of `cpus`): the owners are marked in a mask, then taken in ascending order. */
static unsigned lock_cpus(struct sched_sys *s, const sched_cpumask_t *cpus,
			  struct sched_rq **held)
{
	sched_cpumask_t owners;
	unsigned n = 0;

	sched_cpumask_clear(&owners);
	for (unsigned c = sched_cpumask_next(cpus, 0); c < s->nr_cpus;
	     c = sched_cpumask_next(cpus, c + 1))
		sched_cpumask_set(&owners, s->rq[c].core->cpu);
	for (unsigned o = sched_cpumask_next(&owners, 0); o < SCHED_MAX_CPUS;
	     o = sched_cpumask_next(&owners, o + 1)) {
		sched__rq_lock(&s->rq[o]);
		held[n++] = &s->rq[o];
	}
	return n;
}

static void unlock_cpus(struct sched_rq **held, unsigned n)
{
	while (n)
		sched__rq_unlock(held[--n]);
}

/* Would a thread that must leave one of l's CPUs find nowhere to go? All locked. */
static bool strands(struct sched_sys *s, const struct sched_lease *l)
{
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched_cpumask_test(&l->cpus, c) && !sched__nothing_stranded(s, &s->rq[c], l))
			return true;
	return false;
}

/* l's activation waits for rq's (locked) next switch, once: sched__lease_switched then
 * does this CPU's part. */
static void await_switch(struct sched_lease *l, struct sched_rq *rq)
{
	sched__assert_rq_locked(rq);
	if (rq->lease_due & DUE_ACTIVATE)
		return;
	sched__set(&rq->lease_due, rq->lease_due | DUE_ACTIVATE);
	part_add(l);
	/* counted now; its instant is the last CPU's (finish_part) */
	__atomic_add_fetch(&l->rec.step_count[SCHED_LEASE_STEP_SWITCHED], 1, __ATOMIC_RELAXED);
}

/* rq (locked) runs a thread l does not hold: tell it to leave (again, if a pick took another
 * one meanwhile), and wait for this CPU's switch once. */
static void tell_curr(struct sched_sys *s, struct sched_lease *l, struct sched_rq *rq)
{
	const struct sched_thread *c = rq->curr;

	if (c->is_idle || sched__lease_holds(l, c))
		return;
	if (sched__get(&c->state) == SCHED_RUNNING || !(rq->lease_due & DUE_ACTIVATE)) {
		sched__evict_curr(s, rq, l);
		__atomic_add_fetch(&l->rec.step_count[SCHED_LEASE_STEP_CLOSE], 1, __ATOMIC_RELAXED);
	}
	await_switch(l, rq);
}

/* Publish l on rq (locked): from here no other thread is placed there. */
static void close_cpu(struct sched_sys *s, struct sched_lease *l, struct sched_rq *rq,
		      sched_time_t now)
{
	sched__charge_curr(rq, now); /* the target is charged from the grant on */
	__atomic_store_n(&rq->lease, l, __ATOMIC_RELEASE);
	__atomic_fetch_or(&s->leased.w[rq->cpu / 64], 1ull << (rq->cpu % 64), __ATOMIC_RELEASE);
	sched__inc(&rq->counters[SCHED_CNT_LEASE_GRANTS], 1);
	sched__trace(rq, SCHED_TR_LEASE, l->index, l->holder_id, SCHED_LEASE_EV_GRANT, now);
	tell_curr(s, l, rq);
	/* a pick there re-arms its timer for the lease: a holder already alone stops its tick
	 * for the lease's reason, and a slice timer armed for others goes */
	sched__kick(rq, true);
}

static void record_init(struct sched_lease *l, sched_time_t now)
{
	l->rec = (struct sched_lease_record){ 0 }; /* a free slot: no CPU writes it */
	l->rec.granted_at = now;
	l->rec.active_at = SCHED_TIME_NEVER;
	for (unsigned i = 0; i < SCHED_LEASE_STEP_NR; i++)
		l->rec.step_at[i] = SCHED_TIME_NEVER;
}

/* The holder fields, which placement reads without a lock (atomic: a revocation clears them). */
static void set_holder(struct sched_lease *l, struct sched_thread *t, uint32_t gen,
		       struct sched_group *g)
{
	__atomic_store_n(&l->thread, t, __ATOMIC_RELAXED);
	__atomic_store_n(&l->thread_gen, gen, __ATOMIC_RELAXED);
	__atomic_store_n(&l->group, g, __ATOMIC_RELAXED);
}

/* Fill free slot l for p (nothing reads a free slot: it is published only by close_all). */
static void fill(struct sched_lease *l, const struct sched_lease_params *p,
		 const struct holder *h)
{
	record_init(l, sched_arch_now());
	l->cpus = p->cpus;
	set_holder(l, p->thread.t, p->thread.gen, p->group);
	l->holder_group = h->group;
	l->holder_id = h->id;
	l->target = p->target ? p->target : h->group;
	l->cause = SCHED_LEASE_NOT_REVOKED;
	__atomic_store_n(&l->progress, (uint64_t)l->gen << 32 | 1, __ATOMIC_RELAXED); /* this call */
}

/*
 * Steps CLOSE and ACCOUNTING, every CPU at once: the last checks (`want`, a lease on the
 * stack with the grant's CPUs and holder) and the closing happen under all the CPUs'
 * locks, so nothing arrives between them. Slot l is filled only once they pass:
 * -SCHED_EAGAIN and -SCHED_EPINNED change nothing.
 */
static int close_all(struct sched_sys *s, struct sched_lease *l, const struct sched_lease *want,
		     const struct sched_lease_params *p, const struct holder *h)
{
	struct sched_rq *held[SCHED_MAX_CPUS]; /* 8 bytes a CPU of the build on the stack */
	unsigned n = lock_cpus(s, &want->cpus, held);
	sched_time_t now = sched_arch_now();

	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched_cpumask_test(&want->cpus, c) &&
		    __atomic_load_n(&s->rq[c].migrating_in, __ATOMIC_ACQUIRE)) {
			unlock_cpus(held, n); /* a thread is on its way there: after its switch */
			return -SCHED_EAGAIN;
		}
	if (strands(s, want)) {
		unlock_cpus(held, n);
		return -SCHED_EPINNED;
	}
	fill(l, p, h);
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched_cpumask_test(&l->cpus, c))
			close_cpu(s, l, &s->rq[c], now);
	unlock_cpus(held, n);
	step_done(l, SCHED_LEASE_STEP_CLOSE, 0);
	step_done(l, SCHED_LEASE_STEP_ACCOUNTING, l->target != NULL);
	return 0;
}

/* What leaves a CPU, in this order, and the step that records it: refill waits first, as a
 * refill due on the CPU would otherwise queue a thread the QUEUED pass has passed. */
static const uint8_t evict_order[] = {
	SCHED_EVICT_REFILL, SCHED_EVICT_QUEUED, SCHED_EVICT_SLEEPER,
};
static const uint8_t evict_step[] = {
	[SCHED_EVICT_QUEUED] = SCHED_LEASE_STEP_QUEUED,
	[SCHED_EVICT_REFILL] = SCHED_LEASE_STEP_REFILLS,
	[SCHED_EVICT_SLEEPER] = SCHED_LEASE_STEP_TIMEOUTS,
};

/* One pass of each kind over rq, counted in l's record. */
static void sweep(struct sched_sys *s, struct sched_lease *l, struct sched_rq *rq)
{
	for (unsigned i = 0; i < sizeof(evict_order); i++)
		__atomic_add_fetch(&l->rec.step_count[evict_step[evict_order[i]]],
				   sched__evict_all(s, rq, (enum sched_evict)evict_order[i], l),
				   __ATOMIC_RELAXED);
}

/*
 * The last look at rq (locked), after the passes. A pick there may have taken a queued
 * other thread before its pass: a current one is told to leave. While the CPU ran the
 * holder or idle, no switch of its own was due, so it may also have let such a thread go
 * again behind the passes (preempted, forced idle by its core, yielding, asleep with its
 * timeout there, waiting for a refill). Then the CPU's switch becomes due: from here a
 * thread it picks is told to leave at that switch (sched__lease_switched) and cannot go
 * back to its queue, so one more sweep leaves nothing there. True if one is needed.
 */
static bool last_look(struct sched_sys *s, struct sched_lease *l, struct sched_rq *rq)
{
	bool left;

	sched__assert_rq_locked(rq);
	tell_curr(s, l, rq);
	left = !sched__nothing_left(s, rq, l, !(rq->lease_due & DUE_ACTIVATE));
	if (left) {
		await_switch(l, rq);
		sched__kick(rq, true);
	}
	return left;
}

/*
 * Steps REFILLS, QUEUED, TIMEOUTS: move what must leave, kind by kind over every CPU
 * (sweep's order), then a last look at each CPU. Nothing else can arrive (placement
 * refuses the CPUs), so a CPU the last look finds clean stays clean.
 */
static void move_all(struct sched_sys *s, struct sched_lease *l)
{
	for (unsigned i = 0; i < sizeof(evict_order); i++) {
		uint32_t moved = 0;

		for (unsigned c = 0; c < s->nr_cpus; c++)
			if (sched_cpumask_test(&l->cpus, c))
				moved += sched__evict_all(s, &s->rq[c], (enum sched_evict)evict_order[i],
							  l);
		step_done(l, (enum sched_lease_step)evict_step[evict_order[i]], moved);
	}
	for (unsigned c = 0; c < s->nr_cpus; c++) {
		struct sched_rq *rq = &s->rq[c];
		bool left;

		if (!sched_cpumask_test(&l->cpus, c))
			continue;
		sched__rq_lock(rq);
		left = last_look(s, l, rq);
		sched__rq_unlock(rq);
		if (left)
			sweep(s, l, rq);
	}
}

/* Ask the port to move (leased) or bring back its own timers, work and IRQs on l's CPUs.
 * lease_lock held: hooks run in grant and revoke order. */
static void port_hooks(struct sched_sys *s, struct sched_lease *l, bool leased)
{
	static const uint8_t step[] = {
		[SCHED_LEASE_PORT_TIMERS] = SCHED_LEASE_STEP_PORT_TIMERS,
		[SCHED_LEASE_PORT_WORK] = SCHED_LEASE_STEP_PORT_WORK,
		[SCHED_LEASE_PORT_IRQS] = SCHED_LEASE_STEP_PORT_IRQS,
	};
	sched_cpumask_t hk, irq_hk;

	sched_housekeeping(s, &hk);
	irq_hk = hk; /* IRQs go outside shared realtime islands too (island.c) */
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (s->rq[c].isl_shared)
			sched_cpumask_unset(&irq_hk, c);
	for (unsigned what = SCHED_LEASE_PORT_TIMERS; what <= SCHED_LEASE_PORT_IRQS; what++) {
		uint32_t calls = 0;

		for (unsigned c = 0; s->cfg.lease_port && c < s->nr_cpus; c++)
			if (sched_cpumask_test(&l->cpus, c)) {
				s->cfg.lease_port(s->cfg.cb_ctx, c, what, leased,
						  what == SCHED_LEASE_PORT_IRQS ? &irq_hk : &hk);
				calls++;
			}
		if (leased)
			step_done(l, (enum sched_lease_step)step[what], calls);
	}
}

/*
 * One part of l's activation (generation gen) is done; the last makes it ACTIVE. The count
 * is lock-free; the last part writes the record under lease_lock (`locked`: the grant holds
 * it already), after checking that no revocation came in between. A leased CPU can be
 * last only once the grant's own part is done, that is after its port hooks, so taking
 * lease_lock here never waits for a hook that waits for this CPU.
 */
static void finish_part(struct sched_sys *s, struct sched_lease *l, uint32_t gen, bool locked)
{
	sched_time_t now;

	if (!part_done(l, gen))
		return;
	if (!locked)
		sched__spin_lock(&s->lease_lock);
	now = sched_arch_now();
	if (l->gen == gen && l->state != SCHED_LEASE_FREE) {
		__atomic_store_n(&l->rec.step_at[SCHED_LEASE_STEP_SWITCHED], now, __ATOMIC_RELAXED);
		__atomic_store_n(&l->rec.active_at, now, __ATOMIC_RELEASE);
		for (unsigned c = 0; c < s->nr_cpus; c++) {
			struct sched_rq *rq = &s->rq[c];

			if (!sched_cpumask_test(&l->cpus, c))
				continue;
			sched__rq_lock(rq);
			sched__trace(rq, SCHED_TR_LEASE, l->index, l->holder_id,
				     SCHED_LEASE_EV_ACTIVE, now);
			sched__rq_unlock(rq);
		}
	}
	if (!locked)
		sched__spin_unlock(&s->lease_lock);
}

/* A grant up to its port hooks: every check, the CPUs closed, what must leave moved.
 * Nothing has changed when it fails. */
static int grant_begin(struct sched_sys *s, struct sched_auth auth,
		       const struct sched_lease_params *p, struct sched_lease_cap *out, bool sc_locked)
{
	struct sched_lease *l, want = { .cpus = p->cpus, .thread = p->thread.t,
					  .thread_gen = p->thread.gen, .group = p->group };
	struct holder h;
	int ret;

	if ((ret = check_holder(p, &h)) || (ret = check_cpus(s, &p->cpus)) ||
	    (ret = check_authority(auth, p, h.group)) || (ret = check_free(s, &p->cpus)) ||
	    (ret = check_admitted(s, &p->cpus, sc_locked)))
		return ret;
	if (!(l = free_slot(s)))
		return -SCHED_EFULL;
	if (p->thread.t && (ret = hold_thread(p->thread)))
		return ret;
	if ((ret = close_all(s, l, &want, p, &h))) {
		if (p->thread.t)
			sched__add(&p->thread.t->nr_leases, (uint32_t)-1);
		return ret;
	}
	sched__set(&l->state, SCHED_LEASE_PENDING);
	move_all(s, l);
	out->index = l->index;
	out->gen = l->gen;
	return 0;
}

/* The rest: the port's hooks, and the grant's own part. lease_lock only (the hooks may wait
 * for other CPUs, which may be spinning on any other lock with interrupts off). */
static void grant_end(struct sched_sys *s, struct sched_lease_cap cap)
{
	struct sched_lease *l = &s->leases[cap.index];

	port_hooks(s, l, true);
	finish_part(s, l, cap.gen, true);
}

static int grant_locked(struct sched_sys *s, struct sched_auth auth,
			const struct sched_lease_params *p, struct sched_lease_cap *out)
{
	int ret = grant_begin(s, auth, p, out, false);

	if (!ret)
		grant_end(s, *out);
	return ret;
}

int sched_lease_grant(struct sched_sys *s, struct sched_auth auth,
		      const struct sched_lease_params *p, struct sched_lease_cap *out)
{
	unsigned long flags;
	int ret;

	if (!s || !auth.a || !p || !out)
		return -SCHED_EINVAL;
	flags = sched__lock_irq(&s->lease_lock);
	ret = s->leases ? grant_locked(s, auth, p, out) : -SCHED_EFULL;
	sched__unlock_irq(&s->lease_lock, flags);
	if (ret < 0) {
		uint64_t fig[3] = { p->cpus.w[0], 0, 0 };

		/* no thread or group named: a refused holder may be stale, its storage gone */
		sched__why_deny(s, 0, 0, SCHED_DENY_LEASE, ret, SCHED_OBJ_NONE, 0, fig);
	}
	return ret;
}

int sched__lease_grant_begin(struct sched_sys *s, struct sched_auth auth,
			     const struct sched_lease_params *p, struct sched_lease_cap *out)
{
	int ret;

	sched__assert_locked(&s->lease_lock);
	sched__assert_locked(&s->sc_lock);
	ret = s->leases ? grant_begin(s, auth, p, out, true) : -SCHED_EFULL;
	if (!ret)
		s->leases[out->index].island = 1;
	return ret;
}

void sched__lease_grant_end(struct sched_sys *s, struct sched_lease_cap cap)
{
	sched__assert_locked(&s->lease_lock);
	SCHED_ASSERT(!sched__lock_mine(&s->sc_lock));
	grant_end(s, cap);
}

/* --- a leased CPU's switch: its part of an activation, and a revocation's return -------- */

/* The revocation latency, counted once the CPU has picked since the revocation. rq locked. */
static void count_return(struct sched_rq *rq, sched_time_t now)
{
	uint64_t lat = now - rq->lease_back_at;

	if (sched_time_before(rq->picked_at, rq->lease_back_at))
		return; /* this switch was picked before the revocation: the next one counts */
	sched__inc(&rq->counters[SCHED_CNT_LEASE_RETURNS], 1);
	sched__inc(&rq->counters[SCHED_CNT_LEASE_RETURN_NS], lat);
	if (lat > rq->counters[SCHED_CNT_LEASE_RETURN_MAX_NS])
		sched__set(&rq->counters[SCHED_CNT_LEASE_RETURN_MAX_NS], lat);
	sched__trace(rq, SCHED_TR_LEASE, 0, lat, SCHED_LEASE_EV_RETURN, now);
	rq->lease_back_at = SCHED_TIME_NEVER;
	sched__set(&rq->lease_due, rq->lease_due & ~DUE_RETURN);
}

/*
 * On rq's CPU after a switch, no lock held, interrupts off (sched_finish_switch); takes
 * rq's lock, what the movers take, and lease_lock for a last part. If the CPU now runs a thread
 * of its lease (or idle), its part of the activation is done: a thread that went to sleep
 * here while leaving, or anything queued meanwhile, is moved, and the part is counted. If it
 * runs another thread (a pick took one before the grant moved it), that one is told to go.
 */
void sched__lease_switched(struct sched_sys *s, struct sched_rq *rq)
{
	struct sched_lease *l, holder = { 0 };
	uint32_t gen = 0;
	bool done = false;

	sched__rq_lock(rq);
	if (rq->lease_due & DUE_RETURN)
		count_return(rq, sched_arch_now());
	l = rq->lease;
	if ((rq->lease_due & DUE_ACTIVATE) && l) {
		if (sched__lease_holds(l, rq->curr)) {
			/* the holder, copied while rq->lease == l (a revocation clears that first) */
			holder.thread = __atomic_load_n(&l->thread, __ATOMIC_RELAXED);
			holder.thread_gen = __atomic_load_n(&l->thread_gen, __ATOMIC_RELAXED);
			holder.group = __atomic_load_n(&l->group, __ATOMIC_RELAXED);
			gen = __atomic_load_n(&l->gen, __ATOMIC_ACQUIRE);
			done = true;
			sched__set(&rq->lease_due, rq->lease_due & ~DUE_ACTIVATE);
		} else if (sched__get(&rq->curr->state) == SCHED_RUNNING) {
			sched__evict_curr(s, rq, l);
		}
	}
	sched__rq_unlock(rq);
	if (!done)
		return;
	/* (not counted in the record: the slot may be revoked and granted again by now) */
	sched__evict_all(s, rq, SCHED_EVICT_SLEEPER, &holder);
	sched__evict_all(s, rq, SCHED_EVICT_REFILL, &holder);
	sched__evict_all(s, rq, SCHED_EVICT_QUEUED, &holder);
	finish_part(s, l, gen, false);
}

/* --- revocation -------------------------------------------------------------------------- */

/* Give rq (locked) back: open it, and make it switch (and so take work) now. */
static void open_cpu(struct sched_sys *s, struct sched_lease *l, struct sched_rq *rq,
		     sched_time_t now)
{
	sched__charge_curr(rq, now); /* the target is charged up to the revocation */
	__atomic_store_n(&rq->lease, NULL, __ATOMIC_RELEASE);
	__atomic_fetch_and(&s->leased.w[rq->cpu / 64], ~(1ull << (rq->cpu % 64)), __ATOMIC_RELEASE);
	rq->lease_back_at = now;
	sched__set(&rq->lease_due, DUE_RETURN);
	sched__trace(rq, SCHED_TR_LEASE, l->index, l->cause, SCHED_LEASE_EV_REVOKE, now);
	/* the CPU's part of an activation is void now: the generation changed */
	sched__kick(rq, true);
}

/* Revoke live l for `cause`. lease_lock held. O(nr_cpus) + the hooks. */
static void revoke_locked(struct sched_sys *s, struct sched_lease *l, enum sched_lease_cause cause)
{
	sched_time_t now = sched_arch_now();

	l->cause = (uint8_t)cause;
	sched__why_revoke(s, SCHED_OBJ_LEASE, l->index, sched__why_lease_cause(cause),
			  l->holder_group ? l->holder_group->id : l->group ? l->group->id : 0,
			  l->holder_id, sched__cpumask_count(&l->cpus));
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched_cpumask_test(&l->cpus, c)) {
			struct sched_rq *rq = &s->rq[c];

			sched__rq_lock(rq);
			open_cpu(s, l, rq, now);
			sched__rq_unlock(rq);
		}
	/* Only now, with no CPU pointing at it: a CPU reads the generation under its rq lock
	 * while rq->lease is l, so a part counted late carries the old one and is void. Every
	 * copy of the capability fails from here (they are checked under lease_lock). */
	__atomic_store_n(&l->gen, l->gen + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&l->progress, (uint64_t)l->gen << 32, __ATOMIC_RELEASE);
	port_hooks(s, l, false);
	if (l->thread)
		sched__add(&l->thread->nr_leases, (uint32_t)-1);
	set_holder(l, NULL, 0, NULL);
	l->target = l->holder_group = NULL;
	l->island = 0;
	sched__set(&l->state, SCHED_LEASE_FREE);
}

bool sched__lease_revoke_cap(struct sched_sys *s, struct sched_lease_cap cap,
			     enum sched_lease_cause cause)
{
	struct sched_lease *l = lease_of(s, cap);

	if (l)
		revoke_locked(s, l, cause);
	return l != NULL;
}

int sched_lease_revoke(struct sched_sys *s, struct sched_lease_cap cap)
{
	struct sched_lease *l;
	unsigned long flags;

	if (!s)
		return -SCHED_EINVAL;
	int ret;

	flags = sched__lock_irq(&s->lease_lock);
	l = lease_of(s, cap);
	ret = !l ? -SCHED_ESTALE : l->island ? -SCHED_EPERM : 0;
	if (!ret)
		revoke_locked(s, l, SCHED_LEASE_REVOKED);
	sched__unlock_irq(&s->lease_lock, flags);
	return ret;
}

enum sched_lease_cause sched__lease_cause_of(const struct sched_group *g)
{
	return g->kind == SCHED_GROUP_SERVICE ? SCHED_LEASE_SERVICE
	       : g->kind == SCHED_GROUP_SESSION ? SCHED_LEASE_SESSION : SCHED_LEASE_HOLDER_EXIT;
}

int sched_lease_revoke_owned(struct sched_sys *s, struct sched_auth auth,
			     struct sched_group *owner)
{
	unsigned long flags;
	int n = 0;

	if (!s || !auth.a || !owner)
		return -SCHED_EINVAL;
	if ((n = sched__auth_right(auth, SCHED_RIGHT_LEASE)))
		return n;
	if (!sched__in_scope(owner, auth.a->scope))
		return -SCHED_EPERM;
	flags = sched__lock_irq(&s->lease_lock);
	for (unsigned i = 0; i < s->nr_leases; i++) {
		struct sched_lease *l = &s->leases[i];
		const struct sched_group *g = holder_group(l);

		if (l->state != SCHED_LEASE_FREE && !l->island && g && sched__in_scope(g, owner)) {
			revoke_locked(s, l, sched__lease_cause_of(owner));
			n++;
		}
	}
	sched__unlock_irq(&s->lease_lock, flags);
	return n;
}

/* t (this life `gen`) exited: its leases end. No lock held. O(pool). */
void sched__lease_holder_exit(struct sched_sys *s, struct sched_thread *t, uint32_t gen)
{
	unsigned long flags = sched__lock_irq(&s->lease_lock);

	for (unsigned i = 0; i < s->nr_leases; i++) {
		struct sched_lease *l = &s->leases[i];

		if (l->state != SCHED_LEASE_FREE && l->thread == t && l->thread_gen == gen)
			revoke_locked(s, l, SCHED_LEASE_HOLDER_EXIT);
	}
	sched__unlock_irq(&s->lease_lock, flags);
}

/* --- reading ------------------------------------------------------------------------------ */

int sched__lease_held(struct sched_sys *s, struct sched_lease_cap cap, const struct sched_thread *who)
{
	unsigned long flags = sched__lock_irq(&s->lease_lock);
	struct sched_lease *l = s->leases ? lease_of(s, cap) : NULL;
	int ret = l ? 0 : -SCHED_ESTALE;

	if (l && (l->island || !(l->thread == who || (who->group && holder_group(l) &&
						      sched__in_scope(holder_group(l), who->group)))))
		ret = -SCHED_EPERM;
	sched__unlock_irq(&s->lease_lock, flags);
	return ret;
}

int sched_lease_info(struct sched_sys *s, struct sched_lease_cap cap, struct sched_lease_info *out)
{
	struct sched_lease *l;
	unsigned long flags;

	if (!s || !out)
		return -SCHED_EINVAL;
	flags = sched__lock_irq(&s->lease_lock);
	l = lease_of(s, cap);
	if (l) {
		out->state = lease_active(l) ? SCHED_LEASE_ACTIVE : SCHED_LEASE_PENDING;
		out->cpus = l->cpus;
		/* field by field: a leased CPU may be writing its part */
		out->rec.granted_at = l->rec.granted_at;
		out->rec.active_at = __atomic_load_n(&l->rec.active_at, __ATOMIC_ACQUIRE);
		for (unsigned i = 0; i < SCHED_LEASE_STEP_NR; i++) {
			out->rec.step_at[i] = __atomic_load_n(&l->rec.step_at[i], __ATOMIC_RELAXED);
			out->rec.step_count[i] = __atomic_load_n(&l->rec.step_count[i],
								 __ATOMIC_RELAXED);
		}
	}
	sched__unlock_irq(&s->lease_lock, flags);
	return l ? 0 : -SCHED_ESTALE;
}

void sched_housekeeping(struct sched_sys *s, sched_cpumask_t *out)
{
	if (!s || !out)
		return;
	sched_cpumask_clear(out);
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched__cpu_usable(s, c) && !__atomic_load_n(&s->rq[c].lease, __ATOMIC_ACQUIRE))
			sched_cpumask_set(out, c);
}

/* --- the checker ---------------------------------------------------------------------------- */

/* rq's part of the lease invariants (rq locked): its lease is live and names it; only the
 * lease's threads are queued, waiting for a refill or (once switched) current or asleep
 * here. O(threads on rq). */
int sched__lease_check(struct sched_sys *s, struct sched_rq *rq)
{
	const struct sched_lease *l = rq->lease;
	bool leased_bit = sched_cpumask_test(&s->leased, rq->cpu);

	sched__assert_rq_locked(rq);
	if (!l)
		return leased_bit || (rq->lease_due & DUE_ACTIVATE)
			? sched__check_fail(s, "lease state on a CPU without a lease", rq->cpu) : 0;
	if (!leased_bit || l->state == SCHED_LEASE_FREE || !sched_cpumask_test(&l->cpus, rq->cpu))
		return sched__check_fail(s, "CPU leased by a lease that does not hold it", rq->cpu);
	if (!sched__nothing_left(s, rq, l, !(rq->lease_due & DUE_ACTIVATE)))
		return sched__check_fail(s, "another thread on a leased CPU", rq->cpu);
	if (lease_active(l) && (rq->lease_due & DUE_ACTIVATE))
		return sched__check_fail(s, "active lease with a CPU not switched", rq->cpu);
	return 0;
}
