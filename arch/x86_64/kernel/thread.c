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

struct kthread *thread_current(void)
{
	return current[this_cpu()];
}

static struct kthread *kthread_of(struct sched_thread *st)
{
	return (struct kthread *)(void *)((char *)st - __builtin_offsetof(struct kthread, st));
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
}

/* First code a new thread runs: finish the switch that brought it in, then its function. */
__attribute__((noreturn)) void thread_start(struct kthread *t);
__attribute__((noreturn)) void thread_start(struct kthread *t)
{
	sched_finish_switch(&ksys, this_cpu());
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
	me->done = 1;
	sched_exit(&ksys, sched_ref_of(&me->st)); /* sets need_resched */
	switch_to(sched_pick(&ksys, this_cpu()));
	panic("exited thread %s ran again", me->name);
}

void schedule(void)
{
	unsigned long f = irq_save();

	switch_to(sched_pick(&ksys, this_cpu()));
	irq_restore(f);
}

/* Run an on-CPU entry that returns the next thread, then switch. */
#define ON_CPU(call)                                                        \
	do {                                                                \
		unsigned long f_ = irq_save();                              \
		struct sched_thread *next_;                                 \
		if ((call) == 0)                                            \
			switch_to(next_);                                   \
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

	while ((r = sched_sleep_until(&ksys, this_cpu(), deadline_ns, &next)) == -SCHED_ECPU)
		switch_to(sched_pick(&ksys, this_cpu()));
	if (r == 0)
		switch_to(next);
	irq_restore(f);
}

void thread_park(void)
{
	ON_CPU(sched_park(&ksys, this_cpu(), &next_));
}

/* Unpark from any CPU: wakes a parked thread or leaves it a permit; a local preemption is
 * taken at once. */
int thread_unpark(struct kthread *t)
{
	unsigned long f = irq_save();
	int r = sched_unpark(&ksys, sched_ref_of(&t->st));

	if (sched_need_resched(&ksys, this_cpu()))
		switch_to(sched_pick(&ksys, this_cpu()));
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

	if (sched_need_resched(&ksys, this_cpu()))
		switch_to(sched_pick(&ksys, this_cpu()));
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
	int r = entry(&ksys, this_cpu(), sched_ref_of(&to->st), &next);

	if (r == 0)
		switch_to(next);
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

/* Tickless idle: pick if asked to, else halt until the next interrupt (sti; hlt is atomic,
 * so a wake-up IPI between the check and the halt is not lost). */
__attribute__((noreturn)) void idle_loop(void)
{
	for (;;) {
		__asm__ volatile("cli" : : : "memory");
		if (sched_need_resched(&ksys, this_cpu()))
			switch_to(sched_pick(&ksys, this_cpu()));
		else
			__asm__ volatile("sti; hlt" : : : "memory");
	}
}

uint64_t timer_late_max[MAX_CPUS];

/* How long after `armed` sched_timer() got done: the interrupt's lateness plus the entry up
 * to and through the charge. The platform delivers the timer only once its deadline has
 * passed; rq->timer_armed is written only by this CPU, and interrupts are off here. */
static void note_timer_lateness(unsigned cpu, sched_time_t armed)
{
	sched_time_t now = clock_ns();

	if (armed != SCHED_TIME_NEVER && sched_time_before(armed, now) &&
	    now - armed > __atomic_load_n(&timer_late_max[cpu], __ATOMIC_RELAXED))
		__atomic_store_n(&timer_late_max[cpu], now - armed, __ATOMIC_RELAXED);
}

static void timer_irq(struct regs *r)
{
	unsigned cpu = this_cpu();
	sched_time_t armed = ksys.rq[cpu].timer_armed;
	bool resched;

	(void)r;
	lapic_eoi();
	resched = sched_timer(&ksys, cpu);
	note_timer_lateness(cpu, armed);
	if (resched)
		switch_to(sched_pick(&ksys, cpu));
}

static void resched_irq(struct regs *r)
{
	(void)r;
	lapic_eoi();
	if (sched_ipi(&ksys, this_cpu()))
		switch_to(sched_pick(&ksys, this_cpu()));
}

void sched_irq_init(void)
{
	idt_set_handler(VEC_TIMER, timer_irq);
	idt_set_handler(VEC_RESCHED, resched_irq);
}
