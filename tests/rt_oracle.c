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

/*
 * --- Critical sections under inheritance, one CPU (rt_sim_locks) ------------------------
 *
 * Per task: the current job's remaining work, deadline, next section (k: the first not
 * finished), whether it holds that section's resource or waits for it; per resource its
 * owner. With d <= t a task has at most one job, as in rt_sim_edf. Sections are not nested,
 * so an owner is never waiting: the most urgent ready job is the one to run.
 */
struct lock_state {
	uint64_t next_rel[RT_MAX_TASKS], rem[RT_MAX_TASKS], dl[RT_MAX_TASKS];
	unsigned k[RT_MAX_TASKS];
	bool holds[RT_MAX_TASKS], waits[RT_MAX_TASKS];
	int owner[RT_MAX_RES]; /* -1: free */
};

static int check_locks(const struct rt_lock_task *ts, unsigned n, struct rt_result *r)
{
	if (!ts || !r || n == 0 || n > RT_MAX_TASKS)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		const struct rt_task *x = &ts[i].task;
		uint64_t from = 0;

		if (x->t == 0 || x->c == 0 || x->c > x->d || x->d > x->t || ts[i].ncs > RT_MAX_CS)
			return -1;
		for (unsigned k = 0; k < ts[i].ncs; k++) {
			const struct rt_cs *cs = &ts[i].cs[k];

			if (cs->len == 0 || cs->res >= RT_MAX_RES || cs->at < from ||
			    cs->len > x->c || cs->at > x->c - cs->len)
				return -1;
			from = cs->at + cs->len;
		}
	}
	*r = (struct rt_result){ 0 };
	return 0;
}

/* Smaller is more urgent: the absolute deadline (EDF), or the priority turned around. */
static uint64_t own_key(const struct rt_lock_task *ts, const struct lock_state *s, bool edf,
	unsigned i)
{
	return edf ? s->dl[i] : UINT64_MAX - ts[i].task.prio;
}

/* Is job j waiting for resource `res`? */
static bool waits_for(const struct rt_lock_task *ts, const struct lock_state *s, unsigned j,
	unsigned res)
{
	return s->waits[j] && ts[j].cs[s->k[j]].res == res;
}

/* Inheritance: the most urgent of i's own key and its waiters' keys. O(n). */
static uint64_t eff_key(const struct rt_lock_task *ts, const struct lock_state *s, bool edf,
	unsigned n, unsigned i)
{
	uint64_t key = own_key(ts, s, edf, i);

	if (!s->holds[i])
		return key;
	for (unsigned j = 0; j < n; j++)
		if (waits_for(ts, s, j, ts[i].cs[s->k[i]].res) && own_key(ts, s, edf, j) < key)
			key = own_key(ts, s, edf, j);
	return key;
}

/* The ready job (pending, not waiting) of the most urgent effective key; lowest index on
 * ties; -1 if none. O(n^2). */
static int most_urgent(const struct rt_lock_task *ts, const struct lock_state *s, bool edf,
	unsigned n)
{
	int best = -1;
	uint64_t best_key = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t key;

		if (!s->rem[i] || s->waits[i])
			continue;
		key = eff_key(ts, s, edf, n, i);
		if (best < 0 || key < best_key) {
			best = (int)i;
			best_key = key;
		}
	}
	return best;
}

/* Has job i reached the start of its next section without holding it? */
static bool at_lock(const struct rt_lock_task *ts, const struct lock_state *s, unsigned i)
{
	return !s->holds[i] && s->k[i] < ts[i].ncs &&
	       ts[i].task.c - s->rem[i] == ts[i].cs[s->k[i]].at;
}

/*
 * The job to run now: the most urgent ready one, after it takes the resource it asks for;
 * if that resource is held it waits (its owner inherits) and the choice is made again.
 * At most n jobs start waiting, so at most n + 1 rounds. -1: none ready.
 */
static int pick(const struct rt_lock_task *ts, struct lock_state *s, bool edf, unsigned n)
{
	for (unsigned round = 0; round <= n; round++) {
		int run = most_urgent(ts, s, edf, n);
		unsigned res;

		if (run < 0 || !at_lock(ts, s, (unsigned)run))
			return run;
		res = ts[run].cs[s->k[run]].res;
		if (s->owner[res] < 0) {
			s->owner[res] = run;
			s->holds[run] = true;
			return run;
		}
		s->waits[run] = true;
	}
	return -1;
}

/* Job i's own work done when it reaches its next boundary: the end of the section it
 * holds, the start of its next one, or its end. */
static uint64_t boundary(const struct rt_lock_task *ts, const struct lock_state *s, unsigned i)
{
	const struct rt_cs *cs = &ts[i].cs[s->k[i]];

	if (s->holds[i])
		return cs->at + cs->len;
	return s->k[i] < ts[i].ncs ? cs->at : ts[i].task.c;
}

