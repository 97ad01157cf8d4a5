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


struct chrome_out {
	struct trace_file tf;
	FILE *f;    /* tf.f */
	bool first; /* no event written yet: no comma before the next */
	uint32_t curr[SCHED_MAX_CPUS];      /* the thread each CPU runs, by the switches seen */
	sched_time_t since[SCHED_MAX_CPUS]; /* since when */
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

static const char *const lease_ev[] = { "lease grant", "lease active", "lease revoke",
					"lease return" };

static void on_trace(struct sim *sim, const struct sched_trace_event *ev, void *arg)
{
	struct chrome_out *o = arg;
	unsigned cpu = ev->cpu < sim->cfg.cpus ? ev->cpu : 0;
	unsigned here = sim->cur_cpu < sim->cfg.cpus ? sim->cur_cpu : cpu;
	char x[128];

	switch (ev->type) {
	case SCHED_TR_SWITCH:
		slice(o, sim, cpu, ev->time);
		o->curr[cpu] = ev->tid;
		o->since[cpu] = ev->time;
		break;
	case SCHED_TR_WAKE:
		snprintf(x, sizeof(x), ",\"target_cpu\":%llu", (unsigned long long)ev->arg);
		instant(o, sim, here, ev->time, "wake", ev->tid, x);
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
	return o;
}

int chrome_close(struct sim *sim, struct chrome_out *o)
{
	int bad;

	if (!o)
		return 0;
	if (sim) {
		for (unsigned c = 0; c < sim->cfg.cpus && c < SCHED_MAX_CPUS; c++)
			slice(o, sim, c, sim->now);
		if (sim->trace_arg == o) {
			sim->on_trace = NULL;
			sim->trace_arg = NULL;
		}
	}
	fputs("\n]\n", o->f);
	bad = trace_file_close(&o->tf) < 0;
	free(o);
	return bad ? -1 : 0;
}
