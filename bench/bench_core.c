/* SPDX-License-Identifier: MIT */
/*
 * bench_core - what SMT core scheduling (include/sched/core.h) costs. This file builds two
 * programs (bench/meson.build):
 *
 * bench_core (-DBENCH_CORE_PICK): the pick, on the library with this file's own arch stub
 *   (not the simulator, whose timer hook pushes an event on its heap at every re-arm): 2 or
 *   4 CPUs in cores of 2 SMT siblings (topology core = cpu / 2), a clock the benchmark sets,
 *   one timer variable and one IPI flag per CPU, no trace sink, EEVDF with its default
 *   slice. Every CPU holds two CPU-bound threads pinned to it (one in the `forced` layout,
 *   below), so every CPU switches between its two at each slice end. Events are delivered
 *   in time order, pending IPIs at once (before any timer, i.e. with no delivery latency),
 *   timer interrupts exactly at the armed instant; the periodic balance is set to its
 *   longest interval (1 s) and an event that runs it is never measured. On 4 CPUs the
 *   second core (CPUs 2, 3) holds the same layout as the first and runs alongside; every
 *   row measures one kind of event on CPU 0 or 1:
 *
 *   off       core_sched off. The slice-end timer interrupt on CPU 0 and its pick, which
 *             switches to the CPU's other thread: the reference the rows below are
 *             compared with.
 *   untagged  core_sched on, no thread has a cookie: the same slice-end switch on CPU 0.
 *             With nothing tagged on the core every CPU picks alone (core_active() is
 *             false; SCHED_CNT_CORE_PICKS does not move), but the pick still keeps the
 *             per-CPU cookie index, the sequence counter and the force-idle state.
 *   conflict  core_sched on, two cookies: each CPU holds one thread of cookie A and one
 *             of cookie B, and the core alternates between them slice by slice. The
 *             slice-end interrupt on CPU 0, whose pick is a fresh core-wide pick (CPU 0's
 *             SCHED_CNT_CORE_PICKS + 1): both siblings' best threads are compared, the
 *             core moves to the other cookie, CPU 1 gets an IPI (its current thread now
 *             has the wrong cookie), and CPU 0 switches to idle: its new thread may not
 *             run before CPU 1 has left the old cookie (the strict invariant).
 *   reuse     the same machine: that IPI on CPU 1 and its pick, which takes CPU 1's part
 *             of CPU 0's core pick (SCHED_CNT_CORE_REUSED + 1 on CPU 1), switches to its
 *             thread of the new cookie and releases CPU 0 with an IPI.
 *   release   the same machine: that IPI on CPU 0 and its pick, which takes CPU 0's part
 *             of its own core pick (SCHED_CNT_CORE_REUSED + 1 on CPU 0) and switches from
 *             idle to its thread of the new cookie. conflict + reuse + release is one
 *             change of the core's cookie: 3 interrupts and 3 switches where core
 *             scheduling off takes 2 of each.
 *   same      core_sched on, every thread has the same cookie: the slice-end interrupt on
 *             CPU 0, a core-wide pick (tagged threads are queued). The siblings run in
 *             step, so the pick also chooses CPU 1's next thread and sends it an IPI,
 *             which CPU 1 takes (a `reuse`) in place of its own slice-end timer.
 *   forced    core_sched on; CPU 0 holds a thread of cookie A and one of B, CPU 1 only
 *             one of A (on 4 CPUs CPU 2 and 3 mirror them). When CPU 0's core pick moves
 *             the core to B, the IPI on CPU 1 and its pick: it reuses its part of the core
 *             pick (nothing), goes forced idle (SCHED_CNT_FORCED_IDLE + 1 on CPU 1) and
 *             kicks CPU 0, whose slice end is now needed. (It does not try to steal: its
 *             only runnable thread is the one it was running; docs/performance.md.)
 *
 * Two figures per row: `pick` counts sched_pick() + sched_finish_switch() alone; `event`
 * counts the whole interrupt: sched_timer() or sched_ipi(), then the pick. Every measured
 * event is first run on a copy of the machine (not measured) and taken only if it does
 * what its row says; after the measured run the row is checked again.
 *
 *   bench_core [count | stats]
 *       (default) host ns per event; `count`: instruction counts under callgrind, run by
 *       bench/bench_core_count.sh (collection on only around each measured part, one dump
 *       per row and figure); `stats`: per-CPU counters of each machine over 10 simulated
 *       seconds (who switches, on which interrupt), nothing measured.
 *
 * bench_core_idle (without BENCH_CORE_PICK): throughput lost to force idle, on the
 *   simulator (arch/sim): 4 CPUs (2 cores x 2 SMT siblings), CPU-bound threads that never
 *   block, 10 simulated seconds, each workload with core scheduling off and on; busy time /
 *   capacity from sim_cpu_busy_ns(), forced idle per CPU from sched_core_forced_idle_ns().
 *   No switch or timer-interrupt cost is simulated, so what is lost is idle time alone.
 *   Every run is repeated for each IPI delivery latency given (default 0 and 2 us): a CPU
 *   waiting for its sibling to leave the old cookie waits that long, and placement reads
 *   the siblings' running cookies while IPIs are in flight.
 *
 *   bench_core_idle [seconds [seed [ipi_latency_ns ...]]]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sched/sched.h>

#define MS 1000000ull
#define S (1000 * MS)

static void die(const char *what)
{
	fprintf(stderr, "bench_core: %s\n", what);
	exit(1);
}

#ifdef BENCH_CORE_PICK

#include <sched/arch.h>

#include "callgrind.h"
#include "host_time.h"

#define NCPU 4
#define BATCH 1000
#define REPEAT 50
#define COUNT_OPS 2000           /* events per row and figure under callgrind */

