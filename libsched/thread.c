/* SPDX-License-Identifier: MIT */
/*
 * thread.c - thread lifecycle (init, exit), affinity, figures, and groups.
 *
 * Generations: a ref is {thread, gen}. Exit bumps gen under the thread lock, so every ref
 * taken before fails closed with -SCHED_ESTALE from then on, and re-initialising the
 * storage bumps it again, so refs into a previous life of the storage stay stale.
 */
#include "internal.h"
#include "explain.h"
#include "lease.h"
#include "account.h"
#include "auth.h"
#include "core_cookie.h"
#include "migrate.h"
#include "place.h"
#include "progress.h"
#include "proxy.h"
#include "rq.h"
#include "wake.h"
#include "sc.h"
#include "timeout.h"
#include "trace.h"
#include "weight.h"

/* Weight, slice and nice of a thread from validated parameters. */
static void apply_fair(struct sched_sys *s, struct sched_thread *t, int nice, bool idle,
		       uint64_t slice_ns)
{
	t->nice = (int8_t)nice;
	t->weight_own = idle ? SCHED_WEIGHT_IDLE : sched__nice_weight(nice);
	t->weight = t->weight_own > t->lent_weight ? t->weight_own : t->lent_weight;
	t->slice = slice_ns ? slice_ns : s->cfg.base_slice_ns;
}

static int check_params(struct sched_sys *s, const struct sched_thread_params *p)
{
	sched_cpumask_t all;

	if (!sched__fair_params_ok(p->nice, p->slice_ns))
		return -SCHED_EINVAL;
	sched_cpumask_fill(&all, s->nr_cpus);
	if (p->affinity && !sched_cpumask_intersects(p->affinity, &all))
		return -SCHED_EAFFINITY;
	if (p->creator.t && !sched__ref_live(p->creator))
		return -SCHED_ESTALE;
	return 0;
}

/* Fields a stale ref's holder may read before it holds the lock (sched__sc_involved, the
 * on_cpu wait): cleared with atomic stores, the rest byte by byte. nr_leases is not cleared
 * at all: the exit of an earlier life revokes that life's leases, and may do so after the
 * storage was reused (each lease names the life it belongs to). */
#define LOCKFREE(f) { offsetof(struct sched_thread, f), sizeof(((struct sched_thread *)0)->f) }
static const struct { size_t off, len; } lockfree[] = {
	LOCKFREE(on_cpu), LOCKFREE(sc), LOCKFREE(own_sc), LOCKFREE(donor), LOCKFREE(passive),
	LOCKFREE(mx_sc), LOCKFREE(waits_on), LOCKFREE(block_seq), LOCKFREE(nr_leases),
	LOCKFREE(isl_server),
};

static bool lockfree_byte(size_t i)
{
	for (size_t k = 0; k < sizeof(lockfree) / sizeof(lockfree[0]); k++)
		if (i - lockfree[k].off < lockfree[k].len)
			return true;
	return false;
}

/* Zero everything but the lock, the generation and the state: a stale ref's holder may be
 * spinning on the lock, and gen and state are read without it (they are set after). */
static void clear_thread(struct sched_thread *t)
{
	volatile unsigned char *p = (unsigned char *)t;

	sched__set(&t->on_cpu, 0);
	sched__set(&t->sc, NULL);
	sched__set(&t->own_sc, NULL);
	sched__set(&t->donor, NULL);
	sched__set(&t->passive, 0);
	sched__set(&t->mx_sc, NULL);
	sched__set(&t->isl_server, NULL);
	sched__set(&t->waits_on, NULL);
	sched__set(&t->block_seq, 0);
	for (size_t i = offsetof(struct sched_thread, on_cpu); i < sizeof(*t); i++)
		if (!lockfree_byte(i))
			p[i] = 0;
}

