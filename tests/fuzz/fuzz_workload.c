/* SPDX-License-Identifier: MIT */
/*
 * fuzz_workload.c - fuzz target: the rt-app workload reader, then the simulator running
 * libsched on what it read.
 *
 * Input: byte 0 picks the machine (CPUs, SMT, fair policy, core scheduling, kernel
 * protection, seed, IPI latency, overheads); the rest is the workload text handed to
 * wl_load_string (up to the first NUL byte). A workload that loads runs for at most
 * RUN_NS of simulated time with libsched's invariant checker after every event
 * (sim.check_each_step) and, with core scheduling, the simulator's own checks: a broken
 * invariant aborts, which the fuzzer reports as a crash. After the run, every CPU must have
 * accounted for all of the simulated time as busy, idle or IRQ handlers' (sim_cpu.
 * irq_unbilled_ns).
 *
 * Bounds, so that one input stays in the order of a millisecond of host time: at most
 * MAX_THREADS threads are simulated (a larger workload is only read), the simulator's event
 * budget (sim_config.max_events) stops the run after MAX_EVENTS events, a work budget stops
 * it once libsched has taken MAX_LOCKS run-queue locks (one event may run many zero-time
 * steps of a thread's program, each calling libsched), and a workload's own "duration"
 * shortens it. All are deterministic: an input always runs the same way.
 *
 * The corpus (tests/fuzz/corpus/workload/) starts from the JSON files of tests/workloads/
 * and examples/, each behind a few machine bytes; to add a JSON file by hand:
 *   { printf '\x07'; cat my.json; } > tests/fuzz/corpus/workload/my-c07
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define US 1000ull
#define MS 1000000ull
#define RUN_NS (10 * MS)
#define STEP_NS (100 * US)
#define MAX_EVENTS 5000
#define MAX_LOCKS 100000 /* the seeds take at most a few thousand in 10 ms */
#define MAX_THREADS 128

/* The machines byte 0 selects (low 4 bits); the high bits vary seed and overheads. */
enum core_mode { CORE_AUTO, CORE_ON, CORE_OFF };
static const struct machine {
	unsigned cpus, smt;
	const char *policy;   /* NULL: the library default (eevdf) */
	enum core_mode core;  /* AUTO: on when a task has a libsched.cookie (as schedsim) */
	bool protect;         /* kernel protection (turns core scheduling on) */
} machines[16] = {
	{ 1, 1, NULL, CORE_AUTO, false },
	{ 2, 1, NULL, CORE_AUTO, false },
	{ 4, 1, NULL, CORE_AUTO, false },
	{ 3, 1, "rr", CORE_AUTO, false },
	{ 1, 1, "rr", CORE_AUTO, false },
	{ 4, 1, "rr", CORE_AUTO, false },
	{ 2, 2, NULL, CORE_AUTO, false },
	{ 4, 2, NULL, CORE_ON, false },
	{ 4, 2, NULL, CORE_ON, true },
	{ 4, 2, "rr", CORE_ON, false },
	{ 8, 2, NULL, CORE_AUTO, false },
	{ 8, 4, NULL, CORE_ON, false },
	{ 6, 3, NULL, CORE_ON, true },
	{ 4, 2, "rr", CORE_AUTO, true },
	{ 2, 2, NULL, CORE_OFF, false },
	{ 16, 2, "eevdf", CORE_AUTO, false },
};

static uint64_t threads_of(const struct workload *wl)
{
	uint64_t n = 0;

	for (size_t i = 0; i < wl->nr_tasks; i++)
		n += wl->tasks[i].instances;
	return n;
}

static bool all_done(const struct sim *sim)
{
	for (size_t i = 0; i < sim->nr_threads; i++)
		if (!sim->threads[i]->done)
			return false;
	return true;
}

/* After every event: the work budget (sim.stopped ends the run). */
static void work_budget(struct sim *sim, void *arg)
{
	uint64_t locks = 0;

	(void)arg;
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		locks += sched_cpu_counter(&sim->sys, c, SCHED_CNT_LOCK_ACQUIRE);
	if (locks > MAX_LOCKS)
		sim->stopped = true;
}

static void simulate(uint8_t sel, const struct workload *wl)
{
	const struct machine *m = &machines[sel & 15];
	struct sim_config cfg = {
		.cpus = m->cpus, .smt = m->smt, .policy = m->policy,
		.seed = 1 + ((sel >> 4) & 3),
		.ipi_latency_ns = sel & 0x40 ? 2 * US : 0,
		.switch_cost_ns = sel & 0x80 ? 1 * US : 0,
		.timer_cost_ns = sel & 0x80 ? 500 : 0,
		.core_protect = m->protect,
		.max_events = MAX_EVENTS,
	};
	sched_time_t end = RUN_NS;
	struct sim *sim;

	if (threads_of(wl) > MAX_THREADS)
		return;
	cfg.core_sched = m->core == CORE_ON || m->protect ||
			 (m->core == CORE_AUTO && wl_has_cookies(wl));
	if (wl->duration_ns > 0 && (uint64_t)wl->duration_ns < end)
		end = (sched_time_t)wl->duration_ns;
	sim = sim_new(&cfg);
	if (!sim)
		abort(); /* every machine of the table is valid */
	sched_measure(&sim->sys, true); /* the work budget counts lock acquisitions */
	if (sim_load(sim, wl) == 0) {
		sim->check_each_step = true;
		sim->after_event = work_budget;
		for (sched_time_t t = 0; t < end && !sim->stopped && !all_done(sim);) {
			t = t + STEP_NS < end ? t + STEP_NS : end;
			sim_run_until(sim, t);
		}
		/* (IRQ handlers' time is charged to neither: the simulator takes it back) */
		for (unsigned c = 0; c < cfg.cpus; c++) {
			if (sim_cpu_busy_ns(sim, c) + sim_cpu_idle_ns(sim, c) +
			    sim->cpu[c].irq_unbilled_ns != sim->now) {
				fprintf(stderr, "fuzz_workload: CPU %u: busy %llu + idle %llu + irq "
					"%llu != %llu ns\n", c,
					(unsigned long long)sim_cpu_busy_ns(sim, c),
					(unsigned long long)sim_cpu_idle_ns(sim, c),
					(unsigned long long)sim->cpu[c].irq_unbilled_ns,
					(unsigned long long)sim->now);
				abort();
			}
		}
		/* the report's figures, as schedsim prints them */
		for (size_t i = 0; i < sim->nr_threads; i++) {
			struct sim_thread *t = sim->threads[i];
			struct sched_acct acct;

			(void)sched_thread_stats(&sim->sys, sched_ref_of(&t->st), &acct);
			(void)sim_thread_latency(t, 99);
			(void)sim_thread_group(sim, t);
			(void)sim_thread_sc_stats(sim, t);
		}
	}
	sim_free(sim);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct workload wl;
	char err[512];
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size); /* the text after byte 0, NUL-terminated */
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (wl_load_string("fuzz.json", text, &wl, err, sizeof(err)) == 0) {
		simulate(data[0], &wl);
		wl_free(&wl);
	} else if (!memchr(err, '\0', sizeof(err)) || !err[0]) {
		abort(); /* a rejection comes with a message */
	}
	free(text);
	return 0;
}
