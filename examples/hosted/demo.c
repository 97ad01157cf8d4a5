/* SPDX-License-Identifier: MIT */
/*
 * demo.c - libsched on the host: CPU-bound threads at different nice levels (0, 5 and 10
 * by default) and a sleeper that wakes every period, on the user-level threads of
 * host_port.c. Prints each thread's share of the CPU time libsched accounted to them and
 * the share its weight entitles it to, and exits non-zero unless:
 *  - every CPU-bound thread ran;
 *  - each one's share of their accounted CPU time is within the tolerance (percentage
 *    points) of its ideal share, and the shares are in the order of the ideal ones;
 *  - the sleeper was woken once per period it slept, never before its deadline, and
 *    libsched counted exactly those wakes;
 *  - sched_check() passes at the end (and in loop mode at every period too: there is one
 *    CPU, and the sleeper runs outside the library).
 *
 * Shares are measured in accounted time (sched_thread_stats), not wall time, and the run is
 * sized by accounted work: on a loaded machine a CPU pthread gets less real time, but what
 * libsched charges and what it decides with are the same figures, so the shares one queue
 * decides still follow the weights (free threads on several CPUs: see the defaults below).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sched/arch.h>
#include <sched/sched.h>

#include "host_port.h"

#define MAX_HOGS 16
#define STACK_SIZE (256 * 1024)
#define MS 1000000ull
#define MIN_PERIODS 10 /* a run shorter than this says little about the sleeper */

struct hog {
	struct host_thread ht;
	int nice;
	int cpu;               /* the CPU it is pinned to, -1: any */
	sched_cpumask_t mask;
	uint64_t chunks;       /* units of work done (written by the CPU running it) */
	struct sched_acct acct;/* figures when the run stopped */
	double ideal;          /* share of the hogs' total its weight entitles it to */
};

struct sleeper {
	struct host_thread ht;
	unsigned sleeps, wakes, early, errors, check_failures;
	sched_time_t max_late;
	const char *check_msg;
	struct sched_acct acct;
};

struct options {
	enum host_mode mode;
	unsigned cpus;
	unsigned nr_hogs;
	int nice[MAX_HOGS];
	int pin[MAX_HOGS];     /* -a: each hog's CPU */
	bool pinned;
	unsigned work_ms;      /* accounted CPU time of the hogs per CPU before they stop */
	unsigned period_ms;    /* the sleeper's */
	double tolerance;      /* percentage points */
};

/*
 * Defaults per mode. On one CPU, and with every CPU-bound thread pinned, each thread's
 * share is decided by one queue, whose charges are what the shares are measured in: they
 * land within a fraction of a point however loaded the host is. Free threads on several
 * CPUs also depend on the balancer, which compares what each CPU's threads were charged;
 * on a loaded host a CPU pthread the host takes the core from keeps charging its current
 * thread (the clock runs on) while its IPIs and timer wait, so placement follows the
 * host's stalls and the light threads gain: up to 4.6 points at load 7 to 20 on 2 cores, 12
 * with another demo beside, against 0.6 on the simulator. Hence the wide default there, and
 * the check that the shares are at least in the order of the ideal ones. The sleeper's
 * wakes are what makes threads move, so threads mode wakes it less often.
 */
#define LOOP_PERIOD_MS 10
#define THREADS_PERIOD_MS 100
#define QUEUE_TOLERANCE 3.0    /* one CPU, or every CPU-bound thread pinned */
#define BALANCE_TOLERANCE 15.0 /* free threads on several CPUs */

static struct options opt = {
	.mode = HOST_LOOP, .cpus = 1, .nr_hogs = 3, .nice = { 0, 5, 10 },
	.work_ms = 3000, .period_ms = 0, .tolerance = 0, /* 0: the mode's default (above) */
};

static struct hog hogs[MAX_HOGS];
static struct sleeper sleeper;
static _Alignas(16) unsigned char stacks[MAX_HOGS + 1][STACK_SIZE];
static int stop; /* [atomic] the figures are taken: threads exit */

