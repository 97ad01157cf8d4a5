/* SPDX-License-Identifier: MIT */
/*
 * svg.h - schedsim --svg FILE: the run as an SVG timeline, one lane per CPU, for a person
 * to look at (docs/schedsim.md, "SVG timeline").
 *
 * Streamed: the header when opened, each slice when its CPU switches away from it (or when
 * it is merged into the lane's next one), the legend at close. What is kept grows with the
 * number of threads and CPUs, never with the run's duration.
 */
#ifndef SCHEDSIM_SVG_H
#define SCHEDSIM_SVG_H

#include "sim.h"

/* What gives a slice its colour (--svg-color). */
enum svg_color {
	SVG_BY_THREAD,  /* each thread its own (a hash of its index) */
	SVG_BY_CLASS,   /* its task's policy: deadline, fifo, rr, other, batch, idle */
	SVG_BY_COOKIE,  /* its core-scheduling cookie (untagged: grey) */
};

struct svg_opts {
	const char *path;
	const char *title;   /* the workload's name, for the title line */
	enum svg_color color;
	sched_time_t start, end; /* the window, start < end (ns) */
};

struct svg_out;

/* Create opts->path (truncated), write the header (title, lanes, time axis) and hook the
 * writer into sim (sim.on_trace and sim.on_job; hooks already there are still called).
 * Call before sim_load, after any other trace writer. NULL, with a message on stderr, if
 * the file cannot be created. */
struct svg_out *svg_open(struct sim *sim, const struct workload *wl, const struct svg_opts *opts);

/* End the slices still running at sim->now, write the legend and "</svg>", give the hooks
 * back as they were and close the file. 0, or -1 with a message on stderr if a write
 * failed. NULL is accepted. */
int svg_close(struct sim *sim, struct svg_out *s);

#endif
