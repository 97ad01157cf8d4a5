/* SPDX-License-Identifier: MIT */
/*
 * mutex.c - the entry points of mutexes, condition variables and barriers (mutex.h). Each
 * takes sys.mx_lock with interrupts off for its whole decision, so a wait is queued and
 * its thread blocked in one step: an unlock, signal or barrier release on another CPU
 * either comes before (and the thread does not wait) or finds it blocked and wakes it.
 * What waiters lend an owner is proxy.c's.
 */
#include "internal.h"
#include "block.h"
#include "proxy.h"
#include "wake.h"

/* An on-CPU entry's frame: the caller's current thread, mx_lock held, interrupts off. */
struct frame {
	struct sched_thread *me;
	struct sched_rq *rq;
	unsigned long flags;
};

static int enter(struct sched_sys *s, unsigned cpu, sched_time_t deadline, struct frame *f)
{
	struct sched_thread *dummy;
	int ret = sched__on_cpu_entry(s, cpu, &dummy, &f->me);

	if (ret < 0)
		return ret;
	f->rq = sched__rq(s, cpu);
	if (deadline != SCHED_TIME_NEVER) {
		if (!sched_time_in_horizon(deadline, sched_arch_now()))
			return -SCHED_EINVAL;
		if (!sched__get(&f->rq->online)) /* its timeout must not live on an offline CPU */
			return -SCHED_ECPU;
	}
	f->flags = sched_arch_irq_save();
	sched__spin_lock(&s->mx_lock);
	if (sched__get(&f->me->state) == SCHED_EXITED) { /* exited by another CPU meanwhile */
		sched__spin_unlock(&s->mx_lock);
		sched_arch_irq_restore(f->flags);
		return -SCHED_ESTALE;
	}
	return 0;
}

static int leave(struct sched_sys *s, struct frame *f, int ret)
{
	sched__spin_unlock(&s->mx_lock);
	sched_arch_irq_restore(f->flags);
	return ret;
}

/* w's wait ended (it owns its mutex, or was released): it runs again (a realtime w queued
 * behind something more urgent is pushed on by the wake). A failure leaves it blocked: a
 * passive owner whose SC was revoked meanwhile, or hotplug took every CPU it may use. */
static void wake(struct sched_sys *s, struct sched_thread *w)
{
	(void)sched__wake_waiter(s, w);
}

/* m's owner `me` lets it go: the next owner, if any, is woken; me gives back what m's
 * waiters lent it. */
static void release(struct sched_sys *s, struct sched_thread *me, struct sched_mutex *m)
{
	bool waited = m->waiters.n != 0; /* else nothing was lent through m */
	struct sched_thread *w = sched__mutex_pass(s, m, 0);

	if (waited)
		sched__proxy_update(s, me);
	if (w) {
		sched__proxy_update(s, w);
		wake(s, w);
	}
}

/* --- initialisation ---------------------------------------------------------------------------- */

/* Under mx_lock, interrupts off: the in-use test and the (re)initialisation are one step,
 * so no entry on another CPU can use the object in between. */
static unsigned long init_lock(struct sched_sys *s)
{
	unsigned long flags = sched_arch_irq_save();

	sched__spin_lock(&s->mx_lock);
	return flags;
}

static int init_unlock(struct sched_sys *s, unsigned long flags, int ret)
{
	sched__spin_unlock(&s->mx_lock);
	sched_arch_irq_restore(flags);
	return ret;
}

/* An initialised object with waiters (or an owner) may not be initialised again. */
static bool in_use(uint32_t magic, uint32_t obj_magic, const struct sched_waitq *q, bool owned)
{
	return obj_magic == magic && (q->n || owned);
}

int sched_mutex_init(struct sched_sys *s, struct sched_mutex *m, unsigned flags)
{
	unsigned long f;

	if (!s || !m || flags > SCHED_MUTEX_PLAIN)
		return -SCHED_EINVAL;
	f = init_lock(s);
	if (in_use(SCHED_MUTEX_MAGIC, m->magic, &m->waiters, m->owner != NULL))
		return init_unlock(s, f, -SCHED_EACTIVE);
	*m = (struct sched_mutex){ .flags = (uint8_t)flags };
	sched__list_init(&m->held_node);
	__atomic_store_n(&m->magic, SCHED_MUTEX_MAGIC, __ATOMIC_RELEASE);
	return init_unlock(s, f, 0);
}

