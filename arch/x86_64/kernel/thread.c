/* SPDX-License-Identifier: MIT */
/*
 * thread.c - threads, the switch, and the scheduling points of the example kernel.
 *
 * The pattern a port follows (docs/porting.md):
 *   next = sched_pick(...) or the `next` of sched_block/sleep/yield/call/reply;
 *   switch stacks (and address space) if next differs;
 *   sched_finish_switch(cpu) on the new stack, interrupts still off.
 * Threads and stacks come from fixed arrays: the kernel never frees a thread in these
 * tests, so storage reuse (allowed by libsched after the finishing switch) is not needed.
 */
#include <sched/arch.h>
#include <sched/mutex.h>

#include "thread.h"

extern void switch_stack(uint64_t *save_rsp, uint64_t new_rsp);
extern void thread_entry(void);

struct sched_sys ksys;

static struct kthread threads[MAX_THREADS];
static uint8_t stacks[MAX_THREADS][KSTACK_SIZE] __attribute__((aligned(16)));
static unsigned nr_threads; /* only grows; taken under alloc_lock */
static struct sched_lock alloc_lock;
static struct kthread idle[MAX_CPUS];
static struct kthread *current[MAX_CPUS];
struct kthread *krunning[MAX_CPUS];
struct kthread *kuser[MAX_CPUS];
bool kprotect;
struct core_watch kwatch;

struct kthread *thread_current(void)
{
	return current[this_cpu()];
}

/* krunning[] (thread.h): the CPU is about to call into libsched in a way that may change
 * its current thread. Sequentially consistent: visible before the rq lock is taken. */
static void leave_thread(unsigned cpu)
{
	__atomic_store_n(&krunning[cpu], NULL, __ATOMIC_SEQ_CST);
}

/* The CPU runs its current thread's code again (after a switch, or when none happened). */
static void resume_thread(unsigned cpu)
{
	struct kthread *t = current[cpu];

	__atomic_store_n(&krunning[cpu], t == &idle[cpu] ? NULL : t, __ATOMIC_SEQ_CST);
}

static void lock(struct sched_lock *l)
{
	uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		__asm__ volatile("pause");
}

static void unlock(struct sched_lock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

/*
 * Switch from the current thread to `next` (interrupts off). After switch_stack returns we
 * are `prev` again, possibly much later and on another CPU: the CPU is read again.
 */
static void switch_to(struct sched_thread *next_st)
{
	unsigned cpu = this_cpu();
	struct kthread *prev = current[cpu], *next = kthread_of(next_st);

	if (next != prev) {
		current[cpu] = next;
		tss_set_rsp0(next->stack_top);
		if (next->pml4 != prev->pml4) {
			as_switch(next->pml4);
			sched_note_as_switch(&ksys, cpu);
		}
		switch_stack(&prev->rsp, next->rsp);
	}
	sched_finish_switch(&ksys, this_cpu());
	resume_thread(this_cpu());
}

/* First code a new thread runs: finish the switch that brought it in, then its function. */
__attribute__((noreturn)) void thread_start(struct kthread *t);
__attribute__((noreturn)) void thread_start(struct kthread *t)
{
	sched_finish_switch(&ksys, this_cpu());
	resume_thread(this_cpu());
	__asm__ volatile("sti" : : : "memory");
	t->fn(t->arg);
	thread_exit();
}

/* Stack of a new thread, top down: thread_entry as return address (the stack is 16-byte
 * aligned once it is popped), then rbp rbx r12(= t) r13 r14 r15 for switch_stack. */
static void prepare_stack(struct kthread *t, uint8_t *stack)
{
	uint64_t *sp = (uint64_t *)(void *)(stack + KSTACK_SIZE);

	t->stack_top = (uint64_t)sp;
	*--sp = (uint64_t)thread_entry;
	*--sp = 0;              /* rbp */
	*--sp = 0;              /* rbx */
	*--sp = (uint64_t)t;    /* r12 */
	*--sp = 0;              /* r13 */
	*--sp = 0;              /* r14 */
	*--sp = 0;              /* r15 */
	t->rsp = (uint64_t)sp;
}

struct kthread *thread_create(const char *name, void (*fn)(void *), void *arg,
			      const struct sched_thread_params *p)
{
	struct sched_thread_params q = p ? *p : (struct sched_thread_params){ 0 };
	unsigned long f = irq_save();
	struct kthread *t = NULL;
	unsigned i;

	lock(&alloc_lock);
	i = nr_threads < MAX_THREADS ? nr_threads++ : MAX_THREADS;
	unlock(&alloc_lock);
	if (i < MAX_THREADS) {
		t = &threads[i];
		t->name = name;
		t->fn = fn;
		t->arg = arg;
		t->pml4 = as_kernel();
		prepare_stack(t, stacks[i]);
		q.id = i + 1;
		if (sched_thread_init(&ksys, &t->st, &q) < 0)
			panic("thread_create %s: bad parameters", name);
	}
	irq_restore(f);
	if (!t)
		panic("out of threads");
	return t;
}

/* Keep the calling thread on `cpu` (or on every CPU for cpu < 0); it moves at once. */
void thread_pin_self(int cpu)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	if (cpu < 0)
		sched_cpumask_fill(&m, ksys.nr_cpus);
	else
		sched_cpumask_set(&m, (unsigned)cpu);
	sched_set_affinity(&ksys, sched_ref_of(&thread_current()->st), &m);
	thread_yield(); /* a MIGRATING thread leaves at its next pick */
}

