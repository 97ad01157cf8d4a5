/* SPDX-License-Identifier: MIT */
/*
 * simtest.h - helpers for tests that drive libsched on the simulated machine by hand.
 * Every helper runs the invariant checker after the step it takes.
 */
#ifndef SIMTEST_H
#define SIMTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "sim.h"

#define MS 1000000ull
#define US 1000ull

static inline void check_ok(struct sim *sim)
{
	int r = sched_check(&sim->sys);

	if (r < 0)
		fail_msg("invariant broken: %s (%u)", sim->sys.check_msg, sim->sys.check_arg);
}

static inline struct sim *machine_with(unsigned cpus, unsigned smt, const char *policy)
{
	struct sim_config cfg = { .cpus = cpus, .smt = smt, .seed = 1, .policy = policy };
	struct sim *sim = sim_new(&cfg);

	assert_non_null(sim);
	sim->check_each_step = true;
	return sim;
}

/* A machine with the default fair policy (EEVDF). */
static inline struct sim *machine(unsigned cpus, unsigned smt)
{
	return machine_with(cpus, smt, NULL);
}

/* A hand-driven thread (no program): runs until the test blocks or preempts it. */
static inline struct sim_thread *hand_thread(struct sim *sim, uint32_t id_unused, int nice,
					     struct sched_group *g)
{
	struct sched_thread_params p = { .nice = nice, .group = g };
	struct sim_thread *t;

	(void)id_unused;
	t = sim_thread_new(sim, &p);
	assert_non_null(t);
	return t;
}

/*
 * The executing CPU honours a pick it asked for (a kernel does so on return from the
 * system call), then everything due now is delivered (IPIs, timers), and checked.
 */
static inline void settle(struct sim *sim)
{
	if (sched_need_resched(&sim->sys, sim->cur_cpu))
		sim_resched(sim, sim->cur_cpu);
	sim_run_until(sim, sim->now);
	check_ok(sim);
}

/*
 * A machine for `cfg` running the rt-app workload `json` (read into *wl, which the caller
 * frees), the checker after every event, and after_event(sim, arg) too if given.
 */
static inline struct sim *scenario(const char *json, const struct sim_config *cfg,
				   struct workload *wl,
				   void (*after_event)(struct sim *, void *), void *arg)
{
	char err[256];
	struct sim *sim;

	if (wl_load_string("scenario", json, wl, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	sim = sim_new(cfg);
	assert_non_null(sim);
	sim->check_each_step = true;
	sim->after_event = after_event;
	sim->hook_arg = arg;
	assert_int_equal(sim_load(sim, wl), 0);
	return sim;
}

static inline void advance(struct sim *sim, uint64_t ns)
{
	sim_run_until(sim, sim->now + ns);
	check_ok(sim);
}

/* Wake t as if from `from`; a local preemption is taken at once, remote ones via IPI. */
static inline int wake_from(struct sim *sim, unsigned from, struct sim_thread *t)
{
	int r;

	sim_enter(sim, from);
	r = sched_wake(&sim->sys, sched_ref_of(&t->st), SCHED_WAKE_PARK);
	if (sched_need_resched(&sim->sys, from))
		sim_resched(sim, from);
	settle(sim);
	return r;
}

static inline int block_on(struct sim *sim, unsigned cpu)
{
	struct sched_thread *next;
	int r;

	sim_enter(sim, cpu);
	r = sched_block(&sim->sys, cpu, &next);
	if (r == 0)
		sim_switch(sim, cpu, next);
	settle(sim);
	return r;
}

/* The current thread of `cpu` calls `server` (or replies to it), and the CPU switches. */
static inline int call_from(struct sim *sim, unsigned cpu, struct sim_thread *server, bool reply)
{
	struct sched_thread *next;
	struct sched_ref r = sched_ref_of(&server->st);
	int ret;

	sim_enter(sim, cpu);
	ret = reply ? sched_reply(&sim->sys, cpu, r, &next) : sched_call(&sim->sys, cpu, r, &next);
	if (ret == 0)
		sim_switch(sim, cpu, next);
	settle(sim);
	return ret;
}

static inline struct sim_thread *running_on(struct sim *sim, unsigned cpu)
{
	return sim->cpu[cpu].curr;
}

static inline uint64_t acct(struct sim_thread *t, enum sched_acct_field f)
{
	struct sched_acct a;

	if (sched_thread_stats(&t->sim->sys, sched_ref_of(&t->st), &a) < 0)
		return t->st.acct.v[f];
	return a.v[f];
}

#endif
