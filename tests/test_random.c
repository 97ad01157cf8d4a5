/* SPDX-License-Identifier: MIT */
/*
 * test_random.c - random operation sequences on SMT machines of 2 and 4 CPUs, core
 * scheduling off and on, mixing wakes, blocks, IPC call/reply, hotplug, affinity, exits,
 * weights, cookies and SchedulingContexts (configure, bind, unbind, revoke, with every
 * overrun policy, so threads move between the classes and the refill wait). After every step:
 * the library's invariant checker, plus an independent count here that every live
 * runnable thread has exactly one owner (one queue slot or one CPU). At the end of each
 * sequence: accounting sums (groups = members, threads = CPUs' busy time). Now and then
 * the machine runs undisturbed for tens of ms, so the periodic balance rotates threads
 * between CPUs (balance.c) amid all of the above: each test asserts that it did.
 *
 * Mutexes, condition variables and a barrier (mutex.h) are mixed in: a pool of mutexes
 * (proxy and plain), two conditions and a barrier, locked (with and without timeouts),
 * tried, unlocked, waited on, signalled, broadcast and met at by whatever thread runs on
 * the chosen CPU (sometimes a CPU being taken offline), re-initialised, with owners and
 * waiters exited (robust handoff) and lenders' SCs revoked, amid all of the above. Each
 * entry's result is predicted from the documented rules (exact error code; a refused call
 * must change nothing, the library's whole state compared byte for byte) and its effect
 * checked (who owns the mutex, who waits, barrier rounds). After every event: every
 * waiter of the pool is BLOCKED and waits on its object, a free mutex has no waiters, an
 * owner is alive, owner chains are acyclic and at most SCHED_MUTEX_DEPTH_MAX long, a
 * barrier's arrivals are its waiters and fewer than its count, and a thread whose wait
 * ended reads an outcome docs/mutex.md gives for that wait when it runs (0, -ETIMEDOUT,
 * -EOWNERDEAD; -EDEADLK for a condition wait whose mutex would close a cycle; -ENOSC or
 * -EAFFINITY for a waiter that could not run when the mutex came to it), owning its mutex
 * exactly when that says so. After every step: sched_mutex_check() on every thread, and
 * the lending rule (each owner is lent exactly the priority, weight and SC the first
 * waiter of each band of its proxy mutexes gives). RANDOM_SEED=N runs sequence N alone,
 * RANDOM_TRACE=1 prints every step.
 * Donated time is charged to the donor: after every event the SC each CPU's current EDF
 * thread runs on (a lent one, t->mx_sc, else its own or an IPC donor's, t->sc) is noted,
 * and the time until the next event is added to that SC; after every step each live SC's
 * consumed_ns (sched_sc_stats, which includes the run in progress) must equal that sum to
 * the nanosecond, and at a revoke and at the end too.
 *
 * CPU isolation leases and polling rings (lease.h, ring.h) are mixed in too. Leases are
 * granted over random CPU sets to a thread or a group (a session, a service, a process
 * inside it) with the root authority or a derived one (without SCHED_RIGHT_LEASE, scoped
 * to a group, limited to some CPUs, revoked), revoked, revoked by owner group, and their
 * holder threads exit; every refusal is predicted (the set of codes whose conditions hold,
 * -SCHED_EPINNED from the threads a grant would strand) and changes nothing, the lease
 * pool compared too; stale capabilities fail closed and change nothing. Offline of a
 * leased CPU and of the last housekeeping CPU must be refused. After every event, from
 * outside: each CPU a lease holds points at it; every thread queued there (or waiting for
 * a refill) is the holder's, the running one too unless it is the other thread that ran
 * there when the lease was granted and has not left yet, and once it left, every sleeper
 * timeout there is the holder's; a lease is ACTIVE exactly when none of its CPUs waits for
 * such a thread to leave; the housekeeping set is the online CPUs no lease holds, never
 * empty. At the end of a sequence, each group's leased time is what its leases held, to
 * the nanosecond. Rings: the current thread of a CPU registers (a second registration is
 * refused with -SCHED_EOWNED while the owner lives), polls the way ring.h says (a recheck
 * after SCHED_RING_RECHECK, submissions landing before or after it), parks; any CPU
 * submits; a parked consumer never misses an entry (no lost wake-up). One sequence in four
 * runs with admission on (sched_sc_admission), so grants, SCs, fixed priorities and
 * offline meet -SCHED_EUNSCHED.
 *
 * Realtime islands (island.h) are mixed in too: admissions of random islands (one to three
 * members on fresh SCs, partitioned on one CPU or over the island's CPUs, or global; leased
 * or shared CPUs; sometimes passive servers of the island's group with call paths, IRQ
 * reservations and memory bookings against two pools declared with
 * sched_island_mem_pools; sometimes malformed, with stale, rightless, configured or repeated
 * member SCs, stale, active, foreign or taken servers, taken IRQ lines, short pools, paths
 * that are not served, and any of the authorities), revoke, revoke by owner group, add and
 * remove one member, sched_island_report, calls from island threads along declared and
 * undeclared paths (and the servers' replies) and to servers from outside, binds of member
 * SCs to threads of the island's group and of others. Islands are admitted only in the
 * sequences with admission on (elsewhere: -SCHED_ESTATE). Each admission's result is
 * predicted as the set of errors whose conditions hold (island.h's order is not what the
 * code does), each condition from the state, the analysis from below: a member is surely
 * placed on the first CPU of its set with no crossing SC and little enough demand there
 * (the densities and the IRQs' rates at most one half, the first deadline at least twice
 * the IRQs' costs together: sched_rt_edf_check_irq then passes), surely refused where every
 * CPU is crossed, and otherwise may go either way; a refusal must name a reason the model
 * found (resource, test, index, the shortfall of a pool or a call budget) and change
 * nothing (the whole state compared byte for byte, the island and memory pools, the port's
 * IRQ routing and lease_port calls included). An admission configures every member inside
 * the island's CPUs (on the CPU predicted, when predicted), books the pools, routes the
 * IRQs, marks the servers, takes a lease (a leased island: modelled as a group lease that
 * sched_lease_revoke refuses with -SCHED_EPERM and sched_lease_revoke_owned leaves alone)
 * and tells the port about each CPU it is the first shared island over (the last, at its
 * revocation); revocation undoes each, and its capability fails closed with -SCHED_ESTALE.
 * Shared islands' CPUs are no home for the port's IRQs: grants and offline keep another
 * CPU (-SCHED_EHOUSEKEEPING), and admission counts on them and on islands' IRQ CPUs
 * (-SCHED_EUNSCHED). The path rule is exact: a call an island's rule refuses returns
 * -SCHED_EPATH, counts the violation against the caller's island (else the server's),
 * traces and notifies it, and changes nothing else; so do reports. After every step: each
 * island's members, figures and violations, the pools' bookings, the island-held CPUs, the
 * servers' marks and the IRQ routing are the test's, and island SCs are charged what their
 * threads ran, to the nanosecond.
 */
#include "simtest.h"

#include <sched/explain.h>
#include <sched/island.h>
#include <sched/lease.h>
#include <sched/mutex.h>
#include <sched/policy.h>
#include <sched/ring.h>

#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 48
#define NR_SCS 6
#define SEQUENCES 500
#define STEPS 600
#define NR_MX 4     /* mutexes 0, 1, 3: SCHED_MUTEX_PROXY; 2: SCHED_MUTEX_PLAIN */
#define NR_CV 2
#define NR_LEASES 2 /* lease slots */
#define NR_STALE 8  /* stale lease capabilities kept to try again */
#define NR_AUTH 4   /* derived authorities: no lease right, scoped, some CPUs, revoked */
#define NR_RINGS 2
#define NR_ISL 2    /* island slots */
#define ISL_SCS 8   /* SC pool slots (and refill rings) for island members */
#define NR_PSC 2    /* SC pool slots for policy requests: SCs owned by a group */
#define POOL (NR_SCS + ISL_SCS + NR_PSC)
#define XLOG 64     /* decision records kept: the ring wraps within a sequence */
#define MAX_PSLOTS 8 /* policy request slots (4 .. 8 per sequence) */
#define NR_PSTALE 8 /* stale policy tickets kept to try again */
#define ISL_MEMBERS 6 /* member slots an island uses here (1 .. 3 admitted, then adds) */
#define ISL_SERVERS 2
#define ISL_PATHS 4
#define ISL_IRQS 2
#define ISL_MEM 2
#define NR_MPOOLS 2
#define NR_LINES 4  /* IRQ lines 1 .. 4 */
#define NR_ISTALE 8 /* stale island capabilities kept to try again */

/* A thread's wait on the pool, until it runs again and its result is checked. */
enum { W_NONE, W_MUTEX, W_COND, W_BARRIER };

struct pending {
	uint8_t kind;
	bool dead;                 /* a mutex was handed to it by an exit: -EOWNERDEAD due */
	struct sched_mutex *m;     /* W_MUTEX, W_COND: the mutex it owns when the wait ends */
};

struct world {
	struct sim *sim;
	struct sched_group groups[3];
	struct sched_group_cpu gcpu[2][4]; /* groups 1 and 2 are fairness groups, 2 inside 1 */
	struct sim_thread *t[MAX_THREADS];
	struct sched_ref old[MAX_THREADS]; /* refs taken before an exit: must stay stale */
	unsigned n;
	struct sched_sc scs[POOL];         /* the SC pool: sc_op's SCs and the islands' */
	struct sched_refill rings[NR_SCS][4];
	struct sched_sc_cap cap[NR_SCS];   /* gen 0 and no slot: never created */
	bool made[NR_SCS];
	uint64_t rng;
	/* mutexes, conditions, a barrier; the waits in progress (by thread index) */
	struct sched_mutex mx[NR_MX];
	struct sched_cond cv[NR_CV];
	struct sched_barrier bar;
	struct pending pend[MAX_THREADS];
	/* donated time: the SC each CPU ran on since `noted_at`, and per pool slot what the
	 * SC there must have consumed since it was created */
	sched_time_t noted_at;
	struct sched_sc *ran_on[SCHED_MAX_CPUS];
	uint64_t used[POOL];
	/* leases: the pool, the test's record of each slot's live lease, stale capabilities,
	 * and per CPU the other thread that still ran there when its lease was granted */
	struct sched_lease lpool[NR_LEASES];
	struct lrec {
		bool live;
		struct sched_lease_cap cap;
		sched_cpumask_t cpus;
		struct sched_thread *thread; /* a thread holder (its life `gen`), or */
		uint32_t gen;
		struct sched_group *group;   /* a group holder */
		struct sched_group *target;  /* charged for the CPUs' time, or NULL */
		sched_time_t since;
		bool pending;                /* a CPU of it still ran another thread */
		bool island;                 /* a leased island's: it ends with the island */
	} lease[NR_LEASES];
	struct sched_lease_cap stale[NR_STALE];
	unsigned nstale;
	struct sched_thread *leaving[SCHED_MAX_CPUS];
	uint64_t leased_ns[3];             /* per group: leased CPU time of its ended leases */
	struct sched_authority auth[NR_AUTH];
	struct sched_auth tok[NR_AUTH];
	bool admission;
	struct sched_rt_task admit[POOL + NR_ISL * ISL_IRQS + 8];
	/* rings: entries published and consumed (the ring's memory is the test's), the
	 * figures libsched must have counted, and whether the consumer parked in a poll and
	 * has not run since */
	struct sched_ring ring[NR_RINGS];
	uint64_t published[NR_RINGS], consumed[NR_RINGS];
	uint64_t submits[NR_RINGS], wakeups[NR_RINGS], parks[NR_RINGS], polls[NR_RINGS];
	bool parked[NR_RINGS];
	bool refused[NR_RINGS];   /* a submit was refused (the consumer could not run) since
				   * it parked: its entries wait for the next submit */
	/* islands: the pool, the port's memory pools, the test's record of each live island,
	 * stale capabilities; the refill rings of member SCs and which SC uses each; an
	 * authority with SC control and the lease right scoped to the service group */
	struct sched_island ipool[NR_ISL];
	struct sched_mem_pool mpool[NR_MPOOLS];
	struct irec {
		bool live;
		struct sched_island_cap cap;
		sched_cpumask_t cpus;
		uint8_t mode;
		struct sched_group *group;
		uint32_t endpoint;
		unsigned lease;              /* a leased island's lease slot */
		unsigned nm;                 /* member slots used (the library's nr_scs) */
		struct sched_sc_cap m[ISL_MEMBERS];
		bool in[ISL_MEMBERS];        /* the slot holds a live member */
		unsigned ns, np, ni, nmem;
		struct sched_ref srv[ISL_SERVERS];
		struct sched_island_path path[ISL_PATHS];
		struct sched_island_irq irq[ISL_IRQS];
		struct sched_island_mem mem[ISL_MEM];
		uint64_t viol[SCHED_ISLAND_V_NR];
	} isl[NR_ISL];
	struct sched_island_cap istale[NR_ISTALE];
	unsigned nistale;
	struct sched_refill irings[ISL_SCS][4];
	struct sched_sc_cap icap[ISL_SCS];
	bool iring_used[ISL_SCS];
	struct sched_authority iauth;
	struct sched_auth itok;
	bool island_step;                  /* this step ran an island operation */
	/* decision records: the ring, and the newest seq the checks have read */
	struct sched_explain_log xlog;
	struct sched_why xrec[XLOG];
	uint64_t xseen;
	/* the policy queue: its slots, the fallback authority, the attached service (t NULL:
	 * none), the test's record of each slot, stale tickets, the SCs owned by groups */
	struct sched_policy pq;
	struct sched_policy_slot pslot[MAX_PSLOTS];
	unsigned npslots;
	uint64_t ptimeout;
	struct sched_authority pfall;
	struct sched_ref svc;
	struct prec {
		uint8_t state;               /* enum sched_slot_state, as predicted */
		uint8_t kind;
		struct sched_ticket t;       /* submit's ticket */
		struct sched_ticket tk;      /* take's (TAKEN) */
		sched_time_t deadline;
		uint64_t order;
		struct sched_ref who, target;
		bool by_default;             /* ANSWERED: by the default */
		int want;                    /* ANSWERED: the answer's err, or 1: any */
		struct sched_graph graph;    /* GRAPH: the requester's memory until served */
	} preq[MAX_PSLOTS];
	uint64_t porder;
	uint64_t prng;                     /* the policy operations' random stream */
	bool measure_on;                   /* sched_measure's switch, and the measurement */
	uint64_t measured_at_off;          /* counters' sum when it was last set */
	struct sched_ticket pstale[NR_PSTALE], pold[NR_PSTALE]; /* collected; of an old epoch */
	unsigned npstale, npold;
	struct sched_graph pgraph[MAX_PSLOTS]; /* GRAPH requests' memory, by slot */
	struct sched_sc_cap pcap[NR_PSC];
	struct sched_refill prings[NR_PSC][4];
};

/* What the mutex operations did, over the sequences of one run_sequences call. */
enum {
	M_OPS, M_LOCK_NOW, M_LOCK_WAIT, M_LOCK_TIMED, M_TRYLOCK, M_UNLOCK, M_HANDOFF, M_COND_WAIT,
	M_SIGNAL, M_BROADCAST, M_BARRIER, M_ROUNDS, M_REINIT, M_END_OK, M_END_TIMEDOUT,
	M_END_DEAD, M_EXIT_OWNER, M_EXIT_WAITER, M_REVOKE_LENT, M_REFUSED, M_EDEADLK, M_EPERM,
	M_ELOCKED, M_ESTATE, M_ESTALE, M_ECPU, M_EACTIVE, M_LEND_SC, M_LENT_SC_NS, M_LENT_RT,
	M_SC_CHECKS, M_SKIPPED, M_COND_EDEADLK, M_EXIT_MOVED, M_NR
};
static const char *const m_name[M_NR] = {
	"mutex ops", "lock now", "lock waited", "timed", "trylock ok", "unlock ok",
	"handed on", "cond waits", "signal", "broadcast", "barrier waits", "barrier rounds",
	"re-init", "waits ended ok", "timed out", "owner died", "owner exits", "waiter exits",
	"lender SC revokes", "refused", "EDEADLK", "EPERM", "ELOCKED", "ESTATE", "ESTALE", "ECPU",
	"EACTIVE", "waits on an SC", "ns on a lent SC", "lent prio seen", "SC charge checks",
	"waits ended unable to run", "condition waits ended by a cycle",
	"waiters moved by an owner's exit",
};
static uint64_t mst[M_NR];

/* What the lease and ring operations did, over the sequences of one run_sequences call. */
enum {
	L_GRANTS, L_GRANT_OK, L_GRANT_THREAD, L_GRANT_GROUP, L_GRANT_TARGET, L_PENDING,
	L_ACTIVATED, L_EINVAL, L_ESTALE, L_EPERM, L_ECPU, L_ELEASED, L_EHOUSEKEEPING, L_EUNSCHED,
	L_EFULL, L_EPINNED, L_REVOKE, L_REVOKE_STALE, L_OWNED, L_OWNED_REVOKED, L_OWNED_REFUSED,
	L_CAUSE_PROCESS, L_CAUSE_SESSION, L_CAUSE_SERVICE, L_HOLDER_EXIT, L_STALE_USE,
	L_OFF_LEASED, L_OFF_HOUSEKEEPING, L_HOLDER_RAN, L_LEASED_NS_CHECKS, L_EAGAIN,
	R_REGISTER, R_EOWNED, R_REG_ESTALE, R_REPLACED, R_UNREGISTER, R_UNREG_EPERM,
	R_SUBMIT_POLLING, R_SUBMIT_UNPARKED, R_SUBMIT_ESTATE, R_POLL_WORK, R_POLL_IDLE, R_RECHECK,
	R_PARKED, R_PERMIT, R_POLL_EPERM, R_ON_LEASE, R_LOST, L_NR
};
static const char *const l_name[L_NR] = {
	"grants", "granted", "to a thread", "to a group", "with a target", "pending at grant",
	"activated later", "EINVAL", "ESTALE", "EPERM", "ECPU", "ELEASED", "EHOUSEKEEPING",
	"EUNSCHED", "EFULL", "EPINNED", "revoked", "stale revokes", "revoke_owned",
	"revoked by owner", "revoke_owned refused", "ended: process", "ended: session",
	"ended: service", "ended: holder exit", "stale caps checked", "offline refused: leased",
	"offline refused: last housekeeping", "holder ran on its CPUs", "leased-time checks",
	"EAGAIN (a thread migrating there)", "ring registered", "EOWNED", "register ESTALE",
	"dead owner replaced", "unregistered", "unregister EPERM", "submits to a poller",
	"submits that unparked", "submits ESTATE", "polls with work", "polls idle", "rechecks",
	"parks", "parks on a permit", "poll EPERM", "polls on a leased CPU",
	"submits refused: the consumer cannot run",
};
static uint64_t lst[L_NR], ltot[L_NR]; /* per run_sequences call; over a test */

/* What the island operations did, over the sequences of one run_sequences call. */
enum {
	I_ADMITS, I_ADMITTED, I_LEASED, I_SHARED, I_GLOBAL, I_PATHS, I_IRQS, I_MEM, I_PLACED,
	I_EINVAL, I_ECPU, I_ESTALE, I_EPERM, I_ESTATE, I_EFULL, I_ELEASED, I_ERESERVE, I_EPATH,
	I_EUNSCHED, I_LEASE_REFUSED, I_MAYBE, I_NO_SC, I_REVOKE, I_REVOKE_REFUSED, I_OWNED,
	I_OWNED_REVOKED, I_ADD, I_ADD_OK, I_REMOVE, I_REMOVE_OK, I_REPORT, I_REPORT_VIOLATION,
	I_REPORT_DECLARED, I_CALL, I_CALL_OK, I_CALL_EPATH, I_EPATH_RANDOM, I_BIND, I_BIND_OK,
	I_BIND_EPERM, I_CONFIGURE_ESTATE, I_LEASE_EPERM, I_REPLY, I_STALE_USE, I_NR
};
static const char *const i_name[I_NR] = {
	"admissions", "admitted", "leased", "shared", "with a global member", "with paths",
	"with IRQs", "with bookings", "placed as predicted", "EINVAL", "ECPU", "ESTALE", "EPERM",
	"ESTATE", "EFULL", "ELEASED", "ERESERVE", "EPATH", "EUNSCHED", "refused by the lease",
	"went either way", "no SC left to try", "revoked", "revoke refused", "revoke_owned",
	"revoked by owner", "adds", "added", "removes", "removed", "reports", "report violations",
	"reports on a declared path", "calls", "calls along a path", "calls refused EPATH",
	"random calls refused EPATH", "binds", "bound", "bind EPERM (other group)",
	"configure of a member ESTATE", "island lease revoke EPERM", "replies to callers",
	"stale caps checked",
};
static uint64_t ist[I_NR], itot[I_NR];

/* RANDOM_TRACE=1: every step's operation and every mutex entry's result, on stdout. */
static int tracing = -1;
#define TR(...)                                                                            \
	do {                                                                               \
		if (tracing < 0)                                                           \
			tracing = getenv("RANDOM_TRACE") != NULL;                          \
		if (tracing)                                                               \
			printf(__VA_ARGS__);                                               \
	} while (0)

/* Where a failure happened: the sequence (seed) and step, for a rerun with RANDOM_SEED
 * (mfail needs the world `w` in scope). */
static uint64_t cur_seed;
static unsigned cur_step;
#define mfail(...)                                                                         \
	do {                                                                               \
		printf("# failed in sequence %llu (RANDOM_SEED), step %u, t=%llu ns\n",       \
		       (unsigned long long)cur_seed, cur_step,                              \
		       (unsigned long long)w->sim->now);                                    \
		fail_msg(__VA_ARGS__);                                                     \
	} while (0)

static unsigned rnd(struct world *w, unsigned n)
{
	w->rng = w->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((w->rng >> 33) % n);
}

static struct sim_thread *any_thread(struct world *w)
{
	return w->t[rnd(w, w->n)];
}

static unsigned online_cpu(struct world *w)
{
	for (unsigned tries = 0;; tries++) {
		unsigned c = rnd(w, w->sim->cfg.cpus);

		if (w->sim->rq[c].online || tries > 64)
			return w->sim->rq[c].online ? c : 0;
	}
}

static void spawn(struct world *w)
{
	struct sched_thread_params p = { .nice = (int)rnd(w, 40) - 20,
					 .group = &w->groups[rnd(w, 3)] };

	if (w->n == MAX_THREADS)
		return;
	w->t[w->n] = sim_thread_new(w->sim, &p);
	assert_non_null(w->t[w->n]);
	w->n++;
}

static unsigned id_of(const struct sched_thread *t)
{
	return ((const struct sim_thread *)(const void *)t)->id - 1;
}

/*
 * Count where each thread is; every RUNNABLE one queued once (on a class, or in its CPU's
 * refill wait), every RUNNING one current once.
 */
static void check_ownership(struct world *w)
{
	struct sim *sim = w->sim;
	unsigned seen[MAX_THREADS] = { 0 };

	for (unsigned c = 0; c < sim->cfg.cpus; c++) {
		struct sched_rq *rq = &sim->rq[c];

		for (unsigned k = 0; k < SCHED_NR_CLASSES; k++) {
			const struct sched_class *cls = sim->sys.classes[k];

			for (struct sched_thread *t = cls->first(rq); t; t = cls->next(rq, t))
				seen[id_of(t)]++;
		}
		for (struct sched_rb_node *n = rq->sc_wait.leftmost; n; n = sched_rb_next(n)) {
			const struct sched_thread *t = sched_rb_entry(n, struct sched_thread, sc_node);

			if (t != rq->curr && !t->on_class) /* a demoted one is counted on its class */
				seen[id_of(t)]++;
		}
		if (rq->curr && !rq->curr->is_idle)
			seen[((struct sim_thread *)(void *)rq->curr)->id - 1]++;
	}
	for (unsigned i = 0; i < w->n; i++) {
		unsigned st = w->t[i]->st.state;
		unsigned want = st == SCHED_RUNNABLE || st == SCHED_RUNNING || st == SCHED_MIGRATING;

		if (st == SCHED_EXITED && seen[i] == 1) /* exited while running, pick due */
			want = 1;
		if (seen[i] != want)
			mfail("thread %u in state %u (cpu %u, dst %u) owned %u times", w->t[i]->id, st,
			      w->t[i]->st.cpu, w->t[i]->st.dst_cpu, seen[i]);
	}
}

struct lrec;
static struct lrec *lease_on(struct world *w, unsigned cpu);
static unsigned general_cpus(struct world *w);
static unsigned shared_on(const struct world *w, unsigned cpu);
static bool admitted_on(struct world *w, unsigned cpu);
static void lease_ended(struct world *w, unsigned i, unsigned cause);
static void check_leases(struct world *w);
static void check_rings(struct world *w);
struct vsnap;
static int path_refusal(struct world *w, const struct sched_thread *me, struct sched_ref to);
static void violation_before(struct world *w, int isl, const struct sched_thread *t,
			     struct vsnap *vs);
static void violation_after(struct world *w, int isl, unsigned what, const struct sched_thread *t,
			    const struct vsnap *vs, const char *call, int r);

/* What the counting of a violation may change (the island's count, the trace ring of the
 * thread's CPU, the notification), noted before the call. */
struct vsnap {
	uint64_t count[SCHED_ISLAND_V_NR], notes, head;
	unsigned cpu;
};

static void on_cpu_op(struct world *w, unsigned op)
{
	struct sim *sim = w->sim;
	unsigned c = online_cpu(w);
	struct sched_thread *next;
	int r = 0;

	sim_enter(sim, c);
	switch (op) {
	case 0:
		r = sched_block(&sim->sys, c, &next);
		break;
	case 1:
		r = sched_sleep_until(&sim->sys, c, sim->now + rnd(w, 3000) * US, &next);
		break;
	case 2:
		r = sched_yield_cpu(&sim->sys, c, &next);
		break;
	default: {
		struct sim_thread *t = any_thread(w);
		struct sched_thread *cur = sim->rq[c].curr;
		struct sched_ref to = sched_ref_of(&t->st);
		int isl = op == 3 ? path_refusal(w, cur, to) : -1; /* an island's path rule */
		struct vsnap vs;

		if (isl >= 0)
			violation_before(w, isl, cur, &vs);
		r = (op == 3 ? sched_call : sched_reply)(&sim->sys, c, to, &next);
		TR("  %s cpu %u thread %u to %u: %d\n", op == 3 ? "call" : "reply", c, cur->id,
		   t->id, r);
		if (isl >= 0 || r == -SCHED_EPATH) {
			violation_after(w, isl, SCHED_ISLAND_V_CALL, cur, &vs, "sched_call", r);
			return;
		}
		break;
	}
	}
	/* ELENT: a reply to a caller whose SC is lent on; ENOSC, EDEPTH: SC donation limits */
	assert_true(r == 0 || r == -SCHED_ESTATE || r == -SCHED_ESTALE || r == -SCHED_EAFFINITY ||
		    r == -SCHED_ELENT || r == -SCHED_ENOSC || r == -SCHED_EDEPTH);
	if (r == 0)
		sim_switch(sim, c, next);
}

static void hotplug_op(struct world *w)
{
	struct sim *sim = w->sim;
	unsigned c = rnd(w, w->sim->cfg.cpus);
	int r;

	if (sim->rq[c].online) {
		/* a leased CPU, and the last online CPU no lease or shared island holds, stay online */
		bool leased = lease_on(w, c) != NULL;
		bool last = !leased && !shared_on(w, c) && general_cpus(w) == 1;
		bool unsched = admitted_on(w, c);

		sim_enter(sim, online_cpu(w));
		r = sched_cpu_offline(&sim->sys, c);
		TR("  offline cpu %u (leased %u, last housekeeping %u): %d\n", c, leased, last, r);
		assert_true(r == 0 || r == -SCHED_ELAST_CPU || r == -SCHED_EPINNED ||
			    r == -SCHED_EAGAIN || r == -SCHED_ELEASED || r == -SCHED_EHOUSEKEEPING ||
			    (r == -SCHED_EUNSCHED && unsched));
		if ((leased && r != -SCHED_ELEASED && r != -SCHED_EUNSCHED) ||
		    (r == -SCHED_ELEASED && !leased))
			mfail("offline of cpu %u (leased %u) returned %d", c, leased, r);
		if ((last && r != -SCHED_EHOUSEKEEPING && r != -SCHED_ELAST_CPU &&
		     r != -SCHED_EUNSCHED) || (r == -SCHED_EHOUSEKEEPING && !last))
			mfail("offline of cpu %u (the last housekeeping CPU: %u) returned %d", c, last, r);
		lst[L_OFF_LEASED] += r == -SCHED_ELEASED;
		lst[L_OFF_HOUSEKEEPING] += r == -SCHED_EHOUSEKEEPING;
		if (r == 0 && !sim->rq[c].online)
			assert_int_equal(sim->rq[c].nr_queued, 0);
	} else {
		sim_enter(sim, c);
		assert_int_equal(sched_cpu_online(&sim->sys, c, &sim->cpu[c].idle), 0);
		sim_resched(sim, c);
	}
}

static void affinity_op(struct world *w)
{
	struct sim_thread *t = any_thread(w);
	sched_cpumask_t m;
	int r;

	sched_cpumask_clear(&m);
	do
		sched_cpumask_set(&m, rnd(w, w->sim->cfg.cpus));
	while (rnd(w, 2));
	sim_enter(w->sim, online_cpu(w));
	r = sched_set_affinity(&w->sim->sys, sched_ref_of(&t->st), &m);
	assert_true(r == 0 || r == -SCHED_ESTALE || r == -SCHED_EAFFINITY);
}

/* --- the pool of mutexes, conditions and the barrier ------------------------------------ */

static int mutex_index(const struct world *w, const void *p)
{
	for (int k = 0; k < NR_MX; k++)
		if (p == &w->mx[k])
			return k;
	return -1;
}

/* Some mutex owner runs on sc for a waiter. */
static bool borrowed(const struct world *w, const struct sched_sc *sc)
{
	for (unsigned j = 0; j < w->sim->nr_threads; j++)
		if (w->sim->threads[j]->st.mx_sc == sc)
			return true;
	return false;
}

/* The waiters of q in order, into out[] (MAX_THREADS); returns how many. */
static unsigned waiters_of(const struct sched_waitq *q, struct sched_thread **out)
{
	unsigned n = 0;

	for (struct sched_rb_node *x = q->tree.leftmost; x && n < MAX_THREADS; x = sched_rb_next(x))
		out[n++] = sched_rb_entry(x, struct sched_thread, wait_node);
	return n;
}

/* A waiter whose wait ended without the mutex because it could not run (a passive thread
 * without an SC, an affinity without an online CPU): it is never handed a mutex it would
 * hold blocked, and its kernel wakes it. */
static bool skipped(int r)
{
	return r == -SCHED_ENOSC || r == -SCHED_EAFFINITY;
}

/* m was handed on (unlock, exit) from waiters order[0..n): to the first that can run; the
 * ones before it stopped waiting, skipped; or to nobody, all skipped. */
static void check_handed(struct world *w, const struct sched_mutex *m,
			 struct sched_thread *const *order, unsigned n, const char *how)
{
	unsigned i;

	for (i = 0; i < n && order[i] != m->owner; i++)
		if (order[i]->waits_on || !skipped(order[i]->wait_result))
			mfail("after %s, mutex %d went to %u past waiter %u (wait result %d)", how,
			      mutex_index(w, m), m->owner ? m->owner->id : 0, order[i]->id,
			      order[i]->wait_result);
	if (m->owner && (i == n || m->owner->waits_on))
		mfail("after %s, mutex %d went to %u, not one of its waiters", how,
		      mutex_index(w, m), m->owner->id);
}

/* The SCs an exit of t takes from the threads that run on them (sched__sc_exit): the one
 * t's donation chain is on (t's, or its root caller's own SC held above it), and its own. */
static void exit_takes(const struct sched_thread *t, const struct sched_sc *taken[2])
{
	const struct sched_thread *root = t;
	unsigned d = 0;

	taken[0] = t->sc;
	if (!taken[0]) {
		while (root->donor && d++ < SCHED_DONATION_DEPTH_MAX)
			root = root->donor;
		if (root->own_sc && root->own_sc->holder != root)
			taken[0] = root->own_sc;
	}
	taken[1] = t->own_sc;
}

/* Does waiter a come before b, by the places the library recorded (band, key, arrival)? */
static bool placed_before(const struct sched_thread *a, const struct sched_thread *b)
{
	if (a->wait_slot != b->wait_slot)
		return a->wait_slot < b->wait_slot;
	if (a->wait_key != b->wait_key)
		return a->wait_slot == 0 ? a->wait_key != SCHED_TIME_NEVER &&
					   (b->wait_key == SCHED_TIME_NEVER ||
					    sched_time_before(a->wait_key, b->wait_key))
					 : a->wait_key < b->wait_key;
	return (int32_t)(a->wait_seq - b->wait_seq) < 0;
}

/*
 * Exit t (any state). Robust handoff: each pool mutex it owned goes to its top waiter, who
 * must read -SCHED_EOWNERDEAD when it runs, or is left free and marked "owner died"; its
 * own wait (if any) ends with it.
 *
 * The top waiter is the one at the handoff, which comes after the exit took t's SCs: a
 * waiter that ran on one of them (a server t called, holding t's SC, that then waits for
 * a mutex t owns; an owner it was lent to) takes its new place among the waiters first,
 * as any waiter whose SC is taken does. So the waiters are ordered again after the exit by
 * the places they had at the handoff (the new owner's and the skipped ones' stay recorded
 * when they leave the queue), and only a waiter on an SC the exit took may have moved.
 */
