/* SPDX-License-Identifier: MIT */
/*
 * pol_std.c - byte helpers, the arena and bounded text for the policy service (pol_std.h).
 * No libc: loops only (a freestanding build adds -fno-tree-loop-distribute-patterns so the
 * compiler does not turn them back into calls to memcpy and memset).
 */
#include "pol_std.h"

void *pol_memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
	return dst;
}

void *pol_memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)c;
	return dst;
}

int pol_memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t pol_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t pol_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

void pol_strlcpy(char *dst, const char *s, size_t cap)
{
	size_t n;

	if (!cap)
		return;
	n = pol_strnlen(s, cap - 1);
	pol_memcpy(dst, s, n);
	dst[n] = 0;
}

bool pol_streq_n(const char *a, const char *b, size_t n)
{
	return pol_strnlen(a, n + 1) == n && !pol_memcmp(a, b, n);
}

/* --- the arena -------------------------------------------------------------------------- */

/* The class of an n-byte block: the smallest c with 16 << c >= n, or POL_ARENA_CLASSES. */
static unsigned size_class(size_t n)
{
	unsigned c = 0;

	while (c < POL_ARENA_CLASSES && ((size_t)POL_ARENA_ALIGN << c) < n)
		c++;
	return c;
}

bool pol_arena_init(struct pol_arena *a, void *mem, size_t len)
{
	uintptr_t p = (uintptr_t)mem, up;

	if (!a || !mem)
		return false;
	up = (p + POL_ARENA_ALIGN - 1) & ~(uintptr_t)(POL_ARENA_ALIGN - 1);
	if (len < up - p + POL_ARENA_ALIGN)
		return false;
	pol_memset(a, 0, sizeof(*a));
	a->base = (uint8_t *)up;
	a->size = (len - (up - p)) & ~(size_t)(POL_ARENA_ALIGN - 1);
	return true;
}

void pol_arena_reset(struct pol_arena *a)
{
	a->used = a->live = a->peak = 0;
	for (unsigned c = 0; c < POL_ARENA_CLASSES; c++)
		a->free[c] = NULL;
}

void *pol_alloc(struct pol_arena *a, size_t n)
{
	unsigned c = size_class(n);
	size_t bytes;
	void *p;

	if (!a || !n || c >= POL_ARENA_CLASSES)
		return NULL;
	bytes = (size_t)POL_ARENA_ALIGN << c;
	if (a->free[c]) {
		p = a->free[c];
		pol_memcpy(&a->free[c], p, sizeof(void *));
	} else {
		if (a->size - a->used < bytes)
			return NULL;
		p = a->base + a->used;
		a->used += bytes;
		if (a->used > a->peak)
			a->peak = a->used;
	}
	a->live += bytes;
	return pol_memset(p, 0, bytes);
}

void pol_free(struct pol_arena *a, void *p, size_t n)
{
	unsigned c = size_class(n);

	if (!a || !p || c >= POL_ARENA_CLASSES)
		return;
	pol_memcpy(p, &a->free[c], sizeof(void *));
	a->free[c] = p;
	a->live -= (size_t)POL_ARENA_ALIGN << c;
}

/* --- bounded text ----------------------------------------------------------------------- */

void pol_buf_init(struct pol_buf *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = p ? cap : 0;
	b->len = 0;
	if (b->cap)
		p[0] = 0;
}

void pol_buf_mem(struct pol_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, b->len++)
		if (b->len + 1 < b->cap)
			b->p[b->len] = s[i];
	if (b->cap)
		b->p[b->len < b->cap ? b->len : b->cap - 1] = 0;
}

void pol_buf_str(struct pol_buf *b, const char *s)
{
	pol_buf_mem(b, s, pol_strlen(s));
}

void pol_buf_ch(struct pol_buf *b, char c)
{
	pol_buf_mem(b, &c, 1);
}

void pol_buf_u64(struct pol_buf *b, uint64_t v)
{
	char d[20];
	unsigned n = 0;

	do {
		d[sizeof(d) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	pol_buf_mem(b, d + sizeof(d) - n, n);
}

void pol_buf_i64(struct pol_buf *b, int64_t v)
{
	if (v < 0) {
		pol_buf_ch(b, '-');
		pol_buf_u64(b, 0 - (uint64_t)v);
	} else {
		pol_buf_u64(b, (uint64_t)v);
	}
}
