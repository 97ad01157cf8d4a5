/* SPDX-License-Identifier: MIT */
/*
 * sys.c - boot: policy lookup, system init over caller storage, CPU online.
 */
#include "internal.h"
#include "core_tree.h"

#define MS 1000000ull

const struct sched_class *sched_policy_find(const char *name)
{
	static const struct {
		const char *name;
		const struct sched_class *cls;
	} policies[] = {
		{ "eevdf", &sched_eevdf_class },
		{ "rr", &sched_rr_class },
	};

	if (!name)
		return &sched_eevdf_class;
	for (unsigned i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		const char *a = name, *b = policies[i].name;

		while (*a && *a == *b)
			a++, b++;
		if (*a == *b)
			return policies[i].cls;
	}
	return NULL;
}

/* Linux's scaling: 0.75 ms x (1 + log2(CPUs)), CPUs capped at 8, so 0.75 .. 3 ms. */
static uint64_t default_base_slice(unsigned nr_cpus)
{
	unsigned f = 1;

	for (unsigned n = nr_cpus < 8 ? nr_cpus : 8; n > 1; n >>= 1)
		f++;
	return 750000ull * f;
}

static void default_config(struct sched_config *c, unsigned nr_cpus)
{
	if (!c->base_slice_ns)
		c->base_slice_ns = default_base_slice(nr_cpus);
	if (!c->tick_ns)
		c->tick_ns = MS;
	if (!c->rr_quantum_ns)
		c->rr_quantum_ns = 3 * MS;
	if (!c->cache_hot_ns)
		c->cache_hot_ns = MS / 2;
	if (!c->balance_interval_ns)
		c->balance_interval_ns = 4 * MS;
	if (!c->balance_max)
		c->balance_max = 4;
	if (!c->fair_spread_ns)
		c->fair_spread_ns = 16 * MS;
	if (!c->rt_period_ns)
		c->rt_period_ns = 1000 * MS;
	if (!c->rt_runtime_ns)
		c->rt_runtime_ns = c->rt_period_ns / 20 * 19; /* 95%, Linux's default */
	if (!c->rt_rr_quantum_ns)
		c->rt_rr_quantum_ns = 100 * MS;
}

/* Throttling: a period from 1 ms to the SC bound, a runtime within it (or unlimited). */
static bool rt_config_ok(const struct sched_config *c)
{
	return c->rt_period_ns >= MS && c->rt_period_ns <= SCHED_SC_PERIOD_MAX_NS &&
	       (c->rt_runtime_ns <= c->rt_period_ns || c->rt_runtime_ns == SCHED_RT_UNLIMITED) &&
	       c->rt_rr_quantum_ns >= SCHED_SLICE_MIN && c->rt_rr_quantum_ns <= 1000 * MS;
}

/* Bounds that keep the arithmetic inside its overflow budgets (docs/fair.md). */
static int check_config(const struct sched_config *c)
{
	const uint64_t max = 1000 * MS; /* 1 s */

	if (c->rr_quantum_ns > max || c->base_slice_ns < SCHED_SLICE_MIN ||
	    c->base_slice_ns > SCHED_SLICE_MAX || c->tick_ns > max || c->cache_hot_ns > max ||
	    c->balance_interval_ns > max || c->balance_max > 64 || c->fair_spread_ns > max ||
	    c->core_autotag > SCHED_CORE_AUTOTAG_SESSION || (c->core_protect && !c->core_sched) ||
	    !rt_config_ok(c))
		return -SCHED_EINVAL;
	return 0;
}

/* CPUs in range; with core scheduling, at most SCHED_SMT_MAX CPUs per core. O(nr_cpus^2). */
static int check_topology(const struct sched_topology *topo, bool core_sched)
{
	if (!topo->nr_cpus || topo->nr_cpus > SCHED_MAX_CPUS)
		return -SCHED_EINVAL;
	for (unsigned c = 0; c < topo->nr_cpus; c++) {
		unsigned width = 0;

		if (topo->core[c] >= topo->nr_cpus || topo->llc[c] >= topo->nr_cpus)
			return -SCHED_EINVAL;
		for (unsigned d = 0; core_sched && d < topo->nr_cpus; d++)
			width += topo->core[d] == topo->core[c];
		if (width > SCHED_SMT_MAX)
			return -SCHED_EINVAL;
	}
	return 0;
}

