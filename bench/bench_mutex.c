/* SPDX-License-Identifier: MIT */
/*
 * bench_mutex - what libsched's mutexes cost (include/sched/mutex.h; libsched/mutex.c, and
 * libsched/proxy.c for the lending), per library call, on the simulator, one CPU:
 *
 *   free      uncontended: the running (fair) thread locks a free mutex and unlocks it
 *             with nobody waiting. `lock` and `unlock` are timed one by one; `pair` is
 *             lock + unlock back to back, timed as a whole batch (no clock read between).
 *   handover  the owner o holds m and runs; a more urgent thread w wakes, preempts it and
 *             calls sched_mutex_lock(m): `lock` blocks w, carries what w lends to o (with a
 *             SCHED_MUTEX_PROXY mutex) and picks o. o runs, then calls sched_mutex_unlock(m):
 *             `unlock` makes w the owner, gives back what w lent o and wakes w (which
 *             preempts o at the pick that follows, outside the measurement). Owners and
 *             waiters: a fair owner and a FIFO 30 waiter (o inherits priority 30: it moves
 *             from the fair class to the fixed-priority one and back), a FIFO 10 owner and a
 *             FIFO 30 waiter (a requeue within the class), a fair owner and a waiter bound
 *             to an SC (o runs on that SC: EDF, charged to the waiter's budget; sporadic,
 *             50 ms per 100 ms, throttle). Each with m PROXY, m PLAIN (no lending: proxy
 *             - plain is the lending) and `bare`: the same two threads doing the same
 *             switch with no mutex, sched_block by w and sched_wake of w by o (plain -
 *             bare is the mutex's own bookkeeping).
 *   chain4    t1 holds m1 and waits for m2, held by t2, which waits for m3 (t3's), which
 *             waits for m4 (t4's); t4 runs (FIFO 11, 12, 13, 14 for t4 .. t1). t0 (FIFO 30)
 *             wakes and locks m1: `lock` carries priority 30 through the 4 owners t1 .. t4
 *             (PROXY; PLAIN lends nothing). Then the chain unwinds: t4 unlocks m4
 *             (`unlock_t4`: t3 owns it, t4 gives back 30), t3 unlocks m4 (free, not
 *             measured) and m3 (`unlock_t3`: to t2), t2 then m2 (`unlock_t2`: to t1), t1
 *             then m1 (`unlock_t1`: to t0). Each handover gives back one owner's lending;
 *             `unlocks` is the sum of the four.
 *
 * Every measured call is made by the running thread, sched_mutex_lock(SCHED_TIME_NEVER)
 * and sched_mutex_unlock as a kernel would make them. What is measured is the library call
 * alone: for a lock that blocks, that includes the pick of the next thread (the library's
 * sched__schedule, inside the call) but not sched_finish_switch nor the simulator's context
 * switch (sim_switch), nor the preemption that follows an unlock: those are the same with
 * and without a mutex, and come after the call. The arch hooks the library calls from
 * inside are the simulator's (clock read, timer re-arm, which pushes an event on its heap
 * when the timer moves); there are no IPIs on one CPU. Between two measured calls the
 * running thread runs STEP of simulated time (so every charge has time to charge), and a
 * cycle ends with the owner alone for GAP. Everything else of a cycle (waking w, blocking,
 * the unlocks and locks that set the next cycle up) is outside the measurement. Each
 * cycle checks that the calls did what the row says (who runs, who owns, who inherits)
 * and dies if not; the library's own checkers run on every machine at the end.
 *
 * Machine: the simulator (arch/sim) in benchmark mode (no trace sink), 1 CPU, the default
 * fair policy (EEVDF), fixed-priority throttling off (SCHED_RT_UNLIMITED: a FIFO owner runs
 * all the time), the checker off while measuring.
 *
 * Host timing (default): ns per call; each run is the mean over CYCLES cycles, each call
 * timed alone less the cost of a clock read pair measured in the same run (the `pair`
 * batch needs no correction); printed: the median of RUNS runs. Rows are interleaved (one
 * run of each row per round), so the machine's load moves all of them together.
 * Instruction counts (`bench_mutex count`, run under callgrind by bench/bench_mutex_count.sh):
 * for each row and call, COUNT_CYCLES cycles with callgrind collection on around that call
 * alone, then a stats dump labelled "CASE OWNER WAITER MUTEX CALL CYCLES"; a `toggle` dump
 * holds the same number of toggle pairs around nothing. No figure is checked against a limit.
 *
 *   bench_mutex [count]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sched/mutex.h>

#include "sim.h"

#include "callgrind.h"
#include "host_time.h"

#define US 1000ull
#define MS 1000000ull
#define STEP (2 * US)       /* simulated time the running thread runs between two calls */
#define GAP (50 * US)       /* the owner alone at the end of a cycle */
#define CYCLES 2000         /* cycles per run (host timing) */
#define RUNS 21             /* runs: the median is printed */
#define COUNT_CYCLES 1000   /* cycles per counted call under callgrind */
#define WARM_CYCLES 50      /* cycles run once before anything is measured */
#define RING 16             /* refills of the waiter's SC */
#define MAX_CALLS 5
#define CHAIN 4             /* owners in the chain */

