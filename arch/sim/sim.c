/* SPDX-License-Identifier: MIT */
/*
 * sim.c - the simulated machine: event queue, arch hooks, and threads running rt-app
 * programs. See sim.h for the model.
 *
 * Event kinds, each handled "on" one CPU (sched_arch_cpu_id() answers that CPU):
 *   TIMER  the CPU's one-shot timer fired (stale if re-programmed since)
 *   IPI    a reschedule IPI arrived
 *   DONE   the current thread reached the end of its timed event (stale if the CPU
 *          switched or re-planned since: done_gen)
 *   START  a task instance's start delay passed: first wake
 *   RELEASE the NOTIFY_BLOCK handler lets a thread go on (see notify_release)
 *   CALL   a test's function, run on the CPU (sim_post); the workload's lease grants and
 *          revocations are such calls
 *   KEXIT  kernel protection: retry sched_core_exit_kernel (the CPU spins in its exit)
 *   SUBMIT a ring's submission source publishes entries and calls sched_ring_submit
 *   IRQ    an IRQ source fires (on the CPU it is routed to when it comes): its handler
 *          takes its cost of that CPU's time, interrupts off
 *   IRQ_END that handler returns: the CPU's events that came meanwhile go on
 *
 * IRQ handlers (docs/schedsim.md, "IRQ sources"). From an IRQ's firing to its handler's
 * end the CPU runs the handler: its current thread (or idle) makes no progress, and every
 * other event of the CPU (its timer, an IPI, the end of a run, another IRQ) waits for the
 * end, as interrupts are off in a handler. libsched is not called: sched_arch_now() goes
 * on, but the handler's time is interference, not the thread's work, so it is not charged
 * to the thread (nor to its SC's budget): at the handler's end the simulator moves the
 * charge point of the thread libsched has current past it (irq_end). A kernel with IRQ
 * time accounting does the same (Linux's rq clock_task).
 *
 * Core scheduling (cfg.core_sched): after every event the simulator checks on its own view
 * (sim_cpu.curr) that the non-idle current threads of each core share one cookie
 * (sim_core_check), in addition to sched_check() with check_each_step.
 *
 * Kernel protection (cfg.core_protect): every event handled on CPU c is a kernel entry
 * from user mode or the idle loop, and its end a return there, as core.h prescribes:
 *
 *   entry:  sched_core_enter_kernel(c); if it kicked a sibling (> 0) or c is not
 *           sched_core_kernel_safe(), the CPU spins: the event is pushed again 1 us later
 *           and retried (only kernel_safe is asked again); any other event for c waits
 *           the same way. Its thread makes no progress meanwhile.
 *   exit:   sched_core_exit_kernel(c); while it says -SCHED_EBUSY the CPU spins in mode
 *           LEAVING: a KEXIT event asks again 1 us later, other events for c wait, and its
 *           thread makes no progress.
 *
 * The simulator keeps its own mode per CPU (USER, KERNEL, LEAVING) and checks that no
 * CPU runs a tagged thread in USER mode while a sibling executes kernel code (in KERNEL
 * past its entry wait): when a CPU passes its entry, before its exit and after every event.
 * libsched is never called from an arch hook or a sched_config callback (a run-queue lock
 * is held there): everything a hook starts is an event of its own.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim.h"

#include <sched/arch.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EV_TIMER, EV_IPI, EV_DONE, EV_START, EV_RELEASE, EV_CALL, EV_KEXIT, EV_SUBMIT, EV_IRQ,
       EV_IRQ_END };

/* Events at one instant beyond this (plus 64 per thread) mean a livelock (see stuck()). */
#define SAME_INSTANT_MAX 1000000

/* How long a CPU spinning at a kernel entry or exit waits before it asks again. */
#define KERNEL_RETRY_NS 1000

struct sim_event {
	sched_time_t time;
	uint64_t key;  /* seeded tie-break among events at the same instant */
	uint64_t seq;  /* insertion order: the last tie-break, so the order is total */
	uint64_t arg;  /* TIMER: timer_gen; DONE: done_gen; RELEASE: the thread's fault number;
			* SUBMIT: the ring's index << 16 | the source's; IRQ: the source's index */
	struct sim_thread *t;
	sim_call_fn fn;  /* CALL */
	void *fn_arg;
	unsigned kind, cpu;
};

/* The machine the arch hooks act on. The simulator is single-threaded; one machine runs
 * at a time (sim_new makes it current). This global lives in the backend, not libsched. */
static struct sim *cur;

static void die(const char *what)
{
	fprintf(stderr, "schedsim: internal error: %s\n", what);
	abort();
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory");
	return p;
}

/* splitmix64: small, seedable, good enough for tie-breaks and random tests */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* --- event heap -------------------------------------------------------------------------- */

/*
 * Time, then: an IRQ handler that ends at an instant ends before anything else happens at
 * it (the events it held back come after), then a run that ends at an instant ends before
 * anything else (so a job whose work ends exactly as its budget does is complete, not
 * throttled with nothing left to run, whichever the seed), then the seeded key, then
 * insertion order.
 */
static bool ev_less(const struct sim_event *a, const struct sim_event *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	if ((a->kind == EV_IRQ_END) != (b->kind == EV_IRQ_END))
		return a->kind == EV_IRQ_END;
	if ((a->kind == EV_DONE) != (b->kind == EV_DONE))
		return a->kind == EV_DONE;
	if (a->key != b->key)
		return a->key < b->key;
	return a->seq < b->seq;
}

static void heap_swap(struct sim *sim, size_t a, size_t b)
{
	struct sim_event x = sim->heap[a];

	sim->heap[a] = sim->heap[b];
	sim->heap[b] = x;
}

static void push_keyed(struct sim *sim, const struct sim_event *ev, bool draw);

static void push_event(struct sim *sim, const struct sim_event *ev)
{
	push_keyed(sim, ev, true);
}

/* Push ev; its tie-break key is drawn from the seeded generator, or (draw false) is 0
 * without drawing: such an event comes first among those of its instant and leaves every
 * other event's key as it would be without it. */
