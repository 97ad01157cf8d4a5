/* SPDX-License-Identifier: MIT */
/*
 * stress_threads.c - libsched under real concurrency on the host: one pthread per CPU,
 * each a tiny kernel that takes its "IPIs" and "timer interrupts" (flags the arch hooks
 * set) and fires random operations at a shared pool of threads:
 *  - wake, unpark, block, park, sleep, yield, exit and re-initialisation of the storage (so
 *    stale refs race with new lives), affinity changes, preemption points;
 *  - direct IPC: call and reply, mostly to a set of server threads (passive in half of their
 *    lives), so SchedulingContexts are lent along donation chains and given back by replies;
 *  - SchedulingContexts: create, configure (sporadic and CBS, all three overrun policies,
 *    budgets of 10..310 us so they run out all the time), bind, unbind, revoke, revoke by
 *    owner group, figures; the depletion notifications are handled (a notify-and-block
 *    thread is woken again by its "endpoint handler");
 *  - sched_set_rt (FIFO, RR, back to fair): class changes, and realtime push and pull
 *    between the real CPUs;
 *  - sched_set_fair (weight, idle weight, latency class) on running, queued, blocked and
 *    throttled threads, with a narrow authority now and then;
 *  - CPU hotplug: CPU 0 takes the others offline and asks them back online (a CPU comes
 *    online itself, as the API wants) while the rest keep running;
 *  - with core scheduling (second round), cookie create/share/clear too;
 *  - mutexes (proxy and plain), condition variables and a barrier (mutex.h): the current
 *    thread of a CPU locks (timed, mostly, or not), tries, unlocks what it holds, waits on a
 *    condition (timed or not), meets at the barrier; any CPU signals and broadcasts, and
 *    exits threads (owners: robust handoff; waiters: their wait ends) while other CPUs lock,
 *    unlock, time out and hand mutexes over. Every entry's result must be one its documents
 *    allow for the situation the test knows (the mutexes the thread holds, by its own
 *    record), and a wait must end with an outcome docs/mutex.md gives for it, owning the
 *    mutex as that says (checked at the next checkpoint). Threads on an SC lend nothing by
 *    default (known_defects: STRESS_KNOWN_DEFECTS=1 lets them wait and lend, and checks the
 *    outcome of a wait as soon as the thread runs again).
 *  - CPU isolation leases (lease.h): one CPU at a time grants a lease (one or two CPUs, to a
 *    pool thread or a group, with the root token or one without the lease right) or
 *    revokes one, holding the hotplug mutex (callers serialise grants with hotplug and
 *    affinity changes), while the others run, wake, block, migrate, exit holders (which
 *    revokes their leases) and revoke by owner group at any moment; every result must be
 *    one lease.h gives (-SCHED_EAGAIN while a thread migrates to one of its CPUs);
 *  - polling rings (ring.h): the current thread of a CPU registers as a ring's consumer (a
 *    second registration is refused while it lives), polls the way ring.h says (a recheck
 *    after SCHED_RING_RECHECK) and parks; every CPU publishes entries and submits, so
 *    submissions race with the consumer's mark, recheck and park on real CPUs;
 *  - realtime islands (island.h), in a third round with admission on: a CPU admits an
 *    island (one CPU, leased or shared, one or two members on fresh SCs, now and then an
 *    IRQ, a booking, a server on a path), binds its first member to a thread and wakes it,
 *    or revokes one (holding the hotplug mutex for a leased one, as for a lease grant);
 *    any CPU revokes islands by owner group and reports what its current thread did
 *    (sched_island_report), while the others call (the path rule), lease, take CPUs offline
 *    and revoke SCs. Every result must be one island.h gives.
 * The simulator is single-threaded; this is where lock order, on_cpu hand-off and generation
 * checks meet real interleavings (also built with ThreadSanitizer when the toolchain has it).
 * Every CHECK_MS, and at the end, all CPUs stop between two operations: then the invariant
 * checker runs, no runnable thread may be outside a queue or the refill wait, no armed
 * timeout outside a sleeper tree, SC holders and links must agree, sched_mutex_check()
 * passes on every thread, every waiter of the pool is BLOCKED and waits on its object, a
 * free mutex has no waiters, owners are alive, owner chains acyclic, a barrier's arrivals
 * are its waiters and fewer than its count, and each mutex a thread's record says it holds
 * is owned by it; a leased CPU queues only its holder's threads and runs one of them (or
 * still the other thread it ran, while its lease is pending), the housekeeping set is the
 * online CPUs no lease holds and never empty, each thread counts the leases it holds, the
 * capabilities of revoked leases fail closed; a ring's figures are the calls the CPUs made,
 * and a consumer parked in a poll (a thread that can always be woken) is never left asleep
 * with entries waiting and the ring unmarked; and sched_set_fair is
 * applied once to a thread in each state found (running, queued, blocked, throttled,
 * demoted), followed by the checker again. A CPU that reaches no checkpoint for
 * WATCHDOG_MS is stuck in libsched: the test says which and aborts.
 * A round runs RUN_MS, longer (up to MAX_MS) until every kind of operation succeeded often
 * enough on a slow machine, and up to HARD_MS until each succeeded at least once. STRESS_FILTER='core*' runs one round (a cmocka test filter).
 * A failed lease check prints, for each thread found on a leased CPU its lease does not
 * hold, its fields and its last trace events (every CPU's, in one ring) with the lease
 * events between them; STRESS_WHY_LONG=1 adds who migrated it (a long decision ring).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sched/arch.h>
#include <sched/explain.h>
#include <sched/island.h>
#include <sched/lease.h>
#include <sched/mutex.h>
#include <sched/ring.h>
#include <sched/sched.h>

#define CPUS 4
#define THREADS 48
#define SERVERS 8          /* pool[THREADS - SERVERS ..]: IPC servers */
#define CLIENTS (THREADS - SERVERS)
#define NSC 12             /* SC slots */
#define RING 8             /* refill slots per SC at most */
#define RUN_MS 2000        /* per round at least, then until every kind of operation was */
#define MAX_MS 7000        /* reached often enough (`goals`), but no longer than this, */
#define HARD_MS 16000      /* unless one kind was never reached: then up to this (a loaded host) */
#define CHECK_MS 250       /* quiescent checkpoints */
#define WATCHDOG_MS 10000  /* a CPU that reaches no checkpoint for this long is stuck */
#define NOTES 64
#define NMX 4              /* mutexes: 0-2 SCHED_MUTEX_PROXY, 3 SCHED_MUTEX_PLAIN */
#define NCV 2
#define BARRIER_COUNT 3
#define NLEASE 2           /* lease slots */
#define NSTALE 8           /* revoked lease capabilities kept */
#define NRING 2
#define NISL 2             /* island slots (the third round) */
#define ISC 6              /* SC slots for island members */
#define US 1000ull
#define MS 1000000ull

static struct sched_sys sys;
static struct sched_rq rq[CPUS];
static struct sched_thread idle[CPUS], pool[THREADS];
static struct sched_group group, fgroup; /* plain; fairness group owning some SCs */
static struct sched_group_cpu fgroup_cpu[CPUS];
static struct sched_authority narrow;    /* SCHED_RIGHT_FAIR over `group` only */
static struct sched_auth narrow_tok;
static _Thread_local unsigned my_cpu;
static uint64_t timer_at[CPUS];   /* armed deadline per CPU (atomic) */
static int ipi[CPUS];             /* pending resched IPI (atomic) */
static int stop, pause_req;       /* atomic */
static int paused[CPUS];          /* stopped at the checkpoint (atomic) */
static unsigned release_gen;      /* bumped by the main thread to let them go on (atomic) */
static uint64_t beats[CPUS];      /* loop iterations (atomic): the watchdog's report */

/* --- what happened: per CPU (only that CPU's pthread writes its row) -------------------- */

enum {
	N_OPS, N_SWITCHES, N_CALL, N_CALL_OK, N_REPLY, N_REPLY_OK, N_SC_CREATE, N_SC_CONF,
	N_SC_CONF_OK, N_BIND, N_BIND_OK, N_UNBIND_OK, N_REVOKE_OK, N_REVOKE_OWNED, N_SC_STATS_OK,
	N_FAIR, N_FAIR_OK, N_FAIR_RUNNING, N_FAIR_RUNNABLE, N_FAIR_BLOCKED, N_DEPLETED,
	N_TIMEOUT_MSG, N_NOTE_WAKE_OK, N_OFFLINE, N_OFFLINE_OK, N_ONLINE, N_AFFINITY, N_COOKIE,
	N_REUSE_OK, N_RT, N_RT_OK, N_MX_LOCK, N_MX_TAKEN, N_MX_WAIT, N_MX_TRY_OK, N_MX_UNLOCK_OK,
	N_COND_WAIT, N_COND_WAKE, N_BARRIER, N_WAIT_OWNED, N_WAIT_TIMEDOUT, N_WAIT_DEAD,
	N_WAIT_OTHER, N_MX_EXIT, N_GRANT, N_GRANT_OK, N_GRANT_REFUSED, N_GRANT_EAGAIN,
	N_LEASE_REVOKE_OK, N_LEASE_REVOKED_BEFORE, N_OWNED_REVOKED, N_HOLDER_EXIT, N_OFF_LEASED,
	N_RING_REG, N_RING_EOWNED, N_SUBMIT, N_SUBMIT_UNPARKED, N_POLL, N_POLL_WORK, N_RECHECK,
	N_PARKED, N_ISL_ADMIT, N_ISL_ADMIT_OK, N_ISL_REFUSED, N_ISL_BIND_OK, N_ISL_REVOKE_OK,
	N_ISL_REVOKED_BEFORE, N_ISL_OWNED, N_ISL_REPORT, N_ISL_VIOLATION, N_NR
};
static uint64_t cnt[CPUS][N_NR];
static const char *const cnt_name[N_NR] = {
	"ops", "switches", "call", "call ok", "reply", "reply ok", "sc create", "sc configure",
	"sc configure ok", "bind", "bind ok", "unbind ok", "revoke ok", "revoke owned",
	"sc stats ok", "set_fair", "set_fair ok", "set_fair on running", "set_fair on runnable",
	"set_fair on blocked", "depleted msgs", "timeout msgs", "notify wakes ok", "offline",
	"offline ok", "online", "affinity", "cookie", "reuse ok", "set_rt", "set_rt ok",
	"mutex lock", "mutex taken at once", "mutex waits", "trylock ok", "unlock ok",
	"cond waits", "signal/broadcast", "barrier waits", "waits ended owning",
	"waits timed out", "waits owner died", "waits ended otherwise", "exits of others",
	"lease grants", "leases granted", "grants refused", "grants EAGAIN", "leases revoked",
	"revoked before (exit, owner)", "revoked by owner", "holder exits", "offline: leased",
	"ring registered", "ring EOWNED", "ring submits", "submits unparked", "ring polls",
	"polls with work", "rechecks", "parked in a poll", "island admissions", "islands admitted",
	"islands refused", "island SCs bound", "islands revoked", "revoked before (owner)",
	"islands revoked by owner", "island reports", "island violations",
};

/* Found at the quiescent checkpoints (main thread only). */
enum {
	Q_CHECKS, Q_THROTTLED, Q_DEMOTED, Q_EDF_QUEUED, Q_DONATED, Q_MAX_CHAIN, Q_PASSIVE,
	Q_OFFLINE, Q_FAIR_RUNNING, Q_FAIR_QUEUED, Q_FAIR_BLOCKED, Q_FAIR_THROTTLED,
	Q_FAIR_DEMOTED, Q_LEASED_CPUS, Q_PENDING, Q_RING_CHECKS, Q_NR
};
static uint64_t q[Q_NR];
static const char *const q_name[Q_NR] = {
	"checkpoints", "throttled seen", "demoted seen", "EDF queued seen", "donated SC seen",
	"longest chain", "passive seen", "offline CPUs seen", "set_fair running",
	"set_fair queued", "set_fair blocked", "set_fair throttled", "set_fair demoted",
	"leased CPUs seen", "pending leases seen", "parked consumers seen",
};

/* cmocka's failures longjmp into the test: not from another thread. */
static void die(const char *what, unsigned a, unsigned b)
{
	fprintf(stderr, "stress_threads: %s (%u, %u)\n", what, a, b);
	abort();
}

/* --- SC slots: the test's capabilities (a slot's mutex guards it; taken with trylock) ---- */

struct slot {
	pthread_mutex_t mu;
	struct sched_sc_cap cap;
	int live;        /* its SC was created and not seen revoked */
	unsigned bound;  /* 1 + pool index last bound to it, 0 none (atomic: read by set_fair) */
};
static struct slot slots[NSC];
static struct sched_sc scs[NSC + ISC]; /* sc_op's, then the islands' members' */
static struct sched_refill rings[NSC][RING]; /* slot k's SC, only one live at a time */

/* Depletion notifications, per CPU pthread: the "endpoint handler" runs after the entry. */
struct notes {
	unsigned nr;
	uint32_t tid[NOTES];
};
static struct notes notes[CPUS];

/* --- hotplug: CPU 0 drives it; a CPU parks once offline and idle ------------------------- */

