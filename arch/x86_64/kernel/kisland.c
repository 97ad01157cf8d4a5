/* SPDX-License-Identifier: MIT */
/*
 * kisland.c - realtime islands (sched/island.h) for ring-3 processes: the island slots and
 * the kernel's memory pools, the IRQ routing hook (sched_config.island_irq) with its record,
 * the three system calls, the end of a process's islands, and the report hook for a member
 * thread's blocking calls and console writes (docs/x86_64.md "Realtime islands").
 *
 * The kernel holds the root authority and is the one that admits: a thread of a kprocess
 * asks, with a request in its shared page (kernel.h, struct kisland_req), for an island for
 * itself: one member SC (sporadic, deadline = period, partitioned on the CPU asked), that
 * CPU leased to its process's group, pages of the "dma" pool, one IRQ line and at most one
 * path to a kernel service. The kernel copies the request once and reads only the copy.
 * Before it asks libsched, it allocates the pages (page_alloc) and creates the SC; libsched
 * books the pages against the pool, and a refusal gives both back, so a refused request
 * changes nothing. Admitted, the caller is moved onto its CPU, bound to the SC, and gets a
 * handle: the island's capability, index | gen << 16; the verdict (and, refused, the line
 * sched_island_explain prints) is written back into the request.
 *
 * The realtime path never allocates: the pages are the island's from its admission to its
 * revocation. SYS_ISLAND_WAIT ends a job (the thread blocks on its own SC, which is where
 * libsched counts a miss) and sleeps to the next release, a period after the last one.
 *
 * IRQs: this kernel routes no device interrupt anywhere (no IO APIC is programmed; the
 * 8259's lines are all masked: platform_device_irqs). So island_irq cannot route a line to
 * a CPU; it records the routing libsched asked for (kirq[]: the CPU while reserved, and the
 * calls each way), which the test compares. A kernel with an IO APIC would write the line's
 * redirection entry here (destination: the CPU's APIC id), with libsched's locks held and
 * interrupts off, as the hook must. The reserved IRQ's rate and cost are counted by the
 * admission on its CPU all the same.
 *
 * Reports: a member thread's blocking system calls (sleep, mutex lock, condition wait,
 * barrier wait, receive) are reported as SCHED_ISLAND_V_BLOCK, the lock with its mutex's
 * owner as the peer (the others wait on no thread); libsched answers -SCHED_EPATH when the
 * peer is not a server on its declared paths, and the call is refused with that error. A
 * SYS_WRITE is SCHED_ISLAND_V_LOG: counted, and the line is written. An IPC call
 * (SYS_CALL) is checked by sched_call itself (SCHED_ISLAND_V_CALL). Every violation is
 * counted per island by libsched and sent to the island's endpoint (knotify_sink).
 * Periodic waits go through SYS_ISLAND_WAIT, which is the island's own and not a report.
 */
#include <sched/mutex.h>

#include "kernel.h"

#define KISLAND_REFILLS 8
#define KISLAND_REFILL_SETS (KERNEL_ISLANDS + 2) /* + requests being decided */

static struct sched_island islands[KERNEL_ISLANDS];
struct kisland kislands[KERNEL_ISLANDS];
struct sched_mem_pool kpools[KPOOL_NR] = {
	[KPOOL_DMA] = { .name = "dma", .pages = KPOOL_DMA_PAGES },
};
struct kirq_route kirq[KISLAND_IRQ_LINES];
uint64_t kirq_out_of_range;

/* Refill rings for the member SCs: one set per SC being created or admitted. */
static struct sched_refill refills[KISLAND_REFILL_SETS][KISLAND_REFILLS];
static uint8_t refills_used[KISLAND_REFILL_SETS];

/* Services islands may name on a path: passive kernel threads. */
struct kservice {
	struct kthread *t;
	const char *name;
};
static struct kservice services[KISLAND_SERVICES];
static unsigned nr_services;

/* Admission's scratch: room for the analysis of one CPU with every SC of the pool. */
static struct sched_rt_task scratch[KERNEL_SCS + 1];

/* kislands[], refills_used[], services[]: taken with interrupts off (a kernel thread reads
 * the table too, and must not be preempted holding it), outside libsched's locks. */
static uint32_t table_lock;