static void push_keyed(struct sim *sim, const struct sim_event *ev, bool draw)
{
	size_t i;

	if (sim->nr_heap == sim->cap_heap) {
		sim->cap_heap = sim->cap_heap ? sim->cap_heap * 2 : 256;
		sim->heap = xrealloc(sim->heap, sim->cap_heap * sizeof(*sim->heap));
	}
	i = sim->nr_heap++;
	sim->heap[i] = *ev;
	if (sim->heap[i].time < sim->now)
		sim->heap[i].time = sim->now;
	sim->heap[i].key = draw ? rng_next(&sim->rng) : 0;
	sim->heap[i].seq = sim->seq++;
	while (i && ev_less(&sim->heap[i], &sim->heap[(i - 1) / 2])) {
		heap_swap(sim, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void push(struct sim *sim, unsigned kind, unsigned cpu, sched_time_t time, uint64_t arg,
		 struct sim_thread *t)
{
	push_event(sim, &(struct sim_event){ .time = time, .arg = arg, .t = t, .kind = kind,
					     .cpu = cpu });
}

static struct sim_event pop(struct sim *sim)
{
	struct sim_event top = sim->heap[0];
	size_t i = 0;

	sim->heap[0] = sim->heap[--sim->nr_heap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < sim->nr_heap && ev_less(&sim->heap[l], &sim->heap[m]))
			m = l;
		if (r < sim->nr_heap && ev_less(&sim->heap[r], &sim->heap[m]))
			m = r;
		if (m == i)
			return top;
		heap_swap(sim, i, m);
		i = m;
	}
}

/* --- arch hooks ---------------------------------------------------------------------------- */

sched_time_t sched_arch_now(void)
{
	return cur->now;
}

void sched_arch_set_timer(sched_time_t deadline)
{
	unsigned cpu = cur->cur_cpu;
	struct sim_cpu *pc = &cur->cpu[cpu];

	pc->timer = deadline;
	/* The newest queued timer event fires only while the timer is armed for its instant
	 * (see stale()): re-arming that instant (after NEVER, say) uses it again, so a
	 * library that re-programs its timer back and forth neither piles up events nor
	 * gets one interrupt per copy. */
	if (deadline == SCHED_TIME_NEVER || deadline == pc->timer_queued)
		return;
	pc->timer_gen++; /* every older timer event is stale */
	pc->timer_queued = deadline;
	push(cur, EV_TIMER, cpu, deadline, pc->timer_gen, NULL);
}

void sched_arch_send_resched(unsigned cpu)
{
	if (cpu == cur->cur_cpu)
		die("IPI to self");
	push(cur, EV_IPI, cpu, cur->now + cur->cfg.ipi_latency_ns, 0, NULL);
}

unsigned sched_arch_cpu_id(void)
{
	return cur->cur_cpu;
}

unsigned long sched_arch_irq_save(void)
{
	return 0;
}

void sched_arch_irq_restore(unsigned long flags)
{
	(void)flags;
}

/* Nothing else runs in a single-threaded machine, so a spin would never end. */
void sched_arch_cpu_relax(void)
{
	die("spin-wait in the simulator: a lock or on_cpu was left held");
}

/*
 * An island's endpoint: its messages counted by kind; a member SC that ran out under the
 * "notify" policy has its thread released as notify_release does for a thread's own SC.
 */
static void island_notified(struct sim *sim, struct sim_island *is, uint64_t message)
{
	unsigned kind = (unsigned)(message >> 56);
	uint32_t tid = (uint32_t)message;
	struct sim_thread *t;

	if (kind < sizeof(is->notified) / sizeof(is->notified[0]))
		is->notified[kind]++;
	if ((kind != SCHED_SC_MSG_DEPLETED && kind != SCHED_SC_MSG_TIMEOUT) ||
	    is->wl->overrun != WL_OVERRUN_NOTIFY_BLOCK || !tid || tid > sim->nr_threads)
		return;
	t = sim->threads[tid - 1];
	push(sim, EV_RELEASE, sim->cur_cpu, sim->now, ++t->faults, t);
}

/*
 * The handler of workload threads' SCs (endpoint = the id of the thread the SC is bound
 * to). Only the NOTIFY_BLOCK policy needs one: the thread that ran out (the message's
 * thread id: the bound thread, or a server running on the lent SC) blocks at its CPU's
 * next pick, and this handler releases it at once. It may not call libsched here (a
 * run-queue lock is held), so a RELEASE event at the same instant wakes it; the thread
 * then waits for its refill in the refill wait, as a throttled one does. The rule is
 * deterministic: the event is ordered like any other by (time, seeded key, insertion).
 */
static void notify_release(struct sim *sim, uint32_t endpoint, uint64_t message)
{
	uint32_t tid = (uint32_t)message, index = (uint32_t)(message >> 32) & 0xffffffu;
	const struct sim_thread *owner;
	struct sim_thread *t;

	if (endpoint >= SIM_ISLAND_ENDPOINT && endpoint - SIM_ISLAND_ENDPOINT < sim->nr_islands) {
		island_notified(sim, &sim->islands[endpoint - SIM_ISLAND_ENDPOINT], message);
		return;
	}
	if (!endpoint || endpoint > sim->nr_threads || !tid || tid > sim->nr_threads)
		return;
	owner = sim->threads[endpoint - 1];
	if (!owner->task || !owner->has_sc || owner->sc.index != index ||
	    owner->task->dl.overrun != WL_OVERRUN_NOTIFY_BLOCK)
		return; /* not a workload SC (a test's own), or no handler needed */
	t = sim->threads[tid - 1];
	push(sim, EV_RELEASE, sim->cur_cpu, sim->now, ++t->faults, t);
}

/* The sched_config.notify callback (ctx: the machine), always installed. Recorded on the
 * machine; a hook may react, but must not call libsched (sched.h): the callback runs with
 * a run-queue lock held. Tests wake threads from a later event instead. */
static void sim_notify(void *ctx, uint32_t endpoint, uint64_t message)
{
	struct sim *sim = ctx;

	sim->notifications++;
	sim->last_endpoint = endpoint;
	sim->last_message = message;
	if (sim->on_notify)
		sim->on_notify(sim, endpoint, message);
	notify_release(sim, endpoint, message);
}

/* The histogram bucket of ns: below SIM_LAT_SUB, one per value; then SIM_LAT_SUB per power
 * of two (the top SIM_LAT_SUB_LOG2 bits after the leading one); the top one for the rest. */
static size_t lat_bucket(uint64_t ns)
{
	unsigned e;

	if (ns < SIM_LAT_SUB)
		return (size_t)ns;
	e = 63 - (unsigned)__builtin_clzll(ns);
	if (e >= SIM_LAT_TOP_LOG2)
		return SIM_LAT_BUCKETS - 1;
	return SIM_LAT_SUB * (e - SIM_LAT_SUB_LOG2 + 1) +
	       (size_t)(ns >> (e - SIM_LAT_SUB_LOG2) & (SIM_LAT_SUB - 1));
}

/* The largest value of bucket b (the top one: unbounded). */
static uint64_t lat_bucket_top(size_t b)
{
	unsigned e;

	if (b < SIM_LAT_SUB)
		return b;
	if (b == SIM_LAT_BUCKETS - 1)
		return UINT64_MAX;
	e = (unsigned)(b / SIM_LAT_SUB) - 1 + SIM_LAT_SUB_LOG2;
	return ((uint64_t)(SIM_LAT_SUB + b % SIM_LAT_SUB + 1) << (e - SIM_LAT_SUB_LOG2)) - 1;
}

/* O(1), and O(SIM_LAT_EXACT) once, when the exact samples move into the histogram. */
void sim_lat_add(struct sim_lat *l, uint64_t ns)
{
	if (l->n < SIM_LAT_EXACT) {
		if (!l->v)
			l->v = xrealloc(NULL, SIM_LAT_EXACT * sizeof(*l->v));
		l->v[l->n] = ns;
	} else {
		if (!l->bucket) {
			l->bucket = calloc(SIM_LAT_BUCKETS, sizeof(*l->bucket));
			if (!l->bucket)
				die("out of memory");
			for (size_t k = 0; k < SIM_LAT_EXACT; k++)
				l->bucket[lat_bucket(l->v[k])]++;
			free(l->v);
			l->v = NULL;
		}
		if (l->bucket[lat_bucket(ns)] < UINT32_MAX)
			l->bucket[lat_bucket(ns)]++;
	}
	l->n++;
	if (ns > l->max)
		l->max = ns;
}

void sim_lat_free(struct sim_lat *l)
{
	free(l->v);
	free(l->bucket);
	*l = (struct sim_lat){ 0 };
}

static void record_latency(struct sim_thread *t, uint64_t lat)
{
	struct sim_wake_stats *w = &t->sim->wakes_by[t->woke_why];

	sim_lat_add(&t->lat, lat);
	sim_lat_add(&w->lat, lat);
	w->lat_ns += lat;
}

/* A wake of t onto `cpu` with `why` (the one the simulator meant, if it made it). */
static void record_wake(struct sim *sim, struct sim_thread *t, unsigned cpu, uint8_t why)
{
	struct sim_wake_stats *w;

	if (sim->wake_as)
		why = (uint8_t)(sim->wake_as - 1);
	sim->wake_as = 0;
	if (why >= SCHED_WAKE_NR)
		return;
	t->woke_why = why;
	w = &sim->wakes_by[why];
	w->wakes++;
	w->migrations += t->ran_on && t->ran_on != cpu + 1;
}

/* The sched_config.trace callback (ctx: the machine), installed unless cfg.bench_mode:
 * wake-to-run latencies from the switch events; the misses and island events counted. */
static void sim_trace(void *ctx, const struct sched_trace_event *ev)
{
	struct sim *sim = ctx;

	if (ev->type == SCHED_TR_MISS) {
		sim->tr_miss++;
		sim->tr_miss_island += ev->aux != 0;
	} else if (ev->type == SCHED_TR_ISLAND && ev->aux < 3) {
		sim->tr_island[ev->aux]++;
	}

	if (ev->type == SCHED_TR_SWITCH && ev->tid >= 1 && ev->tid <= sim->nr_threads) {
		struct sim_thread *t = sim->threads[ev->tid - 1];

		if (ev->aux)
			record_latency(t, ev->time - t->st.woken_at);
		t->ran_on = (uint16_t)(ev->cpu + 1);
	} else if (ev->type == SCHED_TR_WAKE && ev->tid >= 1 && ev->tid <= sim->nr_threads) {
		record_wake(sim, sim->threads[ev->tid - 1], ev->cpu, ev->aux);
	}
	if (sim->on_trace)
		sim->on_trace(sim, ev, sim->trace_arg);
}

static void violation(struct sim *sim, const char *msg);

/* A ticket lock is free when every ticket handed out has been served. */
static bool lock_held(const struct sched_lock *l)
{
	return l->next != l->owner;
}

/* A libsched lock held other than lease_lock, which the lease_port hook is called under
 * (sched_config): the mutex and SC locks, a run queue's, a thread's (O(threads): the hook
 * is called a few times per grant or revocation). */
static bool other_lock_held(const struct sim *sim)
{
	if (lock_held(&sim->sys.mx_lock) || lock_held(&sim->sys.sc_lock))
		return true;
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (lock_held(&sim->rq[c].lock))
			return true;
	for (size_t i = 0; i < sim->nr_threads; i++)
		if (lock_held(&sim->threads[i]->st.lock))
			return true;
	return false;
}

/* --- IRQ routing ------------------------------------------------------------------------- */

/* A routing change of IRQ source q, recorded in order. */
static void irq_route(struct sim *sim, struct sim_irq *q, unsigned to, uint8_t why)
{
	struct sim_irq_move *m;

	if (sim->nr_irq_moves == sim->cap_irq_moves) {
		sim->cap_irq_moves = sim->cap_irq_moves ? 2 * sim->cap_irq_moves : 16;
		sim->irq_moves = xrealloc(sim->irq_moves,
					  sim->cap_irq_moves * sizeof(*sim->irq_moves));
	}
	m = &sim->irq_moves[sim->nr_irq_moves++];
	*m = (struct sim_irq_move){ .at = sim->now, .irq = (uint32_t)(q - sim->irqs),
				    .from = (uint16_t)q->route, .to = (uint16_t)to, .why = why };
	q->route = to;
	q->moves++;
}

/* The housekeeping CPU IRQs go to: the lowest of the last housekeeping set lease_port gave
 * whose IRQs are not leased away, else the lowest such CPU. */
static unsigned irq_housekeeping(const struct sim *sim)
{
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (sched_cpumask_test(&sim->irq_housekeeping, c) && !sim->cpu[c].irqs_leased)
			return c;
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (!sim->cpu[c].irqs_leased)
			return c;
	return 0;
}

/*
 * lease_port's IRQs of `cpu` (SCHED_LEASE_PORT_IRQS): leased, every source routed there
 * that no island reserved goes to the housekeeping CPU; given back, the sources whose
 * default CPU it is and that no island reserved come back.
 */
static void irqs_lease_port(struct sim *sim, unsigned cpu, bool leased,
			    const sched_cpumask_t *housekeeping)
{
	sim->irq_housekeeping = *housekeeping;
	sim->cpu[cpu].irqs_leased = leased;
	for (size_t i = 0; i < sim->nr_irqs; i++) {
		struct sim_irq *q = &sim->irqs[i];

		if (q->reserved)
			continue;
		if (leased && q->route == cpu)
			irq_route(sim, q, irq_housekeeping(sim), SIM_IRQ_LEASED);
		else if (!leased && q->wl->cpu == cpu && q->route != cpu)
			irq_route(sim, q, cpu, SIM_IRQ_BACK);
	}
}

/*
 * The sched_config.island_irq callback (ctx: the machine): reserve routes the source of
 * IRQ `line` to `cpu` and keeps it there (lease_port leaves it); release gives it its
 * default route back, or the housekeeping CPU while its default CPU's IRQs are leased
 * away. A line no source has is counted and left alone (a test driving libsched by hand
 * names lines the machine does not model); a CPU out of range is counted as malformed
 * (and, under --check, is a broken contract).
 */
static void sim_island_irq(void *ctx, unsigned line, unsigned cpu, bool reserve)
{
	struct sim *sim = ctx;
	struct sim_irq *q = NULL;
	unsigned to;
	char msg[160];

	sim->irq_calls++;
	if (cpu >= sim->cfg.cpus) {
		sim->irq_calls_bad++;
		if (!sim->check_each_step)
			return;
		snprintf(msg, sizeof(msg), "island_irq contract broken at t=%llu ns: line %u, cpu "
			 "%u: CPU out of range", (unsigned long long)sim->now, line, cpu);
		violation(sim, msg);
		return;
	}
	for (size_t i = 0; i < sim->nr_irqs && !q; i++)
		if (sim->irqs[i].wl->irq == line)
			q = &sim->irqs[i];
	if (!q) {
		sim->irq_calls_unknown++;
		return;
	}
	q->reserved = reserve;
	to = reserve ? cpu : sim->cpu[q->wl->cpu].irqs_leased ? irq_housekeeping(sim) : q->wl->cpu;
	irq_route(sim, q, to, reserve ? SIM_IRQ_RESERVE : SIM_IRQ_RELEASE);
}

/*
 * The sched_config.lease_port callback (ctx: the machine). The simulated port has no
 * timers or deferred work of its own, so for those nothing is moved; its IRQ sources are
 * (irqs_lease_port). Each call is recorded per CPU, kind and direction, with what breaks
 * the hook's contract (a lock held besides lease_lock, a CPU or kind out of range, a
 * housekeeping set that is empty or holds the CPU being leased).
 */
static void sim_lease_port(void *ctx, unsigned cpu, unsigned what, bool leased,
			   const sched_cpumask_t *housekeeping)
{
	struct sim *sim = ctx;
	bool locked = other_lock_held(sim);
	bool bad = cpu >= sim->cfg.cpus || what > SCHED_LEASE_PORT_IRQS || !housekeeping ||
		   sched_cpumask_empty(housekeeping) ||
		   (leased && sched_cpumask_test(housekeeping, cpu));
	char msg[160];

	sim->port_locked += locked;
	sim->port_bad += bad;
	if (!bad)
		sim->port_calls[cpu][what][leased]++;
	if (!bad && what == SCHED_LEASE_PORT_IRQS)
		irqs_lease_port(sim, cpu, leased, housekeeping);
	if (!sim->check_each_step || !(locked || bad))
		return;
	snprintf(msg, sizeof(msg), "lease_port contract broken at t=%llu ns: cpu %u, kind %u, %s: "
		 "%s", (unsigned long long)sim->now, cpu, what, leased ? "leased" : "given back",
		 locked ? "a libsched lock other than lease_lock is held" : "out of range");
	violation(sim, msg);
}

void sim_callbacks(struct sim *sim, struct sched_config *sc)
{
	sc->notify = sim_notify;
	sc->trace = sim->cfg.bench_mode ? NULL : sim_trace;
	sc->lease_port = sim_lease_port;
	sc->island_irq = sim_island_irq;
	sc->cb_ctx = sim;
}

void (*sim_assert_handler)(const char *expr, const char *file, unsigned line);

/* A failed SCHED_ASSERT (library built with SCHED_DEBUG): the test's handler if it set
 * one (it may longjmp out), else, or if it returns, a message and abort(). */
void sched_arch_assert_fail(const char *expr, const char *file, unsigned line)
{
	if (sim_assert_handler)
		sim_assert_handler(expr, file, line);
	fprintf(stderr, "libsched assertion failed: %s at %s:%u\n", expr, file, line);
	abort();
}

/* --- CPUs ----------------------------------------------------------------------------------- */

static struct sim_thread *sim_of(struct sched_thread *st)
{
	return st && !st->is_idle ? (struct sim_thread *)(void *)st : NULL;
}

static void check_step(struct sim *sim)
{
	char msg[256];

	if (sim->check_each_step && sched_check(&sim->sys) < 0) {
		snprintf(msg, sizeof(msg), "invariant broken at t=%llu ns: %s (%u)",
			 (unsigned long long)sim->now, sim->sys.check_msg, sim->sys.check_arg);
		violation(sim, msg);
	}
}

/* Credit the current thread with the CPU time since run_start (its RUN event progresses),
 * except while the CPU is stalled at a kernel entry or exit (kernel protection). */
static void progress(struct sim *sim, unsigned c)
{
	struct sim_cpu *pc = &sim->cpu[c];
	struct sim_thread *t = pc->curr;
	uint64_t used;
	enum wl_event_kind kind;

	if (sim->now <= pc->run_start)
		return;
	used = sim->now - pc->run_start;
	pc->run_start = sim->now;
	if (pc->stalled || !t || !t->task || !t->event_started)
		return;
	kind = t->task->phases[t->phase].events[t->event].kind;
	if (kind == WL_RUN || kind == WL_POLL || kind == WL_SERVE) {
		used = used < t->run_left ? used : t->run_left;
		t->run_left -= used;
	}
	if ((kind == WL_RUN || kind == WL_RUNTIME) && t->jobs.open)
		t->jobs.cur.work_ns += used; /* the rt-app log's perf */
}

void sim_enter(struct sim *sim, unsigned cpu)
{
	cur = sim;
	sim->cur_cpu = cpu;
	progress(sim, cpu);
}

static void run_program(struct sim *sim, unsigned c);
static void job_ran(struct sim_thread *t, sched_time_t when);
static void graph_release(struct sim_graph *g, sched_time_t planned);
static void exit_thread(struct sim *sim, struct sim_thread *t);

static void switch_to(struct sim *sim, unsigned c, struct sched_thread *next)
{
	struct sim_cpu *pc = &sim->cpu[c];
	struct sim_thread *nt = sim_of(next);

	sched_finish_switch(&sim->sys, c);
	if (nt != pc->curr)
		pc->run_start = sim->now + (nt ? sim->cfg.switch_cost_ns : 0);
	if (nt) {
		nt->program_wait = false;
		job_ran(nt, pc->run_start > sim->now ? pc->run_start : sim->now);
	}
	pc->curr = nt;
	pc->done_gen++;
}

void sim_switch(struct sim *sim, unsigned cpu, struct sched_thread *next)
{
	switch_to(sim, cpu, next);
	run_program(sim, cpu);
}

void sim_resched(struct sim *sim, unsigned cpu)
{
	sim_enter(sim, cpu);
	sim_switch(sim, cpu, sched_pick(&sim->sys, cpu));
}

/* A wake issued on CPU c may have set c's need_resched (local preemption). */
static void after_local_wake(struct sim *sim, unsigned c)
{
	if (sched_need_resched(&sim->sys, c))
		sim_resched(sim, c);
}

/* --- jobs of periodic tasks ------------------------------------------------------------- */

/*
 * A task is periodic when its loop has a timer event; the first one in program order is
 * the job boundary (docs/schedsim.md, "Job-level deadline accounting"). Invariant: at most
 * one job of a thread is open (released or waiting for its release) at a time; a late
 * thread's later ticks are not jobs yet, only counted at the end (jobs_overdue).
 */

static void job_open(struct sim_thread *t, sched_time_t release, sched_time_t begin)
{
	struct sim_jobs *j = &t->jobs;

	j->cur = (struct sim_job){ .release = release, .deadline = release + j->deadline_ns,
				   .begin = begin, .start = SCHED_TIME_NEVER,
				   .end = SCHED_TIME_NEVER };
	j->open = true;
	if (t->sim->on_job)
		t->sim->on_job(t->sim, t, t->sim->job_arg);
}

/* Find the boundary; the first job is released at the start, unless the timer is the
 * program's first event (nothing runs before its first tick, which releases the first job). */
static void job_init(struct sim_thread *t)
{
	const struct wl_task *task = t->task;
	struct sim_jobs *j = &t->jobs;

	j->lateness_max_ns = INT64_MIN;
	for (unsigned p = 0; p < task->nr_phases; p++) {
		for (unsigned e = 0; e < task->phases[p].nr_events; e++) {
			const struct wl_event *ev = &task->phases[p].events[e];

			if (ev->kind != WL_TIMER)
				continue;
			j->periodic = true;
			j->phase = p;
			j->event = e;
			j->deadline_ns = task->policy == WL_POLICY_DEADLINE ? task->dl.deadline_ns
									     : ev->ns;
			if (p || e)
				job_open(t, task->delay_ns + t->offset_ns, SCHED_TIME_NEVER);
			return;
		}
	}
}

static bool job_boundary(const struct sim_thread *t)
{
	return t->jobs.periodic && t->phase == t->jobs.phase && t->event == t->jobs.event;
}

/* t runs from `when` on: the first time in its open job, that is the job's start. */
static void job_ran(struct sim_thread *t, sched_time_t when)
{
	struct sim_job *c = &t->jobs.cur;

	if (!t->jobs.open || c->start != SCHED_TIME_NEVER || when < c->release)
		return;
	c->start = when;
	if (c->begin == SCHED_TIME_NEVER)
		c->begin = when; /* the start-released job: its log line starts here */
}

static void job_record(struct sim_jobs *j)
{
	j->completed++;
	sim_lat_add(&j->resp, j->cur.end - j->cur.release);
}

static void job_log(struct sim_jobs *j)
{
	if (j->nr_log == j->cap_log) {
		j->cap_log = j->cap_log ? j->cap_log * 2 : 64;
		j->log = xrealloc(j->log, j->cap_log * sizeof(*j->log));
	}
	j->log[j->nr_log++] = j->cur;
}

/* t's open job completes now: it reached its boundary, or its program ended. */
static void job_complete(struct sim *sim, struct sim_thread *t)
{
	struct sim_jobs *j = &t->jobs;
	struct sim_job *c = &j->cur;
	int64_t lateness;

	if (!j->open)
		return;
	j->open = false;
	if (sim->now < c->release)
		return; /* never released (it cannot run before): not a job */
	c->end = sim->now;
	job_ran(t, sim->now); /* its start is set already (it runs to get here): kept whole */
	lateness = (int64_t)c->end - (int64_t)c->deadline;
	if (lateness > 0)
		j->late++;
	if (lateness > j->lateness_max_ns)
		j->lateness_max_ns = lateness;
	job_record(j);
	if (sim->cfg.job_records)
		job_log(j);
	if (sim->on_job)
		sim->on_job(sim, t, sim->job_arg);
}

/* At its boundary t asked for the tick `planned` (rt-app's t_next) and sleeps until
 * `until` (now if the tick is past): that releases its next job at `planned`. */
static void job_release(struct sim *sim, struct sim_thread *t, const struct wl_event *ev,
			sched_time_t planned, sched_time_t until)
{
	job_open(t, planned, sim->now);
	t->jobs.cur.tick = true;
	t->jobs.cur.c_period_ns = ev->ns;
	t->jobs.cur.slept = until > sim->now;
	if (!t->jobs.cur.slept)
		job_ran(t, sim->now); /* late: it runs on, its job starts at once */
}

/* A run or runtime event of t begins or ends now (the log's run and c_duration). */
static void job_event(struct sim *sim, struct sim_thread *t, const struct wl_event *ev,
		      bool begins)
{
	struct sim_jobs *j = &t->jobs;

	if (!j->open)
		return;
	if (!begins) {
		j->cur.run_ns += sim->now - j->ev_begin;
		return;
	}
	j->ev_begin = sim->now;
	if (!ev->added) /* a run's drawn length (run_left is set), as rt-app logs its own */
		j->cur.c_duration_ns += ev->kind == WL_RUN ? t->run_left : ev->ns;
}

/*
 * The schedule of timer event ev (event e of phase p of t), rt-app's timer resource: a
 * ref starting with "unique" is a timer of the thread, any other ref one timer for every
 * thread that names it; the loader's own timers (no ref: a graph stage's) are one each.
 */
static sched_time_t *timer_slot(const struct sim *sim, const struct sim_thread *t,
				const struct wl_event *ev, unsigned p, unsigned e)
{
	if (!ev->ref)
		return &t->timer_next[e + 64 * p];
	if (ev->unique)
		return &t->unique_timers[ev->timer];
	return &sim->timers[ev->timer];
}

/*
 * Released jobs of t unfinished at now whose deadline is past (at or before now: every
 * event of that instant is handled, so they can only end later): the open one, and the
 * ticks its timer passed since. An absolute timer keeps its schedule, so each passed tick
 * counts; a relative one counts the next tick, and restarts from wherever the thread
 * reaches it after that, which is after now.
 */
static uint64_t jobs_overdue(const struct sim *sim, const struct sim_thread *t)
{
	const struct sim_jobs *j = &t->jobs;
	const struct wl_event *ev;
	sched_time_t next, tick;

	if (!j->open || j->cur.deadline > sim->now)
		return 0; /* later ticks have later deadlines */
	ev = &t->task->phases[j->phase].events[j->event];
	next = *timer_slot(sim, t, ev, j->phase, j->event);
	if (next == SCHED_TIME_NEVER)
		return 1; /* the first job: the timer has no schedule until the thread reaches it */
	tick = next + ev->ns;
	if (tick + j->deadline_ns > sim->now)
		return 1;
	return ev->absolute ? 2 + (sim->now - j->deadline_ns - tick) / ev->ns : 2;
}

/* --- thread programs ---------------------------------------------------------------------- */

static const struct wl_event *pc_event(const struct sim_thread *t)
{
	return &t->task->phases[t->phase].events[t->event];
}

static enum wl_event_kind pc_kind(const struct sim_thread *t)
{
	return pc_event(t)->kind;
}

/* An event that consumes run_left of CPU time (its end is a DONE event). */
static bool timed_kind(enum wl_event_kind kind)
{
	return kind == WL_RUN || kind == WL_POLL || kind == WL_SERVE;
}

/* Move past the current event. Returns false when the task has run all its loops. */
static bool step(struct sim_thread *t)
{
	const struct wl_phase *ph = &t->task->phases[t->phase];

	t->event_started = false;
	t->stage = 0;
	if (++t->event < ph->nr_events)
		return true;
	t->event = 0;
	if ((int)++t->phase_loop < ph->loop)
		return true;
	t->phase_loop = 0;
	if (++t->phase < t->task->nr_phases)
		return true;
	t->phase = 0;
	t->loops++;
	return !(t->loops_left > 0 && --t->loops_left == 0);
}

static void plan_done(struct sim *sim, unsigned c, sched_time_t when)
{
	push(sim, EV_DONE, c, when, ++sim->cpu[c].done_gen, NULL);
}

/* True if t's current event is the last of its program (its last loop's). */
static bool last_event(const struct sim_thread *t)
{
	const struct wl_task *task = t->task;
	const struct wl_phase *ph = &task->phases[t->phase];

	return t->loops_left == 1 && t->phase + 1 == task->nr_phases &&
	       (int)t->phase_loop + 1 == ph->loop && t->event + 1 == ph->nr_events;
}

/* t is suspended on `cond` (a libsched.ipc task's suspend), or no longer. */
static void park(struct sim *sim, struct sim_thread *t, uint32_t cond)
{
	t->suspended = true;
	t->suspended_on = cond;
	sim->parked[cond]++;
}

static void unpark(struct sim *sim, struct sim_thread *t)
{
	if (t->suspended)
		sim->parked[t->suspended_on]--;
	t->suspended = false;
}

/* A thread of a libsched.ipc task suspended on condition `cond` (the IPC peer), or NULL.
 * O(1) when none is; else O(threads), by index (the order the program was written for). */
static struct sim_thread *suspended_peer(struct sim *sim, uint32_t cond)
{
	for (size_t i = 0; sim->parked[cond] && i < sim->nr_threads; i++) {
		struct sim_thread *o = sim->threads[i];

		if (o->task && o->suspended && o->suspended_on == cond)
			return o;
	}
	return NULL;
}

/* One of the simulator's own wakes, with `why`, or with the plain rule's SCHED_WAKE_PARK
 * when the run measures the baseline (cfg.plain_wakes); counted under `why` either way. */
static int wake_as(struct sim *sim, struct sched_ref r, enum sched_wake_reason why)
{
	int ret;

	sim->wake_as = (uint8_t)(why + 1);
	ret = sched_wake(&sim->sys, r, sim->cfg.plain_wakes ? SCHED_WAKE_PARK : why);
	sim->wake_as = 0;
	return ret;
}

/* libsched.ipc_wake: the IPC of ipc_handoff as a kernel without sched_call makes it, a wake
 * that says the waker blocks next, then the block. */
static int ipc_wake(struct sim *sim, unsigned c, struct sched_ref r, struct sched_thread **next)
{
	int ret = wake_as(sim, r, SCHED_WAKE_IPC_SYNC);

	return ret < 0 ? ret : sched_block(&sim->sys, c, next);
}

/* t's program counter becomes that of `ahead`, a copy of t stepped forward. */
static void set_pc(struct sim_thread *t, const struct sim_thread *ahead)
{
	t->loops_left = ahead->loops_left;
	t->phase = ahead->phase;
	t->phase_loop = ahead->phase_loop;
	t->event = ahead->event;
	t->event_started = ahead->event_started;
	t->stage = ahead->stage;
	t->loops = ahead->loops;
}

/*
 * libsched.ipc: "resume peer" directly followed by "suspend" is one synchronous IPC: the
 * peer runs next on this CPU, this thread waits. It is sched_reply to the thread that
 * called this one (a lent SC goes back to it), sched_call otherwise (libsched lends this
 * thread's SC to a peer without one). A thread with an SC calls only a peer that uses
 * libsched.ipc too, whose reply returns the SC: libsched refuses any other wake of a
 * caller whose SC is lent. Returns false, with nothing done, when the pattern or a
 * waiting peer is not there or libsched refuses the handoff (then a plain resume and
 * suspend run).
 */
static bool ipc_handoff(struct sim *sim, unsigned c, struct sim_thread *t)
{
	struct sim_thread after = *t; /* a copy whose program counter looks ahead */
	struct sim_thread *peer;
	struct sched_thread *next;
	struct sched_ref r;
	uint32_t on;
	bool reply;
	int ret;

	if (!t->task->ipc || !step(&after) || pc_event(&after)->kind != WL_SUSPEND)
		return false;
	on = pc_event(&after)->cond;
	peer = suspended_peer(sim, pc_event(t)->cond);
	reply = peer && t->caller == peer;
	if (!peer || (t->has_sc && !reply && !peer->task->ipc))
		return false;
	r = sched_ref_of(&peer->st);
	if (!step(&after)) { /* past resume and suspend: the task's last loop ended */
		set_pc(t, &after);
		unpark(sim, peer);
		t->done = true;
		job_complete(sim, t);
		if (reply && peer->has_sc) { /* its exit gives a lent SC back: then the wake */
			exit_thread(sim, t);
			sched_wake(&sim->sys, r, SCHED_WAKE_IPC);
			return true;
		}
		sched_wake(&sim->sys, r, SCHED_WAKE_IPC);
		exit_thread(sim, t);
		return true;
	}
	t->program_wait = true;
	if (t->task->ipc_wake && !t->has_sc && !peer->has_sc)
		ret = ipc_wake(sim, c, r, &next);
	else
		ret = reply ? sched_reply(&sim->sys, c, r, &next)
			    : sched_call(&sim->sys, c, r, &next);
	if (ret < 0) {
		t->program_wait = false;
		return false;
	}
	if (reply)
		t->caller = NULL;
	else
		peer->caller = t;
	set_pc(t, &after);
	unpark(sim, peer);
	park(sim, t, on);
	switch_to(sim, c, next);
	return true;
}

/* A resume of condition `cond` wakes the libsched.ipc threads suspended on it too (they
 * wait outside it). A local preemption is taken by run_program's need_resched check. */
static void wake_parked(struct sim *sim, uint32_t cond)
{
	for (size_t i = 0; sim->parked[cond] && i < sim->nr_threads; i++) { /* O(1) if none */
		struct sim_thread *o = sim->threads[i];

		/* a caller whose SC is lent is refused (-SCHED_ELENT): it stays suspended,
		 * for the reply of the thread that holds its SC */
		int r;

		if (!o->task || !o->suspended || o->suspended_on != cond)
			continue;
		/* (a passive server nothing lends an SC to, -SCHED_ENOSC, stays suspended too:
		 * only a call runs it) */
		r = wake_as(sim, sched_ref_of(&o->st), SCHED_WAKE_IPC);
		if (r != -SCHED_ELENT && r != -SCHED_ENOSC)
			unpark(sim, o);
	}
}

/* --- mutexes, condition variables and barriers -------------------------------------------- */

/*
 * The libsched calls of each such event, in order: rt-app's own sequence (suspend X is
 * lock X, wait on X with X, unlock X; resume X is lock X, broadcast X, unlock X; sync is
 * signal then wait, the caller holding the mutex as its "lock" event left it). Each call
 * that may wait is a blocking entry: when it returns another thread, the CPU switches to
 * it and the thread goes on with the next call when it runs again.
 */
enum sync_op { OP_LOCK, OP_UNLOCK, OP_WAIT, OP_SIGNAL, OP_BROAD, OP_RESUME, OP_BARRIER };

static const struct sync_ops {
	enum sync_op op[3];
	unsigned n;
} sync_ops[] = {
	[WL_LOCK] = { { OP_LOCK }, 1 },
	[WL_UNLOCK] = { { OP_UNLOCK }, 1 },
	[WL_WAIT] = { { OP_WAIT }, 1 },
	[WL_SIGNAL] = { { OP_SIGNAL }, 1 },
	[WL_BROAD] = { { OP_BROAD }, 1 },
	[WL_SYNC] = { { OP_SIGNAL, OP_WAIT }, 2 },
	[WL_BARRIER] = { { OP_BARRIER }, 1 },
	[WL_SUSPEND] = { { OP_LOCK, OP_WAIT, OP_UNLOCK }, 3 },
	[WL_RESUME] = { { OP_LOCK, OP_RESUME, OP_UNLOCK }, 3 },
};

enum sync_result {
	SYNC_DONE,   /* the event is over: go on with the next one */
	SYNC_WAITS,  /* the thread waits in libsched; the CPU switched to another thread */
	SYNC_FAILED, /* libsched refused: sim.error says why, the run is stopped */
};

static const char *event_name(enum wl_event_kind kind)
{
	static const char *const names[] = {
		[WL_SUSPEND] = "suspend", [WL_RESUME] = "resume",  [WL_LOCK] = "lock",
		[WL_UNLOCK] = "unlock",   [WL_WAIT] = "wait",      [WL_SIGNAL] = "signal",
		[WL_BROAD] = "broad",     [WL_SYNC] = "sync",      [WL_BARRIER] = "barrier",
	};

	return kind < sizeof(names) / sizeof(names[0]) && names[kind] ? names[kind] : "event";
}

/* The workload cannot go on as rt-app would: say why and stop the run. */
static enum sync_result sync_failed(struct sim *sim, const struct sim_thread *t,
				    const struct wl_event *ev, int err)
{
	snprintf(sim->error, sizeof(sim->error),
		 "t=%.6f s: task '%s' instance %u: %s '%s' (line %u): %s%s",
		 (double)sim->now / 1e9, t->task->name, t->instance, event_name(ev->kind), ev->ref,
		 ev->line, sched_strerror(err), err == -SCHED_EDEADLK ?
		 " (a cycle of mutex owners: rt-app would hang here for ever)" : "");
	sim->stopped = true;
	return SYNC_FAILED;
}

/* One libsched call of t's event ev on CPU c. */
static enum sync_result sync_call(struct sim *sim, unsigned c, struct sim_thread *t,
				  const struct wl_event *ev, enum sync_op op)
{
	struct sched_thread *next = &t->st;
	int r = 0;

	switch (op) {
	case OP_LOCK:
		r = sched_mutex_lock(&sim->sys, c, &sim->mutexes[ev->mx], SCHED_TIME_NEVER, &next);
		break;
	case OP_UNLOCK:
		r = sched_mutex_unlock(&sim->sys, c, &sim->mutexes[ev->mx]);
		break;
	case OP_WAIT:
		r = sched_cond_wait(&sim->sys, c, &sim->conds[ev->cond], &sim->mutexes[ev->mx],
				    SCHED_TIME_NEVER, &next);
		break;
	case OP_SIGNAL:
		r = sched_cond_signal(&sim->sys, &sim->conds[ev->cond]);
		break;
	case OP_RESUME:
		wake_parked(sim, ev->cond);
		r = sched_cond_broadcast(&sim->sys, &sim->conds[ev->cond]);
		break;
	case OP_BROAD:
		r = sched_cond_broadcast(&sim->sys, &sim->conds[ev->cond]);
		break;
	case OP_BARRIER:
		r = sched_barrier_wait(&sim->sys, c, &sim->barriers[ev->barrier], &next);
		break;
	}
	if (r < 0)
		return sync_failed(sim, t, ev, r);
	if (next == &t->st)
		return SYNC_DONE;
	t->program_wait = true;
	switch_to(sim, c, next);
	return SYNC_WAITS;
}

/*
 * Runs the calls of t's mutex, condition or barrier event from t->stage on. A thread that
 * runs again with stage > 0 has waited in the call before: sched_wait_result says how that
 * ended, and anything but 0 (it owns the mutex, was signalled, or the barrier opened) is
 * not what rt-app's blocking calls can return. At most 3 calls (sync_ops).
 */
static enum sync_result exec_sync(struct sim *sim, unsigned c, struct sim_thread *t,
				  const struct wl_event *ev)
{
	const struct sync_ops *ops = &sync_ops[ev->kind];
	int r = t->stage ? sched_wait_result(&t->st) : 0;

	if (r < 0)
		return sync_failed(sim, t, ev, r);
	while (t->stage < ops->n) {
		enum sync_result s = sync_call(sim, c, t, ev, ops->op[t->stage++]);

		if (s != SYNC_DONE)
			return s;
	}
	return SYNC_DONE;
}

/* Next expiry of a periodic timer event (rt-app: t_next starts at the t_first of the first
 * thread to use the timer, then each use adds its period, whoever uses it; a late relative
 * timer re-synchronises to now). Returns the instant to sleep until; *planned is the tick
 * as scheduled, before any re-synchronisation (a job's release). */
static sched_time_t timer_next(struct sim *sim, struct sim_thread *t, const struct wl_event *ev,
			       sched_time_t *planned)
{
	sched_time_t *next = timer_slot(sim, t, ev, t->phase, t->event);
	sched_time_t late;

	if (*next == SCHED_TIME_NEVER)
		*next = t->t_first;
	*next += ev->ns;
	*planned = *next;
	if (*next < sim->now && !ev->absolute)
		*next = sim->now;
	if (!t->task->jitter_ns)
		return *next;
	/* the tick comes late, its schedule does not move: jitter never accumulates */
	late = *planned + wl_dist_upto(&t->rng_release, t->task->jitter_ns);
	return late > *next ? late : *next;
}

/* A run's length: its nominal value, or a draw of the task's run_dist (not for the 1 us
 * runs the loader adds to zero-time loops, which stand for a loop's own cost). */
static uint64_t run_length(struct sim_thread *t, const struct wl_event *ev)
{
	if (ev->kind != WL_RUN || ev->added || t->task->run_dist.kind == WL_DIST_FIXED)
		return ev->ns;
	return wl_dist_draw(&t->task->run_dist, ev->ns, &t->rng_run);
}

enum exec_result {
	EXEC_NEXT,    /* go on with the CPU's (possibly new) current thread */
	EXEC_BUSY,    /* a DONE event is planned: the thread is busy until then */
	EXEC_EXITED,  /* the task finished (need_resched is set: the loop picks again) */
	EXEC_STOP,    /* the workload cannot go on (sim.error): the run stops */
};

static enum exec_result exec_join(struct sim *sim, unsigned c, struct sim_thread *t,
				  const struct wl_event *ev);

/* run / runtime: plan the DONE event while the thread still has work, else go on. */
static enum exec_result exec_timed(struct sim *sim, unsigned c, struct sim_thread *t,
				   const struct wl_event *ev)
{
	sched_time_t start = sim->cpu[c].run_start;

	if (!t->event_started) {
		t->event_started = true;
		t->run_left = run_length(t, ev);
		t->runtime_end = sim->now + ev->ns;
		job_event(sim, t, ev, true);
	}
	if (ev->kind == WL_RUN && t->run_left) {
		plan_done(sim, c, start + t->run_left);
		return EXEC_BUSY;
	}
	if (ev->kind == WL_RUNTIME && sim->now < t->runtime_end) {
		plan_done(sim, c, t->runtime_end > start ? t->runtime_end : start);
		return EXEC_BUSY;
	}
	return EXEC_NEXT;
}

/* sleep / timer / suspend / yield: the thread leaves the CPU (for a while). Returns false
 * when the task ended with this event (its last loop). */
static bool exec_leave(struct sim *sim, unsigned c, struct sim_thread *t,
		       const struct wl_event *ev)
{
	sched_time_t planned = 0;
	sched_time_t until = ev->kind == WL_SLEEP ? sim->now + ev->ns
			   : ev->kind == WL_TIMER ? timer_next(sim, t, ev, &planned) : 0;
	bool boundary = ev->kind == WL_TIMER && job_boundary(t);
	struct sched_thread *next;

	/* the job ends where the thread asks for the tick, whether or not it then waits */
	if (boundary)
		job_complete(sim, t);
	else if (ev->kind == WL_TIMER && t->jobs.open)
		t->jobs.cur.c_period_ns += ev->ns;
	if (!step(t))
		return false;
	if (boundary)
		job_release(sim, t, ev, planned, until);
	if (boundary && t->task->graph >= 0 && sim->graphs) /* a graph's first stage: its
							     * ticks release the graph */
		graph_release(&sim->graphs[t->task->graph], planned);
	if (ev->kind == WL_SUSPEND) { /* a libsched.ipc task's: a plain block (ipc_handoff) */
		park(sim, t, ev->cond);
		t->program_wait = true;
		sched_block(&sim->sys, c, &next);
	} else if (ev->kind == WL_YIELD) {
		sched_yield_cpu(&sim->sys, c, &next);
	} else if (until > sim->now) {
		t->program_wait = true;
		sched_sleep_until(&sim->sys, c, until, &next);
	} else {
		return true; /* a timer already due: go on at once */
	}
	switch_to(sim, c, next);
	return true;
}

/* t's program ended. */
static enum exec_result finish(struct sim *sim, struct sim_thread *t)
{
	t->done = true;
	job_complete(sim, t); /* a program that ends completes its job */
	exit_thread(sim, t);
	return EXEC_EXITED;
}

/* A mutex, condition or barrier event: over, waiting, or the run stops. */
static enum exec_result exec_sync_event(struct sim *sim, unsigned c, struct sim_thread *t,
					const struct wl_event *ev)
{
	switch (exec_sync(sim, c, t, ev)) {
	case SYNC_DONE:
		return step(t) ? EXEC_NEXT : finish(sim, t);
	case SYNC_WAITS:
		return EXEC_NEXT;
	default:
		return EXEC_STOP;
	}
}

/* --- polling rings ------------------------------------------------------------------------ */

/*
 * The ring's memory is the kernel's, so the simulator keeps the entries: each one's submit
 * instant, in order, until its consumer takes it. A submission publishes its entries
 * first (the release store of the tail), then calls sched_ring_submit, as ring.h says.
 */
static void ring_publish(struct sim *sim, struct sim_ring *rg, uint32_t n)
{
	if (rg->nr + n > rg->wl->entries) { /* full: what does not fit is not published */
		rg->dropped += rg->nr + n - rg->wl->entries;
		n = (uint32_t)(rg->wl->entries - rg->nr);
	}
	if (rg->nr + n > rg->cap) {
		rg->cap = 2 * (rg->nr + n);
		rg->queue = xrealloc(rg->queue, rg->cap * sizeof(*rg->queue));
	}
	for (uint32_t i = 0; i < n; i++)
		rg->queue[rg->nr++] = sim->now;
	rg->published += n;
}

static void ring_submit(struct sim *sim, struct sim_ring *rg, uint32_t n)
{
	int r;

	ring_publish(sim, rg, n);
	r = sched_ring_submit(&sim->sys, &rg->r);
	rg->submit_calls++;
	if (r == 1)
		rg->submit_unparked++;
	else if (r < 0)
		rg->submit_refused++;
}

/* The consumer looks at the ring: it takes every entry published by now (so the queue is
 * always drained from its start). Returns how many, each with its submit-to-consume
 * latency recorded. */
static uint64_t ring_consume(struct sim *sim, struct sim_ring *rg)
{
	uint64_t n = rg->nr;

	for (size_t i = 0; i < n; i++)
		sim_lat_add(&rg->lat, sim->now - rg->queue[i]);
	rg->nr = 0;
	return n;
}

/* libsched refused a poll: the workload cannot go on as written (sim.error says why). */
static enum exec_result poll_failed(struct sim *sim, const struct sim_thread *t, int err)
{
	snprintf(sim->error, sizeof(sim->error),
		 "t=%.6f s: task '%s': sched_ring_poll of ring '%s' refused: %s",
		 (double)sim->now / 1e9, t->task->name, sim->rings[pc_event(t)->ring].wl->name,
		 sched_strerror(err));
	sim->stopped = true;
	return EXEC_STOP;
}

/*
 * A pass of the poll loop: ev->ns of CPU (and the work of the entries the previous pass
 * took), then a look at the ring and sched_ring_poll with what it found. The call may say
 * look again (SCHED_RING_RECHECK: the next pass does) or park the thread, which a
 * submission unparks; its next pass starts when it runs again.
 */
static enum exec_result exec_poll(struct sim *sim, unsigned c, struct sim_thread *t,
				  const struct wl_event *ev)
{
	struct sim_ring *rg = &sim->rings[ev->ring];
	struct sched_thread *next;
	uint64_t n;
	int r;

	if (!t->event_started) {
		t->event_started = true;
		t->run_left = ev->ns + t->poll_work;
		t->poll_work = 0;
	}
	if (t->run_left) {
		plan_done(sim, c, sim->cpu[c].run_start + t->run_left);
		return EXEC_BUSY;
	}
	t->event_started = false;
	n = ring_consume(sim, rg);
	t->poll_work = n * rg->wl->consume_ns;
	r = sched_ring_poll(&sim->sys, c, &rg->r, n > 0, &next);
	if (r < 0)
		return poll_failed(sim, t, r);
	if (next != &t->st) {
		rg->parked++;
		t->program_wait = true;
		switch_to(sim, c, next);
	}
	return EXEC_NEXT;
}

/* submit: publish, tell the consumer, go on (a local wake is taken by run_program). */
static enum exec_result exec_submit(struct sim *sim, struct sim_thread *t,
				    const struct wl_event *ev)
{
	ring_submit(sim, &sim->rings[ev->ring], ev->count);
	return step(t) ? EXEC_NEXT : finish(sim, t);
}

/* A source's submission: its burst of entries, and the next one after its period. */
static void source_fire(struct sim *sim, uint64_t arg)
{
	struct sim_ring *rg = &sim->rings[arg >> 16];
	unsigned k = arg & 0xffff;
	const struct wl_source *src = &rg->wl->sources[k];

	ring_submit(sim, rg, src->burst);
	if (++rg->source_done[k] == src->count)
		return;
	push(sim, EV_SUBMIT, src->cpu, sim->now + src->period_ns, arg, NULL);
}

/* The policy service, its requests and task graphs (defined with the service). */
static enum exec_result exec_request(struct sim *sim, unsigned c, struct sim_thread *t);
static enum exec_result exec_serve(struct sim *sim, unsigned c, struct sim_thread *t,
				   const struct wl_event *ev);
static enum exec_result exec_stage_wait(struct sim *sim, unsigned c, struct sim_thread *t);
static enum exec_result exec_stage_next(struct sim *sim, struct sim_thread *t,
					const struct wl_event *ev);

/* --- rt-app's per-phase settings ------------------------------------------------------------ */

/* True when t is about to run the first event of a phase whose settings it has not taken:
 * each entry into a phase counts (a task loop that comes back to it enters it again). */
static bool phase_entry(const struct sim_thread *t)
{
	return t->task->phase_sched && t->event == 0 && t->phase_loop == 0 &&
	       !t->event_started && t->stage == 0 && t->sched_phase != (int)t->phase;
}

/* libsched refused a phase's setting: rt-app's thread would have failed there too. */
static enum exec_result phase_failed(struct sim *sim, const struct sim_thread *t,
				     const char *what, int err)
{
	const struct wl_phase *ph = &t->task->phases[t->phase];

	snprintf(sim->error, sizeof(sim->error),
		 "t=%.6f s: task '%s' (line %u) instance %u: phase '%s' (line %u): %s: %s",
		 (double)sim->now / 1e9, t->task->name, t->task->line, t->instance, ph->name,
		 ph->sched.line, what, sched_strerror(err));
	sim->stopped = true;
	return EXEC_STOP;
}

static bool rt_policy(enum wl_policy p)
{
	return p == WL_POLICY_FIFO || p == WL_POLICY_RR;
}

/* The CPUs of a "cpus" mask (0: all of them); empty if it names none that is simulated. */
static void mask_of(const struct sim *sim, uint64_t cpus, sched_cpumask_t *mask)
{
	sched_cpumask_clear(mask);
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (!cpus || cpus >> c & 1)
			sched_cpumask_set(mask, c);
}

/* Out of the class t is in, to the fair class: what Linux's sched_setscheduler does on
 * the way to another policy, and what libsched needs before an RT thread's affinity
 * changes under admission. */
static int phase_leave_class(struct sim *sim, struct sim_thread *t, const char **what)
{
	struct sched_rt_params none = { .policy = SCHED_RT_NONE };

	if (t->sc_bound) {
		*what = "sched_sc_unbind";
		t->sc_bound = false;
		return sched_sc_unbind(&sim->sys, t->sc);
	}
	if (!rt_policy(t->cur_policy))
		return 0;
	*what = "sched_set_rt";
	return sched_set_rt(&sim->sys, sched_auth_root(&sim->sys), sched_ref_of(&t->st), &none);
}

/* A SCHED_DEADLINE phase: the thread's own SC (made at its first such phase) configured
 * with the phase's reservation on the thread's CPUs, and bound. */
static int phase_deadline(struct sim *sim, struct sim_thread *t, const struct wl_deadline *dl,
			  const char **what)
{
	static const uint8_t overrun[] = { [WL_OVERRUN_THROTTLE] = SCHED_SC_THROTTLE,
					   [WL_OVERRUN_DEMOTE] = SCHED_SC_DEMOTE,
					   [WL_OVERRUN_NOTIFY_BLOCK] = SCHED_SC_NOTIFY_BLOCK };
	struct sched_sc_params p = { .budget_ns = dl->runtime_ns, .period_ns = dl->period_ns,
				     .deadline_ns = dl->deadline_ns, .endpoint = t->id,
				     .mode = dl->mode == WL_SC_SPORADIC ? SCHED_SC_SPORADIC
									: SCHED_SC_CBS,
				     .overrun = overrun[dl->overrun],
				     .dispatch = sim->cfg.dl_dispatch };
	int r = 0;

	mask_of(sim, t->cur_cpus, &p.cpus);
	if (!t->has_sc) {
		*what = "sched_sc_create";
		t->refills = xrealloc(t->refills, dl->refills * sizeof(*t->refills));
		memset(t->refills, 0, dl->refills * sizeof(*t->refills));
		r = sched_sc_create(&sim->sys, t->st.group, t->refills, dl->refills, &t->sc);
		t->has_sc = r == 0;
	}
	if (r == 0) {
		*what = "sched_sc_configure";
		r = sched_sc_configure_verdict(&sim->sys, sched_auth_root(&sim->sys), t->sc, &p,
					       &t->verdict);
		t->has_verdict = r == 0 || r == -SCHED_EUNSCHED;
	}
	if (r == 0) {
		*what = "sched_sc_bind";
		r = sched_sc_bind(&sim->sys, t->sc, sched_ref_of(&t->st));
		t->sc_bound = r == 0;
	}
	return r;
}

/* Into the class of phase settings ps, from the fair class. */
static int phase_enter_class(struct sim *sim, struct sim_thread *t,
			     const struct wl_phase_sched *ps, const char **what)
{
	struct sched_fair_params f = { .nice = ps->nice, .slice_ns = t->task->slice_ns,
				       .idle_weight = ps->policy == WL_POLICY_IDLE };
	struct sched_rt_params rt = { .prio = (uint8_t)ps->rt_prio };
	struct sched_auth root = sched_auth_root(&sim->sys);

	if (ps->policy == WL_POLICY_DEADLINE)
		return phase_deadline(sim, t, &ps->dl, what);
	if (!rt_policy(ps->policy)) {
		*what = "sched_set_fair";
		return sched_set_fair(&sim->sys, root, sched_ref_of(&t->st), &f);
	}
	rt.policy = ps->policy == WL_POLICY_FIFO ? SCHED_RT_FIFO : SCHED_RT_RR;
	*what = "sched_set_rt";
	return sched_set_rt(&sim->sys, root, sched_ref_of(&t->st), &rt);
}

/*
 * rt-app's thread entering a phase: its affinity becomes the phase's "cpus" (the task's
 * without), and its policy and priority or reservation the phase's (unchanged without),
 * through libsched's setters with the root authority, as the task-level keys were given
 * at its creation. A running thread that may no longer run here, or that another now
 * beats, leaves its CPU at the next pick, which run_program takes at once.
 */
static enum exec_result enter_phase(struct sim *sim, struct sim_thread *t)
{
	const struct wl_phase_sched *ps = &t->task->phases[t->phase].sched;
	uint64_t cpus = ps->has_cpus ? ps->cpus : t->task->cpus;
	bool new_cpus = cpus != t->cur_cpus, new_class = ps->has_policy;
	const char *what = "";
	sched_cpumask_t mask;
	int r = 0;

	t->sched_phase = (int)t->phase;
	if (new_class && (t->island_bound || t->policy_bound))
		return phase_failed(sim, t, "an island's or the policy service's SC holds it: "
				    "a phase's policy cannot replace that", -SCHED_EPERM);
	mask_of(sim, cpus, &mask);
	if (sched_cpumask_empty(&mask))
		return phase_failed(sim, t, "\"cpus\" names no CPU of those simulated",
				    -SCHED_EAFFINITY);
	if (new_class || (new_cpus && (t->sc_bound || rt_policy(t->cur_policy))))
		r = phase_leave_class(sim, t, &what);
	if (r == 0 && new_cpus) {
		what = "sched_set_affinity";
		r = sched_set_affinity(&sim->sys, sched_ref_of(&t->st), &mask);
		t->cur_cpus = cpus;
	}
	if (r == 0 && !new_class && new_cpus && (rt_policy(t->cur_policy) ||
						  t->cur_policy == WL_POLICY_DEADLINE)) {
		const struct wl_phase_sched now = { .policy = t->cur_policy,
						    .rt_prio = t->cur_prio, .nice = t->st.nice,
						    .dl = t->cur_dl };

		r = phase_enter_class(sim, t, &now, &what); /* back where it was */
	} else if (r == 0 && new_class) {
		r = phase_enter_class(sim, t, ps, &what);
		t->cur_policy = ps->policy;
		t->cur_prio = ps->rt_prio;
		t->cur_dl = ps->dl;
	}
	return r ? phase_failed(sim, t, what, r) : EXEC_NEXT;
}

/* Thread creation (defined with the set-up, below). */
static struct sim_thread *add_thread(struct sim *sim, const struct sched_thread_params *p);
static int task_params(struct sim *sim, const struct wl_task *task, struct sched_thread_params *p,
		       sched_cpumask_t *mask);
static int give_rt(struct sim *sim, struct sim_thread *t);
static int give_cookie(struct sim *sim, struct sim_thread *t);

/* A forked thread's program state, as spawn_task gives a thread made at load time. */
static void fork_init(struct sim_thread *n, const struct wl_task *task, unsigned instance)
{
	n->task = task;
	n->instance = instance;
	n->loops_left = task->loop;
	n->timer_next = xrealloc(NULL, 64 * task->nr_phases * sizeof(*n->timer_next));
	for (size_t k = 0; k < 64 * task->nr_phases; k++)
		n->timer_next[k] = SCHED_TIME_NEVER;
	n->unique_timers = xrealloc(NULL, (task->nr_unique_timers + 1) *
					  sizeof(*n->unique_timers));
	for (size_t k = 0; k < task->nr_unique_timers; k++)
		n->unique_timers[k] = SCHED_TIME_NEVER;
	n->sched_phase = -1;
	n->cur_cpus = task->cpus;
	n->cur_policy = task->policy;
	n->cur_prio = task->rt_prio;
	job_init(n);
}

/*
 * rt-app's fork: one more thread of task ev->task, numbered after its "instance" threads
 * and those forked before, made now on this CPU and started after the task's delay (an
 * EV_START, as the threads made at load time). The simulator's bounds on threads and
 * their phases (WL_MAX_THREADS, WL_MAX_THREAD_PHASES) stop a run whose forks pass them.
 */
static enum exec_result exec_fork(struct sim *sim, unsigned c, struct sim_thread *t,
				  const struct wl_event *ev)
{
	const struct wl_task *task = &sim->wl->tasks[ev->task];
	const char *why = sim->nr_threads >= WL_MAX_THREADS ? "more than 262144 threads"
			  : sim->thread_phases + task->nr_phases > WL_MAX_THREAD_PHASES
			  ? "more than 262144 thread phases" : NULL;
	struct sched_thread_params p;
	struct sim_thread *n;
	sched_cpumask_t mask;

	if (why || task_params(sim, task, &p, &mask) < 0) {
		snprintf(sim->error, sizeof(sim->error), "t=%.6f s: task '%s' instance %u: fork "
			 "'%s' (line %u): %s", (double)sim->now / 1e9, t->task->name, t->instance,
			 task->name, ev->line, why ? why : "its \"cpus\" name no simulated CPU");
		sim->stopped = true;
		return EXEC_STOP;
	}
	sim->thread_phases += task->nr_phases;
	n = add_thread(sim, &p); /* on CPU 0's behalf, as every thread is made */
	if (!n)
		die("libsched refused a forked thread");
	n->task = task;
	if (give_rt(sim, n) < 0 || give_cookie(sim, n) < 0)
		die("libsched refused a forked thread");
	sim->cur_cpu = c;
	fork_init(n, task, task->instances + sim->forked[ev->task]++);
	push(sim, EV_START, 0, sim->now + task->delay_ns, 0, n);
	return step(t) ? EXEC_NEXT : finish(sim, t);
}

/* Handle the current thread's event (its requests come first). */
static enum exec_result exec_event(struct sim *sim, unsigned c, struct sim_thread *t)
{
	const struct wl_event *ev = pc_event(t);

	if (t->req_next < t->task->nr_requests)
		return exec_request(sim, c, t);
	if (phase_entry(t))
		return enter_phase(sim, t);
	switch (ev->kind) {
	case WL_RUN:
	case WL_RUNTIME:
		if (exec_timed(sim, c, t, ev) == EXEC_BUSY)
			return EXEC_BUSY;
		job_event(sim, t, ev, false);
		return step(t) ? EXEC_NEXT : finish(sim, t);
	case WL_POLL:
		return exec_poll(sim, c, t, ev);
	case WL_SUBMIT:
		return exec_submit(sim, t, ev);
	case WL_FORK:
		return exec_fork(sim, c, t, ev);
	case WL_JOIN:
	case WL_REAP:
		return exec_join(sim, c, t, ev);
	case WL_SERVE:
		return exec_serve(sim, c, t, ev);
	case WL_STAGE_WAIT:
		return exec_stage_wait(sim, c, t);
	case WL_STAGE_SIGNAL:
	case WL_STAGE_END:
		return exec_stage_next(sim, t, ev);
	case WL_RESUME:
		if (t->stage == 0 && ipc_handoff(sim, c, t))
			return EXEC_NEXT;
		return exec_sync_event(sim, c, t, ev);
	case WL_SUSPEND:
		/* a libsched.ipc task suspends with a plain block (its IPC needs one), and the
		 * last event of a program is not waited for: exec_leave does both */
		if (!t->task->ipc && !last_event(t))
			return exec_sync_event(sim, c, t, ev);
		break;
	case WL_SLEEP:
	case WL_TIMER:
	case WL_YIELD:
		break;
	default:
		return exec_sync_event(sim, c, t, ev);
	}
	return exec_leave(sim, c, t, ev) ? EXEC_NEXT : finish(sim, t);
}

/*
 * Run the current thread of CPU c through its zero-time events until one takes time (a
 * DONE event is planned) or it leaves the CPU. The step bound stops a task made only of
 * zero-time events (say, a lone "resume" in a loop) from hanging the machine: it is
 * charged 1 us of CPU instead, as the real program would spin.
 */
static void run_program(struct sim *sim, unsigned c)
{
	for (unsigned steps = 0;; steps++) {
		struct sim_thread *t = sim->cpu[c].curr;
		enum exec_result r;

		if (sched_need_resched(&sim->sys, c)) {
			switch_to(sim, c, sched_pick(&sim->sys, c));
			continue;
		}
		if (!t || !t->task || t->done)
			return;
		if (steps > 1000) {
			plan_done(sim, c, sim->now + 1000);
			return;
		}
		r = exec_event(sim, c, t);
		if (r == EXEC_BUSY || r == EXEC_STOP)
			return;
	}
}

/* --- core scheduling: the simulator's own checks ----------------------------------------- */

static void violation(struct sim *sim, const char *msg)
{
	if (sim->on_violation) {
		sim->on_violation(sim, msg);
		return;
	}
	fprintf(stderr, "schedsim: %s\n", msg);
	abort();
}

/* The cookie CPU c runs, from the simulator's view: its current thread's, or none (idle). */
static bool running_cookie(const struct sim *sim, unsigned c, sched_cookie_t *out)
{
	const struct sim_thread *t = sim->cpu[c].curr;

	if (!t)
		return false;
	*out = t->st.cookie;
	return true;
}

bool sim_core_check(struct sim *sim)
{
	unsigned smt = sim->cfg.smt, n = sim->cfg.cpus;
	char msg[256];

	sim->core_checks++;
	for (unsigned base = 0; base < n; base += smt) {
		for (unsigned a = base; a < base + smt; a++) {
			sched_cookie_t ca, cb;

			if (!running_cookie(sim, a, &ca))
				continue;
			for (unsigned b = a + 1; b < base + smt; b++) {
				if (!running_cookie(sim, b, &cb) || ca == cb)
					continue;
				snprintf(msg, sizeof(msg),
					 "core invariant broken at t=%llu ns: core %u: cpu %u runs "
					 "thread %u (cookie %llu), cpu %u runs thread %u (cookie %llu)",
					 (unsigned long long)sim->now, base / smt, a,
					 sim->cpu[a].curr->id, (unsigned long long)ca, b,
					 sim->cpu[b].curr->id, (unsigned long long)cb);
				violation(sim, msg);
				return false;
			}
		}
	}
	if (!sim->cfg.core_protect)
		return true;
	for (unsigned c = 0; c < n; c++) {
		unsigned base = c - c % smt;

		if (sim->cpu[c].mode != SIM_KERNEL || sim->cpu[c].waiting)
			continue;
		for (unsigned s = base; s < base + smt; s++) {
			const struct sim_thread *t = sim->cpu[s].curr;

			if (s == c || sim->cpu[s].mode != SIM_USER || !t || !t->st.cookie)
				continue;
			snprintf(msg, sizeof(msg),
				 "kernel protection broken at t=%llu ns: cpu %u is in the kernel "
				 "while its sibling cpu %u runs thread %u (cookie %llu) in user mode",
				 (unsigned long long)sim->now, c, s, t->id,
				 (unsigned long long)t->st.cookie);
			violation(sim, msg);
			return false;
		}
	}
	return true;
}

/* --- kernel protection -------------------------------------------------------------------- */

static void stall_begin(struct sim *sim, unsigned c)
{
	struct sim_cpu *pc = &sim->cpu[c];

	progress(sim, c); /* credited up to now; nothing more until stall_end */
	pc->stalled = true;
	pc->stalls++;
	pc->stall_start = sim->now;
}

/* The CPU goes on: a RUN event in progress ends that much later (its DONE is planned again;
 * the one planned before the stall is stale). */
static void stall_end(struct sim *sim, unsigned c)
{
	struct sim_cpu *pc = &sim->cpu[c];
	struct sim_thread *t = pc->curr;

	progress(sim, c);
	pc->stalled = false;
	pc->stalled_ns += sim->now - pc->stall_start;
	if (t && t->task && !t->done && t->event_started && t->run_left && timed_kind(pc_kind(t)))
		push(sim, EV_DONE, c, pc->run_start + t->run_left, ++pc->done_gen, NULL);
}

/* The event waits while its CPU spins: the same event again, KERNEL_RETRY_NS later. */
static void defer(struct sim *sim, const struct sim_event *ev)
{
	struct sim_event again = *ev;

	again.time = sim->now + KERNEL_RETRY_NS;
	push_event(sim, &again);
}

/*
 * A kernel entry on ev's CPU. Returns true if the event may be handled now; otherwise it
 * was pushed again for later (the CPU spins at its entry, or in its exit).
 */
static bool kernel_entry(struct sim *sim, const struct sim_event *ev)
{
	unsigned c = ev->cpu;
	struct sim_cpu *pc = &sim->cpu[c];

	if (pc->mode == SIM_LEAVING) {
		defer(sim, ev); /* interrupts are off while it spins in its exit */
		return false;
	}
	cur = sim;
	sim->cur_cpu = c;
	if (pc->mode == SIM_USER) {
		bool kicked = sched_core_enter_kernel(&sim->sys, c) > 0;

		pc->mode = SIM_KERNEL;
		if (kicked || !sched_core_kernel_safe(&sim->sys, c)) {
			pc->waiting = true;
			stall_begin(sim, c);
			defer(sim, ev);
			return false;
		}
	} else if (pc->waiting) { /* a retry, or another event while it spins */
		if (!sched_core_kernel_safe(&sim->sys, c)) {
			defer(sim, ev);
			return false;
		}
		pc->waiting = false;
		stall_end(sim, c);
	} else {
		die("kernel entry on a CPU already in the kernel");
	}
	sim_core_check(sim); /* no sibling in user mode with a tagged thread from here on */
	return true;
}

/* Try to return to user mode: -SCHED_EBUSY leaves the CPU spinning (LEAVING). */
static void kernel_exit(struct sim *sim, unsigned c)
{
	struct sim_cpu *pc = &sim->cpu[c];
	int r;

	cur = sim;
	sim->cur_cpu = c;
	r = sched_core_exit_kernel(&sim->sys, c);
	if (r == -SCHED_EBUSY) {
		if (pc->mode != SIM_LEAVING) {
			pc->mode = SIM_LEAVING;
			stall_begin(sim, c);
		}
		push(sim, EV_KEXIT, c, sim->now + KERNEL_RETRY_NS, 0, NULL);
		return;
	}
	if (r < 0)
		die("sched_core_exit_kernel failed");
	if (pc->mode == SIM_LEAVING)
		stall_end(sim, c);
	pc->mode = SIM_USER;
}

/* --- leases ------------------------------------------------------------------------------- */

/*
 * The workload's leases (docs/schedsim.md, "Leases and rings"). A grant and a revocation
 * are calls the kernel makes at their instant, on a CPU outside the lease (call_cpu), as
 * sim_post runs them. After every event the simulator reads each live lease back
 * (sched_lease_info: the report shows the last copy), opens its window once it is ACTIVE
 * and attributes its CPUs' time to the holder, to other threads or to idle; once it is
 * revoked, it watches its CPUs' return counters for the revocation latency.
 */

enum { W_TIMER, W_STOP, W_RESTART, W_NOHZ, W_NR }; /* the window's counters */

uint64_t sim_cpu_nohz_ns(struct sim *sim, unsigned cpu)
{
	const struct sched_rq *rq = &sim->rq[cpu];
	uint64_t ns = sched_cpu_counter(&sim->sys, cpu, SCHED_CNT_NOHZ_NS);

	if (rq->nohz_reason != SCHED_NOHZ_TICK && sim->now > rq->nohz_since)
		ns += sim->now - rq->nohz_since;
	return ns;
}

static uint64_t counter(struct sim *sim, unsigned cpu, unsigned which)
{
	return sched_cpu_counter(&sim->sys, cpu, which);
}

/* The lease's CPUs that the machine has (the loader's mask is checked against it). */
#define for_each_lease_cpu(sim, l, c) \
	for (unsigned c = 0; c < (sim)->cfg.cpus; c++) \
		if (sched_cpumask_test(&(l)->cpus, c))

static void window_counters(struct sim *sim, const struct sim_lease *l, uint64_t out[W_NR])
{
	memset(out, 0, W_NR * sizeof(*out));
	for_each_lease_cpu(sim, l, c) {
		out[W_TIMER] += counter(sim, c, SCHED_CNT_TIMER_IRQ);
		out[W_STOP] += counter(sim, c, SCHED_CNT_NOHZ_STOP_LEASE);
		out[W_RESTART] += counter(sim, c, SCHED_CNT_NOHZ_RESTART);
		out[W_NOHZ] += sim_cpu_nohz_ns(sim, c);
	}
}

static bool group_within(const struct sched_group *g, const struct sched_group *above)
{
	for (; g; g = g->parent)
		if (g == above)
			return true;
	return false;
}

/* What CPU c runs, for lease l: 0 nothing, 1 a thread of its holder, 2 another thread. */
static int8_t ran_on(const struct sim *sim, const struct sim_lease *l, unsigned c)
{
	const struct sim_thread *t = sim->cpu[c].curr;

	if (!t)
		return 0;
	if (l->holder ? t == l->holder : group_within(t->st.group, l->group))
		return 1;
	return 2;
}

/* An ACTIVE lease's CPU runs another thread: counted, and a broken invariant under the
 * checker (libsched places no other thread there once the lease is active). */
static void foreign(struct sim *sim, struct sim_lease *l, unsigned c)
{
	char msg[256];

	l->foreign++;
	if (!sim->check_each_step)
		return;
	snprintf(msg, sizeof(msg), "lease invariant broken at t=%llu ns: lease '%s' is active "
		 "on cpu %u, which runs thread %u, not its holder's", (unsigned long long)sim->now,
		 l->wl->name, c, sim->cpu[c].curr->id);
	violation(sim, msg);
}

/* The window's time since win_at goes to what each CPU ran; then what they run now. */
static void window_time(struct sim *sim, struct sim_lease *l)
{
	uint64_t dt = sim->now - l->win_at;

	for_each_lease_cpu(sim, l, c) {
		uint64_t *to = l->who[c] == 1 ? &l->win.holder_ns
			     : l->who[c] == 2 ? &l->win.other_ns : &l->win.idle_ns;

		*to += dt;
		l->who[c] = ran_on(sim, l, c);
		if (l->who[c] == 2)
			foreign(sim, l, c);
	}
	l->win_at = sim->now;
}

/* CPUs of a revoked lease that came back into general use (their first switch after the
 * revocation): each one's latency is what its SCHED_CNT_LEASE_RETURN_NS grew by. */
static void watch_return(struct sim *sim, struct sim_lease *l)
{
	for_each_lease_cpu(sim, l, c) {
		uint64_t ns;

		if (!sched_cpumask_test(&l->returning, c) ||
		    counter(sim, c, SCHED_CNT_LEASE_RETURNS) == l->ret_base[c])
			continue;
		ns = counter(sim, c, SCHED_CNT_LEASE_RETURN_NS) - l->ret_ns_base[c];
		l->return_ns = ns > l->return_ns ? ns : l->return_ns;
		l->return_sum_ns += ns;
		sched_cpumask_unset(&l->returning, c);
		if (sched_cpumask_empty(&l->returning))
			l->returned_at = sim->now;
	}
}

/* The counters a revocation of l is measured from: its window's end, and each CPU's
 * returns so far. */
static void note_before_revoke(struct sim *sim, struct sim_lease *l)
{
	window_counters(sim, l, l->pre_end);
	for_each_lease_cpu(sim, l, c) {
		l->ret_base[c] = counter(sim, c, SCHED_CNT_LEASE_RETURNS);
		l->ret_ns_base[c] = counter(sim, c, SCHED_CNT_LEASE_RETURN_NS);
	}
}

/* l was live and is not: revoked by the call just made (leases_prepare ran before it). */
static void lease_revoked(struct sim *sim, struct sim_lease *l)
{
	l->state = SIM_LEASE_REVOKED;
	l->revoked_at = sim->now;
	/* the cause is in the slot's record; sched_lease_info no longer answers for it */
	if (l->cap.index < sim->sys.nr_leases)
		l->cause = sim->sys.leases[l->cap.index].cause;
	memcpy(l->win_end, l->pre_end, sizeof(l->win_end));
	l->returning = l->cpus;
	watch_return(sim, l);
}

/* Revoked by nothing the simulator prepared for (every call that revokes is): its window
 * ends now, and a return that came already is not seen. */
static void unprepared_revoke(struct sim *sim, struct sim_lease *l)
{
	note_before_revoke(sim, l);
	lease_revoked(sim, l);
}

/*
 * Read a live lease back; notice that it became ACTIVE: its window opens after the event
 * that made it so (a timer interrupt, say, that switched away from the last other thread,
 * which the span from the grant counts).
 */
static void watch_live(struct sim *sim, struct sim_lease *l)
{
	struct sched_lease_info info;

	if (sched_lease_info(&sim->sys, l->cap, &info) < 0) {
		unprepared_revoke(sim, l);
		return;
	}
	l->info = info;
	l->has_info = true;
	if (l->active) {
		window_time(sim, l);
		return;
	}
	if (info.state != SCHED_LEASE_ACTIVE)
		return;
	l->active = true;
	l->win_at = sim->now;
	window_counters(sim, l, l->win_base);
	window_time(sim, l);
}

static void leases_watch(struct sim *sim)
{
	for (size_t i = 0; i < sim->nr_leases; i++) {
		struct sim_lease *l = &sim->leases[i];

		if (l->state == SIM_LEASE_LIVE)
			watch_live(sim, l);
		else if (l->state == SIM_LEASE_REVOKED && !sched_cpumask_empty(&l->returning))
			watch_return(sim, l);
	}
}

/* Before a call that may revoke leases (a revocation, any thread's exit): every live
 * lease's last copy, its window up to now, and the counters its revocation starts from. */
static void leases_prepare(struct sim *sim)
{
	for (size_t i = 0; i < sim->nr_leases; i++) {
		struct sim_lease *l = &sim->leases[i];

		if (l->state != SIM_LEASE_LIVE)
			continue;
		watch_live(sim, l);
		if (l->state == SIM_LEASE_LIVE)
			note_before_revoke(sim, l);
	}
}

/* After it: the leases it revoked (their capabilities are stale now). */
static void leases_settle(struct sim *sim)
{
	struct sched_lease_info info;

	for (size_t i = 0; i < sim->nr_leases; i++) {
		struct sim_lease *l = &sim->leases[i];

		if (l->state == SIM_LEASE_LIVE && sched_lease_info(&sim->sys, l->cap, &info) < 0)
			lease_revoked(sim, l);
	}
}

/* t (a workload thread) has ended: a thread waiting in a join or reap on its task is woken,
 * from this CPU (the first such thread, by index); with none, the end is kept for the next
 * join or reap. A wake libsched refuses (the waiter's CPUs all offline, say) stops the run
 * with the reason. O(1) while nobody waits; O(threads) otherwise. */
static void thread_ended(struct sim *sim, const struct sim_thread *t)
{
	uint32_t k;

	if (sim->service && t->task == &sim->service->wl->service)
		return; /* the policy service's thread: no workload task, nobody joins it */
	k = (uint32_t)(t->task - sim->wl->tasks);
	for (size_t i = 0; sim->joiners[k] && i < sim->nr_threads; i++) {
		struct sim_thread *o = sim->threads[i];
		int r;

		if (o->joining != k + 1)
			continue;
		o->joining = 0;
		sim->joiners[k]--;
		r = wake_as(sim, sched_ref_of(&o->st), o->join_why);
		if (r < 0 && !sim->stopped) {
			snprintf(sim->error, sizeof(sim->error), "t=%.6f s: task '%s' instance %u: "
				 "libsched refused the wake that ends its join or reap: %s",
				 (double)sim->now / 1e9, o->task->name, o->instance,
				 sched_strerror(r));
			sim->stopped = true;
		}
		return;
	}
	sim->unjoined[k]++;
}

/* Every sched_exit of the simulator: a holder thread's exit revokes its leases; a workload
 * thread's exit ends a join or reap waiting for it (after the exit, as a kernel's exit path
 * wakes the joiner last). */
static void exit_thread(struct sim *sim, struct sim_thread *t)
{
	leases_prepare(sim);
	sched_exit(&sim->sys, sched_ref_of(&t->st));
	leases_settle(sim);
	if (t->joining) { /* killed while it waited: nobody wakes it now */
		sim->joiners[t->joining - 1]--;
		t->joining = 0;
	}
	if (t->task && sim->wl)
		thread_ended(sim, t);
}

/* join / reap: take an end of a thread of the event's task not taken yet, or wait for the
 * next (the wake comes from thread_ended). As the last event of a program it is not
 * waited for, as a suspend is not. */
static enum exec_result exec_join(struct sim *sim, unsigned c, struct sim_thread *t,
				  const struct wl_event *ev)
{
	struct sched_thread *next;

	if (sim->unjoined[ev->task]) {
		sim->unjoined[ev->task]--;
		return step(t) ? EXEC_NEXT : finish(sim, t);
	}
	if (!step(t))
		return finish(sim, t);
	t->joining = ev->task + 1;
	t->join_why = ev->kind == WL_JOIN ? SCHED_WAKE_JOIN : SCHED_WAKE_PROCESS;
	sim->joiners[ev->task]++;
	t->program_wait = true;
	sched_block(&sim->sys, c, &next);
	switch_to(sim, c, next);
	return EXEC_NEXT;
}

/* A thread ends where its program is (cause holder_exit). */
static void kill_thread(struct sim *sim, struct sim_thread *t)
{
	if (t->done)
		return;
	t->done = true;
	job_complete(sim, t);
	exit_thread(sim, t);
}

static void kill_group(struct sim *sim, const struct sched_group *g)
{
	for (size_t i = 0; i < sim->nr_threads; i++)
		if (sim->threads[i]->task && group_within(sim->threads[i]->st.group, g))
			kill_thread(sim, sim->threads[i]);
}

static void lease_grant(struct sim *sim, unsigned cpu, void *arg)
{
	struct sim_lease *l = arg;
	struct sched_lease_params p = { .cpus = l->cpus, .group = l->group, .target = l->target };
	int r;

	if (l->holder)
		p.thread = l->holder_ref;
	window_counters(sim, l, l->span_base);
	r = sched_lease_grant(&sim->sys, sched_auth_root(&sim->sys), &p, &l->cap);
	if (r == -SCHED_EAGAIN && l->retries++ < 1000) {
		/* a thread is migrating towards a CPU of the lease: as a kernel would, call
		 * again once it has switched (1 us later, at most a thousand times) */
		sim_post(sim, cpu, sim->now + 1000, lease_grant, l);
		return;
	}
	if (r < 0) {
		l->state = SIM_LEASE_REFUSED;
		l->err = r;
		l->err_call = "sched_lease_grant";
		return;
	}
	l->state = SIM_LEASE_LIVE;
	watch_live(sim, l);
}

/* The revocation the workload asks for, by its cause. Returns libsched's answer. */
static int revoke_by_cause(struct sim *sim, struct sim_lease *l)
{
	switch (l->wl->cause) {
	case WL_CAUSE_HOLDER_EXIT:
		if (l->holder) {
			kill_thread(sim, l->holder); /* its exit revokes the lease */
			return 0;
		}
		kill_group(sim, l->group);
		l->err_call = "sched_lease_revoke_owned";
		return sched_lease_revoke_owned(&sim->sys, sched_auth_root(&sim->sys), l->owner);
	case WL_CAUSE_SERVICE:
	case WL_CAUSE_SESSION:
		l->err_call = "sched_lease_revoke_owned";
		return sched_lease_revoke_owned(&sim->sys, sched_auth_root(&sim->sys), l->owner);
	default:
		l->err_call = "sched_lease_revoke";
		return sched_lease_revoke(&sim->sys, l->cap);
	}
}

static void lease_revoke(struct sim *sim, unsigned cpu, void *arg)
{
	struct sim_lease *l = arg;
	int r;

	(void)cpu;
	if (l->state != SIM_LEASE_LIVE)
		return; /* refused, or its holder's exit revoked it already */
	leases_prepare(sim);
	r = revoke_by_cause(sim, l);
	leases_settle(sim);
	if (r < 0)
		l->err = r;
	l->outlived = l->state == SIM_LEASE_LIVE;
	if (!l->err && !l->outlived)
		l->err_call = NULL;
}

/* Counter deltas from base to the revocation, or to now while the lease is live. */
static void deltas(struct sim *sim, const struct sim_lease *l, const uint64_t base[W_NR],
		   struct sim_lease_counts *out)
{
	uint64_t end[W_NR];

	if (l->state == SIM_LEASE_REVOKED)
		memcpy(end, l->win_end, sizeof(end));
	else
		window_counters(sim, l, end);
	out->timer_irqs = end[W_TIMER] - base[W_TIMER];
	out->stop_lease = end[W_STOP] - base[W_STOP];
	out->restarts = end[W_RESTART] - base[W_RESTART];
	out->nohz_ns = end[W_NOHZ] - base[W_NOHZ];
}

void sim_lease_window(struct sim *sim, const struct sim_lease *l, struct sim_lease_window *out)
{
	*out = (struct sim_lease_window){ .holder_ns = l->win.holder_ns,
					  .other_ns = l->win.other_ns,
					  .idle_ns = l->win.idle_ns };
	if (l->state == SIM_LEASE_LIVE || l->state == SIM_LEASE_REVOKED)
		deltas(sim, l, l->span_base, &out->span);
	if (l->active)
		deltas(sim, l, l->win_base, &out->active);
}

/* --- IRQ handlers ------------------------------------------------------------------------------ */

/* The gap to source q's next firing: its period, plus a part of its jitter drawn from its
 * own generator (the same whatever the seed). */
static uint64_t irq_gap(struct sim_irq *q)
{
	const struct wl_irq *w = q->wl;

	return w->period_ns + (w->jitter_ns ? rng_next(&q->rng) % (w->jitter_ns + 1) : 0);
}

/*
 * Source k fires on CPU c (where it is routed now): its handler runs from now for its cost,
 * with interrupts off. The CPU's current thread makes no progress meanwhile: its run
 * resumes that much later (its end is planned again), and every other event of the CPU
 * waits for the handler's end (handle). Then its next firing, planned from this one's
 * instant as planned, not as handled.
 */
static void irq_fire(struct sim *sim, unsigned c, uint32_t k)
{
	struct sim_irq *q = &sim->irqs[k];
	struct sim_cpu *pc = &sim->cpu[c];
	struct sim_thread *t;
	uint64_t cost = q->wl->cost_ns, delay = sim->now - q->next;

	sim_enter(sim, c); /* the thread's progress up to now */
	q->fired++;
	q->handler_ns += cost;
	q->on_cpu[c]++;
	if (delay > q->max_delay_ns)
		q->max_delay_ns = delay;
	pc->irqs++;
	pc->irq_ns += cost;
	if (sim->rq[c].curr->is_idle)
		pc->irq_idle_ns += cost;
	pc->irq_start = sim->now;
	pc->irq_until = sim->now + cost;
	sched_irq_enter(&sim->sys, c);
	pc->run_start = (pc->run_start > sim->now ? pc->run_start : sim->now) + cost;
	t = pc->curr;
	if (t && t->task && !t->done && t->event_started && t->run_left && timed_kind(pc_kind(t)))
		plan_done(sim, c, pc->run_start + t->run_left);
	push(sim, EV_IRQ_END, c, pc->irq_until, 0, NULL);
	if (q->wl->count && q->fired >= q->wl->count)
		return;
	q->next += irq_gap(q);
	push(sim, EV_IRQ, q->route, q->next, k, NULL);
}

/*
 * The handler of CPU c returns: libsched is told (sched_irq_exit, as it was told of its
 * start), so the thread it interrupted is not charged for it, by any CPU.
 */
static void irq_end(struct sim *sim, unsigned c)
{
	struct sim_cpu *pc = &sim->cpu[c];
	uint64_t before = sim->rq[c].counters[SCHED_CNT_IRQ_NS];

	if (!pc->irq_until)
		return; /* ended already (an event of that instant waited for it) */
	pc->irq_until = 0;
	sim_enter(sim, c);
	sched_irq_exit(&sim->sys, c);
	pc->irq_unbilled_ns += sim->rq[c].counters[SCHED_CNT_IRQ_NS] - before;
}

/* An event of CPU c while it runs an IRQ handler: it waits for the handler's end. */
static void irq_defer(struct sim *sim, const struct sim_event *ev, sched_time_t until)
{
	struct sim_event again = *ev;

	again.time = until;
	push_event(sim, &again);
}

/* The workload's IRQ sources: each routed to its CPU, its first firing at its start. */
static int make_irqs(struct sim *sim, const struct workload *wl)
{
	if (!wl->nr_irqs)
		return 0;
	sim->irqs = calloc(wl->nr_irqs, sizeof(*sim->irqs));
	if (!sim->irqs)
		die("out of memory");
	sim->nr_irqs = wl->nr_irqs;
	sched_cpumask_fill(&sim->irq_housekeeping, sim->cfg.cpus);
	for (size_t i = 0; i < wl->nr_irqs; i++) {
		const struct wl_irq *w = &wl->irqs[i];
		struct sim_irq *q = &sim->irqs[i];

		if (w->cpu >= sim->cfg.cpus) {
			fprintf(stderr, "schedsim: IRQ source '%s' (line %u): \"cpu\" %u is not one "
				"of the %u simulated\n", w->name, w->line, w->cpu, sim->cfg.cpus);
			return -1;
		}
		q->wl = w;
		q->route = w->cpu;
		q->next = w->start_ns;
		q->rng = 0x5eed1e55ull ^ ((uint64_t)w->irq << 32) ^ i;
		push(sim, EV_IRQ, w->cpu, w->start_ns, i, NULL);
	}
	return 0;
}

/* --- the event loop --------------------------------------------------------------------------- */

/* An event that no longer means anything (a re-programmed timer, a superseded DONE, a
 * release overtaken by the thread's program): dropped, as if it had never been sent. */
static bool stale(const struct sim *sim, const struct sim_event *ev)
{
	const struct sim_cpu *pc = &sim->cpu[ev->cpu];

	switch (ev->kind) {
	case EV_TIMER:
		return pc->timer_gen != ev->arg || pc->timer != pc->timer_queued;
	case EV_DONE:
		return pc->done_gen != ev->arg;
	case EV_IRQ_END:
		return pc->irq_until != ev->time; /* ended already (or another one runs) */
	case EV_RELEASE:
		/* only the latest fault; a thread its program blocked since keeps waiting */
		return ev->arg != ev->t->faults || ev->t->program_wait || ev->t->done;
	default:
		return false;
	}
}

static void handle(struct sim *sim, const struct sim_event *ev)
{
	unsigned c = ev->cpu;
	struct sim_cpu *pc = &sim->cpu[c];

	if (ev->kind == EV_KEXIT) {
		kernel_exit(sim, c);
		return;
	}
	if (stale(sim, ev)) {
		if (ev->kind == EV_TIMER && ev->arg == pc->timer_gen)
			pc->timer_queued = SCHED_TIME_NEVER; /* it left the queue, unfired */
		return;
	}
	if (ev->kind == EV_IRQ_END) {
		irq_end(sim, c);
		sim->events++;
		return;
	}
	if (pc->irq_until) { /* in an IRQ handler: interrupts are off until its end */
		if (sim->now < pc->irq_until) {
			irq_defer(sim, ev, pc->irq_until);
			return;
		}
		irq_end(sim, c); /* its end event is due at this instant too */
	}
	if (sim->cfg.core_protect && !kernel_entry(sim, ev))
		return;
	switch (ev->kind) {
	case EV_TIMER:
		pc->timer = pc->timer_queued = SCHED_TIME_NEVER;
		sim_enter(sim, c);
		if (pc->curr)
			pc->run_start += sim->cfg.timer_cost_ns;
		if (sched_timer(&sim->sys, c))
			sim_resched(sim, c);
		else
			run_program(sim, c);
		break;
	case EV_IPI:
		sim_enter(sim, c);
		if (sched_ipi(&sim->sys, c))
			sim_resched(sim, c);
		break;
	case EV_DONE:
		sim_enter(sim, c);
		run_program(sim, c);
		break;
	case EV_START:
		sim_enter(sim, c);
		if (ev->t->done)
			break; /* it exited before its start (a lease holder's exit) */
		ev->t->t_first = sim->now; /* rt-app's t_first: every timer's schedule starts here */
		sched_wake(&sim->sys, sched_ref_of(&ev->t->st), SCHED_WAKE_NEW);
		after_local_wake(sim, c);
		break;
	case EV_SUBMIT:
		sim_enter(sim, c);
		source_fire(sim, ev->arg);
		after_local_wake(sim, c);
		break;
	case EV_RELEASE:
		sim_enter(sim, c);
		/* blocked by the fault: woken; still running with it pending: it is cancelled */
		sched_wake(&sim->sys, sched_ref_of(&ev->t->st), SCHED_WAKE_PARK);
		after_local_wake(sim, c);
		break;
	case EV_CALL:
		sim_enter(sim, c);
		ev->fn(sim, c, ev->fn_arg);
		sim_enter(sim, c);
		after_local_wake(sim, c);
		break;
	case EV_IRQ:
		irq_fire(sim, c, (uint32_t)ev->arg);
		break;
	}
	sim->events++;
	if (sim->cfg.core_protect) {
		sim_core_check(sim); /* still in the kernel */
		kernel_exit(sim, c);
	}
}

/* No progress: an unbounded chain of events at one instant (say, two CPUs kicking each
 * other forever). Reported like a broken invariant. */
static void stuck(struct sim *sim)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "livelock at t=%llu ns: %llu events without time passing",
		 (unsigned long long)sim->now, (unsigned long long)sim->same_instant);
	sim->same_instant = 0;
	violation(sim, msg);
}

