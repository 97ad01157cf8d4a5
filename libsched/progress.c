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
 * Publish rq's current thread's progress for other CPUs (rotation choices, wake
 * references): read without the lock, under a sequence count so a reader never pairs one
 * publication's progress with another's instant. A thread that is not a fair one (idle,
 * EDF) publishes only that: w = 0. rq locked: one writer at a time.
 */
void sched__progress_publish(struct sched_rq *rq, const struct sched_thread *t,
			     sched_time_t now)
{
	bool fair = !t->is_idle && t->on_class == fair_class(rq);
	uint32_t seq = rq->prog_seq;

	sched__assert_rq_locked(rq);
	/* the odd count is ordered before the fields by their release stores */
	__atomic_store_n(&rq->prog_seq, seq + 1, __ATOMIC_RELAXED);
	if (fair) {
		__atomic_store_n(&rq->prog_pub, t->prog, __ATOMIC_RELEASE);
		__atomic_store_n(&rq->prog_at, now, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&rq->prog_w, fair ? share256(rq, t) : 0, __ATOMIC_RELEASE);
	__atomic_store_n(&rq->prog_seq, seq + 2, __ATOMIC_RELEASE);
}

/*
 * rq's published progress extrapolated to now, unlocked; false if it runs no fair thread
 * or a publication kept overlapping the read (4 tries: the read is a hint, never a wait).
 */
bool sched__progress_estimate(const struct sched_rq *rq, sched_time_t now, uint64_t *prog)
{
	for (int tries = 0; tries < 4; tries++) {
		/* acquire loads keep the second read of the count after the fields */
		uint32_t seq = __atomic_load_n(&rq->prog_seq, __ATOMIC_ACQUIRE);
		uint64_t w = __atomic_load_n(&rq->prog_w, __ATOMIC_ACQUIRE);
		sched_time_t at = __atomic_load_n(&rq->prog_at, __ATOMIC_ACQUIRE);
		uint64_t p = __atomic_load_n(&rq->prog_pub, __ATOMIC_ACQUIRE);

		if ((seq & 1) || __atomic_load_n(&rq->prog_seq, __ATOMIC_RELAXED) != seq)
			continue;
		if (!w)
			return false;
		if (sched_time_before(at, now))
			p += (now - at) / w * 262144 + (now - at) % w * 262144 / w;
		*prog = p;
		return true;
	}
	return false;
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
	if (t != rq->curr || !sched__uncharged(rq, t, now))
		return t->prog;
	return t->prog + progress_for(rq, t, sched__uncharged(rq, t, now));
}

/* The middle one of three. */
static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
	if (sched__progress_diff(a, b) > 0) {
		uint64_t x = a;

		a = b;
		b = x;
	}
	/* a <= b */
	return sched__progress_diff(c, b) >= 0 ? b : sched__progress_diff(c, a) >= 0 ? c : a;
}

/*
 * Where a thread joining rq (t) stands: level with a fair thread already here (other than
 * t); on a CPU without one, with what the waking CPU's current thread published; else with
 * the middle of what the next three CPUs running fair threads published (one outlier, a
 * pinned or crowded thread, does not set it). false if no CPU runs a fair thread: the
 * thread then keeps its own progress. O(1), O(nr_cpus) on an idle machine.
 */
static bool anchor(struct sched_rq *rq, const struct sched_thread *t, sched_time_t now,
		   uint64_t *ref)
{
	const struct sched_class *f = fair_class(rq);
	const struct sched_thread *o = rq->curr;
	struct sched_sys *s = rq->sys;
	unsigned me = sched_arch_cpu_id(), k = 0;
	uint64_t p[3];

	if (!o || o->is_idle || o->on_class != f || o == t)
		o = f->first(rq);
	if (o && o != t) {
		*ref = sched__progress_now(rq, o, now);
		return true;
	}
	if (me < s->nr_cpus && me != rq->cpu && sched__progress_estimate(sched__rq(s, me), now, ref))
		return true;
	for (unsigned i = 1; i < s->nr_cpus && k < 3; i++)
		k += sched__progress_estimate(sched__rq(s, (rq->cpu + i) % s->nr_cpus), now, &p[k]);
	if (!k)
		return false;
	*ref = k == 3 ? median3(p[0], p[1], p[2]) : p[0];
	return true;
}

/* t's progress brought within [ref - behind, ref + fair_spread_ns]. */
static void level(struct sched_rq *rq, struct sched_thread *t, uint64_t ref, int64_t behind)
{
	int64_t lim = (int64_t)rq->sys->cfg.fair_spread_ns;
	int64_t d = sched__progress_diff(t->prog, ref);

	t->prog = ref + (uint64_t)(d < -behind ? -behind : d > lim ? lim : d);
}

/*
 * t's affinity changed while it is on rq's fair class: what it was owed or had taken
 * under the old mask is settled (a thread kept on a crowded CPU would otherwise carry an
 * unbounded claim to a wider mask), as at a wake.
 */
void sched__progress_relevel(struct sched_rq *rq, struct sched_thread *t, sched_time_t now)
{
	uint64_t ref;

	sched__assert_rq_locked(rq);
	if (t->on_class == fair_class(rq) && anchor(rq, t, now, &ref))
		level(rq, t, ref, 0);
}

/*
 * t joins rq's fair queue. A new thread starts level with the threads here. A thread that
 * slept starts level too if it was behind (being behind after a sleep is mostly the sleep:
 * it earns no claim on the CPUs, or every short sleeper would look owed at each wake and
 * have CPU-bound threads rotated for it), and keeps being ahead up to fair_spread_ns (a
 * sleep does not wipe out service taken ahead). A thread arriving from another CPU keeps
 * its progress, but at most fair_spread_ns ahead of the threads there: a rotation moves
 * the most advanced thread, less than that ahead, while a longer lead (a CPU kept to itself
 * under an affinity that since changed, say) would make it the first to share a CPU for
 * as long as the lead lasts. A deficit is kept: the balance acts on it.
 */
void sched__progress_join(struct sched_rq *rq, struct sched_thread *t, unsigned flags,
			  sched_time_t now)
{
	uint64_t ref;

	sched__assert_rq_locked(rq);
	if (!anchor(rq, t, now, &ref))
		return;
	if (flags & SCHED_ENQ_NEW)
		t->prog = ref;
	else if (flags & SCHED_ENQ_WAKE)
		level(rq, t, ref, 0);
	else if (flags & SCHED_ENQ_MIGRATE)
		level(rq, t, ref, INT64_MAX);

}
