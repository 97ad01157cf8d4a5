/* SPDX-License-Identifier: MIT */
/*
 * scenario.c - the parity check's interpreter (scenario.h, docs/parity.md).
 *
 * One operation per line, words separated by blanks, '#' starts a comment:
 *
 *   admission                                   sched_sc_admission (first fit)
 *   group G                                     a process group
 *   thread T [nice N] [cpus L] [group G]        a new thread, woken (it spins)
 *   sc S budget D period D cpus L [partitioned] [owner G]
 *                                               sched_sc_create + configure (THROTTLE)
 *   bind T S | unbind S | revoke S              the SC calls
 *   lease L thread T cpus L | lease L group G cpus L    sched_lease_grant (root authority)
 *   unlease L                                   sched_lease_revoke
 *   island I group G cpus L member S budget D period D
 *                                               sched_island_admit: leased CPUs, one
 *                                               partitioned member SC S (THROTTLE)
 *   unisland I                                  sched_island_revoke
 *   offline C | online C                        CPU hotplug
 *   cookie T | share A B                        sched_core_create / sched_core_share
 *   together A B                                1 if A and B have one cookie (they may
 *                                               run on one core at once), else 0
 *   affinity T cpus L                           sched_set_affinity
 *   state X                                     an SC, lease or island: live (0) or the
 *                                               error its query returns (revoked: stale)
 *
 * D is a duration (500us, 2ms, 1s; bare: ns), L a CPU list (0-1,3). Every operation prints
 * "op N <its words>: <result>" (0, or the error and its sched_strerror text), a
 * partitioned SC or island member its CPU, and after each operation one line with the
 * class every thread runs in (sc: on an SC; passive: it may run only on one; rt; fair).
 * Calls that say -SCHED_EAGAIN (a thread migrating towards a CPU: a matter of timing) are
 * retried after the machine settles, so that only decisions are printed.
 */
#include <sched/admit.h>
#include <sched/core.h>
#include <sched/island.h>
#include <sched/lease.h>
#include <sched/sc.h>

#include "scenario.h"

#define NAMES 16               /* of each kind */
#define NAME_LEN 16
#define WORDS 16
#define RETRIES 200
#define BAD 0x40000000         /* a line that does not parse (libsched returns <= 0) */

struct named {
	char name[NAME_LEN];
	bool used;
};

static struct {
	struct named thread_n[NAMES], group_n[NAMES], sc_n[NAMES], lease_n[NAMES], isl_n[NAMES];
	struct sched_thread *thread[NAMES];
	struct sched_group group[NAMES];
	struct sched_sc_cap sc[NAMES];
	struct sched_refill refill[NAMES][SCN_REFILLS];
	struct sched_lease_cap lease[NAMES];
	struct sched_island_cap island[NAMES];
	struct sched_rt_task scratch[SCN_SCS + 1 + SCN_ISLANDS * SCHED_ISLAND_IRQS_MAX];
} st;

/* --- text ------------------------------------------------------------------------------ */

struct line {
	char b[SCN_LINE];
	unsigned n;
};

static void put(struct line *l, const char *s)
{
	while (*s && l->n + 1 < SCN_LINE)
		l->b[l->n++] = *s++;
	l->b[l->n] = 0;
}

static void put_uint(struct line *l, uint64_t v)
{
	char d[24];
	unsigned i = sizeof(d) - 1;

	d[i] = 0;
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(l, d + i);
}

/* A call's result: "0", or "-N (what sched_strerror says)". */
static void put_result(struct line *l, int r)
{
	if (r >= 0) {
		put_uint(l, (uint64_t)r);
		return;
	}
	put(l, "-");
	put_uint(l, (uint64_t)-(int64_t)r);
	put(l, " (");
	put(l, sched_strerror(r));
	put(l, ")");
}

static bool same(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static bool parse_uint(const char *w, uint64_t *out)
{
	uint64_t v = 0;

	if (*w < '0' || *w > '9')
		return false;
	for (; *w >= '0' && *w <= '9'; w++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*w - '0');
	}
	*out = v;
	return *w == 0;
}