/*
 * nice -20 .. 19 to weight, as documented in docs/fair.md (nice 0 = 1024, x1.25 a step;
 * libsched/weight.c has the table, not exported). Kept here so the expected shares come
 * from the documentation, not from the code under test.
 */
static const unsigned nice_weight[40] = {
	88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
	9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
	1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
	110,   87,    70,    56,    45,    36,    29,    23,    18,    15,
};

static unsigned weight_of(int nice)
{
	return nice_weight[nice + 20];
}

/* Pinned threads: each CPU is shared by the weights pinned to it. */
static void pinned_cpu_of(double *cpu_of)
{
	for (unsigned i = 0; i < opt.nr_hogs; i++) {
		double wsum = 0;

		for (unsigned j = 0; j < opt.nr_hogs; j++)
			wsum += hogs[j].cpu == hogs[i].cpu ? weight_of(hogs[j].nice) : 0;
		cpu_of[i] = weight_of(hogs[i].nice) / wsum;
	}
}

/*
 * The ideal shares (docs/fair.md, "The ideal"): raise a common level, each thread getting
 * min(1 CPU, weight x level), until the CPUs are used up. A thread whose weight asks for
 * more than a whole CPU is capped at one and the rest share what is left.
 */
static void free_cpu_of(double *cpu_of)
{
	double left = opt.cpus;
	bool capped[MAX_HOGS] = { false };
	bool again = true;

	while (again) {
		double wsum = 0;

		again = false;
		for (unsigned i = 0; i < opt.nr_hogs; i++)
			wsum += capped[i] ? 0 : weight_of(hogs[i].nice);
		for (unsigned i = 0; i < opt.nr_hogs && wsum > 0; i++) {
			if (capped[i])
				continue;
			cpu_of[i] = left * weight_of(hogs[i].nice) / wsum;
			if (cpu_of[i] > 1.0) {
				cpu_of[i] = 1.0, capped[i] = true, left -= 1.0, again = true;
				break; /* recompute the others' level without it */
			}
		}
	}
}

/* Each hog's share of the hogs' total CPU time, ideally. */
static void ideal_shares(void)
{
	double cpu_of[MAX_HOGS], total = 0;

	if (opt.pinned)
		pinned_cpu_of(cpu_of);
	else
		free_cpu_of(cpu_of);
	for (unsigned i = 0; i < opt.nr_hogs; i++)
		total += cpu_of[i];
	for (unsigned i = 0; i < opt.nr_hogs; i++)
		hogs[i].ideal = cpu_of[i] / total;
}

/* --- the threads ---------------------------------------------------------------------- */

/* A few microseconds of arithmetic the compiler cannot drop. */
static void spin_work(void)
{
	static volatile uint64_t sink;
	uint64_t x = sink;

	for (unsigned i = 0; i < 2048; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	sink = x;
}

static void hog_main(struct host_thread *t)
{
	struct hog *h = host_container_of(t, struct hog, ht);

	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		spin_work();
		h->chunks++;
		host_preempt_point(); /* the cooperative timer interrupt */
	}
}

static uint64_t runtime_of(struct host_thread *t, struct sched_acct *out)
{
	struct sched_acct a;

	if (!out)
		out = &a;
	if (sched_thread_stats(&host_sys, sched_ref_of(&t->st), out) < 0)
		return 0;
	return out->v[SCHED_ACCT_RUNTIME];
}

static uint64_t hogs_runtime(void)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < opt.nr_hogs; i++)
		sum += runtime_of(&hogs[i].ht, NULL);
	return sum;
}

/* Take every thread's figures while all of them still run, then let them exit. */
static void stop_run(void)
{
	for (unsigned i = 0; i < opt.nr_hogs; i++)
		runtime_of(&hogs[i].ht, &hogs[i].acct);
	runtime_of(&sleeper.ht, &sleeper.acct);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
}

