/* SPDX-License-Identifier: MIT */
/*
 * island.c - realtime islands (sched/island.h, docs/island.md): one admission over an
 * island's SCs, memory bookings, IRQs, communication paths and CPUs; the path rule at
 * every call; violations and figures per island.
 *
 * Admission runs in one critical section: lease_lock, mx_lock, sc_lock, interrupts off.
 * Every check comes first and writes nothing but the caller's verdict; then the lease (for
 * leased CPUs) is granted, which may still refuse with nothing changed; then the writes,
 * none of which can fail. So a refused admission changes nothing.
 *
 * The analysis: each member SC is a sporadic task (budget + declared blocking, period,
 * deadline), the time its calls take included in its budget (a server runs on the caller's
 * SC, and each server has one caller, so no call waits for another one). A partitioned
 * member goes to the first CPU of its set whose exact EDF test passes with what is there:
 * other configured SCs, every island's IRQs routed there (admit_gather), this island's
 * IRQs and members placed there so far. A global member's cluster is its CPU set, tested
 * by the global EDF tests with the cluster's other SCs.
 */
#include "internal.h"
#include "explain.h"
#include "auth.h"
#include "island.h"
#include "lease.h"
#include "sc.h"
#include "trace.h"
#include <sched/island.h>

#define ISLAND_FREE 0
#define ISLAND_ADMITTED 1
#define NO_CALLER 0xffffu

/* The working state of one admission, on the caller's stack (about 1.3 KB; the deepest
 * admission path with it is about 2.8 KB, interrupts off: docs/island.md). */
struct plan {
	struct sched_sc *sc[SCHED_ISLAND_SCS_MAX];
	uint64_t calls_ns[SCHED_ISLAND_SCS_MAX];   /* each member's calls, whole chains */
	uint16_t caller[SCHED_ISLAND_SERVERS_MAX]; /* the one path into each server */
	uint16_t cpu_of[SCHED_ISLAND_SCS_MAX];
};

static int refuse(struct sched_island_verdict *v, int err, unsigned res, unsigned test,
		  uint32_t index)
{
	v->accepted = 0;
	v->err = (int16_t)err;
	v->resource = (uint8_t)res;
	v->test = (uint8_t)test;
	v->index = index;
	return err;
}

static void verdict_init(struct sched_island_verdict *v)
{
	*v = (struct sched_island_verdict){ .accepted = 1, .other = SCHED_ISLAND_NONE };
	v->why.task = SCHED_RT_NO_TASK;
	for (unsigned i = 0; i < SCHED_ISLAND_SCS_MAX; i++)
		v->cpu_of[i] = SCHED_RT_NO_CPU;
}

static sched_cpumask_t one_cpu(unsigned c)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, c);
	return m;
}

static unsigned first_cpu(const sched_cpumask_t *m)
{
	unsigned c = sched_cpumask_next(m, 0);

	return c < SCHED_MAX_CPUS ? c : 0;
}

static bool partitioned(const struct sched_sc_params *p)
{
	return p->dispatch == SCHED_SC_PARTITIONED || sched__cpumask_count(&p->cpus) == 1;
}

static void mask_or(sched_cpumask_t *a, const sched_cpumask_t *b)
{
	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++)
		a->w[i] |= b->w[i];
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* --- lookups (sc_lock held) ---------------------------------------------------------------- */

static struct sched_island *island_of(struct sched_sys *s, struct sched_island_cap cap)
{
	struct sched_island *isl;

	/* islands change under both */
	SCHED_ASSERT(sched__lock_mine(&s->lease_lock) || sched__lock_mine(&s->sc_lock));
	if (!s->islands || cap.index >= s->nr_islands)
		return NULL;
	isl = &s->islands[cap.index];
	return isl->state == ISLAND_ADMITTED && isl->gen == cap.gen ? isl : NULL;
}

/* The live SC a member slot names, or NULL (revoked meanwhile, or an empty slot). */
static struct sched_sc *member_sc(struct sched_sys *s, const struct sched_island *isl, unsigned i)
{
	struct sched_sc_cap c = isl->scs[i];
	struct sched_sc *sc;

	sched__assert_locked(&s->sc_lock);
	if (c.index == SCHED_ISLAND_NONE || c.index >= s->nr_scs)
		return NULL;
	sc = &s->scs[c.index];
	return sc->gen == c.gen && sc->state == SCHED_SC_CONFIGURED && sc->island == isl ? sc : NULL;
}

/* --- the shape of the request ------------------------------------------------------------ */

static int check_counts(const struct sched_island_params *p)
{
	if (!p->group || !p->nr_members || p->nr_members > SCHED_ISLAND_SCS_MAX || !p->members ||
	    p->nr_servers > SCHED_ISLAND_SERVERS_MAX || (p->nr_servers && !p->servers) ||
	    p->nr_paths > SCHED_ISLAND_PATHS_MAX || (p->nr_paths && !p->paths) ||
	    p->nr_irqs > SCHED_ISLAND_IRQS_MAX || (p->nr_irqs && !p->irqs) ||
	    p->nr_mem > SCHED_ISLAND_MEM_MAX || (p->nr_mem && !p->mem) ||
	    p->cpu_mode > SCHED_ISLAND_SHARED || p->overrun > SCHED_SC_NOTIFY_BLOCK ||
	    sched_cpumask_empty(&p->cpus))
		return -SCHED_EINVAL;
	return 0;
}

/* The first CPU of `cpus` out of range or offline, or -1. */
static int bad_cpu(struct sched_sys *s, const sched_cpumask_t *cpus)
{
	for (unsigned c = sched_cpumask_next(cpus, 0); c < SCHED_MAX_CPUS; /* O(words + CPUs) */
	     c = sched_cpumask_next(cpus, c + 1))
		if (c >= s->nr_cpus || !sched__cpu_usable(s, c))
			return (int)c;
	return -1;
}

/* Paths, IRQs and bookings well formed, no IRQ line or server twice. */
static int check_entries(struct sched_sys *s, const struct sched_island_params *p,
			 struct sched_island_verdict *v)
{
	for (unsigned k = 0; k < p->nr_paths; k++) {
		const struct sched_island_path *x = &p->paths[k];
		unsigned from = x->from & ~SCHED_ISLAND_FROM_SERVER;
		bool srv = x->from & SCHED_ISLAND_FROM_SERVER;

		if (x->to >= p->nr_servers || !x->calls || !x->cost_ns ||
		    from >= (srv ? p->nr_servers : p->nr_members))
			return refuse(v, -SCHED_EINVAL, SCHED_ISLAND_RES_PATH, SCHED_ISLAND_OK, k);
	}
	for (unsigned k = 0; k < p->nr_irqs; k++) {
		const struct sched_island_irq *q = &p->irqs[k];
		bool twice = false;

		for (unsigned j = 0; j < k; j++)
			twice |= p->irqs[j].line == q->line;
		if (twice || !q->min_gap_ns || !q->cost_ns || q->cost_ns > q->min_gap_ns ||
		    q->min_gap_ns > SCHED_RT_TIME_MAX || !sched_cpumask_test(&p->cpus, q->cpu))
			return refuse(v, -SCHED_EINVAL, SCHED_ISLAND_RES_IRQ, SCHED_ISLAND_OK, k);
	}
	for (unsigned k = 0; k < p->nr_mem; k++)
		if (p->mem[k].pool >= s->nr_mem_pools || !p->mem[k].pages)
			return refuse(v, -SCHED_EINVAL, SCHED_ISLAND_RES_POOL, SCHED_ISLAND_OK, k);
	for (unsigned k = 0; k < p->nr_servers; k++)
		for (unsigned j = 0; j < k; j++)
			if (p->servers[j].t.t == p->servers[k].t.t || !p->servers[k].t.t)
				return refuse(v, -SCHED_EINVAL, SCHED_ISLAND_RES_SERVER,
					      SCHED_ISLAND_OK, k);
	return p->nr_servers && !p->servers[0].t.t
		? refuse(v, -SCHED_EINVAL, SCHED_ISLAND_RES_SERVER, SCHED_ISLAND_OK, 0) : 0;
}