enum mode { BARE, PLAIN, PROXY };
static const char *const mode_names[] = { "bare", "plain", "proxy" };

enum owner_kind { OWN_FAIR, OWN_FIFO, OWN_SC_WAITER };

struct row {
	const char *kase, *owner, *waiter;
	enum mode mode;
	enum owner_kind kind;     /* handover: who owns and who waits */
	void (*build)(struct row *r);
	void (*cycle)(struct row *r, int collect, double *ns);
	bool batched;             /* host timing: the whole run at once (free pair) */
	unsigned nr_calls;
	const char *calls[MAX_CALLS];
	/* the machine */
	struct sim *sim;
	struct sim_thread *t[CHAIN + 1];
	struct sched_mutex m[CHAIN];
	struct sched_sc pool[1];
	struct sched_refill ring[RING];
	struct sched_sc_cap cap;
	/* figures */
	double run_ns[RUNS][MAX_CALLS];
	double ns[MAX_CALLS];     /* median over the runs */
};

/* The cost of a clock read pair, set per run; subtracted from the calls timed alone. */
static double clock_ns;

static void die(const char *what)
{
	fprintf(stderr, "bench_mutex: %s\n", what);
	exit(1);
}

static void expect(bool ok, const struct row *r, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_mutex: %s %s %s %s: %s\n", r->kase, r->owner, r->waiter,
			mode_names[r->mode], what);
		exit(1);
	}
}

/* Mean cost of a clock read pair around nothing, over CYCLES pairs. */
static double clock_cost(void)
{
	double sum = 0;

	for (unsigned i = 0; i < CYCLES; i++) {
		double t0 = now_ns();

		sum += now_ns() - t0;
	}
	return sum / CYCLES;
}

/* --- driving the machine (never measured) -------------------------------------------- */

static struct sim_thread *curr(struct sim *sim)
{
	return sim->cpu[0].curr;
}

/* The CPU honours a pick it asked for, then everything due now happens. */
static void settle(struct sim *sim)
{
	sim_enter(sim, 0);
	if (sched_need_resched(&sim->sys, 0))
		sim_resched(sim, 0);
	sim_run_until(sim, sim->now);
}

/* The running thread runs for ns of simulated time. */
static void run_for(struct sim *sim, uint64_t ns)
{
	sim_enter(sim, 0);
	sim_run_until(sim, sim->now + ns);
}

static void wake(struct sim *sim, struct sim_thread *t, enum sched_wake_reason how)
{
	sim_enter(sim, 0);
	if (sched_wake(&sim->sys, sched_ref_of(&t->st), how) < 0)
		die("wake failed");
	settle(sim);
}

static void block(struct sim *sim)
{
	struct sched_thread *next;

	sim_enter(sim, 0);
	if (sched_block(&sim->sys, 0, &next) < 0)
		die("block failed");
	sim_switch(sim, 0, next);
	settle(sim);
}

