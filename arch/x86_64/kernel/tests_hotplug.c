/* SPDX-License-Identifier: MIT */
/*
 * tests_hotplug.c - CPU offline and online while every kind of reserved work runs: boot
 * qemu_kernel_hotplug, `-smp 4,sockets=1,cores=2,threads=2 -append "core=on only=hotplug"`
 * (docs/x86_64.md "Hotplug under load").
 *
 * Admission is on. The runner sits on CPU 0. Its sibling, `held`, is leased (first phase)
 * or an island's leased CPU (second phase). On the other core, `sc_cpu` runs a hog bound to
 * a partitioned SC of 2 ms every 10 ms, and its sibling `victim` runs fair hogs of two
 * cookies (core scheduling is on). Each round, while all of that runs:
 *
 *   offline victim         accepted: nothing admitted counts on it; it drains, the fair
 *                          hogs run on elsewhere, the SC keeps its budget on its sibling;
 *   offline sc_cpu         refused, -SCHED_EUNSCHED: a configured SC counts on it;
 *   offline held           refused: -SCHED_ELEASED for a lease; -SCHED_EUNSCHED for the
 *                          island (its member SC is configured there, and sched_cpu_offline
 *                          asks admission before it looks at the lease);
 *   online victim          it runs a fair hog again.
 *
 * After every step the work is parked (thread_park: blocked with no timeout) and the
 * invariant checker runs on the quiet system; then the work is unparked. Throughout, the
 * core sampler (thread.c) looks at the siblings from every interrupt: no two cookies may
 * run on one core at any sample. Once the island is revoked, its CPU goes offline and
 * comes back like any other.
 *
 * Nothing is compared with a duration: each wait is for a condition (bounded only against
 * a hang), and the SC's figures are compared with its own budget over the guest time
 * measured around them. The waits' durations are printed.
 */
#include "kernel.h"
#include "ktest.h"

#define HP_ROUNDS 3            /* per phase (lease, island) */
#define HP_FAIR 4              /* fair hogs: cookies A, A, B, B */
#define HP_SC_BUDGET_NS 2000000ull
#define HP_SC_PERIOD_NS 10000000ull
#define HP_ISL_BUDGET_NS 1000000ull
#define HP_ISL_PERIOD_NS 10000000ull
#define HP_REFILLS 8u
#define HP_RETRIES 1000        /* -SCHED_EAGAIN retries (a thread migrating towards a CPU) */

/* One spinning kernel thread: counts its turns, parks while hp_pause is set. */
struct hp_worker {
	struct kthread *t;
	volatile uint64_t turns;
	volatile int quit;
};

enum { W_FAIR0, W_SC = HP_FAIR, W_HOLDER, W_MEMBER, W_NR };

struct hp_run {
	unsigned held, sc_cpu, victim;
	struct hp_worker w[W_NR];
	struct sched_group g_lease, g_isl;
	struct sched_sc_cap sc, isl_sc;
	struct sched_refill sc_refills[HP_REFILLS], isl_refills[HP_REFILLS];
	struct sched_lease_cap lease;
	struct sched_island_cap island;
	uint64_t sc_from;             /* clock_ns() when the SC hog was bound */
	/* what the rounds saw */
	unsigned steps, checks_ok, rounds;
	unsigned victim_ok, sc_refused, held_refused, held_working;
	unsigned fair_grew, fair_stayed_off, fair_back, sc_grew;
	int first_bad[4];             /* the first unexpected result of each kind */
	uint64_t drain_ns_max, back_ns_max;
};

static volatile int hp_pause;

static void hp_work(void *arg)
{
	struct hp_worker *w = arg;

	while (!w->quit) {
		if (__atomic_load_n(&hp_pause, __ATOMIC_ACQUIRE)) {
			thread_park();
			continue;
		}
		w->turns++;
		__asm__ volatile("pause");
	}
}

static bool hp_live(const struct hp_worker *w)
{
	return w->t && !w->t->done;
}

static struct kthread *hp_spawn(struct hp_run *h, unsigned i, const char *name,
				const sched_cpumask_t *cpus, struct sched_group *g)
{
	struct sched_thread_params p = { .affinity = cpus, .group = g };

	h->w[i].quit = 0;
	h->w[i].turns = 0;
	h->w[i].t = thread_create(name, hp_work, &h->w[i], &p);
	return h->w[i].t;
}

static sched_cpumask_t one_cpu(unsigned cpu)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, cpu);
	return m;
}

