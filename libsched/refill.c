/* SPDX-License-Identifier: MIT */
/*
 * refill.c - the budget of a SchedulingContext: sporadic-server refills, CBS, round robin.
 *
 * Pure arithmetic on one SC; the caller holds the lock that protects its budget state.
 *
 * Sporadic server (the default). The ring holds refills {at, amount}; their amounts always
 * sum to the budget (sched_check verifies it). Budget is usable when the head refill's
 * instant has come. Running for `used` ns consumes the head from its front: the consumed
 * part becomes a new refill at head.at + period at the tail, and the head's instant moves
 * on by `used` (what is left of it starts later). So every ns of budget comes back exactly
 * one period after the instant it started being used, which bounds the use in any window of
 * one period by the budget. A head left stale (its holder kept off the CPU for long while
 * its budget was usable) keeps its instant as the activation's (Sprunt), but what it sends
 * back is reactivated when reached again (consume), so the bound becomes one budget more.
 * Merges only ever delay budget, never advance it:
 *   - a ring that is full folds the new refill into the tail, at the later instant;
 *   - a refill adjacent to the tail (it starts before the tail's amount could be used up)
 *     joins it: it could not be consumed earlier than its own instant anyway;
 *   - at wake-up the head's instant moves to now, and later refills that become usable
 *     before the head is used up join it (the same argument).
 * Round robin: budget == period never throttles; a used-up head is renewed at once with a
 * new deadline, so EDF peers take turns.
 * CBS: one refill holds the remaining runtime; depletion waits until deadline - D + P,
 * where runtime is renewed (minus any overrun) and the deadline moves by one period; a
 * wake-up that could not finish its runtime before the old deadline at the reserved rate
 * starts afresh (runtime = budget, deadline = now + D), as in Linux's SCHED_DEADLINE.
 *
 * Overflow budget: instants and amounts are < 2^63 ns; budget, period < 2^36, so the CBS
 * product runtime x period < 2^72 is done in 128 bits.
 */
#include "internal.h"
#include "refill.h"

/* The deadline is read without the charging CPU's lock by the mutex code (proxy.c ranks
 * waiters on an SC and picks what to lend by it): a relaxed atomic store, one writer. */
static void set_deadline(struct sched_sc *sc, sched_time_t d)
{
	sched__set(&sc->deadline, d);
}

__extension__ typedef unsigned __int128 u128;

static struct sched_refill *ring(struct sched_sc *sc, unsigned i)
{
	return &sc->refill[(sc->head + i) % sc->cap];
}

static struct sched_refill *head(struct sched_sc *sc)
{
	return ring(sc, 0);
}

static struct sched_refill *tail(struct sched_sc *sc)
{
	return ring(sc, sc->count - 1u);
}

static bool is_rr(const struct sched_sc *sc)
{
	return sc->mode == SCHED_SC_SPORADIC && sc->budget == sc->period;
}

static void pop(struct sched_sc *sc)
{
	sc->head = (uint16_t)((sc->head + 1u) % sc->cap);
	sc->count--;
}

/* Append `amount` usable from `at` (never earlier than the tail's instant). */
static void push(struct sched_sc *sc, sched_time_t at, uint64_t amount)
{
	struct sched_refill *t;

	if (sc->count == 0) {
		sc->head = 0;
		sc->count = 1;
		*head(sc) = (struct sched_refill){ at, amount };
		return;
	}
	t = tail(sc);
	if (sc->count == sc->cap || !sched_time_before(t->at + t->amount, at)) {
		if (sched_time_before(t->at, at) && sc->count == sc->cap)
			t->at = at; /* full: fold in, at the later instant */
		t->amount += amount;
		return;
	}
	sc->count++;
	*tail(sc) = (struct sched_refill){ at, amount };
}

/*
 * Join refills that become usable before the head is used up into the head, at the head's
 * instant: their budget cannot be consumed before the head's is, and consuming moves the
 * head's instant on, so each ns still comes back a period after it was used. O(count).
 */
static void merge_ready(struct sched_sc *sc)
{
	while (sc->count > 1) {
		struct sched_refill *h = head(sc), *n = ring(sc, 1);

		if (sched_time_before(h->at + h->amount, n->at))
			return;
		n->amount += h->amount;
		n->at = h->at;
		pop(sc);
	}
}

void sched__refill_reset(struct sched_sc *sc, sched_time_t now)
{
	sc->head = 0;
	sc->count = 1;
	sc->refill[0] = (struct sched_refill){ now, sc->budget };
	sc->act = now;
	set_deadline(sc, now + sc->rel_deadline);
	sc->depleted = 0;
	sc->debt = 0;
}

