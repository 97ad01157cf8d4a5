/* SPDX-License-Identifier: MIT */
/*
 * core_cookie.c - core-scheduling cookies: assignments, scopes, inheritance, authority.
 *
 * A thread's cookie is the newest of the assignments made to it and to its groups (each
 * carries a stamp from one counter), so "every thread of the process" needs no list of
 * threads: the process's assignment outranks older per-thread ones, and a thread created
 * later in the process finds it. Runnable threads adopt a change at once (queued ones are
 * re-indexed, a running one at its CPU's next pick); blocked ones at their next wake.
 *
 * Locking: a thread's assignment is written under its lock and the lock of its rq; a
 * group's under every rq lock. So holding any rq lock makes a resolution consistent.
 */
#include "internal.h"
#include "auth.h"
#include "core_cookie.h"
#include "core_tree.h"
#include "rq.h"

static sched_cookie_t new_cookie(struct sched_sys *s)
{
	return __atomic_add_fetch(&s->core_next_cookie, 1, __ATOMIC_RELAXED);
}

static struct sched_core_tag new_tag(struct sched_sys *s, sched_cookie_t cookie)
{
	struct sched_core_tag tag = { cookie, __atomic_add_fetch(&s->core_next_stamp, 1,
								  __ATOMIC_RELAXED) };
	return tag;
}

/* A new group of the auto-tagged kind gets its own cookie. Not yet shared: no lock. */
void sched__cookie_autotag(struct sched_sys *s, struct sched_group *g)
{
	uint8_t want = s->cfg.core_autotag;

	if (s->cfg.core_sched &&
	    ((want == SCHED_CORE_AUTOTAG_PROCESS && g->kind == SCHED_GROUP_PROCESS) ||
	     (want == SCHED_CORE_AUTOTAG_SESSION && g->kind == SCHED_GROUP_SESSION)))
		g->core_tag = new_tag(s, new_cookie(s));
}

/* Lock t and its rq (t->cpu: its queue, or its last CPU): a consistent view of its cookie. */
static struct sched_rq *lock_view(struct sched_sys *s, struct sched_thread *t, unsigned long *flags)
{
	*flags = sched__lock_irq(&t->lock);
	return sched__lock_thread_rq(s, t);
}

static void unlock_view(struct sched_thread *t, struct sched_rq *rq, unsigned long flags)
{
	sched__rq_unlock(rq);
	sched__unlock_irq(&t->lock, flags);
}

/* The creator's deciding assignment, which a new thread starts with. */
struct sched_core_tag sched__cookie_inherit(struct sched_sys *s, struct sched_thread *creator)
{
	unsigned long flags;
	struct sched_rq *rq = lock_view(s, creator, &flags);
	struct sched_core_tag tag = *sched__cookie_winner(creator);

	unlock_view(creator, rq, flags);
	return tag;
}

/*
 * t's assignment (or one of its groups') changed: bring its cookie up to date where it is.
 * A queued thread is re-indexed (the core pick is void); the running one keeps its cookie
 * until its CPU's next pick, asked for here, so the siblings never see a mixed core.
 * t's rq locked.
 */
static void refresh(struct sched_rq *rq, struct sched_thread *t)
{
	sched_cookie_t c;

	sched__assert_rq_locked(rq);
	SCHED_ASSERT(t->cpu == rq->cpu);
	c = sched__cookie_resolve(t);
	if (c == t->cookie)
		return;
	if (rq->curr == t) {
		sched__kick(rq, true);
	} else if (t->in_core_tree) {
		sched__core_dequeued(rq, t);
		sched__core_enqueued(rq, t);
		sched__kick(rq, false);
	} else {
		t->cookie = c;
	}
}

/* What every cookie change checks first: arguments, the feature, the token and its right. */
static int check_call(struct sched_sys *s, struct sched_auth auth, enum sched_core_scope scope)
{
	if (!s || !auth.a || (unsigned)scope > SCHED_CORE_SESSION)
		return -SCHED_EINVAL;
	if (!s->cfg.core_sched)
		return -SCHED_EDISABLED;
	return sched__auth_right(auth, SCHED_RIGHT_CORE);
}

/* The nearest group of t of the scope's kind (process or session), or NULL. */
static struct sched_group *scope_group(const struct sched_thread *t, enum sched_core_scope scope)
{
	uint8_t kind = scope == SCHED_CORE_PROCESS ? SCHED_GROUP_PROCESS : SCHED_GROUP_SESSION;

	for (struct sched_group *g = t->group; g; g = g->parent)
		if (g->kind == kind)
			return g;
	return NULL;
}

/*
 * Check that thread `r` is live and inside the authority's scope, and find the group the
 * scope names (*g, NULL for the thread scope). Reading `from` (share) happens here too:
 * *cookie gets its cookie. O(depth).
 */
static int look(struct sched_sys *s, struct sched_auth auth, struct sched_ref r,
		enum sched_core_scope scope, struct sched_group **g, sched_cookie_t *cookie)
{
	unsigned long flags;
	struct sched_rq *rq;
	int ret = 0;

