/* SPDX-License-Identifier: MIT */
/*
 * bench_lease - what a CPU isolation lease costs (include/sched/lease.h, libsched/lease.c
 * and balance.c's movers), per library call, on the simulator: 4 CPUs, CPU 3 leased,
 * CPUs 0-2 the housekeeping set.
 *
 * Before each grant, N threads have to leave CPU 3 (N = 10 and 1000): N/2 runnable there
 * (one running, N/2 - 1 queued) and N/2 asleep with their timeouts armed there (sleeps of
 * 10 s and more). Others elsewhere, which stay: each of CPUs 0-2 runs one thread, has one
 * more queued and four asleep with their timeouts there. Every thread is fair (EEVDF),
 * allowed every CPU, outside any group. The holder is one more thread, blocked (a lease
 * taken before its thread is started); no accounting target. The four measured calls:
 *
 *   grant     sched_lease_grant on CPU 0 with the root authority: validation, the close of
 *             CPU 3 (its running thread told to leave, an IPI), the queued threads and the
 *             sleepers' timeouts moved to CPUs 0-2, the port hook for its three kinds.
 *             The lease is then PENDING.
 *   activate  CPU 3 takes that IPI: sched_ipi, sched_pick, sched_finish_switch. The pick
 *             switches away from the running thread (it migrates to a housekeeping CPU) to
 *             idle, and the finish completes the activation (the lease becomes ACTIVE).
 *   revoke    sched_lease_revoke on CPU 0: the generation bump, CPU 3 opened, the port hook,
 *             an IPI to CPU 3.
 *   return    CPU 3 takes that IPI: sched_ipi, sched_pick (idle: it steals from the
 *             housekeeping CPUs), sched_finish_switch, which counts the revocation latency.
 *
 * Every rep builds a fresh machine in that state (never measured), so every rep measures
 * the same calls on the same state; the calls are checked (return values, the lease's
 * state, the activation record's counts, the return counter) and the library's checker
 * runs on every machine at the end. The activation record (sched_lease_info) of the last
 * rep is printed: what moved, step by step.
 *
 * The port hook (sched_config.lease_port) is this file's own, a port that has nothing to
 * move: it counts its calls and returns. (The simulator's hook checks that no other
 * libsched lock is held by looking at every thread's lock, O(threads) a call; that is a
 * test of the contract, not a cost of the library, so it is replaced here.) The simulator
 * runs in benchmark mode (no trace sink), IPI latency 0, no switch cost; its arch hooks
 * (clock read, timer re-arm pushing an event on its heap, IPI send pushing one) are in
 * the figures, as in bench_mutex.
 *
 * Host timing (default): ns per call, each call timed alone less the cost of a clock read
 * pair (median of the same run); printed: the median over REPS reps, N = 10 and N = 1000
 * interleaved rep by rep so that the machine's load moves both.
 * Instruction counts (`bench_lease count`, run under callgrind by bench/bench_lease_count.sh):
 * for each N, COUNT_REPS reps with callgrind collection on around each call alone and a
 * stats dump after it labelled "N CALL 1"; a `toggle` dump holds COUNT_REPS toggle pairs
 * around nothing. No figure is checked against a limit.
 *
 *   bench_lease [count]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sched/lease.h>

#include "sim.h"

#include "callgrind.h"
#include "host_time.h"

#define US 1000ull
#define SEC 1000000000ull
#define CPUS 4
#define LEASED 3            /* the leased CPU; 0 .. LEASED - 1 are housekeeping */
#define HK_QUEUED 1         /* others, per housekeeping CPU: queued (plus one running) */
#define HK_ASLEEP 4         /* ... and asleep with their timeouts there */
#define REPS 51             /* host timing: reps per N (the median is printed) */
#define COUNT_REPS 3        /* reps per N under callgrind */
#define NR_CALLS 4

static const char *const call_names[NR_CALLS] = { "grant", "activate", "revoke", "return" };
static const unsigned sizes[] = { 10, 1000 };
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

