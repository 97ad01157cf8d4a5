/* SPDX-License-Identifier: MIT */
/*
 * sched/ring.h - single-consumer polling rings (io_uring's SQPOLL, docs/lease.md).
 *
 * The ring's memory (entries, head and tail) is the kernel's; libsched keeps who consumes
 * it and whether that consumer is parked. Exactly one live thread owns a ring as its
 * consumer: a second registration is refused. The consumer (the poller) spins while it
 * finds work; after `idle_ns` without any it parks, and the next submission unparks it
 * (io_uring's sq_thread_idle and IORING_SQ_NEED_WAKEUP). On a leased CPU the poller is
 * the only thread, so it spins with the tick stopped.
 *
 * The protocol, with no lost wake-up:
 *   producer: publish the entry (a sequentially consistent store of the tail), then
 *             sched_ring_submit();
 *   consumer: loop { n = consume(); r = sched_ring_poll(s, cpu, ring, n > 0, &next);
 *                    if (next != me) switch to next; }
 * sched_ring_poll, once idle long enough, first marks the ring as needing a wake-up and
 * returns SCHED_RING_RECHECK; the consumer looks at the ring once more (a sequentially
 * consistent load of the tail) and calls again; only
 * then does it park. Submit and that mark are sequentially consistent, so either the
 * consumer's recheck sees the entry or the producer sees the mark and unparks it (park and
 * unpark keep a permit, so an unpark before the park is not lost).
 * A consumer of several rings marks each (takes each one's SCHED_RING_RECHECK and looks
 * at it once more) before it parks: a poll marks only its own ring, and a ring left
 * unmarked does not wake a parked consumer.
 */
#ifndef SCHED_RING_H
#define SCHED_RING_H

#include <sched/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sched_sys;

#define SCHED_RING_IDLE_DEFAULT_NS 1000000000ull /* io_uring's sq_thread_idle default: 1 s */
#define SCHED_RING_RECHECK 1                     /* sched_ring_poll: look at the ring again */

struct sched_ring {
	struct sched_ref owner;      /* the consumer ({NULL, 0}: none) [atomic] */
	uint64_t idle_ns;            /* park after this long without work */
	sched_time_t last_work;      /* the consumer last found work, or was woken [atomic] */
	uint32_t need_wakeup;        /* the consumer parks or is about to [atomic, seq_cst] */
	uint32_t claim;              /* a tiny lock: (un)registrations, one at a time */
	uint64_t submits, wakeups, parks, polls; /* figures [atomic] */
};

/* Initialise an unowned ring; idle_ns 0 = SCHED_RING_IDLE_DEFAULT_NS. -SCHED_EINVAL for NULL
 * or idle_ns above SCHED_TIME_HORIZON_NS. */
int sched_ring_init(struct sched_ring *r, uint64_t idle_ns);

/* Make `consumer` the ring's one consumer. -SCHED_EINVAL for NULL or an idle thread,
 * -SCHED_ESTALE for a stale ref, -SCHED_EOWNED while another live thread owns it (an owner
 * that exited no longer counts). O(1). */
int sched_ring_register(struct sched_sys *s, struct sched_ring *r, struct sched_ref consumer);

/* Give the ring up. -SCHED_EINVAL for NULL, -SCHED_EPERM if `consumer` does not own it. */
int sched_ring_unregister(struct sched_sys *s, struct sched_ring *r, struct sched_ref consumer);

/* Entries were published: wake the consumer if it parks. Returns 1 if it unparked it (or
 * left it a permit: it was about to park), 0 if it was polling; -SCHED_EINVAL for NULL,
 * -SCHED_ESTATE for a ring without a live consumer; the errors of sched_unpark when the
 * consumer cannot run now (-SCHED_EAFFINITY: its CPUs are offline or leased to others;
 * -SCHED_ENOSC, -SCHED_ELENT): the ring stays marked, so the next submit tries again.
 * Any CPU. O(1) (+ a wake). */
int sched_ring_submit(struct sched_sys *s, struct sched_ring *r);

/*
 * The consumer (the current thread of `cpu`) polled the ring and found work or not. With
 * work, or while idle less than idle_ns, *next is the consumer itself (go on polling) and
 * the result 0. Idle long enough: the first call marks the ring and returns
 * SCHED_RING_RECHECK (*next: itself); the next call without work parks the consumer
 * (*next: the thread to switch to; itself if a submit came meanwhile) and returns 0.
 * -SCHED_EINVAL for NULL, -SCHED_EPERM if the current thread of `cpu` does not own the
 * ring, and the errors of sched_park. O(1), or sched_park's cost.
 */
int sched_ring_poll(struct sched_sys *s, unsigned cpu, struct sched_ring *r, bool found_work,
		    struct sched_thread **next);

#ifdef __cplusplus
}
#endif

#endif
