/* SPDX-License-Identifier: MIT */
/*
 * upol_test.h - what the policy test (kernel/tests_policy.c) and its ring-3 programs
 * (user_policy.c, user_requester.c) agree on: the commands the kernel writes into their
 * shared page, the states they answer with, and where the requester leaves its results.
 */
#ifndef UPOL_TEST_H
#define UPOL_TEST_H

/* The service's control block (ctl[0]): cmd from the kernel, 0 once done. */
enum {
	UPOL_CMD_NONE,
	UPOL_CMD_LOAD,     /* load manifest `handle` with existing threads following; the
			    * threads changed (or the error) into `error`, then cmd = 0 */
	UPOL_CMD_STALL,    /* after the next take: spin in ring 3, holding the request */
	UPOL_CMD_CRASH,    /* after the next take: a write to address 0 */
};
enum { UPOL_SVC_START, UPOL_SVC_READY, UPOL_SVC_STALLED, UPOL_SVC_CRASHING, UPOL_SVC_FAILED };

/* The requester: its threads by index, argv[0] of each. */
enum { UREQ_MAIN, UREQ_SPIN_A, UREQ_SPIN_B, UREQ_LOOP, UREQ_THREADS };
/* The main thread's phases: the kernel writes the next one into ctl[0].cmd, the thread
 * sets ctl[0].state to it when done. UREQ_EXIT ends every thread of the process. */
enum {
	UREQ_IDLE,
	UREQ_SERVED,       /* profiles, an SC, a lease, explain, the round trips */
	UREQ_STALL,        /* submit X (10 s), do not wait: the service stalls holding it */
	UREQ_DEAD,         /* the service is dead: Y1 (PROFILE) and Y2 (ADMIT_SC), 100 ms */
	UREQ_RESTARTED,    /* collect X, then Z */
	UREQ_CRASH,        /* submit W (10 s), do not wait: the service crashes holding it */
	UREQ_AFTER_CRASH,  /* collect W; a BUDGET on the SC of UREQ_SERVED */
	UREQ_EXIT,
};

/* The requests, and the results array (kshared.results, 32 words). */
enum { Q_PROF_A, Q_PROF_B, Q_ADMIT, Q_LEASE, Q_EXPLAIN, Q_X, Q_Y1, Q_Y2, Q_Z, Q_W, Q_BUDGET,
       Q_NR };
enum {
	R_ERR = 0,              /* R_ERR + q: request q's answer (err), or its submit error */
	R_BY_DEFAULT = 16,      /* bit q: answered by the default */
	R_ANSWERED,             /* bit q: an answer was collected */
	R_ADMIT_SC,             /* the SC handle ADMIT_SC gave */
	R_LEASE_WHY,            /* the lease refusal's record seq */
	R_LEASE_RECORD,         /* 1: that record read back as a DENY of the request */
	R_RTT_FAILS, R_RTT_N,   /* the round trips not served, made */
	R_Y1_WHY, R_Y2_WHY,     /* the defaults' record seqs */
	R_Y1_AGE, R_Y2_AGE,     /* answered - asked, ns */
	R_X_TICKET, R_W_TICKET,
	R_BUDGET_TRIES,         /* BUDGET asked while the loop ran: asked again */
	R_NR
};
#define UREQ_RTT 64          /* round trips */
/* The loop's SC: BUDGET of PERIOD (what the manifest's `control` allows: 20%), demoted to
 * the fair class when spent (a host that stalls the vCPU charges the stall to the loop),
 * each job WORK of the kernel clock; the BUDGET request then asks NEW_BUDGET. */
#define UREQ_LOOP_PERIOD_NS 50000000ull
#define UREQ_LOOP_BUDGET_NS 10000000ull
#define UREQ_LOOP_WORK_NS 300000ull
#define UREQ_LOOP_NEW_BUDGET_NS 5000000ull
#define UREQ_SLOW_NS 5000000000ull  /* the timeout of requests a live service answers */
#define UREQ_HELD_NS 30000000000ull /* of those a stalled or crashed service holds: longer
				     * than the dead service's window (10 s at most) and the
				     * restart, so that the next service answers them */
#define UREQ_DEAD_NS 100000000ull   /* of those made while no service runs */

/*
 * The leaser: a second process of this program, named "leaser" (the manifest's rule gives
 * it a profile with lease=yes), run before the requester. Its threads by index; argv[0] is
 * the role (UREQ_ROLE_*), argv[1] the thread's control block. The holder, pinned to
 * ULEASE_CPU by the kernel, asks the service for a lease of that CPU for itself and spins
 * there; the two others may run on any CPU and spin until UREQ_EXIT.
 */
