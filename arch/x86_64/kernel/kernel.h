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
enum user_prog { PROG_HELLO, PROG_PING_CLIENT, PROG_PING_SERVER, PROG_SLEEPER, PROG_SPINNER,
		 PROG_MX_LOW, PROG_MX_HIGH, PROG_MX_MEDIUM };
struct kthread *process_create(const char *name, enum user_prog prog, uint64_t arg,
			       const struct sched_thread_params *p);
/* The same with an argument block: argv[0..n) is copied to the top of the process's stack
 * page and the program gets its address (n <= 32). */
struct kthread *process_create_argv(const char *name, enum user_prog prog, const uint64_t *argv,
				    unsigned n, const struct sched_thread_params *p);

/*
 * System calls: int 0x80, rax = number, rdi, rsi, rdx = arguments, result in rax (negative:
 * -SCHED_E* for the ksync calls). The numbers are also in user_progs.asm.
 */
enum {
	SYS_WRITE, SYS_YIELD, SYS_SLEEP, SYS_EXIT, SYS_CALL, SYS_REPLY_RECV, SYS_RECV,
	SYS_REPORT, SYS_SPIN,
	/* ksync.c */
	SYS_MUTEX_CREATE = 9, /* (flags: 0 proxy, 1 plain) -> id */
	SYS_MUTEX_LOCK,       /* (id, timeout ns, 0 = none) -> sched_wait_result */
	SYS_MUTEX_TRYLOCK,    /* (id) */
	SYS_MUTEX_UNLOCK,     /* (id) */
	SYS_COND_CREATE,      /* () -> id */
	SYS_COND_WAIT,        /* (cond id, mutex id, timeout ns) -> sched_wait_result */
	SYS_COND_SIGNAL,      /* (id, all) */
	SYS_BARRIER_CREATE,   /* (count) -> id */
	SYS_BARRIER_WAIT,     /* (id) -> sched_wait_result */
	SYS_MARK,             /* (value): an event in the log, for tests */
};

/* ksync.c: libsched's mutexes, condition variables and barriers for ring 3, in tables */
#define KSYNC_MUTEXES 16
#define KSYNC_CONDS 8
#define KSYNC_BARRIERS 8
enum ksync_kind { KSYNC_KIND_MUTEX, KSYNC_KIND_COND, KSYNC_KIND_BARRIER };
struct sched_mutex;
struct sched_cond;
struct sched_barrier;
int ksync_mutex_create(unsigned flags);  /* id, -SCHED_EINVAL (flags), -SCHED_EFULL */
int ksync_cond_create(void);             /* id, -SCHED_EFULL */
int ksync_barrier_create(unsigned count);/* id, -SCHED_EINVAL (count 0), -SCHED_EFULL */
struct sched_mutex *ksync_mutex(uint64_t id); /* NULL for an id not created */
struct sched_cond *ksync_cond(uint64_t id);
struct sched_barrier *ksync_barrier(uint64_t id);
int64_t ksync_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2);

/*
 * The event log of the ksync system calls: each records its call (waits: before it may
 * block) and its return with the result, in the order taken (one atomic counter for all
 * CPUs); SYS_MARK adds a program's own marks. A test resets it while no process uses it
 * and reads it once they are done. Past KEV_MAX events only kev_n grows.
 */
enum kev_kind {
	KEV_CREATE, /* obj: enum ksync_kind; val: the new id or the error */
	KEV_LOCK, KEV_LOCKED, KEV_TRYLOCK, KEV_UNLOCK, KEV_COND_WAIT, KEV_COND_WOKE, KEV_SIGNAL,
	KEV_BARRIER, KEV_BARRIER_PASSED, KEV_MARK,
};
struct kev {
	uint64_t ns;      /* clock_ns() */
	uint32_t tid;     /* the thread's libsched id */
	uint8_t cpu, kind;
	uint8_t waited;   /* a return: the thread left its CPU to wait */
	uint16_t obj;     /* the object's id (0xffff: out of range) */
	int64_t val;      /* a return's result; a mark's value */
};
#define KEV_MAX 1024
extern struct kev kev_log[KEV_MAX];
extern volatile uint32_t kev_n;
void kev_reset(void);
void kev_add(enum kev_kind kind, uint32_t obj, int64_t val, bool waited);
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
