/* SPDX-License-Identifier: MIT */
/*
 * manifest.c - the manifest reader (manifest.h, docs/policy.md "The manifest").
 *
 * One pass over the lines; each line is cut into fields (runs of non-blank bytes; a field
 * starting with '#' ends the line) and handled by its directive. Profiles go into a uthash
 * table by name, rules into one by (kind, value); both are allocated from the parse's own
 * arena, so a failed parse is undone by resetting that arena, and nothing outside it was
 * touched. Rules' profiles and the default are resolved once the whole manifest is read
 * (a rule may come before its profile), in line order.
 *
 * Errors: the first one found ends the parse. Its column is that of the field it is about
 * (a key=value field, a name), or of the directive for a line-wide error (a profile or
 * rule given twice, a rule missing a part).
 */
#include "manifest.h"

/* One field of a line: key=value (kv) or a bare word. */
struct field {
	const char *s;         /* the whole field */
	unsigned n, col;
	bool kv;
	const char *val;       /* kv: the value (may be empty); the key is s[0 .. kn) */
	unsigned kn, vn;
};

struct parser {
	struct pol_manifest *m;
	struct pol_error e;
	unsigned line;
	struct field f[POL_FIELDS_MAX];
	unsigned nf;
	bool has_default;
	unsigned default_line, default_col;
	char default_name[SCHED_PROFILE_NAME_MAX];
};

static const char *const rule_kind_name[POL_RULE_NR] = { "process", "service", "session" };

#define PROFILE_KEYS "nice, slice, sc, deadline, dispatch, cookie, lease, island"
#define UNITS "ns, us, ms, s"

/* --- errors --------------------------------------------------------------------------- */

/* Set error `kind` at column `col` of the current line and start its message in *b
 * ("manifest:LINE:COL: "); the caller appends the rest and returns -SCHED_EINVAL. */
static void fail(struct parser *p, unsigned kind, unsigned col, struct pol_buf *b)
{
	p->e.kind = (uint8_t)kind;
	p->e.line = p->line;
	p->e.col = col;
	pol_buf_init(b, p->e.msg, sizeof(p->e.msg));
	pol_buf_str(b, "manifest:");
	pol_buf_u64(b, p->e.line);
	pol_buf_ch(b, ':');
	pol_buf_u64(b, col);
	pol_buf_str(b, ": ");
}

static void quoted(struct pol_buf *b, const char *s, size_t n)
{
	pol_buf_ch(b, '"');
	pol_buf_mem(b, s, n);
	pol_buf_ch(b, '"');
}

/* The field as written, key=value. */
static void field_text(struct pol_buf *b, const struct field *f)
{
	pol_buf_mem(b, f->s, f->n);
}

/* A duration in the largest unit that divides it exactly: 10us, 2ms, 68719476736ns. */
static void duration(struct pol_buf *b, uint64_t ns)
{
	static const struct { uint64_t mult; const char *unit; } u[] = {
		{ 1000000000ull, "s" }, { 1000000ull, "ms" }, { 1000ull, "us" } };

	for (unsigned i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		if (ns && ns % u[i].mult == 0) {
			pol_buf_u64(b, ns / u[i].mult);
			pol_buf_str(b, u[i].unit);
			return;
		}
	}
	pol_buf_u64(b, ns);
	pol_buf_str(b, "ns");
}

/* The arena is full: the manifest is too large for the memory the port gave. */
static int fail_nomem(struct parser *p, unsigned col)
{
	struct pol_buf b;

	fail(p, POL_PERR_NOMEM, col, &b);
	pol_buf_str(&b, "out of memory: the manifest does not fit its arena (");
	pol_buf_u64(&b, p->m->arena->size);
	pol_buf_str(&b, " bytes)");
	return -SCHED_EFULL;
}

static bool field_is(const struct field *f, const char *word)
{
	return pol_streq_n(word, f->s, f->n);
}

static bool key_is(const struct field *f, const char *key)
{
	return pol_streq_n(key, f->s, f->kn);
}

static bool val_is(const struct field *f, const char *word)
{
	return pol_streq_n(word, f->val, f->vn);
}

