/* SPDX-License-Identifier: MIT */
/*
 * bench.c - the benchmark boot: in-guest figures in TSC cycles and ns, per-switch logging
 * off (kernel.c's trace callback installed, ktrace_verbose clear). Printed as
 * "# bench: NAME VALUE UNIT" lines.
 *   handoff round trip: call + reply between two kernel threads, and between two ring-3
 *                       processes (address-space switches included), on one CPU
 *   pick + switch:      two threads yielding to each other on one CPU, per switch
 *   remote wake:        wake of a thread blocked on another, idle CPU until it runs
 * Then the logging A/B: the handoffs and pick + switch again, shorter, with the per-switch
 * logger off and on (ktrace_verbose: one serial line per switch), side by side as
 * "# bench: NAME off X on Y ratio R" in cycles per operation.
 * Meanwhile the PC sampler (ksample.c) samples every CPU, the logging-on runs left out;
 * its report ends the boot (bench/pc_hist.py turns its "# pc:" lines into functions).
 * "sample=off" on the command line (QEMU -append) runs the same boot without it, to see
 * what the sampling interrupts cost.
 */
#include "kernel.h"

const bool suite_bench_mode = true; /* kernel.c starts no decision log */
const bool suite_core_sched = false; /* no core scheduling (kernel.c) */

/* Each benchmark runs n operations on `cpu` and returns TSC cycles per operation. */
typedef uint64_t (*bench_fn)(unsigned cpu, uint64_t n);

static volatile int stop;
static struct kthread *server;
static uint64_t kclient_cycles;

static uint64_t ns_of(uint64_t cycles)
{
	return cycles * 1000000000ull / tsc_hz();
}

static void line(const char *name, uint64_t cycles)
{
	kprintf("# bench: %s %llu cycles %llu ns\n", name, cycles, ns_of(cycles));
}

static void on_cpu(sched_cpumask_t *m, unsigned cpu, struct sched_thread_params *p)
{
	sched_cpumask_clear(m);
	sched_cpumask_set(m, cpu);
	*p = (struct sched_thread_params){ .affinity = m };
}

static void kserver(void *arg)
{
	(void)arg;
	thread_block();
	while (!stop)
		thread_reply(server->caller);
}

static void kclient(void *arg)
{
	uint64_t n = (uint64_t)arg, t0 = tsc_read();

	for (uint64_t i = 0; i < n; i++)
		thread_call(server);
	kclient_cycles = (tsc_read() - t0) / n;
}

static uint64_t bench_kernel_handoff(unsigned cpu, uint64_t n)
{
	sched_cpumask_t m;
	struct sched_thread_params p;
	struct kthread *c;

	on_cpu(&m, cpu, &p);
	server = thread_create("kserver", kserver, NULL, &p);
	thread_start_now(server);
	thread_sleep_ns(2000000);
	c = thread_create("kclient", kclient, (void *)n, &p);
	thread_start_now(c);
	wait_done(&c, 1);
	stop = 1;
	sched_exit(&ksys, sched_ref_of(&server->st));
	stop = 0;
	return kclient_cycles;
}

static uint64_t bench_user_handoff(unsigned cpu, uint64_t n)
{
	sched_cpumask_t m;
	struct sched_thread_params p;
	struct kthread *srv, *cli;

	on_cpu(&m, cpu, &p);
	srv = process_create("server", PROG_PING_SERVER, 0, &p);
	thread_start_now(srv);
	while (ipc_server != srv || srv->st.state != SCHED_BLOCKED)
		thread_sleep_ns(1000000);
	cli = process_create("client", PROG_PING_CLIENT, n, &p);
	thread_start_now(cli);
	wait_done(&cli, 1);
	sched_exit(&ksys, sched_ref_of(&srv->st));
	ipc_server = NULL;
	return cli->user_arg / n;
}

static void yielder(void *arg)
{
	uint64_t n = (uint64_t)arg;

	for (uint64_t i = 0; i < n; i++)
		thread_yield();
}