static void sleeper_wake_checks(struct sleeper *s, sched_time_t deadline)
{
	sched_time_t now = sched_arch_now();

	s->wakes++;
	if (sched_time_before(now, deadline))
		s->early++;
	else if (now - deadline > s->max_late)
		s->max_late = now - deadline;
	/* One CPU, and this thread is outside the library: the checker may run. */
	if (opt.mode == HOST_LOOP && sched_check(&host_sys) < 0) {
		s->check_failures++;
		s->check_msg = host_sys.check_msg;
	}
}

static void sleeper_main(struct host_thread *t)
{
	struct sleeper *s = host_container_of(t, struct sleeper, ht);
	uint64_t target = (uint64_t)opt.work_ms * MS * opt.cpus;
	sched_time_t deadline = sched_arch_now();

	for (;;) {
		deadline += opt.period_ms * MS; /* a late wake does not shift the periods */
		s->sleeps++;
		if (host_sleep_until(deadline) < 0) {
			s->errors++; /* reported as a failure; stop rather than spin */
			break;
		}
		sleeper_wake_checks(s, deadline);
		if (hogs_runtime() >= target)
			break;
	}
	stop_run();
}

/* On CPU 0, interrupts off, every CPU online. */
static void start(void *arg)
{
	struct sched_thread_params p = { .id = 1 };
	int err;

	(void)arg;
	for (unsigned i = 0; i < opt.nr_hogs; i++) {
		p.id = 10 + i;
		p.nice = hogs[i].nice;
		p.affinity = hogs[i].cpu < 0 ? NULL : &hogs[i].mask;
		err = host_thread_start(&hogs[i].ht, &p, hog_main, stacks[i], STACK_SIZE);
		if (err < 0)
			fprintf(stderr, "hog %u: %s\n", i, sched_strerror(err)), exit(1);
	}
	p.id = 1;
	p.nice = 0;
	p.affinity = NULL;
	err = host_thread_start(&sleeper.ht, &p, sleeper_main, stacks[MAX_HOGS], STACK_SIZE);
	if (err < 0)
		fprintf(stderr, "sleeper: %s\n", sched_strerror(err)), exit(1);
}

/* --- report and verdict ------------------------------------------------------------------ */

static bool check(bool ok, const char *what)
{
	printf("  %-54s %s\n", what, ok ? "ok" : "FAILED");
	return ok;
}

static double share_of(unsigned i, uint64_t total)
{
	return total ? (double)hogs[i].acct.v[SCHED_ACCT_RUNTIME] / (double)total : 0;
}

/* A thread whose ideal share is larger by more than a point got more. */
static bool in_order(uint64_t total)
{
	for (unsigned i = 0; i < opt.nr_hogs; i++)
		for (unsigned j = 0; j < opt.nr_hogs; j++)
			if (hogs[i].ideal > hogs[j].ideal + 0.01 &&
			    share_of(i, total) <= share_of(j, total))
				return false;
	return true;
}

static bool report_hogs(void)
{
	uint64_t total = 0;
	bool ran = true, fair = true;

	for (unsigned i = 0; i < opt.nr_hogs; i++)
		total += hogs[i].acct.v[SCHED_ACCT_RUNTIME];
	printf("thread  nice  weight  runtime ms   share   ideal    diff  switches  preempted"
	       "  migrations  work units\n");
	for (unsigned i = 0; i < opt.nr_hogs; i++) {
		const uint64_t *v = hogs[i].acct.v;
		double share = share_of(i, total);
		double diff = 100.0 * (share - hogs[i].ideal);

		printf("hog%-3u  %4d  %6u  %10.1f  %5.1f%%  %5.1f%%  %+5.1f  %8llu  %9llu  %10llu  %10llu\n",
		       i, hogs[i].nice, weight_of(hogs[i].nice), (double)v[SCHED_ACCT_RUNTIME] / MS,
		       100.0 * share, 100.0 * hogs[i].ideal, diff,
		       (unsigned long long)v[SCHED_ACCT_SWITCHES],
		       (unsigned long long)v[SCHED_ACCT_PREEMPTIONS],
		       (unsigned long long)v[SCHED_ACCT_MIGRATIONS],
		       (unsigned long long)hogs[i].chunks);
		ran &= v[SCHED_ACCT_RUNTIME] > 0 && hogs[i].chunks > 0;
		fair &= diff <= opt.tolerance && diff >= -opt.tolerance;
	}
	/* every check prints, whatever the earlier ones said */
	ran = check(ran, "every CPU-bound thread ran");
	ran = check(fair, "shares follow the weights (within the tolerance)") && ran;
	return check(in_order(total), "shares are in the order of the ideal ones") && ran;
}