/* --- the machine and its arch stub ------------------------------------------------------ */

enum layout { L_UNTAGGED, L_CONFLICT, L_SAME, L_FORCED };

struct machine {
	unsigned cpus;
	bool core_sched;
	enum layout layout;
	sched_time_t clock;
	sched_time_t timer[NCPU];  /* armed instant, SCHED_TIME_NEVER if none */
	bool ipi[NCPU];            /* a reschedule IPI is pending */
	unsigned cur;              /* the CPU an event runs on (sched_arch_cpu_id) */
	struct sched_sys sys;
	struct sched_rq rq[NCPU];
	struct sched_thread idle[NCPU];
	struct sched_thread t[2 * NCPU]; /* t[2c], t[2c + 1] pinned to CPU c */
	unsigned nr_threads;
};

static struct machine *m;

sched_time_t sched_arch_now(void) { return m->clock; }
void sched_arch_set_timer(sched_time_t deadline) { m->timer[m->cur] = deadline; }
void sched_arch_send_resched(unsigned cpu) { m->ipi[cpu] = true; }
unsigned sched_arch_cpu_id(void) { return m->cur; }
unsigned long sched_arch_irq_save(void) { return 0; }
void sched_arch_irq_restore(unsigned long flags) { (void)flags; }
void sched_arch_cpu_relax(void) { die("spin-wait: nobody else holds a lock here"); }
/* A failed SCHED_ASSERT (library built with SCHED_DEBUG). No trace or notify callback is
 * installed: the figures are of the library alone. */
void sched_arch_assert_fail(const char *expr, const char *file, unsigned line)
{
	fprintf(stderr, "libsched assertion failed: %s at %s:%u\n", expr, file, line);
	abort();
}

/* --- measurement: callgrind toggles or host clock reads around the measured part ------- */

enum part { P_NONE, P_PICK, P_EVENT };

static bool counting;
static enum part measured;      /* what the current event measures */
static double t_start, t_sum;   /* host timing */

static void mark_on(enum part p)
{
	if (p != measured)
		return;
	if (counting)
		CALLGRIND_TOGGLE_COLLECT;
	else
		t_start = now_ns();
}

static void mark_off(enum part p)
{
	if (p != measured)
		return;
	if (counting)
		CALLGRIND_TOGGLE_COLLECT;
	else
		t_sum += now_ns() - t_start;
}

/* --- events --------------------------------------------------------------------------------- */

enum kind { K_TIMER, K_IPI };

/* The next event: a pending IPI (lowest CPU first), else the earliest timer (ties: the
 * lowest CPU). False if nothing is pending. */
static bool peek(unsigned *cpu, enum kind *k)
{
	sched_time_t best = SCHED_TIME_NEVER;

	for (unsigned c = 0; c < m->cpus; c++)
		if (m->ipi[c]) {
			*cpu = c, *k = K_IPI;
			return true;
		}
	for (unsigned c = 0; c < m->cpus; c++)
		if (m->timer[c] != SCHED_TIME_NEVER &&
		    (best == SCHED_TIME_NEVER || sched_time_before(m->timer[c], best)))
			best = m->timer[c], *cpu = c, *k = K_TIMER;
	return best != SCHED_TIME_NEVER;
}