static uint64_t bench_yield(unsigned cpu, uint64_t n)
{
	sched_cpumask_t m;
	struct sched_thread_params p;
	struct kthread *y[2];
	uint64_t t0;

	on_cpu(&m, cpu, &p);
	y[0] = thread_create("y0", yielder, (void *)n, &p);
	y[1] = thread_create("y1", yielder, (void *)n, &p);
	t0 = tsc_read();
	thread_start_now(y[0]);
	thread_start_now(y[1]);
	wait_done(y, 2);
	return (tsc_read() - t0) / (2 * n);
}

static volatile uint64_t woken_tsc, ran_tsc;

static void blocker(void *arg)
{
	(void)arg;
	while (!stop) {
		thread_park(); /* an unpark that comes before the park is not lost */
		ran_tsc = tsc_read();
	}
}

static void bench_remote_wake(unsigned target)
{
	enum { N = 2000 };
	sched_cpumask_t m;
	struct sched_thread_params p;
	struct kthread *b;
	uint64_t sum = 0;

	on_cpu(&m, target, &p);
	thread_pin_self(0); /* the waker on CPU 0: every wake is remote */
	b = thread_create("blocker", blocker, NULL, &p);
	thread_start_now(b);
	thread_sleep_ns(2000000);
	for (unsigned i = 0; i < N; i++) {
		ran_tsc = 0;
		woken_tsc = tsc_read();
		thread_unpark(b);
		while (!ran_tsc)
			__asm__ volatile("pause");
		sum += ran_tsc - woken_tsc;
		thread_sleep_ns(50000);
	}
	line("remote_wake_latency", sum / N);
	stop = 1;
	thread_unpark(b);
	wait_done(&b, 1);
	stop = 0;
}

/*
 * The same benchmark with the per-switch logger off, then on. Both halves run with the same
 * interrupts (the sampler's keep coming); the logging-on half is left out of the samples,
 * whose histogram is the boot without logging. The ratio in hundredths, integers only.
 */
static void logging_ab(const char *name, bench_fn fn, unsigned cpu, uint64_t n)
{
	uint64_t off, on, r;

	off = fn(cpu, n);
	ksample_record(false);
	ktrace_verbose = 1;
	on = fn(cpu, n);
	ktrace_verbose = 0;
	ksample_record(true);
	r = off ? on * 100 / off : 0;
	kprintf("# bench: %s off %llu on %llu ratio %llu.%02llu\n", name, off, on, r / 100,
		r % 100);
}

int run_suite(void)
{
	enum { N_AB = 2000 }; /* operations per A/B half: 4,000 log lines at most, each */
	unsigned last = ksys.nr_cpus - 1;
	bool sample = !kernel_arg("sample=off");

	kprintf("# libsched x86_64 benchmark boot: %u CPUs, TSC %llu Hz\n", ksys.nr_cpus,
		tsc_hz());
	sched_measure(&ksys, true); /* every counter on, as when its published figures were taken */
	thread_pin_self(0); /* the PIT interrupts the boot CPU: the sampler starts there */
	if (sample && !ksample_start())
		kprintf("# sample: the PIT did not start; timer samples only\n");
	line("handoff_round_trip_kernel", bench_kernel_handoff(last, 100000));
	line("handoff_round_trip_user", bench_user_handoff(last, 50000));
	line("pick_and_switch", bench_yield(last, 100000));
	if (ksys.nr_cpus > 1)
		bench_remote_wake(last);
	kprintf("# logging A/B: cycles per operation, %u operations each, per-switch logger"
		" off / on\n", (unsigned)N_AB);
	logging_ab("handoff_round_trip_kernel", bench_kernel_handoff, last, N_AB);
	logging_ab("handoff_round_trip_user", bench_user_handoff, last, N_AB);
	logging_ab("pick_and_switch", bench_yield, last, N_AB);
	if (sample) {
		ksample_stop();
		ksample_report();
	}
	return 0;
}