static void init_fields(struct sched_sys *s, struct sched_thread *t,
			const struct sched_thread_params *p, uint32_t gen,
			const struct sched_core_tag *tag)
{
	unsigned self = sched_arch_cpu_id();

	clear_thread(t);
	sched__set(&t->gen, gen ? gen : 1);
	t->id = p->id;
	sched__set(&t->state, SCHED_NEW);
	t->cpu = (uint16_t)(self < s->nr_cpus ? self : 0);
	sched__list_init(&t->held);
	apply_fair(s, t, p->nice, p->idle_weight, p->slice_ns);
	if (p->affinity) {
		t->affinity = *p->affinity;
		sched_cpumask_trim(&t->affinity, s->nr_cpus);
	} else {
		sched_cpumask_fill(&t->affinity, s->nr_cpus);
	}
	t->group = p->group;
	sched__set(&t->passive, (uint8_t)p->passive);
	if (t->group)
		sched__add(&t->group->nr_threads, 1);
	for (unsigned i = 0; i < SCHED_NR_CLASSES; i++)
		if (s->classes[i]->thread_init)
			s->classes[i]->thread_init(s, t);
	t->core_tag = *tag;
}

int sched_thread_init(struct sched_sys *s, struct sched_thread *t,
		      const struct sched_thread_params *p)
{
	struct sched_core_tag tag = { 0 };
	unsigned long flags;
	int ret;

	if (!s || !t || !p)
		return -SCHED_EINVAL;
	if ((ret = check_params(s, p)) < 0)
		return ret;
	/* before t's lock: two thread locks are never held at once here */
	if (s->cfg.core_sched && p->creator.t)
		tag = sched__cookie_inherit(s, p->creator.t);
	/* Fresh (zeroed) storage needs no lock: nobody can hold a ref to it yet. */
	if (sched__get(&t->state) != SCHED_EXITED)
		return sched__get(&t->state) == SCHED_NEW && sched__get(&t->gen) == 0
			       ? (init_fields(s, t, p, 1, &tag), 0)
			       : -SCHED_ESTATE;
	/* Reuse of an exited thread: under its lock, and not while a CPU is still on its stack;
	 * after mx_lock, which its exit holds until its mutexes are handed on (proxy.c). */
	flags = sched_arch_irq_save();
	sched__spin_lock(&s->mx_lock);
	sched__spin_lock(&t->lock);
	if (sched__get(&t->state) != SCHED_EXITED)
		ret = -SCHED_ESTATE;
	else if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		ret = -SCHED_EAGAIN; /* after that CPU's sched_finish_switch() */
	else
		init_fields(s, t, p, t->gen + 1, &tag);
	sched__spin_unlock(&t->lock);
	sched__spin_unlock(&s->mx_lock);
	sched_arch_irq_restore(flags);
	return ret;
}

struct sched_ref sched_ref_of(const struct sched_thread *t)
{
	struct sched_ref r = { (struct sched_thread *)t, t ? __atomic_load_n(&t->gen, __ATOMIC_RELAXED) : 0 };
	return r;
}

/* Exit of a thread that is on a CPU's queue or is its current thread. t locked. */
static void exit_on_cpu(struct sched_sys *s, struct sched_thread *t)
{
	struct sched_rq *rq;
	sched_time_t now = sched_arch_now();

	sched__assert_thread_locked(t);
	rq = sched__lock_thread_rq(s, t);
	if (sched__get(&t->state) == SCHED_RUNNABLE) {
		sched__dequeue(rq, t, SCHED_DEQ_EXIT);
	} else if (rq->curr == t) {
		sched__charge_curr(rq, now);
		sched__end_migrating(s, t, SCHED_EXITED); /* the pick will not put it back */
		sched__kick(rq, true);
	}
	/* else MIGRATING off-CPU: finish_migration sees EXITED and drops it */
	sched__trace(rq, SCHED_TR_EXIT, t->id, 0, 0, now);
	sched__rq_unlock(rq);
}

/* Exited t's waits and mutexes (mx_lock held, no thread lock): it leaves the queue it
 * waits in, and each mutex it owns goes to its top waiter with "owner died". */
static void exit_mutexes(struct sched_sys *s, struct sched_thread *t)
{
	struct sched_thread *wake[SCHED_MUTEX_HELD_MAX];
	unsigned n = sched__proxy_exit(s, t, wake);

	for (unsigned i = 0; i < n; i++)
		sched__wake_waiter(s, wake[i]);
}

