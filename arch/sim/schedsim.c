/* SPDX-License-Identifier: MIT */
/*
 * schedsim - run an rt-app workload on the simulated machine and report what libsched did.
 *
 *   schedsim [--cpus N] [--smt K] [--duration S] [--seed N] [--policy NAME] [--json]
 *            [--ipi-latency NS] [--switch-cost NS] [--timer-cost NS] [--check]
 *            [--core-sched | --no-core-sched] [--core-protect]
 *            [--max-events N] [--max-wall S] [--fair-spread NS] [--rtapp-logs DIR]
 *            [--dl-mode global|partitioned] [--admission on|off] [--pi on|off]
 *            [--explain] [--trace FILE [--trace-ns] [--trace-format chrome|ftrace]]
 *            [--svg FILE [--svg-window START:END] [--svg-color thread|class|cookie]]
 *            [--run-dist D] [--version] FILE
 *
 * Output is a function of the file, the flags and the seed only (no host time), so two runs
 * print identical bytes. The one use of host time is the wall-clock budget (--max-wall),
 * which stops a run with an error, never changes a report.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "chrome_trace.h"
#include "ftrace.h"
#include "json.h"
#include "manifest.h"
#include "schedsim_version.h"
#include "sim.h"
#include "svg.h"

#define NS_PER_S 1000000000ull
#define DEFAULT_LIMIT_S 60 /* when neither the file nor --duration bounds the run */

/* Legal ranges of the flags (docs/schedsim.md, "Limits"). An overhead above a second is no
 * machine anyone models, and the bounds keep every sum of instants far from overflow. */
#define MAX_COST_NS 1000000000ull            /* --ipi-latency, --switch-cost, --timer-cost */
#define DEFAULT_MAX_EVENTS 1000000000ull     /* --max-events: minutes of host time */
#define MAX_MAX_EVENTS 1000000000000ull
#define DEFAULT_MAX_WALL_S 300.0             /* --max-wall */
#define MAX_MAX_WALL_S 604800.0              /* a week */
#define WALL_CHECK_EVENTS 4096               /* the host clock is read every this many */
#define EXPLAIN_RECORDS (1u << 16)           /* decision records kept (--explain, or a
					      * workload with a policy service): 4 MiB */

/* Exit status of a run stopped by --max-events or --max-wall (no report is printed). */
#define EXIT_BUDGET 3

/* The JSON report's "meta.schema": bumped when a key is removed or renamed, or its type,
 * unit or meaning changes; new keys leave it (docs/schedsim.md, "JSON"). */
#define REPORT_SCHEMA 1

enum core_choice { CORE_AUTO, CORE_ON, CORE_OFF };

/* The integer flags, in the order of int_flags[]. */
enum { F_CPUS, F_SMT, F_SEED, F_IPI, F_SWITCH, F_TIMER, F_MAX_EVENTS, F_SPREAD, NR_INT_FLAGS };

static const struct int_flag {
	const char *name;
	uint64_t min, max;
	const char *unit;
} int_flags[NR_INT_FLAGS] = {
	[F_CPUS] = { "--cpus", 1, SCHED_MAX_CPUS, "" },
	[F_SMT] = { "--smt", 1, SCHED_MAX_CPUS, "" },
	[F_SEED] = { "--seed", 0, UINT64_MAX, "" },
	[F_IPI] = { "--ipi-latency", 0, MAX_COST_NS, " (ns)" },
	[F_SWITCH] = { "--switch-cost", 0, MAX_COST_NS, " (ns)" },
	[F_TIMER] = { "--timer-cost", 0, MAX_COST_NS, " (ns)" },
	[F_MAX_EVENTS] = { "--max-events", 1, MAX_MAX_EVENTS, "" },
	[F_SPREAD] = { "--fair-spread", 0, MAX_COST_NS, " (ns)" },
};

struct options {
	struct sim_config cfg;
	uint64_t n[NR_INT_FLAGS];
	double duration_s; /* < 0: from the file */
	double max_wall_s;
	bool json, check, explain, trace_ns;
	enum core_choice core; /* auto: on when a task has a libsched.cookie */
	const char *file;
	const char *logdir;    /* --rtapp-logs DIR, or NULL */
	const char *trace;     /* --trace FILE, or NULL */
	const char *trace_format; /* --trace-format, or NULL: by FILE's suffix */
	bool chrome;           /* the trace in Chrome trace-event JSON, not ftrace text */
	const char *svg;       /* --svg FILE, or NULL */
	bool svg_window;       /* --svg-window given: svg_start, svg_end */
	double svg_start, svg_end;
	enum svg_color svg_color;
	int pi;                /* --pi: 1 on, 0 off, -1 the file's "pi_enabled" */
	bool run_dist_set;     /* --run-dist: every task's run_dist is ... */
	struct wl_dist run_dist; /* ... this one */
};

/* The wall-clock budget of a run, checked as it goes (wall_hook). */
struct wall {
	struct timespec start;
	double max_s;
	bool spent;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: schedsim [--cpus N] [--smt K] [--duration S] [--seed N] [--policy NAME]\n"
		"                [--json] [--ipi-latency NS] [--switch-cost NS] [--timer-cost NS]\n"
		"                [--check] [--core-sched | --no-core-sched] [--core-protect]\n"
		"                [--max-events N] [--max-wall S] [--fair-spread NS]\n"
		"                [--rtapp-logs DIR] [--dl-mode global|partitioned]\n"
		"                [--admission on|off] [--pi on|off] [--explain]\n"
		"                [--trace FILE [--trace-ns] [--trace-format chrome|ftrace]]\n"
		"                [--svg FILE [--svg-window START:END]\n"
		"                 [--svg-color thread|class|cookie]]\n"
		"                [--run-dist D] [--version] FILE\n"
		"  FILE is an rt-app JSON workload (see docs/schedsim.md).\n"
		"  --cpus N          logical CPUs, 1..%d (this build's SCHED_MAX_CPUS;\n"
		"                    default 4)\n"
		"  --smt K           hardware threads per core, 1..%d (default 1)\n"
		"  --duration S      simulated seconds, > 0 and <= %d, overrides the file's\n"
		"                    \"duration\"\n"
		"  --seed N          order of events at the same instant (default 1)\n"
		"  --policy NAME     fair-class policy: eevdf (default) or rr\n"
		"  --json            one JSON object instead of tables\n"
		"  --ipi-latency NS  IPI delivery delay, 0..%llu (default 0)\n"
		"  --switch-cost NS  CPU time lost per context switch, 0..%llu (default 0)\n"
		"  --timer-cost NS   CPU time lost per timer interrupt, 0..%llu (default 0)\n"
		"  --check           run the invariant checker after every event\n"
		"  --core-sched      SMT core scheduling on (default: on when a task has a\n"
		"                    libsched \"cookie\")\n"
		"  --no-core-sched   core scheduling off, cookies ignored (for comparisons)\n"
		"  --core-protect    core scheduling's kernel protection (turns it on)\n"
		"  --max-events N    stop with an error after N events, 1..%llu\n"
		"                    (default %llu)\n"
		"  --max-wall S      stop with an error after S seconds of host time, > 0 and\n"
		"                    <= %.0f (default %.0f)\n"
		"  --fair-spread NS  progress gap across CPUs that makes the balancer rotate a\n"
		"                    thread (sched_config.fair_spread_ns), 0..%llu; 0: the\n"
		"                    library's default (16 ms)\n",
		SCHED_MAX_CPUS, SCHED_MAX_CPUS, WL_MAX_DURATION_S, MAX_COST_NS, MAX_COST_NS, MAX_COST_NS, MAX_MAX_EVENTS,
		DEFAULT_MAX_EVENTS, MAX_MAX_WALL_S, DEFAULT_MAX_WALL_S, MAX_COST_NS);
	/* in two: C11 promises string literals of 4095 characters only */
	fputs("  --rtapp-logs DIR  write an rt-app log per thread in DIR (created if\n"
		"                    missing): one line per job of a periodic task\n"
		"  --dl-mode M       SCHED_DEADLINE dispatch: global (default, as Linux: EDF\n"
		"                    over the task's CPUs) or partitioned (each thread gets one\n"
		"                    CPU of its \"cpus\" at admission)\n"
		"  --admission A     SCHED_DEADLINE admission: on (default; a thread whose\n"
		"                    reservation does not fit never starts) or off\n"
		"  --pi P            mutexes lend their waiters' scheduling to the owner: on\n"
		"                    or off, overrides the file's \"pi_enabled\" (default off)\n"
		"  --explain         print libsched's decision records after the report (the\n"
		"                    JSON has them with --explain or a \"policy\" section)\n"
		"  --trace FILE      write the run as a trace for ui.perfetto.dev: Linux ftrace\n"
		"                    text (sched_switch, sched_wakeup, sched_migrate_task,\n"
		"                    sched_process_exit; any ftrace parser reads it) or, if\n"
		"                    FILE ends in .json, Chrome trace-event JSON (also for\n"
		"                    chrome://tracing): a slice per run on each CPU's track;\n"
		"                    wakes (and their flows), migrations, exits, deadline\n"
		"                    misses, SC depletions and refills, admissions as\n"
		"                    instants; forced idle as slices\n"
		"  --trace-ns        its timestamps to the nanosecond (9 decimals; default 6,\n"
		"                    as Linux prints them); ftrace format only\n"
		"  --trace-format F  the trace's format whatever FILE's name: chrome or ftrace\n"
		"  --svg FILE        write an SVG timeline of the run: a lane per CPU, slices\n"
		"                    coloured, releases, deadlines and misses marked, a legend\n"
		"  --svg-window W    its time window, START:END in seconds (default: the run)\n"
		"  --svg-color C     colour slices by thread (default), class or cookie\n"
		"  --run-dist D      every \"run\" of the file drawn from D, in percent of its\n"
		"                    value: fixed, uniform:MIN:MAX, normal:SD[:MIN:MAX]\n"
		"                    (replaces the tasks' own \"run_dist\")\n"
		"  --version         print the version and exit\n"
		"  Numbers are decimal: digits only, no sign, prefix or trailing text.\n", f);
}

/* One line saying what is wrong with the command line, then the usage: status 2. */
static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "schedsim: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	usage(stderr);
	return 2;
}

/* A decimal integer: digits only. strtoull alone would take a sign (and negate "-1" into
 * 2^64 - 1), leading blanks and a 0x prefix. */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* A decimal number of seconds in (0, max]: digits, '.', an exponent; not "inf", "nan", a
 * sign or a hex float, which strtod would take. */
static int parse_seconds(const char *s, double max, double *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return -1;
	if (s[strspn(s, "0123456789.eE+-")] != '\0')
		return -1;
	*out = strtod(s, &end);
	return *end || !(*out > 0 && *out <= max) ? -1 : 0;
}

static sched_time_t seconds_ns(double s)
{
	return (sched_time_t)(s * NS_PER_S + 0.5);
}

/* A number of seconds >= 0 and <= WL_MAX_DURATION_S (for a window's bound: 0 allowed). */
static int parse_instant(const char *s, double *out)
{
	if (!strcmp(s, "0") || strspn(s, "0.") == strlen(s)) {
		*out = 0;
		return strchr(s, '0') ? 0 : -1;
	}
	return parse_seconds(s, WL_MAX_DURATION_S, out);
}

/* --svg-window START:END, seconds, START < END. */
static int parse_window(struct options *o, const char *v)
{
	const char *colon = strchr(v, ':');
	char start[64];

	if (!colon || (size_t)(colon - v) >= sizeof(start))
		goto bad;
	memcpy(start, v, (size_t)(colon - v));
	start[colon - v] = '\0';
	if (parse_instant(start, &o->svg_start) < 0 || parse_instant(colon + 1, &o->svg_end) < 0 ||
	    !(seconds_ns(o->svg_start) < seconds_ns(o->svg_end)))
		goto bad;
	o->svg_window = true;
	return 0;
bad:
	return bad_usage("--svg-window: expected START:END seconds with START < END, got '%s'", v);
}

/* The value v of flag a; returns 0, or the status of a usage error. */
static int parse_value(struct options *o, const char *a, const char *v)
{
	if (!strcmp(a, "--policy")) {
		o->cfg.policy = v;
		return 0;
	}
	if (!strcmp(a, "--rtapp-logs")) {
		o->logdir = v;
		return 0;
	}
	if (!strcmp(a, "--trace")) {
		o->trace = v;
		return 0;
	}
	if (!strcmp(a, "--svg")) {
		o->svg = v;
		return 0;
	}
	if (!strcmp(a, "--svg-window"))
		return parse_window(o, v);
	if (!strcmp(a, "--svg-color")) {
		if (!strcmp(v, "thread"))
			o->svg_color = SVG_BY_THREAD;
		else if (!strcmp(v, "class"))
			o->svg_color = SVG_BY_CLASS;
		else if (!strcmp(v, "cookie"))
			o->svg_color = SVG_BY_COOKIE;
		else
			return bad_usage("--svg-color: expected thread, class or cookie, got '%s'",
					 v);
		return 0;
	}
	if (!strcmp(a, "--run-dist")) {
		const char *why = wl_dist_parse(v, &o->run_dist);

		o->run_dist_set = true;
		return why ? bad_usage("--run-dist: %s, got '%s'", why, v) : 0;
	}
	if (!strcmp(a, "--trace-format")) {
		if (strcmp(v, "chrome") && strcmp(v, "ftrace"))
			return bad_usage("--trace-format: expected chrome or ftrace, got '%s'", v);
		o->trace_format = v;
		return 0;
	}
	if (!strcmp(a, "--dl-mode")) {
		if (strcmp(v, "global") && strcmp(v, "partitioned"))
			return bad_usage("--dl-mode: expected global or partitioned, got '%s'", v);
		o->cfg.dl_dispatch = strcmp(v, "global") ? SCHED_SC_PARTITIONED : SCHED_SC_GLOBAL;
		return 0;
	}
	if (!strcmp(a, "--admission")) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return bad_usage("--admission: expected on or off, got '%s'", v);
		o->cfg.admission = !strcmp(v, "on");
		return 0;
	}
	if (!strcmp(a, "--pi")) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return bad_usage("--pi: expected on or off, got '%s'", v);
		o->pi = !strcmp(v, "on");
		return 0;
	}
	if (!strcmp(a, "--duration"))
		return parse_seconds(v, WL_MAX_DURATION_S, &o->duration_s) < 0 ?
		       bad_usage("--duration: expected seconds > 0 and <= %d, got '%s'",
				 WL_MAX_DURATION_S, v) : 0;
	if (!strcmp(a, "--max-wall"))
		return parse_seconds(v, MAX_MAX_WALL_S, &o->max_wall_s) < 0 ?
		       bad_usage("--max-wall: expected seconds > 0 and <= %.0f, got '%s'",
				 MAX_MAX_WALL_S, v) : 0;
	for (int f = 0; f < NR_INT_FLAGS; f++) {
		const struct int_flag *fl = &int_flags[f];
		uint64_t n;

		if (strcmp(a, fl->name))
			continue;
		if (parse_u64(v, &n) < 0 || n < fl->min || n > fl->max)
			return bad_usage("%s: expected an integer %llu .. %llu%s, got '%s'", a,
					 (unsigned long long)fl->min,
					 (unsigned long long)fl->max, fl->unit, v);
		o->n[f] = n;
		return 0;
	}
	return bad_usage("unknown option '%s'", a);
}

static bool takes_value(const char *a)
{
	for (int f = 0; f < NR_INT_FLAGS; f++)
		if (!strcmp(a, int_flags[f].name))
			return true;
	return !strcmp(a, "--policy") || !strcmp(a, "--duration") || !strcmp(a, "--max-wall") ||
	       !strcmp(a, "--rtapp-logs") || !strcmp(a, "--dl-mode") || !strcmp(a, "--admission") ||
	       !strcmp(a, "--pi") || !strcmp(a, "--trace") || !strcmp(a, "--trace-format") ||
	       !strcmp(a, "--svg") || !strcmp(a, "--svg-window") || !strcmp(a, "--svg-color") ||
	       !strcmp(a, "--run-dist");
}

