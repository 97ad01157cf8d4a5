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
 * and each lease's record; rq->lease changes under it and the CPU's run-queue lock.
 */
#include "internal.h"
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
	return l->group ? l->group : l->thread ? l->thread->group : NULL;
}

static void step_done(struct sched_lease *l, enum sched_lease_step step, uint32_t count)
{
	l->rec.step_at[step] = sched_arch_now();
	l->rec.step_count[step] += count;
}

/* --- validation ---------------------------------------------------------------------- */

static int check_cpus(struct sched_sys *s, const sched_cpumask_t *cpus)
{
	if (sched_cpumask_empty(cpus))
		return -SCHED_EINVAL;
	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++)
		if (sched_cpumask_test(cpus, c) && !sched__cpu_usable(s, c))
			return -SCHED_ECPU; /* out of range, or offline */
	return 0;
}

/* None of the CPUs leased yet, and one online CPU left outside every lease. */
static int check_free(struct sched_sys *s, const sched_cpumask_t *cpus)
{
	unsigned general = 0;

	for (unsigned c = 0; c < s->nr_cpus; c++) {
		if (sched_cpumask_test(cpus, c) && s->rq[c].lease)
			return -SCHED_ELEASED;
		general += sched__cpu_usable(s, c) && !sched_cpumask_test(cpus, c) && !s->rq[c].lease;
	}
	return general ? 0 : -SCHED_EHOUSEKEEPING;
}

static int check_holder(const struct sched_lease_params *p)
{
	if (!p->thread.t == !p->group)
		return -SCHED_EINVAL; /* exactly one holder */
	if (p->thread.t && p->thread.t->is_idle)
		return -SCHED_EINVAL;
	if (p->thread.t && !sched__ref_live(p->thread))
		return -SCHED_ESTALE;
	return 0;
}

static int check_authority(struct sched_auth auth, const struct sched_lease_params *p)
{
	const struct sched_authority *a = auth.a;
	const struct sched_group *g = p->group ? p->group : p->thread.t->group;

	if (!sched__auth_live(auth))
		return -SCHED_ESTALE;
	if (!(a->rights & SCHED_RIGHT_LEASE) || !sched_cpumask_subset(&p->cpus, &a->cpus))
		return -SCHED_EPERM;
	if (a->scope && (!g || !sched__in_scope(g, a->scope) ||
			 (p->target && !sched__in_scope(p->target, a->scope))))
		return -SCHED_EPERM;
	return 0;
}

static int check_admitted(struct sched_sys *s, const sched_cpumask_t *cpus)
{
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched_cpumask_test(cpus, c) && sched__admitted_on(s, c))
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

/* Lock the run queues of `cpus` in ascending order, each lock once (SMT siblings with core
 * scheduling share their leader's). Returns how many locks were taken into held[]. */
static unsigned lock_cpus(struct sched_sys *s, const sched_cpumask_t *cpus,
			  struct sched_rq **held)
{
	unsigned n = 0;

