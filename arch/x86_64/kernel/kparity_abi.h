/* SPDX-License-Identifier: MIT */
/*
 * kparity_abi.h - the system calls the parity boot's ring-3 programs use (docs/x86_64.md
 * "The parity boot"): the passive server's endpoint (user.c) and authority handles
 * (ksession.c). Shared by the kernel and the ring-3 C programs (kernel/user/), so it holds
 * nothing but fixed-width types.
 *
 * The block starts at 48, clear of SYS_CLOCK = 40 (kpolicy_abi.h) and of numbers another
 * part of the kernel may add after it; kernel.h asserts the gap.
 *
 * Ring 3 never holds a kernel pointer:
 * - an authority handle is index | gen << 16 in the kernel's table of authorities
 *   (ksession.c), usable only by the process that holds it;
 * - a group is its id (a process's 1000 + slot, a session's 2000 + slot);
 * - a thread is its process's group id << 32 | its index in that process (0 .. 3).
 */
#ifndef KPARITY_ABI_H
#define KPARITY_ABI_H

#include <stdint.h>

enum {
	SYS_SERVE_CALL = 48, /* (request) -> the server's reply: a call to the passive
			      * server, on the caller's SC (donated) */
	SYS_SERVE_RECV,      /* (reply) -> the next request: the server replies to the caller
			      * it serves (none the first time: it was started by a call) and
			      * waits for the next call */
	SYS_AUTH_HELD,       /* (i) -> the i-th authority handle the caller's process holds */
	SYS_AUTH_DERIVE,     /* (handle, rights, scope group id | holder group id << 32) -> a
			      * new handle, held by the holder process */
	SYS_AUTH_REVOKE,     /* (handle) -> sched_auth_revoke's: by its holder or the process
			      * that derived it */
	SYS_AUTH_SET_FAIR,   /* (handle, thread, nice) -> sched_set_fair's */
	SYS_PARITY_NR
};

/* A thread as ring 3 names it (see above). */
static inline uint64_t kpar_thread(uint32_t group, uint32_t index)
{
	return (uint64_t)group << 32 | index;
}

#endif