/* A flag without a value; returns false if `a` is not one. */
static bool parse_switch(struct options *o, const char *a)
{
	if (!strcmp(a, "--json"))
		o->json = true;
	else if (!strcmp(a, "--check"))
		o->check = true;
	else if (!strcmp(a, "--explain"))
		o->explain = true;
	else if (!strcmp(a, "--trace-ns"))
		o->trace_ns = true;
	else if (!strcmp(a, "--core-sched"))
		o->core = CORE_ON;
	else if (!strcmp(a, "--no-core-sched"))
		o->core = CORE_OFF;
	else if (!strcmp(a, "--core-protect"))
		o->cfg.core_protect = true;
	else
		return false;
	return true;
}

/* Returns 0, or 2 after printing what is wrong and the usage (bad flags). */
static int parse_args(int argc, char **argv, struct options *o)
{
	*o = (struct options){ .duration_s = -1, .max_wall_s = DEFAULT_MAX_WALL_S, .pi = -1,
			       .cfg = { .admission = true },
			       .n = { [F_CPUS] = 4, [F_SMT] = 1, [F_SEED] = 1,
				      [F_MAX_EVENTS] = DEFAULT_MAX_EVENTS } };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		}
		if (!strcmp(a, "--version")) {
			printf("schedsim %s\n", SCHEDSIM_VERSION);
			exit(0);
		}
		if (parse_switch(o, a))
			continue;
		if (a[0] != '-' && o->file)
			return bad_usage("a second FILE '%s' (after '%s')", a, o->file);
		if (a[0] != '-') {
			o->file = a;
			continue;
		}
		if (!takes_value(a))
			return bad_usage("unknown option '%s'", a);
		if (i + 1 == argc)
			return bad_usage("%s needs a value", a);
		r = parse_value(o, a, argv[++i]);
		if (r)
			return r;
	}
	if (o->core == CORE_OFF && o->cfg.core_protect)
		return bad_usage("--core-protect needs core scheduling (--no-core-sched)");
	if (!o->file)
		return bad_usage("no workload FILE");
	if (o->trace_ns && !o->trace)
		return bad_usage("--trace-ns needs --trace FILE");
	if (o->trace_format && !o->trace)
		return bad_usage("--trace-format needs --trace FILE");
	if (o->trace) {
		size_t len = strlen(o->trace);

		o->chrome = o->trace_format ? !strcmp(o->trace_format, "chrome")
					    : len >= 5 && !strcmp(o->trace + len - 5, ".json");
	}
	if (o->trace_ns && o->chrome)
		return bad_usage("--trace-ns is for the ftrace format (the Chrome trace is exact)");
	if ((o->svg_window || o->svg_color != SVG_BY_THREAD) && !o->svg)
		return bad_usage("--svg-window and --svg-color need --svg FILE");
	o->cfg.cpus = (unsigned)o->n[F_CPUS];
	o->cfg.smt = (unsigned)o->n[F_SMT];
	o->cfg.seed = o->n[F_SEED];
	o->cfg.ipi_latency_ns = o->n[F_IPI];
	o->cfg.switch_cost_ns = o->n[F_SWITCH];
	o->cfg.timer_cost_ns = o->n[F_TIMER];
	o->cfg.max_events = o->n[F_MAX_EVENTS];
	o->cfg.fair_spread_ns = o->n[F_SPREAD];
	o->cfg.job_records = o->logdir != NULL;
	return 0;
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void print_json_string(const char *str)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static uint64_t stat_of(struct sim_thread *t, enum sched_acct_field f)
{
	struct sched_acct a;

	if (sched_thread_stats(&t->sim->sys, sched_ref_of(&t->st), &a) < 0)
		a = t->st.acct; /* exited: its ledger is final */
	return a.v[f];
}

/* A task's libsched.cookie as given in the file: a number, a string, or 0 (untagged). */
static void print_json_cookie(const struct wl_task *task)
{
	if (task->cookie_kind == WL_COOKIE_STRING)
		print_json_string(task->cookie_str);
	else
		printf("%lld",
		       task->cookie_kind == WL_COOKIE_INT ? (long long)task->cookie_int : 0LL);
}

/* The cookie value as the text tables print it. */
static const char *cookie_text(const struct wl_task *task, char *buf, size_t len)
{
	if (task->cookie_kind == WL_COOKIE_STRING)
		return task->cookie_str;
	snprintf(buf, len, "%lld",
		 task->cookie_kind == WL_COOKIE_INT ? (long long)task->cookie_int : 0LL);
	return buf;
}

/* Per distinct libsched.cookie value (untagged included), in order of first thread. */
struct cookie_sum {
	const struct wl_task *task; /* a task with this value */
	size_t first;               /* its first thread */
	unsigned threads;
	uint64_t runtime, forced_idle;
};

/* A thread's place in sim->threads, to sort threads by cookie. */
struct thread_ref {
	const struct wl_task *task;
	size_t i;
};

/* By cookie, then thread order: each value's first thread leads its run. */
static int cmp_thread_ref(const void *a, const void *b)
{
	const struct thread_ref *x = a, *y = b;
	int c = wl_cmp_cookie(x->task, y->task);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

static int cmp_first(const void *a, const void *b)
{
	const struct cookie_sum *x = a, *y = b;

	return (x->first > y->first) - (x->first < y->first);
}

/*
 * Sorted, not compared pairwise: with a search of the values seen so far for each thread,
 * 16384 threads with a cookie each took 6 s to report.
 */
static size_t cookie_sums(struct sim *sim, struct cookie_sum *sum)
{
	struct thread_ref *ref = calloc(sim->nr_threads + 1, sizeof(*ref));
	size_t n = 0;

	if (!ref)
		abort();
	for (size_t i = 0; i < sim->nr_threads; i++)
		ref[i] = (struct thread_ref){ sim->threads[i]->task, i };
	qsort(ref, sim->nr_threads, sizeof(*ref), cmp_thread_ref);
	for (size_t k = 0; k < sim->nr_threads; k++) {
		struct sim_thread *t = sim->threads[ref[k].i];

		if (k == 0 || wl_cmp_cookie(ref[k - 1].task, ref[k].task))
			sum[n++] = (struct cookie_sum){ .task = t->task, .first = ref[k].i };
		sum[n - 1].threads++;
		sum[n - 1].runtime += stat_of(t, SCHED_ACCT_RUNTIME);
		sum[n - 1].forced_idle += stat_of(t, SCHED_ACCT_FORCED_IDLE);
	}
	free(ref);
	qsort(sum, n, sizeof(*sum), cmp_first);
	return n;
}

/* `count` events in `ns` of simulated time, per second (0 when no time passed). */
static double per_s(uint64_t count, uint64_t ns)
{
	return ns ? (double)count * (double)NS_PER_S / (double)ns : 0.0;
}

/* Migrations of every thread, summed. */
static uint64_t total_migrations(struct sim *sim)
{
	uint64_t n = 0;

	for (size_t i = 0; i < sim->nr_threads; i++)
		n += stat_of(sim->threads[i], SCHED_ACCT_MIGRATIONS);
	return n;
}

/* A periodic thread's job figures (docs/schedsim.md, "Job-level deadline accounting"):
 * ,"rt":{...} after its other fields; nothing for other threads. Response times and
 * lateness are null while no job has completed. */
static void print_json_jobs(struct sim *sim, struct sim_thread *t)
{
	struct sim_job_stats js;

	if (!sim_thread_jobs(sim, t, &js))
		return;
	printf(",\"rt\":{\"jobs\":%llu,\"misses\":%llu,\"response_ns\":",
	       (unsigned long long)js.jobs, (unsigned long long)js.misses);
	if (!js.completed) {
		printf("{\"p50\":null,\"p99\":null,\"max\":null},\"lateness_max_ns\":null}");
		return;
	}
	printf("{\"p50\":%llu,\"p99\":%llu,\"max\":%llu},\"lateness_max_ns\":%lld}",
	       (unsigned long long)js.resp_p50_ns, (unsigned long long)js.resp_p99_ns,
	       (unsigned long long)js.resp_max_ns, (long long)js.lateness_max_ns);
}

/* --- admission of SCHED_DEADLINE threads ----------------------------------------------- */

static const char *test_name(unsigned test)
{
	static const char *const names[] = {
		[SCHED_RT_EDF_UTIL] = "edf_util", [SCHED_RT_EDF_QPA] = "edf_qpa",
		[SCHED_RT_FP_RTA] = "fp_rta",     [SCHED_RT_LIMIT] = "limit",
		[SCHED_RT_GEDF_GFB] = "gedf_gfb", [SCHED_RT_GEDF_BCL] = "gedf_bcl",
		[SCHED_RT_GEDF_BAK] = "gedf_bak", [SCHED_RT_GFP_BCL] = "gfp_bcl",
	};

	return test < sizeof(names) / sizeof(names[0]) ? names[test] : NULL;
}

/* The thread whose SC has pool index `index`, or NULL. */
static const struct sim_thread *sc_owner(struct sim *sim, uint32_t index)
{
	for (size_t i = 0; i < sim->nr_threads; i++)
		if (sim->threads[i]->has_sc && sim->threads[i]->sc.index == index)
			return sim->threads[i];
	return NULL;
}

/* What admission decided about t's SC, in words (docs/schedsim.md, "Admission"). */
static void admission_reason(struct sim *sim, const struct sim_thread *t, char *buf, size_t len)
{
	const struct sched_sc_verdict *v = &t->verdict;
	const struct sched_rt_verdict *w = &v->why;
	const char *cmp = v->accepted ? "<=" : ">";
	const double frac = (double)(1ull << 40), ms = 1e6;

	if (!sim->cfg.admission) {
		snprintf(buf, len, "admission off");
		return;
	}
	if (!v->accepted && v->conflict != SCHED_RT_NO_TASK) {
		const struct sim_thread *o = sc_owner(sim, v->conflict);

		snprintf(buf, len, "its CPUs cross those of task '%s' (clusters must be equal or "
			 "disjoint)", o ? o->task->name : "?");
		return;
	}
	switch (w->test) {
	case SCHED_RT_EDF_UTIL:
		snprintf(buf, len, "demand %.3f %s supply %.3f (utilisation)",
			 (double)w->demand / frac, cmp, (double)w->supply / frac);
		break;
	case SCHED_RT_EDF_QPA:
		snprintf(buf, len, "demand %.3f ms %s supply %.3f ms by %.3f ms (processor demand)",
			 (double)w->demand / ms, cmp, (double)w->supply / ms, (double)w->at / ms);
		break;
	case SCHED_RT_GEDF_GFB:
		snprintf(buf, len, "density %.3f %s bound %.3f (global EDF, GFB)",
			 (double)w->demand / frac, cmp, (double)w->supply / frac);
		break;
	case SCHED_RT_GEDF_BCL:
		snprintf(buf, len, "interference %.3f ms %s %.3f ms of slack (global EDF, BCL)",
			 (double)w->demand / ms, v->accepted ? "<" : ">=", (double)w->supply / ms);
		break;
	case SCHED_RT_GEDF_BAK:
		snprintf(buf, len, "load %.3f %s bound %.3f (global EDF, Baker)",
			 (double)w->demand / frac, cmp, (double)w->supply / frac);
		break;
	case SCHED_RT_LIMIT:
		snprintf(buf, len, "the analysis reached its bound (refused to be safe)");
		break;
	default:
		snprintf(buf, len, "%s", v->accepted ? "accepted" : "refused");
	}
}

static bool any_verdict(struct sim *sim)
{
	for (size_t i = 0; i < sim->nr_threads; i++)
		if (sim->threads[i]->has_verdict)
			return true;
	return false;
}

/* The entries of "admission": one per SCHED_DEADLINE thread whose SC was configured. */
static void print_json_admission(struct sim *sim)
{
	bool first = true;
	char why[256];

	for (size_t i = 0; i < sim->nr_threads; i++) {
		const struct sim_thread *t = sim->threads[i];
		const char *test = test_name(t->verdict.why.test);

		if (!t->has_verdict)
			continue;
		printf("%s{\"task\":", first ? "" : ",");
		first = false;
		print_json_string(t->task->name);
		printf(",\"instance\":%u,\"accepted\":%s,\"cpu\":", t->instance,
		       t->verdict.accepted ? "true" : "false");
		if (t->verdict.cpu == SCHED_RT_NO_CPU)
			printf("null");
		else
			printf("%u", t->verdict.cpu);
		printf(",\"test\":");
		if (sim->cfg.admission && test)
			print_json_string(test);
		else
			printf("null");
		admission_reason(sim, t, why, sizeof(why));
		printf(",\"reason\":");
		print_json_string(why);
		printf("}");
	}
}

/* The same as a table, when some thread is SCHED_DEADLINE. */
static void print_admission_table(struct sim *sim)
{
	char why[256];

	if (!any_verdict(sim))
		return;
	printf("\nadmission %s, SCHED_DEADLINE dispatch %s\n", sim->cfg.admission ? "on" : "off",
	       sim->cfg.dl_dispatch == SCHED_SC_PARTITIONED ? "partitioned" : "global");
	printf("%-16s %4s %-8s %4s %-9s %s\n", "admission", "inst", "verdict", "cpu", "test",
	       "reason");
	for (size_t i = 0; i < sim->nr_threads; i++) {
		const struct sim_thread *t = sim->threads[i];
		const char *test = test_name(t->verdict.why.test);
		char cpu[8];

		if (!t->has_verdict)
			continue;
		if (t->verdict.cpu == SCHED_RT_NO_CPU)
			snprintf(cpu, sizeof(cpu), "-");
		else
			snprintf(cpu, sizeof(cpu), "%u", t->verdict.cpu);
		admission_reason(sim, t, why, sizeof(why));
		printf("%-16.16s %4u %-8s %4s %-9s %s\n", t->task->name, t->instance,
		       t->verdict.accepted ? "accepted" : "REFUSED", cpu,
		       sim->cfg.admission && test ? test : "-", why);
	}
}

/* --- leases, rings and the tick --------------------------------------------------------- */

static const char *const step_names[SCHED_LEASE_STEP_NR] = {
	[SCHED_LEASE_STEP_CLOSE] = "close",           [SCHED_LEASE_STEP_QUEUED] = "queued",
	[SCHED_LEASE_STEP_REFILLS] = "refills",       [SCHED_LEASE_STEP_TIMEOUTS] = "timeouts",
	[SCHED_LEASE_STEP_PORT_TIMERS] = "port_timers", [SCHED_LEASE_STEP_PORT_WORK] = "port_work",
	[SCHED_LEASE_STEP_PORT_IRQS] = "port_irqs",   [SCHED_LEASE_STEP_ACCOUNTING] = "accounting",
	[SCHED_LEASE_STEP_SWITCHED] = "switched",
};

static const char *const port_names[] = { [SCHED_LEASE_PORT_TIMERS] = "timers",
					  [SCHED_LEASE_PORT_WORK] = "work",
					  [SCHED_LEASE_PORT_IRQS] = "irqs" };

/* libsched's record of why a lease ended, named as the file's "cause" values. */
static const char *cause_name(unsigned cause)
{
	static const char *const names[SCHED_LEASE_CAUSE_NR] = {
		[SCHED_LEASE_NOT_REVOKED] = "none",     [SCHED_LEASE_REVOKED] = "revoke",
		[SCHED_LEASE_HOLDER_EXIT] = "holder_exit", [SCHED_LEASE_SERVICE] = "service",
		[SCHED_LEASE_SESSION] = "session",
	};

	return cause < SCHED_LEASE_CAUSE_NR ? names[cause] : "?";
}

static const char *lease_state(const struct sim_lease *l)
{
	switch (l->state) {
	case SIM_LEASE_REFUSED:
		return "refused";
	case SIM_LEASE_LIVE:
		return l->info.state == SCHED_LEASE_ACTIVE ? "active" : "pending";
	case SIM_LEASE_REVOKED:
		return "revoked";
	default:
		return "planned";
	}
}

/* "1", "1,2": a lease's CPUs. */
static const char *cpus_text(const sched_cpumask_t *m, unsigned nr, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned c = 0; c < nr && n + 4 < len; c++)
		if (sched_cpumask_test(m, c))
			n += (size_t)snprintf(buf + n, len - n, "%s%u", n ? "," : "", c);
	return buf;
}