void sim_post(struct sim *sim, unsigned cpu, sched_time_t time, sim_call_fn fn, void *arg)
{
	push_event(sim, &(struct sim_event){ .time = time, .kind = EV_CALL, .cpu = cpu,
					     .fn = fn, .fn_arg = arg });
}

/* The same, its event drawing no key from the seed (push_keyed). */
static void post_unkeyed(struct sim *sim, unsigned cpu, sched_time_t time, sim_call_fn fn,
			 void *arg)
{
	push_keyed(sim, &(struct sim_event){ .time = time, .kind = EV_CALL, .cpu = cpu,
					     .fn = fn, .fn_arg = arg }, false);
}

void sim_run_until(struct sim *sim, sched_time_t until)
{
	cur = sim;
	while (sim->nr_heap && sim->heap[0].time <= until) {
		struct sim_event ev;

		/* the event budget: at most max_events, so a run that needs more stops */
		if (sim->cfg.max_events && sim->events >= sim->cfg.max_events)
			sim->stopped = true;
		if (sim->stopped)
			break;
		ev = pop(sim);

		/* a real machine cannot handle events forever without time passing */
		if (ev.time != sim->now)
			sim->same_instant = 0;
		else if (++sim->same_instant > SAME_INSTANT_MAX + 64 * sim->nr_threads)
			stuck(sim);
		sim->now = ev.time;
		if (ev.kind == EV_IRQ) /* it fires where it is routed now */
			ev.cpu = sim->irqs[ev.arg].route;
		handle(sim, &ev);
		check_step(sim);
		leases_watch(sim);
		if (sim->cfg.core_sched)
			sim_core_check(sim);
		if (sim->after_event)
			sim->after_event(sim, sim->hook_arg);
	}
	if (until > sim->now && !sim->stopped)
		sim->now = until;
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		progress(sim, c);
	leases_watch(sim); /* their windows up to now, for a report */
}

