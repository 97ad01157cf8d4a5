/* SPDX-License-Identifier: MIT */
/*
 * dist.c - run lengths, release offsets and jitter drawn per thread (dist.h).
 *
 * The bounded normal is the sum of twelve uniform draws (Irwin-Hall), which is within a
 * percent or so of a normal up to three deviations and needs neither floating point nor
 * libm, so a draw is the same bits everywhere.
 */
#include <stdio.h>
#include <string.h>

#include "dist.h"

#define DIST_MAX_NS 1000000000000000000ull /* 10^15 us: workload.h's WL_MAX_TIME_US */
#define IH_TERMS 12                          /* uniforms summed for a normal */
#define IH_SHIFT 17                          /* the sum's standard deviation is 2^17 */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* splitmix64: one word of state, every seed a good one */
uint64_t wl_dist_next(uint64_t *state)
{
	return mix64(*state += 0x9e3779b97f4a7c15ull);
}

uint64_t wl_dist_seed(uint64_t seed, uint64_t thread, unsigned stream)
{
	return mix64(seed ^ mix64(thread * 2 + stream + 1));
}

uint64_t wl_dist_upto(uint64_t *state, uint64_t n)
{
	uint64_t m = n + 1, floor, r;

	if (m == 0)
		return wl_dist_next(state);
	floor = (0 - m) % m; /* 2^64 mod m: draws below it would favour small values */
	do
		r = wl_dist_next(state);
	while (r < floor);
	return r % m;
}

/* pct percent of n, rounded down, without overflow for any n below 2^64 / 10 */
static uint64_t pct_of(uint64_t n, uint32_t pct)
{
	return n / 100 * pct + n % 100 * pct / 100;
}

/* A sum of IH_TERMS uniform 16-bit draws, centred on 0 exactly: each term is an odd
 * number in [-65535, 65535], so the sum's mean is 0 and its deviation 2^IH_SHIFT. */
static int64_t irwin_hall(uint64_t *state)
{
	int64_t sum = 0;

	for (int i = 0; i < IH_TERMS / 4; i++) {
		uint64_t r = wl_dist_next(state);

		for (int k = 0; k < 4; k++, r >>= 16)
			sum += 2 * (int64_t)(r & 0xffff) + 1 - 65536;
	}
	return sum;
}

/* sd * z where z = s / 2^IH_SHIFT; split so that no product overflows (sd < 2^60) */
static int64_t scaled(uint64_t sd, int64_t s)
{
	int64_t q = (int64_t)(sd >> IH_SHIFT), r = (int64_t)(sd & ((1u << IH_SHIFT) - 1));

	return q * s + r * s / (1 << IH_SHIFT);
}

uint64_t wl_dist_draw(const struct wl_dist *d, uint64_t nominal, uint64_t *state)
{
	uint64_t lo = pct_of(nominal, d->min_pct), hi = pct_of(nominal, d->max_pct), v;
	int64_t x;

	switch (d->kind) {
	case WL_DIST_UNIFORM:
		v = lo + wl_dist_upto(state, hi - lo);
		break;
	case WL_DIST_NORMAL:
		x = (int64_t)nominal + scaled(pct_of(nominal, d->sd_pct), irwin_hall(state));
		v = x < (int64_t)lo ? lo : x > (int64_t)hi ? hi : (uint64_t)x;
		break;
	default:
		return nominal;
	}
	if (v > DIST_MAX_NS)
		v = DIST_MAX_NS;
	return v || !nominal ? v : 1;
}

const char *wl_dist_check(struct wl_dist *d)
{
	if (d->kind == WL_DIST_FIXED)
		return d->min_pct || d->max_pct || d->sd_pct ? "\"fixed\" takes no bounds" : NULL;
	if (d->kind == WL_DIST_NORMAL) {
		if (d->sd_pct > WL_DIST_MAX_SD_PCT)
			return "sd_pct must be between 0 and 100";
		if (!d->min_pct)
			d->min_pct = d->sd_pct * 3 < 100 ? 100 - d->sd_pct * 3 : 1;
		if (!d->max_pct)
			d->max_pct = 100 + d->sd_pct * 3;
		if (d->min_pct > 100 || d->max_pct < 100)
			return "min_pct <= 100 <= max_pct: the mean is the nominal value";
	}
	if (d->min_pct < 1 || d->max_pct > WL_DIST_MAX_PCT)
		return "min_pct and max_pct must be between 1 and 1000";
	if (d->min_pct > d->max_pct)
		return "min_pct must be <= max_pct";
	return NULL;
}

/* A decimal integer of at most 4 digits (every value here is <= 1000), then `end`. */
static const char *number(const char *s, uint32_t *out)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > 4 || (s[n] != ':' && s[n] != '\0'))
		return NULL;
	*out = 0;
	for (size_t i = 0; i < n; i++)
		*out = *out * 10 + (uint32_t)(s[i] - '0');
	return s + n + (s[n] == ':');
}

const char *wl_dist_parse(const char *spec, struct wl_dist *out)
{
	static const char *const form = "expected fixed, uniform:MIN:MAX, normal:SD or "
					"normal:SD:MIN:MAX (integers, percent)";
	const char *p;

	*out = (struct wl_dist){ .kind = WL_DIST_FIXED };
	if (!strcmp(spec, "fixed"))
		return NULL;
	if (!strncmp(spec, "uniform:", 8)) {
		out->kind = WL_DIST_UNIFORM;
		p = number(spec + 8, &out->min_pct);
		p = p ? number(p, &out->max_pct) : NULL;
		if (!p || *p || p[-1] == ':')
			return form;
		return wl_dist_check(out);
	}
	if (strncmp(spec, "normal:", 7))
		return form;
	out->kind = WL_DIST_NORMAL;
	p = number(spec + 7, &out->sd_pct);
	if (p && *p) {
		p = number(p, &out->min_pct);
		p = p ? number(p, &out->max_pct) : NULL;
		if (p && !out->min_pct)
			return "min_pct and max_pct must be between 1 and 1000";
	}
	if (!p || *p || p[-1] == ':')
		return form;
	return wl_dist_check(out);
}

const char *wl_dist_text(const struct wl_dist *d, char *buf, size_t len)
{
	if (d->kind == WL_DIST_UNIFORM)
		snprintf(buf, len, "uniform:%u:%u", d->min_pct, d->max_pct);
	else if (d->kind == WL_DIST_NORMAL)
		snprintf(buf, len, "normal:%u:%u:%u", d->sd_pct, d->min_pct, d->max_pct);
	else
		snprintf(buf, len, "fixed");
	return buf;
}