/* Budget usable at `now` (0 when it must wait for a refill). O(1). */
uint64_t sched__refill_avail(const struct sched_sc *sc, sched_time_t now)
{
	const struct sched_refill *h = &sc->refill[sc->head];

	if (!sc->count || sched_time_before(now, h->at))
		return 0;
	return h->amount;
}

/* The instant budget comes back (meaningful when none is usable). O(1). */
sched_time_t sched__refill_next(const struct sched_sc *sc)
{
	return sc->refill[sc->head].at;
}

/* The holder wakes from a block: a new job. O(count). */
void sched__refill_unblock(struct sched_sc *sc, sched_time_t now)
{
	struct sched_refill *h = head(sc);

	sc->stats.jobs++;
	if (sc->mode == SCHED_SC_CBS) {
		sched_time_t next_period = sc->deadline - sc->rel_deadline + sc->period;

		/* constrained deadline (D < P), woken after the deadline but before the next
		 * period: it waits for that period, else it could exceed budget / period (Linux's
		 * dl_check_constrained_dl) */
		if (sc->rel_deadline < sc->period && !sched_time_before(now, sc->deadline) &&
		    sched_time_before(now, next_period)) {
			h->amount = 0;
			h->at = next_period;
			return;
		}
		/* runtime / (deadline - now) > budget / period: the old deadline is unusable */
		u128 lhs = (u128)h->amount * sc->period;
		u128 rhs = (u128)(sc->deadline - now) * sc->budget;

		if (!sched_time_before(now, sc->deadline) || lhs > rhs) {
			set_deadline(sc, now + sc->rel_deadline);
			h->amount = sc->budget > sc->debt ? sc->budget - sc->debt : 0;
			h->at = now;
			sc->debt = 0;
		}
		return;
	}
	if (sched_time_before(h->at, now))
		h->at = now;
	merge_ready(sc);
	sc->act = head(sc)->at;
	if (sched__refill_avail(sc, now))
		set_deadline(sc, head(sc)->at + sc->rel_deadline);
}

/*
 * Budget is back for a holder that waited (the refill instant passed): the new activation's
 * deadline, and for CBS the renewed runtime. O(count).
 */
void sched__refill_arrive(struct sched_sc *sc, sched_time_t now)
{
	struct sched_refill *h = head(sc);

	sc->depleted = 0;
	if (sc->mode == SCHED_SC_CBS) {
		uint64_t need = sc->debt;

		/* each period renews one budget; debt above a budget skips periods (bounded:
		 * debt < one charge, and a charge is bounded by the timer's lateness) */
		set_deadline(sc, sc->deadline + sc->period);
		while (need >= sc->budget && need - sc->budget < need) {
			need -= sc->budget;
			set_deadline(sc, sc->deadline + sc->period);
		}
		h->amount = sc->budget - need;
		h->at = now;
		sc->debt = 0;
		return;
	}
	merge_ready(sc);
	sc->act = head(sc)->at;
	set_deadline(sc, head(sc)->at + sc->rel_deadline);
}

/*
 * Consume up to `used` (at most one pass over the ring) from its front, from instant *at
 * on; *at moves on by what was consumed. A consumed chunk comes back one period after its
 * instant, which for the head of an activation (a wake-up, a refill that ended a throttle:
 * sc->act) is the activation, kept over preemptions (Sprunt). A refill at or after
 * act + period holds budget used in this activation: reaching it means the activation's
 * capacity ran out and came back, so it reactivates at max(its instant, the instant its use
 * begins), and joins what is usable before it is used up. Without that, a holder kept off
 * its CPU for long (queued, forced idle, a stalled host) would send every chunk back at an
 * instant already past and run unthrottled until the instants caught up with now. Refills
 * of earlier activations that came back meanwhile keep their instants (they came back while
 * it was active, as in Sprunt).
 */
static void consume(struct sched_sc *sc, uint64_t used, sched_time_t *at)
{
	/* used <= budget == the ring's sum: ends before any refill is visited twice */
	for (unsigned n = sc->count + 1u; used && n; n--) {
		struct sched_refill *h = head(sc);
		struct sched_refill h0 = *h;

		if (used < h0.amount) {
			h->at += used;
			h->amount -= used;
			push(sc, h0.at + sc->period, used);
			*at += used;
			return;
		}
		used -= h0.amount;
		*at += h0.amount;
		pop(sc);
		push(sc, h0.at + sc->period, h0.amount);
		h = head(sc);
		if (!sched_time_before(h->at, sc->act + sc->period) && sched_time_before(h->at, *at)) {
			h->at = *at;
			sc->act = *at;
			merge_ready(sc);
		}
	}
}