/* "2ms", "500us", "1s", "10000ns" or bare ns. */
static bool parse_dur(const char *w, uint64_t *ns)
{
	static const struct { const char *suffix; uint64_t mul; } units[] = {
		{ "", 1 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	};
	char num[24];
	unsigned i = 0;

	while (w[i] >= '0' && w[i] <= '9' && i + 1 < sizeof(num)) {
		num[i] = w[i];
		i++;
	}
	num[i] = 0;
	for (unsigned u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		uint64_t v;

		if (same(w + i, units[u].suffix) && parse_uint(num, &v) &&
		    v <= UINT64_MAX / units[u].mul) {
			*ns = v * units[u].mul;
			return true;
		}
	}
	return false;
}

/* "0-1,3": CPUs below SCHED_MAX_CPUS (libsched then refuses those out of its range). */
static bool parse_cpus(const char *w, sched_cpumask_t *m)
{
	sched_cpumask_clear(m);
	while (*w) {
		uint64_t lo = 0, hi;

		if (*w < '0' || *w > '9')
			return false;
		while (*w >= '0' && *w <= '9')
			lo = lo * 10 + (uint64_t)(*w++ - '0');
		hi = lo;
		if (*w == '-') {
			hi = 0;
			if (*++w < '0' || *w > '9')
				return false;
			while (*w >= '0' && *w <= '9')
				hi = hi * 10 + (uint64_t)(*w++ - '0');
		}
		if (hi < lo || hi >= SCHED_MAX_CPUS)
			return false;
		for (uint64_t c = lo; c <= hi; c++)
			sched_cpumask_set(m, (unsigned)c);
		if (*w == ',')
			w++;
		else if (*w)
			return false;
	}
	return !sched_cpumask_empty(m);
}

/* --- names --------------------------------------------------------------------------------- */

static int find(const struct named *tab, const char *name)
{
	for (int i = 0; i < NAMES; i++)
		if (tab[i].used && same(tab[i].name, name))
			return i;
	return -1;
}

/* A new entry for `name`: -1 if it is taken, too long or the table is full. */
static int claim(struct named *tab, const char *name)
{
	unsigned len = 0;

	while (name[len])
		len++;
	if (len == 0 || len >= NAME_LEN || find(tab, name) >= 0)
		return -1;
	for (int i = 0; i < NAMES; i++) {
		if (tab[i].used)
			continue;
		for (unsigned k = 0; k <= len; k++)
			tab[i].name[k] = name[k];
		tab[i].used = true;
		return i;
	}
	return -1;
}

/* The value after `key` among w[from..n), or NULL. */
static const char *opt(char **w, unsigned n, unsigned from, const char *key)
{
	for (unsigned i = from; i + 1 < n; i++)
		if (same(w[i], key))
			return w[i + 1];
	return NULL;
}

static bool has(char **w, unsigned n, unsigned from, const char *word)
{
	for (unsigned i = from; i < n; i++)
		if (same(w[i], word))
			return true;
	return false;
}

static struct sched_ref thread_ref(const char *name)
{
	int i = find(st.thread_n, name);

	return i < 0 ? (struct sched_ref){ 0 } : sched_ref_of(st.thread[i]);
}

/* --- operations ---------------------------------------------------------------------------- */

struct op {
	const struct scn_host *h;
	char **w;
	unsigned n;
	unsigned no;
};

static struct sched_auth root(const struct op *o)
{
	return sched_auth_root(o->h->sys);
}

static void print_extra(const struct op *o, const char *what, const char *name, uint64_t v)
{
	struct line l = { .n = 0 };

	put(&l, "op ");
	put_uint(&l, o->no);
	put(&l, " ");
	put(&l, what);
	put(&l, " ");
	put(&l, name);
	put(&l, " cpu ");
	put_uint(&l, v);
	o->h->print(o->h->ctx, l.b);
}

static int op_admission(const struct op *o)
{
	return sched_sc_admission(o->h->sys, root(o), st.scratch,
				  sizeof(st.scratch) / sizeof(st.scratch[0]), SCHED_RT_FIRST_FIT);
}

static int op_group(const struct op *o)
{
	int i = o->n == 2 ? claim(st.group_n, o->w[1]) : -1;
	struct sched_group_params p = { .id = 1000 + (uint32_t)i, .kind = SCHED_GROUP_PROCESS };

	return i < 0 ? BAD : sched_group_init(o->h->sys, &st.group[i], &p);
}

static int op_thread(const struct op *o)
{
	const char *nice = opt(o->w, o->n, 2, "nice"), *cpus = opt(o->w, o->n, 2, "cpus");
	const char *group = opt(o->w, o->n, 2, "group");
	struct sched_thread_params p = { .nice = 0 };
	sched_cpumask_t m;
	uint64_t v = 0;
	int i = o->n >= 2 ? claim(st.thread_n, o->w[1]) : -1, g = -1, r;

	if (i < 0 || (nice && (!parse_uint(nice, &v) || v > 19)) ||
	    (cpus && !parse_cpus(cpus, &m)) || (group && (g = find(st.group_n, group)) < 0))
		return BAD;
	p.nice = (int)v;
	p.affinity = cpus ? &m : NULL;
	p.group = g >= 0 ? &st.group[g] : NULL;
	/* the table's copy of the name: a kernel thread keeps the pointer */
	r = o->h->spawn(o->h->ctx, st.thread_n[i].name, &p, &st.thread[i]);
	if (r < 0)
		st.thread_n[i].used = false;
	return r;
}

static int op_sc(const struct op *o)
{
	const char *budget = opt(o->w, o->n, 2, "budget"), *period = opt(o->w, o->n, 2, "period");
	const char *cpus = opt(o->w, o->n, 2, "cpus"), *owner = opt(o->w, o->n, 2, "owner");
	struct sched_sc_params p = { .mode = SCHED_SC_SPORADIC, .overrun = SCHED_SC_THROTTLE };
	struct sched_sc_verdict v;
	int i = o->n >= 2 ? claim(st.sc_n, o->w[1]) : -1, g = -1, r;

	if (i < 0 || !budget || !period || !cpus || !parse_dur(budget, &p.budget_ns) ||
	    !parse_dur(period, &p.period_ns) || !parse_cpus(cpus, &p.cpus) ||
	    (owner && (g = find(st.group_n, owner)) < 0))
		return BAD;
	p.dispatch = has(o->w, o->n, 2, "partitioned") ? SCHED_SC_PARTITIONED : SCHED_SC_GLOBAL;
	r = sched_sc_create(o->h->sys, g >= 0 ? &st.group[g] : NULL, st.refill[i], SCN_REFILLS,
			    &st.sc[i]);
	if (r < 0) {
		st.sc_n[i].used = false;
		return r;
	}
	r = sched_sc_configure_verdict(o->h->sys, root(o), st.sc[i], &p, &v);
	if (r == 0 && p.dispatch == SCHED_SC_PARTITIONED)
		print_extra(o, "sc", o->w[1], v.cpu);
	return r;
}

static int op_bind(const struct op *o)
{
	int t = o->n == 3 ? find(st.thread_n, o->w[1]) : -1;
	int s = o->n == 3 ? find(st.sc_n, o->w[2]) : -1;

	if (t < 0 || s < 0)
		return BAD;
	return sched_sc_bind(o->h->sys, st.sc[s], sched_ref_of(st.thread[t]));
}

static int op_sc_call(const struct op *o, int (*call)(struct sched_sys *, struct sched_sc_cap))
{
	int s = o->n == 2 ? find(st.sc_n, o->w[1]) : -1;

	return s < 0 ? BAD : call(o->h->sys, st.sc[s]);
}

/* Calls that may say -SCHED_EAGAIN while a thread migrates: again once the machine settled. */
static int again(const struct op *o, int r, int (*call)(const struct op *))
{
	for (unsigned i = 0; r == -SCHED_EAGAIN && i < RETRIES; i++) {
		o->h->settle(o->h->ctx);
		o->h->enter(o->h->ctx);
		r = call(o);
	}
	return r;
}

static int lease_grant(const struct op *o)
{
	const char *cpus = opt(o->w, o->n, 2, "cpus"), *t = opt(o->w, o->n, 2, "thread");
	const char *g = opt(o->w, o->n, 2, "group");
	struct sched_lease_params p = { .group = NULL };
	int i = find(st.lease_n, o->w[1]), gi = g ? find(st.group_n, g) : -1;

	if (!cpus || !parse_cpus(cpus, &p.cpus) || !t == !g || (t && find(st.thread_n, t) < 0) ||
	    (g && gi < 0))
		return BAD;
	if (t)
		p.thread = thread_ref(t);
	else
		p.group = &st.group[gi];
	return sched_lease_grant(o->h->sys, root(o), &p, &st.lease[i]);
}

static int op_lease(const struct op *o)
{
	int i = o->n >= 2 ? claim(st.lease_n, o->w[1]) : -1, r;

	if (i < 0)
		return BAD;
	r = again(o, lease_grant(o), lease_grant);
	if (r < 0 || r == BAD)
		st.lease_n[i].used = false;
	return r;
}

static int op_unlease(const struct op *o)
{
	int i = o->n == 2 ? find(st.lease_n, o->w[1]) : -1;

	return i < 0 ? BAD : sched_lease_revoke(o->h->sys, st.lease[i]);
}

/* The island of `island I group G cpus L member S budget D period D`, its member's SC made
 * (slot s) before; the verdict's member CPU in *cpu. */
static int island_admit_as(const struct op *o, int s, uint16_t *cpu)
{
	const char *budget = opt(o->w, o->n, 2, "budget"), *period = opt(o->w, o->n, 2, "period");
	int i = find(st.isl_n, o->w[1]), g = find(st.group_n, opt(o->w, o->n, 2, "group"));
	struct sched_island_member m = { .sc = st.sc[s], .name = st.sc_n[s].name };
	struct sched_island_params p = {
		.group = &st.group[g], .cpu_mode = SCHED_ISLAND_LEASED,
		.overrun = SCHED_SC_THROTTLE, .name = st.isl_n[i].name, .members = &m,
		.nr_members = 1,
	};
	struct sched_island_verdict v;
	int r;

	m.p.mode = SCHED_SC_SPORADIC;
	m.p.dispatch = SCHED_SC_PARTITIONED;
	if (!budget || !period || !parse_dur(budget, &m.p.budget_ns) ||
	    !parse_dur(period, &m.p.period_ns) ||
	    !parse_cpus(opt(o->w, o->n, 2, "cpus"), &p.cpus))
		return BAD;
	m.p.cpus = p.cpus;
	r = sched_island_admit(o->h->sys, root(o), &p, &st.island[i], &v);
	*cpu = r == 0 ? v.cpu_of[0] : 0;
	return r;
}

static int island_admit(const struct op *o)
{
	int s = find(st.sc_n, opt(o->w, o->n, 2, "member"));
	uint16_t cpu;
	int r = island_admit_as(o, s, &cpu);

	if (r == 0)
		print_extra(o, "island member", st.sc_n[s].name, cpu);
	return r;
}

static int op_island(const struct op *o)
{
	const char *member = opt(o->w, o->n, 2, "member"), *group = opt(o->w, o->n, 2, "group");
	int i = o->n >= 2 ? claim(st.isl_n, o->w[1]) : -1;
	int s = member ? claim(st.sc_n, member) : -1;
	int g = group ? find(st.group_n, group) : -1, r;

	if (i < 0 || s < 0 || g < 0 || !opt(o->w, o->n, 2, "cpus"))
		return BAD;
	r = sched_sc_create(o->h->sys, &st.group[g], st.refill[s], SCN_REFILLS, &st.sc[s]);
	if (r < 0)
		st.sc_n[s].used = false;
	else
		r = again(o, island_admit(o), island_admit);
	if (r != 0) /* a refused island has no name; its member SC, made, keeps its own */
		st.isl_n[i].used = false;
	return r;
}

static int op_unisland(const struct op *o)
{
	int i = o->n == 2 ? find(st.isl_n, o->w[1]) : -1;

	return i < 0 ? BAD : sched_island_revoke(o->h->sys, root(o), st.island[i]);
}

static int cpu_arg(const struct op *o, unsigned *cpu)
{
	uint64_t v;

	if (o->n != 2 || !parse_uint(o->w[1], &v) || v >= SCHED_MAX_CPUS)
		return BAD;
	*cpu = (unsigned)v;
	return 0;
}

static int cpu_offline(const struct op *o)
{
	unsigned cpu;

	return cpu_arg(o, &cpu) ? BAD : sched_cpu_offline(o->h->sys, cpu);
}

static int op_offline(const struct op *o)
{
	return again(o, cpu_offline(o), cpu_offline);
}

static int op_online(const struct op *o)
{
	unsigned cpu;

	return cpu_arg(o, &cpu) ? BAD : o->h->online(o->h->ctx, cpu);
}

static int op_cookie(const struct op *o)
{
	int t = o->n == 2 ? find(st.thread_n, o->w[1]) : -1;

	return t < 0 ? BAD : sched_core_create(o->h->sys, root(o), sched_ref_of(st.thread[t]),
					       SCHED_CORE_THREAD);
}

static int op_share(const struct op *o)
{
	int a = o->n == 3 ? find(st.thread_n, o->w[1]) : -1;
	int b = o->n == 3 ? find(st.thread_n, o->w[2]) : -1;

	if (a < 0 || b < 0)
		return BAD;
	return sched_core_share(o->h->sys, root(o), sched_ref_of(st.thread[a]),
				sched_ref_of(st.thread[b]), SCHED_CORE_THREAD);
}

static int op_together(const struct op *o)
{
	int a = o->n == 3 ? find(st.thread_n, o->w[1]) : -1;
	int b = o->n == 3 ? find(st.thread_n, o->w[2]) : -1;
	sched_cookie_t ca = 0, cb = 0;
	int r;

	if (a < 0 || b < 0)
		return BAD;
	r = sched_core_get(o->h->sys, sched_ref_of(st.thread[a]), &ca);
	if (r == 0)
		r = sched_core_get(o->h->sys, sched_ref_of(st.thread[b]), &cb);
	return r < 0 ? r : ca == cb;
}

static int set_affinity(const struct op *o)
{
	int t = o->n == 4 && same(o->w[2], "cpus") ? find(st.thread_n, o->w[1]) : -1;
	sched_cpumask_t m;

	return t < 0 || !parse_cpus(o->w[3], &m)
		       ? BAD : sched_set_affinity(o->h->sys, sched_ref_of(st.thread[t]), &m);
}

static int op_affinity(const struct op *o)
{
	return again(o, set_affinity(o), set_affinity);
}

static int op_state(const struct op *o)
{
	struct sched_sc_stats ss;
	struct sched_lease_info li;
	struct sched_island_stats is;
	int i;

	if (o->n != 2)
		return BAD;
	if ((i = find(st.sc_n, o->w[1])) >= 0)
		return sched_sc_stats(o->h->sys, st.sc[i], &ss);
	if ((i = find(st.lease_n, o->w[1])) >= 0)
		return sched_lease_info(o->h->sys, st.lease[i], &li);
	if ((i = find(st.isl_n, o->w[1])) >= 0)
		return sched_island_stats(o->h->sys, st.island[i], &is, NULL, 0);
	return BAD;
}

static const struct {
	const char *name;
	int (*run)(const struct op *o);
} ops[] = {
	{ "admission", op_admission }, { "group", op_group }, { "thread", op_thread },
	{ "sc", op_sc }, { "bind", op_bind }, { "lease", op_lease }, { "unlease", op_unlease },
	{ "island", op_island }, { "unisland", op_unisland }, { "offline", op_offline },
	{ "online", op_online }, { "cookie", op_cookie }, { "share", op_share },
	{ "affinity", op_affinity }, { "state", op_state }, { "together", op_together },
};

static int run_op(const struct op *o)
{
	if (same(o->w[0], "unbind"))
		return op_sc_call(o, sched_sc_unbind);
	if (same(o->w[0], "revoke"))
		return op_sc_call(o, sched_sc_revoke);
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (same(o->w[0], ops[i].name))
			return ops[i].run(o);
	return BAD;
}

/* --- the run --------------------------------------------------------------------------------- */

/* The class a thread runs in, from what libsched keeps in it (read once the machine has
 * settled after the step). */
static const char *class_of(const struct sched_thread *t)
{
	if (__atomic_load_n(&t->sc, __ATOMIC_ACQUIRE))
		return "sc";
	if (__atomic_load_n(&t->passive, __ATOMIC_ACQUIRE))
		return "passive";
	if (__atomic_load_n(&t->rt_prio, __ATOMIC_ACQUIRE))
		return "rt";
	return "fair";
}

static void print_classes(const struct op *o)
{
	struct line l = { .n = 0 };

	put(&l, "op ");
	put_uint(&l, o->no);
	put(&l, " classes:");
	for (int i = 0; i < NAMES; i++) {
		if (!st.thread_n[i].used)
			continue;
		put(&l, " ");
		put(&l, st.thread_n[i].name);
		put(&l, " ");
		put(&l, class_of(st.thread[i]));
	}
	o->h->print(o->h->ctx, l.b);
}

static void print_op(const struct op *o, int r)
{
	struct line l = { .n = 0 };

	put(&l, "op ");
	put_uint(&l, o->no);
	for (unsigned i = 0; i < o->n; i++) {
		put(&l, " ");
		put(&l, o->w[i]);
	}
	put(&l, ": ");
	put_result(&l, r);
	o->h->print(o->h->ctx, l.b);
}

/* Split buf (one line, NUL-terminated, modified) into words; a '#' ends it. */
static unsigned split(char *buf, char **w)
{
	unsigned n = 0;

	for (char *p = buf; *p && *p != '#';) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			*p++ = 0;
		if (!*p || *p == '#')
			break;
		if (n == WORDS)
			return WORDS + 1;
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#')
			p++;
	}
	for (char *p = buf; *p; p++)
		if (*p == '#')
			*p = 0;
	return n;
}