/* --- machine and threads ----------------------------------------------------------------------- */

/* Decision records, every kind, in a ring of n (a power of two), before any thread runs. */
static int explain_start(struct sim *sim, unsigned n)
{
	sim->why_recs = calloc(n, sizeof(*sim->why_recs));
	if (!sim->why_recs)
		die("out of memory");
	return sched_explain_start(&sim->sys, &sim->why, sim->why_recs, n, 0);
}

struct sim *sim_new(const struct sim_config *cfg)
{
	struct sched_topology topo = { 0 };
	struct sched_config sc = { 0 };
	struct sim *sim;

	if (!cfg->cpus || cfg->cpus > SCHED_MAX_CPUS || !cfg->smt || cfg->cpus % cfg->smt) {
		fprintf(stderr, "schedsim: --cpus %u --smt %u: --cpus must be 1..%d and a "
			"multiple of --smt\n", cfg->cpus, cfg->smt, SCHED_MAX_CPUS);
		return NULL;
	}
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		die("out of memory");
	sim->cfg = *cfg;
	sim->rng = cfg->seed;
	topo.nr_cpus = cfg->cpus;
	for (unsigned c = 0; c < cfg->cpus; c++)
		topo.core[c] = (uint16_t)(c / cfg->smt); /* one package, one shared LLC */
	sc.policy = cfg->policy;
	sc.fair_spread_ns = cfg->fair_spread_ns;
	sc.rt_runtime_ns = cfg->rt_runtime_ns;
	sc.rt_period_ns = cfg->rt_period_ns;
	sim_callbacks(sim, &sc);
	sc.core_sched = cfg->core_sched;
	sc.core_protect = cfg->core_protect;
	cur = sim;
	if (sched_init(&sim->sys, sim->rq, &topo, &sc) < 0) {
		if (cfg->policy && !sched_policy_find(cfg->policy))
			fprintf(stderr, "schedsim: --policy: unknown policy '%s'\n", cfg->policy);
		else if (cfg->core_sched && cfg->smt > SCHED_SMT_MAX)
			fprintf(stderr, "schedsim: --smt %u: core scheduling supports up to %d "
					"hardware threads per core\n", cfg->smt, SCHED_SMT_MAX);
		else
			fprintf(stderr, "schedsim: libsched refused the configuration\n");
		free(sim);
		return NULL;
	}
	for (unsigned c = 0; c < cfg->cpus; c++) {
		sim->cpu[c].timer = sim->cpu[c].timer_queued = SCHED_TIME_NEVER;
		sim->cur_cpu = c;
		sched_cpu_online(&sim->sys, c, &sim->cpu[c].idle);
	}
	sim->cur_cpu = 0;
	sched_group_init(&sim->sys, &sim->all, &(struct sched_group_params){ .id = 0 });
	if (cfg->explain && explain_start(sim, cfg->explain) < 0) {
		fprintf(stderr, "schedsim: libsched refused a decision log of %u records\n",
			cfg->explain);
		sim_free(sim);
		return NULL;
	}
	return sim;
}

