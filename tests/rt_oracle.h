/* SPDX-License-Identifier: MIT */
/*
 * rt_oracle.h - an exact discrete-event simulation of one CPU running periodic tasks released
 * together at time 0, under preemptive EDF and under preemptive fixed priority: the reference
 * that the admission analysis (exact EDF test, response-time analysis) is checked against
 * (host code only). Also global EDF and global fixed priority on m identical CPUs;
 * partitioned EDF is rt_sim_edf on each CPU's tasks.
 *
 * All times are integer nanoseconds. The simulation jumps from event to event (a release,
 * the running job's completion, a deadline), so its cost is O(n) per event, not per ns
 * (O(n m) for global EDF or global fixed priority on m CPUs).
 */
#ifndef RT_ORACLE_H
#define RT_ORACLE_H

#include <stdbool.h>
#include <stdint.h>

#define RT_MAX_TASKS 64

struct rt_task {
	uint64_t c, t, d;   /* worst-case execution time, period, relative deadline; 0 < c <= d <= t */
	unsigned prio;      /* fixed priority: larger runs first; ties broken by lower index first */
};

struct rt_result {
	bool miss;          /* some job missed its absolute deadline within the simulated interval */
	unsigned task;      /* the first missing task (by time of the miss; ties: lower index), if miss */
	uint64_t at;        /* the absolute deadline it missed */
	/*
	 * Fixed priority: the completion time of each task's first job (its worst response time,
	 * see rt_sim_fp), UINT64_MAX for a first job still incomplete at the horizon. EDF leaves
	 * it 0, and so do the global schedulers.
	 */
	uint64_t resp[RT_MAX_TASKS];
	bool capped;        /* the simulation stopped at the horizon before deciding */
	/*
	 * The simulated interval was [0, end]. EDF: the length of the synchronous busy period
	 * when no job missed, the miss time `at` on a miss, `horizon` when capped. Fixed
	 * priority: the latest first-job completion (max resp), `horizon` when capped. Global
	 * EDF and global fixed priority: the hyperperiod when no job missed, `at` on a miss,
	 * `horizon` when capped.
	 */
	uint64_t end;
};

/*
 * Preemptive EDF, synchronous release at 0, every task releasing a job each period.
 * Simulates the synchronous busy period (until the first instant t > 0 at which every job
 * released before t has completed: the smallest L > 0 with sum_i ceil(L / t_i) c_i = L),
 * which decides EDF schedulability for constrained deadlines (Baruah, Mok, Rosier 1990;
 * Spuri), or up to `horizon` ns (then capped = true, miss = false). Ties between equal
 * absolute deadlines: lower index first. Stops at the first deadline miss: a job with work
 * left at its absolute deadline (a job completing exactly at its deadline meets it).
 * With utilisation 1 the busy period is the hyperperiod; above 1 it never ends (a miss
 * comes first, or the horizon).
 */
int rt_sim_edf(const struct rt_task *ts, unsigned n, uint64_t horizon, struct rt_result *r);

/*
 * Preemptive fixed priority, synchronous release (the critical instant): simulates until
 * every task's first job has completed, or `horizon` (then capped = true). For constrained
 * deadlines the first job has the worst response time, and a task meets all its deadlines
 * iff its first job does. resp[i] = completion time of task i's first job.
 *
 * Jobs are never dropped: a late job runs to completion and the task's later jobs queue
 * behind it (FIFO within a task), so every resp[i], of a missing task or of one below it,
 * is the fixed point of R = c_i + sum_{j before i} ceil(R / t_j) c_j of response-time
 * analysis, where "j before i" is a larger prio, or an equal prio and a lower index.
 * miss/task/at: the first job with resp[i] > d_i, by deadline d_i (ties: lower index); when
 * capped, a first job still incomplete at a deadline d_i <= horizon is a miss too.
 */
int rt_sim_fp(const struct rt_task *ts, unsigned n, uint64_t horizon, struct rt_result *r);

#define RT_MAX_CPUS 64

