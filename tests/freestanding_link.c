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
void sched_arch_set_timer(sched_time_t deadline) { (void)deadline; }
void sched_arch_send_resched(unsigned cpu) { (void)cpu; }
unsigned sched_arch_cpu_id(void) { return 0; }
unsigned long sched_arch_irq_save(void) { return 0; }
void sched_arch_irq_restore(unsigned long flags) { (void)flags; }
void sched_arch_cpu_relax(void) { }

/* A failed SCHED_ASSERT (libsched_kernel is built with SCHED_DEBUG by default): the message
 * on stderr through raw write system calls, then a trap (SIGILL: the test fails). No
 * notify or trace callback: sched_init gets no configuration. */
static void put(const char *s)
{
	unsigned long n = 0;
	long r = 1; /* write(2, s, n); the result comes back in rax */

	while (s[n])
		n++;
	__asm__ volatile("syscall" : "+a"(r) : "D"(2L), "S"(s), "d"(n) : "rcx", "r11", "memory");
}

void sched_arch_assert_fail(const char *expr, const char *file, unsigned line)
{
	char num[12];
	unsigned i = sizeof(num) - 1;

	num[i] = 0;
	do
		num[--i] = (char)('0' + line % 10);
	while ((line /= 10) && i);
	put("libsched assertion failed: ");
	put(expr);
	put(" at ");
	put(file);
	put(":");
	put(&num[i]);
	put("\n");
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
