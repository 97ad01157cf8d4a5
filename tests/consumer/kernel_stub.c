/* SPDX-License-Identifier: MIT */
/*
 * kernel_stub.c - libsched_kernel.a linked as a kernel links it: no libc, no crt, nothing
 * but the arch hooks below. On x86_64 Linux the result also runs as a raw static program
 * (one CPU: wake, pick, block, check) and leaves through the exit system call; elsewhere
 * linking it is the test.
 */
#include <sched/arch.h>
#include <sched/sched.h>

static sched_time_t clock_ns;

sched_time_t sched_arch_now(void) { return clock_ns += 1000; }
void sched_arch_set_timer(sched_time_t deadline) { (void)deadline; }
void sched_arch_send_resched(unsigned cpu) { (void)cpu; }
unsigned sched_arch_cpu_id(void) { return 0; }
unsigned long sched_arch_irq_save(void) { return 0; }
void sched_arch_irq_restore(unsigned long flags) { (void)flags; }
void sched_arch_cpu_relax(void) { }

void sched_arch_assert_fail(const char *expr, const char *file, unsigned line)
{
	(void)expr;
	(void)file;
	(void)line;
	__builtin_trap();
}

static struct sched_sys sys;
static struct sched_rq rq[1];
static struct sched_thread idle, worker;

static int run(void)
{
	static const struct sched_topology topo = { .nr_cpus = 1 };
	struct sched_thread_params p = { .id = 1 };
	struct sched_thread *next;

	if (sched_init(&sys, rq, &topo, 0) || sched_cpu_online(&sys, 0, &idle))
		return 1;
	if (sched_thread_init(&sys, &worker, &p) ||
	    sched_wake(&sys, sched_ref_of(&worker), SCHED_WAKE_NEW))
		return 2;
	if (sched_pick(&sys, 0) != &worker)
		return 3;
	sched_finish_switch(&sys, 0);
	if (sched_block(&sys, 0, &next) || next != &idle)
		return 4;
	sched_finish_switch(&sys, 0);
	return sched_check(&sys) ? 5 : 0;
}

void _start(void);
void _start(void)
{
	long code = run();

#if defined(__x86_64__) && defined(__linux__)
	__asm__ volatile("syscall" : : "a"(60), "D"(code) : "rcx", "r11", "memory");
#endif
	(void)code;
	for (;;)
		;
}