static bool has_leases_or_rings(const struct sim *sim)
{
	return sim->nr_leases || sim->nr_rings;
}

/* An instant of a lease's record as the tables print it: ms, or "-" for none. */
static void print_ms_or_dash(sched_time_t t, int width)
{
	if (t == SCHED_TIME_NEVER)
		printf(" %*s", width, "-");
	else
		printf(" %*.3f", width, (double)t / 1e6);
}

/* What went wrong with a lease, in words; "" when nothing did. */
static const char *lease_error(const struct sim_lease *l, char *buf, size_t len)
{
	if (l->err)
		snprintf(buf, len, "%s: %s", l->err_call, sched_strerror(l->err));
	else if (l->outlived)
		snprintf(buf, len, "%s left it live", l->err_call ? l->err_call : "the revocation");
	else
		buf[0] = '\0';
	return buf;
}

static void print_lease_table(struct sim *sim)
{
	char cpus[200], err[160];

	printf("\n%-16s %-16s %-8s %-8s %10s %10s %10s %-11s %10s %11s\n", "lease", "holder",
	       "cpus", "state", "granted_ms", "active_ms", "revoked_ms", "cause", "ret_lat_us",
	       "returned_ms");
	for (size_t i = 0; i < sim->nr_leases; i++) {
		const struct sim_lease *l = &sim->leases[i];
		bool info = l->has_info;

		printf("%-16.16s %-16.16s %-8.8s %-8s", l->wl->name, l->wl->holder,
		       cpus_text(&l->cpus, sim->cfg.cpus, cpus, sizeof(cpus)), lease_state(l));
		print_ms_or_dash(info ? l->info.rec.granted_at : SCHED_TIME_NEVER, 10);
		print_ms_or_dash(info ? l->info.rec.active_at : SCHED_TIME_NEVER, 10);
		print_ms_or_dash(l->revoked_at, 10);
		printf(" %-11s", l->state == SIM_LEASE_REVOKED ? cause_name(l->cause) : "-");
		if (l->returned_at == SCHED_TIME_NEVER)
			printf(" %10s", "-");
		else
			printf(" %10.3f", (double)l->return_ns / 1e3);
		print_ms_or_dash(l->returned_at, 11);
		printf("%s%s\n", lease_error(l, err, sizeof(err))[0] ? "  " : "", err);
	}
}

/* The activation record of each lease granted, as sched_lease_info last gave it. */
static void print_lease_steps(struct sim *sim)
{
	bool header = false;

	for (size_t i = 0; i < sim->nr_leases; i++) {
		const struct sim_lease *l = &sim->leases[i];

		if (!l->has_info)
			continue;
		if (!header)
			printf("\n%-16s %-12s %10s %7s\n", "lease_step", "step", "at_ms", "count");
		header = true;
		for (unsigned s = 0; s < SCHED_LEASE_STEP_NR; s++) {
			printf("%-16.16s %-12s", l->wl->name, step_names[s]);
			print_ms_or_dash(l->info.rec.step_at[s], 10);
			printf(" %7u\n", l->info.rec.step_count[s]);
		}
	}
}

/* Each lease's CPUs from its grant (span) and while it was ACTIVE (window). */
static void print_lease_windows(struct sim *sim)
{
	bool header = false;

	for (size_t i = 0; i < sim->nr_leases; i++) {
		struct sim_lease_window w;

		if (!sim->leases[i].active)
			continue;
		if (!header)
			printf("\n%-16s %10s %10s %10s %8s %8s %10s %10s %10s %10s\n",
			       "lease_window", "span_timer", "span_stops", "span_rest", "timer",
			       "restarts", "nohz_ms", "holder_ms", "other_ms", "idle_ms");
		header = true;
		sim_lease_window(sim, &sim->leases[i], &w);
		printf("%-16.16s %10llu %10llu %10llu %8llu %8llu %10.3f %10.3f %10.3f %10.3f\n",
		       sim->leases[i].wl->name, (unsigned long long)w.span.timer_irqs,
		       (unsigned long long)w.span.stop_lease, (unsigned long long)w.span.restarts,
		       (unsigned long long)w.active.timer_irqs,
		       (unsigned long long)w.active.restarts, (double)w.active.nohz_ns / 1e6,
		       (double)w.holder_ns / 1e6, (double)w.other_ns / 1e6, (double)w.idle_ns / 1e6);
	}
}

static void print_ring_table(struct sim *sim)
{
	printf("\n%-16s %-16s %9s %8s %9s %9s %8s %8s %8s %9s %10s %10s %10s\n", "ring",
	       "consumer", "published", "dropped", "consumed", "submits", "refused", "wakeups",
	       "parks", "polls", "lat_p50_us", "lat_p99_us", "lat_max_us");
	for (size_t i = 0; i < sim->nr_rings; i++) {
		struct sim_ring *rg = &sim->rings[i];

		printf("%-16.16s %-16.16s %9llu %8llu %9llu %9llu %8llu %8llu %8llu %9llu "
		       "%10.1f %10.1f %10.1f\n", rg->wl->name,
		       rg->consumer ? rg->consumer->task->name : "-",
		       (unsigned long long)rg->published, (unsigned long long)rg->dropped,
		       (unsigned long long)rg->lat.n, (unsigned long long)rg->r.submits,
		       (unsigned long long)rg->submit_refused, (unsigned long long)rg->r.wakeups,
		       (unsigned long long)rg->r.parks, (unsigned long long)rg->r.polls,
		       (double)sim_ring_latency(rg, 50) / 1e3, (double)sim_ring_latency(rg, 99) / 1e3,
		       (double)sim_ring_latency(rg, 100) / 1e3);
	}
}

/* Per CPU: the tick (stops by reason, restarts, time without it, timer interrupts), the
 * leases it went through and their revocation latency, and the port hook's calls. */
static void print_nohz_table(struct sim *sim)
{
	printf("\n%-4s %9s %11s %10s %8s %10s %8s %7s %7s %10s %10s %-9s %-9s %s\n", "cpu",
	       "stop_idle", "stop_single", "stop_lease", "restarts", "nohz_ms", "timer",
	       "leased", "back", "ret_sum_us", "ret_max_us", "p_timers", "p_work", "p_irqs");
	for (unsigned c = 0; c < sim->cfg.cpus; c++) {
#define CNT(x) (unsigned long long)sched_cpu_counter(&sim->sys, c, SCHED_CNT_##x)
		printf("%-4u %9llu %11llu %10llu %8llu %10.3f %8llu %7llu %7llu %10.3f %10.3f", c,
		       CNT(NOHZ_STOP_IDLE), CNT(NOHZ_STOP_SINGLE), CNT(NOHZ_STOP_LEASE),
		       CNT(NOHZ_RESTART), (double)sim_cpu_nohz_ns(sim, c) / 1e6, CNT(TIMER_IRQ),
		       CNT(LEASE_GRANTS), CNT(LEASE_RETURNS), (double)CNT(LEASE_RETURN_NS) / 1e3,
		       (double)CNT(LEASE_RETURN_MAX_NS) / 1e3);
#undef CNT
		for (unsigned k = 0; k < 3; k++) {
			char calls[48];

			snprintf(calls, sizeof(calls), "%llu/%llu",
				 (unsigned long long)sim->port_calls[c][k][1],
				 (unsigned long long)sim->port_calls[c][k][0]);
			printf(k < 2 ? " %-9s" : " %s", calls);
		}
		printf("\n");
	}
	printf("(p_*: lease_port calls, leased/given back; %llu with a libsched lock held, "
	       "%llu malformed)\n", (unsigned long long)sim->port_locked,
	       (unsigned long long)sim->port_bad);
}

static void print_lease_tables(struct sim *sim)
{
	if (!has_leases_or_rings(sim))
		return;
	if (sim->nr_leases) {
		print_lease_table(sim);
		print_lease_steps(sim);
		print_lease_windows(sim);
	}
	if (sim->nr_rings)
		print_ring_table(sim);
	print_nohz_table(sim);
}

/* An instant, or null. */
static void print_json_time(const char *key, sched_time_t t)
{
	if (t == SCHED_TIME_NEVER)
		printf(",\"%s\":null", key);
	else
		printf(",\"%s\":%llu", key, (unsigned long long)t);
}

static void print_json_record(const struct sim_lease *l)
{
	const struct sched_lease_record *rec = &l->info.rec;

	print_json_time("granted_at_ns", l->has_info ? rec->granted_at : SCHED_TIME_NEVER);
	print_json_time("active_at_ns", l->has_info ? rec->active_at : SCHED_TIME_NEVER);
	printf(",\"steps\":[");
	for (unsigned s = 0; l->has_info && s < SCHED_LEASE_STEP_NR; s++) {
		printf("%s{\"step\":\"%s\"", s ? "," : "", step_names[s]);
		print_json_time("at_ns", rec->step_at[s]);
		printf(",\"count\":%u}", rec->step_count[s]);
	}
	printf("]");
}

static void print_json_counts(const char *key, const struct sim_lease_counts *c)
{
	printf(",\"%s\":{\"timer_irqs\":%llu,\"nohz_stop_lease\":%llu,\"nohz_restarts\":%llu,"
	       "\"nohz_ns\":%llu", key, (unsigned long long)c->timer_irqs,
	       (unsigned long long)c->stop_lease, (unsigned long long)c->restarts,
	       (unsigned long long)c->nohz_ns);
}

/* "span": from the grant; "window": while ACTIVE, with what the CPUs ran. */
static void print_json_window(struct sim *sim, const struct sim_lease *l)
{
	struct sim_lease_window w;

	sim_lease_window(sim, l, &w);
	if (l->state == SIM_LEASE_LIVE || l->state == SIM_LEASE_REVOKED) {
		print_json_counts("span", &w.span);
		printf("}");
	} else {
		printf(",\"span\":null");
	}
	if (!l->active) {
		printf(",\"window\":null");
		return;
	}
	print_json_counts("window", &w.active);
	printf(",\"holder_ns\":%llu,\"other_ns\":%llu,\"idle_ns\":%llu}",
	       (unsigned long long)w.holder_ns, (unsigned long long)w.other_ns,
	       (unsigned long long)w.idle_ns);
}

/* The leased CPU time charged to the lease's accounting target (SCHED_ACCT_LEASED): its
 * "target", else the holder's group. Every lease with that target counts there. */
static uint64_t target_leased(const struct sim_lease *l)
{
	const struct sched_group *g = l->target ? l->target
				    : l->holder ? l->holder->st.group : l->group;

	return g ? g->acct.v[SCHED_ACCT_LEASED] : 0;
}

static void print_json_lease(struct sim *sim, const struct sim_lease *l)
{
	char buf[200];

	printf("{\"name\":");
	print_json_string(l->wl->name);
	printf(",\"holder\":");
	print_json_string(l->wl->holder);
	printf(",\"holder_kind\":\"%s\",\"cpus\":[", l->holder ? "task" : "group");
	for (unsigned c = 0, n = 0; c < sim->cfg.cpus; c++)
		if (sched_cpumask_test(&l->cpus, c))
			printf("%s%u", n++ ? "," : "", c);
	printf("],\"state\":\"%s\"", lease_state(l));
	print_json_record(l);
	print_json_window(sim, l);
	print_json_time("revoked_at_ns", l->revoked_at);
	printf(",\"cause\":");
	if (l->state == SIM_LEASE_REVOKED)
		printf("\"%s\"", cause_name(l->cause));
	else
		printf("null");
	print_json_time("returned_at_ns", l->returned_at);
	if (l->returned_at == SCHED_TIME_NEVER)
		printf(",\"return_latency_ns\":null,\"return_latency_sum_ns\":null");
	else
		printf(",\"return_latency_ns\":%llu,\"return_latency_sum_ns\":%llu",
		       (unsigned long long)l->return_ns, (unsigned long long)l->return_sum_ns);
	printf(",\"foreign\":%llu,\"target_leased_ns\":%llu,\"error\":",
	       (unsigned long long)l->foreign, (unsigned long long)target_leased(l));
	if (lease_error(l, buf, sizeof(buf))[0])
		print_json_string(buf);
	else
		printf("null");
	printf("}");
}

/* The consumer is parked at the end of the run (blocked in its ring's poll). */
static bool consumer_parked(const struct sim_ring *rg)
{
	const struct sim_thread *t = rg->consumer;

	return t && !t->done && t->program_wait && t->st.state == SCHED_BLOCKED;
}

static void print_json_ring(struct sim_ring *rg)
{
	printf("{\"name\":");
	print_json_string(rg->wl->name);
	printf(",\"consumer\":");
	if (rg->consumer)
		print_json_string(rg->consumer->task->name);
	else
		printf("null");
	printf(",\"consumer_parked\":%s", consumer_parked(rg) ? "true" : "false");
	printf(",\"entries\":%u,\"dropped\":%llu", rg->wl->entries,
	       (unsigned long long)rg->dropped);
	printf(",\"idle_ns\":%llu,\"poll_ns\":%llu,\"consume_ns\":%llu,\"published\":%llu,"
	       "\"consumed\":%llu,\"pending\":%llu,\"submit_calls\":%llu,\"unparked\":%llu,"
	       "\"refused\":%llu,\"parked\":%llu,\"submits\":%llu,\"wakeups\":%llu,\"parks\":%llu,"
	       "\"polls\":%llu,\"latency_ns\":{\"p50\":%llu,\"p99\":%llu,\"max\":%llu}}",
	       (unsigned long long)rg->wl->idle_ns, (unsigned long long)rg->wl->poll_ns,
	       (unsigned long long)rg->wl->consume_ns, (unsigned long long)rg->published,
	       (unsigned long long)rg->lat.n, (unsigned long long)rg->nr,
	       (unsigned long long)rg->submit_calls, (unsigned long long)rg->submit_unparked,
	       (unsigned long long)rg->submit_refused, (unsigned long long)rg->parked,
	       (unsigned long long)rg->r.submits, (unsigned long long)rg->r.wakeups,
	       (unsigned long long)rg->r.parks, (unsigned long long)rg->r.polls,
	       (unsigned long long)sim_ring_latency(rg, 50),
	       (unsigned long long)sim_ring_latency(rg, 99),
	       (unsigned long long)sim_ring_latency(rg, 100));
}

/* The tick, leases and the port hook per CPU. */
static void print_json_nohz(struct sim *sim)
{
	printf(",\"nohz\":[");
	for (unsigned c = 0; c < sim->cfg.cpus; c++) {
#define CNT(x) (unsigned long long)sched_cpu_counter(&sim->sys, c, SCHED_CNT_##x)
		printf("%s{\"cpu\":%u,\"stop_idle\":%llu,\"stop_single\":%llu,\"stop_lease\":%llu,"
		       "\"restarts\":%llu,\"nohz_ns\":%llu,\"timer_irqs\":%llu,\"lease_grants\":%llu,"
		       "\"lease_returns\":%llu,\"lease_return_ns\":%llu,\"lease_return_max_ns\":%llu,"
		       "\"lease_port\":{", c ? "," : "", c, CNT(NOHZ_STOP_IDLE),
		       CNT(NOHZ_STOP_SINGLE), CNT(NOHZ_STOP_LEASE), CNT(NOHZ_RESTART),
		       (unsigned long long)sim_cpu_nohz_ns(sim, c), CNT(TIMER_IRQ), CNT(LEASE_GRANTS),
		       CNT(LEASE_RETURNS), CNT(LEASE_RETURN_NS), CNT(LEASE_RETURN_MAX_NS));
#undef CNT
		for (unsigned k = 0; k < 3; k++)
			printf("%s\"%s\":{\"leased\":%llu,\"back\":%llu}", k ? "," : "", port_names[k],
			       (unsigned long long)sim->port_calls[c][k][1],
			       (unsigned long long)sim->port_calls[c][k][0]);
		printf("}}");
	}
	printf("],\"lease_port\":{\"locked\":%llu,\"malformed\":%llu}",
	       (unsigned long long)sim->port_locked, (unsigned long long)sim->port_bad);
}

