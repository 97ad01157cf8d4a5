/* SPDX-License-Identifier: MIT */
/*
 * scenario.h - the parity check's interpreter (docs/parity.md): a scenario is a short text
 * of libsched calls, one per line; scn_run makes them on a machine the host gives and
 * prints one line per decision (a call's result, a partitioned SC's CPU, the class each
 * thread runs in after each step). The simulator (parity_sim.c) and the x86_64 kernel
 * (tests_scenario.c, boot only=scenario) run the same text, and tests/parity.sh compares
 * their lines. Freestanding: no libc, so the kernel links it as it is.
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#include <sched/sched.h>

/* The pools the host gives libsched before scn_run, the same on both machines (the
 * kernel's sizes, kernel.h: it asserts they match). */
#define SCN_SCS 16
#define SCN_LEASES 8
#define SCN_ISLANDS 4
#define SCN_DMA_PAGES 16           /* one memory pool, "dma" */
#define SCN_REFILLS 8              /* refill slots of every SC the scenario makes */
#define SCN_LINE 160               /* the longest line printed */

struct scn_host {
	struct sched_sys *sys;
	void *ctx;
	/* A new thread with `p` in *out, woken; it spins for the rest of the run. 0, or the
	 * error of sched_thread_init or sched_wake (nothing made). */
	int (*spawn)(void *ctx, const char *name, const struct sched_thread_params *p,
		     struct sched_thread **out);
	/* Before each call into libsched: the host makes CPU 0 the calling CPU. */
	void (*enter)(void *ctx);
	/* After each step: the machine runs on for a moment (pending switches and IPIs taken). */
	void (*settle)(void *ctx);
	/* Bring `cpu` back online on itself; sched_cpu_online's result. */
	int (*online)(void *ctx, unsigned cpu);
	/* One decision line (NUL-terminated, no newline). */
	void (*print)(void *ctx, const char *line);
};

/* Run the scenario text[0..len). Returns the number of operations run, or -1 at the first
 * line it cannot parse (printed as "parse error at line N"), after which it stops. */
int scn_run(const struct scn_host *h, const char *text, unsigned long len);

#endif