/* The interrupt on `cpu`, and the pick if it asks for one (as a kernel does). */
static void event(unsigned cpu, enum kind k)
{
	bool pick;

	m->cur = cpu;
	if (k == K_TIMER) {
		if (sched_time_before(m->clock, m->timer[cpu]))
			m->clock = m->timer[cpu];
		m->timer[cpu] = SCHED_TIME_NEVER; /* it fired: the library arms what it needs */
	} else {
		m->ipi[cpu] = false;
	}
	mark_on(P_EVENT);
	pick = k == K_TIMER ? sched_timer(&m->sys, cpu) : sched_ipi(&m->sys, cpu);
	if (pick) {
		mark_on(P_PICK);
		sched_pick(&m->sys, cpu);
		sched_finish_switch(&m->sys, cpu);
		mark_off(P_PICK);
	}
	mark_off(P_EVENT);
}

static void step(void)
{
	unsigned cpu;
	enum kind k;

	if (!peek(&cpu, &k))
		die("nothing pending");
	event(cpu, k);
}

/* A local wake (or anything else) asked CPU `cpu` for a pick. */
static void resched_if_due(unsigned cpu)
{
	m->cur = cpu;
	if (sched_need_resched(&m->sys, cpu)) {
		sched_pick(&m->sys, cpu);
		sched_finish_switch(&m->sys, cpu);
	}
}

/* --- machines ------------------------------------------------------------------------------- */

static struct sched_thread *thread(unsigned cpu, unsigned i)
{
	return &m->t[2 * cpu + i];
}

/* Which threads exist and their cookies: 'A', 'B', or 0 (untagged, or no thread: '-'). */
static char cookie_plan(unsigned cpu, unsigned i)
{
	switch (m->layout) {
	case L_CONFLICT:
		return i ? 'B' : 'A';
	case L_SAME:
		return 'A';
	case L_FORCED:
		return cpu % 2 ? (i ? '-' : 'A') : (i ? 'B' : 'A');
	default:
		return 0;
	}
}

static void machine_new(struct machine *x, unsigned cpus, bool core_sched, enum layout layout)
{
	struct sched_config cfg = { .policy = "eevdf", /* no trace or notify callback */
				    .balance_interval_ns = 1000 * MS, .core_sched = core_sched };
	struct sched_topology topo = { .nr_cpus = cpus };
	struct sched_thread *first[2] = { NULL, NULL };

	m = x;
	memset(m, 0, sizeof(*m));
	m->cpus = cpus;
	m->core_sched = core_sched;
	m->layout = layout;
	m->clock = 1000 * MS;
	for (unsigned c = 0; c < cpus; c++) {
		topo.core[c] = (uint16_t)(c / 2);
		m->timer[c] = SCHED_TIME_NEVER;
	}
	if (sched_init(&m->sys, m->rq, &topo, &cfg) < 0 || sched_measure(&m->sys, true) < 0)
		die("sched_init failed"); /* measuring: the rows check SCHED_CNT_CORE_REUSED */
	for (unsigned c = 0; c < cpus; c++) {
		m->cur = c;
		if (sched_cpu_online(&m->sys, c, &m->idle[c]) < 0)
			die("online failed");
	}
	m->cur = 0;
	for (unsigned c = 0; c < cpus; c++)
		for (unsigned i = 0; i < 2; i++) {
			char plan = cookie_plan(c, i);
			sched_cpumask_t pin;
			struct sched_thread_params p = { .id = 2 * c + i + 1, .affinity = &pin };
			struct sched_thread *t = thread(c, i);
			struct sched_auth root = sched_auth_root(&m->sys);

			if (plan == '-')
				continue;
			sched_cpumask_clear(&pin);
			sched_cpumask_set(&pin, c);
			if (sched_thread_init(&m->sys, t, &p) < 0)
				die("thread set-up failed");
			if (plan) {
				struct sched_thread **f = &first[plan - 'A'];
				int r = *f ? sched_core_share(&m->sys, root, sched_ref_of(*f),
							      sched_ref_of(t), SCHED_CORE_THREAD)
					   : sched_core_create(&m->sys, root, sched_ref_of(t),
							       SCHED_CORE_THREAD);

				if (r < 0)
					die("cookie set-up failed");
				if (!*f)
					*f = t;
			}
			m->nr_threads++;
		}
	for (unsigned c = 0; c < cpus; c++)
		for (unsigned i = 0; i < 2; i++)
			if (cookie_plan(c, i) != '-') {
				m->cur = 0;
				if (sched_wake(&m->sys, sched_ref_of(thread(c, i)), SCHED_WAKE_NEW) < 0)
					die("wake failed");
				resched_if_due(0);
			}
	for (unsigned i = 0; i < 200; i++) /* settle: deliver the wakes' IPIs, run a while */
		step();
}

