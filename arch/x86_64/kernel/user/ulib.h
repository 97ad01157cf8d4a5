/* SPDX-License-Identifier: MIT */
/*
 * ulib.h - the runtime of the ring-3 C programs (user.ld, ulib.c): system calls, the bytes
 * functions the compiler may call, and a small formatter for the console.
 *
 * The programs are freestanding (no libc): built with -ffreestanding -nostdlib
 * -mgeneral-regs-only (the kernel saves no FPU state) and linked at 0x400000. The kernel
 * enters _start (ulib.c) with rdi = the argument block it copied to the stack top and a
 * 16-byte aligned stack; _start calls umain(argv) and exits with its result.
 */
#ifndef ULIB_H
#define ULIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../kpolicy_abi.h"

/* kernel.h's numbers for the calls these programs make besides the policy ones */
enum { USYS_WRITE = 0, USYS_YIELD = 1, USYS_SLEEP = 2, USYS_EXIT = 3 };

/* The page every kprocess shares with the kernel (kernel.h, struct kshared): the programs
 * use its control blocks (ctl[i]: cmd, state, progress, ...) and results array. */
#define USHARED 0x600000ull
struct uctl {
	volatile uint64_t cmd, handle, state, progress, release, again, error, extra;
};
#define UCTL(i) ((struct uctl *)(USHARED + 64 * (i)))
#define URESULTS ((volatile int64_t *)(USHARED + 0x200))

/* The entry every program defines: argv as the kernel copied it. Returns the exit status. */
int umain(const uint64_t *argv);

static inline int64_t usys(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	int64_t r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	return r;
}

__attribute__((noreturn)) void uexit(int status);
void uwrite(const char *s, size_t n);
/* printf with %d %u %lld %llu %x %s %c %%: one SYS_WRITE per call (at most 256 bytes) */
void uprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t uclock(void);
void usleep_ns(uint64_t ns);

void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
