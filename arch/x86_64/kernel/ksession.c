/* SPDX-License-Identifier: MIT */
/*
 * ksession.c - sessions, what processes and sessions own, and authority handles for ring 3
 * (kernel.h, kparity_abi.h, docs/x86_64.md "The parity boot").
 *
 * Sessions and processes as fairness groups: a session is a group of kind SESSION with
 * per-CPU state (libsched schedules it as one entity of its weight on each CPU), and a
 * process made by ksession_process with a weight is one too, inside it: a session's share
 * follows its weight whatever the number of processes and threads in it.
 *
 * Ownership: an SC is created with an owner group (sched_sc_create), a lease is held by a
 * group or a thread in it, a cookie is assigned to a group (core.h). When a process ends
 * (its last thread exits), ksession_process_exit revokes its SCs and its authority handles
 * and clears its cookie; when a session's last process has ended (its logout), the same
 * for the session's group and everything below it, and its leases.
 */
#include "kernel.h"

static struct ksession sessions[KSESSIONS];
static uint32_t nr_sessions; /* slots handed out; only grows */
static struct sched_group_cpu fair_pcpu[KFAIR_PROCESSES][MAX_CPUS];
static uint32_t nr_fair;

struct ksession *ksession_create(const char *name, uint32_t weight)
{
	uint32_t i = __atomic_fetch_add(&nr_sessions, 1, __ATOMIC_RELAXED);
	struct ksession *s;
	struct sched_group_params gp = { .id = 2000 + i, .kind = SCHED_GROUP_SESSION,
					 .weight = weight };

	if (i >= KSESSIONS)
		panic("ksession_create %s: out of session slots", name);
	s = &sessions[i];
	gp.pcpu = s->pcpu;
	if (sched_group_init(&ksys, &s->group, &gp) < 0)
		panic("ksession_create %s: sched_group_init failed", name);
	s->name = name;
	return s;
}

struct kprocess *ksession_process(struct ksession *s, const char *name, enum user_elf elf,
				  uint32_t weight)
{
	struct sched_group *parent = s ? &s->group : NULL;
	struct kprocess *p;

	if (weight) {
		uint32_t i = __atomic_fetch_add(&nr_fair, 1, __ATOMIC_RELAXED);

		if (i >= KFAIR_PROCESSES)
			panic("ksession_process %s: out of fairness group slots", name);
		p = kprocess_create_elf_fair(name, elf, parent, weight, fair_pcpu[i]);
	} else {
		p = kprocess_create_elf(name, elf, parent);
	}
	if (s) {
		p->session = s;
		__atomic_fetch_add(&s->live, 1, __ATOMIC_RELEASE);
	}
	return p;
}

/* The group ring 3 names by id: a process's or a session's; NULL for none. */
static struct sched_group *group_of_id(uint32_t id)
{
	struct kprocess *p = kprocess_of_group(id);
	uint32_t n = __atomic_load_n(&nr_sessions, __ATOMIC_ACQUIRE);

	if (p)
		return &p->group;
	if (id >= 2000 && id - 2000 < n && id - 2000 < KSESSIONS)
		return &sessions[id - 2000].group;
	return NULL;
}

/* --- what a process or a session owns ends with it ------------------------------------------ */

/* g's cookie cleared through `last`, a live thread in g (a cookie call names a thread):
 * 1, 0 when g has none (or core scheduling is off), or the error. */
static int cookie_clear(struct sched_group *g, struct kthread *last, enum sched_core_scope sc)
{
	int r;

	if (!ksys.cfg.core_sched ||
	    __atomic_load_n(&g->core_tag.cookie, __ATOMIC_ACQUIRE) == SCHED_COOKIE_NONE)
		return 0;
	r = sched_core_clear(&ksys, sched_auth_root(&ksys), sched_ref_of(&last->st), sc);
	return r < 0 ? r : 1;
}

/* The exiting thread gives its own SC up first: revoked under it (THROTTLE), it would be
 * left passive, and a passive thread blocks at its CPU's next pick, before it has exited. */
