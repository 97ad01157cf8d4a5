/* SPDX-License-Identifier: MIT */
/*
 * admit.c - admission analysis on one CPU: exact EDF (utilisation, then processor demand
 * with QPA) and exact fixed-priority response-time analysis (docs/admission.md).
 *
 * Integers only, and every rounding makes demand larger or supply smaller, so an accepted
 * set is schedulable. The CPU's realtime capacity is cap_ppm / 10^6: the tests run on the
 * demand scaled up by 10^6 / cap_ppm (rounded up), which at cap 10^6 is the demand itself.
 * Utilisations are summed in 2^-40 units, floor and ceiling apart. No loop runs more than
 * SCHED_RT_ITER_MAX steps of O(n) (O(n^2) for response times); a set that would need more
 * is refused with SCHED_RT_LIMIT.
 *
 * Blocking terms (critical sections under inheritance, admit.h) come in an array beside the
 * tasks (NULL inside: none); sched_rt_blocking computes them. The EDF test adds B(t) to the
 * demand, response-time analysis adds B_i to the response, the global tests add B_i to the
 * budget; the original entry points are the same tests with no array.
 */
#include <sched/admit.h>
#include <sched/sched.h>

#define PPM 1000000ull
#define FRAC 40
#define TIME_LIMIT (1ull << 62) /* instants the analysis reasons about */

/* C, T, D (and the priority, when `prio`) in range; the blocking term is not looked at. */
static bool shape_ok(const struct sched_rt_task *t, bool prio)
{
	return t->budget && t->budget <= t->deadline && t->deadline <= t->period &&
	       t->period <= SCHED_RT_TIME_MAX && (!prio || (t->prio >= 1 && t->prio <= 99));
}

/* Tasks, cap and blocking terms (b: NULL, or n terms each <= SCHED_RT_TIME_MAX). O(n). */
static int check_args(const struct sched_rt_task *ts, const uint64_t *b, unsigned n,
		      uint32_t cap_ppm, bool prio)
{
	if (!ts || n > SCHED_RT_TASKS_MAX || !cap_ppm || cap_ppm > PPM)
		return -SCHED_EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!shape_ok(&ts[i], prio) || (b && b[i] > SCHED_RT_TIME_MAX))
			return -SCHED_EINVAL;
	return 0;
}

/* Task i's blocking term; no array means no blocking. */
static uint64_t blk(const uint64_t *b, unsigned i)
{
	return b ? b[i] : 0;
}

static void verdict(struct sched_rt_verdict *v, enum sched_rt_test test, uint32_t task,
		    uint64_t at, uint64_t demand, uint64_t supply)
{
	if (v)
		*v = (struct sched_rt_verdict){ (uint8_t)test, task, at, demand, supply, 0 };
}

/* A verdict that names a task reports that task's blocking term (its response time or its
 * inflated budget includes it). O(1). */
static void name_blocking(const uint64_t *b, struct sched_rt_verdict *v)
{
	if (v && v->task != SCHED_RT_NO_TASK)
		v->blocking = blk(b, v->task);
}

/* floor(a x 2^40 / b), and whether it was not exact; a <= b < 2^50. Long division in
 * four 10-bit digits, so nothing passes 2^60. */
static uint64_t frac40(uint64_t a, uint64_t b, bool *inexact)
{
	uint64_t q = 0, r = a;

	if (a == b) {
		*inexact = false;
		return 1ull << FRAC;
	}
	for (int k = 0; k < FRAC / 10; k++) {
		r <<= 10;
		q = q << 10 | r / b;
		r %= b;
	}
	*inexact = r != 0;
	return q;
}

/* ceil(a x 10^6 / cap): demand in the units of a full CPU; >= TIME_LIMIT when too large. */
static uint64_t scale_up(uint64_t a, uint64_t cap)
{
	uint64_t q = a / cap, r = a % cap;

	if (cap == PPM)
		return a;
	if (q >= TIME_LIMIT / PPM)
		return TIME_LIMIT;
	return q * PPM + (r * PPM + cap - 1) / cap; /* r * PPM < 2^40 */
}

/* floor(t x cap / 10^6): what the cap supplies in t. */
static uint64_t scale_down(uint64_t t, uint64_t cap)
{
	return t / PPM * cap + t % PPM * cap / PPM;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a || a + b > TIME_LIMIT ? TIME_LIMIT : a + b;
}

/* ceil(t / T) x C, saturating. */
static uint64_t jobs_work(uint64_t t, const struct sched_rt_task *x)
{
	uint64_t k = (t + x->period - 1) / x->period;

	return k > TIME_LIMIT / x->budget ? TIME_LIMIT : k * x->budget;
}

