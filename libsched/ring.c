/* SPDX-License-Identifier: MIT */
/*
 * ring.c - single-consumer polling rings (include/sched/ring.h has the protocol).
 *
 * The owner is a generation-checked ref changed only under the ring's claim word (a
 * spin lock held for a few instructions), so two registrations cannot both win; poll and
 * submit read it without the lock. need_wakeup is the Dekker pair of
 * the producer's publish: the consumer sets it and then looks at the ring again; the
 * producer publishes and then clears it. The kernel publishes and rechecks its tail with
 * sequentially consistent accesses, as these are, so at least one side sees the other; park and unpark keep a permit, so the order of unpark and park
 * does not matter.
 */
#include "internal.h"

/* The owner without the claim: set_owner clears t before it writes gen, so a t read again
 * unchanged after gen belongs with it. Retried while an (un)registration is under way,
 * which takes a few instructions. */
static struct sched_ref owner_of(const struct sched_ring *r)
{
	struct sched_ref o;

	do {
		o.t = __atomic_load_n(&r->owner.t, __ATOMIC_ACQUIRE);
		o.gen = __atomic_load_n(&r->owner.gen, __ATOMIC_ACQUIRE);
	} while (o.t != __atomic_load_n(&r->owner.t, __ATOMIC_ACQUIRE));
	return o;
}

int sched_ring_init(struct sched_ring *r, uint64_t idle_ns)
{
	if (!r || idle_ns > SCHED_TIME_HORIZON_NS)
		return -SCHED_EINVAL;
	*r = (struct sched_ring){ 0 };
	r->idle_ns = idle_ns ? idle_ns : SCHED_RING_IDLE_DEFAULT_NS;
	return 0;
}

static unsigned long claim(struct sched_ring *r)
{
	unsigned long flags = sched_arch_irq_save();

	while (__atomic_exchange_n(&r->claim, 1, __ATOMIC_ACQUIRE))
		sched_arch_cpu_relax();
	return flags;
}

static void unclaim(struct sched_ring *r, unsigned long flags)
{
	__atomic_store_n(&r->claim, 0, __ATOMIC_RELEASE);
	sched_arch_irq_restore(flags);
}

static void set_owner(struct sched_ring *r, struct sched_ref o)
{
	__atomic_store_n(&r->owner.t, NULL, __ATOMIC_RELEASE); /* never a new t with an old gen */
	__atomic_store_n(&r->owner.gen, o.gen, __ATOMIC_RELEASE);
	__atomic_store_n(&r->owner.t, o.t, __ATOMIC_RELEASE);
}

int sched_ring_register(struct sched_sys *s, struct sched_ring *r, struct sched_ref consumer)
{
	struct sched_ref old;
	unsigned long flags;
	int ret = 0;

	if (!s || !r || !consumer.t || consumer.t->is_idle)
		return -SCHED_EINVAL;
	flags = claim(r);
	old = owner_of(r);
	if (!sched__ref_live(consumer))
		ret = -SCHED_ESTALE;
	else if (old.t && sched__ref_live(old)) /* a dead owner (or none) is replaced */
		ret = -SCHED_EOWNED;
	if (!ret) {
		__atomic_store_n(&r->last_work, sched_arch_now(), __ATOMIC_RELAXED);
		__atomic_store_n(&r->need_wakeup, 0, __ATOMIC_SEQ_CST);
		set_owner(r, consumer);
	}
	unclaim(r, flags);
	return ret;
}

static bool owns(const struct sched_ring *r, const struct sched_thread *t)
{
	struct sched_ref o = owner_of(r);

	return o.t == t && o.gen == sched__get(&t->gen);
}

int sched_ring_unregister(struct sched_sys *s, struct sched_ring *r, struct sched_ref consumer)
{
	struct sched_ref none = { NULL, 0 };
	unsigned long flags;
	int ret = 0;

	if (!s || !r || !consumer.t)
		return -SCHED_EINVAL;
	flags = claim(r);
	if (!sched__ref_live(consumer) || !owns(r, consumer.t))
		ret = -SCHED_EPERM;
	else
		set_owner(r, none);
	unclaim(r, flags);
	return ret;
}

int sched_ring_submit(struct sched_sys *s, struct sched_ring *r)
{
	struct sched_ref o;
	int ret;

	if (!s || !r)
		return -SCHED_EINVAL;
	o = owner_of(r);
	if (!o.t || !sched__ref_live(o))
		return -SCHED_ESTATE;
	if (!__atomic_exchange_n(&r->need_wakeup, 0, __ATOMIC_SEQ_CST)) {
		__atomic_add_fetch(&r->submits, 1, __ATOMIC_RELAXED);
		return 0; /* polling: it will see the entry */
	}
	ret = sched_unpark(s, o); /* a permit if it has not parked yet */
	if (ret == -SCHED_ESTALE) { /* it exited meanwhile: no live consumer */
		__atomic_store_n(&r->need_wakeup, 1, __ATOMIC_SEQ_CST);
		return -SCHED_ESTATE;
	}
	if (ret < 0) { /* it cannot run (its CPUs leased or offline, no SC): refused, and the
			* ring stays marked, so the next submit tries again */
		__atomic_store_n(&r->need_wakeup, 1, __ATOMIC_SEQ_CST);
		return ret;
	}
	__atomic_add_fetch(&r->submits, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->last_work, sched_arch_now(), __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->wakeups, 1, __ATOMIC_RELAXED);
	return 1;
}

int sched_ring_poll(struct sched_sys *s, unsigned cpu, struct sched_ring *r, bool found_work,
		    struct sched_thread **next)
{
	struct sched_thread *me;
	sched_time_t now;

	if (!s || !r || !next || cpu >= s->nr_cpus)
		return -SCHED_EINVAL;
	me = __atomic_load_n(&s->rq[cpu].curr, __ATOMIC_RELAXED); /* the caller runs on cpu */
	if (!me || !owns(r, me))
		return -SCHED_EPERM;
	*next = me;
	now = sched_arch_now();
	__atomic_add_fetch(&r->polls, 1, __ATOMIC_RELAXED);
	if (found_work) {
		__atomic_store_n(&r->last_work, now, __ATOMIC_RELAXED);
		__atomic_store_n(&r->need_wakeup, 0, __ATOMIC_SEQ_CST);
		return 0;
	}
	if (now - __atomic_load_n(&r->last_work, __ATOMIC_RELAXED) < r->idle_ns)
		return 0;
	if (!__atomic_load_n(&r->need_wakeup, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&r->need_wakeup, 1, __ATOMIC_SEQ_CST); /* before the recheck */
		return SCHED_RING_RECHECK;
	}
	__atomic_add_fetch(&r->parks, 1, __ATOMIC_RELAXED);
	return sched_park(s, cpu, next);
}