static void machine_check(void)
{
	if (sched_check(&m->sys) < 0) {
		fprintf(stderr, "bench_core: invariant broken: %s (%u)\n", m->sys.check_msg,
			m->sys.check_arg);
		exit(1);
	}
	for (unsigned c = 0; c < m->cpus; c += 2) {
		const struct sched_thread *x = m->rq[c].curr, *y = m->rq[c + 1].curr;

		if (!x->is_idle && !y->is_idle && x->cookie != y->cookie)
			die("siblings run different cookies");
	}
}

/* --- rows ------------------------------------------------------------------------------------ */

enum expect { E_SWITCH, E_CORE_PICK, E_CORE_WAIT, E_REUSE, E_FORCED };

struct row {
	const char *name;
	bool core_sched;
	enum layout layout;
	unsigned cpu;
	enum kind kind;
	enum expect expect;
};

static const struct row rows[] = {
	{ "off",      false, L_UNTAGGED, 0, K_TIMER, E_SWITCH },
	{ "untagged", true,  L_UNTAGGED, 0, K_TIMER, E_SWITCH },
	{ "conflict", true,  L_CONFLICT, 0, K_TIMER, E_CORE_WAIT },
	{ "reuse",    true,  L_CONFLICT, 1, K_IPI,   E_REUSE },
	{ "release",  true,  L_CONFLICT, 0, K_IPI,   E_REUSE },
	{ "same",     true,  L_SAME,     0, K_TIMER, E_CORE_PICK },
	{ "forced",   true,  L_FORCED,   1, K_IPI,   E_FORCED },
};

#define NR_ROWS (sizeof(rows) / sizeof(rows[0]))
static const unsigned topologies[] = { 2, 4 };
#define NR_TOPO (sizeof(topologies) / sizeof(topologies[0]))

static struct machine machines[NR_TOPO][NR_ROWS], snap;

/* Counters of the whole machine (summed) or of one CPU, before an event. */
struct before {
	uint64_t cnt[NCPU][SCHED_CNT_NR];
	sched_time_t next_balance;
	const struct sched_thread *curr;
	sched_cookie_t core_cookie;
};

static void before_of(struct before *b, unsigned cpu)
{
	for (unsigned c = 0; c < m->cpus; c++)
		for (unsigned i = 0; i < SCHED_CNT_NR; i++)
			b->cnt[c][i] = sched_cpu_counter(&m->sys, c, i);
	b->next_balance = m->rq[cpu].next_balance;
	b->curr = m->rq[cpu].curr;
	b->core_cookie = m->rq[cpu].core->core_state.cookie;
}

static uint64_t delta(const struct before *b, unsigned cpu, unsigned counter)
{
	return sched_cpu_counter(&m->sys, cpu, counter) - b->cnt[cpu][counter];
}

/* Did the event on r->cpu do what the row says (and nothing that is not measured here)? */
static bool row_ok(const struct row *r, const struct before *b)
{
	unsigned c = r->cpu;
	const struct sched_thread *now = m->rq[c].curr;
	bool switched = now != b->curr && !now->is_idle && delta(b, c, SCHED_CNT_SWITCHES) == 1;

	if (m->rq[c].next_balance != b->next_balance || delta(b, c, SCHED_CNT_STEALS))
		return false;
	switch (r->expect) {
	case E_SWITCH:
		return switched && !delta(b, c, SCHED_CNT_CORE_PICKS) && !delta(b, c, SCHED_CNT_CORE_REUSED);
	case E_CORE_PICK:
		return switched && delta(b, c, SCHED_CNT_CORE_PICKS) == 1;
	case E_CORE_WAIT:
		return now->is_idle && delta(b, c, SCHED_CNT_CORE_PICKS) == 1 &&
		       m->rq[c].core->core_state.cookie != b->core_cookie && m->ipi[c ^ 1];
	case E_REUSE:
		return switched && delta(b, c, SCHED_CNT_CORE_REUSED) == 1 &&
		       !delta(b, c, SCHED_CNT_CORE_PICKS);
	case E_FORCED:
		return now->is_idle && delta(b, c, SCHED_CNT_CORE_REUSED) == 1 &&
		       delta(b, c, SCHED_CNT_FORCED_IDLE) == 1 && !delta(b, c, SCHED_CNT_CORE_PICKS);
	}
	return false;
}