static int check_auth(struct sched_auth auth, const struct sched_island_params *p)
{
	const struct sched_authority *a = auth.a;

	if (!sched__auth_live(auth))
		return -SCHED_ESTALE;
	if (!(a->rights & SCHED_RIGHT_SC_CONTROL) || !sched_cpumask_subset(&p->cpus, &a->cpus) ||
	    !sched__in_scope(p->group, a->scope) ||
	    (p->cpu_mode == SCHED_ISLAND_LEASED && !(a->rights & SCHED_RIGHT_LEASE)))
		return -SCHED_EPERM;
	return 0;
}

/* A member's SC: live, configurable, fresh; its parameters as configure checks them. */
static int check_member(struct sched_sys *s, const struct sched_island_params *p,
			const struct sched_island_member *m, struct sched_sc **out)
{
	struct sched_sc *sc;

	if (m->sc.index >= s->nr_scs)
		return -SCHED_EINVAL;
	sc = &s->scs[m->sc.index];
	if (sc->gen != m->sc.gen || sc->state == SCHED_SC_FREE)
		return -SCHED_ESTALE;
	if (!(m->sc.rights & SCHED_SC_CONFIGURE) ||
	    (sc->owner && !sched__in_scope(sc->owner, p->group)))
		return -SCHED_EPERM; /* another group's SC is not the island's to take */
	if (sc->state != SCHED_SC_CREATED || sc->bound || sc->holder)
		return -SCHED_ESTATE;
	if (!sched_cpumask_subset(&m->p.cpus, &p->cpus))
		return -SCHED_EINVAL;
	/* CBS keeps a bandwidth, not a deadline shorter than the period (its deadline moves by
	 * whole periods): such a member is a sporadic server's */
	if (m->p.mode == SCHED_SC_CBS && m->p.deadline_ns && m->p.deadline_ns != m->p.period_ns)
		return -SCHED_EINVAL;
	*out = sc;
	return sched__sc_params_check(s, sc, &m->p);
}

/* A server: live, not idle, in the island's group (a leased CPU takes only its threads, and
 * an authority marks only threads of its scope), passive (it runs on its callers' SCs). */
static int check_server(const struct sched_island_params *p, struct sched_ref r)
{
	if (!sched__ref_live(r))
		return -SCHED_ESTALE;
	if (r.t->is_idle)
		return -SCHED_EINVAL;
	if (!r.t->group || !sched__in_scope(r.t->group, p->group))
		return -SCHED_EPERM;
	return sched__get(&r.t->passive) ? 0 : -SCHED_EPATH;
}

static int check_members(struct sched_sys *s, const struct sched_island_params *p,
			 struct plan *pl, struct sched_island_verdict *v)
{
	for (unsigned i = 0; i < p->nr_members; i++) {
		int ret = check_member(s, p, &p->members[i], &pl->sc[i]);

		for (unsigned j = 0; !ret && j < i; j++)
			if (pl->sc[j] == pl->sc[i])
				ret = -SCHED_EINVAL;
		if (ret)
			return refuse(v, ret, SCHED_ISLAND_RES_MEMBER, SCHED_ISLAND_OK, i);
	}
	for (unsigned k = 0; k < p->nr_servers; k++) {
		int ret = check_server(p, p->servers[k].t);

		if (ret)
			return refuse(v, ret, SCHED_ISLAND_RES_SERVER,
				      ret == -SCHED_EPATH ? SCHED_ISLAND_NOT_PASSIVE : SCHED_ISLAND_OK, k);
	}
	return 0;
}

/* --- reservations: pools, IRQ lines, servers ---------------------------------------------- */

static int check_pools(struct sched_sys *s, const struct sched_island_params *p,
		       struct sched_island_verdict *v)
{
	for (unsigned k = 0; k < p->nr_mem; k++) {
		const struct sched_mem_pool *pool = &s->mem_pools[p->mem[k].pool];
		uint64_t want = 0;

		for (unsigned j = 0; j < p->nr_mem; j++)
			if (p->mem[j].pool == p->mem[k].pool)
				want = add_sat(want, p->mem[j].pages);
		if (want > pool->pages - pool->booked) {
			refuse(v, -SCHED_ERESERVE, SCHED_ISLAND_RES_POOL, SCHED_ISLAND_SHORT,
			       p->mem[k].pool);
			v->demand = want;
			v->supply = pool->pages - pool->booked;
			return v->err;
		}
	}
	return 0;
}

/* The admitted island (other than `self`) that reserves IRQ `line`, or NULL. */
static const struct sched_island *line_owner(struct sched_sys *s, uint32_t line,
					     const struct sched_island *self)
{
	for (unsigned i = 0; i < s->nr_islands; i++) {
		const struct sched_island *o = &s->islands[i];

		for (unsigned k = 0; o != self && o->state && k < o->nr_irqs; k++)
			if (o->irqs[k].line == line)
				return o;
	}
	return NULL;
}

static int check_lines(struct sched_sys *s, const struct sched_island_params *p,
		       struct sched_island_verdict *v)
{
	for (unsigned k = 0; k < p->nr_irqs; k++) {
		const struct sched_island *o = line_owner(s, p->irqs[k].line, NULL);

		if (o) {
			refuse(v, -SCHED_ERESERVE, SCHED_ISLAND_RES_IRQ, SCHED_ISLAND_IRQ_TAKEN, k);
			v->other = o->index;
			return v->err;
		}
	}
	for (unsigned k = 0; k < p->nr_servers; k++) {
		const struct sched_island *o = __atomic_load_n(&p->servers[k].t.t->isl_server,
							       __ATOMIC_RELAXED);

		if (o) {
			refuse(v, -SCHED_ERESERVE, SCHED_ISLAND_RES_SERVER,
			       SCHED_ISLAND_SERVER_TAKEN, k);
			v->other = o->index;
			return v->err;
		}
	}
	return 0;
}

/* --- paths ------------------------------------------------------------------------------ */

/* The member at the root of path k's chain, or -1 when none is (no caller, or a cycle:
 * more links than paths), counting the links in *depth. O(paths). */
static int root_of(const struct sched_island_params *p, const struct plan *pl, unsigned k,
		   unsigned *depth)
{
	uint16_t from = p->paths[k].from;

	for (*depth = 1; from & SCHED_ISLAND_FROM_SERVER; (*depth)++) {
		uint16_t in = pl->caller[from & ~SCHED_ISLAND_FROM_SERVER];

		if (in == NO_CALLER || *depth > p->nr_paths)
			return -1;
		from = p->paths[in].from;
	}
	return from;
}

/* What a call to server j costs its caller's SC: its own work and its calls, whole. Depth
 * is bounded: root_of accepted every chain (SCHED_DONATION_DEPTH_MAX links). */
static uint64_t chain_cost(const struct sched_island_params *p, unsigned j, unsigned depth)
{
	uint64_t sum = 0;

	for (unsigned k = 0; k < p->nr_paths; k++)
		if (p->paths[k].from == (SCHED_ISLAND_FROM_SERVER | j))
			sum = depth > SCHED_DONATION_DEPTH_MAX ? UINT64_MAX /* root_of refused it */
			      : add_sat(sum, mul_sat(p->paths[k].calls,
						   add_sat(p->paths[k].cost_ns,
							   chain_cost(p, p->paths[k].to, depth + 1))));
	return sum;
}

static int path_refuse(struct sched_island_verdict *v, unsigned test, unsigned k, uint32_t other)
{
	refuse(v, -SCHED_EPATH, SCHED_ISLAND_RES_PATH, test, k);
	v->other = other;
	return v->err;
}

/* Servers with one caller each, every chain rooted in a member and not too deep; each
 * member's calls within its budget. O(paths x depth + paths^2). */
