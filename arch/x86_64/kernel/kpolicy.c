/* SPDX-License-Identifier: MIT */
/*
 * kpolicy.c - the policy service (sched/policy.h) for ring 3: the kernel's side of it
 * (docs/x86_64.md "The policy service").
 *
 * The kernel owns everything the library asks its port to own: the request queue and its
 * slots, the decision log (sched/explain.h), the SCs made for served requests and their
 * refill rings, and the authorities. Policy itself is decided in ring 3, by a program
 * (kernel/user/user_policy.c: policy/'s service library) that reads a manifest and makes
 * the library calls of a service as system calls (kernel/user/usched.c):
 *
 *   requester (ring 3)          kernel (this file)                    service (ring 3)
 *   SYS_POLICY_SUBMIT(req) ---> sched_policy_submit: unparks it  ---> SYS_POLICY_TAKE
 *   SYS_POLICY_WAIT(ticket)     (parked until the answer or the       SYS_POLICY_ATTRS,
 *     parks until its deadline   deadline)                            _SC_CREATE (decides)
 *                               sched_policy_serve with the      <--- SYS_POLICY_SERVE
 *                               service's authority, which the        or _DENY
 *   <--- the answer             kernel holds
 *
 * Ring 3 holds handles, never pointers (kpolicy_abi.h); every struct is copied once
 * through a checked user mapping and only the copy is read. ISLAND and GRAPH requests,
 * whose libsched requests point at parameters read when served, are copied and translated
 * at submission into storage the kernel ties to the request's slot (struct kext below; an
 * island through kisland.c's own translation, kisland_prepare), and an island admitted
 * through the service becomes one of kisland.c's when its answer is collected.
 *
 * The service acts only through the library with the authority the kernel derived for it
 * at boot (fair parameters, SCs, leases, cookies and fixed priorities, over the group
 * kpolicy_apps where requesters' processes live), and on SCs it made through the kernel,
 * so what it can give is bounded twice: by that authority and by the library's checks on
 * the requester's scope.
 *
 * Scheduling never waits for the service: a requester parks with its request's deadline
 * (sched_park_until) and looks again when woken or when the deadline passes, when
 * sched_policy_result applies the default (a default profile, or -SCHED_ETIMEDOUT) and
 * leaves a SCHED_WHY_DEFAULT record. A service that is killed, crashes or stalls changes
 * nothing for threads already given what they asked: their SCs and weights are libsched's
 * state, not the service's. A new service attaches (SYS_POLICY_ATTACH) and finds the
 * requests the dead one took pending again.
 *
 * The manifests come from QEMU's fw_cfg, read at boot (platform_fw_file): the one the
 * service starts with (opt/libsched/manifest) and up to three it may be told to switch to
 * (opt/libsched/manifest.1 .. .3). Changing them needs no rebuild, only other files on the
 * QEMU command line.
 *
 * Tables (tickets, takes, SCs) are the kernel's, under table_lock, taken with interrupts
 * off and never across a libsched call.
 */
#include <sched/explain.h>

#include "kernel.h"

struct sched_group kpolicy_apps;
struct sched_policy kpol_queue;
struct sched_policy_slot kpol_slots[KPOL_SLOTS];

static struct sched_authority svc_authority;      /* the service's, held by the kernel */
static struct sched_authority fallback_authority; /* the default profile's: FAIR only */
static struct sched_explain_log why_log;
static struct sched_why why_recs[KPOL_WHY_LEN];

static char manifests[KPOL_MANIFESTS][KPOL_MANIFEST_BYTES];
static long manifest_size[KPOL_MANIFESTS];
static volatile unsigned manifest_current;
static const char *const manifest_names[KPOL_MANIFESTS] = {
	"opt/libsched/manifest", "opt/libsched/manifest.1", "opt/libsched/manifest.2",
	"opt/libsched/manifest.3",
};

/* A requester's ticket, by slot: the requester's process may wait on it. */
struct kticket {
	struct sched_ticket t;
	struct sched_ref who;         /* the submitting thread: libsched gives its answer only
				       * to it, and any thread of `proc` may wait on its behalf */
	struct kprocess *proc;
	sched_time_t deadline;        /* the slot's: the default applies then */
	uint64_t submitted_ns;        /* the submit call's entry */
	bool live;
};

/* A request the attached service took, by slot: its full ticket (the epoch stays here),
 * and what the kernel remembers of it once served (a profile given by name). */
struct ktaken {
	struct sched_ticket t;
	uint8_t kind;
	uint32_t tid;                 /* the thread it is for */
	char profile[SCHED_PROFILE_NAME_MAX];
	bool live;
};

/* An SC the service created (SYS_POLICY_SC_CREATE): owned by a requester's process group,
 * its refill ring the kernel's. Only these may be named in a decision or revoked by the
 * service; a requester names the one it was given by its handle (index | gen << 16). */
#define KPOL_SC_REFILLS 8
struct ksvc_sc {
	struct sched_sc_cap cap;      /* all rights: the kernel's */
	struct kprocess *proc;        /* its owner group's process */
	uint32_t gen;                 /* the handle's generation: bumped at every reuse */
	bool used;
};

/*
 * The kernel's copy of an ISLAND or GRAPH request, which libsched's request points into
 * (r.island, r.graph: libsched reads them when the service serves, and the service's take
 * reads them to tell the service what was asked). Preallocated, as many as slots: one is
 * taken before the submission (FILLING: the slot is libsched's choice, not known yet),
 * tied to the slot it got (BOUND: slot and gen), and given back, with what it holds (an
 * island's SC, pages and refill set), when the answer is collected (SYS_POLICY_WAIT, the
 * timeout's default included) or when the submission fails. When its requester's process
 * exits, an answer its thread can no longer collect (libsched answers only the requester)
 * and a request still pending keep their copies (marked orphan: nobody will collect them)
 * until libsched frees the slot (answered at its deadline, reclaimed: the slot's
 * generation moves on); an island admitted for it was revoked with the process's group
 * (kisland_process_exit). ext_sweep notices a freed slot at
 * the next submission. Only an orphan is swept: a live requester's slot is freed by its
 * own collection, which then finishes the copy itself (an island admitted is committed).
 * A service that dies or re-attaches changes nothing here: the request and its copy stay.
 */
enum { EXT_FREE, EXT_FILLING, EXT_BOUND, EXT_RELEASING };
struct kext {
	uint8_t state, kind;
	bool orphan;                  /* its requester's process exited, the request pending */
	uint32_t slot, gen;           /* BOUND: the ticket's */
	struct kprocess *proc;        /* the requester's */
	struct sched_ref member;      /* ISLAND: the thread its SC is for */
	struct kisland_prep isl;      /* ISLAND: libsched's parameters and their resources */
	struct sched_graph graph;     /* GRAPH: libsched's graph */
};
static struct kext exts[KPOL_SLOTS];

