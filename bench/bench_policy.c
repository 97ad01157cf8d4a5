/* SPDX-License-Identifier: MIT */
/*
 * bench_policy - a request's round trip through the policy service in the simulator
 * (include/sched/policy.h, docs/schedsim.md "The policy service"): from sched_policy_submit
 * to the answer (sched_answer.answered - .asked), in simulated time, deterministic; and what
 * one request costs the host.
 *
 * The machine has 2 CPUs, an IPI latency of 2 us and a context-switch cost of 1 us (as
 * bench_ring's). A requester pinned to CPU 1 makes REQUESTS (1000) requests for a
 * profile, one every millisecond, each waiting for its answer (sched_park_until, then
 * sched_policy_result). The service is a thread pinned to CPU 0 that takes a request
 * (sched_policy_take), runs its cost of CPU, waits until its latency has passed since the
 * take, and serves it as asked (sched_policy_serve: the default profile, applied with
 * sched_set_fair), as schedsim's service does without a manifest. Rows:
 *
 *   idle          cost 0, latency 0: the queue, two IPIs and two switches (the service's
 *                 wake on CPU 0, the requester's on CPU 1)
 *   cost          cost 30 us, latency 0
 *   cost+latency  cost 30 us, latency 200 us (examples/policy_service.json's figures)
 *   busy          the same, the service sharing CPU 0 with two CPU-bound fair threads:
 *                 the service waits for the CPU when it is unparked (nice 0, like them)
 *   busy nice-5   the same with the service at nice -5
 *
 * Printed per row: requests answered by the service, p50 / p99 / max round trip (ns,
 * nearest rank), and the host's cost per request: wall ns of the whole run over the
 * requests (the machine's other events included; a host figure, it moves with the load).
 * `bench_policy count` toggles callgrind's collection around each row's run and dumps it,
 * for instructions per request under
 *   valgrind --tool=callgrind --collect-atstart=no bench/bench_policy count
 * (each dump's instructions / the row's requests).
 *
 *   bench_policy [count]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callgrind.h"
#include "host_time.h"
#include "sim.h"

#define REQUESTS 1000
#define MS 1000000ull

struct row {
	const char *name;
	unsigned cost_us, latency_us;
	bool busy;
	int nice;
};

static const struct row rows[] = {
	{ "idle", 0, 0, false, 0 },
	{ "cost", 30, 0, false, 0 },
	{ "cost+latency", 30, 200, false, 0 },
	{ "busy", 30, 200, true, 0 },
	{ "busy nice-5", 30, 200, true, -5 },
};

static void die(const char *what)
{
	fprintf(stderr, "bench_policy: %s\n", what);
	exit(1);
}

/* The row's workload: the service, the requester and its requests, the spinners. */
static char *workload(const struct row *r)
{
	size_t cap = 128 * REQUESTS + 4096, at = 0;
	char *s = malloc(cap);

	if (!s)
		die("out of memory");
	at += (size_t)snprintf(s + at, cap - at,
		"{ \"global\": { \"duration\": %u },"
		"  \"policy\": { \"manifest\": [ \"default profile=p\", \"profile p nice=0\" ],"
		"    \"service\": { \"cpu\": 0, \"priority\": %d, \"cost_us\": %u,"
		"                   \"latency_us\": %u, \"timeout_ms\": 100 } },"
		"  \"tasks\": {%s"
		"    \"requester\": { \"cpus\": [1], \"libsched\": { \"requests\": [",
		REQUESTS / 1000 + 1, r->nice, r->cost_us, r->latency_us,
		r->busy ? " \"spin\": { \"cpus\": [0], \"instance\": 2, \"loop\": -1,"
			  " \"run\": 100000 }," : "");
	for (unsigned k = 0; k < REQUESTS; k++)
		at += (size_t)snprintf(s + at, cap - at, "%s{ \"at_ms\": %u, \"kind\": \"profile\" }",
				       k ? "," : "", k + 1);
	snprintf(s + at, cap - at, "] } } } }");
	return s;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t rank(const uint64_t *v, size_t n, unsigned p)
{
	size_t i = (n * p + 99) / 100;

	return n ? v[i ? i - 1 : 0] : 0;
}

static void run_row(const struct row *r, bool counting)
{
	struct sim_config cfg = { .cpus = 2, .smt = 1, .seed = 1, .admission = true,
				  .bench_mode = true, .ipi_latency_ns = 2000,
				  .switch_cost_ns = 1000 };
	char *text = workload(r), err[256];
	uint64_t trip[REQUESTS];
	struct workload wl;
	struct sim *sim;
	size_t n = 0;
	double t0, t1;

	if (wl_load_string("bench_policy", text, &wl, err, sizeof(err)) < 0)
		die(err);
	sim = sim_new(&cfg);
	if (!sim || sim_load(sim, &wl) < 0)
		die("the machine refused the workload");
	t0 = now_ns();
	if (counting)
		CALLGRIND_TOGGLE_COLLECT;
	sim_run_until(sim, (REQUESTS + 100) * MS);
	if (counting) {
		CALLGRIND_TOGGLE_COLLECT;
		CALLGRIND_DUMP_STATS_AT(r->name);
	}
	t1 = now_ns();
	for (size_t i = 0; i < sim->nr_requests; i++) {
		const struct sim_request *q = &sim->requests[i];

		if (q->state == SIM_RQ_ANSWERED && q->ans.by == SCHED_BY_SERVICE && !q->ans.err)
			trip[n++] = q->ans.answered - q->ans.asked;
	}
	qsort(trip, n, sizeof(*trip), cmp_u64);
	printf("%-14s %8zu %10llu %10llu %10llu %12.0f\n", r->name, n,
	       (unsigned long long)rank(trip, n, 50), (unsigned long long)rank(trip, n, 99),
	       (unsigned long long)rank(trip, n, 100), (t1 - t0) / REQUESTS);
	sim_free(sim);
	wl_free(&wl);
	free(text);
}

int main(int argc, char **argv)
{
	bool counting = argc > 1 && !strcmp(argv[1], "count");

#ifndef HAVE_CALLGRIND
	if (counting)
		die("count needs valgrind/callgrind.h at build time");
#endif
	printf("round trip of a profile request through the service, simulated ns "
	       "(%d requests, 1 ms apart)\n", REQUESTS);
	printf("%-14s %8s %10s %10s %10s %12s\n", "row", "served", "p50_ns", "p99_ns", "max_ns",
	       "host_ns/req");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i], counting);
	return 0;
}
