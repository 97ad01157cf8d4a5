/* SPDX-License-Identifier: MIT */
/*
 * sc_admit.c - admission of SchedulingContexts: before an SC is configured, gather the
 * configured SCs that share its CPUs and ask the analysis (admit.c) whether every deadline
 * still holds with the new one; choose the CPU of a partitioned SC.
 *
 * Every configured SC is a sporadic task (budget C per period T, deadline D), bound or not:
 * its bandwidth is reserved when it is configured, so binding never breaks a guarantee.
 * The CPUs split into clusters, as Linux's root domains: a partitioned SC (or an SC of one
 * CPU) belongs to one CPU, a global SC to exactly its CPU set, and two clusters may not
 * overlap unless they are equal (a partitioned SC's CPU is not in any global cluster's
 * set). Each cluster's supply is its CPUs' realtime share, rt_runtime_ns per rt_period_ns.
 *
 * Called with s->sc_lock held (it serialises the caller's scratch array). O(m x pool size)
 * for a partitioned SC on m candidate CPUs plus the analysis; O(pool size) plus the
 * analysis for a global one.
 */
#include "internal.h"
#include "auth.h"
#include "sc.h"
#include <sched/island.h>

#define PPM 1000000u

uint32_t sched__admit_cap(const struct sched_sys *s)
{
	const struct sched_config *c = &s->cfg;

	if (c->rt_runtime_ns >= c->rt_period_ns)
		return PPM;
	return (uint32_t)(c->rt_runtime_ns * PPM / c->rt_period_ns); /* rounds down: safe */
}

/* A task for the analysis. Blocking (the longest wait for mutexes others hold) counts as
 * more budget: suspension-oblivious, sound and pessimistic; the exact blocking-aware tests
 * (admit.h, sched_rt_*_check_blocking) are for callers that run the analysis themselves. */
static struct sched_rt_task task_of(uint64_t budget, uint64_t blocking, uint64_t period,
				    uint64_t deadline)
{
	return (struct sched_rt_task){ .budget = budget + blocking, .period = period,
				       .deadline = deadline ? deadline : period };
}

/* The first declared fixed-priority thread (one with a guarantee) whose CPUs overlap
 * `cpus`; NULL if none. An SC there could break its guarantee, and the tests here take one
 * scheduler per cluster; undeclared threads have none to break (EDF runs above every
 * level). O(threads in the class). */
static struct sched_thread *fp_overlap(struct sched_sys *s, const sched_cpumask_t *cpus)
{
	for (struct sched_list *n = s->rt_declared.next; n != &s->rt_declared; n = n->next) {
		struct sched_thread *t = sched__container_of(n, struct sched_thread, rt_node);

		if (t->rt_budget && sched_cpumask_intersects(&t->affinity, cpus))
			return t;
	}
	return NULL;
}

/* Append task t at s->admit_tasks[n], keeping the entry the caller adds last free;
 * -2 when the scratch is full. */
static int push_task(struct sched_sys *s, int n, struct sched_rt_task t)
{
	if ((unsigned)n + 1 >= s->admit_max)
		return -2;
	s->admit_tasks[n] = t;
	return n + 1;
}

/* An IRQ for the analysis: its handler's cost every least gap (sched_rt_edf_check_irq). */
static struct sched_rt_task irq_task(const struct sched_island_irq *q)
{
	return (struct sched_rt_task){ .budget = q->cost_ns, .period = q->min_gap_ns,
				       .deadline = q->min_gap_ns };
}

int sched__admit_irqs(struct sched_sys *s, unsigned c, int n)
{
	sched__assert_locked(&s->sc_lock);
	for (unsigned i = 0; i < s->nr_islands && n >= 0; i++) {
		const struct sched_island *isl = &s->islands[i];

		for (unsigned k = 0; isl->state && k < isl->nr_irqs && n >= 0; k++)
			if (isl->irqs[k].cpu == c)
				n = push_task(s, n, irq_task(&isl->irqs[k]));
	}
	return n;
}