void sim_free(struct sim *sim)
{
	if (!sim)
		return;
	for (size_t i = 0; i < sim->nr_threads; i++) {
		sim_lat_free(&sim->threads[i]->lat);
		sim_lat_free(&sim->threads[i]->jobs.resp);
		free(sim->threads[i]->jobs.log);
		free(sim->threads[i]->timer_next);
		free(sim->threads[i]->unique_timers);
		free(sim->threads[i]->refills);
		free(sim->threads[i]);
	}
	for (size_t i = 0; i < sim->nr_groups; i++) {
		free(sim->group_names[i]);
		free(sim->group_cpu[i]);
	}
	for (size_t i = 0; i < sim->nr_rings; i++) {
		free(sim->rings[i].queue);
		sim_lat_free(&sim->rings[i].lat);
		free(sim->rings[i].source_done);
	}
	for (size_t i = 0; i < sim->nr_islands; i++) {
		struct sim_island *is = &sim->islands[i];

		free(is->members);
		free(is->servers);
		free(is->paths);
		free(is->irqs);
		free(is->mem);
		free(is->refills);
	}
	for (size_t i = 0; i < sim->nr_graphs; i++) {
		free(sim->graphs[i].release);
		free(sim->graphs[i].latency);
	}
	free(sim->graphs);
	free(sim->requests);
	if (sim->service) {
		free(sim->service->slots);
		free(sim->service->by_slot);
		free(sim->service->faults);
		free(sim->service->refills);
		free(sim->service);
	}
	free(sim->why_recs);
	free(sim->islands);
	free(sim->island_pool);
	free(sim->mem_pools);
	free(sim->rings);
	free(sim->irqs);
	free(sim->irq_moves);
	free(sim->leases);
	free(sim->lease_pool);
	free(sim->group_names);
	free(sim->group_cpu);
	free(sim->groups);
	free(sim->threads);
	free(sim->mutexes);
	free(sim->conds);
	free(sim->parked);
	free(sim->barriers);
	free(sim->cookie_first);
	free(sim->scs);
	free(sim->timers);
	free(sim->forked);
	free(sim->unjoined);
	free(sim->joiners);
	for (unsigned i = 0; i < SCHED_WAKE_NR; i++)
		sim_lat_free(&sim->wakes_by[i].lat);
	free(sim->admit);
	free(sim->heap);
	if (cur == sim)
		cur = NULL;
	free(sim);
}

static struct sim_thread *add_thread(struct sim *sim, const struct sched_thread_params *p)
{
	struct sim_thread *t = calloc(1, sizeof(*t));
	struct sched_thread_params q = *p;

	if (!t)
		die("out of memory");
	t->sim = sim;
	t->id = (uint32_t)sim->nr_threads + 1;
	q.id = t->id;
	sim->cur_cpu = 0; /* threads are created by CPU 0 */
	if (sched_thread_init(&sim->sys, &t->st, &q) < 0) {
		free(t);
		return NULL;
	}
	sim->threads = xrealloc(sim->threads, (sim->nr_threads + 1) * sizeof(*sim->threads));
	sim->threads[sim->nr_threads++] = t;
	return t;
}

struct sim_thread *sim_thread_new(struct sim *sim, const struct sched_thread_params *p)
{
	cur = sim;
	return add_thread(sim, p);
}

/* The index of group `name` among those made, or nr_groups if it is not made yet. */
static size_t group_index(const struct sim *sim, const char *name)
{
	size_t j;

	for (j = 0; j < sim->nr_groups && strcmp(sim->group_names[j], name); j++)
		;
	return j;
}

static struct sched_group *group_named(struct sim *sim, const char *name)
{
	size_t j = group_index(sim, name);

	return j < sim->nr_groups ? &sim->groups[j] : NULL;
}

/* Group `name`, made on first use, after its parent: a group of the workload's "groups"
 * has its kind and parent, one only named by tasks is a top-level process. Every named
 * group is a fairness group. Returns its index. */
static size_t make_group(struct sim *sim, const struct workload *wl, const char *name)
{
	static const uint8_t kinds[] = { [WL_GROUP_PROCESS] = SCHED_GROUP_PROCESS,
					 [WL_GROUP_SESSION] = SCHED_GROUP_SESSION,
					 [WL_GROUP_SERVICE] = SCHED_GROUP_SERVICE };
	struct sched_group_params p = { .kind = SCHED_GROUP_PROCESS };
	size_t j = group_index(sim, name);

	if (j < sim->nr_groups)
		return j;
	for (size_t i = 0; i < wl->nr_groups; i++) {
		if (strcmp(wl->groups[i].name, name))
			continue;
		p.kind = kinds[wl->groups[i].kind];
		if (wl->groups[i].parent) /* the loader bounds the depth, so does this recursion */
			p.parent = &sim->groups[make_group(sim, wl, wl->groups[i].parent)];
	}
	j = sim->nr_groups;
	sim->group_names[j] = strdup(name);
	sim->group_cpu[j] = calloc(sim->cfg.cpus, sizeof(struct sched_group_cpu));
	if (!sim->group_names[j] || !sim->group_cpu[j])
		die("out of memory");
	p.id = (uint32_t)j + 1;
	p.pcpu = sim->group_cpu[j];
	if (sched_group_init(&sim->sys, &sim->groups[j], &p) < 0)
		die("sched_group_init refused a workload group");
	sim->nr_groups++;
	return j;
}

/* Every group, declared ones first (the groups array is fixed once threads point into it,
 * so all names are collected before any thread is created). */
static int make_groups(struct sim *sim, const struct workload *wl)
{
	size_t n = wl->nr_tasks + wl->nr_groups + 2; /* + the policy service's */

	sim->groups = calloc(n, sizeof(*sim->groups));
	sim->group_names = calloc(n, sizeof(*sim->group_names));
	sim->group_cpu = calloc(n, sizeof(*sim->group_cpu));
	if (!sim->groups || !sim->group_names || !sim->group_cpu)
		die("out of memory");
	for (size_t i = 0; i < wl->nr_groups; i++)
		make_group(sim, wl, wl->groups[i].name);
	for (size_t i = 0; i < wl->nr_tasks; i++)
		if (wl->tasks[i].group)
			make_group(sim, wl, wl->tasks[i].group);
	if (wl->policy && wl->policy->service.group)
		make_group(sim, wl, wl->policy->service.group);
	return 0;
}

static struct sched_group *group_for(struct sim *sim, const char *name)
{
	struct sched_group *g = name ? group_named(sim, name) : NULL;

	return g ? g : &sim->all;
}

const char *sim_thread_group(struct sim *sim, const struct sim_thread *t)
{
	for (size_t j = 0; j < sim->nr_groups; j++)
		if (t->st.group == &sim->groups[j])
			return sim->group_names[j];
	return "rt-app";
}

struct sched_sc_stats sim_thread_sc_stats(struct sim *sim, const struct sim_thread *t)
{
	struct sched_sc_stats st = { 0 };

	cur = sim;
	if (t->has_sc && sched_sc_stats(&sim->sys, t->sc, &st) < 0)
		st = (struct sched_sc_stats){ 0 };
	if (t->island_bound && sched_sc_stats(&sim->sys, t->island_sc, &st) < 0)
		st = (struct sched_sc_stats){ 0 };
	if (!t->has_sc && !t->island_bound && t->policy_bound &&
	    sched_sc_stats(&sim->sys, t->policy_sc, &st) < 0)
		st = (struct sched_sc_stats){ 0 };
	return st;
}

/* --- rings and leases of the workload, at load --------------------------------------------- */

/* The first thread of `task`. */
static struct sim_thread *thread_of(struct sim *sim, const struct wl_task *task)
{
	for (size_t i = 0; i < sim->nr_threads; i++)
		if (sim->threads[i]->task == task)
			return sim->threads[i];
	return NULL;
}

/* The rings, each with its submission sources started; consumers register as their
 * threads are made (register_consumer). */
static int make_rings(struct sim *sim, const struct workload *wl)
{
	sim->rings = calloc(wl->nr_rings + 1, sizeof(*sim->rings));
	if (!sim->rings)
		die("out of memory");
	sim->nr_rings = wl->nr_rings;
	for (size_t i = 0; i < wl->nr_rings; i++) {
		const struct wl_ring *w = &wl->rings[i];
		struct sim_ring *rg = &sim->rings[i];

		rg->wl = w;
		/* a file's idle 0 parks at once; libsched's 0 would mean its default */
		if (sched_ring_init(&rg->r, w->idle_ns ? w->idle_ns : 1) < 0)
			die("sched_ring_init refused a workload ring");
		rg->source_done = calloc(w->nr_sources + 1, sizeof(*rg->source_done));
		if (!rg->source_done)
			die("out of memory");
		for (size_t k = 0; k < w->nr_sources; k++) {
			const struct wl_source *src = &w->sources[k];

			if (src->cpu >= sim->cfg.cpus) {
				fprintf(stderr, "schedsim: ring '%s' (line %u): source \"cpu\" %u is "
					"not one of the %u simulated\n", w->name, src->line, src->cpu,
					sim->cfg.cpus);
				return -1;
			}
			push(sim, EV_SUBMIT, src->cpu, src->start_ns, (uint64_t)i << 16 | k, NULL);
		}
	}
	return 0;
}

