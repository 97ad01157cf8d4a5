/* SPDX-License-Identifier: MIT */
/*
 * bench_scale - schedsim at scale: (4 CPUs, 100 threads), (64, 5,000) and (1,024, 100,000),
 * each for a fixed simulated time and again for twice as long. For each run: the events
 * simulated, the host time and events per host second (setup and report included: the
 * whole schedsim command), and the peak resident set of the schedsim process (ru_maxrss
 * of its struct rusage, from wait4). Equal peaks at both durations show the memory does
 * not grow with the simulated time. The second run's line adds the marginal rate, the
 * extra events over the extra host time: the simulation alone, without the setup of the
 * threads and the report, which the whole command's rate includes.
 *
 * usage: bench_scale [SCHEDSIM [SCALE]]
 *   SCHEDSIM: the schedsim to run (default: the one of this build)
 *   SCALE: the simulated times in percent of the defaults below (default 100)
 *
 * The workload: 90 % of the threads run 100 us and sleep (the sleep chosen for about half
 * the machine's capacity), 10 % are periodic (200 us every 10 ms, absolute timer).
 */
#define _DEFAULT_SOURCE /* wait4: the rusage of one child */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host_time.h"

#ifndef SCHEDSIM
#define SCHEDSIM "schedsim"
#endif

struct config {
	unsigned cpus, threads;
	unsigned sim_ms;      /* the shorter simulated time; the longer is twice it */
};

static const struct config configs[] = {
	{ 4, 100, 60000 },
	{ 64, 5000, 2000 },
	{ 1024, 100000, 400 },
};

/* The sleep, in us, for which the machine is about half busy: the sleepers' share
 * 0.9 n x 100 / (100 + sleep) plus the periodic threads' 0.1 n x 0.02 is cpus / 2. */
static unsigned sleep_us(const struct config *c)
{
	double per_cpu = (double)c->threads / c->cpus;

	return (unsigned)(90.0 * per_cpu / (0.5 - 0.002 * per_cpu)) - 100;
}

static int write_workload(const struct config *c, const char *path)
{
	unsigned periodic = c->threads / 10 ? c->threads / 10 : 1;
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "{ \"global\": { \"duration\": 1, \"default_policy\": \"SCHED_OTHER\" },\n"
		"  \"tasks\": {\n"
		"    \"sleeper\": { \"instance\": %u, \"loop\": -1, \"run\": 100,\n"
		"      \"sleep\": %u },\n"
		"    \"periodic\": { \"instance\": %u, \"loop\": -1, \"run\": 200,\n"
		"      \"timer\": { \"ref\": \"unique_tick\", \"period\": 10000,\n"
		"        \"mode\": \"absolute\" } }\n"
		"  }\n}\n", c->threads - periodic, sleep_us(c), periodic);
	return fclose(f);
}

struct result {
	unsigned long long events;
	double host_s;
	long max_rss_kib;
};

/* "schedsim: ... 0.100 s simulated, 363633 events": the events of the first line. */
static unsigned long long events_of(FILE *out)
{
	char line[512];
	unsigned long long n = 0;
	const char *p;

	if (fgets(line, sizeof(line), out) && (p = strstr(line, "simulated, ")))
		n = strtoull(p + strlen("simulated, "), NULL, 10);
	while (fgets(line, sizeof(line), out)) /* the report: read to its end */
		;
	return n;
}

static int run(const char *schedsim, const struct config *c, const char *path, unsigned ms,
	       struct result *r)
{
	char cpus[16], dur[32];
	struct rusage ru;
	int fd[2], status;
	double t0 = now_ns();
	FILE *out;
	pid_t pid;

	snprintf(cpus, sizeof(cpus), "%u", c->cpus);
	snprintf(dur, sizeof(dur), "%u.%03u", ms / 1000, ms % 1000);
	if (pipe(fd) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl(schedsim, schedsim, "--cpus", cpus, "--duration", dur, "--max-wall", "3600",
		      path, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	out = fdopen(fd[0], "r");
	r->events = out ? events_of(out) : 0;
	if (out)
		fclose(out);
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	r->host_s = (now_ns() - t0) / 1e9;
	r->max_rss_kib = ru.ru_maxrss; /* KiB on Linux */
	return 0;
}

int main(int argc, char **argv)
{
	const char *schedsim = argc > 1 ? argv[1] : SCHEDSIM;
	unsigned scale = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 100;
	char path[] = "/tmp/bench_scale_XXXXXX";
	int fd = mkstemp(path), bad = 0;

	if (fd < 0 || !scale)
		return 2;
	close(fd);
	printf("%5s %7s %8s %11s %8s %10s %8s %10s\n", "cpus", "threads", "sim_s", "events",
	       "host_s", "events/s", "rss_MiB", "marginal");
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]) && !bad; i++) {
		const struct config *c = &configs[i];

		if (write_workload(c, path) < 0) {
			bad = 1;
			break;
		}
		struct result first = { 0 };

		for (unsigned k = 1; k <= 2; k++) {
			unsigned ms = c->sim_ms * k * scale / 100;
			struct result r;

			if (run(schedsim, c, path, ms ? ms : 1, &r) < 0) {
				fprintf(stderr, "bench_scale: %s failed at %u CPUs\n", schedsim,
					c->cpus);
				bad = 1;
				break;
			}
			printf("%5u %7u %8.3f %11llu %8.2f %10.0f %8.1f", c->cpus, c->threads,
			       ms / 1000.0, r.events, r.host_s, r.events / r.host_s,
			       r.max_rss_kib / 1024.0);
			if (k == 2 && r.host_s > first.host_s) /* the simulation alone */
				printf(" %10.0f", (r.events - first.events) /
						  (r.host_s - first.host_s));
			printf("\n");
			fflush(stdout);
			first = r;
		}
	}
	unlink(path);
	return bad;
}
