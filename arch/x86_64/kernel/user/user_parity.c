/* SPDX-License-Identifier: MIT */
/*
 * user_parity.c - the parity boot's ring-3 program (kernel/tests_parity.c, upar_test.h):
 * one image, a role per thread (argv[0]). A passive server and its clients (SC donation
 * through SYS_SERVE_CALL / SYS_SERVE_RECV), spinners for the fairness groups, a process
 * manager that derives and revokes authority and the child that uses it, and a holder of
 * a lease (and whatever the kernel gave its process) that exits when told.
 */
#include "ulib.h"
#include "upar_test.h"

#include "../kparity_abi.h"

#include <sched/sched.h>

enum { USYS_LEASE_GRANT = 19, KLEASE_PROCESS_SCOPE = 1 }; /* kernel.h's numbers */

/* Sleep-polls every 10 ms: a thread waiting so is seldom current (on a busy host, a thread
 * that is current when the host takes its CPU away is charged that time). */
static void wait_cmd(struct uctl *c, uint64_t cmd)
{
	while (c->cmd < cmd)
		usleep_ns(10000000);
}

/* Counts its progress; looks at cmd every 4096 turns (no system call meanwhile). */
static int spin(struct uctl *c)
{
	c->state = UPAR_ST_STEP1;
	for (;;) {
		for (unsigned i = 0; i < 4096; i++)
			c->progress++;
		if (c->cmd == UPAR_CMD_EXIT)
			return 0;
	}
}

/* Each request is n iterations of work: the progress counter moves once per iteration,
 * so the kernel sees whether the server works (and for how long it did not). */
static int serve(struct uctl *c)
{
	uint64_t reply = 0;

	for (;;) {
		int64_t n = usys(SYS_SERVE_RECV, reply, 0, 0);

		if (n < 0) {
			c->error = n;
			return 1;
		}
		for (int64_t i = 0; i < n; i++)
			c->progress++;
		c->extra++;
		reply = UPAR_REPLY((uint64_t)n);
	}
}

/* Calls in a row; a wrong reply is counted in `error`. */
static int client(struct uctl *c, uint64_t n, uint64_t calls)
{
	for (uint64_t k = 0; k < calls; k++) {
		int64_t r = usys(SYS_SERVE_CALL, n, 0, 0);

		if (r != (int64_t)UPAR_REPLY(n)) {
			c->error++;
			c->release = r;
		}
		c->progress++;
	}
	c->state = UPAR_ST_STEP1;
	wait_cmd(c, UPAR_CMD_EXIT);
	return 0;
}

/* Derive two handles for the child (FAIR over the child's process, and RT only), try two
 * derives it may not make, then revoke the FAIR one when the kernel says so (the child has
 * used it by then). */
static int manage(struct uctl *c, uint64_t child, uint64_t outside)
{
	int64_t own = usys(SYS_AUTH_HELD, 0, 0, 0);

	URESULTS[UPAR_M_OWN] = own;
	URESULTS[UPAR_M_FAIR] = usys(SYS_AUTH_DERIVE, (uint64_t)own, SCHED_RIGHT_FAIR,
				     child | child << 32);
	URESULTS[UPAR_M_RT] = usys(SYS_AUTH_DERIVE, (uint64_t)own, SCHED_RIGHT_RT,
				   child | child << 32);
	URESULTS[UPAR_M_MORE] = usys(SYS_AUTH_DERIVE, (uint64_t)own, SCHED_RIGHT_LEASE,
				     child | child << 32);
	URESULTS[UPAR_M_OUTSIDE] = usys(SYS_AUTH_DERIVE, (uint64_t)own, SCHED_RIGHT_FAIR,
					outside | child << 32);
	c->state = UPAR_ST_STEP1;
	wait_cmd(c, UPAR_CMD_GO);
	URESULTS[UPAR_M_REVOKE] = usys(SYS_AUTH_REVOKE, (uint64_t)URESULTS[UPAR_M_FAIR], 0, 0);
	URESULTS[UPAR_M_AGAIN] = usys(SYS_AUTH_REVOKE, (uint64_t)URESULTS[UPAR_M_FAIR], 0, 0);
	c->state = UPAR_ST_STEP2;
	wait_cmd(c, UPAR_CMD_EXIT);
	return 0;
}

static int child(struct uctl *c, uint64_t in, uint64_t out, uint64_t foreign)
{
	int64_t fair = usys(SYS_AUTH_HELD, 0, 0, 0), rt = usys(SYS_AUTH_HELD, 1, 0, 0);

	URESULTS[UPAR_C_FAIR] = fair;
	URESULTS[UPAR_C_RT] = rt;
	URESULTS[UPAR_C_NONE] = usys(SYS_AUTH_HELD, 2, 0, 0);
	URESULTS[UPAR_C_IN] = usys(SYS_AUTH_SET_FAIR, (uint64_t)fair, in, UPAR_NICE_IN);
	URESULTS[UPAR_C_OUT] = usys(SYS_AUTH_SET_FAIR, (uint64_t)fair, out, UPAR_NICE_OUT);
	URESULTS[UPAR_C_LACKS] = usys(SYS_AUTH_SET_FAIR, (uint64_t)rt, in, UPAR_NICE_LACKS);
	URESULTS[UPAR_C_FOREIGN] = usys(SYS_AUTH_SET_FAIR, foreign, in, UPAR_NICE_FOREIGN);
	c->state = UPAR_ST_STEP1;
	wait_cmd(c, UPAR_CMD_GO);
	URESULTS[UPAR_C_AFTER] = usys(SYS_AUTH_SET_FAIR, (uint64_t)fair, in, UPAR_NICE_AFTER);
	c->state = UPAR_ST_STEP2;
	wait_cmd(c, UPAR_CMD_EXIT);
	return 0;
}

/* With a lease, the holder spins on its CPU (what a lease is for: no system call, no
 * sleep); without, it sleep-polls. */
static int hold(struct uctl *c, uint64_t cpu)
{
	bool leased = false;

	if (cpu != UPAR_NO_CPU) {
		int64_t h = usys(USYS_LEASE_GRANT, cpu, KLEASE_PROCESS_SCOPE, 0);

		c->handle = (uint64_t)h;
		leased = h >= 0;
	}
	c->state = UPAR_ST_STEP1;
	while (c->cmd != UPAR_CMD_EXIT) {
		c->progress++;
		if (!leased)
			usleep_ns(1000000);
	}
	return 0;
}

int umain(const uint64_t *argv)
{
	struct uctl *c = UCTL(argv[1]);

	switch (argv[0]) {
	case UPAR_SPIN:
		return spin(c);
	case UPAR_SERVER:
		return serve(c);
	case UPAR_CLIENT:
		return client(c, argv[2], argv[3]);
	case UPAR_MANAGER:
		return manage(c, argv[2], argv[3]);
	case UPAR_CHILD:
		return child(c, argv[2], argv[3], argv[4]);
	case UPAR_HOLDER:
		return hold(c, argv[2]);
	default:
		return 1;
	}
}
