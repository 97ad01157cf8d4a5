/* SPDX-License-Identifier: MIT */
/*
 * sched/admit.h - admission analysis: will a set of periodic or sporadic realtime tasks
 * meet every deadline on one CPU? Pure integer arithmetic over the caller's arrays (no
 * state, no lock), so a kernel can ask before it configures anything, and a tool can ask
 * on a host. docs/admission.md has the tests, their exactness and their bounds.
 *
 * A task releases jobs at least `period` ns apart; each needs at most `budget` ns of CPU
 * and must finish within `deadline` ns of its release (budget <= deadline <= period:
 * constrained deadlines). The CPU gives realtime work `cap_ppm` millionths of its time
 * (1 000 000: all of it; Linux keeps 5% for everything else with 950 000): the tests ask
 * whether the tasks fit in that supply.
 *
 * Every rounding is in the system's favour: a set these functions accept meets its
 * deadlines; a set they refuse at the analysis bound (SCHED_RT_LIMIT) or in the few
 * nanoseconds of rounding may have been schedulable (docs/admission.md says when).
 */
#ifndef SCHED_ADMIT_H
#define SCHED_ADMIT_H

#include <sched/types.h>

#define SCHED_RT_TASKS_MAX 4096           /* tasks one call analyses */
#define SCHED_RT_TIME_MAX (1ull << 50)    /* largest period: 13 days in ns */
#define SCHED_RT_ITER_MAX 100000u         /* fixed-point and QPA steps one analysis takes */
#define SCHED_RT_NO_TASK 0xffffffffu

struct sched_rt_task {
	uint64_t budget;   /* C: CPU ns a job may use, > 0 */
	uint64_t period;   /* T: least ns between two releases, <= SCHED_RT_TIME_MAX */
	uint64_t deadline; /* D: ns from release to deadline, budget <= D <= period */
	uint8_t prio;      /* fixed priority 1..99, larger runs first (fixed-priority test) */
};

/* Which test decided. */
enum sched_rt_test {
	SCHED_RT_EDF_UTIL = 1, /* EDF: utilisation against the cap (decides implicit deadlines,
				* and refuses any set above the cap) */
	SCHED_RT_EDF_QPA,      /* EDF, constrained deadlines: processor demand, QPA */
	SCHED_RT_FP_RTA,       /* fixed priority: response-time analysis */
	SCHED_RT_LIMIT,        /* the analysis would need more than SCHED_RT_ITER_MAX steps, or
				* times past 2^62 ns: refused, in the system's favour */
	SCHED_RT_GEDF_GFB,     /* global EDF: density bound (Goossens, Funk, Baruah) */
	SCHED_RT_GEDF_BCL,     /* global EDF: per-task interference (Bertogna, Cirinei, Lipari) */
	SCHED_RT_GEDF_BAK,     /* global EDF: Baker's test */
	SCHED_RT_GFP_BCL,      /* global fixed priority: per-task interference (Bertogna,
				* Cirinei, Lipari) */
};

/*
 * Why a set was accepted or refused, in the terms of the test that decided:
 *  - EDF_UTIL: demand = the utilisation, supply = the cap, both in 2^-40 units;
 *  - EDF_QPA: at an instant `at` (ns after a synchronous release), the work whose
 *    deadlines fall in [0, at] (`demand`) against what the cap supplies by then (`supply`);
 *  - FP_RTA: task `task`'s response time (`demand`) against its deadline (`supply`), the
 *    worst task's when accepted.
 */
struct sched_rt_verdict {
	uint8_t test;      /* enum sched_rt_test */
	uint32_t task;     /* index into the caller's array, or SCHED_RT_NO_TASK */
	uint64_t at;
	uint64_t demand;
	uint64_t supply;
};

/*
 * Preemptive EDF on one CPU: exact. 0 if every deadline is met, -SCHED_EUNSCHED if some
 * deadline can be missed (or the analysis hit its bound: verdict test SCHED_RT_LIMIT),
 * -SCHED_EINVAL for a bad array, task or cap (nothing analysed). `v` may be NULL.
 * O(n) for implicit deadlines; O(n x steps) otherwise, steps <= SCHED_RT_ITER_MAX.
 */
int sched_rt_edf_check(const struct sched_rt_task *ts, unsigned n, uint32_t cap_ppm,
		       struct sched_rt_verdict *v);

