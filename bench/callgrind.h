/* SPDX-License-Identifier: MIT */
/*
 * callgrind.h - the callgrind client requests the `count` modes of the benchmarks use, or
 * no-ops where valgrind's header is missing (meson defines HAVE_CALLGRIND when it is
 * there; a `count` run then refuses to start).
 */
#ifndef BENCH_CALLGRIND_H
#define BENCH_CALLGRIND_H

#ifdef HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(label) ((void)(label))
#endif

#endif
