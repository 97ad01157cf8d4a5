/* SPDX-License-Identifier: MIT */
/*
 * bench_sc - cost of the SchedulingContext enforcement paths on one CPU, next to the same
 * timer and pick paths of a fair (EEVDF) thread:
 *   charge     a timer interrupt charges the running thread and lets it go on: an SC
 *              thread with budget left (EDF charge, refill ring) or a fair thread with
 *              slice left (EEVDF charge)
 *   switch     fair: the timer at the slice end, and the pick that switches to the other
 *              fair thread (the fair counterpart of the two SC switches below)
 *   deplete    the timer at the budget end charges the SC thread to zero, and the pick
 *              moves it to the refill wait (throttle) and switches to the fair thread
 *   replenish  the timer at the refill instant moves the waiting thread back into EDF,
 *              and the pick preempts the fair thread for it
 *   late       `deplete` with the timer late by the rest of the budget, so that one
 *              charge consumes every refill in the ring (the O(refills) case)
 * The SC is sporadic (budget 50 ms, period 100 ms, overrun policy THROTTLE). Its refill
 * ring holds 1, 8 or 64 refills: the thread first runs the budget in that many chunks with
 * gaps between them (blocking and waking), which leaves one refill per chunk, and the
 * deplete/replenish cycle then keeps that many: the refills column is the count while the
 * thread waits (while it runs, the used part of the head is one more).
 *
 * The machine is the library with a minimal arch stub (like tests/stress_threads.c), not
 * the simulator, whose timer hook pushes an event on its heap at every re-arm: one CPU, a
 * clock the benchmark sets, a timer that is one variable, no trace sink. Timer interrupts
 * come exactly at the armed instant. The periodic balance is set to its longest interval
 * (1 s) and its timer interrupts, when due, are taken outside the measurement.
 *
 * Host timing (default): ns per operation, best of REPEAT batches of BATCH. `charge` is
 * timed per batch; the switches need set-up between two operations, so each is timed alone
 * and the cost of reading the clock (the `clock` row, measured the same way around nothing)
 * is subtracted.
 * Instruction counts (`bench_sc count`, run under callgrind by bench/bench_sc_count.sh):
 * collection is on only around each operation, and each row ends with a stats dump.
 *
 *   bench_sc [count]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sched/arch.h>
#include <sched/sched.h>

#include "callgrind.h"
#include "host_time.h"

#define MS 1000000ull
#define BATCH 1000
#define REPEAT 50
#define COUNT_OPS 2000            /* operations per row under callgrind */
#define BUDGET (50 * MS)
#define PERIOD (100 * MS)
#define DT 250ull                 /* ns between two charging timer interrupts */
#define RING_CAP 128              /* refill slots: the chunks, plus the head being used */

/* --- the machine and its arch stub: one CPU, a clock the benchmark sets, a timer -------- */

/* One CPU with two threads: `a` (SC-bound in an SC machine, fair otherwise) and fair `f`. */
struct machine {
	sched_time_t clock;
	sched_time_t timer;       /* armed instant, SCHED_TIME_NEVER if none */
	struct sched_sys sys;
	struct sched_rq rq[1];
	struct sched_thread idle, a, f;
	struct sched_sc pool[1];
	struct sched_refill ring[RING_CAP];
	struct sched_sc_cap cap;
	unsigned refills;         /* SC machine: chunks of the budget, refills while throttled */
	uint64_t chunk;           /* budget / refills */
};

/* The machine the hooks act on; the rows switch between machines. */
static struct machine *m;

static void die(const char *what)
{
	fprintf(stderr, "bench_sc: %s\n", what);
	exit(1);
}

sched_time_t sched_arch_now(void) { return m->clock; }
void sched_arch_set_timer(sched_time_t deadline) { m->timer = deadline; }
void sched_arch_send_resched(unsigned cpu) { (void)cpu; die("IPI on a one-CPU machine"); }
unsigned sched_arch_cpu_id(void) { return 0; }
unsigned long sched_arch_irq_save(void) { return 0; }
void sched_arch_irq_restore(unsigned long flags) { (void)flags; }
void sched_arch_cpu_relax(void) { die("spin-wait on a one-CPU machine"); }
/* A failed SCHED_ASSERT (library built with SCHED_DEBUG). No notify or trace callback is
 * installed: the figures are of the library alone. */
void sched_arch_assert_fail(const char *expr, const char *file, unsigned line)
{
	fprintf(stderr, "libsched assertion failed: %s at %s:%u\n", expr, file, line);
	abort();
}