static struct kticket tickets[KPOL_SLOTS];
static struct ktaken taken[KPOL_SLOTS];
static struct ksvc_sc pscs[KPOL_SCS];
static struct sched_refill psc_refills[KPOL_SCS][KPOL_SC_REFILLS];
static char profile_of[MAX_THREADS][SCHED_PROFILE_NAME_MAX]; /* by tid - 1: given by name */
static struct kthread *volatile service;  /* the attached service thread, or NULL */
static volatile int poked;                /* SYS_POLICY_TAKE returns -SCHED_EAGAIN once */
static uint64_t rtt_log[KPOL_RTT_LOG];
static uint32_t rtt_n;                    /* round trips recorded, ever */
static uint32_t table_lock;

static unsigned long table_take(void)
{
	return table_lock_take(&table_lock);
}

static void table_give(unsigned long f)
{
	table_lock_give(&table_lock, f);
}

static struct sched_auth svc_auth(void)
{
	return (struct sched_auth){ &svc_authority, svc_authority.gen };
}

static uint64_t handle_of(uint32_t index, uint32_t gen)
{
	return (uint64_t)gen << 16 | index;
}

/* --- boot --------------------------------------------------------------------------------- */

static void manifests_read(void)
{
	for (unsigned i = 0; i < KPOL_MANIFESTS; i++) {
		manifest_size[i] = platform_fw_file(manifest_names[i], manifests[i],
						    KPOL_MANIFEST_BYTES);
		if (manifest_size[i] > (long)KPOL_MANIFEST_BYTES) {
			kprintf("kpolicy: %s: %ld bytes, over %llu: left out\n", manifest_names[i],
				manifest_size[i], KPOL_MANIFEST_BYTES);
			manifest_size[i] = -1;
		}
	}
}

/*
 * The group requesters' processes live in, the two authorities, the queue, and (unless
 * the boot measures overheads) the decision log. The log keeps every kind but migrations
 * and forced idle, which come by the thousand and would push the records a test or an
 * administrator wants out of its ring. On the boot CPU, before the APs start:
 * sched_explain_start and the fw_cfg reads want no other CPU about.
 */
void kpolicy_init(bool explain)
{
	struct sched_group_params gp = { .id = 900, .kind = SCHED_GROUP_SESSION };
	struct sched_policy_config cfg = { .timeout_ns = 100000000 };
	uint32_t kinds = SCHED_WHY_ALL & ~(1u << SCHED_WHY_MIGRATE | 1u << SCHED_WHY_FORCED_IDLE);

	if (sched_group_init(&ksys, &kpolicy_apps, &gp) < 0)
		panic("kpolicy: sched_group_init failed");
	if (sched_auth_derive(&svc_authority, sched_auth_root(&ksys),
			      SCHED_RIGHT_FAIR | SCHED_RIGHT_SC_CONTROL | SCHED_RIGHT_LEASE |
				      SCHED_RIGHT_CORE | SCHED_RIGHT_RT,
			      &kpolicy_apps, NULL) < 0 ||
	    sched_auth_derive(&fallback_authority, sched_auth_root(&ksys), SCHED_RIGHT_FAIR,
			      &kpolicy_apps, NULL) < 0)
		panic("kpolicy: sched_auth_derive failed");
	cfg.fallback = (struct sched_auth){ &fallback_authority, fallback_authority.gen };
	if (sched_policy_init(&ksys, &kpol_queue, kpol_slots, KPOL_SLOTS, &cfg) < 0)
		panic("kpolicy: sched_policy_init failed");
	if (explain && sched_explain_start(&ksys, &why_log, why_recs, KPOL_WHY_LEN, kinds) < 0)
		panic("kpolicy: sched_explain_start failed");
	manifests_read();
}

long kpolicy_manifest(unsigned index, const char **text)
{
	if (index >= KPOL_MANIFESTS)
		return -1;
	if (text)
		*text = manifests[index];
	return manifest_size[index];
}

unsigned kpolicy_manifest_current(void)
{
	return manifest_current;
}

/* --- user memory --------------------------------------------------------------------------- */

/* Copy n bytes between kernel memory k and user address va of me's address space, page by
 * page through the direct map; false (nothing more copied) at a page not mapped for ring 3,
 * or not writable when copying out. */
static bool user_copy(struct kthread *me, uint64_t va, void *k, size_t n, bool out)
{
	char *p = k;

	if (va + n < va)
		return false;
	while (n) {
		uint64_t pa = as_user_page(me->pml4, va, out);
		size_t chunk = (size_t)(PAGE_SIZE - (va & (PAGE_SIZE - 1)));

		if (!pa)
			return false;
		if (chunk > n)
			chunk = n;
		if (out)
			memcpy(phys_to_virt(pa), p, chunk);
		else
			memcpy(p, phys_to_virt(pa), chunk);
		va += chunk;
		p += chunk;
		n -= chunk;
	}
	return true;
}

/* Every page of [va, va + n) mapped writable for ring 3: checked before a request is taken
 * or collected, so that the copy out cannot fail after the library moved on. */
static bool user_writable(struct kthread *me, uint64_t va, size_t n)
{
	if (!n || va + n < va)
		return false;
	for (uint64_t p = va & ~(PAGE_SIZE - 1); p < va + n; p += PAGE_SIZE)
		if (!as_user_page(me->pml4, p, true))
			return false;
	return true;
}

/* --- the service's SCs ----------------------------------------------------------------------- */

/* The table entry of libsched's SC (index, gen), or -1. Table locked. */
static int sc_find(uint32_t index, uint32_t gen)
{
	for (int i = 0; i < KPOL_SCS; i++)
		if (pscs[i].used && pscs[i].cap.index == index && pscs[i].cap.gen == gen)
			return i;
	return -1;
}

/* The capability of the table's SC (index, gen), all rights; -SCHED_EPERM for an SC the
 * service did not create through the kernel (an island's, say: never its to give). */
static int sc_cap_of(uint32_t index, uint32_t gen, struct sched_sc_cap *out)
{
	unsigned long f = table_take();
	int i = sc_find(index, gen);

	if (i >= 0)
		*out = pscs[i].cap;
	table_give(f);
	return i >= 0 ? 0 : -SCHED_EPERM;
}

/* Entry i's SC ends (revoked: a thread bound to it goes back to the fair class). */
static int sc_drop(int i)
{
	struct sched_sc_cap cap;
	unsigned long f = table_take();
	int r = -SCHED_ESTALE;

	if (pscs[i].used) {
		cap = pscs[i].cap;
		pscs[i].used = false;
		table_give(f);
		r = sched_sc_revoke(&ksys, cap);
		return r == -SCHED_ESTALE ? 0 : r; /* revoked already (libsched's own undo) */
	}
	table_give(f);
	return r;
}

