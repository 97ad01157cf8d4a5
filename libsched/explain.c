/* SPDX-License-Identifier: MIT */
/*
 * explain.c - decision records: the lock-free ring, its reader, the one-line formatter,
 * and the bounded text output the library's explain functions share.
 *
 * A record is eight 64-bit words written with release stores between two stores of its
 * sequence word: 0 while being written, then its number. A writer takes the slot from its
 * previous number by compare-and-swap, so there is one writer per slot at a time; one that
 * finds it busy (a writer a whole ring late) drops its record, counted. A reader copies the
 * words with acquire loads and keeps the copy only if the sequence word read before and
 * after is the number it expects: a seqlock per slot without fences (which thread
 * sanitizers cannot follow), since a reader that saw any word of a newer record then sees
 * the 0 or the newer number. A late writer that finds the slot free again writes its older
 * record over a newer one; readers skip it (its number is not the one they expect).
 */
#include "explain.h"

#define WORDS (sizeof(struct sched_why) / sizeof(uint64_t))

union why_words {
	struct sched_why w;
	uint64_t q[WORDS];
};

_Static_assert(sizeof(struct sched_why) == 64, "a record is eight words");
_Static_assert(__builtin_offsetof(struct sched_why, seq) == 0, "seq is the first word");

int sched_explain_start(struct sched_sys *s, struct sched_explain_log *log,
			struct sched_why *recs, unsigned len, uint32_t kinds)
{
	if (!s || !log || !recs || len < 2 || len > (1u << 20) || (len & (len - 1)) ||
	    (kinds & ~(uint32_t)SCHED_WHY_ALL))
		return -SCHED_EINVAL;
	for (unsigned i = 0; i < len; i++) /* "written" before: the first writer may take it */
		__atomic_store_n(&recs[i].seq, ~0ull, __ATOMIC_RELAXED);
	log->head = 0;
	log->dropped = 0;
	log->mask = len - 1;
	log->kinds = kinds ? kinds : SCHED_WHY_ALL;
	log->rec = recs;
	__atomic_store_n(&s->why, log, __ATOMIC_RELEASE);
	return 0;
}

void sched_explain_stop(struct sched_sys *s)
{
	if (s)
		__atomic_store_n(&s->why, NULL, __ATOMIC_RELEASE);
}

uint64_t sched__why_put(struct sched_explain_log *l, struct sched_why *w)
{
	uint64_t n = __atomic_fetch_add(&l->head, 1, __ATOMIC_RELAXED);
	union why_words *slot = (union why_words *)&l->rec[n & l->mask];
	union why_words v;

	uint64_t was = __atomic_load_n(&slot->q[0], __ATOMIC_RELAXED);

	w->seq = n + 1;
	if (!w->time)
		w->time = sched_arch_now();
	v.w = *w;
	/* one writer per slot: a writer a whole ring behind (preempted between its claim and
	 * here) finds the slot busy or taken and drops its record rather than tear another */
	if (!was || !__atomic_compare_exchange_n(&slot->q[0], &was, 0, false, __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&l->dropped, 1, __ATOMIC_RELAXED);
		return 0;
	}
	for (unsigned i = 1; i < WORDS; i++) /* release: a reader that sees a word sees the 0 */
		__atomic_store_n(&slot->q[i], v.q[i], __ATOMIC_RELEASE);
	__atomic_store_n(&slot->q[0], v.q[0], __ATOMIC_RELEASE);
	return n + 1;
}

/* Copy slot n of the log into *out; false if it is being written or was overwritten. */
static bool why_copy(const struct sched_explain_log *l, uint64_t n, struct sched_why *out)
{
	const union why_words *slot = (const union why_words *)&l->rec[n & l->mask];
	union why_words v;

	if (__atomic_load_n(&slot->q[0], __ATOMIC_ACQUIRE) != n + 1)
		return false;
	for (unsigned i = 1; i < WORDS; i++) /* acquire: the second look comes after them */
		v.q[i] = __atomic_load_n(&slot->q[i], __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&slot->q[0], __ATOMIC_RELAXED) != n + 1)
		return false;
	v.q[0] = n + 1;
	*out = v.w;
	return true;
}

