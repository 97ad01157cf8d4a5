/* SPDX-License-Identifier: MIT */
/*
 * core_protect.c - kernel protection under core scheduling (sched_config.core_protect).
 *
 * The rule: while any CPU of a core is in the kernel (KERNEL), no sibling executes a tagged
 * thread's user code (OUTSIDE with a tagged current thread). The kernel may be touching any
 * domain's data, and a sibling sharing the core's buffers could sample it.
 *
 *   enter:  me = KERNEL, then IPI every sibling that is OUTSIDE with a tagged thread; the
 *           caller spins until none is left (an IPI'd sibling's own entry makes it KERNEL).
 *   exit:   with a tagged thread to return to, me = OUTSIDE only once no sibling is KERNEL;
 *           until then me = LEAVING, which is safe for the others: two siblings never wait
 *           for each other (KERNEL waits only for OUTSIDE, LEAVING only for KERNEL).
 * Each decision is taken under the core lock, so "check siblings, then change my mode" is
 * atomic against the same step on a sibling. O(SMT width) per call.
 */
#include "internal.h"

enum { KMODE_OUTSIDE, KMODE_KERNEL, KMODE_LEAVING };

static bool protecting(struct sched_sys *s, unsigned cpu)
{
	return s && cpu < s->nr_cpus && s->cfg.core_protect && sched__core_on(sched__rq(s, cpu));
}

/* Does r run a tagged thread's user code? */
static bool exposed(const struct sched_rq *r)
{
	return r->kmode == KMODE_OUTSIDE && r->curr && !r->curr->is_idle &&
	       r->curr->cookie != SCHED_COOKIE_NONE;
}

static struct sched_rq *sibling(struct sched_rq *rq, unsigned i)
{
	return &rq->sys->rq[rq->core->core_state.sib[i]];
}

int sched_core_enter_kernel(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq;
	unsigned long flags;
	int kicked = 0;

	if (!protecting(s, cpu))
		return s && cpu < s->nr_cpus ? 0 : -SCHED_EINVAL;
	rq = sched__rq(s, cpu);
	flags = sched_arch_irq_save();
	sched__rq_lock(rq);
	rq->kmode = KMODE_KERNEL;
	for (unsigned i = 0; i < rq->core->core_state.nr_sibs; i++) {
		struct sched_rq *r = sibling(rq, i);

		if (r == rq || !exposed(r))
			continue;
		kicked++;
		if (!sched__xchg(&r->ipi_pending, 1)) {
			sched__inc(&rq->counters[SCHED_CNT_CORE_KICKS], 1);
			sched_arch_send_resched(r->cpu);
		}
	}
	sched__rq_unlock(rq);
	sched_arch_irq_restore(flags);
	return kicked;
}

bool sched_core_kernel_safe(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq;
	unsigned long flags;
	bool safe = true;

	if (!protecting(s, cpu))
		return true;
	rq = sched__rq(s, cpu);
	flags = sched_arch_irq_save();
	sched__rq_lock(rq);
	for (unsigned i = 0; i < rq->core->core_state.nr_sibs; i++)
		safe &= !exposed(sibling(rq, i)) || sibling(rq, i) == rq;
	sched__rq_unlock(rq);
	sched_arch_irq_restore(flags);
	return safe;
}

int sched_core_exit_kernel(struct sched_sys *s, unsigned cpu)
{
	struct sched_rq *rq;
	unsigned long flags;
	bool wait = false;

	if (!protecting(s, cpu))
		return s && cpu < s->nr_cpus ? 0 : -SCHED_EINVAL;
	rq = sched__rq(s, cpu);
	flags = sched_arch_irq_save();
	sched__rq_lock(rq);
	if (rq->curr && !rq->curr->is_idle && rq->curr->cookie != SCHED_COOKIE_NONE)
		for (unsigned i = 0; i < rq->core->core_state.nr_sibs; i++)
			wait |= sibling(rq, i) != rq && sibling(rq, i)->kmode == KMODE_KERNEL;
	rq->kmode = wait ? KMODE_LEAVING : KMODE_OUTSIDE;
	sched__rq_unlock(rq);
	sched_arch_irq_restore(flags);
	return wait ? -SCHED_EBUSY : 0;
}
