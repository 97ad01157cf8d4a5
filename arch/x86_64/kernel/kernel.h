/* SPDX-License-Identifier: MIT */
/* kernel.h - what the example kernel's parts share. */
#ifndef X86_KERNEL_H
#define X86_KERNEL_H

#include <sched/island.h>
#include <sched/policy.h>

#include "kparity_abi.h"
#include "kpolicy_abi.h"
#include "thread.h"

extern volatile int ktrace_verbose;
/* sched_port.c: the sched_config callbacks (kernel.c installs them) */
void knotify_sink(void *ctx, uint32_t endpoint, uint64_t message);
void ktrace_sink(void *ctx, const struct sched_trace_event *ev); /* prints if ktrace_verbose */
extern volatile uint64_t knotify_count; /* knotify_sink calls, all CPUs */
extern volatile uint64_t knotify_last;  /* the last message, and its endpoint */
extern volatile uint32_t knotify_endpoint;
/* knotify_sink calls by message kind (the top byte: SCHED_SC_MSG_*, 3 an island violation;
 * 7 counts every kind above 6), and the last island violation message and its endpoint */
#define KNOTIFY_KINDS 8
extern volatile uint64_t knotify_kind[KNOTIFY_KINDS];
extern volatile uint64_t knotify_violation_last;
extern volatile uint32_t knotify_violation_endpoint;

#define KERNEL_SCS 16 /* SchedulingContext slots given to libsched at boot */

/* user.c: processes (own page tables) running a small ring-3 program */
enum user_prog { PROG_HELLO, PROG_PING_CLIENT, PROG_PING_SERVER, PROG_SLEEPER, PROG_SPINNER,
		 PROG_MX_LOW, PROG_MX_HIGH, PROG_MX_MEDIUM, PROG_CTL, PROG_CALLS, PROG_SUBMITTER,
		 PROG_ISLAND };
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
	/* klease.c, kring.c */
	SYS_LEASE_GRANT = 19, /* (cpu, scope: KLEASE_THREAD or KLEASE_PROCESS) -> handle */
	SYS_LEASE_REVOKE,     /* (handle) */
	SYS_RING_SUBMIT,      /* (count): publish that many entries -> 1 woke the poller, 0 not */
	/* kisland.c */
	SYS_ISLAND_ADMIT = 22, /* (request address in the shared page) -> handle */
	SYS_ISLAND_WAIT,      /* (): end this job, sleep to the next release -> releases skipped */
	SYS_ISLAND_REVOKE,    /* (handle) */
	/* kpolicy.c: SYS_POLICY_SUBMIT = 25 .. SYS_CLOCK = 40, in kpolicy_abi.h */
	/* user.c (the passive server's endpoint) and ksession.c (authority handles):
	 * SYS_SERVE_CALL = 48 .. SYS_AUTH_SET_FAIR = 53, in kparity_abi.h */
};
_Static_assert((int)SYS_SERVE_CALL == 48 && (int)SYS_SERVE_CALL > (int)SYS_POLICY_NR,
	       "the parity boot's calls start at 48, clear of the policy calls and of those "
	       "another part may add after SYS_CLOCK");

/*
 * Processes made by kprocess_create (user.c): a group of their own (kind PROCESS, not a
 * fairness group: their threads compete as before), up to KPROC_THREADS threads sharing
 * one address space, and one page shared with the kernel. Thread i has its own code page
 * at USER_CODE + i pages and its own stack page below USER_STACK_TOP - 2i pages (a hole
 * between stacks). A thread ends through SYS_EXIT (or an unknown system call); when the
 * last one does, the process's leases are revoked (klease_process_exit). The older
 * process_create processes have none of this.
 */
#define KPROCESSES 16
#define KPROC_THREADS 4
#define USER_SHARED 0x600000ull

