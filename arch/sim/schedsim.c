/* SPDX-License-Identifier: MIT */
/*
 * schedsim - run an rt-app workload on the simulated machine and report what libsched did.
 *
 *   schedsim [--cpus N] [--smt K] [--duration S] [--seed N] [--policy NAME] [--json]
 *            [--ipi-latency NS] [--switch-cost NS] [--timer-cost NS] [--check]
 *            [--core-sched | --no-core-sched] [--core-protect] FILE
 *
 * Output is a function of the file, the flags and the seed only (no host time), so two runs
 * print identical bytes.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define NS_PER_S 1000000000ull
#define DEFAULT_LIMIT_S 60 /* when neither the file nor --duration bounds the run */

enum core_choice { CORE_AUTO, CORE_ON, CORE_OFF };

struct options {
	struct sim_config cfg;
	double duration_s; /* < 0: from the file */
	bool json, check;
	enum core_choice core; /* auto: on when a task has a libsched.cookie */
	const char *file;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: schedsim [--cpus N] [--smt K] [--duration S] [--seed N] [--policy NAME]\n"
		"                [--json] [--ipi-latency NS] [--switch-cost NS] [--timer-cost NS]\n"
		"                [--check] [--core-sched | --no-core-sched] [--core-protect] FILE\n"
		"  FILE is an rt-app JSON workload (see docs/schedsim.md).\n"
		"  --cpus N          logical CPUs, 1..64 (default 4)\n"
		"  --smt K           hardware threads per core (default 1)\n"
		"  --duration S      simulated seconds, overrides the file's \"duration\"\n"
		"  --seed N          order of events at the same instant (default 1)\n"
		"  --policy NAME     fair-class policy: eevdf (default) or rr\n"
		"  --json            one JSON object instead of tables\n"
		"  --ipi-latency NS  IPI delivery delay (default 0)\n"
		"  --switch-cost NS  CPU time lost per context switch (default 0)\n"
		"  --timer-cost NS   CPU time lost per timer interrupt (default 0)\n"
		"  --check           run the invariant checker after every event\n"
		"  --core-sched      SMT core scheduling on (default: on when a task has a\n"
		"                    libsched \"cookie\")\n"
		"  --no-core-sched   core scheduling off, cookies ignored (for comparisons)\n"
		"  --core-protect    core scheduling's kernel protection (turns it on)\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* Returns 0, or 2 after printing usage (bad flags). */
static int parse_args(int argc, char **argv, struct options *o)
{
	*o = (struct options){ .cfg = { .cpus = 4, .smt = 1, .seed = 1 }, .duration_s = -1 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n = 0;
		char *end;

		if (!strcmp(a, "--json")) { o->json = true; continue; }
		if (!strcmp(a, "--check")) { o->check = true; continue; }
		if (!strcmp(a, "--core-sched")) { o->core = CORE_ON; continue; }
		if (!strcmp(a, "--no-core-sched")) { o->core = CORE_OFF; continue; }
		if (!strcmp(a, "--core-protect")) { o->cfg.core_protect = true; continue; }
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); exit(0); }
		if (a[0] != '-' && !o->file) { o->file = a; continue; }
		if (!strcmp(a, "--policy") && v) { o->cfg.policy = v; i++; continue; }
		if (!strcmp(a, "--duration") && v) {
			o->duration_s = strtod(v, &end);
			if (*end || !(o->duration_s > 0 && o->duration_s <= 1e6))
				goto bad; /* NaN, inf and > 11 days of simulated time too */
			i++;
			continue;
		}
		if (!v || parse_u64(v, &n) < 0)
			goto bad;
		i++;
		if (!strcmp(a, "--cpus")) o->cfg.cpus = (unsigned)n;
		else if (!strcmp(a, "--smt")) o->cfg.smt = (unsigned)n;
		else if (!strcmp(a, "--seed")) o->cfg.seed = n;
		else if (!strcmp(a, "--ipi-latency")) o->cfg.ipi_latency_ns = n;
		else if (!strcmp(a, "--switch-cost")) o->cfg.switch_cost_ns = n;
		else if (!strcmp(a, "--timer-cost")) o->cfg.timer_cost_ns = n;
		else goto bad;
		if ((!strcmp(a, "--cpus") || !strcmp(a, "--smt")) && (n == 0 || n > SCHED_MAX_CPUS))
			goto bad;
	}
	if (o->core == CORE_OFF && o->cfg.core_protect) {
		fprintf(stderr, "schedsim: --core-protect needs core scheduling (--no-core-sched)\n");
		goto bad;
	}
	if (o->file)
		return 0;
bad:
	usage(stderr);
	return 2;
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
	unsigned threads;
	uint64_t runtime, forced_idle;
};

