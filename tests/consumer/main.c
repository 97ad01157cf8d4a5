/* SPDX-License-Identifier: MIT */
/*
 * main.c - libsched's host library in an ordinary program: one simulated CPU, three
 * threads of nice -5, 0 and 5, a timer tick every millisecond for 300 ms; prints who ran
 * how long. The arch hooks are the program's (a counter for a clock, one CPU, no
 * interrupts): what a port's user-space test harness provides.
 */
#include <sched/arch.h>
#include <sched/sched.h>

#include <stdio.h>
#include <stdlib.h>

static sched_time_t now_ns;

sched_time_t sched_arch_now(void) { return now_ns; }
void sched_arch_set_timer(sched_time_t deadline) { (void)deadline; }
void sched_arch_send_resched(unsigned cpu) { (void)cpu; }
unsigned sched_arch_cpu_id(void) { return 0; }
unsigned long sched_arch_irq_save(void) { return 0; }
void sched_arch_irq_restore(unsigned long flags) { (void)flags; }
void sched_arch_cpu_relax(void) { }

/* libsched.a is built with its debug checks (meson option asserts) */
void sched_arch_assert_fail(const char *expr, const char *file, unsigned line)
{
	fprintf(stderr, "libsched assertion failed: %s at %s:%u\n", expr, file, line);
	abort();
}

static struct sched_sys sys;
static struct sched_rq rq[1];
static struct sched_thread idle, threads[3];

int main(void)
{
	static const struct sched_topology topo = { .nr_cpus = 1 };
	static const int nice[3] = { -5, 0, 5 };
	unsigned long ms[3] = { 0 };
	struct sched_thread *cur;
	int err;

	printf("libsched %s (headers %s)\n", sched_version(), SCHED_VERSION_STRING);
	if ((err = sched_init(&sys, rq, &topo, NULL)) || (err = sched_cpu_online(&sys, 0, &idle))) {
		fprintf(stderr, "boot: %s\n", sched_strerror(err));
		return 1;
	}
	for (unsigned i = 0; i < 3; i++) {
		struct sched_thread_params p = { .id = i + 1, .nice = nice[i] };

		err = sched_thread_init(&sys, &threads[i], &p);
		if (!err)
			err = sched_wake(&sys, sched_ref_of(&threads[i]), SCHED_WAKE_NEW);
		if (err) {
			fprintf(stderr, "thread %u: %s\n", i + 1, sched_strerror(err));
			return 1;
		}
	}
	cur = sched_pick(&sys, 0);
	sched_finish_switch(&sys, 0);
	for (unsigned tick = 0; tick < 300; tick++) {
		now_ns += 1000000;
		for (unsigned i = 0; i < 3; i++)
			if (cur == &threads[i])
				ms[i]++;
		if (sched_timer(&sys, 0)) {
			cur = sched_pick(&sys, 0);
			sched_finish_switch(&sys, 0);
		}
	}
	for (unsigned i = 0; i < 3; i++)
		printf("thread %u: nice %2d, weight %5d, ran %3lu ms of 300\n", i + 1, nice[i],
		       sched_nice_to_weight(nice[i]), ms[i]);
	if ((err = sched_check(&sys))) {
		fprintf(stderr, "sched_check: %s\n", sys.check_msg);
		return 1;
	}
	/* the weights are 3121 : 1024 : 335, so the order of the times must be that too */
	return ms[0] > ms[1] && ms[1] > ms[2] && ms[2] > 0 ? 0 : 1;
}
