/* SPDX-License-Identifier: MIT */
/*
 * weight.c - nice to weight.
 *
 * nice 0 = 1024 and each step is x1.25, so one nice level moves about 10% of the CPU between
 * two competing threads. These are the values Linux uses (sched_prio_to_weight), kept
 * identical so shares compare one to one with Linux runs of the same workload.
 */
#include "weight.h"

static const uint32_t nice_weight[40] = {
	/* -20 */ 88761, 71755, 56483, 46273, 36291,
	/* -15 */ 29154, 23254, 18705, 14949, 11916,
	/* -10 */ 9548,  7620,  6100,  4904,  3906,
	/*  -5 */ 3121,  2501,  1991,  1586,  1277,
	/*   0 */ 1024,  820,   655,   526,   423,
	/*   5 */ 335,   272,   215,   172,   137,
	/*  10 */ 110,   87,    70,    56,    45,
	/*  15 */ 36,    29,    23,    18,    15,
};

uint32_t sched__nice_weight(int nice)
{
	return nice_weight[nice - SCHED_NICE_MIN];
}
