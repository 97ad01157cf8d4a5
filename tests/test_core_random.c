/* SPDX-License-Identifier: MIT */
/*
 * test_core_random.c - SMT core scheduling on the simulated machine, with random workloads.
 *
 * Each seed builds a random rt-app workload (CPU-bound, periodic, sleeping, yielding,
 * blocking/waking and finite tasks, in 2 to 4 trust domains plus untagged ones), runs it
 * on 4 or 8 CPUs with 2 (or 4) hardware threads per core, kernel protection on in half of
 * the seeds, and meanwhile changes cookies (create / share / clear, thread, process and
 * session scope) and takes CPUs offline and online, at random instants, as system calls
 * on a random online CPU (sim_post, so kernel protection applies to them too).
 *
 * Checked at every event: sched_check() (check_each_step), the simulator's own invariant
 * on what each CPU runs (sim_core_check: one cookie per core, no user code of a tagged
 * thread next to a sibling in the kernel), and a model of the cookie assignments kept
 * here: what sched_core_get() answers after every change, and the cookie every queued
 * thread carries. A run of events at one instant that never ends is a failure too (the
 * simulator's livelock guard). Over each run: starvation freedom, every domain's CPU-bound
 * thread runs in every 200 ms window; busy and forced-idle time against the simulator's
 * own view. A failing seed is reported and the others still run ('# FAILED' lines).
 * Separately: fairness between two domains on one core (eevdf and rr), and self-tests
 * showing that the simulator's check does fire.
 *
 * CORE_RANDOM_SEED=N runs only seed N; CORE_RANDOM_DENSE=1 posts an operation every 0 ..
 * 20 us instead of every 0 .. 4 ms (a much harder mix of hotplug and cookie changes).
 */
#include "simtest.h"

#include <stdlib.h>
#include <string.h>

#define SEEDS 30
#define RUN_NS (2000 * MS)
#define MAX_THREADS 64
#define STARVE_NS (200 * MS) /* starvation bound: every CPU-bound domain runs in any window */
#define COOKIE_GRACE_NS MS   /* a running thread takes a changed cookie at its next pick */

struct tag {
	sched_cookie_t cookie;
	uint64_t stamp; /* 0 = never assigned */
};

enum op_kind { OP_CREATE, OP_SHARE, OP_CLEAR, OP_OFFLINE, OP_ONLINE };

struct op {
	struct world *w;
	enum op_kind kind;
	enum sched_core_scope scope;
	unsigned t, from; /* thread indexes */
	unsigned cpu;     /* OP_OFFLINE: the CPU taken offline */
};

struct world {
	struct sim *sim;
	struct workload wl;
	uint64_t rng, seed;
	unsigned nth;
	bool anchor[MAX_THREADS];   /* a domain's CPU-bound thread: its cookie never changes */
	bool is_volatile[MAX_THREADS]; /* cookie ops target these (all in groups p0..p2) */
	struct tag ttag[MAX_THREADS];
	struct tag gtag[8];         /* index: group_index() */
	uint64_t stamp;
	sched_cookie_t seen[1024];  /* every cookie handed out: never twice */
	unsigned nr_seen;
	sched_time_t changed_at[MAX_THREADS]; /* last change of its effective cookie */
	/* starvation: per anchor, the last instant it was on a CPU and the longest gap */
	sched_time_t last_on[MAX_THREADS], max_gap[MAX_THREADS];
	struct sim_thread *snap[SCHED_MAX_CPUS]; /* what each CPU ran since the last event */
	uint64_t on_cpu_ns[MAX_THREADS];
	bool snap_forced[SCHED_MAX_CPUS];
	uint64_t forced_ns[SCHED_MAX_CPUS];
	sched_time_t last_event;
	struct op **ops;          /* posted operations (each pending until its event) */
	unsigned nr_ops, cap_ops;
	/* figures over all seeds */
	unsigned op_ok[5], op_refused[5];
};

static struct world *current_world;
static jmp_buf seed_env;  /* a failing seed ends here: the others still run */
static char seed_failure[512];

/* This seed failed: note why and go on with the next one (its machine is leaked). */
static void seed_fail(const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(seed_failure, sizeof(seed_failure), "seed %llu t=%llu: ",
			 (unsigned long long)current_world->seed,
			 (unsigned long long)current_world->sim->now);

	va_start(ap, fmt);
	vsnprintf(seed_failure + n, sizeof(seed_failure) - (size_t)n, fmt, ap);
	va_end(ap);
	longjmp(seed_env, 1);
}

static unsigned rnd(struct world *w, unsigned n)
{
	w->rng = w->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((w->rng >> 33) % n);
}