/*
 * The shared page (user, writable, no-execute at USER_SHARED; the kernel's view through
 * the direct map). Offsets are repeated in user_progs.asm. The kernel only compares what
 * it reads here, never trusts it: a ring's positions are its own (kring.c).
 * - ctl[]: one control block per controlled thread (PROG_CTL, PROG_SUBMITTER): the kernel
 *   writes `cmd`, the program the rest;
 * - results[]: PROG_CALLS's results, one per call;
 * - ring_head, ring[]: a submission ring (kring.c): the program writes entries, the
 *   kernel's poller reads them and mirrors how far it got;
 * - isl[]: island requests (kisland.c): what SYS_ISLAND_ADMIT asks for (written by the
 *   program, or by the kernel test for it), and the verdict the kernel writes back.
 */
#define KSHARED_CTLS 8
#define KSHARED_RESULTS 32
#define KRING_ENTRIES 128 /* a power of two */
enum { KCMD_RUN, KCMD_RELEASE, KCMD_EXIT, KCMD_VIOLATE };  /* PROG_CTL's, PROG_ISLAND's cmd */
enum { KSTATE_START, KSTATE_RUNNING, KSTATE_RELEASED, /* PROG_CTL's, PROG_ISLAND's state */
       KSTATE_JOBS_DONE, KSTATE_VIOLATED };           /* PROG_ISLAND's only */
struct kctl {
	volatile uint64_t cmd;        /* kernel: KCMD_* (PROG_SUBMITTER: bursts allowed) */
	volatile int64_t handle;      /* PROG_CTL: its SYS_LEASE_GRANT result */
	volatile uint64_t state;      /* KSTATE_* (PROG_SUBMITTER: bursts done) */
	volatile uint64_t progress;   /* PROG_CTL: loop turns in ring 3 */
	volatile int64_t release;     /* PROG_CTL: its SYS_LEASE_REVOKE result */
	volatile int64_t again;       /* ... and that of the same call again */
	volatile int64_t error;       /* PROG_SUBMITTER: the failed SYS_RING_SUBMIT's result;
				       * PROG_ISLAND: its SYS_ISLAND_WAIT after the revocation */
	volatile uint64_t extra;      /* PROG_ISLAND: releases its waits skipped (summed) */
};
struct kring_entry {
	uint64_t seq;                 /* 0, 1, 2, ... in submission order */
	uint64_t check;               /* ~seq */
};
#define KISLAND_NO_IRQ 0xffffffffull    /* kisland_req.irq_line: none */
#define KISLAND_NO_SERVICE 0xffffffffull /* kisland_req.service: none */
struct kisland_req {
	/* asked (ring 3; the kernel copies it once, then checks the copy) */
	uint64_t cpu;                 /* the CPU to lease, and the member's CPU */
	uint64_t period_ns, budget_ns;/* the member SC (sporadic, deadline = period) */
	uint64_t dma_pages;           /* pages of the "dma" pool (0: none) */
	uint64_t irq_line;            /* an IRQ to reserve (KISLAND_NO_IRQ: none) ... */
	uint64_t irq_gap_ns, irq_cost_ns; /* ... its least inter-arrival time and handler cost */
	uint64_t service;             /* a kernel service (kisland_service) on the member's
				       * path, or KISLAND_NO_SERVICE */
	uint64_t service_cost_ns;     /* its cost per call (one call per job) */
	/* answered (the kernel) */
	volatile int64_t result;      /* the system call's result */
	volatile uint64_t accepted, resource, test, index, other, demand, supply, at, cpu_of;
	char why[104];                /* sched_island_explain's line, NUL-terminated */
};
#define KSHARED_ISLAND_REQS 4
struct kshared {
	struct kctl ctl[KSHARED_CTLS];             /* 0x000 */
	volatile int64_t results[KSHARED_RESULTS]; /* 0x200 */
	volatile uint64_t ring_head;               /* 0x300 */
	uint64_t pad[31];
	struct kring_entry ring[KRING_ENTRIES];    /* 0x400 */
	struct kisland_req isl[KSHARED_ISLAND_REQS]; /* 0xc00 */
};
_Static_assert(sizeof(struct kisland_req) == 256, "one island request is 256 bytes");
_Static_assert(sizeof(struct kshared) == PAGE_SIZE, "the shared page is one page");
_Static_assert(__builtin_offsetof(struct kshared, ring) == 0x400, "user_progs.asm offsets");
_Static_assert(__builtin_offsetof(struct kshared, isl) == 0xc00, "user_progs.asm offsets");