static size_t cookie_sums(struct sim *sim, struct cookie_sum *sum)
{
	size_t n = 0;

	for (size_t i = 0; i < sim->nr_threads; i++) {
		struct sim_thread *t = sim->threads[i];
		size_t j;

		for (j = 0; j < n && !wl_same_cookie(sum[j].task, t->task); j++)
			;
		if (j == n)
			sum[n++] = (struct cookie_sum){ .task = t->task };
		sum[j].threads++;
		sum[j].runtime += stat_of(t, SCHED_ACCT_RUNTIME);
		sum[j].forced_idle += stat_of(t, SCHED_ACCT_FORCED_IDLE);
	}
	return n;
}

static void print_json(struct sim *sim, sched_time_t duration)
{
	struct cookie_sum *sum = calloc(sim->nr_threads + 1, sizeof(*sum));
	size_t nr_sum;

	printf("{\"sim\":{\"cpus\":%u,\"duration_ns\":%llu,\"events\":%llu,\"wall_ns\":%llu},",
	       sim->cfg.cpus, (unsigned long long)duration, (unsigned long long)sim->events,
	       (unsigned long long)sim->now);
	printf("\"cpus\":[");
	for (unsigned c = 0; c < sim->cfg.cpus; c++) {
		printf("%s{\"id\":%u,\"busy_ns\":%llu,\"idle_ns\":%llu,\"forced_idle_ns\":%llu",
		       c ? "," : "", c, (unsigned long long)sim_cpu_busy_ns(sim, c),
		       (unsigned long long)sim_cpu_idle_ns(sim, c),
		       (unsigned long long)sched_core_forced_idle_ns(&sim->sys, c));
		if (sim->cfg.core_protect)
			printf(",\"kernel_stalls\":%llu,\"kernel_stalled_ns\":%llu",
			       (unsigned long long)sim->cpu[c].stalls,
			       (unsigned long long)sim->cpu[c].stalled_ns);
		printf("}");
	}
	printf("],\"threads\":[");
	for (size_t i = 0; i < sim->nr_threads; i++) {
		struct sim_thread *t = sim->threads[i];
		struct sched_sc_stats sc = sim_thread_sc_stats(sim, t);

		printf("%s{\"name\":", i ? "," : "");
		print_json_string(t->task->name);
		printf(",\"instance\":%u,\"group\":", t->instance);
		print_json_string(sim_thread_group(sim, t));
		printf(",\"runtime_ns\":%llu,"
		       "\"wait_ns\":%llu,\"switches\":%llu,\"preemptions\":%llu,\"voluntary\":%llu,"
		       "\"migrations\":%llu,\"wakeups\":%llu,\"loops\":%llu,"
		       "\"wake_latency_ns\":{\"p50\":%llu,\"p99\":%llu,\"max\":%llu},"
		       "\"jobs\":%llu,\"deadline_misses\":%llu,\"throttled_ns\":%llu,\"cookie\":",
		       (unsigned long long)stat_of(t, SCHED_ACCT_RUNTIME),
		       (unsigned long long)stat_of(t, SCHED_ACCT_WAIT),
		       (unsigned long long)stat_of(t, SCHED_ACCT_SWITCHES),
		       (unsigned long long)stat_of(t, SCHED_ACCT_PREEMPTIONS),
		       (unsigned long long)stat_of(t, SCHED_ACCT_VOLUNTARY),
		       (unsigned long long)stat_of(t, SCHED_ACCT_MIGRATIONS),
		       (unsigned long long)stat_of(t, SCHED_ACCT_WAKEUPS),
		       (unsigned long long)t->loops,
		       (unsigned long long)sim_thread_latency(t, 50),
		       (unsigned long long)sim_thread_latency(t, 99),
		       (unsigned long long)sim_thread_latency(t, 100),
		       (unsigned long long)sc.jobs, (unsigned long long)sc.deadline_misses,
		       (unsigned long long)sc.throttled_ns);
		print_json_cookie(t->task);
		printf(",\"forced_idle_ns\":%llu}",
		       (unsigned long long)stat_of(t, SCHED_ACCT_FORCED_IDLE));
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
	printf("]}\n");
	free(sum);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* SCHED_DEADLINE threads: their reservation and their SC's figures. Nothing without any. */
static void print_deadline_table(struct sim *sim)
{
	static const char *const mode[] = { [WL_SC_CBS] = "cbs", [WL_SC_SPORADIC] = "sporadic" };
	static const char *const overrun[] = { [WL_OVERRUN_THROTTLE] = "throttle",
					       [WL_OVERRUN_DEMOTE] = "demote",
					       [WL_OVERRUN_NOTIFY_BLOCK] = "notify_block" };
	bool header = false;

	for (size_t i = 0; i < sim->nr_threads; i++) {
		struct sim_thread *t = sim->threads[i];
		const struct wl_deadline *dl = &t->task->dl;
		struct sched_sc_stats sc;

		if (!t->has_sc)
			continue;
		if (!header)
			printf("\n%-16s %4s %-8s %-12s %10s %10s %11s %8s %7s %12s %8s\n",
			       "deadline_thread", "inst", "mode", "overrun", "runtime_us",
			       "period_us", "deadline_us", "jobs", "misses", "throttled_ms",
			       "deplet");
		header = true;
		sc = sim_thread_sc_stats(sim, t);
		printf("%-16.16s %4u %-8s %-12s %10.1f %10.1f %11.1f %8llu %7llu %12.3f %8llu\n",
		       t->task->name, t->instance, mode[dl->mode], overrun[dl->overrun],
		       (double)dl->runtime_ns / 1e3, (double)dl->period_ns / 1e3,
		       (double)dl->deadline_ns / 1e3, (unsigned long long)sc.jobs,
		       (unsigned long long)sc.deadline_misses, (double)sc.throttled_ns / 1e6,
		       (unsigned long long)sc.depletions);
	}
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

static void print_tables(struct sim *sim, sched_time_t duration)
{
	printf("schedsim: %u CPUs (smt %u), policy %s%s, %.3f s simulated, %llu events\n\n",
	       sim->cfg.cpus, sim->cfg.smt, sim->sys.fair->name,
	       !sim->cfg.core_sched ? "" : sim->cfg.core_protect ? ", core scheduling with "
	       "kernel protection" : ", core scheduling", (double)sim->now / NS_PER_S,
	       (unsigned long long)sim->events);
	printf("%-16s %4s %-10s %10s %6s %10s %8s %7s %7s %6s %7s %10s %10s\n", "thread", "inst",
	       "group", "runtime_ms", "cpu%", "wait_ms", "switches", "preempt", "volunt",
	       "migr", "loops", "lat_p50_us", "lat_max_us");
	for (size_t i = 0; i < sim->nr_threads; i++) {
		struct sim_thread *t = sim->threads[i];
		uint64_t rt = stat_of(t, SCHED_ACCT_RUNTIME);

		printf("%-16.16s %4u %-10.10s %10.3f %6.2f %10.3f %8llu %7llu %7llu %6llu %7llu "
		       "%10.1f %10.1f\n",
		       t->task->name, t->instance, sim_thread_group(sim, t), (double)rt / 1e6,
		       pct(rt, duration), (double)stat_of(t, SCHED_ACCT_WAIT) / 1e6,
		       (unsigned long long)stat_of(t, SCHED_ACCT_SWITCHES),
		       (unsigned long long)stat_of(t, SCHED_ACCT_PREEMPTIONS),
		       (unsigned long long)stat_of(t, SCHED_ACCT_VOLUNTARY),
		       (unsigned long long)stat_of(t, SCHED_ACCT_MIGRATIONS),
		       (unsigned long long)t->loops, (double)sim_thread_latency(t, 50) / 1e3,
		       (double)sim_thread_latency(t, 100) / 1e3);
	}
	print_deadline_table(sim);
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
		       CNT(MIGRATE_IN), CNT(STEALS), CNT(BALANCE_MOVES));
#undef CNT
		if (sim->cfg.core_sched)
			printf(" %10.3f", (double)sched_core_forced_idle_ns(&sim->sys, c) / 1e6);
		if (sim->cfg.core_protect)
			printf(" %8llu %10.3f", (unsigned long long)sim->cpu[c].stalls,
			       (double)sim->cpu[c].stalled_ns / 1e6);
		printf("\n");
	}
}

static sched_time_t run_duration(const struct options *o, const struct workload *wl)
{
	if (o->duration_s > 0)
		return (sched_time_t)(o->duration_s * NS_PER_S + 0.5);
	if (wl->duration_ns > 0)
		return (sched_time_t)wl->duration_ns;
	return DEFAULT_LIMIT_S * NS_PER_S;
}

/* Run until `duration`, or earlier once every task has finished. */
static void run(struct sim *sim, sched_time_t duration)
{
	const sched_time_t chunk = NS_PER_S / 100;

	for (sched_time_t t = chunk;; t += chunk) {
		bool alive = false;

		sim_run_until(sim, t < duration ? t : duration);
		for (size_t i = 0; i < sim->nr_threads && !alive; i++)
			alive = !sim->threads[i]->done;
		if (!alive || t >= duration)
			return;
	}
}

int main(int argc, char **argv)
{
	struct options o;
	struct workload wl;
	struct sim *sim;
	char err[512];
	sched_time_t duration;
	int ret = parse_args(argc, argv, &o);

	if (ret)
		return ret;
	if (wl_load_file(o.file, &wl, err, sizeof(err)) < 0) {
		fprintf(stderr, "schedsim: %s\n", err);
		return 1;
	}
	o.cfg.core_sched = o.core == CORE_ON || o.cfg.core_protect ||
			   (o.core == CORE_AUTO && wl_has_cookies(&wl));
	sim = sim_new(&o.cfg);
	if (!sim || sim_load(sim, &wl) < 0) {
		sim_free(sim);
		wl_free(&wl);
		return 1;
	}
	sim->check_each_step = o.check;
	duration = run_duration(&o, &wl);
	run(sim, duration);
	if (o.json)
		print_json(sim, duration);
	else
		print_tables(sim, sim->now);
	sim_free(sim);
	wl_free(&wl);
	return 0;
}
