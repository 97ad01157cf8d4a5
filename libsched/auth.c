/* SPDX-License-Identifier: MIT */
/*
 * auth.c - authority tokens: the root, derivation, revocation, and the checks every
 * privileged entry makes.
 */
#include "internal.h"
#include "auth.h"

/* True if token `a` is live: it and every authority it derives from are unrevoked. */
bool sched__auth_live(struct sched_auth a)
{
	struct sched_authority *x = a.a;
	uint32_t gen = a.gen;

	for (unsigned d = 0; x && d < SCHED_AUTH_DEPTH_MAX; d++) {
		if (__atomic_load_n(&x->gen, __ATOMIC_ACQUIRE) != gen)
			return false;
		if (!x->parent)
			return true;
		gen = x->parent_gen;
		x = x->parent;
	}
	return false;
}

/* 0 if token a is live and has `right`; -SCHED_ESTALE, -SCHED_EPERM otherwise. */
int sched__auth_right(struct sched_auth a, uint32_t right)
{
	if (!sched__auth_live(a))
		return -SCHED_ESTALE;
	return a.a->rights & right ? 0 : -SCHED_EPERM;
}

/* True if group g is `scope` or below it (NULL scope: everything). */
bool sched__in_scope(const struct sched_group *g, const struct sched_group *scope)
{
	if (!scope)
		return true;
	for (; g; g = g->parent)
		if (g == scope)
			return true;
	return false;
}

struct sched_auth sched_auth_root(struct sched_sys *s)
{
	struct sched_auth a = { s ? &s->root_authority : NULL, s ? s->root_authority.gen : 0 };
	return a;
}

int sched_auth_derive(struct sched_authority *a, struct sched_auth parent, uint32_t rights,
		      struct sched_group *scope, const sched_cpumask_t *cpus)
{
	struct sched_authority *p = parent.a;

	if (!a || !p || (rights & ~(uint32_t)SCHED_RIGHT_ALL))
		return -SCHED_EINVAL;
	if (!sched__auth_live(parent))
		return -SCHED_ESTALE;
	const struct sched_authority *x = p; /* live: the chain reaches the root in depth steps */
	for (unsigned d = 0; x && d < SCHED_AUTH_DEPTH_MAX; d++, x = x->parent) {
		if (x == a)
			return -SCHED_EINVAL; /* a is the parent or above it: a cycle */
		if (!x->parent && cpus && !sched_cpumask_subset(cpus, &x->cpus))
			return -SCHED_ECPU; /* the root's CPUs are every CPU there is */
	}
	if (!(p->rights & SCHED_RIGHT_DERIVE) || (rights & ~p->rights) ||
	    (p->scope && !sched__in_scope(scope, p->scope)) ||
	    (cpus && !sched_cpumask_subset(cpus, &p->cpus)))
		return -SCHED_EPERM;
	if (p->depth >= SCHED_AUTH_DEPTH_MAX)
		return -SCHED_EDEPTH;
	a->gen = a->gen + 1 ? a->gen + 1 : 1;
	a->rights = rights;
	a->scope = scope;
	a->cpus = cpus ? *cpus : p->cpus;
	a->depth = (uint8_t)(p->depth + 1);
	a->parent = p;
	a->parent_gen = parent.gen;
	return 0;
}

int sched_auth_revoke(struct sched_auth a)
{
	if (!a.a)
		return -SCHED_EINVAL;
	if (!sched__auth_live(a))
		return -SCHED_ESTALE;
	__atomic_add_fetch(&a.a->gen, 1, __ATOMIC_RELEASE);
	return 0;
}
