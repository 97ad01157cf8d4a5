/* SPDX-License-Identifier: MIT */
/*
 * user_requester.c - the policy test's requester, a ring-3 process of four threads
 * (upol_test.h): the main thread asks the policy service for profiles, an SC, a lease and
 * explanations, phase by phase as the kernel's test says; two fair spinners and a periodic
 * loop are what those requests are about, and what must keep running whatever the service
 * does. argv[0]: the thread's role; the loop's argv[1], argv[2]: period and work, ns.
 *
 * The same program runs as the leaser too (upol_test.h): a holder that asks the service
 * for a CPU isolation lease and then revokes it through the service, and two spinners the
 * lease keeps off that CPU. argv[0]: UREQ_ROLE_*, argv[1]: the thread's control block.
 */
#include "ulib.h"
#include "upol_test.h"

#include <sched/explain.h>
#include <sched/policy.h>

static struct uctl *const me_ctl = UCTL(UREQ_MAIN);

/* Submit (with an island or a graph: ext), then wait for the answer: 0 with the answer in
 * *a, or the submit's or the wait's error. */
static int ask_ext(const struct kpol_request *r, const void *ext, struct kpol_answer *a)
{
	int64_t t = usys(SYS_POLICY_SUBMIT, (uint64_t)r, (uint64_t)ext, 0);

	*a = (struct kpol_answer){ .sc = KPOL_NONE, .lease = KPOL_NONE, .island = KPOL_NONE };
	if (t < 0)
		return (int)t;
	return (int)usys(SYS_POLICY_WAIT, (uint64_t)t, (uint64_t)a, 0);
}

static int ask(const struct kpol_request *r, struct kpol_answer *a)
{
	return ask_ext(r, 0, a);
}

static void note(unsigned q, int r, const struct kpol_answer *a)
{
	if (r < 0) {
		URESULTS[R_ERR + q] = r;
		return;
	}
	URESULTS[R_ERR + q] = a->err;
	URESULTS[R_ANSWERED] |= 1ll << q;
	if (a->by == SCHED_BY_DEFAULT)
		URESULTS[R_BY_DEFAULT] |= 1ll << q;
}

static struct kpol_request profile(uint32_t thread, const char *name, uint64_t timeout)
{
	struct kpol_request r = { .kind = SCHED_REQ_PROFILE, .thread = thread,
				  .timeout_ns = timeout };

	for (unsigned i = 0; name[i] && i + 1 < sizeof(r.profile); i++)
		r.profile[i] = name[i];
	return r;
}

static struct kpol_request reservation(uint32_t kind, uint32_t thread, uint64_t budget,
				       uint64_t period, uint64_t cpus, uint64_t timeout)
{
	return (struct kpol_request){ .kind = kind, .thread = thread, .budget_ns = budget,
				      .period_ns = period, .deadline_ns = period, .cpus = cpus,
				      .timeout_ns = timeout, .overrun = SCHED_SC_DEMOTE };
}

static void one(unsigned q, struct kpol_request r)
{
	struct kpol_answer a;

	note(q, ask(&r, &a), &a);
}

/* The lease refusal's record, read back through SYS_POLICY_WHY: a DENY of a request. */
static int64_t lease_record(uint64_t seq)
{
	struct sched_why w[KPOL_WHY_MAX];
	struct kpol_why_query f = { .kinds = 1u << SCHED_WHY_DENY, .max = KPOL_WHY_MAX,
				    .after = seq - 1, .out = (uint64_t)w };
	int64_t n = usys(SYS_POLICY_WHY, (uint64_t)&f, 0, 0);

	for (int64_t i = 0; i < n; i++)
		if (w[i].seq == seq)
			return w[i].cause == SCHED_DENY_REQUEST && w[i].err == -SCHED_EPERM &&
			       w[i].obj_kind == SCHED_OBJ_REQUEST &&
			       w[i].fig[0] == SCHED_REQ_LEASE_GRANT;
	return -1;
}

