/* SPDX-License-Identifier: MIT */
/*
 * core_cookie.h - cookie assignment (core_cookie.c). Called with no lock held; they take
 * the locks they need.
 */
#ifndef LIBSCHED_CORE_COOKIE_H
#define LIBSCHED_CORE_COOKIE_H

#include "internal.h"

void sched__cookie_autotag(struct sched_sys *s, struct sched_group *g);
struct sched_core_tag sched__cookie_inherit(struct sched_sys *s, struct sched_thread *creator);

#endif
