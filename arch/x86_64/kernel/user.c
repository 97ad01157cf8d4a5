/* SPDX-License-Identifier: MIT */
/*
 * user.c - ring-3 processes: each has its own address space (a PML4 sharing the kernel's
 * upper half) with one code page at 0x400000 and one stack page below 0x800000, and one
 * thread. System calls come through int 0x80 (a DPL-3 gate) on the thread's kernel stack.
 *
 * IPC: one endpoint, served by the thread that called SYS_RECV. SYS_CALL hands the CPU to
 * the server (sched_call, direct handoff); SYS_REPLY_RECV hands it back to the caller and
 * waits for the next call (sched_reply). Mutexes, condition variables and barriers: ksync.c;
 * leases: klease.c; the submission ring: kring.c; realtime islands: kisland.c (whose report
 * hook sees a member thread's blocking calls and writes first). The numbers: kernel.h.
 *
 * kprocess_create makes the other kind of process (kernel.h): a group of its own, several
 * threads in one address space, a page shared with the kernel. Its last thread's exit ends
 * the process and its leases.
 */
#include "kernel.h"

#define USER_CODE 0x400000ull
#define USER_STACK_TOP 0x800000ull

extern const uint8_t user_hello[], user_hello_end[];
extern const uint8_t user_ping_client[], user_ping_client_end[];
extern const uint8_t user_ping_server[], user_ping_server_end[];
extern const uint8_t user_sleeper[], user_sleeper_end[];
extern const uint8_t user_spinner[], user_spinner_end[];
extern const uint8_t user_mx_low[], user_mx_low_end[];
extern const uint8_t user_mx_high[], user_mx_high_end[];
extern const uint8_t user_mx_medium[], user_mx_medium_end[];
extern const uint8_t user_ctl[], user_ctl_end[];
extern const uint8_t user_calls[], user_calls_end[];
extern const uint8_t user_submitter[], user_submitter_end[];
extern const uint8_t user_island[], user_island_end[];
extern void user_enter(uint64_t rip, uint64_t rsp, uint64_t arg, uint64_t cs, uint64_t ss);

struct kthread *ipc_server;
volatile uint64_t ksyscalls; /* kernel entries through int 0x80, all CPUs */
volatile int kspin_stop;

static const struct { const uint8_t *start, *end; } progs[] = {
	[PROG_HELLO] = { user_hello, user_hello_end },
	[PROG_PING_CLIENT] = { user_ping_client, user_ping_client_end },
	[PROG_PING_SERVER] = { user_ping_server, user_ping_server_end },
	[PROG_SLEEPER] = { user_sleeper, user_sleeper_end },
	[PROG_SPINNER] = { user_spinner, user_spinner_end },
	[PROG_MX_LOW] = { user_mx_low, user_mx_low_end },
	[PROG_MX_HIGH] = { user_mx_high, user_mx_high_end },
	[PROG_MX_MEDIUM] = { user_mx_medium, user_mx_medium_end },
	[PROG_CTL] = { user_ctl, user_ctl_end },
	[PROG_CALLS] = { user_calls, user_calls_end },
	[PROG_SUBMITTER] = { user_submitter, user_submitter_end },
	[PROG_ISLAND] = { user_island, user_island_end },
};

static void user_main(void *arg)
{
	struct kthread *t = arg;

	user_return_prepare();
	user_enter(t->user_rip, t->user_rsp, t->user_arg, USER_CS, USER_DS);
}

/* Map `prog` at code_va and a stack page whose top is stack_top, argv[0..n) (none: n = 0)
 * at its top, into pml4; t enters ring 3 there with rdi = argv's address, or `arg`. */
static void map_thread(struct kthread *t, uint64_t pml4, uint64_t code_va, uint64_t stack_top,
		       enum user_prog prog, uint64_t arg, const uint64_t *argv, unsigned n)
{
	uint64_t code = page_alloc(), stack = page_alloc();
	size_t len = (size_t)(progs[prog].end - progs[prog].start);
	size_t args = ((size_t)n * 8 + 15) & ~(size_t)15; /* keeps rsp 16-byte aligned */