/* --- values ------------------------------------------------------------------------- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decimal digits s[0 .. n) into *out; false if empty, not all digits, or above max. */
static bool parse_u64(const char *s, unsigned n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!n)
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (!is_digit(s[i]) || v > (max - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

enum dur_err { DUR_OK, DUR_SYNTAX, DUR_NO_UNIT, DUR_UNIT, DUR_FRACTION, DUR_RANGE };

/* The unit's power of ten (ns 0, us 3, ms 6, s 9), or -1 for an unknown unit. */
static int unit_exp(const char *u, unsigned n)
{
	if (pol_streq_n("ns", u, n))
		return 0;
	if (pol_streq_n("us", u, n))
		return 3;
	if (pol_streq_n("ms", u, n))
		return 6;
	if (pol_streq_n("s", u, n))
		return 9;
	return -1;
}

static uint64_t ten_to(unsigned e)
{
	uint64_t v = 1;

	while (e--)
		v *= 10;
	return v;
}

/*
 * "1.5ms" into ns, exactly, in integers: the fraction's digits past the unit's power of
 * ten must be zeros (a duration is a whole number of ns). *unit and *un return the unit
 * as written (for messages).
 */
static unsigned parse_duration(const char *s, unsigned n, uint64_t *ns, const char **unit,
			       unsigned *un)
{
	unsigned i = 0, w, fd = 0, k;
	uint64_t whole, frac = 0, mult;
	int e;

	while (i < n && is_digit(s[i]))
		i++;
	w = i;
	if (i < n && s[i] == '.')
		for (i++; i < n && is_digit(s[i]); i++)
			fd++;
	if (!w || (i > w && !fd))
		return DUR_SYNTAX;
	*unit = s + i;
	*un = n - i;
	if (i == n)
		return DUR_NO_UNIT;
	e = unit_exp(s + i, n - i);
	if (e < 0)
		return DUR_UNIT;
	k = (unsigned)e;
	mult = ten_to(k);
	/* digits past 10^-k of the unit must be zeros; the rest scale up to ns */
	for (unsigned d = k; d < fd; d++)
		if (s[w + 1 + d] != '0')
			return DUR_FRACTION;
	if (fd && !parse_u64(s + w + 1, fd < k ? fd : k, UINT64_MAX, &frac))
		frac = 0; /* no digit kept (ns): only zeros, checked above */
	if (fd < k)
		frac *= ten_to(k - fd);
	if (!parse_u64(s, w, UINT64_MAX, &whole) || whole > (UINT64_MAX - frac) / mult)
		return DUR_RANGE;
	*ns = whole * mult + frac;
	return DUR_OK;
}

/* Why a duration field failed, in words. */
static int fail_duration(struct parser *p, const struct field *f, unsigned why,
			 const char *unit, unsigned un)
{
	struct pol_buf b;

	fail(p, why == DUR_RANGE ? POL_PERR_RANGE : POL_PERR_VALUE, f->col, &b);
	field_text(&b, f);
	if (why == DUR_NO_UNIT) {
		pol_buf_str(&b, ": a duration needs a unit (" UNITS ")");
	} else if (why == DUR_UNIT) {
		pol_buf_str(&b, ": unknown unit ");
		quoted(&b, unit, un);
		pol_buf_str(&b, " (" UNITS ")");
	} else if (why == DUR_FRACTION) {
		pol_buf_str(&b, ": not a whole number of nanoseconds");
	} else if (why == DUR_RANGE) {
		pol_buf_str(&b, ": too large");
	} else {
		pol_buf_str(&b, ": not a duration (digits, an optional fraction, a unit: 1.5ms)");
	}
	return -SCHED_EINVAL;
}

/* A duration s[0 .. n) of field f into *ns; an error names f. */
static int duration_of(struct parser *p, const struct field *f, const char *s, unsigned n,
		       uint64_t *ns)
{
	const char *unit = s;
	unsigned un = 0, why = parse_duration(s, n, ns, &unit, &un);

	return why == DUR_OK ? 0 : fail_duration(p, f, why, unit, un);
}

/* --- fields ------------------------------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Cut line s[0 .. n) into p->f; a field starting with '#' ends it. */
static int split(struct parser *p, const char *s, unsigned n)
{
	unsigned i = 0;

	p->nf = 0;
	for (;;) {
		struct field *f;
		unsigned start;

		while (i < n && is_blank(s[i]))
			i++;
		if (i == n || s[i] == '#')
			return 0;
		if (p->nf == POL_FIELDS_MAX) {
			struct pol_buf b;

			fail(p, POL_PERR_FIELDS, i + 1, &b);
			pol_buf_str(&b, "too many fields on one line (at most ");
			pol_buf_u64(&b, POL_FIELDS_MAX);
			pol_buf_ch(&b, ')');
			return -SCHED_EINVAL;
		}
		start = i;
		while (i < n && !is_blank(s[i]))
			i++;
		f = &p->f[p->nf++];
		pol_memset(f, 0, sizeof(*f));
		f->s = s + start;
		f->n = i - start;
		f->col = start + 1;
		for (unsigned k = 0; k < f->n; k++) {
			if (f->s[k] == '=') {
				f->kv = true;
				f->kn = k;
				f->val = f->s + k + 1;
				f->vn = f->n - k - 1;
				break;
			}
		}
	}
}

/* Field f must be key=value with a non-empty key and value. */
static int need_kv(struct parser *p, const struct field *f)
{
	struct pol_buf b;

	if (f->kv && f->kn && f->vn)
		return 0;
	fail(p, POL_PERR_FIELD, f->col, &b);
	if (!f->kv || !f->kn) {
		pol_buf_str(&b, "expected key=value, got ");
		quoted(&b, f->s, f->n);
	} else {
		pol_buf_str(&b, "empty value for key ");
		quoted(&b, f->s, f->kn);
	}
	return -SCHED_EINVAL;
}

/* Key f was seen before on this line (*seen: bit per key index). */
static int once(struct parser *p, const struct field *f, uint32_t *seen, unsigned idx)
{
	struct pol_buf b;

	if (!(*seen & (1u << idx))) {
		*seen |= 1u << idx;
		return 0;
	}
	fail(p, POL_PERR_DUP_KEY, f->col, &b);
	pol_buf_str(&b, "key ");
	quoted(&b, f->s, f->kn);
	pol_buf_str(&b, " given twice on one line");
	return -SCHED_EINVAL;
}

static int fail_unknown_key(struct parser *p, const struct field *f, const char *keys)
{
	struct pol_buf b;

	fail(p, POL_PERR_UNKNOWN_KEY, f->col, &b);
	pol_buf_str(&b, "unknown key ");
	quoted(&b, f->s, f->kn);
	pol_buf_str(&b, " (");
	pol_buf_str(&b, keys);
	pol_buf_ch(&b, ')');
	return -SCHED_EINVAL;
}

static bool profile_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
	       c == '.' || c == '-';
}

/* A profile name s[0 .. n) (field f): letters, digits, '_', '.', '-', at most
 * SCHED_PROFILE_NAME_MAX - 1 of them. */
static int check_profile_name(struct parser *p, const struct field *f, const char *s,
			      unsigned n)
{
	struct pol_buf b;
	unsigned i = 0;

	while (i < n && profile_char(s[i]))
		i++;
	if (n < SCHED_PROFILE_NAME_MAX && i == n)
		return 0;
	fail(p, POL_PERR_NAME, f->col, &b);
	pol_buf_str(&b, "profile name ");
	quoted(&b, s, n);
	if (n >= SCHED_PROFILE_NAME_MAX) {
		pol_buf_str(&b, " is longer than ");
		pol_buf_u64(&b, SCHED_PROFILE_NAME_MAX - 1);
		pol_buf_str(&b, " characters");
	} else {
		pol_buf_str(&b, " has a character other than letters, digits, '_', '.', '-'");
	}
	return -SCHED_EINVAL;
}

/* --- profile lines -------------------------------------------------------------------- */

enum pkey { K_NICE, K_SLICE, K_SC, K_DEADLINE, K_DISPATCH, K_COOKIE, K_LEASE, K_ISLAND, K_NR };

static const char *const pkey_name[K_NR] = {
	"nice", "slice", "sc", "deadline", "dispatch", "cookie", "lease", "island" };

/* A profile being read, and its fields that later checks name. */
struct pdraft {
	struct pol_profile pr;
	const struct field *at[K_NR];
};

static int fail_word(struct parser *p, const struct field *f, const char *words)
{
	struct pol_buf b;

	fail(p, POL_PERR_VALUE, f->col, &b);
	pol_buf_str(&b, "unknown ");
	pol_buf_mem(&b, f->s, f->kn);
	pol_buf_ch(&b, ' ');
	quoted(&b, f->val, f->vn);
	pol_buf_str(&b, " (");
	pol_buf_str(&b, words);
	pol_buf_ch(&b, ')');
	return -SCHED_EINVAL;
}

static int fail_range(struct parser *p, const struct field *f, const char *what)
{
	struct pol_buf b;

	fail(p, POL_PERR_RANGE, f->col, &b);
	field_text(&b, f);
	pol_buf_str(&b, what);
	return -SCHED_EINVAL;
}

static int key_nice(struct parser *p, const struct field *f, struct pdraft *d)
{
	bool neg = f->vn && (f->val[0] == '-' || f->val[0] == '+');
	unsigned skip = neg ? 1 : 0;
	uint64_t v;
	struct pol_buf b;

	neg = neg && f->val[0] == '-';
	if (!parse_u64(f->val + skip, f->vn - skip, 1000, &v)) {
		unsigned i = skip;

		while (i < f->vn && is_digit(f->val[i]))
			i++;
		if (i == f->vn && i > skip)
			return fail_range(p, f, " out of range (-20 .. 19)");
		fail(p, POL_PERR_VALUE, f->col, &b);
		field_text(&b, f);
		pol_buf_str(&b, ": not an integer");
		return -SCHED_EINVAL;
	}
	if ((neg && v > 20) || (!neg && v > 19))
		return fail_range(p, f, " out of range (-20 .. 19)");
	d->pr.fair.nice = neg ? -(int)v : (int)v;
	return 0;
}

static int key_slice(struct parser *p, const struct field *f, struct pdraft *d)
{
	uint64_t ns;
	int r = duration_of(p, f, f->val, f->vn, &ns);

	if (r < 0)
		return r;
	if (ns < POL_SLICE_MIN_NS || ns > POL_SLICE_MAX_NS)
		return fail_range(p, f, " out of range (0.1ms .. 100ms)");
	d->pr.fair.slice_ns = ns;
	return 0;
}

/* The SC's budget and period against the library's bounds (sched_sc_configure). */
static int check_sc(struct parser *p, const struct field *f, uint64_t c, uint64_t t)
{
	struct pol_buf b;

	if (c >= SCHED_SC_BUDGET_MIN_NS && c <= t && t <= SCHED_SC_PERIOD_MAX_NS)
		return 0;
	fail(p, POL_PERR_RANGE, f->col, &b);
	field_text(&b, f);
	if (c < SCHED_SC_BUDGET_MIN_NS) {
		pol_buf_str(&b, ": budget below the minimum ");
		duration(&b, SCHED_SC_BUDGET_MIN_NS);
	} else if (t > SCHED_SC_PERIOD_MAX_NS) {
		pol_buf_str(&b, ": period above the maximum ");
		duration(&b, SCHED_SC_PERIOD_MAX_NS);
	} else {
		pol_buf_str(&b, ": budget above the period");
	}
	return -SCHED_EINVAL;
}

static int key_sc(struct parser *p, const struct field *f, struct pdraft *d)
{
	unsigned slash = 0;
	uint64_t c, t;
	struct pol_buf b;
	int r;

	while (slash < f->vn && f->val[slash] != '/')
		slash++;
	if (slash == 0 || slash + 1 >= f->vn) {
		fail(p, POL_PERR_VALUE, f->col, &b);
		field_text(&b, f);
		pol_buf_str(&b, ": not BUDGET/PERIOD (sc=2ms/10ms)");
		return -SCHED_EINVAL;
	}
	r = duration_of(p, f, f->val, slash, &c);
	if (r == 0)
		r = duration_of(p, f, f->val + slash + 1, f->vn - slash - 1, &t);
	if (r == 0)
		r = check_sc(p, f, c, t);
	if (r < 0)
		return r;
	d->pr.has_sc = true;
	d->pr.budget_ns = c;
	d->pr.period_ns = t;
	return 0;
}

static int key_deadline(struct parser *p, const struct field *f, struct pdraft *d)
{
	return duration_of(p, f, f->val, f->vn, &d->pr.deadline_ns);
}

static int key_dispatch(struct parser *p, const struct field *f, struct pdraft *d)
{
	if (val_is(f, "global"))
		d->pr.dispatch = SCHED_SC_GLOBAL;
	else if (val_is(f, "partitioned"))
		d->pr.dispatch = SCHED_SC_PARTITIONED;
	else
		return fail_word(p, f, "global, partitioned");
	return 0;
}

static int key_cookie(struct parser *p, const struct field *f, struct pdraft *d)
{
	if (val_is(f, "own"))
		d->pr.cookie = POL_COOKIE_OWN;
	else if (val_is(f, "inherit"))
		d->pr.cookie = POL_COOKIE_INHERIT;
	else
		return fail_word(p, f, "own, inherit");
	return 0;
}

static int yes_no(struct parser *p, const struct field *f, bool *out)
{
	if (val_is(f, "yes"))
		*out = true;
	else if (val_is(f, "no"))
		*out = false;
	else
		return fail_word(p, f, "yes, no");
	return 0;
}

static int key_lease(struct parser *p, const struct field *f, struct pdraft *d)
{
	return yes_no(p, f, &d->pr.lease);
}

static int key_island(struct parser *p, const struct field *f, struct pdraft *d)
{
	return yes_no(p, f, &d->pr.island);
}

static int (*const pkey_fn[K_NR])(struct parser *, const struct field *, struct pdraft *) = {
	key_nice, key_slice, key_sc, key_deadline, key_dispatch, key_cookie, key_lease,
	key_island };

static int profile_field(struct parser *p, const struct field *f, struct pdraft *d,
			 uint32_t *seen)
{
	int r = need_kv(p, f);

	if (r < 0)
		return r;
	for (unsigned k = 0; k < K_NR; k++) {
		if (!key_is(f, pkey_name[k]))
			continue;
		r = once(p, f, seen, k);
		if (r == 0)
			r = pkey_fn[k](p, f, d);
		d->at[k] = f;
		return r;
	}
	return fail_unknown_key(p, f, PROFILE_KEYS);
}

/* Checks across fields: deadline and dispatch need sc; budget <= deadline <= period. */
static int profile_cross(struct parser *p, struct pdraft *d)
{
	static const unsigned needs_sc[] = { K_DEADLINE, K_DISPATCH };
	struct pol_buf b;
	const struct field *f;

	for (unsigned i = 0; i < 2; i++) {
		f = d->at[needs_sc[i]];
		if (f && !d->pr.has_sc) {
			fail(p, POL_PERR_NEEDS, f->col, &b);
			pol_buf_mem(&b, f->s, f->kn);
			pol_buf_str(&b, "= needs sc=BUDGET/PERIOD on the same profile");
			return -SCHED_EINVAL;
		}
	}
	f = d->at[K_DEADLINE];
	if (f && (d->pr.deadline_ns < d->pr.budget_ns || d->pr.deadline_ns > d->pr.period_ns)) {
		fail(p, POL_PERR_RANGE, f->col, &b);
		field_text(&b, f);
		pol_buf_str(&b, " outside budget .. period (");
		duration(&b, d->pr.budget_ns);
		pol_buf_str(&b, " .. ");
		duration(&b, d->pr.period_ns);
		pol_buf_ch(&b, ')');
		return -SCHED_EINVAL;
	}
	return 0;
}

static int add_profile(struct parser *p, const struct pdraft *d)
{
	struct pol_hctx hx = { p->m->arena, false };
	struct pol_profile *pr = pol_alloc(hx.arena, sizeof(*pr));

	if (!pr)
		return fail_nomem(p, p->f[0].col);
	pol_memcpy(pr, &d->pr, sizeof(*pr));
	HASH_ADD_STR(p->m->profiles, name, pr);
	if (hx.oom) {
		pol_free(hx.arena, pr, sizeof(*pr));
		return fail_nomem(p, p->f[0].col);
	}
	p->m->nr_profiles++;
	return 0;
}

static int line_profile(struct parser *p)
{
	const struct field *name = &p->f[1];
	struct pol_profile *old;
	struct pdraft d;
	struct pol_buf b;
	uint32_t seen = 0;
	int r;

	if (p->nf < 2 || name->kv) {
		fail(p, POL_PERR_FIELD, p->nf < 2 ? p->f[0].col + p->f[0].n + 1 : name->col, &b);
		pol_buf_str(&b, "profile needs a name before its keys "
				"(profile NAME key=value ...)");
		return -SCHED_EINVAL;
	}
	r = check_profile_name(p, name, name->s, name->n);
	if (r < 0)
		return r;
	pol_memset(&d, 0, sizeof(d));
	pol_memcpy(d.pr.name, name->s, name->n);
	HASH_FIND_STR(p->m->profiles, d.pr.name, old);
	if (old) {
		fail(p, POL_PERR_DUP_PROFILE, p->f[0].col, &b);
		pol_buf_str(&b, "profile ");
		quoted(&b, name->s, name->n);
		pol_buf_str(&b, " defined twice (first at line ");
		pol_buf_u64(&b, old->line);
		pol_buf_ch(&b, ')');
		return -SCHED_EINVAL;
	}
	d.pr.line = p->line;
	d.pr.dispatch = SCHED_SC_GLOBAL;
	for (unsigned i = 2; i < p->nf && r == 0; i++)
		r = profile_field(p, &p->f[i], &d, &seen);
	if (r == 0)
		r = profile_cross(p, &d);
	return r < 0 ? r : add_profile(p, &d);
}

/* --- rule and default lines ------------------------------------------------------------- */

enum rkey { R_PROCESS = POL_RULE_PROCESS, R_SERVICE = POL_RULE_SERVICE,
	    R_SESSION = POL_RULE_SESSION, R_PROFILE, R_NR };

static const char *const rkey_name[R_NR] = { "process", "service", "session", "profile" };

/* A rule being read. */
struct rdraft {
	struct pol_rule_key key;
	const struct field *sel, *prof;
};

/* A process or service name in a rule: 1 .. POL_NAME_MAX - 1 printable bytes. */
static int check_name(struct parser *p, const struct field *f)
{
	struct pol_buf b;
	unsigned i = 0;

	while (i < f->vn && (uint8_t)f->val[i] > ' ' && (uint8_t)f->val[i] != 0x7f)
		i++;
	if (f->vn < POL_NAME_MAX && i == f->vn)
		return 0;
	fail(p, POL_PERR_NAME, f->col, &b);
	pol_buf_mem(&b, f->s, f->kn);
	pol_buf_str(&b, " name ");
	quoted(&b, f->val, f->vn);
	if (f->vn >= POL_NAME_MAX) {
		pol_buf_str(&b, " is longer than ");
		pol_buf_u64(&b, POL_NAME_MAX - 1);
		pol_buf_str(&b, " characters");
	} else {
		pol_buf_str(&b, " has a control character");
	}
	return -SCHED_EINVAL;
}

static int rule_selector(struct parser *p, const struct field *f, unsigned k, struct rdraft *d)
{
	struct pol_buf b;
	uint64_t v = 1; /* 0 only if the value parsed as 0 */

	if (d->sel) {
		fail(p, POL_PERR_RULE, f->col, &b);
		pol_buf_str(&b, "rule has two selectors (");
		pol_buf_mem(&b, d->sel->s, d->sel->kn);
		pol_buf_str(&b, "= and ");
		pol_buf_mem(&b, f->s, f->kn);
		pol_buf_str(&b, "=): write one rule for each");
		return -SCHED_EINVAL;
	}
	d->sel = f;
	d->key.kind = k;
	if (k != R_SESSION) {
		int r = check_name(p, f);

		if (r == 0)
			pol_memcpy(d->key.name, f->val, f->vn);
		return r;
	}
	if (!parse_u64(f->val, f->vn, UINT32_MAX, &v) || v == 0) {
		fail(p, v == 0 ? POL_PERR_RANGE : POL_PERR_VALUE, f->col, &b);
		field_text(&b, f);
		pol_buf_str(&b, ": a session is a number, 1 .. 4294967295");
		return -SCHED_EINVAL;
	}
	d->key.session = (uint32_t)v;
	return 0;
}

static int rule_field(struct parser *p, const struct field *f, struct rdraft *d, uint32_t *seen)
{
	int r = need_kv(p, f);

	if (r < 0)
		return r;
	for (unsigned k = 0; k < R_NR; k++) {
		if (!key_is(f, rkey_name[k]))
			continue;
		r = once(p, f, seen, k);
		if (r < 0)
			return r;
		if (k != R_PROFILE)
			return rule_selector(p, f, k, d);
		d->prof = f;
		return check_profile_name(p, f, f->val, f->vn);
	}
	return fail_unknown_key(p, f, "process, service, session, profile");
}

/* What the rule is for, as a message says it: process "mpd", session 7. */
static void rule_what(struct pol_buf *b, const struct pol_rule_key *k)
{
	pol_buf_str(b, rule_kind_name[k->kind]);
	pol_buf_ch(b, ' ');
	if (k->kind == POL_RULE_SESSION) {
		pol_buf_u64(b, k->session);
	} else {
		quoted(b, k->name, pol_strlen(k->name));
	}
}

static int add_rule(struct parser *p, const struct rdraft *d)
{
	struct pol_hctx hx = { p->m->arena, false };
	struct pol_rule *old, *rule;
	struct pol_buf b;

	HASH_FIND(hh, p->m->rules, &d->key, sizeof(d->key), old);
	if (old) {
		fail(p, POL_PERR_DUP_RULE, p->f[0].col, &b);
		pol_buf_str(&b, "rule for ");
		rule_what(&b, &d->key);
		pol_buf_str(&b, " given twice (first at line ");
		pol_buf_u64(&b, old->line);
		pol_buf_ch(&b, ')');
		return -SCHED_EINVAL;
	}
	rule = pol_alloc(hx.arena, sizeof(*rule));
	if (!rule)
		return fail_nomem(p, p->f[0].col);
	pol_memcpy(&rule->key, &d->key, sizeof(d->key));
	pol_memcpy(rule->profile_name, d->prof->val, d->prof->vn);
	rule->line = p->line;
	rule->profile_col = d->prof->col;
	HASH_ADD(hh, p->m->rules, key, sizeof(rule->key), rule);
	if (hx.oom) {
		pol_free(hx.arena, rule, sizeof(*rule));
		return fail_nomem(p, p->f[0].col);
	}
	p->m->nr_rules++;
	return 0;
}

static int fail_missing(struct parser *p, const char *what)
{
	struct pol_buf b;

	fail(p, POL_PERR_RULE, p->f[0].col, &b);
	pol_buf_str(&b, what);
	return -SCHED_EINVAL;
}

static int line_rule(struct parser *p)
{
	struct rdraft d;
	uint32_t seen = 0;
	int r = 0;

	pol_memset(&d, 0, sizeof(d));
	for (unsigned i = 1; i < p->nf && r == 0; i++)
		r = rule_field(p, &p->f[i], &d, &seen);
	if (r < 0)
		return r;
	if (!d.sel)
		return fail_missing(p, "rule needs one of process=NAME, service=NAME, session=ID");
	if (!d.prof)
		return fail_missing(p, "rule needs profile=NAME");
	return add_rule(p, &d);
}

static int line_default(struct parser *p)
{
	const struct field *prof = NULL;
	struct pol_buf b;
	uint32_t seen = 0;

	if (p->has_default) {
		fail(p, POL_PERR_DUP_DEFAULT, p->f[0].col, &b);
		pol_buf_str(&b, "default given twice (first at line ");
		pol_buf_u64(&b, p->default_line);
		pol_buf_ch(&b, ')');
		return -SCHED_EINVAL;
	}
	for (unsigned i = 1; i < p->nf; i++) {
		const struct field *f = &p->f[i];
		int r = need_kv(p, f);

		if (r == 0 && !key_is(f, "profile"))
			r = fail_unknown_key(p, f, "profile");
		if (r == 0)
			r = once(p, f, &seen, 0);
		if (r == 0)
			r = check_profile_name(p, f, f->val, f->vn);
		if (r < 0)
			return r;
		prof = f;
	}
	if (!prof)
		return fail_missing(p, "default needs profile=NAME");
	p->has_default = true;
	p->default_line = p->line;
	p->default_col = prof->col;
	pol_memset(p->default_name, 0, sizeof(p->default_name));
	pol_memcpy(p->default_name, prof->val, prof->vn);
	return 0;
}

static int parse_line(struct parser *p, const char *s, unsigned n)
{
	struct pol_buf b;
	int r = split(p, s, n);

	if (r < 0 || p->nf == 0)
		return r;
	if (field_is(&p->f[0], "profile"))
		return line_profile(p);
	if (field_is(&p->f[0], "rule"))
		return line_rule(p);
	if (field_is(&p->f[0], "default"))
		return line_default(p);
	fail(p, POL_PERR_DIRECTIVE, p->f[0].col, &b);
	pol_buf_str(&b, "unknown directive ");
	quoted(&b, p->f[0].s, p->f[0].n);
	pol_buf_str(&b, " (profile, rule, default)");
	return -SCHED_EINVAL;
}

/* --- resolution ------------------------------------------------------------------------ */

static int fail_unknown_profile(struct parser *p, unsigned line, unsigned col,
				const char *who, const char *name)
{
	struct pol_buf b;

	p->line = line;
	fail(p, POL_PERR_UNKNOWN_PROFILE, col, &b);
	pol_buf_str(&b, who);
	pol_buf_str(&b, " names unknown profile ");
	quoted(&b, name, pol_strlen(name));
	return -SCHED_EINVAL;
}

static int resolve_default(struct parser *p, unsigned end_line, unsigned end_col)
{
	struct pol_buf b;

	if (!p->has_default) {
		p->line = end_line;
		fail(p, POL_PERR_NO_DEFAULT, end_col, &b);
		pol_buf_str(&b, "no default profile (add a line: default profile=NAME)");
		return -SCHED_EINVAL;
	}
	HASH_FIND_STR(p->m->profiles, p->default_name, p->m->dflt);
	if (p->m->dflt)
		return 0;
	return fail_unknown_profile(p, p->default_line, p->default_col, "default",
				    p->default_name);
}

/* Every rule's profile and the default's, in line order (rules are in insertion order). */
static int resolve(struct parser *p, unsigned end_line, unsigned end_col)
{
	bool dflt_done = false;
	int r;

	for (struct pol_rule *rule = p->m->rules; rule; rule = rule->hh.next) {
		if (!dflt_done && p->has_default && p->default_line < rule->line) {
			dflt_done = true;
			r = resolve_default(p, end_line, end_col);
			if (r < 0)
				return r;
		}
		HASH_FIND_STR(p->m->profiles, rule->profile_name, rule->profile);
		if (!rule->profile)
			return fail_unknown_profile(p, rule->line, rule->profile_col, "rule",
						    rule->profile_name);
	}
	return dflt_done ? 0 : resolve_default(p, end_line, end_col);
}

/* --- the entry points ------------------------------------------------------------------ */

/* Where the input ends, as line:col. */
static void end_of(const char *text, size_t len, unsigned *line, unsigned *col)
{
	size_t start = 0;

	*line = 1;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	}
	*col = (unsigned)(len - start) + 1;
}

