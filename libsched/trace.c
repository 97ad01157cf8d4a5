/* SPDX-License-Identifier: MIT */
/*
 * trace.c - per-CPU counters and trace rings.
 *
 * Ring layout (SCHED_TRACE_LEN slots, head counts every event ever written):
 *
 *   ev[0] ev[1] ... ev[(head-1) % LEN] <- newest    ev[head % LEN] <- oldest once full
 *
 * Writes happen under the ring's run-queue lock, so a ring has one writer at a time.
 */
#include "internal.h"
#include "trace.h"

static const char *const counter_names[SCHED_CNT_NR] = {
	[SCHED_CNT_PICK_CANDIDATES] = "pick_candidates",
	[SCHED_CNT_PICK_CURRENT] = "pick_current",
	[SCHED_CNT_PICK_OTHER] = "pick_other",
	[SCHED_CNT_PICK_IDLE] = "pick_idle",
	[SCHED_CNT_IPI_SENT] = "ipi_sent",
	[SCHED_CNT_IPI_COALESCED] = "ipi_coalesced",
	[SCHED_CNT_IPI_RECEIVED] = "ipi_received",
	[SCHED_CNT_LOCK_ACQUIRE] = "lock_acquire",
	[SCHED_CNT_LOCK_CONTENDED] = "lock_contended",
	[SCHED_CNT_TIMER_IRQ] = "timer_irq",
	[SCHED_CNT_SWITCHES] = "switches",
	[SCHED_CNT_AS_SWITCHES] = "as_switches",
	[SCHED_CNT_WAKE_LOCAL] = "wake_local",
	[SCHED_CNT_WAKE_REMOTE] = "wake_remote",
	[SCHED_CNT_MIGRATE_IN] = "migrate_in",
	[SCHED_CNT_MIGRATE_OUT] = "migrate_out",
	[SCHED_CNT_STEALS] = "steals",
	[SCHED_CNT_BALANCE_MOVES] = "balance_moves",
	[SCHED_CNT_ROTATIONS] = "rotations",
	[SCHED_CNT_RT_PUSHES] = "rt_pushes",
	[SCHED_CNT_RT_PULLS] = "rt_pulls",
	[SCHED_CNT_HANDOFFS] = "handoffs",
	[SCHED_CNT_BUSY_NS] = "busy_ns",
	[SCHED_CNT_IDLE_NS] = "idle_ns",
	[SCHED_CNT_CORE_PICKS] = "core_picks",
	[SCHED_CNT_CORE_REUSED] = "core_reused",
	[SCHED_CNT_FORCED_IDLE] = "forced_idle",
	[SCHED_CNT_FORCED_IDLE_NS] = "forced_idle_ns",
	[SCHED_CNT_CORE_KICKS] = "core_kicks",
	[SCHED_CNT_NOHZ_STOP_IDLE] = "nohz_stop_idle",
	[SCHED_CNT_NOHZ_STOP_SINGLE] = "nohz_stop_single",
	[SCHED_CNT_NOHZ_STOP_LEASE] = "nohz_stop_lease",
	[SCHED_CNT_NOHZ_RESTART] = "nohz_restart",
	[SCHED_CNT_NOHZ_NS] = "nohz_ns",
	[SCHED_CNT_LEASE_GRANTS] = "lease_grants",
	[SCHED_CNT_LEASE_RETURNS] = "lease_returns",
	[SCHED_CNT_LEASE_RETURN_NS] = "lease_return_ns",
	[SCHED_CNT_LEASE_RETURN_MAX_NS] = "lease_return_max_ns",
	[SCHED_CNT_IRQ_NS] = "irq_ns",
};

static const char *const trace_names[SCHED_TR_NR] = {
	[SCHED_TR_SWITCH] = "switch", [SCHED_TR_WAKE] = "wake",   [SCHED_TR_MIGRATE] = "migrate",
	[SCHED_TR_BLOCK] = "block",   [SCHED_TR_EXIT] = "exit",   [SCHED_TR_IPI] = "ipi",
	[SCHED_TR_TICK] = "tick", [SCHED_TR_LEASE] = "lease", [SCHED_TR_MISS] = "miss",
	[SCHED_TR_ISLAND] = "island",
};

const char *sched_counter_name(unsigned counter)
{
	return counter < SCHED_CNT_NR ? counter_names[counter] : "?";
}

const char *sched_trace_type_name(unsigned type)
{
	return type < SCHED_TR_NR ? trace_names[type] : "?";
}

void sched__trace(struct sched_rq *rq, enum sched_trace_type type, uint32_t tid, uint64_t arg,
		  uint8_t aux, sched_time_t now)
{
	struct sched_trace_event *ev = &rq->trace.ev[rq->trace.head % SCHED_TRACE_LEN];

	sched__assert_rq_locked(rq);
	ev->time = now;
	ev->arg = arg;
	ev->tid = tid;
	ev->cpu = rq->cpu;
	ev->type = (uint8_t)type;
	ev->aux = aux;
	rq->trace.head++;
	if (rq->sys->cfg.trace)
		rq->sys->cfg.trace(rq->sys->cfg.cb_ctx, ev);
}

uint64_t sched_cpu_counter(struct sched_sys *s, unsigned cpu, unsigned counter)
{
	if (!s || cpu >= s->nr_cpus || counter >= SCHED_CNT_NR)
		return 0;
	return __atomic_load_n(&s->rq[cpu].counters[counter], __ATOMIC_RELAXED);
}

_Static_assert(SCHED_CNT_NR <= 64, "SCHED_CNT_MEASURED has a bit per counter");

/*
 * One relaxed store per CPU and no lock: a counting site reads its own run queue's flag,
 * so each CPU starts or stops at its next counted event, and a count is never torn (the
 * counters' writers do not change). Nothing else reads the flag: no decision can follow it.
 */
int sched_measure(struct sched_sys *s, bool on)
{
	if (!s || !s->rq || !s->nr_cpus)
		return -SCHED_EINVAL;
	for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++)
		sched__set(&s->rq[cpu].measure, (uint8_t)on);
	return 0;
}

unsigned sched_trace_read(struct sched_sys *s, unsigned cpu, struct sched_trace_event *out,
			  unsigned max)
{
	struct sched_rq *rq;
	unsigned long flags;
	uint64_t n, first;

	if (!s || !out || cpu >= s->nr_cpus)
		return 0;
	rq = sched__rq(s, cpu);
	flags = sched__rq_lock_irq(rq);
	n = rq->trace.head < SCHED_TRACE_LEN ? rq->trace.head : SCHED_TRACE_LEN;
	if (n > max)
		n = max;
	first = rq->trace.head - n;
	for (uint64_t i = 0; i < n; i++)
		out[i] = rq->trace.ev[(first + i) % SCHED_TRACE_LEN];
	sched__rq_unlock_irq(rq, flags);
	return (unsigned)n;
}

void sched_note_as_switch(struct sched_sys *s, unsigned cpu)
{
	if (s && cpu < s->nr_cpus)
		sched__add(&s->rq[cpu].counters[SCHED_CNT_AS_SWITCHES], 1);
}
