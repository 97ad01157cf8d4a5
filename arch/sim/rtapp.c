// SPDX-License-Identifier: MIT
/*
 * rtapp.c - maps an rt-app JSON workload (see rt-app's doc/tutorial.txt) onto the
 * struct workload of workload.h.
 *
 * Anything that would change what runs but is not modelled is rejected rather than
 * ignored: a simulation that silently drops a lock or a SCHED_FIFO policy would produce
 * believable but wrong numbers. Keys that only affect rt-app's own logging are accepted.
 */
#define _POSIX_C_SOURCE 200809L

#include "workload.h"
#include "json.h"

#include <sched/policy.h>
#include <sched/sched.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NSEC_PER_USEC 1000
#define NSEC_PER_SEC 1000000000LL
#define MAX_INSTANCES WL_MAX_THREADS /* one task may have them all */
#define MAX_CPU 63
#define SIM_MAX_PHASE_EVENTS 64 /* sim_load refuses a phase with more events */

struct lease_keys;
struct island_keys;

/* A task name and its place in "tasks"; an array of them sorted by name (index_tasks). */
struct name_ref {
	const char *name;
	size_t index;
};

struct loader {
	const char *file;
	char *err;
	size_t errlen;
	enum wl_policy default_policy;
	const struct json_value *tasks;  /* the "tasks" object */
	const char *task;                /* the name of the task being read (a bare suspend's) */
	struct workload *w;              /* what is being read: its rings are known before
					  * the tasks, which name them */
	struct lease_keys *lease_keys;   /* per lease, until its names are resolved */
	struct island_keys *island_keys; /* per island, likewise */
	struct name_ref *names;          /* its task names, sorted: unique names */
	size_t first_repeat;             /* the first task (in file order) whose name an
					  * earlier one has, SIZE_MAX if none ... */
	size_t repeat_of;                /* ... and that earlier one */
	const struct json_member *service_name; /* the policy service's "name", if given */
	size_t thread_requests;          /* policy requests of every thread, so far */
};

struct dl_keys;

/* The policy service's task keys and programs (defined with the "policy" section). */
static int parse_policy_task_key(struct loader *ld, const struct json_member *m,
				 struct wl_task *t);
static int stage_of(const struct loader *ld, const char *name, unsigned *node);
static int stage_program(struct loader *ld, const struct json_member *tm, struct wl_task *t,
			 const struct json_member *program, const struct dl_keys *k);
static int requests_program(struct loader *ld, const struct json_member *tm, struct wl_task *t,
			    const struct dl_keys *k);

/* rt-app global keys that only tune rt-app itself (logging, calibration, tracing). */
static const char *const harmless_global[] = {
	"calibration", "logdir", "log_basename", "log_size", "lock_pages", "ftrace",
	"gnuplot", "io_device", "mem_buffer_size", "cumulative_slack",
	"frag", "trace_tsc", "log_timestamp", NULL,
};

/* rt-app's task grammar before 1.0 (its examples/merge/ fragments still use it). */
static const char *const old_task_keys[] = {
	"exec", "period", "deadline", "lock_order", "resources", NULL,
};

/* rt-app task keys that change scheduling in ways schedsim does not model yet. */
static const char *const unsupported_task_keys[] = {
	"taskgroup", "util_min", "util_max", "nodes_membind", NULL,
};

/* The SCHED_DEADLINE keys of one task, noted while its keys are read and checked once the
 * task's policy is known (it may come from the global default_policy); and the keys a
 * poller task may not have, checked once the task is read. */
struct dl_keys {
	const struct json_member *runtime, *period, *deadline; /* rt-app: dl-* */
	const struct json_member *mode, *overrun, *refills;    /* libsched: sc_mode, ... */
	const struct json_member *priority; /* checked once the policy is known */
	const struct json_member *loop, *instance, *poll;      /* for a poller */
	const struct json_member *passive, *delay;             /* for a passive server */
	const struct json_member *run_dist, *offset, *jitter;  /* variation, checked once
								 * the program is known */
};

/* rt-app matches events by key prefix so that a phase can repeat one ("run0", "run1").
 * "runtime" must come before "run", which is a prefix of it. No task or phase setting
 * ("loop", "delay", "cpus", ...) starts with one of these prefixes. */
static const struct {
	const char *prefix;
	enum wl_event_kind kind;
} event_kinds[] = {
	{ "runtime", WL_RUNTIME }, { "run", WL_RUN },         { "sleep", WL_SLEEP },
	{ "timer", WL_TIMER },     { "suspend", WL_SUSPEND }, { "resume", WL_RESUME },
	{ "yield", WL_YIELD },     { "lock", WL_LOCK },       { "unlock", WL_UNLOCK },
	{ "wait", WL_WAIT },       { "signal", WL_SIGNAL },   { "broad", WL_BROAD },
	{ "sync", WL_SYNC },       { "barrier", WL_BARRIER }, { "submit", WL_SUBMIT },
	{ "mem", WL_RUN },         { "iorun", WL_RUN }, /* CPU work of a cost: parse_mem */
	{ "fork", WL_FORK },       { "join", WL_JOIN },       { "reap", WL_REAP },
};

static const char *const unsupported_events[] = { NULL };

static int fail(struct loader *ld, unsigned line, const char *key, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	if (!ld->err || ld->errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (key)
		snprintf(ld->err, ld->errlen, "%s:%u: key '%s': %s", ld->file, line, key, what);
	else
		snprintf(ld->err, ld->errlen, "%s:%u: %s", ld->file, line, what);
	/* keys and values may hold escaped newlines; the message promises one line */
	for (char *p = ld->err; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	return -1;
}

static int fail_type(struct loader *ld, const struct json_member *m, const char *expected)
{
	return fail(ld, m->line, m->key, "expected %s, got %s", expected,
		    json_type_name(m->value.type));
}

static int in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (strcmp(*list, key) == 0)
			return 1;
	return 0;
}

static int prefix_in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (strncmp(*list, key, strlen(*list)) == 0)
			return 1;
	return 0;
}

/* Returns the event kind named by key, or -1 if key is not a supported event. */
static int event_kind(const char *key)
{
	for (size_t i = 0; i < sizeof(event_kinds) / sizeof(event_kinds[0]); i++) {
		const char *p = event_kinds[i].prefix;

		if (strncmp(key, p, strlen(p)) == 0)
			return (int)event_kinds[i].kind;
	}
	return -1;
}

static size_t count_events(const struct json_value *obj)
{
	size_t n = 0;

	for (size_t i = 0; i < obj->len; i++)
		n += event_kind(obj->members[i].key) >= 0;
	return n;
}

/* Settings may appear once: with json-c the last one would silently win in rt-app. */
static int check_repeat(struct loader *ld, const struct json_value *obj, size_t i)
{
	const struct json_member *m = &obj->members[i];

	for (size_t j = 0; j < i; j++)
		if (strcmp(obj->members[j].key, m->key) == 0)
			return fail(ld, m->line, m->key, "repeated (first at line %u)",
				    obj->members[j].line);
	return 0;
}

static int dup_string(struct loader *ld, const struct json_member *m, const char *s,
		      char **out)
{
	*out = strdup(s);
	return *out ? 0 : fail(ld, m->line, m->key, "out of memory");
}

static int get_string(struct loader *ld, const struct json_member *m, int nonempty)
{
	if (m->value.type != JSON_STRING)
		return fail_type(ld, m, "a string");
	if (nonempty && m->value.string[0] == '\0')
		return fail(ld, m->line, m->key, "must not be empty");
	return 0;
}

static int get_int(struct loader *ld, const struct json_member *m, long long min,
		   long long max, long long *out)
{
	const struct json_value *v = &m->value;

	if (v->type != JSON_NUMBER)
		return fail_type(ld, m, "an integer");
	if (!v->is_int)
		return fail(ld, m->line, m->key, "expected an integer, got %g", v->number);
	if (v->integer < min || v->integer > max)
		return fail(ld, m->line, m->key, "must be between %lld and %lld, got %lld", min,
			    max, (long long)v->integer);
	*out = v->integer;
	return 0;
}

/* A duration in microseconds, integer or decimal, rounded to the nearest nanosecond. */
static int get_usec(struct loader *ld, const struct json_member *m, uint64_t *ns)
{
	const struct json_value *v = &m->value;

	if (v->type != JSON_NUMBER)
		return fail_type(ld, m, "a number of microseconds");
	if (v->number < 0)
		return fail(ld, m->line, m->key, "must not be negative, got %g", v->number);
	if (v->number > WL_MAX_TIME_US)
		return fail(ld, m->line, m->key, "must be <= %g us, got %g", WL_MAX_TIME_US,
			    v->number);
	if (v->is_int)
		*ns = (uint64_t)v->integer * NSEC_PER_USEC;
	else
		*ns = (uint64_t)(v->number * NSEC_PER_USEC + 0.5);
	return 0;
}

static int get_loop(struct loader *ld, const struct json_member *m, int *loop)
{
	long long n;

	if (get_int(ld, m, -1, INT_MAX, &n))
		return -1;
	if (n == 0)
		return fail(ld, m->line, m->key, "0 would run nothing; use -1 (forever) or >= 1");
	*loop = (int)n;
	return 0;
}

static int parse_policy(struct loader *ld, const struct json_member *m, enum wl_policy *out)
{
	/* in enum wl_policy order */
	static const char *const names[] = { "SCHED_OTHER", "SCHED_BATCH", "SCHED_IDLE",
					     "SCHED_DEADLINE", "SCHED_FIFO", "SCHED_RR" };
	const char *s = m->value.string;

	if (get_string(ld, m, 0))
		return -1;
	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum wl_policy)i;
			return 0;
		}
	}
	return fail(ld, m->line, m->key,
		    "unknown policy '%s' (expected SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, "
		    "SCHED_DEADLINE, SCHED_FIFO or SCHED_RR)", s);
}

/* rt-app's booleans are JSON's (rt-app exits on anything else). */
static int get_bool(struct loader *ld, const struct json_member *m, int *out)
{
	if (m->value.type != JSON_BOOL)
		return fail_type(ld, m, "true or false");
	*out = m->value.boolean;
	return 0;
}

static int parse_duration(struct loader *ld, const struct json_member *m, struct workload *w)
{
	const struct json_value *v = &m->value;

	if (v->type != JSON_NUMBER)
		return fail_type(ld, m, "a number of seconds");
	if (v->number == -1) {
		w->duration_ns = -1;
		return 0;
	}
	if (v->number <= 0)
		return fail(ld, m->line, m->key, "must be > 0 seconds, or -1 for no limit");
	if (v->number > WL_MAX_DURATION_S)
		return fail(ld, m->line, m->key, "must be <= %d seconds, got %g",
			    WL_MAX_DURATION_S, v->number);
	if (v->is_int)
		w->duration_ns = v->integer * NSEC_PER_SEC;
	else
		w->duration_ns = (int64_t)(v->number * NSEC_PER_SEC + 0.5);
	return 0;
}

/* rt-app writes an "iorun" in write() calls of at most this many bytes. */
static int parse_mem_buffer(struct loader *ld, const struct json_member *m, struct workload *w)
{
	long long n;

	if (get_int(ld, m, 1, INT_MAX, &n))
		return -1;
	w->mem_buffer = (uint64_t)n;
	return 0;
}

static int parse_global(struct loader *ld, const struct json_member *g, struct workload *w)
{
	const struct json_value *v = &g->value;

	if (v->type != JSON_OBJECT)
		return fail_type(ld, g, "an object");
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->members[i];
		int r = check_repeat(ld, v, i);

		if (r == 0 && strcmp(m->key, "duration") == 0)
			r = parse_duration(ld, m, w);
		else if (r == 0 && strcmp(m->key, "pi_enabled") == 0)
			r = get_bool(ld, m, &w->pi_enabled);
		else if (r == 0 && strcmp(m->key, "default_policy") == 0)
			r = parse_policy(ld, m, &ld->default_policy);
		else if (r == 0 && strcmp(m->key, "mem_buffer_size") == 0)
			r = parse_mem_buffer(ld, m, w);
		else if (r == 0 && !in_list(harmless_global, m->key))
			r = fail(ld, m->line, m->key, "unknown global key");
		if (r)
			return -1;
	}
	return 0;
}

static int parse_timer_key(struct loader *ld, const struct json_member *m, struct wl_event *ev)
{
	if (strcmp(m->key, "ref") == 0)
		return get_string(ld, m, 1) ? -1 : dup_string(ld, m, m->value.string, &ev->ref);
	if (strcmp(m->key, "period") == 0) {
		if (get_usec(ld, m, &ev->ns))
			return -1;
		return ev->ns ? 0 : fail(ld, m->line, m->key, "must be > 0");
	}
	if (strcmp(m->key, "mode") != 0)
		return fail(ld, m->line, m->key, "unknown key in timer");
	if (get_string(ld, m, 0))
		return -1;
	ev->absolute = strcmp(m->value.string, "absolute") == 0;
	if (!ev->absolute && strcmp(m->value.string, "relative") != 0)
		return fail(ld, m->line, m->key, "expected \"relative\" or \"absolute\"");
	return 0;
}

static int parse_timer(struct loader *ld, const struct json_member *t, struct wl_event *ev)
{
	const struct json_value *v = &t->value;

	if (v->type != JSON_OBJECT)
		return fail_type(ld, t, "an object {\"ref\", \"period\", \"mode\"}");
	for (size_t i = 0; i < v->len; i++)
		if (check_repeat(ld, v, i) || parse_timer_key(ld, &v->members[i], ev))
			return -1;
	if (!ev->ref || ev->ns == 0)
		return fail(ld, t->line, t->key, "a timer needs \"ref\" and \"period\"");
	/* rt-app: a ref starting with "unique" names a timer of each thread, any other one
	 * timer that every thread naming it shares */
	ev->unique = strncmp(ev->ref, "unique", 6) == 0;
	return 0;
}

/* By name, then file order: the first of equal names is the one the file gave first. */
static int cmp_name_index(const void *a, const void *b)
{
	const struct name_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* A resource name: lock, unlock, signal, broad, barrier, resume. */
static int parse_name(struct loader *ld, const struct json_member *m, struct wl_event *ev)
{
	if (get_string(ld, m, 1))
		return -1;
	return dup_string(ld, m, m->value.string, &ev->ref);
}

/*
 * rt-app's suspend waits on the condition (and takes the mutex) of the name it gives.
 * Written bare ("suspend" without a value, which rt-app's workgen fills in) or with "",
 * that is the task's own name, as rt-app's tutorial says and workgen does.
 */
static int parse_suspend(struct loader *ld, const struct json_member *m, struct wl_event *ev)
{
	const char *name = ld->task;

	if (!m->bare) {
		if (get_string(ld, m, 0))
			return -1;
		if (m->value.string[0])
			name = m->value.string;
	}
	return dup_string(ld, m, name, &ev->ref);
}

static int parse_wait_key(struct loader *ld, const struct json_member *m, struct wl_event *ev)
{
	if (strcmp(m->key, "ref") == 0)
		return parse_name(ld, m, ev);
	if (strcmp(m->key, "mutex") != 0)
		return fail(ld, m->line, m->key, "unknown key in a wait or sync (expected \"ref\" "
			    "and \"mutex\")");
	if (get_string(ld, m, 1))
		return -1;
	return dup_string(ld, m, m->value.string, &ev->mutex);
}

/* wait and sync: {"ref": condition, "mutex": mutex}, both required (rt-app would use a
 * resource named "unknown" for a missing one). */
static int parse_wait(struct loader *ld, const struct json_member *w, struct wl_event *ev)
{
	const struct json_value *v = &w->value;

	if (v->type != JSON_OBJECT)
		return fail_type(ld, w, "an object {\"ref\", \"mutex\"}");
	for (size_t i = 0; i < v->len; i++)
		if (check_repeat(ld, v, i) || parse_wait_key(ld, &v->members[i], ev))
			return -1;
	if (!ev->ref || !ev->mutex)
		return fail(ld, w->line, w->key, "needs \"ref\" (the condition) and \"mutex\"");
	return 0;
}

/* The index of ring `name` in the workload's rings; -1 with a message if there is none. */
static int find_ring(struct loader *ld, const struct json_member *m, const char *name,
		     uint32_t *out)
{
	for (size_t i = 0; i < ld->w->nr_rings; i++) {
		if (strcmp(ld->w->rings[i].name, name) == 0) {
			*out = (uint32_t)i;
			return 0;
		}
	}
	return fail(ld, m->line, m->key, "no ring '%s' in the top-level \"libsched\" "
		    "\"rings\"", name);
}

static int parse_submit_key(struct loader *ld, const struct json_member *m, struct wl_event *ev)
{
	long long n;

	if (strcmp(m->key, "ring") == 0)
		return parse_name(ld, m, ev);
	if (strcmp(m->key, "count") != 0)
		return fail(ld, m->line, m->key, "unknown key in a submit (expected \"ring\" "
			    "and \"count\")");
	if (get_int(ld, m, 1, WL_MAX_BURST, &n))
		return -1;
	ev->count = (uint32_t)n;
	return 0;
}

/* submit: a ring name, or {"ring": name, "count": entries}; one entry by default. The
 * entries are published, then the ring's consumer is told (sched_ring_submit). */
static int parse_submit(struct loader *ld, const struct json_member *m, struct wl_event *ev)
{
	const struct json_value *v = &m->value;

	ev->count = 1;
	if (v->type == JSON_STRING) {
		if (parse_name(ld, m, ev))
			return -1;
	} else if (v->type == JSON_OBJECT) {
		for (size_t i = 0; i < v->len; i++)
			if (check_repeat(ld, v, i) || parse_submit_key(ld, &v->members[i], ev))
				return -1;
		if (!ev->ref)
			return fail(ld, m->line, m->key, "needs \"ring\"");
	} else {
		return fail_type(ld, m, "a ring name or an object {\"ring\", \"count\"}");
	}
	return find_ring(ld, m, ev->ref, &ev->ring);
}

/*
 * rt-app's "mem" (a memset of that many bytes into the thread's buffer) and "iorun" (as
 * many bytes written to io_device, in write() calls of at most mem_buffer_size bytes) are
 * CPU work: a run of their cost, bytes / mem_mb_s for mem, one io_call_ns per write() for
 * iorun (writing to /dev/null copies nothing: the system call is the cost).
 */
static int parse_mem(struct loader *ld, const struct json_member *m, struct wl_event *ev)
{
	const struct workload *w = ld->w;
	long long n;

	if (get_int(ld, m, 0, INT_MAX, &n))
		return -1;
	ev->bytes = (uint64_t)n;
	ev->io = strncmp(m->key, "iorun", 5) == 0;
	if (ev->io)
		ev->ns = (ev->bytes + w->mem_buffer - 1) / w->mem_buffer * w->io_call_ns;
	else
		ev->ns = (ev->bytes * 1000 + w->mem_mb_s / 2) / w->mem_mb_s;
	return 0;
}

static int parse_event(struct loader *ld, const struct json_member *m, struct wl_event *ev)
{
	ev->kind = (enum wl_event_kind)event_kind(m->key);
	ev->line = m->line;
	switch (ev->kind) {
	case WL_RUN:
		if (strncmp(m->key, "mem", 3) == 0 || strncmp(m->key, "iorun", 5) == 0)
			return parse_mem(ld, m, ev);
		return get_usec(ld, m, &ev->ns);
	case WL_RUNTIME:
	case WL_SLEEP:
		return get_usec(ld, m, &ev->ns);
	case WL_TIMER:
		return parse_timer(ld, m, ev);
	case WL_SUSPEND:
		return parse_suspend(ld, m, ev);
	case WL_RESUME:
	case WL_LOCK:
	case WL_UNLOCK:
	case WL_SIGNAL:
	case WL_BROAD:
	case WL_BARRIER:
	case WL_FORK: /* a task name, found once every task is read (resolve_forks) */
	case WL_JOIN:
	case WL_REAP:
		return parse_name(ld, m, ev);
	case WL_WAIT:
	case WL_SYNC:
		return parse_wait(ld, m, ev);
	case WL_SUBMIT:
		return parse_submit(ld, m, ev);
	case WL_YIELD:
		return 0;
	case WL_POLL:
	case WL_SERVE:
	case WL_STAGE_WAIT:
	case WL_STAGE_SIGNAL:
	case WL_STAGE_END:
		break; /* never written: the loader makes these programs */
	}
	return fail(ld, m->line, m->key, "internal error: bad event kind");
}

/* Fills ph with the n event members of obj, in file order. */
static int parse_events(struct loader *ld, const struct json_value *obj, struct wl_phase *ph,
			size_t n)
{
	ph->events = calloc(n, sizeof(*ph->events));
	if (!ph->events)
		return fail(ld, obj->line, NULL, "out of memory");
	for (size_t i = 0; i < obj->len; i++) {
		const struct json_member *m = &obj->members[i];

		if (event_kind(m->key) < 0)
			continue;
		/* counted before parsing, so wl_free releases a half-built event */
		if (parse_event(ld, m, &ph->events[ph->nr_events++]))
			return -1;
	}
	return 0;
}

static int fail_unknown(struct loader *ld, const struct json_member *m, const char *where)
{
	if (prefix_in_list(unsupported_events, m->key))
		return fail(ld, m->line, m->key, "event not supported by schedsim");
	if (in_list(unsupported_task_keys, m->key))
		return fail(ld, m->line, m->key, "not supported yet");
	return fail(ld, m->line, m->key, "unknown key in %s", where);
}

/* The scheduling keys rt-app also reads in a phase; the others are the task's alone. */
static int phase_sched_key(const char *key)
{
	static const char *const keys[] = { "cpus", "policy", "priority", "dl-runtime",
					    "dl-period", "dl-deadline", NULL };

	return in_list(keys, key);
}

static int parse_phase_sched(struct loader *ld, const struct json_member *pm,
			     const struct wl_task *t, struct wl_phase *ph);

static int parse_phase(struct loader *ld, const struct json_member *pm, const struct wl_task *t,
		       struct wl_phase *ph)
{
	const struct json_value *v = &pm->value;
	long long loop = 1;
	size_t n;

	if (dup_string(ld, pm, pm->key, &ph->name))
		return -1;
	if (v->type != JSON_OBJECT)
		return fail_type(ld, pm, "a phase object");
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->members[i];

		if (event_kind(m->key) >= 0 || phase_sched_key(m->key))
			continue;
		if (strcmp(m->key, "loop") != 0)
			return fail_unknown(ld, m, "phase");
		if (check_repeat(ld, v, i) || get_int(ld, m, 1, INT_MAX, &loop))
			return -1;
	}
	ph->loop = (int)loop;
	if (parse_phase_sched(ld, pm, t, ph))
		return -1;
	n = count_events(v);
	if (n == 0)
		return fail(ld, pm->line, pm->key, "phase has no events");
	return parse_events(ld, v, ph, n);
}

