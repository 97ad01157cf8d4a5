/* SPDX-License-Identifier: MIT */
/*
 * ksync.c - mutexes, condition variables and barriers for ring 3: libsched's objects
 * (sched/mutex.h) in kernel storage, named by small integer ids, their system calls, and
 * the event log the mutex test reads (docs/x86_64.md "System calls").
 *
 * Objects come from fixed tables, one per kind; an id is an index into its table. The
 * kernel creates them (ksync_*_create, which the test uses) or a process does through a
 * system call. An id is checked against the table's size and the slot's "created" flag
 * before anything else: a bad one gets -SCHED_EINVAL and no object memory is touched.
 * There is no per-process handle table (any process may name any id; a real kernel would
 * hand out capabilities) and objects are never destroyed, as threads are never freed here.
 *
 * The waits (lock, condition wait, barrier) switch inside the system call as the kernel's
 * other blocking calls do (thread.c, wait_on), and return sched_wait_result() to ring 3
 * once the thread runs again. The calls that may wake a thread (unlock, signal, broadcast,
 * a barrier's last arrival) take a preemption of this CPU at once (thread_preempt); a
 * thread woken on another CPU is that CPU's business, which libsched sends its IPI.
 */
#include <sched/mutex.h>

#include "kernel.h"

static struct sched_mutex kmutex[KSYNC_MUTEXES];
static struct sched_cond kcond[KSYNC_CONDS];
static struct sched_barrier kbarrier[KSYNC_BARRIERS];
/* Per kind: slots handed out (only grows, never past the table), and which are created
 * (set with release once the object is initialised, read with acquire by every lookup). */
static uint32_t nr_used[3];
static uint8_t ready_mutex[KSYNC_MUTEXES], ready_cond[KSYNC_CONDS], ready_barrier[KSYNC_BARRIERS];

struct kev kev_log[KEV_MAX];
volatile uint32_t kev_n;

void kev_reset(void)
{
	__atomic_store_n(&kev_n, 0, __ATOMIC_RELEASE);
}

/* Append an event: its slot is taken atomically, so the log's order is the order in which
 * the events were recorded, across CPUs. Interrupts are off in a system call. */
void kev_add(enum kev_kind kind, uint32_t obj, int64_t val, bool waited)
{
	uint32_t i = __atomic_fetch_add(&kev_n, 1, __ATOMIC_ACQ_REL);
	struct kthread *me = thread_current();

	if (i >= KEV_MAX)
		return; /* full: kev_n still counts, the reader sees the overflow */
	kev_log[i] = (struct kev){ .ns = clock_ns(), .tid = me ? me->st.id : 0,
				   .cpu = (uint8_t)this_cpu(), .kind = (uint8_t)kind,
				   .waited = waited, .obj = (uint16_t)obj, .val = val };
}