static bool passes(const struct sched_why *w, const struct sched_why_filter *f)
{
	if (!f)
		return true;
	return (!f->kinds || (f->kinds >> w->kind & 1)) && (!f->tid || f->tid == w->tid) &&
	       (!f->group || f->group == w->group) &&
	       (f->obj_kind == SCHED_OBJ_NONE ||
		(f->obj_kind == w->obj_kind && f->obj == w->obj)) &&
	       w->seq > f->after;
}

unsigned sched_explain_read(struct sched_sys *s, const struct sched_why_filter *f,
			    struct sched_why *out, unsigned max)
{
	struct sched_explain_log *l = s ? __atomic_load_n(&s->why, __ATOMIC_ACQUIRE) : NULL;
	uint64_t head, first;
	unsigned got = 0;

	if (!l || !out || !max)
		return 0;
	head = __atomic_load_n(&l->head, __ATOMIC_ACQUIRE);
	first = head > (uint64_t)l->mask + 1 ? head - l->mask - 1 : 0;
	if (f && f->after > first)
		first = f->after < head ? f->after : head;
	/* newest `max` that pass, oldest first: count back from the head, then copy forward */
	for (uint64_t n = head; n > first; n--) {
		struct sched_why w;

		if (why_copy(l, n - 1, &w) && passes(&w, f) && ++got == max) {
			first = n - 1;
			break;
		}
	}
	got = 0;
	for (uint64_t n = first; n < head && got < max; n++)
		if (why_copy(l, n, &out[got]) && passes(&out[got], f))
			got++;
	return got;
}

uint64_t sched_explain_count(struct sched_sys *s)
{
	struct sched_explain_log *l = s ? __atomic_load_n(&s->why, __ATOMIC_ACQUIRE) : NULL;

	return l ? __atomic_load_n(&l->head, __ATOMIC_RELAXED) : 0;
}

/* --- recording from more than one module ---------------------------------------------------- */

void sched__why_migrate(struct sched_sys *s, const struct sched_thread *t, unsigned from,
			unsigned to, unsigned cause, sched_time_t now)
{
	struct sched_explain_log *l = sched__why_log(s, SCHED_WHY_MIGRATE);
	struct sched_why w = { 0 };

	if (!l)
		return;
	w.kind = SCHED_WHY_MIGRATE;
	w.cause = (uint8_t)cause;
	w.tid = t->id;
	w.group = sched__gid(t);
	w.cpu = (uint16_t)from;
	w.cpu2 = (uint16_t)to;
	w.fig[0] = t->weight;
	w.time = now;
	sched__why_put(l, &w);
}

uint64_t sched__why_deny(struct sched_sys *s, uint32_t tid, uint32_t group,
			 unsigned cause, int err, unsigned obj_kind, uint32_t obj,
			 const uint64_t fig[3])
{
	struct sched_explain_log *l = sched__why_log(s, SCHED_WHY_DENY);
	struct sched_why w = { 0 };

	if (!l)
		return 0;
	w.kind = SCHED_WHY_DENY;
	w.cause = (uint8_t)cause;
	w.err = (int8_t)err;
	w.tid = tid;
	w.group = group;
	w.obj_kind = (uint8_t)obj_kind;
	w.obj = obj;
	for (unsigned i = 0; fig && i < 3; i++)
		w.fig[i] = fig[i];
	return sched__why_put(l, &w);
}

void sched__why_revoke(struct sched_sys *s, unsigned obj_kind, uint32_t obj, unsigned cause,
		       uint32_t group, uint32_t tid, uint64_t affected)
{
	struct sched_explain_log *l = sched__why_log(s, SCHED_WHY_REVOKE);
	struct sched_why w = { 0 };

	if (!l)
		return;
	w.kind = SCHED_WHY_REVOKE;
	w.cause = (uint8_t)cause;
	w.obj_kind = (uint8_t)obj_kind;
	w.obj = obj;
	w.group = group;
	w.tid = tid;
	w.fig[0] = affected;
	sched__why_put(l, &w);
}

