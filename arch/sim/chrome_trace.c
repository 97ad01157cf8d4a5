/* SPDX-License-Identifier: MIT */
/*
 * chrome_trace.c - schedsim --trace in Chrome trace-event JSON (chrome_trace.h): one JSON
 * array of events, in the order they are known (the viewers sort them by "ts").
 *
 * Tracks: process 0, named "CPUs", with one thread per simulated CPU (tid = the CPU's
 * number, named "CPU N"). On them:
 *
 *   SWITCH  -> the slice the previous thread ran ends: a complete event ("ph":"X") named
 *              after the task, args {pid, tid} of the simulated thread (its 1-based place
 *              in the report's threads); idle time has no slice
 *   WAKE    -> instant "wake", on the CPU whose event woke it (args: target_cpu)
 *   MIGRATE -> instant "migrate", on the CPU doing the move (args: orig_cpu, dest_cpu)
 *   EXIT    -> instant "exit", on the CPU the thread exited on
 *   MISS    -> instant "deadline miss" (args: lateness_ns, island)
 *   LEASE   -> instant "lease grant|active|revoke|return" (args: lease, holder, arg)
 *   ISLAND  -> instant "island" (args: island_event, arg)
 *
 * and what libsched's trace events do not carry, found beside them:
 *
 *   wake flows   -> a flow ("ph":"s", then "f", both "bp":"e", one id) from the WAKE's point
 *                   on the waking CPU to the start of the woken thread's next slice; a
 *                   wake of a thread already woken and not run yet adds none, a thread
 *                   that never runs again gets none: every "s" has its "f"
 *   SC depletion -> instant "sc depleted" on the CPU at the switch away from a thread
 *                   whose SchedulingContext's depletions count (its stats) grew;
 *                   instant "sc refill" at the depletion plus the time it then waited
 *                   runnable (its throttled_ns grew by that), on the CPU it next runs on
 *   forced idle  -> a slice "forced idle" (cat "forced_idle", no thread) on the CPU's
 *                   track while core scheduling keeps it idle: from its run queue's
 *                   forced_since to that plus what SCHED_CNT_FORCED_IDLE_NS grew by, as
 *                   seen at each trace event (see forced_poll: an interval that begins
 *                   and ends between two trace events is not seen)
 *   admission    -> instant "admission accepted|refused" when a SCHED_DEADLINE thread's
 *                   SC is configured or an island's admission is settled (sim.on_admit),
 *                   with the verdict's figures
 *
 * Block, IPI and tick events are left out. "ts" and "dur" are microseconds printed with
 * three decimals from the integer nanoseconds, so they are exact: the "dur" of a thread's
 * slices sum to its runtime_ns / 1000 in the report.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chrome_trace.h"
#include "ftrace.h" /* the trace file both formats write */


/* What is kept per thread (grows with the threads, never with the run). */
struct chrome_thread {
	bool woken;               /* a wake flow waits for its next slice ... */
	uint16_t wake_cpu;        /* ... from this CPU ... */
	sched_time_t wake_at;     /* ... at this instant */
	bool depleted;            /* an "sc depleted" not followed by its refill yet */
	sched_time_t depleted_at;
	uint64_t depletions;      /* its SC's figures as last seen */
	uint64_t throttled_ns;
};

struct chrome_out {
	struct trace_file tf;
	FILE *f;    /* tf.f */
	bool first; /* no event written yet: no comma before the next */
	uint32_t curr[SCHED_MAX_CPUS];      /* the thread each CPU runs, by the switches seen */
	sched_time_t since[SCHED_MAX_CPUS]; /* since when */
	struct chrome_thread *thr;          /* by thread id */
	size_t nr_thr;
	uint64_t flows;                     /* flow ids given */
	bool fi_on[SCHED_MAX_CPUS];         /* forced idle seen on, since fi_start */
	sched_time_t fi_start[SCHED_MAX_CPUS];
	uint64_t fi_n[SCHED_MAX_CPUS];      /* SCHED_CNT_FORCED_IDLE and _NS when it opened */
	uint64_t fi_ns[SCHED_MAX_CPUS];
	sched_time_t idle_at[SCHED_MAX_CPUS]; /* its last switch to idle */
};

