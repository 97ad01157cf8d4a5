/* SPDX-License-Identifier: MIT */
/*
 * bench_ring - polling rings and lease revocation in simulated time (include/sched/ring.h,
 * include/sched/lease.h): what a consumer that polls on a leased CPU buys against one that
 * parks and is woken, and how long a revoked CPU takes to come back. Every figure is
 * simulated time, deterministic: the same arguments give the same output on any host.
 *
 * Part 1, submit-to-consume latency. The simulator with 2 CPUs, an IPI latency and a
 * context-switch cost (defaults 2 us and 1 us). A producer on CPU 0 publishes an entry and
 * calls sched_ring_submit at random intervals (uniform over 1 .. 100 us, seeded; a system
 * call of CPU 0, which runs nothing else). The consumer is a fair thread pinned to CPU 1
 * that runs the ring protocol of ring.h: it looks at the ring (takes every entry published
 * so far), calls sched_ring_poll with found_work, and goes on, or parks; each such
 * iteration costs POLL_NS of CPU (default 100 ns), so while it runs it looks every POLL_NS.
 * When it is woken it looks at once, after the switch cost. An entry's latency is the
 * time from its publication to the look that takes it. The consumers:
 *
 *   poll    the lease holder of CPU 1 (granted before it starts), ring idle time the
 *           default (SCHED_RING_IDLE_DEFAULT_NS, 1 s): it spins and never parks here
 *   hybrid  the same with an idle time of 50 us (io_uring's sq_thread_idle set low): it
 *           spins through short gaps and parks in long ones
 *   wake    no lease; ring idle time 1 ns, the smallest (0 means the 1 s default): after
 *           each entry it finds the ring empty, marks it (RECHECK), looks once more and
 *           parks, so every later submission unparks it: an IPI to CPU 1, then the switch
 *
 * Printed per consumer: submissions, p50 / p90 / p99 / max latency (nearest rank), the ring's
 * own figures (polls, parks: sched_ring_poll calls that parked or took a permit, wakeups:
 * submissions that unparked it), the times it left the CPU, CPU 1's switches, IPIs and
 * timer interrupts, the consumer's CPU time (SCHED_ACCT_RUNTIME) and CPU 1's busy share.
 *
 * Part 2, revocation latency. 4 CPUs, the same IPI latency and switch cost, HOGS (10)
 * CPU-bound fair threads allowed every CPU, and the holder, a fair thread pinned to CPU 3
 * (started once and parked before the cycles). CYCLES (1000) grant/revoke cycles at random
 * (seeded) instants: CPU 0 grants a lease over CPU 3 to the holder (the hog running there
 * leaves at CPU 3's next switch, an IPI later: the activation; hogs queued there move in
 * the grant), unparks the holder 10 us later (it runs on CPU 3), and revokes the lease after
 * a hold of 200 .. 1000 us; the next cycle begins 200 .. 1000 us after the revocation. Two
 * runs: the holder still running at the revocation (it parks 50 us after it), or parked
 * 50 us before it (CPU 3 idle). The library's figure is SCHED_CNT_LEASE_RETURNS /
 * _RETURN_NS / _RETURN_MAX_NS of CPU 3: from the revocation to CPU 3's next
 * sched_finish_switch. Beside it: the simulator's view, from the revocation to the instant
 * another thread than the holder first makes progress on CPU 3 (after the switch cost),
 * and ipi_latency + switch cost. Also per grant: the activation time (the record's
 * active_at - granted_at), the grants made while CPU 3 ran a thread (busy), and the
 * record's mean counts of queued threads and sleeper timeouts moved.
 *
 *   bench_ring [seconds [seed [ipi_latency_ns [switch_cost_ns]]]]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sched/lease.h>
#include <sched/ring.h>

#include "sim.h"

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull
#define POLL_NS 100ull          /* CPU cost of one poll iteration (a look and a poll call) */
#define GAP_MIN (1 * US)        /* the producer's intervals: uniform over GAP_MIN .. GAP_MAX */
#define GAP_MAX (100 * US)
#define CYCLES 1000             /* grant/revoke cycles per run of part 2 */
#define HOGS 10
#define LEASED 3                /* part 2's leased CPU */