enum { ULEASE_HOLDER, ULEASE_OTHER_A, ULEASE_OTHER_B, ULEASE_THREADS };
enum { UREQ_ROLE_HOLDER = 16, UREQ_ROLE_OTHER };
#define ULEASE_CPU 1
/* The holder's phases (its ctl.cmd, ctl.state once done); UREQ_EXIT ends it. */
enum {
	ULEASE_GRANT = 1,  /* LEASE_GRANT of ULEASE_CPU for itself; then spin in ring 3, no
			    * system call, until the next command */
	ULEASE_REVOKE,     /* LEASE_REVOKE of that lease, the same again, its record read back */
};
/* The leaser's results (its own shared page's results array). */
enum {
	L_GRANT,           /* the grant's answer (err), or the call's error */
	L_HANDLE,          /* the lease handle the answer carried (KPOL_NONE: none) */
	L_TRIES,           /* grants answered -SCHED_EAGAIN (a thread on its way there), asked
			    * again */
	L_REVOKE,          /* the revoke's answer */
	L_AGAIN,           /* the same revoke again: its answer */
	L_BY,              /* bits 0, 1, 2: grant, revoke, again answered by the service */
	L_WHY_SEQ,         /* the revocation's REVOKE record (cause call) read back through
			    * SYS_POLICY_WHY: its seq, or -1 */
	L_NR
};

/*
 * The islander: a process of this program asking the service for a realtime island
 * (ISLAND), run after the leaser. Named "islander" (the manifest's rule gives it a profile
 * with island=yes), or "plain" (the default profile: refused). Thread 0 asks (argv[0]
 * UREQ_ROLE_ISLANDER, argv[1] its control block), thread 1 only sleeps (the thread of an
 * SC the kernel hands to the grapher as another process's: UISL_ADMIT_SC).
 */
enum { UISL_MAIN, UISL_SLEEPER, UISL_THREADS };
/* kernel.h's island calls, which the C programs do not include (tests_policy.c checks) */
enum { USYS_ISLAND_WAIT = 23, USYS_ISLAND_REVOKE = 24 };
enum { UREQ_ROLE_ISLANDER = 20, UREQ_ROLE_SLEEPER, UREQ_ROLE_COORD, UREQ_ROLE_STAGE };
enum {
	UISL_ASK = 1,      /* ISLAND for itself (UISL_CPU, budget, period, pages) */
	UISL_REVOKE,       /* SYS_ISLAND_REVOKE of the handle the answer gave, then again */
	UISL_ADMIT_SC,     /* ADMIT_SC for the sleeper (cpu 0): its handle into I_SC */
	UISL_BAD,          /* ISLAND with a CPU that does not exist, then with too many pages:
			    * the submissions' errors into I_BAD_CPU, I_BAD_PAGES */
};
enum { I_ERR, I_BY, I_HANDLE, I_REVOKE, I_AGAIN, I_SC_ERR, I_SC, I_BAD_CPU, I_BAD_PAGES, I_NR };
#define UISL_CPU 1
#define UISL_BUDGET_NS 1000000ull
#define UISL_PERIOD_NS 10000000ull
#define UISL_PAGES 2

/*
 * The grapher: a process named "grapher" (profile control) of a coordinator (thread 0,
 * UREQ_ROLE_COORD) and three stages (UREQ_ROLE_STAGE, argv[2]: the stage's index). The
 * coordinator asks an SC for each stage (ADMIT_SC: the budgets it holds), then a task
 * graph over them (GRAPH), then runs it; finally it names a budget it does not hold.
 * Stage 0 is released every period; stage i > 0 runs a job when stage i - 1 finished one
 * (it looks every UGRAPH_POLL_NS: each look is a short job of its SC).
 */
enum { UGRAPH_COORD, UGRAPH_THREADS = 4 };
#define UGRAPH_STAGES 3
enum {
	UGR_ADMIT = 1,     /* ADMIT_SC for each stage: handles into G_SC + i */
	UGR_GRAPH,         /* GRAPH of the three (asked again while a stage ran: EACTIVE) */
	UGR_RUN,           /* the stages run the chain (ctl.cmd of every stage) */
	UGR_BAD,           /* GRAPH naming ctl[0].handle (another process's SC), then a forged
			    * handle: the submissions' errors into G_BAD_OTHER, G_BAD_FORGED */
};
enum {
	G_ADMIT = 0,       /* + i: stage i's ADMIT_SC answer */
	G_SC = 3,          /* + i: its SC handle */
	G_GRAPH = 6,       /* the GRAPH's answer */
	G_TRIES,           /* GRAPH asked again (-SCHED_EACTIVE) */
	G_BY,              /* the GRAPH answered by the service */
	G_DL = 9,          /* + i: stage i's deadline as the answer gave it */
	G_BAD_OTHER = 12, G_BAD_FORGED,
	G_CHAINS,          /* chains completed (stage 2's jobs after stage 0's) */
	G_RESP_LAST, G_RESP_WORST, /* a chain's response: stage 0's release to stage 2's end */
	G_NR
};
#define UGRAPH_BUDGET_NS 2000000ull   /* each budget held: 2 ms / 20 ms on cpu 1 */
#define UGRAPH_PERIOD_NS 20000000ull
#define UGRAPH_CPU 1
#define UGRAPH_COST_NS 1000000ull     /* each stage's cost in the graph */
#define UGRAPH_DEADLINE_NS 15000000ull /* end to end: 5 ms a stage */
#define UGRAPH_WORK_NS 200000ull      /* what a stage's job does */
#define UGRAPH_POLL_NS 1000000ull

#endif