/* A poller's thread becomes its ring's one consumer before it starts. */
static int register_consumer(struct sim *sim, struct sim_thread *t)
{
	struct sim_ring *rg = &sim->rings[t->task->ring];
	int r = sched_ring_register(&sim->sys, &rg->r, sched_ref_of(&t->st));

	if (r == 0) {
		rg->consumer = t;
		return 0;
	}
	fprintf(stderr, "schedsim: task '%s' (line %u): sched_ring_register: %s\n", t->task->name,
		t->task->line, sched_strerror(r));
	return -1;
}

/* Grants and revocations are issued on the lowest CPU no lease of the workload holds, so
 * that they are no noise on a leased CPU, else on one outside this lease. */
static unsigned call_cpu(const struct sim *sim, uint64_t all_leased, uint64_t mine)
{
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (!(all_leased >> c & 1))
			return c;
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (!(mine >> c & 1))
			return c;
	return 0;
}

static int lease_cpus(struct sim *sim, const struct wl_lease *w, sched_cpumask_t *out)
{
	sched_cpumask_clear(out);
	for (unsigned c = 0; c < 64; c++) {
		if (!(w->cpus >> c & 1))
			continue;
		if (c >= sim->cfg.cpus) {
			fprintf(stderr, "schedsim: lease '%s' (line %u): \"cpus\" names CPU %u, not "
				"one of the %u simulated\n", w->name, w->line, c, sim->cfg.cpus);
			return -1;
		}
		sched_cpumask_set(out, c);
	}
	return 0;
}

/* The lease pool (one slot per lease and per leased island, unless the caller gave one),
 * each lease's holder, owner and target, and its grant and revocation as calls at their
 * instants. */
static size_t policy_leases(const struct workload *wl);

static int make_leases(struct sim *sim, const struct workload *wl)
{
	size_t slots = wl->nr_leases;
	uint64_t all = 0;

	for (size_t i = 0; i < wl->nr_islands; i++)
		slots += !wl->islands[i].shared; /* a leased island holds a lease */
	slots += policy_leases(wl); /* leases the policy service may grant */
	if (slots && !sim->sys.leases) {
		sim->lease_pool = calloc(slots, sizeof(*sim->lease_pool));
		if (!sim->lease_pool ||
		    sched_lease_pool(&sim->sys, sim->lease_pool, (unsigned)slots) < 0)
			die("sched_lease_pool refused the lease pool");
	}
	if (!wl->nr_leases)
		return 0;
	for (size_t i = 0; i < wl->nr_leases; i++)
		all |= wl->leases[i].cpus;
	sim->leases = calloc(wl->nr_leases, sizeof(*sim->leases));
	if (!sim->leases)
		die("out of memory");
	sim->nr_leases = wl->nr_leases;
	for (size_t i = 0; i < wl->nr_leases; i++) {
		const struct wl_lease *w = &wl->leases[i];
		struct sim_lease *l = &sim->leases[i];

		l->wl = w;
		l->revoked_at = l->returned_at = SCHED_TIME_NEVER;
		if (lease_cpus(sim, w, &l->cpus) < 0)
			return -1;
		if (w->holder_task >= 0) {
			l->holder = thread_of(sim, &wl->tasks[w->holder_task]);
			l->holder_ref = sched_ref_of(&l->holder->st); /* the kernel's handle */
		} else {
			l->group = group_named(sim, w->holder);
		}
		l->owner = w->owner ? group_named(sim, w->owner) : NULL;
		l->target = w->target ? group_named(sim, w->target) : NULL;
		l->call_cpu = call_cpu(sim, all, w->cpus);
		sim_post(sim, l->call_cpu, w->grant_ns, lease_grant, l);
		if (w->cause != WL_CAUSE_NONE)
			sim_post(sim, l->call_cpu, w->revoke_ns, lease_revoke, l);
	}
	return 0;
}

static int task_params(struct sim *sim, const struct wl_task *task, struct sched_thread_params *p,
		       sched_cpumask_t *mask)
{
	*p = (struct sched_thread_params){ .nice = task->nice, .group = group_for(sim, task->group),
					   .slice_ns = task->slice_ns, .passive = task->passive };
	p->idle_weight = task->policy == WL_POLICY_IDLE;
	if (!task->cpus)
		return 0;
	sched_cpumask_clear(mask);
	for (unsigned c = 0; c < sim->cfg.cpus; c++)
		if (task->cpus >> c & 1)
			sched_cpumask_set(mask, c);
	if (sched_cpumask_empty(mask)) {
		fprintf(stderr, "schedsim: task '%s' (line %u): \"cpus\" names no CPU of the %u "
				"simulated\n", task->name, task->line, sim->cfg.cpus);
		return -1;
	}
	p->affinity = mask;
	return 0;
}

/*
 * A SCHED_DEADLINE thread gets an SC of its own before its first wake, as a kernel's
 * sched_setattr would make one: owned by the thread's group, configured with the root
 * authority on the thread's CPUs (its cluster) with cfg.dl_dispatch, notifying endpoint
 * t->id, and bound to it. A partitioned SC gets one CPU of the cluster at configure: the
 * thread's affinity becomes that CPU before the bind. Admission refusing the SC
 * (-SCHED_EUNSCHED) is no error: the thread is marked refused and never starts, as
 * rt-app's thread whose sched_setattr fails with EBUSY.
 */
static int give_sc(struct sim *sim, struct sim_thread *t, const struct sched_thread_params *tp)
{
	static const uint8_t mode[] = { [WL_SC_CBS] = SCHED_SC_CBS,
					[WL_SC_SPORADIC] = SCHED_SC_SPORADIC };
	static const uint8_t overrun[] = { [WL_OVERRUN_THROTTLE] = SCHED_SC_THROTTLE,
					   [WL_OVERRUN_DEMOTE] = SCHED_SC_DEMOTE,
					   [WL_OVERRUN_NOTIFY_BLOCK] = SCHED_SC_NOTIFY_BLOCK };
	const struct wl_deadline *dl = &t->task->dl;
	struct sched_sc_params p = { .budget_ns = dl->runtime_ns, .period_ns = dl->period_ns,
				     .deadline_ns = dl->deadline_ns, .endpoint = t->id,
				     .mode = mode[dl->mode], .overrun = overrun[dl->overrun],
				     .dispatch = sim->cfg.dl_dispatch };
	const char *what;
	int r;

	if (tp->affinity)
		p.cpus = *tp->affinity;
	else
		sched_cpumask_fill(&p.cpus, sim->cfg.cpus);
	t->refills = calloc(dl->refills, sizeof(*t->refills));
	if (!t->refills)
		die("out of memory");
	what = "sched_sc_create";
	r = sched_sc_create(&sim->sys, tp->group, t->refills, dl->refills, &t->sc);
	if (r == 0) {
		t->has_sc = true;
		what = "sched_sc_configure";
		r = sched_sc_configure_verdict(&sim->sys, sched_auth_root(&sim->sys), t->sc, &p,
					       &t->verdict);
		t->has_verdict = r == 0 || r == -SCHED_EUNSCHED;
		if (t->has_verdict && sim->on_admit)
			sim->on_admit(sim, t, NULL, sim->admit_arg);
		if (r == -SCHED_EUNSCHED) {
			t->refused = true;
			return 0;
		}
	}
	if (r == 0 && p.dispatch == SCHED_SC_PARTITIONED && t->verdict.cpu != SCHED_RT_NO_CPU) {
		sched_cpumask_t one;

		sched_cpumask_clear(&one);
		sched_cpumask_set(&one, t->verdict.cpu);
		what = "sched_set_affinity";
		r = sched_set_affinity(&sim->sys, sched_ref_of(&t->st), &one);
	}
	if (r == 0) {
		what = "sched_sc_bind";
		r = sched_sc_bind(&sim->sys, t->sc, sched_ref_of(&t->st));
	}
	if (r == 0)
		return 0;
	fprintf(stderr, "schedsim: task '%s' (line %u): SCHED_DEADLINE: %s: %s\n", t->task->name,
		t->task->line, what, sched_strerror(r));
	return -1;
}

/* SCHED_FIFO and SCHED_RR threads enter the fixed-priority class before their first wake,
 * with the root authority, as sched_setscheduler would put them. */
static int give_rt(struct sim *sim, struct sim_thread *t)
{
	const struct wl_task *task = t->task;
	struct sched_rt_params p = { .prio = (uint8_t)task->rt_prio };
	int r;

	if (task->policy != WL_POLICY_FIFO && task->policy != WL_POLICY_RR)
		return 0;
	p.policy = task->policy == WL_POLICY_FIFO ? SCHED_RT_FIFO : SCHED_RT_RR;
	r = sched_set_rt(&sim->sys, sched_auth_root(&sim->sys), sched_ref_of(&t->st), &p);
	if (r == 0)
		return 0;
	fprintf(stderr, "schedsim: task '%s' (line %u): %s: sched_set_rt: %s\n", task->name,
		task->line, task->policy == WL_POLICY_FIFO ? "SCHED_FIFO" : "SCHED_RR",
		sched_strerror(r));
	return -1;
}

bool wl_has_cookies(const struct workload *wl)
{
	for (size_t i = 0; i < wl->nr_tasks; i++)
		if (wl->tasks[i].cookie_kind != WL_COOKIE_NONE)
			return true;
	return false;
}

/*
 * libsched.cookie: the first thread of each distinct value gets a new cookie
 * (sched_core_create), the later ones share it (sched_core_share from that first thread),
 * with the root authority and thread scope, before their first wake. Nothing without core
 * scheduling (schedsim --no-core-sched: the values are only reported).
 */
static int give_cookie(struct sim *sim, struct sim_thread *t)
{
	struct sched_auth root = sched_auth_root(&sim->sys);
	const char *what = "sched_core_create";
	size_t i;
	int r;

	if (!sim->cfg.core_sched || t->task->cookie_kind == WL_COOKIE_NONE)
		return 0;
	for (i = 0; i < sim->nr_cookies; i++)
		if (wl_same_cookie(sim->cookie_first[i]->task, t->task))
			break;
	if (i == sim->nr_cookies) {
		sim->cookie_first = xrealloc(sim->cookie_first,
					     (sim->nr_cookies + 1) * sizeof(*sim->cookie_first));
		sim->cookie_first[sim->nr_cookies++] = t;
		r = sched_core_create(&sim->sys, root, sched_ref_of(&t->st), SCHED_CORE_THREAD);
	} else {
		what = "sched_core_share";
		r = sched_core_share(&sim->sys, root, sched_ref_of(&sim->cookie_first[i]->st),
				     sched_ref_of(&t->st), SCHED_CORE_THREAD);
	}
	if (r == 0)
		return 0;
	fprintf(stderr, "schedsim: task '%s' (line %u): cookie: %s: %s\n", t->task->name,
		t->task->line, what, sched_strerror(r));
	return -1;
}

/*
 * A passive server never starts by itself (it has no SC to run on): it is where its
 * program's first event, a suspend, leaves it, waiting for a call (libsched.ipc's plain
 * block; its libsched state stays NEW, which a call may end as it ends a block).
 */
static void passive_start(struct sim *sim, struct sim_thread *t)
{
	const struct wl_event *first = pc_event(t);

	park(sim, t, first->cond);
	t->program_wait = true;
	if (!step(t))
		t->done = true; /* its program was that one suspend */
}

static int spawn_task(struct sim *sim, const struct wl_task *task)
{
	struct sched_thread_params p;
	sched_cpumask_t mask;
	size_t nr_timers = 64 * task->nr_phases;

	if (task_params(sim, task, &p, &mask) < 0)
		return -1;
	for (unsigned i = 0; i < task->instances; i++) {
		struct sim_thread *t = add_thread(sim, &p);

		if (!t)
			return -1;
		t->task = task;
		t->instance = i;
		t->loops_left = task->loop;
		t->rng_run = wl_dist_seed(sim->cfg.seed, t->id, 0);
		t->rng_release = wl_dist_seed(sim->cfg.seed, t->id, 1);
		if (task->release_offset_ns)
			t->offset_ns = wl_dist_upto(&t->rng_release, task->release_offset_ns);
		if (task->policy == WL_POLICY_DEADLINE && give_sc(sim, t, &p) < 0)
			return -1;
		if (give_rt(sim, t) < 0 || give_cookie(sim, t) < 0)
			return -1;
		t->sched_phase = -1;
		t->cur_cpus = task->cpus;
		t->cur_policy = task->policy;
		t->cur_prio = task->rt_prio;
		t->cur_dl = task->dl;
		t->sc_bound = t->has_sc && !t->refused;
		t->timer_next = malloc(nr_timers * sizeof(*t->timer_next));
		if (!t->timer_next)
			die("out of memory");
		for (size_t k = 0; k < nr_timers; k++)
			t->timer_next[k] = SCHED_TIME_NEVER;
		t->unique_timers = xrealloc(NULL, (task->nr_unique_timers + 1) *
						  sizeof(*t->unique_timers));
		for (size_t k = 0; k < task->nr_unique_timers; k++)
			t->unique_timers[k] = SCHED_TIME_NEVER;
		if (t->refused) { /* admission said no: it never runs, and has no jobs */
			t->done = true;
			continue;
		}
		if (task->poll && register_consumer(sim, t) < 0)
			return -1;
		job_init(t);
		if (task->passive) { /* it waits for its first call: no start of its own */
			passive_start(sim, t);
			continue;
		}
		push(sim, EV_START, 0, task->delay_ns + t->offset_ns, 0, t);
	}
	return 0;
}

/*
 * The SC pool, given once (sched_sc_pool refuses a second one): one slot per SCHED_DEADLINE
 * thread of the workload, if it has any and the caller (a test) gave none before. A
 * workload without SCHED_DEADLINE tasks runs on a system without SCs, as before them.
 */
static size_t policy_scs(const struct workload *wl);

static void give_sc_pool(struct sim *sim, const struct workload *wl)
{
	size_t n = 0, irqs = 0;

	for (size_t i = 0; i < wl->nr_tasks; i++)
		if (wl->tasks[i].policy == WL_POLICY_DEADLINE || wl->tasks[i].phase_deadline)
			n += wl->tasks[i].instances; /* a phase's reservation is an SC of its own */
	for (size_t i = 0; i < wl->nr_islands; i++)
		n += wl->islands[i].nr_members; /* each admission creates its members' SCs */
	n += policy_scs(wl); /* the SCs the policy service may make */
	if (!n || sim->sys.scs)
		return;
	sim->scs = calloc(n, sizeof(*sim->scs));
	if (!sim->scs)
		die("out of memory");
	if (sched_sc_pool(&sim->sys, sim->scs, (unsigned)n) < 0)
		die("sched_sc_pool refused the SC pool");
	if (!sim->cfg.admission)
		return;
	/* Admission's scratch is sized by the pool, known only now: the simulator gives it
	 * with the pool, before any SC is configured, as a kernel sizes both at boot. The
	 * islands' IRQs are tasks of the analysis too: one entry more for each. */
	for (size_t i = 0; i < wl->nr_islands; i++)
		irqs += wl->islands[i].nr_irqs;
	sim->admit = calloc(n + 1 + irqs, sizeof(*sim->admit));
	if (!sim->admit)
		die("out of memory");
	if (sched_sc_admission(&sim->sys, sched_auth_root(&sim->sys), sim->admit,
			       (unsigned)(n + 1 + irqs), SCHED_RT_FIRST_FIT) < 0)
		die("sched_sc_admission refused the admission scratch");
}

/*
 * The workload's mutexes, condition variables and barriers, one per name, in storage of
 * the machine (libsched allocates nothing), before any thread starts. Mutexes lend their
 * waiters' scheduling to the owner only with pi_enabled (rt-app's PTHREAD_PRIO_INHERIT);
 * a barrier opens at its count of users. Tables have a spare slot, so they are never NULL.
 */
static void make_resources(struct sim *sim, const struct workload *wl)
{
	unsigned flags = wl->pi_enabled ? SCHED_MUTEX_PROXY : SCHED_MUTEX_PLAIN;

	sim->mutexes = calloc(wl->nr_mutexes + 1, sizeof(*sim->mutexes));
	sim->conds = calloc(wl->nr_conds + 1, sizeof(*sim->conds));
	sim->parked = calloc(wl->nr_conds + 1, sizeof(*sim->parked));
	sim->barriers = calloc(wl->nr_barriers + 1, sizeof(*sim->barriers));
	if (!sim->mutexes || !sim->conds || !sim->parked || !sim->barriers)
		die("out of memory");
	for (size_t i = 0; i < wl->nr_mutexes; i++)
		if (sched_mutex_init(&sim->sys, &sim->mutexes[i], flags) < 0)
			die("sched_mutex_init refused a workload mutex");
	for (size_t i = 0; i < wl->nr_conds; i++)
		if (sched_cond_init(&sim->sys, &sim->conds[i]) < 0)
			die("sched_cond_init refused a workload condition variable");
	for (size_t i = 0; i < wl->nr_barriers; i++)
		if (sched_barrier_init(&sim->sys, &sim->barriers[i], wl->barriers[i].count) < 0)
			die("sched_barrier_init refused a workload barrier");
}

/* --- realtime islands ---------------------------------------------------------------------------- */

/*
 * The workload's realtime islands (docs/schedsim.md, "Realtime islands"). Each is admitted
 * at its instant, as a kernel's call would make it, with the root authority, on a CPU
 * outside the island (at load when its instant is 0: before any thread starts): its
 * members' SCs are created (owned by the island's group, one CBS refill slot each), then
 * sched_island_admit asks for all of it at once. Admitted, each member's thread gets the
 * CPU admission chose for it (partitioned; a global member its CPU set) and is bound to
 * its SC; refused, the SCs are revoked again and the verdict is kept, so nothing else
 * changes. A grant answered -SCHED_EAGAIN (a thread migrating towards a leased CPU) is
 * asked again 1 us later, as a lease's, at most a thousand times.
 */

static const uint8_t island_overrun[] = { [WL_OVERRUN_THROTTLE] = SCHED_SC_THROTTLE,
					   [WL_OVERRUN_DEMOTE] = SCHED_SC_DEMOTE,
					   [WL_OVERRUN_NOTIFY_BLOCK] = SCHED_SC_NOTIFY_BLOCK };

/* A CPU mask of the workload's (bits 0..63) on the machine; false if it names a CPU the
 * machine does not have. */
static bool wl_mask(const struct sim *sim, uint64_t bits, sched_cpumask_t *out)
{
	sched_cpumask_clear(out);
	for (unsigned c = 0; c < 64; c++) {
		if (!(bits >> c & 1))
			continue;
		if (c >= sim->cfg.cpus)
			return false;
		sched_cpumask_set(out, c);
	}
	return true;
}

/* What island `is` asks for, from the workload: sched_island_params and its arrays (the
 * member SCs are created at each admission). -1 with a message for a CPU not simulated. */
static int island_request(struct sim *sim, struct sim_island *is, size_t index)
{
	const struct wl_island *w = is->wl;
	const struct workload *wl = sim->wl;
	struct sched_island_params *p = &is->p;
	uint64_t all = w->cpus;
	sched_cpumask_t cpus;

	is->members = calloc(w->nr_members, sizeof(*is->members));
	is->refills = calloc(w->nr_members, sizeof(*is->refills));
	is->servers = calloc(w->nr_servers + 1, sizeof(*is->servers));
	is->paths = calloc(w->nr_paths + 1, sizeof(*is->paths));
	is->irqs = calloc(w->nr_irqs + 1, sizeof(*is->irqs));
	is->mem = calloc(w->nr_mem + 1, sizeof(*is->mem));
	if (!is->members || !is->refills || !is->servers || !is->paths || !is->irqs || !is->mem)
		die("out of memory");
	for (size_t i = 0; i < w->nr_members; i++)
		all |= w->members[i].cpus;
	if (!wl_mask(sim, all, &cpus)) {
		fprintf(stderr, "schedsim: island '%s' (line %u): its \"cpus\" or its members' "
			"name a CPU that is not one of the %u simulated\n", w->name, w->line,
			sim->cfg.cpus);
		return -1;
	}
	wl_mask(sim, w->cpus, &cpus);
	is->endpoint = SIM_ISLAND_ENDPOINT + (uint32_t)index;
	*p = (struct sched_island_params){ .group = group_named(sim, w->group), .cpus = cpus,
		.cpu_mode = w->shared ? SCHED_ISLAND_SHARED : SCHED_ISLAND_LEASED,
		.overrun = island_overrun[w->overrun], .endpoint = is->endpoint, .name = w->name,
		.members = is->members, .nr_members = (unsigned)w->nr_members,
		.servers = is->servers, .nr_servers = (unsigned)w->nr_servers,
		.paths = is->paths, .nr_paths = (unsigned)w->nr_paths,
		.irqs = is->irqs, .nr_irqs = (unsigned)w->nr_irqs,
		.mem = is->mem, .nr_mem = (unsigned)w->nr_mem };
	for (size_t i = 0; i < w->nr_members; i++) {
		const struct wl_island_member *m = &w->members[i];
		struct sched_sc_params *sp = &is->members[i].p;

		*sp = (struct sched_sc_params){ .budget_ns = m->budget_ns, .period_ns = m->period_ns,
			.deadline_ns = m->deadline_ns, .mode = SCHED_SC_CBS,
			.dispatch = m->global ? SCHED_SC_GLOBAL : SCHED_SC_PARTITIONED };
		wl_mask(sim, m->cpus ? m->cpus : w->cpus, &sp->cpus);
		is->members[i].name = m->thread;
	}
	for (size_t k = 0; k < w->nr_servers; k++)
		is->servers[k] = (struct sched_island_server){
			.t = sched_ref_of(&thread_of(sim, &wl->tasks[w->server_task[k]])->st),
			.name = w->servers[k] };
	for (size_t k = 0; k < w->nr_paths; k++) {
		const struct wl_island_path *x = &w->paths[k];

		is->paths[k] = (struct sched_island_path){
			.from = (uint16_t)(x->from_member >= 0 ? (unsigned)x->from_member
					   : SCHED_ISLAND_FROM_SERVER | (unsigned)x->from_server),
			.to = (uint16_t)x->to_server, .calls = x->calls, .cost_ns = x->cost_ns };
	}
	for (size_t k = 0; k < w->nr_irqs; k++) {
		const struct wl_irq *q = &wl->irqs[w->irq_index[k]];

		is->irqs[k] = (struct sched_island_irq){ .line = q->irq, .cpu = (uint16_t)q->cpu,
			.min_gap_ns = q->min_gap_ns, .cost_ns = q->cost_ns, .name = q->name };
	}
	for (size_t k = 0; k < w->nr_mem; k++)
		is->mem[k] = (struct sched_island_mem){ .pool = (uint16_t)w->mem[k].pool_index,
							.pages = w->mem[k].pages };
	return 0;
}