/* Job i leaves its section: the resource goes to its most urgent waiter (lowest index on
 * ties), or becomes free; without handoff it becomes free and that waiter is woken, to ask
 * again when it runs. O(n). */
static void unlock(const struct rt_lock_task *ts, struct lock_state *s, bool edf, bool handoff,
	unsigned n, unsigned i)
{
	unsigned res = ts[i].cs[s->k[i]].res;
	int next = -1;

	s->holds[i] = false;
	s->k[i]++;
	for (unsigned j = 0; j < n; j++)
		if (waits_for(ts, s, j, res) &&
			(next < 0 || own_key(ts, s, edf, j) < own_key(ts, s, edf, (unsigned)next)))
			next = (int)j;
	s->owner[res] = handoff ? next : -1;
	if (next >= 0) {
		s->waits[next] = false;
		s->holds[next] = handoff;
	}
}

/* The same state at instants a and b, times taken relative to each? A task without a
 * job is compared by its next release only. O(n + RT_MAX_RES). */
static bool same_state(const struct lock_state *x, uint64_t a, const struct lock_state *y,
	uint64_t b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (x->rem[i] != y->rem[i] || x->next_rel[i] - a != y->next_rel[i] - b)
			return false;
		if (x->rem[i] && (x->k[i] != y->k[i] || x->holds[i] != y->holds[i] ||
			x->waits[i] != y->waits[i] || x->dl[i] - a != y->dl[i] - b))
			return false;
	}
	for (unsigned q = 0; q < RT_MAX_RES; q++)
		if (x->owner[q] != y->owner[q])
			return false;
	return true;
}

/* The least common multiple of the periods; UINT64_MAX past 2^62. */
static uint64_t hyperperiod(const struct rt_lock_task *ts, unsigned n)
{
	uint64_t h = 1;

	for (unsigned i = 0; i < n; i++) {
		uint64_t a = h, b = ts[i].task.t;

		while (b) { /* Euclid */
			uint64_t t = a % b;

			a = b;
			b = t;
		}
		if (h / a > (1ull << 62) / ts[i].task.t)
			return UINT64_MAX;
		h = h / a * ts[i].task.t;
	}
	return h;
}

int rt_sim_locks(const struct rt_lock_task *ts, unsigned n, bool edf, bool handoff,
	uint64_t horizon, struct rt_result *r)
{
	struct lock_state s, snap;
	uint64_t now = 0, snap_at = 0, tau = 0, H;
	bool have_snap = false;

	if (check_locks(ts, n, r))
		return -1;
	s = (struct lock_state){ 0 };
	for (unsigned q = 0; q < RT_MAX_RES; q++)
		s.owner[q] = -1;
	for (unsigned i = 0; i < n; i++) {
		s.next_rel[i] = ts[i].offset;
		tau = ts[i].offset > tau ? ts[i].offset : tau;
	}
	H = hyperperiod(ts, n);

	for (;;) {
		uint64_t next = tau;
		int run;

		if (now == tau) { /* compare with one hyperperiod before, then keep this one */
			if (have_snap && same_state(&snap, snap_at, &s, now, n)) {
				r->end = now;
				return 0;
			}
			snap = s;
			snap_at = now;
			have_snap = true;
			tau = H == UINT64_MAX ? UINT64_MAX : add_sat(tau, H);
			next = tau;
		}
		for (unsigned i = 0; i < n; i++) {
			if (s.next_rel[i] == now) { /* rem[i] == 0: a late job stopped us before */
				s.rem[i] = ts[i].task.c;
				s.dl[i] = add_sat(now, ts[i].task.d);
				s.next_rel[i] = add_sat(now, ts[i].task.t);
				s.k[i] = 0;
				s.holds[i] = s.waits[i] = false;
			}
			if (s.next_rel[i] < next)
				next = s.next_rel[i];
			if (s.rem[i] && s.dl[i] < next)
				next = s.dl[i];
		}
		run = pick(ts, &s, edf, n);
		if (run >= 0) {
			uint64_t left = boundary(ts, &s, (unsigned)run) - (ts[run].task.c - s.rem[run]);

			if (add_sat(now, left) < next)
				next = add_sat(now, left);
		}
		if (next > horizon) {
			r->capped = true;
			r->end = horizon;
			return 0;
		}
		if (run >= 0) {
			s.rem[run] -= next - now;
			if (s.holds[run] && ts[run].task.c - s.rem[run] == boundary(ts, &s, (unsigned)run))
				unlock(ts, &s, edf, handoff, n, (unsigned)run);
		}
		now = next;
		if (missed(s.rem, s.dl, n, now, r))
			return 0;
	}
}
