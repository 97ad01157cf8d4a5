/* SPDX-License-Identifier: MIT */
/*
 * fuzz_api.c - a coverage-guided fuzz target (libFuzzer entry point) that drives the whole
 * public API of libsched on the simulated machine (arch/sim), as a hostile but
 * contract-abiding kernel would. docs/fuzzing.md says how to build and run it.
 *
 * Input format (every byte is optional: a short input uses defaults, zeros):
 *   4 header bytes choose the machine: CPUs (1-8), SMT width (1, 2, or 4 when it divides),
 *   policy (eevdf / rr), core scheduling, kernel protection, core autotag, IPI latency
 *   (0, 2 us, 20 us), balance and latency settings, the clock's starting instant, the LLC
 *   layout and the size of the SC pool given at boot.
 *   The rest is a sequence of operations (at most MAX_OPS): one opcode byte, then the
 *   bytes the operation reads for its arguments. With bits 0x70 of header byte 3 all set
 *   ("mutex mode") the opcodes also decode the mutex, condition variable and barrier
 *   entries (mutex.h) on a small pool of each; without them an input means what it meant
 *   before those entries existed (the corpus keeps its meaning). With header byte 3 exactly
 *   0x79 ("lease mode": mutex mode with the pool nibble 9, a spelling of "no pool" no input
 *   of the corpus used) a fifth header byte follows (SC pool, lease pool, trace callback,
 *   the simulator's seed) and the opcodes also decode CPU isolation leases and polling
 *   rings (lease.h, ring.h), appended after the mutex ones: every other input decodes as
 *   it did before. With lease mode and byte 4's pool nibble 14 ("island mode", a spelling of
 *   pool 5 no lease-mode input of the corpus used) a sixth header byte follows (SC pool,
 *   island pool, memory pools, admission) and the opcodes also decode realtime islands
 *   (island.h), appended after the lease ones. With island mode and byte 5's pool nibble 13
 *   ("policy mode", a spelling of pool 4 no island-mode input of the corpus used) a seventh
 *   header byte follows (the queue's slots and timeout, decision records, a notification
 *   endpoint, no queue at boot, the default profile) and the opcodes also decode the policy
 *   queue and decision records (policy.h, explain.h), appended after the island ones.
 *
 * Every operation but "advance the clock" runs as an event on a simulated CPU (sim_post),
 * so sched_arch_cpu_id() is that CPU, kernel protection is modelled around it, and the
 * IPIs and timers it causes are delivered by the simulator afterwards.
 *
 * Checked:
 *   - sched_check() after every simulated event (sim->check_each_step) and after every
 *     operation, plus the simulator's own core-scheduling checks; a failure aborts with
 *     the checker's message (libFuzzer records the input);
 *   - a rejected call changes nothing: before every call that may fail, the library's
 *     state (struct sched_sys, every run queue, every thread including the idle threads,
 *     every group and its per-CPU storage, every authority, the SC pool and every refill
 *     ring) is copied; after an error return it is compared byte by byte, except the
 *     fields listed in excluded_rq/excluded_thread/excluded_sys (lock words and the lock
 *     acquisition counters; the trace ring is not copied). A rejected call must not call
 *     an arch hook or callback with an effect either (timer programming, IPI,
 *     notification);
 *   - a stale reference, an idle thread and an out-of-range argument are refused;
 *   - a successful call did what it says (the state of the threads it moved, the mask or
 *     parameters it set, the figures it read);
 *   - the ledgers: thread figures never go down, group totals are the sums of their
 *     threads', and the threads' runtime is the CPUs' busy time;
 *   - the spin-wait hook dies in the simulator (a lock left held is a deadlock), and the
 *     simulator reports a run of events that never lets time pass (livelock);
 *   - mutex mode: every mutex entry returns 0 or one of the errors its documents give for
 *     the situation; what a success did (who owns, who waits, barrier rounds); after every
 *     event the pool's waiters are BLOCKED and wait on their object, a free mutex has no
 *     waiters, owners are alive, owner chains acyclic and bounded, a barrier's arrivals are
 *     its waiters and fewer than its count, and a thread whose wait ended reads an outcome
 *     docs/mutex.md gives for that wait when it runs, owning its mutex as that says; after
 *     every operation sched_mutex_check() on every thread, and the lending rule (each
 *     owner is lent exactly the priority, weight and SC its waiters' bands lend).
 *   - island mode: every island entry returns 0 or one of the errors island.h gives, its
 *     verdict saying the same; an admission configures, books, routes, marks and (leased)
 *     leases exactly what it was asked, the lease followed like any other; the path rule of
 *     sched_call and sched_island_report refuse exactly when island.h says, a violation
 *     counted against the right island and notified and nothing else changed; after every
 *     operation the islands, pools, island CPUs, server marks and IRQ routing agree and
 *     ended islands' capabilities fail closed.
 *   - policy mode: a model of every request slot, the attachment and the queue's figures
 *     predicts each queue entry's exact result (init, attach, submit, take, serve, deny,
 *     result, expire); a ticket answers at most once; an answer says who answered and the
 *     error (a deny's, -SCHED_ESTALE for a requester gone, the default past the deadline:
 *     PROFILE the default profile, applied, others -SCHED_ETIMEDOUT) and hands back no SC
 *     right beyond SCHED_SC_READ | SCHED_SC_BIND, nothing at all when refused; a served
 *     action did what it says and begins or ends no other lease; the queue, its slots and
 *     the fallback authority are in the snapshot; after every operation the slots are the
 *     model's, none SERVING, and the figures are the model's and add up (submitted = served
 *     + denied + defaulted + in flight); decision records read back filtered and format
 *     within any buffer.
 *
 * Every failure is one "fuzz_api: ..." line on stderr, then abort(). FUZZ_API_TRACE=1 in
 * the environment prints every operation and checked call. Everything allocated for an
 * input is freed before LLVMFuzzerTestOneInput returns.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include <sched/island.h>
#include <sched/explain.h>
#include <sched/policy.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull

#define MAX_OPS 2000
#define MAX_THREADS 24
#define MAX_GROUPS 8
#define MAX_AUTHS 8
#define MAX_TOKENS 16
#define MAX_CAPS 16
#define MAX_OLD_REFS 16
#define MAX_POOL 8
#define SCRATCH_CPUS 16      /* run queues of the scratch system of sched_init calls */
#define MAX_SIM_NS (4 * SEC) /* simulated time per input */
#define EVENT_BUDGET 30000   /* events the clock operations may cause per input: with the
			      * checks after each, about 1 s under ASan for the worst machine */
#define OP_WAIT_STEPS 2000   /* 1 us steps an operation may wait at a kernel entry */
#define MAX_MX 6             /* mutex mode: 0-3 initialised at boot (3 plain), 4-5 not */
#define MAX_CV 3             /* 0-1 initialised at boot, 2 not */
#define MAX_BAR 2            /* 0 (count 2) initialised at boot, 1 not */
#define MX_MODE(h3) (((h3) & 0x70) == 0x70)
#define LEASE_MODE(h3) ((h3) == 0x79) /* implies MX_MODE */
#define MAX_LEASES 8         /* lease mode: slots of the lease pool at most */
#define MAX_LCAPS 16         /* lease capabilities remembered (live, revoked, guessed) */
#define MAX_RINGS 2
#define ISLAND_MODE(h3, h4) (LEASE_MODE(h3) && ((h4) & 15) == 14) /* implies lease mode */
#define MAX_ISLANDS 4        /* island mode: slots of the island pool at most */
#define MAX_ICAPS 8          /* island capabilities remembered */
#define POLICY_MODE(h3, h4, h5) (ISLAND_MODE(h3, h4) && ((h5) & 15) == 13) /* implies island */
#define MAX_PSLOTS 8         /* policy mode: request slots of the queue at most */
#define MAX_PTICKETS 16      /* tickets remembered (taken, collected, of old attachments) */
#define XLOG_LEN 16          /* decision records kept (a small ring: it wraps) */

/* --- the world of one input --------------------------------------------------------------- */

struct fz {
	struct sim *sim;
	const uint8_t *p;
	size_t n, pos;
	unsigned ncpu, smt;
	sched_time_t start;       /* the clock's first instant */
	bool high_clock;          /* start near the top of the range: the simulator's own
				   * clock is not wrap-safe, so no deadline may pass 2^64 - 1 */
	struct sim_thread *th[MAX_THREADS];
	unsigned nth;
	struct sim_thread *caller_of[MAX_THREADS]; /* who called it last (reply targets) */
	struct sched_acct seen[MAX_THREADS];       /* each ledger as last seen: never goes down */
	struct sched_acct departed[MAX_GROUPS + 1];/* per group ([MAX_GROUPS]: sim->all), the
						    * figures of thread lives ended by re-init */
	uint64_t departed_runtime;                 /* the same, over every thread */
	struct sched_ref old[MAX_OLD_REFS];        /* refs taken before an exit or a re-init */
	unsigned nold;
	struct sched_group grp[MAX_GROUPS];
	struct sched_group_cpu *gpcpu[MAX_GROUPS];
	bool grp_live[MAX_GROUPS];
	struct sched_authority auth[MAX_AUTHS];
	struct sched_auth tok[MAX_TOKENS];         /* tok[0] is refreshed to the root token */
	unsigned ntok;
	struct sched_sc *pool;                     /* given to libsched (never before it) */
	unsigned npool;
	struct sched_refill *refill[MAX_POOL];     /* the ring of each pool slot */
	struct sched_rt_task admit[MAX_POOL + 1];  /* admission scratch (sched_sc_admission):
						    * libsched's working memory, never compared */
	struct sched_sc_cap cap[MAX_CAPS];
	unsigned ncap;
	/* scratch storage for sched_init calls outside the machine */
	struct sched_sys *scratch;
	struct sched_rq *scratch_rq;
	/* the operation in flight */
	unsigned op;
	bool op_done;
	/* snapshot */
	unsigned char *snap;
	size_t snap_cap;
	uint64_t snap_seq, snap_notes;
	const char *cur_call;
	uint64_t ops_run;
	bool trace;               /* FUZZ_API_TRACE set: print every checked call */
	bool dump;                /* FUZZ_API_TRACE=2: and every CPU and thread after each op */
	/* mutex mode: the objects (libsched keeps pointers to them: they never move), which
	 * were initialised, and each thread's wait in progress until it runs again */
	bool mx_mode;
	struct sched_mutex mx[MAX_MX];
	struct sched_cond cv[MAX_CV];
	struct sched_barrier bar[MAX_BAR];
	bool mx_ok[MAX_MX], cv_ok[MAX_CV], bar_ok[MAX_BAR];
	struct { uint8_t kind; bool dead; struct sched_mutex *m; } pend[MAX_THREADS];
	/* lease mode: the lease pool (libsched keeps it: it never moves), the capabilities
	 * seen; per CPU the other thread that ran there when its lease (leaving_of) was
	 * granted, until it leaves; the lease_port calls per CPU and direction; the rings
	 * (their entries are the target's: published and consumed), and whether each ring's
	 * consumer parked in a poll and has not run since */
	bool lease_mode;
	struct sched_lease *lpool;
	unsigned nlpool;
	struct sched_lease_cap lcap[MAX_LCAPS];
	unsigned nlcap;
	struct sched_thread *leaving[SCHED_MAX_CPUS];
	const struct sched_lease *leaving_of[SCHED_MAX_CPUS];
	uint64_t port_calls[SCHED_MAX_CPUS][2];
	struct sched_ring ring[MAX_RINGS];
	uint64_t published[MAX_RINGS], consumed[MAX_RINGS], before_submit[MAX_RINGS];
	bool late_submit[MAX_RINGS]; /* the last submission found the ring marked, and no
				      * poll came since: a recheck may have come before it */
	bool parked[MAX_RINGS];
	bool refused[MAX_RINGS];  /* a submit was refused (the consumer could not run) since it
				   * parked: its entries wait for the next submit */
	/* each live lease as granted (its accounting target, since when, its CPUs), and per
	 * group slot the leased CPU time of the leases that ended */
	struct {
		bool live;
		struct sched_thread *thread;   /* the holder thread (its life gen), or */
		uint32_t gen;
		struct sched_group *group;     /* the holder group */
		struct sched_group *target;
		sched_time_t since;
		sched_cpumask_t cpus;
	} lrec[MAX_LEASES];
	uint64_t leased_closed[MAX_GROUPS + 1];
	/* island mode: the island pool and the two memory pools (libsched keeps them: they
	 * never move), whether the pools were declared, the capabilities seen, the calls of the
	 * island_irq hook and where each line (0-7) is routed (1 + CPU), a larger admission
	 * scratch (islands' IRQs count as tasks) */
	bool island_mode, mpools_given;
	struct sched_island *ipool;
	unsigned nipool;
	struct sched_mem_pool mpool[2];
	struct sched_island_cap icap[MAX_ICAPS];
	unsigned nicap;
	uint64_t irq_calls[2];
	unsigned irq_route[8];
	struct sched_rt_task iadmit[MAX_POOL + 1 + 4 * MAX_ISLANDS];
	/* policy mode: the queue and its slots (libsched keeps them: they never move), the
	 * default profile's authority, the decision records; the model of every slot (state,
	 * generation, the ticket its take gave, deadline, submission order, requester and
	 * target), of the attachment and of the figures; the tickets seen and those collected
	 * since the queue was last set up; the requests' memory (island parameters, graphs)
	 * per slot, read when served, and one more for submissions that will be refused */
	bool pol_mode, pol_full_ok, xlog_on;
	struct sched_policy pq;
	struct sched_policy_slot pslot[MAX_PSLOTS];
	unsigned npslots;
	struct sched_authority pfall;
	struct sched_auth pfall_tok;
	struct sched_explain_log xlog;
	struct sched_why xrec[XLOG_LEN];
	struct {
		uint8_t state, kind;
		bool by_default;
		int err;                 /* ANSWERED: the answer's error */
		uint32_t gen;
		struct sched_ticket tk;
		sched_time_t deadline;
		uint64_t order;
		struct sched_ref who, target;
	} pm[MAX_PSLOTS];
	struct sched_ref psvc;
	uint32_t pepoch;
	uint64_t porder, ptimeout;
	struct sched_auth pfallback;
	struct sched_fair_params pdefault;
	struct sched_policy_stats pstat;
	struct sched_ticket ptk[MAX_PTICKETS], pdone[MAX_PTICKETS];
	unsigned nptk, npdone;
	struct {
		struct sched_island_params p;
		struct sched_island_member m[2];
	} pisl[MAX_PSLOTS + 1];
	struct sched_graph pgraph[MAX_PSLOTS + 1];
};

static struct fz *g_fz; /* the input being run (callbacks need it); NULL between inputs */

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static const char *class_name(const struct sched_sys *s, const struct sched_class *c)
{
	return !c ? "-" : c == s->classes[SCHED_SLOT_fair] ? "fair" : c == &sched_edf_class ? "edf" : "?";
}

static int group_slot(struct fz *f, const struct sched_group *g);

/* With FUZZ_API_TRACE: what each CPU and each thread looked like when a check failed. */
static void dump_state(struct fz *f)
{
	struct sim *sim = f->sim;
	struct sched_sys *s = &sim->sys;

	for (unsigned c = 0; c < f->ncpu; c++) {
		const struct sched_rq *rq = &sim->rq[c];

		fprintf(stderr, "  cpu %u: online %u curr %u%s nr_queued %u load %llu need_resched %u "
			"ipi_pending %u timer %llu sc_wait %u forced_idle %u kmode %u lease %d/%u\n", c,
			rq->online, rq->curr ? rq->curr->id : 0, rq->curr && rq->curr->is_idle ?
			" (idle)" : "", rq->nr_queued, (unsigned long long)rq->load,
			rq->need_resched, rq->ipi_pending, (unsigned long long)rq->timer_armed,
			rq->nr_sc_wait, rq->forced_idle, rq->kmode,
			rq->lease ? (int)rq->lease->index : -1, rq->lease_due);
	}
	for (unsigned i = 0; i < f->nlpool; i++)
		if (f->lpool[i].state != SCHED_LEASE_FREE)
			fprintf(stderr, "  lease %u: state %u cpus %llx thread %u group %d\n", i,
				f->lpool[i].state, (unsigned long long)f->lpool[i].cpus.w[0],
				f->lpool[i].thread ? f->lpool[i].thread->id : 0,
				group_slot(f, f->lpool[i].group));
	for (unsigned i = 0; i < f->nth; i++) {
		const struct sched_thread *t = &f->th[i]->st;

		fprintf(stderr, "  thread %u: gen %u state %u cpu %u dst %u on_cpu %u class %s "
			"sc %d own_sc %d donor %u passive %u sc_wait %u sc_fault %u cookie %llu "
			"group %d weight %u timeout %u mx_sc %d waits %p held %u result %d aff %llx "
			"leases %u\n", t->id,
			t->gen, t->state, t->cpu, t->dst_cpu, t->on_cpu, class_name(s, t->on_class),
			t->sc ? (int)t->sc->index : -1, t->own_sc ? (int)t->own_sc->index : -1,
			t->donor ? t->donor->id : 0, t->passive, t->sc_wait, t->sc_fault,
			(unsigned long long)t->cookie, t->group ? (int)t->group->id : -1, t->weight,
			t->timeout_armed, t->mx_sc ? (int)t->mx_sc->index : -1, t->waits_on,
			t->nr_held, t->wait_result, (unsigned long long)t->affinity.w[0], t->nr_leases);
	}
}

/* With FUZZ_API_TRACE: after every simulated event, the instant and what each CPU runs. */
static void trace_event(struct sim *sim, void *arg)
{
	struct fz *f = arg;

	fprintf(stderr, "    event %llu t=%llu cpu %u:", (unsigned long long)sim->events,
		(unsigned long long)sim->now, sim->cur_cpu);
	for (unsigned c = 0; c < f->ncpu; c++)
		fprintf(stderr, " %u%s", sim->rq[c].curr ? sim->rq[c].curr->id : 0,
			sim->rq[c].online ? "" : "(off)");
	fprintf(stderr, "\n");
}

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_api: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (g_fz && g_fz->sim)
		fprintf(stderr, " [t=%llu ns, op #%llu]",
			(unsigned long long)g_fz->sim->now, (unsigned long long)g_fz->ops_run);
	fprintf(stderr, "\n");
	if (g_fz && g_fz->sim && g_fz->trace)
		dump_state(g_fz);
	abort();
}

static void on_violation(struct sim *sim, const char *msg)
{
	(void)sim;
	die("simulator: %s (during %s)", msg, g_fz && g_fz->cur_call ? g_fz->cur_call : "-");
}

/* --- input bytes ----------------------------------------------------------------------------- */

static bool more(const struct fz *f)
{
	return f->pos < f->n;
}

static uint8_t u8(struct fz *f)
{
	return f->pos < f->n ? f->p[f->pos++] : 0;
}

static uint16_t u16(struct fz *f)
{
	uint16_t v = u8(f);

	return (uint16_t)(v | (uint16_t)u8(f) << 8);
}

static uint64_t u64(struct fz *f)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)u8(f) << (8 * i);
	return v;
}

/* --- the snapshot of the library's state ------------------------------------------------------ */

struct field {
	const char *name;
	size_t off, len;
};

#define FLD(T, f) { #f, offsetof(struct T, f), sizeof(((struct T *)0)->f) }

static const struct field thread_fields[] = {
	FLD(sched_thread, lock), FLD(sched_thread, id), FLD(sched_thread, gen),
	FLD(sched_thread, state), FLD(sched_thread, on_cpu), FLD(sched_thread, is_idle),
	FLD(sched_thread, timeout_armed), FLD(sched_thread, wake_pending),
	FLD(sched_thread, permit), FLD(sched_thread, cpu), FLD(sched_thread, dst_cpu),
	FLD(sched_thread, nice), FLD(sched_thread, weight), FLD(sched_thread, affinity),
	FLD(sched_thread, group), FLD(sched_thread, timeout_node), FLD(sched_thread, timeout),
	FLD(sched_thread, exec_start), FLD(sched_thread, runnable_since),
	FLD(sched_thread, woken_at), FLD(sched_thread, last_ran), FLD(sched_thread, wake_lat_max),
	FLD(sched_thread, block_seq), FLD(sched_thread, check_stamp), FLD(sched_thread, cls),
	FLD(sched_thread, slice), FLD(sched_thread, acct), FLD(sched_thread, on_class),
	FLD(sched_thread, sc), FLD(sched_thread, own_sc), FLD(sched_thread, donor),
	FLD(sched_thread, sc_node), FLD(sched_thread, passive), FLD(sched_thread, sc_wait),
	FLD(sched_thread, sc_fault), FLD(sched_thread, core_tag), FLD(sched_thread, cookie),
	FLD(sched_thread, core_node), FLD(sched_thread, core_since),
	FLD(sched_thread, in_core_tree), FLD(sched_thread, rt_own), FLD(sched_thread, lent_rt),
	FLD(sched_thread, weight_own), FLD(sched_thread, lent_weight), FLD(sched_thread, mx_sc),
	FLD(sched_thread, waits_on), FLD(sched_thread, wait_kind), FLD(sched_thread, wait_result),
	FLD(sched_thread, nr_held), FLD(sched_thread, wait_slot), FLD(sched_thread, wait_key),
	FLD(sched_thread, wait_seq), FLD(sched_thread, wait_node), FLD(sched_thread, cond_mx),
	FLD(sched_thread, held), { NULL, 0, 0 }
};

static const struct field rq_fields[] = {
	FLD(sched_rq, lock), FLD(sched_rq, core), FLD(sched_rq, cpu), FLD(sched_rq, online),
	FLD(sched_rq, need_resched), FLD(sched_rq, core_on), FLD(sched_rq, ipi_pending),
	FLD(sched_rq, nr_queued), FLD(sched_rq, migrating_in), FLD(sched_rq, load),
	FLD(sched_rq, curr), FLD(sched_rq, idle), FLD(sched_rq, handoff),
	FLD(sched_rq, switching), FLD(sched_rq, sys), FLD(sched_rq, timer_armed),
	FLD(sched_rq, next_balance), FLD(sched_rq, sleepers), FLD(sched_rq, nr_sleepers),
	FLD(sched_rq, cls), FLD(sched_rq, class_nr), FLD(sched_rq, sc_wait), FLD(sched_rq, nr_sc_wait),
	FLD(sched_rq, core_state), FLD(sched_rq, core_tree), FLD(sched_rq, core_pick),
	FLD(sched_rq, core_pending), FLD(sched_rq, forced_idle), FLD(sched_rq, kmode),
	FLD(sched_rq, running_cookie), FLD(sched_rq, forced_since), FLD(sched_rq, fi_stamp),
	FLD(sched_rq, core_vbase), FLD(sched_rq, lease), FLD(sched_rq, lease_due),
	FLD(sched_rq, lease_back_at), FLD(sched_rq, nohz_reason), FLD(sched_rq, nohz_since),
	FLD(sched_rq, counters), { NULL, 0, 0 }
};

static const struct field sys_fields[] = {
	FLD(sched_sys, nr_cpus), FLD(sched_sys, rq), FLD(sched_sys, topo), FLD(sched_sys, cfg),
	FLD(sched_sys, classes), FLD(sched_sys, online), FLD(sched_sys, root_authority),
	FLD(sched_sys, scs), FLD(sched_sys, nr_scs), FLD(sched_sys, sc_lock),
	FLD(sched_sys, mx_lock), FLD(sched_sys, mx_seq), FLD(sched_sys, lease_lock),
	FLD(sched_sys, leases), FLD(sched_sys, nr_leases), FLD(sched_sys, leased),
	FLD(sched_sys, core_next_cookie), FLD(sched_sys, core_next_stamp),
	FLD(sched_sys, check_epoch), FLD(sched_sys, check_msg), FLD(sched_sys, check_arg),
	{ NULL, 0, 0 }
};

static const struct field sc_fields[] = {
	FLD(sched_sc, gen), FLD(sched_sc, index), FLD(sched_sc, state), FLD(sched_sc, mode),
	FLD(sched_sc, overrun), FLD(sched_sc, depleted), FLD(sched_sc, cap), FLD(sched_sc, head),
	FLD(sched_sc, count), FLD(sched_sc, refill), FLD(sched_sc, budget),
	FLD(sched_sc, period), FLD(sched_sc, rel_deadline), FLD(sched_sc, debt),
	FLD(sched_sc, deadline), FLD(sched_sc, act), FLD(sched_sc, wait_since), FLD(sched_sc, cpus),
	FLD(sched_sc, endpoint), FLD(sched_sc, owner), FLD(sched_sc, bound),
	FLD(sched_sc, holder), FLD(sched_sc, stats), { NULL, 0, 0 }
};

static const struct field mutex_fields[] = {
	FLD(sched_mutex, magic), FLD(sched_mutex, flags), FLD(sched_mutex, owner_died),
	FLD(sched_mutex, owner), FLD(sched_mutex, held_node), FLD(sched_mutex, waiters),
	{ NULL, 0, 0 }
};

static const struct field cond_fields[] = {
	FLD(sched_cond, magic), FLD(sched_cond, waiters), { NULL, 0, 0 }
};

static const struct field barrier_fields[] = {
	FLD(sched_barrier, magic), FLD(sched_barrier, count), FLD(sched_barrier, arrived),
	FLD(sched_barrier, rounds), FLD(sched_barrier, waiters), { NULL, 0, 0 }
};

static const struct field group_fields[] = {
	FLD(sched_group, id), FLD(sched_group, kind), FLD(sched_group, depth),
	FLD(sched_group, parent), FLD(sched_group, nr_threads), FLD(sched_group, acct),
	FLD(sched_group, weight), FLD(sched_group, load), FLD(sched_group, pcpu),
	FLD(sched_group, core_tag), { NULL, 0, 0 }
};

static const struct field gcpu_fields[] = {
	FLD(sched_group_cpu, state),
	{ NULL, 0, 0 }
};

static const struct field auth_fields[] = {
	FLD(sched_authority, gen), FLD(sched_authority, rights), FLD(sched_authority, depth),
	FLD(sched_authority, scope), FLD(sched_authority, cpus), FLD(sched_authority, parent),
	FLD(sched_authority, parent_gen), { NULL, 0, 0 }
};

static const struct field refill_fields[] = { { "ring", 0, (size_t)-1 }, { NULL, 0, 0 } };

static const struct field lease_fields[] = {
	FLD(sched_lease, gen), FLD(sched_lease, index), FLD(sched_lease, state),
	FLD(sched_lease, cause), FLD(sched_lease, cpus),
	FLD(sched_lease, thread), FLD(sched_lease, thread_gen), FLD(sched_lease, group),
	FLD(sched_lease, target), FLD(sched_lease, rec), { NULL, 0, 0 }
};

static const struct field ring_fields[] = {
	FLD(sched_ring, owner), FLD(sched_ring, idle_ns), FLD(sched_ring, last_work),
	FLD(sched_ring, need_wakeup), FLD(sched_ring, claim), FLD(sched_ring, submits),
	FLD(sched_ring, wakeups), FLD(sched_ring, parks), FLD(sched_ring, polls), { NULL, 0, 0 }
};

static const struct field port_fields[] = { { "calls", 0, (size_t)-1 }, { NULL, 0, 0 } };

static const struct field island_fields[] = {
	FLD(sched_island, gen), FLD(sched_island, index), FLD(sched_island, state),
	FLD(sched_island, cpu_mode), FLD(sched_island, overrun), FLD(sched_island, endpoint),
	FLD(sched_island, group), FLD(sched_island, cpus), FLD(sched_island, lease),
	FLD(sched_island, nr_scs), FLD(sched_island, nr_servers), FLD(sched_island, nr_paths),
	FLD(sched_island, nr_irqs), FLD(sched_island, nr_mem), FLD(sched_island, scs),
	FLD(sched_island, servers), FLD(sched_island, paths), FLD(sched_island, irqs),
	FLD(sched_island, mem), FLD(sched_island, violations), { NULL, 0, 0 }
};
static const struct field mempool_fields[] = { { "pools", 0, (size_t)-1 }, { NULL, 0, 0 } };

static const struct field policy_fields[] = {
	FLD(sched_policy, lock), FLD(sched_policy, slots), FLD(sched_policy, nr_slots),
	FLD(sched_policy, service), FLD(sched_policy, epoch), FLD(sched_policy, next_order),
	FLD(sched_policy, cfg), FLD(sched_policy, stats), { NULL, 0, 0 }
};
static const struct field pslot_fields[] = { { "slots", 0, (size_t)-1 }, { NULL, 0, 0 } };

/*
 * What any call may change, failing or not, and so is left out of the comparison:
 *   - the lock words (struct sched_lock): a ticket lock's `next` and `owner` both advance
 *     by one at every acquire/release pair, so any entry that locks changes them;
 *   - rq->counters[SCHED_CNT_LOCK_ACQUIRE] and [SCHED_CNT_LOCK_CONTENDED]: they count
 *     run-queue lock acquisitions (internal.h, sched__rq_lock), which a failing entry may
 *     make while it validates under the lock;
 *   - the trace ring (rq->trace, not copied at all: it is the last field of the run queue).
 * Nothing else: no other field may change on an error return.
 */
struct range {
	size_t off, len;
};

static const struct range excluded_rq[] = {
	{ offsetof(struct sched_rq, lock), sizeof(struct sched_lock) },
	{ offsetof(struct sched_rq, counters) + SCHED_CNT_LOCK_ACQUIRE * sizeof(uint64_t),
	  sizeof(uint64_t) },
	{ offsetof(struct sched_rq, counters) + SCHED_CNT_LOCK_CONTENDED * sizeof(uint64_t),
	  sizeof(uint64_t) },
	{ 0, 0 }
};

static const struct range excluded_thread[] = {
	{ offsetof(struct sched_thread, lock), sizeof(struct sched_lock) }, { 0, 0 }
};

static const struct range excluded_sys[] = {
	{ offsetof(struct sched_sys, sc_lock), sizeof(struct sched_lock) },
	{ offsetof(struct sched_sys, mx_lock), sizeof(struct sched_lock) },
	{ offsetof(struct sched_sys, lease_lock), sizeof(struct sched_lock) }, { 0, 0 }
};

/* A ring's claim word is its lock (taken and released by every registration). */
static const struct range excluded_ring[] = {
	{ offsetof(struct sched_ring, claim), sizeof(uint32_t) }, { 0, 0 }
};

static const struct range excluded_none[] = { { 0, 0 } };

/* The queue's lock word; and, for a submission that may be refused for want of a slot, the
 * count of such refusals (policy.h: "recorded"; checked on its own, pol_checks). */
static const struct range excluded_policy[] = {
	{ offsetof(struct sched_policy, lock), sizeof(struct sched_lock) }, { 0, 0 }
};
static const struct range excluded_policy_full[] = {
	{ offsetof(struct sched_policy, lock), sizeof(struct sched_lock) },
	{ offsetof(struct sched_policy, stats) + offsetof(struct sched_policy_stats, full),
	  sizeof(uint64_t) }, { 0, 0 }
};

struct region {
	const void *ptr;
	size_t len;
	const struct field *fields;
	const struct range *skip;
	const char *label; /* a format with one %u: idx (formatted only for a report) */
	unsigned idx;
};

#define MAX_REGIONS (1 + 2 * SCHED_MAX_CPUS + MAX_THREADS + 2 * (MAX_GROUPS + 1) + \
		     MAX_AUTHS + 2 * MAX_POOL + 1 + SCRATCH_CPUS + MAX_MX + MAX_CV + MAX_BAR + \
		     MAX_LEASES + MAX_RINGS + 1 + MAX_ISLANDS + 3 + 3)

static struct region g_regions[MAX_REGIONS];
static unsigned g_nregions;

static void add_region(const void *ptr, size_t len, const struct field *fields,
		       const struct range *skip, const char *fmt, unsigned idx)
{
	struct region *r;

	if (g_nregions == MAX_REGIONS)
		die("too many snapshot regions");
	r = &g_regions[g_nregions++];
	r->ptr = ptr;
	r->len = len;
	r->fields = fields;
	r->skip = skip;
	r->label = fmt;
	r->idx = idx;
}

/* Every object of the library's state this input has, in a fixed order. */
static void collect_regions(struct fz *f)
{
	struct sim *sim = f->sim;

	g_nregions = 0;
	add_region(&sim->sys, sizeof(sim->sys), sys_fields, excluded_sys, "sys%.0u", 0);
	for (unsigned c = 0; c < f->ncpu; c++) {
		add_region(&sim->rq[c], offsetof(struct sched_rq, trace), rq_fields, excluded_rq,
			   "rq[%u]", c);
		add_region(&sim->cpu[c].idle, sizeof(struct sched_thread), thread_fields,
			   excluded_thread, "idle[%u]", c);
	}
	for (unsigned i = 0; i < f->nth; i++)
		add_region(&f->th[i]->st, sizeof(struct sched_thread), thread_fields,
			   excluded_thread, "thread %u", f->th[i]->id);
	add_region(&sim->all, sizeof(sim->all), group_fields, excluded_none, "group all%.0u", 0);
	for (unsigned g = 0; g < MAX_GROUPS; g++) {
		add_region(&f->grp[g], sizeof(f->grp[g]), group_fields, excluded_none,
			   "group %u", g);
		if (f->gpcpu[g])
			add_region(f->gpcpu[g], f->ncpu * sizeof(struct sched_group_cpu),
				   gcpu_fields, excluded_none, "group %u pcpu", g);
	}
	for (unsigned a = 0; a < MAX_AUTHS; a++)
		add_region(&f->auth[a], sizeof(f->auth[a]), auth_fields, excluded_none,
			   "authority %u", a);
	for (unsigned i = 0; i < f->npool; i++) {
		add_region(&f->pool[i], sizeof(f->pool[i]), sc_fields, excluded_none, "sc[%u]", i);
		if (f->pool[i].state != SCHED_SC_FREE && f->pool[i].refill)
			add_region(f->pool[i].refill, f->pool[i].cap * sizeof(struct sched_refill),
				   refill_fields, excluded_none, "sc[%u] refills", i);
	}
	for (unsigned k = 0; f->mx_mode && k < MAX_MX; k++)
		add_region(&f->mx[k], sizeof(f->mx[k]), mutex_fields, excluded_none, "mutex %u", k);
	for (unsigned k = 0; f->mx_mode && k < MAX_CV; k++)
		add_region(&f->cv[k], sizeof(f->cv[k]), cond_fields, excluded_none, "cond %u", k);
	for (unsigned k = 0; f->mx_mode && k < MAX_BAR; k++)
		add_region(&f->bar[k], sizeof(f->bar[k]), barrier_fields, excluded_none,
			   "barrier %u", k);
	for (unsigned i = 0; i < f->nlpool; i++) /* the whole pool, free slots too */
		add_region(&f->lpool[i], sizeof(struct sched_lease), lease_fields, excluded_none,
			   "lease[%u]", i);
	for (unsigned k = 0; f->lease_mode && k < MAX_RINGS; k++)
		add_region(&f->ring[k], sizeof(f->ring[k]), ring_fields, excluded_ring, "ring %u", k);
	if (f->lease_mode) /* a refused call calls no lease_port hook */
		add_region(f->port_calls, sizeof(f->port_calls), port_fields, excluded_none,
			   "lease_port calls%.0u", 0);
	for (unsigned i = 0; i < f->nipool; i++) /* the whole pool, free slots too */
		add_region(&f->ipool[i], sizeof(struct sched_island), island_fields, excluded_none,
			   "island[%u]", i);
	if (f->island_mode) { /* the bookings, and no island_irq call */
		add_region(f->mpool, sizeof(f->mpool), mempool_fields, excluded_none,
			   "memory pools%.0u", 0);
		add_region(f->irq_calls, sizeof(f->irq_calls), port_fields, excluded_none,
			   "island_irq calls%.0u", 0);
		add_region(f->irq_route, sizeof(f->irq_route), port_fields, excluded_none,
			   "island_irq routing%.0u", 0);
	}
	if (f->pol_mode) { /* the decision records are not copied: a refusal is recorded */
		add_region(&f->pq, sizeof(f->pq), policy_fields,
			   f->pol_full_ok ? excluded_policy_full : excluded_policy, "queue%.0u", 0);
		add_region(f->pslot, sizeof(f->pslot), pslot_fields, excluded_none,
			   "request slots%.0u", 0);
		add_region(&f->pfall, sizeof(f->pfall), auth_fields, excluded_none,
			   "fallback authority%.0u", 0);
	}
	if (f->scratch) {
		add_region(f->scratch, sizeof(*f->scratch), sys_fields, excluded_sys,
			   "scratch sys%.0u", 0);
		for (unsigned c = 0; c < SCRATCH_CPUS; c++)
			add_region(&f->scratch_rq[c], offsetof(struct sched_rq, trace), rq_fields,
				   excluded_rq, "scratch rq[%u]", c);
	}
}