/* Does an admitted island route an IRQ to a CPU of `cpus`? */
static bool irqs_inside(const struct sched_sys *s, const sched_cpumask_t *cpus)
{
	for (unsigned i = 0; i < s->nr_islands; i++)
		for (unsigned k = 0; s->islands[i].state && k < s->islands[i].nr_irqs; k++)
			if (sched_cpumask_test(cpus, s->islands[i].irqs[k].cpu))
				return true;
	return false;
}

/*
 * The tasks of the cluster `cpus`: the other configured SCs whose CPU set is exactly it.
 * -1 if another SC's set overlaps without being equal (clusters may not cross) or a
 * fixed-priority thread is on those CPUs; -2 if the scratch is full; -3 if an island routes
 * an IRQ into this global set (IRQs are counted on one-CPU clusters only). Returns the number.
 */
static int gather_others(struct sched_sys *s, const struct sched_sc *self,
			 const sched_cpumask_t *cpus, struct sched_sc_verdict *v)
{
	int n = 0;

	if ((v->conflict_thread = fp_overlap(s, cpus)))
		return -1;
	for (unsigned i = 0; i < s->nr_scs && n >= 0; i++) {
		const struct sched_sc *o = &s->scs[i];

		if (o == self || o->state != SCHED_SC_CONFIGURED || !sched_cpumask_intersects(&o->cpus, cpus))
			continue;
		if (!sched__cpumask_equal(&o->cpus, cpus)) {
			v->conflict = o->index;
			return -1;
		}
		n = push_task(s, n, task_of(o->budget, o->blocking, o->period, o->rel_deadline));
	}
	return n >= 0 && irqs_inside(s, cpus) ? -3 : n;
}

/* The same for CPU c alone, from c's index; a wider SC covering c (other than self) sends
 * it to the pool scan, which names the crossing one. */
static int gather_one(struct sched_sys *s, const struct sched_sc *self, unsigned c,
		      const sched_cpumask_t *one, struct sched_sc_verdict *v)
{
	struct sched_rq *rq = &s->rq[c];
	bool self_wide = self && self->state == SCHED_SC_CONFIGURED && sched__cpumask_count(&self->cpus) > 1 &&
			 sched_cpumask_test(&self->cpus, c);
	int n = 0;

	if (rq->wide_scs - self_wide)
		return gather_others(s, self, one, v); /* -1: it names the crossing one */
	if ((v->conflict_thread = fp_overlap(s, one)))
		return -1;
	for (struct sched_list *x = rq->part_scs.next; x != &rq->part_scs && n >= 0; x = x->next) {
		const struct sched_sc *o = sched__container_of(x, struct sched_sc, cpu_node);

		if (o != self)
			n = push_task(s, n, task_of(o->budget, o->blocking, o->period, o->rel_deadline));
	}
	return n;
}

int sched__admit_gather(struct sched_sys *s, const struct sched_sc *self,
			const sched_cpumask_t *cpus, struct sched_sc_verdict *v)
{
	sched__assert_locked(&s->sc_lock);
	if (sched__cpumask_count(cpus) == 1)
		for (unsigned c = 0; c < s->nr_cpus; c++)
			if (sched_cpumask_test(cpus, c))
				return gather_one(s, self, c, cpus, v);
	return gather_others(s, self, cpus, v);
}

/* The cluster's tasks and then the new one; negative as sched__admit_gather. */
static int gather(struct sched_sys *s, const struct sched_sc *self, const sched_cpumask_t *cpus,
		  const struct sched_sc_params *p, struct sched_sc_verdict *v)
{
	int n = sched__admit_gather(s, self, cpus, v);

	if (n < 0)
		return n;
	s->admit_tasks[n] = task_of(p->budget_ns, p->blocking_ns, p->period_ns, p->deadline_ns);
	return n + 1;
}

/* One CPU c for a partitioned SC: the exact uniprocessor EDF test. */
static int try_cpu(struct sched_sys *s, const struct sched_sc *self, unsigned c,
		   const struct sched_sc_params *p, struct sched_sc_verdict *v)
{
	sched_cpumask_t one;
	int n;

	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, c);
	if ((n = gather(s, self, &one, p, v)) < 0) {
		v->why.test = SCHED_RT_LIMIT;
		return -SCHED_EUNSCHED;
	}
	n = sched__admit_cpu(s, c, (unsigned)n, NULL, 0, &v->why);
	return n == -SCHED_EFULL ? -SCHED_EUNSCHED : n;
}

