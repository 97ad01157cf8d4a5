/* SPDX-License-Identifier: MIT */
/*
 * mem.c - memset, memcpy and memmove for the freestanding library only (libsched_kernel.a).
 *
 * The sources never call them, but compilers emit calls to them for structure
 * initialisations and copies: clang does so even with -ffreestanding -fno-builtin (gcc,
 * with -fno-tree-loop-distribute-patterns, does not today). A kernel without a libc must
 * then not be left with undefined symbols. They are weak: a kernel's own (usually faster)
 * definitions win, and one that has none links these. Plain byte loops: this file is
 * compiled with the freestanding flags, under which neither compiler turns a loop back
 * into a call to the function it is in.
 */
#include <stddef.h>

void *memset(void *dst, int c, size_t n) __attribute__((weak));
void *memcpy(void *restrict dst, const void *restrict src, size_t n) __attribute__((weak));
void *memmove(void *dst, const void *src, size_t n) __attribute__((weak));

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}