static void snap_take(struct fz *f, const char *call)
{
	size_t total = 0;

	f->cur_call = call;
	collect_regions(f);
	for (unsigned i = 0; i < g_nregions; i++)
		total += g_regions[i].len;
	if (total > f->snap_cap) {
		free(f->snap);
		f->snap = malloc(total);
		if (!f->snap)
			die("out of memory");
		f->snap_cap = total;
	}
	total = 0;
	for (unsigned i = 0; i < g_nregions; i++) {
		memcpy(f->snap + total, g_regions[i].ptr, g_regions[i].len);
		total += g_regions[i].len;
	}
	f->snap_seq = f->sim->seq;
	f->snap_notes = f->sim->notifications;
}

static bool skipped(const struct range *skip, size_t off)
{
	for (; skip->len; skip++)
		if (off >= skip->off && off < skip->off + skip->len)
			return true;
	return false;
}

static void report_diff(const struct region *r, const unsigned char *before, size_t off,
			const char *call, int ret)
{
	const struct field *fl = r->fields;
	const unsigned char *after = r->ptr;
	char name[96], label[48];
	char hb[80] = "", ha[80] = "";
	size_t lo = off, hi = off + 1;

	snprintf(label, sizeof(label), r->label, r->idx);
	snprintf(name, sizeof(name), "+%zu", off);
	for (; fl->name; fl++) {
		if (off >= fl->off && off < fl->off + (fl->len == (size_t)-1 ? r->len : fl->len)) {
			size_t len = fl->len == (size_t)-1 ? r->len : fl->len;

			if (r->fields == rq_fields && !strcmp(fl->name, "counters"))
				snprintf(name, sizeof(name), "counters[%s]",
					 sched_counter_name((unsigned)((off - fl->off) / 8)));
			else
				snprintf(name, sizeof(name), "%s+%zu", fl->name, off - fl->off);
			lo = fl->off;
			hi = fl->off + len;
			break;
		}
	}
	if (hi - lo > 16) { /* show the 8 aligned bytes around the difference */
		lo = off & ~(size_t)7;
		hi = lo + 8 <= r->len ? lo + 8 : r->len;
	}
	for (size_t i = hi; i-- > lo;) {
		snprintf(hb + strlen(hb), sizeof(hb) - strlen(hb), "%02x", before[i]);
		snprintf(ha + strlen(ha), sizeof(ha) - strlen(ha), "%02x", after[i]);
	}
	die("%s changed state: %s returned %s but changed %s.%s (offset %zu): 0x%s -> 0x%s",
	    ret < 0 ? "rejected call" : "read-only call", call, ret < 0 ? sched_strerror(ret) : "ok",
	    label, name, off, hb, ha);
}

/* After an error return: nothing changed. */
static void snap_check(struct fz *f, const char *call, int ret)
{
	size_t base = 0;

	for (unsigned i = 0; i < g_nregions; i++) {
		const struct region *r = &g_regions[i];
		const unsigned char *now = r->ptr, *before = f->snap + base;

		if (memcmp(now, before, r->len)) {
			for (size_t o = 0; o < r->len; o++)
				if (now[o] != before[o] && !skipped(r->skip, o))
					report_diff(r, before, o, call, ret);
		}
		base += r->len;
	}
	if (f->sim->seq != f->snap_seq)
		die("%s changed state: %s returned %s but programmed a timer or sent an IPI",
		    ret < 0 ? "rejected call" : "read-only call", call,
		    ret < 0 ? sched_strerror(ret) : "ok");
	if (f->sim->notifications != f->snap_notes)
		die("%s changed state: %s returned %s but sent a notification",
		    ret < 0 ? "rejected call" : "read-only call", call,
		    ret < 0 ? sched_strerror(ret) : "ok");
}

static int try_done(struct fz *f, const char *name, int r)
{
	if (f->trace)
		fprintf(stderr, "  t=%llu cpu %u: %s = %d%s%s\n", (unsigned long long)f->sim->now,
			f->sim->cur_cpu, name, r, r < 0 ? " " : "", r < 0 ? sched_strerror(r) : "");
	if (r < 0)
		snap_check(f, name, r);
	f->cur_call = NULL;
	return r;
}

/* Run `expr` (an int-returning libsched call) with the rejected-call check around it: the
 * comma operator takes the snapshot before the call's arguments are evaluated. */
#define TRY(f, name, expr) (snap_take((f), (name)), try_done((f), (name), (expr)))

/* The same for an entry whose error `acted` is documented to act (a late serve applies the
 * request's default). */
static int try_done_but(struct fz *f, const char *name, int r, int acted)
{
	if (r != acted)
		return try_done(f, name, r);
	if (f->trace)
		fprintf(stderr, "  t=%llu cpu %u: %s = %d (acted)\n", (unsigned long long)f->sim->now,
			f->sim->cur_cpu, name, r);
	f->cur_call = NULL;
	return r;
}

#define TRY_BUT(f, name, expr, acted) \
	(snap_take((f), (name)), try_done_but((f), (name), (expr), (acted)))

/* A call that only reads (figures, cookies, traces, counters) or is refused for a bad CPU:
 * it changes nothing, whatever it returns. */
static void read_done(struct fz *f, const char *name)
{
	snap_check(f, name, 0);
	f->cur_call = NULL;
}

#define READ_ONLY(f, name, stmt)          \
	do {                              \
		snap_take((f), (name));   \
		stmt;                     \
		read_done((f), (name));   \
	} while (0)

/* --- references and choices -------------------------------------------------------------------- */

enum ref_kind { REF_LIVE, REF_STALE, REF_IDLE, REF_NULL };

struct pref {
	struct sched_ref r;
	enum ref_kind kind;
	struct sim_thread *t; /* REF_LIVE: the thread */
};

static void remember_old(struct fz *f, struct sched_ref r)
{
	f->old[f->nold % MAX_OLD_REFS] = r;
	f->nold++;
}

static bool is_live(const struct sim_thread *t)
{
	return t->st.state != SCHED_EXITED;
}

static struct pref live_ref(struct sim_thread *t)
{
	struct pref p = { sched_ref_of(&t->st), is_live(t) ? REF_LIVE : REF_STALE, t };

	return p;
}

/*
 * A thread reference chosen by the input: a thread by index (mostly), the first thread in
 * a given state, a generation that is not the thread's, a ref from an earlier life, an
 * idle thread, or none.
 */
static struct pref pick_ref(struct fz *f)
{
	static const uint8_t want[4] = { SCHED_BLOCKED, SCHED_RUNNABLE, SCHED_RUNNING, SCHED_NEW };
	uint8_t b = u8(f);
	struct pref p = { { NULL, 0 }, REF_NULL, NULL };
	unsigned mode = b >> 5, i;

	if (mode <= 4 && f->nth) {
		struct sim_thread *t = f->th[(b & 31) % f->nth];

		p = live_ref(t);
		if (mode == 4) { /* a generation that is not its current one */
			p.r.gen += (b & 1) ? 1 : (uint32_t)-1;
			p.kind = REF_STALE;
			p.t = NULL;
		}
		return p;
	}
	if (mode == 5 && f->nold) {
		i = (b & 31) % (f->nold < MAX_OLD_REFS ? f->nold : MAX_OLD_REFS);
		p.r = f->old[i];
		p.kind = REF_STALE;
		return p;
	}
	if (mode == 6) {
		p.r = sched_ref_of(&f->sim->cpu[(b & 31) % f->ncpu].idle);
		p.kind = REF_IDLE;
		return p;
	}
	if (mode == 7 && !(b & 16)) { /* the first thread in a state, from an index on */
		for (i = 0; i < f->nth; i++) {
			struct sim_thread *t = f->th[((b >> 2) + i) % f->nth];

			if (t->st.state == want[b & 3])
				return live_ref(t);
		}
	}
	return p;
}

static struct sim_thread *thread_of(struct fz *f, const struct sched_thread *st)
{
	for (unsigned i = 0; i < f->nth; i++)
		if (&f->th[i]->st == st)
			return f->th[i];
	return NULL;
}

static unsigned index_of(struct fz *f, const struct sim_thread *t)
{
	for (unsigned i = 0; i < f->nth; i++)
		if (f->th[i] == t)
			return i;
	return 0;
}

/* A call that must be refused because of its reference. */
static void must_refuse(const struct pref *p, const char *call, int r)
{
	if (r >= 0 && p->kind == REF_STALE)
		die("%s accepted a stale reference (returned %d)", call, r);
	if (r >= 0 && p->kind == REF_IDLE)
		die("%s accepted an idle thread (returned %d)", call, r);
	if (r >= 0 && p->kind == REF_NULL)
		die("%s accepted a NULL thread (returned %d)", call, r);
}

static void mask_from(struct fz *f, sched_cpumask_t *m)
{
	uint8_t b = u8(f);

	sched_cpumask_clear(m);
	switch (b >> 6) {
	case 0: /* a subset of the CPUs */
	case 1:
		for (unsigned c = 0; c < f->ncpu; c++)
			if (b >> (c % 6) & 1)
				sched_cpumask_set(m, c);
		if (sched_cpumask_empty(m))
			sched_cpumask_set(m, b % f->ncpu);
		break;
	case 2: /* every CPU, or every CPU and some beyond the machine */
		sched_cpumask_fill(m, (b & 1) ? SCHED_MAX_CPUS : f->ncpu);
		break;
	default: /* one CPU, possibly beyond the machine, or none */
		if (b & 32)
			sched_cpumask_set(m, (b & 31) % SCHED_MAX_CPUS);
		break;
	}
}

static struct sched_group *pick_group(struct fz *f, uint8_t b)
{
	unsigned g = b % (MAX_GROUPS + 2);

	if (g == MAX_GROUPS)
		return NULL;
	if (g == MAX_GROUPS + 1)
		return &f->sim->all;
	return f->grp_live[g] ? &f->grp[g] : NULL;
}

static struct sched_auth pick_token(struct fz *f)
{
	uint8_t b = u8(f);
	struct sched_auth a;

	f->tok[0] = sched_auth_root(&f->sim->sys);
	if (b >= 0xf8)
		return (struct sched_auth){ NULL, 0 };
	a = f->tok[b % f->ntok];
	if (b >= 0xe0) /* a stale generation */
		a.gen += (b & 1) ? 1 : (uint32_t)-1;
	return a;
}

static struct sched_sc_cap pick_cap(struct fz *f)
{
	uint8_t b = u8(f);
	struct sched_sc_cap c = { 0, 0, 0 };

	if (f->ncap && b < 0xc0) {
		c = f->cap[b % f->ncap];
	} else {
		c.index = b & 15; /* a guessed capability: any slot, a made-up generation */
		c.gen = (b >> 4) & 3;
		c.rights = SCHED_SC_ALL;
	}
	if ((b & 0xf0) == 0xb0) /* fewer rights */
		c = sched_sc_cap_restrict(c, b & 15);
	return c;
}

static uint64_t slice_choice(uint8_t b)
{
	static const uint64_t v[] = { 0, 0, 100 * US, 99 * US, MS, 3 * MS, 100 * MS, 100 * MS + 1 };

	return v[b & 7];
}

static int nice_choice(uint8_t b)
{
	return b < 200 ? (int)(b % 40) - 20 : (int)(b % 50) - 25; /* mostly legal */
}

/* --- running operations as events on a CPU -------------------------------------------------- */

static void op_event(struct sim *sim, unsigned cpu, void *arg);

static unsigned online_cpu(struct fz *f, uint8_t b)
{
	for (unsigned i = 0; i < f->ncpu; i++) {
		unsigned c = (b + i) % f->ncpu;

		if (f->sim->rq[c].online)
			return c;
	}
	die("no CPU online");
}

static void check_now(struct fz *f, const char *when)
{
	if (sched_check(&f->sim->sys) < 0)
		die("invariant broken %s: %s (%u)", when, f->sim->sys.check_msg,
		    f->sim->sys.check_arg);
}

static int group_slot(struct fz *f, const struct sched_group *g)
{
	if (g == &f->sim->all)
		return MAX_GROUPS;
	if (g >= f->grp && g < f->grp + MAX_GROUPS)
		return (int)(g - f->grp);
	return -1;
}

/*
 * The ledgers: a thread's figures never go down (until its storage is re-initialised);
 * every group's totals equal the sum over the threads in it or below (exited ones and
 * earlier lives of re-initialised storage included); the runtime of all threads equals
 * the busy time of all CPUs.
 */
static void check_ledgers(struct fz *f)
{
	struct sched_acct sum[MAX_GROUPS + 1];
	uint64_t runtime = f->departed_runtime, busy = 0;

	memcpy(sum, f->departed, sizeof(sum));
	for (unsigned i = 0; i < f->nth; i++) {
		const struct sched_thread *t = &f->th[i]->st;

		for (unsigned k = 0; k < SCHED_ACCT_NR; k++) {
			if (t->acct.v[k] < f->seen[i].v[k])
				die("thread %u: figure %u went down from %llu to %llu", f->th[i]->id, k,
				    (unsigned long long)f->seen[i].v[k],
				    (unsigned long long)t->acct.v[k]);
			for (const struct sched_group *g = t->group; g; g = g->parent) {
				int slot = group_slot(f, g);

				if (slot >= 0)
					sum[slot].v[k] += t->acct.v[k];
			}
		}
		f->seen[i] = t->acct;
		runtime += t->acct.v[SCHED_ACCT_RUNTIME];
	}
	/* leased CPU time (groups only): each lease's target and the groups above it were
	 * charged for its CPUs from the grant to the revocation, a live one up to each CPU's
	 * last charge (its current thread's exec_start) */
	for (unsigned g = 0; g <= MAX_GROUPS; g++)
		sum[g].v[SCHED_ACCT_LEASED] = f->leased_closed[g];
	for (unsigned i = 0; i < MAX_LEASES; i++) {
		uint64_t held = 0;

		if (!f->lrec[i].live)
			continue;
		for (unsigned c = 0; c < f->ncpu; c++)
			if (sched_cpumask_test(&f->lrec[i].cpus, c))
				held += f->sim->rq[c].curr->exec_start - f->lrec[i].since;
		for (const struct sched_group *g = f->lrec[i].target; g; g = g->parent)
			if (group_slot(f, g) >= 0)
				sum[group_slot(f, g)].v[SCHED_ACCT_LEASED] += held;
	}
	for (unsigned g = 0; g <= MAX_GROUPS; g++) {
		const struct sched_group *grp = g == MAX_GROUPS ? &f->sim->all : &f->grp[g];

		if (g < MAX_GROUPS && !f->grp_live[g])
			continue;
		for (unsigned k = 0; k < SCHED_ACCT_NR; k++)
			if (grp->acct.v[k] != sum[g].v[k])
				die("group %u: figure %u is %llu, its threads (or leases) add up to %llu", grp->id, k,
				    (unsigned long long)grp->acct.v[k], (unsigned long long)sum[g].v[k]);
	}
	for (unsigned c = 0; c < f->ncpu; c++)
		busy += f->sim->rq[c].counters[SCHED_CNT_BUSY_NS];
	if (busy != runtime)
		die("CPUs were busy %llu ns, threads ran %llu ns", (unsigned long long)busy,
		    (unsigned long long)runtime);
}

/* Between entries every lock is free: taken as often as released, never released twice. */
static void check_lock(const struct sched_lock *l, const char *what, unsigned idx)
{
	if (l->next != l->owner)
		die("lock of %s %u left %s (next %u, owner %u)", what, idx,
		    (int32_t)(l->next - l->owner) > 0 ? "held" : "released too often", l->next,
		    l->owner);
}

static void check_locks(struct fz *f)
{
	check_lock(&f->sim->sys.sc_lock, "sc_lock", 0);
	check_lock(&f->sim->sys.mx_lock, "mx_lock", 0);
	check_lock(&f->sim->sys.lease_lock, "lease_lock", 0);
	for (unsigned c = 0; c < f->ncpu; c++) {
		check_lock(&f->sim->rq[c].lock, "rq", c);
		check_lock(&f->sim->cpu[c].idle.lock, "idle thread", c);
	}
	for (unsigned i = 0; i < f->nth; i++)
		check_lock(&f->th[i]->st.lock, "thread", f->th[i]->id);
}

/* Storage re-initialised: its old ledger leaves the thread but stays in its groups. */
static void note_new_life(struct fz *f, struct sim_thread *t, const struct sched_acct *old,
			  const struct sched_group *old_group)
{
	unsigned i = index_of(f, t);

	for (const struct sched_group *g = old_group; g; g = g->parent) {
		int slot = group_slot(f, g);

		for (unsigned k = 0; slot >= 0 && k < SCHED_ACCT_NR; k++)
			f->departed[slot].v[k] += old->v[k];
	}
	f->departed_runtime += old->v[SCHED_ACCT_RUNTIME];
	f->seen[i] = (struct sched_acct){ { 0 } };
	f->caller_of[i] = NULL;
	f->pend[i].kind = 0; /* W_NONE: a new life waits for nothing */
	f->pend[i].dead = false;
}

static void mx_checks(struct fz *f, bool every_thread);
static void lease_checks(struct fz *f);
static void island_checks(struct fz *f);
struct viol_before {
	struct sched_island *isl;
	uint64_t count, notes, head;
	unsigned cpu;
};
static struct sched_island *isl_refuses(struct fz *f, const struct sched_thread *me,
					struct sched_ref to);
static void viol_take(struct fz *f, struct sched_island *isl, unsigned what,
		      const struct sched_thread *t, struct viol_before *vb, const char *call);
static void viol_done(struct fz *f, const struct viol_before *vb, unsigned what, bool violation,
		      const char *call, int r);
static void stale_lcaps(struct fz *f);
static void ring_checks(struct fz *f);
static void pol_checks(struct fz *f);

/* Post the operation on `cpu` and let the machine run until it has been handled. */
static void run_on(struct fz *f, unsigned cpu, unsigned op)
{
	struct sim *sim = f->sim;

	f->op = op;
	f->op_done = false;
	sim_post(sim, cpu, sim->now, op_event, f);
	sim_run_until(sim, sim->now);
	for (unsigned i = 0; !f->op_done && i < OP_WAIT_STEPS; i++)
		sim_run_until(sim, sim->now + US); /* kernel protection: it waits at its entry */
	if (!f->op_done)
		die("operation %u never ran on cpu %u: the CPU waited %u us at its kernel entry",
		    op, cpu, OP_WAIT_STEPS);
	if (f->dump)
		dump_state(f);
	check_now(f, "after an operation");
	check_locks(f);
	check_ledgers(f);
	mx_checks(f, true);
	lease_checks(f);
	stale_lcaps(f);
	ring_checks(f);
	island_checks(f);
	pol_checks(f);
}

/* Let simulated time pass (in steps, so an input stops advancing once it has spent its
 * event budget or its simulated time; then the clock operations deliver only what is due). */
static void advance(struct fz *f, uint64_t ns)
{
	struct sim *sim = f->sim;
	sched_time_t used = sim->now - f->start, end;

	if (used >= MAX_SIM_NS)
		ns = 0;
	else if (ns > MAX_SIM_NS - used)
		ns = MAX_SIM_NS - used;
	end = sim->now + ns;
	sim_run_until(sim, sim->now);
	while (sim->now < end && sim->events < EVENT_BUDGET)
		sim_run_until(sim, end - sim->now > 100 * US ? sim->now + 100 * US : end);
	check_now(f, "after the clock advanced");
	check_locks(f);
	check_ledgers(f);
	mx_checks(f, true);
	lease_checks(f);
	ring_checks(f);
	island_checks(f);
	pol_checks(f);
}

/* The CPU takes the pick an entry made due, as a kernel does on its way out. */
static void honour(struct fz *f, unsigned cpu)
{
	if (sched_need_resched(&f->sim->sys, cpu))
		sim_resched(f->sim, cpu);
}

/* --- threads ------------------------------------------------------------------------------------ */

static void thread_params(struct fz *f, struct sched_thread_params *p, sched_cpumask_t *mask)
{
	uint8_t b = u8(f), c = u8(f);

	*p = (struct sched_thread_params){ 0 };
	p->nice = nice_choice(u8(f));
	p->idle_weight = (b & 1) != 0;
	p->slice_ns = slice_choice(b >> 1);
	if (b & 16) {
		mask_from(f, mask);
		p->affinity = mask;
	}
	p->group = pick_group(f, c);
	p->passive = (c & 0xe0) == 0xe0;
	if (b & 32) {
		struct pref cr = pick_ref(f);

		p->creator = cr.r;
	}
}

static void op_spawn(struct fz *f, unsigned cpu)
{
	struct sched_thread_params p;
	sched_cpumask_t mask;
	struct sim_thread *t;
	int r;

	thread_params(f, &p, &mask);
	if (f->nth < MAX_THREADS) {
		snap_take(f, "sched_thread_init (new storage)");
		t = sim_thread_new(f->sim, &p); /* runs sched_thread_init as CPU 0 */
		sim_enter(f->sim, cpu);
		if (!t) {
			snap_check(f, "sched_thread_init (new storage)", -SCHED_EINVAL);
			return;
		}
		f->cur_call = NULL;
		f->caller_of[f->nth] = NULL;
		f->th[f->nth++] = t;
		return;
	}
	/* storage is full: re-initialise one (exited: a new life; live: refused) */
	t = f->th[u8(f) % f->nth];
	p.id = t->id;
	{
		struct sched_ref before = sched_ref_of(&t->st);
		struct sched_acct old = t->st.acct;
		struct sched_group *og = t->st.group;

		r = TRY(f, "sched_thread_init (reuse)",
			sched_thread_init(&f->sim->sys, &t->st, &p));
		if (r == 0) {
			remember_old(f, before);
			note_new_life(f, t, &old, og);
		}
	}
}

static void op_reinit(struct fz *f)
{
	struct sched_thread_params p;
	sched_cpumask_t mask;
	struct sim_thread *t;
	struct sched_ref before;
	struct sched_acct old;
	struct sched_group *og;
	uint8_t b = u8(f);
	int r;

	if (!f->nth)
		return;
	t = f->th[b % f->nth];
	thread_params(f, &p, &mask);
	p.id = (b & 0x80) ? t->id : (b & 0x40 ? 0u : 1000u + b); /* ids the simulator ignores too */
	before = sched_ref_of(&t->st);
	old = t->st.acct;
	og = t->st.group;
	r = TRY(f, "sched_thread_init (reuse)", sched_thread_init(&f->sim->sys, &t->st, &p));
	if (r == 0) {
		remember_old(f, before); /* refs into its previous life stay stale */
		note_new_life(f, t, &old, og);
	}
	if (r == 0 && !is_live(t))
		die("sched_thread_init succeeded but the thread is still EXITED");
}

static void op_wake(struct fz *f)
{
	struct pref p = pick_ref(f);
	uint8_t b = u8(f);
	enum sched_wake_reason why = (enum sched_wake_reason)(b < 0xf0 ? b % SCHED_WAKE_NR
							       : SCHED_WAKE_NR + (b & 7));
	int r = TRY(f, "sched_wake", sched_wake(&f->sim->sys, p.r, why));

	must_refuse(&p, "sched_wake", r);
	if (r == 0 && (unsigned)why >= SCHED_WAKE_NR)
		die("sched_wake accepted reason %u", (unsigned)why);
	if (r == 0 && p.t && (p.t->st.state == SCHED_NEW || p.t->st.state == SCHED_BLOCKED ||
			      p.t->st.state == SCHED_EXITED))
		die("sched_wake returned 0 but thread %u is in state %u", p.t->id, p.t->st.state);
}

static unsigned waiters_of(const struct sched_waitq *q, struct sched_thread **out);
static void exit_handed_on(struct fz *f, const struct sim_thread *t, const bool *owned,
			   struct sched_thread *(*order)[MAX_THREADS], const unsigned *nw,
			   const bool *fell);

static void lease_gone(struct fz *f, const struct sched_lease *l, unsigned cause,
		       const char *how);

/* sched_exit of the thread p names, with what it hands on and ends followed. */
static void exit_ref(struct fz *f, struct pref p)
{
	struct sched_thread *order[MAX_MX][MAX_THREADS];
	unsigned nw[MAX_MX];
	bool owned[MAX_MX];
	int r;

	bool held[MAX_LEASES], fell[MAX_THREADS];

	for (unsigned k = 0; k < MAX_MX; k++) { /* mutex mode: who gets its mutexes */
		owned[k] = p.t && f->mx[k].owner == &p.t->st;
		nw[k] = waiters_of(&f->mx[k].waiters, order[k]);
	}
	for (unsigned i = 0; i < f->nth; i++) { /* waiters on an SC the exit takes away */
		const struct sched_thread *w = &f->th[i]->st, *d = w->donor;

		fell[i] = p.t && w->sc && w->sc->bound == &p.t->st;
		for (unsigned n = 0; p.t && d && n < MAX_THREADS; d = d->donor, n++)
			fell[i] |= d == &p.t->st;
	}
	for (unsigned k = 0; k < f->nlpool; k++) /* lease mode: the leases it holds end */
		held[k] = p.t && f->lrec[k].live && f->lrec[k].thread == &p.t->st &&
			  f->lrec[k].gen == p.t->st.gen;
	r = TRY(f, "sched_exit", sched_exit(&f->sim->sys, p.r));
	must_refuse(&p, "sched_exit", r);
	if (r == 0) {
		remember_old(f, p.r);
		if (p.t && is_live(p.t))
			die("sched_exit returned 0 but the thread is not EXITED");
		if (p.t && f->mx_mode)
			exit_handed_on(f, p.t, owned, order, nw, fell);
		for (unsigned k = 0; k < f->nlpool; k++)
			if (held[k])
				lease_gone(f, &f->lpool[k], SCHED_LEASE_HOLDER_EXIT, "the holder's exit");
	}
}

static void op_exit(struct fz *f)
{
	exit_ref(f, pick_ref(f));
}

static void op_affinity(struct fz *f)
{
	struct pref p = pick_ref(f);
	sched_cpumask_t m;
	uint8_t b = u8(f);
	int r;

	mask_from(f, &m);
	r = TRY(f, "sched_set_affinity",
		sched_set_affinity(&f->sim->sys, p.r, (b & 0xf0) == 0xf0 ? NULL : &m));
	must_refuse(&p, "sched_set_affinity", r);
	if (r == 0 && p.t && memcmp(&p.t->st.affinity, &m, sizeof(m)))
		die("sched_set_affinity returned 0 but the mask is not the one given");
}

static void op_stats(struct fz *f)
{
	struct pref p = pick_ref(f);
	struct sched_acct a;
	uint8_t b = u8(f);
	int r = TRY(f, "sched_thread_stats",
		    sched_thread_stats(&f->sim->sys, p.r, (b & 0xf0) == 0xf0 ? NULL : &a));

	if (r >= 0)
		read_done(f, "sched_thread_stats");
	if (r >= 0 && (p.kind == REF_STALE || p.kind == REF_NULL))
		die("sched_thread_stats accepted a %s reference",
		    p.kind == REF_STALE ? "stale" : "NULL");
	if (r == 0 && p.t) { /* the ledger, with the run in progress of a current thread */
		const struct sched_thread *t = &p.t->st;
		struct sched_acct want = t->acct;

		if (t->state != SCHED_NEW && t->state != SCHED_BLOCKED &&
		    f->sim->rq[t->cpu].curr == t)
			want.v[SCHED_ACCT_RUNTIME] += f->sim->now - t->exec_start;
		for (unsigned k = 0; k < SCHED_ACCT_NR; k++)
			if (a.v[k] != want.v[k])
				die("sched_thread_stats: figure %u of thread %u is %llu, expected %llu",
				    k, p.t->id, (unsigned long long)a.v[k],
				    (unsigned long long)want.v[k]);
	}
}

/* --- on the CPU -------------------------------------------------------------------------------- */

static sched_time_t deadline_choice(struct fz *f)
{
	sched_time_t now = f->sim->now, d;
	uint8_t b = u8(f);
	uint64_t x;

	switch (b % 20) {
	case 0: d = now; break;
	case 1: d = now - 1 - (b >> 5); break;                 /* just past */
	case 2: d = now - 10 * MS; break;                      /* past */
	case 3: d = now + (b >> 5) * 100 * US + 1; break;      /* near */
	case 4: d = now + (uint64_t)(b >> 5) * 10 * MS; break; /* later */
	case 5: d = now + 2 * SEC; break;
	case 6: d = now + (1ull << 40); break;                 /* far future */
	case 7: d = SCHED_TIME_NEVER - 1 - (b >> 5); break;    /* near the wrap */
	case 8: d = SCHED_TIME_NEVER; break;                   /* illegal */
	case 9: d = now + (1ull << 63) - 1; break;             /* past the horizon */
	case 10: d = now + (1ull << 63); break;                /* 2^63 apart */
	case 11: d = now + (1ull << 63) + 1; break;
	case 12: d = (b >> 5) & 1 ? 0 : 1; break;
	case 13: x = u64(f); d = x; break;
	case 14: d = now + u16(f) * US; break;
	case 15: d = now + SCHED_TIME_HORIZON_NS - 1 + (b >> 5 & 1); break; /* at the horizon */
	case 16: d = now - SCHED_TIME_HORIZON_NS + 1 - (b >> 5 & 1); break;
	case 17: d = now + SCHED_TIME_HORIZON_NS / 2; break;
	default: d = now + (uint64_t)u8(f) * MS; break;
	}
	/*
	 * The simulator orders instants as unsigned numbers (its event queue, and "a timer in
	 * the past fires at once"), libsched by signed differences (wrap-safe). For a legal
	 * deadline (within SCHED_TIME_HORIZON_NS of now) they disagree only when it wraps, and
	 * the simulator would then fire the timer long after libsched expects it:
	 *   - ahead for libsched but numerically below now (past 2^64 - 1, with the clock
	 *     started near the top): moved to the last instant before SCHED_TIME_NEVER;
	 *   - behind for libsched but numerically above now (below 0, with the clock started
	 *     near 0): moved to just before now.
	 * Deadlines outside the horizon are kept: libsched must refuse them.
	 */
	if (d != SCHED_TIME_NEVER && sched_time_in_horizon(d, now)) {
		if (d < now && !sched_time_before(d, now))
			d = SCHED_TIME_NEVER - 1;
		else if (d > now && sched_time_before(d, now))
			d = now ? now - 1 : now;
	}
	return d;
}

static void apply_next(struct fz *f, unsigned cpu, struct sched_thread *next)
{
	(void)f;
	sim_switch(f->sim, cpu, next);
}

static void op_block(struct fz *f, unsigned cpu, unsigned which)
{
	struct sched_sys *s = &f->sim->sys;
	struct sched_thread *next = NULL;
	uint8_t b = u8(f);
	struct sched_thread **np = (b & 0xf0) == 0xf0 ? NULL : &next;
	unsigned c = (b & 0xe0) == 0xe0 && (b & 0x10) == 0 ? f->ncpu + (b & 7) : cpu;
	sched_time_t d = 0;
	const char *name = which == 0 ? "sched_block" : which == 1 ? "sched_sleep_until"
			 : which == 2 ? "sched_park" : "sched_yield_cpu";
	struct sched_thread *me = f->sim->rq[cpu].curr;
	int r;

	if (which == 1)
		d = deadline_choice(f);
	switch (which) {
	case 0: r = TRY(f, name, sched_block(s, c, np)); break;
	case 1: r = TRY(f, name, sched_sleep_until(s, c, d, np)); break;
	case 2: r = TRY(f, name, sched_park(s, c, np)); break;
	default: r = TRY(f, name, sched_yield_cpu(s, c, np)); break;
	}
	if (r == 0 && (c != cpu || !np))
		die("%s accepted cpu %u / next %p", name, c, (void *)np);
	if (r == 0 && which == 1 && (d == SCHED_TIME_NEVER || !sched_time_in_horizon(d, f->sim->now)))
		die("sched_sleep_until accepted deadline %llu at now %llu (outside the horizon or "
		    "SCHED_TIME_NEVER)", (unsigned long long)d, (unsigned long long)f->sim->now);
	if (r == 0 && me->is_idle)
		die("%s succeeded on an idle CPU", name);
	if (r == 0) {
		uint8_t st = me->state;

		if (!next)
			die("%s returned no thread to run", name);
		if (which == 3 ? st == SCHED_BLOCKED || st == SCHED_NEW
			       : st != SCHED_BLOCKED && st != SCHED_EXITED && !(which == 2 && next == me))
			die("%s returned 0 but the thread it ran is in state %u", name, st);
		if (which == 1 && st == SCHED_BLOCKED && !me->timeout_armed)
			die("sched_sleep_until returned 0 but no timeout is armed");
		apply_next(f, cpu, next);
	}
}

