/* SPDX-License-Identifier: MIT */
/*
 * user.c - ring-3 processes: each has its own address space (a PML4 sharing the kernel's
 * upper half) with one code page at 0x400000 and one stack page below 0x800000, and one
 * thread. System calls come through int 0x80 (a DPL-3 gate) on the thread's kernel stack.
 *
 * IPC: one endpoint, served by the thread that called SYS_RECV. SYS_CALL hands the CPU to
 * the server (sched_call, direct handoff); SYS_REPLY_RECV hands it back to the caller and
 * waits for the next call (sched_reply). SYS_SERVE_CALL / SYS_SERVE_RECV are a second
 * endpoint, for a passive server that runs only on its callers' SCs (below, before the
 * system call switch). Mutexes, condition variables and barriers: ksync.c;
 * leases: klease.c; the submission ring: kring.c; realtime islands: kisland.c (whose report
 * hook sees a member thread's blocking calls and writes first). The numbers: kernel.h.
 *
 * kprocess_create makes the other kind of process (kernel.h): a group of its own, several
 * threads in one address space, a page shared with the kernel. Its last thread's exit ends
 * the process and what it owns (leases, islands, policy SCs, and ksession.c's part).
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

	user_kill_check(); /* killed before it ever ran */
	user_return_prepare();
	user_enter(t->user_rip, t->user_rsp, t->user_arg, USER_CS, USER_DS);
}

/* argv[0..n) copied to the top of the stack page at physical `stack` whose user top is
 * stack_top; t enters ring 3 at rip with rsp just below them (16-byte aligned) and rdi =
 * their address, or `arg` when there are none. */
static void enter_at(struct kthread *t, uint64_t pml4, uint64_t rip, uint64_t stack,
		     uint64_t stack_top, uint64_t arg, const uint64_t *argv, unsigned n)
{
	size_t args = ((size_t)n * 8 + 15) & ~(size_t)15; /* keeps rsp 16-byte aligned */

	if (n > 32)
		panic("process %s: argument block too large", t->name);
	if (n)
		memcpy((char *)phys_to_virt(stack) + PAGE_SIZE - args, argv, (size_t)n * 8);
	t->arg = t;
	t->pml4 = pml4;
	t->user_rip = rip;
	t->user_rsp = stack_top - args;
	t->user_arg = n ? stack_top - args : arg;
}

/* Map `prog` at code_va and a stack page whose top is stack_top, argv[0..n) (none: n = 0)
 * at its top, into pml4; t enters ring 3 there with rdi = argv's address, or `arg`. */
static void map_thread(struct kthread *t, uint64_t pml4, uint64_t code_va, uint64_t stack_top,
		       enum user_prog prog, uint64_t arg, const uint64_t *argv, unsigned n)
{
	uint64_t code = page_alloc(), stack = page_alloc();
	size_t len = (size_t)(progs[prog].end - progs[prog].start);

	if (len > PAGE_SIZE)
		panic("process %s: program too large", t->name);
	if (!code || !stack)
		panic("process %s: out of memory", t->name);
	memcpy(phys_to_virt(code), progs[prog].start, len);
	if (!as_map_user(pml4, code_va, code, false, true) ||
	    !as_map_user(pml4, stack_top - PAGE_SIZE, stack, true, false))
		panic("process %s: mapping failed", t->name);
	enter_at(t, pml4, code_va, stack, stack_top, arg, argv, n);
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
	return kprocess_create_in(name, NULL);
}

/* A process in slot i with group parameters *gp (the id is the slot's). */
static struct kprocess *process_init(const char *name, struct sched_group_params gp)
{
	uint32_t i = __atomic_fetch_add(&nr_kprocs, 1, __ATOMIC_RELAXED);
	struct kprocess *p;
	uint64_t shared;

	if (i >= KPROCESSES)
		panic("kprocess_create %s: out of process slots", name);
	p = &kprocs[i];
	shared = page_alloc();
	p->name = name;
	p->pml4 = as_create();
	gp.id = 1000 + i;
	gp.kind = SCHED_GROUP_PROCESS;
	if (!p->pml4 || !shared)
		panic("kprocess_create %s: out of memory", name);
	if (sched_group_init(&ksys, &p->group, &gp) < 0)
		panic("kprocess_create %s: sched_group_init failed", name);
	if (!as_map_user(p->pml4, USER_SHARED, shared, true, false))
		panic("kprocess_create %s: mapping failed", name);
	p->shared = phys_to_virt(shared); /* page_alloc gives it zeroed */
	return p;
}

