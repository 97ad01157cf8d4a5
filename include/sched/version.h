/* SPDX-License-Identifier: MIT */
/*
 * sched/version.h - the library's version, at compile time (the macros) and at run time
 * (sched_version(): the version of the library actually linked, which may differ from the
 * headers a program was compiled with).
 *
 * Kept by hand, so that a kernel's own build system needs nothing generated; meson setup
 * refuses a tree where these differ from project()'s version, and test_version checks it.
 */
#ifndef SCHED_VERSION_H
#define SCHED_VERSION_H

#define SCHED_VERSION_MAJOR 0
#define SCHED_VERSION_MINOR 1
#define SCHED_VERSION_PATCH 0
#define SCHED_VERSION_STRING "0.1.0"

/* True when these headers are version major.minor.patch or later. */
#define SCHED_VERSION_AT_LEAST(major, minor, patch) \
	((SCHED_VERSION_MAJOR << 16 | SCHED_VERSION_MINOR << 8 | SCHED_VERSION_PATCH) >= \
	 ((major) << 16 | (minor) << 8 | (patch)))

#ifdef __cplusplus
extern "C" {
#endif

/* The linked library's SCHED_VERSION_STRING ("0.1.0"). Never NULL. */
const char *sched_version(void);

#ifdef __cplusplus
}
#endif

#endif