static void exit_thread(struct world *w, struct sim_thread *t)
{
	struct sched_thread *order[NR_MX][MAX_THREADS];
	uint8_t pslot[NR_MX][MAX_THREADS];
	uint64_t pkey[NR_MX][MAX_THREADS];
	bool on_taken[NR_MX][MAX_THREADS];
	const struct sched_sc *taken[2];
	unsigned nw[NR_MX];
	bool owned[NR_MX], waited = t->st.waits_on != NULL;
	unsigned i = t->id - 1;
	int r;

	bool held[NR_LEASES];

	exit_takes(&t->st, taken);
	for (unsigned k = 0; k < NR_MX; k++) {
		owned[k] = w->mx[k].owner == &t->st;
		nw[k] = waiters_of(&w->mx[k].waiters, order[k]);
		for (unsigned j = 0; j < nw[k]; j++) {
			const struct sched_thread *x = order[k][j];

			pslot[k][j] = x->wait_slot;
			pkey[k][j] = x->wait_key;
			on_taken[k][j] = false;
			for (unsigned q = 0; q < 2; q++)
				on_taken[k][j] |= taken[q] && (x->sc == taken[q] ||
								x->mx_sc == taken[q]);
		}
	}
	for (unsigned k = 0; k < NR_LEASES; k++) /* the leases it holds end with it */
		held[k] = w->lease[k].live && w->lease[k].thread == &t->st &&
			  w->lease[k].gen == t->st.gen;
	sim_enter(w->sim, online_cpu(w));
	w->old[i] = sched_ref_of(&t->st);
	r = sched_exit(&w->sim->sys, w->old[i]);
	TR("  exit thread %u: %d\n", t->id, r);
	assert_true(r == 0 || r == -SCHED_ESTALE);
	if (r < 0)
		return;
	for (unsigned k = 0; k < NR_LEASES; k++)
		if (held[k]) {
			lease_ended(w, k, SCHED_LEASE_HOLDER_EXIT);
			lst[L_HOLDER_EXIT]++;
		}
	w->pend[i] = (struct pending){ W_NONE, false, NULL };
	mst[M_EXIT_WAITER] += waited;
	for (unsigned k = 0; k < NR_MX; k++) {
		struct sched_mutex *m = &w->mx[k];

		if (!owned[k])
			continue;
		mst[M_EXIT_OWNER]++;
		for (unsigned j = 0; j < nw[k]; j++) {
			const struct sched_thread *x = order[k][j];

			if ((x->wait_slot != pslot[k][j] || x->wait_key != pkey[k][j]) &&
			    !on_taken[k][j])
				mfail("exit of %u moved waiter %u of mutex %u (band %u key %llu to "
				      "%u %llu), not on an SC the exit took", t->id, x->id, k,
				      pslot[k][j], (unsigned long long)pkey[k][j], x->wait_slot,
				      (unsigned long long)x->wait_key);
			mst[M_EXIT_MOVED] += x->wait_slot != pslot[k][j] || x->wait_key != pkey[k][j];
		}
		for (unsigned j = 1; j < nw[k]; j++) /* insertion sort: stable, few waiters */
			for (unsigned q = j; q > 0 && placed_before(order[k][q], order[k][q - 1]); q--) {
				struct sched_thread *x = order[k][q];

				order[k][q] = order[k][q - 1];
				order[k][q - 1] = x;
			}
		check_handed(w, m, order[k], nw[k], "an exit");
		if (!m->owner && !m->owner_died)
			mfail("mutex %u of exited thread %u is free but not marked owner-died", k,
			      t->id);
		if (m->owner) {
			struct pending *p = &w->pend[id_of(m->owner)];

			if (p->kind != W_MUTEX && p->kind != W_COND)
				mfail("mutex %u handed to thread %u, which waited for nothing", k,
				      m->owner->id);
			p->dead = true;
		}
	}
	spawn(w);
}

static void exit_op(struct world *w)
{
	exit_thread(w, any_thread(w));
}

/*
 * A process wait or a join as a kernel makes it: a CPU wakes a thread with
 * SCHED_WAKE_PROCESS or SCHED_WAKE_JOIN (the rule that places it near the waker, the
 * exiting thread; that CPU's current thread goes on here: an exit besides would thin out
 * the rarer events the checks below count on). First, a wake with a reason libsched does
 * not know: refused, the thread as it was.
 */
static void reason_wake_op(struct world *w)
{
	struct sim *sim = w->sim;
	unsigned c = online_cpu(w);
	struct sim_thread *t = any_thread(w);
	enum sched_wake_reason bad = (enum sched_wake_reason)(SCHED_WAKE_NR + rnd(w, 300));
	enum sched_wake_reason why = rnd(w, 2) ? SCHED_WAKE_PROCESS : SCHED_WAKE_JOIN;
	uint32_t state = t->st.state, cpu = t->st.cpu;
	uint64_t wakes = t->st.acct.v[SCHED_ACCT_WAKEUPS];
	int r;

	sim_enter(sim, c);
	assert_int_equal(sched_wake(&sim->sys, sched_ref_of(&t->st), bad), -SCHED_EINVAL);
	assert_true(t->st.state == state && t->st.cpu == cpu &&
		    t->st.acct.v[SCHED_ACCT_WAKEUPS] == wakes);
	r = sched_wake(&sim->sys, sched_ref_of(&t->st), why);
	TR("  wake from cpu %u, thread %u (%u): %d\n", c, t->id, (unsigned)why, r);
	assert_true(r == 0 || r == -SCHED_ESTATE || r == -SCHED_ESTALE || r == -SCHED_EAFFINITY ||
		    r == -SCHED_ELENT || r == -SCHED_ENOSC);
	if (sched_need_resched(&sim->sys, c))
		sim_resched(sim, c);
}

/* Core scheduling on: a thread gets a fresh cookie, another's, or none. */
static void cookie_op(struct world *w)
{
	struct sched_sys *sys = &w->sim->sys;
	struct sched_ref t = sched_ref_of(&any_thread(w)->st);
	int r;

	sim_enter(w->sim, online_cpu(w));
	switch (rnd(w, 3)) {
	case 0:
		r = sched_core_create(sys, sched_auth_root(sys), t, SCHED_CORE_THREAD);
		break;
	case 1:
		r = sched_core_share(sys, sched_auth_root(sys), sched_ref_of(&any_thread(w)->st), t,
				     SCHED_CORE_THREAD);
		break;
	default:
		r = sched_core_clear(sys, sched_auth_root(sys), t, SCHED_CORE_THREAD);
		break;
	}
	assert_true(r == 0 || r == -SCHED_ESTALE);
}

static int slot_of(const struct world *w, const struct sched_sc *sc)
{
	return sc ? (int)(sc - w->scs) : -1;
}

/* With RANDOM_TRACE, when a check fails: every live thread's and SC's mutex and SC links. */
static void dump(struct world *w)
{
	struct sim *sim = w->sim;

	for (unsigned i = 0; i < sim->nr_threads; i++) {
		const struct sched_thread *t = &sim->threads[i]->st;

		if (t->state == SCHED_EXITED)
			continue;
		TR("  thread %u: state %u cpu %u class %s sc %d own %d mx_sc %d donor %u rt %u/%u/%u "
		   "waits %d held %u result %d\n", t->id, t->state, t->cpu,
		   t->on_class == &sched_edf_class ? "edf" : t->on_class ? "other" : "-",
		   slot_of(w, t->sc), slot_of(w, t->own_sc), slot_of(w, t->mx_sc),
		   t->donor ? t->donor->id : 0, t->rt_prio, t->rt_own, t->lent_rt,
		   t->waits_on ? mutex_index(w, t->waits_on) : -9, t->nr_held, t->wait_result);
	}
	for (unsigned k = 0; k < POOL; k++)
		if (w->scs[k].state != SCHED_SC_FREE)
			TR("  sc %u: state %u bound %u holder %u deadline %llu\n", k,
			   w->scs[k].state, w->scs[k].bound ? w->scs[k].bound->id : 0,
			   w->scs[k].holder ? w->scs[k].holder->id : 0,
			   (unsigned long long)w->scs[k].deadline);
	for (unsigned k = 0; k < NR_MX; k++)
		TR("  mutex %u: owner %u waiters %u\n", k, w->mx[k].owner ? w->mx[k].owner->id : 0,
		   w->mx[k].waiters.n);
}

/* --- donated time is charged to the donor ----------------------------------------------- */

/* The SC a CPU's current thread is charged to: an EDF thread's lent SC (a mutex waiter's),
 * else the SC it holds (its own, or an IPC caller's); NULL for anything else. */
static struct sched_sc *charged_sc(const struct sched_thread *t)
{
	struct sched_sc *m;

	if (!t || t->is_idle || t->on_class != &sched_edf_class)
		return NULL;
	m = t->mx_sc;
	return m ? m : t->sc;
}

/*
 * Credit the time since the last note to the SC each CPU ran on, and note what each runs
 * on now. Called after every event and every operation: time passes only between events,
 * so every nanosecond is credited to the SC the thread ran on, as the simulator saw it.
 */
static void note_runs(struct world *w)
{
	struct sim *sim = w->sim;
	uint64_t d = sim->now - w->noted_at;

	for (unsigned c = 0; c < sim->cfg.cpus; c++) {
		const struct sched_thread *t = sim->rq[c].curr;

		if (w->ran_on[c]) {
			w->used[w->ran_on[c] - w->scs] += d;
			if (t && !t->is_idle && t->mx_sc == w->ran_on[c])
				mst[M_LENT_SC_NS] += d;
		}
		w->ran_on[c] = charged_sc(t);
	}
	w->noted_at = sim->now;
}

/* The SC `cap` names consumed exactly what its threads ran on it (the figures include the
 * run in progress, so no charge point is needed). */
static void check_charged_cap(struct world *w, struct sched_sc_cap cap)
{
	struct sched_sc_stats st;
	unsigned slot = cap.index;

	assert_int_equal(sched_sc_stats(&w->sim->sys, cap, &st), 0);
	if (st.consumed_ns != w->used[slot]) {
		dump(w);
		mfail("SC in slot %u consumed %llu ns, but threads ran %llu ns on it", slot,
		      (unsigned long long)st.consumed_ns, (unsigned long long)w->used[slot]);
	}
	mst[M_SC_CHECKS]++;
}

static void check_charged(struct world *w, unsigned i)
{
	check_charged_cap(w, w->cap[i]);
}

/* The live members of the live islands, as the test admitted them. */
static void check_islands_charged(struct world *w)
{
	for (unsigned i = 0; i < NR_ISL; i++)
		for (unsigned k = 0; w->isl[i].live && k < w->isl[i].nm; k++)
			if (w->isl[i].in[k])
				check_charged_cap(w, w->isl[i].m[k]);
}

static void check_all_charged(struct world *w)
{
	note_runs(w);
	for (unsigned i = 0; i < NR_SCS; i++)
		if (w->made[i])
			check_charged(w, i);
	check_islands_charged(w);
}

/* --- "a refused call changed nothing" (as test_errors.c) ----------------------------------- */

#define SNAP_MAX (256u << 10)
static unsigned char snap_before[SNAP_MAX], snap_after[SNAP_MAX];
static size_t snap_len;

static unsigned char *snap_base;

/* Calls of the sched_config.lease_port hook, per CPU and direction (1: leased). */
static uint64_t port_calls[SCHED_MAX_CPUS][2];
/* The sched_config.island_irq hook: where each line is routed for an island (1 + CPU; 0:
 * the port's default), and the calls (by `reserve`). */
static unsigned irq_route[NR_LINES + 1];
static uint64_t irq_calls[2];

static void put(unsigned char **b, const void *p, size_t len)
{
	assert_true((size_t)(*b - snap_base) + len <= SNAP_MAX);
	memcpy(*b, p, len);
	*b += len;
}

/* The library's whole state and the pool's objects; lock words, lock counters zeroed. */
static size_t collect(struct world *w, unsigned char *buf)
{
	struct sim *sim = w->sim;
	unsigned char *b = buf, *start = b;

	snap_base = buf;
	put(&b, &sim->sys, sizeof(sim->sys));
	memset(start + offsetof(struct sched_sys, sc_lock), 0, sizeof(struct sched_lock));
	memset(start + offsetof(struct sched_sys, mx_lock), 0, sizeof(struct sched_lock));
	memset(start + offsetof(struct sched_sys, lease_lock), 0, sizeof(struct sched_lock));
	for (unsigned c = 0; c < sim->sys.nr_cpus; c++) {
		start = b;
		put(&b, &sim->rq[c], offsetof(struct sched_rq, trace));
		memset(start + offsetof(struct sched_rq, lock), 0, sizeof(struct sched_lock));
		memset(start + offsetof(struct sched_rq, counters) + SCHED_CNT_LOCK_ACQUIRE * 8, 0, 8);
		memset(start + offsetof(struct sched_rq, counters) + SCHED_CNT_LOCK_CONTENDED * 8, 0, 8);
		put(&b, &sim->rq[c].trace.head, sizeof(uint64_t));
		start = b;
		put(&b, &sim->cpu[c].idle, sizeof(struct sched_thread));
		memset(start + offsetof(struct sched_thread, lock), 0, sizeof(struct sched_lock));
	}
	for (size_t i = 0; i < sim->nr_threads; i++) {
		start = b;
		put(&b, &sim->threads[i]->st, sizeof(struct sched_thread));
		memset(start + offsetof(struct sched_thread, lock), 0, sizeof(struct sched_lock));
	}
	put(&b, w->scs, sizeof(w->scs));
	put(&b, w->rings, sizeof(w->rings));
	put(&b, w->mx, sizeof(w->mx));
	put(&b, w->cv, sizeof(w->cv));
	put(&b, &w->bar, sizeof(w->bar));
	put(&b, w->ring, sizeof(w->ring));
	put(&b, port_calls, sizeof(port_calls));                 /* no lease_port call */
	put(&b, w->lpool, sizeof(w->lpool)); /* the lease pool, free slots too */
	put(&b, w->ipool, sizeof(w->ipool)); /* the island pool, free slots too */
	put(&b, w->mpool, sizeof(w->mpool));
	put(&b, w->irings, sizeof(w->irings));
	put(&b, irq_route, sizeof(irq_route));                   /* no island_irq call */
	put(&b, irq_calls, sizeof(irq_calls));
	put(&b, &sim->seq, sizeof(sim->seq));                     /* no timer, no IPI */
	put(&b, &sim->notifications, sizeof(sim->notifications));
	return (size_t)(b - buf);
}

static void snap(struct world *w)
{
	snap_len = collect(w, snap_before);
}

static void unchanged(struct world *w, const char *call, int r)
{
	size_t n = collect(w, snap_after), i = 0;

	if (n == snap_len && !memcmp(snap_before, snap_after, n))
		return;
	while (i < n && snap_before[i] == snap_after[i])
		i++;
	mfail("%s returned %d (%s) but changed state (byte %zu of %zu)", call, r,
		 sched_strerror(r), i, n);
}

/* Budget 0.1 .. 4 ms of a 1 .. 8 ms period on the online CPUs, any overrun policy. */
static int sc_configure(struct world *w, unsigned i)
{
	struct sim *sim = w->sim;
	uint64_t period = (1 + rnd(w, 8)) * MS;
	struct sched_sc_params p = { .period_ns = period,
				     .budget_ns = period / (1 + rnd(w, 10)),
				     .overrun = (uint8_t)rnd(w, 3),
				     .dispatch = (uint8_t)rnd(w, 2) };

	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (sim->rq[c].online)
			sched_cpumask_set(&p.cpus, c);
	return sched_sc_configure(&sim->sys, sched_auth_root(&sim->sys), w->cap[i], &p);
}

/* A plain configure over the online CPUs is refused with -SCHED_ELEASED exactly while a
 * leased island holds CPUs (only the island adds SCs there). */
static void sc_island_held(struct world *w, int r)
{
	bool held = !sched_cpumask_empty(&w->sim->sys.island_cpus);

	if ((r == -SCHED_ELEASED) != held && r != -SCHED_ECPU)
		mfail("sched_sc_configure returned %d with island CPUs %llx", r,
		      (unsigned long long)w->sim->sys.island_cpus.w[0]);
}

/* Revoke SC i, after checking what it was charged (its figures go with it). */
static void sc_revoke(struct world *w, unsigned i)
{
	check_all_charged(w);
	TR("  sc revoke slot %u\n", w->cap[i].index);
	assert_int_equal(sched_sc_revoke(&w->sim->sys, w->cap[i]), 0);
	w->made[i] = false;
	w->used[w->cap[i].index] = 0;
	note_runs(w); /* nothing runs on it any more */
	for (unsigned c = 0; c < w->sim->cfg.cpus; c++)
		assert_ptr_not_equal(w->ran_on[c], &w->scs[w->cap[i].index]);
}

/*
 * SchedulingContexts: create and configure, reconfigure, bind to any thread, unbind,
 * revoke. Each refusal must be one of the codes its entry documents for that situation.
 */
static void sc_op(struct world *w)
{
	struct sched_sys *sys = &w->sim->sys;
	unsigned i = rnd(w, NR_SCS);
	int r;

	sim_enter(w->sim, online_cpu(w));
	if (!w->made[i]) {
		assert_int_equal(sched_sc_create(sys, NULL, w->rings[i], 4, &w->cap[i]), 0);
		w->made[i] = true;
		w->used[w->cap[i].index] = 0; /* a fresh SC: its figures start at 0 */
		r = sc_configure(w, i);
		assert_true(r == 0 || r == -SCHED_ECPU || (r == -SCHED_EUNSCHED && w->admission) ||
			    r == -SCHED_ELEASED);
		sc_island_held(w, r);
		return;
	}
	switch (rnd(w, 4)) {
	case 0: /* EACTIVE: its holder runs or is runnable; EAFFINITY: the holder may run on a
		 * CPU outside the new set (an offline one) */
		r = sc_configure(w, i);
		TR("  sc configure slot %u: %d\n", w->cap[i].index, r);
		assert_true(r == 0 || r == -SCHED_EACTIVE || r == -SCHED_ECPU ||
			    r == -SCHED_EAFFINITY || (r == -SCHED_EUNSCHED && w->admission) ||
			    r == -SCHED_ELEASED);
		sc_island_held(w, r);
		break;
	case 1: {
		struct sim_thread *t = any_thread(w);

		r = sched_sc_bind(sys, w->cap[i], sched_ref_of(&t->st));
		TR("  sc bind slot %u thread %u: %d\n", w->cap[i].index, t->id, r);
		assert_true(r == 0 || r == -SCHED_ESTALE || r == -SCHED_EBOUND ||
			    r == -SCHED_ESTATE || r == -SCHED_EAFFINITY);
		break;
	}
	case 2:
		r = sched_sc_unbind(sys, w->cap[i]);
		TR("  sc unbind slot %u: %d\n", w->cap[i].index, r);
		assert_true(r == 0 || r == -SCHED_ESTATE || r == -SCHED_ELENT);
		break;
	default:
		sc_revoke(w, i);
		break;
	}
}

/* A new weight or latency class for any thread, whatever its state. */
static void fair_op(struct world *w)
{
	struct sched_fair_params p = { .nice = (int)rnd(w, 40) - 20,
				       .slice_ns = rnd(w, 2) ? 0 : (100 + rnd(w, 5000)) * US };
	int r;

	sim_enter(w->sim, online_cpu(w));
	r = sched_set_fair(&w->sim->sys, sched_auth_root(&w->sim->sys),
			   sched_ref_of(&any_thread(w)->st), &p);
	assert_true(r == 0 || r == -SCHED_ESTALE);
}

/* A fixed priority (FIFO or RR, 1..99) or back to fair, for any thread in any state: the
 * class change of a queued, current, SC-holding or blocked thread, push and pull. */
static void rt_op_on(struct world *w, struct sim_thread *t)
{
	unsigned policy = rnd(w, 3);
	struct sched_rt_params p = { .policy = (uint8_t)policy, .prio = (uint8_t)(policy ? 1 + rnd(w, 99) : 0) };
	int r;

	sim_enter(w->sim, online_cpu(w));
	r = sched_set_rt(&w->sim->sys, sched_auth_root(&w->sim->sys), sched_ref_of(&t->st), &p);
	assert_true(r == 0 || r == -SCHED_ESTALE || (r == -SCHED_EUNSCHED && w->admission));
}

static void rt_op(struct world *w)
{
	rt_op_on(w, any_thread(w));
}

/* --- mutex, condition and barrier operations ----------------------------------------------- */

enum { E_LOCK, E_TRYLOCK, E_UNLOCK, E_COND, E_BARRIER };
static const char *const e_name[] = { "sched_mutex_lock", "sched_mutex_trylock",
				      "sched_mutex_unlock", "sched_cond_wait",
				      "sched_barrier_wait" };

static void count_refusal(int r)
{
	mst[M_REFUSED]++;
	switch (-r) {
	case SCHED_EDEADLK: mst[M_EDEADLK]++; break;
	case SCHED_EPERM: mst[M_EPERM]++; break;
	case SCHED_ELOCKED: mst[M_ELOCKED]++; break;
	case SCHED_ESTATE: mst[M_ESTATE]++; break;
	case SCHED_ESTALE: mst[M_ESTALE]++; break;
	case SCHED_ECPU: mst[M_ECPU]++; break;
	case SCHED_EACTIVE: mst[M_EACTIVE]++; break;
	default: break;
	}
}

/* Waiting for m would close a cycle of owners (EDEADLK) or pass SCHED_MUTEX_DEPTH_MAX
 * owners (EDEPTH); else 0. */
static int chain_verdict(const struct world *w, const struct sched_thread *me,
			 const struct sched_mutex *m)
{
	unsigned n = 0;

	for (const struct sched_thread *o = m->owner; o;
	     o = ((const struct sched_mutex *)o->waits_on)->owner) {
		if (o == me)
			return -SCHED_EDEADLK;
		if (++n > SCHED_MUTEX_DEPTH_MAX)
			return -SCHED_EDEPTH;
		if (mutex_index(w, o->waits_on) < 0)
			return 0;
	}
	return 0;
}

#define BIT(e) (1u << (e))

/*
 * What mutex.h and docs/errors.md say entry e of the current thread of `cpu` may return:
 * the set of errors whose condition holds (the documents give no order among them: any
 * one), or the empty set: it must succeed.
 */
static unsigned predict(const struct world *w, unsigned cpu, unsigned e,
			const struct sched_mutex *m, sched_time_t deadline)
{
	const struct sched_rq *rq = &w->sim->rq[cpu];
	const struct sched_thread *me = rq->curr;
	unsigned bad = 0;

	if (!me || me->is_idle) /* idle: ESTATE; offline and left by its last thread: ECPU */
		return rq->online ? BIT(SCHED_ESTATE) : BIT(SCHED_ECPU);
	if (deadline != SCHED_TIME_NEVER && !rq->online)
		bad |= BIT(SCHED_ECPU); /* a timeout may not live on a CPU going offline */
	if (me->state == SCHED_EXITED)
		bad |= BIT(SCHED_ESTALE); /* exited by another CPU, its pick still due */
	switch (e) {
	case E_LOCK:
	case E_TRYLOCK:
		if (m->owner == me)
			bad |= BIT(SCHED_EDEADLK); /* not recursive */
		else if (me->nr_held >= SCHED_MUTEX_HELD_MAX)
			bad |= BIT(SCHED_EDEPTH);
		else if (m->owner && e == E_TRYLOCK)
			bad |= BIT(SCHED_ELOCKED);
		else if (m->owner && chain_verdict(w, me, m))
			bad |= BIT(-chain_verdict(w, me, m));
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

/* r is what the set `want` allows. */
static bool allowed(unsigned want, int r)
{
	return want ? r < 0 && -r < 32 && (want & BIT(-r)) : r == 0;
}

/*
 * The wait of t (if any) ended and t runs: what it reads must match what it owns. A lock
 * wait: 0 or -EOWNERDEAD and it owns the mutex, -ETIMEDOUT and it does not. A condition
 * wait: 0, -ETIMEDOUT or -EOWNERDEAD and it owns its mutex again, -EDEADLK (taking it back
 * would have closed a cycle of owners) and it does not. Either: -ENOSC or -EAFFINITY, it
 * could not run when the mutex came to it, and does not own it. A barrier wait: 0.
 */
static void check_wait_end(struct world *w, struct sched_thread *t)
{
	struct pending *p = &w->pend[id_of(t)];
	int r = sched_wait_result(t);
	bool owns, may;

	if (p->kind == W_NONE)
		return;
	if (t->state == SCHED_EXITED) {
		*p = (struct pending){ W_NONE, false, NULL };
		return;
	}
	if (t->waits_on)
		mfail("thread %u runs while it waits", t->id);
	switch (p->kind) {
	case W_MUTEX:
		owns = r == 0 || r == -SCHED_EOWNERDEAD;
		may = owns || r == -SCHED_ETIMEDOUT || skipped(r);
		break;
	case W_COND:
		owns = r == 0 || r == -SCHED_ETIMEDOUT || r == -SCHED_EOWNERDEAD;
		may = owns || r == -SCHED_EDEADLK || skipped(r);
		mst[M_COND_EDEADLK] += r == -SCHED_EDEADLK;
		break;
	default:
		owns = false;
		may = r == 0;
		break;
	}
	if (!may || (p->m && owns != (p->m->owner == t)))
		mfail("thread %u runs after a %s wait that ended with %d (%s), owner of its mutex "
		      "%u", t->id, p->kind == W_MUTEX ? "lock" : p->kind == W_COND ? "condition"
		      : "barrier", r, sched_strerror(r), p->m && p->m->owner ? p->m->owner->id : 0);
	if (p->dead && r != -SCHED_EOWNERDEAD)
		mfail("thread %u was handed a dead owner's mutex but reads %d", t->id, r);
	if (r != -SCHED_EDEADLK)
		mst[r == 0 ? M_END_OK : r == -SCHED_ETIMEDOUT ? M_END_TIMEDOUT
		    : r == -SCHED_EOWNERDEAD ? M_END_DEAD : M_SKIPPED]++;
	*p = (struct pending){ W_NONE, false, NULL };
}

static void check_running(struct world *w)
{
	for (unsigned c = 0; c < w->sim->cfg.cpus; c++) {
		struct sched_thread *t = w->sim->rq[c].curr;

		if (t && !t->is_idle)
			check_wait_end(w, t);
	}
}

/* The waiters of q are BLOCKED and wait on obj, and there are q->n of them. */
static void check_waiters(struct world *w, const struct sched_waitq *q, const void *obj,
			  const char *what)
{
	unsigned n = 0;

	for (struct sched_rb_node *x = q->tree.leftmost; x; x = sched_rb_next(x)) {
		const struct sched_thread *t = sched_rb_entry(x, struct sched_thread, wait_node);

		if (++n > MAX_THREADS)
			mfail("%s: the waiter tree does not end", what);
		if (t->state != SCHED_BLOCKED || t->waits_on != obj)
			mfail("%s: waiter %u is in state %u, waits on %p", what, t->id, t->state,
				 t->waits_on);
	}
	if (n != q->n)
		mfail("%s: %u waiters counted, %u recorded", what, n, q->n);
}

/* The pool's invariants (after every event). */
static void check_pool(struct world *w)
{
	for (unsigned k = 0; k < NR_MX; k++) {
		const struct sched_mutex *m = &w->mx[k];

		check_waiters(w, &m->waiters, m, "mutex");
		if (!m->owner && m->waiters.n)
			mfail("mutex %u is free with %u waiters: a lost wake-up", k, m->waiters.n);
		if (m->owner && m->owner->state == SCHED_EXITED)
			mfail("mutex %u is owned by exited thread %u", k, m->owner->id);
	}
	for (unsigned k = 0; k < NR_CV; k++) {
		check_waiters(w, &w->cv[k].waiters, &w->cv[k], "condition");
		for (struct sched_rb_node *x = w->cv[k].waiters.tree.leftmost; x; x = sched_rb_next(x))
			if (mutex_index(w, sched_rb_entry(x, struct sched_thread, wait_node)->cond_mx) < 0)
				mfail("a waiter of condition %u has no mutex to take back", k);
	}
	check_waiters(w, &w->bar.waiters, &w->bar, "barrier");
	if (w->bar.arrived != w->bar.waiters.n || w->bar.arrived >= w->bar.count)
		mfail("barrier: %u arrived, %u waiting, count %u", w->bar.arrived,
			 w->bar.waiters.n, w->bar.count);
	for (unsigned i = 0; i < w->n; i++) { /* owner chains: acyclic and bounded */
		const struct sched_thread *t = &w->t[i]->st, *o = t;
		unsigned d = 0;

		while (mutex_index(w, o->waits_on) >= 0) {
			const struct sched_thread *prev = o;

			o = ((const struct sched_mutex *)o->waits_on)->owner;
			if (!o || o == t || ++d > SCHED_MUTEX_DEPTH_MAX)
				mfail("thread %u: owner chain broken, cyclic or longer than %u (thread "
				      "%u waits on mutex %d, owned by %u)", t->id, SCHED_MUTEX_DEPTH_MAX,
				      prev->id, mutex_index(w, prev->waits_on), o ? o->id : 0);
		}
	}
}

/* After every simulated event: the donated time, waits that ended, the pool. */
static void after_event(struct sim *sim, void *arg)
{
	struct world *w = arg;

	(void)sim;
	note_runs(w);
	check_running(w);
	check_pool(w);
	check_leases(w);
	check_rings(w);
}

/* The simulator's checks (sched_check after every event, core scheduling) failed. */
static void violation(struct sim *sim, const char *msg)
{
	dump(sim->hook_arg);
	printf("# failed in sequence %llu (RANDOM_SEED), step %u, t=%llu ns\n",
	       (unsigned long long)cur_seed, cur_step, (unsigned long long)sim->now);
	fail_msg("%s", msg);
}

/*
 * The lending rule (docs/mutex.md): from the first waiter of each band (on an SC, at a fixed
 * priority, fair) of each SCHED_MUTEX_PROXY mutex it owns, a thread is lent the highest
 * priority and weight, and runs at max(own, lent); it runs on a lent SC only if that is the
 * one the first SC waiter (of the earliest of those) runs on. The library's checker looks
 * at the lent SC only; this checks the priority and weight too.
 */
static void check_lending(struct world *w, const struct sched_thread *t)
{
	unsigned rt = 0, weight = 0;
	bool sc_ok = !t->mx_sc;

	for (unsigned k = 0; k < NR_MX; k++) {
		const struct sched_mutex *m = &w->mx[k];
		bool seen[3] = { false, false, false };

		if (m->owner != t || (m->flags & SCHED_MUTEX_PLAIN))
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
	    t->weight != (t->weight_own > weight ? t->weight_own : weight)) {
		dump(w);
		mfail("thread %u is lent priority %u weight %u%s; its waiters lend %u and %u",
		      t->id, t->lent_rt, t->lent_weight, sc_ok ? "" : " and an SC none lends", rt,
		      weight);
	}
}

/* After every step: the mutex checker of the library on every thread, and the figures. */
static void check_mutexes(struct world *w)
{
	struct sim *sim = w->sim;

	for (unsigned i = 0; i < sim->nr_threads; i++) {
		const struct sched_thread *t = &sim->threads[i]->st;

		if (sched_mutex_check(&sim->sys, &sim->threads[i]->st) < 0) {
			dump(w);
			mfail("mutex invariant broken: %s (%u)", sim->sys.check_msg,
				 sim->sys.check_arg);
		}
		mst[M_LENT_RT] += t->state != SCHED_EXITED && t->lent_rt > t->rt_own;
		if (t->state != SCHED_EXITED)
			check_lending(w, t);
	}
}

/*
 * Entry e (lock, trylock, unlock, condition wait, barrier) by the current thread of `cpu`:
 * the result predicted, a refusal changes nothing, a success does what mutex.h says.
 */
static void on_cpu_mx(struct world *w, unsigned cpu, unsigned e, struct sched_mutex *m,
		      struct sched_cond *cv, sched_time_t deadline)
{
	struct sim *sim = w->sim;
	struct sched_sys *s = &sim->sys;
	struct sched_thread *me = sim->rq[cpu].curr, *next = NULL;
	struct sched_thread *owner = m ? m->owner : NULL, *order[MAX_THREADS];
	unsigned nw = m ? waiters_of(&m->waiters, order) : 0;
	bool died = m && m->owner_died;
	uint32_t arrived = w->bar.arrived, rounds = w->bar.rounds;
	unsigned held = me ? me->nr_held : 0;
	static unsigned idle_refusals;
	unsigned want;
	bool compare;
	int r;

	sim_enter(sim, cpu);
	if (me && !me->is_idle)
		check_wait_end(w, me); /* its last wait is over: it is about to call again */
	want = predict(w, cpu, e, m, deadline);
	/* a refusal changes nothing: compared byte for byte (for a CPU running its idle
	 * thread, the commonest and simplest refusal, one in eight) */
	compare = want && (me && !me->is_idle ? true : ++idle_refusals % 8 == 0);
	if (compare)
		snap(w);
	switch (e) {
	case E_LOCK: r = sched_mutex_lock(s, cpu, m, deadline, &next); break;
	case E_TRYLOCK: r = sched_mutex_trylock(s, cpu, m); break;
	case E_UNLOCK: r = sched_mutex_unlock(s, cpu, m); break;
	case E_COND: r = sched_cond_wait(s, cpu, cv, m, deadline, &next); break;
	default: r = sched_barrier_wait(s, cpu, &w->bar, &next); break;
	}
	TR("  %s cpu %u thread %u mutex %d cond %d deadline %lld: %d\n", e_name[e], cpu,
	   me ? me->id : 0, m ? mutex_index(w, m) : -1, cv ? (int)(cv - w->cv) : -1,
	   deadline == SCHED_TIME_NEVER ? -1ll : (long long)(deadline - sim->now), r);
	if (!allowed(want, r))
		mfail("%s on cpu %u returned %d (%s), documented: 0x%x (error bits; 0: success)",
		      e_name[e], cpu, r, sched_strerror(r), want);
	if (r < 0) {
		if (compare)
			unchanged(w, e_name[e], r);
		count_refusal(r);
		return;
	}
	switch (e) {
	case E_LOCK:
	case E_TRYLOCK:
		if (!owner) { /* free: taken at once */
			if ((e == E_LOCK && next != me) || m->owner != me || m->owner_died ||
			    me->nr_held != held + 1)
				mfail("%s of a free mutex: not owned by the caller", e_name[e]);
			if (sched_wait_result(me) != (died ? -SCHED_EOWNERDEAD : 0))
				mfail("%s: wait result %d, owner died %u", e_name[e],
					 sched_wait_result(me), died);
			mst[e == E_LOCK ? M_LOCK_NOW : M_TRYLOCK]++;
			break;
		}
		if (next == me || me->state != SCHED_BLOCKED || me->waits_on != m ||
		    m->owner != owner)
			mfail("sched_mutex_lock of an owned mutex: the caller does not wait");
		w->pend[id_of(me)] = (struct pending){ W_MUTEX, false, m };
		mst[M_LOCK_WAIT]++;
		mst[M_LEND_SC] += me->sc && !(m->flags & SCHED_MUTEX_PLAIN);
		mst[M_LOCK_TIMED] += deadline != SCHED_TIME_NEVER;
		break;
	case E_UNLOCK: /* the top waiter (that can run) owns it now */
		if (me->nr_held != held - 1)
			mfail("sched_mutex_unlock: the caller holds %u mutexes, held %u", me->nr_held,
			      held);
		check_handed(w, m, order, nw, "an unlock");
		mst[M_UNLOCK]++;
		mst[M_HANDOFF] += m->owner != NULL;
		break;
	case E_COND:
		if (next == me || me->state != SCHED_BLOCKED || me->waits_on != cv ||
		    me->nr_held != held - 1)
			mfail("sched_cond_wait: the caller does not wait");
		check_handed(w, m, order, nw, "a condition wait");
		w->pend[id_of(me)] = (struct pending){ W_COND, false, m };
		mst[M_COND_WAIT]++;
		break;
	default:
		if (arrived + 1 < w->bar.count) {
			if (next == me || me->state != SCHED_BLOCKED || me->waits_on != &w->bar ||
			    w->bar.arrived != arrived + 1)
				mfail("sched_barrier_wait: arrival %u of %u does not wait", arrived + 1,
					 w->bar.count);
			w->pend[id_of(me)] = (struct pending){ W_BARRIER, false, NULL };
		} else {
			if (next != me || w->bar.arrived || w->bar.waiters.n || w->bar.rounds != rounds + 1)
				mfail("sched_barrier_wait: the last arrival released nobody");
			mst[M_ROUNDS]++;
		}
		mst[M_BARRIER]++;
		break;
	}
	if (e != E_UNLOCK && e != E_TRYLOCK)
		sim_switch(sim, cpu, next);
}

/*
 * Signal or broadcast from any CPU. A signal ends the waits of the first waiters that
 * cannot run (-ENOSC, -EAFFINITY: not woken, for their kernel to wake) and moves the next
 * one to its mutex: it owns it, waits for it, or its wait ended with -EDEADLK (it would
 * close a cycle of owners); the others still wait, in order. A broadcast moves them all.
 */
static void cond_wake_op(struct world *w, struct sched_cond *cv, bool all)
{
	struct sched_thread *order[MAX_THREADS];
	unsigned n = waiters_of(&cv->waiters, order), gone;

	sim_enter(w->sim, online_cpu(w));
	assert_int_equal((all ? sched_cond_broadcast : sched_cond_signal)(&w->sim->sys, cv), 0);
	gone = n - cv->waiters.n;
	if (cv->waiters.n > n || (all && cv->waiters.n) || (n && !gone))
		mfail("condition: %u waiters after a %s of %u", cv->waiters.n,
		      all ? "broadcast" : "signal", n);
	for (unsigned i = 0; i < n; i++) {
		const struct sched_thread *t = order[i];
		const struct sched_mutex *m = w->pend[id_of(t)].m;
		int r = t->wait_result;
		bool skip = !t->waits_on && skipped(r);
		bool taken = m && (m->owner == t || t->waits_on == m ||
				   (!t->waits_on && r == -SCHED_EDEADLK));

		if (i >= gone ? t->waits_on != cv
			      : w->pend[id_of(t)].kind != W_COND ||
				(all || i + 1 == gone ? !taken && !skip : !skip))
			mfail("after a %s, waiter %u of %u (thread %u) waits on %p, result %d",
			      all ? "broadcast" : "signal", i, n, t->id, t->waits_on, r);
	}
	mst[all ? M_BROADCAST : M_SIGNAL]++;
}

/* Re-initialise a pool object: refused while in use (-EACTIVE, nothing changed). */
static void reinit_op(struct world *w)
{
	struct sched_sys *s = &w->sim->sys;
	unsigned k = rnd(w, NR_MX), which = rnd(w, 3);
	bool busy;
	int r;

	sim_enter(w->sim, online_cpu(w));
	busy = which == 0 ? w->mx[k].owner || w->mx[k].waiters.n
	     : which == 1 ? w->cv[k % NR_CV].waiters.n != 0 : w->bar.waiters.n != 0;
	if (busy)
		snap(w);
	r = which == 0 ? sched_mutex_init(s, &w->mx[k], k == 2 ? SCHED_MUTEX_PLAIN : SCHED_MUTEX_PROXY)
	  : which == 1 ? sched_cond_init(s, &w->cv[k % NR_CV])
		       : sched_barrier_init(s, &w->bar, 2 + k % 3);
	if (r != (busy ? -SCHED_EACTIVE : 0))
		mfail("re-initialising pool object %u/%u (busy %u) returned %d", which, k, busy, r);
	if (busy) {
		unchanged(w, "sched_*_init", r);
		count_refusal(r);
	} else {
		mst[M_REINIT]++;
	}
}

/* A thread of the pool: owns a mutex or waits on an object (NULL if none). */
static struct sim_thread *pool_thread(struct world *w)
{
	unsigned start = rnd(w, w->n);

	for (unsigned j = 0; j < w->n; j++) {
		struct sim_thread *t = w->t[(start + j) % w->n];

		if (t->st.state != SCHED_EXITED && (t->st.nr_held || t->st.waits_on))
			return t;
	}
	return NULL;
}

/* Revoke an SC lent to a mutex owner (its lender waits), else that of a waiter. */
static bool revoke_lender(struct world *w)
{
	unsigned start = rnd(w, NR_SCS);

	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned j = 0; j < NR_SCS; j++) {
			unsigned i = (start + j) % NR_SCS;
			const struct sched_sc *sc = &w->scs[w->cap[i].index];

			if (w->made[i] && (borrowed(w, sc) || (pass && sc->holder && sc->holder->waits_on))) {
				sim_enter(w->sim, online_cpu(w));
				sc_revoke(w, i);
				mst[M_REVOKE_LENT] += pass == 0;
				return true;
			}
		}
	}
	return false;
}

