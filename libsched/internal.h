/* SPDX-License-Identifier: MIT */
/*
 * internal.h - helpers shared by the libsched modules; not part of the API.
 */
#ifndef SCHED_INTERNAL_H
#define SCHED_INTERNAL_H

#include <sched/arch.h>
#include <sched/sched.h>

#define SCHED_TIMER_BATCH 16 /* expired sleepers woken per timer interrupt */
#define SCHED_SLICE_MIN 100000ull    /* latency class bounds: 0.1 ms .. */
#define SCHED_SLICE_MAX 100000000ull /* .. 100 ms */

/* --- atomics (GCC/Clang builtins: inline on every 64-bit target we support) --------- */

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

/* --- ticket lock ------------------------------------------------------------------------ */

/* Returns true if the lock had to be waited for. Spins are bounded by the number of CPUs
 * ahead in the queue, each holding the lock for one bounded critical section. */
static inline bool sched__spin_lock(struct sched_lock *l)
{
	uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	bool waited = false;

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me) {
		waited = true;
		sched_arch_cpu_relax();
	}
	return waited;
}

/* Take the lock only if it is free right now. The acquire load of `owner` (the word the
 * unlock releases) is what orders this critical section after the previous one. */
static inline bool sched__spin_trylock(struct sched_lock *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE);
	uint32_t expect = owner;

	return __atomic_compare_exchange_n(&l->next, &expect, owner + 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void sched__spin_unlock(struct sched_lock *l)
{
	__atomic_store_n(&l->owner, __atomic_load_n(&l->owner, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

/*
 * Run-queue lock: counts acquisitions and contention on the queue it protects. With core
 * scheduling on, the CPUs of a core share the lock of the core's leader (rq->core), fixed
 * at sched_init: one lock makes the core-wide pick see and change every sibling at once.
 * Lock order is by the CPU number of the lock's owner, so siblings count as one.
 */
static inline void sched__rq_lock(struct sched_rq *rq)
{
	bool waited = sched__spin_lock(&rq->core->lock);

	sched__inc(&rq->counters[SCHED_CNT_LOCK_ACQUIRE], 1);
	if (waited)
		sched__inc(&rq->counters[SCHED_CNT_LOCK_CONTENDED], 1);
}

static inline void sched__rq_unlock(struct sched_rq *rq)
{
	sched__spin_unlock(&rq->core->lock);
}

/* Lock two run queues in ascending CPU order (a == b locks once). */
void sched__rq_lock2(struct sched_rq *a, struct sched_rq *b);
void sched__rq_unlock2(struct sched_rq *a, struct sched_rq *b);

/* --- intrusive list --------------------------------------------------------------------- */

static inline void sched__list_init(struct sched_list *h)
{
	h->next = h->prev = h;
}

static inline bool sched__list_empty(const struct sched_list *h)
{
	return h->next == h;
}

static inline void sched__list_add_tail(struct sched_list *h, struct sched_list *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void sched__list_del(struct sched_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

#define sched__container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* --- deadlines ---------------------------------------------------------------------------
 * A deadline may be SCHED_TIME_NEVER, which the wrap-safe signed difference would see as
 * "long ago"; every comparison of deadlines goes through this one helper. */
static inline bool sched__deadline_before(sched_time_t a, sched_time_t b)
{
	return a != SCHED_TIME_NEVER && (b == SCHED_TIME_NEVER || sched_time_before(a, b));
}

/* Invariant checkers: record what failed and return -SCHED_ECHECK. */
#define FAIL(s, msg, arg) \
	do { \
		(s)->check_msg = (msg); \
		(s)->check_arg = (uint32_t)(arg); \
		return -SCHED_ECHECK; \
	} while (0)

/* Insert t's sc_node into `tr` ordered by key(t), equal keys first come first. O(log n). */
static inline void sched__sc_insert(struct sched_rb_tree *tr, struct sched_thread *t,
				    sched_time_t (*key)(const struct sched_thread *))
{
	struct sched_rb_node **link = &tr->root, *parent = NULL;
	bool left = false;

	while (*link) {
		parent = *link;
		left = sched_time_before(key(t), key(sched__container_of(parent, struct sched_thread,
									  sc_node)));
		link = left ? &parent->left : &parent->right;
	}
	sched_rb_insert(tr, &t->sc_node, parent, left);
}

/* --- shared internal functions ------------------------------------------------------------ */

static inline struct sched_rq *sched__rq(struct sched_sys *s, unsigned cpu)
{
	return &s->rq[cpu];
}

static inline bool sched__ref_live(struct sched_ref r)
{
	return r.t && sched__get(&r.t->gen) == r.gen && sched__get(&r.t->state) != SCHED_EXITED;
}

/* The online mask is shared by all CPUs: bits change with atomic OR/AND (two CPUs may come
 * online at once) and are read with atomic loads. */
static inline bool sched__cpu_usable(struct sched_sys *s, unsigned cpu)
{
	return cpu < s->nr_cpus &&
	       (sched__get(&s->online.w[cpu / 64]) >> (cpu % 64) & 1);
}

static inline void sched__online_mark(struct sched_sys *s, unsigned cpu, bool on)
{
	uint64_t bit = 1ull << (cpu % 64);

	if (on)
		__atomic_fetch_or(&s->online.w[cpu / 64], bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&s->online.w[cpu / 64], ~bit, __ATOMIC_RELAXED);
}

/*
 * Load of rq: the summed weight of the threads runnable there, current one included.
 * Read without the lock by placement and balance (a heuristic): relaxed atomic load.
 */
static inline uint64_t sched__rq_load(const struct sched_rq *rq)
{
	return __atomic_load_n(&rq->load, __ATOMIC_RELAXED);
}

/* The load rq will have once its current thread, which is leaving, has left. */
static inline uint64_t sched__rq_load_idling(const struct sched_rq *rq)
{
	const struct sched_thread *c = rq->curr;

	return sched__rq_load(rq) - (c && !c->is_idle ? c->weight : 0);
}

/*
 * Should t, just queued on rq (locked), preempt what rq runs? Idle always yields; EDF beats
 * fair; within a class the class decides. A thread waiting for budget is not queued.
 */
static inline bool sched__preempts(struct sched_rq *rq, struct sched_thread *t)
{
	const struct sched_class *c = rq->curr->on_class;

	if (!t->on_class)
		return false;
	if (rq->curr->is_idle || c != t->on_class)
		return rq->curr->is_idle || t->on_class == &sched_edf_class;
	return c->wakeup_preempt(rq, rq->curr, t);
}

/* --- core scheduling (core_pick.c, core_cookie.c) ----------------------------------------- */

/* Is core scheduling configured? Every core-scheduling hook on a hot path is behind this
 * one test, so with the feature off they cost one predictable branch. */
static inline bool sched__core_on(const struct sched_rq *rq)
{
	return rq->core_on;
}

static inline bool sched__cookies_match(const struct sched_thread *a, const struct sched_thread *b)
{
	return a->is_idle || b->is_idle || a->cookie == b->cookie;
}

void sched__core_init(struct sched_sys *s);
void sched__core_enqueued(struct sched_rq *rq, struct sched_thread *t);
void sched__core_dequeued(struct sched_rq *rq, struct sched_thread *t);
void sched__core_tree_add(struct sched_rq *rq, struct sched_thread *t);
void sched__core_tree_del(struct sched_rq *rq, struct sched_thread *t);
struct sched_thread *sched__core_choose(struct sched_rq *rq, struct sched_thread *prev,
					bool prev_runs, sched_time_t now);
void sched__core_switched(struct sched_rq *rq, sched_time_t now);
bool sched__core_others_wait(const struct sched_rq *rq);
bool sched__core_fits(struct sched_sys *s, unsigned cpu, const struct sched_thread *t);
struct sched_thread *sched__core_find(struct sched_rq *rq, sched_cookie_t cookie);
int sched__core_check(struct sched_sys *s, struct sched_rq *rq);
sched_cookie_t sched__cookie_resolve(const struct sched_thread *t);
void sched__cookie_autotag(struct sched_sys *s, struct sched_group *g);
struct sched_core_tag sched__cookie_inherit(struct sched_sys *s, struct sched_thread *creator);

/* Others wait for this CPU: queued threads, or a sibling forced idle by its cookie. */
static inline bool sched__others_wait(const struct sched_rq *rq)
{
	return rq->nr_queued || (sched__core_on(rq) && sched__core_others_wait(rq));
}

/*
 * A BLOCKED thread may still be its old CPU's current thread, finishing the pick that
 * blocked it: a pick blocks a thread (notify-and-block fault, passive without SC) under the
 * rq lock alone. A thread-lock holder that changes its scheduling fields without that rq
 * lock first waits for the switch to finish (finish_switch releases on_cpu, takes no lock).
 */
static inline void sched__wait_switched(const struct sched_thread *t)
{
	while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		sched_arch_cpu_relax();
}

/* t (locked, the current thread of its CPU) starts / stops migrating to dst. */
static inline void sched__set_migrating(struct sched_sys *s, struct sched_thread *t, unsigned dst)
{
	if (sched__get(&t->state) == SCHED_MIGRATING)
		sched__add(&s->rq[t->dst_cpu].migrating_in, (uint32_t)-1);
	t->dst_cpu = (uint16_t)dst;
	sched__set(&t->state, SCHED_MIGRATING);
	sched__add(&s->rq[dst].migrating_in, 1);
}

static inline void sched__end_migrating(struct sched_sys *s, struct sched_thread *t,
					enum sched_state to)
{
	if (sched__get(&t->state) == SCHED_MIGRATING)
		sched__add(&s->rq[t->dst_cpu].migrating_in, (uint32_t)-1);
	sched__set(&t->state, (uint8_t)to);
}

/* refill.c: an SC's budget (caller holds the lock of its budget state) */
void sched__refill_reset(struct sched_sc *sc, sched_time_t now);
uint64_t sched__refill_avail(const struct sched_sc *sc, sched_time_t now);
sched_time_t sched__refill_next(const struct sched_sc *sc);
void sched__refill_unblock(struct sched_sc *sc, sched_time_t now);
void sched__refill_arrive(struct sched_sc *sc, sched_time_t now);
enum { SCHED_REFILL_OK, SCHED_REFILL_TURN, SCHED_REFILL_DEPLETED };
int sched__refill_charge(struct sched_sc *sc, uint64_t used, sched_time_t now);
void sched__refill_forfeit(struct sched_sc *sc, sched_time_t now);
bool sched__refill_valid(const struct sched_sc *sc);

/* sc.c: where an SC thread belongs */
enum sched_fate {
	SCHED_FATE_FAIR,  /* the fair class (no SC, or depleted with the DEMOTE policy) */
	SCHED_FATE_EDF,   /* the EDF class: its SC has usable budget */
	SCHED_FATE_WAIT,  /* runnable, waiting off-queue for its SC's refill (throttled) */
	SCHED_FATE_BLOCK, /* may not run: passive without an SC, or notify-and-block fault */
};
enum sched_fate sched__fate(const struct sched_thread *t, sched_time_t now);

/* Could t's fate differ from the fair class it is on? False for every thread that never
 * met an SC, which keeps the SC checks off the fair paths. */
static inline bool sched__sc_touched(const struct sched_rq *rq, const struct sched_thread *t)
{
	return t->sc || t->passive || t->sc_fault || t->on_class != rq->sys->fair;
}
bool sched__sc_charge(struct sched_rq *rq, struct sched_thread *t, uint64_t delta);
void sched__sc_yield(struct sched_rq *rq, struct sched_thread *t);
void sched__sc_wait_add(struct sched_rq *rq, struct sched_thread *t, sched_time_t now);
void sched__sc_wait_del(struct sched_rq *rq, struct sched_thread *t, sched_time_t now);
unsigned sched__sc_expire(struct sched_rq *rq, sched_time_t now);
sched_time_t sched__sc_next_event(struct sched_rq *rq);
bool sched__sc_lock(struct sched_sys *s, const struct sched_thread *t);
void sched__sc_unlock(struct sched_sys *s, bool locked);
bool sched__lock_thread(struct sched_sys *s, struct sched_thread *t);
void sched__unlock_thread(struct sched_sys *s, struct sched_thread *t, bool sc_locked);
bool sched__sc_involved(const struct sched_thread *t);
int sched__sc_wake_check(struct sched_thread *t);
void sched__sc_woken(struct sched_thread *t, bool donated, sched_time_t now);
void sched__sc_blocked(struct sched_thread *t, sched_time_t now);
int sched__sc_handoff(struct sched_sys *s, struct sched_thread *me, struct sched_thread *to,
		      bool reply);
void sched__sc_handoff_undo(struct sched_rq *rq, struct sched_thread *me, struct sched_thread *to,
			    bool reply, bool waited);
void sched__sc_exit(struct sched_sys *s, struct sched_thread *t);
int sched__sc_check(struct sched_sys *s, struct sched_rq *rq);

/* thread.c: authority tokens */
bool sched__auth_live(struct sched_auth a);
bool sched__in_scope(const struct sched_group *g, const struct sched_group *scope);

/* account.c */
void sched__acct_add(struct sched_thread *t, enum sched_acct_field f, uint64_t v);
void sched__charge_curr(struct sched_rq *rq, sched_time_t now);
void sched__charge_timer(struct sched_rq *rq, sched_time_t now);
void sched__note_switch_in(struct sched_rq *rq, struct sched_thread *t, sched_time_t now);

/* rq.c */
void sched__enqueue(struct sched_rq *rq, struct sched_thread *t, unsigned flags,
		    sched_time_t now);
void sched__dequeue(struct sched_rq *rq, struct sched_thread *t, unsigned flags);
void sched__requeue(struct sched_rq *rq, struct sched_thread *t, sched_time_t now);
struct sched_thread *sched__schedule(struct sched_rq *rq);
void sched__resched(struct sched_rq *rq);
void sched__kick(struct sched_rq *rq, bool must_preempt);
void sched__rearm(struct sched_rq *rq);
struct sched_thread *sched__choose(struct sched_rq *rq, struct sched_thread *prev,
				   sched_time_t now);

/* wake.c */
int sched__select_cpu(struct sched_sys *s, struct sched_thread *t, enum sched_wake_reason why,
		      unsigned waker);
void sched__timeout_cancel(struct sched_sys *s, struct sched_thread *t);
void sched__timeout_remove(struct sched_rq *rq, struct sched_thread *t);
void sched__timeout_arm(struct sched_rq *rq, struct sched_thread *t, sched_time_t deadline);
unsigned sched__expire_sleepers(struct sched_rq *rq, sched_time_t now);

/* balance.c (pick_*cpu in wake.c) */
void sched__arrive(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
		   sched_time_t now);
void sched__move_queued(struct sched_rq *src, struct sched_rq *dst, struct sched_thread *t,
			sched_time_t now);
unsigned sched__steal(struct sched_rq *rq);
void sched__balance(struct sched_rq *rq, sched_time_t now);
int sched__pick_other_cpu(struct sched_sys *s, const struct sched_thread *t, unsigned avoid);
int sched__pick_cpu(struct sched_sys *s, const sched_cpumask_t *mask, unsigned prev,
		    unsigned avoid);

/* trace.c */
void sched__trace(struct sched_rq *rq, enum sched_trace_type type, uint32_t tid, uint64_t arg,
		  uint8_t aux, sched_time_t now);

#endif