static void phase_served(void)
{
	struct kpol_request r;
	struct kpol_answer a;
	int64_t fails = 0;

	one(Q_PROF_A, profile(UREQ_SPIN_A, "interactive", UREQ_SLOW_NS));
	one(Q_PROF_B, profile(UREQ_SPIN_B, "batch", UREQ_SLOW_NS));
	r = reservation(SCHED_REQ_ADMIT_SC, UREQ_LOOP, UREQ_LOOP_BUDGET_NS, UREQ_LOOP_PERIOD_NS,
			1u << 1, UREQ_SLOW_NS);
	note(Q_ADMIT, ask(&r, &a), &a);
	URESULTS[R_ADMIT_SC] = (int64_t)a.sc;
	r = (struct kpol_request){ .kind = SCHED_REQ_LEASE_GRANT, .thread = KPOL_SELF,
				   .cpus = 1u << 1, .timeout_ns = UREQ_SLOW_NS };
	note(Q_LEASE, ask(&r, &a), &a);
	URESULTS[R_LEASE_WHY] = (int64_t)a.why;
	URESULTS[R_LEASE_RECORD] = a.why ? lease_record(a.why) : -1;
	one(Q_EXPLAIN, (struct kpol_request){ .kind = SCHED_REQ_EXPLAIN, .thread = KPOL_SELF,
					       .timeout_ns = UREQ_SLOW_NS });
	/* the round trips: the kernel times each from the submit's entry to the wait's return */
	r = profile(KPOL_SELF, "interactive", UREQ_SLOW_NS);
	for (unsigned i = 0; i < UREQ_RTT; i++)
		fails += ask(&r, &a) < 0 || a.err || a.by != SCHED_BY_SERVICE;
	URESULTS[R_RTT_FAILS] = fails;
	URESULTS[R_RTT_N] = UREQ_RTT;
}

static void phase_dead(void)
{
	struct kpol_request r = profile(KPOL_SELF, "batch", UREQ_DEAD_NS);
	struct kpol_answer a;

	note(Q_Y1, ask(&r, &a), &a);
	URESULTS[R_Y1_WHY] = (int64_t)a.why;
	URESULTS[R_Y1_AGE] = (int64_t)(a.answered_ns - a.asked_ns);
	r = reservation(SCHED_REQ_ADMIT_SC, KPOL_SELF, 1000000, 10000000, 0, UREQ_DEAD_NS);
	note(Q_Y2, ask(&r, &a), &a);
	URESULTS[R_Y2_WHY] = (int64_t)a.why;
	URESULTS[R_Y2_AGE] = (int64_t)(a.answered_ns - a.asked_ns);
}

/* A new budget for the loop's SC. libsched changes an SC only while no thread runs or
 * waits runnable on it (-SCHED_EACTIVE): the loop is asleep most of each period, so ask
 * again a little later. */
static void budget(void)
{
	struct kpol_request r = reservation(SCHED_REQ_BUDGET, UREQ_LOOP, UREQ_LOOP_NEW_BUDGET_NS,
					    UREQ_LOOP_PERIOD_NS, 1u << 1, UREQ_SLOW_NS);
	unsigned tries = 0;

	r.sc = (uint64_t)URESULTS[R_ADMIT_SC];
	do {
		if (tries)
			usleep_ns(3000000);
		one(Q_BUDGET, r);
	} while (URESULTS[R_ERR + Q_BUDGET] == -SCHED_EACTIVE && ++tries < 50);
	URESULTS[R_BUDGET_TRIES] = tries;
}

/* Collect a request submitted in an earlier phase. */
static void collect(unsigned q, int64_t ticket)
{
	struct kpol_answer a = { .sc = KPOL_NONE, .lease = KPOL_NONE };

	if (ticket >= 0)
		note(q, (int)usys(SYS_POLICY_WAIT, (uint64_t)ticket, (uint64_t)&a, 0), &a);
}

static void phase(uint64_t p)
{
	struct kpol_request r;

	switch (p) {
	case UREQ_SERVED:
		phase_served();
		break;
	case UREQ_STALL:
		r = profile(KPOL_SELF, "batch", UREQ_HELD_NS);
		URESULTS[R_X_TICKET] = usys(SYS_POLICY_SUBMIT, (uint64_t)&r, 0, 0);
		break;
	case UREQ_DEAD:
		phase_dead();
		break;
	case UREQ_RESTARTED:
		collect(Q_X, URESULTS[R_X_TICKET]);
		one(Q_Z, profile(KPOL_SELF, "interactive", UREQ_SLOW_NS));
		break;
	case UREQ_CRASH:
		r = profile(KPOL_SELF, "batch", UREQ_HELD_NS);
		URESULTS[R_W_TICKET] = usys(SYS_POLICY_SUBMIT, (uint64_t)&r, 0, 0);
		break;
	case UREQ_AFTER_CRASH:
		collect(Q_W, URESULTS[R_W_TICKET]);
		budget();
		break;
	}
}

static int main_thread(void)
{
	uint64_t done = UREQ_IDLE;

	for (;;) {
		uint64_t p = me_ctl->cmd;

		if (p == UREQ_EXIT)
			return 0;
		if (p == done) {
			usleep_ns(1000000);
			continue;
		}
		phase(p);
		me_ctl->state = done = p;
	}
}