/* The SC of a requester's handle and its owner process; -SCHED_EINVAL for none. */
static int sc_of_handle(uint64_t handle, struct sched_sc_cap *out, struct kprocess **proc)
{
	uint32_t i = (uint32_t)(handle & 0xffff);
	unsigned long f;
	int r = -SCHED_EINVAL;

	if (handle >> 48 || i >= KPOL_SCS)
		return r;
	f = table_take();
	if (pscs[i].used && pscs[i].gen == (uint32_t)(handle >> 16)) {
		*out = pscs[i].cap;
		*proc = pscs[i].proc;
		r = 0;
	}
	table_give(f);
	return r;
}

int kpolicy_sc_of(uint64_t handle, struct sched_sc_cap *out)
{
	struct kprocess *p;

	return sc_of_handle(handle, out, &p);
}

/* A requester's handle for the SC an answer gives it, or KPOL_NONE. */
static uint64_t sc_handle(struct sched_sc_cap cap)
{
	unsigned long f = table_take();
	int i = cap.index == SCHED_NO_SC ? -1 : sc_find(cap.index, cap.gen);
	uint64_t h = i >= 0 ? handle_of((uint32_t)i, pscs[i].gen) : KPOL_NONE;

	table_give(f);
	return h;
}

/* The process of group `id`, if it is a requesters' process. */
static struct kprocess *app_process(uint32_t id)
{
	struct kprocess *p = kprocess_of_group(id);

	return p && p->group.parent == &kpolicy_apps ? p : NULL;
}

/* SYS_POLICY_SC_CREATE(group, out): a new SC owned by a requester's process group, for
 * the service to configure through a decision. -SCHED_EFULL when the table is full. */
static int64_t sys_sc_create(struct kthread *me, uint64_t group, uint64_t va)
{
	struct kprocess *p = app_process((uint32_t)group);
	struct kpol_sc out = { 0 };
	struct sched_sc_cap cap;
	unsigned long f;
	int i, r;

	if (me != service)
		return -SCHED_EPERM;
	if (!p || group >> 32 || !user_writable(me, va, sizeof(out)))
		return -SCHED_EINVAL;
	f = table_take();
	for (i = 0; i < KPOL_SCS && pscs[i].used; i++)
		;
	if (i < KPOL_SCS)
		pscs[i] = (struct ksvc_sc){ .proc = p, .gen = pscs[i].gen + 1, .used = true,
					    .cap.index = SCHED_NO_SC };
	table_give(f);
	if (i == KPOL_SCS)
		return -SCHED_EFULL;
	r = sched_sc_create(&ksys, &p->group, psc_refills[i], KPOL_SC_REFILLS, &cap);
	f = table_take();
	if (r == 0)
		pscs[i].cap = cap;
	else
		pscs[i].used = false;
	table_give(f);
	if (r < 0)
		return r;
	out = (struct kpol_sc){ cap.index, cap.gen, cap.rights, 0 };
	user_copy(me, va, &out, sizeof(out), true);
	return 0;
}

/* SYS_POLICY_SC_REVOKE(sc): one of the table's SCs ends. */
static int64_t sys_sc_revoke(struct kthread *me, uint64_t va)
{
	struct kpol_sc in;
	unsigned long f;
	int i;

	if (me != service)
		return -SCHED_EPERM;
	if (!user_copy(me, va, &in, sizeof(in), false))
		return -SCHED_EINVAL;
	f = table_take();
	i = sc_find(in.index, in.gen);
	table_give(f);
	return i < 0 ? -SCHED_ESTALE : sc_drop(i);
}

/* Every SC of the table owned by p's group: its threads are gone. */
static int sc_drop_owned(struct kprocess *p)
{
	int n = 0;

	for (int i = 0; i < KPOL_SCS; i++)
		if (pscs[i].used && pscs[i].proc == p && sc_drop(i) == 0)
			n++;
	return n;
}

/* --- requesters ------------------------------------------------------------------------------ */

/* The thread a requester names: its index in the caller's process, or itself. */
static struct kthread *target_of(struct kthread *me, uint32_t index)
{
	if (index == KPOL_SELF)
		return me;
	return index < KPROC_THREADS ? me->proc->threads[index] : NULL;
}

static struct sched_sc_params sc_params_in(const struct kpol_sc_params *k)
{
	struct sched_sc_params p = { .budget_ns = k->budget_ns, .period_ns = k->period_ns,
				     .deadline_ns = k->deadline_ns, .blocking_ns = k->blocking_ns,
				     .mode = k->mode, .overrun = k->overrun,
				     .dispatch = k->dispatch };

	if (k->cpus)
		p.cpus.w[0] = k->cpus;
	else
		sched_cpumask_fill(&p.cpus, ksys.nr_cpus);
	return p;
}

static struct kpol_sc_params sc_params_out(const struct sched_sc_params *p)
{
	return (struct kpol_sc_params){ .budget_ns = p->budget_ns, .period_ns = p->period_ns,
					.deadline_ns = p->deadline_ns,
					.blocking_ns = p->blocking_ns, .cpus = p->cpus.w[0],
					.mode = p->mode, .overrun = p->overrun,
					.dispatch = p->dispatch };
}

/* --- ISLAND and GRAPH: the kernel's copies --------------------------------------------------- */

/* A free copy, FILLING for the caller; NULL if none (every slot has one: the queue is
 * full). */
static struct kext *ext_get(void)
{
	unsigned long f = table_take();
	struct kext *e = NULL;

	for (unsigned i = 0; i < KPOL_SLOTS && !e; i++)
		if (exts[i].state == EXT_FREE) {
			e = &exts[i];
			e->state = EXT_FILLING;
			e->orphan = false;
		}
	table_give(f);
	return e;
}

/* e's resources given back (an island not admitted: its SC, pages, refill set), e free. */
static void ext_put(struct kext *e)
{
	unsigned long f;

	if (e->kind == SCHED_REQ_ISLAND)
		kisland_release(&e->isl);
	f = table_take();
	e->state = EXT_FREE;
	table_give(f);
}

/* The copy of ticket t's request, claimed (RELEASING) for the caller to finish; NULL if its
 * request had none. */
static struct kext *ext_claim(struct sched_ticket t)
{
	unsigned long f = table_take();
	struct kext *e = NULL;

	for (unsigned i = 0; i < KPOL_SLOTS && !e; i++)
		if (exts[i].state == EXT_BOUND && exts[i].slot == t.slot && exts[i].gen == t.gen) {
			e = &exts[i];
			e->state = EXT_RELEASING;
		}
	table_give(f);
	return e;
}

/* Orphans whose slot libsched freed (answered at their deadline, reclaimed: nobody
 * collects them) go back. */
