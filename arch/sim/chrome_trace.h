/* SPDX-License-Identifier: MIT */
/*
 * chrome_trace.h - schedsim --trace FILE.json (or --trace-format chrome): the run as
 * Chrome trace-event JSON, which ui.perfetto.dev and chrome://tracing load. See
 * docs/schedsim.md, "Trace output (--trace)".
 *
 * Streamed: "[" at open, each event as it is known (a slice when its CPU switches away
 * from it), "]" at close; nothing is kept but a few figures per CPU and per thread.
 */
#ifndef SCHEDSIM_CHROME_TRACE_H
#define SCHEDSIM_CHROME_TRACE_H

#include "sim.h"

struct chrome_out;

/* Create `path` (truncated), write "[" and the metadata events of the CPU tracks and hook
 * the writer into sim (sim.on_trace, sim.on_admit). Call before sim_load, so that the
 * threads' first events are in. NULL, with a message on stderr, if the file cannot be
 * created. */
struct chrome_out *chrome_open(struct sim *sim, const char *path);

/* End the slices still running at sim->now (the end of the run), write "]", unhook the
 * writer, flush and close the file. 0, or -1 with a message on stderr if a write failed.
 * NULL is accepted. */
int chrome_close(struct sim *sim, struct chrome_out *c);

#endif