enum { HP_ONLINE, HP_OFFLINE, HP_PARKED, HP_WANT_ONLINE };
static int hp_state[CPUS];          /* atomic */
static pthread_mutex_t hp_mu = PTHREAD_MUTEX_INITIALIZER; /* hotplug vs affinity changes */

/* --- the arch hooks, host flavour ------------------------------------------------------- */

sched_time_t sched_arch_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (sched_time_t)ts.tv_sec * 1000000000ull + (sched_time_t)ts.tv_nsec;
}

void sched_arch_set_timer(sched_time_t deadline) /* the calling "CPU": this pthread */
{
	__atomic_store_n(&timer_at[my_cpu], deadline, __ATOMIC_RELEASE);
}

void sched_arch_send_resched(unsigned cpu)
{
	if (cpu == my_cpu)
		die("IPI to self", cpu, my_cpu);
	__atomic_store_n(&ipi[cpu], 1, __ATOMIC_RELEASE);
}

unsigned sched_arch_cpu_id(void) { return my_cpu; }
unsigned long sched_arch_irq_save(void) { return 0; } /* no interrupts in a pthread */
void sched_arch_irq_restore(unsigned long flags) { (void)flags; }
void sched_arch_cpu_relax(void) { sched_yield(); } /* 4 "CPUs" on fewer cores: let the holder run */

/* A failed SCHED_ASSERT (the library is built with SCHED_DEBUG): report and abort. */
void sched_arch_assert_fail(const char *expr, const char *file, unsigned line)
{
	fprintf(stderr, "libsched assertion failed: %s at %s:%u (cpu %u)\n", expr, file, line,
		my_cpu);
	abort();
}

/* The sched_config.notify callback (no trace callback: none is installed). Called with a
 * run-queue lock held: record only; the handler runs after the entry. */
static void notify_sink(void *ctx, uint32_t endpoint, uint64_t message)
{
	(void)ctx;
	unsigned kind = (unsigned)(message >> 56), index = (unsigned)(message >> 32) & 0xffffffu;
	uint32_t tid = (uint32_t)message;
	struct notes *n = &notes[my_cpu];

	if (!endpoint || endpoint > NSC || index >= NSC + ISC || !tid || tid > THREADS ||
	    (kind != SCHED_SC_MSG_DEPLETED && kind != SCHED_SC_MSG_TIMEOUT))
		die("malformed SC notification", endpoint, (unsigned)(message >> 32));
	cnt[my_cpu][kind == SCHED_SC_MSG_DEPLETED ? N_DEPLETED : N_TIMEOUT_MSG]++;
	if (n->nr < NOTES)
		n->tid[n->nr++] = tid;
}

/* --- one CPU ----------------------------------------------------------------------------- */

struct cpu {
	unsigned id;
	uint64_t rng;
	sched_time_t next_hp; /* CPU 0: next hotplug step */
};

/* The third round: admission on, islands among the operations. */
static bool islands_on;

static unsigned rnd(struct cpu *c, unsigned n)
{
	c->rng = c->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((c->rng >> 33) % n);
}

static struct sched_ref ref_now(struct sched_thread *t)
{
	struct sched_ref r = { t, __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE) };
	return r;
}

static struct sched_thread *any_thread(struct cpu *c)
{
	return &pool[rnd(c, THREADS)];
}

static struct sched_thread *server(struct cpu *c)
{
	return &pool[CLIENTS + rnd(c, SERVERS)];
}

/* The current thread of this CPU (written only by this CPU), NULL for idle. */
static struct sched_thread *me(unsigned cpu)
{
	struct sched_thread *t = sys.rq[cpu].curr;

	return t && !t->is_idle ? t : NULL;
}

/* The "switch": nothing to do for a thread without a stack but finishing it. */
static void switched(unsigned cpu)
{
	sched_finish_switch(&sys, cpu);
	cnt[cpu][N_SWITCHES]++;
}

static void resched(unsigned cpu)
{
	sched_pick(&sys, cpu);
	switched(cpu);
}

/* Interrupts: the IPI flag, then the timer if its deadline passed. */
static void interrupts(unsigned cpu)
{
	uint64_t at = __atomic_load_n(&timer_at[cpu], __ATOMIC_ACQUIRE);

	if (__atomic_exchange_n(&ipi[cpu], 0, __ATOMIC_ACQ_REL) && sched_ipi(&sys, cpu))
		resched(cpu);
	if (at != SCHED_TIME_NEVER && sched_arch_now() >= at) {
		__atomic_store_n(&timer_at[cpu], SCHED_TIME_NEVER, __ATOMIC_RELEASE);
		if (sched_timer(&sys, cpu))
			resched(cpu);
	}
}

/* The endpoint handler: a depleted thread (notify-and-block) is let go again, mostly. */
static void handle_notes(struct cpu *c)
{
	struct notes *n = &notes[c->id];

	for (unsigned i = 0; i < n->nr; i++)
		if (rnd(c, 4) && sched_wake(&sys, ref_now(&pool[n->tid[i] - 1]), SCHED_WAKE_PARK) == 0)
			cnt[c->id][N_NOTE_WAKE_OK]++;
	n->nr = 0;
}

/* Who called a server last: 1 + pool index | gen << 32 (atomic; a stale entry just fails). */
static uint64_t caller_of[THREADS];

/* Mutexes, condition variables, a barrier (mutex.h), and the test's own record, per pool
 * thread, written only by the CPU running that thread (or, for an exited one, the CPU
 * re-initialising its storage): the mutexes it holds (bit k: mx[k]), and the wait it went
 * into until it runs again (kind | mutex index << 4). Atomic: the next CPU to run the
 * thread reads them. */
static struct sched_mutex mx[NMX];
static struct sched_cond cv[NCV];
static struct sched_barrier bar;
enum { W_NONE, W_MUTEX, W_COND, W_BARRIER };
static unsigned held_bits[THREADS];
static unsigned pend[THREADS];

/*
 * Library defects known when the mutex operations were added, which the rounds step around
 * unless STRESS_KNOWN_DEFECTS is set in the environment (then ThreadSanitizer reports them):
 *  - proxy.c reads the state of a lent SC (its deadline in rank and lend_of, its refill in
 *    the gate of apply's requeue) under mx_lock and thread locks while a thread running on
 *    that SC is charged on another CPU, which writes it under that run queue's lock: data
 *    races;
 *  - sched_exit of a stale reference reads the thread (is_idle) after unlocking it, racing
 *    with a re-initialisation of the storage;
 *  - a wait by a thread on an SC ranks it by its SC's deadline (proxy.c rank) under its
 *    thread lock, while a wake on another CPU charges that current thread under its run
 *    queue's lock, writing that deadline: a data race;
 *  - a lending update of a current owner on its own SC whose budget ran out a moment ago
 *    (its CPU has not taken the timer yet) charges it and puts it in the refill wait while
 *    it is still in the EDF class: sched_check "thread both in EDF and waiting for a
 *    refill".
 * So by default no SC is lent and no thread on an SC waits or takes a proxy mutex (it tries
 * the plain one and unlocks), no SC is bound to a thread that waits, and only threads seen
 * alive are exited by other CPUs. (An SC donated by a call to a server that holds a proxy
 * mutex can still meet the last defect; rarely.)
 */
static bool known_defects(void)
{
	static int on = -1;

	if (__atomic_load_n(&on, __ATOMIC_RELAXED) < 0)
		__atomic_store_n(&on, getenv("STRESS_KNOWN_DEFECTS") != NULL, __ATOMIC_RELAXED);
	return __atomic_load_n(&on, __ATOMIC_RELAXED);
}

/* t runs on an SC (its own, a donated or a lent one). */
static bool on_sc(const struct sched_thread *t)
{
	return __atomic_load_n(&t->sc, __ATOMIC_RELAXED) || __atomic_load_n(&t->mx_sc, __ATOMIC_RELAXED);
}

static void ipc_op(struct cpu *c, struct sched_thread *t, bool reply)
{
	struct sched_thread *next;
	unsigned self = (unsigned)(t - pool);
	int r;

	if (!reply) {
		struct sched_thread *to = rnd(c, 3) ? server(c) : any_thread(c);
		struct sched_ref sr = ref_now(to);

		cnt[c->id][N_CALL]++;
		__atomic_store_n(&caller_of[to - pool],
				 (uint64_t)(self + 1) | (uint64_t)__atomic_load_n(&t->gen, __ATOMIC_ACQUIRE) << 32,
				 __ATOMIC_RELAXED);
		r = sched_call(&sys, c->id, sr, &next);
		cnt[c->id][N_CALL_OK] += r == 0;
	} else {
		uint64_t who = __atomic_exchange_n(&caller_of[self], 0, __ATOMIC_RELAXED);
		struct sched_ref cr = ref_now(any_thread(c));

		if (who && rnd(c, 8)) {
			cr.t = &pool[(uint32_t)who - 1];
			cr.gen = (uint32_t)(who >> 32);
		}
		cnt[c->id][N_REPLY]++;
		r = sched_reply(&sys, c->id, cr, &next);
		cnt[c->id][N_REPLY_OK] += r == 0;
	}
	if (r == 0)
		switched(c->id);
}

static void fair_op(struct cpu *c, struct sched_thread *t)
{
	struct sched_fair_params p = { .nice = (int)rnd(c, 40) - 20, .idle_weight = rnd(c, 8) == 0 };
	struct sched_auth a = rnd(c, 8) ? sched_auth_root(&sys) : narrow_tok;
	uint8_t st = __atomic_load_n(&t->state, __ATOMIC_RELAXED);
	int r;

	switch (rnd(c, 4)) {
	case 0: p.slice_ns = 0; break;
	case 1: p.slice_ns = 100 * US + rnd(c, 900) * US; break;
	case 2: p.slice_ns = MS + rnd(c, 99) * MS; break;
	default: p.slice_ns = rnd(c, 8) ? 100 * US : 50 * US; break; /* 50 us: -EINVAL */
	}
	cnt[c->id][N_FAIR]++;
	cnt[c->id][N_FAIR_RUNNING] += st == SCHED_RUNNING;
	cnt[c->id][N_FAIR_RUNNABLE] += st == SCHED_RUNNABLE;
	cnt[c->id][N_FAIR_BLOCKED] += st == SCHED_BLOCKED;
	r = sched_set_fair(&sys, a, ref_now(t), &p);
	cnt[c->id][N_FAIR_OK] += r == 0;
}

/* A fixed priority (FIFO or RR, 1..99) or back to fair: class changes of running, queued
 * and blocked threads, and push and pull between the real CPUs. */
static void rt_op(struct cpu *c, struct sched_thread *t)
{
	unsigned policy = rnd(c, 3);
	struct sched_rt_params p = { .policy = (uint8_t)policy, .prio = (uint8_t)(policy ? 1 + rnd(c, 99) : 0) };
	int r;

	cnt[c->id][N_RT]++;
	r = sched_set_rt(&sys, sched_auth_root(&sys), ref_now(t), &p);
	if (r != 0 && r != -SCHED_ESTALE && r != -SCHED_EINVAL && /* EINVAL: an idle thread */
	    !(r == -SCHED_EUNSCHED && islands_on))
		die("sched_set_rt", (unsigned)-r, c->id);
	cnt[c->id][N_RT_OK] += r == 0;
}

static void on_cpu_op(struct cpu *c, struct sched_thread *t)
{
	struct sched_thread *next;
	bool is_server = t >= &pool[CLIENTS], h;
	int r;

	switch (rnd(c, is_server ? 14 : 12)) {
	case 0: r = sched_block(&sys, c->id, &next); break;
	case 1: r = sched_park(&sys, c->id, &next); break;
	case 2: r = sched_sleep_until(&sys, c->id, sched_arch_now() + rnd(c, 300) * US, &next); break;
	case 3: r = sched_yield_cpu(&sys, c->id, &next); break;
	case 4:
		h = __atomic_load_n(&t->nr_leases, __ATOMIC_RELAXED) != 0;
		r = sched_exit(&sys, sched_ref_of(t));
		cnt[c->id][N_HOLDER_EXIT] += r == 0 && h;
		next = NULL;
		break;
	case 5: case 6: case 7: ipc_op(c, t, false); return;
	case 8: fair_op(c, t); return;
	default: ipc_op(c, t, true); return;
	}
	if (r == 0 && next)
		switched(c->id);
}

/* Re-initialise an exited thread's storage (a new life: older refs must stay stale). */
static void reuse(struct cpu *c)
{
	struct sched_thread *t = any_thread(c);
	unsigned i = (unsigned)(t - pool);
	struct sched_thread_params p = { .id = i + 1, .nice = (int)rnd(c, 40) - 20,
					 .group = i % 3 ? &group : &fgroup,
					 .passive = i >= CLIENTS && rnd(c, 2) };

	if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != SCHED_EXITED)
		return;
	if (rnd(c, 4) == 0)
		p.slice_ns = 100 * US + rnd(c, 10) * MS;
	/* a new life holds nothing: said before it exists, as another CPU may wake and run it
	 * (and lock a mutex) as soon as sched_thread_init returns */
	__atomic_store_n(&held_bits[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&pend[i], W_NONE, __ATOMIC_RELAXED);
	if (sched_thread_init(&sys, t, &p) == 0) {
		cnt[c->id][N_REUSE_OK]++;
		sched_wake(&sys, sched_ref_of(t), SCHED_WAKE_NEW);
	}
}