static bool cpu_is_online(unsigned cpu)
{
	return __atomic_load_n(&ksys.rq[cpu].online, __ATOMIC_ACQUIRE) != 0;
}

static bool held_online(void *arg)
{
	const struct hp_run *h = arg;

	return cpu_is_online(h->held);
}

/* --- the checker between steps -------------------------------------------------------- */

static bool all_parked(void *arg)
{
	const struct hp_run *h = arg;

	for (unsigned i = 0; i < W_NR; i++)
		if (hp_live(&h->w[i]) &&
		    __atomic_load_n(&h->w[i].t->st.state, __ATOMIC_ACQUIRE) != SCHED_BLOCKED)
			return false;
	return true;
}

/* Park the work, run the checker on the quiet system, unpark it. One step counted. */
static void check_step(struct hp_run *h, const char *after)
{
	bool ok;

	h->steps++;
	__atomic_store_n(&hp_pause, 1, __ATOMIC_RELEASE);
	ok = ktest_wait(all_parked, h, KTEST_HANG_NS) && ktest_quiet_check();
	if (ok)
		h->checks_ok++;
	else
		kprintf("# checker after %s: %s (%u)\n", after, ksys.check_msg ? ksys.check_msg
			: "the work did not park", ksys.check_arg);
	__atomic_store_n(&hp_pause, 0, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < W_NR; i++)
		if (hp_live(&h->w[i]))
			thread_unpark(h->w[i].t);
}

/* --- conditions waited for ------------------------------------------------------------- */

static bool victim_drained(void *arg)
{
	const struct hp_run *h = arg;
	struct sched_rq *rq = &ksys.rq[h->victim];

	for (unsigned i = W_FAIR0; i < W_FAIR0 + HP_FAIR; i++) {
		const struct sched_thread *st = &h->w[i].t->st;

		if (__atomic_load_n(&st->cpu, __ATOMIC_RELAXED) == h->victim ||
		    __atomic_load_n(&st->state, __ATOMIC_RELAXED) == SCHED_MIGRATING)
			return false;
	}
	return !__atomic_load_n(&rq->nr_queued, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&rq->curr, __ATOMIC_ACQUIRE)->is_idle;
}

static bool victim_runs_fair(void *arg)
{
	const struct hp_run *h = arg;
	struct sched_thread *curr = __atomic_load_n(&ksys.rq[h->victim].curr, __ATOMIC_ACQUIRE);

	for (unsigned i = W_FAIR0; i < W_FAIR0 + HP_FAIR; i++)
		if (curr == &h->w[i].t->st)
			return true;
	return false;
}

/* Figures a round compares before and after. */
struct hp_snap {
	uint64_t fair[HP_FAIR];
	uint64_t sc_consumed;
	uint64_t held_turns;          /* the lease holder's turns, or the member SC's consumed */
};

static uint64_t sc_consumed(struct sched_sc_cap cap)
{
	struct sched_sc_stats st;

	return sched_sc_stats(&ksys, cap, &st) == 0 ? st.consumed_ns : 0;
}

static uint64_t held_progress(const struct hp_run *h, bool island)
{
	return island ? sc_consumed(h->isl_sc) : h->w[W_HOLDER].turns;
}

static struct hp_snap snap(const struct hp_run *h, bool island)
{
	struct hp_snap s;

	for (unsigned i = 0; i < HP_FAIR; i++)
		s.fair[i] = ktest_runtime(h->w[W_FAIR0 + i].t);
	s.sc_consumed = sc_consumed(h->sc);
	s.held_turns = held_progress(h, island);
	return s;
}

struct grew {
	const struct hp_run *h;
	const struct hp_snap *from;
	bool island;
};

/* Every fair hog, the SC hog and the held CPU's work made progress since `from`. */
static bool all_grew(void *arg)
{
	const struct grew *g = arg;
	struct hp_snap now = snap(g->h, g->island);

	for (unsigned i = 0; i < HP_FAIR; i++)
		if (now.fair[i] <= g->from->fair[i])
			return false;
	return now.sc_consumed > g->from->sc_consumed && now.held_turns > g->from->held_turns;
}

/* --- one round -------------------------------------------------------------------------- */

static int offline_retrying(unsigned cpu)
{
	int r = sched_cpu_offline(&ksys, cpu);

	for (unsigned i = 0; r == -SCHED_EAGAIN && i < HP_RETRIES; i++) {
		thread_sleep_ns(100000);
		r = sched_cpu_offline(&ksys, cpu);
	}
	return r;
}