/* --- EDF ------------------------------------------------------------------------------- */

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) { /* Euclid: O(log min(a, b)) steps */
		uint64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/*
 * Utilisation against the cap, exactly, where the two 2^-40 sums straddle it: over the
 * least common multiple L of the periods, sum C x L / T against L x cap / 10^6, in 128
 * bits. 1: at most the cap, 0: above, -1: L past 2^62 (or no 128-bit integers): unknown.
 * O(n log T).
 */
#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 u128;
#endif

static int util_exact_le2(const struct sched_rt_task *ts, unsigned n,
			  const struct sched_rt_task *more, unsigned nmore, uint64_t cap)
{
#ifdef __SIZEOF_INT128__
	u128 sum = 0;
	uint64_t L = 1;

	for (unsigned i = 0; i < n + nmore; i++) {
		const struct sched_rt_task *x = i < n ? &ts[i] : &more[i - n];
		uint64_t q = L / gcd(L, x->period);

		if (q > TIME_LIMIT / x->period)
			return -1;
		L = q * x->period;
	}
	for (unsigned i = 0; i < n + nmore; i++) {
		const struct sched_rt_task *x = i < n ? &ts[i] : &more[i - n];

		sum += (u128)x->budget * (L / x->period);
	}
	return sum * PPM <= (u128)L * cap;
#else
	(void)ts, (void)n, (void)more, (void)nmore, (void)cap;
	return -1;
#endif
}

static int util_exact_le(const struct sched_rt_task *ts, unsigned n, uint64_t cap)
{
	return util_exact_le2(ts, n, NULL, 0, cap);
}

/* Work of jobs released in [0, t) (synchronous release): sum of ceil(t / T) C. */
static uint64_t released_work(const struct sched_rt_task *ts, unsigned n, uint64_t t)
{
	uint64_t w = 0;

	for (unsigned i = 0; i < n; i++)
		w = add_sat(w, jobs_work(t, &ts[i]));
	return w;
}

/* h(t): work of the jobs with deadlines in [0, t]. */
static uint64_t demand(const struct sched_rt_task *ts, unsigned n, uint64_t t)
{
	uint64_t h = 0;

	for (unsigned i = 0; i < n; i++)
		if (t >= ts[i].deadline)
			h = add_sat(h, jobs_work(t - ts[i].deadline + 1, &ts[i]));
	return h;
}

/* The latest absolute deadline before t, 0 if none. */
static uint64_t deadline_before(const struct sched_rt_task *ts, unsigned n, uint64_t t)
{
	uint64_t best = 0;

	for (unsigned i = 0; i < n; i++)
		if (t > ts[i].deadline) {
			uint64_t d = ts[i].deadline + (t - ts[i].deadline - 1) / ts[i].period * ts[i].period;

			best = d > best ? d : best;
		}
	return best;
}

/*
 * The synchronous busy period (scaled to the cap), with `extra` ns of blocking in it: the
 * least L > 0 with L = ceil((extra + released_work(L)) / cap); `stop` if it is past stop
 * (the iterates rise to it, so one past stop shows it); 0 if it needs more than the step
 * bound. O(n) per step.
 */
static uint64_t busy_period(const struct sched_rt_task *ts, unsigned n, uint64_t cap,
			    uint64_t extra, uint64_t stop)
{
	uint64_t w = extra;

	for (unsigned i = 0; i < n; i++)
		w = add_sat(w, ts[i].budget);
	w = scale_up(w, cap);
	for (unsigned step = 0; step < SCHED_RT_ITER_MAX && w < TIME_LIMIT; step++) {
		uint64_t next;

		if (w > stop)
			return stop;
		next = scale_up(add_sat(extra, released_work(ts, n, w)), cap);

		if (next == w)
			return w;
		w = next;
	}
	return 0;
}

/*
 * Processor demand over the busy period with QPA (Zhang and Burns 2009): from the last
 * deadline in it, step back to where the demand lands or to the previous deadline; the set
 * is schedulable iff the demand falls to the smallest relative deadline before exceeding
 * the supply anywhere.
 */
static int edf_qpa(const struct sched_rt_task *ts, unsigned n, uint64_t cap,
		   struct sched_rt_verdict *v)
{
	uint64_t L = busy_period(ts, n, cap, 0, ~0ull), dmin = ~0ull, t, h = 0;

	if (!L) {
		verdict(v, SCHED_RT_LIMIT, SCHED_RT_NO_TASK, 0, 0, 0);
		return -SCHED_EUNSCHED;
	}
	for (unsigned i = 0; i < n; i++)
		dmin = ts[i].deadline < dmin ? ts[i].deadline : dmin;
	t = deadline_before(ts, n, L + 1); /* deadlines up to L */
	for (unsigned step = 0; t && step < SCHED_RT_ITER_MAX; step++) {
		h = scale_up(demand(ts, n, t), cap);
		if (h > t) {
			verdict(v, SCHED_RT_EDF_QPA, SCHED_RT_NO_TASK, t, demand(ts, n, t),
				scale_down(t, cap));
			return -SCHED_EUNSCHED;
		}
		if (h <= dmin) {
			verdict(v, SCHED_RT_EDF_QPA, SCHED_RT_NO_TASK, L, demand(ts, n, L),
				scale_down(L, cap));
			return 0;
		}
		t = h < t ? h : deadline_before(ts, n, t);
	}
	if (!t) { /* no deadline left to look at: none can be missed */
		verdict(v, SCHED_RT_EDF_QPA, SCHED_RT_NO_TASK, L, demand(ts, n, L),
			scale_down(L, cap));
		return 0;
	}
	verdict(v, SCHED_RT_LIMIT, SCHED_RT_NO_TASK, t, h, t);
	return -SCHED_EUNSCHED;
}

/* --- EDF with blocking terms --------------------------------------------------------- */

/*
 * The task whose term is B(t): of those with the largest relative deadline <= t, the one
 * with the largest B; SCHED_RT_NO_TASK when every relative deadline is past t. O(n).
 */
static uint32_t blocking_task(const struct sched_rt_task *ts, const uint64_t *b, unsigned n,
			      uint64_t t)
{
	uint32_t k = SCHED_RT_NO_TASK;

	for (unsigned i = 0; i < n; i++) {
		if (ts[i].deadline > t)
			continue;
		if (k == SCHED_RT_NO_TASK || ts[i].deadline > ts[k].deadline ||
		    (ts[i].deadline == ts[k].deadline && b[i] > b[k]))
			k = i;
	}
	return k;
}

/* The smallest relative deadline above t, ~0 if none. O(n). */
static uint64_t deadline_above(const struct sched_rt_task *ts, unsigned n, uint64_t t)
{
	uint64_t best = ~0ull;

	for (unsigned i = 0; i < n; i++)
		if (ts[i].deadline > t && ts[i].deadline < best)
			best = ts[i].deadline;
	return best;
}

/*
 * QPA over the instants of [a, b] with a constant blocking term B: h(t) + B does not
 * decrease there, so where it is below t every instant from it up to t passes, and the
 * walk jumps to it. 1: every instant passes; 0: fails at *at; -1: the step bound (*steps,
 * shared by the caller's walks) ran out at *at. O(n) per step.
 */
static int qpa_run(const struct sched_rt_task *ts, unsigned n, uint64_t cap, uint64_t a,
		   uint64_t b, uint64_t B, uint64_t *at, unsigned *steps)
{
	uint64_t t = deadline_before(ts, n, b + 1); /* b < 2^62: no overflow */

	while (t >= a) { /* t falls every step; at most SCHED_RT_ITER_MAX steps in all */
		uint64_t h;

		*at = t;
		if (++*steps > SCHED_RT_ITER_MAX)
			return -1;
		h = scale_up(add_sat(demand(ts, n, t), B), cap);
		if (h > t)
			return 0;
		t = h < t ? h : deadline_before(ts, n, t);
	}
	return 1;
}

/* The last instant with a blocking term: the end of the last run [D_k, next larger D) of a
 * term not 0 (~0 when that is the run of the largest deadline). O(n^2). */
static uint64_t last_blocked(const struct sched_rt_task *ts, const uint64_t *b, unsigned n,
			     uint64_t dmin)
{
	uint64_t a = dmin, top = 0;

	for (unsigned run = 0; run < n && a != ~0ull; run++) { /* n distinct deadlines at most */
		uint64_t next = deadline_above(ts, n, a);

		if (b[blocking_task(ts, b, n, a)])
			top = next == ~0ull ? ~0ull : next - 1;
		a = next;
	}
	return top;
}

/*
 * The blocking part of the EDF test: h(t) + B(t) <= t (scaled to the cap) at every instant
 * t up to L_B, the synchronous busy period with the largest B added (no window a job can
 * miss in is longer: it is busy throughout), or up to the last instant with a term, if
 * sooner. B(t) changes only at relative deadlines, which are deadlines themselves, so the
 * instants that matter are deadlines, and the walk is one QPA per run [D_k, next larger D)
 * of an equal term, for each run whose term is not 0 (where it is 0 the test without
 * blocking, done before, decides). Why B(t) may be the term of one task:
 * docs/admission.md. O(n^2) for the runs plus O(n) per step.
 */
static int edf_blocking(const struct sched_rt_task *ts, const uint64_t *b, unsigned n,
			uint64_t cap, struct sched_rt_verdict *v)
{
	uint64_t bmax = 0, a = ~0ull, L, at = 0;
	unsigned steps = 0;
	uint32_t k;

	for (unsigned i = 0; i < n; i++) {
		bmax = b[i] > bmax ? b[i] : bmax;
		a = ts[i].deadline < a ? ts[i].deadline : a;
	}
	L = busy_period(ts, n, cap, bmax, last_blocked(ts, b, n, a));
	for (unsigned run = 0; L && run < n && a <= L; run++) { /* n distinct deadlines at most */
		uint64_t next = deadline_above(ts, n, a), B;
		int ok;

		k = blocking_task(ts, b, n, a);
		B = b[k];
		ok = B ? qpa_run(ts, n, cap, a, next - 1 < L ? next - 1 : L, B, &at, &steps) : 1;
		if (ok < 0)
			L = 0;
		if (ok == 0) {
			verdict(v, SCHED_RT_EDF_QPA, k, at, add_sat(demand(ts, n, at), B),
				scale_down(at, cap));
			name_blocking(b, v);
			return -SCHED_EUNSCHED;
		}
		a = next;
	}
	if (!L) {
		verdict(v, SCHED_RT_LIMIT, SCHED_RT_NO_TASK, at, 0, 0);
		return -SCHED_EUNSCHED;
	}
	k = blocking_task(ts, b, n, L);
	verdict(v, SCHED_RT_EDF_QPA, k, L,
		add_sat(demand(ts, n, L), k == SCHED_RT_NO_TASK ? 0 : b[k]), scale_down(L, cap));
	name_blocking(b, v);
	return 0;
}

/* The EDF test; b: the blocking terms, or NULL for none. */
static int edf_check(const struct sched_rt_task *ts, const uint64_t *b, unsigned n,
		     uint32_t cap_ppm, struct sched_rt_verdict *v)
{
	uint64_t u_lo = 0, u_hi = 0, c_lo, c_hi;
	bool inexact, implicit = true, blocked = false;
	int err = check_args(ts, b, n, cap_ppm, false);

	if (err)
		return err;
	for (unsigned i = 0; i < n; i++) {
		uint64_t f = frac40(ts[i].budget, ts[i].period, &inexact);

		u_lo += f;
		u_hi += f + inexact;
		implicit = implicit && ts[i].deadline == ts[i].period;
		blocked = blocked || blk(b, i);
	}
	c_lo = frac40(cap_ppm, PPM, &inexact);
	c_hi = c_lo + inexact;
	if (u_lo > c_hi) { /* above the cap: demand outgrows supply */
		verdict(v, SCHED_RT_EDF_UTIL, SCHED_RT_NO_TASK, 0, u_lo, c_hi);
		return -SCHED_EUNSCHED;
	}
	if (u_hi > c_lo) { /* within rounding of the cap: decide exactly if we can */
		int le = util_exact_le(ts, n, cap_ppm);

		if (le <= 0) {
			verdict(v, le ? SCHED_RT_LIMIT : SCHED_RT_EDF_UTIL, SCHED_RT_NO_TASK, 0, u_hi,
				c_lo);
			return -SCHED_EUNSCHED;
		}
	}
	if (implicit && !blocked) {
		verdict(v, SCHED_RT_EDF_UTIL, SCHED_RT_NO_TASK, 0, u_hi, c_lo);
		return 0;
	}
	/* Without blocking: implicit deadlines pass on utilisation, else the demand test. */
	err = implicit ? 0 : edf_qpa(ts, n, cap_ppm, v);
	if (err || !blocked)
		return err;
	return edf_blocking(ts, b, n, cap_ppm, v);
}

int sched_rt_edf_check(const struct sched_rt_task *ts, unsigned n, uint32_t cap_ppm,
		       struct sched_rt_verdict *v)
{
	return edf_check(ts, NULL, n, cap_ppm, v);
}

/* --- EDF beside interrupts ----------------------------------------------------------- */

/* The most time IRQ x (cost C, least gap T) takes in any window of length t:
 * floor(t / T) C + min(C, t mod T), saturating. */
static uint64_t irq_window(const struct sched_rt_task *x, uint64_t t)
{
	uint64_t k = t / x->period, r = t % x->period;
	uint64_t w = k > TIME_LIMIT / x->budget ? TIME_LIMIT : k * x->budget;

	return add_sat(w, r < x->budget ? r : x->budget);
}

/* The first absolute deadline above t (synchronous release), ~0 if past TIME_LIMIT. */
static uint64_t next_deadline(const struct sched_rt_task *ts, unsigned n, uint64_t t)
{
	uint64_t best = ~0ull;

	for (unsigned i = 0; i < n; i++) {
		uint64_t d = ts[i].deadline, k = t < d ? 0 : (t - d) / ts[i].period + 1;

		if (k <= (TIME_LIMIT - d) / ts[i].period && d + k * ts[i].period < best)
			best = d + k * ts[i].period;
	}
	return best;
}

static int check_irqs(const struct sched_rt_task *irq, unsigned nirq)
{
	if ((nirq && !irq) || nirq > SCHED_RT_TASKS_MAX)
		return -SCHED_EINVAL;
	for (unsigned j = 0; j < nirq; j++)
		if (!irq[j].budget || irq[j].budget > irq[j].period ||
		    irq[j].period > SCHED_RT_TIME_MAX)
			return -SCHED_EINVAL;
	return 0;
}

/* Utilisation of the tasks and the IRQs together within the cap: by the 2^-40 sums, and
 * exactly where they straddle it (as the plain test). */
static int irq_util(const struct sched_rt_task *ts, unsigned n, const struct sched_rt_task *irq,
		    unsigned nirq, uint32_t cap_ppm, struct sched_rt_verdict *v)
{
	uint64_t u_lo = 0, u_hi = 0, c_lo, c_hi;
	bool inexact;
	int le;

	for (unsigned i = 0; i < n + nirq; i++) {
		const struct sched_rt_task *x = i < n ? &ts[i] : &irq[i - n];
		uint64_t f = frac40(x->budget, x->period, &inexact);

		u_lo += f;
		u_hi += f + inexact;
	}
	c_lo = frac40(cap_ppm, PPM, &inexact);
	c_hi = c_lo + inexact;
	verdict(v, SCHED_RT_EDF_UTIL, SCHED_RT_NO_TASK, 0, u_lo, c_hi);
	if (u_lo > c_hi)
		return -SCHED_EUNSCHED;
	if (u_hi <= c_lo || (le = util_exact_le2(ts, n, irq, nirq, cap_ppm)) > 0)
		return 0;
	verdict(v, le ? SCHED_RT_LIMIT : SCHED_RT_EDF_UTIL, SCHED_RT_NO_TASK, 0, u_hi, c_lo);
	return -SCHED_EUNSCHED;
}

/* The synchronous busy period of the tasks and the IRQs at the CPU's full speed: the least
 * w > 0 with w = released work of both in [0, w); 0 past the step bound. O(n) per step. */
static uint64_t irq_busy_period(const struct sched_rt_task *ts, unsigned n,
				const struct sched_rt_task *irq, unsigned nirq)
{
	uint64_t w = add_sat(released_work(ts, n, 1), released_work(irq, nirq, 1));

	for (unsigned step = 0; step < SCHED_RT_ITER_MAX && w < TIME_LIMIT; step++) {
		uint64_t next = add_sat(released_work(ts, n, w), released_work(irq, nirq, w));

		if (next == w)
			return w;
		w = next;
	}
	return 0;
}

int sched_rt_edf_check_irq(const struct sched_rt_task *ts, unsigned n,
			   const struct sched_rt_task *irq, unsigned nirq, uint32_t cap_ppm,
			   struct sched_rt_verdict *v)
{
	uint64_t w, steps = 0;
	int err = check_irqs(irq, nirq);

	if (err || (err = edf_check(ts, NULL, n, cap_ppm, v)) || !nirq)
		return err; /* (without IRQs, the share's test is the whole test) */
	if ((err = irq_util(ts, n, irq, nirq, cap_ppm, v)))
		return err;
	if (!(w = irq_busy_period(ts, n, irq, nirq))) {
		verdict(v, SCHED_RT_LIMIT, SCHED_RT_NO_TASK, 0, 0, 0);
		return -SCHED_EUNSCHED;
	}
	/* a miss comes in a busy period, at a deadline: the demand due by then against the
	 * window less the most the IRQs can take of it */
	for (uint64_t t = next_deadline(ts, n, 0); t <= w; t = next_deadline(ts, n, t)) {
		uint64_t h = demand(ts, n, t), f = 0;

		for (unsigned j = 0; j < nirq; j++)
			f = add_sat(f, irq_window(&irq[j], t));
		if (add_sat(h, f) > t) {
			verdict(v, SCHED_RT_EDF_IRQ, SCHED_RT_NO_TASK, t, add_sat(h, f), t);
			return -SCHED_EUNSCHED;
		}
		if (++steps >= SCHED_RT_ITER_MAX) {
			verdict(v, SCHED_RT_LIMIT, SCHED_RT_NO_TASK, t, 0, 0);
			return -SCHED_EUNSCHED;
		}
	}
	verdict(v, SCHED_RT_EDF_IRQ, SCHED_RT_NO_TASK, w, 0, w);
	return 0;
}

int sched_rt_edf_check_blocking(const struct sched_rt_task *ts, const uint64_t *blocking,
				unsigned n, uint32_t cap_ppm, struct sched_rt_verdict *v)
{
	return blocking ? edf_check(ts, blocking, n, cap_ppm, v) : -SCHED_EINVAL;
}

/* --- fixed priority -------------------------------------------------------------------- */

/* Task i's worst response time from the critical instant (all released together, its
 * blocking first), or a value above its deadline when it misses; SCHED_RT_ITER_MAX steps
 * at most (else 0). */
static uint64_t response_time(const struct sched_rt_task *ts, const uint64_t *b, unsigned n,
			      unsigned i, uint64_t cap)
{
	uint64_t own = add_sat(ts[i].budget, blk(b, i)), r = scale_up(own, cap);

	for (unsigned step = 0; step < SCHED_RT_ITER_MAX; step++) {
		uint64_t w = own, next;

		for (unsigned j = 0; j < n; j++)
			if (j != i && ts[j].prio >= ts[i].prio)
				w = add_sat(w, jobs_work(r, &ts[j]));
		next = scale_up(w, cap);
		if (next == r || next > ts[i].deadline)
			return next;
		r = next;
	}
	return 0;
}

/* Response-time analysis; b: the blocking terms, or NULL for none. */
static int fp_check(const struct sched_rt_task *ts, const uint64_t *b, unsigned n,
		    uint32_t cap_ppm, struct sched_rt_verdict *v)
{
	uint64_t best_slack = ~0ull;
	uint32_t worst = SCHED_RT_NO_TASK;
	int err = check_args(ts, b, n, cap_ppm, true);

	if (err)
		return err;
	for (unsigned i = 0; i < n; i++) {
		uint64_t r = response_time(ts, b, n, i, cap_ppm);

		if (!r) {
			verdict(v, SCHED_RT_LIMIT, i, ts[i].deadline, 0, ts[i].deadline);
			return -SCHED_EUNSCHED;
		}
		if (r > ts[i].deadline) {
			verdict(v, SCHED_RT_FP_RTA, i, ts[i].deadline, r, ts[i].deadline);
			name_blocking(b, v);
			return -SCHED_EUNSCHED;
		}
		if (ts[i].deadline - r < best_slack) {
			best_slack = ts[i].deadline - r;
			worst = i;
		}
	}
	verdict(v, SCHED_RT_FP_RTA, worst, worst == SCHED_RT_NO_TASK ? 0 : ts[worst].deadline,
		worst == SCHED_RT_NO_TASK ? 0 : ts[worst].deadline - best_slack,
		worst == SCHED_RT_NO_TASK ? 0 : ts[worst].deadline);
	name_blocking(b, v);
	return 0;
}

int sched_rt_fp_check(const struct sched_rt_task *ts, unsigned n, uint32_t cap_ppm,
		      struct sched_rt_verdict *v)
{
	return fp_check(ts, NULL, n, cap_ppm, v);
}

int sched_rt_fp_check_blocking(const struct sched_rt_task *ts, const uint64_t *blocking,
			       unsigned n, uint32_t cap_ppm, struct sched_rt_verdict *v)
{
	return blocking ? fp_check(ts, blocking, n, cap_ppm, v) : -SCHED_EINVAL;
}

/* --- partitioned EDF ------------------------------------------------------------------- */

/* Per CPU: utilisation of its tasks in 2^-40 units, rounded up, and whether all of them
 * have implicit deadlines and no blocking (then utilisation decides exactly, in O(1)). */
struct cpu_load {
	uint64_t u_lo[SCHED_MAX_CPUS], u_hi[SCHED_MAX_CPUS];
	bool implicit[SCHED_MAX_CPUS];
};

/*
 * Add t's utilisation to CPU c's bounds, in 2^-40 units. With one division where the
 * budget allows (C < 2^32 ns: floor(C x 2^32 / T), scaled by 2^8, with an upper bound one
 * 2^-32 step above), else the exact four-digit division. The bounds only decide the clear
 * cases; what they leave open goes to the exact test (fits()).
 */
static void load_add(struct cpu_load *l, unsigned c, const struct sched_rt_task *t,
		     uint64_t blocking)
{
	bool inexact;
	uint64_t lo, hi;

	if (t->budget < (1ull << 32)) {
		uint64_t q = (t->budget << 32) / t->period;

		lo = q << 8;
		hi = (q + ((t->budget << 32) % t->period != 0)) << 8;
	} else {
		lo = frac40(t->budget, t->period, &inexact);
		hi = lo + inexact;
	}
	l->u_lo[c] += lo;
	l->u_hi[c] += hi;
	l->implicit[c] = l->implicit[c] && t->deadline == t->period && !blocking;
}

/*
 * The caller's arrays for partitioning: tasks, blocking terms (NULL: none) and the scratch
 * that one CPU's tasks and terms are gathered into.
 */
struct part {
	const struct sched_rt_task *ts;
	const uint64_t *b;
	unsigned n;
	struct sched_rt_task *scratch;
	uint64_t *bscratch;
};

/* Gather CPU c's tasks and task k (and their terms) into scratch; returns how many. O(n). */
static unsigned gather(const struct part *p, const uint16_t *cpu_of, unsigned c, unsigned k)
{
	unsigned j = 0;

	for (unsigned i = 0; i < p->n; i++) {
		if (i == k || cpu_of[i] != c)
			continue;
		if (p->b)
			p->bscratch[j] = p->b[i];
		p->scratch[j++] = p->ts[i];
	}
	if (p->b)
		p->bscratch[j] = p->b[k];
	p->scratch[j++] = p->ts[k];
	return j;
}

/* The exact EDF test over CPU c's tasks and task k. */
static int cpu_check(const struct part *p, const uint16_t *cpu_of, unsigned c, unsigned k,
		     uint32_t cap, struct sched_rt_verdict *v)
{
	unsigned j = gather(p, cpu_of, c, k);

	return edf_check(p->scratch, p->b ? p->bscratch : NULL, j, cap, v);
}

/* Does task k fit on CPU c? Exact: by the utilisation sums where every deadline there is
 * implicit and they decide, else by the full test over the CPU's tasks. */
static bool fits(const struct part *p, const uint16_t *cpu_of, const struct cpu_load *l,
		 unsigned c, unsigned k, uint32_t cap)
{
	bool inexact;
	uint64_t c_lo = frac40(cap, PPM, &inexact), c_hi = c_lo + inexact;
	struct cpu_load with = *l;

	load_add(&with, c, &p->ts[k], blk(p->b, k));
	if (with.u_lo[c] > c_hi)
		return false;
	if (with.implicit[c] && with.u_hi[c] <= c_lo)
		return true;
	return cpu_check(p, cpu_of, c, k, cap, NULL) == 0;
}

/* Place task k by `fit` given the per-CPU loads; SCHED_RT_NO_CPU if it fits nowhere. */
static unsigned place(const struct part *p, unsigned m, uint32_t cap, enum sched_rt_fit fit,
		      unsigned k, const uint16_t *cpu_of, const struct cpu_load *l)
{
	unsigned best = SCHED_RT_NO_CPU;

	for (unsigned c = 0; c < m; c++) {
		bool better = best == SCHED_RT_NO_CPU ||
			      (fit == SCHED_RT_BEST_FIT && l->u_hi[c] > l->u_hi[best]) ||
			      (fit == SCHED_RT_WORST_FIT && l->u_hi[c] < l->u_hi[best]);

		if (better && fits(p, cpu_of, l, c, k, cap)) {
			best = c;
			if (fit == SCHED_RT_FIRST_FIT)
				break;
		}
	}
	return best;
}

/* Task k fits nowhere: the exact test's answer on the emptiest CPU. */
static int refuse(const struct part *p, unsigned m, uint32_t cap, unsigned k,
		  const uint16_t *cpu_of, const struct cpu_load *l, struct sched_rt_verdict *v)
{
	unsigned e = 0;

	for (unsigned c = 1; c < m; c++)
		e = l->u_hi[c] < l->u_hi[e] ? c : e;
	cpu_check(p, cpu_of, e, k, cap, v);
	if (v)
		v->task = k;
	return -SCHED_EUNSCHED;
}

static int check_partition_args(const struct part *p, unsigned m, uint32_t cap,
				enum sched_rt_fit fit, const uint16_t *cpu_of)
{
	if (!cpu_of || !p->scratch || (p->b && !p->bscratch) || !m || m > SCHED_MAX_CPUS ||
	    fit > SCHED_RT_WORST_FIT)
		return -SCHED_EINVAL;
	return check_args(p->ts, p->b, p->n, cap, false);
}

static int partition_add(const struct part *p, unsigned m, uint32_t cap_ppm,
			 enum sched_rt_fit fit, unsigned k, uint16_t *cpu_of,
			 struct sched_rt_verdict *v)
{
	const struct sched_rt_task *ts = p->ts;
	unsigned n = p->n, c;
	struct cpu_load l;
	int err = check_partition_args(p, m, cap_ppm, fit, cpu_of);

	if (err || k >= n)
		return err ? err : -SCHED_EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (i != k && cpu_of[i] != SCHED_RT_NO_CPU && cpu_of[i] >= m)
			return -SCHED_EINVAL;
	for (c = 0; c < m; c++) {
		l.u_lo[c] = l.u_hi[c] = 0;
		l.implicit[c] = true;
	}
	for (unsigned i = 0; i < n; i++)
		if (i != k && cpu_of[i] != SCHED_RT_NO_CPU)
			load_add(&l, cpu_of[i], &ts[i], blk(p->b, i));
	c = place(p, m, cap_ppm, fit, k, cpu_of, &l);
	if (c == SCHED_RT_NO_CPU)
		return refuse(p, m, cap_ppm, k, cpu_of, &l, v);
	cpu_of[k] = (uint16_t)c;
	if (v)
		cpu_check(p, cpu_of, c, k, cap_ppm, v);
	return 0;
}

int sched_rt_partition_add(const struct sched_rt_task *ts, unsigned n, unsigned m,
			   uint32_t cap_ppm, enum sched_rt_fit fit, unsigned k, uint16_t *cpu_of,
			   struct sched_rt_task *scratch, struct sched_rt_verdict *v)
{
	struct part p = { ts, NULL, n, scratch, NULL };

	return partition_add(&p, m, cap_ppm, fit, k, cpu_of, v);
}

int sched_rt_partition_add_blocking(const struct sched_rt_task *ts, const uint64_t *blocking,
				    unsigned n, unsigned m, uint32_t cap_ppm,
				    enum sched_rt_fit fit, unsigned k, uint16_t *cpu_of,
				    struct sched_rt_task *scratch, uint64_t *bscratch,
				    struct sched_rt_verdict *v)
{
	struct part p = { ts, blocking, n, scratch, bscratch };

	return blocking ? partition_add(&p, m, cap_ppm, fit, k, cpu_of, v) : -SCHED_EINVAL;
}

/* Is task a before task b in decreasing utilisation (ties: lower index)? */
static bool heavier(const struct sched_rt_task *ts, uint32_t a, uint32_t b)
{
	bool ia, ib;
	uint64_t ua = frac40(ts[a].budget, ts[a].period, &ia), ub = frac40(ts[b].budget, ts[b].period, &ib);

	if (ua != ub)
		return ua > ub;
	if (ia != ib)
		return ia;
	return a < b;
}

/* Heap sort of order[0..n) so that heavier tasks come first. O(n log n), in place. */
static void sift(const struct sched_rt_task *ts, uint32_t *o, unsigned i, unsigned n)
{
	for (;;) {
		unsigned c = 2 * i + 1;

		if (c >= n)
			return;
		if (c + 1 < n && heavier(ts, o[c], o[c + 1])) /* the lighter child: a min-heap */
			c++;
		if (!heavier(ts, o[i], o[c]))
			return;
		uint32_t x = o[i];
		o[i] = o[c];
		o[c] = x;
		i = c;
	}
}

static void order_by_weight(const struct sched_rt_task *ts, unsigned n, uint32_t *o)
{
	for (unsigned i = 0; i < n; i++)
		o[i] = i;
	for (unsigned i = n / 2; i-- > 0;)
		sift(ts, o, i, n);
	for (unsigned end = n; end > 1; end--) { /* the lightest goes last */
		uint32_t x = o[0];

		o[0] = o[end - 1];
		o[end - 1] = x;
		sift(ts, o, 0, end - 1);
	}
}

static int partition(const struct part *p, unsigned m, uint32_t cap_ppm, enum sched_rt_fit fit,
		     uint16_t *cpu_of, uint32_t *order, struct sched_rt_verdict *v)
{
	const struct sched_rt_task *ts = p->ts;
	unsigned n = p->n;
	struct cpu_load l;
	int err = check_partition_args(p, m, cap_ppm, fit, cpu_of);

	if (err || !order)
		return err ? err : -SCHED_EINVAL;
	for (unsigned c = 0; c < m; c++) {
		l.u_lo[c] = l.u_hi[c] = 0;
		l.implicit[c] = true;
	}
	for (unsigned i = 0; i < n; i++)
		cpu_of[i] = SCHED_RT_NO_CPU;
	order_by_weight(ts, n, order);
	for (unsigned j = 0; j < n; j++) {
		unsigned k = order[j], c = place(p, m, cap_ppm, fit, k, cpu_of, &l);

		if (c == SCHED_RT_NO_CPU)
			return refuse(p, m, cap_ppm, k, cpu_of, &l, v);
		cpu_of[k] = (uint16_t)c;
		load_add(&l, c, &ts[k], blk(p->b, k));
	}
	if (v)
		verdict(v, SCHED_RT_EDF_UTIL, SCHED_RT_NO_TASK, 0, 0, 0);
	return 0;
}

int sched_rt_partition(const struct sched_rt_task *ts, unsigned n, unsigned m,
		       uint32_t cap_ppm, enum sched_rt_fit fit, uint16_t *cpu_of,
		       uint32_t *order, struct sched_rt_task *scratch,
		       struct sched_rt_verdict *v)
{
	struct part p = { ts, NULL, n, scratch, NULL };

	return partition(&p, m, cap_ppm, fit, cpu_of, order, v);
}

int sched_rt_partition_blocking(const struct sched_rt_task *ts, const uint64_t *blocking,
				unsigned n, unsigned m, uint32_t cap_ppm, enum sched_rt_fit fit,
				uint16_t *cpu_of, uint32_t *order, struct sched_rt_task *scratch,
				uint64_t *bscratch, struct sched_rt_verdict *v)
{
	struct part p = { ts, blocking, n, scratch, bscratch };

	return blocking ? partition(&p, m, cap_ppm, fit, cpu_of, order, v) : -SCHED_EINVAL;
}

/* --- global EDF ------------------------------------------------------------------------ */

/* Budget as a CPU at cap would need it, inflated by the blocking term (a job waiting for
 * a lock is counted as running: suspension-oblivious): ceil((C + B) x 10^6 / cap). */
static uint64_t budget_at(const struct sched_rt_task *ts, const uint64_t *b, unsigned i,
			  uint64_t cap)
{
	return scale_up(add_sat(ts[i].budget, blk(b, i)), cap);
}

/*
 * GFB (Goossens, Funk and Baruah 2003; densities for constrained deadlines): the sum of
 * the densities C/D is at most m - (m - 1) x the largest density. Densities summed in
 * 2^-40 units rounded up, the bound rounded down.
 */
static bool gfb(const struct sched_rt_task *ts, const uint64_t *b, unsigned n, unsigned m,
		uint64_t cap,
		struct sched_rt_verdict *v)
{
	uint64_t sum = 0, max = 0, bound;

	for (unsigned i = 0; i < n; i++) {
		uint64_t c = budget_at(ts, b, i, cap), d;
		bool inexact;

		if (c > ts[i].deadline)
			return false;
		d = frac40(c, ts[i].deadline, &inexact) + inexact;
		sum += d;
		max = d > max ? d : max;
	}
	bound = (uint64_t)m << FRAC;
	bound = (uint64_t)(m - 1) * max > bound ? 0 : bound - (uint64_t)(m - 1) * max;
	verdict(v, SCHED_RT_GEDF_GFB, SCHED_RT_NO_TASK, 0, sum, bound);
	return sum <= bound;
}

/*
 * BCL (Bertogna, Cirinei and Lipari 2005): task k meets its deadlines if the work other
 * tasks can put in a window of D_k, each capped at D_k - C_k, is less than m (D_k - C_k).
 * Task i's work in the window: N C_i + min(C_i, D_k - N T_i) with N = floor((D_k - D_i)
 * / T_i) + 1 jobs of deadline inside it (0 if D_i > D_k). Returns the first failing task,
 * or SCHED_RT_NO_TASK. O(n^2).
 */
static uint32_t bcl(const struct sched_rt_task *ts, const uint64_t *b, unsigned n, unsigned m,
		    uint64_t cap,
		    struct sched_rt_verdict *v)
{
	uint64_t worst_slack = ~0ull;

	for (unsigned k = 0; k < n; k++) {
		uint64_t ck = budget_at(ts, b, k, cap), dk = ts[k].deadline, slack, sum = 0;

		if (ck > dk) {
			verdict(v, SCHED_RT_GEDF_BCL, k, dk, ck, dk);
			return k;
		}
		slack = dk - ck;
		for (unsigned i = 0; i < n && sum < TIME_LIMIT; i++) {
			uint64_t ci = budget_at(ts, b, i, cap), jobs = 0, rest, w;

			if (i == k)
				continue;
			if (dk >= ts[i].deadline)
				jobs = (dk - ts[i].deadline) / ts[i].period + 1;
			rest = jobs * ts[i].period < dk ? dk - jobs * ts[i].period : 0;
			w = jobs > TIME_LIMIT / (ci ? ci : 1) ? TIME_LIMIT
							      : jobs * ci + (rest < ci ? rest : ci);
			sum = add_sat(sum, w < slack ? w : slack);
		}
		if (slack > TIME_LIMIT / m || sum >= m * slack) {
			verdict(v, SCHED_RT_GEDF_BCL, k, dk, sum, m * slack);
			return k;
		}
		if (slack < worst_slack) {
			worst_slack = slack;
			verdict(v, SCHED_RT_GEDF_BCL, k, dk, sum, m * slack);
		}
	}
	return SCHED_RT_NO_TASK;
}

#define BIG40 (1ull << 62) /* "more than anything compared": saturation in 2^-40 units */

/* num / den in 2^-40 units, rounded down (up: `up`); den < 2^50; BIG40 past 2^20. */
static uint64_t ratio40(uint64_t num, uint64_t den, bool up)
{
	uint64_t q = num / den, f;
	bool inexact;

	if (q >= 1ull << 20)
		return up ? BIG40 : 1ull << 60;
	f = frac40(num % den, den, &inexact);
	return (q << FRAC) + f + (up && inexact);
}

#ifdef __SIZEOF_INT128__
/* a x b, both in 2^-40 units, rounded down or up; saturates at BIG40. */
static uint64_t mul40(uint64_t a, uint64_t b, bool up)
{
	u128 p = (u128)a * b;
	u128 q = (p >> FRAC) + (up && (p & ((1ull << FRAC) - 1)));

	return q > BIG40 ? BIG40 : (uint64_t)q;
}

/*
 * BAK (Baker 2003, in the form Bertogna, Cirinei and Lipari give it): task k meets its
 * deadlines if sum over all i of min(1, beta_i) <= m - (m - 1) lambda, lambda = C_k / D_k,
 * beta_i = u_i (1 + (T_i - D_i) / D_k), plus (C_i - lambda T_i) / D_k when lambda < u_i.
 * Every beta rounded up (the second term only where its upper bound is positive, which
 * covers lambda < u_i), the bound rounded down. O(n^2).
 */
static bool bak(const struct sched_rt_task *ts, const uint64_t *b, unsigned n, unsigned m,
		uint64_t cap, struct sched_rt_verdict *v)
{
	const uint64_t one = 1ull << FRAC;

	for (unsigned k = 0; k < n; k++) {
		uint64_t dk = ts[k].deadline, ck = budget_at(ts, b, k, cap);
		uint64_t lam_lo = ratio40(ck, dk, false), lam_hi = ratio40(ck, dk, true), sum = 0;
		uint64_t bound;

		if (lam_hi > one || (m - 1) > BIG40 / lam_hi)
			return false;
		bound = (uint64_t)m * one > (m - 1) * lam_hi ? (uint64_t)m * one - (m - 1) * lam_hi : 0;
		for (unsigned i = 0; i < n; i++) {
			uint64_t ci = budget_at(ts, b, i, cap), u = ratio40(ci, ts[i].period, true);
			uint64_t g = ratio40(dk + ts[i].period - ts[i].deadline, dk, true);
			uint64_t beta = mul40(u, g, true);
			uint64_t a = ratio40(ci, dk, true), lt = mul40(lam_lo, ratio40(ts[i].period, dk, false), false);

			if (a > lt) /* (C_i - lambda T_i) / D_k */
				beta = beta + (a - lt) > BIG40 ? BIG40 : beta + (a - lt);
			sum += beta < one ? beta : one;
		}
		if (sum > bound) {
			verdict(v, SCHED_RT_GEDF_BAK, k, dk, sum, bound);
			return false;
		}
	}
	verdict(v, SCHED_RT_GEDF_BAK, SCHED_RT_NO_TASK, 0, 0, 0);
	return true;
}
#else
static bool bak(const struct sched_rt_task *ts, const uint64_t *b, unsigned n, unsigned m,
		uint64_t cap, struct sched_rt_verdict *v)
{
	(void)ts, (void)b, (void)n, (void)m, (void)cap, (void)v;
	return false;
}
#endif

/* GFB, BCL, BAK; b: the blocking terms (inflating the budgets), or NULL for none. */
static int gedf_check(const struct sched_rt_task *ts, const uint64_t *b, unsigned n,
		      unsigned m, uint32_t cap_ppm, struct sched_rt_verdict *v)
{
	struct sched_rt_verdict bv;
	int err = check_args(ts, b, n, cap_ppm, false);

	if (err || !m || m > SCHED_MAX_CPUS)
		return err ? err : -SCHED_EINVAL;
	if (gfb(ts, b, n, m, cap_ppm, v))
		return 0;
	if (bcl(ts, b, n, m, cap_ppm, &bv) == SCHED_RT_NO_TASK) {
		name_blocking(b, &bv);
		if (v)
			*v = bv;
		return 0;
	}
	if (bak(ts, b, n, m, cap_ppm, v))
		return 0;
	name_blocking(b, &bv);
	if (v)
		*v = bv;
	return -SCHED_EUNSCHED;
}

int sched_rt_gedf_check(const struct sched_rt_task *ts, unsigned n, unsigned m,
			uint32_t cap_ppm, struct sched_rt_verdict *v)
{
	return gedf_check(ts, NULL, n, m, cap_ppm, v);
}

int sched_rt_gedf_check_blocking(const struct sched_rt_task *ts, const uint64_t *blocking,
				 unsigned n, unsigned m, uint32_t cap_ppm,
				 struct sched_rt_verdict *v)
{
	return blocking ? gedf_check(ts, blocking, n, m, cap_ppm, v) : -SCHED_EINVAL;
}

/* --- global fixed priority ------------------------------------------------------------- */

/*
 * Work task i can do in a window of length L when all its jobs meet their deadlines: N
 * whole jobs, N = floor((L + D_i - C_i) / T_i), and the carried-in part of one more,
 * min(C_i, L + D_i - C_i - N T_i). Saturating.
 */
static uint64_t window_work(const struct sched_rt_task *x, uint64_t c, uint64_t L)
{
	uint64_t span = L + x->deadline - c, jobs = span / x->period, rest = span - jobs * x->period;

	if (jobs > TIME_LIMIT / (c ? c : 1))
		return TIME_LIMIT;
	return add_sat(jobs * c, rest < c ? rest : c);
}

/* The test of sched_rt_gfp_check over checked arguments. O(n^2). */
static int gfp_bcl(const struct sched_rt_task *ts, const uint64_t *b, unsigned n, unsigned m,
		   uint32_t cap_ppm, struct sched_rt_verdict *v)
{
	uint64_t worst_slack = ~0ull;

	verdict(v, SCHED_RT_GFP_BCL, SCHED_RT_NO_TASK, 0, 0, 0);
	for (unsigned k = 0; k < n; k++) {
		uint64_t ck = budget_at(ts, b, k, cap_ppm), dk = ts[k].deadline, slack, sum = 0;

		if (ck > dk) {
			verdict(v, SCHED_RT_GFP_BCL, k, dk, ck, dk);
			return -SCHED_EUNSCHED;
		}
		slack = dk - ck;
		for (unsigned i = 0; i < n && sum < TIME_LIMIT; i++) {
			uint64_t ci, w;

			if (i == k || ts[i].prio < ts[k].prio)
				continue;
			ci = budget_at(ts, b, i, cap_ppm);
			if (ci > ts[i].deadline) { /* a higher task that cannot fit fails first */
				verdict(v, SCHED_RT_GFP_BCL, i, ts[i].deadline, ci, ts[i].deadline);
				return -SCHED_EUNSCHED;
			}
			w = window_work(&ts[i], ci, dk);
			sum = add_sat(sum, w < slack ? w : slack);
		}
		if (slack > TIME_LIMIT / m || sum >= m * slack) {
			verdict(v, SCHED_RT_GFP_BCL, k, dk, sum, m * slack);
			return -SCHED_EUNSCHED;
		}
		if (slack < worst_slack) {
			worst_slack = slack;
			verdict(v, SCHED_RT_GFP_BCL, k, dk, sum, m * slack);
		}
	}
	return 0;
}

static int gfp_check(const struct sched_rt_task *ts, const uint64_t *b, unsigned n,
		     unsigned m, uint32_t cap_ppm, struct sched_rt_verdict *v)
{
	int err = check_args(ts, b, n, cap_ppm, true);

	if (err || !m || m > SCHED_MAX_CPUS)
		return err ? err : -SCHED_EINVAL;
	err = gfp_bcl(ts, b, n, m, cap_ppm, v);
	name_blocking(b, v);
	return err;
}

int sched_rt_gfp_check(const struct sched_rt_task *ts, unsigned n, unsigned m,
		       uint32_t cap_ppm, struct sched_rt_verdict *v)
{
	return gfp_check(ts, NULL, n, m, cap_ppm, v);
}

int sched_rt_gfp_check_blocking(const struct sched_rt_task *ts, const uint64_t *blocking,
				unsigned n, unsigned m, uint32_t cap_ppm,
				struct sched_rt_verdict *v)
{
	return blocking ? gfp_check(ts, blocking, n, m, cap_ppm, v) : -SCHED_EINVAL;
}

/* --- blocking terms -------------------------------------------------------------------- */

/*
 * B_i from a table of critical sections (admit.h has the models, docs/admission.md why they
 * hold). Without storage of its own, the table is scanned again where a precomputed
 * ceiling per resource would be looked up: O(ncs) per question, every loop over n or ncs.
 */

/* Is task j lower than task i: a smaller priority, or (EDF) a longer relative deadline? */
static bool lower(const struct sched_rt_task *ts, unsigned j, unsigned i, bool edf)
{
	return edf ? ts[j].deadline > ts[i].deadline : ts[j].prio < ts[i].prio;
}

/* Does the ceiling of resource r reach task i: does a task not lower than i use r? O(ncs). */
static bool reaches(const struct sched_rt_task *ts, const struct sched_rt_cs *cs, unsigned ncs,
		    uint16_t r, unsigned i, bool edf)
{
	for (unsigned e = 0; e < ncs; e++)
		if (cs[e].resource == r && !lower(ts, cs[e].task, i, edf))
			return true;
	return false;
}

/* The longest section on resource r of a task lower than i; 0 if none. O(ncs). */
static uint64_t longest_lower_on(const struct sched_rt_task *ts, const struct sched_rt_cs *cs,
				 unsigned ncs, uint16_t r, unsigned i, bool edf)
{
	uint64_t best = 0;

	for (unsigned e = 0; e < ncs; e++)
		if (cs[e].resource == r && cs[e].length > best && lower(ts, cs[e].task, i, edf))
			best = cs[e].length;
	return best;
}

/* Task j's longest section on a resource whose ceiling reaches i; 0 if none.
 * O(ncs + ncs x (j's entries)). */
static uint64_t longest_reaching(const struct sched_rt_task *ts, const struct sched_rt_cs *cs,
				 unsigned ncs, unsigned j, unsigned i, bool edf)
{
	uint64_t best = 0;

	for (unsigned e = 0; e < ncs; e++)
		if (cs[e].task == j && cs[e].length > best &&
		    reaches(ts, cs, ncs, cs[e].resource, i, edf))
			best = cs[e].length;
	return best;
}

/* Is entry e the first of the table to name its resource? O(ncs). */
static bool first_on_resource(const struct sched_rt_cs *cs, unsigned e)
{
	for (unsigned f = 0; f < e; f++)
		if (cs[f].resource == cs[e].resource)
			return false;
	return true;
}

/*
 * Inheritance on one CPU: a lower job runs while i is pending only when it inherits, inside
 * a section on a resource a job at i's level waits for (so one whose ceiling reaches i),
 * which it held or (with the hand-over) waited for when i's job came; out of it, it holds
 * nothing and cannot run to ask again: each lower job blocks once. When an unlock only
 * wakes the waiter (`wake`), a lower job must run to take a resource, so only those inside
 * a section when i's job came block it, one per resource: the smaller of the two sums.
 * O(n x ncs + ncs^2).
 */
static uint64_t inherit_term(const struct sched_rt_task *ts, unsigned n,
			     const struct sched_rt_cs *cs, unsigned ncs, unsigned i, bool edf,
			     bool wake)
{
	uint64_t by_job = 0, by_resource = 0;

	for (unsigned j = 0; j < n; j++)
		if (lower(ts, j, i, edf))
			by_job = add_sat(by_job, longest_reaching(ts, cs, ncs, j, i, edf));
	if (!wake)
		return by_job;
	for (unsigned e = 0; e < ncs; e++)
		if (first_on_resource(cs, e) && reaches(ts, cs, ncs, cs[e].resource, i, edf))
			by_resource = add_sat(by_resource,
					      longest_lower_on(ts, cs, ncs, cs[e].resource, i, edf));
	return by_job < by_resource ? by_job : by_resource;
}

/* A ceiling protocol (PCP, SRP): one section at most, the longest a lower task has on a
 * resource whose ceiling reaches i. O(ncs^2). */
static uint64_t ceiling_term(const struct sched_rt_task *ts, const struct sched_rt_cs *cs,
			     unsigned ncs, unsigned i, bool edf)
{
	uint64_t best = 0;

	for (unsigned e = 0; e < ncs; e++)
		if (cs[e].length > best && lower(ts, cs[e].task, i, edf) &&
		    reaches(ts, cs, ncs, cs[e].resource, i, edf))
			best = cs[e].length;
	return best;
}

/* Several CPUs: for each resource i uses, every section of every other user whose job can
 * overlap a job of i that meets its deadline: ceil(D_i / T_j) + 1 jobs of j.
 * O(ncs x (i's entries)). */
static uint64_t global_term(const struct sched_rt_task *ts, const struct sched_rt_cs *cs,
			    unsigned ncs, unsigned i)
{
	uint64_t b = 0;

	for (unsigned e = 0; e < ncs; e++) {
		if (cs[e].task != i)
			continue;
		for (unsigned f = 0; f < ncs; f++) {
			const struct sched_rt_task *j = &ts[cs[f].task];
			uint64_t jobs = (ts[i].deadline + j->period - 1) / j->period + 1;

			if (cs[f].resource != cs[e].resource || cs[f].task == i)
				continue;
			b = add_sat(b, cs[f].length && jobs > TIME_LIMIT / cs[f].length
					       ? TIME_LIMIT : jobs * cs[f].length);
		}
	}
	return b;
}

/* Entries name a task, fit in its budget, and name each (task, resource) once. O(ncs^2). */
static int check_cs(const struct sched_rt_task *ts, unsigned n, const struct sched_rt_cs *cs,
		    unsigned ncs)
{
	if (ncs > SCHED_RT_CS_MAX || (ncs && !cs))
		return -SCHED_EINVAL;
	for (unsigned e = 0; e < ncs; e++) {
		if (cs[e].task >= n || cs[e].length > ts[cs[e].task].budget)
			return -SCHED_EINVAL;
		for (unsigned f = 0; f < e; f++)
			if (cs[f].task == cs[e].task && cs[f].resource == cs[e].resource)
				return -SCHED_EINVAL;
	}
	return 0;
}

int sched_rt_blocking(const struct sched_rt_task *ts, unsigned n, const struct sched_rt_cs *cs,
		      unsigned ncs, enum sched_rt_blocking_model model, uint64_t *blocking)
{
	bool fp = model == SCHED_RT_BLOCK_FP_INHERIT || model == SCHED_RT_BLOCK_FP_INHERIT_WAKE ||
		  model == SCHED_RT_BLOCK_FP_CEILING;
	bool edf = !fp, ceiling = model == SCHED_RT_BLOCK_FP_CEILING ||
				  model == SCHED_RT_BLOCK_EDF_CEILING;
	bool wake = model == SCHED_RT_BLOCK_FP_INHERIT_WAKE ||
		    model == SCHED_RT_BLOCK_EDF_INHERIT_WAKE;

	if ((unsigned)model > SCHED_RT_BLOCK_GLOBAL || !ts || !blocking || n > SCHED_RT_TASKS_MAX)
		return -SCHED_EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!shape_ok(&ts[i], fp))
			return -SCHED_EINVAL;
	if (check_cs(ts, n, cs, ncs))
		return -SCHED_EINVAL;
	for (unsigned i = 0; i < n; i++) {
		uint64_t b;

		if (model == SCHED_RT_BLOCK_GLOBAL)
			b = global_term(ts, cs, ncs, i);
		else if (ceiling)
			b = ceiling_term(ts, cs, ncs, i, edf);
		else
			b = inherit_term(ts, n, cs, ncs, i, edf, wake);
		/* Saturating down to the bound still refuses: C + B > D for every task. */
		blocking[i] = b < SCHED_RT_TIME_MAX ? b : SCHED_RT_TIME_MAX;
	}
	return 0;
}
