/* SPDX-License-Identifier: MIT */
#ifndef LIBSCHED_WEIGHT_H
#define LIBSCHED_WEIGHT_H
#include <stdint.h>

#include <sched/sched.h> /* SCHED_NICE_MIN, SCHED_NICE_MAX */

#define SCHED_WEIGHT_NICE0 1024

#define SCHED_WEIGHT_IDLE 3 /* SCHED_IDLE-like threads: below nice 19 (15) */

/* Weight of a nice value in [SCHED_NICE_MIN, SCHED_NICE_MAX] (caller validates). */
uint32_t sched__nice_weight(int nice);
/* 2^32 / sched__nice_weight(nice). */
uint32_t sched__nice_inv_weight(int nice);
#endif