static struct sched_thread *curr(void)
{
	return m->rq[0].curr;
}

static void resched_if_due(void)
{
	if (sched_need_resched(&m->sys, 0)) {
		sched_pick(&m->sys, 0);
		sched_finish_switch(&m->sys, 0);
	}
}

/* The timer interrupt `late` ns after the armed instant (at once if that has passed), and
 * the pick if it asks for one. */
static void fire_late(uint64_t late)
{
	if (m->timer == SCHED_TIME_NEVER)
		die("no timer armed");
	m->clock = (sched_time_before(m->timer, m->clock) ? m->clock : m->timer) + late;
	m->timer = SCHED_TIME_NEVER; /* it fired: the library arms what it needs next */
	if (sched_timer(&m->sys, 0)) {
		sched_pick(&m->sys, 0);
		sched_finish_switch(&m->sys, 0);
	}
}

static void fire(void)
{
	fire_late(0);
}

/* True if the armed timer is (also) the periodic balance. */
static bool balance_due(void)
{
	return m->rq[0].nr_queued && !sched_time_before(m->timer, m->rq[0].next_balance);
}

static void skip_balance(void)
{
	while (balance_due())
		fire();
}

static void wake(struct sched_thread *t)
{
	if (sched_wake(&m->sys, sched_ref_of(t), SCHED_WAKE_PARK) < 0)
		die("wake failed");
	resched_if_due();
}

/*
 * Leave the SC with `refills` refills: run the budget in that many chunks, with a gap of
 * one chunk after each but the last (a = current blocks, f runs, a wakes). The last chunk
 * ends at the armed timer: a is throttled. Every chunk comes back one period after it
 * started, a chunk and a gap after the one before, so none merge. Then wait for the first
 * refill: a is current with one chunk of budget.
 */
static void fragment(unsigned refills)
{
	struct sched_thread *next;

	m->refills = refills;
	m->chunk = BUDGET / refills;
	for (unsigned i = 0; i + 1 < refills; i++) {
		m->clock += m->chunk;
		if (curr() != &m->a || sched_block(&m->sys, 0, &next) < 0)
			die("fragment: the SC thread is not running");
		sched_finish_switch(&m->sys, 0);
		m->clock += m->chunk;
		wake(&m->a);
	}
	fire();
	if (curr() != &m->f || !m->a.sc_wait || m->pool[0].count != refills)
		die("fragment: ring not as planned");
	fire();
	if (curr() != &m->a)
		die("fragment: no replenishment");
}

/* Make x the current machine, fresh: a and f runnable; with `refills` > 0, a holds a
 * configured sporadic SC whose ring has that many refills. */
static void machine_new(struct machine *x, unsigned refills)
{
	struct sched_config cfg = { .policy = "eevdf", /* no trace or notify callback */
				    .balance_interval_ns = 1000 * MS };
	struct sched_topology topo = { .nr_cpus = 1 };
	struct sched_sc_params p = { .budget_ns = BUDGET, .period_ns = PERIOD,
				     .mode = SCHED_SC_SPORADIC, .overrun = SCHED_SC_THROTTLE };

	m = x;
	memset(m, 0, sizeof(*m));
	m->clock = 1000 * MS;
	m->timer = SCHED_TIME_NEVER;
	if (sched_init(&m->sys, m->rq, &topo, &cfg) < 0 ||
	    sched_cpu_online(&m->sys, 0, &m->idle) < 0 ||
	    sched_thread_init(&m->sys, &m->a, &(struct sched_thread_params){ .id = 1 }) < 0 ||
	    sched_thread_init(&m->sys, &m->f, &(struct sched_thread_params){ .id = 2 }) < 0)
		die("machine set-up failed");
	sched_wake(&m->sys, sched_ref_of(&m->a), SCHED_WAKE_NEW);
	sched_wake(&m->sys, sched_ref_of(&m->f), SCHED_WAKE_NEW);
	resched_if_due();
	if (!refills)
		return;
	sched_cpumask_clear(&p.cpus);
	sched_cpumask_set(&p.cpus, 0);
	if (sched_sc_pool(&m->sys, m->pool, 1) < 0 ||
	    sched_sc_create(&m->sys, NULL, m->ring, RING_CAP, &m->cap) < 0 ||
	    sched_sc_configure(&m->sys, sched_auth_root(&m->sys), m->cap, &p) < 0 ||
	    sched_sc_bind(&m->sys, m->cap, sched_ref_of(&m->a)) < 0)
		die("SC set-up failed");
	resched_if_due();
	if (curr() != &m->a)
		die("the bound thread did not preempt");
	fragment(refills);
}