int sched_exit(struct sched_sys *s, struct sched_ref r)
{
	struct sched_thread *t = r.t;
	unsigned long flags;

	bool sc_locked;

	struct sched_thread *holders[2];
	unsigned nh = 0;
	bool leases;

	if (!s || !t)
		return -SCHED_EINVAL;
	flags = sched_arch_irq_save();
	sched__spin_lock(&s->mx_lock); /* first: no mutex may be taken by t while it exits */
	sc_locked = sched__sc_lock(s, NULL);
	sched__spin_lock(&t->lock);
	if (!sched__ref_live(r) || t->is_idle) {
		int ret = t->is_idle ? -SCHED_EINVAL : -SCHED_ESTALE; /* read under its lock */

		sched__unlock_thread(s, t, sc_locked);
		sched__spin_unlock(&s->mx_lock);
		sched_arch_irq_restore(flags);
		return ret;
	}
	if (sc_locked) { /* (only an exit bumps gen, under mx_lock: t stays live) */
		sched__spin_unlock(&t->lock);
		nh = sched__sc_exit_unlend(s, t, holders); /* other threads' locks: not under t's */
		sched__spin_lock(&t->lock);
	}
	if (sched__get(&t->state) == SCHED_NEW || sched__get(&t->state) == SCHED_BLOCKED)
		sched__timeout_cancel(s, t);
	else
		exit_on_cpu(s, t);
	sched__end_migrating(s, t, SCHED_EXITED);
	sched__set(&t->gen, t->gen + 1);
	if (sc_locked) { /* its SCs: a lent one goes back, its own is unbound */
		sched__sc_exit(s, t);
		sched__rt_unregister(s, t);
	}
	if (t->group)
		sched__add(&t->group->nr_threads, (uint32_t)-1);
	leases = sched__get(&t->nr_leases) != 0;
	sched__spin_unlock(&t->lock);
	for (unsigned i = 0; i < nh; i++) /* the SCs' holders: what they lend now */
		sched__proxy_resync(s, holders[i], true);
	sched__sc_unlock(s, sc_locked);
	exit_mutexes(s, t);
	sched__spin_unlock(&s->mx_lock);
	if (leases) /* lease_lock comes first: taken with nothing held */
		sched__lease_holder_exit(s, t, r.gen);
	sched_arch_irq_restore(flags);
	return 0;
}

/*
 * Apply t's new mask (already stored) to a thread on a CPU's queue or current: a queued
 * thread moves now; a running one leaves at its next pick (MIGRATING); a migration under
 * way is cancelled if it may stay, or re-aimed if its destination is no longer allowed.
 * t, its owner rq and d (an allowed online CPU) locked.
 */
static void affinity_on_cpu(struct sched_sys *s, struct sched_thread *t, struct sched_rq *rq,
			    struct sched_rq *d)
{
	bool stay = sched_cpumask_test(&t->affinity, rq->cpu) && sched__lease_lets(rq, t);

	sched__assert_thread_locked(t);
	sched__assert_rq_locked(rq);
	sched__assert_rq_locked(d);
	SCHED_ASSERT(t->cpu == rq->cpu);
	if (sched__get(&t->state) == SCHED_RUNNABLE && !stay) {
		/* just preempted: its CPU finishes the switch without taking a lock */
		sched__wait_switched(t);
		sched__move_queued(rq, d, t, sched_arch_now(), SCHED_MIG_AFFINITY);
	} else if (sched__get(&t->state) == SCHED_RUNNING && !stay) {
		sched__set_migrating(s, t, d->cpu, SCHED_MIG_AFFINITY);
		sched__kick(rq, true);
	} else if (sched__get(&t->state) == SCHED_MIGRATING) {
		if (stay && rq->curr == t && rq->online)
			sched__end_migrating(s, t, SCHED_RUNNING);
		else if (!sched_cpumask_test(&t->affinity, t->dst_cpu) ||
			 !sched__lease_lets(sched__rq(s, t->dst_cpu), t))
			sched__set_migrating(s, t, d->cpu, SCHED_MIG_AFFINITY);
	}
}

