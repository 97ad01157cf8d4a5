/* SPDX-License-Identifier: MIT */
#ifndef SCHED_WEIGHT_H
#define SCHED_WEIGHT_H
#include <stdint.h>

#define SCHED_NICE_MIN (-20)
#define SCHED_NICE_MAX 19
#define SCHED_WEIGHT_NICE0 1024

/* Weight of a nice value in [SCHED_NICE_MIN, SCHED_NICE_MAX] (caller validates). */
uint32_t sched__nice_weight(int nice);
#endif