static unsigned long table_take(void)
{
	return table_lock_take(&table_lock);
}

static void table_give(unsigned long f)
{
	table_lock_give(&table_lock, f);
}

void kisland_init(void)
{
	if (sched_island_pool(&ksys, islands, KERNEL_ISLANDS) < 0)
		panic("sched_island_pool failed");
	if (sched_island_mem_pools(&ksys, kpools, KPOOL_NR) < 0)
		panic("sched_island_mem_pools failed");
	for (unsigned l = 0; l < KISLAND_IRQ_LINES; l++)
		kirq[l].cpu = 0xffff;
}

/* Admission on for every SC configured from now on (sched_sc_admission: it starts from an
 * empty system, so a boot turns it on before its first SC or fixed priority). */
int kisland_admission_on(void)
{
	int r = sched_sc_admission(&ksys, sched_auth_root(&ksys), scratch, KERNEL_SCS + 1,
				   SCHED_RT_FIRST_FIT);

	return r == -SCHED_EEXIST ? 0 : r;
}

int kisland_service(struct kthread *t, const char *name)
{
	unsigned long f;
	int r = -SCHED_EFULL;

	f = table_take();
	if (nr_services < KISLAND_SERVICES) {
		services[nr_services] = (struct kservice){ t, name };
		r = (int)nr_services++;
	}
	table_give(f);
	return r;
}

static int64_t handle_of(struct sched_island_cap cap)
{
	return (int64_t)((uint64_t)cap.gen << 16 | cap.index);
}

int kisland_cap_of(int64_t handle, struct sched_island_cap *cap)
{
	if (handle < 0 || (uint64_t)handle >> 48 || (handle & 0xffff) >= KERNEL_ISLANDS)
		return -SCHED_EINVAL;
	*cap = (struct sched_island_cap){ .index = (uint32_t)(handle & 0xffff),
					  .gen = (uint32_t)((uint64_t)handle >> 16) };
	return 0;
}

struct kisland *kisland_of(struct kthread *t)
{
	for (unsigned i = 0; i < KERNEL_ISLANDS; i++)
		if (__atomic_load_n(&kislands[i].live, __ATOMIC_ACQUIRE) && kislands[i].member == t)
			return &kislands[i];
	return NULL;
}

unsigned kisland_pages_held(void)
{
	unsigned long f;
	unsigned n = 0;

	f = table_take();
	for (unsigned i = 0; i < KERNEL_ISLANDS; i++)
		if (kislands[i].live)
			n += kislands[i].npages;
	table_give(f);
	return n;
}

/* A free refill set, or -1. Table locked. */
static int refills_take(void)
{
	for (int i = 0; i < KISLAND_REFILL_SETS; i++)
		if (!refills_used[i]) {
			refills_used[i] = 1;
			return i;
		}
	return -1;
}

static void pages_free(uint64_t *pages, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		page_free(pages[i]);
}

/* The request at user address va, if va is one of the shared page's request slots. */
static volatile struct kisland_req *req_at(struct kprocess *p, uint64_t va)
{
	uint64_t base = USER_SHARED + __builtin_offsetof(struct kshared, isl);

	if (va < base || (va - base) % sizeof(struct kisland_req) ||
	    (va - base) / sizeof(struct kisland_req) >= KSHARED_ISLAND_REQS)
		return NULL;
	return &p->shared->isl[(va - base) / sizeof(struct kisland_req)];
}

/* The verdict (and its line) into the request, for ring 3 and the test. */
static void answer(volatile struct kisland_req *out, int64_t r,
		   const struct sched_island_verdict *v, const struct sched_island_params *ip)
{
	char why[sizeof(out->why)];

	out->accepted = v->accepted;
	out->resource = v->resource;
	out->test = v->test;
	out->index = v->index;
	out->other = v->other;
	out->demand = v->demand;
	out->supply = v->supply;
	out->at = v->at;
	out->cpu_of = v->accepted ? v->cpu_of[0] : 0xffff;
	if (ip && !v->accepted && v->test != SCHED_ISLAND_OK)
		sched_island_explain(v, ip, kpools, why, sizeof(why));
	else
		why[0] = 0;
	for (unsigned i = 0; i < sizeof(why); i++)
		out->why[i] = why[i];
	out->result = r;
}