static void lock(struct sim *sim, struct sched_mutex *m)
{
	struct sched_thread *next;

	sim_enter(sim, 0);
	if (sched_mutex_lock(&sim->sys, 0, m, SCHED_TIME_NEVER, &next) < 0)
		die("lock failed");
	sim_switch(sim, 0, next);
	settle(sim);
}

static void unlock(struct sim *sim, struct sched_mutex *m)
{
	sim_enter(sim, 0);
	if (sched_mutex_unlock(&sim->sys, 0, m) < 0)
		die("unlock failed");
	settle(sim);
}

/* What t runs with for a lender, if anything. */
static bool lent(const struct sim_thread *t)
{
	return t->st.lent_rt || t->st.mx_sc;
}

static struct sim *machine(void)
{
	struct sim_config cfg = { .cpus = 1, .smt = 1, .seed = 1, .bench_mode = true,
				  .rt_runtime_ns = SCHED_RT_UNLIMITED };
	struct sim *sim = sim_new(&cfg);

	if (!sim)
		die("simulator set-up failed");
	return sim;
}

/* A thread, fair (prio 0) or FIFO prio, not woken yet. */
static struct sim_thread *thread(struct sim *sim, unsigned prio)
{
	struct sched_thread_params p = { 0 };
	struct sim_thread *t = sim_thread_new(sim, &p);
	struct sched_rt_params rp = { .policy = SCHED_RT_FIFO, .prio = (uint8_t)prio };

	if (!t)
		die("thread set-up failed");
	sim_enter(sim, 0);
	if (prio && sched_set_rt(&sim->sys, sched_auth_root(&sim->sys), sched_ref_of(&t->st), &rp) < 0)
		die("sched_set_rt failed");
	return t;
}

/* A fair thread bound to a sporadic SC of 50 ms per 100 ms on CPU 0 (throttle). */
static struct sim_thread *sc_thread(struct row *r)
{
	struct sched_sc_params p = { .budget_ns = 50 * MS, .period_ns = 100 * MS,
				     .mode = SCHED_SC_SPORADIC, .overrun = SCHED_SC_THROTTLE };
	struct sim *sim = r->sim;
	struct sim_thread *t = thread(sim, 0);

	sched_cpumask_clear(&p.cpus);
	sched_cpumask_set(&p.cpus, 0);
	if (sched_sc_pool(&sim->sys, r->pool, 1) < 0 ||
	    sched_sc_create(&sim->sys, NULL, r->ring, RING, &r->cap) < 0 ||
	    sched_sc_configure(&sim->sys, sched_auth_root(&sim->sys), r->cap, &p) < 0 ||
	    sched_sc_bind(&sim->sys, r->cap, sched_ref_of(&t->st)) < 0)
		die("SC set-up failed");
	return t;
}

static void init_mutexes(struct row *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		r->m[i] = (struct sched_mutex){ 0 };
		if (sched_mutex_init(&r->sim->sys, &r->m[i],
				     r->mode == PLAIN ? SCHED_MUTEX_PLAIN : SCHED_MUTEX_PROXY) < 0)
			die("mutex init failed");
	}
}

/* One measured library call: timed (ns[k] += host ns), or, when k is the call counted,
 * between two callgrind toggles. */
#define MEASURE(k, call)                                                      \
	do {                                                                  \
		if (collect == (int)(k)) {                                    \
			CALLGRIND_TOGGLE_COLLECT;                             \
			ret = (call);                                         \
			CALLGRIND_TOGGLE_COLLECT;                             \
		} else {                                                      \
			double t0_ = now_ns();                                \
			ret = (call);                                         \
			ns[k] += now_ns() - t0_;                              \
		}                                                             \
	} while (0)

/* --- free: uncontended lock and unlock -------------------------------------------------- */

/* t[0], fair, runs; m is free. */
static void build_free(struct row *r)
{
	r->sim = machine();
	r->t[0] = thread(r->sim, 0);
	init_mutexes(r, 1);
	wake(r->sim, r->t[0], SCHED_WAKE_NEW);
	expect(curr(r->sim) == r->t[0], r, "the thread does not run");
}

