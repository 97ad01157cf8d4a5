/* SPDX-License-Identifier: MIT */
/*
 * policy/pol_std.h - everything the policy service needs beyond <stdint.h>, <stddef.h> and
 * <stdbool.h>: byte helpers, an allocator over memory the port gives, a bounded text
 * buffer, and uthash with its hooks pointed at them.
 *
 * The same sources build hosted (libsched_policy, the tests) and freestanding (ring 3 of
 * the x86_64 kernel: no libc, no heap, no floating point). The hosted build uses the same
 * allocator, so a hosted run is the freestanding run: memory is what the port gave, and a
 * full arena is an error the caller sees, never a call to malloc.
 *
 * The allocator (struct pol_arena): blocks of 16 << c bytes (size classes), carved from
 * the caller's bytes and kept on a free list per class when freed, so a table that grows,
 * empties and grows again reuses its blocks: what an arena ever holds is bounded by the
 * most it held live at once in each class. A whole arena is emptied at once with
 * pol_arena_reset (a manifest's registry: reloads parse into one of two arenas and flip).
 *
 * uthash (uthash-dev, <uthash.h>) is included from here with its documented hooks
 * (uthash_malloc, uthash_free, uthash_bzero, uthash_strlen, HASH_KEYCMP, and
 * uthash_nonfatal_oom with HASH_NONFATAL_OOM) defined before inclusion. The allocation
 * hooks take their arena from a local variable named `hx` (struct pol_hctx) that every
 * function adding to or deleting from a table declares: no global state, so two services
 * (a restarted one beside the old) never share an allocator. A failed allocation rolls
 * the table back (uthash's non-fatal mode) and sets hx.oom; nothing exits.
 *
 * uthash.h also includes <string.h> and <stdlib.h> for the defaults those hooks replace;
 * none of their functions is called. A build without any libc headers (-nostdinc) adds
 * policy/nolibc/ to its include path: empty stand-ins for those two (check_freestanding.sh).
 */
#ifndef POL_STD_H
#define POL_STD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- bytes ------------------------------------------------------------------------------ */

void *pol_memcpy(void *dst, const void *src, size_t n);
void *pol_memset(void *dst, int c, size_t n);
int pol_memcmp(const void *a, const void *b, size_t n);
size_t pol_strlen(const char *s);
/* Length of s, reading at most max bytes (max if no NUL among them). */
size_t pol_strnlen(const char *s, size_t max);
/* Copy s (NUL-terminated, or its first n bytes) into dst[cap], NUL-terminated, cut to fit. */
void pol_strlcpy(char *dst, const char *s, size_t cap);
/* True if the NUL-terminated a equals the n bytes at b. */
bool pol_streq_n(const char *a, const char *b, size_t n);

/* --- the arena -------------------------------------------------------------------------- */

#define POL_ARENA_ALIGN 16u
#define POL_ARENA_CLASSES 24u /* blocks of 16 B .. 128 MiB */

struct pol_arena {
	uint8_t *base;            /* the caller's bytes, aligned up to POL_ARENA_ALIGN */
	size_t size;              /* usable bytes from base */
	size_t used;              /* carved so far (blocks on free lists included) */
	size_t live;              /* bytes in blocks handed out and not freed */
	size_t peak;              /* the most `used` has been since the last reset */
	void *free[POL_ARENA_CLASSES]; /* freed blocks of each class (a link in the block) */
};

/* Over mem[len]: false for NULL, or too little memory to hold one aligned block. */
bool pol_arena_init(struct pol_arena *a, void *mem, size_t len);
/* Empty it: every block it handed out is gone at once. */
void pol_arena_reset(struct pol_arena *a);
/* A block of at least n bytes (zeroed), or NULL: n 0, n above the largest class, or full. */
void *pol_alloc(struct pol_arena *a, size_t n);
/* Give back a block pol_alloc(a, n) returned (the same n). NULL p is ignored. */
void pol_free(struct pol_arena *a, void *p, size_t n);

/* --- bounded text ----------------------------------------------------------------------- */

/* Text written into p[cap], always NUL-terminated while cap > 0; len counts what was asked
 * to be written, so len >= cap means it was cut. */
struct pol_buf {
	char *p;
	size_t cap, len;
};

void pol_buf_init(struct pol_buf *b, char *p, size_t cap);
void pol_buf_mem(struct pol_buf *b, const char *s, size_t n);
void pol_buf_str(struct pol_buf *b, const char *s);
void pol_buf_ch(struct pol_buf *b, char c);
void pol_buf_u64(struct pol_buf *b, uint64_t v);
void pol_buf_i64(struct pol_buf *b, int64_t v);

/* --- uthash, over the arena --------------------------------------------------------------- */

/* What the allocation hooks use: declare `struct pol_hctx hx = { arena, false };` in every
 * function that adds to or deletes from a table, and look at hx.oom after an add. */
struct pol_hctx {
	struct pol_arena *arena;
	bool oom;
};

#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) pol_alloc(hx.arena, (sz))
#define uthash_free(ptr, sz) pol_free(hx.arena, (ptr), (sz))
#define uthash_nonfatal_oom(elt) ((void)(elt), hx.oom = true)
#define uthash_bzero(a, n) pol_memset((a), 0, (n))
#define uthash_strlen(s) pol_strlen(s)
#define uthash_memcmp(a, b, n) pol_memcmp((a), (b), (n)) /* uthash before 2.2 */
#define HASH_KEYCMP(a, b, n) pol_memcmp((a), (b), (n))
#include <uthash.h>

#endif