static int parse_all(struct parser *p, const char *text, size_t len)
{
	unsigned end_line, end_col;
	size_t i = 0;

	for (p->line = 1; i < len; p->line++) {
		size_t j = i;
		int r;

		while (j < len && text[j] != '\n')
			j++;
		if (j - i > UINT32_MAX / 2) {
			struct pol_buf b;

			fail(p, POL_PERR_FIELD, 1, &b);
			pol_buf_str(&b, "line too long");
			return -SCHED_EINVAL;
		}
		r = parse_line(p, text + i, (unsigned)(j - i));
		if (r < 0)
			return r;
		i = j + 1;
	}
	end_of(text, len, &end_line, &end_col);
	return resolve(p, end_line, end_col);
}

int pol_manifest_parse(struct pol_manifest *m, struct pol_arena *arena, const char *text,
		       size_t len, struct pol_error *err)
{
	struct parser p;
	int r;

	if (!m || !arena || (!text && len))
		return -SCHED_EINVAL;
	pol_arena_reset(arena);
	pol_memset(m, 0, sizeof(*m));
	m->arena = arena;
	pol_memset(&p, 0, sizeof(p));
	p.m = m;
	r = parse_all(&p, text, len);
	if (r < 0) {
		pol_arena_reset(arena);
		pol_memset(m, 0, sizeof(*m));
		m->arena = arena;
	}
	if (err)
		pol_memcpy(err, &p.e, sizeof(*err));
	return r;
}