static struct sim_thread *thread_of(const struct sim *sim, uint32_t tid)
{
	return tid >= 1 && tid <= sim->nr_threads ? sim->threads[tid - 1] : NULL;
}

/* s as a JSON string, quotes included. Bytes from 0x80 up pass as they are (the workload
 * is valid UTF-8). */
static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* The name of thread tid: its task's from the workload. */
static void put_name(FILE *f, const struct sim *sim, uint32_t tid)
{
	const struct sim_thread *t = thread_of(sim, tid);
	char num[32];

	if (t && t->task && t->task->name && t->task->name[0]) {
		put_str(f, t->task->name);
		return;
	}
	snprintf(num, sizeof(num), "thread%u", (unsigned)tid);
	put_str(f, num);
}

/* ns as microseconds with 3 decimals: exact. */
static void put_us(FILE *f, sched_time_t ns)
{
	unsigned long long t = (unsigned long long)ns;

	fprintf(f, "%llu.%03llu", t / 1000, t % 1000);
}

/* The start of an event object, up to and including its "ts" and "ph". */
static void begin(struct chrome_out *o, const char *ph, unsigned cpu, sched_time_t ts)
{
	fputs(o->first ? "\n" : ",\n", o->f);
	o->first = false;
	fprintf(o->f, "{\"ph\":\"%s\",\"pid\":0,\"tid\":%u,\"ts\":", ph, cpu);
	put_us(o->f, ts);
}

/* The slice tid ran on cpu, from o->since[cpu] to `end`; none for idle or a zero span. */
static void slice(struct chrome_out *o, const struct sim *sim, unsigned cpu, sched_time_t end)
{
	uint32_t tid = o->curr[cpu];

	if (!tid || end <= o->since[cpu])
		return;
	begin(o, "X", cpu, o->since[cpu]);
	fputs(",\"dur\":", o->f);
	put_us(o->f, end - o->since[cpu]);
	fputs(",\"cat\":\"sched\",\"name\":", o->f);
	put_name(o->f, sim, tid);
	fprintf(o->f, ",\"args\":{\"pid\":%u,\"tid\":%u}}", (unsigned)tid, (unsigned)tid);
}

/* An instant event (thread-scoped: drawn on the CPU's track) about thread tid; its args
 * go on with `extra` (a "," and more members, or ""). */
static void instant(struct chrome_out *o, const struct sim *sim, unsigned cpu,
		    sched_time_t ts, const char *name, uint32_t tid, const char *extra)
{
	begin(o, "i", cpu, ts);
	fputs(",\"s\":\"t\",\"cat\":\"sched\",\"name\":", o->f);
	put_str(o->f, name);
	fputs(",\"args\":{\"thread\":", o->f);
	put_name(o->f, sim, tid);
	fprintf(o->f, ",\"pid\":%u,\"tid\":%u%s}}", (unsigned)tid, (unsigned)tid, extra);
}

/* The record of thread tid, or NULL for none (the idle thread, an unknown id). */
static struct chrome_thread *thr_of(struct chrome_out *o, const struct sim *sim, uint32_t tid)
{
	size_t n = o->nr_thr ? o->nr_thr : 64;
	struct chrome_thread *p;

	if (!thread_of(sim, tid))
		return NULL;
	if (tid < o->nr_thr)
		return &o->thr[tid];
	while (n <= tid)
		n *= 2;
	p = realloc(o->thr, n * sizeof(*p));
	if (!p) {
		fprintf(stderr, "schedsim: --trace: out of memory\n");
		exit(1);
	}
	memset(p + o->nr_thr, 0, (n - o->nr_thr) * sizeof(*p));
	o->thr = p;
	o->nr_thr = n;
	return &o->thr[tid];
}

/* One end of a wake flow. */
static void flow(struct chrome_out *o, const char *ph, unsigned cpu, sched_time_t ts,
		 uint64_t id)
{
	begin(o, ph, cpu, ts);
	fprintf(o->f, ",\"cat\":\"wake\",\"name\":\"wake\",\"id\":%llu,\"bp\":\"e\"}",
		(unsigned long long)id);
}