/* The checks the kernel makes itself, on the copy, before anything is allocated: what it
 * must index or allocate with. The rest (budget, period, the IRQ's gap and cost, the
 * service's cost against the budget) is libsched's to check and to refuse. */
static int req_check(const struct kpol_island *q)
{
	if (q->cpu >= ksys.nr_cpus)
		return -SCHED_ECPU;
	if (q->dma_pages > KISLAND_PAGES_MAX ||
	    (q->irq_line != KISLAND_NO_IRQ && q->irq_line >= KISLAND_IRQ_LINES) ||
	    (q->service != KISLAND_NO_SERVICE && q->service >= nr_services) ||
	    q->irq_gap_ns >> 62 || q->irq_cost_ns >> 62 || q->service_cost_ns >> 62)
		return -SCHED_EINVAL;
	return 0;
}

/*
 * The translation both ways in share (SYS_ISLAND_ADMIT, and an ISLAND request of the
 * policy service, kpolicy.c): the kernel's own copy q of what ring 3 asked, checked
 * (req_check), its resources taken before any admission (the pages, a refill set, the
 * member SC in p's group), and libsched's island parameters built in *x, pointing into
 * *x itself (so x must stay where it is until the admission is over). -SCHED_ECPU,
 * -SCHED_EINVAL, -SCHED_EFULL (no pages, refill set or SC), with nothing held; 0 with the
 * resources held (kisland_release gives them back, kisland_commit keeps them).
 */
int kisland_prepare(struct kprocess *p, const struct kpol_island *q, struct kisland_prep *x)
{
	unsigned long f;
	unsigned n = 0;
	int set, r;

	*x = (struct kisland_prep){ 0 };
	if ((r = req_check(q)) < 0)
		return r;
	/* the pages first, before the admission (never on the realtime path) */
	for (; n < q->dma_pages; n++)
		if (!(x->pages[n] = page_alloc()))
			break;
	f = table_take();
	set = n == q->dma_pages ? refills_take() : -1;
	table_give(f);
	if (set < 0) {
		pages_free(x->pages, n);
		return -SCHED_EFULL;
	}
	r = sched_sc_create(&ksys, &p->group, refills[set], KISLAND_REFILLS, &x->sc);
	if (r < 0) {
		pages_free(x->pages, n);
		f = table_take();
		refills_used[set] = 0;
		table_give(f);
		return r;
	}
	x->npages = n;
	x->refills = (unsigned)set;
	x->cpu = (unsigned)q->cpu;
	x->period_ns = q->period_ns;
	x->proc = p;
	x->held = true;
	x->m.sc = x->sc;
	x->m.name = "loop";
	x->m.p = (struct sched_sc_params){ .budget_ns = q->budget_ns, .period_ns = q->period_ns,
					   .mode = SCHED_SC_SPORADIC,
					   .dispatch = SCHED_SC_PARTITIONED };
	sched_cpumask_set(&x->m.p.cpus, (unsigned)q->cpu);
	x->ip.group = &p->group;
	x->ip.cpus = x->m.p.cpus;
	x->ip.cpu_mode = SCHED_ISLAND_LEASED;
	x->ip.overrun = SCHED_SC_THROTTLE;
	x->ip.endpoint = KISLAND_ENDPOINT;
	x->ip.name = p->name;
	x->ip.members = &x->m;
	x->ip.nr_members = 1;
	if (q->irq_line != KISLAND_NO_IRQ) {
		x->irq = (struct sched_island_irq){ .line = (uint32_t)q->irq_line,
						    .cpu = (uint16_t)q->cpu,
						    .min_gap_ns = q->irq_gap_ns,
						    .cost_ns = q->irq_cost_ns, .name = "sensor" };
		x->ip.irqs = &x->irq;
		x->ip.nr_irqs = 1;
	}
	if (q->dma_pages) {
		x->mem = (struct sched_island_mem){ .pool = KPOOL_DMA, .pages = q->dma_pages };
		x->ip.mem = &x->mem;
		x->ip.nr_mem = 1;
	}
	if (q->service != KISLAND_NO_SERVICE) {
		x->srv = (struct sched_island_server){
			sched_ref_of(&services[q->service].t->st), services[q->service].name };
		x->path = (struct sched_island_path){ .from = 0, .to = 0, .calls = 1,
						      .cost_ns = q->service_cost_ns };
		x->ip.servers = &x->srv;
		x->ip.nr_servers = 1;
		x->ip.paths = &x->path;
		x->ip.nr_paths = 1;
	}
	return 0;
}

