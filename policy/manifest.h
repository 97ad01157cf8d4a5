/* SPDX-License-Identifier: MIT */
/*
 * policy/manifest.h - profile manifests: named default profiles and the rules that match
 * them to processes, services and sessions, read from text at run time (docs/policy.md,
 * "The manifest").
 *
 *     # comment
 *     profile default     nice=0
 *     profile audio       nice=-10 sc=2ms/10ms deadline=5ms dispatch=partitioned island=yes
 *     rule process=mpd    profile=audio
 *     default profile=default
 *
 * A parse builds a new registry in an arena of its own (profiles by name and rules by
 * (kind, value) in uthash tables) and either succeeds whole or changes nothing: an error
 * names line, column and cause ("manifest:3:13: unknown key "wieght" (nice, ...)"), and
 * whatever registry was live stays live (struct pol_manifests keeps two and flips).
 * Matching: a process rule, else a service rule, else a session rule, else the default.
 */
#ifndef POL_MANIFEST_H
#define POL_MANIFEST_H

#include <sched/policy.h>

#include "pol_std.h"

/* Bounds a manifest is checked against: libsched's (sched_set_fair, sched_sc_configure). */
#define POL_NICE_MIN (-20)
#define POL_NICE_MAX 19
#define POL_SLICE_MIN_NS 100000ull      /* 0.1 ms */
#define POL_SLICE_MAX_NS 100000000ull   /* 100 ms */
#define POL_NAME_MAX 32                 /* process and service names in rules, NUL included */
#define POL_FIELDS_MAX 16               /* fields on one line */
#define POL_ERROR_MAX 192               /* an error message, NUL included */

enum pol_cookie { POL_COOKIE_INHERIT, POL_COOKIE_OWN };

/* A profile: what a thread given it runs with. */
struct pol_profile {
	char name[SCHED_PROFILE_NAME_MAX];   /* the key (uthash, by string) */
	unsigned line;                       /* where it was defined */
	struct sched_fair_params fair;       /* nice, slice (0: the library's default) */
	bool has_sc;                         /* sc= given: it may hold reservations */
	uint64_t budget_ns, period_ns;       /* sc=BUDGET/PERIOD */
	uint64_t deadline_ns;                /* deadline= (0: the period) */
	uint8_t dispatch;                    /* enum sched_sc_dispatch (global unless given) */
	uint8_t cookie;                      /* enum pol_cookie */
	bool lease, island;                  /* may ask for leases, for realtime islands */
	UT_hash_handle hh;
};

enum pol_rule_kind { POL_RULE_PROCESS, POL_RULE_SERVICE, POL_RULE_SESSION, POL_RULE_NR };

/* A rule's key: zeroed whole before it is filled (uthash compares its bytes). */
struct pol_rule_key {
	uint32_t kind;                       /* enum pol_rule_kind */
	uint32_t session;                    /* SESSION: the session id */
	char name[POL_NAME_MAX];             /* PROCESS, SERVICE: the name */
};

struct pol_rule {
	struct pol_rule_key key;
	struct pol_profile *profile;         /* what it gives */
	char profile_name[SCHED_PROFILE_NAME_MAX]; /* as written (resolved after the whole
					      * manifest is read: profiles may come later) */
	unsigned line, profile_col;          /* where it is, and its profile= field */
	UT_hash_handle hh;
};

/* A thread's attributes, as the port knows them: what rules match on. */
struct pol_match {
	const char *process;                 /* its process's name, or NULL / "" */
	const char *service;                 /* the service it belongs to, or NULL / "" */
	uint32_t session;                    /* its session id, 0 for none */
};

/* A parsed manifest: its registries live in `arena` until that arena is reset. */
struct pol_manifest {
	struct pol_profile *profiles;        /* uthash head, by name */
	struct pol_rule *rules;              /* uthash head, by key */
	struct pol_profile *dflt;            /* the default profile */
	unsigned nr_profiles, nr_rules;
	struct pol_arena *arena;
};

