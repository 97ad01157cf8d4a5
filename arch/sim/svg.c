/* SPDX-License-Identifier: MIT */
/*
 * svg.c - schedsim --svg (svg.h): the run as an SVG timeline.
 *
 * Layout: a title line; one lane per CPU ("CPU N" on its left), PLOT_W pixels wide for
 * the window whatever its length; under the lanes a time axis with labelled ticks; under
 * it the legend and a line of counts. A slice is a <rect> on its CPU's lane, coloured by
 * thread, class or cookie, with data-t (the thread's id: its 1-based place in the report)
 * and data-cpu. Marks: a release (a periodic task's job starts) is a small dark triangle
 * at the lane's top, its deadline a small white one at the lane's bottom, a deadline miss
 * (libsched's SCHED_TR_MISS, or a job that completed after its deadline) a red triangle
 * over the lane's top. The marks are kept aside in a temporary file and written after the
 * slices, so that they are drawn over them.
 *
 * Bounded size: time maps to PLOT_W pixels, so a slice narrower than MIN_PX would only
 * add bytes, not ink. A lane keeps one pending slice: the next slice of the same thread
 * that starts where it ends extends it; anything else flushes it. A flushed slice at least
 * MIN_PX wide is drawn in its colour; a narrower one joins the lane's "mixed" run (class
 * "mix", faded, no data-t), which takes the next narrow slice if it starts less than
 * MIX_GAP_PX after its end and the run stays within MIX_MAX_PX; it is drawn in the colour
 * of the thread that ran most in it (of the first MIX_THREADS threads in it), so that a
 * long run still shows who had each CPU. Slices do not overlap and are at least MIN_PX
 * wide: at most PLOT_W / MIN_PX per lane; a mixed run is closed only by a slice, a gap of
 * MIX_GAP_PX or the next narrow slice reaching MIX_MAX_PX past its start, so two mixed runs
 * in a row span more than MIX_MAX_PX: at most about PLOT_W more. About 3 PLOT_W rects per
 * lane at most, however long the run. A mark within MARK_MIN_DX of the lane's last one of
 * its kind is skipped, and a lane has at most PLOT_W marks of each kind.
 *
 * Exactness: a rect's two ends are rounded to 2 decimals (r2) and printed as x and
 * width, so rects that meet in time meet exactly in the file, and a thread's drawn width
 * is its runtime in the window times PLOT_W / window, within 0.01 px per rect, less what
 * went into mixed runs (tests/svg_check.py allows the mixed runs' total width on top).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"

#define PLOT_X 76          /* left edge of the lanes (the CPU labels are left of it) */
#define PLOT_W 1600        /* the window's width in pixels */
#define RIGHT_W 24
#define TITLE_Y 22
#define LANES_Y 40
#define MIN_PX 0.5         /* narrower slices go into mixed runs */
#define MIX_GAP_PX 1.0     /* mixed runs closer than this merge ... */
#define MIX_MAX_PX 2.0     /* ... up to this width */
#define MIX_THREADS 8      /* the threads of a mixed run whose time is counted */
#define MARK_MIN_DX 3.0    /* marks of one kind closer than this on a lane: one drawn */
#define LEGEND_MAX 64      /* entries; then "+N more" */
#define LEGEND_COLS 8
#define LEGEND_COL_W (PLOT_W / LEGEND_COLS)
#define ROW_H 16
#define NAME_MAX_CHARS 24
#define BUF_SIZE (1u << 20)

enum mark { MARK_RELEASE, MARK_DEADLINE, MARK_MISS, NR_MARKS };

struct lane {
	uint32_t curr;           /* the thread the CPU runs, by the switches seen; 0 idle */
	sched_time_t since;
	bool pend;               /* a pending slice: thread p_tid over [p_x0, p_x1] */
	uint32_t p_tid;
	double p_x0, p_x1;
	bool mix;                /* a pending mixed run over [m_x0, m_x1] ... */
	double m_x0, m_x1;
	unsigned m_nr;           /* ... with the width of each of its first threads */
	uint32_t m_tid[MIX_THREADS];
	double m_w[MIX_THREADS];
	double mark_x[NR_MARKS]; /* the last mark drawn of each kind (-1e9: none) */
	unsigned marks[NR_MARKS];
};