/*
 * The one-CPU test of s->admit_tasks[0..n) on CPU c: within the realtime share (the cap)
 * and, when islands route IRQs to c (and more[] names some there), beside them: their
 * handlers preempt everything, so they take supply from the SCs (sched_rt_edf_check_irq,
 * docs/island.md).
 */
int sched__admit_cpu(struct sched_sys *s, unsigned c, unsigned n,
		     const struct sched_island_irq *more, unsigned nmore, struct sched_rt_verdict *why)
{
	int m;

	sched__assert_locked(&s->sc_lock);
	m = sched__admit_irqs(s, c, (int)n);
	for (unsigned k = 0; k < nmore && m >= 0; k++)
		if (more[k].cpu == c)
			m = push_task(s, m, irq_task(&more[k]));
	if (m < 0) { /* the scratch holds no more: refused, in the system's favour */
		why->test = SCHED_RT_LIMIT;
		return -SCHED_EFULL;
	}
	return sched_rt_edf_check_irq(s->admit_tasks, n, s->admit_tasks + n, (unsigned)m - n,
				      sched__admit_cap(s), why);
}

/* The used share of c after adding the new SC, 2^-40 units (EDF_UTIL verdicts carry it). */
static uint64_t share_after(const struct sched_sc_verdict *v)
{
	return v->why.test == SCHED_RT_EDF_UTIL ? v->why.demand : 0;
}

/* What a configured SC reserves on each of its m CPUs, 2^-20 (rounded down). */
static uint64_t share_of(const struct sched_sc *sc)
{
	return (sc->budget << 20) / sc->period / sched__cpumask_count(&sc->cpus); /* budget < 2^36 */
}

/*
 * The per-CPU index of configured SCs (rq->part_scs, wide_scs, sc_share): an SC enters it
 * when configured and leaves it before a reconfigure or when revoked, so a one-CPU cluster
 * is gathered from its CPU's list rather than from the whole pool. sc_lock. O(nr_cpus).
 */
void sched__sc_index(struct sched_sys *s, struct sched_sc *sc, bool in)
{
	uint64_t u = share_of(sc);
	bool one = sched__cpumask_count(&sc->cpus) == 1;

	sched__assert_locked(&s->sc_lock);
	for (unsigned c = 0; c < s->nr_cpus; c++) {
		struct sched_rq *rq = &s->rq[c];

		if (!sched_cpumask_test(&sc->cpus, c))
			continue;
		rq->sc_share = in ? rq->sc_share + u : rq->sc_share - u;
		if (one && in)
			sched__list_add_tail(&rq->part_scs, &sc->cpu_node);
		else if (one)
			sched__list_del(&sc->cpu_node);
		else
			rq->wide_scs = in ? rq->wide_scs + 1 : rq->wide_scs - 1;
	}
}

/* Each CPU's reserved share without `self`, from the index. O(nr_cpus). */
static void reserved(struct sched_sys *s, const struct sched_sc *self, uint64_t *share)
{
	bool mine = self && self->state == SCHED_SC_CONFIGURED;

	for (unsigned c = 0; c < s->nr_cpus; c++)
		share[c] = s->rq[c].sc_share -
			   (mine && sched_cpumask_test(&self->cpus, c) ? share_of(self) : 0);
}

/* Could c take a new share u at all? The shares are rounded down, so a CPU whose lower
 * bound is already over the cap would fail the exact test too: skipped without it. */
static bool may_fit(const struct sched_sys *s, const uint64_t *share, unsigned c, uint64_t u)
{
	return share[c] + u <= ((uint64_t)sched__admit_cap(s) << 20) / PPM + 1;
}

/*
 * Partitioned: the CPU of p->cpus that admits it, by the configured fit. One pass over the
 * pool finds the CPUs that could take it; the exact test runs on those only (first fit:
 * until one admits it). When none does, the first CPU's exact refusal is the verdict.
 */