static void print_json_leases(struct sim *sim)
{
	print_json_nohz(sim);
	printf(",\"leases\":[");
	for (size_t i = 0; i < sim->nr_leases; i++) {
		printf("%s", i ? "," : "");
		print_json_lease(sim, &sim->leases[i]);
	}
	printf("],\"rings\":[");
	for (size_t i = 0; i < sim->nr_rings; i++) {
		printf("%s", i ? "," : "");
		print_json_ring(&sim->rings[i]);
	}
	printf("]");
}

/* --- IRQ sources ------------------------------------------------------------------------ */

static const char *const irq_why[] = { [SIM_IRQ_LEASED] = "leased", [SIM_IRQ_BACK] = "back",
				       [SIM_IRQ_RESERVE] = "reserve",
				       [SIM_IRQ_RELEASE] = "release" };

/* The IRQ figures are printed for a workload with IRQ sources (or whose islands called
 * island_irq) only: the report of any other stays what it was. */
static bool has_irqs(const struct sim *sim)
{
	return sim->nr_irqs || sim->irq_calls;
}

/* Per source: where it is routed, its rate and cost, what it fired; per CPU: the handlers'
 * time, taken from threads or from idle; then every routing change. Nothing without
 * sources (or island_irq calls). */
static void print_irq_tables(struct sim *sim)
{
	if (!has_irqs(sim))
		return;
	printf("\n%-16s %5s %4s %5s %4s %10s %10s %9s %8s %9s %10s %12s %5s\n", "irq", "line",
	       "cpu", "route", "resv", "period_us", "min_gap_us", "jitter_us", "cost_us", "fired",
	       "handler_ms", "delay_max_us", "moves");
	for (size_t i = 0; i < sim->nr_irqs; i++) {
		const struct sim_irq *q = &sim->irqs[i];
		const struct wl_irq *w = q->wl;

		printf("%-16.16s %5u %4u %5u %4s %10.1f %10.1f %9.1f %8.1f %9llu %10.3f %12.1f "
		       "%5llu\n", w->name, w->irq, w->cpu, q->route, q->reserved ? "yes" : "no",
		       (double)w->period_ns / 1e3, (double)w->min_gap_ns / 1e3,
		       (double)w->jitter_ns / 1e3, (double)w->cost_ns / 1e3,
		       (unsigned long long)q->fired, (double)q->handler_ns / 1e6,
		       (double)q->max_delay_ns / 1e3, (unsigned long long)q->moves);
	}
	printf("\n%-4s %9s %10s %11s %9s %6s\n", "cpu", "irqs", "irq_ms", "stolen_ms", "idle_ms",
	       "irq%");
	for (unsigned c = 0; c < sim->cfg.cpus; c++) {
		const struct sim_cpu *pc = &sim->cpu[c];

		printf("%-4u %9llu %10.3f %11.3f %9.3f %6.2f\n", c, (unsigned long long)pc->irqs,
		       (double)pc->irq_ns / 1e6, (double)(pc->irq_ns - pc->irq_idle_ns) / 1e6,
		       (double)pc->irq_idle_ns / 1e6,
		       sim->now ? 100.0 * (double)pc->irq_ns / (double)sim->now : 0.0);
	}
	if (sim->nr_irq_moves)
		printf("\n%-16s %12s %5s %4s %-8s\n", "irq_route", "at_ms", "from", "to", "why");
	for (size_t i = 0; i < sim->nr_irq_moves; i++) {
		const struct sim_irq_move *m = &sim->irq_moves[i];

		printf("%-16.16s %12.3f %5u %4u %-8s\n", sim->irqs[m->irq].wl->name,
		       (double)m->at / 1e6, m->from, m->to, irq_why[m->why]);
	}
	printf("(stolen: handler time taken from a running thread, not charged to it; "
	       "island_irq calls: %llu, %llu malformed, %llu of no source)\n",
	       (unsigned long long)sim->irq_calls, (unsigned long long)sim->irq_calls_bad,
	       (unsigned long long)sim->irq_calls_unknown);
}

static void print_json_irqs(struct sim *sim)
{
	if (!has_irqs(sim))
		return;
	printf(",\"irqs\":[");
	for (size_t i = 0; i < sim->nr_irqs; i++) {
		const struct sim_irq *q = &sim->irqs[i];
		const struct wl_irq *w = q->wl;

		printf("%s{\"name\":", i ? "," : "");
		print_json_string(w->name);
		printf(",\"line\":%u,\"cpu\":%u,\"route\":%u,\"reserved\":%s,\"period_ns\":%llu,"
		       "\"min_gap_ns\":%llu,\"jitter_ns\":%llu,\"cost_ns\":%llu,\"start_ns\":%llu,"
		       "\"fired\":%llu,\"handler_ns\":%llu,\"max_delay_ns\":%llu,\"moves\":%llu,"
		       "\"fired_on\":[", w->irq, w->cpu, q->route, q->reserved ? "true" : "false",
		       (unsigned long long)w->period_ns, (unsigned long long)w->min_gap_ns,
		       (unsigned long long)w->jitter_ns, (unsigned long long)w->cost_ns,
		       (unsigned long long)w->start_ns, (unsigned long long)q->fired,
		       (unsigned long long)q->handler_ns, (unsigned long long)q->max_delay_ns,
		       (unsigned long long)q->moves);
		for (unsigned c = 0; c < sim->cfg.cpus; c++)
			printf("%s%llu", c ? "," : "", (unsigned long long)q->on_cpu[c]);
		printf("]}");
	}
	printf("],\"irq_routes\":[");
	for (size_t i = 0; i < sim->nr_irq_moves; i++) {
		const struct sim_irq_move *m = &sim->irq_moves[i];

		printf("%s{\"at_ns\":%llu,\"irq\":", i ? "," : "", (unsigned long long)m->at);
		print_json_string(sim->irqs[m->irq].wl->name);
		printf(",\"from\":%u,\"to\":%u,\"why\":\"%s\"}", m->from, m->to, irq_why[m->why]);
	}
	printf("],\"island_irq\":{\"calls\":%llu,\"malformed\":%llu,\"unknown\":%llu}",
	       (unsigned long long)sim->irq_calls, (unsigned long long)sim->irq_calls_bad,
	       (unsigned long long)sim->irq_calls_unknown);
}

/* --- realtime islands ------------------------------------------------------------------- */

static const char *const island_states[] = { [SIM_ISLAND_PLANNED] = "planned",
					     [SIM_ISLAND_ADMITTED] = "admitted",
					     [SIM_ISLAND_REFUSED] = "refused" };
static const char *const violation_names[SCHED_ISLAND_V_NR] = {
	[SCHED_ISLAND_V_ALLOC] = "alloc", [SCHED_ISLAND_V_FAULT] = "fault",
	[SCHED_ISLAND_V_LOG] = "log", [SCHED_ISLAND_V_BLOCK] = "block",
	[SCHED_ISLAND_V_CALL] = "call" };
static const char *const resource_names[] = {
	[SCHED_ISLAND_RES_NONE] = "none", [SCHED_ISLAND_RES_CPU] = "cpu",
	[SCHED_ISLAND_RES_POOL] = "pool", [SCHED_ISLAND_RES_IRQ] = "irq",
	[SCHED_ISLAND_RES_PATH] = "path", [SCHED_ISLAND_RES_SERVER] = "server",
	[SCHED_ISLAND_RES_MEMBER] = "member", [SCHED_ISLAND_RES_LEASE] = "lease" };
static const char *const island_tests[] = {
	[SCHED_ISLAND_OK] = "ok", [SCHED_ISLAND_DEMAND] = "demand",
	[SCHED_ISLAND_CROSSED] = "crossed", [SCHED_ISLAND_SHORT] = "short",
	[SCHED_ISLAND_IRQ_TAKEN] = "irq_taken", [SCHED_ISLAND_IRQ_GLOBAL] = "irq_global",
	[SCHED_ISLAND_NOT_PASSIVE] = "not_passive", [SCHED_ISLAND_SERVER_TAKEN] = "server_taken",
	[SCHED_ISLAND_TWO_CALLERS] = "two_callers", [SCHED_ISLAND_NO_ROOT] = "no_root",
	[SCHED_ISLAND_TOO_DEEP] = "too_deep", [SCHED_ISLAND_SERVER_CPUS] = "server_cpus",
	[SCHED_ISLAND_CALL_BUDGET] = "call_budget", [SCHED_ISLAND_LEASE] = "lease",
	[SCHED_ISLAND_SCRATCH] = "scratch" };

#define NAME_OF(table, i) ((size_t)(i) < sizeof(table) / sizeof(table[0]) && table[i] ? \
			   table[i] : "?")

/* An island's figures (sched_island_stats, per member in per[]); zeros unless admitted. */
static void island_figures(struct sim *sim, const struct sim_island *is,
			   struct sched_island_stats *st, struct sched_sc_stats *per)
{
	*st = (struct sched_island_stats){ 0 };
	memset(per, 0, SCHED_ISLAND_SCS_MAX * sizeof(*per));
	if (is->state == SIM_ISLAND_ADMITTED &&
	    sched_island_stats(&sim->sys, is->cap, st, per, SCHED_ISLAND_SCS_MAX) < 0)
		*st = (struct sched_island_stats){ 0 };
}

static struct sim_thread *member_thread(struct sim *sim, const struct sim_island *is, size_t i)
{
	for (size_t k = 0; k < sim->nr_threads; k++)
		if (sim->threads[k]->task == &sim->wl->tasks[is->wl->members[i].task])
			return sim->threads[k];
	return NULL;
}

/* "3", "2,3": a mask's CPUs. */
static const char *mask_text(uint64_t bits, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned c = 0; c < 64 && at < len; c++)
		if (bits >> c & 1)
			at += (size_t)snprintf(buf + at, len - at, "%s%u", at ? "," : "", c);
	return buf;
}

/* Per island: its verdict and figures; then per member, its SC's figures and its jobs as
 * schedsim counts them. Nothing without islands. */
static void print_island_tables(struct sim *sim)
{
	struct sched_sc_stats per[SCHED_ISLAND_SCS_MAX];
	char cpus[200];

	if (!sim->nr_islands)
		return;
	printf("\n%-16s %-8s %-6s %-8s %7s %8s %7s %11s %8s %7s %7s %5s %7s %6s  %s\n", "island",
	       "state", "mode", "cpus", "members", "jobs", "misses", "late_max_us", "overruns",
	       "v_alloc", "v_fault", "v_log", "v_block", "v_call", "verdict");
	for (size_t i = 0; i < sim->nr_islands; i++) {
		const struct sim_island *is = &sim->islands[i];
		struct sched_island_stats st;

		island_figures(sim, is, &st, per);
		printf("%-16.16s %-8s %-6s %-8.8s %7zu %8llu %7llu %11.1f %8llu %7llu %7llu %5llu "
		       "%7llu %6llu  %s\n", is->wl->name, island_states[is->state],
		       is->wl->shared ? "shared" : "leased", mask_text(is->wl->cpus, cpus, sizeof(cpus)),
		       is->wl->nr_members, (unsigned long long)st.jobs,
		       (unsigned long long)st.misses, (double)st.max_lateness_ns / 1e3,
		       (unsigned long long)st.overruns,
		       (unsigned long long)st.violations[SCHED_ISLAND_V_ALLOC],
		       (unsigned long long)st.violations[SCHED_ISLAND_V_FAULT],
		       (unsigned long long)st.violations[SCHED_ISLAND_V_LOG],
		       (unsigned long long)st.violations[SCHED_ISLAND_V_BLOCK],
		       (unsigned long long)st.violations[SCHED_ISLAND_V_CALL],
		       is->state == SIM_ISLAND_PLANNED ? "-" : is->explain);
	}
	printf("\n%-16s %-16s %4s %9s %9s %11s %8s %7s %11s %8s %8s %9s\n", "island_member",
	       "island", "cpu", "budget_us", "period_us", "deadline_us", "jobs", "misses",
	       "late_max_us", "overruns", "rt_jobs", "rt_misses");
	for (size_t i = 0; i < sim->nr_islands; i++) {
		const struct sim_island *is = &sim->islands[i];
		struct sched_island_stats st;

		island_figures(sim, is, &st, per);
		for (size_t k = 0; k < is->wl->nr_members; k++) {
			const struct sched_sc_params *p = &is->members[k].p;
			struct sim_thread *t = member_thread(sim, is, k);
			struct sim_job_stats js;
			char cpu[8] = "-";

			if (is->state == SIM_ISLAND_ADMITTED && is->verdict.cpu_of[k] != SCHED_RT_NO_CPU)
				snprintf(cpu, sizeof(cpu), "%u", is->verdict.cpu_of[k]);
			sim_thread_jobs(sim, t, &js);
			printf("%-16.16s %-16.16s %4s %9.1f %9.1f %11.1f %8llu %7llu %11.1f %8llu "
			       "%8llu %9llu\n", is->wl->members[k].thread, is->wl->name, cpu,
			       (double)p->budget_ns / 1e3, (double)p->period_ns / 1e3,
			       (double)(p->deadline_ns ? p->deadline_ns : p->period_ns) / 1e3,
			       (unsigned long long)per[k].jobs,
			       (unsigned long long)per[k].deadline_misses,
			       (double)per[k].max_lateness_ns / 1e3,
			       (unsigned long long)per[k].depletions, (unsigned long long)js.jobs,
			       (unsigned long long)js.misses);
		}
	}
	printf("(jobs, misses, late_max, overruns: libsched's, per member SC: wake-ups, blocks "
	       "after the deadline, depletions; rt_jobs, rt_misses: schedsim's job accounting)\n");
	if (sim->cfg.bench_mode)
		return;
	printf("trace: %llu miss events (%llu of island members), island events: %llu admit, "
	       "%llu revoke, %llu violation\n", (unsigned long long)sim->tr_miss,
	       (unsigned long long)sim->tr_miss_island,
	       (unsigned long long)sim->tr_island[SCHED_ISLAND_EV_ADMIT],
	       (unsigned long long)sim->tr_island[SCHED_ISLAND_EV_REVOKE],
	       (unsigned long long)sim->tr_island[SCHED_ISLAND_EV_VIOLATION]);
}

