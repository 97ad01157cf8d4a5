/* SPDX-License-Identifier: MIT */
/*
 * dist.h - the variation schedsim draws: lengths of a task's "run" events around their
 * nominal value, and release offsets and jitter (docs/schedsim.md, "Variation").
 *
 * Integer arithmetic only, from a generator of the project's own (splitmix64), so a draw
 * depends on the seed and the thread alone: the same on every machine and compiler.
 */
#ifndef SCHEDSIM_DIST_H
#define SCHEDSIM_DIST_H

#include <stddef.h>
#include <stdint.h>

/* How a "run" of a task gets its length ("run_dist"). */
enum wl_dist_kind { WL_DIST_FIXED, WL_DIST_UNIFORM, WL_DIST_NORMAL };

#define WL_DIST_MAX_PCT 1000   /* a bound in percent of the nominal value: at most 10 x */
#define WL_DIST_MAX_SD_PCT 100 /* a normal's standard deviation, percent of the nominal */

/* Bounds and spread in percent of the nominal value; all 0 for WL_DIST_FIXED. */
struct wl_dist {
	enum wl_dist_kind kind;
	uint32_t min_pct, max_pct; /* 1 <= min <= max <= WL_DIST_MAX_PCT (normal: min <= 100
				    * <= max, its mean being the nominal value) */
	uint32_t sd_pct;           /* normal: 0 .. WL_DIST_MAX_SD_PCT */
};

/* The generator of one thread's stream (0: run lengths, 1: release offset and jitter),
 * from the run's seed and the thread's index, so that streams of threads differ and
 * adding jitter does not change the run lengths drawn. */
uint64_t wl_dist_seed(uint64_t seed, uint64_t thread, unsigned stream);
/* The next 64 bits of a stream. */
uint64_t wl_dist_next(uint64_t *state);
/* Uniform in [0, n], every value with the same chance (rejection, no modulo bias). */
uint64_t wl_dist_upto(uint64_t *state, uint64_t n);
/* A length for a run of `nominal` ns: nominal for WL_DIST_FIXED; else within the bounds,
 * and at least 1 ns when nominal is not 0 (a run never vanishes). */
uint64_t wl_dist_draw(const struct wl_dist *d, uint64_t nominal, uint64_t *state);

/* Fills in a normal's default bounds (mean -/+ 3 sd, min at least 1) where `min_pct` or
 * `max_pct` is 0, then checks every value. Returns NULL, or what is wrong (static text). */
const char *wl_dist_check(struct wl_dist *d);
/* --run-dist's value: "fixed", "uniform:MIN:MAX", "normal:SD" or "normal:SD:MIN:MAX",
 * integers in percent. Returns NULL, or what is wrong. */
const char *wl_dist_parse(const char *spec, struct wl_dist *out);
/* The same text back ("normal:10:70:130", the bounds filled in), for the report. */
const char *wl_dist_text(const struct wl_dist *d, char *buf, size_t len);

#endif