static int admit_partitioned(struct sched_sys *s, const struct sched_sc *self,
			     const struct sched_sc_params *p, struct sched_sc_verdict *v)
{
	uint64_t share[SCHED_MAX_CPUS], u = (p->budget_ns << 20) / p->period_ns;
	struct sched_sc_verdict best = *v, t;
	bool found = false;
	int first = -1;

	reserved(s, self, share);
	for (unsigned c = 0; c < s->nr_cpus; c++) {
		if (!sched_cpumask_test(&p->cpus, c))
			continue;
		if (first < 0)
			first = (int)c;
		t = *v;
		if (!may_fit(s, share, c, u) || try_cpu(s, self, c, p, &t) < 0)
			continue;
		if (!found || (s->admit_fit == SCHED_RT_BEST_FIT && share_after(&t) > share_after(&best)) ||
		    (s->admit_fit == SCHED_RT_WORST_FIT && share_after(&t) < share_after(&best))) {
			best = t;
			best.cpu = (uint16_t)c;
		}
		found = true;
		if (s->admit_fit == SCHED_RT_FIRST_FIT)
			break;
	}
	if (!found && first >= 0) /* why: the first CPU's refusal, by the exact test */
		try_cpu(s, self, (unsigned)first, p, &best);
	*v = best;
	v->accepted = found;
	return found ? 0 : -SCHED_EUNSCHED;
}

/* Without admission a partitioned SC still needs a CPU: the one with the least reserved
 * share (worst fit), which spreads the load; ties go to the lowest number. */
static unsigned least_reserved(struct sched_sys *s, const struct sched_sc *self,
			       const sched_cpumask_t *cpus)
{
	uint64_t share[SCHED_MAX_CPUS], best_share = UINT64_MAX;
	unsigned best = 0;

	reserved(s, self, share);
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched_cpumask_test(cpus, c) && share[c] < best_share) {
			best_share = share[c];
			best = c;
		}
	return best;
}

static void verdict_init(struct sched_sc_verdict *v)
{
	*v = (struct sched_sc_verdict){ .accepted = 1, .cpu = SCHED_RT_NO_CPU,
					.conflict = SCHED_RT_NO_TASK };
	v->why.task = SCHED_RT_NO_TASK;
}

int sched__sc_admit(struct sched_sys *s, const struct sched_sc *self,
		    const struct sched_sc_params *p, struct sched_sc_verdict *v)
{
	unsigned m = sched__cpumask_count(&p->cpus);
	int n, ret;

	sched__assert_locked(&s->sc_lock);
	verdict_init(v);
	if (sched_cpumask_intersects(&p->cpus, &s->island_cpus)) {
		v->accepted = 0;
		return -SCHED_ELEASED; /* an island holds it: only the island adds SCs there */
	}
	if (!s->admit_tasks) { /* admission off */
		if (p->dispatch == SCHED_SC_PARTITIONED)
			v->cpu = (uint16_t)least_reserved(s, self, &p->cpus);
		return 0;
	}
	if (p->dispatch == SCHED_SC_PARTITIONED || m == 1)
		return admit_partitioned(s, self, p, v);
	if ((n = gather(s, self, &p->cpus, p, v)) < 0) {
		v->accepted = 0;
		v->why.test = SCHED_RT_LIMIT;
		return -SCHED_EUNSCHED;
	}
	ret = sched_rt_gedf_check(s->admit_tasks, (unsigned)n, m, sched__admit_cap(s), &v->why);
	v->accepted = ret == 0;
	return ret;
}

int sched_sc_admission(struct sched_sys *s, struct sched_auth control,
		       struct sched_rt_task *scratch, unsigned n, unsigned fit)
{
	sched_cpumask_t all;
	unsigned long flags;
	int ret = 0;