/* Take the next free slot of a kind, or -1. */
static int slot_take(unsigned kind, uint32_t max)
{
	uint32_t n = __atomic_load_n(&nr_used[kind], __ATOMIC_RELAXED);

	do {
		if (n >= max)
			return -1;
	} while (!__atomic_compare_exchange_n(&nr_used[kind], &n, n + 1, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	return (int)n;
}

int ksync_mutex_create(unsigned flags)
{
	int id;

	if (flags > SCHED_MUTEX_PLAIN)
		return -SCHED_EINVAL;
	if ((id = slot_take(KSYNC_KIND_MUTEX, KSYNC_MUTEXES)) < 0)
		return -SCHED_EFULL;
	if (sched_mutex_init(&ksys, &kmutex[id], flags) < 0)
		panic("ksync: sched_mutex_init failed on a fresh slot");
	__atomic_store_n(&ready_mutex[id], 1, __ATOMIC_RELEASE);
	return id;
}

int ksync_cond_create(void)
{
	int id = slot_take(KSYNC_KIND_COND, KSYNC_CONDS);

	if (id < 0)
		return -SCHED_EFULL;
	if (sched_cond_init(&ksys, &kcond[id]) < 0)
		panic("ksync: sched_cond_init failed on a fresh slot");
	__atomic_store_n(&ready_cond[id], 1, __ATOMIC_RELEASE);
	return id;
}

int ksync_barrier_create(unsigned count)
{
	int id;

	if (count == 0 || count > MAX_THREADS)
		return -SCHED_EINVAL;
	if ((id = slot_take(KSYNC_KIND_BARRIER, KSYNC_BARRIERS)) < 0)
		return -SCHED_EFULL;
	if (sched_barrier_init(&ksys, &kbarrier[id], count) < 0)
		panic("ksync: sched_barrier_init failed on a fresh slot");
	__atomic_store_n(&ready_barrier[id], 1, __ATOMIC_RELEASE);
	return id;
}

/* The object an id names, or NULL: range first, then the created flag. */
struct sched_mutex *ksync_mutex(uint64_t id)
{
	return id < KSYNC_MUTEXES && __atomic_load_n(&ready_mutex[id], __ATOMIC_ACQUIRE)
		       ? &kmutex[id] : NULL;
}

struct sched_cond *ksync_cond(uint64_t id)
{
	return id < KSYNC_CONDS && __atomic_load_n(&ready_cond[id], __ATOMIC_ACQUIRE) ? &kcond[id]
										   : NULL;
}

struct sched_barrier *ksync_barrier(uint64_t id)
{
	return id < KSYNC_BARRIERS && __atomic_load_n(&ready_barrier[id], __ATOMIC_ACQUIRE)
		       ? &kbarrier[id] : NULL;
}

/* A relative timeout from ring 3 (0: none) as libsched's absolute deadline; false for one
 * past libsched's horizon (it would wrap). */
static bool deadline_of(uint64_t timeout_ns, sched_time_t *deadline)
{
	if (timeout_ns >= SCHED_TIME_HORIZON_NS)
		return false;
	*deadline = timeout_ns ? clock_ns() + timeout_ns : SCHED_TIME_NEVER;
	return true;
}

/* The object id as logged: a bad id is logged as 0xffff. */
static uint32_t log_id(uint64_t id)
{
	return id < 0xffff ? (uint32_t)id : 0xffff;
}

static int64_t sys_lock(uint64_t id, uint64_t timeout_ns)
{
	struct sched_mutex *m = ksync_mutex(id);
	sched_time_t deadline;
	bool waited = false;
	int r;

	kev_add(KEV_LOCK, log_id(id), 0, false);
	if (!m || !deadline_of(timeout_ns, &deadline))
		r = -SCHED_EINVAL;
	else
		r = thread_mutex_lock(m, deadline, &waited);
	kev_add(KEV_LOCKED, log_id(id), r, waited);
	return r;
}

static int64_t sys_trylock(uint64_t id)
{
	struct sched_mutex *m = ksync_mutex(id);
	int r = m ? sched_mutex_trylock(&ksys, this_cpu(), m) : -SCHED_EINVAL;

	if (r == 0)
		r = sched_wait_result(&thread_current()->st); /* 0, or -SCHED_EOWNERDEAD */
	kev_add(KEV_TRYLOCK, log_id(id), r, false);
	return r;
}

static int64_t sys_unlock(uint64_t id)
{
	struct sched_mutex *m = ksync_mutex(id);
	int r = m ? sched_mutex_unlock(&ksys, this_cpu(), m) : -SCHED_EINVAL;

	kev_add(KEV_UNLOCK, log_id(id), r, false); /* before the new owner may run here */
	if (r == 0)
		thread_preempt();
	return r;
}

static int64_t sys_cond_wait(uint64_t cid, uint64_t mid, uint64_t timeout_ns)
{
	struct sched_cond *c = ksync_cond(cid);
	struct sched_mutex *m = ksync_mutex(mid);
	sched_time_t deadline;
	bool waited = false;
	int r;

	kev_add(KEV_COND_WAIT, log_id(cid), 0, false);
	if (!c || !m || !deadline_of(timeout_ns, &deadline))
		r = -SCHED_EINVAL;
	else
		r = thread_cond_wait(c, m, deadline, &waited);
	kev_add(KEV_COND_WOKE, log_id(cid), r, waited);
	return r;
}

static int64_t sys_cond_signal(uint64_t id, uint64_t all)
{
	struct sched_cond *c = ksync_cond(id);
	int r = !c ? -SCHED_EINVAL : all ? sched_cond_broadcast(&ksys, c) : sched_cond_signal(&ksys, c);

	kev_add(KEV_SIGNAL, log_id(id), r, false);
	if (r == 0)
		thread_preempt();
	return r;
}

static int64_t sys_barrier_wait(uint64_t id)
{
	struct sched_barrier *b = ksync_barrier(id);
	bool waited = false;
	int r;

	kev_add(KEV_BARRIER, log_id(id), 0, false);
	r = b ? thread_barrier_wait(b, &waited) : -SCHED_EINVAL;
	kev_add(KEV_BARRIER_PASSED, log_id(id), r, waited);
	return r;
}

int64_t ksync_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	int r;

	switch (nr) {
	case SYS_MUTEX_CREATE:
		r = ksync_mutex_create(a0 > SCHED_MUTEX_PLAIN ? ~0u : (unsigned)a0);
		kev_add(KEV_CREATE, KSYNC_KIND_MUTEX, r, false);
		return r;
	case SYS_MUTEX_LOCK:
		return sys_lock(a0, a1);
	case SYS_MUTEX_TRYLOCK:
		return sys_trylock(a0);
	case SYS_MUTEX_UNLOCK:
		return sys_unlock(a0);
	case SYS_COND_CREATE:
		r = ksync_cond_create();
		kev_add(KEV_CREATE, KSYNC_KIND_COND, r, false);
		return r;
	case SYS_COND_WAIT:
		return sys_cond_wait(a0, a1, a2);
	case SYS_COND_SIGNAL:
		return sys_cond_signal(a0, a1);
	case SYS_BARRIER_CREATE:
		r = ksync_barrier_create(a0 > MAX_THREADS ? 0 : (unsigned)a0);
		kev_add(KEV_CREATE, KSYNC_KIND_BARRIER, r, false);
		return r;
	case SYS_BARRIER_WAIT:
		return sys_barrier_wait(a0);
	case SYS_MARK:
		kev_add(KEV_MARK, 0, (int64_t)a0, false);
		return 0;
	}
	return -SCHED_EINVAL;
}
