/* SPDX-License-Identifier: MIT */
/*
 * test_lease_race.c - a lease grant against the picks of the CPU it closes, interleaved by
 * hand. This file is the port (its own arch hooks, no simulator: the simulator runs a
 * grant as one step), and its clock is the seam: a grant reads the clock with no run-queue
 * lock held as it records each step, and there the test acts as the leased CPU.
 *
 * CPU 1 runs the holder h and queues x, which the lease does not hold. After CLOSE, CPU 1
 * yields and picks x (nothing stops a pick there: the grant has yet to move x); after the
 * grant's pass over the queues (QUEUED), x yields and goes back to CPU 1's queue, h runs
 * again. CPU 1 ran the holder when it was closed, so no switch of its own was awaited: the
 * lease used to become ACTIVE with x queued on its CPU (found by stress_threads, with a
 * forced-idle pick of core scheduling putting x back). The grant must find x at its last
 * look and leave CPU 1's part of the activation to CPU 1's next switch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include <sched/arch.h>
#include <sched/lease.h>
#include <sched/sched.h>

#define CPUS 2

static struct sched_sys sys;
static struct sched_rq rq[CPUS];
static struct sched_thread idle[CPUS], h, x;
static struct sched_lease leases[2];
static unsigned my_cpu;
static sched_time_t clock_ns = 1000000;

/* the interleaving: 0 off, 1 armed (after CLOSE), 2 after QUEUED, 3 done */
static int stage;
static bool x_ran; /* CPU 1 picked x while the grant was under way */

/* --- the port -------------------------------------------------------------------------- */

static void act(void);

sched_time_t sched_arch_now(void)
{
	clock_ns += 1000;
	act();
	return clock_ns;
}

void sched_arch_set_timer(sched_time_t deadline) { (void)deadline; }
void sched_arch_send_resched(unsigned cpu) { (void)cpu; } /* the test picks by hand */
unsigned sched_arch_cpu_id(void) { return my_cpu; }
unsigned long sched_arch_irq_save(void) { return 0; }
void sched_arch_irq_restore(unsigned long flags) { (void)flags; }

void sched_arch_cpu_relax(void)
{
	fprintf(stderr, "spin-wait: a lock or on_cpu was left held\n");
	abort();
}

void sched_arch_assert_fail(const char *expr, const char *file, unsigned line)
{
	fprintf(stderr, "libsched assertion failed: %s at %s:%u (cpu %u)\n", expr, file, line,
		my_cpu);
	abort();
}

/* --- the CPUs, driven by hand ------------------------------------------------------------ */

/* `cpu` reschedules, as on its IPI: pick, switch, finish the switch. */
static void pick_on(unsigned cpu)
{
	unsigned was = my_cpu;

	my_cpu = cpu;
	sched_pick(&sys, cpu);
	sched_finish_switch(&sys, cpu);
	my_cpu = was;
}

static void yield_on(unsigned cpu)
{
	struct sched_thread *next;
	unsigned was = my_cpu;

	my_cpu = cpu;
	assert_int_equal(sched_yield_cpu(&sys, cpu, &next), 0);
	sched_finish_switch(&sys, cpu);
	my_cpu = was;
}

static bool lock_free(const struct sched_lock *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) ==
	       __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}

/*
 * The grant (on CPU 0) read the clock: if CPU 1 is closed and its lock free, this is the
 * record of a step. After CLOSE, CPU 1 picks x; once QUEUED is recorded (the pass went by
 * x, then current), x goes back to the queue and h runs.
 */
static void act(void)
{
	const struct sched_lease_record *r = &leases[0].rec;
	int st = stage;

	if ((st != 1 && st != 2) || my_cpu != 0 || !__atomic_load_n(&rq[1].lease, __ATOMIC_RELAXED) ||
	    !lock_free(&rq[1].core->lock))
		return;
	stage = 0; /* no recursion: the entries below read the clock too */
	if (st == 1 && r->step_at[SCHED_LEASE_STEP_CLOSE] == SCHED_TIME_NEVER) {
		yield_on(1);
		x_ran = rq[1].curr == &x;
		st = 2;
	} else if (st == 2 && r->step_at[SCHED_LEASE_STEP_REFILLS] != SCHED_TIME_NEVER &&
		   r->step_at[SCHED_LEASE_STEP_QUEUED] == SCHED_TIME_NEVER) {
		yield_on(1);
		st = 3;
	}
	stage = st;
}