/* Run events until the next one is r's kind on r's CPU and does what r says (tried on a
 * copy of the machine first). */
static void prep(const struct row *r)
{
	enum part keep = measured;

	measured = P_NONE;
	for (unsigned i = 0; i < 10000; i++) {
		unsigned cpu;
		enum kind k;

		if (peek(&cpu, &k) && cpu == r->cpu && k == r->kind) {
			struct before b;
			bool ok;

			memcpy(&snap, m, sizeof(snap));
			before_of(&b, cpu);
			event(cpu, k);
			ok = row_ok(r, &b);
			memcpy(m, &snap, sizeof(snap));
			if (ok) {
				measured = keep;
				return;
			}
		}
		step();
	}
	fprintf(stderr, "bench_core: row %s on %u CPUs: the event never comes\n", r->name, m->cpus);
	exit(1);
}

/* One measured event of row r (prep first). Returns IPIs it sent, over every CPU. */
static uint64_t measure(const struct row *r)
{
	struct before b;
	uint64_t ipis = 0;

	prep(r);
	before_of(&b, r->cpu);
	event(r->cpu, r->kind);
	if (!row_ok(r, &b))
		die("a measured event did not do what its row says");
	for (unsigned c = 0; c < m->cpus; c++)
		ipis += delta(&b, c, SCHED_CNT_IPI_SENT);
	return ipis;
}

/* --- host timing ------------------------------------------------------------------------------ */

static double clock_cost(void)
{
	double best = 1e18;

	for (unsigned r = 0; r < REPEAT; r++) {
		double sum = 0;

		for (unsigned i = 0; i < BATCH; i++) {
			double t0 = now_ns();

			sum += now_ns() - t0;
		}
		best = sum / BATCH < best ? sum / BATCH : best;
	}
	return best;
}

static void host(void)
{
	double ns[NR_TOPO][NR_ROWS][2], clk;
	uint64_t ipis[NR_TOPO][NR_ROWS] = { { 0 } };

	for (unsigned t = 0; t < NR_TOPO; t++)
		for (unsigned i = 0; i < NR_ROWS; i++)
			ns[t][i][0] = ns[t][i][1] = 1e18;
	/* every row gets one batch per round, so load that comes and goes hits all alike */
	for (unsigned rep = 0; rep < REPEAT; rep++)
		for (unsigned t = 0; t < NR_TOPO; t++)
			for (unsigned i = 0; i < NR_ROWS; i++)
				for (unsigned p = 0; p < 2; p++) {
					m = &machines[t][i];
					measured = p ? P_EVENT : P_PICK;
					t_sum = 0;
					for (unsigned n = 0; n < BATCH; n++)
						ipis[t][i] += measure(&rows[i]);
					if (t_sum / BATCH < ns[t][i][p])
						ns[t][i][p] = t_sum / BATCH;
				}
	clk = clock_cost();
	printf("bench_core: ns per event, best of %d batches of %d; EEVDF, cores of 2 SMT siblings, "
	       "2 pinned CPU-bound threads per CPU\n", REPEAT, BATCH);
	printf("%-9s %4s %8s %8s %8s %8s %5s\n", "row", "cpus", "pick", "vs_off", "event", "vs_off",
	       "ipis");
	for (unsigned t = 0; t < NR_TOPO; t++)
		for (unsigned i = 0; i < NR_ROWS; i++) {
			double pk = ns[t][i][0] - clk, ev = ns[t][i][1] - clk;
			double pk0 = ns[t][0][0] - clk, ev0 = ns[t][0][1] - clk;

			printf("%-9s %4u %8.1f %+8.1f %8.1f %+8.1f %5.2f\n", rows[i].name,
			       topologies[t], pk, pk - pk0, ev, ev - ev0,
			       (double)ipis[t][i] / (2.0 * REPEAT * BATCH));
		}
}

/* --- instruction counts ------------------------------------------------------------------------- */

/* Under callgrind: COUNT_OPS events with collection on around the measured part, then a dump
 * named "ROW CPUS PART OPS IPIS" (IPIS: IPIs the events sent). The `toggle` rows measure the
 * toggles around nothing. */