struct kring;
struct kprocess {
	struct sched_group group;     /* the process: lease holder, accounting */
	const char *name;
	uint64_t pml4;
	struct kshared *shared;       /* its shared page, through the direct map */
	unsigned nr_threads;          /* threads made (each took a code and a stack slot) */
	uint32_t live;                /* threads made and not exited [atomic] */
	volatile int exited;          /* its last thread exited */
	int exit_revoked;             /* leases sched_lease_revoke_owned ended then (or error) */
	int exit_islands;             /* islands sched_island_revoke_owned ended then (or error) */
	int exit_policy;              /* policy SCs revoked then (kpolicy_process_exit) */
	int exit_scs;                 /* its other SCs revoked then (sched_sc_revoke_owned) */
	int exit_cookie;              /* its cookie cleared then: 1, 0 if it had none, or error */
	int exit_auth;                /* authority handles it held, revoked then */
	struct ksession *session;     /* the session it is in, or NULL */
	struct kring *ring;           /* its submission ring, or NULL */
	struct kthread *threads[KPROC_THREADS]; /* made so far, in order (a thread's index) */
	uint64_t entry;               /* a C program's entry point; 0: assembly programs */
	bool faults_end_thread;       /* a ring-3 exception ends the thread, not the kernel */
	bool policy_service;          /* its threads may attach as the policy service */
};
struct kprocess *kprocess_create(const char *name);
/* The same inside group `parent` (NULL: a top-level group). */
struct kprocess *kprocess_create_in(const char *name, struct sched_group *parent);
struct kprocess *kprocess_of_group(uint32_t id); /* the process whose group has id, or NULL */
/* A NEW thread of p running `prog` with argv[0..n) (n <= 32) at its stack top; p->group
 * replaces params->group. Panics past KPROC_THREADS. */
struct kthread *kprocess_thread(struct kprocess *p, const char *name, enum user_prog prog,
				const uint64_t *argv, unsigned n,
				const struct sched_thread_params *params);

/*
 * Ring-3 C programs (kernel/user/, linked at 0x400000 by user.ld, embedded in the kernel as
 * ELF images): kprocess_create_elf maps the image's segments with their own permissions
 * (code, read-only data, data and bss, up to the shared page at USER_SHARED), and each
 * kprocess_thread_c thread gets a stack of UCSTACK_PAGES of its own, entering the image's
 * entry (_start, ulib.c) with rdi = argv copied to its stack top.
 */
enum user_elf { ELF_POLICY, ELF_REQUESTER, ELF_PARITY, ELF_NR };
#define UCSTACK_PAGES 16                 /* 64 KiB per thread */
#define UCSTACK_TOP 0x10000000ull        /* thread 0's stack top */
#define UCSTACK_STRIDE 0x100000ull       /* the next thread's, 1 MiB lower (a gap between) */
struct kprocess *kprocess_create_elf(const char *name, enum user_elf elf,
				     struct sched_group *parent);
/* The same as a fairness group of `weight` (sched_group_params.weight) with per-CPU state
 * pcpu (ksys.nr_cpus entries, living as long as the process). */
struct kprocess *kprocess_create_elf_fair(const char *name, enum user_elf elf,
					  struct sched_group *parent, uint32_t weight,
					  struct sched_group_cpu *pcpu);
struct kthread *kprocess_thread_c(struct kprocess *p, const char *name, const uint64_t *argv,
				  unsigned n, const struct sched_thread_params *params);
/* Kill a ring-3 thread: it ends with KILLED_STATUS on its next way back to ring 3 (user.c).
 * Call again until it is done: it may have moved away from the CPU that was interrupted. */
