/* SPDX-License-Identifier: MIT */
/*
 * bench_balance - cost of one periodic load-balance call, sched__balance(rq, now)
 * (libsched/balance.c): what sched_timer() runs on a CPU whose rq->next_balance is due.
 * The call is made directly, on its own CPU (sim_enter makes that CPU the executing one
 * for the simulator's arch hooks, as it is for sched_timer's caller), so whatever passes
 * the balancer makes are measured and nothing else of the timer interrupt. After each
 * call, outside the measurement, comes what follows it in a timer interrupt: the pick if
 * one is due (a running thread the balance chose to move leaves there) and the IPIs it
 * sent arriving (the simulator's events at that instant).
 *
 * Machine: the simulator (arch/sim), benchmark mode (no trace sink), 2, 8 or 64 CPUs
 * without SMT, the library's default fair policy and balance settings, 10 or 1000
 * CPU-bound threads of equal weight (nice 0) and no program. Every thread starts on CPU 0:
 * created with affinity {0}, woken there, then given every CPU as affinity (a queued
 * thread allowed where it is does not move), so CPU 0 holds them all.
 *
 *   spread  from that start, the balance calls that move threads. Sweeps over the CPUs in
 *           order, one call on each CPU with queued threads (the CPUs whose timer
 *           balances), until a sweep moves nothing; simulated time stands still meanwhile.
 *           Reported: calls and calls that moved a thread per round, and over the calls
 *           that moved: ns per call (median over REPEAT rounds of the round's mean, a
 *           fresh machine each round) and threads moved per call.
 *   steady  then, the loads as even as they get (with 10 threads on 8 CPUs, or 1000 on 64,
 *           some CPUs keep one thread more than the others): batches of calls, round-robin
 *           over the CPUs with queued threads (bal_cpus of them); ns per call is the
 *           median over the batches of the batch's mean. Between two batches the machine
 *           runs SIM_GAP of simulated time (its own timers, slices, balance and steals),
 *           so every batch sees other running threads, queue orders and progress. If no
 *           CPU has a queued thread (10 threads on 64 CPUs: there the timer never
 *           balances), the calls go round-robin over the CPUs running a thread instead,
 *           and the row is marked `*`. Steady calls that moved threads (rotation, when
 *           threads on the lighter CPUs have got ahead) are counted in moves/call and
 *           their mean ns printed under the row.
 *
 * Moves are read from public counters: threads moved off their CPU (SCHED_CNT_MIGRATE_OUT
 * less SCHED_CNT_STEALS) over the call and its follow-up, of which pushes
 * (SCHED_CNT_BALANCE_MOVES); rot/call is the rest. Each call is timed alone and the cost
 * of reading the clock (measured around nothing) subtracted. Every figure includes the
 * simulator's hooks the call uses (the IPI hook pushes an event on the simulator's heap
 * when a move must kick its target). The steady calls repeat on a few CPUs at one instant,
 * so their data is warm in cache; a real timer balances once per interval (4 ms by
 * default), colder. No figure is checked against a limit.
 *
 * Instruction counts: `bench_balance count` (built with valgrind/callgrind.h) turns
 * callgrind collection on around each measured sched__balance() call alone and dumps the
 * stats after each configuration's moving spread calls and its steady calls (the spread is
 * run once unmeasured to learn which calls move, then again on a fresh, identical machine
 * with collection on around those calls only: the simulator is deterministic).
 * bench/bench_balance_count.sh runs it under callgrind and prints instructions per call.
 *
 *   bench_balance [count] [CALLS [REPEAT]]
 *       CALLS: steady calls per batch (default 1000; 200 with count); REPEAT: steady
 *       batches and spread rounds (default 21; 1 with count). Small values keep a plain
 *       `valgrind --tool=callgrind` run short (its totals then hold the set-up and the
 *       simulator too).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"
#include "balance.h" /* sched__balance: the library's periodic balance pass */

#include "callgrind.h"
#include "host_time.h"

#define MS 1000000ull
#define BATCH 1000          /* steady calls per batch */
#define REPEAT 21           /* steady batches and spread rounds */
#define COUNT_CALLS 200     /* steady calls under `count` */
#define SIM_GAP (4 * MS)    /* simulated time between two steady batches */
#define MAX_SPREAD_CALLS 1000000 /* a spread that does not settle by then is reported */