static void machine_check(void)
{
	if (sched_check(&m->sys) < 0) {
		fprintf(stderr, "bench_sc: invariant broken: %s (%u)\n", m->sys.check_msg,
			m->sys.check_arg);
		exit(1);
	}
}

/* --- operations: prep (not measured) puts the machine where op (measured) applies ------ */

struct path {
	const char *name;
	void (*prep)(void);
	void (*op)(void);
	void (*post)(void);       /* dies if the op did not do what the row says */
	bool batch;               /* prep once per batch (enough room for BATCH ops) */
};

static void nothing(void)
{
}

/* The current thread (a, in an SC machine) may be charged BATCH times DT without its slice
 * or budget ending. */
static void prep_charge(void)
{
	for (unsigned i = 0; m->timer - m->clock <= (BATCH + 1) * DT || balance_due() ||
			     (m->refills && curr() != &m->a); i++) {
		if (i > 100)
			die("no room for a batch of charges");
		fire();
	}
}

static void op_charge(void)
{
	m->clock += DT;
	if (sched_timer(&m->sys, 0))
		die("a charge asked for a pick");
}

static struct sched_thread *switch_from;

static void prep_switch(void)
{
	skip_balance();
	switch_from = curr();
}

static void post_switch(void)
{
	if (curr() == switch_from || curr()->is_idle)
		die("the slice end did not switch");
}

/* Fire until the SC thread runs (prep of deplete), or waits while f runs (replenish). */
static void prep_deplete(void)
{
	for (unsigned i = 0; curr() != &m->a || balance_due(); i++) {
		if (i > 100)
			die("the SC thread never runs");
		fire();
	}
}

static void post_deplete(void)
{
	if (curr() != &m->f || !m->a.sc_wait)
		die("the depletion did not throttle");
}

static void prep_replenish(void)
{
	for (unsigned i = 0; curr() != &m->f || !m->a.sc_wait || balance_due(); i++) {
		if (i > 100)
			die("the SC thread never waits");
		fire();
	}
}

static void post_replenish(void)
{
	if (curr() != &m->a)
		die("the replenishment did not preempt");
}

/* Just replenished: a runs with one whole chunk, and its timer is the chunk's end (not a
 * balance due before it). */
static void prep_late(void)
{
	for (unsigned i = 0;; i++) {
		if (i > 100)
			die("late: never at the start of a chunk");
		prep_replenish();
		fire();
		if (curr() == &m->a && !balance_due() && m->timer == m->clock + m->chunk)
			return;
	}
}

/* Late by the rest of the budget: the charge is the whole budget, every refill. */
static void op_late(void)
{
	fire_late(BUDGET - m->chunk);
}

static const struct path p_clock = { "clock", nothing, nothing, nothing, false };
static const struct path p_charge = { "charge", prep_charge, op_charge, nothing, true };
static const struct path p_switch = { "switch", prep_switch, fire, post_switch, false };
static const struct path p_deplete = { "deplete", prep_deplete, fire, post_deplete, false };
static const struct path p_replenish = { "replenish", prep_replenish, fire, post_replenish, false };
static const struct path p_late = { "late", prep_late, op_late, post_deplete, false };

/* --- the rows: one machine per configuration ---------------------------------------------- */

static struct machine fair_m, sc_m[3];
static const unsigned ring_sizes[3] = { 1, 8, 64 };

struct row {
	const struct path *path;
	struct machine *mach;
	const struct path *fair;  /* the fair row it is compared with, or NULL */
	double ns;                /* best batch */
};

#define SC_ROWS(i) { &p_charge, &sc_m[i], &p_charge, 0 }, { &p_deplete, &sc_m[i], &p_switch, 0 }, \
		   { &p_replenish, &sc_m[i], &p_switch, 0 }, { &p_late, &sc_m[i], &p_switch, 0 }

static struct row rows[] = {
	{ &p_clock, &fair_m, NULL, 0 },
	{ &p_charge, &fair_m, NULL, 0 },
	{ &p_switch, &fair_m, NULL, 0 },
	SC_ROWS(0), SC_ROWS(1), SC_ROWS(2),
};

#define NR_ROWS (sizeof(rows) / sizeof(rows[0]))