static const char *const step_names[SCHED_LEASE_STEP_NR] = {
	[SCHED_LEASE_STEP_CLOSE] = "close",
	[SCHED_LEASE_STEP_ACCOUNTING] = "accounting",
	[SCHED_LEASE_STEP_QUEUED] = "queued",
	[SCHED_LEASE_STEP_REFILLS] = "refills",
	[SCHED_LEASE_STEP_TIMEOUTS] = "timeouts",
	[SCHED_LEASE_STEP_PORT_TIMERS] = "port_timers",
	[SCHED_LEASE_STEP_PORT_WORK] = "port_work",
	[SCHED_LEASE_STEP_PORT_IRQS] = "port_irqs",
	[SCHED_LEASE_STEP_SWITCHED] = "switched",
};

struct machine {
	struct sim *sim;
	struct sim_thread *holder;
	struct sched_lease pool[1];
	struct sched_lease_cap cap;
	unsigned n;               /* threads that leave CPU 3 */
};

static uint64_t port_calls;

static void die(const char *what)
{
	fprintf(stderr, "bench_lease: %s\n", what);
	exit(1);
}

static void expect(bool ok, unsigned n, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_lease: N=%u: %s\n", n, what);
		exit(1);
	}
}

/* The port: nothing of its own to move. */
static void lease_port_hook(void *ctx, unsigned cpu, unsigned what, bool leased,
			    const sched_cpumask_t *housekeeping)
{
	(void)ctx, (void)cpu, (void)what, (void)leased, (void)housekeeping;
	port_calls++;
}

/* Mean cost of a clock read pair around nothing, over 2000 pairs. */
static double clock_cost(void)
{
	double sum = 0;

	for (unsigned i = 0; i < 2000; i++) {
		double t0 = now_ns();

		sum += now_ns() - t0;
	}
	return sum / 2000;
}

/* --- building the machine (never measured) ------------------------------------------ */

/* Every CPU honours a pick it was asked for, then everything due now happens. */
static void settle(struct sim *sim)
{
	for (unsigned c = 0; c < CPUS; c++) {
		sim_enter(sim, c);
		if (sched_need_resched(&sim->sys, c))
			sim_resched(sim, c);
	}
	sim_run_until(sim, sim->now);
}

static struct sim_thread *thread_on(struct sim *sim, unsigned cpu)
{
	sched_cpumask_t only;
	struct sched_thread_params p = { .affinity = &only };
	struct sim_thread *t;

	sched_cpumask_clear(&only);
	sched_cpumask_set(&only, cpu);
	t = sim_thread_new(sim, &p);
	if (!t)
		die("thread set-up failed");
	return t;
}

static void wake_on(struct sim *sim, struct sim_thread *t)
{
	sim_enter(sim, 0);
	if (sched_wake(&sim->sys, sched_ref_of(&t->st), SCHED_WAKE_NEW) < 0)
		die("wake failed");
	settle(sim);
}

/* A thread that sleeps with its timeout on `cpu` (idle before): it runs there, then sleeps
 * until `until`. */
static void asleep_on(struct sim *sim, unsigned cpu, sched_time_t until)
{
	struct sim_thread *t = thread_on(sim, cpu);
	struct sched_thread *next;

	wake_on(sim, t);
	if (sim->cpu[cpu].curr != t)
		die("set-up: a sleeper does not run on its CPU");
	sim_enter(sim, cpu);
	if (sched_sleep_until(&sim->sys, cpu, until, &next) < 0)
		die("sleep failed");
	sim_switch(sim, cpu, next);
	settle(sim);
}