static void unbind_own(struct kthread *last)
{
	struct sched_sc *sc = __atomic_load_n(&last->st.own_sc, __ATOMIC_ACQUIRE);

	if (sc)
		sched_sc_unbind(&ksys, (struct sched_sc_cap){ sc->index, sc->gen, SCHED_SC_ALL });
}

static int auth_process_exit(struct kprocess *p);

/* The session's last process ended: its logout. */
static void session_end(struct ksession *s, struct kthread *last)
{
	s->end_cookie = cookie_clear(&s->group, last, SCHED_CORE_SESSION);
	s->end_scs = sched_sc_revoke_owned(&ksys, sched_auth_root(&ksys), &s->group);
	s->end_leases = klease_group_exit(&s->group);
	__atomic_store_n(&s->ended, 1, __ATOMIC_RELEASE);
}

void ksession_process_exit(struct kprocess *p, struct kthread *last)
{
	struct ksession *s = p->session;

	unbind_own(last);
	p->exit_cookie = cookie_clear(&p->group, last, SCHED_CORE_PROCESS);
	p->exit_scs = sched_sc_revoke_owned(&ksys, sched_auth_root(&ksys), &p->group);
	p->exit_auth = auth_process_exit(p);
	if (s && !__atomic_sub_fetch(&s->live, 1, __ATOMIC_ACQ_REL))
		session_end(s, last);
}

/* --- authority handles ---------------------------------------------------------------------- */

/*
 * A slot holds one authority at a time. Its token (the authority and its generation at the
 * derive) is what a handle names; revoking moves the authority's generation on, so the
 * handle then fails closed in libsched (-SCHED_ESTALE), for its holder and for every
 * authority derived from it. The slot is freed when its holder ends; a later derive into it
 * moves the generation on again (sched_auth_derive), so an old handle names nothing then
 * (-SCHED_ESTALE here).
 */
struct kauth {
	struct sched_authority a;
	struct sched_auth token;      /* as derived */
	struct kprocess *holder;      /* the one process that may use it */
	struct kprocess *by;          /* the process that derived it (may revoke it); NULL: the
				       * kernel */
	bool used;
};
static struct kauth auths[KAUTH_HANDLES];
static uint32_t auth_lock; /* the table; libsched's calls on a token are made outside it */

static int64_t handle_of(uint32_t index, struct sched_auth token)
{
	return (int64_t)((uint64_t)token.gen << 16 | index);
}

/* A free slot's authority derived from `parent`; its handle, or the error. */
static int64_t auth_new(struct sched_auth parent, uint32_t rights, struct sched_group *scope,
			struct kprocess *holder, struct kprocess *by)
{
	unsigned long f = table_lock_take(&auth_lock);
	int64_t r = -SCHED_EFULL;

	for (uint32_t i = 0; i < KAUTH_HANDLES; i++) {
		struct kauth *k = &auths[i];

		if (k->used)
			continue;
		r = sched_auth_derive(&k->a, parent, rights, scope, NULL);
		if (r == 0) {
			k->token = (struct sched_auth){ &k->a, k->a.gen };
			k->holder = holder;
			k->by = by;
			k->used = true;
			r = handle_of(i, k->token);
		}
		break;
	}
	table_lock_give(&auth_lock, f);
	return r;
}

int64_t kauth_grant(struct kprocess *holder, uint32_t rights, struct sched_group *scope)
{
	if (!holder)
		return -SCHED_EINVAL;
	return auth_new(sched_auth_root(&ksys), rights, scope, holder, NULL);
}

/* The slot `handle` names, copied: -SCHED_EINVAL for bits no handle has, -SCHED_ESTALE for
 * a slot freed or derived into again since, -SCHED_EPERM for one `me` neither holds nor
 * (revoke) derived. */
static int auth_lookup(struct kthread *me, uint64_t handle, bool or_by, struct kauth *out)
{
	uint32_t i = (uint32_t)(handle & 0xffff);
	unsigned long f;
	int r = 0;

	if (handle >> 48 || i >= KAUTH_HANDLES)
		return -SCHED_EINVAL;
	f = table_lock_take(&auth_lock);
	*out = auths[i];
	table_lock_give(&auth_lock, f);
	if (!out->used || out->token.gen != (uint32_t)(handle >> 16))
		r = -SCHED_ESTALE;
	else if (out->holder != me->proc && !(or_by && out->by && out->by == me->proc))
		r = -SCHED_EPERM;
	return r;
}