static void ext_sweep(void)
{
	for (unsigned i = 0; i < KPOL_SLOTS; i++) {
		struct kext *e = &exts[i];
		unsigned long f = table_take();
		bool gone = e->state == EXT_BOUND && e->orphan &&
			    __atomic_load_n(&kpol_slots[e->slot].gen, __ATOMIC_ACQUIRE) != e->gen;

		if (gone)
			e->state = EXT_RELEASING;
		table_give(f);
		if (gone)
			ext_put(e);
	}
}

/*
 * An answer collected, for the copy e of its request: an island admitted becomes the
 * process's (kisland_commit: its handle into out->island; `me` NULL: the process is gone,
 * the island is revoked), a graph's stage deadlines are read back into out; then e goes.
 */
static void ext_answer(struct kthread *me, struct kext *e, const struct sched_answer *a,
		       struct kpol_answer *out)
{
	if (e->kind == SCHED_REQ_ISLAND && a->err == 0) {
		struct kthread *m = kthread_of(e->member.t);
		int64_t h;

		if (!me || __atomic_load_n(&m->st.gen, __ATOMIC_ACQUIRE) != e->member.gen)
			m = NULL;
		h = kisland_commit(me, &e->isl, a->island, m);

		if (out && h >= 0)
			out->island = (uint64_t)h;
		else if (out)
			out->err = h; /* admitted, but its member could not be bound: revoked */
	}
	if (e->kind == SCHED_REQ_GRAPH && a->err == 0 && out)
		for (unsigned i = 0; i < e->graph.nr_nodes; i++) {
			uint32_t b = e->graph.node[i].budget;
			struct sched_sc *sc;

			if (b == SCHED_GRAPH_NO_BUDGET)
				continue;
			sc = &ksys.scs[e->graph.budgets[b].index];
			out->stage_deadline_ns[i] = __atomic_load_n(&sc->rel_deadline,
								    __ATOMIC_ACQUIRE);
		}
	ext_put(e);
}

/* ISLAND: the island asked, copied from ring 3 (va) and translated by kisland.c's code (as
 * SYS_ISLAND_ADMIT's), for the member `target`: -SCHED_EINVAL (no copy, a bad field),
 * -SCHED_ECPU, -SCHED_EEXIST (the member is in an island), -SCHED_EFULL, nothing held. */
static int ext_island(struct kthread *me, struct kthread *target, uint64_t va, struct kext *e,
		      struct sched_request *r)
{
	struct kpol_island q;
	int err;

	if (!user_copy(me, va, &q, sizeof(q), false))
		return -SCHED_EINVAL;
	if (kisland_of(target))
		return -SCHED_EEXIST;
	if ((err = kisland_prepare(me->proc, &q, &e->isl)) < 0)
		return err;
	e->member = sched_ref_of(&target->st);
	r->island = &e->isl.ip;
	return 0;
}

/* GRAPH: the graph, copied from ring 3 (va) and translated: its threads (indexes in the
 * caller's process), its budgets (handles of SCs given to the caller's process, restricted
 * to READ | BIND as a BUDGET's). -SCHED_EINVAL for a bad field or an SC handle that names
 * none, -SCHED_EPERM for one of another process's; nothing held. */
static int ext_graph(struct kthread *me, uint64_t va, struct kext *e, struct sched_request *r)
{
	struct kpol_graph kg;
	struct sched_graph *g = &e->graph;
	struct kprocess *owner;

	if (!user_copy(me, va, &kg, sizeof(kg), false))
		return -SCHED_EINVAL;
	if (!kg.nr_nodes || kg.nr_nodes > KPOL_GRAPH_NODES || kg.nr_budgets > KPOL_GRAPH_NODES ||
	    !kg.period_ns || !kg.deadline_ns)
		return -SCHED_EINVAL;
	*g = (struct sched_graph){ .nr_nodes = kg.nr_nodes, .period_ns = kg.period_ns,
				   .deadline_ns = kg.deadline_ns, .nr_budgets = kg.nr_budgets };
	for (unsigned i = 0; i < kg.nr_nodes; i++) {
		const struct kpol_graph_node *n = &kg.node[i];
		struct kthread *t = target_of(me, n->thread);

		if (!t || (n->budget != KPOL_NO_BUDGET && n->budget >= kg.nr_budgets) ||
		    n->prio > 99 || (n->queue != KPOL_ANY_QUEUE && n->queue >= ksys.nr_cpus))
			return -SCHED_EINVAL;
		g->node[i] = (struct sched_graph_node){ .thread = sched_ref_of(&t->st),
							.budget = n->budget, .cost_ns = n->cost_ns,
							.prio = (uint8_t)n->prio,
							.queue = (uint16_t)n->queue };
	}
	for (unsigned b = 0; b < kg.nr_budgets; b++) {
		if (sc_of_handle(kg.budgets[b], &g->budgets[b], &owner) < 0)
			return -SCHED_EINVAL;
		if (owner != me->proc)
			return -SCHED_EPERM;
		g->budgets[b] = sched_sc_cap_restrict(g->budgets[b], SCHED_SC_READ | SCHED_SC_BIND);
	}
	r->graph = g;
	return 0;
}

/* libsched's request from the ABI's: sporadic SCs, throttled or demoted when spent as
 * asked (a notify-and-block SC needs an endpoint of the kernel's); the SC a BUDGET names
 * must be one given to the caller's process. */
static int request_of(struct kthread *me, const struct kpol_request *kr, uint64_t va,
		      struct kext *e, struct sched_request *r)
{
	struct kpol_sc_params sp = { .budget_ns = kr->budget_ns, .period_ns = kr->period_ns,
				     .deadline_ns = kr->deadline_ns, .cpus = kr->cpus,
				     .mode = SCHED_SC_SPORADIC, .overrun = (uint8_t)kr->overrun,
				     .dispatch = SCHED_SC_GLOBAL };
	struct kthread *target = target_of(me, kr->thread);
	struct kprocess *owner;

	bool ext = kr->kind == SCHED_REQ_ISLAND || kr->kind == SCHED_REQ_GRAPH;

	if (kr->kind >= SCHED_REQ_NR || !target || (!ext && va) ||
	    (kr->overrun != SCHED_SC_THROTTLE && kr->overrun != SCHED_SC_DEMOTE && !ext))
		return -SCHED_EINVAL;
	*r = (struct sched_request){ .kind = (uint8_t)kr->kind, .timeout_ns = kr->timeout_ns };
	memcpy(r->profile, kr->profile, sizeof(r->profile));
	r->profile[sizeof(r->profile) - 1] = 0;
	r->thread = sched_ref_of(&target->st);
	r->sc_params = sc_params_in(&sp);
	r->cpus.w[0] = kr->cpus;
	if (kr->kind == SCHED_REQ_BUDGET) {
		if (sc_of_handle(kr->sc, &r->sc, &owner) < 0)
			return -SCHED_EINVAL;
		if (owner != me->proc)
			return -SCHED_EPERM;
		r->sc = sched_sc_cap_restrict(r->sc, SCHED_SC_READ | SCHED_SC_BIND);
	}
	if (kr->kind == SCHED_REQ_LEASE_REVOKE)
		r->lease = (struct sched_lease_cap){ (uint32_t)(kr->lease & 0xffff),
						     (uint32_t)(kr->lease >> 16) };
	if (kr->kind == SCHED_REQ_ISLAND)
		return ext_island(me, target, va, e, r);
	if (kr->kind == SCHED_REQ_GRAPH)
		return ext_graph(me, va, e, r);
	return 0;
}

