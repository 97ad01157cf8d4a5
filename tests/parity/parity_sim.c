/* SPDX-License-Identifier: MIT */
/*
 * parity_sim.c - the parity check's simulator side (docs/parity.md): parity_sim FILE runs
 * the scenario FILE (scenario.c) on the simulated machine the kernel boot of
 * tests/parity.sh has (4 CPUs, 2 siblings per core, core scheduling and its kernel
 * protection on, the kernel's pools) and prints each decision line as "scn: LINE". Every
 * call is made from CPU 0, as the kernel's runner pinned there makes them, and after each
 * step the machine runs 1 ms on, with the invariant checker after every event.
 * Exit status: 0, or 1 if the scenario did not parse or the checker failed.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sched/island.h>
#include <sched/lease.h>
#include <sched/sc.h>

#include "scenario.h"
#include "sim.h"

#define SETTLE_NS 1000000ull
#define TEXT_MAX 16384

static struct sched_sc scs[SCN_SCS];
static struct sched_lease leases[SCN_LEASES];
static struct sched_island islands[SCN_ISLANDS];
static struct sched_mem_pool pools[1] = { { .name = "dma", .pages = SCN_DMA_PAGES } };

static int spawn(void *ctx, const char *name, const struct sched_thread_params *p,
		 struct sched_thread **out)
{
	struct sim *sim = ctx;
	struct sim_thread *t = sim_thread_new(sim, p);
	int r;

	(void)name;
	if (!t)
		return -SCHED_EINVAL;
	sim_enter(sim, 0);
	r = sched_wake(&sim->sys, sched_ref_of(&t->st), SCHED_WAKE_NEW);
	*out = &t->st;
	return r;
}

static void enter(void *ctx)
{
	sim_enter(ctx, 0);
}

/* CPU 0 takes the pick its call asked for (a kernel does on the way out of the call),
 * then the machine runs on, IPIs and timers delivered. */
static void settle(void *ctx)
{
	struct sim *sim = ctx;

	if (sched_need_resched(&sim->sys, 0))
		sim_resched(sim, 0);
	sim_run_until(sim, sim->now + SETTLE_NS);
}

/* As the kernel's VEC_CALL handler: sched_cpu_online on the CPU itself, then its pick. */
static int online(void *ctx, unsigned cpu)
{
	struct sim *sim = ctx;
	int r;

	if (cpu >= sim->sys.nr_cpus)
		return -SCHED_ECPU;
	sim_enter(sim, cpu);
	r = sched_cpu_online(&sim->sys, cpu, &sim->cpu[cpu].idle);
	if (r == 0)
		sim_resched(sim, cpu);
	return r;
}

static void print(void *ctx, const char *line)
{
	(void)ctx;
	printf("scn: %s\n", line);
}

/* The machine, with the pools the kernel gives libsched at boot. */
static struct sim *machine(void)
{
	struct sim_config cfg = { .cpus = 4, .smt = 2, .seed = 1, .core_sched = true,
				  .core_protect = true };
	struct sim *sim = sim_new(&cfg);

	if (!sim || sched_sc_pool(&sim->sys, scs, SCN_SCS) < 0 ||
	    sched_lease_pool(&sim->sys, leases, SCN_LEASES) < 0 ||
	    sched_island_pool(&sim->sys, islands, SCN_ISLANDS) < 0 ||
	    sched_island_mem_pools(&sim->sys, pools, 1) < 0)
		return NULL;
	sim->check_each_step = true;
	return sim;
}

int main(int argc, char **argv)
{
	static char text[TEXT_MAX];
	struct scn_host h = { .spawn = spawn, .enter = enter, .settle = settle,
			      .online = online, .print = print };
	FILE *f = argc == 2 ? fopen(argv[1], "r") : NULL;
	size_t len;
	struct sim *sim;
	int n;

	if (!f) {
		fprintf(stderr, "usage: parity_sim SCENARIO (a readable file)\n");
		return 2;
	}
	len = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (len == sizeof(text)) {
		fprintf(stderr, "parity_sim: %s is longer than %d bytes\n", argv[1], TEXT_MAX);
		return 2;
	}
	sim = machine();
	if (!sim) {
		fprintf(stderr, "parity_sim: the machine or its pools were refused\n");
		return 1;
	}
	h.sys = &sim->sys;
	h.ctx = sim;
	n = scn_run(&h, text, len);
	printf("# %d operations\n", n);
	sim_free(sim);
	return n < 0;
}