static void rq_init(struct sched_sys *s, struct sched_rq *rq, unsigned cpu)
{
	sched__zero(rq, sizeof(*rq));
	rq->cpu = (uint16_t)cpu;
	rq->sys = s;
	rq->timer_armed = SCHED_TIME_NEVER;
	rq->lease_back_at = SCHED_TIME_NEVER;
	rq->rank_curr_slot = rq->rank_queued_slot = SCHED_NR_CLASSES; /* nothing yet */
	sched__list_init(&rq->part_scs);
	rq->core = rq;
	for (unsigned i = 0; i < SCHED_NR_CLASSES; i++)
		s->classes[i]->rq_init(rq);
}

/* The class list: each slot's class (class.h), the fair slot filled by the policy. */
static void classes_init(struct sched_sys *s, const struct sched_class *fair)
{
#define SCHED_SLOT_OBJ_(name, obj, tw, rw) &obj,
	static const struct sched_class *const slots[SCHED_NR_CLASSES] = {
		SCHED_CLASS_SLOTS(SCHED_SLOT_OBJ_)
	};
#undef SCHED_SLOT_OBJ_

	for (unsigned i = 0; i < SCHED_NR_CLASSES; i++) {
		s->classes[i] = i == fair->slot ? fair : slots[i];
		SCHED_ASSERT(s->classes[i]->slot == i);
	}
	SCHED_ASSERT(!s->classes[SCHED_NR_CLASSES - 1]->accepts); /* the last takes everyone */
}

int sched_init(struct sched_sys *s, struct sched_rq *rq, const struct sched_topology *topo,
	       const struct sched_config *cfg)
{
	struct sched_config c = { 0 };
	const struct sched_class *fair;

	if (!s || !rq || !topo)
		return -SCHED_EINVAL;
	if (cfg)
		c = *cfg;
	default_config(&c, topo->nr_cpus);
	if (check_topology(topo, c.core_sched) < 0 || check_config(&c) < 0 ||
	    !(fair = sched_policy_find(c.policy)))
		return -SCHED_EINVAL;
	*s = (struct sched_sys){ 0 };
	s->nr_cpus = topo->nr_cpus;
	s->rq = rq;
	s->topo = *topo;
	s->cfg = c;
	classes_init(s, fair);
	for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++)
		rq_init(s, &rq[cpu], cpu);
	sched__core_init(s);
	sched__list_init(&s->rt_declared);
	s->root_authority.gen = 1;
	s->root_authority.rights = SCHED_RIGHT_ALL;
	s->root_authority.depth = 1;
	sched_cpumask_fill(&s->root_authority.cpus, s->nr_cpus);
	return 0;
}

int sched_cpu_online(struct sched_sys *s, unsigned cpu, struct sched_thread *idle)
{
	struct sched_rq *rq;
	unsigned long flags;
	sched_time_t now;

	if (!s || !idle)
		return -SCHED_EINVAL;
	if (cpu >= s->nr_cpus)
		return -SCHED_ECPU;
	rq = sched__rq(s, cpu);
	if (sched__get(&rq->online))
		return -SCHED_EEXIST;
	if (rq->idle ? rq->idle != idle
		     : idle->is_idle && idle->cpu < s->nr_cpus && s->rq[idle->cpu].idle == idle)
		return -SCHED_EINVAL; /* a CPU keeps its idle thread; another CPU's is not free */
	flags = sched__rq_lock_irq(rq);
	now = sched_arch_now();
	if (!rq->curr) {
		*idle = (struct sched_thread){ 0 };
		idle->is_idle = 1;
		idle->gen = 1;
		sched__set(&idle->state, SCHED_RUNNING);
		idle->cpu = (uint16_t)cpu;
		idle->on_cpu = 1;
		idle->exec_start = now;
		sched_cpumask_set(&idle->affinity, cpu);
		rq->idle = rq->curr = idle;
	}
	rq->next_balance = now + s->cfg.balance_interval_ns;
	rq->nohz_reason = SCHED_NOHZ_IDLE; /* it comes up idle, with no timer */
	rq->nohz_since = now;
	sched__set(&rq->online, 1);
	sched__online_mark(s, cpu, true);
	sched__rq_unlock_irq(rq, flags);
	return 0;
}
