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

#ifdef __cplusplus
extern "C" {
#endif

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

/*
 * The fixed upper bound on CPUs, a build-time setting as Linux's CONFIG_NR_CPUS: a port may
 * define it (a multiple of 64, at most 4096: CPU numbers are stored in 16 bits) for the
 * library and everything that includes its headers. Masks are arrays of 64-bit words, so
 * mask operations cost O(SCHED_MAX_CPUS / 64): one word at the default.
 */
#ifndef SCHED_MAX_CPUS
#define SCHED_MAX_CPUS 64
#endif
#ifdef __cplusplus
static_assert(SCHED_MAX_CPUS >= 64 && SCHED_MAX_CPUS <= 4096 && SCHED_MAX_CPUS % 64 == 0,
	      "SCHED_MAX_CPUS: a multiple of 64, 64 .. 4096");
#else
_Static_assert(SCHED_MAX_CPUS >= 64 && SCHED_MAX_CPUS <= 4096 && SCHED_MAX_CPUS % 64 == 0,
	       "SCHED_MAX_CPUS: a multiple of 64, 64 .. 4096");
#endif
#define SCHED_CPUMASK_WORDS ((SCHED_MAX_CPUS + 63) / 64)

typedef struct {
	uint64_t w[SCHED_CPUMASK_WORDS];
} sched_cpumask_t;

static inline void sched_cpumask_clear(sched_cpumask_t *m)
{
	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++)
		m->w[i] = 0;
}

/* CPUs 0 .. nr_cpus - 1. O(SCHED_CPUMASK_WORDS): whole words, then the partial one. */
static inline void sched_cpumask_fill(sched_cpumask_t *m, unsigned nr_cpus)
{
	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++) {
		unsigned lo = i * 64;

		if (nr_cpus >= lo + 64)
			m->w[i] = ~0ull;
		else
			m->w[i] = nr_cpus > lo ? (1ull << (nr_cpus - lo)) - 1 : 0;
	}
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

/* Take out the CPUs from nr_cpus up (numbers the machine does not have). O(words). */
static inline void sched_cpumask_trim(sched_cpumask_t *m, unsigned nr_cpus)
{
	sched_cpumask_t all;

	sched_cpumask_fill(&all, nr_cpus);
	for (unsigned i = 0; i < SCHED_CPUMASK_WORDS; i++)
		m->w[i] &= all.w[i];
}

/* The first CPU of m at or after `from`, or SCHED_MAX_CPUS if none: O(words) per call, and
 * a walk of every CPU of a mask by successive calls costs O(words + CPUs found). */
static inline unsigned sched_cpumask_next(const sched_cpumask_t *m, unsigned from)
{
	for (unsigned i = from / 64; i < SCHED_CPUMASK_WORDS; i++) {
		uint64_t w = m->w[i];

		if (i == from / 64)
			w &= ~0ull << (from % 64);
		if (w) /* inline bsf/tzcnt on x86_64: no libgcc call */
			return i * 64 + (unsigned)__builtin_ctzll(w);
	}
	return SCHED_MAX_CPUS;
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
 * Error codes, one meaning each (docs/errors.md has the table, with the entries that
 * return each). Every public entry returns 0 (or a non-negative value) on success and one
 * of these, negated, on failure; a failed call has changed nothing. The one exception is
 * SCHED_EBUSY, which is an answer rather than a failure (see docs/errors.md).
 * Entries returning bool, counts or pointers say in their comment what a bad argument gets.
 */
enum sched_err {
	SCHED_OK = 0,
	SCHED_EINVAL,   /* an argument is invalid in itself: NULL, outside its documented range,
			 * or an idle thread where an ordinary thread is needed */
	SCHED_ESTALE,   /* a thread ref, authority token or SC capability is stale (exited/revoked) */
	SCHED_ESTATE,   /* the thread, CPU or SC is not in the state the operation needs */
	SCHED_ECPU,     /* a CPU number (alone or in a CPU set) is out of range, or that CPU is offline */
	SCHED_EAFFINITY,/* the affinity allows no online CPU, or reaches outside its SC's CPUs */
	SCHED_EBUSY,    /* sched_core_exit_kernel only: a sibling is still in the kernel; call again */
	SCHED_EPERM,    /* the authority token or capability does not grant this */
	SCHED_EDEPTH,   /* a nesting limit would be passed (groups, authorities, donation chain) */
	SCHED_ECHECK,   /* sched_check() found a broken invariant */
	SCHED_EEXIST,   /* a one-time step was already done (CPU already online, SC pool given) */
	SCHED_ENOSC,    /* the thread runs only on a scheduling context and has none */
	SCHED_EFULL,    /* no free SC or lease slot (all in use, or no pool given) */
	SCHED_ELAST_CPU,/* offline refused: it is the last online CPU */
	SCHED_EPINNED,  /* offline refused: a thread there may run on no other online CPU */
	SCHED_EAGAIN,   /* another CPU's switch or hotplug has not finished: call again later */
	SCHED_ELENT,    /* the thread's SC is lent to a server: only the reply gives it back */
	SCHED_EBOUND,   /* bind refused: the SC is bound, or the thread already has or holds an SC */
	SCHED_EACTIVE,  /* the SC is in use: a thread runs or waits runnable on it */
	SCHED_EDISABLED,/* core scheduling is off (sched_config.core_sched) */
	SCHED_ENOGROUP, /* the thread is in no group of the kind the scope names */
	SCHED_EUNSCHED, /* the realtime tasks could miss a deadline (admission analysis) */
	SCHED_EDEADLK,  /* waiting would deadlock: the caller owns the mutex, or a cycle of owners */
	SCHED_ETIMEDOUT,/* a wait ended at its deadline (sched_wait_result) */
	SCHED_EOWNERDEAD,/* the mutex is the caller's, its previous owner exited holding it */
	SCHED_ELOCKED,  /* sched_mutex_trylock only: another thread owns the mutex */
	SCHED_ELEASED,  /* the CPU is leased: a second lease on it, or its offline, refused */
	SCHED_EHOUSEKEEPING, /* no online CPU would be left general-purpose (lease, offline) */
	SCHED_EOWNED,   /* the ring has a live consumer already */
	SCHED_ERESERVE, /* a reservation is not available: a memory pool is short, an IRQ line or
			 * a server is another realtime island's */
	SCHED_EPATH,    /* a communication path is not allowed: an island thread's call or
			 * blocking call on a path its island did not declare (or a call to an
			 * island's server from off its paths), or a declared path whose server
			 * cannot serve it (not passive, two callers, unreachable, too deep, or
			 * not allowed on its caller's CPU) */
	SCHED_ERR_COUNT
};

/* A static string naming the error; accepts err or -err. Never NULL. */
const char *sched_strerror(int err);

/* An intrusive doubly linked list node (libsched/list.h has the operations). */
struct sched_list {
	struct sched_list *next, *prev;
};

#ifdef __cplusplus
}
#endif

#endif
