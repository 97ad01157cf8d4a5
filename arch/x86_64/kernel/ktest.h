/* SPDX-License-Identifier: MIT */
/*
 * ktest.h - the test suite's reporting and waiting (tests.c), for the test files beside it
 * (tests_policy.c): one TAP numbering, one failure count.
 */
#ifndef X86_KTEST_H
#define X86_KTEST_H

#include <stdbool.h>
#include <stdint.h>

/* A condition not true after this much guest time is a hang (tests.c's HANG_NS). */
#define KTEST_HANG_NS 20000000000ull

void ktest_report(bool ok, const char *what);
void ktest_skip(const char *what, const char *why);
/* Sleep-poll (1 ms) until cond(arg); false after limit_ns, every CPU's state printed. */
bool ktest_wait(bool (*cond)(void *), void *arg, uint64_t limit_ns);
/* Wait until every other CPU is idle with nothing queued, then sched_check() == 0. */
bool ktest_quiet_check(void);
/* The worst lateness of cpu's scheduler timer since the last take. */
uint64_t ktest_late_take(unsigned cpu);
struct kthread;
uint64_t ktest_runtime(struct kthread *t);   /* libsched's runtime of t, ns */
void ktest_sort(uint64_t *v, unsigned n);

/* tests_policy.c: the policy service in ring 3 (only=policy) */
#define KTEST_POLICY_TESTS 19
void test_policy(void);

/* tests_hotplug.c: CPU offline and online under SC, core, lease and island work
 * (only=hotplug) */
#define KTEST_HOTPLUG_TESTS 13
void test_hotplug_load(void);

/* tests_scenario.c: a parity scenario (tests/parity) passed through fw_cfg (only=scenario) */
void test_scenario(void);

/* tests_parity.c: what the library can do, in ring 3 (only=parity) */
#define KTEST_PARITY_TESTS 12
void test_parity(void);

#endif
