/* SPDX-License-Identifier: MIT */
/* list.h - intrusive doubly linked list, and container_of. */
#ifndef LIBSCHED_LIST_H
#define LIBSCHED_LIST_H

#include <sched/sched.h>

#define sched__container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

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

#endif
