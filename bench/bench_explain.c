/* SPDX-License-Identifier: MIT */
/*
 * bench_explain - what decision records cost on the fair cycle: 16 hogs and 48 sleepers
 * (run 200 us, sleep 800 us) on 8 simulated CPUs for one simulated second (wakes, picks,
 * blocks, wake placement across CPUs, balance), with the log off and on.
 *
 *   bench_explain          host time of the run, median of 5, off and on
 *   bench_explain count    under callgrind: one stats dump per mode around the run alone
 *                          (bench/bench_explain_count.sh turns them into a table)
 *   bench_explain off|on   one run in that mode, nothing printed: for counting only the
 *                          library, `valgrind --tool=callgrind --toggle-collect='sched_*'`
 *
 * Each row prints the events the simulator handled and the records made; the runs are the
 * same event for event (recording changes no decision), which the program checks.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "callgrind.h"
#include "sim.h"

#include <sched/explain.h>

static const char *json = "{\"tasks\":{\"hog\":{\"instance\":16,\"run\":10000},"
			  "\"io\":{\"instance\":48,\"run\":200,\"sleep\":800}}}";

static struct sched_why ring[4096];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One run; returns its host seconds, *events and *records what it did. */
static double run(bool on, bool count, uint64_t *events, uint64_t *records)
{
	struct sim_config cfg = { .cpus = 8, .smt = 1, .seed = 1, .bench_mode = true };
	struct sched_explain_log log;
	struct workload wl;
	struct sim *sim;
	char err[256];
	double t0, dt;

	if (wl_load_string("fair", json, &wl, err, sizeof(err)) < 0 || !(sim = sim_new(&cfg))) {
		fprintf(stderr, "bench_explain: %s\n", err);
		return -1;
	}
	sim_load(sim, &wl);
	if (on)
		sched_explain_start(&sim->sys, &log, ring, 4096, 0);
	t0 = now_s();
	if (count)
		CALLGRIND_TOGGLE_COLLECT;
	sim_run_until(sim, 1000000000ull);
	if (count) {
		CALLGRIND_TOGGLE_COLLECT;
		CALLGRIND_DUMP_STATS_AT(on ? "on" : "off");
	}
	dt = now_s() - t0;
	*events = sim->events;
	*records = sched_explain_count(&sim->sys);
	sim_free(sim);
	wl_free(&wl);
	return dt;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	bool count = argc > 1 && !strcmp(argv[1], "count");
	uint64_t ev[2], rec[2];
	double t[2][5];

	if (argc > 1 && (!strcmp(argv[1], "off") || !strcmp(argv[1], "on")))
		return run(!strcmp(argv[1], "on"), false, &ev[0], &rec[0]) < 0;

#ifndef HAVE_CALLGRIND
	if (count) {
		fprintf(stderr, "bench_explain: built without valgrind/callgrind.h\n");
		return 2;
	}
#endif
	for (int on = 0; on < 2; on++)
		for (int i = 0; i < (count ? 1 : 5); i++)
			t[on][i] = run(on, count, &ev[on], &rec[on]);
	if (ev[0] != ev[1]) {
		fprintf(stderr, "bench_explain: the runs differ (%llu vs %llu events)\n",
			(unsigned long long)ev[0], (unsigned long long)ev[1]);
		return 1;
	}
	printf("bench_explain: 16 hogs + 48 sleepers, 8 CPUs, 1 simulated s\n");
	printf("%-4s %10s %10s %10s\n", "log", "events", "records", "host_ms");
	for (int on = 0; on < 2; on++) {
		if (!count)
			qsort(t[on], 5, sizeof(double), cmp);
		printf("%-4s %10llu %10llu %10.2f\n", on ? "on" : "off", (unsigned long long)ev[on],
		       (unsigned long long)rec[on], t[on][count ? 0 : 2] * 1e3);
	}
	return 0;
}