struct svg_out {
	FILE *f;
	FILE *marks;             /* the marks, copied after the slices at close: drawn over them */
	char *buf;
	const char *path;
	enum svg_color color;
	sched_time_t start, end;
	double scale;            /* pixels per ns */
	unsigned cpus;
	unsigned lane_h, pitch;  /* a lane's height, and from one lane's top to the next's */
	unsigned axis_y, legend_y, height;
	struct lane lane[SCHED_MAX_CPUS];
	int *key;                /* per thread id: its colour key, -1 not known yet */
	bool *seen;              /* per colour key: it has a slice in the window */
	size_t nr_key, nr_seen;
	uint64_t rects, mixed, nr_marks[NR_MARKS], skipped;
	/* the hooks found at open, called first and given back at close */
	void (*prev_trace)(struct sim *, const struct sched_trace_event *, void *);
	void *prev_trace_arg;
	void (*prev_job)(struct sim *, const struct sim_thread *, void *);
	void *prev_job_arg;
};

static const char *const class_name[] = {
	[WL_POLICY_OTHER] = "SCHED_OTHER", [WL_POLICY_BATCH] = "SCHED_BATCH",
	[WL_POLICY_IDLE] = "SCHED_IDLE", [WL_POLICY_DEADLINE] = "SCHED_DEADLINE",
	[WL_POLICY_FIFO] = "SCHED_FIFO", [WL_POLICY_RR] = "SCHED_RR",
};
#define NR_CLASSES (sizeof(class_name) / sizeof(class_name[0]))

static const char *const class_fill[NR_CLASSES] = {
	[WL_POLICY_OTHER] = "#4a7fd4", [WL_POLICY_BATCH] = "#2fa36b",
	[WL_POLICY_IDLE] = "#a3a3a3", [WL_POLICY_DEADLINE] = "#8e44ad",
	[WL_POLICY_FIFO] = "#e08a1e", [WL_POLICY_RR] = "#d4c21f",
};

static struct sim_thread *thread_of(const struct sim *sim, uint32_t tid)
{
	return tid >= 1 && tid <= sim->nr_threads ? sim->threads[tid - 1] : NULL;
}

static double px(const struct svg_out *o, sched_time_t t)
{
	return PLOT_X + (double)(t - o->start) * o->scale;
}

/* x to 2 decimals, as printed: a rect's ends are rounded, not its width, so that rects that
 * meet in time meet in the file, exactly. */
static double r2(double x)
{
	return floor(x * 100 + 0.5) / 100;
}

static unsigned lane_top(const struct svg_out *o, unsigned cpu)
{
	return LANES_Y + cpu * o->pitch;
}

/* s as XML character data, cut to `max` bytes (0: whole). */
static void put_text(FILE *f, const char *s, size_t max)
{
	for (size_t i = 0; s[i] && (!max || i < max); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20 || c == 0x7f)
			fputc('?', f);
		else
			fputc(c, f);
	}
}

/* ---- colours ------------------------------------------------------------------------ */

/*
 * Key k's colour in the thread and cookie modes: hue by the golden angle (neighbouring
 * keys far apart on the wheel), lightness and saturation in three steps. Pure arithmetic
 * on the key, so the same run gives the same bytes. Key 0 (no thread, untagged) is grey.
 */
