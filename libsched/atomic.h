/* SPDX-License-Identifier: MIT */
/*
 * atomic.h - the atomic accesses libsched uses (GCC/Clang builtins: inline on every 64-bit
 * target supported).
 */
#ifndef LIBSCHED_ATOMIC_H
#define LIBSCHED_ATOMIC_H

#define sched__load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define sched__store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define sched__xchg(p, v) __atomic_exchange_n((p), (v), __ATOMIC_ACQ_REL)
#define sched__add(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)

/*
 * Fields read without their writer's lock (thread state across the thread and rq locks,
 * need_resched, counters, queue lengths, timeout_armed, gen) go through these, so every
 * such access is an atomic one in C11 terms. Each has one writer at a time (it holds the
 * lock), so a relaxed load + store is enough and costs no locked instruction.
 */
#define sched__get(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define sched__set(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define sched__inc(p, v) sched__set((p), sched__get(p) + (v))

#endif