static void count(void)
{
	char label[96];

	for (unsigned i = 0; i < COUNT_OPS; i++) {
		CALLGRIND_TOGGLE_COLLECT;
		CALLGRIND_TOGGLE_COLLECT;
	}
	snprintf(label, sizeof(label), "toggle 0 - %u 0", COUNT_OPS);
	CALLGRIND_DUMP_STATS_AT(label);
	for (unsigned t = 0; t < NR_TOPO; t++)
		for (unsigned i = 0; i < NR_ROWS; i++)
			for (unsigned p = 0; p < 2; p++) {
				uint64_t ipis = 0;

				m = &machines[t][i];
				measured = p ? P_EVENT : P_PICK;
				for (unsigned n = 0; n < COUNT_OPS; n++)
					ipis += measure(&rows[i]);
				snprintf(label, sizeof(label), "%s %u %s %u %llu", rows[i].name,
					 topologies[t], p ? "event" : "pick", COUNT_OPS,
					 (unsigned long long)ipis);
				CALLGRIND_DUMP_STATS_AT(label);
			}
}

/* `bench_core stats`: what each machine does on its own (no measurement): per CPU, over
 * STATS_NS of simulated time, the switches and what started them. */
#define STATS_NS (10 * S)

static void stats(void)
{
	static const unsigned cnt[] = { SCHED_CNT_TIMER_IRQ, SCHED_CNT_IPI_RECEIVED,
					SCHED_CNT_SWITCHES, SCHED_CNT_PICK_IDLE,
					SCHED_CNT_CORE_PICKS, SCHED_CNT_CORE_REUSED,
					SCHED_CNT_FORCED_IDLE, SCHED_CNT_BUSY_NS };

	printf("bench_core stats: per CPU over %llu s of simulated time\n",
	       (unsigned long long)(STATS_NS / S));
	printf("%-9s %4s %3s %8s %8s %8s %8s %8s %8s %8s %7s\n", "machine", "cpus", "cpu", "timer",
	       "ipi", "switch", "to_idle", "core_pk", "reused", "forced", "busy%");
	for (unsigned t = 0; t < NR_TOPO; t++)
		for (unsigned i = 0; i < NR_ROWS; i++) {
			uint64_t before[NCPU][SCHED_CNT_NR];
			sched_time_t end;

			if (i && rows[i].core_sched == rows[i - 1].core_sched &&
			    rows[i].layout == rows[i - 1].layout)
				continue; /* the same machine as the row before */
			m = &machines[t][i];
			for (unsigned c = 0; c < m->cpus; c++)
				for (unsigned k = 0; k < SCHED_CNT_NR; k++)
					before[c][k] = sched_cpu_counter(&m->sys, c, k);
			for (end = m->clock + STATS_NS; sched_time_before(m->clock, end);)
				step();
			for (unsigned c = 0; c < m->cpus; c++) {
				uint64_t d[8];

				for (unsigned k = 0; k < 8; k++)
					d[k] = sched_cpu_counter(&m->sys, c, cnt[k]) - before[c][cnt[k]];
				printf("%-9s %4u %3u %8llu %8llu %8llu %8llu %8llu %8llu %8llu %7.2f\n",
				       rows[i].name, m->cpus, c, (unsigned long long)d[0],
				       (unsigned long long)d[1], (unsigned long long)d[2],
				       (unsigned long long)d[3], (unsigned long long)d[4],
				       (unsigned long long)d[5], (unsigned long long)d[6],
				       100.0 * (double)d[7] / (double)STATS_NS);
			}
		}
}

int main(int argc, char **argv)
{
	bool show_stats = argc > 1 && strcmp(argv[1], "stats") == 0;

	counting = argc > 1 && strcmp(argv[1], "count") == 0;
	if (argc > 2 || (argc > 1 && !counting && !show_stats)) {
		fprintf(stderr, "usage: bench_core [count | stats]\n");
		return 2;
	}
#ifndef HAVE_CALLGRIND
	if (counting) {
		fprintf(stderr, "bench_core: built without valgrind/callgrind.h\n");
		return 2;
	}
#endif
	for (unsigned t = 0; t < NR_TOPO; t++)
		for (unsigned i = 0; i < NR_ROWS; i++)
			machine_new(&machines[t][i], topologies[t], rows[i].core_sched, rows[i].layout);
	if (counting)
		count();
	else if (show_stats)
		stats();
	else
		host();
	for (unsigned t = 0; t < NR_TOPO; t++)
		for (unsigned i = 0; i < NR_ROWS; i++) {
			m = &machines[t][i];
			machine_check();
		}
	return 0;
}

#else /* !BENCH_CORE_PICK: force idle on the simulator */

#include "sim.h"

