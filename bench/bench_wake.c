/* SPDX-License-Identifier: MIT */
/*
 * bench_wake - wake placement by wake reason (docs/architecture.md, "Wake placement by
 * reason") against the plain rule, in simulated time: the same workload, seed and machine
 * run twice, once with the reasons the simulator's wakes carry, once with every such wake
 * passed as SCHED_WAKE_PARK (sim_config.plain_wakes), which libsched places by the plain
 * rule. Every figure is simulated time, deterministic: the same arguments give the same
 * output on any host.
 *
 * The machine: 4 CPUs (one cache: the simulator gives every CPU the same LLC), an IPI
 * latency and a context-switch cost (defaults 2 us and 1 us), and beside each workload
 * NOISE_THREADS threads that run 300 us and sleep 700 us, so that CPUs are sometimes busy
 * when a wake comes. The workloads, each at the sizes n of `cases`:
 *
 *   ipc_sync  n rings of 3 threads passing a token over libsched.ipc with ipc_wake: each
 *             runs 40 us, wakes the next (sched_wake with SCHED_WAKE_IPC_SYNC) and blocks
 *   ipc       n producers run 100 us, wake their consumer with an endpoint send and go on
 *             (an asynchronous SCHED_WAKE_IPC), then sleep 200 us; a consumer runs 80 us
 *             per wake
 *   join      n parents each fork a child (run 200 us, then end), run 20 us and join it
 *             (SCHED_WAKE_JOIN from the child's CPU as it ends)
 *   process   the same with reap (SCHED_WAKE_PROCESS)
 *   timer     n threads run 100 us and sleep 400 us (SCHED_WAKE_TIMER, made by libsched's
 *             own timer on the CPU the sleeper left: the simulator has no other timer
 *             wakes)
 *
 * Printed per workload and run, for the wakes of the workload's reason (sim.wakes_by): how
 * many, their mean and p99 wake-to-run latency (nearest rank), and the wakes that placed
 * the thread on another CPU than it last ran on, per wake (wake placement only, not
 * balance or push); for the whole run, the completed task loops (work done) and the
 * involuntary switches (preempts).
 *
 *   bench_wake [seconds [seed [ipi_latency_ns [switch_cost_ns]]]]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"
#include "workload.h"

#define US 1000ull
#define NS_PER_S 1000000000ull

#define NOISE "\"noise\": { \"instance\": %u, \"loop\": -1, \"run\": 300, \"sleep\": 700 }"

enum { NOISE_THREADS = 4 };

/* A workload's JSON, built into buf (its tasks, then the noise threads). */
struct text {
	char buf[8192];
	size_t len;
};

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(t->buf) - t->len) {
		fprintf(stderr, "bench_wake: a workload outgrew its buffer\n");
		exit(1);
	}
	t->len += (size_t)n;
}

/* Rings of three threads passing a token: each runs, wakes the next and waits. The first
 * starts 1 ms late, once the others wait (a resume nobody waits for is lost). */
static void ipc_sync(struct text *t, unsigned n)
{
	static const char *const ipc = "\"libsched\": { \"ipc\": true, \"ipc_wake\": true }";

	for (unsigned i = 0; i < n; i++)
		add(t, "\"r%ua\": { \"delay\": 1000, \"loop\": -1, \"run\": 40, \"resume\": \"r%ub\", "
		    "\"suspend\": \"r%ua\", %s }, \"r%ub\": { \"loop\": -1, \"suspend\": "
		    "\"r%ub\", \"run\": 40, \"resume\": \"r%uc\", %s }, \"r%uc\": { \"loop\": -1, "
		    "\"suspend\": \"r%uc\", \"run\": 40, \"resume\": \"r%ua\", %s },",
		    i, i, i, ipc, i, i, i, ipc, i, i, i, ipc);
}

static void ipc_async(struct text *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		add(t, "\"p%u\": { \"loop\": -1, \"run\": 100, \"resume\": \"q%u\", "
		    "\"sleep\": 200 }, \"q%u\": { \"loop\": -1, \"suspend\": \"q%u\", "
		    "\"run\": 80, \"libsched\": { \"ipc\": true } },", i, i, i, i);
}

static void exits(struct text *t, unsigned n, const char *wait)
{
	add(t, "\"parent\": { \"instance\": %u, \"loop\": -1, \"fork\": \"child\", "
	    "\"run\": 20, \"%s\": \"child\" }, \"child\": { \"instance\": 0, \"loop\": 1, "
	    "\"run\": 200 },", n, wait);
}

static void join(struct text *t, unsigned n)
{
	exits(t, n, "join");
}

static void process(struct text *t, unsigned n)
{
	exits(t, n, "reap");
}

static void timer(struct text *t, unsigned n)
{
	add(t, "\"sleeper\": { \"instance\": %u, \"loop\": -1, \"run\": 100, "
	    "\"sleep\": 400 },", n);
}