/* --- the leaser ---------------------------------------------------------------------------- */

/* Submit r and wait: the answer's error (or the call's); bit `bit` of L_BY set when the
 * service answered. */
static int64_t lease_ask(const struct kpol_request *r, struct kpol_answer *a, unsigned bit)
{
	int e = ask(r, a);

	if (e < 0)
		return e;
	if (a->by == SCHED_BY_SERVICE)
		URESULTS[L_BY] |= 1ll << bit;
	return a->err;
}

/* The REVOKE record (cause call) of lease `handle`, read back through SYS_POLICY_WHY (a
 * requester reads its own process's records only): its seq, or -1. */
static int64_t revoke_record(uint64_t handle)
{
	struct sched_why w[KPOL_WHY_MAX];
	struct kpol_why_query f = { .kinds = 1u << SCHED_WHY_REVOKE, .max = KPOL_WHY_MAX,
				    .obj_kind = SCHED_OBJ_LEASE, .obj = (uint32_t)(handle & 0xffff),
				    .out = (uint64_t)w };
	int64_t n = usys(SYS_POLICY_WHY, (uint64_t)&f, 0, 0);

	for (int64_t i = n - 1; i >= 0; i--) /* oldest first: the newest that fits */
		if (w[i].cause == SCHED_REVOKE_CALL)
			return (int64_t)w[i].seq;
	return -1;
}

/* ULEASE_GRANT: the lease of ULEASE_CPU for this thread. A grant refused with
 * -SCHED_EAGAIN (a thread was on its way to that CPU) is asked again, as libsched says. */
static void lease_grant(void)
{
	struct kpol_request r = { .kind = SCHED_REQ_LEASE_GRANT, .thread = KPOL_SELF,
				  .cpus = 1ull << ULEASE_CPU, .timeout_ns = UREQ_SLOW_NS };
	struct kpol_answer a;
	int64_t e;
	unsigned tries = 0;

	for (;;) {
		e = lease_ask(&r, &a, 0);
		if (e != -SCHED_EAGAIN || ++tries == 50)
			break;
		usleep_ns(2000000);
	}
	URESULTS[L_TRIES] = tries;
	URESULTS[L_GRANT] = e;
	URESULTS[L_HANDLE] = (int64_t)a.lease;
}

/* ULEASE_REVOKE: the lease ends through the service; asked again with the same handle,
 * which is stale now; then the revocation's record. */
static void lease_revoke(void)
{
	struct kpol_request r = { .kind = SCHED_REQ_LEASE_REVOKE, .thread = KPOL_SELF,
				  .lease = (uint64_t)URESULTS[L_HANDLE],
				  .timeout_ns = UREQ_SLOW_NS };
	struct kpol_answer a;

	URESULTS[L_REVOKE] = lease_ask(&r, &a, 1);
	URESULTS[L_AGAIN] = lease_ask(&r, &a, 2);
	URESULTS[L_WHY_SEQ] = revoke_record(r.lease);
}

/* The holder: a phase when told; after the grant it spins in ring 3 with no system call
 * (on its leased CPU), otherwise it looks at its control block every millisecond. */
static int holder(struct uctl *c)
{
	uint64_t done = 0;

	URESULTS[L_HANDLE] = (int64_t)KPOL_NONE;
	URESULTS[L_WHY_SEQ] = -1;
	for (;;) {
		uint64_t p = c->cmd;

		if (p == UREQ_EXIT)
			return 0;
		if (p == done) {
			if (p == ULEASE_GRANT)
				c->progress++;
			else
				usleep_ns(1000000);
			continue;
		}
		if (p == ULEASE_GRANT)
			lease_grant();
		else if (p == ULEASE_REVOKE)
			lease_revoke();
		c->state = done = p;
	}
}

/* A fair spinner: ring 3 only, until told to stop. */
static int spinner(struct uctl *c)
{
	while (c->cmd != UREQ_EXIT)
		c->progress++;
	return 0;
}

/* A periodic loop: `work` ns of the kernel clock, then a sleep of `period`; each wake is a
 * job (on its SC once the service gave it one). extra: the worst job, wake to its end. */
static int loop(struct uctl *c, uint64_t period, uint64_t work)
{
	while (c->cmd != UREQ_EXIT) {
		uint64_t t0 = uclock(), t;

		while ((t = uclock()) - t0 < work)
			;
		if (t - t0 > c->extra)
			c->extra = t - t0;
		c->progress++;
		usleep_ns(period);
	}
	return 0;
}

/* --- the islander ------------------------------------------------------------------------- */