/* Nothing of a prepared request stays: its SC (revoked: -SCHED_ESTALE if an island's
 * revocation took it already), its pages, its refill set. Not for an admitted island that
 * is still live (kisland_commit). */
void kisland_release(struct kisland_prep *x)
{
	unsigned long f;

	if (!x->held)
		return;
	x->held = false;
	sched_sc_revoke(&ksys, x->sc);
	pages_free(x->pages, x->npages);
	f = table_take();
	refills_used[x->refills] = 0;
	table_give(f);
}

/* An admitted island's slot, from its prepared request (table locked). */
static struct kisland *record_locked(struct kisland_prep *x, struct sched_island_cap cap,
				     struct kthread *member)
{
	struct kisland *k = &kislands[cap.index];

	*k = (struct kisland){ .index = cap.index, .gen = cap.gen, .proc = x->proc,
			       .member = member, .sc_index = x->sc.index, .sc_gen = x->sc.gen,
			       .affinity = member->st.affinity, .cpu = x->cpu,
			       .refills = x->refills, .period_ns = x->period_ns,
			       .npages = x->npages };
	memcpy(k->pages, x->pages, x->npages * sizeof(x->pages[0]));
	x->held = false; /* the island's now */
	__atomic_store_n(&k->live, 1, __ATOMIC_RELEASE);
	return k;
}

/* The member onto the island's leased CPU (its group's now), then on the SC from there;
 * -SCHED_E* (the island revoked again) if the bind fails. */
static int64_t member_start(struct kthread *me, struct kisland *k, struct kthread *member,
			    struct sched_island_cap cap)
{
	struct sched_sc_cap sc = { k->sc_index, k->sc_gen, SCHED_SC_ALL };
	sched_cpumask_t one;
	int r;

	if (member == me) {
		thread_pin_self((int)k->cpu);
	} else {
		sched_cpumask_clear(&one);
		sched_cpumask_set(&one, k->cpu);
		sched_set_affinity(&ksys, sched_ref_of(&member->st), &one);
	}
	r = sched_sc_bind(&ksys, sc, sched_ref_of(&member->st));
	k->next_ns = clock_ns() + k->period_ns;
	if (r < 0) {
		kprintf("# kisland: bind failed: %s\n", sched_strerror(r));
		kisland_sys_revoke(me, (uint64_t)handle_of(cap));
		return r;
	}
	return handle_of(cap);
}

/*
 * An island libsched admitted from a prepared request outside this file (the policy
 * service's ISLAND, kpolicy.c) becomes the process's, as SYS_ISLAND_ADMIT's: recorded in
 * kislands[] (so SYS_ISLAND_REVOKE and the process's exit end it), its member moved to its
 * CPU and bound to the SC. Called by a thread of x's process (me); member: the thread the
 * request was for, or NULL if it exited since: the island is revoked and its resources
 * given back. Returns the island's handle, or the error (nothing of it left).
 */
int64_t kisland_commit(struct kthread *me, struct kisland_prep *x, struct sched_island_cap cap,
		       struct kthread *member)
{
	struct kisland *k;
	unsigned long f;

	if (!member || __atomic_load_n(&member->st.state, __ATOMIC_ACQUIRE) == SCHED_EXITED ||
	    kisland_of(member)) {
		sched_island_revoke(&ksys, sched_auth_root(&ksys), cap);
		kisland_release(x);
		return -SCHED_ESTALE;
	}
	f = table_take();
	k = record_locked(x, cap, member);
	table_give(f);
	return member_start(me, k, member, cap);
}

/* SYS_ISLAND_ADMIT's request as the policy ABI's (the asked half of struct kisland_req). */
static struct kpol_island asked_of(const struct kisland_req *q)
{
	return (struct kpol_island){ .cpu = q->cpu, .period_ns = q->period_ns,
				     .budget_ns = q->budget_ns, .dma_pages = q->dma_pages,
				     .irq_line = q->irq_line, .irq_gap_ns = q->irq_gap_ns,
				     .irq_cost_ns = q->irq_cost_ns, .service = q->service,
				     .service_cost_ns = q->service_cost_ns };
}