static sched_cpumask_t cpus(unsigned a, unsigned b)
{
	sched_cpumask_t m;

	sched_cpumask_clear(&m);
	sched_cpumask_set(&m, a);
	sched_cpumask_set(&m, b);
	return m;
}

static void check(void)
{
	if (sched_check(&sys) < 0)
		fail_msg("invariant broken: %s (%u)", sys.check_msg, sys.check_arg);
}

static void machine(void)
{
	static const struct sched_topology topo = { .nr_cpus = CPUS };
	struct sched_config cfg = { .policy = "rr" }; /* a yield lets the other thread run */
	sched_cpumask_t one = cpus(1, 1);
	struct sched_thread_params p = { .affinity = &one };

	assert_int_equal(sched_init(&sys, rq, &topo, &cfg), 0);
	for (unsigned c = 0; c < CPUS; c++) {
		my_cpu = c; /* a CPU comes online itself */
		assert_int_equal(sched_cpu_online(&sys, c, &idle[c]), 0);
	}
	my_cpu = 0;
	assert_int_equal(sched_lease_pool(&sys, leases, 2), 0);
	p.id = 1;
	assert_int_equal(sched_thread_init(&sys, &h, &p), 0);
	p.id = 2;
	assert_int_equal(sched_thread_init(&sys, &x, &p), 0);
}

/* CPU 1 runs h and queues x; x may also run on CPU 0. */
static void h_runs_x_waits(void)
{
	sched_cpumask_t all = cpus(0, 1);

	assert_int_equal(sched_wake(&sys, sched_ref_of(&h), SCHED_WAKE_PARK), 0);
	pick_on(1);
	assert_int_equal(sched_wake(&sys, sched_ref_of(&x), SCHED_WAKE_PARK), 0);
	pick_on(1);
	if (rq[1].curr != &h)
		yield_on(1);
	assert_ptr_equal(rq[1].curr, &h);
	assert_int_equal(sched_set_affinity(&sys, sched_ref_of(&x), &all), 0);
	assert_int_equal(x.state, SCHED_RUNNABLE);
	assert_int_equal(x.cpu, 1);
	check();
}

static void grant_finds_a_thread_picked_and_put_back_behind_its_pass(void **state)
{
	struct sched_lease_params p = { .cpus = cpus(1, 1) };
	struct sched_lease_info info;
	struct sched_lease_cap cap;

	(void)state;
	machine();
	h_runs_x_waits();
	p.thread = sched_ref_of(&h); /* this life of h */

	stage = 1;
	assert_int_equal(sched_lease_grant(&sys, sched_auth_root(&sys), &p, &cap), 0);
	assert_int_equal(stage, 3); /* both steps of CPU 1 ran inside the grant */
	stage = 0;
	assert_true(x_ran);
	assert_ptr_equal(rq[1].curr, &h);
	check(); /* was: x queued on CPU 1, a thread the lease does not hold */
	assert_int_equal(x.cpu, 0); /* the grant's last sweep moved it */
	assert_int_equal(sched_lease_info(&sys, cap, &info), 0);
	assert_int_equal(info.state, SCHED_LEASE_PENDING); /* CPU 1's switch is due */
	assert_int_equal(info.rec.step_count[SCHED_LEASE_STEP_SWITCHED], 1);
	assert_int_equal(info.rec.step_count[SCHED_LEASE_STEP_QUEUED], 1);

	pick_on(1); /* the grant's kick */
	check();
	assert_int_equal(sched_lease_info(&sys, cap, &info), 0);
	assert_int_equal(info.state, SCHED_LEASE_ACTIVE);
	assert_int_equal(x.cpu, 0);
	assert_ptr_equal(rq[1].curr, &h);
	pick_on(0);
	assert_ptr_equal(rq[0].curr, &x);
	check();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grant_finds_a_thread_picked_and_put_back_behind_its_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