static void on_violation(struct sim *sim, const char *msg)
{
	(void)sim;
	seed_fail("%s", msg);
}

/* --- the workload ------------------------------------------------------------------------- */

static void append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if ((size_t)n < *cap - *len)
			break;
		*cap = *cap * 2 + (size_t)n;
		*buf = realloc(*buf, *cap);
		assert_non_null(*buf);
	}
	*len += (size_t)n;
}

/* Cookie key for domain d (0 = untagged: no key): odd domains are named by an integer,
 * even ones by a string, so both forms of the key are exercised. */
static void cookie_key(char **b, size_t *l, size_t *c, unsigned d, const char *group)
{
	char v[16];

	snprintf(v, sizeof(v), d % 2 ? "%u" : "\"d%u\"", d);
	if (d && group)
		append(b, l, c, ", \"libsched\": { \"cookie\": %s, \"group\": \"%s\" }", v, group);
	else if (d)
		append(b, l, c, ", \"libsched\": { \"cookie\": %s }", v);
	else if (group)
		append(b, l, c, ", \"libsched\": { \"group\": \"%s\" }", group);
}

/*
 * Anchors first: one CPU-bound thread per domain (d1 .. dK, and untagged), outside the
 * process groups; then random tasks in processes p0..p2, each in a random domain.
 */
static char *random_workload(struct world *w, unsigned domains)
{
	size_t len = 0, cap = 4096;
	char *b = malloc(cap);
	unsigned tasks = 5 + rnd(w, 6);

	assert_non_null(b);
	append(&b, &len, &cap, "{ \"tasks\": {\n");
	for (unsigned d = 0; d <= domains; d++) {
		append(&b, &len, &cap, "\"anchor%u\": { \"loop\": -1, \"run\": 100000", d);
		cookie_key(&b, &len, &cap, d, NULL);
		append(&b, &len, &cap, " },\n");
	}
	for (unsigned i = 0; i < tasks; i++) {
		unsigned d = rnd(w, domains + 1), kind = rnd(w, 5);
		char group[8];

		snprintf(group, sizeof(group), "p%u", i % 3);
		switch (kind) {
		case 0: { /* periodic */
			unsigned period = 2000 + rnd(w, 8000);

			append(&b, &len, &cap, "\"per%u\": { \"loop\": -1, \"timer\": { \"ref\": "
			       "\"unique\", \"period\": %u }, \"run\": %u", i, period,
			       100 + rnd(w, period / 3));
			break;
		}
		case 1: /* sleeper */
			append(&b, &len, &cap, "\"slp%u\": { \"loop\": -1, \"run\": %u, \"sleep\": %u",
			       i, 200 + rnd(w, 5000), 200 + rnd(w, 10000));
			break;
		case 2: /* hog that yields */
			append(&b, &len, &cap, "\"yld%u\": { \"loop\": -1, \"run\": %u, \"yield\": 0",
			       i, 500 + rnd(w, 5000));
			break;
		case 3: /* block / wake: a waiter and its waker (the waker in the same domain) */
			append(&b, &len, &cap, "\"wt%u\": { \"loop\": -1, \"suspend\": \"wt%u\", "
			       "\"run\": %u", i, i, 100 + rnd(w, 2000));
			cookie_key(&b, &len, &cap, d, group);
			append(&b, &len, &cap, " },\n\"wk%u\": { \"loop\": -1, \"run\": %u, "
			       "\"resume\": \"wt%u\", \"sleep\": %u", i, 100 + rnd(w, 2000), i,
			       rnd(w, 5000));
			break;
		default: /* finite: exits after a few loops */
			append(&b, &len, &cap, "\"fin%u\": { \"loop\": %u, \"run\": %u, \"sleep\": %u",
			       i, 1 + rnd(w, 200), 100 + rnd(w, 3000), 100 + rnd(w, 3000));
			break;
		}
		cookie_key(&b, &len, &cap, d, group);
		append(&b, &len, &cap, " },\n");
	}
	append(&b, &len, &cap, "} }\n");
	return b;
}

/* --- the model of cookie assignments ------------------------------------------------------ */

static unsigned group_index(struct world *w, const struct sim_thread *t)
{
	for (size_t j = 0; j < w->sim->nr_groups; j++)
		if (t->st.group == &w->sim->groups[j])
			return (unsigned)j + 1;
	return 0; /* "rt-app" */
}

static sched_cookie_t model_cookie(struct world *w, unsigned i)
{
	const struct tag *tt = &w->ttag[i], *gt = &w->gtag[group_index(w, w->sim->threads[i])];

	return tt->stamp >= gt->stamp ? tt->cookie : gt->cookie;
}