/* Core scheduling: give a thread a new cookie, another thread's, or none. */
static void cookie_op(struct cpu *c, struct sched_ref r)
{
	struct sched_ref from = ref_now(any_thread(c));
	struct sched_auth root = sched_auth_root(&sys);

	cnt[c->id][N_COOKIE]++;
	switch (rnd(c, 3)) {
	case 0:
		sched_core_create(&sys, root, r, SCHED_CORE_THREAD);
		break;
	case 1:
		sched_core_share(&sys, root, from, r, SCHED_CORE_THREAD);
		break;
	default:
		sched_core_clear(&sys, root, r, SCHED_CORE_THREAD);
		break;
	}
}

static void affinity_op(struct cpu *c, struct sched_ref r)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, rnd(c, CPUS));
	switch (rnd(c, 4)) {
	case 0: break;                                    /* one CPU */
	case 1: sched_cpumask_set(&m, rnd(c, CPUS)); break; /* one or two */
	default: sched_cpumask_fill(&m, CPUS); break;
	}
	/* callers serialise affinity changes with hotplug (sched.h) */
	if (pthread_mutex_trylock(&hp_mu) != 0)
		return;
	cnt[c->id][N_AFFINITY]++;
	sched_set_affinity(&sys, r, &m);
	pthread_mutex_unlock(&hp_mu);
}

/* --- SchedulingContexts ------------------------------------------------------------------ */

static sched_cpumask_t online_guess(void)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	for (unsigned i = 0; i < CPUS; i++)
		if (__atomic_load_n(&hp_state[i], __ATOMIC_ACQUIRE) == HP_ONLINE)
			sched_cpumask_set(&m, i);
	return m;
}

static int configure(struct cpu *c, struct slot *s, unsigned k)
{
	struct sched_sc_params p = { 0 };
	int r;

	p.budget_ns = 10 * US + rnd(c, 300) * US;
	p.period_ns = rnd(c, 4) ? p.budget_ns + rnd(c, 3000) * US : p.budget_ns; /* == : RR */
	p.deadline_ns = rnd(c, 2) ? 0 : p.budget_ns + rnd(c, (unsigned)((p.period_ns - p.budget_ns) / US + 1)) * US;
	if (p.deadline_ns > p.period_ns)
		p.deadline_ns = p.period_ns;
	p.mode = (uint8_t)rnd(c, 2);
	p.overrun = (uint8_t)rnd(c, 3);
	p.endpoint = rnd(c, 4) ? k + 1 : 0;
	if (rnd(c, 2))
		sched_cpumask_fill(&p.cpus, CPUS); /* -SCHED_ECPU while a CPU is offline */
	else
		p.cpus = online_guess();
	if (islands_on) { /* admission counts on them: CPUs 0 and 1, the others for islands and
			   * leases (and hotplug, which admission refuses where an SC is) */
		p.cpus.w[0] &= 3;
		if (!p.cpus.w[0])
			p.cpus.w[0] = 1;
	}
	cnt[c->id][N_SC_CONF]++;
	r = sched_sc_configure(&sys, sched_auth_root(&sys), s->cap, &p);
	cnt[c->id][N_SC_CONF_OK] += r == 0;
	return r;
}

static void sc_op(struct cpu *c)
{
	unsigned k = rnd(c, NSC);
	struct slot *s = &slots[k];
	struct sched_sc_stats st;
	struct sched_thread *t;
	int r = 0;

	if (pthread_mutex_trylock(&s->mu) != 0)
		return;
	if (!s->live) {
		cnt[c->id][N_SC_CREATE]++;
		r = sched_sc_create(&sys, rnd(c, 2) ? &fgroup : NULL, rings[k], 1 + rnd(c, RING), &s->cap);
		if (r < 0)
			die("sc create failed", k, (unsigned)-r);
		s->live = 1;
		__atomic_store_n(&s->bound, 0, __ATOMIC_RELAXED);
		r = configure(c, s, k);
	} else {
		switch (rnd(c, 12)) {
		case 0: case 1:
			r = configure(c, s, k);
			break;
		case 2: case 3: case 4: case 5:
			t = rnd(c, 4) ? &pool[rnd(c, CLIENTS)] : any_thread(c);
			if (!known_defects() && __atomic_load_n(&pend[t - pool], __ATOMIC_RELAXED))
				break; /* it may wait: it would lend the SC (see known_defects) */
			cnt[c->id][N_BIND]++;
			r = sched_sc_bind(&sys, rnd(c, 16) ? s->cap : sched_sc_cap_restrict(s->cap, SCHED_SC_READ),
					  ref_now(t));
			if (r == 0) {
				cnt[c->id][N_BIND_OK]++;
				__atomic_store_n(&s->bound, (unsigned)(t - pool) + 1, __ATOMIC_RELAXED);
			}
			break;
		case 6:
			r = sched_sc_unbind(&sys, s->cap);
			cnt[c->id][N_UNBIND_OK] += r == 0;
			break;
		case 7:
			r = sched_sc_revoke(&sys, s->cap);
			if (r == 0) {
				cnt[c->id][N_REVOKE_OK]++;
				s->live = 0;
			}
			break;
		case 8:
			if (rnd(c, 4) == 0) { /* process exit: every SC of fgroup, other slots' too */
				cnt[c->id][N_REVOKE_OWNED]++;
				r = sched_sc_revoke_owned(&sys, sched_auth_root(&sys), &fgroup);
				if (r < 0)
					die("revoke_owned failed", k, (unsigned)-r);
				r = 0;
				break;
			}
			/* fall through */
		default:
			r = sched_sc_stats(&sys, s->cap, &st);
			cnt[c->id][N_SC_STATS_OK] += r == 0;
			break;
		}
	}
	/* revoked by someone else (revoke_owned): its ring is free again (a stale thread ref
	 * gives -SCHED_ESTALE too, so ask the capability itself) */
	if (r == -SCHED_ESTALE && sched_sc_stats(&sys, s->cap, &st) == -SCHED_ESTALE)
		s->live = 0;
	pthread_mutex_unlock(&s->mu);
}

/* --- mutexes, condition variables, a barrier ------------------------------------------------ */

#define BIT(e) (1u << (e))

static void bad_result(struct cpu *c, const char *call, int r, unsigned allowed)
{
	fprintf(stderr, "stress_threads: %s on cpu %u returned %d (%s); allowed 0x%x\n", call,
		c->id, r, sched_strerror(r), allowed);
	abort();
}

/* r is 0 (if ok0) or one of the errors in `allowed`. */
static void expect(struct cpu *c, const char *call, int r, bool ok0, unsigned allowed)
{
	if (r == 0 ? !ok0 : r > 0 || -r >= 32 || !(allowed & BIT(-r)))
		bad_result(c, call, r, allowed);
}

/*
 * A wait of `kind` ended with r (sched_wait_result): is that an outcome docs/mutex.md gives
 * for it (*owns: the thread owns its mutex now)? A lock wait: 0 or -EOWNERDEAD (owns),
 * -ETIMEDOUT; a condition wait: 0, -ETIMEDOUT or -EOWNERDEAD (owns), -EDEADLK; either:
 * -ENOSC or -EAFFINITY (it could not run when the mutex came to it); a barrier wait: 0.
 */
static bool wait_outcome(unsigned kind, int r, bool *owns)
{
	bool cannot = r == -SCHED_ENOSC || r == -SCHED_EAFFINITY;

	switch (kind) {
	case W_MUTEX:
		*owns = r == 0 || r == -SCHED_EOWNERDEAD;
		return *owns || r == -SCHED_ETIMEDOUT || cannot;
	case W_COND:
		*owns = r == 0 || r == -SCHED_ETIMEDOUT || r == -SCHED_EOWNERDEAD;
		return *owns || r == -SCHED_EDEADLK || cannot;
	default:
		*owns = false;
		return r == 0;
	}
}

/* Pool thread i's wait (p: kind | mutex << 4) ended with r: into its record and counts. */
static void wait_recorded(unsigned cpu, unsigned i, unsigned p, int r, bool owns)
{
	if (owns)
		__atomic_fetch_or(&held_bits[i], 1u << (p >> 4), __ATOMIC_RELAXED);
	cnt[cpu][r == 0 || (owns && r == -SCHED_ETIMEDOUT) ? N_WAIT_OWNED
		 : r == -SCHED_ETIMEDOUT ? N_WAIT_TIMEDOUT
		 : r == -SCHED_EOWNERDEAD ? N_WAIT_DEAD : N_WAIT_OTHER]++;
}

/*
 * STRESS_KNOWN_DEFECTS only: the current thread t of this CPU runs again, so a wait it went
 * into is over: its result is checked here, at once. (By default that is done at the next
 * checkpoint, resolve_waits: read here, the result races with the unlock that wrote it,
 * for ThreadSanitizer, which sees no happens-before between that unlock on one CPU and the
 * run of the woken waiter on another: reported.)
 */
static void wait_ended(struct cpu *c, struct sched_thread *t)
{
	unsigned i = (unsigned)(t - pool), p;
	bool owns;
	int r;

	if (!known_defects())
		return;
	p = __atomic_exchange_n(&pend[i], 0, __ATOMIC_RELAXED);
	if ((p & 15) == W_NONE || __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == SCHED_EXITED)
		return;
	r = sched_wait_result(t);
	if (!wait_outcome(p & 15, r, &owns))
		bad_result(c, "a wait", r, 0);
	wait_recorded(c->id, i, p, r, owns);
}

/*
 * A mutex, condition or barrier entry by t, the current thread of this CPU. What t holds
 * is known (its record), so the result must be one the documents allow: a refusal for
 * holding (or not holding) the mutex, -ESTALE if another CPU exited t meanwhile, -ECPU for
 * a timed wait on a CPU going offline, a cycle or a chain too deep for a lock.
 */
static void mutex_op(struct cpu *c, struct sched_thread *t)
{
	unsigned i = (unsigned)(t - pool), k = rnd(c, NMX), mine = __atomic_load_n(&held_bits[i],
										  __ATOMIC_RELAXED);
	bool timed = rnd(c, 4) != 0, held;
	sched_time_t dl = timed ? sched_arch_now() + (10 + rnd(c, 300)) * US : SCHED_TIME_NEVER;
	unsigned stale = BIT(SCHED_ESTALE) | (timed ? BIT(SCHED_ECPU) : 0);
	struct sched_thread *next = NULL;
	unsigned op;
	int r;

	if (__atomic_load_n(&pend[i], __ATOMIC_RELAXED))
		return; /* how its last wait ended is known at the next checkpoint */
	if (mine && rnd(c, 4)) /* mostly one it holds */
		for (unsigned j = 0; j < NMX; j++)
			if (mine & 1u << ((k + j) % NMX)) {
				k = (k + j) % NMX;
				break;
			}
	op = rnd(c, 10);
	if (!known_defects() && on_sc(t)) { /* see known_defects */
		if (op < 3 || op >= 7)
			op = op < 3 ? 3 : 4; /* a thread on an SC does not wait ... */
		if (op == 3)
			k = NMX - 1; /* ... and takes only the plain mutex: nobody lends to it */
	}
	held = mine & 1u << k;
	switch (op) {
	case 0: case 1: case 2:
		cnt[c->id][N_MX_LOCK]++;
		__atomic_store_n(&pend[i], W_MUTEX | k << 4, __ATOMIC_RELAXED); /* before: it may
						* be handed the mutex and run elsewhere at once */
		r = sched_mutex_lock(&sys, c->id, &mx[k], dl, &next);
		expect(c, "sched_mutex_lock", r, !held, held ? BIT(SCHED_EDEADLK) | stale :
		       BIT(SCHED_EDEADLK) | BIT(SCHED_EDEPTH) | stale);
		if (r < 0 || next == t)
			__atomic_store_n(&pend[i], W_NONE, __ATOMIC_RELAXED);
		if (r == 0 && next == t) {
			int w = sched_wait_result(t);

			if (w != 0 && w != -SCHED_EOWNERDEAD)
				bad_result(c, "sched_mutex_lock taken at once: wait result", w, 0);
			__atomic_fetch_or(&held_bits[i], 1u << k, __ATOMIC_RELAXED);
			cnt[c->id][N_MX_TAKEN]++;
		} else if (r == 0) {
			cnt[c->id][N_MX_WAIT]++;
		}
		break;
	case 3:
		r = sched_mutex_trylock(&sys, c->id, &mx[k]);
		expect(c, "sched_mutex_trylock", r, !held, held ? BIT(SCHED_EDEADLK) | BIT(SCHED_ESTALE)
		       : BIT(SCHED_ELOCKED) | BIT(SCHED_EDEPTH) | BIT(SCHED_ESTALE));
		if (r == 0) {
			__atomic_fetch_or(&held_bits[i], 1u << k, __ATOMIC_RELAXED);
			cnt[c->id][N_MX_TRY_OK]++;
		}
		break;
	case 4: case 5: case 6:
		r = sched_mutex_unlock(&sys, c->id, &mx[k]);
		expect(c, "sched_mutex_unlock", r, held, held ? BIT(SCHED_ESTALE)
		       : BIT(SCHED_EPERM) | BIT(SCHED_ESTALE));
		if (r == 0) {
			__atomic_fetch_and(&held_bits[i], ~(1u << k), __ATOMIC_RELAXED);
			cnt[c->id][N_MX_UNLOCK_OK]++;
		}
		break;
	case 7:
		__atomic_store_n(&pend[i], W_COND | k << 4, __ATOMIC_RELAXED);
		if (held) /* released by the wait (before anyone can hand it back) */
			__atomic_fetch_and(&held_bits[i], ~(1u << k), __ATOMIC_RELAXED);
		r = sched_cond_wait(&sys, c->id, &cv[rnd(c, NCV)], &mx[k], dl, &next);
		expect(c, "sched_cond_wait", r, held, held ? stale : BIT(SCHED_EPERM) | stale);
		if (r < 0) {
			__atomic_store_n(&pend[i], W_NONE, __ATOMIC_RELAXED);
			if (held)
				__atomic_fetch_or(&held_bits[i], 1u << k, __ATOMIC_RELAXED);
		} else {
			cnt[c->id][N_COND_WAIT]++;
		}
		break;
	default:
		__atomic_store_n(&pend[i], W_BARRIER, __ATOMIC_RELAXED);
		r = sched_barrier_wait(&sys, c->id, &bar, &next);
		expect(c, "sched_barrier_wait", r, true, BIT(SCHED_ESTALE));
		if (r < 0 || next == t)
			__atomic_store_n(&pend[i], W_NONE, __ATOMIC_RELAXED);
		cnt[c->id][N_BARRIER] += r == 0;
		break;
	}
	if (next && next != t)
		switched(c->id);
}