/* Every handle p holds is revoked and its slot freed: how many were live. */
static int auth_process_exit(struct kprocess *p)
{
	unsigned long f = table_lock_take(&auth_lock);
	int n = 0;

	for (uint32_t i = 0; i < KAUTH_HANDLES; i++) {
		struct kauth *k = &auths[i];

		if (!k->used || k->holder != p)
			continue;
		n += sched_auth_revoke(k->token) == 0;
		k->used = false;
	}
	table_lock_give(&auth_lock, f);
	return n;
}

/* SYS_AUTH_HELD(i): the i-th live slot (in table order) held by the caller's process. */
static int64_t sys_held(struct kthread *me, uint64_t i)
{
	unsigned long f = table_lock_take(&auth_lock);
	int64_t r = -SCHED_EINVAL;

	for (uint32_t k = 0; k < KAUTH_HANDLES && r < 0; k++)
		if (auths[k].used && auths[k].holder == me->proc && !i--)
			r = handle_of(k, auths[k].token);
	table_lock_give(&auth_lock, f);
	return r;
}

/* SYS_AUTH_DERIVE(handle, rights, scope | holder << 32): the holder must be a live process
 * (-SCHED_EINVAL: no such group; -SCHED_ESTALE: ended); rights and scope are libsched's to
 * check against the handle's authority (-SCHED_EPERM for more than it has). */
static int64_t sys_derive(struct kthread *me, uint64_t handle, uint64_t rights, uint64_t ids)
{
	struct sched_group *scope = group_of_id((uint32_t)ids);
	struct kprocess *holder = kprocess_of_group((uint32_t)(ids >> 32));
	struct kauth k;
	int r = auth_lookup(me, handle, false, &k);

	if (r < 0)
		return r;
	if (!scope || !holder || rights >> 32)
		return -SCHED_EINVAL;
	if (__atomic_load_n(&holder->exited, __ATOMIC_ACQUIRE))
		return -SCHED_ESTALE;
	return auth_new(k.token, (uint32_t)rights, scope, holder, me->proc);
}

/* SYS_AUTH_REVOKE(handle): its holder or the process that derived it. The slot stays the
 * holder's (freed at its end): its handle now fails in libsched, -SCHED_ESTALE. */
static int64_t sys_revoke(struct kthread *me, uint64_t handle)
{
	struct kauth k;
	int r = auth_lookup(me, handle, true, &k);

	return r < 0 ? r : sched_auth_revoke(k.token);
}

/* SYS_AUTH_SET_FAIR(handle, thread, nice): the thread is group id << 32 | index in that
 * process (-SCHED_EINVAL for none); sched_set_fair decides with the handle's authority. */
static int64_t sys_set_fair(struct kthread *me, uint64_t handle, uint64_t thread, uint64_t nice)
{
	struct kprocess *p = kprocess_of_group((uint32_t)(thread >> 32));
	uint32_t i = (uint32_t)thread;
	struct sched_fair_params fp = { .nice = (int)(int64_t)nice };
	struct kauth k;
	int r = auth_lookup(me, handle, false, &k);

	if (r < 0)
		return r;
	if (!p || i >= KPROC_THREADS || i >= __atomic_load_n(&p->nr_threads, __ATOMIC_ACQUIRE) ||
	    !p->threads[i] || (int64_t)nice != fp.nice)
		return -SCHED_EINVAL;
	return sched_set_fair(&ksys, k.token, sched_ref_of(&p->threads[i]->st), &fp);
}

int64_t kauth_syscall(struct kthread *me, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	if (!me->proc)
		return -SCHED_EPERM;
	switch (nr) {
	case SYS_AUTH_HELD:
		return sys_held(me, a0);
	case SYS_AUTH_DERIVE:
		return sys_derive(me, a0, a1, a2);
	case SYS_AUTH_REVOKE:
		return sys_revoke(me, a0);
	default:
		return sys_set_fair(me, a0, a1, a2);
	}
}