/* Admitted: each member's thread on the CPU (or set) admission gave its SC, then bound to
 * it. 0, or -1 with what libsched refused in sim.error. */
static int island_bind(struct sim *sim, struct sim_island *is)
{
	const struct wl_island *w = is->wl;

	for (size_t i = 0; i < w->nr_members; i++) {
		struct sim_thread *t = thread_of(sim, &sim->wl->tasks[w->members[i].task]);
		struct sched_ref r = sched_ref_of(&t->st);
		sched_cpumask_t where = is->members[i].p.cpus;
		const char *what = "sched_set_affinity";
		int ret;

		if (is->verdict.cpu_of[i] != SCHED_RT_NO_CPU) {
			sched_cpumask_clear(&where);
			sched_cpumask_set(&where, is->verdict.cpu_of[i]);
		}
		ret = sched_set_affinity(&sim->sys, r, &where);
		if (ret == 0) {
			what = "sched_sc_bind";
			ret = sched_sc_bind(&sim->sys, is->members[i].sc, r);
		}
		if (ret < 0) {
			snprintf(sim->error, sizeof(sim->error), "island '%s' (line %u): member '%s': "
				 "%s: %s", w->name, w->line, w->members[i].thread, what,
				 sched_strerror(ret));
			return -1;
		}
		t->island_bound = true;
		t->island_sc = is->members[i].sc;
	}
	return 0;
}

static void island_admit_call(struct sim *sim, unsigned cpu, void *arg);

/* Ask for island `is` now (its members' SCs made first, revoked again if it is refused). */
static int island_admit(struct sim *sim, struct sim_island *is)
{
	const struct wl_island *w = is->wl;
	struct sched_group *g = group_named(sim, w->group);
	int r;

	is->at = sim->now;
	for (size_t i = 0; i < w->nr_members; i++)
		if (sched_sc_create(&sim->sys, g, &is->refills[i], 1, &is->members[i].sc) < 0)
			die("sched_sc_create refused an island member's SC");
	r = sched_island_admit(&sim->sys, sched_auth_root(&sim->sys), &is->p, &is->cap,
			       &is->verdict);
	sched_island_explain(&is->verdict, &is->p, sim->mem_pools, is->explain,
			     sizeof(is->explain));
	if (r == 0) {
		is->state = SIM_ISLAND_ADMITTED;
		if (sim->on_admit)
			sim->on_admit(sim, NULL, is, sim->admit_arg);
		return island_bind(sim, is);
	}
	for (size_t i = 0; i < w->nr_members; i++)
		if (sched_sc_revoke(&sim->sys, is->members[i].sc) < 0)
			die("sched_sc_revoke refused a fresh SC");
	if (r == -SCHED_EAGAIN && is->retries++ < 1000) {
		sim_post(sim, is->call_cpu, sim->now + 1000, island_admit_call, is);
		return 0;
	}
	is->state = SIM_ISLAND_REFUSED;
	is->err = r;
	if (sim->on_admit)
		sim->on_admit(sim, NULL, is, sim->admit_arg);
	return 0;
}

/* The admission as a call of the kernel on its CPU, at its instant. */
static void island_admit_call(struct sim *sim, unsigned cpu, void *arg)
{
	struct sim_island *is = arg;

	(void)cpu;
	if (island_admit(sim, is) < 0)
		sim->stopped = true; /* sim.error says why */
}

/* A member's jobs are due its SC's deadline after their release (the timer's period
 * otherwise, docs/schedsim.md "Job-level deadline accounting"). */
static void island_deadlines(struct sim *sim, const struct wl_island *w)
{
	for (size_t i = 0; i < w->nr_members; i++) {
		const struct wl_island_member *m = &w->members[i];
		struct sim_thread *t = thread_of(sim, &sim->wl->tasks[m->task]);

		t->member = (unsigned)i;
		if (!t->jobs.periodic)
			continue;
		t->jobs.deadline_ns = m->deadline_ns ? m->deadline_ns : m->period_ns;
		if (t->jobs.open)
			t->jobs.cur.deadline = t->jobs.cur.release + t->jobs.deadline_ns;
	}
}

/*
 * The island slots (one per island), the memory pools, each island's request, and its
 * admission: now for an instant of 0, else a call at its instant on the lowest CPU outside
 * it. That call's event draws no tie-break key from the seed, so an island changes the
 * order of no other event (a refused one changes nothing at all).
 */
static int make_islands(struct sim *sim, const struct workload *wl)
{
	if (!wl->nr_islands && !wl->nr_mem_pools)
		return 0;
	if (!sim->cfg.admission || !sim->sys.admit_tasks) {
		fprintf(stderr, "schedsim: realtime islands need SC admission (--admission on)\n");
		return -1;
	}
	if (wl->nr_mem_pools) {
		sim->mem_pools = calloc(wl->nr_mem_pools, sizeof(*sim->mem_pools));
		if (!sim->mem_pools)
			die("out of memory");
		for (size_t i = 0; i < wl->nr_mem_pools; i++)
			sim->mem_pools[i] = (struct sched_mem_pool){ .name = wl->mem_pools[i].name,
								     .pages = wl->mem_pools[i].pages };
		if (sched_island_mem_pools(&sim->sys, sim->mem_pools, (unsigned)wl->nr_mem_pools) < 0)
			die("sched_island_mem_pools refused the memory pools");
	}
	if (!wl->nr_islands)
		return 0;
	sim->island_pool = calloc(wl->nr_islands, sizeof(*sim->island_pool));
	sim->islands = calloc(wl->nr_islands, sizeof(*sim->islands));
	if (!sim->island_pool || !sim->islands)
		die("out of memory");
	if (sched_island_pool(&sim->sys, sim->island_pool, (unsigned)wl->nr_islands) < 0)
		die("sched_island_pool refused the island slots");
	sim->nr_islands = wl->nr_islands;
	for (size_t i = 0; i < wl->nr_islands; i++) {
		struct sim_island *is = &sim->islands[i];

		is->wl = &wl->islands[i];
		is->call_cpu = call_cpu(sim, is->wl->cpus, is->wl->cpus);
		if (island_request(sim, is, i) < 0)
			return -1;
		island_deadlines(sim, is->wl);
		for (size_t k = 0; k < is->wl->nr_members; k++)
			thread_of(sim, &wl->tasks[is->wl->members[k].task])->island = is;
	}
	for (size_t i = 0; i < sim->nr_islands; i++) {
		struct sim_island *is = &sim->islands[i];

		if (is->wl->requested)
			continue; /* a thread asks the policy service for it */
		if (is->wl->at_ns) {
			post_unkeyed(sim, is->call_cpu, is->wl->at_ns, island_admit_call, is);
			continue;
		}
		sim->cur_cpu = is->call_cpu;
		if (island_admit(sim, is) < 0) {
			fprintf(stderr, "schedsim: %s\n", sim->error);
			return -1;
		}
	}
	sim->cur_cpu = 0;
	return 0;
}

/* --- the policy service ----------------------------------------------------------------------- */

/*
 * The workload's policy service (docs/schedsim.md, "The policy service"). libsched keeps
 * the request queue (sched/policy.h) in slots of the machine. The service is a thread
 * whose program (WL_SERVE) takes the oldest pending request, runs its cost of CPU, waits
 * until its latency has passed since the take, decides (the decider: schedsim's manifest)
 * and answers. Faults stall it (it sleeps until the stall ends, wherever it is), end it
 * (sched_exit: a request it had taken stays taken) or start a new service thread, which
 * attaches when it first runs (sched_policy_attach puts the taken requests back).
 *
 * A requester makes its requests before its program, in order, each no earlier than its
 * instant: it submits, parks until the answer or the deadline (sched_park_until) and reads
 * the answer (sched_policy_result), which applies the default when nobody answered in
 * time. Nothing else waits for the service.
 */

#define SVC_REFILLS 8 /* refill slots of an SC the service makes (sporadic needs two) */

void sim_policy_decider(struct sim *sim, sim_decide_fn decide, void *ctx)
{
	if (!sim->service)
		return;
	sim->service->decide = decide;
	sim->service->decide_ctx = ctx;
}

/* Without a decider: what was asked (the default profile for a profile). */
static int decide_as_asked(struct sim *sim, void *ctx, const struct sched_request *r,
			   const struct sim_thread *requester, const struct sim_thread *target,
			   struct sched_decision *d, bool *make_sc)
{
	(void)ctx;
	(void)requester;
	(void)target;
	d->fair = sim->service->q.cfg.default_fair;
	d->sc_params = r->sc_params;
	d->cpus = r->cpus;
	*make_sc = r->kind == SCHED_REQ_ADMIT_SC;
	return 0;
}

/* The SC a thread holds, whichever way it got it (index SCHED_NO_SC: none). */
static struct sched_sc_cap thread_sc(const struct sim_thread *t)
{
	if (t && t->has_sc)
		return t->sc;
	if (t && t->island_bound)
		return t->island_sc;
	if (t && t->policy_bound)
		return t->policy_sc;
	return (struct sched_sc_cap){ .index = SCHED_NO_SC };
}

/* The parameters of the SC `cap` names, as its slot holds them (zero if it is gone). */
static struct sched_sc_params sc_now(const struct sim *sim, struct sched_sc_cap cap)
{
	const struct sched_sc *sc = cap.index < sim->sys.nr_scs ? &sim->sys.scs[cap.index] : NULL;
	struct sched_sc_params p = { 0 };

	if (!sc || sc->gen != cap.gen || sc->state != SCHED_SC_CONFIGURED)
		return p;
	p.budget_ns = sc->budget;
	p.period_ns = sc->period;
	p.deadline_ns = sc->rel_deadline;
	p.cpus = sc->cpus;
	return p;
}

bool sim_thread_sc_params(struct sim *sim, const struct sim_thread *t,
			  struct sched_sc_params *p)
{
	struct sched_sc_cap cap = t->island_bound ? t->island_sc : thread_sc(t);
	const struct sched_sc *sc = cap.index < sim->sys.nr_scs ? &sim->sys.scs[cap.index] : NULL;

	*p = sc_now(sim, cap);
	if (p->budget_ns) {
		p->mode = sc->mode;
		p->overrun = sc->overrun;
		p->dispatch = sc->dispatch;
		return true;
	}
	if (!t->has_sc)
		return false;
	*p = (struct sched_sc_params){ .budget_ns = t->task->dl.runtime_ns,
				       .period_ns = t->task->dl.period_ns,
				       .deadline_ns = t->task->dl.deadline_ns,
				       .dispatch = sim->cfg.dl_dispatch };
	return true;
}

/* An SC the service makes for a thread of group `owner`, from its own refill storage. */
static int service_new_sc(struct sim *sim, struct sim_service *sv, struct sched_group *owner,
			  struct sched_sc_cap *out)
{
	int r;

	if (sv->used_refills + SVC_REFILLS > sv->nr_refills)
		return -SCHED_EFULL;
	r = sched_sc_create(&sim->sys, owner, &sv->refills[sv->used_refills], SVC_REFILLS, out);
	if (r == 0)
		sv->used_refills += SVC_REFILLS;
	return r;
}

/* The request of the workload that a ticket names now (the one last submitted into its
 * slot, if the generation still matches). */
static struct sim_request *request_of(struct sim *sim, struct sched_ticket t)
{
	struct sim_request *rq = t.slot < sim->service->wl->slots ? sim->service->by_slot[t.slot]
								  : NULL;

	return rq && rq->state == SIM_RQ_PENDING && rq->ticket.gen == t.gen ? rq : NULL;
}

/* EXPLAIN: the service reads the newest records about the thread (they say why). */
static unsigned explain_count(struct sim *sim, const struct sched_request *r)
{
	struct sched_why_filter f = { .tid = r->thread.t ? r->thread.t->id : 0 };
	struct sched_why recs[64];

	return f.tid ? sched_explain_read(&sim->sys, &f, recs, 64) : 0;
}

/* Decide the taken request and answer it: serve, or deny with the decider's error. */
static void service_answer(struct sim *sim, struct sim_service *sv, struct sim_thread *t)
{
	struct sched_decision d = { .sc = { .index = SCHED_NO_SC } };
	struct sim_thread *target = sim_of(t->svc_req.thread.t);
	struct sim_request *rq = request_of(sim, t->svc_ticket);
	bool make = false;
	int err = sv->decide(sim, sv->decide_ctx, &t->svc_req, sim_of(t->svc_who.t),
			     target, &d, &make);
	int r;

	if (!err && make)
		err = target ? service_new_sc(sim, sv, target->st.group, &d.sc) : -SCHED_EINVAL;
	if (!err && rq && t->svc_req.kind == SCHED_REQ_EXPLAIN)
		rq->explained = explain_count(sim, &t->svc_req);
	r = err ? sched_policy_deny(&sim->sys, &sv->q, sched_ref_of(&t->st), t->svc_ticket, err)
		: sched_policy_serve(&sim->sys, &sv->q, sched_ref_of(&t->st),
				     sched_auth_root(&sim->sys), t->svc_ticket, &d);
	if (r == 0) {
		*(err ? &sv->denied : &sv->served) += 1;
		if (rq) {
			rq->served_by = t->id;
			rq->made_sc = !err && make ? d.sc : rq->made_sc;
		}
	} else {
		*(r == -SCHED_ETIMEDOUT ? &sv->late : &sv->stale) += 1;
	}
	if (r != 0 && !err && make)
		(void)sched_sc_revoke(&sim->sys, d.sc); /* made for an answer that was not given */
}

/* The thread leaves the CPU until `until`: the service's latency or a stall, a requester's
 * next instant. */
static enum exec_result program_sleep(struct sim *sim, unsigned c, struct sim_thread *t,
				      sched_time_t until)
{
	struct sched_thread *next;

	t->program_wait = true;
	if (sched_sleep_until(&sim->sys, c, until, &next) < 0)
		die("sched_sleep_until refused a workload thread's sleep");
	switch_to(sim, c, next);
	return EXEC_NEXT;
}

/* Park until something is submitted (a pending permit: look again at once). */
static enum exec_result park_here(struct sim *sim, unsigned c, struct sim_thread *t)
{
	struct sched_thread *next;

	if (sched_park(&sim->sys, c, &next) < 0)
		die("sched_park refused a workload thread");
	if (next == &t->st)
		return EXEC_NEXT;
	t->program_wait = true;
	switch_to(sim, c, next);
	return EXEC_NEXT;
}

/* Take the oldest pending request; *ended when this thread is not the service any more. */
static enum exec_result service_take(struct sim *sim, unsigned c, struct sim_thread *t,
				     const struct wl_event *ev, bool *ended)
{
	struct sim_service *sv = sim->service;
	int r = sched_policy_take(&sim->sys, &sv->q, sched_ref_of(&t->st), &t->svc_ticket,
				  &t->svc_req, &t->svc_who);

	*ended = r == -SCHED_EPERM; /* another service thread attached since */
	if (r == -SCHED_EAGAIN)
		return park_here(sim, c, t);
	if (r < 0)
		return EXEC_NEXT;
	sv->taken++;
	t->svc_taken = sim->now;
	t->svc_state = SIM_SVC_COST;
	t->event_started = true;
	t->run_left = ev->ns;
	return EXEC_NEXT;
}

/*
 * The service's loop (WL_SERVE): attach on its first pass; a stall first; then take, run
 * the cost, wait for the latency, answer.
 */
static enum exec_result exec_serve(struct sim *sim, unsigned c, struct sim_thread *t,
				   const struct wl_event *ev)
{
	struct sim_service *sv = sim->service;
	sched_time_t ready = t->svc_taken + sv->wl->latency_ns;
	bool ended = false;
	enum exec_result r;

	if (!t->svc_attached) {
		t->svc_attached = true;
		if (sched_policy_attach(&sim->sys, &sv->q, sched_ref_of(&t->st)) < 0)
			die("sched_policy_attach refused the service's thread");
	}
	if (sim->now < sv->stall_until)
		return program_sleep(sim, c, t, sv->stall_until);
	switch (t->svc_state) {
	case SIM_SVC_TAKE:
		r = service_take(sim, c, t, ev, &ended);
		return ended ? finish(sim, t) : r;
	case SIM_SVC_COST:
		if (t->run_left) {
			plan_done(sim, c, sim->cpu[c].run_start + t->run_left);
			return EXEC_BUSY;
		}
		t->event_started = false;
		t->svc_state = SIM_SVC_WAIT;
		return EXEC_NEXT;
	default: /* SIM_SVC_WAIT */
		if (sim->now < ready)
			return program_sleep(sim, c, t, ready);
		t->svc_state = SIM_SVC_TAKE;
		service_answer(sim, sv, t);
		return EXEC_NEXT;
	}
}

/* --- requests -------------------------------------------------------------------------------- */

/* in enum wl_req_kind order */
static const uint8_t req_kinds[WL_REQ_NR] = {
	SCHED_REQ_PROFILE, SCHED_REQ_ADMIT_SC, SCHED_REQ_BUDGET, SCHED_REQ_LEASE_GRANT,
	SCHED_REQ_LEASE_REVOKE, SCHED_REQ_ISLAND, SCHED_REQ_GRAPH, SCHED_REQ_EXPLAIN,
};

static struct sim_thread *task_thread(struct sim *sim, int task)
{
	return task >= 0 ? thread_of(sim, &sim->wl->tasks[task]) : NULL;
}

/* The SC parameters a request asks for: its budget, period and deadline on its CPUs, by
 * default those its thread may run on (the loader's CPUs are checked against the machine:
 * check_policy_cpus). */
static struct sched_sc_params asked_sc(const struct sim *sim, const struct wl_request *w,
				       const struct sim_thread *target)
{
	struct sched_sc_params p = { .budget_ns = w->budget_ns, .period_ns = w->period_ns,
				     .deadline_ns = w->deadline_ns, .mode = SCHED_SC_SPORADIC };
	uint64_t cpus = w->cpus ? w->cpus : target->task->cpus;

	if (!cpus || !wl_mask(sim, cpus, &p.cpus))
		sched_cpumask_fill(&p.cpus, sim->cfg.cpus);
	return p;
}

static void graph_ask(struct sim *sim, struct sim_graph *g, struct sched_request *req);
static void island_ask(struct sim *sim, struct sim_island *is, struct sched_request *req);

/* What thread t's request rq asks, as libsched takes it. */
static void request_build(struct sim *sim, struct sim_thread *t, struct sim_request *rq)
{
	const struct wl_request *w = rq->wl;
	struct sim_thread *target = w->target_task >= 0 ? task_thread(sim, w->target_task) : t;
	struct sched_request *req = &rq->req;

	*req = (struct sched_request){ .kind = req_kinds[w->kind], .timeout_ns = w->timeout_ns,
				       .thread = sched_ref_of(&target->st) };
	if (w->profile)
		snprintf(req->profile, sizeof(req->profile), "%s", w->profile);
	if (w->kind == WL_REQ_ADMIT_SC || w->kind == WL_REQ_BUDGET)
		req->sc_params = asked_sc(sim, w, target);
	if (w->kind == WL_REQ_BUDGET)
		req->sc = thread_sc(w->sc_task >= 0 ? task_thread(sim, w->sc_task) : t);
	if (w->kind == WL_REQ_LEASE)
		wl_mask(sim, w->cpus, &req->cpus);
	if (w->kind == WL_REQ_LEASE_REVOKE)
		req->lease = t->lease;
	if (w->kind == WL_REQ_GRAPH)
		graph_ask(sim, &sim->graphs[w->index], req);
	if (w->kind == WL_REQ_ISLAND)
		island_ask(sim, rq->island = &sim->islands[w->index], req);
}

/*
 * The port's sweep at a request's deadline (sched_policy_expire): an unanswered request
 * gets its default then, on the kernel's timer, whether or not its requester runs; the
 * requester reads it when it does. Its event draws no tie-break key (post_unkeyed), so it
 * comes first at its instant and reorders nothing else.
 */
static void policy_sweep(struct sim *sim, unsigned cpu, void *arg)
{
	struct sim_service *sv = arg;

	(void)cpu;
	sv->swept += sched_policy_expire(&sim->sys, &sv->q);
}

static void request_submit(struct sim *sim, struct sim_thread *t, struct sim_request *rq)
{
	struct sim_service *sv = sim->service;
	int r;

	request_build(sim, t, rq);
	rq->submitted = sim->now;
	r = sched_policy_submit(&sim->sys, &sv->q, sched_ref_of(&t->st), &rq->req, &rq->ticket);
	if (r < 0) {
		rq->state = SIM_RQ_REFUSED;
		rq->submit_err = r;
		return;
	}
	rq->state = SIM_RQ_PENDING;
	rq->deadline = sim->now + (rq->req.timeout_ns ? rq->req.timeout_ns : sv->q.cfg.timeout_ns);
	sv->by_slot[rq->ticket.slot] = rq;
	post_unkeyed(sim, sv->wl->cpu, rq->deadline, policy_sweep, sv);
}

static void graph_answered(struct sim *sim, struct sim_graph *g, int err, sched_time_t when);
static void island_answered(struct sim *sim, struct sim_island *is, const struct sim_request *rq);

/* The answer is read: what it gave the thread, or the SC made for nothing given back. */
static void request_collected(struct sim *sim, struct sim_thread *t, struct sim_request *rq)
{
	const struct sched_answer *a = &rq->ans;
	struct sim_thread *target = sim_of(rq->req.thread.t);
	bool ok = rq->state == SIM_RQ_ANSWERED && !a->err;

	if (rq->made_sc.index != SCHED_NO_SC && !ok)
		(void)sched_sc_revoke(&sim->sys, rq->made_sc);
	if (ok && rq->made_sc.index != SCHED_NO_SC && target) {
		target->policy_bound = true;
		target->policy_sc = a->sc;
	}
	if (ok && rq->req.kind == SCHED_REQ_LEASE_GRANT) {
		t->has_lease = true;
		t->lease = a->lease;
	}
	if (ok && rq->req.kind == SCHED_REQ_LEASE_REVOKE)
		t->has_lease = false;
	if (rq->wl->kind == WL_REQ_GRAPH)
		graph_answered(sim, &sim->graphs[rq->wl->index], ok ? 0 : rq->state ==
			       SIM_RQ_REFUSED ? rq->submit_err : a->err,
			       rq->state == SIM_RQ_ANSWERED ? a->answered : sim->now);
	if (rq->wl->kind == WL_REQ_ISLAND)
		island_answered(sim, rq->island, rq);
}

/* t's program starts once its requests are made (it runs now): its timers' schedules and
 * the job its start releases begin here, not at its first request. */