/* tid starts a slice on cpu at ts: the wake flow that waited for it ends here. Both ends
 * are written now, so that none is left without the other. */
static void flow_end(struct chrome_out *o, const struct sim *sim, unsigned cpu, uint32_t tid,
		     sched_time_t ts)
{
	struct chrome_thread *t = thr_of(o, sim, tid);

	if (!t || !t->woken)
		return;
	t->woken = false;
	o->flows++;
	flow(o, "s", t->wake_cpu, t->wake_at, o->flows);
	flow(o, "f", cpu, ts, o->flows);
}

/* The figures of the SC bound to t, or NULL. Read in place: libsched's trace callback runs
 * with a run-queue lock held, where sched_sc_stats (which takes the SC lock) may not be
 * called, and nothing else runs in the simulator meanwhile. */
static const struct sched_sc_stats *sc_stats(const struct sim_thread *t)
{
	return t && t->st.own_sc ? &t->st.own_sc->stats : NULL;
}

/* Thread tid leaves cpu at ts: if its SC ran out since last seen, that is why. */
static void sc_leave(struct chrome_out *o, const struct sim *sim, unsigned cpu, uint32_t tid,
		     sched_time_t ts)
{
	struct chrome_thread *c = thr_of(o, sim, tid);
	const struct sched_sc_stats *st = sc_stats(thread_of(sim, tid));
	char x[96];

	if (!c || !st)
		return;
	if (st->depletions > c->depletions && !c->depleted) {
		c->depleted = true;
		c->depleted_at = ts;
		c->throttled_ns = st->throttled_ns;
		snprintf(x, sizeof(x), ",\"depletions\":%llu,\"consumed_ns\":%llu",
			 (unsigned long long)st->depletions, (unsigned long long)st->consumed_ns);
		instant(o, sim, cpu, ts, "sc depleted", tid, x);
	}
	c->depletions = st->depletions;
}

/* Thread tid runs again on cpu: a depletion before gets its refill, at the depletion plus
 * the time the thread waited runnable for it (none if it did not wait: it blocked). */
static void sc_return(struct chrome_out *o, const struct sim *sim, unsigned cpu, uint32_t tid)
{
	struct chrome_thread *c = thr_of(o, sim, tid);
	const struct sched_sc_stats *st = sc_stats(thread_of(sim, tid));
	uint64_t waited;
	char x[64];

	if (!c || !c->depleted || !st)
		return;
	c->depleted = false;
	waited = st->throttled_ns - c->throttled_ns;
	c->throttled_ns = st->throttled_ns;
	if (!waited)
		return;
	snprintf(x, sizeof(x), ",\"throttled_ns\":%llu", (unsigned long long)waited);
	instant(o, sim, cpu, c->depleted_at + waited, "sc refill", tid, x);
}

/* A forced-idle slice of cpu over [a, b], cut to the CPU's idle time around it: libsched
 * decides at a pick, and the CPU may switch to idle later (an IPI's delay), so the slice
 * never overlaps a thread's. */
static void forced_slice(struct chrome_out *o, unsigned cpu, sched_time_t a, sched_time_t b)
{
	if (o->idle_at[cpu] > a)
		a = o->idle_at[cpu];
	if (o->curr[cpu] && o->since[cpu] < b)
		b = o->since[cpu];
	if (b <= a)
		return;
	begin(o, "X", cpu, a);
	fputs(",\"dur\":", o->f);
	put_us(o->f, b - a);
	fprintf(o->f, ",\"cat\":\"forced_idle\",\"name\":\"forced idle\",\"args\":{\"cpu\":%u}}",
		cpu);
}

/*
 * Core scheduling: the forced-idle interval seen open on each CPU (its run queue's
 * forced_idle, from forced_since) is written once closed: its length is what
 * SCHED_CNT_FORCED_IDLE_NS grew by, as long as SCHED_CNT_FORCED_IDLE says no other interval
 * began since (if one did, between two trace events, the lengths cannot be told apart and
 * the interval is left out). A zero-length one leaves the counter as it was: that is why
 * the count is looked at too.
 */