/* From any CPU: signal or broadcast a condition, or exit a thread (an owner hands its
 * mutexes on, a waiter's wait ends) while others lock, unlock and time out. */
static void mutex_any_op(struct cpu *c)
{
	struct sched_thread *t = any_thread(c);

	if (rnd(c, 16)) {
		struct sched_cond *x = &cv[rnd(c, NCV)];
		int r = rnd(c, 3) ? sched_cond_signal(&sys, x) : sched_cond_broadcast(&sys, x);

		expect(c, "sched_cond_signal/broadcast", r, true, 0);
		cnt[c->id][N_COND_WAKE]++;
	} else if (known_defects() || __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != SCHED_EXITED) {
		bool h = __atomic_load_n(&t->nr_leases, __ATOMIC_RELAXED) != 0;

		if (sched_exit(&sys, ref_now(t)) == 0) {
			cnt[c->id][N_MX_EXIT]++;
			cnt[c->id][N_HOLDER_EXIT] += h;
		}
	}
}

/* --- CPU isolation leases --------------------------------------------------------------------- */

static struct sched_lease leases[NLEASE];
/* The test's capabilities, by slot (under hp_mu): held[k] while it has not revoked it itself
 * (an exit or a revoke_owned may have); the revoked ones, which must stay stale. */
static struct sched_lease_cap lcaps[NLEASE];
static bool lcap_held[NLEASE];
static struct sched_lease_cap lstale[NSTALE];
static unsigned nlstale;

static void lease_stale(struct sched_lease_cap cap)
{
	lstale[nlstale++ % NSTALE] = cap;
}

/*
 * Grant or revoke a lease, one CPU at a time: under the hotplug mutex (callers serialise
 * grants with hotplug and affinity changes); revoke_owned from any CPU at any time. Each
 * result must be one lease.h gives for what the test knows.
 */
static void lease_op(struct cpu *c)
{
	unsigned k = rnd(c, NLEASE);
	int r;

	if (rnd(c, 8) == 0) { /* process exit or service teardown, from any CPU */
		r = sched_lease_revoke_owned(&sys, sched_auth_root(&sys), rnd(c, 2) ? &group : &fgroup);
		if (r < 0)
			die("sched_lease_revoke_owned", (unsigned)-r, c->id);
		cnt[c->id][N_OWNED_REVOKED] += (unsigned)r;
		return;
	}
	if (pthread_mutex_trylock(&hp_mu) != 0)
		return;
	if (lcap_held[k] && rnd(c, 2)) {
		r = sched_lease_revoke(&sys, lcaps[k]);
		if (r != 0 && r != -SCHED_ESTALE) /* ESTALE: its holder exited, or revoke_owned */
			die("sched_lease_revoke", (unsigned)-r, c->id);
		cnt[c->id][r ? N_LEASE_REVOKED_BEFORE : N_LEASE_REVOKE_OK]++;
		lease_stale(lcaps[k]);
		lcap_held[k] = false;
	} else {
		struct sched_lease_params p = { 0 };
		struct sched_lease_cap cap;
		unsigned h = rnd(c, 4);

		sched_cpumask_set(&p.cpus, rnd(c, CPUS));
		if (rnd(c, 4) == 0)
			sched_cpumask_set(&p.cpus, rnd(c, CPUS));
		if (h < 2)
			p.thread = ref_now(any_thread(c));
		else
			p.group = h == 2 ? &group : &fgroup;
		cnt[c->id][N_GRANT]++;
		r = sched_lease_grant(&sys, rnd(c, 8) ? sched_auth_root(&sys) : narrow_tok, &p, &cap);
		if (r == 0) {
			if (lcap_held[cap.index]) /* revoked meanwhile by an exit or revoke_owned */
				lease_stale(lcaps[cap.index]);
			lcaps[cap.index] = cap;
			lcap_held[cap.index] = true;
			cnt[c->id][N_GRANT_OK]++;
		} else if (r == -SCHED_EAGAIN) { /* a thread is migrating to one of its CPUs */
			cnt[c->id][N_GRANT_EAGAIN]++;
		} else if (r == -SCHED_ESTALE || r == -SCHED_EPERM || r == -SCHED_ECPU ||
			   r == -SCHED_ELEASED || r == -SCHED_EHOUSEKEEPING || r == -SCHED_EFULL ||
			   r == -SCHED_EPINNED || (r == -SCHED_EUNSCHED && islands_on)) {
			cnt[c->id][N_GRANT_REFUSED]++;
		} else {
			die("sched_lease_grant", (unsigned)-r, c->id);
		}
	}
	pthread_mutex_unlock(&hp_mu);
}

/* --- polling rings ------------------------------------------------------------------------------ */

/* The rings, and their entries (the kernel's memory): published and consumed, with
 * sequentially consistent accesses as ring.h asks. Per pool thread, 1 + the ring whose
 * poll was its last blocking call (written by the CPU running it; 0 once it runs again).
 * A thread may consume several rings; parked in one's poll, it marked only that one. */
static struct sched_ring prings[NRING];
static uint64_t ring_tail[NRING], ring_head[NRING];
static unsigned in_poll[THREADS];

/* The consumer looks at ring k: it takes what was published. */
static bool ring_take(unsigned k)
{
	uint64_t tail = __atomic_load_n(&ring_tail[k], __ATOMIC_SEQ_CST);

	return __atomic_exchange_n(&ring_head[k], tail, __ATOMIC_SEQ_CST) != tail;
}

/* Register, produce, or (the current thread of this CPU) consume as ring.h says. */
static void ring_op(struct cpu *c, struct sched_thread *cur)
{
	unsigned k = rnd(c, NRING), i;
	struct sched_ring *rg = &prings[k];
	struct sched_thread *next = cur;
	bool work;
	int r;

	switch (rnd(c, 4)) {
	case 0: /* a producer, on any CPU: the entries first, then the call */
		__atomic_add_fetch(&ring_tail[k], 1 + rnd(c, 3), __ATOMIC_SEQ_CST);
		r = sched_ring_submit(&sys, rg);
		/* -SCHED_ESTATE: no live consumer (or it exited meanwhile); the others: refused
		 * while its consumer cannot run (the ring stays marked) */
		if (r != 0 && r != 1 && r != -SCHED_ESTATE && r != -SCHED_EAFFINITY &&
		    r != -SCHED_ENOSC && r != -SCHED_ELENT)
			die("sched_ring_submit", (unsigned)-r, c->id);

		cnt[c->id][N_SUBMIT] += r >= 0;
		cnt[c->id][N_SUBMIT_UNPARKED] += r == 1;
		return;
	case 1:
		if (!cur)
			return;
		r = sched_ring_register(&sys, rg, sched_ref_of(cur));
		if (r != 0 && r != -SCHED_EOWNED && r != -SCHED_ESTALE) /* ESTALE: exited meanwhile */
			die("sched_ring_register", (unsigned)-r, c->id);
		cnt[c->id][r == 0 ? N_RING_REG : N_RING_EOWNED] += r != -SCHED_ESTALE;
		return;
	default:
		break;
	}
	if (!cur)
		return;
	i = (unsigned)(cur - pool);
	__atomic_store_n(&in_poll[i], k + 1, __ATOMIC_RELAXED); /* before: it may park in there */
	work = ring_take(k);
	r = sched_ring_poll(&sys, c->id, rg, work, &next);
	cnt[c->id][N_POLL_WORK] += work && r == 0;
	if (r == SCHED_RING_RECHECK) { /* the mark is set: look once more, then poll again */
		cnt[c->id][N_RECHECK]++;
		cnt[c->id][N_POLL]++;
		r = sched_ring_poll(&sys, c->id, rg, ring_take(k), &next);
	}
	/* EPERM: not its consumer; ESTALE: exited by another CPU meanwhile (park) */
	if (r != 0 && r != SCHED_RING_RECHECK && r != -SCHED_EPERM && r != -SCHED_ESTALE)
		die("sched_ring_poll", (unsigned)-r, c->id);
	cnt[c->id][N_POLL] += r != -SCHED_EPERM;
	cnt[c->id][N_RECHECK] += r == SCHED_RING_RECHECK;
	if (r == 0 && next != cur) {
		cnt[c->id][N_PARKED]++;
		switched(c->id);
	} else {
		__atomic_store_n(&in_poll[i], 0, __ATOMIC_RELAXED);
	}
}

/* --- realtime islands (the third round) ----------------------------------------------------- */

static struct sched_island islands[NISL];
static struct sched_mem_pool mpools[2];
static struct sched_rt_task admit_scratch[NSC + ISC + 1 + NISL * 2 + 8];
static struct sched_refill irings[ISC][4];
/* The test's record (under isl_mu): the capability of each island it admitted and has not
 * revoked itself (revoke_owned may have), the SC made on each member ring, the island
 * capabilities revoked, which must stay stale. */
static pthread_mutex_t isl_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sched_island_cap icaps[NISL];
static bool icap_held[NISL];
static struct sched_sc_cap iring_sc[ISC];
static bool iring_used[ISC];
static struct sched_island_cap istale[NSTALE];
static unsigned nistale;

/* A member ring free of a live SC (isl_mu held): its SC was revoked, with its island or
 * alone; asked through the SC's figures, which take sc_lock. */
static int free_ring(void)
{
	struct sched_sc_stats st;

	for (unsigned k = 0; k < ISC; k++)
		if (!iring_used[k] || sched_sc_stats(&sys, iring_sc[k], &st) == -SCHED_ESTALE)
			return (int)k;
	return -1;
}

/*
 * Admit an island on one CPU (leased: holding the hotplug mutex, as a lease grant must),
 * one or two members on fresh SCs, now and then an IRQ line, a booking, a server on a
 * path; bind its first member to a thread and wake it. Or revoke one the test holds (0, or
 * -SCHED_ESTALE when revoke_owned came first). Every result is one island.h lists.
 */
