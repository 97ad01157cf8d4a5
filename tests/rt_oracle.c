/* SPDX-License-Identifier: MIT */
/*
 * rt_oracle.c - event-driven simulation of periodic tasks on one CPU under preemptive EDF and
 * preemptive fixed priority, and on m CPUs under preemptive global EDF and global fixed
 * priority (see rt_oracle.h).
 *
 * The simulations keep the current time `now` and repeat: release the jobs due at `now`,
 * pick the job to run (m jobs for the global schedulers), find the next event (the earliest release,
 * a running job's completion, for EDF the earliest pending deadline), run the picked jobs
 * until then. Between two events nothing changes but the running jobs' remaining work, so
 * the schedule is exact.
 */
#include <stddef.h>

#include "rt_oracle.h"

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int check(const struct rt_task *ts, unsigned n, struct rt_result *r)
{
	if (!ts || !r || n == 0 || n > RT_MAX_TASKS)
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (ts[i].t == 0 || ts[i].c == 0 || ts[i].c > ts[i].d || ts[i].d > ts[i].t)
			return -1;
	*r = (struct rt_result){ 0 };
	return 0;
}

/*
 * EDF. With d <= t a task has at most one pending job: a job still pending at its next
 * release was pending at its deadline (<= that release), which ends the simulation.
 */
/* A job with work left at its deadline misses it (deadlines are events): the lowest
 * index such job fills r's miss fields; true if there is one. */
static bool missed(const uint64_t *rem, const uint64_t *dl, unsigned n, uint64_t now,
		   struct rt_result *r)
{
	for (unsigned i = 0; i < n; i++)
		if (rem[i] && dl[i] <= now) {
			r->miss = true;
			r->task = i;
			r->at = dl[i];
			r->end = now;
			return true;
		}
	return false;
}

int rt_sim_edf(const struct rt_task *ts, unsigned n, uint64_t horizon, struct rt_result *r)
{
	uint64_t next_rel[RT_MAX_TASKS], rem[RT_MAX_TASKS], dl[RT_MAX_TASKS];
	uint64_t now = 0;

	if (check(ts, n, r))
		return -1;
	for (unsigned i = 0; i < n; i++)
		next_rel[i] = rem[i] = dl[i] = 0;

	for (;;) {
		uint64_t next = UINT64_MAX;
		int run = -1;

		for (unsigned i = 0; i < n; i++) {
			if (next_rel[i] == now) {
				/* rem[i] == 0 here: see above (the deadline check below caught it). */
				rem[i] = ts[i].c;
				dl[i] = add_sat(now, ts[i].d);
				next_rel[i] = add_sat(now, ts[i].t);
			}
			if (next_rel[i] < next)
				next = next_rel[i];
		}
		/* Earliest deadline first; on equal deadlines the lowest index (strict <). */
		for (unsigned i = 0; i < n; i++) {
			if (!rem[i])
				continue;
			if (run < 0 || dl[i] < dl[run])
				run = (int)i;
			if (dl[i] < next)
				next = dl[i];
		}
		if (run >= 0 && add_sat(now, rem[run]) < next)
			next = add_sat(now, rem[run]);
		if (next > horizon) {
			r->capped = true;
			r->end = horizon;
			return 0;
		}
		if (run >= 0)
			rem[run] -= next - now;
		now = next;

		if (missed(rem, dl, n, now, r))
			return 0;
		/* Every job released before `now` is done: the synchronous busy period ends. */
		bool pending = false;

		for (unsigned i = 0; i < n; i++)
			pending |= rem[i] != 0;
		if (!pending) {
			r->end = now;
			return 0;
		}
	}
}

/*
 * Fixed priority. Within a task jobs run in release order, so a task needs only its
 * backlog (work released and not yet run) and what is left of its first job: the first
 * job is at the head of the queue and gets the task's CPU time until it completes.
 */
int rt_sim_fp(const struct rt_task *ts, unsigned n, uint64_t horizon, struct rt_result *r)
{
	uint64_t next_rel[RT_MAX_TASKS], backlog[RT_MAX_TASKS], first[RT_MAX_TASKS];
	uint64_t now = 0;
	unsigned left = n; /* first jobs not completed */

	if (check(ts, n, r))
		return -1;
	for (unsigned i = 0; i < n; i++) {
		next_rel[i] = backlog[i] = 0;
		first[i] = ts[i].c;
		r->resp[i] = UINT64_MAX;
	}

	while (left) {
		uint64_t next = UINT64_MAX;
		int run = -1;

		for (unsigned i = 0; i < n; i++) {
			if (next_rel[i] == now) {
				backlog[i] = add_sat(backlog[i], ts[i].c);
				next_rel[i] = add_sat(now, ts[i].t);
			}
			if (next_rel[i] < next)
				next = next_rel[i];
		}
		/* The largest prio; on equal prios the lowest index (strict >). */
		for (unsigned i = 0; i < n; i++)
			if (backlog[i] && (run < 0 || ts[i].prio > ts[run].prio))
				run = (int)i;
		if (run >= 0) {
			uint64_t done = add_sat(now, first[run] ? first[run] : backlog[run]);

			if (done < next)
				next = done;
		}
		if (next > horizon) {
			r->capped = true;
			break;
		}
		if (run >= 0) {
			uint64_t ran = next - now;

			backlog[run] -= ran;
			if (first[run]) {
				first[run] -= ran;
				if (!first[run]) {
					r->resp[run] = next;
					left--;
				}
			}
		}
		now = next;
	}

	r->end = r->capped ? horizon : 0;
	for (unsigned i = 0; i < n; i++) {
		bool late = r->resp[i] == UINT64_MAX ? ts[i].d <= horizon : r->resp[i] > ts[i].d;

		if (!r->capped && r->resp[i] > r->end)
			r->end = r->resp[i];
		if (late && (!r->miss || ts[i].d < r->at)) {
			r->miss = true;
			r->task = i;
			r->at = ts[i].d;
		}
	}
	return 0;
}