/*
 * Preemptive fixed priority on one CPU (larger prio first; equal priorities are counted
 * as interfering with each other both ways, which is safe and exact when all differ):
 * exact response-time analysis. Returns as sched_rt_edf_check. O(n^2 x steps).
 */
int sched_rt_fp_check(const struct sched_rt_task *ts, unsigned n, uint32_t cap_ppm,
		      struct sched_rt_verdict *v);

/*
 * Global EDF on m identical CPUs (1..SCHED_MAX_CPUS), each giving cap_ppm to realtime work
 * (budgets are scaled up by 10^6 / cap_ppm, as a CPU that slow would need): sufficient
 * tests, so a refusal means "not shown schedulable". 0 if GFB, BCL or BAK accepts the set,
 * tried in that order (the verdict says which: GFB's density sum against m - (m - 1) x the
 * largest density in 2^-40 units; BCL's worst task, its interference against m x its
 * slack; BAK), -SCHED_EUNSCHED if none does (the verdict gives BCL's failing task),
 * -SCHED_EINVAL. O(n^2).
 */
int sched_rt_gedf_check(const struct sched_rt_task *ts, unsigned n, unsigned m,
			uint32_t cap_ppm, struct sched_rt_verdict *v);

/*
 * Global fixed priority on m CPUs (sufficient): task k meets its deadlines if the work the
 * tasks of higher or equal priority can put in a window of D_k, each capped at D_k - C_k,
 * is less than m (D_k - C_k) (Bertogna, Cirinei and Lipari). 0, -SCHED_EUNSCHED (the
 * verdict names the first task that fails, its interference against m x its slack),
 * -SCHED_EINVAL (also for a priority outside 1..99). Budgets scaled to the cap. O(n^2).
 */
int sched_rt_gfp_check(const struct sched_rt_task *ts, unsigned n, unsigned m,
		       uint32_t cap_ppm, struct sched_rt_verdict *v);

/* How partitioning picks a CPU among those a task fits on. */
enum sched_rt_fit {
	SCHED_RT_FIRST_FIT,  /* the lowest-numbered one */
	SCHED_RT_BEST_FIT,   /* the fullest (least spare utilisation once it is there) */
	SCHED_RT_WORST_FIT,  /* the emptiest */
};

#define SCHED_RT_NO_CPU 0xffffu

/*
 * Partitioned EDF on CPUs 0..m-1 (1..SCHED_MAX_CPUS): give every task a CPU, cpu_of[i],
 * such that each CPU's tasks pass sched_rt_edf_check at cap_ppm. Tasks are taken in
 * decreasing utilisation (ties: lower index first) and each placed by `fit`: first-, best-
 * or worst-fit decreasing. `order` (n indices) and `scratch` (n tasks) are the caller's
 * storage for the work. 0 with cpu_of filled; -SCHED_EUNSCHED when a task fits no CPU
 * (the verdict names it and gives the exact test's answer on the emptiest CPU; cpu_of
 * then holds the placement so far, SCHED_RT_NO_CPU for the rest); -SCHED_EINVAL.
 * O(n log n) to order, then per task O(m) for CPUs holding implicit deadlines only, plus
 * an exact test over a CPU's tasks for the others.
 */
int sched_rt_partition(const struct sched_rt_task *ts, unsigned n, unsigned m,
		       uint32_t cap_ppm, enum sched_rt_fit fit, uint16_t *cpu_of,
		       uint32_t *order, struct sched_rt_task *scratch,
		       struct sched_rt_verdict *v);

/*
 * Incremental: place task k beside the others' current cpu_of (SCHED_RT_NO_CPU for a task
 * not placed), changing no other task's CPU. Returns and fills as sched_rt_partition;
 * cpu_of[k] is set only on success. Removing a task is setting its cpu_of to
 * SCHED_RT_NO_CPU: the rest stays schedulable (less demand on its CPU). O(n + m x test).
 */
int sched_rt_partition_add(const struct sched_rt_task *ts, unsigned n, unsigned m,
			   uint32_t cap_ppm, enum sched_rt_fit fit, unsigned k, uint16_t *cpu_of,
			   struct sched_rt_task *scratch, struct sched_rt_verdict *v);

#endif
