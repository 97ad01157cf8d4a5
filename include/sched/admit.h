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

#ifdef __cplusplus
extern "C" {
#endif

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
	SCHED_RT_EDF_IRQ,      /* EDF beside interrupts: at an instant `at` (a deadline), the
				* work due by then plus the most the IRQs can take of a window
				* that long (`demand`) against the window (`supply` = at) */
};

/*
 * Why a set was accepted or refused, in the terms of the test that decided:
 *  - EDF_UTIL: demand = the utilisation, supply = the cap, both in 2^-40 units;
 *  - EDF_QPA: at an instant `at` (ns after a synchronous release), the work whose
 *    deadlines fall in [0, at] (`demand`) against what the cap supplies by then (`supply`);
 *  - FP_RTA: task `task`'s response time (`demand`) against its deadline (`supply`), the
 *    worst task's when accepted.
 * With blocking terms the figures include them, and `blocking` says how much: EDF_QPA's
 * demand at `at` is h(at) + B(at), B(at) being the term of task `task` (see "Blocking
 * terms" below; SCHED_RT_NO_TASK and 0 when no term applies); a named task's B otherwise
 * (its response time includes it; the global tests inflated its budget by it).
 */
struct sched_rt_verdict {
	uint8_t test;      /* enum sched_rt_test */
	uint32_t task;     /* index into the caller's array, or SCHED_RT_NO_TASK */
	uint64_t at;
	uint64_t demand;
	uint64_t supply;
	uint64_t blocking; /* the blocking term counted in `demand` (ns), 0 if none */
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
 * Preemptive EDF on one CPU beside interrupts, which preempt everything: irq[j] is an IRQ
 * with `budget` its handler's cost and `period` its least gap (`deadline` and `prio` are
 * not looked at). The tasks must pass sched_rt_edf_check at cap_ppm (the share promised to
 * the other classes); the tasks and the IRQs together must stay within the cap by
 * utilisation; and at every absolute deadline t up to the synchronous busy period of both,
 * the tasks' demand due by t must fit in t less the most the IRQs can take of any window of
 * length t, sum over j of floor(t / T_j) C_j + min(C_j, t mod T_j) (a supply bound, as in
 * Jeffay and Stone's account of interrupt handling). Sufficient (sound). Returns
 * as sched_rt_edf_check (verdict SCHED_RT_EDF_IRQ for the interrupt test); nirq = 0 is
 * sched_rt_edf_check. O(n) for implicit deadlines plus O((n + nirq) x steps), steps <=
 * SCHED_RT_ITER_MAX.
 */
int sched_rt_edf_check_irq(const struct sched_rt_task *ts, unsigned n,
			   const struct sched_rt_task *irq, unsigned nirq, uint32_t cap_ppm,
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

/*
 * --- Blocking terms -------------------------------------------------------------------------
 *
 * Tasks that share resources under the library's mutexes (sched/mutex.h: a waiter lends its
 * priority or deadline to the owner) wait for each other's critical sections. A task's
 * blocking term B_i, blocking[i] in an array beside the tasks (n entries, each at most
 * SCHED_RT_TIME_MAX; all 0 is the same as the functions above), is the longest a job of it
 * can be kept from running by other tasks' critical sections, beyond the interference the
 * tests already count. (An array rather than a field of struct sched_rt_task, so that
 * callers' { C, T, D, prio } initialisers stay complete under -Wmissing-field-initializers.)
 * The tests use it so (docs/admission.md, "Blocking terms"):
 *  - one-CPU EDF: h(t) + B(t) <= t (scaled to the cap) at every instant t up to the busy
 *    period with the largest B added; B(t) = the B of the task with the largest relative
 *    deadline <= t (the largest B among equal deadlines), 0 below every deadline: with
 *    sched_rt_blocking's EDF terms, for B_i = blocking by tasks of deadline > D_i through
 *    resources a task of deadline <= D_i uses, this bounds the blocking any window of
 *    length t holds. The utilisation fast path only when every B is 0;
 *  - one-CPU fixed priority: R_i = C_i + B_i + sum over higher or equal j of ceil(R_i/T_j) C_j;
 *  - partitioned EDF: each CPU's tasks by that EDF test, each with its own B;
 *  - global EDF and global fixed priority: every budget inflated to C_i + B_i.
 * The functions return and fill the verdict as those above; -SCHED_EINVAL also for a NULL
 * blocking array or a term past SCHED_RT_TIME_MAX. B is the caller's, or sched_rt_blocking()
 * computes it from a table of critical sections.
 */
int sched_rt_edf_check_blocking(const struct sched_rt_task *ts, const uint64_t *blocking,
				unsigned n, uint32_t cap_ppm, struct sched_rt_verdict *v);
int sched_rt_fp_check_blocking(const struct sched_rt_task *ts, const uint64_t *blocking,
			       unsigned n, uint32_t cap_ppm, struct sched_rt_verdict *v);
int sched_rt_gedf_check_blocking(const struct sched_rt_task *ts, const uint64_t *blocking,
				 unsigned n, unsigned m, uint32_t cap_ppm,
				 struct sched_rt_verdict *v);
int sched_rt_gfp_check_blocking(const struct sched_rt_task *ts, const uint64_t *blocking,
				unsigned n, unsigned m, uint32_t cap_ppm,
				struct sched_rt_verdict *v);
/* Partitioning with blocking terms: bscratch (n terms) is the caller's storage beside
 * scratch. The utilisation shortcut is taken only on a CPU whose terms are all 0. */
int sched_rt_partition_blocking(const struct sched_rt_task *ts, const uint64_t *blocking,
				unsigned n, unsigned m, uint32_t cap_ppm, enum sched_rt_fit fit,
				uint16_t *cpu_of, uint32_t *order, struct sched_rt_task *scratch,
				uint64_t *bscratch, struct sched_rt_verdict *v);
int sched_rt_partition_add_blocking(const struct sched_rt_task *ts, const uint64_t *blocking,
				    unsigned n, unsigned m, uint32_t cap_ppm,
				    enum sched_rt_fit fit, unsigned k, uint16_t *cpu_of,
				    struct sched_rt_task *scratch, uint64_t *bscratch,
				    struct sched_rt_verdict *v);

/* Task `task`'s longest critical section on `resource`; one entry per task and resource.
 * Sections are not nested (a job holds one resource at a time) and lie inside the job
 * (length <= the task's budget). */
struct sched_rt_cs {
	uint16_t task;     /* index into the task array */
	uint16_t resource; /* any number naming the lock */
	uint64_t length;   /* ns of the task's own work inside it */
};

#define SCHED_RT_CS_MAX 1024u /* table entries one call takes */

/*
 * How B_i is computed. "Lower" than task i: a smaller fixed priority (FP models), or a
 * longer relative deadline, its preemption level (EDF models); the ceiling of a resource
 * reaches i when some task not lower than i (i itself included) uses it.
 */
enum sched_rt_blocking_model {
	/*
	 * One CPU, fixed priority, priority inheritance as the library's mutexes do it: an
	 * unlock hands the mutex to its most urgent waiter, which owns it before it runs. The
	 * default. A lower job runs while a job of i is pending only inside one section, on a
	 * resource whose ceiling reaches i, that it held or waited for when that job came, so
	 * each lower job blocks it at most once (Sha, Rajkumar and Lehoczky 1990):
	 *   B_i = sum over lower j of j's longest section on a resource whose ceiling reaches i.
	 * Their other bound, once per resource, does not hold with a hand-over: a lower job
	 * queued on a resource is given it when i unlocks it and blocks i's next request or a
	 * higher job's (tests/test_admit.c shows a miss); hence the next models.
	 */
	SCHED_RT_BLOCK_FP_INHERIT = 0,
	/* One CPU, EDF, deadline inheritance with the hand-over (the library's runtime): the
	 * same formula with preemption levels. */
	SCHED_RT_BLOCK_EDF_INHERIT,
	/*
	 * One CPU, inheritance where an unlock only wakes the most urgent waiter, which takes
	 * the resource when it runs (classic PIP): a lower job blocks only if it was inside a
	 * section when the job came, hence also once per resource:
	 *   B_i = min(the sum above, sum over resources whose ceiling reaches i of the longest
	 *             section a lower task has on it).
	 * Not the library's mutexes: for other runtimes.
	 */
	SCHED_RT_BLOCK_FP_INHERIT_WAKE,
	SCHED_RT_BLOCK_EDF_INHERIT_WAKE,
	/* One CPU, a ceiling protocol (PCP for fixed priority, SRP for EDF): a job is blocked by
	 * at most one such section, B_i = the longest. Only valid where the runtime enforces
	 * ceilings, which the library's mutexes do not (they inherit): for other runtimes. */
	SCHED_RT_BLOCK_FP_CEILING,
	SCHED_RT_BLOCK_EDF_CEILING,
	/*
	 * Several CPUs, global EDF or global fixed priority, inheritance ("suspension-
	 * oblivious": the wait is counted as execution, the global tests inflate C_i by B_i).
	 * A job of i, while it meets its deadline, overlaps at most ceil(D_i / T_j) + 1 jobs of
	 * task j, and each of their sections on a resource i uses can delay i once:
	 *   B_i = sum over resources r i uses, sum over tasks j != i using r,
	 *         of (ceil(D_i / T_j) + 1) x cs_j,r.
	 * Assumes: sections not nested; each job locks a resource at most once (or cs_j,r is its
	 * total time on r a job); any queue order (priority or FIFO: the bound counts every
	 * section that can come first); an owner runs whenever the waiter would (it inherits the
	 * waiter's rank), and the time it is kept off by higher work is interference the
	 * global tests already count. Pessimistic: it charges every overlapping section of
	 * every other user. Not for partitioned scheduling with resources shared across CPUs
	 * (an owner on another CPU can be delayed by that CPU's work); with each resource used
	 * on one CPU only, the one-CPU models over the whole set bound every CPU's terms.
	 */
	SCHED_RT_BLOCK_GLOBAL,
};

/*
 * Fill blocking[0..n) from the table cs[0..ncs) by `model`: exact integer sums, each
 * saturated at SCHED_RT_TIME_MAX (a task that could wait that long is refused by every
 * test, as C + B > D). 0, or -SCHED_EINVAL (nothing written) for a bad task (as the
 * checks; FP models need priorities 1..99), model, entry (task >= n, length > the task's
 * budget) or a repeated (task, resource) pair; ncs <= SCHED_RT_CS_MAX, cs may be NULL
 * when ncs is 0 (every B becomes 0).
 * O(n x ncs x (n + ncs)) for the one-CPU models, O(ncs^2 + n x ncs) for the global one.
 */
int sched_rt_blocking(const struct sched_rt_task *ts, unsigned n, const struct sched_rt_cs *cs,
		      unsigned ncs, enum sched_rt_blocking_model model, uint64_t *blocking);

#ifdef __cplusplus
}
#endif

#endif
