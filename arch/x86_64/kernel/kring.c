/* SPDX-License-Identifier: MIT */
/*
 * kring.c - a submission ring between a ring-3 process and a kernel poller thread
 * (sched/ring.h; docs/x86_64.md "Leases and the poller").
 *
 * The entries live in the process's shared page (kernel.h: struct kshared): the program
 * writes entry i into slot i % KRING_ENTRIES, then SYS_RING_SUBMIT(count) publishes them.
 * The positions are the kernel's own (tail: published, head: consumed), never read back
 * from the page, so a program can spoil only its own entries' contents. The system call
 * checks the count against the room left, stamps the slots, moves the tail with a
 * sequentially consistent store (the publication) and then calls sched_ring_submit, which
 * unparks the poller if it parks. The poller, the ring's one consumer, takes what lies
 * between head and tail, then calls sched_ring_poll: it goes on polling while it finds
 * work or has been idle less than the ring's idle time, and parks after that. libsched's
 * protocol (a mark, one more look, then the park; the submit sees the mark or the look sees
 * the entry) means no submission is left unconsumed while the poller sleeps.
 *
 * The record (consumed in order, each entry's submit result and latency) is for the test.
 */
#include "kernel.h"

#define KRINGS 2

static struct kring rings[KRINGS];
static uint32_t nr_rings; /* handed out; only grows */

static void ring_lock(struct kring *k)
{
	while (__atomic_exchange_n(&k->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&k->lock, __ATOMIC_RELAXED))
			__asm__ volatile("pause");
}

static void ring_unlock(struct kring *k)
{
	__atomic_store_n(&k->lock, 0, __ATOMIC_RELEASE);
}

/* One consumed entry: in order if it is the next one and intact; its latency from the
 * publication (stamped before the tail moved, read after it). */
static void note_entry(struct kring *k, uint32_t pos, uint64_t now)
{
	const volatile struct kring_entry *e = &k->proc->shared->ring[pos % KRING_ENTRIES];
	uint64_t seq = e->seq, check = e->check;

	if (seq != k->consumed || check != ~seq)
		k->out_of_order++;
	if (k->consumed < KRING_LOG)
		k->latency_ns[k->consumed] = now - k->pub_ns[pos % KRING_ENTRIES];
	k->consumed++;
}

/* Take every published entry; returns how many. The poller only. */
static unsigned consume(struct kring *k)
{
	uint32_t tail = __atomic_load_n(&k->tail, __ATOMIC_SEQ_CST), head = k->head;
	uint64_t now = clock_ns();
	unsigned n = 0;

	for (; head != tail; head++, n++)
		note_entry(k, head, now);
	if (n) {
		__atomic_store_n(&k->head, head, __ATOMIC_RELEASE); /* the slots are free again */
		k->proc->shared->ring_head = head;
	}
	return n;
}

/* The poller: consume, poll, until told to stop; then give the ring up. */
static void poller_main(void *arg)
{
	struct kring *k = arg;
	int r = 0;

	while (!__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE)) {
		r = thread_ring_poll(&k->ring, consume(k) > 0);
		if (r < 0)
			break;
	}
	k->poll_error = r < 0 ? r : 0;
	k->unregistered = sched_ring_unregister(&ksys, &k->ring,
						sched_ref_of(&thread_current()->st));
}

int kring_start(struct kprocess *p, uint64_t idle_ns, struct kring **out)
{
	uint32_t i;
	struct kring *k;
	int r;

	if (p->ring)
		return -SCHED_EEXIST;
	i = __atomic_fetch_add(&nr_rings, 1, __ATOMIC_RELAXED);
	if (i >= KRINGS)
		return -SCHED_EFULL;
	k = &rings[i];
	k->proc = p;
	if ((r = sched_ring_init(&k->ring, idle_ns)) < 0)
		return r;
	k->poller = thread_create("poller", poller_main, k, NULL);
	if ((r = sched_ring_register(&ksys, &k->ring, sched_ref_of(&k->poller->st))) < 0)
		return r;
	__atomic_store_n(&p->ring, k, __ATOMIC_RELEASE); /* submissions accepted from here */
	thread_start_now(k->poller);
	*out = k;
	return 0;
}

/* Unpark leaves a permit if the poller is not parked: it sees `stop` either way. */
void kring_stop(struct kring *k)
{
	__atomic_store_n(&k->stop, 1, __ATOMIC_RELEASE);
	thread_unpark(k->poller);
	wait_done(&k->poller, 1);
}

/* Publish count entries from the tail: stamp them, move the tail (seq_cst: ordered before
 * sched_ring_submit's look at whether the poller parks). Ring locked. */
static void publish(struct kring *k, uint32_t count)
{
	uint64_t now = clock_ns();

	for (uint32_t i = 0; i < count; i++)
		k->pub_ns[(k->tail + i) % KRING_ENTRIES] = now;
	__atomic_store_n(&k->tail, k->tail + count, __ATOMIC_SEQ_CST);
}

static void note_submit(struct kring *k, uint32_t first, uint32_t count, int r)
{
	for (uint32_t i = first; i < first + count && i < KRING_LOG; i++)
		k->submit_result[i] = (int8_t)r;
	k->woke += r == 1;
}

/*
 * SYS_RING_SUBMIT(count): the caller's process must have a ring (-SCHED_EINVAL), count
 * must be 1 .. KRING_ENTRIES (-SCHED_EINVAL) and fit in the room the poller left
 * (-SCHED_EFULL; nothing published). Returns sched_ring_submit's answer: 1 it unparked the
 * poller, 0 the poller was polling (-SCHED_ESTATE: no live poller; the entries stay
 * published for the next one).
 */
int64_t kring_sys_submit(struct kthread *me, uint64_t count)
{
	struct kring *k = me->proc ? __atomic_load_n(&me->proc->ring, __ATOMIC_ACQUIRE) : NULL;
	uint32_t first;
	int r;

	if (!k || count == 0 || count > KRING_ENTRIES)
		return -SCHED_EINVAL;
	ring_lock(k);
	first = k->tail;
	if (first - __atomic_load_n(&k->head, __ATOMIC_ACQUIRE) + count > KRING_ENTRIES) {
		ring_unlock(k);
		return -SCHED_EFULL;
	}
	publish(k, (uint32_t)count);
	r = sched_ring_submit(&ksys, &k->ring);
	note_submit(k, first, (uint32_t)count, r);
	ring_unlock(k);
	thread_preempt(); /* the unparked poller may outrank this thread here */
	return r;
}