static void key_fill(unsigned k, char out[8])
{
	double h, s, l, c, x, m, r = 0, g = 0, b = 0;
	unsigned k2 = k * 2654435761u >> 16; /* a hash of the index, for the steps */

	if (!k) {
		snprintf(out, 8, "#9a9a9a");
		return;
	}
	h = fmod(k * 137.508, 360.0) / 60.0;
	s = 0.55 + 0.15 * (k2 % 3);
	l = 0.42 + 0.1 * ((k2 / 3) % 3);
	c = (1 - fabs(2 * l - 1)) * s;
	x = c * (1 - fabs(fmod(h, 2.0) - 1));
	m = l - c / 2;
	switch ((int)h) {
	case 0: r = c; g = x; break;
	case 1: r = x; g = c; break;
	case 2: g = c; b = x; break;
	case 3: g = x; b = c; break;
	case 4: r = x; b = c; break;
	default: r = c; b = x; break;
	}
	snprintf(out, 8, "#%02x%02x%02x", (unsigned)((r + m) * 255 + 0.5),
		 (unsigned)((g + m) * 255 + 0.5), (unsigned)((b + m) * 255 + 0.5));
}

static int cookie_key(const struct sim *sim, const struct sim_thread *t)
{
	if (!t->task || t->task->cookie_kind == WL_COOKIE_NONE || !sim->cfg.core_sched)
		return 0;
	for (size_t i = 0; i < sim->nr_cookies; i++)
		if (wl_same_cookie(t->task, sim->cookie_first[i]->task))
			return (int)i + 1;
	return 0;
}

static int compute_key(const struct svg_out *o, const struct sim *sim, uint32_t tid)
{
	const struct sim_thread *t = thread_of(sim, tid);

	if (o->color == SVG_BY_THREAD)
		return (int)tid;
	if (!t || !t->task)
		return o->color == SVG_BY_CLASS ? WL_POLICY_OTHER : 0;
	if (o->color == SVG_BY_CLASS)
		return t->task->policy < NR_CLASSES ? (int)t->task->policy : WL_POLICY_OTHER;
	return cookie_key(sim, t);
}

/* Grow a per-index array of `size`-byte entries to hold index i; new entries zeroed. */
static void *grow(void *a, size_t *nr, size_t i, size_t size)
{
	size_t n = *nr ? *nr : 64;
	char *p;

	while (n <= i)
		n *= 2;
	p = realloc(a, n * size);
	if (!p) {
		fprintf(stderr, "schedsim: --svg: out of memory\n");
		exit(1);
	}
	memset(p + *nr * size, 0, (n - *nr) * size);
	*nr = n;
	return p;
}

/* The colour key of thread tid, computed at its first slice and kept (grows with the
 * threads, not the run). */
static int key_of(struct svg_out *o, const struct sim *sim, uint32_t tid)
{
	if (tid >= o->nr_key) {
		size_t old = o->nr_key;

		o->key = grow(o->key, &o->nr_key, tid, sizeof(*o->key));
		for (size_t i = old; i < o->nr_key; i++)
			o->key[i] = -1;
	}
	if (o->key[tid] < 0)
		o->key[tid] = compute_key(o, sim, tid);
	return o->key[tid];
}

static void fill_of(const struct svg_out *o, int key, char out[8])
{
	if (o->color == SVG_BY_CLASS)
		snprintf(out, 8, "%s", class_fill[key]);
	else
		key_fill((unsigned)key, out);
}

/* ---- slices ------------------------------------------------------------------------- */

/* The thread that ran most in the lane's mixed run. */
static uint32_t mix_major(const struct lane *l)
{
	unsigned best = 0;

	for (unsigned i = 1; i < l->m_nr; i++)
		if (l->m_w[i] > l->m_w[best])
			best = i;
	return l->m_tid[best];
}

static void mix_flush(struct svg_out *o, const struct sim *sim, unsigned cpu)
{
	struct lane *l = &o->lane[cpu];
	char fill[8];

	if (!l->mix)
		return;
	fill_of(o, key_of(o, sim, mix_major(l)), fill);
	fprintf(o->f, "<rect class=\"mix\" x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"%u\" "
		"fill=\"%s\" data-cpu=\"%u\"/>\n", r2(l->m_x0), lane_top(o, cpu),
		r2(l->m_x1) - r2(l->m_x0), o->lane_h, fill, cpu);
	l->mix = false;
	o->mixed++;
}