static bool alive(struct world *w, unsigned i)
{
	const struct sim_thread *t = w->sim->threads[i];

	return !t->done && t->st.state != SCHED_EXITED;
}

static void note_new_cookie(struct world *w, sched_cookie_t c)
{
	assert_true(c != SCHED_COOKIE_NONE);
	for (unsigned k = 0; k < w->nr_seen; k++)
		if (w->seen[k] == c)
			seed_fail("cookie %llu handed out twice", (unsigned long long)c);
	if (w->nr_seen < sizeof(w->seen) / sizeof(w->seen[0]))
		w->seen[w->nr_seen++] = c;
}

/* sched_core_get agrees with the model for every live thread. */
static void check_model(struct world *w)
{
	for (unsigned i = 0; i < w->nth; i++) {
		sched_cookie_t got;

		if (!alive(w, i))
			continue;
		assert_int_equal(sched_core_get(&w->sim->sys, sched_ref_of(&w->sim->threads[i]->st),
						&got), 0);
		if (got != model_cookie(w, i))
			seed_fail("thread %u: sched_core_get %llu, model %llu", i + 1,
				  (unsigned long long)got,
				 (unsigned long long)model_cookie(w, i));
	}
}

/* Threads whose effective cookie an op may have changed: note when. */
static void note_changes(struct world *w, const sched_cookie_t *before)
{
	for (unsigned i = 0; i < w->nth; i++)
		if (model_cookie(w, i) != before[i])
			w->changed_at[i] = w->sim->now;
}

/* --- operations, run as system calls on a CPU ---------------------------------------------- */

static void do_op(struct sim *sim, unsigned cpu, void *arg)
{
	struct op *op = arg;
	struct world *w = op->w;
	struct sched_auth root = sched_auth_root(&sim->sys);
	struct sim_thread *t = sim->threads[op->t], *from = sim->threads[op->from];
	sched_cookie_t before[MAX_THREADS];
	unsigned g = group_index(w, t);
	struct tag *tag = op->scope == SCHED_CORE_THREAD ? &w->ttag[op->t] : &w->gtag[g];
	int r = 0;

	if (op->kind != OP_ONLINE && !sim->rq[cpu].online) {
		w->op_refused[op->kind]++; /* its CPU went offline since the op was posted */
		return;
	}
	for (unsigned i = 0; i < w->nth; i++)
		before[i] = model_cookie(w, i);
	switch (op->kind) {
	case OP_CREATE:
		r = sched_core_create(&sim->sys, root, sched_ref_of(&t->st), op->scope);
		break;
	case OP_SHARE:
		r = sched_core_share(&sim->sys, root, sched_ref_of(&from->st), sched_ref_of(&t->st),
				     op->scope);
		break;
	case OP_CLEAR:
		r = sched_core_clear(&sim->sys, root, sched_ref_of(&t->st), op->scope);
		break;
	case OP_OFFLINE:
		r = sched_cpu_offline(&sim->sys, op->cpu);
		/* busy; or already offline (two offline ops were pending) */
		if (r == -SCHED_ELAST_CPU || r == -SCHED_EPINNED || r == -SCHED_EAGAIN ||
		    r == -SCHED_ECPU) {
			w->op_refused[op->kind]++;
			return;
		}
		assert_int_equal(r, 0);
		w->op_ok[op->kind]++;
		return;
	case OP_ONLINE:
		r = sched_cpu_online(&sim->sys, cpu, &sim->cpu[cpu].idle);
		if (r == -SCHED_EEXIST) { /* two online ops were pending */
			w->op_refused[op->kind]++;
			return;
		}
		assert_int_equal(r, 0);
		sim_resched(sim, cpu);
		w->op_ok[op->kind]++;
		return;
	}
	/* session scope: no session groups in the simulator; exited threads: stale refs */
	if (op->scope == SCHED_CORE_SESSION) {
		assert_true(r == -SCHED_ENOGROUP || r == -SCHED_ESTALE);
		w->op_refused[op->kind]++;
		return;
	}
	if (!alive(w, op->t) || (op->kind == OP_SHARE && !alive(w, op->from))) {
		/* a finite task ended: its ref is stale (or it exits at its CPU's next pick) */
		assert_true(r == -SCHED_ESTALE || r == 0);
		if (r < 0) {
			w->op_refused[op->kind]++;
			return;
		}
	}
	if (r) /* fail: everything else must succeed */
		seed_fail("op %d scope %d on thread %u (from %u): %s", op->kind, op->scope,
			  op->t + 1, op->from + 1, sched_strerror(r));
	w->op_ok[op->kind]++;
	w->stamp++;
	if (op->kind == OP_CREATE) {
		sched_cookie_t c;

		if (op->scope == SCHED_CORE_THREAD)
			assert_int_equal(sched_core_get(&sim->sys, sched_ref_of(&t->st), &c), 0);
		else
			c = t->st.group->core_tag.cookie;
		note_new_cookie(w, c);
		*tag = (struct tag){ c, w->stamp };
	} else if (op->kind == OP_SHARE) {
		*tag = (struct tag){ model_cookie(w, op->from), w->stamp };
	} else {
		*tag = (struct tag){ SCHED_COOKIE_NONE, w->stamp };
	}
	note_changes(w, before);
	check_model(w);
}