	if (len > PAGE_SIZE || n > 32)
		panic("process %s: program or argument block too large", t->name);
	if (!code || !stack)
		panic("process %s: out of memory", t->name);
	memcpy(phys_to_virt(code), progs[prog].start, len);
	if (n)
		memcpy((char *)phys_to_virt(stack) + PAGE_SIZE - args, argv, (size_t)n * 8);
	if (!as_map_user(pml4, code_va, code, false, true) ||
	    !as_map_user(pml4, stack_top - PAGE_SIZE, stack, true, false))
		panic("process %s: mapping failed", t->name);
	t->arg = t;
	t->pml4 = pml4;
	t->user_rip = code_va;
	t->user_rsp = stack_top - args;
	t->user_arg = n ? stack_top - args : arg;
}

/* A process whose stack page starts with argv[0..n) at its top (none: n = 0); rsp below. */
static struct kthread *make_process(const char *name, enum user_prog prog, uint64_t arg,
				    const uint64_t *argv, unsigned n,
				    const struct sched_thread_params *p)
{
	struct kthread *t = thread_create(name, user_main, NULL, p);
	uint64_t pml4 = as_create();

	if (!pml4)
		panic("process_create %s: out of memory", name);
	map_thread(t, pml4, USER_CODE, USER_STACK_TOP, prog, arg, argv, n);
	return t;
}

struct kthread *process_create(const char *name, enum user_prog prog, uint64_t arg,
			       const struct sched_thread_params *p)
{
	return make_process(name, prog, arg, NULL, 0, p);
}

struct kthread *process_create_argv(const char *name, enum user_prog prog, const uint64_t *argv,
				    unsigned n, const struct sched_thread_params *p)
{
	return make_process(name, prog, 0, argv, n, p);
}

/* --- processes with a group, threads and a shared page (kernel.h) -------------------------- */

static struct kprocess kprocs[KPROCESSES];
static uint32_t nr_kprocs; /* slots handed out; only grows */

struct kprocess *kprocess_create(const char *name)
{
	uint32_t i = __atomic_fetch_add(&nr_kprocs, 1, __ATOMIC_RELAXED);
	struct sched_group_params gp = { .id = 1000 + i, .kind = SCHED_GROUP_PROCESS };
	struct kprocess *p;
	uint64_t shared;

	if (i >= KPROCESSES)
		panic("kprocess_create %s: out of process slots", name);
	p = &kprocs[i];
	shared = page_alloc();
	p->name = name;
	p->pml4 = as_create();
	if (!p->pml4 || !shared)
		panic("kprocess_create %s: out of memory", name);
	if (sched_group_init(&ksys, &p->group, &gp) < 0)
		panic("kprocess_create %s: sched_group_init failed", name);
	if (!as_map_user(p->pml4, USER_SHARED, shared, true, false))
		panic("kprocess_create %s: mapping failed", name);
	p->shared = phys_to_virt(shared); /* page_alloc gives it zeroed */
	return p;
}

/* Called by one kernel thread at a time for a given process (nr_threads is plain), and
 * not once its threads have all exited: the process has ended then. */
struct kthread *kprocess_thread(struct kprocess *p, const char *name, enum user_prog prog,
				const uint64_t *argv, unsigned n,
				const struct sched_thread_params *params)
{
	struct sched_thread_params q = params ? *params : (struct sched_thread_params){ 0 };
	unsigned i = p->nr_threads++;
	struct kthread *t;

	if (i >= KPROC_THREADS || __atomic_load_n(&p->exited, __ATOMIC_ACQUIRE))
		panic("kprocess %s: ended, or more than %u threads", p->name, KPROC_THREADS);
	q.group = &p->group;
	t = thread_create(name, user_main, NULL, &q);
	map_thread(t, p->pml4, USER_CODE + i * PAGE_SIZE, USER_STACK_TOP - 2 * i * PAGE_SIZE, prog,
		   0, argv, n);
	t->proc = p;
	__atomic_fetch_add(&p->live, 1, __ATOMIC_RELEASE);
	return t;
}

/* A thread of a kprocess ends: the last one ends the process, which gives up every island
 * its group owns (first: an island's lease is its own), then every lease its group (or a
 * thread in it) holds. */
