/* SPDX-License-Identifier: MIT */
/*
 * progress.c - global progress: the service a fair thread has had per unit of its share of
 * the machine, in one unit on every CPU, so the balancer can see which threads fell behind
 * on a crowded CPU (docs/fair.md, "Fairness across CPUs").
 *
 * Each charge adds delta x 1024 / w, w what the thread's share of the machine weighs (the
 * class's share_weight: its own weight, or in fairness groups its part of the groups'
 * shares). Two threads that always got their weight-ideal share progress at one rate,
 * whichever CPUs they ran on. O(1) per charge (O(depth) in groups).
 */
#include "internal.h"
#include "progress.h"

static const struct sched_class *fair_class(const struct sched_rq *rq)
{
	return rq->sys->classes[SCHED_NR_CLASSES - 1];
}

/* What t's share of the machine weighs, x 256 (class.h, share_weight). */
static uint64_t share256(const struct sched_rq *rq, const struct sched_thread *t)
{
	const struct sched_class *f = fair_class(rq);

	return f->share_weight ? f->share_weight(rq, t) : (uint64_t)t->weight << 8;
}

/* delta x 1024 / share: exact for any delta (the quotient and remainder are scaled apart,
 * share < 2^28). */
static uint64_t progress_for(const struct sched_rq *rq, const struct sched_thread *t,
			     uint64_t delta)
{
	uint64_t w = share256(rq, t);

	return delta / w * 262144 + delta % w * 262144 / w; /* x 1024 x 256 */
}

/* What t's share weighs, rounded: its weight unless it is in fairness groups. */
uint64_t sched__share_weight(const struct sched_rq *rq, const struct sched_thread *t)
{
	uint64_t w = (share256(rq, t) + 128) >> 8;

	return w ? w : 1;
}

/*
 * Publish rq's current thread's progress for other CPUs' rotation choices (balance.c):
 * read without the lock, so only an estimate. t: the current thread, charged up to now.
 */
void sched__progress_publish(struct sched_rq *rq, const struct sched_thread *t,
			     sched_time_t now)
{
	bool fair = !t->is_idle && t->on_class == fair_class(rq);

	sched__assert_rq_locked(rq);
	__atomic_store_n(&rq->prog_pub, t->prog, __ATOMIC_RELAXED);
	__atomic_store_n(&rq->prog_at, now, __ATOMIC_RELAXED);
	__atomic_store_n(&rq->prog_w, fair ? share256(rq, t) : 0, __ATOMIC_RELAXED);
}

/* rq's published progress extrapolated to now, unlocked; false if it runs no fair thread. */
bool sched__progress_estimate(const struct sched_rq *rq, sched_time_t now, uint64_t *prog)
{
	uint64_t w = __atomic_load_n(&rq->prog_w, __ATOMIC_RELAXED);
	sched_time_t at = __atomic_load_n(&rq->prog_at, __ATOMIC_RELAXED);

	*prog = __atomic_load_n(&rq->prog_pub, __ATOMIC_RELAXED);
	if (!w)
		return false;
	if (sched_time_before(at, now))
		*prog += (now - at) / w * 262144 + (now - at) % w * 262144 / w;
	return true;
}

/* Current fair thread t ran `delta` ns (charge point: t->exec_start is now). */
void sched__progress_charge(struct sched_rq *rq, struct sched_thread *t, uint64_t delta)
{
	sched__assert_rq_locked(rq);
	t->prog += progress_for(rq, t, delta);
	sched__progress_publish(rq, t, t->exec_start);
}

/* t's progress at now; t on rq's fair class (rq may be another CPU's). */
uint64_t sched__progress_now(const struct sched_rq *rq, const struct sched_thread *t,
			     sched_time_t now)
{
	sched__assert_rq_locked(rq);
	if (t != rq->curr || !sched_time_before(t->exec_start, now))
		return t->prog;
	return t->prog + progress_for(rq, t, now - t->exec_start);
}

/*
 * The progress of a fair thread already here (other than t); on a CPU without one, what
 * the waking CPU's current thread published, else the system's reference (the last one a
 * balancing CPU published).
 */
static uint64_t anchor(struct sched_rq *rq, const struct sched_thread *t, sched_time_t now)
{
	const struct sched_class *f = fair_class(rq);
	const struct sched_thread *o = rq->curr;
	unsigned me = sched_arch_cpu_id();
	uint64_t p;

	if (!o || o->is_idle || o->on_class != f || o == t)
		o = f->first(rq);
	if (o && o != t)
		return sched__progress_now(rq, o, now);
	if (me < rq->sys->nr_cpus && me != rq->cpu &&
	    sched__progress_estimate(sched__rq(rq->sys, me), now, &p))
		return p;
	return __atomic_load_n(&rq->sys->prog_ref, __ATOMIC_RELAXED);
}

/*
 * t joins rq's fair queue. A new thread starts level with the threads here. A thread that
 * slept starts level too if it was behind (being behind after a sleep is mostly the sleep:
 * it earns no claim on the CPUs, or every short sleeper would look owed at each wake and
 * have CPU-bound threads rotated for it), and keeps being ahead up to fair_spread_ns (a
 * sleep does not wipe out service taken ahead). A thread arriving from another CPU keeps
 * its progress exactly.
 */
void sched__progress_join(struct sched_rq *rq, struct sched_thread *t, unsigned flags,
			  sched_time_t now)
{
	int64_t lim = (int64_t)rq->sys->cfg.fair_spread_ns, d;
	uint64_t ref;

	sched__assert_rq_locked(rq);
	if (!(flags & (SCHED_ENQ_NEW | SCHED_ENQ_WAKE)))
		return;
	ref = anchor(rq, t, now);
	d = flags & SCHED_ENQ_NEW ? 0 : sched__progress_diff(t->prog, ref);
	t->prog = ref + (uint64_t)(d < 0 ? 0 : d > lim ? lim : d);
}