/* SYS_POLICY_SUBMIT(request, island or graph): a ticket handle, or the submission's
 * refusal (nothing of the request kept). */
static int64_t sys_submit(struct kthread *me, uint64_t va, uint64_t ext_va)
{
	uint64_t now = clock_ns();
	struct kpol_request kr;
	struct sched_request r;
	struct sched_ticket t;
	struct kext *e = NULL;
	unsigned long f;
	int err;

	if (!me->proc)
		return -SCHED_EPERM;
	if (!user_copy(me, va, &kr, sizeof(kr), false))
		return -SCHED_EINVAL;
	/* The sweep a port owes the queue, here rather than on a timer: requests past their
	 * deadline get their defaults, so the slots of requesters that died waiting are freed
	 * (by the submission's own search) instead of leaking. O(slots). */
	(void)sched_policy_expire(&ksys, &kpol_queue);
	ext_sweep();
	if (kr.kind == SCHED_REQ_ISLAND || kr.kind == SCHED_REQ_GRAPH) {
		if (!(e = ext_get()))
			return -SCHED_EFULL;
		e->kind = (uint8_t)kr.kind;
		e->proc = me->proc;
		e->isl.held = false;
	}
	err = request_of(me, &kr, ext_va, e, &r);
	if (err == 0)
		err = sched_policy_submit(&ksys, &kpol_queue, sched_ref_of(&me->st), &r, &t);
	if (err < 0) {
		if (e)
			ext_put(e);
		return err;
	}
	f = table_take();
	tickets[t.slot] = (struct kticket){
		t, sched_ref_of(&me->st), me->proc,
		__atomic_load_n(&kpol_slots[t.slot].deadline, __ATOMIC_RELAXED), now, true };
	if (e) {
		e->slot = t.slot;
		e->gen = t.gen;
		e->state = EXT_BOUND;
	}
	table_give(f);
	return (int64_t)handle_of(t.slot, t.gen);
}

static void rtt_note(uint64_t ns)
{
	uint32_t n = __atomic_fetch_add(&rtt_n, 1, __ATOMIC_RELAXED);

	__atomic_store_n(&rtt_log[n % KPOL_RTT_LOG], ns, __ATOMIC_RELEASE);
}

unsigned kpolicy_round_trips(uint64_t *out, unsigned max)
{
	uint32_t n = __atomic_load_n(&rtt_n, __ATOMIC_ACQUIRE);
	unsigned have = n < KPOL_RTT_LOG ? n : KPOL_RTT_LOG, k = have < max ? have : max;

	for (unsigned i = 0; i < k; i++)
		out[i] = __atomic_load_n(&rtt_log[(n - k + i) % KPOL_RTT_LOG], __ATOMIC_ACQUIRE);
	return k;
}

/* The requester's ticket of handle h, copied out of the table; an error if it is not one
 * of its process's. */
static int ticket_get(struct kthread *me, uint64_t h, struct kticket *out)
{
	uint32_t slot = (uint32_t)(h & 0xffff);
	unsigned long f;
	int r = 0;

	if (h >> 48 || slot >= KPOL_SLOTS)
		return -SCHED_EINVAL;
	f = table_take();
	*out = tickets[slot];
	if (!out->live || out->t.gen != (uint32_t)(h >> 16))
		r = -SCHED_ESTALE;
	else if (out->proc != me->proc)
		r = -SCHED_EPERM;
	table_give(f);
	return r;
}

/*
 * SYS_POLICY_WAIT(ticket, answer): parks until the service answers or the request's
 * deadline passes, when libsched applies the default. A killed requester leaves with
 * -SCHED_EAGAIN (and ends on its way out); its ticket stays for its process's exit.
 */
static int64_t sys_wait(struct kthread *me, uint64_t h, uint64_t va)
{
	struct kext *e;
	struct sched_answer a;
	struct kpol_answer out;
	struct kticket k;
	unsigned long f;
	int err;

	if (!user_writable(me, va, sizeof(out)))
		return -SCHED_EINVAL;
	if ((err = ticket_get(me, h, &k)) < 0)
		return err;
	while ((err = sched_policy_result(&ksys, &kpol_queue, k.who, k.t, &a)) == -SCHED_EAGAIN) {
		if (__atomic_load_n(&me->killed, __ATOMIC_ACQUIRE))
			return -SCHED_EAGAIN;
		if (thread_park_until(k.deadline) < 0)
			thread_yield(); /* a deadline already past: the next look defaults */
	}
	if (err < 0)
		return err;
	f = table_take();
	tickets[k.t.slot].live = false;
	table_give(f);
	out = (struct kpol_answer){ .err = a.err, .by = a.by, .kind = a.kind, .why = a.why,
				    .asked_ns = a.asked, .answered_ns = a.answered,
				    .submitted_ns = k.submitted_ns, .lease = KPOL_NONE,
				    .island = KPOL_NONE,
				    .sc = a.err ? KPOL_NONE : sc_handle(a.sc) };
	if (a.kind == SCHED_REQ_LEASE_GRANT && a.err == 0)
		out.lease = handle_of(a.lease.index, a.lease.gen);
	if ((e = ext_claim(k.t)))
		ext_answer(me, e, &a, &out);
	out.seen_ns = clock_ns();
	rtt_note(out.seen_ns - out.submitted_ns);
	user_copy(me, va, &out, sizeof(out), true); /* checked writable above */
	return 0;
}

/* --- the service ------------------------------------------------------------------------------ */

/* SYS_POLICY_ATTACH(): the caller becomes the service (a new epoch: the previous one's
 * tickets fail); returns the requests pending, those the previous one took included. */
static int64_t sys_attach(struct kthread *me)
{
	unsigned long f;
	int r;

	if (!me->proc || !me->proc->policy_service)
		return -SCHED_EPERM;
	r = sched_policy_attach(&ksys, &kpol_queue, sched_ref_of(&me->st));
	if (r < 0)
		return r;
	f = table_take();
	service = me;
	for (unsigned i = 0; i < KPOL_SLOTS; i++)
		taken[i].live = false; /* the old epoch's: stale in libsched too */
	table_give(f);
	return r;
}

void kpolicy_poke(void)
{
	struct kthread *s = service;

	__atomic_store_n(&poked, 1, __ATOMIC_RELEASE);
	if (s)
		thread_unpark(s);
}