static const unsigned cpu_counts[] = { 2, 8, 64 };
static const unsigned thread_counts[] = { 10, 1000 };

#define NR_CPU_COUNTS (sizeof(cpu_counts) / sizeof(cpu_counts[0]))
#define NR_THREAD_COUNTS (sizeof(thread_counts) / sizeof(thread_counts[0]))

static bool counting;

static void die(const char *what)
{
	fprintf(stderr, "bench_balance: %s\n", what);
	exit(1);
}

/* The cost of one clock read pair around nothing: median over REPEAT batches of BATCH. */
static double clock_cost(void)
{
	double v[REPEAT];

	for (unsigned r = 0; r < REPEAT; r++) {
		double sum = 0;

		for (unsigned i = 0; i < BATCH; i++) {
			double t0 = now_ns();

			sum += now_ns() - t0;
		}
		v[r] = sum / BATCH;
	}
	return median(v, REPEAT);
}

/* --- the machine ------------------------------------------------------------------------ */

/* `cpus` CPUs, n CPU-bound threads of equal weight, all queued on CPU 0 (one running). */
static struct sim *build(unsigned cpus, unsigned n)
{
	struct sim_config cfg = { .cpus = cpus, .smt = 1, .seed = 1, .bench_mode = true };
	struct sim *sim = sim_new(&cfg);
	struct sim_thread **t = calloc(n, sizeof(*t));
	sched_cpumask_t cpu0, all;

	if (!sim || !t)
		die("simulator set-up failed");
	sched_cpumask_clear(&cpu0);
	sched_cpumask_set(&cpu0, 0);
	sched_cpumask_fill(&all, cpus);
	for (unsigned i = 0; i < n; i++) {
		struct sched_thread_params p = { .nice = 0, .affinity = &cpu0 };

		t[i] = sim_thread_new(sim, &p);
		if (!t[i])
			die("thread set-up failed");
		sim_enter(sim, 0);
		if (sched_wake(&sim->sys, sched_ref_of(&t[i]->st), SCHED_WAKE_NEW) < 0)
			die("wake failed");
		if (sched_need_resched(&sim->sys, 0))
			sim_resched(sim, 0);
		sim_run_until(sim, sim->now);
	}
	sim_enter(sim, 0);
	for (unsigned i = 0; i < n; i++)
		if (sched_set_affinity(&sim->sys, sched_ref_of(&t[i]->st), &all) < 0)
			die("affinity change failed");
	sim_run_until(sim, sim->now);
	free(t);
	if (sim->rq[0].nr_queued != n - 1 || sim->rq[0].curr->is_idle)
		die("the threads did not all start on CPU 0");
	return sim;
}

/* max - min of the CPUs' runnable threads (queued + a running one). */
static unsigned load_gap(struct sim *sim)
{
	unsigned lo = ~0u, hi = 0;

	for (unsigned c = 0; c < sim->cfg.cpus; c++) {
		unsigned l = sim->rq[c].nr_queued + !sim->rq[c].curr->is_idle;

		lo = l < lo ? l : lo;
		hi = l > hi ? l : hi;
	}
	return hi - lo;
}

static uint64_t counter_sum(struct sim *sim, unsigned counter)
{
	uint64_t n = 0;

	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		n += sched_cpu_counter(&sim->sys, c, counter);
	return n;
}

/* What one call did. */
struct call {
	double ns;                /* host ns of sched__balance() alone, clock cost subtracted */
	uint64_t moved;           /* threads it moved off their CPU */
	uint64_t pushed;          /* ... of which by the load-evening push */
};

/*
 * One periodic balance on `cpu`, then what the timer interrupt's caller does after it:
 * the pick if one is due (a current thread the balance chose to move leaves there), and
 * the IPIs it sent arrive (the simulator's events at this instant). Moved threads: the
 * CPUs' migrations out over the call and that follow-up, less idle steals (none expected:
 * no CPU picks with an empty queue here); pushed: SCHED_CNT_BALANCE_MOVES. Only public
 * counters are read, so every pass of the balancer counts, whatever its own counter.
 * collect: callgrind collection on around the call alone.
 */