#define KILLED_STATUS (-9)
void user_kill(struct kthread *t);

/*
 * kpolicy.c: the policy service (sched/policy.h) for ring 3. The kernel owns the request
 * queue and its slots, the decision log (sched/explain.h), the SCs the service makes for
 * requests (SYS_POLICY_SC_CREATE: owned by the requester's process, refill rings the
 * kernel's), and the service's authority, which it uses on the service's behalf (ring 3
 * holds handles, never pointers: kpolicy_abi.h). Requesters are the threads of processes
 * in the group kpolicy_apps (the scope of the service's authority and of the default
 * profile's); the service is a thread of a process marked policy_service. The manifests
 * come from QEMU's fw_cfg at boot (opt/libsched/manifest, then .1 .. .3): no rebuild.
 */
#define KPOL_SLOTS 32
#define KPOL_SCS 8                /* SCs created for served requests */
#define KPOL_RTT_LOG 256          /* round trips kept (submit to the answer seen) */
#define KPOL_MANIFEST_BYTES 4096  /* each manifest's room */
#define KPOL_WHY_LEN 256          /* the decision log's records (a power of two) */
extern struct sched_group kpolicy_apps;   /* requesters' processes go in here */
extern struct sched_policy kpol_queue;
extern struct sched_policy_slot kpol_slots[KPOL_SLOTS];
void kpolicy_init(bool explain); /* at boot, before the APs; explain: start the log */
int64_t kpolicy_syscall(struct kthread *me, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2);
int kpolicy_process_exit(struct kprocess *p); /* policy SCs of p revoked: how many */
/* The service's SYS_POLICY_TAKE returns -SCHED_EAGAIN once, so that it reads its shared
 * page (a command: load another manifest, ...) even while no request comes. */
void kpolicy_poke(void);
/* The round trips measured (submit call's entry to the wait's return), oldest first. */
unsigned kpolicy_round_trips(uint64_t *out, unsigned max);
/* The manifests passed at boot: size (-1: none), text. */
long kpolicy_manifest(unsigned index, const char **text);
unsigned kpolicy_manifest_current(void);
/* The policy SC a handle names (kpolicy_abi.h), as a capability: -SCHED_EINVAL. */
int kpolicy_sc_of(uint64_t handle, struct sched_sc_cap *out);

/*
 * klease.c: CPU isolation leases (sched/lease.h) for ring 3. The kernel holds the root
 * authority and grants a kprocess thread's request for one CPU, to the thread or to its
 * process; a handle names the lease (its capability: index | gen << 16). The port hook
 * (sched_config.lease_port) keeps a record per CPU of what it was asked to move.
 */
#define KERNEL_LEASES 8
enum { KLEASE_THREAD, KLEASE_PROCESS };    /* SYS_LEASE_GRANT's scope */
void klease_init(void);                    /* the lease pool, at boot (before any grant) */
void klease_port(void *ctx, unsigned cpu, unsigned what, bool leased,
		 const sched_cpumask_t *housekeeping);
int64_t klease_sys_grant(struct kthread *me, uint64_t cpu, uint64_t scope);
int64_t klease_sys_revoke(struct kthread *me, uint64_t handle);
int klease_process_exit(struct kprocess *p); /* sched_lease_revoke_owned: how many */
int klease_group_exit(struct sched_group *g); /* the same for any group (a session's end) */
int klease_info(int64_t handle, struct sched_lease_info *out); /* -SCHED_ESTALE once over */

/* What the port hook was asked for one CPU, per kind (enum sched_lease_port_what), and
 * what it found there to move. Written by whichever CPU grants or revokes. */
#define KLEASE_KINDS 3
struct klease_port_cpu {
	uint64_t asked[KLEASE_KINDS][2]; /* calls: [kind][0 give back, 1 move off] */
	uint64_t found[KLEASE_KINDS];    /* items of that kind found on the CPU, all calls */
	uint64_t unmoved[KLEASE_KINDS];  /* found and left there: this kernel cannot move them */
	uint64_t hk_has_cpu;             /* move-off calls whose housekeeping set held the CPU */
	uint64_t hk_empty;               /* calls with an empty housekeeping set */
	uint64_t last_ns[KLEASE_KINDS];  /* clock_ns() of the last call */
};
extern struct klease_port_cpu kport[MAX_CPUS];