static void cycle_free(struct row *r, int collect, double *ns)
{
	struct sim *sim = r->sim;
	struct sched_mutex *m = &r->m[0];
	struct sched_thread *next;
	int ret;

	sim_enter(sim, 0);
	MEASURE(0, sched_mutex_lock(&sim->sys, 0, m, SCHED_TIME_NEVER, &next));
	expect(ret == 0 && next == &r->t[0]->st && m->owner == &r->t[0]->st, r, "lock did not take m");
	run_for(sim, STEP);
	MEASURE(1, sched_mutex_unlock(&sim->sys, 0, m));
	expect(ret == 0 && !m->owner, r, "unlock did not free m");
	run_for(sim, STEP);
}

/* Lock and unlock back to back: the host timing is of the whole run (run_row). */
static void cycle_pair(struct row *r, int collect, double *ns)
{
	struct sched_sys *s = &r->sim->sys;
	struct sched_thread *next;
	int a, b;

	(void)ns;
	if (collect == 0) {
		CALLGRIND_TOGGLE_COLLECT;
	}
	a = sched_mutex_lock(s, 0, &r->m[0], SCHED_TIME_NEVER, &next);
	b = sched_mutex_unlock(s, 0, &r->m[0]);
	if (collect == 0) {
		CALLGRIND_TOGGLE_COLLECT;
	}
	if (a || b || next != &r->t[0]->st)
		die("free pair: lock or unlock failed");
}

/* --- handover ------------------------------------------------------------------------------ */

/* t[0] = w, the waiter (blocked), t[1] = o, the owner, runs holding m (not in bare). */
static void build_handover(struct row *r)
{
	struct sim *sim = r->sim = machine();

	r->t[0] = r->kind == OWN_SC_WAITER ? sc_thread(r) : thread(sim, 30);
	r->t[1] = thread(sim, r->kind == OWN_FIFO ? 10 : 0);
	init_mutexes(r, 1);
	wake(sim, r->t[1], SCHED_WAKE_NEW);
	if (r->mode != BARE)
		lock(sim, &r->m[0]);
	wake(sim, r->t[0], SCHED_WAKE_NEW);
	expect(curr(sim) == r->t[0], r, "the waiter did not preempt");
	block(sim);
	expect(curr(sim) == r->t[1], r, "the owner does not run");
}

static void cycle_handover(struct row *r, int collect, double *ns)
{
	struct sim *sim = r->sim;
	struct sim_thread *w = r->t[0], *o = r->t[1];
	struct sched_mutex *m = &r->m[0];
	struct sched_thread *next;
	int ret;

	wake(sim, w, SCHED_WAKE_PARK);
	expect(curr(sim) == w, r, "the waiter did not preempt the owner");
	run_for(sim, STEP);
	sim_enter(sim, 0);
	if (r->mode == BARE)
		MEASURE(0, sched_block(&sim->sys, 0, &next));
	else
		MEASURE(0, sched_mutex_lock(&sim->sys, 0, m, SCHED_TIME_NEVER, &next));
	expect(ret == 0 && next == &o->st, r, "the waiter did not block for the owner");
	sim_switch(sim, 0, next);
	settle(sim);
	expect(curr(sim) == o && lent(o) == (r->mode == PROXY), r, "the owner runs with the wrong lending");
	run_for(sim, STEP);
	sim_enter(sim, 0);
	if (r->mode == BARE)
		MEASURE(1, sched_wake(&sim->sys, sched_ref_of(&w->st), SCHED_WAKE_PARK));
	else
		MEASURE(1, sched_mutex_unlock(&sim->sys, 0, m));
	expect(ret == 0 && !lent(o), r, "the owner kept what was lent");
	settle(sim);
	expect(curr(sim) == w && (r->mode == BARE || m->owner == &w->st), r,
	       "the waiter does not run owning m");
	run_for(sim, STEP);
	if (r->mode != BARE)
		unlock(sim, m);
	block(sim);
	expect(curr(sim) == o, r, "the owner does not run");
	if (r->mode != BARE)
		lock(sim, m);
	run_for(sim, GAP);
}