	for (unsigned c = 0; c < s->nr_cpus; c++) {
		struct sched_rq *rq = &s->rq[c];
		bool dup = false;

		if (!sched_cpumask_test(cpus, c))
			continue;
		for (unsigned i = 0; i < n; i++)
			dup |= held[i]->core == rq->core;
		if (!dup) {
			sched__rq_lock(rq);
			held[n++] = rq;
		}
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

/* Publish l on rq (locked): from here no other thread is placed there. */
static void close_cpu(struct sched_sys *s, struct sched_lease *l, struct sched_rq *rq,
		      sched_time_t now)
{
	sched__charge_curr(rq, now); /* the target is charged from the grant on */
	__atomic_store_n(&rq->lease, l, __ATOMIC_RELEASE);
	__atomic_fetch_or(&s->leased.w[rq->cpu / 64], 1ull << (rq->cpu % 64), __ATOMIC_RELEASE);
	sched__inc(&rq->counters[SCHED_CNT_LEASE_GRANTS], 1);
	sched__trace(rq, SCHED_TR_LEASE, l->index, l->thread ? l->thread->id : 0,
		     SCHED_LEASE_EV_GRANT, now);
	if (sched__evict_curr(s, rq, l)) {
		sched__set(&rq->lease_due, rq->lease_due | DUE_ACTIVATE);
		l->pending++;
		l->rec.step_count[SCHED_LEASE_STEP_CLOSE]++;
	}
}

/* Steps CLOSE and ACCOUNTING, every CPU at once; -SCHED_EPINNED changes nothing. */
static int close_all(struct sched_sys *s, struct sched_lease *l)
{
	struct sched_rq *held[SCHED_MAX_CPUS];
	unsigned n = lock_cpus(s, &l->cpus, held);
	sched_time_t now = sched_arch_now();

	if (strands(s, l)) {
		unlock_cpus(held, n);
		return -SCHED_EPINNED;
	}
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched_cpumask_test(&l->cpus, c))
			close_cpu(s, l, &s->rq[c], now);
	unlock_cpus(held, n);
	step_done(l, SCHED_LEASE_STEP_CLOSE, 0);
	step_done(l, SCHED_LEASE_STEP_ACCOUNTING, l->target != NULL);
	return 0;
}

/* Steps QUEUED, REFILLS, TIMEOUTS: move what must leave, CPU by CPU. A CPU may have
 * picked a queued other thread before it moved: that current thread is told to leave too
 * (nothing else can arrive, so this happens at most once per CPU). */
static void move_all(struct sched_sys *s, struct sched_lease *l)
{
	static const uint8_t step[] = {
		[SCHED_EVICT_QUEUED] = SCHED_LEASE_STEP_QUEUED,
		[SCHED_EVICT_REFILL] = SCHED_LEASE_STEP_REFILLS,
		[SCHED_EVICT_SLEEPER] = SCHED_LEASE_STEP_TIMEOUTS,
	};

	for (unsigned w = SCHED_EVICT_QUEUED; w <= SCHED_EVICT_SLEEPER; w++) {
		uint32_t moved = 0;

		for (unsigned c = 0; c < s->nr_cpus; c++)
			if (sched_cpumask_test(&l->cpus, c))
				moved += sched__evict_all(s, &s->rq[c], (enum sched_evict)w, l);
		step_done(l, (enum sched_lease_step)step[w], moved);
	}
	for (unsigned c = 0; c < s->nr_cpus; c++) {
		struct sched_rq *rq = &s->rq[c];

		if (!sched_cpumask_test(&l->cpus, c))
			continue;
		sched__rq_lock(rq);
		if (!(rq->lease_due & DUE_ACTIVATE) && sched__evict_curr(s, rq, l)) {
			sched__set(&rq->lease_due, rq->lease_due | DUE_ACTIVATE);
			l->pending++;
			l->rec.step_count[SCHED_LEASE_STEP_CLOSE]++;
		}
		sched__rq_unlock(rq);
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
	sched_cpumask_t hk;

	sched_housekeeping(s, &hk);
	for (unsigned what = SCHED_LEASE_PORT_TIMERS; what <= SCHED_LEASE_PORT_IRQS; what++) {
		uint32_t calls = 0;

		for (unsigned c = 0; s->cfg.lease_port && c < s->nr_cpus; c++)
			if (sched_cpumask_test(&l->cpus, c)) {
				s->cfg.lease_port(s->cfg.cb_ctx, c, what, leased, &hk);
				calls++;
			}
		if (leased)
			step_done(l, (enum sched_lease_step)step[what], calls);
	}
}

/* One part of l's activation is done; the last makes it ACTIVE. lease_lock held. */
static void part_done(struct sched_sys *s, struct sched_lease *l)
{
	sched_time_t now;

	SCHED_ASSERT(l->pending > 0);
	if (--l->pending)
		return;
	now = sched_arch_now();
	l->rec.step_at[SCHED_LEASE_STEP_SWITCHED] = now;
	l->rec.active_at = now;
	sched__set(&l->state, SCHED_LEASE_ACTIVE);
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched_cpumask_test(&l->cpus, c)) {
			struct sched_rq *rq = &s->rq[c];

			sched__rq_lock(rq);
			sched__trace(rq, SCHED_TR_LEASE, l->index, l->thread ? l->thread->id : 0,
				     SCHED_LEASE_EV_ACTIVE, now);
			sched__rq_unlock(rq);
		}
}

static void record_init(struct sched_lease *l, sched_time_t now)
{
	l->rec = (struct sched_lease_record){ 0 };
	l->rec.granted_at = now;
	l->rec.active_at = SCHED_TIME_NEVER;
	for (unsigned i = 0; i < SCHED_LEASE_STEP_NR; i++)
		l->rec.step_at[i] = SCHED_TIME_NEVER;
}

static int grant_locked(struct sched_sys *s, struct sched_auth auth,
			const struct sched_lease_params *p, struct sched_lease_cap *out)
{
	struct sched_lease *l, saved;
	int ret;

	if ((ret = check_holder(p)) || (ret = check_cpus(s, &p->cpus)) ||
	    (ret = check_authority(auth, p)) || (ret = check_free(s, &p->cpus)) ||
	    (ret = check_admitted(s, &p->cpus)))
		return ret;
	if (!(l = free_slot(s)))
		return -SCHED_EFULL;
	saved = *l; /* a refusal below leaves the slot as it was */
	record_init(l, sched_arch_now());
	l->cpus = p->cpus;
	l->thread = p->thread.t;
	l->thread_gen = p->thread.gen;
	l->group = p->group;
	l->target = p->target ? p->target : holder_group(l);
	l->cause = SCHED_LEASE_NOT_REVOKED;
	l->pending = 1; /* this call's own steps */
	if ((ret = close_all(s, l))) {
		*l = saved;
		return ret;
	}
	sched__set(&l->state, SCHED_LEASE_PENDING);
	if (l->thread)
		sched__add(&l->thread->nr_leases, 1);
	move_all(s, l);
	port_hooks(s, l, true);
	part_done(s, l);
	out->index = l->index;
	out->gen = l->gen;
	return 0;
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
	return ret;
}

/* --- a leased CPU's switch: its part of an activation, and a revocation's return -------- */

/* On rq's CPU after a switch, no lock held, interrupts off (sched_finish_switch). */
void sched__lease_switched(struct sched_sys *s, struct sched_rq *rq)
{
	struct sched_lease *done = NULL;
	sched_time_t now;

	sched__spin_lock(&s->lease_lock);
	sched__rq_lock(rq);
	now = sched_arch_now();
	if (rq->lease_due & DUE_RETURN) { /* back in general use: this switch took work */
		uint64_t lat = now - rq->lease_back_at;

		sched__inc(&rq->counters[SCHED_CNT_LEASE_RETURNS], 1);
		sched__inc(&rq->counters[SCHED_CNT_LEASE_RETURN_NS], lat);
		if (lat > rq->counters[SCHED_CNT_LEASE_RETURN_MAX_NS])
			sched__set(&rq->counters[SCHED_CNT_LEASE_RETURN_MAX_NS], lat);
		sched__trace(rq, SCHED_TR_LEASE, 0, lat, SCHED_LEASE_EV_RETURN, now);
		rq->lease_back_at = SCHED_TIME_NEVER;
	}
	if ((rq->lease_due & DUE_ACTIVATE) && sched__lease_holds(rq->lease, rq->curr))
		done = rq->lease;
	sched__set(&rq->lease_due, done || !(rq->lease_due & DUE_ACTIVATE) ? 0 : DUE_ACTIVATE);
	sched__rq_unlock(rq);
	if (done) {
		/* the thread that just left may have gone to sleep here before it left */
		done->rec.step_count[SCHED_LEASE_STEP_TIMEOUTS] +=
			sched__evict_all(s, rq, SCHED_EVICT_SLEEPER, done);
		part_done(s, done);
	}
	sched__spin_unlock(&s->lease_lock);
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
	sched__kick(rq, true);
}

/* Revoke live l for `cause`. lease_lock held. O(nr_cpus) + the hooks. */
static void revoke_locked(struct sched_sys *s, struct sched_lease *l, enum sched_lease_cause cause)
{
	sched_time_t now = sched_arch_now();

	l->cause = (uint8_t)cause;
	__atomic_store_n(&l->gen, l->gen + 1, __ATOMIC_RELEASE); /* every copy fails from here */
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched_cpumask_test(&l->cpus, c)) {
			struct sched_rq *rq = &s->rq[c];

			sched__rq_lock(rq);
			open_cpu(s, l, rq, now);
			sched__rq_unlock(rq);
		}
	port_hooks(s, l, false);
	if (l->thread)
		sched__add(&l->thread->nr_leases, (uint32_t)-1);
	l->thread = NULL;
	l->group = l->target = NULL;
	l->pending = 0;
	sched__set(&l->state, SCHED_LEASE_FREE);
}