static struct sim_thread *sim_thread_of(const struct sched_thread *t)
{
	return (struct sim_thread *)(void *)t;
}

/* Bind a configured SC nobody holds to t (which then lends it when it waits). */
static void bind_to(struct world *w, struct sim_thread *t)
{
	unsigned start = rnd(w, NR_SCS);

	for (unsigned j = 0; j < NR_SCS; j++) {
		unsigned i = (start + j) % NR_SCS;
		const struct sched_sc *sc = &w->scs[w->cap[i].index];
		int r;

		if (!w->made[i] || sc->state != SCHED_SC_CONFIGURED || sc->bound)
			continue;
		sim_enter(w->sim, online_cpu(w));
		r = sched_sc_bind(&w->sim->sys, w->cap[i], sched_ref_of(&t->st));
		TR("  sc bind slot %u thread %u: %d\n", w->cap[i].index, t->id, r);
		assert_true(r == 0 || r == -SCHED_EBOUND || r == -SCHED_EAFFINITY);
		return;
	}
}

/* A CPU for an on-CPU entry: one running a thread, online (often one on an SC), or now and
 * then one being taken offline whose thread has not left yet; 1 in 8 any online CPU. */
static unsigned mx_cpu(struct world *w)
{
	struct sim *sim = w->sim;
	unsigned start = rnd(w, sim->cfg.cpus), how = rnd(w, 8);

	for (unsigned j = 0; how < 7 && j < sim->cfg.cpus; j++) {
		unsigned c = (start + j) % sim->cfg.cpus;
		const struct sched_thread *t = sim->rq[c].curr;

		if (t && !t->is_idle && (how == 0 ? !sim->rq[c].online : sim->rq[c].online) &&
		    (how > 2 || charged_sc(t) || j + 1 == sim->cfg.cpus))
			return c; /* 1, 2: preferably a thread on an SC (it will lend it) */
	}
	return online_cpu(w); /* any, idle perhaps */
}

static void mutex_op(struct world *w)
{
	struct sim *sim = w->sim;
	unsigned cpu = mx_cpu(w), k = rnd(w, NR_MX);
	const struct sched_thread *me = sim->rq[cpu].curr;
	struct sched_mutex *m = &w->mx[k], *mine = NULL, *theirs = NULL;
	sched_time_t deadline = rnd(w, 2) ? SCHED_TIME_NEVER : sim->now + rnd(w, 3000) * US;
	struct sim_thread *t;

	for (unsigned j = 0; j < NR_MX; j++) { /* one the caller owns, if any */
		struct sched_mutex *x = &w->mx[(k + j) % NR_MX];

		if (me && x->owner == me)
			mine = x;
		else if (me && x->owner && !theirs)
			theirs = x;
	}
	mst[M_OPS]++;
	switch (rnd(w, 16)) {
	case 0: case 1: case 2: case 3:
		/* a caller on an SC mostly waits, and lends the SC if the mutex lends */
		if (theirs && charged_sc(me) && rnd(w, 4))
			m = theirs;
		on_cpu_mx(w, cpu, E_LOCK, m, NULL, deadline);
		break;
	case 4:
		on_cpu_mx(w, cpu, E_TRYLOCK, m, NULL, SCHED_TIME_NEVER);
		break;
	case 5: case 6: case 7:
		on_cpu_mx(w, cpu, E_UNLOCK, mine && rnd(w, 8) ? mine : m, NULL, SCHED_TIME_NEVER);
		break;
	case 8: case 9:
		on_cpu_mx(w, cpu, E_COND, mine && rnd(w, 8) ? mine : m, &w->cv[rnd(w, NR_CV)],
			  deadline);
		break;
	case 10:
		cond_wake_op(w, &w->cv[rnd(w, NR_CV)], rnd(w, 3) == 0);
		break;
	case 11:
		on_cpu_mx(w, cpu, E_BARRIER, NULL, NULL, SCHED_TIME_NEVER);
		break;
	case 12: /* an owner or a waiter exits */
		if ((t = pool_thread(w)))
			exit_thread(w, t);
		break;
	case 13: /* a lender's SC is revoked, an owner's or waiter's priority changes, or the
		  * caller gets an SC to lend */
		switch (rnd(w, 3)) {
		case 0:
			if (revoke_lender(w))
				break;
			/* fall through */
		case 1:
			if ((t = pool_thread(w)))
				rt_op_on(w, t);
			break;
		default:
			if (me && !me->is_idle && me->state != SCHED_EXITED)
				bind_to(w, sim_thread_of(me));
			break;
		}
		break;
	case 14: /* only its object ends a wait: a wake is refused and changes nothing */
		if ((t = pool_thread(w)) && t->st.waits_on) {
			int r;

			sim_enter(sim, online_cpu(w));
			snap(w);
			r = sched_wake(&sim->sys, sched_ref_of(&t->st), SCHED_WAKE_PARK);
			if (r != -SCHED_ESTATE)
				mfail("sched_wake of waiter %u returned %d", t->id, r);
			unchanged(w, "sched_wake", r);
			count_refusal(r);
		}
		break;
	default:
		reinit_op(w);
		break;
	}
}

/* --- CPU isolation leases ------------------------------------------------------------------ */

static bool in_group(const struct sched_group *g, const struct sched_group *scope)
{
	for (; g; g = g->parent)
		if (g == scope)
			return true;
	return false;
}

/* Does lease l let t on its CPUs: the holder thread (this life of it), a thread of the
 * holder group or below it, or an idle thread? */
static bool holds(const struct lrec *l, const struct sched_thread *t)
{
	if (t->is_idle)
		return true;
	return l->thread ? l->thread == t && l->gen == t->gen : in_group(t->group, l->group);
}

/* The live lease (as the test granted it) holding cpu, or NULL. */
static struct lrec *lease_on(struct world *w, unsigned cpu)
{
	for (unsigned i = 0; i < NR_LEASES; i++)
		if (w->lease[i].live && sched_cpumask_test(&w->lease[i].cpus, cpu))
			return &w->lease[i];
	return NULL;
}

static unsigned nr_cpus_of(const sched_cpumask_t *m)
{
	unsigned n = 0;

	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++)
		n += sched_cpumask_test(m, c);
	return n;
}

/* The live shared islands over cpu (the test's records): its other IRQs are sent away. */
static unsigned shared_on(const struct world *w, unsigned cpu)
{
	unsigned n = 0;

	for (unsigned i = 0; i < NR_ISL; i++)
		n += w->isl[i].live && w->isl[i].mode == SCHED_ISLAND_SHARED &&
		     sched_cpumask_test(&w->isl[i].cpus, cpu);
	return n;
}

/* Does a live island route an IRQ to cpu? */
static bool irq_on(const struct world *w, unsigned cpu)
{
	for (unsigned i = 0; i < NR_ISL; i++)
		for (unsigned k = 0; w->isl[i].live && k < w->isl[i].ni; k++)
			if (w->isl[i].irq[k].cpu == cpu)
				return true;
	return false;
}

/* Online CPUs no lease and no shared island holds (where the port's IRQs may go). */
static unsigned general_cpus(struct world *w)
{
	unsigned n = 0;

	for (unsigned c = 0; c < w->sim->cfg.cpus; c++)
		n += w->sim->rq[c].online && !lease_on(w, c) && !shared_on(w, c);
	return n;
}

/* Admission counts on cpu's time: a configured SC there, a declared fixed priority, an
 * island's IRQ routed there or a shared island over it. */
static bool admitted_on(struct world *w, unsigned cpu)
{
	if (!w->admission)
		return false;
	if (irq_on(w, cpu) || shared_on(w, cpu))
		return true;
	for (unsigned i = 0; i < POOL; i++)
		if (w->scs[i].state == SCHED_SC_CONFIGURED && sched_cpumask_test(&w->scs[i].cpus, cpu))
			return true;
	for (unsigned i = 0; i < w->n; i++)
		if (w->t[i]->st.state != SCHED_EXITED && w->t[i]->st.rt_budget &&
		    sched_cpumask_test(&w->t[i]->st.affinity, cpu))
			return true;
	return false;
}

/* The lease in slot i ended for `cause`: its capability is stale, its CPUs are open, the
 * leased time it held is its target's (and the target's ancestors'). */
static void lease_ended(struct world *w, unsigned i, unsigned cause)
{
	struct lrec *l = &w->lease[i];
	uint64_t held = (w->sim->now - l->since) * nr_cpus_of(&l->cpus);
	struct sched_lease_info info;

	if (!l->live)
		mfail("lease slot %u ended twice", i);
	l->live = false;
	if (w->lpool[i].cause != cause)
		mfail("lease slot %u ended with cause %u, expected %u", i, w->lpool[i].cause, cause);
	if (sched_lease_info(&w->sim->sys, l->cap, &info) != -SCHED_ESTALE)
		mfail("the capability of ended lease slot %u still answers", i);
	for (unsigned g = 0; l->target && g < 3; g++)
		if (in_group(l->target, &w->groups[g]))
			w->leased_ns[g] += held;
	for (unsigned c = 0; c < w->sim->cfg.cpus; c++)
		if (sched_cpumask_test(&l->cpus, c)) {
			w->leaving[c] = NULL;
			if (w->sim->rq[c].lease)
				mfail("cpu %u still leased after its lease (slot %u) ended", c, i);
		}
	w->stale[w->nstale++ % NR_STALE] = l->cap;
}

/* The thread holder's lease count is the test's. */
static void check_nr_leases(struct world *w, const struct sched_thread *t)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < NR_LEASES; i++)
		n += w->lease[i].live && w->lease[i].thread == t && w->lease[i].gen == t->gen;
	if (t->state != SCHED_EXITED && t->nr_leases != n)
		mfail("thread %u holds %u leases, libsched counts %u", t->id, n, t->nr_leases);
}

/* A lease's CPUs, and a shared island's (the port's other IRQs sent away while the first
 * shared island is over it, let back after the last), hear it. */
static void lease_port_hook(void *ctx, unsigned cpu, unsigned what, bool leased,
			    const sched_cpumask_t *hk)
{
	(void)ctx;
	if (cpu >= SCHED_MAX_CPUS || what > SCHED_LEASE_PORT_IRQS || !hk || sched_cpumask_empty(hk) ||
	    sched_cpumask_test(hk, cpu) == leased)
		fail_msg("lease_port(cpu %u, what %u, leased %u) with a wrong housekeeping set %llx "
			 "(sequence %llu, step %u: RANDOM_SEED)", cpu, what, leased,
			 hk ? (unsigned long long)hk->w[0] : 0ull, (unsigned long long)cur_seed,
			 cur_step);
	port_calls[cpu][leased]++;
}

/*
 * From outside, after every event: each CPU points at the lease the test granted it; a
 * leased CPU runs the holder's thread, idles, or still runs the other thread that ran
 * there when the lease was granted (until it leaves); every thread queued or waiting for
 * a refill there is the holder's, and once that other thread left, every sleeper timeout
 * there is too; a lease is ACTIVE exactly when no CPU of it waits for such a thread; the
 * housekeeping set is the online CPUs no lease holds, and not empty.
 */
static void check_leases(struct world *w)
{
	struct sim *sim = w->sim;
	sched_cpumask_t hk, want;
	bool waits[NR_LEASES] = { false };

	sched_cpumask_clear(&want);
	for (unsigned c = 0; c < sim->cfg.cpus; c++) {
		struct sched_rq *rq = &sim->rq[c];
		struct lrec *l = lease_on(w, c);
		const struct sched_thread *curr = rq->curr;

		if (rq->lease != (l ? &w->lpool[l->cap.index] : NULL))
			mfail("cpu %u points at lease slot %d, the test granted slot %d", c,
			      rq->lease ? (int)rq->lease->index : -1, l ? (int)l->cap.index : -1);
		if (!l) {
			w->leaving[c] = NULL;
			if (rq->online)
				sched_cpumask_set(&want, c);
			continue;
		}
		if (!rq->online)
			mfail("leased cpu %u is offline", c);
		if (w->leaving[c] && curr != w->leaving[c])
			w->leaving[c] = NULL; /* it left: this CPU's part of the activation is done */
		waits[l->cap.index] |= w->leaving[c] != NULL;
		if (!holds(l, curr) && curr != w->leaving[c])
			mfail("leased cpu %u (slot %u) runs thread %u, not its holder's", c,
			      l->cap.index, curr->id);
		for (unsigned k = 0; k < SCHED_NR_CLASSES; k++) {
			const struct sched_class *cls = sim->sys.classes[k];

			for (struct sched_thread *t = cls->first(rq); t; t = cls->next(rq, t))
				if (!holds(l, t))
					mfail("thread %u queued on leased cpu %u (slot %u)", t->id, c,
					      l->cap.index);
		}
		for (struct sched_rb_node *x = rq->sc_wait.leftmost; x; x = sched_rb_next(x)) {
			const struct sched_thread *t = sched_rb_entry(x, struct sched_thread, sc_node);

			if (t != curr && !holds(l, t))
				mfail("thread %u waits for a refill on leased cpu %u", t->id, c);
		}
		for (struct sched_rb_node *x = rq->sleepers.leftmost; !w->leaving[c] && x;
		     x = sched_rb_next(x)) {
			const struct sched_thread *t = sched_rb_entry(x, struct sched_thread, timeout_node);

			if (!holds(l, t))
				mfail("thread %u's timeout sits on leased cpu %u", t->id, c);
		}
	}
	sched_housekeeping(&sim->sys, &hk);
	if (sched_cpumask_empty(&hk) || memcmp(&hk, &want, sizeof(hk)))
		mfail("housekeeping set %llx, online CPUs without a lease %llx",
		      (unsigned long long)hk.w[0], (unsigned long long)want.w[0]);
	for (unsigned i = 0; i < NR_LEASES; i++) {
		struct sched_lease_info info;

		if (!w->lease[i].live)
			continue;
		if (w->lease[i].pending && !waits[i]) {
			w->lease[i].pending = false; /* its last CPU switched: ACTIVE now */
			lst[L_ACTIVATED]++;
		}
		if (sched_lease_info(&sim->sys, w->lease[i].cap, &info) != 0)
			mfail("live lease slot %u does not answer", i);
		if (info.state != (waits[i] ? SCHED_LEASE_PENDING : SCHED_LEASE_ACTIVE) ||
		    memcmp(&info.cpus, &w->lease[i].cpus, sizeof(info.cpus)))
			mfail("lease slot %u is in state %u, cpus %llx (its CPUs %s)", i, info.state,
			      (unsigned long long)info.cpus.w[0],
			      waits[i] ? "still run another thread" : "all switched");
		for (unsigned k = 0; info.state == SCHED_LEASE_ACTIVE && k < SCHED_LEASE_STEP_NR; k++)
			if (info.rec.step_at[k] == SCHED_TIME_NEVER ||
			    info.rec.step_at[k] < info.rec.granted_at ||
			    info.rec.active_at != info.rec.step_at[SCHED_LEASE_STEP_SWITCHED] ||
			    info.rec.active_at > sim->now)
				mfail("active lease slot %u: step %u done at %llu, granted at %llu, active "
				      "at %llu", i, k, (unsigned long long)info.rec.step_at[k],
				      (unsigned long long)info.rec.granted_at,
				      (unsigned long long)info.rec.active_at);
	}
}

/* After every step: stale capabilities fail closed; the holder threads' counts. */
static void check_stale_caps(struct world *w)
{
	struct sched_lease_info info;

	for (unsigned i = 0; i < NR_STALE && i < w->nstale; i++) {
		if (sched_lease_info(&w->sim->sys, w->stale[i], &info) != -SCHED_ESTALE)
			mfail("stale lease capability {%u, %u} answers", w->stale[i].index,
			      w->stale[i].gen);
		lst[L_STALE_USE]++;
	}
	for (unsigned i = 0; i < NR_LEASES; i++)
		if (w->lease[i].live && w->lease[i].thread)
			check_nr_leases(w, w->lease[i].thread);
	for (unsigned c = 0; c < w->sim->cfg.cpus; c++) {
		const struct lrec *l = lease_on(w, c);

		lst[L_HOLDER_RAN] += l && !w->sim->rq[c].curr->is_idle && holds(l, w->sim->rq[c].curr);
	}
}

/*
 * An authority for a lease call: the root one (3 in 4), or a derived one without
 * SCHED_RIGHT_LEASE (1), scoped to group 1 (2), limited to CPU 1 (3), or revoked (4).
 * Returns the token; *which says which.
 */
static struct sched_auth lease_token(struct world *w, unsigned *which)
{
	unsigned k = rnd(w, 16);

	*which = k < 12 ? 0 : k - 11;
	return *which ? w->tok[*which - 1] : sched_auth_root(&w->sim->sys);
}

/* The refusals the authority `which` owes a grant to holder group g with `target` over
 * `cpus` (or a revoke_owned of g, cpus NULL). */
static unsigned auth_verdict(struct world *w, unsigned which, const struct sched_group *g,
			     const struct sched_group *target, const sched_cpumask_t *cpus)
{
	const struct sched_authority *a = which ? &w->auth[which - 1] : &w->sim->sys.root_authority;

	if (which == 4)
		return BIT(SCHED_ESTALE);
	if (!(a->rights & SCHED_RIGHT_LEASE) || (cpus && !sched_cpumask_subset(cpus, &a->cpus)))
		return BIT(SCHED_EPERM);
	if (a->scope && (!g || !in_group(g, a->scope) || (target && !in_group(target, a->scope))))
		return BIT(SCHED_EPERM);
	return 0;
}

/* A grant to `ht` (life gen) or `hg` over cpus would leave thread t (on one of them, and
 * not the holder's) nowhere to run: no online CPU outside them that its affinity allows
 * and no other lease closes. */
static bool stranded(struct world *w, const struct sched_thread *t, const sched_cpumask_t *cpus,
		     const struct lrec *nl)
{
	if (holds(nl, t))
		return false;
	for (unsigned d = 0; d < w->sim->cfg.cpus && d < SCHED_MAX_CPUS; d++) {
		const struct lrec *l = lease_on(w, d);

		if (w->sim->rq[d].online && !sched_cpumask_test(cpus, d) &&
		    sched_cpumask_test(&t->affinity, d) && (!l || holds(l, t)))
			return false;
	}
	return true;
}

/* The first thread a grant over cpus to nl's holder would strand (current on one of them,
 * queued, waiting for a refill or asleep with its timeout there), or NULL. */
static const struct sched_thread *strands(struct world *w, const sched_cpumask_t *cpus,
					  const struct lrec *nl)
{
	for (unsigned c = 0; c < w->sim->cfg.cpus; c++) {
		struct sched_rq *rq = &w->sim->rq[c];

		if (!sched_cpumask_test(cpus, c) || !rq->online || lease_on(w, c))
			continue;
		if (stranded(w, rq->curr, cpus, nl))
			return rq->curr;
		for (unsigned k = 0; k < SCHED_NR_CLASSES; k++) {
			const struct sched_class *cls = w->sim->sys.classes[k];

			for (struct sched_thread *t = cls->first(rq); t; t = cls->next(rq, t))
				if (stranded(w, t, cpus, nl))
					return t;
		}
		for (struct sched_rb_node *x = rq->sc_wait.leftmost; x; x = sched_rb_next(x)) {
			const struct sched_thread *t = sched_rb_entry(x, struct sched_thread, sc_node);

			if (stranded(w, t, cpus, nl))
				return t;
		}
		for (struct sched_rb_node *x = rq->sleepers.leftmost; x; x = sched_rb_next(x)) {
			const struct sched_thread *t = sched_rb_entry(x, struct sched_thread, timeout_node);

			if (stranded(w, t, cpus, nl))
				return t;
		}
	}
	return NULL;
}

/*
 * A grant while a thread is migrating towards one of its CPUs (current elsewhere, due to
 * move there at its CPU's next pick, after an affinity change, an offline or a rotation) is
 * refused with -SCHED_EAGAIN, as an offline is: one that may run nowhere else would be lost
 * at that pick (sched_finish_switch would find no CPU for it and leave it MIGRATING, on no
 * queue and no CPU, for good; sched_check does not see it, check_ownership does).

 */

/* A thread (current elsewhere) migrating towards one of cpus that a grant to nl's holder
 * would leave nowhere to go, or NULL: the grant must not succeed then. */
static const struct sched_thread *migrating_strands(struct world *w, const sched_cpumask_t *cpus,
						    const struct lrec *nl)
{
	for (unsigned i = 0; i < w->n; i++) {
		const struct sched_thread *t = &w->t[i]->st;

		if (t->state == SCHED_MIGRATING && sched_cpumask_test(cpus, t->dst_cpu) &&
		    stranded(w, t, cpus, nl))
			return t;
	}
	return NULL;
}

/* A CPU set for a grant: one or two CPUs mostly, sometimes every CPU, none, or one past
 * the machine. */
static void lease_cpus(struct world *w, sched_cpumask_t *m)
{
	unsigned n = w->sim->cfg.cpus;

	sched_cpumask_clear(m);
	switch (rnd(w, 16)) {
	case 0:
		break;
	case 1:
		sched_cpumask_fill(m, n);
		break;
	case 2:
		sched_cpumask_set(m, n + rnd(w, 4));
		break;
	default:
		sched_cpumask_set(m, rnd(w, n));
		if (rnd(w, 3) == 0)
			sched_cpumask_set(m, rnd(w, n));
		break;
	}
}

static void count_grant_refusal(int r)
{
	switch (-r) {
	case SCHED_EINVAL: lst[L_EINVAL]++; break;
	case SCHED_ESTALE: lst[L_ESTALE]++; break;
	case SCHED_EPERM: lst[L_EPERM]++; break;
	case SCHED_ECPU: lst[L_ECPU]++; break;
	case SCHED_ELEASED: lst[L_ELEASED]++; break;
	case SCHED_EHOUSEKEEPING: lst[L_EHOUSEKEEPING]++; break;
	case SCHED_EUNSCHED: lst[L_EUNSCHED]++; break;
	case SCHED_EFULL: lst[L_EFULL]++; break;
	case SCHED_EPINNED: lst[L_EPINNED]++; break;
	case SCHED_EAGAIN: lst[L_EAGAIN]++; break;
	default: break;
	}
}

/*
 * Grant a lease: holder a thread (any, or one running now), a group, an idle thread, two
 * holders or none; a target now and then; any of the authorities. The result must be one
 * of the refusals whose conditions hold (lease.h gives no order), or success when none
 * does; a refusal changes nothing; a grant closes the CPUs at once, and is ACTIVE at once
 * exactly when none of them runs another thread.
 */
static void grant_op(struct world *w)
{
	struct sim *sim = w->sim;
	struct sched_lease_params p = { 0 };
	struct sched_lease_cap cap = { 0, 0 };
	struct lrec nl = { 0 };
	struct sched_auth tok;
	const struct sched_group *g;
	const struct sched_thread *pin, *mig;
	unsigned which, want = 0, n = sim->cfg.cpus, k = rnd(w, 16), slots = 0;
	uint64_t before[SCHED_MAX_CPUS];
	bool pending = false;
	int r;

	lease_cpus(w, &p.cpus);
	if (k < 6) { /* mostly a live one */
		struct sim_thread *t = any_thread(w);

		for (unsigned j = 0; j < 8 && t->st.state == SCHED_EXITED && rnd(w, 8); j++)
			t = any_thread(w);
		p.thread = sched_ref_of(&t->st);
	} else if (k < 9) { /* one running now: it may be on the CPUs it gets */
		p.thread = sched_ref_of(sim->rq[online_cpu(w)].curr);
	} else if (k < 14) {
		p.group = &w->groups[rnd(w, 3)];
	} else if (k == 14) {
		p.thread = sched_ref_of(&sim->cpu[rnd(w, n)].idle);
	} else if (rnd(w, 2)) { /* two holders, or none */
		p.thread = sched_ref_of(&any_thread(w)->st);
		p.group = &w->groups[rnd(w, 3)];
	}
	if (rnd(w, 4) == 0)
		p.target = &w->groups[rnd(w, 3)];
	tok = lease_token(w, &which);
	g = p.group ? p.group : p.thread.t ? p.thread.t->group : NULL;
	if (!p.thread.t == !p.group || (p.thread.t && p.thread.t->is_idle))
		want |= BIT(SCHED_EINVAL);
	else if (p.thread.t && p.thread.t->state == SCHED_EXITED)
		want |= BIT(SCHED_ESTALE);
	want |= auth_verdict(w, which, g, p.target, &p.cpus);
	if (sched_cpumask_empty(&p.cpus))
		want |= BIT(SCHED_EINVAL);
	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
		if (!sched_cpumask_test(&p.cpus, c))
			continue;
		if (c >= n || !sim->rq[c].online)
			want |= BIT(SCHED_ECPU);
		else if (lease_on(w, c))
			want |= BIT(SCHED_ELEASED);
		else if (admitted_on(w, c))
			want |= BIT(SCHED_EUNSCHED);
	}
	for (unsigned c = 0; c < n; c++) /* somewhere for the port's IRQs: no shared island */
		slots += sim->rq[c].online && !lease_on(w, c) && !shared_on(w, c) &&
			 !sched_cpumask_test(&p.cpus, c);
	if (!slots)
		want |= BIT(SCHED_EHOUSEKEEPING);
	slots = 0;
	for (unsigned i = 0; i < NR_LEASES; i++)
		slots += !w->lease[i].live;
	if (!slots)
		want |= BIT(SCHED_EFULL);
	nl.thread = p.thread.t;
	nl.gen = p.thread.gen;
	nl.group = p.group;
	pin = p.group || p.thread.t ? strands(w, &p.cpus, &nl) : NULL;
	if (pin)
		want |= BIT(SCHED_EPINNED);
	for (unsigned c = 0; c < n; c++) /* a thread on its way there: after its switch */
		if (sched_cpumask_test(&p.cpus, c) && sim->rq[c].migrating_in)
			want |= BIT(SCHED_EAGAIN);
	mig = migrating_strands(w, &p.cpus, &nl);
	lst[L_GRANTS]++;
	sim_enter(sim, online_cpu(w));
	snap(w);
	for (unsigned c = 0; c < n; c++)
		before[c] = port_calls[c][1];
	r = sched_lease_grant(&sim->sys, tok, &p, &cap);
	TR("  lease grant cpus %llx thread %u group %d target %d auth %u: %d (slot %u)\n",
	   (unsigned long long)p.cpus.w[0], p.thread.t ? p.thread.t->id : 0,
	   p.group ? (int)(p.group - w->groups) : -1, p.target ? (int)(p.target - w->groups) : -1,
	   which, r, cap.index);
	if (!allowed(want, r)) {
		dump(w);
		mfail("sched_lease_grant returned %d (%s), documented: 0x%x (error bits; 0: "
		      "success; a thread it would strand: %u)", r, sched_strerror(r), want,
		      pin ? pin->id : 0);
	}
	if (r == 0 && mig) /* see check_ownership: it is lost at its CPU's next pick */
		mfail("sched_lease_grant succeeded while thread %u, which may run only on its "
		      "CPUs, was migrating there", mig->id);
	if (r < 0) {
		unchanged(w, "sched_lease_grant", r);
		count_grant_refusal(r);
		return;
	}
	if (cap.index >= NR_LEASES || w->lease[cap.index].live)
		mfail("sched_lease_grant gave slot %u, which is not free", cap.index);
	nl.live = true;
	nl.cap = cap;
	nl.cpus = p.cpus;
	nl.target = p.target ? p.target : (struct sched_group *)g;
	nl.since = sim->now;
	w->lease[cap.index] = nl;
	for (unsigned c = 0; c < n; c++) {
		if (!sched_cpumask_test(&p.cpus, c)) {
			if (port_calls[c][1] != before[c])
				mfail("lease_port called for cpu %u, outside the lease", c);
			continue;
		}
		if (port_calls[c][1] != before[c] + 3)
			mfail("lease_port called %llu times for leased cpu %u",
			      (unsigned long long)(port_calls[c][1] - before[c]), c);
		if (!holds(&nl, sim->rq[c].curr)) {
			w->leaving[c] = sim->rq[c].curr;
			pending = true;
		}
	}
	lst[L_GRANT_OK]++;
	lst[p.thread.t ? L_GRANT_THREAD : L_GRANT_GROUP]++;
	lst[L_GRANT_TARGET] += p.target != NULL;
	lst[L_PENDING] += pending;
	w->lease[cap.index].pending = pending;
	if (w->lpool[cap.index].rec.granted_at != sim->now)
		mfail("lease slot %u granted at %llu, now is %llu", cap.index,
		      (unsigned long long)w->lpool[cap.index].rec.granted_at,
		      (unsigned long long)sim->now);
	check_leases(w); /* ACTIVE at once exactly when none of its CPUs runs another thread */
	if (p.thread.t)
		check_nr_leases(w, p.thread.t);
}

/* Revoke a live lease (it ends at once: CPUs open, capability stale), or use a stale or
 * guessed capability (-SCHED_ESTALE, nothing changes). */