/* The pending (narrow) slice joins the mixed run, or starts the next one. */
static void mix_add(struct svg_out *o, const struct sim *sim, unsigned cpu)
{
	struct lane *l = &o->lane[cpu];
	unsigned i;

	if (!l->mix || l->p_x0 - l->m_x1 >= MIX_GAP_PX || l->p_x1 - l->m_x0 > MIX_MAX_PX) {
		mix_flush(o, sim, cpu);
		l->mix = true;
		l->m_x0 = l->p_x0;
		l->m_nr = 0;
	}
	l->m_x1 = l->p_x1;
	for (i = 0; i < l->m_nr && l->m_tid[i] != l->p_tid; i++)
		;
	if (i == l->m_nr && i < MIX_THREADS) {
		l->m_tid[l->m_nr++] = l->p_tid;
		l->m_w[i] = 0;
	}
	if (i < l->m_nr)
		l->m_w[i] += l->p_x1 - l->p_x0;
}

/* The pending slice is final: drawn if wide enough, else into the mixed run. */
static void lane_flush(struct svg_out *o, const struct sim *sim, unsigned cpu)
{
	struct lane *l = &o->lane[cpu];
	char fill[8];

	if (!l->pend)
		return;
	l->pend = false;
	if (l->p_x1 - l->p_x0 < MIN_PX) {
		mix_add(o, sim, cpu);
		return;
	}
	mix_flush(o, sim, cpu); /* it ends before this slice starts */
	fill_of(o, key_of(o, sim, l->p_tid), fill);
	fprintf(o->f, "<rect x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"%u\" fill=\"%s\" "
		"data-t=\"%u\" data-cpu=\"%u\"/>\n", r2(l->p_x0), lane_top(o, cpu),
		r2(l->p_x1) - r2(l->p_x0), o->lane_h, fill, (unsigned)l->p_tid, cpu);
	o->rects++;
}

/* Thread tid ran on cpu over [a, b): its part in the window joins the lane. */
static void lane_slice(struct svg_out *o, const struct sim *sim, unsigned cpu, uint32_t tid,
		       sched_time_t a, sched_time_t b)
{
	struct lane *l = &o->lane[cpu];
	double x0, x1;
	int key;

	if (a < o->start)
		a = o->start;
	if (b > o->end)
		b = o->end;
	if (!tid || b <= a)
		return;
	key = key_of(o, sim, tid);
	if ((size_t)key >= o->nr_seen)
		o->seen = grow(o->seen, &o->nr_seen, (size_t)key, sizeof(*o->seen));
	o->seen[key] = true;
	x0 = px(o, a);
	x1 = px(o, b);
	if (l->pend && l->p_tid == tid && x0 == l->p_x1) {
		l->p_x1 = x1; /* the same thread again at once: one slice */
		return;
	}
	lane_flush(o, sim, cpu);
	l->pend = true;
	l->p_tid = tid;
	l->p_x0 = x0;
	l->p_x1 = x1;
}

/* ---- marks -------------------------------------------------------------------------- */

static void mark(struct svg_out *o, unsigned cpu, enum mark k, sched_time_t t)
{
	struct lane *l = &o->lane[cpu];
	unsigned y = lane_top(o, cpu);
	double x;

	if (cpu >= o->cpus || t < o->start || t > o->end)
		return;
	x = px(o, t);
	if (fabs(x - l->mark_x[k]) < MARK_MIN_DX || l->marks[k] >= PLOT_W) {
		o->skipped++;
		return;
	}
	l->mark_x[k] = x;
	l->marks[k]++;
	o->nr_marks[k]++;
	if (k == MARK_RELEASE)
		fprintf(o->marks, "<path class=\"rel\" d=\"M%.2f %ul3 0 -3 5 -3 -5z\"/>\n", x, y);
	else if (k == MARK_DEADLINE)
		fprintf(o->marks, "<path class=\"dl\" d=\"M%.2f %ul3 0 -3 -5 -3 5z\"/>\n", x,
			y + o->lane_h);
	else
		fprintf(o->marks, "<path class=\"miss\" d=\"M%.2f %ul-4 -7h8z\"/>\n", x, y + 3);
}