static int check_paths(const struct sched_island_params *p, struct plan *pl,
		       struct sched_island_verdict *v)
{
	for (unsigned j = 0; j < SCHED_ISLAND_SERVERS_MAX; j++)
		pl->caller[j] = NO_CALLER;
	for (unsigned k = 0; k < p->nr_paths; k++) {
		const struct sched_island_path *x = &p->paths[k];

		if (pl->caller[x->to] != NO_CALLER) /* (servers are passive: check_server) */
			return path_refuse(v, SCHED_ISLAND_TWO_CALLERS, k, pl->caller[x->to]);
		pl->caller[x->to] = (uint16_t)k;
	}
	for (unsigned k = 0; k < p->nr_paths; k++) {
		unsigned depth;

		if (root_of(p, pl, k, &depth) < 0)
			return path_refuse(v, SCHED_ISLAND_NO_ROOT, k, SCHED_ISLAND_NONE);
		if (depth > SCHED_DONATION_DEPTH_MAX)
			return path_refuse(v, SCHED_ISLAND_TOO_DEEP, k, SCHED_ISLAND_NONE);
	}
	for (unsigned i = 0; i < p->nr_members; i++) {
		uint64_t sum = 0;

		for (unsigned k = 0; k < p->nr_paths; k++)
			if (p->paths[k].from == i)
				sum = add_sat(sum, mul_sat(p->paths[k].calls,
							   add_sat(p->paths[k].cost_ns,
								   chain_cost(p, p->paths[k].to, 2))));
		pl->calls_ns[i] = sum;
		if (sum > p->members[i].p.budget_ns) {
			refuse(v, -SCHED_EUNSCHED, SCHED_ISLAND_RES_MEMBER, SCHED_ISLAND_CALL_BUDGET, i);
			v->demand = sum;
			v->supply = p->members[i].p.budget_ns;
			return v->err;
		}
	}
	return 0;
}

/* Each server may run where its root caller's SC does (a call needs its affinity inside the
 * SC's CPUs). After placement. */
static int check_server_cpus(const struct sched_island_params *p, const struct plan *pl,
			     struct sched_island_verdict *v)
{
	for (unsigned k = 0; k < p->nr_paths; k++) {
		unsigned depth;
		int root = root_of(p, pl, k, &depth);
		struct sched_thread *t = p->servers[p->paths[k].to].t.t;
		sched_cpumask_t where = p->members[root].p.cpus;
		bool ok;

		if (pl->cpu_of[root] != SCHED_RT_NO_CPU) {
			sched_cpumask_clear(&where);
			sched_cpumask_set(&where, pl->cpu_of[root]);
		}
		sched__spin_lock(&t->lock); /* affinity changes under it (sc_lock held: the order) */
		ok = sched_cpumask_subset(&t->affinity, &where);
		sched__spin_unlock(&t->lock);
		if (!ok) {
			path_refuse(v, SCHED_ISLAND_SERVER_CPUS, k, (uint32_t)root);
			v->at = first_cpu(&where);
			return v->err;
		}
	}
	return 0;
}

/* --- the CPUs ------------------------------------------------------------------------------ */

static struct sched_rt_task member_task(const struct sched_sc_params *p)
{
	return (struct sched_rt_task){ .budget = p->budget_ns + p->blocking_ns,
				       .period = p->period_ns,
				       .deadline = p->deadline_ns ? p->deadline_ns : p->period_ns };
}

/* Append a task to the scratch; false when it is full. */
static bool push(struct sched_sys *s, unsigned *n, struct sched_rt_task t)
{
	if (*n >= s->admit_max)
		return false;
	s->admit_tasks[(*n)++] = t;
	return true;
}

/* A cluster's gather failed (n < 0): say so in the verdict. */
static int gather_refuse(struct sched_island_verdict *v, int n, unsigned cpu,
			 const struct sched_sc_verdict *sv)
{
	if (n == -3) /* another island's IRQ inside this global cluster */
		return refuse(v, -SCHED_EINVAL, SCHED_ISLAND_RES_CPU, SCHED_ISLAND_IRQ_GLOBAL, cpu);
	refuse(v, -SCHED_EUNSCHED, SCHED_ISLAND_RES_CPU,
	       n == -1 ? SCHED_ISLAND_CROSSED : SCHED_ISLAND_SCRATCH, cpu);
	v->other = sv->conflict != SCHED_RT_NO_TASK ? sv->conflict
		   : sv->conflict_thread ? sv->conflict_thread->id : SCHED_ISLAND_NONE;
	return v->err;
}

static int demand_refuse(struct sched_island_verdict *v, unsigned cpu,
			 const struct sched_rt_verdict *why)
{
	refuse(v, -SCHED_EUNSCHED, SCHED_ISLAND_RES_CPU, SCHED_ISLAND_DEMAND, cpu);
	v->why = *why;
	v->demand = why->demand;
	v->supply = why->supply;
	v->at = why->at;
	return v->err;
}

/* CPU c's test of the n tasks gathered, with its IRQs and this island's routed there. */
static int cpu_test(struct sched_sys *s, const struct sched_island_params *p, unsigned c,
		    unsigned n, const struct sched_sc_verdict *sv, struct sched_island_verdict *v)
{
	struct sched_rt_verdict why;
	int ret = sched__admit_cpu(s, c, n, p->irqs, p->nr_irqs, &why);

	return ret == -SCHED_EFULL ? gather_refuse(v, -2, c, sv)
	       : ret ? demand_refuse(v, c, &why) : 0;
}

/*
 * Would member i fit on CPU c beside what is there, this island's IRQs routed to c, and its
 * members placed on c before i? The exact one-CPU EDF test. 0, or the refusal in *v.
 */
static int try_cpu(struct sched_sys *s, const struct sched_island_params *p,
		   const struct plan *pl, unsigned i, unsigned c, struct sched_island_verdict *v)
{
	struct sched_sc_verdict sv = { .conflict = SCHED_RT_NO_TASK };
	sched_cpumask_t one = one_cpu(c);
	unsigned n;
	int got;

	if ((got = sched__admit_gather(s, NULL, &one, &sv)) < 0)
		return gather_refuse(v, got, c, &sv);
	n = (unsigned)got;
	for (unsigned j = 0; j <= i; j++)
		if ((j == i || pl->cpu_of[j] == c) && !push(s, &n, member_task(&p->members[j].p)))
			return gather_refuse(v, -2, c, &sv);
	return cpu_test(s, p, c, n, &sv, v);
}

/* Place each partitioned member, in order, on the first CPU of its set that admits it.
 * O(members x CPUs x the test). */
static int place_partitioned(struct sched_sys *s, const struct sched_island_params *p,
			     struct plan *pl, struct sched_island_verdict *v)
{
	for (unsigned i = 0; i < p->nr_members; i++)
		pl->cpu_of[i] = SCHED_RT_NO_CPU;
	for (unsigned i = 0; i < p->nr_members; i++) {
		const sched_cpumask_t *cpus = &p->members[i].p.cpus;
		struct sched_island_verdict first = *v;
		bool tried = false;

		if (!partitioned(&p->members[i].p))
			continue;
		for (unsigned c = 0; c < s->nr_cpus && pl->cpu_of[i] == SCHED_RT_NO_CPU; c++) {
			struct sched_island_verdict t = *v;

			if (!sched_cpumask_test(cpus, c))
				continue;
			if (!try_cpu(s, p, pl, i, c, &t))
				pl->cpu_of[i] = (uint16_t)c;
			else if (!tried)
				first = t;
			tried = true;
		}
		if (pl->cpu_of[i] == SCHED_RT_NO_CPU) {
			*v = first; /* the first CPU's refusal names the shortfall */
			return v->err;
		}
	}
	return 0;
}

/* Each CPU that takes one of the island's IRQs and none of its members (a member's CPU
 * was tested with them at its placement): what is there already, beside them. */
static int check_irq_cpus(struct sched_sys *s, const struct sched_island_params *p,
			  const struct plan *pl, struct sched_island_verdict *v)
{
	for (unsigned k = 0; k < p->nr_irqs; k++) {
		unsigned c = p->irqs[k].cpu;
		struct sched_sc_verdict sv = { .conflict = SCHED_RT_NO_TASK };
		sched_cpumask_t cm = one_cpu(c);
		bool placed = false;
		int got;

		for (unsigned i = 0; i < p->nr_members; i++)
			placed |= pl->cpu_of[i] == c;
		for (unsigned j = 0; j < k; j++)
			placed |= p->irqs[j].cpu == c; /* tested already */
		if (placed)
			continue;
		if ((got = sched__admit_gather(s, NULL, &cm, &sv)) < 0)
			return gather_refuse(v, got, c, &sv);
		if ((got = cpu_test(s, p, c, (unsigned)got, &sv, v)))
			return got;
	}
	return 0;
}