int sched_cond_init(struct sched_sys *s, struct sched_cond *c)
{
	unsigned long f;

	if (!s || !c)
		return -SCHED_EINVAL;
	f = init_lock(s);
	if (in_use(SCHED_COND_MAGIC, c->magic, &c->waiters, false))
		return init_unlock(s, f, -SCHED_EACTIVE);
	*c = (struct sched_cond){ 0 };
	__atomic_store_n(&c->magic, SCHED_COND_MAGIC, __ATOMIC_RELEASE);
	return init_unlock(s, f, 0);
}

int sched_barrier_init(struct sched_sys *s, struct sched_barrier *b, unsigned count)
{
	unsigned long f;

	if (!s || !b || !count || count > UINT32_MAX / 2)
		return -SCHED_EINVAL;
	f = init_lock(s);
	if (in_use(SCHED_BARRIER_MAGIC, b->magic, &b->waiters, false))
		return init_unlock(s, f, -SCHED_EACTIVE);
	*b = (struct sched_barrier){ .count = count };
	__atomic_store_n(&b->magic, SCHED_BARRIER_MAGIC, __ATOMIC_RELEASE);
	return init_unlock(s, f, 0);
}

/* --- mutexes ----------------------------------------------------------------------------------- */

static bool mutex_ok(const struct sched_mutex *m)
{
	return m && __atomic_load_n(&m->magic, __ATOMIC_ACQUIRE) == SCHED_MUTEX_MAGIC;
}

/* Take m at once if it is free (1), or refuse; 0: the caller must wait. */
static int take_now(struct sched_sys *s, struct sched_thread *me, struct sched_mutex *m)
{
	if (m->owner == me)
		return -SCHED_EDEADLK;
	if (me->nr_held >= SCHED_MUTEX_HELD_MAX)
		return -SCHED_EDEPTH;
	if (m->owner)
		return 0;
	sched__mutex_take(s, m, me, 0); /* free: nobody waits, nothing to lend */
	return 1;
}

int sched_mutex_lock(struct sched_sys *s, unsigned cpu, struct sched_mutex *m,
		     sched_time_t deadline, struct sched_thread **next)
{
	struct frame f;
	int ret;

	if (!s || !next || !mutex_ok(m))
		return -SCHED_EINVAL;
	if ((ret = enter(s, cpu, deadline, &f)) < 0)
		return ret;
	ret = take_now(s, f.me, m);
	if (ret == 0)
		ret = sched__mutex_chain_check(m, f.me);
	if (ret < 0)
		return leave(s, &f, ret);
	if (ret == 1) {
		*next = f.me;
		return leave(s, &f, 0);
	}
	f.me->wait_result = 0;
	sched__wait_on(s, f.me, m, SCHED_WAIT_MUTEX, &m->waiters);
	sched__proxy_chain(s, m);
	sched__wait_block(f.rq, f.me, deadline, next);
	return leave(s, &f, 0);
}

int sched_mutex_trylock(struct sched_sys *s, unsigned cpu, struct sched_mutex *m)
{
	struct frame f;
	int ret;

	if (!s || !mutex_ok(m))
		return -SCHED_EINVAL;
	if ((ret = enter(s, cpu, SCHED_TIME_NEVER, &f)) < 0)
		return ret;
	ret = take_now(s, f.me, m);
	return leave(s, &f, ret == 1 ? 0 : ret == 0 ? -SCHED_ELOCKED : ret);
}

int sched_mutex_unlock(struct sched_sys *s, unsigned cpu, struct sched_mutex *m)
{
	struct frame f;
	int ret;

	if (!s || !mutex_ok(m))
		return -SCHED_EINVAL;
	if ((ret = enter(s, cpu, SCHED_TIME_NEVER, &f)) < 0)
		return ret;
	if (m->owner != f.me)
		return leave(s, &f, -SCHED_EPERM);
	release(s, f.me, m);
	return leave(s, &f, 0);
}