static void print_json_island(struct sim *sim, const struct sim_island *is)
{
	struct sched_sc_stats per[SCHED_ISLAND_SCS_MAX];
	struct sched_island_stats st;
	const struct sched_island_verdict *v = &is->verdict;

	island_figures(sim, is, &st, per);
	printf("{\"name\":");
	print_json_string(is->wl->name);
	printf(",\"group\":");
	print_json_string(is->wl->group);
	printf(",\"mode\":\"%s\",\"cpus\":[", is->wl->shared ? "shared" : "leased");
	for (unsigned c = 0, n = 0; c < 64; c++)
		if (is->wl->cpus >> c & 1)
			printf("%s%u", n++ ? "," : "", c);
	printf("],\"state\":\"%s\",\"accepted\":%s", island_states[is->state],
	       is->state == SIM_ISLAND_ADMITTED ? "true" : "false");
	if (is->state == SIM_ISLAND_PLANNED)
		printf(",\"at_ns\":null,\"verdict\":null,\"error\":null,\"resource\":null,"
		       "\"test\":null");
	else {
		printf(",\"at_ns\":%llu,\"verdict\":", (unsigned long long)is->at);
		print_json_string(is->explain);
		printf(",\"error\":");
		if (is->state == SIM_ISLAND_REFUSED) {
			print_json_string(sched_strerror(is->err));
			printf(",\"resource\":\"%s\",\"index\":%u,\"test\":\"%s\","
			       "\"demand\":%llu,\"supply\":%llu", NAME_OF(resource_names, v->resource),
			       v->index, NAME_OF(island_tests, v->test),
			       (unsigned long long)v->demand, (unsigned long long)v->supply);
		} else {
			printf("null,\"resource\":null,\"test\":null");
		}
	}
	printf(",\"jobs\":%llu,\"misses\":%llu,\"max_lateness_ns\":%llu,\"overruns\":%llu,"
	       "\"max_overrun_ns\":%llu,\"violations\":{", (unsigned long long)st.jobs,
	       (unsigned long long)st.misses, (unsigned long long)st.max_lateness_ns,
	       (unsigned long long)st.overruns, (unsigned long long)st.max_overrun_ns);
	for (unsigned k = 0; k < SCHED_ISLAND_V_NR; k++)
		printf("%s\"%s\":%llu", k ? "," : "", violation_names[k],
		       (unsigned long long)st.violations[k]);
	printf("},\"notified\":{\"depleted\":%llu,\"timeout\":%llu,\"violation\":%llu}",
	       (unsigned long long)is->notified[SCHED_SC_MSG_DEPLETED],
	       (unsigned long long)is->notified[SCHED_SC_MSG_TIMEOUT],
	       (unsigned long long)is->notified[SCHED_ISLAND_MSG_VIOLATION]);
	printf(",\"members\":[");
	for (size_t k = 0; k < is->wl->nr_members; k++) {
		struct sim_thread *t = member_thread(sim, is, k);
		struct sim_job_stats js;

		printf("%s{\"thread\":", k ? "," : "");
		print_json_string(is->wl->members[k].thread);
		if (is->state == SIM_ISLAND_ADMITTED && v->cpu_of[k] != SCHED_RT_NO_CPU)
			printf(",\"cpu\":%u", v->cpu_of[k]);
		else
			printf(",\"cpu\":null");
		printf(",\"jobs\":%llu,\"misses\":%llu,\"max_lateness_ns\":%llu,\"overruns\":%llu,"
		       "\"max_overrun_ns\":%llu,\"consumed_ns\":%llu",
		       (unsigned long long)per[k].jobs, (unsigned long long)per[k].deadline_misses,
		       (unsigned long long)per[k].max_lateness_ns,
		       (unsigned long long)per[k].depletions,
		       (unsigned long long)per[k].max_overrun_ns,
		       (unsigned long long)per[k].consumed_ns);
		sim_thread_jobs(sim, t, &js);
		printf(",\"rt_jobs\":%llu,\"rt_misses\":%llu}", (unsigned long long)js.jobs,
		       (unsigned long long)js.misses);
	}
	printf("]}");
}

/* The islands, the memory pools, and the trace events counted: only for a workload with
 * islands (or pools), so that every other report stays what it was. */
static void print_json_islands(struct sim *sim)
{
	if (!sim->nr_islands && !sim->wl->nr_mem_pools)
		return;
	printf(",\"islands\":[");
	for (size_t i = 0; i < sim->nr_islands; i++) {
		printf("%s", i ? "," : "");
		print_json_island(sim, &sim->islands[i]);
	}
	printf("],\"mem_pools\":[");
	for (size_t i = 0; i < sim->wl->nr_mem_pools; i++) {
		printf("%s{\"pool\":", i ? "," : "");
		print_json_string(sim->mem_pools[i].name);
		printf(",\"pages\":%llu,\"booked\":%llu}",
		       (unsigned long long)sim->mem_pools[i].pages,
		       (unsigned long long)sim->mem_pools[i].booked);
	}
	printf("],\"trace\":{\"miss\":%llu,\"miss_island\":%llu,\"island_admit\":%llu,"
	       "\"island_revoke\":%llu,\"island_violation\":%llu}",
	       (unsigned long long)sim->tr_miss, (unsigned long long)sim->tr_miss_island,
	       (unsigned long long)sim->tr_island[SCHED_ISLAND_EV_ADMIT],
	       (unsigned long long)sim->tr_island[SCHED_ISLAND_EV_REVOKE],
	       (unsigned long long)sim->tr_island[SCHED_ISLAND_EV_VIOLATION]);
}

/* --- the policy service: its decisions, and what it did --------------------------------- */

/* The manifest's registries: two arenas (a load parses into the one not in use), each
 * large enough for the largest manifest the loader takes (1 MiB of one-word profiles:
 * about 12 MiB of tables). Pages never touched cost nothing. */
#define MANIFEST_MEM (32u << 20)

struct manifest {
	struct pol_manifests ms;
	void *mem;
};

/* What the manifest's rules know a thread by: its process (its group's name unless its
 * task says), service and session. */
static struct pol_match match_of(const struct sim_thread *t)
{
	const struct wl_task *k = t->task;

	return (struct pol_match){ .process = k->process ? k->process : k->group ? k->group : "",
				   .service = k->service ? k->service : "",
				   .session = k->session };
}

/* The CPUs a task may run on: an SC made for its thread runs there. */
static void task_cpus(const struct sim *sim, const struct wl_task *k, sched_cpumask_t *out)
{
	sched_cpumask_clear(out);
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (!k->cpus || (k->cpus >> c & 1))
			sched_cpumask_set(out, c);
}

/* The thread holds an SC already (a profile then leaves it as it is). */
static bool holds_sc(const struct sim_thread *t)
{
	return t->has_sc || t->island_bound || t->policy_bound;
}

/* A reservation asked (ADMIT_SC, BUDGET) within what profile p allows, on its dispatch. */
static int decide_reservation(const struct pol_profile *p, const struct sched_request *r,
			      struct sched_decision *d, bool *make_sc)
{
	const struct sched_sc_params *asked = &r->sc_params;

	if (!asked->period_ns || asked->budget_ns > asked->period_ns)
		return -SCHED_EINVAL;
	if (!p->has_sc || !pol_profile_allows(p, asked->budget_ns, asked->period_ns))
		return -SCHED_EPERM;
	d->sc_params = *asked;
	d->sc_params.dispatch = p->dispatch;
	*make_sc = r->kind == SCHED_REQ_ADMIT_SC;
	return 0;
}

/*
 * The service's decision, by the manifest (policy/manifest.h), as policy/service.c's
 * pol_service_step decides: a profile by name or by the rules (with an SC of its sc= for a
 * thread that holds none); a reservation or budget within the profile's; a lease or an
 * island if the profile allows them; graphs, explanations and lease revocations left to
 * libsched's checks.
 */
static int manifest_decide(struct sim *sim, void *ctx, const struct sched_request *r,
			   const struct sim_thread *requester, const struct sim_thread *target,
			   struct sched_decision *d, bool *make_sc)
{
	const struct pol_manifest *m = pol_manifests_live(&((struct manifest *)ctx)->ms);
	const struct sim_thread *subject = target ? target : requester;
	struct pol_match w;
	const struct pol_profile *p;

	if (!subject || !subject->task)
		return -SCHED_ESTALE;
	w = match_of(subject);
	p = r->kind == SCHED_REQ_PROFILE && r->profile[0] ? pol_manifest_profile(m, r->profile)
							    : pol_manifest_match(m, &w);
	if (!p)
		return -SCHED_EINVAL; /* no such profile */
	switch (r->kind) {
	case SCHED_REQ_PROFILE:
		d->fair = p->fair;
		d->own_cookie = p->cookie == POL_COOKIE_OWN && sim->cfg.core_sched;
		if (!p->has_sc || holds_sc(subject))
			return 0;
		pol_profile_sc(p, &(sched_cpumask_t){ 0 }, &d->sc_params);
		task_cpus(sim, subject->task, &d->sc_params.cpus);
		*make_sc = true;
		return 0;
	case SCHED_REQ_ADMIT_SC:
	case SCHED_REQ_BUDGET:
		return decide_reservation(p, r, d, make_sc);
	case SCHED_REQ_LEASE_GRANT:
		d->cpus = r->cpus;
		return p->lease ? 0 : -SCHED_EPERM;
	case SCHED_REQ_ISLAND:
		return p->island ? 0 : -SCHED_EPERM;
	default: /* graphs, explanations, lease revocations: libsched checks them */
		return 0;
	}
}

/* Parse the workload's manifest, before the machine is made (its default profile is the
 * queue's): 0, or -1 with "FILE: MANIFEST:LINE:COL: what". */
static int load_manifest(const struct workload *wl, const char *file, struct manifest *mf)
{
	struct pol_error err;
	const char *text = wl->policy->manifest;

	mf->mem = malloc(MANIFEST_MEM);
	if (!mf->mem || pol_manifests_init(&mf->ms, mf->mem, MANIFEST_MEM) < 0) {
		fprintf(stderr, "schedsim: out of memory for the manifest\n");
		return -1;
	}
	if (pol_manifests_load(&mf->ms, text, strlen(text), &err) < 0) {
		/* "manifest:LINE:COL: what", named as the workload names it */
		const char *at = strncmp(err.msg, "manifest:", 9) ? err.msg : err.msg + 8;

		fprintf(stderr, "schedsim: %s: %s%s%s\n", file, wl->policy->manifest_name,
			at == err.msg ? ": " : "", at);
		return -1;
	}
	return 0;
}

static const char *const request_names[SCHED_REQ_NR] = {
	"profile", "admit_sc", "budget", "lease", "lease_revoke", "island", "graph", "explain",
};
static const char *const fault_names[] = { "stall", "die", "restart" };
static const char *const graph_states[] = { "planned", "asked", "mapped", "refused" };
static const char *const rq_states[] = { "planned", "pending", "answered", "refused" };
static const char *const obj_kinds[SCHED_OBJ_NR] = { "none", "sc", "lease", "island", "request",
						     "thread" };

/* The answer's error: 0, the refusal of the submission, or what the answer says. */
static int request_err(const struct sim_request *rq)
{
	return rq->state == SIM_RQ_ANSWERED ? rq->ans.err : rq->state == SIM_RQ_REFUSED ?
							    rq->submit_err : 0;
}

static const char *answered_by(const struct sim_request *rq)
{
	if (rq->state != SIM_RQ_ANSWERED)
		return "-";
	return rq->ans.by == SCHED_BY_DEFAULT ? "default" : "service";
}

/* The first instance of g released at or after its mapping (nr_release if none). */
static size_t mapped_from(const struct sim_graph *g)
{
	size_t k = 0;

	if (g->state != SIM_GRAPH_MAPPED)
		return g->nr_release;
	while (k < g->nr_release && g->release[k] < g->answered_at)
		k++;
	return k;
}

static void print_service_line(struct sim *sim)
{
	const struct sim_service *sv = sim->service;
	struct sched_policy_stats st;

	sched_policy_stats(&sim->service->q, &st);
	printf("\npolicy service '%s' on CPU %u: cost %.1f us, latency %.1f us, timeout %.3f ms, "
	       "%u slots, %u thread(s)\n", sv->wl->service.name, sv->wl->cpu,
	       (double)sv->wl->cost_ns / 1e3, (double)sv->wl->latency_ns / 1e3,
	       (double)sv->q.cfg.timeout_ns / 1e6, sv->wl->slots, sv->instances);
	printf("queue: %llu submitted, %llu served, %llu denied, %llu defaulted, %llu full; "
	       "%llu attaches, %llu requeued; longest wait %.3f ms\n",
	       (unsigned long long)st.submitted, (unsigned long long)st.served,
	       (unsigned long long)st.denied, (unsigned long long)st.defaulted,
	       (unsigned long long)st.full, (unsigned long long)st.attaches,
	       (unsigned long long)st.requeued, (double)st.max_wait_ns / 1e6);
	printf("service: %llu taken, %llu served, %llu denied, %llu answered late, %llu stale; "
	       "%llu defaults applied by the port's sweep\n", (unsigned long long)sv->taken,
	       (unsigned long long)sv->served, (unsigned long long)sv->denied,
	       (unsigned long long)sv->late, (unsigned long long)sv->stale,
	       (unsigned long long)sv->swept);
}

static void print_fault_table(struct sim *sim)
{
	const struct sim_service *sv = sim->service;

	if (!sv->wl->nr_faults)
		return;
	printf("\n%-8s %10s %10s %6s\n", "fault", "at_ms", "stall_ms", "thread");
	for (size_t i = 0; i < sv->wl->nr_faults; i++) {
		const struct sim_fault *f = &sv->faults[i];

		printf("%-8s %10.3f ", fault_names[f->wl->kind], (double)f->wl->at_ns / 1e6);
		if (f->wl->kind == WL_FAULT_STALL)
			printf("%10.3f %6s\n", (double)f->wl->stall_ns / 1e6, "-");
		else if (f->thread)
			printf("%10s %6u\n", "-", f->thread);
		else
			printf("%10s %6s\n", "-", "-");
	}
}

/* When the library answered (or the submission was refused). */
static sched_time_t answered_at(const struct sim_request *rq)
{
	return rq->state == SIM_RQ_ANSWERED ? rq->ans.answered : rq->collected;
}

static void print_request_table(struct sim *sim)
{
	if (!sim->nr_requests)
		return;
	printf("\n%-16s %4s %3s %-12s %9s %9s %11s %9s %9s %-8s %s\n", "request", "inst", "nr",
	       "kind", "at_ms", "asked_ms", "answered_ms", "read_ms", "trip_us", "by", "error");
	for (size_t i = 0; i < sim->nr_requests; i++) {
		const struct sim_request *rq = &sim->requests[i];
		int err = request_err(rq);

		printf("%-16.16s %4u %3u %-12s %9.3f ", rq->requester->task->name,
		       rq->requester->instance, (unsigned)(rq->wl - rq->requester->task->requests),
		       request_names[rq->req.kind < SCHED_REQ_NR ? rq->req.kind : 0],
		       (double)rq->wl->at_ns / 1e6);
		if (rq->state == SIM_RQ_PLANNED)
			printf("%9s %11s %9s %9s %-8s %s\n", "-", "-", "-", "-", "-", "planned");
		else if (rq->state == SIM_RQ_PENDING)
			printf("%9.3f %11s %9s %9s %-8s %s\n", (double)rq->submitted / 1e6, "-",
			       "-", "-", "-", "pending");
		else
			printf("%9.3f %11.3f %9.3f %9.1f %-8s %s\n", (double)rq->submitted / 1e6,
			       (double)answered_at(rq) / 1e6, (double)rq->collected / 1e6,
			       (double)(answered_at(rq) - rq->submitted) / 1e3, answered_by(rq),
			       err ? sched_strerror(err) : "-");
	}
	printf("(asked: submitted; answered: by the service or the default; read: by the "
	       "requester; trip: asked to answered)\n");
}

static void print_graph_table(struct sim *sim)
{
	if (!sim->nr_graphs)
		return;
	printf("\n%-16s %-8s %9s %11s %9s %6s %9s %9s %9s %10s %7s %7s\n", "graph", "state",
	       "period_us", "deadline_us", "instances", "misses", "p50_us", "p99_us", "max_us",
	       "mapped_ms", "m_inst", "m_miss");
	for (size_t i = 0; i < sim->nr_graphs; i++) {
		struct sim_graph *g = &sim->graphs[i];
		size_t from = mapped_from(g);

		printf("%-16.16s %-8s %9.1f %11.1f %9zu %6llu %9.1f %9.1f %9.1f ", g->wl->name,
		       graph_states[g->state], (double)g->wl->period_ns / 1e3,
		       (double)g->wl->deadline_ns / 1e3, g->nr_done,
		       (unsigned long long)sim_graph_misses(sim, g, 0),
		       (double)sim_graph_latency(g, 0, 50) / 1e3,
		       (double)sim_graph_latency(g, 0, 99) / 1e3,
		       (double)sim_graph_latency(g, 0, 100) / 1e3);
		if (g->state == SIM_GRAPH_MAPPED)
			printf("%10.3f %7zu %7llu\n", (double)g->answered_at / 1e6,
			       g->nr_done > from ? g->nr_done - from : 0,
			       (unsigned long long)sim_graph_misses(sim, g, from));
		else
			printf("%10s %7s %7s%s%s\n", "-", "-", "-", g->err ? "  " : "",
			       g->err ? sched_strerror(g->err) : "");
	}
	printf("(instances: completed end to end; m_*: those released after the mapping)\n");
}

static void print_policy_tables(struct sim *sim)
{
	if (!sim->service)
		return;
	print_service_line(sim);
	print_fault_table(sim);
	print_request_table(sim);
	print_graph_table(sim);
}