/* The global members: each cluster (an exact CPU set) by the global EDF tests, with the
 * cluster's other SCs; no partitioned member or IRQ of the island inside it. */
static int check_global(struct sched_sys *s, const struct sched_island_params *p,
			const struct plan *pl, struct sched_island_verdict *v)
{
	for (unsigned i = 0; i < p->nr_members; i++) {
		const sched_cpumask_t *cpus = &p->members[i].p.cpus;
		struct sched_sc_verdict sv = { .conflict = SCHED_RT_NO_TASK };
		struct sched_rt_verdict why;
		bool seen = false;
		unsigned n;
		int got;

		if (partitioned(&p->members[i].p))
			continue;
		for (unsigned j = 0; j < i; j++) /* each cluster once, at its first member */
			seen |= !partitioned(&p->members[j].p) &&
				sched__cpumask_equal(&p->members[j].p.cpus, cpus);
		if (seen)
			continue;
		for (unsigned k = 0; k < p->nr_irqs; k++)
			if (sched_cpumask_test(cpus, p->irqs[k].cpu))
				return refuse(v, -SCHED_EINVAL, SCHED_ISLAND_RES_IRQ,
					      SCHED_ISLAND_IRQ_GLOBAL, k);
		if ((got = sched__admit_gather(s, NULL, cpus, &sv)) < 0)
			return gather_refuse(v, got, first_cpu(cpus), &sv);
		n = (unsigned)got;
		for (unsigned j = 0; j < p->nr_members; j++) {
			const sched_cpumask_t *o = &p->members[j].p.cpus;
			bool inside = pl->cpu_of[j] != SCHED_RT_NO_CPU
				      ? sched_cpumask_test(cpus, pl->cpu_of[j])
				      : sched_cpumask_intersects(o, cpus);
			bool same = pl->cpu_of[j] == SCHED_RT_NO_CPU && sched__cpumask_equal(o, cpus);

			if (inside && !same) {
				gather_refuse(v, -1, first_cpu(cpus), &sv);
				v->other = j; /* the island's own member crosses the cluster */
				return v->err;
			}
			if (same && !push(s, &n, member_task(&p->members[j].p)))
				return gather_refuse(v, -2, first_cpu(cpus), &sv);
		}
		if (sched_rt_gedf_check(s->admit_tasks, n, sched__cpumask_count(cpus), sched__admit_cap(s), &why))
			return demand_refuse(v, first_cpu(cpus), &why);
	}
	return 0;
}

/* --- commit ------------------------------------------------------------------------------- */

/* The CPUs other IRQs may go to: the housekeeping set less every shared island's CPUs and
 * `cpus`. lease_lock held (isl_shared). */
static void elsewhere(struct sched_sys *s, const sched_cpumask_t *cpus, sched_cpumask_t *out)
{
	sched_housekeeping(s, out);
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched_cpumask_test(cpus, c) || s->rq[c].isl_shared)
			sched_cpumask_unset(out, c);
}

/* A shared island's CPUs send the port's other IRQs away: they may not be leased (a lease
 * routes them itself), and somewhere must be left for them. */
static int check_shared(struct sched_sys *s, const struct sched_island_params *p,
			struct sched_island_verdict *v)
{
	sched_cpumask_t away;

	if (p->cpu_mode != SCHED_ISLAND_SHARED)
		return 0;
	if (sched_cpumask_intersects(&p->cpus, &s->leased))
		return refuse(v, -SCHED_ELEASED, SCHED_ISLAND_RES_LEASE, SCHED_ISLAND_LEASE,
			      first_cpu(&p->cpus));
	elsewhere(s, &p->cpus, &away);
	return sched_cpumask_empty(&away)
		? refuse(v, -SCHED_EHOUSEKEEPING, SCHED_ISLAND_RES_LEASE, SCHED_ISLAND_LEASE,
			 first_cpu(&p->cpus)) : 0;
}

static struct sched_island *free_island(struct sched_sys *s)
{
	for (unsigned i = 0; i < s->nr_islands; i++)
		if (s->islands[i].state == ISLAND_FREE)
			return &s->islands[i];
	return NULL;
}


/* What the port is told of an island: its CPUs, whether they are shared, its IRQs. */
struct routing {
	sched_cpumask_t cpus;
	uint8_t shared;
	uint16_t nr_irqs;
	uint32_t line[SCHED_ISLAND_IRQS_MAX];
	uint16_t cpu[SCHED_ISLAND_IRQS_MAX];
};

static void routing_of(const struct sched_island *isl, struct routing *r)
{
	r->cpus = isl->cpus;
	r->shared = isl->cpu_mode == SCHED_ISLAND_SHARED;
	r->nr_irqs = isl->nr_irqs;
	for (unsigned k = 0; k < isl->nr_irqs; k++) {
		r->line[k] = isl->irqs[k].line;
		r->cpu[k] = isl->irqs[k].cpu;
	}
}

/*
 * Route the island's IRQs to its CPUs (on) or back (off); shared CPUs also send the port's
 * other IRQs away (on) or take them back (off; leased CPUs do so through their lease).
 * lease_lock held, so the port sees admissions and revocations in order; no other lock:
 * a hook may wait for other CPUs, which may be spinning on one with interrupts off.
 */
static void route(struct sched_sys *s, const struct routing *r, bool on)
{
	const struct sched_config *cf = &s->cfg;
	sched_cpumask_t away;

	sched__assert_locked(&s->lease_lock);
	SCHED_ASSERT(!sched__lock_mine(&s->sc_lock));
	for (unsigned c = 0; r->shared && c < s->nr_cpus; c++) {
		struct sched_rq *rq = &s->rq[c];

		if (!sched_cpumask_test(&r->cpus, c))
			continue;
		__atomic_store_n(&rq->isl_shared,
				 (uint16_t)(on ? rq->isl_shared + 1 : rq->isl_shared - 1),
				 __ATOMIC_RELAXED);
		/* the first shared island sends them away, the last lets them back */
		if (cf->lease_port && rq->isl_shared == on) {
			if (on)
				elsewhere(s, &r->cpus, &away);
			else
				sched_housekeeping(s, &away);
			cf->lease_port(cf->cb_ctx, c, SCHED_LEASE_PORT_IRQS, on, &away);
		}
	}
	if (cf->island_irq)
		for (unsigned k = 0; k < r->nr_irqs; k++)
			cf->island_irq(cf->cb_ctx, r->line[k], r->cpu[k], on);
}

static void trace_cpus(struct sched_sys *s, const sched_cpumask_t *cpus, uint32_t index,
		       unsigned ev, uint64_t arg)
{
	sched_time_t now = sched_arch_now();

	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (sched_cpumask_test(cpus, c)) {
			sched__rq_lock(&s->rq[c]);
			sched__trace(&s->rq[c], SCHED_TR_ISLAND, index, arg, (uint8_t)ev, now);
			sched__rq_unlock(&s->rq[c]);
		}
}

/* Configure member i's SC as planned and make it the island's. */
static void commit_member(struct sched_sys *s, struct sched_island *isl, unsigned slot,
			  const struct sched_island_member *m, struct sched_sc *sc, uint16_t cpu)
{
	struct sched_sc_params p = m->p;
	sched_cpumask_t cpus = p.cpus;

	p.overrun = isl->overrun;
	p.endpoint = isl->endpoint;
	if (cpu != SCHED_RT_NO_CPU) {
		sched_cpumask_clear(&cpus);
		sched_cpumask_set(&cpus, cpu);
	}
	sched__sc_apply(s, sc, &p, &cpus);
	sc->island = isl;
	isl->scs[slot] = (struct sched_sc_cap){ sc->index, sc->gen, SCHED_SC_ALL };
}