static unsigned online_cpu(struct world *w)
{
	for (;;) {
		unsigned c = rnd(w, w->sim->cfg.cpus);

		if (w->sim->rq[c].online)
			return c;
	}
}

static unsigned volatile_thread(struct world *w)
{
	for (;;) {
		unsigned i = rnd(w, w->nth);

		if (w->is_volatile[i])
			return i;
	}
}

static struct op *new_op(struct world *w)
{
	struct op *op = calloc(1, sizeof(*op));

	assert_non_null(op);
	if (w->nr_ops == w->cap_ops) {
		w->cap_ops = w->cap_ops ? 2 * w->cap_ops : 64;
		w->ops = realloc(w->ops, w->cap_ops * sizeof(*w->ops));
		assert_non_null(w->ops);
	}
	op->w = w;
	w->ops[w->nr_ops++] = op;
	return op;
}

static void post_random_op(struct world *w)
{
	struct sim *sim = w->sim;
	unsigned k = rnd(w, 10), cpu = online_cpu(w);
	struct op *op;

	if (k >= 8) { /* hotplug */
		unsigned c = rnd(w, sim->cfg.cpus);

		op = new_op(w);
		if (sim->rq[c].online) {
			op->kind = OP_OFFLINE;
			op->cpu = c;
		} else {
			op->kind = OP_ONLINE;
			cpu = c; /* sched_cpu_online runs on the CPU itself */
		}
	} else {
		op = new_op(w);
		op->kind = k < 3 ? OP_CREATE : k < 6 ? OP_SHARE : OP_CLEAR;
		op->scope = rnd(w, 8) == 0 ? SCHED_CORE_SESSION
			  : rnd(w, 3) == 0 ? SCHED_CORE_PROCESS : SCHED_CORE_THREAD;
		op->t = volatile_thread(w);
		op->from = rnd(w, w->nth);
	}
	sim_post(sim, cpu, sim->now, do_op, op);
}

/* --- checks after every event --------------------------------------------------------------- */

static void after_event(struct sim *sim, void *arg)
{
	struct world *w = arg;
	sched_time_t dt = sim->now - w->last_event;

	/* on-CPU time and starvation gaps, from the simulator's view of each CPU */
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (w->snap[c])
			w->on_cpu_ns[w->snap[c]->id - 1] += dt;
	for (unsigned i = 0; i < w->nth; i++) {
		bool ran = false;

		if (!w->anchor[i])
			continue;
		for (unsigned c = 0; c < sim->cfg.cpus; c++)
			ran |= w->snap[c] == sim->threads[i] && dt;
		if (ran)
			w->last_on[i] = sim->now;
		else if (sim->now - w->last_on[i] > w->max_gap[i])
			w->max_gap[i] = sim->now - w->last_on[i];
	}
	for (unsigned c = 0; c < sim->cfg.cpus; c++) {
		if (w->snap_forced[c])
			w->forced_ns[c] += dt;
		w->snap[c] = sim->cpu[c].curr;
		w->snap_forced[c] = !sim->cpu[c].curr && sim->rq[c].online && sim->rq[c].nr_queued;
	}
	w->last_event = sim->now;

	/* every queued thread carries its cookie; a running one at the latest at its next pick */
	for (unsigned i = 0; i < w->nth; i++) {
		const struct sim_thread *t = sim->threads[i];

		if (t->st.state == SCHED_RUNNABLE && t->st.cookie != model_cookie(w, i))
			seed_fail("queued thread %u has cookie %llu, model %llu", i + 1,
				  (unsigned long long)t->st.cookie,
				 (unsigned long long)model_cookie(w, i));
		if (t->st.state == SCHED_RUNNING && t->st.cookie != model_cookie(w, i) &&
		    sim->now - w->changed_at[i] > COOKIE_GRACE_NS)
			seed_fail("thread %u runs with cookie %llu, model %llu since t=%llu",
				  i + 1, (unsigned long long)t->st.cookie,
				 (unsigned long long)model_cookie(w, i),
				 (unsigned long long)w->changed_at[i]);
	}
}