/* The answer's error, or the call's. */
static int64_t err_of(int r, const struct kpol_answer *a)
{
	return r < 0 ? r : a->err;
}

static void island_phase(uint64_t p, bool *member)
{
	struct kpol_island isl = { .cpu = UISL_CPU, .budget_ns = UISL_BUDGET_NS,
				   .period_ns = UISL_PERIOD_NS, .dma_pages = UISL_PAGES,
				   .irq_line = KPOL_NO_IRQ, .service = KPOL_NO_SERVICE };
	struct kpol_request r = { .kind = SCHED_REQ_ISLAND, .thread = KPOL_SELF,
				  .timeout_ns = UREQ_SLOW_NS };
	struct kpol_answer a;
	int e;

	switch (p) {
	case UISL_ASK:
		e = ask_ext(&r, &isl, &a);
		URESULTS[I_ERR] = err_of(e, &a);
		URESULTS[I_BY] = e == 0 && a.by == SCHED_BY_SERVICE;
		URESULTS[I_HANDLE] = (int64_t)a.island;
		*member = e == 0 && a.err == 0;
		break;
	case UISL_REVOKE:
		URESULTS[I_REVOKE] = usys(USYS_ISLAND_REVOKE, (uint64_t)URESULTS[I_HANDLE], 0, 0);
		URESULTS[I_AGAIN] = usys(USYS_ISLAND_REVOKE, (uint64_t)URESULTS[I_HANDLE], 0, 0);
		*member = false;
		break;
	case UISL_ADMIT_SC:
		r = (struct kpol_request){ .kind = SCHED_REQ_ADMIT_SC, .thread = UISL_SLEEPER,
					   .budget_ns = 1000000, .period_ns = 20000000,
					   .deadline_ns = 20000000, .cpus = 1u << 0,
					   .timeout_ns = UREQ_SLOW_NS, .overrun = SCHED_SC_DEMOTE };
		e = ask(&r, &a);
		URESULTS[I_SC_ERR] = err_of(e, &a);
		URESULTS[I_SC] = (int64_t)a.sc;
		break;
	case UISL_BAD:
		isl.cpu = 99;
		URESULTS[I_BAD_CPU] = usys(SYS_POLICY_SUBMIT, (uint64_t)&r, (uint64_t)&isl, 0);
		isl.cpu = UISL_CPU;
		isl.dma_pages = 1000;
		URESULTS[I_BAD_PAGES] = usys(SYS_POLICY_SUBMIT, (uint64_t)&r, (uint64_t)&isl, 0);
		break;
	}
}

/* The islander's asker: a phase when told. While a member of its island it waits for its
 * next release (SYS_ISLAND_WAIT: a sleep would be a blocking call off its paths). */
static int islander(struct uctl *c)
{
	uint64_t done = 0;
	bool member = false;

	URESULTS[I_HANDLE] = (int64_t)KPOL_NONE;
	for (;;) {
		uint64_t p = c->cmd;

		if (p == UREQ_EXIT)
			return 0;
		if (p == done) {
			if (member)
				usys(USYS_ISLAND_WAIT, 0, 0, 0);
			else
				usleep_ns(1000000);
			continue;
		}
		island_phase(p, &member);
		c->state = done = p;
	}
}

static int sleeper(struct uctl *c)
{
	while (c->cmd != UREQ_EXIT)
		usleep_ns(1000000);
	return 0;
}

/* --- the grapher ----------------------------------------------------------------------------- */

/* The chain's progress, shared by the stages (one process): stage i's jobs done, and the
 * release of stage 0's job that stage 2 completes next. */
static volatile uint64_t chain_done[UGRAPH_STAGES];
static volatile uint64_t chain_release[64];

static struct kpol_graph graph_of(void)
{
	struct kpol_graph g = { .nr_nodes = UGRAPH_STAGES, .nr_budgets = UGRAPH_STAGES,
				.period_ns = UGRAPH_PERIOD_NS, .deadline_ns = UGRAPH_DEADLINE_NS };

	for (unsigned i = 0; i < UGRAPH_STAGES; i++) {
		g.node[i] = (struct kpol_graph_node){ .thread = 1 + i, .budget = i,
						      .cost_ns = UGRAPH_COST_NS,
						      .queue = KPOL_ANY_QUEUE };
		g.budgets[i] = (uint64_t)URESULTS[G_SC + i];
	}
	return g;
}