static void machines_new(void)
{
	machine_new(&fair_m, 0);
	for (unsigned i = 0; i < 3; i++)
		machine_new(&sc_m[i], ring_sizes[i]);
}

static const char *thread_of(const struct row *r)
{
	return r->path == &p_clock ? "-" : r->mach->refills ? "sc" : "fair";
}

/* The fair row's figure that r is compared with. */
static double fair_figure(const struct row *r)
{
	for (unsigned i = 0; i < NR_ROWS; i++)
		if (rows[i].path == r->fair && rows[i].mach == &fair_m)
			return rows[i].ns;
	return 0;
}

/* --- host timing ------------------------------------------------------------------------------ */

/* Mean ns of one batch on the current machine: timed as a whole, or op by op. */
static double batch(const struct path *p)
{
	double sum = 0, t0;

	if (p->batch) {
		p->prep();
		t0 = now_ns();
		for (unsigned i = 0; i < BATCH; i++)
			p->op();
		return (now_ns() - t0) / BATCH;
	}
	for (unsigned i = 0; i < BATCH; i++) {
		p->prep();
		t0 = now_ns();
		p->op();
		sum += now_ns() - t0;
		p->post();
	}
	return sum / BATCH;
}

/*
 * Every row gets one batch per round, so each row's best comes from the whole run rather
 * than from one stretch of it (this machine's load comes and goes). The per-op rows then
 * lose the clock row's figure: what two clock reads cost around nothing.
 */
static void host(void)
{
	double clk;

	for (unsigned i = 0; i < NR_ROWS; i++)
		rows[i].ns = 1e18;
	for (unsigned r = 0; r < REPEAT; r++)
		for (unsigned i = 0; i < NR_ROWS; i++) {
			double x;

			m = rows[i].mach;
			x = batch(rows[i].path);
			rows[i].ns = x < rows[i].ns ? x : rows[i].ns;
		}
	clk = rows[0].ns;
	for (unsigned i = 1; i < NR_ROWS; i++)
		if (!rows[i].path->batch)
			rows[i].ns -= clk;
	printf("bench_sc: ns per operation, best of %d batches of %d; 1 CPU, EEVDF; "
	       "SC sporadic %llu/%llu ms, throttle\n", REPEAT, BATCH,
	       (unsigned long long)(BUDGET / MS), (unsigned long long)(PERIOD / MS));
	printf("%-10s %-6s %7s %8s %8s\n", "path", "thread", "refills", "ns", "vs_fair");
	for (unsigned i = 0; i < NR_ROWS; i++) {
		const struct row *r = &rows[i];

		printf("%-10s %-6s ", r->path->name, thread_of(r));
		if (r->mach->refills)
			printf("%7u %8.1f %+8.1f\n", r->mach->refills, r->ns, r->ns - fair_figure(r));
		else
			printf("%7s %8.1f %8s\n", "-", r->ns, "-");
	}
}

/* --- instruction counts -------------------------------------------------------------------- */

/* Under callgrind: COUNT_OPS operations with collection on, then a dump named for the row. */
static void count(const struct row *r)
{
	const struct path *p = r->path;
	char label[64];

	m = r->mach;
	for (unsigned i = 0; i < COUNT_OPS; i++) {
		if (!p->batch || i % BATCH == 0)
			p->prep();
		CALLGRIND_TOGGLE_COLLECT;
		p->op();
		CALLGRIND_TOGGLE_COLLECT;
		p->post();
	}
	snprintf(label, sizeof(label), "%s %s %u %u", p->name, thread_of(r), m->refills, COUNT_OPS);
	CALLGRIND_DUMP_STATS_AT(label);
}

int main(int argc, char **argv)
{
	bool counting = argc > 1 && strcmp(argv[1], "count") == 0;

	if (argc > 2 || (argc > 1 && !counting)) {
		fprintf(stderr, "usage: bench_sc [count]\n");
		return 2;
	}
#ifndef HAVE_CALLGRIND
	if (counting) {
		fprintf(stderr, "bench_sc: built without valgrind/callgrind.h\n");
		return 2;
	}
#endif
	machines_new();
	if (counting)
		for (unsigned i = 0; i < NR_ROWS; i++)
			count(&rows[i]);
	else
		host();
	for (unsigned i = 0; i < 4; i++) {
		m = i ? &sc_m[i - 1] : &fair_m;
		machine_check();
	}
	return 0;
}