static uint64_t ipi_ns = 2 * US, switch_ns = 1 * US, seed = 1;
static uint64_t run_ns = 1 * SEC;

static void die(const char *what)
{
	fprintf(stderr, "bench_ring: %s\n", what);
	exit(1);
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t uniform(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + rng_next(s) % (hi - lo + 1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank over v[0 .. n), sorted. */
static uint64_t rank(const uint64_t *v, size_t n, unsigned p)
{
	size_t k = (n * p + 99) / 100;

	return n ? v[k ? k - 1 : 0] : 0;
}

static struct sim *machine(unsigned cpus)
{
	struct sim_config cfg = { .cpus = cpus, .smt = 1, .seed = seed, .bench_mode = true,
				  .ipi_latency_ns = ipi_ns, .switch_cost_ns = switch_ns };
	struct sim *sim = sim_new(&cfg);

	if (!sim)
		die("simulator set-up failed");
	return sim;
}

static struct sim_thread *thread(struct sim *sim, int pin)
{
	sched_cpumask_t only;
	struct sched_thread_params p = { .affinity = pin >= 0 ? &only : NULL };
	struct sim_thread *t;

	sched_cpumask_clear(&only);
	if (pin >= 0)
		sched_cpumask_set(&only, (unsigned)pin);
	t = sim_thread_new(sim, &p);
	if (!t)
		die("thread set-up failed");
	return t;
}

static int grant(struct sim *sim, struct sim_thread *holder, unsigned cpu,
		 struct sched_lease_cap *cap)
{
	struct sched_lease_params p = { .thread = sched_ref_of(&holder->st) };

	sched_cpumask_clear(&p.cpus);
	sched_cpumask_set(&p.cpus, cpu);
	return sched_lease_grant(&sim->sys, sched_auth_root(&sim->sys), &p, cap);
}

/* --- part 1: submit-to-consume latency ------------------------------------------------ */

struct consumer_kind {
	const char *name;
	bool leased;
	uint64_t idle_ns;
};

static const struct consumer_kind kinds[] = {
	{ "poll", true, 0 },
	{ "hybrid", true, 50 * US },
	{ "wake", false, 1 },
};

struct ring_run {
	const struct consumer_kind *kind;
	struct sim *sim;
	struct sim_thread *c;     /* the consumer, pinned to CPU 1 */
	struct sched_ring ring;
	struct sched_lease pool[1];
	struct sched_lease_cap cap;
	sched_time_t *q;          /* publication instants of the entries not taken yet */
	size_t head, tail, cap_q;
	uint64_t *lat;
	size_t nr_lat;
	bool looping;             /* the consumer's next look is planned */
	uint64_t rng;
	sched_time_t end;         /* the producer stops here */
	uint64_t submits, unparked, left_cpu, polls_seen;
};

static void look(struct sim *sim, unsigned cpu, void *arg);

/* The producer (an event on CPU 0): publish, submit, plan the next one. */
static void produce(struct sim *sim, unsigned cpu, void *arg)
{
	struct ring_run *r = arg;
	int ret;

	(void)cpu;
	if (r->tail == r->cap_q) {
		r->cap_q = r->cap_q ? 2 * r->cap_q : 4096;
		r->q = realloc(r->q, r->cap_q * sizeof(*r->q));
		if (!r->q)
			die("out of memory");
	}
	r->q[r->tail++] = sim->now; /* published (the kernel's seq_cst store of the tail) */
	ret = sched_ring_submit(&sim->sys, &r->ring);
	if (ret < 0)
		die("sched_ring_submit failed");
	r->submits++;
	r->unparked += ret == 1;
	if (sim->now < r->end)
		sim_post(sim, 0, sim->now + uniform(&r->rng, GAP_MIN, GAP_MAX), produce, r);
}

/* One iteration of the consumer on CPU 1: look at the ring, poll, go on or park. */
static void look(struct sim *sim, unsigned cpu, void *arg)
{
	struct ring_run *r = arg;
	struct sched_thread *next;
	bool found = r->head < r->tail;
	int ret;

	if (sim->cpu[cpu].curr != r->c) { /* not on its CPU: it looks again when it is */
		r->looping = false;
		return;
	}
	for (; r->head < r->tail; r->head++)
		r->lat[r->nr_lat++] = sim->now - r->q[r->head];
	ret = sched_ring_poll(&sim->sys, cpu, &r->ring, found, &next);
	if (ret < 0)
		die("sched_ring_poll failed");
	r->polls_seen++;
	if (next != &r->c->st) { /* parked */
		r->left_cpu++;
		r->looping = false;
		sim_switch(sim, cpu, next);
		return;
	}
	sim_post(sim, cpu, sim->now + POLL_NS, look, r);
}

/* After every event: a consumer that got CPU 1 back looks at once (after the switch). */
static void ring_after_event(struct sim *sim, void *arg)
{
	struct ring_run *r = arg;

	if (!r->looping && sim->cpu[1].curr == r->c) {
		r->looping = true;
		sim_post(sim, 1, sim->cpu[1].run_start > sim->now ? sim->cpu[1].run_start : sim->now,
			 look, r);
	}
}

static void ring_run(const struct consumer_kind *k, bool header)
{
	struct ring_run *r = calloc(1, sizeof(*r));
	static const unsigned cnt[] = { SCHED_CNT_SWITCHES, SCHED_CNT_IPI_RECEIVED,
					SCHED_CNT_TIMER_IRQ };
	enum { NR_CNT = sizeof(cnt) / sizeof(cnt[0]) };
	struct sched_acct acct;
	struct sched_ring base_ring;
	struct sim *sim;
	uint64_t cpu_ns, busy, base[NR_CNT], d[NR_CNT], polls, parks, wakeups, submits;
	sched_time_t start;

	if (!r)
		die("out of memory");
	r->kind = k;
	r->rng = seed;
	r->end = run_ns;
	r->lat = malloc((run_ns / GAP_MIN + 16) * sizeof(*r->lat));
	if (!r->lat)
		die("out of memory");
	sim = r->sim = machine(2);
	r->c = thread(sim, 1);
	sim_enter(sim, 0);
	if (sched_ring_init(&r->ring, k->idle_ns) < 0 ||
	    sched_ring_register(&sim->sys, &r->ring, sched_ref_of(&r->c->st)) < 0)
		die("ring set-up failed");
	if (k->leased && (sched_lease_pool(&sim->sys, r->pool, 1) < 0 ||
			  grant(sim, r->c, 1, &r->cap) < 0))
		die("lease set-up failed");
	sim->after_event = ring_after_event;
	sim->hook_arg = r;
	if (sched_wake(&sim->sys, sched_ref_of(&r->c->st), SCHED_WAKE_NEW) < 0)
		die("wake failed");
	sim_run_until(sim, 100 * US); /* the consumer has run on CPU 1 (hybrid, wake: parked) */
	if (r->c->st.cpu != 1 || !r->polls_seen)
		die("the consumer did not run on CPU 1");
	r->end += sim->now;
	start = sim->now; /* figures from here on: differences */
	for (unsigned n = 0; n < NR_CNT; n++)
		base[n] = sched_cpu_counter(&sim->sys, 1, cnt[n]);
	base_ring = r->ring;
	r->polls_seen = r->left_cpu = 0;
	if (sched_thread_stats(&sim->sys, sched_ref_of(&r->c->st), &acct) < 0)
		die("sched_thread_stats failed");
	cpu_ns = acct.v[SCHED_ACCT_RUNTIME];
	busy = sim_cpu_busy_ns(sim, 1);
	sim_post(sim, 0, sim->now + uniform(&r->rng, GAP_MIN, GAP_MAX), produce, r);
	sim_run_until(sim, r->end + 1 * MS); /* the last entries are taken */
	polls = r->ring.polls - base_ring.polls;
	parks = r->ring.parks - base_ring.parks;
	wakeups = r->ring.wakeups - base_ring.wakeups;
	submits = r->ring.submits - base_ring.submits;
	for (unsigned n = 0; n < NR_CNT; n++)
		d[n] = sched_cpu_counter(&sim->sys, 1, cnt[n]) - base[n];
	if (r->nr_lat != r->submits || submits != r->submits)
		die("an entry was lost");
	if (wakeups != r->unparked || polls != r->polls_seen)
		die("the ring's figures disagree with the submissions and polls made");
	sim_enter(sim, 0);
	if (sched_check(&sim->sys) < 0)
		die(sim->sys.check_msg);
	if (sched_thread_stats(&sim->sys, sched_ref_of(&r->c->st), &acct) < 0)
		die("sched_thread_stats failed");
	cpu_ns = acct.v[SCHED_ACCT_RUNTIME] - cpu_ns;
	busy = sim_cpu_busy_ns(sim, 1) - busy;
	qsort(r->lat, r->nr_lat, sizeof(*r->lat), cmp_u64);
	if (header) {
		printf("%-7s %-5s %10s %7s %7s %7s %7s %7s %9s %7s %8s %5s %9s %7s %7s %10s %6s\n",
		       "cons", "lease", "idle_ns", "submits", "p50_ns", "p90_ns", "p99_ns", "max_ns", "polls",
		       "parks", "wakeups", "left", "switches", "ipis", "timers", "cpu_ms", "busy%");
	}
	printf("%-7s %-5s %10llu %7llu %7llu %7llu %7llu %7llu %9llu %7llu %8llu %5llu %9llu %7llu %7llu "
	       "%10.3f %6.2f\n",
	       k->name, k->leased ? "yes" : "no", (unsigned long long)r->ring.idle_ns,
	       (unsigned long long)r->submits,
	       (unsigned long long)rank(r->lat, r->nr_lat, 50),
	       (unsigned long long)rank(r->lat, r->nr_lat, 90),
	       (unsigned long long)rank(r->lat, r->nr_lat, 99),
	       (unsigned long long)r->lat[r->nr_lat - 1],
	       (unsigned long long)polls, (unsigned long long)parks,
	       (unsigned long long)wakeups, (unsigned long long)r->left_cpu,
	       (unsigned long long)d[0], (unsigned long long)d[1], (unsigned long long)d[2],
	       (double)cpu_ns / 1e6, 100.0 * (double)busy / (double)(sim->now - start));
	sim_free(sim);
	free(r->q);
	free(r->lat);
	free(r);
}

/* --- part 2: revocation latency --------------------------------------------------------- */

struct rev_run {
	bool running_at_revoke;   /* the holder runs at the revocation (else it parked before) */
	struct sim *sim;
	struct sim_thread *holder;
	struct sched_lease pool[1];
	struct sched_lease_cap cap;
	uint64_t rng;
	unsigned cycle;
	sched_time_t revoked_at;  /* SCHED_TIME_NEVER: no revocation waits for another thread */
	uint64_t other[CYCLES];   /* revocation to another thread's progress on CPU 3 */
	uint64_t activation[CYCLES];
	unsigned nr_other, nr_activation, busy_grants;
	uint64_t moved[SCHED_LEASE_STEP_NR];
};

static void rev_grant(struct sim *sim, unsigned cpu, void *arg);

static void rev_unpark(struct sim *sim, unsigned cpu, void *arg)
{
	struct rev_run *r = arg;

	(void)cpu;
	if (sched_unpark(&sim->sys, sched_ref_of(&r->holder->st)) < 0)
		die("sched_unpark failed");
}

static void rev_park(struct sim *sim, unsigned cpu, void *arg)
{
	struct rev_run *r = arg;
	struct sched_thread *next;

	if (sim->cpu[cpu].curr != r->holder) { /* not switched in yet, or preempted */
		sim_post(sim, cpu, sim->now + 10 * US, rev_park, r);
		return;
	}
	if (sched_park(&sim->sys, cpu, &next) < 0)
		die("sched_park failed");
	sim_switch(sim, cpu, next);
}

static void rev_revoke(struct sim *sim, unsigned cpu, void *arg)
{
	struct rev_run *r = arg;
	struct sched_lease_info info;

	(void)cpu;
	if (sched_lease_info(&sim->sys, r->cap, &info) < 0 || info.state != SCHED_LEASE_ACTIVE)
		die("the lease is not active at its revocation");
	r->activation[r->nr_activation++] = info.rec.active_at - info.rec.granted_at;
	for (unsigned s = 0; s < SCHED_LEASE_STEP_NR; s++)
		r->moved[s] += info.rec.step_count[s];
	if (sched_lease_revoke(&sim->sys, r->cap) < 0)
		die("sched_lease_revoke failed");
	r->revoked_at = sim->now;
	if (++r->cycle < CYCLES)
		sim_post(sim, 0, sim->now + uniform(&r->rng, 200 * US, 1000 * US), rev_grant, r);
}

static void rev_grant(struct sim *sim, unsigned cpu, void *arg)
{
	struct rev_run *r = arg;
	uint64_t hold = uniform(&r->rng, 200 * US, 1000 * US);
	int ret;

	(void)cpu;
	r->busy_grants += sim->cpu[LEASED].curr != NULL;
	if ((ret = grant(sim, r->holder, LEASED, &r->cap)) < 0) {
		fprintf(stderr, "bench_ring: grant refused: %d\n", ret);
		exit(1);
	}
	sim_post(sim, 0, sim->now + 10 * US, rev_unpark, r);
	sim_post(sim, LEASED, r->running_at_revoke ? sim->now + hold + 50 * US
						   : sim->now + hold - 50 * US, rev_park, r);
	sim_post(sim, 0, sim->now + hold, rev_revoke, r);
}

/* After every event: the first time another thread than the holder makes progress on CPU 3
 * after a revocation. */
static void rev_after_event(struct sim *sim, void *arg)
{
	struct rev_run *r = arg;
	struct sim_thread *t = sim->cpu[LEASED].curr;

	if (r->revoked_at != SCHED_TIME_NEVER && t && t != r->holder) {
		r->other[r->nr_other++] = sim->cpu[LEASED].run_start - r->revoked_at;
		r->revoked_at = SCHED_TIME_NEVER;
	}
}

static void rev_run(bool running_at_revoke, bool header)
{
	struct rev_run *r = calloc(1, sizeof(*r));
	struct sim *sim;
	uint64_t n, sum, max;

	if (!r)
		die("out of memory");
	r->running_at_revoke = running_at_revoke;
	r->rng = seed;
	r->revoked_at = SCHED_TIME_NEVER;
	sim = r->sim = machine(4);
	r->holder = thread(sim, LEASED);
	sim_enter(sim, 0);
	if (sched_lease_pool(&sim->sys, r->pool, 1) < 0)
		die("sched_lease_pool failed");
	for (unsigned i = 0; i < HOGS; i++)
		if (sched_wake(&sim->sys, sched_ref_of(&thread(sim, -1)->st), SCHED_WAKE_NEW) < 0)
			die("wake failed");
	/* the holder starts on CPU 3 and parks: from here on an unpark wakes it */
	if (sched_wake(&sim->sys, sched_ref_of(&r->holder->st), SCHED_WAKE_NEW) < 0)
		die("wake failed");
	sim_post(sim, LEASED, 1 * MS, rev_park, r);
	sim_run_until(sim, 10 * MS); /* the hogs spread */
	if (r->holder->st.cpu != LEASED || sim->cpu[LEASED].curr == r->holder)
		die("the holder did not start and park on CPU 3");
	sim->after_event = rev_after_event;
	sim->hook_arg = r;
	sim_post(sim, 0, sim->now + 1 * MS, rev_grant, r);
	while (r->cycle < CYCLES || r->revoked_at != SCHED_TIME_NEVER) {
		sim_run_until(sim, sim->now + 10 * MS);
		if (sim->now > 100 * SEC)
			die("the cycles do not end");
	}
	sim_run_until(sim, sim->now + 10 * MS);
	sim_enter(sim, 0);
	if (sched_check(&sim->sys) < 0)
		die(sim->sys.check_msg);
	n = sched_cpu_counter(&sim->sys, LEASED, SCHED_CNT_LEASE_RETURNS);
	sum = sched_cpu_counter(&sim->sys, LEASED, SCHED_CNT_LEASE_RETURN_NS);
	max = sched_cpu_counter(&sim->sys, LEASED, SCHED_CNT_LEASE_RETURN_MAX_NS);
	if (n != CYCLES || r->nr_other != CYCLES || r->nr_activation != CYCLES)
		die("a revocation was not counted");
	qsort(r->other, r->nr_other, sizeof(*r->other), cmp_u64);
	qsort(r->activation, r->nr_activation, sizeof(*r->activation), cmp_u64);
	if (header)
		printf("%-8s %6s %7s %11s %10s %11s %9s %9s %9s %9s %9s %6s %7s %8s\n", "holder",
		       "cycles", "returns", "ret_mean_ns", "ret_max_ns", "ipi+switch", "other_p50",
		       "other_p99", "other_max", "act_p50", "act_max", "busy", "queued", "timeouts");
	printf("%-8s %6u %7llu %11.1f %10llu %11llu %9llu %9llu %9llu %9llu %9llu %6u %7.2f %8.2f\n",
	       running_at_revoke ? "running" : "parked", CYCLES, (unsigned long long)n,
	       (double)sum / (double)n, (unsigned long long)max,
	       (unsigned long long)(ipi_ns + switch_ns),
	       (unsigned long long)rank(r->other, r->nr_other, 50),
	       (unsigned long long)rank(r->other, r->nr_other, 99),
	       (unsigned long long)r->other[r->nr_other - 1],
	       (unsigned long long)rank(r->activation, r->nr_activation, 50),
	       (unsigned long long)r->activation[r->nr_activation - 1], r->busy_grants,
	       (double)(r->moved[SCHED_LEASE_STEP_QUEUED]) / CYCLES,
	       (double)(r->moved[SCHED_LEASE_STEP_TIMEOUTS]) / CYCLES);
	sim_free(sim);
	free(r);
}

static uint64_t arg_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (!*s || *end) {
		fprintf(stderr, "bench_ring: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc > 5) {
		fprintf(stderr, "usage: bench_ring [seconds [seed [ipi_latency_ns [switch_cost_ns]]]]\n");
		return 2;
	}
	if (argc > 1)
		run_ns = arg_u64(argv[1], "seconds") * SEC;
	if (argc > 2)
		seed = arg_u64(argv[2], "seed");
	if (argc > 3)
		ipi_ns = arg_u64(argv[3], "IPI latency");
	if (argc > 4)
		switch_ns = arg_u64(argv[4], "switch cost");
	if (!run_ns)
		die("seconds must be at least 1");
	printf("bench_ring: submit-to-consume latency (simulated), 2 CPUs, ipi_latency %llu ns, "
	       "switch cost %llu ns, seed %llu, %llu s\n", (unsigned long long)ipi_ns,
	       (unsigned long long)switch_ns, (unsigned long long)seed,
	       (unsigned long long)(run_ns / SEC));
	printf("producer: CPU 0, intervals uniform over %llu..%llu us; consumer pinned to CPU 1; "
	       "a poll iteration costs %llu ns\n", (unsigned long long)(GAP_MIN / US),
	       (unsigned long long)(GAP_MAX / US), (unsigned long long)POLL_NS);
	for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		ring_run(&kinds[i], i == 0);
	printf("\nbench_ring revoke: lease return latency (simulated), 4 CPUs, CPU 3 leased, %d hogs, "
	       "%d grant/revoke cycles, ipi_latency %llu ns, switch cost %llu ns, seed %llu\n",
	       HOGS, CYCLES, (unsigned long long)ipi_ns, (unsigned long long)switch_ns,
	       (unsigned long long)seed);
	rev_run(true, true);
	rev_run(false, false);
	return 0;
}