static void revoke_op(struct world *w)
{
	struct sim *sim = w->sim;
	unsigned start = rnd(w, NR_LEASES), n = sim->cfg.cpus;
	uint64_t before[SCHED_MAX_CPUS];
	struct sched_lease_cap cap;
	int r;

	sim_enter(sim, online_cpu(w));
	for (unsigned j = 0; rnd(w, 4) && j < NR_LEASES; j++) {
		unsigned i = (start + j) % NR_LEASES;
		struct lrec *l = &w->lease[i];

		if (!l->live)
			continue;
		if (l->island) { /* a leased island's lease: revoking the island ends it */
			snap(w);
			r = sched_lease_revoke(&sim->sys, l->cap);
			TR("  lease revoke slot %u (an island's): %d\n", i, r);
			if (r != -SCHED_EPERM)
				mfail("sched_lease_revoke of island lease slot %u returned %d", i, r);
			unchanged(w, "sched_lease_revoke (an island's lease)", r);
			ist[I_LEASE_EPERM]++;
			return;
		}
		for (unsigned c = 0; c < n; c++)
			before[c] = port_calls[c][0];
		r = sched_lease_revoke(&sim->sys, l->cap);
		TR("  lease revoke slot %u: %d\n", i, r);
		if (r != 0)
			mfail("sched_lease_revoke of live lease slot %u returned %d", i, r);
		for (unsigned c = 0; c < n; c++)
			if (port_calls[c][0] != before[c] + (sched_cpumask_test(&l->cpus, c) ? 3 : 0))
				mfail("lease_port called %llu times for cpu %u at a revocation",
				      (unsigned long long)(port_calls[c][0] - before[c]), c);
		lease_ended(w, i, SCHED_LEASE_REVOKED);
		lst[L_REVOKE]++;
		if (l->thread)
			check_nr_leases(w, l->thread);
		return;
	}
	if (w->nstale && rnd(w, 4)) {
		cap = w->stale[rnd(w, w->nstale < NR_STALE ? w->nstale : NR_STALE)];
	} else { /* guessed: any slot, a generation it does not have now */
		cap.index = rnd(w, NR_LEASES + 1);
		cap.gen = cap.index < NR_LEASES && w->lease[cap.index].live
			? w->lease[cap.index].cap.gen + 1 + rnd(w, 2) : rnd(w, 4);
	}
	snap(w);
	r = rnd(w, 2) ? sched_lease_revoke(&sim->sys, cap)
		      : sched_lease_info(&sim->sys, cap, &(struct sched_lease_info){ 0 });
	if (r != -SCHED_ESTALE)
		mfail("a stale lease capability {%u, %u} returned %d", cap.index, cap.gen, r);
	unchanged(w, "sched_lease_revoke/info (stale)", r);
	lst[L_REVOKE_STALE]++;
}

/* Revoke the leases of a group subtree: exactly those whose holder (a group, or a thread's
 * group) is in it, each ended with the cause the group's kind gives. */
static void revoke_owned_op(struct world *w)
{
	static const unsigned cause[] = { [SCHED_GROUP_PROCESS] = SCHED_LEASE_HOLDER_EXIT,
					  [SCHED_GROUP_SESSION] = SCHED_LEASE_SESSION,
					  [SCHED_GROUP_SERVICE] = SCHED_LEASE_SERVICE };
	struct sim *sim = w->sim;
	struct sched_group *owner = rnd(w, 16) ? &w->groups[rnd(w, 3)] : NULL;
	unsigned which, want, count = 0;
	struct sched_auth tok = lease_token(w, &which);
	bool hit[NR_LEASES] = { false };
	int r;

	want = owner ? auth_verdict(w, which, owner, NULL, NULL) : BIT(SCHED_EINVAL);
	for (unsigned i = 0; i < NR_LEASES; i++) {
		const struct lrec *l = &w->lease[i];
		const struct sched_group *hg = l->group ? l->group : l->thread ? l->thread->group : NULL;

		hit[i] = owner && l->live && !l->island && in_group(hg, owner); /* not an island's */
		count += hit[i];
	}
	sim_enter(sim, online_cpu(w));
	snap(w);
	r = sched_lease_revoke_owned(&sim->sys, tok, owner);
	TR("  lease revoke_owned group %d auth %u: %d\n", owner ? (int)(owner - w->groups) : -1,
	   which, r);
	lst[L_OWNED]++;
	if (want ? !allowed(want, r) : r != (int)count)
		mfail("sched_lease_revoke_owned returned %d, expected %d (error bits 0x%x)", r,
		      want ? -1 : (int)count, want);
	if (r < 0) {
		unchanged(w, "sched_lease_revoke_owned", r);
		lst[L_OWNED_REFUSED]++;
		return;
	}
	for (unsigned i = 0; i < NR_LEASES; i++)
		if (hit[i]) {
			lease_ended(w, i, cause[owner->kind]);
			lst[owner->kind == SCHED_GROUP_PROCESS ? L_CAUSE_PROCESS
			    : owner->kind == SCHED_GROUP_SESSION ? L_CAUSE_SESSION : L_CAUSE_SERVICE]++;
			lst[L_OWNED_REVOKED]++;
		}
}

static void lease_op(struct world *w)
{
	switch (rnd(w, 8)) {
	case 0: case 1: case 2: case 3:
		grant_op(w);
		break;
	case 4: case 5: case 6:
		revoke_op(w);
		break;
	default:
		revoke_owned_op(w);
		break;
	}
}

/* At the end of a sequence (after a charge point on every CPU): each group's leased time is
 * what the leases it was the target of (or a group below it was) held, to the nanosecond. */
static void check_leased_time(struct world *w)
{
	uint64_t want[3];

	memcpy(want, w->leased_ns, sizeof(want));
	for (unsigned i = 0; i < NR_LEASES; i++) {
		const struct lrec *l = &w->lease[i];

		for (unsigned g = 0; l->live && l->target && g < 3; g++)
			if (in_group(l->target, &w->groups[g]))
				want[g] += (w->sim->now - l->since) * nr_cpus_of(&l->cpus);
	}
	for (unsigned g = 0; g < 3; g++) {
		if (w->groups[g].acct.v[SCHED_ACCT_LEASED] != want[g])
			mfail("group %u was charged %llu ns of leased CPU time, its leases held %llu", g,
			      (unsigned long long)w->groups[g].acct.v[SCHED_ACCT_LEASED],
			      (unsigned long long)want[g]);
		lst[L_LEASED_NS_CHECKS]++;
	}
}

/* --- polling rings ----------------------------------------------------------------------- */

static bool ref_live(struct sched_ref r)
{
	return r.t && r.t->gen == r.gen && r.t->state != SCHED_EXITED;
}

static bool owner_live(const struct sched_ring *r)
{
	return ref_live(r->owner);
}

/* Register a consumer (the current thread of a CPU, any thread, an idle one): refused
 * while a live thread owns the ring (-SCHED_EOWNED, also for the owner itself). */
static void ring_register(struct world *w, unsigned k, unsigned cpu)
{
	struct sim *sim = w->sim;
	struct sched_ring *rg = &w->ring[k];
	struct sched_ref who = sched_ref_of(sim->rq[cpu].curr), old = rg->owner;
	unsigned want;
	int r;

	if (rnd(w, 4) == 0)
		who = rnd(w, 4) ? sched_ref_of(&any_thread(w)->st) : w->old[rnd(w, w->n)];
	want = !who.t || who.t->is_idle ? BIT(SCHED_EINVAL)
	     : !ref_live(who) ? BIT(SCHED_ESTALE) : owner_live(rg) ? BIT(SCHED_EOWNED) : 0;
	snap(w);
	r = sched_ring_register(&sim->sys, rg, who);
	TR("  ring %u register thread %u: %d\n", k, who.t ? who.t->id : 0, r);
	if (!allowed(want, r))
		mfail("sched_ring_register returned %d, documented 0x%x", r, want);
	if (r < 0) {
		unchanged(w, "sched_ring_register", r);
		lst[R_EOWNED] += r == -SCHED_EOWNED;
		lst[R_REG_ESTALE] += r == -SCHED_ESTALE;
		return;
	}
	if (rg->owner.t != who.t || rg->owner.gen != who.gen || rg->need_wakeup ||
	    rg->last_work != sim->now)
		mfail("ring %u after a registration: owner %u, need_wakeup %u", k,
		      rg->owner.t ? rg->owner.t->id : 0, rg->need_wakeup);
	w->parked[k] = false;
	lst[R_REGISTER]++;
	lst[R_REPLACED] += old.t != NULL;
}

static void ring_unregister(struct world *w, unsigned k, unsigned cpu)
{
	struct sched_ring *rg = &w->ring[k];
	struct sched_ref who = rnd(w, 4) && rg->owner.t ? rg->owner : sched_ref_of(w->sim->rq[cpu].curr);
	bool mine = ref_live(who) && rg->owner.t == who.t && rg->owner.gen == who.gen;
	int r;

	snap(w);
	r = sched_ring_unregister(&w->sim->sys, rg, who);
	TR("  ring %u unregister thread %u: %d\n", k, who.t ? who.t->id : 0, r);
	if (r != (mine ? 0 : -SCHED_EPERM))
		mfail("sched_ring_unregister by thread %u returned %d (owner: %u)",
		      who.t ? who.t->id : 0, r, mine);
	if (r < 0) {
		unchanged(w, "sched_ring_unregister", r);
		lst[R_UNREG_EPERM]++;
		return;
	}
	if (rg->owner.t)
		mfail("ring %u still owned after its owner unregistered", k);
	w->parked[k] = false;
	lst[R_UNREGISTER]++;
}

/* A consumer that cannot run (its wake would fail): passive without an SC, or no online CPU
 * its affinity and the leases allow. */
static bool cannot_wake(struct world *w, const struct sched_thread *t)
{
	if (t->passive && !t->sc)
		return true;
	for (unsigned d = 0; d < w->sim->cfg.cpus && d < SCHED_MAX_CPUS; d++) {
		const struct lrec *l = lease_on(w, d);

		if (w->sim->rq[d].online && sched_cpumask_test(&t->affinity, d) && (!l || holds(l, t)))
			return false;
	}
	return true;
}

/* A producer publishes 1..3 entries and submits, from the CPU it runs on: 1 exactly when
 * the consumer had marked the ring (it parks or is about to: it is unparked), 0 when it
 * polls; -SCHED_ESTATE without a live consumer, and nothing changes. */
static void ring_submit(struct world *w, unsigned k)
{
	struct sched_ring *rg = &w->ring[k];
	struct sched_thread *o = rg->owner.t;
	bool live = owner_live(rg), mark = rg->need_wakeup, parked = live && w->parked[k] &&
		    o->state == SCHED_BLOCKED;
	int r;

	w->published[k] += 1 + rnd(w, 3); /* the kernel's entries, then the call */
	snap(w);
	r = sched_ring_submit(&w->sim->sys, rg);
	TR("  ring %u submit (marked %u, consumer %u): %d\n", k, mark, o ? o->id : 0, r);
	if (live && mark && o->state == SCHED_BLOCKED && !o->waits_on &&
	    (cannot_wake(w, o) || r == -SCHED_ELENT)) {
		/* (a consumer that waits on a mutex instead is left a permit: sched_unpark) */
		/* its wake would fail: refused with sched_unpark's answer, the ring still marked
		 * (-SCHED_ELENT: an SC link, which only its reply resumes) */
		if (r != -SCHED_EAFFINITY && r != -SCHED_ENOSC && r != -SCHED_ELENT)
			mfail("sched_ring_submit returned %d for a consumer that cannot run", r);
		unchanged(w, "sched_ring_submit", r);
		w->refused[k] = true;
		lst[R_LOST]++;
		return;
	}
	if (r != (!live ? -SCHED_ESTATE : mark ? 1 : 0))
		mfail("sched_ring_submit returned %d (live consumer %u, marked %u)", r, live, mark);
	if (r < 0) {
		unchanged(w, "sched_ring_submit", r);
		lst[R_SUBMIT_ESTATE]++;
		return;
	}
	w->submits[k]++;
	w->wakeups[k] += r;
	lst[r ? R_SUBMIT_UNPARKED : R_SUBMIT_POLLING]++;
	if (r && rg->need_wakeup)
		mfail("ring %u still marked after a submit unparked its consumer", k);
	if (r && parked && o->state == SCHED_BLOCKED && !cannot_wake(w, o))
		mfail("ring %u: a submit unparked consumer %u, which still sleeps", k, o->id);
	if (r && parked && o->state == SCHED_BLOCKED)
		mfail("ring %u: submit answered 1 but consumer %u still sleeps", k, o->id);
	if (sched_need_resched(&w->sim->sys, w->sim->cur_cpu))
		sim_resched(w->sim, w->sim->cur_cpu);
}

/* One sched_ring_poll by the current thread of cpu with what it found (it consumes every
 * entry published): the result the protocol of ring.h gives. Returns it. */
static int ring_poll_once(struct world *w, unsigned k, unsigned cpu, bool work)
{
	struct sim *sim = w->sim;
	struct sched_ring *rg = &w->ring[k];
	struct sched_thread *me = sim->rq[cpu].curr, *next = NULL;
	bool mine = owner_live(rg) && rg->owner.t == me;
	bool idle = sim->now - rg->last_work >= rg->idle_ns, mark = rg->need_wakeup;
	uint8_t permit = me->permit;
	int r;

	sim_enter(sim, cpu);
	if (!mine)
		snap(w);
	r = sched_ring_poll(&sim->sys, cpu, rg, work, &next);
	TR("  ring %u poll cpu %u thread %u work %u idle %u marked %u: %d\n", k, cpu, me->id, work,
	   idle, mark, r);
	if (!mine) {
		if (r != -SCHED_EPERM)
			mfail("sched_ring_poll by thread %u, not the ring's consumer, returned %d",
			      me->id, r);
		unchanged(w, "sched_ring_poll", r);
		lst[R_POLL_EPERM]++;
		return r;
	}
	w->polls[k]++;
	lst[R_ON_LEASE] += lease_on(w, cpu) != NULL;
	if (work || !idle) {
		if (r != 0 || next != me || (work && (rg->need_wakeup || rg->last_work != sim->now)))
			mfail("sched_ring_poll (work %u) returned %d, next %u", work, r, next ? next->id : 0);
		lst[work ? R_POLL_WORK : R_POLL_IDLE]++;
		return r;
	}
	if (!mark) {
		if (r != SCHED_RING_RECHECK || next != me || !rg->need_wakeup)
			mfail("sched_ring_poll idle long enough returned %d, not a recheck", r);
		lst[R_RECHECK]++;
		return r;
	}
	w->parks[k]++;
	if (r != 0 || !next)
		mfail("sched_ring_poll parking returned %d", r);
	if (permit) { /* a submit came between the mark and now: it goes on */
		if (next != me)
			mfail("sched_ring_poll parked thread %u despite its permit", me->id);
		lst[R_PERMIT]++;
		return r;
	}
	if (next == me || me->state != SCHED_BLOCKED)
		mfail("sched_ring_poll: consumer %u did not park (state %u)", me->id, me->state);
	w->parked[k] = true;
	lst[R_PARKED]++;
	sim_switch(sim, cpu, next);
	return r;
}

/* The consumer looks at the ring: it takes every entry published so far. */
static bool ring_look(struct world *w, unsigned k)
{
	bool work = w->published[k] > w->consumed[k];

	w->consumed[k] = w->published[k];
	return work;
}

/*
 * The consumer's loop as ring.h gives it: it looks at the ring and polls with what it found;
 * on SCHED_RING_RECHECK it looks once more and polls again. A producer on another CPU
 * submits now and then right before that recheck, or right after it (before the second
 * poll: the consumer then does not park, or parks on the permit the submit left). A
 * consumer that parks leaves no entry behind.
 */
static void ring_consume(struct world *w, unsigned k)
{
	struct sim *sim = w->sim;
	struct sched_ring *rg = &w->ring[k];
	unsigned cpu = mx_cpu(w), when = rnd(w, 3);
	bool work;

	bool found = false;

	for (unsigned c = 0; c < sim->cfg.cpus; c++) /* mostly where its consumer runs */
		if (owner_live(rg) && sim->rq[c].curr == rg->owner.t && rnd(w, 8)) {
			cpu = c;
			found = true;
		}
	if (!owner_live(rg) && rnd(w, 2)) { /* a thread starts polling it */
		ring_register(w, k, cpu);
		found = true;
	}
	if (!found && rnd(w, 2))
		return; /* its consumer does not run now */
	if (ring_poll_once(w, k, cpu, ring_look(w, k)) != SCHED_RING_RECHECK)
		return;
	if (when == 0) {
		sim_enter(sim, online_cpu(w));
		ring_submit(w, k);
	}
	if (sim->rq[cpu].curr != rg->owner.t)
		return; /* the submitting CPU's pick moved it: it polls again later */
	work = ring_look(w, k);
	if (when == 1) {
		sim_enter(sim, online_cpu(w));
		ring_submit(w, k);
		if (sim->rq[cpu].curr != rg->owner.t)
			return;
	}
	ring_poll_once(w, k, cpu, work);
	if (w->parked[k] && rg->owner.t->state == SCHED_BLOCKED && w->published[k] != w->consumed[k])
		mfail("ring %u: its consumer parked with %llu entries published", k,
		      (unsigned long long)(w->published[k] - w->consumed[k]));
}

/* A parked consumer misses nothing: while it sleeps the ring is marked and empty; the
 * figures are the test's. */
static void check_rings(struct world *w)
{
	for (unsigned k = 0; k < NR_RINGS; k++) {
		const struct sched_ring *rg = &w->ring[k];

		if (w->parked[k] && (!owner_live(rg) || rg->owner.t->state != SCHED_BLOCKED))
			w->parked[k] = false; /* it ran again, or exited */
		if (!w->parked[k])
			w->refused[k] = false;
		if (w->parked[k] && !cannot_wake(w, rg->owner.t) &&
		    (!rg->need_wakeup || (w->published[k] != w->consumed[k] && !w->refused[k])))
			mfail("ring %u: consumer %u parked, marked %u, %llu entries waiting", k,
			      rg->owner.t->id, rg->need_wakeup,
			      (unsigned long long)(w->published[k] - w->consumed[k]));
		if (rg->submits != w->submits[k] || rg->wakeups != w->wakeups[k] ||
		    rg->parks != w->parks[k] || rg->polls != w->polls[k])
			mfail("ring %u counts %llu submits %llu wakeups %llu parks %llu polls, the test "
			      "%llu %llu %llu %llu", k, (unsigned long long)rg->submits,
			      (unsigned long long)rg->wakeups, (unsigned long long)rg->parks,
			      (unsigned long long)rg->polls, (unsigned long long)w->submits[k],
			      (unsigned long long)w->wakeups[k], (unsigned long long)w->parks[k],
			      (unsigned long long)w->polls[k]);
	}
}

static void ring_op(struct world *w)
{
	unsigned k = rnd(w, NR_RINGS);

	switch (rnd(w, 10)) {
	case 0: case 1:
		ring_register(w, k, mx_cpu(w));
		break;
	case 2:
		ring_unregister(w, k, mx_cpu(w));
		break;
	case 3: case 4: case 5:
		sim_enter(w->sim, online_cpu(w));
		ring_submit(w, k);
		break;
	default:
		ring_consume(w, k);
		break;
	}
}

/* --- realtime islands ------------------------------------------------------------------------ */

#define ANY 0xffffffffu /* a reason's index: any */
#define T_ANY 0xffu     /* a reason's test: any */

static bool cpu_usable(struct world *w, unsigned c)
{
	return c < w->sim->cfg.cpus && sched_cpumask_test(&w->sim->sys.online, c);
}

static unsigned first_cpu(const sched_cpumask_t *m)
{
	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++)
		if (sched_cpumask_test(m, c))
			return c;
	return 0;
}

static bool same_cpus(const sched_cpumask_t *a, const sched_cpumask_t *b)
{
	return sched_cpumask_subset(a, b) && sched_cpumask_subset(b, a);
}

static bool partitioned(const struct sched_sc_params *p)
{
	return p->dispatch == SCHED_SC_PARTITIONED || nr_cpus_of(&p->cpus) == 1;
}

static uint64_t rel_deadline(const struct sched_sc_params *p)
{
	return p->deadline_ns ? p->deadline_ns : p->period_ns;
}

/* c / d in millionths, rounded up. */
static uint64_t ppm_of(uint64_t c, uint64_t d)
{
	return d ? (c * 1000000 + d - 1) / d : UINT64_MAX / 4;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* The live island (the test's records) whose live member SC `sc` is, or -1. */
static int island_of_sc(const struct world *w, const struct sched_sc *sc)
{
	if (!sc)
		return -1;
	for (unsigned i = 0; i < NR_ISL; i++)
		for (unsigned k = 0; w->isl[i].live && k < w->isl[i].nm; k++)
			if (w->isl[i].in[k] && &w->scs[w->isl[i].m[k].index] == sc &&
			    sc->gen == w->isl[i].m[k].gen)
				return (int)i;
	return -1;
}

/* The live island whose server t is (its index there in *k), or -1. */
static int server_of(const struct world *w, const struct sched_thread *t, unsigned *k)
{
	for (unsigned i = 0; i < NR_ISL; i++)
		for (unsigned j = 0; w->isl[i].live && j < w->isl[i].ns; j++)
			if (w->isl[i].srv[j].t == t) {
				*k = j;
				return (int)i;
			}
	return -1;
}

/* t's place in island i: a server (SCHED_ISLAND_FROM_SERVER | index), the member whose SC
 * it owns, or -1. */
static int node_of(const struct world *w, unsigned i, const struct sched_thread *t)
{
	const struct irec *x = &w->isl[i];
	unsigned k = 0;

	if (server_of(w, t, &k) == (int)i)
		return SCHED_ISLAND_FROM_SERVER | (int)k;
	for (k = 0; t->own_sc && k < x->nm; k++)
		if (x->in[k] && &w->scs[x->m[k].index] == t->own_sc && t->own_sc->gen == x->m[k].gen)
			return (int)k;
	return -1;
}

/* Island i declares a path from t to `to`. */
static bool declared(const struct world *w, unsigned i, const struct sched_thread *t,
		     const struct sched_thread *to)
{
	int from = node_of(w, i, t);
	unsigned j = 0;

	if (from < 0 || server_of(w, to, &j) != (int)i)
		return false;
	for (unsigned k = 0; k < w->isl[i].np; k++)
		if (w->isl[i].path[k].from == from && w->isl[i].path[k].to == j)
			return true;
	return false;
}

/* The checks of a call that come before the path rule pass (the current thread me calls
 * a live thread that waits for nothing but a call). */
static bool handoff_ok(const struct sched_thread *me, struct sched_ref to)
{
	return me && !me->is_idle && me->state != SCHED_EXITED && ref_live(to) && to.t != me &&
	       (to.t->state == SCHED_BLOCKED || to.t->state == SCHED_NEW) && !to.t->waits_on;
}

/* The path rule at a call from the current thread me to `to`: -1 if it lets it through
 * (or the call fails before it), else the island charged with the violation: me's (it
 * runs on a member's SC) when the path is undeclared, else to's (a call to its server from
 * outside). */
static int path_refusal(struct world *w, const struct sched_thread *me, struct sched_ref to)
{
	int mine, theirs;
	unsigned j = 0;

	if (!handoff_ok(me, to))
		return -1;
	mine = island_of_sc(w, me->sc);
	theirs = server_of(w, to.t, &j);
	if (mine < 0 && theirs < 0)
		return -1;
	if (mine >= 0 && declared(w, (unsigned)mine, me, to.t))
		return -1;
	return mine >= 0 ? mine : theirs;
}

static void violation_before(struct world *w, int isl, const struct sched_thread *t,
			     struct vsnap *vs)
{
	for (unsigned k = 0; k < SCHED_ISLAND_V_NR; k++)
		vs->count[k] = w->ipool[isl].violations[k];
	vs->notes = w->sim->notifications;
	vs->cpu = t->cpu;
	vs->head = w->sim->rq[t->cpu].trace.head;
	snap(w);
}

/* A violation `what` by t was counted against island isl: its count, a trace event on t's
 * CPU, a notification to its endpoint; and nothing else changed. */
static void violation_seen(struct world *w, int isl, unsigned what, const struct sched_thread *t,
			   const struct vsnap *vs, const char *call, int r)
{
	struct irec *x = &w->isl[isl];
	struct sched_island *lib = &w->ipool[isl];
	struct sched_rq *rq = &w->sim->rq[vs->cpu];
	const struct sched_trace_event *ev = &rq->trace.ev[(rq->trace.head - 1) % SCHED_TRACE_LEN];
	uint64_t note = x->endpoint != 0;
	uint64_t msg = (uint64_t)SCHED_ISLAND_MSG_VIOLATION << 56 | (uint64_t)what << 48 |
		       (uint64_t)(x->cap.index & 0xffff) << 32 | t->id;

	if (lib->violations[what] != vs->count[what] + 1 || rq->trace.head != vs->head + 1 ||
	    ev->type != SCHED_TR_ISLAND || ev->tid != t->id || ev->arg != what ||
	    ev->aux != SCHED_ISLAND_EV_VIOLATION || w->sim->notifications != vs->notes + note ||
	    (note && (w->sim->last_message != msg || w->sim->last_endpoint != x->endpoint)))
		mfail("%s by thread %u returned %d: island %d counts %llu violations %u (was %llu), "
		      "%llu notifications (was %llu), trace head %llu (was %llu)", call, t->id, r, isl,
		      (unsigned long long)lib->violations[what], what,
		      (unsigned long long)vs->count[what],
		      (unsigned long long)w->sim->notifications, (unsigned long long)vs->notes,
		      (unsigned long long)rq->trace.head, (unsigned long long)vs->head);
	lib->violations[what]--; /* and nothing else changed */
	rq->trace.head--;
	w->sim->notifications -= note;
	unchanged(w, call, r);
	lib->violations[what]++;
	rq->trace.head++;
	w->sim->notifications += note;
	x->viol[what]++;
}

/* After a call the path rule may have refused (isl: the island the test says it refuses
 * for, or -1): -SCHED_EPATH exactly then, counted and notified, nothing else changed. */
static void violation_after(struct world *w, int isl, unsigned what, const struct sched_thread *t,
			    const struct vsnap *vs, const char *call, int r)
{
	if (isl < 0)
		mfail("%s by thread %u returned -SCHED_EPATH where no island's path rule applies",
		      call, t->id);
	if (r != -SCHED_EPATH)
		mfail("%s by thread %u returned %d (%s) where island %d's path rule refuses it", call,
		      t->id, r, sched_strerror(r), isl);
	violation_seen(w, isl, what, t, vs, call, r);
	ist[I_EPATH_RANDOM]++;
}

static struct sim_thread *spawn_in(struct world *w, struct sched_group *g,
				   const sched_cpumask_t *aff, bool passive)
{
	struct sched_thread_params p = { .group = g, .affinity = aff, .passive = passive };

	if (w->n >= MAX_THREADS * 2 / 3) /* every thread is looked at after every step */
		return NULL;
	w->t[w->n] = sim_thread_new(w->sim, &p);
	assert_non_null(w->t[w->n]);
	return w->t[w->n++];
}

/* An online CPU its affinity and the leases allow t on (placement can find one). */
static bool placeable(struct world *w, const struct sched_thread *t)
{
	for (unsigned d = 0; d < w->sim->cfg.cpus; d++) {
		const struct lrec *l = lease_on(w, d);

		if (cpu_usable(w, d) && sched_cpumask_test(&t->affinity, d) && (!l || holds(l, t)))
			return true;
	}
	return false;
}

/* A fresh SC (CREATED) on a free member ring, owned by g; false when no ring or pool slot
 * is left. */
static bool isc_new(struct world *w, struct sched_group *g, struct sched_sc_cap *cap)
{
	for (unsigned k = 0; k < ISL_SCS; k++) {
		const struct sched_sc *sc = &w->scs[w->icap[k].index];
		int r;

		if (w->iring_used[k] && sc->state != SCHED_SC_FREE && sc->gen == w->icap[k].gen)
			continue; /* its SC lives */
		r = sched_sc_create(&w->sim->sys, g, w->irings[k], 4, cap);
		if (r == -SCHED_EFULL)
			return false;
		assert_int_equal(r, 0);
		w->icap[k] = *cap;
		w->iring_used[k] = true;
		w->used[cap->index] = 0; /* a fresh SC: its figures start at 0 */
		return true;
	}
	return false;
}

/* --- authority -------------------------------------------------------------------------------- */

/* An authority for an island call: the root one (27 in 32), one without the lease right
 * (1), one with the lease right only, scoped to the service group (2) or CPU 1 (3), a
 * revoked one (4), SC control and the lease right scoped to the service group (5). */
static struct sched_auth isl_token(struct world *w, unsigned *which)
{
	unsigned k = rnd(w, 32);

	*which = k < 27 ? 0 : k - 26;
	return *which == 0 ? sched_auth_root(&w->sim->sys) : *which == 5 ? w->itok : w->tok[*which - 1];
}

/* check_auth's answer for authority `which`, group g, CPUs `cpus` (leased: the lease right
 * too): 0, -SCHED_ESTALE or -SCHED_EPERM. */
static int isl_auth(struct world *w, unsigned which, const struct sched_group *g,
		    const sched_cpumask_t *cpus, bool leased)
{
	const struct sched_authority *a = which == 0 ? &w->sim->sys.root_authority
					: which == 5 ? &w->iauth : &w->auth[which - 1];

	if (which == 4)
		return -SCHED_ESTALE;
	if (!(a->rights & SCHED_RIGHT_SC_CONTROL) || !sched_cpumask_subset(cpus, &a->cpus) ||
	    (a->scope && !in_group(g, a->scope)) || (leased && !(a->rights & SCHED_RIGHT_LEASE)))
		return -SCHED_EPERM;
	return 0;
}

/* --- the model of an admission ------------------------------------------------------------------ */

struct ireq {
	struct sched_island_params p;
	struct sched_island_member m[4];
	struct sched_island_server s[3];
	struct sched_island_path path[6];
	struct sched_island_irq irq[3];
	struct sched_island_mem mem[3];
	struct sched_sc_cap made[4]; /* SCs created for it, revoked if it is refused */
	unsigned nmade;
	unsigned which;               /* its authority (isl_token) */
	struct sched_auth tok;
	bool null_out, null_v;
};

#define MAX_REASONS 48

/* What an admission (or add) must return: one of the errors in `want` if any, else success;
 * `maybe` may come too (the analysis was not decided). The reasons a verdict may name. */
struct imodel {
	unsigned want, maybe;
	struct reason {
		int16_t err;
		uint8_t res, test;
		uint32_t index;
		bool shortfall;
		uint64_t demand, supply;
	} why[MAX_REASONS];
	unsigned n;
	bool lost;                 /* a partitioned member's placement was not predicted */
	bool failed;               /* a member can be placed nowhere */
	uint16_t cpu_of[4];        /* the CPU of each partitioned member predicted, else NO_CPU */
	const struct sched_thread *mig;
};

static void because(struct imodel *m, int err, unsigned res, unsigned test, uint32_t index,
		    bool maybe)
{
	if (maybe)
		m->maybe |= BIT(-err);
	else
		m->want |= BIT(-err);
	if (m->n < MAX_REASONS)
		m->why[m->n++] = (struct reason){ (int16_t)err, (uint8_t)res, (uint8_t)test, index,
						  false, 0, 0 };
}

static void short_by(struct imodel *m, int err, unsigned res, unsigned test, uint32_t index,
		     uint64_t demand, uint64_t supply)
{
	because(m, err, res, test, index, false);
	m->why[m->n - 1].shortfall = true;
	m->why[m->n - 1].demand = demand;
	m->why[m->n - 1].supply = supply;
}

/* The verdict of a refusal names a reason the model found. */
static bool named(const struct imodel *m, int r, const struct sched_island_verdict *v)
{
	for (unsigned k = 0; k < m->n; k++)
		if (m->why[k].err == r && m->why[k].res == v->resource &&
		    (m->why[k].test == T_ANY || m->why[k].test == v->test) &&
		    (m->why[k].index == ANY || m->why[k].index == v->index) &&
		    (!m->why[k].shortfall || (m->why[k].demand == v->demand &&
					      m->why[k].supply == v->supply)))
			return true;
	return false;
}

/* sched_sc_configure's parameter checks (sc.h). */
static int params_check(struct world *w, const struct sched_sc *sc, const struct sched_sc_params *p)
{
	uint64_t d = rel_deadline(p);

	if (!p->period_ns || p->period_ns > SCHED_SC_PERIOD_MAX_NS || p->budget_ns > p->period_ns ||
	    p->budget_ns < SCHED_SC_BUDGET_MIN_NS || d < p->budget_ns || d > p->period_ns ||
	    p->mode > SCHED_SC_CBS || p->overrun > SCHED_SC_NOTIFY_BLOCK ||
	    p->dispatch > SCHED_SC_PARTITIONED || p->blocking_ns > d - p->budget_ns ||
	    (p->mode == SCHED_SC_SPORADIC && sc->cap < 2 && p->budget_ns < p->period_ns) ||
	    sched_cpumask_empty(&p->cpus))
		return -SCHED_EINVAL;
	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++)
		if (sched_cpumask_test(&p->cpus, c) && !cpu_usable(w, c))
			return -SCHED_ECPU;
	return 0;
}

/* Each member's SC and parameters (island CPUs `cpus`); false if one is refused. */
static bool model_members(struct world *w, const struct ireq *q, struct imodel *m)
{
	const struct sched_island_params *p = &q->p;
	bool ok = true;

	for (unsigned i = 0; i < p->nr_members; i++) {
		const struct sched_island_member *x = &p->members[i];
		const struct sched_sc *sc = x->sc.index < POOL ? &w->scs[x->sc.index] : NULL;
		int e = 0;

		if (!sc)
			e = -SCHED_EINVAL;
		else if (sc->gen != x->sc.gen || sc->state == SCHED_SC_FREE)
			e = -SCHED_ESTALE;
		if (e) { /* nothing more to look at */
			because(m, e, SCHED_ISLAND_RES_MEMBER, SCHED_ISLAND_OK, i, false);
			ok = false;
			continue;
		}
		if (!(x->sc.rights & SCHED_SC_CONFIGURE))
			because(m, (e = -SCHED_EPERM), SCHED_ISLAND_RES_MEMBER, SCHED_ISLAND_OK, i, false);
		if (sc->state != SCHED_SC_CREATED || sc->bound || sc->holder)
			because(m, (e = -SCHED_ESTATE), SCHED_ISLAND_RES_MEMBER, SCHED_ISLAND_OK, i, false);
		if (!sched_cpumask_subset(&x->p.cpus, &p->cpus) ||
		    (x->p.mode == SCHED_SC_CBS && x->p.deadline_ns && x->p.deadline_ns != x->p.period_ns))
			because(m, (e = -SCHED_EINVAL), SCHED_ISLAND_RES_MEMBER, SCHED_ISLAND_OK, i, false);
		else if (params_check(w, sc, &x->p))
			because(m, (e = params_check(w, sc, &x->p)), SCHED_ISLAND_RES_MEMBER,
				SCHED_ISLAND_OK, i, false);
		for (unsigned j = 0; j < i; j++)
			if (p->members[j].sc.index == x->sc.index)
				because(m, (e = -SCHED_EINVAL), SCHED_ISLAND_RES_MEMBER, SCHED_ISLAND_OK, i,
					false);
		ok = ok && !e;
	}
	return ok;
}

/* What admission counts on each CPU: the one-CPU SCs' density, their least deadline, the
 * CPUs a wider SC covers (a one-CPU cluster there is crossed), and the islands' IRQs. */
struct load {
	uint64_t dens[SCHED_MAX_CPUS], min_d[SCHED_MAX_CPUS];
	bool wide[SCHED_MAX_CPUS];
	unsigned nirq[SCHED_MAX_CPUS];
	uint64_t irq_ppm[SCHED_MAX_CPUS], irq_cost[SCHED_MAX_CPUS]; /* rates; costs summed */
};

static void add_irq(struct load *l, const struct sched_island_irq *q)
{
	if (q->cpu >= SCHED_MAX_CPUS)
		return;
	l->nirq[q->cpu]++;
	l->irq_ppm[q->cpu] += ppm_of(q->cost_ns, q->min_gap_ns);
	l->irq_cost[q->cpu] += q->cost_ns; /* their costs, together */
}

static void load_of(struct world *w, struct load *l)
{
	memset(l, 0, sizeof(*l));
	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++)
		l->min_d[c] = UINT64_MAX;
	for (unsigned i = 0; i < POOL; i++) {
		const struct sched_sc *sc = &w->scs[i];
		unsigned c = first_cpu(&sc->cpus);

		if (sc->state != SCHED_SC_CONFIGURED)
			continue;
		if (nr_cpus_of(&sc->cpus) > 1) {
			for (unsigned d = 0; d < SCHED_MAX_CPUS; d++)
				l->wide[d] |= sched_cpumask_test(&sc->cpus, d);
			continue;
		}
		l->dens[c] += ppm_of(sc->budget + sc->blocking, sc->rel_deadline);
		if (sc->rel_deadline < l->min_d[c])
			l->min_d[c] = sc->rel_deadline;
	}
	for (unsigned i = 0; i < NR_ISL; i++)
		for (unsigned k = 0; w->isl[i].live && k < w->isl[i].ni; k++)
			add_irq(l, &w->isl[i].irq[k]);
}