static void forced_poll(struct chrome_out *o, struct sim *sim)
{
	for (unsigned c = 0; c < sim->cfg.cpus && c < SCHED_MAX_CPUS; c++) {
		const struct sched_rq *rq = &sim->rq[c];
		uint64_t n = sched_cpu_counter(&sim->sys, c, SCHED_CNT_FORCED_IDLE);
		uint64_t ns = sched_cpu_counter(&sim->sys, c, SCHED_CNT_FORCED_IDLE_NS);

		if (o->fi_on[c] && (!rq->forced_idle || n != o->fi_n[c])) {
			sched_time_t a = o->fi_start[c];

			if (n == o->fi_n[c])
				forced_slice(o, c, a, a + (ns - o->fi_ns[c]));
			o->fi_on[c] = false;
		}
		if (!o->fi_on[c] && rq->forced_idle) {
			o->fi_on[c] = true;
			o->fi_start[c] = rq->forced_since;
			o->fi_n[c] = n;
			o->fi_ns[c] = ns;
		}
	}
}

static void on_admit(struct sim *sim, const struct sim_thread *t, const struct sim_island *is,
		     void *arg)
{
	struct chrome_out *o = arg;
	unsigned cpu = sim->cur_cpu < sim->cfg.cpus ? sim->cur_cpu : 0;
	const struct sched_rt_verdict *v = t ? &t->verdict.why : &is->verdict.why;
	bool ok = t ? t->verdict.accepted : is->verdict.accepted;
	const char *name = ok ? "admission accepted" : "admission refused";
	char x[256];

	if (t) {
		snprintf(x, sizeof(x), ",\"test\":%u,\"demand\":%llu,\"supply\":%llu,\"at\":%llu,"
			 "\"cpu\":%d", (unsigned)v->test, (unsigned long long)v->demand,
			 (unsigned long long)v->supply, (unsigned long long)v->at,
			 t->verdict.cpu == SCHED_RT_NO_CPU ? -1 : (int)t->verdict.cpu);
		instant(o, sim, cpu, sim->now, name, t->id, x);
		return;
	}
	begin(o, "i", cpu, sim->now);
	fputs(",\"s\":\"t\",\"cat\":\"admission\",\"name\":", o->f);
	put_str(o->f, name);
	fprintf(o->f, ",\"args\":{\"island\":%u,\"test\":%u,\"resource\":%u,\"demand\":%llu,"
		"\"supply\":%llu,\"at\":%llu,\"err\":%d}}", (unsigned)(is - sim->islands),
		(unsigned)is->verdict.test, (unsigned)is->verdict.resource,
		(unsigned long long)is->verdict.demand, (unsigned long long)is->verdict.supply,
		(unsigned long long)is->verdict.at, (int)is->verdict.err);
}

static const char *const lease_ev[] = { "lease grant", "lease active", "lease revoke",
					"lease return" };

