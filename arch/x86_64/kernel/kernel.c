/* SPDX-License-Identifier: MIT */
/*
 * kernel.c - boot of the example kernel's scheduler side: libsched over every CPU QEMU
 * gives, the CPUs' boot contexts as idle threads, and one runner thread for the suite this
 * image was built with (tests.c, bench.c or demo.c); its result leaves QEMU through
 * isa-debug-exit. The kernel gives libsched its SchedulingContext, lease and island slots
 * and its memory pools at boot, and its lease and IRQ hooks (klease.c, kisland.c), and
 * sets up the policy service's queue, decision log and manifests (kpolicy.c).
 */
#include "kernel.h"

volatile int ktrace_verbose;
volatile uint64_t knotify_count;
volatile uint64_t knotify_last;
volatile uint32_t knotify_endpoint;
volatile uint64_t knotify_kind[KNOTIFY_KINDS];
volatile uint64_t knotify_violation_last;
volatile uint32_t knotify_violation_endpoint;
extern const bool suite_bench_mode;
extern const bool suite_core_sched; /* the flavour can run with core scheduling */
bool ksmt;

static struct sched_rq rqs[MAX_CPUS];
/* Every SchedulingContext this kernel can have (sched_sc_pool); the refill rings come with
 * each sched_sc_create. */
static struct sched_sc scs[KERNEL_SCS];
static volatile unsigned online_req[MAX_CPUS];
static volatile int online_result[MAX_CPUS];    /* the last sched_cpu_online there */
static volatile uint32_t online_done[MAX_CPUS]; /* requests taken there */
char kscenario_text[KSCENARIO_BYTES];
long kscenario_len = -1;

static __attribute__((noreturn)) void ap_main(unsigned cpu)
{
	idle_init(cpu);
	idle_loop();
}

/* Bring `cpu` back online: sched_cpu_online must run on that CPU, so ask it by IPI. */
void cpu_online_request(unsigned cpu)
{
	__atomic_store_n(&online_req[cpu], 1, __ATOMIC_RELEASE);
	lapic_send_ipi(cpu, VEC_CALL);
}

/* The same, and wait (sleep-polling) until that CPU took the request: its result. */
int cpu_online_wait(unsigned cpu)
{
	uint32_t done = __atomic_load_n(&online_done[cpu], __ATOMIC_ACQUIRE);

	cpu_online_request(cpu);
	while (__atomic_load_n(&online_done[cpu], __ATOMIC_ACQUIRE) == done)
		thread_sleep_ns(100000);
	return online_result[cpu];
}

/* The only per-CPU deferred work this kernel has (the lease port hook asks, klease.c). */
bool cpu_online_pending(unsigned cpu)
{
	return cpu < MAX_CPUS && __atomic_load_n(&online_req[cpu], __ATOMIC_ACQUIRE);
}

static void call_irq(struct regs *r)
{
	unsigned cpu = this_cpu();

	(void)r;
	lapic_eoi();
	if (__atomic_exchange_n(&online_req[cpu], 0, __ATOMIC_ACQ_REL)) {
		online_result[cpu] = sched_cpu_online(&ksys, cpu, &thread_current()->st);
		__atomic_fetch_add(&online_done[cpu], 1, __ATOMIC_RELEASE);
		schedule(); /* an empty CPU steals work at its first pick */
	}
}

/* `word` is one of the blank-separated words of the kernel command line (QEMU -append). */
bool kernel_arg(const char *word)
{
	const char *line = platform_cmdline();

	for (const char *s = line; *s; s++) {
		size_t i = 0;

		if (s != line && s[-1] != ' ')
			continue;
		while (word[i] && s[i] == word[i])
			i++;
		if (!word[i] && (s[i] == ' ' || s[i] == 0))
			return true;
	}
	return false;
}

static void runner(void *arg)
{
	(void)arg;
	qemu_exit(run_suite() ? 1 : 0);
}

void kernel_main(void)
{
	struct sched_topology topo = { .nr_cpus = platform_nr_cpus() };
	/* Notifications and the trace callback in every boot. The callback prints each switch
	 * only while ktrace_verbose is set: the kernel's own run-time switch (sched_config is
	 * fixed at sched_init), which the benchmark boot turns on for its logging A/B. */
	struct sched_config cfg = {
		.notify = knotify_sink,
		.trace = ktrace_sink,
		.lease_port = klease_port,
		.island_irq = kisland_irq,
	};

	for (unsigned c = 0; c < topo.nr_cpus; c++) {
		topo.core[c] = (uint16_t)platform_core_of(c);
		topo.llc[c] = (uint16_t)platform_llc_of(c);
		for (unsigned d = 0; d < c; d++)
			ksmt |= topo.core[d] == topo.core[c];
	}
	/* Core scheduling and its kernel protection, when the flavour supports them, some CPUs
	 * are SMT siblings and the command line says "core=on" ("protect=off" leaves the
	 * protection out). They are a property of the whole boot: sched_init fixes them (the
	 * siblings share the core lock). */
	if (suite_core_sched && ksmt && kernel_arg("core=on")) {
		cfg.core_sched = true;
		cfg.core_protect = !kernel_arg("protect=off");
	}
	kprotect = cfg.core_protect;
	if (sched_init(&ksys, rqs, &topo, &cfg) < 0)
		panic("sched_init failed");
	if (sched_sc_pool(&ksys, scs, KERNEL_SCS) < 0)
		panic("sched_sc_pool failed");
	klease_init();
	kisland_init();
	kpolicy_init(!suite_bench_mode); /* no decision log where overheads are measured */
	/* the parity scenario, if one is passed: fw_cfg wants no AP about */
	kscenario_len = platform_fw_file("opt/libsched/scenario", kscenario_text,
					 sizeof(kscenario_text));
	sched_irq_init();
	syscall_init();
	idt_set_handler(VEC_CALL, call_irq);
	idle_init(0);
	platform_start_aps(ap_main);
	boot_enter_kernel();
	thread_start_now(thread_create("runner", runner, NULL, NULL));
	idle_loop();
}
