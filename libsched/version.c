/* SPDX-License-Identifier: MIT */
/* version.c - the version of the library linked, which a program may compare with the
 * SCHED_VERSION_* of the headers it was compiled with. */
#include <sched/version.h>

const char *sched_version(void)
{
	return SCHED_VERSION_STRING;
}