struct kprocess *kprocess_create_in(const char *name, struct sched_group *parent)
{
	return process_init(name, (struct sched_group_params){ .parent = parent });
}

struct kprocess *kprocess_of_group(uint32_t id)
{
	uint32_t n = __atomic_load_n(&nr_kprocs, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < n && i < KPROCESSES; i++)
		if (kprocs[i].group.id == id && kprocs[i].pml4)
			return &kprocs[i];
	return NULL;
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
	if (p->entry)
		panic("kprocess %s: a C program's threads come from kprocess_thread_c", p->name);
	q.group = &p->group;
	t = thread_create(name, user_main, NULL, &q);
	map_thread(t, p->pml4, USER_CODE + i * PAGE_SIZE, USER_STACK_TOP - 2 * i * PAGE_SIZE, prog,
		   0, argv, n);
	t->proc = p;
	p->threads[i] = t;
	__atomic_fetch_add(&p->live, 1, __ATOMIC_RELEASE);
	return t;
}

/* --- ring-3 C programs: ELF images (kernel/user/, user.ld) ---------------------------------- */

/* The ELF64 fields the loader reads (System V gABI). */
struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2

extern const uint8_t user_policy_elf[], user_policy_elf_end[];
extern const uint8_t user_requester_elf[], user_requester_elf_end[];
extern const uint8_t user_parity_elf[], user_parity_elf_end[];
static const struct { const uint8_t *start, *end; } elfs[] = {
	[ELF_POLICY] = { user_policy_elf, user_policy_elf_end },
	[ELF_REQUESTER] = { user_requester_elf, user_requester_elf_end },
	[ELF_PARITY] = { user_parity_elf, user_parity_elf_end },
};

/* Map segment h of image[len] into pml4, page by page, with its own permissions: the
 * file's bytes where it has them, zeros (page_alloc's) for the rest (.bss). */
static void map_segment(const char *name, uint64_t pml4, const uint8_t *image, size_t len,
			const struct elf64_phdr *h)
{
	if (h->vaddr % PAGE_SIZE || h->filesz > h->memsz || h->offset > len ||
	    h->filesz > len - h->offset || h->vaddr < USER_CODE ||
	    h->memsz > USER_SHARED - h->vaddr)
		panic("process %s: ELF segment at %#lx does not fit below %#lx", name, h->vaddr,
		      USER_SHARED);
	for (uint64_t off = 0; off < h->memsz; off += PAGE_SIZE) {
		uint64_t pa = page_alloc();

		if (!pa)
			panic("process %s: out of memory", name);
		if (off < h->filesz)
			memcpy(phys_to_virt(pa), image + h->offset + off,
			       h->filesz - off < PAGE_SIZE ? h->filesz - off : PAGE_SIZE);
		if (!as_map_user(pml4, h->vaddr + off, pa, h->flags & PF_W, h->flags & PF_X))
			panic("process %s: mapping at %#lx failed", name, h->vaddr + off);
	}
}

/* The image's PT_LOAD segments into p's address space; its entry point. The images are
 * the kernel's own (linked into it), so a malformed one is a build error: a panic. */
static uint64_t load_elf(struct kprocess *p, enum user_elf which)
{
	const uint8_t *image = elfs[which].start;
	size_t len = (size_t)(elfs[which].end - image);
	const struct elf64_ehdr *eh = (const void *)image;

	if (len < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4) || eh->ident[4] != 2 ||
	    eh->phentsize != sizeof(struct elf64_phdr) || eh->phoff > len ||
	    (size_t)eh->phnum * sizeof(struct elf64_phdr) > len - eh->phoff)
		panic("process %s: not an ELF64 image", p->name);
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *h = (const void *)(image + eh->phoff + i * sizeof(*h));

		if (h->type == PT_LOAD && h->memsz)
			map_segment(p->name, p->pml4, image, len, h);
	}
	return eh->entry;
}

struct kprocess *kprocess_create_elf(const char *name, enum user_elf elf,
				     struct sched_group *parent)
{
	struct kprocess *p = kprocess_create_in(name, parent);

	p->entry = load_elf(p, elf);
	return p;
}

struct kprocess *kprocess_create_elf_fair(const char *name, enum user_elf elf,
					  struct sched_group *parent, uint32_t weight,
					  struct sched_group_cpu *pcpu)
{
	struct kprocess *p = process_init(name, (struct sched_group_params){
		.parent = parent, .weight = weight, .pcpu = pcpu });

	p->entry = load_elf(p, elf);
	return p;
}