	if (!s || !control.a || !scratch || fit > SCHED_RT_WORST_FIT || !s->scs || n < s->nr_scs + 1)
		return -SCHED_EINVAL;
	if (!sched__auth_live(control))
		return -SCHED_ESTALE;
	sched_cpumask_fill(&all, s->nr_cpus);
	if (!(control.a->rights & SCHED_RIGHT_SC_CONTROL) || !sched_cpumask_subset(&all, &control.a->cpus))
		return -SCHED_EPERM;
	flags = sched__lock_irq(&s->sc_lock);
	if (s->admit_tasks)
		ret = -SCHED_EEXIST;
	else if (sched__get(&s->rt_given))
		ret = -SCHED_ESTATE; /* fixed priorities it has not seen: it could not judge them */
	for (unsigned i = 0; !ret && i < s->nr_scs; i++)
		if (s->scs[i].state == SCHED_SC_CONFIGURED)
			ret = -SCHED_ESTATE;
	if (!ret) {
		s->admit_max = n;
		s->admit_fit = (uint8_t)fit;
		s->admit_tasks = scratch;
	}
	sched__unlock_irq(&s->sc_lock, flags);
	return ret;
}

/* --- fixed priorities ------------------------------------------------------------------ */

/*
 * Is `o` (another thread in the class, on CPUs overlapping t's) in the way of t taking
 * fixed priority p? Declared threads (with a guarantee) may not share CPUs with one of a
 * different CPU set, nor have an undeclared thread (unknown demand) at or above their level
 * on their CPUs; an undeclared thread below every declared level takes nothing from them.
 */
static bool fp_in_way(const struct sched_thread *t, const struct sched_rt_params *p,
		      const struct sched_thread *o)
{
	if (p->budget_ns && o->rt_budget)
		return !sched__cpumask_equal(&o->affinity, &t->affinity);
	if (p->budget_ns)
		return o->rt_own >= p->prio;
	return o->rt_budget && p->prio >= o->rt_own;
}

/*
 * The declared fixed-priority threads of t's cluster (its affinity) with t as `p` says, as
 * tasks; -1 with v->conflict* set if something is in the way (fp_in_way, or an SC on a
 * declared thread's CPUs) or the scratch is too small. Returns the number of tasks.
 */
static int gather_fp(struct sched_sys *s, struct sched_thread *t, const struct sched_rt_params *p,
		     struct sched_sc_verdict *v)
{
	struct sched_rt_task *ts = s->admit_tasks;
	unsigned n = 0;

	for (unsigned i = 0; p->budget_ns && i < s->nr_scs; i++)
		if (s->scs[i].state == SCHED_SC_CONFIGURED &&
		    sched_cpumask_intersects(&s->scs[i].cpus, &t->affinity)) {
			v->conflict = s->scs[i].index;
			return -1;
		}
	if (p->budget_ns && irqs_inside(s, &t->affinity))
		return -1; /* response times here do not count an island's IRQs */
	for (struct sched_list *x = s->rt_declared.next; x != &s->rt_declared; x = x->next) {
		struct sched_thread *o = sched__container_of(x, struct sched_thread, rt_node);

		if (o == t || !sched_cpumask_intersects(&o->affinity, &t->affinity))
			continue;
		if (fp_in_way(t, p, o) || (p->budget_ns && o->rt_budget && n + 2 > s->admit_max)) {
			v->conflict_thread = o;
			return -1;
		}
		if (p->budget_ns && o->rt_budget)
			ts[n++] = (struct sched_rt_task){ .budget = o->rt_budget + o->rt_blocking,
							  .period = o->rt_period,
							  .deadline = o->rt_deadline,
							  .prio = o->rt_own };
	}
	if (p->budget_ns)
		ts[n++] = (struct sched_rt_task){ .budget = p->budget_ns + p->blocking_ns,
						  .period = p->period_ns,
						  .deadline = p->deadline_ns ? p->deadline_ns
									     : p->period_ns,
						  .prio = p->prio };
	return (int)n;
}

int sched__rt_admit(struct sched_sys *s, struct sched_thread *t, const struct sched_rt_params *p,
		    struct sched_sc_verdict *v)
{
	unsigned m = sched__cpumask_count(&t->affinity);
	int n, ret;

	sched__assert_locked(&s->sc_lock);
	sched__assert_thread_locked(t);
	verdict_init(v);
	if (p->policy == SCHED_RT_NONE)
		return 0; /* leaving the class breaks no guarantee */
	if ((n = gather_fp(s, t, p, v)) < 0) {
		v->accepted = 0;
		v->why.test = SCHED_RT_LIMIT;
		return -SCHED_EUNSCHED;
	}
	if (n == 0)
		return 0;
	ret = m == 1 ? sched_rt_fp_check(s->admit_tasks, (unsigned)n, sched__admit_cap(s), &v->why)
		     : sched_rt_gfp_check(s->admit_tasks, (unsigned)n, m, sched__admit_cap(s), &v->why);
	v->accepted = ret == 0;
	return ret;
}