/* Does the one-CPU test surely pass on c with a task of density dens (ppm) and deadline d
 * added (d 0: none)? The IRQs routed there take supply from the SCs (sched_rt_edf_check_irq:
 * by t, at most floor(t / gap) costs and one more each): it does when the densities and the
 * IRQs' rates sum to at most one half and the first deadline is at least twice the IRQs'
 * costs together (then demand + IRQs <= t / 2 + costs <= t at every deadline). */
static bool sure_fit(const struct load *l, unsigned c, uint64_t dens, uint64_t d)
{
	uint64_t md = d && d < l->min_d[c] ? d : l->min_d[c];

	return l->dens[c] + dens + l->irq_ppm[c] <= 500000 &&
	       (!l->nirq[c] || md == UINT64_MAX || md >= 2 * l->irq_cost[c]);
}

/* The partitioned members, in order, on the first CPU of their set that admits them. */
static void model_place(struct world *w, const struct ireq *q, struct load *l, struct imodel *m)
{
	const struct sched_island_params *p = &q->p;

	(void)w;
	for (unsigned i = 0; i < p->nr_members; i++) {
		const struct sched_sc_params *x = &p->members[i].p;
		uint64_t dens = ppm_of(x->budget_ns + x->blocking_ns, rel_deadline(x));
		bool open = false;

		m->cpu_of[i] = SCHED_RT_NO_CPU;
		if (!partitioned(x) || m->lost || m->failed)
			continue;
		for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
			if (!sched_cpumask_test(&x->cpus, c) || l->wide[c])
				continue; /* crossed: refused there */
			open = true;
			if (sure_fit(l, c, dens, rel_deadline(x))) {
				m->cpu_of[i] = (uint16_t)c;
				l->dens[c] += dens;
				if (rel_deadline(x) < l->min_d[c])
					l->min_d[c] = rel_deadline(x);
			}
			break; /* placed, or not decided here */
		}
		if (m->cpu_of[i] != SCHED_RT_NO_CPU)
			continue;
		if (!open) { /* every CPU of its set crossed: the first one names it */
			because(m, -SCHED_EUNSCHED, SCHED_ISLAND_RES_CPU, SCHED_ISLAND_CROSSED,
				first_cpu(&x->cpus), false);
			m->failed = true;
		} else {
			because(m, -SCHED_EUNSCHED, SCHED_ISLAND_RES_CPU, T_ANY, ANY, true);
			m->lost = true;
		}
	}
}

/* The global members' clusters: no IRQ of the island inside, no crossing SC of anyone's, no
 * island IRQ routed inside, then the global tests (surely passed by a density sum of at
 * most one half). `own_irqs`: the request's IRQs count (an admission; an add has none). */
static void model_global(struct world *w, const struct ireq *q, struct imodel *m)
{
	const struct sched_island_params *p = &q->p;

	for (unsigned i = 0; i < p->nr_members; i++) {
		const sched_cpumask_t *k = &p->members[i].p.cpus;
		uint64_t sum = 0, max = 0;
		bool seen = false, maybe = false;
		unsigned at = first_cpu(k);

		if (partitioned(&p->members[i].p))
			continue;
		for (unsigned j = 0; j < i; j++)
			seen |= !partitioned(&p->members[j].p) && same_cpus(&p->members[j].p.cpus, k);
		if (seen)
			continue;
		for (unsigned x = 0; x < p->nr_irqs; x++)
			if (p->irqs[x].cpu < SCHED_MAX_CPUS && sched_cpumask_test(k, p->irqs[x].cpu)) {
				because(m, -SCHED_EINVAL, SCHED_ISLAND_RES_IRQ, SCHED_ISLAND_IRQ_GLOBAL, x,
					false);
				break;
			}
		if (m->failed)
			continue; /* never reached: the partitioned placement fails first */
		for (unsigned s = 0; s < POOL; s++) {
			const struct sched_sc *sc = &w->scs[s];

			if (sc->state != SCHED_SC_CONFIGURED || !sched_cpumask_intersects(&sc->cpus, k))
				continue;
			if (!same_cpus(&sc->cpus, k))
				because(m, -SCHED_EUNSCHED, SCHED_ISLAND_RES_CPU, SCHED_ISLAND_CROSSED, at,
					false);
			sum += ppm_of(sc->budget + sc->blocking, sc->rel_deadline);
			max = max > ppm_of(sc->budget + sc->blocking, sc->rel_deadline) ? max
			      : ppm_of(sc->budget + sc->blocking, sc->rel_deadline);
		}
		for (unsigned x = 0; x < NR_ISL; x++) /* IRQs count on one-CPU clusters only */
			for (unsigned y = 0; w->isl[x].live && y < w->isl[x].ni; y++)
				if (sched_cpumask_test(k, w->isl[x].irq[y].cpu))
					because(m, -SCHED_EINVAL, SCHED_ISLAND_RES_CPU,
						SCHED_ISLAND_IRQ_GLOBAL, at, false);
		for (unsigned j = 0; j < p->nr_members; j++) {
			const struct sched_sc_params *o = &p->members[j].p;
			uint64_t d = ppm_of(o->budget_ns + o->blocking_ns, rel_deadline(o));

			if (partitioned(o)) {
				if (m->cpu_of[j] != SCHED_RT_NO_CPU ? sched_cpumask_test(k, m->cpu_of[j])
				    : sched_cpumask_intersects(&o->cpus, k))
					because(m, -SCHED_EUNSCHED, SCHED_ISLAND_RES_CPU,
						SCHED_ISLAND_CROSSED, at, m->cpu_of[j] == SCHED_RT_NO_CPU);
			} else if (same_cpus(&o->cpus, k)) {
				sum += d;
				max = d > max ? d : max;
			} else if (sched_cpumask_intersects(&o->cpus, k)) {
				because(m, -SCHED_EUNSCHED, SCHED_ISLAND_RES_CPU, SCHED_ISLAND_CROSSED, at,
					false);
			}
		}
		maybe = sum > 500000 || max > 500000;
		if (maybe)
			because(m, -SCHED_EUNSCHED, SCHED_ISLAND_RES_CPU, SCHED_ISLAND_DEMAND, at, true);
	}
}

/* A call to server j costs its caller: its work and its own calls (island.c chain_cost). */
static uint64_t chain_cost(const struct sched_island_params *p, unsigned j, unsigned depth)
{
	uint64_t sum = 0;

	if (depth > SCHED_DONATION_DEPTH_MAX)
		return UINT64_MAX;
	for (unsigned k = 0; k < p->nr_paths; k++)
		if (p->paths[k].from == (SCHED_ISLAND_FROM_SERVER | j))
			sum = add_sat(sum, mul_sat(p->paths[k].calls,
						   add_sat(p->paths[k].cost_ns,
							   chain_cost(p, p->paths[k].to, depth + 1))));
	return sum;
}

#define NO_CALLER 0xffffu

/* The member at the root of path k's chain (caller[]: the first path into each server), or
 * -1: a server no member reaches. */
static int root_of(const struct sched_island_params *p, const uint16_t *caller, unsigned k,
		   unsigned *depth)
{
	uint16_t from = p->paths[k].from;

	for (*depth = 1; from & SCHED_ISLAND_FROM_SERVER; (*depth)++) {
		uint16_t in = caller[from & ~SCHED_ISLAND_FROM_SERVER];

		if (in == NO_CALLER || *depth > p->nr_paths)
			return -1;
		from = p->paths[in].from;
	}
	return from;
}

/* One caller for each server, chains rooted in a member and not too deep, each member's
 * calls within its budget; after the placement, each server allowed where its root member
 * runs. */
static void model_paths(struct world *w, const struct ireq *q, struct imodel *m, bool members_ok)
{
	const struct sched_island_params *p = &q->p;
	uint16_t caller[SCHED_ISLAND_SERVERS_MAX];

	(void)w;
	for (unsigned j = 0; j < SCHED_ISLAND_SERVERS_MAX; j++)
		caller[j] = NO_CALLER;
	for (unsigned k = 0; k < p->nr_paths; k++) {
		const struct sched_island_path *x = &p->paths[k];

		if (caller[x->to] != NO_CALLER)
			because(m, -SCHED_EPATH, SCHED_ISLAND_RES_PATH, SCHED_ISLAND_TWO_CALLERS, k, false);
		else
			caller[x->to] = (uint16_t)k;
	}
	for (unsigned k = 0; k < p->nr_paths; k++) {
		unsigned depth;

		if (root_of(p, caller, k, &depth) < 0)
			because(m, -SCHED_EPATH, SCHED_ISLAND_RES_PATH, SCHED_ISLAND_NO_ROOT, k, false);
		else if (depth > SCHED_DONATION_DEPTH_MAX)
			because(m, -SCHED_EPATH, SCHED_ISLAND_RES_PATH, SCHED_ISLAND_TOO_DEEP, k, false);
	}
	for (unsigned i = 0; members_ok && i < p->nr_members; i++) {
		uint64_t sum = 0;

		for (unsigned k = 0; k < p->nr_paths; k++)
			if (p->paths[k].from == i)
				sum = add_sat(sum, mul_sat(p->paths[k].calls,
							   add_sat(p->paths[k].cost_ns,
								   chain_cost(p, p->paths[k].to, 2))));
		if (sum > p->members[i].p.budget_ns)
			short_by(m, -SCHED_EUNSCHED, SCHED_ISLAND_RES_MEMBER, SCHED_ISLAND_CALL_BUDGET, i,
				 sum, p->members[i].p.budget_ns);
	}
	for (unsigned k = 0; members_ok && !m->failed && k < p->nr_paths; k++) {
		unsigned depth;
		int root = root_of(p, caller, k, &depth);
		const sched_cpumask_t *aff = &p->servers[p->paths[k].to].t.t->affinity;
		const struct sched_sc_params *x;

		if (root < 0 || depth > SCHED_DONATION_DEPTH_MAX)
			continue;
		x = &p->members[root].p;
		if (!partitioned(x) || m->cpu_of[root] != SCHED_RT_NO_CPU) { /* where it runs: known */
			sched_cpumask_t where = x->cpus;

			if (partitioned(x)) {
				sched_cpumask_clear(&where);
				sched_cpumask_set(&where, m->cpu_of[root]);
			}
			if (!sched_cpumask_subset(aff, &where))
				because(m, -SCHED_EPATH, SCHED_ISLAND_RES_PATH, SCHED_ISLAND_SERVER_CPUS, k,
					false);
		} else if (!sched_cpumask_subset(aff, &x->cpus)) { /* nowhere it may go */
			because(m, -SCHED_EPATH, SCHED_ISLAND_RES_PATH, SCHED_ISLAND_SERVER_CPUS, k, false);
		} else if (!(nr_cpus_of(&x->cpus) == 1 && same_cpus(aff, &x->cpus))) {
			because(m, -SCHED_EPATH, SCHED_ISLAND_RES_PATH, SCHED_ISLAND_SERVER_CPUS, k, true);
		}
	}
}

/* The lease a leased island takes (lease.h's refusals, as grant_op predicts them). */
static void model_lease(struct world *w, const struct ireq *q, struct imodel *m)
{
	const struct sched_island_params *p = &q->p;
	struct lrec nl = { .group = p->group };
	unsigned at = first_cpu(&p->cpus), slots = 0, general = 0;

	for (unsigned c = 0; c < w->sim->cfg.cpus; c++) {
		if (!sched_cpumask_test(&p->cpus, c)) {
			general += cpu_usable(w, c) && !lease_on(w, c) && !shared_on(w, c);
			continue;
		}
		if (lease_on(w, c))
			because(m, -SCHED_ELEASED, SCHED_ISLAND_RES_LEASE, SCHED_ISLAND_LEASE, at, false);
		if (admitted_on(w, c))
			because(m, -SCHED_EUNSCHED, SCHED_ISLAND_RES_LEASE, SCHED_ISLAND_LEASE, at, false);
		if (w->sim->rq[c].migrating_in)
			because(m, -SCHED_EAGAIN, SCHED_ISLAND_RES_LEASE, SCHED_ISLAND_LEASE, at, false);
	}
	if (!general)
		because(m, -SCHED_EHOUSEKEEPING, SCHED_ISLAND_RES_LEASE, SCHED_ISLAND_LEASE, at, false);
	for (unsigned i = 0; i < NR_LEASES; i++)
		slots += !w->lease[i].live;
	if (!slots)
		because(m, -SCHED_EFULL, SCHED_ISLAND_RES_LEASE, SCHED_ISLAND_LEASE, at, false);
	if (strands(w, &p->cpus, &nl))
		because(m, -SCHED_EPINNED, SCHED_ISLAND_RES_LEASE, SCHED_ISLAND_LEASE, at, false);
	m->mig = migrating_strands(w, &p->cpus, &nl);
}

/* Each CPU that takes one of the island's IRQs and none of its members: what is there,
 * beside them (check_irq_cpus). */
static void model_irq_cpus(struct world *w, const struct ireq *q, const struct load *l,
			   struct imodel *m)
{
	const struct sched_island_params *p = &q->p;

	(void)w;
	if (m->failed)
		return; /* never reached */
	for (unsigned k = 0; k < p->nr_irqs; k++) {
		unsigned c = p->irqs[k].cpu;
		bool placed = false;

		for (unsigned i = 0; i < p->nr_members; i++)
			placed |= m->cpu_of[i] == c;
		for (unsigned j = 0; j < k; j++)
			placed |= p->irqs[j].cpu == c;
		if (placed)
			continue;
		if (l->wide[c])
			because(m, -SCHED_EUNSCHED, SCHED_ISLAND_RES_CPU, SCHED_ISLAND_CROSSED, c, m->lost);
		else if (!sure_fit(l, c, 0, 0) || m->lost) /* a member may sit there */
			because(m, -SCHED_EUNSCHED, SCHED_ISLAND_RES_CPU, T_ANY, c, true);
	}
}

/* A shared island's CPUs send the port's other IRQs away: none may be leased, and some
 * online CPU must be left outside leases, shared islands and it (check_shared). */
static void model_shared(struct world *w, const struct ireq *q, struct imodel *m)
{
	const struct sched_island_params *p = &q->p;
	unsigned left = 0, at = first_cpu(&p->cpus);

	for (unsigned c = 0; c < w->sim->cfg.cpus; c++) {
		if (sched_cpumask_test(&p->cpus, c) && lease_on(w, c))
			because(m, -SCHED_ELEASED, SCHED_ISLAND_RES_LEASE, SCHED_ISLAND_LEASE, at, false);
		left += !sched_cpumask_test(&p->cpus, c) && cpu_usable(w, c) && !lease_on(w, c) &&
			!shared_on(w, c);
	}
	if (!left)
		because(m, -SCHED_EHOUSEKEEPING, SCHED_ISLAND_RES_LEASE, SCHED_ISLAND_LEASE, at, false);
}

/* Everything island.h lists for an admission, as the set of errors whose conditions hold. */
static void model_admit(struct world *w, const struct ireq *q, struct imodel *m)
{
	const struct sched_island_params *p = &q->p;
	bool cpus_ok = !sched_cpumask_empty(&p->cpus), paths_ok = true, irqs_ok = true, mem_ok = true;
	bool servers_ok = true, members_ok, shape_ok;
	unsigned free_slots = 0;
	struct load l;
	int e;

	memset(m, 0, sizeof(*m));
	shape_ok = p->group && p->nr_members && p->nr_members <= SCHED_ISLAND_SCS_MAX &&
		   p->cpu_mode <= SCHED_ISLAND_SHARED && p->overrun <= SCHED_SC_NOTIFY_BLOCK &&
		   !sched_cpumask_empty(&p->cpus) && !q->null_out;
	if (!shape_ok)
		because(m, -SCHED_EINVAL, SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0, false);
	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++)
		if (sched_cpumask_test(&p->cpus, c) && !cpu_usable(w, c)) { /* the first such */
			because(m, -SCHED_ECPU, SCHED_ISLAND_RES_CPU, SCHED_ISLAND_OK, c, false);
			cpus_ok = false;
			break;
		}
	if ((e = isl_auth(w, q->which, p->group, &p->cpus, p->cpu_mode == SCHED_ISLAND_LEASED)))
		because(m, e, SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0, false);
	if (!w->admission)
		because(m, -SCHED_ESTATE, SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0, false);
	/* the entries well formed */
	for (unsigned k = 0; k < p->nr_paths; k++) {
		const struct sched_island_path *x = &p->paths[k];
		unsigned from = x->from & ~SCHED_ISLAND_FROM_SERVER;

		if (x->to >= p->nr_servers || !x->calls || !x->cost_ns ||
		    from >= ((x->from & SCHED_ISLAND_FROM_SERVER) ? p->nr_servers : p->nr_members)) {
			because(m, -SCHED_EINVAL, SCHED_ISLAND_RES_PATH, SCHED_ISLAND_OK, k, false);
			paths_ok = false;
		}
	}
	for (unsigned k = 0; k < p->nr_irqs; k++) {
		const struct sched_island_irq *x = &p->irqs[k];
		bool twice = false;

		for (unsigned j = 0; j < k; j++)
			twice |= p->irqs[j].line == x->line;
		if (twice || !x->min_gap_ns || !x->cost_ns || x->cost_ns > x->min_gap_ns ||
		    x->min_gap_ns > SCHED_RT_TIME_MAX || x->cpu >= SCHED_MAX_CPUS ||
		    !sched_cpumask_test(&p->cpus, x->cpu)) {
			because(m, -SCHED_EINVAL, SCHED_ISLAND_RES_IRQ, SCHED_ISLAND_OK, k, false);
			irqs_ok = false;
		}
	}
	for (unsigned k = 0; k < p->nr_mem; k++)
		if (p->mem[k].pool >= NR_MPOOLS || !p->mem[k].pages) {
			because(m, -SCHED_EINVAL, SCHED_ISLAND_RES_POOL, SCHED_ISLAND_OK, k, false);
			mem_ok = false;
		}
	for (unsigned k = 0; k < p->nr_servers; k++) {
		bool bad = !p->servers[k].t.t;

		for (unsigned j = 0; j < k; j++)
			bad |= p->servers[j].t.t == p->servers[k].t.t;
		if (bad) {
			because(m, -SCHED_EINVAL, SCHED_ISLAND_RES_SERVER, SCHED_ISLAND_OK, ANY, false);
			servers_ok = false;
		}
	}
	/* the members, the servers alive */
	members_ok = model_members(w, q, m);
	for (unsigned k = 0; servers_ok && k < p->nr_servers; k++) {
		const struct sched_thread *t = p->servers[k].t.t;

		if (!ref_live(p->servers[k].t)) {
			because(m, -SCHED_ESTALE, SCHED_ISLAND_RES_SERVER, SCHED_ISLAND_OK, k, false);
			servers_ok = false;
			continue;
		}
		if (t->is_idle)
			because(m, -SCHED_EINVAL, SCHED_ISLAND_RES_SERVER, SCHED_ISLAND_OK, k, false);
		if (!t->group || !p->group || !in_group(t->group, p->group))
			because(m, -SCHED_EPERM, SCHED_ISLAND_RES_SERVER, SCHED_ISLAND_OK, k, false);
		if (!t->passive)
			because(m, -SCHED_EPATH, SCHED_ISLAND_RES_SERVER, SCHED_ISLAND_NOT_PASSIVE, k,
				false);
	}
	/* a slot; the CPUs no other island holds */
	for (unsigned i = 0; i < NR_ISL; i++)
		free_slots += !w->isl[i].live;
	if (!free_slots)
		because(m, -SCHED_EFULL, SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0, false);
	if (sched_cpumask_intersects(&p->cpus, &w->sim->sys.island_cpus))
		because(m, -SCHED_ELEASED, SCHED_ISLAND_RES_LEASE, SCHED_ISLAND_LEASE,
			first_cpu(&p->cpus), false);
	/* reservations: pages, IRQ lines, servers */
	for (unsigned k = 0; mem_ok && k < p->nr_mem; k++) {
		const struct sched_mem_pool *pool = &w->mpool[p->mem[k].pool];
		uint64_t want = 0;

		for (unsigned j = 0; j < p->nr_mem; j++)
			if (p->mem[j].pool == p->mem[k].pool)
				want += p->mem[j].pages;
		if (want > pool->pages - pool->booked)
			short_by(m, -SCHED_ERESERVE, SCHED_ISLAND_RES_POOL, SCHED_ISLAND_SHORT,
				 p->mem[k].pool, want, pool->pages - pool->booked);
	}
	for (unsigned k = 0; irqs_ok && k < p->nr_irqs; k++)
		for (unsigned i = 0; i < NR_ISL; i++)
			for (unsigned j = 0; w->isl[i].live && j < w->isl[i].ni; j++)
				if (w->isl[i].irq[j].line == p->irqs[k].line)
					because(m, -SCHED_ERESERVE, SCHED_ISLAND_RES_IRQ,
						SCHED_ISLAND_IRQ_TAKEN, k, false);
	for (unsigned k = 0; servers_ok && k < p->nr_servers; k++) {
		unsigned j = 0;

		if (server_of(w, p->servers[k].t.t, &j) >= 0)
			because(m, -SCHED_ERESERVE, SCHED_ISLAND_RES_SERVER, SCHED_ISLAND_SERVER_TAKEN, k,
				false);
	}
	/* the analysis: placement, global clusters, paths */
	for (unsigned i = 0; i < 4; i++)
		m->cpu_of[i] = SCHED_RT_NO_CPU;
	if (members_ok && cpus_ok && irqs_ok && shape_ok) {
		load_of(w, &l);
		for (unsigned k = 0; k < p->nr_irqs; k++)
			add_irq(&l, &p->irqs[k]);
		model_place(w, q, &l, m);
		model_global(w, q, m);
		model_irq_cpus(w, q, &l, m);
	} else {
		m->lost = true;
	}
	if (paths_ok && servers_ok && shape_ok)
		model_paths(w, q, m, members_ok && cpus_ok && irqs_ok);
	if (p->cpu_mode == SCHED_ISLAND_LEASED && cpus_ok && p->group)
		model_lease(w, q, m);
	if (p->cpu_mode == SCHED_ISLAND_SHARED && cpus_ok && shape_ok)
		model_shared(w, q, m);
}

/* --- generating a request --------------------------------------------------------------------- */

/* An online CPU no lease holds and no configured SC covers (where an island fits), from a
 * random start; else any online CPU. */
static unsigned free_cpu(struct world *w)
{
	unsigned n = w->sim->cfg.cpus, start = rnd(w, n);

	for (unsigned j = 0; j < n; j++) {
		unsigned c = (start + j) % n;
		bool used = !cpu_usable(w, c) || lease_on(w, c);

		for (unsigned i = 0; i < POOL && !used; i++)
			used = w->scs[i].state == SCHED_SC_CONFIGURED && sched_cpumask_test(&w->scs[i].cpus, c);
		if (!used)
			return c;
	}
	return online_cpu(w);
}

/* An island's CPUs: one or two online CPUs where it may fit mostly, any online ones, now and
 * then every CPU, none, or one past the machine or offline. */
static void isl_cpus(struct world *w, sched_cpumask_t *m)
{
	unsigned n = w->sim->cfg.cpus;

	sched_cpumask_clear(m);
	switch (rnd(w, 64)) {
	case 0:
		break; /* none */
	case 1: case 2:
		sched_cpumask_fill(m, n);
		break;
	case 3:
		sched_cpumask_set(m, n + rnd(w, 4));
		break;
	case 4:
		sched_cpumask_set(m, rnd(w, n)); /* offline, perhaps */
		break;
	case 5: case 6: case 7: case 8: case 9: case 10: case 11: case 12:
		sched_cpumask_set(m, online_cpu(w));
		if (rnd(w, 2))
			sched_cpumask_set(m, online_cpu(w));
		break;
	default:
		sched_cpumask_set(m, free_cpu(w));
		if (rnd(w, 3) == 0)
			sched_cpumask_set(m, free_cpu(w));
		break;
	}
}

/* A CPU of m, at random (0 if none). */
static unsigned cpu_in(struct world *w, const sched_cpumask_t *m)
{
	unsigned n = nr_cpus_of(m), k;

	if (!n)
		return 0;
	k = rnd(w, n);
	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++)
		if (sched_cpumask_test(m, c) && k-- == 0)
			return c;
	return 0;
}

/*
 * Member i of q: a fresh SC mostly, or (one in eight each) a configured SC of sc_op's, the
 * SC of member 0 again, a slot past the pool, a stale or rightless capability of a fresh
 * one; parameters that fit (0.02 .. 0.25 ms every 1 .. 8 ms, implicit deadlines mostly),
 * partitioned on one of the island's CPUs or over all of them, or global; now and then
 * malformed. False when no SC is left to create.
 */
static bool gen_member(struct world *w, struct ireq *q, unsigned i, struct sched_group *owner,
		       const sched_cpumask_t *cpus, bool global)
{
	struct sched_island_member *m = &q->m[i];
	struct sched_sc_params *p = &m->p;
	uint64_t period = (1 + rnd(w, 8)) * MS;
	unsigned kind = rnd(w, 64);

	memset(m, 0, sizeof(*m));
	p->period_ns = period;
	p->budget_ns = (20 + rnd(w, 230)) * US;
	if (rnd(w, 4) == 0)
		p->deadline_ns = 2 * p->budget_ns +
				 rnd(w, (unsigned)((period - 2 * p->budget_ns) / US) + 1) * US;
	if (rnd(w, 16) == 0)
		p->blocking_ns = rnd(w, 20) * US;
	p->mode = (uint8_t)rnd(w, 2);
	if (p->mode == SCHED_SC_CBS && rnd(w, 16))
		p->deadline_ns = 0; /* a CBS member keeps its period as its deadline, mostly */
	p->dispatch = rnd(w, 4) && !global ? SCHED_SC_PARTITIONED : SCHED_SC_GLOBAL;
	p->cpus = *cpus;
	if (p->dispatch == SCHED_SC_PARTITIONED && rnd(w, 2) && !sched_cpumask_empty(cpus)) {
		sched_cpumask_clear(&p->cpus);
		sched_cpumask_set(&p->cpus, cpu_in(w, cpus));
	}
	switch (rnd(w, 400)) { /* malformed */
	case 0: p->budget_ns = period + US; break;
	case 1: p->budget_ns = SCHED_SC_BUDGET_MIN_NS - 1; break;
	case 2: sched_cpumask_set(&p->cpus, rnd(w, w->sim->cfg.cpus)); break; /* maybe outside */
	case 3: p->deadline_ns = p->budget_ns - US; break;
	default: break;
	}
	m->name = "member";
	if (kind == 0) { /* a configured SC of sc_op's */
		for (unsigned j = 0; j < NR_SCS; j++)
			if (w->made[j] && w->scs[w->cap[j].index].state == SCHED_SC_CONFIGURED) {
				m->sc = w->cap[j];
				return true;
			}
	}
	if (kind == 1 && i > 0) { /* member 0's again */
		m->sc = q->m[0].sc;
		return true;
	}
	if (kind == 2) {
		m->sc = (struct sched_sc_cap){ POOL + rnd(w, 4), 1, SCHED_SC_ALL };
		return true;
	}
	if (!isc_new(w, owner, &m->sc))
		return false;
	q->made[q->nmade++] = m->sc;
	if (kind == 3)
		m->sc.gen++;
	else if (kind == 4)
		m->sc = sched_sc_cap_restrict(m->sc, SCHED_SC_READ | SCHED_SC_BIND);
	return true;
}

/* A passive thread of g allowed on CPU c only, not another island's server (a new one if
 * there is room), or NULL. */
static struct sched_thread *find_server(struct world *w, const struct ireq *q,
				       struct sched_group *g, unsigned c)
{
	sched_cpumask_t one;
	struct sim_thread *t;
	unsigned start = rnd(w, w->n), k;

	sched_cpumask_clear(&one);
	sched_cpumask_set(&one, c);
	for (unsigned j = 0; j < w->n; j++) {
		const struct sched_thread *x = &w->t[(start + j) % w->n]->st;
		bool mine = false;

		for (unsigned i = 0; i < q->p.nr_servers; i++)
			mine |= q->s[i].t.t == x;
		if (x->state != SCHED_EXITED && x->passive && x->group == g && !x->own_sc &&
		    same_cpus(&x->affinity, &one) && server_of(w, x, &k) < 0 && !mine)
			return &w->t[(start + j) % w->n]->st;
	}
	t = cpu_usable(w, c) ? spawn_in(w, g, &one, true) : NULL;
	return t ? &t->st : NULL;
}

/* Servers and paths: each server called by one member (or, now and then, by the server
 * before it), pinned to that member's CPU; sometimes a thread that is not passive, one
 * exited, one twice, another island's, none; a second caller, a path to no server. */
static void gen_paths(struct world *w, struct ireq *q)
{
	struct sched_island_params *p = &q->p;
	unsigned ns = 1 + rnd(w, 2), np = 0;

	p->servers = q->s;
	p->paths = q->path;
	for (unsigned j = 0; j < ns; j++) {
		p->nr_servers = j; /* the ones chosen so far (find_server skips them) */
		unsigned from = rnd(w, p->nr_members), k, v = rnd(w, 48);
		struct sched_island_member *m = &q->m[from];
		unsigned c = sched_cpumask_empty(&m->p.cpus) ? online_cpu(w) : first_cpu(&m->p.cpus);
		struct sched_thread *t = NULL;

		if (v == 0) {
			t = &any_thread(w)->st; /* not passive, mostly */
		} else if (v == 1 && w->old[rnd(w, w->n)].t) {
			q->s[j] = (struct sched_island_server){ w->old[rnd(w, w->n)], "old" };
		} else if (v == 2 && j > 0) {
			q->s[j] = q->s[0];
		} else if (v == 3) {
			for (unsigned i = 0; i < NR_ISL && !t; i++)
				if (w->isl[i].live && w->isl[i].ns)
					t = w->isl[i].srv[0].t;
		} else if (v == 4) {
			q->s[j] = (struct sched_island_server){ { NULL, 0 }, "none" };
		}
		if (!t && v > 4)
			t = find_server(w, q, p->group ? p->group : &w->groups[0], c);
		if (t)
			q->s[j] = (struct sched_island_server){ sched_ref_of(t), "server" };
		else if (v > 4 || (v == 0 || v == 3))
			q->s[j] = (struct sched_island_server){ sched_ref_of(&any_thread(w)->st), "any" };
		/* its member runs where it may: on its CPU alone, mostly */
		if (m->p.dispatch == SCHED_SC_PARTITIONED && rnd(w, 4) && q->s[j].t.t &&
		    nr_cpus_of(&q->s[j].t.t->affinity) == 1 &&
		    sched_cpumask_subset(&q->s[j].t.t->affinity, &p->cpus))
			m->p.cpus = q->s[j].t.t->affinity;
		k = j > 0 && rnd(w, 6) == 0 ? (SCHED_ISLAND_FROM_SERVER | (j - 1)) : from;
		p->nr_servers = j + 1;
		q->path[np] = (struct sched_island_path){ .from = (uint16_t)k, .to = (uint16_t)j,
			.calls = 1 + rnd(w, 3) };
		/* within a quarter of its caller's budget, mostly */
		q->path[np].cost_ns = (5 + rnd(w, (unsigned)(m->p.budget_ns / US / 4 / q->path[np].calls) +
					     (rnd(w, 8) ? 1 : 40))) * US;
		np++;
	}
	switch (rnd(w, 40)) {
	case 0: q->path[rnd(w, np)].to = (uint16_t)ns; break;      /* to no server */
	case 1: q->path[rnd(w, np)].calls = 0; break;
	case 2: q->path[rnd(w, np)].from = (uint16_t)(p->nr_members + 2); break;
	case 3: /* a second caller */
		q->path[np] = q->path[0];
		q->path[np++].from = (uint16_t)rnd(w, p->nr_members);
		break;
	case 4: /* a server calling itself: no member reaches it */
		q->path[0].from = SCHED_ISLAND_FROM_SERVER | q->path[0].to;
		break;
	case 5: q->path[rnd(w, np)].calls = 40; break;              /* over the budget */
	default: break;
	}
	p->nr_paths = np;
}

static void gen_irqs(struct world *w, struct ireq *q)
{
	struct sched_island_params *p = &q->p;
	unsigned ni = 1 + (rnd(w, 4) == 0);

	for (unsigned k = 0; k < ni; k++) {
		struct sched_island_irq *x = &q->irq[k];
		unsigned from = rnd(w, p->nr_members);

		x->line = 1 + rnd(w, NR_LINES);
		x->cpu = (uint16_t)(rnd(w, 3) ? first_cpu(&q->m[from].p.cpus) : cpu_in(w, &p->cpus));
		x->min_gap_ns = (1 + rnd(w, 5)) * MS;
		x->cost_ns = (5 + rnd(w, 16)) * US;
		x->name = "irq";
		switch (rnd(w, 64)) {
		case 0: x->cost_ns = x->min_gap_ns + 1; break;
		case 1: x->cpu = (uint16_t)rnd(w, w->sim->cfg.cpus); break; /* maybe outside */
		case 2: x->min_gap_ns = 0; break;
		case 3: if (k) x->line = q->irq[0].line; break;
		default: break;
		}
	}
	p->irqs = q->irq;
	p->nr_irqs = ni;
}

static void gen_mem(struct world *w, struct ireq *q)
{
	unsigned n = 1 + rnd(w, 2);

	for (unsigned k = 0; k < n; k++) {
		q->mem[k] = (struct sched_island_mem){ (uint16_t)rnd(w, NR_MPOOLS), 1 + rnd(w, 6) };
		if (rnd(w, 64) == 0)
			q->mem[k].pool = NR_MPOOLS;
		else if (rnd(w, 64) == 0)
			q->mem[k].pages = 0;
	}
	q->p.mem = q->mem;
	q->p.nr_mem = n;
}