/* --- chain of 4 owners --------------------------------------------------------------------- */

/* t[0] FIFO 30, t[i] FIFO 15 - i (t[4] = 11); all blocked but t[4], which runs. t[i] takes
 * m[i - 1] (the text's m_i). */
static void build_chain(struct row *r)
{
	struct sim *sim = r->sim = machine();

	r->t[0] = thread(sim, 30);
	for (unsigned i = 1; i <= CHAIN; i++)
		r->t[i] = thread(sim, 15 - i);
	init_mutexes(r, CHAIN);
	wake(sim, r->t[CHAIN], SCHED_WAKE_NEW);
	for (unsigned i = CHAIN; i-- > 0;) {
		wake(sim, r->t[i], SCHED_WAKE_NEW);
		expect(curr(sim) == r->t[i], r, "set-up: a thread did not preempt");
		block(sim);
	}
	expect(curr(sim) == r->t[CHAIN], r, "set-up: t4 does not run");
}

static void cycle_chain(struct row *r, int collect, double *ns)
{
	struct sim *sim = r->sim;
	struct sim_thread **t = r->t;
	struct sched_thread *next;
	int ret;

	/* the chain: t4 holds m4; t3 holds m3, waits for m4; ... t1 holds m1, waits for m2 */
	lock(sim, &r->m[CHAIN - 1]);
	for (unsigned i = CHAIN - 1; i >= 1; i--) {
		wake(sim, t[i], SCHED_WAKE_PARK);
		expect(curr(sim) == t[i], r, "a chain thread did not preempt");
		lock(sim, &r->m[i - 1]);
		lock(sim, &r->m[i]);
		expect(curr(sim) == t[CHAIN], r, "t4 does not run under the chain");
	}
	run_for(sim, STEP);
	wake(sim, t[0], SCHED_WAKE_PARK);
	expect(curr(sim) == t[0], r, "t0 did not preempt");
	run_for(sim, STEP);
	sim_enter(sim, 0);
	MEASURE(0, sched_mutex_lock(&sim->sys, 0, &r->m[0], SCHED_TIME_NEVER, &next));
	expect(ret == 0 && next == &t[CHAIN]->st, r, "t0 did not block for the chain");
	sim_switch(sim, 0, next);
	settle(sim);
	for (unsigned i = 1; i <= CHAIN; i++)
		expect(t[i]->st.rt_prio == (r->mode == PROXY ? 30 : t[i]->st.rt_own), r,
		       "the chain's owners run at the wrong priority");
	run_for(sim, STEP);
	/* unwind: t[k] (k = 4 .. 1) unlocks m[k - 1], handing it to t[k - 1] */
	for (unsigned k = CHAIN; k >= 1; k--) {
		unsigned call = CHAIN + 1 - k;

		expect(curr(sim) == t[k], r, "unwind: the owner does not run");
		if (k < CHAIN)
			unlock(sim, &r->m[k]); /* the mutex it was just given: nobody waits */
		sim_enter(sim, 0);
		MEASURE(call, sched_mutex_unlock(&sim->sys, 0, &r->m[k - 1]));
		expect(ret == 0 && r->m[k - 1].owner == &t[k - 1]->st &&
		       t[k]->st.rt_prio == t[k]->st.rt_own, r, "unwind: the unlock did not hand over");
		settle(sim);
		expect(curr(sim) == t[k - 1], r, "unwind: the new owner does not run");
		run_for(sim, STEP);
	}
	unlock(sim, &r->m[0]);
	for (unsigned i = 0; i < CHAIN; i++) {
		expect(curr(sim) == t[i], r, "wind-down: wrong order");
		block(sim);
	}
	expect(curr(sim) == t[CHAIN], r, "wind-down: t4 does not run");
	run_for(sim, GAP);
}

/* --- the rows ----------------------------------------------------------------------------- */