/* Wait (sleeping 1 ms at a time) until every thread in t[0..n) has exited. */
void wait_done(struct kthread **t, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		while (!t[i]->done)
			thread_sleep_ns(1000000);
}

void thread_start_now(struct kthread *t)
{
	thread_wake(t, SCHED_WAKE_NEW);
}

__attribute__((noreturn)) void thread_exit(void)
{
	struct kthread *me;

	irq_save();
	me = thread_current();
	me->done_ns = clock_ns();
	me->done = 1;
	leave_thread(this_cpu());
	sched_exit(&ksys, sched_ref_of(&me->st)); /* sets need_resched */
	switch_to(sched_pick(&ksys, this_cpu()));
	panic("exited thread %s ran again", me->name);
}

void schedule(void)
{
	unsigned long f = irq_save();

	leave_thread(this_cpu());
	switch_to(sched_pick(&ksys, this_cpu()));
	irq_restore(f);
}

/* Run an on-CPU entry that returns the next thread, then switch. */
#define ON_CPU(call)                                                        \
	do {                                                                \
		unsigned long f_ = irq_save();                              \
		struct sched_thread *next_;                                 \
		leave_thread(this_cpu());                                   \
		if ((call) == 0)                                            \
			switch_to(next_);                                   \
		resume_thread(this_cpu());                                  \
		irq_restore(f_);                                            \
	} while (0)

void thread_yield(void)
{
	ON_CPU(sched_yield_cpu(&ksys, this_cpu(), &next_));
}

void thread_block(void)
{
	ON_CPU(sched_block(&ksys, this_cpu(), &next_));
}

/* On a CPU being taken offline the sleep is refused (-SCHED_ECPU): its timeout must not live
 * there. Pick first (this thread migrates away), then sleep on the CPU it lands on. */
void thread_sleep_until(uint64_t deadline_ns)
{
	unsigned long f = irq_save();
	struct sched_thread *next;
	int r;

	leave_thread(this_cpu());
	while ((r = sched_sleep_until(&ksys, this_cpu(), deadline_ns, &next)) == -SCHED_ECPU) {
		switch_to(sched_pick(&ksys, this_cpu()));
		leave_thread(this_cpu());
	}
	if (r == 0)
		switch_to(next);
	resume_thread(this_cpu());
	irq_restore(f);
}

void thread_park(void)
{
	ON_CPU(sched_park(&ksys, this_cpu(), &next_));
}

int thread_park_until(uint64_t deadline_ns)
{
	unsigned long f = irq_save();
	struct sched_thread *next;
	int r;

	leave_thread(this_cpu());
	r = sched_park_until(&ksys, this_cpu(), deadline_ns, &next);
	if (r == 0)
		switch_to(next);
	resume_thread(this_cpu());
	irq_restore(f);
	return r;
}