static bool report_sleeper(void)
{
	const struct sleeper *s = &sleeper;
	uint64_t lib_wakes = s->acct.v[SCHED_ACCT_WAKEUPS];

	printf("sleeper: %u periods of %u ms, woken %u times (%u early, latest %.2f ms late), "
	       "libsched counted %llu wakes; runtime %.2f ms\n", s->sleeps, opt.period_ms,
	       s->wakes, s->early, (double)s->max_late / MS, (unsigned long long)lib_wakes,
	       (double)s->acct.v[SCHED_ACCT_RUNTIME] / MS);
	/* libsched's count includes the first wake (SCHED_WAKE_NEW) */
	return check(s->errors == 0 && s->sleeps == s->wakes && s->early == 0 &&
		     s->wakes >= MIN_PERIODS && lib_wakes == (uint64_t)s->wakes + 1,
		     "the sleeper woken once per period (10+), never early");
}

static void report_cpus(void)
{
	static const struct { unsigned cnt; const char *name; } col[] = {
		{ SCHED_CNT_TIMER_IRQ, "timer irqs" }, { SCHED_CNT_SWITCHES, "switches" },
		{ SCHED_CNT_IPI_SENT, "IPIs sent to it" }, { SCHED_CNT_IPI_RECEIVED, "IPIs taken" },
		{ SCHED_CNT_MIGRATE_IN, "migrations in" },
	};

	for (unsigned c = 0; c < opt.cpus; c++) {
		printf("cpu%u:", c);
		for (unsigned k = 0; k < sizeof(col) / sizeof(col[0]); k++)
			printf(" %s %llu%s", col[k].name,
			       (unsigned long long)sched_cpu_counter(&host_sys, c, col[k].cnt),
			       k + 1 < sizeof(col) / sizeof(col[0]) ? "," : "\n");
	}
}

static bool report(void)
{
	int err = sched_check(&host_sys); /* every CPU stopped: nobody is inside libsched */
	bool released = sleeper.ht.released;
	bool ok;

	for (unsigned i = 0; i < opt.nr_hogs; i++)
		released &= hogs[i].ht.released;
	ok = report_hogs();
	ok &= report_sleeper();
	report_cpus();
	ok &= check(released, "every thread exited and its CPU left its stack");
	if (opt.mode == HOST_LOOP)
		ok &= check(sleeper.check_failures == 0, "sched_check() at every period");
	if (sleeper.check_failures)
		printf("    sched_check: %s\n", sleeper.check_msg);
	ok &= check(err == 0, "sched_check() at the end");
	if (err)
		printf("    sched_check: %s (arg %u)\n", host_sys.check_msg, host_sys.check_arg);
	printf("%s\n", ok ? "PASS" : "FAIL");
	return ok;
}

/* --- options ---------------------------------------------------------------------------- */

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-m loop|threads] [-c CPUS] [-n NICE,...] [-a CPU,...] [-w MS] [-p MS]"
		" [-t PTS]\n"
		"  -m  loop: one CPU driven by the main thread (default); threads: a pthread per CPU\n"
		"  -c  CPUs in threads mode (default 2)\n"
		"  -n  nice values of the CPU-bound threads (default 0,5,10; at most %d)\n"
		"  -a  pin them, to these CPUs (one per thread; default: free)\n"
		"  -w  accounted CPU time per CPU before the run stops, ms (default 3000)\n"
		"  -p  the sleeper's period, ms (default %d in loop mode, %d in threads mode)\n"
		"  -t  tolerance on each share, percentage points (default %.0f on one CPU or\n"
		"      pinned, %.0f for free threads on several CPUs)\n",
		argv0, MAX_HOGS, LOOP_PERIOD_MS, THREADS_PERIOD_MS, QUEUE_TOLERANCE,
		BALANCE_TOLERANCE);
	exit(2);
}