static unsigned cpu_of(const struct sim *sim, const struct sim_thread *t)
{
	return t->st.cpu < sim->cfg.cpus ? t->st.cpu : 0;
}

static void on_job(struct sim *sim, const struct sim_thread *t, void *arg)
{
	struct svg_out *o = arg;
	const struct sim_job *j = &t->jobs.cur;

	if (o->prev_job)
		o->prev_job(sim, t, o->prev_job_arg);
	if (t->jobs.open) {
		mark(o, cpu_of(sim, t), MARK_RELEASE, j->release);
		mark(o, cpu_of(sim, t), MARK_DEADLINE, j->deadline);
	} else if (j->end != SCHED_TIME_NEVER && j->end > j->deadline && !t->has_sc) {
		/* a late job on an SC of its own: libsched's SCHED_TR_MISS marks it */
		mark(o, cpu_of(sim, t), MARK_MISS, j->end);
	}
}

static void on_trace(struct sim *sim, const struct sched_trace_event *ev, void *arg)
{
	struct svg_out *o = arg;
	unsigned cpu = ev->cpu < o->cpus ? ev->cpu : 0;
	struct lane *l = &o->lane[cpu];

	if (o->prev_trace)
		o->prev_trace(sim, ev, o->prev_trace_arg);
	if (ev->type == SCHED_TR_SWITCH) {
		lane_slice(o, sim, cpu, l->curr, l->since, ev->time);
		l->curr = ev->tid;
		l->since = ev->time;
	} else if (ev->type == SCHED_TR_MISS) {
		mark(o, cpu, MARK_MISS, ev->time);
	}
}

/* The marks, kept aside as they came, after every slice. */
static void copy_marks(struct svg_out *o)
{
	char chunk[4096];
	size_t n;

	fflush(o->marks);
	rewind(o->marks);
	fputs("<g class=\"marks\">\n", o->f);
	while ((n = fread(chunk, 1, sizeof(chunk), o->marks)) > 0)
		fwrite(chunk, 1, n, o->f);
	fputs("</g>\n", o->f);
}

/* ---- header ------------------------------------------------------------------------- */

/* Ticks every 1, 2 or 5 times a power of ten ns: the smallest giving 10 or fewer. */
static sched_time_t tick_step(sched_time_t span)
{
	for (sched_time_t p = 1;; p *= 10) {
		if (span <= p * 10)
			return p;
		if (span <= p * 20)
			return p * 2;
		if (span <= p * 50)
			return p * 5;
	}
}

static void tick_label(char *out, size_t len, sched_time_t t, sched_time_t step)
{
	if (step >= 100000000)
		snprintf(out, len, "%g s", (double)t / 1e9);
	else if (step >= 100000)
		snprintf(out, len, "%g ms", (double)t / 1e6);
	else if (step >= 100)
		snprintf(out, len, "%g us", (double)t / 1e3);
	else
		snprintf(out, len, "%llu ns", (unsigned long long)t);
}

static void axis(struct svg_out *o)
{
	sched_time_t step = tick_step(o->end - o->start);
	sched_time_t t = (o->start + step - 1) / step * step;
	unsigned y = o->axis_y;
	char label[48];

	fprintf(o->f, "<g class=\"axis\">\n<path class=\"ax\" d=\"M%d %uh%d\"/>\n", PLOT_X, y,
		PLOT_W);
	for (; t <= o->end; t += step) {
		double x = px(o, t);

		tick_label(label, sizeof(label), t, step);
		fprintf(o->f, "<path class=\"grid\" d=\"M%.2f %uV%u\"/><path class=\"ax\" "
			"d=\"M%.2f %uv5\"/><text x=\"%.2f\" y=\"%u\" text-anchor=\"middle\">%s"
			"</text>\n", x, LANES_Y - 2, y, x, y, x, y + 17, label);
	}
	fputs("</g>\n", o->f);
}