/*
 * SYS_ISLAND_ADMIT(request): only a kprocess thread (-SCHED_EPERM), not a member of an
 * island already (-SCHED_EEXIST), with a request in one of its shared page's slots
 * (-SCHED_EINVAL), whose CPU exists (-SCHED_ECPU) and whose fields the kernel can take
 * (-SCHED_EINVAL: pages over KISLAND_PAGES_MAX, a line past KISLAND_IRQ_LINES, no such
 * service; budget and period are libsched's to check). Then the pages and the SC
 * (-SCHED_EFULL without), and sched_island_admit's answer as it is. Admitted: the caller
 * runs on its CPU on the member SC when this returns the handle.
 */
int64_t kisland_sys_admit(struct kthread *me, uint64_t req_va)
{
	struct kprocess *p = me->proc;
	volatile struct kisland_req *out;
	struct kisland_req copy;
	struct kpol_island q;
	struct sched_island_verdict v = { 0 };
	struct sched_island_cap cap;
	struct kisland_prep prep, *x = &prep; /* on this stack until the call is over */
	struct kisland *k = NULL;
	unsigned long f;
	int64_t h;
	int r;

	if (!p)
		return -SCHED_EPERM;
	if (!(out = req_at(p, req_va)))
		return -SCHED_EINVAL;
	copy = *(const struct kisland_req *)(const void *)out; /* one copy; only it is read */
	q = asked_of(&copy);
	if (kisland_of(me)) {
		answer(out, -SCHED_EEXIST, &v, NULL);
		return -SCHED_EEXIST;
	}
	if ((r = kisland_prepare(p, &q, x)) < 0) {
		answer(out, r, &v, NULL);
		return r;
	}
	f = table_take();
	r = sched_island_admit(&ksys, sched_auth_root(&ksys), &x->ip, &cap, &v);
	if (r == 0)
		k = record_locked(x, cap, me);
	table_give(f);
	if (r < 0) { /* nothing of it stays: the SC slot, the pages, the refill set */
		answer(out, r, &v, &x->ip);
		kisland_release(x);
		return r;
	}
	h = member_start(me, k, me, cap);
	answer(out, h, &v, &x->ip);
	return h;
}

/*
 * SYS_ISLAND_WAIT(): the calling member's job is done; it sleeps until its next release,
 * one period after the last. A job that ended after its next release skips the releases
 * already past (returns how many: the loop is late) rather than running back to back.
 * -SCHED_EPERM for a thread that is no island's member.
 */
int64_t kisland_sys_wait(struct kthread *me)
{
	struct kisland *k = kisland_of(me);
	uint64_t now = clock_ns(), next, skip = 0;

	if (!k)
		return -SCHED_EPERM;
	next = k->next_ns;
	if (next <= now) {
		skip = (now - next) / k->period_ns + 1;
		next += skip * k->period_ns;
	}
	k->next_ns = next + k->period_ns;
	k->waits++;
	k->waits_off_cpu += this_cpu() != k->cpu;
	k->skipped += skip;
	thread_sleep_until(next);
	return (int64_t)skip;
}

/* Revoke island slot k (table locked): its member off the SC first (a THROTTLE SC revoked
 * under its thread would leave that thread passive), then the island; its pages and refill
 * set back. Returns sched_island_revoke's result. */
static int revoke_locked(struct kisland *k)
{
	struct sched_island_cap cap = { k->index, k->gen };
	struct sched_sc_cap sc = { k->sc_index, k->sc_gen, SCHED_SC_ALL };
	int r;

	sched_sc_unbind(&ksys, sc); /* -SCHED_ESTATE: not bound (the member exited) */
	r = sched_island_revoke(&ksys, sched_auth_root(&ksys), cap);
	if (r == 0 || r == -SCHED_ESTALE) {
		__atomic_store_n(&k->live, 0, __ATOMIC_RELEASE);
		pages_free(k->pages, k->npages);
		refills_used[k->refills] = 0;
	}
	return r;
}

/*
 * SYS_ISLAND_REVOKE(handle): -SCHED_EPERM for a thread outside a kprocess or another
 * process's island, -SCHED_EINVAL for a handle no island could have, -SCHED_ESTALE for
 * one that is over. Revoked: the member is back in the fair class with its old affinity.
 */