struct kthread *thread_of_id(uint32_t id)
{
	return id >= 1 && id <= __atomic_load_n(&nr_threads, __ATOMIC_ACQUIRE) ? &threads[id - 1]
									       : NULL;
}

/* Unpark from any CPU: wakes a parked thread or leaves it a permit; a local preemption is
 * taken at once. */
int thread_unpark(struct kthread *t)
{
	unsigned long f = irq_save();
	int r = sched_unpark(&ksys, sched_ref_of(&t->st));

	if (sched_need_resched(&ksys, this_cpu())) {
		leave_thread(this_cpu());
		switch_to(sched_pick(&ksys, this_cpu()));
	}
	irq_restore(f);
	return r;
}

void thread_sleep_ns(uint64_t ns)
{
	thread_sleep_until(clock_ns() + ns);
}

/* Wake from any CPU; take a local preemption at once. */
int thread_wake(struct kthread *t, enum sched_wake_reason why)
{
	unsigned long f = irq_save();
	int r = sched_wake(&ksys, sched_ref_of(&t->st), why);

	if (sched_need_resched(&ksys, this_cpu())) {
		leave_thread(this_cpu());
		switch_to(sched_pick(&ksys, this_cpu()));
	}
	irq_restore(f);
	return r;
}

/* Direct IPC handoff to `to` (sched_call or sched_reply); returns once this thread runs
 * again, or at once with the error. */
static int handoff(int (*entry)(struct sched_sys *, unsigned, struct sched_ref,
				struct sched_thread **), struct kthread *to)
{
	unsigned long f = irq_save();
	struct sched_thread *next;
	int r;

	leave_thread(this_cpu());
	r = entry(&ksys, this_cpu(), sched_ref_of(&to->st), &next);
	if (r == 0)
		switch_to(next);
	resume_thread(this_cpu());
	irq_restore(f);
	return r;
}

int thread_call(struct kthread *server)
{
	server->caller = thread_current();
	return handoff(sched_call, server);
}

int thread_reply(struct kthread *client)
{
	return handoff(sched_reply, client);
}

/* The consumer polls: with work, or while idle less than the ring's idle time, `next` is
 * this thread and the switch is a non-switch (finished all the same); otherwise it parks
 * and runs again once a submission unparks it. */
int thread_ring_poll(struct sched_ring *r, bool found_work)
{
	unsigned long f = irq_save();
	struct sched_thread *next = NULL;
	int ret;

	leave_thread(this_cpu());
	ret = sched_ring_poll(&ksys, this_cpu(), r, found_work, &next);
	if (ret >= 0 && next)
		switch_to(next);
	resume_thread(this_cpu());
	irq_restore(f);
	return ret;
}

/* --- mutexes, condition variables, barriers (sched/mutex.h) ------------------------------- */

/* Take a preemption this CPU was asked for (after an entry that may have woken a thread:
 * unlock, signal, a barrier's last arrival). A thread woken on another CPU needs nothing
 * here: libsched sent that CPU its reschedule IPI (sched_arch_send_resched). */
void thread_preempt(void)
{
	unsigned long f = irq_save();

	if (sched_need_resched(&ksys, this_cpu())) {
		leave_thread(this_cpu());
		switch_to(sched_pick(&ksys, this_cpu()));
	}
	irq_restore(f);
}

/*
 * The waits follow thread_block: the entry returns the thread to switch to (the caller
 * itself when it did not wait), the switch returns once this thread runs again, and what
 * the wait ended with is then sched_wait_result(). A wait with a timeout on a CPU being
 * taken offline is refused (-SCHED_ECPU: its timer must not live there), as a sleep is:
 * pick first (this thread migrates away), then wait on the CPU it lands on. *waited (may be
 * NULL) says whether the thread left its CPU to wait. Any wake the entry made (a barrier's
 * last arrival releases the others) is taken as a preemption before returning.
 */
enum wait_kind { WAIT_MUTEX, WAIT_COND, WAIT_BARRIER };