static int parse_phases(struct loader *ld, const struct json_member *pm, struct wl_task *t)
{
	const struct json_value *v = &pm->value;

	if (v->type != JSON_OBJECT)
		return fail_type(ld, pm, "an object of phases");
	if (v->len == 0)
		return fail(ld, pm->line, pm->key, "no phases");
	t->phases = calloc(v->len, sizeof(*t->phases));
	if (!t->phases)
		return fail(ld, pm->line, pm->key, "out of memory");
	for (size_t i = 0; i < v->len; i++) {
		struct wl_phase *ph = &t->phases[t->nr_phases++];

		if (parse_phase(ld, &v->members[i], t, ph))
			return -1;
		t->phase_sched |= ph->sched.has_cpus || ph->sched.has_policy;
		t->phase_deadline |= ph->sched.has_policy &&
				     ph->sched.policy == WL_POLICY_DEADLINE;
	}
	return 0;
}

/* A task written without "phases" runs its events as one phase named after it. */
static int parse_direct_phase(struct loader *ld, const struct json_member *tm,
			      struct wl_task *t)
{
	t->phases = calloc(1, sizeof(*t->phases));
	if (!t->phases)
		return fail(ld, tm->line, tm->key, "out of memory");
	t->nr_phases = 1;
	t->phases->loop = 1;
	if (dup_string(ld, tm, tm->key, &t->phases->name))
		return -1;
	return parse_events(ld, &tm->value, t->phases, count_events(&tm->value));
}

static int parse_cpus(struct loader *ld, const struct json_member *m, uint64_t *cpus)
{
	const struct json_value *v = &m->value;
	size_t n = v->type == JSON_ARRAY ? v->len : 1;

	if (v->type == JSON_ARRAY && n == 0)
		return fail(ld, m->line, m->key, "empty; omit \"cpus\" to allow every CPU");
	for (size_t i = 0; i < n; i++) {
		/* check each element as if it were the key's value, but at its own line */
		const struct json_value *e = v->type == JSON_ARRAY ? &v->items[i] : v;
		struct json_member cpu = { .key = m->key, .line = e->line, .value = *e };
		long long nr;

		if (e->type != JSON_NUMBER)
			return fail_type(ld, &cpu, "a CPU number or an array of them");
		if (get_int(ld, &cpu, 0, MAX_CPU, &nr))
			return -1;
		*cpus |= UINT64_C(1) << nr;
	}
	return 0;
}

/* A string value that must be one of `names` (NULL-terminated); *out receives its index. */
static int get_choice(struct loader *ld, const struct json_member *m, const char *const *names,
		      const char *expected, int *out)
{
	if (get_string(ld, m, 0))
		return -1;
	for (int i = 0; names[i]; i++) {
		if (strcmp(m->value.string, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return fail(ld, m->line, m->key, "expected %s, got \"%s\"", expected, m->value.string);
}

/* libsched's SchedulingContext keys of a SCHED_DEADLINE task (checked against the policy
 * and the dl-* values later, in check_deadline). Returns 1 if `m` is not one of them. */
static int parse_sc_key(struct loader *ld, const struct json_member *m, struct wl_task *t,
			struct dl_keys *k)
{
	static const char *const modes[] = { "cbs", "sporadic", NULL };            /* wl_sc_mode */
	static const char *const overruns[] = { "throttle", "demote", "notify_block", NULL };
	long long n;
	int i;

	if (strcmp(m->key, "sc_mode") == 0) {
		k->mode = m;
		if (get_choice(ld, m, modes, "\"cbs\" or \"sporadic\"", &i))
			return -1;
		t->dl.mode = (enum wl_sc_mode)i;
		return 0;
	}
	if (strcmp(m->key, "overrun") == 0) {
		k->overrun = m;
		if (get_choice(ld, m, overruns, "\"throttle\", \"demote\" or \"notify_block\"", &i))
			return -1;
		t->dl.overrun = (enum wl_overrun)i;
		return 0;
	}
	if (strcmp(m->key, "refills") == 0) {
		k->refills = m;
		if (get_int(ld, m, 1, SCHED_SC_REFILLS_MAX, &n))
			return -1;
		t->dl.refills = (unsigned)n;
		return 0;
	}
	return 1;
}

/* libsched "cookie": an integer >= 0 (0 = untagged) or a non-empty string. The message
 * for other keys keeps its list of the older keys (tests/test_workload.c pins it). */
static int parse_cookie(struct loader *ld, const struct json_member *m, struct wl_task *t)
{
	const struct json_value *v = &m->value;

	if (v->type == JSON_STRING) {
		if (get_string(ld, m, 1) || dup_string(ld, m, v->string, &t->cookie_str))
			return -1;
		t->cookie_kind = WL_COOKIE_STRING;
		return 0;
	}
	if (v->type != JSON_NUMBER)
		return fail_type(ld, m, "an integer >= 0 or a string");
	if (!v->is_int || v->integer < 0)
		return fail(ld, m->line, m->key, "expected an integer >= 0 or a string, got %g",
			    v->number);
	t->cookie_int = v->integer;
	t->cookie_kind = v->integer ? WL_COOKIE_INT : WL_COOKIE_NONE;
	return 0;
}

/* One key of "run_dist": its "kind", or a percent of the nominal value. */
static int parse_dist_key(struct loader *ld, const struct json_member *m, struct wl_dist *d)
{
	static const char *const kinds[] = { "fixed", "uniform", "normal", NULL }; /* dist.h */
	long long n;
	int i;

	if (strcmp(m->key, "kind") == 0) {
		if (get_choice(ld, m, kinds, "\"fixed\", \"uniform\" or \"normal\"", &i))
			return -1;
		d->kind = (enum wl_dist_kind)i;
		return 0;
	}
	if (strcmp(m->key, "sd_pct") == 0) {
		if (get_int(ld, m, 0, WL_DIST_MAX_SD_PCT, &n))
			return -1;
		d->sd_pct = (uint32_t)n;
		return 0;
	}
	if (strcmp(m->key, "min_pct") && strcmp(m->key, "max_pct"))
		return fail(ld, m->line, m->key, "unknown key in \"run_dist\" (known: kind, "
			    "min_pct, max_pct, sd_pct)");
	if (get_int(ld, m, 1, WL_DIST_MAX_PCT, &n))
		return -1;
	*(strcmp(m->key, "min_pct") ? &d->max_pct : &d->min_pct) = (uint32_t)n;
	return 0;
}

/* libsched "run_dist": {"kind": K, ...}; which keys a kind needs is checked here, once
 * every key is read, and blamed on the object. */
static int parse_run_dist(struct loader *ld, const struct json_member *m, struct wl_dist *d)
{
	const struct json_value *v = &m->value;
	int has[4] = { 0 }; /* kind, min_pct, max_pct, sd_pct */
	const char *why;

	if (v->type != JSON_OBJECT)
		return fail_type(ld, m, "an object");
	for (size_t i = 0; i < v->len; i++) {
		const char *key = v->members[i].key;

		if (check_repeat(ld, v, i) || parse_dist_key(ld, &v->members[i], d))
			return -1;
		has[0] |= !strcmp(key, "kind");
		has[1] |= !strcmp(key, "min_pct");
		has[2] |= !strcmp(key, "max_pct");
		has[3] |= !strcmp(key, "sd_pct");
	}
	if (!has[0])
		return fail(ld, m->line, m->key, "needs a \"kind\"");
	if (d->kind == WL_DIST_UNIFORM && !(has[1] && has[2]))
		return fail(ld, m->line, m->key, "a uniform needs min_pct and max_pct");
	if (d->kind != WL_DIST_NORMAL && has[3])
		return fail(ld, m->line, m->key, "sd_pct is for \"normal\" only");
	if (d->kind == WL_DIST_NORMAL && !has[3])
		return fail(ld, m->line, m->key, "a normal needs sd_pct");
	why = wl_dist_check(d);
	return why ? fail(ld, m->line, m->key, "%s", why) : 0;
}

/* The variation keys (docs/schedsim.md, "Variation"). Returns 1 if `m` is not one. */
static int parse_variation_key(struct loader *ld, const struct json_member *m,
			       struct wl_task *t, struct dl_keys *k)
{
	if (strcmp(m->key, "run_dist") == 0) {
		k->run_dist = m;
		return parse_run_dist(ld, m, &t->run_dist);
	}
	if (strcmp(m->key, "release_offset_us") == 0) {
		k->offset = m;
		return get_usec(ld, m, &t->release_offset_ns);
	}
	if (strcmp(m->key, "jitter_us") == 0) {
		k->jitter = m;
		return get_usec(ld, m, &t->jitter_ns);
	}
	return 1;
}

static int parse_libsched(struct loader *ld, const struct json_member *lm, struct wl_task *t,
			  struct dl_keys *k)
{
	const struct json_value *v = &lm->value;

	if (v->type != JSON_OBJECT)
		return fail_type(ld, lm, "an object");
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->members[i];
		int r;

		if (check_repeat(ld, v, i))
			return -1;
		r = parse_sc_key(ld, m, t, k);
		if (r == 1)
			r = parse_variation_key(ld, m, t, k);
		if (r == 1)
			r = parse_policy_task_key(ld, m, t);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		if (strcmp(m->key, "group") == 0) {
			if (get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &t->group))
				return -1;
		} else if (strcmp(m->key, "slice_us") == 0) {
			if (get_usec(ld, m, &t->slice_ns))
				return -1;
			if (t->slice_ns < 100000 || t->slice_ns > 100000000)
				return fail(ld, m->line, m->key, "must be 100 .. 100000 (us)");
		} else if (strcmp(m->key, "ipc") == 0) {
			if (m->value.type != JSON_BOOL)
				return fail_type(ld, m, "true or false");
			t->ipc = m->value.boolean;
		} else if (strcmp(m->key, "ipc_wake") == 0) {
			if (m->value.type != JSON_BOOL)
				return fail_type(ld, m, "true or false");
			t->ipc_wake = m->value.boolean;
		} else if (strcmp(m->key, "passive") == 0) {
			k->passive = m;
			if (m->value.type != JSON_BOOL)
				return fail_type(ld, m, "true or false");
			t->passive = m->value.boolean;
		} else if (strcmp(m->key, "cookie") == 0) {
			if (parse_cookie(ld, m, t))
				return -1;
		} else if (strcmp(m->key, "poll") == 0) {
			k->poll = m;
			if (get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &t->poll) ||
			    find_ring(ld, m, t->poll, &t->ring))
				return -1;
		} else {
			return fail(ld, m->line, m->key,
				    "unknown key in \"libsched\" (known: group, slice_us, ipc, ipc_wake, "
				    "sc_mode, overrun, refills)");
		}
	}
	return 0;
}

/* rt-app's SCHED_DEADLINE parameters, in us (rt-app's unit; it takes integers, schedsim
 * decimals too, as for every time). Returns 1 if `m` is not one of them. */
static int parse_dl_key(struct loader *ld, const struct json_member *m, struct wl_task *t,
			struct dl_keys *k)
{
	if (strcmp(m->key, "dl-runtime") == 0) {
		k->runtime = m;
		return get_usec(ld, m, &t->dl.runtime_ns);
	}
	if (strcmp(m->key, "dl-period") == 0) {
		k->period = m;
		return get_usec(ld, m, &t->dl.period_ns);
	}
	if (strcmp(m->key, "dl-deadline") == 0) {
		k->deadline = m;
		return get_usec(ld, m, &t->dl.deadline_ns);
	}
	return 1;
}

/* One non-event task key; "phases" is only noted, and parsed once the task is known. */
static int parse_task_key(struct loader *ld, const struct json_member *m, struct wl_task *t,
			  const struct json_member **phases, struct dl_keys *k)
{
	long long n;
	int r = parse_dl_key(ld, m, t, k);

	if (r <= 0)
		return r;

	if (strcmp(m->key, "instance") == 0) {
		k->instance = m;
		if (get_int(ld, m, 0, MAX_INSTANCES, &n))
			return -1;
		t->instances = (unsigned)n;
		return 0;
	}
	if (strcmp(m->key, "priority") == 0) {
		/* its range depends on the policy, which may come later: check_priority */
		k->priority = m;
		return 0;
	}
	if (strcmp(m->key, "loop") == 0) {
		k->loop = m;
		return get_loop(ld, m, &t->loop);
	}
	if (strcmp(m->key, "delay") == 0) {
		k->delay = m;
		return get_usec(ld, m, &t->delay_ns);
	}
	if (strcmp(m->key, "cpus") == 0)
		return parse_cpus(ld, m, &t->cpus);
	if (strcmp(m->key, "policy") == 0)
		return parse_policy(ld, m, &t->policy);
	if (strcmp(m->key, "libsched") == 0)
		return parse_libsched(ld, m, t, k);
	if (in_list(old_task_keys, m->key))
		return fail(ld, m->line, m->key, "rt-app's task grammar before 1.0 (\"exec\", "
			    "\"period\", \"lock_order\", \"resources\"), which rt-app 1.0 "
			    "reads no more: write the task with events (run, timer, lock, ...)");
	if (strcmp(m->key, "phases") != 0)
		return fail_unknown(ld, m, "task");
	*phases = m;
	return 0;
}

/* A duration of `ns` in us, as the messages print it: "2000", or "2000.5". */
static const char *us_text(char buf[32], uint64_t ns)
{
	if (ns % NSEC_PER_USEC)
		snprintf(buf, 32, "%.3f", (double)ns / NSEC_PER_USEC);
	else
		snprintf(buf, 32, "%llu", (unsigned long long)(ns / NSEC_PER_USEC));
	return buf;
}

/* A task of another policy gives a SCHED_DEADLINE key: it would be silently ignored. */
static int check_not_deadline(struct loader *ld, const struct dl_keys *k)
{
	const struct json_member *keys[] = { k->runtime, k->period, k->deadline,
					     k->mode, k->overrun, k->refills };
	const struct json_member *first = NULL;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i] && (!first || keys[i]->line < first->line))
			first = keys[i];
	if (!first)
		return 0;
	return fail(ld, first->line, first->key, "only for \"policy\": \"SCHED_DEADLINE\"");
}

/*
 * rt-app's defaults (dl-period = dl-runtime, dl-deadline = dl-period), then Linux's rule
 * runtime <= deadline <= period and libsched's bounds (sched_sc_configure), each blamed on
 * the key that breaks it: a key that is absent took its default from one that is present.
 */
static int check_dl_times(struct loader *ld, const struct json_member *tm,
			  struct wl_deadline *dl, const struct dl_keys *k)
{
	char a[32], b[32];

	if (!k->runtime)
		return fail(ld, tm->line, "dl-runtime", "missing: task '%s' is SCHED_DEADLINE",
			    tm->key);
	if (!k->period)
		dl->period_ns = dl->runtime_ns;
	if (!k->deadline)
		dl->deadline_ns = dl->period_ns;
	if (dl->runtime_ns < SCHED_SC_BUDGET_MIN_NS)
		return fail(ld, k->runtime->line, k->runtime->key,
			    "must be >= %s us (libsched's smallest budget), got %s",
			    us_text(a, SCHED_SC_BUDGET_MIN_NS), us_text(b, dl->runtime_ns));
	if (dl->period_ns < dl->runtime_ns) /* k->period is there: the default is runtime */
		return fail(ld, k->period->line, k->period->key,
			    "must be >= dl-runtime (%s us), got %s", us_text(a, dl->runtime_ns),
			    us_text(b, dl->period_ns));
	if (dl->period_ns > SCHED_SC_PERIOD_MAX_NS) {
		const struct json_member *m = k->period ? k->period : k->runtime;

		return fail(ld, m->line, m->key,
			    "must be <= %s us (libsched's longest period), got %s",
			    us_text(a, SCHED_SC_PERIOD_MAX_NS / NSEC_PER_USEC * NSEC_PER_USEC),
			    us_text(b, dl->period_ns));
	}
	if (dl->deadline_ns < dl->runtime_ns) /* k->deadline is there, as above */
		return fail(ld, k->deadline->line, k->deadline->key,
			    "must be >= dl-runtime (%s us), got %s", us_text(a, dl->runtime_ns),
			    us_text(b, dl->deadline_ns));
	if (dl->deadline_ns > dl->period_ns)
		return fail(ld, k->deadline->line, k->deadline->key,
			    "must be <= dl-period (%s us%s), got %s", us_text(a, dl->period_ns),
			    k->period ? "" : ", by default dl-runtime", us_text(b, dl->deadline_ns));
	return 0;
}

/* The refill ring: its default size per mode, and what each mode can use. */
static int check_dl_refills(struct loader *ld, struct wl_deadline *dl, const struct dl_keys *k)
{
	if (!k->refills)
		dl->refills = dl->mode == WL_SC_SPORADIC ? 8 : 1;
	if (dl->mode == WL_SC_CBS && dl->refills != 1)
		return fail(ld, k->refills->line, k->refills->key,
			    "a cbs SC uses 1 refill; more are for \"sc_mode\": \"sporadic\"");
	if (dl->mode == WL_SC_SPORADIC && dl->refills < 2 && dl->runtime_ns < dl->period_ns)
		return fail(ld, k->refills->line, k->refills->key,
			    "a sporadic SC needs 2 or more unless dl-runtime == dl-period");
	return 0;
}

/*
 * rt-app's "priority": the realtime priority for SCHED_FIFO and SCHED_RR (1..99, default
 * WL_RT_PRIO_DEFAULT), else nice for the CFS policies (-20..19, default 0); a
 * SCHED_DEADLINE thread has its nice in the fair class when its SC demotes it.
 */