int64_t kisland_sys_revoke(struct kthread *me, uint64_t handle)
{
	struct sched_island_cap cap;
	struct kthread *member = NULL;
	sched_cpumask_t aff;
	struct kisland *k;
	unsigned long f;
	int r;

	if (!me->proc)
		return -SCHED_EPERM;
	if (kisland_cap_of((int64_t)handle, &cap) < 0)
		return -SCHED_EINVAL;
	f = table_take();
	k = &kislands[cap.index];
	if (!k->live || k->gen != cap.gen) {
		r = -SCHED_ESTALE;
	} else if (k->proc != me->proc) {
		r = -SCHED_EPERM;
	} else {
		member = k->member;
		aff = k->affinity;
		r = revoke_locked(k);
	}
	table_give(f);
	if (r == 0 && member) {
		sched_set_affinity(&ksys, sched_ref_of(&member->st), &aff); /* -ESTALE: exited */
		if (member == me)
			thread_yield();
		else
			thread_preempt();
	}
	return r;
}

/* The last thread of p exited: every island its group owns is revoked. */
int kisland_process_exit(struct kprocess *p)
{
	unsigned long f;
	int n;

	f = table_take();
	n = sched_island_revoke_owned(&ksys, sched_auth_root(&ksys), &p->group);
	for (unsigned i = 0; i < KERNEL_ISLANDS; i++) {
		struct kisland *k = &kislands[i];

		if (k->live && k->proc == p) {
			__atomic_store_n(&k->live, 0, __ATOMIC_RELEASE);
			pages_free(k->pages, k->npages);
			refills_used[k->refills] = 0;
		}
	}
	table_give(f);
	return n;
}

/* --- reports from the realtime path --------------------------------------------------------- */

static int report(struct kisland *k, struct kthread *me, unsigned what, struct sched_thread *peer)
{
	struct sched_ref none = { 0 };
	int r = sched_island_report(&ksys, sched_ref_of(&me->st), what,
				    peer ? sched_ref_of(peer) : none);

	if (r != 0)
		k->reported[what]++;
	if (r == -SCHED_EPATH) {
		k->refused[what]++;
		return r;
	}
	return 0; /* allowed, or counted and let through (a log line) */
}

int64_t kisland_check_call(struct kthread *me, uint64_t nr, uint64_t a0)
{
	struct kisland *k = kisland_of(me);
	struct sched_mutex *m;

	if (!k)
		return 0;
	switch (nr) {
	case SYS_WRITE:
		return report(k, me, SCHED_ISLAND_V_LOG, NULL);
	case SYS_MUTEX_LOCK:
		if (!(m = ksync_mutex(a0)))
			return 0; /* ksync refuses the id */
		return report(k, me, SCHED_ISLAND_V_BLOCK,
			      __atomic_load_n(&m->owner, __ATOMIC_ACQUIRE));
	case SYS_SLEEP:
	case SYS_RECV:
	case SYS_COND_WAIT:
	case SYS_BARRIER_WAIT:
		return report(k, me, SCHED_ISLAND_V_BLOCK, NULL);
	default:
		return 0;
	}
}

/* --- the IRQ hook --------------------------------------------------------------------------- */

/*
 * sched_config.island_irq: route `line` to `cpu` for an island (reserve), or give it back
 * to the default routing. Called with libsched's locks held and interrupts off: it takes
 * no lock and calls nothing. There is no device interrupt to route here (see the top of
 * the file): the routing is recorded.
 */
void kisland_irq(void *ctx, unsigned line, unsigned cpu, bool reserve)
{
	struct kirq_route *r;

	(void)ctx;
	if (line >= KISLAND_IRQ_LINES) {
		__atomic_fetch_add(&kirq_out_of_range, 1, __ATOMIC_RELAXED);
		return;
	}
	r = &kirq[line];
	__atomic_store_n(&r->cpu, reserve ? (uint16_t)cpu : (uint16_t)0xffff, __ATOMIC_RELAXED);
	__atomic_store_n(&r->reserved, reserve, __ATOMIC_RELAXED);
	__atomic_fetch_add(reserve ? &r->routed : &r->released, 1, __ATOMIC_RELEASE);
}