/* --- bounded text --------------------------------------------------------------------------- */

void sched__put(struct sched__out *o, const char *str)
{
	for (; str && *str; str++, o->at++)
		if (o->at + 1 < o->len)
			o->buf[o->at] = *str;
}

void sched__put_u(struct sched__out *o, uint64_t x)
{
	char d[21];
	unsigned n = 0;

	do
		d[n++] = (char)('0' + x % 10);
	while ((x /= 10) && n < sizeof(d) - 1);
	while (n) {
		char c[2] = { d[--n], 0 };

		sched__put(o, c);
	}
}

/* ns as "10.4 ms", "250 us", "3 ns" (one decimal, rounded up: a shortfall is never
 * printed smaller than it is). */
void sched__put_time(struct sched__out *o, uint64_t ns)
{
	static const struct { uint64_t unit; const char *name; } u[] = {
		{ 1000000000, " s" }, { 1000000, " ms" }, { 1000, " us" }, { 1, " ns" } };
	unsigned i = 0;

	while (u[i].unit > 1 && ns < u[i].unit)
		i++;
	/* rounding up may carry into the next unit: 999.95 us is 1.0 ms */
	if (i && u[i].unit > 1 &&
	    ns / (u[i].unit / 10) + (ns % (u[i].unit / 10) != 0) >= 10000)
		i--;
	if (u[i].unit == 1 || ns % u[i].unit == 0) {
		sched__put_u(o, ns / u[i].unit);
	} else {
		uint64_t tenths = ns / (u[i].unit / 10) + (ns % (u[i].unit / 10) != 0);

		sched__put_u(o, tenths / 10);
		sched__put(o, ".");
		sched__put_u(o, tenths % 10);
	}
	sched__put(o, u[i].name);
}

unsigned sched__out_end(struct sched__out *o)
{
	if (o->len)
		o->buf[o->at < o->len ? o->at : o->len - 1] = 0;
	return o->at;
}

/* ns as "<whole>.<3 digits> <unit>" with unit 1e9 (" s") or 1e6 (" ms"), truncated. */
static void put_fixed(struct sched__out *o, uint64_t ns, uint64_t unit, const char *name)
{
	uint64_t milli = ns % unit / (unit / 1000);

	sched__put_u(o, ns / unit);
	sched__put(o, ".");
	sched__put(o, milli < 100 ? (milli < 10 ? "00" : "0") : "");
	sched__put_u(o, milli);
	sched__put(o, name);
}

static void put_s(struct sched__out *o, uint64_t ns)
{
	put_fixed(o, ns, 1000000000, " s");
}

static void put_ms(struct sched__out *o, uint64_t ns)
{
	put_fixed(o, ns, 1000000, " ms");
}

/* --- names and the one-line format ---------------------------------------------------------- */

static const char *const kind_names[SCHED_WHY_NR] = {
	"deny", "throttle", "migrate", "forced_idle", "demote", "revoke", "default",
};

static const char *const deny_names[] = {
	"sc_configure", "set_rt", "lease", "island", "request", "queue_full", "graph",
};
static const char *const throttle_names[] = { "sc", "rt" };
static const char *const migrate_names[SCHED_MIG_NR] = {
	"wake", "balance", "steal", "rotate", "push", "lease", "hotplug", "affinity",
};
static const char *const demote_names[] = { "sc_revoked", "depleted" };
static const char *const revoke_names[] = { "call", "owner", "holder_exit" };
static const char *const default_names[] = { "deny", "profile" };
static const char *const obj_names[SCHED_OBJ_NR] = {
	"", "SC", "lease", "island", "request", "t",
};