static int check_priority(struct loader *ld, struct wl_task *t, const struct dl_keys *k)
{
	int rt = t->policy == WL_POLICY_FIFO || t->policy == WL_POLICY_RR;
	long long n;

	if (rt)
		t->rt_prio = WL_RT_PRIO_DEFAULT;
	if (!k->priority)
		return 0;
	if (rt) {
		if (get_int(ld, k->priority, 1, 99, &n))
			return -1;
		t->rt_prio = (int)n;
		return 0;
	}
	if (get_int(ld, k->priority, -20, 19, &n))
		return -1;
	t->nice = (int)n;
	return 0;
}

static int check_deadline(struct loader *ld, const struct json_member *tm, struct wl_task *t,
			  const struct dl_keys *k)
{
	if (check_priority(ld, t, k))
		return -1;
	if (t->policy != WL_POLICY_DEADLINE)
		return check_not_deadline(ld, k);
	if (check_dl_times(ld, tm, &t->dl, k))
		return -1;
	return check_dl_refills(ld, &t->dl, k);
}

/*
 * rt-app's per-phase "cpus", "policy", "priority" and dl-*: read as a task's are (the same
 * checks and messages), against the task's policy when the phase names none. A phase
 * without "cpus" runs on the task's CPUs; one without the others keeps the scheduling the
 * thread has.
 */
static int parse_phase_sched(struct loader *ld, const struct json_member *pm,
			     const struct wl_task *t, struct wl_phase *ph)
{
	const struct json_value *v = &pm->value;
	struct wl_task s = { .policy = t->policy, .dl = { .mode = t->dl.mode,
							  .overrun = t->dl.overrun } };
	struct dl_keys k = { 0 };
	int any = 0;

	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->members[i];

		if (!phase_sched_key(m->key))
			continue;
		if (check_repeat(ld, v, i))
			return -1;
		if (strcmp(m->key, "cpus") == 0) {
			ph->sched.has_cpus = 1;
			if (parse_cpus(ld, m, &ph->sched.cpus))
				return -1;
			continue;
		}
		any = 1;
		if (strcmp(m->key, "priority") == 0)
			k.priority = m;
		else if (strcmp(m->key, "policy") == 0 ? parse_policy(ld, m, &s.policy)
						       : parse_dl_key(ld, m, &s, &k))
			return -1;
	}
	ph->sched.line = pm->line;
	if (!any)
		return 0;
	if (check_deadline(ld, pm, &s, &k))
		return -1;
	ph->sched.has_policy = 1;
	ph->sched.policy = s.policy;
	ph->sched.nice = s.nice;
	ph->sched.rt_prio = s.rt_prio;
	ph->sched.dl = s.dl;
	return 0;
}

/* An event that can take simulated time by itself: a non-zero duration, or a timer. A
 * suspend does not count: the task resuming it may do so at once (its own instances, or
 * two tasks handing over to each other), and then no time passes either; nor do the
 * other waits (lock, wait, sync, barrier), for the same reason. */
static int event_takes_time(const struct wl_event *ev)
{
	switch (ev->kind) {
	case WL_RUN:
	case WL_RUNTIME:
	case WL_SLEEP:
		return ev->ns > 0;
	case WL_TIMER:
	case WL_POLL:
		return 1;
	default:
		return 0; /* resume, suspend, yield, submit, and the mutex, condition and
			   * barrier events */
	}
}

static int phase_takes_time(const struct wl_phase *ph)
{
	for (size_t i = 0; i < ph->nr_events; i++)
		if (event_takes_time(&ph->events[i]))
			return 1;
	return 0;
}

/* Puts the WL_ZERO_PASS_NS run first in ph. There it never comes between a "resume" and
 * the "suspend" right after it (an IPC handoff with libsched.ipc). */
static int add_zero_pass_run(struct loader *ld, struct wl_phase *ph)
{
	struct wl_event *ev;

	if (ph->nr_events >= SIM_MAX_PHASE_EVENTS)
		return fail(ld, ph->events[0].line, ph->name,
			    "a phase of events that take no time holds at most %d: schedsim "
			    "adds a run of %d us to it", SIM_MAX_PHASE_EVENTS - 1,
			    WL_ZERO_PASS_NS / NSEC_PER_USEC);
	ev = realloc(ph->events, (ph->nr_events + 1) * sizeof(*ev));
	if (!ev)
		return fail(ld, ph->events[0].line, ph->name, "out of memory");
	memmove(ev + 1, ev, ph->nr_events * sizeof(*ev));
	ev[0] = (struct wl_event){ .kind = WL_RUN, .ns = WL_ZERO_PASS_NS, .line = ev[1].line,
				   .added = 1 };
	ph->events = ev;
	ph->nr_events++;
	return 0;
}

/*
 * Zero-time loops. A phase whose events take no time (yield, resume, zero durations) and
 * that can repeat without time passing (it loops, or it is the task's first phase and the
 * whole task loop takes no time) would run millions of passes per simulated microsecond,
 * where the real loop spins and costs CPU time. Each of its passes starts with a run of
 * WL_ZERO_PASS_NS instead. Phases that take time, or run once, are left as they are.
 */
static int add_zero_pass_runs(struct loader *ld, struct wl_task *t)
{
	int task_zero = 1;

	for (size_t p = 0; p < t->nr_phases; p++)
		task_zero &= !phase_takes_time(&t->phases[p]);
	for (size_t p = 0; p < t->nr_phases; p++) {
		struct wl_phase *ph = &t->phases[p];
		int repeats = ph->loop > 1 || (p == 0 && task_zero && t->loop != 1);

		if (repeats && !phase_takes_time(ph) && add_zero_pass_run(ld, ph))
			return -1;
	}
	return 0;
}

/*
 * The mutexes one thread of a task holds at a point of its program (at most
 * SCHED_MUTEX_HELD_MAX, libsched's bound), each with the event that took it. Valid while
 * the JSON document is.
 */
struct lockset {
	const char *name[SCHED_MUTEX_HELD_MAX];
	const struct json_member *at[SCHED_MUTEX_HELD_MAX];
	unsigned n;
};

static int held(const struct lockset *h, const char *name)
{
	for (unsigned i = 0; i < h->n; i++)
		if (strcmp(h->name[i], name) == 0)
			return (int)i;
	return -1;
}

static int take(struct loader *ld, const struct json_member *m, const char *name,
		struct lockset *h)
{
	int i = held(h, name);

	if (i >= 0 && h->at[i] == m)
		return fail(ld, m->line, m->key, "task '%s' would lock mutex '%s' again on its "
			    "next pass, still holding it: it would wait for itself for ever",
			    ld->task, name);
	if (i >= 0)
		return fail(ld, m->line, m->key, "task '%s' would lock mutex '%s' that it holds "
			    "already (locked at line %u): it would wait for itself for ever",
			    ld->task, name, h->at[i]->line);
	if (h->n == SCHED_MUTEX_HELD_MAX)
		return fail(ld, m->line, m->key, "task '%s' would hold more than %d mutexes at "
			    "once (libsched's SCHED_MUTEX_HELD_MAX)", ld->task,
			    SCHED_MUTEX_HELD_MAX);
	h->name[h->n] = name;
	h->at[h->n++] = m;
	return 0;
}

/* One event's effect on the mutexes a thread holds: what is not held cannot be unlocked
 * or waited with, and nothing is locked twice (rt-app's mutexes are not recursive). */
static int lock_event(struct loader *ld, const struct json_member *m, const struct wl_event *ev,
		      struct lockset *h)
{
	int i;

	switch (ev->kind) {
	case WL_LOCK:
		return take(ld, m, ev->ref, h);
	case WL_UNLOCK:
		i = held(h, ev->ref);
		if (i < 0)
			return fail(ld, m->line, m->key, "task '%s' would unlock mutex '%s' that "
				    "it does not hold", ld->task, ev->ref);
		h->name[i] = h->name[--h->n];
		h->at[i] = h->at[h->n];
		return 0;
	case WL_WAIT:
	case WL_SYNC:
		if (held(h, ev->mutex) >= 0)
			return 0;
		return fail(ld, m->line, m->key, "task '%s' would wait with mutex '%s' that it "
			    "does not hold (lock it first, as pthread_cond_wait needs)", ld->task,
			    ev->mutex);
	case WL_SUSPEND:
	case WL_RESUME:
		i = held(h, ev->ref);
		if (i < 0)
			return 0; /* it takes and releases the mutex of its name at once */
		return fail(ld, m->line, m->key, "task '%s' holds mutex '%s' (locked at line %u), "
			    "which rt-app's %s locks: it would wait for itself for ever", ld->task,
			    ev->ref, h->at[i]->line, ev->kind == WL_SUSPEND ? "suspend" : "resume");
	default:
		return 0;
	}
}

/* One pass through the events of phase ph, written in `obj` (their members in order). */
static int lock_phase(struct loader *ld, const struct json_value *obj, const struct wl_phase *ph,
		      struct lockset *h)
{
	size_t e = 0;

	for (size_t i = 0; i < obj->len && e < ph->nr_events; i++) {
		const struct json_member *m = &obj->members[i];

		if (event_kind(m->key) >= 0 && lock_event(ld, m, &ph->events[e++], h))
			return -1;
	}
	return 0;
}

/*
 * A thread's program must use its mutexes as pthreads allow, or libsched would refuse a
 * call in the middle of a run: checked here once per task, by walking its program. Events
 * do not branch, so one pass says what is held at each event; a second pass through a
 * phase that loops, and through the task loop when it repeats, finds what a repetition
 * would lock twice or unlock unheld. Two passes that succeed leave nothing held (a mutex
 * held at the end of a pass would be locked twice or never unlocked in the next), so the
 * same holds for any number of passes. A program that ends holding a mutex is refused:
 * rt-app leaves it locked for ever, while libsched would hand it to its next waiter.
 */
static int check_locks(struct loader *ld, const struct json_member *tm,
		       const struct json_member *phases, const struct wl_task *t)
{
	struct lockset h = { .n = 0 };
	int passes = t->loop == 1 ? 1 : 2;

	for (int pass = 0; pass < passes; pass++) {
		for (size_t p = 0; p < t->nr_phases; p++) {
			const struct wl_phase *ph = &t->phases[p];
			const struct json_value *obj = phases ? &phases->value.members[p].value
							      : &tm->value;

			for (int k = 0; k < (ph->loop > 1 ? 2 : 1); k++)
				if (lock_phase(ld, obj, ph, &h))
					return -1;
		}
	}
	if (h.n == 0)
		return 0;
	return fail(ld, h.at[0]->line, h.at[0]->key, "task '%s' would end holding mutex '%s': "
		    "unlock it before its program ends (a mutex left locked is not modelled)",
		    ld->task, h.name[0]);
}

/*
 * A poller (libsched "poll"): its one thread is the consumer of the ring, and its program
 * is the poll loop, which the loader writes as one phase holding one WL_POLL event. So it
 * has no events, phases or loop of its own, and one instance (a ring has one consumer).
 */
static int poller_program(struct loader *ld, const struct json_member *tm, struct wl_task *t,
			  const struct json_member *program, const struct dl_keys *k)
{
	struct wl_ring *r = &ld->w->rings[t->ring];
	const struct json_member *bad = program ? program : k->loop;
	struct wl_phase *ph;

	if (bad)
		return fail(ld, bad->line, bad->key, "task '%s' polls ring '%s' (line %u): its "
			    "program is the poll loop, without events, phases or loop", t->name,
			    r->name, k->poll->line);
	if (t->instances != 1)
		return fail(ld, k->instance->line, k->instance->key, "a ring has one consumer: "
			    "a task that polls has one instance");
	if (r->consumer >= 0)
		return fail(ld, k->poll->line, k->poll->key, "ring '%s' has a consumer already: "
			    "task '%s'", r->name, ld->w->tasks[r->consumer].name);
	r->consumer = (int)(t - ld->w->tasks);
	t->phases = ph = calloc(1, sizeof(*t->phases));
	if (!ph || !(ph->events = calloc(1, sizeof(*ph->events))))
		return fail(ld, tm->line, tm->key, "out of memory");
	t->nr_phases = 1;
	ph->loop = 1;
	ph->nr_events = 1;
	ph->events[0] = (struct wl_event){ .kind = WL_POLL, .ns = r->poll_ns, .ring = t->ring,
					   .line = k->poll->line, .added = 1 };
	return dup_string(ld, tm, tm->key, &ph->name);
}

/*
 * A passive server (libsched "passive"): it runs only on an SC its callers lend it, so it
 * never starts by itself: it waits for its first call in its program's first event, a
 * suspend (libsched.ipc makes it a plain block that a call ends). One instance (the calls
 * name it), no delay, and a fair policy (an SC of its own would make it not passive).
 */
static int check_passive(struct loader *ld, const struct wl_task *t, const struct dl_keys *k)
{
	const struct wl_event *first = &t->phases[0].events[0];

	if (t->ipc_wake && !t->ipc)
		return fail(ld, t->line, "ipc_wake", "it changes how the \"ipc\" handoff is made: "
			    "it needs \"ipc\": true");
	if (!t->passive)
		return 0;
	if (!t->ipc)
		return fail(ld, k->passive->line, k->passive->key, "a passive task takes calls: "
			    "it needs \"ipc\": true");
	if (t->instances != 1)
		return fail(ld, k->instance->line, k->instance->key, "a passive task has one "
			    "instance");
	if (t->policy == WL_POLICY_DEADLINE || t->policy == WL_POLICY_FIFO ||
	    t->policy == WL_POLICY_RR)
		return fail(ld, k->passive->line, k->passive->key, "a passive task runs on its "
			    "callers' SCs: its policy must be SCHED_OTHER, SCHED_BATCH or SCHED_IDLE");
	if (t->delay_ns)
		return fail(ld, k->delay->line, k->delay->key, "a passive task does not start by "
			    "itself: no delay");
	if (first->kind != WL_SUSPEND || first->added)
		return fail(ld, k->passive->line, k->passive->key, "a passive task waits for its first "
			    "call: its first event must be a suspend");
	if (t->phase_sched)
		return fail(ld, k->passive->line, k->passive->key, "a passive task runs on its "
			    "callers' SCs: no per-phase cpus, policy or priority");
	return 0;
}

/* The task's "unique..." timers: one per distinct ref, numbered in file order; each of its
 * threads has its own (rt-app names them after the thread). */
static int index_unique_timers(struct loader *ld, const struct json_member *tm,
			       struct wl_task *t)
{
	const char **seen = NULL;
	size_t n = 0, cap = 0;

	for (size_t p = 0; p < t->nr_phases; p++) {
		for (size_t e = 0; e < t->phases[p].nr_events; e++) {
			struct wl_event *ev = &t->phases[p].events[e];
			size_t k = 0;

			if (ev->kind != WL_TIMER || !ev->unique)
				continue;
			while (k < n && strcmp(seen[k], ev->ref) != 0)
				k++;
			if (k == n && n == cap) {
				const char **v = realloc(seen, (cap ? 2 * cap : 8) * sizeof(*v));

				if (!v) {
					free(seen);
					return fail(ld, tm->line, tm->key, "out of memory");
				}
				seen = v;
				cap = cap ? 2 * cap : 8;
			}
			if (k == n)
				seen[n++] = ev->ref;
			ev->timer = (uint32_t)k;
		}
	}
	free(seen);
	t->nr_unique_timers = n;
	return 0;
}

/* The variation keys of a task whose program the loader makes (a poller, a graph stage)
 * or that never starts by itself (a passive server) would change nothing: refused. */
static int check_variation_owner(struct loader *ld, const struct wl_task *t,
				 const struct dl_keys *k)
{
	const struct json_member *m = k->run_dist ? k->run_dist : k->jitter;
	const char *who = t->poll ? "a poller" : t->graph >= 0 ? "a graph stage" : NULL;

	if (m && who)
		return fail(ld, m->line, m->key, "not for %s: schedsim makes its program", who);
	if (k->offset && (who || t->passive))
		return fail(ld, k->offset->line, k->offset->key, "not for %s",
			    who ? who : "a passive server (it starts at its first call)");
	return 0;
}

static int has_event(const struct wl_task *t, enum wl_event_kind kind)
{
	for (size_t p = 0; p < t->nr_phases; p++)
		for (size_t e = 0; e < t->phases[p].nr_events; e++)
			if (t->phases[p].events[e].kind == kind && !t->phases[p].events[e].added)
				return 1;
	return 0;
}

/* A run_dist without a run, or jitter without a timer, would be silently ignored. */
static int check_variation_events(struct loader *ld, const struct wl_task *t,
				  const struct dl_keys *k)
{
	if (k->run_dist && !has_event(t, WL_RUN))
		return fail(ld, k->run_dist->line, k->run_dist->key,
			    "task '%s' has no \"run\" event to vary", t->name);
	if (k->jitter && !has_event(t, WL_TIMER))
		return fail(ld, k->jitter->line, k->jitter->key,
			    "task '%s' has no \"timer\" event: jitter delays its ticks", t->name);
	return 0;
}

static int parse_task(struct loader *ld, const struct json_member *tm, struct wl_task *t)
{
	const struct json_value *v = &tm->value;
	const struct json_member *phases = NULL, *event = NULL;
	struct dl_keys k = { 0 };

	t->line = tm->line;
	t->instances = 1;
	t->loop = -1;
	t->policy = ld->default_policy;
	ld->task = tm->key;
	if (dup_string(ld, tm, tm->key, &t->name))
		return -1;
	t->graph = stage_of(ld, t->name, &t->node);
	if (v->type != JSON_OBJECT)
		return fail_type(ld, tm, "a task object");
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->members[i];

		if (event_kind(m->key) >= 0)
			event = event ? event : m;
		else if (check_repeat(ld, v, i) || parse_task_key(ld, m, t, &phases, &k))
			return -1;
	}
	if (check_deadline(ld, tm, t, &k) || check_variation_owner(ld, t, &k))
		return -1;
	/* a task's process is its group unless it names one: threads of one process share
	 * what their process holds (libsched's scope) */
	if (t->process && !t->group && dup_string(ld, tm, t->process, &t->group))
		return -1;
	if (t->nr_requests && (t->poll || t->passive))
		return fail(ld, tm->line, tm->key, "a %s does not make requests (it never runs a "
			    "program of its own)", t->poll ? "poller" : "passive server");
	if (t->graph >= 0)
		return stage_program(ld, tm, t, event ? event : phases, &k);
	if (t->poll)
		return poller_program(ld, tm, t, event ? event : phases, &k);
	if (phases && event)
		return fail(ld, event->line, event->key,
			    "task '%s' has \"phases\" (line %u), so its events go inside a phase",
			    t->name, phases->line);
	if (!phases && !event && t->nr_requests)
		return requests_program(ld, tm, t, &k);
	if (!phases && !event)
		return fail(ld, tm->line, tm->key, "task has no events (run, sleep, timer, ...)");
	if (phases ? parse_phases(ld, phases, t) : parse_direct_phase(ld, tm, t))
		return -1;
	if (check_locks(ld, tm, phases, t) || index_unique_timers(ld, tm, t))
		return -1;
	if (add_zero_pass_runs(ld, t) || check_variation_events(ld, t, &k))
		return -1;
	return check_passive(ld, t, &k);
}

/*
 * Sorts the task names once, in O(n log n): the check that names are unique and every
 * "resume" target lookup are then O(log n), where a scan of all tasks for each made a
 * file of 40000 tasks take seconds. Notes the first task, in file order, whose name an
 * earlier task has, so that parse_tasks reports it where a scan would have.
 */
static int index_tasks(struct loader *ld, const struct json_member *tm)
{
	const struct json_value *v = &tm->value;

	ld->names = malloc(v->len * sizeof(*ld->names));
	if (!ld->names)
		return fail(ld, tm->line, tm->key, "out of memory");
	for (size_t i = 0; i < v->len; i++)
		ld->names[i] = (struct name_ref){ v->members[i].key, i };
	qsort(ld->names, v->len, sizeof(*ld->names), cmp_name_index);
	ld->first_repeat = SIZE_MAX;
	for (size_t i = 1, first = 0; i < v->len; i++) {
		if (strcmp(ld->names[i].name, ld->names[first].name) != 0) {
			first = i;
		} else if (ld->names[i].index < ld->first_repeat) {
			ld->first_repeat = ld->names[i].index;
			ld->repeat_of = ld->names[first].index;
		}
	}
	return 0;
}

