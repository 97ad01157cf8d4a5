/* SPDX-License-Identifier: MIT */
/*
 * ftrace.h - schedsim --trace: the run as a Linux ftrace text trace (the format of
 * /sys/kernel/tracing/trace with the sched events on), which Perfetto (ui.perfetto.dev),
 * trace-cmd-style parsers and tests/ftrace_replay.py read. See docs/schedsim.md, "Trace
 * output (--trace)".
 *
 * Streamed: each libsched trace event becomes at most one line as it happens (through
 * sim.on_trace); nothing is kept but a few figures per CPU.
 */
#ifndef SCHEDSIM_FTRACE_H
#define SCHEDSIM_FTRACE_H

#include <stdio.h>

#include "sim.h"

/* A trace file, either format's: created (truncated) and written through a 1 MiB buffer. */
struct trace_file {
	FILE *f;
	const char *path;
	char *buf;
};

/* 0, or -1 with a message on stderr (nothing left open). */
int trace_file_open(struct trace_file *tf, const char *path);
/* Flush and close: 0, or -1 with a message on stderr if a write failed (a full disk). */
int trace_file_close(struct trace_file *tf);

struct ftrace_out;

/* Create `path` (truncated), write the header and hook the writer into sim (sim.on_trace).
 * Timestamps are seconds with 6 decimals, as Linux prints them, or with 9 (ns: the
 * simulated clock's own resolution, which Perfetto reads too). Call before sim_load, so
 * that the threads' first events are in. NULL, with a message on stderr, if the file
 * cannot be created. */
struct ftrace_out *ftrace_open(struct sim *sim, const char *path, bool ns);

/* Unhook it, flush and close the file. 0, or -1 with a message on stderr if a write
 * failed (a full disk, say). NULL is accepted. */
int ftrace_close(struct sim *sim, struct ftrace_out *f);

#endif