/* --explain: every decision record kept, one line each, oldest first. */
static void print_decisions(struct sim *sim)
{
	unsigned n = sim->why_recs ? sim->cfg.explain : 0;
	struct sched_why *w = calloc(n + 1, sizeof(*w));
	char line[256];

	if (!w)
		abort();
	n = sched_explain_read(&sim->sys, NULL, w, n);
	printf("\ndecisions: %llu made, the last %u kept\n",
	       (unsigned long long)sched_explain_count(&sim->sys), n);
	for (unsigned i = 0; i < n; i++) {
		sched_explain_format(&w[i], line, sizeof(line));
		printf("%s\n", line);
	}
	free(w);
}

static void print_json_decisions(struct sim *sim)
{
	unsigned n = sim->why_recs ? sim->cfg.explain : 0;
	struct sched_why *w;
	char line[256];

	if (!n)
		return;
	w = calloc(n, sizeof(*w));
	if (!w)
		abort();
	n = sched_explain_read(&sim->sys, NULL, w, n);
	printf(",\"decisions_made\":%llu,\"decisions\":[",
	       (unsigned long long)sched_explain_count(&sim->sys));
	for (unsigned i = 0; i < n; i++) {
		sched_explain_format(&w[i], line, sizeof(line));
		printf("%s{\"seq\":%llu,\"time_ns\":%llu,\"kind\":\"%s\",\"cause\":\"%s\","
		       "\"tid\":%u,\"group\":%u,\"obj_kind\":\"%s\",\"obj\":%u,\"cpu\":%u,"
		       "\"cpu2\":%u,\"err\":%d,\"fig\":[%llu,%llu,%llu],\"line\":", i ? "," : "",
		       (unsigned long long)w[i].seq, (unsigned long long)w[i].time,
		       sched_why_kind_name(w[i].kind), sched_why_cause_name(w[i].kind, w[i].cause),
		       w[i].tid, w[i].group, NAME_OF(obj_kinds, w[i].obj_kind), w[i].obj, w[i].cpu,
		       w[i].cpu2, w[i].err,
		       (unsigned long long)w[i].fig[0], (unsigned long long)w[i].fig[1],
		       (unsigned long long)w[i].fig[2]);
		print_json_string(line);
		printf("}");
	}
	printf("]");
	free(w);
}

static void print_json_service(struct sim *sim)
{
	const struct sim_service *sv = sim->service;
	struct sched_policy_stats st;

	sched_policy_stats(&sim->service->q, &st);
	printf(",\"policy\":{\"service\":");
	print_json_string(sv->wl->service.name);
	printf(",\"cpu\":%u,\"cost_ns\":%llu,\"latency_ns\":%llu,\"timeout_ns\":%llu,\"slots\":%u,"
	       "\"threads\":%u,\"stats\":{\"submitted\":%llu,\"served\":%llu,\"denied\":%llu,"
	       "\"defaulted\":%llu,\"full\":%llu,\"attaches\":%llu,\"requeued\":%llu,"
	       "\"max_wait_ns\":%llu},\"taken\":%llu,\"served\":%llu,\"denied\":%llu,\"late\":%llu,"
	       "\"stale\":%llu,\"swept\":%llu,\"faults\":[", sv->wl->cpu,
	       (unsigned long long)sv->wl->cost_ns,
	       (unsigned long long)sv->wl->latency_ns, (unsigned long long)sv->q.cfg.timeout_ns,
	       sv->wl->slots, sv->instances, (unsigned long long)st.submitted,
	       (unsigned long long)st.served, (unsigned long long)st.denied,
	       (unsigned long long)st.defaulted, (unsigned long long)st.full,
	       (unsigned long long)st.attaches, (unsigned long long)st.requeued,
	       (unsigned long long)st.max_wait_ns, (unsigned long long)sv->taken,
	       (unsigned long long)sv->served, (unsigned long long)sv->denied,
	       (unsigned long long)sv->late, (unsigned long long)sv->stale,
	       (unsigned long long)sv->swept);
	for (size_t i = 0; i < sv->wl->nr_faults; i++) {
		const struct sim_fault *f = &sv->faults[i];

		printf("%s{\"at_ns\":%llu,\"kind\":\"%s\",\"stall_ns\":%llu,\"done\":%s,"
		       "\"thread\":", i ? "," : "", (unsigned long long)f->wl->at_ns, fault_names[f->wl->kind],
		       (unsigned long long)f->wl->stall_ns, f->done ? "true" : "false");
		printf(f->thread ? "%u}" : "null}", f->thread);
	}
	printf("]}");
}

static void print_json_request(const struct sim_request *rq)
{
	int err = request_err(rq);
	bool done = rq->state == SIM_RQ_ANSWERED || rq->state == SIM_RQ_REFUSED;

	printf("{\"task\":");
	print_json_string(rq->requester->task->name);
	printf(",\"instance\":%u,\"tid\":%u,\"index\":%u,\"kind\":\"%s\",\"state\":\"%s\","
	       "\"at_ns\":%llu", rq->requester->instance, rq->requester->id,
	       (unsigned)(rq->wl - rq->requester->task->requests),
	       request_names[rq->req.kind < SCHED_REQ_NR ? rq->req.kind : 0], rq_states[rq->state],
	       (unsigned long long)rq->wl->at_ns);
	if (rq->state == SIM_RQ_PLANNED) {
		printf(",\"submitted_ns\":null,\"deadline_ns\":null,\"collected_ns\":null,"
		       "\"round_trip_ns\":null,\"by\":null,\"served_by\":null,\"err\":null,"
		       "\"error\":null,\"why\":0,\"explained\":0}");
		return;
	}
	printf(",\"submitted_ns\":%llu,\"deadline_ns\":%llu", (unsigned long long)rq->submitted,
	       (unsigned long long)rq->deadline);
	if (!done) {
		printf(",\"answered_ns\":null,\"collected_ns\":null,\"round_trip_ns\":null,"
		       "\"by\":null,\"served_by\":null,\"err\":null,\"error\":null,\"why\":0,"
		       "\"explained\":0}");
		return;
	}
	printf(",\"answered_ns\":%llu,\"collected_ns\":%llu,\"round_trip_ns\":%llu,\"by\":",
	       (unsigned long long)answered_at(rq), (unsigned long long)rq->collected,
	       (unsigned long long)(answered_at(rq) - rq->submitted));
	printf(rq->state == SIM_RQ_ANSWERED ? "\"%s\"" : "%s",
	       rq->state == SIM_RQ_ANSWERED ? answered_by(rq) : "null");
	printf(rq->served_by ? ",\"served_by\":%u" : ",\"served_by\":null", rq->served_by);
	printf(",\"err\":%d,\"error\":", err);
	if (err)
		print_json_string(sched_strerror(err));
	else
		printf("null");
	printf(",\"why\":%llu,\"explained\":%u}",
	       (unsigned long long)(rq->state == SIM_RQ_ANSWERED ? rq->ans.why : 0), rq->explained);
}

static void print_json_params(const char *tag, const struct sched_sc_params *p)
{
	printf(",\"%s_budget_ns\":%llu,\"%s_period_ns\":%llu,\"%s_deadline_ns\":%llu", tag,
	       (unsigned long long)p->budget_ns, tag, (unsigned long long)p->period_ns, tag,
	       (unsigned long long)p->deadline_ns);
}

static void print_json_graph(struct sim *sim, struct sim_graph *g)
{
	size_t from = mapped_from(g);

	printf("{\"name\":");
	print_json_string(g->wl->name);
	printf(",\"coordinator\":");
	print_json_string(g->wl->coordinator);
	printf(",\"state\":\"%s\",\"err\":%d,\"error\":", graph_states[g->state], g->err);
	if (g->err)
		print_json_string(sched_strerror(g->err));
	else
		printf("null");
	printf(",\"period_ns\":%llu,\"deadline_ns\":%llu,\"asked_at_ns\":%llu,"
	       "\"answered_at_ns\":%llu,\"changed\":%s,\"released\":%zu,\"instances\":%zu,"
	       "\"misses\":%llu,\"latency_ns\":{\"p50\":%llu,\"p99\":%llu,\"max\":%llu},"
	       "\"mapped_released\":%zu,\"mapped_instances\":%zu,\"mapped_misses\":%llu,"
	       "\"mapped_max_ns\":%llu,\"nodes\":[", (unsigned long long)g->wl->period_ns,
	       (unsigned long long)g->wl->deadline_ns, (unsigned long long)g->asked_at,
	       (unsigned long long)g->answered_at, g->changed ? "true" : "false", g->nr_release,
	       g->nr_done, (unsigned long long)sim_graph_misses(sim, g, 0),
	       (unsigned long long)sim_graph_latency(g, 0, 50),
	       (unsigned long long)sim_graph_latency(g, 0, 99),
	       (unsigned long long)sim_graph_latency(g, 0, 100), g->nr_release - from,
	       g->nr_done > from ? g->nr_done - from : 0,
	       (unsigned long long)sim_graph_misses(sim, g, from),
	       (unsigned long long)sim_graph_latency(g, from, 100));
	for (size_t i = 0; i < g->wl->nr_nodes; i++) {
		const struct wl_graph_node *n = &g->wl->nodes[i];

		printf("%s{\"task\":", i ? "," : "");
		print_json_string(n->task);
		printf(",\"budget\":");
		if (n->budget)
			print_json_string(n->budget);
		else
			printf("null");
		printf(",\"cost_ns\":%llu,\"queue\":%d", (unsigned long long)n->cost_ns, n->queue);
		print_json_params("before", &g->before[i]);
		print_json_params("after", &g->after[i]);
		printf("}");
	}
	printf("]}");
}

/* The policy service, its requests and graphs: only with a "policy" section. */
static void print_json_policy(struct sim *sim)
{
	if (!sim->service)
		return;
	print_json_service(sim);
	printf(",\"requests\":[");
	for (size_t i = 0; i < sim->nr_requests; i++) {
		printf("%s", i ? "," : "");
		print_json_request(&sim->requests[i]);
	}
	printf("],\"graphs\":[");
	for (size_t i = 0; i < sim->nr_graphs; i++) {
		printf("%s", i ? "," : "");
		print_json_graph(sim, &sim->graphs[i]);
	}
	printf("]");
}

/* in enum wl_policy order */
static const char *const policy_names[] = { "SCHED_OTHER", "SCHED_BATCH", "SCHED_IDLE",
					    "SCHED_DEADLINE", "SCHED_FIFO", "SCHED_RR" };

static const char *on_off(bool b)
{
	return b ? "true" : "false";
}

/* What the run was: the program, the file and every setting that changes the figures. */
static void print_json_meta(struct sim *sim, const struct options *o, sched_time_t duration)
{
	static const char *const core[] = { [CORE_AUTO] = "auto", [CORE_ON] = "on",
					    [CORE_OFF] = "off" };
	char dist[48];

	printf("\"meta\":{\"program\":\"schedsim\",\"version\":\"%s\",\"schema\":%d,\"file\":",
	       SCHEDSIM_VERSION, REPORT_SCHEMA);
	print_json_string(o->file);
	printf(",\"policy\":\"%s\",\"dl_mode\":\"%s\",\"admission\":%s,\"pi\":%s,"
	       "\"seed\":%llu,\"cpus\":%u,\"smt\":%u,\"core_sched\":%s,\"core_sched_flag\":\"%s\","
	       "\"core_protect\":%s,\"ipi_latency_ns\":%llu,\"switch_cost_ns\":%llu,"
	       "\"timer_cost_ns\":%llu,\"fair_spread_ns\":%llu,\"duration_ns\":%llu,\"run_dist\":",
	       sim->sys.classes[SCHED_SLOT_fair]->name,
	       sim->cfg.dl_dispatch == SCHED_SC_PARTITIONED ? "partitioned" : "global",
	       on_off(sim->cfg.admission), on_off(o->pi > 0), (unsigned long long)sim->cfg.seed,
	       sim->cfg.cpus, sim->cfg.smt, on_off(sim->cfg.core_sched), core[o->core],
	       on_off(sim->cfg.core_protect), (unsigned long long)sim->cfg.ipi_latency_ns,
	       (unsigned long long)sim->cfg.switch_cost_ns,
	       (unsigned long long)sim->cfg.timer_cost_ns,
	       (unsigned long long)sim->cfg.fair_spread_ns, (unsigned long long)duration);
	if (o->run_dist_set)
		printf("\"%s\"},", wl_dist_text(&o->run_dist, dist, sizeof(dist)));
	else
		printf("null},");
}

/* A thread's policy and priorities, its SC, and its task's variation: after the older
 * fields of the thread, before "rt". */
static void print_json_thread_params(struct sim *sim, const struct sim_thread *t)
{
	const struct wl_task *k = t->task;
	struct sched_sc_params p;
	char dist[48];

	printf(",\"policy\":\"%s\",\"nice\":%d,\"rt_priority\":%d", policy_names[k->policy],
	       k->nice, k->rt_prio);
	if (sim_thread_sc_params(sim, t, &p)) {
		struct sched_sc_stats sc = sim_thread_sc_stats(sim, t);
		bool part = p.dispatch == SCHED_SC_PARTITIONED;

		printf(",\"sc\":{\"budget_ns\":%llu,\"period_ns\":%llu,\"deadline_ns\":%llu,"
		       "\"dispatch\":\"%s\",\"cpu\":", (unsigned long long)p.budget_ns,
		       (unsigned long long)p.period_ns, (unsigned long long)p.deadline_ns,
		       part ? "partitioned" : "global");
		if (t->has_verdict && t->verdict.accepted && t->verdict.cpu != SCHED_RT_NO_CPU)
			printf("%u", t->verdict.cpu);
		else
			printf("null");
		printf(",\"depletions\":%llu,\"throttled_ns\":%llu}",
		       (unsigned long long)sc.depletions, (unsigned long long)sc.throttled_ns);
	} else {
		printf(",\"sc\":null");
	}
	printf(",\"run_dist\":\"%s\",\"release_offset_ns\":%llu,\"jitter_ns\":%llu",
	       wl_dist_text(&k->run_dist, dist, sizeof(dist)), (unsigned long long)t->offset_ns,
	       (unsigned long long)k->jitter_ns);
}

/* Rates (migrations_per_s) are per second of simulated time at the end of the run
 * (wall_ns), not of the limit (duration_ns), which an early end would not reach. */
