/* SPDX-License-Identifier: MIT */
/*
 * klease.c - CPU isolation leases (sched/lease.h) for ring-3 processes: the lease pool,
 * the two system calls, the end of a process's leases, and the port hook
 * (sched_config.lease_port) with its record (docs/x86_64.md "Leases and the poller").
 *
 * The kernel holds the root authority (sched_auth_root) and is the one that grants: a
 * thread of a kprocess asks for one CPU, for itself (KLEASE_THREAD) or for its whole
 * process (KLEASE_PROCESS, the process's group). A granted caller is moved onto its CPU
 * (its affinity becomes that CPU) and gets a handle: the lease's capability, index |
 * gen << 16. Only the process that asked may revoke through the handle; its old affinity
 * comes back then. A revoked lease's generation moves on, so every copy of its handle
 * fails closed with -SCHED_ESTALE. A holder thread's exit ends a thread lease (libsched,
 * in sched_exit); the last thread's exit ends every lease of its process
 * (klease_process_exit).
 *
 * What the port hook has to move: this kernel keeps no timer of its own (every LAPIC
 * deadline is libsched's, armed through sched_arch_set_timer, and sleeper timeouts are
 * libsched's too, moved by the grant itself); its only per-CPU deferred work is the
 * "come back online" request (cpu_online_request), which cannot be pending for a CPU that
 * is online, as a leased one is; and it routes no device interrupt to any CPU but the boot
 * CPU, and none there (the 8259 is masked, no IO APIC is programmed). So the hook finds
 * nothing to move: it looks, says what it found, and records the call. Were something
 * found, this kernel could not move it (8259 lines are wired to the boot CPU), and the
 * record says so (unmoved).
 */
#include "kernel.h"

static struct sched_lease pool[KERNEL_LEASES];

/* The kernel's side of each pool slot, for the lease last granted from it by a system
 * call: which process may revoke it, and whose affinity to give back. */
struct kgrant {
	struct sched_lease_cap cap;   /* as granted */
	struct kprocess *proc;        /* the process that asked */
	struct sched_ref caller;      /* the thread moved onto the CPU */
	sched_cpumask_t affinity;     /* its affinity before */
};

static struct kgrant grants[KERNEL_LEASES];
static uint32_t grants_lock;  /* the table; taken with interrupts off, outside libsched */
struct klease_port_cpu kport[MAX_CPUS];

static void grants_take(void)
{
	while (__atomic_exchange_n(&grants_lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&grants_lock, __ATOMIC_RELAXED))
			__asm__ volatile("pause");
}

static void grants_give(void)
{
	__atomic_store_n(&grants_lock, 0, __ATOMIC_RELEASE);
}

void klease_init(void)
{
	if (sched_lease_pool(&ksys, pool, KERNEL_LEASES) < 0)
		panic("sched_lease_pool failed");
}

static int64_t handle_of(struct sched_lease_cap cap)
{
	return (int64_t)((uint64_t)cap.gen << 16 | cap.index);
}

/* The capability a handle names; false for one no lease could have (index or bits). */
static bool cap_of(uint64_t handle, struct sched_lease_cap *cap)
{
	if (handle >> 48 || (handle & 0xffff) >= KERNEL_LEASES)
		return false;
	*cap = (struct sched_lease_cap){ .index = (uint32_t)(handle & 0xffff),
					 .gen = (uint32_t)(handle >> 16) };
	return true;
}

int klease_info(int64_t handle, struct sched_lease_info *out)
{
	struct sched_lease_cap cap;

	if (handle < 0 || !cap_of((uint64_t)handle, &cap))
		return -SCHED_EINVAL;
	return sched_lease_info(&ksys, cap, out);
}

/*
 * SYS_LEASE_GRANT(cpu, scope). Arguments first, each before it is used: only a thread of a
 * kprocess may ask (-SCHED_EPERM: the kernel must be able to end the lease with its
 * process), scope must be KLEASE_THREAD or KLEASE_PROCESS (-SCHED_EINVAL), the CPU must
 * exist (-SCHED_ECPU; libsched then refuses an offline, leased or last general-purpose
 * one). Granted, the caller moves onto the CPU at once.
 */
enum { KLEASE_GRANT_TRIES = 100 };