/* A comma-separated list of integers in lo .. hi into out[]; returns how many. */
static unsigned parse_list(const char *arg, int *out, long lo, long hi, const char *argv0)
{
	unsigned n = 0;
	char *end;

	do {
		long v = strtol(arg, &end, 10);

		if (end == arg || v < lo || v > hi || n == MAX_HOGS)
			usage(argv0);
		out[n++] = (int)v;
		arg = end + 1;
	} while (*end == ',');
	if (*end)
		usage(argv0);
	return n;
}

static void parse(int argc, char **argv)
{
	bool cpus_given = false;
	unsigned nr_pin = 0;
	int ch;

	while ((ch = getopt(argc, argv, "m:c:n:a:w:p:t:")) != -1) {
		if (ch == 'm' && (!strcmp(optarg, "loop") || !strcmp(optarg, "threads")))
			opt.mode = strcmp(optarg, "loop") ? HOST_THREADS : HOST_LOOP;
		else if (ch == 'c')
			opt.cpus = (unsigned)atoi(optarg), cpus_given = true;
		else if (ch == 'n')
			opt.nr_hogs = parse_list(optarg, opt.nice, -20, 19, argv[0]);
		else if (ch == 'a')
			nr_pin = parse_list(optarg, opt.pin, 0, SCHED_MAX_CPUS - 1, argv[0]);
		else if (ch == 'w')
			opt.work_ms = (unsigned)atoi(optarg);
		else if (ch == 'p')
			opt.period_ms = (unsigned)atoi(optarg);
		else if (ch == 't')
			opt.tolerance = atof(optarg);
		else
			usage(argv[0]);
	}
	if (opt.mode == HOST_THREADS && !cpus_given)
		opt.cpus = 2;
	if (!opt.period_ms)
		opt.period_ms = opt.mode == HOST_LOOP ? LOOP_PERIOD_MS : THREADS_PERIOD_MS;
	opt.pinned = nr_pin > 0;
	if (opt.tolerance <= 0)
		opt.tolerance = opt.cpus == 1 || opt.pinned ? QUEUE_TOLERANCE : BALANCE_TOLERANCE;
	for (unsigned i = 0; i < nr_pin; i++)
		if ((unsigned)opt.pin[i] >= opt.cpus)
			usage(argv[0]);
	if ((opt.pinned && nr_pin != opt.nr_hogs) || optind != argc || opt.cpus < 1 ||
	    opt.cpus > SCHED_MAX_CPUS || opt.work_ms < 1 || (opt.mode == HOST_LOOP && opt.cpus != 1))
		usage(argv[0]);
}

int main(int argc, char **argv)
{
	int err;

	parse(argc, argv);
	for (unsigned i = 0; i < opt.nr_hogs; i++) {
		hogs[i].nice = opt.nice[i];
		hogs[i].cpu = opt.pinned ? opt.pin[i] : -1;
		sched_cpumask_clear(&hogs[i].mask);
		if (opt.pinned)
			sched_cpumask_set(&hogs[i].mask, (unsigned)hogs[i].cpu);
	}
	ideal_shares();
	printf("libsched hosted demo: %s mode, %u CPU%s, %u CPU-bound threads%s, a sleeper every "
	       "%u ms, %u ms of accounted work per CPU, tolerance %.1f points\n",
	       opt.mode == HOST_LOOP ? "loop" : "threads", opt.cpus, opt.cpus > 1 ? "s" : "",
	       opt.nr_hogs, opt.pinned ? " (pinned)" : "", opt.period_ms, opt.work_ms,
	       opt.tolerance);
	fflush(stdout);
	err = host_run(opt.mode, opt.cpus, start, NULL);
	if (err < 0) {
		fprintf(stderr, "host_run: %s\n", sched_strerror(err));
		return 1;
	}
	return report() ? 0 : 1;
}