/* The simulator makes one thread per instance, with state per phase: bounded in all, or a
 * few lines of JSON could ask for gigabytes. */
static int count_threads(struct loader *ld, const struct json_member *tm,
			 const struct wl_task *t, size_t *threads, size_t *thread_phases)
{
	*threads += t->instances;
	*thread_phases += (size_t)t->instances * t->nr_phases;
	ld->thread_requests += (size_t)t->instances * t->nr_requests;
	if (ld->thread_requests > WL_MAX_THREAD_REQUESTS)
		return fail(ld, tm->line, tm->key,
			    "more than %u policy requests in the workload (the sum of "
			    "\"instance\" x requests)", WL_MAX_THREAD_REQUESTS);
	if (*threads > WL_MAX_THREADS)
		return fail(ld, tm->line, tm->key,
			    "more than %d threads in the workload (the sum of \"instance\")",
			    WL_MAX_THREADS);
	if (*thread_phases > WL_MAX_THREAD_PHASES)
		return fail(ld, tm->line, tm->key,
			    "more than %u thread phases in the workload (the sum of "
			    "\"instance\" x phases)", WL_MAX_THREAD_PHASES);
	return 0;
}

/* A task and its place in the file, to sort tasks by their group or cookie. */
struct task_ref {
	const struct wl_task *t;
	size_t i;
};

static int cmp_group_ref(const void *a, const void *b)
{
	const struct task_ref *x = a, *y = b;

	return strcmp(x->t->group, y->t->group);
}

static int cmp_cookie_ref(const void *a, const void *b)
{
	const struct task_ref *x = a, *y = b;

	return wl_cmp_cookie(x->t, y->t);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

static int has_group(const struct wl_task *t)
{
	return t->group != NULL;
}

static int has_cookie(const struct wl_task *t)
{
	return t->cookie_kind != WL_COOKIE_NONE;
}

/*
 * Counts the distinct values among the tasks that have one (cmp orders task_refs by value)
 * and refuses more than max, blaming the task that brings the first value too many. The
 * simulator looks these values up one by one for each task, and a group costs memory per
 * CPU: tens of thousands of them took minutes and gigabytes.
 */
static int check_distinct(struct loader *ld, const struct workload *w,
			  int (*has)(const struct wl_task *), int (*cmp)(const void *, const void *),
			  size_t max, const char *what)
{
	struct task_ref *ref = malloc((w->nr_tasks + 1) * sizeof(*ref));
	size_t *first = malloc((w->nr_tasks + 1) * sizeof(*first));
	size_t n = 0, nr_first = 0;
	int r = 0;

	if (!ref || !first) {
		free(ref);
		free(first);
		return fail(ld, w->tasks[0].line, w->tasks[0].name, "out of memory");
	}
	for (size_t i = 0; i < w->nr_tasks; i++)
		if (has(&w->tasks[i]))
			ref[n++] = (struct task_ref){ &w->tasks[i], i };
	qsort(ref, n, sizeof(*ref), cmp);
	for (size_t k = 0; k < n; k++) {
		if (k == 0 || cmp(&ref[k - 1], &ref[k]))
			first[nr_first++] = ref[k].i;
		else if (ref[k].i < first[nr_first - 1])
			first[nr_first - 1] = ref[k].i;
	}
	if (nr_first > max) {
		const struct wl_task *t;

		qsort(first, nr_first, sizeof(*first), cmp_size);
		t = &w->tasks[first[max]];
		r = fail(ld, t->line, t->name, "more than %zu %s in the workload", max, what);
	}
	free(ref);
	free(first);
	return r;
}

/* --- resources: mutexes, condition variables, barriers, by name ------------------------ */

/* The names each event uses in each name space (NULL: none). */
static const char *mutex_name(const struct wl_event *ev)
{
	switch (ev->kind) {
	case WL_LOCK:
	case WL_UNLOCK:
	case WL_SUSPEND:
	case WL_RESUME:
		return ev->ref;
	case WL_WAIT:
	case WL_SYNC:
		return ev->mutex;
	default:
		return NULL;
	}
}

static const char *cond_name(const struct wl_event *ev)
{
	switch (ev->kind) {
	case WL_WAIT:
	case WL_SYNC:
	case WL_SIGNAL:
	case WL_BROAD:
	case WL_SUSPEND:
	case WL_RESUME:
		return ev->ref;
	default:
		return NULL;
	}
}

static const char *barrier_name(const struct wl_event *ev)
{
	return ev->kind == WL_BARRIER ? ev->ref : NULL;
}

/* A timer shared by name between threads (its ref does not start with "unique"). */
static const char *timer_name(const struct wl_event *ev)
{
	return ev->kind == WL_TIMER && !ev->unique ? ev->ref : NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every event of w, in file order (tasks, phases, events): *n of them. NULL when out of
 * memory. */
static struct wl_event **all_events(const struct workload *w, size_t *n)
{
	struct wl_event **v;
	size_t k = 0;

	for (size_t t = 0; t < w->nr_tasks; t++)
		for (size_t p = 0; p < w->tasks[t].nr_phases; p++)
			k += w->tasks[t].phases[p].nr_events;
	v = malloc((k + 1) * sizeof(*v));
	if (!v)
		return NULL;
	*n = k;
	k = 0;
	for (size_t t = 0; t < w->nr_tasks; t++)
		for (size_t p = 0; p < w->tasks[t].nr_phases; p++)
			for (size_t e = 0; e < w->tasks[t].phases[p].nr_events; e++)
				v[k++] = &w->tasks[t].phases[p].events[e];
	return v;
}

/* The distinct names `name` gives the n events ev, sorted, in *out (*nr of them). */
static int name_table(struct loader *ld, struct wl_event *const *ev, size_t n,
		      const char *(*name)(const struct wl_event *), const char ***out, size_t *nr)
{
	const char **v = malloc((n + 1) * sizeof(*v));
	size_t k = 0, u = 0;

	if (!v)
		return fail(ld, ld->tasks->line, "tasks", "out of memory");
	for (size_t i = 0; i < n; i++)
		if (name(ev[i]))
			v[k++] = name(ev[i]);
	qsort(v, k, sizeof(*v), cmp_str);
	for (size_t i = 0; i < k; i++)
		if (u == 0 || strcmp(v[u - 1], v[i]) != 0)
			v[u++] = v[i];
	*out = v;
	*nr = u;
	return 0;
}

/* The index of `name` in the sorted table (it is there: the table was made from it). */
static uint32_t name_index(const char **table, size_t n, const char *name)
{
	const char **p = bsearch(&name, table, n, sizeof(*table), cmp_str);

	return (uint32_t)(p - table);
}

/*
 * rt-app's barrier count: every barrier event adds its task's instances to the count of
 * its name (rt-app v1.0 parses each instance's events, adding 1 each time; later
 * versions add "instance" per event: the same sum). So a task that meets one barrier
 * twice in its loop counts twice, as in rt-app.
 */
static int count_barriers(struct loader *ld, struct workload *w)
{
	uint64_t *count = calloc(w->nr_barriers + 1, sizeof(*count));
	int r = 0;

	if (!count)
		return fail(ld, ld->tasks->line, "tasks", "out of memory");
	for (size_t t = 0; t < w->nr_tasks; t++)
		for (size_t p = 0; p < w->tasks[t].nr_phases; p++)
			for (size_t e = 0; e < w->tasks[t].phases[p].nr_events; e++)
				if (w->tasks[t].phases[p].events[e].kind == WL_BARRIER)
					count[w->tasks[t].phases[p].events[e].barrier] +=
						w->tasks[t].instances;
	for (size_t b = 0; b < w->nr_barriers && r == 0; b++) {
		w->barriers[b].count = (uint32_t)count[b];
		if (count[b] > UINT32_MAX)
			r = fail(ld, ld->tasks->line, "tasks", "barrier '%s' has more than %u "
				 "users", w->barriers[b].name, UINT32_MAX);
	}
	free(count);
	return r;
}

/* Gives each event the index of the resources it names, one resource per name and kind as
 * rt-app creates them, with the tables of w. */
static int index_events(struct loader *ld, struct workload *w, struct wl_event *const *ev,
			size_t n)
{
	const char **bar;
	size_t nr_bar;

	if (name_table(ld, ev, n, mutex_name, &w->mutexes, &w->nr_mutexes) ||
	    name_table(ld, ev, n, cond_name, &w->conds, &w->nr_conds) ||
	    name_table(ld, ev, n, timer_name, &w->timers, &w->nr_timers) ||
	    name_table(ld, ev, n, barrier_name, &bar, &nr_bar))
		return -1;
	w->barriers = calloc(nr_bar + 1, sizeof(*w->barriers));
	for (size_t b = 0; w->barriers && b < nr_bar; b++)
		w->barriers[b].name = bar[b];
	w->nr_barriers = w->barriers ? nr_bar : 0;
	for (size_t i = 0; w->barriers && i < n; i++) {
		if (mutex_name(ev[i]))
			ev[i]->mx = name_index(w->mutexes, w->nr_mutexes, mutex_name(ev[i]));
		if (cond_name(ev[i]))
			ev[i]->cond = name_index(w->conds, w->nr_conds, cond_name(ev[i]));
		if (barrier_name(ev[i]))
			ev[i]->barrier = name_index(bar, nr_bar, barrier_name(ev[i]));
		if (timer_name(ev[i]))
			ev[i]->timer = name_index(w->timers, w->nr_timers, timer_name(ev[i]));
	}
	free(bar);
	if (!w->barriers)
		return fail(ld, ld->tasks->line, "tasks", "out of memory");
	return count_barriers(ld, w);
}

/* The resources (mutexes, condition variables, barriers) the events name. O(events x log
 * names). */
static int index_resources(struct loader *ld, struct workload *w)
{
	size_t n;
	struct wl_event **ev = all_events(w, &n);
	int r;

	if (!ev)
		return fail(ld, ld->tasks->line, "tasks", "out of memory");
	r = index_events(ld, w, ev, n);
	free(ev);
	return r;
}

static int parse_tasks(struct loader *ld, const struct json_member *tm, struct workload *w)
{
	const struct json_value *v = &tm->value;
	size_t threads = 0, thread_phases = 0;

	if (v->type != JSON_OBJECT)
		return fail_type(ld, tm, "an object of tasks");
	if (v->len == 0)
		return fail(ld, tm->line, tm->key, "no tasks");
	ld->tasks = v;
	w->tasks = calloc(v->len, sizeof(*w->tasks));
	if (!w->tasks)
		return fail(ld, tm->line, tm->key, "out of memory");
	if (index_tasks(ld, tm))
		return -1;
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->members[i];
		struct wl_task *t = &w->tasks[w->nr_tasks++];

		/* task names are what "resume" refers to, so they must be unique */
		if (i == ld->first_repeat)
			return fail(ld, m->line, m->key, "repeated (first at line %u)",
				    v->members[ld->repeat_of].line);
		if (parse_task(ld, m, t) || count_threads(ld, m, t, &threads, &thread_phases))
			return -1;
	}
	if (check_distinct(ld, w, has_group, cmp_group_ref, WL_MAX_GROUPS,
			   "distinct libsched \"group\" names"))
		return -1;
	if (check_distinct(ld, w, has_cookie, cmp_cookie_ref, WL_MAX_COOKIES,
			   "distinct libsched \"cookie\" values"))
		return -1;
	return index_resources(ld, w);
}

/* --- schedsim's own top-level section: groups, rings, leases --------------------------- */

/* What the loader keeps of a lease's keys until the tasks are known (their lines, for the
 * messages of resolve_lease). Valid while the JSON document is. */
struct lease_keys {
	const struct json_member *holder, *cause, *owner, *target;
};

static const char *const group_kinds[] = { "process", "session", "service", NULL };

/* "kind" and "parent" of one group of "groups" (named by its key). */
static int parse_group(struct loader *ld, const struct json_member *gm, struct wl_group *g)
{
	const struct json_value *v = &gm->value;
	int i;

	g->line = gm->line;
	if (dup_string(ld, gm, gm->key, &g->name))
		return -1;
	if (!gm->key[0])
		return fail(ld, gm->line, gm->key, "a group name must not be empty");
	if (v->type != JSON_OBJECT)
		return fail_type(ld, gm, "a group object {\"kind\", \"parent\"}");
	for (size_t k = 0; k < v->len; k++) {
		const struct json_member *m = &v->members[k];

		if (check_repeat(ld, v, k))
			return -1;
		if (strcmp(m->key, "kind") == 0) {
			if (get_choice(ld, m, group_kinds,
				       "\"process\", \"session\" or \"service\"", &i))
				return -1;
			g->kind = (enum wl_group_kind)i;
		} else if (strcmp(m->key, "parent") == 0) {
			if (get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &g->parent))
				return -1;
		} else {
			return fail(ld, m->line, m->key, "unknown key in a group (expected "
				    "\"kind\" and \"parent\")");
		}
	}
	return 0;
}

static int parse_source_key(struct loader *ld, const struct json_member *m, struct wl_source *s)
{
	long long n;

	if (strcmp(m->key, "cpu") == 0) {
		if (get_int(ld, m, 0, MAX_CPU, &n))
			return -1;
		s->cpu = (unsigned)n;
		return 0;
	}
	if (strcmp(m->key, "start_us") == 0)
		return get_usec(ld, m, &s->start_ns);
	if (strcmp(m->key, "period_us") == 0) {
		if (get_usec(ld, m, &s->period_ns))
			return -1;
		return s->period_ns ? 0 : fail(ld, m->line, m->key, "must be > 0");
	}
	if (strcmp(m->key, "count") == 0) {
		if (get_int(ld, m, 1, LLONG_MAX, &n))
			return -1;
		s->count = (uint64_t)n;
		return 0;
	}
	if (strcmp(m->key, "burst") == 0) {
		if (get_int(ld, m, 1, WL_MAX_BURST, &n))
			return -1;
		s->burst = (uint32_t)n;
		return 0;
	}
	return fail(ld, m->line, m->key, "unknown key in a source (expected \"cpu\", "
		    "\"start_us\", \"period_us\", \"count\" and \"burst\")");
}

/* One submission source: a period unless it submits once. */
static int parse_source(struct loader *ld, const struct json_member *sm,
			const struct json_value *v, struct wl_source *s)
{
	struct json_member at = { .key = sm->key, .line = v->line, .value = *v };

	s->burst = 1;
	s->line = v->line;
	if (v->type != JSON_OBJECT)
		return fail_type(ld, &at, "a source object");
	for (size_t k = 0; k < v->len; k++)
		if (check_repeat(ld, v, k) || parse_source_key(ld, &v->members[k], s))
			return -1;
	if (!s->period_ns && s->count != 1)
		return fail(ld, v->line, sm->key, "a source needs \"period_us\" (or \"count\": 1)");
	return 0;
}

static int parse_sources(struct loader *ld, const struct json_member *m, struct wl_ring *r)
{
	const struct json_value *v = &m->value;

	if (v->type != JSON_ARRAY)
		return fail_type(ld, m, "an array of sources");
	if (v->len > WL_MAX_SOURCES)
		return fail(ld, m->line, m->key, "more than %d sources for one ring",
			    WL_MAX_SOURCES);
	r->sources = calloc(v->len + 1, sizeof(*r->sources));
	if (!r->sources)
		return fail(ld, m->line, m->key, "out of memory");
	for (size_t i = 0; i < v->len; i++)
		if (parse_source(ld, m, &v->items[i], &r->sources[r->nr_sources++]))
			return -1;
	return 0;
}

static int parse_ring_key(struct loader *ld, const struct json_member *m, struct wl_ring *r)
{
	if (strcmp(m->key, "idle_us") == 0)
		return get_usec(ld, m, &r->idle_ns);
	if (strcmp(m->key, "poll_us") == 0) {
		if (get_usec(ld, m, &r->poll_ns))
			return -1;
		return r->poll_ns ? 0 : fail(ld, m->line, m->key, "must be > 0: a pass of the "
					     "poll loop takes time");
	}
	if (strcmp(m->key, "consume_us") == 0)
		return get_usec(ld, m, &r->consume_ns);
	if (strcmp(m->key, "entries") == 0) {
		long long n;

		if (get_int(ld, m, 1, WL_MAX_RING_ENTRIES, &n))
			return -1;
		r->entries = (uint32_t)n;
		return 0;
	}
	if (strcmp(m->key, "sources") == 0)
		return parse_sources(ld, m, r);
	return fail(ld, m->line, m->key, "unknown key in a ring (expected \"idle_us\", "
		    "\"poll_us\", \"consume_us\", \"entries\" and \"sources\")");
}

static int parse_ring(struct loader *ld, const struct json_member *rm, struct wl_ring *r)
{
	const struct json_value *v = &rm->value;

	r->line = rm->line;
	r->consumer = -1;
	r->idle_ns = SCHED_RING_IDLE_DEFAULT_NS;
	r->poll_ns = WL_POLL_PASS_NS;
	r->entries = WL_RING_ENTRIES;
	if (dup_string(ld, rm, rm->key, &r->name))
		return -1;
	if (!rm->key[0])
		return fail(ld, rm->line, rm->key, "a ring name must not be empty");
	if (v->type != JSON_OBJECT)
		return fail_type(ld, rm, "a ring object");
	for (size_t k = 0; k < v->len; k++)
		if (check_repeat(ld, v, k) || parse_ring_key(ld, &v->members[k], r))
			return -1;
	return 0;
}

/* in enum wl_lease_cause order, from WL_CAUSE_REVOKE */
static const char *const lease_causes[] = { "revoke", "holder_exit", "service", "session",
					    NULL };

static int parse_lease_key(struct loader *ld, const struct json_member *m, struct wl_lease *l,
			   struct lease_keys *k, const struct json_member **revoke)
{
	int i;

	if (strcmp(m->key, "holder") == 0) {
		k->holder = m;
		return get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &l->holder);
	}
	if (strcmp(m->key, "owner") == 0) {
		k->owner = m;
		return get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &l->owner);
	}
	if (strcmp(m->key, "target") == 0) {
		k->target = m;
		return get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &l->target);
	}
	if (strcmp(m->key, "cpus") == 0) {
		if (m->value.type == JSON_ARRAY && m->value.len == 0)
			return fail(ld, m->line, m->key, "a lease needs at least one CPU");
		return parse_cpus(ld, m, &l->cpus);
	}
	if (strcmp(m->key, "grant_us") == 0)
		return get_usec(ld, m, &l->grant_ns);
	if (strcmp(m->key, "revoke_us") == 0) {
		*revoke = m;
		return get_usec(ld, m, &l->revoke_ns);
	}
	if (strcmp(m->key, "cause") == 0) {
		k->cause = m;
		if (get_choice(ld, m, lease_causes, "\"revoke\", \"holder_exit\", \"service\" "
			       "or \"session\"", &i))
			return -1;
		l->cause = (enum wl_lease_cause)(i + 1);
		return 0;
	}
	return fail(ld, m->line, m->key, "unknown key in a lease (expected \"holder\", \"cpus\", "
		    "\"grant_us\", \"revoke_us\", \"cause\", \"owner\" and \"target\")");
}

/* A lease's own keys; who its holder, owner and target are is settled once the tasks are
 * read (resolve_lease). */
static int parse_lease(struct loader *ld, const struct json_member *lm, struct wl_lease *l,
		       struct lease_keys *k)
{
	const struct json_value *v = &lm->value;
	const struct json_member *revoke = NULL, *grant = NULL;

	l->line = lm->line;
	if (dup_string(ld, lm, lm->key, &l->name))
		return -1;
	if (v->type != JSON_OBJECT)
		return fail_type(ld, lm, "a lease object");
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->members[i];

		if (check_repeat(ld, v, i) || parse_lease_key(ld, m, l, k, &revoke))
			return -1;
		if (strcmp(m->key, "grant_us") == 0)
			grant = m;
	}
	if (!k->holder || !l->cpus || !grant)
		return fail(ld, lm->line, lm->key, "a lease needs \"holder\", \"cpus\" and "
			    "\"grant_us\"");
	if (k->cause && !revoke)
		return fail(ld, k->cause->line, k->cause->key, "a cause needs \"revoke_us\"");
	if (revoke && l->revoke_ns <= l->grant_ns)
		return fail(ld, revoke->line, revoke->key, "must be after grant_us");
	if (revoke && !k->cause)
		l->cause = WL_CAUSE_REVOKE;
	return 0;
}