static void note_bad(struct hp_run *h, unsigned kind, int r)
{
	if (!h->first_bad[kind])
		h->first_bad[kind] = r ? r : 1;
}

static bool fair_off_victim(const struct hp_run *h)
{
	for (unsigned i = W_FAIR0; i < W_FAIR0 + HP_FAIR; i++)
		if (__atomic_load_n(&h->w[i].t->st.cpu, __ATOMIC_RELAXED) == h->victim)
			return false;
	return true;
}

/* The victim goes offline and drains; the work goes on without it. */
static bool victim_offline(struct hp_run *h, bool island)
{
	uint64_t t0 = clock_ns();
	int r = offline_retrying(h->victim);
	bool drained = r == 0 && ktest_wait(victim_drained, h, KTEST_HANG_NS);
	struct hp_snap before;
	struct grew g = { h, &before, island };

	if (!drained) {
		note_bad(h, 0, r);
		if (r == 0)
			cpu_online_request(h->victim);
		return false;
	}
	if (clock_ns() - t0 > h->drain_ns_max)
		h->drain_ns_max = clock_ns() - t0;
	check_step(h, "offline of the victim");
	before = snap(h, island);
	if (ktest_wait(all_grew, &g, KTEST_HANG_NS)) {
		h->fair_grew++;
		h->sc_grew++;
	}
	h->fair_stayed_off += fair_off_victim(h) && !cpu_is_online(h->victim);
	return true;
}

/* The victim comes back and runs a fair hog again. */
static void victim_online(struct hp_run *h)
{
	uint64_t t0 = clock_ns();

	cpu_online_request(h->victim);
	if (ktest_wait(victim_runs_fair, h, KTEST_HANG_NS)) {
		h->fair_back++;
		if (clock_ns() - t0 > h->back_ns_max)
			h->back_ns_max = clock_ns() - t0;
	}
	check_step(h, "online of the victim");
}

static bool lease_active(const struct hp_run *h)
{
	struct sched_lease_info li;

	return sched_lease_info(&ksys, h->lease, &li) == 0 && li.state == SCHED_LEASE_ACTIVE;
}

static bool island_live(const struct hp_run *h)
{
	struct sched_island_stats st;

	return sched_island_stats(&ksys, h->island, &st, NULL, 0) == 0 && st.members == 1;
}

/* The refusals: the SC's CPU, then the held CPU, whose work must go on after. */
static void refusals(struct hp_run *h, bool island)
{
	int want = island ? -SCHED_EUNSCHED : -SCHED_ELEASED;
	int r = offline_retrying(h->sc_cpu);
	struct hp_snap before;
	struct grew g = { h, &before, island };

	if (r == -SCHED_EUNSCHED && cpu_is_online(h->sc_cpu))
		h->sc_refused++;
	else
		note_bad(h, 1, r);
	check_step(h, "the refused offline of the SC's CPU");
	r = offline_retrying(h->held);
	if (r == want && cpu_is_online(h->held) && (island ? island_live(h) : lease_active(h)))
		h->held_refused++;
	else
		note_bad(h, island ? 3 : 2, r);
	check_step(h, "the refused offline of the held CPU");
	before = snap(h, island);
	h->held_working += ktest_wait(all_grew, &g, KTEST_HANG_NS);
}

static void round_run(struct hp_run *h, bool island)
{
	h->rounds++;
	if (victim_offline(h, island)) {
		h->victim_ok++;
		victim_online(h);
	}
	refusals(h, island);
}

/* --- setting up -------------------------------------------------------------------------- */

/* Fair hogs 0, 1 in one new cookie, 2, 3 in another; each kthread's domain is its cookie
 * (the sampler's view). They are NEW: no cookie changes under a running thread. */
static bool tag_fair(struct hp_run *h)
{
	struct sched_auth root = sched_auth_root(&ksys);
	int r = 0;

	for (unsigned d = 0; r == 0 && d < 2; d++) {
		struct kthread *a = h->w[W_FAIR0 + 2 * d].t, *b = h->w[W_FAIR0 + 2 * d + 1].t;

		r = sched_core_create(&ksys, root, sched_ref_of(&a->st), SCHED_CORE_THREAD);
		if (r == 0)
			r = sched_core_share(&ksys, root, sched_ref_of(&a->st), sched_ref_of(&b->st),
					     SCHED_CORE_THREAD);
		if (r == 0)
			r = sched_core_get(&ksys, sched_ref_of(&a->st), &a->domain);
		b->domain = a->domain;
	}
	return r == 0 && h->w[W_FAIR0].t->domain && h->w[W_FAIR0 + 2].t->domain &&
	       h->w[W_FAIR0].t->domain != h->w[W_FAIR0 + 2].t->domain;
}