/*
 * kisland.c: realtime islands (sched/island.h) for ring 3. The kernel declares its memory
 * pools at boot (one, "dma": pages it hands to islands, booked by libsched, allocated by the
 * kernel in the admitting system call before the admission, never on the realtime path),
 * records IRQ routings (sched_config.island_irq: this kernel has no device IRQ to route,
 * see kisland.c), and admits an island for the calling kprocess thread: one member SC,
 * partitioned on one CPU the island leases to the process's group, with the pages, IRQ
 * and service path asked. The thread is moved there and bound to the SC; SYS_ISLAND_WAIT
 * ends its job and sleeps to the next release. A member thread's blocking system calls
 * and console writes are reported to libsched (sched_island_report) and refused when off
 * its declared paths.
 */
#define KERNEL_ISLANDS 4
#define KISLAND_ENDPOINT 17       /* every island's violations and depletions go here */
#define KISLAND_IRQ_LINES 24      /* lines an island may reserve: 0 .. 23 */
#define KISLAND_PAGES_MAX 32      /* pages one island may take from a pool */
#define KISLAND_SERVICES 4
enum { KPOOL_DMA, KPOOL_NR };
#define KPOOL_DMA_PAGES 16
extern struct sched_mem_pool kpools[KPOOL_NR];
struct kisland {
	uint32_t index, gen;          /* the island's capability as admitted */
	volatile int live;            /* admitted, not revoked yet */
	struct kprocess *proc;        /* the process that asked */
	struct kthread *member;       /* the thread bound to its member SC */
	uint32_t sc_index, sc_gen;    /* the member SC */
	sched_cpumask_t affinity;     /* the member's affinity before */
	unsigned cpu, refills;        /* its CPU; the refill set its SC uses */
	uint64_t period_ns, next_ns;  /* its period; the next release */
	uint64_t pages[KISLAND_PAGES_MAX]; /* the pool pages the kernel gave it */
	unsigned npages;
	/* the record (the member thread writes it) */
	uint64_t waits, waits_off_cpu, skipped; /* SYS_ISLAND_WAIT calls, those off its CPU,
				       * releases skipped (the job ended after its next release) */
	uint64_t refused[SCHED_ISLAND_V_NR]; /* system calls refused (-SCHED_EPATH), by kind */
	uint64_t reported[SCHED_ISLAND_V_NR];/* reports that were violations (counted) */
};
extern struct kisland kislands[KERNEL_ISLANDS];
/* The routing record of island_irq: per line, where it is routed and the calls. */
struct kirq_route {
	uint16_t cpu;                 /* while reserved */
	uint8_t reserved;
	uint64_t routed, released;    /* calls each way */
};
extern struct kirq_route kirq[KISLAND_IRQ_LINES];
extern uint64_t kirq_out_of_range; /* island_irq calls for lines past KISLAND_IRQ_LINES */
void kisland_init(void);          /* the island slots and pools, at boot */
int kisland_admission_on(void);   /* sched_sc_admission (0, or -SCHED_EEXIST if on already) */
void kisland_irq(void *ctx, unsigned line, unsigned cpu, bool reserve);
/* A kernel service islands may declare on their paths: a passive thread (never woken
 * without a caller's SC). Returns its number, or -SCHED_EFULL. */
int kisland_service(struct kthread *t, const char *name);
/* An island request translated for libsched (kisland_prepare): the kernel's copy of the
 * parameters, pointing into this struct itself (it must not move while an admission may
 * read it), and the resources taken for it before the admission. */
