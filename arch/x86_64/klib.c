/* SPDX-License-Identifier: MIT */
/*
 * klib.c - the few libc functions the kernel (and gcc itself, for struct copies and
 * initialisers) needs. The bulk ones are single string instructions, so gcc has no loop
 * it could recognise and turn back into a call to the very function being defined (the
 * build also passes -fno-tree-loop-distribute-patterns and -fno-builtin).
 */
#include "platform_internal.h"

void *memset(void *d, int c, size_t n)
{
	void *p = d;

	__asm__ volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(c) : "memory");
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *p = d;

	__asm__ volatile("rep movsb" : "+D"(p), "+S"(s), "+c"(n) : : "memory");
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	const char *src = s;
	char *dst = d;

	if (dst <= src || dst >= src + n)
		return memcpy(d, s, n);
	/* overlapping with dst above src: copy backwards, DF set only for this instruction */
	src += n - 1;
	dst += n - 1;
	__asm__ volatile("std; rep movsb; cld" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	const volatile char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		if (!*a)
			return 0;
	}
	return 0;
}
