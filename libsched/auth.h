/* SPDX-License-Identifier: MIT */
/*
 * auth.h - authority checks (auth.c). Lock-free: tokens and scopes are read with atomic
 * loads; every check fails closed.
 */
#ifndef LIBSCHED_AUTH_H
#define LIBSCHED_AUTH_H

#include "internal.h"

bool sched__auth_live(struct sched_auth a);
int sched__auth_right(struct sched_auth a, uint32_t right);
bool sched__in_scope(const struct sched_group *g, const struct sched_group *scope);

#endif