static int sc_admit(struct sched_sc_cap *cap, struct sched_group *owner,
		    struct sched_refill *refills, unsigned cpu, uint64_t budget, uint64_t period)
{
	struct sched_sc_params p = {
		.budget_ns = budget, .period_ns = period, .cpus = one_cpu(cpu),
		.mode = SCHED_SC_SPORADIC, .overrun = SCHED_SC_THROTTLE,
		.dispatch = SCHED_SC_PARTITIONED,
	};
	int r = sched_sc_create(&ksys, owner, refills, HP_REFILLS, cap);

	return r < 0 ? r : sched_sc_configure(&ksys, sched_auth_root(&ksys), *cap, &p);
}

static int group_make(struct sched_group *g, uint32_t id)
{
	struct sched_group_params p = { .id = id, .kind = SCHED_GROUP_PROCESS };

	return sched_group_init(&ksys, g, &p);
}

/* The lease over `held` to the holder thread; a second grant there must be refused. */
static int lease_phase_start(struct hp_run *h, int *second)
{
	sched_cpumask_t held = one_cpu(h->held);
	struct sched_lease_params p = { .cpus = held };
	struct sched_lease_cap other;
	int r = group_make(&h->g_lease, 901);

	if (r < 0)
		return r;
	hp_spawn(h, W_HOLDER, "holder", &held, &h->g_lease);
	thread_start_now(h->w[W_HOLDER].t);
	p.thread = sched_ref_of(&h->w[W_HOLDER].t->st);
	r = sched_lease_grant(&ksys, sched_auth_root(&ksys), &p, &h->lease);
	for (unsigned i = 0; r == -SCHED_EAGAIN && i < HP_RETRIES; i++) {
		thread_sleep_ns(100000);
		r = sched_lease_grant(&ksys, sched_auth_root(&ksys), &p, &h->lease);
	}
	p.thread = (struct sched_ref){ 0 }; /* the group as holder: in scope, so the
					     * refusal is the lease's */
	p.group = &h->g_lease;
	*second = sched_lease_grant(&ksys, sched_auth_root(&ksys), &p, &other);
	return r;
}

/* The lease ends, its holder exits; the island takes the CPU with one member SC, bound to
 * a thread of its group that starts then. */
static int island_phase_start(struct hp_run *h)
{
	sched_cpumask_t held = one_cpu(h->held);
	struct sched_island_member m = {
		.p = { .budget_ns = HP_ISL_BUDGET_NS, .period_ns = HP_ISL_PERIOD_NS, .cpus = held,
		       .mode = SCHED_SC_SPORADIC, .dispatch = SCHED_SC_PARTITIONED },
		.name = "member",
	};
	struct sched_island_params p = {
		.group = &h->g_isl, .cpus = held, .cpu_mode = SCHED_ISLAND_LEASED,
		.overrun = SCHED_SC_THROTTLE, .name = "hotplug", .members = &m, .nr_members = 1,
	};
	struct sched_island_verdict v;
	int r = sched_lease_revoke(&ksys, h->lease);

	h->w[W_HOLDER].quit = 1;
	thread_unpark(h->w[W_HOLDER].t);
	wait_done(&h->w[W_HOLDER].t, 1);
	if (r == 0)
		r = group_make(&h->g_isl, 902);
	if (r == 0)
		r = sched_sc_create(&ksys, &h->g_isl, h->isl_refills, HP_REFILLS, &m.sc);
	if (r < 0)
		return r;
	h->isl_sc = m.sc;
	r = sched_island_admit(&ksys, sched_auth_root(&ksys), &p, &h->island, &v);
	for (unsigned i = 0; r == -SCHED_EAGAIN && i < HP_RETRIES; i++) {
		thread_sleep_ns(100000);
		r = sched_island_admit(&ksys, sched_auth_root(&ksys), &p, &h->island, &v);
	}
	if (r < 0)
		return r;
	hp_spawn(h, W_MEMBER, "member", &held, &h->g_isl);
	r = sched_sc_bind(&ksys, h->isl_sc, sched_ref_of(&h->w[W_MEMBER].t->st));
	thread_start_now(h->w[W_MEMBER].t);
	return r;
}

/* --- the test ------------------------------------------------------------------------------ */