static int wait_on(enum wait_kind kind, void *obj, struct sched_mutex *m, sched_time_t deadline,
		   bool *waited)
{
	unsigned long f = irq_save();
	struct kthread *me = thread_current();
	struct sched_thread *next = NULL;
	int r;

	for (;;) {
		unsigned cpu = this_cpu();

		leave_thread(cpu);
		r = kind == WAIT_MUTEX ? sched_mutex_lock(&ksys, cpu, obj, deadline, &next)
		    : kind == WAIT_COND ? sched_cond_wait(&ksys, cpu, obj, m, deadline, &next)
					: sched_barrier_wait(&ksys, cpu, obj, &next);
		if (r != -SCHED_ECPU || deadline == SCHED_TIME_NEVER ||
		    __atomic_load_n(&ksys.rq[cpu].online, __ATOMIC_ACQUIRE))
			break;
		switch_to(sched_pick(&ksys, cpu));
	}
	if (waited)
		*waited = r == 0 && next != &me->st;
	if (r == 0)
		switch_to(next);
	resume_thread(this_cpu());
	irq_restore(f);
	if (r == 0)
		thread_preempt();
	return r == 0 ? sched_wait_result(&me->st) : r;
}

int thread_mutex_lock(struct sched_mutex *m, sched_time_t deadline, bool *waited)
{
	return wait_on(WAIT_MUTEX, m, NULL, deadline, waited);
}

int thread_cond_wait(struct sched_cond *c, struct sched_mutex *m, sched_time_t deadline,
		     bool *waited)
{
	return wait_on(WAIT_COND, c, m, deadline, waited);
}

int thread_barrier_wait(struct sched_barrier *b, bool *waited)
{
	return wait_on(WAIT_BARRIER, b, NULL, SCHED_TIME_NEVER, waited);
}

/* Interrupts off around the entry: its cpu argument must stay the calling CPU. */
int thread_mutex_unlock(struct sched_mutex *m)
{
	unsigned long f = irq_save();
	int r = sched_mutex_unlock(&ksys, this_cpu(), m);

	irq_restore(f);
	if (r == 0)
		thread_preempt();
	return r;
}

/* --- kernel protection (core scheduling) -------------------------------------------------- */

/* The entry protocol of core.h: a CPU coming from ring 3 or the idle loop into the kernel
 * kicks the siblings that run a tagged thread in ring 3 and waits until they are in the
 * kernel too (or leaving it, which counts as safe). Interrupts off. */
static void kernel_enter(unsigned cpu)
{
	if (sched_core_enter_kernel(&ksys, cpu) > 0) {
		if (kwatch.on)
			kwatch.cpu[cpu].enter_waits++;
		while (!sched_core_kernel_safe(&ksys, cpu))
			sched_arch_cpu_relax();
	}
}

/* The exit protocol: a CPU going back to ring 3 or the idle loop. For a tagged thread's
 * ring 3 it waits while a sibling is still in the kernel. Interrupts off, and kept off up
 * to the iretq or the halt: an interrupt taken after this point would be kernel code the
 * protection does not know about (it would enter from ring 0, not calling enter). */
static void kernel_exit(unsigned cpu)
{
	bool waited = false;

	while (sched_core_exit_kernel(&ksys, cpu) == -SCHED_EBUSY) {
		waited = true;
		sched_arch_cpu_relax();
	}
	if (waited && kwatch.on)
		kwatch.cpu[cpu].exit_waits++;
}

/*
 * Where the idle loop halts (idle_loop): set, with interrupts off, before its
 * `sti; hlt; cli` and cleared after it, so an interrupt on the idle thread that finds it
 * set came from the halt, or from the instruction after it (iretq turns interrupts on, and
 * another interrupt may come before the cli). idle_frame: that interrupt's frame, whose
 * return goes back there (the idle thread never migrates, and takes no other interrupt
 * until it returns). Without the second case an interrupt just after a halt would switch to
 * a thread while libsched still has the CPU outside the kernel.
 */
static bool idle_halted[MAX_CPUS];
static struct regs *idle_frame[MAX_CPUS];

/* libsched's kernel-protection mode of a CPU (sched_rq.kmode: outside, in the kernel,
 * leaving), read only to check this file's wiring: the first code of an entry from ring 3
 * finds the CPU outside, that of an entry from kernel code (a kernel thread) in the kernel. */
enum { KMODE_OUTSIDE, KMODE_KERNEL };
uint64_t kmode_bad[MAX_CPUS];