static void print_json(struct sim *sim, sched_time_t duration, const struct options *o)
{
	struct cookie_sum *sum = calloc(sim->nr_threads + 1, sizeof(*sum));
	uint64_t migr = total_migrations(sim);
	size_t nr_sum;

	printf("{");
	print_json_meta(sim, o, duration);
	printf("\"sim\":{\"cpus\":%u,\"duration_ns\":%llu,\"events\":%llu,\"wall_ns\":%llu,"
	       "\"migrations\":%llu,\"migrations_per_s\":%.2f},",
	       sim->cfg.cpus, (unsigned long long)duration, (unsigned long long)sim->events,
	       (unsigned long long)sim->now, (unsigned long long)migr, per_s(migr, sim->now));
	printf("\"cpus\":[");
	for (unsigned c = 0; c < sim->cfg.cpus; c++) {
		printf("%s{\"id\":%u,\"busy_ns\":%llu,\"idle_ns\":%llu,\"forced_idle_ns\":%llu,"
		       "\"balance_moves\":%llu,\"rotations\":%llu,\"rt_pushes\":%llu,\"rt_pulls\":%llu",
		       c ? "," : "", c, (unsigned long long)sim_cpu_busy_ns(sim, c),
		       (unsigned long long)sim_cpu_idle_ns(sim, c),
		       (unsigned long long)sched_core_forced_idle_ns(&sim->sys, c),
		       (unsigned long long)sched_cpu_counter(&sim->sys, c, SCHED_CNT_BALANCE_MOVES),
		       (unsigned long long)sched_cpu_counter(&sim->sys, c, SCHED_CNT_ROTATIONS),
		       (unsigned long long)sched_cpu_counter(&sim->sys, c, SCHED_CNT_RT_PUSHES),
		       (unsigned long long)sched_cpu_counter(&sim->sys, c, SCHED_CNT_RT_PULLS));
#define CNT(x) (unsigned long long)sched_cpu_counter(&sim->sys, c, SCHED_CNT_##x)
		printf(",\"switches\":%llu,\"pick_current\":%llu,\"pick_other\":%llu,"
		       "\"pick_idle\":%llu,\"ipi_sent\":%llu,\"ipi_coalesced\":%llu,"
		       "\"timer_irqs\":%llu,\"migrations_in\":%llu,\"steals\":%llu",
		       CNT(SWITCHES), CNT(PICK_CURRENT), CNT(PICK_OTHER), CNT(PICK_IDLE),
		       CNT(IPI_SENT), CNT(IPI_COALESCED), CNT(TIMER_IRQ), CNT(MIGRATE_IN),
		       CNT(STEALS));
#undef CNT
		if (sim->cfg.core_protect)
			printf(",\"kernel_stalls\":%llu,\"kernel_stalled_ns\":%llu",
			       (unsigned long long)sim->cpu[c].stalls,
			       (unsigned long long)sim->cpu[c].stalled_ns);
		if (has_irqs(sim))
			printf(",\"irqs\":%llu,\"irq_ns\":%llu,\"irq_idle_ns\":%llu,"
			       "\"irq_unbilled_ns\":%llu", (unsigned long long)sim->cpu[c].irqs,
			       (unsigned long long)sim->cpu[c].irq_ns,
			       (unsigned long long)sim->cpu[c].irq_idle_ns,
			       (unsigned long long)sim->cpu[c].irq_unbilled_ns);
		printf("}");
	}
	printf("],\"threads\":[");
	for (size_t i = 0; i < sim->nr_threads; i++) {
		struct sim_thread *t = sim->threads[i];
		struct sched_sc_stats sc = sim_thread_sc_stats(sim, t);
		uint64_t mig = stat_of(t, SCHED_ACCT_MIGRATIONS);

		printf("%s{\"name\":", i ? "," : "");
		print_json_string(t->task->name);
		printf(",\"instance\":%u,\"group\":", t->instance);
		print_json_string(sim_thread_group(sim, t));
		printf(",\"runtime_ns\":%llu,"
		       "\"wait_ns\":%llu,\"switches\":%llu,\"preemptions\":%llu,\"voluntary\":%llu,"
		       "\"migrations\":%llu,\"migrations_per_s\":%.2f,"
		       "\"wakeups\":%llu,\"loops\":%llu,"
		       "\"wake_latency_ns\":{\"p50\":%llu,\"p99\":%llu,\"max\":%llu},"
		       "\"jobs\":%llu,\"deadline_misses\":%llu,\"throttled_ns\":%llu,\"cookie\":",
		       (unsigned long long)stat_of(t, SCHED_ACCT_RUNTIME),
		       (unsigned long long)stat_of(t, SCHED_ACCT_WAIT),
		       (unsigned long long)stat_of(t, SCHED_ACCT_SWITCHES),
		       (unsigned long long)stat_of(t, SCHED_ACCT_PREEMPTIONS),
		       (unsigned long long)stat_of(t, SCHED_ACCT_VOLUNTARY),
		       (unsigned long long)mig, per_s(mig, sim->now),
		       (unsigned long long)stat_of(t, SCHED_ACCT_WAKEUPS),
		       (unsigned long long)t->loops,
		       (unsigned long long)sim_thread_latency(t, 50),
		       (unsigned long long)sim_thread_latency(t, 99),
		       (unsigned long long)sim_thread_latency(t, 100),
		       (unsigned long long)sc.jobs, (unsigned long long)sc.deadline_misses,
		       (unsigned long long)sc.throttled_ns);
		print_json_cookie(t->task);
		printf(",\"forced_idle_ns\":%llu",
		       (unsigned long long)stat_of(t, SCHED_ACCT_FORCED_IDLE));
		print_json_thread_params(sim, t);
		print_json_jobs(sim, t);
		printf("}");
	}
	printf("],\"core_sched\":%s,\"core_protect\":%s,\"cookies\":[",
	       sim->cfg.core_sched ? "true" : "false", sim->cfg.core_protect ? "true" : "false");
	if (!sum)
		abort();
	nr_sum = cookie_sums(sim, sum);
	for (size_t j = 0; j < nr_sum; j++) {
		printf("%s{\"cookie\":", j ? "," : "");
		print_json_cookie(sum[j].task);
		printf(",\"threads\":%u,\"runtime_ns\":%llu,\"forced_idle_ns\":%llu}",
		       sum[j].threads, (unsigned long long)sum[j].runtime,
		       (unsigned long long)sum[j].forced_idle);
	}
	printf("],\"admission\":[");
	print_json_admission(sim);
	printf("]");
	print_json_leases(sim);
	print_json_irqs(sim);
	print_json_islands(sim);
	print_json_policy(sim);
	print_json_decisions(sim);
	printf("}\n");
	free(sum);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* A partitioned SC's CPU, or "global". */
static const char *dispatch_text(const struct sim_thread *t, char *buf, size_t len)
{
	if (t->has_verdict && t->verdict.accepted && t->verdict.cpu != SCHED_RT_NO_CPU)
		snprintf(buf, len, "cpu %u", t->verdict.cpu);
	else
		snprintf(buf, len, "global");
	return buf;
}

/* SCHED_DEADLINE threads: their reservation and their SC's figures. Nothing without any;
 * returns whether it printed the table. */
static bool print_deadline_table(struct sim *sim)
{
	static const char *const mode[] = { [WL_SC_CBS] = "cbs", [WL_SC_SPORADIC] = "sporadic" };
	static const char *const overrun[] = { [WL_OVERRUN_THROTTLE] = "throttle",
					       [WL_OVERRUN_DEMOTE] = "demote",
					       [WL_OVERRUN_NOTIFY_BLOCK] = "notify_block" };
	bool header = false;
	char buf[16];

	for (size_t i = 0; i < sim->nr_threads; i++) {
		struct sim_thread *t = sim->threads[i];
		const struct wl_deadline *dl = &t->task->dl;
		struct sched_sc_stats sc;

		if (!t->has_sc)
			continue;
		if (!header)
			printf("\n%-16s %4s %-8s %-12s %10s %10s %11s %8s %7s %12s %8s %s\n",
			       "deadline_thread", "inst", "mode", "overrun", "runtime_us",
			       "period_us", "deadline_us", "sc_wakes", "sc_late", "throttled_ms",
			       "deplet", "dispatch");
		header = true;
		sc = sim_thread_sc_stats(sim, t);
		printf("%-16.16s %4u %-8s %-12s %10.1f %10.1f %11.1f %8llu %7llu %12.3f %8llu %s\n",
		       t->task->name, t->instance, mode[dl->mode], overrun[dl->overrun],
		       (double)dl->runtime_ns / 1e3, (double)dl->period_ns / 1e3,
		       (double)dl->deadline_ns / 1e3, (unsigned long long)sc.jobs,
		       (unsigned long long)sc.deadline_misses, (double)sc.throttled_ns / 1e6,
		       (unsigned long long)sc.depletions, dispatch_text(t, buf, sizeof(buf)));
	}
	if (header) /* the SC's own counters are not jobs: say so where they are printed */
		printf("(sc_wakes, sc_late: the SC's view, wake-ups from a block and blocks after "
		       "the deadline; jobs and misses are in periodic_thread)\n");
	return header;
}

/* Periodic threads: their jobs, as the library cannot see them (its SC counts wake-ups).
 * Nothing without any, so other workloads print what they always did; returns whether it
 * printed the table. */
static bool print_jobs_table(struct sim *sim)
{
	bool header = false;

	for (size_t i = 0; i < sim->nr_threads; i++) {
		struct sim_thread *t = sim->threads[i];
		const struct wl_event *b;
		struct sim_job_stats js;

		if (!sim_thread_jobs(sim, t, &js))
			continue;
		if (!header)
			printf("\n%-16s %4s %10s %11s %8s %7s %11s %11s\n", "periodic_thread",
			       "inst", "period_us", "deadline_us", "jobs", "misses", "resp_p99_us",
			       "late_max_us");
		header = true;
		b = &t->task->phases[t->jobs.phase].events[t->jobs.event];
		printf("%-16.16s %4u %10.1f %11.1f %8llu %7llu", t->task->name, t->instance,
		       (double)b->ns / 1e3, (double)t->jobs.deadline_ns / 1e3,
		       (unsigned long long)js.jobs, (unsigned long long)js.misses);
		if (js.completed)
			printf(" %11.1f %11.1f\n", (double)js.resp_p99_ns / 1e3,
			       (double)js.lateness_max_ns / 1e3);
		else
			printf(" %11s %11s\n", "-", "-");
	}
	return header;
}

/* With core scheduling: one line per libsched.cookie value (untagged as 0). */
static void print_cookie_table(struct sim *sim)
{
	struct cookie_sum *sum;
	uint64_t busy = 0;
	size_t n;
	char buf[32];

	if (!sim->cfg.core_sched)
		return;
	sum = calloc(sim->nr_threads + 1, sizeof(*sum));
	if (!sum)
		abort();
	n = cookie_sums(sim, sum);
	for (size_t j = 0; j < n; j++)
		busy += sum[j].runtime;
	printf("\n%-16s %7s %10s %6s %14s\n", "cookie", "threads", "runtime_ms", "busy%",
	       "forced_idle_ms");
	for (size_t j = 0; j < n; j++)
		printf("%-16.16s %7u %10.3f %6.2f %14.3f\n",
		       cookie_text(sum[j].task, buf, sizeof(buf)), sum[j].threads, (double)sum[j].runtime / 1e6, pct(sum[j].runtime, busy),
		       (double)sum[j].forced_idle / 1e6);
	free(sum);
}

/* The thread table's last columns: policy (without "SCHED_"), nice, realtime priority. */
static void print_policy_columns(const struct wl_task *k)
{
	printf(" %-8s %4d", policy_names[k->policy] + 6, k->nice);
	if (k->rt_prio)
		printf(" %6d\n", k->rt_prio);
	else
		printf(" %6s\n", "-");
}

struct legend {
	const char *column, *meaning;
};

static const struct legend thread_legend[] = {
	{ "thread, inst", "task name (16 characters) and instance number" },
	{ "group", "the task's libsched group (rt-app when none)" },
	{ "runtime_ms", "CPU time charged to the thread, overheads included" },
	{ "cpu%", "runtime_ms as a share of the simulated time" },
	{ "wait_ms", "time runnable but not running (waits ended by the end of the run)" },
	{ "switches", "times switched onto a CPU" },
	{ "preempt", "switched out while still runnable (slice end, preemption, yield)" },
	{ "volunt", "switched out to sleep or wait (sleep, timer, suspend, lock, barrier)" },
	{ "migr, mig/s", "moves to another CPU, and per second of simulated time" },
	{ "loops", "task loops completed" },
	{ "lat_p50_us", "median wake-to-run latency" },
	{ "lat_max_us", "largest wake-to-run latency" },
	{ "policy", "OTHER, BATCH, IDLE, DEADLINE, FIFO or RR (the task's \"policy\")" },
	{ "nice", "nice value (a DEADLINE thread's while demoted; 0 for FIFO and RR)" },
	{ "rtprio", "realtime priority of FIFO and RR, 1 .. 99 (- for the others)" },
	{ NULL, NULL },
};

static const struct legend deadline_legend[] = {
	{ "deadline_thread, inst", "a SCHED_DEADLINE thread: task name and instance" },
	{ "mode, overrun", "the SC's sc_mode (cbs, sporadic) and what a depletion does" },
	{ "runtime_us", "budget per period (dl-runtime)" },
	{ "period_us, deadline_us", "dl-period and the relative deadline dl-deadline" },
	{ "sc_wakes", "the SC's activations: wake-ups from a block, the start included" },
	{ "sc_late", "blocks after the SC's absolute deadline" },
	{ "throttled_ms", "time runnable without budget, waiting for a refill" },
	{ "deplet", "times the budget ran out while the thread ran" },
	{ "dispatch", "global (EDF over its CPUs) or the one CPU of a partitioned SC" },
	{ NULL, NULL },
};

static const struct legend admission_legend[] = {
	{ "admission, inst", "a SCHED_DEADLINE thread: task name and instance" },
	{ "verdict", "accepted, or REFUSED: the thread never ran" },
	{ "cpu", "the CPU of a partitioned reservation (- for a global or refused one)" },
	{ "test", "the admission test that decided (- with --admission off)" },
	{ "reason", "that test's figures: demand against supply" },
	{ NULL, NULL },
};

static const struct legend jobs_legend[] = {
	{ "periodic_thread, inst", "a thread with a timer in its loop: task name and instance" },
	{ "period_us", "period of the timer whose ticks release the jobs" },
	{ "deadline_us", "relative deadline of each job" },
	{ "jobs, misses", "jobs completed or overdue, and those done after their deadline" },
	{ "resp_p99_us", "99th percentile of the completed jobs' response times" },
	{ "late_max_us", "largest lateness of a completed job (negative: all in time)" },
	{ NULL, NULL },
};

static const struct legend cookie_legend[] = {
	{ "cookie", "a libsched cookie value of the file (16 characters), 0 untagged" },
	{ "threads", "threads with that value" },
	{ "runtime_ms", "their CPU time, summed" },
	{ "busy%", "their share of the CPU time of all threads" },
	{ "forced_idle_ms", "sibling time forced idle while they ran, summed" },
	{ NULL, NULL },
};

static const struct legend cpu_legend[] = {
	{ "cpu", "CPU number" },
	{ "busy%", "time running a thread, as a share of busy + idle" },
	{ "switches", "context switches (idle included)" },
	{ "pick_cur, pick_oth", "picks that kept the current thread, that chose another" },
	{ "pick_idle", "picks that chose idle" },
	{ "ipi_sent, ipi_coal", "reschedule IPIs sent to it, requests folded into a pending one" },
	{ "timer", "timer interrupts" },
	{ "migr_in", "threads moved onto it" },
	{ "steals", "threads it pulled from others as it was about to go idle" },
	{ "balance", "threads its periodic balance pushed away or rotated to a lighter CPU" },
	{ NULL, NULL },
};

/* the cpu table's columns with core scheduling, and with kernel protection */
static const struct legend core_legend[] = {
	{ "forced_ms", "time forced idle beside a sibling running another cookie" },
	{ "kstalls, kstall_ms", "kernel entries and exits it waited at, and the time waited" },
};

static void print_legend_line(const struct legend *l)
{
	printf("    %-22s %s\n", l->column, l->meaning);
}

static void print_legend_of(const char *table, const struct legend *l)
{
	printf("  %s table:\n", table);
	for (; l->column; l++)
		print_legend_line(l);
}

/* One line per column of the tables printed above (the JSON is documented instead). */
static void print_legend(struct sim *sim, bool deadline, bool jobs)
{
	printf("\nlegend (docs/schedsim.md, \"The report\"):\n");
	print_legend_of("thread", thread_legend);
	if (deadline)
		print_legend_of("deadline_thread", deadline_legend);
	if (any_verdict(sim))
		print_legend_of("admission", admission_legend);
	if (jobs)
		print_legend_of("periodic_thread", jobs_legend);
	if (sim->cfg.core_sched)
		print_legend_of("cookie", cookie_legend);
	print_legend_of("cpu", cpu_legend);
	if (sim->cfg.core_sched)
		print_legend_line(&core_legend[0]);
	if (sim->cfg.core_protect)
		print_legend_line(&core_legend[1]);
}

static void print_tables(struct sim *sim, sched_time_t duration)
{
	uint64_t migr;
	bool deadline, jobs;

	printf("schedsim: %u CPUs (smt %u), policy %s%s, %.3f s simulated, %llu events\n\n",
	       sim->cfg.cpus, sim->cfg.smt, sim->sys.classes[SCHED_SLOT_fair]->name,
	       !sim->cfg.core_sched ? "" : sim->cfg.core_protect ? ", core scheduling with "
	       "kernel protection" : ", core scheduling", (double)sim->now / NS_PER_S,
	       (unsigned long long)sim->events);
	printf("%-16s %4s %-10s %10s %6s %10s %8s %7s %7s %6s %8s %7s %10s %10s %-8s %4s %6s\n",
	       "thread", "inst", "group", "runtime_ms", "cpu%", "wait_ms", "switches", "preempt",
	       "volunt", "migr", "mig/s", "loops", "lat_p50_us", "lat_max_us", "policy", "nice",
	       "rtprio");
	for (size_t i = 0; i < sim->nr_threads; i++) {
		struct sim_thread *t = sim->threads[i];
		uint64_t rt = stat_of(t, SCHED_ACCT_RUNTIME);
		uint64_t mig = stat_of(t, SCHED_ACCT_MIGRATIONS);

		printf("%-16.16s %4u %-10.10s %10.3f %6.2f %10.3f %8llu %7llu %7llu %6llu %8.2f "
		       "%7llu %10.1f %10.1f",
		       t->task->name, t->instance, sim_thread_group(sim, t), (double)rt / 1e6,
		       pct(rt, duration), (double)stat_of(t, SCHED_ACCT_WAIT) / 1e6,
		       (unsigned long long)stat_of(t, SCHED_ACCT_SWITCHES),
		       (unsigned long long)stat_of(t, SCHED_ACCT_PREEMPTIONS),
		       (unsigned long long)stat_of(t, SCHED_ACCT_VOLUNTARY),
		       (unsigned long long)mig, per_s(mig, duration), (unsigned long long)t->loops,
		       (double)sim_thread_latency(t, 50) / 1e3,
		       (double)sim_thread_latency(t, 100) / 1e3);
		print_policy_columns(t->task);
	}
	migr = total_migrations(sim);
	printf("\nmigrations: %llu in all, %.2f/s\n", (unsigned long long)migr,
	       per_s(migr, duration));
	deadline = print_deadline_table(sim);
	print_admission_table(sim);
	jobs = print_jobs_table(sim);
	print_cookie_table(sim);
	printf("\n%-4s %7s %9s %9s %9s %9s %8s %8s %8s %8s %7s %7s", "cpu", "busy%", "switches",
	       "pick_cur", "pick_oth", "pick_idle", "ipi_sent", "ipi_coal", "timer", "migr_in",
	       "steals", "balance");
	if (sim->cfg.core_sched)
		printf(" %10s", "forced_ms");
	if (sim->cfg.core_protect)
		printf(" %8s %10s", "kstalls", "kstall_ms");
	printf("\n");
	for (unsigned c = 0; c < sim->cfg.cpus; c++) {
		uint64_t busy = sim_cpu_busy_ns(sim, c), idle = sim_cpu_idle_ns(sim, c);
#define CNT(x) (unsigned long long)sched_cpu_counter(&sim->sys, c, SCHED_CNT_##x)
		printf("%-4u %7.2f %9llu %9llu %9llu %9llu %8llu %8llu %8llu %8llu %7llu %7llu", c,
		       pct(busy, busy + idle), CNT(SWITCHES), CNT(PICK_CURRENT), CNT(PICK_OTHER),
		       CNT(PICK_IDLE), CNT(IPI_SENT), CNT(IPI_COALESCED), CNT(TIMER_IRQ),
		       CNT(MIGRATE_IN), CNT(STEALS), CNT(BALANCE_MOVES) + CNT(ROTATIONS));
#undef CNT
		if (sim->cfg.core_sched)
			printf(" %10.3f", (double)sched_core_forced_idle_ns(&sim->sys, c) / 1e6);
		if (sim->cfg.core_protect)
			printf(" %8llu %10.3f", (unsigned long long)sim->cpu[c].stalls,
			       (double)sim->cpu[c].stalled_ns / 1e6);
		printf("\n");
	}
	print_lease_tables(sim);
	print_irq_tables(sim);
	print_island_tables(sim);
	print_policy_tables(sim);
	print_legend(sim, deadline, jobs);
}

/* --- rt-app logs (--rtapp-logs) ------------------------------------------------------- */

/* One directory; one that exists already will do. 0, or -1 with errno set. */
static int make_one_dir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0777) == 0)
		return 0;
	if (errno != EEXIST || stat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* DIR and its missing parents, as mkdir -p does. 0, or -1 with errno set. */
static int make_dir(const char *dir)
{
	char *p = strdup(dir);
	int r = 0;

	if (!p)
		abort();
	if (!*p) {
		free(p);
		errno = ENOENT;
		return -1;
	}
	for (char *q = p + 1; *q && r == 0; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		r = make_one_dir(p);
		*q = '/';
	}
	if (r == 0)
		r = make_one_dir(p);
	free(p);
	return r;
}

/* The whole of a regular file, NUL-terminated, or NULL. At most WL_MAX_FILE_SIZE bytes. */
static char *read_text(const char *path)
{
	struct stat st;
	FILE *f;
	char *text;
	size_t n;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > WL_MAX_FILE_SIZE)
		return NULL; /* a pipe was read once already, and cannot be again */
	f = fopen(path, "r");
	if (!f)
		return NULL;
	text = malloc((size_t)st.st_size + 1);
	n = text ? fread(text, 1, (size_t)st.st_size, f) : 0;
	fclose(f);
	if (text)
		text[n] = '\0';
	return text;
}

