/* SPDX-License-Identifier: MIT */
/*
 * policy/nolibc/stdlib.h - for a build of the policy service without any libc headers
 * (-nostdinc): <uthash.h> includes <stdlib.h> for malloc, free and exit, which the hooks
 * in pol_std.h replace (allocation from the arena; non-fatal out-of-memory). Empty.
 */
#ifndef POL_NOLIBC_STDLIB_H
#define POL_NOLIBC_STDLIB_H
#endif
