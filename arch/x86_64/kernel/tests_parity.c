/* SPDX-License-Identifier: MIT */
/*
 * tests_parity.c - the parity boot ("only=parity", docs/x86_64.md "The parity boot"): what
 * the simulator's tests show the library doing, done here by ring-3 processes on the same
 * object code. 2 CPUs, SMT siblings of one core, core scheduling on. The runner stays on
 * CPU 0; the programs under test run on CPU 1 unless a test says otherwise.
 *
 * 1-4   SC donation to a passive ring-3 server (SYS_SERVE_CALL / SYS_SERVE_RECV).
 * 5-7   Sessions and processes as fairness groups (ksession.c), and their accounting.
 * 8-10  A ring-3 process manager deriving and revoking authority (SYS_AUTH_*).
 * 11-12 What a process's exit and a session's logout revoke: SCs, leases, cookies.
 *
 * As in tests.c: no check compares a figure with a duration. Shares come from libsched's
 * own runtimes over a window that grows until the error bound computed from this run's
 * timer lateness is small against it; waits are for conditions, bounded only against
 * hangs; timing figures are TAP comments.
 */
#include <sched/core.h>
#include <sched/lease.h>

#include "kernel.h"
#include "ktest.h"
#include "user/upar_test.h"

#define PAR_CPU 1            /* where the programs under test run */
#define PAR_ENDPOINT 21      /* the SCs' notifications (knotify_kind counts them) */
#define PAR_REFILLS 8

/* --- common parts ----------------------------------------------------------------------------- */

/* Thread i of p (its control block i) running the parity program with argv[0..n), pinned
 * to `cpu` (-1: any), passive or not. */
static struct kthread *uthread(struct kprocess *p, const char *name, const uint64_t *argv,
			       unsigned n, int cpu, bool passive)
{
	sched_cpumask_t m;
	struct sched_thread_params tp = { .passive = passive };

	if (cpu >= 0) {
		sched_cpumask_clear(&m);
		sched_cpumask_set(&m, (unsigned)cpu);
		tp.affinity = &m;
	}
	return kprocess_thread_c(p, name, argv, n, &tp);
}

struct want {
	volatile struct kctl *c;
	uint64_t state;
};

static bool reached(void *arg)
{
	const struct want *w = arg;

	return w->c->state >= w->state;
}

/* Control block i of p reports `state` (or later). */
static bool wait_state(struct kprocess *p, unsigned i, uint64_t state)
{
	struct want w = { &p->shared->ctl[i], state };

	if (ktest_wait(reached, &w, KTEST_HANG_NS))
		return true;
	kprintf("# waited in vain for %s's thread %u to reach state %llu (it is at %llu)\n",
		p->name, i, state, p->shared->ctl[i].state);
	return false;
}

static bool is_done(void *arg)
{
	return __atomic_load_n(&((struct kthread *)arg)->done, __ATOMIC_ACQUIRE);
}

/* Tell thread i of p to exit, and wait until it has. */
static bool end_thread(struct kprocess *p, unsigned i)
{
	p->shared->ctl[i].cmd = UPAR_CMD_EXIT;
	if (ktest_wait(is_done, p->threads[i], KTEST_HANG_NS))
		return true;
	kprintf("# waited in vain for %s's thread %u to exit\n", p->name, i);
	return false;
}

/* An SC with its refill ring: created for `owner`, configured on one CPU (THROTTLE, the
 * test's endpoint), and bound to `t` unless NULL. */
struct psc {
	struct sched_sc_cap cap;
	struct sched_refill refills[PAR_REFILLS];
};

static int sc_make(struct psc *x, struct sched_group *owner, unsigned cpu, uint64_t budget,
		   uint64_t period, struct kthread *t)
{
	struct sched_sc_params sp = { .budget_ns = budget, .period_ns = period,
				      .endpoint = PAR_ENDPOINT, .mode = SCHED_SC_SPORADIC,
				      .overrun = SCHED_SC_THROTTLE };
	int r;

	sched_cpumask_clear(&sp.cpus);
	sched_cpumask_set(&sp.cpus, cpu);
	r = sched_sc_create(&ksys, owner, x->refills, PAR_REFILLS, &x->cap);
	if (r == 0)
		r = sched_sc_configure(&ksys, sched_auth_root(&ksys), x->cap, &sp);
	if (r == 0 && t)
		r = sched_sc_bind(&ksys, x->cap, sched_ref_of(&t->st));
	return r;
}

static unsigned free_scs(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ksys.nr_scs; i++)
		n += __atomic_load_n(&ksys.scs[i].state, __ATOMIC_ACQUIRE) == SCHED_SC_FREE;
	return n;
}

/* --- 1-4. SC donation to a passive server ----------------------------------------------------- */

/*
 * A server process whose one thread is passive (no SC of its own: it can run only on an SC
 * a caller lends it) and a client process of two threads on CPU 1, each bound to an SC of
 * its own, owned by the client process. Client B (a roomy SC) makes SRV_CALLS calls, then
 * client A one (SRV_WORK, SRV_A_WORK iterations of the server's work). A's SC holds
 * SRV_A_BUDGET per period, far less than the work takes however fast the emulation runs
 * (17 ms on an idle host, seconds on a loaded one): the server, working for A on A's SC,
 * runs out of budget and waits for each refill. While each call runs the runner samples the
 * server: whenever it is on a CPU or queued, it must hold the caller's SC; and within A's
 * call (srv_reading) the server's runtime must grow by what A's SC consumes. Each reply
 * must give the SC back.
 *
 * Why within a call: a thread's runtime and the SC it runs on are charged the same time,
 * except (as the figures of whole calls show here) between a handoff and the switch it asks
 * for, charged to the thread still current, its SC already lent or given back. That gap is
 * nanoseconds, but under emulation any instant a thread is current may be charged a long
 * host preemption. For the same reason figures are read while the threads involved are
 * blocked (srv_read: a client's sleep polls are system calls, none between the two ends of
 * a reading).
 */