/* Thread i of a C program: a stack of UCSTACK_PAGES at its own place (an unmapped gap
 * below each), entering the image's entry with argv at its top. */
struct kthread *kprocess_thread_c(struct kprocess *p, const char *name, const uint64_t *argv,
				  unsigned n, const struct sched_thread_params *params)
{
	struct sched_thread_params q = params ? *params : (struct sched_thread_params){ 0 };
	unsigned i = p->nr_threads++;
	uint64_t top = UCSTACK_TOP - (uint64_t)i * UCSTACK_STRIDE, page = 0;
	struct kthread *t;

	if (!p->entry || i >= KPROC_THREADS || __atomic_load_n(&p->exited, __ATOMIC_ACQUIRE))
		panic("kprocess %s: no C program, ended, or more than %u threads", p->name,
		      KPROC_THREADS);
	q.group = &p->group;
	t = thread_create(name, user_main, NULL, &q);
	for (unsigned k = 1; k <= UCSTACK_PAGES; k++) {
		if (!(page = page_alloc()) || !as_map_user(p->pml4, top - k * PAGE_SIZE, page, true,
							   false))
			panic("process %s: stack mapping failed", p->name);
		if (k == 1)
			enter_at(t, p->pml4, p->entry, page, top, 0, argv, n);
	}
	t->proc = p;
	p->threads[i] = t;
	__atomic_fetch_add(&p->live, 1, __ATOMIC_RELEASE);
	return t;
}

/* A thread of a kprocess ends: the last one (`me`, still live) ends the process, which
 * gives up every island its group owns (first: an island's lease is its own), then every
 * lease its group (or a thread in it) holds, the policy SCs made for it, and then the rest
 * of what it owns and its session's if it was the session's last (ksession.c). */
static void kprocess_thread_exit(struct kprocess *p, struct kthread *me)
{
	if (__atomic_sub_fetch(&p->live, 1, __ATOMIC_ACQ_REL))
		return;
	p->exit_islands = kisland_process_exit(p);
	p->exit_revoked = klease_process_exit(p);
	p->exit_policy = kpolicy_process_exit(p);
	ksession_process_exit(p, me);
	__atomic_store_n(&p->exited, 1, __ATOMIC_RELEASE);
}

static __attribute__((noreturn)) void user_exit(struct kthread *me, int code)
{
	me->exit_code = code;
	if (me->proc)
		kprocess_thread_exit(me->proc, me);
	thread_exit();
}

/*
 * Killing a ring-3 thread from outside (the policy test kills its service mid-run). The
 * flag is read on every way back to ring 3 (isr_leave, a new thread's first entry), where
 * the thread ends with KILLED_STATUS instead of returning: in the kernel it holds no lock
 * then, and its kernel stack is simply left. A parked thread is unparked so that it gets
 * there; one running in ring 3 on another CPU is sent an interrupt (VEC_CALL, which does
 * nothing else then), since a CPU running one thread alone may take no timer interrupt at
 * all. The thread may have moved before the interrupt lands: the killer calls this again
 * until the thread is done (idempotent). The unpark also wakes a thread blocked in a sleep
 * (early, which a thread about to end does not mind) and leaves a permit to one waiting
 * for a mutex; it would break an IPC call's handoff, so a thread blocked in SYS_CALL must
 * not be killed (this kernel kills only policy services: parked in SYS_POLICY_TAKE, or
 * running).
 */
void user_kill(struct kthread *t)
{
	unsigned cpu;

	__atomic_store_n(&t->killed, 1, __ATOMIC_SEQ_CST);
	thread_unpark(t);
	cpu = __atomic_load_n(&t->st.cpu, __ATOMIC_RELAXED);
	if (cpu < ksys.nr_cpus && cpu != this_cpu())
		lapic_send_ipi(cpu, VEC_CALL);
}

/* On the way back to ring 3 (interrupts off): a killed thread ends here. */
void user_kill_check(void)
{
	struct kthread *me = thread_current();

	if (me && __atomic_load_n(&me->killed, __ATOMIC_ACQUIRE))
		user_exit(me, KILLED_STATUS);
}

/*
 * An exception in ring 3. In a process made to survive its threads' faults (the policy
 * service: its crash is one of the failures the test makes), the faulting thread ends with
 * status -vector and one line on the console; anywhere else it is the kernel's report and a
 * failing exit, as it always was (a fault in a test program is a bug to see).
 */