static void island_admit_or_revoke(struct cpu *c)
{
	struct sched_island_member m[2];
	struct sched_island_server srv;
	struct sched_island_path path = { .from = 0, .to = 0, .calls = 1, .cost_ns = 5 * US };
	struct sched_island_irq irq;
	struct sched_island_mem mem = { (uint16_t)rnd(c, 2), 1 + rnd(c, 3) };
	struct sched_island_params p = { 0 };
	struct sched_island_verdict v;
	struct sched_island_cap cap;
	unsigned cpu = 2 + rnd(c, CPUS - 2), k = rnd(c, NISL); /* where SCs may fit */
	bool leased = rnd(c, 2), hp = false;
	int r;

	if (pthread_mutex_trylock(&isl_mu) != 0)
		return;
	if (icap_held[k] && rnd(c, 2)) {
		r = sched_island_revoke(&sys, sched_auth_root(&sys), icaps[k]);
		if (r != 0 && r != -SCHED_ESTALE) /* ESTALE: revoked by owner meanwhile */
			die("sched_island_revoke", (unsigned)-r, c->id);
		cnt[c->id][r ? N_ISL_REVOKED_BEFORE : N_ISL_REVOKE_OK]++;
		istale[nistale++ % NSTALE] = icaps[k];
		icap_held[k] = false;
		pthread_mutex_unlock(&isl_mu);
		return;
	}
	if (leased && pthread_mutex_trylock(&hp_mu) != 0) {
		pthread_mutex_unlock(&isl_mu);
		return;
	}
	hp = leased;
	p.group = rnd(c, 2) ? &group : &fgroup;
	sched_cpumask_set(&p.cpus, cpu);
	p.cpu_mode = leased ? SCHED_ISLAND_LEASED : SCHED_ISLAND_SHARED;
	p.overrun = (uint8_t)rnd(c, 3);
	p.endpoint = 0;
	p.members = m;
	p.nr_members = 1 + rnd(c, 2);
	for (unsigned i = 0; i < p.nr_members; i++) {
		int ring = free_ring();

		if (ring < 0 || sched_sc_create(&sys, NULL, irings[ring], 4, &m[i].sc) != 0) {
			for (unsigned j = 0; j < i; j++)
				sched_sc_revoke(&sys, m[j].sc);
			goto out;
		}
		iring_sc[ring] = m[i].sc;
		iring_used[ring] = true;
		m[i].p = (struct sched_sc_params){ .budget_ns = 50 * US + rnd(c, 200) * US,
						   .period_ns = MS + rnd(c, 4) * MS, .cpus = p.cpus,
						   .dispatch = SCHED_SC_PARTITIONED };
		m[i].name = NULL;
	}
	if (rnd(c, 2)) {
		irq = (struct sched_island_irq){ .line = 1 + rnd(c, 4), .cpu = (uint16_t)cpu,
						 .min_gap_ns = MS, .cost_ns = 10 * US };
		p.irqs = &irq;
		p.nr_irqs = 1;
	}
	if (rnd(c, 2)) {
		p.mem = &mem;
		p.nr_mem = 1;
	}
	if (rnd(c, 4) == 0) { /* a server (passive in half its lives) of its group, on a path */
		struct sched_thread *t = server(c);

		p.group = (unsigned)(t - pool) % 3 ? &group : &fgroup; /* as thread_init gave it */
		srv = (struct sched_island_server){ ref_now(t), NULL };
		p.servers = &srv;
		p.nr_servers = 1;
		p.paths = &path;
		p.nr_paths = 1;
	}
	cnt[c->id][N_ISL_ADMIT]++;
	r = sched_island_admit(&sys, sched_auth_root(&sys), &p, &cap, &v);
	if (r != v.err || (r < 0 && r != -SCHED_ECPU && r != -SCHED_ESTALE && r != -SCHED_EFULL &&
			   r != -SCHED_EPERM && /* a server of another group */
			   r != -SCHED_ELEASED && r != -SCHED_ERESERVE && r != -SCHED_EPATH &&
			   r != -SCHED_EUNSCHED && r != -SCHED_EHOUSEKEEPING && r != -SCHED_EAGAIN &&
			   r != -SCHED_EPINNED))
		die("sched_island_admit", (unsigned)-r, c->id);
	if (r < 0) { /* nothing changed: its SCs are still ours to revoke */
		for (unsigned i = 0; i < p.nr_members; i++)
			if (sched_sc_revoke(&sys, m[i].sc) != 0)
				die("revoke of a refused island's SC", i, c->id);
		cnt[c->id][N_ISL_REFUSED]++;
		goto out;
	}
	cnt[c->id][N_ISL_ADMIT_OK]++;
	if (icap_held[cap.index]) /* revoked meanwhile by owner */
		istale[nistale++ % NSTALE] = icaps[cap.index];
	icaps[cap.index] = cap;
	icap_held[cap.index] = true;
	{ /* its first member's thread: one of its group's, allowed on that CPU alone */
		struct sched_thread *t = any_thread(c);
		struct sched_ref tr = ref_now(t);

		if (hp || pthread_mutex_trylock(&hp_mu) == 0) { /* affinity: serialised with hotplug */
			sched_set_affinity(&sys, tr, &p.cpus);
			if (!hp)
				pthread_mutex_unlock(&hp_mu);
		}
		if (sched_sc_bind(&sys, m[0].sc, tr) == 0) {
			cnt[c->id][N_ISL_BIND_OK]++;
			sched_wake(&sys, tr, SCHED_WAKE_PARK);
		}
	}
out:
	if (hp)
		pthread_mutex_unlock(&hp_mu);
	pthread_mutex_unlock(&isl_mu);
}

/* What the current thread of this CPU (or any) did on its realtime path: 0 when it is no
 * island thread or blocks on a declared path, 1 for a violation, -SCHED_EPATH for a blocking
 * call off the paths, -SCHED_ESTALE for one that exited, -SCHED_EINVAL for V_CALL. */
static void island_report(struct cpu *c, struct sched_thread *cur)
{
	struct sched_thread *t = cur && rnd(c, 4) ? cur : any_thread(c);
	unsigned what = rnd(c, SCHED_ISLAND_V_NR);
	int r = sched_island_report(&sys, ref_now(t), what, ref_now(server(c)));

	if (what == SCHED_ISLAND_V_CALL ? r != -SCHED_EINVAL
	    : r != 0 && r != 1 && r != -SCHED_EPATH && r != -SCHED_ESTALE)
		die("sched_island_report", (unsigned)-r, what);
	cnt[c->id][N_ISL_REPORT]++;
	cnt[c->id][N_ISL_VIOLATION] += r == 1 || r == -SCHED_EPATH;
}

static void island_op(struct cpu *c, struct sched_thread *cur)
{
	int r;

	switch (rnd(c, 6)) {
	case 0: case 1: case 2:
		island_admit_or_revoke(c);
		break;
	case 3: /* a process exits, or its service is torn down: from any CPU, at any time */
		r = sched_island_revoke_owned(&sys, sched_auth_root(&sys), rnd(c, 2) ? &group : &fgroup);
		if (r < 0)
			die("sched_island_revoke_owned", (unsigned)-r, c->id);
		cnt[c->id][N_ISL_OWNED] += (unsigned)r;
		break;
	default:
		island_report(c, cur);
		break;
	}
}

/* At a checkpoint: the islands the test holds answer (or were revoked by owner), the ones it
 * revoked fail closed; each admitted island's lease is an island's (the checker verifies
 * the bookings and each member SC). */
static void check_islands(void)
{
	struct sched_island_stats st;

	for (unsigned k = 0; k < NISL; k++) {
		int r;

		if (!icap_held[k])
			continue;
		r = sched_island_stats(&sys, icaps[k], &st, NULL, 0);
		if (r != 0 && r != -SCHED_ESTALE)
			fail_msg("sched_island_stats of a held island: %d", r);
	}
	for (unsigned k = 0; k < NSTALE && k < nistale; k++)
		if (sched_island_stats(&sys, istale[k], &st, NULL, 0) != -SCHED_ESTALE)
			fail_msg("revoked island capability {%u, %u} answers", istale[k].index,
				 istale[k].gen);
	for (unsigned k = 0; k < NISL; k++)
		if (islands[k].state && islands[k].cpu_mode == SCHED_ISLAND_LEASED &&
		    (islands[k].lease.index >= NLEASE || !leases[islands[k].lease.index].island ||
		     leases[islands[k].lease.index].state == SCHED_LEASE_FREE))
			fail_msg("leased island %u without its lease", k);
}

/* set_fair on a thread bound to an SC (throttled or demoted, quite often). */
static struct sched_thread *sc_thread(struct cpu *c)
{
	unsigned b = __atomic_load_n(&slots[rnd(c, NSC)].bound, __ATOMIC_RELAXED);

	return b ? &pool[b - 1] : any_thread(c);
}

/* Decision records written by every CPU at once (a 64-slot ring wraps all the time): what a
 * reader gets back is whole and in order, and formats within its buffer. */
static struct sched_why why_ring[64];
static struct sched_explain_log why_log;

static void explain_look(void)
{
	struct sched_why w[16];
	unsigned n = sched_explain_read(&sys, NULL, w, 16);
	char buf[48];

	for (unsigned i = 0; i < n; i++) {
		if (w[i].kind >= SCHED_WHY_NR || !strcmp(sched_why_cause_name(w[i].kind, w[i].cause), "?"))
			die("a decision record of no kind or cause", w[i].kind, w[i].cause);
		if (i && w[i].seq <= w[i - 1].seq)
			die("decision records out of order", (unsigned)w[i - 1].seq, (unsigned)w[i].seq);
		if (w[i].kind == SCHED_WHY_MIGRATE && (w[i].cpu == w[i].cpu2 || w[i].cpu2 >= CPUS))
			die("a migration record from a CPU to itself or none", w[i].cpu, w[i].cpu2);
		buf[sizeof(buf) - 1] = 'x';
		sched_explain_format(&w[i], buf, sizeof(buf) - 1);
		if (buf[sizeof(buf) - 1] != 'x' || strlen(buf) >= sizeof(buf) - 1)
			die("explain format wrote past its buffer", w[i].kind, 0);
	}
}

static void random_op(struct cpu *c)
{
	struct sched_thread *t = any_thread(c), *cur = me(c->id);
	struct sched_ref r = ref_now(t);

	if (cur) {
		wait_ended(c, cur); /* it runs: a wait it went into is over */
		__atomic_store_n(&in_poll[cur - pool], 0, __ATOMIC_RELAXED);
	}
	switch (rnd(c, 31)) {
	case 0: case 1: case 2: case 3: case 4:
		sched_wake(&sys, r, SCHED_WAKE_PARK);
		break;
	case 5:
		sched_wake(&sys, ref_now(server(c)), SCHED_WAKE_IPC);
		break;
	case 6:
		sched_unpark(&sys, r);
		break;
	case 7: case 8: case 9: case 10:
		if (cur)
			on_cpu_op(c, cur);
		break;
	case 11:
		affinity_op(c, r);
		if (rnd(c, 4) == 0)
			explain_look();
		break;
	case 12:
		if (sys.cfg.core_sched && rnd(c, 2))
			cookie_op(c, r);
		else
			reuse(c);
		break;
	case 13: case 14: case 15:
		sc_op(c);
		break;
	case 16:
		if (rnd(c, 2))
			fair_op(c, t);
		else
			rt_op(c, t);
		break;
	case 17:
		fair_op(c, sc_thread(c));
		break;
	case 18: case 19: case 20:
		if (cur)
			mutex_op(c, cur);
		break;
	case 21:
		mutex_any_op(c);
		break;
	case 22:
		if (islands_on && rnd(c, 2))
			island_op(c, cur);
		else
			lease_op(c);
		break;
	case 23: case 24:
		ring_op(c, cur);
		break;
	default:
		resched(c->id);
		break;
	}
	if (sched_need_resched(&sys, c->id))
		resched(c->id);
}

/* CPU 0: take another CPU offline, or let a parked one come back. */
static void hotplug_step(struct cpu *c)
{
	sched_time_t now = sched_arch_now();
	unsigned cpu = 1 + rnd(c, CPUS - 1), off = 0;
	int st, r;

	if (now < c->next_hp)
		return;
	c->next_hp = now + 300 * US + rnd(c, 1500) * US;
	for (unsigned i = 0; i < CPUS; i++)
		off += __atomic_load_n(&hp_state[i], __ATOMIC_ACQUIRE) != HP_ONLINE;
	st = __atomic_load_n(&hp_state[cpu], __ATOMIC_ACQUIRE);
	if (st == HP_PARKED) {
		__atomic_store_n(&hp_state[cpu], HP_WANT_ONLINE, __ATOMIC_RELEASE);
	} else if (st == HP_ONLINE && off < 2) {
		cnt[c->id][N_OFFLINE]++;
		pthread_mutex_lock(&hp_mu);
		r = sched_cpu_offline(&sys, cpu);
		if (r == 0)
			__atomic_store_n(&hp_state[cpu], HP_OFFLINE, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&hp_mu);
		if (r == 0)
			cnt[c->id][N_OFFLINE_OK]++;
		else if (r == -SCHED_ELEASED || r == -SCHED_EHOUSEKEEPING)
			cnt[c->id][N_OFF_LEASED]++;
		else if (r != -SCHED_ELAST_CPU && r != -SCHED_EPINNED && r != -SCHED_EAGAIN &&
			 !(r == -SCHED_EUNSCHED && islands_on)) /* admission counts on that CPU */
			die("offline failed", cpu, (unsigned)-r);
	}
}

/* Quiescent checkpoint: stop between two operations until the main thread is done. */
static void maybe_pause(unsigned cpu)
{
	unsigned gen = __atomic_load_n(&release_gen, __ATOMIC_ACQUIRE);

	if (!__atomic_load_n(&pause_req, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&paused[cpu], 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&release_gen, __ATOMIC_ACQUIRE) == gen)
		sched_yield();
}

