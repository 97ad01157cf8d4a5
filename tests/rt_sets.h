/* SPDX-License-Identifier: MIT */
/*
 * rt_sets.h - random realtime task sets for the admission tests and curves (host code):
 * a seeded xorshift generator, UUniFast-discard utilisations (Bini and Buttazzo), and sets
 * with constrained deadlines drawn between budget and period and deadline-monotonic
 * distinct priorities, given both as libsched's tasks and as the simulation's.
 */
#ifndef RT_SETS_H
#define RT_SETS_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include <sched/admit.h>

#include "rt_oracle.h"

struct rt_rng {
	uint64_t s; /* non-zero */
};

static inline uint64_t rt_next(struct rt_rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

static inline double rt_uniform(struct rt_rng *r) /* [0, 1) */
{
	return (double)(rt_next(r) >> 11) / 9007199254740992.0;
}

/* n utilisations summing to `total`, none above 1 (total <= n, or this never returns). */
static inline void rt_uunifast(struct rt_rng *r, double *u, unsigned n, double total)
{
	for (;;) {
		double sum = total;
		bool ok = true;

		for (unsigned i = 0; i + 1 < n; i++) {
			double next_sum = sum * pow(rt_uniform(r), 1.0 / (double)(n - i - 1));

			u[i] = sum - next_sum;
			sum = next_sum;
		}
		u[n - 1] = sum;
		for (unsigned i = 0; i < n; i++)
			ok = ok && u[i] <= 1.0;
		if (ok)
			return;
	}
}

/*
 * n tasks (<= RT_MAX_TASKS) of total utilisation `total`; periods (whole ms) from
 * periods_ms[], or with NULL log-uniform in 1..1000 ms. false if a budget rounded to 0
 * (draw again).
 */
static inline bool rt_make_set(struct rt_rng *r, struct sched_rt_task *ts, struct rt_task *os,
			       unsigned n, double total, const uint64_t *periods_ms,
			       unsigned nperiods)
{
	double u[RT_MAX_TASKS];

	rt_uunifast(r, u, n, total);
	for (unsigned i = 0; i < n; i++) {
		uint64_t p = periods_ms ? periods_ms[rt_next(r) % nperiods] * 1000000ull
					: (uint64_t)exp(log(1000.0) * rt_uniform(r)) * 1000000ull;
		uint64_t c = (uint64_t)(u[i] * (double)p);

		if (!c)
			return false;
		ts[i] = (struct sched_rt_task){ .budget = c, .period = p,
						.deadline = c + (uint64_t)((double)(p - c) * rt_uniform(r)) };
	}
	for (unsigned i = 0; i < n; i++) { /* deadline monotonic: the shortest gets n */
		unsigned above = 0;

		for (unsigned j = 0; j < n; j++)
			above += ts[j].deadline < ts[i].deadline ||
				 (ts[j].deadline == ts[i].deadline && j < i);
		ts[i].prio = (uint8_t)(n - above);
		os[i] = (struct rt_task){ ts[i].budget, ts[i].period, ts[i].deadline, ts[i].prio };
	}
	return true;
}

/*
 * Critical sections for the n tasks of ts (made by rt_make_set): each task gets 0..max_cs
 * sections (max_cs <= RT_MAX_CS) on resources 0..nres-1: its job is cut into as many equal
 * slots and each section is a random stretch of its slot, 1 ns to the whole slot (so they
 * are apart, inside the job, and up to the budget long). ls[] gets the tasks with their
 * sections and offset 0; table[] (room for n x max_cs) each task's longest section per
 * resource, for sched_rt_blocking. Returns the table's length.
 */
static inline unsigned rt_make_cs(struct rt_rng *r, const struct sched_rt_task *ts,
				  struct rt_lock_task *ls, unsigned n, unsigned nres,
				  unsigned max_cs, struct sched_rt_cs *table)
{
	unsigned ncs = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned k = (unsigned)(rt_next(r) % (max_cs + 1));
		uint64_t c = ts[i].budget, slot = k ? c / k : 0;

		ls[i] = (struct rt_lock_task){ .task = { c, ts[i].period, ts[i].deadline, ts[i].prio } };
		for (unsigned j = 0; j < k && slot; j++) {
			uint64_t len = 1 + rt_next(r) % slot;
			struct rt_cs *cs = &ls[i].cs[ls[i].ncs++];
			unsigned e = 0;

			*cs = (struct rt_cs){ j * slot + rt_next(r) % (slot - len + 1), len,
					      (unsigned)(rt_next(r) % nres) };
			while (e < ncs && (table[e].task != i || table[e].resource != cs->res))
				e++;
			if (e == ncs)
				table[ncs++] = (struct sched_rt_cs){ (uint16_t)i, (uint16_t)cs->res, 0 };
			if (len > table[e].length)
				table[e].length = len;
		}
	}
	return ncs;
}

#endif
