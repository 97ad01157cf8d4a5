// SPDX-License-Identifier: MIT
// Every public header from C++: they compile, and the C functions link (extern "C").
#include <sched/admit.h>
#include <sched/arch.h>
#include <sched/explain.h>
#include <sched/island.h>
#include <sched/policy.h>
#include <sched/sched.h>
#include <sched/version.h>

#include <cstdio>

extern "C" {
// libsched.a's debug checks call this; the other hooks are never reached here
void sched_arch_assert_fail(const char *expr, const char *file, unsigned line)
{
	std::fprintf(stderr, "%s at %s:%u\n", expr, file, line);
	__builtin_trap();
}
}

int main()
{
	std::printf("libsched %s from C++, nice 0 = %d\n", sched_version(), sched_nice_to_weight(0));
	return sched_nice_to_weight(0) == 1024 && sched_nice_to_weight(99) == -SCHED_EINVAL ? 0 : 1;
}