/* A workload: `cookies` cookies of `per_cookie` CPU-bound threads each, and `untagged`
 * CPU-bound threads without a cookie (0 or per_cookie of them). */
struct workload_plan {
	const char *name;
	unsigned cookies, per_cookie, untagged;
};

static const struct workload_plan plans[] = {
	{ "mixed",   3, 2, 2 },  /* 3 cookies x 2 + 2 untagged: 4 domains of 2 on 2 cores */
	{ "grouped", 2, 4, 0 },  /* 2 cookies x 4: a core can always be filled by one cookie */
	{ "uneven",  3, 3, 0 },  /* 3 cookies x 3: some CPU holds an odd mix */
	{ "singles", 5, 1, 0 },  /* 5 cookies x 1: no sibling can ever be filled */
};

#define NR_PLANS (sizeof(plans) / sizeof(plans[0]))
#define CPUS 4
#define SMT 2
#define MAX_THREADS 16
#define MAX_LATENCIES 8

struct result {
	uint64_t busy, capacity, forced[CPUS], forced_total;
	uint64_t core_picks, reused, switches, ipis, steals;
	uint64_t domain_ns[MAX_THREADS]; /* runtime per cookie, the untagged last */
	char where[CPUS][MAX_THREADS + 1]; /* the domains of each CPU's threads at the end */
};

/*
 * One run: every thread is created, tagged (with core scheduling on: sched_core_create for
 * the first of a cookie, sched_core_share for the others) and woken from CPU 0 at time 0:
 * by domain (A1 A2 B1 B2 ...) or interleaved (A1 B1 C1 u1 A2 B2 ...), which only changes
 * where wake placement puts them. Then `seconds` of simulated time.
 */