static void program_begins(struct sim_thread *t)
{
	t->t_first = t->sim->now;
	if (!t->jobs.open || t->jobs.cur.tick)
		return;
	job_open(t, t->sim->now, SCHED_TIME_NEVER);
	job_ran(t, t->sim->now);
}

static enum exec_result request_next(struct sim_thread *t)
{
	t->req_state = SIM_REQ_BEFORE;
	if (++t->req_next == t->task->nr_requests)
		program_begins(t);
	return EXEC_NEXT;
}

/* Wait for the answer: parked until it comes (the service unparks) or the deadline. */
static enum exec_result request_wait(struct sim *sim, unsigned c, struct sim_thread *t,
				     struct sim_request *rq)
{
	struct sched_thread *next;
	int r = sched_policy_result(&sim->sys, &sim->service->q, sched_ref_of(&t->st),
				    rq->ticket, &rq->ans);

	if (r == -SCHED_EAGAIN) {
		sched_time_t until = sim->now < rq->deadline ? rq->deadline : sim->now + 1000;

		if (sched_park_until(&sim->sys, c, until, &next) < 0)
			die("sched_park_until refused a requester");
		if (next == &t->st)
			return EXEC_NEXT; /* a permit: look again */
		t->program_wait = true;
		switch_to(sim, c, next);
		return EXEC_NEXT;
	}
	rq->state = r == 0 ? SIM_RQ_ANSWERED : SIM_RQ_REFUSED;
	rq->submit_err = r;
	rq->collected = sim->now;
	request_collected(sim, t, rq);
	return request_next(t);
}

/* t's next request: no earlier than its instant, then submitted and waited for. */
static enum exec_result exec_request(struct sim *sim, unsigned c, struct sim_thread *t)
{
	struct sim_request *rq = &t->requests[t->req_next];

	if (t->req_state == SIM_REQ_BEFORE && sim->now < rq->wl->at_ns)
		return program_sleep(sim, c, t, rq->wl->at_ns);
	if (t->req_state == SIM_REQ_BEFORE) {
		request_submit(sim, t, rq);
		if (rq->state == SIM_RQ_REFUSED) {
			rq->collected = sim->now;
			request_collected(sim, t, rq);
			return request_next(t);
		}
		t->req_state = SIM_REQ_WAIT;
	}
	return request_wait(sim, c, t, rq);
}

/* --- task graphs ------------------------------------------------------------------------------ */

/* The graph as its coordinator asks it: its stages' threads, and their budgets (the SCs
 * the tasks named as budgets hold now), with the budgets' parameters noted. */
static void graph_ask(struct sim *sim, struct sim_graph *g, struct sched_request *req)
{
	const struct wl_graph *w = g->wl;
	struct sched_graph *sg = &g->g;

	*sg = (struct sched_graph){ .nr_nodes = (unsigned)w->nr_nodes, .period_ns = w->period_ns,
				    .deadline_ns = w->deadline_ns };
	for (size_t i = 0; i < w->nr_nodes; i++) {
		const struct wl_graph_node *n = &w->nodes[i];
		struct sched_graph_node *x = &sg->node[i];

		*x = (struct sched_graph_node){ .thread = sched_ref_of(&g->stage[i]->st),
			.budget = SCHED_GRAPH_NO_BUDGET, .cost_ns = n->cost_ns,
			.prio = (uint8_t)n->prio,
			.queue = n->queue < 0 ? SCHED_GRAPH_ANY_QUEUE : (uint16_t)n->queue };
		if (n->budget_task < 0)
			continue;
		x->budget = sg->nr_budgets;
		sg->budgets[sg->nr_budgets++] = thread_sc(task_thread(sim, n->budget_task));
		g->before[i] = sc_now(sim, sg->budgets[x->budget]);
	}
	g->state = SIM_GRAPH_ASKED;
	g->asked_at = sim->now;
	req->graph = sg;
}

static bool sc_params_equal(const struct sched_sc_params *a, const struct sched_sc_params *b)
{
	return a->budget_ns == b->budget_ns && a->period_ns == b->period_ns &&
	       a->deadline_ns == b->deadline_ns && sched_cpumask_subset(&a->cpus, &b->cpus) &&
	       sched_cpumask_subset(&b->cpus, &a->cpus);
}

/* Its answer (given at `when`, read now): mapped or refused, and whether the budgets changed
 * (a refusal changes none). */
static void graph_answered(struct sim *sim, struct sim_graph *g, int err, sched_time_t when)
{
	g->state = err ? SIM_GRAPH_REFUSED : SIM_GRAPH_MAPPED;
	g->err = err;
	g->answered_at = when;
	for (size_t i = 0; i < g->wl->nr_nodes; i++) {
		const struct sched_graph_node *x = &g->g.node[i];

		if (x->budget == SCHED_GRAPH_NO_BUDGET)
			continue;
		g->after[i] = sc_now(sim, g->g.budgets[x->budget]);
		g->changed |= !sc_params_equal(&g->before[i], &g->after[i]);
	}
}

/* Node 0 of graph g asked for the tick `planned`: an instance is released then. */
static void graph_release(struct sim_graph *g, sched_time_t planned)
{
	if (g->nr_release == g->cap_release) {
		g->cap_release = g->cap_release ? 2 * g->cap_release : 64;
		g->release = xrealloc(g->release, g->cap_release * sizeof(*g->release));
		g->latency = xrealloc(g->latency, g->cap_release * sizeof(*g->latency));
	}
	g->release[g->nr_release++] = planned;
}

/* The last stage ended an instance: stages keep the order, so it is the oldest open one. */
static void graph_done(struct sim *sim, struct sim_graph *g)
{
	if (g->nr_done < g->nr_release) {
		g->latency[g->nr_done] = sim->now - g->release[g->nr_done];
		g->nr_done++;
	}
}

/* A stage waits for its previous one: a signal not consumed yet lets it go on at once. */
static enum exec_result exec_stage_wait(struct sim *sim, unsigned c, struct sim_thread *t)
{
	if (!t->stage_pending)
		return park_here(sim, c, t);
	t->stage_pending--;
	return step(t) ? EXEC_NEXT : finish(sim, t);
}

/* The stage's work is done: the next stage may go (counted, so that none is lost), or the
 * instance ends. A local wake is taken by run_program. */
static enum exec_result exec_stage_next(struct sim *sim, struct sim_thread *t,
					const struct wl_event *ev)
{
	struct sim_graph *g = &sim->graphs[ev->ring];

	if (ev->kind == WL_STAGE_END) {
		graph_done(sim, g);
	} else {
		g->stage[ev->count]->stage_pending++;
		(void)sched_unpark(&sim->sys, sched_ref_of(&g->stage[ev->count]->st));
	}
	return step(t) ? EXEC_NEXT : finish(sim, t);
}

/* --- islands asked for by a request ---------------------------------------------------------- */

/* As island_admit, through the service: the members' SCs made now, admitted when served. */
static void island_ask(struct sim *sim, struct sim_island *is, struct sched_request *req)
{
	struct sched_group *g = group_named(sim, is->wl->group);

	is->at = sim->now;
	for (size_t i = 0; i < is->wl->nr_members; i++)
		if (sched_sc_create(&sim->sys, g, &is->refills[i], 1, &is->members[i].sc) < 0)
			die("sched_sc_create refused an island member's SC");
	req->island = &is->p;
}

static void island_answered(struct sim *sim, struct sim_island *is, const struct sim_request *rq)
{
	int err = rq->state == SIM_RQ_ANSWERED ? rq->ans.err : rq->submit_err;

	if (!err) {
		is->state = SIM_ISLAND_ADMITTED;
		is->cap = rq->ans.island;
		snprintf(is->explain, sizeof(is->explain), "admitted by the policy service");
		/* no verdict comes back through the service: each member's CPU is its SC's */
		for (size_t i = 0; i < is->wl->nr_members; i++) {
			struct sched_sc_params p = sc_now(sim, is->members[i].sc);

			is->verdict.cpu_of[i] = SCHED_RT_NO_CPU;
			for (unsigned c = 0; c < sim->cfg.cpus; c++)
				if (is->members[i].p.dispatch == SCHED_SC_PARTITIONED &&
				    sched_cpumask_test(&p.cpus, c))
					is->verdict.cpu_of[i] = (uint16_t)c;
		}
		if (island_bind(sim, is) < 0)
			sim->stopped = true; /* sim.error says why */
		return;
	}
	for (size_t i = 0; i < is->wl->nr_members; i++)
		(void)sched_sc_revoke(&sim->sys, is->members[i].sc);
	is->state = SIM_ISLAND_REFUSED;
	is->err = err;
	snprintf(is->explain, sizeof(is->explain), "refused by the policy service: %s",
		 sched_strerror(err));
}

/* --- faults and set-up ---------------------------------------------------------------------- */

/* A stall: the service sleeps until its end, at once if it is running its cost now. */
static void service_stall(struct sim *sim, struct sim_service *sv, sched_time_t until)
{
	sv->stall_until = until > sv->stall_until ? until : sv->stall_until;
	for (unsigned c = 0; sv->thread && c < sim->cfg.cpus; c++)
		if (sim->cpu[c].curr == sv->thread)
			plan_done(sim, c, sim->now); /* its program looks at the stall now */
}

static struct sim_thread *service_thread(struct sim *sim, struct sim_service *sv);

static void fault_call(struct sim *sim, unsigned cpu, void *arg)
{
	struct sim_fault *f = arg;
	struct sim_service *sv = sim->service;

	(void)cpu;
	f->done = true;
	switch (f->wl->kind) {
	case WL_FAULT_STALL:
		service_stall(sim, sv, sim->now + f->wl->stall_ns);
		break;
	case WL_FAULT_DIE:
		if (!sv->thread)
			break; /* dead already */
		f->thread = sv->thread->id;
		kill_thread(sim, sv->thread); /* a request it had taken stays taken */
		sv->thread = NULL;
		break;
	default: /* WL_FAULT_RESTART */
		sv->thread = service_thread(sim, sv);
		f->thread = sv->thread->id;
		push(sim, EV_START, 0, sim->now, 0, sv->thread);
		break;
	}
}

/* A new thread of the service's task (it attaches when it first runs). */
static struct sim_thread *service_thread(struct sim *sim, struct sim_service *sv)
{
	const struct wl_task *task = &sv->wl->service;
	struct sched_thread_params p;
	sched_cpumask_t mask;
	unsigned cpu = sim->cur_cpu;
	struct sim_thread *t;

	if (task_params(sim, task, &p, &mask) < 0)
		die("the policy service's CPU is not simulated");
	t = add_thread(sim, &p);
	sim->cur_cpu = cpu;
	if (!t)
		die("sched_thread_init refused the policy service's thread");
	t->task = task;
	t->instance = sv->instances++;
	t->loops_left = task->loop;
	t->timer_next = xrealloc(NULL, 64 * sizeof(*t->timer_next));
	for (size_t k = 0; k < 64; k++)
		t->timer_next[k] = SCHED_TIME_NEVER;
	job_init(t);
	return t;
}

/* The requests of the workload's threads of these kinds (all of them for WL_REQ_NR). */
static size_t policy_count(const struct workload *wl, int kind, int kind2)
{
	size_t n = 0;

	for (size_t i = 0; i < wl->nr_tasks; i++)
		for (size_t k = 0; k < wl->tasks[i].nr_requests; k++) {
			int x = (int)wl->tasks[i].requests[k].kind;

			n += wl->tasks[i].instances *
			     (kind == WL_REQ_NR || x == kind || x == kind2);
		}
	return n;
}

/* The SCs the service may make (one per profile or reservation asked), and the leases it
 * may grant: the pools are sized for them. */
static size_t policy_scs(const struct workload *wl)
{
	return wl->policy ? policy_count(wl, WL_REQ_PROFILE, WL_REQ_ADMIT_SC) : 0;
}

static size_t policy_leases(const struct workload *wl)
{
	return wl->policy ? policy_count(wl, WL_REQ_LEASE, WL_REQ_LEASE) : 0;
}

/* The requests of every thread (made at its start), and the graphs with their stages. */
static void make_requests(struct sim *sim, const struct workload *wl, size_t n)
{
	size_t at = 0;

	sim->requests = calloc(n + 1, sizeof(*sim->requests));
	sim->graphs = calloc(wl->policy->nr_graphs + 1, sizeof(*sim->graphs));
	if (!sim->requests || !sim->graphs)
		die("out of memory");
	for (size_t i = 0; i < sim->nr_threads; i++) {
		struct sim_thread *t = sim->threads[i];

		if (!t->task || !t->task->nr_requests)
			continue;
		t->requests = &sim->requests[at];
		for (size_t k = 0; k < t->task->nr_requests; k++, at++)
			sim->requests[at] = (struct sim_request){ .wl = &t->task->requests[k],
				.requester = t, .made_sc = { .index = SCHED_NO_SC } };
	}
	sim->nr_requests = at;
	sim->nr_graphs = wl->policy->nr_graphs;
	for (size_t g = 0; g < sim->nr_graphs; g++) {
		const struct wl_graph *w = sim->graphs[g].wl = &wl->policy->graphs[g];

		for (size_t i = 0; i < w->nr_nodes; i++)
			sim->graphs[g].stage[i] = task_thread(sim, w->nodes[i].task_index);
	}
}

/* The CPUs requests and graphs name are simulated: -1 with a message if not. */
static int check_policy_cpus(struct sim *sim, const struct workload *wl)
{
	sched_cpumask_t m;

	for (size_t i = 0; i < wl->nr_tasks; i++)
		for (size_t k = 0; k < wl->tasks[i].nr_requests; k++) {
			const struct wl_request *r = &wl->tasks[i].requests[k];

			if (wl_mask(sim, r->cpus, &m))
				continue;
			fprintf(stderr, "schedsim: task '%s': request (line %u): \"cpus\" names a "
				"CPU that is not one of the %u simulated\n", wl->tasks[i].name,
				r->line, sim->cfg.cpus);
			return -1;
		}
	for (size_t g = 0; g < wl->policy->nr_graphs; g++)
		for (size_t i = 0; i < wl->policy->graphs[g].nr_nodes; i++) {
			const struct wl_graph_node *n = &wl->policy->graphs[g].nodes[i];

			if (n->queue < (int)sim->cfg.cpus)
				continue;
			fprintf(stderr, "schedsim: graph '%s': node (line %u): \"queue\" %d is not "
				"one of the %u simulated\n", wl->policy->graphs[g].name, n->line,
				n->queue, sim->cfg.cpus);
			return -1;
		}
	return 0;
}

/*
 * The policy service of the workload: its queue (fallback authority: SCHED_RIGHT_FAIR
 * only, over every group), its first thread (started at 0), its faults as calls on its
 * CPU at their instants, and the requests and graphs. After the threads are made.
 */
static int make_policy(struct sim *sim, const struct workload *wl)
{
	const struct wl_policy_section *w = wl->policy;
	struct sim_service *sv;
	struct sched_policy_config pc = { .timeout_ns = w ? w->timeout_ns : 0,
					  .default_fair = sim->cfg.policy_default };

	if (!w)
		return 0;
	if (w->cpu >= sim->cfg.cpus) {
		fprintf(stderr, "schedsim: policy service (line %u): \"cpu\" %u is not one of the "
			"%u simulated\n", w->line, w->cpu, sim->cfg.cpus);
		return -1;
	}
	if (check_policy_cpus(sim, wl) < 0)
		return -1;
	sim->service = sv = xrealloc(NULL, sizeof(*sv));
	*sv = (struct sim_service){ .wl = w, .nr_refills = SVC_REFILLS * policy_scs(wl) };
	sv->slots = calloc(w->slots, sizeof(*sv->slots));
	sv->by_slot = calloc(w->slots, sizeof(*sv->by_slot));
	sv->faults = calloc(w->nr_faults + 1, sizeof(*sv->faults));
	sv->refills = calloc(sv->nr_refills + 1, sizeof(*sv->refills));
	if (!sv->slots || !sv->by_slot || !sv->faults || !sv->refills)
		die("out of memory");
	sv->decide = decide_as_asked;
	if (sched_auth_derive(&sv->fallback, sched_auth_root(&sim->sys), SCHED_RIGHT_FAIR, NULL,
			      NULL) < 0)
		die("sched_auth_derive refused the policy fallback authority");
	pc.fallback = (struct sched_auth){ .a = &sv->fallback, .gen = sv->fallback.gen };
	if (sched_policy_init(&sim->sys, &sv->q, sv->slots, w->slots, &pc) < 0)
		die("sched_policy_init refused the policy service's queue");
	make_requests(sim, wl, policy_count(wl, WL_REQ_NR, WL_REQ_NR));
	sv->thread = service_thread(sim, sv);
	push(sim, EV_START, 0, 0, 0, sv->thread);
	for (size_t i = 0; i < w->nr_faults; i++) {
		sv->faults[i].wl = &w->faults[i];
		sim_post(sim, w->cpu, w->faults[i].at_ns, fault_call, &sv->faults[i]);
	}
	return 0;
}

int sim_load(struct sim *sim, const struct workload *wl)
{
	cur = sim;
	sim->wl = wl;
	sim->timers = xrealloc(NULL, (wl->nr_timers + 1) * sizeof(*sim->timers));
	sim->forked = calloc(wl->nr_tasks + 1, sizeof(*sim->forked));
	sim->unjoined = calloc(wl->nr_tasks + 1, sizeof(*sim->unjoined));
	sim->joiners = calloc(wl->nr_tasks + 1, sizeof(*sim->joiners));
	if (!sim->forked || !sim->unjoined || !sim->joiners)
		die("out of memory");
	for (size_t i = 0; i < wl->nr_tasks; i++)
		sim->thread_phases += (size_t)wl->tasks[i].instances * wl->tasks[i].nr_phases;
	for (size_t i = 0; i < wl->nr_timers; i++)
		sim->timers[i] = SCHED_TIME_NEVER;
	make_groups(sim, wl);
	give_sc_pool(sim, wl);
	make_resources(sim, wl);
	if (make_rings(sim, wl) < 0 || make_irqs(sim, wl) < 0)
		return -1;
	for (size_t i = 0; i < wl->nr_tasks; i++) {
		for (size_t p = 0; p < wl->tasks[i].nr_phases; p++)
			if (wl->tasks[i].phases[p].nr_events > 64) {
				fprintf(stderr, "schedsim: task '%s': more than 64 events in a phase\n",
					wl->tasks[i].name);
				return -1;
			}
		if (spawn_task(sim, &wl->tasks[i]) < 0)
			return -1;
	}
	if (make_leases(sim, wl) < 0 || make_islands(sim, wl) < 0)
		return -1;
	return make_policy(sim, wl);
}

/* --- reports ------------------------------------------------------------------------------------- */

static uint64_t in_progress(struct sim *sim, unsigned c)
{
	const struct sched_thread *curr = sim->rq[c].curr;

	return curr && sim->now > curr->exec_start ? sim->now - curr->exec_start : 0;
}

uint64_t sim_cpu_busy_ns(struct sim *sim, unsigned cpu)
{
	uint64_t b = sched_cpu_counter(&sim->sys, cpu, SCHED_CNT_BUSY_NS);

	return sim->rq[cpu].curr->is_idle ? b : b + in_progress(sim, cpu);
}

uint64_t sim_cpu_idle_ns(struct sim *sim, unsigned cpu)
{
	uint64_t i = sched_cpu_counter(&sim->sys, cpu, SCHED_CNT_IDLE_NS);

	return sim->rq[cpu].curr->is_idle ? i + in_progress(sim, cpu) : i;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* p in [0,100] of the n > 0 sorted values v, by nearest rank: rank ceil(n * p / 100), at
 * least 1. */
static uint64_t nearest_rank(const uint64_t *v, size_t n, unsigned p)
{
	size_t i = (n * p + 99) / 100;

	return v[i ? i - 1 : 0];
}

/* Nearest rank: exact over the first SIM_LAT_EXACT samples (sorted in place: no order to
 * keep), else a histogram bucket's top, capped at the maximum. O(SIM_LAT_BUCKETS). */
uint64_t sim_lat_pct(struct sim_lat *l, unsigned p)
{
	uint64_t rank = (l->n * p + 99) / 100, seen = 0;

	if (!l->n)
		return 0;
	if (!l->bucket) {
		qsort(l->v, l->n, sizeof(*l->v), cmp_u64);
		return nearest_rank(l->v, l->n, p);
	}
	if (p >= 100)
		return l->max;
	for (size_t b = 0; b < SIM_LAT_BUCKETS; b++) {
		seen += l->bucket[b];
		if (seen >= rank && seen)
			return lat_bucket_top(b) < l->max ? lat_bucket_top(b) : l->max;
	}
	return l->max;
}

uint64_t sim_thread_latency(struct sim_thread *t, unsigned p)
{
	return sim_lat_pct(&t->lat, p);
}

bool sim_thread_jobs(struct sim *sim, struct sim_thread *t, struct sim_job_stats *out)
{
	struct sim_jobs *j = &t->jobs;
	uint64_t overdue;

	*out = (struct sim_job_stats){ 0 };
	if (!t->task || !j->periodic)
		return false;
	overdue = jobs_overdue(sim, t);
	out->completed = j->completed;
	out->jobs = j->completed + overdue;
	out->misses = j->late + overdue;
	if (!j->completed)
		return true;
	out->resp_p50_ns = sim_lat_pct(&j->resp, 50);
	out->resp_p99_ns = sim_lat_pct(&j->resp, 99);
	out->resp_max_ns = sim_lat_pct(&j->resp, 100);
	out->lateness_max_ns = j->lateness_max_ns;
	return true;
}

uint64_t sim_ring_latency(struct sim_ring *r, unsigned p)
{
	return sim_lat_pct(&r->lat, p);
}

uint64_t sim_graph_latency(struct sim_graph *g, size_t from, unsigned p)
{
	size_t n = g->nr_done > from ? g->nr_done - from : 0;
	uint64_t *v, x;

	if (!n)
		return 0;
	v = xrealloc(NULL, n * sizeof(*v));
	memcpy(v, g->latency + from, n * sizeof(*v)); /* the order is kept: instances */
	qsort(v, n, sizeof(*v), cmp_u64);
	x = nearest_rank(v, n, p);
	free(v);
	return x;
}

uint64_t sim_graph_misses(struct sim *sim, const struct sim_graph *g, size_t from)
{
	uint64_t n = 0;

	for (size_t k = from; k < g->nr_done; k++)
		n += g->latency[k] > g->wl->deadline_ns;
	for (size_t k = g->nr_done > from ? g->nr_done : from; k < g->nr_release; k++)
		n += g->release[k] + g->wl->deadline_ns <= sim->now; /* due, not done */
	return n;
}