const struct pol_profile *pol_manifest_profile(const struct pol_manifest *m, const char *name)
{
	struct pol_profile *pr;

	if (!m || !name || pol_strnlen(name, SCHED_PROFILE_NAME_MAX) >= SCHED_PROFILE_NAME_MAX)
		return NULL;
	HASH_FIND_STR(m->profiles, name, pr);
	return pr;
}

const struct pol_rule *pol_manifest_rule(const struct pol_manifest *m, unsigned kind,
					 const char *name, uint32_t session)
{
	struct pol_rule_key key;
	struct pol_rule *rule;
	size_t n;

	if (!m || kind >= POL_RULE_NR)
		return NULL;
	pol_memset(&key, 0, sizeof(key));
	key.kind = kind;
	if (kind == POL_RULE_SESSION) {
		if (!session)
			return NULL;
		key.session = session;
	} else {
		/* a name longer than any rule's matches none (never a cut-off match) */
		n = name ? pol_strnlen(name, POL_NAME_MAX) : 0;
		if (!n || n >= POL_NAME_MAX)
			return NULL;
		pol_memcpy(key.name, name, n);
	}
	HASH_FIND(hh, m->rules, &key, sizeof(key), rule);
	return rule;
}

const struct pol_profile *pol_manifest_match(const struct pol_manifest *m,
					     const struct pol_match *w)
{
	const struct pol_rule *r = NULL;

	if (!m)
		return NULL;
	if (w) {
		r = pol_manifest_rule(m, POL_RULE_PROCESS, w->process, 0);
		if (!r)
			r = pol_manifest_rule(m, POL_RULE_SERVICE, w->service, 0);
		if (!r)
			r = pol_manifest_rule(m, POL_RULE_SESSION, NULL, w->session);
	}
	return r ? r->profile : m->dflt;
}