#define ROW(kase_, owner_, waiter_, mode_, kind_, build_, cycle_, batched_, ...)            \
	{ .kase = kase_, .owner = owner_, .waiter = waiter_, .mode = mode_, .kind = kind_,     \
	  .build = build_, .cycle = cycle_, .batched = batched_,                               \
	  .nr_calls = sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *),          \
	  .calls = { __VA_ARGS__ } }
#define HANDOVER(owner, waiter, kind)                                                        \
	ROW("handover", owner, waiter, BARE, kind, build_handover, cycle_handover, false,    \
	    "block", "wake"),                                                                \
	ROW("handover", owner, waiter, PLAIN, kind, build_handover, cycle_handover, false,   \
	    "lock", "unlock"),                                                               \
	ROW("handover", owner, waiter, PROXY, kind, build_handover, cycle_handover, false,   \
	    "lock", "unlock")
#define CHAIN_ROW(mode)                                                                      \
	ROW("chain4", "fifo", "fifo30", mode, OWN_FIFO, build_chain, cycle_chain, false,     \
	    "lock", "unlock_t4", "unlock_t3", "unlock_t2", "unlock_t1")

static struct row rows[] = {
	ROW("free", "fair", "-", PROXY, OWN_FAIR, build_free, cycle_free, false, "lock", "unlock"),
	ROW("free", "fair", "-", PROXY, OWN_FAIR, build_free, cycle_pair, true, "pair"),
	HANDOVER("fair", "fifo30", OWN_FAIR),
	HANDOVER("fifo10", "fifo30", OWN_FIFO),
	HANDOVER("fair", "sc", OWN_SC_WAITER),
	CHAIN_ROW(PLAIN),
	CHAIN_ROW(PROXY),
};

#define NR_ROWS (sizeof(rows) / sizeof(rows[0]))

/* The row of the same case, owner and waiter with mode `mode`, or NULL. */
static const struct row *sibling(const struct row *r, enum mode mode)
{
	for (unsigned i = 0; i < NR_ROWS; i++)
		if (rows[i].mode == mode && rows[i].cycle == r->cycle && rows[i].kind == r->kind &&
		    !strcmp(rows[i].kase, r->kase) && !strcmp(rows[i].owner, r->owner) &&
		    !strcmp(rows[i].waiter, r->waiter))
			return &rows[i];
	return NULL;
}

/* `cycles` cycles of r: ns[k] the mean host ns of call k (clock cost not subtracted), or
 * callgrind collection around call `collect` only. */
static void run_row(struct row *r, int collect, unsigned cycles, double *ns)
{
	for (unsigned k = 0; k < MAX_CALLS; k++)
		ns[k] = 0;
	sim_enter(r->sim, 0);
	if (r->batched && collect < 0) {
		double t0 = now_ns();

		for (unsigned i = 0; i < cycles; i++)
			r->cycle(r, collect, ns);
		ns[0] = now_ns() - t0;
	} else {
		for (unsigned i = 0; i < cycles; i++)
			r->cycle(r, collect, ns);
	}
	for (unsigned k = 0; k < MAX_CALLS; k++)
		ns[k] /= cycles;
}

static void check_all(void)
{
	for (unsigned i = 0; i < NR_ROWS; i++) {
		struct sim *sim = rows[i].sim;

		sim_enter(sim, 0);
		if (sched_check(&sim->sys) < 0)
			die(sim->sys.check_msg);
		for (unsigned j = 0; j < sim->nr_threads; j++)
			if (sched_mutex_check(&sim->sys, &sim->threads[j]->st) < 0)
				die(sim->sys.check_msg);
	}
}

static void print_line(const struct row *r, const char *call, double v, double bare, double plain)
{
	printf("%-9s %-6s %-7s %-6s %-10s %9.1f", r->kase, r->owner, r->waiter, mode_names[r->mode],
	       call, v);
	if (bare >= 0)
		printf(" %+9.1f", v - bare);
	else
		printf(" %9s", "-");
	if (plain >= 0)
		printf(" %+10.1f\n", v - plain);
	else
		printf(" %10s\n", "-");
}