/*
 * The target of a handoff, by the low bits of a byte: 0, the first blocked or new thread
 * from an index on; 1, the first new one (a fresh server: chains grow); 2, for a reply the
 * thread that called the current one, else as 0; 3, any reference.
 */
static struct pref handoff_target(struct fz *f, unsigned cpu, bool reply)
{
	uint8_t b = u8(f);
	struct sim_thread *me = thread_of(f, f->sim->rq[cpu].curr);

	if (reply && me && (b & 3) == 2 && f->caller_of[index_of(f, me)])
		return live_ref(f->caller_of[index_of(f, me)]);
	if ((b & 3) == 1) {
		for (unsigned i = 0; i < f->nth; i++) {
			struct sim_thread *t = f->th[(b / 4 + i) % f->nth];

			if (t->st.state == SCHED_NEW)
				return live_ref(t);
		}
	}
	if ((b & 3) != 3) {
		for (unsigned i = 0; i < f->nth; i++) {
			struct sim_thread *t = f->th[(b / 4 + i) % f->nth];

			if (t->st.state == SCHED_BLOCKED || t->st.state == SCHED_NEW)
				return live_ref(t);
		}
	}
	return pick_ref(f);
}

static void op_handoff(struct fz *f, unsigned cpu, bool reply)
{
	struct sched_sys *s = &f->sim->sys;
	struct sched_thread *next = NULL;
	const char *name = reply ? "sched_reply" : "sched_call";
	struct sim_thread *me;
	struct pref p;
	int r;

	/*
	 * sched_call and sched_reply charge the current thread (a charge point of the call
	 * contract) before they validate the SC part of the handoff. A charge only brings the
	 * accounting up to the clock; so that the comparison after a rejected call stays exact
	 * rather than excluding everything a charge touches, the charge is made empty: a timer
	 * interrupt at this very instant (an operation a kernel may see at any time) charges
	 * the current thread up to now first.
	 */
	if (s->rq[cpu].curr->exec_start != f->sim->now && sched_timer(s, cpu))
		sim_resched(f->sim, cpu);
	me = thread_of(f, s->rq[cpu].curr);
	p = handoff_target(f, cpu, reply);
	if (f->island_mode && !reply) { /* the path rule may refuse it, counting a violation */
		struct sched_island *isl = isl_refuses(f, s->rq[cpu].curr, p.r);
		struct viol_before vb;

		viol_take(f, isl, SCHED_ISLAND_V_CALL, s->rq[cpu].curr, &vb, name);
		r = sched_call(s, cpu, p.r, &next);
		if (isl && r != -SCHED_EPATH)
			die("sched_call to %u returned %d where island %u's path rule refuses it",
			    p.r.t ? p.r.t->id : 0, r, isl->index);
		viol_done(f, &vb, SCHED_ISLAND_V_CALL, r == -SCHED_EPATH, name, r);
	} else {
		r = reply ? TRY(f, name, sched_reply(s, cpu, p.r, &next))
			  : TRY(f, name, sched_call(s, cpu, p.r, &next));
	}
	must_refuse(&p, name, r);
	if (r == 0) {
		if (!me)
			die("%s succeeded on an idle CPU", name);
		if (!reply && p.t)
			f->caller_of[index_of(f, p.t)] = me;
		if (reply)
			f->caller_of[index_of(f, me)] = NULL;
		apply_next(f, cpu, next);
	}
}

/*
 * A run of calls (or replies) from this CPU: each handoff runs its target here next, which
 * then makes the next one, so donation chains grow past SCHED_DONATION_DEPTH_MAX and
 * unwind again.
 */
static void op_chain(struct fz *f, unsigned cpu)
{
	uint8_t b = u8(f);
	unsigned n = 1 + (b & 15);

	for (unsigned i = 0; i < n && more(f); i++) {
		op_handoff(f, cpu, (b & 0x80) != 0);
		check_now(f, "in a chain of handoffs");
		honour(f, cpu);
	}
}

static void op_unpark(struct fz *f)
{
	struct pref p = pick_ref(f);
	int r = TRY(f, "sched_unpark", sched_unpark(&f->sim->sys, p.r));

	must_refuse(&p, "sched_unpark", r);
}

/* --- hotplug --------------------------------------------------------------------------------- */

static void op_offline(struct fz *f)
{
	uint8_t b = u8(f);
	unsigned c = b < 0xf0 ? b % f->ncpu : f->ncpu + (b & 15), general = 0;
	bool leased = c < f->ncpu && f->sim->rq[c].lease, last;
	int r;

	for (unsigned k = 0; k < f->ncpu; k++) /* where the port's IRQs may go: no shared island */
		general += f->sim->rq[k].online && !f->sim->rq[k].lease && !f->sim->rq[k].isl_shared;
	last = c < f->ncpu && f->sim->rq[c].online && !leased && !f->sim->rq[c].isl_shared &&
	       general == 1;
	r = TRY(f, "sched_cpu_offline", sched_cpu_offline(&f->sim->sys, c));
	if (r == 0 && c >= f->ncpu)
		die("sched_cpu_offline accepted cpu %u", c);
	/* a leased CPU and the last online CPU no lease or shared island holds stay online */
	if ((leased && r != -SCHED_ELEASED && r != -SCHED_EUNSCHED && r != -SCHED_ECPU) ||
	    (r == -SCHED_ELEASED && !leased))
		die("sched_cpu_offline of cpu %u (leased %u) returned %d", c, leased, r);
	if ((last && r != -SCHED_EHOUSEKEEPING && r != -SCHED_ELAST_CPU && r != -SCHED_EUNSCHED) ||
	    (r == -SCHED_EHOUSEKEEPING && !last))
		die("sched_cpu_offline of cpu %u (the last housekeeping CPU: %u) returned %d", c, last, r);
}

/* Runs on the offline CPU itself: sched_cpu_online is called there. */
static void op_online(struct fz *f, unsigned cpu, uint8_t b)
{
	struct sched_sys *s = &f->sim->sys;
	struct sched_thread *idle = &f->sim->cpu[cpu].idle;
	int r;

	if ((b & 0x30) == 0x30) /* another idle thread than its own: refused */
		idle = &f->sim->cpu[(cpu + 1) % f->ncpu].idle;
	if ((b & 0x30) == 0x20)
		idle = NULL;
	r = TRY(f, "sched_cpu_online", sched_cpu_online(s, cpu, idle));
	if (r == 0 && idle != &f->sim->cpu[cpu].idle)
		die("sched_cpu_online accepted a foreign idle thread");
	if (r == 0)
		sim_resched(f->sim, cpu);
}

/* --- groups and authority ---------------------------------------------------------------------- */

static void op_group(struct fz *f)
{
	uint8_t b = u8(f), c = u8(f), w = u8(f);
	unsigned g = b % MAX_GROUPS;
	struct sched_group_params p = { 0 };
	int r;

	if (f->grp_live[g]) /* a live group's storage is never initialised again */
		return;
	p.id = 100 + g;
	p.kind = (enum sched_group_kind)(c < 0xf0 ? c % 3 : 3 + (c & 7));
	p.parent = pick_group(f, b >> 3);
	p.weight = w < 0xf0 ? (uint32_t)w * 97 : (w & 1 ? 1 : (1u << 20) + 1);
	if (c & 0x40) {
		if (!f->gpcpu[g]) {
			f->gpcpu[g] = calloc(f->ncpu, sizeof(struct sched_group_cpu));
			if (!f->gpcpu[g])
				die("out of memory");
		}
		p.pcpu = f->gpcpu[g];
	}
	r = TRY(f, "sched_group_init", sched_group_init(&f->sim->sys, &f->grp[g], &p));
	if (r == 0)
		f->grp_live[g] = true;
}

/* Is `slot` the authority of token `t` or one it derives from? (a cycle if re-derived) */
static bool in_chain(const struct sched_authority *slot, const struct sched_authority *a)
{
	for (unsigned d = 0; a && d < 64; d++, a = a->parent)
		if (a == slot)
			return true;
	return false;
}

static void op_derive(struct fz *f)
{
	uint8_t b = u8(f), rights = u8(f), sc = u8(f);
	struct sched_auth parent = pick_token(f);
	struct sched_authority *slot = &f->auth[b % MAX_AUTHS];
	sched_cpumask_t m;
	int r;

	mask_from(f, &m);
	if (in_chain(slot, parent.a))
		return;
	r = TRY(f, "sched_auth_derive",
		sched_auth_derive((b & 0xf0) == 0xf0 ? NULL : slot, parent,
				  rights < 0xf0 ? rights & SCHED_RIGHT_ALL : rights,
				  pick_group(f, sc), (sc & 0x80) ? &m : NULL));
	if (r == 0 && f->ntok < MAX_TOKENS)
		f->tok[f->ntok++] = (struct sched_auth){ slot, slot->gen };
	else if (r == 0)
		f->tok[1 + b % (MAX_TOKENS - 1)] = (struct sched_auth){ slot, slot->gen };
}

static void op_revoke_auth(struct fz *f)
{
	uint8_t b = u8(f);
	struct sched_auth t = pick_token(f);
	int r;

	if (t.a == &f->sim->sys.root_authority && b < 0xf0)
		return; /* revoking the root token is rare: it cuts every derived one */
	r = TRY(f, "sched_auth_revoke", sched_auth_revoke(t));
	if (r == 0 && !t.a)
		die("sched_auth_revoke accepted a NULL authority");
}

/* A fixed priority (FIFO, RR, none, or an invalid policy or level) for any ref. */
static void op_set_rt(struct fz *f, struct sched_auth a, struct pref p, uint8_t b)
{
	uint8_t c = u8(f);
	struct sched_rt_params rp = { .policy = (uint8_t)(c % 4), .prio = (uint8_t)(c / 4 % 101) };
	bool valid = rp.policy == SCHED_RT_NONE ? rp.prio == 0
						: rp.policy <= SCHED_RT_RR && rp.prio >= 1 && rp.prio <= 99;
	int r = TRY(f, "sched_set_rt",
		    sched_set_rt(&f->sim->sys, a, p.r, (b & 0x0f) == 0x0f ? NULL : &rp));

	must_refuse(&p, "sched_set_rt", r);
	if (r == 0 && (!valid || (p.t && p.t->st.rt_prio != rp.prio)))
		die("sched_set_rt returned 0 for policy %u prio %u (thread at %u)", rp.policy,
		    rp.prio, p.t ? p.t->st.rt_prio : 0);
}

static void op_set_fair(struct fz *f)
{
	struct sched_auth a = pick_token(f);
	struct pref p = pick_ref(f);
	uint8_t b = u8(f);
	struct sched_fair_params fp = { .nice = nice_choice(u8(f)), .idle_weight = b & 1,
					.slice_ns = slice_choice(b >> 1) };
	int r;

	if ((b & 0xf0) == 0xe0) { /* one in 16: a fixed priority instead */
		op_set_rt(f, a, p, b);
		return;
	}
	r = TRY(f, "sched_set_fair", sched_set_fair(&f->sim->sys, a, p.r,
						     (b & 0xf0) == 0xf0 ? NULL : &fp));

	must_refuse(&p, "sched_set_fair", r);
	if (r == 0 && p.t && (p.t->st.nice != fp.nice ||
			      p.t->st.slice != (fp.slice_ns ? fp.slice_ns : f->sim->sys.cfg.base_slice_ns)))
		die("sched_set_fair returned 0 but thread %u has nice %d slice %llu", p.t->id,
		    p.t->st.nice, (unsigned long long)p.t->st.slice);
}

/* --- SchedulingContexts ------------------------------------------------------------------------- */

static void give_pool(struct fz *f, unsigned n)
{
	struct sched_sc *pool;
	int r;

	if (n > MAX_POOL)
		n = MAX_POOL;
	pool = n ? calloc(n, sizeof(*pool)) : NULL;
	if (n && !pool)
		die("out of memory");
	r = TRY(f, "sched_sc_pool", sched_sc_pool(&f->sim->sys, pool, n));
	if (r == 0) {
		f->pool = pool;
		f->npool = n;
	} else {
		free(pool);
	}
	if (n % 3 == 1) /* admission on (or refused: a short scratch, a bad fit, too late) */
		TRY(f, "sched_sc_admission",
		    sched_sc_admission(&f->sim->sys, pick_token(f), f->admit, n + 1 - (n % 2),
				       n % 4));
}

/* An SC made: its refill ring kept with its slot, its capability remembered. */
static void sc_made(struct fz *f, struct sched_sc_cap cap, struct sched_refill *ring, uint8_t b)
{
	free(f->refill[cap.index]); /* the slot was free: its old ring is unused */
	f->refill[cap.index] = ring;
	if (f->ncap < MAX_CAPS)
		f->cap[f->ncap++] = cap;
	else
		f->cap[b % MAX_CAPS] = cap;
}

static void op_sc_create(struct fz *f)
{
	static const unsigned nr[] = { 1, 2, 3, 4, 8, 64, SCHED_SC_REFILLS_MAX, 0,
				       SCHED_SC_REFILLS_MAX + 1, 2 };
	uint8_t b = u8(f);
	unsigned n = nr[b % 10];
	struct sched_refill *ring = calloc(n ? n : 1, sizeof(*ring));
	struct sched_sc_cap cap;
	int r;

	if (!ring)
		die("out of memory");
	r = TRY(f, "sched_sc_create",
		sched_sc_create(&f->sim->sys, pick_group(f, u8(f)), (b & 0xf0) == 0xf0 ? NULL : ring,
				n, (b & 0xf0) == 0xe0 ? NULL : &cap));
	if (r < 0) {
		free(ring);
		return;
	}
	if (cap.index >= f->npool)
		die("sched_sc_create gave slot %u of %u", cap.index, f->npool);
	sc_made(f, cap, ring, b);
}

static void op_sc_configure(struct fz *f)
{
	static const uint64_t budget[] = { 0, 5 * US, 10 * US, 100 * US, MS, 3 * MS, 10 * MS, 50 * MS };
	static const uint64_t period[] = { 0, 100 * US, MS, 10 * MS, 20 * MS, 100 * MS,
					   SCHED_SC_PERIOD_MAX_NS, SCHED_SC_PERIOD_MAX_NS + 1 };
	struct sched_auth a = pick_token(f);
	struct sched_sc_cap cap = pick_cap(f);
	uint8_t b = u8(f), c = u8(f), d = u8(f);
	struct sched_sc_params p = { 0 };
	struct sched_sc_verdict v = { 0 };
	int r;

	p.period_ns = period[b & 7];
	p.budget_ns = (b & 0x80) ? p.period_ns : budget[(b >> 3) & 7]; /* budget == period: RR */
	switch (c & 3) {
	case 0: p.deadline_ns = 0; break;
	case 1: p.deadline_ns = p.budget_ns; break;
	case 2: p.deadline_ns = (p.budget_ns + p.period_ns) / 2; break;
	default: p.deadline_ns = (c & 4) ? p.period_ns + 1 : p.budget_ns - 1; break;
	}
	mask_from(f, &p.cpus);
	p.endpoint = (c & 8) ? 0 : 7000 + (c >> 4);
	p.mode = (uint8_t)(d < 0xf0 ? d % 2 : 2 + (d & 3));
	p.overrun = (uint8_t)(d < 0xf0 ? (d >> 1) % 3 : 3 + (d & 3));
	if (f->trace)
		fprintf(stderr, "  configure sc %u: budget %llu period %llu deadline %llu cpus %llx "
			"mode %u overrun %u endpoint %u\n", cap.index,
			(unsigned long long)p.budget_ns, (unsigned long long)p.period_ns,
			(unsigned long long)p.deadline_ns, (unsigned long long)p.cpus.w[0], p.mode,
			p.overrun, p.endpoint);
	p.dispatch = (uint8_t)((d >> 4) & 3); /* 2, 3: invalid */
	r = TRY(f, "sched_sc_configure",
		sched_sc_configure_verdict(&f->sim->sys, a, cap, (c & 0xf0) == 0xf0 ? NULL : &p, &v));
	if (r == 0 && (p.mode > SCHED_SC_CBS || p.overrun > SCHED_SC_NOTIFY_BLOCK ||
		       p.dispatch > SCHED_SC_PARTITIONED))
		die("sched_sc_configure accepted mode %u overrun %u dispatch %u", p.mode, p.overrun,
		    p.dispatch);
	if (r == 0 && p.dispatch == SCHED_SC_PARTITIONED && !sched_cpumask_test(&p.cpus, v.cpu))
		die("sched_sc_configure put a partitioned SC on cpu %u, outside its set", v.cpu);
	if (r == -SCHED_EUNSCHED && (v.accepted || !f->sim->sys.admit_tasks))
		die("sched_sc_configure refused an SC as unschedulable without admission saying so");
}

static void op_sc(struct fz *f, unsigned which)
{
	struct sched_sys *s = &f->sim->sys;
	struct sched_sc_cap cap = pick_cap(f);
	struct sched_sc_stats st;
	struct pref p;
	int r;

	switch (which) {
	case 0:
		p = pick_ref(f);
		r = TRY(f, "sched_sc_bind", sched_sc_bind(s, cap, p.r));
		must_refuse(&p, "sched_sc_bind", r);
		if (r == 0 && p.t && p.t->st.own_sc != &f->pool[cap.index])
			die("sched_sc_bind returned 0 but thread %u does not own SC %u", p.t->id,
			    cap.index);
		break;
	case 1:
		TRY(f, "sched_sc_unbind", sched_sc_unbind(s, cap));
		break;
	case 2:
		TRY(f, "sched_sc_revoke", sched_sc_revoke(s, cap));
		break;
	case 3: {
		struct sched_auth a = pick_token(f);
		uint8_t b = u8(f);

		TRY(f, "sched_sc_revoke_owned",
		    sched_sc_revoke_owned(s, a, (b & 0xf0) == 0xf0 ? NULL : pick_group(f, b)));
		break;
	}
	default:
		r = (u8(f) & 0xf0) == 0xf0;
		r = TRY(f, "sched_sc_stats", sched_sc_stats(s, cap, r ? NULL : &st));
		if (r >= 0)
			read_done(f, "sched_sc_stats");
		break;
	}
}

/* --- core scheduling ------------------------------------------------------------------------------ */

static void op_core(struct fz *f, unsigned which)
{
	struct sched_sys *s = &f->sim->sys;
	struct sched_auth a = pick_token(f);
	struct pref p = pick_ref(f), from;
	uint8_t b = u8(f);
	enum sched_core_scope scope = (enum sched_core_scope)(b < 0xf0 ? b % 3 : 3 + (b & 7));
	sched_cookie_t ck = 0;
	int r;

	switch (which) {
	case 0:
		r = TRY(f, "sched_core_create", sched_core_create(s, a, p.r, scope));
		must_refuse(&p, "sched_core_create", r);
		break;
	case 1:
		from = pick_ref(f);
		r = TRY(f, "sched_core_share", sched_core_share(s, a, from.r, p.r, scope));
		must_refuse(&p, "sched_core_share", r);
		must_refuse(&from, "sched_core_share (from)", r);
		break;
	case 2:
		r = TRY(f, "sched_core_clear", sched_core_clear(s, a, p.r, scope));
		must_refuse(&p, "sched_core_clear", r);
		break;
	default:
		r = TRY(f, "sched_core_get", sched_core_get(s, p.r, (b & 0xf0) == 0xf0 ? NULL : &ck));
		if (r >= 0)
			read_done(f, "sched_core_get");
		must_refuse(&p, "sched_core_get", r);
		if (r == 0 && !s->cfg.core_sched)
			die("sched_core_get succeeded without core scheduling");
		break;
	}
	if (r == 0 && which < 3 && !s->cfg.core_sched)
		die("core cookie call succeeded without core scheduling");
	if (r == 0 && which < 3 && (unsigned)scope > SCHED_CORE_SESSION)
		die("core cookie call accepted scope %u", (unsigned)scope);
}

/* Kernel protection hooks (core.h), called the way the contract allows. */
static void op_protect(struct fz *f, unsigned cpu)
{
	struct sched_sys *s = &f->sim->sys;
	uint8_t b = u8(f);
	unsigned other = (b >> 2) % f->ncpu, bad = f->ncpu + (b >> 5);
	int r;

	switch (b & 3) {
	case 0:
		/* inside an event the CPU is already in the kernel (when protection is on):
		 * entering again is the same state; siblings exposed now get kicked */
		r = sched_core_enter_kernel(s, cpu);
		if (r < 0)
			die("sched_core_enter_kernel(%u) = %d", cpu, r);
		(void)sched_core_kernel_safe(s, cpu);
		break;
	case 1:
		READ_ONLY(f, "sched_core_kernel_safe", {
			(void)sched_core_kernel_safe(s, other);
			(void)sched_core_kernel_safe(s, bad);
			(void)sched_core_kernel_safe(NULL, cpu);
		});
		break;
	case 2:
		r = TRY(f, "sched_core_enter_kernel", sched_core_enter_kernel(s, bad));
		if (r >= 0)
			die("sched_core_enter_kernel accepted cpu %u", bad);
		r = TRY(f, "sched_core_exit_kernel", sched_core_exit_kernel(s, bad));
		if (r >= 0)
			die("sched_core_exit_kernel accepted cpu %u", bad);
		break;
	default:
		/* without protection both are no-ops that may be called anywhere; with it, a
		 * return to user mode is the simulator's own step at the end of the event */
		if (!s->cfg.core_protect) {
			if (sched_core_enter_kernel(s, cpu) != 0 || sched_core_exit_kernel(s, cpu) != 0)
				die("kernel protection hooks did something with protection off");
		}
		break;
	}
}

/* --- observability, and calls that must be refused ------------------------------------------------ */

static void op_observe(struct fz *f, unsigned cpu)
{
	struct sched_sys *s = &f->sim->sys;
	struct sched_trace_event ev[SCHED_TRACE_LEN + 1];
	uint8_t b = u8(f), c = u8(f);
	unsigned tc = b % (f->ncpu + 2), n, max = c < 0xf0 ? c : (c & 1 ? SCHED_TRACE_LEN + 1 : 0);

	snap_take(f, "observability calls");
	for (unsigned k = 0; k < SCHED_CNT_NR + 2; k++)
		if (sched_cpu_counter(s, tc, k) && (tc >= f->ncpu || k >= SCHED_CNT_NR))
			die("sched_cpu_counter(%u, %u) is not 0", tc, k);
	(void)sched_counter_name(c);
	(void)sched_trace_type_name(c);
	(void)sched_strerror(-(int)(c % (SCHED_ERR_COUNT + 2)));
	(void)sched_strerror(c);
	n = sched_trace_read(s, tc, (b & 0x80) ? NULL : ev, max);
	if (n > max || n > SCHED_TRACE_LEN || ((b & 0x80) && n) || (tc >= f->ncpu && n))
		die("sched_trace_read(%u, max %u) returned %u", tc, max, n);
	for (unsigned i = 1; i < n; i++)
		if (sched_time_before(ev[i].time, ev[i - 1].time) || ev[i].cpu != tc ||
		    ev[i].type >= SCHED_TR_NR)
			die("trace of cpu %u out of order or malformed at %u", tc, i);
	if (sched_core_forced_idle_ns(s, f->ncpu + (b & 3)) != 0)
		die("sched_core_forced_idle_ns of a CPU out of range is not 0");
	(void)sched_core_forced_idle_ns(s, tc);
	if (sched_need_resched(s, f->ncpu + (b & 7)))
		die("sched_need_resched of a CPU out of range");
	if (c & 2)
		sched_note_as_switch(s, f->ncpu + (c >> 2)); /* ignored */
	(void)sched_policy_find(c & 4 ? "rr" : c & 8 ? "eevdf" : c & 16 ? "" : "eevdf2");
	(void)sched_policy_find(NULL);
	read_done(f, "observability calls");
	if (c & 1)
		sched_note_as_switch(s, cpu); /* counted: the one call here that changes state */
}

