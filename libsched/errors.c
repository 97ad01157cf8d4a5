/* SPDX-License-Identifier: MIT */
/* errors.c - the one table of error names. */
#include <sched/types.h>

static const char *const names[SCHED_ERR_COUNT] = {
	[SCHED_OK] = "ok",
	[SCHED_EINVAL] = "invalid argument",
	[SCHED_ESTALE] = "stale reference (object exited or was revoked)",
	[SCHED_ESTATE] = "object not in a state that allows this",
	[SCHED_ECPU] = "CPU out of range or offline",
	[SCHED_EAFFINITY] = "affinity allows no online CPU",
	[SCHED_EBUSY] = "would strand a thread",
	[SCHED_EPERM] = "authority does not allow this",
	[SCHED_EDEPTH] = "group hierarchy too deep",
	[SCHED_ECHECK] = "invariant check failed",
	[SCHED_EEXIST] = "already done",
	[SCHED_ENOSC] = "thread has no scheduling context to run on",
	[SCHED_EFULL] = "no free slot",
};

const char *sched_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= SCHED_ERR_COUNT)
		return "unknown error";
	return names[err];
}