int sched_lease_revoke(struct sched_sys *s, struct sched_lease_cap cap)
{
	struct sched_lease *l;
	unsigned long flags;

	if (!s)
		return -SCHED_EINVAL;
	flags = sched__lock_irq(&s->lease_lock);
	l = lease_of(s, cap);
	if (l)
		revoke_locked(s, l, SCHED_LEASE_REVOKED);
	sched__unlock_irq(&s->lease_lock, flags);
	return l ? 0 : -SCHED_ESTALE;
}

static enum sched_lease_cause cause_of(const struct sched_group *g)
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
	if (!sched__auth_live(auth))
		return -SCHED_ESTALE;
	if (!(auth.a->rights & SCHED_RIGHT_LEASE) || !sched__in_scope(owner, auth.a->scope))
		return -SCHED_EPERM;
	flags = sched__lock_irq(&s->lease_lock);
	for (unsigned i = 0; i < s->nr_leases; i++) {
		struct sched_lease *l = &s->leases[i];
		const struct sched_group *g = holder_group(l);

		if (l->state != SCHED_LEASE_FREE && g && sched__in_scope(g, owner)) {
			revoke_locked(s, l, cause_of(owner));
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

int sched_lease_info(struct sched_sys *s, struct sched_lease_cap cap, struct sched_lease_info *out)
{
	struct sched_lease *l;
	unsigned long flags;

	if (!s || !out)
		return -SCHED_EINVAL;
	flags = sched__lock_irq(&s->lease_lock);
	l = lease_of(s, cap);
	if (l) {
		out->state = l->state;
		out->cpus = l->cpus;
		out->rec = l->rec;
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
	if (l->state == SCHED_LEASE_ACTIVE && (rq->lease_due & DUE_ACTIVATE))
		return sched__check_fail(s, "active lease with a CPU not switched", rq->cpu);
	return 0;
}