/* The SCs made for a refused request go back to the pool. */
static void drop_made(struct world *w, const struct ireq *q)
{
	for (unsigned k = 0; k < q->nmade; k++)
		assert_int_equal(sched_sc_revoke(&w->sim->sys, q->made[k]), 0);
}

static void count_isl_refusal(int r)
{
	switch (-r) {
	case SCHED_EINVAL: ist[I_EINVAL]++; break;
	case SCHED_ECPU: ist[I_ECPU]++; break;
	case SCHED_ESTALE: ist[I_ESTALE]++; break;
	case SCHED_EPERM: ist[I_EPERM]++; break;
	case SCHED_ESTATE: ist[I_ESTATE]++; break;
	case SCHED_EFULL: ist[I_EFULL]++; break;
	case SCHED_ELEASED: ist[I_ELEASED]++; break;
	case SCHED_ERESERVE: ist[I_ERESERVE]++; break;
	case SCHED_EPATH: ist[I_EPATH]++; break;
	case SCHED_EUNSCHED: ist[I_EUNSCHED]++; break;
	default: break;
	}
}

/* The result is one the model allows. */
static void check_result(struct world *w, const char *call, const struct imodel *m, int r,
			 const struct sched_island_verdict *v, const struct sched_island_params *p)
{
	char line[200] = "";

	if (v)
		sched_island_explain(v, p, w->mpool, line, sizeof(line));
	if (m->want ? r < 0 && -r < 32 && ((m->want | m->maybe) & BIT(-r))
		    : r == 0 || (r < 0 && -r < 32 && (m->maybe & BIT(-r))))
		return;
	dump(w);
	mfail("%s returned %d (%s: \"%s\"); the model gives 0x%x, maybe 0x%x (error bits; 0: "
	      "success)", call, r, sched_strerror(r), line, m->want, m->maybe);
}

/* A refusal: the verdict says it and names a reason the model found; *out untouched. */
static void check_refusal(struct world *w, const char *call, const struct imodel *m, int r,
			  const struct sched_island_verdict *v, const struct sched_island_params *p)
{
	char line[200];

	if (!v)
		return;
	sched_island_explain(v, p, w->mpool, line, sizeof(line));
	if (v->accepted || v->err != r || !named(m, r, v))
		mfail("%s returned %d; its verdict (accepted %u, err %d, resource %u, test %u, index "
		      "%u, demand %llu, supply %llu: \"%s\") names no reason the model found", call, r,
		      v->accepted, v->err, v->resource, v->test, v->index,
		      (unsigned long long)v->demand, (unsigned long long)v->supply, line);
}

/* Member SC `cap`, configured by an island (isl) with params p: inside p's CPUs, on the
 * predicted CPU if predicted, with the island's overrun policy and endpoint. */
static void check_member_sc(struct world *w, unsigned isl, struct sched_sc_cap cap,
			    const struct sched_sc_params *p, uint16_t cpu, uint16_t predicted,
			    uint8_t overrun, uint32_t endpoint)
{
	const struct sched_sc *sc = &w->scs[cap.index];
	bool part = partitioned(p);

	if (sc->state != SCHED_SC_CONFIGURED || sc->gen != cap.gen || sc->island != &w->ipool[isl] ||
	    sc->budget != p->budget_ns || sc->period != p->period_ns || sc->overrun != overrun ||
	    sc->endpoint != endpoint || !sched_cpumask_subset(&sc->cpus, &p->cpus) ||
	    (part ? nr_cpus_of(&sc->cpus) != 1 || (cpu != SCHED_RT_NO_CPU && cpu != first_cpu(&sc->cpus))
		  : !same_cpus(&sc->cpus, &p->cpus) || cpu != SCHED_RT_NO_CPU) ||
	    (predicted != SCHED_RT_NO_CPU && first_cpu(&sc->cpus) != predicted))
		mfail("island %u: member SC %u state %u on cpus %llx (asked %llx, %s, verdict cpu %u, "
		      "predicted %u), overrun %u endpoint %u", isl, cap.index, sc->state,
		      (unsigned long long)sc->cpus.w[0], (unsigned long long)p->cpus.w[0],
		      part ? "partitioned" : "global", cpu, predicted, sc->overrun, sc->endpoint);
	ist[I_PLACED] += predicted != SCHED_RT_NO_CPU;
}

static void bind_member(struct world *w, int i, int k, unsigned v);

/*
 * Admit a random island. The result must be one the model allows; a refusal names one of
 * the model's reasons and changes nothing (the SCs made for it are revoked afterwards); an
 * admission configures, books, routes, marks and leases as island.h says.
 */
static void island_admit_op(struct world *w)
{
	struct sim *sim = w->sim;
	struct sched_island_params *p;
	struct sched_island_verdict v;
	struct sched_island_cap cap = { 99, 99 };
	struct ireq q;
	struct imodel m;
	struct irec *x;
	uint64_t port_before[SCHED_MAX_CPUS][2], booked[NR_MPOOLS], irq_before = irq_calls[1];
	struct sched_group *g = rnd(w, 128) ? &w->groups[rnd(w, 3)] : NULL;
	unsigned nm = rnd(w, 128) ? 1 + rnd(w, 3) : 0;
	static unsigned quick;
	bool pending = false, global, compare;
	int r;

	memset(&q, 0, sizeof(q));
	p = &q.p;
	p->group = g;
	isl_cpus(w, &p->cpus);
	p->cpu_mode = (uint8_t)(rnd(w, 128) ? rnd(w, 2) : 2);
	p->overrun = (uint8_t)(rnd(w, 128) ? rnd(w, 3) : 7);
	p->endpoint = rnd(w, 2) ? 0 : 40 + rnd(w, 8);
	p->name = "island";
	p->members = q.m;
	p->nr_members = nm;
	global = nr_cpus_of(&p->cpus) > 1 && rnd(w, 3) == 0; /* every member over every CPU */
	sim_enter(sim, online_cpu(w));
	for (unsigned i = 0; i < nm; i++)
		if (!gen_member(w, &q, i, g ? g : &w->groups[0], &p->cpus, global)) {
			drop_made(w, &q);
			ist[I_NO_SC]++;
			return;
		}
	if (nm && rnd(w, 2) == 0)
		gen_paths(w, &q);
	if (nm && rnd(w, 3) == 0)
		gen_irqs(w, &q);
	if (rnd(w, 3) == 0)
		gen_mem(w, &q);
	q.tok = isl_token(w, &q.which);
	q.null_v = rnd(w, 8) == 0;
	q.null_out = rnd(w, 128) == 0;
	model_admit(w, &q, &m);
	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++)
		for (unsigned d = 0; d < 2; d++)
			port_before[c][d] = port_calls[c][d];
	for (unsigned k = 0; k < NR_MPOOLS; k++)
		booked[k] = w->mpool[k].booked;
	ist[I_ADMITS]++;
	compare = w->admission || ++quick % 8 == 0; /* without admission: -SCHED_ESTATE or earlier */
	if (compare)
		snap(w);
	r = sched_island_admit(&sim->sys, q.tok, p, q.null_out ? NULL : &cap, q.null_v ? NULL : &v);
	TR("  island admit cpus %llx mode %u group %d members %u servers %u paths %u irqs %u mem %u "
	   "auth %u: %d (slot %u)\n", (unsigned long long)p->cpus.w[0], p->cpu_mode,
	   g ? (int)(g - w->groups) : -1, nm, p->nr_servers, p->nr_paths, p->nr_irqs, p->nr_mem,
	   q.which, r, cap.index);
	check_result(w, "sched_island_admit", &m, r, q.null_v ? NULL : &v, p);
	if (r < 0) {
		check_refusal(w, "sched_island_admit", &m, r, q.null_v ? NULL : &v, p);
		if (cap.index != 99 || cap.gen != 99)
			mfail("a refused sched_island_admit wrote its capability");
		if (compare)
			unchanged(w, "sched_island_admit", r);
		drop_made(w, &q);
		count_isl_refusal(r);
		ist[I_LEASE_REFUSED] += !q.null_v && v.resource == SCHED_ISLAND_RES_LEASE &&
					r != -SCHED_ELEASED;
		ist[I_MAYBE] += !(m.want & BIT(-r));
		return;
	}
	ist[I_MAYBE] += m.maybe != 0;
	if (m.mig)
		mfail("sched_island_admit leased cpus %llx while thread %u, which may run only there, "
		      "was migrating there", (unsigned long long)p->cpus.w[0], m.mig->id);
	if (cap.index >= NR_ISL || w->isl[cap.index].live || w->ipool[cap.index].state != 1 ||
	    w->ipool[cap.index].gen != cap.gen || (!q.null_v && (!v.accepted || v.err)))
		mfail("sched_island_admit gave capability {%u, %u}, which names no new island",
		      cap.index, cap.gen);
	x = &w->isl[cap.index];
	*x = (struct irec){ .live = true, .cap = cap, .cpus = p->cpus, .mode = p->cpu_mode,
			    .group = g, .endpoint = p->endpoint, .nm = nm, .ns = p->nr_servers,
			    .np = p->nr_paths, .ni = p->nr_irqs, .nmem = p->nr_mem };
	for (unsigned i = 0; i < nm; i++) {
		check_member_sc(w, cap.index, q.m[i].sc, &q.m[i].p,
				q.null_v ? SCHED_RT_NO_CPU : v.cpu_of[i], m.cpu_of[i], p->overrun,
				p->endpoint);
		x->m[i] = q.m[i].sc;
		x->in[i] = true;
	}
	for (unsigned k = 0; k < p->nr_servers; k++) {
		x->srv[k] = q.s[k].t;
		if (q.s[k].t.t->isl_server != &w->ipool[cap.index] || q.s[k].t.t->isl_server_idx != k)
			mfail("server %u of island %u not marked", q.s[k].t.t->id, cap.index);
	}
	memcpy(x->path, q.path, sizeof(x->path[0]) * p->nr_paths);
	memcpy(x->irq, q.irq, sizeof(x->irq[0]) * p->nr_irqs);
	memcpy(x->mem, q.mem, sizeof(x->mem[0]) * p->nr_mem);
	for (unsigned k = 0; k < p->nr_mem; k++)
		booked[p->mem[k].pool] += p->mem[k].pages;
	for (unsigned k = 0; k < NR_MPOOLS; k++)
		if (w->mpool[k].booked != booked[k])
			mfail("pool %u booked %llu pages after an admission, %llu expected", k,
			      (unsigned long long)w->mpool[k].booked, (unsigned long long)booked[k]);
	if (irq_calls[1] != irq_before + p->nr_irqs)
		mfail("island_irq called %llu times for %u IRQs",
		      (unsigned long long)(irq_calls[1] - irq_before), p->nr_irqs);
	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
		bool in = sched_cpumask_test(&p->cpus, c);
		/* a lease: each kind; a shared island: the IRQs, when it is the first over c */
		uint64_t calls = !in ? 0 : p->cpu_mode == SCHED_ISLAND_LEASED ? 3 : shared_on(w, c) == 1;

		if (port_calls[c][1] != port_before[c][1] + calls || port_calls[c][0] != port_before[c][0])
			mfail("lease_port called %llu/%llu times for cpu %u at an admission (%s, %s)",
			      (unsigned long long)(port_calls[c][1] - port_before[c][1]),
			      (unsigned long long)(port_calls[c][0] - port_before[c][0]), c,
			      in ? "the island's" : "not the island's",
			      p->cpu_mode == SCHED_ISLAND_LEASED ? "leased" : "shared");
	}
	ist[I_ADMITTED]++;
	ist[p->cpu_mode == SCHED_ISLAND_LEASED ? I_LEASED : I_SHARED]++;
	for (unsigned i = 0; i < nm; i++)
		if (!partitioned(&q.m[i].p)) {
			ist[I_GLOBAL]++;
			break;
		}
	ist[I_PATHS] += p->nr_paths != 0;
	ist[I_IRQS] += p->nr_irqs != 0;
	ist[I_MEM] += p->nr_mem != 0;
	if (p->cpu_mode == SCHED_ISLAND_LEASED) { /* its lease: a group lease to g */
		struct sched_lease_cap lc = w->ipool[cap.index].lease;
		const struct sched_lease *l = lc.index < NR_LEASES ? &w->lpool[lc.index] : NULL;
		struct lrec *nl;

		if (!l || l->gen != lc.gen || l->state == SCHED_LEASE_FREE || !l->island ||
		    l->group != g || l->thread || l->target != g || !same_cpus(&l->cpus, &p->cpus) ||
		    w->lease[lc.index].live)
			mfail("leased island %u holds lease {%u, %u}, which is not its group's over its "
			      "CPUs", cap.index, lc.index, lc.gen);
		x->lease = lc.index;
		nl = &w->lease[lc.index];
		*nl = (struct lrec){ .live = true, .cap = lc, .cpus = p->cpus, .group = g, .target = g,
				     .since = sim->now, .island = true };
		for (unsigned c = 0; c < sim->cfg.cpus; c++)
			if (sched_cpumask_test(&p->cpus, c) && !holds(nl, sim->rq[c].curr)) {
				w->leaving[c] = sim->rq[c].curr;
				pending = true;
			}
		nl->pending = pending;
		lst[L_PENDING] += pending;
		check_leases(w);
	}
	for (unsigned i = 0; i < nm && rnd(w, 4); i++) /* its threads bind, as a kernel's would */
		bind_member(w, (int)cap.index, (int)i, 2 + rnd(w, 6));
}

/* Island i ended (revoked, or by owner with `cause`): its SCs free, its servers unmarked,
 * its IRQs unrouted, its lease over; its capability stale. */
static void island_gone(struct world *w, unsigned i, unsigned cause)
{
	struct irec *x = &w->isl[i];

	if (w->ipool[i].state || w->ipool[i].gen == x->cap.gen)
		mfail("revoked island %u still admitted (state %u, gen %u)", i, w->ipool[i].state,
		      w->ipool[i].gen);
	for (unsigned k = 0; k < x->nm; k++)
		if (x->in[k] && w->scs[x->m[k].index].state != SCHED_SC_FREE &&
		    w->scs[x->m[k].index].gen == x->m[k].gen)
			mfail("member SC %u of revoked island %u lives", x->m[k].index, i);
	for (unsigned k = 0; k < x->ns; k++)
		if (ref_live(x->srv[k]) && x->srv[k].t->isl_server)
			mfail("server %u of revoked island %u still marked", x->srv[k].t->id, i);
	for (unsigned k = 0; k < x->ni; k++)
		if (irq_route[x->irq[k].line])
			mfail("IRQ line %u of revoked island %u still routed", x->irq[k].line, i);
	x->live = false;
	if (x->mode == SCHED_ISLAND_LEASED)
		lease_ended(w, x->lease, cause);
	w->istale[w->nistale++ % NR_ISTALE] = x->cap;
}

/* The lease_port calls a revocation of islands hit[] makes, per CPU: each kind for a leased
 * island's CPU; the IRQs let back to a shared one's when no shared island is left over it. */
static void port_calls_expected(struct world *w, const bool *hit, uint64_t (*before)[2])
{
	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
		uint64_t n = 0;
		unsigned shared = 0;

		for (unsigned i = 0; i < NR_ISL; i++)
			if (hit[i] && sched_cpumask_test(&w->isl[i].cpus, c)) {
				n += w->isl[i].mode == SCHED_ISLAND_LEASED ? 3 : 0;
				shared += w->isl[i].mode == SCHED_ISLAND_SHARED;
			}
		n += shared && shared == shared_on(w, c);
		if (port_calls[c][0] != before[c][0] + n || port_calls[c][1] != before[c][1])
			mfail("lease_port called %llu times for cpu %u at a revocation, %llu expected",
			      (unsigned long long)(port_calls[c][0] - before[c][0]), c,
			      (unsigned long long)n);
	}
}

/* Revoke an island: a live one (with any authority: only SC control over its CPUs is
 * needed), or a stale or guessed capability (-SCHED_ESTALE). */
static void island_revoke_op(struct world *w)
{
	struct sim *sim = w->sim;
	unsigned i = rnd(w, NR_ISL), which;
	struct sched_auth tok = isl_token(w, &which);
	struct sched_island_cap cap;
	bool live = w->isl[i].live && rnd(w, 8), hit[NR_ISL] = { false }, compare;
	uint64_t before[SCHED_MAX_CPUS][2];
	static unsigned quick;
	int want, r;

	if (live) {
		cap = w->isl[i].cap;
		want = isl_auth(w, which, w->isl[i].group, &w->isl[i].cpus, false);
	} else {
		if (w->nistale && rnd(w, 2)) {
			cap = w->istale[rnd(w, w->nistale < NR_ISTALE ? w->nistale : NR_ISTALE)];
		} else {
			cap.index = rnd(w, NR_ISL + 1);
			cap.gen = cap.index < NR_ISL ? w->ipool[cap.index].gen + 1 + rnd(w, 2) : rnd(w, 4);
		}
		want = -SCHED_ESTALE;
	}
	sim_enter(sim, online_cpu(w));
	if (!want)
		check_all_charged(w); /* its SCs' figures go with it */
	memcpy(before, port_calls, sizeof(before));
	compare = live || ++quick % 4 == 0; /* a stale capability: now and then */
	if (compare)
		snap(w);
	r = sched_island_revoke(&sim->sys, tok, cap);
	TR("  island revoke {%u, %u} auth %u: %d\n", cap.index, cap.gen, which, r);
	if (r != want)
		mfail("sched_island_revoke of a %s capability {%u, %u} with authority %u returned %d, "
		      "not %d", live ? "live" : "stale", cap.index, cap.gen, which, r, want);
	if (r < 0) {
		if (compare)
			unchanged(w, "sched_island_revoke", r);
		ist[I_REVOKE_REFUSED]++;
		return;
	}
	hit[i] = true;
	port_calls_expected(w, hit, before);
	island_gone(w, i, SCHED_LEASE_REVOKED);
	note_runs(w);
	ist[I_REVOKE]++;
}

/* Revoke the islands of a group subtree: exactly those whose group is in it. */
static void island_revoke_owned_op(struct world *w)
{
	static const unsigned cause[] = { [SCHED_GROUP_PROCESS] = SCHED_LEASE_HOLDER_EXIT,
					  [SCHED_GROUP_SESSION] = SCHED_LEASE_SESSION,
					  [SCHED_GROUP_SERVICE] = SCHED_LEASE_SERVICE };
	struct sim *sim = w->sim;
	struct sched_group *owner = rnd(w, 16) ? &w->groups[rnd(w, 3)] : NULL;
	unsigned which, count = 0;
	struct sched_auth tok = isl_token(w, &which);
	const struct sched_authority *a = which == 0 ? &sim->sys.root_authority
					: which == 5 ? &w->iauth : &w->auth[which - 1];
	bool hit[NR_ISL] = { false };
	uint64_t before[SCHED_MAX_CPUS][2];
	int want = 0, r;

	if (!owner)
		want = -SCHED_EINVAL;
	else if (which == 4)
		want = -SCHED_ESTALE;
	else if (!(a->rights & SCHED_RIGHT_SC_CONTROL) || (a->scope && !in_group(owner, a->scope)))
		want = -SCHED_EPERM;
	for (unsigned i = 0; !want && i < NR_ISL; i++) {
		hit[i] = w->isl[i].live && in_group(w->isl[i].group, owner);
		count += hit[i];
	}
	sim_enter(sim, online_cpu(w));
	if (count)
		check_all_charged(w);
	memcpy(before, port_calls, sizeof(before));
	snap(w);
	r = sched_island_revoke_owned(&sim->sys, tok, owner);
	TR("  island revoke_owned group %d auth %u: %d\n", owner ? (int)(owner - w->groups) : -1,
	   which, r);
	ist[I_OWNED]++;
	if (r != (want ? want : (int)count))
		mfail("sched_island_revoke_owned returned %d, expected %d", r, want ? want : (int)count);
	if (r <= 0) {
		unchanged(w, "sched_island_revoke_owned", r);
		return;
	}
	port_calls_expected(w, hit, before);
	for (unsigned i = 0; i < NR_ISL; i++)
		if (hit[i]) {
			island_gone(w, i, cause[owner->kind]);
			ist[I_OWNED_REVOKED]++;
		}
	note_runs(w);
}

/* A live island at random, from a random start (its index), or -1. */
static int live_island(struct world *w)
{
	unsigned start = rnd(w, NR_ISL);

	for (unsigned j = 0; j < NR_ISL; j++)
		if (w->isl[(start + j) % NR_ISL].live)
			return (int)((start + j) % NR_ISL);
	return -1;
}

/* A live member slot of island i at random, or -1. */
static int live_member(struct world *w, unsigned i)
{
	const struct irec *x = &w->isl[i];
	unsigned start = x->nm ? rnd(w, x->nm) : 0;

	for (unsigned j = 0; j < x->nm; j++)
		if (x->in[(start + j) % x->nm])
			return (int)((start + j) % x->nm);
	return -1;
}

/* Add one member to a live island (or through a stale capability): the checks of an
 * admission for that SC alone, the analysis of its CPU or cluster; it takes the first free
 * member slot. */
static void island_add_op(struct world *w)
{
	struct sim *sim = w->sim;
	int i = live_island(w);
	struct ireq q;
	struct imodel m;
	struct sched_island_verdict v;
	struct sched_island_cap cap;
	struct irec *x;
	unsigned slot = 0;
	bool stale = i < 0 || rnd(w, 16) == 0;
	struct load l;
	int e, r;

	memset(&q, 0, sizeof(q));
	memset(&m, 0, sizeof(m));
	if (stale) {
		if (!w->nistale)
			return;
		cap = w->istale[rnd(w, w->nistale < NR_ISTALE ? w->nistale : NR_ISTALE)];
		i = -1;
	} else {
		cap = w->isl[i].cap;
	}
	x = i >= 0 ? &w->isl[i] : NULL;
	if (x) {
		while (slot < x->nm && x->in[slot])
			slot++;
		if (slot >= ISL_MEMBERS)
			return; /* the test keeps 6 */
	}
	q.p = (struct sched_island_params){ .group = x ? x->group : &w->groups[0],
					     .cpus = x ? x->cpus : w->isl[0].cpus,
					     .cpu_mode = x ? x->mode : 0, .members = q.m, .nr_members = 1 };
	if (!q.p.group)
		q.p.group = &w->groups[0];
	sim_enter(sim, online_cpu(w));
	if (!gen_member(w, &q, 0, q.p.group, &q.p.cpus, false)) {
		ist[I_NO_SC]++;
		return;
	}
	q.tok = isl_token(w, &q.which);
	q.null_v = rnd(w, 8) == 0;
	for (unsigned k = 0; k < 4; k++)
		m.cpu_of[k] = SCHED_RT_NO_CPU;
	if (!x) {
		because(&m, -SCHED_ESTALE, SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0, false);
	} else if ((e = isl_auth(w, q.which, x->group, &x->cpus, x->mode == SCHED_ISLAND_LEASED))) {
		because(&m, e, SCHED_ISLAND_RES_NONE, SCHED_ISLAND_OK, 0, false);
	} else if (model_members(w, &q, &m)) {
		load_of(w, &l);
		model_place(w, &q, &l, &m);
		model_global(w, &q, &m);
	}
	ist[I_ADD]++;
	snap(w);
	r = sched_island_add_sc(&sim->sys, q.tok, cap, &q.m[0], q.null_v ? NULL : &v);
	TR("  island add slot %u to {%u, %u} auth %u: %d\n", slot, cap.index, cap.gen, q.which, r);
	check_result(w, "sched_island_add_sc", &m, r, q.null_v ? NULL : &v, &q.p);
	if (r < 0) {
		check_refusal(w, "sched_island_add_sc", &m, r, q.null_v ? NULL : &v, &q.p);
		unchanged(w, "sched_island_add_sc", r);
		drop_made(w, &q);
		return;
	}
	if (!q.null_v && (v.index != slot || !v.accepted))
		mfail("sched_island_add_sc put the member in slot %u, the first free one is %u",
		      v.index, slot);
	check_member_sc(w, (unsigned)i, q.m[0].sc, &q.m[0].p,
			q.null_v ? SCHED_RT_NO_CPU : v.cpu_of[0], m.cpu_of[0], w->ipool[i].overrun,
			x->endpoint);
	x->m[slot] = q.m[0].sc;
	x->in[slot] = true;
	if (slot >= x->nm)
		x->nm = slot + 1;
	ist[I_ADD_OK]++;
}

/* Remove one member: a live one (its SC revoked, its paths dropped), one not in the island
 * (-SCHED_EINVAL), through a stale capability or an authority that may not. */
static void island_remove_op(struct world *w)
{
	struct sim *sim = w->sim;
	int i = live_island(w), k = i >= 0 ? live_member(w, (unsigned)i) : -1, want;
	unsigned which, v = rnd(w, 8);
	struct sched_auth tok = isl_token(w, &which);
	struct sched_island_cap cap;
	struct sched_sc_cap sc = { POOL, 0, SCHED_SC_ALL };
	struct irec *x = i >= 0 ? &w->isl[i] : NULL;
	int r;

	if (!x || (v == 0 && w->nistale)) {
		if (!w->nistale)
			return;
		cap = w->istale[rnd(w, w->nistale < NR_ISTALE ? w->nistale : NR_ISTALE)];
		want = -SCHED_ESTALE;
		x = NULL;
	} else {
		cap = x->cap;
		want = isl_auth(w, which, x->group, &x->cpus, false);
		if (k >= 0 && v > 2)
			sc = x->m[k];
		else if (v == 1 && w->made[0])
			sc = w->cap[0];
		else if (v == 2 && k >= 0)
			sc = (struct sched_sc_cap){ x->m[k].index, x->m[k].gen + 1, SCHED_SC_ALL };
		if (!want && (k < 0 || v <= 2))
			want = -SCHED_EINVAL; /* not a member */
	}
	sim_enter(sim, online_cpu(w));
	if (!want)
		check_all_charged(w);
	snap(w);
	r = sched_island_remove_sc(&sim->sys, tok, cap, sc);
	TR("  island remove sc %u from {%u, %u} auth %u: %d\n", sc.index, cap.index, cap.gen, which, r);
	ist[I_REMOVE]++;
	if (r != want)
		mfail("sched_island_remove_sc of SC {%u, %u} from island {%u, %u} returned %d, not %d",
		      sc.index, sc.gen, cap.index, cap.gen, r, want);
	if (r < 0) {
		unchanged(w, "sched_island_remove_sc", r);
		return;
	}
	if (w->scs[sc.index].state != SCHED_SC_FREE && w->scs[sc.index].gen == sc.gen)
		mfail("removed member SC %u still lives", sc.index);
	x->in[k] = false;
	{
		unsigned b = 0;

		for (unsigned a = 0; a < x->np; a++) /* its paths go */
			if (x->path[a].from != (uint16_t)k)
				x->path[b++] = x->path[a];
		x->np = b;
	}
	if (w->ipool[i].nr_paths != x->np)
		mfail("island %d keeps %u paths after a removal, %u expected", i, w->ipool[i].nr_paths,
		      x->np);
	note_runs(w);
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		assert_ptr_not_equal(w->ran_on[c], &w->scs[sc.index]);
	ist[I_REMOVE_OK]++;
}

/* A thread that runs on a live island's member SC (an island thread), from a random start:
 * one current on an online CPU if `running` (its CPU in *cpu), else any; NULL if none. */
static struct sched_thread *island_thread(struct world *w, bool running, unsigned *cpu)
{
	struct sim *sim = w->sim;
	unsigned start = rnd(w, running ? sim->cfg.cpus : w->n);

	if (running) {
		for (unsigned j = 0; j < sim->cfg.cpus; j++) {
			unsigned c = (start + j) % sim->cfg.cpus;
			struct sched_thread *t = sim->rq[c].curr;

			if (sim->rq[c].online && t && !t->is_idle && island_of_sc(w, t->sc) >= 0) {
				*cpu = c;
				return t;
			}
		}
		return NULL;
	}
	for (unsigned j = 0; j < w->n; j++) {
		struct sched_thread *t = &w->t[(start + j) % w->n]->st;

		if (t->state != SCHED_EXITED && island_of_sc(w, t->sc) >= 0)
			return t;
	}
	return NULL;
}

/* A server of island i at random (its index in *k), a live one if there is, or NULL. */
static struct sched_thread *island_server(struct world *w, unsigned i, unsigned *k)
{
	const struct irec *x = &w->isl[i];
	unsigned start = x->ns ? rnd(w, x->ns) : 0;

	for (unsigned j = 0; j < x->ns; j++)
		if (ref_live(x->srv[(start + j) % x->ns])) {
			*k = (start + j) % x->ns;
			return x->srv[*k].t;
		}
	return NULL;
}

/*
 * The port reports what a thread did on its realtime path: an island thread's allocation,
 * fault or log is a violation (1); its blocking call is allowed (0) on a declared path to a
 * live server, else a violation refused (-SCHED_EPATH); anything from a thread that is not
 * an island thread is allowed (0). -SCHED_EINVAL for V_CALL and past it, -SCHED_ESTALE for
 * a stale thread. A violation is counted and notified, and changes nothing else.
 */
static void island_report_op(struct world *w)
{
	struct sim *sim = w->sim;
	struct sched_thread *t = rnd(w, 4) ? island_thread(w, false, &(unsigned){ 0 }) : NULL;
	struct sched_ref tr, peer = { NULL, 0 };
	unsigned what = rnd(w, 12), k;
	int isl, want;
	struct vsnap vs;
	int r;

	what = what < 8 ? what % 4 : what < 10 ? SCHED_ISLAND_V_BLOCK : what == 10
	       ? SCHED_ISLAND_V_CALL : SCHED_ISLAND_V_NR + 3;
	tr = t ? sched_ref_of(t) : rnd(w, 8) ? sched_ref_of(&any_thread(w)->st)
	     : rnd(w, 2) ? w->old[rnd(w, w->n)] : (struct sched_ref){ NULL, 0 };
	isl = tr.t && ref_live(tr) ? island_of_sc(w, tr.t->sc) : -1;
	if (what == SCHED_ISLAND_V_BLOCK) {
		struct sched_thread *s = isl >= 0 ? island_server(w, (unsigned)isl, &k) : NULL;
		int from = isl >= 0 ? node_of(w, (unsigned)isl, tr.t) : -1;

		for (unsigned j = 0; from >= 0 && j < w->isl[isl].np && rnd(w, 4); j++)
			if (w->isl[isl].path[j].from == from && ref_live(w->isl[isl].srv[w->isl[isl].path[j].to])) {
				s = w->isl[isl].srv[w->isl[isl].path[j].to].t; /* along its path */
				break;
			}

		peer = s && rnd(w, 4) ? sched_ref_of(s) : rnd(w, 4) ? sched_ref_of(&any_thread(w)->st)
		       : (struct sched_ref){ NULL, 0 };
	}
	if (!tr.t || what >= SCHED_ISLAND_V_CALL)
		want = -SCHED_EINVAL;
	else if (!ref_live(tr))
		want = -SCHED_ESTALE;
	else if (isl < 0 || (what == SCHED_ISLAND_V_BLOCK && ref_live(peer) &&
			     declared(w, (unsigned)isl, tr.t, peer.t)))
		want = 0;
	else
		want = what == SCHED_ISLAND_V_BLOCK ? -SCHED_EPATH : 1;
	sim_enter(sim, online_cpu(w));
	if (want == 1 || want == -SCHED_EPATH)
		violation_before(w, isl, tr.t, &vs);
	else
		snap(w);
	r = sched_island_report(&sim->sys, tr, what, peer);
	TR("  island report thread %u what %u peer %u: %d\n", tr.t ? tr.t->id : 0, what,
	   peer.t ? peer.t->id : 0, r);
	ist[I_REPORT]++;
	if (r != want)
		mfail("sched_island_report by thread %u (island %d) of %u, peer %u, returned %d, not %d",
		      tr.t ? tr.t->id : 0, isl, what, peer.t ? peer.t->id : 0, r, want);
	if (r == 1 || r == -SCHED_EPATH) {
		violation_seen(w, isl, what, tr.t, &vs, "sched_island_report", r);
		ist[I_REPORT_VIOLATION]++;
	} else {
		unchanged(w, "sched_island_report", r);
		ist[I_REPORT_DECLARED] += r == 0 && isl >= 0;
	}
}

/*
 * An island thread current on a CPU calls: a server along a path its island declares (it
 * runs on the caller's SC), or another thread (-SCHED_EPATH, counted against its island);
 * or a server replies to its caller; or, with no island thread running, some thread calls
 * an island's server from outside (-SCHED_EPATH, counted against the server's island).
 */
static void island_call_op(struct world *w)
{
	struct sim *sim = w->sim;
	unsigned c = 0, k;
	struct sched_thread *me = island_thread(w, true, &c), *next = NULL, *to = NULL;
	struct sched_sc *sc;
	struct vsnap vs;
	int mine, isl, r;

	if (!me && rnd(w, 4)) { /* an island thread that waits: woken, it runs at once (EDF) */
		struct sched_thread *t = island_thread(w, false, &c);

		if (t && (t->state == SCHED_BLOCKED || t->state == SCHED_NEW) && !t->waits_on) {
			sim_enter(sim, online_cpu(w));
			r = sched_wake(&sim->sys, sched_ref_of(t), SCHED_WAKE_PARK);
			assert_true(r == 0 || r == -SCHED_EAFFINITY || r == -SCHED_ELENT ||
				    r == -SCHED_ENOSC);
			settle(sim);
			me = island_thread(w, true, &c);
		}
	}
	if (me && me->donor && rnd(w, 3) == 0) { /* a server replies to its caller */
		struct sched_thread *d = me->donor;

		sim_enter(sim, c);
		r = sched_reply(&sim->sys, c, sched_ref_of(d), &next);
		TR("  island reply cpu %u thread %u to %u: %d\n", c, me->id, d->id, r);
		assert_true(r == 0 || r == -SCHED_ESTATE || r == -SCHED_ESTALE || r == -SCHED_EAFFINITY ||
			    r == -SCHED_ELENT || r == -SCHED_ENOSC || r == -SCHED_EDEPTH);
		if (r == 0) {
			sim_switch(sim, c, next);
			ist[I_REPLY]++;
		}
		return;
	}
	if (me) {
		mine = island_of_sc(w, me->sc);
		if (rnd(w, 4)) { /* a server of its island: along a path, mostly */
			const struct irec *x = &w->isl[mine];
			int from = node_of(w, (unsigned)mine, me);

			for (unsigned j = 0; j < x->np && !to; j++)
				if (x->path[j].from == from && rnd(w, 8) &&
				    ref_live(x->srv[x->path[j].to]))
					to = x->srv[x->path[j].to].t;
			if (!to)
				to = island_server(w, (unsigned)mine, &k);
			if (to == me)
				to = NULL;
		}
		if (!to)
			to = &any_thread(w)->st;
	} else { /* from outside, to an island's server */
		int i = live_island(w);

		if (i < 0 || !(to = island_server(w, (unsigned)i, &k)))
			return;
		c = online_cpu(w);
		me = sim->rq[c].curr;
		if (me->is_idle)
			return;
	}
	sc = me->sc;
	isl = path_refusal(w, me, sched_ref_of(to));
	sim_enter(sim, c);
	if (isl >= 0)
		violation_before(w, isl, me, &vs);
	r = sched_call(&sim->sys, c, sched_ref_of(to), &next);
	TR("  island call cpu %u thread %u to %u: %d\n", c, me->id, to->id, r);
	ist[I_CALL]++;
	if (isl >= 0 || r == -SCHED_EPATH) {
		violation_after(w, isl, SCHED_ISLAND_V_CALL, me, &vs, "sched_call", r);
		ist[I_CALL_EPATH]++;
		return;
	}
	assert_true(r == 0 || r == -SCHED_ESTATE || r == -SCHED_ESTALE || r == -SCHED_EAFFINITY ||
		    r == -SCHED_ELENT || r == -SCHED_ENOSC || r == -SCHED_EDEPTH);
	if (r < 0)
		return;
	if (sc && !to->own_sc && island_of_sc(w, sc) >= 0 && (to->sc != sc || to->donor != me))
		mfail("thread %u called server %u along a path, which does not run on its SC", me->id,
		      to->id);
	ist[I_CALL_OK] += island_of_sc(w, sc) >= 0;
	sim_switch(sim, c, next);
	if (sim->rq[c].curr == to && to->donor == me && rnd(w, 2)) { /* served: it replies */
		sim_enter(sim, c);
		r = sched_reply(&sim->sys, c, sched_ref_of(me), &next);
		TR("  island reply cpu %u thread %u to %u: %d\n", c, to->id, me->id, r);
		assert_true(r == 0 || r == -SCHED_EAFFINITY || r == -SCHED_ENOSC);
		if (r == 0) {
			sim_switch(sim, c, next);
			ist[I_REPLY]++;
		}
	}
}