static void check_kmode(unsigned cpu, unsigned expect)
{
	if (__atomic_load_n(&ksys.rq[cpu].kmode, __ATOMIC_RELAXED) != expect)
		kmode_bad[cpu]++;
}

/*
 * Every interrupt, exception and system call passes here first (cpu.c's entry hook). The
 * CPU enters the kernel from ring 3 (CS in the frame) or from the idle loop's halt; any
 * other entry comes from kernel code and needs nothing: kernel threads run only while the
 * CPU is "in the kernel" (they are reached by a switch made in the kernel), and so does a
 * CPU's boot code. (An exception inside libsched, a bug, thus still reaches the report
 * instead of spinning on the core lock it interrupted.)
 */
static void isr_enter(struct regs *r)
{
	unsigned cpu = this_cpu();

	if (r->cs & 3) {
		__atomic_store_n(&kuser[cpu], NULL, __ATOMIC_SEQ_CST);
		if (kprotect) {
			check_kmode(cpu, KMODE_OUTSIDE);
			kernel_enter(cpu);
		}
	} else if (current[cpu] == &idle[cpu] && idle_halted[cpu]) {
		idle_frame[cpu] = r;
		if (kprotect)
			kernel_enter(cpu);
	} else if (kprotect && current[cpu] && current[cpu] != &idle[cpu]) {
		check_kmode(cpu, KMODE_KERNEL);
	}
}

/* ... and here last, about to return through `r`: the frame of the thread now current on
 * this CPU (a handler that switched threads returns only once that thread runs again). */
static void isr_leave(struct regs *r)
{
	unsigned cpu = this_cpu();

	if (r->cs & 3) {
		user_kill_check(); /* a killed thread ends here instead (user.c) */
		if (kprotect)
			kernel_exit(cpu);
		__atomic_store_n(&kuser[cpu], current[cpu], __ATOMIC_SEQ_CST);
	} else if (r == idle_frame[cpu]) {
		idle_frame[cpu] = NULL;
		if (kprotect)
			kernel_exit(cpu);
	}
}

/* A new ring-3 thread's first return to user mode (user.c, before user_enter's iretq).
 * Leaves interrupts off: the iretq turns them on in ring 3. */
void user_return_prepare(void)
{
	unsigned cpu;

	irq_save();
	cpu = this_cpu();
	if (kprotect)
		kernel_exit(cpu);
	__atomic_store_n(&kuser[cpu], current[cpu], __ATOMIC_SEQ_CST);
}

/*
 * The sampler (thread.h), on `cpu` in an interrupt or system call handler after the entry
 * protocol, before the handler changes anything. What it may conclude:
 *
 * - mixed: krunning[cpu] is the thread this CPU was running when the entry came (it is
 *   cleared only by this CPU, and this CPU is here, not in libsched), so it is fixed while
 *   we look. krunning[sib] is read once, atomically: at that instant the sibling runs that
 *   thread's code (or an interrupt on its behalf) and has not yet called into libsched to
 *   leave it, so rq[sib].curr is that thread, as rq[cpu].curr is ours. Two non-idle threads
 *   of different domains seen this way were both current, and both executing, at one
 *   instant: that is the violation core scheduling forbids, not a sampling artefact. The
 *   benign races are all on the safe side: a sibling between its libsched call and the end
 *   of its switch reads as NULL (it runs the switch path, kernel code, not thread code), so
 *   the check can miss a violation that lasts no longer than a switch, never invent one.
 *   Reading rq[sib].curr instead would be a different, weaker statement: libsched changes
 *   curr at the pick, before the sibling has left the previous thread's stack.
 * - lib_mixed: the same over libsched's own state (rq->curr and its cookie), the invariant
 *   sched_check() states, read without the core lock. Each read is of one atomic word.
 * - exposed: this CPU is in the kernel (it ran the entry protocol, or it was running a
 *   kernel thread, which it does only while in the kernel), and kuser[sib] says the sibling
 *   runs ring-3 code of a tagged thread. kuser[sib] is set only after the sibling's
 *   sched_core_exit_kernel succeeded, which it cannot while this CPU is in the kernel and
 *   the thread is tagged; and it is cleared before the sibling's enter, which our
 *   kernel_safe waited for (through the core lock). So a sample seeing it set is a sibling
 *   that returned to ring 3 while this CPU was in the kernel, or that was in ring 3 when we
 *   stopped waiting: a real hole in the protection.
 */