/*
 * Preemptive global EDF on m identical CPUs (1 <= m <= RT_MAX_CPUS): at every instant the m
 * pending jobs with the earliest absolute deadlines run (ties: lower task index), a job runs
 * on at most one CPU at a time, migration is free. Synchronous release at 0, each task
 * releasing a job every period; the jobs of a task run one after the other (with d <= t a
 * job still pending at its task's next release has already missed its deadline, and the
 * simulation has stopped there).
 *
 * Simulates [0, horizon] and stops at the first deadline miss (a job with work left at its
 * absolute deadline; a job completing exactly at its deadline meets it; ties: lower index).
 * There is no busy-period shortcut for m > 1: a miss can come after an instant at which
 * every job released so far is done (the releases are then out of phase, and the
 * synchronous release is not the worst case of global EDF; test_rt_oracle.c has a set with
 * nothing pending at 4 and a miss at 16 on 2 CPUs). The caller picks the horizon, e.g. the
 * hyperperiod or a multiple of the longest period; past it capped = true, miss = false,
 * end = horizon. One exact stop remains: with d <= t every job released before the
 * hyperperiod H has its deadline by H, so without a miss nothing is pending at H, where
 * every task releases as at 0: the state is that of time 0 and the (deterministic)
 * schedule repeats. The simulation stops there (capped = false, miss = false, end = H),
 * which decides schedulability when H <= horizon.
 *
 * With m = 1 the schedule is rt_sim_edf's, and miss/task/at agree with it for any horizon.
 * Returns -1 on bad input (see rt_sim_edf, and m outside 1..RT_MAX_CPUS).
 */
int rt_sim_gedf(const struct rt_task *ts, unsigned n, unsigned m, uint64_t horizon,
	struct rt_result *r);

/*
 * Preemptive global fixed priority on m CPUs: at every instant the m pending jobs of the
 * highest priorities run (larger prio first; ties: lower task index), a job on at most one
 * CPU, free migration, synchronous release, stops at the first miss; same horizon and
 * hyperperiod rules and the same result fields as rt_sim_gedf (resp stays 0). As for global
 * EDF, the synchronous release is not the worst case for m > 1, hence no first-job shortcut.
 *
 * With m = 1 the schedule is rt_sim_fp's up to the first miss. Over the hyperperiod
 * miss/task/at agree with rt_sim_fp: the first miss in time is a first job's (a later job
 * of task i missing implies, with d <= t, that the first job of i missed, at d_i, no later),
 * and both take the earliest such deadline, ties to the lower index.
 * Returns -1 on bad input, as rt_sim_gedf.
 */
int rt_sim_gfp(const struct rt_task *ts, unsigned n, unsigned m, uint64_t horizon,
	struct rt_result *r);

/*
 * --- Critical sections under inheritance, one CPU ---------------------------------------
 *
 * The runtime protocol of the library's mutexes on one CPU: a job that asks for a resource
 * another job holds waits, and the owner runs with the most urgent waiter's rank (priority
 * inheritance under fixed priority, deadline inheritance under EDF); at unlock the resource
 * goes straight to its most urgent waiter (larger prio, or earlier deadline; ties: lower
 * task index), which owns it from then on (`handoff`, as sched/mutex.h does). Without
 * handoff (classic PIP) the unlock frees the resource and wakes that waiter, which asks
 * again when it next runs. Sections are not nested, so an owner never waits and
 * inheritance is one level deep.
 */
#define RT_MAX_CS 4   /* critical sections one job has */
#define RT_MAX_RES 16 /* resources, numbered 0..RT_MAX_RES-1 */

struct rt_cs {
	uint64_t at;  /* the job's own work done before it locks */
	uint64_t len; /* its own work inside, > 0 */
	unsigned res;
};

struct rt_lock_task {
	struct rt_task task;        /* c, t, d, prio as above */
	uint64_t offset;            /* first release; then every t */
	unsigned ncs;
	struct rt_cs cs[RT_MAX_CS]; /* in order, apart: cs[k].at + cs[k].len <= cs[k + 1].at,
				     * the last ends by c */
};

/*
 * Preemptive EDF (edf) or fixed priority (!edf) with inheritance (unlock by `handoff` or by
 * waking), each task releasing at
 * offset, offset + t, ...: the ready job of the most urgent effective rank runs (its own,
 * or the most urgent of the jobs waiting for the resource it holds; ties: lower index). A
 * job asks for a resource when it is picked to run and has reached the section's start.
 * Stops at the first miss (a job with work left at its absolute deadline: miss, task, at;
 * end = the instant). Without a miss it stops when the state (every job's progress, lock
 * and wait, every resource's owner, releases and deadlines relative to now) at an instant
 * max offset + k H (H: the hyperperiod) equals the one at max offset + (k - 1) H: from
 * there the schedule repeats with period H, so no miss can come (end = that instant; with
 * offsets all 0 that is H when nothing is pending then). Past `horizon` it stops undecided
 * (capped = true, end = horizon). resp stays 0. O(n^2) per event. -1 on bad input
 * (rt_sim_edf's rules, a section out of order or outside the job, a resource out of range).
 */
int rt_sim_locks(const struct rt_lock_task *ts, unsigned n, bool edf, bool handoff,
	uint64_t horizon, struct rt_result *r);

#endif