struct kisland_prep {
	struct sched_island_params ip;
	struct sched_island_member m;
	struct sched_island_irq irq;
	struct sched_island_mem mem;
	struct sched_island_server srv;
	struct sched_island_path path;
	struct sched_sc_cap sc;       /* the member SC, created in the process's group */
	struct kprocess *proc;
	uint64_t pages[KISLAND_PAGES_MAX];
	unsigned npages, cpu, refills;
	uint64_t period_ns;
	bool held;                    /* the resources are this request's (not an island's) */
};
/* Check and translate ring 3's island request (the system call's, the policy service's):
 * 0 with the resources held, or the refusal with nothing held. */
int kisland_prepare(struct kprocess *p, const struct kpol_island *q, struct kisland_prep *x);
void kisland_release(struct kisland_prep *x); /* what a prepared request holds, given back */
/* An island admitted from x becomes the process's (SYS_ISLAND_REVOKE's): its handle. */
int64_t kisland_commit(struct kthread *me, struct kisland_prep *x, struct sched_island_cap cap,
		       struct kthread *member);
int64_t kisland_sys_admit(struct kthread *me, uint64_t req_va);
int64_t kisland_sys_wait(struct kthread *me);
int64_t kisland_sys_revoke(struct kthread *me, uint64_t handle);
int kisland_process_exit(struct kprocess *p); /* sched_island_revoke_owned: how many */
/* A member thread's system call `nr` (arguments a0) that may block or logs: reported to
 * libsched. 0: go on; -SCHED_EPATH: refuse it (a blocking call off the declared paths). */
int64_t kisland_check_call(struct kthread *me, uint64_t nr, uint64_t a0);
struct kisland *kisland_of(struct kthread *t);  /* its island if it is a member, or NULL */
int kisland_cap_of(int64_t handle, struct sched_island_cap *cap); /* -SCHED_EINVAL */
unsigned kisland_pages_held(void);  /* pool pages the kernel holds for islands */

/*
 * kring.c: a submission ring in a kprocess's shared page, consumed by one kernel poller
 * thread (sched/ring.h). SYS_RING_SUBMIT publishes the entries the program wrote (the
 * kernel's own tail moves; it checks the count against the room left) and then calls
 * sched_ring_submit. The poller consumes while it finds work, parks after idle_ns
 * without any, and the next submission unparks it. The record below is the test's.
 */
#define KRING_LOG 256 /* entries whose figures are kept */
struct kring {
	struct sched_ring ring;       /* the consumer and its parking (libsched) */
	struct kprocess *proc;        /* the submitter, whose shared page holds the entries */
	struct kthread *poller;
	uint32_t lock;                /* producers: publication and the submit call */
	uint32_t tail;                /* entries published [seq_cst; the producers, locked] */
	uint32_t head;                /* entries consumed [release; the poller] */
	volatile int stop;            /* the poller unregisters and exits */
	int poll_error;               /* a sched_ring_poll failure that stopped the poller */
	int unregistered;             /* the poller's sched_ring_unregister result */
	uint64_t pub_ns[KRING_ENTRIES]; /* when each slot's entry was published */
	/* the record */
	uint64_t consumed, out_of_order;
	uint64_t woke;                /* submits that returned 1 */
	int8_t submit_result[KRING_LOG]; /* per entry: its submit's result */
	uint64_t latency_ns[KRING_LOG];  /* per entry: published to consumed */
};
/* A ring for p (one per process), consumed by a new poller thread registered as its
 * consumer and started; -SCHED_EFULL without a free ring, -SCHED_EEXIST if p has one. */
int kring_start(struct kprocess *p, uint64_t idle_ns, struct kring **out);
void kring_stop(struct kring *k);  /* the poller unregisters and exits (waited for) */
int64_t kring_sys_submit(struct kthread *me, uint64_t count);