/* The members of an object of named things ("groups", "rings", "leases"), at most max. */
static int check_named(struct loader *ld, const struct json_member *m, size_t max,
		       const char *what)
{
	if (m->value.type != JSON_OBJECT)
		return fail_type(ld, m, "an object");
	if (m->value.len > max)
		return fail(ld, m->line, m->key, "more than %zu %s", max, what);
	return 0;
}

static int parse_groups(struct loader *ld, const struct json_member *m, struct workload *w)
{
	if (check_named(ld, m, WL_MAX_GROUPS, "groups"))
		return -1;
	w->groups = calloc(m->value.len + 1, sizeof(*w->groups));
	if (!w->groups)
		return fail(ld, m->line, m->key, "out of memory");
	for (size_t i = 0; i < m->value.len; i++)
		if (check_repeat(ld, &m->value, i) ||
		    parse_group(ld, &m->value.members[i], &w->groups[w->nr_groups++]))
			return -1;
	return 0;
}

static int parse_rings(struct loader *ld, const struct json_member *m, struct workload *w)
{
	if (check_named(ld, m, WL_MAX_RINGS, "rings"))
		return -1;
	w->rings = calloc(m->value.len + 1, sizeof(*w->rings));
	if (!w->rings)
		return fail(ld, m->line, m->key, "out of memory");
	for (size_t i = 0; i < m->value.len; i++)
		if (check_repeat(ld, &m->value, i) ||
		    parse_ring(ld, &m->value.members[i], &w->rings[w->nr_rings++]))
			return -1;
	return 0;
}

static int parse_leases(struct loader *ld, const struct json_member *m, struct workload *w)
{
	if (check_named(ld, m, WL_MAX_LEASES, "leases"))
		return -1;
	w->leases = calloc(m->value.len + 1, sizeof(*w->leases));
	ld->lease_keys = calloc(m->value.len + 1, sizeof(*ld->lease_keys));
	if (!w->leases || !ld->lease_keys)
		return fail(ld, m->line, m->key, "out of memory");
	for (size_t i = 0; i < m->value.len; i++)
		if (check_repeat(ld, &m->value, i) ||
		    parse_lease(ld, &m->value.members[i], &w->leases[w->nr_leases++],
				&ld->lease_keys[i]))
			return -1;
	return 0;
}

/* --- IRQ sources ------------------------------------------------------------------------ */

/* What the loader keeps of an IRQ source's timing keys, to check them together. */
struct irq_keys {
	const struct json_member *period, *min_gap, *cost;
};

static int parse_irq_key(struct loader *ld, const struct json_member *m, struct wl_irq *q,
			 struct irq_keys *k, const struct json_member **line)
{
	long long n;

	if (strcmp(m->key, "name") == 0)
		return get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &q->name);
	if (strcmp(m->key, "line") == 0) {
		*line = m;
		if (get_int(ld, m, 0, WL_MAX_IRQ_LINE, &n))
			return -1;
		q->irq = (uint32_t)n;
		return 0;
	}
	if (strcmp(m->key, "cpu") == 0) {
		if (get_int(ld, m, 0, MAX_CPU, &n))
			return -1;
		q->cpu = (unsigned)n;
		return 0;
	}
	if (strcmp(m->key, "period_us") == 0) {
		k->period = m;
		return get_usec(ld, m, &q->period_ns);
	}
	if (strcmp(m->key, "min_gap_us") == 0) {
		k->min_gap = m;
		return get_usec(ld, m, &q->min_gap_ns);
	}
	if (strcmp(m->key, "jitter_us") == 0)
		return get_usec(ld, m, &q->jitter_ns);
	if (strcmp(m->key, "cost_us") == 0) {
		k->cost = m;
		return get_usec(ld, m, &q->cost_ns);
	}
	if (strcmp(m->key, "start_us") == 0)
		return get_usec(ld, m, &q->start_ns);
	if (strcmp(m->key, "count") == 0) {
		if (get_int(ld, m, 1, LLONG_MAX, &n))
			return -1;
		q->count = (uint64_t)n;
		return 0;
	}
	return fail(ld, m->line, m->key, "unknown key in an IRQ source (expected \"name\", "
		    "\"line\", \"cpu\", \"period_us\", \"min_gap_us\", \"jitter_us\", "
		    "\"cost_us\", \"start_us\" and \"count\")");
}

/* Its gap: "period_us" or "min_gap_us" (or both: min gap <= period), > 0; a cost, > 0 and
 * at most the min gap (a handler longer than the gap would never end). */
static int check_irq_times(struct loader *ld, const struct json_value *v, struct wl_irq *q,
			   const struct irq_keys *k)
{
	char a[32], b[32];

	if (!k->period && !k->min_gap)
		return fail(ld, v->line, "irqs", "IRQ source '%s' needs \"period_us\" or "
			    "\"min_gap_us\"", q->name);
	if (!k->cost)
		return fail(ld, v->line, "irqs", "IRQ source '%s' needs \"cost_us\"", q->name);
	if (!k->period)
		q->period_ns = q->min_gap_ns;
	if (!k->min_gap)
		q->min_gap_ns = q->period_ns;
	if (k->period && !q->period_ns)
		return fail(ld, k->period->line, k->period->key, "must be > 0");
	if (k->min_gap && !q->min_gap_ns)
		return fail(ld, k->min_gap->line, k->min_gap->key, "must be > 0");
	if (q->min_gap_ns > q->period_ns)
		return fail(ld, k->min_gap->line, k->min_gap->key, "must be <= period_us (%s us), "
			    "got %s", us_text(a, q->period_ns), us_text(b, q->min_gap_ns));
	if (!q->cost_ns)
		return fail(ld, k->cost->line, k->cost->key, "must be > 0");
	if (q->cost_ns > q->min_gap_ns)
		return fail(ld, k->cost->line, k->cost->key, "must be <= the least gap (%s us): "
			    "a longer handler would never end, got %s", us_text(a, q->min_gap_ns),
			    us_text(b, q->cost_ns));
	return 0;
}

static int parse_irq(struct loader *ld, const struct json_member *sm,
		     const struct json_value *v, struct wl_irq *q)
{
	struct json_member at = { .key = sm->key, .line = v->line, .value = *v };
	const struct json_member *line = NULL;
	struct irq_keys k = { 0 };

	q->line = v->line;
	if (v->type != JSON_OBJECT)
		return fail_type(ld, &at, "an IRQ source object");
	for (size_t i = 0; i < v->len; i++)
		if (check_repeat(ld, v, i) || parse_irq_key(ld, &v->members[i], q, &k, &line))
			return -1;
	if (!q->name || !line)
		return fail(ld, v->line, sm->key, "an IRQ source needs \"name\" and \"line\"");
	return check_irq_times(ld, v, q, &k);
}

/* "irqs": an array of sources, names and lines unique. */
static int parse_irqs(struct loader *ld, const struct json_member *m, struct workload *w)
{
	const struct json_value *v = &m->value;

	if (v->type != JSON_ARRAY)
		return fail_type(ld, m, "an array of IRQ sources");
	if (v->len > WL_MAX_IRQS)
		return fail(ld, m->line, m->key, "more than %d IRQ sources", WL_MAX_IRQS);
	w->irqs = calloc(v->len + 1, sizeof(*w->irqs));
	if (!w->irqs)
		return fail(ld, m->line, m->key, "out of memory");
	for (size_t i = 0; i < v->len; i++) {
		struct wl_irq *q = &w->irqs[w->nr_irqs++];

		if (parse_irq(ld, m, &v->items[i], q))
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(w->irqs[j].name, q->name) == 0)
				return fail(ld, q->line, m->key, "IRQ source name '%s' repeated "
					    "(first at line %u)", q->name, w->irqs[j].line);
			if (w->irqs[j].irq == q->irq)
				return fail(ld, q->line, m->key, "IRQ line %u of '%s' repeated "
					    "('%s', line %u)", q->irq, q->name, w->irqs[j].name,
					    w->irqs[j].line);
		}
	}
	return 0;
}

/* --- memory pools and realtime islands ------------------------------------------------- */

/* "mem_pools": [{"name", "pages"}], names unique. */
static int parse_mem_pools(struct loader *ld, const struct json_member *m, struct workload *w)
{
	const struct json_value *v = &m->value;

	if (v->type != JSON_ARRAY)
		return fail_type(ld, m, "an array of memory pools");
	if (v->len > WL_MAX_MEM_POOLS)
		return fail(ld, m->line, m->key, "more than %d memory pools (libsched's "
			    "SCHED_MEM_POOLS_MAX)", WL_MAX_MEM_POOLS);
	w->mem_pools = calloc(v->len + 1, sizeof(*w->mem_pools));
	if (!w->mem_pools)
		return fail(ld, m->line, m->key, "out of memory");
	for (size_t i = 0; i < v->len; i++) {
		const struct json_value *e = &v->items[i];
		struct json_member at = { .key = m->key, .line = e->line, .value = *e };
		struct wl_mem_pool *pool = &w->mem_pools[w->nr_mem_pools++];
		const struct json_member *pages = NULL;
		long long n;

		pool->line = e->line;
		if (e->type != JSON_OBJECT)
			return fail_type(ld, &at, "a pool object {\"name\", \"pages\"}");
		for (size_t k = 0; k < e->len; k++) {
			const struct json_member *x = &e->members[k];

			if (check_repeat(ld, e, k))
				return -1;
			if (strcmp(x->key, "name") == 0) {
				if (get_string(ld, x, 1) || dup_string(ld, x, x->value.string,
								      &pool->name))
					return -1;
			} else if (strcmp(x->key, "pages") == 0) {
				pages = x;
				if (get_int(ld, x, 1, LLONG_MAX, &n))
					return -1;
				pool->pages = (uint64_t)n;
			} else {
				return fail(ld, x->line, x->key, "unknown key in a memory pool "
					    "(expected \"name\" and \"pages\")");
			}
		}
		if (!pool->name || !pages)
			return fail(ld, e->line, m->key, "a memory pool needs \"name\" and "
				    "\"pages\"");
		for (size_t j = 0; j + 1 < w->nr_mem_pools; j++)
			if (strcmp(w->mem_pools[j].name, pool->name) == 0)
				return fail(ld, e->line, m->key, "memory pool '%s' repeated (first at "
					    "line %u)", pool->name, w->mem_pools[j].line);
	}
	return 0;
}

/* What the loader keeps of an island's name lists until the tasks are known (their lines,
 * for resolve_island's messages). Valid while the JSON document is. */
struct island_keys {
	const struct json_member *group, *servers, *irqs;
};

/* An array of objects or of strings, with at most `max` elements. */
static int check_array(struct loader *ld, const struct json_member *m, size_t max,
		       const char *what)
{
	if (m->value.type != JSON_ARRAY)
		return fail_type(ld, m, what);
	if (m->value.len > max)
		return fail(ld, m->line, m->key, "more than %zu entries (libsched's limit)", max);
	return 0;
}

/* Each element of a member `m` (an array) as a member of its own, at its own line. */
static struct json_member item_of(const struct json_member *m, size_t i)
{
	return (struct json_member){ .key = m->key, .line = m->value.items[i].line,
				     .value = m->value.items[i] };
}

static int parse_member(struct loader *ld, const struct json_member *am, size_t i,
			struct wl_island_member *x)
{
	struct json_member at = item_of(am, i);
	const struct json_value *e = &at.value;
	static const char *const dispatch[] = { "partitioned", "global", NULL };
	const struct json_member *budget = NULL, *period = NULL;
	int d;

	x->line = e->line;
	if (e->type != JSON_OBJECT)
		return fail_type(ld, &at, "a member object");
	for (size_t k = 0; k < e->len; k++) {
		const struct json_member *m = &e->members[k];
		int r = check_repeat(ld, e, k);

		if (r == 0 && strcmp(m->key, "thread") == 0)
			r = get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &x->thread);
		else if (r == 0 && strcmp(m->key, "budget_us") == 0)
			r = get_usec(ld, (budget = m), &x->budget_ns);
		else if (r == 0 && strcmp(m->key, "period_us") == 0)
			r = get_usec(ld, (period = m), &x->period_ns);
		else if (r == 0 && strcmp(m->key, "deadline_us") == 0)
			r = get_usec(ld, m, &x->deadline_ns);
		else if (r == 0 && strcmp(m->key, "dispatch") == 0)
			r = get_choice(ld, m, dispatch, "\"partitioned\" or \"global\"", &d) ? -1
			    : (x->global = d, 0);
		else if (r == 0 && strcmp(m->key, "cpus") == 0)
			r = parse_cpus(ld, m, &x->cpus);
		else if (r == 0)
			r = fail(ld, m->line, m->key, "unknown key in an island member (expected "
				 "\"thread\", \"budget_us\", \"period_us\", \"deadline_us\", "
				 "\"dispatch\" and \"cpus\")");
		if (r)
			return -1;
	}
	if (!x->thread || !budget || !period)
		return fail(ld, e->line, am->key, "an island member needs \"thread\", "
			    "\"budget_us\" and \"period_us\"");
	return 0;
}

static int parse_path(struct loader *ld, const struct json_member *am, size_t i,
		      struct wl_island_path *x)
{
	struct json_member at = item_of(am, i);
	const struct json_value *e = &at.value;
	const struct json_member *cost = NULL;
	long long n;

	x->line = e->line;
	x->calls = 1;
	if (e->type != JSON_OBJECT)
		return fail_type(ld, &at, "a path object");
	for (size_t k = 0; k < e->len; k++) {
		const struct json_member *m = &e->members[k];
		int r = check_repeat(ld, e, k);

		if (r == 0 && strcmp(m->key, "from") == 0)
			r = get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &x->from);
		else if (r == 0 && strcmp(m->key, "to") == 0)
			r = get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &x->to);
		else if (r == 0 && strcmp(m->key, "calls") == 0)
			r = get_int(ld, m, 1, UINT32_MAX, &n) ? -1 : (x->calls = (uint32_t)n, 0);
		else if (r == 0 && strcmp(m->key, "cost_us") == 0)
			r = get_usec(ld, (cost = m), &x->cost_ns);
		else if (r == 0)
			r = fail(ld, m->line, m->key, "unknown key in a path (expected \"from\", "
				 "\"to\", \"calls\" and \"cost_us\")");
		if (r)
			return -1;
	}
	if (!x->from || !x->to || !cost)
		return fail(ld, e->line, am->key, "a path needs \"from\", \"to\" and "
			    "\"cost_us\"");
	return 0;
}

static int parse_booking(struct loader *ld, const struct json_member *am, size_t i,
			 struct wl_island_mem *x)
{
	struct json_member at = item_of(am, i);
	const struct json_value *e = &at.value;
	const struct json_member *pages = NULL;
	long long n;

	x->line = e->line;
	if (e->type != JSON_OBJECT)
		return fail_type(ld, &at, "a booking object {\"pool\", \"pages\"}");
	for (size_t k = 0; k < e->len; k++) {
		const struct json_member *m = &e->members[k];
		int r = check_repeat(ld, e, k);

		if (r == 0 && strcmp(m->key, "pool") == 0)
			r = get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &x->pool);
		else if (r == 0 && strcmp(m->key, "pages") == 0)
			r = get_int(ld, (pages = m), 1, LLONG_MAX, &n) ? -1
			    : (x->pages = (uint64_t)n, 0);
		else if (r == 0)
			r = fail(ld, m->line, m->key, "unknown key in a booking (expected "
				 "\"pool\" and \"pages\")");
		if (r)
			return -1;
	}
	if (!x->pool || !pages)
		return fail(ld, e->line, am->key, "a booking needs \"pool\" and \"pages\"");
	return 0;
}

/* An array of non-empty strings ("servers", "irqs"), in *out. */
static int parse_names(struct loader *ld, const struct json_member *m, size_t max,
		       char ***out, size_t *n)
{
	if (check_array(ld, m, max, "an array of names"))
		return -1;
	*out = calloc(m->value.len + 1, sizeof(**out));
	if (!*out)
		return fail(ld, m->line, m->key, "out of memory");
	for (size_t i = 0; i < m->value.len; i++) {
		struct json_member at = item_of(m, i);

		if (get_string(ld, &at, 1) || dup_string(ld, &at, at.value.string, &(*out)[(*n)++]))
			return -1;
	}
	return 0;
}

/* Room for the elements of array `m` (and one more, so never NULL). */
static void *alloc_items(struct loader *ld, const struct json_member *m, size_t size)
{
	void *p = calloc(m->value.len + 1, size);

	if (!p)
		fail(ld, m->line, m->key, "out of memory");
	return p;
}

/* in enum wl_overrun order; "notify" is "notify_block" (the island's word for it) */
static const char *const island_overruns[] = { "throttle", "demote", "notify_block", "notify",
					       NULL };

static int parse_island_key(struct loader *ld, const struct json_member *m, struct wl_island *x,
			    struct island_keys *k)
{
	static const char *const modes[] = { "leased", "shared", NULL };
	int i;

	if (strcmp(m->key, "name") == 0)
		return get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &x->name);
	if (strcmp(m->key, "group") == 0) {
		k->group = m;
		return get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &x->group);
	}
	if (strcmp(m->key, "cpus") == 0)
		return parse_cpus(ld, m, &x->cpus);
	if (strcmp(m->key, "mode") == 0)
		return get_choice(ld, m, modes, "\"leased\" or \"shared\"", &x->shared);
	if (strcmp(m->key, "overrun") == 0) {
		if (get_choice(ld, m, island_overruns, "\"throttle\", \"demote\" or \"notify\"",
			       &i))
			return -1;
		x->overrun = i == 3 ? WL_OVERRUN_NOTIFY_BLOCK : (enum wl_overrun)i;
		return 0;
	}
	if (strcmp(m->key, "at_us") == 0)
		return get_usec(ld, m, &x->at_ns);
	if (strcmp(m->key, "members") == 0) {
		if (check_array(ld, m, WL_MAX_ISLAND_MEMBERS, "an array of members") ||
		    !(x->members = alloc_items(ld, m, sizeof(*x->members))))
			return -1;
		for (size_t j = 0; j < m->value.len; j++)
			if (parse_member(ld, m, j, &x->members[x->nr_members++]))
				return -1;
		return 0;
	}
	if (strcmp(m->key, "paths") == 0) {
		if (check_array(ld, m, WL_MAX_ISLAND_PATHS, "an array of paths") ||
		    !(x->paths = alloc_items(ld, m, sizeof(*x->paths))))
			return -1;
		for (size_t j = 0; j < m->value.len; j++)
			if (parse_path(ld, m, j, &x->paths[x->nr_paths++]))
				return -1;
		return 0;
	}
	if (strcmp(m->key, "mem") == 0) {
		if (check_array(ld, m, WL_MAX_ISLAND_MEM, "an array of bookings") ||
		    !(x->mem = alloc_items(ld, m, sizeof(*x->mem))))
			return -1;
		for (size_t j = 0; j < m->value.len; j++)
			if (parse_booking(ld, m, j, &x->mem[x->nr_mem++]))
				return -1;
		return 0;
	}
	if (strcmp(m->key, "servers") == 0) {
		k->servers = m;
		return parse_names(ld, m, WL_MAX_ISLAND_SERVERS, &x->servers, &x->nr_servers);
	}
	if (strcmp(m->key, "irqs") == 0) {
		k->irqs = m;
		return parse_names(ld, m, WL_MAX_ISLAND_IRQS, &x->irqs, &x->nr_irqs);
	}
	return fail(ld, m->line, m->key, "unknown key in an island (expected \"name\", "
		    "\"group\", \"cpus\", \"mode\", \"overrun\", \"members\", \"servers\", "
		    "\"paths\", \"irqs\", \"mem\" and \"at_us\")");
}

static int parse_island(struct loader *ld, const struct json_member *am, size_t i,
			struct wl_island *x)
{
	struct json_member at = item_of(am, i);
	const struct json_value *e = &at.value;
	struct island_keys *k = &ld->island_keys[i];