static struct call balance_call(struct sim *sim, unsigned cpu, double clk, bool collect)
{
	uint64_t out = counter_sum(sim, SCHED_CNT_MIGRATE_OUT);
	uint64_t steals = counter_sum(sim, SCHED_CNT_STEALS);
	uint64_t pushes = counter_sum(sim, SCHED_CNT_BALANCE_MOVES);
	struct call r;
	double t0;

	sim_enter(sim, cpu);
	t0 = now_ns();
	if (collect) {
		CALLGRIND_TOGGLE_COLLECT;
	}
	sched__balance(&sim->rq[cpu], sim->now);
	if (collect) {
		CALLGRIND_TOGGLE_COLLECT;
	}
	r.ns = now_ns() - t0 - clk;
	if (sched_need_resched(&sim->sys, cpu))
		sim_resched(sim, cpu);
	sim_run_until(sim, sim->now);
	r.moved = counter_sum(sim, SCHED_CNT_MIGRATE_OUT) - out -
		  (counter_sum(sim, SCHED_CNT_STEALS) - steals);
	r.pushed = counter_sum(sim, SCHED_CNT_BALANCE_MOVES) - pushes;
	return r;
}

/*
 * The next CPU after `prev` (round) whose timer balances: one with queued threads. If
 * there is none, the next one running a thread (*fallback set), else prev + 1.
 */
static unsigned next_balancing_cpu(struct sim *sim, unsigned prev, bool *fallback)
{
	unsigned cpus = sim->cfg.cpus;

	for (unsigned i = 1; i <= cpus; i++)
		if (sim->rq[(prev + i) % cpus].nr_queued)
			return (prev + i) % cpus;
	*fallback = true;
	for (unsigned i = 1; i <= cpus; i++)
		if (!sim->rq[(prev + i) % cpus].curr->is_idle)
			return (prev + i) % cpus;
	return (prev + 1) % cpus;
}

static unsigned nr_balancing_cpus(struct sim *sim)
{
	unsigned k = 0;

	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		k += sim->rq[c].nr_queued > 0;
	return k;
}

/* --- spread: the calls that move threads ------------------------------------------------ */

struct spread {
	unsigned calls, moving;   /* calls made; calls that moved a thread */
	uint64_t moved, pushed;   /* threads moved by those */
	double ns;                /* summed host ns of the moving calls */
	bool settled;             /* a sweep moved nothing before MAX_SPREAD_CALLS */
	unsigned char *pattern;   /* per call: moved something (recorded, or to replay) */
};

/*
 * Sweep until a sweep moves nothing. record: note in r->pattern which calls moved. replay
 * (count mode): collection on around the calls the pattern marks, and the moves must
 * match it.
 */
static void spread(struct sim *sim, struct spread *r, double clk, bool record, bool replay)
{
	unsigned cpus = sim->cfg.cpus;
	bool moved_in_sweep = true;

	while (moved_in_sweep && r->calls < MAX_SPREAD_CALLS) {
		moved_in_sweep = false;
		for (unsigned c = 0; c < cpus && r->calls < MAX_SPREAD_CALLS; c++) {
			struct call k;

			if (!sim->rq[c].nr_queued)
				continue;
			k = balance_call(sim, c, clk, replay && r->pattern[r->calls]);
			if (record)
				r->pattern[r->calls] = k.moved > 0;
			if (replay && (k.moved > 0) != (r->pattern[r->calls] != 0))
				die("the counted spread differs from the probe run");
			r->calls++;
			if (k.moved) {
				r->moving++;
				r->moved += k.moved;
				r->pushed += k.pushed;
				r->ns += k.ns;
				moved_in_sweep = true;
			}
		}
	}
	r->settled = !moved_in_sweep;
}

/* --- steady: loads as even as they get ------------------------------------------------- */

struct steady {
	double ns;                /* median over the batches of the mean ns per call */
	uint64_t calls, moved, pushed;
	uint64_t moving;          /* calls that moved a thread, and their summed ns */
	double moving_ns;
	unsigned bal_cpus;        /* CPUs with queued threads, at the last batch */
	unsigned gap;             /* the largest load_gap() a batch started with */
	bool fallback;            /* a call found none (it went to a busy CPU instead) */
};