static void header(struct svg_out *o, const struct sim *sim, const char *title)
{
	unsigned font = o->lane_h < 12 ? o->lane_h : 12;

	fprintf(o->f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%u\" "
		"viewBox=\"0 0 %d %u\" font-family=\"sans-serif\" font-size=\"12\" "
		"data-plot-x=\"%d\" data-plot-w=\"%d\" data-start-ns=\"%llu\" "
		"data-end-ns=\"%llu\" data-min-px=\"%g\">\n", PLOT_X + PLOT_W + RIGHT_W, o->height,
		PLOT_X + PLOT_W + RIGHT_W, o->height, PLOT_X, PLOT_W,
		(unsigned long long)o->start, (unsigned long long)o->end, MIN_PX);
	fputs("<style>.lane{fill:#f2f2f2}.mix{opacity:.55}.mixkey{fill:#6b6b6b;opacity:.55}"
	      ".grid{stroke:#d0d0d0;"
	      "stroke-width:.5}.ax{stroke:#333;stroke-width:1}.rel{fill:#111;stroke:#fff;"
	      "stroke-width:.7}.dl{fill:#fff;stroke:#111;stroke-width:.8}.miss{fill:#ff1020;"
	      "stroke:#000;stroke-width:.6}text{fill:#222}</style>\n", o->f);
	fprintf(o->f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
		"<text x=\"%d\" y=\"%d\" font-size=\"15\" font-weight=\"bold\">", PLOT_X, TITLE_Y);
	put_text(o->f, title, 0);
	fprintf(o->f, " \xe2\x80\x94 %u CPU%s", o->cpus, o->cpus == 1 ? "" : "s");
	if (sim->cfg.smt > 1)
		fprintf(o->f, " (SMT %u)", sim->cfg.smt);
	fprintf(o->f, ", window %.6g\xe2\x80\x93%.6g s, colour by %s</text>\n",
		(double)o->start / 1e9, (double)o->end / 1e9,
		o->color == SVG_BY_THREAD ? "thread" : o->color == SVG_BY_CLASS ? "class"
										 : "cookie");
	for (unsigned c = 0; c < o->cpus; c++) {
		fprintf(o->f, "<rect class=\"lane\" x=\"%d\" y=\"%u\" width=\"%d\" height=\"%u\" "
			"data-cpu=\"%u\"/>", PLOT_X, lane_top(o, c), PLOT_W, o->lane_h, c);
		fprintf(o->f, "<text x=\"%d\" y=\"%u\" text-anchor=\"end\" font-size=\"%u\" "
			"dominant-baseline=\"central\">CPU %u</text>\n", PLOT_X - 6,
			lane_top(o, c) + o->lane_h / 2, font, c);
	}
	axis(o);
}

/* ---- legend ------------------------------------------------------------------------- */

static void legend_box(struct svg_out *o, unsigned i, const char *fill)
{
	unsigned x = PLOT_X + (i % LEGEND_COLS) * LEGEND_COL_W;
	unsigned y = o->legend_y + ROW_H + (i / LEGEND_COLS) * ROW_H;

	fprintf(o->f, "<rect x=\"%u\" y=\"%u\" width=\"10\" height=\"10\" fill=\"%s\"/>"
		"<text x=\"%u\" y=\"%u\" font-size=\"11\">", x, y, fill, x + 14, y + 9);
}