/* Calls with an argument out of range: refused, and nothing changes. */
static void op_invalid(struct fz *f, unsigned cpu)
{
	struct sched_sys *s = &f->sim->sys;
	struct sched_thread *next = NULL;
	uint8_t b = u8(f);
	unsigned bad = f->ncpu + (b >> 4);
	struct pref p = pick_ref(f);
	int r = 0;

	if (b >= 0xf0) { /* every entry that takes a system, given none */
		struct sched_auth root = sched_auth_root(s);
		struct sched_sc_cap cap = { 0, 1, SCHED_SC_ALL };
		struct sched_refill ring[2];
		struct sched_sc_params scp = { .budget_ns = MS, .period_ns = 10 * MS };
		struct sched_fair_params fp = { 0 };
		struct sched_thread_params tp = { 0 };
		struct sched_group_params gp = { 0 };
		struct sched_sc_stats st;
		struct sched_acct acct;
		struct sched_group g;
		sched_cookie_t ck;
#define NULL_SYS(call)                                                            \
	do {                                                                      \
		int r_ = TRY(f, #call, call);                                     \
		if (r_ >= 0)                                                      \
			die("%s accepted a NULL system (returned %d)", #call, r_); \
	} while (0)
		NULL_SYS(sched_init(NULL, s->rq, &s->topo, NULL));
		NULL_SYS(sched_cpu_online(NULL, cpu, &f->sim->cpu[cpu].idle));
		NULL_SYS(sched_cpu_offline(NULL, cpu));
		NULL_SYS(sched_thread_init(NULL, &f->sim->cpu[cpu].idle, &tp));
		NULL_SYS(sched_unpark(NULL, p.r));
		NULL_SYS(sched_thread_stats(NULL, p.r, &acct));
		NULL_SYS(sched_group_init(NULL, &g, &gp));
		NULL_SYS(sched_set_fair(NULL, root, p.r, &fp));
		NULL_SYS(sched_sc_pool(NULL, NULL, 1));
		NULL_SYS(sched_sc_create(NULL, NULL, ring, 2, &cap));
		NULL_SYS(sched_sc_configure(NULL, root, cap, &scp));
		NULL_SYS(sched_sc_bind(NULL, cap, p.r));
		NULL_SYS(sched_sc_unbind(NULL, cap));
		NULL_SYS(sched_sc_revoke(NULL, cap));
		NULL_SYS(sched_sc_revoke_owned(NULL, root, &f->sim->all));
		NULL_SYS(sched_sc_stats(NULL, cap, &st));
		NULL_SYS(sched_core_create(NULL, root, p.r, SCHED_CORE_THREAD));
		NULL_SYS(sched_core_share(NULL, root, p.r, p.r, SCHED_CORE_THREAD));
		NULL_SYS(sched_core_clear(NULL, root, p.r, SCHED_CORE_THREAD));
		NULL_SYS(sched_core_get(NULL, p.r, &ck));
		NULL_SYS(sched_core_enter_kernel(NULL, cpu));
		NULL_SYS(sched_core_exit_kernel(NULL, cpu));
		NULL_SYS(sched_yield_cpu(NULL, cpu, &next));
		NULL_SYS(sched_park(NULL, cpu, &next));
		NULL_SYS(sched_sleep_until(NULL, cpu, f->sim->now, &next));
		NULL_SYS(sched_call(NULL, cpu, p.r, &next));
		NULL_SYS(sched_mutex_init(NULL, &f->mx[0], 0));
		NULL_SYS(sched_cond_init(NULL, &f->cv[0]));
		NULL_SYS(sched_barrier_init(NULL, &f->bar[0], 2));
		NULL_SYS(sched_mutex_lock(NULL, cpu, &f->mx[0], SCHED_TIME_NEVER, &next));
		NULL_SYS(sched_mutex_trylock(NULL, cpu, &f->mx[0]));
		NULL_SYS(sched_mutex_unlock(NULL, cpu, &f->mx[0]));
		NULL_SYS(sched_cond_wait(NULL, cpu, &f->cv[0], &f->mx[0], SCHED_TIME_NEVER, &next));
		NULL_SYS(sched_cond_signal(NULL, &f->cv[0]));
		NULL_SYS(sched_cond_broadcast(NULL, &f->cv[0]));
		NULL_SYS(sched_barrier_wait(NULL, cpu, &f->bar[0], &next));
		NULL_SYS(sched_mutex_check(NULL, &f->sim->cpu[cpu].idle));
		{
			struct sched_lease_params lp = { .group = &f->sim->all };
			struct sched_lease_cap lc = { 0, 1 };
			struct sched_lease_info li;
			struct sched_lease lpool1[1];
			struct sched_ring rg;

			sched_cpumask_set(&lp.cpus, cpu);
			NULL_SYS(sched_lease_pool(NULL, lpool1, 1));
			NULL_SYS(sched_lease_grant(NULL, root, &lp, &lc));
			NULL_SYS(sched_lease_revoke(NULL, lc));
			NULL_SYS(sched_lease_revoke_owned(NULL, root, &f->sim->all));
			NULL_SYS(sched_lease_info(NULL, lc, &li));
			if (sched_ring_init(&rg, 0) != 0)
				die("sched_ring_init refused a ring");
			NULL_SYS(sched_ring_register(NULL, &rg, p.r));
			NULL_SYS(sched_ring_unregister(NULL, &rg, p.r));
			NULL_SYS(sched_ring_submit(NULL, &rg));
			NULL_SYS(sched_ring_poll(NULL, cpu, &rg, false, &next));
			snap_take(f, "sched_housekeeping(NULL)");
			sched_housekeeping(NULL, &lp.cpus);
			read_done(f, "sched_housekeeping(NULL)");
		}
#undef NULL_SYS
		if (sched_cpu_counter(NULL, cpu, 0) || sched_trace_read(NULL, cpu, NULL, 1) ||
		    sched_core_forced_idle_ns(NULL, cpu) || sched_need_resched(NULL, cpu) ||
		    sched_auth_root(NULL).a)
			die("a read of a NULL system returned something");
		return;
	}
	switch (b & 15) {
	case 0: r = TRY(f, "sched_block(NULL sys)", sched_block(NULL, cpu, &next)); break;
	case 1: r = TRY(f, "sched_wake(NULL sys)", sched_wake(NULL, p.r, SCHED_WAKE_PARK)); break;
	case 2: r = TRY(f, "sched_exit(NULL sys)", sched_exit(NULL, p.r)); break;
	case 3: r = TRY(f, "sched_cpu_online(bad cpu)",
			sched_cpu_online(s, bad, &f->sim->cpu[cpu].idle)); break;
	case 4:
		if (!s->rq[cpu].online)
			return; /* on its way down: onlining it now is no mistake to refuse */
		r = TRY(f, "sched_cpu_online(online cpu)",
			sched_cpu_online(s, cpu, &f->sim->cpu[cpu].idle));
		break;
	case 5: r = TRY(f, "sched_thread_init(NULL params)",
			sched_thread_init(s, p.r.t ? p.r.t : &f->sim->cpu[cpu].idle, NULL)); break;
	case 6: r = TRY(f, "sched_thread_init(idle)",
			sched_thread_init(s, &f->sim->cpu[cpu].idle,
					  &(struct sched_thread_params){ 0 })); break;
	case 7: r = TRY(f, "sched_group_init(NULL)", sched_group_init(s, NULL,
			&(struct sched_group_params){ 0 })); break;
	case 8:
		READ_ONLY(f, "sched_pick/timer/ipi/finish_switch(bad cpu)", {
			if (sched_pick(s, bad) || sched_pick(NULL, cpu))
				die("sched_pick of a bad CPU returned a thread");
			if (sched_timer(s, bad) || sched_ipi(s, bad))
				die("sched_timer/sched_ipi of a bad CPU asked for a pick");
			sched_finish_switch(s, bad);
			sched_finish_switch(NULL, cpu);
			sched_note_as_switch(s, bad);
			sched_note_as_switch(NULL, cpu);
		});
		return;
	case 9: r = TRY(f, "sched_call(bad cpu)", sched_call(s, bad, p.r, &next)); break;
	case 10: r = TRY(f, "sched_reply(NULL next)", sched_reply(s, cpu, p.r, NULL)); break;
	case 11: r = TRY(f, "sched_sc_pool(NULL)", sched_sc_pool(s, NULL, 1)); break;
	case 12: r = TRY(f, "sched_auth_derive(NULL parent)",
			 sched_auth_derive(&f->auth[b % MAX_AUTHS], (struct sched_auth){ NULL, 0 },
					   SCHED_RIGHT_FAIR, NULL, NULL)); break;
	case 13: r = TRY(f, "sched_set_affinity(NULL sys)",
			 sched_set_affinity(NULL, p.r, NULL)); break;
	case 14: r = TRY(f, "sched_sleep_until(NEVER)",
			 sched_sleep_until(s, cpu, SCHED_TIME_NEVER, &next)); break;
	default: r = TRY(f, "sched_cpu_offline(bad cpu)", sched_cpu_offline(s, bad)); break;
	}
	if (r >= 0)
		die("invalid call %u accepted (returned %d)", b & 15, r);
}

/* sched_init over scratch storage, with topologies and settings in and out of range. */
static void op_init(struct fz *f)
{
	static const char *const pol[] = { NULL, "eevdf", "rr", "fifo" };
	uint8_t b = u8(f), c = u8(f), d = u8(f);
	struct sched_topology topo = { 0 };
	struct sched_config cfg = { 0 };
	unsigned width = 1 + (c & 15);
	int r;

	if (!f->scratch) {
		f->scratch = calloc(1, sizeof(*f->scratch));
		f->scratch_rq = aligned_alloc(SCHED_CACHELINE, SCRATCH_CPUS * sizeof(struct sched_rq));
		if (!f->scratch || !f->scratch_rq)
			die("out of memory");
		memset(f->scratch_rq, 0, SCRATCH_CPUS * sizeof(struct sched_rq));
	}
	topo.nr_cpus = b < 0xf0 ? 1 + b % SCRATCH_CPUS : (b & 1 ? 0 : SCHED_MAX_CPUS + 1);
	for (unsigned i = 0; i < SCHED_MAX_CPUS; i++) {
		topo.core[i] = (uint16_t)(i / width);
		topo.llc[i] = (uint16_t)(i / (2 * width));
	}
	if (d & 1)
		topo.core[d % 16] = (uint16_t)(16 + (d >> 4)); /* out of range if used */
	cfg.policy = pol[(c >> 4) & 3];
	cfg.core_sched = (c & 0x40) != 0;
	cfg.core_protect = (c & 0x80) != 0;
	cfg.core_autotag = (uint8_t)((d >> 1) & 3);
	cfg.base_slice_ns = (d & 8) ? slice_choice(d >> 4) : 0;
	cfg.balance_max = (d & 16) ? 65 : 0;
	cfg.tick_ns = (d & 32) ? 2 * SEC : 0;
	if (topo.nr_cpus > SCRATCH_CPUS)
		topo.nr_cpus = b & 1 ? 0 : SCHED_MAX_CPUS + 1; /* refused before rq is touched */
	r = TRY(f, "sched_init", sched_init(f->scratch, f->scratch_rq, &topo, (b & 0x40) && (b & 0x20) ? NULL : &cfg));
	if (r == 0 && (topo.nr_cpus == 0 || topo.nr_cpus > SCRATCH_CPUS))
		die("sched_init accepted %u CPUs", topo.nr_cpus);
}

/* --- mutexes, condition variables and barriers (mutex mode) ---------------------------------- */

enum { W_NONE, W_MUTEX, W_COND, W_BARRIER };
enum { E_LOCK, E_TRYLOCK, E_UNLOCK, E_COND, E_BARRIER };
static const char *const e_name[] = { "sched_mutex_lock", "sched_mutex_trylock",
				      "sched_mutex_unlock", "sched_cond_wait",
				      "sched_barrier_wait" };

static int mx_index(const struct fz *f, const void *p)
{
	for (int k = 0; k < MAX_MX; k++)
		if (p == &f->mx[k])
			return k;
	return -1;
}

static unsigned pend_index(struct fz *f, const struct sched_thread *t)
{
	struct sim_thread *st = thread_of(f, t);

	if (!st)
		die("thread %u is not one of the input's", t->id);
	return index_of(f, st);
}

/* A waiter whose wait ended without the mutex because it could not run (a passive thread
 * without an SC, an affinity without an online CPU): never handed a mutex it would hold
 * blocked; its kernel wakes it. */
static bool cannot_run(int r)
{
	return r == -SCHED_ENOSC || r == -SCHED_EAFFINITY;
}

/* The waiters of q in order, into out[] (MAX_THREADS); returns how many. */
static unsigned waiters_of(const struct sched_waitq *q, struct sched_thread **out)
{
	unsigned n = 0;

	for (struct sched_rb_node *x = q->tree.leftmost; x && n < MAX_THREADS; x = sched_rb_next(x))
		out[n++] = sched_rb_entry(x, struct sched_thread, wait_node);
	return n;
}

/* m was handed on (unlock, exit, condition wait) from waiters order[0..n): to the first
 * that can run; the ones before it stopped waiting, skipped; or to nobody, all skipped.
 * For an exit, `fell` marks (by thread index) the waiters that ran on an SC of the exiting
 * thread (donated along a call chain, or its own bound one): the exit takes that SC before
 * it hands the mutex on, so they rank in a lower band by then and may still wait. */
static void check_handed(struct fz *f, const struct sched_mutex *m,
			 struct sched_thread *const *order, unsigned n, const char *how,
			 const bool *fell)
{
	unsigned i;

	for (i = 0; i < n && order[i] != m->owner; i++)
		if (fell && order[i]->waits_on == m && fell[pend_index(f, order[i])])
			continue;
		else if (order[i]->waits_on || !cannot_run(order[i]->wait_result))
			die("after %s, mutex %d went to %u past waiter %u (wait result %d)", how,
			    mx_index(f, m), m->owner ? m->owner->id : 0, order[i]->id,
			    order[i]->wait_result);
	if (m->owner && (i == n || m->owner->waits_on))
		die("after %s, mutex %d went to %u, not one of its waiters", how, mx_index(f, m),
		    m->owner->id);
}

/* After t exited: each mutex it owned went to its first waiter that can run (who must
 * read -EOWNERDEAD), or is free and marked owner-died; its own wait ended. */
static void exit_handed_on(struct fz *f, const struct sim_thread *t, const bool *owned,
			   struct sched_thread *(*order)[MAX_THREADS], const unsigned *nw,
			   const bool *fell)
{
	f->pend[index_of(f, t)].kind = W_NONE;
	for (unsigned k = 0; k < MAX_MX; k++) {
		const struct sched_mutex *m = &f->mx[k];

		if (!owned[k])
			continue;
		check_handed(f, m, order[k], nw[k], "an exit", fell);
		if (!m->owner && !m->owner_died)
			die("mutex %u of exited thread %u is free but not marked owner-died", k, t->id);
		if (m->owner) {
			unsigned i = pend_index(f, m->owner);

			if (f->pend[i].kind != W_MUTEX && f->pend[i].kind != W_COND)
				die("mutex %u handed to thread %u, which waited for nothing", k,
				    m->owner->id);
			f->pend[i].dead = true;
		}
	}
}

/*
 * The wait of t (if any) ended and t runs: what it reads must match what it owns. A lock
 * wait: 0 or -EOWNERDEAD and it owns the mutex, -ETIMEDOUT and it does not. A condition
 * wait: 0, -ETIMEDOUT or -EOWNERDEAD and it owns its mutex again, -EDEADLK (taking it back
 * would have closed a cycle of owners) and it does not. Either: -ENOSC or -EAFFINITY, it
 * could not run when the mutex came to it, and does not own it. A barrier wait: 0.
 */
static void check_wait_end(struct fz *f, struct sched_thread *t)
{
	unsigned i = pend_index(f, t);
	int r = sched_wait_result(t);
	bool owns = false, may = r == 0;

	if (f->pend[i].kind == W_NONE)
		return;
	if (t->state == SCHED_EXITED) {
		f->pend[i].kind = W_NONE;
		return;
	}
	if (t->waits_on)
		die("thread %u runs while it waits", t->id);
	if (f->pend[i].kind == W_MUTEX) {
		owns = r == 0 || r == -SCHED_EOWNERDEAD;
		may = owns || r == -SCHED_ETIMEDOUT || cannot_run(r);
	} else if (f->pend[i].kind == W_COND) {
		owns = r == 0 || r == -SCHED_ETIMEDOUT || r == -SCHED_EOWNERDEAD;
		may = owns || r == -SCHED_EDEADLK || cannot_run(r);
	}
	if (!may || (f->pend[i].kind != W_BARRIER && owns != (f->pend[i].m->owner == t)))
		die("thread %u runs after a wait (kind %u) that ended with %d; its mutex's owner is "
		    "%u", t->id, f->pend[i].kind, r, f->pend[i].kind != W_BARRIER &&
		    f->pend[i].m->owner ? f->pend[i].m->owner->id : 0);
	if (f->pend[i].dead && r != -SCHED_EOWNERDEAD)
		die("thread %u was handed a dead owner's mutex but reads %d", t->id, r);
	f->pend[i].kind = W_NONE;
	f->pend[i].dead = false;
}

/* The waiters of q are BLOCKED and wait on obj, and there are q->n of them. */
static void check_waiters(const struct sched_waitq *q, const void *obj, const char *what,
			  unsigned k)
{
	unsigned n = 0;

	for (struct sched_rb_node *x = q->tree.leftmost; x; x = sched_rb_next(x)) {
		const struct sched_thread *t = sched_rb_entry(x, struct sched_thread, wait_node);

		if (++n > MAX_THREADS)
			die("%s %u: the waiter tree does not end", what, k);
		if (t->state != SCHED_BLOCKED || t->waits_on != obj)
			die("%s %u: waiter %u is in state %u and waits on %p", what, k, t->id, t->state,
			    t->waits_on);
	}
	if (n != q->n)
		die("%s %u: %u waiters counted, %u recorded", what, k, n, q->n);
}

/*
 * The lending rule (docs/mutex.md): from the first waiter of each band (on an SC, at a fixed
 * priority, fair) of each SCHED_MUTEX_PROXY mutex it owns, t is lent the highest priority
 * and weight, and runs at max(own, lent); a lent SC is the one a first SC waiter runs on.
 */
static void mx_lending(struct fz *f, const struct sched_thread *t)
{
	unsigned rt = 0, weight = 0;
	bool sc_ok = !t->mx_sc;

	for (unsigned k = 0; k < MAX_MX; k++) {
		const struct sched_mutex *m = &f->mx[k];
		bool seen[3] = { false, false, false };

		if (!f->mx_ok[k] || m->owner != t || (m->flags & SCHED_MUTEX_PLAIN))
			continue;
		for (struct sched_rb_node *x = m->waiters.tree.leftmost; x; x = sched_rb_next(x)) {
			const struct sched_thread *l = sched_rb_entry(x, struct sched_thread, wait_node);

			if (l->wait_slot > 2 || seen[l->wait_slot])
				continue;
			seen[l->wait_slot] = true;
			rt = l->rt_prio > rt ? l->rt_prio : rt;
			weight = l->weight > weight ? l->weight : weight;
			if (l->wait_slot == 0 && t->mx_sc && (l->mx_sc ? l->mx_sc : l->sc) == t->mx_sc)
				sc_ok = true;
		}
	}
	if (t->lent_rt != rt || t->lent_weight != weight || !sc_ok ||
	    t->rt_prio != (t->rt_own > rt ? t->rt_own : rt) ||
	    t->weight != (t->weight_own > weight ? t->weight_own : weight))
		die("thread %u is lent priority %u weight %u%s; its waiters lend %u and %u", t->id,
		    t->lent_rt, t->lent_weight, sc_ok ? "" : " and an SC none lends", rt, weight);
}

/*
 * Mutex mode, after every event and operation: waits that ended, the pool's invariants;
 * after every operation (every_thread) also sched_mutex_check() and the lending rule on
 * every thread.
 */
static void mx_checks(struct fz *f, bool every_thread)
{
	if (!f->mx_mode)
		return;
	for (unsigned c = 0; c < f->ncpu; c++)
		if (f->sim->rq[c].curr && !f->sim->rq[c].curr->is_idle)
			check_wait_end(f, f->sim->rq[c].curr);
	for (unsigned k = 0; k < MAX_MX; k++) {
		const struct sched_mutex *m = &f->mx[k];

		if (!f->mx_ok[k])
			continue;
		check_waiters(&m->waiters, m, "mutex", k);
		if (!m->owner && m->waiters.n)
			die("mutex %u is free with %u waiters: a lost wake-up", k, m->waiters.n);
		if (m->owner && m->owner->state == SCHED_EXITED)
			die("mutex %u is owned by exited thread %u", k, m->owner->id);
	}
	for (unsigned k = 0; k < MAX_CV; k++)
		if (f->cv_ok[k])
			check_waiters(&f->cv[k].waiters, &f->cv[k], "condition", k);
	for (unsigned k = 0; k < MAX_BAR; k++) {
		const struct sched_barrier *b = &f->bar[k];

		if (!f->bar_ok[k])
			continue;
		check_waiters(&b->waiters, b, "barrier", k);
		if (b->arrived != b->waiters.n || b->arrived >= b->count)
			die("barrier %u: %u arrived, %u waiting, count %u", k, b->arrived,
			    b->waiters.n, b->count);
	}
	for (unsigned i = 0; i < f->nth; i++) { /* owner chains: acyclic and bounded */
		const struct sched_thread *t = &f->th[i]->st, *o = t;
		unsigned d = 0;

		while (mx_index(f, o->waits_on) >= 0) {
			o = ((const struct sched_mutex *)o->waits_on)->owner;
			if (!o || o == t || ++d > SCHED_MUTEX_DEPTH_MAX)
				die("thread %u: its owner chain is broken, cyclic or longer than %u",
				    t->id, SCHED_MUTEX_DEPTH_MAX);
		}
	}
	for (unsigned i = 0; every_thread && i < f->nth; i++) {
		if (sched_mutex_check(&f->sim->sys, &f->th[i]->st) < 0)
			die("mutex invariant broken: %s (%u)", f->sim->sys.check_msg,
			    f->sim->sys.check_arg);
		if (f->th[i]->st.state != SCHED_EXITED)
			mx_lending(f, &f->th[i]->st);
	}
}

/* After every simulated event: the trace, and the mutex checks. */
static void on_event(struct sim *sim, void *arg)
{
	struct fz *f = arg;

	if (f->trace)
		trace_event(sim, f);
	mx_checks(f, false);
	lease_checks(f);
}

#define BIT(e) (1u << (e))

/* Waiting for m would close a cycle of owners (EDEADLK) or pass SCHED_MUTEX_DEPTH_MAX of
 * them (EDEPTH); else 0. */
static int chain_verdict(const struct fz *f, const struct sched_thread *me,
			 const struct sched_mutex *m)
{
	unsigned n = 0;

	for (const struct sched_thread *o = m->owner; o;
	     o = ((const struct sched_mutex *)o->waits_on)->owner) {
		if (o == me)
			return -SCHED_EDEADLK;
		if (++n > SCHED_MUTEX_DEPTH_MAX)
			return -SCHED_EDEPTH;
		if (mx_index(f, o->waits_on) < 0)
			return 0;
	}
	return 0;
}

/*
 * The errors mutex.h and docs/errors.md give entry e on `cpu` in this situation (the
 * documents order none of them: any one may come), or none: it must succeed. `ok`: every
 * object given is initialised.
 */
static unsigned mx_verdict(struct fz *f, unsigned cpu, unsigned e, bool ok, bool null_next,
			   const struct sched_mutex *m, sched_time_t d)
{
	const struct sched_rq *rq;
	const struct sched_thread *me;
	unsigned bad = !ok || null_next ? BIT(SCHED_EINVAL) : 0;

	if (cpu >= f->ncpu)
		return bad | BIT(SCHED_ECPU);
	rq = &f->sim->rq[cpu];
	me = rq->curr;
	if (!me || me->is_idle) /* idle: ESTATE; offline and left by its last thread: ECPU */
		return bad | (rq->online ? BIT(SCHED_ESTATE) : BIT(SCHED_ECPU));
	if (d != SCHED_TIME_NEVER && !sched_time_in_horizon(d, f->sim->now))
		bad |= BIT(SCHED_EINVAL);
	if (d != SCHED_TIME_NEVER && !rq->online)
		bad |= BIT(SCHED_ECPU); /* a timeout may not live on a CPU going offline */
	if (me->state == SCHED_EXITED)
		bad |= BIT(SCHED_ESTALE);
	if (!ok)
		return bad;
	switch (e) {
	case E_LOCK:
	case E_TRYLOCK:
		if (m->owner == me)
			bad |= BIT(SCHED_EDEADLK);
		else if (me->nr_held >= SCHED_MUTEX_HELD_MAX)
			bad |= BIT(SCHED_EDEPTH);
		else if (m->owner && e == E_TRYLOCK)
			bad |= BIT(SCHED_ELOCKED);
		else if (m->owner && chain_verdict(f, me, m))
			bad |= BIT(-chain_verdict(f, me, m));
		break;
	case E_UNLOCK:
	case E_COND:
		if (m->owner != me)
			bad |= BIT(SCHED_EPERM);
		break;
	default:
		break;
	}
	return bad;
}

/*
 * Lock, trylock, unlock, condition wait or barrier wait by the current thread of `cpu`
 * (or a CPU past the machine, a NULL next, a NULL or uninitialised object, a deadline of
 * any kind): the result is one the documents allow, a refusal changes nothing, and a
 * success did what mutex.h says.
 */
static void op_mx(struct fz *f, unsigned cpu, unsigned e)
{
	struct sched_sys *s = &f->sim->sys;
	uint8_t b = u8(f), o = u8(f);
	unsigned c = (b & 0xe0) == 0xe0 && !(b & 0x10) ? f->ncpu + (b & 7) : cpu;
	bool null_next = (b & 0xf0) == 0xf0 && e != E_TRYLOCK && e != E_UNLOCK, ok;
	struct sched_thread *me = f->sim->rq[cpu].curr, *next = NULL, *owner = NULL;
	struct sched_thread *order[MAX_THREADS];
	struct sched_thread **np = null_next ? NULL : &next;
	struct sched_mutex *m = NULL;
	struct sched_cond *cv = NULL;
	struct sched_barrier *bar = NULL;
	sched_time_t d = SCHED_TIME_NEVER;
	uint32_t arrived = 0, rounds = 0;
	unsigned want, held = me->nr_held, nw = 0;
	bool died = false;
	int r;

	if (e == E_BARRIER) {
		bar = (o & 0xf0) == 0xf0 ? NULL : &f->bar[o % MAX_BAR];
		ok = bar && f->bar_ok[bar - f->bar];
		if (ok) {
			arrived = bar->arrived;
			rounds = bar->rounds;
		}
	} else {
		if ((o & 0xf0) != 0xf0)
			m = &f->mx[o % MAX_MX];
		for (unsigned k = 0; (o & 8) && k < MAX_MX; k++) /* one the caller owns */
			if (f->mx[(o + k) % MAX_MX].owner == me)
				m = &f->mx[(o + k) % MAX_MX];
		ok = m && f->mx_ok[m - f->mx];
		if (e == E_COND) {
			uint8_t x = u8(f);

			cv = (x & 0xf0) == 0xf0 ? NULL : &f->cv[x % MAX_CV];
			ok = ok && cv && f->cv_ok[cv - f->cv];
		}
		if ((e == E_LOCK || e == E_COND) && !(u8(f) & 1))
			d = deadline_choice(f);
		if (ok) {
			owner = m->owner;
			nw = waiters_of(&m->waiters, order);
			died = m->owner_died;
		}
	}
	want = mx_verdict(f, c, e, ok, null_next, m, d);
	switch (e) {
	case E_LOCK: r = TRY(f, e_name[e], sched_mutex_lock(s, c, m, d, np)); break;
	case E_TRYLOCK: r = TRY(f, e_name[e], sched_mutex_trylock(s, c, m)); break;
	case E_UNLOCK: r = TRY(f, e_name[e], sched_mutex_unlock(s, c, m)); break;
	case E_COND: r = TRY(f, e_name[e], sched_cond_wait(s, c, cv, m, d, np)); break;
	default: r = TRY(f, e_name[e], sched_barrier_wait(s, c, bar, np)); break;
	}
	if (want ? r >= 0 || -r >= 32 || !(want & BIT(-r)) : r != 0)
		die("%s on cpu %u returned %d (%s); the documents allow 0x%x here (error bits; "
		    "0: success)", e_name[e], c, r, r < 0 ? sched_strerror(r) : "ok", want);
	if (r < 0)
		return;
	switch (e) {
	case E_LOCK:
	case E_TRYLOCK:
		if (!owner) { /* free: taken at once */
			if ((e == E_LOCK && next != me) || m->owner != me || m->owner_died ||
			    me->nr_held != held + 1 ||
			    sched_wait_result(me) != (died ? -SCHED_EOWNERDEAD : 0))
				die("%s of a free mutex: not the caller's, or wait result %d (owner "
				    "died %u)", e_name[e], sched_wait_result(me), died);
			break;
		}
		if (next == me || me->state != SCHED_BLOCKED || me->waits_on != m || m->owner != owner)
			die("sched_mutex_lock of mutex %d owned by %u: the caller does not wait",
			    mx_index(f, m), owner->id);
		f->pend[pend_index(f, me)].kind = W_MUTEX;
		f->pend[pend_index(f, me)].m = m;
		break;
	case E_UNLOCK: /* the top waiter (that can run) owns it now */
		if (me->nr_held != held - 1)
			die("sched_mutex_unlock: the caller holds %u mutexes, held %u", me->nr_held,
			    held);
		check_handed(f, m, order, nw, "an unlock", NULL);
		break;
	case E_COND:
		if (next == me || me->state != SCHED_BLOCKED || me->waits_on != cv ||
		    me->nr_held != held - 1)
			die("sched_cond_wait: the caller does not wait");
		check_handed(f, m, order, nw, "a condition wait", NULL);
		f->pend[pend_index(f, me)].kind = W_COND;
		f->pend[pend_index(f, me)].m = m;
		break;
	default:
		if (arrived + 1 < bar->count) {
			if (next == me || me->state != SCHED_BLOCKED || me->waits_on != bar ||
			    bar->arrived != arrived + 1)
				die("sched_barrier_wait: arrival %u of %u does not wait", arrived + 1,
				    bar->count);
			f->pend[pend_index(f, me)].kind = W_BARRIER;
		} else if (next != me || bar->arrived || bar->waiters.n || bar->rounds != rounds + 1) {
			die("sched_barrier_wait: the last arrival released nobody");
		}
		break;
	}
	if (e != E_UNLOCK && e != E_TRYLOCK)
		apply_next(f, cpu, next);
}

/*
 * Signal or broadcast (any CPU). A signal ends the waits of the first waiters that cannot
 * run (-ENOSC, -EAFFINITY) and moves the next one to its mutex: it owns it, waits for it, or
 * its wait ended with -EDEADLK; the others still wait, in order. A broadcast moves them all.
 */
static void op_cond_wake(struct fz *f)
{
	uint8_t b = u8(f);
	struct sched_cond *cv = (b & 0xf0) == 0xf0 ? NULL : &f->cv[b % MAX_CV];
	bool ok = cv && f->cv_ok[cv - f->cv], all = b & 0x80;
	struct sched_thread *order[MAX_THREADS];
	unsigned n = ok ? waiters_of(&cv->waiters, order) : 0, gone;
	int r = all ? TRY(f, "sched_cond_broadcast", sched_cond_broadcast(&f->sim->sys, cv))
		    : TRY(f, "sched_cond_signal", sched_cond_signal(&f->sim->sys, cv));

	if (r != (ok ? 0 : -SCHED_EINVAL))
		die("sched_cond_%s of %s condition returned %d", all ? "broadcast" : "signal",
		    ok ? "an initialised" : "no", r);
	if (r < 0)
		return;
	gone = n - cv->waiters.n;
	if (cv->waiters.n > n || (all && cv->waiters.n) || (n && !gone))
		die("condition: %u waiters after a %s of %u", cv->waiters.n,
		    all ? "broadcast" : "signal", n);
	for (unsigned i = 0; i < n; i++) {
		const struct sched_thread *t = order[i];
		unsigned p = pend_index(f, t);
		const struct sched_mutex *m = f->pend[p].m;
		int w = t->wait_result;
		bool skip = !t->waits_on && cannot_run(w);
		bool taken = m && (m->owner == t || t->waits_on == m ||
				   (!t->waits_on && w == -SCHED_EDEADLK));

		if (i >= gone ? t->waits_on != cv
			      : f->pend[p].kind != W_COND ||
				(all || i + 1 == gone ? !taken && !skip : !skip))
			die("after a %s, waiter %u of %u (thread %u) waits on %p, result %d",
			    all ? "broadcast" : "signal", i, n, t->id, t->waits_on, w);
	}
}

/* (Re-)initialise a mutex, condition or barrier: bad flags, counts and NULL refused; one in
 * use (waiters or an owner) refused with -EACTIVE; nothing changed either way. */
static void op_mx_init(struct fz *f)
{
	struct sched_sys *s = &f->sim->sys;
	uint8_t b = u8(f), c = u8(f);
	bool null = (c & 0xf0) == 0xf0, busy;
	unsigned k, want;
	int r;

	switch (b % 3) {
	case 0: {
		unsigned flags = (b >> 2) & 3;
		struct sched_mutex *m = null ? NULL : &f->mx[c % MAX_MX];

		k = c % MAX_MX;
		busy = m && f->mx_ok[k] && (m->owner || m->waiters.n);
		want = null || flags > SCHED_MUTEX_PLAIN ? SCHED_EINVAL : busy ? SCHED_EACTIVE : 0;
		r = TRY(f, "sched_mutex_init", sched_mutex_init(s, m, flags));
		if (r == 0)
			f->mx_ok[k] = true;
		break;
	}
	case 1: {
		struct sched_cond *cv = null ? NULL : &f->cv[c % MAX_CV];

		k = c % MAX_CV;
		busy = cv && f->cv_ok[k] && cv->waiters.n;
		want = null ? SCHED_EINVAL : busy ? SCHED_EACTIVE : 0;
		r = TRY(f, "sched_cond_init", sched_cond_init(s, cv));
		if (r == 0)
			f->cv_ok[k] = true;
		break;
	}
	default: {
		struct sched_barrier *bar = null ? NULL : &f->bar[c % MAX_BAR];
		unsigned count = (b >> 2) == 0x3f ? UINT32_MAX / 2 + 1 : (b >> 2) % 6;

		k = c % MAX_BAR;
		busy = bar && f->bar_ok[k] && bar->waiters.n;
		want = null || !count || count > UINT32_MAX / 2 ? SCHED_EINVAL
		     : busy ? SCHED_EACTIVE : 0;
		r = TRY(f, "sched_barrier_init", sched_barrier_init(s, bar, count));
		if (r == 0)
			f->bar_ok[k] = true;
		break;
	}
	}
	if (r != -(int)want)
		die("initialising object %u of kind %u returned %d, expected %d", k, b % 3, r,
		    -(int)want);
}

/* The reads: a wait result (NULL: refused; else one a wait can end with, docs/mutex.md),
 * the mutex checker on a thread, an idle thread (which holds nothing: it answers 0) or
 * NULL. They change nothing; the checker finds nothing wrong. */
static void op_mx_observe(struct fz *f, unsigned cpu)
{
	struct pref p = pick_ref(f);
	struct sched_thread *t = p.kind == REF_NULL ? NULL : p.r.t;
	int r1, r2, r3;

	snap_take(f, "sched_wait_result / sched_mutex_check");
	r1 = sched_wait_result(t);
	r2 = sched_mutex_check(&f->sim->sys, t);
	r3 = sched_mutex_check(&f->sim->sys, &f->sim->cpu[cpu].idle);
	read_done(f, "sched_wait_result / sched_mutex_check");
	if (!t ? r1 != -SCHED_EINVAL || r2 != -SCHED_EINVAL
	       : (r1 != 0 && r1 != -SCHED_ETIMEDOUT && r1 != -SCHED_EOWNERDEAD &&
		  r1 != -SCHED_EDEADLK && !cannot_run(r1)) || r2 != 0)
		die("sched_wait_result = %d, sched_mutex_check = %d (%s) for thread %u", r1, r2,
		    f->sim->sys.check_msg ? f->sim->sys.check_msg : "-", t ? t->id : 0);
	if (r3 != 0)
		die("sched_mutex_check of an idle thread = %d", r3);
}

/* --- CPU isolation leases and polling rings (lease mode) ------------------------------------ */

static bool in_scope(const struct sched_group *g, const struct sched_group *scope)
{
	if (!scope)
		return true;
	for (; g; g = g->parent)
		if (g == scope)
			return true;
	return false;
}

/* A token is live: its authority and every one it derives from have the generations it
 * names (auth.c walks the same chain). */
static bool tok_live(struct sched_auth a)
{
	const struct sched_authority *x = a.a;
	uint32_t gen = a.gen;

	for (unsigned d = 0; x && d < SCHED_AUTH_DEPTH_MAX; d++) {
		if (x->gen != gen)
			return false;
		if (!x->parent)
			return true;
		gen = x->parent_gen;
		x = x->parent;
	}
	return false;
}

static bool ref_live(struct sched_ref r)
{
	return r.t && r.t->gen == r.gen && r.t->state != SCHED_EXITED;
}

/* Does lease l (live; its holder as the target granted it, or as a grant about to be made
 * names it) let t on its CPUs: the holder thread in the life it was granted to, a thread
 * of the holder group or below, an idle thread. */
static bool holds(struct sched_thread *ht, uint32_t hgen, const struct sched_group *hg,
		  const struct sched_thread *t)
{
	if (t->is_idle)
		return true;
	if (ht)
		return ht == t && hgen == t->gen;
	return hg && t->group && in_scope(t->group, hg);
}

static bool lease_holds(struct fz *f, const struct sched_lease *l, const struct sched_thread *t)
{
	return holds(f->lrec[l->index].thread, f->lrec[l->index].gen, f->lrec[l->index].group, t);
}

static bool lease_live(const struct sched_lease *l)
{
	return l && l->state != SCHED_LEASE_FREE;
}

/* Would t, which must leave `cpus` (a grant to holder nl), find no online CPU outside them
 * that its affinity allows and no other lease closes? */
static bool lease_strands(struct fz *f, const struct sched_thread *t, const sched_cpumask_t *cpus,
			  const struct sched_lease *nl)
{
	if (holds(nl->thread, nl->thread_gen, nl->group, t))
		return false;
	for (unsigned d = 0; d < f->ncpu; d++) {
		const struct sched_lease *l = f->sim->rq[d].lease;

		if (f->sim->rq[d].online && !sched_cpumask_test(cpus, d) &&
		    sched_cpumask_test(&t->affinity, d) && (!l || lease_holds(f, l, t)))
			return false;
	}
	return true;
}

/* The first thread a grant over cpus to nl's holder would strand (current on one of them,
 * queued, waiting for a refill or asleep with its timeout there), or NULL. */
static const struct sched_thread *grant_strands(struct fz *f, const sched_cpumask_t *cpus,
						const struct sched_lease *nl)
{
	for (unsigned c = 0; c < f->ncpu; c++) {
		struct sched_rq *rq = &f->sim->rq[c];

		if (!sched_cpumask_test(cpus, c) || !rq->online || rq->lease)
			continue;
		if (lease_strands(f, rq->curr, cpus, nl))
			return rq->curr;
		for (unsigned k = 0; k < SCHED_NR_CLASSES; k++) {
			const struct sched_class *cls = f->sim->sys.classes[k];

			for (struct sched_thread *t = cls->first(rq); t; t = cls->next(rq, t))
				if (lease_strands(f, t, cpus, nl))
					return t;
		}
		for (struct sched_rb_node *x = rq->sc_wait.leftmost; x; x = sched_rb_next(x))
			if (lease_strands(f, sched_rb_entry(x, struct sched_thread, sc_node), cpus, nl))
				return sched_rb_entry(x, struct sched_thread, sc_node);
		for (struct sched_rb_node *x = rq->sleepers.leftmost; x; x = sched_rb_next(x))
			if (lease_strands(f, sched_rb_entry(x, struct sched_thread, timeout_node), cpus, nl))
				return sched_rb_entry(x, struct sched_thread, timeout_node);
	}
	return NULL;
}

/* A thread current elsewhere and migrating towards one of cpus that nl would strand, or
 * NULL: a grant must not succeed then (it is refused with -SCHED_EAGAIN while a thread is
 * migrating to one of its CPUs, as an offline is). */
static const struct sched_thread *migrating_strands(struct fz *f, const sched_cpumask_t *cpus,
						    const struct sched_lease *nl)
{
	for (unsigned i = 0; i < f->nth; i++) {
		const struct sched_thread *t = &f->th[i]->st;

		if (t->state == SCHED_MIGRATING && sched_cpumask_test(cpus, t->dst_cpu) &&
		    lease_strands(f, t, cpus, nl))
			return t;
	}
	return NULL;
}

/* Admission counts on cpu's time: a configured SC there, a declared fixed priority, an
 * island's IRQ routed there or a shared island over it. */
static bool lease_admitted(struct fz *f, unsigned cpu)
{
	if (!f->sim->sys.admit_tasks)
		return false;
	if (f->sim->rq[cpu].isl_shared)
		return true;
	for (unsigned i = 0; i < f->nipool; i++)
		for (unsigned k = 0; f->ipool[i].state && k < f->ipool[i].nr_irqs; k++)
			if (f->ipool[i].irqs[k].cpu == cpu)
				return true;
	for (unsigned i = 0; i < f->npool; i++)
		if (f->pool[i].state == SCHED_SC_CONFIGURED && sched_cpumask_test(&f->pool[i].cpus, cpu))
			return true;
	for (unsigned i = 0; i < f->nth; i++)
		if (is_live(f->th[i]) && f->th[i]->st.rt_budget &&
		    sched_cpumask_test(&f->th[i]->st.affinity, cpu))
			return true;
	return false;
}

static void fz_lease_port(void *ctx, unsigned cpu, unsigned what, bool leased,
			  const sched_cpumask_t *hk)
{
	struct fz *f = g_fz;

	(void)ctx;
	if (!f || cpu >= f->ncpu || what > SCHED_LEASE_PORT_IRQS || !hk || sched_cpumask_empty(hk) ||
	    sched_cpumask_test(hk, cpu) == leased)
		die("lease_port(cpu %u, what %u, leased %u) against its contract (housekeeping %llx)",
		    cpu, what, leased, hk ? (unsigned long long)hk->w[0] : 0ull);
	f->port_calls[cpu][leased]++;
}

static void remember_lcap(struct fz *f, struct sched_lease_cap c)
{
	f->lcap[f->nlcap % MAX_LCAPS] = c;
	f->nlcap++;
}

/* A lease capability chosen by the input: one seen (live or not), or a guessed one. */
static struct sched_lease_cap pick_lcap(struct fz *f)
{
	uint8_t b = u8(f);
	struct sched_lease_cap c;

	if (f->nlcap && b < 0xc0)
		return f->lcap[b % (f->nlcap < MAX_LCAPS ? f->nlcap : MAX_LCAPS)];
	c.index = b & 15;
	c.gen = (b >> 4) & 3;
	return c;
}

/* The live lease a capability names, or NULL. */
static const struct sched_lease *lcap_live(struct fz *f, struct sched_lease_cap c)
{
	const struct sched_lease *l = c.index < f->nlpool ? &f->lpool[c.index] : NULL;

	return l && l->gen == c.gen && lease_live(l) ? l : NULL;
}

/* A live lease's state as sched_lease_info gives it (the slot's own field says only FREE
 * or live). */
static unsigned lease_state(struct fz *f, unsigned i)
{
	struct sched_lease_info info;
	struct sched_lease_cap cap = { i, f->lpool[i].gen };

	if (sched_lease_info(&f->sim->sys, cap, &info) < 0)
		die("live lease %u does not answer sched_lease_info", i);
	return info.state;
}

/*
 * From outside, after every event and operation (lease mode): a CPU's lease is live and
 * holds it, and the leased mask says so; a live lease's CPUs point at it; a leased CPU runs
 * the holder's thread, idles, or still runs the other thread that ran there when the lease
 * was granted (until it leaves); every thread queued or waiting for a refill there is the
 * holder's, and once that other thread left, every sleeper timeout there; a lease is ACTIVE
 * exactly when no CPU of it waits for such a thread; the housekeeping set is the online
 * CPUs no lease holds, never empty; each thread holder counts its leases; the capabilities
 * of ended leases fail closed.
 */
static void lease_checks(struct fz *f)
{
	struct sim *sim = f->sim;
	struct sched_sys *s = &sim->sys;
	sched_cpumask_t hk, want;
	bool waits[MAX_LEASES] = { false };

	if (!f->lease_mode)
		return;
	sched_cpumask_clear(&want);
	for (unsigned c = 0; c < f->ncpu; c++) {
		struct sched_rq *rq = &sim->rq[c];
		const struct sched_lease *l = rq->lease;
		const struct sched_thread *curr = rq->curr;

		if (sched_cpumask_test(&s->leased, c) != (l != NULL))
			die("cpu %u: leased bit %u, lease %p", c, sched_cpumask_test(&s->leased, c),
			    (const void *)l);
		if (f->leaving[c] && (f->leaving_of[c] != l || curr != f->leaving[c]))
			f->leaving[c] = NULL; /* it left (its part of the activation is done) */
		if (!l) {
			if (rq->online)
				sched_cpumask_set(&want, c);
			continue;
		}
		if (l < f->lpool || l >= f->lpool + f->nlpool || !lease_live(l) ||
		    !sched_cpumask_test(&l->cpus, c) || !rq->online)
			die("cpu %u (online %u) points at a lease that does not hold it", c, rq->online);
		waits[l->index] |= f->leaving[c] != NULL;
		if (!lease_holds(f, l, curr) && curr != f->leaving[c])
			die("leased cpu %u (lease %u) runs thread %u, not its holder's", c, l->index,
			    curr->id);
		for (unsigned k = 0; k < SCHED_NR_CLASSES; k++) {
			const struct sched_class *cls = s->classes[k];

			for (struct sched_thread *t = cls->first(rq); t; t = cls->next(rq, t))
				if (!lease_holds(f, l, t))
					die("thread %u queued on leased cpu %u", t->id, c);
		}
		for (struct sched_rb_node *x = rq->sc_wait.leftmost; x; x = sched_rb_next(x)) {
			const struct sched_thread *t = sched_rb_entry(x, struct sched_thread, sc_node);

			if (t != curr && !lease_holds(f, l, t))
				die("thread %u waits for a refill on leased cpu %u", t->id, c);
		}
		for (struct sched_rb_node *x = rq->sleepers.leftmost; !f->leaving[c] && x;
		     x = sched_rb_next(x)) {
			const struct sched_thread *t = sched_rb_entry(x, struct sched_thread, timeout_node);

			if (!lease_holds(f, l, t))
				die("thread %u's timeout sits on leased cpu %u", t->id, c);
		}
	}
	sched_housekeeping(s, &hk);
	if (sched_cpumask_empty(&hk) || memcmp(&hk, &want, sizeof(hk)))
		die("housekeeping set %llx, online CPUs without a lease %llx",
		    (unsigned long long)hk.w[0], (unsigned long long)want.w[0]);
	for (unsigned i = 0; i < f->nlpool; i++) {
		const struct sched_lease *l = &f->lpool[i];

		if (lease_live(l) != f->lrec[i].live)
			die("lease %u is %s, but the target %s it", i, lease_live(l) ? "live" : "free",
			    lease_live(l) ? "never granted" : "never saw the end of");
		if (!lease_live(l))
			continue;
		for (unsigned c = 0; c < SCHED_MAX_CPUS; c++)
			if (sched_cpumask_test(&f->lrec[i].cpus, c) && (c >= f->ncpu || sim->rq[c].lease != l))
				die("live lease %u holds cpu %u, which does not point at it", i, c);
		if (lease_state(f, i) != (waits[i] ? SCHED_LEASE_PENDING : SCHED_LEASE_ACTIVE))
			die("lease %u is in state %u, and its CPUs %s", i, lease_state(f, i),
			    waits[i] ? "still run another thread" : "all switched");
	}
	for (unsigned i = 0; i < f->nth; i++) {
		const struct sched_thread *t = &f->th[i]->st;
		uint32_t n = 0;

		for (unsigned k = 0; k < f->nlpool; k++)
			n += f->lrec[k].live && f->lrec[k].thread == t && f->lrec[k].gen == t->gen;
		if (is_live(f->th[i]) && t->nr_leases != n)
			die("thread %u holds %u leases, libsched counts %u", t->id, n, t->nr_leases);
	}
}

/* After every operation: the capabilities of leases that ended fail closed, and change
 * nothing. */
static void stale_lcaps(struct fz *f)
{
	struct sched_lease_info info;

	for (unsigned i = 0; i < MAX_LCAPS && i < f->nlcap; i++) {
		int r;

		if (lcap_live(f, f->lcap[i]))
			continue;
		READ_ONLY(f, "sched_lease_info (stale)", r = sched_lease_info(&f->sim->sys, f->lcap[i], &info));
		if (r != -SCHED_ESTALE)
			die("stale lease capability {%u, %u} answered %d", f->lcap[i].index,
			    f->lcap[i].gen, r);
	}
}

/* Give the lease pool: 0 and NULL refused, a second pool refused (-EEXIST), a pool
 * past 2^16 slots refused before it is touched. */
static void op_lease_pool(struct fz *f)
{
	uint8_t b = u8(f);
	unsigned n = b & 15;
	struct sched_lease *pool;
	int r;

	if (b >= 0xf0) { /* more than 2^16 slots: refused without looking at them */
		struct sched_lease one;

		r = TRY(f, "sched_lease_pool", sched_lease_pool(&f->sim->sys, &one, (1u << 16) + 1));
		if (r != -SCHED_EINVAL)
			die("sched_lease_pool of 2^16 + 1 slots returned %d", r);
		return;
	}
	if (n > MAX_LEASES)
		n = MAX_LEASES;
	pool = calloc(MAX_LEASES, sizeof(*pool));
	if (!pool)
		die("out of memory");
	r = TRY(f, "sched_lease_pool", sched_lease_pool(&f->sim->sys, (b & 0x80) ? NULL : pool, n));
	if (r != (!n || (b & 0x80) ? -SCHED_EINVAL : f->lpool ? -SCHED_EEXIST : 0))
		die("sched_lease_pool(%u slots, %s) returned %d", n, (b & 0x80) ? "NULL" : "storage", r);
	if (r < 0) {
		free(pool);
		return;
	}
	f->lpool = pool;
	f->nlpool = n;
	for (unsigned i = 0; i < n; i++)
		if (pool[i].state != SCHED_LEASE_FREE || pool[i].index != i)
			die("lease slot %u not free after sched_lease_pool", i);
}

#define BITE(e) (1u << (e))

/*
 * Grant: holder a thread (any reference), a group, both or none; a target now and then; any
 * CPU set and token, NULL parameters or output. The result must be one of the refusals
 * whose conditions hold (lease.h orders none of them) or success when none does; a
 * refusal changes nothing; a grant's lease is live over exactly its CPUs, ACTIVE at once
 * exactly when none of them runs another thread, and called the port for each CPU and
 * kind.
 */
static void op_lease_grant(struct fz *f)
{
	struct sched_sys *s = &f->sim->sys;
	uint8_t b = u8(f), c = u8(f);
	struct sched_lease_params p = { 0 };
	struct sched_lease_cap cap = { 0, 0 };
	struct sched_lease nl = { 0 };
	struct sched_auth a = pick_token(f);
	const struct sched_group *g;
	const struct sched_thread *pin, *mig;
	uint64_t before[SCHED_MAX_CPUS];
	struct pref h = { { NULL, 0 }, REF_NULL, NULL };
	unsigned want = 0, general = 0, free_slots = 0;
	bool null_p = b == 0xff, null_out = b == 0xfe;
	int r;

	mask_from(f, &p.cpus);
	switch (b & 7) {
	case 0: case 1: case 2: case 3:
		h = pick_ref(f);
		p.thread = h.r;
		break;
	case 4: case 5:
		p.group = pick_group(f, c); /* NULL: no holder */
		break;
	case 6:
		h = pick_ref(f);
		p.thread = h.r;
		p.group = pick_group(f, c);
		break;
	default:
		break;
	}
	if ((c & 0xc0) == 0xc0)
		p.target = pick_group(f, c >> 1);
	/* what the documents give for this situation */
	g = p.group ? p.group : p.thread.t ? p.thread.t->group : NULL;
	if (null_p || null_out || !a.a || !p.thread.t == !p.group || (p.thread.t && p.thread.t->is_idle) ||
	    sched_cpumask_empty(&p.cpus))
		want |= BITE(SCHED_EINVAL);
	if (p.thread.t && !p.thread.t->is_idle && !ref_live(p.thread))
		want |= BITE(SCHED_ESTALE);
	if (a.a && !tok_live(a))
		want |= BITE(SCHED_ESTALE);
	if (a.a && (!(a.a->rights & SCHED_RIGHT_LEASE) || !sched_cpumask_subset(&p.cpus, &a.a->cpus)))
		want |= BITE(SCHED_EPERM);
	if (a.a && a.a->scope && (!g || !in_scope(g, a.a->scope) ||
				  (p.target && !in_scope(p.target, a.a->scope))))
		want |= BITE(SCHED_EPERM) | (g ? 0 : BITE(SCHED_EINVAL)); /* no group: either */
	for (unsigned k = 0; k < SCHED_MAX_CPUS; k++) {
		if (!sched_cpumask_test(&p.cpus, k))
			continue;
		if (k >= f->ncpu || !f->sim->rq[k].online)
			want |= BITE(SCHED_ECPU);
		else if (f->sim->rq[k].lease)
			want |= BITE(SCHED_ELEASED);
		else if (lease_admitted(f, k))
			want |= BITE(SCHED_EUNSCHED);
	}
	for (unsigned k = 0; k < f->ncpu; k++) /* somewhere for the port's IRQs: no shared island */
		general += f->sim->rq[k].online && !f->sim->rq[k].lease && !f->sim->rq[k].isl_shared &&
			   !sched_cpumask_test(&p.cpus, k);
	if (!general)
		want |= BITE(SCHED_EHOUSEKEEPING);
	for (unsigned i = 0; i < f->nlpool; i++)
		free_slots += !lease_live(&f->lpool[i]);
	if (!free_slots)
		want |= BITE(SCHED_EFULL);
	nl.thread = p.thread.t;
	nl.thread_gen = p.thread.gen;
	nl.group = p.group;
	pin = p.thread.t || p.group ? grant_strands(f, &p.cpus, &nl) : NULL;
	if (pin)
		want |= BITE(SCHED_EPINNED);
	for (unsigned k = 0; k < f->ncpu; k++) /* a thread on its way there: after its switch */
		if (sched_cpumask_test(&p.cpus, k) && f->sim->rq[k].migrating_in)
			want |= BITE(SCHED_EAGAIN);
	mig = migrating_strands(f, &p.cpus, &nl);
	for (unsigned k = 0; k < f->ncpu; k++)
		before[k] = f->port_calls[k][1];
	r = TRY(f, "sched_lease_grant", sched_lease_grant(s, a, null_p ? NULL : &p, null_out ? NULL : &cap));
	if (want ? r >= 0 || -r >= 32 || !(want & BITE(-r)) : r != 0)
		die("sched_lease_grant (cpus %llx, thread %u, group %d, target %d) returned %d (%s); "
		    "the documents allow 0x%x here (error bits; 0: success)",
		    (unsigned long long)p.cpus.w[0], p.thread.t ? p.thread.t->id : 0,
		    group_slot(f, p.group), group_slot(f, p.target), r, r < 0 ? sched_strerror(r) : "ok",
		    want);
	if (r < 0)
		return;
	if (mig) /* it is lost at its CPU's next pick: on no queue and no CPU, for good */
		die("sched_lease_grant succeeded while thread %u, which may run only on its CPUs, "
		    "was migrating there", mig->id);
	if (cap.index >= f->nlpool || !lcap_live(f, cap))
		die("sched_lease_grant gave capability {%u, %u}, which names no live lease", cap.index,
		    cap.gen);
	remember_lcap(f, cap);
	{
		const struct sched_lease *l = &f->lpool[cap.index];
		bool pending = false;

		if (memcmp(&l->cpus, &p.cpus, sizeof(p.cpus)) || l->rec.granted_at != f->sim->now)
			die("lease %u holds cpus %llx granted at %llu, asked %llx at %llu", cap.index,
			    (unsigned long long)l->cpus.w[0], (unsigned long long)l->rec.granted_at,
			    (unsigned long long)p.cpus.w[0], (unsigned long long)f->sim->now);
		for (unsigned k = 0; k < f->ncpu; k++) {
			bool in = sched_cpumask_test(&p.cpus, k);

			if (f->port_calls[k][1] != before[k] + (in && s->cfg.lease_port ? 3 : 0))
				die("lease_port called %llu times for cpu %u (leased %u)",
				    (unsigned long long)(f->port_calls[k][1] - before[k]), k, in);
			if (in && !holds(nl.thread, nl.thread_gen, nl.group, f->sim->rq[k].curr)) {
				f->leaving[k] = f->sim->rq[k].curr;
				f->leaving_of[k] = l;
				pending = true;
			}
		}
		f->lrec[cap.index].live = true;
		f->lrec[cap.index].thread = p.thread.t;
		f->lrec[cap.index].gen = p.thread.gen;
		f->lrec[cap.index].group = p.group;
		f->lrec[cap.index].target = p.target ? p.target : (struct sched_group *)g;
		f->lrec[cap.index].since = f->sim->now;
		f->lrec[cap.index].cpus = p.cpus;
		if (lease_state(f, cap.index) != (pending ? SCHED_LEASE_PENDING : SCHED_LEASE_ACTIVE))
			die("lease %u granted in state %u, with %s", cap.index, lease_state(f, cap.index),
			    pending ? "a CPU still running another thread" : "every CPU switched");
	}
}

/* The lease in slot l ended with `cause` (its state, as a revocation leaves it). */
static void lease_gone(struct fz *f, const struct sched_lease *l, unsigned cause, const char *how)
{
	uint64_t held = 0;

	if (lease_live(l) || l->cause != cause || !f->lrec[l->index].live)
		die("after %s, lease %u is in state %u with cause %u (expected %u)", how, l->index,
		    l->state, l->cause, cause);
	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++)
		held += sched_cpumask_test(&f->lrec[l->index].cpus, c) ? f->sim->now - f->lrec[l->index].since : 0;
	for (const struct sched_group *g = f->lrec[l->index].target; g; g = g->parent)
		if (group_slot(f, g) >= 0)
			f->leased_closed[group_slot(f, g)] += held;
	f->lrec[l->index].live = false;
	for (unsigned c = 0; c < f->ncpu; c++)
		if (f->sim->rq[c].lease == l)
			die("after %s, cpu %u still points at lease %u", how, c, l->index);
}

static void op_lease_revoke(struct fz *f)
{
	struct sched_lease_cap cap = pick_lcap(f);
	const struct sched_lease *l = lcap_live(f, cap);
	uint64_t before[SCHED_MAX_CPUS];
	sched_cpumask_t cpus;
	int r;

	sched_cpumask_clear(&cpus);
	if (l)
		cpus = l->cpus;
	for (unsigned k = 0; k < f->ncpu; k++)
		before[k] = f->port_calls[k][0];
	r = TRY(f, "sched_lease_revoke", sched_lease_revoke(&f->sim->sys, cap));
	if (r != (l ? l->island ? -SCHED_EPERM : 0 : -SCHED_ESTALE)) /* an island's: it ends with it */
		die("sched_lease_revoke of a %s capability returned %d", l ? "live" : "stale", r);
	if (!l || r < 0)
		return;
	lease_gone(f, l, SCHED_LEASE_REVOKED, "sched_lease_revoke");
	if (l->gen == cap.gen)
		die("sched_lease_revoke left lease %u at generation %u", l->index, cap.gen);
	for (unsigned k = 0; k < f->ncpu; k++)
		if (f->port_calls[k][0] != before[k] +
		    (sched_cpumask_test(&cpus, k) && f->sim->sys.cfg.lease_port ? 3 : 0))
			die("lease_port called %llu times for cpu %u at a revocation",
			    (unsigned long long)(f->port_calls[k][0] - before[k]), k);
}

/* Revoke the leases of a group subtree: exactly those whose holder (a group, or a thread's
 * group) is in it, each with the cause its kind gives. */
static void op_lease_revoke_owned(struct fz *f)
{
	struct sched_auth a = pick_token(f);
	uint8_t b = u8(f);
	struct sched_group *owner = (b & 0xf0) == 0xf0 ? NULL : pick_group(f, b);
	bool hit[MAX_LEASES] = { false };
	unsigned want = 0, n = 0;
	int r;

	if (!owner || !a.a)
		want |= BITE(SCHED_EINVAL);
	if (a.a && !tok_live(a))
		want |= BITE(SCHED_ESTALE);
	if (a.a && owner && (!(a.a->rights & SCHED_RIGHT_LEASE) || !in_scope(owner, a.a->scope)))
		want |= BITE(SCHED_EPERM);
	for (unsigned i = 0; owner && i < f->nlpool; i++) {
		const struct sched_group *hg = f->lrec[i].group ? f->lrec[i].group
					     : f->lrec[i].thread ? f->lrec[i].thread->group : NULL;

		hit[i] = f->lrec[i].live && hg && in_scope(hg, owner) && !f->lpool[i].island;
		n += hit[i];
	}
	r = TRY(f, "sched_lease_revoke_owned", sched_lease_revoke_owned(&f->sim->sys, a, owner));
	if (want ? r >= 0 || -r >= 32 || !(want & BITE(-r)) : r != (int)n)
		die("sched_lease_revoke_owned returned %d; expected %d (error bits 0x%x)", r,
		    want ? -1 : (int)n, want);
	for (unsigned i = 0; r >= 0 && i < f->nlpool; i++)
		if (hit[i])
			lease_gone(f, &f->lpool[i], owner->kind == SCHED_GROUP_SERVICE ? SCHED_LEASE_SERVICE
				   : owner->kind == SCHED_GROUP_SESSION ? SCHED_LEASE_SESSION
				   : SCHED_LEASE_HOLDER_EXIT, "sched_lease_revoke_owned");
}

/* The reads: a lease's state (0 exactly for a live capability, a true copy), the
 * housekeeping set; NULL arguments. They change nothing. */
static void op_lease_observe(struct fz *f)
{
	struct sched_sys *s = &f->sim->sys;
	struct sched_lease_cap cap = pick_lcap(f);
	const struct sched_lease *l = lcap_live(f, cap);
	struct sched_lease_info info;
	uint8_t b = u8(f);
	sched_cpumask_t hk;
	int r;

	READ_ONLY(f, "sched_lease_info / sched_housekeeping", {
		r = sched_lease_info((b & 0x10) ? NULL : s, cap, (b & 0x20) ? NULL : &info);
		sched_housekeeping(s, &hk);
		sched_housekeeping(NULL, &hk);
		sched_housekeeping(s, NULL);
	});
	if (r != ((b & 0x30) ? -SCHED_EINVAL : l ? 0 : -SCHED_ESTALE))
		die("sched_lease_info of a %s capability returned %d", l ? "live" : "stale", r);
	if (r == 0 && ((info.state == SCHED_LEASE_ACTIVE) != (info.rec.active_at != SCHED_TIME_NEVER) ||
		       info.state == SCHED_LEASE_FREE ||
		       memcmp(&info.cpus, &f->lrec[l->index].cpus, sizeof(info.cpus)) ||
		       info.rec.granted_at != f->lrec[l->index].since))
		die("sched_lease_info of lease %u: state %u, cpus %llx, granted at %llu", l->index,
		    info.state, (unsigned long long)info.cpus.w[0],
		    (unsigned long long)info.rec.granted_at);
	if (r == 0 && info.state == SCHED_LEASE_ACTIVE) /* its record: every step done, in order */
		for (unsigned k = 0; k < SCHED_LEASE_STEP_NR; k++)
			if (info.rec.step_at[k] == SCHED_TIME_NEVER ||
			    sched_time_before(info.rec.step_at[k], info.rec.granted_at) ||
			    info.rec.active_at != info.rec.step_at[SCHED_LEASE_STEP_SWITCHED])
				die("active lease %u: step %u done at %llu, granted at %llu", l->index, k,
				    (unsigned long long)info.rec.step_at[k],
				    (unsigned long long)info.rec.granted_at);
}

/* --- rings ---------- */

static bool ring_owner_live(const struct sched_ring *r)
{
	return ref_live(r->owner);
}

/* A consumer whose wake cannot succeed now: passive without an SC to run on, or no online
 * CPU its affinity and the leases allow. */
static bool cannot_wake(struct fz *f, const struct sched_thread *t)
{
	if (t->passive && !t->sc && !t->own_sc)
		return true;
	for (unsigned d = 0; d < f->ncpu; d++) {
		const struct sched_lease *l = f->sim->rq[d].lease;

		if (f->sim->rq[d].online && sched_cpumask_test(&t->affinity, d) && (!l || lease_holds(f, l, t)))
			return false;
	}
	return true;
}

/* (Re-)initialise a ring without a live consumer (idle times 0: the default, 1 ns .. 2.55
 * ms, past the horizon: refused), or NULL. */
static void op_ring_init(struct fz *f)
{
	uint8_t b = u8(f), c = u8(f);
	unsigned k = b % MAX_RINGS;
	uint64_t idle = c == 0xff ? SCHED_TIME_HORIZON_NS + 1 : (uint64_t)c * 10 * US;
	bool null = (b & 0xf0) == 0xf0;
	int r;

	if (!null && ring_owner_live(&f->ring[k]))
		return; /* the kernel does not re-create a ring in use */
	r = TRY(f, "sched_ring_init", sched_ring_init(null ? NULL : &f->ring[k], idle));
	if (r != (null || idle > SCHED_TIME_HORIZON_NS ? -SCHED_EINVAL : 0))
		die("sched_ring_init(idle %llu) returned %d", (unsigned long long)idle, r);
	if (r == 0) {
		if (f->ring[k].idle_ns != (idle ? idle : SCHED_RING_IDLE_DEFAULT_NS) || f->ring[k].owner.t)
			die("sched_ring_init left ring %u with idle %llu", k,
			    (unsigned long long)f->ring[k].idle_ns);
		f->published[k] = f->consumed[k] = 0;
		f->parked[k] = f->late_submit[k] = false;
	}
}

/* Register (the current thread of this CPU, or any reference) or unregister a consumer. */
static void op_ring_register(struct fz *f, unsigned cpu, bool reg)
{
	uint8_t b = u8(f);
	unsigned k = b % MAX_RINGS;
	struct sched_ring *rg = (b & 0xf0) == 0xf0 ? NULL : &f->ring[k];
	struct sim_thread *cur = thread_of(f, f->sim->rq[cpu].curr);
	struct pref p = { sched_ref_of(f->sim->rq[cpu].curr), REF_IDLE, NULL };
	unsigned want;
	int r;

	if (b & 8)
		p = pick_ref(f);
	else if (cur)
		p = live_ref(cur);
	if (reg) {
		struct sched_ref old = rg ? rg->owner : (struct sched_ref){ NULL, 0 };

		want = !rg || !p.r.t || p.r.t->is_idle ? BITE(SCHED_EINVAL)
		     : !ref_live(p.r) ? BITE(SCHED_ESTALE) : ring_owner_live(rg) ? BITE(SCHED_EOWNED) : 0;
		r = TRY(f, "sched_ring_register", sched_ring_register(&f->sim->sys, rg, p.r));
		if (want ? r >= 0 || !(want & BITE(-r)) : r != 0)
			die("sched_ring_register of thread %u (owner %u) returned %d",
			    p.r.t ? p.r.t->id : 0, old.t ? old.t->id : 0, r);
		if (r == 0 && (rg->owner.t != p.r.t || rg->owner.gen != p.r.gen || rg->need_wakeup ||
			       rg->last_work != f->sim->now))
			die("ring %u after a registration: owner %u, marked %u", k,
			    rg->owner.t ? rg->owner.t->id : 0, rg->need_wakeup);
	} else {
		bool mine = rg && ref_live(p.r) && rg->owner.t == p.r.t && rg->owner.gen == p.r.gen;

		want = !rg || !p.r.t ? BITE(SCHED_EINVAL) : !mine ? BITE(SCHED_EPERM) : 0;
		r = TRY(f, "sched_ring_unregister", sched_ring_unregister(&f->sim->sys, rg, p.r));
		if (want ? r >= 0 || !(want & BITE(-r)) : r != 0)
			die("sched_ring_unregister of thread %u returned %d", p.r.t ? p.r.t->id : 0, r);
		if (r == 0 && rg->owner.t)
			die("ring %u still owned after an unregistration", k);
	}
	if (r == 0)
		f->parked[k] = f->late_submit[k] = false;
}

/* Publish entries and submit (from this CPU): 1 exactly when the ring was marked (its
 * consumer is unparked), 0 while it polls, -ESTATE without a live consumer. */
static void op_ring_submit(struct fz *f)
{
	uint8_t b = u8(f);
	unsigned k = b % MAX_RINGS;
	struct sched_ring *rg = (b & 0xf0) == 0xf0 ? NULL : &f->ring[k];
	bool live = rg && ring_owner_live(rg), mark = rg && rg->need_wakeup;
	struct sched_thread *o = rg ? rg->owner.t : NULL;
	bool parked = live && f->parked[k] && o->state == SCHED_BLOCKED;
	int r;

	if (rg) {
		f->before_submit[k] = f->published[k];
		f->published[k] += 1 + (b >> 5); /* the entries first, then the call */
	}
	r = TRY(f, "sched_ring_submit", sched_ring_submit(&f->sim->sys, rg));
	if (rg && live && mark && o->state == SCHED_BLOCKED && !o->waits_on &&
	    (cannot_wake(f, o) || r == -SCHED_ELENT)) {
		/* (a consumer that waits on a mutex instead is left a permit: sched_unpark) */
		/* its wake would fail: refused with the wake's answer, the ring still marked */
		if (r != -SCHED_EAFFINITY && r != -SCHED_ENOSC && r != -SCHED_ELENT)
			die("sched_ring_submit returned %d for a consumer that cannot run", r);
		f->refused[k] = true; /* the entries stay published: a later submit wakes it */
		return;
	}
	if (r != (!rg ? -SCHED_EINVAL : !live ? -SCHED_ESTATE : mark ? 1 : 0))
		die("sched_ring_submit returned %d (live consumer %u, marked %u)", r, live, mark);
	if (rg) /* its consumer may have looked (its recheck) before it, after its mark */
		f->late_submit[k] = r == 1;
	if (r == 1 && rg->need_wakeup)
		die("ring %u still marked after a submit unparked its consumer", k);
	if (r == 1 && parked && o->state == SCHED_BLOCKED)
		die("ring %u: a submit unparked consumer %u, which still sleeps", k, o->id);
}

/*
 * The current thread of this CPU polls with what it finds: it looks at the ring now and
 * takes every entry published, or (bit 8 of its byte, when the last submission found the
 * ring marked and no poll came since) says what a look made just before that submission
 * found: its recheck came after its mark but before the submission; or a bad CPU, a NULL
 * ring or next. The result must be the one the protocol of ring.h gives.
 */
static void op_ring_poll(struct fz *f, unsigned cpu)
{
	struct sched_sys *s = &f->sim->sys;
	uint8_t b = u8(f);
	unsigned k = b % MAX_RINGS, c = (b & 0xe0) == 0xe0 ? f->ncpu + (b & 7) : cpu;
	struct sched_ring *rg = (b & 0xf0) == 0xd0 ? NULL : &f->ring[k];
	bool null_next = (b & 0xf0) == 0xc0;
	struct sched_thread *me = f->sim->rq[cpu].curr, *next = NULL;
	uint64_t seen = (b & 8) && f->late_submit[k] ? f->before_submit[k] : f->published[k];
	bool work = seen > f->consumed[k];
	bool mine = rg && ring_owner_live(rg) && rg->owner.t == me;
	bool idle = rg && f->sim->now - rg->last_work >= rg->idle_ns, mark = rg && rg->need_wakeup;
	uint8_t permit = me->permit;
	int want, r;

	if (rg && seen > f->consumed[k])
		f->consumed[k] = seen;
	if (rg)
		f->late_submit[k] = false;
	want = !rg || null_next || c >= f->ncpu ? -SCHED_EINVAL : !mine ? -SCHED_EPERM
	     : work || !idle ? 0 : !mark ? SCHED_RING_RECHECK : 0;
	r = TRY(f, "sched_ring_poll", sched_ring_poll(s, c, rg, work, null_next ? NULL : &next));
	if (r != want)
		die("sched_ring_poll (consumer %u, work %u, idle %u, marked %u) returned %d, not %d",
		    me->id, work, idle, mark, r, want);
	if (r < 0)
		return;
	if (work && (rg->need_wakeup || rg->last_work != f->sim->now))
		die("sched_ring_poll with work left ring %u marked or its last work at %llu", k,
		    (unsigned long long)rg->last_work);
	if (r == SCHED_RING_RECHECK && !rg->need_wakeup)
		die("sched_ring_poll asked for a recheck without marking ring %u", k);
	if (work || !idle || !mark || r == SCHED_RING_RECHECK) {
		if (next != me)
			die("sched_ring_poll (no park) switched away from its consumer");
		return;
	}
	/* parked: on its permit it goes on; else it sleeps, and no entry waits for it */
	if (permit ? next != me : next == me || me->state != SCHED_BLOCKED)
		die("sched_ring_poll park of consumer %u (permit %u): next %u, state %u", me->id,
		    permit, next ? next->id : 0, me->state);
	if (!permit) {
		f->parked[k] = true;
		if (f->published[k] != f->consumed[k])
			die("ring %u: its consumer parked with entries it did not see", k);
		apply_next(f, cpu, next);
	}
}

/* After every operation: a parked consumer misses nothing (the ring stays marked, and no
 * entry waits for it). */
static void ring_checks(struct fz *f)
{
	for (unsigned k = 0; f->lease_mode && k < MAX_RINGS; k++) {
		const struct sched_ring *rg = &f->ring[k];

		if (f->parked[k] && (!ring_owner_live(rg) || rg->owner.t->state != SCHED_BLOCKED))
			f->parked[k] = false; /* it ran again, or exited */
		if (!f->parked[k])
			f->refused[k] = false;
		if (f->parked[k] && !cannot_wake(f, rg->owner.t) &&
		    (!rg->need_wakeup || (f->published[k] != f->consumed[k] && !f->refused[k])))
			die("ring %u: consumer %u parked, marked %u, %llu entries waiting", k,
			    rg->owner.t->id, rg->need_wakeup,
			    (unsigned long long)(f->published[k] - f->consumed[k]));
	}
}

/* --- realtime islands (island mode) ------------------------------------------------------------ */

/* The island a live island thread t belongs to (it runs on an admitted island's member SC),
 * or NULL: what sched_call's path rule and sched_island_report look at. */
static struct sched_island *island_of_thread(const struct sched_thread *t)
{
	const struct sched_sc *sc = t->sc;

	return sc && sc->state == SCHED_SC_CONFIGURED && sc->island && sc->island->state
		? sc->island : NULL;
}

/* The island's live member SC in slot i, or NULL (island.c member_sc). */
static const struct sched_sc *isl_member(struct fz *f, const struct sched_island *isl, unsigned i)
{
	struct sched_sc_cap c = isl->scs[i];
	const struct sched_sc *sc;

	if (c.index == SCHED_ISLAND_NONE || c.index >= f->npool)
		return NULL;
	sc = &f->pool[c.index];
	return sc->gen == c.gen && sc->state == SCHED_SC_CONFIGURED && sc->island == isl ? sc : NULL;
}

/* A path of isl from t (a server of it, or the thread owning a member's SC) to server `to`. */
static bool isl_declared(struct fz *f, const struct sched_island *isl, const struct sched_thread *t,
			 const struct sched_thread *to)
{
	int from = -1;

	if (t->isl_server == isl)
		from = SCHED_ISLAND_FROM_SERVER | t->isl_server_idx;
	for (unsigned i = 0; from < 0 && t->own_sc && i < isl->nr_scs; i++)
		if (isl_member(f, isl, i) == t->own_sc)
			from = (int)i;
	if (from < 0 || !to || to->isl_server != isl)
		return false;
	for (unsigned k = 0; k < isl->nr_paths; k++)
		if (isl->paths[k].from == from && isl->paths[k].to == to->isl_server_idx)
			return true;
	return false;
}

/* The island whose path rule refuses a call from the current thread me to `to` (the call's
 * other checks passing), or NULL: me's island on an undeclared path, else to's (a call to
 * its server from outside). */
static struct sched_island *isl_refuses(struct fz *f, const struct sched_thread *me,
					struct sched_ref to)
{
	struct sched_island *mine, *theirs;

	if (!f->island_mode || !me || me->is_idle || me->state == SCHED_EXITED || !ref_live(to) ||
	    to.t == me || (to.t->state != SCHED_BLOCKED && to.t->state != SCHED_NEW) || to.t->waits_on)
		return NULL;
	mine = island_of_thread(me);
	theirs = to.t->isl_server && to.t->isl_server->state ? to.t->isl_server : NULL;
	if (!mine && !theirs)
		return NULL;
	if (mine && isl_declared(f, mine, me, to.t))
		return NULL;
	return mine ? mine : theirs;
}

/* Before a call that may count violation `what` against island isl (NULL: none expected):
 * the snapshot, and what the count may change. */
static void viol_take(struct fz *f, struct sched_island *isl, unsigned what,
		      const struct sched_thread *t, struct viol_before *vb, const char *call)
{
	vb->isl = isl;
	vb->count = isl ? isl->violations[what] : 0;
	vb->notes = f->sim->notifications;
	vb->cpu = t ? t->cpu : 0;
	vb->head = t ? f->sim->rq[vb->cpu].trace.head : 0;
	snap_take(f, call);
}

/* After it: a violation (r: -SCHED_EPATH, or 1 for a report) counted once against the
 * island expected, a trace event and a notification to its endpoint, and nothing else
 * changed; any other error: nothing changed. */
static void viol_done(struct fz *f, const struct viol_before *vb, unsigned what, bool violation,
		      const char *call, int r)
{
	struct sched_island *isl = vb->isl;
	uint64_t note;

	if (!violation) {
		try_done(f, call, r);
		return;
	}
	if (!isl)
		die("%s returned %d where no island's path rule applies", call, r);
	note = isl->endpoint && f->sim->sys.cfg.notify;
	if (isl->violations[what] != vb->count + 1 || f->sim->notifications != vb->notes + note ||
	    f->sim->rq[vb->cpu].trace.head != vb->head + 1)
		die("%s returned %d: island %u counts %llu violations %u (was %llu), %llu "
		    "notifications (was %llu)", call, r, isl->index,
		    (unsigned long long)isl->violations[what], what, (unsigned long long)vb->count,
		    (unsigned long long)f->sim->notifications, (unsigned long long)vb->notes);
	isl->violations[what]--;
	f->sim->notifications -= note;
	snap_check(f, call, -SCHED_EPATH); /* nothing else changed */
	isl->violations[what]++;
	f->sim->notifications += note;
	f->cur_call = NULL;
	if (f->trace)
		fprintf(stderr, "  t=%llu: %s = %d (a violation against island %u)\n",
			(unsigned long long)f->sim->now, call, r, isl->index);
}

static void fz_island_irq(void *ctx, unsigned line, unsigned cpu, bool reserve)
{
	struct fz *f = g_fz;

	(void)ctx;
	if (!f || !f->island_mode || cpu >= f->ncpu || line >= 8 ||
	    (reserve ? f->irq_route[line] != 0 : f->irq_route[line] != cpu + 1) ||
	    f->sim->sys.sc_lock.next != f->sim->sys.sc_lock.owner)
		die("island_irq(line %u, cpu %u, reserve %u) against its contract (routed to %d)", line,
		    cpu, reserve, line < 8 && f ? (int)f->irq_route[line] - 1 : -1);
	f->irq_route[line] = reserve ? cpu + 1 : 0;
	f->irq_calls[reserve]++;
}

static void remember_icap(struct fz *f, struct sched_island_cap c)
{
	f->icap[f->nicap % MAX_ICAPS] = c;
	f->nicap++;
}

/* An island capability chosen by the input: one seen, or a guessed one. */
static struct sched_island_cap pick_icap(struct fz *f)
{
	uint8_t b = u8(f);

	if (f->nicap && b < 0xc0)
		return f->icap[b % (f->nicap < MAX_ICAPS ? f->nicap : MAX_ICAPS)];
	return (struct sched_island_cap){ b & 7, (b >> 3) & 3 };
}

/* The admitted island a capability names, or NULL. */
static struct sched_island *icap_live(struct fz *f, struct sched_island_cap c)
{
	struct sched_island *isl = c.index < f->nipool ? &f->ipool[c.index] : NULL;

	return isl && isl->state && isl->gen == c.gen ? isl : NULL;
}

/* A fresh SC for a member (a pool slot and a ring of 2 or 4 refills), or a capability the
 * input picks; false when the pool is full. */
static bool member_cap(struct fz *f, uint8_t b, struct sched_sc_cap *cap)
{
	struct sched_refill *ring;
	unsigned n = (b & 1) ? 2 : 4;

	if (b >= 0xc0) {
		*cap = pick_cap(f);
		return true;
	}
	ring = calloc(n, sizeof(*ring));
	if (!ring)
		die("out of memory");
	if (sched_sc_create(&f->sim->sys, pick_group(f, b), ring, n, cap) < 0) {
		free(ring);
		*cap = pick_cap(f);
		return true;
	}
	sc_made(f, *cap, ring, b);
	return true;
}

/* A member's parameters: small budgets on the island's CPUs (one of them, or all), now and
 * then out of range or outside them. */
static void member_params(struct fz *f, struct sched_sc_params *p, const sched_cpumask_t *cpus)
{
	static const uint64_t budget[] = { 20 * US, 50 * US, 100 * US, 200 * US, 500 * US, MS, 5,
					   3 * MS };
	static const uint64_t period[] = { MS, 2 * MS, 5 * MS, 10 * MS, MS, 4 * MS, 0, 20 * MS };
	uint8_t b = u8(f), c = u8(f);

	*p = (struct sched_sc_params){ .budget_ns = budget[b & 7], .period_ns = period[(b >> 3) & 7],
				       .mode = (uint8_t)((b >> 6) & 1),
				       .dispatch = (uint8_t)((b >> 7) ? SCHED_SC_GLOBAL
								      : SCHED_SC_PARTITIONED) };
	if (c & 1)
		p->deadline_ns = p->period_ns / 2 > p->budget_ns ? p->period_ns / 2 : p->budget_ns;
	p->cpus = *cpus;
	if ((c & 6) == 2) { /* one CPU of the island's */
		unsigned k = (c >> 3) % (f->ncpu ? f->ncpu : 1), n = 0;

		for (unsigned x = 0; x < SCHED_MAX_CPUS; x++)
			if (sched_cpumask_test(cpus, x) && n++ == k) {
				sched_cpumask_clear(&p->cpus);
				sched_cpumask_set(&p->cpus, x);
			}
	} else if ((c & 6) == 4) {
		mask_from(f, &p->cpus); /* anything */
	}
	if (c >= 0xf8)
		p->blocking_ns = p->period_ns; /* too much */
}

/* The pools an input may give later (island mode without them at boot): island slots
 * (1 .. 4, NULL, 0 or a second pool refused) and the memory pools (two: 4 and 16 pages;
 * NULL, 0, too many, a pool with bookings or a second declaration refused). */
static void op_isl_pools(struct fz *f)
{
	uint8_t b = u8(f);
	struct sched_sys *s = &f->sim->sys;
	int r;

	if (b & 1) {
		unsigned n = (b >> 1) & 7;
		struct sched_island *pool = calloc(MAX_ISLANDS, sizeof(*pool));

		if (!pool)
			die("out of memory");
		if (n > MAX_ISLANDS)
			n = MAX_ISLANDS;
		r = TRY(f, "sched_island_pool", sched_island_pool(s, (b & 0x80) ? NULL : pool, n));
		if (r != (!n || (b & 0x80) ? -SCHED_EINVAL : f->ipool ? -SCHED_EEXIST : 0))
			die("sched_island_pool(%u slots, %s) returned %d", n, (b & 0x80) ? "NULL" : "storage", r);
		if (r < 0) {
			free(pool);
			return;
		}
		f->ipool = pool;
		f->nipool = n;
		for (unsigned i = 0; i < n; i++)
			if (pool[i].state || pool[i].index != i || !pool[i].gen)
				die("island slot %u not free after sched_island_pool", i);
	} else {
		unsigned n = (b >> 1) & 3, booked = (b >> 3) & 1;
		struct sched_mem_pool tmp[3] = { { "dma", 4, 0 }, { "heap", 16, 0 }, { "x", 1, 0 } };
		bool mine = (n == 1 || n == 2) && !booked && !(b & 0x80) && !f->mpools_given;

		if (n == 3)
			n = SCHED_MEM_POOLS_MAX + 1;
		tmp[0].booked = booked;
		if (mine) { /* the pools libsched keeps */
			f->mpool[0] = tmp[0];
			f->mpool[1] = tmp[1];
		}
		r = TRY(f, "sched_island_mem_pools", /* one pool (dma) or both */
			sched_island_mem_pools(s, (b & 0x80) ? NULL : mine ? f->mpool : tmp, n));
		/* a second declaration with bookings: either (island.h orders them not) */
		if (r != ((b & 0x80) || !n || n > SCHED_MEM_POOLS_MAX || booked ? -SCHED_EINVAL
			  : f->mpools_given ? -SCHED_EEXIST : 0) &&
		    !(r == -SCHED_EEXIST && f->mpools_given && booked && !(b & 0x80) && n &&
		      n <= SCHED_MEM_POOLS_MAX))
			die("sched_island_mem_pools(%u, booked %u, %s) returned %d", n, booked,
			    (b & 0x80) ? "NULL" : "storage", r);
		if (r == 0 && !mine)
			die("sched_island_mem_pools took pools the target does not keep");
		f->mpools_given |= r == 0;
	}
}

#define ISL_ERRORS (BITE(SCHED_EINVAL) | BITE(SCHED_ECPU) | BITE(SCHED_ESTALE) | BITE(SCHED_EPERM) | \
		    BITE(SCHED_ESTATE) | BITE(SCHED_EFULL) | BITE(SCHED_ERESERVE) | BITE(SCHED_EPATH) | \
		    BITE(SCHED_EUNSCHED) | BITE(SCHED_ELEASED) | BITE(SCHED_EHOUSEKEEPING) |         \
		    BITE(SCHED_EAGAIN) | BITE(SCHED_EPINNED))

