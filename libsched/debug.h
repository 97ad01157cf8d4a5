/* SPDX-License-Identifier: MIT */
/*
 * debug.h - SCHED_ASSERT: checks compiled in with SCHED_DEBUG (the simulator, the tests and
 * the QEMU test kernels; meson option `asserts`) and out of release builds. A failure
 * reaches the port through sched_arch_assert_fail(), which does not return.
 */
#ifndef LIBSCHED_DEBUG_H
#define LIBSCHED_DEBUG_H

#include <sched/arch.h>

#ifdef SCHED_DEBUG
#define SCHED_ASSERT(cond)                                                     \
	do {                                                                   \
		if (__builtin_expect(!(cond), 0))                              \
			sched_arch_assert_fail(#cond, __FILE__, __LINE__);     \
	} while (0)
#else
/* Still type-checked, never evaluated. */
#define SCHED_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

#endif