static void host(void)
{
	double ns[MAX_CALLS], clk[RUNS];

	for (unsigned i = 0; i < NR_ROWS; i++)
		run_row(&rows[i], -1, WARM_CYCLES, ns);
	for (unsigned run = 0; run < RUNS; run++) {
		clk[run] = clock_ns = clock_cost();
		for (unsigned i = 0; i < NR_ROWS; i++) {
			struct row *r = &rows[i];

			run_row(r, -1, CYCLES, ns);
			for (unsigned k = 0; k < r->nr_calls; k++)
				r->run_ns[run][k] = r->batched ? ns[k] : ns[k] - clock_ns;
		}
	}
	for (unsigned i = 0; i < NR_ROWS; i++)
		for (unsigned k = 0; k < rows[i].nr_calls; k++) {
			double v[RUNS];

			for (unsigned run = 0; run < RUNS; run++)
				v[run] = rows[i].run_ns[run][k];
			rows[i].ns[k] = median(v, RUNS);
		}
	printf("bench_mutex: ns per library call, median of %d runs of %d cycles each; 1 CPU "
	       "(simulator), clock read pair %.1f ns (median) subtracted\n", RUNS, CYCLES,
	       median(clk, RUNS));
	printf("%-9s %-6s %-7s %-6s %-10s %9s %9s %10s\n", "case", "owner", "waiter", "mutex",
	       "call", "ns", "vs_bare", "vs_plain");
	for (unsigned i = 0; i < NR_ROWS; i++) {
		const struct row *r = &rows[i], *b = sibling(r, BARE), *p = sibling(r, PLAIN);
		double sum = 0, psum = 0;

		for (unsigned k = 0; k < r->nr_calls; k++) {
			print_line(r, r->calls[k], r->ns[k], r->mode != BARE && b ? b->ns[k] : -1,
				   r->mode == PROXY && p ? p->ns[k] : -1);
			if (k) {
				sum += r->ns[k];
				psum += p ? p->ns[k] : 0;
			}
		}
		if (r->cycle == cycle_chain)
			print_line(r, "unlocks", sum, -1, r->mode == PROXY && p ? psum : -1);
	}
}

/* Under callgrind (bench_mutex_count.sh): one dump per row and call. */
static void count(void)
{
	char label[128];
	double ns[MAX_CALLS];

	for (unsigned i = 0; i < NR_ROWS; i++)
		run_row(&rows[i], -1, WARM_CYCLES, ns);
	for (unsigned i = 0; i < COUNT_CYCLES; i++) {
		CALLGRIND_TOGGLE_COLLECT;
		CALLGRIND_TOGGLE_COLLECT;
	}
	snprintf(label, sizeof(label), "toggle - - - - %d", COUNT_CYCLES);
	CALLGRIND_DUMP_STATS_AT(label);
	for (unsigned i = 0; i < NR_ROWS; i++) {
		struct row *r = &rows[i];

		for (unsigned k = 0; k < r->nr_calls; k++) {
			run_row(r, (int)k, COUNT_CYCLES, ns);
			snprintf(label, sizeof(label), "%s %s %s %s %s %d", r->kase, r->owner,
				 r->waiter, mode_names[r->mode], r->calls[k], COUNT_CYCLES);
			CALLGRIND_DUMP_STATS_AT(label);
		}
	}
}

int main(int argc, char **argv)
{
	bool counting = argc > 1 && strcmp(argv[1], "count") == 0;

	if (argc > 2 || (argc > 1 && !counting)) {
		fprintf(stderr, "usage: bench_mutex [count]\n");
		return 2;
	}
#ifndef HAVE_CALLGRIND
	if (counting)
		die("built without valgrind/callgrind.h");
#endif
	for (unsigned i = 0; i < NR_ROWS; i++)
		rows[i].build(&rows[i]);
	check_all();
	if (counting)
		count();
	else
		host();
	check_all();
	for (unsigned i = 0; i < NR_ROWS; i++)
		sim_free(rows[i].sim);
	return 0;
}