/* The verdict of an admission or add says what the call returned. */
static void check_verdict(const char *call, int r, const struct sched_island_verdict *v)
{
	char line[160];

	if (!v)
		return;
	sched_island_explain(v, NULL, NULL, line, sizeof(line));
	if (r < 0 ? r >= 0 || -r >= 32 || !(ISL_ERRORS & BITE(-r)) || v->accepted || v->err != r
		  : r != 0 || !v->accepted || v->err)
		die("%s returned %d (%s), verdict accepted %u err %d: \"%s\"", call, r,
		    r < 0 ? sched_strerror(r) : "ok", v->accepted, v->err, line);
}

/* Member SC `cap` of island isl, configured as p asks: inside p's CPUs and the island's. */
static void check_isl_member(struct fz *f, const struct sched_island *isl, struct sched_sc_cap cap,
			     const struct sched_sc_params *p, uint16_t cpu)
{
	const struct sched_sc *sc = cap.index < f->npool ? &f->pool[cap.index] : NULL;

	if (!sc || sc->gen != cap.gen || sc->state != SCHED_SC_CONFIGURED || sc->island != isl ||
	    !sched_cpumask_subset(&sc->cpus, &p->cpus) || !sched_cpumask_subset(&sc->cpus, &isl->cpus) ||
	    sc->overrun != isl->overrun || sc->endpoint != isl->endpoint ||
	    (cpu != SCHED_RT_NO_CPU && !sched_cpumask_test(&sc->cpus, cpu)))
		die("island %u: member SC %u is not configured as asked (state %u, cpus %llx)",
		    isl->index, cap.index, sc ? sc->state : 0, sc ? (unsigned long long)sc->cpus.w[0] : 0);
}

