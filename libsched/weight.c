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

int sched_nice_to_weight(int nice)
{
	if (nice < SCHED_NICE_MIN || nice > SCHED_NICE_MAX)
		return -SCHED_EINVAL;
	return (int)nice_weight[nice - SCHED_NICE_MIN];
}

/* 2^32 / weight, computed by the compiler: the hot path multiplies by these. */
#define INV(w) (uint32_t)(0xffffffffu / (w))
static const uint32_t nice_inv_weight[40] = {
	INV(88761), INV(71755), INV(56483), INV(46273), INV(36291),
	INV(29154), INV(23254), INV(18705), INV(14949), INV(11916),
	INV(9548),  INV(7620),  INV(6100),  INV(4904),  INV(3906),
	INV(3121),  INV(2501),  INV(1991),  INV(1586),  INV(1277),
	INV(1024),  INV(820),   INV(655),   INV(526),   INV(423),
	INV(335),   INV(272),   INV(215),   INV(172),   INV(137),
	INV(110),   INV(87),    INV(70),    INV(56),    INV(45),
	INV(36),    INV(29),    INV(23),    INV(18),    INV(15),
};

uint32_t sched__nice_inv_weight(int nice)
{
	return nice_inv_weight[nice - SCHED_NICE_MIN];
}