static void commit(struct sched_sys *s, struct sched_island *isl,
		   const struct sched_island_params *p, const struct plan *pl)
{
	isl->cpu_mode = p->cpu_mode;
	isl->overrun = p->overrun;
	isl->endpoint = p->endpoint;
	isl->group = p->group;
	isl->cpus = p->cpus;
	isl->name = p->name;
	isl->nr_scs = (uint16_t)p->nr_members;
	isl->nr_servers = (uint16_t)p->nr_servers;
	isl->nr_paths = (uint16_t)p->nr_paths;
	isl->nr_irqs = (uint16_t)p->nr_irqs;
	isl->nr_mem = (uint16_t)p->nr_mem;
	for (unsigned i = 0; i < SCHED_ISLAND_SCS_MAX; i++)
		isl->scs[i].index = SCHED_ISLAND_NONE;
	for (unsigned i = 0; i < p->nr_members; i++)
		commit_member(s, isl, i, &p->members[i], pl->sc[i], pl->cpu_of[i]);
	for (unsigned k = 0; k < p->nr_servers; k++) {
		struct sched_thread *t = p->servers[k].t.t;

		isl->servers[k] = p->servers[k];
		sched__spin_lock(&t->lock);
		if (sched__ref_live(p->servers[k].t)) {
			__atomic_store_n(&t->isl_server, isl, __ATOMIC_RELAXED);
			t->isl_server_idx = (uint16_t)k;
		}
		sched__spin_unlock(&t->lock);
	}
	for (unsigned k = 0; k < p->nr_paths; k++)
		isl->paths[k] = p->paths[k];
	for (unsigned k = 0; k < p->nr_irqs; k++)
		isl->irqs[k] = p->irqs[k];
	for (unsigned k = 0; k < p->nr_mem; k++) {
		isl->mem[k] = p->mem[k];
		s->mem_pools[p->mem[k].pool].booked += p->mem[k].pages;
	}
	for (unsigned k = 0; k < SCHED_ISLAND_V_NR; k++)
		isl->violations[k] = 0;
	if (p->cpu_mode == SCHED_ISLAND_LEASED)
		mask_or(&s->island_cpus, &p->cpus);
	isl->admitted_at = sched_arch_now();
	__atomic_store_n(&isl->state, ISLAND_ADMITTED, __ATOMIC_RELEASE);
}

/* Every check, then the lease's first part, then the writes. lease_lock, mx_lock, sc_lock
 * held. *out: the island admitted. */
static int admit_locked(struct sched_sys *s, struct sched_auth auth,
			const struct sched_island_params *p, struct plan *pl,
			struct sched_island_verdict *v, struct sched_island **out)
{
	struct sched_island *isl;
	int ret;

	sched__assert_locked(&s->lease_lock);
	sched__assert_locked(&s->sc_lock);
	if ((ret = check_entries(s, p, v)) || (ret = check_members(s, p, pl, v)))
		return ret;
	if (!(isl = free_island(s)))
		return refuse(v, -SCHED_EFULL, SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0);
	if (sched_cpumask_intersects(&p->cpus, &s->island_cpus)) /* another island's */
		return refuse(v, -SCHED_ELEASED, SCHED_ISLAND_RES_LEASE, SCHED_ISLAND_LEASE,
			      first_cpu(&p->cpus));
	if ((ret = check_pools(s, p, v)) || (ret = check_lines(s, p, v)) ||
	    (ret = check_paths(p, pl, v)) || (ret = place_partitioned(s, p, pl, v)) ||
	    (ret = check_global(s, p, pl, v)) || (ret = check_irq_cpus(s, p, pl, v)) ||
	    (ret = check_server_cpus(p, pl, v)) || (ret = check_shared(s, p, v)))
		return ret;
	if (p->cpu_mode == SCHED_ISLAND_LEASED) {
		struct sched_lease_params lp = { .cpus = p->cpus, .group = p->group,
						 .target = p->group };

		if ((ret = sched__lease_grant_begin(s, auth, &lp, &isl->lease))) {
			refuse(v, ret, SCHED_ISLAND_RES_LEASE, SCHED_ISLAND_LEASE, first_cpu(&p->cpus));
			return ret;
		}
	}
	commit(s, isl, p, pl);
	for (unsigned i = 0; i < p->nr_members; i++)
		v->cpu_of[i] = pl->cpu_of[i];
	*out = isl;
	return 0;
}

/* mx_lock and sc_lock (the SC lock order), under lease_lock. */
static void lock_sc(struct sched_sys *s)
{
	sched__assert_locked(&s->lease_lock);
	sched__spin_lock(&s->mx_lock);
	sched__spin_lock(&s->sc_lock);
}

static void unlock_sc(struct sched_sys *s)
{
	sched__spin_unlock(&s->sc_lock);
	sched__spin_unlock(&s->mx_lock);
}

/* lease_lock, then mx_lock and sc_lock, interrupts off: what changes no port state. */
static unsigned long lock_all(struct sched_sys *s)
{
	unsigned long flags = sched__lock_irq(&s->lease_lock);

	lock_sc(s);
	return flags;
}

static void unlock_all(struct sched_sys *s, unsigned long flags)
{
	unlock_sc(s);
	sched__unlock_irq(&s->lease_lock, flags);
}

int sched_island_admit(struct sched_sys *s, struct sched_auth auth,
		       const struct sched_island_params *p, struct sched_island_cap *out,
		       struct sched_island_verdict *v)
{
	struct sched_island_verdict mine;
	struct sched_island *isl = NULL;
	struct plan pl;
	unsigned long flags;
	int ret;

	v = v ? v : &mine;
	verdict_init(v);
	if (!s || !auth.a || !p || !out || check_counts(p))
		return refuse(v, -SCHED_EINVAL, SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0);
	if ((ret = bad_cpu(s, &p->cpus)) >= 0)
		return refuse(v, -SCHED_ECPU, SCHED_ISLAND_RES_CPU, SCHED_ISLAND_OK, (uint32_t)ret);
	if ((ret = check_auth(auth, p)))
		return refuse(v, ret, SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0);
	if (!__atomic_load_n(&s->admit_tasks, __ATOMIC_ACQUIRE) || !s->islands || !s->scs)
		return refuse(v, !s->islands ? -SCHED_EFULL : -SCHED_ESTATE,
			      SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0);
	flags = sched__lock_irq(&s->lease_lock);
	lock_sc(s);
	ret = admit_locked(s, auth, p, &pl, v, &isl);
	unlock_sc(s);
	if (!ret) { /* the port's part, with lease_lock alone */
		struct routing r;

		routing_of(isl, &r);
		if (isl->cpu_mode == SCHED_ISLAND_LEASED)
			sched__lease_grant_end(s, isl->lease);
		route(s, &r, true);
		trace_cpus(s, &isl->cpus, isl->index, SCHED_ISLAND_EV_ADMIT, p->nr_members);
		*out = (struct sched_island_cap){ isl->index, isl->gen };
	}
	sched__unlock_irq(&s->lease_lock, flags);
	if (ret < 0) {
		uint64_t fig[3] = { v->demand, v->supply, v->at };

		sched__why_deny(s, 0, p->group ? p->group->id : 0, SCHED_DENY_ISLAND, ret, SCHED_OBJ_NONE, 0, fig);
	}
	return ret;
}

/* --- one member at a time ------------------------------------------------------------------ */

/* Drop the paths from member `slot` (the servers stay the island's). */
static void drop_paths(struct sched_island *isl, unsigned slot)
{
	unsigned n = 0;

	for (unsigned k = 0; k < isl->nr_paths; k++)
		if (isl->paths[k].from != slot)
			isl->paths[n++] = isl->paths[k];
	isl->nr_paths = (uint16_t)n;
}

/* The island's current members as a request, for the placement and checks of a new one at
 * slot `slot` (the others already count as configured SCs there). */