/* --- the random runs ------------------------------------------------------------------------- */

/*
 * libsched's figures against the simulator's own view, at the end of a run. Busy time:
 * the sum over CPUs of libsched's busy time equals the time threads were current on the
 * simulator's CPUs, exactly (measured: 0 ns of difference on every seed). Forced idle: per
 * CPU, libsched's sched_core_forced_idle_ns against the time the simulator saw the CPU
 * idle, online and with threads queued, sampled after every event. libsched updates its
 * flag at switches only, so the two may differ while a queue changes under an idle CPU:
 * measured at most 0.42 ms per CPU in a 2 s run (0.03% overall); asserted: 2 ms. With an
 * IPI latency, a thread queued on an idle CPU also waits there for the CPU's IPI, which
 * the simulator counts and libsched rightly does not (nothing forces the CPU idle, it has
 * not been told yet): each IPI sent to the CPU may add up to one latency to the slack
 * (CORE_RANDOM_DENSE with 20 us IPIs: up to 8.8 ms of difference per CPU).
 */
#define FORCED_IDLE_SLACK_NS (2 * MS)

static void check_accounting(struct world *w)
{
	struct sim *sim = w->sim;
	uint64_t on = 0, busy = 0;

	for (unsigned i = 0; i < w->nth; i++)
		on += w->on_cpu_ns[i];
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		busy += sim_cpu_busy_ns(sim, c);
	if (on != busy)
		seed_fail("libsched busy time %llu ns, threads current in the simulator %llu ns",
			  (unsigned long long)busy, (unsigned long long)on);
	for (unsigned c = 0; c < sim->cfg.cpus; c++) {
		uint64_t lib = sched_core_forced_idle_ns(&sim->sys, c), mine = w->forced_ns[c];
		uint64_t slack = FORCED_IDLE_SLACK_NS + sim->cfg.ipi_latency_ns *
				 sched_cpu_counter(&sim->sys, c, SCHED_CNT_IPI_SENT);

		if ((lib > mine ? lib - mine : mine - lib) > slack)
			seed_fail("cpu %u: forced idle %llu ns for libsched, %llu ns seen", c,
				  (unsigned long long)lib, (unsigned long long)mine);
	}
}

struct totals {
	uint64_t events, checks, stalls, stalled_ns, forced_idle_ns, max_gap, rotations;
	unsigned op_ok[5], op_refused[5], seeds_rotating;
};