static void print_parse_error(const struct scn_host *h, unsigned line_no)
{
	struct line l = { .n = 0 };

	put(&l, "parse error at line ");
	put_uint(&l, line_no);
	h->print(h->ctx, l.b);
}

int scn_run(const struct scn_host *h, const char *text, unsigned long len)
{
	unsigned line_no = 0, no = 0;
	unsigned long at = 0;

	if (!h || !h->sys || !text)
		return -1;
	while (at < len) {
		char buf[SCN_LINE], *w[WORDS];
		unsigned k = 0, n;
		struct op o;
		int r;

		line_no++;
		while (at < len && text[at] != '\n' && k + 1 < sizeof(buf))
			buf[k++] = text[at++];
		buf[k] = 0;
		if (at < len && text[at] != '\n') { /* a line longer than a line may be */
			print_parse_error(h, line_no);
			return -1;
		}
		at++;
		n = split(buf, w);
		if (n == 0)
			continue;
		o = (struct op){ .h = h, .w = w, .n = n, .no = ++no };
		h->enter(h->ctx);
		r = n > WORDS ? BAD : run_op(&o);
		if (r == BAD) {
			print_parse_error(h, line_no);
			return -1;
		}
		h->settle(h->ctx);
		print_op(&o, r);
		print_classes(&o);
	}
	return (int)no;
}