static void *cpu_main(void *arg)
{
	struct cpu c = { .id = (unsigned)(uintptr_t)arg, .rng = 99 + (uintptr_t)arg };
	int r;

	my_cpu = c.id;
	if ((r = sched_cpu_online(&sys, c.id, &idle[c.id])) < 0)
		die("online failed", c.id, (unsigned)-r);
	maybe_pause(c.id); /* every CPU online before anything starts */
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		int st;

		maybe_pause(c.id);
		__atomic_store_n(&beats[c.id], beats[c.id] + 1, __ATOMIC_RELAXED);
		st = __atomic_load_n(&hp_state[c.id], __ATOMIC_ACQUIRE);
		interrupts(c.id);
		handle_notes(&c);
		if (st == HP_ONLINE || st == HP_OFFLINE) {
			/* a CPU being taken offline runs on until its current thread has left */
			random_op(&c);
			if (st == HP_OFFLINE && !me(c.id) && !sched_need_resched(&sys, c.id))
				__atomic_store_n(&hp_state[c.id], HP_PARKED, __ATOMIC_RELEASE);
		} else if (st == HP_WANT_ONLINE) {
			pthread_mutex_lock(&hp_mu);
			r = sched_cpu_online(&sys, c.id, &idle[c.id]);
			pthread_mutex_unlock(&hp_mu);
			if (r < 0)
				die("online again failed", c.id, (unsigned)-r);
			__atomic_store_n(&hp_state[c.id], HP_ONLINE, __ATOMIC_RELEASE);
			cnt[c.id][N_ONLINE]++;
		} else {
			sched_yield(); /* parked: interrupts only */
		}
		if (c.id == 0)
			hotplug_step(&c);
		cnt[c.id][N_OPS]++;
	}
	return NULL;
}

/* --- a record of every trace event, for the report of a failed lease check -------------- */

/*
 * Every CPU's trace events (sched_config.trace: called once stored, under that CPU's rq
 * lock) go into one ring, in the order they claimed a slot, so a failed check can show how
 * a thread reached a leased CPU: its wakes, migrations and switches around the lease's
 * grant. A slot is claimed with one atomic add; the reader runs at a quiescent point.
 */
#define EVLOG 262144 /* a power of two: about the last quarter of a second under load */
static struct sched_trace_event evlog[EVLOG];
static uint64_t evlog_head; /* atomic */

static void evlog_put(void *ctx, const struct sched_trace_event *ev)
{
	uint64_t n = __atomic_fetch_add(&evlog_head, 1, __ATOMIC_RELAXED);
	struct sched_trace_event *e = &evlog[n % EVLOG];

	(void)ctx;
	/* atomic: a slot is written again a ring later, by any CPU */
	__atomic_store_n(&e->time, ev->time, __ATOMIC_RELAXED);
	__atomic_store_n(&e->arg, ev->arg, __ATOMIC_RELAXED);
	__atomic_store_n(&e->tid, ev->tid, __ATOMIC_RELAXED);
	__atomic_store_n(&e->cpu, ev->cpu, __ATOMIC_RELAXED);
	__atomic_store_n(&e->type, ev->type, __ATOMIC_RELAXED);
	__atomic_store_n(&e->aux, ev->aux, __ATOMIC_RELAXED);
}

/* Decision records kept long enough to name who moved a thread, with STRESS_WHY_LONG=1
 * (by default the 64-slot ring that wraps all the time). */
static struct sched_why why_long[65536];

static const char *const ev_name[SCHED_TR_NR] = {
	[SCHED_TR_SWITCH] = "switch", [SCHED_TR_WAKE] = "wake", [SCHED_TR_MIGRATE] = "migrate",
	[SCHED_TR_BLOCK] = "block", [SCHED_TR_EXIT] = "exit", [SCHED_TR_IPI] = "ipi",
	[SCHED_TR_TICK] = "tick", [SCHED_TR_LEASE] = "lease", [SCHED_TR_MISS] = "miss",
	[SCHED_TR_ISLAND] = "island",
};

static bool ev_about(const struct sched_trace_event *e, uint32_t tid)
{
	switch (e->type) {
	case SCHED_TR_SWITCH:
		return e->tid == tid || e->arg == tid;
	case SCHED_TR_WAKE: case SCHED_TR_MIGRATE: case SCHED_TR_BLOCK: case SCHED_TR_EXIT:
		return e->tid == tid;
	case SCHED_TR_LEASE:
		return true;
	default:
		return false;
	}
}

/* The last `max` events about thread tid, oldest first, with every lease event between. */
static void evlog_dump(uint32_t tid, unsigned max)
{
	uint64_t head = __atomic_load_n(&evlog_head, __ATOMIC_ACQUIRE), from, i, n = 0;

	from = head > EVLOG ? head - EVLOG : 0;
	for (i = head; i > from && n < max; i--) {
		const struct sched_trace_event *e = &evlog[(i - 1) % EVLOG];

		n += ev_about(e, tid) && e->type != SCHED_TR_LEASE;
	}
	for (; i < head; i++) {
		const struct sched_trace_event *e = &evlog[i % EVLOG];

		if (!ev_about(e, tid))
			continue;
		fprintf(stderr, "    %llu cpu %u %-7s tid %u arg %llu aux %u\n",
			(unsigned long long)e->time, e->cpu,
			e->type < SCHED_TR_NR ? ev_name[e->type] : "?", e->tid,
			(unsigned long long)e->arg, e->aux);
	}
}

/* Who moved thread tid lately (migration decision records, with STRESS_WHY_LONG). */
static void why_dump(uint32_t tid)
{
	struct sched_why w[24];
	struct sched_why_filter f = { .kinds = 1u << SCHED_WHY_MIGRATE, .tid = tid };
	unsigned n = sched_explain_read(&sys, &f, w, 24);
	char buf[160];

	for (unsigned i = 0; i < n; i++) {
		sched_explain_format(&w[i], buf, sizeof(buf));
		fprintf(stderr, "    why #%llu at %llu cause %u: %s\n", (unsigned long long)w[i].seq,
			(unsigned long long)w[i].time, w[i].cause, buf);
	}
}

/* A thread a lease does not hold, found on its CPU: its fields, and how it got there. */
static void dump_intruder(const struct sched_thread *t)
{
	fprintf(stderr, "  thread %u: state %u cpu %u on_cpu %u dst %u mig_cause %u aff %llx "
		"timeout %u gen %u woken %llu last_ran %llu\n", t->id, t->state, t->cpu, t->on_cpu,
		t->dst_cpu, t->mig_cause, (unsigned long long)t->affinity.w[0], t->timeout_armed,
		t->gen, (unsigned long long)t->woken_at, (unsigned long long)t->last_ran);
	evlog_dump(t->id, 48);
	why_dump(t->id);
}

/* --- the checks at quiescent points ------------------------------------------------------------ */

/*
 * Wait until every CPU stopped between two operations (pause_req set). A CPU that does not
 * come within WATCHDOG_MS is stuck inside libsched (a deadlock or livelock): say which,
 * and abort, rather than leave a bare meson timeout.
 */
static void wait_paused(void)
{
	sched_time_t t0 = sched_arch_now();
	struct timespec nap = { 0, 100000 };
	unsigned n;

	do {
		n = 0;
		for (unsigned c = 0; c < CPUS; c++)
			n += __atomic_load_n(&paused[c], __ATOMIC_ACQUIRE);
		if (n < CPUS && sched_arch_now() - t0 > WATCHDOG_MS * MS) {
			for (unsigned c = 0; c < CPUS; c++)
				if (!__atomic_load_n(&paused[c], __ATOMIC_ACQUIRE))
					fprintf(stderr, "stress_threads: CPU %u stuck for %u ms "
						"(hotplug state %d, %llu loops)\n", c, WATCHDOG_MS,
						__atomic_load_n(&hp_state[c], __ATOMIC_ACQUIRE),
						(unsigned long long)__atomic_load_n(&beats[c], __ATOMIC_RELAXED));
			die("no quiescent point: a CPU is stuck in libsched", n, CPUS);
		}
		if (n < CPUS)
			nanosleep(&nap, NULL);
	} while (n < CPUS);
	__atomic_store_n(&pause_req, 0, __ATOMIC_RELEASE);
}

static void release_cpus(void)
{
	for (unsigned c = 0; c < CPUS; c++)
		__atomic_store_n(&paused[c], 0, __ATOMIC_RELAXED);
	__atomic_add_fetch(&release_gen, 1, __ATOMIC_RELEASE);
}

static bool in_tree(struct sched_rb_tree *tr, const struct sched_rb_node *n)
{
	for (struct sched_rb_node *x = tr->leftmost; x; x = sched_rb_next(x))
		if (x == n)
			return true;
	return false;
}

static bool is_current(const struct sched_thread *t)
{
	for (unsigned c = 0; c < CPUS; c++)
		if (sys.rq[c].curr == t)
			return true;
	return false;
}

static void dump_leases(void);

static void check_or_fail(const char *when)
{
	if (sched_check(&sys) < 0) { /* core scheduling: siblings' current cookies match too */
		dump_leases();
		fail_msg("checker (%s): %s (%u)", when, sys.check_msg, sys.check_arg);
	}
}

/*
 * After sched_check every queued thread carries this check's stamp: a RUNNABLE thread
 * without it must be waiting for a refill on its CPU, else it is lost; a RUNNING one must be
 * some CPU's current thread; an armed timeout must be in its CPU's sleeper tree. SCs: a
 * thread runs on a live SC only as its holder; an exited thread holds nothing.
 */
static void assert_no_thread_lost(void)
{
	for (unsigned i = 0; i < THREADS; i++) {
		struct sched_thread *t = &pool[i];
		uint8_t st = t->state;

		if (st == SCHED_RUNNABLE && t->check_stamp != sys.check_epoch &&
		    !(t->sc_wait && !t->on_class && in_tree(&sys.rq[t->cpu].sc_wait, &t->sc_node)))
			fail_msg("thread %u RUNNABLE but in no queue", t->id);
		if ((st == SCHED_RUNNING || st == SCHED_MIGRATING) && !is_current(t))
			fail_msg("thread %u RUNNING but no CPU's current thread", t->id);
		if (st == SCHED_BLOCKED && t->timeout_armed &&
		    !in_tree(&sys.rq[t->cpu].sleepers, &t->timeout_node))
			fail_msg("thread %u has a timeout in no sleeper tree", t->id);
		if (t->sc && (t->sc->state == SCHED_SC_FREE || t->sc->holder != t))
			fail_msg("thread %u runs on an SC it does not hold", t->id);
		if (t->own_sc && t->own_sc->bound != t)
			fail_msg("thread %u owns an SC not bound to it", t->id);
		if (st == SCHED_EXITED && (t->sc || t->own_sc || t->donor))
			fail_msg("exited thread %u still on an SC or a chain", t->id);
	}
	for (unsigned k = 0; k < NSC + ISC; k++) {
		struct sched_sc *sc = &scs[k];

		if (sc->state == SCHED_SC_FREE && (sc->holder || sc->bound))
			fail_msg("free SC %u still held or bound", k);
	}
}

/* The waiters of q are BLOCKED and wait on obj, and there are q->n of them. */
static void check_waiters(const struct sched_waitq *wq, const void *obj, const char *what)
{
	unsigned n = 0;

	for (struct sched_rb_node *x = wq->tree.leftmost; x; x = sched_rb_next(x)) {
		const struct sched_thread *t = sched_rb_entry(x, struct sched_thread, wait_node);

		if (++n > THREADS || t->state != SCHED_BLOCKED || t->waits_on != obj)
			fail_msg("%s: waiter %u is in state %u, waits on %p", what, t->id, t->state,
				 t->waits_on);
	}
	if (n != wq->n)
		fail_msg("%s: %u waiters counted, %u recorded", what, n, wq->n);
}

static int mx_index(const void *p)
{
	for (int k = 0; k < NMX; k++)
		if (p == &mx[k])
			return k;
	return -1;
}

/*
 * The mutex checker on every thread; every waiter of the pool BLOCKED on its object; a free
 * mutex without waiters (a lost wake-up); owners alive; owner chains acyclic and bounded; the
 * barrier's arrivals its waiters, fewer than its count; what each live thread's record says
 * it holds owned by it, and a mutex it owns beyond that handed to it in a wait it has not
 * run after yet.
 */
static void check_mutex_pool(void)
{
	for (unsigned i = 0; i < THREADS; i++)
		if (sched_mutex_check(&sys, &pool[i]) < 0)
			fail_msg("mutex checker: %s (%u)", sys.check_msg, sys.check_arg);
	for (unsigned k = 0; k < NMX; k++) {
		check_waiters(&mx[k].waiters, &mx[k], "mutex");
		if (!mx[k].owner && mx[k].waiters.n)
			fail_msg("mutex %u is free with %u waiters: a lost wake-up", k, mx[k].waiters.n);
		if (mx[k].owner && mx[k].owner->state == SCHED_EXITED)
			fail_msg("mutex %u owned by exited thread %u", k, mx[k].owner->id);
	}
	for (unsigned k = 0; k < NCV; k++)
		check_waiters(&cv[k].waiters, &cv[k], "condition");
	check_waiters(&bar.waiters, &bar, "barrier");
	if (bar.arrived != bar.waiters.n || bar.arrived >= bar.count)
		fail_msg("barrier: %u arrived, %u waiting, count %u", bar.arrived, bar.waiters.n,
			 bar.count);
	for (unsigned i = 0; i < THREADS; i++) {
		const struct sched_thread *t = &pool[i], *o = t;
		unsigned d = 0;

		while (mx_index(o->waits_on) >= 0) {
			o = ((const struct sched_mutex *)o->waits_on)->owner;
			if (!o || o == t || ++d > SCHED_MUTEX_DEPTH_MAX)
				fail_msg("thread %u: owner chain broken, cyclic or too long", t->id);
		}
		if (t->state == SCHED_EXITED)
			continue;
		for (unsigned k = 0; k < NMX; k++) {
			bool rec = held_bits[i] & 1u << k;

			if (rec && mx[k].owner != t)
				fail_msg("thread %u's record holds mutex %u, owned by %u", t->id, k,
					 mx[k].owner ? mx[k].owner->id : 0);
			if (!rec && mx[k].owner == t && (pend[i] & 15) == W_NONE)
				fail_msg("thread %u owns mutex %u outside its record, with no wait", t->id,
					 k);
		}
	}
}