static struct result run(const struct workload_plan *w, bool core_sched, bool interleaved,
			 uint64_t ipi_latency, uint64_t seconds, uint64_t seed)
{
	struct sim_config cfg = { .cpus = CPUS, .smt = SMT, .seed = seed, .bench_mode = true,
				  .core_sched = core_sched, .ipi_latency_ns = ipi_latency };
	struct sim *sim = sim_new(&cfg);
	unsigned tagged = w->cookies * w->per_cookie, n = tagged + w->untagged;
	unsigned domains = w->cookies + (w->untagged > 0);
	struct sim_thread *t[MAX_THREADS];
	struct result r;

	memset(&r, 0, sizeof(r));
	if (!sim || n > MAX_THREADS || (w->untagged && w->untagged != w->per_cookie))
		die("simulator set-up failed");
	sched_measure(&sim->sys, true); /* its table reports SCHED_CNT_CORE_REUSED */
	for (unsigned i = 0; i < n; i++) {
		struct sched_thread_params p = { 0 };
		struct sched_auth root = sched_auth_root(&sim->sys);
		struct sim_thread *first;

		t[i] = sim_thread_new(sim, &p);
		if (!t[i])
			die("thread set-up failed");
		if (!core_sched || i >= tagged)
			continue;
		first = t[i - i % w->per_cookie];
		if ((first == t[i] ? sched_core_create(&sim->sys, root, sched_ref_of(&t[i]->st),
						       SCHED_CORE_THREAD)
				   : sched_core_share(&sim->sys, root, sched_ref_of(&first->st),
						      sched_ref_of(&t[i]->st), SCHED_CORE_THREAD)) < 0)
			die("cookie set-up failed");
	}
	for (unsigned j = 0; j < n; j++) {
		unsigned i = interleaved ? (j % domains) * w->per_cookie + j / domains : j;

		sim_enter(sim, 0);
		if (sched_wake(&sim->sys, sched_ref_of(&t[i]->st), SCHED_WAKE_NEW) < 0)
			die("wake failed");
		if (sched_need_resched(&sim->sys, 0))
			sim_resched(sim, 0);
		sim_run_until(sim, sim->now);
	}
	sim_run_until(sim, seconds * S);
	if (sched_check(&sim->sys) < 0) {
		fprintf(stderr, "bench_core_idle: invariant broken: %s (%u)\n", sim->sys.check_msg,
			sim->sys.check_arg);
		exit(1);
	}
	r.capacity = CPUS * seconds * S;
	for (unsigned c = 0; c < CPUS; c++) {
		r.busy += sim_cpu_busy_ns(sim, c);
		r.forced[c] = core_sched ? sched_core_forced_idle_ns(&sim->sys, c) : 0;
		r.forced_total += r.forced[c];
		r.core_picks += sched_cpu_counter(&sim->sys, c, SCHED_CNT_CORE_PICKS);
		r.reused += sched_cpu_counter(&sim->sys, c, SCHED_CNT_CORE_REUSED);
		r.switches += sched_cpu_counter(&sim->sys, c, SCHED_CNT_SWITCHES);
		r.ipis += sched_cpu_counter(&sim->sys, c, SCHED_CNT_IPI_SENT);
		r.steals += sched_cpu_counter(&sim->sys, c, SCHED_CNT_STEALS);
	}
	for (unsigned i = 0; i < n; i++) {
		struct sched_acct a;
		unsigned d = i < tagged ? i / w->per_cookie : w->cookies;
		char *wh = r.where[t[i]->st.cpu];
		size_t len = strlen(wh);

		if (sched_thread_stats(&sim->sys, sched_ref_of(&t[i]->st), &a) < 0)
			die("stats failed");
		r.domain_ns[d] += a.v[SCHED_ACCT_RUNTIME];
		wh[len] = d < w->cookies ? (char)('A' + d) : 'u';
	}
	sim_free(sim);
	return r;
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

static void print_run(const struct workload_plan *w, bool interleaved, uint64_t lat,
		      const struct result *r, const struct result *off)
{
	bool on = r != off;

	printf("%-8s %-5s %6.1f %-4s %7.2f %7.2f %6.0f %6.0f %6.0f %6.0f %8.0f %7llu %7llu %7llu "
	       "%6llu %6llu  %s|%s %s|%s\n", w->name, interleaved ? "inter" : "dom", lat / 1e3,
	       on ? "on" : "off", pct(r->busy, r->capacity), on ? 100.0 - pct(r->busy, off->busy) : 0.0,
	       r->forced[0] / 1e6, r->forced[1] / 1e6, r->forced[2] / 1e6, r->forced[3] / 1e6,
	       r->forced_total / 1e6, (unsigned long long)r->core_picks,
	       (unsigned long long)r->reused, (unsigned long long)r->switches,
	       (unsigned long long)r->ipis, (unsigned long long)r->steals, r->where[0], r->where[1],
	       r->where[2], r->where[3]);
	if (!on)
		return;
	printf("  busy time per domain, on (off):");
	for (unsigned d = 0; d < w->cookies + (w->untagged > 0); d++) {
		char name[16] = "u";

		if (d < w->cookies)
			snprintf(name, sizeof(name), "%c", 'A' + (int)d);
		printf(" %s %.1f%% (%.1f%%)", name, pct(r->domain_ns[d], r->busy),
		       pct(off->domain_ns[d], off->busy));
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	uint64_t seconds = argc > 1 ? strtoull(argv[1], NULL, 10) : 10;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	uint64_t lat[MAX_LATENCIES] = { 0, 2000 };
	unsigned nr_lat = 2;

	if (argc > 3) {
		nr_lat = 0;
		for (int i = 3; i < argc && nr_lat < MAX_LATENCIES; i++)
			lat[nr_lat++] = strtoull(argv[i], NULL, 10);
	}
	if (!seconds || argc > 3 + MAX_LATENCIES) {
		fprintf(stderr, "usage: bench_core_idle [seconds [seed [ipi_latency_ns ...]]]\n");
		return 2;
	}
	printf("bench_core_idle: %u CPUs (%u cores x %u SMT), EEVDF, CPU-bound threads, %llu s "
	       "simulated, seed %llu\n", CPUS, CPUS / SMT, SMT, (unsigned long long)seconds,
	       (unsigned long long)seed);
	printf("%-8s %-5s %6s %-4s %7s %7s %6s %6s %6s %6s %8s %7s %7s %7s %6s %6s  %s\n",
	       "workload", "start", "ipi_us", "core", "util%", "loss%", "fi0_ms", "fi1_ms",
	       "fi2_ms", "fi3_ms", "fi_ms", "c_picks", "reused", "switch", "ipis", "steals",
	       "threads on cpu0|1 2|3");
	for (unsigned l = 0; l < nr_lat; l++)
		for (unsigned i = 0; i < NR_PLANS; i++)
			for (unsigned order = 0; order < 2; order++) {
				const struct workload_plan *w = &plans[i];
				struct result off = run(w, false, order, lat[l], seconds, seed);
				struct result on = run(w, true, order, lat[l], seconds, seed);

				print_run(w, order, lat[l], &off, &off);
				print_run(w, order, lat[l], &on, &off);
			}
	return 0;
}

#endif
