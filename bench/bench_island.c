/* SPDX-License-Identifier: MIT */
/*
 * bench_island - what a realtime island's admission costs (include/sched/island.h,
 * libsched/island.c), per library call, on the simulator: 8 CPUs, admission on, CPU 0 the
 * housekeeping CPU, the island leasing CPUs 1-7.
 *
 * The island: 50 member SCs, partitioned, member i on CPU 1 + i % 7 (budget 100 us, period
 * 2 to 20 ms, every other one with a constrained deadline of 80% of its period, so the
 * exact test runs QPA on every CPU); 10 passive servers, server i pinned to member i's CPU
 * and called by it once per job for 10 us (10 paths); 4 IRQs of 20 us at 1 kHz on CPUs
 * 1-4; 4 pages of a 64-page pool. Nothing runs on CPUs 1-7 before the grant (a lease with
 * threads to move is bench_lease's subject). The measured calls:
 *
 *   admit   sched_island_admit: validation, the pool, line and server checks, the paths,
 *           the placement of the 50 members (each tested on its CPU with those placed
 *           there before it, its IRQs included), the lease of 7 CPUs, the 50 configures,
 *           the routing hooks;
 *   add     sched_island_add_sc of a 51st SC on CPU 7: its CPU's test only;
 *   revoke  sched_island_revoke: 51 SC revocations, the lease, the routing hooks.
 *
 * Every rep builds a fresh machine (never measured). The port hooks are this file's own
 * and do nothing (the simulator's lease hook checks the lock contract in O(threads), a test
 * rather than a cost). Host timing (default): the median ns per call over REPS reps, less
 * the cost of a clock read pair. `bench_island count` runs each call once per rep with
 * callgrind collection on around it alone and a stats dump labelled with the call after it
 * (bench/bench_island_count.sh prints the table). No figure is checked against a limit.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sched/island.h>

#include "sim.h"

#include "callgrind.h"
#include "host_time.h"

#define US 1000ull
#define MS 1000000ull
#define CPUS 8
#define MEMBERS 50
#define SERVERS 10
#define IRQS 4
#define POOL 64
#define REPS 51
#define COUNT_REPS 3

struct machine {
	struct sim *sim;
	struct sched_sc scs[POOL];
	struct sched_refill refills[POOL][2];
	struct sched_rt_task scratch[POOL + 2 * SCHED_ISLAND_IRQS_MAX + 1];
	struct sched_island islands[2];
	struct sched_lease leases[2];
	struct sched_mem_pool pools[1];
	struct sched_group g;
	struct sched_island_member m[MEMBERS + 1];
	struct sched_island_server srv[SERVERS];
	struct sched_island_path path[SERVERS];
	struct sched_island_irq irq[IRQS];
	struct sched_island_mem mem[1];
	struct sched_island_params p;
	struct sched_island_cap cap;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_island: %s: %s\n", what, sched_strerror(err));
	exit(1);
}

static void lease_hook(void *ctx, unsigned cpu, unsigned what, bool leased,
		       const sched_cpumask_t *hk)
{
	(void)ctx, (void)cpu, (void)what, (void)leased, (void)hk;
}

static void irq_hook(void *ctx, unsigned line, unsigned cpu, bool reserve)
{
	(void)ctx, (void)line, (void)cpu, (void)reserve;
}

static sched_cpumask_t one(unsigned c)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, c);
	return m;
}

static struct sched_island_member member(struct machine *x, unsigned i)
{
	struct sched_island_member m = { .name = "m" };
	uint64_t t = (2 + i % 19) * MS;
	int r;

	if ((r = sched_sc_create(&x->sim->sys, &x->g, x->refills[i], 2, &m.sc)))
		die("sched_sc_create", r);
	m.p = (struct sched_sc_params){ .budget_ns = 100 * US, .period_ns = t,
					.deadline_ns = i % 2 ? t / 10 * 8 : 0, .cpus = one(1 + i % 7),
					.mode = SCHED_SC_SPORADIC, .dispatch = SCHED_SC_PARTITIONED };
	return m;
}

static struct machine *build(void)
{
	struct sim_config cfg = { .cpus = CPUS, .smt = 1, .seed = 1, .bench_mode = true };
	struct sched_group_params gp = { .id = 1, .kind = SCHED_GROUP_PROCESS };
	struct machine *x = calloc(1, sizeof(*x));
	struct sched_auth root;
	int r;

	if (!x || !(x->sim = sim_new(&cfg)))
		die("out of memory", 0);
	x->sim->sys.cfg.lease_port = lease_hook;
	x->sim->sys.cfg.island_irq = irq_hook;
	root = sched_auth_root(&x->sim->sys);
	x->pools[0] = (struct sched_mem_pool){ .name = "dma", .pages = 64 };
	if ((r = sched_sc_pool(&x->sim->sys, x->scs, POOL)) ||
	    (r = sched_sc_admission(&x->sim->sys, root, x->scratch,
				    sizeof(x->scratch) / sizeof(x->scratch[0]), SCHED_RT_FIRST_FIT)) ||
	    (r = sched_island_pool(&x->sim->sys, x->islands, 2)) ||
	    (r = sched_lease_pool(&x->sim->sys, x->leases, 2)) ||
	    (r = sched_island_mem_pools(&x->sim->sys, x->pools, 1)) ||
	    (r = sched_group_init(&x->sim->sys, &x->g, &gp)))
		die("setup", r);
	for (unsigned i = 0; i <= MEMBERS; i++)
		x->m[i] = member(x, i);
	x->m[MEMBERS].p.cpus = one(7);
	for (unsigned k = 0; k < SERVERS; k++) {
		sched_cpumask_t c = one(1 + k % 7);
		struct sched_thread_params tp = { .group = &x->g, .passive = true, .affinity = &c };
		struct sim_thread *t = sim_thread_new(x->sim, &tp);

		if (!t)
			die("sim_thread_new", 0);
		x->srv[k] = (struct sched_island_server){ sched_ref_of(&t->st), "srv" };
		x->path[k] = (struct sched_island_path){ .from = (uint16_t)k, .to = (uint16_t)k,
							 .calls = 1, .cost_ns = 10 * US };
	}
	for (unsigned k = 0; k < IRQS; k++)
		x->irq[k] = (struct sched_island_irq){ .line = 10 + k, .cpu = (uint16_t)(1 + k),
						       .min_gap_ns = MS, .cost_ns = 20 * US };
	x->mem[0] = (struct sched_island_mem){ .pool = 0, .pages = 4 };
	x->p = (struct sched_island_params){
		.group = &x->g, .cpu_mode = SCHED_ISLAND_LEASED, .overrun = SCHED_SC_THROTTLE,
		.members = x->m, .nr_members = MEMBERS, .servers = x->srv, .nr_servers = SERVERS,
		.paths = x->path, .nr_paths = SERVERS, .irqs = x->irq, .nr_irqs = IRQS,
		.mem = x->mem, .nr_mem = 1 };
	for (unsigned c = 1; c < CPUS; c++)
		sched_cpumask_set(&x->p.cpus, c);
	sim_enter(x->sim, 0);
	return x;
}

static void done(struct machine *x)
{
	if (sched_check(&x->sim->sys))
		die(x->sim->sys.check_msg, -SCHED_ECHECK);
	sim_free(x->sim);
	free(x);
}

enum { ADMIT, ADD, REVOKE, NR_CALLS };
static const char *const names[NR_CALLS] = { "admit", "add", "revoke" };

static int call(struct machine *x, unsigned which)
{
	struct sched_auth root = sched_auth_root(&x->sim->sys);
	struct sched_island_verdict v;

	switch (which) {
	case ADMIT:
		return sched_island_admit(&x->sim->sys, root, &x->p, &x->cap, &v);
	case ADD:
		return sched_island_add_sc(&x->sim->sys, root, x->cap, &x->m[MEMBERS], &v);
	default:
		return sched_island_revoke(&x->sim->sys, root, x->cap);
	}
}

static void count(void)
{
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("toggle");
	for (unsigned rep = 0; rep < COUNT_REPS; rep++) {
		struct machine *x = build();

		for (unsigned c = 0; c < NR_CALLS; c++) {
			int r;

			CALLGRIND_TOGGLE_COLLECT;
			r = call(x, c);
			CALLGRIND_TOGGLE_COLLECT;
			CALLGRIND_DUMP_STATS_AT(names[c]);
			if (r)
				die(names[c], r);
		}
		done(x);
	}
}

int main(int argc, char **argv)
{
	static double ns[NR_CALLS][REPS], clk[REPS];

	if (argc > 1 && !strcmp(argv[1], "count")) {
#ifndef HAVE_CALLGRIND
		die("built without valgrind/callgrind.h", 0);
#endif
		count();
		return 0;
	}
	for (unsigned rep = 0; rep < REPS; rep++) {
		struct machine *x = build();
		double t0 = now_ns();

		clk[rep] = now_ns() - t0;
		for (unsigned c = 0; c < NR_CALLS; c++) {
			int r;

			t0 = now_ns();
			r = call(x, c);
			ns[c][rep] = now_ns() - t0;
			if (r)
				die(names[c], r);
		}
		done(x);
	}
	printf("bench_island: %u members on 7 leased CPUs, %u paths, %u IRQs; median of %u reps\n",
	       MEMBERS, SERVERS, IRQS, REPS);
	{
		double c = median(clk, REPS);

		for (unsigned k = 0; k < NR_CALLS; k++)
			printf("%-8s %10.0f ns\n", names[k], median(ns[k], REPS) - c);
	}
	return 0;
}