#define NAMES(a) { a, sizeof(a) / sizeof(a[0]) }
static const struct { const char *const *name; unsigned n; } cause_names[SCHED_WHY_NR] = {
	[SCHED_WHY_DENY] = NAMES(deny_names),
	[SCHED_WHY_THROTTLE] = NAMES(throttle_names),
	[SCHED_WHY_MIGRATE] = NAMES(migrate_names),
	[SCHED_WHY_DEMOTE] = NAMES(demote_names),
	[SCHED_WHY_REVOKE] = NAMES(revoke_names),
	[SCHED_WHY_DEFAULT] = NAMES(default_names),
};

const char *sched_why_kind_name(unsigned kind)
{
	return kind < SCHED_WHY_NR ? kind_names[kind] : "?";
}

const char *sched_why_cause_name(unsigned kind, unsigned cause)
{
	if (kind == SCHED_WHY_FORCED_IDLE && cause == 0)
		return "cookie";
	if (kind >= SCHED_WHY_NR || cause >= cause_names[kind].n)
		return "?";
	return cause_names[kind].name[cause];
}

static void put_obj(struct sched__out *o, const struct sched_why *w)
{
	sched__put(o, w->obj_kind < SCHED_OBJ_NR ? obj_names[w->obj_kind] : "?");
	if (w->obj_kind != SCHED_OBJ_THREAD)
		sched__put(o, " ");
	sched__put_u(o, w->obj);
}

/* "t42 <verb> at 10.002 s: " (or "CPU 1 ..." for a record about no thread) */
static void put_head(struct sched__out *o, const struct sched_why *w, const char *verb)
{
	if (w->tid) {
		sched__put(o, "t");
		sched__put_u(o, w->tid);
	} else if (w->obj_kind != SCHED_OBJ_NONE && w->obj_kind != SCHED_OBJ_THREAD &&
		   w->kind != SCHED_WHY_FORCED_IDLE) {
		put_obj(o, w); /* "SC 7 ended at ...", "SC 3 denied at ..." */
	} else if (w->group && w->kind == SCHED_WHY_DENY) {
		sched__put(o, "group ");
		sched__put_u(o, w->group);
	} else {
		sched__put(o, "CPU ");
		sched__put_u(o, w->cpu);
	}
	sched__put(o, " ");
	sched__put(o, verb);
	sched__put(o, " at ");
	put_s(o, w->time);
	sched__put(o, ": ");
}

/* enum sched_req_kind (policy.h), for records about requests */
static const char *const req_names[] = {
	"profile", "admit_sc", "budget", "lease_grant", "lease_revoke", "island", "graph", "explain",
};

static void put_err(struct sched__out *o, int err)
{
	sched__put(o, sched_strerror(err));
}

static void fmt_deny(struct sched__out *o, const struct sched_why *w)
{
	put_head(o, w, "denied");
	if (w->obj_kind == SCHED_OBJ_REQUEST) { /* "request 3 (lease_grant): ..." */
		put_obj(o, w);
		sched__put(o, " (");
		sched__put(o, w->fig[0] < sizeof(req_names) / sizeof(req_names[0])
				      ? req_names[w->fig[0]] : "?");
		sched__put(o, ")");
	} else {
		sched__put(o, sched_why_cause_name(w->kind, w->cause));
		if (w->obj_kind != SCHED_OBJ_NONE) {
			sched__put(o, " of ");
			put_obj(o, w);
		}
	}
	sched__put(o, ": ");
	put_err(o, w->err);
	switch (w->cause) {
	case SCHED_DENY_SC_CONFIGURE:
	case SCHED_DENY_SET_RT:
	case SCHED_DENY_ISLAND:
		if (!w->fig[0] && !w->fig[1])
			break;
		sched__put(o, " (demand ");
		sched__put_time(o, w->fig[0]);
		sched__put(o, " > supply ");
		sched__put_time(o, w->fig[1]);
		sched__put(o, " in ");
		sched__put_time(o, w->fig[2]);
		sched__put(o, ")");
		break;
	case SCHED_DENY_GRAPH:
		sched__put(o, " (node ");
		sched__put_u(o, w->fig[0]);
		if (!w->fig[1] && !w->fig[2]) { /* refused by admission or a check: no figures */
			sched__put(o, ")");
			break;
		}
		sched__put(o, " asks ");
		sched__put_time(o, w->fig[1]);
		sched__put(o, ", holds ");
		sched__put_time(o, w->fig[2]);
		sched__put(o, ")");
		break;
	case SCHED_DENY_QUEUE_FULL:
		sched__put(o, " (all ");
		sched__put_u(o, w->fig[0]);
		sched__put(o, " slots in use)");
		break;
	default:
		break;
	}
}