/* One random run; false (with seed_failure set) if a check failed. */
static bool one_seed(uint64_t seed, struct totals *tot)
{
	struct world *w = calloc(1, sizeof(*w));
	unsigned cpus = seed % 3 == 0 ? 8 : 4, smt = seed % 5 == 0 ? 4 : 2;
	struct sim_config cfg = { .cpus = cpus, .smt = smt, .seed = seed,
				  .ipi_latency_ns = seed % 4 == 1 ? 20 * US : 0,
				  .core_sched = true, .core_protect = (seed / 2) % 2 == 1 };
	unsigned domains;
	uint64_t rot;
	char err[256], *text;

	assert_non_null(w);
	current_world = w;
	w->seed = seed;
	w->rng = seed * 0x9e3779b97f4a7c15ull;
	domains = 2 + rnd(w, 3);
	text = random_workload(w, domains);
	if (wl_load_string("random", text, &w->wl, err, sizeof(err)) < 0)
		fail_msg("seed %llu: %s\n%s", (unsigned long long)seed, err, text);
	free(text);
	w->sim = sim_new(&cfg);
	assert_non_null(w->sim);
	w->sim->check_each_step = true;
	w->sim->on_violation = on_violation;
	if (setjmp(seed_env)) {
		current_world = NULL;
		return false; /* the machine is left as it was, for a debugger */
	}
	assert_int_equal(sim_load(w->sim, &w->wl), 0);
	w->nth = (unsigned)w->sim->nr_threads;
	assert_true(w->nth <= MAX_THREADS);

	/* the cookies sim_load gave: equal values share one, others differ, 0 is untagged */
	for (unsigned i = 0; i < w->nth; i++) {
		struct sim_thread *t = w->sim->threads[i];
		sched_cookie_t c;

		assert_int_equal(sched_core_get(&w->sim->sys, sched_ref_of(&t->st), &c), 0);
		assert_int_equal(c == SCHED_COOKIE_NONE, t->task->cookie_kind == WL_COOKIE_NONE);
		for (unsigned j = 0; j < i; j++)
			assert_int_equal(w->ttag[j].cookie == c && (c || !w->ttag[j].stamp),
					 wl_same_cookie(w->sim->threads[j]->task, t->task));
		if (c) {
			bool known = false;

			for (unsigned k = 0; k < w->nr_seen; k++)
				known |= w->seen[k] == c;
			if (!known)
				note_new_cookie(w, c);
			w->ttag[i] = (struct tag){ c, 1 };
		}
		w->anchor[i] = strncmp(t->task->name, "anchor", 6) == 0;
		w->is_volatile[i] = !w->anchor[i];
	}
	w->stamp = 1;
	w->sim->after_event = after_event;
	w->sim->hook_arg = w;

	while (w->sim->now < RUN_NS) {
		sched_time_t next = w->sim->now + (getenv("CORE_RANDOM_DENSE") ?
						    rnd(w, 20000) : rnd(w, 4000) * US);

		sim_run_until(w->sim, next < RUN_NS ? next : RUN_NS);
		if (w->sim->now < RUN_NS)
			post_random_op(w);
	}
	after_event(w->sim, w); /* the last interval */
	check_model(w);
	check_accounting(w);
	for (unsigned i = 0; i < w->nth; i++) {
		if (!w->anchor[i])
			continue;
		if (w->max_gap[i] >= STARVE_NS)
			seed_fail("%s (cookie %llu) did not run for %llu ms",
				  w->sim->threads[i]->task->name,
				  (unsigned long long)w->sim->threads[i]->st.cookie,
				  (unsigned long long)(w->max_gap[i] / MS));
		if (w->max_gap[i] > tot->max_gap)
			tot->max_gap = w->max_gap[i];
	}
	tot->events += w->sim->events;
	tot->checks += w->sim->core_checks;
	rot = 0;
	for (unsigned c = 0; c < cpus; c++)
		rot += sched_cpu_counter(&w->sim->sys, c, SCHED_CNT_ROTATIONS);
	tot->rotations += rot;
	tot->seeds_rotating += rot > 0;
	for (unsigned c = 0; c < cpus; c++) {
		tot->stalls += w->sim->cpu[c].stalls;
		tot->stalled_ns += w->sim->cpu[c].stalled_ns;
		tot->forced_idle_ns += sched_core_forced_idle_ns(&w->sim->sys, c);
	}
	for (unsigned k = 0; k < 5; k++) {
		tot->op_ok[k] += w->op_ok[k];
		tot->op_refused[k] += w->op_refused[k];
	}
	sim_free(w->sim);
	wl_free(&w->wl);
	for (unsigned k = 0; k < w->nr_ops; k++)
		free(w->ops[k]);
	free(w->ops);
	free(w);
	current_world = NULL;
	return true;
}

static void random_workloads_keep_core_invariants(void **state)
{
	struct totals tot = { 0 };
	const char *only = getenv("CORE_RANDOM_SEED"); /* reproduce one seed */
	unsigned failed = 0, ran = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		if (only && strtoull(only, NULL, 0) != seed)
			continue;
		ran++;
		if (!one_seed(seed, &tot)) {
			printf("# FAILED %s\n", seed_failure);
			failed++;
		}
	}
	/* what the runs exercised (failed runs count up to where they stopped) */
	printf("# %u seeds: %llu events, %llu core checks, forced idle %.1f ms, kernel stalls "
	       "%llu (%.3f ms), longest CPU-bound gap %.1f ms\n", ran,
	       (unsigned long long)tot.events, (unsigned long long)tot.checks,
	       (double)tot.forced_idle_ns / 1e6, (unsigned long long)tot.stalls,
	       (double)tot.stalled_ns / 1e6, (double)tot.max_gap / 1e6);
	printf("# ops ok/refused: create %u/%u share %u/%u clear %u/%u offline %u/%u online %u\n",
	       tot.op_ok[OP_CREATE], tot.op_refused[OP_CREATE], tot.op_ok[OP_SHARE],
	       tot.op_refused[OP_SHARE], tot.op_ok[OP_CLEAR], tot.op_refused[OP_CLEAR],
	       tot.op_ok[OP_OFFLINE], tot.op_refused[OP_OFFLINE], tot.op_ok[OP_ONLINE]);
	printf("# rotations: %llu, in %u of %u seeds\n", (unsigned long long)tot.rotations,
	       tot.seeds_rotating, ran);
	if (failed)
		fail_msg("%u of %u random runs failed (lines '# FAILED' above)", failed, ran);
	if (only)
		return;
	assert_true(tot.forced_idle_ns > 0);
	assert_true(tot.stalls > 0);
	assert_true(tot.op_ok[OP_CREATE] && tot.op_ok[OP_SHARE] && tot.op_ok[OP_CLEAR]);
	assert_true(tot.op_ok[OP_OFFLINE] && tot.op_ok[OP_ONLINE]);
	/* the periodic balance rotated threads (balance.c); not when dense, where no CPU stays
	 * online for a balance interval (4 ms): hotplug comes every few hundred us */
	if (!getenv("CORE_RANDOM_DENSE"))
		assert_true(tot.rotations > 0);
}