/* What went wrong. Every kind has its own message (docs/policy.md lists them). */
enum pol_perr {
	POL_PERR_NONE,
	POL_PERR_DIRECTIVE,      /* a line starts with something other than profile/rule/default */
	POL_PERR_FIELD,          /* a field that is not key=value, or a missing name */
	POL_PERR_FIELDS,         /* more than POL_FIELDS_MAX fields */
	POL_PERR_UNKNOWN_KEY,
	POL_PERR_DUP_KEY,        /* the same key twice on one line */
	POL_PERR_VALUE,          /* a value that does not parse (number, unit, word) */
	POL_PERR_RANGE,          /* a value outside its bounds */
	POL_PERR_NEEDS,          /* a key that needs another (deadline and dispatch need sc) */
	POL_PERR_NAME,           /* a name too long or with characters not allowed */
	POL_PERR_DUP_PROFILE,
	POL_PERR_UNKNOWN_PROFILE,
	POL_PERR_DUP_RULE,
	POL_PERR_RULE,           /* a rule without a selector, with two, or without profile= */
	POL_PERR_DUP_DEFAULT,
	POL_PERR_NO_DEFAULT,
	POL_PERR_NOMEM,          /* the arena is full */
};

struct pol_error {
	unsigned line, col;                  /* 1-based; col counts bytes */
	uint8_t kind;                        /* enum pol_perr */
	char msg[POL_ERROR_MAX];             /* "manifest:LINE:COL: what" */
};

/*
 * Parse text[len] (no NUL needed) into *m, using `arena`, which is reset first: the caller
 * must hold nothing in it (the live manifest is in another). 0 on success; -SCHED_EINVAL
 * with *err (may be NULL) filled for a manifest that is wrong, -SCHED_EFULL for one that
 * does not fit the arena; then *m is emptied and nothing else changed. -SCHED_EINVAL for
 * NULL m or arena, or NULL text with len > 0. O(len).
 */
int pol_manifest_parse(struct pol_manifest *m, struct pol_arena *arena, const char *text,
		       size_t len, struct pol_error *err);

/* The profile called `name` (NUL-terminated), or NULL (also for NULL arguments). O(1). */
const struct pol_profile *pol_manifest_profile(const struct pol_manifest *m, const char *name);

/* The rule of (kind, name or session), or NULL. O(1). */
const struct pol_rule *pol_manifest_rule(const struct pol_manifest *m, unsigned kind,
					 const char *name, uint32_t session);

/* The profile for a thread with attributes *w: its process's rule, else its service's,
 * else its session's, else the default. NULL only for NULL m or an empty manifest. O(1). */
const struct pol_profile *pol_manifest_match(const struct pol_manifest *m,
					     const struct pol_match *w);

/* The SC parameters of a profile with sc= over `cpus` into *out (sporadic, throttled when
 * spent); all zero for a profile without. */
void pol_profile_sc(const struct pol_profile *p, const sched_cpumask_t *cpus,
		    struct sched_sc_params *out);

/* True if a reservation of budget/period asks no more of the CPU than profile p allows:
 * budget / period <= p's budget / p's period, compared exactly (no floating point). */
bool pol_profile_allows(const struct pol_profile *p, uint64_t budget_ns, uint64_t period_ns);

/* True if a and b give a thread the same fair parameters. */
bool pol_fair_equal(const struct sched_fair_params *a, const struct sched_fair_params *b);

/*
 * The live manifest and room for the next: two arenas over the caller's memory. A load
 * parses into the arena not in use and, only if that succeeds, makes it the live one; a
 * refused load leaves the live one as it was. Pointers into the live manifest (profiles,
 * rules) stay valid while it is live; once it is replaced, until the next load begins
 * (which parses into its arena). Keep names, not pointers, across loads.
 */
struct pol_manifests {
	struct pol_arena arena[2];
	struct pol_manifest m[2];
	int live;                            /* index of the live manifest, -1: none yet */
	uint64_t loads;                      /* successful loads */
};

/* Split mem[len] into the two arenas. -SCHED_EINVAL for NULL or too little memory. */
int pol_manifests_init(struct pol_manifests *ms, void *mem, size_t len);

/* Load text[len]: errors as pol_manifest_parse, and then the live manifest is unchanged. */
int pol_manifests_load(struct pol_manifests *ms, const char *text, size_t len,
		       struct pol_error *err);

/* The live manifest, or NULL before the first successful load. */
const struct pol_manifest *pol_manifests_live(const struct pol_manifests *ms);

#endif