/*
 * Bind a live member's SC: to a thread of the island's group (its affinity set to the SC's
 * CPUs first, a new thread if none is free), or of another group (-SCHED_EPERM), then wake
 * it; or configure it (-SCHED_ESTATE: an island's member changes through its island). The
 * bind's result is sched_sc_bind's for what the test sees, in its order.
 */
static void bind_member(struct world *w, int i, int k, unsigned v)
{
	struct sim *sim = w->sim;
	struct sched_sc_cap cap;
	struct sched_sc *sc;
	struct sched_thread *t = NULL;
	const struct irec *x = &w->isl[i];
	int want, r;

	cap = x->m[k];
	sc = &w->scs[cap.index];
	sim_enter(sim, online_cpu(w));
	if (v == 0) {
		struct sched_sc_params p = { .period_ns = MS, .budget_ns = 100 * US, .cpus = sc->cpus };

		snap(w);
		r = sched_sc_configure(&sim->sys, sched_auth_root(&sim->sys), cap, &p);
		if (r != -SCHED_ESTATE)
			mfail("sched_sc_configure of island %d's member SC %u returned %d", i, cap.index, r);
		unchanged(w, "sched_sc_configure (an island's member)", r);
		ist[I_CONFIGURE_ESTATE]++;
		return;
	}
	for (unsigned j = 0, start = rnd(w, w->n); j < w->n && !t; j++) {
		struct sched_thread *y = &w->t[(start + j) % w->n]->st;
		unsigned s;

		if (y->state != SCHED_EXITED && !y->own_sc && !y->sc && !y->donor && !y->passive &&
		    server_of(w, y, &s) < 0 && in_group(y->group, x->group) == (v != 1))
			t = y;
	}
	if (!t && v != 1) {
		struct sim_thread *n = spawn_in(w, x->group, &sc->cpus, false);

		if (!n)
			return;
		t = &n->st;
	}
	if (!t)
		return;
	if (!sched_cpumask_subset(&t->affinity, &sc->cpus) && rnd(w, 4)) {
		r = sched_set_affinity(&sim->sys, sched_ref_of(t), &sc->cpus);
		assert_true(r == 0 || r == -SCHED_EAFFINITY);
	}
	want = sc->state != SCHED_SC_CONFIGURED ? -SCHED_ESTATE
	     : sc->bound || sc->holder || t->own_sc || t->sc || t->donor ? -SCHED_EBOUND
	     : !in_group(t->group, x->group) ? -SCHED_EPERM
	     : !sched_cpumask_subset(&t->affinity, &sc->cpus) || !placeable(w, t) ? -SCHED_EAFFINITY
	     : 0;
	snap(w);
	r = sched_sc_bind(&sim->sys, cap, sched_ref_of(t));
	TR("  island bind sc %u (island %d) thread %u: %d\n", cap.index, i, t->id, r);
	ist[I_BIND]++;
	if (r != want)
		mfail("sched_sc_bind of island %d's member SC %u to thread %u (group %d) returned %d, "
		      "not %d", i, cap.index, t->id, t->group ? (int)(t->group - w->groups) : -1, r,
		      want);
	if (r < 0) {
		unchanged(w, "sched_sc_bind (an island's member)", r);
		ist[I_BIND_EPERM] += r == -SCHED_EPERM;
		return;
	}
	if (t->own_sc != sc || t->sc != sc)
		mfail("thread %u bound to island SC %u does not run on it", t->id, cap.index);
	ist[I_BIND_OK]++;
	r = sched_wake(&sim->sys, sched_ref_of(t), SCHED_WAKE_PARK);
	assert_true(r == 0 || r == -SCHED_ESTATE || r == -SCHED_EAFFINITY);
	if (sched_need_resched(&sim->sys, sim->cur_cpu))
		sim_resched(sim, sim->cur_cpu);
}

static void island_bind_op(struct world *w)
{
	int i = live_island(w), k = i >= 0 ? live_member(w, (unsigned)i) : -1;
	const struct irec *x;

	if (k < 0)
		return;
	x = &w->isl[i];
	for (unsigned j = 0; j < x->nm && rnd(w, 4); j++) /* one not bound, mostly */
		if (x->in[j] && !w->scs[x->m[j].index].bound) {
			k = (int)j;
			break;
		}
	for (unsigned j = 0; j < x->np && rnd(w, 2); j++) /* a caller on a path, often */
		if (x->path[j].from < x->nm && x->in[x->path[j].from] &&
		    !w->scs[x->m[x->path[j].from].index].bound) {
			k = x->path[j].from;
			break;
		}
	bind_member(w, i, k, rnd(w, 8));
}

static void island_op(struct world *w)
{
	if (!w->admission && rnd(w, 4))
		return; /* no island is admitted without admission: its refusals now and then */
	switch (rnd(w, 16)) {
	case 0: case 1: case 2: case 3:
		island_admit_op(w);
		break;
	case 4: case 5:
		island_revoke_op(w);
		break;
	case 6:
		island_revoke_owned_op(w);
		break;
	case 7:
		island_add_op(w);
		break;
	case 8:
		island_remove_op(w);
		break;
	case 9:
		island_report_op(w);
		break;
	case 10: case 11: case 12:
		island_call_op(w);
		break;
	default:
		island_bind_op(w);
		break;
	}
}

/*
 * After every step: each live island is admitted at the test's generation with its live
 * members (configured, pointing back at it, inside its CPUs) and violations; no other slot
 * is; stale capabilities fail closed (after each island operation); the pools hold exactly the live islands' bookings;
 * the island-held CPUs are the leased islands'; each live thread is marked the server of
 * exactly the island whose server the test made it; every SC that points at an island is
 * one of its live members; the IRQ lines are routed as the live islands ask; a lease slot
 * is an island's exactly when the test took it for one.
 */
static void check_islands(struct world *w)
{
	struct sched_sys *s = &w->sim->sys;
	sched_cpumask_t held;
	uint64_t booked[NR_MPOOLS] = { 0 };
	unsigned route[NR_LINES + 1] = { 0 };

	sched_cpumask_clear(&held);
	for (unsigned i = 0; i < NR_ISL; i++) {
		const struct irec *x = &w->isl[i];
		struct sched_island_stats st;
		unsigned n = 0;

		if (!x->live) {
			if (w->ipool[i].state)
				mfail("island slot %u is admitted, the test admitted none there", i);
			continue;
		}
		if (w->ipool[i].state != 1 || w->ipool[i].gen != x->cap.gen ||
		    sched_island_stats(s, x->cap, &st, NULL, 0) != 0)
			mfail("live island %u (gen %u) is in state %u gen %u", i, x->cap.gen,
			      w->ipool[i].state, w->ipool[i].gen);
		for (unsigned k = 0; k < x->nm; k++) {
			const struct sched_sc *sc = &w->scs[x->m[k].index];

			if (!x->in[k])
				continue;
			n++;
			if (sc->state != SCHED_SC_CONFIGURED || sc->gen != x->m[k].gen ||
			    sc->island != &w->ipool[i] || !sched_cpumask_subset(&sc->cpus, &x->cpus))
				mfail("member %u of island %u: SC %u in state %u on cpus %llx", k, i,
				      x->m[k].index, sc->state, (unsigned long long)sc->cpus.w[0]);
		}
		if (st.members != n || memcmp(st.violations, x->viol, sizeof(x->viol)))
			mfail("island %u counts %u members and violations %llu %llu %llu %llu %llu; the "
			      "test %u and %llu %llu %llu %llu %llu", i, st.members,
			      (unsigned long long)st.violations[0], (unsigned long long)st.violations[1],
			      (unsigned long long)st.violations[2], (unsigned long long)st.violations[3],
			      (unsigned long long)st.violations[4], n, (unsigned long long)x->viol[0],
			      (unsigned long long)x->viol[1], (unsigned long long)x->viol[2],
			      (unsigned long long)x->viol[3], (unsigned long long)x->viol[4]);
		for (unsigned k = 0; k < x->nmem; k++)
			booked[x->mem[k].pool] += x->mem[k].pages;
		for (unsigned k = 0; k < x->ni; k++)
			route[x->irq[k].line] = x->irq[k].cpu + 1u;
		if (x->mode == SCHED_ISLAND_LEASED) {
			for (unsigned c = 0; c < SCHED_CPUMASK_WORDS; c++)
				held.w[c] |= x->cpus.w[c];
			if (!w->lease[x->lease].live || !w->lease[x->lease].island)
				mfail("leased island %u without its lease (slot %u)", i, x->lease);
		}
	}
	for (unsigned k = 0; k < NR_MPOOLS; k++)
		if (w->mpool[k].booked != booked[k])
			mfail("pool %u has %llu pages booked, the live islands %llu", k,
			      (unsigned long long)w->mpool[k].booked, (unsigned long long)booked[k]);
	if (!same_cpus(&held, &s->island_cpus))
		mfail("island CPUs %llx, the leased islands hold %llx",
		      (unsigned long long)s->island_cpus.w[0], (unsigned long long)held.w[0]);
	if (memcmp(route, irq_route, sizeof(route)))
		mfail("IRQ lines routed %u %u %u %u, the live islands ask %u %u %u %u", irq_route[1],
		      irq_route[2], irq_route[3], irq_route[4], route[1], route[2], route[3], route[4]);
	for (unsigned k = 0; k < NR_LEASES; k++)
		if (w->lease[k].live && w->lpool[k].island != w->lease[k].island)
			mfail("lease slot %u: island %u, the test granted it %s", k, w->lpool[k].island,
			      w->lease[k].island ? "to an island" : "itself");
	for (unsigned i = 0; w->island_step && i < NR_ISTALE && i < w->nistale; i++) {
		struct sched_island_stats st;

		if (sched_island_stats(s, w->istale[i], &st, NULL, 0) != -SCHED_ESTALE)
			mfail("stale island capability {%u, %u} answers", w->istale[i].index,
			      w->istale[i].gen);
		ist[I_STALE_USE]++;
	}
	for (unsigned j = 0; j < w->n; j++) {
		const struct sched_thread *t = &w->t[j]->st;
		unsigned k = 0;
		int i = server_of(w, t, &k);

		if (t->state == SCHED_EXITED)
			continue;
		if (t->isl_server != (i >= 0 ? &w->ipool[i] : NULL) || (i >= 0 && t->isl_server_idx != k))
			mfail("thread %u is marked a server of island slot %d (%u), the test made it %d (%u)",
			      t->id, t->isl_server ? (int)(t->isl_server - w->ipool) : -1,
			      t->isl_server_idx, i, k);
	}
	for (unsigned j = 0; j < POOL; j++)
		if (w->scs[j].state != SCHED_SC_FREE && w->scs[j].island &&
		    island_of_sc(w, &w->scs[j]) != (int)(w->scs[j].island - w->ipool))
			mfail("SC %u points at island slot %d, which the test did not give it", j,
			      (int)(w->scs[j].island - w->ipool));
}

/* The island_irq hook: a line is routed for an island once until it is given back, with no
 * libsched lock but lease_lock held. */
static struct sim *irq_sim;

static void island_irq_hook(void *ctx, unsigned line, unsigned cpu, bool reserve)
{
	(void)ctx;
	if (line == 0 || line > NR_LINES || cpu >= SCHED_MAX_CPUS ||
	    (reserve ? irq_route[line] != 0 : irq_route[line] != cpu + 1) ||
	    irq_sim->sys.sc_lock.next != irq_sim->sys.sc_lock.owner ||
	    irq_sim->sys.mx_lock.next != irq_sim->sys.mx_lock.owner)
		fail_msg("island_irq(line %u, cpu %u, reserve %u): the line was routed to %d, sc_lock "
			 "%s", line, cpu, reserve, line <= NR_LINES ? (int)irq_route[line] - 1 : -1,
			 irq_sim->sys.sc_lock.next != irq_sim->sys.sc_lock.owner ? "held" : "free");
	irq_route[line] = reserve ? cpu + 1 : 0;
	irq_calls[reserve]++;
}

/* --- decision records and the policy queue ------------------------------------------------- */

/* What the policy operations did, over the sequences of one run_sequences call. */
enum {
	P_SUBMIT, P_SUBMIT_OK, P_EFULL, P_SUB_ESTALE, P_SUB_EPERM, P_SUB_EINVAL, P_TAKE,
	P_TAKE_EAGAIN, P_TAKE_EPERM, P_SERVE, P_DENY, P_LATE, P_SERVE_ESTALE, P_SERVE_EPERM,
	P_RESULT, P_RESULT_EAGAIN, P_RESULT_ESTALE, P_RESULT_EPERM, P_DEFAULTED, P_EXPIRED, P_ATTACH,
	P_REQUEUED, P_DEAD_SERVICE, P_GRAPH_OK, P_GRAPH_REFUSED, P_ANSWER_OK, P_ANSWER_ERR,
	P_LEASE_REVOKED, P_RECORDS, P_RECLAIMED, P_NR
};
static const char *const p_name[P_NR] = {
	"submits", "queued", "EFULL", "submit ESTALE", "submit EPERM", "submit EINVAL", "takes",
	"take EAGAIN", "take EPERM", "served", "denied", "served late (default)",
	"serve/deny ESTALE", "serve/deny EPERM", "results", "result EAGAIN", "result ESTALE", "result EPERM",
	"answered by default", "expired", "attaches", "requeued", "dead services",
	"graphs mapped", "graphs refused", "answers ok", "answers refused", "leases revoked",
	"decision records read", "answers of exited requesters freed",
};
static uint64_t pst[P_NR];

/* The measurement counters summed over the CPUs (sched_measure). */
static uint64_t measured_sum(struct world *w)
{
	uint64_t n = 0;

	for (unsigned c = 0; c < w->sim->cfg.cpus; c++)
		for (unsigned k = 0; k < SCHED_CNT_NR; k++)
			if (SCHED_CNT_MEASURED >> k & 1)
				n += sched_cpu_counter(&w->sim->sys, c, k);
	return n;
}

/* Measurement on or off amid everything else: no decision may depend on it (the checker
 * runs after every step either way), and while off the measurement counters stay still. */
static void measure_set(struct world *w, bool on)
{
	if (sched_measure(&w->sim->sys, on) != 0)
		fail_msg("sched_measure(%d) refused", on);
	w->measure_on = on;
	w->measured_at_off = measured_sum(w);
}

static void measure_check(struct world *w)
{
	if (!w->measure_on && measured_sum(w) != w->measured_at_off)
		fail_msg("seed %llu: measurement counters moved while switched off",
			 (unsigned long long)cur_seed);
}

static void swap_rng(struct world *w)
{
	uint64_t r = w->rng;

	w->rng = w->prng;
	w->prng = r;
}

static bool alive(const struct sched_thread *t)
{
	return t && t->state != SCHED_EXITED;
}

/* A live thread, mostly (of group g if g is not NULL and one is found soon). */
static struct sim_thread *live_thread(struct world *w, const struct sched_group *g)
{
	struct sim_thread *t = any_thread(w);

	for (unsigned k = 0; k < 12 && (!alive(&t->st) || (g && t->st.group != g)); k++)
		t = any_thread(w);
	return t;
}

/* A record formats within its buffer: cut to fit, NUL-terminated, the canary intact. */
static void check_format(struct world *w, const struct sched_why *x)
{
	char big[256], small[40];
	unsigned need = sched_explain_format(x, big, sizeof(big)), len = 1 + rnd(w, 24), n;

	if (need >= sizeof(big) || strlen(big) != need)
		mfail("record %llu formats as %u characters (\"%s\")", (unsigned long long)x->seq,
		      need, big);
	memset(small, 0xa5, sizeof(small));
	n = sched_explain_format(x, small, len);
	if (n != need)
		mfail("record %llu needs %u characters, then %u", (unsigned long long)x->seq, need, n);
	for (unsigned i = len; i < sizeof(small); i++)
		if ((unsigned char)small[i] != 0xa5)
			mfail("sched_explain_format wrote byte %u of a %u-byte buffer", i, len);
	if (strlen(small) != (need < len - 1 ? need : len - 1) || strncmp(small, big, strlen(small)))
		mfail("record %llu cut to %u bytes reads \"%s\" (of \"%s\")",
		      (unsigned long long)x->seq, len, small, big);
}

/* One record's structural facts. */
static void check_record(struct world *w, const struct sched_why *x, uint64_t prev, uint64_t head)
{
	unsigned nr = w->sim->cfg.cpus;

	if (x->seq <= prev || x->seq > head)
		mfail("record seq %llu after %llu (head %llu)", (unsigned long long)x->seq,
		      (unsigned long long)prev, (unsigned long long)head);
	if (x->kind >= SCHED_WHY_NR || !strcmp(sched_why_cause_name(x->kind, x->cause), "?") ||
	    x->obj_kind >= SCHED_OBJ_NR || x->err > 0)
		mfail("record %llu: kind %u cause %u obj_kind %u err %d", (unsigned long long)x->seq,
		      x->kind, x->cause, x->obj_kind, x->err);
	if (x->time > w->sim->now)
		mfail("record %llu at %llu, after now", (unsigned long long)x->seq,
		      (unsigned long long)x->time);
	if (x->kind == SCHED_WHY_MIGRATE && (x->cpu == x->cpu2 || x->cpu >= nr || x->cpu2 >= nr))
		mfail("record %llu: a migration from cpu %u to %u", (unsigned long long)x->seq,
		      x->cpu, x->cpu2);
	if (x->kind == SCHED_WHY_DENY && x->err >= 0)
		mfail("record %llu: a refusal with err %d", (unsigned long long)x->seq, x->err);
}

/* After every step: the records made since the last look, each once (single-threaded, none
 * is being written: exactly min(new, ring) come back, the newest, in order); now and then
 * the whole ring and a filtered read. */
static void check_explain(struct world *w)
{
	struct sched_sys *sys = &w->sim->sys;
	struct sched_why out[XLOG];
	struct sched_why_filter f = { .after = w->xseen };
	uint64_t head = sched_explain_count(sys), fresh = head - w->xseen, prev = w->xseen;
	unsigned n = sched_explain_read(sys, &f, out, XLOG);

	if (head < w->xseen || n != (fresh < XLOG ? fresh : XLOG))
		mfail("%u records read after %llu, head %llu", n, (unsigned long long)w->xseen,
		      (unsigned long long)head);
	if (n && out[n - 1].seq != head)
		mfail("the newest record read is %llu, head %llu", (unsigned long long)out[n - 1].seq,
		      (unsigned long long)head);
	for (unsigned i = 0; i < n; i++) {
		check_record(w, &out[i], prev, head);
		check_format(w, &out[i]);
		if (i && out[i].seq != out[i - 1].seq + 1)
			mfail("records %llu and %llu read in a row", (unsigned long long)out[i - 1].seq,
			      (unsigned long long)out[i].seq);
		prev = out[i].seq;
	}
	pst[P_RECORDS] += n;
	w->xseen = head;
	if (rnd(w, 32))
		return;
	/* a filtered read: only what passes, in order, within the ring */
	f = (struct sched_why_filter){ .kinds = 1u << rnd(w, SCHED_WHY_NR) };
	if (rnd(w, 2))
		f.tid = any_thread(w)->st.id;
	n = sched_explain_read(sys, &f, out, 1 + rnd(w, XLOG));
	prev = head > XLOG ? head - XLOG : 0;
	for (unsigned i = 0; i < n; i++) {
		check_record(w, &out[i], prev, head);
		if (!(f.kinds >> out[i].kind & 1) || (f.tid && out[i].tid != f.tid))
			mfail("record %llu (kind %u, t%u) passed filter kinds %x tid %u",
			      (unsigned long long)out[i].seq, out[i].kind, out[i].tid, f.kinds, f.tid);
		prev = out[i].seq;
	}
}

static void pstale_add(struct world *w, struct sched_ticket t)
{
	w->pstale[w->npstale++ % NR_PSTALE] = t;
}

/* Slots as the test predicts them. */
static void check_policy(struct world *w)
{
	TR("  policy slots:");
	for (unsigned i = 0; i < w->npslots; i++)
		TR(" %u/%u", w->pslot[i].state, w->preq[i].state);
	TR("\n");
	for (unsigned i = 0; i < w->npslots; i++)
		if (w->pslot[i].state != w->preq[i].state)
			mfail("policy slot %u in state %u, expected %u", i, w->pslot[i].state,
			      w->preq[i].state);
}

/* A group-owned SC for policy requests (slot k), created and configured when missing. */
static struct sched_sc_cap policy_sc(struct world *w, unsigned k)
{
	struct sched_sc *sc = &w->scs[w->pcap[k].index];

	if (!w->pcap[k].gen || sc->state == SCHED_SC_FREE || sc->gen != w->pcap[k].gen) {
		struct sched_sc_cap cap;
		int r;

		note_runs(w); /* what ran on an SC the slot held is credited before it is reused */
		r = sched_sc_create(&w->sim->sys, &w->groups[1 + k], w->prings[k], 4, &cap);

		if (r)
			return w->pcap[k]; /* the pool is full: the stale one */
		w->pcap[k] = cap;
		w->used[cap.index] = 0; /* a fresh SC: its figures start at 0 */
		/* 2 ms of 4 ms over the online CPUs, bound to a thread of its group: a budget a
		 * graph may re-divide */
		struct sched_sc_params p = { .period_ns = 4 * MS, .budget_ns = 2 * MS };

		for (unsigned c = 0; c < w->sim->cfg.cpus; c++)
			if (w->sim->rq[c].online)
				sched_cpumask_set(&p.cpus, c);
		if (!sched_sc_configure(&w->sim->sys, sched_auth_root(&w->sim->sys), cap, &p))
			(void)sched_sc_bind(&w->sim->sys, cap,
					    sched_ref_of(&live_thread(w, &w->groups[1 + k])->st));
	}
	return w->pcap[k];
}

/* The SC parameters a decision gives: 0.1 .. 2 ms of a 2 .. 8 ms period, online CPUs. */
static void policy_params(struct world *w, struct sched_sc_params *p)
{
	uint64_t period = (2 + rnd(w, 7)) * MS;

	*p = (struct sched_sc_params){ .period_ns = period, .budget_ns = (100 + rnd(w, 1900)) * US,
				       .overrun = (uint8_t)rnd(w, 3) };
	for (unsigned c = 0; c < w->sim->cfg.cpus; c++)
		if (w->sim->rq[c].online)
			sched_cpumask_set(&p->cpus, c);
}

/* A small task graph over the requester's SCs or others', threads of any group. */
static void policy_graph(struct world *w, struct sched_graph *g)
{
	if (rnd(w, 2)) { /* well formed: the group SCs' bound threads, within their budgets */
		*g = (struct sched_graph){ .period_ns = (4 + rnd(w, 4)) * MS };
		g->deadline_ns = g->period_ns;
		for (unsigned k = 0; k < NR_PSC; k++) {
			struct sched_sc_cap cap = policy_sc(w, k);
			const struct sched_sc *sc = &w->scs[cap.index];

			if (!sc->bound || sc->gen != cap.gen)
				continue;
			g->budgets[g->nr_budgets] = cap;
			g->node[g->nr_nodes++] = (struct sched_graph_node){
				.thread = sched_ref_of(sc->bound), .budget = g->nr_budgets++,
				.cost_ns = (100 + rnd(w, 1500)) * US, .queue = SCHED_GRAPH_ANY_QUEUE };
		}
		g->node[g->nr_nodes++] = (struct sched_graph_node){ /* a fair stage */
			.thread = sched_ref_of(&live_thread(w, &w->groups[2])->st),
			.budget = SCHED_GRAPH_NO_BUDGET, .prio = (uint8_t)rnd(w, 100),
			.queue = SCHED_GRAPH_ANY_QUEUE };
		return;
	}
	*g = (struct sched_graph){ .nr_nodes = 1 + rnd(w, 3), .period_ns = (4 + rnd(w, 8)) * MS };
	g->deadline_ns = g->period_ns - rnd(w, 2) * MS;
	g->nr_budgets = rnd(w, 3);
	for (unsigned b = 0; b < g->nr_budgets; b++) {
		unsigned k = rnd(w, NR_PSC + 1);

		g->budgets[b] = k < NR_PSC ? policy_sc(w, k) : w->cap[rnd(w, NR_SCS)];
	}
	for (unsigned i = 0; i < g->nr_nodes; i++) {
		struct sched_graph_node *n = &g->node[i];
		struct sim_thread *t = any_thread(w);

		n->thread = sched_ref_of(&t->st);
		for (unsigned b = 0; b < g->nr_budgets; b++) /* a budget's bound thread, mostly */
			if (rnd(w, 4) && w->scs[g->budgets[b].index].bound && b == i)
				n->thread = sched_ref_of(w->scs[g->budgets[b].index].bound);
		n->budget = i < g->nr_budgets && rnd(w, 4) ? i : rnd(w, 5) ? SCHED_GRAPH_NO_BUDGET
										: rnd(w, 4);
		n->cost_ns = (50 + rnd(w, 1500)) * US;
		n->prio = (uint8_t)rnd(w, 100);
		n->queue = rnd(w, 3) ? SCHED_GRAPH_ANY_QUEUE : (uint16_t)rnd(w, w->sim->cfg.cpus);
	}
}

/* An answer whose requester exited is freed by expire and by a submission's scan. */
static void policy_reclaim(struct world *w, struct prec *p)
{
	if (p->state == SCHED_SLOT_ANSWERED && !(alive(p->who.t) && p->who.t->gen == p->who.gen)) {
		p->state = SCHED_SLOT_FREE;
		pstale_add(w, p->t);
		pst[P_RECLAIMED]++;
	}
}

/* Submit a random request of a random thread: the result predicted from the conditions. */
static void policy_submit(struct world *w)
{
	static const uint8_t kinds[] = { SCHED_REQ_PROFILE, SCHED_REQ_ADMIT_SC, SCHED_REQ_BUDGET,
					 SCHED_REQ_LEASE_GRANT, SCHED_REQ_LEASE_REVOKE,
					 SCHED_REQ_EXPLAIN, SCHED_REQ_GRAPH };
	struct sim_thread *who = rnd(w, 8) ? live_thread(w, rnd(w, 2) ? &w->groups[1] : NULL)
					   : any_thread(w);
	struct sim_thread *to = rnd(w, 3) ? who : rnd(w, 4) ? live_thread(w, NULL) : any_thread(w);
	struct sched_ref me = sched_ref_of(&who->st);
	struct sched_request q = { .kind = kinds[rnd(w, sizeof(kinds))],
				   .thread = sched_ref_of(&to->st) };
	struct sched_graph g;
	struct sched_ticket t = { 0 };
	int want = 0, slot = -1, r;

	if (rnd(w, 2))
		q.timeout_ns = (500 + rnd(w, 20000)) * US;
	if (!rnd(w, 40))
		q.kind = SCHED_REQ_NR + (uint8_t)rnd(w, 3);
	switch (q.kind) {
	case SCHED_REQ_PROFILE:
		if (rnd(w, 2))
			strcpy(q.profile, "batch");
		break;
	case SCHED_REQ_BUDGET: {
		unsigned k = rnd(w, NR_PSC + 1);

		q.sc = k < NR_PSC ? policy_sc(w, k) : w->cap[rnd(w, NR_SCS)];
		policy_params(w, &q.sc_params);
		break;
	}
	case SCHED_REQ_ADMIT_SC:
		policy_params(w, &q.sc_params);
		break;
	case SCHED_REQ_LEASE_GRANT:
		sched_cpumask_set(&q.cpus, rnd(w, w->sim->cfg.cpus));
		break;
	case SCHED_REQ_LEASE_REVOKE: {
		unsigned k = rnd(w, NR_LEASES);

		q.lease = w->lease[k].live && rnd(w, 3) ? w->lease[k].cap
			: w->nstale ? w->stale[rnd(w, w->nstale < NR_STALE ? w->nstale : NR_STALE)]
				    : (struct sched_lease_cap){ 0 };
		break;
	}
	case SCHED_REQ_GRAPH:
		policy_graph(w, &g);
		q.graph = rnd(w, 16) ? &g : NULL; /* moved to the slot's memory below */
		break;
	}
	/* the order submit checks in: requester, kind and fields, target, a free slot */
	bool needs = q.kind == SCHED_REQ_PROFILE || q.kind == SCHED_REQ_ADMIT_SC ||
		     q.kind == SCHED_REQ_LEASE_GRANT || q.kind == SCHED_REQ_EXPLAIN;

	if (!alive(&who->st))
		want = -SCHED_ESTALE;
	else if (q.kind >= SCHED_REQ_NR || (q.kind == SCHED_REQ_GRAPH && !q.graph))
		want = -SCHED_EINVAL;
	else if (needs && !alive(&to->st))
		want = -SCHED_ESTALE;
	else if (needs && to != who && !in_group(to->st.group, who->st.group))
		want = -SCHED_EPERM;
	else {
		/* the scan frees answers whose requester exited, up to the first free slot */
		for (unsigned i = 0; i < w->npslots && slot < 0; i++) {
			policy_reclaim(w, &w->preq[i]);
			if (w->preq[i].state == SCHED_SLOT_FREE)
				slot = (int)i;
		}
		if (slot < 0)
			want = -SCHED_EFULL;
	}
	if (q.graph && slot >= 0) { /* the requester's memory, read when served */
		w->pgraph[slot] = g;
		q.graph = &w->pgraph[slot];
	}
	sim_enter(w->sim, online_cpu(w));
	r = sched_policy_submit(&w->sim->sys, &w->pq, me, &q, &t);
	TR("  policy submit kind %u by t%u for t%u: %d (slot %u)\n", q.kind, who->st.id,
	   to->st.id, r, t.slot);
	pst[P_SUBMIT]++;
	if (r != want)
		mfail("sched_policy_submit returned %d, expected %d", r, want);
	pst[r == 0 ? P_SUBMIT_OK : r == -SCHED_EFULL ? P_EFULL : r == -SCHED_ESTALE ? P_SUB_ESTALE
	    : r == -SCHED_EPERM ? P_SUB_EPERM : P_SUB_EINVAL]++;
	if (r)
		return;
	if (t.slot != (unsigned)slot)
		mfail("submit took slot %u, the first free is %d", t.slot, slot);
	struct prec *p = &w->preq[slot];

	*p = (struct prec){ .state = SCHED_SLOT_PENDING, .kind = q.kind, .t = t,
			    .deadline = w->sim->now + (q.timeout_ns ? q.timeout_ns : w->ptimeout),
			    .order = w->porder++, .who = me, .target = q.thread };
}

/* The answer a default gives a request, decided now. */
static void policy_defaulted(struct prec *p)
{
	p->state = SCHED_SLOT_ANSWERED;
	p->by_default = true;
	p->want = p->kind != SCHED_REQ_PROFILE ? -SCHED_ETIMEDOUT
		  : alive(p->target.t) && p->target.t->gen == p->target.gen ? 0 : -SCHED_ESTALE;
	pst[P_DEFAULTED]++;
}

static bool is_attached(const struct world *w, struct sched_ref s)
{
	return w->svc.t && s.t == w->svc.t && s.gen == w->svc.gen;
}

/* The oldest pending request before its deadline, or -1. */
static int oldest_pending(const struct world *w)
{
	int best = -1;

	for (unsigned i = 0; i < w->npslots; i++) {
		const struct prec *p = &w->preq[i];

		if (p->state == SCHED_SLOT_PENDING && w->sim->now < p->deadline &&
		    (best < 0 || p->order < w->preq[best].order))
			best = (int)i;
	}
	return best;
}

static void policy_take(struct world *w)
{
	struct sched_ref s = w->svc.t && alive(w->svc.t) && rnd(w, 6) ? w->svc
			     : sched_ref_of(&any_thread(w)->st);
	struct sched_ticket t;
	struct sched_request q;
	struct sched_ref who;
	int best = oldest_pending(w), want = !is_attached(w, s) ? -SCHED_EPERM
					      : best < 0 ? -SCHED_EAGAIN : 0;
	int r;

	sim_enter(w->sim, online_cpu(w));
	r = sched_policy_take(&w->sim->sys, &w->pq, s, &t, &q, &who);
	TR("  policy take by t%u: %d (slot %u)\n", s.t->id, r, t.slot);
	pst[P_TAKE]++;
	if (r != want)
		mfail("sched_policy_take returned %d, expected %d", r, want);
	if (r) {
		pst[r == -SCHED_EPERM ? P_TAKE_EPERM : P_TAKE_EAGAIN]++;
		return;
	}
	if (t.slot != (unsigned)best || t.gen != w->preq[best].t.gen || t.epoch != w->pq.epoch ||
	    q.kind != w->preq[best].kind || who.t != w->preq[best].who.t)
		mfail("take gave slot %u (gen %u, kind %u), expected slot %d", t.slot, t.gen, q.kind,
		      best);
	w->preq[best].state = SCHED_SLOT_TAKEN;
	w->preq[best].tk = t;
}