/* --- fairness ---------------------------------------------------------------------------------- */

enum fair_case {
	FAIR_PINNED, /* one thread per cookie, each pinned to its own sibling: forced idle */
	FAIR_SPREAD, /* one thread per cookie, free to move */
	FAIR_PAIRS,  /* two threads per cookie, free to move: the core alternates pairs */
	FAIR_NR
};

static const char *const fair_name[] = { "pinned 1+1", "free 1+1", "free 2+2" };

static jmp_buf fair_env;
static char fair_failure[256];

static void fair_violation(struct sim *sim, const char *msg)
{
	(void)sim;
	snprintf(fair_failure, sizeof(fair_failure), "%s", msg);
	longjmp(fair_env, 1);
}

struct fair_result {
	unsigned share_a;   /* cookie a's share of the busy time, per mille */
	uint64_t busy, forced;
};

/* Two cookies of equal total weight (nice-0 CPU-bound threads) on one core of two hardware
 * threads for 2 s. False (fair_failure set) if the run broke a check or did not finish. */
static bool run_two_cookies(const char *policy, enum fair_case fc, uint64_t seed,
			    struct fair_result *res)
{
	struct sim_config cfg = { .cpus = 2, .smt = 2, .seed = seed, .policy = policy,
				  .core_sched = true };
	static struct workload wl;
	static struct sim *sim;
	unsigned per = fc == FAIR_PAIRS ? 2 : 1;
	char text[512], err[256];
	uint64_t rt[2] = { 0 };