static void user_fault(struct regs *r)
{
	struct kthread *me = thread_current();

	if (!(r->cs & 3) || !me || !me->proc || !me->proc->faults_end_thread)
		exception_report(r);
	kprintf("# %s (thread %u of %s): %s at %#lx, error %#lx: the thread ends\n", me->name,
		me->st.id, me->proc->name, exception_name((unsigned)r->vector), r->rip, r->error);
	user_exit(me, -(int)r->vector);
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

/*
 * The passive server's endpoint (SYS_SERVE_CALL, SYS_SERVE_RECV). The server is passive:
 * it runs only on the SC a caller lends it (sched_call donates it, the reply gives it
 * back); a caller without an SC gets -SCHED_ENOSC. One call at a time: a caller takes the
 * endpoint (`busy`) before it names itself as the server's caller, and the server gives it
 * up just before its reply; a caller that finds the server still finishing that reply
 * (-SCHED_ESTATE: not blocked yet) tries again. The request travels in the caller's `msg`,
 * the reply back in the same field (the caller waits meanwhile). A server that ends in the
 * middle of a call gives the caller its SC back without a reply (sched_exit): the caller
 * sees no reply counted, gives the endpoint up and gets -SCHED_ESTALE.
 */
static struct {
	struct kthread *server;
	uint32_t busy;                /* a caller holds the endpoint [atomic] */
	bool serving;                 /* the server took its first request */
	uint64_t replies;             /* replies sent [written by the server, endpoint held] */
	uint64_t retries;             /* yields of callers waiting for the endpoint or for the
				       * server to block (the record) [atomic] */
} kserve;

uint64_t kserve_retries(void)
{
	return __atomic_load_n(&kserve.retries, __ATOMIC_RELAXED);
}

void kserve_set(struct kthread *server)
{
	kserve.server = server;
	kserve.serving = false;
}

static int64_t sys_serve_call(struct kthread *me, uint64_t v)
{
	struct kthread *s = kserve.server;
	int r;

	if (!s)
		return -SCHED_ESTATE;
	uint64_t replies;

	while (__atomic_exchange_n(&kserve.busy, 1, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(&kserve.retries, 1, __ATOMIC_RELAXED);
		thread_yield();
	}
	replies = __atomic_load_n(&kserve.replies, __ATOMIC_ACQUIRE);
	me->msg = v;
	while ((r = thread_call(s)) == -SCHED_ESTATE) {
		__atomic_fetch_add(&kserve.retries, 1, __ATOMIC_RELAXED);
		thread_yield();
	}
	if (r == 0 && __atomic_load_n(&kserve.replies, __ATOMIC_ACQUIRE) == replies)
		r = -SCHED_ESTALE; /* the server ended without replying */
	if (r < 0) {
		__atomic_store_n(&kserve.busy, 0, __ATOMIC_RELEASE);
		return r;
	}
	return (int64_t)me->msg;
}

static int64_t sys_serve_recv(struct kthread *me, uint64_t reply)
{
	struct kthread *c = me->caller;
	int r;

	if (me != kserve.server || !c)
		return -SCHED_EPERM;
	if (kserve.serving) {
		c->msg = reply;
		__atomic_add_fetch(&kserve.replies, 1, __ATOMIC_RELEASE);
		__atomic_store_n(&kserve.busy, 0, __ATOMIC_RELEASE);
		if ((r = thread_reply(c)) < 0)
			return r;
		c = me->caller; /* the next call's */
	}
	kserve.serving = true;
	return (int64_t)c->msg;
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
	case SYS_SERVE_CALL:
		r->rax = (uint64_t)sys_serve_call(me, r->rdi);
		break;
	case SYS_SERVE_RECV:
		r->rax = (uint64_t)sys_serve_recv(me, r->rdi);
		break;
	case SYS_AUTH_HELD:
	case SYS_AUTH_DERIVE:
	case SYS_AUTH_REVOKE:
	case SYS_AUTH_SET_FAIR:
		r->rax = (uint64_t)kauth_syscall(me, r->rax, r->rdi, r->rsi, r->rdx);
		break;
	default:
		if (r->rax < SYS_POLICY_SUBMIT || r->rax >= SYS_POLICY_NR)
			user_exit(me, -1);
		r->rax = (uint64_t)kpolicy_syscall(me, r->rax, r->rdi, r->rsi, r->rdx);
	}
}

void syscall_init(void)
{
	static const uint8_t faults[] = { 0, 6, 13, 14 }; /* #DE, #UD, #GP, #PF */

	idt_set_handler(VEC_SYSCALL, syscall_irq);
	for (unsigned i = 0; i < sizeof(faults); i++)
		idt_set_handler(faults[i], user_fault);
}
