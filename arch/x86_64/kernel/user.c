/* SPDX-License-Identifier: MIT */
/*
 * user.c - ring-3 processes: each has its own address space (a PML4 sharing the kernel's
 * upper half) with one code page at 0x400000 and one stack page below 0x800000, and one
 * thread. System calls come through int 0x80 (a DPL-3 gate) on the thread's kernel stack.
 *
 * IPC: one endpoint, served by the thread that called SYS_RECV. SYS_CALL hands the CPU to
 * the server (sched_call, direct handoff); SYS_REPLY_RECV hands it back to the caller and
 * waits for the next call (sched_reply). Mutexes, condition variables and barriers: ksync.c.
 * The numbers: kernel.h.
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
};

static void user_main(void *arg)
{
	struct kthread *t = arg;

	user_return_prepare();
	user_enter(t->user_rip, t->user_rsp, t->user_arg, USER_CS, USER_DS);
}

/* A process whose stack page starts with argv[0..n) at its top (none: n = 0); rsp below. */
static struct kthread *make_process(const char *name, enum user_prog prog, uint64_t arg,
				    const uint64_t *argv, unsigned n,
				    const struct sched_thread_params *p)
{
	struct kthread *t = thread_create(name, user_main, NULL, p);
	uint64_t code = page_alloc(), stack = page_alloc(), pml4 = as_create();
	size_t len = (size_t)(progs[prog].end - progs[prog].start);
	size_t args = ((size_t)n * 8 + 15) & ~(size_t)15; /* keeps rsp 16-byte aligned */

	if (len > PAGE_SIZE || n > 32)
		panic("process_create %s: program or argument block too large", name);
	if (!code || !stack || !pml4)
		panic("process_create %s: out of memory", name);
	memcpy(phys_to_virt(code), progs[prog].start, len);
	if (n)
		memcpy((char *)phys_to_virt(stack) + PAGE_SIZE - args, argv, (size_t)n * 8);
	if (!as_map_user(pml4, USER_CODE, code, false, true) ||
	    !as_map_user(pml4, USER_STACK_TOP - PAGE_SIZE, stack, true, false))
		panic("process_create %s: mapping failed", name);
	t->arg = t;
	t->pml4 = pml4;
	t->user_rip = USER_CODE;
	t->user_rsp = USER_STACK_TOP - args;
	t->user_arg = n ? USER_STACK_TOP - args : arg;
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

static uint64_t sys_call(struct kthread *me, uint64_t v)
{
	struct kthread *s = ipc_server;

	/* the server may still be finishing its previous reply on another CPU */
	while (!s || (s->msg = v, thread_call(s)) == -SCHED_ESTATE) {
		thread_yield();
		s = ipc_server;
	}
	return me->msg;
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

	if (kwatch.on)
		sample_core(this_cpu(), SAMPLE_SYSCALL);
	__atomic_fetch_add(&ksyscalls, 1, __ATOMIC_RELAXED);
	me->nsys++;
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
		break;
	case SYS_EXIT:
		me->exit_code = (int)r->rdi;
		thread_exit();
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
	default:
		me->exit_code = -1;
		thread_exit();
	}
}

void syscall_init(void)
{
	idt_set_handler(VEC_SYSCALL, syscall_irq);
}