	snprintf(text, sizeof(text),
		 "{ \"tasks\": {"
		 " \"a\": { \"instance\": %u, \"loop\": -1, \"run\": 100000%s,"
		 " \"libsched\": { \"cookie\": \"a\" } },"
		 " \"b\": { \"instance\": %u, \"loop\": -1, \"run\": 100000%s,"
		 " \"libsched\": { \"cookie\": \"b\" } } } }",
		 per, fc == FAIR_PINNED ? ", \"cpus\": 0" : "", per,
		 fc == FAIR_PINNED ? ", \"cpus\": 1" : "");
	if (wl_load_string("fair", text, &wl, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	sim = sim_new(&cfg);
	assert_non_null(sim);
	sim->check_each_step = true;
	sim->on_violation = fair_violation;
	assert_int_equal(sim_load(sim, &wl), 0);
	if (setjmp(fair_env))
		return false; /* machine and workload left for a debugger */
	sim_run_until(sim, 2000 * MS);
	for (unsigned c = 0; c < 2; c++)
		sim_resched(sim, c); /* a charge point on both CPUs */
	for (size_t i = 0; i < sim->nr_threads; i++)
		rt[sim->threads[i]->task->name[0] == 'b'] +=
			sim->threads[i]->st.acct.v[SCHED_ACCT_RUNTIME];
	res->forced = sched_core_forced_idle_ns(&sim->sys, 0) +
		      sched_core_forced_idle_ns(&sim->sys, 1);
	res->busy = rt[0] + rt[1];
	res->share_a = (unsigned)(rt[0] * 1000 / (rt[0] + rt[1]));
	sim_free(sim);
	wl_free(&wl);
	return true;
}

/*
 * Measured over seeds 1..10 (2 s): eevdf pinned 1+1, each cookie exactly 50.0% (1000 ms),
 * each CPU forced idle 1000 ms (turns of 8 ms); free 1+1, 49.9 .. 50.0% (both threads end
 * up on one CPU: nothing is forced idle, the sibling has nothing queued); free 2+2,
 * 49.9 .. 50.0%, both CPUs busy throughout. rr: the same, pinned 49.9 .. 50.0% (1001 /
 * 999 ms, turns of 3 ms), once its livelock at a quantum's end was fixed (777dc47). The core alternates between the cookies in
 * turns of a few ms, so over 2 s the imbalance is a fraction of one turn (< 0.5%). The
 * bound asserted, 50% +- 2 percentage points, is four times the worst measured deviation
 * and far below what a biased core pick would give (a cookie keeping the core: ~100%).
 * With one thread per cookie the core runs one cookie at a time: the two CPUs' busy time
 * adds up to the 2 s of the run (at least 1990 ms: the start), and when pinned each CPU is
 * forced idle while the other cookie runs (together at least 1900 ms of the 2000).
 * Both fair-class policies are held to the same bounds.
 */
#define FAIR_PERMILLE 20

static void two_cookies_on_one_core_share_it_fairly(void **state)
{
	static const char *const policies[] = { "eevdf", "rr" };
	unsigned failed = 0;

	(void)state;
	for (unsigned p = 0; p < 2; p++) {
		for (unsigned fc = 0; fc < FAIR_NR; fc++) {
			for (uint64_t seed = 1; seed <= 10; seed++) {
				struct fair_result r;
				bool ok = run_two_cookies(policies[p], fc, seed, &r);

				if (ok) {
					printf("# %s %s seed %llu: cookie a %u.%u%%, busy %.1f ms, "
					       "forced idle %.1f ms\n", policies[p], fair_name[fc],
					       (unsigned long long)seed, r.share_a / 10,
					       r.share_a % 10, (double)r.busy / 1e6,
					       (double)r.forced / 1e6);
					ok = r.share_a >= 500 - FAIR_PERMILLE &&
					     r.share_a <= 500 + FAIR_PERMILLE &&
					     (fc == FAIR_PAIRS || r.busy >= 1990 * MS) &&
					     (fc != FAIR_PINNED || r.forced >= 1900 * MS);
					snprintf(fair_failure, sizeof(fair_failure), "out of bounds");
				}
				if (!ok) {
					printf("# FAILED %s %s seed %llu: %s\n", policies[p],
					       fair_name[fc], (unsigned long long)seed, fair_failure);
					failed++;
				}
			}
		}
	}
	if (failed)
		fail_msg("%u of %u runs failed (lines '# FAILED' above)", failed, 2 * FAIR_NR * 10);
}

/* --- the checker checks ------------------------------------------------------------------------ */

static char last_violation[256];

static void record_violation(struct sim *sim, const char *msg)
{
	(void)sim;
	snprintf(last_violation, sizeof(last_violation), "%s", msg);
}

/* The simulator's check reads what each CPU runs, so a state libsched would never produce
 * (planted here) is caught: two cookies on one core, and user code next to the kernel. */
static void the_simulator_check_catches_a_broken_core(void **state)
{
	struct sim_config cfg = { .cpus = 4, .smt = 2, .seed = 1, .core_sched = true,
				  .core_protect = true };
	struct sim *sim = sim_new(&cfg);
	struct sim_thread *a = hand_thread(sim, 0, 0, NULL), *b = hand_thread(sim, 0, 0, NULL);

	(void)state;
	sim->on_violation = record_violation;
	assert_true(sim_core_check(sim));
	a->st.cookie = 5;
	b->st.cookie = 6;
	sim->cpu[2].curr = a;
	assert_true(sim_core_check(sim)); /* one tagged thread, its sibling idle */
	sim->cpu[3].curr = b;
	last_violation[0] = '\0';
	assert_false(sim_core_check(sim));
	assert_non_null(strstr(last_violation, "core 1: cpu 2 runs thread 1 (cookie 5), "
					       "cpu 3 runs thread 2 (cookie 6)"));
	b->st.cookie = 5;
	assert_true(sim_core_check(sim));
	sim->cpu[3].curr = NULL;
	sim->cpu[3].mode = SIM_KERNEL;
	sim->cpu[3].waiting = true;
	assert_true(sim_core_check(sim)); /* still waiting at its entry: allowed */
	sim->cpu[3].waiting = false;
	assert_false(sim_core_check(sim));
	assert_non_null(strstr(last_violation, "cpu 3 is in the kernel while its sibling cpu 2 "
					       "runs thread 1 (cookie 5) in user mode"));
	a->st.cookie = 0;
	assert_true(sim_core_check(sim)); /* untagged user code may run next to the kernel */
	sim->cpu[3].mode = SIM_USER;
	sim->cpu[2].curr = NULL;
	sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_simulator_check_catches_a_broken_core),
		cmocka_unit_test(two_cookies_on_one_core_share_it_fairly),
		cmocka_unit_test(random_workloads_keep_core_invariants),
	};

	if (getenv("CORE_RANDOM_SEED"))
		cmocka_set_test_filter("random_workloads_keep_core_invariants");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