static void kprocess_thread_exit(struct kprocess *p)
{
	if (__atomic_sub_fetch(&p->live, 1, __ATOMIC_ACQ_REL))
		return;
	p->exit_islands = kisland_process_exit(p);
	p->exit_revoked = klease_process_exit(p);
	__atomic_store_n(&p->exited, 1, __ATOMIC_RELEASE);
}

static __attribute__((noreturn)) void user_exit(struct kthread *me, int code)
{
	me->exit_code = code;
	if (me->proc)
		kprocess_thread_exit(me->proc);
	thread_exit();
}

/* The server's reply, or libsched's refusal of the call (-SCHED_EPATH: an island thread
 * calling off its declared paths) as it is. */
static uint64_t sys_call(struct kthread *me, uint64_t v)
{
	struct kthread *s = ipc_server;
	int r = 0;

	/* the server may still be finishing its previous reply on another CPU */
	while (!s || (s->msg = v, r = thread_call(s)) == -SCHED_ESTATE) {
		thread_yield();
		s = ipc_server;
	}
	return r < 0 ? (uint64_t)(int64_t)r : me->msg;
}

static uint64_t sys_reply_recv(struct kthread *me, uint64_t v)
{
	struct kthread *c = me->caller;

	c->msg = v;
	if (thread_reply(c) < 0)
		panic("reply to a caller that is not waiting");
	return me->msg;
}

static void syscall_irq(struct regs *r)
{
	struct kthread *me = thread_current();
	int64_t refused;

	if (kwatch.on)
		sample_core(this_cpu(), SAMPLE_SYSCALL);
	__atomic_fetch_add(&ksyscalls, 1, __ATOMIC_RELAXED);
	me->nsys++;
	/* an island member's blocking call off its paths is refused, its writes counted */
	if ((refused = kisland_check_call(me, r->rax, r->rdi)) < 0) {
		r->rax = (uint64_t)refused;
		return;
	}
	switch (r->rax) {
	case SYS_WRITE:
		serial_write((const char *)r->rdi, r->rsi < 256 ? r->rsi : 256);
		r->rax = 0;
		break;
	case SYS_YIELD:
		thread_yield();
		break;
	case SYS_SLEEP:
		thread_sleep_ns(r->rdi);
		r->rax = 0;
		break;
	case SYS_EXIT:
		user_exit(me, (int)r->rdi);
	case SYS_CALL:
		r->rax = sys_call(me, r->rdi);
		break;
	case SYS_REPLY_RECV:
		r->rax = sys_reply_recv(me, r->rdi);
		break;
	case SYS_RECV:
		ipc_server = me;
		thread_block();
		r->rax = me->msg;
		break;
	case SYS_REPORT:
		me->user_arg = r->rdi;
		break;
	case SYS_SPIN:
		r->rax = (uint64_t)kspin_stop;
		break;
	case SYS_MUTEX_CREATE:
	case SYS_MUTEX_LOCK:
	case SYS_MUTEX_TRYLOCK:
	case SYS_MUTEX_UNLOCK:
	case SYS_COND_CREATE:
	case SYS_COND_WAIT:
	case SYS_COND_SIGNAL:
	case SYS_BARRIER_CREATE:
	case SYS_BARRIER_WAIT:
	case SYS_MARK:
		r->rax = (uint64_t)ksync_syscall(r->rax, r->rdi, r->rsi, r->rdx);
		break;
	case SYS_LEASE_GRANT:
		r->rax = (uint64_t)klease_sys_grant(me, r->rdi, r->rsi);
		break;
	case SYS_LEASE_REVOKE:
		r->rax = (uint64_t)klease_sys_revoke(me, r->rdi);
		break;
	case SYS_RING_SUBMIT:
		r->rax = (uint64_t)kring_sys_submit(me, r->rdi);
		break;
	case SYS_ISLAND_ADMIT:
		r->rax = (uint64_t)kisland_sys_admit(me, r->rdi);
		break;
	case SYS_ISLAND_WAIT:
		r->rax = (uint64_t)kisland_sys_wait(me);
		break;
	case SYS_ISLAND_REVOKE:
		r->rax = (uint64_t)kisland_sys_revoke(me, r->rdi);
		break;
	default:
		user_exit(me, -1);
	}
}

void syscall_init(void)
{
	idt_set_handler(VEC_SYSCALL, syscall_irq);
}