/* rt-app's log_basename: the file's "global": {"log_basename": S}, else "rt-app". The
 * loader accepts the key and drops it, so the file is read again for it. */
static char *log_basename(const char *path)
{
	char *text = read_text(path), *name = NULL;
	struct json_error e;
	struct json_value *root = text ? json_parse(text, &e) : NULL;

	for (size_t i = 0; root && root->type == JSON_OBJECT && i < root->len; i++) {
		const struct json_value *g = &root->members[i].value;

		if (strcmp(root->members[i].key, "global") || g->type != JSON_OBJECT)
			continue;
		for (size_t k = 0; k < g->len; k++)
			if (!strcmp(g->members[k].key, "log_basename") &&
			    g->members[k].value.type == JSON_STRING)
				name = g->members[k].value.string;
	}
	name = strdup(name ? name : "rt-app");
	json_free(root);
	free(text);
	return name;
}

/* A time in whole microseconds, rounded to nearest as rt-app's timespec_to_usec. */
static long long us(int64_t ns)
{
	return ns >= 0 ? (ns + 500) / 1000 : -((-ns + 500) / 1000);
}

/* One line per completed job, in rt-app's columns (docs/schedsim.md, "rt-app logs"). */
static void write_job(FILE *f, unsigned idx, const struct sim_job *j)
{
	long long b = us((int64_t)j->begin), e = us((int64_t)j->end);

	fprintf(f, "%4u %8lld %8lld %8lld %15lld %15lld %15lld %10lld %10lld %10lld %10lld\n",
		idx, us((int64_t)j->work_ns), us((int64_t)j->run_ns), e - b, b, e, b,
		j->tick ? us((int64_t)j->release - (int64_t)j->begin) : 0,
		us((int64_t)j->c_duration_ns), us((int64_t)j->c_period_ns),
		j->slept ? us((int64_t)(j->start - j->release)) : 0);
}

/* DIR/BASE-TASK-IDX.log, IDX the thread's rank in the workload as rt-app's thread index;
 * a '/' in a name becomes '_', so that every log lands in DIR. */
static char *log_path(const char *dir, const char *base, const struct sim_thread *t)
{
	size_t n = strlen(dir) + strlen(base) + strlen(t->task->name) + 32;
	char *path = malloc(n), *p;

	if (!path)
		abort();
	p = path + snprintf(path, n, "%s/", dir);
	snprintf(p, n - (size_t)(p - path), "%s-%s-%u.log", base, t->task->name, t->id - 1);
	for (; *p; p++)
		if (*p == '/')
			*p = '_';
	return path;
}

/* A thread's log: the header, then its jobs (none for a thread that is not periodic). */
static int write_log(const char *path, const struct sim_thread *t)
{
	FILE *f = fopen(path, "w");
	int bad;

	if (!f)
		return -1;
	fprintf(f, "%s %8s %8s %8s %15s %15s %15s %10s %10s %10s %10s\n", "#idx", "perf",
		"run", "period", "start", "end", "rel_st", "slack", "c_duration", "c_period",
		"wu_lat");
	for (size_t k = 0; k < t->jobs.nr_log; k++)
		write_job(f, t->id - 1, &t->jobs.log[k]);
	bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return -1;
	return 0;
}

/* Every thread's log in dir; 0, or 1 after a message. */
static int write_logs(struct sim *sim, const char *dir, const char *file)
{
	char *base = log_basename(file);
	int ret = 0;

	if (!base)
		abort();
	for (size_t i = 0; i < sim->nr_threads && !ret; i++) {
		char *path = log_path(dir, base, sim->threads[i]);

		errno = 0;
		if (write_log(path, sim->threads[i]) < 0) {
			fprintf(stderr, "schedsim: --rtapp-logs: cannot write %s: %s\n", path,
				errno ? strerror(errno) : "write error");
			ret = 1;
		}
		free(path);
	}
	free(base);
	return ret;
}

static sched_time_t run_duration(const struct options *o, const struct workload *wl)
{
	if (o->duration_s > 0)
		return (sched_time_t)(o->duration_s * NS_PER_S + 0.5);
	if (wl->duration_ns > 0)
		return (sched_time_t)wl->duration_ns;
	return DEFAULT_LIMIT_S * NS_PER_S;
}

/* True once the wall-clock budget is spent; then the run stops (sim.stopped). */
static bool wall_spent(struct sim *sim, struct wall *w)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((double)(now.tv_sec - w->start.tv_sec) + (now.tv_nsec - w->start.tv_nsec) / 1e9 >
	    w->max_s) {
		w->spent = true;
		sim->stopped = true;
	}
	return w->spent;
}

/* After every event: the host clock, now and then (reading it costs more than an event). */
static void wall_hook(struct sim *sim, void *arg)
{
	if (sim->events % WALL_CHECK_EVENTS == 0)
		wall_spent(sim, arg);
}

/* A thread of the policy service: a daemon, which does not keep a run going. */
static bool is_service(const struct sim *sim, const struct sim_thread *t)
{
	return sim->service && t->task == &sim->service->wl->service;
}

/* Run until `duration`, or earlier once every task has finished or a budget is spent (the
 * policy service's threads aside). */
static void run(struct sim *sim, sched_time_t duration, struct wall *w)
{
	const sched_time_t chunk = NS_PER_S / 100;

	sim->after_event = wall_hook;
	sim->hook_arg = w;
	for (sched_time_t t = chunk;; t += chunk) {
		bool alive = false;

		sim_run_until(sim, t < duration ? t : duration);
		for (size_t i = 0; i < sim->nr_threads && !alive; i++)
			alive = !sim->threads[i]->done && !is_service(sim, sim->threads[i]);
		if (!alive || t >= duration || sim->stopped || wall_spent(sim, w))
			return;
	}
}

/* A run stopped by a budget has no report: its figures would describe a shorter run than
 * the one asked for. */
static int budget_spent(const struct sim *sim, const struct options *o, const struct wall *w)
{
	if (w->spent)
		fprintf(stderr, "schedsim: stopped at t=%.6f s simulated, after %llu events: the "
			"wall-clock budget of %g s (--max-wall) is spent\n",
			(double)sim->now / NS_PER_S, (unsigned long long)sim->events, o->max_wall_s);
	else
		fprintf(stderr, "schedsim: stopped at t=%.6f s simulated: the event budget of "
			"%llu events (--max-events) is spent\n", (double)sim->now / NS_PER_S,
			(unsigned long long)o->cfg.max_events);
	return EXIT_BUDGET;
}

/* The workload went where rt-app would hang or fail (a cycle of mutex owners, say): the
 * run stopped there, so there is no report. */
static int workload_failed(const struct sim *sim, const char *file)
{
	fprintf(stderr, "schedsim: %s: %s\n", file, sim->error);
	return 1;
}

/* The SVG timeline (--svg) of the window asked for, or of the whole run. */
static struct svg_out *open_svg(struct sim *sim, const struct options *o,
				const struct workload *wl, sched_time_t duration)
{
	const char *base = strrchr(o->file, '/');
	struct svg_opts so = { .path = o->svg, .title = base ? base + 1 : o->file,
			       .color = o->svg_color, .start = 0, .end = duration };

	if (o->svg_window) {
		so.start = seconds_ns(o->svg_start);
		so.end = seconds_ns(o->svg_end);
	}
	return svg_open(sim, wl, &so);
}

int main(int argc, char **argv)
{
	struct options o;
	struct workload wl;
	struct sim *sim;
	char err[512];
	sched_time_t duration;
	struct wall wall = { .spent = false };
	struct manifest mf = { .mem = NULL };
	struct ftrace_out *trace = NULL;
	struct chrome_out *ctrace = NULL;
	struct svg_out *svg = NULL;
	int ret = parse_args(argc, argv, &o);

	if (ret)
		return ret;
	wall.max_s = o.max_wall_s;
	clock_gettime(CLOCK_MONOTONIC, &wall.start);
	if (wl_load_file(o.file, &wl, err, sizeof(err)) < 0) {
		fprintf(stderr, "schedsim: %s\n", err);
		return 1;
	}
	if (o.logdir && make_dir(o.logdir) < 0) { /* before the run, which may be long */
		fprintf(stderr, "schedsim: --rtapp-logs: cannot create directory %s: %s\n",
			o.logdir, strerror(errno));
		wl_free(&wl);
		return 1;
	}
	o.cfg.core_sched = o.core == CORE_ON || o.cfg.core_protect ||
			   (o.core == CORE_AUTO && wl_has_cookies(&wl));
	if (o.pi >= 0)
		wl.pi_enabled = o.pi;
	o.pi = wl.pi_enabled; /* for the report's "meta" */
	for (size_t i = 0; o.run_dist_set && i < wl.nr_tasks; i++)
		wl.tasks[i].run_dist = o.run_dist;
	o.cfg.explain = o.explain || wl.policy ? EXPLAIN_RECORDS : 0;
	if (wl.policy && load_manifest(&wl, o.file, &mf) < 0) {
		wl_free(&wl);
		free(mf.mem);
		return 1;
	}
	if (wl.policy)
		o.cfg.policy_default = pol_manifests_live(&mf.ms)->dflt->fair;
	sim = sim_new(&o.cfg);
	/* a measurement tool: its tables print the measurement counters (pick outcomes,
	 * coalesced IPIs), and what they cost in host time changes no simulated figure */
	if (sim)
		sched_measure(&sim->sys, true);
	duration = run_duration(&o, &wl);
	if (sim && ((o.trace && (o.chrome ? !(ctrace = chrome_open(sim, o.trace))
					  : !(trace = ftrace_open(sim, o.trace, o.trace_ns)))) ||
		    (o.svg && !(svg = open_svg(sim, &o, &wl, duration))))) {
		ftrace_close(sim, trace);
		chrome_close(sim, ctrace);
		sim_free(sim);
		wl_free(&wl);
		free(mf.mem);
		return 1;
	}
	if (!sim || sim_load(sim, &wl) < 0) {
		svg_close(sim, svg); /* first: it calls the hooks of the others */
		ftrace_close(sim, trace);
		chrome_close(sim, ctrace);
		sim_free(sim);
		wl_free(&wl);
		free(mf.mem);
		return 1;
	}
	if (wl.policy)
		sim_policy_decider(sim, manifest_decide, &mf);
	sim->check_each_step = o.check;
	run(sim, duration, &wall);
	if ((svg_close(sim, svg) | ftrace_close(sim, trace) | chrome_close(sim, ctrace)) < 0 &&
	    !sim->error[0] && !sim->stopped)
		ret = 1; /* no report: the trace asked for is not all there */
	else if (sim->error[0])
		ret = workload_failed(sim, o.file);
	else if (sim->stopped)
		ret = budget_spent(sim, &o, &wall);
	else if (o.logdir && write_logs(sim, o.logdir, o.file))
		ret = 1; /* no report: what was asked for is not all there */
	else if (o.json)
		print_json(sim, duration, &o);
	else
		print_tables(sim, sim->now);
	if (!ret && !o.json && o.explain)
		print_decisions(sim);
	sim_free(sim);
	wl_free(&wl);
	free(mf.mem);
	return ret;
}