int64_t klease_sys_grant(struct kthread *me, uint64_t cpu, uint64_t scope)
{
	struct sched_lease_params p = { 0 };
	struct sched_lease_cap cap;
	int r;

	if (!me->proc)
		return -SCHED_EPERM;
	if (scope != KLEASE_THREAD && scope != KLEASE_PROCESS)
		return -SCHED_EINVAL;
	if (cpu >= ksys.nr_cpus)
		return -SCHED_ECPU;
	sched_cpumask_set(&p.cpus, (unsigned)cpu);
	if (scope == KLEASE_THREAD)
		p.thread = sched_ref_of(&me->st);
	else
		p.group = &me->proc->group;
	/* -SCHED_EAGAIN: a thread was still migrating towards the CPU; the same call succeeds
	 * once that switch is done (docs/errors.md), so the kernel asks again after a yield,
	 * a bounded number of times, rather than hand ring 3 a transient error */
	for (unsigned tries = 0;; tries++) {
		grants_take();
		r = sched_lease_grant(&ksys, sched_auth_root(&ksys), &p, &cap);
		if (r == 0) /* only the kernel sets affinities, and not this thread's meanwhile */
			grants[cap.index] = (struct kgrant){ cap, me->proc, sched_ref_of(&me->st),
							     me->st.affinity };
		grants_give();
		if (r != -SCHED_EAGAIN || tries == KLEASE_GRANT_TRIES)
			break;
		thread_yield();
	}
	if (r < 0)
		return r;
	thread_pin_self((int)cpu);
	return handle_of(cap);
}

/*
 * SYS_LEASE_REVOKE(handle): -SCHED_EPERM for a thread outside a kprocess, -SCHED_EINVAL
 * for a handle no lease could have; -SCHED_ESTALE for one whose lease is over (or whose
 * slot was granted again since); -SCHED_EPERM for another process's lease. Revoked, the
 * caller the grant moved gets its old affinity back (unless it exited).
 */
int64_t klease_sys_revoke(struct kthread *me, uint64_t handle)
{
	struct sched_lease_cap cap;
	struct kgrant *g;
	int r;

	if (!me->proc)
		return -SCHED_EPERM;
	if (!cap_of(handle, &cap))
		return -SCHED_EINVAL;
	grants_take();
	g = &grants[cap.index];
	if (g->cap.gen != cap.gen)
		r = -SCHED_ESTALE;
	else if (g->proc != me->proc)
		r = -SCHED_EPERM;
	else
		r = sched_lease_revoke(&ksys, cap);
	if (r == 0)
		sched_set_affinity(&ksys, g->caller, &g->affinity); /* -SCHED_ESTALE: it exited */
	grants_give();
	thread_preempt(); /* work may come back to this very CPU */
	return r;
}

/* The last thread of p exited: every lease held by its group or by a thread in it ends
 * (cause SCHED_LEASE_HOLDER_EXIT). Returns how many, or libsched's error. */
int klease_process_exit(struct kprocess *p)
{
	return klease_group_exit(&p->group);
}

/* Every lease held by g, a thread in it, or a group below it (a session's end). */
int klease_group_exit(struct sched_group *g)
{
	int n;

	grants_take();
	n = sched_lease_revoke_owned(&ksys, sched_auth_root(&ksys), g);
	grants_give();
	return n;
}

/* --- the port hook -------------------------------------------------------------------------- */

/* What of `what` this kernel has on `cpu` (see the top of the file). */
static unsigned port_items(unsigned cpu, unsigned what)
{
	switch (what) {
	case SCHED_LEASE_PORT_TIMERS:
		return 0; /* no timer of its own: every LAPIC deadline is libsched's */
	case SCHED_LEASE_PORT_WORK:
		return cpu_online_pending(cpu);
	default:
		return platform_device_irqs(cpu);
	}
}

/*
 * sched_config.lease_port: libsched granted (leased) or revoked a lease on `cpu` and asks
 * the kernel to move its own `what` off it, or let it back. Called for each leased CPU and
 * kind by the granting or revoking call (a holder's sched_exit, revoke_owned), with
 * libsched's lease_lock held and interrupts off: it must not block nor call libsched, and
 * takes no lock. Found items cannot be moved here (see the top): they are recorded as
 * unmoved, which the tests require to stay zero.
 */
void klease_port(void *ctx, unsigned cpu, unsigned what, bool leased,
		 const sched_cpumask_t *housekeeping)
{
	struct klease_port_cpu *r;
	unsigned found;

	(void)ctx;
	if (cpu >= MAX_CPUS || what >= KLEASE_KINDS || !housekeeping)
		return;
	r = &kport[cpu];
	found = port_items(cpu, what);
	__atomic_fetch_add(&r->found[what], found, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r->unmoved[what], found, __ATOMIC_RELAXED);
	if (leased && sched_cpumask_test(housekeeping, cpu))
		__atomic_fetch_add(&r->hk_has_cpu, 1, __ATOMIC_RELAXED);
	if (sched_cpumask_empty(housekeeping))
		__atomic_fetch_add(&r->hk_empty, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->last_ns[what], clock_ns(), __ATOMIC_RELAXED);
	__atomic_fetch_add(&r->asked[what][leased], 1, __ATOMIC_RELEASE);
}