struct workload_case {
	const char *name;
	void (*tasks)(struct text *t, unsigned n);
	enum sched_wake_reason why; /* the wakes measured */
	unsigned n;                 /* rings, producers, parents or sleepers */
};

/* Light, middle and saturated sizes where the reason's placement could differ. */
static const struct workload_case cases[] = {
	{ "ipc_sync", ipc_sync, SCHED_WAKE_IPC_SYNC, 2 },
	{ "ipc_sync", ipc_sync, SCHED_WAKE_IPC_SYNC, 4 },
	{ "ipc_sync", ipc_sync, SCHED_WAKE_IPC_SYNC, 8 },
	{ "ipc", ipc_async, SCHED_WAKE_IPC, 2 },
	{ "ipc", ipc_async, SCHED_WAKE_IPC, 6 },
	{ "join", join, SCHED_WAKE_JOIN, 2 },
	{ "join", join, SCHED_WAKE_JOIN, 3 },
	{ "join", join, SCHED_WAKE_JOIN, 6 },
	{ "process", process, SCHED_WAKE_PROCESS, 3 },
	{ "timer", timer, SCHED_WAKE_TIMER, 10 },
};

struct figures {
	uint64_t wakes, mean_ns, p99_ns, migrations, loops, preempts;
};

/* The workload `c` for `ns` on a machine `base`, with the reasons' rules or the plain one:
 * the figures of the wakes of c's reason. */
static struct figures run(const struct workload_case *c, bool plain, uint64_t ns,
			  const struct sim_config *base)
{
	struct sim_config cfg = *base;
	struct text json = { .len = 0 };
	struct sim_wake_stats *w;
	struct figures f = { 0 };
	struct workload wl;
	char err[256];
	struct sim *sim;

	cfg.plain_wakes = plain;
	add(&json, "{ \"tasks\": { ");
	c->tasks(&json, c->n);
	add(&json, NOISE " } }", NOISE_THREADS);
	if (wl_load_string(c->name, json.buf, &wl, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_wake: %s\n", err);
		exit(1);
	}
	sim = sim_new(&cfg);
	if (!sim || sim_load(sim, &wl) < 0) {
		fprintf(stderr, "bench_wake: %s: the simulator refused the workload\n", c->name);
		exit(1);
	}
	sim_run_until(sim, ns);
	if (sim->error[0]) {
		fprintf(stderr, "bench_wake: %s: %s\n", c->name, sim->error);
		exit(1);
	}
	w = &sim->wakes_by[c->why];
	for (size_t i = 0; i < sim->nr_threads; i++) {
		f.loops += sim->threads[i]->loops;
		f.preempts += sim->threads[i]->st.acct.v[SCHED_ACCT_PREEMPTIONS];
	}
	f.wakes = w->wakes;
	f.migrations = w->migrations;
	f.mean_ns = w->lat.n ? w->lat_ns / w->lat.n : 0;
	f.p99_ns = sim_lat_pct(&w->lat, 99);
	sim_free(sim);
	wl_free(&wl);
	return f;
}

static void print_row(const struct workload_case *c, const char *rule, const struct figures *f)
{
	printf("%-9s %2u %-6s %9llu %10.2f %10.2f %10.4f %9llu %9llu\n", c->name, c->n, rule,
	       (unsigned long long)f->wakes, (double)f->mean_ns / 1e3, (double)f->p99_ns / 1e3,
	       f->wakes ? (double)f->migrations / (double)f->wakes : 0.0,
	       (unsigned long long)f->loops, (unsigned long long)f->preempts);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	struct sim_config cfg = { .cpus = 4, .smt = 1,
				  .seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1,
				  .ipi_latency_ns = argc > 3 ? strtoull(argv[3], NULL, 0) : 2 * US,
				  .switch_cost_ns = argc > 4 ? strtoull(argv[4], NULL, 0) : 1 * US };
	uint64_t ns = (uint64_t)(secs * (double)NS_PER_S);

	if (secs <= 0 || secs > 100) {
		fprintf(stderr, "usage: bench_wake [seconds (0..100] [seed [ipi_latency_ns "
			"[switch_cost_ns]]]]\n");
		return 2;
	}
	printf("bench_wake: %u CPUs, %.3f s simulated, seed %llu, ipi %llu ns, switch %llu ns\n\n",
	       cfg.cpus, secs, (unsigned long long)cfg.seed,
	       (unsigned long long)cfg.ipi_latency_ns, (unsigned long long)cfg.switch_cost_ns);
	printf("%-9s %2s %-6s %9s %10s %10s %10s %9s %9s\n", "workload", "n", "rule", "wakes", "mean_us",
	       "p99_us", "migr/wake", "loops", "preempts");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct figures plain = run(&cases[i], true, ns, &cfg);
		struct figures rule = run(&cases[i], false, ns, &cfg);

		print_row(&cases[i], "plain", &plain);
		print_row(&cases[i], "reason", &rule);
	}
	return 0;
}
