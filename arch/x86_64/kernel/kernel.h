/* SPDX-License-Identifier: MIT */
/* kernel.h - what the example kernel's parts share. */
#ifndef X86_KERNEL_H
#define X86_KERNEL_H

#include "thread.h"

extern volatile int ktrace_verbose;
/* sched_port.c: the sched_config callbacks (kernel.c installs them) */
void knotify_sink(void *ctx, uint32_t endpoint, uint64_t message);
void ktrace_sink(void *ctx, const struct sched_trace_event *ev); /* not in bench boots */
extern volatile uint64_t knotify_count; /* knotify_sink calls, all CPUs */
extern volatile uint64_t knotify_last;  /* the last message, and its endpoint */
extern volatile uint32_t knotify_endpoint;

#define KERNEL_SCS 16 /* SchedulingContext slots given to libsched at boot */

/* user.c: processes (own page tables) running a small ring-3 program */
enum user_prog { PROG_HELLO, PROG_PING_CLIENT, PROG_PING_SERVER, PROG_SLEEPER, PROG_SPINNER };
struct kthread *process_create(const char *name, enum user_prog prog, uint64_t arg,
			       const struct sched_thread_params *p);
void syscall_init(void);
extern struct kthread *ipc_server; /* endpoint 0 */
extern volatile uint64_t ksyscalls; /* system calls taken, all CPUs */
extern volatile int kspin_stop;     /* PROG_SPINNER's SYS_SPIN answer: nonzero = exit */

/* the boot flavour: which suite kernel_main runs (tests.c, bench.c, demo.c) */
int run_suite(void);

void cpu_online_request(unsigned cpu);            /* kernel.c */
bool kernel_arg(const char *word); /* a word of the kernel command line (QEMU -append) */
extern bool ksmt;                  /* some CPUs are SMT siblings (share a core) */

#endif