static void legend_label(struct svg_out *o, const struct sim *sim, int key)
{
	const struct sim_thread *t;
	char num[48];

	if (o->color == SVG_BY_CLASS) {
		fputs(class_name[key], o->f);
		return;
	}
	if (o->color == SVG_BY_COOKIE) {
		if (!key) {
			fputs("untagged", o->f);
			return;
		}
		t = sim->cookie_first[key - 1];
		fputs("cookie ", o->f);
		if (t->task->cookie_kind == WL_COOKIE_INT) {
			snprintf(num, sizeof(num), "%lld", (long long)t->task->cookie_int);
			fputs(num, o->f);
		} else {
			put_text(o->f, t->task->cookie_str, NAME_MAX_CHARS);
		}
		return;
	}
	t = thread_of(sim, (uint32_t)key);
	if (t && t->task && t->task->name && t->task->name[0])
		put_text(o->f, t->task->name, NAME_MAX_CHARS);
	else
		fputs("thread", o->f);
	if (!t || !t->task || t->task->instances > 1) {
		snprintf(num, sizeof(num), " #%u", t ? t->instance : (unsigned)key);
		fputs(num, o->f);
	}
}

/* The marks' key, then one entry per colour key seen, LEGEND_MAX at most. */
static void legend(struct svg_out *o, const struct sim *sim)
{
	unsigned y = o->legend_y, shown = 0, more = 0;
	char fill[8];

	fprintf(o->f, "<g class=\"legend\">\n<path class=\"rel\" d=\"M%d %ul3 0 -3 5 -3 -5z\"/>"
		"<text x=\"%d\" y=\"%u\" font-size=\"11\">release</text>", PLOT_X + 4, y + 2,
		PLOT_X + 12, y + 9);
	fprintf(o->f, "<path class=\"dl\" d=\"M%d %ul3 0 -3 -5 -3 5z\"/><text x=\"%d\" y=\"%u\" "
		"font-size=\"11\">deadline</text>", PLOT_X + 84, y + 8, PLOT_X + 92, y + 9);
	fprintf(o->f, "<path class=\"miss\" d=\"M%d %ul-4 -7h8z\"/><text x=\"%d\" y=\"%u\" "
		"font-size=\"11\">deadline miss</text>", PLOT_X + 174, y + 9, PLOT_X + 182, y + 8);
	fprintf(o->f, "<rect class=\"mixkey\" x=\"%d\" y=\"%u\" width=\"10\" height=\"10\"/>"
		"<text x=\"%d\" y=\"%u\" font-size=\"11\">faded: several threads, each under "
		"%g px, in the colour of the one that ran most</text>\n", PLOT_X + 290, y,
		PLOT_X + 304, y + 9, MIN_PX);
	for (size_t k = 0; k < o->nr_seen; k++) {
		if (!o->seen[k])
			continue;
		if (shown == LEGEND_MAX) {
			more++;
			continue;
		}
		fill_of(o, (int)k, fill);
		legend_box(o, shown++, fill);
		legend_label(o, sim, (int)k);
		fputs("</text>\n", o->f);
	}
	if (more)
		fprintf(o->f, "<text x=\"%d\" y=\"%u\" font-size=\"11\">+%u more</text>\n",
			PLOT_X, o->legend_y + ROW_H * (2 + LEGEND_MAX / LEGEND_COLS) - 4, more);
	fputs("</g>\n", o->f);
}

static void footer(struct svg_out *o)
{
	fprintf(o->f, "<text x=\"%d\" y=\"%u\" font-size=\"11\" fill=\"#555\">%llu slices, "
		"%llu mixed runs, %llu releases, %llu deadlines, %llu deadline misses drawn"
		"</text>\n</svg>\n", PLOT_X, o->height - 8, (unsigned long long)o->rects,
		(unsigned long long)o->mixed, (unsigned long long)o->nr_marks[MARK_RELEASE],
		(unsigned long long)o->nr_marks[MARK_DEADLINE],
		(unsigned long long)o->nr_marks[MARK_MISS]);
}

/* ---- open and close ----------------------------------------------------------------- */