static void on_trace(struct sim *sim, const struct sched_trace_event *ev, void *arg)
{
	struct chrome_out *o = arg;
	unsigned cpu = ev->cpu < sim->cfg.cpus ? ev->cpu : 0;
	unsigned here = sim->cur_cpu < sim->cfg.cpus ? sim->cur_cpu : cpu;
	struct chrome_thread *t;
	char x[128];

	if (sim->cfg.core_sched)
		forced_poll(o, sim);
	switch (ev->type) {
	case SCHED_TR_SWITCH:
		slice(o, sim, cpu, ev->time);
		if (o->curr[cpu] != ev->tid) {
			sc_leave(o, sim, cpu, o->curr[cpu], ev->time);
			sc_return(o, sim, cpu, ev->tid);
			flow_end(o, sim, cpu, ev->tid, ev->time);
		}
		o->curr[cpu] = ev->tid;
		o->since[cpu] = ev->time;
		if (!ev->tid)
			o->idle_at[cpu] = ev->time;
		break;
	case SCHED_TR_WAKE:
		snprintf(x, sizeof(x), ",\"target_cpu\":%llu", (unsigned long long)ev->arg);
		instant(o, sim, here, ev->time, "wake", ev->tid, x);
		t = thr_of(o, sim, ev->tid);
		if (t && !t->woken) {
			t->woken = true;
			t->wake_cpu = (uint16_t)here;
			t->wake_at = ev->time;
		}
		break;
	case SCHED_TR_MIGRATE:
		snprintf(x, sizeof(x), ",\"orig_cpu\":%u,\"dest_cpu\":%llu", (unsigned)ev->aux,
			 (unsigned long long)ev->arg);
		instant(o, sim, here, ev->time, "migrate", ev->tid, x);
		break;
	case SCHED_TR_EXIT:
		instant(o, sim, cpu, ev->time, "exit", ev->tid, "");
		break;
	case SCHED_TR_MISS:
		snprintf(x, sizeof(x), ",\"lateness_ns\":%llu,\"island\":%u",
			 (unsigned long long)ev->arg, (unsigned)ev->aux);
		instant(o, sim, cpu, ev->time, "deadline miss", ev->tid, x);
		break;
	case SCHED_TR_LEASE:
		/* tid is the lease's index, not a thread: no thread args. */
		begin(o, "i", cpu, ev->time);
		fputs(",\"s\":\"t\",\"cat\":\"lease\",\"name\":", o->f);
		put_str(o->f, ev->aux < sizeof(lease_ev) / sizeof(lease_ev[0]) ? lease_ev[ev->aux]
									 : "lease");
		fprintf(o->f, ",\"args\":{\"lease\":%u,\"event\":%u,\"arg\":%llu}}",
			(unsigned)ev->tid, (unsigned)ev->aux, (unsigned long long)ev->arg);
		break;
	case SCHED_TR_ISLAND:
		begin(o, "i", cpu, ev->time);
		fprintf(o->f, ",\"s\":\"t\",\"cat\":\"island\",\"name\":\"island\",\"args\":"
			"{\"id\":%u,\"event\":%u,\"arg\":%llu}}", (unsigned)ev->tid,
			(unsigned)ev->aux, (unsigned long long)ev->arg);
		break;
	default:
		break;
	}
}

struct chrome_out *chrome_open(struct sim *sim, const char *path)
{
	struct chrome_out *o = calloc(1, sizeof(*o));

	if (!o || trace_file_open(&o->tf, path) < 0) {
		if (!o)
			fprintf(stderr, "schedsim: --trace: out of memory\n");
		free(o);
		return NULL;
	}
	o->f = o->tf.f;
	o->first = true;
	fputc('[', o->f);
	begin(o, "M", 0, 0);
	fputs(",\"name\":\"process_name\",\"args\":{\"name\":\"CPUs\"}}", o->f);
	for (unsigned c = 0; c < sim->cfg.cpus && c < SCHED_MAX_CPUS; c++) {
		begin(o, "M", c, 0);
		fprintf(o->f, ",\"name\":\"thread_name\",\"args\":{\"name\":\"CPU %u\"}}", c);
		begin(o, "M", c, 0);
		fprintf(o->f, ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%u}}", c);
	}
	sim->on_trace = on_trace;
	sim->trace_arg = o;
	sim->on_admit = on_admit;
	sim->admit_arg = o;
	return o;
}

int chrome_close(struct sim *sim, struct chrome_out *o)
{
	int bad;

	if (!o)
		return 0;
	if (sim) {
		if (sim->cfg.core_sched)
			forced_poll(o, sim);
		for (unsigned c = 0; c < sim->cfg.cpus && c < SCHED_MAX_CPUS; c++) {
			slice(o, sim, c, sim->now);
			if (o->fi_on[c])
				forced_slice(o, c, o->fi_start[c], sim->now);
		}
		if (sim->trace_arg == o) {
			sim->on_trace = NULL;
			sim->trace_arg = NULL;
		}
		if (sim->admit_arg == o) {
			sim->on_admit = NULL;
			sim->admit_arg = NULL;
		}
	}
	fputs("\n]\n", o->f);
	bad = trace_file_close(&o->tf) < 0;
	free(o->thr);
	free(o);
	return bad ? -1 : 0;
}
