/* SPDX-License-Identifier: MIT */
/*
 * tests_scenario.c - the parity check's kernel side (docs/parity.md): boot `only=scenario`
 * runs the scenario QEMU passed as `-fw_cfg name=opt/libsched/scenario,file=...` through
 * the interpreter the simulator runs too (tests/parity/scenario.c), on this kernel's
 * libsched, and prints each decision line as "# scn: LINE"; tests/parity.sh compares them
 * with parity_sim's. Each thread of the scenario is a kernel thread spinning until the
 * end; the runner, pinned to CPU 0, makes every call (the simulator makes them from CPU 0
 * too), and after each step sleeps 2 ms and waits until the other CPUs have taken the
 * picks and IPIs asked of them (the simulator runs 1 ms on, its IPIs instant).
 *
 * One TAP line: the scenario was passed and every line of it parsed. The decisions
 * themselves are the comparison's business, not this boot's: it cannot know them.
 */
#include "kernel.h"
#include "ktest.h"
#include "scenario.h"

_Static_assert(SCN_SCS == KERNEL_SCS && SCN_LEASES == KERNEL_LEASES &&
	       SCN_ISLANDS == KERNEL_ISLANDS && SCN_DMA_PAGES == KPOOL_DMA_PAGES,
	       "the simulator's pools (parity_sim.c) are the kernel's");

#define SETTLE_NS 2000000ull

static volatile int scn_stop;

static void spin(void *arg)
{
	(void)arg;
	while (!scn_stop)
		__asm__ volatile("pause");
}

/* thread_create panics on parameters libsched refuses: scenarios give valid ones
 * (docs/parity.md), so a refusal is never a decision compared. */
static int spawn(void *ctx, const char *name, const struct sched_thread_params *p,
		 struct sched_thread **out)
{
	struct kthread *t = thread_create(name, spin, NULL, p);

	(void)ctx;
	thread_start_now(t);
	*out = &t->st;
	return 0;
}

static void enter(void *ctx)
{
	(void)ctx; /* the runner is on CPU 0 already */
}

/* Every CPU but the runner's has taken the picks and IPIs asked of it: no reschedule
 * pending, no IPI in flight. A revoked SC's running holder, a migrating thread, a CPU
 * going offline all finish at that CPU's next pick, so a decision the next step reads
 * (is the thread blocked, is it still on that CPU?) must wait for it, however late the
 * host runs that vCPU. The runner's own CPU picks whenever the runner sleeps. */
static bool settled(void *arg)
{
	(void)arg;
	for (unsigned c = 1; c < ksys.nr_cpus; c++) {
		const struct sched_rq *rq = &ksys.rq[c];

		if (__atomic_load_n(&rq->need_resched, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&rq->ipi_pending, __ATOMIC_ACQUIRE))
			return false;
	}
	return true;
}

static void settle(void *ctx)
{
	(void)ctx;
	thread_sleep_ns(SETTLE_NS);
	if (!ktest_wait(settled, NULL, KTEST_HANG_NS))
		kprintf("# scn: the machine did not settle\n"); /* a line the simulator lacks */
}

static int online(void *ctx, unsigned cpu)
{
	(void)ctx;
	return cpu >= ksys.nr_cpus ? -SCHED_ECPU : cpu_online_wait(cpu);
}

static void print(void *ctx, const char *line)
{
	(void)ctx;
	kprintf("# scn: %s\n", line);
}

void test_scenario(void)
{
	struct scn_host h = { .sys = &ksys, .spawn = spawn, .enter = enter, .settle = settle,
			      .online = online, .print = print };
	long len = kscenario_len;
	int n = -1;

	thread_pin_self(0);
	if (len >= 0 && len <= KSCENARIO_BYTES)
		n = scn_run(&h, kscenario_text, (unsigned long)len);
	kprintf("# %d operations (scenario of %ld bytes)\n", n, len);
	ktest_report(n > 0, "the parity scenario was passed through fw_cfg and every line of it "
			    "ran");
	scn_stop = 1; /* passive threads stay blocked: the boot ends without waiting */
}