int sched_island_add_sc(struct sched_sys *s, struct sched_auth auth, struct sched_island_cap cap,
			const struct sched_island_member *m, struct sched_island_verdict *v)
{
	struct sched_island_verdict mine;
	struct sched_island_params p = { 0 };
	struct sched_island *isl;
	struct plan pl;
	unsigned long flags;
	unsigned slot = SCHED_ISLAND_SCS_MAX;
	int ret;

	v = v ? v : &mine;
	verdict_init(v);
	if (!s || !auth.a || !m || !s->islands)
		return refuse(v, -SCHED_EINVAL, SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0);
	if (!__atomic_load_n(&s->admit_tasks, __ATOMIC_ACQUIRE))
		return refuse(v, -SCHED_ESTATE, SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0);
	flags = lock_all(s);
	if (!(isl = island_of(s, cap)))
		ret = refuse(v, -SCHED_ESTALE, SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0);
	else {
		p = (struct sched_island_params){ .group = isl->group, .cpus = isl->cpus,
						  .cpu_mode = isl->cpu_mode, .members = m,
						  .nr_members = 1 };
		ret = check_auth(auth, &p);
		if (ret)
			refuse(v, ret, SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0);
	}
	for (unsigned i = 0; !ret && i < SCHED_ISLAND_SCS_MAX && slot == SCHED_ISLAND_SCS_MAX; i++)
		if (!member_sc(s, isl, i))
			slot = i;
	if (!ret && slot == SCHED_ISLAND_SCS_MAX)
		ret = refuse(v, -SCHED_EFULL, SCHED_ISLAND_RES_MEMBER, SCHED_ISLAND_OK, 0);
	if (!ret && !(ret = check_members(s, &p, &pl, v)) && !(ret = place_partitioned(s, &p, &pl, v)))
		ret = check_global(s, &p, &pl, v);
	if (!ret) {
		drop_paths(isl, slot); /* those of a member revoked directly */
		commit_member(s, isl, slot, m, pl.sc[0], pl.cpu_of[0]);
		if (slot >= isl->nr_scs)
			isl->nr_scs = (uint16_t)(slot + 1);
		v->cpu_of[0] = pl.cpu_of[0];
		v->index = slot;
	}
	unlock_all(s, flags);
	return ret;
}

/* The island a capability names, if `auth` may change it; else NULL with *err. */
static struct sched_island *island_auth(struct sched_sys *s, struct sched_auth auth,
					struct sched_island_cap cap, int *err)
{
	struct sched_island *isl = island_of(s, cap);
	struct sched_island_params p;

	*err = -SCHED_ESTALE;
	if (!isl)
		return NULL;
	p = (struct sched_island_params){ .group = isl->group, .cpus = isl->cpus,
					  .cpu_mode = SCHED_ISLAND_SHARED };
	*err = check_auth(auth, &p);
	return *err ? NULL : isl;
}

int sched_island_remove_sc(struct sched_sys *s, struct sched_auth auth,
			   struct sched_island_cap cap, struct sched_sc_cap sc)
{
	struct sched_island *isl;
	unsigned long flags;
	int ret;

	if (!s || !auth.a || !s->islands)
		return -SCHED_EINVAL;
	flags = lock_all(s);
	if ((isl = island_auth(s, auth, cap, &ret))) {
		ret = -SCHED_EINVAL;
		for (unsigned i = 0; i < isl->nr_scs; i++) {
			struct sched_sc *x = member_sc(s, isl, i);

			if (x && x->index == sc.index && x->gen == sc.gen) {
				sched__sc_revoke_locked(s, x, SCHED_REVOKE_CALL);
				isl->scs[i].index = SCHED_ISLAND_NONE;
				drop_paths(isl, i);
				ret = 0;
			}
		}
	}
	unlock_all(s, flags);
	return ret;
}

/* --- revocation ------------------------------------------------------------------------------ */

/* Revoke isl: under sc_lock, its SCs, servers, bookings and CPUs; then, with lease_lock
 * alone, its lease and the port's routing. lease_lock held. */
static void revoke_one(struct sched_sys *s, struct sched_island *isl, enum sched_lease_cause cause)
{
	struct sched_lease_cap lease = isl->lease;
	bool leased = isl->cpu_mode == SCHED_ISLAND_LEASED;
	struct routing r;

	routing_of(isl, &r);
	sched__why_revoke(s, SCHED_OBJ_ISLAND, isl->index, sched__why_lease_cause(cause),
			  isl->group ? isl->group->id : 0, 0, isl->nr_scs);
	lock_sc(s);
	for (unsigned i = 0; i < isl->nr_scs; i++) {
		struct sched_sc *sc = member_sc(s, isl, i);

		if (sc)
			sched__sc_revoke_locked(s, sc, sched__why_lease_cause(cause));
	}
	for (unsigned k = 0; k < isl->nr_servers; k++) {
		struct sched_thread *t = isl->servers[k].t.t;

		sched__spin_lock(&t->lock);
		if (sched__ref_live(isl->servers[k].t) && t->isl_server == isl)
			__atomic_store_n(&t->isl_server, NULL, __ATOMIC_RELAXED);
		sched__spin_unlock(&t->lock);
	}
	for (unsigned k = 0; k < isl->nr_mem; k++)
		s->mem_pools[isl->mem[k].pool].booked -= isl->mem[k].pages;
	__atomic_store_n(&isl->gen, isl->gen + 1 ? isl->gen + 1 : 1, __ATOMIC_RELEASE);
	isl->nr_irqs = isl->nr_mem = isl->nr_servers = isl->nr_paths = isl->nr_scs = 0;
	__atomic_store_n(&isl->state, ISLAND_FREE, __ATOMIC_RELEASE);
	if (leased) {
		sched_cpumask_clear(&s->island_cpus);
		for (unsigned i = 0; i < s->nr_islands; i++)
			if (s->islands[i].state && s->islands[i].cpu_mode == SCHED_ISLAND_LEASED)
				mask_or(&s->island_cpus, &s->islands[i].cpus);
	}
	unlock_sc(s);
	if (leased)
		sched__lease_revoke_cap(s, lease, cause);
	route(s, &r, false);
	trace_cpus(s, &r.cpus, isl->index, SCHED_ISLAND_EV_REVOKE, cause);
}

int sched_island_revoke(struct sched_sys *s, struct sched_auth auth, struct sched_island_cap cap)
{
	struct sched_island *isl;
	unsigned long flags;
	int ret;

	if (!s || !auth.a || !s->islands)
		return -SCHED_EINVAL;
	flags = sched__lock_irq(&s->lease_lock);
	if ((isl = island_auth(s, auth, cap, &ret)))
		revoke_one(s, isl, SCHED_LEASE_REVOKED);
	sched__unlock_irq(&s->lease_lock, flags);
	return ret;
}

int sched_island_revoke_owned(struct sched_sys *s, struct sched_auth auth,
			      struct sched_group *owner)
{
	unsigned long flags;
	int n;

	if (!s || !auth.a || !owner)
		return -SCHED_EINVAL;
	if ((n = sched__auth_right(auth, SCHED_RIGHT_SC_CONTROL)))
		return n;
	if (!sched__in_scope(owner, auth.a->scope))
		return -SCHED_EPERM;
	flags = sched__lock_irq(&s->lease_lock);
	for (unsigned i = 0; i < s->nr_islands; i++) {
		struct sched_island *isl = &s->islands[i];

		if (isl->state && sched__in_scope(isl->group, owner)) {
			revoke_one(s, isl, sched__lease_cause_of(owner));
			n++;
		}
	}
	sched__unlock_irq(&s->lease_lock, flags);
	return n;
}

/* --- the realtime path: calls and reports --------------------------------------------------- */

/* t's place in island isl: member slot, or SCHED_ISLAND_FROM_SERVER | server, or -1. */
static int node_of(struct sched_sys *s, const struct sched_island *isl, const struct sched_thread *t)
{
	if (t->isl_server == isl)
		return SCHED_ISLAND_FROM_SERVER | t->isl_server_idx;
	for (unsigned i = 0; t->own_sc && i < isl->nr_scs; i++)
		if (member_sc(s, isl, i) == t->own_sc)
			return (int)i;
	return -1;
}

/* Is there a path from t to `to` in t's island? */
static bool declared(struct sched_sys *s, const struct sched_island *isl,
		     const struct sched_thread *t, const struct sched_thread *to)
{
	int from = node_of(s, isl, t);

	if (from < 0 || !to || to->isl_server != isl)
		return false;
	for (unsigned k = 0; k < isl->nr_paths; k++)
		if (isl->paths[k].from == from && isl->paths[k].to == to->isl_server_idx)
			return true;
	return false;
}