	x->line = e->line;
	if (e->type != JSON_OBJECT)
		return fail_type(ld, &at, "an island object");
	for (size_t j = 0; j < e->len; j++)
		if (check_repeat(ld, e, j) || parse_island_key(ld, &e->members[j], x, k))
			return -1;
	if (!x->name || !x->group || !x->cpus || !x->nr_members)
		return fail(ld, e->line, am->key, "an island needs \"name\", \"group\", "
			    "\"cpus\" and \"members\" (at least one)");
	return 0;
}

static int parse_islands(struct loader *ld, const struct json_member *m, struct workload *w)
{
	if (check_array(ld, m, WL_MAX_ISLANDS, "an array of islands") ||
	    !(ld->island_keys = alloc_items(ld, m, sizeof(*ld->island_keys))) ||
	    !(w->islands = alloc_items(ld, m, sizeof(*w->islands))))
		return -1;
	for (size_t i = 0; i < m->value.len; i++) {
		struct wl_island *x = &w->islands[w->nr_islands++];

		if (parse_island(ld, m, i, x))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(w->islands[j].name, x->name) == 0)
				return fail(ld, x->line, m->key, "island '%s' repeated (first at "
					    "line %u)", x->name, w->islands[j].line);
	}
	return 0;
}

/* The top-level "libsched" object: read before the tasks, which name its rings. */
/* The memory write bandwidth that prices rt-app's "mem" events, MB/s (10^6 bytes). */
static int parse_mem_rate(struct loader *ld, const struct json_member *m, struct workload *w)
{
	long long n;

	if (get_int(ld, m, 1, 1000000000, &n))
		return -1;
	w->mem_mb_s = (uint64_t)n;
	return 0;
}

static int parse_section(struct loader *ld, const struct json_member *sm, struct workload *w)
{
	const struct json_value *v = &sm->value;

	if (v->type != JSON_OBJECT)
		return fail_type(ld, sm, "an object");
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->members[i];
		int r = check_repeat(ld, v, i);

		if (r == 0 && strcmp(m->key, "groups") == 0)
			r = parse_groups(ld, m, w);
		else if (r == 0 && strcmp(m->key, "rings") == 0)
			r = parse_rings(ld, m, w);
		else if (r == 0 && strcmp(m->key, "leases") == 0)
			r = parse_leases(ld, m, w);
		else if (r == 0 && strcmp(m->key, "irqs") == 0)
			r = parse_irqs(ld, m, w);
		else if (r == 0 && strcmp(m->key, "mem_pools") == 0)
			r = parse_mem_pools(ld, m, w);
		else if (r == 0 && strcmp(m->key, "islands") == 0)
			r = parse_islands(ld, m, w);
		else if (r == 0 && strcmp(m->key, "mem_mb_s") == 0)
			r = parse_mem_rate(ld, m, w);
		else if (r == 0 && strcmp(m->key, "io_call_us") == 0)
			r = get_usec(ld, m, &w->io_call_ns);
		else if (r == 0)
			r = fail(ld, m->line, m->key, "unknown key in the top-level \"libsched\" "
				 "(expected \"groups\", \"rings\", \"leases\", \"irqs\", "
				 "\"mem_pools\", \"islands\", \"mem_mb_s\" and \"io_call_us\")");
		if (r)
			return -1;
	}
	return 0;
}

/* --- names across the file: groups and lease holders ------------------------------------ */

static const struct wl_group *declared_group(const struct workload *w, const char *name)
{
	for (size_t i = 0; i < w->nr_groups; i++)
		if (strcmp(w->groups[i].name, name) == 0)
			return &w->groups[i];
	return NULL;
}

/* A group is declared in "groups", or named by a task's libsched "group". */
static int group_exists(const struct workload *w, const char *name)
{
	if (declared_group(w, name))
		return 1;
	for (size_t i = 0; i < w->nr_tasks; i++)
		if (w->tasks[i].group && strcmp(w->tasks[i].group, name) == 0)
			return 1;
	return 0;
}

/* Its kind and parent: a group that is only named by tasks is a top-level process. */
static enum wl_group_kind group_kind(const struct workload *w, const char *name)
{
	const struct wl_group *g = declared_group(w, name);

	return g ? g->kind : WL_GROUP_PROCESS;
}

static const char *group_parent(const struct workload *w, const char *name)
{
	const struct wl_group *g = declared_group(w, name);

	return g ? g->parent : NULL;
}

/* True if group `name` is `above` or below it (parents checked acyclic and shallow). */
static int group_below(const struct workload *w, const char *name, const char *above)
{
	for (int d = 0; name && d < SCHED_GROUP_DEPTH_MAX; d++, name = group_parent(w, name))
		if (strcmp(name, above) == 0)
			return 1;
	return 0;
}

/* Every parent is a known group, and nests at most libsched's SCHED_GROUP_DEPTH_MAX deep
 * (which a cycle never does). */
static int check_group_parents(struct loader *ld, const struct workload *w)
{
	for (size_t i = 0; i < w->nr_groups; i++) {
		const struct wl_group *g = &w->groups[i];
		const char *p = g->name;
		int depth = 0;

		if (g->parent && !group_exists(w, g->parent))
			return fail(ld, g->line, g->name, "no group '%s' for its parent", g->parent);
		while (p && ++depth <= SCHED_GROUP_DEPTH_MAX)
			p = group_parent(w, p);
		if (p)
			return fail(ld, g->line, g->name, "groups nest at most %d deep (libsched's "
				    "SCHED_GROUP_DEPTH_MAX), and never in a cycle",
				    SCHED_GROUP_DEPTH_MAX);
	}
	return 0;
}

/* The index of task `name`, -1 if there is none (ld->names is sorted by name). */
static int task_index(const struct loader *ld, const struct workload *w, const char *name)
{
	size_t lo = 0, hi = w->nr_tasks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ld->names[mid].name, name);

		if (c == 0)
			return (int)ld->names[mid].index;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The holder: one task of one instance, or a group; not a name that is both. */
static int resolve_holder(struct loader *ld, const struct workload *w, struct wl_lease *l,
			  const struct lease_keys *k)
{
	const struct json_member *m = k->holder;
	int task = task_index(ld, w, l->holder), group = group_exists(w, l->holder);

	if (task >= 0 && group)
		return fail(ld, m->line, m->key, "'%s' names a task and a group: rename one",
			    l->holder);
	if (task < 0 && !group)
		return fail(ld, m->line, m->key, "no task or group named '%s'", l->holder);
	if (task >= 0 && w->tasks[task].instances != 1)
		return fail(ld, m->line, m->key, "task '%s' has %u instances: a lease holds one "
			    "thread (put them in a group and lease to it)", l->holder,
			    w->tasks[task].instances);
	l->holder_task = task;
	return 0;
}

/*
 * What the revocation names. service and session: revoke_owned on a group of that kind
 * that holds the holder (its group, or a group above it), "owner" or by default the
 * holder's own group. holder_exit of a group: revoke_owned on it, a process, after its
 * threads exit (that of a task: its thread exits, which revokes by itself).
 */
static int resolve_owner(struct loader *ld, const struct workload *w, struct wl_lease *l,
			 const struct lease_keys *k)
{
	const char *own = l->holder_task >= 0 ? w->tasks[l->holder_task].group : l->holder;
	enum wl_group_kind want = l->cause == WL_CAUSE_SESSION ? WL_GROUP_SESSION
							      : WL_GROUP_SERVICE;
	const struct json_member *m = k->owner ? k->owner : k->cause;

	if (k->owner && l->cause != WL_CAUSE_SERVICE && l->cause != WL_CAUSE_SESSION)
		return fail(ld, m->line, m->key, "an owner is for the causes \"service\" and "
			    "\"session\"");
	if (l->cause == WL_CAUSE_HOLDER_EXIT && l->holder_task < 0) {
		if (group_kind(w, l->holder) != WL_GROUP_PROCESS)
			return fail(ld, m->line, m->key, "group '%s' is a %s: the exit of a "
				    "group holder is a process's (\"kind\": \"process\")",
				    l->holder, group_kinds[group_kind(w, l->holder)]);
		return dup_string(ld, m, l->holder, &l->owner);
	}
	if (l->cause != WL_CAUSE_SERVICE && l->cause != WL_CAUSE_SESSION)
		return 0;
	if (!l->owner && !own)
		return fail(ld, m->line, m->key, "task '%s' has no group: name the %s group that "
			    "holds it (\"owner\")", l->holder, group_kinds[want]);
	if (!l->owner && dup_string(ld, m, own, &l->owner))
		return -1;
	if (!group_exists(w, l->owner))
		return fail(ld, m->line, m->key, "no group named '%s'", l->owner);
	if (group_kind(w, l->owner) != want)
		return fail(ld, m->line, m->key, "group '%s' is a %s, not a %s", l->owner,
			    group_kinds[group_kind(w, l->owner)], group_kinds[want]);
	if (!own || !group_below(w, own, l->owner))
		return fail(ld, m->line, m->key, "the holder '%s' is not in group '%s': its "
			    "revocation would not end this lease", l->holder, l->owner);
	return 0;
}

static int resolve_lease(struct loader *ld, const struct workload *w, struct wl_lease *l,
			 const struct lease_keys *k)
{
	if (resolve_holder(ld, w, l, k) || resolve_owner(ld, w, l, k))
		return -1;
	if (l->target && !group_exists(w, l->target))
		return fail(ld, k->target->line, k->target->key, "no group named '%s'", l->target);
	return 0;
}

/* --- islands: the names they give ---------------------------------------------------------- */

/* A task that is one thread (one instance), by name: its index, or -1 with a message. */
static int one_thread_of(struct loader *ld, const struct workload *w, unsigned line,
			 const char *key, const char *name, const char *why)
{
	int t = task_index(ld, w, name);

	if (t < 0)
		return fail(ld, line, key, "no task named '%s'", name);
	if (w->tasks[t].instances != 1)
		return fail(ld, line, key, "task '%s' has %u instances: %s (a task of one "
			    "instance)", name, w->tasks[t].instances, why);
	return t;
}

static int one_thread(struct loader *ld, const struct workload *w, unsigned line,
		      const char *key, const char *name)
{
	int t = task_index(ld, w, name);

	if (t < 0)
		return fail(ld, line, key, "no task named '%s'", name);
	if (w->tasks[t].instances != 1)
		return fail(ld, line, key, "task '%s' has %u instances: an island names threads "
			    "(tasks of one instance)", name, w->tasks[t].instances);
	return t;
}

/* The island before island `upto` that names task t (as a member or a server), or NULL. */
static const struct wl_island *task_island(const struct workload *w, size_t upto, int t)
{
	for (size_t i = 0; i < upto; i++) {
		const struct wl_island *x = &w->islands[i];

		for (size_t k = 0; k < x->nr_members; k++)
			if (x->members[k].task == t)
				return x;
		for (size_t k = 0; k < x->nr_servers; k++)
			if (x->server_task[k] == t)
				return x;
	}
	return NULL;
}

/* The task's group is the island's: its SC is bound to it (members), or it runs on the
 * island's CPUs, which a leased island keeps for its group (servers). */
static int check_island_group(struct loader *ld, const struct wl_island *x,
			      const struct wl_task *t, unsigned line, const char *key)
{
	if (t->group && strcmp(t->group, x->group) == 0)
		return 0;
	return fail(ld, line, key, "task '%s' is not in island '%s''s group '%s' (its "
		    "libsched \"group\": %s)", t->name, x->name, x->group,
		    t->group ? t->group : "none");
}

/* A task named by island i, in no earlier island, and not twice in this one (`seen` of
 * its names are checked already: members, then servers). */
static int check_named_once(struct loader *ld, const struct workload *w, size_t i, int t,
			    unsigned line, const char *key)
{
	const struct wl_island *other = task_island(w, i, t);

	if (other)
		return fail(ld, line, key, "task '%s' is in island '%s' already", w->tasks[t].name,
			    other->name);
	return 0;
}

static int resolve_members(struct loader *ld, const struct workload *w, size_t i)
{
	const struct wl_island *x = &w->islands[i];

	for (size_t k = 0; k < x->nr_members; k++) {
		struct wl_island_member *m = &x->members[k];
		const struct wl_task *t;

		if ((m->task = one_thread(ld, w, m->line, "thread", m->thread)) < 0 ||
		    check_named_once(ld, w, i, m->task, m->line, "thread"))
			return -1;
		for (size_t j = 0; j < k; j++)
			if (x->members[j].task == m->task)
				return fail(ld, m->line, "thread", "thread '%s' is a member twice",
					    m->thread);
		t = &w->tasks[m->task];
		if (t->policy == WL_POLICY_DEADLINE || t->passive || t->poll)
			return fail(ld, m->line, "thread", "task '%s' is %s: a member's thread runs "
				    "on the island's SC", m->thread, t->passive ? "passive"
				    : t->poll ? "a poller" : "SCHED_DEADLINE (it has an SC of its own)");
		if (check_island_group(ld, x, t, m->line, "thread"))
			return -1;
	}
	return 0;
}

static int resolve_servers(struct loader *ld, const struct workload *w, size_t i)
{
	struct wl_island *x = &w->islands[i];
	const struct json_member *km = ld->island_keys[i].servers;

	x->server_task = calloc(x->nr_servers + 1, sizeof(*x->server_task));
	if (!x->server_task)
		return fail(ld, x->line, "servers", "out of memory");
	for (size_t k = 0; k < x->nr_servers; k++) {
		unsigned line = km->value.items[k].line;
		int t = one_thread(ld, w, line, km->key, x->servers[k]);

		if (t < 0 || check_named_once(ld, w, i, t, line, km->key))
			return -1;
		for (size_t j = 0; j < x->nr_members; j++)
			if (x->members[j].task == t)
				return fail(ld, line, km->key, "'%s' is a member: a server is "
					    "another thread", x->servers[k]);
		for (size_t j = 0; j < k; j++)
			if (x->server_task[j] == t)
				return fail(ld, line, km->key, "server '%s' repeated", x->servers[k]);
		if (!x->shared && check_island_group(ld, x, &w->tasks[t], line, km->key))
			return -1;
		x->server_task[k] = t;
	}
	return 0;
}

/* The index of `name` among the island's servers, or -1. */
static int server_index(const struct wl_island *x, const char *name)
{
	for (size_t k = 0; k < x->nr_servers; k++)
		if (strcmp(x->servers[k], name) == 0)
			return (int)k;
	return -1;
}

static int resolve_paths(struct loader *ld, const struct workload *w, struct wl_island *x)
{
	for (size_t k = 0; k < x->nr_paths; k++) {
		struct wl_island_path *p = &x->paths[k];

		p->from_member = p->from_server = -1;
		for (size_t j = 0; j < x->nr_members; j++)
			if (strcmp(x->members[j].thread, p->from) == 0)
				p->from_member = (int)j;
		if (p->from_member < 0)
			p->from_server = server_index(x, p->from);
		if (p->from_member < 0 && p->from_server < 0)
			return fail(ld, p->line, "from", "'%s' is no member's thread or server of "
				    "island '%s'", p->from, x->name);
		if ((p->to_server = server_index(x, p->to)) < 0)
			return fail(ld, p->line, "to", "'%s' is no server of island '%s'", p->to,
				    x->name);
	}
	(void)w;
	return 0;
}

static int resolve_irqs_mem(struct loader *ld, const struct workload *w, size_t i)
{
	struct wl_island *x = &w->islands[i];
	const struct json_member *km = ld->island_keys[i].irqs;

	x->irq_index = calloc(x->nr_irqs + 1, sizeof(*x->irq_index));
	if (!x->irq_index)
		return fail(ld, x->line, "irqs", "out of memory");
	for (size_t k = 0; k < x->nr_irqs; k++) {
		size_t j = 0;

		while (j < w->nr_irqs && strcmp(w->irqs[j].name, x->irqs[k]) != 0)
			j++;
		if (j == w->nr_irqs)
			return fail(ld, km->value.items[k].line, km->key, "no IRQ source named '%s' "
				    "in the top-level \"libsched\" \"irqs\"", x->irqs[k]);
		x->irq_index[k] = (uint32_t)j;
	}
	for (size_t k = 0; k < x->nr_mem; k++) {
		struct wl_island_mem *b = &x->mem[k];
		size_t j = 0;

		while (j < w->nr_mem_pools && strcmp(w->mem_pools[j].name, b->pool) != 0)
			j++;
		if (j == w->nr_mem_pools)
			return fail(ld, b->line, "pool", "no memory pool named '%s' in the "
				    "top-level \"libsched\" \"mem_pools\"", b->pool);
		b->pool_index = (uint32_t)j;
	}
	return 0;
}

/* Island i's names: its group, member threads, servers, paths' ends, IRQ sources, pools.
 * What libsched decides (a server that is not passive, a member's CPUs outside the
 * island's, the analysis) is left to its admission, which schedsim reports. */
static int resolve_island(struct loader *ld, const struct workload *w, size_t i)
{
	struct wl_island *x = &w->islands[i];
	const struct json_member *g = ld->island_keys[i].group;

	if (!group_exists(w, x->group))
		return fail(ld, g->line, g->key, "no group named '%s'", x->group);
	if (resolve_members(ld, w, i) || resolve_servers(ld, w, i) || resolve_paths(ld, w, x))
		return -1;
	return resolve_irqs_mem(ld, w, i);
}

/* --- the policy service: requests, the service and its faults, task graphs -------------- */

/* in enum wl_req_kind order */
static const char *const request_kinds[] = { "profile", "admit_sc", "budget", "lease",
					     "lease_revoke", "island", "graph", "explain", NULL };

/* The keys of a request, and which kinds take them (RK_ bits by enum wl_req_kind). */
enum { RQ_AT, RQ_KIND, RQ_TIMEOUT, RQ_PROFILE, RQ_FOR, RQ_SC, RQ_BUDGET, RQ_PERIOD,
       RQ_DEADLINE, RQ_CPUS, RQ_GRAPH, RQ_ISLAND, RQ_NR };

static const char *const request_keys[RQ_NR] = {
	"at_ms", "kind", "timeout_ms", "profile", "for", "sc", "budget_us", "period_us",
	"deadline_us", "cpus", "graph", "island",
};

#define RQ(k) (1u << RQ_##k)
#define RQ_ANY (RQ(AT) | RQ(KIND) | RQ(TIMEOUT))

/* Per kind: the keys it takes, and those it needs. */
static const struct {
	unsigned takes, needs;
} request_shape[WL_REQ_NR] = {
	[WL_REQ_PROFILE] = { RQ_ANY | RQ(PROFILE) | RQ(FOR), 0 },
	[WL_REQ_ADMIT_SC] = { RQ_ANY | RQ(BUDGET) | RQ(PERIOD) | RQ(DEADLINE) | RQ(CPUS) | RQ(FOR),
			      RQ(BUDGET) | RQ(PERIOD) },
	[WL_REQ_BUDGET] = { RQ_ANY | RQ(SC) | RQ(BUDGET) | RQ(PERIOD) | RQ(DEADLINE),
			    RQ(BUDGET) | RQ(PERIOD) },
	[WL_REQ_LEASE] = { RQ_ANY | RQ(CPUS) | RQ(FOR), RQ(CPUS) },
	[WL_REQ_LEASE_REVOKE] = { RQ_ANY | RQ(FOR), 0 },
	[WL_REQ_ISLAND] = { RQ_ANY | RQ(ISLAND), RQ(ISLAND) },
	[WL_REQ_GRAPH] = { RQ_ANY | RQ(GRAPH), RQ(GRAPH) },
	[WL_REQ_EXPLAIN] = { RQ_ANY | RQ(FOR), 0 },
};

/* A duration in milliseconds, integer or decimal, rounded to the nearest nanosecond. */
static int get_msec(struct loader *ld, const struct json_member *m, uint64_t *ns)
{
	const struct json_value *v = &m->value;

	if (v->type != JSON_NUMBER)
		return fail_type(ld, m, "a number of milliseconds");
	if (v->number < 0)
		return fail(ld, m->line, m->key, "must not be negative, got %g", v->number);
	if (v->number > WL_MAX_TIME_US / 1000)
		return fail(ld, m->line, m->key, "must be <= %g ms, got %g", WL_MAX_TIME_US / 1000,
			    v->number);
	if (v->is_int)
		*ns = (uint64_t)v->integer * 1000000u;
	else
		*ns = (uint64_t)(v->number * 1e6 + 0.5);
	return 0;
}

