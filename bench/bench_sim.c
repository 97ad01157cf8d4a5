/* SPDX-License-Identifier: MIT */
/*
 * bench_sim - simulator throughput: events handled per host second on three workloads,
 * checker off (as schedsim runs by default) and on (as the tests run).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

#include "sim.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(const char *name, const char *json, unsigned cpus, double sim_s, bool check)
{
	struct sim_config cfg = { .cpus = cpus, .smt = 1, .seed = 1 };
	struct workload wl;
	struct sim *sim;
	char err[256];
	double t0, dt;

	if (wl_load_string(name, json, &wl, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	sim = sim_new(&cfg);
	sim->check_each_step = check;
	sim_load(sim, &wl);
	t0 = now_s();
	sim_run_until(sim, (sched_time_t)(sim_s * 1e9));
	dt = now_s() - t0;
	printf("%-28s %4u %6s %10llu %8.3f %12.0f\n", name, cpus, check ? "on" : "off",
	       (unsigned long long)sim->events, dt, (double)sim->events / dt);
	sim_free(sim);
	wl_free(&wl);
}

int main(void)
{
	static const char *periodic =
		"{\"tasks\":{\"p\":{\"instance\":64,\"timer\":{\"ref\":\"t\",\"period\":1000},\"run\":50}}}";
	static const char *mixed =
		"{\"tasks\":{\"hog\":{\"instance\":16,\"run\":10000},"
		"\"io\":{\"instance\":48,\"run\":200,\"sleep\":800}}}";
	static const char *pingpong =
		"{\"tasks\":{\"a\":{\"delay\":10,\"instance\":1,\"run\":5,\"resume\":\"b\",\"suspend\":\"a\"},"
		"\"b\":{\"suspend\":\"b\",\"run\":5,\"resume\":\"a\"}}}";

	printf("bench_sim: simulator events per host second\n");
	printf("%-28s %4s %6s %10s %8s %12s\n", "workload", "cpus", "check", "events", "host_s",
	       "events/s");
	run("64 periodic 1ms tasks", periodic, 8, 2, false);
	run("16 hogs + 48 sleepers", mixed, 8, 2, false);
	run("ping-pong suspend/resume", pingpong, 1, 2, false);
	run("16 hogs + 48 sleepers", mixed, 8, 0.5, true);
	return 0;
}