/*
 * Store a queued or running t's new mask and move it as the mask says, to `dst` (chosen
 * without its lock). A destination that went offline or was leased to others meanwhile is
 * chosen again; each retry follows such a change, so nr_cpus + 1 tries bound it
 * (-SCHED_EAGAIN after that, changing nothing). t locked.
 */
static int affinity_apply(struct sched_sys *s, struct sched_thread *t, const sched_cpumask_t *mask,
			  int dst)
{
	for (unsigned tries = 0; dst >= 0 && tries <= s->nr_cpus; tries++) {
		/* t->cpu is stable under the thread lock */
		struct sched_rq *rq = sched__rq(s, t->cpu), *d = sched__rq(s, (unsigned)dst);
		struct sched_rq_pair pair = sched__rq_lock2(rq, d);
		bool ok = d->online && sched__lease_lets(d, t);
		sched_cpumask_t usable;

		if (ok) {
			t->affinity = *mask;
			affinity_on_cpu(s, t, rq, d);
			sched__progress_relevel(sched__rq(s, t->cpu), t, sched_arch_now());
		}
		sched__rq_unlock2(pair);
		if (ok)
			return 0;
		sched__usable_mask(s, t, mask, &usable);
		dst = sched__pick_cpu(s, &usable, t->cpu, s->nr_cpus);
	}
	return dst < 0 ? dst : -SCHED_EAGAIN;
}

int sched_set_affinity(struct sched_sys *s, struct sched_ref r, const sched_cpumask_t *mask)
{
	struct sched_thread *t = r.t;
	sched_cpumask_t usable;
	struct sched_sc *sc;
	unsigned long flags;
	int dst, ret = 0;

	if (!s || !t || !mask)
		return -SCHED_EINVAL;
	flags = sched__lock_irq(&t->lock);
	sched__usable_mask(s, t, mask, &usable);
	dst = sched__pick_cpu(s, &usable, t->cpu, s->nr_cpus);
	sc = sched__run_sc(t); /* its own, a donated or a lent one: valid only on its CPUs */
	if (!sched__ref_live(r) || t->is_idle)
		ret = t->is_idle ? -SCHED_EINVAL : -SCHED_ESTALE;
	else if (dst < 0)
		ret = dst;
	else if (sc && !sched_cpumask_subset(mask, &sc->cpus)) /* its SC's time is valid only there */
		ret = -SCHED_EAFFINITY;
	else if (s->admit_tasks && t->rt_own) /* admitted where it is: its cluster is fixed */
		ret = -SCHED_EAFFINITY;
	if (ret == 0 && sched__get(&t->state) != SCHED_NEW && sched__get(&t->state) != SCHED_BLOCKED)
		ret = affinity_apply(s, t, mask, dst);
	else if (ret == 0)
		t->affinity = *mask;
	sched__unlock_irq(&t->lock, flags);
	return ret;
}

int sched_thread_stats(struct sched_sys *s, struct sched_ref r, struct sched_acct *out)
{
	struct sched_thread *t = r.t;
	unsigned long flags;
	int ret = 0;

	if (!s || !t || !out)
		return -SCHED_EINVAL;
	flags = sched__lock_irq(&t->lock);
	if (!sched__ref_live(r)) {
		ret = -SCHED_ESTALE;
	} else if (sched__get(&t->state) != SCHED_NEW && sched__get(&t->state) != SCHED_BLOCKED) {
		struct sched_rq *rq = sched__lock_thread_rq(s, t); /* a pick may be writing the figures */

		*out = t->acct;
		if (rq->curr == t) /* include the run in progress, without charging */
			out->v[SCHED_ACCT_RUNTIME] += sched__uncharged(rq, t, sched_arch_now());
		sched__rq_unlock(rq);
	} else {
		*out = t->acct;
	}
	sched__unlock_irq(&t->lock, flags);
	return ret;
}

