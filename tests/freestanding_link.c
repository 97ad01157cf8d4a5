/* SPDX-License-Identifier: MIT */
/*
 * freestanding_link.c - links the freestanding libsched (every object, --whole-archive)
 * with nothing but this arch stub, -nostdlib -static. If the library needed any symbol
 * outside the arch interface (a libc call, a compiler helper), the link fails. The binary
 * then runs on the host as a raw static program: it boots one CPU, wakes, picks, blocks and
 * checks, and exits through the exit system call with 0 on success.
 */
#include <sched/arch.h>
#include <sched/sched.h>

static sched_time_t clock_ns;

sched_time_t sched_arch_now(void) { return clock_ns += 1000; }
sched_time_t sched_arch_clock_precision_ns(void) { return 1; }
void sched_arch_set_timer(unsigned cpu, sched_time_t deadline) { (void)cpu, (void)deadline; }
void sched_arch_send_resched(unsigned cpu) { (void)cpu; }
unsigned sched_arch_cpu_id(void) { return 0; }
unsigned long sched_arch_irq_save(void) { return 0; }
void sched_arch_irq_restore(unsigned long flags) { (void)flags; }
void sched_arch_cpu_relax(void) { }
void sched_arch_notify(uint32_t endpoint, uint64_t message) { (void)endpoint, (void)message; }
void sched_arch_trace(const struct sched_trace_event *ev) { (void)ev; }

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
	if (sched_thread_init(&sys, &worker, &p) || sched_wake(&sys, sched_ref_of(&worker), SCHED_WAKE_NEW))
		return 2;
	if (sched_pick(&sys, 0) != &worker)
		return 3;
	sched_finish_switch(&sys, 0);
	if (sched_block(&sys, 0, &next) || next != &idle)
		return 4;
	sched_finish_switch(&sys, 0);
	return sched_check(&sys) ? 5 : 0;
}

__attribute__((noreturn)) void _start(void);
void _start(void)
{
	long code = run();

	__asm__ volatile("syscall" : : "a"(60), "D"(code) : "rcx", "r11", "memory");
	__builtin_unreachable();
}
