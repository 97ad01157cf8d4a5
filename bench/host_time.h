/* SPDX-License-Identifier: MIT */
/*
 * host_time.h - the host clock and the median the host-ns benchmarks report (their
 * figures are medians of repetitions, with the cost of a clock read pair subtracted).
 */
#ifndef BENCH_HOST_TIME_H
#define BENCH_HOST_TIME_H

#include <stdlib.h>
#include <time.h>

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of v[n] (sorts v); 0 for none. */
static inline double median(double *v, unsigned n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
