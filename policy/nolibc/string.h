/* SPDX-License-Identifier: MIT */
/*
 * policy/nolibc/string.h - for a build of the policy service without any libc headers
 * (-nostdinc): <uthash.h> includes <string.h> for the defaults of the hooks pol_std.h
 * defines before including it, so nothing from it is used. Deliberately empty: a call
 * to a libc function fails to compile (implicit declaration) instead of linking one.
 */
#ifndef POL_NOLIBC_STRING_H
#define POL_NOLIBC_STRING_H
#endif
