/* SPDX-License-Identifier: MIT */
/*
 * bench.c - the benchmark boot: in-guest figures in TSC cycles and ns, libsched without a
 * trace callback (no per-switch logging). Printed as "# bench: NAME VALUE UNIT" lines.
 *   handoff round trip: call + reply between two kernel threads, and between two ring-3
 *                       processes (address-space switches included), on one CPU
 *   pick + switch:      two threads yielding to each other on one CPU, per switch
 *   remote wake:        wake of a thread blocked on another, idle CPU until it runs
 */
#include "kernel.h"

const bool suite_bench_mode = true; /* kernel.c installs no sched_config.trace */
const bool suite_core_sched = false; /* no core scheduling (kernel.c) */

static volatile int stop;
static struct kthread *server;

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
	line("handoff_round_trip_kernel", (tsc_read() - t0) / n);
}

static void bench_kernel_handoff(unsigned cpu)
{
	enum { N = 100000 };
	sched_cpumask_t m;
	struct sched_thread_params p;
	struct kthread *c;

	on_cpu(&m, cpu, &p);
	server = thread_create("kserver", kserver, NULL, &p);
	thread_start_now(server);
	thread_sleep_ns(2000000);
	c = thread_create("kclient", kclient, (void *)(uint64_t)N, &p);
	thread_start_now(c);
	wait_done(&c, 1);
	stop = 1;
	sched_exit(&ksys, sched_ref_of(&server->st));
	stop = 0;
}

static void bench_user_handoff(unsigned cpu)
{
	enum { N = 50000 };
	sched_cpumask_t m;
	struct sched_thread_params p;
	struct kthread *srv, *cli;

	on_cpu(&m, cpu, &p);
	srv = process_create("server", PROG_PING_SERVER, 0, &p);
	thread_start_now(srv);
	while (ipc_server != srv || srv->st.state != SCHED_BLOCKED)
		thread_sleep_ns(1000000);
	cli = process_create("client", PROG_PING_CLIENT, N, &p);
	thread_start_now(cli);
	wait_done(&cli, 1);
	line("handoff_round_trip_user", cli->user_arg / N);
	sched_exit(&ksys, sched_ref_of(&srv->st));
	ipc_server = NULL;
}

static void yielder(void *arg)
{
	uint64_t n = (uint64_t)arg;

	for (uint64_t i = 0; i < n; i++)
		thread_yield();
}

static void bench_yield(unsigned cpu)
{
	enum { N = 100000 };
	sched_cpumask_t m;
	struct sched_thread_params p;
	struct kthread *y[2];
	uint64_t t0;

	on_cpu(&m, cpu, &p);
	y[0] = thread_create("y0", yielder, (void *)(uint64_t)N, &p);
	y[1] = thread_create("y1", yielder, (void *)(uint64_t)N, &p);
	t0 = tsc_read();
	thread_start_now(y[0]);
	thread_start_now(y[1]);
	wait_done(y, 2);
	line("pick_and_switch", (tsc_read() - t0) / (2 * N));
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

int run_suite(void)
{
	unsigned last = ksys.nr_cpus - 1;

	kprintf("# libsched x86_64 benchmark boot: %u CPUs, TSC %llu Hz\n", ksys.nr_cpus,
		tsc_hz());
	bench_kernel_handoff(last);
	bench_user_handoff(last);
	bench_yield(last);
	if (ksys.nr_cpus > 1)
		bench_remote_wake(last);
	return 0;
}