static uint64_t thread_handle(struct sched_ref r)
{
	return r.t ? (uint64_t)r.gen << 32 | r.t->id : 0;
}

/* The thread a service's handle names, as a ref (libsched checks the generation). */
static int thread_ref(uint64_t h, struct sched_ref *out)
{
	struct kthread *t = thread_of_id((uint32_t)h);

	if (!t)
		return -SCHED_EINVAL;
	*out = (struct sched_ref){ &t->st, (uint32_t)(h >> 32) };
	return 0;
}

static void name_copy(char *dst, const char *src, size_t cap)
{
	size_t i = 0;

	for (; src && src[i] && i + 1 < cap; i++)
		dst[i] = src[i];
	for (; i < cap; i++)
		dst[i] = 0;
}

/* The thread holds an SC of its own: what a profile decision asks (a thread with one
 * keeps it). */
static uint32_t has_sc(struct sched_ref r)
{
	return r.t && __atomic_load_n(&r.t->own_sc, __ATOMIC_ACQUIRE) != NULL;
}

static void taken_of(struct sched_ticket t, const struct sched_request *r, struct sched_ref who,
		     struct kpol_taken *out)
{
	*out = (struct kpol_taken){
		.ticket = handle_of(t.slot, t.gen), .epoch = t.epoch, .kind = r->kind,
		.who = thread_handle(who), .thread = thread_handle(r->thread),
		.who_has_sc = has_sc(who), .thread_has_sc = has_sc(r->thread),
		.sc_index = r->sc.index, .sc_gen = r->sc.gen, .sc_rights = r->sc.rights,
		.lease_index = r->lease.index, .lease_gen = r->lease.gen,
		.sc_params = sc_params_out(&r->sc_params), .cpus = r->cpus.w[0],
		.timeout_ns = r->timeout_ns };
	name_copy(out->profile, r->profile, sizeof(out->profile));
	if (r->kind == SCHED_REQ_ISLAND && r->island) { /* the kernel's copy (kext) */
		const struct sched_island_params *ip = r->island;
		const struct sched_island_member *m = &ip->members[0];

		out->island_cpu = sched_cpumask_next(&ip->cpus, 0);
		out->island_budget_ns = m->p.budget_ns;
		out->island_period_ns = m->p.period_ns;
		out->island_pages = ip->nr_mem ? ip->mem[0].pages : 0;
	}
	if (r->kind == SCHED_REQ_GRAPH && r->graph) {
		const struct sched_graph *g = r->graph;

		out->graph_nodes = g->nr_nodes;
		out->graph_budgets = g->nr_budgets;
		out->graph_period_ns = g->period_ns;
		out->graph_deadline_ns = g->deadline_ns;
		for (unsigned i = 0; i < g->nr_nodes && i < KPOL_GRAPH_NODES; i++) {
			const struct sched_graph_node *n = &g->node[i];

			out->graph_node[i].thread = thread_handle(n->thread);
			out->graph_node[i].budget = n->budget;
			out->graph_node[i].prio = n->prio;
			out->graph_node[i].queue = n->queue;
			out->graph_node[i].cost_ns = n->cost_ns;
		}
		for (unsigned b = 0; b < g->nr_budgets && b < KPOL_GRAPH_NODES; b++) {
			out->graph_budget[b].index = g->budgets[b].index;
			out->graph_budget[b].gen = g->budgets[b].gen;
		}
	}
}

/*
 * SYS_POLICY_TAKE(out): the oldest pending request, parked until there is one. Returns
 * -SCHED_EAGAIN without one when the kernel pokes the service (it has something to tell
 * it in its shared page) or kills it; -SCHED_EPERM if the caller is not the service.
 */
static int64_t sys_take(struct kthread *me, uint64_t va)
{
	struct sched_request r;
	struct sched_ref who;
	struct sched_ticket t;
	struct kpol_taken out;
	unsigned long f;
	int err;

	if (!user_writable(me, va, sizeof(out)))
		return -SCHED_EINVAL;
	while ((err = sched_policy_take(&ksys, &kpol_queue, sched_ref_of(&me->st), &t, &r,
					&who)) == -SCHED_EAGAIN) {
		if (__atomic_exchange_n(&poked, 0, __ATOMIC_ACQ_REL) ||
		    __atomic_load_n(&me->killed, __ATOMIC_ACQUIRE))
			return -SCHED_EAGAIN;
		thread_park();
	}
	if (err < 0)
		return err;
	f = table_take();
	taken[t.slot] = (struct ktaken){ .t = t, .kind = r.kind, .live = true,
					 .tid = r.thread.t ? r.thread.t->id : 0 };
	memcpy(taken[t.slot].profile, r.profile, sizeof(r.profile));
	table_give(f);
	taken_of(t, &r, who, &out);
	user_copy(me, va, &out, sizeof(out), true); /* checked writable above */
	return 0;
}

/* The service's taken request of handle h (copied out of the table). */
static int taken_get(struct kthread *me, uint64_t h, struct ktaken *out)
{
	uint32_t slot = (uint32_t)(h & 0xffff);
	unsigned long f;
	int r = 0;

	if (me != service)
		return -SCHED_EPERM;
	if (h >> 48 || slot >= KPOL_SLOTS)
		return -SCHED_EINVAL;
	f = table_take();
	*out = taken[slot];
	if (!out->live || out->t.gen != (uint32_t)(h >> 16))
		r = -SCHED_ESTALE;
	table_give(f);
	return r;
}

/* A taken request was answered (or its ticket is over): forget it; a profile given by name
 * is remembered for its thread (a restarted service asks, SYS_POLICY_THREAD_AT). */
static void taken_done(const struct ktaken *k, bool served)
{
	unsigned long f = table_take();

	if (taken[k->t.slot].t.gen == k->t.gen)
		taken[k->t.slot].live = false;
	if (served && k->kind == SCHED_REQ_PROFILE && k->tid && k->tid <= MAX_THREADS)
		memcpy(profile_of[k->tid - 1], k->profile, SCHED_PROFILE_NAME_MAX);
	table_give(f);
}

/*
 * SYS_POLICY_SERVE(ticket, decision): sched_policy_serve with the service's authority, as
 * decided. An SC in the decision must be one the service created through the kernel;
 * libsched configures it, binds it and answers with a capability of READ | BIND.
 */
