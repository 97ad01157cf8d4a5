/* SPDX-License-Identifier: MIT */
/* errors.c - the one table of error names. */
#include <sched/types.h>

static const char *const names[SCHED_ERR_COUNT] = {
	[SCHED_OK] = "ok",
	[SCHED_EINVAL] = "invalid argument",
	[SCHED_ESTALE] = "stale reference (object exited or was revoked)",
	[SCHED_ESTATE] = "object not in a state that allows this",
	[SCHED_ECPU] = "CPU out of range or offline",
	[SCHED_EAFFINITY] = "affinity allows no online CPU or leaves its SC's CPUs",
	[SCHED_EBUSY] = "a sibling is still in the kernel",
	[SCHED_EPERM] = "authority does not allow this",
	[SCHED_EDEPTH] = "nesting too deep",
	[SCHED_ECHECK] = "invariant check failed",
	[SCHED_EEXIST] = "already done",
	[SCHED_ENOSC] = "thread has no scheduling context to run on",
	[SCHED_EFULL] = "no free slot",
	[SCHED_ELAST_CPU] = "last online CPU",
	[SCHED_EPINNED] = "a thread may run on no other online CPU",
	[SCHED_EAGAIN] = "another CPU has not finished; try again",
	[SCHED_ELENT] = "its scheduling context is lent to a server",
	[SCHED_EBOUND] = "already bound to a scheduling context",
	[SCHED_EACTIVE] = "scheduling context in use",
	[SCHED_EDISABLED] = "core scheduling is off",
	[SCHED_ENOGROUP] = "thread has no group of that kind",
	[SCHED_EUNSCHED] = "a deadline could be missed",
	[SCHED_EDEADLK] = "waiting would deadlock",
	[SCHED_ETIMEDOUT] = "the wait timed out",
	[SCHED_EOWNERDEAD] = "acquired; the previous owner died holding it",
	[SCHED_ELOCKED] = "another thread owns the mutex",
	[SCHED_ELEASED] = "the CPU is leased",
	[SCHED_EHOUSEKEEPING] = "no general-purpose CPU would be left",
	[SCHED_EOWNED] = "the ring has a consumer already",
	[SCHED_ERESERVE] = "a reserved resource is short or taken",
	[SCHED_EPATH] = "communication path not declared or not allowed",
};

const char *sched_strerror(int err)
{
	/* magnitude without negating INT_MIN */
	unsigned e = err < 0 ? 0u - (unsigned)err : (unsigned)err;

	if (e >= SCHED_ERR_COUNT)
		return "unknown error";
	return names[e];
}
