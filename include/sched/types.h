/* SPDX-License-Identifier: MIT */
/*
 * sched/types.h - basic types shared by every libsched header: time, CPU masks, errors.
 *
 * Freestanding: only <stdint.h>, <stddef.h> and <stdbool.h>.
 */
#ifndef SCHED_TYPES_H
#define SCHED_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nanoseconds on the arch monotonic clock. 64 bits wrap after 584 years; comparisons use
 * signed differences anyway (sched_time_before) so that a clock starting near the top of
 * the range still orders correctly. */
typedef uint64_t sched_time_t;

/* "No such instant": a timer that is not needed, a sleep without timeout. */
#define SCHED_TIME_NEVER UINT64_MAX

static inline bool sched_time_before(sched_time_t a, sched_time_t b)
{
	return (int64_t)(a - b) < 0;
}

/*
 * The legal range of an instant passed to libsched (a sleep deadline): less than this far
 * from now, either way (~146 years). Any two legal instants are then less than 2^63 apart,
 * so sched_time_before orders them consistently, whatever the clock's starting point.
 */
#define SCHED_TIME_HORIZON_NS (1ull << 62)

static inline bool sched_time_in_horizon(sched_time_t t, sched_time_t now)
{
	uint64_t ahead = t - now, behind = now - t;

	return ahead < SCHED_TIME_HORIZON_NS || behind < SCHED_TIME_HORIZON_NS;
}

/* The fixed upper bound on CPUs. Masks are arrays of 64-bit words so it can grow. */
#define SCHED_MAX_CPUS 64
#define SCHED_CPUMASK_WORDS ((SCHED_MAX_CPUS + 63) / 64)

typedef struct {
	uint64_t w[SCHED_CPUMASK_WORDS];
} sched_cpumask_t;

static inline void sched_cpumask_clear(sched_cpumask_t *m)
{
	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++)
		m->w[i] = 0;
}

static inline void sched_cpumask_fill(sched_cpumask_t *m, unsigned nr_cpus)
{
	sched_cpumask_clear(m);
	for (unsigned c = 0; c < nr_cpus && c < SCHED_MAX_CPUS; c++)
		m->w[c / 64] |= 1ull << (c % 64);
}

static inline void sched_cpumask_set(sched_cpumask_t *m, unsigned cpu)
{
	m->w[cpu / 64] |= 1ull << (cpu % 64);
}

static inline void sched_cpumask_unset(sched_cpumask_t *m, unsigned cpu)
{
	m->w[cpu / 64] &= ~(1ull << (cpu % 64));
}

static inline bool sched_cpumask_test(const sched_cpumask_t *m, unsigned cpu)
{
	return cpu < SCHED_MAX_CPUS && (m->w[cpu / 64] >> (cpu % 64)) & 1;
}

/* True if a and b share at least one CPU. */
static inline bool sched_cpumask_intersects(const sched_cpumask_t *a, const sched_cpumask_t *b)
{
	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++)
		if (a->w[i] & b->w[i])
			return true;
	return false;
}

/* True if every CPU of a is in b. */
static inline bool sched_cpumask_subset(const sched_cpumask_t *a, const sched_cpumask_t *b)
{
	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++)
		if (a->w[i] & ~b->w[i])
			return false;
	return true;
}

static inline bool sched_cpumask_empty(const sched_cpumask_t *m)
{
	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++)
		if (m->w[i])
			return false;
	return true;
}

struct sched_thread;
struct sched_authority;

/* A generation-checked reference to a thread: what a kernel stores in capabilities and wait
 * queues (sched.h). */
struct sched_ref {
	struct sched_thread *t;
	uint32_t gen;
};

/* A token of an authority {authority, generation} (sched.h, "authority"). */
struct sched_auth {
	struct sched_authority *a;
	uint32_t gen;
};

/*
 * Error codes. Every public entry returns 0 (or a non-negative value) on success and one of
 * these, negated, on failure; a failed call has changed nothing.
 */
enum sched_err {
	SCHED_OK = 0,
	SCHED_EINVAL,   /* an argument is out of its documented range */
	SCHED_ESTALE,   /* a reference's generation no longer matches: the object exited */
	SCHED_ESTATE,   /* the object is not in a state that allows the operation */
	SCHED_ECPU,     /* CPU number out of range, or the CPU is offline */
	SCHED_EAFFINITY,/* the affinity mask allows no online CPU */
	SCHED_EBUSY,    /* the operation would strand a thread (e.g. offlining its only CPU) */
	SCHED_EPERM,    /* the authority token does not grant this */
	SCHED_EDEPTH,   /* group hierarchy deeper than SCHED_GROUP_DEPTH_MAX */
	SCHED_ECHECK,   /* sched_check() found a broken invariant */
	SCHED_EEXIST,   /* already done (CPU already online, ...) */
	SCHED_ENOSC,    /* the thread runs only on a scheduling context and has none */
	SCHED_EFULL,    /* no free slot (SC pool) */
	SCHED_ERR_COUNT
};

/* A static string naming the error; accepts err or -err. Never NULL. */
const char *sched_strerror(int err);

#endif