/* A name of the manifest's rules: non-empty, at most WL_MAX_POLICY_NAME bytes. */
static int get_policy_name(struct loader *ld, const struct json_member *m, char **out)
{
	if (get_string(ld, m, 1))
		return -1;
	if (strlen(m->value.string) > WL_MAX_POLICY_NAME)
		return fail(ld, m->line, m->key, "at most %d bytes (the manifest's names)",
			    WL_MAX_POLICY_NAME);
	return dup_string(ld, m, m->value.string, out);
}

/* One key of a request; *seen gets its RQ_ bit. */
static int parse_request_key(struct loader *ld, const struct json_member *m,
			     struct wl_request *r, unsigned *seen)
{
	int k, i;

	for (k = 0; k < RQ_NR && strcmp(m->key, request_keys[k]); k++)
		;
	if (k == RQ_NR)
		return fail(ld, m->line, m->key, "unknown key in a request (expected \"at_ms\", "
			    "\"kind\", \"timeout_ms\", \"profile\", \"for\", \"sc\", "
			    "\"budget_us\", \"period_us\", \"deadline_us\", \"cpus\", \"graph\" "
			    "and \"island\")");
	*seen |= 1u << k;
	switch (k) {
	case RQ_AT:
		return get_msec(ld, m, &r->at_ns);
	case RQ_KIND:
		if (get_choice(ld, m, request_kinds, "\"profile\", \"admit_sc\", \"budget\", "
			       "\"lease\", \"lease_revoke\", \"island\", \"graph\" or "
			       "\"explain\"", &i))
			return -1;
		r->kind = (enum wl_req_kind)i;
		return 0;
	case RQ_TIMEOUT:
		if (get_msec(ld, m, &r->timeout_ns))
			return -1;
		return r->timeout_ns ? 0 : fail(ld, m->line, m->key, "must be > 0");
	case RQ_PROFILE:
		if (get_string(ld, m, 1))
			return -1;
		if (strlen(m->value.string) >= SCHED_PROFILE_NAME_MAX)
			return fail(ld, m->line, m->key, "at most %d bytes (libsched's "
				    "SCHED_PROFILE_NAME_MAX)", SCHED_PROFILE_NAME_MAX - 1);
		return dup_string(ld, m, m->value.string, &r->profile);
	case RQ_FOR:
		return get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &r->target);
	case RQ_SC:
		return get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &r->sc);
	case RQ_BUDGET:
		return get_usec(ld, m, &r->budget_ns);
	case RQ_PERIOD:
		return get_usec(ld, m, &r->period_ns);
	case RQ_DEADLINE:
		return get_usec(ld, m, &r->deadline_ns);
	case RQ_CPUS:
		return parse_cpus(ld, m, &r->cpus);
	default: /* RQ_GRAPH, RQ_ISLAND */
		return get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &r->name);
	}
}

/* A request: its kind first needed, then the keys it takes and needs. */
static int parse_request(struct loader *ld, const struct json_member *am, size_t i,
			 struct wl_request *r)
{
	struct json_member at = item_of(am, i);
	const struct json_value *e = &at.value;
	unsigned seen = 0, extra, missing;

	r->line = e->line;
	r->target_task = r->sc_task = r->index = -1;
	if (e->type != JSON_OBJECT)
		return fail_type(ld, &at, "a request object");
	for (size_t k = 0; k < e->len; k++)
		if (check_repeat(ld, e, k) || parse_request_key(ld, &e->members[k], r, &seen))
			return -1;
	if (!(seen & RQ(KIND)))
		return fail(ld, e->line, am->key, "a request needs a \"kind\"");
	extra = seen & ~request_shape[r->kind].takes;
	missing = request_shape[r->kind].needs & ~seen;
	for (int k = 0; k < RQ_NR; k++) {
		if (extra >> k & 1)
			return fail(ld, e->line, request_keys[k], "not a key of a \"%s\" request",
				    request_kinds[r->kind]);
		if (missing >> k & 1)
			return fail(ld, e->line, am->key, "a \"%s\" request needs \"%s\"",
				    request_kinds[r->kind], request_keys[k]);
	}
	return 0;
}

/* libsched "requests": made in file order by each thread of the task, before its program. */
static int parse_requests(struct loader *ld, const struct json_member *m, struct wl_task *t)
{
	if (m->value.type != JSON_ARRAY)
		return fail_type(ld, m, "an array of requests");
	if (m->value.len > WL_MAX_REQUESTS)
		return fail(ld, m->line, m->key, "more than %d requests", WL_MAX_REQUESTS);
	if (!(t->requests = alloc_items(ld, m, sizeof(*t->requests))))
		return -1;
	for (size_t i = 0; i < m->value.len; i++)
		if (parse_request(ld, m, i, &t->requests[t->nr_requests++]))
			return -1;
	return 0;
}

/* The task keys of the policy service in "libsched". Returns 1 if `m` is not one. */
static int parse_policy_task_key(struct loader *ld, const struct json_member *m,
				 struct wl_task *t)
{
	long long n;

	if (strcmp(m->key, "process") == 0)
		return get_policy_name(ld, m, &t->process);
	if (strcmp(m->key, "service") == 0)
		return get_policy_name(ld, m, &t->service);
	if (strcmp(m->key, "session") == 0) {
		if (get_int(ld, m, 1, UINT32_MAX, &n))
			return -1;
		t->session = (uint32_t)n;
		return 0;
	}
	if (strcmp(m->key, "requests") == 0)
		return parse_requests(ld, m, t);
	return 1;
}

/* The graph and node of the stage that task `name` is, or -1. */
static int stage_of(const struct loader *ld, const char *name, unsigned *node)
{
	const struct wl_policy_section *p = ld->w->policy;

	for (size_t g = 0; p && g < p->nr_graphs; g++)
		for (size_t i = 0; i < p->graphs[g].nr_nodes; i++)
			if (strcmp(p->graphs[g].nodes[i].task, name) == 0) {
				*node = (unsigned)i;
				return (int)g;
			}
	return -1;
}

/*
 * A graph stage's program, the loader's: the first stage waits for the graph's period (an
 * absolute timer: its ticks are the graph's releases), the others for the previous stage's
 * signal; each runs its cost and signals the next, and the last ends the instance. So a
 * stage has no events, phases or loop of its own, and one instance.
 */
static int stage_program(struct loader *ld, const struct json_member *tm, struct wl_task *t,
			 const struct json_member *program, const struct dl_keys *k)
{
	const struct wl_graph *g = &ld->w->policy->graphs[t->graph];
	const struct wl_graph_node *n = &g->nodes[t->node];
	const struct json_member *bad = program ? program : k->loop ? k->loop : k->poll;
	struct wl_phase *ph;
	struct wl_event *ev;
	int last = t->node + 1 == g->nr_nodes;

	if (bad)
		return fail(ld, bad->line, bad->key, "task '%s' is stage %u of graph '%s' (line "
			    "%u): its program is the graph's, without events, phases, loop or poll",
			    t->name, t->node, g->name, n->line);
	if (t->instances != 1)
		return fail(ld, k->instance->line, k->instance->key, "a graph stage is one "
			    "thread: one instance");
	if (t->passive)
		return fail(ld, k->passive->line, k->passive->key, "a graph stage runs by itself: "
			    "it cannot be passive");
	t->phases = ph = calloc(1, sizeof(*t->phases));
	if (!ph || !(ph->events = ev = calloc(3, sizeof(*ph->events))))
		return fail(ld, tm->line, tm->key, "out of memory");
	t->nr_phases = 1;
	ph->loop = 1;
	ph->nr_events = 3;
	if (t->node == 0)
		ev[0] = (struct wl_event){ .kind = WL_TIMER, .ns = g->period_ns, .absolute = 1 };
	else
		ev[0] = (struct wl_event){ .kind = WL_STAGE_WAIT };
	ev[1] = (struct wl_event){ .kind = WL_RUN, .ns = n->cost_ns };
	ev[2] = (struct wl_event){ .kind = last ? WL_STAGE_END : WL_STAGE_SIGNAL };
	for (int e = 0; e < 3; e++) {
		ev[e].line = n->line;
		ev[e].added = 1;
		ev[e].ring = (uint32_t)t->graph;
		ev[e].count = e == 2 && !last ? t->node + 1 : t->node;
	}
	return dup_string(ld, tm, tm->key, &ph->name);
}

/* A task with requests and no events: its program ends once they are made (one event of
 * no time, run once). */
static int requests_program(struct loader *ld, const struct json_member *tm, struct wl_task *t,
			    const struct dl_keys *k)
{
	struct wl_phase *ph;

	if (k->loop)
		return fail(ld, k->loop->line, k->loop->key, "task '%s' has requests and no "
			    "events: it ends once its requests are made, so it has no loop",
			    t->name);
	t->phases = ph = calloc(1, sizeof(*t->phases));
	if (!ph || !(ph->events = calloc(1, sizeof(*ph->events))))
		return fail(ld, tm->line, tm->key, "out of memory");
	t->nr_phases = 1;
	t->loop = 1;
	ph->loop = 1;
	ph->nr_events = 1;
	ph->events[0] = (struct wl_event){ .kind = WL_RUN, .ns = 0, .line = tm->line,
					   .added = 1 };
	return dup_string(ld, tm, tm->key, &ph->name);
}

/* The manifest: a path relative to the workload's directory, or an array of its lines. */
static int read_manifest_file(struct loader *ld, const struct json_member *m,
			      struct wl_policy_section *p)
{
	const char *slash = strrchr(ld->file, '/');
	size_t dir = slash && m->value.string[0] != '/' ? (size_t)(slash - ld->file) + 1 : 0;
	char *path = malloc(dir + strlen(m->value.string) + 1);
	struct stat st;
	FILE *f;
	size_t len;

	if (!path)
		return fail(ld, m->line, m->key, "out of memory");
	memcpy(path, ld->file, dir);
	strcpy(path + dir, m->value.string);
	/* a regular file only: a FIFO or a terminal could block the load for ever */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		free(path);
		return fail(ld, m->line, m->key, "%s: not a regular file", m->value.string);
	}
	f = fopen(path, "rb");
	free(path);
	if (!f)
		return fail(ld, m->line, m->key, "%s: %s", m->value.string, strerror(errno));
	p->manifest = malloc(WL_MAX_MANIFEST + 1);
	len = p->manifest ? fread(p->manifest, 1, WL_MAX_MANIFEST + 1, f) : 0;
	fclose(f);
	if (!p->manifest)
		return fail(ld, m->line, m->key, "out of memory");
	if (len > WL_MAX_MANIFEST)
		return fail(ld, m->line, m->key, "%s: larger than %u bytes", m->value.string,
			    WL_MAX_MANIFEST);
	p->manifest[len] = '\0';
	if (strlen(p->manifest) != len)
		return fail(ld, m->line, m->key, "%s: contains a NUL byte", m->value.string);
	return dup_string(ld, m, m->value.string, &p->manifest_name);
}

static int read_manifest_lines(struct loader *ld, const struct json_member *m,
			       struct wl_policy_section *p)
{
	size_t len = 0, at = 0;

	for (size_t i = 0; i < m->value.len; i++) {
		struct json_member line = item_of(m, i);

		if (get_string(ld, &line, 0))
			return -1;
		if (strchr(line.value.string, '\n'))
			return fail(ld, line.line, m->key, "one line per string");
		len += strlen(line.value.string) + 1;
	}
	if (len > WL_MAX_MANIFEST)
		return fail(ld, m->line, m->key, "larger than %u bytes", WL_MAX_MANIFEST);
	p->manifest = malloc(len + 1);
	if (!p->manifest)
		return fail(ld, m->line, m->key, "out of memory");
	for (size_t i = 0; i < m->value.len; i++) {
		size_t n = strlen(m->value.items[i].string);

		memcpy(p->manifest + at, m->value.items[i].string, n);
		at += n;
		p->manifest[at++] = '\n';
	}
	p->manifest[at] = '\0';
	return dup_string(ld, m, "manifest", &p->manifest_name);
}

static int parse_manifest(struct loader *ld, const struct json_member *m,
			  struct wl_policy_section *p)
{
	if (m->value.type == JSON_STRING)
		return get_string(ld, m, 1) || read_manifest_file(ld, m, p);
	if (m->value.type == JSON_ARRAY)
		return read_manifest_lines(ld, m, p);
	return fail_type(ld, m, "a path or an array of lines");
}

/* A fault of the service: at its instant it stalls, dies or is restarted. */
static int parse_fault(struct loader *ld, const struct json_member *am, size_t i,
		       struct wl_fault *x)
{
	struct json_member at = item_of(am, i);
	const struct json_value *e = &at.value;
	int when = 0, what = 0, yes = 0;

	x->line = e->line;
	if (e->type != JSON_OBJECT)
		return fail_type(ld, &at, "a fault object");
	for (size_t k = 0; k < e->len; k++) {
		const struct json_member *m = &e->members[k];
		int r = check_repeat(ld, e, k);

		if (r == 0 && strcmp(m->key, "at_ms") == 0) {
			r = get_msec(ld, m, &x->at_ns);
			when = 1;
		} else if (r == 0 && strcmp(m->key, "stall_ms") == 0) {
			r = get_msec(ld, m, &x->stall_ns);
			if (r == 0 && !x->stall_ns)
				r = fail(ld, m->line, m->key, "must be > 0");
			x->kind = WL_FAULT_STALL;
			what++;
		} else if (r == 0 && (!strcmp(m->key, "die") || !strcmp(m->key, "restart"))) {
			r = get_bool(ld, m, &yes);
			if (r == 0 && !yes)
				r = fail(ld, m->line, m->key, "only true (leave the key out)");
			x->kind = m->key[0] == 'd' ? WL_FAULT_DIE : WL_FAULT_RESTART;
			what++;
		} else if (r == 0) {
			r = fail(ld, m->line, m->key, "unknown key in a fault (expected \"at_ms\" "
				 "and one of \"stall_ms\", \"die\" and \"restart\")");
		}
		if (r)
			return -1;
	}
	if (!when || what != 1)
		return fail(ld, e->line, am->key, "a fault needs \"at_ms\" and one of "
			    "\"stall_ms\", \"die\" and \"restart\"");
	return 0;
}

static int parse_service_key(struct loader *ld, const struct json_member *m,
			     struct wl_policy_section *p)
{
	long long n;

	if (strcmp(m->key, "name") == 0) {
		ld->service_name = m;
		free(p->service.name);
		return get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &p->service.name);
	}
	if (strcmp(m->key, "group") == 0)
		return get_string(ld, m, 1) ||
		       dup_string(ld, m, m->value.string, &p->service.group);
	if (strcmp(m->key, "cpu") == 0) {
		if (get_int(ld, m, 0, MAX_CPU, &n))
			return -1;
		p->cpu = (unsigned)n;
		p->service.cpus = UINT64_C(1) << n;
		return 0;
	}
	if (strcmp(m->key, "priority") == 0) {
		if (get_int(ld, m, -20, 19, &n))
			return -1;
		p->nice = p->service.nice = (int)n;
		return 0;
	}
	if (strcmp(m->key, "cost_us") == 0)
		return get_usec(ld, m, &p->cost_ns);
	if (strcmp(m->key, "latency_us") == 0)
		return get_usec(ld, m, &p->latency_ns);
	if (strcmp(m->key, "timeout_ms") == 0) {
		if (get_msec(ld, m, &p->timeout_ns))
			return -1;
		return p->timeout_ns ? 0 : fail(ld, m->line, m->key, "must be > 0");
	}
	if (strcmp(m->key, "faults") == 0) {
		if (check_array(ld, m, WL_MAX_FAULTS, "an array of faults") ||
		    !(p->faults = alloc_items(ld, m, sizeof(*p->faults))))
			return -1;
		for (size_t j = 0; j < m->value.len; j++)
			if (parse_fault(ld, m, j, &p->faults[p->nr_faults++]))
				return -1;
		return 0;
	}
	return fail(ld, m->line, m->key, "unknown key in the service (expected \"name\", "
		    "\"group\", \"cpu\", \"priority\", \"cost_us\", \"latency_us\", \"timeout_ms\" "
		    "and \"faults\")");
}

/* The service's task: one thread whose program is the service loop (WL_SERVE), on its
 * CPU, from the start; a restart makes another thread of it. */
static int service_task(struct loader *ld, const struct json_member *sm,
			struct wl_policy_section *p)
{
	struct wl_task *t = &p->service;
	struct wl_phase *ph;

	t->instances = 1;
	t->loop = -1;
	t->policy = WL_POLICY_OTHER;
	t->graph = -1;
	t->line = sm->line;
	if (!t->name && dup_string(ld, sm, "policyd", &t->name))
		return -1;
	if (!t->cpus)
		t->cpus = UINT64_C(1); /* CPU 0 */
	t->phases = ph = calloc(1, sizeof(*t->phases));
	if (!ph || !(ph->events = calloc(1, sizeof(*ph->events))))
		return fail(ld, sm->line, sm->key, "out of memory");
	t->nr_phases = 1;
	ph->loop = 1;
	ph->nr_events = 1;
	ph->events[0] = (struct wl_event){ .kind = WL_SERVE, .ns = p->cost_ns, .line = sm->line,
					   .added = 1 };
	return dup_string(ld, sm, "serve", &ph->name);
}

static int parse_service(struct loader *ld, const struct json_member *sm,
			 struct wl_policy_section *p)
{
	const struct json_value *v = &sm->value;

	if (v->type != JSON_OBJECT)
		return fail_type(ld, sm, "a service object");
	for (size_t i = 0; i < v->len; i++)
		if (check_repeat(ld, v, i) || parse_service_key(ld, &v->members[i], p))
			return -1;
	return 0;
}

static int parse_node(struct loader *ld, const struct json_member *am, size_t i,
		      struct wl_graph_node *x)
{
	struct json_member at = item_of(am, i);
	const struct json_value *e = &at.value;
	const struct json_member *cost = NULL;
	long long n;

	x->line = e->line;
	x->queue = -1;
	x->prio = 50;
	x->task_index = x->budget_task = -1;
	if (e->type != JSON_OBJECT)
		return fail_type(ld, &at, "a node object");
	for (size_t k = 0; k < e->len; k++) {
		const struct json_member *m = &e->members[k];
		int r = check_repeat(ld, e, k);

		if (r == 0 && strcmp(m->key, "task") == 0)
			r = get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &x->task);
		else if (r == 0 && strcmp(m->key, "budget") == 0)
			r = get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &x->budget);
		else if (r == 0 && strcmp(m->key, "cost_ms") == 0)
			r = get_msec(ld, (cost = m), &x->cost_ns);
		else if (r == 0 && strcmp(m->key, "queue") == 0)
			r = get_int(ld, m, 0, MAX_CPU, &n) ? -1 : (x->queue = (int)n, 0);
		else if (r == 0 && strcmp(m->key, "prio") == 0)
			r = get_int(ld, m, 0, 99, &n) ? -1 : (x->prio = (unsigned)n, 0);
		else if (r == 0)
			r = fail(ld, m->line, m->key, "unknown key in a graph node (expected "
				 "\"task\", \"budget\", \"cost_ms\", \"queue\" and \"prio\")");
		if (r)
			return -1;
	}
	if (!x->task || !cost || !x->cost_ns)
		return fail(ld, e->line, am->key, "a graph node needs \"task\" and \"cost_ms\" "
			    "(> 0)");
	return 0;
}

static int parse_graph_key(struct loader *ld, const struct json_member *m, struct wl_graph *g)
{
	if (strcmp(m->key, "name") == 0)
		return get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &g->name);
	if (strcmp(m->key, "coordinator") == 0)
		return get_string(ld, m, 1) || dup_string(ld, m, m->value.string, &g->coordinator);
	if (strcmp(m->key, "period_ms") == 0)
		return get_msec(ld, m, &g->period_ns);
	if (strcmp(m->key, "deadline_ms") == 0)
		return get_msec(ld, m, &g->deadline_ns);
	if (strcmp(m->key, "nodes") == 0) {
		if (check_array(ld, m, WL_MAX_GRAPH_NODES, "an array of nodes") ||
		    !(g->nodes = alloc_items(ld, m, sizeof(*g->nodes))))
			return -1;
		for (size_t j = 0; j < m->value.len; j++)
			if (parse_node(ld, m, j, &g->nodes[g->nr_nodes++]))
				return -1;
		return 0;
	}
	return fail(ld, m->line, m->key, "unknown key in a graph (expected \"name\", "
		    "\"coordinator\", \"period_ms\", \"deadline_ms\" and \"nodes\")");
}

