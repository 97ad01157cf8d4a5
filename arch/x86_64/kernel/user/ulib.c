/* SPDX-License-Identifier: MIT */
/*
 * ulib.c - the ring-3 C programs' runtime (ulib.h): the entry, system call wrappers, the
 * bytes functions gcc may emit calls to (struct copies, initialisers), and a formatter.
 */
#include <stdarg.h>

#include "ulib.h"

/* The kernel enters here with rdi = argv and rsp 16-byte aligned (kernel/user.c); the call
 * pushes the return address as the ABI expects at a function's entry. */
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	xorl %ebp, %ebp\n"
	"	call umain\n"
	"	movl %eax, %edi\n"
	"	call uexit\n"
	"	ud2\n");

void uexit(int status)
{
	usys(USYS_EXIT, (uint64_t)(int64_t)status, 0, 0);
	for (;;)
		;
}

void uwrite(const char *s, size_t n)
{
	usys(USYS_WRITE, (uint64_t)s, n, 0);
}

uint64_t uclock(void)
{
	return (uint64_t)usys(SYS_CLOCK, 0, 0, 0);
}

void usleep_ns(uint64_t ns)
{
	usys(USYS_SLEEP, ns, 0, 0);
}

/* Byte loops through volatile pointers: gcc must not turn them back into calls to the very
 * functions being defined (the build also passes -fno-tree-loop-distribute-patterns). */
void *memcpy(void *d, const void *s, size_t n)
{
	volatile unsigned char *x = d;
	const unsigned char *y = s;

	while (n--)
		*x++ = *y++;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	volatile unsigned char *x = d;

	while (n--)
		*x++ = (unsigned char)c;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	volatile unsigned char *x = d;
	const unsigned char *y = s;

	if (x <= y || x >= y + n)
		return memcpy(d, s, n);
	while (n--)
		x[n] = y[n];
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

/* --- the formatter ---------------------------------------------------------------------- */

struct ubuf {
	char b[256];
	size_t n;
};

static void put(struct ubuf *o, char c)
{
	if (o->n < sizeof(o->b))
		o->b[o->n++] = c;
}

static void put_u(struct ubuf *o, uint64_t v, unsigned base)
{
	char d[24];
	unsigned i = 0;

	do {
		d[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		put(o, d[--i]);
}

static void put_i(struct ubuf *o, int64_t v)
{
	if (v < 0) {
		put(o, '-');
		put_u(o, 0 - (uint64_t)v, 10);
	} else {
		put_u(o, (uint64_t)v, 10);
	}
}

/* One conversion at *f (after the %); returns the characters of the spec it read. */
static unsigned conv(struct ubuf *o, const char *f, va_list *ap)
{
	unsigned l = 0;
	const char *s;

	while (f[l] == 'l')
		l++;
	switch (f[l]) {
	case 'd':
		put_i(o, l ? va_arg(*ap, long long) : va_arg(*ap, int));
		break;
	case 'u':
		put_u(o, l ? va_arg(*ap, unsigned long long) : va_arg(*ap, unsigned), 10);
		break;
	case 'x':
		put_u(o, l ? va_arg(*ap, unsigned long long) : va_arg(*ap, unsigned), 16);
		break;
	case 's':
		for (s = va_arg(*ap, const char *); s && *s; s++)
			put(o, *s);
		break;
	case 'c':
		put(o, (char)va_arg(*ap, int));
		break;
	default:
		put(o, f[l]);
	}
	return l + 1;
}

void uprintf(const char *fmt, ...)
{
	struct ubuf o = { .n = 0 };
	va_list ap;

	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%' || !f[1])
			put(&o, *f);
		else
			f += conv(&o, f + 1, &ap);
	}
	va_end(ap);
	uwrite(o.b, o.n);
}