static bool rt_listed(const struct sched_thread *t)
{
	return t->rt_node.next && t->rt_node.next != &t->rt_node;
}

/* Record t's new fixed priority in the registry (admission on): every thread in the class
 * is there, declared or not; leaving the class takes it out. sc_lock, t locked. */
void sched__rt_register(struct sched_sys *s, struct sched_thread *t,
			 const struct sched_rt_params *p)
{
	sched__assert_locked(&s->sc_lock);
	sched__assert_thread_locked(t);
	if (p->policy == SCHED_RT_NONE) {
		sched__rt_unregister(s, t);
		return;
	}
	if (!rt_listed(t))
		sched__list_add_tail(&s->rt_declared, &t->rt_node);
	t->rt_budget = p->budget_ns;
	t->rt_period = p->period_ns;
	t->rt_deadline = p->deadline_ns ? p->deadline_ns : p->period_ns;
	t->rt_blocking = p->blocking_ns;
}

/* t leaves the registry (it left the class, or exits). sc_lock, t locked. */
void sched__rt_unregister(struct sched_sys *s, struct sched_thread *t)
{
	sched__assert_locked(&s->sc_lock);
	sched__assert_thread_locked(t);
	if (rt_listed(t))
		sched__list_del(&t->rt_node);
	t->rt_budget = 0;
}

/* Does an admitted guarantee count on `cpu`: a configured SC with it in its set (the
 * index says), a declared fixed-priority thread with it in its affinity, an island's IRQ
 * routed to it or a shared island over it (its other IRQs sent away)? Taking it
 * offline would leave less supply than was admitted (Linux refuses such a hotplug the same
 * way). Takes sc_lock. O(threads in the class). */
bool sched__admitted_on_locked(struct sched_sys *s, unsigned cpu)
{
	const struct sched_rq *rq = &s->rq[cpu];
	sched_cpumask_t one;

	sched__assert_locked(&s->sc_lock);
	if (!__atomic_load_n(&s->admit_tasks, __ATOMIC_ACQUIRE))
		return false;
	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, cpu);
	return rq->wide_scs || !sched__list_empty(&rq->part_scs) || fp_overlap(s, &one) ||
	       irqs_inside(s, &one) || rq->isl_shared; /* an island counts on it too */
}

bool sched__admitted_on(struct sched_sys *s, unsigned cpu)
{
	unsigned long flags;
	bool used;

	if (!__atomic_load_n(&s->admit_tasks, __ATOMIC_ACQUIRE))
		return false;
	flags = sched__lock_irq(&s->sc_lock);
	used = sched__admitted_on_locked(s, cpu);
	sched__unlock_irq(&s->sc_lock, flags);
	return used;
}

/* The checker: each CPU's index holds exactly what the pool says. O(nr_cpus x pool). */
int sched__sc_index_check(struct sched_sys *s)
{
	for (unsigned c = 0; c < s->nr_cpus; c++) {
		const struct sched_rq *rq = &s->rq[c];
		uint64_t share = 0;
		unsigned part = 0, wide = 0, listed = 0;

		for (unsigned i = 0; i < s->nr_scs; i++) {
			const struct sched_sc *o = &s->scs[i];

			if (o->state != SCHED_SC_CONFIGURED || !sched_cpumask_test(&o->cpus, c))
				continue;
			share += share_of(o);
			if (sched__cpumask_count(&o->cpus) == 1)
				part++;
			else
				wide++;
		}
		for (const struct sched_list *x = rq->part_scs.next; x != &rq->part_scs &&
		     listed <= s->nr_scs; x = x->next)
			listed++;
		if (listed != part || wide != rq->wide_scs || share != rq->sc_share)
			return sched__check_fail(s, "admission's SC index differs from the pool", c);
	}
	return 0;
}