/* Legend rows for the entries the workload can have (known before its threads exist). */
static unsigned legend_rows(const struct svg_out *o, const struct workload *wl)
{
	size_t n = 0;

	if (o->color == SVG_BY_CLASS) {
		n = NR_CLASSES;
	} else {
		for (size_t i = 0; i < wl->nr_tasks; i++)
			n += o->color == SVG_BY_THREAD ? wl->tasks[i].instances : 1;
		n += 1; /* the policy service's thread, or the untagged cookie */
	}
	if (n > LEGEND_MAX)
		n = LEGEND_MAX + LEGEND_COLS; /* a row for "+N more" */
	return (unsigned)((n + LEGEND_COLS - 1) / LEGEND_COLS);
}

static void layout(struct svg_out *o, const struct workload *wl)
{
	o->lane_h = o->cpus <= 16 ? 28 : 448 / o->cpus < 6 ? 6 : 448 / o->cpus;
	o->pitch = o->lane_h + (o->lane_h >= 16 ? 6 : 2);
	o->axis_y = LANES_Y + o->cpus * o->pitch + 2;
	o->legend_y = o->axis_y + 34;
	o->height = o->legend_y + ROW_H * (1 + legend_rows(o, wl)) + 24;
}

struct svg_out *svg_open(struct sim *sim, const struct workload *wl, const struct svg_opts *opts)
{
	struct svg_out *o = calloc(1, sizeof(*o));

	if (!o || !(o->buf = malloc(BUF_SIZE))) {
		fprintf(stderr, "schedsim: --svg: out of memory\n");
		free(o);
		return NULL;
	}
	if (!(o->f = fopen(opts->path, "w"))) {
		fprintf(stderr, "schedsim: --svg: cannot create %s: %s\n", opts->path,
			strerror(errno));
		free(o->buf);
		free(o);
		return NULL;
	}
	if (!(o->marks = tmpfile())) {
		fprintf(stderr, "schedsim: --svg: no temporary file: %s\n", strerror(errno));
		fclose(o->f);
		free(o->buf);
		free(o);
		return NULL;
	}
	setvbuf(o->f, o->buf, _IOFBF, BUF_SIZE);
	o->path = opts->path;
	o->color = opts->color;
	o->start = opts->start;
	o->end = opts->end;
	o->scale = (double)PLOT_W / (double)(o->end - o->start);
	o->cpus = sim->cfg.cpus < SCHED_MAX_CPUS ? sim->cfg.cpus : SCHED_MAX_CPUS;
	for (unsigned c = 0; c < o->cpus; c++)
		for (int k = 0; k < NR_MARKS; k++)
			o->lane[c].mark_x[k] = -1e9;
	layout(o, wl);
	header(o, sim, opts->title);
	o->prev_trace = sim->on_trace;
	o->prev_trace_arg = sim->trace_arg;
	o->prev_job = sim->on_job;
	o->prev_job_arg = sim->job_arg;
	sim->on_trace = on_trace;
	sim->trace_arg = o;
	sim->on_job = on_job;
	sim->job_arg = o;
	return o;
}

int svg_close(struct sim *sim, struct svg_out *o)
{
	int bad;

	if (!o)
		return 0;
	if (sim) {
		for (unsigned c = 0; c < o->cpus; c++) {
			struct lane *l = &o->lane[c];

			lane_slice(o, sim, c, l->curr, l->since, sim->now);
			lane_flush(o, sim, c);
			mix_flush(o, sim, c);
		}
		copy_marks(o);
		legend(o, sim);
		if (sim->trace_arg == o) {
			sim->on_trace = o->prev_trace;
			sim->trace_arg = o->prev_trace_arg;
		}
		if (sim->job_arg == o) {
			sim->on_job = o->prev_job;
			sim->job_arg = o->prev_job_arg;
		}
	}
	footer(o);
	bad = ferror(o->f) != 0 || ferror(o->marks) != 0;
	fclose(o->marks);
	if (fclose(o->f) != 0)
		bad = 1;
	if (bad)
		fprintf(stderr, "schedsim: --svg: writing %s failed\n", o->path);
	free(o->buf);
	free(o->key);
	free(o->seen);
	free(o);
	return bad ? -1 : 0;
}