static void fmt_throttle(struct sched__out *o, const struct sched_why *w)
{
	put_head(o, w, "throttled");
	if (w->cause == SCHED_THROTTLE_SC) {
		put_obj(o, w);
	} else {
		sched__put(o, "fixed priorities on CPU ");
		sched__put_u(o, w->cpu);
	}
	sched__put(o, " used ");
	put_ms(o, w->fig[0]);
	sched__put(o, " of ");
	put_ms(o, w->fig[1]);
	sched__put(o, w->cause == SCHED_THROTTLE_SC ? ", refill at " : ", back at ");
	put_s(o, w->fig[2]);
}

static void fmt_migrate(struct sched__out *o, const struct sched_why *w)
{
	put_head(o, w, "migrated");
	sched__put(o, "CPU ");
	sched__put_u(o, w->cpu);
	sched__put(o, " -> CPU ");
	sched__put_u(o, w->cpu2);
	sched__put(o, " (");
	sched__put(o, sched_why_cause_name(w->kind, w->cause));
	sched__put(o, ")");
}

static void fmt_forced_idle(struct sched__out *o, const struct sched_why *w)
{
	put_head(o, w, "forced idle");
	sched__put_u(o, w->fig[0]);
	sched__put(o, " thread(s) waiting, their cookie differs from the core's (");
	sched__put_u(o, w->fig[1]);
	sched__put(o, ")");
	if (w->obj_kind == SCHED_OBJ_THREAD) {
		sched__put(o, " run by ");
		put_obj(o, w);
	}
}

static void fmt_demote(struct sched__out *o, const struct sched_why *w)
{
	put_head(o, w, "demoted");
	put_obj(o, w);
	if (w->cause == SCHED_DEMOTE_SC_REVOKED) {
		sched__put(o, " revoked, runs by its fixed priority or fair");
	} else {
		sched__put(o, " used up, runs by its fixed priority or fair until refill at ");
		put_s(o, w->fig[2]);
	}
}

static void fmt_revoke(struct sched__out *o, const struct sched_why *w)
{
	static const char *const why[] = {
		"revoked by its capability", "revoked: its owner group went",
		"revoked: its holder exited",
	};

	put_head(o, w, "ended");
	if (w->tid) { /* else the head named it */
		put_obj(o, w);
		sched__put(o, " ");
	}
	sched__put(o, w->cause < 3 ? why[w->cause] : "revoked");
	if (w->group) {
		sched__put(o, " (group ");
		sched__put_u(o, w->group);
		sched__put(o, ")");
	}
}

static void fmt_default(struct sched__out *o, const struct sched_why *w)
{
	put_head(o, w, "got the default");
	put_obj(o, w);
	sched__put(o, " unanswered after ");
	put_ms(o, w->fig[1]);
	sched__put(o, w->cause == SCHED_DEFAULT_PROFILE ? ": default profile applied"
							: ": refused, ");
	if (w->cause != SCHED_DEFAULT_PROFILE)
		put_err(o, w->err);
}

unsigned sched_explain_format(const struct sched_why *w, char *buf, unsigned len)
{
	static void (*const fmt[SCHED_WHY_NR])(struct sched__out *, const struct sched_why *) = {
		fmt_deny, fmt_throttle, fmt_migrate, fmt_forced_idle, fmt_demote, fmt_revoke,
		fmt_default,
	};
	struct sched__out o = { buf, buf ? len : 0, 0 };

	if (!w || w->kind >= SCHED_WHY_NR)
		sched__put(&o, "?");
	else
		fmt[w->kind](&o, w);
	return sched__out_end(&o);
}