/*
 * ksession.c: sessions, what processes and sessions own, and authority handles.
 *
 * A session is a group above processes (kind SESSION, a fairness group of its own weight):
 * ksession_process makes a C program's process inside it. A process's end (its last
 * thread's exit, user.c) revokes what it owns besides leases, islands and policy SCs (which
 * klease.c, kisland.c and kpolicy.c end): every SC its group owns (sched_sc_revoke_owned),
 * its core-scheduling cookie (cleared by its last thread, the one live thread a cookie
 * call can name), and the authority handles it holds. A session ends (its logout) when its
 * last process ends: everything owned by the session's group and below is revoked then,
 * the same way. Processes are put in a session before any of them starts (a session whose
 * processes have all ended stays ended).
 *
 * Authority handles (kparity_abi.h): the kernel keeps each authority (sched_authority) in a
 * table of its own and gives ring 3 index | gen << 16, checked against the table and the
 * holding process at every use. A slot is freed when its holder ends; a derive into it
 * later moves the authority's generation on (sched_auth_derive), so no old handle or token
 * ever names the newer authority.
 */
#define KSESSIONS 8
#define KAUTH_HANDLES 16
#define KFAIR_PROCESSES 8  /* processes that are fairness groups (their per-CPU state) */
struct ksession {
	struct sched_group group;
	struct sched_group_cpu pcpu[MAX_CPUS];
	const char *name;
	uint32_t live;                /* its processes not ended [atomic] */
	volatile int ended;           /* its last process ended: its logout is done */
	int end_scs, end_leases, end_cookie; /* revoked then (as kprocess's exit_*) */
};
struct ksession *ksession_create(const char *name, uint32_t weight);
/* A process of `elf` in session s (NULL: top level); weight != 0 makes it a fairness group
 * of that weight. Panics without a slot. */
struct kprocess *ksession_process(struct ksession *s, const char *name, enum user_elf elf,
				  uint32_t weight);
/* p's last thread, `last`, is exiting: revoke what p owns (above), then its session's if
 * p was that session's last process. */
void ksession_process_exit(struct kprocess *p, struct kthread *last);
/* A handle held by `holder` for an authority derived from the root with `rights` over
 * `scope` (the kernel's grant to a process manager), or -SCHED_E*. */
int64_t kauth_grant(struct kprocess *holder, uint32_t rights, struct sched_group *scope);
int64_t kauth_syscall(struct kthread *me, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2);

/* user.c: the passive server of SYS_SERVE_CALL (one endpoint), set before any call: a
 * thread made passive and never started (the first call starts it). */
void kserve_set(struct kthread *server);
uint64_t kserve_retries(void); /* callers' yields waiting for the endpoint or the server */

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

/*
 * ksample.c (the benchmark boot only): guest-PC samples at every scheduler timer interrupt
 * and at each PIT tick (on the boot CPU, and as an NMI on the others), classed library /
 * arch / idle / user, printed by ksample_report as a split per CPU and the PCs ("# pc:"
 * lines, which bench/pc_hist.py symbolises). Start and stop on the boot CPU.
 */
uint32_t ksample_start(void);   /* the periodic source's rate in mHz, 0 if it failed */
void ksample_record(bool on);   /* keep samples or not (the interrupts go on) */
void ksample_stop(void);
void ksample_report(void);

/* A parity scenario (tests/parity, docs/parity.md) QEMU passed as
 * `-fw_cfg name=opt/libsched/scenario,file=...`, read at boot (kernel.c): its size (-1:
 * none; more than KSCENARIO_BYTES: cut) and text. */
#define KSCENARIO_BYTES 8192
extern char kscenario_text[KSCENARIO_BYTES];
extern long kscenario_len;

/* the boot flavour: which suite kernel_main runs (tests.c, bench.c, demo.c) */
int run_suite(void);

void cpu_online_request(unsigned cpu);            /* kernel.c */
/* The same, then wait until that CPU took it (kernel threads only, never cpu's own):
 * sched_cpu_online's result there (-SCHED_EEXIST for a CPU online already). */
int cpu_online_wait(unsigned cpu);
bool cpu_online_pending(unsigned cpu);            /* a request not taken yet */
bool kernel_arg(const char *word); /* a word of the kernel command line (QEMU -append) */
extern bool ksmt;                  /* some CPUs are SMT siblings (share a core) */

#endif
