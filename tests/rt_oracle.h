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

#endif