/* The sibling of `cpu` on its core, or -1. */
static int sibling_of(unsigned cpu)
{
	for (unsigned c = 0; c < ksys.nr_cpus; c++)
		if (c != cpu && ksys.topo.core[c] == ksys.topo.core[cpu])
			return (int)c;
	return -1;
}

/* The topology this boot needs: two cores of two siblings, core scheduling on. */
static bool pick_cpus(struct hp_run *h)
{
	int held = sibling_of(0);

	if (ksys.nr_cpus != 4 || held < 0 || !ksys.cfg.core_sched)
		return false;
	h->held = (unsigned)held;
	for (unsigned c = 1; c < 4; c++)
		if (c != h->held) {
			h->sc_cpu = c;
			break;
		}
	h->victim = (unsigned)sibling_of(h->sc_cpu);
	return sibling_of(h->victim) == (int)h->sc_cpu;
}

/* The SC hog's consumption against its budget over the guest time it was bound: the
 * sporadic server lets it use `budget` in any window of `period`, and a depletion run past
 * by its overrun (stats.max_overrun_ns, taken back from the next refills). */
static bool sc_within_budget(const struct hp_run *h)
{
	struct sched_sc_stats st;
	uint64_t span = clock_ns() - h->sc_from, bound;

	if (sched_sc_stats(&ksys, h->sc, &st) < 0)
		return false;
	bound = HP_SC_BUDGET_NS * (span / HP_SC_PERIOD_NS + 1) + st.max_overrun_ns;
	kprintf("# SC on cpu%u: %llu us consumed in %llu us (bound %llu us), %llu depletions, "
		"worst overrun %llu ns, throttled %llu us, %llu deadline misses\n", h->sc_cpu,
		st.consumed_ns / 1000, span / 1000, bound / 1000, st.depletions,
		st.max_overrun_ns, st.throttled_ns / 1000, st.deadline_misses);
	return st.consumed_ns <= bound && st.depletions > 0;
}

static void core_watch_start(void)
{
	__atomic_store_n(&kwatch.on, 0, __ATOMIC_SEQ_CST);
	memset((void *)&kwatch, 0, sizeof(kwatch));
	__atomic_store_n(&kwatch.on, 1, __ATOMIC_SEQ_CST);
}

/* The sampler's totals, once it is off: samples, and mixed cookies in either view. */
static void core_watch_stop(uint64_t *samples, uint64_t *mixed)
{
	__atomic_store_n(&kwatch.on, 0, __ATOMIC_SEQ_CST);
	thread_sleep_ns(1000000); /* a sample in progress elsewhere finishes */
	*samples = *mixed = 0;
	for (unsigned c = 0; c < ksys.nr_cpus; c++) {
		for (unsigned i = 0; i < SAMPLE_NR; i++)
			*samples += kwatch.cpu[c].samples[i];
		*mixed += kwatch.cpu[c].mixed + kwatch.cpu[c].lib_mixed;
	}
}

static void start_work(struct hp_run *h, bool *tagged, int *sc_r)
{
	sched_cpumask_t sc_cpu = one_cpu(h->sc_cpu);

	for (unsigned i = 0; i < HP_FAIR; i++)
		hp_spawn(h, W_FAIR0 + i, "fair", NULL, NULL);
	*tagged = tag_fair(h);
	hp_spawn(h, W_SC, "sc", &sc_cpu, NULL);
	*sc_r = sc_admit(&h->sc, NULL, h->sc_refills, h->sc_cpu, HP_SC_BUDGET_NS,
			 HP_SC_PERIOD_NS);
	if (*sc_r == 0)
		*sc_r = sched_sc_bind(&ksys, h->sc, sched_ref_of(&h->w[W_SC].t->st));
	h->sc_from = clock_ns();
	for (unsigned i = W_FAIR0; i <= W_SC; i++)
		thread_start_now(h->w[i].t);
}

static void stop_work(struct hp_run *h)
{
	for (unsigned i = 0; i < W_NR; i++) {
		if (!hp_live(&h->w[i]))
			continue;
		h->w[i].quit = 1;
		thread_unpark(h->w[i].t);
		wait_done(&h->w[i].t, 1);
	}
}