static void steady(struct sim *sim, struct steady *r, unsigned calls, unsigned batches,
		   double clk)
{
	double *ns = calloc(batches, sizeof(*ns));
	unsigned cpu = sim->cfg.cpus - 1;

	if (!ns)
		die("out of memory");
	for (unsigned b = 0; b < batches; b++) {
		double sum = 0;

		sim_run_until(sim, sim->now + SIM_GAP);
		r->gap = load_gap(sim) > r->gap ? load_gap(sim) : r->gap;
		r->bal_cpus = nr_balancing_cpus(sim);
		for (unsigned i = 0; i < calls; i++) {
			struct call k;

			cpu = next_balancing_cpu(sim, cpu, &r->fallback);
			k = balance_call(sim, cpu, clk, counting);
			sum += k.ns;
			if (k.moved) {
				r->moving++;
				r->moving_ns += k.ns;
			}
			r->moved += k.moved;
			r->pushed += k.pushed;
		}
		r->calls += calls;
		ns[b] = sum / calls;
	}
	r->ns = median(ns, batches);
	free(ns);
}

static void check(struct sim *sim)
{
	if (sched_check(&sim->sys) < 0) {
		fprintf(stderr, "bench_balance: invariant broken: %s (%u)\n", sim->sys.check_msg,
			sim->sys.check_arg);
		exit(1);
	}
}

/* --- the configurations ------------------------------------------------------------------ */

static void host_row(unsigned cpus, unsigned n, unsigned calls, unsigned repeat, double clk)
{
	double *per_round = calloc(repeat, sizeof(*per_round));
	struct spread total = { 0 };
	struct steady st = { 0 };
	unsigned rounds_moving = 0, gap = 0;
	bool settled = true;
	struct sim *sim = NULL;

	if (!per_round)
		die("out of memory");
	for (unsigned r = 0; r < repeat; r++) {
		struct spread one = { 0 };

		sim_free(sim);
		sim = build(cpus, n);
		spread(sim, &one, clk, false, false);
		check(sim);
		settled &= one.settled;
		gap = load_gap(sim) > gap ? load_gap(sim) : gap;
		if (one.moving)
			per_round[rounds_moving++] = one.ns / one.moving;
		total.calls += one.calls;
		total.moving += one.moving;
		total.moved += one.moved;
	}
	/* the last round's machine, settled, goes on to the steady state */
	steady(sim, &st, calls, repeat, clk);
	check(sim);
	printf("%4u %7u %8u%c %8.1f %10.4f %9.4f | %8.1f %7.1f %8.1f %10.2f%s%s\n", cpus, n,
	       st.bal_cpus, st.fallback ? '*' : ' ', st.ns, (double)st.moved / (double)st.calls,
	       (double)(st.moved - st.pushed) / (double)st.calls, (double)total.calls / repeat,
	       (double)total.moving / repeat, median(per_round, rounds_moving),
	       total.moving ? (double)total.moved / total.moving : 0.0,
	       settled ? "" : "  (spread did not settle)",
	       gap > 1 || st.gap > 1 ? "  (loads left more than one thread apart)" : "");
	if (st.moving)
		printf("%12s %llu steady calls moved threads, %.1f ns each on average\n", "",
		       (unsigned long long)st.moving, st.moving_ns / (double)st.moving);
	fflush(stdout);
	sim_free(sim);
	free(per_round);
}

/* Under callgrind (bench_balance_count.sh): one dump per configuration and part, labelled
 * "PART CPUS THREADS CALLS MOVED TOGGLE_PAIRS" (PART steady* for the fallback). */