static void build(struct machine *m, unsigned n)
{
	struct sim_config cfg = { .cpus = CPUS, .smt = 1, .seed = 1, .bench_mode = true };
	struct sched_thread_params hp = { 0 };
	sched_cpumask_t all;
	struct sim *sim;
	struct sched_rq *rq;

	*m = (struct machine){ .n = n };
	sim = m->sim = sim_new(&cfg);
	if (!sim)
		die("simulator set-up failed");
	sim->sys.cfg.lease_port = lease_port_hook;
	if (sched_lease_pool(&sim->sys, m->pool, 1) < 0)
		die("sched_lease_pool failed");
	m->holder = sim_thread_new(sim, &hp);
	if (!m->holder)
		die("holder set-up failed");
	/* sleepers first, each CPU idle while they go to sleep; then the runnable ones */
	for (unsigned c = 0; c < LEASED; c++)
		for (unsigned i = 0; i < HK_ASLEEP; i++)
			asleep_on(sim, c, sim->now + 10 * SEC + (c * HK_ASLEEP + i) * US);
	for (unsigned i = 0; i < n / 2; i++)
		asleep_on(sim, LEASED, sim->now + 10 * SEC + (LEASED * HK_ASLEEP + i) * US);
	for (unsigned c = 0; c < LEASED; c++)
		for (unsigned i = 0; i < 1 + HK_QUEUED; i++)
			wake_on(sim, thread_on(sim, c));
	for (unsigned i = 0; i < n - n / 2; i++)
		wake_on(sim, thread_on(sim, LEASED));
	sched_cpumask_fill(&all, CPUS);
	for (size_t i = 0; i < sim->nr_threads; i++)
		if (sched_set_affinity(&sim->sys, sched_ref_of(&sim->threads[i]->st), &all) < 0)
			die("set-up: sched_set_affinity failed");
	settle(sim);
	rq = &sim->rq[LEASED];
	expect(sim->cpu[LEASED].curr && sim->cpu[LEASED].curr != m->holder, n,
	       "set-up: CPU 3 does not run a thread");
	expect(rq->nr_queued == n - n / 2 - 1 && rq->nr_sleepers == n / 2, n,
	       "set-up: CPU 3 does not hold the threads to move");
	for (unsigned c = 0; c < LEASED; c++)
		expect(sim->cpu[c].curr && sim->rq[c].nr_queued == HK_QUEUED &&
		       sim->rq[c].nr_sleepers == HK_ASLEEP, n, "set-up: a housekeeping CPU is wrong");
}

/* --- the measured calls ---------------------------------------------------------------- */

/* One measured call: host ns into ns[k], or between two callgrind toggles and dumped. */
#define MEASURE(k, stmt)                                                      \
	do {                                                                  \
		if (counting) {                                               \
			CALLGRIND_TOGGLE_COLLECT;                             \
			stmt;                                                 \
			CALLGRIND_TOGGLE_COLLECT;                             \
			snprintf(label, sizeof(label), "%u %s 1", m->n, call_names[k]); \
			CALLGRIND_DUMP_STATS_AT(label);                       \
		} else {                                                      \
			double t0_ = now_ns();                                \
			stmt;                                                 \
			ns[k] = now_ns() - t0_;                               \
		}                                                             \
	} while (0)

/* CPU 3 takes its IPI: the interrupt, the pick it asks for, the end of the switch. */
static struct sched_thread *take_ipi(struct sim *sim)
{
	struct sched_thread *next = NULL;

	if (sched_ipi(&sim->sys, LEASED))
		next = sched_pick(&sim->sys, LEASED);
	sched_finish_switch(&sim->sys, LEASED);
	return next;
}

/* One rep on a fresh machine m; the record after activation goes to *info. */
static void rep(struct machine *m, bool counting, double *ns, struct sched_lease_info *info)
{
	struct sim *sim = m->sim;
	struct sched_auth root = sched_auth_root(&sim->sys);
	struct sched_lease_params p = { .thread = sched_ref_of(&m->holder->st) };
	struct sched_thread *next;
	char label[64];
	uint64_t returns = sched_cpu_counter(&sim->sys, LEASED, SCHED_CNT_LEASE_RETURNS);
	int ret;

	(void)label;
	sched_cpumask_clear(&p.cpus);
	sched_cpumask_set(&p.cpus, LEASED);
	sim_enter(sim, 0);
	MEASURE(0, ret = sched_lease_grant(&sim->sys, root, &p, &m->cap));
	expect(ret == 0, m->n, "the grant failed");
	expect(sched_lease_info(&sim->sys, m->cap, info) == 0 && info->state == SCHED_LEASE_PENDING,
	       m->n, "the lease is not pending after the grant");
	sim_enter(sim, LEASED);
	MEASURE(1, next = take_ipi(sim));
	expect(next == &sim->cpu[LEASED].idle, m->n, "CPU 3 did not switch to idle");
	sim_switch(sim, LEASED, next); /* the simulator's view; its finish again does nothing */
	expect(sched_lease_info(&sim->sys, m->cap, info) == 0 && info->state == SCHED_LEASE_ACTIVE,
	       m->n, "the lease is not active after CPU 3's switch");
	expect(info->rec.step_count[SCHED_LEASE_STEP_CLOSE] +
	       info->rec.step_count[SCHED_LEASE_STEP_QUEUED] +
	       info->rec.step_count[SCHED_LEASE_STEP_TIMEOUTS] == m->n, m->n,
	       "the record does not count every thread that left");
	settle(sim); /* the housekeeping CPUs take their IPIs */
	expect(sim->rq[LEASED].nr_queued == 0 && sim->rq[LEASED].nr_sleepers == 0, m->n,
	       "threads left on the leased CPU");
	sim_enter(sim, 0);
	MEASURE(2, ret = sched_lease_revoke(&sim->sys, m->cap));
	expect(ret == 0, m->n, "the revocation failed");
	sim_enter(sim, LEASED);
	MEASURE(3, next = take_ipi(sim));
	expect(next && next != &sim->cpu[LEASED].idle, m->n, "CPU 3 took no work back");
	sim_switch(sim, LEASED, next);
	expect(sched_cpu_counter(&sim->sys, LEASED, SCHED_CNT_LEASE_RETURNS) == returns + 1, m->n,
	       "the return was not counted");
	settle(sim);
	sim_enter(sim, 0);
	if (sched_check(&sim->sys) < 0)
		die(sim->sys.check_msg);
}