/*
 * Sporadic charge: consume `used`, begun at `start`, from the front of the ring. Usage past
 * the usable budget (the timer came late) is taken from the next refills, which then come
 * back later: an overrun is paid back, never forgiven. Of a charge of whole budgets the
 * first pass over the ring is walked (it reactivates what must be); each later pass moves
 * every refill on by a period, all done at once, and what a shifted refill still lags
 * behind is reactivated when a walk reaches it: O(count) however late the timer was.
 */
static void charge_sporadic(struct sched_sc *sc, uint64_t used, sched_time_t start)
{
	sched_time_t at = start;

	if (used >= sc->budget) {
		uint64_t periods;

		consume(sc, sc->budget, &at);
		used -= sc->budget;
		periods = used / sc->budget;
		for (unsigned i = 0; i < sc->count; i++)
			ring(sc, i)->at += periods * sc->period;
		used -= periods * sc->budget;
		at += periods * sc->budget;
	}
	consume(sc, used, &at);
}

/*
 * The holder ran `used` ns on the SC. Returns SCHED_REFILL_DEPLETED when the usable budget
 * ran out with this charge (once per depletion: the caller notifies and applies the overrun
 * policy), SCHED_REFILL_TURN when a round-robin turn ended. O(count).
 */
int sched__refill_charge(struct sched_sc *sc, uint64_t used, sched_time_t now)
{
	uint64_t avail = sched__refill_avail(sc, now - used);
	struct sched_refill *h = head(sc);

	if (avail) /* it ran on budget: any earlier depletion is over */
		sc->depleted = 0;
	sc->stats.consumed_ns += used;
	if (used > avail && used - avail > sc->stats.max_overrun_ns)
		sc->stats.max_overrun_ns = used - avail;
	if (is_rr(sc)) {
		if (used < h->amount) {
			h->amount -= used;
			return SCHED_REFILL_OK;
		}
		h->amount = sc->budget; /* a new turn, behind its EDF peers */
		h->at = now;
		set_deadline(sc, now + sc->rel_deadline);
		return SCHED_REFILL_TURN;
	}
	if (sc->mode == SCHED_SC_CBS) {
		if (used < h->amount) {
			h->amount -= used;
			return SCHED_REFILL_OK;
		}
		sc->debt = used - h->amount;
		h->amount = 0;
		h->at = sc->deadline - sc->rel_deadline + sc->period;
	} else {
		charge_sporadic(sc, used, now - used);
		if (sched__refill_avail(sc, now))
			return SCHED_REFILL_OK;
	}
	if (sc->depleted)
		return SCHED_REFILL_OK;
	sc->depleted = 1;
	sc->stats.depletions++;
	return SCHED_REFILL_DEPLETED;
}

/* Yield: what is left of the usable budget is given up as if used (no notification). */
void sched__refill_forfeit(struct sched_sc *sc, sched_time_t now)
{
	struct sched_refill *h = head(sc);
	uint64_t left = sched__refill_avail(sc, now);

	if (!left)
		return;
	if (is_rr(sc)) { /* the next turn, behind its peers */
		h->at = now;
		set_deadline(sc, now + sc->rel_deadline);
		h->amount = sc->budget;
	} else if (sc->mode == SCHED_SC_CBS) {
		h->amount = 0;
		h->at = sc->deadline - sc->rel_deadline + sc->period;
	} else {
		charge_sporadic(sc, left, now - left);
	}
}

/* The ring's invariants: the rule-specific sum, order, and bounds. */
bool sched__refill_valid(const struct sched_sc *sc)
{
	uint64_t sum = 0;

	if (!sc->count || sc->count > sc->cap || sc->head >= sc->cap)
		return false;
	for (unsigned i = 0; i < sc->count; i++) {
		const struct sched_refill *r = &sc->refill[(sc->head + i) % sc->cap];

		if (i && sched_time_before(r->at, sc->refill[(sc->head + i - 1) % sc->cap].at))
			return false;
		sum += r->amount;
	}
	if (sc->mode == SCHED_SC_CBS || is_rr(sc))
		return sc->count == 1 && sum <= sc->budget;
	return sum == sc->budget;
}
