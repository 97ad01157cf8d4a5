/* SPDX-License-Identifier: MIT */
/*
 * workload.h - the in-memory form of an rt-app style workload, as schedsim runs it.
 *
 * Host-side only (uses malloc). wl_load_file() reads rt-app JSON: comments, trailing
 * commas and repeated event keys are accepted (as rt-app's workgen does) and repeated
 * keys run in file order; anything not understood is rejected with file, line and key.
 * Times are converted to nanoseconds on load.
 */
#ifndef SCHEDSIM_WORKLOAD_H
#define SCHEDSIM_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

enum wl_event_kind {
	WL_RUN,     /* consume ns of CPU time */
	WL_RUNTIME, /* run until ns of wall time have passed since the event started */
	WL_SLEEP,   /* block for ns */
	WL_TIMER,   /* wait for the next tick of the periodic timer `ref` (period ns) */
	WL_SUSPEND, /* block until another task resumes this one */
	WL_RESUME,  /* wake every suspended instance of task `ref` */
	WL_YIELD,   /* give up the CPU, stay runnable */
};

struct wl_event {
	enum wl_event_kind kind;
	uint64_t ns;      /* run, runtime, sleep: duration; timer: period */
	int absolute;     /* timer only: 1 = "absolute" mode, 0 = "relative" (rt-app default) */
	char *ref;        /* timer: timer name; resume: target task name; else NULL */
	unsigned line;    /* source line of the key, for messages */
};

struct wl_phase {
	char *name;
	int loop;               /* times the phase repeats per task loop, >= 1 */
	struct wl_event *events;
	size_t nr_events;
};

enum wl_policy { WL_POLICY_OTHER, WL_POLICY_BATCH, WL_POLICY_IDLE };

struct wl_task {
	char *name;
	unsigned instances;     /* "instance", default 1 */
	int loop;               /* "loop", -1 = forever (default) */
	uint64_t delay_ns;      /* "delay" in us in the file */
	uint64_t cpus;          /* affinity bitmask, 0 = all CPUs ("cpus" absent) */
	enum wl_policy policy;  /* "policy", else global default_policy, else OTHER */
	int nice;               /* "priority" for OTHER/BATCH: -20..19, default 0 */
	/* "libsched": { ... } keys, which real rt-app does not have:
	 *   "group": "name"   a fairness group (process); tasks without one share the
	 *                     accounting-only group "rt-app", like threads of one process
	 *   "slice_us": N     latency class: the EEVDF slice, 100 .. 100000 us
	 *   "ipc": true       a "resume" directly followed by "suspend" is one synchronous
	 *                     IPC handoff (sched_call / sched_reply) to the resumed task */
	char *group;
	uint64_t slice_ns;      /* 0 = the library default */
	int ipc;
	struct wl_phase *phases;/* a task without "phases" has one phase holding its events */
	size_t nr_phases;
	unsigned line;
};

struct workload {
	int64_t duration_ns;    /* global "duration" in s; -1 = until every task ends */
	struct wl_task *tasks;
	size_t nr_tasks;
};

/* Returns 0, or -1 with a one-line message "FILE:LINE: key 'K': what is wrong" in err. */
int wl_load_file(const char *path, struct workload *out, char *err, size_t errlen);
/* Same, from a NUL-terminated buffer; `name` is used in messages. */
int wl_load_string(const char *name, const char *text, struct workload *out, char *err,
		   size_t errlen);
void wl_free(struct workload *w);

#endif