static void print_record(unsigned n, const struct sched_lease_info *info)
{
	printf("N=%-5u", n);
	for (unsigned s = 0; s < SCHED_LEASE_STEP_NR; s++)
		printf(" %s=%u", step_names[s] ? step_names[s] : "?", info->rec.step_count[s]);
	printf("\n");
}

static void host(void)
{
	static double v[NR_SIZES][NR_CALLS][REPS];
	double clk[REPS], ns[NR_CALLS];
	struct sched_lease_info info[NR_SIZES];
	struct machine m;

	for (unsigned r = 0; r < REPS; r++) {
		clk[r] = clock_cost();
		for (unsigned z = 0; z < NR_SIZES; z++) {
			build(&m, sizes[z]);
			rep(&m, false, ns, &info[z]);
			sim_free(m.sim);
			for (unsigned k = 0; k < NR_CALLS; k++)
				v[z][k][r] = ns[k] - clk[r];
		}
	}
	printf("bench_lease: ns per library call, median of %d reps (a fresh machine each); "
	       "simulator, 4 CPUs, CPU 3 leased; clock read pair %.1f ns (median) subtracted\n",
	       REPS, median(clk, REPS));
	printf("%-6s %-9s %10s %10s %12s\n", "N", "call", "ns", "min_ns", "ns/thread");
	for (unsigned z = 0; z < NR_SIZES; z++)
		for (unsigned k = 0; k < NR_CALLS; k++) {
			double mid = median(v[z][k], REPS); /* sorts: [0] is the minimum */

			printf("%-6u %-9s %10.1f %10.1f", sizes[z], call_names[k], mid, v[z][k][0]);
			if (k == 0)
				printf(" %12.1f\n", mid / sizes[z]);
			else
				printf(" %12s\n", "-");
		}
	printf("activation record (step counts):\n");
	for (unsigned z = 0; z < NR_SIZES; z++)
		print_record(sizes[z], &info[z]);
}

/* Under callgrind (bench_lease_count.sh): one dump per rep and call. */
static void count(void)
{
	char label[64];
	double ns[NR_CALLS];
	struct sched_lease_info info[NR_SIZES];
	struct machine m;

	for (unsigned i = 0; i < COUNT_REPS; i++) {
		CALLGRIND_TOGGLE_COLLECT;
		CALLGRIND_TOGGLE_COLLECT;
	}
	snprintf(label, sizeof(label), "toggle - %d", COUNT_REPS);
	CALLGRIND_DUMP_STATS_AT(label);
	for (unsigned z = 0; z < NR_SIZES; z++)
		for (unsigned r = 0; r < COUNT_REPS; r++) {
			build(&m, sizes[z]);
			rep(&m, true, ns, &info[z]);
			sim_free(m.sim);
		}
	for (unsigned z = 0; z < NR_SIZES; z++)
		print_record(sizes[z], &info[z]);
}

int main(int argc, char **argv)
{
	bool counting = argc > 1 && strcmp(argv[1], "count") == 0;

	if (argc > 2 || (argc > 1 && !counting)) {
		fprintf(stderr, "usage: bench_lease [count]\n");
		return 2;
	}
#ifndef HAVE_CALLGRIND
	if (counting)
		die("built without valgrind/callgrind.h");
#endif
	if (counting)
		count();
	else
		host();
	return 0;
}