void pol_profile_sc(const struct pol_profile *p, const sched_cpumask_t *cpus,
		    struct sched_sc_params *out)
{
	if (!out)
		return;
	pol_memset(out, 0, sizeof(*out));
	if (!p || !p->has_sc)
		return;
	out->budget_ns = p->budget_ns;
	out->period_ns = p->period_ns;
	out->deadline_ns = p->deadline_ns;
	if (cpus)
		pol_memcpy(&out->cpus, cpus, sizeof(out->cpus));
	out->mode = SCHED_SC_SPORADIC;
	out->overrun = SCHED_SC_THROTTLE;
	out->dispatch = p->dispatch;
}

/* a x b as a 128-bit number in two 64-bit halves (portable: no __int128). */
static void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);

	*lo = (ll & 0xffffffffu) | mid << 32;
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

bool pol_profile_allows(const struct pol_profile *p, uint64_t budget_ns, uint64_t period_ns)
{
	uint64_t ah, al, bh, bl;

	if (!p || !p->has_sc || !period_ns)
		return false;
	/* budget / period <= pb / pt  <=>  budget x pt <= pb x period (periods > 0) */
	mul64(budget_ns, p->period_ns, &ah, &al);
	mul64(p->budget_ns, period_ns, &bh, &bl);
	return ah < bh || (ah == bh && al <= bl);
}