/* --- condition variables ------------------------------------------------------------------------ */

static bool cond_ok(const struct sched_cond *c)
{
	return c && __atomic_load_n(&c->magic, __ATOMIC_ACQUIRE) == SCHED_COND_MAGIC;
}

int sched_cond_wait(struct sched_sys *s, unsigned cpu, struct sched_cond *c,
		    struct sched_mutex *m, sched_time_t deadline, struct sched_thread **next)
{
	struct frame f;
	int ret;

	if (!s || !next || !cond_ok(c) || !mutex_ok(m))
		return -SCHED_EINVAL;
	if ((ret = enter(s, cpu, deadline, &f)) < 0)
		return ret;
	if (m->owner != f.me)
		return leave(s, &f, -SCHED_EPERM);
	f.me->wait_result = 0;
	f.me->cond_mx = m;
	sched__wait_on(s, f.me, c, SCHED_WAIT_COND, &c->waiters);
	release(s, f.me, m);
	sched__wait_block(f.rq, f.me, deadline, next);
	return leave(s, &f, 0);
}

/* Signal one waiter of c (one that can run: others' waits end), or all of them. */
static int cond_wake(struct sched_sys *s, struct sched_cond *c, bool all)
{
	unsigned long flags;
	bool taken = false;

	if (!s || !cond_ok(c))
		return -SCHED_EINVAL;
	flags = sched_arch_irq_save();
	sched__spin_lock(&s->mx_lock);
	for (uint32_t i = 0, n = c->waiters.n; i < n && (all || !taken); i++) {
		struct sched_thread *w = sched__cond_wake(s, c, &taken);

		if (w)
			wake(s, w);
	}
	sched__spin_unlock(&s->mx_lock);
	sched_arch_irq_restore(flags);
	return 0;
}

int sched_cond_signal(struct sched_sys *s, struct sched_cond *c)
{
	return cond_wake(s, c, false);
}

int sched_cond_broadcast(struct sched_sys *s, struct sched_cond *c)
{
	return cond_wake(s, c, true);
}

/* --- barriers ----------------------------------------------------------------------------------- */

int sched_barrier_wait(struct sched_sys *s, unsigned cpu, struct sched_barrier *b,
		       struct sched_thread **next)
{
	struct frame f;
	int ret;

	if (!s || !next || !b || __atomic_load_n(&b->magic, __ATOMIC_ACQUIRE) != SCHED_BARRIER_MAGIC)
		return -SCHED_EINVAL;
	if ((ret = enter(s, cpu, SCHED_TIME_NEVER, &f)) < 0)
		return ret;
	f.me->wait_result = 0;
	if (b->arrived + 1 < b->count) {
		b->arrived++;
		sched__wait_on(s, f.me, b, SCHED_WAIT_BARRIER, &b->waiters);
		sched__wait_block(f.rq, f.me, SCHED_TIME_NEVER, next);
		return leave(s, &f, 0);
	}
	b->arrived = 0; /* the last one: everyone goes on */
	b->rounds++;
	for (uint32_t i = 0, n = b->waiters.n; i < n; i++) {
		struct sched_thread *w = sched__waitq_first(&b->waiters);

		sched__wait_off(s, w, &b->waiters);
		wake(s, w);
	}
	*next = f.me;
	return leave(s, &f, 0);
}

int sched_wait_result(const struct sched_thread *t)
{
	return t ? t->wait_result : -SCHED_EINVAL;
}

int sched_mutex_check(struct sched_sys *s, struct sched_thread *t)
{
	unsigned long flags;
	int ret;

	if (!s || !t)
		return -SCHED_EINVAL;
	if (t->is_idle) /* never initialised as a thread: holds and waits on nothing */
		return 0;
	flags = sched_arch_irq_save();
	sched__spin_lock(&s->mx_lock);
	ret = sched__proxy_check(s, t);
	sched__spin_unlock(&s->mx_lock);
	sched_arch_irq_restore(flags);
	return ret;
}
