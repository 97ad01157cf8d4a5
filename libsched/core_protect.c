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

enum step { ENTER, CHECK, EXIT };

/* One step of the protocol on `cpu`, under the core lock. ENTER returns the siblings
 * kicked, CHECK 1 if safe, EXIT 1 if the caller must wait. */
static int step(struct sched_rq *rq, enum step what)
{
	bool mine = rq->curr && !rq->curr->is_idle && rq->curr->cookie != SCHED_COOKIE_NONE;
	int n = 0;

	sched__assert_rq_locked(rq);
	if (what == ENTER)
		rq->kmode = KMODE_KERNEL;
	for (unsigned i = 0; i < rq->core->core_state.nr_sibs; i++) {
		struct sched_rq *r = sibling(rq, i);

		if (r == rq)
			continue;
		if (what == EXIT) {
			n |= mine && r->kmode == KMODE_KERNEL;
		} else if (exposed(r)) {
			n++;
			if (what == ENTER && !sched__xchg(&r->ipi_pending, 1)) {
				sched__inc(&rq->counters[SCHED_CNT_CORE_KICKS], 1);
				sched_arch_send_resched(r->cpu);
			}
		}
	}
	if (what == EXIT)
		rq->kmode = n ? KMODE_LEAVING : KMODE_OUTSIDE;
	return what == CHECK ? !n : n;
}

static int locked_step(struct sched_sys *s, unsigned cpu, enum step what)
{
	struct sched_rq *rq = sched__rq(s, cpu);
	unsigned long flags = sched_arch_irq_save();
	int n;

	sched__rq_lock(rq);
	n = step(rq, what);
	sched__rq_unlock_irq(rq, flags);
	return n;
}

int sched_core_enter_kernel(struct sched_sys *s, unsigned cpu)
{
	if (!s)
		return -SCHED_EINVAL;
	if (cpu >= s->nr_cpus)
		return -SCHED_ECPU;
	return protecting(s, cpu) ? locked_step(s, cpu, ENTER) : 0;
}

bool sched_core_kernel_safe(struct sched_sys *s, unsigned cpu)
{
	if (!s || cpu >= s->nr_cpus)
		return false; /* a security answer fails closed */
	return !protecting(s, cpu) || locked_step(s, cpu, CHECK);
}

int sched_core_exit_kernel(struct sched_sys *s, unsigned cpu)
{
	if (!s)
		return -SCHED_EINVAL;
	if (cpu >= s->nr_cpus)
		return -SCHED_ECPU;
	return protecting(s, cpu) && locked_step(s, cpu, EXIT) ? -SCHED_EBUSY : 0;
}