static void report_rounds(const struct hp_run *h, uint64_t samples, uint64_t mixed)
{
	unsigned n = 2 * HP_ROUNDS;

	kprintf("# cpus: held %u, SC %u, victim %u; %u rounds, %u steps; first unexpected "
		"results: victim %d, SC cpu %d, leased %d, island %d\n", h->held, h->sc_cpu,
		h->victim, h->rounds, h->steps, h->first_bad[0], h->first_bad[1], h->first_bad[2],
		h->first_bad[3]);
	kprintf("# waits: victim offline to drained at worst %llu us, online to a fair hog "
		"there at worst %llu us\n", h->drain_ns_max / 1000, h->back_ns_max / 1000);
	ktest_report(h->victim_ok == n && h->fair_back == n,
		     "hotplug: the victim goes offline (0) and drains, and comes back running fair "
		     "threads, every round of both phases");
	ktest_report(h->fair_stayed_off == n && h->fair_grew == n,
		     "hotplug: while the victim is offline no fair thread is there, and every fair "
		     "thread's runtime grows");
	ktest_report(h->sc_refused == n,
		     "hotplug: offline of the partitioned SC's CPU is refused -SCHED_EUNSCHED, it "
		     "stays online, every round");
	ktest_report(h->sc_grew == n && sc_within_budget(h),
		     "hotplug: the SC is served on its CPU every round, within budget x periods + "
		     "its worst overrun");
	ktest_report(samples > 0 && mixed == 0,
		     "hotplug: core scheduling: no two cookies on one core at any sample, across "
		     "every step");
	kprintf("# core sampler: %llu samples, %llu mixed\n", samples, mixed);
	ktest_report(h->checks_ok == h->steps && h->steps > 0,
		     "hotplug: the invariant checker passes after every hotplug step");
}

static struct hp_run hp_run;

void test_hotplug_load(void)
{
	struct hp_run *h = &hp_run;
	bool tagged = false, held_back = false;
	int sc_r = -1, lease_r = -1, second = 0, isl_r = -1, off_r = -1;
	uint64_t samples = 0, mixed = 0;

	if (!pick_cpus(h)) {
		for (unsigned i = 0; i < KTEST_HOTPLUG_TESTS; i++)
			ktest_skip("hotplug under load", "needs 2 cores x 2 threads, core=on");
		return;
	}
	thread_pin_self(0);
	ktest_report(kisland_admission_on() == 0, "hotplug: admission is on");
	core_watch_start();
	start_work(h, &tagged, &sc_r);
	lease_r = lease_phase_start(h, &second);
	ktest_report(tagged && sc_r == 0 && lease_r == 0 && second == -SCHED_ELEASED,
		     "hotplug: fair threads in two cookies, a partitioned SC bound, a lease granted "
		     "(a second one on its CPU refused -SCHED_ELEASED)");
	kprintf("# setup: tagged %d, SC %d, lease %d, second lease %d\n", tagged, sc_r, lease_r,
		second);
	for (unsigned r = 0; r < HP_ROUNDS; r++)
		round_run(h, false);
	ktest_report(h->held_refused == HP_ROUNDS && h->held_working == HP_ROUNDS,
		     "hotplug: offline of the leased CPU is refused -SCHED_ELEASED, the lease stays "
		     "active and its holder runs, every round");
	isl_r = island_phase_start(h);
	ktest_report(isl_r == 0, "hotplug: the lease revoked, an island admitted on its CPU");
	for (unsigned r = 0; r < HP_ROUNDS; r++)
		round_run(h, true);
	ktest_report(h->held_refused == 2 * HP_ROUNDS && h->held_working == 2 * HP_ROUNDS,
		     "hotplug: offline of the island's CPU is refused -SCHED_EUNSCHED (its member "
		     "SC counts), the island stays and its member is served, every round");
	h->w[W_MEMBER].quit = 1;
	thread_unpark(h->w[W_MEMBER].t);
	wait_done(&h->w[W_MEMBER].t, 1);
	if (sched_island_revoke(&ksys, sched_auth_root(&ksys), h->island) == 0) {
		off_r = offline_retrying(h->held);
		if (off_r == 0) {
			check_step(h, "the offline of the island's former CPU");
			cpu_online_request(h->held);
			held_back = ktest_wait(held_online, h, KTEST_HANG_NS);
			check_step(h, "the online of the island's former CPU");
		}
	}
	ktest_report(off_r == 0 && held_back,
		     "hotplug: once the island is revoked its CPU goes offline (0) and comes back");
	core_watch_stop(&samples, &mixed);
	report_rounds(h, samples, mixed);
	stop_work(h);
	ktest_report(sched_sc_revoke(&ksys, h->sc) == 0 && ktest_quiet_check(),
		     "hotplug: the work exits, the SC is revoked, the checker passes");
}