/* At a checkpoint: the waits that ended since (the thread is not waiting any more, run or
 * not) are checked and recorded; their outcome agrees with who owns the mutex. */
static void resolve_waits(void)
{
	for (unsigned i = 0; i < THREADS; i++) {
		const struct sched_thread *t = &pool[i];
		unsigned p = pend[i], k = p >> 4;
		bool owns;

		if ((p & 15) == W_NONE || t->waits_on)
			continue;
		pend[i] = W_NONE;
		if (t->state == SCHED_EXITED)
			continue;
		if (!wait_outcome(p & 15, t->wait_result, &owns) ||
		    ((p & 15) != W_BARRIER && owns != (mx[k].owner == t)))
			fail_msg("thread %u: a wait (kind %u) ended with %d, mutex %u owned by %u",
				 t->id, p & 15, t->wait_result, k, mx[k].owner ? mx[k].owner->id : 0);
		wait_recorded(0, i, p, t->wait_result, owns);
	}
}

static void count_states(void)
{
	for (unsigned c = 0; c < CPUS; c++)
		q[Q_OFFLINE] += !sys.rq[c].online;
	for (unsigned i = 0; i < THREADS; i++) {
		struct sched_thread *t = &pool[i];
		unsigned d = 0;

		q[Q_THROTTLED] += t->sc_wait && !t->on_class;
		q[Q_DEMOTED] += t->sc_wait && t->on_class == sys.classes[SCHED_SLOT_fair];
		q[Q_EDF_QUEUED] += t->state == SCHED_RUNNABLE && t->on_class == &sched_edf_class;
		q[Q_DONATED] += t->sc && t->sc != t->own_sc;
		q[Q_PASSIVE] += t->passive;
		for (const struct sched_thread *x = t; x->donor && d <= THREADS; x = x->donor)
			d++;
		if (d > q[Q_MAX_CHAIN])
			q[Q_MAX_CHAIN] = d;
	}
}

static bool in_group(const struct sched_group *g, const struct sched_group *scope)
{
	for (; g; g = g->parent)
		if (g == scope)
			return true;
	return false;
}

/* Lease l lets t on its CPUs: the holder thread in the life it was granted to, a thread of
 * the holder group (or below), an idle thread. */
static bool lease_holds(const struct sched_lease *l, const struct sched_thread *t)
{
	if (t->is_idle)
		return true;
	return l->thread ? l->thread == t && l->thread_gen == t->gen : in_group(t->group, l->group);
}

/* The threads on leased CPU r that its lease does not hold: how each one got there. */
static void dump_intruders(struct sched_rq *r)
{
	const struct sched_lease *l = r->lease;

	if (!l)
		return;
	for (unsigned k = 0; k < SCHED_NR_CLASSES; k++)
		for (struct sched_thread *t = sys.classes[k]->first(r); t;
		     t = sys.classes[k]->next(r, t))
			if (!lease_holds(l, t))
				dump_intruder(t);
	for (struct sched_rb_node *x = r->sc_wait.leftmost; x; x = sched_rb_next(x)) {
		const struct sched_thread *t = sched_rb_entry(x, struct sched_thread, sc_node);

		if (t != r->curr && !lease_holds(l, t))
			dump_intruder(t);
	}
	for (struct sched_rb_node *x = r->sleepers.leftmost; x; x = sched_rb_next(x)) {
		const struct sched_thread *t = sched_rb_entry(x, struct sched_thread, timeout_node);

		if (!lease_holds(l, t))
			dump_intruder(t);
	}
}

/* When a check fails: the leases, and what each CPU runs, queues and keeps asleep. */
static void dump_leases(void)
{
	for (unsigned k = 0; k < NLEASE; k++) {
		struct sched_lease_info info = { 0 };
		struct sched_lease_cap cap = { k, leases[k].gen };

		sched_lease_info(&sys, cap, &info);
		fprintf(stderr, "lease %u: state %u (%u) gen %u cpus %llx thread %u (gen %u) group %u "
			"cause %u\n", k, leases[k].state, info.state, leases[k].gen,
			(unsigned long long)leases[k].cpus.w[0],
			leases[k].thread ? leases[k].thread->id : 0, leases[k].thread_gen,
			leases[k].group ? leases[k].group->id : 0, leases[k].cause);
		fprintf(stderr, "  granted %llu active %llu steps:",
			(unsigned long long)leases[k].rec.granted_at,
			(unsigned long long)leases[k].rec.active_at);
		for (unsigned i = 0; i < SCHED_LEASE_STEP_NR; i++)
			fprintf(stderr, " %llu/%u", (unsigned long long)leases[k].rec.step_at[i],
				leases[k].rec.step_count[i]);
		fprintf(stderr, "\n");
	}
	for (unsigned c = 0; c < CPUS; c++) {
		struct sched_rq *r = &sys.rq[c];

		fprintf(stderr, "cpu %u: online %u lease %d due %u curr %u (state %u group %u gen %u)"
			" queued:", c, r->online, r->lease ? (int)r->lease->index : -1, r->lease_due,
			r->curr->id, r->curr->state, r->curr->group ? r->curr->group->id : 0,
			r->curr->gen);
		for (unsigned k = 0; k < SCHED_NR_CLASSES; k++)
			for (struct sched_thread *t = sys.classes[k]->first(r); t;
			     t = sys.classes[k]->next(r, t))
				fprintf(stderr, " %u/g%u", t->id, t->group ? t->group->id : 0);
		fprintf(stderr, " refill:");
		for (struct sched_rb_node *x = r->sc_wait.leftmost; x; x = sched_rb_next(x))
			fprintf(stderr, " %u", sched_rb_entry(x, struct sched_thread, sc_node)->id);
		fprintf(stderr, " asleep:");
		for (struct sched_rb_node *x = r->sleepers.leftmost; x; x = sched_rb_next(x))
			fprintf(stderr, " %u", sched_rb_entry(x, struct sched_thread, timeout_node)->id);
		fprintf(stderr, "\n");
		dump_intruders(r);
	}
}

/*
 * A leased CPU: its lease is live and holds it; it runs one of the holder's threads, or
 * still the other thread it ran when the lease was granted (its part of the activation is
 * pending: rq.lease_due); it queues, and waits for refills of, only the holder's threads,
 * and once switched holds only their sleeper timeouts. The housekeeping set is the online
 * CPUs no lease holds, and never empty. Each live thread counts the leases it holds. The
 * capabilities the test revoked (or saw revoked) fail closed; those it holds answer or
 * fail closed (an exit or a revoke_owned may have ended them).
 */
static void check_leases(void)
{
	sched_cpumask_t hk, want;
	struct sched_lease_info info;

	sched_cpumask_clear(&want);
	for (unsigned c = 0; c < CPUS; c++) {
		struct sched_rq *r = &sys.rq[c];
		const struct sched_lease *l = r->lease;
		bool due = r->lease_due & 1;

		if (!l) {
			if (r->online)
				sched_cpumask_set(&want, c);
			continue;
		}
		q[Q_LEASED_CPUS]++;
		q[Q_PENDING] += due;
		if (l < leases || l >= leases + NLEASE || l->state == SCHED_LEASE_FREE ||
		    !sched_cpumask_test(&l->cpus, c) || !r->online)
			fail_msg("cpu %u points at a lease that does not hold it", c);
		if (!lease_holds(l, r->curr) && !due) {
			dump_leases();
			fail_msg("leased cpu %u runs thread %u, not its holder's", c, r->curr->id);
		}
		for (unsigned k = 0; k < SCHED_NR_CLASSES; k++) {
			const struct sched_class *cls = sys.classes[k];

			for (struct sched_thread *t = cls->first(r); t; t = cls->next(r, t))
				if (!lease_holds(l, t))
					fail_msg("thread %u queued on leased cpu %u", t->id, c);
		}
		for (struct sched_rb_node *x = r->sc_wait.leftmost; x; x = sched_rb_next(x)) {
			const struct sched_thread *t = sched_rb_entry(x, struct sched_thread, sc_node);

			if (t != r->curr && !lease_holds(l, t))
				fail_msg("thread %u waits for a refill on leased cpu %u", t->id, c);
		}
		for (struct sched_rb_node *x = r->sleepers.leftmost; !due && x; x = sched_rb_next(x)) {
			const struct sched_thread *t = sched_rb_entry(x, struct sched_thread, timeout_node);

			if (!lease_holds(l, t))
				fail_msg("thread %u's timeout sits on leased cpu %u", t->id, c);
		}
	}
	sched_housekeeping(&sys, &hk);
	if (sched_cpumask_empty(&hk) || memcmp(&hk, &want, sizeof(hk)))
		fail_msg("housekeeping set %llx, online CPUs without a lease %llx",
			 (unsigned long long)hk.w[0], (unsigned long long)want.w[0]);
	for (unsigned i = 0; i < THREADS; i++) {
		uint32_t n = 0;

		for (unsigned k = 0; k < NLEASE; k++)
			n += leases[k].state != SCHED_LEASE_FREE && leases[k].thread == &pool[i] &&
			     leases[k].thread_gen == pool[i].gen;
		if (pool[i].state != SCHED_EXITED && pool[i].nr_leases != n)
			fail_msg("thread %u holds %u leases, counts %u", pool[i].id, n, pool[i].nr_leases);
	}
	for (unsigned k = 0; k < NSTALE && k < nlstale; k++)
		if (sched_lease_info(&sys, lstale[k], &info) != -SCHED_ESTALE)
			fail_msg("revoked lease capability {%u, %u} answers", lstale[k].index, lstale[k].gen);
	for (unsigned k = 0; k < NLEASE; k++) {
		int r;

		if (!lcap_held[k])
			continue;
		r = sched_lease_info(&sys, lcaps[k], &info);
		if (r != 0 && r != -SCHED_ESTALE)
			fail_msg("sched_lease_info of a held capability: %d", r);
		if (r == 0 && (leases[k].state == SCHED_LEASE_FREE || info.state == SCHED_LEASE_FREE ||
			       (info.state == SCHED_LEASE_ACTIVE) != (info.rec.active_at != SCHED_TIME_NEVER)))
			fail_msg("sched_lease_info of live lease %u: state %u, active at %llu", k,
				 info.state, (unsigned long long)info.rec.active_at);
	}
}

/*
 * The rings' figures are the calls the CPUs made. A consumer parked in a ring's poll that
 * can always be woken (every CPU in its affinity, not passive, no SC that could block it)
 * is never left asleep while entries wait and that ring is unmarked: a submission after
 * its mark would have woken it (a lost wake-up otherwise). Only that ring: the other
 * rings it consumes were not marked by that poll, so their submissions rightly leave it
 * asleep (ring.h: a consumer of several rings marks each before it parks).
 */
static void check_rings(const uint64_t *tot)
{
	uint64_t submits = 0, wakeups = 0, polls = 0;

	for (unsigned k = 0; k < NRING; k++) {
		const struct sched_ring *rg = &prings[k];
		const struct sched_thread *o = rg->owner.t;
		unsigned i;

		submits += rg->submits;
		wakeups += rg->wakeups;
		polls += rg->polls;
		if (!o || o->gen != rg->owner.gen || o->state != SCHED_BLOCKED)
			continue;
		i = (unsigned)(o - pool);
		if (in_poll[i] != k + 1 || o->waits_on || o->passive || o->sc || o->own_sc ||
		    (o->affinity.w[0] & ((1u << CPUS) - 1)) != (1u << CPUS) - 1)
			continue;
		q[Q_RING_CHECKS]++;
		if (!rg->need_wakeup && ring_tail[k] != ring_head[k]) {
			dump_leases();
			fail_msg("ring %u: consumer %u parked, the ring unmarked, %llu entries waiting "
				 "(consumer cpu %u, permit %u, on_cpu %u, timeout %u, result %d, aff %llx; "
				 "ring last work %llu (now %llu), submits %llu, wake-ups %llu, parks %llu, "
				 "polls %llu)", k, o->id, (unsigned long long)(ring_tail[k] - ring_head[k]),
				 o->cpu, o->permit, o->on_cpu, o->timeout_armed, o->wait_result,
				 (unsigned long long)o->affinity.w[0], (unsigned long long)rg->last_work,
				 (unsigned long long)sched_arch_now(), (unsigned long long)rg->submits,
				 (unsigned long long)rg->wakeups, (unsigned long long)rg->parks,
				 (unsigned long long)rg->polls);
		}
	}
	if (submits != tot[N_SUBMIT] || wakeups != tot[N_SUBMIT_UNPARKED] || polls != tot[N_POLL])
		fail_msg("rings counted %llu submits, %llu wake-ups, %llu polls; the CPUs made %llu, "
			 "%llu, %llu", (unsigned long long)submits, (unsigned long long)wakeups,
			 (unsigned long long)polls, (unsigned long long)tot[N_SUBMIT],
			 (unsigned long long)tot[N_SUBMIT_UNPARKED], (unsigned long long)tot[N_POLL]);
}

