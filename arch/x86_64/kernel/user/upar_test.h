/* SPDX-License-Identifier: MIT */
/*
 * upar_test.h - what the parity test (kernel/tests_parity.c) and its ring-3 program
 * (user_parity.c) agree on: each thread's role (argv[0]), the states it reports in its
 * control block (ctl[i].state; the kernel writes ctl[i].cmd: KCMD_RUN, KCMD_RELEASE,
 * KCMD_EXIT of kernel.h) and where results go (the process's results array).
 */
#ifndef UPAR_TEST_H
#define UPAR_TEST_H

/* argv[0]; argv[1] is always the thread's control block index */
enum {
	UPAR_SPIN,    /* count progress until cmd = exit */
	UPAR_SERVER,  /* the passive server: each request is a number of work iterations */
	UPAR_CLIENT,  /* argv[2] iterations per call, argv[3] calls; then wait for exit */
	UPAR_MANAGER, /* argv[2]: the child's group id, argv[3]: a group outside its scope */
	UPAR_CHILD,   /* argv[2] a thread in its scope, argv[3] one outside, argv[4] a handle
		       * of another process */
	UPAR_HOLDER,  /* argv[2]: a CPU to lease for its process, or UPAR_NO_CPU; then spins
		       * (leased) or sleep-polls until exit */
};
#define UPAR_NO_CPU 0xffffffffull

/* The commands (cmd) and states (state). */
enum { UPAR_CMD_NONE, UPAR_CMD_GO, UPAR_CMD_EXIT = 2 };
enum { UPAR_ST_START, UPAR_ST_STEP1, UPAR_ST_STEP2 };

/* The server's reply to a request of n iterations: the kernel test knows it too. */
#define UPAR_REPLY(n) ((n) * 2 + 1)

/* The manager's results */
enum {
	UPAR_M_OWN,        /* its own handle (SYS_AUTH_HELD 0) */
	UPAR_M_FAIR,       /* derived for the child: FAIR over the child's process */
	UPAR_M_RT,         /* derived for the child: RT only (no FAIR) over the same */
	UPAR_M_MORE,       /* a derive asking for a right it lacks: -SCHED_EPERM */
	UPAR_M_OUTSIDE,    /* a derive whose scope is outside its own: -SCHED_EPERM */
	UPAR_M_REVOKE,     /* revoking UPAR_M_FAIR: 0 */
	UPAR_M_AGAIN,      /* the same again: -SCHED_ESTALE */
};
/* The child's results */
enum {
	UPAR_C_FAIR,       /* handle FAIR (its 0) */
	UPAR_C_RT,         /* handle RT (its 1) */
	UPAR_C_NONE,       /* SYS_AUTH_HELD 2: none */
	UPAR_C_IN,         /* set_fair in scope: 0 */
	UPAR_C_OUT,        /* set_fair out of scope: -SCHED_EPERM */
	UPAR_C_LACKS,      /* set_fair with the RT handle: -SCHED_EPERM */
	UPAR_C_FOREIGN,    /* set_fair with the manager's handle: -SCHED_EPERM (not its) */
	UPAR_C_AFTER,      /* set_fair after the revocation: -SCHED_ESTALE */
};
/* The nice values the child asks for (the kernel test reads them back) */
#define UPAR_NICE_IN 5
#define UPAR_NICE_OUT 7
#define UPAR_NICE_LACKS 9
#define UPAR_NICE_FOREIGN 11
#define UPAR_NICE_AFTER 3

#endif