int sched_group_init(struct sched_sys *s, struct sched_group *g,
		     const struct sched_group_params *p)
{
	unsigned depth;

	if (!s || !g || !p || (unsigned)p->kind > SCHED_GROUP_SERVICE || p->parent == g ||
	    (p->weight && (p->weight < 2 || p->weight > (1u << 20))))
		return -SCHED_EINVAL; /* (its own parent would make a cycle) */
	depth = p->parent ? p->parent->depth + 1u : 1u;
	if (depth > SCHED_GROUP_DEPTH_MAX)
		return -SCHED_EDEPTH;
	*g = (struct sched_group){ 0 };
	g->id = p->id;
	g->kind = (uint8_t)p->kind;
	g->depth = (uint8_t)depth;
	g->parent = p->parent;
	g->weight = p->weight ? p->weight : SCHED_WEIGHT_NICE0;
	if (p->pcpu) { /* the storage of the one class that schedules groups (class.h) */
		g->pcpu = p->pcpu;
		for (unsigned i = 0; i < SCHED_NR_CLASSES; i++)
			if (s->classes[i]->group_init)
				s->classes[i]->group_init(s, g);
	}
	sched__cookie_autotag(s, g);
	return 0;
}

/* --- authority ------------------------------------------------------------------------------- */

int sched_set_fair(struct sched_sys *s, struct sched_auth auth, struct sched_ref r,
		   const struct sched_fair_params *p)
{
	struct sched_thread *t = r.t;
	unsigned long flags;
	int ret = 0;

	if (!s || !t || !p || !auth.a || !sched__fair_params_ok(p->nice, p->slice_ns))
		return -SCHED_EINVAL;
	if ((ret = sched__auth_right(auth, SCHED_RIGHT_FAIR)))
		return ret;
	flags = sched_arch_irq_save();
	sched__spin_lock(&s->mx_lock); /* a waiter's new weight reaches its mutex's owner (proxy.c) */
	sched__spin_lock(&t->lock);
	if (!sched__ref_live(r) || t->is_idle) {
		ret = t->is_idle ? -SCHED_EINVAL : -SCHED_ESTALE;
	} else if (!sched__in_scope(t->group, auth.a->scope)) {
		ret = -SCHED_EPERM;
	} else {
		bool on_cpu = sched__get(&t->state) != SCHED_NEW && sched__get(&t->state) != SCHED_BLOCKED;
		struct sched_rq *rq = on_cpu ? sched__lock_thread_rq(s, t) : NULL;
		uint32_t old = t->weight;

		if (rq)
			sched__charge_curr(rq, sched_arch_now());
		else
			sched__wait_switched(t);
		apply_fair(s, t, p->nice, p->idle_weight, p->slice_ns);
		sched__reweight(s, rq, t, old);
		if (rq)
			sched__rq_unlock(rq);
	}
	sched__spin_unlock(&t->lock);
	if (!ret)
		sched__proxy_resync(s, t, false);
	sched__spin_unlock(&s->mx_lock);
	sched_arch_irq_restore(flags);
	return ret;
}

/* A declaration, if any, is a sporadic task the analysis takes: budget <= deadline <=
 * period <= the SC bound; only with FIFO or RR. */
static bool rt_decl_ok(const struct sched_rt_params *p)
{
	uint64_t d = p->deadline_ns ? p->deadline_ns : p->period_ns;

	if (!p->budget_ns)
		return !p->period_ns && !p->deadline_ns && !p->blocking_ns;
	return p->policy != SCHED_RT_NONE && p->period_ns <= SCHED_SC_PERIOD_MAX_NS &&
	       p->budget_ns <= d && d <= p->period_ns && p->blocking_ns <= d - p->budget_ns;
}

static bool rt_params_ok(const struct sched_rt_params *p)
{
	if (!rt_decl_ok(p))
		return false;
	if (p->policy == SCHED_RT_NONE)
		return p->prio == 0;
	return p->policy <= SCHED_RT_RR && p->prio >= 1 && p->prio <= SCHED_RT_PRIO_MAX;
}