/* sched_set_fair on one thread of each state (running, queued, blocked, throttled, demoted). */
static void fair_each_state(unsigned round)
{
	struct sched_thread *pick[5] = { 0 };
	static const unsigned slot_q[5] = { Q_FAIR_RUNNING, Q_FAIR_QUEUED, Q_FAIR_BLOCKED,
					    Q_FAIR_THROTTLED, Q_FAIR_DEMOTED };

	for (unsigned n = 0; n < THREADS; n++) {
		struct sched_thread *t = &pool[(n + round * 7) % THREADS];
		int k = -1;

		if (t->state == SCHED_RUNNING)
			k = 0;
		else if (t->state == SCHED_RUNNABLE && t->sc_wait)
			k = t->on_class ? 4 : 3;
		else if (t->state == SCHED_RUNNABLE)
			k = 1;
		else if (t->state == SCHED_BLOCKED)
			k = 2;
		if (k >= 0 && !pick[k])
			pick[k] = t;
	}
	for (unsigned k = 0; k < 5; k++) {
		struct sched_fair_params p = { .nice = (int)((round * 13 + k * 7) % 40) - 20,
					       .slice_ns = (round + k) % 3 ? 0 : (1 + k) * MS,
					       .idle_weight = (round + k) % 5 == 0 };
		int r;

		if (!pick[k])
			continue;
		r = sched_set_fair(&sys, sched_auth_root(&sys), sched_ref_of(pick[k]), &p);
		if (r < 0)
			fail_msg("set_fair on thread %u (state %u): %d", pick[k]->id, pick[k]->state, r);
		q[slot_q[k]]++;
		check_or_fail("after set_fair");
	}
}

/* How often each kind of operation must have succeeded before a round may end early. */
static const struct { unsigned n; uint64_t min; } goals[] = {
	{ N_OPS, 20000 }, { N_SWITCHES, 2000 }, { N_CALL_OK, 20 }, { N_REPLY_OK, 20 },
	{ N_SC_CONF_OK, 10 }, { N_BIND_OK, 10 }, { N_UNBIND_OK, 2 }, { N_REVOKE_OK, 5 },
	{ N_DEPLETED, 10 }, { N_FAIR_OK, 50 }, { N_OFFLINE_OK, 3 }, { N_ONLINE, 3 },
	{ N_REUSE_OK, 10 }, { N_RT_OK, 50 }, { N_MX_TAKEN, 20 }, { N_MX_WAIT, 20 },
	{ N_MX_UNLOCK_OK, 20 }, { N_COND_WAIT, 5 }, { N_BARRIER, 10 }, { N_WAIT_OWNED, 10 },
	{ N_WAIT_TIMEDOUT, 5 }, { N_MX_EXIT, 5 }, { N_GRANT_OK, 10 }, { N_GRANT_REFUSED, 5 },
	{ N_LEASE_REVOKE_OK, 5 }, { N_RING_REG, 5 }, { N_RING_EOWNED, 5 }, { N_SUBMIT, 50 },
	{ N_SUBMIT_UNPARKED, 2 }, { N_POLL, 50 }, { N_RECHECK, 2 }, { N_PARKED, 2 },
};

static void sum_counts(uint64_t *tot)
{
	for (unsigned n = 0; n < N_NR; n++) {
		tot[n] = 0;
		for (unsigned c = 0; c < CPUS; c++)
			tot[n] += cnt[c][n];
	}
}

/* Every goal reached (min = true) or at least touched once (min = false). */
static bool reached(const uint64_t *tot, bool min)
{
	for (unsigned i = 0; i < sizeof(goals) / sizeof(goals[0]); i++)
		if (tot[goals[i].n] < (min ? goals[i].min : 1))
			return false;
	return q[Q_CHECKS] >= 3 && (!min || (q[Q_FAIR_RUNNING] && q[Q_FAIR_QUEUED] &&
					     q[Q_FAIR_BLOCKED] && q[Q_FAIR_THROTTLED]));
}

static void quiescent_checks(unsigned round)
{
	uint64_t tot[N_NR];

	my_cpu = 0; /* the main thread acts as CPU 0 here (which is paused) */
	check_or_fail("checkpoint");
	assert_no_thread_lost();
	resolve_waits();
	check_mutex_pool();
	sum_counts(tot);
	check_leases();
	check_rings(tot);
	if (islands_on)
		check_islands();
	count_states();
	fair_each_state(round);
	assert_no_thread_lost();
	q[Q_CHECKS]++;
}

/* Two SMT cores when `core`: siblings share the core lock and pick core-wide. */
static void run(bool core, bool with_islands)
{
	static const struct sched_topology topo = { .nr_cpus = CPUS, .core = { 0, 0, 1, 1 } };
	struct sched_config cfg = { .core_sched = core, .notify = notify_sink, .trace = evlog_put };
	bool why_long_on = getenv("STRESS_WHY_LONG") != NULL;
	pthread_t cpu[CPUS];
	uint64_t tot[N_NR] = { 0 };
	struct timespec tick = { 0, CHECK_MS * 1000000L };
	sched_time_t t0 = sched_arch_now();
	unsigned round = 0;
	sched_cpumask_t all;

	__atomic_store_n(&stop, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&pause_req, 0, __ATOMIC_RELEASE);
	for (unsigned c = 0; c < CPUS; c++) {
		timer_at[c] = SCHED_TIME_NEVER;
		paused[c] = 0;
		beats[c] = 0;
		ipi[c] = 0;
		hp_state[c] = HP_ONLINE;
		notes[c].nr = 0;
		idle[c] = (struct sched_thread){ 0 };
		for (unsigned n = 0; n < N_NR; n++)
			cnt[c][n] = 0;
	}
	for (unsigned n = 0; n < Q_NR; n++)
		q[n] = 0;
	for (unsigned i = 0; i < THREADS; i++) {
		pool[i] = (struct sched_thread){ 0 };
		caller_of[i] = 0;
		held_bits[i] = 0;
		pend[i] = W_NONE;
	}
	for (unsigned k = 0; k < NSC; k++) {
		slots[k].live = 0;
		slots[k].bound = 0;
	}
	for (unsigned k = 0; k < NLEASE; k++) {
		leases[k] = (struct sched_lease){ 0 };
		lcap_held[k] = false;
	}
	nlstale = 0;
	for (unsigned k = 0; k < NRING; k++) { /* park after 20 us, 200 us without work */
		assert_int_equal(sched_ring_init(&prings[k], k ? 200 * US : 20 * US), 0);
		ring_tail[k] = ring_head[k] = 0;
	}
	for (unsigned i = 0; i < THREADS; i++)
		in_poll[i] = 0;
	my_cpu = 0;
	assert_int_equal(sched_init(&sys, rq, &topo, &cfg), 0);
	__atomic_store_n(&evlog_head, 0, __ATOMIC_RELAXED);
	assert_int_equal(why_long_on ? sched_explain_start(&sys, &why_log, why_long, 65536, 0)
				     : sched_explain_start(&sys, &why_log, why_ring, 64, 0), 0);
	assert_int_equal(sched_sc_pool(&sys, scs, NSC + ISC), 0);
	islands_on = with_islands;
	if (with_islands) { /* admission first (before any SC or fixed priority), then the pools */
		assert_int_equal(sched_sc_admission(&sys, sched_auth_root(&sys), admit_scratch,
						    sizeof(admit_scratch) / sizeof(admit_scratch[0]),
						    SCHED_RT_FIRST_FIT), 0);
		memset(islands, 0, sizeof(islands));
		assert_int_equal(sched_island_pool(&sys, islands, NISL), 0);
		mpools[0] = (struct sched_mem_pool){ "dma", 4, 0 };
		mpools[1] = (struct sched_mem_pool){ "heap", 8, 0 };
		assert_int_equal(sched_island_mem_pools(&sys, mpools, 2), 0);
		for (unsigned k = 0; k < NISL; k++)
			icap_held[k] = false;
		for (unsigned k = 0; k < ISC; k++)
			iring_used[k] = false;
		nistale = 0;
	}
	assert_int_equal(sched_lease_pool(&sys, leases, NLEASE), 0);
	for (unsigned k = 0; k < NMX; k++) {
		mx[k] = (struct sched_mutex){ 0 };
		assert_int_equal(sched_mutex_init(&sys, &mx[k], k == NMX - 1 ? SCHED_MUTEX_PLAIN
									     : SCHED_MUTEX_PROXY), 0);
	}
	for (unsigned k = 0; k < NCV; k++) {
		cv[k] = (struct sched_cond){ 0 };
		assert_int_equal(sched_cond_init(&sys, &cv[k]), 0);
	}
	bar = (struct sched_barrier){ 0 };
	assert_int_equal(sched_barrier_init(&sys, &bar, BARRIER_COUNT), 0);
	assert_int_equal(sched_group_init(&sys, &group, &(struct sched_group_params){ .id = 1 }), 0);
	assert_int_equal(sched_group_init(&sys, &fgroup, &(struct sched_group_params){
		.id = 2, .weight = 2048, .pcpu = fgroup_cpu }), 0);
	sched_cpumask_fill(&all, CPUS);
	narrow = (struct sched_authority){ 0 };
	assert_int_equal(sched_auth_derive(&narrow, sched_auth_root(&sys), SCHED_RIGHT_FAIR, &group,
					   &all), 0);
	narrow_tok = (struct sched_auth){ &narrow, narrow.gen };
	for (unsigned i = 0; i < THREADS; i++) {
		struct sched_thread_params p = { .id = i + 1, .nice = (int)(i % 40) - 20,
						 .group = i % 3 ? &group : &fgroup,
						 .passive = i >= CLIENTS && i % 2 };

		assert_int_equal(sched_thread_init(&sys, &pool[i], &p), 0);
	}
	__atomic_store_n(&pause_req, 1, __ATOMIC_RELEASE); /* start together */
	for (unsigned c = 0; c < CPUS; c++)
		pthread_create(&cpu[c], NULL, cpu_main, (void *)(uintptr_t)c);
	wait_paused();
	release_cpus();
	for (;;) {
		sched_time_t ran;

		nanosleep(&tick, NULL);
		__atomic_store_n(&pause_req, 1, __ATOMIC_RELEASE);
		wait_paused();
		quiescent_checks(round++);
		sum_counts(tot);
		ran = sched_arch_now() - t0;
		if (ran >= HARD_MS * MS || (ran >= MAX_MS * MS && reached(tot, false)) ||
		    (ran >= RUN_MS * MS && reached(tot, true)))
			__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
		release_cpus();
		if (__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
			break;
	}
	for (unsigned c = 0; c < CPUS; c++)
		pthread_join(cpu[c], NULL);
	sum_counts(tot);
	quiescent_checks(round);
	print_message("%s: %.1f s, %u checkpoints%s\n", core ? "core scheduling" : with_islands ? "islands" : "plain",
		      (double)(sched_arch_now() - t0) / 1e9, round + 1,
		      reached(tot, true) ? "" : " (stopped at MAX_MS before every goal)");
	for (unsigned n = 0; n < N_NR; n++)
		print_message("  %-22s %llu\n", cnt_name[n], (unsigned long long)tot[n]);
	for (unsigned n = 0; n < Q_NR; n++)
		print_message("  %-22s %llu\n", q_name[n], (unsigned long long)q[n]);
	/* the run really ran, and reached every kind of operation (often enough, unless the
	 * machine was too slow for that in MAX_MS) */
	assert_true(reached(tot, false));
}

static void threads_on_real_cpus_keep_every_invariant(void **state)
{
	(void)state;
	run(false, false);
}

static void core_scheduling_on_real_cpus_keeps_every_invariant(void **state)
{
	(void)state;
	run(true, false);
}

static void islands_on_real_cpus_keep_every_invariant(void **state)
{
	(void)state;
	run(false, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(threads_on_real_cpus_keep_every_invariant),
		cmocka_unit_test(core_scheduling_on_real_cpus_keeps_every_invariant),
		cmocka_unit_test(islands_on_real_cpus_keep_every_invariant),
	};

	for (unsigned k = 0; k < NSC; k++)
		pthread_mutex_init(&slots[k].mu, NULL);
	if (getenv("STRESS_FILTER")) /* one round: STRESS_FILTER='core*' */
		cmocka_set_test_filter(getenv("STRESS_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