static void graph_phase(struct uctl *c, uint64_t p)
{
	struct kpol_request r = { .kind = SCHED_REQ_GRAPH, .thread = KPOL_SELF,
				  .timeout_ns = UREQ_SLOW_NS };
	struct kpol_graph g;
	struct kpol_answer a;
	unsigned tries = 0;
	int e;

	switch (p) {
	case UGR_ADMIT:
		for (unsigned i = 0; i < UGRAPH_STAGES; i++) {
			struct kpol_request q = reservation(SCHED_REQ_ADMIT_SC, 1 + i,
							    UGRAPH_BUDGET_NS, UGRAPH_PERIOD_NS,
							    1u << UGRAPH_CPU, UREQ_SLOW_NS);

			e = ask(&q, &a);
			URESULTS[G_ADMIT + i] = err_of(e, &a);
			URESULTS[G_SC + i] = (int64_t)a.sc;
		}
		break;
	case UGR_GRAPH:
		g = graph_of();
		do { /* libsched changes an SC only while its thread is not running on it */
			if (tries)
				usleep_ns(3000000);
			e = ask_ext(&r, &g, &a);
		} while (err_of(e, &a) == -SCHED_EACTIVE && ++tries < 50);
		URESULTS[G_GRAPH] = err_of(e, &a);
		URESULTS[G_TRIES] = tries;
		URESULTS[G_BY] = e == 0 && a.by == SCHED_BY_SERVICE;
		for (unsigned i = 0; i < UGRAPH_STAGES; i++)
			URESULTS[G_DL + i] = (int64_t)a.stage_deadline_ns[i];
		break;
	case UGR_BAD:
		g = graph_of();
		g.budgets[1] = c->handle; /* another process's SC */
		URESULTS[G_BAD_OTHER] = usys(SYS_POLICY_SUBMIT, (uint64_t)&r, (uint64_t)&g, 0);
		g = graph_of();
		g.budgets[2] = (uint64_t)URESULTS[G_SC + 2] ^ (0x5555ull << 16); /* forged gen */
		URESULTS[G_BAD_FORGED] = usys(SYS_POLICY_SUBMIT, (uint64_t)&r, (uint64_t)&g, 0);
		break;
	}
}

static int coordinator(struct uctl *c)
{
	uint64_t done = 0;

	for (;;) {
		uint64_t p = c->cmd;

		if (p == UREQ_EXIT)
			return 0;
		if (p == done) {
			usleep_ns(1000000);
			continue;
		}
		graph_phase(c, p);
		c->state = done = p;
	}
}

/* A stage: idle until UGR_RUN, then its jobs of the chain. Stage 0 is released every
 * period; stage i a look after stage i - 1 ended a job; stage 2 times the chain. */
static int stage(struct uctl *c, unsigned i)
{
	uint64_t next = 0;

	while (c->cmd != UREQ_EXIT) {
		uint64_t now = uclock(), t;

		if (c->cmd != UGR_RUN || (i && chain_done[i - 1] <= chain_done[i])) {
			usleep_ns(UGRAPH_POLL_NS);
			continue;
		}
		if (i == 0) {
			if (now < next) {
				usleep_ns(next - now);
				continue;
			}
			next = (next ? next : now) + UGRAPH_PERIOD_NS;
			chain_release[chain_done[0] % 64] = now;
		}
		while ((t = uclock()) - now < UGRAPH_WORK_NS)
			;
		if (i == UGRAPH_STAGES - 1) {
			uint64_t resp = t - chain_release[chain_done[i] % 64];

			URESULTS[G_RESP_LAST] = (int64_t)resp;
			if ((int64_t)resp > URESULTS[G_RESP_WORST])
				URESULTS[G_RESP_WORST] = (int64_t)resp;
			URESULTS[G_CHAINS] = (int64_t)chain_done[i] + 1;
		}
		chain_done[i] = chain_done[i] + 1;
		c->progress++;
	}
	return 0;
}

int umain(const uint64_t *argv)
{
	switch (argv[0]) {
	case UREQ_MAIN:
		return main_thread();
	case UREQ_SPIN_A:
	case UREQ_SPIN_B:
		return spinner(UCTL(argv[0]));
	case UREQ_LOOP:
		return loop(UCTL(argv[0]), argv[1], argv[2]);
	case UREQ_ROLE_HOLDER:
		return holder(UCTL(argv[1]));
	case UREQ_ROLE_OTHER:
		return spinner(UCTL(argv[1]));
	case UREQ_ROLE_ISLANDER:
		return islander(UCTL(argv[1]));
	case UREQ_ROLE_SLEEPER:
		return sleeper(UCTL(argv[1]));
	case UREQ_ROLE_COORD:
		return coordinator(UCTL(argv[1]));
	case UREQ_ROLE_STAGE:
		return stage(UCTL(argv[1]), (unsigned)argv[2]);
	default:
		return 1;
	}
}
