/* SPDX-License-Identifier: MIT */
/*
 * usched.h - libsched's policy calls for a ring-3 program (usched.c): the functions the
 * policy service (policy/service.c) calls, each made a system call of the kernel's policy
 * ABI (kpolicy_abi.h). The kernel does the real call, with the service's authority, which
 * it holds; ring 3 only ever names things by handles.
 *
 * What service.c is given as libsched's objects are stand-ins in ring-3 memory: the
 * system (its cfg.core_sched, and its SC array, a mirror of each SC slot's generation and
 * state that the calls keep up to date), the queue, the authority (all the rights the
 * service checks for: the kernel's token is what counts), and one shadow thread per thread
 * id (own_sc set while the kernel says the thread holds an SC of its own). A struct
 * sched_ref from here points at a shadow; nothing else in it is meaningful.
 */
#ifndef USCHED_H
#define USCHED_H

#include <sched/explain.h>
#include <sched/policy.h>

struct sched_sys *usched_sys(void);
struct sched_policy *usched_queue(void);
struct sched_auth usched_auth(void);
/* The calling thread as a ref (the service's `self`); .t NULL if the kernel refused. */
struct sched_ref usched_self(void);
/* The ref of a kernel handle (tid | gen << 32); has_sc: it holds an SC of its own. */
struct sched_ref usched_ref(uint64_t handle, bool has_sc);
uint64_t usched_handle(struct sched_ref r);
/* Called after every request taken, before it is decided: the service program's hook (a
 * stall or a crash the test asks for happens there, holding the request). NULL: none. */
extern void (*usched_after_take)(const struct sched_request *r);

#endif