bool pol_fair_equal(const struct sched_fair_params *a, const struct sched_fair_params *b)
{
	return a->nice == b->nice && a->idle_weight == b->idle_weight &&
	       a->slice_ns == b->slice_ns;
}

/* --- two manifests, one live --------------------------------------------------------------- */

int pol_manifests_init(struct pol_manifests *ms, void *mem, size_t len)
{
	size_t half = len / 2;

	if (!ms || !mem)
		return -SCHED_EINVAL;
	pol_memset(ms, 0, sizeof(*ms));
	ms->live = -1;
	if (!pol_arena_init(&ms->arena[0], mem, half) ||
	    !pol_arena_init(&ms->arena[1], (uint8_t *)mem + half, len - half))
		return -SCHED_EINVAL;
	ms->m[0].arena = &ms->arena[0];
	ms->m[1].arena = &ms->arena[1];
	return 0;
}

int pol_manifests_load(struct pol_manifests *ms, const char *text, size_t len,
		       struct pol_error *err)
{
	int next, r;

	if (!ms || (!text && len))
		return -SCHED_EINVAL;
	next = ms->live == 0 ? 1 : 0;
	r = pol_manifest_parse(&ms->m[next], &ms->arena[next], text, len, err);
	if (r < 0)
		return r;
	ms->live = next;
	ms->loads++;
	return 0;
}

const struct pol_manifest *pol_manifests_live(const struct pol_manifests *ms)
{
	return ms && ms->live >= 0 ? &ms->m[ms->live] : NULL;
}