/* A decision for request p: the answer's error predicted where the conditions are simple
 * (1: any). */
static int policy_decide(struct world *w, struct prec *p, struct sched_decision *d)
{
	const struct sched_request *q = &w->pq.slots[p - w->preq].req;
	bool target = alive(p->target.t) && p->target.t->gen == p->target.gen;
	int want = 1;

	*d = (struct sched_decision){ .fair = { .nice = (int)rnd(w, 40) - 20 },
				      .sc = { .index = SCHED_NO_SC } };
	switch (p->kind) {
	case SCHED_REQ_PROFILE:
		want = target ? 0 : -SCHED_ESTALE;
		if (!rnd(w, 8)) {
			d->fair.nice = 25;
			want = target ? -SCHED_EINVAL : want;
		} else if (!rnd(w, 6)) {
			d->sc = (struct sched_sc_cap){ POOL + rnd(w, 3), 1, SCHED_SC_ALL };
			want = target ? -SCHED_EINVAL : want;
		} else if (w->sim->cfg.core_sched && !rnd(w, 4)) {
			d->own_cookie = 1;
			want = target ? 1 : want;
		}
		break;
	case SCHED_REQ_ADMIT_SC:
		d->sc_params = q->sc_params;
		if (rnd(w, 2)) { /* an SC owned by no group: not one made for the thread */
			d->sc = w->cap[rnd(w, NR_SCS)];
			want = target ? (d->sc.index < POOL ? -SCHED_EPERM : -SCHED_EINVAL)
				      : -SCHED_ESTALE;
			if (target && d->sc.index < POOL && w->scs[d->sc.index].owner)
				want = 1;
		} else {
			d->sc = policy_sc(w, rnd(w, NR_PSC));
			want = target ? 1 : -SCHED_ESTALE;
		}
		break;
	case SCHED_REQ_BUDGET: {
		const struct sched_sc *sc = q->sc.index < POOL ? &w->scs[q->sc.index] : NULL;
		bool live = sc && q->sc.gen && sc->gen == q->sc.gen && sc->state != SCHED_SC_FREE;

		policy_params(w, &d->sc_params);
		if (live && sc->state == SCHED_SC_CONFIGURED &&
		    (!sc->owner || !in_group(sc->owner, p->who.t->group)))
			want = -SCHED_EPERM; /* not the requester's */
		break;
	}
	case SCHED_REQ_LEASE_GRANT: /* no CPU given: a lease outside the test's record never
				     * starts */
		want = target ? -SCHED_EINVAL : -SCHED_ESTALE;
		break;
	case SCHED_REQ_EXPLAIN:
		want = target ? 0 : -SCHED_ESTALE;
		break;
	}
	if (!alive(p->who.t) || p->who.t->gen != p->who.gen)
		want = -SCHED_ESTALE; /* its requester went */
	return want;
}

/* The leases a served LEASE_REVOKE may have ended: those the test's record has live and
 * the library no longer. */
static void policy_leases_after(struct world *w)
{
	for (unsigned k = 0; k < NR_LEASES; k++) {
		struct sched_lease_info info;

		if (w->lease[k].live &&
		    sched_lease_info(&w->sim->sys, w->lease[k].cap, &info) == -SCHED_ESTALE) {
			if (w->lease[k].island)
				mfail("a policy request revoked island lease slot %u", k);
			lease_ended(w, k, SCHED_LEASE_REVOKED);
			pst[P_LEASE_REVOKED]++;
			if (w->lease[k].thread)
				check_nr_leases(w, w->lease[k].thread);
		}
	}
}

/* Serve or deny a taken request (or a stale ticket, or as a thread not attached). */
static void policy_answer(struct world *w)
{
	struct sched_sys *sys = &w->sim->sys;
	struct sched_ref s = w->svc.t && alive(w->svc.t) && rnd(w, 8) ? w->svc
			     : sched_ref_of(&any_thread(w)->st);
	struct sched_sc_params before[SCHED_GRAPH_NODES_MAX];
	struct sched_decision d;
	struct sched_ticket t;
	struct prec *p = NULL;
	bool deny = !rnd(w, 4);
	int want, r, late = 0;

	for (unsigned i = 0, k = rnd(w, MAX_PSLOTS); i < w->npslots && !p; i++)
		if (w->preq[(k + i) % w->npslots].state == SCHED_SLOT_TAKEN)
			p = &w->preq[(k + i) % w->npslots];
	if (p && rnd(w, 6)) {
		t = p->tk;
	} else { /* a stale ticket: collected, of an earlier attachment, or submit's */
		p = NULL;
		t = w->npstale ? w->pstale[rnd(w, w->npstale < NR_PSTALE ? w->npstale : NR_PSTALE)]
			       : (struct sched_ticket){ 0, 0, 0 };
		if (w->npold && rnd(w, 2))
			t = w->pold[rnd(w, w->npold < NR_PSTALE ? w->npold : NR_PSTALE)];
		if (rnd(w, 3) == 0) {
			unsigned i = rnd(w, w->npslots);

			t = w->preq[i].state == SCHED_SLOT_TAKEN ? w->preq[i].t : t;
		}
	}
	want = !is_attached(w, s) ? -SCHED_EPERM : !p ? -SCHED_ESTALE : 0;
	if (!want && w->sim->now >= p->deadline) {
		want = -SCHED_ETIMEDOUT;
		late = 1;
	}
	int ans = -SCHED_EBUSY;

	d = (struct sched_decision){ .sc = { .index = SCHED_NO_SC } };
	if (p && !deny)
		ans = policy_decide(w, p, &d);
	const struct sched_graph *g = p ? w->pq.slots[p - w->preq].req.graph : NULL;

	for (unsigned b = 0; p && p->kind == SCHED_REQ_GRAPH && g && b < g->nr_budgets; b++) {
		const struct sched_sc *sc = g->budgets[b].index < POOL ? &w->scs[g->budgets[b].index]
								       : NULL;

		before[b] = sc ? (struct sched_sc_params){ .budget_ns = sc->budget,
			.period_ns = sc->period, .deadline_ns = sc->rel_deadline, .cpus = sc->cpus }
			       : (struct sched_sc_params){ 0 };
	}
	sim_enter(w->sim, online_cpu(w));
	if (deny)
		r = sched_policy_deny(sys, &w->pq, s, t, -SCHED_EBUSY);
	else
		r = sched_policy_serve(sys, &w->pq, s, sched_auth_root(sys), t, &d);
	TR("  policy %s slot %u by t%u: %d\n", deny ? "deny" : "serve", t.slot, s.t->id, r);
	if (r != want)
		mfail("sched_policy_%s returned %d, expected %d", deny ? "deny" : "serve", r, want);
	if (r == -SCHED_EPERM || r == -SCHED_ESTALE) {
		pst[r == -SCHED_EPERM ? P_SERVE_EPERM : P_SERVE_ESTALE]++;
		return;
	}
	if (late) {
		policy_defaulted(p);
		pst[P_LATE]++;
		return;
	}
	pst[deny ? P_DENY : P_SERVE]++;
	p->state = SCHED_SLOT_ANSWERED;
	p->by_default = false;
	p->want = !alive(p->who.t) || p->who.t->gen != p->who.gen ? -SCHED_ESTALE : ans;
	if (p->kind == SCHED_REQ_LEASE_REVOKE)
		policy_leases_after(w);
	if (p->kind != SCHED_REQ_GRAPH || deny || !g)
		return;
	/* all or none: a refused graph changed no budget; a mapped one set every SC stage */
	int err = w->pq.slots[p - w->preq].ans.err;

	pst[err ? P_GRAPH_REFUSED : P_GRAPH_OK]++;
	for (unsigned i = 0; i < g->nr_nodes; i++) {
		const struct sched_graph_node *n = &g->node[i];
		const struct sched_sc *sc;

		if (n->budget >= g->nr_budgets || g->budgets[n->budget].index >= POOL)
			continue;
		sc = &w->scs[g->budgets[n->budget].index];
		if (err && (sc->budget != before[n->budget].budget_ns ||
			    sc->period != before[n->budget].period_ns ||
			    sc->rel_deadline != before[n->budget].deadline_ns ||
			    !same_cpus(&sc->cpus, &before[n->budget].cpus)))
			mfail("graph refused (%d) but stage %u's SC changed: budget %llu, was %llu",
			      err, i, (unsigned long long)sc->budget,
			      (unsigned long long)before[n->budget].budget_ns);
		unsigned named = 0;

		for (unsigned b = 0; b < g->nr_budgets; b++)
			named += g->budgets[b].index == g->budgets[n->budget].index;
		if (!err && named == 1 && (sc->budget != n->cost_ns || sc->period != g->period_ns))
			mfail("graph mapped but stage %u's SC has budget %llu period %llu", i,
			      (unsigned long long)sc->budget, (unsigned long long)sc->period);
	}
}

static bool ref_alive(struct sched_ref r)
{
	return alive(r.t) && r.t->gen == r.gen;
}

/* The requester looks: answered (0), pending before its deadline (EAGAIN), past it (0, the
 * default now), or a stale ticket; another thread presenting the ticket is refused (EPERM)
 * and changes nothing, as is the requester once it has exited (ESTALE). */
static void policy_result(struct world *w)
{
	unsigned i = rnd(w, w->npslots);
	struct prec *p = &w->preq[i];
	struct sched_ticket t = p->t;
	struct sched_ref by = p->who;
	struct sched_answer a;
	int want, r;

	if (p->state == SCHED_SLOT_FREE || !rnd(w, 5)) {
		p = NULL;
		t = w->npstale ? w->pstale[rnd(w, w->npstale < NR_PSTALE ? w->npstale : NR_PSTALE)]
			       : (struct sched_ticket){ i, 0, 0 };
	}
	if (!p || !rnd(w, 6))
		by = sched_ref_of(&any_thread(w)->st);
	if (!ref_alive(by) || !p)
		want = -SCHED_ESTALE;
	else if (by.t != p->who.t || by.gen != p->who.gen)
		want = -SCHED_EPERM;
	else
		want = p->state == SCHED_SLOT_ANSWERED || w->sim->now >= p->deadline ? 0 : -SCHED_EAGAIN;
	if (p && want == 0 && p->state != SCHED_SLOT_ANSWERED)
		policy_defaulted(p);
	sim_enter(w->sim, online_cpu(w));
	r = sched_policy_result(&w->sim->sys, &w->pq, by, t, &a);
	TR("  policy result slot %u by t%u: %d (err %d by %u)\n", t.slot, by.t->id, r, r ? 0 : a.err,
	   r ? 0 : a.by);
	pst[P_RESULT]++;
	if (r != want)
		mfail("sched_policy_result on slot %u returned %d, expected %d", t.slot, r, want);
	if (r) {
		pst[r == -SCHED_EAGAIN ? P_RESULT_EAGAIN : r == -SCHED_EPERM ? P_RESULT_EPERM
						     : P_RESULT_ESTALE]++;
		return;
	}
	if (a.kind != p->kind || a.by != (p->by_default ? SCHED_BY_DEFAULT : SCHED_BY_SERVICE) ||
	    (p->want != 1 && a.err != p->want) || a.answered < a.asked || a.answered > w->sim->now)
		mfail("slot %u answered kind %u by %u err %d, expected kind %u by %u err %d", t.slot,
		      a.kind, a.by, a.err, p->kind, p->by_default, p->want);
	pst[a.err ? P_ANSWER_ERR : P_ANSWER_OK]++;
	/* refusals and defaults name their record; a record still in the ring says the same */
	if ((a.err || p->by_default) != (a.why != 0))
		mfail("slot %u answered err %d by %u with record %llu", t.slot, a.err, a.by,
		      (unsigned long long)a.why);
	if (a.why && a.why + XLOG > sched_explain_count(&w->sim->sys)) {
		struct sched_why x;
		struct sched_why_filter f = { .obj_kind = SCHED_OBJ_REQUEST, .obj = t.slot,
					      .after = a.why - 1 };

		if (sched_explain_read(&w->sim->sys, &f, &x, 1) != 1 || x.seq != a.why ||
		    x.err != a.err ||
		    x.kind != (p->by_default ? SCHED_WHY_DEFAULT : SCHED_WHY_DENY))
			mfail("slot %u's record %llu does not match its answer", t.slot,
			      (unsigned long long)a.why);
	}
	p->state = SCHED_SLOT_FREE;
	pstale_add(w, t);
}

static void policy_expire(struct world *w)
{
	unsigned want = 0, n;

	for (unsigned i = 0; i < w->npslots; i++) {
		struct prec *p = &w->preq[i];

		policy_reclaim(w, p);
		if ((p->state == SCHED_SLOT_PENDING || p->state == SCHED_SLOT_TAKEN) &&
		    w->sim->now >= p->deadline) {
			policy_defaulted(p);
			want++;
		}
	}
	sim_enter(w->sim, online_cpu(w));
	n = sched_policy_expire(&w->sim->sys, &w->pq);
	TR("  policy expire: %u\n", n);
	if (n != want)
		mfail("sched_policy_expire answered %u, expected %u", n, want);
	pst[P_EXPIRED] += n;
}

/* A new service attaches (sometimes after the old one exited; sometimes a dead thread,
 * refused): what the old one had taken is pending again. */
static void policy_attach(struct world *w)
{
	struct sim_thread *t = rnd(w, 6) ? live_thread(w, NULL) : any_thread(w);
	struct sched_ref s = sched_ref_of(&t->st);
	unsigned pending = 0;
	int r;

	if (w->svc.t && alive(w->svc.t) && !rnd(w, 3)) {
		exit_thread(w, sim_thread_of(w->svc.t)); /* the dead-service case */
		pst[P_DEAD_SERVICE]++;
		if (rnd(w, 2))
			return; /* nobody serves for a while: the defaults answer */
	}
	if (!alive(&t->st)) {
		sim_enter(w->sim, online_cpu(w));
		r = sched_policy_attach(&w->sim->sys, &w->pq, s);
		if (r != -SCHED_ESTALE)
			mfail("sched_policy_attach of an exited thread returned %d", r);
		return;
	}
	for (unsigned i = 0; i < w->npslots; i++) {
		struct prec *p = &w->preq[i];

		if (p->state == SCHED_SLOT_TAKEN) {
			p->state = SCHED_SLOT_PENDING;
			w->pold[w->npold++ % NR_PSTALE] = p->tk; /* the old attachment's */
			pst[P_REQUEUED]++;
		}
		pending += p->state == SCHED_SLOT_PENDING;
	}
	sim_enter(w->sim, online_cpu(w));
	r = sched_policy_attach(&w->sim->sys, &w->pq, s);
	TR("  policy attach t%u: %d\n", t->st.id, r);
	if (r != (int)pending)
		mfail("sched_policy_attach returned %d, %u pending", r, pending);
	w->svc = s;
	pst[P_ATTACH]++;
}

static void policy_op(struct world *w)
{
	sim_enter(w->sim, online_cpu(w)); /* a thread of this CPU asks (or serves) */
	if ((!w->svc.t || !alive(w->svc.t)) && rnd(w, 3)) { /* mostly, someone serves */
		policy_attach(w);
		return;
	}
	switch (rnd(w, 12)) {
	case 0: case 1: case 2: case 3:
		policy_submit(w);
		break;
	case 4: case 5:
		policy_take(w);
		break;
	case 6: case 7:
		policy_answer(w);
		break;
	case 8: case 9:
		policy_result(w);
		break;
	case 10:
		if (rnd(w, 2)) {
			policy_expire(w);
		} else { /* time for deadlines to pass */
			sim_run_until(w->sim, w->sim->now + rnd(w, 3000) * US);
		}
		break;
	default:
		policy_attach(w);
		break;
	}
}

/* Set-up: recording into a small ring; a queue of 4 .. 8 slots whose default profile is
 * applied with an authority holding SCHED_RIGHT_FAIR only; a service attached now and
 * then. */
static void policy_setup(struct world *w, uint64_t seed)
{
	struct sched_sys *sys = &w->sim->sys;
	struct sched_policy_config cfg = { .timeout_ns = (4 + seed % 20) * MS,
					   .default_fair = { .nice = 5 } };

	assert_int_equal(sched_explain_start(sys, &w->xlog, w->xrec, XLOG, 0), 0);
	assert_int_equal(sched_auth_derive(&w->pfall, sched_auth_root(sys), SCHED_RIGHT_FAIR,
					   NULL, NULL), 0);
	cfg.fallback = (struct sched_auth){ &w->pfall, w->pfall.gen };
	w->npslots = 4 + (unsigned)(seed % 5);
	w->ptimeout = cfg.timeout_ns;
	assert_int_equal(sched_policy_init(sys, &w->pq, w->pslot, w->npslots, &cfg), 0);
}

static void step(struct world *w)
{
	struct sim *sim = w->sim;
	unsigned op = rnd(w, 23);
	int r;

	TR("step %u t=%llu op %u\n", cur_step, (unsigned long long)sim->now, op);
	switch (op) {
	case 0: case 1: case 2:
		sim_enter(sim, online_cpu(w));
		r = sched_wake(&sim->sys, sched_ref_of(&any_thread(w)->st), (enum sched_wake_reason)rnd(w, SCHED_WAKE_NR));
		/* ELENT: its SC is lent to a server (only the reply resumes it); ENOSC: its SC
		 * was revoked under a throttle or notify policy, so it runs only on an SC now */
		assert_true(r == 0 || r == -SCHED_ESTATE || r == -SCHED_ESTALE || r == -SCHED_EAFFINITY ||
			    r == -SCHED_ELENT || r == -SCHED_ENOSC);
		if (sched_need_resched(&sim->sys, sim->cur_cpu))
			sim_resched(sim, sim->cur_cpu);
		break;
	case 3: case 4: case 5: case 6:
		on_cpu_op(w, rnd(w, 5));
		break;
	case 7:
		exit_op(w);
		break;
	case 8:
		affinity_op(w);
		break;
	case 9:
		hotplug_op(w);
		break;
	case 10:
		sim_resched(sim, online_cpu(w));
		break;
	case 11:
		if (rnd(w, 2))
			fair_op(w);
		else
			rt_op(w);
		break;
	case 12:
		if (sim->cfg.core_sched)
			cookie_op(w);
		break;
	case 13:
		sc_op(w);
		break;
	case 14: case 15: case 16:
		mutex_op(w);
		break;
	case 17:
		lease_op(w);
		break;
	case 18:
		ring_op(w);
		break;
	case 19: case 20:
		island_op(w);
		w->island_step = true; /* check_islands looks at the stale capabilities too */
		break;
	case 21:
		reason_wake_op(w);
		break;
	default: {
		uint64_t d = rnd(w, 4000) * US;

		/* one run in 16 gets a quiet stretch of 20 .. 60 ms more, time for the periodic
		 * balance (every 4 ms) to see a progress gap between CPUs grow past fair_spread_ns
		 * (16 ms) and rotate a thread, which runs of at most 4 ms between ops seldom allow */
		if (rnd(w, 16) == 0)
			d += (20 + rnd(w, 40)) * MS;
		sim_run_until(sim, sim->now + d);
		break;
	}
	}
	/* the policy queue and the records draw from their own stream: the other operations'
	 * sequences stay what they were (their coverage too) */
	settle(sim);
	swap_rng(w);
	if (!rnd(w, 11)) {
		note_runs(w);
		policy_op(w);
		settle(sim);
	}
	swap_rng(w);
	check_ownership(w);
	note_runs(w);
	check_running(w);
	check_pool(w);
	check_mutexes(w);
	for (unsigned i = 0; i < NR_SCS; i++)
		if (w->made[i])
			check_charged(w, i);
	check_islands_charged(w);
	check_leases(w);
	check_stale_caps(w);
	check_rings(w);
	check_islands(w);
	w->island_step = false;
	for (unsigned k = 0; k < NR_PSC; k++) {
		const struct sched_sc *sc = &w->scs[w->pcap[k].index];

		if (w->pcap[k].gen && sc->state != SCHED_SC_FREE && sc->gen == w->pcap[k].gen)
			check_charged_cap(w, w->pcap[k]);
	}
	check_policy(w);
	swap_rng(w);
	check_explain(w);
	swap_rng(w);
}

/* Stale refs from before an exit fail closed, whatever happened since. */
static void check_stale_refs(struct world *w)
{
	for (unsigned i = 0; i < w->n; i++)
		if (w->old[i].t)
			assert_int_equal(sched_wake(&w->sim->sys, w->old[i], SCHED_WAKE_PARK), -SCHED_ESTALE);
}

static void check_ledgers(struct world *w)
{
	struct sim *sim = w->sim;
	uint64_t group_sum[3] = { 0 }, threads = 0, busy = 0;

	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (sim->rq[c].online)
			sim_resched(sim, c); /* a charge point on every CPU */
	for (unsigned i = 0; i < w->n; i++) {
		uint64_t rt = w->t[i]->st.acct.v[SCHED_ACCT_RUNTIME];

		threads += rt;
		for (struct sched_group *g = w->t[i]->st.group; g; g = g->parent)
			group_sum[g - w->groups] += rt; /* a group's totals include its subgroups' */
	}
	for (unsigned g = 0; g < 3; g++)
		assert_int_equal(w->groups[g].acct.v[SCHED_ACCT_RUNTIME], group_sum[g]);
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		busy += sched_cpu_counter(&sim->sys, c, SCHED_CNT_BUSY_NS);
	assert_int_equal(threads, busy);
	check_leased_time(w);
}

/* SEQUENCES, or RANDOM_SEQUENCES from the environment for a longer search. */
static uint64_t sequences(void)
{
	const char *e = getenv("RANDOM_SEQUENCES");

	return e ? strtoull(e, NULL, 10) : SEQUENCES;
}

/* All the sequences run (not RANDOM_SEED, nor a shorter RANDOM_SEQUENCES). */
static bool full_run(void)
{
	return !getenv("RANDOM_SEED") && sequences() >= SEQUENCES;
}

/* Threads the periodic balance rotated, over all CPUs of the machine. */
static uint64_t rotations(struct sim *sim)
{
	uint64_t n = 0;

	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		n += sched_cpu_counter(&sim->sys, c, SCHED_CNT_ROTATIONS);
	return n;
}

/* The mutex operations reached every case (a shorter search, RANDOM_SEQUENCES, need not). */
static void check_mutex_coverage(void)
{
	static const unsigned need[] = {
		M_LOCK_NOW, M_LOCK_WAIT, M_LOCK_TIMED, M_TRYLOCK, M_UNLOCK, M_HANDOFF, M_COND_WAIT,
		M_SIGNAL, M_BROADCAST, M_ROUNDS, M_REINIT, M_END_OK, M_END_TIMEDOUT, M_END_DEAD,
		M_EXIT_OWNER, M_EXIT_WAITER, M_REVOKE_LENT, M_EDEADLK, M_EPERM, M_ELOCKED,
		M_ESTATE, M_EACTIVE, M_LENT_SC_NS, M_LENT_RT, M_SC_CHECKS,
	};

	if (!full_run())
		return;
	for (unsigned i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!mst[need[i]])
			fail_msg("no \"%s\" in %u sequences", m_name[need[i]], SEQUENCES);
}

/* The lease and ring operations of a test (its machines together: a 2-CPU machine has
 * room for one lease only, so never fills the pool) reached every outcome (a shorter
 * search need not). */
static void check_lease_coverage(void)
{
	static const unsigned need[] = {
		L_GRANT_OK, L_GRANT_THREAD, L_GRANT_GROUP, L_GRANT_TARGET, L_PENDING, L_ACTIVATED,
		L_EINVAL, L_ESTALE, L_EPERM, L_ECPU, L_ELEASED, L_EHOUSEKEEPING, L_EUNSCHED,
		L_EFULL, L_EPINNED, L_EAGAIN, L_REVOKE, L_REVOKE_STALE, L_OWNED_REVOKED, L_OWNED_REFUSED,
		L_CAUSE_PROCESS, L_CAUSE_SESSION, L_CAUSE_SERVICE, L_HOLDER_EXIT, L_STALE_USE,
		L_OFF_LEASED, L_OFF_HOUSEKEEPING, L_HOLDER_RAN, L_LEASED_NS_CHECKS, R_REGISTER,
		R_EOWNED, R_REG_ESTALE, R_REPLACED, R_UNREGISTER, R_UNREG_EPERM,
		R_SUBMIT_POLLING, R_SUBMIT_UNPARKED, R_SUBMIT_ESTATE, R_POLL_WORK, R_POLL_IDLE,
		R_RECHECK, R_PARKED, R_PERMIT, R_POLL_EPERM, R_ON_LEASE,
	};

	if (!full_run())
		return;
	for (unsigned i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!ltot[need[i]])
			fail_msg("no \"%s\" in the sequences of this test", l_name[need[i]]);
	memset(ltot, 0, sizeof(ltot));
}

/* The island operations of a test (its machines together) reached every outcome (a shorter
 * search need not). */
static void check_island_coverage(void)
{
	static const unsigned need[] = {
		I_ADMITTED, I_LEASED, I_SHARED, I_GLOBAL, I_PATHS, I_IRQS, I_MEM, I_PLACED, I_EINVAL,
		I_ECPU, I_ESTALE, I_EPERM, I_ESTATE, I_EFULL, I_ELEASED, I_ERESERVE, I_EPATH,
		I_EUNSCHED, I_LEASE_REFUSED, I_REVOKE, I_REVOKE_REFUSED, I_OWNED_REVOKED, I_ADD_OK,
		I_REMOVE_OK, I_REPORT_VIOLATION, I_REPORT_DECLARED, I_CALL_OK, I_CALL_EPATH,
		I_EPATH_RANDOM, I_BIND_OK, I_BIND_EPERM, I_CONFIGURE_ESTATE, I_LEASE_EPERM, I_REPLY,
		I_STALE_USE,
	};

	if (!full_run())
		return;
	for (unsigned i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!itot[need[i]])
			fail_msg("no \"%s\" (islands) in the sequences of this test", i_name[need[i]]);
	memset(itot, 0, sizeof(itot));
}

/*
 * `cpus` CPUs, `policy` (NULL: eevdf), core scheduling on or off, SMT width `smt`. Returns
 * the rotations over all the sequences.
 */
static uint64_t run_sequences(unsigned cpus, const char *policy, bool core_sched, unsigned smt)
{
	uint64_t rot = 0, with_rot = 0, n = sequences(), first = 1;
	const char *one = getenv("RANDOM_SEED");

	memset(mst, 0, sizeof(mst));
	memset(lst, 0, sizeof(lst));
	memset(ist, 0, sizeof(ist));
	memset(pst, 0, sizeof(pst));
	if (one) /* one sequence only */
		first = n = strtoull(one, NULL, 10);
	for (uint64_t seed = first; seed <= n; seed++) {
		struct world w = { .rng = seed, .prng = seed ^ 0x9e3779b97f4a7c15ull };
		struct sim_config cfg = { .cpus = cpus, .smt = smt, .seed = seed,
					  .policy = policy, .core_sched = core_sched,
					  .ipi_latency_ns = seed % 3 ? 0 : 20 * US };

		static const uint8_t kind[3] = { SCHED_GROUP_SESSION, SCHED_GROUP_SERVICE,
						 SCHED_GROUP_PROCESS };
		sched_cpumask_t cpu1;

		w.sim = sim_new(&cfg);
		w.sim->check_each_step = true;
		w.sim->sys.cfg.lease_port = lease_port_hook;
		w.sim->sys.cfg.island_irq = island_irq_hook;
		irq_sim = w.sim;
		policy_setup(&w, seed);
		memset(port_calls, 0, sizeof(port_calls));
		memset(irq_route, 0, sizeof(irq_route));
		memset(irq_calls, 0, sizeof(irq_calls));
		assert_int_equal(sched_sc_pool(&w.sim->sys, w.scs, POOL), 0);
		/* one sequence in four with admission: from the start, as it must be */
		w.admission = seed % 4 == 0;
		if (w.admission)
			assert_int_equal(sched_sc_admission(&w.sim->sys, sched_auth_root(&w.sim->sys),
							    w.admit, sizeof(w.admit) / sizeof(w.admit[0]),
							    0), 0);
		assert_int_equal(sched_lease_pool(&w.sim->sys, w.lpool, NR_LEASES), 0);
		/* islands: two slots, a small and a larger memory pool */
		assert_int_equal(sched_island_pool(&w.sim->sys, w.ipool, NR_ISL), 0);
		w.mpool[0] = (struct sched_mem_pool){ .name = "dma", .pages = 8 };
		w.mpool[1] = (struct sched_mem_pool){ .name = "heap", .pages = 16 };
		assert_int_equal(sched_island_mem_pools(&w.sim->sys, w.mpool, NR_MPOOLS), 0);
		/* a session, a service and a process inside the service */
		sched_group_init(&w.sim->sys, &w.groups[0],
				 &(struct sched_group_params){ .id = 0, .kind = kind[0] });
		for (unsigned g = 1; g < 3; g++)
			assert_int_equal(sched_group_init(&w.sim->sys, &w.groups[g],
				&(struct sched_group_params){ .id = g, .weight = 512 * g, .kind = kind[g],
							      .parent = g == 2 ? &w.groups[1] : NULL,
							      .pcpu = w.gcpu[g - 1] }), 0);
		/* authorities: no lease right; scoped to the service; CPU 1 only; revoked */
		sched_cpumask_clear(&cpu1);
		sched_cpumask_set(&cpu1, 1);
		assert_int_equal(sched_auth_derive(&w.auth[0], sched_auth_root(&w.sim->sys),
						   SCHED_RIGHT_ALL & ~SCHED_RIGHT_LEASE, NULL, NULL), 0);
		assert_int_equal(sched_auth_derive(&w.auth[1], sched_auth_root(&w.sim->sys),
						   SCHED_RIGHT_LEASE, &w.groups[1], NULL), 0);
		assert_int_equal(sched_auth_derive(&w.auth[2], sched_auth_root(&w.sim->sys),
						   SCHED_RIGHT_LEASE, NULL, &cpu1), 0);
		assert_int_equal(sched_auth_derive(&w.auth[3], sched_auth_root(&w.sim->sys),
						   SCHED_RIGHT_LEASE, NULL, NULL), 0);
		for (unsigned a = 0; a < NR_AUTH; a++)
			w.tok[a] = (struct sched_auth){ &w.auth[a], w.auth[a].gen };
		assert_int_equal(sched_auth_revoke(w.tok[3]), 0);
		/* islands of the service group and below: SC control and the lease right */
		assert_int_equal(sched_auth_derive(&w.iauth, sched_auth_root(&w.sim->sys),
						   SCHED_RIGHT_SC_CONTROL | SCHED_RIGHT_LEASE,
						   &w.groups[1], NULL), 0);
		w.itok = (struct sched_auth){ &w.iauth, w.iauth.gen };
		for (unsigned k = 0; k < NR_RINGS; k++) /* park after 0.3 ms, 2 ms idle */
			assert_int_equal(sched_ring_init(&w.ring[k], k ? 2 * MS : 300 * US), 0);
		for (unsigned k = 0; k < NR_MX; k++)
			assert_int_equal(sched_mutex_init(&w.sim->sys, &w.mx[k], k == 2 ?
							  SCHED_MUTEX_PLAIN : SCHED_MUTEX_PROXY), 0);
		for (unsigned k = 0; k < NR_CV; k++)
			assert_int_equal(sched_cond_init(&w.sim->sys, &w.cv[k]), 0);
		assert_int_equal(sched_barrier_init(&w.sim->sys, &w.bar, 2 + seed % 3), 0);
		w.noted_at = w.sim->now;
		w.sim->after_event = after_event;
		w.sim->hook_arg = &w;
		w.sim->on_violation = violation;
		TR("sequence %llu\n", (unsigned long long)seed);
		for (unsigned i = 0; i < 12; i++)
			spawn(&w);
		cur_seed = seed;
		measure_set(&w, seed & 1); /* flipped once, at a step the seed picks */
		for (unsigned s = 0; s < STEPS; s++) {
			cur_step = s;
			if (s == seed % STEPS)
				measure_set(&w, !(seed & 1));
			step(&w);
		}
		measure_check(&w);
		check_stale_refs(&w);
		check_all_charged(&w);
		check_ledgers(&w);
		check_all_charged(&w); /* after a charge point on every CPU */
		with_rot += rotations(w.sim) > 0;
		rot += rotations(w.sim);
		sim_free(w.sim);
	}
	printf("# %u cpus, %s%s: %llu rotations, in %llu of %llu sequences\n", cpus,
	       policy ? policy : "eevdf", core_sched ? ", core scheduling" : "",
	       (unsigned long long)rot, (unsigned long long)with_rot, (unsigned long long)n);
	printf("#  ");
	for (unsigned k = 0; k < M_NR; k++)
		printf(" %s %llu%s", m_name[k], (unsigned long long)mst[k], k + 1 < M_NR ? "," : "\n");
	printf("#   leases and rings:");
	for (unsigned k = 0; k < L_NR; k++)
		printf(" %s %llu%s", l_name[k], (unsigned long long)lst[k], k + 1 < L_NR ? "," : "\n");
	for (unsigned k = 0; k < L_NR; k++)
		ltot[k] += lst[k];
	printf("#   islands:");
	for (unsigned k = 0; k < I_NR; k++)
		printf(" %s %llu%s", i_name[k], (unsigned long long)ist[k], k + 1 < I_NR ? "," : "\n");
	for (unsigned k = 0; k < I_NR; k++)
		itot[k] += ist[k];
	printf("#   policy and records:");
	for (unsigned k = 0; k < P_NR; k++)
		printf(" %s %llu%s", p_name[k], (unsigned long long)pst[k], k + 1 < P_NR ? "," : "\n");
	check_mutex_coverage();
	return rot;
}

/* The sequences did rotate threads (a shorter search, RANDOM_SEQUENCES, need not; nor one
 * sequence, RANDOM_SEED). */
static void check_rotated(uint64_t rot)
{
	if (full_run())
		assert_true(rot > 0);
}

static void random_sequences_keep_one_owner_per_runnable_thread(void **state)
{
	(void)state;
	check_rotated(run_sequences(4, NULL, false, 2));
	check_lease_coverage();
	check_island_coverage();
}

static void the_same_with_core_scheduling(void **state)
{
	uint64_t rot;

	(void)state;
	rot = run_sequences(4, NULL, true, 2);
	rot += run_sequences(2, NULL, true, 2);
	check_rotated(rot);
	check_lease_coverage();
	check_island_coverage();
}

static void the_same_with_rr_and_core_scheduling(void **state)
{
	uint64_t rot;

	(void)state;
	rot = run_sequences(4, "rr", true, 2);
	rot += run_sequences(2, "rr", true, 2);
	check_rotated(rot);
	check_lease_coverage();
	check_island_coverage();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_sequences_keep_one_owner_per_runnable_thread),
		cmocka_unit_test(the_same_with_core_scheduling),
		cmocka_unit_test(the_same_with_rr_and_core_scheduling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