static int64_t sys_serve(struct kthread *me, uint64_t h, uint64_t va)
{
	struct kpol_decision kd;
	struct sched_decision d = { 0 };
	struct ktaken k;
	int err;

	if ((err = taken_get(me, h, &k)) < 0)
		return err;
	if (!user_copy(me, va, &kd, sizeof(kd), false))
		return -SCHED_EINVAL;
	d.fair = (struct sched_fair_params){ .nice = kd.nice, .idle_weight = kd.idle_weight != 0,
					     .slice_ns = kd.slice_ns };
	kd.sc_params.endpoint = 0;
	d.sc_params = sc_params_in(&kd.sc_params);
	d.cpus.w[0] = kd.cpus;
	d.own_cookie = kd.own_cookie != 0;
	d.sc.index = SCHED_NO_SC;
	if ((k.kind == SCHED_REQ_ADMIT_SC || k.kind == SCHED_REQ_PROFILE) &&
	    kd.sc_index != KPOL_NO_SC && (err = sc_cap_of(kd.sc_index, kd.sc_gen, &d.sc)) < 0)
		return err; /* the request stays taken: the service may deny it */
	err = sched_policy_serve(&ksys, &kpol_queue, sched_ref_of(&me->st), svc_auth(), k.t, &d);
	if (err != -SCHED_EINVAL && err != -SCHED_EPERM)
		taken_done(&k, err == 0);
	return err;
}

/* SYS_POLICY_DENY(ticket, err): refused with err (a negative SCHED_E* code). */
static int64_t sys_deny(struct kthread *me, uint64_t h, uint64_t e)
{
	int64_t err = (int64_t)e;
	struct ktaken k;
	int r;

	if ((r = taken_get(me, h, &k)) < 0)
		return r;
	if (err >= 0 || err <= -SCHED_ERR_COUNT)
		return -SCHED_EINVAL;
	r = sched_policy_deny(&ksys, &kpol_queue, sched_ref_of(&me->st), k.t, (int)err);
	if (r != -SCHED_EINVAL && r != -SCHED_EPERM)
		taken_done(&k, false);
	return r;
}

/* SYS_POLICY_SET_FAIR(thread, params): a profile changed under a thread that runs with it
 * (a manifest loaded for the existing threads too), with the service's authority. */
static int64_t sys_set_fair(struct kthread *me, uint64_t h, uint64_t va)
{
	struct sched_fair_params fp;
	struct sched_ref ref;
	struct kpol_fair kf;
	int r;

	if (me != service)
		return -SCHED_EPERM;
	if (!user_copy(me, va, &kf, sizeof(kf), false))
		return -SCHED_EINVAL;
	if ((r = thread_ref(h, &ref)) < 0)
		return r;
	fp = (struct sched_fair_params){ .nice = kf.nice, .idle_weight = kf.idle_weight != 0,
					 .slice_ns = kf.slice_ns };
	return sched_set_fair(&ksys, svc_auth(), ref, &fp);
}

/* A live thread of a requesters' process. */
static bool app_thread(struct kthread *t)
{
	return t && t->proc && t->proc->group.parent == &kpolicy_apps &&
	       __atomic_load_n(&t->st.state, __ATOMIC_ACQUIRE) != SCHED_EXITED;
}

/* SYS_POLICY_ATTRS(thread, out): what the manifest's rules match on, for the service; of
 * the caller itself for thread 0 (a service learning its own handle before it attaches). */
static int64_t sys_attrs(struct kthread *me, uint64_t h, uint64_t va)
{
	struct kpol_attrs out = { 0 };
	struct sched_ref ref = sched_ref_of(&me->st);
	struct kthread *t = me;
	sched_cpumask_t cpus;

	if (!me->proc || !me->proc->policy_service || (h && me != service))
		return -SCHED_EPERM;
	if (!user_writable(me, va, sizeof(out)) || (h && thread_ref(h, &ref) < 0))
		return -SCHED_EINVAL;
	t = kthread_of(ref.t);
	if (__atomic_load_n(&t->st.gen, __ATOMIC_ACQUIRE) != ref.gen ||
	    (h && !app_thread(t)))
		return -SCHED_ESTALE;
	cpus = t->st.affinity;
	for (unsigned w = 0; w < SCHED_CPUMASK_WORDS; w++)
		cpus.w[w] &= ksys.online.w[w];
	out = (struct kpol_attrs){ .tid = t->st.id, .gen = ref.gen, .group = t->proc->group.id,
				   .session = t->proc->group.parent ? t->proc->group.parent->id : 0,
				   .cpus = cpus.w[0] };
	name_copy(out.process, t->proc->name, sizeof(out.process));
	user_copy(me, va, &out, sizeof(out), true);
	return 0;
}

/* SYS_POLICY_THREAD_AT(i, out): the i-th live thread of the requesters' processes (a
 * restarted service rebuilds its table from them), and the profile it was given by name. */
static int64_t sys_thread_at(struct kthread *me, uint64_t i, uint64_t va)
{
	struct kpol_thread_at out = { 0 };
	uint64_t seen = 0;

	if (me != service)
		return -SCHED_EPERM;
	if (!user_writable(me, va, sizeof(out)))
		return -SCHED_EINVAL;
	for (uint32_t id = 1; id <= MAX_THREADS; id++) {
		struct kthread *t = thread_of_id(id);

		if (!t)
			break;
		if (!app_thread(t) || seen++ != i)
			continue;
		out.thread = thread_handle(sched_ref_of(&t->st));
		out.has_sc = has_sc(sched_ref_of(&t->st));
		name_copy(out.profile, profile_of[id - 1], sizeof(out.profile));
		user_copy(me, va, &out, sizeof(out), true);
		return 1;
	}
	return 0;
}

/*
 * SYS_POLICY_MANIFEST(index, buffer, length): copies manifest `index` (KPOL_MANIFEST_CURRENT:
 * the one in force) into the service's buffer, as much as fits; returns its size. With no
 * buffer and length 0 it records that the service now runs with `index` (a restarted
 * service then starts from it). -SCHED_EINVAL for a manifest not passed at boot.
 */
static int64_t sys_manifest(struct kthread *me, uint64_t index, uint64_t va, uint64_t len)
{
	long size;

	if (!me->proc || !me->proc->policy_service)
		return -SCHED_EPERM;
	if (index == KPOL_MANIFEST_CURRENT)
		index = manifest_current;
	if (index >= KPOL_MANIFESTS || (size = manifest_size[index]) < 0)
		return -SCHED_EINVAL;
	if (!va && !len) {
		manifest_current = (unsigned)index;
		return 0;
	}
	if (!user_copy(me, va, manifests[index], len < (uint64_t)size ? len : (size_t)size, true))
		return -SCHED_EINVAL;
	return size;
}

/* SYS_POLICY_WHY(query): decision records, oldest first: for the service any, for a
 * requester only its own process's (the group is forced). */