/* Count violation `what` by t against isl and tell its endpoint. sc_lock held. */
static void violation(struct sched_sys *s, struct sched_island *isl, struct sched_thread *t,
		      unsigned what)
{
	const struct sched_config *cf = &s->cfg;
	struct sched_rq *rq = sched__rq(s, sched__get(&t->cpu));

	sched__assert_locked(&s->sc_lock);
	sched__inc(&isl->violations[what], 1);
	sched__rq_lock(rq);
	sched__trace(rq, SCHED_TR_ISLAND, t->id, what, SCHED_ISLAND_EV_VIOLATION, sched_arch_now());
	if (isl->endpoint && cf->notify)
		cf->notify(cf->cb_ctx, isl->endpoint,
			   (uint64_t)SCHED_ISLAND_MSG_VIOLATION << 56 | (uint64_t)what << 48 |
			   (uint64_t)(isl->index & 0xffff) << 32 | t->id);
	sched__rq_unlock(rq);
}

/* The island t is an island thread of (it runs on a member's SC), or NULL. sc_lock. */
static struct sched_island *island_thread(const struct sched_thread *t)
{
	const struct sched_sc *sc = t->sc;

	return sc && sc->island && sc->island->state == ISLAND_ADMITTED ? sc->island : NULL;
}

int sched__island_call(struct sched_sys *s, struct sched_thread *me, struct sched_thread *to)
{
	struct sched_island *mine = island_thread(me), *theirs = to->isl_server;

	sched__assert_locked(&s->sc_lock);
	if (!mine && !theirs)
		return 0;
	if (mine && declared(s, mine, me, to))
		return 0;
	violation(s, mine ? mine : theirs, me, SCHED_ISLAND_V_CALL);
	return -SCHED_EPATH;
}

int sched_island_report(struct sched_sys *s, struct sched_ref t, unsigned what,
			struct sched_ref peer)
{
	struct sched_island *isl;
	unsigned long flags;
	int ret = 0;

	if (!s || !t.t || what >= SCHED_ISLAND_V_CALL)
		return -SCHED_EINVAL;
	flags = sched__lock_irq(&s->sc_lock);
	if (!sched__ref_live(t))
		ret = -SCHED_ESTALE;
	else if ((isl = island_thread(t.t))) {
		bool ok = what == SCHED_ISLAND_V_BLOCK && sched__ref_live(peer) &&
			  declared(s, isl, t.t, peer.t);

		if (!ok) {
			violation(s, isl, t.t, what);
			ret = what == SCHED_ISLAND_V_BLOCK ? -SCHED_EPATH : 1;
		}
	}
	sched__unlock_irq(&s->sc_lock, flags);
	return ret;
}

/* --- figures, pools, the checker ------------------------------------------------------------ */

static void add_stats(struct sched_island_stats *out, const struct sched_sc_stats *x)
{
	out->jobs += x->jobs;
	out->misses += x->deadline_misses;
	out->overruns += x->depletions;
	if (x->max_lateness_ns > out->max_lateness_ns)
		out->max_lateness_ns = x->max_lateness_ns;
	if (x->max_overrun_ns > out->max_overrun_ns)
		out->max_overrun_ns = x->max_overrun_ns;
}

int sched_island_stats(struct sched_sys *s, struct sched_island_cap cap,
		       struct sched_island_stats *out, struct sched_sc_stats *per, unsigned n)
{
	struct sched_island *isl;
	unsigned long flags;

	if (!s || !out || (n && !per))
		return -SCHED_EINVAL;
	flags = sched__lock_irq(&s->sc_lock);
	isl = island_of(s, cap);
	if (isl) {
		*out = (struct sched_island_stats){ 0 };
		for (unsigned i = 0; i < SCHED_ISLAND_SCS_MAX; i++) {
			const struct sched_sc *sc = i < isl->nr_scs ? member_sc(s, isl, i) : NULL;
			struct sched_sc_stats x = { 0 };

			if (sc) { /* written under the holder's rq lock: single-word reads */
				x.consumed_ns = sched__get(&sc->stats.consumed_ns);
				x.jobs = sched__get(&sc->stats.jobs);
				x.deadline_misses = sched__get(&sc->stats.deadline_misses);
				x.throttled_ns = sched__get(&sc->stats.throttled_ns);
				x.depletions = sched__get(&sc->stats.depletions);
				x.notifications = sched__get(&sc->stats.notifications);
				x.max_overrun_ns = sched__get(&sc->stats.max_overrun_ns);
				x.max_lateness_ns = sched__get(&sc->stats.max_lateness_ns);
				add_stats(out, &x);
				out->members++;
			}
			if (i < n)
				per[i] = x;
		}
		for (unsigned k = 0; k < SCHED_ISLAND_V_NR; k++)
			out->violations[k] = sched__get(&isl->violations[k]);
	}
	sched__unlock_irq(&s->sc_lock, flags);
	return isl ? 0 : -SCHED_ESTALE;
}

/* Pools are given under every lock an island operation takes, so none sees half of one. */
int sched_island_pool(struct sched_sys *s, struct sched_island *islands, unsigned n)
{
	unsigned long flags;
	int ret = 0;

	if (!s || !islands || !n || n > (1u << 16))
		return -SCHED_EINVAL;
	flags = lock_all(s);
	if (s->islands) {
		ret = -SCHED_EEXIST;
	} else {
		for (unsigned i = 0; i < n; i++)
			islands[i] = (struct sched_island){ .gen = 1, .index = i };
		s->nr_islands = n;
		__atomic_store_n(&s->islands, islands, __ATOMIC_RELEASE);
	}
	unlock_all(s, flags);
	return ret;
}

int sched_island_mem_pools(struct sched_sys *s, struct sched_mem_pool *pools, unsigned n)
{
	unsigned long flags;
	int ret = 0;

	if (!s || !pools || !n || n > SCHED_MEM_POOLS_MAX)
		return -SCHED_EINVAL;
	flags = lock_all(s);
	if (s->mem_pools)
		ret = -SCHED_EEXIST;
	for (unsigned i = 0; !ret && i < n; i++)
		if (pools[i].booked)
			ret = -SCHED_EINVAL;
	if (!ret) {
		s->nr_mem_pools = n;
		__atomic_store_n(&s->mem_pools, pools, __ATOMIC_RELEASE);
	}
	unlock_all(s, flags);
	return ret;
}

/*
 * The checker: bookings equal what admitted islands hold and never exceed a pool; every
 * live member SC points back at its island; the island-held CPUs are the leased islands'.
 * Takes sc_lock. O(pools x islands x their bookings + islands x members).
 */
int sched__island_check(struct sched_sys *s)
{
	sched_cpumask_t held;
	unsigned long flags;
	int ret = 0;

	if (!s->islands)
		return 0;
	flags = sched__lock_irq(&s->sc_lock);
	sched_cpumask_clear(&held);
	for (unsigned q = 0; q < s->nr_mem_pools && !ret; q++) {
		uint64_t sum = 0;

		for (unsigned i = 0; i < s->nr_islands; i++)
			for (unsigned k = 0; s->islands[i].state && k < s->islands[i].nr_mem; k++)
				if (s->islands[i].mem[k].pool == q)
					sum += s->islands[i].mem[k].pages;
		if (sum != s->mem_pools[q].booked || sum > s->mem_pools[q].pages)
			ret = sched__check_fail(s, "memory pool booked beyond its pages or its islands", q);
	}
	for (unsigned i = 0; i < s->nr_islands && !ret; i++) {
		const struct sched_island *isl = &s->islands[i];

		if (!isl->state)
			continue;
		if (isl->cpu_mode == SCHED_ISLAND_LEASED) {
			const struct sched_lease *l = isl->lease.index < s->nr_leases
						      ? &s->leases[isl->lease.index] : NULL;

			mask_or(&held, &isl->cpus);
			if (!l || l->gen != isl->lease.gen || l->state == SCHED_LEASE_FREE ||
			    !l->island || !sched_cpumask_subset(&isl->cpus, &l->cpus))
				ret = sched__check_fail(s, "leased island without its lease", i);
		}
		for (unsigned j = 0; j < isl->nr_scs && !ret; j++) {
			const struct sched_sc *sc = isl->scs[j].index < s->nr_scs
						    ? &s->scs[isl->scs[j].index] : NULL;

			if (sc && sc->gen == isl->scs[j].gen && sc->state != SCHED_SC_FREE &&
			    (sc->island != isl || !sched_cpumask_subset(&sc->cpus, &isl->cpus)))
				ret = sched__check_fail(s, "island member SC not the island's", i);
		}
	}
	if (!ret && (!sched_cpumask_subset(&held, &s->island_cpus) ||
		     !sched_cpumask_subset(&s->island_cpus, &held)))
		ret = sched__check_fail(s, "island CPU set differs from the leased islands'", 0);
	sched__unlock_irq(&s->sc_lock, flags);
	return ret;
}