/*
 * Admit an island from the input's bytes: its group, CPUs, mode, overrun policy, endpoint;
 * 0-4 members (fresh SCs mostly, or any capability), servers (any reference), paths, IRQs
 * and bookings, any of them malformed; any token; NULL out or verdict. The result is one
 * island.h lists; a refusal changes nothing (the island and memory pools, the IRQ routing
 * and the lease_port calls compared too); an admission configures each member inside the
 * island's CPUs, books the pools, routes the IRQs, marks the servers and (leased) takes a
 * group lease over exactly its CPUs, which lease_checks follows from then on.
 */
static void op_isl_admit(struct fz *f)
{
	static const uint64_t gap[] = { MS, 2 * MS, 10 * MS, 0 }, cost[] = { US, 10 * US, 30 * US,
									  3 * MS };
	struct sched_sys *s = &f->sim->sys;
	struct sched_island_member m[4];
	struct sched_island_server srv[3];
	struct sched_island_path path[4];
	struct sched_island_irq irq[3];
	struct sched_island_mem mem[3];
	struct sched_island_params p = { 0 };
	struct sched_island_verdict v;
	struct sched_island_cap cap = { 0, 0 };
	uint8_t b = u8(f), c = u8(f), d = u8(f);
	uint64_t before[SCHED_MAX_CPUS], booked[2] = { f->mpool[0].booked, f->mpool[1].booked };
	uint64_t irqs = f->irq_calls[1];
	bool null_v = d & 0x40, null_out = d == 0xff;
	struct sched_auth a;
	int r;

	p.group = pick_group(f, b);
	mask_from(f, &p.cpus);
	p.cpu_mode = (uint8_t)((c & 0x80) ? 2 + (c & 1) : c & 1);
	p.overrun = (uint8_t)((c >> 1) & 3);
	p.endpoint = (c & 8) ? 0 : 9000 + ((c >> 4) & 7);
	p.name = "fz";
	p.nr_members = (d & 0x30) == 0x30 && (d & 8) ? 0 : 1 + (d & 3);
	p.nr_servers = (d >> 2) & 3 ? 1 + ((d >> 3) & 1) : 0;
	for (unsigned i = 0; i < p.nr_members; i++) {
		member_cap(f, u8(f), &m[i].sc);
		member_params(f, &m[i].p, &p.cpus);
		m[i].name = NULL;
	}
	for (unsigned k = 0; k < p.nr_servers; k++)
		srv[k] = (struct sched_island_server){ pick_ref(f).r, NULL };
	p.nr_paths = p.nr_servers ? u8(f) % 4 : 0;
	for (unsigned k = 0; k < p.nr_paths; k++) {
		uint8_t x = u8(f), y = u8(f);

		path[k] = (struct sched_island_path){
			.from = (uint16_t)((x & 0x80) ? SCHED_ISLAND_FROM_SERVER | (x & 3) : x % 5),
			.to = (uint16_t)((x >> 3) & 3), .calls = y & 3, .cost_ns = cost[(y >> 2) & 3] };
	}
	p.nr_irqs = (b & 0x80) ? 1 + ((b >> 6) & 1) : 0;
	for (unsigned k = 0; k < p.nr_irqs; k++) {
		uint8_t x = u8(f);

		irq[k] = (struct sched_island_irq){ .line = x & 7, .cpu = (uint16_t)((x >> 3) % (f->ncpu + 1)),
						    .min_gap_ns = gap[(x >> 6) & 3],
						    .cost_ns = cost[(x >> 5) & 1] };
	}
	p.nr_mem = (c >> 5) & 3;
	if (p.nr_mem == 3)
		p.nr_mem = 0;
	for (unsigned k = 0; k < p.nr_mem; k++) {
		uint8_t x = u8(f);

		mem[k] = (struct sched_island_mem){ (uint16_t)(x % 3), (x >> 2) % 9 };
	}
	p.members = p.nr_members ? m : NULL;
	p.servers = srv;
	p.paths = path;
	p.irqs = irq;
	p.mem = mem;
	a = pick_token(f);
	for (unsigned k = 0; k < f->ncpu; k++)
		before[k] = f->port_calls[k][1];
	r = TRY(f, "sched_island_admit",
		sched_island_admit(s, a, &p, null_out ? NULL : &cap, null_v ? NULL : &v));
	if (f->trace && !null_v) {
		char line[160];

		sched_island_explain(&v, &p, f->mpool, line, sizeof(line));
		fprintf(stderr, "  island: %s (cpus %llx, %s, %u members, %u servers, %u paths, %u IRQs, "
			"%u bookings)\n", line, (unsigned long long)p.cpus.w[0],
			p.cpu_mode == SCHED_ISLAND_LEASED ? "leased" : "shared", p.nr_members,
			p.nr_servers, p.nr_paths, p.nr_irqs, p.nr_mem);
	}
	check_verdict("sched_island_admit", r, null_v ? NULL : &v);
	if (r < 0)
		return;
	if (null_out || !icap_live(f, cap))
		die("sched_island_admit gave capability {%u, %u}, which names no admitted island",
		    cap.index, cap.gen);
	remember_icap(f, cap);
	{
		struct sched_island *isl = &f->ipool[cap.index];
		bool pending = false;

		for (unsigned i = 0; i < p.nr_members; i++)
			check_isl_member(f, isl, m[i].sc, &m[i].p, null_v ? SCHED_RT_NO_CPU : v.cpu_of[i]);
		for (unsigned k = 0; k < p.nr_servers; k++)
			if (srv[k].t.t->isl_server != isl)
				die("server %u of island %u not marked", srv[k].t.t->id, cap.index);
		for (unsigned k = 0; k < p.nr_mem; k++)
			booked[mem[k].pool] += mem[k].pages;
		if (f->mpool[0].booked != booked[0] || f->mpool[1].booked != booked[1] ||
		    f->irq_calls[1] != irqs + p.nr_irqs)
			die("island %u: pools booked %llu %llu (expected %llu %llu), %llu IRQs routed for %u",
			    cap.index, (unsigned long long)f->mpool[0].booked,
			    (unsigned long long)f->mpool[1].booked, (unsigned long long)booked[0],
			    (unsigned long long)booked[1], (unsigned long long)(f->irq_calls[1] - irqs),
			    p.nr_irqs);
		for (unsigned k = 0; k < f->ncpu; k++)
			if (f->port_calls[k][1] != before[k] + (!sched_cpumask_test(&p.cpus, k) ||
				!s->cfg.lease_port ? 0 : p.cpu_mode == SCHED_ISLAND_LEASED ? 3
				: s->rq[k].isl_shared == 1)) /* the first shared island over it */
				die("lease_port called %llu times for cpu %u at an island's admission",
				    (unsigned long long)(f->port_calls[k][1] - before[k]), k);
		if (p.cpu_mode != SCHED_ISLAND_LEASED)
			return;
		/* its lease: to its group, charged to it, over exactly its CPUs */
		{
			struct sched_lease_cap lc = isl->lease;
			const struct sched_lease *l = lc.index < f->nlpool ? &f->lpool[lc.index] : NULL;

			if (!l || !lcap_live(f, lc) || !l->island || l->group != p.group || l->thread ||
			    memcmp(&l->cpus, &p.cpus, sizeof(p.cpus)) || f->lrec[lc.index].live)
				die("leased island %u holds no lease of its own over its CPUs", cap.index);
			f->lrec[lc.index].live = true;
			f->lrec[lc.index].thread = NULL;
			f->lrec[lc.index].gen = 0;
			f->lrec[lc.index].group = p.group;
			f->lrec[lc.index].target = p.group;
			f->lrec[lc.index].since = f->sim->now;
			f->lrec[lc.index].cpus = p.cpus;
			for (unsigned k = 0; k < f->ncpu; k++)
				if (sched_cpumask_test(&p.cpus, k) &&
				    !holds(NULL, 0, p.group, f->sim->rq[k].curr)) {
					f->leaving[k] = f->sim->rq[k].curr;
					f->leaving_of[k] = l;
					pending = true;
				}
			if (lease_state(f, lc.index) != (pending ? SCHED_LEASE_PENDING : SCHED_LEASE_ACTIVE))
				die("island %u's lease in state %u", cap.index, lease_state(f, lc.index));
		}
	}
}

/* The island (admitted) in slot i ended with `cause`: its lease too, if leased. */
static void isl_gone(struct fz *f, unsigned i, uint32_t gen, struct sched_lease_cap lease,
		     bool leased, unsigned cause, const char *how)
{
	const struct sched_island *isl = &f->ipool[i];

	if (isl->state || isl->gen == gen)
		die("after %s, island %u is in state %u gen %u", how, i, isl->state, isl->gen);
	if (leased) {
		if (lease.index >= f->nlpool)
			die("a leased island had lease %u", lease.index);
		lease_gone(f, &f->lpool[lease.index], cause, how);
	}
}

static void op_isl_revoke(struct fz *f)
{
	struct sched_island_cap cap = pick_icap(f);
	struct sched_island *isl = icap_live(f, cap);
	struct sched_auth a = pick_token(f);
	struct sched_lease_cap lease = isl ? isl->lease : (struct sched_lease_cap){ 0, 0 };
	bool leased = isl && isl->cpu_mode == SCHED_ISLAND_LEASED;
	int r;

	r = TRY(f, "sched_island_revoke", sched_island_revoke(&f->sim->sys, a, cap));
	if (r != 0 && r != -SCHED_ESTALE && r != -SCHED_EPERM && r != -SCHED_EINVAL)
		die("sched_island_revoke returned %d", r);
	if (r == 0 && !isl)
		die("sched_island_revoke of a stale capability {%u, %u} returned 0", cap.index, cap.gen);
	if (!f->ipool && r != -SCHED_EINVAL)
		die("sched_island_revoke without an island pool returned %d", r);
	if (r == 0)
		isl_gone(f, cap.index, cap.gen, lease, leased, SCHED_LEASE_REVOKED, "sched_island_revoke");
}

static void op_isl_revoke_owned(struct fz *f)
{
	struct sched_auth a = pick_token(f);
	uint8_t b = u8(f);
	struct sched_group *owner = (b & 0xf0) == 0xf0 ? NULL : pick_group(f, b);
	bool hit[MAX_ISLANDS] = { false }, leased[MAX_ISLANDS] = { false };
	struct sched_lease_cap lease[MAX_ISLANDS];
	uint32_t gen[MAX_ISLANDS];
	unsigned n = 0;
	int r;

	for (unsigned i = 0; owner && i < f->nipool; i++) {
		hit[i] = f->ipool[i].state && in_scope(f->ipool[i].group, owner);
		lease[i] = f->ipool[i].lease;
		leased[i] = f->ipool[i].cpu_mode == SCHED_ISLAND_LEASED;
		gen[i] = f->ipool[i].gen;
		n += hit[i];
	}
	r = TRY(f, "sched_island_revoke_owned", sched_island_revoke_owned(&f->sim->sys, a, owner));
	if (r < 0 ? r != -SCHED_EINVAL && r != -SCHED_ESTALE && r != -SCHED_EPERM : r != (int)n)
		die("sched_island_revoke_owned returned %d, %u islands are the owner's", r, n);
	for (unsigned i = 0; r > 0 && i < f->nipool; i++)
		if (hit[i])
			isl_gone(f, i, gen[i], lease[i], leased[i],
				 owner->kind == SCHED_GROUP_SERVICE ? SCHED_LEASE_SERVICE
				 : owner->kind == SCHED_GROUP_SESSION ? SCHED_LEASE_SESSION
				 : SCHED_LEASE_HOLDER_EXIT, "sched_island_revoke_owned");
}

static void op_isl_add(struct fz *f)
{
	struct sched_island_cap cap = pick_icap(f);
	struct sched_island *isl = icap_live(f, cap);
	struct sched_island_member m = { { 0, 0, 0 }, { 0 }, NULL };
	struct sched_island_verdict v;
	uint8_t b = u8(f);
	sched_cpumask_t none;
	struct sched_auth a;
	int r;

	sched_cpumask_clear(&none);
	member_cap(f, u8(f), &m.sc);
	member_params(f, &m.p, isl ? &isl->cpus : &none);
	a = pick_token(f);
	r = TRY(f, "sched_island_add_sc", sched_island_add_sc(&f->sim->sys, a, cap,
							      (b & 0x80) ? NULL : &m,
							      (b & 0x40) ? NULL : &v));
	check_verdict("sched_island_add_sc", r, (b & 0x40) ? NULL : &v);
	if (r == 0 && (!isl || (b & 0x80)))
		die("sched_island_add_sc to %s island {%u, %u} returned 0", isl ? "a NULL member, an" : "a stale",
		    cap.index, cap.gen);
	if (r == 0)
		check_isl_member(f, isl, m.sc, &m.p, (b & 0x40) ? SCHED_RT_NO_CPU : v.cpu_of[0]);
}

static void op_isl_remove(struct fz *f)
{
	struct sched_island_cap cap = pick_icap(f);
	struct sched_island *isl = icap_live(f, cap);
	uint8_t b = u8(f);
	struct sched_sc_cap sc = pick_cap(f);
	struct sched_auth a = pick_token(f);
	int r;

	if (isl && (b & 3) && isl->nr_scs) /* one of its members, mostly */
		sc = isl->scs[(b >> 2) % isl->nr_scs];
	r = TRY(f, "sched_island_remove_sc", sched_island_remove_sc(&f->sim->sys, a, cap, sc));
	if (r != 0 && r != -SCHED_ESTALE && r != -SCHED_EPERM && r != -SCHED_EINVAL)
		die("sched_island_remove_sc returned %d", r);
	if (r == 0 && (!isl || sc.index >= f->npool || (f->pool[sc.index].state != SCHED_SC_FREE &&
							 f->pool[sc.index].gen == sc.gen)))
		die("sched_island_remove_sc returned 0 but SC %u lives (island %s)", sc.index,
		    isl ? "live" : "stale");
}

/* A report by the port: 0, 1 (a violation) or -SCHED_EPATH (a blocking call off the paths)
 * exactly as island.h gives them for what the state says, the violation counted against
 * the thread's island and notified and nothing else changed; otherwise nothing changed. */
static void op_isl_report(struct fz *f)
{
	uint8_t b = u8(f);
	struct pref t = pick_ref(f), peer = pick_ref(f);
	unsigned what = b % (SCHED_ISLAND_V_NR + 2);
	struct sched_island *isl = t.r.t && ref_live(t.r) ? island_of_thread(t.r.t) : NULL;
	struct viol_before vb;
	int want, r;

	if (!t.r.t || what >= SCHED_ISLAND_V_CALL)
		want = -SCHED_EINVAL;
	else if (!ref_live(t.r))
		want = -SCHED_ESTALE;
	else if (!isl || (what == SCHED_ISLAND_V_BLOCK && ref_live(peer.r) &&
			  isl_declared(f, isl, t.r.t, peer.r.t)))
		want = 0;
	else
		want = what == SCHED_ISLAND_V_BLOCK ? -SCHED_EPATH : 1;
	viol_take(f, want == 1 || want == -SCHED_EPATH ? isl : NULL, what % SCHED_ISLAND_V_NR,
		  t.r.t && ref_live(t.r) ? t.r.t : NULL, &vb, "sched_island_report");
	r = sched_island_report(&f->sim->sys, t.r, what, peer.r);
	if (r != want)
		die("sched_island_report(thread %u, %u, peer %u) returned %d, not %d",
		    t.r.t ? t.r.t->id : 0, what, peer.r.t ? peer.r.t->id : 0, r, want);
	if (r == 1 || r == -SCHED_EPATH) {
		viol_done(f, &vb, what, true, "sched_island_report", r);
	} else {
		read_done(f, "sched_island_report");
	}
}

/* A call by the current thread of this CPU to a server of an admitted island (its own, along
 * a path, mostly: it runs on the caller's SC) or to any reference; the path rule refuses
 * exactly what island.h says, counted and notified. A reply now and then. */
static void op_isl_call(struct fz *f, unsigned cpu)
{
	struct sched_sys *s = &f->sim->sys;
	uint8_t b = u8(f);
	struct sched_thread *me = s->rq[cpu].curr, *next = NULL;
	struct sched_island *mine = me && !me->is_idle ? island_of_thread(me) : NULL, *isl;
	struct pref p = { { NULL, 0 }, REF_NULL, NULL };
	struct viol_before vb;
	int r;

	if (s->rq[cpu].curr->exec_start != f->sim->now && sched_timer(s, cpu)) /* as op_handoff */
		sim_resched(f->sim, cpu);
	me = s->rq[cpu].curr;
	mine = !me->is_idle ? island_of_thread(me) : NULL;
	isl = mine && (b & 3) ? mine : f->nipool ? &f->ipool[(b >> 2) % f->nipool] : NULL;
	if ((b & 0x80) && me->donor && !me->is_idle) { /* a server replies to its caller */
		r = TRY(f, "sched_reply", sched_reply(s, cpu, sched_ref_of(me->donor), &next));
		if (r == 0)
			apply_next(f, cpu, next);
		return;
	}
	if (isl && isl->state && isl->nr_servers) {
		const struct sched_island_server *x = &isl->servers[(b >> 4) % isl->nr_servers];

		struct sim_thread *st = thread_of(f, x->t.t);

		p = st && ref_live(x->t) ? live_ref(st) : pick_ref(f);
	} else {
		p = pick_ref(f);
	}
	isl = isl_refuses(f, me, p.r);
	viol_take(f, isl, SCHED_ISLAND_V_CALL, me, &vb, "sched_call");
	r = sched_call(s, cpu, p.r, &next);
	if (isl && r != -SCHED_EPATH)
		die("sched_call by thread %u to %u returned %d where island %u's path rule refuses it",
		    me->id, p.r.t ? p.r.t->id : 0, r, isl->index);
	viol_done(f, &vb, SCHED_ISLAND_V_CALL, r == -SCHED_EPATH, "sched_call", r);
	must_refuse(&p, "sched_call", r);
	if (r == 0) {
		f->caller_of[index_of(f, p.t)] = thread_of(f, me);
		apply_next(f, cpu, next);
	}
}

/* Bind an island's member SC (or any capability) to a thread (any reference). */
static void op_isl_bind(struct fz *f)
{
	uint8_t b = u8(f);
	struct sched_island *isl = f->nipool ? &f->ipool[b % f->nipool] : NULL;
	struct sched_sc_cap cap = pick_cap(f);
	struct pref p = pick_ref(f);
	int r;

	if (isl && isl->state && isl->nr_scs && (b & 0x10))
		cap = isl->scs[(b >> 5) % isl->nr_scs];
	r = TRY(f, "sched_sc_bind", sched_sc_bind(&f->sim->sys, cap, p.r));
	must_refuse(&p, "sched_sc_bind", r);
	if (r == 0 && (!p.t || p.t->st.own_sc != &f->pool[cap.index]))
		die("sched_sc_bind returned 0 but the thread does not own SC %u", cap.index);
	if (r == 0 && f->pool[cap.index].island &&
	    !in_scope(p.t->st.group, f->pool[cap.index].island->group))
		die("sched_sc_bind gave island %u's SC to thread %u of another group",
		    f->pool[cap.index].island->index, p.t->id);
}

/* The reads: an island's figures (0 exactly for a live capability), explanations of any
 * verdict; every island entry given a NULL system. They change nothing. */