#define SRV_WORK 4000000ull       /* B's calls */
#define SRV_CALLS 4
#define SRV_B_BUDGET_NS 9000000ull
#define SRV_B_PERIOD_NS 10000000ull
#define SRV_A_WORK 5000000ull     /* A's call: 17 ms of work on an idle host, so that
				   * neither a preemption charged to A before it calls nor
				   * the runner's sparse polls on a busy host hide the
				   * server's throttling */
#define SRV_A_BUDGET_NS 500000ull /* half the CPU: the call lasts twice its work; a small
				   * share would make a busy host's long preemptions, charged
				   * to whoever was current, into throttles of many seconds */
#define SRV_A_PERIOD_NS 1000000ull

struct srv {
	struct kprocess *sp, *cp;
	struct kthread *server, *a, *b;
	struct psc sca, scb;
};

/* After a reply: the client runs on its own SC again; the server holds none, lent by no
 * one, and is blocked waiting for the next call. */
static bool sc_returned(const struct srv *x, const struct kthread *client)
{
	const struct sched_thread *c = &client->st, *s = &x->server->st;

	return __atomic_load_n(&c->sc, __ATOMIC_ACQUIRE) == c->own_sc && c->own_sc &&
	       !__atomic_load_n(&c->donor, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&s->sc, __ATOMIC_ACQUIRE) && !s->own_sc &&
	       !__atomic_load_n(&s->donor, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == SCHED_BLOCKED;
}

static void srv_setup(struct srv *x)
{
	const uint64_t sargv[] = { UPAR_SERVER, 0 };
	const uint64_t bargv[] = { UPAR_CLIENT, 0, SRV_WORK, SRV_CALLS };
	const uint64_t aargv[] = { UPAR_CLIENT, 1, SRV_A_WORK, 1 };

	x->sp = ksession_process(NULL, "server", ELF_PARITY, 0);
	x->cp = ksession_process(NULL, "clients", ELF_PARITY, 0);
	x->server = uthread(x->sp, "server", sargv, 2, PAR_CPU, true);
	x->b = uthread(x->cp, "client B", bargv, 4, PAR_CPU, false);
	x->a = uthread(x->cp, "client A", aargv, 4, PAR_CPU, false);
	kserve_set(x->server); /* never started: the first call starts it */
}

/*
 * Until client `ctl` is done, each poll: is the server, on a CPU or queued, holding `sc`?
 * And while the client is blocked in its call and the server holds its SC, a reading of
 * the server's runtime between two of the SC's figures: between two such readings of the
 * same call, everything the SC consumed was the server's (the client did not run), so the
 * server's runtime must have grown by what the SC consumed, within the readings' spreads.
 */
struct srv_watch {
	struct srv *x;
	struct kthread *client;
	unsigned ctl;
	const struct sched_sc *sc;
	struct sched_sc_cap cap;
	unsigned on, off, between, readings;
	uint64_t call;                 /* the call of the first reading (served count) */
	uint64_t c0[2], c1[2], r[2];   /* first and last reading: consumed before and after,
					* the server's runtime between */
	uint64_t throttled[2], depletions[2]; /* and the SC's figures then */
	/* the SC's refill ring at the first reading: entries, and the head's instant (against
	 * the clock) and amount; printed, for a call that was not throttled */
	unsigned ring_count;
	int64_t ring_head_ago;
	uint64_t ring_head_amount;
};

static bool in_call(const struct srv_watch *w)
{
	return __atomic_load_n(&w->client->st.state, __ATOMIC_ACQUIRE) == SCHED_BLOCKED &&
	       __atomic_load_n(&w->x->server->st.sc, __ATOMIC_ACQUIRE) == w->sc &&
	       w->client->proc->shared->ctl[w->ctl].progress == 0;
}

static void srv_reading(struct srv_watch *w)
{
	struct sched_sc_stats a, b;
	uint64_t r, call = w->x->sp->shared->ctl[0].extra;
	unsigned k = w->readings ? 1 : 0;

	if (!in_call(w) || sched_sc_stats(&ksys, w->cap, &a) < 0)
		return;
	r = ktest_runtime(w->x->server);
	if (sched_sc_stats(&ksys, w->cap, &b) < 0 || !in_call(w) ||
	    (w->readings && call != w->call) || w->x->sp->shared->ctl[0].extra != call)
		return;
	w->call = call;
	w->c0[k] = a.consumed_ns;
	w->c1[k] = b.consumed_ns;
	w->r[k] = r;
	w->throttled[k] = b.throttled_ns;
	w->depletions[k] = b.depletions;
	if (!w->readings) {
		const struct sched_sc *sc = w->sc;

		w->ring_count = sc->count;
		w->ring_head_ago = (int64_t)(clock_ns() - sc->refill[sc->head].at);
		w->ring_head_amount = sc->refill[sc->head].amount;
	}
	w->readings++;
}

static bool srv_sample(void *arg)
{
	struct srv_watch *w = arg;
	const struct sched_thread *s = &w->x->server->st;
	uint8_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
	const struct sched_sc *sc = __atomic_load_n(&s->sc, __ATOMIC_ACQUIRE);

	/* counted only if it was on a CPU or queued before and after the SC was read. Current
	 * without an SC is a reply's (or a call's) moment between the SC going back and the
	 * thread blocking, which libsched takes in two steps under the run queue's lock:
	 * counted apart. Queued without one, or on another SC, it must never be. */
	if ((st == SCHED_RUNNING || st == SCHED_RUNNABLE) &&
	    __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == st) {
		if (sc == w->sc)
			w->on++;
		else if (!sc && st == SCHED_RUNNING)
			w->between++;
		else
			w->off++;
	}
	srv_reading(w);
	return w->x->cp->shared->ctl[w->ctl].state >= UPAR_ST_STEP1;
}

/* The wait's bound: a hang's, stretched by the SC's share (a throttled call is slower). */
static bool srv_run(struct srv *x, struct kthread *client, unsigned ctl, struct psc *sc,
		    struct srv_watch *w, uint64_t stretch)
{
	*w = (struct srv_watch){ .x = x, .client = client, .ctl = ctl,
				 .sc = &ksys.scs[sc->cap.index], .cap = sc->cap };
	thread_start_now(client);
	if (ktest_wait(srv_sample, w, KTEST_HANG_NS * stretch))
		return true;
	kprintf("# waited in vain for %s's calls to end\n", client->name);
	return false;
}

/* The figures of a call phase, read while the server and the client are blocked. */
struct srv_figs {
	uint64_t server, client, consumed, depletions, throttled_ns, max_overrun_ns;
	int r;
};

static void srv_read(const struct srv *x, const struct kthread *client, const struct psc *sc,
		     struct srv_figs *f)
{
	struct sched_sc_stats st = { 0 };

	for (unsigned tries = 0; tries < 100; tries++) {
		uint64_t n0 = client->nsys;
		bool blocked = client->st.state == SCHED_BLOCKED;

		f->r = sched_sc_stats(&ksys, sc->cap, &st);
		f->client = ktest_runtime((struct kthread *)client);
		f->server = ktest_runtime(x->server);
		if (blocked && client->st.state == SCHED_BLOCKED && client->nsys == n0 &&
		    x->server->st.state == SCHED_BLOCKED)
			break;
		thread_sleep_ns(100000);
	}
	f->consumed = st.consumed_ns;
	f->depletions = st.depletions;
	f->throttled_ns = st.throttled_ns;
	f->max_overrun_ns = st.max_overrun_ns;
}

static void test_passive_server(void)
{
	static struct srv x;
	struct srv_watch wb = { 0 }, wa = { 0 };
	struct srv_figs b = { 0 }, a0 = { 0 }, a1 = { 0 };
	uint64_t k0, k1, p0, p1, dr, lo, hi, thr;
	int rb_sc, ra_sc, wake;
	bool b_done = false, a_done = false, ret_b, ret_a = false, served;

	srv_setup(&x);
	rb_sc = sc_make(&x.scb, &x.cp->group, PAR_CPU, SRV_B_BUDGET_NS, SRV_B_PERIOD_NS, x.b);
	ra_sc = sc_make(&x.sca, &x.cp->group, PAR_CPU, SRV_A_BUDGET_NS, SRV_A_PERIOD_NS, x.a);
	if (rb_sc == 0)
		b_done = srv_run(&x, x.b, 0, &x.scb, &wb, 1);
	ret_b = b_done && sc_returned(&x, x.b);
	srv_read(&x, x.b, &x.scb, &b);
	/* 1: nothing else can make the server run: it has no SC to run on */
	wake = sched_wake(&ksys, sched_ref_of(&x.server->st), SCHED_WAKE_PARK);
	kprintf("# passive server: client B's SC %s; %llu of %u calls, %llu wrong replies; a "
		"wake of the blocked server: %s; passive %u, own SC %s\n", sched_strerror(rb_sc),
		x.cp->shared->ctl[0].progress, SRV_CALLS, x.cp->shared->ctl[0].error,
		sched_strerror(wake), x.server->st.passive, x.server->st.own_sc ? "yes" : "none");
	ktest_report(b_done && wake == -SCHED_ENOSC && x.server->st.passive && !x.server->st.own_sc,
		     "passive server: it has no SC of its own, and nothing but a call can run it "
		     "(a wake: -SCHED_ENOSC)");

	/* 3 first: A's call on A's small SC */
	srv_read(&x, x.a, &x.sca, &a0);
	k0 = __atomic_load_n(&knotify_kind[SCHED_SC_MSG_TIMEOUT], __ATOMIC_ACQUIRE);
	p0 = x.sp->shared->ctl[0].progress;
	if (ra_sc == 0)
		a_done = srv_run(&x, x.a, 1, &x.sca, &wa, SRV_A_PERIOD_NS / SRV_A_BUDGET_NS);
	ret_a = a_done && sc_returned(&x, x.a);
	srv_read(&x, x.a, &x.sca, &a1);
	k1 = __atomic_load_n(&knotify_kind[SCHED_SC_MSG_TIMEOUT], __ATOMIC_ACQUIRE);
	p1 = x.sp->shared->ctl[0].progress;

	/* 2: the server was seen only on its callers' SCs, and what it ran within A's call is
	 * what A's SC consumed meanwhile */
	dr = wa.readings >= 2 ? wa.r[1] - wa.r[0] : 0;
	lo = wa.readings >= 2 && wa.c0[1] > wa.c1[0] ? wa.c0[1] - wa.c1[0] : 0;
	hi = wa.readings >= 2 ? wa.c1[1] - wa.c0[0] : 0;
	kprintf("# passive server: %llu calls served; seen running or queued %u times on B's "
		"SC, %u on A's, %u on another, %u current between an SC's return and its block; "
		"over B's calls it ran %llu us, B %llu us, B's SC "
		"consumed %llu us (%llu depletions); within A's call, %u readings: the server "
		"ran %llu us while A's SC consumed %llu to %llu us\n",
		x.sp->shared->ctl[0].extra, wb.on, wa.on, wb.off + wa.off,
		wb.between + wa.between, b.server / 1000,
		b.client / 1000, b.consumed / 1000, b.depletions, wa.readings, dr / 1000,
		lo / 1000, hi / 1000);
	ktest_report(b_done && a_done && b.r == 0 && x.sp->shared->ctl[0].extra == SRV_CALLS + 1 &&
		     x.cp->shared->ctl[0].error == 0 && x.cp->shared->ctl[0].progress == SRV_CALLS &&
		     wb.on > 0 && wa.on > 0 && wb.off + wa.off == 0 && wa.readings >= 2 && dr > 0 &&
		     dr >= lo && dr <= hi,
		     "passive server: it runs only on its callers' donated SCs (seen on no other; "
		     "its runtime within a call is what the caller's SC consumed), and answered "
		     "every call");
	/* throttled while the server held A's SC: between two readings within the call */
	thr = wa.readings >= 2 ? wa.throttled[1] - wa.throttled[0] : 0;
	kprintf("# passive server: A's SC %llu us every %llu us (%s); for A's call the server "
		"ran %llu us (%llu iterations), throttled %llu us between the readings; A's SC in "
		"all: consumed %llu us, %llu depletions (%llu between the readings), throttled "
		"%llu us (worst overrun %llu us), %llu timeout messages\n", SRV_A_BUDGET_NS / 1000,
		SRV_A_PERIOD_NS / 1000, sched_strerror(ra_sc), (a1.server - a0.server) / 1000,
		p1 - p0, thr / 1000, (a1.consumed - a0.consumed) / 1000,
		a1.depletions - a0.depletions,
		wa.readings >= 2 ? wa.depletions[1] - wa.depletions[0] : 0,
		(a1.throttled_ns - a0.throttled_ns) / 1000, a1.max_overrun_ns / 1000, k1 - k0);
	kprintf("# passive server: A's SC's refill ring at the first reading: %u entries, the "
		"first %lld us ago for %llu us; A's runtime %llu us; callers' retries %llu\n",
		wa.ring_count, (long long)wa.ring_head_ago / 1000, wa.ring_head_amount / 1000,
		(a1.client - a0.client) / 1000, kserve_retries());
	served = a_done && a1.r == 0 && a1.server - a0.server > SRV_A_BUDGET_NS &&
		 p1 - p0 == SRV_A_WORK && x.cp->shared->ctl[1].error == 0 &&
		 x.cp->shared->ctl[1].progress == 1;
	/* This check found a sporadic-refill defect (a stale head let the SC run unthrottled,
	 * docs/scheduling-context.md): the ring printed above is the evidence if it recurs */
	ktest_report(served && thr > 0,
		     "passive server: working for client A on A's exhausted SC, the server is "
		     "throttled until each refill (A's SC's throttled time grows within the call), "
		     "and A's call still gets its answer");
	ktest_report(ret_b && ret_a, "passive server: each reply gives the SC back: the client "
		     "runs on its own SC again, the server holds none and waits blocked");
	end_thread(x.cp, 0);
	end_thread(x.cp, 1);
	kprintf("# passive server: the clients' process exited: %d SCs revoked\n", x.cp->exit_scs);
}

/* --- 5-7. Sessions and processes as fairness groups ------------------------------------------- */

/*
 * Two sessions on CPU 1: S1 (weight 2048) with one process of one thread, S2 (weight 1024)
 * with two processes: PA (weight 2048) of one thread and PB (weight 1024) of two. By
 * weights S1 gets 2/3 of the CPU and PA 2/3 of S2's part; by thread counts S1 would get
 * 1/4 and PA 1/3. The shares come from the groups' own accounting (sched_group.acct,
 * charged with the threads, atomically), read over a window that grows until the error
 * bound is small against it: on one CPU, EEVDF keeps each entity's lag within a stint
 * (slice + tick allowance + the timer's worst lateness measured in this run) per level of
 * entities sharing, plus what the group totals have not been charged yet (the running
 * thread's time since its CPU's last charge, a stint at most) at each end of the window.
 */
#define FAIR_S1_W 2048
#define FAIR_S2_W 1024
#define FAIR_PA_W 2048
#define FAIR_PB_W 1024
#define FAIR_S1_IDEAL_BP 6667  /* 2048 / 3072 */
#define FAIR_PA_IDEAL_BP 6667
#define FAIR_S_DECIDES_BP 2000 /* thread counts would give 2500 bp: 4167 off */
#define FAIR_P_DECIDES_BP 1600 /* thread counts would give 3333 bp: 3333 off */
#define FAIR_TOL_BP 500
#define FAIR_WIN_MIN_NS 1000000000ull
#define FAIR_WIN_STEP_NS 250000000ull
#define FAIR_WIN_MAX_NS 20000000000ull
#define FAIR_GROUPS 5          /* S1, S2, PA, PB, and S1's process */
#define FAIR_THREADS 4

struct fair {
	struct ksession *s1, *s2;
	struct kprocess *p1, *pa, *pb;
	struct sched_group *g[FAIR_GROUPS];
	const char *gname[FAIR_GROUPS];
	struct kthread *t[FAIR_THREADS];
};

/* How far a group's final runtime may be from the sum of its members': a boot with two CPU
 * hogs beside it once saw the levels differ by a microsecond or two, not explained yet
 * (every other boot, exactly equal); a member left out would be off by milliseconds. */
#define GROUP_SUM_TOL_NS 10000

static uint64_t group_runtime(const struct sched_group *g)
{
	return __atomic_load_n(&g->acct.v[SCHED_ACCT_RUNTIME], __ATOMIC_ACQUIRE);
}

/* The groups' runtimes read together: the best spread of a few tries (a read takes no
 * lock, but the vCPU may be descheduled between two). Returns the spread. */
static uint64_t group_snap(const struct fair *f, uint64_t *r)
{
	uint64_t best = ~0ull;

	for (unsigned tries = 0; tries < 8 && best > 1000000; tries++) {
		uint64_t a = clock_ns(), v[FAIR_GROUPS], b;

		for (unsigned i = 0; i < FAIR_GROUPS; i++)
			v[i] = group_runtime(f->g[i]);
		b = clock_ns();
		if (b - a < best) {
			best = b - a;
			for (unsigned i = 0; i < FAIR_GROUPS; i++)
				r[i] = v[i];
		}
	}
	return best;
}

static void fair_setup(struct fair *f)
{
	f->s1 = ksession_create("session 1", FAIR_S1_W);
	f->s2 = ksession_create("session 2", FAIR_S2_W);
	f->p1 = ksession_process(f->s1, "s1 proc", ELF_PARITY, 1024);
	f->pa = ksession_process(f->s2, "s2 proc A", ELF_PARITY, FAIR_PA_W);
	f->pb = ksession_process(f->s2, "s2 proc B", ELF_PARITY, FAIR_PB_W);
	f->g[0] = &f->s1->group;
	f->g[1] = &f->s2->group;
	f->g[2] = &f->pa->group;
	f->g[3] = &f->pb->group;
	f->g[4] = &f->p1->group;
	f->gname[0] = "session 1";
	f->gname[1] = "session 2";
	f->gname[2] = "s2 process A";
	f->gname[3] = "s2 process B";
	f->gname[4] = "s1 process";
	{
		const uint64_t a0[] = { UPAR_SPIN, 0 }, a1[] = { UPAR_SPIN, 1 };

		f->t[0] = uthread(f->p1, "s1 spinner", a0, 2, PAR_CPU, false);
		f->t[1] = uthread(f->pa, "pa spinner", a0, 2, PAR_CPU, false);
		f->t[2] = uthread(f->pb, "pb spinner 0", a0, 2, PAR_CPU, false);
		f->t[3] = uthread(f->pb, "pb spinner 1", a1, 2, PAR_CPU, false);
	}
}

static void group_print(const struct sched_group *g, const char *name)
{
	struct sched_acct a;

	for (unsigned i = 0; i < SCHED_ACCT_NR; i++)
		a.v[i] = __atomic_load_n(&g->acct.v[i], __ATOMIC_ACQUIRE);
	kprintf("# group %u (%s, %s, weight %u, %u threads now): runtime %llu us, waited %llu us, "
		"%llu switches, %llu preemptions, %llu voluntary, %llu migrations\n", g->id, name,
		g->kind == SCHED_GROUP_SESSION ? "session" : "process", g->weight, g->nr_threads,
		a.v[SCHED_ACCT_RUNTIME] / 1000, a.v[SCHED_ACCT_WAIT] / 1000,
		a.v[SCHED_ACCT_SWITCHES], a.v[SCHED_ACCT_PREEMPTIONS], a.v[SCHED_ACCT_VOLUNTARY],
		a.v[SCHED_ACCT_MIGRATIONS]);
}

/* Report one share: skipped when the bound stayed too wide to tell weights from counts. */
static void share_report(bool ran, uint64_t bp, uint64_t ideal, uint64_t tol, uint64_t decides,
			 const char *what)
{
	uint64_t dev = bp > ideal ? bp - ideal : ideal - bp;

	if (ran && dev <= tol && tol > decides) {
		ktest_skip(what, "host too busy to decide: the noise bound stayed too wide");
		return;
	}
	ktest_report(ran && dev <= tol, what);
}

static bool spinners_ran(void *arg)
{
	const struct fair *f = arg;

	for (unsigned i = 0; i < FAIR_THREADS; i++)
		if (!f->t[i]->proc->shared->ctl[f->t[i] == f->t[3]].progress)
			return false;
	return true;
}

static void test_fair_groups(void)
{
	static struct fair f;
	uint64_t r0[FAIR_GROUPS], r1[FAIR_GROUPS], sk0, sk1 = 0, t0, t1 = 0, lmax = 0;
	uint64_t s1 = 0, tot = 0, pa = 0, sub = 0, tol_s = 10000, tol_p = 10000, bp_s, bp_p;
	uint64_t thr[FAIR_THREADS];
	int64_t dev[5];
	bool ran = false, ended = true, sums;

	fair_setup(&f);
	ktest_late_take(PAR_CPU);
	/* the window starts with the threads (their groups have run nothing yet): waiting for
	 * all of them to have run first could take long on a busy host, and the placement of a
	 * new thread is within the same lag bound */
	sk0 = group_snap(&f, r0);
	t0 = clock_ns();
	for (unsigned i = 0; i < FAIR_THREADS; i++)
		thread_start_now(f.t[i]);
	do {
		uint64_t l, stint, skew;

		thread_sleep_ns(FAIR_WIN_STEP_NS);
		l = ktest_late_take(PAR_CPU);
		lmax = l > lmax ? l : lmax;
		sk1 = group_snap(&f, r1);
		t1 = clock_ns();
		s1 = r1[0] - r0[0];
		tot = s1 + r1[1] - r0[1];
		pa = r1[2] - r0[2];
		sub = pa + r1[3] - r0[3];
		stint = ksys.cfg.base_slice_ns + ksys.cfg.tick_ns + lmax;
		skew = 2 * (sk0 + sk1);
		/* each share is of two entities: one stint of lag range, plus what the group
		 * totals have not been charged yet at each end (a stint at most); the
		 * processes' is of S2's own time, whatever S2's lag against S1 */
		tol_s = tot ? (3 * stint + skew) * 10000 / tot + 1 : 10000;
		tol_p = sub ? (3 * stint + skew) * 10000 / sub + 1 : 10000;
		ran = spinners_ran(&f);
	} while ((!ran || t1 - t0 < FAIR_WIN_MIN_NS || tol_s > FAIR_TOL_BP ||
		  tol_p > FAIR_TOL_BP) && t1 - t0 < FAIR_WIN_MAX_NS);
	for (unsigned i = 0; i < FAIR_THREADS; i++) {
		struct kprocess *p = f.t[i]->proc;

		ended &= end_thread(p, f.t[i] == f.t[3] ? 1 : 0);
	}
	bp_s = tot ? s1 * 10000 / tot : 0;
	bp_p = sub ? pa * 10000 / sub : 0;
	kprintf("# groups: %llu ms on cpu%u, timer lateness worst %llu us: session 1 got "
		"%llu.%02llu%% (weights 66.67%%, thread counts 25%%, allowed +-%llu.%02llu points); "
		"in session 2, process A got %llu.%02llu%% (weights 66.67%%, thread counts 33.33%%, "
		"allowed +-%llu.%02llu points)\n", (t1 - t0) / 1000000, PAR_CPU, lmax / 1000,
		bp_s / 100, bp_s % 100, tol_s / 100, tol_s % 100, bp_p / 100, bp_p % 100,
		tol_p / 100, tol_p % 100);
	for (unsigned i = 0; i < FAIR_GROUPS; i++)
		group_print(f.g[i], f.gname[i]);
	share_report(ran, bp_s, FAIR_S1_IDEAL_BP, tol_s, FAIR_S_DECIDES_BP,
		     "sessions as fairness groups: two sessions share the CPU by their weights "
		     "(2:1), not by their thread counts (1:3), in libsched's group runtimes");
	share_report(ran, bp_p, FAIR_PA_IDEAL_BP, tol_p, FAIR_P_DECIDES_BP,
		     "processes as fairness groups: inside a session two processes share its part "
		     "by their weights (2:1), not by their thread counts (1:2)");
	/* every thread has exited: the totals are final, and each level is the sum of the one
	 * below, charge for charge */
	for (unsigned i = 0; i < FAIR_THREADS; i++)
		thr[i] = ktest_runtime(f.t[i]);
	/* each level against the sum of the one below, in ns (signed: which side is larger) */
	dev[0] = (int64_t)(group_runtime(f.g[0]) - group_runtime(f.g[4]));
	dev[1] = (int64_t)(group_runtime(f.g[4]) - thr[0]);
	dev[2] = (int64_t)(group_runtime(f.g[2]) - thr[1]);
	dev[3] = (int64_t)(group_runtime(f.g[3]) - thr[2] - thr[3]);
	dev[4] = (int64_t)(group_runtime(f.g[1]) - group_runtime(f.g[2]) - group_runtime(f.g[3]));
	sums = ended;
	for (unsigned i = 0; i < 5; i++)
		sums &= dev[i] >= -GROUP_SUM_TOL_NS && dev[i] <= GROUP_SUM_TOL_NS;
	kprintf("# groups: final runtimes (us): session 1 %llu = process %llu = thread %llu; "
		"session 2 %llu = A %llu (thread %llu) + B %llu (threads %llu + %llu); each level "
		"minus the sum below (ns): %lld %lld %lld %lld %lld\n",
		group_runtime(f.g[0]) / 1000, group_runtime(f.g[4]) / 1000, thr[0] / 1000,
		group_runtime(f.g[1]) / 1000, group_runtime(f.g[2]) / 1000, thr[1] / 1000,
		group_runtime(f.g[3]) / 1000, thr[2] / 1000, thr[3] / 1000, (long long)dev[0],
		(long long)dev[1], (long long)dev[2], (long long)dev[3], (long long)dev[4]);
	ktest_report(sums, "group accounting: a session's runtime is the sum of its processes', "
		     "a process's the sum of its threads' (within 10 us, once they exited)");
}

/* --- 8-10. A process manager derives and revokes authority ------------------------------------ */

/*
 * A session of two processes: the manager, given by the kernel a handle to an authority
 * with FAIR, DERIVE and RT over the session, and its child. The manager derives two handles
 * held by the child: FAIR over the child's process alone, and RT alone (no FAIR) over the
 * same. The child sets a weight through each (SYS_AUTH_SET_FAIR: sched_set_fair with the
 * handle's authority): on itself with FAIR (in scope), on the manager's thread (out of its
 * scope), on itself with RT (a right it lacks), with the manager's own handle (not its).
 * Then the manager revokes the FAIR handle and the child tries once more. The weights are
 * read back after each step: refused calls change nothing.
 */
static int8_t nice_of(const struct kthread *t)
{
	return __atomic_load_n(&t->st.nice, __ATOMIC_ACQUIRE);
}

static void test_manager(struct ksession *outside)
{
	struct ksession *s = ksession_create("managed", 1024);
	struct kprocess *m = ksession_process(s, "manager", ELF_PARITY, 0);
	struct kprocess *c = ksession_process(s, "child", ELF_PARITY, 0);
	volatile int64_t *mr = m->shared->results, *cr = c->shared->results;
	int64_t own = kauth_grant(m, SCHED_RIGHT_FAIR | SCHED_RIGHT_DERIVE | SCHED_RIGHT_RT,
				  &s->group);
	const uint64_t margv[] = { UPAR_MANAGER, 0, c->group.id, outside->group.id };
	const uint64_t cargv[] = { UPAR_CHILD, 0, kpar_thread(c->group.id, 0),
				   kpar_thread(m->group.id, 0), (uint64_t)own };
	struct kthread *mt = uthread(m, "manager", margv, 4, PAR_CPU, false);
	struct kthread *ct = uthread(c, "child", cargv, 5, PAR_CPU, false);
	bool step1, step2, used, refused, revoked;
	int8_t n_in, n_out;

	thread_start_now(mt);
	step1 = own >= 0 && wait_state(m, 0, UPAR_ST_STEP1);
	if (step1)
		thread_start_now(ct);
	step1 = step1 && wait_state(c, 0, UPAR_ST_STEP1);
	n_in = nice_of(ct);
	n_out = nice_of(mt);
	kprintf("# manager: own handle %llx; derived for the child: FAIR %llx, RT %llx; a derive "
		"for LEASE %s, outside its scope %s; the child: in scope %s, out of scope %s, "
		"lacking FAIR %s, the manager's handle %s, a third handle %s; nice now: child %d, "
		"manager %d\n", (unsigned long long)own, (unsigned long long)mr[UPAR_M_FAIR],
		(unsigned long long)mr[UPAR_M_RT], sched_strerror((int)mr[UPAR_M_MORE]),
		sched_strerror((int)mr[UPAR_M_OUTSIDE]), sched_strerror((int)cr[UPAR_C_IN]),
		sched_strerror((int)cr[UPAR_C_OUT]), sched_strerror((int)cr[UPAR_C_LACKS]),
		sched_strerror((int)cr[UPAR_C_FOREIGN]), sched_strerror((int)cr[UPAR_C_NONE]),
		n_in, n_out);
	used = step1 && mr[UPAR_M_FAIR] >= 0 && mr[UPAR_M_RT] >= 0 &&
	       cr[UPAR_C_FAIR] == mr[UPAR_M_FAIR] && cr[UPAR_C_RT] == mr[UPAR_M_RT] &&
	       cr[UPAR_C_IN] == 0 && n_in == UPAR_NICE_IN;
	ktest_report(used, "process manager: a handle it derives for its child (FAIR over the "
		     "child's process) sets a weight in that scope through a system call");
	refused = step1 && mr[UPAR_M_MORE] == -SCHED_EPERM && mr[UPAR_M_OUTSIDE] == -SCHED_EPERM &&
		  cr[UPAR_C_OUT] == -SCHED_EPERM && cr[UPAR_C_LACKS] == -SCHED_EPERM &&
		  cr[UPAR_C_FOREIGN] == -SCHED_EPERM && cr[UPAR_C_NONE] == -SCHED_EINVAL &&
		  n_out == 0 && n_in == UPAR_NICE_IN;
	ktest_report(refused, "process manager: out of scope, a right it lacks, another "
		     "process's handle, a wider derive: -SCHED_EPERM, and no weight changed");
	m->shared->ctl[0].cmd = UPAR_CMD_GO;
	step2 = step1 && wait_state(m, 0, UPAR_ST_STEP2);
	c->shared->ctl[0].cmd = UPAR_CMD_GO;
	step2 = step2 && wait_state(c, 0, UPAR_ST_STEP2);
	kprintf("# manager: revoke %s, again %s; the child's next use %s; nice now: child %d, "
		"manager %d\n", sched_strerror((int)mr[UPAR_M_REVOKE]),
		sched_strerror((int)mr[UPAR_M_AGAIN]), sched_strerror((int)cr[UPAR_C_AFTER]),
		nice_of(ct), nice_of(mt));
	revoked = step2 && mr[UPAR_M_REVOKE] == 0 && mr[UPAR_M_AGAIN] == -SCHED_ESTALE &&
		  cr[UPAR_C_AFTER] == -SCHED_ESTALE && nice_of(ct) == UPAR_NICE_IN &&
		  nice_of(mt) == 0;
	ktest_report(revoked, "process manager: it revokes the derived handle; the child's next "
		     "use fails closed (-SCHED_ESTALE), a second revoke is stale, nothing changed");
	end_thread(c, 0);
	end_thread(m, 0);
	kprintf("# manager: at exit the child's process revoked %d live handles, the manager's "
		"%d\n", c->exit_auth, m->exit_auth);
}

/* --- 11-12. What a process's exit and a session's logout revoke ------------------------------- */

/*
 * While it waits on such a process, the runner takes the process's cookie (and gives it up
 * after): on this boot's one core, a runner of another cookie would force CPU 1 idle each
 * time it runs, and these tests are about what an exit revokes, not about core scheduling
 * (only=core tests that). Once seen here, a sibling forced idle stayed so for 20 s (CPU 1
 * idle with its thread queued, no timer armed) while the runner slept between polls: see
 * docs/x86_64.md "The parity boot".
 */
static int runner_join(struct kthread *t)
{
	return sched_core_share(&ksys, sched_auth_root(&ksys), sched_ref_of(&t->st),
				sched_ref_of(&thread_current()->st), SCHED_CORE_THREAD);
}

static void runner_leave(void)
{
	sched_core_clear(&ksys, sched_auth_root(&ksys), sched_ref_of(&thread_current()->st),
			 SCHED_CORE_THREAD);
}

/*
 * A process holding an SC (its group owns it; bound to its thread 1, on CPU 0), a lease of
 * CPU 1 (asked by its thread 0 through SYS_LEASE_GRANT, for the process) and a
 * core-scheduling cookie (process-wide). Its threads exit (the SC's first): everything must
 * be gone, the handles stale and the counts back where they were.
 */
#define OWN_BUDGET_NS 1000000ull
#define OWN_PERIOD_NS 10000000ull

static void test_process_exit(void)
{
	static struct psc sc;
	struct kprocess *p = ksession_process(NULL, "holder", ELF_PARITY, 0);
	const uint64_t a0[] = { UPAR_HOLDER, 0, PAR_CPU }, a1[] = { UPAR_HOLDER, 1, UPAR_NO_CPU };
	struct kthread *t0 = uthread(p, "lease holder", a0, 3, -1, false);
	struct kthread *t1 = uthread(p, "sc holder", a1, 3, 0, false);
	unsigned free0 = free_scs(), free1;
	struct sched_lease_info li;
	struct sched_sc_stats st;
	sched_cookie_t ck = 0, ck1 = 0;
	int rsc, rck, rget, lease_live = -SCHED_EINVAL, lease_after, sc_after;
	int64_t h = -SCHED_EINVAL;
	bool up = false, gone = false, leased_before = false, leased_after;

	rsc = sc_make(&sc, &p->group, 0, OWN_BUDGET_NS, OWN_PERIOD_NS, t1);
	rck = sched_core_create(&ksys, sched_auth_root(&ksys), sched_ref_of(&t0->st),
				SCHED_CORE_PROCESS);
	rget = sched_core_get(&ksys, sched_ref_of(&t1->st), &ck1);
	ck = __atomic_load_n(&p->group.core_tag.cookie, __ATOMIC_ACQUIRE);
	if (rsc == 0 && rck == 0 && runner_join(t0) == 0) {
		thread_start_now(t0);
		thread_start_now(t1);
		up = wait_state(p, 0, UPAR_ST_STEP1) && wait_state(p, 1, UPAR_ST_STEP1);
		h = p->shared->ctl[0].handle;
		lease_live = klease_info(h, &li);
		leased_before = sched_cpumask_test(&ksys.leased, PAR_CPU);
		gone = end_thread(p, 1) && end_thread(p, 0);
		runner_leave();
	}
	lease_after = klease_info(h, &li);
	sc_after = sched_sc_stats(&ksys, sc.cap, &st);
	free1 = free_scs();
	leased_after = sched_cpumask_test(&ksys.leased, PAR_CPU);
	kprintf("# process exit: SC %s, cookie %s (%llx; its SC thread's %llx: %s), lease %llx "
		"%s, cpu%u leased %d; after the exit (%d): %d SCs, %d leases revoked, cookie "
		"cleared %d (now %llx); SC %s, lease %s, free SC slots %u then %u, cpu%u leased "
		"%d\n", sched_strerror(rsc), sched_strerror(rck), (unsigned long long)ck,
		(unsigned long long)ck1, sched_strerror(rget), (unsigned long long)h,
		sched_strerror(lease_live), PAR_CPU, leased_before, p->exited, p->exit_scs,
		p->exit_revoked, p->exit_cookie,
		(unsigned long long)p->group.core_tag.cookie, sched_strerror(sc_after),
		sched_strerror(lease_after), free0, free1, PAR_CPU, leased_after);
	ktest_report(up && gone && p->exited && ck != SCHED_COOKIE_NONE && rget == 0 && ck1 == ck &&
		     lease_live == 0 && leased_before && p->exit_scs == 1 && p->exit_revoked == 1 &&
		     p->exit_cookie == 1 && p->group.core_tag.cookie == SCHED_COOKIE_NONE &&
		     sc_after == -SCHED_ESTALE && lease_after == -SCHED_ESTALE && free1 == free0 &&
		     !leased_after,
		     "process exit: the SC, the lease and the cookie it held are revoked (stale "
		     "handles, cookie cleared, SC slots and the CPU back)");
}

/*
 * A session of two processes: Q1's thread is bound to an SC the session owns (on CPU 0),
 * Q2 owns an SC of its own (configured, unbound), the session holds a lease of CPU 1
 * (granted by the kernel to the session's group) and a cookie (session-wide, which both
 * processes' threads run with). The logout: every process of the session exits. The last
 * one's exit ends the session: its SC, lease and cookie must be gone too.
 */
static void test_session_logout(void)
{
	static struct psc ssc, qsc;
	struct ksession *s = ksession_create("logout", 1024);
	struct kprocess *q1 = ksession_process(s, "q1", ELF_PARITY, 0);
	struct kprocess *q2 = ksession_process(s, "q2", ELF_PARITY, 0);
	const uint64_t a[] = { UPAR_HOLDER, 0, UPAR_NO_CPU };
	struct kthread *t1 = uthread(q1, "q1 thread", a, 3, 0, false);
	struct kthread *t2 = uthread(q2, "q2 thread", a, 3, 0, false);
	struct sched_lease_params lp = { .group = &s->group };
	struct sched_lease_cap lcap = { 0, 0 };
	struct sched_lease_info li;
	struct sched_sc_stats st;
	unsigned free0 = free_scs(), free1;
	sched_cookie_t ck = 0, ck2 = 0;
	int r1, r2, rl, rck, rget, ssc_after, qsc_after, lease_after;
	bool up = false, gone = false, leased_before = false, leased_after;

	r1 = sc_make(&ssc, &s->group, 0, OWN_BUDGET_NS, OWN_PERIOD_NS, t1);
	r2 = sc_make(&qsc, &q2->group, 0, OWN_BUDGET_NS, OWN_PERIOD_NS, NULL);
	sched_cpumask_set(&lp.cpus, PAR_CPU);
	/* the previous test's lease holder, pinned to CPU 1, may still be leaving it (its
	 * exit is seen before its last switch): libsched refuses until then */
	for (unsigned tries = 0; tries < 1000; tries++) {
		rl = sched_lease_grant(&ksys, sched_auth_root(&ksys), &lp, &lcap);
		if (rl != -SCHED_EPINNED && rl != -SCHED_EAGAIN)
			break;
		thread_sleep_ns(1000000);
	}
	rck = sched_core_create(&ksys, sched_auth_root(&ksys), sched_ref_of(&t1->st),
				SCHED_CORE_SESSION);
	rget = sched_core_get(&ksys, sched_ref_of(&t2->st), &ck2);
	ck = __atomic_load_n(&s->group.core_tag.cookie, __ATOMIC_ACQUIRE);
	if (r1 == 0 && r2 == 0 && rl == 0 && rck == 0 && runner_join(t1) == 0) {
		thread_start_now(t1);
		thread_start_now(t2);
		up = wait_state(q1, 0, UPAR_ST_STEP1) && wait_state(q2, 0, UPAR_ST_STEP1);
		leased_before = sched_cpumask_test(&ksys.leased, PAR_CPU);
		gone = end_thread(q1, 0) && end_thread(q2, 0);
		runner_leave();
	}
	ssc_after = sched_sc_stats(&ksys, ssc.cap, &st);
	qsc_after = sched_sc_stats(&ksys, qsc.cap, &st);
	lease_after = sched_lease_info(&ksys, lcap, &li);
	free1 = free_scs();
	leased_after = sched_cpumask_test(&ksys.leased, PAR_CPU);
	kprintf("# logout: session SC %s, q2's SC %s, session lease %s, cookie %s (%llx; q2's "
		"thread's %llx: %s); q2's exit revoked %d SCs; the session ended %d: %d SCs, %d "
		"leases revoked, cookie cleared %d (now %llx); session SC %s, q2's SC %s, lease "
		"%s, free SC slots %u then %u, cpu%u leased %d then %d\n", sched_strerror(r1),
		sched_strerror(r2), sched_strerror(rl), sched_strerror(rck),
		(unsigned long long)ck, (unsigned long long)ck2, sched_strerror(rget),
		q2->exit_scs, s->ended, s->end_scs, s->end_leases, s->end_cookie,
		(unsigned long long)s->group.core_tag.cookie, sched_strerror(ssc_after),
		sched_strerror(qsc_after), sched_strerror(lease_after), free0, free1, PAR_CPU,
		leased_before, leased_after);
	ktest_report(up && gone && s->ended && ck != SCHED_COOKIE_NONE && rget == 0 && ck2 == ck &&
		     leased_before && q2->exit_scs == 1 && s->end_scs == 1 && s->end_leases == 1 &&
		     s->end_cookie == 1 && s->group.core_tag.cookie == SCHED_COOKIE_NONE &&
		     ssc_after == -SCHED_ESTALE && qsc_after == -SCHED_ESTALE &&
		     lease_after == -SCHED_ESTALE && free1 == free0 && !leased_after,
		     "session logout: when its last process exits, the SC, the lease and the "
		     "cookie owned by the session and below are revoked (stale, slots back)");
}

void test_parity(void)
{
	struct ksession *outside;

	thread_pin_self(0);
	if (!ksys.cfg.core_sched)
		kprintf("# parity: core scheduling is off (this boot needs SMT and core=on): the "
			"cookie checks (11, 12) fail\n");
	test_passive_server();
	test_fair_groups();
	outside = ksession_create("outside", 1024);
	test_manager(outside);
	test_process_exit();
	test_session_logout();
	thread_pin_self(-1);
}
