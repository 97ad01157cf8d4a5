/* SPDX-License-Identifier: MIT */
/*
 * bench_measure - what the measurement counters cost on the fair cycle, switched off and
 * on (sched_measure): the workload of bench_explain, 16 hogs and 48 sleepers (run 200 us,
 * sleep 800 us) on 8 simulated CPUs for one simulated second (wakes, picks, blocks, wake
 * placement across CPUs, balance).
 *
 *   bench_measure          host time of the run, median of 5, off and on
 *   bench_measure count    under callgrind: one stats dump per mode around the run alone
 *   bench_measure off|on   one run in that mode, nothing printed
 *
 * bench/bench_measure_count.sh runs them under callgrind and makes the table. Off, the run
 * makes the same library calls as bench_explain's off run, so the library before the switch
 * existed can be counted on the same workload with that program (`bench_explain count`,
 * its `off` dump; or `bench_explain off`). Each row prints
 * the events the simulator handled and the measurement sites the run passed (every run-queue
 * lock, two per pick, each coalesced IPI and reused core pick: read from the counters of the
 * `on` run); the runs are the same event for event and in every permanent counter (the
 * switch changes no decision), which the program checks.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "callgrind.h"
#include "sim.h"

static const char *json = "{\"tasks\":{\"hog\":{\"instance\":16,\"run\":10000},"
			  "\"io\":{\"instance\":48,\"run\":200,\"sleep\":800}}}";

struct outcome {
	uint64_t events;
	uint64_t sites;                  /* measurement sites passed (from the `on` counters) */
	uint64_t permanent[SCHED_CNT_NR]; /* summed over CPUs; measured ones left 0 */
	double host_s;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t total(struct sim *sim, unsigned k)
{
	uint64_t n = 0;

	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		n += sched_cpu_counter(&sim->sys, c, k);
	return n;
}

/* Each lock, the two pick sites, the coalescing and core-reuse branches' taken side. */
static uint64_t sites(struct sim *sim)
{
	uint64_t picks = total(sim, SCHED_CNT_PICK_CURRENT) + total(sim, SCHED_CNT_PICK_OTHER) +
			 total(sim, SCHED_CNT_PICK_IDLE);

	return total(sim, SCHED_CNT_LOCK_ACQUIRE) + 2 * picks +
	       total(sim, SCHED_CNT_IPI_COALESCED) + total(sim, SCHED_CNT_CORE_REUSED);
}

/* One run; 0, or -1 if the simulator could not start. */
static int run(bool on, bool count, struct outcome *out)
{
	struct sim_config cfg = { .cpus = 8, .smt = 1, .seed = 1, .bench_mode = true };
	struct workload wl;
	struct sim *sim;
	char err[256];
	double t0;

	if (wl_load_string("fair", json, &wl, err, sizeof(err)) < 0 || !(sim = sim_new(&cfg))) {
		fprintf(stderr, "bench_measure: %s\n", err);
		return -1;
	}
	if (on && sched_measure(&sim->sys, true) < 0) {
		fprintf(stderr, "bench_measure: sched_measure refused\n");
		return -1;
	}
	sim_load(sim, &wl);
	t0 = now_s();
	if (count)
		CALLGRIND_TOGGLE_COLLECT;
	sim_run_until(sim, 1000000000ull);
	if (count) {
		CALLGRIND_TOGGLE_COLLECT;
		CALLGRIND_DUMP_STATS_AT(on ? "on" : "off");
	}
	out->host_s = now_s() - t0;
	out->events = sim->events;
	out->sites = on ? sites(sim) : 0;
	for (unsigned k = 0; k < SCHED_CNT_NR; k++)
		out->permanent[k] = SCHED_CNT_MEASURED >> k & 1 ? 0 : total(sim, k);
	sim_free(sim);
	wl_free(&wl);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	bool count = argc > 1 && !strcmp(argv[1], "count");
	struct outcome o[2];
	double t[2][5];

	if (argc > 1 && (!strcmp(argv[1], "off") || !strcmp(argv[1], "on")))
		return run(!strcmp(argv[1], "on"), false, &o[0]) < 0;
	if (argc > 1 && !count) {
		fprintf(stderr, "usage: bench_measure [count|off|on]\n");
		return 2;
	}
#ifndef HAVE_CALLGRIND
	if (count) {
		fprintf(stderr, "bench_measure: built without valgrind/callgrind.h\n");
		return 2;
	}
#endif
	for (int on = 0; on < 2; on++)
		for (int i = 0; i < (count ? 1 : 5); i++) {
			if (run(on, count, &o[on]) < 0)
				return 1;
			t[on][i] = o[on].host_s;
		}
	if (o[0].events != o[1].events || memcmp(o[0].permanent, o[1].permanent,
						 sizeof(o[0].permanent))) {
		fprintf(stderr, "bench_measure: the runs differ (%llu vs %llu events)\n",
			(unsigned long long)o[0].events, (unsigned long long)o[1].events);
		return 1;
	}
	printf("bench_measure: 16 hogs + 48 sleepers, 8 CPUs, 1 simulated s\n");
	printf("%-4s %10s %10s %10s\n", "mode", "events", "sites", "host_ms");
	for (int on = 0; on < 2; on++) {
		if (!count)
			qsort(t[on], 5, sizeof(double), cmp);
		printf("%-4s %10llu %10llu %10.2f\n", on ? "on" : "off",
		       (unsigned long long)o[on].events, (unsigned long long)o[1].sites,
		       t[on][count ? 0 : 2] * 1e3);
	}
	return 0;
}