static void count_row(unsigned cpus, unsigned n, unsigned calls)
{
	struct spread probe = { 0 }, counted = { 0 };
	struct steady st = { 0 };
	struct sim *sim = build(cpus, n);
	char label[128];

	probe.pattern = calloc(MAX_SPREAD_CALLS, 1);
	counted.pattern = probe.pattern;
	if (!probe.pattern)
		die("out of memory");
	spread(sim, &probe, 0, true, false);
	sim_free(sim);
	sim = build(cpus, n);
	spread(sim, &counted, 0, false, true);
	if (counted.calls != probe.calls || counted.moved != probe.moved)
		die("the counted spread differs from the probe run");
	snprintf(label, sizeof(label), "spread %u %u %u %llu %u", cpus, n, counted.moving,
		 (unsigned long long)counted.moved, counted.moving);
	CALLGRIND_DUMP_STATS_AT(label);
	steady(sim, &st, calls, 1, 0);
	snprintf(label, sizeof(label), "steady%s %u %u %llu %llu %llu", st.fallback ? "*" : "",
		 cpus, n, (unsigned long long)st.calls, (unsigned long long)st.moved,
		 (unsigned long long)st.calls);
	CALLGRIND_DUMP_STATS_AT(label);
	check(sim);
	sim_free(sim);
	free(probe.pattern);
}

int main(int argc, char **argv)
{
	unsigned calls, repeat;
	int a = 1;
	char *end;

	counting = argc > 1 && strcmp(argv[1], "count") == 0;
	a += counting;
	calls = counting ? COUNT_CALLS : BATCH;
	repeat = counting ? 1 : REPEAT;
	if (argc > a + 2)
		goto usage;
	if (argc > a) {
		calls = (unsigned)strtoul(argv[a], &end, 10);
		if (*end || !calls)
			goto usage;
	}
	if (argc > a + 1) {
		repeat = (unsigned)strtoul(argv[a + 1], &end, 10);
		if (*end || !repeat)
			goto usage;
	}
#ifndef HAVE_CALLGRIND
	if (counting)
		die("built without valgrind/callgrind.h");
#endif
	printf("command:");
	for (int i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	if (counting) {
		/* the cost of a toggle pair around nothing */
		for (unsigned i = 0; i < calls; i++) {
			CALLGRIND_TOGGLE_COLLECT;
			CALLGRIND_TOGGLE_COLLECT;
		}
		{
			char label[64];

			snprintf(label, sizeof(label), "toggle 0 0 %u 0 %u", calls, calls);
			CALLGRIND_DUMP_STATS_AT(label);
		}
		for (unsigned i = 0; i < NR_CPU_COUNTS; i++)
			for (unsigned j = 0; j < NR_THREAD_COUNTS; j++)
				count_row(cpu_counts[i], thread_counts[j], calls);
		printf("bench_balance count: done; the figures are in the callgrind dumps "
		       "(bench/bench_balance_count.sh)\n");
		return 0;
	}
	printf("bench_balance: one periodic balance call, sched__balance() on its own CPU, as "
	       "sched_timer() runs it; simulator, CPU-bound threads of equal weight, all started "
	       "on CPU 0\n");
	printf("steady: loads as even as they get; median of %u batches of %u calls, round-robin "
	       "over the CPUs with queued threads (bal_cpus; *: none, over the busy CPUs), "
	       "%llu ms simulated between batches\n", repeat, calls,
	       (unsigned long long)(SIM_GAP / MS));
	printf("spread: from all on CPU 0, sweeps over the CPUs until one moves nothing: calls "
	       "and moving calls per round, ns per moving call (median of %u rounds' means), "
	       "threads moved per moving call\n", repeat);
	printf("moves: threads moved off their CPU per call; rot: of those, not by the "
	       "load-evening push (SCHED_CNT_BALANCE_MOVES): rotation\n");
	{
		double clk = clock_cost();

		printf("a clock read pair, %.1f ns, is subtracted from every call\n", clk);
		printf("%28s | %s\n", "steady", "spread");
		printf("%4s %7s %9s %8s %10s %9s | %8s %7s %8s %10s\n", "cpus", "threads", "bal_cpus",
		       "ns/call", "moves/call", "rot/call", "calls", "moving", "ns/call", "moves/call");
		for (unsigned i = 0; i < NR_CPU_COUNTS; i++)
			for (unsigned j = 0; j < NR_THREAD_COUNTS; j++)
				host_row(cpu_counts[i], thread_counts[j], calls, repeat, clk);
	}
	return 0;
usage:
	fprintf(stderr, "usage: bench_balance [count] [CALLS [REPEAT]]\n");
	return 2;
}