static int parse_graph(struct loader *ld, const struct json_member *am, size_t i,
		       struct wl_graph *g)
{
	struct json_member at = item_of(am, i);
	const struct json_value *e = &at.value;

	g->line = e->line;
	g->coordinator_task = -1;
	if (e->type != JSON_OBJECT)
		return fail_type(ld, &at, "a graph object");
	for (size_t k = 0; k < e->len; k++)
		if (check_repeat(ld, e, k) || parse_graph_key(ld, &e->members[k], g))
			return -1;
	if (!g->name || !g->coordinator || !g->period_ns || !g->nr_nodes)
		return fail(ld, e->line, am->key, "a graph needs \"name\", \"coordinator\", "
			    "\"period_ms\" (> 0) and \"nodes\" (at least one)");
	if (!g->deadline_ns)
		g->deadline_ns = g->period_ns;
	return 0;
}

static int parse_graphs(struct loader *ld, const struct json_member *m,
			struct wl_policy_section *p)
{
	if (check_array(ld, m, WL_MAX_GRAPHS, "an array of graphs") ||
	    !(p->graphs = alloc_items(ld, m, sizeof(*p->graphs))))
		return -1;
	for (size_t i = 0; i < m->value.len; i++) {
		struct wl_graph *g = &p->graphs[p->nr_graphs++];

		if (parse_graph(ld, m, i, g))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->graphs[j].name, g->name) == 0)
				return fail(ld, g->line, m->key, "graph '%s' repeated (first at "
					    "line %u)", g->name, p->graphs[j].line);
	}
	return 0;
}

/* The top-level "policy" object: read before the tasks, whose graph stages it names. */
static int parse_policy_section(struct loader *ld, const struct json_member *pm,
				struct workload *w)
{
	const struct json_value *v = &pm->value;
	struct wl_policy_section *p;
	const struct json_member *manifest = NULL;
	long long n;

	if (v->type != JSON_OBJECT)
		return fail_type(ld, pm, "an object");
	w->policy = p = calloc(1, sizeof(*p));
	if (!p)
		return fail(ld, pm->line, pm->key, "out of memory");
	p->line = pm->line;
	p->slots = WL_POLICY_SLOTS;
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->members[i];
		int r = check_repeat(ld, v, i);

		if (r == 0 && strcmp(m->key, "manifest") == 0)
			r = parse_manifest(ld, (manifest = m), p);
		else if (r == 0 && strcmp(m->key, "service") == 0)
			r = parse_service(ld, m, p);
		else if (r == 0 && strcmp(m->key, "slots") == 0)
			r = get_int(ld, m, 1, WL_MAX_POLICY_SLOTS, &n) ? -1
			    : (p->slots = (unsigned)n, 0);
		else if (r == 0 && strcmp(m->key, "graphs") == 0)
			r = parse_graphs(ld, m, p);
		else if (r == 0)
			r = fail(ld, m->line, m->key, "unknown key in \"policy\" (expected "
				 "\"manifest\", \"service\", \"slots\" and \"graphs\")");
		if (r)
			return -1;
	}
	if (!manifest)
		return fail(ld, pm->line, pm->key, "the policy service needs a \"manifest\"");
	return service_task(ld, pm, p);
}

/* --- the policy service: the names it gives ------------------------------------------------ */

/* The task of one instance that key `key` of a request names (its index), or -1 with a
 * message. */
static int request_thread(struct loader *ld, const struct workload *w, const struct wl_request *r,
			  const char *key, const char *name)
{
	return one_thread_of(ld, w, r->line, key, name, "a request names a thread");
}

static int resolve_request(struct loader *ld, struct workload *w, size_t task,
			   struct wl_request *r)
{
	const struct wl_policy_section *p = w->policy;

	if (!p)
		return fail(ld, r->line, "requests", "task '%s' makes requests: the workload needs "
			    "a \"policy\" section (the service that answers them)",
			    w->tasks[task].name);
	if (r->target && (r->target_task = request_thread(ld, w, r, "for", r->target)) < 0)
		return -1;
	if (r->sc && (r->sc_task = request_thread(ld, w, r, "sc", r->sc)) < 0)
		return -1;
	if (r->kind == WL_REQ_GRAPH) {
		for (r->index = 0; (size_t)r->index < p->nr_graphs &&
				   strcmp(p->graphs[r->index].name, r->name); r->index++)
			;
		if ((size_t)r->index == p->nr_graphs)
			return fail(ld, r->line, "graph", "no graph named '%s'", r->name);
		if (p->graphs[r->index].coordinator_task != (int)task)
			return fail(ld, r->line, "graph", "graph '%s' is coordinated by '%s': only "
				    "its coordinator asks for it", r->name,
				    p->graphs[r->index].coordinator);
	}
	if (r->kind == WL_REQ_ISLAND) {
		for (r->index = 0; (size_t)r->index < w->nr_islands &&
				   strcmp(w->islands[r->index].name, r->name); r->index++)
			;
		if ((size_t)r->index == w->nr_islands)
			return fail(ld, r->line, "island", "no island named '%s'", r->name);
		if (w->islands[r->index].requested || w->tasks[task].instances != 1)
			return fail(ld, r->line, "island", "island '%s' is asked for once, by one "
				    "thread (a task of one instance)", r->name);
		w->islands[r->index].requested = 1;
	}
	return 0;
}

/* Each graph's coordinator and stages (each task a stage of one graph at most), and the
 * tasks whose SCs are the budgets. */
static int resolve_graph(struct loader *ld, const struct workload *w, size_t gi)
{
	struct wl_graph *g = &w->policy->graphs[gi];

	g->coordinator_task = one_thread_of(ld, w, g->line, "coordinator", g->coordinator,
					    "a coordinator is a thread");
	if (g->coordinator_task < 0)
		return -1;
	for (size_t i = 0; i < g->nr_nodes; i++) {
		struct wl_graph_node *n = &g->nodes[i];
		int t = task_index(ld, w, n->task);

		if (t < 0)
			return fail(ld, n->line, "task", "no task named '%s'", n->task);
		if (w->tasks[t].graph != (int)gi || w->tasks[t].node != i)
			return fail(ld, n->line, "task", "task '%s' is a stage already (graph "
				    "'%s')", n->task, w->policy->graphs[w->tasks[t].graph].name);
		n->task_index = t;
		if (n->budget && (n->budget_task = one_thread_of(ld, w, n->line, "budget",
								 n->budget, "a budget is an "
								 "SC a thread holds")) < 0)
			return -1;
	}
	return 0;
}

/* Once the tasks are read: what the requests and graphs name, and the service's name. */
static int resolve_policy(struct loader *ld, struct workload *w)
{
	const struct wl_policy_section *p = w->policy;
	const struct json_member *name = ld->service_name;

	if (p && task_index(ld, w, p->service.name) >= 0)
		return fail(ld, name ? name->line : p->line, name ? "name" : "policy", "'%s' "
			    "names a task: the service needs a name of its own (\"name\")",
			    p->service.name);
	for (size_t i = 0; p && i < p->nr_graphs; i++)
		if (resolve_graph(ld, w, i))
			return -1;
	for (size_t t = 0; t < w->nr_tasks; t++)
		for (size_t i = 0; i < w->tasks[t].nr_requests; i++)
			if (resolve_request(ld, w, t, &w->tasks[t].requests[i]))
				return -1;
	return 0;
}

/* Once the tasks are read: group parents, and who each lease names. */
static int resolve_section(struct loader *ld, struct workload *w)
{
	if (check_group_parents(ld, w))
		return -1;
	for (size_t i = 0; i < w->nr_leases; i++)
		if (resolve_lease(ld, w, &w->leases[i], &ld->lease_keys[i]))
			return -1;
	for (size_t i = 0; i < w->nr_islands; i++)
		if (resolve_island(ld, w, i))
			return -1;
	return resolve_policy(ld, w);
}

/* Why the threads of task t cannot be started by a fork, or NULL: the simulator sizes
 * what these need (SCs, barrier counts, programs of its own) from the threads at load. */
static const char *unforkable(const struct wl_task *t)
{
	if (t->policy == WL_POLICY_DEADLINE || t->phase_deadline)
		return "it is SCHED_DEADLINE (its SCs are made at load time)";
	if (t->poll || t->passive || t->graph >= 0 || t->nr_requests)
		return "it is a poller, a passive server, a graph stage or makes requests";
	for (size_t p = 0; p < t->nr_phases; p++)
		for (size_t e = 0; e < t->phases[p].nr_events; e++)
			if (t->phases[p].events[e].kind == WL_BARRIER)
				return "it meets a barrier (whose users are counted at load time)";
	return NULL;
}

/* A join or reap names a task of the file, whose threads' ends it waits for. */
static int resolve_join(struct loader *ld, struct workload *w, struct wl_event *ev)
{
	int k = task_index(ld, w, ev->ref);

	if (k < 0)
		return fail(ld, ev->line, ev->kind == WL_JOIN ? "join" : "reap",
			    "no task named '%s'", ev->ref);
	ev->task = (uint32_t)k;
	return 0;
}

/* rt-app's fork names a task of the file, whose threads it starts one at a time; so do the
 * join and reap events (resolve_join). */
static int resolve_forks(struct loader *ld, struct workload *w)
{
	for (size_t i = 0; i < w->nr_tasks; i++) {
		const struct wl_task *t = &w->tasks[i];

		for (size_t p = 0; p < t->nr_phases; p++) {
			for (size_t e = 0; e < t->phases[p].nr_events; e++) {
				struct wl_event *ev = &t->phases[p].events[e];
				int k;
				const char *why;

				if ((ev->kind == WL_JOIN || ev->kind == WL_REAP) &&
				    resolve_join(ld, w, ev))
					return -1;
				if (ev->kind != WL_FORK)
					continue;
				k = task_index(ld, w, ev->ref);
				if (k < 0)
					return fail(ld, ev->line, "fork", "no task named '%s'",
						    ev->ref);
				why = unforkable(&w->tasks[k]);
				if (why)
					return fail(ld, ev->line, "fork", "task '%s' cannot be "
						    "forked: %s", ev->ref, why);
				ev->task = (uint32_t)k;
			}
		}
	}
	return 0;
}

static int parse_root(struct loader *ld, const struct json_value *root, struct workload *w)
{
	const struct json_member *global = NULL, *tasks = NULL, *section = NULL, *policy = NULL;

	if (root->type != JSON_OBJECT)
		return fail(ld, root->line, NULL, "the top level must be an object, got %s",
			    json_type_name(root->type));
	for (size_t i = 0; i < root->len; i++) {
		const struct json_member *m = &root->members[i];

		if (check_repeat(ld, root, i))
			return -1;
		if (strcmp(m->key, "global") == 0)
			global = m;
		else if (strcmp(m->key, "tasks") == 0)
			tasks = m;
		else if (strcmp(m->key, "libsched") == 0)
			section = m;
		else if (strcmp(m->key, "policy") == 0)
			policy = m;
		else if (strcmp(m->key, "resources") == 0 && m->value.type == JSON_OBJECT)
			continue; /* rt-app's old resource list: it makes them from the events */
		else /* the wording is pinned by a test: "libsched" is accepted all the same */
			return fail(ld, m->line, m->key,
				    "unknown top-level key (expected \"global\" or \"tasks\")");
	}
	if (!tasks && (global || root->len == 0 || strcmp(root->members[0].key, "resources") == 0))
		return fail(ld, root->line, "tasks", "missing (a fragment for rt-app's merge.py, "
			    "such as its examples/merge/*.json, is not a workload by itself)");
	if (!tasks)
		return fail(ld, root->line, "tasks", "missing");
	/* global first, whatever the file order: default_policy applies to every task; then
	 * schedsim's own section, whose rings the tasks name */
	if (global && parse_global(ld, global, w))
		return -1;
	if (section && parse_section(ld, section, w))
		return -1;
	if (policy && parse_policy_section(ld, policy, w))
		return -1;
	if (parse_tasks(ld, tasks, w) || resolve_forks(ld, w))
		return -1;
	return resolve_section(ld, w);
}

/* A message about the whole text or file, which has no line: "NAME: what". */
static int fail_whole(char *err, size_t errlen, const char *name, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", name, what);
	return -1;
}

#define TOO_LARGE "larger than 16 MiB (16777216 bytes), the limit for a workload"

int wl_load_string(const char *name, const char *text, struct workload *out, char *err,
		   size_t errlen)
{
	struct loader ld = { .file = name ? name : "<string>", .err = err, .errlen = errlen,
			     .default_policy = WL_POLICY_OTHER, .w = out };
	struct json_error je;
	struct json_value *root;
	int r;

	_Static_assert(WL_MAX_FILE_SIZE == 16u << 20, "TOO_LARGE names the limit");
	memset(out, 0, sizeof(*out));
	out->duration_ns = -1;
	out->mem_mb_s = WL_MEM_MB_S;
	out->io_call_ns = WL_IO_CALL_NS;
	out->mem_buffer = WL_MEM_BUFFER;
	if (err && errlen)
		err[0] = '\0';
	if (strnlen(text, WL_MAX_FILE_SIZE + 1) > WL_MAX_FILE_SIZE)
		return fail_whole(err, errlen, ld.file, TOO_LARGE);
	root = json_parse(text, &je);
	if (!root)
		return fail(&ld, je.line, NULL, "%s", je.what);
	r = parse_root(&ld, root, out);
	free(ld.names);
	free(ld.lease_keys);
	free(ld.island_keys);
	json_free(root);
	if (r)
		wl_free(out);
	return r;
}

/*
 * Reads the whole file, but never more than WL_MAX_FILE_SIZE + 1 bytes: one more than the
 * limit tells a file that is too large, and a device such as /dev/zero never ends. A
 * regular file's size is known before reading it. Returns NULL on a memory or read error;
 * *too_big says the file was larger than the limit (the text is then incomplete).
 */
static char *read_bounded(FILE *f, size_t *len, int *too_big)
{
	size_t cap = 4096;
	char *buf, *p;
	struct stat st;

	*len = 0;
	*too_big = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
		   st.st_size > (off_t)WL_MAX_FILE_SIZE;
	buf = *too_big ? NULL : malloc(cap);
	while (buf) {
		*len += fread(buf + *len, 1, cap - *len - 1, f);
		if (*len < cap - 1)
			break; /* the end, or an error (the caller asks ferror) */
		if (*len > WL_MAX_FILE_SIZE) {
			*too_big = 1;
			break;
		}
		cap = 2 * cap < WL_MAX_FILE_SIZE + 2 ? 2 * cap : WL_MAX_FILE_SIZE + 2;
		p = realloc(buf, cap);
		if (!p)
			free(buf);
		buf = p;
	}
	if (buf)
		buf[*len] = '\0';
	return buf;
}

int wl_load_file(const char *path, struct workload *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *text;
	size_t len;
	int r, too_big;

	memset(out, 0, sizeof(*out));
	out->duration_ns = -1;
	out->mem_mb_s = WL_MEM_MB_S;
	out->io_call_ns = WL_IO_CALL_NS;
	out->mem_buffer = WL_MEM_BUFFER;
	if (!f)
		return fail_whole(err, errlen, path, strerror(errno));
	text = read_bounded(f, &len, &too_big);
	r = !text || ferror(f);
	fclose(f);
	if (too_big || r || strlen(text) != len) {
		free(text);
		return fail_whole(err, errlen, path, too_big ? TOO_LARGE : r ? "read error"
				  : "contains a NUL byte; not a JSON text file");
	}
	r = wl_load_string(path, text, out, err, errlen);
	free(text);
	return r;
}

static void free_task(struct wl_task *t)
{
	for (size_t i = 0; i < t->nr_phases; i++) {
		struct wl_phase *ph = &t->phases[i];

		for (size_t j = 0; j < ph->nr_events; j++) {
			free(ph->events[j].ref);
			free(ph->events[j].mutex);
		}
		free(ph->events);
		free(ph->name);
	}
	free(t->phases);
	free(t->name);
	free(t->group);
	free(t->poll);
	free(t->cookie_str);
	free(t->process);
	free(t->service);
	for (size_t i = 0; i < t->nr_requests; i++) {
		free(t->requests[i].profile);
		free(t->requests[i].target);
		free(t->requests[i].sc);
		free(t->requests[i].name);
	}
	free(t->requests);
}

static void free_policy(struct wl_policy_section *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nr_graphs; i++) {
		for (size_t k = 0; k < p->graphs[i].nr_nodes; k++) {
			free(p->graphs[i].nodes[k].task);
			free(p->graphs[i].nodes[k].budget);
		}
		free(p->graphs[i].nodes);
		free(p->graphs[i].name);
		free(p->graphs[i].coordinator);
	}
	free(p->graphs);
	free(p->faults);
	free(p->manifest);
	free(p->manifest_name);
	free_task(&p->service);
	free(p);
}

static void free_island(struct wl_island *x)
{
	for (size_t k = 0; k < x->nr_members; k++)
		free(x->members[k].thread);
	for (size_t k = 0; k < x->nr_paths; k++) {
		free(x->paths[k].from);
		free(x->paths[k].to);
	}
	for (size_t k = 0; k < x->nr_servers; k++)
		free(x->servers[k]);
	for (size_t k = 0; k < x->nr_irqs; k++)
		free(x->irqs[k]);
	for (size_t k = 0; k < x->nr_mem; k++)
		free(x->mem[k].pool);
	free(x->name);
	free(x->group);
	free(x->members);
	free(x->paths);
	free(x->servers);
	free(x->server_task);
	free(x->irqs);
	free(x->irq_index);
	free(x->mem);
}

/* schedsim's own section: groups, rings, leases, IRQ sources, memory pools, islands. */
static void free_section(struct workload *w)
{
	for (size_t i = 0; i < w->nr_groups; i++) {
		free(w->groups[i].name);
		free(w->groups[i].parent);
	}
	for (size_t i = 0; i < w->nr_rings; i++) {
		free(w->rings[i].name);
		free(w->rings[i].sources);
	}
	for (size_t i = 0; i < w->nr_leases; i++) {
		free(w->leases[i].name);
		free(w->leases[i].holder);
		free(w->leases[i].owner);
		free(w->leases[i].target);
	}
	for (size_t i = 0; i < w->nr_irqs; i++)
		free(w->irqs[i].name);
	for (size_t i = 0; i < w->nr_mem_pools; i++)
		free(w->mem_pools[i].name);
	for (size_t i = 0; i < w->nr_islands; i++)
		free_island(&w->islands[i]);
	free(w->mem_pools);
	free(w->islands);
	free(w->groups);
	free(w->rings);
	free(w->leases);
	free(w->irqs);
}

void wl_free(struct workload *w)
{
	if (!w)
		return;
	free_section(w);
	free_policy(w->policy);
	for (size_t i = 0; i < w->nr_tasks; i++)
		free_task(&w->tasks[i]);
	free(w->tasks);
	free(w->mutexes);
	free(w->conds);
	free(w->barriers);
	free(w->timers);
	memset(w, 0, sizeof(*w));
	w->duration_ns = -1;
}

int wl_cmp_cookie(const struct wl_task *a, const struct wl_task *b)
{
	if (a->cookie_kind != b->cookie_kind)
		return a->cookie_kind < b->cookie_kind ? -1 : 1;
	if (a->cookie_kind == WL_COOKIE_INT)
		return (a->cookie_int > b->cookie_int) - (a->cookie_int < b->cookie_int);
	if (a->cookie_kind == WL_COOKIE_STRING)
		return strcmp(a->cookie_str, b->cookie_str);
	return 0;
}

int wl_same_cookie(const struct wl_task *a, const struct wl_task *b)
{
	if (a->cookie_kind != b->cookie_kind)
		return 0;
	if (a->cookie_kind == WL_COOKIE_INT)
		return a->cookie_int == b->cookie_int;
	if (a->cookie_kind == WL_COOKIE_STRING)
		return strcmp(a->cookie_str, b->cookie_str) == 0;
	return 1;
}