/* Set t's fixed priority (t locked, live, not idle): a queued thread moves to its new class
 * or level now, a current one at its CPU's next pick, which this asks for. */
static void apply_rt(struct sched_sys *s, struct sched_thread *t, const struct sched_rt_params *p)
{
	enum sched_state st = (enum sched_state)sched__get(&t->state);
	struct sched_rq *rq = st != SCHED_NEW && st != SCHED_BLOCKED ? sched__lock_thread_rq(s, t)
								       : NULL;

	if (rq)
		sched__charge_curr(rq, sched_arch_now());
	t->rt_policy = p->policy;
	sched__set(&t->rt_own, p->prio);
	sched__set(&t->rt_prio, p->prio > t->lent_rt ? p->prio : t->lent_rt);
	if (rq) {
		sched__requeue(rq, t, sched_arch_now());
		sched__rq_unlock(rq);
	}
}

/*
 * With admission on, under sc_lock (before the thread lock): the registry of the class's
 * threads is read and changed, and the change is admitted first (sc_admit.c).
 */
/* A refused fixed priority's decision record (t locked). */
static void why_rt_denied(struct sched_sys *s, const struct sched_thread *t, int err,
			  const struct sched_rt_verdict *w)
{
	uint64_t fig[3] = { w ? w->demand : 0, w ? w->supply : 0, w ? w->at : 0 };

	sched__assert_thread_locked(t);
	sched__why_deny(s, t->id, sched__gid(t), SCHED_DENY_SET_RT, err, SCHED_OBJ_NONE, 0, fig);
}

static int set_rt_locked(struct sched_sys *s, struct sched_thread *t, struct sched_ref r,
			 struct sched_auth auth, const struct sched_rt_params *p,
			 struct sched_sc_verdict *out)
{
	bool admit = __atomic_load_n(&s->admit_tasks, __ATOMIC_ACQUIRE) != NULL;
	struct sched_sc_verdict v;
	unsigned long flags = sched_arch_irq_save();
	int ret = 0;

	sched__spin_lock(&s->mx_lock); /* a waiter's new priority reaches its mutex's owner (proxy.c) */
	if (admit)
		sched__spin_lock(&s->sc_lock);
	sched__spin_lock(&t->lock);
	if (!sched__ref_live(r) || t->is_idle)
		ret = t->is_idle ? -SCHED_EINVAL : -SCHED_ESTALE;
	else if (!sched__in_scope(t->group, auth.a->scope))
		ret = -SCHED_EPERM;
	else if (admit && (ret = sched__rt_admit(s, t, p, &v)) == 0)
		sched__rt_register(s, t, p);
	if (ret && ret != -SCHED_ESTALE && ret != -SCHED_EINVAL) /* t is t: its lock is held */
		why_rt_denied(s, t, ret, ret == -SCHED_EUNSCHED ? &v.why : NULL);
	if (!ret) {
		apply_rt(s, t, p);
		if (!admit && p->prio)
			sched__set(&s->rt_given, 1);
	}
	sched__spin_unlock(&t->lock);
	if (admit)
		sched__spin_unlock(&s->sc_lock);
	if (!ret)
		sched__proxy_resync(s, t, false);
	sched__spin_unlock(&s->mx_lock);
	sched_arch_irq_restore(flags);
	if (out && admit && (ret == 0 || ret == -SCHED_EUNSCHED))
		*out = v;
	return ret;
}

int sched_set_rt(struct sched_sys *s, struct sched_auth auth, struct sched_ref r,
		 const struct sched_rt_params *p)
{
	return sched_set_rt_verdict(s, auth, r, p, NULL);
}

int sched_set_rt_verdict(struct sched_sys *s, struct sched_auth auth, struct sched_ref r,
			 const struct sched_rt_params *p, struct sched_sc_verdict *out)
{
	if (!s || !r.t || !p || !auth.a || !rt_params_ok(p))
		return -SCHED_EINVAL;
	int ret = sched__auth_right(auth, SCHED_RIGHT_RT);

	if (ret)
		return ret;
	return set_rt_locked(s, r.t, r, auth, p, out);
}