static void op_isl_observe(struct fz *f)
{
	struct sched_sys *s = &f->sim->sys;
	struct sched_island_cap cap = pick_icap(f);
	struct sched_island *isl = icap_live(f, cap);
	struct sched_island_stats st;
	struct sched_sc_stats per[4];
	uint8_t b = u8(f);
	int r;

	READ_ONLY(f, "sched_island_stats", {
		r = sched_island_stats((b & 1) ? NULL : s, cap, (b & 2) ? NULL : &st,
				       (b & 4) ? NULL : per, (b >> 3) & 7);
	});
	if (r != ((b & 3) || ((b & 4) && (b >> 3) & 7) ? -SCHED_EINVAL : isl ? 0 : -SCHED_ESTALE))
		die("sched_island_stats of a %s capability returned %d", isl ? "live" : "stale", r);
	if (b >= 0xc0) {
		struct sched_island_verdict v = { 0 };
		struct sched_island_params p = { 0 };
		struct sched_auth root = sched_auth_root(s);
		struct sched_island island1[1];
		struct sched_mem_pool mp[1] = { { "p", 1, 0 } };
		char buf[64];

		for (unsigned k = 0; k < sizeof(v); k++) /* any verdict explains, bounded */
			((uint8_t *)&v)[k] = u8(f);
		v.resource %= 9;
		v.index %= SCHED_ISLAND_SCS_MAX;
		if (sched_island_explain(&v, NULL, NULL, buf, (b >> 2) & 15) > 4096 ||
		    sched_island_explain(&v, &p, mp, buf, sizeof(buf)) > 4096 ||
		    sched_island_explain(NULL, NULL, NULL, NULL, 0))
			die("sched_island_explain wanted too much");
#define NULL_SYS(call)                                                            \
	do {                                                                      \
		int r_ = TRY(f, #call, call);                                     \
		if (r_ >= 0)                                                      \
			die("%s accepted a NULL system (returned %d)", #call, r_); \
	} while (0)
		NULL_SYS(sched_island_pool(NULL, island1, 1));
		NULL_SYS(sched_island_mem_pools(NULL, mp, 1));
		NULL_SYS(sched_island_admit(NULL, root, &p, &cap, &v));
		NULL_SYS(sched_island_add_sc(NULL, root, cap, NULL, NULL));
		NULL_SYS(sched_island_remove_sc(NULL, root, cap, (struct sched_sc_cap){ 0, 0, 0 }));
		NULL_SYS(sched_island_revoke(NULL, root, cap));
		NULL_SYS(sched_island_revoke_owned(NULL, root, &f->sim->all));
		NULL_SYS(sched_island_report(NULL, (struct sched_ref){ NULL, 0 }, 0, (struct sched_ref){ NULL, 0 }));
		NULL_SYS(sched_island_stats(NULL, cap, &st, NULL, 0));
#undef NULL_SYS
	}
}

/*
 * After every operation (island mode): each admitted island's live members point back at
 * it inside its CPUs, its servers are marked, its IRQ lines routed to the CPUs it asked,
 * its lease (leased) is an island's and live; no live thread is marked a server of a free
 * slot; the bookings are the admitted islands'; the island CPUs are the leased ones'; the
 * capabilities of ended islands fail closed.
 */
static void island_checks(struct fz *f)
{
	unsigned route[8] = { 0 };
	uint64_t booked[2] = { 0, 0 };
	sched_cpumask_t held;

	if (!f->island_mode)
		return;
	sched_cpumask_clear(&held);
	for (unsigned i = 0; i < f->nipool; i++) {
		const struct sched_island *isl = &f->ipool[i];

		if (!isl->state)
			continue;
		for (unsigned k = 0; k < isl->nr_scs; k++) {
			const struct sched_sc *sc = isl_member(f, isl, k);

			if (sc && !sched_cpumask_subset(&sc->cpus, &isl->cpus))
				die("island %u: member %u outside its CPUs", i, k);
		}
		for (unsigned k = 0; k < isl->nr_servers; k++)
			if (ref_live(isl->servers[k].t) && isl->servers[k].t.t->isl_server != isl)
				die("island %u: server %u not marked", i, k);
		for (unsigned k = 0; k < isl->nr_irqs; k++)
			route[isl->irqs[k].line] = isl->irqs[k].cpu + 1u;
		for (unsigned k = 0; k < isl->nr_mem && f->mpools_given; k++)
			booked[isl->mem[k].pool] += isl->mem[k].pages;
		if (isl->cpu_mode == SCHED_ISLAND_LEASED) {
			for (unsigned w = 0; w < SCHED_CPUMASK_WORDS; w++)
				held.w[w] |= isl->cpus.w[w];
			if (isl->lease.index >= f->nlpool || !lcap_live(f, isl->lease) ||
			    !f->lpool[isl->lease.index].island)
				die("leased island %u without its lease", i);
		}
	}
	if (memcmp(route, f->irq_route, sizeof(route)))
		die("IRQ lines routed %u %u %u %u %u %u %u %u, not as the islands ask", f->irq_route[0],
		    f->irq_route[1], f->irq_route[2], f->irq_route[3], f->irq_route[4],
		    f->irq_route[5], f->irq_route[6], f->irq_route[7]);
	if (f->mpools_given && (booked[0] != f->mpool[0].booked || booked[1] != f->mpool[1].booked))
		die("pools booked %llu %llu, the islands hold %llu %llu",
		    (unsigned long long)f->mpool[0].booked, (unsigned long long)f->mpool[1].booked,
		    (unsigned long long)booked[0], (unsigned long long)booked[1]);
	if (memcmp(&held, &f->sim->sys.island_cpus, sizeof(held)))
		die("island CPUs %llx, the leased islands hold %llx",
		    (unsigned long long)f->sim->sys.island_cpus.w[0], (unsigned long long)held.w[0]);
	for (unsigned i = 0; i < f->nth; i++) {
		const struct sched_thread *t = &f->th[i]->st;

		if (is_live(f->th[i]) && t->isl_server && !t->isl_server->state)
			die("thread %u is marked a server of free island slot %u", t->id,
			    t->isl_server->index);
	}
	for (unsigned i = 0; i < MAX_ICAPS && i < f->nicap; i++) {
		struct sched_island_stats st;
		int r;

		if (icap_live(f, f->icap[i]))
			continue;
		READ_ONLY(f, "sched_island_stats (stale)",
			  r = sched_island_stats(&f->sim->sys, f->icap[i], &st, NULL, 0));
		if (r != -SCHED_ESTALE)
			die("stale island capability {%u, %u} answered %d", f->icap[i].index,
			    f->icap[i].gen, r);
	}
}

/* --- the policy queue and decision records (policy mode) ------------------------------------- */

#define POL_TIMEOUT_MAX (3600 * SEC) /* policy.c: a request's timeout at most */

/* The one place sched_policy_result is called: its argument list may grow. */
static int pol_result(struct fz *f, struct sched_policy *q, struct sched_ref by,
		      struct sched_ticket t, struct sched_answer *out)
{
	return sched_policy_result(&f->sim->sys, q, by, t, out);
}

static struct sched_auth pol_fallback_tok(const struct fz *f)
{
	return f->pfall_tok; /* derived at boot (pol_boot): SCHED_RIGHT_FAIR only */
}

static bool pol_fair_ok(const struct sched_fair_params *p)
{
	return p->nice >= SCHED_NICE_MIN && p->nice <= SCHED_NICE_MAX &&
	       (!p->slice_ns || (p->slice_ns >= 100 * US && p->slice_ns <= 100 * MS));
}

/* The model after a successful sched_policy_init: every slot free at generation 1, nobody
 * attached, the figures zero; tickets of the queue's earlier life are forgotten (their
 * generations start again). */
static void pol_reset(struct fz *f, unsigned n, const struct sched_policy_config *cfg)
{
	f->npslots = n;
	memset(f->pm, 0, sizeof(f->pm));
	for (unsigned i = 0; i < MAX_PSLOTS; i++)
		f->pm[i].gen = 1;
	f->psvc = (struct sched_ref){ NULL, 0 };
	f->pepoch = 0;
	f->porder = 0;
	f->ptimeout = cfg->timeout_ns ? cfg->timeout_ns : 100 * MS;
	f->pfallback = cfg->fallback;
	f->pdefault = cfg->default_fair;
	f->pstat = (struct sched_policy_stats){ 0 };
	f->nptk = f->npdone = 0;
}

static void remember_ticket(struct fz *f, struct sched_ticket t)
{
	f->ptk[f->nptk++ % MAX_PTICKETS] = t;
}

static bool pol_collected(const struct fz *f, struct sched_ticket t)
{
	for (unsigned i = 0; i < f->npdone && i < MAX_PTICKETS; i++)
		if (f->pdone[i].slot == t.slot && f->pdone[i].gen == t.gen)
			return true;
	return false;
}

/* The slot a ticket names (its generation, in use), as slot_of in policy.c, or -1. */
static int pm_slot(const struct fz *f, struct sched_ticket t)
{
	return t.slot < f->npslots && f->pm[t.slot].gen == t.gen &&
	       f->pm[t.slot].state != SCHED_SLOT_FREE ? (int)t.slot : -1;
}

static void pm_free(struct fz *f, unsigned i)
{
	f->pm[i].state = SCHED_SLOT_FREE;
	f->pm[i].gen = f->pm[i].gen + 1 ? f->pm[i].gen + 1 : 1;
}

/* An answer whose requester has gone is freed by a scan (submit, expire). */
static bool pm_reclaimable(const struct fz *f, unsigned i)
{
	return f->pm[i].state == SCHED_SLOT_ANSWERED && !ref_live(f->pm[i].who);
}

/* The first slot a submission's scan stops at (free, or freed on the way), or -1. */
static int pm_first_free(const struct fz *f)
{
	for (unsigned i = 0; i < f->npslots; i++)
		if (f->pm[i].state == SCHED_SLOT_FREE || pm_reclaimable(f, i))
			return (int)i;
	return -1;
}

static bool pm_in_flight(unsigned state)
{
	return state == SCHED_SLOT_PENDING || state == SCHED_SLOT_TAKEN;
}

static bool pm_due(const struct fz *f, unsigned i)
{
	return pm_in_flight(f->pm[i].state) && !sched_time_before(f->sim->now, f->pm[i].deadline);
}

/* A request is about the requester itself or a thread of its group or below (policy.c
 * target_check, in its order). */
static int pol_target(struct sched_ref who, struct sched_ref t)
{
	if (!t.t)
		return -SCHED_EINVAL;
	if (!ref_live(t))
		return -SCHED_ESTALE;
	if (t.t->is_idle)
		return -SCHED_EINVAL;
	return t.t == who.t || (who.t->group && t.t->group && in_scope(t.t->group, who.t->group))
		       ? 0 : -SCHED_EPERM;
}

static bool pol_needs_thread(unsigned kind)
{
	return kind == SCHED_REQ_PROFILE || kind == SCHED_REQ_ADMIT_SC ||
	       kind == SCHED_REQ_LEASE_GRANT || kind == SCHED_REQ_EXPLAIN;
}

/* The default a request gets (policy.h): PROFILE the default profile, applied with the
 * fallback authority (sched_set_fair's errors), every other kind -SCHED_ETIMEDOUT. */
static int pm_default_err(const struct fz *f, unsigned i)
{
	struct sched_ref t = f->pm[i].target;

	if (f->pm[i].kind != SCHED_REQ_PROFILE)
		return -SCHED_ETIMEDOUT;
	if (!tok_live(f->pfallback) || !ref_live(t))
		return -SCHED_ESTALE;
	return in_scope(t.t->group, f->pfallback.a->scope) ? 0 : -SCHED_EPERM;
}

/* Slot i is about to get its default: what the answer must say. */
static void pm_defaulted(struct fz *f, unsigned i)
{
	f->pm[i].state = SCHED_SLOT_ANSWERED;
	f->pm[i].by_default = true;
	f->pm[i].err = pm_default_err(f, i);
	f->pstat.defaulted++;
}

/* A default profile applied: the target has the queue's default fair parameters. */
static void check_default_profile(struct fz *f, unsigned i, const char *call)
{
	const struct sched_thread *t = f->pm[i].target.t;
	uint64_t slice = f->pdefault.slice_ns ? f->pdefault.slice_ns : f->sim->sys.cfg.base_slice_ns;

	if (f->pm[i].kind == SCHED_REQ_PROFILE && !f->pm[i].err &&
	    (t->nice != f->pdefault.nice || t->slice != slice))
		die("%s: slot %u defaulted to the default profile, but thread %u has nice %d slice "
		    "%llu (default nice %d slice %llu)", call, i, t->id, t->nice,
		    (unsigned long long)t->slice, f->pdefault.nice, (unsigned long long)slice);
}

/* After a call that applied slot i's default: the library's answer is the model's. */
static void check_defaulted(struct fz *f, unsigned i, const char *call)
{
	const struct sched_policy_slot *x = &f->pslot[i];

	if (x->state != SCHED_SLOT_ANSWERED || x->ans.by != SCHED_BY_DEFAULT ||
	    x->ans.err != f->pm[i].err)
		die("%s: slot %u (kind %u) past its deadline is in state %u, answered by %u with %d; "
		    "its default is %d", call, i, f->pm[i].kind, x->state, x->ans.by, x->ans.err,
		    f->pm[i].err);
	check_default_profile(f, i, call);
}

/* The figures the library keeps agree with the model, and add up: every request submitted
 * since the queue was set up was served, denied or defaulted, or is still in flight (an
 * answer stays counted once collected); no slot is left SERVING between calls. */
static void pol_checks(struct fz *f)
{
	const struct sched_policy_stats *st = &f->pq.stats, *m = &f->pstat;
	uint64_t flight = 0;

	if (!f->pol_mode)
		return;
	check_lock(&f->pq.lock, "policy queue", 0);
	if (!f->npslots) {
		if (f->pq.slots)
			die("the policy queue has slots the model never saw set up");
		return;
	}
	for (unsigned i = 0; i < f->npslots; i++) {
		const struct sched_policy_slot *x = &f->pslot[i];

		if (x->state != f->pm[i].state || x->gen != f->pm[i].gen)
			die("request slot %u in state %u gen %u, expected state %u gen %u", i, x->state,
			    x->gen, f->pm[i].state, f->pm[i].gen);
		flight += x->state == SCHED_SLOT_PENDING || x->state == SCHED_SLOT_TAKEN ||
			  x->state == SCHED_SLOT_SERVING;
	}
	if (st->submitted != m->submitted || st->served != m->served || st->denied != m->denied ||
	    st->defaulted != m->defaulted || st->full != m->full || st->attaches != m->attaches ||
	    st->requeued != m->requeued)
		die("policy figures submitted %llu served %llu denied %llu defaulted %llu full %llu "
		    "attaches %llu requeued %llu; expected %llu %llu %llu %llu %llu %llu %llu",
		    (unsigned long long)st->submitted, (unsigned long long)st->served,
		    (unsigned long long)st->denied, (unsigned long long)st->defaulted,
		    (unsigned long long)st->full, (unsigned long long)st->attaches,
		    (unsigned long long)st->requeued, (unsigned long long)m->submitted,
		    (unsigned long long)m->served, (unsigned long long)m->denied,
		    (unsigned long long)m->defaulted, (unsigned long long)m->full,
		    (unsigned long long)m->attaches, (unsigned long long)m->requeued);
	if (st->submitted != st->served + st->denied + st->defaulted + flight)
		die("policy figures do not add up: submitted %llu, served %llu + denied %llu + "
		    "defaulted %llu + in flight %llu", (unsigned long long)st->submitted,
		    (unsigned long long)st->served, (unsigned long long)st->denied,
		    (unsigned long long)st->defaulted, (unsigned long long)flight);
	if (f->pq.epoch != f->pepoch || f->pq.service.t != f->psvc.t ||
	    f->pq.service.gen != f->psvc.gen)
		die("policy queue at epoch %u with service %u, expected epoch %u service %u",
		    f->pq.epoch, f->pq.service.t ? f->pq.service.t->id : 0, f->pepoch,
		    f->psvc.t ? f->psvc.t->id : 0);
}

/* A ticket chosen by the input: the take ticket of a slot in use, a slot's ticket of its
 * current generation, one seen before (collected, of an earlier attachment), or guessed
 * (slots past the queue's too). */
static struct sched_ticket pick_ticket(struct fz *f)
{
	uint8_t b = u8(f);
	unsigned i = f->npslots ? (b & 7) % f->npslots : 0;

	if (b < 0x40 && f->npslots && f->pm[i].state == SCHED_SLOT_TAKEN)
		return f->pm[i].tk;
	if (b < 0x80)
		return (struct sched_ticket){ i, f->pm[i].gen, f->pepoch };
	if (b < 0xc0 && f->nptk)
		return f->ptk[(b & 15) % (f->nptk < MAX_PTICKETS ? f->nptk : MAX_PTICKETS)];
	return (struct sched_ticket){ b & 15, (b >> 4) & 3, f->pepoch - (b & 1) };
}

/* SC parameters of a request or decision: any budget and period (0, too long, budget above
 * period), any CPUs, a partitioned or global dispatch. */
static void pol_params(struct fz *f, struct sched_sc_params *p)
{
	static const uint64_t budget[] = { 100 * US, MS, 2 * MS, 5 * MS, 0, 5 * US, 10 * MS, 50 * MS };
	static const uint64_t period[] = { 4 * MS, 10 * MS, MS, 20 * MS, 0, 100 * MS,
					   SCHED_SC_PERIOD_MAX_NS + 1, 2 * MS };
	uint8_t b = u8(f);

	*p = (struct sched_sc_params){ .budget_ns = budget[b & 7], .period_ns = period[(b >> 3) & 7],
				       .dispatch = (uint8_t)((b >> 6) & 1),
				       .overrun = (uint8_t)((b >> 7) ? SCHED_SC_DEMOTE : 0) };
	mask_from(f, &p->cpus);
}

/* An island asked for (the requester's memory, read when served): a group, CPUs, one or two
 * members (SCs made now or capabilities seen), leased or shared. */
static void pol_island(struct fz *f, struct sched_island_params *p, struct sched_island_member *m)
{
	uint8_t b = u8(f), c = u8(f);

	*p = (struct sched_island_params){ .group = pick_group(f, b), .cpu_mode = (uint8_t)(c & 1),
					   .overrun = (uint8_t)((c >> 1) % 3), .name = "pol" };
	mask_from(f, &p->cpus);
	p->nr_members = 1 + ((c >> 3) & 1);
	for (unsigned k = 0; k < p->nr_members; k++) {
		member_cap(f, u8(f), &m[k].sc);
		member_params(f, &m[k].p, &p->cpus);
		m[k].name = NULL;
	}
	p->members = m;
}

/* A task graph asked for: 1 .. 3 stages (0 and 9 now and then), budgets among the SCs seen,
 * a stage's thread the one bound to its budget's SC or any, costs that may exceed what the
 * budgets hold. */
static void pol_graph(struct fz *f, struct sched_graph *g)
{
	static const uint64_t period[] = { 4 * MS, 10 * MS, MS, 0 }, cost[] = { 50 * US, 200 * US,
										   MS, 3 * MS };
	uint8_t b = u8(f), c = u8(f);

	*g = (struct sched_graph){ .nr_nodes = (b & 3) ? (b & 3) : (c & 1) ? 0 : 9,
				   .period_ns = period[(b >> 2) & 3] };
	g->deadline_ns = g->period_ns - ((b >> 4) & 1) * (g->period_ns / 2);
	g->nr_budgets = (c >> 1) & 3;
	for (unsigned k = 0; k < g->nr_budgets; k++)
		g->budgets[k] = pick_cap(f);
	for (unsigned i = 0; i < g->nr_nodes && i < SCHED_GRAPH_NODES_MAX; i++) {
		struct sched_graph_node *n = &g->node[i];
		uint8_t x = u8(f);
		unsigned k = (x >> 1) & 3;
		const struct sched_sc *sc = k < g->nr_budgets && g->budgets[k].index < f->npool
						    ? &f->pool[g->budgets[k].index] : NULL;

		n->budget = k == 3 ? SCHED_GRAPH_NO_BUDGET : k;
		n->thread = (x & 1) && sc && sc->bound ? sched_ref_of(sc->bound) : pick_ref(f).r;
		n->cost_ns = cost[(x >> 3) & 3];
		n->prio = (uint8_t)(u8(f) % 100);
		n->queue = (x & 0x80) ? SCHED_GRAPH_ANY_QUEUE : (uint16_t)((x >> 5) & 3);
	}
}

/* Set up the queue again (or the first time): any slot count (0 and past 2^16 refused before
 * the slots are touched), timeouts past the bound, a fallback authority with other rights or
 * stale, an invalid default profile, NULL arguments. */
static void op_pol_init(struct fz *f)
{
	static const unsigned nr[] = { 1, 2, 4, 8, 3, 0, (1u << 16) + 1, 5 };
	static const uint64_t tmo[] = { 0, MS, 20 * MS, POL_TIMEOUT_MAX, POL_TIMEOUT_MAX + 1,
					200 * MS, 5 * MS, 0 };
	uint8_t b = u8(f), c = u8(f), d = u8(f);
	struct sched_policy_config cfg = { .timeout_ns = tmo[(b >> 3) & 7],
					   .endpoint = (c & 1) ? 77 : 0 };
	unsigned n = nr[b & 7];
	bool null_slots = (c & 0xf0) == 0xf0, null_cfg = (c & 0xf0) == 0xe0;
	int want = 0, r;

	cfg.default_fair = (struct sched_fair_params){ .nice = nice_choice(d),
						       .slice_ns = slice_choice(c >> 1) };
	cfg.fallback = (c & 0x10) ? pick_token(f) : pol_fallback_tok(f);
	if (null_slots || null_cfg || !n || n > (1u << 16) || !cfg.fallback.a ||
	    !pol_fair_ok(&cfg.default_fair) || cfg.timeout_ns > POL_TIMEOUT_MAX)
		want = -SCHED_EINVAL;
	else if (!tok_live(cfg.fallback))
		want = -SCHED_ESTALE;
	else if (cfg.fallback.a->rights != SCHED_RIGHT_FAIR)
		want = -SCHED_EPERM;
	r = TRY(f, "sched_policy_init", sched_policy_init(&f->sim->sys, &f->pq, null_slots ? NULL : f->pslot,
							  n, null_cfg ? NULL : &cfg));
	if (r != want)
		die("sched_policy_init (%u slots, timeout %llu, nice %d, fallback rights %x) returned "
		    "%d, expected %d", n, (unsigned long long)cfg.timeout_ns, cfg.default_fair.nice,
		    cfg.fallback.a ? cfg.fallback.a->rights : 0, r, want);
	if (r == 0)
		pol_reset(f, n, &cfg);
}

/* A service attaches (a restart): the new epoch; what the old one had taken is pending
 * again; the count of pending requests returned. */
static void op_pol_attach(struct fz *f)
{
	uint8_t b = u8(f);
	struct pref p = pick_ref(f);
	bool null_q = b == 0xff;
	int want = 0, r;

	if (null_q || !f->npslots || !p.r.t || p.r.t->is_idle)
		want = -SCHED_EINVAL;
	else if (!ref_live(p.r))
		want = -SCHED_ESTALE;
	r = TRY(f, "sched_policy_attach", sched_policy_attach(&f->sim->sys, null_q ? NULL : &f->pq, p.r));
	if (want || r < 0) {
		if (r != want)
			die("sched_policy_attach returned %d, expected %d", r, want);
		return;
	}
	for (unsigned i = 0; i < f->npslots; i++) {
		if (f->pm[i].state == SCHED_SLOT_TAKEN) {
			f->pm[i].state = SCHED_SLOT_PENDING;
			remember_ticket(f, f->pm[i].tk); /* the old attachment's: stale now */
			f->pstat.requeued++;
		}
		want += f->pm[i].state == SCHED_SLOT_PENDING;
	}
	f->pepoch++;
	f->pstat.attaches++;
	f->psvc = p.r;
	if (r != want)
		die("sched_policy_attach returned %d with %d requests pending", r, want);
}

/* The fields of a request of kind rq->kind, from the input; an island or graph goes to the
 * memory of `slot` (the one the submission will take, or the spare). */
static void pol_request_fields(struct fz *f, struct sched_request *rq, int slot, uint8_t c)
{
	unsigned m = slot >= 0 ? (unsigned)slot : MAX_PSLOTS;

	switch (rq->kind) {
	case SCHED_REQ_PROFILE:
		if ((c & 3) == 3)
			memset(rq->profile, 'x', sizeof(rq->profile)); /* no NUL: refused */
		else
			strcpy(rq->profile, (c & 3) == 1 ? "batch" : (c & 3) == 2 ? "audio" : "");
		break;
	case SCHED_REQ_ADMIT_SC:
		pol_params(f, &rq->sc_params);
		break;
	case SCHED_REQ_BUDGET:
		rq->sc = pick_cap(f);
		pol_params(f, &rq->sc_params);
		break;
	case SCHED_REQ_LEASE_GRANT:
		mask_from(f, &rq->cpus);
		break;
	case SCHED_REQ_LEASE_REVOKE:
		rq->lease = pick_lcap(f);
		break;
	case SCHED_REQ_ISLAND:
		pol_island(f, &f->pisl[m].p, f->pisl[m].m);
		rq->island = (c & 12) == 12 ? NULL : &f->pisl[m].p;
		break;
	case SCHED_REQ_GRAPH:
		pol_graph(f, &f->pgraph[m]);
		rq->graph = (c & 12) == 12 ? NULL : &f->pgraph[m];
		break;
	default:
		break;
	}
}

/* What sched_policy_submit must return for this request, in the order it checks; the scan
 * for a slot frees the answers of exited requesters on its way (the model's too). */
static int pol_submit_want(struct fz *f, struct sched_ref who, const struct sched_request *rq,
			   bool null_arg, int *slot)
{
	bool named = true;

	*slot = -1;
	if (null_arg || !f->npslots || !who.t || who.t->is_idle)
		return -SCHED_EINVAL;
	if (!ref_live(who))
		return -SCHED_ESTALE;
	if (rq->kind >= SCHED_REQ_NR || rq->timeout_ns > POL_TIMEOUT_MAX)
		return -SCHED_EINVAL;
	if (rq->kind == SCHED_REQ_PROFILE)
		named = memchr(rq->profile, 0, sizeof(rq->profile)) != NULL;
	if (!named || (rq->kind == SCHED_REQ_ISLAND && !rq->island) ||
	    (rq->kind == SCHED_REQ_GRAPH && !rq->graph))
		return -SCHED_EINVAL;
	if (pol_needs_thread(rq->kind) && pol_target(who, rq->thread))
		return pol_target(who, rq->thread);
	for (unsigned i = 0; i < f->npslots && *slot < 0; i++) {
		if (pm_reclaimable(f, i))
			pm_free(f, i);
		if (f->pm[i].state == SCHED_SLOT_FREE)
			*slot = (int)i;
	}
	return *slot < 0 ? -SCHED_EFULL : 0;
}

/* A thread asks: every kind (and unknown ones), valid and invalid fields, targets in and
 * outside its group, stale and idle references, a full queue. */
static void op_pol_submit(struct fz *f)
{
	static const uint64_t tmo[] = { 0, MS, 5 * MS, 50 * MS, 0, POL_TIMEOUT_MAX,
					POL_TIMEOUT_MAX + 1, 200 * US };
	uint8_t b = u8(f), k = u8(f), c = u8(f);
	struct pref who = pick_ref(f), to = (b & 1) ? who : pick_ref(f);
	struct sched_request rq = { .kind = (uint8_t)(k < 0xf0 ? k % SCHED_REQ_NR : SCHED_REQ_NR + (k & 7)),
				    .thread = to.r, .timeout_ns = tmo[(b >> 1) & 7] };
	bool null_r = (c & 0xf0) == 0xf0, null_out = (c & 0xf0) == 0xe0, null_q = (c & 0xf0) == 0xd0;
	struct sched_ticket tk = { 0, 0, 0 };
	int slot, want, r;

	pol_request_fields(f, &rq, pm_first_free(f), c);
	want = pol_submit_want(f, who.r, &rq, null_r || null_out || null_q, &slot);
	f->pol_full_ok = true; /* a full queue counts the refusal (checked by the model) */
	r = TRY(f, "sched_policy_submit",
		sched_policy_submit(&f->sim->sys, null_q ? NULL : &f->pq, who.r, null_r ? NULL : &rq,
				    null_out ? NULL : &tk));
	f->pol_full_ok = false;
	if (r != want)
		die("sched_policy_submit (kind %u by thread %u for thread %u, timeout %llu) returned "
		    "%d, expected %d", rq.kind, who.r.t ? who.r.t->id : 0, to.r.t ? to.r.t->id : 0,
		    (unsigned long long)rq.timeout_ns, r, want);
	if (r == -SCHED_EFULL)
		f->pstat.full++;
	if (r)
		return;
	if (tk.slot != (unsigned)slot || tk.gen != f->pm[slot].gen || tk.epoch)
		die("sched_policy_submit gave ticket {%u, %u, %u}, expected slot %d gen %u", tk.slot,
		    tk.gen, tk.epoch, slot, f->pm[slot].gen);
	f->pm[slot].state = SCHED_SLOT_PENDING;
	f->pm[slot].kind = rq.kind;
	f->pm[slot].deadline = f->sim->now + (rq.timeout_ns ? rq.timeout_ns : f->ptimeout);
	f->pm[slot].order = f->porder++;
	f->pm[slot].who = who.r;
	f->pm[slot].target = rq.thread;
	f->pstat.submitted++;
	remember_ticket(f, tk);
}

static bool pol_is_service(const struct fz *f, struct sched_ref s)
{
	return f->psvc.t && s.t == f->psvc.t && s.gen == f->psvc.gen;
}

/* The service takes the oldest pending request still before its deadline. */
static void op_pol_take(struct fz *f)
{
	uint8_t b = u8(f);
	struct sched_ref svc = (b & 3) ? f->psvc : pick_ref(f).r, who;
	bool null_out = (b & 0xf0) == 0xf0;
	struct sched_ticket t = { 0, 0, 0 };
	struct sched_request rq;
	int best = -1, want, r;

	for (unsigned i = 0; i < f->npslots; i++)
		if (f->pm[i].state == SCHED_SLOT_PENDING && !pm_due(f, i) &&
		    (best < 0 || f->pm[i].order < f->pm[best].order))
			best = (int)i;
	want = !f->npslots || null_out ? -SCHED_EINVAL : !pol_is_service(f, svc) ? -SCHED_EPERM
		: best < 0 ? -SCHED_EAGAIN : 0;
	r = TRY(f, "sched_policy_take", sched_policy_take(&f->sim->sys, &f->pq, svc, null_out ? NULL : &t,
							  &rq, &who));
	if (r != want)
		die("sched_policy_take by thread %u returned %d, expected %d", svc.t ? svc.t->id : 0,
		    r, want);
	if (r)
		return;
	if (t.slot != (unsigned)best || t.gen != f->pm[best].gen || t.epoch != f->pepoch ||
	    rq.kind != f->pm[best].kind || who.t != f->pm[best].who.t || who.gen != f->pm[best].who.gen)
		die("sched_policy_take gave slot %u gen %u epoch %u kind %u, expected slot %d",
		    t.slot, t.gen, t.epoch, rq.kind, best);
	f->pm[best].state = SCHED_SLOT_TAKEN;
	f->pm[best].tk = t;
	remember_ticket(f, t);
}

/* An SC the service makes for a decision, owned by `owner`; a guessed or seen one if that is
 * refused. */
static struct sched_sc_cap pol_service_sc(struct fz *f, struct sched_group *owner, uint8_t b)
{
	struct sched_refill *ring = calloc(4, sizeof(*ring));
	struct sched_sc_cap cap;

	if (!ring)
		die("out of memory");
	if (TRY(f, "sched_sc_create (the service's)",
		sched_sc_create(&f->sim->sys, owner, ring, 4, &cap)) < 0) {
		free(ring);
		return pick_cap(f);
	}
	sc_made(f, cap, ring, b);
	return cap;
}

/* A decision from the input: fair parameters (invalid ones too), no SC, an SC made now for
 * the target's group or another, or any capability; SC parameters and CPUs that may be more
 * than the requester holds or asked; a cookie of its own. */
static void pol_decision(struct fz *f, struct sched_decision *d, int slot)
{
	uint8_t x = u8(f), y = u8(f);
	const struct sched_thread *t = slot >= 0 ? f->pm[slot].target.t : NULL;

	*d = (struct sched_decision){ .fair = { .nice = nice_choice(u8(f)), .slice_ns = slice_choice(x) },
				      .sc = { SCHED_NO_SC, 0, 0 }, .own_cookie = (uint8_t)((x >> 3) & 1) };
	mask_from(f, &d->cpus);
	pol_params(f, &d->sc_params);
	switch (y & 3) {
	case 1:
		d->sc = pol_service_sc(f, t && ref_live(f->pm[slot].target) ? t->group : NULL, y);
		break;
	case 2:
		d->sc = pick_cap(f);
		break;
	case 3:
		d->sc = pol_service_sc(f, pick_group(f, y >> 2), y);
		break;
	default:
		break;
	}
}

/* The live lease a policy answer may have begun: followed like a granted one. */
static void pol_lease_begun(struct fz *f, const struct sched_lease *l)
{
	unsigned k = l->index;

	f->lrec[k].live = true;
	f->lrec[k].thread = l->thread;
	f->lrec[k].gen = l->thread_gen;
	f->lrec[k].group = l->group;
	f->lrec[k].target = l->target;
	f->lrec[k].since = f->sim->now;
	f->lrec[k].cpus = l->cpus;
	for (unsigned c = 0; c < f->ncpu; c++)
		if (sched_cpumask_test(&l->cpus, c) &&
		    !holds(l->thread, l->thread_gen, l->group, f->sim->rq[c].curr)) {
			f->leaving[c] = f->sim->rq[c].curr;
			f->leaving_of[c] = l;
		}
}

/*
 * After an answer (slot i, -1 for none; ok: the action succeeded): the only lease that may
 * have begun is the one a LEASE_GRANT or a leased ISLAND hands back, the only one that may
 * have ended is the one a LEASE_REVOKE names.
 */
static void pol_leases(struct fz *f, int i, bool ok)
{
	const struct sched_policy_slot *x = i >= 0 ? &f->pslot[i] : NULL;
	unsigned kind = x ? x->req.kind : SCHED_REQ_NR;

	for (unsigned k = 0; k < f->nlpool; k++) {
		const struct sched_lease *l = &f->lpool[k];
		bool granted = ok && kind == SCHED_REQ_LEASE_GRANT && x->ans.lease.index == k;
		bool island = ok && kind == SCHED_REQ_ISLAND && x->ans.island.index < f->nipool &&
			      f->ipool[x->ans.island.index].cpu_mode == SCHED_ISLAND_LEASED &&
			      f->ipool[x->ans.island.index].lease.index == k;

		if (lease_live(l) && !f->lrec[k].live) {
			if (!granted && !island)
				die("a policy answer (kind %u) began lease %u", kind, k);
			pol_lease_begun(f, l);
		} else if (!lease_live(l) && f->lrec[k].live) {
			if (!ok || kind != SCHED_REQ_LEASE_REVOKE || x->req.lease.index != k)
				die("a policy answer (kind %u) ended lease %u", kind, k);
			lease_gone(f, l, SCHED_LEASE_REVOKED, "a served LEASE_REVOKE");
		}
	}
}

/* What a successful action did for the request in slot i, served with decision d. */
static void pol_effects(struct fz *f, unsigned i, const struct sched_decision *d)
{
	const struct sched_policy_slot *x = &f->pslot[i];
	const struct sched_request *rq = &x->req;
	const struct sched_thread *t = rq->thread.t;
	bool sc = (rq->kind == SCHED_REQ_PROFILE || rq->kind == SCHED_REQ_ADMIT_SC) &&
		  d->sc.index != SCHED_NO_SC;

	if (rq->kind == SCHED_REQ_PROFILE && (t->nice != d->fair.nice ||
	    t->slice != (d->fair.slice_ns ? d->fair.slice_ns : f->sim->sys.cfg.base_slice_ns)))
		die("a served PROFILE left thread %u at nice %d slice %llu, not the decision's %d",
		    t->id, t->nice, (unsigned long long)t->slice, d->fair.nice);
	if (sc && (x->ans.sc.index != d->sc.index || x->ans.sc.gen != d->sc.gen ||
		   t->own_sc != &f->pool[d->sc.index] || f->pool[d->sc.index].owner != t->group))
		die("a served request (kind %u) handed back SC {%u, %u}, thread %u owns SC %d; the "
		    "decision's is %u", rq->kind, x->ans.sc.index, x->ans.sc.gen, t->id,
		    t->own_sc ? (int)t->own_sc->index : -1, d->sc.index);
	if (rq->kind == SCHED_REQ_BUDGET &&
	    (f->pool[rq->sc.index].budget != d->sc_params.budget_ns ||
	     f->pool[rq->sc.index].period != d->sc_params.period_ns))
		die("a served BUDGET left SC %u at budget %llu period %llu, decided %llu / %llu",
		    rq->sc.index, (unsigned long long)f->pool[rq->sc.index].budget,
		    (unsigned long long)f->pool[rq->sc.index].period,
		    (unsigned long long)d->sc_params.budget_ns, (unsigned long long)d->sc_params.period_ns);
	if (rq->kind == SCHED_REQ_LEASE_GRANT) {
		const struct sched_lease *l = lcap_live(f, x->ans.lease);

		if (!l || l->thread != t || memcmp(&l->cpus, &d->cpus, sizeof(d->cpus)))
			die("a served LEASE_GRANT handed back lease {%u, %u}, not a live one of thread "
			    "%u over the decided CPUs", x->ans.lease.index, x->ans.lease.gen, t->id);
		remember_lcap(f, x->ans.lease);
	}
	if (rq->kind == SCHED_REQ_ISLAND) {
		if (!icap_live(f, x->ans.island))
			die("a served ISLAND handed back island {%u, %u}, not an admitted one",
			    x->ans.island.index, x->ans.island.gen);
		remember_icap(f, x->ans.island);
	}
	if (rq->kind == SCHED_REQ_LEASE_REVOKE && lcap_live(f, rq->lease))
		die("a served LEASE_REVOKE left lease {%u, %u} live", rq->lease.index, rq->lease.gen);
}

/* After serve or deny answered slot i (0): by the service, with the action's result (deny:
 * its error; a requester that has gone: -SCHED_ESTALE); a refusal hands nothing back. */
static void pol_answered(struct fz *f, unsigned i, bool deny, int derr, const struct sched_decision *d)
{
	const struct sched_policy_slot *x = &f->pslot[i];
	bool live = ref_live(f->pm[i].who);
	int err = x->ans.err;

	if (x->state != SCHED_SLOT_ANSWERED || x->ans.by != SCHED_BY_SERVICE)
		die("slot %u served: in state %u, answered by %u", i, x->state, x->ans.by);
	if ((!live && err != -SCHED_ESTALE) || (live && deny && err != derr) || err > 0 ||
	    err <= -SCHED_ERR_COUNT)
		die("slot %u %s (requester %s): answer %d", i, deny ? "denied" : "served",
		    live ? "live" : "gone", err);
	if (err && (x->ans.sc.index != SCHED_NO_SC || x->ans.lease.index || x->ans.lease.gen ||
		    x->ans.island.index || x->ans.island.gen))
		die("slot %u refused (%d) but hands back SC %u lease %u island %u", i, err,
		    x->ans.sc.index, x->ans.lease.index, x->ans.island.index);
	f->pm[i].state = SCHED_SLOT_ANSWERED;
	f->pm[i].by_default = false;
	f->pm[i].err = err;
	if (err)
		f->pstat.denied++;
	else
		f->pstat.served++;
	if (!err && !deny)
		pol_effects(f, i, d);
}

/* An EXPLAIN request: the service reads the target's records and formats them. */
static void pol_explain_target(struct fz *f, const struct sched_thread *t)
{
	struct sched_why out[4];
	struct sched_why_filter flt = { .tid = t->id };
	char line[160];
	unsigned n;

	READ_ONLY(f, "sched_explain_read (a thread's)",
		  n = sched_explain_read(&f->sim->sys, &flt, out, 4));
	for (unsigned k = 0; k < n; k++) {
		if (out[k].tid != t->id)
			die("sched_explain_read for thread %u returned a record of thread %u", t->id,
			    out[k].tid);
		if (sched_explain_format(&out[k], line, sizeof(line)) >= sizeof(line) &&
		    strlen(line) != sizeof(line) - 1)
			die("sched_explain_format cut a line badly");
	}
}

/* Serve (a fuzzed decision) or deny (a fuzzed error) a ticket, as the attached service or
 * another thread, with any authority. */
static void op_pol_answer(struct fz *f, bool deny)
{
	static const int errs[] = { -SCHED_EBUSY, -SCHED_EPERM, -SCHED_EINVAL, -SCHED_EFULL, 0, 1,
				    -SCHED_ERR_COUNT, -(SCHED_ERR_COUNT - 1) };
	uint8_t b = u8(f), c = u8(f);
	struct sched_ticket t = pick_ticket(f);
	struct sched_ref svc = (b & 3) ? f->psvc : pick_ref(f).r;
	struct sched_auth a = (b & 4) ? pick_token(f) : sched_auth_root(&f->sim->sys);
	struct sched_decision d = { .sc = { SCHED_NO_SC, 0, 0 } };
	int i = pm_slot(f, t), derr = errs[c & 7], want = 0, r;
	bool null_d = (c & 0xf0) == 0xf0;

	if (!deny)
		pol_decision(f, &d, i);
	if (!f->npslots || (deny ? derr >= 0 || derr <= -SCHED_ERR_COUNT : null_d || !a.a))
		want = -SCHED_EINVAL;
	else if (!pol_is_service(f, svc))
		want = -SCHED_EPERM;
	else if (i < 0 || f->pm[i].state != SCHED_SLOT_TAKEN || f->pm[i].tk.epoch != t.epoch ||
		 t.epoch != f->pepoch)
		want = -SCHED_ESTALE;
	else if (pm_due(f, (unsigned)i))
		want = -SCHED_ETIMEDOUT;
	if (!want && !deny && f->pm[i].kind == SCHED_REQ_EXPLAIN && ref_live(f->pm[i].target))
		pol_explain_target(f, f->pm[i].target.t);
	if (want == -SCHED_ETIMEDOUT)
		pm_defaulted(f, (unsigned)i);
	if (deny)
		r = TRY_BUT(f, "sched_policy_deny",
			    sched_policy_deny(&f->sim->sys, &f->pq, svc, t, derr), -SCHED_ETIMEDOUT);
	else
		r = TRY_BUT(f, "sched_policy_serve",
			    sched_policy_serve(&f->sim->sys, &f->pq, svc, a, t, null_d ? NULL : &d),
			    -SCHED_ETIMEDOUT);
	if (r != want)
		die("sched_policy_%s of ticket {%u, %u, %u} by thread %u returned %d, expected %d",
		    deny ? "deny" : "serve", t.slot, t.gen, t.epoch, svc.t ? svc.t->id : 0, r, want);
	if (r == -SCHED_ETIMEDOUT)
		check_defaulted(f, (unsigned)i, deny ? "sched_policy_deny" : "sched_policy_serve");
	if (r == 0)
		pol_answered(f, (unsigned)i, deny, derr, &d);
	pol_leases(f, r == 0 ? i : -1, r == 0 && !f->pslot[i].ans.err);
}

/* The requester looks: its answer once (the slot is free again), -SCHED_EAGAIN before the
 * deadline, the default past it, -SCHED_ESTALE for a ticket collected or never given or a
 * requester that exited, -SCHED_EPERM for a ticket presented by another thread. */
static void op_pol_result(struct fz *f)
{
	uint8_t b = u8(f);
	struct sched_ticket t = pick_ticket(f);
	bool null_out = (b & 0xf0) == 0xf0, null_q = (b & 0xf0) == 0xe0, late = false;
	struct sched_answer a;
	int i = pm_slot(f, t), want, r;
	struct sched_ref by = i >= 0 && (b & 0x0c) != 0x0c ? f->pm[i].who : pick_ref(f).r;

	if (null_q || null_out || !f->npslots || !by.t || by.t->is_idle)
		want = -SCHED_EINVAL;
	else if (!ref_live(by) || i < 0)
		want = -SCHED_ESTALE;
	else if (by.t != f->pm[i].who.t || by.gen != f->pm[i].who.gen)
		want = -SCHED_EPERM;
	else
		want = f->pm[i].state == SCHED_SLOT_ANSWERED || pm_due(f, (unsigned)i) ? 0
											: -SCHED_EAGAIN;
	if (!want && f->pm[i].state != SCHED_SLOT_ANSWERED) {
		pm_defaulted(f, (unsigned)i);
		late = true;
	}
	r = TRY(f, "sched_policy_result",
		pol_result(f, null_q ? NULL : &f->pq, by, t, null_out ? NULL : &a));
	if (r == 0 && pol_collected(f, t))
		die("ticket {%u, %u} answered a second time", t.slot, t.gen);
	if (r != want)
		die("sched_policy_result of ticket {%u, %u} returned %d, expected %d", t.slot, t.gen,
		    r, want);
	if (r)
		return;
	if (f->trace)
		fprintf(stderr, "  answer of slot %d: kind %u by %u err %d sc {%u, %u, %x} why %llu\n", i,
			a.kind, a.by, a.err, a.sc.index, a.sc.gen, a.sc.rights, (unsigned long long)a.why);
	if (a.kind != f->pm[i].kind || a.by != (f->pm[i].by_default ? SCHED_BY_DEFAULT : SCHED_BY_SERVICE) ||
	    a.err != f->pm[i].err || sched_time_before(a.answered, a.asked) ||
	    sched_time_before(f->sim->now, a.answered))
		die("slot %u answered kind %u by %u err %d (asked %llu, answered %llu); expected kind "
		    "%u by %u err %d", i, a.kind, a.by, a.err, (unsigned long long)a.asked,
		    (unsigned long long)a.answered, f->pm[i].kind, f->pm[i].by_default, f->pm[i].err);
	if (a.sc.rights & ~(uint32_t)(SCHED_SC_READ | SCHED_SC_BIND))
		die("slot %u handed back an SC capability with rights %x", i, a.sc.rights);
	if (f->xlog_on ? (a.why != 0) != (a.err || f->pm[i].by_default) : a.why != 0)
		die("slot %u answered %d by %u with decision record %llu", i, a.err, a.by,
		    (unsigned long long)a.why);
	if (a.why > sched_explain_count(&f->sim->sys))
		die("slot %u names record %llu, not made yet", i, (unsigned long long)a.why);
	if (late)
		check_default_profile(f, (unsigned)i, "sched_policy_result");
	pm_free(f, (unsigned)i);
	f->pdone[f->npdone++ % MAX_PTICKETS] = t;
}

/* The port's sweep: the default for every request past its deadline, answers of exited
 * requesters freed; nothing else changes. */
static void op_pol_expire(struct fz *f)
{
	bool null_q = u8(f) == 0xff, due[MAX_PSLOTS] = { false }, touched = false;
	unsigned want = 0, n;

	for (unsigned i = 0; !null_q && i < f->npslots; i++) {
		if (pm_reclaimable(f, i)) {
			pm_free(f, i);
			touched = true;
		}
		if (pm_due(f, i)) {
			pm_defaulted(f, i);
			due[i] = true;
			want++;
		}
	}
	if (touched || want)
		n = sched_policy_expire(&f->sim->sys, null_q ? NULL : &f->pq);
	else
		READ_ONLY(f, "sched_policy_expire",
			  n = sched_policy_expire(&f->sim->sys, null_q ? NULL : &f->pq));
	if (n != want)
		die("sched_policy_expire answered %u requests, %u were past their deadlines", n, want);
	for (unsigned i = 0; i < f->npslots; i++)
		if (due[i])
			check_defaulted(f, i, "sched_policy_expire");
}

/* The service thread exits (a crash): its tickets are its successor's to make stale. */
static void op_pol_svc_exit(struct fz *f)
{
	struct sim_thread *t = f->psvc.t ? thread_of(f, f->psvc.t) : NULL;
	struct pref p;

	if (!t)
		return;
	p = live_ref(t);
	if (!ref_live(f->psvc)) {
		p.r = f->psvc;
		p.kind = REF_STALE;
		p.t = NULL;
	}
	exit_ref(f, p);
}

/* A record formats within any buffer: cut to fit, NUL-terminated, nothing past it written,
 * the same length needed whatever the buffer. */
static void check_format(const struct sched_why *w, unsigned len)
{
	char big[256], small[24];
	unsigned need = sched_explain_format(w, big, sizeof(big)), n;

	if (need >= sizeof(big) || strlen(big) != need)
		die("sched_explain_format needs %u characters for \"%s\"", need, big);
	memset(small, 0x5a, sizeof(small));
	n = sched_explain_format(w, small, len);
	if (n != need)
		die("sched_explain_format needs %u characters, then %u", need, n);
	for (unsigned k = len; k < sizeof(small); k++)
		if (small[k] != 0x5a)
			die("sched_explain_format wrote byte %u of a %u-byte buffer", k, len);
	if (len && (strlen(small) != (need < len - 1 ? need : len - 1) ||
		    strncmp(small, big, strlen(small))))
		die("sched_explain_format cut to %u bytes gives \"%s\" of \"%s\"", len, small, big);
}

/* The figures, and the decision records: a filtered read returns only what passes, newest
 * last, in order, within what was made; any record (a made-up one too) formats. */
static void op_pol_observe(struct fz *f)
{
	struct sched_sys *s = &f->sim->sys;
	uint8_t b = u8(f), c = u8(f), d = u8(f);
	struct sched_policy_stats st;
	struct sched_why out[XLOG_LEN], w;
	struct sched_why_filter flt = { 0 };
	uint64_t head = sched_explain_count(s), prev;
	unsigned max = b >> 4, n;
	int r;

	READ_ONLY(f, "sched_policy_stats",
		  r = sched_policy_stats((b & 1) ? NULL : &f->pq, (b & 2) ? NULL : &st));
	if (r != ((b & 3) ? -SCHED_EINVAL : 0) || (!r && memcmp(&st, &f->pq.stats, sizeof(st))))
		die("sched_policy_stats returned %d or figures not the queue's", r);
	flt.kinds = (c & 0x80) ? 0 : 1u << (c % (SCHED_WHY_NR + 1));
	flt.tid = (c & 0x40) && f->nth ? f->th[d % f->nth]->id : 0;
	flt.obj_kind = (uint8_t)((c >> 3) & 7) % (SCHED_OBJ_NR + 1);
	flt.obj = d & 7;
	flt.after = (d & 0x80) && head > (d & 15) ? head - (d & 15) : 0;
	READ_ONLY(f, "sched_explain_read",
		  n = sched_explain_read(s, (b & 4) ? NULL : &flt, (b & 8) ? NULL : out, max));
	if (n > max || ((b & 8) && n) || (!f->xlog_on && n))
		die("sched_explain_read returned %u records (at most %u, log %u)", n, max, f->xlog_on);
	prev = (b & 4) ? 0 : flt.after;
	for (unsigned k = 0; k < n; k++) {
		const struct sched_why *x = &out[k];

		if (x->seq <= prev || x->seq > head || x->kind >= SCHED_WHY_NR ||
		    ((b & 4) ? false : (flt.kinds && !(flt.kinds >> x->kind & 1)) ||
		     (flt.tid && x->tid != flt.tid) ||
		     (flt.obj_kind && (x->obj_kind != flt.obj_kind || x->obj != flt.obj))))
			die("sched_explain_read returned record %llu (kind %u, t%u, obj %u/%u) after "
			    "%llu, head %llu, filter kinds %x tid %u obj %u/%u", (unsigned long long)x->seq,
			    x->kind, x->tid, x->obj_kind, x->obj, (unsigned long long)prev,
			    (unsigned long long)head, flt.kinds, flt.tid, flt.obj_kind, flt.obj);
		prev = x->seq;
		check_format(x, (d >> 3) % 24);
	}
	/* a made-up record, read field by field (an initializer's order is unspecified) */
	w = (struct sched_why){ 0 };
	w.seq = u64(f);
	w.time = u64(f);
	for (unsigned k = 0; k < 3; k++)
		w.fig[k] = u64(f);
	w.tid = u8(f);
	w.group = u8(f);
	w.obj = u8(f);
	w.cpu = u8(f);
	w.cpu2 = u8(f);
	w.kind = u8(f);
	w.cause = u8(f);
	w.obj_kind = u8(f);
	w.err = (int8_t)u8(f);
	check_format(&w, (b >> 3) % 24);
	if (!sched_why_kind_name(w.kind) || !sched_why_cause_name(w.kind, w.cause))
		die("a name of kind %u cause %u is NULL", w.kind, w.cause);
}

/* The clock to a request's deadline (the soonest in flight), a little past it, or 1 ns
 * short: defaults become due. Not an event. */
static void pol_late(struct fz *f)
{
	uint8_t b = u8(f);
	int soon = -1;

	for (unsigned i = 0; i < f->npslots; i++)
		if (pm_in_flight(f->pm[i].state) && !pm_due(f, i) &&
		    (soon < 0 || sched_time_before(f->pm[i].deadline, f->pm[soon].deadline)))
			soon = (int)i;
	if (soon < 0) {
		advance(f, (uint64_t)(b & 15) * MS);
		return;
	}
	advance(f, f->pm[soon].deadline - f->sim->now + (b & 3) * 10 * US - ((b & 4) ? 1 : 0));
}

/* Policy mode at boot (header byte 6): the default profile's authority (SCHED_RIGHT_FAIR
 * only, token 1), the decision records, and the queue unless bit 6 leaves it to the input. */
static void pol_boot(struct fz *f, uint8_t h6)
{
	static const unsigned nr[] = { 1, 2, 4, 8 };
	static const uint64_t tmo[] = { 0, MS, 10 * MS, 200 * MS };
	struct sched_sys *s = &f->sim->sys;
	struct sched_policy_config cfg = { .timeout_ns = tmo[(h6 >> 2) & 3],
					   .endpoint = (h6 & 0x20) ? 77 : 0 };

	f->pol_mode = true;
	if (sched_auth_derive(&f->pfall, sched_auth_root(s), SCHED_RIGHT_FAIR, NULL, NULL) < 0)
		die("sched_auth_derive refused the fallback authority at boot");
	f->pfall_tok = (struct sched_auth){ &f->pfall, f->pfall.gen };
	f->tok[f->ntok++] = f->pfall_tok; /* revocable like any other */
	if (h6 & 0x10) {
		if (sched_explain_start(s, &f->xlog, f->xrec, XLOG_LEN, 0) < 0)
			die("sched_explain_start refused at boot");
		f->xlog_on = true;
	}
	if (h6 & 0x40)
		return;
	cfg.default_fair = (h6 & 0x80) ? (struct sched_fair_params){ .nice = 10, .slice_ns = MS }
				       : (struct sched_fair_params){ .nice = -5 };
	cfg.fallback = pol_fallback_tok(f);
	if (sched_policy_init(s, &f->pq, f->pslot, nr[h6 & 3], &cfg) < 0)
		die("sched_policy_init refused at boot");
	pol_reset(f, nr[h6 & 3], &cfg);
}

/* --- dispatch -------------------------------------------------------------------------------------- */

enum {
	OP_SPAWN, OP_REINIT, OP_WAKE, OP_WAKE2, OP_EXIT, OP_AFFINITY, OP_STATS, OP_BLOCK,
	OP_SLEEP, OP_PARK, OP_UNPARK, OP_YIELD, OP_CALL, OP_REPLY, OP_PICK, OP_TIMER, OP_IPI,
	OP_FINISH, OP_OFFLINE, OP_ONLINE, OP_GROUP, OP_DERIVE, OP_REVOKE_AUTH, OP_SET_FAIR,
	OP_SC_POOL, OP_SC_CREATE, OP_SC_CONFIGURE, OP_SC_BIND, OP_SC_UNBIND, OP_SC_REVOKE,
	OP_SC_REVOKE_OWNED, OP_SC_STATS, OP_CORE_CREATE, OP_CORE_SHARE, OP_CORE_CLEAR,
	OP_CORE_GET, OP_PROTECT, OP_OBSERVE, OP_INVALID, OP_INIT, OP_CHAIN,
	OP_NR_EVENT, /* the rest are not events on a CPU */
	OP_ADVANCE_SMALL = OP_NR_EVENT, OP_ADVANCE_LARGE, OP_SETTLE,
	OP_NR,
	/* mutex mode only (events on a CPU): opcodes mod OP_NR_MX */
	OP_MX_LOCK = OP_NR, OP_MX_LOCK2, OP_MX_TRYLOCK, OP_MX_UNLOCK, OP_MX_UNLOCK2, OP_COND_WAIT,
	OP_COND_WAKE, OP_BARRIER, OP_MX_INIT, OP_MX_OBSERVE,
	OP_NR_MX,
	/* lease mode only (events on a CPU): opcodes mod OP_NR_LEASE */
	OP_LEASE_GRANT = OP_NR_MX, OP_LEASE_GRANT2, OP_LEASE_REVOKE, OP_LEASE_REVOKE_OWNED,
	OP_LEASE_OBSERVE, OP_LEASE_POOL, OP_RING_INIT, OP_RING_REGISTER, OP_RING_UNREGISTER,
	OP_RING_SUBMIT, OP_RING_POLL, OP_RING_POLL2,
	OP_NR_LEASE,
	/* island mode only (events on a CPU): opcodes mod OP_NR_ISLAND */
	OP_ISL_ADMIT = OP_NR_LEASE, OP_ISL_ADMIT2, OP_ISL_REVOKE, OP_ISL_REVOKE_OWNED, OP_ISL_ADD,
	OP_ISL_REMOVE, OP_ISL_REPORT, OP_ISL_CALL, OP_ISL_CALL2, OP_ISL_BIND, OP_ISL_POOLS,
	OP_ISL_OBSERVE,
	OP_NR_ISLAND,
	/* policy mode only: opcodes mod OP_NR_POLICY (OP_POL_LATE is not an event) */
	OP_POL_INIT = OP_NR_ISLAND, OP_POL_ATTACH, OP_POL_SUBMIT, OP_POL_SUBMIT2, OP_POL_TAKE,
	OP_POL_SERVE, OP_POL_SERVE2, OP_POL_DENY, OP_POL_RESULT, OP_POL_EXPIRE, OP_POL_SVC_EXIT,
	OP_POL_OBSERVE, OP_POL_LATE,
	OP_NR_POLICY
};

static void op_event(struct sim *sim, unsigned cpu, void *arg)
{
	struct fz *f = arg;
	struct sched_sys *s = &sim->sys;

	f->op_done = true;
	switch (f->op) {
	case OP_SPAWN: op_spawn(f, cpu); break;
	case OP_REINIT: op_reinit(f); break;
	case OP_WAKE: case OP_WAKE2: op_wake(f); break;
	case OP_EXIT: op_exit(f); break;
	case OP_AFFINITY: op_affinity(f); break;
	case OP_STATS: op_stats(f); break;
	case OP_BLOCK: op_block(f, cpu, 0); break;
	case OP_SLEEP: op_block(f, cpu, 1); break;
	case OP_PARK: op_block(f, cpu, 2); break;
	case OP_YIELD: op_block(f, cpu, 3); break;
	case OP_UNPARK: op_unpark(f); break;
	case OP_CALL: op_handoff(f, cpu, false); break;
	case OP_REPLY: op_handoff(f, cpu, true); break;
	case OP_PICK: sim_resched(sim, cpu); break;
	case OP_TIMER: /* a timer interrupt now (early or spurious: the core re-arms) */
		if (sched_timer(s, cpu))
			sim_resched(sim, cpu);
		break;
	case OP_IPI: /* a spurious resched IPI */
		if (sched_ipi(s, cpu))
			sim_resched(sim, cpu);
		break;
	case OP_FINISH: /* finishing a switch twice is harmless */
		sched_finish_switch(s, cpu);
		break;
	case OP_OFFLINE: op_offline(f); break;
	case OP_ONLINE: op_online(f, cpu, u8(f)); break;
	case OP_GROUP: op_group(f); break;
	case OP_DERIVE: op_derive(f); break;
	case OP_REVOKE_AUTH: op_revoke_auth(f); break;
	case OP_SET_FAIR: op_set_fair(f); break;
	case OP_SC_POOL: give_pool(f, u8(f) % (MAX_POOL + 1)); break;
	case OP_SC_CREATE: op_sc_create(f); break;
	case OP_SC_CONFIGURE: op_sc_configure(f); break;
	case OP_SC_BIND: op_sc(f, 0); break;
	case OP_SC_UNBIND: op_sc(f, 1); break;
	case OP_SC_REVOKE: op_sc(f, 2); break;
	case OP_SC_REVOKE_OWNED: op_sc(f, 3); break;
	case OP_SC_STATS: op_sc(f, 4); break;
	case OP_CORE_CREATE: op_core(f, 0); break;
	case OP_CORE_SHARE: op_core(f, 1); break;
	case OP_CORE_CLEAR: op_core(f, 2); break;
	case OP_CORE_GET: op_core(f, 3); break;
	case OP_PROTECT: op_protect(f, cpu); break;
	case OP_OBSERVE: op_observe(f, cpu); break;
	case OP_INVALID: op_invalid(f, cpu); break;
	case OP_CHAIN: op_chain(f, cpu); break;
	case OP_MX_LOCK: case OP_MX_LOCK2: op_mx(f, cpu, E_LOCK); break;
	case OP_MX_TRYLOCK: op_mx(f, cpu, E_TRYLOCK); break;
	case OP_MX_UNLOCK: case OP_MX_UNLOCK2: op_mx(f, cpu, E_UNLOCK); break;
	case OP_COND_WAIT: op_mx(f, cpu, E_COND); break;
	case OP_COND_WAKE: op_cond_wake(f); break;
	case OP_BARRIER: op_mx(f, cpu, E_BARRIER); break;
	case OP_MX_INIT: op_mx_init(f); break;
	case OP_MX_OBSERVE: op_mx_observe(f, cpu); break;
	case OP_LEASE_GRANT: case OP_LEASE_GRANT2: op_lease_grant(f); break;
	case OP_LEASE_REVOKE: op_lease_revoke(f); break;
	case OP_LEASE_REVOKE_OWNED: op_lease_revoke_owned(f); break;
	case OP_LEASE_OBSERVE: op_lease_observe(f); break;
	case OP_LEASE_POOL: op_lease_pool(f); break;
	case OP_RING_INIT: op_ring_init(f); break;
	case OP_RING_REGISTER: op_ring_register(f, cpu, true); break;
	case OP_RING_UNREGISTER: op_ring_register(f, cpu, false); break;
	case OP_RING_SUBMIT: op_ring_submit(f); break;
	case OP_RING_POLL: case OP_RING_POLL2: op_ring_poll(f, cpu); break;
	case OP_ISL_ADMIT: case OP_ISL_ADMIT2: op_isl_admit(f); break;
	case OP_ISL_REVOKE: op_isl_revoke(f); break;
	case OP_ISL_REVOKE_OWNED: op_isl_revoke_owned(f); break;
	case OP_ISL_ADD: op_isl_add(f); break;
	case OP_ISL_REMOVE: op_isl_remove(f); break;
	case OP_ISL_REPORT: op_isl_report(f); break;
	case OP_ISL_CALL: case OP_ISL_CALL2: op_isl_call(f, cpu); break;
	case OP_ISL_BIND: op_isl_bind(f); break;
	case OP_ISL_POOLS: op_isl_pools(f); break;
	case OP_ISL_OBSERVE: op_isl_observe(f); break;
	case OP_POL_INIT: op_pol_init(f); break;
	case OP_POL_ATTACH: op_pol_attach(f); break;
	case OP_POL_SUBMIT: case OP_POL_SUBMIT2: op_pol_submit(f); break;
	case OP_POL_TAKE: op_pol_take(f); break;
	case OP_POL_SERVE: case OP_POL_SERVE2: op_pol_answer(f, false); break;
	case OP_POL_DENY: op_pol_answer(f, true); break;
	case OP_POL_RESULT: op_pol_result(f); break;
	case OP_POL_EXPIRE: op_pol_expire(f); break;
	case OP_POL_SVC_EXIT: op_pol_svc_exit(f); break;
	case OP_POL_OBSERVE: op_pol_observe(f); break;
	default: op_init(f); break;
	}
	sim_enter(sim, cpu);
	honour(f, cpu);
}

/* --- the machine ------------------------------------------------------------------------------------ */

static bool setup(struct fz *f)
{
	uint8_t h0 = u8(f), h1 = u8(f), h2 = u8(f), h3 = u8(f), h4 = LEASE_MODE(h3) ? u8(f) : 0;
	uint8_t h5 = ISLAND_MODE(h3, h4) ? u8(f) : 0;
	bool policy = POLICY_MODE(h3, h4, h5);
	uint8_t h6 = policy ? u8(f) : 0;
	static const uint64_t ipi[] = { 0, 2 * US, 20 * US, 0 };
	static const unsigned bmax[] = { 0, 1, 4, 64 };
	static const uint64_t binterval[] = { 0, 100 * US, 4 * MS, SEC };
	static const uint64_t hot[] = { 0, 1, 5 * MS, SEC };
	static const sched_time_t start[] = { 0, 5 * MS, (1ull << 63) - SEC, UINT64_MAX - 1000 * SEC };
	struct sim_config sc = { 0 };
	struct sched_topology topo = { 0 };
	struct sched_config cfg = { 0 };
	struct sim *sim;
	unsigned smt;

	f->ncpu = 1 + (h0 & 7);
	smt = (h0 >> 3) & 3;
	smt = smt == 1 ? 2 : smt == 2 ? 4 : 1;
	while (f->ncpu % smt)
		smt /= 2;
	f->smt = smt;
	sc.cpus = f->ncpu;
	sc.smt = smt;
	sc.seed = LEASE_MODE(h3) ? h4 : h3;
	sc.policy = (h0 & 0x20) ? "rr" : "eevdf";
	sc.core_sched = (h0 & 0x40) != 0;
	sc.core_protect = sc.core_sched && (h0 & 0x80);
	sc.ipi_latency_ns = ipi[h1 & 3];
	sc.bench_mode = ((LEASE_MODE(h3) ? h4 : h3) & 0x80) != 0; /* no trace callback */
	sim = sim_new(&sc);
	if (!sim)
		die("sim_new refused cpus %u smt %u", sc.cpus, sc.smt);
	f->sim = sim;
	sim->check_each_step = true;
	sim->on_violation = on_violation;

	/* The simulator boots libsched with default settings; boot it again (nothing has run
	 * yet) with the settings the input chose, the same way sim_new does. */
	topo.nr_cpus = f->ncpu;
	for (unsigned c = 0; c < f->ncpu; c++) {
		topo.core[c] = (uint16_t)(c / smt);
		topo.llc[c] = (uint16_t)((h2 & 0x80) ? (c / smt) / 2 * smt : 0);
	}
	cfg.policy = sc.policy;
	cfg.core_sched = sc.core_sched;
	cfg.core_protect = sc.core_protect;
	cfg.core_autotag = (uint8_t)(((h1 >> 2) & 3) % 3);
	cfg.balance_max = bmax[(h1 >> 4) & 3];
	cfg.balance_interval_ns = binterval[h2 & 3];
	cfg.cache_hot_ns = hot[(h2 >> 2) & 3];
	cfg.base_slice_ns = (h1 & 0x40) ? 100 * US : 0;
	cfg.rr_quantum_ns = (h1 & 0x80) ? 200 * US : 0;
	cfg.tick_ns = (h2 & 0x40) ? 1 : 0;
	sim_callbacks(sim, &cfg); /* notify; trace unless sc.bench_mode */
	f->lease_mode = LEASE_MODE(h3);
	if (f->lease_mode)
		cfg.lease_port = fz_lease_port; /* its calls counted, its contract checked */
	f->island_mode = ISLAND_MODE(h3, h4);
	if (f->island_mode)
		cfg.island_irq = fz_island_irq; /* routing followed, its contract checked */
	f->start = start[(h2 >> 4) & 3];
	f->high_clock = f->start > (1ull << 63);
	sim->now = f->start;
	if (sched_init(&sim->sys, sim->rq, &topo, &cfg) < 0)
		die("sched_init refused the machine's settings");
	for (unsigned c = 0; c < f->ncpu; c++) {
		sim->cpu[c].timer = SCHED_TIME_NEVER;
		sim->cur_cpu = c;
		sim->cpu[c].idle = (struct sched_thread){ 0 };
		if (sched_cpu_online(&sim->sys, c, &sim->cpu[c].idle) < 0)
			die("sched_cpu_online(%u) failed at boot", c);
	}
	sim->cur_cpu = 0;
	sched_group_init(&sim->sys, &sim->all, &(struct sched_group_params){ .id = 0 });
	for (unsigned c = 0; c < f->ncpu; c++)
		sim->cpu[c].run_start = sim->now;
	f->tok[0] = sched_auth_root(&sim->sys);
	f->ntok = 1;
	sim->after_event = on_event; /* the trace, and the mutex checks */
	sim->hook_arg = f;
	f->mx_mode = MX_MODE(h3);
	for (unsigned k = 0; f->mx_mode && k < 4; k++)
		f->mx_ok[k] = sched_mutex_init(&sim->sys, &f->mx[k], k == 3 ? SCHED_MUTEX_PLAIN
									      : SCHED_MUTEX_PROXY) == 0;
	for (unsigned k = 0; f->mx_mode && k < 2; k++)
		f->cv_ok[k] = sched_cond_init(&sim->sys, &f->cv[k]) == 0;
	if (f->mx_mode)
		f->bar_ok[0] = sched_barrier_init(&sim->sys, &f->bar[0], 2) == 0;
	if (f->lease_mode) { /* h4: SC pool (bits 0-3), lease pool (bits 4-6) at boot */
		unsigned n = (h4 >> 4) & 7;

		for (unsigned k = 0; k < MAX_RINGS; k++)
			if (sched_ring_init(&f->ring[k], k ? MS : 50 * US) < 0)
				die("sched_ring_init refused a ring at boot");
		if (n) {
			f->lpool = calloc(MAX_LEASES, sizeof(*f->lpool));
			if (!f->lpool || sched_lease_pool(&sim->sys, f->lpool, n) < 0)
				die("no lease pool at boot");
			f->nlpool = n;
		}
		h3 = h4;
	}
	if (f->island_mode) /* h5: SC pool (bits 0-3, mod 9), island pool, memory pools, admission */
		h3 = h5;
	if (h3 & 15)
		give_pool(f, (h3 & 15) % (MAX_POOL + 1));
	if (f->island_mode) {
		unsigned n = (h5 >> 4) & 3;

		if ((h5 & 0x80) && !sim->sys.admit_tasks && f->pool &&
		    sched_sc_admission(&sim->sys, sched_auth_root(&sim->sys), f->iadmit,
				       sizeof(f->iadmit) / sizeof(f->iadmit[0]), (h5 >> 4) % 3) < 0)
			die("sched_sc_admission refused at boot");
		if (n) {
			f->ipool = calloc(MAX_ISLANDS, sizeof(*f->ipool));
			if (!f->ipool || sched_island_pool(&sim->sys, f->ipool, n) < 0)
				die("no island pool at boot");
			f->nipool = n;
		}
		if (h5 & 0x40) {
			f->mpool[0] = (struct sched_mem_pool){ "dma", 4, 0 };
			f->mpool[1] = (struct sched_mem_pool){ "heap", 16, 0 };
			if (sched_island_mem_pools(&sim->sys, f->mpool, 2) < 0)
				die("no memory pools at boot");
			f->mpools_given = true;
		}
	}
	if (policy)
		pol_boot(f, h6);
	return true;
}

static void teardown(struct fz *f)
{
	sim_free(f->sim);
	for (unsigned g = 0; g < MAX_GROUPS; g++)
		free(f->gpcpu[g]);
	for (unsigned i = 0; i < MAX_POOL; i++)
		free(f->refill[i]);
	free(f->pool);
	free(f->lpool);
	free(f->ipool);
	free(f->scratch);
	free(f->scratch_rq);
	free(f->snap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz *f = calloc(1, sizeof(*f));

	if (!f)
		return 0;
	g_fz = f;
	f->p = data;
	f->n = size;
	f->trace = getenv("FUZZ_API_TRACE") != NULL;
	f->dump = f->trace && !strcmp(getenv("FUZZ_API_TRACE"), "2");
	setup(f);
	check_now(f, "at boot");
	while (more(f) && f->ops_run < MAX_OPS) {
		uint8_t b = u8(f);
		unsigned op = b % (f->pol_mode ? OP_NR_POLICY : f->island_mode ? OP_NR_ISLAND
				   : f->lease_mode ? OP_NR_LEASE : f->mx_mode ? OP_NR_MX : OP_NR);

		f->ops_run++;
		if (f->trace)
			fprintf(stderr, "op #%llu: %u\n", (unsigned long long)f->ops_run, op);
		if (op == OP_ADVANCE_SMALL) {
			advance(f, (uint64_t)u8(f) * 10 * US);
		} else if (op == OP_ADVANCE_LARGE) {
			static const uint64_t big[] = { MS, 5 * MS, 50 * MS, 500 * MS };

			advance(f, big[u8(f) & 3]);
		} else if (op == OP_SETTLE) {
			advance(f, 0);
		} else if (op == OP_POL_LATE) {
			pol_late(f);
		} else {
			unsigned cpu;
			uint8_t c = u8(f);

			cpu = c % f->ncpu;
			if (op == OP_ONLINE) { /* runs on the offline CPU itself */
				if (f->sim->rq[cpu].online) {
					op = OP_OFFLINE; /* an online CPU: take another one down */
					cpu = online_cpu(f, (uint8_t)(c + 1));
				} else if (f->sim->cpu[cpu].curr) {
					/* still running a thread on its way out: a CPU is onlined
					 * again only once it went down (hotplug is serialised);
					 * the pick its IPI brings comes first */
					op = OP_PICK;
				}
			} else if (!f->sim->rq[cpu].online && !f->sim->cpu[cpu].curr) {
				cpu = online_cpu(f, c); /* an offline CPU runs nothing */
			}
			/* else an online CPU, or an offline one whose thread still runs until
			 * its next pick and may make calls meanwhile */
			run_on(f, cpu, op);
		}
	}
	teardown(f);
	free(f);
	g_fz = NULL;
	return 0;
}
