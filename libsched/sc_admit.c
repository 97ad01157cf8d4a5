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

#define PPM 1000000u

static uint32_t cap_ppm(const struct sched_sys *s)
{
	const struct sched_config *c = &s->cfg;

	if (c->rt_runtime_ns >= c->rt_period_ns)
		return PPM;
	return (uint32_t)(c->rt_runtime_ns * PPM / c->rt_period_ns); /* rounds down: safe */
}

/* CPUs in m (no popcount builtin: without -mpopcnt it is a libgcc call). O(set bits). */
static unsigned count(const sched_cpumask_t *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++)
		for (uint64_t w = m->w[i]; w; w &= w - 1)
			n++;
	return n;
}

static bool overlap(const sched_cpumask_t *a, const sched_cpumask_t *b)
{
	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++)
		if (a->w[i] & b->w[i])
			return true;
	return false;
}

static bool same(const sched_cpumask_t *a, const sched_cpumask_t *b)
{
	return sched_cpumask_subset(a, b) && sched_cpumask_subset(b, a);
}

static struct sched_rt_task task_of(uint64_t budget, uint64_t period, uint64_t deadline)
{
	return (struct sched_rt_task){ budget, period, deadline ? deadline : period, 0 };
}

/*
 * The tasks of the cluster `cpus` (the other configured SCs whose CPU set is exactly it),
 * then the new one; -1 if another SC's set overlaps without being equal (clusters may not
 * cross) or the scratch is too small. Returns the number of tasks.
 */
static int gather(struct sched_sys *s, const struct sched_sc *self, const sched_cpumask_t *cpus,
		  const struct sched_sc_params *p, struct sched_sc_verdict *v)
{
	struct sched_rt_task *ts = s->admit_tasks;
	unsigned n = 0;

	for (unsigned i = 0; i < s->nr_scs; i++) {
		const struct sched_sc *o = &s->scs[i];

		if (o == self || o->state != SCHED_SC_CONFIGURED || !overlap(&o->cpus, cpus))
			continue;
		if (!same(&o->cpus, cpus)) {
			v->conflict = o->index;
			return -1;
		}
		if (n + 1 >= s->admit_max)
			return -1;
		ts[n++] = task_of(o->budget, o->period, o->rel_deadline);
	}
	ts[n++] = task_of(p->budget_ns, p->period_ns, p->deadline_ns);
	return (int)n;
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
	return sched_rt_edf_check(s->admit_tasks, (unsigned)n, cap_ppm(s), &v->why);
}

/* The used share of c after adding the new SC, 2^-40 units (EDF_UTIL verdicts carry it). */
static uint64_t share_after(const struct sched_sc_verdict *v)
{
	return v->why.test == SCHED_RT_EDF_UTIL ? v->why.demand : 0;
}

/* Partitioned: the CPU of p->cpus that admits it, by the configured fit. */
static int admit_partitioned(struct sched_sys *s, const struct sched_sc *self,
			     const struct sched_sc_params *p, struct sched_sc_verdict *v)
{
	struct sched_sc_verdict best = *v, t;
	bool found = false;

	for (unsigned c = 0; c < s->nr_cpus; c++) {
		if (!sched_cpumask_test(&p->cpus, c))
			continue;
		t = *v;
		if (try_cpu(s, self, c, p, &t) < 0) {
			if (!found)
				best = t; /* why the first refusal: reported if nothing fits */
			continue;
		}
		if (!found || (s->admit_fit == SCHED_RT_BEST_FIT && share_after(&t) > share_after(&best)) ||
		    (s->admit_fit == SCHED_RT_WORST_FIT && share_after(&t) < share_after(&best))) {
			best = t;
			best.cpu = (uint16_t)c;
		}
		found = true;
		if (s->admit_fit == SCHED_RT_FIRST_FIT)
			break;
	}
	*v = best;
	v->accepted = found;
	return found ? 0 : -SCHED_EUNSCHED;
}

/* Without admission a partitioned SC still needs a CPU: the one with the least reserved
 * share (worst fit), which spreads the load; ties go to the lowest number. */
static unsigned least_reserved(struct sched_sys *s, const struct sched_sc *self,
			       const sched_cpumask_t *cpus)
{
	uint64_t best_share = UINT64_MAX;
	unsigned best = 0;

	for (unsigned c = 0; c < s->nr_cpus; c++) {
		uint64_t share = 0;

		if (!sched_cpumask_test(cpus, c))
			continue;
		for (unsigned i = 0; i < s->nr_scs; i++) {
			const struct sched_sc *o = &s->scs[i];

			if (o != self && o->state == SCHED_SC_CONFIGURED && sched_cpumask_test(&o->cpus, c))
				share += (o->budget << 20) / o->period / count(&o->cpus);
		}
		if (share < best_share) {
			best_share = share;
			best = c;
		}
	}
	return best;
}

int sched__sc_admit(struct sched_sys *s, const struct sched_sc *self,
		    const struct sched_sc_params *p, struct sched_sc_verdict *v)
{
	unsigned m = count(&p->cpus);
	int n, ret;

	sched__assert_locked(&s->sc_lock);
	*v = (struct sched_sc_verdict){ .accepted = 1, .cpu = SCHED_RT_NO_CPU,
					.conflict = SCHED_RT_NO_TASK };
	v->why.task = SCHED_RT_NO_TASK;
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
	ret = sched_rt_gedf_check(s->admit_tasks, (unsigned)n, m, cap_ppm(s), &v->why);
	v->accepted = ret == 0;
	return ret;
}

int sched_sc_admission(struct sched_sys *s, struct sched_auth control, struct sched_rt_task *scratch,
		       unsigned n, unsigned fit)
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