void sample_core(unsigned cpu, unsigned where)
{
	struct core_watch_cpu *w = &kwatch.cpu[cpu];
	struct kthread *me = __atomic_load_n(&krunning[cpu], __ATOMIC_SEQ_CST);
	struct sched_thread *mine = __atomic_load_n(&ksys.rq[cpu].curr, __ATOMIC_ACQUIRE);
	bool sampled = false;

	for (unsigned s = 0; s < ksys.nr_cpus; s++) {
		struct kthread *sib, *u;
		struct sched_thread *theirs;

		if (s == cpu || ksys.topo.core[s] != ksys.topo.core[cpu])
			continue;
		sampled = true;
		sib = __atomic_load_n(&krunning[s], __ATOMIC_SEQ_CST);
		if (me && sib && me->domain != sib->domain) {
			w->mixed++;
			if (!__atomic_exchange_n(&kwatch.have_mixed, 1, __ATOMIC_ACQ_REL)) {
				kwatch.mixed_cpu[0] = cpu;
				kwatch.mixed_cpu[1] = s;
				kwatch.mixed_tid[0] = me->st.id;
				kwatch.mixed_tid[1] = sib->st.id;
				kwatch.mixed_dom[0] = me->domain;
				kwatch.mixed_dom[1] = sib->domain;
			}
		}
		theirs = __atomic_load_n(&ksys.rq[s].curr, __ATOMIC_ACQUIRE);
		if (!__atomic_load_n(&mine->is_idle, __ATOMIC_RELAXED) &&
		    !__atomic_load_n(&theirs->is_idle, __ATOMIC_RELAXED) &&
		    __atomic_load_n(&mine->cookie, __ATOMIC_RELAXED) !=
			    __atomic_load_n(&theirs->cookie, __ATOMIC_RELAXED))
			w->lib_mixed++;
		u = __atomic_load_n(&kuser[s], __ATOMIC_SEQ_CST);
		if (u && u->domain) {
			w->exposed++;
			if (!__atomic_exchange_n(&kwatch.have_exposed, 1, __ATOMIC_ACQ_REL)) {
				kwatch.exposed_cpu[0] = cpu;
				kwatch.exposed_cpu[1] = s;
				kwatch.exposed_tid = u->st.id;
				kwatch.exposed_dom = u->domain;
			}
		}
	}
	if (sampled)
		w->samples[where]++;
}

/* --- idle and interrupts ------------------------------------------------------------------- */

/* The CPU's boot context becomes its idle thread. */
void idle_init(unsigned cpu)
{
	idle[cpu].name = "idle";
	idle[cpu].pml4 = as_kernel();
	idle[cpu].stack_top = percpu_of(cpu)->kernel_stack;
	current[cpu] = &idle[cpu];
	if (sched_cpu_online(&ksys, cpu, &idle[cpu].st) < 0)
		panic("cpu %u: sched_cpu_online failed", cpu);
}

/* The boot CPU, about to start the first thread from its boot code: that code is kernel
 * code for kernel protection (an AP's boot code runs no thread before its idle loop, where
 * it leaves the kernel). */
void boot_enter_kernel(void)
{
	if (kprotect)
		kernel_enter(this_cpu());
}

/* Tickless idle: pick if asked to, else halt until the next interrupt (sti; hlt is atomic,
 * so a wake-up IPI between the check and the halt is not lost). The loop itself is
 * "outside the kernel" for kernel protection: picking from it enters, coming back leaves. */
__attribute__((noreturn)) void idle_loop(void)
{
	unsigned cpu = this_cpu(); /* the idle thread never migrates */

	__asm__ volatile("cli" : : : "memory");
	if (kprotect)
		kernel_exit(cpu); /* the boot code was in the kernel */
	for (;;) {
		__asm__ volatile("cli" : : : "memory");
		if (sched_need_resched(&ksys, cpu)) {
			if (kprotect)
				kernel_enter(cpu);
			switch_to(sched_pick(&ksys, cpu));
			if (kprotect)
				kernel_exit(cpu);
		} else {
			idle_halted[cpu] = true;
			/* kidle_pcs: the halt's two PCs, as data (no text symbol to
			 * split idle_loop in a symbol table) */
			__asm__ volatile("sti\n"
					 "1: hlt\n"
					 "2: cli\n"
					 ".pushsection .rodata\n"
					 ".balign 8\n"
					 ".globl kidle_pcs\n"
					 "kidle_pcs: .quad 1b, 2b\n"
					 ".popsection" : : : "memory");
			idle_halted[cpu] = false;
		}
	}
}