static int64_t sys_why(struct kthread *me, uint64_t va)
{
	struct sched_why recs[KPOL_WHY_MAX];
	struct kpol_why_query q;
	struct sched_why_filter f;
	unsigned n;

	if (!me->proc)
		return -SCHED_EPERM;
	if (!user_copy(me, va, &q, sizeof(q), false) || q.max > KPOL_WHY_MAX ||
	    (q.kinds & ~(uint32_t)SCHED_WHY_ALL) || q.obj_kind >= SCHED_OBJ_NR ||
	    !user_writable(me, q.out, (size_t)(q.max ? q.max : 1) * sizeof(recs[0])))
		return -SCHED_EINVAL;
	f = (struct sched_why_filter){ .kinds = q.kinds, .tid = q.tid, .group = q.group,
				       .obj_kind = (uint8_t)q.obj_kind, .obj = q.obj,
				       .after = q.after };
	if (me != service)
		f.group = me->proc->group.id;
	n = sched_explain_read(&ksys, &f, recs, q.max);
	user_copy(me, q.out, recs, n * sizeof(recs[0]), true);
	return n;
}

/* SYS_POLICY_FORMAT(record, buffer, length): sched_explain_format's line for a record. */
static int64_t sys_format(struct kthread *me, uint64_t rec, uint64_t va, uint64_t len)
{
	char line[KPOL_LINE_MAX];
	struct sched_why w;
	unsigned n;

	if (!user_copy(me, rec, &w, sizeof(w), false) || !len)
		return -SCHED_EINVAL;
	n = sched_explain_format(&w, line, sizeof(line));
	if (len > sizeof(line))
		len = sizeof(line);
	line[len - 1] = 0;
	if (!user_copy(me, va, line, len, true))
		return -SCHED_EINVAL;
	return n;
}

/* SYS_POLICY_SC_INFO(index, gen, out): the SC slot's generation and state, and the figures
 * of one of the service's SCs (the table's). */
static int64_t sys_sc_info(struct kthread *me, uint64_t index, uint64_t gen, uint64_t va)
{
	struct kpol_sc_info out = { 0 };
	struct sched_sc_stats st;
	struct sched_sc *sc;
	unsigned long f;
	int i;

	if (me != service)
		return -SCHED_EPERM;
	if (index >= ksys.nr_scs || !user_writable(me, va, sizeof(out)))
		return -SCHED_EINVAL;
	sc = &ksys.scs[index];
	out.gen = __atomic_load_n(&sc->gen, __ATOMIC_ACQUIRE);
	out.state = __atomic_load_n(&sc->state, __ATOMIC_ACQUIRE);
	f = table_take();
	i = sc_find((uint32_t)index, (uint32_t)gen);
	table_give(f);
	if (i >= 0 && sched_sc_stats(&ksys, pscs[i].cap, &st) == 0)
		out = (struct kpol_sc_info){ out.gen, out.state, st.consumed_ns, st.jobs,
					     st.deadline_misses, st.throttled_ns, st.depletions,
					     st.max_lateness_ns };
	user_copy(me, va, &out, sizeof(out), true);
	return out.gen == (uint32_t)gen ? 0 : -SCHED_ESTALE;
}

int64_t kpolicy_syscall(struct kthread *me, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	switch (nr) {
	case SYS_POLICY_SUBMIT:
		return sys_submit(me, a0, a1);
	case SYS_POLICY_WAIT:
		return sys_wait(me, a0, a1);
	case SYS_POLICY_ATTACH:
		return sys_attach(me);
	case SYS_POLICY_TAKE:
		return sys_take(me, a0);
	case SYS_POLICY_SERVE:
		return sys_serve(me, a0, a1);
	case SYS_POLICY_DENY:
		return sys_deny(me, a0, a1);
	case SYS_POLICY_WHY:
		return sys_why(me, a0);
	case SYS_POLICY_MANIFEST:
		return sys_manifest(me, a0, a1, a2);
	case SYS_POLICY_SET_FAIR:
		return sys_set_fair(me, a0, a1);
	case SYS_POLICY_SC_CREATE:
		return sys_sc_create(me, a0, a1);
	case SYS_POLICY_SC_REVOKE:
		return sys_sc_revoke(me, a0);
	case SYS_POLICY_ATTRS:
		return sys_attrs(me, a0, a1);
	case SYS_POLICY_THREAD_AT:
		return sys_thread_at(me, a0, a1);
	case SYS_POLICY_FORMAT:
		return sys_format(me, a0, a1, a2);
	case SYS_POLICY_SC_INFO:
		return sys_sc_info(me, a0, a1, a2);
	case SYS_CLOCK:
		return (int64_t)clock_ns();
	default:
		return -SCHED_EINVAL;
	}
}

/*
 * The last thread of p exited. Its tickets are dropped: libsched refuses them now that
 * their requesters have exited, and frees the answers nobody will collect at the next
 * submission or expiry sweep. Every SC made for its group is revoked (its threads are
 * gone). A request still pending stays in its slot: libsched's queue has no way to cancel
 * one, so it gets its default at its deadline and its slot is freed by the next
 * submission after that (sys_submit sweeps). The service's own process: no service is
 * attached any more. Returns the SCs revoked.
 */
int kpolicy_process_exit(struct kprocess *p)
{
	struct kext *e;
	struct sched_answer a;
	unsigned long f;
	int err;

	for (unsigned i = 0; i < KPOL_SLOTS; i++) {
		struct kticket k;

		f = table_take();
		k = tickets[i];
		table_give(f);
		if (!k.live || k.proc != p)
			continue;
		err = sched_policy_result(&ksys, &kpol_queue, k.who, k.t, &a);
		if (err == -SCHED_EAGAIN)
			continue;
		f = table_take();
		tickets[i].live = false;
		table_give(f);
		/* An answer its requester can no longer collect (-SCHED_ESTALE: it exited) leaves
		 * its copy bound, made an orphan below: an island libsched admitted for it is
		 * its group's, already revoked by kisland_process_exit. */
		if (err == 0 && (e = ext_claim(k.t)))
			ext_answer(NULL, e, &a, NULL); /* an island admitted: revoked */
	}
	f = table_take();
	for (unsigned i = 0; i < KPOL_SLOTS; i++) /* pending: swept once libsched frees them */
		if (exts[i].state == EXT_BOUND && exts[i].proc == p)
			exts[i].orphan = true;
	table_give(f);
	if (service && service->proc == p)
		service = NULL;
	return sc_drop_owned(p);
}

_Static_assert(KPOL_GRAPH_NODES == SCHED_GRAPH_NODES_MAX &&
		       KPOL_NO_BUDGET == SCHED_GRAPH_NO_BUDGET &&
		       KPOL_ANY_QUEUE == SCHED_GRAPH_ANY_QUEUE && KPOL_NO_IRQ == KISLAND_NO_IRQ &&
		       KPOL_NO_SERVICE == KISLAND_NO_SERVICE,
	       "the ABI's constants are libsched's and kisland.c's");
_Static_assert(SYS_POLICY_SUBMIT == SYS_ISLAND_REVOKE + 1 && SYS_CLOCK == 40,
	       "the policy calls follow the island calls (kernel.h, docs/x86_64.md)");