/*
 * Global EDF (fp = false) and global fixed priority (fp = true). As in rt_sim_edf a task has
 * at most one pending job (d <= t; under fixed priority too, a job pending at its task's next
 * release has missed its deadline, and the simulation has stopped there), so the jobs of a
 * task run in order and a job, picked at most once per event, runs on at most one CPU. Each
 * event picks the m pending jobs that come first, by (deadline, index) for EDF or by
 * (larger prio, index) for fixed priority, by at most m passes of selection, O(n m); the
 * next event is the earliest release, pending deadline or completion of a running job.
 */
static bool first_of(const struct rt_task *ts, const uint64_t *dl, bool fp, unsigned i,
	unsigned j)
{
	/* Strict: i before j only on a strictly better key, so equal keys go to the lower index
	 * when i is scanned in increasing order. */
	return fp ? ts[i].prio > ts[j].prio : dl[i] < dl[j];
}

static int sim_global(const struct rt_task *ts, unsigned n, unsigned m, uint64_t horizon,
	struct rt_result *r, bool fp)
{
	uint64_t next_rel[RT_MAX_TASKS], rem[RT_MAX_TASKS], dl[RT_MAX_TASKS];
	unsigned run[RT_MAX_CPUS];
	uint64_t now = 0;

	if (m == 0 || m > RT_MAX_CPUS || check(ts, n, r))
		return -1;
	for (unsigned i = 0; i < n; i++)
		next_rel[i] = rem[i] = dl[i] = 0;

	for (;;) {
		uint64_t next = UINT64_MAX, picked = 0; /* picked: bit i = task i runs */
		unsigned nrun = 0, pending = 0;

		for (unsigned i = 0; i < n; i++) {
			if (next_rel[i] == now) {
				/* rem[i] == 0 here, as in rt_sim_edf. */
				rem[i] = ts[i].c;
				dl[i] = add_sat(now, ts[i].d);
				next_rel[i] = add_sat(now, ts[i].t);
			}
			if (next_rel[i] < next)
				next = next_rel[i];
			if (rem[i]) {
				pending++;
				if (dl[i] < next)
					next = dl[i];
			}
		}
		/*
		 * The m first by the key: each pass takes the first pending job not yet picked
		 * (strictly better key, so on equal keys the lowest index). With at most m
		 * pending, all run.
		 */
		while (nrun < m && nrun < pending) {
			int best = -1;

			for (unsigned i = 0; i < n; i++)
				if (rem[i] && !(picked >> i & 1) &&
					(best < 0 || first_of(ts, dl, fp, i, (unsigned)best)))
					best = (int)i;
			picked |= 1ull << best;
			run[nrun++] = (unsigned)best;
		}
		for (unsigned k = 0; k < nrun; k++)
			if (add_sat(now, rem[run[k]]) < next)
				next = add_sat(now, rem[run[k]]);
		if (next > horizon) {
			r->capped = true;
			r->end = horizon;
			return 0;
		}
		for (unsigned k = 0; k < nrun; k++)
			rem[run[k]] -= next - now;
		now = next;

		if (missed(rem, dl, n, now, r))
			return 0;
		/*
		 * Nothing pending and every task releasing now: the state of time 0 (this is the
		 * hyperperiod, see rt_oracle.h), from which the schedule repeats.
		 */
		bool repeat = true;

		for (unsigned i = 0; i < n && repeat; i++)
			repeat = !rem[i] && next_rel[i] == now;
		if (repeat) {
			r->end = now;
			return 0;
		}
	}
}

int rt_sim_gedf(const struct rt_task *ts, unsigned n, unsigned m, uint64_t horizon,
	struct rt_result *r)
{
	return sim_global(ts, n, m, horizon, r, false);
}

int rt_sim_gfp(const struct rt_task *ts, unsigned n, unsigned m, uint64_t horizon,
	struct rt_result *r)
{
	return sim_global(ts, n, m, horizon, r, true);
}