	if (!r.t)
		return -SCHED_EINVAL;
	rq = lock_view(s, r.t, &flags); /* is_idle too: re-initialisation rewrites it */
	if (r.t->is_idle)
		ret = -SCHED_EINVAL;
	else if (!sched__ref_live(r))
		ret = -SCHED_ESTALE;
	else if (!sched__in_scope(r.t->group, auth.a->scope))
		ret = -SCHED_EPERM;
	else if (g && scope != SCHED_CORE_THREAD && !(*g = scope_group(r.t, scope)))
		ret = -SCHED_ENOGROUP;
	else if (g && *g && !sched__in_scope(*g, auth.a->scope))
		ret = -SCHED_EPERM;
	if (!ret && cookie)
		*cookie = sched__cookie_resolve(r.t);
	unlock_view(r.t, rq, flags);
	return ret;
}

static int tag_thread(struct sched_sys *s, struct sched_ref r, sched_cookie_t cookie, bool fresh)
{
	unsigned long flags;
	struct sched_rq *rq = lock_view(s, r.t, &flags);
	int ret = 0;

	if (!sched__ref_live(r)) {
		ret = -SCHED_ESTALE; /* exited since look() */
	} else {
		r.t->core_tag = new_tag(s, fresh ? new_cookie(s) : cookie);
		refresh(rq, r.t);
	}
	unlock_view(r.t, rq, flags);
	return ret;
}

/* Every CPU's runnable threads in g: queued on any class, and current. rq locked. */
static void refresh_cpu(struct sched_rq *rq, const struct sched_group *g)
{
	sched__assert_rq_locked(rq);
	for (unsigned c = 0; c < SCHED_NR_CLASSES; c++) {
		const struct sched_class *cls = rq->sys->classes[c];
		/* refresh moves t within the cookie index only, never among class queues */
		for (struct sched_thread *t = cls->first(rq); t; t = cls->next(rq, t))
			if (sched__in_scope(t->group, g))
				refresh(rq, t);
	}
	if (rq->curr && !rq->curr->is_idle && sched__in_scope(rq->curr->group, g))
		refresh(rq, rq->curr);
}

/* A group assignment: under every rq lock (ascending: each core's leader once), so every
 * resolution sees it whole. O(nr_cpus + runnable threads). */
static void tag_group(struct sched_sys *s, struct sched_group *g, sched_cookie_t cookie, bool fresh)
{
	unsigned long flags = sched_arch_irq_save();

	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (s->rq[c].core == &s->rq[c])
			sched__rq_lock(&s->rq[c]);
	g->core_tag = new_tag(s, fresh ? new_cookie(s) : cookie);
	for (unsigned c = 0; c < s->nr_cpus; c++)
		refresh_cpu(&s->rq[c], g);
	for (unsigned c = s->nr_cpus; c-- > 0;)
		if (s->rq[c].core == &s->rq[c])
			sched__rq_unlock_irq(&s->rq[c], flags);
}

static int assign(struct sched_sys *s, struct sched_auth auth, struct sched_ref r,
		  enum sched_core_scope scope, sched_cookie_t cookie, bool fresh)
{
	struct sched_group *g = NULL;
	int ret = look(s, auth, r, scope, &g, NULL);

	if (ret < 0)
		return ret;
	if (!g)
		return tag_thread(s, r, cookie, fresh);
	tag_group(s, g, cookie, fresh);
	return 0;
}

int sched_core_create(struct sched_sys *s, struct sched_auth auth, struct sched_ref r,
		      enum sched_core_scope scope)
{
	int ret = check_call(s, auth, scope);

	return ret < 0 ? ret : assign(s, auth, r, scope, 0, true);
}

int sched_core_share(struct sched_sys *s, struct sched_auth auth, struct sched_ref from,
		     struct sched_ref to, enum sched_core_scope scope)
{
	sched_cookie_t cookie = 0;
	int ret = check_call(s, auth, scope);

	if (ret < 0 || (ret = look(s, auth, from, SCHED_CORE_THREAD, NULL, &cookie)) < 0)
		return ret;
	return assign(s, auth, to, scope, cookie, false);
}

int sched_core_clear(struct sched_sys *s, struct sched_auth auth, struct sched_ref r,
		     enum sched_core_scope scope)
{
	int ret = check_call(s, auth, scope);

	return ret < 0 ? ret : assign(s, auth, r, scope, SCHED_COOKIE_NONE, false);
}

int sched_core_get(struct sched_sys *s, struct sched_ref r, sched_cookie_t *out)
{
	unsigned long flags;
	struct sched_rq *rq;
	int ret = 0;

	if (!s || !r.t || !out)
		return -SCHED_EINVAL;
	if (!s->cfg.core_sched)
		return -SCHED_EDISABLED;
	rq = lock_view(s, r.t, &flags);
	if (r.t->is_idle)
		ret = -SCHED_EINVAL;
	else if (sched__ref_live(r))
		*out = sched__cookie_resolve(r.t);
	else
		ret = -SCHED_ESTALE;
	unlock_view(r.t, rq, flags);
	return ret;
}

uint64_t sched_core_forced_idle_ns(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq;
	unsigned long flags;
	uint64_t ns;

	if (!s || cpu >= s->nr_cpus)
		return 0;
	rq = sched__rq(s, cpu);
	flags = sched__rq_lock_irq(rq);
	ns = rq->counters[SCHED_CNT_FORCED_IDLE_NS];
	if (rq->forced_idle)
		ns += sched_arch_now() - rq->forced_since;
	sched__rq_unlock_irq(rq, flags);
	return ns;
}