/* --- explaining a verdict (no libc: a small bounded formatter) ------------------------------ */

static const char *member_name(const struct sched_island_params *p, unsigned i)
{
	return p && i < p->nr_members && p->members[i].name ? p->members[i].name : NULL;
}

static const char *server_name(const struct sched_island_params *p, unsigned i)
{
	return p && i < p->nr_servers && p->servers[i].name ? p->servers[i].name : NULL;
}

static void put_named(struct sched__out *o, const char *kind, const char *name, uint64_t i)
{
	sched__put(o, kind);
	if (name) {
		sched__put(o, name);
	} else {
		sched__put(o, "#");
		sched__put_u(o, i);
	}
}

static void put_path(struct sched__out *o, const struct sched_island_params *p, unsigned k)
{
	const struct sched_island_path *x = p && k < p->nr_paths ? &p->paths[k] : NULL;

	sched__put(o, "path ");
	if (!x) {
		put_named(o, "", NULL, k);
		return;
	}
	if (x->from & SCHED_ISLAND_FROM_SERVER)
		put_named(o, "", server_name(p, x->from & ~SCHED_ISLAND_FROM_SERVER),
			  x->from & ~SCHED_ISLAND_FROM_SERVER);
	else
		put_named(o, "", member_name(p, x->from), x->from);
	sched__put(o, " -> ");
	put_named(o, "", server_name(p, x->to), x->to);
}

static void explain_cpu(struct sched__out *o, const struct sched_island_verdict *v)
{
	const struct sched_rt_verdict *w = &v->why;

	sched__put(o, "CPU ");
	sched__put_u(o, v->index);
	if (v->test == SCHED_ISLAND_OK) {
		sched__put(o, ": out of range or offline");
	} else if (v->test == SCHED_ISLAND_IRQ_GLOBAL) {
		sched__put(o, ": an island's IRQ inside a global cluster");
	} else if (v->test == SCHED_ISLAND_CROSSED) {
		sched__put(o, ": another SC's CPU set crosses it, or a fixed-priority thread is there");
	} else if (v->test == SCHED_ISLAND_SCRATCH) {
		sched__put(o, ": more tasks than the admission scratch holds");
	} else if (w->test == SCHED_RT_EDF_QPA || w->test == SCHED_RT_EDF_IRQ) {
		sched__put(o, ": demand ");
		sched__put_time(o, w->demand);
		sched__put(o, " in a ");
		sched__put_time(o, w->at);
		sched__put(o, " window at t = ");
		sched__put_time(o, w->at);
		sched__put(o, " (supply ");
		sched__put_time(o, w->supply);
		sched__put(o, ")");
	} else if (w->test == SCHED_RT_EDF_UTIL) {
		sched__put(o, ": utilisation ");
		sched__put_u(o, (w->demand * 1000 + (1ull << 40) - 1) >> 40);
		sched__put(o, " per mille over the cap ");
		sched__put_u(o, (w->supply * 1000 + (1ull << 39)) >> 40); /* the cap, to the nearest */
		sched__put(o, " per mille");
	} else if (w->test == SCHED_RT_LIMIT) {
		sched__put(o, ": the analysis would take too many steps (refused to be safe)");
	} else {
		sched__put(o, ": the global EDF tests refuse (interference ");
		sched__put_time(o, w->demand);
		sched__put(o, " against ");
		sched__put_time(o, w->supply);
		sched__put(o, ")");
	}
}

static void explain_path(struct sched__out *o, const struct sched_island_verdict *v,
			 const struct sched_island_params *p)
{
	static const char *const why[] = {
		[SCHED_ISLAND_TWO_CALLERS] = ": server already has a caller (path #",
		[SCHED_ISLAND_NO_ROOT] = ": no member reaches its caller",
		[SCHED_ISLAND_TOO_DEEP] = ": the call chain is too deep",
		[SCHED_ISLAND_SERVER_CPUS] = ": server may not run on its caller's CPU ",
	};

	put_path(o, p, v->index);
	if (v->test < sizeof(why) / sizeof(why[0]) && why[v->test])
		sched__put(o, why[v->test]);
	else
		sched__put(o, ": malformed");
	if (v->test == SCHED_ISLAND_TWO_CALLERS) {
		sched__put_u(o, v->other);
		sched__put(o, ")");
	} else if (v->test == SCHED_ISLAND_SERVER_CPUS) {
		sched__put_u(o, v->at);
	}
}

static void explain_other(struct sched__out *o, const struct sched_island_verdict *v,
			  const struct sched_island_params *p, const struct sched_mem_pool *pools)
{
	switch (v->resource) {
	case SCHED_ISLAND_RES_POOL: /* SHORT: index is the pool; else the booking entry */
		if (v->test != SCHED_ISLAND_SHORT) {
			put_named(o, "booking ", NULL, v->index);
			sched__put(o, ": names no pool, or no pages");
			break;
		}
		put_named(o, "pool ", pools ? pools[v->index].name : NULL, v->index);
		{
			sched__put(o, ": ");
			sched__put_u(o, v->demand - v->supply);
			sched__put(o, " pages short");
		}
		break;
	case SCHED_ISLAND_RES_IRQ:
		put_named(o, "IRQ ", p && v->index < p->nr_irqs ? p->irqs[v->index].name : NULL,
			  v->index);
		sched__put(o, v->test == SCHED_ISLAND_IRQ_TAKEN ? ": its line is another island's"
		       : v->test == SCHED_ISLAND_IRQ_GLOBAL ? ": routed into a global cluster"
		       : ": malformed");
		break;
	case SCHED_ISLAND_RES_SERVER:
		put_named(o, "server ", server_name(p, v->index), v->index);
		sched__put(o, v->test == SCHED_ISLAND_SERVER_TAKEN ? ": on another island's paths"
		       : v->test == SCHED_ISLAND_NOT_PASSIVE ? ": not passive"
		       : v->err == -SCHED_EPERM ? ": not a thread of the island's group"
		       : v->err == -SCHED_ESTALE ? ": exited" : ": listed twice, or idle");
		break;
	case SCHED_ISLAND_RES_MEMBER:
		put_named(o, "member ", member_name(p, v->index), v->index);
		if (v->test == SCHED_ISLAND_CALL_BUDGET) {
			sched__put(o, ": its calls take ");
			sched__put_time(o, v->demand);
			sched__put(o, " of a ");
			sched__put_time(o, v->supply);
			sched__put(o, " budget");
		} else {
			sched__put(o, ": ");
			sched__put(o, sched_strerror(v->err));
		}
		break;
	case SCHED_ISLAND_RES_LEASE:
		sched__put(o, "lease of CPU ");
		sched__put_u(o, v->index);
		sched__put(o, ": ");
		sched__put(o, sched_strerror(v->err));
		break;
	default:
		sched__put(o, sched_strerror(v->err));
	}
}

unsigned sched_island_explain(const struct sched_island_verdict *v,
			      const struct sched_island_params *p,
			      const struct sched_mem_pool *pools, char *buf, unsigned len)
{
	struct sched__out o = { buf, buf ? len : 0, 0 };

	if (!v)
		return 0;
	if (v->accepted)
		sched__put(&o, "admitted");
	else if (v->resource == SCHED_ISLAND_RES_CPU)
		explain_cpu(&o, v);
	else if (v->resource == SCHED_ISLAND_RES_PATH)
		explain_path(&o, v, p);
	else
		explain_other(&o, v, p, pools);
	if (buf && len)
		buf[o.at < len ? o.at : len - 1] = 0;
	else
		o.len = 0;
	return o.at;
}