uint64_t timer_late_max[MAX_CPUS];
/*
 * More of the same record, for tests.c (declared there): per CPU the number of scheduler
 * timer interrupts and the sum of their lateness (only ever growing: a test takes
 * differences), and the armed instant and lateness of the last one. And an observer a
 * test may install: called on the interrupted CPU, interrupts off, just before sched_timer()
 * (after = false, late = 0) and just after it (after = true, with this interrupt's
 * lateness), so it can tell what this one charge changed.
 */
uint64_t timer_irqs[MAX_CPUS], timer_late_sum[MAX_CPUS];
sched_time_t timer_last_armed[MAX_CPUS];
uint64_t timer_last_late[MAX_CPUS];
void (*volatile ktimer_observer)(unsigned cpu, bool after, sched_time_t armed, uint64_t late);
void (*volatile ktimer_sampler)(const struct regs *r);

/* How long after `armed` sched_timer() got done: the interrupt's lateness plus the entry up
 * to and through the charge. The platform delivers the timer only once its deadline has
 * passed; rq->timer_armed is written only by this CPU, and interrupts are off here. The
 * maximum may be taken (exchanged with 0) by a test on another CPU meanwhile: a CAS loop
 * keeps either value, never a torn or lost one. */
static uint64_t note_timer_lateness(unsigned cpu, sched_time_t armed)
{
	sched_time_t now = clock_ns();
	uint64_t late = 0, old;

	if (armed != SCHED_TIME_NEVER && sched_time_before(armed, now))
		late = now - armed;
	__atomic_store_n(&timer_last_late[cpu], late, __ATOMIC_RELAXED);
	old = __atomic_load_n(&timer_late_max[cpu], __ATOMIC_RELAXED);
	while (late > old && !__atomic_compare_exchange_n(&timer_late_max[cpu], &old, late, false,
							  __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	__atomic_store_n(&timer_late_sum[cpu], timer_late_sum[cpu] + late, __ATOMIC_RELAXED);
	return late;
}

static void timer_irq(struct regs *r)
{
	unsigned cpu = this_cpu();
	sched_time_t armed = ksys.rq[cpu].timer_armed;
	void (*observe)(unsigned, bool, sched_time_t, uint64_t) = ktimer_observer;
	void (*sampler)(const struct regs *) = ktimer_sampler;
	uint64_t late;
	bool resched;

	lapic_eoi();
	if (sampler)
		sampler(r);
	if (kwatch.on)
		sample_core(cpu, SAMPLE_TIMER);
	if (observe)
		observe(cpu, false, armed, 0);
	resched = sched_timer(&ksys, cpu);
	late = note_timer_lateness(cpu, armed);
	__atomic_store_n(&timer_last_armed[cpu], armed, __ATOMIC_RELAXED);
	__atomic_store_n(&timer_irqs[cpu], timer_irqs[cpu] + 1, __ATOMIC_RELEASE);
	if (observe)
		observe(cpu, true, armed, late);
	if (resched) {
		leave_thread(cpu);
		switch_to(sched_pick(&ksys, cpu));
	}
}

static void resched_irq(struct regs *r)
{
	unsigned cpu = this_cpu();

	(void)r;
	lapic_eoi();
	if (kwatch.on)
		sample_core(cpu, SAMPLE_IPI);
	if (sched_ipi(&ksys, cpu)) {
		leave_thread(cpu);
		switch_to(sched_pick(&ksys, cpu));
	}
}

void sched_irq_init(void)
{
	idt_set_handler(VEC_TIMER, timer_irq);
	idt_set_handler(VEC_RESCHED, resched_irq);
	idt_set_entry_hooks(isr_enter, isr_leave);
}
